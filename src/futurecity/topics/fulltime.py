"""Full-time employees in manufacturing, Great Britain, 2009 to the latest year, from ONS BRES (claim C6-1).

The source (``bres_gb_fulltime``) gives Great Britain's full-time employees by SIC 2007 subclass (5-digit code) in
the pinned file and by division in a live pull (NM_172_1 and NM_189_1 joined); either code's first two digits are
its division, and manufacturing is divisions 10-33, as in
:mod:`futurecity.topics.bres`. This is a narrower measure than BRES employment (no part-time employees, no working
owners), and the series has a break at 2015: Nomis's NM_172_1 holds 2009-2014 and NM_189_1 2015 onwards, and the
second counts units registered for PAYE only that the first did not, so a growth rate across 2015 mixes the two.
"""

from __future__ import annotations

import pandas as pd

from futurecity.claims.measures import Inputs, measure, require_years
from futurecity.facts import Fact, constant, fact
from futurecity.topics import bres

SOURCE = "bres_gb_fulltime"
SERIES_BREAK = 2015  # first year of NM_189_1 (2009-2014 are NM_172_1), as the snapshot's provenance records
SECTORS = ("manufacturing", "all")


def sector_totals(frame: pd.DataFrame) -> pd.DataFrame:
    """Full-time employees of Great Britain by year and sector ('manufacturing': SIC 10-33; 'all': every
    subclass). Columns: year, sector, value; provenance attrs of ``frame`` kept."""
    division = frame["industry_code"].astype("string").str[:2]
    rows = pd.DataFrame({"year": frame["year"].astype("int64"), "value": frame["value"]})
    both = pd.concat([rows[bres.is_manufacturing(division)].assign(sector="manufacturing"),
                      rows.assign(sector="all")])
    out = both.groupby(["year", "sector"], as_index=False)["value"].sum()
    out.attrs.update(frame.attrs)
    return out


def totals(inputs: Inputs) -> pd.DataFrame:
    """:func:`sector_totals` of the source of ``inputs``, computed once per inputs."""
    return inputs.derived("fulltime.totals", lambda: sector_totals(inputs.frame(SOURCE)))


def growth(table: pd.DataFrame, start: int, end: int, sector: str = "manufacturing") -> float:
    """Growth (%) of full-time employees in ``sector`` from ``start`` to ``end``: (end / start - 1) x 100."""
    require_years(table, SOURCE, start, end)
    series = table[table["sector"] == sector].set_index("year")["value"]
    return float((series.loc[end] / series.loc[start] - 1) * 100)


def last_year(inputs: Inputs) -> int:
    """The latest year the data read hold."""
    return int(totals(inputs)["year"].max())


def _break_note(inputs: Inputs) -> str:
    return (f" Full-time employees only, a narrower measure than employment; the series breaks at {SERIES_BREAK} "
            f"(NM_172_1 before, NM_189_1 from {SERIES_BREAK}).")


@measure("bres_fulltime_growth", sources=(SOURCE,), note=_break_note, latest=last_year)
def measure_growth(inputs: Inputs, p: dict, start: int, end: int) -> float:
    """Growth (%) of Great Britain's full-time employees in ``p['sector']``."""
    return growth(totals(inputs), start, end, p["sector"])


def facts(inputs: Inputs, window: dict) -> dict[str, Fact]:
    """The numbers beside C6-1: its window, the counts at both ends, the newest window (to the latest year), the
    growth within each side of the series break and the jump of all industries across it, and BRES employment
    (employees plus working owners) over the years it covers, from :mod:`futurecity.topics.bres`."""
    table = totals(inputs)
    start, end = window["start"], window["end"]
    first, last = int(table["year"].min()), last_year(inputs)
    manuf = table[table["sector"] == "manufacturing"].set_index("year")["value"]
    what = "full-time employees in SIC 10-33, GB"
    out = {
        "c61_start": constant(start, "first year of C6-1's window (the German industry 4.0 report, 2011)"),
        "c61_end": constant(end, "last year of C6-1's window (the last year of the paper's data)"),
        "c61_break": constant(SERIES_BREAK, "first year of BRES NM_189_1, where the full-time series breaks"),
        "manufacturing_first": constant(min(bres.MANUFACTURING_DIVISIONS), "first SIC 2007 division of manufacturing"),
        "manufacturing_last": constant(max(bres.MANUFACTURING_DIVISIONS), "last SIC 2007 division of manufacturing"),
        "ft_vintage": fact(table.attrs["vintage_label"], "vintage of the BRES full-time file read", table),
        "ft_first": fact(first, "first year of the BRES full-time file read", table),
        "ft_last": fact(last, "last year of the BRES full-time file read", table),
        "ft_start_count": fact(float(manuf.loc[start]) / 1e6, f"{what}, {start}, millions", table),
        "ft_end_count": fact(float(manuf.loc[end]) / 1e6, f"{what}, {end}, millions", table),
        "ft_last_count": fact(float(manuf.loc[last]) / 1e6, f"{what}, {last}, millions", table),
        "ft_newest": fact(growth(table, start, last), f"growth of {what}, {start} to {last}, %", table),
        "ft_before_break": fact(growth(table, start, SERIES_BREAK - 1),
                                f"growth of {what}, {start} to {SERIES_BREAK - 1} (NM_172_1), %", table),
        "ft_after_break": fact(growth(table, SERIES_BREAK, end),
                               f"growth of {what}, {SERIES_BREAK} to {end} (NM_189_1), %", table),
        "ft_all_jump": fact(growth(table, SERIES_BREAK - 1, SERIES_BREAK, "all"),
                            f"growth of full-time employees in all industries, GB, {SERIES_BREAK - 1} to "
                            f"{SERIES_BREAK} (across the series break), %", table),
    }
    emp = bres.totals(inputs)
    e_first, e_last = bres.years(emp)
    e_end = min(end, e_last)
    for name, lo, hi in (("emp_window", e_first, e_end), ("emp_newest", e_first, e_last)):
        value = bres.growth_of(bres.growth(emp, lo, hi), bres.GREAT_BRITAIN[0], "manufacturing")
        out[name] = fact(value, f"growth of SIC 10-33 employment, GB, {lo} to {hi}, %", emp)
    out.update({
        "emp_first": fact(e_first, "first year of the BRES employment data read", emp),
        "emp_window_end": fact(e_end, "last year of C6-1's window in the BRES employment data", emp),
        "emp_last": fact(e_last, "last year of the BRES employment data read", emp),
        "emp_vintage": fact(emp.attrs["vintage_label"], "vintage of the BRES employment data read", emp),
    })
    return out
