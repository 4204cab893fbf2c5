#!/usr/bin/env python3
"""Which claims changed status between two runs of ``futurecity claims --json``.

    python .ci/claims_changes.py PREVIOUS.json CURRENT.json

Prints a short Markdown report: each claim whose status changed (with both values and vintages), claims added or
removed, or that none changed. A missing PREVIOUS file (the first run) is said, not an error. Exit 0 either way.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def _by_id(path: Path) -> dict[str, dict]:
    return {c["id"]: c for c in json.loads(path.read_text(encoding="utf-8"))}


def report(previous: Path, current: Path) -> str:
    now = _by_id(current)
    if not previous.is_file():
        return f"## Claims\n\nNo previous run to compare with; {len(now)} claims evaluated.\n"
    before = _by_id(previous)
    lines = ["## Claims whose status changed", ""]
    for cid in sorted(now.keys() & before.keys()):
        old, new = before[cid], now[cid]
        if old["status"] != new["status"]:
            lines.append(f"- {cid} ({new['label']}): {old['status']} -> {new['status']} "
                         f"(value {old['value']} -> {new['value']}; vintage {old['vintage']} -> {new['vintage']})")
    lines += [f"- {cid}: new claim, {now[cid]['status']}" for cid in sorted(now.keys() - before.keys())]
    lines += [f"- {cid}: no longer in the ledger (was {before[cid]['status']})"
              for cid in sorted(before.keys() - now.keys())]
    if len(lines) == 2:
        lines.append(f"None: all {len(now)} claims keep their status.")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    print(report(Path(sys.argv[1]), Path(sys.argv[2])), end="")
