"""Build the book: execute every chapter once with papermill, then build the HTML from the executed copies.

``futurecity build`` (exit 0 built; 1 a chapter failed; 2 data unavailable):

1. reads the chapters from ``_toc.yml``;
2. executes each with papermill (parameters ``live`` and ``vintage``), in parallel on the available cores, into
   ``_build/executed/`` (never into ``chapters/``), unless its cached execution is still valid;
3. copies the executed notebooks with the book's configuration into ``_build/src/`` and runs Jupyter Book on it
   (warnings are errors; the notebooks are not executed again), which writes ``_build/html/``.

The execution cache is keyed on content, never on modification times. A chapter is executed again when any of
its inputs changed: its notebook, the ``futurecity`` package or the project tables in ``data/`` it imports, its
parameters, the snapshot and cache folders, or a data file it read through the registry (each read is logged by
:mod:`futurecity.store` while the chapter runs; on the next build the same source and vintage are resolved again
and the file hashed, together with the source's registry entry).
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import json
import multiprocessing as mp
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

EXIT_OK, EXIT_FAILED, EXIT_DATA = 0, 1, 2
CACHE_FORMAT = 1
PULLED_ENV = "FUTURECITY_PULLED"  # sources this build already tried: chapters with live=True do not pull again
CELL_TIMEOUT = int(os.environ.get("FUTURECITY_CELL_TIMEOUT", "600"))  # seconds a cell may run


class ChapterFailed(RuntimeError):
    """A chapter raised while executing; the message names the notebook and the failing cell."""


@dataclass
class Chapter:
    """One notebook of the table of contents and where its executed copy goes."""

    docname: str  # as in _toc.yml, e.g. chapters/01-introduction
    source: Path
    executed: Path
    record: Path

    @property
    def name(self) -> str:
        return self.source.name


@dataclass
class Outcome:
    chapter: Chapter
    status: str  # executed | cached | failed
    seconds: float = 0.0
    error: str = ""
    data_unavailable: bool = False
    reads: list[dict] = field(default_factory=list)


# --- the table of contents --------------------------------------------------------------------------------

def toc_files(project: Path) -> list[str]:
    """Every file named in ``_toc.yml`` (root first), without suffix, in reading order."""
    toc = yaml.safe_load((project / "_toc.yml").read_text(encoding="utf-8"))
    found = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                found.append(entry["file"])
            walk(entry.get("chapters"))
            walk(entry.get("sections"))
            for part in entry.get("parts", []):
                walk(part.get("chapters"))

    walk(toc.get("chapters"))
    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    return found


def chapters(project: Path, build_dir: Path) -> list[Chapter]:
    out = []
    for doc in toc_files(project):
        nb = project / f"{doc}.ipynb"
        if nb.is_file():
            out.append(Chapter(doc, nb, build_dir / "executed" / f"{doc}.ipynb",
                               build_dir / "executed" / f"{doc}.inputs.json"))
    return out


# --- content hashes ---------------------------------------------------------------------------------------

def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def code_digest(project: Path) -> str:
    """One hash of what every chapter imports: the package source and the project tables in ``data/``
    (the source registry is accounted per source read, see :func:`_registry_entries`; the bibliography is read
    by the HTML build only)."""
    h = hashlib.sha256()
    files = sorted((project / "src" / "futurecity").rglob("*.py"))
    files += sorted(p for p in (project / "data").glob("*")
                    if p.is_file() and p.name != "sources.yml" and p.suffix != ".bib")  # the book, not the run
    for path in files:
        h.update(str(path.relative_to(project)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def _registry_entries(project: Path) -> dict[str, str]:
    """The hash of each source's entry in the registry, by source id."""
    doc = yaml.safe_load((project / "data" / "sources.yml").read_text(encoding="utf-8"))
    return {e["id"]: _sha(json.dumps(e, sort_keys=True, default=str).encode()) for e in doc["sources"]}


def static_key(chapter: Chapter, params: dict, code: str, env: dict) -> dict:
    """The inputs of a chapter known before it runs."""
    return {
        "format": CACHE_FORMAT,
        "notebook": _sha(chapter.source.read_bytes()),
        "code": code,
        "params": params,
        "snapshots": env.get("FUTURECITY_SNAPSHOTS", ""),
        "cache": env.get("FUTURECITY_CACHE", ""),
    }


def reads_still_valid(project: Path, reads: list[dict]) -> bool:
    """True when every data file the chapter read would be read again, with the same bytes and registry entry.
    Resolved by :func:`futurecity.store.resolved_file` in this process, whose settings the chapters inherit."""
    from futurecity import store

    entries = _registry_entries(project)
    for read in reads:
        if entries.get(read["source"]) != read["registry_entry"]:
            return False
        path = store.resolved_file(read["source"], read["vintage"])
        if path is None or str(path) != read["path"] or not path.is_file():
            return False
        if _sha(path.read_bytes()) != read["sha256"]:
            return False
    return True


def cached(chapter: Chapter, key: dict, project: Path) -> bool:
    if not (chapter.record.is_file() and chapter.executed.is_file()):
        return False
    try:
        record = json.loads(chapter.record.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return False
    return record.get("key") == key and reads_still_valid(project, record.get("reads", []))


# --- executing one chapter --------------------------------------------------------------------------------

def _kernel_manager_class():
    """A kernel manager whose kernels talk over Unix sockets with unique names. Over TCP, kernels started at
    the same moment by parallel chapters can race for the same free port, and a chapter then waits forever for
    a reply that went to the other kernel."""
    import uuid

    from jupyter_client.manager import AsyncKernelManager

    class SocketKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs):
            kwargs.setdefault("transport", "ipc")
            kwargs.setdefault("ip", str(Path(tempfile.gettempdir()) / f"futurecity-kernel-{uuid.uuid4().hex}"))
            super().__init__(**kwargs)

    return SocketKernelManager


def _execute(chapter: Chapter, project: Path, params: dict, env: dict) -> Outcome:
    """Run one notebook with papermill in this (worker) process; the kernel inherits ``env``."""
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    start = time.perf_counter()
    chapter.executed.parent.mkdir(parents=True, exist_ok=True)
    fd, log = tempfile.mkstemp(prefix="reads-", suffix=".jsonl")
    os.close(fd)
    os.environ.update(env)
    os.environ["FUTURECITY_READS_LOG"] = log
    os.environ["FUTURECITY_BUILD"] = "1"  # see futurecity.charts.interact
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(project / "src")] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
    tmp_out = chapter.executed.with_suffix(".running.ipynb")
    try:
        papermill.execute_notebook(str(chapter.source), str(tmp_out), parameters=params, kernel_name="python3",
                                   cwd=str(chapter.source.parent), progress_bar=False, log_output=False,
                                   execution_timeout=CELL_TIMEOUT, kernel_manager_class=_kernel_manager_class())
    except PapermillExecutionError as exc:
        cell = _failing_cell(tmp_out)
        return Outcome(chapter, "failed", time.perf_counter() - start,
                       error=f"{chapter.source.relative_to(project)}: {cell}raised {exc.ename}: {exc.evalue}",
                       data_unavailable=exc.ename == "DataUnavailable")
    except Exception as exc:  # kernel died, notebook unreadable ...
        return Outcome(chapter, "failed", time.perf_counter() - start,
                       error=f"{chapter.source.relative_to(project)}: could not be executed: "
                             f"{type(exc).__name__}: {exc}")
    finally:
        reads = [json.loads(line) for line in Path(log).read_text(encoding="utf-8").splitlines() if line]
        Path(log).unlink(missing_ok=True)
    nb = nbformat.read(tmp_out, as_version=4)
    for cell in nb.cells:  # the injected parameters stay in the notebook download, hidden on the page
        tags = cell.metadata.setdefault("tags", [])
        if "injected-parameters" in tags and "remove-cell" not in tags:
            tags.append("remove-cell")
    nbformat.write(nb, tmp_out)
    os.replace(tmp_out, chapter.executed)
    return Outcome(chapter, "executed", time.perf_counter() - start, reads=reads)


def _failing_cell(path: Path) -> str:
    """'code cell N (its first line) ' for the cell that raised, N counted as in the chapter's own notebook."""
    try:
        import nbformat

        nb = nbformat.read(path, as_version=4)
    except Exception:
        return ""
    code_cells = [c for c in nb.cells if c.cell_type == "code"
                  and "injected-parameters" not in c.metadata.get("tags", [])]
    for number, cell in enumerate(code_cells, start=1):
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            first = next((line for line in cell.source.splitlines() if line.strip()), "")
            return f"code cell {number} ({first.strip()[:70]!r}) "
    return ""


def _record(outcome: Outcome, key: dict, project: Path) -> None:
    entries = _registry_entries(project)
    reads = {}
    for read in outcome.reads:
        reads[(read["source"], read["vintage"])] = {**read, "registry_entry": entries.get(read["source"], "")}
    body = {"key": key, "reads": sorted(reads.values(), key=lambda r: (r["source"], r["vintage"]))}
    from futurecity.store import atomic_write

    atomic_write(outcome.chapter.record, json.dumps(body, indent=1).encode())


# --- the HTML book ----------------------------------------------------------------------------------------

def _sync(src: Path, dst: Path) -> None:
    """Copy ``src`` to ``dst`` only when the bytes differ (unchanged files keep their times for Sphinx)."""
    if dst.is_file() and dst.read_bytes() == src.read_bytes():
        return
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)


def stage_book(project: Path, build_dir: Path, chaps: list[Chapter]) -> Path:
    """Assemble ``_build/src``: configuration, static files and templates, bibliography, pages and executed
    notebooks."""
    stage = build_dir / "src"
    wanted: dict[Path, Path] = {}
    for name in ("_config.yml", "_toc.yml"):
        wanted[stage / name] = project / name
    for path in [*(project / "_static").rglob("*"), *(project / "_templates").rglob("*")]:
        if path.is_file():
            wanted[stage / path.relative_to(project)] = path
    config = yaml.safe_load((project / "_config.yml").read_text(encoding="utf-8"))
    for bib in config.get("bibtex_bibfiles", []):
        wanted[stage / bib] = project / bib
    executed = {c.docname: c.executed for c in chaps}
    for doc in toc_files(project):
        if doc in executed:
            wanted[stage / f"{doc}.ipynb"] = executed[doc]
        else:
            page = next((project / f"{doc}{ext}" for ext in (".md", ".ipynb") if (project / f"{doc}{ext}").is_file()),
                        None)
            if page is None:
                raise FileNotFoundError(f"_toc.yml lists {doc!r} but no {doc}.md or {doc}.ipynb exists")
            wanted[stage / page.relative_to(project)] = page
    for dst, src in wanted.items():
        _sync(src, dst)
    for path in list(stage.rglob("*")):  # drop pages no longer in the book
        if path.is_file() and path not in wanted:
            path.unlink()
    return stage


def build_html(project: Path, build_dir: Path, stage: Path) -> None:
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb) if jb.exists() else "jupyter-book", "build", str(stage), "--path-output", str(build_dir.parent),
           "-W", "-n", "--keep-going", "-q"]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-25:])
        raise ChapterFailed(f"Jupyter Book failed (warnings are errors):\n{tail}")


# --- the command ------------------------------------------------------------------------------------------

def _settings(live: bool, vintage: str | None) -> tuple[bool, str, str]:
    """(live, vintage, message) from the command line and FUTURECITY_SNAPSHOTS."""
    if vintage is not None:
        return live, vintage, ""
    if os.environ.get("FUTURECITY_SNAPSHOTS"):
        return live, "pinned", f"Data: pinned snapshots in {os.environ['FUTURECITY_SNAPSHOTS']}."
    return True, "latest", ("Data: no snapshot folder configured (FUTURECITY_SNAPSHOTS is not set), so the book "
                            "is built with live pulls (live=True, vintage='latest').")


def pull_sources(out) -> list[str]:
    """Pull every source with a live API once, before any chapter runs; return the ids tried.

    A failed pull is reported and the build goes on: chapters then read the newest good vintage or the pinned
    snapshot, and a chapter whose data exist nowhere fails with ``DataUnavailable`` (exit 2).
    """
    from tqdm import tqdm

    from futurecity import fetch, registry
    from futurecity.store import DataUnavailable

    live = [s for s in registry.sources().values() if s.live is not None]
    for src in tqdm(live, desc="live pulls", unit="source", file=out):
        try:
            fetch.pull(src)
        except DataUnavailable as exc:
            print(f"futurecity build: live pull failed, the last good vintage or the snapshot will be used: "
                  f"{exc}", file=out)
    return [s.id for s in live]


def build(project: Path, live: bool = False, vintage: str | None = None, jobs: int | None = None,
          html: bool = True, out=sys.stderr) -> int:
    from tqdm import tqdm

    project = project.resolve()
    build_dir = project / "_build"
    live, vintage, message = _settings(live, vintage)
    if message:
        print(message, file=out)
    params = {"live": live, "vintage": vintage}
    env = {k: os.environ[k] for k in ("FUTURECITY_SNAPSHOTS", "FUTURECITY_CACHE") if os.environ.get(k)}
    env["FUTURECITY_ROOT"] = os.environ["FUTURECITY_ROOT"] = str(project)  # this process resolves reads too
    if live:  # once per build, not once per chapter
        env[PULLED_ENV] = ",".join(pull_sources(out))
    code = code_digest(project)
    chaps = chapters(project, build_dir)
    keys = {c.docname: static_key(c, params, code, env) for c in chaps}
    outcomes = [Outcome(c, "cached") for c in chaps if cached(c, keys[c.docname], project)]
    todo = [c for c in chaps if c.docname not in {o.chapter.docname for o in outcomes}]
    workers = max(1, min(jobs or os.cpu_count() or 1, len(todo) or 1))
    bar = tqdm(total=len(chaps), desc="chapters", unit="nb", file=out, initial=len(outcomes),
               disable=not chaps)
    if todo:
        # spawn, not fork: a forked worker can inherit locks held by this process's threads (tqdm's monitor).
        with cf.ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn")) as pool:
            futures = [pool.submit(_execute, c, project, params, env) for c in todo]
            for future in cf.as_completed(futures):
                outcome = future.result()
                if outcome.status == "executed":
                    _record(outcome, keys[outcome.chapter.docname], project)
                outcomes.append(outcome)
                bar.set_postfix_str(f"{outcome.chapter.name} {outcome.status}")
                bar.update(1)
    bar.close()
    order = {c.docname: i for i, c in enumerate(chaps)}
    outcomes.sort(key=lambda o: order[o.chapter.docname])
    print(timing_table(outcomes), file=out)
    failed = [o for o in outcomes if o.status == "failed"]
    if failed:
        for o in failed:
            print(f"futurecity build: chapter failed: {o.error}", file=out)
        return EXIT_DATA if all(o.data_unavailable for o in failed) else EXIT_FAILED
    if html:
        start = time.perf_counter()
        stage = stage_book(project, build_dir, chaps)
        try:
            build_html(project, build_dir, stage)
        except ChapterFailed as exc:
            print(f"futurecity build: {exc}", file=out)
            return EXIT_FAILED
        print(f"HTML built in {time.perf_counter() - start:.1f} s: {build_dir / 'html' / 'index.html'}", file=out)
    return EXIT_OK


def timing_table(outcomes: list[Outcome]) -> str:
    width = max([len(o.chapter.name) for o in outcomes] + [len("chapter")])
    lines = [f"{'chapter':<{width}}  {'status':<8}  {'seconds':>7}"]
    lines += [f"{o.chapter.name:<{width}}  {o.status:<8}  {o.seconds:>7.1f}" for o in outcomes]
    return "\n".join(lines)


def cmd_build(args) -> int:
    from futurecity import config

    project = Path(args.project).resolve() if args.project else config.root()
    return build(project, live=args.live, vintage=args.vintage, jobs=args.jobs, html=not args.no_html)
