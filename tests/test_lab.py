"""Every chapter in a real JupyterLab server, driven by Debian's Chromium with no network.

The server is the project's own (``.venv/bin/jupyter lab``), started at the project root with
``FUTURECITY_SNAPSHOTS`` given as the README says (a path relative to the project root, ``../shared/data`` in the
usual layout). For each chapter the test opens the notebook, runs Run All from the Run menu and checks that:

- every code cell ran (an execution count, no ``[*]``) and no cell shows an error or anything on stderr;
- every figure cell and every widget cell shows a chart drawn by JupyterLab's own Vega renderer (marks in its
  SVG), with its caption (sources, vintage, licence) below it;
- moving the first widget slider (typing a year in its readout) changes the marks of that widget's chart, and
  moving the first chart's own Vega-Lite slider changes its marks;
- no request leaves 127.0.0.1 (every other request is blocked and recorded, and fails the test).

JupyterLab's settings live in a temporary folder: cells are all attached to the page (``windowingMode: none``,
so off-screen outputs exist), documents are never saved (``autosave: false``, so the chapters in ``chapters/``
keep no outputs), and no news or update check is made. The server and each wait have a time limit.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

from conftest import PROJECT, snapshots
from test_browser import browser  # noqa: F401  (the same Chromium fixture as the website's tests)

pytestmark = [pytest.mark.browser, pytest.mark.lab, pytest.mark.timeout(360)]

JUPYTER = Path(sys.executable).with_name("jupyter")
SERVER_START = 60  # seconds the server may take to answer
RUN_ALL = int(os.environ.get("FUTURECITY_LAB_RUN_ALL", "150"))  # seconds Run All may take on one chapter
SHOTS = PROJECT / "_build" / "screenshots" / "lab"
CHART = ".jp-OutputArea-output.jp-RenderedVegaLite"  # drawn by JupyterLab's own Vega-Lite renderer
MARKS_JS = "(el) => Array.from(el.querySelectorAll('svg .role-mark')).map(g => g.innerHTML).join('|')"
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none",
                                                                       "autoStartDefaultKernel": True},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"checkForUpdates": False,
                                                                          "fetchNews": "false"},
}


def chapters() -> list[Path]:
    return sorted((PROJECT / "chapters").glob("*.ipynb"))


def code_cells(nb: Path) -> list[str]:
    cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server at the project root on 127.0.0.1; its URL and token."""
    if not JUPYTER.exists():
        pytest.fail(f"{JUPYTER} is missing: JupyterLab is installed by requirements.txt (make setup)")
    home = tmp_path_factory.mktemp("lab")
    settings = home / "settings"
    for name, values in SETTINGS.items():
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / name).write_text(json.dumps(values), encoding="utf-8")
    env = {**os.environ,
           "FUTURECITY_SNAPSHOTS": os.path.relpath(snapshots(), PROJECT),  # as the README exports it
           "JUPYTERLAB_SETTINGS_DIR": str(settings), "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
           "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
           "IPYTHONDIR": str(home / "ipython")}
    env.pop("FUTURECITY_BUILD", None)
    port, token = _free_port(), secrets.token_hex(16)
    cmd = [str(JUPYTER), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}", "--port-retries=0",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={PROJECT}",
           "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
           "--ServerApp.open_browser=False"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log = (home / "server.log").open("w")
    server = subprocess.Popen(cmd, cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + SERVER_START
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail(f"JupyterLab did not start within {SERVER_START} s:\n"
                                + (home / "server.log").read_text()[-3000:])
                time.sleep(0.3)
        yield url, token
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the server and the kernels it started
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
        log.close()


class Session:
    """One chapter open in JupyterLab, with every request outside 127.0.0.1 blocked and recorded."""

    def __init__(self, browser, url: str):
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000})
        self.outside: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("websocket", lambda ws: self._check(ws.url))
        self.page.goto(url, wait_until="domcontentloaded", timeout=60_000)

    def _check(self, url: str) -> bool:
        if urlparse(url).hostname == "127.0.0.1":
            return True
        self.outside.append(url)
        return False

    def _route(self, route):
        if self._check(route.request.url):
            route.continue_()
        else:
            route.abort()

    def close(self):
        self.context.close()


def _run_all(page) -> None:
    page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=60_000)
    select = page.locator(".jp-Dialog button", has_text=re.compile(r"^Select$"))
    try:  # JupyterLab asks for the kernel when it does not start the notebook's own by itself
        select.wait_for(timeout=5_000)
        select.click()
    except Exception:
        pass
    page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for(timeout=60_000)
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()


def _finished(page, count: int) -> bool:
    prompts = page.locator(".jp-CodeCell .jp-InputArea-prompt").all_inner_texts()
    return len(prompts) == count and all(re.fullmatch(r"\[\d+\]:", p.strip()) for p in prompts)


def _marks(locator) -> str:
    return locator.evaluate(MARKS_JS)


def _wait_changed(locator, before: str, seconds: float = 20) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        now = _marks(locator)
        if now and now != before:
            return now
        time.sleep(0.2)
    return _marks(locator)


@pytest.mark.parametrize("chapter", chapters(), ids=lambda p: p.name)
def test_run_all_in_jupyterlab_draws_every_chart_and_the_widgets_redraw(lab, browser, chapter):
    url, token = lab
    sources = code_cells(chapter)
    figure_cells = [i for i, s in enumerate(sources) if re.search(r"^ch\.\w+_(figure|widgets)\(\)", s, re.M)]
    widget_cells = [i for i, s in enumerate(sources) if re.search(r"^ch\.\w+_widgets\(\)", s, re.M)]
    from test_browser import CHARTLESS

    chartless = chapter.stem in CHARTLESS  # a chapter of tables alone: Run All must still finish with no error
    assert bool(figure_cells) != chartless, (
        f"{chapter.name}: {len(figure_cells)} figure cells, but it is {'' if chartless else 'not '}listed as chartless")
    session = Session(browser, f"{url}/lab/workspaces/{chapter.stem}/tree/chapters/{chapter.name}?reset&token={token}")
    page = session.page
    try:
        start = time.monotonic()
        _run_all(page)
        deadline = time.monotonic() + RUN_ALL
        while not _finished(page, len(sources)):
            assert time.monotonic() < deadline, (
                f"{chapter.name}: Run All did not finish within {RUN_ALL} s (prompts: "
                f"{page.locator('.jp-CodeCell .jp-InputArea-prompt').all_inner_texts()})")
            time.sleep(0.5)
        seconds = time.monotonic() - start

        errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
        assert errors.count() == 0, f"{chapter.name}: error output: {errors.all_inner_texts()[:3]}"

        if chartless:
            tables = page.locator(".jp-OutputArea-output .fc-claims")
            assert tables.count() > 0, f"{chapter.name}: Run All showed none of its tables"
            assert not session.outside, f"{chapter.name}: requests left 127.0.0.1: {session.outside}"
            print(f"{chapter.name}: Run All {seconds:.1f} s, {tables.count()} tables shown")
            return
        charts = page.locator(CHART)
        page.wait_for_function(  # every chart drawn: marks in its SVG
            "([sel, n]) => { const c = document.querySelectorAll(sel); return c.length >= n && "
            "Array.from(c).every(el => el.querySelector('svg .role-mark')); }",
            arg=[CHART, len(figure_cells)], timeout=60_000)
        cells = page.locator(".jp-Notebook .jp-CodeCell")
        for i in figure_cells:
            assert cells.nth(i).locator(CHART).count() >= 1, f"{chapter.name}: code cell {i + 1} shows no chart"
        for i in range(charts.count()):
            chart = charts.nth(i)
            assert _marks(chart), f"{chapter.name}: chart {i + 1} drew no marks"
            caption = chart.locator("xpath=ancestor::div[contains(@class,'jp-OutputArea-child')]"
                                    "/following-sibling::div[1]")
            text = caption.inner_text()
            assert "Licence" in text and ("Source:" in text or "Sources:" in text), (
                f"{chapter.name}: chart {i + 1} has no caption naming its sources and licence: {text!r}")
        drawn = charts.count()

        SHOTS.mkdir(parents=True, exist_ok=True)
        charts.first.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"{chapter.stem}-figure.png"))

        # the chart's own Vega-Lite controls (as on the website)
        first = charts.first
        slider = first.locator(".vega-bindings input[type='range']").first
        if slider.count():
            before = _marks(first)
            low, high = slider.get_attribute("min"), slider.get_attribute("max")
            target = high if slider.input_value() != high else low
            slider.fill(target)
            assert _wait_changed(first, before) != before, (
                f"{chapter.name}: the first chart's Vega-Lite slider did not change its marks")

        # the first widget slider of the chapter redraws its own chart
        if widget_cells:
            cell = cells.nth(widget_cells[0])
            chart = cell.locator(CHART).first
            readout = cell.locator(".widget-slider .widget-readout").first
            value = int(readout.inner_text().strip())
            before = _marks(chart)
            readout.scroll_into_view_if_needed()
            readout.click()
            page.keyboard.press("Control+A")
            page.keyboard.type(str(value + 5))  # a slider clamps it: at its maximum, the value goes down
            page.keyboard.press("Enter")
            if int(readout.inner_text().strip()) == value:
                readout.click()
                page.keyboard.press("Control+A")
                page.keyboard.type(str(value - 5))
                page.keyboard.press("Enter")
            after = _wait_changed(chart, before)
            assert after != before, f"{chapter.name}: moving the first widget slider did not change its chart"
            chart.scroll_into_view_if_needed()
            page.screenshot(path=str(SHOTS / f"{chapter.stem}-widgets.png"))

        assert not session.outside, f"{chapter.name}: requests left 127.0.0.1: {session.outside}"
        print(f"{chapter.name}: Run All {seconds:.1f} s, {drawn} charts drawn")
    except Exception:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{chapter.stem}-failed.png"))
        raise
    finally:
        session.close()
