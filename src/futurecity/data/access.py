"""What topics call to get a source: :func:`load`, which pulls a live vintage first when asked to.

``load(source_id, vintage, live)`` with ``vintage="latest"`` and ``live=True`` pulls the source once
(:func:`futurecity.data.vintages.pull`), unless the build already tried it (``FUTURECITY_PULLED``), then reads
through :func:`futurecity.data.store.load`, which resolves the vintage and attaches the provenance.
"""

from __future__ import annotations

import os

import pandas as pd

from futurecity.config import PULLED_ENV
from futurecity.data import registry, store, vintages


def load(source_id: str, vintage: str = "pinned", live: bool = False) -> pd.DataFrame:
    """The tidy frame of ``source_id`` on ``vintage`` (see :mod:`futurecity.data.store`), pulled first when
    ``live`` is on and the vintage asked for is ``"latest"``."""
    src = registry.get(source_id)
    if vintage == "latest" and live and src.live is not None:
        if src.id not in os.environ.get(PULLED_ENV, "").split(","):
            vintages.pull(src)
    return store.load(source_id, vintage)
