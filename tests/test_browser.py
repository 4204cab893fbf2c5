"""The built website in a real browser: Debian's Chromium through Playwright, with no network.

Serves ``_build/html`` (built by ``make book`` before the tests) on 127.0.0.1, opens every page, and checks that
every chart draws its marks, that every control changes its chart's marks, that no request leaves 127.0.0.1 and
that the console shows no error.
"""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

from conftest import PROJECT

pytestmark = pytest.mark.browser

HTML = PROJECT / "_build" / "html"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
# The only console errors tolerated: the theme's first-visit message (see ../shared/TOOLCHAIN.md), exactly.
KNOWN_CONSOLE = {"Got invalid theme mode: . Resetting to auto."}
PAGE_BUDGET = 2 * 1024 * 1024
MARKS = ".role-mark > path, .role-mark > text, .role-mark > line, .role-mark > rect, .role-mark > g"

# The marks of one chart as text: data marks only (Vega tags them role-mark), not axes or legends.
MARKS_JS = """(el) => Array.from(el.querySelectorAll('svg .role-mark')).map(g => g.innerHTML).join('|')"""


NOT_BUILT = HTML / "index.html"  # stands for every page when the book is not built: each test then fails


def pages() -> list[Path]:
    """The built pages (collected without failing when there is no book, so `make unit` can deselect them)."""
    if not NOT_BUILT.is_file():
        return [NOT_BUILT]
    return sorted(p for p in HTML.rglob("*.html") if "_static" not in p.parts and "_sources" not in p.parts)


def chapter_pages() -> list[Path]:
    return [p for p in pages() if p.parent.name == "chapters"] or [NOT_BUILT]


# Chapters made of tables alone (none since chapter 6 opened with its verdict chart). Every other chapter must
# have charts (a chapter that lost its charts fails), and these must have none (tested in test_site.py).
CHARTLESS: set[str] = set()


def chart_pages() -> list[Path]:
    """The chapter pages that show charts."""
    return [p for p in chapter_pages() if p.stem not in CHARTLESS] or [NOT_BUILT]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    if not NOT_BUILT.is_file():
        pytest.fail(f"{HTML} has no built book: run `make book` first (make test does)")
    handler = functools.partial(_Quiet, directory=str(HTML))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium (apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


class Visit:
    """One page load with every request, response size and console error recorded."""

    def __init__(self, browser, url: str, viewport: dict | None = None, dark: bool = False):
        self.context = browser.new_context(viewport=viewport or {"width": 1280, "height": 720},
                                           color_scheme="dark" if dark else "light")
        self.page = self.context.new_page()
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.bytes = 0
        self.context.route("**/*", self._route)
        self.page.on("console", lambda m: m.type == "error" and m.text not in KNOWN_CONSOLE
                     and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))
        self.page.on("response", self._count)
        self.page.goto(url, wait_until="load")
        self.page.wait_for_timeout(300)

    def _route(self, route):
        host = urlparse(route.request.url).hostname
        if host == "127.0.0.1":
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def _count(self, response):
        try:
            self.bytes += len(response.body())
        except Exception:  # redirects and aborted requests have no body
            pass

    def close(self):
        self.context.close()


# Resolves when every chart on the page has been fitted to its column's current width by the book's embed script.
FITTED_JS = """() => { const charts = Array.from(document.querySelectorAll('.fc-chart'));
  return charts.every(el => el.querySelector('svg')
    && el.getAttribute('data-fitted') === String(el.clientWidth)); }"""


def wait_fitted(page, timeout: float = 15000) -> None:
    page.wait_for_function(FITTED_JS, timeout=timeout)


def _url(server: str, page: Path) -> str:
    return f"{server}/{page.relative_to(HTML).as_posix()}"


@pytest.mark.parametrize("page", pages(), ids=lambda p: p.relative_to(HTML).as_posix())
def test_page_loads_offline_without_console_errors(browser, server, page):
    visit = Visit(browser, _url(server, page))
    try:
        assert visit.outside == [], f"requests left 127.0.0.1: {visit.outside}"
        assert visit.errors == [], f"console errors: {visit.errors}"
    finally:
        visit.close()


@pytest.mark.parametrize("page", chart_pages(), ids=lambda p: p.stem)
def test_every_chart_draws_marks_and_every_control_moves_them(browser, server, page):
    visit = Visit(browser, _url(server, page))
    try:
        charts = visit.page.locator(".fc-chart")
        assert charts.count() > 0, f"{page.name} has no chart"
        for i in range(charts.count()):
            chart = charts.nth(i)
            chart.scroll_into_view_if_needed()
            chart.locator("svg").first.wait_for(state="attached", timeout=15000)
            assert chart.locator(MARKS).count() > 0, f"chart {i} of {page.name} drew no data marks"
            _move_every_control(visit.page, chart, f"chart {i} of {page.name}")
        assert visit.outside == [], f"requests left 127.0.0.1: {visit.outside}"
        assert visit.errors == [], f"console errors: {visit.errors}"
        assert visit.bytes < PAGE_BUDGET, f"{page.name} loads {visit.bytes} bytes, over {PAGE_BUDGET}"
    finally:
        visit.close()


def _move_every_control(page, chart, what: str) -> None:
    controls = chart.locator(".vega-bindings input, .vega-bindings select")
    seen_radio_groups = set()
    for j in range(controls.count()):
        control = controls.nth(j)
        kind = control.evaluate("el => el.tagName === 'SELECT' ? 'select' : el.type")
        name = control.evaluate("el => el.name")
        if kind == "radio":
            if name in seen_radio_groups:
                continue
            seen_radio_groups.add(name)
        before = chart.evaluate(MARKS_JS)
        label = _change(control, kind, chart, name)
        try:
            page.wait_for_function(
                "([el, before]) => Array.from(el.querySelectorAll('svg .role-mark'))"
                ".map(g => g.innerHTML).join('|') !== before",
                arg=[chart.element_handle(), before], timeout=5000)
        except Exception:
            pytest.fail(f"{what}: moving control {label!r} ({kind}) did not change the chart's marks")


def _change(control, kind: str, chart, name: str) -> str:
    """Set the control to a value other than its current one, as a reader would; return its label."""
    label = control.evaluate("el => (el.closest('label') || el.parentElement).innerText.trim()") or name
    if kind == "range":
        control.evaluate("""el => {
            const lo = Number(el.min), hi = Number(el.max), v = Number(el.value);
            el.value = String(v === lo ? hi : lo);
            el.dispatchEvent(new Event('input', {bubbles: true}));
            el.dispatchEvent(new Event('change', {bubbles: true}));
        }""")
    elif kind == "select":
        control.evaluate("""el => {
            el.selectedIndex = (el.selectedIndex + 1) % el.options.length;
            el.dispatchEvent(new Event('change', {bubbles: true}));
            el.dispatchEvent(new Event('input', {bubbles: true}));
        }""")
    elif kind == "radio":
        group = chart.locator(f".vega-bindings input[type=radio][name='{name}']")
        target = next(k for k in range(group.count()) if not group.nth(k).is_checked())
        group.nth(target).check()
    elif kind == "checkbox":
        control.click()
    else:
        pytest.fail(f"unexpected control type {kind!r}")
    return label


def test_chapter5_badge_shows_the_claims_engine_value_and_follows_the_end_year(browser, server):
    """At the default slider positions the page's C5-8a badge shows the value and status the claims engine
    computes; moving the end year off the paper's window changes the value and withholds the verdict."""
    from futurecity import topics
    from futurecity.claims import evaluate
    from futurecity.viz.badges import ANOTHER_WINDOW

    topics.load_all()
    claim = evaluate.by_id(evaluate.evaluate(chapter=5))["C5-8a"]
    visit = Visit(browser, _url(server, HTML / "chapters" / "05-prospects.html"))
    try:
        chart = visit.page.locator(".fc-chart").filter(has=visit.page.locator("text", has_text="C5-8a")).first
        chart.locator("svg").first.wait_for(state="attached", timeout=15000)
        read = """(el) => { const pick = (re) => Array.from(el.querySelectorAll('svg g.mark-text'))
            .filter(g => Array.from(g.classList).some(c => re.test(c))).map(g => g.textContent).join('|');
          return pick(/^claim_C5_8a_badge(_\\d+)?_marks$/) + ' || ' + pick(/^claim_C5_8a_badge_status(_\\d+)?_marks$/); }"""
        before = chart.evaluate(read)
        assert f"{claim['value']:+.1f}%" in before, before
        assert before.rstrip().endswith(claim["status"]), before
        end_year = chart.locator(".vega-bindings input[name='bres_end']")
        end_year.evaluate("""el => { el.value = el.max;
            el.dispatchEvent(new Event('input', {bubbles: true})); }""")
        visit.page.wait_for_function(f"([el, t]) => ({read})(el) !== t", arg=[chart.element_handle(), before],
                                     timeout=5000)
        after = chart.evaluate(read)
        assert after.rstrip().endswith(ANOTHER_WINDOW) and claim["status"] not in after.split("||")[-1], after
        assert visit.errors == [] and visit.outside == []
    finally:
        visit.close()


@pytest.mark.parametrize("page", chart_pages(), ids=lambda p: p.stem)
def test_every_chart_menu_has_an_accessible_name(browser, server, page):
    visit = Visit(browser, _url(server, page))
    try:
        charts = visit.page.locator(".fc-chart")
        for i in range(charts.count()):
            menu = charts.nth(i).locator("summary").first
            menu.wait_for(state="attached", timeout=15000)
            assert (menu.get_attribute("aria-label") or "").startswith("Save the chart ("), f"chart {i} of {page.name}"
    finally:
        visit.close()


SCREENSHOTS = PROJECT / "_build" / "screenshots"


def png_pixel_bytes(png: bytes) -> bytes:
    """The decompressed image data of a PNG (scanlines with their filter bytes), read with the standard library."""
    import struct
    import zlib

    pos, data = 8, b""
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        if kind == b"IDAT":
            data += png[pos + 8:pos + 8 + length]
        pos += 12 + length
    return zlib.decompress(data)


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("page", chapter_pages(), ids=lambda p: p.stem)
def test_screenshots_of_every_chapter_for_reviewers_are_not_blank(browser, server, page, width):
    """Full-page screenshots at a phone's and a laptop's width go to _build/screenshots/; none is blank."""
    visit = Visit(browser, _url(server, page))
    try:
        visit.page.set_viewport_size({"width": width, "height": 900})
        wait_fitted(visit.page)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{page.stem}-{width}.png"
        visit.page.screenshot(path=str(path), full_page=True)
        assert len(set(png_pixel_bytes(path.read_bytes()))) > 64, f"{path.name} looks blank"
    finally:
        visit.close()
