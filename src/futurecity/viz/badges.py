"""Claim badges in a chart: one compact row per claim, recomputed in the browser for the window the reader chooses.

A badge is the claim's id, a status pill (icon and word, in the style of :mod:`futurecity.viz.status`) and the
values: ``C5-3 [✓ reproduced] paper +43% · here +35.0% · cash · test: within ±3 points``. The paper's value is
written with the precision the ledger gives it (``43`` -> ``+43%``, ``0.2`` -> ``+0.2``), ours with the chart's;
the book's test of the claim closes the line (its tolerance, ``test: above 0.5``), never as the paper's words.
On the paper's window the pill gives the verdict of the claim's rule
(:func:`futurecity.claims.rules.verdict_expression`, written from the ledger's own tolerance and paper value); on
any other window it says ``off the paper's years`` and the value is the one for the years chosen; a chart whose
data end before the paper's window does passes ``off="needs live data"`` (the ledger's name for that state).

Badges sit above the chart's plots, starting at the chart's left edge: the id and pill fill the column of the
y-axis labels (:data:`COLUMN`), the values start where the plots do. On a column narrower than :data:`NARROW`
pixels the values go on a second line under the id. Which applies is read from the parameter :data:`WIDTH_PARAM`,
which the book's embed script sets to the column's width before drawing (0, the default, is a wide column, as in
JupyterLab); the badge view's own height is 1 pixel and its marks take the room they need, so the plots start
right below the last badge. On a narrow column the basis (``cash``, ``real``) moves up beside the pill, so that
the values and the test fit the second line.
"""

from __future__ import annotations

import json

import altair as alt

from futurecity.claims import rules
from futurecity.viz import status
from futurecity.viz.labels import LabelColumn

ANOTHER_WINDOW = status.OFF_WINDOW  # what a badge says instead of a verdict off the paper's window
NO_VALUE = "here: no value for these years"  # a badge's value where the data hold none (a withheld part)
BADGE_FONT = 11
LINE = 14  # pixels per line of the texts under the badges
ROW = 22  # pixels per badge on a wide column: one row
NARROW_ROW = 36  # pixels per badge on a narrow column: id and pill, then the values
NARROW = 480  # columns narrower than this (pixels) give each badge two lines
WIDTH_PARAM = "fc_width"  # the column's width in pixels, set by the embed script; 0 when unknown
ID_WIDTH = 38  # pixels for the claim id, before the pill
PILL_HEIGHT = 16
PILL_PAD = 12  # pixels of pill beyond its text (6 each side)
# Badges start at the chart's left edge, above y axes that take exactly this column: a badge's id and pill fill
# it and its values line up with the plots.
COLUMN = LabelColumn(160)
# The pill's width for each status: its text in 11 px DejaVu Sans (the widest common sans) plus padding.
PILL_WIDTH = {rules.REPRODUCED: 88, rules.DIFFERS: 62, ANOTHER_WINDOW: 140, status.OFF_THRESHOLD: 164,
              rules.NEEDS_LIVE: 118}
COLOURS = {s: status.STYLES[s].border for s in PILL_WIDTH}  # a badge's status -> its reserved colour

NARROW_EXPR = f"({WIDTH_PARAM} > 0 && {WIDTH_PARAM} < {NARROW})"


def _lit(x) -> str:
    return json.dumps(x, ensure_ascii=False)


def _pick(mapping: dict, key: str) -> str:
    """A Vega expression looking ``key`` (an expression) up in ``mapping``."""
    return f"{_lit(mapping)}[{key}]"


def test_words(rule: dict, suffix: str = "", short: bool = False) -> str:
    """The book's test of a claim, in a few words: ``test: above 0.5``, ``test: within ±3 points`` (a tolerance
    on a value in per cent or percentage points, ``suffix`` ``%`` or `` pp``, is in points)."""
    kind = rule["kind"]
    unit = ("" if not suffix.strip() in ("%", "pp") else " pt" if short
            else " point" if rule.get("tolerance") == 1 else " points")
    words = {"greater_than": lambda r: f"above {r['threshold']:g}",
             "less_than": lambda r: f"below {r['threshold']:g}",
             "top_n": lambda r: f"in the top {r['n']}",
             "direction": lambda r: "a fall" if r["expect"] == "fall" else "a rise",
             "within": lambda r: f"within \u00b1{r['tolerance']:g}{unit}"}
    if kind not in words:
        raise ValueError(f"no badge words for rule kind {kind!r}")
    return ("" if short else "test: ") + words[kind](rule)


def paper_format(paper: float, fmt: str) -> str:
    """``fmt`` (a d3/Python format such as ``+.1f``, ``.1f``, ``d``) with the precision the ledger gives the
    paper's value: an integer has no decimals (``240`` -> ``+240``), ``0.2`` one, ``37.0`` one."""
    sign = "+" if fmt.startswith("+") else ""
    if isinstance(paper, int) or "." not in repr(paper):
        return f"{sign}.0f"
    return f"{sign}.{len(repr(paper).split('.')[1])}f"


def badge_calculations(claim: dict, value: str, start: str, end: str, fmt: str = "+.1f", suffix: str = "",
                       basis: str = "", on_paper: str | None = None, off: str = ANOTHER_WINDOW) -> dict[str, str]:
    """Vega expressions for a claim's badge: ``verdict`` (the rule's verdict on the paper's window, else
    :data:`ANOTHER_WINDOW`), ``badge`` (the values' text), ``badge_value`` and ``pill`` (icon and word).

    ``value``, ``start`` and ``end`` are Vega expressions (the recomputed value, the chosen years); ``basis`` names
    the prices or measure the claim uses (``real``, ``cash``), shown after the values (``badge_basis`` holds it
    alone, beside the pill on a narrow column, where ``badge`` leaves it out). ``on_paper`` (a Vega expression)
    replaces the test "the chosen years are the claim's window" for a chart whose control is another of the
    claim's settings (a threshold), and ``off`` is what the pill says off the paper's window (or threshold).
    """
    paper = claim["paper_value"]
    w_start, w_end = claim["window"]["start"], claim["window"]["end"]
    on_window = on_paper or f"({start} == {w_start} && {end} == {w_end})"
    # no value for the years chosen (a part of a series withheld): said, never formatted as a number
    here = (f"(isValid({value}) && isFinite({value}) ? 'here ' + format({value}, {_lit(fmt)}) + {_lit(suffix)} "
            f": {_lit(NO_VALUE)})")
    first = _lit(f"paper {format(paper, paper_format(paper, fmt))}{suffix} \u00b7 ") if paper is not None else "''"
    tail = _lit(f" \u00b7 {basis}" if basis else "")
    # on a phone's column the test in fewer words ("±1.5 pt"), so that the line fits
    test = (f"({NARROW_EXPR} ? {_lit(' · ' + test_words(claim['rule'], suffix, short=True))} : "
            f"{_lit(' · ' + test_words(claim['rule'], suffix))})")
    text = f"{first} + {here} + ({NARROW_EXPR} ? '' : {tail}) + {test}"
    verdict = f"{on_window} ? ({rules.verdict_expression(claim['rule'], value, paper)}) : {_lit(off)}"
    labels = {s: status.STYLES[s].label(s) for s in PILL_WIDTH}
    return {"badge_value": value, "verdict": verdict, "badge": text, "pill": _pick(labels, "datum.verdict"),
            "badge_basis": f"{NARROW_EXPR} ? {_lit(basis)} : ''"}


def row_height() -> str:
    """A Vega expression: the pixels one badge takes on the current column."""
    return f"({NARROW_EXPR} ? {NARROW_ROW} : {ROW})"


def top(rows: int, lines: int = 0) -> alt.ExprRef:
    """The y offset (a Vega expression) below ``rows`` badges and ``lines`` further lines of text."""
    return alt.ExprRef(f"{rows} * {row_height()} + {lines * LINE}")


def width_param() -> alt.Parameter:
    """The parameter :data:`WIDTH_PARAM` every chart with badges declares (the embed script sets it)."""
    return alt.param(name=WIDTH_PARAM, value=0)


def badge_layer(rows: alt.Chart, claim: dict, value: str, start: str, end: str, row: int, fmt: str = "+.1f",
                suffix: str = "", basis: str = "", column: LabelColumn = COLUMN, on_paper: str | None = None,
                off: str = ANOTHER_WINDOW) -> alt.LayerChart:
    """A claim's badge: its id, its status pill and its values, on row ``row`` (0, 1, ...) from the top.

    ``rows`` is an Altair chart whose transforms leave one datum carrying ``value``. The values' text mark is
    named :func:`badge_name` (each datum carries ``badge``, ``verdict``, ``badge_value`` and ``pill``). Use
    :func:`y_axis` for the y axes of the views below, so that they line up, and declare :func:`width_param` on the
    top-level chart. ``column`` is the chart's column of y-axis labels, whose left edge the badge starts at.
    """
    calc = badge_calculations(claim, value, start, end, fmt=fmt, suffix=suffix, basis=basis, on_paper=on_paper,
                              off=off)
    style = {s: status.STYLES[s] for s in PILL_WIDTH}
    y0 = f"{row} * {row_height()}"
    mid = f"{y0} + {ROW / 2}"
    left = -column.extent
    # the values start where the plots do, or after the widest pill when the column is too narrow for it
    values_at = max(0, left + ID_WIDTH + max(PILL_WIDTH[rules.REPRODUCED], PILL_WIDTH[off]) + 8)
    calc |= {"pill_fill": _pick({s: v.fill for s, v in style.items()}, "datum.verdict"),
             "pill_border": _pick({s: v.border for s, v in style.items()}, "datum.verdict"),
             "pill_text": _pick({s: v.text for s, v in style.items()}, "datum.verdict"),
             "pill_x2": f"{left + ID_WIDTH} + {_pick(PILL_WIDTH, 'datum.verdict')}",
             "values_x": f"{NARROW_EXPR} ? {left} : {values_at}",
             "basis_x": f"{left + ID_WIDTH} + {_pick(PILL_WIDTH, 'datum.verdict')} + 6",
             "values_y": f"{NARROW_EXPR} ? {y0} + {ROW + 7} : {mid}"}
    calc |= {"badge_id": _lit(f"{claim['id']} {claim.get('label', '')}".strip()),
             "pill_x": str(left + ID_WIDTH), "pill_y": f"{mid} - {PILL_HEIGHT / 2}",
             "pill_y2": f"{mid} + {PILL_HEIGHT / 2}",
             "pill_mid": f"{left + ID_WIDTH} + {_pick(PILL_WIDTH, 'datum.verdict')} / 2"}
    tip = [alt.Tooltip("badge_id:N", title="Claim"), alt.Tooltip("pill:N", title="Status"),
           alt.Tooltip("badge:N", title="Values")]
    mark = alt.Chart()
    claim_id = (mark.mark_text(align="left", baseline="middle", x=left, y=alt.ExprRef(mid), fontSize=BADGE_FONT,
                               fontWeight="bold", color="#1A1A1A", text=claim["id"])
                .encode(tooltip=tip).properties(name=badge_name(claim["id"]) + "_id"))
    pill = (mark.mark_rect(cornerRadius=PILL_HEIGHT / 2, strokeWidth=1.2)
            .encode(x=alt.X("pill_x:Q", scale=None), x2=alt.X2("pill_x2:Q"), y=alt.Y("pill_y:Q", scale=None),
                    y2=alt.Y2("pill_y2:Q"), fill=alt.Fill("pill_fill:N", scale=None),
                    stroke=alt.Stroke("pill_border:N", scale=None), tooltip=tip)
            .properties(name=badge_name(claim["id"]) + "_pill"))
    pill_label = (mark.mark_text(align="center", baseline="middle", y=alt.ExprRef(mid), fontSize=BADGE_FONT)
                  .encode(x=alt.X("pill_mid:Q", scale=None), text="pill:N",
                          color=alt.Color("pill_text:N", scale=None), tooltip=tip)
                  .properties(name=badge_name(claim["id"]) + "_status"))
    values = (mark.mark_text(align="left", baseline="middle", fontSize=BADGE_FONT, color="#1A1A1A")
              .encode(x=alt.X("values_x:Q", scale=None), y=alt.Y("values_y:Q", scale=None), text="badge:N",
                      tooltip=tip)
              .properties(name=badge_name(claim["id"])))
    basis_mark = (mark.mark_text(align="left", baseline="middle", y=alt.ExprRef(mid), fontSize=BADGE_FONT,
                                 color="#1A1A1A")
                  .encode(x=alt.X("basis_x:Q", scale=None), text="badge_basis:N", tooltip=tip)
                  .properties(name=badge_name(claim["id"]) + "_basis"))
    # the claim's rows and the badge's calculations once, on the layer, for its five marks
    badge = alt.layer(claim_id, pill, pill_label, values, basis_mark)
    badge.transform = [*rows.to_dict(validate=False).get("transform", []),
                       *alt.Chart().transform_calculate(**calc).to_dict(validate=False)["transform"]]
    return badge


def badge_name(claim_id: str) -> str:
    """The view name of a claim's badge values, ``claim_<id>_badge`` (Vega names its marks ``<name>_marks``, or
    ``<name>_<i>_marks`` inside the i-th view of a concatenation); its id, pill and pill text are
    ``<name>_id``, ``<name>_pill``, ``<name>_status`` and ``<name>_basis`` (the basis beside the pill, on a narrow
    column only)."""
    return f"claim_{claim_id.replace('-', '_')}_badge"


def y_axis(**kwargs) -> alt.Axis:
    """A y axis whose labels take exactly the badges' :data:`COLUMN` (see :func:`badge_layer`)."""
    return COLUMN.axis(labelLimit=COLUMN.extent - 8, labelFontSize=11, **kwargs)
