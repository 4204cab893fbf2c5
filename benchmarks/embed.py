"""Time the drawing of a chapter page's charts: from the page's first embed call until its last chart is drawn at
its final width.

    .venv/bin/python benchmarks/embed.py [--runs 5] [--widths 1280 390] [--script FILE | --rev REV]

Serves ``_build/html`` (built by ``make book``) on 127.0.0.1 and opens every chapter page in Debian's Chromium
(Playwright, no network), ``--runs`` times at each width, each time in a fresh browser context. A script added
before the page's own records the moment of the first ``vegaEmbed`` call and the moment every chart on the page
carries ``data-fitted`` equal to its column's width (the book's embed script sets it when a chart is drawn at its
final width); the time between them is the page's figure. It also counts the ``vegaEmbed`` calls, ``vega.View``
constructions and Vega-Lite compilations per chart. Prints the median of each page and width and writes the
results to ``benchmarks/results/embed-<timestamp>.json``.

``--script FILE`` serves FILE in place of ``_static/futurecity-charts.js`` and ``--rev REV`` serves that file as
it is at a git revision (``--rev main``), so one built book measures the embed script before and after a change.
Not a timed test: the figures depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
SCRIPT = "_static/futurecity-charts.js"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
SETTLE_MS = 800  # after every chart is fitted, wait this long for a late re-fit (a scroll bar appearing)
TIMEOUT_MS = 30000

# Added before the page's scripts: counts embeds, views and compilations, and times the first embed and the last fit.
INSTRUMENT_JS = (Path(__file__).parent / "embed_instrument.js").read_text(encoding="utf-8")

READ_JS = """() => Object.assign({}, window.__fcBench, {
  charts: Array.from(document.querySelectorAll('.fc-chart')).map(el => el.__fcEmbeds || 0)})"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _serve():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(HTML)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def chart_script(args) -> str | None:
    """The embed script to serve in place of the built one, or None for the built one."""
    if args.script:
        return Path(args.script).read_text(encoding="utf-8")
    if args.rev:
        return subprocess.run(["git", "show", f"{args.rev}:{SCRIPT}"], cwd=ROOT, check=True, capture_output=True,
                              text=True, timeout=30).stdout
    return None


def measure(browser, url: str, width: int, script: str | None) -> dict:
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        def route(r):
            if not r.request.url.startswith("http://127.0.0.1"):
                return r.abort()
            if script is not None and r.request.url.split("?")[0].endswith(SCRIPT):
                return r.fulfill(status=200, content_type="application/javascript", body=script)
            return r.continue_()

        context.route("**/*", route)
        context.add_init_script(INSTRUMENT_JS)
        page = context.new_page()
        page.goto(url, wait_until="load", timeout=TIMEOUT_MS)
        if page.evaluate("() => document.querySelectorAll('.fc-chart').length") == 0:
            return {"charts": []}
        page.wait_for_function("() => window.__fcBench.done !== null", timeout=TIMEOUT_MS)
        page.wait_for_timeout(SETTLE_MS)
        got = page.evaluate(READ_JS)
        got["ms"] = got["done"] - got["first"]
        return got
    finally:
        context.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--widths", type=int, nargs="+", default=[1280, 390])
    which = ap.add_mutually_exclusive_group()
    which.add_argument("--script", help="serve this file as the embed script")
    which.add_argument("--rev", help="serve the embed script as it is at this git revision")
    args = ap.parse_args()
    pages = sorted((HTML / "chapters").glob("*.html"))
    if not pages:
        sys.exit(f"{HTML} has no chapter pages: run `make book` first")
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} is missing (apt-get install chromium)")
    script = chart_script(args)
    from playwright.sync_api import sync_playwright

    httpd = _serve()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    results = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            try:
                for page in pages:
                    for width in args.widths:
                        runs = [measure(browser, f"{base}/chapters/{page.name}", width, script)
                                for _ in range(args.runs)]
                        if not runs[0]["charts"]:
                            results.append({"page": page.name, "width": width, "charts": 0})
                            continue
                        ms = [r["ms"] for r in runs]
                        results.append({
                            "page": page.name, "width": width, "charts": len(runs[0]["charts"]),
                            "median_ms": statistics.median(ms), "runs_ms": ms,
                            "embeds_per_chart": max(max(r["charts"]) for r in runs),
                            "embeds": runs[0]["embeds"], "views": runs[0]["views"],
                            "compiles": runs[0]["compiles"]})
            finally:
                browser.close()
    finally:
        httpd.shutdown()
    label = args.script or (f"git {args.rev}" if args.rev else "the built book's script")
    print(f"first embed call to last chart at its final width, median of {args.runs} ({label}, "
          f"{os.cpu_count()} cores)")
    print(f"  {'page':<22} {'width':>5} {'charts':>6} {'median':>9} {'embeds':>7} {'views':>6} {'compiles':>8}")
    for r in results:
        if not r["charts"]:
            print(f"  {r['page']:<22} {r['width']:>5} {0:>6}   (no charts)")
            continue
        print(f"  {r['page']:<22} {r['width']:>5} {r['charts']:>6} {r['median_ms']:>6.0f} ms {r['embeds']:>7} "
              f"{r['views']:>6} {r['compiles']:>8}")
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"embed-{time.strftime('%Y%m%dT%H%M%S')}.json").write_text(
        json.dumps({"script": label, "runs": args.runs, "cores": os.cpu_count(), "pages": results}, indent=1))


if __name__ == "__main__":
    main()
