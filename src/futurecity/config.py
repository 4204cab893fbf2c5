"""Where the book finds its project files, pinned snapshots and cache.

Every location can be moved by an environment variable, so a test or a reader can point the book at other data:

- ``FUTURECITY_ROOT``: the project folder (holds ``_toc.yml`` and ``data/``); defaults to the checkout this
  package lives in (the book runs from its checkout, an editable install).
- ``FUTURECITY_SNAPSHOTS``: the folder of pinned snapshots (holds ``uk/`` and ``world/``); no default. A relative
  path is taken relative to the project root, never to the working directory, so a kernel in ``chapters/``, a
  papermill run from ``/tmp`` and the build read the same folder.
- ``FUTURECITY_CACHE``: the store of live vintages; defaults to ``<root>/.cache/futurecity`` (git-ignored); a
  relative path is taken relative to the project root too.
- ``FUTURECITY_URL_<ID>``: the base URL of one source's live API (see :mod:`futurecity.data.registry`).
- ``FUTURECITY_MIRROR``: a base URL that replaces ``https://raw.githubusercontent.com`` in the public copies of
  the snapshots (``futurecity pull --snapshots``), keeping ``OWNER/REPO/COMMIT/PATH``.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
BUILD_ENV = "FUTURECITY_BUILD"  # set by `futurecity build` in the kernels that execute the chapters
PULLED_ENV = "FUTURECITY_PULLED"  # sources the build already tried: chapters with live=True do not pull again
PULL_FAILED_ENV = "FUTURECITY_PULL_FAILED"  # JSON {source id: why} of the build's pulls that failed
MIRROR_ENV = "FUTURECITY_MIRROR"


def root() -> Path:
    env = os.environ.get("FUTURECITY_ROOT")
    return Path(env).expanduser().resolve() if env else PACKAGE_DIR.parents[1]


def in_project(value: str) -> Path:
    """``value`` as an absolute path: ``~`` expanded, a relative path taken from the project root."""
    path = Path(value).expanduser()
    return (path if path.is_absolute() else root() / path).resolve()


def registry_path() -> Path:
    return root() / "data" / "sources.yml"


def snapshots_dir() -> Path | None:
    env = os.environ.get("FUTURECITY_SNAPSHOTS")
    return in_project(env) if env else None


def cache_dir() -> Path:
    env = os.environ.get("FUTURECITY_CACHE")
    return in_project(env) if env else root() / ".cache" / "futurecity"


def downloaded_snapshots_dir() -> Path:
    """Where ``futurecity pull --snapshots`` puts the public copies when no folder is named or configured."""
    return cache_dir() / "snapshots"


def shared_data_dir() -> Path:
    """The snapshot folder of this project's usual layout: ``shared/data`` beside the checkout."""
    return root().parent / "shared" / "data"
