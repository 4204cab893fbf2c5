"""Parity of the trade chart (C4-3) with plain pandas over every setting of its start-year slider.

The chart is run headlessly under node (``tests/vega_eval.py``), as a reader's browser runs it, once for every
start year the slider allows; each country's count of years in deficit, C4-3's badge (value and verdict), the
Bank of England's count and every dot (value, whether its year is counted) are compared with the oracles of
``tests/oracles.py``, which read the pinned files with pandas and the csv module and share no code with the
package. The pandas twin shown with ipywidgets is held against the same oracles.
"""

from __future__ import annotations

import re

import pytest

import oracles
from futurecity.claims import ledger
from futurecity.claims.measures import Inputs
from futurecity.topics import trade
from futurecity.viz import badges
from page_controls import MODES, over_modes
from test_browser import browser, server  # noqa: F401 (fixtures of the "page" mode)
from vega_eval import marks

COUNT = re.compile(r"^(?:(UK|US): )?(\d+) of (\d+) years? in deficit \((\d+)%\)(?:\n(\d{4})(?:\u2013(\d{4}))?)?$")  # years on a line of their own
LABEL = {"GBR": "UK", "USA": "US"}


def _mark(found: dict, name: str) -> list[dict]:
    hits = [k for k in found if re.fullmatch(rf"{re.escape(name)}(_\d+)?_marks", k)]
    assert len(hits) == 1, f"expected one mark {name}[_<i>]_marks among {sorted(found)}"
    return found[hits[0]]


def _parsed(text: str) -> tuple:
    """(label, deficits, years, per cent, first, last) of a count line (first and last None when it names no
    years: the UK and US lines, whose years the badge states)."""
    m = COUNT.match(text.replace("\u2212", "-"))
    assert m, f"unexpected count text {text!r}"
    label, deficits, years, pct, first, last = m.groups()
    return (label, int(deficits), int(years), int(pct), None if first is None else int(first),
            None if first is None else int(last or first))


def _expected(series, start: int, end: int) -> tuple[int, int, int, int]:
    """(deficits, years, first, last) counted from start to end, from the oracle."""
    years, deficits = oracles.deficit_years(series, start, end)
    inside = [y for y in series.index if start <= y <= end]
    return deficits, years, min(inside), max(inside)


class Problems(list):
    def equal(self, got, want, where):
        if got != want:
            self.append(f"{where}: browser {got!r}, expected {want!r}")

    def check(self):
        assert not self, f"{len(self)} mismatches\n" + "\n".join(self[:40])


def _check_line(problems: Problems, text: str, label, series, start: int, end: int, where: str) -> None:
    got_label, deficits, years, pct, first, last = _parsed(text)
    want = _expected(series, start, end)
    problems.equal(got_label, label, where)
    problems.equal((deficits, years), want[:2], where)
    if first is not None:
        problems.equal((first, last), want[2:], where + ", years named")
    if abs(pct - 100 * want[0] / want[1]) > 0.5 + 1e-9:
        problems.append(f"{where}: {pct}% shown for {want[0]} of {want[1]}")


@pytest.fixture(scope="module", params=MODES)
def grid(request):
    """Every start year, on a fresh view each, on ONE live view moved through them all and back, and on the page
    by its slider (page_controls.MODES)."""
    first, end = oracles.trade_first_common_year(), oracles.trade_last_common_year()
    spec = trade.trade_figure(Inputs()).to_dict()
    settings, found = over_modes(request, spec, {"trade_start": list(range(first, end + 1))}, "04-city-value")
    return [s["trade_start"] for s in settings], end, found


def test_counts_and_badge_over_every_start_year(grid):
    starts, end, found = grid
    wdi = {code: oracles.wdi_country_series(code) for code in LABEL}
    boe = oracles.boe_trade_balance_pct()
    problems = Problems()
    for start, got in zip(starts, found, strict=True):
        where = f"start {start}"
        counts = sorted(_mark(got, "trade_counts"), key=lambda d: d["__text"])
        problems.equal(len(counts), 2, where + ", count lines")
        for item, code in zip(counts, LABEL, strict=False):
            _check_line(problems, item["__text"], LABEL[code], wdi[code], start, end, f"{where}, {code}")
        [badge] = _mark(got, "claim_C4_3_badge")
        want = oracles.trade_min_deficit_share(start, end)
        if badge["badge_value"] != pytest.approx(want, abs=1e-12):
            problems.append(f"{where}: badge value {badge['badge_value']!r}, pandas {want!r}")
        verdict = ("reproduced" if want > 0.5 else "differs") if start == 1980 else badges.ANOTHER_WINDOW
        problems.equal(badge["verdict"], verdict, where + ", verdict")
        boe_lines = [d["__text"] for d in _mark(got, "boe_counts")]
        none = [d["__text"] for d in _mark(got, "boe_none")]
        if start <= boe.index.max():
            problems.equal(len(boe_lines), 1, where + ", BoE count")
            if boe_lines:
                _check_line(problems, boe_lines[0], None, boe, start, int(boe.index.max()), where + ", BoE")
                problems.equal(_parsed(boe_lines[0])[4] is not None, True, where + ", BoE years named")
            problems.equal(none, [], where + ", BoE message")
        else:
            problems.equal((boe_lines, len(none)), ([], 1), where + ", BoE message")
    problems.check()


def test_every_dot_is_the_files_value_and_faded_outside_the_years_counted(grid):
    starts, end, found = grid
    wdi = {LABEL[code]: oracles.wdi_country_series(code) for code in LABEL}
    boe = oracles.boe_trade_balance_pct()
    problems = Problems()
    for start, got in list(zip(starts, found, strict=True))[:: max(1, len(starts) // 8)] + [(starts[-1], found[-1])]:
        dots = _mark(got, "trade_dots")
        problems.equal(sorted((d["series"], d["year"]) for d in dots),
                       sorted((s, int(y)) for s, v in wdi.items() for y in v.index), f"start {start}, dots")
        for d in dots:
            want = wdi[d["series"]][d["year"]]
            if d["value"] != pytest.approx(want, rel=1e-12):
                problems.append(f"start {start}: {d['series']} {d['year']} = {d['value']}, file {want}")
            problems.equal(d["counted"], int(start <= d["year"] <= end), f"start {start}, {d['series']} {d['year']}")
        long = _mark(got, "boe_dots")
        problems.equal(sorted(d["year"] for d in long), sorted(int(y) for y in boe.index), f"start {start}, BoE")
        for d in long:
            if d["value"] != pytest.approx(boe[d["year"]], abs=1e-12):
                problems.append(f"start {start}: BoE {d['year']} = {d['value']}, file {boe[d['year']]}")
            problems.equal(d["counted"], int(start <= d["year"] <= boe.index.max()), f"start {start}, BoE")
    problems.check()


def test_the_band_spans_the_years_counted(grid):
    starts, end, found = grid
    boe_last = int(oracles.boe_trade_balance_pct().index.max())
    problems = Problems()
    for start, got in zip(starts, found, strict=True):
        [band] = _mark(got, "trade_band")
        problems.equal((band["x1"], band["x2"]), (start - 0.5, end + 0.5), f"start {start}, band")
        [long] = _mark(got, "boe_band")
        problems.equal((long["x1"], long["x2"]), (start - 0.5, boe_last + 0.5), f"start {start}, BoE band")
    problems.check()


@pytest.mark.parametrize("start", [1970, 1980, 1999, 2016, 2017])
def test_the_pandas_twin_counts_the_same(start):
    """The chart drawn with ipywidgets (computed in pandas) states the oracle's counts."""
    found = trade.series(Inputs())
    spec = trade.trade_view(found, start).to_dict()
    datasets = spec["datasets"]
    texts = [row["text"] for rows in datasets.values() for row in rows if "text" in row]
    end = oracles.trade_last_common_year()
    problems = Problems()
    for code in LABEL:
        [line] = [t for t in texts if t.startswith(LABEL[code] + ":")]
        _check_line(problems, line, LABEL[code], oracles.wdi_country_series(code), start, end, f"twin {code}")
    boe = oracles.boe_trade_balance_pct()
    [line] = [t for t in texts if not t.startswith(("UK:", "US:"))]
    if start <= boe.index.max():
        _check_line(problems, line, None, boe, start, int(boe.index.max()), "twin BoE")
    else:
        problems.equal(line, f"No year counted: the series ends in {int(boe.index.max())}.", "twin BoE")
    problems.check()


def test_the_badge_verdict_follows_the_rule_it_is_given():
    """The badge judges with the claim's own rule: a threshold just above the value gives 'differs'."""
    found = trade.series(Inputs())
    end = oracles.trade_last_common_year()
    value = oracles.trade_min_deficit_share(1980, end)
    claim = {**ledger.definition("C4-3"), "window": {"start": 1980, "end": end},
             "rule": {"kind": "greater_than", "threshold": round(value + 0.01, 4)}}
    spec = trade.trade_chart(found, trade.start_control({c: found[c] for c in LABEL}), claim).to_dict()
    [got] = marks(spec, [{"trade_start": 1980}], timeout=120)
    [badge] = _mark(got, "claim_C4_3_badge")
    assert badge["verdict"] == "differs"
