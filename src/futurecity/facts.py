"""Facts: the numbers a chapter's prose quotes, each with its provenance.

A :class:`Fact` carries its value, a one-line description of the computation (``about``, e.g. "growth of SIC
10-33 employment, GB, 2015 to 2019"), the source ids and vintages it was computed from and, where it is a
claim's value, the claim id. Topics return facts as one mapping; a chapter glues them in one call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Fact:
    value: Any
    about: str
    sources: tuple[str, ...] = ()
    vintage: str = ""
    claim: str | None = None

    def __post_init__(self):
        # a numpy scalar becomes the plain Python number it holds, so the prose formats it like any number
        if isinstance(self.value, np.generic):
            object.__setattr__(self, "value", self.value.item())


def provenance(*frames: pd.DataFrame) -> dict:
    """``sources`` and ``vintage`` (labels joined) of the frames read, from their ``attrs``."""
    sources, labels = [], []
    for f in frames:
        for attrs in f.attrs.get("sources", [f.attrs]):
            if attrs.get("source") and attrs["source"] not in sources:
                sources.append(attrs["source"])
                labels.append(f"{attrs['source']}: {attrs.get('vintage_label', '')}")
    return {"sources": tuple(sources), "vintage": "; ".join(labels)}


def fact(value: Any, about: str, *frames: pd.DataFrame, claim: str | None = None) -> Fact:
    """A fact computed from ``frames`` (their provenance attached)."""
    return Fact(value, about, claim=claim, **provenance(*frames))


def constant(value: Any, about: str) -> Fact:
    """A fact that is a definition or a choice of the book (a code list, the paper's window), not data."""
    return Fact(value, about)
