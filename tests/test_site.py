"""The built website as files: every chapter of _toc.yml is there, executed once, with its parameters hidden on
the page but kept in the notebook download, and every chart carries its sources and vintage."""

from __future__ import annotations

import html
import re
from pathlib import Path

import nbformat
import pytest

from conftest import PROJECT
from futurecity.book.build import toc_files

pytestmark = pytest.mark.site

HTML = PROJECT / "_build" / "html"
CHAPTERS = [doc for doc in toc_files(PROJECT) if (PROJECT / f"{doc}.ipynb").is_file()]


@pytest.fixture(scope="module", params=CHAPTERS)
def chapter(request) -> dict:
    page = HTML / f"{request.param}.html"
    assert page.is_file(), f"{page} missing: build the book first (make test does)"
    return {"doc": request.param, "html": page.read_text(encoding="utf-8"),
            "download": HTML / "_sources" / f"{request.param}.ipynb"}


def test_every_toc_chapter_is_executed_and_none_is_written_back():
    assert CHAPTERS, "no chapter in _toc.yml"
    for doc in CHAPTERS:
        source = nbformat.read(PROJECT / f"{doc}.ipynb", as_version=4)
        assert all(not c.get("outputs") for c in source.cells if c.cell_type == "code"), f"{doc} has outputs"
        executed = nbformat.read(PROJECT / "_build" / "executed" / f"{doc}.ipynb", as_version=4)
        assert not executed.metadata["papermill"].get("exception"), f"{doc} raised"
        assert all(c.get("execution_count") for c in executed.cells if c.cell_type == "code" and c.source.strip())


def test_parameters_hidden_on_the_page_kept_in_the_download(chapter):
    nb = nbformat.read(chapter["download"], as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and "vintage" in injected[0].source
    assert "remove-cell" in injected[0].metadata["tags"]
    assert "Parameters" not in chapter["html"] and 'vintage = "pinned"' not in chapter["html"]


def test_every_chart_has_a_description_and_names_source_vintage_licence(chapter):
    from test_browser import CHARTLESS

    figures = re.findall(r'<figure class="fc-figure">(.*?)</figure>', chapter["html"], flags=re.S)
    if Path(chapter["doc"]).name in CHARTLESS:  # a chapter of tables alone has none
        assert not figures, f"{chapter['doc']} is listed as having no chart but has {len(figures)}"
    else:
        assert figures, f"{chapter['doc']} has no chart"
    for fig in figures:
        assert re.search(r'class="fc-chart" role="figure" aria-label="[^"]{20,}"', fig), fig[:200]
        caption = re.search(r'<figcaption class="fc-caption">(.*?)</figcaption>', fig, flags=re.S).group(1)
        for word in ("Source:", "Vintage:", "Licence:"):
            assert word in caption, f"{chapter['doc']}: a chart caption lacks {word!r}"


def test_every_chart_links_its_csv_and_the_csv_is_there(chapter):
    figures = re.findall(r'<figure class="fc-figure">(.*?)</figure>', chapter["html"], flags=re.S)
    for fig in figures:
        caption = re.search(r'<figcaption class="fc-caption">(.*?)</figcaption>', fig, flags=re.S).group(1)
        links = re.findall(r'<a class="fc-data-link" href="\.\./(_static/data/[a-z0-9-]+\.csv)" download>'
                           r"Data behind this chart \(CSV\)</a>", caption)
        assert len(links) == 1, f"{chapter['doc']}: a chart has {len(links)} data links"
        body = (HTML / links[0]).read_text(encoding="utf-8")
        table = [line for line in body.splitlines() if not line.startswith("#")]  # after its header comment
        assert body.startswith("# ") and len(table) > 1, f"{links[0]} is empty"


def test_the_download_carries_no_absolute_path_of_the_build(chapter):
    text = chapter["download"].read_text(encoding="utf-8")
    for path in {str(PROJECT), str(PROJECT.resolve()), str(Path.home())}:
        assert path not in text, f"{chapter['doc']}'s download contains {path}"
    meta = nbformat.reads(text, as_version=4).metadata["papermill"]
    assert meta["input_path"] == f"{chapter['doc']}.ipynb" and "output_path" not in meta


def test_data_page_lists_every_source_with_its_chapters():
    import json

    import yaml

    page = (HTML / "data-sources.html").read_text(encoding="utf-8")
    use = json.loads((PROJECT / "_build" / "src" / "_futurecity_data_use.json").read_text(encoding="utf-8"))
    assert use, "no chapter read a source"
    for source in yaml.safe_load((PROJECT / "data" / "sources.yml").read_text(encoding="utf-8"))["sources"]:
        block = re.search(rf'<section class="fc-source" id="source-{source["id"].replace("_", "-")}">'
                          r"(.*?)</section>", page, flags=re.S)
        assert block, f"the Data page has no entry for {source['id']}"
        text = block.group(1)
        said = html.unescape(re.sub(r"<[^>]+>", "", text))
        assert source["publisher"] in said and source["licence"] in said
        if source.get("snapshot"):
            assert source["snapshot"]["sha256"] in text.split("<details", 1)[1]  # folded under the details
        for doc in use.get(source["id"], []):
            assert f'href="{doc}.html' in text, f"{source['id']}: not linked to {doc}"
