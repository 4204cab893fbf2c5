"""Claim badges in a chart: one line per claim, recomputed in the browser for the window the reader chooses.

On the paper's window a badge gives the paper's value, the recomputed one and the verdict of the claim's rule
(:func:`futurecity.claims.rules.verdict_expression`, written from the ledger's own tolerance and paper value);
on any other window it gives both values and their years and says ``another window`` instead of a verdict.
"""

from __future__ import annotations

import json

import altair as alt

from futurecity.claims import rules
from futurecity.viz.theme import PALETTE

ANOTHER_WINDOW = "another window"  # what a badge says instead of a verdict off the paper's window
BADGE_LINE = 18  # pixels per badge line
# Badges start this far left of the plot area: charts with badges give their y axes exactly this extent, so a
# badge lines up with the axis labels instead of starting at the bars.
AXIS_EXTENT = 160
BADGE_FONT = 11
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
    dash = "\u2013"
    years = f"' (' + {start} + '{dash}' + {end} + ')'"
    head = _lit(f"{claim['id']} {claim.get('label', '')}: ")
    verdict = f"{on_window} ? ({rules.verdict_expression(claim['rule'], value, paper)}) : '{ANOTHER_WINDOW}'"
    judged = f"{head} + {_lit(f'paper {paper_text}, here ')} + {here} + {years} + ': ' + ({verdict})"
    other = (f"{head} + 'here ' + {here} + {years} + "
             f"{_lit(f'; paper {paper_text} ({w_start}{dash}{w_end}): {ANOTHER_WINDOW}')}")
    return {"verdict": verdict, "badge": f"{on_window} ? {judged} : {other}", "badge_value": value}


def badge_layer(rows: alt.Chart, claim: dict, value: str, start: str, end: str, row: int, fmt: str = "+.1f",
                suffix: str = "") -> alt.Chart:
    """A one-line text mark for a claim's badge, coloured by its verdict, named by :func:`badge_name` (each datum carries
    ``badge``, ``verdict`` and ``badge_value``).

    ``rows`` is an Altair chart whose transforms leave one datum carrying ``value``; ``row`` is the line (0, 1,
    ...) the badge sits on. Use :func:`y_axis` for the y axes of the views below, so that they line up.
    """
    calc = badge_calculations(claim, value, start, end, fmt=fmt, suffix=suffix)
    colour = alt.Color("verdict:N", scale=alt.Scale(domain=list(COLOURS), range=list(COLOURS.values())),
                       legend=None)
    return (rows.transform_calculate(**calc)
            .mark_text(align="left", baseline="top", x=-AXIS_EXTENT, y=row * BADGE_LINE, fontSize=BADGE_FONT)
            .encode(text="badge:N", color=colour, tooltip=[alt.Tooltip("badge:N", title=claim["id"])])
            .properties(name=badge_name(claim["id"])))


def badge_name(claim_id: str) -> str:
    """The view name of a claim's badge, ``claim_<id>_badge`` (Vega names its marks ``<name>_marks``, or
    ``<name>_<i>_marks`` inside the i-th view of a concatenation)."""
    return f"claim_{claim_id.replace('-', '_')}_badge"


def y_axis(**kwargs) -> alt.Axis:
    """A y axis whose labels take exactly :data:`AXIS_EXTENT` pixels (see :func:`badge_layer`)."""
    return alt.Axis(labelLimit=AXIS_EXTENT - 8, labelFontSize=11, minExtent=AXIS_EXTENT, maxExtent=AXIS_EXTENT,
                    **kwargs)
