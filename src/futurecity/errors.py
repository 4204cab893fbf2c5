"""Every error type, exit code and message helper of futurecity, in one place.

Exit codes of the ``futurecity`` command: :data:`EXIT_OK` (0) success; :data:`EXIT_FAILED` (1) anything else
(for ``build``: a chapter failed); :data:`EXIT_DATA` (2) data unavailable or invalid, or bad input (a parameter,
environment variable, source id or file that cannot be used: :class:`BadInput`).
"""

from __future__ import annotations

import sys
import textwrap

EXIT_OK, EXIT_FAILED, EXIT_DATA = 0, 1, 2


class RegistryError(ValueError):
    """The registry file is malformed or does not name the source asked for."""


class BadInput(ValueError):
    """Something given to futurecity cannot be used: a chapter parameter, a ``FUTURECITY_*`` variable, a source
    id, a file or folder named. The message names it (``what``), says what is wrong and the remedy; in a
    notebook it is shown as that message alone, without a traceback."""

    def __init__(self, what: str, problem: str, remedy: str):
        self.what, self.problem, self.remedy = what, problem, remedy
        super().__init__(f"{what}: {problem.rstrip('.')}. To fix: {remedy}")

    def _render_traceback_(self) -> list[str]:  # IPython shows this instead of a traceback
        return [f"{type(self).__name__}: {self}"]


class UnknownSource(BadInput, RegistryError):
    """A source id that the registry does not hold; the message lists the registered ones."""


class ParseError(ValueError):
    """The bytes are not in the format the parser expects."""


class DataUnavailable(RuntimeError):
    """The data asked for are missing or fail their check. The message names the source, the URL, what was
    tried and the command that fixes it."""

    def __init__(self, source: str, url: str, tried: str, remedy: str):
        self.source, self.url, self.tried, self.remedy = source, url, tried, remedy
        super().__init__(f"Data unavailable for source '{source}' ({url}): {tried} To fix: {remedy}")


class NeedsLiveData(DataUnavailable):
    """No pinned copy is configured for the source (no snapshot folder set, or the source has no snapshot) and
    no live vintage is in the cache: the data exist, but only a live pull brings them. Anything else that stops
    a read (a missing folder or file, a changed file, an unknown vintage) is a plain :class:`DataUnavailable`."""


class NetworkUnreachable(DataUnavailable):
    """No connection could be made at all (the host name does not resolve, the connection is refused, no route):
    not retried. ``why`` says which, in a few words without the URL."""

    def __init__(self, source: str, url: str, tried: str, remedy: str, why: str):
        self.why = why
        super().__init__(source, url, tried, remedy)


class NotCovered(Exception):
    """The data read do not cover the window a claim asks for."""

    def __init__(self, source: str, first: int, last: int, start: int, end: int):
        self.source, self.first, self.last = source, first, last
        super().__init__(f"{source} covers {first}-{last}, not {start}-{end}")


class ChapterFailed(RuntimeError):
    """A chapter raised while executing, or the HTML build failed; the message says where."""


def say(kind: str, message: str) -> None:
    """Print ``futurecity: <kind>: <message>`` to stderr as one wrapped paragraph."""
    print(textwrap.fill(f"futurecity: {kind}: {message}", width=110, break_long_words=False,
                        break_on_hyphens=False), file=sys.stderr)
