"""Time the authors' loop: one word of a chapter's prose changed, until its page shows it.

    .venv/bin/python benchmarks/prose_edit.py [--runs 3] [--chapter chapters/01-introduction] [--rev REV]

The project (the working tree, or the revision ``REV`` of its git history) is copied into a temporary folder and
built there once, untimed, as ``make book`` does (``futurecity build``, with that copy's own package first on the
path). Then, ``--runs`` times: one word of a markdown cell of the chapter is changed (a heading's or a sentence's
word, alternately capitalised and restored, so each run is a new edit), ``futurecity build`` is run in a fresh
process and timed until it ends, and the chapter's page is checked for the new word. Prints each run, whether the
chapter was executed again, and the median; writes ``benchmarks/results/prose-<timestamp>.json``.
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
import tarfile
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
ROW = re.compile(r"^(\S+\.ipynb)\s+(executed|cached|failed)\s+([\d.]+)$", re.M)
SKIP = shutil.ignore_patterns(".git", ".venv", "_build", ".cache", "node_modules", "__pycache__", "*.egg-info",
                              "results", ".pytest_cache")
BUILD_TIMEOUT = 900  # seconds a build may take


def copy_project(dest: Path, rev: str | None) -> Path:
    """The working tree, or the files of ``rev``, in ``dest``."""
    if rev is None:
        shutil.copytree(ROOT, dest, ignore=SKIP)
        return dest
    dest.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", rev], capture_output=True,
                             check=True, timeout=120).stdout
    tar_path = dest.parent / "rev.tar"
    tar_path.write_bytes(archive)
    with tarfile.open(tar_path) as tar:
        tar.extractall(dest, filter="data")
    tar_path.unlink()
    return dest


def run_build(project: Path, env: dict) -> tuple[float, dict[str, str]]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "futurecity", "build", "--project", str(project)],
                          capture_output=True, text=True, env=env, timeout=BUILD_TIMEOUT)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"build failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return seconds, {name: status for name, status, _ in ROW.findall(done.stderr)}


def pick_word(nb) -> tuple[int, str]:
    """The first markdown cell with a plain word of six or more lower-case letters outside roles and code, and
    that word."""
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            plain = re.sub(r"\{[^}]*\}`[^`]*`|`[^`]*`|\[[^\]]*\]\([^)]*\)|<[^>]*>", " ", line)
            found = re.search(r"(?<![\w{(/-])([a-z]{6,})(?![\w}/-])", plain)
            if found and line.lstrip()[:1] not in ("|", ":", "!", "("):
                return index, found.group(1)
    raise SystemExit("no markdown cell with a plain word to change")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--chapter", default="chapters/01-introduction")
    ap.add_argument("--rev", help="time this revision of the project (default: the working tree)")
    args = ap.parse_args()
    env = os.environ.copy()
    if not env.get("FUTURECITY_SNAPSHOTS") and (ROOT.parent / "shared" / "data").is_dir():
        env["FUTURECITY_SNAPSHOTS"] = str(ROOT.parent / "shared" / "data")
    env["FUTURECITY_SNAPSHOTS"] = str(Path(env["FUTURECITY_SNAPSHOTS"]).resolve())
    env.pop("FUTURECITY_ROOT", None)
    with tempfile.TemporaryDirectory(prefix="futurecity-prose-") as tmp:
        project = copy_project(Path(tmp) / "book", args.rev)
        env["PYTHONPATH"] = os.pathsep.join([str(project / "src"), *filter(None, [env.get("PYTHONPATH")])])
        env["FUTURECITY_CACHE"] = str(Path(tmp) / "cache")
        found = subprocess.run([sys.executable, "-c", "import futurecity; print(futurecity.__file__)"], env=env,
                               capture_output=True, text=True, check=True, timeout=60).stdout.strip()
        if not Path(found).is_relative_to(project):
            sys.exit(f"the copy's package is not the one imported: {found}")
        notebook = project / f"{args.chapter}.ipynb"
        page = project / "_build" / "html" / f"{args.chapter}.html"
        name = notebook.name
        run_build(project, env)  # cold, untimed
        nb = nbformat.read(notebook, as_version=4)
        index, word = pick_word(nb)
        original = nb.cells[index].source
        times, statuses = [], []
        for run in range(args.runs):
            new = word.capitalize() if run % 2 == 0 else word
            old = word if run % 2 == 0 else word.capitalize()
            nb.cells[index].source = original if new == word else re.sub(rf"\b{old}\b", new, original, count=1)
            nbformat.write(nb, notebook)
            seconds, status = run_build(project, env)
            shown = re.sub(r"<[^>]+>", " ", page.read_text(encoding="utf-8"))
            if not re.search(rf"\b{new}\b", shown):
                sys.exit(f"run {run + 1}: the page {page.name} does not show the edited word {new!r}")
            times.append(seconds)
            statuses.append(status.get(name, "?"))
            print(f"run {run + 1}: '{old}' -> '{new}' in {name}: {seconds:.1f} s, chapter {statuses[-1]}",
                  flush=True)
    result = {"runs": args.runs, "cores": os.cpu_count(), "chapter": args.chapter, "rev": args.rev or "working tree",
              "word": word, "seconds": times, "median": statistics.median(times), "chapter_status": statuses}
    print(f"edit to page, one word of {name}'s prose, median of {args.runs}: {result['median']:.1f} s "
          f"(runs: {', '.join(f'{s:.1f}' for s in times)}; chapter {', '.join(statuses)})")
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"prose-{time.strftime('%Y%m%dT%H%M%S')}.json").write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
