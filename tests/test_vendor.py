"""The vendored Vega scripts are the versions Altair writes specs for, and the book loads them from _static."""

from __future__ import annotations

import re

import pytest

import altair as alt
import yaml

from conftest import PROJECT

VENDOR = PROJECT / "_static" / "vendor"


def _major(version: str) -> str:
    return version.lstrip("v").split(".")[0]


def test_vendored_versions_match_altair():
    vega = re.search(r'version="(\d+\.\d+\.\d+)"', (VENDOR / "vega.min.js").read_text()).group(1)
    lite = re.search(r'var n="(\d+\.\d+\.\d+)"', (VENDOR / "vega-lite.min.js").read_text()).group(1)
    embed = re.search(r'const \w+="(\d+\.\d+\.\d+)"', (VENDOR / "vega-embed.min.js").read_text()).group(1)
    assert _major(vega) == _major(alt.VEGA_VERSION)
    assert lite == alt.VEGALITE_VERSION.lstrip("v")
    assert _major(embed) == _major(alt.VEGAEMBED_VERSION)


def test_book_loads_every_vendored_script_and_no_cdn():
    config = yaml.safe_load((PROJECT / "_config.yml").read_text())["sphinx"]["config"]
    files = config["html_js_files"]
    vendored = [f for f in files if f.startswith("vendor/")]
    assert sorted(vendored) == sorted(f"vendor/{p.name}" for p in VENDOR.glob("*.js"))
    assert vendored == files[:len(vendored)], "the vendored scripts load before the book's own"
    assert all((PROJECT / "_static" / f).is_file() for f in files)
    assert all(not f.startswith(("http:", "https:", "//")) for f in files)
    assert "sphinx_thebe" not in config["extensions"]
    assert config["nb_ipywidgets_js"] == {}


@pytest.mark.site
def test_built_pages_reference_no_external_script():
    html = PROJECT / "_build" / "html"
    pages = list(html.rglob("*.html"))
    assert pages, "build the book first (make test does)"
    for page in pages:
        text = page.read_text(encoding="utf-8")
        scripts = re.findall(r'<script[^>]+src="([^"]+)"', text)
        external = [s for s in scripts if s.startswith(("http:", "https:", "//"))]
        assert not external, f"{page.relative_to(html)} loads {external}"
        assert "cdn.jsdelivr.net" not in text and "unpkg.com" not in text, page
