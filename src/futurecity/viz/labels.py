"""Labels that fit a phone: long legend or axis labels broken into short lines by design, never cut; and a chart's
column of y-axis labels, with the texts above its plots starting at the chart's edge."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass

import altair as alt

LINE_CHARS = 30  # characters per line: 30 characters of 12 px text fit a 320 px screen with room to spare


def lines(label: str, chars: int = LINE_CHARS) -> list[str]:
    """``label`` in lines of at most ``chars`` characters, broken between words."""
    return textwrap.wrap(label, chars, break_long_words=False, break_on_hyphens=False) or [label]


def wrapped_label_expr(labels: Iterable[str], chars: int = LINE_CHARS) -> str:
    """A Vega ``labelExpr`` that draws each of ``labels`` on the lines of :func:`lines` (other labels as they are)."""
    table = {label: lines(label, chars) for label in labels}
    return f"{json.dumps(table, ensure_ascii=False)}[datum.label] || datum.label"


@dataclass(frozen=True)
class LabelColumn:
    """The y-axis labels of every view of a chart in one column exactly ``extent`` pixels wide, so the plots line
    up, and texts above the plots (summaries, claim badges) that start at the column's left edge, the chart's
    edge, rather than at the plots: ``.mark_text(**column.at_edge, y=0, ...)`` and ``alt.Y(..., axis=column.axis())``.
    """

    extent: int

    def axis(self, **kwargs) -> alt.Axis:
        """A y axis whose labels take exactly :attr:`extent` pixels."""
        return alt.Axis(minExtent=self.extent, maxExtent=self.extent, **kwargs)

    @property
    def at_edge(self) -> dict:
        """``mark_text`` arguments for a text whose top-left corner is at the chart's left edge."""
        return {"align": "left", "baseline": "top", "x": -self.extent}
