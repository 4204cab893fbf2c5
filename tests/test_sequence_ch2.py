"""Chapter 2's charts and the long-run chart of chapters 1 and 4 with their controls moved one after another on ONE
live view, as a reader moves them, and every badge, label and plotted value compared with the independent
computations of ``tests/oracles.py`` after every step:

- in Node (``tests/vega_eval.py``: ``view.signal(name, v)`` then ``await view.runAsync()``), each control back
  and forth across its range, ends included, combined with every setting of the others (``reader_path``);
- in Chromium, through the page's own inputs (range inputs, radios, selects), reading the drawn view's marks
  (``el.__view``, set by ``_static/futurecity-charts.js``).

The same check serves both: it takes the setting the controls are at and the marks drawn, and lists every
difference from the oracles.
"""

from __future__ import annotations

import re

import pytest

import oracles
from futurecity.claims import ledger
from futurecity.claims.measures import Inputs
from futurecity.topics import automation, longrun, manufacturing
from futurecity.viz import status
from test_industry40_parity import _expected_lines, plain
from test_browser import HTML, Visit, _url, browser, server, wait_fitted  # noqa: F401 (fixtures)
from vega_eval import moved, reader_path

THRESHOLDS = [round(0.05 * k, 2) for k in range(1, 20)]
CODES = ("GBR", "USA", "DEU", "JPN", "CHN")


def named(found: dict, name: str) -> list[dict]:
    """The items of the mark ``name`` (``<name>_marks`` or, inside a concat, ``<name>_<i>_marks``)."""
    hits = [k for k in found if re.fullmatch(rf"{re.escape(name)}(_\d+)?_marks", k)]
    assert len(hits) <= 1, f"expected one mark {name}[_<i>]_marks among {sorted(found)}"
    # a mark with no item is absent from the page's walk (the checks then compare an empty list with the oracle's)
    return found[hits[0]] if hits else []


class Problems(list):
    def equal(self, got, want, where):
        if got != want:
            self.append(f"{where}: drawn {got!r}, expected {want!r}")

    def close(self, got, want, where, abs=1e-9):
        if got is None or want is None or got != pytest.approx(want, abs=abs):
            self.append(f"{where}: drawn {got!r}, oracle {want!r}")

    def check(self, what: str):
        assert not self, f"{what}: {len(self)} mismatches\n" + "\n".join(self[:40])


def states(defaults: dict, steps: list[dict]) -> list[dict]:
    """The setting of every control after each step (a step names only the controls it moves)."""
    out, state = [], dict(defaults)
    for step in steps:
        state = {**state, **step}
        out.append(dict(state))
    return out


# --- the checks: one setting, the marks drawn, every difference from the oracles -----------------------------------

def check_automation(setting: dict, got: dict, problems: Problems) -> None:
    t, group, where = setting[automation.THRESHOLD], setting[automation.GROUP], str(setting)
    rows = oracles.frey_osborne_rows()
    want = oracles.frey_osborne_share_above(t)
    claim = ledger.definition("C2-1")
    [badge] = named(got, "claim_C2_1_badge")
    problems.close(badge["value"], want, where + " badge value")
    verdict = (("reproduced" if abs(want - claim["paper_value"]) <= claim["rule"]["tolerance"] else "differs")
               if t == 0.7 else status.OFF_THRESHOLD)
    problems.equal(badge["verdict"], verdict, where + " verdict")
    # the paper's value as the ledger writes it (47, no false ".0"), then the book's test with its tolerance
    problems.equal(plain(badge["__text"]), f"paper {claim['paper_value']}% \u00b7 here {want:.1f}% \u00b7 test: "
                   f"within \u00b1{claim['rule']['tolerance']} points", where + " badge text")
    [pill] = named(got, "claim_C2_1_badge_status")
    problems.equal(pill["__text"].endswith(verdict), True, f"{where} status pill {pill['__text']!r}")
    [summary] = named(got, "auto_summary")
    problems.equal(plain(summary["__text"]).split("\n")[0], f"Above {t:.2f}: {want:.1f}% of US jobs,", where)
    n_above = sum(1 for r in rows if r["p"] > t)
    problems.equal(f" in {n_above} of {len(rows)}" in summary["__text"], True, where + " occupations above")
    # the histogram: each bar holds the jobs of its bin on its side of the threshold, stacked from zero
    bins = named(got, "auto_bins")
    by_bin: dict[float, dict[str, dict]] = {}
    for b in bins:
        by_bin.setdefault(round(b["bin0"], 6), {})[b["role"]] = b
    for lo, parts in by_bin.items():
        below = parts.get(automation.BELOW)
        for role, b in parts.items():
            inside = [r for r in rows if (lo - 1e-9 <= r["p"] < lo + 0.05 - 1e-9 or (lo >= 0.95 - 1e-9 and r["p"] >= lo))
                      and (r["p"] > t) == (role == automation.ABOVE)]
            jobs = sum(r["jobs"] for r in inside) / 1e6
            problems.close(b["top"] - b["base"], jobs, f"{where} bin {lo:.2f} {role} height", abs=1e-6)
            base = 0 if role == automation.BELOW or below is None else below["top"]
            problems.close(b["base"], base, f"{where} bin {lo:.2f} {role} base", abs=1e-9)
    for role, side in ((automation.ABOVE, lambda p: p > t), (automation.BELOW, lambda p: p <= t)):
        total = sum(b["top"] - b["base"] for b in bins if b["role"] == role)
        problems.close(total, sum(r["jobs"] for r in rows if side(r["p"])) / 1e6, f"{where} jobs {role}", abs=1e-6)
    [rule] = named(got, "auto_rule")
    problems.close(rule["t"], t, where + " rule")
    # the groups: each one's share above the threshold, and its label
    shares = oracles.frey_osborne_group_shares(t, group)
    bars = {b["group"]: b["share"] for b in named(got, "auto_groups")}
    problems.equal(sorted(bars), sorted(shares), where + " groups")
    for name, value in shares.items():
        problems.close(bars.get(name), value, f"{where} {name}")
    for label in named(got, "auto_group_labels"):
        problems.close(label["share"], shares.get(label["group"]), f"{where} label of {label['group']}")
        problems.equal(label["__text"], f"{label['share']:.0f}", f"{where} label text of {label['group']}")


def _last_in_period(code: str, which: str, lo: int, hi: int) -> tuple[int, float] | None:
    values = {int(y): v for y, v in oracles.wdi_share(which, code).items() if lo <= y <= hi}
    return (max(values), values[max(values)]) if values else None


def check_manufacturing(setting: dict, got: dict, problems: Problems) -> None:
    country, where = setting[manufacturing.COUNTRY], str(setting)
    lo, hi = sorted((int(setting[manufacturing.FROM]), int(setting[manufacturing.TO])))
    lines = [plain(d["__text"]) for d in sorted(named(got, "mfg_reshoring"), key=lambda d: d["ypix"])]
    problems.equal(lines, _expected_lines(country, lo, hi), where + " reshoring lines")
    [head] = named(got, "mfg_head")
    problems.equal(head["__text"].split("\n")[0], f"Manufacturing, % of GDP, {lo}\u2013{hi}:", where + " head")
    chosen = [c for c in CODES if country in (manufacturing.ALL, c)]
    for name, which in (("mfg", "manufacturing"), ("ind", "industry_jobs")):
        dots = {(d["code"], int(d["year"])): d["value"] for d in named(got, f"{name}_dots")}
        want = {(c, int(y)): v for c in chosen for y, v in oracles.wdi_share(which, c).items() if lo <= y <= hi}
        problems.equal(sorted(dots), sorted(want), f"{where} {name} points")
        for key, value in want.items():
            problems.close(dots.get(key), value, f"{where} {name} {key}", abs=1e-12)
        # each line named at the right edge, level with its last value, no two labels overlapping
        ends = named(got, f"{name}_ends")
        lasts = {c: _last_in_period(c, which, lo, hi) for c in chosen}
        lasts = {c: v for c, v in lasts.items() if v is not None}
        problems.equal(sorted(e["code"] for e in ends), sorted(lasts), f"{where} {name} labels")
        right = max((y for y, _ in lasts.values()), default=None)
        for e in ends:
            if e["code"] not in lasts:
                continue
            year, value = lasts[e["code"]]
            problems.equal((int(e["year"]), e["__text"], e["year_hi"]),
                           (year, manufacturing.COUNTRIES[e["code"]], right), f"{where} {name} label {e['code']}")
            problems.close(e["value"], value, f"{where} {name} label {e['code']} value", abs=1e-12)
        ys = sorted(e["label_y"] for e in ends)
        if any(b - a < manufacturing.LABEL_GAP - 1e-6 for a, b in zip(ys, ys[1:])) or (ys and ys[0] < -1e-6):
            problems.append(f"{where} {name}: labels overlap or leave the panel's top: {ys}")
        # a panel with no value in the years chosen says so, naming where its series start or end
        # (a mark with no item is absent from the page's walk: no message)
        kind = {'mfg': 'output', 'ind': 'jobs'}[name]
        none = [i for k, items in got.items() if re.fullmatch(rf"{kind}_none(_\d+)?_marks", k) for i in items]
        if want:
            problems.equal(none, [], f"{where} {name}: a 'no value' message beside {len(want)} points")
        else:
            years = [y for c in chosen for y in oracles.wdi_share(which, c).index]
            edge = f"start in {min(years)}" if hi < min(years) else f"end in {max(years)}"
            span = str(lo) if lo == hi else f"{lo}\u2013{hi}"
            text = " ".join(none[0]["__text"].split()) if len(none) == 1 else ""
            if not (span in text and edge in text):
                problems.append(f"{where} {name}: no points, and the message {none!r} does not say {span!r} "
                                f"and {edge!r}")
    # both panels share one year axis (the sliders'): a year sits at the same place in each (Chromium: pixels)
    xs = {}
    for name in ("mfg", "ind"):
        for d in named(got, f"{name}_dots"):
            if "__x" in d:
                xs.setdefault(int(d["year"]), {})[name] = d["__x"]
    for year, at in xs.items():
        if len(at) == 2 and abs(at["mfg"] - at["ind"]) > 0.5:
            problems.append(f"{where}: {year} is at x={at['mfg']:.1f} in the GDP panel, {at['ind']:.1f} in the jobs "
                            "panel")


def check_longrun(setting: dict, got: dict, problems: Problems) -> None:
    start, n, where = int(setting["start_year"]), int(setting["smoothing"]), str(setting)
    measure = setting.get("longrun_measure")
    jobs = measure == "jobs"
    field = "value" if measure is None else "shown"
    sources = ((longrun.UK_SERIES, oracles.owid_industry_jobs() if jobs else oracles.owid_industry_share()),
               (longrun.US_SERIES, oracles.us_manufacturing_jobs() if jobs else oracles.us_manufacturing_share()))
    want = {}
    for series, values in sources:
        want.update({(series, int(y)): float(v) for y, v in oracles.trailing_mean(values, n).items() if y >= start})
    for name in ("longrun_line", "longrun_dots"):
        shown = {(i["series"], int(i["year"])): i[field] for i in named(got, name)}
        problems.equal(sorted(shown), sorted(want), f"{where} {name} (series, year)")
        for key in set(shown) & set(want):
            problems.close(shown[key], want[key], f"{where} {name} {key[0][:2]} {key[1]}", abs=1e-9)
    ends = {e["series"]: e for e in named(got, "longrun_ends")}
    last = {s: max(y for (t, y) in want if t == s) for s, _ in sources if any(t == s for t, _ in want)}
    problems.equal(sorted(ends), sorted(last), where + " end labels")
    for series, year in last.items():
        e = ends.get(series)
        if e is None:
            continue
        problems.equal((int(e["year"]), e["__text"]), (year, longrun.SHORT[series]), f"{where} end label {series[:2]}")
        problems.close(e[field], want[(series, year)], f"{where} end label {series[:2]} value")
    if measure is not None:
        problems.equal([u["__text"] for u in named(got, "longrun_unit")], [longrun.UNITS[measure]], where + " unit")
    texts = [i.get("__text") or "" for items in got.values() for i in items]
    if jobs and any("% of employment" in t or "%" in t for t in texts):
        problems.append(f"{where}: a text in jobs mode speaks of per cent: {[t for t in texts if '%' in t]}")


# --- the charts ----------------------------------------------------------------------------------------------------

def automation_spec() -> tuple[dict, dict]:
    threshold, group = automation.controls()
    return automation.automation_figure(Inputs()).to_dict(), {threshold.name: threshold.value, group.name: group.value}


def manufacturing_spec() -> tuple[dict, dict]:
    found = manufacturing.series(Inputs())
    return (manufacturing.manufacturing_figure(Inputs()).to_dict(),
            {c.name: c.value for c in manufacturing.controls(found)})


def longrun_spec(chapter: int) -> tuple[dict, dict]:
    if chapter == 1:
        from futurecity.chapters import introduction
        ch = introduction.open()
        return ch.longrun_figure().to_dict(), {c.name: c.value for c in ch.controls}
    from futurecity.chapters import city_value
    ch = city_value.open()
    return ch.longrun_figure().to_dict(), {c.name: c.value for c in ch.controls}


def _walk_moved(spec: dict, defaults: dict, grid: dict, check, what: str) -> None:
    steps = [{}, *reader_path(grid)]  # the view as it opens, then the reader's path
    problems = Problems()
    for setting, got in zip(states(defaults, steps), moved(spec, steps, timeout=300), strict=True):
        check(setting, got, problems)
    problems.check(what)


def test_automation_moved_on_one_view():
    spec, defaults = automation_spec()
    # the grouping outside, so the threshold runs back and forth over its whole range under each grouping
    grid = {automation.GROUP: list(automation.GROUPS), automation.THRESHOLD: THRESHOLDS}
    _walk_moved(spec, defaults, grid, check_automation, "automation chart moved")


def test_manufacturing_moved_on_one_view():
    spec, defaults = manufacturing_spec()
    first, last = defaults[manufacturing.FROM], defaults[manufacturing.TO]
    # 2018: after the last year of the share of GDP (2017), before the last of the jobs (2019)
    grid = {manufacturing.COUNTRY: [manufacturing.ALL, "GBR", "CHN"], manufacturing.FROM: [first, 2000, 2018, last],
            manufacturing.TO: [last, 2005, first]}
    _walk_moved(spec, defaults, grid, check_manufacturing, "manufacturing chart moved")


@pytest.mark.parametrize("chapter", [1, 4])
def test_longrun_moved_on_one_view(chapter):
    spec, defaults = longrun_spec(chapter)
    grid = {"smoothing": [1, 5, longrun.MAX_SMOOTHING]}
    if chapter == 4:
        grid = {"longrun_measure": list(longrun.MEASURES), **grid}
    params = {p["name"]: p for p in spec["params"]}
    grid["start_year"] = [params["start_year"]["bind"]["min"], 1900, 1975, params["start_year"]["bind"]["max"]]
    _walk_moved(spec, defaults, grid, check_longrun, f"long-run chart of chapter {chapter} moved")


def test_the_checks_catch_a_wrong_value():
    """The checks can fail: a badge, a bar, a label and a dot moved off the oracle's value are reported."""
    spec, defaults = automation_spec()
    [got] = moved(spec, [{}])
    named(got, "auto_groups")[0]["share"] += 1
    named(got, "auto_bins")[0]["top"] += 0.5
    problems = Problems()
    check_automation(defaults, got, problems)
    assert len(problems) >= 2 and any("auto" in p or "bin" in p or "No formal" in p for p in problems)
    spec, defaults = manufacturing_spec()
    [got] = moved(spec, [{}])
    named(got, "ind_ends")[0]["label_y"] = named(got, "ind_ends")[1]["label_y"]
    problems = Problems()
    check_manufacturing(defaults, got, problems)
    assert any("overlap" in p for p in problems), problems


# --- in Chromium, through the page's own inputs ---------------------------------------------------------------------

# Every named mark of the drawn view (groups left out): mark name -> items, each the datum's plain fields, the drawn
# text of a text item (``__text``) and its position (``__x``, ``__y``).
DRAWN_JS = """(el) => {
  const out = {};
  function walk(node) {
    if (!node || typeof node !== 'object') return;
    if (node.marktype) {
      for (const item of node.items || []) {
        if (node.name && node.marktype !== 'group') {
          const row = {}, d = item.datum || {};
          for (const k of Object.keys(d)) {
            const v = d[k];
            if (v === null || ['number', 'string', 'boolean'].includes(typeof v)) row[k] = v;
          }
          if (node.marktype === 'text') {
            const t = item.text;
            row.__text = Array.isArray(t) ? t.join(' ') : (t === undefined || t === null ? null : String(t));
          }
          row.__x = item.x; row.__y = item.y;
          (out[node.name] = out[node.name] || []).push(row);
        }
        walk(item);
      }
    } else if (Array.isArray(node.items)) node.items.forEach(walk);
  }
  walk(el.__view.scenegraph().root);
  return out;
}"""

# Set one control through its input as a reader does (a range input's value, a radio's click, a select's option),
# then wait for the view to run; returns the signal's value after it.
SET_JS = """async (fig, [name, value]) => {
  const el = fig.querySelector('.fc-chart');
  const inputs = Array.from(fig.querySelectorAll(`.vega-bindings [name='${name}']`));
  if (!inputs.length) throw new Error('no input named ' + name);
  const input = inputs.find(i => i.type !== 'radio' || i.value === String(value));
  if (input.type === 'radio') input.click();
  else {
    input.value = String(value);
    input.dispatchEvent(new Event('input', {bubbles: true}));
    input.dispatchEvent(new Event('change', {bubbles: true}));
  }
  await el.__view.runAsync();
  return el.__view.signal(name);
}"""


def _drive(browser, server, page: str, has_input: str, steps: list[dict], defaults: dict, check, what: str,
           extra=None) -> None:
    visit = Visit(browser, _url(server, HTML / "chapters" / page))
    try:
        wait_fitted(visit.page)
        fig = visit.page.locator("figure.fc-figure").filter(
            has=visit.page.locator(f".vega-bindings [name='{has_input}']")).first
        chart = fig.locator(".fc-chart")
        problems = Problems()
        drawn = []
        for setting, step in zip(states(defaults, steps), steps, strict=True):
            for name, value in step.items():
                now = fig.evaluate(SET_JS, [name, value])
                problems.equal(now, value, f"{setting}: the input of {name} set the signal to")
            got = chart.evaluate(DRAWN_JS)
            check(setting, got, problems)
            if extra is not None:
                extra(setting, got, chart, problems)
            drawn.append(got)
        problems.check(what)
        assert visit.errors == [], f"console errors: {visit.errors}"
    finally:
        visit.close()


@pytest.mark.browser
def test_automation_through_the_pages_inputs(browser, server):  # noqa: F811
    _, defaults = automation_spec()
    steps = [{}, {automation.THRESHOLD: 0.95}, {automation.GROUP: "wage"}, {automation.THRESHOLD: 0.05},
             {automation.THRESHOLD: 0.7}, {automation.GROUP: "education"}, {automation.THRESHOLD: 0.35},
             {automation.GROUP: "wage"}, {automation.THRESHOLD: 0.7}]
    heights = {}

    def same_height(setting, got, chart, problems):
        # one height for either grouping: switching leaves no blank band under the bars
        heights.setdefault(setting[automation.GROUP], set()).add(
            round(chart.evaluate("el => el.querySelector('svg').getBoundingClientRect().height")))

    _drive(browser, server, "02-industry-40.html", automation.THRESHOLD, steps, defaults, check_automation,
           "automation chart in Chromium", extra=same_height)
    assert len(set().union(*heights.values())) == 1, f"the chart's height changes with the grouping: {heights}"


@pytest.mark.browser
def test_manufacturing_through_the_pages_inputs(browser, server):  # noqa: F811
    _, defaults = manufacturing_spec()
    first, last = defaults[manufacturing.FROM], defaults[manufacturing.TO]
    steps = [{}, {manufacturing.TO: 2005}, {manufacturing.FROM: last}, {manufacturing.COUNTRY: "JPN"},
             {manufacturing.TO: first}, {manufacturing.COUNTRY: manufacturing.ALL}, {manufacturing.FROM: 2000},
             {manufacturing.TO: last}, {manufacturing.FROM: 2018}, {manufacturing.COUNTRY: "USA"},
             {manufacturing.FROM: last}, {manufacturing.COUNTRY: manufacturing.ALL}, {manufacturing.FROM: first}]
    _drive(browser, server, "02-industry-40.html", manufacturing.COUNTRY, steps, defaults, check_manufacturing,
           "manufacturing chart in Chromium")


def _ends_apart(setting, got, chart, problems):
    """The two end labels do not overlap where they are drawn (pixels of the drawn view)."""
    ends = named(got, "longrun_ends")
    if len(ends) == 2:
        a, b = ends
        if abs(a["__y"] - b["__y"]) < 14 and abs(a["__x"] - b["__x"]) < 120:
            problems.append(f"{setting}: the end labels overlap: {[(e['__text'], e['__x'], e['__y']) for e in ends]}")


@pytest.mark.browser
@pytest.mark.parametrize("chapter, page", [(1, "01-introduction.html"), (4, "04-city-value.html")])
def test_longrun_through_the_pages_inputs(browser, server, chapter, page):  # noqa: F811
    spec, defaults = longrun_spec(chapter)
    bind = {p["name"]: p["bind"] for p in spec["params"] if "bind" in p}
    lo, hi = bind["start_year"]["min"], bind["start_year"]["max"]
    steps = [{}, {"smoothing": longrun.MAX_SMOOTHING}, {"start_year": hi}, {"smoothing": 1}, {"start_year": 1975},
             {"smoothing": 5}, {"start_year": lo}]
    if chapter == 4:
        steps += [{"longrun_measure": "jobs"}, {"start_year": hi}, {"smoothing": longrun.MAX_SMOOTHING},
                  {"start_year": 1900}, {"longrun_measure": "share"}, {"smoothing": 1}, {"longrun_measure": "jobs"}]
    _drive(browser, server, page, "smoothing", steps, defaults, check_longrun,
           f"long-run chart of chapter {chapter} in Chromium", extra=_ends_apart)
