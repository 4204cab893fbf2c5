"""Claim badges in a chart: three short lines per claim, recomputed in the browser for the window the reader chooses.

On the paper's window a badge gives the paper's value, the recomputed one and the verdict of the claim's rule
(:func:`futurecity.claims.rules.verdict_expression`, written from the ledger's own tolerance and paper value);
on any other window it gives both values and the years chosen, and says ``another window`` instead of a verdict.
"""

from __future__ import annotations

import json

import altair as alt

from futurecity.claims import rules
from futurecity.viz.labels import LabelColumn
from futurecity.viz.theme import PALETTE

ANOTHER_WINDOW = "another window"  # what a badge says instead of a verdict off the paper's window
BADGE_FONT = 11
LINE = 14  # pixels per line of badge text
# A badge is three short lines (the claim; the paper's value and ours; the years and the verdict), each at most
# LINE_CHARS characters, so that it fits a 320 px screen without being cut: Vega cannot wrap a computed text to
# the width it is given. A claim's id and label together take at most LINE_CHARS (the ledger's tests check).
LINE_CHARS = 38
BADGE_LINES = 3
BADGE_BLOCK = BADGE_LINES * LINE + 6  # pixels from one badge to the next
# Badges start at the chart's left edge, above y axes that take exactly this column: a badge lines up with the
# axis labels instead of starting at the bars.
COLUMN = LabelColumn(160)
COLOURS = {rules.REPRODUCED: PALETTE[2], rules.DIFFERS: PALETTE[5], ANOTHER_WINDOW: "#555555"}


def _lit(x) -> str:
    return json.dumps(x, ensure_ascii=False)


def badge_calculations(claim: dict, value: str, start: str, end: str, fmt: str = "+.1f",
                       suffix: str = "") -> dict[str, str]:
    """Vega expressions ``{"verdict": ..., "badge": ...}`` for a claim's badge.

    ``value``, ``start`` and ``end`` are Vega expressions (the recomputed value, the chosen years).
    """
    paper = claim["paper_value"]
    w_start, w_end = claim["window"]["start"], claim["window"]["end"]
    on_window = f"({start} == {w_start} && {end} == {w_end})"
    paper_text = format(paper, fmt) + suffix if paper is not None else rules.describe_rule(claim["rule"])
    here = f"format({value}, {_lit(fmt)}) + {_lit(suffix)}"
    years = f"{start} + '\u2013' + {end}"
    head = _lit(f"{claim['id']} {claim.get('label', '')}\npaper {paper_text}, here ")
    verdict = f"{on_window} ? ({rules.verdict_expression(claim['rule'], value, paper)}) : '{ANOTHER_WINDOW}'"
    judged = f"{years} + \", paper's window: \" + ({verdict})"
    other = f"{years} + ': {ANOTHER_WINDOW}'"
    text = f"{head} + {here} + '\\n' + ({on_window} ? {judged} : {other})"
    return {"verdict": verdict, "badge": text, "badge_value": value}


def top(rows: int, lines: int = 0) -> int:
    """The y offset, in pixels, below ``rows`` badges and ``lines`` further lines of text."""
    return rows * BADGE_BLOCK + lines * LINE


def badge_layer(rows: alt.Chart, claim: dict, value: str, start: str, end: str, row: int, fmt: str = "+.1f",
                suffix: str = "") -> alt.Chart:
    """A text mark of :data:`BADGE_LINES` lines for a claim's badge, coloured by its verdict, named by
    :func:`badge_name` (each datum carries ``badge``, ``verdict`` and ``badge_value``).

    ``rows`` is an Altair chart whose transforms leave one datum carrying ``value``; ``row`` is the badge's place
    (0, 1, ...) from the top. Use :func:`y_axis` for the y axes of the views below, so that they line up.
    """
    calc = badge_calculations(claim, value, start, end, fmt=fmt, suffix=suffix)
    colour = alt.Color("verdict:N", scale=alt.Scale(domain=list(COLOURS), range=list(COLOURS.values())),
                       legend=None)
    return (rows.transform_calculate(**calc)
            .mark_text(**COLUMN.at_edge, y=top(row), fontSize=BADGE_FONT,
                       lineBreak="\n", lineHeight=LINE)
            .encode(text="badge:N", color=colour, tooltip=[alt.Tooltip("badge:N", title=claim["id"])])
            .properties(name=badge_name(claim["id"])))


def badge_name(claim_id: str) -> str:
    """The view name of a claim's badge, ``claim_<id>_badge`` (Vega names its marks ``<name>_marks``, or
    ``<name>_<i>_marks`` inside the i-th view of a concatenation)."""
    return f"claim_{claim_id.replace('-', '_')}_badge"


def y_axis(**kwargs) -> alt.Axis:
    """A y axis whose labels take exactly the badges' :data:`COLUMN` (see :func:`badge_layer`)."""
    return COLUMN.axis(labelLimit=COLUMN.extent - 8, labelFontSize=11, **kwargs)
