"""Reproducibility, checked rather than assumed: ``futurecity build --check-reproducible``.

Every chapter of ``_toc.yml`` is executed twice from the same inputs (the parameters, data and environment of a
build), each time with another ``PYTHONHASHSEED`` (two distinct random seeds, printed), in parallel on the cores
as the build does and with the build's cell timeout. The executions go into a temporary folder, deleted after:
never into ``_build/executed``, and the execution cache is neither read nor written, so every chapter runs.

Then, per chapter, the two executions are compared on what the book publishes from them:

- every glued value (``myst_nb.glue``: the outputs whose metadata hold ``scrapbook``), by key, each of its
  mimetypes (``text/plain`` for the book's facts);
- every chart's Vega-Lite spec (the ``application/vnd.vegalite.*`` output), by position, named by its title.
  The spec is the chart: the website's ``text/html`` twin is made from it (its element id is a hash of the
  spec). Altair names each embedded dataset after a hash of its rows (``data-<md5>``); these names are
  replaced by ``dataset 0``, ``dataset 1`` ... in order before the comparison, so a dataset whose rows differ
  is reported by the rows and fields that differ, not only by its two hashes. Nothing else is normalised.

Every difference is named: the chapter, the glue key or the chart (its title, and where in the spec), and the
value of each run. Exit 0 when both executions agree everywhere; 1 when anything differs or a chapter failed in
either run; 2 when every failure was data unavailable (as ``futurecity build``).
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from futurecity.book.build import (Chapter, Outcome, _execute, _stoppable, chapters, inputs, until_stopped,
                                   worker_pool)
from futurecity.book.chartdata import spec_title
from futurecity.errors import EXIT_DATA, EXIT_FAILED, EXIT_OK

VEGA_LITE = "application/vnd.vegalite."
ABSENT = "(absent)"  # a glue key or chart that one execution produced and the other did not
SHOWN = 200  # characters of a value shown in a report; longer ones are cut with "..."
PER_CHART = 5  # differences listed per chart; the rest are counted


@dataclass
class Published:
    """What one execution of a chapter gives the book: glued values by key (``{mimetype: data}``, the last
    glue of a key winning, as in myst-nb) and chart specs in order."""

    glue: dict[str, dict] = field(default_factory=dict)
    charts: list[dict] = field(default_factory=list)


def published(notebook: dict) -> Published:
    """The glued values and chart specs of an executed notebook (its JSON, as read by :func:`json.load`)."""
    out = Published()
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            glued = output.get("metadata", {}).get("scrapbook")
            if isinstance(glued, dict) and "name" in glued:
                prefix = glued.get("mime_prefix", "")
                out.glue[glued["name"]] = {m.removeprefix(prefix): v for m, v in data.items()}
                continue
            spec = next((v for m, v in data.items() if m.startswith(VEGA_LITE) and isinstance(v, dict)), None)
            if spec is not None:
                out.charts.append(spec)
    return out


def read(path: Path) -> Published:
    return published(json.loads(path.read_text(encoding="utf-8")))


def chart_name(spec: dict, index: int) -> str:
    """``chart 2 'Title'``: its position among the chapter's charts (from 1) and its title."""
    title = spec_title(spec) or spec.get("title") or ""  # a book figure's title, else Vega-Lite's own
    if isinstance(title, dict):
        title = title.get("text", "")
    if isinstance(title, list):
        title = " ".join(map(str, title))
    return f"chart {index + 1}" + (f" {title!r}" if title else "")


def _datasets_renamed(spec: dict) -> dict:
    """``spec`` with its datasets named by order (``dataset 0`` ...) instead of by the hash of their rows,
    wherever a ``name`` refers to one."""
    names = {name: f"dataset {i}" for i, name in enumerate(spec.get("datasets") or {})}

    def walk(node):
        if isinstance(node, dict):
            return {k: names.get(v, v) if k == "name" and isinstance(v, str) else walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    out = walk({k: v for k, v in spec.items() if k != "datasets"})
    if names:
        out["datasets"] = {names[k]: walk(v) for k, v in spec["datasets"].items()}
    return out


def _same(a, b) -> bool:
    return type(a) is type(b) and a == b  # 1 and 1.0, or 1 and True, are different values in a spec


def spec_differences(a, b, path: str = "") -> Iterator[tuple[str, object, object]]:
    """Every place where two JSON values differ, as (path, value in ``a``, value in ``b``); a key present in one
    only has the value :data:`ABSENT` in the other; lists of different lengths are one difference."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in dict.fromkeys([*a, *b]):
            yield from spec_differences(a.get(key, ABSENT), b.get(key, ABSENT), f"{path}.{key}" if path else key)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            yield from spec_differences(x, y, f"{path}[{i}]")
    elif not _same(a, b):
        yield path or "the spec", a, b


@dataclass(frozen=True)
class Difference:
    """One thing two executions of a chapter published differently."""

    chapter: str  # its docname, e.g. chapters/01-introduction
    what: str  # "glue 'key'" or "chart 2 'Title' at encoding.x.field"
    first: object
    second: object


def _glue_differences(chapter: str, one: dict, two: dict) -> Iterator[Difference]:
    for key in dict.fromkeys([*one, *two]):
        a, b = one.get(key), two.get(key)
        if a is None or b is None:
            if a is not b:
                yield Difference(chapter, f"glue {key!r}", _glue_text(a), _glue_text(b))
            continue
        for mime in dict.fromkeys([*a, *b]):
            if not _same(a.get(mime, ABSENT), b.get(mime, ABSENT)):
                what = f"glue {key!r}" + ("" if mime == "text/plain" else f" ({mime})")
                yield Difference(chapter, what, a.get(mime, ABSENT), b.get(mime, ABSENT))


def _glue_text(value: dict | None):
    if value is None:
        return ABSENT
    return value.get("text/plain", value)


def differences(chapter: str, one: Published, two: Published) -> list[Difference]:
    """Every glued value and chart spec that differs between two executions of ``chapter``."""
    found = list(_glue_differences(chapter, one.glue, two.glue))
    for i in range(max(len(one.charts), len(two.charts))):
        a = one.charts[i] if i < len(one.charts) else None
        b = two.charts[i] if i < len(two.charts) else None
        name = chart_name(a if a is not None else b, i)
        if a is None or b is None:
            found.append(Difference(chapter, name, ABSENT if a is None else "drawn", ABSENT if b is None else "drawn"))
            continue
        found += [Difference(chapter, f"{name} at {path}", x, y)
                  for path, x, y in spec_differences(_datasets_renamed(a), _datasets_renamed(b))]
    return found


def _show(value) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= SHOWN else text[:SHOWN] + "..."


def report(found: list[Difference], seeds: tuple[int, int]) -> str:
    """The differences, each with the value of each run (at most :data:`PER_CHART` per chart, the rest
    counted)."""
    lines, per_chart = [], {}
    for d in found:
        chart = d.what.split(" at ")[0] if d.what.startswith("chart ") else None
        if chart is not None:
            per_chart[(d.chapter, chart)] = per_chart.get((d.chapter, chart), 0) + 1
            if per_chart[(d.chapter, chart)] > PER_CHART:
                continue
        lines += [f"{d.chapter}: {d.what}",
                  f"    PYTHONHASHSEED={seeds[0]}: {_show(d.first)}",
                  f"    PYTHONHASHSEED={seeds[1]}: {_show(d.second)}"]
    for (chapter, chart), n in per_chart.items():
        if n > PER_CHART:
            lines.append(f"{chapter}: {chart}: {n - PER_CHART} more difference(s) not listed")
    return "\n".join(lines)


# --- the check --------------------------------------------------------------------------------------------

def _runs(chaps: list[Chapter], folder: Path) -> list[tuple[int, Chapter]]:
    """Each chapter twice, as (run, a copy of the chapter executed into ``folder/run<n>``), both runs of a
    chapter next to each other so that they execute side by side."""
    return [(run, Chapter(c.docname, c.source, folder / f"run{run}" / f"{c.docname}.ipynb",
                          folder / f"run{run}" / f"{c.docname}.inputs.json"))
            for c in chaps for run in (0, 1)]


def check(project: Path, live: bool = False, vintage: str | None = None, jobs: int | None = None,
          seeds: tuple[int, int] | None = None, out=sys.stderr) -> int:
    """Execute every chapter of ``project`` twice, compare, and report on ``out``; the exit code."""
    from tqdm import tqdm

    project = project.resolve()
    if seeds is None:
        seeds = tuple(random.SystemRandom().sample(range(1, 2**32), 2))
    params, env = inputs(project, live, vintage, out)
    chaps = chapters(project, project / "_build")
    start = time.perf_counter()
    outcomes: dict[tuple[str, int], Outcome] = {}
    # stopped (SIGINT, SIGTERM, SIGHUP), the workers are stopped and the temporary folder removed as it unwinds
    with _stoppable(), tempfile.TemporaryDirectory(prefix="futurecity-reproducible-") as tmp:
        runs = _runs(chaps, Path(tmp))
        bar = tqdm(total=len(runs), desc="reproducible", unit="run", file=out, disable=not runs)
        # the build's workers: spawned, ending with this process, stopped at once when it is stopped
        with worker_pool(max(1, min(jobs or os.cpu_count() or 1, len(runs) or 1))) as pool:
            futures = {pool.submit(_execute, c, project, params, {**env, "PYTHONHASHSEED": str(seeds[run])}): run
                       for run, c in runs}
            for future in cf.as_completed(futures):
                outcome = future.result()
                outcomes[(outcome.chapter.docname, futures[future])] = outcome
                bar.set_postfix_str(f"{outcome.chapter.name} {outcome.status}")
                bar.update(1)
        bar.close()
        failed = [o for o in outcomes.values() if o.status == "failed"]
        for (_, run), o in outcomes.items():
            if o.status == "failed":
                print(f"futurecity build --check-reproducible: chapter failed (PYTHONHASHSEED={seeds[run]}): "
                      f"{o.error}", file=out)
        if failed:
            return EXIT_DATA if all(o.data_unavailable for o in failed) else EXIT_FAILED
        found, rows = [], []
        for c in chaps:
            one, two = (read(outcomes[(c.docname, run)].chapter.executed) for run in (0, 1))
            diff = differences(c.docname, one, two)
            found += diff
            rows.append((c.name, len(one.glue), len(one.charts), len(diff),
                         sum(outcomes[(c.docname, run)].seconds for run in (0, 1))))
    seconds = time.perf_counter() - start
    print(summary_table(rows), file=out)
    how = (f"{len(chaps)} chapter(s) executed twice, PYTHONHASHSEED={seeds[0]} then {seeds[1]}, no cache, "
           f"in {seconds:.1f} s")
    if found:
        print(report(found, seeds), file=out)
        print(f"Not reproducible: {len(found)} difference(s) in {len({d.chapter for d in found})} chapter(s) "
              f"({how}).", file=out)
        return EXIT_FAILED
    print(f"Reproducible: the same {sum(r[1] for r in rows)} glued values and {sum(r[2] for r in rows)} chart "
          f"specs ({how}).", file=out)
    return EXIT_OK


def summary_table(rows: list[tuple[str, int, int, int, float]]) -> str:
    width = max([len(r[0]) for r in rows] + [len("chapter")])
    lines = [f"{'chapter':<{width}}  {'glued':>5}  {'charts':>6}  {'differences':>11}  {'seconds':>7}"]
    lines += [f"{n:<{width}}  {g:>5}  {c:>6}  {d:>11}  {s:>7.1f}" for n, g, c, d, s in rows]
    return "\n".join(lines)


def cmd_check(args) -> int:
    from futurecity import config

    project = Path(args.project).resolve() if args.project else config.root()
    return until_stopped("futurecity build --check-reproducible",
                         lambda: check(project, live=args.live, vintage=args.vintage, jobs=args.jobs))
