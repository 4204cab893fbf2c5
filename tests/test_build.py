"""The build: one papermill execution per chapter, an execution cache keyed on content, clear failures.

Each test builds a copy of the project (the Introduction only) in a temporary folder, with its own copy of the
pinned snapshots, so nothing in the checkout or in ../shared changes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from conftest import PROJECT, snapshots

pytestmark = pytest.mark.build

INTRO = "chapters/01-introduction"
PROSPECTS = "chapters/05-prospects"


def _copy_project(dest: Path, chapters: list[str]) -> Path:
    dest.mkdir(parents=True)
    for name in ("_config.yml", "references.md"):
        shutil.copy(PROJECT / name, dest / name)
    for folder in ("_static", "_templates", "data", "src"):
        shutil.copytree(PROJECT / folder, dest / folder, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    (dest / "chapters").mkdir()
    for doc in chapters:
        src = PROJECT / f"{doc}.ipynb"
        if src.is_file():
            shutil.copy(src, dest / f"{doc}.ipynb")
    toc = {"format": "jb-book", "root": chapters[0], "chapters": [{"file": c} for c in chapters[1:]]}
    (dest / "_toc.yml").write_text(yaml.safe_dump(toc), encoding="utf-8")
    return dest


def _book(tmp_path: Path, chapters: list[str]) -> dict:
    project = _copy_project(tmp_path / "book", chapters)
    snaps = tmp_path / "snapshots"
    shutil.copytree(snapshots(), snaps)
    env = {**os.environ, "FUTURECITY_SNAPSHOTS": str(snaps), "FUTURECITY_CACHE": str(tmp_path / "cache")}
    env.pop("FUTURECITY_ROOT", None)
    return {"project": project, "snapshots": snaps, "env": env}


@pytest.fixture()
def book(tmp_path: Path) -> dict:
    return _book(tmp_path, [INTRO])


@pytest.fixture()
def two_chapters(tmp_path: Path) -> dict:
    return _book(tmp_path, [INTRO, PROSPECTS])


def build(book: dict, *args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "futurecity", "build", "--project", str(book["project"]), "--no-html", *args]
    return subprocess.run(cmd, env=book["env"], capture_output=True, text=True, timeout=600,
                          cwd=book.get("cwd"))


def statuses(done: subprocess.CompletedProcess) -> dict[str, str]:
    """Chapter -> executed/cached/failed, from the timing table the build prints."""
    rows = re.findall(r"^(\S+\.ipynb)\s+(executed|cached|failed)\s+[\d.]+$", done.stderr, flags=re.M)
    return dict(rows)


def test_unchanged_book_executes_nothing_and_touching_files_changes_nothing(book):
    first = build(book)
    assert first.returncode == 0, first.stderr
    assert statuses(first) == {"01-introduction.ipynb": "executed"}
    executed = book["project"] / "_build" / "executed" / f"{INTRO}.ipynb"
    assert executed.is_file() and not list((book["project"] / "chapters").glob("*.running*"))
    before = executed.read_bytes()

    second = build(book)
    assert second.returncode == 0, second.stderr
    assert statuses(second) == {"01-introduction.ipynb": "cached"}

    # New modification times, same bytes: notebook, a module, the registry and every snapshot file.
    touched = [book["project"] / f"{INTRO}.ipynb", book["project"] / "src" / "futurecity" / "data" / "store.py",
               book["project"] / "data" / "sources.yml", *book["snapshots"].rglob("*.csv")]
    for path in touched:
        os.utime(path, (path.stat().st_atime + 3600, path.stat().st_mtime + 3600))
    third = build(book)
    assert statuses(third) == {"01-introduction.ipynb": "cached"}, third.stderr
    assert executed.read_bytes() == before


def test_changed_data_with_updated_registry_hash_reexecutes(book):
    assert statuses(build(book)) == {"01-introduction.ipynb": "executed"}
    record = json.loads((book["project"] / "_build" / "executed" / f"{INTRO}.inputs.json").read_text())
    read = record["reads"][0]
    # The snapshot copy loses its last row (real data, fewer rows); the registry is told the new hash.
    registry_path = book["project"] / "data" / "sources.yml"
    registry = yaml.safe_load(registry_path.read_text(encoding="utf-8"))
    entry = next(e for e in registry["sources"] if e["id"] == read["source"])
    data_file = book["snapshots"] / entry["snapshot"]["file"]
    lines = data_file.read_bytes().rstrip(b"\n").split(b"\n")
    data_file.write_bytes(b"\n".join(lines[:-1]) + b"\n")
    old_hash, new_hash = entry["snapshot"]["sha256"], hashlib.sha256(data_file.read_bytes()).hexdigest()
    registry_path.write_text(registry_path.read_text(encoding="utf-8").replace(old_hash, new_hash), encoding="utf-8")

    again = build(book)
    assert again.returncode == 0, again.stderr
    assert statuses(again) == {"01-introduction.ipynb": "executed"}
    assert statuses(build(book)) == {"01-introduction.ipynb": "cached"}


def test_changed_data_without_registry_update_is_refused(book):
    assert build(book).returncode == 0
    record = json.loads((book["project"] / "_build" / "executed" / f"{INTRO}.inputs.json").read_text())
    registry = yaml.safe_load((book["project"] / "data" / "sources.yml").read_text(encoding="utf-8"))
    entry = next(e for e in registry["sources"] if e["id"] == record["reads"][0]["source"])
    data_file = book["snapshots"] / entry["snapshot"]["file"]
    data_file.write_bytes(data_file.read_bytes().rstrip(b"\n").rsplit(b"\n", 1)[0] + b"\n")
    again = build(book)
    assert again.returncode == 2, again.stderr
    assert record["reads"][0]["source"] in again.stderr and "sha256" in again.stderr


def test_changed_module_reexecutes(book):
    assert statuses(build(book)) == {"01-introduction.ipynb": "executed"}
    module = book["project"] / "src" / "futurecity" / "viz" / "theme.py"
    module.write_text(module.read_text(encoding="utf-8") + "\n# a changed line\n", encoding="utf-8")
    assert statuses(build(book)) == {"01-introduction.ipynb": "executed"}


def test_changed_parameters_reexecute(book):
    assert statuses(build(book)) == {"01-introduction.ipynb": "executed"}
    other = build(book, "--vintage", "latest")  # no live vintage cached: falls back to the same snapshots
    assert other.returncode == 0, other.stderr
    assert statuses(other) == {"01-introduction.ipynb": "executed"}


def test_a_raising_notebook_fails_the_build_with_its_name_and_cell(book):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell("# Broken"), nbformat.v4.new_code_cell("x = 1"),
                nbformat.v4.new_code_cell("raise ValueError('this chapter is broken')")]
    nbformat.write(nb, book["project"] / "chapters" / "99-broken.ipynb")
    toc = yaml.safe_load((book["project"] / "_toc.yml").read_text())
    toc["chapters"] = [{"file": "chapters/99-broken"}]
    (book["project"] / "_toc.yml").write_text(yaml.safe_dump(toc))
    done = build(book)
    assert done.returncode == 1
    assert "chapters/99-broken.ipynb" in done.stderr
    assert "code cell 2" in done.stderr and "ValueError: this chapter is broken" in done.stderr
    assert statuses(done)["99-broken.ipynb"] == "failed"
    assert not (book["project"] / "_build" / "executed" / "chapters" / "99-broken.ipynb").exists()


def test_no_data_at_all_exits_2_naming_source_and_remedy(book):
    env = {k: v for k, v in book["env"].items() if k != "FUTURECITY_SNAPSHOTS"}
    done = subprocess.run([sys.executable, "-m", "futurecity", "build", "--project", str(book["project"]),
                           "--no-html", "--vintage", "latest"], env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 2, done.stderr
    assert "01-introduction.ipynb" in done.stderr
    assert "NeedsLiveData" in done.stderr and "set FUTURECITY_SNAPSHOTS to the folder" in done.stderr


def test_without_snapshots_the_build_goes_live_and_names_what_is_missing(book):
    """No snapshot folder: the build says it pulls live; every API refuses (a closed loopback port), so the
    chapter's data exist nowhere and the build stops with exit 2 naming the source and the remedy."""
    registry = yaml.safe_load((book["project"] / "data" / "sources.yml").read_text(encoding="utf-8"))
    env = {k: v for k, v in book["env"].items() if k != "FUTURECITY_SNAPSHOTS"}
    env.update({f"FUTURECITY_URL_{re.sub(r'[^A-Za-z0-9]', '_', e['id']).upper()}": "http://127.0.0.1:9"
                for e in registry["sources"] if e.get("live")})  # a URL for a source with no live request is bad input
    env.update(FUTURECITY_HTTP_RETRIES="0", FUTURECITY_HTTP_CONNECT_TIMEOUT="2",
               FUTURECITY_MIRROR="http://127.0.0.1:9")  # the public copies of the snapshots: refused too
    done = subprocess.run([sys.executable, "-m", "futurecity", "build", "--project", str(book["project"]),
                           "--no-html"], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 2, done.stderr
    assert "no snapshot folder configured" in done.stderr
    assert "0 public snapshot(s) verified" in done.stderr  # it tried the public copies first
    assert "live pull failed" in done.stderr and "http://127.0.0.1:9" in done.stderr
    assert done.stderr.count("network unreachable") == 1
    assert "01-introduction.ipynb" in done.stderr and "FUTURECITY_SNAPSHOTS" in done.stderr


def test_without_snapshots_the_build_fetches_the_public_copies_then_pulls_live(book, httpserver):
    """No snapshot folder: the build downloads the public byte-identical copies from the mirror first; the APIs
    refuse, so the chapter reads the downloaded snapshots, runs to the end and says at its top which ones stand in
    for the failed pulls."""
    from urllib.parse import unquote, urlsplit

    registry = yaml.safe_load((book["project"] / "data" / "sources.yml").read_text(encoding="utf-8"))
    for entry in registry["sources"]:
        if (entry.get("snapshot") or {}).get("public_copy"):
            httpserver.expect_request(unquote(urlsplit(entry["snapshot"]["public_copy"]).path)).respond_with_data(
                (book["snapshots"] / entry["snapshot"]["file"]).read_bytes())
    env = {k: v for k, v in book["env"].items() if k != "FUTURECITY_SNAPSHOTS"}
    env.update({f"FUTURECITY_URL_{re.sub(r'[^A-Za-z0-9]', '_', e['id']).upper()}": "http://127.0.0.1:9"
                for e in registry["sources"] if e.get("live")})  # a URL for a source with no live request is bad input
    env.update(FUTURECITY_MIRROR=httpserver.url_for("/").rstrip("/"))
    done = subprocess.run([sys.executable, "-m", "futurecity", "build", "--project", str(book["project"]),
                           "--no-html"], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    public = sum(1 for e in registry["sources"] if (e.get("snapshot") or {}).get("public_copy"))
    assert public >= 10 and f"{public} public snapshot(s) verified" in done.stderr
    nb = nbformat.read(book["project"] / "_build" / "executed" / f"{INTRO}.ipynb", as_version=4)
    shown = next(o["data"]["text/html"] for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
                 if "text/html" in o.get("data", {}))
    assert "futurecity-data-notice" in shown and "fred_manufacturing" in shown and "pinned snapshot" in shown


# --- what each chapter's key covers ---------------------------------------------------------------------------

def _edit(path: Path, line: str = "\n# a changed line\n") -> None:
    path.write_text(path.read_text(encoding="utf-8") + line, encoding="utf-8")


def both(done: subprocess.CompletedProcess) -> dict[str, str]:
    assert done.returncode == 0, done.stderr
    return statuses(done)


EXECUTED = {"01-introduction.ipynb": "executed", "05-prospects.ipynb": "executed"}
CACHED = {"01-introduction.ipynb": "cached", "05-prospects.ipynb": "cached"}
ONLY_5 = {"01-introduction.ipynb": "cached", "05-prospects.ipynb": "executed"}


def test_each_chapter_reexecutes_only_for_what_it_imported_or_read(two_chapters):
    book, src = two_chapters, two_chapters["project"] / "src" / "futurecity"
    assert both(build(book)) == EXECUTED
    assert both(build(book)) == CACHED
    _edit(src / "topics" / "berd.py")  # chapter 5's topic: chapter 1 does not import it
    assert both(build(book)) == ONLY_5
    _edit(src / "topics" / "music.py")
    assert both(build(book)) == ONLY_5
    ledger = book["project"] / "data" / "claims.yml"  # a chapter 5 entry: its tolerance moves
    text = ledger.read_text(encoding="utf-8")
    assert text.count("rule: {kind: within, tolerance: 1.5}") == 2
    ledger.write_text(text.replace("rule: {kind: within, tolerance: 1.5}", "rule: {kind: within, tolerance: 2}", 1),
                      encoding="utf-8")
    assert both(build(book)) == ONLY_5
    table = book["project"] / "data" / "berd_product_groups.csv"  # a project table only chapter 5 reads
    table.write_text(table.read_text(encoding="utf-8").replace("Software development", "software development"),
                     encoding="utf-8")
    assert both(build(book)) == ONLY_5
    _edit(src / "topics" / "longrun.py")  # chapter 1's topic only
    assert both(build(book)) == {"01-introduction.ipynb": "executed", "05-prospects.ipynb": "cached"}
    _edit(src / "viz" / "theme.py")  # shared by both
    assert both(build(book)) == EXECUTED


def test_keys_compare_content_not_paths(two_chapters, tmp_path):
    """The same snapshots reached by a relative path, and the same project moved to another folder, re-execute
    nothing."""
    book = two_chapters
    assert both(build(book)) == EXECUTED
    book["cwd"] = str(tmp_path / "snapshots")  # any working directory: a relative path is the project root's
    book["env"]["FUTURECITY_SNAPSHOTS"] = "../snapshots"  # relative to the project root
    assert both(build(book)) == CACHED
    moved = tmp_path / "elsewhere"
    shutil.move(str(book["project"]), moved)
    book["project"] = moved
    assert both(build(book)) == CACHED


def test_a_changed_stylesheet_reaches_the_site_when_no_page_changed(tmp_path):
    """Sphinx copies static files only when it writes pages: a change to _static alone must still be published."""
    book = _book(tmp_path, [INTRO, "references"])
    def html_build():
        cmd = [sys.executable, "-m", "futurecity", "build", "--project", str(book["project"])]
        done = subprocess.run(cmd, env=book["env"], capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        return done.stderr

    assert "HTML built" in html_build()
    assert "HTML unchanged (Jupyter Book not run)" in html_build()  # nothing staged changed: no Sphinx run
    css = book["project"] / "_static" / "futurecity.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n/* a changed rule */\n", encoding="utf-8")
    assert "HTML built" in html_build()
    published = book["project"] / "_build" / "html" / "_static" / "futurecity.css"
    assert published.read_text(encoding="utf-8") == css.read_text(encoding="utf-8")


def test_after_a_failed_html_build_the_next_build_runs_jupyter_book_again(tmp_path):
    """The HTML is skipped only when it was written from the same staged files by a build that succeeded."""
    book = _book(tmp_path, [INTRO, "references"])
    cmd = [sys.executable, "-m", "futurecity", "build", "--project", str(book["project"])]
    references = book["project"] / "references.md"
    good = references.read_text(encoding="utf-8")
    references.write_text(good + "\nA citation of no entry: {cite:p}`no-such-entry`.\n", encoding="utf-8")
    failed = subprocess.run(cmd, env=book["env"], capture_output=True, text=True, timeout=600)
    assert failed.returncode != 0 and "Jupyter Book failed" in failed.stderr, failed.stderr
    again = subprocess.run(cmd, env=book["env"], capture_output=True, text=True, timeout=600)
    assert again.returncode != 0 and "Jupyter Book failed" in again.stderr, again.stderr  # not skipped
    references.write_text(good, encoding="utf-8")
    fixed = subprocess.run(cmd, env=book["env"], capture_output=True, text=True, timeout=600)
    assert fixed.returncode == 0 and "HTML built" in fixed.stderr, fixed.stderr


def test_jupyter_book_started_early_is_stopped_when_not_needed_and_ends_with_its_parent():
    """The Jupyter Book started before the chapters execute builds only when told: stopped, it wrote nothing; its
    input closed (the build that started it ended), it ends by itself without building."""
    from futurecity.book.build import JupyterBook

    unused = JupyterBook()
    unused.close()
    assert unused.proc.returncode is not None
    orphan = JupyterBook()
    orphan.proc.stdin.close()  # as when the build process ends
    assert orphan.proc.wait(timeout=60) == 0
    assert orphan.proc.stdout.read() == ""  # no build ran (Jupyter Book prints as it builds)
