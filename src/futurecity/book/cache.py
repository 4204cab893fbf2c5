"""The execution cache: a chapter is executed again only when something it used changed content.

A chapter's key, known before it runs (:func:`static_key`): its code cells (:func:`code_cells_digest`, not its
prose: a markdown cell is not executed, and :func:`futurecity.book.build.refresh_prose` gives the executed copy the
new text), its parameters and the files of the ``futurecity`` package it imports (:mod:`futurecity.book.imports`). What it read while it ran is logged
(:mod:`futurecity.reads`) and checked on the next build (:func:`reads_still_valid`): each data source's file, as the
same vintage resolves now, and that source's registry entry; each project table in ``data/``; its entries of the
claims ledger. Keys hold hashes and paths relative to the project only, so the same content reached by another
path (a relative or absolute snapshot folder, another checkout) re-executes nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

from futurecity import reads
from futurecity.book import imports
from futurecity.claims import ledger
from futurecity.data import store
from futurecity.files import atomic_write, read_yaml, sha256_bytes, sha256_file

FORMAT = 3


def code_digest(project: Path, notebook: Path) -> dict[str, str]:
    """Hash of each package file the notebook imports, by path relative to the project."""
    package = project / "src" / "futurecity"
    return {str(p.relative_to(project)): sha256_file(p) for p in imports.closure(imports.notebook_code(notebook), package)}


def code_cells_digest(notebook: Path) -> str:
    """The hash of what the kernel executes: each code cell's source and metadata (its tags say which cell takes
    the parameters), in order, and the notebook's kernel. Markdown and raw cells are left out."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    cells = [[c.get("source", ""), c.get("metadata", {})] for c in nb.get("cells", []) if c.get("cell_type") == "code"]
    kernel = nb.get("metadata", {}).get("kernelspec", {})
    return sha256_bytes(json.dumps({"cells": cells, "kernelspec": kernel}, sort_keys=True).encode())


def static_key(notebook: Path, params: dict, project: Path) -> dict:
    """The inputs of a chapter known before it runs."""
    return {"format": FORMAT, "code_cells": code_cells_digest(notebook), "params": params,
            "code": code_digest(project, notebook)}


def registry_entries(project: Path) -> dict[str, str]:
    """The hash of each source's entry in the registry, by source id."""
    doc = read_yaml(project / "data" / "sources.yml")
    return {e["id"]: sha256_bytes(json.dumps(e, sort_keys=True, default=str).encode()) for e in doc["sources"]}


def _ledger_digest(project: Path, chapter: int | None) -> str:
    claims = ledger.ledger(project / "data" / "claims.yml")
    return ledger.digest([c for c in claims if chapter is None or c["chapter"] == chapter])


def _still(read: dict, project: Path, entries: dict[str, str]) -> bool:
    kind = read["kind"]
    if kind == "source":
        if entries.get(read["source"]) != read["registry_entry"]:
            return False
        path = store.resolved_file(read["source"], read["vintage"])
        return path is not None and path.is_file() and sha256_file(path) == read["sha256"]
    if kind == "table":
        return reads.table_digest(read["name"]) == read["sha256"]
    if kind == "ledger":
        return _ledger_digest(project, read["chapter"]) == read["sha256"]
    return False


def reads_still_valid(project: Path, logged: list[dict]) -> bool:
    """True when everything the chapter read would be read again with the same content. Sources are resolved by
    :func:`futurecity.data.store.resolved_file` in this process, whose settings the chapters inherit."""
    entries = registry_entries(project)
    return all(_still(read, project, entries) for read in logged)


def valid(record_path: Path, executed: Path, key: dict, project: Path) -> bool:
    """Whether the executed notebook and its record still stand for ``key``."""
    if not (record_path.is_file() and executed.is_file()):
        return False
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return False
    return record.get("key") == key and reads_still_valid(project, record.get("reads", []))


def record(record_path: Path, key: dict, logged: list[dict], project: Path) -> None:
    """Write the key and the reads of an execution (one entry per distinct read, sources with their registry
    entry's hash)."""
    entries = registry_entries(project)
    distinct = {}
    for read in logged:
        if read["kind"] == "source":
            read = {**read, "registry_entry": entries.get(read["source"], "")}
        distinct[json.dumps(read, sort_keys=True)] = read
    body = {"key": key, "reads": [distinct[k] for k in sorted(distinct)]}
    atomic_write(record_path, json.dumps(body, indent=1).encode())
