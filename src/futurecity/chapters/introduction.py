"""Chapter 1, Introduction: the long-run share of jobs in industry, UK and US."""

from __future__ import annotations

from futurecity.chapters.common import Chapter, parameters
from futurecity.topics import longrun
from futurecity.viz.controls import interact


class Introduction(Chapter):
    """Chapter 1: the long-run shares, their facts and figures."""

    def __post_init__(self):
        self.shares = longrun.shares(self.inputs)
        self.controls = longrun.controls(self.shares)
        self.facts = longrun.facts(self.inputs)

    def _figure(self, chart):
        return longrun.figure_of(chart, self.shares)

    def longrun_figure(self):
        """The long-run shares with the start-year and smoothing sliders (Vega-Lite parameters)."""
        return self._figure(longrun.longrun_chart(self.shares, *self.controls))

    def longrun_widgets(self):
        """The same chart computed in pandas, with ipywidgets, for readers running Jupyter."""
        interact(lambda start_year, smoothing: self._figure(
            longrun.longrun_view(self.shares, start_year, smoothing)), *self.controls)


def open(vintage: str = "pinned", live: bool = False) -> Introduction:  # noqa: A001  (the chapter's verb)
    """Chapter 1 on ``vintage`` (pulled first when ``live``)."""
    return Introduction(parameters(vintage, live))
