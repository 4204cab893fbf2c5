"""Shared chart helpers: an offline Altair renderer, a colour-blind-safe theme, controls and figure captions.

Importing this module registers the ``futurecity`` renderer and theme and enables both. A chart is then shown
as a ``<figure class="fc-figure">`` holding a ``<div class="fc-chart">`` that the book's vendored vega-embed
renders (no CDN), and a ``<figcaption>`` with its description, sources and vintages. The Vega-Lite spec is also
emitted under its own mimetype, so JupyterLab draws the chart natively.

Controls are declared once with :class:`Control` and serve both audiences:

- ``control.param`` is a Vega-Lite parameter bound to an HTML input (slider, dropdown, radio, checkbox): it works
  on the static website with no kernel;
- ``control.widget()`` is the matching ipywidget, and :func:`interact` runs a Python function of the same
  arguments through ``ipywidgets.interact`` for readers who run the notebook.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import altair as alt
import pandas as pd

from futurecity import store

# Okabe & Ito (2008), "Color Universal Design": distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
HIGHLIGHT, MUTED = "#D55E00", "#B0B0B0"
VEGA_LITE_MIME = f"application/vnd.vegalite.v{alt.SCHEMA_VERSION.lstrip('v').split('.')[0]}+json"
EMBED_OPTIONS = {"renderer": "svg", "actions": {"export": True, "source": False, "compiled": False,
                                                 "editor": False}}


# --- controls --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Control:
    """One reader-facing assumption: its name (also the Vega-Lite parameter name), kind, default and label."""

    name: str
    kind: str
    value: Any
    label: str
    min: float | None = None
    max: float | None = None
    step: float | None = None
    options: tuple = field(default_factory=tuple)
    labels: tuple = field(default_factory=tuple)

    @classmethod
    def range(cls, name: str, min: float, max: float, step: float, value: float, label: str) -> Control:
        return cls(name, "range", value, label, min=min, max=max, step=step)

    @classmethod
    def select(cls, name: str, options: Sequence, value: Any, label: str, labels: Sequence = ()) -> Control:
        return cls(name, "select", value, label, options=tuple(options), labels=tuple(labels))

    @classmethod
    def radio(cls, name: str, options: Sequence, value: Any, label: str, labels: Sequence = ()) -> Control:
        return cls(name, "radio", value, label, options=tuple(options), labels=tuple(labels))

    @classmethod
    def checkbox(cls, name: str, value: bool, label: str) -> Control:
        return cls(name, "checkbox", bool(value), label)

    @property
    def binding(self) -> alt.Binding:
        label = self.label + " "
        if self.kind == "range":
            return alt.binding_range(min=self.min, max=self.max, step=self.step, name=label)
        if self.kind in ("select", "radio"):
            make = alt.binding_select if self.kind == "select" else alt.binding_radio
            extra = {"labels": list(self.labels)} if self.labels else {}
            return make(options=list(self.options), name=label, **extra)
        if self.kind == "checkbox":
            return alt.binding_checkbox(name=label)
        raise ValueError(f"unknown control kind {self.kind!r}")

    @cached_property
    def param(self) -> alt.Parameter:
        """The Vega-Lite parameter bound to an HTML input; usable in expressions: ``alt.datum.year >= c.param``."""
        return alt.param(name=self.name, value=self.value, bind=self.binding)

    @property
    def expr(self) -> alt.Parameter:
        """The parameter's current value inside an Altair expression (the same object as :attr:`param`)."""
        return self.param

    def widget(self):
        """The ipywidgets equivalent of this control."""
        import ipywidgets as w

        style = {"description_width": "initial"}
        if self.kind == "range":
            integral = all(float(x).is_integer() for x in (self.min, self.max, self.step))
            make = w.IntSlider if integral else w.FloatSlider
            return make(min=self.min, max=self.max, step=self.step, value=self.value, description=self.label,
                        style=style, continuous_update=False)
        if self.kind in ("select", "radio"):
            opts = list(zip(self.labels, self.options, strict=True)) if self.labels else list(self.options)
            make = w.Dropdown if self.kind == "select" else w.RadioButtons
            return make(options=opts, value=self.value, description=self.label, style=style)
        return w.Checkbox(value=self.value, description=self.label, style=style)


def bind(chart: alt.TopLevelMixin, *controls: Control) -> alt.TopLevelMixin:
    """Attach the controls' parameters to a chart (its top level, so concatenated views share them)."""
    return chart.add_params(*(c.param for c in controls))


BUILD_ENV = "FUTURECITY_BUILD"  # set by `futurecity build` in the kernels that execute the chapters


def interact(func: Callable[..., alt.TopLevelMixin], *controls: Control):
    """Run ``func(**values)`` under ``ipywidgets.interact`` with one widget per control (Jupyter readers).

    In the book build (papermill, no frontend, the cell removed from the page) no widget is created: the
    widgets' comm traffic under papermill now and then never returns (seen on this project's builds, about one
    build in fifteen). ``func`` is still called once with every control's default, so the build fails if the
    model behind the widgets does not run.
    """
    import ipywidgets
    from IPython.display import display

    if os.environ.get(BUILD_ENV):
        func(**{c.name: c.value for c in controls})
        return None

    def show(**values):
        display(func(**values))

    return ipywidgets.interact(show, **{c.name: c.widget() for c in controls})


# --- figures ----------------------------------------------------------------------------------------------

def source_line(frames: pd.DataFrame | Sequence[pd.DataFrame]) -> str:
    """'Source: ...' for each distinct source among the frames, from their provenance attrs."""
    frames = [frames] if isinstance(frames, pd.DataFrame) else list(frames)
    seen, lines = set(), []
    for f in frames:
        key = (f.attrs.get("source"), f.attrs.get("vintage"))
        if key not in seen:
            seen.add(key)
            lines.append(store.caption(f))
    if not lines:
        raise ValueError("a figure needs at least one source frame with provenance attrs")
    return " ".join(lines)


def figure(chart: alt.TopLevelMixin, *, title: str, description: str,
           sources: pd.DataFrame | Sequence[pd.DataFrame], note: str = "") -> alt.TopLevelMixin:
    """A chart ready for the book: a title, an accessible description and a caption naming its sources."""
    meta = {"title": title, "description": description, "sources": source_line(sources), "note": note}
    return chart.properties(title=alt.Title(title, anchor="start"), description=description,
                            usermeta={"futurecity": meta})


def _figure_html(spec: dict) -> str:
    meta = spec.get("usermeta", {}).get("futurecity", {})
    payload = json.dumps(spec, sort_keys=True, separators=(",", ":"))
    el = "fc-" + hashlib.sha1(payload.encode()).hexdigest()[:12]
    desc = html.escape(meta.get("description", ""))
    caption = " ".join(html.escape(meta.get(k, "")) for k in ("description", "note") if meta.get(k))
    sources = html.escape(meta.get("sources", ""))
    script_spec = payload.replace("</", "<\\/")
    options = json.dumps(EMBED_OPTIONS)
    return (
        f'<figure class="fc-figure">'
        f'<div id="{el}" class="fc-chart" role="figure" aria-label="{desc}"></div>'
        f'<figcaption class="fc-caption">{caption} <span class="fc-sources">{sources}</span></figcaption>'
        f"</figure>\n"
        f"<script>(function () {{\n"
        f"  var el = document.getElementById('{el}');\n"
        f"  if (typeof vegaEmbed === 'undefined') {{ el.textContent = 'This chart needs the book\\'s "
        f"vendored Vega scripts; open the notebook in JupyterLab to see it.'; return; }}\n"
        f"  vegaEmbed(el, {script_spec}, {options}).catch(function (err) {{ console.error(err); }});\n"
        f"}})();</script>"
    )


def _renderer(spec: dict, **_: Any) -> dict:
    return {"text/html": _figure_html(spec), VEGA_LITE_MIME: spec}


def _theme() -> alt.theme.ThemeConfig:
    return {
        "config": {
            "range": {"category": PALETTE},
            "view": {"continuousWidth": 560, "continuousHeight": 300, "stroke": None},
            "axis": {"labelFontSize": 12, "titleFontSize": 12, "gridColor": "#e6e6e6"},
            "legend": {"labelFontSize": 12, "titleFontSize": 12, "orient": "bottom"},
            "title": {"fontSize": 15, "subtitleFontSize": 12, "anchor": "start"},
            "font": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif",
        }
    }


alt.renderers.register("futurecity", _renderer)
alt.renderers.enable("futurecity")
alt.theme.register("futurecity", enable=True)(_theme)
alt.data_transformers.disable_max_rows()
