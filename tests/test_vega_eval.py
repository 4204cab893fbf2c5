"""The headless Vega harness (tests/vega_eval.py) on tiny made-up charts: it must return what Vega computes."""

from __future__ import annotations

import altair as alt
import pandas as pd
import pytest

from vega_eval import marks, texts

FRAME = pd.DataFrame({"x": [1, 2, 3, 4, 5], "g": ["a", "a", "b", "b", "b"]})


def test_a_slider_setting_changes_the_items_of_a_named_mark():
    cut = alt.param(name="cut", value=0, bind=alt.binding_range(min=0, max=5, step=1))
    chart = (alt.Chart(FRAME).mark_bar().encode(x="x:O", y="x:Q")
             .add_params(cut).transform_filter(alt.datum.x >= cut).properties(name="bars"))
    default, moved = marks(chart.to_dict(), [{}, {"cut": 3}])
    assert sorted(d["x"] for d in default["bars_marks"]) == [1, 2, 3, 4, 5]
    assert sorted(d["x"] for d in moved["bars_marks"]) == [3, 4, 5]
    assert [d["g"] for d in moved["bars_marks"]] == list(FRAME.loc[FRAME["x"] >= 3, "g"])


def test_transform_fields_and_non_finite_numbers_are_in_the_datum():
    chart = (alt.Chart(FRAME).mark_point()
             .transform_calculate(double="datum.x * 2 + 0.5", bad="datum.x / 0")
             .transform_joinaggregate(total="sum(x)", groupby=["g"])
             .transform_window(running="sum(x)", sort=[alt.SortField("x")])
             .encode(x="x:Q", y="double:Q").properties(name="pts"))
    (found,) = marks(chart.to_dict(), [{}])
    rows = sorted(found["pts_marks"], key=lambda d: d["x"])
    expected = FRAME.assign(double=FRAME["x"] * 2 + 0.5, total=FRAME.groupby("g")["x"].transform("sum"),
                            running=FRAME["x"].cumsum())
    for row, want in zip(rows, expected.to_dict("records"), strict=True):
        assert {k: row[k] for k in want} == want
        assert row["bad"] is None  # Infinity: JSON null


def test_aggregated_bars_carry_the_aggregate():
    chart = alt.Chart(FRAME).mark_bar().encode(x="g:N", y="sum(x):Q").properties(name="sums")
    (found,) = marks(chart.to_dict(), [{}])
    got = {d["g"]: d["sum_x"] for d in found["sums_marks"]}
    assert got == FRAME.groupby("g")["x"].sum().to_dict() == {"a": 3, "b": 12}


def test_text_marks_return_their_formatted_text():
    cut = alt.param(name="cut", value=0)
    chart = (alt.Chart(FRAME).mark_text().add_params(cut).transform_filter(alt.datum.x > cut)
             .transform_calculate(label="datum.g + ':' + datum.x")
             .encode(y="x:O", text=alt.Text("label:N")).properties(name="labels"))
    found = marks(chart.to_dict(), [{}, {"cut": 4}])
    assert sorted(d["__text"] for d in found[0]["labels_marks"]) == ["a:1", "a:2", "b:3", "b:4", "b:5"]
    assert [d["__text"] for d in found[1]["labels_marks"]] == ["b:5"]
    assert all(d["__text"] == d["label"] for d in found[0]["labels_marks"])


def test_texts_lists_only_the_charts_own_text_in_order():
    chart = alt.Chart(FRAME).mark_text().encode(y="x:O", text=alt.Text("x:Q", format=".1f")).properties(name="t")
    assert texts(chart.to_dict(), [{}]) == [["1.0", "2.0", "3.0", "4.0", "5.0"]]


def test_layer_and_vconcat_marks_are_found_by_their_names():
    bars = alt.Chart(FRAME).mark_bar().encode(x="x:O", y="x:Q").properties(name="bars")
    labels = alt.Chart(FRAME).mark_text().encode(x="x:O", text="g:N").properties(name="labels")
    line = alt.Chart(FRAME).mark_line().encode(x="x:Q", y="x:Q").properties(name="ln")
    top = alt.layer(bars, labels).transform_filter(alt.datum.g == "b")
    (found,) = marks(alt.vconcat(top, line).to_dict(), [{}])
    # Altair renames the layers of the concat's first subchart to <name>_0.
    assert "bars_marks" not in found and "labels_marks" not in found
    assert sorted(d["x"] for d in found["bars_0_marks"]) == [3, 4, 5]
    assert sorted(d["__text"] for d in found["labels_0_marks"]) == ["b", "b", "b"]
    assert sorted(d["x"] for d in found["ln_marks"]) == [1, 2, 3, 4, 5]


def test_facet_cells_are_concatenated_under_one_name():
    chart = alt.Chart(FRAME).mark_bar().encode(x="x:O", y="x:Q").properties(name="bars", width=60).facet("g:N")
    (found,) = marks(chart.to_dict(), [{}])
    assert len(found["cell"]) == 2
    assert sorted(d["x"] for d in found["bars_marks"]) == [1, 2, 3, 4, 5]


def test_a_broken_spec_raises_with_nodes_error():
    bars = alt.Chart(FRAME).mark_bar().encode(x="x:O", y="x:Q").properties(name="bars")
    with pytest.raises(AssertionError, match="Unrecognized signal name"):
        marks(bars.to_dict(), [{"no_such_param": 1}])
