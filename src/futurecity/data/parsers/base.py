"""What every parser shares: the registry of parsers by name, and readers that refuse what they cannot read."""

from __future__ import annotations

import io
from collections.abc import Callable

import pandas as pd

from futurecity.errors import ParseError

PARSERS: dict[str, Callable[[bytes], pd.DataFrame]] = {}


def parser(name: str):
    def register(func):
        PARSERS[name] = func
        return func

    return register


def text(raw: bytes, what: str) -> str:
    """Decode bytes as UTF-8 (BOM allowed) and refuse an HTML page where data were expected."""
    try:
        body = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        body = raw.decode("latin-1")
    head = body.lstrip()[:200].lower()
    if head.startswith("<!doctype html") or head.startswith("<html") or "<html" in head:
        raise ParseError(f"expected {what} but got an HTML page (first characters: {body.lstrip()[:60]!r})")
    if not body.strip():
        raise ParseError(f"expected {what} but the body is empty")
    return body


def read_csv(raw: bytes, what: str, required: list[str], **kwargs) -> pd.DataFrame:
    """Read CSV bytes and check that the columns ``required`` are present."""
    body = text(raw, what)
    try:
        frame = pd.read_csv(io.StringIO(body), **kwargs)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ParseError(f"{what} could not be read as CSV: {exc}") from exc
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ParseError(f"{what}: expected columns {missing} not found; the header has {list(frame.columns)}")
    if frame.empty:
        raise ParseError(f"{what}: the table has a header but no rows")
    return frame


def numeric(series: pd.Series, what: str, missing: tuple[str, ...] = ("", ".", "NA", "..", ":")) -> pd.Series:
    """Numbers from strings such as '1,234'; the listed markers mean missing; anything else is an error."""
    out = pd.to_numeric(series, errors="coerce").astype("float64")  # plain numbers, read at C speed
    rest = out.isna() & series.notna()  # the others (commas, spaces, markers, text) are read as strings
    if rest.any():
        s = series[rest].astype("string").str.strip().str.replace(",", "", regex=False)
        s = s.mask(s.isin(missing))
        more = pd.to_numeric(s, errors="coerce")
        bad = s.notna() & more.isna()
        if bad.any():
            raise ParseError(f"{what}: non-numeric values where numbers were expected, e.g. {list(s[bad].head(3))}")
        out[rest] = more.astype("float64")
    return out
