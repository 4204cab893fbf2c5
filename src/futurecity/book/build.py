"""Build the book: execute every chapter once with papermill, then build the HTML from the executed copies.

``futurecity build`` (exit 0 built; 1 a chapter failed; 2 data unavailable or bad input, the chapter named):

1. reads the chapters from ``_toc.yml``;
2. executes each with papermill (parameters ``live`` and ``vintage``), in parallel on the available cores, into
   ``_build/executed/`` (never into ``chapters/``), unless its cached execution is still valid;
3. copies the executed notebooks with the book's configuration into ``_build/src/`` and runs Jupyter Book on it
   (warnings are errors; the notebooks are not executed again), which writes ``_build/html/``. Jupyter Book is
   started before the chapters execute (it imports Sphinx meanwhile) and is skipped when the staged book is the
   one the HTML was last written from; the data behind each chart is evaluated under Node at the same time.

The execution cache (:mod:`futurecity.book.cache`) is keyed on content, never on modification times or paths:
a chapter is executed again only when its code cells, its parameters, a package file it imports, or a data file,
project table or ledger entry it read has changed. An edit of its prose (markdown cells) alone re-executes nothing:
the executed copy takes the new prose (:func:`refresh_prose`) and the page is written anew.

A build is safe to stop and to start twice. It holds ``_build/build.lock`` (``fcntl.flock``, with its PID in the
file) while it runs; a second build of the same ``_build/`` says which PID holds it and waits for it (at most
:data:`LOCK_WAIT` seconds). Stopped by SIGTERM, SIGINT (Ctrl-C) or SIGHUP, it stops its workers first; its workers
end with it however it ends (``PR_SET_PDEATHSIG`` on Linux, else a thread watching the parent's PID), and each
kernel ends with its worker (ipykernel watches its parent). A chapter is executed into a temporary file of its
own in ``_build/executed/`` (:func:`tempfile.mkstemp`), moved into place when it has run and removed otherwise.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import fcntl
import json
import multiprocessing as mp
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from futurecity import reads
from futurecity.config import BUILD_ENV, PULL_FAILED_ENV, PULLED_ENV
from futurecity.errors import (EXIT_DATA, EXIT_FAILED, EXIT_OK, BadInput, ChapterFailed, DataUnavailable,
                               NeedsLiveData, NetworkUnreachable, UnknownSource)
from futurecity.files import atomic_write, sha256_bytes, sha256_file

CELL_TIMEOUT = int(os.environ.get("FUTURECITY_CELL_TIMEOUT", "600"))  # seconds a cell may run
# the errors a chapter may stop on that make the build exit 2 (data unavailable or invalid, or bad input: a
# parameter, a FUTURECITY_* variable, a source id), by the name papermill reports
EXIT_DATA_ERRORS = frozenset(e.__name__ for e in (DataUnavailable, NeedsLiveData, NetworkUnreachable, BadInput,
                                                  UnknownSource))

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


def execute_notebook(source: Path, out: Path, params: dict, timeout: int = CELL_TIMEOUT) -> None:
    """Execute ``source`` into ``out`` with papermill as the build does: kernels over Unix sockets, the notebook's
    folder as working directory, and ``timeout`` seconds at most per cell (a stuck kernel fails, never hangs).
    The kernel inherits this process's environment. The notebook is written once, when it has run (or failed),
    not at the start and end of every cell as papermill does by default (a chapter's charts make that seconds of
    writing). Raises papermill's errors."""
    import papermill

    papermill.execute_notebook(str(source), str(out), parameters=params, kernel_name="python3",
                               cwd=str(source.parent), progress_bar=False, log_output=False,
                               request_save_on_cell_execute=False,
                               execution_timeout=timeout, start_timeout=min(timeout, 120),
                               kernel_manager_class=_kernel_manager_class())


# --- workers that end with the build ----------------------------------------------------------------------

_TEMPORARY: set[Path] = set()  # this worker's temporary files, removed however it ends


def _temporary(folder: Path | None, prefix: str, suffix: str) -> Path:
    """A new empty file, unique to this build and chapter (:func:`tempfile.mkstemp`), removed by the worker
    however it ends (:func:`_stop_worker`) unless moved into place first."""
    fd, name = tempfile.mkstemp(dir=folder, prefix=prefix, suffix=suffix)
    os.close(fd)
    path = Path(name)
    _TEMPORARY.add(path)
    return path


def _remove_temporary() -> None:
    for path in list(_TEMPORARY):
        with contextlib.suppress(OSError):
            path.unlink()
        _TEMPORARY.discard(path)


def _stop_worker(signum, frame) -> None:  # noqa: ARG001 (a signal handler's signature)
    """SIGTERM in a worker (sent by the build, or by the operating system when the build ended): remove its
    temporary files and end at once. Its Jupyter kernel, whose parent this process is, ends by itself when it sees
    its parent gone."""
    _remove_temporary()
    os._exit(128 + signum)


def _die_with_parent(parent: int) -> None:
    """SIGTERM to this process when ``parent`` ends: ``prctl(PR_SET_PDEATHSIG)`` on Linux, else a thread that
    watches the parent's PID every half second. Ends now if the parent is already gone."""
    watched = False
    if sys.platform.startswith("linux"):
        import ctypes

        PR_SET_PDEATHSIG = 1
        try:
            watched = ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) == 0
        except (OSError, AttributeError):
            watched = False
    if not watched:
        def watch():
            while os.getppid() == parent:
                time.sleep(0.5)
            os.kill(os.getpid(), signal.SIGTERM)

        threading.Thread(target=watch, name="futurecity-parent-watch", daemon=True).start()
    if os.getppid() != parent:  # the parent ended before the watch was set
        _stop_worker(signal.SIGTERM, None)


def _worker_started(parent: int) -> None:
    """Initialiser of each worker process: its own process group (a Ctrl-C at the terminal reaches the build,
    which stops the workers itself), SIGTERM removes its temporary files and ends it, and it ends with the
    build."""
    os.setpgrp()
    signal.signal(signal.SIGTERM, _stop_worker)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent(parent)


WORKER_GRACE = 10  # seconds a worker has to end after SIGTERM before it is killed


def _stop_workers() -> None:
    """SIGTERM to every worker process of this build, then SIGKILL to those still running after
    :data:`WORKER_GRACE` seconds."""
    workers = mp.active_children()
    for proc in workers:
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + WORKER_GRACE
    for proc in workers:
        proc.join(max(0.0, deadline - time.monotonic()))
        if proc.is_alive():
            proc.kill()
            proc.join(5)


class Stopped(BaseException):
    """The build received SIGTERM or SIGHUP (SIGINT raises KeyboardInterrupt)."""

    def __init__(self, signum: int):
        self.signum = signum
        super().__init__(signal.Signals(signum).name)


@contextlib.contextmanager
def _stoppable() -> Iterator[None]:
    """SIGTERM and SIGHUP raise :class:`Stopped` in the build's main thread while the block runs (so that it
    stops its workers and releases its lock), as SIGINT raises KeyboardInterrupt; the previous handlers after."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):  # noqa: ARG001
        raise Stopped(signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def worker_pool(workers: int) -> Iterator[cf.ProcessPoolExecutor]:
    """Worker processes that execute chapters and end with this process (:func:`_worker_started`). Spawned, not
    forked: a forked worker can inherit locks held by this process's threads (tqdm's monitor). When the block
    raises, or this process is stopped by a signal (:func:`_stoppable`), the workers are stopped at once, not
    waited for."""
    with _stoppable():
        pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"),
                                      initializer=_worker_started, initargs=(os.getpid(),))
        try:
            yield pool
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            _stop_workers()
            raise
        finally:
            pool.shutdown(wait=True)


# --- one chapter, in a worker -------------------------------------------------------------------------------

def _execute(chapter: Chapter, project: Path, params: dict, env: dict) -> Outcome:
    """Run one notebook with papermill in this (worker) process; the kernel inherits ``env``. The notebook is
    written to a temporary file of its own beside its executed copy, moved into place when it has run and removed
    when it failed."""
    import nbformat
    from papermill.exceptions import PapermillExecutionError

    start = time.perf_counter()
    chapter.executed.parent.mkdir(parents=True, exist_ok=True)
    log = _temporary(None, "futurecity-reads-", ".jsonl")
    tmp_out = _temporary(chapter.executed.parent, f".{chapter.executed.stem}.", ".running.ipynb")
    os.environ.update(env)
    os.environ[reads.LOG_ENV] = str(log)
    os.environ[BUILD_ENV] = "1"  # see futurecity.viz.controls.interact
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(project / "src")] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
    try:
        try:
            execute_notebook(chapter.source, tmp_out, params)
        except PapermillExecutionError as exc:
            cell = _failing_cell(tmp_out)
            return Outcome(chapter, "failed", time.perf_counter() - start,
                           error=f"{chapter.source.relative_to(project)}: {cell}raised {exc.ename}: {exc.evalue}",
                           data_unavailable=exc.ename in EXIT_DATA_ERRORS)
        except Exception as exc:  # kernel died, notebook unreadable ...
            return Outcome(chapter, "failed", time.perf_counter() - start,
                           error=f"{chapter.source.relative_to(project)}: could not be executed: "
                                 f"{type(exc).__name__}: {exc}")
        logged = reads.read_log(log)
        nb = nbformat.read(tmp_out, as_version=4)
        for cell in nb.cells:  # the injected parameters stay in the notebook download, hidden on the page
            tags = cell.metadata.setdefault("tags", [])
            if "injected-parameters" in tags and "remove-cell" not in tags:
                tags.append("remove-cell")
        nbformat.write(nb, tmp_out)
        os.replace(tmp_out, chapter.executed)
        _TEMPORARY.discard(tmp_out)
        return Outcome(chapter, "executed", time.perf_counter() - start, reads=logged)
    finally:
        _remove_temporary()


def refresh_prose(source: Path, executed: Path) -> bool | None:
    """Give the executed copy of ``source`` the markdown and raw cells ``source`` has now (their text,
    attachments and metadata; papermill's record of each kept), its code cells and their outputs as executed; the
    file is rewritten (atomically) only when a cell changed. Cells are matched by their ids. Whether it was
    rewritten; None, leaving the file as it is, when the code cells do not match (the chapter is then executed
    again)."""
    import nbformat

    try:
        src = nbformat.read(source, as_version=4)
        exe = nbformat.read(executed, as_version=4)
    except Exception:  # unreadable: executed again
        return None
    by_id = {c.get("id"): c for c in exe.cells if c.get("id")}
    injected = {i: c for i, c in enumerate(exe.cells) if "injected-parameters" in c.metadata.get("tags", [])}
    after = {id(exe.cells[i - 1]) if i else None: c for i, c in injected.items()}  # placed after their predecessor
    cells = [after[None]] if None in after else []
    for cell in src.cells:
        old = by_id.get(cell.get("id"))
        if cell.cell_type == "code":
            if old is None or old.cell_type != "code" or old.source != cell.source or "id" not in cell:
                return None
            new = old
        else:
            new = nbformat.from_dict(dict(cell))
            new.metadata = nbformat.from_dict({"tags": [], **cell.metadata})
            if old is not None and "papermill" in old.metadata:
                new.metadata["papermill"] = old.metadata["papermill"]
        cells.append(new)
        if id(new) in after:
            cells.append(after[id(new)])
    if len([c for c in cells if c.cell_type == "code"]) != len([c for c in exe.cells if c.cell_type == "code"]):
        return None
    if cells == exe.cells:
        return False
    exe.cells = cells
    text = nbformat.writes(exe)
    atomic_write(executed, (text if text.endswith("\n") else text + "\n").encode("utf-8"))
    return True


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


# --- the HTML book ----------------------------------------------------------------------------------------

def _sync(src: Path | bytes, dst: Path) -> bool:
    """Copy ``src`` (a file, or bytes) to ``dst`` only when the bytes differ (unchanged files keep their times
    for Sphinx); whether it copied."""
    data = src if isinstance(src, bytes) else src.read_bytes()
    if dst.is_file() and dst.read_bytes() == data:
        return False
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_bytes(data)
    return True


# papermill's metadata fields that hold paths of the machine that executed the notebook
_PAPERMILL_PATHS = ("input_path", "output_path")


def download_copy(executed: Path, docname: str) -> bytes:
    """The executed notebook as readers download it: papermill's ``input_path`` becomes the notebook's path in
    the project (``chapters/01-introduction.ipynb``) and ``output_path`` is dropped, so no absolute path of the
    machine that built the book is published. The notebook was written by nbformat and is validated there; here
    it is plain JSON, written back in nbformat's own layout (sorted keys, one-space indents)."""
    nb = json.loads(executed.read_text(encoding="utf-8"))
    meta = nb.get("metadata", {}).get("papermill")
    if isinstance(meta, dict):
        for key in _PAPERMILL_PATHS:
            meta.pop(key, None)
        meta["input_path"] = f"{docname}.ipynb"
    return (json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


DATA_USE = "_futurecity_data_use.json"  # staged beside _config.yml: which chapters read which source


def data_use(chaps: list[Chapter]) -> dict[str, list[str]]:
    """``{source id: [docname, ...]}`` from what each chapter read when it was executed (its cache record),
    chapters in reading order."""
    use: dict[str, list[str]] = {}
    for c in chaps:
        record = json.loads(c.record.read_text(encoding="utf-8")) if c.record.is_file() else {}
        for sid in sorted({r["source"] for r in record.get("reads", []) if r.get("kind") == "source"}):
            use.setdefault(sid, []).append(c.docname)
    return {sid: use[sid] for sid in sorted(use)}


SITE_CODE = "_futurecity_site.sha256"  # staged beside _config.yml: the version of the book's Sphinx extensions


def site_code() -> bytes:
    """The sha256 of each module of :mod:`futurecity.site` (the Sphinx extensions _config.yml loads by name from
    the installed package), one line each: staged, so that a changed extension writes every page anew."""
    folder = Path(__file__).resolve().parents[1] / "site"
    return "".join(f"{sha256_file(p)}  {p.name}\n" for p in sorted(folder.glob("*.py"))).encode()


@dataclass
class Staged:
    """The book's source as staged for Jupyter Book."""

    folder: Path
    shared_changed: bool  # a file every page uses changed (configuration, static files, templates)
    digest: str  # of every staged file's path and bytes: the HTML written from this digest needs no new run


def stage_book(project: Path, build_dir: Path, chaps: list[Chapter]) -> Staged:
    """Assemble ``_build/src``: configuration, static files and templates, bibliography, pages and executed
    notebooks (as :func:`download_copy` writes them) and which chapters read which source (:data:`DATA_USE`, for
    the Data page). Says whether a file that every page uses changed: Sphinx does not notice those by itself when
    no page changed, so the HTML is then written anew. The data behind the charts is not staged:
    :func:`publish_chart_data` writes it into the HTML."""
    stage = build_dir / "src"
    wanted: dict[Path, Path | bytes] = {}
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
            wanted[stage / f"{doc}.ipynb"] = download_copy(executed[doc], doc)
        else:
            page = next((project / f"{doc}{ext}" for ext in (".md", ".ipynb") if (project / f"{doc}{ext}").is_file()),
                        None)
            if page is None:
                raise FileNotFoundError(f"_toc.yml lists {doc!r} but no {doc}.md or {doc}.ipynb exists")
            wanted[stage / page.relative_to(project)] = page
    wanted[stage / DATA_USE] = (json.dumps(data_use(chaps), indent=1) + "\n").encode()
    wanted[stage / SITE_CODE] = site_code()
    shared = (stage / "_static", stage / "_templates", stage / "_config.yml", stage / "_toc.yml", stage / SITE_CODE)
    changed = [dst for dst, src in wanted.items() if _sync(src, dst)]
    for path in list(stage.rglob("*")):  # drop pages no longer in the book
        if path.is_file() and path not in wanted:
            path.unlink()
            changed.append(path)
    digest = sha256_bytes("".join(f"{dst.relative_to(stage)}\0{sha256_file(dst)}\n" for dst in sorted(wanted))
                          .encode())
    return Staged(stage, any(p == s or s in p.parents for p in changed for s in shared), digest)


HTML_STAMP = "html.stamp"  # in _build: the staged digest the HTML was last written from, by a build that succeeded


def write_html(build_dir: Path, staged: Staged, jupyter_book: JupyterBook | None = None) -> bool:
    """Jupyter Book (``jupyter_book`` when one was started, else a new one) on the staged book, unless the HTML
    was written from exactly these files by a build that succeeded (Sphinx would find nothing to do, after seconds
    of starting up); whether it ran. With no stamp (a first build, or the last one failed) every page is read and
    written anew: Sphinx keeps the pages it read in a failed build and would not warn about them again."""
    stamp = build_dir / HTML_STAMP
    succeeded = stamp.is_file()
    if succeeded and stamp.read_text(encoding="utf-8") == staged.digest and (build_dir / "html").is_dir():
        return False
    stamp.unlink(missing_ok=True)
    (jupyter_book or JupyterBook()).build(staged.folder, build_dir, everything=staged.shared_changed or not succeeded)
    atomic_write(stamp, staged.digest.encode())
    return True


def publish_chart_data(build_dir: Path, csvs: dict[str, bytes]) -> None:
    """Write the data behind each chart into ``_build/html/_static/data`` (each file atomically, and only when
    its bytes changed) and remove the CSVs of charts no longer in the book."""
    from futurecity.book import chartdata

    folder = build_dir / "html" / chartdata.DATA_DIR
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in csvs.items():
        target = folder / name
        if not (target.is_file() and target.read_bytes() == data):
            atomic_write(target, data)
    for path in folder.glob("*.csv"):
        if path.name not in csvs:
            path.unlink()


HTML_TIMEOUT = 900  # seconds Jupyter Book may take to write the HTML

# Jupyter Book's command in a process of its own that imports Sphinx and the book's extensions first (about a
# second), then waits for its arguments on stdin: started before the chapters execute, it does that work in the
# moments the kernels leave a core idle. An empty line ends it without building.
JUPYTER_BOOK = """
import json, sys
from jupyter_book.cli.main import main
import jupyter_book.sphinx, myst_nb.sphinx_ext, sphinx.builders.html, sphinx_book_theme, sphinxcontrib.bibtex
line = sys.stdin.readline()
if line.strip():
    sys.argv = ["jupyter-book", *json.loads(line)]
    main()
"""


class JupyterBook:
    """Jupyter Book, started now and told later what to build (:meth:`build`), or stopped (:meth:`close`)."""

    def __init__(self):
        self.proc = subprocess.Popen([sys.executable, "-c", JUPYTER_BOOK], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def build(self, stage: Path, build_dir: Path, everything: bool = False) -> None:
        """Build the staged folder into ``build_dir/html``, warnings as errors; ``everything`` reads and writes
        every page anew. A failure, or no end within :data:`HTML_TIMEOUT`, raises :class:`ChapterFailed`."""
        args = ["build", str(stage), "--path-output", str(build_dir.parent), "-W", "-n", "--keep-going", "-q",
                *(["--all"] if everything else [])]
        try:
            output, _ = self.proc.communicate(json.dumps(args) + "\n", timeout=HTML_TIMEOUT)
        except subprocess.TimeoutExpired as exc:
            self.close()
            raise ChapterFailed(f"Jupyter Book did not finish within {HTML_TIMEOUT} s") from exc
        if self.proc.returncode != 0:
            tail = "\n".join(output.strip().splitlines()[-25:])
            raise ChapterFailed(f"Jupyter Book failed (warnings are errors):\n{tail}")

    def close(self) -> None:
        """Stop it if it still runs (it was not needed, or took too long)."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()


# --- the command ------------------------------------------------------------------------------------------

def _settings(live: bool, vintage: str | None) -> tuple[bool, str, str]:
    """(live, vintage, message) from the command line and FUTURECITY_SNAPSHOTS."""
    from futurecity import config

    if vintage is not None:
        return live, vintage, ""
    if os.environ.get("FUTURECITY_SNAPSHOTS"):
        return live, "pinned", f"Data: pinned snapshots in {config.snapshots_dir()}."
    return True, "latest", ("Data: no snapshot folder configured (FUTURECITY_SNAPSHOTS is not set), so the book "
                            "fetches the public copies of the snapshots first, then is built with live pulls "
                            "(live=True, vintage='latest') that fall back to them.")


def pull_sources(out) -> tuple[list[str], dict[str, dict]]:
    """Pull every source with a live API once, before any chapter runs; return the ids tried and, for those that
    failed, ``{"reason", "url"}`` (the chapters show it at their top, see :mod:`futurecity.data.access`).

    A failed pull is reported and the build goes on: chapters then read the newest good vintage or the pinned
    snapshot and say so, and a chapter whose data exist nowhere fails with ``DataUnavailable`` (exit 2). A
    network that cannot be reached is said once, with each URL tried.
    """
    from tqdm import tqdm

    from futurecity.data import access, registry, vintages
    from futurecity.data.http import session
    from futurecity.errors import NetworkUnreachable

    live = [s for s in registry.sources().values() if s.live is not None]
    http, failed, unreachable = session(), {}, []
    for src in tqdm(live, desc="live pulls", unit="source", file=out):
        try:
            vintages.pull(src, http=http)
        except DataUnavailable as exc:
            failed[src.id] = access.failure(exc)
            if isinstance(exc, NetworkUnreachable):
                unreachable.append(exc)
            else:
                print(f"futurecity build: live pull failed, the last good vintage or the snapshot will be used: "
                      f"{exc}", file=out)
    if unreachable:
        why = "; ".join(dict.fromkeys(u.why for u in unreachable))
        print(f"futurecity build: live pull failed, network unreachable ({why}); the last good vintage or the "
              "snapshot will be used. Tried:", file=out)
        for u in unreachable:
            print(f"  source '{u.source}': {u.url}", file=out)
    return [s.id for s in live], failed


def fetch_snapshots(out) -> Path | None:
    """With no snapshot folder configured: download the public copies of the snapshots into
    ``<cache>/snapshots`` (:mod:`futurecity.data.snapshots`) and return that folder, or None when none of them
    could be had. What was derived, refused or unreachable is reported."""
    from futurecity import config
    from futurecity.data import registry, snapshots

    folder = config.downloaded_snapshots_dir()
    report = snapshots.fetch(folder)
    got = report.present + report.fetched
    print(f"Data: {len(got)} public snapshot(s) verified in {folder}; {len(report.derived)} derived ones are not "
          f"downloadable ({', '.join(report.derived)}).", file=out)
    for sid, exc in report.refused.items():
        print(f"futurecity build: snapshot {registry.get(sid).snapshot.file} not fetched: {exc}", file=out)
    return folder if got else None


def inputs(project: Path, live: bool, vintage: str | None, out) -> tuple[dict, dict]:
    """The chapters' papermill parameters and their kernels' environment, as a build of ``project`` executes
    them: the data settings said on ``out``, the public snapshots fetched and the live pulls made first when
    asked for (once, not once per chapter)."""
    os.environ["FUTURECITY_ROOT"] = str(project)  # this process resolves reads (and relative folders) too
    live, vintage, message = _settings(live, vintage)
    if message:
        print(message, file=out)
    if not os.environ.get("FUTURECITY_SNAPSHOTS") and live and vintage == "latest":
        fetched = fetch_snapshots(out)
        if fetched is not None:
            os.environ["FUTURECITY_SNAPSHOTS"] = str(fetched)
    env = {k: os.environ[k] for k in ("FUTURECITY_SNAPSHOTS", "FUTURECITY_CACHE") if os.environ.get(k)}
    env["FUTURECITY_ROOT"] = str(project)
    if live:
        tried, failed = pull_sources(out)
        env[PULLED_ENV], env[PULL_FAILED_ENV] = ",".join(tried), json.dumps(failed)
    return {"live": live, "vintage": vintage}, env


class BuildBusy(RuntimeError):
    """Another build held the build folder's lock for longer than this build would wait."""


LOCK_FILE = "build.lock"  # in _build: held (fcntl.flock) by the build that runs, its PID inside
LOCK_WAIT = 1800  # seconds a build waits for another build of the same _build/ to finish


@contextlib.contextmanager
def build_lock(build_dir: Path, out, wait: float = LOCK_WAIT) -> Iterator[None]:
    """Hold ``build_dir/build.lock`` while the block runs: the only build of ``build_dir``. When another build
    holds it, say which PID and wait for it to finish, at most ``wait`` seconds (then :class:`BuildBusy`). The
    lock ends with the process that holds it, however it ends; the file stays."""
    build_dir.mkdir(parents=True, exist_ok=True)
    path = build_dir / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "PID unknown"
            print(f"futurecity build: another build ({holder}) is building {build_dir}; waiting for it to finish "
                  f"(at most {wait:.0f} s)", file=out, flush=True)
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise BuildBusy(f"another build ({holder}) is still building {build_dir} after {wait:.0f} s; "
                                        f"wait for it to end, or stop it, then build again") from None
                    time.sleep(0.2)
            print("futurecity build: the other build has finished; building", file=out, flush=True)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"PID {os.getpid()}, started {time.strftime('%Y-%m-%d %H:%M:%S')}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


def build(project: Path, live: bool = False, vintage: str | None = None, jobs: int | None = None,
          html: bool = True, out=sys.stderr) -> int:
    """Build ``project`` into its ``_build/`` (see the module's description); the exit code. Stopped by a signal,
    it stops its workers and raises (KeyboardInterrupt, or :class:`Stopped`)."""
    project = project.resolve()
    try:
        with _stoppable(), build_lock(project / "_build", out):
            return _build(project, live, vintage, jobs, html, out)
    except BuildBusy as exc:
        print(f"futurecity build: {exc}", file=out)
        return EXIT_FAILED


def _build(project: Path, live: bool, vintage: str | None, jobs: int | None, html: bool, out) -> int:
    from futurecity.book import cache  # here, not at the top: the workers that execute chapters need none of it

    build_dir = project / "_build"
    params, env = inputs(project, live, vintage, out)
    live = params["live"]
    # which pulls failed is part of a chapter's key: its notice at the top says so
    key_params = {**params, "pull_failed": sorted(json.loads(env.get(PULL_FAILED_ENV, "{}")))} if live else params
    chaps = chapters(project, build_dir)
    keys = {c.docname: cache.static_key(c.source, key_params, project) for c in chaps}
    outcomes, early = [], None  # Jupyter Book, started as soon as a page will change: it imports Sphinx meanwhile
    try:
        for c in chaps:
            refreshed = refresh_prose(c.source, c.executed) if cache.valid(c.record, c.executed, keys[c.docname],
                                                                           project) else None
            if refreshed is not None:
                outcomes.append(Outcome(c, "cached"))
            if html and early is None and refreshed is not False:  # new prose, or a chapter to execute
                early = JupyterBook()
        todo = [c for c in chaps if c.docname not in {o.chapter.docname for o in outcomes}]
        workers = max(1, min(jobs or os.cpu_count() or 1, len(todo) or 1))
        failed = _execute_all(project, chaps, todo, outcomes, keys, params, env, workers, out)
        if failed:
            return failed
        return _write_site(project, build_dir, chaps, early, out) if html else EXIT_OK
    finally:
        if early is not None:
            early.close()


def _execute_all(project: Path, chaps: list[Chapter], todo: list[Chapter], outcomes: list[Outcome], keys: dict,
                 params: dict, env: dict, workers: int, out) -> int:
    """Execute the chapters of ``todo`` (with a progress bar and the timing table); 0, or the build's exit code
    when a chapter failed."""
    from tqdm import tqdm

    from futurecity.book import cache

    bar = tqdm(total=len(chaps), desc="chapters", unit="nb", file=out, initial=len(outcomes),
               disable=not chaps)
    if todo:
        with worker_pool(workers) as pool:
            futures = [pool.submit(_execute, c, project, params, env) for c in todo]
            for future in cf.as_completed(futures):
                outcome = future.result()
                if outcome.status == "executed":
                    cache.record(outcome.chapter.record, keys[outcome.chapter.docname], outcome.reads, project)
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
    return 0


def _write_site(project: Path, build_dir: Path, chaps: list[Chapter], jupyter_book: JupyterBook | None,
                out) -> int:
    """The HTML (Jupyter Book, ``jupyter_book`` when one was started) and the data behind each chart (Node, at
    the same time: neither needs the other); the build's exit code."""
    from futurecity.book import chartdata

    start = time.perf_counter()
    with cf.ThreadPoolExecutor(max_workers=1) as side:
        charts = side.submit(chartdata.chart_csvs, [c.executed for c in chaps], project / "_static" / "vendor",
                             build_dir / "chartdata")
        try:
            ran = write_html(build_dir, stage_book(project, build_dir, chaps), jupyter_book)
        except ChapterFailed as exc:
            print(f"futurecity build: {exc}", file=out)
            return EXIT_FAILED
        try:
            csvs = charts.result()
        except chartdata.ChartDataError as exc:
            print(f"futurecity build: the data behind the charts: {exc}", file=out)
            return EXIT_FAILED
    publish_chart_data(build_dir, csvs)
    what = "built" if ran else "unchanged (Jupyter Book not run)"
    print(f"HTML {what} in {time.perf_counter() - start:.1f} s: {build_dir / 'html' / 'index.html'}", file=out)
    return EXIT_OK


def timing_table(outcomes: list[Outcome]) -> str:
    width = max([len(o.chapter.name) for o in outcomes] + [len("chapter")])
    lines = [f"{'chapter':<{width}}  {'status':<8}  {'seconds':>7}"]
    lines += [f"{o.chapter.name:<{width}}  {o.status:<8}  {o.seconds:>7.1f}" for o in outcomes]
    return "\n".join(lines)


def cmd_build(args) -> int:
    from futurecity import config

    project = Path(args.project).resolve() if args.project else config.root()
    return until_stopped("futurecity build", lambda: build(project, live=args.live, vintage=args.vintage,
                                                           jobs=args.jobs, html=not args.no_html))


def until_stopped(command: str, run) -> int:
    """``run()``'s exit code; stopped by a signal (SIGINT, SIGTERM, SIGHUP), a one-line message naming ``command``
    and the signal, no traceback, and the conventional 128 + the signal's number."""
    try:
        return run()
    except (KeyboardInterrupt, Stopped) as exc:
        signum = exc.signum if isinstance(exc, Stopped) else signal.SIGINT
        print(f"{command}: stopped ({signal.Signals(signum).name}); its workers were stopped and their "
              "temporary files removed", file=sys.stderr)
        return 128 + signum
