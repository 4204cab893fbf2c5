"""Chapter 3's data: the evidence table against both pinned files, the platform table against the Forbes and
Fortune files, the topic's aggregations against the plain-pandas oracles, and the browser's top-N shares (run
under node, ``tests/vega_eval.py``) against pandas over every setting of the slider."""

from __future__ import annotations

import re

import pytest

import oracles
from futurecity.claims.measures import Inputs
from futurecity.topics import platforms
from vega_eval import marks

US = "United States"


def _norm(name: str) -> str:
    """The test's own name key: capitals, letters and digits only, common company words dropped."""
    stop = {"INC", "CORP", "CORPORATION", "CO", "COS", "COMPANY", "GROUP", "HOLDINGS", "THE", "AND", "PLC"}
    words = re.sub(r"[^A-Z0-9 ]", " ", name.upper().replace("&", " AND ")).split()
    return " ".join(w for w in words if w not in stop)


@pytest.fixture(scope="module")
def inputs():
    return Inputs()


def test_the_evidence_table_lists_exactly_the_firms_within_the_sliders_reach():
    ev = oracles.evidence_rows()
    top = oracles.forbes_largest(platforms.N_MAX)
    assert sorted(ev["firm"]) == sorted(top["Organization Name"])
    forbes = top.set_index("Organization Name")["Country"]
    for row in ev.itertuples():
        assert row.forbes_country == forbes[row.firm], row.firm


def test_every_settled_country_is_proven_by_a_fortune500_row_with_a_us_address():
    ev = oracles.evidence_rows()
    f500 = oracles.fortune500_2017().set_index("RANK")
    settled = ev[ev["country"] != ""]
    assert set(settled["country"]) == {US}
    for row in settled.itertuples():
        found = f500.loc[int(row.f500_rank)]
        assert found["NAME"] == row.f500_name, row.firm
        assert re.fullmatch(r"[A-Z]{2}", found["STATE"]) and found["ZIP"], row.firm
        if row.match == "same name":
            assert _norm(row.firm) == _norm(row.f500_name), row.firm
        else:
            assert row.match.startswith("other name: "), row.firm
    unsettled = ev[ev["country"] == ""]
    assert (unsettled[["f500_rank", "f500_name"]] == "").all().all()


def test_no_unsettled_firm_has_a_fortune500_row_of_its_own_name():
    ev = oracles.evidence_rows()
    keys = {_norm(n) for n in oracles.fortune500_2017()["NAME"]}
    missed = [f for f in ev.loc[ev["country"] == "", "firm"] if _norm(f) in keys]
    assert not missed, missed


def test_the_known_wrong_countries_are_corrected(inputs):
    table = platforms.firms(inputs)
    corrected = set(table.loc[table["corrected"], "firm"])
    assert {"The Home Depot", "Nike", "Boeing", "General Electric"} <= corrected
    assert set(table.loc[table["corrected"], "forbes_country"]) == {"Canada"}


def test_the_platform_table_names_real_firms_and_fortune500_rows():
    plat = oracles.platform_rows()
    assert set(plat["firm"]) <= set(oracles.forbes_2022()["Organization Name"])
    assert set(plat["platform"]) == {"yes", "no"} and plat["reason"].str.len().min() > 20
    names = set(oracles.fortune500_2017()["NAME"])
    assert set(plat.loc[plat["f500_name"] != "", "f500_name"]) <= names
    named = {"Alphabet", "Amazon", "Microsoft", "Apple", "Meta Platforms"}
    assert named <= set(plat.loc[plat["platform"] == "yes", "firm"])
    ev = oracles.evidence_rows().set_index("firm")
    for row in plat.itertuples():  # where both tables link a firm to the Fortune 500, they agree
        if row.firm in ev.index and row.f500_name:
            assert ev.loc[row.firm, "f500_name"] == row.f500_name, row.firm


@pytest.mark.parametrize("n", [10, 50, 100, 150])
def test_top_n_shares_match_the_oracle(inputs, n):
    got = platforms.top_share(platforms.firms(inputs), n)
    want = oracles.top_n_shares(n)
    assert got["us_share"] == pytest.approx(want["us_share"], abs=1e-9)
    assert got["platform_share"] == pytest.approx(want["platform_share"], abs=1e-9)
    assert got["flagged_n"] == want["flagged_n"]
    assert got["total"] == pytest.approx(want["total"], rel=1e-12)


def test_state_revenue_and_west_coast_share_match_the_oracle(inputs):
    hq = platforms.headquarters(inputs)
    states = platforms.state_revenue(hq).set_index("state")["revenue"]
    want = oracles.fortune500_state_revenue()
    assert states.to_dict() == pytest.approx(want.to_dict(), rel=1e-12)
    plat = oracles.platform_rows()
    names = plat.loc[(plat["platform"] == "yes") & (plat["f500_name"] != ""), "f500_name"]
    assert platforms.west_share(hq)["platform"] == pytest.approx(oracles.fortune500_west_share(names), abs=1e-9)


@pytest.fixture(scope="module")
def grid(inputs):
    ns = list(range(platforms.N_MIN, platforms.N_MAX + 1, platforms.N_STEP))
    spec = platforms.value_figure(inputs).to_dict()
    return ns, marks(spec, [{platforms.TOP_N: n} for n in ns], timeout=300)


def _one(found: dict, name: str) -> list[dict]:
    hits = [k for k in found if re.fullmatch(rf"{re.escape(name)}(_\d+)?_marks", k)]
    assert len(hits) == 1, sorted(found)
    return found[hits[0]]


def test_the_browsers_top_n_shares_equal_pandas_over_every_n(grid):
    ns, found = grid
    problems = []
    for n, got in zip(ns, found, strict=True):
        [summary] = _one(got, "platforms_summary")
        want = oracles.top_n_shares(n)
        for key in ("us_share", "platform_share"):
            if summary[key] != pytest.approx(want[key], abs=1e-9):
                problems.append(f"N={n} {key}: browser {summary[key]}, pandas {want[key]}")
        if summary["flagged_n"] != want["flagged_n"] or summary["firms"] != n:
            problems.append(f"N={n}: flagged {summary['flagged_n']} of {summary['firms']}, want {want['flagged_n']}")
        if f"US firms (by evidence): {want['us_share']:.1f}%" not in summary["__text"]:
            problems.append(f"N={n}: text {summary['__text']!r}")
        bars = _one(got, "platforms_firms")
        if len(bars) != n:
            problems.append(f"N={n}: {len(bars)} firm bars")
        flagged = sum(b["label"].endswith(" ?") for b in bars)
        if flagged != want["flagged_n"]:
            problems.append(f"N={n}: {flagged} firms marked '?', want {want['flagged_n']}")
    assert not problems, "\n".join(problems[:30])


def test_the_pandas_twin_states_the_oracles_shares(inputs):
    table = platforms.firms(inputs)
    for n in (10, 80, 150):
        spec = platforms.value_view(table, n).to_dict()
        [text] = [r["text"] for rows in spec["datasets"].values() for r in rows if "text" in r]
        assert f"US firms (by evidence): {oracles.top_n_shares(n)['us_share']:.1f}%" in text


def test_the_map_draws_every_headquarters_on_embedded_state_outlines(inputs):
    spec = platforms.hq_figure(inputs).to_dict()
    def urls(node):
        if isinstance(node, dict):
            return ([node["url"]] if "url" in node else []) + [u for v in node.values() for u in urls(v)]
        return [u for v in node for u in urls(v)] if isinstance(node, list) else []

    assert urls(spec) == [], "the map must embed its data, fetching nothing"
    [found] = marks(spec, [{}], timeout=120)
    assert len(_one(found, "hq_states")) >= 50
    assert len(_one(found, "hq_points")) == len(oracles.fortune500_2017())
    assert spec["vconcat"][1]["width"] == platforms.WIDTH  # numeric, so the site's script fits it to a phone


def test_the_chapters_facts_match_the_oracle():
    from futurecity.chapters import platforms as chapter

    got = {k: f.value for k, f in chapter.open().facts.items()}
    n = got["pl_n_default"]
    want = oracles.top_n_shares(n)
    assert got["pl_us_share"] == pytest.approx(want["us_share"], abs=1e-9)
    assert got["pl_platform_share"] == pytest.approx(want["platform_share"], abs=1e-9)
    assert got["pl_flagged_n"] == want["flagged_n"]
    assert got["pl_us_share_max"] == pytest.approx(oracles.top_n_shares(platforms.N_MAX)["us_share"], abs=1e-9)
    states = oracles.fortune500_state_revenue()
    assert got["pl_top_state"] == states.index[0]
    assert got["pl_top_state_share"] == pytest.approx(states.iloc[0] / states.sum() * 100, abs=1e-9)


def test_firm_labels_are_whole_words_that_fit_the_axis():
    """Labels on the value chart's firm axis: the first whole words of the name, at most LABEL_CHARS characters
    (a single longer word stays whole), never ending on '&' or 'and' (the full name is in the tooltip)."""
    from futurecity.claims.measures import Inputs

    table = platforms.compact(platforms.firms(Inputs()))
    for display, short in zip(table["display"], table["short"], strict=True):
        assert display.split()[:len(short.split())] == short.split(), (display, short)
        assert len(short) <= platforms.LABEL_CHARS or " " not in short, short
        assert not short.endswith((" &", " and")), short
    assert platforms.short_name("Nippon Telegraph & Tel") == "Nippon Telegraph"
    assert platforms.short_name("Saudi Arabian Oil Company") == "Saudi Arabian Oil"
