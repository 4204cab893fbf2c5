"""Launching a chapter elsewhere: Binder and Colab buttons driven by the one repository URL of ``_config.yml``
(none ships, as no public repository exists), Thebe off, and a chapter notebook opened outside a clone of the
repository that says what it needs instead of failing inside the package."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from conftest import PROJECT, snapshots
from futurecity.book.build import toc_files

REPOSITORY = "https://github.com/example-owner/futurecity-example"
BINDER = "https://mybinder.org/v2/gh/example-owner/futurecity-example/main?urlpath=lab/tree/{path}"
COLAB = "https://colab.research.google.com/github/example-owner/futurecity-example/blob/main/{path}"
NOT_COPIED = ("_build", ".venv", ".git", ".cache", "__pycache__", "*.egg-info", ".pytest_cache", ".ruff_cache",
              "tests", "benchmarks")


def _notebooks() -> list[str]:
    return [doc for doc in toc_files(PROJECT) if (PROJECT / f"{doc}.ipynb").is_file()]


def _launch_links(page: str) -> list[str]:
    menu = re.search(r'<div class="dropdown dropdown-launch-buttons">(.*?)</ul>', page, flags=re.S)
    return re.findall(r'<a href="([^"]+)"', menu.group(1)) if menu else []


def test_the_shipped_configuration_names_no_repository_and_keeps_thebe_off():
    config = yaml.safe_load((PROJECT / "_config.yml").read_text(encoding="utf-8"))
    theme = config["sphinx"]["config"]["html_theme_options"]
    assert config["repository"]["url"] == "" and theme["repository_url"] == ""
    assert theme["launch_buttons"] == config["launch_buttons"]  # one setting, read by the theme
    assert config["launch_buttons"]["thebe"] is False
    assert "sphinx_thebe" not in config["sphinx"]["config"]["extensions"]
    assert "launch_buttons" in (PROJECT / "README.md").read_text(encoding="utf-8")


@pytest.mark.build
def test_with_a_repository_url_every_chapter_page_offers_binder_and_colab(tmp_path: Path):
    project = tmp_path / "book"
    shutil.copytree(PROJECT, project, ignore=shutil.ignore_patterns(*NOT_COPIED))
    config = project / "_config.yml"
    text = config.read_text(encoding="utf-8")
    assert text.count('url: &repository_url ""') == 1
    config.write_text(text.replace('url: &repository_url ""', f'url: &repository_url "{REPOSITORY}"'),
                      encoding="utf-8")
    snaps = tmp_path / "snapshots"
    shutil.copytree(snapshots(), snaps)
    env = {**os.environ, "FUTURECITY_SNAPSHOTS": str(snaps), "FUTURECITY_CACHE": str(tmp_path / "cache")}
    env.pop("FUTURECITY_ROOT", None)
    done = subprocess.run([sys.executable, "-m", "futurecity", "build", "--project", str(project)], env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]

    html = project / "_build" / "html"
    chapters = _notebooks()
    assert len(chapters) >= 5
    for doc in chapters:
        page = (html / f"{doc}.html").read_text(encoding="utf-8")
        path = f"{doc}.ipynb"
        assert (PROJECT / path).is_file()  # the launched path is the notebook's path in the repository
        assert _launch_links(page) == [BINDER.format(path=path), COLAB.format(path=path)], doc
        assert "thebe" not in page.lower(), f"{doc}: Thebe is meant to stay off"
    for page in html.rglob("*.html"):  # pages without a notebook (references, search) launch nothing
        if page.relative_to(html).with_suffix("").as_posix() not in chapters:
            assert not _launch_links(page.read_text(encoding="utf-8")), page.name


@pytest.mark.site
def test_the_built_book_has_no_launch_button_without_a_repository_url():
    html = PROJECT / "_build" / "html"
    pages = list(html.rglob("*.html"))
    assert pages, f"{html} has no built book: run `make book` first"
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "dropdown-launch-buttons" not in text and "mybinder.org" not in text, page.name


@pytest.mark.parametrize("doc", _notebooks())
def test_a_chapter_opened_outside_the_repository_says_what_it_needs(doc, tmp_path: Path):
    """The first cell after the parameters, run by a Python that has no futurecity (isolated, no site-packages,
    outside the checkout), stops at once with the remedy rather than deep inside a traceback."""
    nb = nbformat.read(PROJECT / f"{doc}.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])
    first = code[1].source
    assert "from futurecity.chapters import" in first, f"{doc}: the chapter's first cell should open it"
    program = f"{code[0].source}\n{first}"
    done = subprocess.run([sys.executable, "-I", "-S", "-c", program], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("ModuleNotFoundError: This chapter runs in a clone of the futurecity repository"), last
    assert "make lab" in last and "README" in last
    assert "During handling" not in done.stderr  # the original error is not chained in front of the remedy
    assert done.stderr.count('File "<string>"') == 1, done.stderr  # one frame: the cell itself
