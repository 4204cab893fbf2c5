"""The book's charts: an offline Altair renderer, a colour-blind-safe theme, and figures with captions.

Importing this module registers the ``futurecity`` renderer and theme and enables both. A chart is then shown
as a ``<figure class="fc-figure">`` holding a ``<div class="fc-chart">`` that the book's vendored vega-embed
renders (no CDN), and a ``<figcaption>`` with its description, sources and vintages, and a link to the CSV of
the data the chart draws (written at build time, :mod:`futurecity.book.chartdata`). The Vega-Lite spec is also
emitted under its own mimetype, so JupyterLab draws the chart natively.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd

from futurecity.data import store

# Okabe & Ito (2008), "Color Universal Design": distinguishable with the common colour-vision deficiencies. Their
# bluish green and vermilion are the claim statuses' colours (futurecity.viz.status.RESERVED: reproduced,
# differs), so the data palette leaves them out: a colour in a chart means one thing.
PALETTE = ["#0072B2", "#E69F00", "#CC79A7", "#000000", "#56B4E9", "#F0E442"]
HIGHLIGHT, MUTED = "#E69F00", "#B0B0B0"  # orange: what the reader or a claim picked out; grey: the rest
# Text in a palette colour: the same hue, darker, so that it reads at 4.5:1 (WCAG AA) on white and on the light
# panel charts are drawn on in dark mode (#f7f7f5, _static/futurecity.css). Lines, areas and bars keep the palette;
# a label drawn in a series' colour takes its variant (tests/test_text_contrast.py reads every built chart).
TEXT = {"#E69F00": "#946700", "#CC79A7": "#B84685", "#56B4E9": "#1676AC", "#F0E442": "#78710A"}


def text_colour(colour: str) -> str:
    """The colour to write text in for a mark drawn in ``colour`` (its darker variant, or itself when it reads)."""
    return TEXT.get(colour.upper(), colour)


def text_colours(colours) -> list[str]:
    """:func:`text_colour` of each colour: the range of a text mark's colour scale beside its lines' range."""
    return [text_colour(c) for c in colours]
VEGA_LITE_MIME = f"application/vnd.vegalite.v{alt.SCHEMA_VERSION.lstrip('v').split('.')[0]}+json"
EMBED_OPTIONS = {"renderer": "svg", "actions": {"export": True, "source": False, "compiled": False,
                                                 "editor": False}}
# The CSV of what a chart draws, written by the build (futurecity.book.chartdata) into the book's static files;
# every chapter is a page under chapters/, so this is relative to it.
DATA_HREF = "../_static/data/"
WIDTH = 460  # plot width of a chapter's chart, in pixels (y-axis labels with badges take badges.COLUMN more)


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
           sources: pd.DataFrame | Sequence[pd.DataFrame], note: str = "",
           csv: Sequence[tuple] = (), csv_licence: dict[str, str] | None = None,
           csv_max_rows: int | None = None) -> alt.TopLevelMixin:
    """A chart ready for the book: a title, an accessible description and a caption naming its sources.

    ``csv`` declares the tidy table behind the chart (its "Data behind this chart (CSV)",
    :mod:`futurecity.book.chartdata`): one ``(mark, {field: column}[, {column: constant}])`` per named mark
    whose items are its rows, in order; each item's ``field`` becomes the column named ``column`` (words and
    units: ``growth_percent``), a constant fills a column for every row of that mark. ``csv_licence`` replaces
    a source's licence line in the CSV's header (by source id; ``{rows}`` is the number of rows written) and
    ``csv_max_rows`` is the most rows the CSV may hold, for data whose licence allows no more."""
    frames = [sources] if isinstance(sources, pd.DataFrame) else list(sources)
    meta = {"title": title, "description": description, "sources": source_line(frames), "note": note}
    if csv:
        meta["csv"] = csv_declaration(csv, csv_licence, csv_max_rows)
        meta["source_list"] = _source_list(frames)
    return chart.properties(title=alt.Title(title, anchor="start"), description=description,
                            usermeta={"futurecity": meta})


COLUMN_NAME = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")


def csv_declaration(parts: Sequence[tuple], licence: dict[str, str] | None = None,
                    max_rows: int | None = None) -> dict:
    """The JSON form of :func:`figure`'s ``csv`` arguments, checked: every column is named in lower-case words
    joined by ``_`` (never a leading ``_`` nor Vega-Lite's ``*_sort_index``)."""
    out = []
    for part in parts:
        mark, columns, constants = part if len(part) == 3 else (*part, {})
        names = [*columns.values(), *constants]
        if len(set(names)) < len(names):
            raise ValueError(f"CSV columns of mark {mark!r} named twice: {names}")
        for name in names:
            if not COLUMN_NAME.fullmatch(name) or name.endswith("_sort_index"):
                raise ValueError(f"CSV column {name!r} of mark {mark!r}: name columns in lower-case words and "
                                 "units joined by '_' (growth_percent)")
        # pairs, not objects: a notebook's JSON may sort an object's keys, and the columns keep their order
        out.append({"mark": mark, "columns": [[f, c] for f, c in columns.items()],
                    "constants": [[c, v] for c, v in constants.items()]})
    decl: dict[str, Any] = {"parts": out}
    if licence:
        decl["licence"] = dict(licence)
    if max_rows is not None:
        decl["max_rows"] = int(max_rows)
    return decl


def _source_list(frames: Sequence[pd.DataFrame]) -> list[dict]:
    """Each distinct source of the frames (id, publisher, title, vintage, licence), for the CSV's header."""
    seen, out = set(), []
    for f in frames:
        a = f.attrs
        key = (a.get("source"), a.get("vintage"))
        if key not in seen:
            seen.add(key)
            out.append({"id": a.get("source", ""), "publisher": a.get("publisher", ""), "title": a.get("title", ""),
                        "vintage": a.get("vintage_label", ""), "licence": a.get("licence", "")})
    return out


# Inside <script>, the HTML parser ends the script at "</script" and, after "<!--", at a "<script" then "</script>"
# (the double-escaped state): a data string holding them stops the page's charts. In JSON these characters occur in
# strings only, where \u003c, \u003e and \u0026 read as the same characters.
_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def script_safe(json_text: str) -> str:
    """JSON text (``json.dumps``, ASCII) that can stand inside an HTML ``<script>`` element: ``<``, ``>`` and
    ``&`` written as ``\\u003c``, ``\\u003e`` and ``\\u0026``; it parses to the same value."""
    return json_text.translate(_SCRIPT_SAFE)


def _figure_html(spec: dict) -> str:
    meta = spec.get("usermeta", {}).get("futurecity", {})
    payload = json.dumps(spec, sort_keys=True, separators=(",", ":"))
    el = "fc-" + hashlib.sha1(payload.encode()).hexdigest()[:12]
    desc = html.escape(accessible_name(meta.get("title", ""), meta.get("description", "")))
    caption = " ".join(html.escape(meta.get(k, "")) for k in ("description", "note") if meta.get(k))
    sources = html.escape(meta.get("sources", ""))
    script_spec = script_safe(payload)
    title = meta.get("title", "")
    menu = f"Save the chart ({title}) as SVG or PNG" if title else "Save the chart as SVG or PNG"
    options = script_safe(json.dumps({**EMBED_OPTIONS, "downloadFileName": _download_name(title, el),
                                      "i18n": {"CLICK_TO_VIEW_ACTIONS": menu}}))
    return (
        f'<figure class="fc-figure">'
        f'<div id="{el}" class="fc-chart" role="figure" aria-label="{desc}"></div>'
        f'<figcaption class="fc-caption">{caption} <span class="fc-sources">{sources}</span>'
        f'<a class="fc-data-link" href="{DATA_HREF}{_download_name(title, el)}.csv" download>'
        f"Data behind this chart (CSV)</a></figcaption>"
        f"</figure>\n"
        f"<script>(function () {{\n"
        f"  var el = document.getElementById('{el}');\n"
        f"  if (typeof futurecityEmbed === 'undefined') {{ el.textContent = 'This chart is drawn on the book\\'s "
        f"website, or when the cell is run again in JupyterLab.'; return; }}\n"
        f"  futurecityEmbed(el, {script_spec}, {options}).catch(function (err) {{ console.error(err); }});\n"
        f"}})();</script>"
    )


def accessible_name(title: str, description: str) -> str:
    """What a screen reader says a chart is: its title, then its description (the embed script names the drawn
    chart the same way)."""
    title, description = " ".join(str(title).split()), " ".join(str(description).split())
    if title and description:
        return f"{title}{' ' if title[-1] in '.!?:' else '. '}{description}"
    return title or description


def _download_name(title: str, fallback: str) -> str:
    """A chart's export file name (vega-embed appends .svg/.png): its title as a slug."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.replace("&", " and ").lower()).strip("-")[:60].rstrip("-")
    return slug or fallback


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
