"""Chapter 5, What prospects for the industry 4.0 city?: employment (BRES), business R&D (BERD) and music (RIAA),
with the section's claims."""

from __future__ import annotations

from futurecity.chapters.common import Chapter, claim_facts, data_basis, parameters
from futurecity.claims import evaluate, ledger
from futurecity.topics import berd, bres, music
from futurecity.viz import tables
from futurecity.viz.controls import interact

CHAPTER = 5
EMPLOYMENT_CLAIMS = ("C5-8a", "C5-8b", "C5-9a", "C5-9b", "C5-9c")
RD_CLAIMS = ("C5-1", "C5-2", "C5-3", "C5-4", "C5-5")


class Prospects(Chapter):
    """Chapter 5: employment, business R&D and music, with the section's claims."""

    def __post_init__(self):
        self.claims = ledger.chapter_claims(CHAPTER)
        self.results = evaluate.evaluate(self.inputs, claims=self.claims)
        self.employment_window = ledger.definition("C5-8a", self.claims)["window"]
        self.rd_window = ledger.definition("C5-1", self.claims)["window"]
        self.totals = bres.totals(self.inputs)
        self.facts = {
            **claim_facts(self.results, EMPLOYMENT_CLAIMS),
            **claim_facts(self.results, RD_CLAIMS, values=False),
            "data_basis": data_basis(self.inputs.vintage),
            **bres.facts(self.inputs, self.employment_window),
            **berd.facts(self.inputs, self.rd_window),
            **berd.revision_facts(self.inputs, self.rd_window),
            **music.facts(self.inputs),
        }

    def employment_figure(self):
        """Growth by region between two years the reader chooses, with the employment claims' badges."""
        chart = bres.growth_chart(self.totals, self.claims, *bres.controls(self.totals, self.employment_window))
        return bres.growth_figure(chart, self.totals)

    def employment_widgets(self):
        """The same model computed in pandas, with ipywidgets, for readers running Jupyter; the chart has the
        figure's caption (its sources, vintage and licence)."""
        interact(lambda **v: bres.growth_figure(bres.growth_view(self.totals, **v), self.totals, claims=False),
                 *bres.controls(self.totals, self.employment_window))

    def rd_figure(self):
        """Business R&D since the paper's start year, with the R&D claims' badges."""
        table = berd.chart_table_of(self.inputs)
        chart = berd.growth_chart(table, berd.deflators_of(self.inputs), self.claims, self.rd_window,
                                  *berd.controls(table, self.rd_window))
        return berd.growth_figure(chart, self.inputs, self.rd_window, self.claims)

    def rd_vintages(self) -> None:
        """The 2014 and 2017 releases of BERD, and the pounds approximated from shares of GDP, side by side (with
        a live pull, the newer vintages join them)."""
        berd.show_vintages(self.inputs)

    def music_figure(self):
        revenue = music.revenue(self.inputs)
        return music.revenue_figure(music.revenue_chart(revenue, music.controls()),
                                    self.inputs.frame(music.SOURCE), revenue)

    def claims_table(self):
        """The section's claims as the book's claims table."""
        return tables.claims_table(self.results, CHAPTER, caption="The claims of section 5: the paper's value, "
                                   "the value recomputed here and its status under the claim's rule")


def open(vintage: str = "pinned", live: bool = False) -> Prospects:  # noqa: A001  (the chapter's verb)
    """Chapter 5 on ``vintage`` (pulled first when ``live``)."""
    return Prospects(parameters(vintage, live))
