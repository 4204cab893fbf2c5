"""The compact form in which a chart embeds a tidy table: one row per key, one column per year, folded back into
one row per year in the browser."""

from __future__ import annotations

import altair as alt
import pandas as pd


def wide_by_year(frame: pd.DataFrame, keys: list[str], value: str = "value") -> pd.DataFrame:
    """One row per combination of ``keys``, one column per year (named by the year). :func:`fold_years` turns
    it back into one row per year in the browser."""
    wide = frame.pivot_table(index=keys, columns="year", values=value, aggfunc="sum")
    wide.columns = [str(c) for c in wide.columns]
    return wide.reset_index()


def fold_years(chart: alt.TopLevelMixin, wide: pd.DataFrame, value: str = "value") -> alt.TopLevelMixin:
    """``chart`` (whose data are ``wide``) with one row per key and year again: columns ``year`` and ``value``."""
    columns = [c for c in wide.columns if c.isdigit()]
    return chart.transform_fold(columns, as_=["year", value]).transform_calculate(year="toNumber(datum.year)")
