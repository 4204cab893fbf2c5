"""Charts and widgets for readers running Jupyter (futurecity.viz.notebook, controls.interact), in a real IPython
shell with its display outputs captured: what JupyterLab receives, not how it draws it (tests/test_lab.py)."""

from __future__ import annotations

import html.parser
import re

import altair as alt
import pandas as pd
import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from futurecity.viz import controls, notebook, theme

YEAR = controls.Control.range("year", 2000, 2010, 1, 2005, "Year")
KIND = controls.Control.select("kind", ["a", "b"], "b", "Kind")


def _figure(year: int = 2005, kind: str = "b") -> alt.TopLevelMixin:
    source = pd.DataFrame({"x": [year], "kind": [kind]})
    source.attrs.update(source="s", vintage="v", publisher="Publisher & Co", title="T", vintage_label="2024 <b>",
                        licence="OGL-UK-3.0")
    chart = alt.Chart(source).mark_point().encode(x="x:Q", color="kind:N")
    return theme.figure(chart, title="A test chart", description="One point at the chosen year.",
                        sources=[source], note="A note.")


class _Text(html.parser.HTMLParser):
    """The text inside the first element with class ``fc-caption``."""

    def __init__(self):
        super().__init__()
        self.depth, self.parts = 0, []

    def handle_starttag(self, tag, attrs):
        if self.depth or "fc-caption" in (dict(attrs).get("class") or "").split():
            self.depth += 1

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.parts.append(data)


def caption_text(markup: str) -> str:
    p = _Text()
    p.feed(markup)
    return " ".join("".join(p.parts).split())


def _widget(output):
    """The widget a widget-view output shows."""
    from ipywidgets.widgets.widget import _instances

    return _instances[output.data["application/vnd.jupyter.widget-view+json"]["model_id"]]


@pytest.fixture
def shell(monkeypatch):
    monkeypatch.delenv(controls.BUILD_ENV, raising=False)
    ip = InteractiveShell.instance()
    notebook.install(ip)
    yield ip
    ip.display_formatter.ipython_display_formatter.pop(alt.TopLevelMixin, None)


def test_a_chart_is_a_vega_lite_5_output_and_the_websites_caption_below_it(shell):
    chart = _figure()
    with capture_output() as cap:
        assert shell.display_formatter.format(chart) == ({}, {})  # nothing else: no text/html that wins
    chart_out, caption_out = cap.outputs
    spec = chart_out.data[notebook.VEGA_LITE_5]
    assert set(chart_out.data) == {notebook.VEGA_LITE_5, "text/plain"}
    assert spec["$schema"] == "https://vega.github.io/schema/vega-lite/v5.json"
    assert {k: v for k, v in spec.items() if k != "$schema"} == {
        k: v for k, v in chart.to_dict().items() if k != "$schema"}
    options = chart_out.metadata[notebook.VEGA_LITE_5]["embed_options"]
    assert options["renderer"] == "svg" and options["downloadFileName"] == "a-test-chart"
    # the website's caption, less its link to the chart's CSV (written by the book's build, absent in Jupyter)
    figure_html = re.sub(r'<a class="fc-data-link"[^>]*>.*?</a>', "", theme._figure_html(chart.to_dict()))
    assert figure_html != theme._figure_html(chart.to_dict())
    website = caption_text(figure_html)
    assert "Licence: OGL-UK-3.0" in website and "2024 <b>" in website
    assert caption_text(caption_out.data["text/html"]) == website
    assert caption_out.data["text/plain"] == website


def test_outside_a_kernel_or_in_the_build_nothing_is_installed(monkeypatch):
    assert notebook.in_jupyter() is False  # pytest is no kernel
    assert notebook.install() is False
    monkeypatch.setenv(controls.BUILD_ENV, "1")
    assert notebook.in_jupyter() is False


def test_interact_shows_widgets_then_the_chart_and_redraws_it_in_place(shell):
    calls = []

    def model(year, kind):
        calls.append((year, kind))
        return _figure(year, kind)

    with capture_output() as cap:
        assert controls.interact(model, YEAR, KIND) is None  # the cell echoes nothing
    box, chart_out, caption_out = cap.outputs
    assert "application/vnd.jupyter.widget-view+json" in box.data
    assert calls == [(2005, "b")]
    chart_id, caption_id = chart_out.transient["display_id"], caption_out.transient["display_id"]
    assert chart_id and caption_id and chart_id != caption_id
    assert chart_out.data[notebook.VEGA_LITE_5]["datasets"]  # drawn from the model's answer

    slider = _widget(box).children[0]
    with capture_output() as cap:
        slider.value = 2009
    assert calls[-1] == (2009, "b")
    updates = [o for o in cap.outputs if o.update]
    assert [o.transient["display_id"] for o in updates] == [chart_id, caption_id]
    data = next(iter(updates[0].data[notebook.VEGA_LITE_5]["datasets"].values()))
    assert data == [{"x": 2009, "kind": "b"}]


def test_a_model_that_fails_on_a_widget_says_so_in_the_captions_place(shell):
    def model(year, kind):
        if year != 2005:
            raise ValueError("no data for that year")
        return _figure(year, kind)

    with capture_output() as cap:
        controls.interact(model, YEAR, KIND)
    box, _, caption_out = cap.outputs
    slider = _widget(box).children[0]
    with capture_output() as cap, pytest.raises(ValueError):
        slider.value = 2001
    (update,) = [o for o in cap.outputs if o.update]
    assert update.transient["display_id"] == caption_out.transient["display_id"]
    assert "ValueError: no data for that year" in update.data["text/plain"]
