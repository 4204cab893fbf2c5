"""Time the book build: a cold build (empty build folder) and a warm rebuild with nothing changed.

    .venv/bin/python benchmarks/build.py [--runs 3]

Each run calls ``futurecity build`` in a fresh process, as ``make book`` does. Prints the median wall time of
each kind of build, the median execution time of each chapter (cold builds), and the size of each chapter page
with the scripts and styles it loads from the book (the budget is 2 MB). Results are also written to
``benchmarks/results/build-<timestamp>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROW = re.compile(r"^(\S+\.ipynb)\s+(executed|cached|failed)\s+([\d.]+)$", re.M)


def run_build() -> tuple[float, dict[str, float]]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "futurecity", "build", "--project", str(ROOT)],
                          capture_output=True, text=True, env=os.environ.copy())
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"build failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return seconds, {name: float(t) for name, status, t in ROW.findall(done.stderr) if status == "executed"}


def page_weight(page: Path) -> int:
    """Bytes of a page plus the local scripts, styles and images it references."""
    html = page.read_text(encoding="utf-8")
    total = len(html.encode())
    for ref in set(re.findall(r'(?:src|href)="([^"#?]+)(?:\?[^"]*)?"', html)):
        target = (page.parent / ref).resolve()
        if target.suffix in {".js", ".css", ".png", ".svg", ".woff2"} and target.is_file():
            total += target.stat().st_size
    return total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    if not os.environ.get("FUTURECITY_SNAPSHOTS") and (ROOT.parent / "shared" / "data").is_dir():
        os.environ["FUTURECITY_SNAPSHOTS"] = str(ROOT.parent / "shared" / "data")
    cold, warm, chapters = [], [], {}
    for _ in range(args.runs):
        shutil.rmtree(ROOT / "_build", ignore_errors=True)
        seconds, per = run_build()
        cold.append(seconds)
        for name, t in per.items():
            chapters.setdefault(name, []).append(t)
        seconds, per = run_build()
        if per:
            sys.exit(f"a warm rebuild executed chapters again: {per}")
        warm.append(seconds)
    pages = {p.name: page_weight(p) for p in sorted((ROOT / "_build" / "html" / "chapters").glob("*.html"))}
    result = {
        "runs": args.runs, "cores": os.cpu_count(),
        "cold_seconds": cold, "warm_seconds": warm,
        "cold_median": statistics.median(cold), "warm_median": statistics.median(warm),
        "chapter_execution_median": {k: statistics.median(v) for k, v in chapters.items()},
        "page_bytes": pages,
    }
    print(f"cold build (empty _build), median of {args.runs}: {result['cold_median']:.1f} s  "
          f"(runs: {', '.join(f'{s:.1f}' for s in cold)})")
    print(f"warm rebuild (nothing changed), median of {args.runs}: {result['warm_median']:.1f} s  "
          f"(runs: {', '.join(f'{s:.1f}' for s in warm)})")
    print("chapter execution, median of cold builds:")
    for name, t in result["chapter_execution_median"].items():
        print(f"  {name:<32} {t:6.1f} s")
    print("chapter page weight (page + local scripts and styles):")
    for name, size in pages.items():
        print(f"  {name:<32} {size / 1e6:6.2f} MB")
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"build-{time.strftime('%Y%m%dT%H%M%S')}.json").write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
