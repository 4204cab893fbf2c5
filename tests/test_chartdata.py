"""The data behind each chart (futurecity.book.chartdata), the link under its caption, the Data page's source
blocks, and the notebook download's papermill metadata without the build machine's paths."""

from __future__ import annotations

import io
import json
import re
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


def _chart(title: str = "Jobs & pay, 2020", csv=(("bars_marks", {"g": "group", "sum_v": "value_percent"}),),
           **kw) -> dict:
    """Bars of sum(v) by g for the rows above a slider's cut (default 0), beside a text mark (a badge)."""
    df = pd.DataFrame({"g": ["b", "a", "a", "c"], "v": [4.0, 1.0, 2.5, -1.0]})
    cut = alt.param(name="cut", value=0, bind=alt.binding_range(min=-2, max=5, name="Cut above "))
    mode = alt.param(name="mode", value="s", bind=alt.binding_radio(options=["s", "t"], labels=["sums", "totals"],
                                                                     name="Show "))
    bars = (alt.Chart().mark_bar().encode(x="g:N", y="sum(v):Q").transform_filter(alt.datum.v > cut)
            .properties(name="bars"))
    badge = (alt.Chart().mark_text().encode(text="t:N").transform_aggregate(n="count()")
             .transform_calculate(t="'C9-9 paper 1, here ' + datum.n").properties(name="badge"))
    frame = pd.DataFrame(); frame.attrs = {"source": "src_a", "publisher": "Pub", "title": "Table A",
                                           "vintage_label": "2020 release", "licence": "OGL-UK-3.0"}
    chart = alt.vconcat(badge, bars, data=df).add_params(cut, mode)
    return theme.figure(chart, title=title, description="Bars of v by g.", sources=[frame], csv=csv, **kw).to_dict()


def _notebook(tmp_path: Path, specs: list[dict], name: str = "nb.ipynb") -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x", outputs=[nbformat.v4.new_output(
        "display_data", data={theme.VEGA_LITE_MIME: s, "text/plain": "chart"})]) for s in specs]
    path = tmp_path / name
    nbformat.write(nb, path)
    return path


def _read(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), comment="#")


def _comments(data: bytes) -> list[str]:
    return [line[2:] for line in data.decode().splitlines() if line.startswith("#")]


def test_csv_is_the_declared_table_of_what_the_chart_draws_at_its_default_controls(tmp_path):
    nb = _notebook(tmp_path, [_chart()])
    out = chartdata.chart_csvs([nb], VENDOR, tmp_path / "cache")
    assert list(out) == ["jobs-and-pay-2020.csv"]
    table = _read(out["jobs-and-pay-2020.csv"])
    # the filter at its default (v > 0) drops c, then the bars sum v by g, sorted by the first column
    assert list(table.columns) == ["group", "value_percent"]
    assert table.to_dict("records") == [{"group": "a", "value_percent": 3.5}, {"group": "b", "value_percent": 4.0}]
    head = _comments(out["jobs-and-pay-2020.csv"])
    assert head[0] == "Jobs & pay, 2020" and "Bars of v by g." in head
    assert "Setting: Cut above = 0" in head and "Setting: Show = sums" in head  # as the reader sees the controls
    assert "Source: Pub, Table A. Vintage: 2020 release. Licence: OGL-UK-3.0" in head
    assert "paper" not in out["jobs-and-pay-2020.csv"].decode().split("group,value_percent")[1]  # no badge


def test_constants_several_marks_and_column_order(tmp_path):
    decl = [("bars_marks", {"g": "group", "sum_v": "value_percent"}, {"panel": "bars"}),
            ("badge_marks", {"n": "rows"}, {"panel": "count"})]
    out = chartdata.chart_csv(_chart(csv=decl), chartdata.evaluate([_chart(csv=decl)], VENDOR)[0])
    table = _read(out)
    assert list(table.columns) == ["group", "value_percent", "panel", "rows"]
    assert table["panel"].tolist() == ["bars", "bars", "count"]
    assert table["rows"].iloc[-1] == 4 and table["rows"].iloc[:2].isna().all()


def test_a_licence_line_can_be_replaced_and_rows_capped(tmp_path):
    spec = _chart(csv_licence={"src_a": "aggregates only; this file holds the {rows} groups drawn"}, csv_max_rows=2)
    rows = chartdata.evaluate([spec], VENDOR)[0]
    head = _comments(chartdata.chart_csv(spec, rows))
    assert "Source: Pub, Table A. Vintage: 2020 release. Licence: aggregates only; this file holds the 2 groups " \
           "drawn" in head
    with pytest.raises(chartdata.ChartDataError, match="at most 1"):
        chartdata.chart_csv(_chart(csv_max_rows=1), rows)


def test_a_chart_must_declare_marks_and_fields_it_really_draws(tmp_path):
    rows = chartdata.evaluate([_chart()], VENDOR)[0]
    with pytest.raises(chartdata.ChartDataError, match="does not declare"):
        chartdata.chart_csv({**_chart(), "usermeta": {"futurecity": {"title": "x"}}}, rows)
    with pytest.raises(chartdata.ChartDataError, match="'nope_marks'.*bars_marks"):
        chartdata.chart_csv(_chart(csv=[("nope_marks", {"g": "group"})]), rows)
    with pytest.raises(chartdata.ChartDataError, match="'sum_w'"):
        chartdata.chart_csv(_chart(csv=[("bars_marks", {"sum_w": "value_percent"})]), rows)
    with pytest.raises(chartdata.ChartDataError, match="does not declare"):
        chartdata.chart_csvs([_notebook(tmp_path, [{**_chart(), "usermeta": {"futurecity": {"title": "x"}}}])],
                             VENDOR, tmp_path / "cache")


@pytest.mark.parametrize("name", ["_g", "yOffset", "g_sort_index", "growth %", ""])
def test_columns_are_named_in_words(name):
    with pytest.raises(ValueError, match="lower-case words"):
        _chart(csv=[("bars_marks", {"g": name})])


def test_a_column_is_named_once_per_mark():
    with pytest.raises(ValueError, match="named twice"):
        _chart(csv=[("bars_marks", {"g": "group", "sum_v": "group"})])


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
    got = chartdata.to_csv(["a", "b", "c"], [{"a": 1, "b": None}, {"c": True, "a": "x,y"}, {"a": 0.1 + 0.2}],
                           ["Title", ""]).decode()
    assert got == '# Title\n#\na,b,c\n1,,\n"x,y",,true\n0.3,,\n'


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


# --- the book's CSVs, as a reader downloads them (the built book; make test builds it first) ---------------------

HTML_DATA = PROJECT / "_build" / "html" / chartdata.DATA_DIR
EXECUTED = PROJECT / "_build" / "executed"
# a numeric column is named after its unit (or is a year, a rank, a probability or a 0/1 flag)
UNITS = ("_percent", "_percent_of_gdp", "_gbp_million", "_usd_million", "_usd_billion", "_millions", "_degrees",
         "_workers", "jobs", "occupations", "jobs_above_threshold")
PLAIN_NUMBERS = {"year", "rank", "rank_by_market_value", "probability_from", "probability_to", "platform_firm"}


def _book_charts() -> list[tuple[str, dict]]:
    specs = [s for nb in sorted(EXECUTED.rglob("*.ipynb")) for s in chartdata.notebook_specs(nb)]
    return sorted((chartdata.csv_name(s), s) for s in specs)


BOOK = pytest.mark.site


@pytest.fixture(scope="module")
def book_csvs() -> dict[str, tuple[dict, bytes]]:
    charts = _book_charts()
    assert charts, f"no executed chapter with charts under {EXECUTED}: build the book first (make test does)"
    return {name: (spec, (HTML_DATA / name).read_bytes()) for name, spec in charts}


def _bound(spec) -> list[dict]:
    """The spec's controls (parameters bound to an input), each once, found here independently of chartdata."""
    found: dict[str, dict] = {}

    def walk(node):
        if isinstance(node, dict):
            for p in node.get("params", []):
                if isinstance(p.get("bind"), dict) and p["bind"].get("input"):
                    found.setdefault(p["name"], p)
            [walk(v) for v in node.values()]
        elif isinstance(node, list):
            [walk(v) for v in node]
    walk(spec)
    return list(found.values())


@BOOK
def test_every_chart_of_the_book_has_its_csv(book_csvs):
    assert sorted(p.name for p in HTML_DATA.glob("*.csv")) == sorted(book_csvs)


@BOOK
def test_each_csv_is_a_tidy_table_named_in_words_with_units(book_csvs):
    for name, (spec, data) in book_csvs.items():
        table = _read(data)
        assert len(table) > 0 and len(table.columns) > 1, name
        per_claim = {"claim", "status"} <= set(table.columns)  # the verdict: a row per claim, in the claim's unit
        if per_claim:
            assert "unit" in table.columns and table["unit"].notna().all(), f"{name}: a claim's row names no unit"
        for col in table.columns:
            assert not col.startswith("_") and not col.endswith("_sort_index") and col != "mark", (name, col)
            assert re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", col), (name, col)
            if pd.api.types.is_numeric_dtype(table[col]) and not table[col].isna().all() and not per_claim:
                assert col in PLAIN_NUMBERS or col.endswith(UNITS), f"{name}: {col} names no unit"
        assert not table.duplicated().any(), f"{name}: duplicated rows\n{table[table.duplicated(keep=False)]}"
        for col in [c for c in table.columns if not pd.api.types.is_numeric_dtype(table[c])]:
            cells = table[col].dropna().astype(str)
            assert not cells.str.endswith("_marks").any(), f"{name}: {col} holds mark names"
            assert not cells.str.contains("\n").any(), f"{name}: {col} holds multi-line (badge or label) text"
            badge = r"\bpaper\b.*\bhere\b" if (per_claim and col == "claim") else r"\bpaper\b.*\bhere\b|^C\d-\d"
            assert not cells.str.contains(badge, regex=True).any(), \
                f"{name}: {col} holds a claim badge's text"
        # year by year series have one row per entity and year
        keys = [c for c in ("series", "country", "format_family", "vintage", "measure", "panel", "grouping")
                if c in table.columns]
        if "year" in table.columns and keys:
            yearly = table.dropna(subset=["year"])
            assert not yearly.duplicated([*keys, "year"]).any(), f"{name}: two rows for one entity and year"


@BOOK
def test_each_csv_header_names_sources_vintages_licences_and_default_settings(book_csvs):
    import yaml

    registry = {s["id"]: s for s in yaml.safe_load((PROJECT / "data" / "sources.yml").read_text())["sources"]}
    for name, (spec, data) in book_csvs.items():
        head = _comments(data)
        meta = spec["usermeta"]["futurecity"]
        assert head[0] == meta["title"], name
        lines = [h for h in head if h.startswith("Source: ")]
        assert len(lines) == meta["sources"].count("Source: ") > 0, name  # each source of the caption
        for src in meta["source_list"]:
            line = next((h for h in lines if src["title"] in h and f"Vintage: {src['vintage']}." in h), None)
            assert line, f"{name}: no source line for {src['id']}"
            licence = registry[src["id"]]["licence"]
            assert f"Licence: {licence}" in line, f"{name}: {line!r} lacks the registry's licence {licence!r}"
        for p in _bound(spec):
            bind = p["bind"]
            shown = bind["labels"][bind["options"].index(p["value"])] if bind.get("labels") else p["value"]
            assert f"Setting: {bind['name'].strip()} = {shown}" in head, f"{name}: no line for {p['name']}"
        if not _bound(spec):
            assert "Setting: none (the chart has no controls)" in head, name


@BOOK
def test_the_forbes_csv_holds_the_firms_the_chart_draws_and_no_more(book_csvs):
    import oracles

    forbes = [(n, s, d) for n, (s, d) in book_csvs.items()
              if any(src["id"] == "forbes_global2000" for src in s["usermeta"]["futurecity"]["source_list"])]
    assert forbes, "no chart draws the Forbes list"
    for name, spec, data in forbes:
        (top,) = [p for p in _bound(spec) if p["name"] == "platforms_top_n"]
        n = top["value"]
        assert n <= top["bind"]["max"] <= 150
        table = _read(data)
        assert len(table) == n, f"{name}: {len(table)} firms, the chart draws {n}"
        largest = oracles.forbes_largest(n)  # independently, from the snapshot
        assert sorted(table["market_value_usd_billion"]) == pytest.approx(
            sorted(largest["Market Value (Billions)"]))
        (line,) = [h for h in _comments(data) if h.startswith("Source: Forbes")]
        assert "aggregates only" in line and f"only the {n} firms the chart draws" in line and \
            "never the whole list" in line, line


@BOOK
def test_the_employment_csv_is_the_growth_pandas_computes_at_the_default_years(book_csvs):
    import oracles

    ((spec, data),) = [v for v in book_csvs.values() if "bres_start" in {p["name"] for p in _bound(v[0])}]
    years = {p["name"]: p["value"] for p in _bound(spec)}
    table = _read(data).set_index("region_code")
    for sector, col in (("manufacturing", "manufacturing_growth_percent"), ("all", "all_industries_growth_percent")):
        expected = oracles.bres_region_growth(sector, years["bres_start"], years["bres_end"])
        regions = table.drop(index=[c for c in table.index if c not in expected.index])
        assert len(regions) == len(expected)
        assert regions[col].to_numpy() == pytest.approx(expected[regions.index].to_numpy(), rel=1e-9)
        gb = oracles.bres_gb_growth(sector, years["bres_start"], years["bres_end"])
        assert table.loc[table["region"] == "Great Britain", col].item() == pytest.approx(gb, rel=1e-9)
