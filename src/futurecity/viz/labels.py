"""Labels that fit a phone: long legend or axis labels broken into short lines by design, never cut."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable

LINE_CHARS = 30  # characters per line: 30 characters of 12 px text fit a 320 px screen with room to spare


def lines(label: str, chars: int = LINE_CHARS) -> list[str]:
    """``label`` in lines of at most ``chars`` characters, broken between words."""
    return textwrap.wrap(label, chars, break_long_words=False, break_on_hyphens=False) or [label]


def wrapped_label_expr(labels: Iterable[str], chars: int = LINE_CHARS) -> str:
    """A Vega ``labelExpr`` that draws each of ``labels`` on the lines of :func:`lines` (other labels as they are)."""
    table = {label: lines(label, chars) for label in labels}
    return f"{json.dumps(table, ensure_ascii=False)}[datum.label] || datum.label"
