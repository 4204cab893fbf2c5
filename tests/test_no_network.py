"""No network, fast and clear: a connection that cannot be made at all (a closed port on 127.0.0.1, a host name
under ``.invalid``, which never resolves) is not retried with back-off. ``futurecity pull --live`` gives up on
every source within 10 s with the default retry settings, says once that the network is unreachable, names each
URL once, exits 2 and leaves the stored vintages as they were, byte for byte."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time

import pytest
from fixtures_data import *  # noqa: F403

from futurecity.data import http as fhttp
from futurecity.data import registry, vintages
from futurecity.errors import EXIT_DATA, DataUnavailable, NetworkUnreachable

LIVE = [s for s in registry.sources().values() if s.live is not None]
BUDGET = 10.0  # seconds, the limit for giving up on every source


def closed_ports(n: int) -> list[int]:
    """``n`` distinct ports on 127.0.0.1 with nothing listening (bound, then closed)."""
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _no_network_env(bases: dict[str, str], cache) -> dict[str, str]:
    """The environment of a subprocess: every live source at ``bases`` and the default HTTP settings (4 retries,
    backoff 1: the settings that took ~14 s a source when refused connections were retried)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FUTURECITY_HTTP_", "FUTURECITY_URL_"))}
    env.update({src.env_url_var: base for src, base in zip(LIVE, bases.values(), strict=True)})
    env["FUTURECITY_CACHE"] = str(cache)
    return env


def _pull_without_network(bases: dict[str, str], cache) -> tuple[subprocess.CompletedProcess, float]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "futurecity", "pull", "--live"], env=_no_network_env(bases, cache),
                          capture_output=True, text=True, timeout=120)
    return done, time.perf_counter() - start


def _seed_a_vintage(api) -> None:
    """A good vintage of FRED in the cache, pulled from the loopback server, so 'untouched' means something."""
    api.route("fred_manufacturing").respond_with_data(fred_csv(rows=60), content_type="text/csv")
    vintages.pull("fred_manufacturing")
    api.reset()


CASES = {
    # a different closed port per source, so each source really tries (and none is skipped as 'known down')
    "closed-port": lambda: {s.id: f"http://127.0.0.1:{p}" for s, p in zip(LIVE, closed_ports(len(LIVE)),
                                                                        strict=True)},
    # a different host name per source: each is looked up, and none resolves (RFC 6761 reserves .invalid)
    "invalid-host": lambda: {s.id: f"http://{s.id.replace('_', '-')}.futurecity.invalid" for s in LIVE},
}


@pytest.mark.parametrize("case", list(CASES))
def test_pull_live_without_network_gives_up_fast_once_and_changes_nothing(case, api, data_env, capsys):
    _seed_a_vintage(api)
    before = tree_digest(data_env)
    bases = CASES[case]()

    done, seconds = _pull_without_network(bases, data_env)
    with capsys.disabled():
        print(f"\n[no network: {case}] futurecity pull --live gave up on {len(LIVE)} sources in {seconds:.2f} s")

    assert done.returncode == EXIT_DATA, done.stderr
    assert seconds < BUDGET, f"took {seconds:.1f} s"
    err = done.stderr
    assert err.count("network unreachable") == 1, err
    assert "Data unavailable" not in err  # no per-source paragraph beside the single message
    why = "could not be resolved" if case == "invalid-host" else "was refused"
    assert why in " ".join(err.split())
    for src in LIVE:
        # a query split over datasets asks its first part first; a Nomis census table found by name asks
        # Nomis's definitions first (futurecity.data.clients)
        first = (src.live.path.replace("{dataset}", src.live.parts[0]["dataset"]) if src.live.parts
                 else "/dataset/def.sdmx.json" if "{dataset}" in src.live.path else src.live.path)
        url = bases[src.id] + first
        assert len(re.findall(re.escape(url) + r"[?\s]", err + "\n")) == 1, (src.id, err)
        assert f"source '{src.id}'" in err
    assert tree_digest(data_env) == before


def test_a_refused_connection_is_not_retried(monkeypatch):
    """With 4 retries and a backoff factor of 3 (sleeps of 0, 6, 12, 24 s), a refused connection still fails at
    once: the first failure is final, and the error says why without repeating the URL."""
    for var, value in {"FUTURECITY_HTTP_RETRIES": "4", "FUTURECITY_HTTP_BACKOFF": "3"}.items():
        monkeypatch.setenv(var, value)
    [port] = closed_ports(1)
    url = f"http://127.0.0.1:{port}/graph/fredgraph.csv"
    start = time.perf_counter()
    with pytest.raises(NetworkUnreachable) as info:
        fhttp.get(fhttp.session(), registry.get("fred_manufacturing"), url)
    assert time.perf_counter() - start < 5.0  # a single retry would sleep 6 s
    assert info.value.why == f"the connection to 127.0.0.1:{port} was refused"
    assert str(info.value).count(url) == 1


def test_a_host_found_unreachable_is_not_asked_again_by_the_same_session(httpserver):
    """The session remembers a host it could not connect to, so the sources behind it fail without a try; a
    host that answers is unaffected."""
    [port] = closed_ports(1)
    http, src = fhttp.session(), registry.get("gdp_deflator")
    with pytest.raises(NetworkUnreachable):
        fhttp.get(http, src, f"http://127.0.0.1:{port}/a")
    with socket.socket() as s:  # something now listens on the port: the session does not try it anyway
        s.bind(("127.0.0.1", port))
        s.listen()
        with pytest.raises(NetworkUnreachable, match="not asked again"):
            fhttp.get(http, src, f"http://127.0.0.1:{port}/b")
    httpserver.expect_request("/ok").respond_with_data("fine")
    assert fhttp.get(http, src, httpserver.url_for("/ok")).text == "fine"


def test_an_error_status_is_still_retried_and_not_called_unreachable(api):
    """Only connections that cannot be made skip the retries: a 503 is retried, then reported as a status."""
    api.route("gdp_deflator").respond_with_data("busy", status=503)
    with pytest.raises(DataUnavailable) as info:
        vintages.pull("gdp_deflator")
    assert not isinstance(info.value, NetworkUnreachable)
    assert len([r for r, _ in api.server.log]) == 3  # FUTURECITY_HTTP_RETRIES=2 in data_env: 1 + 2 tries
