"""Full-time employees in manufacturing, Great Britain, 2009 to the latest year, from ONS BRES (claim C6-1).

The source (``bres_gb_fulltime``) gives Great Britain's full-time employees by SIC 2007 subclass (5-digit code) in
the pinned file and by division in a live pull (NM_172_1 and NM_189_1 joined); either code's first two digits are
its division, and manufacturing is divisions 10-33, as in
:mod:`futurecity.topics.bres`. This is a narrower measure than BRES employment (no part-time employees, no working
owners), and the series has a break at 2015: Nomis's NM_172_1 holds 2009-2014 and NM_189_1 2015 onwards, and the
second counts units registered for PAYE only that the first did not, so a growth rate across 2015 mixes the two.

A newer vintage of the same measure (``bres_fulltime_sections``: full-time employees by SIC section for the 40
NUTS2 areas of Great Britain, 2015-2022, published in 2024) reaches a year further. Its Great Britain totals are
the sums of its areas, and they are used only after they are checked against this file over the years both hold
(:func:`agreement`, within :data:`AGREE` per cent each year): the newest window of C6-1 is read from it.
"""

from __future__ import annotations

import pandas as pd

from futurecity.claims.measures import Inputs, measure, require_years
from futurecity.errors import NotCovered
from futurecity.facts import Fact, constant, fact
from futurecity.topics import bres

SOURCE = "bres_gb_fulltime"
SECTIONS = "bres_fulltime_sections"  # the newer vintage, by SIC section (manufacturing = section C, SIC 10-33)
SECTION_C = "Manufacturing"
AGREE = 1.0  # largest difference (%) between the two files' totals, any common year, for the newer to be used
REPORT_YEAR = 2013  # the final report of the German industry 4.0 working group (April 2013)
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


def section_totals(frame: pd.DataFrame) -> pd.DataFrame:
    """Great Britain's full-time employees by year and sector from the file by SIC section and NUTS2 area: the
    sums over the areas of section C ('manufacturing') and of every section ('all'). Same columns as
    :func:`sector_totals`."""
    rows = pd.DataFrame({"year": frame["year"].astype("int64"), "value": frame["value"]})
    manuf = frame["industry_name"].str.strip() == SECTION_C
    if not manuf.any():
        raise ValueError(f"{SECTIONS}: no section named {SECTION_C!r}")
    both = pd.concat([rows[manuf].assign(sector="manufacturing"), rows.assign(sector="all")])
    out = both.groupby(["year", "sector"], as_index=False)["value"].sum()
    out.attrs.update(frame.attrs)
    return out


def sections(inputs: Inputs) -> pd.DataFrame:
    """:func:`section_totals` of the newer file, computed once per inputs."""
    return inputs.derived("fulltime.sections", lambda: section_totals(inputs.frame(SECTIONS)))


def agreement(older: pd.DataFrame, newer: pd.DataFrame) -> pd.DataFrame:
    """The two files' Great Britain totals over the years both hold: year, sector, older, newer and gap (newer
    against older, %)."""
    both = older.merge(newer, on=["year", "sector"], suffixes=("_older", "_newer"))
    both = both.rename(columns={"value_older": "older", "value_newer": "newer"})
    both["gap"] = (both["newer"] / both["older"] - 1) * 100
    return both.sort_values(["sector", "year"]).reset_index(drop=True)


def checked_sections(inputs: Inputs) -> pd.DataFrame:
    """The newer file's totals, once its manufacturing totals are found to agree with the older file's within
    :data:`AGREE` per cent in every year both hold; a ValueError naming the year otherwise."""
    new = sections(inputs)
    gaps = agreement(totals(inputs), new)
    manuf = gaps[gaps["sector"] == "manufacturing"]
    if manuf.empty:
        raise ValueError(f"{SECTIONS} and {SOURCE} share no year: the newer totals cannot be checked")
    worst = manuf.loc[manuf["gap"].abs().idxmax()]
    if abs(worst["gap"]) > AGREE:
        raise ValueError(f"{SECTIONS}: Great Britain's manufacturing total for {int(worst['year'])} differs from "
                         f"{SOURCE}'s by {worst['gap']:+.2f}%, more than {AGREE}%: it is not the same measure")
    return new


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


def _sections_note(inputs: Inputs) -> str:
    return (f" Full-time employees by SIC section, the sums of Great Britain's NUTS2 areas, checked against the "
            f"file by SIC subclass over the years both hold; all from NM_189_1, with no series break.")


@measure("bres_fulltime_section_growth", sources=(SECTIONS,), note=_sections_note,
         supersedes="bres_fulltime_growth")
def measure_section_growth(inputs: Inputs, p: dict, start: int, end: int) -> float:
    """Growth (%) of Great Britain's full-time employees in ``p['sector']`` on the newer file by section (used
    once it agrees with the older file)."""
    table = checked_sections(inputs)
    try:
        return growth(table, start, end, p["sector"])
    except NotCovered as exc:  # name the newer file, not the older one growth() checks by default
        raise NotCovered(SECTIONS, exc.first, exc.last, start, end) from None


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
        "c61_start": constant(start, "first year of C6-1's window (industry 4.0 launched at the Hannover Messe)"),
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
    # the eight years from the working group's final report (2013), on the same file: they cross the break too
    report_end = REPORT_YEAR + (end - start)
    out.update({
        "c61_report": constant(REPORT_YEAR, "year of the final report of the German industry 4.0 working group"),
        "c61_report_end": constant(report_end, f"{end - start} years after the final report"),
        "ft_report_window": fact(growth(table, REPORT_YEAR, report_end),
                                 f"growth of {what}, {REPORT_YEAR} to {report_end}, %", table),
        "ft_report_start_count": fact(float(manuf.loc[REPORT_YEAR]) / 1e6, f"{what}, {REPORT_YEAR}, millions",
                                      table),
        "ft_report_end_count": fact(float(manuf.loc[report_end]) / 1e6, f"{what}, {report_end}, millions", table),
    })
    out.update(section_facts(inputs))
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


def section_facts(inputs: Inputs) -> dict[str, Fact]:
    """The newer file by SIC section: its years and release, the largest gap between its manufacturing totals and
    the older file's over the years both hold (and those years), and the growth from its first year to its last
    (all within NM_189_1: no series break), with the count in its last year."""
    new = checked_sections(inputs)
    gaps = agreement(totals(inputs), new)
    manuf_gap = gaps[gaps["sector"] == "manufacturing"]
    first, last = int(new["year"].min()), int(new["year"].max())
    manuf = new[new["sector"] == "manufacturing"].set_index("year")["value"]
    both = (totals(inputs), new)
    what = "full-time employees in SIC section C (SIC 10-33), GB, sum of NUTS2 areas"
    return {
        "ft_sec_vintage": fact(new.attrs["vintage_label"], "vintage of the BRES full-time file by section", new),
        "ft_sec_first": fact(first, "first year of the BRES full-time file by section", new),
        "ft_sec_last": fact(last, "last year of the BRES full-time file by section", new),
        "ft_sec_common_last": fact(int(manuf_gap["year"].max()), "last year both full-time files hold", *both),
        "ft_sec_gap": fact(float(manuf_gap["gap"].abs().max()),
                           "largest difference between the two full-time files' GB manufacturing totals in a year "
                           "both hold, % of the older", *both),
        "ft_sec_newest": fact(growth(new, first, last), f"growth of {what}, {first} to {last}, %", new),
        "ft_sec_last_count": fact(float(manuf.loc[last]) / 1e6, f"{what}, {last}, millions", new),
    }
