"""The data behind every chart: one CSV per chart, of exactly what it draws at its default controls.

Which data? A chart's embedded dataset is often not what it plots: charts fold, filter, aggregate and compute
in the browser (a threshold slider's default, a window sum, a lookup). The pandas twin of a chart is a
re-implementation and could drift from the spec. So the CSV is taken from the one thing the reader sees: the
build evaluates each chart's Vega-Lite spec with the book's own vendored Vega and Vega-Lite (``_static/vendor``)
under Node, headlessly, with every parameter at its default, and writes the data of every named mark of the
scenegraph (one row per drawn item: bars, points, line vertices, rules, text labels), with a ``mark`` column
naming the mark (``bars_marks``, ``layer_0_marks`` ...). Group marks (facet cells, concat frames) and the
unnamed axis, legend and title marks are left out: they draw no data of their own. A row holds the datum's
fields whose values are numbers, strings, booleans or null (Dates, as ``timeUnit`` makes them, as ISO 8601
UTC); Vega's internal ids (``_vgsid_``) are dropped, and so are the pixel positions a map projection writes
(the ``as`` fields of Vega's ``geopoint`` transform), which depend on the width the chart is drawn at, not on
the data. Node runs with ``TZ=UTC``.

Each CSV is named after its chart: the slug of its title (:func:`futurecity.viz.theme._download_name`, as the
chart's SVG/PNG exports are), ``<slug>.csv``, and written into the book's static files under ``_static/data/``;
the link under each chart's caption (``theme._figure_html``) points there. The browser test reads the same
marks from the live Vega view in Chromium and compares them with the CSV served.

Evaluations are cached under ``_build/chartdata/`` by the sha256 of the spec, this module's Node script and the
vendored scripts, so a warm build runs no Node at all, and a changed chart, script or Vega is evaluated again.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
from pathlib import Path

from futurecity.files import atomic_write, sha256_bytes, sha256_file

DATA_DIR = "_static/data"  # where the CSVs go, relative to the book's source and HTML folders
NODE_TIMEOUT = 180  # seconds Node may take to evaluate every new chart of a build
VENDOR_SCRIPTS = ("vega.min.js", "vega-lite.min.js")
INTERNAL = ("_vgsid_",)

# Loads the vendored Vega and Vega-Lite under Node (Vega-Lite's require('vega') gets the vendored copy); the
# folder is argv[1]. The test harness tests/vega_eval.py starts its script with the same lines.
NODE_PRELUDE = r"""
const fs = require('fs'), path = require('path'), Module = require('module');
const vendor = process.argv[1];
const vega = require(path.join(vendor, 'vega.min.js'));
const load = Module._load;
Module._load = function (request, parent, isMain) {
  return request === 'vega' ? vega : load.apply(this, arguments);
};
const vl = require(path.join(vendor, 'vega-lite.min.js'));
"""

NODE_SCRIPT = NODE_PRELUDE + r"""const specs = JSON.parse(fs.readFileSync(0, 'utf8'));
const INTERNAL = new Set(['_vgsid_']);
let PIXELS = new Set();

// The fields a map projection writes (geopoint's "as"): pixel positions that depend on the drawn size.
function pixelFields(node, out) {
  if (Array.isArray(node)) node.forEach(n => pixelFields(n, out));
  else if (node && typeof node === 'object') {
    if (node.type === 'geopoint') (node.as || ['x', 'y']).forEach(f => out.add(f));
    Object.values(node).forEach(v => pixelFields(v, out));
  }
  return out;
}

function row(name, item) {
  const out = {mark: name}, datum = item.datum;
  if (datum !== null && typeof datum === 'object') {
    for (const key of Object.keys(datum)) {
      if (INTERNAL.has(key) || PIXELS.has(key) || key === 'mark') continue;
      const v = datum[key];
      if (v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') out[key] = v;
      else if (v instanceof Date) out[key] = v.toISOString();
    }
  }
  return out;
}

function walk(node, rows) {
  if (!node || typeof node !== 'object') return;
  if (node.marktype) {
    const items = node.items || [];
    if (node.name && node.marktype !== 'group') for (const item of items) rows.push(row(node.name, item));
    for (const item of items) walk(item, rows);
  } else if (Array.isArray(node.items)) {
    for (const child of node.items) walk(child, rows);
  }
}

(async () => {
  const out = [];
  for (const spec of specs) {
    const compiled = vl.compile(spec).spec;
    PIXELS = pixelFields(compiled, new Set());
    const view = new vega.View(vega.parse(compiled), {renderer: 'none'});
    await view.runAsync();
    const rows = [];
    walk(view.scenegraph().root, rows);
    out.push(rows);
    view.finalize();
  }
  process.stdout.write(JSON.stringify(out));
})().catch(err => { console.error(err && err.stack || String(err)); process.exit(1); });
"""


class ChartDataError(RuntimeError):
    """A chart's data could not be evaluated, or two charts would write the same CSV."""


def spec_title(spec: dict) -> str:
    return spec.get("usermeta", {}).get("futurecity", {}).get("title", "")


def csv_name(spec: dict) -> str:
    """``<slug of the chart's title>.csv`` (the name the link under the chart points to)."""
    from futurecity.viz.theme import _download_name  # noqa: PLC0415 (altair is slow to import)

    return _download_name(spec_title(spec), "chart") + ".csv"


def notebook_specs(notebook: Path) -> list[dict]:
    """The Vega-Lite specs of the book's figures in an executed notebook, in order (one per distinct spec)."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    found: dict[str, dict] = {}
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []):
            for mime, value in output.get("data", {}).items():
                if mime.startswith("application/vnd.vegalite.") and isinstance(value, dict) \
                        and "futurecity" in value.get("usermeta", {}):
                    found.setdefault(json.dumps(value, sort_keys=True), value)
    return list(found.values())


def _vendor_digest(vendor: Path) -> str:
    return sha256_bytes("".join(sha256_file(vendor / s) for s in VENDOR_SCRIPTS).encode())


def _key(spec: dict, vendor_digest: str) -> str:
    return sha256_bytes((json.dumps(spec, sort_keys=True) + NODE_SCRIPT + vendor_digest).encode())


def evaluate(specs: list[dict], vendor: Path, timeout: float = NODE_TIMEOUT) -> list[list[dict]]:
    """Per spec, the rows of its named marks at default settings, evaluated in one Node process."""
    if not specs:
        return []
    node = shutil.which("node")
    if node is None:
        raise ChartDataError("node is not installed: the build evaluates each chart with the book's vendored Vega "
                             "under Node to write the data behind it")
    for script in VENDOR_SCRIPTS:
        if not (vendor / script).is_file():
            raise ChartDataError(f"{script} is missing from {vendor}")
    try:
        run = subprocess.run([node, "-e", NODE_SCRIPT, str(vendor.resolve())], input=json.dumps(specs), capture_output=True,
                             text=True, timeout=timeout, env={**os.environ, "TZ": "UTC"})
    except subprocess.TimeoutExpired as exc:
        raise ChartDataError(f"node did not evaluate the charts within {timeout} s") from exc
    if run.returncode != 0:
        raise ChartDataError(f"node could not evaluate the charts (exit {run.returncode}):\n{run.stderr[-2000:]}")
    out = json.loads(run.stdout)
    if len(out) != len(specs):
        raise ChartDataError(f"node returned {len(out)} results for {len(specs)} charts")
    return out


def to_csv(rows: list[dict]) -> bytes:
    """Rows as CSV: ``mark`` first, then every field in order of first appearance; null as an empty cell."""
    columns: dict[str, None] = {"mark": None}
    for r in rows:
        columns.update(dict.fromkeys(r))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for r in rows:
        writer.writerow(["" if r.get(c) is None else ("true" if r[c] is True else "false" if r[c] is False
                                                       else r[c]) for c in columns])
    return buf.getvalue().encode("utf-8")


def chart_csvs(notebooks: list[Path], vendor: Path, cache: Path) -> dict[str, bytes]:
    """``{csv name: bytes}`` for every chart of the notebooks. New specs are evaluated (one Node run); known
    ones come from ``cache``. Two different charts with the same name are an error: each CSV names one chart."""
    digest = _vendor_digest(vendor)
    named: dict[str, tuple[str, dict]] = {}
    for nb in notebooks:
        for spec in notebook_specs(nb):
            name, key = csv_name(spec), _key(spec, digest)
            if name in named and named[name][0] != key:
                raise ChartDataError(f"two charts would both write {DATA_DIR}/{name} (title "
                                     f"{spec_title(spec)!r}): give them different titles")
            named[name] = (key, spec)
    missing = {key: spec for key, spec in named.values() if not (cache / f"{key}.csv").is_file()}
    for key, rows in zip(missing, evaluate(list(missing.values()), vendor)):
        atomic_write(cache / f"{key}.csv", to_csv(rows))
    keys = {f"{key}.csv" for key, _ in named.values()}
    for old in cache.glob("*.csv"):  # evaluations of charts no longer in the book
        if old.name not in keys:
            old.unlink()
    return {name: (cache / f"{key}.csv").read_bytes() for name, (key, _) in sorted(named.items())}
