"""The website's own Python: the Sphinx extensions of the book, each loaded by name from ``_config.yml``.

- :mod:`futurecity.site.references`: references in author-year style (the bibliography's labels and the
  citations in the text).
- :mod:`futurecity.site.sources`: the footer's list of data licences and the Data page (directive
  ``futurecity-sources``), both read from data/sources.yml.
- :mod:`futurecity.site.facts`: every number the prose quotes from data (``{glue:text}``) explains itself in a
  popover.
- :mod:`futurecity.site.launch`: Binder and Colab launch buttons only when the book names its repository.

They sit on top of the package, with the build and the command line, and import nothing of it: Sphinx loads them
without pandas or the data layer. What they share is here: where the registry of sources is, and its entries.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml


def sources_yml(confdir: Path) -> Path | None:
    """data/sources.yml of the project: beside the configuration, or above it when the book is staged in
    _build/src."""
    for folder in (confdir, *confdir.parents):
        if (folder / "data" / "sources.yml").is_file():
            return folder / "data" / "sources.yml"
    return None


def registry(confdir: Path) -> dict[str, dict]:
    """The sources of data/sources.yml by id, in the registry's order (read once per version of the file)."""
    path = sources_yml(confdir)
    return _read_registry(path, path.stat().st_mtime_ns) if path else {}


@lru_cache(maxsize=4)
def _read_registry(path: Path, mtime: int) -> dict[str, dict]:
    return {s["id"]: s for s in yaml.safe_load(path.read_text(encoding="utf-8"))["sources"]}
