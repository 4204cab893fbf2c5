"""The package's layers: modules import downwards only, with no cycle anywhere (imports inside functions count).

Layers, bottom to top: errors, config, files, reads, facts -> data -> claims -> viz -> topics -> chapters ->
book, cli and site (the website's Sphinx extensions, which Sphinx loads by name from _config.yml). The graph is read
from the source with :mod:`ast`, independently of the package's own tools.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conftest import PROJECT

PACKAGE = PROJECT / "src" / "futurecity"
LAYERS = [
    {"futurecity", "futurecity.errors", "futurecity.config", "futurecity.files", "futurecity.reads",
     "futurecity.facts"},
    {"futurecity.data"},
    {"futurecity.claims"},
    {"futurecity.viz"},
    {"futurecity.topics"},
    {"futurecity.chapters"},
    {"futurecity.book", "futurecity.cli", "futurecity.__main__", "futurecity.site"},
]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py")}


def graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports (``from a import b`` is ``a.b`` when ``a.b`` is a module)."""
    known = modules()
    edges = {}
    for name, path in known.items():
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {a.name for a in node.names if a.name in known}
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("futurecity"):
                assert node.level == 0, f"{name}: relative import"
                subs = {f"{node.module}.{a.name}" for a in node.names} & set(known)
                found |= subs or {node.module}
                if len(subs) < len(node.names):
                    found.add(node.module)
        edges[name] = found - {name}
    return edges


def layer(module: str) -> int:
    for i, names in enumerate(LAYERS):
        if module in names or any(module.startswith(n + ".") for n in names if n != "futurecity"):
            return i
    raise AssertionError(f"{module} belongs to no layer")


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every cycle found by depth-first search (one path per back edge)."""
    found, state, stack = [], {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                found.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node)
    return found


def test_no_import_cycle_in_the_package():
    assert cycles(graph()) == []


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]


def test_every_import_goes_down_a_layer_or_stays_in_its_package():
    wrong = []
    for module, targets in graph().items():
        for target in targets:
            if layer(target) > layer(module):
                wrong.append(f"{module} (layer {layer(module)}) imports {target} (layer {layer(target)})")
    assert wrong == []


@pytest.mark.parametrize("engine", ["futurecity.claims", "futurecity.data"])
def test_the_claims_engine_and_data_layer_import_no_topic(engine):
    offenders = [f"{m} imports {t}" for m, targets in graph().items() if m.startswith(engine)
                 for t in targets if t.startswith(("futurecity.topics", "futurecity.chapters", "futurecity.viz"))]
    assert offenders == []


def test_the_sphinx_extensions_sit_on_top_alone():
    """futurecity.site imports only itself (Sphinx loads it with no pandas or data layer), no other module
    imports it, and _config.yml loads each of its extensions by name."""
    import yaml

    edges = graph()
    site = {m for m in edges if m == "futurecity.site" or m.startswith("futurecity.site.")}
    assert {"futurecity.site.facts", "futurecity.site.sources", "futurecity.site.references",
            "futurecity.site.launch"} <= site
    assert {t for m in site for t in edges[m]} <= site
    assert [m for m, targets in edges.items() if m not in site and targets & site] == []
    config = yaml.safe_load((PROJECT / "_config.yml").read_text(encoding="utf-8"))["sphinx"]
    assert {m for m in site if m != "futurecity.site"} <= set(config["config"]["extensions"])
    assert "local_extensions" not in config and not (PROJECT / "_templates" / "sphinxext").exists()
