"""Chapter 4, Economic value creation in the city: the long decline of industrial work in the UK and the US, the
paper's Figure 1 (manufacturing's share of jobs in British cities) as far as real data allow, and the trade gap,
with the section's claims."""

from __future__ import annotations

from futurecity.chapters.common import Chapter, claim_facts, data_basis, parameters
from futurecity.claims import evaluate, ledger
from futurecity.topics import cities, longrun, trade
from futurecity.viz import tables
from futurecity.viz.controls import interact

CHAPTER = 4
CLAIMS = ("C4-1a", "C4-1b", "C4-2", "C4-3")


class CityValue(Chapter):
    """Chapter 4: the long run in shares or jobs, cities and trade, with the section's claims."""

    def __post_init__(self):
        self.claims = ledger.chapter_claims(CHAPTER)
        self.results = evaluate.evaluate(self.inputs, claims=self.claims)
        self.shares = longrun.shares(self.inputs)
        self.controls = (*longrun.controls(self.shares), longrun.measure_control())
        uk_window = ledger.definition("C4-1a", self.claims)["window"]
        us_window = ledger.definition("C4-2", self.claims)["window"]
        self.facts = {
            **claim_facts(self.results, CLAIMS),
            "data_basis": data_basis(self.inputs.vintage),
            **longrun.decline_facts(self.inputs, uk_window, us_window),
            **cities.facts(self.inputs),
            **trade.facts(self.inputs),
        }

    def _longrun(self, chart):
        return longrun.figure_of(chart, self.shares, jobs=True)

    def longrun_figure(self):
        """The long run in shares of employment or in jobs, from a first year the reader chooses."""
        return self._longrun(longrun.longrun_chart(self.shares, *self.controls))

    def longrun_widgets(self):
        """The same chart computed in pandas, with ipywidgets, for readers running Jupyter."""
        interact(lambda **v: self._longrun(longrun.longrun_view(self.shares, **v)), *self.controls)

    def city_figure(self):
        """Manufacturing's share of workplace jobs in each city of England and Wales, 2011, with the unweighted or
        the employment-weighted average and a city to highlight."""
        return cities.city_figure(self.inputs)

    def city_widgets(self):
        """The same chart computed in pandas, with ipywidgets, for readers running Jupyter."""
        cities.city_widgets(self.inputs)

    def trade_figure(self):
        """The UK and US trade balances, the years in deficit counted from a first year the reader chooses."""
        return trade.trade_figure(self.inputs)

    def trade_widgets(self):
        """The same chart computed in pandas, with ipywidgets, for readers running Jupyter."""
        trade.trade_widgets(self.inputs)

    def claims_table(self):
        """The section's claims as the book's claims table."""
        return tables.claims_table(self.results, CHAPTER, caption="The claims of section 4: the paper's value, "
                                   "the value recomputed here and its status under the claim's rule")


def open(vintage: str = "pinned", live: bool = False) -> CityValue:  # noqa: A001  (the chapter's verb)
    """Chapter 4 on ``vintage`` (pulled first when ``live``)."""
    return CityValue(parameters(vintage, live))
