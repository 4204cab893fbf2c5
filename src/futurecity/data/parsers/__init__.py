"""Parsers: one function per data format, turning the bytes of a response or snapshot into a tidy DataFrame.

A parser is registered by name with :func:`futurecity.data.parsers.base.parser`; the registry
(``data/sources.yml``) names the parser of each source's live answer and of its pinned snapshot. A parser raises
:class:`futurecity.errors.ParseError` naming what it expected whenever the bytes are not in the format it knows
(a changed header, an HTML page, an empty table).
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from futurecity.data.parsers.base import PARSERS
from futurecity.errors import ParseError


def get(name: str) -> Callable[[bytes], pd.DataFrame]:
    _load_all()
    try:
        return PARSERS[name]
    except KeyError:
        raise ParseError(f"no parser named {name!r}; known: {', '.join(sorted(PARSERS))}") from None


def _load_all() -> None:
    from futurecity.data.parsers import (  # noqa: F401  (registers)
        berd, berd_release, files, fred, nomis, ons, worldbank)
