"""The one HTTP session every live client shares: project User-Agent, timeouts, retries with backoff.

Settings come from the environment (seconds, unless said otherwise):

- ``FUTURECITY_HTTP_CONNECT_TIMEOUT`` (default 10) and ``FUTURECITY_HTTP_TIMEOUT`` (read timeout, default 60);
- ``FUTURECITY_HTTP_RETRIES`` (tries after the first on 429/500/502/503/504, connect and read timeouts;
  default 4) and ``FUTURECITY_HTTP_BACKOFF`` (urllib3 backoff factor, default 1);
- ``FUTURECITY_HTTP_MAX_WAIT``: the longest wait between two tries, also for a ``Retry-After`` header
  (default 120).

A connection that cannot be made at all (the host name does not resolve, the connection is refused, no route to
the network) is not retried: trying again with back-off would only make a reader with no network wait. The
session remembers such a host for :data:`UNREACHABLE_FOR` seconds, and asks it nothing more meanwhile; the error
raised is :class:`futurecity.errors.NetworkUnreachable`.
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, NameResolutionError, NewConnectionError
from urllib3.util.retry import Retry

from futurecity import __version__
from futurecity.data.registry import Source
from futurecity.errors import DataUnavailable, NetworkUnreachable

USER_AGENT = f"futurecity/{__version__} (+reproducible edition of Jones & Henderson)"
RETRY_STATUS = (429, 500, 502, 503, 504)
UNREACHABLE_FOR = 30.0  # seconds a session asks an unreachable host nothing more


@dataclass(frozen=True)
class HttpSettings:
    """Timeouts (seconds) and retry policy of the session; :meth:`from_env` reads ``FUTURECITY_HTTP_*``."""

    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    retries: int = 4
    backoff: float = 1.0
    max_wait: float = 120.0

    ENV = {"connect_timeout": "FUTURECITY_HTTP_CONNECT_TIMEOUT", "read_timeout": "FUTURECITY_HTTP_TIMEOUT",
           "retries": "FUTURECITY_HTTP_RETRIES", "backoff": "FUTURECITY_HTTP_BACKOFF",
           "max_wait": "FUTURECITY_HTTP_MAX_WAIT"}

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
        return super().increment(method, url, response, error, _pool, _stacktrace)


class HttpSession(requests.Session):
    """A requests session that gives every request the project's timeouts unless the caller sets others, and
    remembers the hosts it could not connect to (``unreachable``: host -> (time, why))."""

    def __init__(self, settings: HttpSettings):
        super().__init__()
        self.settings = settings
        self.unreachable: dict[str, tuple[float, str]] = {}

    def request(self, method, url, *args, **kwargs):
        kwargs.setdefault("timeout", self.settings.timeout)
        return super().request(method, url, *args, **kwargs)

    def known_unreachable(self, url: str) -> str | None:
        """Why the host of ``url`` could not be reached, if that happened less than UNREACHABLE_FOR s ago."""
        seen = self.unreachable.get(urlsplit(url).netloc)
        return seen[1] if seen and time.monotonic() - seen[0] < UNREACHABLE_FOR else None


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


def get(http: HttpSession, src: Source, url: str, params: dict | None = None) -> requests.Response:
    """GET ``url``: a failed connection, a timeout, an error status after the retries or a body shorter than
    its ``Content-Length`` raises :class:`DataUnavailable` naming the source and the full URL."""
    full = query_url(url, params)
    known = http.known_unreachable(url)
    if known:
        raise NetworkUnreachable(src.id, full, f"no connection could be made: {known} a moment ago, so it was "
                                 "not asked again.", _network_remedy(src), known)
    try:
        resp = http.get(url, params=params)
        resp.raise_for_status()
    except requests.RequestException as exc:
        why = unreachable_reason(exc)
        if why:
            http.unreachable[urlsplit(url).netloc] = (time.monotonic(), why)
            raise NetworkUnreachable(src.id, full, _what_failed(exc, http.settings), _network_remedy(src),
                                     why) from exc
        raise DataUnavailable(src.id, full, _what_failed(exc, http.settings), _network_remedy(src)) from exc
    declared = resp.headers.get("Content-Length", "")
    if declared.isdigit() and "Content-Encoding" not in resp.headers and int(declared) != len(resp.content):
        raise DataUnavailable(src.id, full, f"the answer was cut short: Content-Length says {declared} bytes but "
                              f"{len(resp.content)} arrived.", _network_remedy(src))
    return resp
