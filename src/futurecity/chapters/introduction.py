"""Chapter 1, Introduction: the long-run share of jobs in industry, UK and US."""

from __future__ import annotations

from dataclasses import dataclass, field

from futurecity.chapters.common import data_notice, glue
from futurecity.claims.measures import Inputs
from futurecity.facts import Fact
from futurecity.topics import longrun
from futurecity.viz.controls import interact


@dataclass
class Introduction:
    inputs: Inputs
    facts: dict[str, Fact] = field(default_factory=dict)

    def __post_init__(self):
        self.shares = longrun.shares(self.inputs)
        self.controls = longrun.controls(self.shares)
        self.facts = longrun.facts(self.inputs)

    def glue(self) -> None:
        glue(self.facts)

    def notice(self):
        """What the chapter shows first: which older data stand in for a live pull that failed (None, so
        nothing shown, when no pull failed)."""
        return data_notice(self.inputs)

    def _figure(self, chart):
        uk = longrun.series_of(self.shares, longrun.UK_SERIES)
        us = longrun.series_of(self.shares, longrun.US_SERIES)
        return longrun.longrun_figure(chart, uk, us)

    def longrun_figure(self):
        """The long-run shares with the start-year and smoothing sliders (Vega-Lite parameters)."""
        return self._figure(longrun.longrun_chart(self.shares, *self.controls))

    def longrun_widgets(self):
        """The same chart computed in pandas, with ipywidgets, for readers running Jupyter."""
        interact(lambda start_year, smoothing: self._figure(
            longrun.longrun_view(self.shares, start_year, smoothing)), *self.controls)


def open(vintage: str = "pinned", live: bool = False) -> Introduction:  # noqa: A001  (the chapter's verb)
    """Chapter 1 on ``vintage`` (pulled first when ``live``)."""
    return Introduction(Inputs(vintage=vintage, live=live))
