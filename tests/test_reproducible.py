"""``futurecity build --check-reproducible``: what it reads from an executed notebook, what it calls a difference,
and that it catches a chapter whose glued value and chart change from one execution to the next.

The check of the real book itself is a step of ``make test`` (before pytest), not a test here.
"""

from __future__ import annotations

import json
import logging
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

from futurecity.book import chartdata, reproducible
from futurecity.book.build import toc_files
from futurecity.book.reproducible import ABSENT, Published, differences

CHAPTERS = [doc for doc in toc_files(PROJECT) if (PROJECT / f"{doc}.ipynb").is_file()]
EMBED = "futurecityEmbed(el, "


# --- what is read from an executed notebook ----------------------------------------------------------------

def _executed(doc: str) -> Path:
    path = PROJECT / "_build" / "executed" / f"{doc}.ipynb"
    assert path.is_file(), f"{path} missing: build the book first (make test does)"
    return path


def _embedded_specs(nb) -> list[dict]:
    """The spec each chart's website output (text/html) hands to vega-embed, read from its script."""
    specs = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            page = output.get("data", {}).get("text/html", "")
            if EMBED in page:
                spec, _ = json.JSONDecoder().raw_decode(page, page.index(EMBED) + len(EMBED))
                specs.append(spec)
    return specs


@pytest.mark.site
@pytest.mark.parametrize("doc", CHAPTERS)
def test_reads_the_glue_myst_nb_reads_and_the_spec_the_website_draws(doc):
    """Glue as myst-nb's own reader finds it for the pages' {glue} roles; charts as the website's script embeds
    them (another output of the same cell), in order."""
    from myst_nb.ext.glue import extract_glue_data

    path = _executed(doc)
    got = reproducible.read(path)
    nb = nbformat.read(path, as_version=4)
    charts_on_page = _embedded_specs(nb)
    glued = extract_glue_data(nbformat.read(path, as_version=4), list(range(len(nb.cells))), logging.getLogger())
    assert got.glue, f"{doc} glues nothing"
    assert got.glue == {key: dict(output["data"]) for key, output in glued.items()}
    assert all(set(v) == {"text/plain"} for v in got.glue.values())  # the book's facts: plain values
    assert got.charts == charts_on_page
    assert len(got.charts) == len(chartdata.notebook_specs(path))  # the build's charts (distinct specs) too


# --- what is a difference ----------------------------------------------------------------------------------

def _bars(rows: list[dict], name: str) -> dict:
    return {"data": {"name": name}, "mark": "bar", "datasets": {name: rows}, "title": "Bars",
            "encoding": {"x": {"field": "x"}, "y": {"field": "y"}}}


def test_a_dataset_that_differs_is_named_by_its_row_and_field_not_its_hash():
    one = Published(charts=[_bars([{"x": "a", "y": 1}, {"x": "b", "y": 2}], "data-aaa")])
    two = Published(charts=[_bars([{"x": "a", "y": 1}, {"x": "b", "y": 3}], "data-bbb")])
    found = differences("chapters/x", one, two)
    assert [(d.chapter, d.what, d.first, d.second) for d in found] == [
        ("chapters/x", "chart 1 'Bars' at datasets.dataset 0[1].y", 2, 3)]


def test_values_equal_in_python_but_not_in_json_differ():
    one = Published(charts=[_bars([{"x": "a", "y": 1}], "d")])
    for other in (1.0, True, "1"):
        two = Published(charts=[_bars([{"x": "a", "y": other}], "d")])
        assert [(d.first, d.second) for d in differences("c", one, two)] == [(1, other)]


def test_glue_keys_and_charts_present_in_one_run_only_are_named():
    one = Published(glue={"a": {"text/plain": "1"}, "b": {"text/plain": "2"}},
                    charts=[_bars([], "d"), {**_bars([], "e"), "title": "Second"}])
    two = Published(glue={"a": {"text/plain": "1"}, "c": {"text/plain": "3"}}, charts=[_bars([], "d")])
    got = [(d.what, d.first, d.second) for d in differences("c", one, two)]
    assert got == [("glue 'b'", "2", ABSENT), ("glue 'c'", ABSENT, "3"), ("chart 2 'Second'", "drawn", ABSENT)]


def test_identical_runs_have_no_difference():
    one = Published(glue={"a": {"text/plain": "1", "text/html": "<b>1</b>"}}, charts=[_bars([{"y": 1}], "d")])
    copy = Published(**json.loads(json.dumps(one.__dict__)))  # equal values, other objects
    assert differences("c", one, copy) == []


# --- the command on a throwaway project --------------------------------------------------------------------

CHART = ("import altair as alt\nimport pandas as pd\nimport futurecity.viz.theme  # the book's renderer\n"
         "alt.Chart(pd.DataFrame({{'x': ['a', 'b', 'c'], 'y': {y}}})).mark_bar()"
         ".encode(x='x:N', y='y:Q').properties(title={title!r})")
STEADY = [("from myst_nb import glue\nglue('steady_sum', sum(range(10)), display=False)\n"
           "glue('steady_words', sorted({'b', 'a', 'c'}), display=False)"),
          CHART.format(y="[3, 1, 2]", title="Steady bars")]
DRIFTING = [("from myst_nb import glue\nglue('steady_text', 'the same every time', display=False)\n"
             "glue('seeded_hash', hash('futurecity'), display=False)"),
            "import random\n" + CHART.format(y="[random.random() for _ in range(3)]", title="Random bars")]


def _notebook(path: Path, cells: list[str]) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell("# A chapter")] + [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, path)


def _project(tmp_path: Path, chapters: dict[str, list[str]]) -> Path:
    project = tmp_path / "book"
    shutil.copytree(PROJECT / "src", project / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    shutil.copytree(PROJECT / "data", project / "data")
    (project / "chapters").mkdir()
    for doc, cells in chapters.items():
        _notebook(project / f"{doc}.ipynb", cells)
    docs = list(chapters)
    toc = {"format": "jb-book", "root": docs[0], "chapters": [{"file": d} for d in docs[1:]]}
    (project / "_toc.yml").write_text(yaml.safe_dump(toc), encoding="utf-8")
    return project


def _check(project: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "FUTURECITY_SNAPSHOTS": str(snapshots()), "FUTURECITY_CACHE": str(tmp_path / "cache"),
           "FUTURECITY_CELL_TIMEOUT": "120"}
    env.pop("FUTURECITY_ROOT", None)
    cmd = [sys.executable, "-m", "futurecity", "build", "--project", str(project), "--check-reproducible"]
    return subprocess.run(cmd, check=False, env=env, capture_output=True, text=True, timeout=400)


def _hash_under(seed: str) -> str:
    done = subprocess.run([sys.executable, "-c", "print(hash('futurecity'))"], capture_output=True, text=True,
                          env={**os.environ, "PYTHONHASHSEED": seed}, timeout=60, check=True)
    return done.stdout.strip()


@pytest.mark.build
@pytest.mark.timeout(500)
def test_a_glued_value_and_a_chart_that_change_between_runs_are_named_with_both_values(tmp_path):
    project = _project(tmp_path, {"chapters/01-steady": STEADY, "chapters/02-drifting": DRIFTING})
    done = _check(project, tmp_path)
    err = done.stderr
    assert done.returncode == 1, err
    seeds = re.search(r"PYTHONHASHSEED=(\d+) then (\d+)", err).groups()
    assert seeds[0] != seeds[1]
    # the hash, as each run's kernel computed it, under each run's seed
    assert (f"chapters/02-drifting: glue 'seeded_hash'\n    PYTHONHASHSEED={seeds[0]}: {_hash_under(seeds[0])}\n"
            f"    PYTHONHASHSEED={seeds[1]}: {_hash_under(seeds[1])}\n") in err
    # the chart's random data, row by row, both values
    row = (r"^chapters/02-drifting: chart 1 'Random bars' at datasets\.dataset 0\[(\d)\]\.y\n"
           rf"    PYTHONHASHSEED={seeds[0]}: (\S+)\n    PYTHONHASHSEED={seeds[1]}: (\S+)$")
    drawn = re.findall(row, err, re.MULTILINE)
    assert [row for row, _, _ in drawn] == ["0", "1", "2"], err
    assert all(0 <= float(a) < 1 and 0 <= float(b) < 1 and a != b for _, a, b in drawn)
    # nothing else: the steady chapter, the steady glue and the chart's element id are no difference
    assert "Not reproducible: 4 difference(s) in 1 chapter(s)" in err, err
    assert re.search(r"^01-steady\.ipynb\s+2\s+1\s+0\s", err, re.MULTILINE), err
    assert re.search(r"^02-drifting\.ipynb\s+2\s+1\s+4\s", err, re.MULTILINE), err
    assert not (project / "_build").exists()  # nothing executed into the build, no cache record


@pytest.mark.build
@pytest.mark.timeout(300)
def test_a_steady_project_passes(tmp_path):
    done = _check(_project(tmp_path, {"chapters/01-steady": STEADY}), tmp_path)
    assert done.returncode == 0, done.stderr
    assert re.search(r"Reproducible: the same 2 glued values and 1 chart specs", done.stderr), done.stderr


@pytest.mark.build
@pytest.mark.timeout(300)
def test_a_chapter_that_raises_fails_the_check_with_its_name(tmp_path):
    broken = ["x = 1", "raise ValueError('broken on purpose')"]
    done = _check(_project(tmp_path, {"chapters/01-steady": STEADY, "chapters/02-broken": broken}), tmp_path)
    assert done.returncode == 1, done.stderr
    assert re.search(r"chapter failed \(PYTHONHASHSEED=\d+\): chapters/02-broken\.ipynb: code cell 2 .*"
                     r"ValueError: broken on purpose", done.stderr), done.stderr
    assert "Reproducible:" not in done.stderr


def test_make_test_runs_the_check_before_the_tests_and_stops_on_its_failure():
    """``make -n`` prints what ``make test`` runs, in order; a failing recipe line stops make (no ``-`` prefix,
    no ``|| true``)."""
    planned = subprocess.run(["make", "-n", "test"], cwd=PROJECT, capture_output=True, text=True, timeout=60,
                             check=True).stdout.splitlines()
    check = [i for i, line in enumerate(planned) if line.endswith("futurecity build --check-reproducible")]
    tests = [i for i, line in enumerate(planned) if re.search(r"/pytest\b", line)]
    assert check and tests and check[0] < tests[0], planned
    recipe = (PROJECT / "Makefile").read_text(encoding="utf-8").split("\ntest:", 1)[1].split("\n\n", 1)[0]
    assert "\t$(BIN)/futurecity build --check-reproducible\n" in recipe + "\n" and "|| true" not in recipe
