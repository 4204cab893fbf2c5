"""Topics: one module per dataset or theme. Each holds the pure pandas computations, the facts a chapter glues,
the measures it registers for the claims ledger, and its charts beside the browser twins of what they compute.

A topic imports the data layer, the claims engine (to register measures) and the chart helpers; nothing below
imports a topic.
"""

from __future__ import annotations

import importlib
import pkgutil


def load_all() -> list[str]:
    """Import every topic module (so every measure is registered); their names."""
    names = [m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")]
    for name in names:
        importlib.import_module(f"{__name__}.{name}")
    return names
