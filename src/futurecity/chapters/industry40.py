"""Chapter 2, Industry 4.0 and the case for localised manufacturing: manufacturing's share of output and
industry's share of jobs in five economies with a computed reshoring indicator, and automation exposure from
Frey and Osborne's probabilities (claim C2-1)."""

from __future__ import annotations

from futurecity.chapters.common import Chapter, claim_facts, data_basis, parameters
from futurecity.claims import evaluate, ledger
from futurecity.facts import Fact
from futurecity.topics import automation, manufacturing
from futurecity.viz import tables

CHAPTER = 2
CLAIMS = ("C2-1",)


class Industry40(Chapter):
    """Chapter 2: manufacturing and industry shares with the reshoring indicator, and automation exposure."""

    def __post_init__(self):
        self.claims = ledger.chapter_claims(CHAPTER)
        self.results = evaluate.evaluate(self.inputs, claims=self.claims)
        self.facts = {
            **claim_facts(self.results, CLAIMS),
            "c21_gap": self._gap(),
            "data_basis": data_basis(self.inputs.vintage),
            **manufacturing.facts(self.inputs),
            **automation.facts(self.inputs),
        }

    def _gap(self) -> Fact:
        """C2-1's recomputed value minus the paper's (percentage points; None when not evaluated)."""
        r = evaluate.by_id(self.results)["C2-1"]
        gap = None if r["value"] is None else r["value"] - r["paper_value"]
        return Fact(gap, "C2-1: recomputed share minus Frey and Osborne's 47, percentage points",
                    sources=tuple(r["sources"]), vintage=r["vintage_label"], claim="C2-1")

    def manufacturing_figure(self):
        """Manufacturing's share of GDP and industry's share of employment, UK, US, Germany, Japan and China,
        with the reshoring indicator for the countries and years the reader chooses."""
        return manufacturing.manufacturing_figure(self.inputs)

    def manufacturing_widgets(self):
        """The same chart computed in pandas, with ipywidgets, for readers running Jupyter."""
        manufacturing.manufacturing_widgets(self.inputs)

    def automation_figure(self):
        """US jobs by Frey and Osborne's probability of computerisation, the share above a threshold the reader
        sets (C2-1 at 0.7) and by education or wage."""
        return automation.automation_figure(self.inputs)

    def automation_widgets(self):
        """The same chart computed in pandas, with ipywidgets, for readers running Jupyter."""
        automation.automation_widgets(self.inputs)

    def claims_table(self):
        """The section's claim as the book's claims table."""
        return tables.claims_table(self.results, CHAPTER, caption="The claim of section 2: the figure of the source "
                                   "the paper leans on, the value recomputed here and its status under the "
                                   "claim's rule")


def open(vintage: str = "pinned", live: bool = False) -> Industry40:  # noqa: A001  (the chapter's verb)
    """Chapter 2 on ``vintage`` (pulled first when ``live``)."""
    return Industry40(parameters(vintage, live))
