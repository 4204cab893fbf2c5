"""Chapter 6, Conclusion: claim C6-1 (manufacturing jobs since the German industry 4.0 report) on the long BRES
series of full-time employees, with BRES employment beside it; the scoreboard of every claim of the ledger, with
each claim's robustness over the specifications of its choices (computed here, once per build); and what newer
data say about each claim."""

from __future__ import annotations

import html
import json
import re
import unicodedata
from dataclasses import dataclass, replace

from futurecity import config
from futurecity.chapters.common import Chapter, claim_facts, claim_key, parameters
from futurecity.claims import evaluate, ledger, newer, robustness, rules
from futurecity.facts import Fact, constant
from futurecity.topics import fulltime, load_all
from futurecity.viz import tables, verdict
from futurecity.viz.theme import figure

CHAPTER = 6
CLAIMS = ("C6-1",)
STATUSES = {"reproduced": rules.REPRODUCED, "differs": rules.DIFFERS, "needs_live": rules.NEEDS_LIVE,
            "not_reproducible": rules.NOT_REPRODUCIBLE, "pending": rules.PENDING}


def chapter_pages() -> dict[int, str]:
    """Chapter number -> its page in the built book (``04-city-value.html``), from the notebooks in chapters/."""
    return {int(p.name[:2]): p.with_suffix(".html").name
            for p in sorted((config.root() / "chapters").glob("[0-9][0-9]-*.ipynb"))}


@dataclass(frozen=True)
class Section:
    """Where a claim is computed: its chapter's page, the section's anchor there and its title."""

    page: str
    anchor: str
    title: str

    def href(self, here: int = CHAPTER) -> str:
        return f"#{self.anchor}" if self.page == chapter_pages().get(here) else f"{self.page}#{self.anchor}"


def anchor(title: str) -> str:
    """The id Sphinx gives a section headed ``title`` (docutils' ``make_id``): lower case, words joined by
    hyphens, leading digits and punctuation dropped (``4.i Industry's long retreat`` ->
    ``i-industry-s-long-retreat``)."""
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    return re.sub(r"^[^a-z]+", "", re.sub(r"[^a-z0-9]+", "-", text)).strip("-")


SKIPPED = ("The claim", "What this chapter")  # the claims tables' sections and the limits: they compute nothing


def _sections(path) -> list[tuple[str, str, str]]:
    """The (anchor, title, text) of each section of a chapter notebook, a subsection (###) under its section's
    title; a MyST label just above a heading (``(c6-1)=``) is that section's anchor."""
    out, h2, label, lines = [], None, None, []
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        for line in "".join(cell["source"]).splitlines():
            heading = re.match(r"(#{2,3}) (.+)", line)
            if re.fullmatch(r"\(([\w-]+)\)=", line.strip()):
                label = line.strip()[1:-2]
            elif heading:
                level, title = heading.groups()
                h2 = title if level == "##" else h2
                full = title if level == "##" else f"{h2} \u2014 {title}"
                out.append([label or anchor(title), full, ""])
                label = None
            elif out:
                out[-1][2] += line + "\n"
    return [tuple(x) for x in out]


def claim_sections(results: list[dict]) -> dict[str, Section]:
    """Each claim's section: the first section of its chapter's notebook that quotes the claim's facts
    (``{glue:text}`c58a_...```), else the first that names it; else the section of a claim of the same chapter read from the same
    data; else the claim's row in its chapter's claims table."""
    pages = chapter_pages()
    found: dict[str, Section] = {}
    for r in results:
        page = pages[r["chapter"]]
        sections = [s for s in _sections(config.root() / "chapters" / page.replace(".html", ".ipynb"))
                    if not s[1].startswith(SKIPPED)]
        # a section quoting the claim's facts computes it; one that only names it comes second
        for pattern in (rf"`{claim_key(r['id'])}_", rf"\b{re.escape(r['id'])}\b"):
            hit = next((Section(page, sid, title) for sid, title, text in sections if re.search(pattern, text)), None)
            if hit:
                found[r["id"]] = hit
                break
    for r in results:
        if r["id"] not in found:
            kin = [found[o["id"]] for o in results if o["id"] in found and o["chapter"] == r["chapter"]
                   and set(o["sources"]) & set(r["sources"])]
            if kin:
                found[r["id"]] = kin[0]
                continue
            page = pages[r["chapter"]]
            titles = [t for _, t, _ in _sections(config.root() / "chapters" / page.replace(".html", ".ipynb"))
                      if t.startswith(SKIPPED[0])]
            found[r["id"]] = Section(page, f"claim-{r['id']}", titles[0] if titles else f"chapter {r['chapter']}")
    return found


def status_counts(results: list[dict]) -> dict[str, Fact]:
    """``n_claims`` and, per status, ``n_<status>``: how many claims of the ledger the engine gave it."""
    out = {"n_claims": Fact(len(results), "number of the paper's claims this book checks, all chapters", claim=None)}
    for key, status in STATUSES.items():
        n = sum(r["status"] == status for r in results)
        out[f"n_{key}"] = Fact(n, f"number of claims with status '{status}', all chapters")
    return out


def robustness_counts(results: list[dict]) -> dict[str, Fact]:
    """``n_claims_robust`` (claims with analytic choices), ``n_specifications`` (the specifications of their
    choices) and ``n_specifications_judged`` (those with a value on the data read)."""
    robs = [r["robustness"] for r in results if r["robustness"]["specifications"][0]["choices"]]
    return {
        "n_claims_robust": Fact(len(robs), "claims with analytic choices besides the paper's"),
        "n_specifications": Fact(sum(len(x["specifications"]) for x in robs),
                                 "specifications of the claims' choices, every combination of their options"),
        "n_specifications_judged": Fact(sum(x["judged"] for x in robs),
                                        "specifications with a value on the data read"),
    }


def moved(value: float) -> str:
    """A growth rate in words: ``grew by 1.2%``, ``fell by 2.7%``, ``did not change`` (to one decimal)."""
    if round(value, 1) == 0:
        return "did not change"
    return f"{'grew' if value > 0 else 'fell'} by {abs(value):.1f}%"


def rule_words(rule: dict, paper: float, value: float) -> str:
    """Whether ``value`` meets a claim's rule, as a clause: ``within the 5 points either side of the paper's 0
    that the claim's rule accepts`` or ``outside ...``."""
    inside = rules.apply_rule(rule, value, paper) == rules.REPRODUCED
    if rule["kind"] == "within":
        return (f"{'within' if inside else 'outside'} the {rule['tolerance']:g} points either side of the paper's "
                f"{paper:g} that the claim's rule accepts")
    return f"{'within' if inside else 'outside'} what the claim's rule accepts ({rules.describe_rule(rule)})"


def verdict_title(results: list[dict]) -> str:
    """The verdict chart's title: how many claims hold, differ, and wait for data."""
    n = {s: sum(r["status"] == s for r in results) for s in rules.STATUSES}
    waiting = n[rules.NEEDS_LIVE] + n[rules.PENDING]
    held = f"{n[rules.REPRODUCED]} of the paper's {len(results)} claims hold on the data read and " + (
        f"{n[rules.DIFFERS]} {'differs' if n[rules.DIFFERS] == 1 else 'differ'}" if n[rules.DIFFERS] else "none differs")
    parts = []
    if waiting:
        parts.append(f"{waiting} await data for the paper's own years")
    if n[rules.NOT_REPRODUCIBLE]:
        parts.append(f"{n[rules.NOT_REPRODUCIBLE]} cannot be tested")
    return held + ("; " + ", ".join(parts) if parts else "")


class Conclusion(Chapter):
    """Chapter 6: C6-1 on its window and the newest one, the verdict chart, the scoreboard, and what newer data
    say."""

    def __post_init__(self):
        load_all()  # every topic's measures, so the scoreboard evaluates every claim of the ledger
        self.claims = ledger.chapter_claims()
        self.results = robustness.attach(evaluate.evaluate(self.inputs, claims=self.claims), self.claims,
                                         self.inputs)
        self.sections = claim_sections(self.results)
        self.newer = newer.newer_table(self.results, self.claims, self.inputs)
        self.later = [r for r in self.newer if newer.has_newer(r)]
        window = ledger.definition("C6-1", self.claims)["window"]
        own = [r for r in self.results if r["chapter"] == CHAPTER]
        ft = fulltime.facts(self.inputs, window)
        for key in ("ft_vintage", "emp_vintage"):  # the release in a reader's words, not the publisher's codes
            ft[key] = replace(ft[key], value=newer.reader_label(ft[key].value))
        for key in ("emp_window", "emp_newest"):
            ft[f"{key}_words"] = replace(ft[key], value=moved(ft[key].value))
        c61 = ledger.definition("C6-1", self.claims)
        rule = c61["rule"]
        ft["c61_report_words"] = replace(ft["ft_report_window"], value=rule_words(
            rule, c61["paper_value"], ft["ft_report_window"].value), about=(
            "whether the growth on the eight years from the final report meets C6-1's rule"))
        self.facts = {
            **claim_facts(own, CLAIMS),
            "c61_tolerance": constant(rule["tolerance"], "the points either side of the paper's value that C6-1's "
                                                         "rule accepts"),
            **ft,
            **status_counts(self.results),
            "n_later": Fact(len(self.later), "number of claims whose data hold years after the claim's window"),
            "n_chapters_with_claims": constant(len({r["chapter"] for r in self.results}),
                                               "number of chapters whose claims this book checks"),
            **robustness_counts(self.results),
        }

    def href(self, result: dict) -> str:
        """The section (with its chart) that computes a claim, as a link from this chapter."""
        return self.sections[result["id"]].href()

    def verdict_figure(self):
        """Every claim on one chart: the paper's value, ours, the band its rule accepts and its status, each
        row linked to the section that computes it."""
        frames = [f for sid in dict.fromkeys(s for c in self.claims for s in c["sources"])
                  if (f := self.inputs.loaded(sid)) is not None]
        chart = verdict.verdict_chart(verdict.rows(self.results, self.href))
        return figure(
            chart, title=verdict_title(self.results),
            description=(
                "One row per claim of the paper, each on its own scale: the grey band holds the values the "
                "claim's rule accepts (for a claim with no number, its test: a fall, a rise, a rank), the black "
                "tick is the paper's value and the dot the value recomputed here, green with a tick when the "
                "claim is reproduced, vermilion with a cross when it differs, black otherwise; a hollow dot is "
                "a value on fewer years than the paper's, which carries no verdict. Each row links to the "
                "section that computes the claim."),
            sources=frames,
            csv=[("verdict_values_marks", {"id": "claim", "label": "about", "window": "paper_years",
                                               "paper": "paper_value", "value": "recomputed_value",
                                               "shown": "recomputed_on", "band_low": "accepted_from",
                                               "band_high": "accepted_to", "unit": "unit", "status": "status"})])

    def scoreboard(self):
        """Every claim of the ledger: the paper's value, the value recomputed here, the data read, status, and a
        link to the section that computes it."""
        return tables.claims_table(self.results, None, links=self.href, robust=True,
                                   link_text=lambda r: self.sections[r["id"]].title, caption=(
            "Every claim of the paper: the paper's value, the value recomputed here, the data it was computed "
            "from, the status under the claim's rule, in how many specifications of its choices the rule holds, "
            "and the section of the book that computes it"))

    def robustness_words(self) -> tables.Html:
        """One paragraph per chapter with claims: its most and least robust claims, and each claim whose verdict
        on the paper's own choices most other specifications contradict."""
        paragraphs = []
        for chapter in sorted({r["chapter"] for r in self.results}):
            said = [robustness.chapter_sentence(self.results, chapter), robustness.contrasts(self.results, chapter)]
            if any(said):
                paragraphs.append(" ".join(x for x in said if x))
        return tables.Html("".join(f'<p class="fc-robustness-words">{html.escape(p)}</p>' for p in paragraphs))

    def newer_table(self):
        """The claims whose data hold years after the paper's window: the measure on both windows, and the
        change in words."""
        return tables.newer_table(self.later, caption=(
            "What newer data say: each claim whose data hold later years, its measure on the paper's window and "
            "on the newest window those data allow, what changed, and the data read"))


def open(vintage: str = "pinned", live: bool = False) -> Conclusion:  # noqa: A001  (the chapter's verb)
    """Chapter 6 on ``vintage`` (pulled first when ``live``)."""
    return Conclusion(parameters(vintage, live))
