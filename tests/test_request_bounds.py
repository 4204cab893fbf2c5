"""Every live request is bounded, against servers on 127.0.0.1 that misbehave as a real one can:

- one that accepts connections and never answers: a pull of every source ends within 60 s with the default
  settings (before: 316 s a source, connect 10 s, read 60 s, four retries, and again for the next source);
- one that sends its headers and then one byte at a time, never silent long enough for a read timeout: the
  request's overall deadline ends it (before: never timed out);
- one that streams a 2 GB chunked body made on the fly: refused at the source's byte cap while it streams in,
  the process staying under 1 GB (before: the process grew to 14 GB);
- a host that timed out is not asked again by the next source of the same pull.

Each message names the source, the URL and a remedy, and the command exits 2.
"""

from __future__ import annotations

import dataclasses
import os
import socket
import subprocess
import sys
import threading
import time

import pytest
from fixtures_data import *  # noqa: F403

from futurecity import cli
from futurecity.data import http as fhttp
from futurecity.data import registry, vintages
from futurecity.data.registry import Live
from futurecity.errors import EXIT_DATA, DataUnavailable

LIVE = [s for s in registry.sources().values() if s.live is not None]


class Server:
    """A TCP server on 127.0.0.1 whose every connection is handed to ``serve(conn)`` in a thread; it counts
    connections and the bytes it sent."""

    def __init__(self, serve):
        self.serve, self.connections, self.sent, self.conns = serve, 0, 0, []
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.base = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            self.conns.append(conn)
            threading.Thread(target=self._run, args=(conn,), daemon=True).start()

    def _run(self, conn):
        try:
            self.serve(self, conn)
        except OSError:
            pass

    def close(self):
        self.stop.set()
        for c in [self.sock, *self.conns]:
            try:
                c.close()
            except OSError:
                pass


def _silent(server, conn):
    """Accept, never read, never answer; hold the connection until the test ends."""
    server.stop.wait()


def _read_request(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        got = conn.recv(4096)
        if not got:
            return
        data += got


def _trickle(server, conn):
    """Headers at once, then one byte every 0.5 s of a chunked body that never ends."""
    _read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nTransfer-Encoding: chunked\r\n\r\n")
    while not server.stop.is_set():
        conn.sendall(b"1\r\nx\r\n")
        server.sent += 1
        time.sleep(0.5)


TWO_GB = 2 * 1024 ** 3


def _huge(server, conn):
    """A 2 GB chunked CSV body, made on the fly one MiB at a time (never held whole)."""
    _read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nTransfer-Encoding: chunked\r\n\r\n")
    line = b"1939-01-01,1000\n"
    block = b"observation_date,MANEMP\n" + line * (1024 * 1024 // len(line) - 2)
    chunk = f"{len(block):x}\r\n".encode() + block + b"\r\n"
    while server.sent < TWO_GB and not server.stop.is_set():
        conn.sendall(chunk)
        server.sent += len(block)
    conn.sendall(b"0\r\n\r\n")


@pytest.fixture
def serve():
    servers = []

    def start(handler):
        servers.append(Server(handler))
        return servers[-1]
    yield start
    for s in servers:
        s.close()


def _env(cache, **extra) -> dict[str, str]:
    """The environment of a subprocess: default HTTP settings (no FUTURECITY_HTTP_* or URL overrides), the cache."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("FUTURECITY_HTTP_", "FUTURECITY_URL_", "FUTURECITY_PULL_"))}
    env["FUTURECITY_CACHE"] = str(cache)
    env.update(extra)
    return env


@pytest.mark.timeout(70)
def test_pull_of_every_source_against_a_silent_host_ends_within_60_s(serve, tmp_path, capsys):
    server = serve(_silent)
    env = _env(tmp_path / "cache", **{s.env_url_var: server.base for s in LIVE})
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "futurecity", "pull", "--live"], env=env, capture_output=True,
                          text=True, timeout=68)
    seconds = time.perf_counter() - start
    with capsys.disabled():
        print(f"\n[silent host] futurecity pull --live gave up on {len(LIVE)} sources in {seconds:.1f} s, "
              f"{server.connections} connection(s)")
    err = " ".join(done.stderr.split())
    assert done.returncode == EXIT_DATA, done.stderr[-2000:]
    assert seconds < 60
    assert "Traceback" not in done.stderr
    for src in LIVE:
        assert f"'{src.id}'" in err, src.id
    assert "no complete answer within" in err and "not asked again" in err
    # the first source tried the host (with its retries); no other source opened a connection of its own
    assert server.connections <= fhttp.HttpSettings().retries + 1


def test_a_trickling_server_hits_the_request_deadline(serve, data_env, monkeypatch, capsys):
    server = serve(_trickle)
    monkeypatch.setenv("FUTURECITY_URL_FRED_MANUFACTURING", server.base)
    monkeypatch.setenv("FUTURECITY_HTTP_TIMEOUT", "30")  # a byte every 0.5 s never trips a 30 s read timeout
    monkeypatch.setenv("FUTURECITY_HTTP_DEADLINE", "2")
    start = time.perf_counter()
    code = cli.main(["pull", "fred_manufacturing", "--live"])
    seconds = time.perf_counter() - start
    err = " ".join(capsys.readouterr().err.split())
    assert code == EXIT_DATA
    assert seconds < 5, seconds
    assert server.sent >= 2  # it did trickle: bytes arrived, and the deadline still ended it
    assert "'fred_manufacturing'" in err and server.base + "/graph/fredgraph.csv" in err
    assert "no complete answer within the request's deadline (FUTURECITY_HTTP_DEADLINE) of 2 s" in err
    assert "To fix:" in err and "FUTURECITY_HTTP_DEADLINE" in err.split("To fix:")[1]
    assert not (data_env / "fred_manufacturing" / "vintages").exists()


def test_the_pull_deadline_bounds_every_request_of_a_source(serve, data_env, monkeypatch):
    server = serve(_trickle)
    monkeypatch.setenv("FUTURECITY_URL_FRED_MANUFACTURING", server.base)
    monkeypatch.setenv("FUTURECITY_HTTP_DEADLINE", "30")
    monkeypatch.setenv("FUTURECITY_PULL_DEADLINE", "1.5")
    start = time.perf_counter()
    with pytest.raises(DataUnavailable) as info:
        vintages.pull("fred_manufacturing")
    assert time.perf_counter() - start < 4
    assert "deadline of the pull of fred_manufacturing" in str(info.value)


def test_a_host_that_timed_out_is_not_asked_by_the_next_source(serve, data_env, monkeypatch):
    server = serve(_silent)
    monkeypatch.setenv("FUTURECITY_HTTP_DEADLINE", "1")
    monkeypatch.setenv("FUTURECITY_HTTP_RETRIES", "0")
    for sid in ("gdp_deflator", "fred_manufacturing"):
        monkeypatch.setenv(registry.get(sid).env_url_var, server.base)
    http = fhttp.session()
    with pytest.raises(DataUnavailable) as first:
        vintages.pull("gdp_deflator", http=http)
    assert server.connections == 1 and "no complete answer within" in str(first.value)
    start = time.perf_counter()
    with pytest.raises(DataUnavailable) as second:
        vintages.pull("fred_manufacturing", http=http)
    assert time.perf_counter() - start < 0.5
    assert server.connections == 1
    assert "'fred_manufacturing'" in str(second.value) and "not asked again" in str(second.value)


RSS_PROBE = """
import resource, sys
from futurecity import cli
code = cli.main(["pull", "fred_manufacturing", "--live"])
print("MAXRSS_KB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
sys.exit(code)
"""


def test_a_2_gb_answer_is_refused_while_it_streams_in_under_1_gb(serve, tmp_path, capsys):
    server = serve(_huge)
    env = _env(tmp_path / "cache", FUTURECITY_URL_FRED_MANUFACTURING=server.base)
    done = subprocess.run([sys.executable, "-c", RSS_PROBE], env=env, capture_output=True, text=True, timeout=120)
    rss_kb = int(done.stderr.rsplit("MAXRSS_KB", 1)[1].split()[0])
    with capsys.disabled():
        print(f"\n[2 GB answer] refused after {server.sent / 2**20:.0f} MiB sent; peak RSS {rss_kb / 1024:.0f} MiB")
    err = " ".join(done.stderr.split())
    assert done.returncode == EXIT_DATA, done.stderr[-2000:]
    assert rss_kb < 1024 * 1024
    assert server.sent < TWO_GB
    assert "'fred_manufacturing'" in err and server.base + "/graph/fredgraph.csv" in err
    assert f"went past the {fhttp.MAX_BYTES:,} bytes" in err and "max_bytes" in err
    assert not (tmp_path / "cache" / "fred_manufacturing" / "vintages").exists()


def test_the_registry_caps_a_source_in_bytes(api, monkeypatch):
    api.route("fred_manufacturing").respond_with_data(fred_csv(rows=400), content_type="text/csv")
    src = registry.get("fred_manufacturing")
    small = dataclasses.replace(src, live=dataclasses.replace(src.live, max_bytes=1000))
    with pytest.raises(DataUnavailable) as info:
        vintages.pull(small)
    assert "went past the 1,000 bytes" in str(info.value)
    assert vintages.pull(src)["bytes"] > 1000  # the default cap lets the same answer through


@pytest.mark.parametrize("field,value", [("max_bytes", 0), ("max_bytes", "big"), ("deadline", -1),
                                         ("evidence", ["not a url"])])
def test_the_registry_refuses_bounds_that_are_not_positive_numbers(field, value):
    with pytest.raises(TypeError, match=field if field != "evidence" else "https://"):
        Live(base_url="https://example.org", path="/x", format="fred_csv", **{field: value})


def test_every_live_request_records_its_evidence():
    for src in LIVE:
        assert src.live.evidence, f"{src.id}: no evidence recorded for its live request"
