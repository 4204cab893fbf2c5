"""The data behind each chart (futurecity.book.chartdata), the link under its caption, the Data page's source
blocks, and the notebook download's papermill metadata without the build machine's paths."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import altair as alt
import nbformat
import pandas as pd
import pytest

from conftest import PROJECT
from futurecity.book import build, chartdata
from futurecity.viz import theme

VENDOR = PROJECT / "_static" / "vendor"


def _chart(title: str = "Jobs & pay, 2020") -> dict:
    df = pd.DataFrame({"g": ["a", "a", "b", "c"], "v": [1.0, 2.5, 4.0, -1.0]})
    cut = alt.param(name="cut", value=0, bind=alt.binding_range(min=-2, max=5))
    chart = (alt.Chart(df).mark_bar().encode(x="g:N", y="sum(v):Q").transform_filter(alt.datum.v > cut)
             .add_params(cut).properties(name="bars", title=title, usermeta={"futurecity": {"title": title}}))
    return chart.to_dict()


def _notebook(tmp_path: Path, specs: list[dict], name: str = "nb.ipynb") -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x", outputs=[nbformat.v4.new_output(
        "display_data", data={theme.VEGA_LITE_MIME: s, "text/plain": "chart"})]) for s in specs]
    path = tmp_path / name
    nbformat.write(nb, path)
    return path


def test_csv_is_what_the_chart_draws_at_its_default_controls(tmp_path):
    nb = _notebook(tmp_path, [_chart()])
    out = chartdata.chart_csvs([nb], VENDOR, tmp_path / "cache")
    assert list(out) == ["jobs-and-pay-2020.csv"]
    rows = list(csv.DictReader(io.StringIO(out["jobs-and-pay-2020.csv"].decode())))
    # the filter at its default (v > 0) drops c, then the bars sum v by g
    assert [(r["mark"], r["g"], float(r["sum_v"])) for r in rows] == [("bars_marks", "a", 3.5),
                                                                      ("bars_marks", "b", 4.0)]


def test_evaluations_are_cached_by_content(tmp_path, monkeypatch):
    nb = _notebook(tmp_path, [_chart()])
    first = chartdata.chart_csvs([nb], VENDOR, tmp_path / "cache")

    def no_node(*_a, **_k):
        raise AssertionError("node ran for a chart already evaluated")

    monkeypatch.setattr(chartdata.subprocess, "run", no_node)
    assert chartdata.chart_csvs([nb], VENDOR, tmp_path / "cache") == first
    changed = _notebook(tmp_path, [{**_chart(), "description": "another"}], "changed.ipynb")
    with pytest.raises(AssertionError, match="node ran"):
        chartdata.chart_csvs([changed], VENDOR, tmp_path / "cache")


def test_published_chart_data_replaces_changed_files_keeps_unchanged_ones_and_drops_stale_ones(tmp_path):
    folder = tmp_path / "html" / chartdata.DATA_DIR
    folder.mkdir(parents=True)
    (folder / "kept.csv").write_bytes(b"a\n1\n")
    (folder / "changed.csv").write_bytes(b"a\n1\n")
    (folder / "gone.csv").write_bytes(b"a\n1\n")
    (folder / "notes.txt").write_bytes(b"not chart data")
    kept_before = (folder / "kept.csv").stat().st_mtime_ns
    build.publish_chart_data(tmp_path, {"kept.csv": b"a\n1\n", "changed.csv": b"a\n2\n", "new.csv": b"b\n3\n"})
    assert sorted(p.name for p in folder.iterdir()) == ["changed.csv", "kept.csv", "new.csv", "notes.txt"]
    assert (folder / "changed.csv").read_bytes() == b"a\n2\n"
    assert (folder / "new.csv").read_bytes() == b"b\n3\n"
    assert (folder / "kept.csv").stat().st_mtime_ns == kept_before


def test_two_charts_with_one_name_are_refused(tmp_path):
    nb = _notebook(tmp_path, [_chart(), {**_chart(), "description": "other"}])
    with pytest.raises(chartdata.ChartDataError, match="jobs-and-pay-2020.csv"):
        chartdata.chart_csvs([nb], VENDOR, tmp_path / "cache")


def test_node_errors_and_timeouts_are_reported(tmp_path):
    with pytest.raises(chartdata.ChartDataError, match="could not evaluate"):
        chartdata.evaluate([{"mark": "no-such-mark"}], VENDOR)
    with pytest.raises(chartdata.ChartDataError, match="within"):
        chartdata.evaluate([_chart()], VENDOR, timeout=0.001)


def test_csv_format():
    got = chartdata.to_csv([{"mark": "m", "a": 1, "b": None}, {"mark": "m", "c": True, "a": "x,y"}]).decode()
    assert got == 'mark,a,b,c\nm,1,,\nm,"x,y",,true\n'


def test_link_under_the_caption_is_named_after_the_chart():
    html = theme._figure_html(_chart())
    caption = html.split("<figcaption", 1)[1].split("</figcaption>", 1)[0]
    assert '<a class="fc-data-link" href="../_static/data/jobs-and-pay-2020.csv" download>' \
           'Data behind this chart (CSV)</a>' in caption
    assert chartdata.csv_name(_chart()) == "jobs-and-pay-2020.csv"


def test_download_copy_has_no_absolute_path(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["papermill"] = {"input_path": str(tmp_path / "chapters" / "x.ipynb"),
                                "output_path": str(tmp_path / "_build" / "x.running.ipynb"),
                                "parameters": {"live": False}}
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, path)
    got = build.download_copy(path, "chapters/x").decode()
    assert str(tmp_path) not in got
    meta = json.loads(got)["metadata"]["papermill"]
    assert meta["input_path"] == "chapters/x.ipynb" and "output_path" not in meta
    assert meta["parameters"] == {"live": False}
    again = nbformat.reads(got, as_version=4)  # a valid notebook, in nbformat's own layout to the byte
    nbformat.validate(again)
    assert nbformat.writes(again) + "\n" == got


def test_source_blocks_of_the_data_page():
    sys.path.insert(0, str(PROJECT / "_templates" / "sphinxext"))
    import futurecity_site

    import yaml
    for source in yaml.safe_load((PROJECT / "data" / "sources.yml").read_text())["sources"]:
        fields = dict(futurecity_site._source_fields(source))
        assert fields["Publisher"] == source["publisher"] and fields["Licence"] == source["licence"]
        if source.get("live"):
            assert fields["URL"][1].startswith("https://")
        if source.get("snapshot"):
            assert fields["Vintage"] == source["snapshot"]["vintage"]
            assert fields["SHA-256"][1].startswith(source["snapshot"]["sha256"])
