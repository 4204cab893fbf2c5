"""Builds safe to stop and to run twice, and an author's prose edit that re-executes nothing.

- A build stopped by SIGTERM, SIGINT or SIGKILL leaves no worker or kernel running and writes nothing after it
  has gone; its temporary files are removed.
- A chapter that fails leaves no temporary file; each execution's temporary file is its own.
- A second build of the same ``_build/`` says which PID holds it and waits for it, then finds the chapter
  executed; one that would wait too long is refused, naming the PID.
- Editing only a markdown cell re-executes nothing and the page shows the new text; editing a code cell
  re-executes the chapter.

Each test builds a copy of the project in a temporary folder (a chapter of its own that sleeps, or the
Introduction), so nothing in the checkout changes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import psutil
import pytest
import yaml
from conftest import PROJECT, snapshots
from test_build import INTRO, _book, statuses

from futurecity.book import build as book_build

pytestmark = pytest.mark.build

SLEEPER = "chapters/01-sleeper"


def _sleeper_project(tmp_path: Path, seconds: float, fail: bool = False) -> dict:
    """A project whose only chapter sleeps ``seconds`` in its kernel (then raises, with ``fail``)."""
    project = tmp_path / "book"
    project.mkdir()
    shutil.copy(PROJECT / "_config.yml", project / "_config.yml")
    for folder in ("_static", "_templates", "data", "src"):
        shutil.copytree(PROJECT / folder, project / folder, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell("# A chapter that takes its time"),
                nbformat.v4.new_code_cell(f"import time\ntime.sleep({seconds})"),
                nbformat.v4.new_code_cell("raise ValueError('this chapter fails')" if fail else "done = True")]
    (project / "chapters").mkdir()
    nbformat.write(nb, project / f"{SLEEPER}.ipynb")
    (project / "_toc.yml").write_text(yaml.safe_dump({"format": "jb-book", "root": SLEEPER}), encoding="utf-8")
    env = {**os.environ, "FUTURECITY_SNAPSHOTS": str(snapshots()), "FUTURECITY_CACHE": str(tmp_path / "cache")}
    env.pop("FUTURECITY_ROOT", None)
    return {"project": project, "env": env, "executed": project / "_build" / "executed" / "chapters"}


def _start(book: dict, *args: str) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "futurecity", "build", "--project", str(book["project"]), "--no-html", *args]
    return subprocess.Popen(cmd, env=book["env"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(what, timeout: float, step: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = what()
        if got:
            return got
        time.sleep(step)
    return what()


def _kernel_running(proc: subprocess.Popen) -> list[psutil.Process]:
    """The build's descendants once one of them is a kernel (else [])."""
    try:
        found = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    def is_kernel(p):
        try:
            return "ipykernel" in " ".join(p.cmdline())
        except psutil.Error:
            return False
    return found if any(is_kernel(p) for p in found) else []


def _temporary_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file() and (".running" in p.name or p.name.startswith(".")))


def _kill_all(proc: subprocess.Popen, family: list[psutil.Process]) -> None:
    """Whatever a test found, nothing it started stays: the build and every process it started."""
    if proc.poll() is None:
        proc.kill()
    for p in family:
        try:
            p.kill()
        except psutil.Error:
            pass
    proc.wait(timeout=30)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL], ids=lambda s: s.name)
def test_a_stopped_build_leaves_no_worker_running_and_writes_nothing_after(tmp_path, sig):
    book = _sleeper_project(tmp_path, seconds=60)
    proc = _start(book)
    family: list[psutil.Process] = []
    try:
        family = _wait_for(lambda: _kernel_running(proc), timeout=120)
        assert family, f"no kernel started: {proc.poll()} {proc.stderr.read() if proc.poll() is not None else ''}"
        had_temporary = _wait_for(lambda: _temporary_files(book["executed"]), timeout=5)
        os.kill(proc.pid, sig)
        proc.communicate(timeout=60)
        gone, alive = psutil.wait_procs(family, timeout=20)
        assert alive == [], f"still running after the build was stopped: {[p.cmdline() for p in alive]}"
        assert had_temporary  # the chapter was being written to a temporary file ...
        assert _temporary_files(book["executed"]) == []  # ... removed when the build was stopped
        assert not (book["executed"] / "01-sleeper.ipynb").exists()
        if sig != signal.SIGKILL:
            assert proc.returncode == 128 + sig, proc.returncode
    finally:  # whatever the test found, nothing it started stays
        _kill_all(proc, family)


@pytest.mark.timeout(300)
def test_a_failed_chapter_leaves_no_temporary_file(tmp_path):
    book = _sleeper_project(tmp_path, seconds=0, fail=True)
    done = subprocess.run([sys.executable, "-m", "futurecity", "build", "--project", str(book["project"]),
                           "--no-html"], env=book["env"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    assert "ValueError: this chapter fails" in done.stderr
    assert _temporary_files(book["project"] / "_build") == []


def test_each_execution_has_a_temporary_file_of_its_own_removed_at_the_end(tmp_path):
    first = book_build._temporary(tmp_path, ".01-introduction.", ".running.ipynb")
    second = book_build._temporary(tmp_path, ".01-introduction.", ".running.ipynb")
    assert first != second and first.parent == second.parent == tmp_path and first.is_file() and second.is_file()
    book_build._remove_temporary()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.timeout(600)
def test_a_second_build_waits_for_the_first_naming_its_pid_then_finds_the_chapter_executed(tmp_path):
    book = _sleeper_project(tmp_path, seconds=6)
    first = _start(book)
    try:
        lock = book["project"] / "_build" / book_build.LOCK_FILE
        assert _wait_for(lambda: lock.is_file() and f"PID {first.pid}," in lock.read_text(), timeout=60)
        second = _start(book)
        out2 = second.communicate(timeout=300)[1]
        out1 = first.communicate(timeout=300)[1]
    finally:
        for p in (first, *([second] if "second" in locals() else [])):
            if p.poll() is None:
                p.kill()
                p.wait(timeout=30)
    assert first.returncode == 0 and second.returncode == 0, out1 + out2
    assert f"another build (PID {first.pid}," in out2 and "waiting for it to finish" in out2
    assert statuses(subprocess.CompletedProcess([], 0, "", out1)) == {"01-sleeper.ipynb": "executed"}
    assert statuses(subprocess.CompletedProcess([], 0, "", out2)) == {"01-sleeper.ipynb": "cached"}


@pytest.mark.timeout(120)
def test_a_build_that_would_wait_too_long_is_refused_naming_the_pid(tmp_path):
    build_dir = tmp_path / "_build"
    build_dir.mkdir()
    holder = subprocess.Popen([sys.executable, "-c", f"""
import fcntl, os, sys, time
fd = os.open({str(build_dir / book_build.LOCK_FILE)!r}, os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
os.write(fd, f"PID {{os.getpid()}}, started now\\n".encode())
print("held", flush=True)
time.sleep(60)
"""], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        said = []
        with pytest.raises(book_build.BuildBusy, match=f"PID {holder.pid},"):
            with book_build.build_lock(build_dir, out=type("Out", (), {"write": said.append, "flush": lambda s: 0})(),
                                       wait=0.5):
                pass
        assert f"another build (PID {holder.pid}," in "".join(said)
    finally:
        holder.kill()
        holder.wait(timeout=30)
    with book_build.build_lock(build_dir, out=sys.stderr, wait=0.5):  # its holder gone, the lock is free
        assert f"PID {os.getpid()}," in (build_dir / book_build.LOCK_FILE).read_text()


# --- the authors' loop ------------------------------------------------------------------------------------------

def _html_build(book: dict) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "futurecity", "build", "--project", str(book["project"])],
                          env=book["env"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return done


def _outputs(path: Path) -> list:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [(c["source"], c["outputs"]) for c in nb["cells"] if c["cell_type"] == "code"]


@pytest.mark.timeout(900)
def test_a_markdown_only_edit_executes_nothing_and_the_page_shows_the_new_text(tmp_path):
    book = _book(tmp_path, [INTRO, "references"])
    source = book["project"] / f"{INTRO}.ipynb"
    executed = book["project"] / "_build" / "executed" / f"{INTRO}.ipynb"
    page = book["project"] / "_build" / "html" / f"{INTRO}.html"
    assert statuses(_html_build(book)) == {"01-introduction.ipynb": "executed"}
    before = _outputs(executed)

    nb = nbformat.read(source, as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "markdown" and re.search(r"\bThe question\b", c.source))
    cell.source = cell.source.replace("The question", "The inquiry", 1)  # one word of a heading
    nb.cells.append(nbformat.v4.new_markdown_cell("A paragraph added after the last cell."))
    nbformat.write(nb, source)
    edited = _html_build(book)
    assert statuses(edited) == {"01-introduction.ipynb": "cached"}, edited.stderr
    assert "HTML built" in edited.stderr
    text = page.read_text(encoding="utf-8")
    assert "The inquiry" in text and "The question" not in text
    assert "A paragraph added after the last cell." in text
    assert _outputs(executed) == before  # the code cells and their outputs as executed
    staged = json.loads((book["project"] / "_build" / "src" / f"{INTRO}.ipynb").read_text(encoding="utf-8"))
    assert any("The inquiry" in "".join(c["source"]) for c in staged["cells"])  # the notebook readers download

    unchanged = _html_build(book)  # nothing more changed: nothing executed, Jupyter Book not run
    assert statuses(unchanged) == {"01-introduction.ipynb": "cached"}
    assert "HTML unchanged" in unchanged.stderr

    nb = nbformat.read(source, as_version=4)
    code = next(c for c in nb.cells if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", []))
    code.source += "\n# a changed line of code"
    nbformat.write(nb, source)
    assert statuses(_html_build(book)) == {"01-introduction.ipynb": "executed"}


@pytest.mark.parametrize("cell, env, names", [
    ("from futurecity.chapters import introduction\nintroduction.open(vintage='pinned', live='notabool')", {},
     "live='notabool'"),
    ("from futurecity.chapters import introduction\nintroduction.open(vintage='pinned', live=False)",
     {"FUTURECITY_HTTP_TIMEOUT": "abc"}, "FUTURECITY_HTTP_TIMEOUT"),
], ids=["parameter", "variable"])
def test_a_chapter_stopped_by_bad_input_makes_the_build_exit_2_naming_chapter_and_remedy(tmp_path, cell, env,
                                                                                         names):
    book = _sleeper_project(tmp_path, seconds=0)
    nb = nbformat.read(book["project"] / f"{SLEEPER}.ipynb", as_version=4)
    nb.cells[-1] = nbformat.v4.new_code_cell(cell)
    nbformat.write(nb, book["project"] / f"{SLEEPER}.ipynb")
    done = subprocess.run([sys.executable, "-m", "futurecity", "build", "--project", str(book["project"]),
                           "--no-html"], env=book["env"] | env, capture_output=True, text=True, timeout=300)
    err = " ".join(done.stderr.split())
    assert done.returncode == 2, done.stderr
    assert names in err and "To fix:" in err and "Traceback" not in done.stderr
    if not env:  # a bad variable is refused by the build before any chapter runs; a parameter, in the chapter
        assert f"chapter failed: {SLEEPER}.ipynb" in err and "raised BadInput" in err


def _reproducible_folders() -> set[str]:
    import tempfile
    return {p.name for p in Path(tempfile.gettempdir()).glob("futurecity-reproducible-*")}


@pytest.mark.timeout(300)
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=lambda s: s.name)
def test_a_stopped_reproducibility_check_ends_cleanly(tmp_path, sig):
    """`futurecity build --check-reproducible` stopped while its chapters run: no traceback, exit 128 + the
    signal, no worker or kernel left running and its temporary folder removed."""
    book = _sleeper_project(tmp_path, seconds=60)
    before = _reproducible_folders()
    cmd = [sys.executable, "-m", "futurecity", "build", "--project", str(book["project"]), "--check-reproducible"]
    proc = subprocess.Popen(cmd, env=book["env"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    family: list[psutil.Process] = []
    try:
        family = _wait_for(lambda: _kernel_running(proc), timeout=120)
        assert family, f"no kernel started: {proc.poll()}"
        mine = _reproducible_folders() - before
        assert mine  # the check's runs are written into a temporary folder of its own ...
        os.kill(proc.pid, sig)
        _, err = proc.communicate(timeout=60)
        gone, alive = psutil.wait_procs(family, timeout=20)
        assert alive == [], f"still running after the check was stopped: {[p.cmdline() for p in alive]}"
        assert proc.returncode == 128 + sig, (proc.returncode, err)
        assert "Traceback" not in err and "stopped" in err, err
        assert not (mine & _reproducible_folders())  # ... removed when it was stopped
    finally:
        _kill_all(proc, family)
