"""Run the README's papermill command again and again on every chapter, widgets on, and count the runs that finish.

The command is read from the README's "Rerunning one chapter" section and run verbatim with bash from the project
root (its ``export`` lines first), once per run; for the other chapters only the notebook's name and the output
file change. Each run has a time limit: one that passes it is a hang, killed with its kernel. A run completes
when papermill exits 0 and the executed notebook holds no error output and a chart in its widget cell.

    .venv/bin/python benchmarks/papermill_stress.py [--runs 30] [--timeout 120] [CHAPTER ...]

Not part of `make test` (30 runs per chapter take several minutes); `make stress` runs it. Writes
``benchmarks/results/papermill-stress-<time>.json`` and prints runs completed / total and the median time per
chapter.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
RESULTS = PROJECT / "benchmarks" / "results"
SECTION = "## Rerunning one chapter"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
CHART = "application/vnd.vegalite.v5+json"


def readme_command() -> tuple[list[str], str]:
    """The ``export`` lines and the papermill line of the README's code block under SECTION."""
    text = (PROJECT / "README.md").read_text(encoding="utf-8")
    section = text[text.index(SECTION):]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    lines = [line.split("  #")[0].strip() for line in block.splitlines()]
    exports = [line for line in lines if line.startswith("export ")]
    papermill = [line for line in lines if "papermill " in line]
    if len(papermill) != 1:
        raise SystemExit(f"expected one papermill command in the README's {SECTION!r} block, found {papermill}")
    return exports, papermill[0]


def command_for(papermill: str, chapter: Path, out: Path) -> str:
    """The README's command for ``chapter``, writing ``out``: only those two words change."""
    words = papermill.split()
    nb = next(i for i, w in enumerate(words) if w.endswith(".ipynb"))
    words[nb] = f"chapters/{chapter.name}"
    words[nb + 1] = str(out)
    return " ".join(words)


def check(out: Path) -> str:
    """'' when the executed notebook is whole: no error output, and the widget cell shows widgets and a chart."""
    if not out.is_file():
        return "no output notebook"
    nb = json.loads(out.read_text(encoding="utf-8"))
    cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    for c in cells:
        for o in c.get("outputs", []):
            if o.get("output_type") == "error":
                return f"error output: {o.get('ename')}: {o.get('evalue')}"
    widget_cells = [c for c in cells if re.search(r"^ch\.\w+_widgets\(\)", "".join(c["source"]), re.M)]
    for c in widget_cells:
        kinds = {k for o in c.get("outputs", []) for k in o.get("data", {})}
        if not {WIDGET_VIEW, CHART} <= kinds:
            return f"widget cell without widgets or chart: {sorted(kinds)}"
    return ""


def run_once(script: str, timeout: float, env: dict) -> tuple[str, float, str]:
    """('completed' | 'failed' | 'hung', seconds, detail)."""
    start = time.perf_counter()
    proc = subprocess.Popen(["bash", "-c", script], cwd=PROJECT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        output, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # papermill and the kernel it started
        proc.communicate()
        return "hung", time.perf_counter() - start, f"killed after {timeout:.0f} s"
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        return "failed", seconds, f"exit {proc.returncode}: {output.strip().splitlines()[-1:]}"
    return "completed", seconds, ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("chapters", nargs="*", help="notebook names in chapters/ (default: all)")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--timeout", type=float, default=120, help="seconds one run may take")
    args = parser.parse_args(argv)
    chapters = ([PROJECT / "chapters" / c for c in args.chapters] if args.chapters
                else sorted((PROJECT / "chapters").glob("*.ipynb")))
    exports, papermill = readme_command()
    env = {k: v for k, v in os.environ.items() if k not in ("FUTURECITY_BUILD", "FUTURECITY_SNAPSHOTS")}
    print(f"README command: {' && '.join(exports + [papermill])}", flush=True)
    report = {"command": exports + [papermill], "runs": args.runs, "timeout_s": args.timeout,
              "started": datetime.now(timezone.utc).isoformat(timespec="seconds"), "chapters": {}}
    with tempfile.TemporaryDirectory(prefix="papermill-stress-") as tmp:
        for chapter in chapters:
            results = []
            for i in range(args.runs):
                out = Path(tmp) / f"{chapter.stem}-{i}.ipynb"
                script = " && ".join(exports + [command_for(papermill, chapter, out)])
                status, seconds, detail = run_once(script, args.timeout, env)
                if status == "completed" and (problem := check(out)):
                    status, detail = "failed", problem
                results.append({"status": status, "seconds": round(seconds, 2), "detail": detail})
                print(f"{chapter.name} run {i + 1:>2}/{args.runs}: {status} {seconds:5.1f} s {detail}", flush=True)
                out.unlink(missing_ok=True)
            done = [r["seconds"] for r in results if r["status"] == "completed"]
            report["chapters"][chapter.name] = {
                "completed": len(done), "total": len(results),
                "hung": sum(r["status"] == "hung" for r in results),
                "failed": sum(r["status"] == "failed" for r in results),
                "median_s": round(statistics.median(done), 2) if done else None, "results": results}
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"papermill-stress-{datetime.now(timezone.utc):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(f"\n{'chapter':<24} {'completed':>9} {'hung':>5} {'failed':>6} {'median s':>9}")
    for name, r in report["chapters"].items():
        median = f"{r['median_s']:.1f}" if r["median_s"] is not None else "-"
        print(f"{name:<24} {r['completed']:>4}/{r['total']:<4} {r['hung']:>5} {r['failed']:>6} {median:>9}")
    print(f"written: {path.relative_to(PROJECT)}")
    ok = all(r["completed"] == r["total"] for r in report["chapters"].values())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
