"""The pinned snapshots on a fresh machine: download the public byte-identical copies, name the derived ones.

Every registered snapshot either has a ``public_copy`` (the raw-file URL of a byte-identical copy in a public
repository, ``https://raw.githubusercontent.com/OWNER/REPO/COMMIT/PATH``) or is derived (``derived_from`` its
original, ``transform`` what was done to it). :func:`fetch` downloads each public copy with pooch into
``<dest>/<file>`` and checks it against the registered sha256: pooch streams into a temporary file beside the
target and moves it into place only when the hash matches, so a wrong or cut download is refused and leaves
nothing behind, and a good file already there is kept as it is. ``FUTURECITY_MIRROR`` (or ``mirror``) replaces
``https://raw.githubusercontent.com`` and keeps ``OWNER/REPO/COMMIT/PATH``. Derived snapshots are never fetched:
the report names each, its original and the transform it would need.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from futurecity.data import registry
from futurecity.data.http import HttpSession, get, session
from futurecity.data.registry import Source
from futurecity.errors import DataUnavailable, NetworkUnreachable
from futurecity.files import sha256_file


@dataclass
class Report:
    """What :func:`fetch` did, source by source: ``present`` (there already, verified), ``fetched`` (downloaded
    and verified), ``refused`` (id -> DataUnavailable: the download failed or did not match its sha256),
    ``derived`` (snapshots that have no public byte-identical copy)."""

    dest: Path
    present: list[str] = field(default_factory=list)
    fetched: list[str] = field(default_factory=list)
    refused: dict[str, DataUnavailable] = field(default_factory=dict)
    derived: list[str] = field(default_factory=list)

    @property
    def unreachable(self) -> dict[str, DataUnavailable]:
        return {k: v for k, v in self.refused.items() if isinstance(v, NetworkUnreachable)}


def _downloader(http: HttpSession, src: Source):
    """A pooch downloader that asks through the project's session (its timeouts, retries and no-retry on a
    connection that cannot be made) and writes the answer to the temporary file pooch gives it."""
    def download(url: str, output_file, pooch) -> None:  # noqa: ARG001  (pooch's signature)
        resp = get(http, src, url)
        if hasattr(output_file, "write"):
            output_file.write(resp.content)
        else:
            with open(output_file, "wb") as fh:
                fh.write(resp.content)
    return download


def fetch(dest: Path, ids: list[str] | None = None, mirror: str | None = None,
          http: HttpSession | None = None, progress=None) -> Report:
    """Download the public copy of every registered snapshot (or of ``ids``) into ``dest``; see the module."""
    import pooch

    pooch.get_logger().setLevel(logging.WARNING)  # this module reports what it did
    http = http or session()
    report = Report(dest)
    srcs = [registry.get(i) for i in ids] if ids else list(registry.sources().values())
    for src in srcs if progress is None else progress(srcs):
        snap = src.snapshot
        if snap is None:
            continue
        if not snap.public_copy:
            report.derived.append(src.id)
            continue
        target = dest / snap.file
        if target.is_file() and sha256_file(target) == snap.sha256:
            report.present.append(src.id)
            continue
        url = snap.url(mirror)
        try:
            pooch.retrieve(url, known_hash=f"sha256:{snap.sha256}", fname=target.name, path=target.parent,
                           downloader=_downloader(http, src), progressbar=False)
        except DataUnavailable as exc:
            report.refused[src.id] = exc
        except ValueError as exc:  # pooch: the sha256 of the download is not the registered one
            report.refused[src.id] = DataUnavailable(
                src.id, url, f"the download was refused: {exc}".rstrip(".") + ". Nothing was written to "
                f"{target}.", "check that the mirror serves the file of the commit named in data/sources.yml; "
                "if the registry is wrong, correct public_copy or sha256 there")
        except OSError as exc:
            report.refused[src.id] = DataUnavailable(src.id, url, f"it could not be written to {target}: {exc}.",
                                                     f"name a writable folder (`futurecity pull --snapshots DIR`)")
        else:
            report.fetched.append(src.id)
    return report
