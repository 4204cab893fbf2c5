"""Measures: what a claim computes. Topics register them; the ledger names them; the engine looks them up.

A topic registers a measure with the decorator::

    @measure("bres_growth", sources=("bres_employment",))
    def growth(inputs: Inputs, params: dict, start: int, end: int) -> float: ...

``params`` is the ledger's ``measure`` mapping (minus ``kind``), and for a specification of the claim's multiverse
(:mod:`futurecity.claims.robustness`) the options it chooses as well: a measure reads each choice as a keyword
parameter (``params.get("release", 2017)``), its default the paper's own option; ``start`` and ``end`` are the
claim's window. A
measure raises :class:`futurecity.errors.NotCovered` when the data read do not hold the window, and
:class:`futurecity.errors.DataUnavailable` when a source cannot be read. ``note(inputs)``, when given, adds a
sentence to the claim's note (for example the product groups a classification left out). ``supersedes``, when
given, names the measure this one recomputes on a newer vintage of its data (another source, same parameters):
:func:`newest` finds it, for what newer data say about a claim; the claim's verdict keeps the ledger's measure.

:class:`Inputs` holds the frames of one vintage, each source loaded once and shared by every claim and figure of
a chapter, and a cache of derived tables that topics fill by key.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from futurecity.data import access
from futurecity.errors import NotCovered


@dataclass(frozen=True)
class Measure:
    kind: str
    compute: Callable[[Inputs, dict, int, int], float]
    sources: tuple[str, ...]
    note: Callable[[Inputs], str] | None = None
    latest: Callable[..., int] | None = None  # the latest complete year, for windows ending 'latest'
    supersedes: str | None = None  # the measure this one recomputes on a newer vintage of its data

    def latest_year(self, inputs: Inputs, params: dict | None = None) -> int:
        """The latest complete year of the data the measure reads with ``params`` (a topic's ``latest`` takes
        ``(inputs)`` or ``(inputs, params)``: a choice of series can end in another year)."""
        if self.latest is None:
            raise ValueError(f"measure {self.kind!r} has no latest year: a window ending 'latest' needs one")
        if len(inspect.signature(self.latest).parameters) > 1:
            return int(self.latest(inputs, dict(params or {})))
        return int(self.latest(inputs))


MEASURES: dict[str, Measure] = {}


def measure(kind: str, *, sources: tuple[str, ...], note: Callable[[Inputs], str] | None = None,
            latest: Callable[..., int] | None = None, supersedes: str | None = None):
    """Register the decorated function as measure ``kind`` (see the module's docstring)."""
    def register(compute):
        if kind in MEASURES and MEASURES[kind].compute.__qualname__ != compute.__qualname__:
            raise ValueError(f"measure {kind!r} is registered twice")
        MEASURES[kind] = Measure(kind, compute, tuple(sources), note, latest, supersedes)
        return compute

    return register


def get(kind: str) -> Measure:
    found = MEASURES.get(kind)
    if found is None:
        raise KeyError(f"no measure {kind!r} is registered (registered: {sorted(MEASURES)}); the topic that "
                       "defines it must be imported first (futurecity.topics.load_all() imports every topic)")
    return found


def newest(kind: str) -> Measure:
    """The measure that recomputes ``kind`` on the newest vintage of its data: the one registered as superseding
    it (followed to the last), else ``kind`` itself."""
    found, seen = get(kind), {kind}
    while (nxt := next((m for m in MEASURES.values() if m.supersedes == found.kind), None)) is not None:
        if nxt.kind in seen:
            raise ValueError(f"measures supersede one another in a circle: {sorted(seen)}")
        found = nxt
        seen.add(found.kind)
    return found


class Inputs:
    """The frames of one vintage, loaded once and shared (or given directly, for tests)."""

    def __init__(self, vintage: str = "pinned", live: bool = False, frames: dict[str, pd.DataFrame] | None = None):
        self.vintage, self.live = vintage, live
        self._frames = dict(frames or {})
        self._derived: dict[str, object] = {}

    def frame(self, source_id: str) -> pd.DataFrame:
        if source_id not in self._frames:
            self._frames[source_id] = access.load(source_id, vintage=self.vintage, live=self.live)
        return self._frames[source_id]

    def loaded(self, source_id: str) -> pd.DataFrame | None:
        return self._frames.get(source_id)

    def derived(self, key: str, make: Callable[[], object]):
        """``make()`` computed once per key (a topic's derived table), then shared."""
        if key not in self._derived:
            self._derived[key] = make()
        return self._derived[key]


def require_years(frame: pd.DataFrame, source: str, start: int, end: int) -> None:
    """Raise :class:`NotCovered` unless ``frame`` has both ``start`` and ``end``."""
    present = set(frame["year"])
    if start not in present or end not in present:
        raise NotCovered(source, int(min(present)), int(max(present)), start, end)
