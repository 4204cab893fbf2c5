"""Where the book finds its project files, pinned snapshots and cache.

Every location can be moved by an environment variable, so a test or a reader can point the book at other data:

- ``FUTURECITY_ROOT``: the project folder (holds ``_toc.yml`` and ``data/``); defaults to the checkout this
  package lives in.
- ``FUTURECITY_SNAPSHOTS``: the folder of pinned snapshots (holds ``uk/`` and ``world/``); no default.
- ``FUTURECITY_CACHE``: the store of live vintages; defaults to ``<root>/.cache/futurecity`` (git-ignored).
- ``FUTURECITY_URL_<ID>``: the base URL of one source's live API (see :mod:`futurecity.data.registry`).
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
BUILD_ENV = "FUTURECITY_BUILD"  # set by `futurecity build` in the kernels that execute the chapters
PULLED_ENV = "FUTURECITY_PULLED"  # sources the build already tried: chapters with live=True do not pull again


def root() -> Path:
    env = os.environ.get("FUTURECITY_ROOT")
    return Path(env).resolve() if env else PACKAGE_DIR.parents[1]


def registry_path() -> Path:
    return root() / "data" / "sources.yml"


def snapshots_dir() -> Path | None:
    env = os.environ.get("FUTURECITY_SNAPSHOTS")
    return Path(env).resolve() if env else None


def cache_dir() -> Path:
    env = os.environ.get("FUTURECITY_CACHE")
    return Path(env).resolve() if env else root() / ".cache" / "futurecity"
