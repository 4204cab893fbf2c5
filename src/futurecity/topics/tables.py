"""Table operations shared by topics: growth between two years of any tidy table with a ``year`` column."""

from __future__ import annotations

import pandas as pd


def growth_between(frame: pd.DataFrame, by: list[str], start: int, end: int, column: str = "value",
                   what: str = "the table") -> pd.DataFrame:
    """Growth (per cent) of ``column`` from ``start`` to ``end`` for each combination of the ``by`` columns.

    Columns: ``by``, start, end, value_start, value_end, growth. Raises ``ValueError`` naming the years present
    when either year is missing. A value missing in a year (a suppressed cell) stays missing, so its growth is
    NaN, never a growth from zero.
    """
    present = set(frame["year"])
    missing = [y for y in (start, end) if y not in present]
    if missing:
        raise ValueError(f"{what} has no year {missing}; years present: {min(present)}-{max(present)}")
    wide = frame.groupby([*by, "year"])[column].sum(min_count=1).unstack("year")
    out = pd.DataFrame({"value_start": wide[start], "value_end": wide[end]}).reset_index()
    out.insert(len(by), "start", start)
    out.insert(len(by) + 1, "end", end)
    out["growth"] = (out["value_end"] / out["value_start"] - 1) * 100
    out.attrs.update(frame.attrs)
    return out


def first_last(frame: pd.DataFrame) -> tuple[int, int]:
    """The first and last year in a table."""
    return int(frame["year"].min()), int(frame["year"].max())
