"""The shared chart helpers: controls serve both the website (Vega-Lite parameters) and Jupyter (widgets)."""

from __future__ import annotations

import altair as alt
import pandas as pd
import pytest

from futurecity.viz import controls as charts

YEAR = charts.Control.range("year", 2000, 2010, 1, 2005, "Year")
KIND = charts.Control.select("kind", ["a", "b"], "b", "Kind")


def test_a_control_is_a_bound_parameter_and_a_matching_widget():
    spec = charts.bind(alt.Chart(pd.DataFrame({"x": [1]})).mark_point().encode(x="x:Q"), YEAR, KIND).to_dict()
    params = {p["name"]: p for p in spec["params"]}
    assert params["year"]["bind"] == {"input": "range", "min": 2000, "max": 2010, "step": 1, "name": "Year "}
    assert params["kind"]["bind"]["options"] == ["a", "b"] and params["kind"]["value"] == "b"
    slider, dropdown = YEAR.widget(), KIND.widget()
    assert (slider.min, slider.max, slider.value) == (2000, 2010, 2005)
    assert dropdown.value == "b" and list(dropdown.options) == ["a", "b"]


def test_in_the_build_interact_runs_the_model_once_with_the_defaults(monkeypatch):
    monkeypatch.setenv(charts.BUILD_ENV, "1")
    calls = []
    assert charts.interact(lambda **v: calls.append(v), YEAR, KIND) is None
    assert calls == [{"year": 2005, "kind": "b"}]

    def broken(**_):
        raise ValueError("the model is broken")

    with pytest.raises(ValueError, match="the model is broken"):
        charts.interact(broken, YEAR, KIND)


def test_exports_are_named_after_the_chart_and_its_menu_has_a_name():
    from futurecity.viz import theme

    source = pd.DataFrame({"x": [1]})
    source.attrs.update(source="s", vintage="v", publisher="P", title="T", vintage_label="L", licence="OGL")
    chart = theme.figure(alt.Chart(source).mark_point().encode(x="x:Q"), title="Business R&D since 2010, by region",
                         description="A test chart of one point.", sources=[source])
    page = theme._figure_html(chart.to_dict())
    assert '"downloadFileName": "business-r-and-d-since-2010-by-region"' in page
    # the book's embed script (_static/futurecity-charts.js) gives the menu button this name; the browser tests
    # check it on the page
    # the options are JSON inside <script>, "&" written as \u0026 (theme.script_safe)
    assert '"CLICK_TO_VIEW_ACTIONS": "Save the chart (Business R\\u0026D since 2010, by region) as SVG or PNG"' in page
