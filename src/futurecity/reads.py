"""The log of what a chapter read while it ran: data files, project tables and ledger entries.

When ``FUTURECITY_READS_LOG`` names a file (the build sets it in each chapter's kernel), every read appends one
JSON line: ``{"kind": "source" | "table" | "ledger", ...}``. The build keys its execution cache on these reads
(:mod:`futurecity.book.cache`), so a chapter runs again when something it read changed, and only then.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from futurecity import config
from futurecity.files import sha256_bytes

LOG_ENV = "FUTURECITY_READS_LOG"


def log(kind: str, **fields) -> None:
    """Append one read to the log named by ``FUTURECITY_READS_LOG`` (nothing when it is unset)."""
    path = os.environ.get(LOG_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"kind": kind, **fields}, sort_keys=True) + "\n")


def read_table(name: str) -> bytes:
    """The bytes of a project table in ``data/`` (e.g. ``berd_product_groups.csv``), logged as read."""
    raw = (config.root() / "data" / name).read_bytes()
    log("table", name=name, sha256=sha256_bytes(raw))
    return raw


def table_digest(name: str) -> str | None:
    """The sha256 of a project table now (None when it is gone)."""
    path = config.root() / "data" / name
    return sha256_bytes(path.read_bytes()) if path.is_file() else None


def read_log(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
