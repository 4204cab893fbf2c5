"""Shared test settings: where the pinned snapshots and the project are."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
SHARED_DATA = PROJECT.parent / "shared" / "data"


def snapshots() -> Path:
    """The pinned snapshots: FUTURECITY_SNAPSHOTS, else ../shared/data beside the checkout. Never skipped."""
    path = Path(os.environ.get("FUTURECITY_SNAPSHOTS") or SHARED_DATA)
    if not (path / "uk").is_dir() or not (path / "world").is_dir():
        pytest.fail(f"pinned snapshots not found at {path}: set FUTURECITY_SNAPSHOTS or place ../shared/data")
    return path


def pytest_configure(config):
    os.environ.setdefault("FUTURECITY_SNAPSHOTS", str(SHARED_DATA))


@pytest.fixture(scope="session")
def snapshot_dir() -> Path:
    return snapshots()


@pytest.fixture(scope="session")
def project_root() -> Path:
    return PROJECT
