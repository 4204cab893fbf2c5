"""A parser of the machine-readable claims table in shared/claims.md (the paper's checkable claims).

Independent of futurecity: tests hold the project's ledger (data/claims.yml) against this table. Any row it cannot
read raises ValueError; nothing is skipped silently.
"""

from __future__ import annotations

import re
from pathlib import Path

CLAIMS_MD = Path(__file__).resolve().parents[2] / "shared" / "claims.md"
COLUMNS = ["id", "chapter", "the paper says (in our words)", "paper_value", "unit", "rule", "window",
           "suggested sources"]
_NUMBER = r"-?\d+(?:\.\d+)?"


def _number(text: str) -> int | float:
    """A number as int when integral, else float."""
    if not re.fullmatch(_NUMBER, text):
        raise ValueError(f"not a number: {text!r}")
    value = float(text)
    return int(value) if value.is_integer() else value


def parse_rule(text: str) -> dict:
    """A rule cell ('within 3', 'direction fall', ...) in the ledger's form."""
    parts = text.split()
    kind, args = (parts[0], parts[1:]) if parts else ("", [])
    if kind == "not_reproducible" and not args:
        return {"kind": "not_reproducible"}
    if kind == "direction" and len(args) == 1 and args[0] in ("fall", "rise"):
        return {"kind": "direction", "expect": args[0]}
    if len(args) == 1:
        if kind == "within":
            return {"kind": "within", "tolerance": _number(args[0])}
        if kind in ("greater_than", "less_than"):
            return {"kind": kind, "threshold": _number(args[0])}
        if kind == "top_n" and re.fullmatch(r"\d+", args[0]):
            return {"kind": "top_n", "n": int(args[0])}
    raise ValueError(f"cannot read rule {text!r}")


def parse_window(text: str) -> dict:
    """A window cell ('2010-2019', '1979-latest', '-') as {'start': ..., 'end': ...}."""
    if text == "-":
        return {"start": None, "end": None}
    m = re.fullmatch(r"(\d{4})-(\d{4}|latest)", text)
    if not m:
        raise ValueError(f"cannot read window {text!r}")
    start = int(m.group(1))
    end = m.group(2) if m.group(2) == "latest" else int(m.group(2))
    if end != "latest" and end < start:
        raise ValueError(f"window ends before it starts: {text!r}")
    return {"start": start, "end": end}


def parse_paper_value(text: str) -> float | None:
    """A paper_value cell: 'null' -> None, else a float."""
    if text == "null":
        return None
    return float(_number(text))


def _cells(line: str) -> list[str]:
    if not (line.startswith("|") and line.endswith("|")):
        raise ValueError(f"not a table row: {line!r}")
    return [c.strip() for c in line[1:-1].split("|")]


def claims_table(path: Path | None = None) -> list[dict]:
    """The claims of the table in claims.md, in table order."""
    lines = [ln.rstrip() for ln in (path or CLAIMS_MD).read_text(encoding="utf-8").splitlines()]
    heads = [i for i, ln in enumerate(lines) if ln.startswith("|") and _cells(ln)[:2] == ["id", "chapter"]]
    if len(heads) != 1:
        raise ValueError(f"expected one claims table, found {len(heads)}")
    head = heads[0]
    if _cells(lines[head]) != COLUMNS:
        raise ValueError(f"unexpected table columns: {_cells(lines[head])}")
    if not all(re.fullmatch(r":?-{3,}:?", c) for c in _cells(lines[head + 1])):
        raise ValueError("the table header is not followed by its separator row")
    out = []
    for line in lines[head + 2:]:
        if not line.startswith("|"):
            break
        cells = _cells(line)
        if len(cells) != len(COLUMNS):
            raise ValueError(f"row has {len(cells)} cells, expected {len(COLUMNS)}: {line!r}")
        row = dict(zip(COLUMNS, cells))
        if not re.fullmatch(r"C\d+-\d+[a-z]?", row["id"]):
            raise ValueError(f"cannot read claim id {row['id']!r}")
        if not re.fullmatch(r"\d+", row["chapter"]):
            raise ValueError(f"claim {row['id']}: cannot read chapter {row['chapter']!r}")
        try:
            out.append({
                "id": row["id"],
                "chapter": int(row["chapter"]),
                "paper_value": parse_paper_value(row["paper_value"]),
                "unit": row["unit"],
                "rule": parse_rule(row["rule"]),
                "window": parse_window(row["window"]),
            })
        except ValueError as exc:
            raise ValueError(f"claim {row['id']}: {exc}") from None
    if not out:
        raise ValueError("the claims table has no rows")
    ids = [c["id"] for c in out]
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate ids in the claims table")
    return out
