"""Rules: how a recomputed value is judged against the paper's, once in Python and once as a Vega expression.

A rule kind is registered with :func:`rule_kind`: its parameters, a sentence describing it, the Python test and
the same test as a Vega expression (so a chart can give the verdict in the browser from the ledger's own
tolerance and paper value). The kinds of ``../shared/claims.md`` are registered here; a topic may register more
without touching this module.

Statuses are exactly those of claims.md. Values are reported, and judged, at :data:`DIGITS` decimals.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

REPRODUCED, DIFFERS, NEEDS_LIVE, NOT_REPRODUCIBLE, PENDING = (
    "reproduced", "differs", "needs live data", "not reproducible", "pending")
STATUSES = (REPRODUCED, DIFFERS, NEEDS_LIVE, NOT_REPRODUCIBLE, PENDING)
DIGITS = 4


@dataclass(frozen=True)
class RuleKind:
    """One kind of rule. ``holds(rule, value, paper)`` and ``vega(rule, value_expr, paper)`` are None for a
    kind that judges no value (``not_reproducible``)."""

    name: str
    params: tuple[str, ...]
    describe: Callable[[dict], str]
    holds: Callable[[dict, float, float | None], bool] | None = None
    vega: Callable[[dict, str, float | None], str] | None = None


RULE_KINDS: dict[str, RuleKind] = {}


def rule_kind(name: str, *, params: tuple[str, ...], describe: Callable[[dict], str],
              vega: Callable[[dict, str, float | None], str] | None = None):
    """Register the decorated ``holds(rule, value, paper_value) -> bool`` as rule kind ``name``."""
    def register(holds):
        if name in RULE_KINDS:
            raise ValueError(f"rule kind {name!r} is registered twice")
        RULE_KINDS[name] = RuleKind(name, tuple(params), describe, holds, vega)
        return holds

    return register


def kind(rule: dict) -> RuleKind:
    """The registered kind of ``rule``; a ValueError naming the known kinds otherwise."""
    found = RULE_KINDS.get(rule.get("kind"))
    if found is None:
        raise ValueError(f"unknown rule kind {rule.get('kind')!r}; registered: {sorted(RULE_KINDS)}")
    return found


def check(rule: dict) -> None:
    """Raise ValueError unless ``rule`` is of a registered kind and has that kind's parameters."""
    missing = [p for p in kind(rule).params if p not in rule]
    if missing:
        raise ValueError(f"rule {rule} lacks {missing}")


def _lit(x) -> str:
    return json.dumps(x)


def _rounded(value: str) -> str:
    return f"round(({value}) * {10 ** DIGITS}) / {10 ** DIGITS}"


@rule_kind("within", params=("tolerance",),
           describe=lambda r: f"within {r['tolerance']} of the paper's value",
           vega=lambda r, v, paper: f"abs({_rounded(v)} - ({_lit(paper)})) <= {_lit(r['tolerance'])} + 1e-12")
def _within(rule, value, paper):
    return abs(value - paper) <= rule["tolerance"] + 1e-12


@rule_kind("greater_than", params=("threshold",), describe=lambda r: f"greater than {r['threshold']}",
           vega=lambda r, v, paper: f"{_rounded(v)} > {_lit(r['threshold'])}")
def _greater_than(rule, value, paper):
    return value > rule["threshold"]


@rule_kind("less_than", params=("threshold",), describe=lambda r: f"less than {r['threshold']}",
           vega=lambda r, v, paper: f"{_rounded(v)} < {_lit(r['threshold'])}")
def _less_than(rule, value, paper):
    return value < rule["threshold"]


@rule_kind("top_n", params=("n",), describe=lambda r: f"in the top {r['n']}",
           vega=lambda r, v, paper: f"({v}) <= {_lit(r['n'])}")
def _top_n(rule, value, paper):
    return value <= rule["n"]


@rule_kind("direction", params=("expect",), describe=lambda r: f"a {r['expect']}",
           vega=lambda r, v, paper: f"{_rounded(v)} {'<' if r['expect'] == 'fall' else '>'} 0")
def _direction(rule, value, paper):
    if rule["expect"] not in ("fall", "rise"):
        raise ValueError(f"direction rule expects 'fall' or 'rise', not {rule['expect']!r}")
    return value < 0 if rule["expect"] == "fall" else value > 0


RULE_KINDS["not_reproducible"] = RuleKind(
    "not_reproducible", ("reason",), lambda r: f"not reproducible: {r.get('reason', '').strip()}")


def judges(rule: dict) -> bool:
    """Whether the rule judges a recomputed value (every kind but ``not_reproducible``)."""
    return kind(rule).holds is not None


def apply_rule(rule: dict, value: float | None, paper_value: float | None) -> str:
    """The status a rule gives a recomputed value: reproduced, differs, or not reproducible."""
    k = kind(rule)
    if k.holds is None:
        return NOT_REPRODUCIBLE
    if value is None:
        raise ValueError("a rule can only judge a value")
    return REPRODUCED if k.holds(rule, round(value, DIGITS), paper_value) else DIFFERS


def describe_rule(rule: dict) -> str:
    """The rule in words, e.g. 'within 1 of the paper's value'."""
    return kind(rule).describe(rule)


def verdict_expression(rule: dict, value: str, paper_value: float | None = None) -> str:
    """A Vega expression giving 'reproduced' or 'differs' for the expression ``value``, as :func:`apply_rule`."""
    k = kind(rule)
    if k.vega is None:
        raise ValueError(f"rule kind {k.name!r} has no verdict in the browser")
    return f"(({k.vega(rule, value, paper_value)})) ? '{REPRODUCED}' : '{DIFFERS}'"
