"""Chapter 6, Conclusion: claim C6-1 (manufacturing jobs since the German industry 4.0 report) on the long BRES
series of full-time employees, with BRES employment beside it; the scoreboard of every claim of the ledger; and
what newer data say about each claim."""

from __future__ import annotations

from futurecity import config
from futurecity.chapters.common import Chapter, claim_facts, data_basis
from futurecity.claims import evaluate, ledger, newer, rules
from futurecity.claims.measures import Inputs
from futurecity.facts import Fact, constant
from futurecity.topics import fulltime, load_all
from futurecity.viz import tables

CHAPTER = 6
CLAIMS = ("C6-1",)
STATUSES = {"reproduced": rules.REPRODUCED, "differs": rules.DIFFERS, "needs_live": rules.NEEDS_LIVE,
            "not_reproducible": rules.NOT_REPRODUCIBLE, "pending": rules.PENDING}
OWN_SECTION = "c6-1"  # the label of this chapter's section on C6-1 (the scoreboard links there)


def chapter_pages() -> dict[int, str]:
    """Chapter number -> its page in the built book (``04-city-value.html``), from the notebooks in chapters/."""
    return {int(p.name[:2]): p.with_suffix(".html").name
            for p in sorted((config.root() / "chapters").glob("[0-9][0-9]-*.ipynb"))}


def section_link(result: dict, pages: dict[int, str]) -> str:
    """Where a claim is computed: its row in its chapter's claims table; this chapter's own claim, its section."""
    if result["chapter"] == CHAPTER:
        return f"#{OWN_SECTION}"
    return f"{pages[result['chapter']]}#claim-{result['id']}"


def status_counts(results: list[dict]) -> dict[str, Fact]:
    """``n_claims`` and, per status, ``n_<status>``: how many claims of the ledger the engine gave it."""
    out = {"n_claims": Fact(len(results), "number of claims in the ledger, all chapters", claim=None)}
    for key, status in STATUSES.items():
        n = sum(r["status"] == status for r in results)
        out[f"n_{key}"] = Fact(n, f"number of claims with status '{status}', all chapters")
    return out


class Conclusion(Chapter):
    """Chapter 6: C6-1 on its window and the newest one, the scoreboard, and what newer data say."""

    def __post_init__(self):
        load_all()  # every topic's measures, so the scoreboard evaluates every claim of the ledger
        self.claims = ledger.chapter_claims()
        self.results = evaluate.evaluate(self.inputs, claims=self.claims)
        self.newer = newer.newer_table(self.results, self.claims, self.inputs)
        window = ledger.definition("C6-1", self.claims)["window"]
        own = [r for r in self.results if r["chapter"] == CHAPTER]
        later = [r for r in self.newer if r["newest_end"] is not None and r["paper_end"] is not None
                 and r["newest_end"] > r["paper_end"]]
        self.facts = {
            **claim_facts(own, CLAIMS),
            "data_basis": data_basis(self.inputs.vintage),
            **fulltime.facts(self.inputs, window),
            **status_counts(self.results),
            "n_windowed": Fact(len(self.newer), "number of claims of the ledger with a window of years"),
            "n_later": Fact(len(later), "number of claims whose data hold years after the claim's window"),
            "n_chapters_with_claims": constant(len({r["chapter"] for r in self.results}),
                                               "number of chapters with claims in the ledger"),
        }

    def scoreboard(self):
        """Every claim of the ledger: the paper's value, the value recomputed here, vintage, status, and a link to
        the section that computes it."""
        pages = chapter_pages()
        return tables.claims_table(self.results, None, links=lambda r: section_link(r, pages), caption=(
            "Every claim of the paper: the paper's value, the value recomputed here, the vintage of the data read, "
            "the status under the claim's rule, and where the book computes it"))

    def newer_table(self):
        """Each claim with a window, on the paper's years and on the newest years the data read allow."""
        return tables.newer_table(self.newer, caption=(
            "What newer data say: each claim's measure on the paper's window and on the newest window the data "
            "read allow, with the vintage of those data"))


def open(vintage: str = "pinned", live: bool = False) -> Conclusion:  # noqa: A001  (the chapter's verb)
    """Chapter 6 on ``vintage`` (pulled first when ``live``)."""
    return Conclusion(Inputs(vintage=vintage, live=live))
