"""What topics call to get a source: :func:`load`, which pulls a live vintage first when asked to.

``load(source_id, vintage, live)`` with ``vintage="latest"`` and ``live=True`` pulls the source once
(:func:`futurecity.data.vintages.pull`), unless the build already tried it (``FUTURECITY_PULLED``; the pulls
that failed there are in ``FUTURECITY_PULL_FAILED``), then reads through :func:`futurecity.data.store.load`,
which resolves the vintage and attaches the provenance.

When that pull fails, the read falls back to what ``"latest"`` resolves to without it: the newest good vintage in
the cache, else the pinned snapshot. The frame then says so in ``attrs["fallback"]`` (``reason``: why the pull
failed; ``url``), which a chapter shows at its top (:func:`futurecity.chapters.common.data_notice`). Only when
nothing is there to fall back on does it raise, naming the source, both failures and the remedy. An explicit
vintage id never falls back, and ``"pinned"`` never pulls.
"""

from __future__ import annotations

import json
import os

import pandas as pd

from futurecity.config import PULL_FAILED_ENV, PULLED_ENV
from futurecity.data import registry, store, vintages
from futurecity.data.http import HttpSession, session
from futurecity.errors import DataUnavailable, NetworkUnreachable

_session: HttpSession | None = None


def _http() -> HttpSession:
    """One session per process, so a host found unreachable is not asked again for every source at once."""
    global _session
    if _session is None:
        _session = session()
    return _session


def build_failures() -> dict[str, dict]:
    """The pulls the build tried and that failed: source id -> ``{"reason", "url"}``."""
    raw = os.environ.get(PULL_FAILED_ENV, "").strip()
    return json.loads(raw) if raw else {}


def failure(exc: DataUnavailable) -> dict:
    """Why a pull failed, as a chapter's notice says it: ``{"reason", "url"}``."""
    if isinstance(exc, NetworkUnreachable):
        return {"reason": f"no connection could be made: {exc.why}.", "url": exc.url}
    return {"reason": exc.tried, "url": exc.url}


def _pull(src) -> dict | None:
    """Pull ``src`` (or look up the build's try); None when it went well, else :func:`failure`."""
    if src.id in os.environ.get(PULLED_ENV, "").split(","):
        return build_failures().get(src.id)
    try:
        vintages.pull(src, http=_http())
    except DataUnavailable as exc:
        return failure(exc)
    return None


def load(source_id: str, vintage: str = "pinned", live: bool = False) -> pd.DataFrame:
    """The tidy frame of ``source_id`` on ``vintage`` (see :mod:`futurecity.data.store`), pulled first when
    ``live`` is on and the vintage asked for is ``"latest"``; see the module for the fallback."""
    src = registry.get(source_id)
    failed = _pull(src) if vintage == "latest" and live and src.live is not None else None
    try:
        frame = store.load(source_id, vintage)
    except DataUnavailable as exc:
        if failed is None:
            raise
        raise DataUnavailable(src.id, failed["url"],
                              f"the live pull failed ({failed['reason'].rstrip('.')}), and there is nothing to fall "
                              f"back on: {exc.tried}", exc.remedy) from exc
    if failed is not None:
        frame.attrs["fallback"] = dict(failed)
    return frame
