"""The claims ledger, ``data/claims.yml``: every checkable claim of the paper, keyed by the ids of
``../shared/claims.md`` (the tests hold the two against each other).

Per claim: id, chapter, label, statement, paper_value, unit, rule (a registered kind, see
:mod:`futurecity.claims.rules`), window (start and end years; ``end: latest`` is the latest complete year the
data hold; both null where no window applies), sources, and, once its chapter is written, the measure that
computes it (a kind registered by a topic, see :mod:`futurecity.claims.measures`); for a claim with a recomputable
value, its analytic ``choices`` (see :func:`check_choices` and :mod:`futurecity.claims.robustness`).
"""

from __future__ import annotations

import json
from pathlib import Path


from futurecity import config, reads
from futurecity.claims import rules
from futurecity.files import read_yaml, sha256_bytes

REQUIRED = ("id", "chapter", "label", "statement", "paper_value", "unit", "rule", "window", "sources")
LATEST = "latest"
WINDOW_CHOICES = ("start", "end")  # choices that move the window; any other choice is a parameter of the measure
CHOICE_KEYS = {"name", "options", "paper", "reason"}  # and, optional, left_out: the options the data cannot give


def path() -> Path:
    return config.root() / "data" / "claims.yml"


def _check(claim: dict) -> None:
    missing = [k for k in REQUIRED if k not in claim]
    if missing:
        raise ValueError(f"claim {claim.get('id', '?')}: missing keys {missing}")
    try:
        rules.check(claim["rule"])
    except ValueError as exc:
        raise ValueError(f"claim {claim['id']}: {exc}") from None
    window = claim["window"]
    if not isinstance(window, dict) or set(window) != {"start", "end"}:
        raise ValueError(f"claim {claim['id']}: window must be {{start, end}}, not {window!r}")
    if not (window["end"] is None or window["end"] == LATEST or isinstance(window["end"], int)):
        raise ValueError(f"claim {claim['id']}: window end must be a year, 'latest' or null")
    check_choices(claim)


def check_choices(claim: dict) -> None:
    """Raise ValueError unless the claim's ``choices`` are well formed: each a name, its options (distinct), the
    option the paper's own specification uses, a one-line reason and optionally ``left_out`` (what the data cannot
    give, in words); only a claim with a measure has choices, and the paper's options are the claim's own window
    (``start``, ``end``) and measure parameters, so the paper's specification is the claim's main evaluation."""
    choices = claim.get("choices") or []
    if choices and claim.get("measure") is None:
        raise ValueError(f"claim {claim['id']}: choices without a measure")
    names = [c.get("name") for c in choices]
    if len(set(names)) != len(names):
        raise ValueError(f"claim {claim['id']}: a choice is named twice ({names})")
    for choice in choices:
        where = f"claim {claim['id']}, choice {choice.get('name')!r}"
        if not CHOICE_KEYS <= set(choice) or set(choice) - CHOICE_KEYS - {"left_out"}:
            raise ValueError(f"{where}: keys must be {sorted(CHOICE_KEYS)} (and left_out), not {sorted(choice)}")
        options = choice["options"]
        if not isinstance(options, list) or not options or len({json.dumps(o) for o in options}) != len(options):
            raise ValueError(f"{where}: options must be a list of distinct values, not {options!r}")
        if choice["paper"] not in options:
            raise ValueError(f"{where}: the paper's option {choice['paper']!r} is not among {options}")
        if not isinstance(choice["reason"], str) or not choice["reason"].strip() or "\n" in choice["reason"].strip():
            raise ValueError(f"{where}: the reason must be one line of text")
        name = choice["name"]
        if name in WINDOW_CHOICES:
            if choice["paper"] != claim["window"][name]:
                raise ValueError(f"{where}: the paper's option {choice['paper']!r} is not the window's "
                                 f"{name} ({claim['window'][name]!r})")
        elif name == "kind":
            raise ValueError(f"{where}: a choice cannot replace the measure's kind")
        elif name in claim["measure"] and claim["measure"][name] != choice["paper"]:
            raise ValueError(f"{where}: the paper's option {choice['paper']!r} is not the measure's "
                             f"{claim['measure'][name]!r}")


def ledger(file: Path | None = None) -> list[dict]:
    """Every claim definition, checked: required keys, unique ids, registered rule kinds, windows."""
    doc = read_yaml(file or path())
    claims = doc["claims"]
    for claim in claims:
        _check(claim)
    ids = [c["id"] for c in claims]
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate claim ids in the ledger")
    return claims


def digest(claims: list[dict]) -> str:
    """A content hash of claim definitions (what the build's cache compares)."""
    return sha256_bytes(json.dumps(claims, sort_keys=True, default=str).encode())


def chapter_claims(chapter: int | None = None) -> list[dict]:
    """The claims of one chapter (all claims when ``chapter`` is None), in ledger order; the read is logged
    with the hash of exactly these entries, so editing another chapter's claims re-executes nothing here."""
    chosen = [c for c in ledger() if chapter is None or c["chapter"] == chapter]
    reads.log("ledger", chapter=chapter, sha256=digest(chosen))
    return chosen


def definition(claim_id: str, claims: list[dict] | None = None) -> dict:
    """One claim's definition from the ledger (or from ``claims``)."""
    for claim in claims if claims is not None else ledger():
        if claim["id"] == claim_id:
            return claim
    raise KeyError(f"no claim {claim_id!r} in the ledger")
