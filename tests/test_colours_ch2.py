"""The colours and titles of chapter 2's charts and of the long-run chart (chapters 1 and 4):

- a colour a caption names (title, description, note) is one the chart's marks really have;
- the claim statuses' colours (green #009E73 "reproduced", vermilion #D55E00 "differs") appear only in claim
  badges, never in a data series, a highlight or a text about data;
- each title's message holds in the data, recomputed by the independent oracles.
"""

from __future__ import annotations

import json
import re

import pytest

import oracles
from futurecity.claims.measures import Inputs
from futurecity.topics import automation, manufacturing
from futurecity.viz import badges

# colour words a caption may use -> the hex codes they name (Okabe & Ito's names and the common ones)
WORDS = {"orange": {"#e69f00"}, "vermilion": {"#d55e00"}, "red": {"#d55e00"}, "green": {"#009e73"},
         "bluish green": {"#009e73"}, "blue": {"#0072b2"}, "sky blue": {"#56b4e9"}, "light blue": {"#56b4e9"},
         "yellow": {"#f0e442"}, "pink": {"#cc79a7"}, "purple": {"#cc79a7"}, "reddish purple": {"#cc79a7"},
         "black": {"#000000", "#1a1a1a"}}  # the text colour #1A1A1A reads as black
GREY_WORDS = ("grey", "gray")
STATUS = {badges.COLOURS["reproduced"].lower(), badges.COLOURS["differs"].lower()}


def is_grey(colour: str) -> bool:
    return colour[1:3] == colour[3:5] == colour[5:7]


def colour_words(text: str) -> set[str]:
    """The colour words of a text, the longest first ('sky blue' is not also 'blue')."""
    found, rest = set(), text.lower()
    for word in sorted([*WORDS, *GREY_WORDS], key=len, reverse=True):
        pattern = rf"\b{re.escape(word)}\b"
        if re.search(pattern, rest):
            found.add(word)
            rest = re.sub(pattern, " ", rest)
    return found


def _hexes(node) -> set[str]:
    text = json.dumps(node)
    return ({c.lower() for c in re.findall(r'"(#[0-9A-Fa-f]{6})"', text)}
            | ({"#000000"} if re.search(r'"black"', text) else set()))


def mark_colours(spec: dict) -> tuple[set[str], set[str]]:
    """(colours of the data marks, colours of the claim badges): every colour in the marks and encodings (scales'
    ranges included) of each unit view; a view named claim_* is a badge. The theme's config is left out."""
    data, badge = set(), set()

    def walk(node):
        if isinstance(node, dict):
            if "mark" in node:
                found = _hexes({k: node.get(k) for k in ("mark", "encoding")})
                (badge if str(node.get("name", "")).startswith("claim_") else data).update(found)
            for key, value in node.items():
                if key not in ("config", "datasets", "usermeta"):
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    return data, badge


def caption_problems(spec: dict) -> list[str]:
    """Each colour word of the chart's title, description and note that no data mark has."""
    meta = spec.get("usermeta", {}).get("futurecity", {})
    text = " ".join(str(meta.get(k, "")) for k in ("title", "description", "note"))
    data, _ = mark_colours(spec)
    out = []
    for word in sorted(colour_words(text)):
        if word in GREY_WORDS:
            if not any(is_grey(c) and c not in ("#000000", "#ffffff") for c in data):
                out.append(f"the caption says {word!r} but no mark is grey")
        elif not WORDS[word] & data:
            out.append(f"the caption says {word!r} ({sorted(WORDS[word])}) but the marks have {sorted(data)}")
    return out


@pytest.fixture(scope="module")
def specs() -> dict[str, dict]:
    from futurecity.chapters import city_value, introduction

    found, occ = manufacturing.series(Inputs()), automation.table(Inputs())
    return {
        "automation": automation.automation_figure(Inputs()).to_dict(),
        "automation (widgets)": automation._figure(automation.automation_view(occ, 0.7, "wage"), occ, False).to_dict(),
        "manufacturing": manufacturing.manufacturing_figure(Inputs()).to_dict(),
        "manufacturing (widgets)": manufacturing._figure(
            manufacturing.manufacturing_view(found, "all", 1990, 2019), found, False).to_dict(),
        "long run, chapter 1": introduction.open().longrun_figure().to_dict(),
        "long run, chapter 4": city_value.open().longrun_figure().to_dict(),
    }


CHARTS = ("automation", "automation (widgets)", "manufacturing", "manufacturing (widgets)", "long run, chapter 1",
          "long run, chapter 4")


@pytest.mark.parametrize("name", CHARTS)
def test_every_colour_a_caption_names_is_a_colour_of_the_marks(specs, name):
    assert caption_problems(specs[name]) == []


@pytest.mark.parametrize("name", CHARTS)
def test_status_colours_are_left_to_the_claim_badges(specs, name):
    data, _ = mark_colours(specs[name])
    assert data, f"{name}: no mark colours found"
    assert not data & STATUS, f"{name}: data marks use a claim status's colour: {sorted(data & STATUS)}"


def test_the_automation_caption_names_its_colours(specs):
    meta = specs["automation"]["usermeta"]["futurecity"]
    assert {"orange", "grey"} <= colour_words(meta["description"])


def test_the_check_sees_a_caption_colour_the_marks_lack():
    """The old histogram: the caption said orange, the bins had the statuses' green and vermilion."""
    spec = {"usermeta": {"futurecity": {"description": "orange above the threshold"}},
            "vconcat": [{"mark": "bar", "encoding": {"color": {"scale": {"range": ["#009E73", "#D55E00"]}}}},
                        {"mark": "text", "name": "claim_C2_1_badge", "encoding": {"color": {"value": "#E69F00"}}}]}
    assert caption_problems(spec) and mark_colours(spec)[0] & STATUS
    assert colour_words("sky blue lines, a grey band") == {"sky blue", "grey"}


# --- titles that state the message, checked against the data -------------------------------------------------------

def test_the_automation_title_holds(specs):
    shares = oracles.frey_osborne_group_shares(0.7, "education")
    assert specs["automation"]["title"]["text"] == automation.TITLE
    assert "less education" in automation.TITLE and "far more" in automation.TITLE
    least, degrees = shares[automation.EDUCATION[0]], [shares[e] for e in automation.EDUCATION[5:]]
    assert least > 3 * max(degrees), (least, degrees)


def test_the_manufacturing_title_counts_from_the_data(specs):
    turns = [oracles.five_year_turn(oracles.wdi_share("manufacturing", c), 0, 9999) for c in CODES]
    turned = sum(1 for t in turns if t is not None and t["turn"])
    fell = sum(1 for c in CODES if (s := oracles.wdi_share("industry_jobs", c).sort_index()).iloc[-1] < s.iloc[0])
    title = specs["manufacturing"]["title"]["text"]
    assert f"fell, then rose, in {turned} of 5 economies" in title and title.endswith(f"jobs fell in {fell}"), title


def test_the_long_run_titles_name_the_peaks(specs):
    uk, us = oracles.owid_industry_share(), oracles.us_manufacturing_share()
    one = specs["long run, chapter 1"]["title"]["text"]
    assert f"peaked in {int(uk.idxmax())} in the UK and in {int(us.idxmax())} in the US" in one, one
    halved = uk.sort_index().iloc[-1] < uk.max() / 2 and us.sort_index().iloc[-1] < us.max() / 2
    assert ("less than half their peak" in one) == halved
    four = specs["long run, chapter 4"]["title"]["text"]
    jobs_uk, jobs_us = oracles.owid_industry_jobs(), oracles.us_manufacturing_jobs()
    assert f"the number of jobs in {int(jobs_uk.idxmax())} and {int(jobs_us.idxmax())}" in four, four


CODES = ("GBR", "USA", "DEU", "JPN", "CHN")
