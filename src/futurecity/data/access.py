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
import re
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd

from futurecity import config
from futurecity.config import PULL_FAILED_ENV, PULLED_ENV
from futurecity.data import registry, store, vintages
from futurecity.data.http import HttpSession, HttpSettings, env_number, session
from futurecity.errors import BadInput, DataUnavailable, NetworkUnreachable

# --- the FUTURECITY_* variables, checked before anything reads them ---------------------------------------------

NUMBERS = {**{var: getattr(HttpSettings(), name) for name, var in HttpSettings.ENV.items()},
           "FUTURECITY_NOMIS_PAGE_SIZE": 1, "FUTURECITY_CELL_TIMEOUT": 1}  # variable -> a default of its type
POSITIVE = {"FUTURECITY_NOMIS_PAGE_SIZE", "FUTURECITY_CELL_TIMEOUT", "FUTURECITY_HTTP_TIMEOUT",
            "FUTURECITY_HTTP_CONNECT_TIMEOUT"}
_checked: tuple | None = None


def _bad(var: str, value: str, problem: str, remedy: str) -> BadInput:
    return BadInput(f"{var}={value!r}", problem, f"{remedy}, or unset {var} to use the default")


def _url_problem(value: str) -> str | None:
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in value.strip()):
        return "is not an http(s) URL with a host"
    return None


def _check_folder(var: str, value: str, must_exist: bool = False) -> None:
    path = config.in_project(value)
    if path.exists() and not path.is_dir():
        raise _bad(var, value, f"{path} is a file, not a folder", f"set {var} to a folder")
    if must_exist and not path.is_dir():
        raise _bad(var, value, f"the folder {path} does not exist", f"set {var} to an existing folder")
    above = next((p for p in path.parents if p.exists()), None)
    if above is not None and not above.is_dir():
        raise _bad(var, value, f"{above}, a part of its path, is a file", f"set {var} to a folder")


def check_environment() -> None:
    """Check every ``FUTURECITY_*`` variable this package reads: numbers (HTTP timeouts and retries, the Nomis
    page size, the cell timeout), URLs (``FUTURECITY_URL_<ID>`` of a registered source, ``FUTURECITY_MIRROR``)
    and folders (``FUTURECITY_ROOT`` with its registry, ``FUTURECITY_CACHE`` and ``FUTURECITY_SNAPSHOTS`` not a
    file). :class:`BadInput` names the first bad one, its value and the remedy. Checked once per set of values."""
    global _checked
    env = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("FUTURECITY_")))
    if env == _checked:
        return
    values = dict(env)
    if values.get("FUTURECITY_ROOT"):
        root = Path(values["FUTURECITY_ROOT"]).expanduser()
        if not (root / "data" / "sources.yml").is_file():
            raise _bad("FUTURECITY_ROOT", values["FUTURECITY_ROOT"], f"{root} holds no data/sources.yml",
                       "set it to the project folder (the checkout, which holds _toc.yml and data/)")
    for var, default in NUMBERS.items():
        if values.get(var, "").strip():
            try:
                number = env_number(var, default)
            except ValueError as exc:
                raise _bad(var, values[var], str(exc).split(" ", 1)[1],
                           f"set it to a non-negative {type(default).__name__}") from None
            if var in POSITIVE and number <= 0:
                raise _bad(var, values[var], "must be more than 0", "set it to a positive number")
    for var in ("FUTURECITY_CACHE", "FUTURECITY_SNAPSHOTS"):
        if values.get(var, "").strip():
            _check_folder(var, values[var])
    urls = {src.env_url_var: src.id for src in registry.sources().values() if src.live is not None}
    for var, value in values.items():
        if var.startswith("FUTURECITY_URL_") and var not in urls:
            raise _bad(var, value, "names no registered source with a live API",
                       f"use one of {', '.join(sorted(urls))}")
        if (var in urls or var == config.MIRROR_ENV) and value.strip() and _url_problem(value):
            raise _bad(var, value, _url_problem(value), "set it to a base URL such as https://host/path")
    _checked = env


def check_vintage(vintage) -> str:
    """``vintage`` if it is ``"pinned"``, ``"latest"`` or a vintage id (``YYYYMMDDTHHMMSSZ-xxxxxxxx``), else
    :class:`BadInput` naming it and the choices."""
    if isinstance(vintage, str) and (vintage in ("pinned", "latest") or re.fullmatch(store.VINTAGE_ID, vintage)):
        return vintage
    raise BadInput(f"vintage={vintage!r}", "a vintage is 'pinned' (the snapshots), 'latest' (the newest good live "
                   "vintage, else the snapshot) or the id of a cached vintage such as 20250101T120000Z-0123abcd",
                   "pass one of those (`futurecity sources` lists the cached vintages)")

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
