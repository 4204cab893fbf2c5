"""Chapter 3, Digital platforms, ownership and localisation: where the value of the largest firms sits (Forbes
Global 2000, 2022, countries settled by the 2017 Fortune 500 headquarters) and where US headquarters are."""

from __future__ import annotations

from futurecity.chapters.common import Chapter, data_basis, parameters
from futurecity.topics import platforms

CHAPTER = 3


class Platforms(Chapter):
    """Chapter 3: the value of the largest firms by country, with a top-N slider, and the headquarters map."""

    def __post_init__(self):
        self.facts = {"data_basis": data_basis(self.inputs.vintage), **platforms.facts(self.inputs)}

    def value_figure(self):
        """Market value of the largest N firms by country and by firm, the US and platform shares."""
        return platforms.value_figure(self.inputs)

    def value_widgets(self):
        """The same chart computed in pandas, with ipywidgets, for readers running Jupyter."""
        platforms.value_widgets(self.inputs)

    def hq_figure(self):
        """The 2017 Fortune 500 headquarters on a map of the states, with revenue by state."""
        return platforms.hq_figure(self.inputs)


def open(vintage: str = "pinned", live: bool = False) -> Platforms:  # noqa: A001  (the chapter's verb)
    """Chapter 3 on ``vintage`` (pulled first when ``live``)."""
    return Platforms(parameters(vintage, live))
