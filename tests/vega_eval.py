"""Evaluate a Vega-Lite spec headlessly, as the book's browser would, and return the data behind its marks.

One ``node`` process runs the book's vendored scripts (``_static/vendor``: vega, vega-lite) over a list of
parameter settings. For each setting the spec is compiled (``vl.compile``), a headless ``vega.View`` is built
(``renderer: 'none'``), each setting is applied as a Vega signal (``view.signal(name, value)``; an Altair
``alt.param(name="cut", ...)`` is the signal ``cut``), the dataflow is run, and the scenegraph is walked. Every
named mark gives the list of its items' data, so a test can compare what the browser computes with pandas::

    from vega_eval import marks, texts
    default, cut = marks(chart.to_dict(), [{}, {"cut": 3}])
    xs = sorted(d["x"] for d in cut["bars_marks"])

``marks`` returns, per setting, a dict mark name -> list of item dicts in scenegraph order; marks sharing a
name (a facet's cells) are concatenated. Group marks are named marks too (``root``, ``<name>_group``,
``concat_0_group``, ``cell`` ...), each with one item per group. ``texts`` returns, per setting, the drawn
text of every item of every named text mark in scenegraph order (the chart's own text marks: axis labels,
titles and legends are unnamed and left out).

Item dicts hold the datum's own enumerable fields whose values are numbers, strings, booleans or null;
Symbols, functions, arrays and other objects are dropped, except Dates (what ``timeUnit`` produces, e.g.
``year_t``), which come back as epoch milliseconds like the fields Vega parses with ``toDate``. Text marks
also carry ``"__text"``: ``item.text`` after formatting (``format=".1f"`` gives ``"1.0"``), an array joined
with a space; ``lineBreak`` is applied only when drawing, so it is not split. The datum holds the fields the
spec's transforms compute (``calculate``, ``aggregate`` -> ``sum_x``, ``window``, ``joinaggregate`` ...;
Vega-Lite's own ``x_start``/``x_end`` stack fields too) beside the input columns. NaN and Infinity come back as
``None``: JSON.stringify writes them as null. Node runs with ``TZ=UTC`` so that dates without a zone
(Altair writes pandas timestamps as ``"2020-01-01T00:00:00"``, which Vega reads as local time) give the same
milliseconds on every machine.

How marks are named (verified with Altair 6.x / the vendored Vega-Lite 6):

* A unit chart's marks are ``<name>_marks`` where ``<name>`` is what ``.properties(name=...)`` gave it
  (``mark_bar().properties(name="bars")`` -> ``bars_marks``). Unnamed: ``marks`` at top level,
  ``layer_<i>_marks`` in a layer, ``concat_<i>_marks`` in a concat: positional, so do not rely on them.
* ``alt.layer(a, b)`` keeps each layer's name: ``bars_marks``, ``labels_marks``; naming the layer chart
  itself changes nothing. Transforms and params on the layer (``alt.layer(...).transform_calculate(...)``)
  reach every layer's datum and do not change the names.
* Inside ``alt.vconcat``/``alt.hconcat``/``&``/``|`` (more than one subchart), Altair RENAMES the named layers
  of a layered subchart to ``<name>_<i>``, ``i`` being that subchart's position in the innermost concat:
  ``alt.vconcat(alt.layer(bars, labels), line)`` gives ``bars_0_marks``, ``labels_0_marks`` and ``ln_marks``
  (a unit subchart keeps its name; its group is ``ln_group``). A name already ending in ``_<digits>`` loses
  that suffix first (``bars_2019`` -> ``bars_0``), so do not end names with ``_<digits>``.
* A facet concatenates its cells under the inner chart's name (``bars_marks``); ``.repeat`` gives
  ``<name>_child__column_<field>_marks``.
* Names must be unique across the whole spec: two unit charts both named ``bars`` in one concat fail to parse
  (``Duplicate signal name: "bars_x_step"``).

Rule for chart authors: give every unit chart a test must find a unique name with ``.properties(name=...)``
(letters and single underscores, not ending in ``_<digits>``); find its marks as ``<name>_marks``, or
``<name>_<i>_marks`` when it is a layer of the ``i``-th subchart of a concat.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from futurecity.book.chartdata import NODE_PRELUDE

VENDOR = Path(__file__).resolve().parents[1] / "_static" / "vendor"

# The scenegraph walk, shared by Node here and by the browser tests (tests/page_controls.py) on a live page.
WALK_JS = r"""function plain(item) {
  const row = {};
  const datum = item.datum;
  if (datum !== null && typeof datum === 'object') {
    for (const key of Object.keys(datum)) {
      const v = datum[key];
      if (v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') row[key] = v;
      else if (v instanceof Date) row[key] = v.getTime();   // timeUnit fields are Dates: epoch ms, as toDate gives
    }
  }
  return row;
}

function walk(node, out, texts) {
  if (!node || typeof node !== 'object') return;
  if (node.marktype) {
    const items = node.items || [];
    if (node.name) {
      const rows = out[node.name] || (out[node.name] = []);
      for (const item of items) {
        const row = plain(item);
        if (node.marktype === 'text') {
          const t = item.text;
          row.__text = Array.isArray(t) ? t.join(' ') : (t === undefined || t === null ? null : String(t));
          texts.push(row.__text);
        }
        rows.push(row);
      }
    }
    for (const item of items) walk(item, out, texts);   // groups hold further marks
  } else if (Array.isArray(node.items)) {
    for (const child of node.items) walk(child, out, texts);
  }
}

"""

NODE_SCRIPT = NODE_PRELUDE + WALK_JS + r"""const input = JSON.parse(fs.readFileSync(0, 'utf8'));

(async () => {
  const compiled = vl.compile(input.spec).spec;
  const out = [];
  // input.live: one view for every setting, each applied on top of the last (as a reader moves controls);
  // otherwise a fresh view per setting.
  let view = input.live ? new vega.View(vega.parse(compiled), {renderer: 'none'}) : null;
  if (view) await view.runAsync();
  for (const settings of input.settings) {
    if (!input.live) view = new vega.View(vega.parse(compiled), {renderer: 'none'});
    for (const [name, value] of Object.entries(settings)) view.signal(name, value);
    await view.runAsync();
    const found = {}, texts = [];
    walk(view.scenegraph().root, found, texts);
    out.push({marks: found, texts: texts});
    if (!input.live) view.finalize();
  }
  if (input.live) view.finalize();
  process.stdout.write(JSON.stringify(out));
})().catch(err => { console.error(err && err.stack || String(err)); process.exit(1); });
"""


def _run(spec: dict, settings: list[dict], timeout: float, live: bool = False) -> list[dict]:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: it runs the book's vendored Vega scripts to evaluate charts headlessly")
    for script in ("vega.min.js", "vega-lite.min.js"):
        if not (VENDOR / script).is_file():
            pytest.fail(f"{script} is missing from {VENDOR}: the book's vendored Vega scripts are needed")
    settings = list(settings)
    run = subprocess.run([node, "-e", NODE_SCRIPT, str(VENDOR)],
                         input=json.dumps({"spec": spec, "settings": settings, "live": live}),
                         capture_output=True, text=True, timeout=timeout, env={**os.environ, "TZ": "UTC"})
    if run.returncode != 0:
        raise AssertionError(f"node exited with {run.returncode} evaluating the Vega-Lite spec:\n{run.stderr}")
    out = json.loads(run.stdout)
    assert len(out) == len(settings), f"node returned {len(out)} results for {len(settings)} settings"
    return out


def marks(spec: dict, settings: list[dict], timeout: float = 120) -> list[dict[str, list[dict]]]:
    """Per setting (a dict signal name -> value), a dict mark name -> its items' data, in scenegraph order.

    Marks sharing a name (a facet's cells) are concatenated. One node process serves all the settings.
    """
    return [r["marks"] for r in _run(spec, settings, timeout)]


def moved(spec: dict, steps: list[dict], timeout: float = 120) -> list[dict[str, list[dict]]]:
    """As :func:`marks`, but on ONE live view: each step's signals are set on the view the previous steps left
    (``view.signal(name, v)`` then ``await view.runAsync()``), as a reader moves the controls one after another.
    A step need not name every control: the others keep the values the earlier steps gave them."""
    return [r["marks"] for r in _run(spec, steps, timeout, live=True)]


def reader_path(grid: dict[str, list]) -> list[dict]:
    """Every combination of the grid's settings in an order a reader could move the controls: each step changes
    ONE control by one place (a reflected mixed-radix Gray code: the last control runs back and forth across its
    range, ends included, while the others step), then the whole way back, so every control is moved in both
    directions and every combination is met after moves of the others."""
    names = list(grid)
    path: list[dict] = [{}]
    for name in names:
        out = []
        for i, prefix in enumerate(path):
            values = grid[name] if i % 2 == 0 else list(reversed(grid[name]))
            out += [{**prefix, name: v} for v in values]
        path = out
    return path + path[::-1][1:]


def over_grid(spec: dict, grid: dict[str, list], mode: str, timeout: float = 300) -> tuple[list[dict], list[dict]]:
    """``(settings, marks)`` over every combination of ``grid``: ``mode`` "fresh" builds a new view per setting;
    "moved" moves the controls of ONE live view along :func:`reader_path`."""
    if mode == "fresh":
        settings = [dict(zip(grid, values)) for values in itertools.product(*grid.values())]
        return settings, marks(spec, settings, timeout=timeout)
    if mode == "moved":
        settings = reader_path(grid)
        return settings, moved(spec, settings, timeout=timeout)
    raise ValueError(f"mode must be 'fresh' or 'moved', not {mode!r}")


def texts(spec: dict, settings: list[dict], timeout: float = 120) -> list[list[str]]:
    """Per setting, the text of every item of every named text mark, in scenegraph order."""
    return [r["texts"] for r in _run(spec, settings, timeout)]
