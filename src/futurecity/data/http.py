"""The one HTTP session every live client shares: project User-Agent, timeouts, retries with backoff, and the
bounds every request keeps.

Settings come from the environment (seconds, unless said otherwise):

- ``FUTURECITY_HTTP_CONNECT_TIMEOUT`` (default 10) and ``FUTURECITY_HTTP_TIMEOUT`` (read timeout: the longest
  silence between two reads, default 30);
- ``FUTURECITY_HTTP_DEADLINE`` (default 40): the most one request may take in all, its tries, the waits between
  them and its whole body included, so a server that sends one byte every few seconds, or accepts and never
  answers, is given up on in time;
- ``FUTURECITY_HTTP_RETRIES`` (tries after the first on 429/500/502/503/504, connect and read timeouts;
  default 4) and ``FUTURECITY_HTTP_BACKOFF`` (urllib3 backoff factor, default 1);
- ``FUTURECITY_HTTP_MAX_WAIT``: the longest wait between two tries, also for a ``Retry-After`` header
  (default 120; never past the request's deadline);
- ``FUTURECITY_PULL_DEADLINE`` and ``FUTURECITY_HTTP_MAX_BYTES``: the deadline of one source's whole pull (every
  page and part, default 300 s) and the bytes it may receive in all (default 64 MiB), read as the body streams
  in; a source's ``deadline`` and ``max_bytes`` in ``data/sources.yml`` replace the defaults for it, and the
  variables replace both.

With these defaults a pull of every source against a host that accepts connections and never answers ends
within a minute: the first source gives up at its request's deadline, and the host is then not asked again.

A connection that cannot be made at all (the host name does not resolve, the connection is refused, no route to
the network) is not retried: trying again with back-off would only make a reader with no network wait. The
session remembers such a host for :data:`UNREACHABLE_FOR` seconds, and asks it nothing more meanwhile; the error
raised is :class:`futurecity.errors.NetworkUnreachable`. A host that timed out or ran past a deadline is
remembered for the session's life (one pull, or one chapter's kernel): the next source on it is not asked.
"""

from __future__ import annotations

import os
import socket
import time
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import (MaxRetryError, NameResolutionError, NewConnectionError, ProtocolError,
                               ReadTimeoutError)
from urllib3.util.retry import Retry
from urllib3.util.timeout import Timeout

from futurecity import __version__
from futurecity.data.registry import Source
from futurecity.errors import DataUnavailable, NetworkUnreachable

USER_AGENT = f"futurecity/{__version__} (+reproducible edition of Jones & Henderson)"
RETRY_STATUS = (429, 500, 502, 503, 504)
UNREACHABLE_FOR = 30.0  # seconds a session asks an unreachable host nothing more
PULL_DEADLINE = 300.0  # seconds one source's pull may take, every page and part included
MAX_BYTES = 64 * 1024 * 1024  # bytes one source's pull may receive
CHUNK = 64 * 1024
SECRET_PARAMS = ("uid",)  # query parameters sent but never written into a message (a registered Nomis key)
_DEADLINE: ContextVar[float | None] = ContextVar("futurecity_http_deadline", default=None)


class DeadlinePassed(Exception):
    """A request (or the pull it belongs to) ran past its deadline."""


class TooLarge(Exception):
    """An answer went past the bytes its source may receive."""


@dataclass(frozen=True)
class HttpSettings:
    """Timeouts (seconds) and retry policy of the session; :meth:`from_env` reads ``FUTURECITY_HTTP_*``."""

    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    retries: int = 4
    backoff: float = 1.0
    max_wait: float = 120.0
    deadline: float = 40.0

    ENV = {"connect_timeout": "FUTURECITY_HTTP_CONNECT_TIMEOUT", "read_timeout": "FUTURECITY_HTTP_TIMEOUT",
           "retries": "FUTURECITY_HTTP_RETRIES", "backoff": "FUTURECITY_HTTP_BACKOFF",
           "max_wait": "FUTURECITY_HTTP_MAX_WAIT", "deadline": "FUTURECITY_HTTP_DEADLINE"}

    @classmethod
    def from_env(cls) -> HttpSettings:
        defaults = asdict(cls())
        return cls(**{name: env_number(var, defaults[name]) for name, var in cls.ENV.items()})

    @property
    def timeout(self) -> tuple[float, float]:
        return self.connect_timeout, self.read_timeout


def env_number(var: str, default: float) -> float | int:
    """The non-negative number in environment variable ``var`` (of the type of ``default``), else ``default``."""
    raw = os.environ.get(var, "").strip()
    if not raw:
        return default
    try:
        value = type(default)(raw)
    except ValueError:
        raise ValueError(f"{var}={raw!r} is not a {type(default).__name__}") from None
    if value < 0:
        raise ValueError(f"{var}={raw!r} must not be negative")
    return value


class CappedRetry(Retry):
    """urllib3's :class:`Retry`, honouring ``Retry-After`` but never waiting longer than ``backoff_max``, and
    giving up at once on a connection that cannot be made at all (urllib3's ``NewConnectionError``: name
    resolution failed, connection refused, network unreachable; a connect timeout is still retried)."""

    def parse_retry_after(self, retry_after: str) -> float:
        return min(super().parse_retry_after(retry_after), self.backoff_max)

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        if isinstance(error, NewConnectionError):
            raise MaxRetryError(_pool, url, error) from error
        end = _DEADLINE.get()
        if end is not None and time.monotonic() >= end:
            raise DeadlinePassed(f"{error or 'no complete answer'}") from error
        return super().increment(method, url, response, error, _pool, _stacktrace)

    def sleep(self, response=None) -> None:
        """Wait before the next try, but never past the request's deadline: a wait that would end after it
        gives up at once."""
        end = _DEADLINE.get()
        if end is not None:
            wait = self.get_retry_after(response) if self.respect_retry_after_header and response else None
            wait = self.get_backoff_time() if wait is None else min(wait, self.backoff_max)
            if time.monotonic() + wait >= end:
                raise DeadlinePassed(f"the next try would start after the deadline (wait {wait:g} s)")
        super().sleep(response)


class DeadlineTimeout(Timeout):
    """urllib3's per-try timeouts, each cut to what is left before ``end`` (a ``time.monotonic()``)."""

    def __init__(self, connect, read, end: float):
        super().__init__(connect=connect, read=read)
        self.end = end

    def clone(self) -> DeadlineTimeout:
        return DeadlineTimeout(self._connect, self._read, self.end)

    def _left(self, value):
        return max(0.001, min(value, self.end - time.monotonic())) if isinstance(value, (int, float)) else value

    @property
    def connect_timeout(self):
        return self._left(super().connect_timeout)

    @property
    def read_timeout(self):
        return self._left(super().read_timeout)


class Budget:
    """What one source's pull may still spend: time until its deadline (``deadline`` s from its start) and bytes
    (``max_bytes`` in all)."""

    def __init__(self, source: str, deadline: float, max_bytes: int):
        self.source, self.deadline, self.max_bytes = source, deadline, max_bytes
        self.end = time.monotonic() + deadline
        self.used = 0

    def left(self) -> float:
        return self.end - time.monotonic()


class HttpSession(requests.Session):
    """A requests session that gives every request the project's timeouts unless the caller sets others, and
    remembers the hosts it could not connect to (``unreachable``: host -> (time, why))."""

    def __init__(self, settings: HttpSettings):
        super().__init__()
        self.settings = settings
        self.unreachable: dict[str, tuple[float, str]] = {}
        self.silent: dict[str, str] = {}  # host -> why it was given up on (a timeout, a deadline)
        self.budget: Budget | None = None

    def request(self, method, url, *args, **kwargs):
        kwargs.setdefault("timeout", self.settings.timeout)
        return super().request(method, url, *args, **kwargs)

    def known_unreachable(self, url: str) -> str | None:
        """Why the host of ``url`` could not be reached, if that happened less than UNREACHABLE_FOR s ago."""
        seen = self.unreachable.get(urlsplit(url).netloc)
        return seen[1] if seen and time.monotonic() - seen[0] < UNREACHABLE_FOR else None

    @contextmanager
    def pulling(self, src: Source):
        """Requests made inside share ``src``'s pull budget: its deadline and its byte cap (:func:`limits`)."""
        deadline, max_bytes = limits(src)
        previous, self.budget = self.budget, Budget(src.id, deadline, max_bytes)
        try:
            yield self.budget
        finally:
            self.budget = previous


def limits(src: Source) -> tuple[float, int]:
    """(seconds, bytes) one pull of ``src`` may take: ``FUTURECITY_PULL_DEADLINE`` / ``FUTURECITY_HTTP_MAX_BYTES``,
    else the registry's ``deadline`` / ``max_bytes`` of the source, else :data:`PULL_DEADLINE` / :data:`MAX_BYTES`."""
    live = src.live
    deadline = env_number("FUTURECITY_PULL_DEADLINE", 0.0) or (live and live.deadline) or PULL_DEADLINE
    max_bytes = int(env_number("FUTURECITY_HTTP_MAX_BYTES", 0)) or (live and live.max_bytes) or MAX_BYTES
    return float(deadline), int(max_bytes)


def session(settings: HttpSettings | None = None) -> HttpSession:
    """The one session all live clients share: project User-Agent, timeouts, retries with backoff."""
    settings = settings or HttpSettings.from_env()
    retry = CappedRetry(
        total=settings.retries, connect=settings.retries, read=settings.retries, status=settings.retries,
        backoff_factor=settings.backoff, backoff_max=settings.max_wait, status_forcelist=RETRY_STATUS,
        allowed_methods=frozenset({"GET", "HEAD"}), respect_retry_after_header=True, raise_on_status=True)
    http = HttpSession(settings)
    adapter = HTTPAdapter(max_retries=retry)
    http.mount("http://", adapter)
    http.mount("https://", adapter)
    http.headers["User-Agent"] = USER_AGENT
    return http


def query_url(url: str, params: dict | None = None) -> str:
    """``url`` with ``params`` encoded as its query string, exactly as requests sends it."""
    return requests.Request("GET", url, params=params).prepare().url


def _network_remedy(src: Source) -> str:
    return (f"check the network and retry later (`futurecity pull {src.id} --live`), or set {src.env_url_var} "
            "to the base URL of a working copy of the API; meanwhile the book builds from the pinned snapshot or "
            "the newest cached vintage")


def unreachable_reason(exc: BaseException) -> str | None:
    """Why no connection could be made at all, in a few words without the URL, when ``exc`` (a requests or
    urllib3 error) says so; None for any other failure (a timeout, an error status, a cut answer)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, NewConnectionError):
            conn = getattr(exc, "conn", None)
            host = conn.host if conn is not None else "the host"
            if isinstance(exc, NameResolutionError):
                return f"the host name {host} could not be resolved"
            cause = exc.__cause__ or exc.__context__
            where = f"{host}:{conn.port}" if conn is not None else host
            if isinstance(cause, ConnectionRefusedError):
                return f"the connection to {where} was refused"
            return f"no connection to {where} ({getattr(cause, 'strerror', None) or cause or exc})"
        if isinstance(exc, MaxRetryError):
            exc = exc.reason
        elif exc.args and isinstance(exc.args[0], BaseException):
            exc = exc.args[0]
        else:
            exc = exc.__cause__ or exc.__context__
    return None


def _what_failed(exc: requests.RequestException, settings: HttpSettings) -> str:
    """One sentence saying how a request failed (never repeating the URL the error already names)."""
    text = str(exc)
    unreachable = unreachable_reason(exc)
    if unreachable:
        return f"no connection could be made: {unreachable} (not retried)."
    if isinstance(exc, requests.exceptions.RetryError):
        reason = getattr(exc.args[0], "reason", exc) if exc.args else exc
        return f"the server kept answering an error status ({reason}); gave up after {settings.retries} retries."
    if isinstance(exc, requests.HTTPError):
        return f"the server answered HTTP {exc.response.status_code} {exc.response.reason}."
    if isinstance(exc, requests.exceptions.ChunkedEncodingError) or "IncompleteRead" in text:
        return f"the answer was cut short before its end ({text})."
    if isinstance(exc, requests.Timeout) or "timed out" in text.lower():
        return (f"the request timed out (connect {settings.connect_timeout:g} s, read {settings.read_timeout:g} s, "
                f"{settings.retries} retries).")
    if isinstance(exc, requests.ConnectionError):
        return f"no connection could be made ({text})."
    return f"the request failed ({type(exc).__name__}: {text})."


def _bound_remedy(src: Source, what: str) -> str:
    return (f"retry later (`futurecity pull {src.id} --live`); if the service is only slow, raise {what}; or set "
            f"{src.env_url_var} to the base URL of a working copy of the API. Meanwhile the book builds from the "
            "pinned snapshot or the newest cached vintage")


def _socket_of(resp: requests.Response) -> socket.socket | None:
    conn = getattr(resp.raw, "connection", None) or getattr(resp.raw, "_connection", None)
    return getattr(conn, "sock", None)


def _read_body(resp: requests.Response, end: float, budget: Budget | None, cap: int, read_timeout: float) -> bytes:
    """The body of a streamed answer, read a chunk at a time: past ``end`` it raises :class:`DeadlinePassed`, past
    ``cap`` bytes (what the source's budget has left) :class:`TooLarge`; a read never waits longer than the read
    timeout or than what is left before ``end``."""
    chunks, size, sock = [], 0, _socket_of(resp)
    while True:
        left = end - time.monotonic()
        if left <= 0:
            raise DeadlinePassed(f"{size:,} bytes of the body had arrived")
        if sock is not None:
            try:
                sock.settimeout(max(0.001, min(read_timeout, left)))
            except OSError:
                sock = None
        try:
            chunk = resp.raw.read1(CHUNK, decode_content=True)
        except (ReadTimeoutError, socket.timeout, TimeoutError) as exc:
            if time.monotonic() >= end:
                raise DeadlinePassed(f"{size:,} bytes of the body had arrived") from exc
            raise requests.exceptions.ReadTimeout(exc) from exc
        except ProtocolError as exc:
            raise requests.exceptions.ChunkedEncodingError(exc) from exc
        if not chunk:
            break
        size += len(chunk)
        if budget is not None:
            budget.used += len(chunk)
        if size > cap:
            raise TooLarge(size)
        chunks.append(chunk)
    return b"".join(chunks)


def get(http: HttpSession, src: Source, url: str, params: dict | None = None) -> requests.Response:
    """GET ``url`` within its bounds: a failed connection, a timeout, an error status after the retries, a body
    shorter than its ``Content-Length``, a request past its deadline (``FUTURECITY_HTTP_DEADLINE``, or what is
    left of the pull's, see :meth:`HttpSession.pulling`) or an answer past the source's byte cap raises
    :class:`DataUnavailable` naming the source, the full URL and the remedy. A host that timed out or ran past
    a deadline is not asked again in this session."""
    full = query_url(url, {k: v for k, v in (params or {}).items() if k not in SECRET_PARAMS} or None)
    host = urlsplit(url).netloc
    known = http.known_unreachable(url)
    if known:
        raise NetworkUnreachable(src.id, full, f"no connection could be made: {known} a moment ago, so it was "
                                 "not asked again.", _network_remedy(src), known)
    if host in http.silent:
        raise DataUnavailable(src.id, full, f"the host {host} was given up on a moment ago ({http.silent[host]}), "
                              "so it was not asked again in this pull.", _network_remedy(src))
    settings, budget = http.settings, http.budget
    limit, end = settings.deadline, time.monotonic() + settings.deadline
    if budget is not None and budget.end < end:
        limit, end = budget.deadline, budget.end
    which = ("the request's deadline (FUTURECITY_HTTP_DEADLINE)" if budget is None or limit == settings.deadline
             else f"the deadline of the pull of {src.id} (its `deadline` in data/sources.yml, or "
                  "FUTURECITY_PULL_DEADLINE)")
    if end <= time.monotonic():
        raise DataUnavailable(src.id, full, f"not asked: {which} of {limit:g} s had passed.",
                              _bound_remedy(src, "the deadline"))
    cap = MAX_BYTES if budget is None else budget.max_bytes - budget.used
    token = _DEADLINE.set(end)
    try:
        resp = http.get(url, params=params, stream=True,
                        timeout=DeadlineTimeout(settings.connect_timeout, settings.read_timeout, end))
        try:
            resp.raise_for_status()
            body = _read_body(resp, end, budget, cap, settings.read_timeout)
        finally:
            resp.close()
    except DeadlinePassed as exc:
        why = f"no complete answer within {which} of {limit:g} s: {exc}"
        http.silent[host] = f"no complete answer within {limit:g} s"
        raise DataUnavailable(src.id, full, f"{why}.", _bound_remedy(src, "FUTURECITY_HTTP_DEADLINE or the "
                              "source's `deadline` in data/sources.yml")) from None
    except TooLarge as exc:
        whole = budget.max_bytes if budget is not None else MAX_BYTES
        raise DataUnavailable(src.id, full, f"the answer was refused: it went past the {whole:,} bytes the pull "
                              f"of {src.id} may receive ({exc.args[0]:,} bytes of this answer were read, and the "
                              "rest was not).",
                              f"if the source really is that large, raise its `max_bytes` in data/sources.yml (or "
                              f"set FUTURECITY_HTTP_MAX_BYTES); else check the request, or set {src.env_url_var} to "
                              "a working copy of the API") from None
    except requests.RequestException as exc:
        why = unreachable_reason(exc)
        if why:
            http.unreachable[host] = (time.monotonic(), why)
            raise NetworkUnreachable(src.id, full, _what_failed(exc, settings), _network_remedy(src),
                                     why) from exc
        if isinstance(exc, requests.Timeout) or "timed out" in str(exc).lower():
            http.silent[host] = "it timed out"
        raise DataUnavailable(src.id, full, _what_failed(exc, settings), _network_remedy(src)) from exc
    finally:
        _DEADLINE.reset(token)
    resp._content, resp._content_consumed = body, True
    declared = resp.headers.get("Content-Length", "")
    if declared.isdigit() and "Content-Encoding" not in resp.headers and int(declared) != len(body):
        raise DataUnavailable(src.id, full, f"the answer was cut short: Content-Length says {declared} bytes but "
                              f"{len(body)} arrived.", _network_remedy(src))
    return resp
