"""Chapter 3's data: the evidence table against both pinned files, the platform table against the Forbes and
Fortune files, the topic's aggregations against the plain-pandas oracles, and the browser's top-N shares (run
under node, ``tests/vega_eval.py``) against pandas over every setting of the slider."""

from __future__ import annotations

import json
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
        if f"US headquarters (Fortune 500 file): {want['us_share']:.1f}%" not in summary["__text"]:
            problems.append(f"N={n}: text {summary['__text']!r}")
        bars = _one(got, "platforms_firms")
        if len(bars) != n:
            problems.append(f"N={n}: {len(bars)} firm bars")
        hollow = sum(b["basis"] == platforms.BASIS[False] for b in bars)
        if hollow != want["flagged_n"]:
            problems.append(f"N={n}: {hollow} hollow firm bars, want {want['flagged_n']}")
    assert not problems, "\n".join(problems[:30])


def test_the_pandas_twin_states_the_oracles_shares(inputs):
    table = platforms.firms(inputs)
    for n in (10, 80, 150):
        spec = platforms.value_view(table, n).to_dict()
        [text] = [r["text"] for rows in spec["datasets"].values() for r in rows if "text" in r]
        assert f"US headquarters (Fortune 500 file): {oracles.top_n_shares(n)['us_share']:.1f}%" in text


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


def test_firm_labels_read_as_firms():
    """Labels on the value chart's firm axis: a name the firm goes by (its bracketed name, or its first whole words,
    never fewer than two of a longer name), at most LABEL_CHARS characters (a single longer word stays whole),
    unique, never a country's name (TSMC is not "Taiwan"), never a lone generic word, never ending on '&' or
    'and', never carrying a mark of doubt."""
    from futurecity.claims.measures import Inputs

    table = platforms.compact(platforms.firms(Inputs()))
    countries = set(oracles.forbes_2022()["Country"].str.strip())
    for display, short in zip(table["display"], table["short"], strict=True):
        bracketed = re.search(r"\(([^()]+)\)", display)
        if bracketed:
            assert short == bracketed.group(1), (display, short)
        else:
            assert display.split()[:len(short.split())] == short.split(), (display, short)
            dropped = display.split()[len(short.split()):]
            legal = {"&", "co", "company", "group", "holdings", "holding", "inc", "corp", "corporation", "plc"}
            assert len(short.split()) >= 2 or all(w.lower().strip(".,") in legal for w in dropped), (display, short)
        assert len(short) <= platforms.LABEL_CHARS or " " not in short, short
        assert not short.endswith((" &", " and")), short
        assert short not in countries, short
        assert "?" not in short, short
    assert not table["short"].duplicated().any()
    assert platforms.short_name("Taiwan Semiconductor") == "Taiwan Semiconductor"
    assert platforms.short_name("Saudi Arabian Oil Company (Saudi Aramco)") == "Saudi Aramco"
    assert platforms.short_name("Nippon Telegraph & Tel") == "Nippon Telegraph & Tel"
    assert platforms.short_name("Goldman Sachs Group") == "Goldman Sachs"
    assert platforms.short_name("International Holding Company") == "International Holding"
    assert platforms.display_name("tesla") == "Tesla" and platforms.display_name("eBay") == "eBay"


def test_the_value_charts_title_holds_at_every_n():
    """The title says US-headquartered firms hold most of the value: true (by the oracle) at every N."""
    assert "US hold most" in platforms.TITLE
    for n in range(platforms.N_MIN, platforms.N_MAX + 1, platforms.N_STEP):
        assert oracles.top_n_shares(n)["us_share"] > 50, n


def test_the_maps_title_holds():
    """The map's title: platform firms' revenue is mostly on the West Coast, the list's mostly elsewhere."""
    assert "West Coast; most Fortune 500 revenue is booked elsewhere" in platforms.HQ_TITLE
    plat = oracles.platform_rows()
    names = plat.loc[(plat["platform"] == "yes") & (plat["f500_name"] != ""), "f500_name"]
    assert oracles.fortune500_west_share(names) > 50
    f = oracles.fortune500_2017()
    assert f.loc[f["STATE"].isin(["CA", "OR", "WA"]), "REVENUES"].sum() / f["REVENUES"].sum() < 0.5


def _rows(spec: dict) -> list[dict]:
    return [r for rows in spec.get("datasets", {}).values() if isinstance(rows, list) for r in rows]


def test_the_charts_embed_only_the_firms_they_can_draw(inputs):
    """The Forbes list is licensed for aggregates only: the value chart's spec (and its pandas twin's) holds at
    most the N_MAX largest firms by market value, never the whole list."""
    allowed = set(oracles.forbes_largest(platforms.N_MAX)["Organization Name"].map(platforms.display_name))
    everyone = set(oracles.forbes_2022()["Organization Name"].map(platforms.display_name))
    table = platforms.firms(inputs)
    for spec in (platforms.value_figure(inputs).to_dict(), platforms.value_view(table, platforms.N_MAX).to_dict()):
        text = json.dumps(spec, ensure_ascii=False)
        firms = [r["display"] for r in _rows(spec) if "display" in r]
        assert len(firms) <= platforms.N_MAX and set(firms) <= allowed
        outside = [f for f in sorted(everyone - allowed) if len(f) > 6 and f'"{f}"' in text]
        assert outside == [], outside[:10]
        values = [r["market_value"] for r in _rows(spec) if "market_value" in r and "display" in r]
        assert len(values) <= platforms.N_MAX


STATUS = {"#009e73", "#d55e00"}  # reserved for claim statuses (reproduced / differs)


def test_chapter3_uses_no_status_colour(inputs):
    table = platforms.firms(inputs)
    for spec in (platforms.value_figure(inputs).to_dict(), platforms.hq_figure(inputs).to_dict(),
                 platforms.value_view(table, 50).to_dict()):
        spec = {k: v for k, v in spec.items() if k != "config"}  # the theme's category range lists the palette
        used = {c.lower() for c in re.findall(r'"(#[0-9A-Fa-f]{6})"', json.dumps(spec))}
        assert used and not used & STATUS, used & STATUS
    assert platforms.WEST_COLOUR.lower() == "#cc79a7"  # the caption's "reddish purple" (Okabe & Ito's name)
    assert "West Coast in reddish purple" in platforms.hq_figure(inputs).to_dict()["description"]


def test_the_map_names_every_platform_headquarters_near_its_dot(inputs):
    """Every platform firm on the 2017 Fortune 500 is named on the map (a label per group of nearby
    headquarters), and each label sits at its firms' headquarters."""
    spec = platforms.hq_figure(inputs).to_dict()
    [found] = marks(spec, [{}], timeout=120)
    plat = oracles.platform_rows()
    plat = plat[(plat["platform"] == "yes") & (plat["f500_name"] != "")]
    f500 = oracles.fortune500_2017().set_index("NAME")
    label_marks = [k for k in found if re.fullmatch(r"hq_labels_(left|right)_\d+_marks", k)]
    assert len(label_marks) == 2, sorted(found)
    named = {}
    for k in label_marks:
        for item in found[k]:
            assert item["__text"] == item["label"]
            for line in item["label"].split("\n"):
                named[line] = (item["latitude"], item["longitude"])
    for row in plat.itertuples():
        label = platforms.short_name(platforms.display_name(row.firm))
        assert label in named, (row.firm, sorted(named))
        lat, lon = named[label]
        hq = f500.loc[row.f500_name]
        assert abs(lat - hq["LATITUDE"]) < 1.5 and abs(lon - hq["LONGITUDE"]) < 1.5, row.firm
    assert len(named) == len(plat)



def _map_labels(found: dict) -> set[str]:
    return {line for k in found if re.fullmatch(r"hq_labels_(left|right)_\d+_marks", k)
            for item in found[k] for line in item["__text"].split("\n")}


def test_the_maps_data_names_each_platform_firm_as_the_map_does(inputs):
    """The tooltip's and the CSV's firm (the points' ``firm``) is the name written on the map (Meta Platforms, not
    the list's FACEBOOK); every other firm keeps the list's own name."""
    spec = platforms.hq_figure(inputs).to_dict()
    [found] = marks(spec, [{}], timeout=120)
    labels = _map_labels(found)
    points = _one(found, "hq_points")
    plat = {p["firm"] for p in points if p["platform"]}
    assert plat == labels, (sorted(plat), sorted(labels))
    f500 = set(oracles.fortune500_2017()["NAME"])
    assert all(p["firm"] == p["name"] and p["name"] in f500 for p in points if not p["platform"])
    columns = dict(spec["usermeta"]["futurecity"]["csv"]["parts"][0]["columns"])
    assert columns.get("firm") == "firm" and "name" not in columns, columns


@pytest.mark.site
def test_the_built_map_csv_names_the_platform_firms_as_the_map_does(inputs):
    from conftest import PROJECT

    built = sorted((PROJECT / "_build" / "html" / "_static" / "data").glob("us-platform-firms-*.csv"))
    assert len(built) == 1, f"the map's CSV is not in the built book: {built} (run `make book`)"
    import pandas as pd

    table = pd.read_csv(built[0], comment="#")
    [found] = marks(platforms.hq_figure(inputs).to_dict(), [{}], timeout=120)
    assert set(table.loc[table["platform_firm"], "firm"]) == _map_labels(found)
