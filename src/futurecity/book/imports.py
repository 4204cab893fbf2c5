"""The ``futurecity`` modules a chapter imports, found statically: the notebook's code cells and, recursively,
every module they import (imports inside functions included), with the packages' ``__init__`` files.

The build keys a chapter's execution on exactly these files, so editing a topic that only chapter 5 imports
re-executes chapter 5 alone.
"""

from __future__ import annotations

import ast
import json
from functools import lru_cache
from pathlib import Path

PACKAGE = "futurecity"


def _file(package_dir: Path, module: str) -> Path | None:
    """The source file of ``module`` (``futurecity.a.b``) under ``package_dir`` (the ``futurecity`` folder)."""
    parts = module.split(".")[1:]
    base = package_dir.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def imported(source: str, package_dir: Path, package: str = PACKAGE) -> set[str]:
    """The ``futurecity`` modules ``source`` imports (``from x import y`` counts ``x.y`` when it is a module);
    ``package`` is the package ``source`` belongs to (for relative imports)."""
    return set(_imported(source, package_dir, package))


@lru_cache(maxsize=1024)
def _imported(source: str, package_dir: Path, package: str) -> frozenset[str]:
    """:func:`imported`, parsed once per text: the chapters of a build share most of their modules."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == PACKAGE}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against the package
                parts = package.split(".")
                parent = parts[: len(parts) - (node.level - 1)]
                base = ".".join(parent + ([base] if base else []))
            if base.split(".")[0] != PACKAGE:
                continue
            found.add(base)
            found |= {f"{base}.{a.name}" for a in node.names if _file(package_dir, f"{base}.{a.name}")}
    return frozenset(found)


def closure(code: list[str], package_dir: Path) -> list[Path]:
    """Every file of the package that running ``code`` (a chapter's code cells) imports, sorted."""
    todo = set().union(*(imported(c, package_dir) for c in code)) if code else set()
    seen: dict[str, Path] = {}
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        parts = module.split(".")
        todo |= {".".join(parts[:i]) for i in range(1, len(parts))} - set(seen)  # parent packages run first
        path = _file(package_dir, module)
        if path is None:
            continue
        seen[module] = path
        package = module if path.name == "__init__.py" else ".".join(parts[:-1])
        todo |= imported(path.read_text(encoding="utf-8"), package_dir, package) - set(seen)
    return sorted(set(seen.values()))


def notebook_code(path: Path) -> list[str]:
    """The code cells of a notebook (IPython magics and shell lines dropped)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            text = "".join(cell["source"])
            cells.append("\n".join(line for line in text.splitlines() if not line.lstrip().startswith(("%", "!"))))
    return cells
