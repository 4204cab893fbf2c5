"""Charts in Jupyter: JupyterLab 4 and Notebook 7 draw them with their own Vega-Lite renderer, offline.

The website's output of a chart (:func:`futurecity.viz.theme._renderer`) is ``text/html`` that calls the book's
vendored ``vegaEmbed``; JupyterLab has no such global, and it prefers ``text/html`` to any Vega-Lite mimetype in
the same output, so that output draws nothing there. In a Jupyter kernel (not the book's build) a chart is
therefore shown as two outputs instead:

1. the spec under ``application/vnd.vegalite.v5+json``, which JupyterLab 4 and Notebook 7 render with the Vega 5
   they bundle (no network), the spec's ``$schema`` set to Vega-Lite 5 (what that renderer compiles);
2. its caption, the same description, note, sources, vintages and licences as the website's ``<figcaption>``,
   as ``text/html`` (sanitised HTML, shown in untrusted notebooks too) with a ``text/plain`` twin.

:func:`install` registers this for every Altair chart with IPython's display formatter (importing this module
does it); :func:`show` displays a chart this way and returns handles that :meth:`Shown.update` redraws in place,
which is how :func:`futurecity.viz.controls.interact` answers a widget.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass
from typing import Any

import altair as alt

from futurecity.config import BUILD_ENV
from futurecity.viz.theme import EMBED_OPTIONS, _download_name

VEGA_LITE_5 = "application/vnd.vegalite.v5+json"
SCHEMA_5 = "https://vega.github.io/schema/vega-lite/v5.json"
CAPTION_CLASS = "fc-caption"


def spec_v5(spec: dict) -> dict:
    """``spec`` for JupyterLab's Vega-Lite 5: the same views, data and parameters, declared as Vega-Lite 5."""
    return {**spec, "$schema": SCHEMA_5}


def caption_parts(spec: dict) -> tuple[str, str]:
    """(the caption's text, its sources line), from the figure's metadata as the website's caption uses it."""
    meta = spec.get("usermeta", {}).get("futurecity", {})
    text = " ".join(meta[k] for k in ("description", "note") if meta.get(k))
    return text, meta.get("sources", "")


def caption_bundle(spec: dict) -> dict[str, str]:
    text, sources = caption_parts(spec)
    e = html.escape
    return {"text/html": f'<div class="{CAPTION_CLASS}"><p>{e(text)} <small class="fc-sources">{e(sources)}'
                         f"</small></p></div>",
            "text/plain": f"{text} {sources}".strip()}


def chart_bundle(spec: dict) -> tuple[dict, dict]:
    """The chart's output: its Vega-Lite 5 spec with a plain-text stand-in, and vega-embed's options (SVG, and
    exports named after the chart's title, as on the website)."""
    title = spec.get("usermeta", {}).get("futurecity", {}).get("title", "")
    data = {VEGA_LITE_5: spec_v5(spec), "text/plain": f"<Vega-Lite chart: {title or 'untitled'}>"}
    options = {**EMBED_OPTIONS, "downloadFileName": _download_name(title, "chart")}
    return data, {VEGA_LITE_5: {"embed_options": options}}


def _spec(chart: alt.TopLevelMixin) -> dict:
    return chart.to_dict(context={"pre_transform": False})


@dataclass
class Shown:
    """A chart shown with :func:`show`: the two outputs, by display id, so it can be redrawn in place."""

    chart_id: str
    caption_id: str

    def update(self, chart: alt.TopLevelMixin) -> None:
        from IPython.display import update_display

        spec = _spec(chart)
        data, metadata = chart_bundle(spec)
        update_display(data, metadata=metadata, raw=True, display_id=self.chart_id)
        update_display(caption_bundle(spec), raw=True, display_id=self.caption_id)

    def error(self, message: str) -> None:
        """Say in the caption's place that the chart could not be redrawn, and why."""
        from IPython.display import update_display

        update_display({"text/plain": message}, raw=True, display_id=self.caption_id)


def show(chart: alt.TopLevelMixin, display_id: bool = False) -> Shown | None:
    """Display ``chart`` as JupyterLab draws it, its caption below it; with ``display_id``, return the handles."""
    from IPython.display import display

    spec = _spec(chart)
    data, metadata = chart_bundle(spec)
    ids = {}
    for part, (bundle, meta) in {"chart": (data, metadata), "caption": (caption_bundle(spec), {})}.items():
        handle = display(bundle, metadata=meta, raw=True, display_id=True if display_id else None)
        ids[part] = handle.display_id if handle is not None else ""
    return Shown(ids["chart"], ids["caption"]) if display_id else None


def in_jupyter() -> bool:
    """Whether charts are shown to a Jupyter frontend: an IPython kernel that is not the book's build (whose
    outputs are the website's, see :mod:`futurecity.viz.theme`)."""
    if os.environ.get(BUILD_ENV):
        return False
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    ip = get_ipython()
    return ip is not None and getattr(ip, "kernel", None) is not None


def install(ip: Any = None) -> bool:
    """Show every Altair chart with :func:`show` in this Jupyter kernel; whether it was installed."""
    if ip is None:
        if not in_jupyter():
            return False
        from IPython import get_ipython

        ip = get_ipython()
    ip.display_formatter.ipython_display_formatter.for_type(alt.TopLevelMixin, show)
    return True


install()
