"""What every chapter does the same way: glue its facts, turn its claims into facts, say which data it read."""

from __future__ import annotations

from futurecity.facts import Fact, constant


def glue(facts: dict[str, Fact]) -> None:
    """Glue every fact's value under its name (myst-nb), so the prose can quote it with ``{glue:text}``."""
    from myst_nb import glue as myst_glue

    for name, item in facts.items():
        myst_glue(name, item.value, display=False)


def claim_key(claim_id: str) -> str:
    """The prefix of a claim's facts: ``C5-8a`` -> ``c58a``."""
    return claim_id.replace("-", "").lower()


def claim_facts(results: list[dict], ids: tuple[str, ...], values: bool = True) -> dict[str, Fact]:
    """For each claim in ``ids``: ``<key>_paper`` (the paper's value) and, with ``values``, ``<key>_value`` and
    ``<key>_status`` as the claims engine evaluated them."""
    found = {r["id"]: r for r in results}
    out = {}
    for cid in ids:
        r = found[cid]
        key, years = claim_key(cid), f"{r['window']['start']}-{r['window']['end']}"
        out[f"{key}_paper"] = Fact(r["paper_value"], f"the paper's value of {cid} ({r['unit']})", claim=cid)
        if values:
            prov = {"sources": tuple(r["sources"]), "vintage": r["vintage_label"], "claim": cid}
            out[f"{key}_value"] = Fact(r["value"], f"{r['label']}, {years}, recomputed ({r['unit']})", **prov)
            out[f"{key}_status"] = Fact(r["status"], f"status of {cid} under its rule in the ledger", **prov)
    return out


def data_basis(vintage: str) -> Fact:
    """The words the prose uses for the data a chapter was built on."""
    text = ("the data pinned for this edition" if vintage == "pinned"
            else f"the data of this build (vintage {vintage!r})")
    return constant(text, "which vintage of the data this chapter was built on")
