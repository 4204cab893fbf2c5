"""The data behind every chart: one tidy CSV per chart, of what it draws at its default controls.

Which data? A chart's embedded dataset is often not what it plots: charts fold, filter, aggregate and compute
in the browser (a threshold slider's default, a window sum, a lookup). The pandas twin of a chart is a
re-implementation and could drift from the spec. So the values are taken from the one thing the reader sees: the
build evaluates each chart's Vega-Lite spec with the book's own vendored Vega and Vega-Lite (``_static/vendor``)
under Node, headlessly, with every parameter at its default, and reads the data of every named mark of the
scenegraph (one row per drawn item: bars, points, line vertices ...). A row holds the datum's fields whose
values are numbers, strings, booleans or null (Dates, as ``timeUnit`` makes them, as ISO 8601 UTC). Node runs
with ``TZ=UTC``.

Which marks and fields? The chart says so: ``theme.figure(..., csv=[(mark, {field: column}, {column:
constant}), ...])`` stores the declaration in the spec's ``usermeta`` (``futurecity.csv``). The CSV's rows are
the items of the declared marks, mark after mark, each mark's sorted by its columns in the order declared
(``year, family``: by year, then family); its columns are the declared names (words with units: ``region,
manufacturing_growth_percent``), in order of first declaration; a field a mark does not declare is not
written, so badges, summaries, text labels, Vega-Lite's helper fields
(``*_sort_index``, stack ends) and marks drawn twice (a line and its dots) stay out. A declared mark the chart
does not draw, or a declared field no item of it holds, stops the build: the declaration names what the reader
gets, never silently less.

The header, lines starting with ``#`` (``pandas.read_csv(path, comment="#")`` skips them), gives the chart's
title and description, its note, each control at the default the values were taken at, named as the reader
sees it (``# Setting: End year = 2019``), and each source with its vintage and licence (a declaration can
replace a source's licence line, ``csv_licence``, and cap the rows, ``csv_max_rows``, for data whose licence
allows no more).

Each CSV is named after its chart: the slug of its title (:func:`futurecity.viz.theme._download_name`, as the
chart's SVG/PNG exports are), ``<slug>.csv``, and written into the book's static files under ``_static/data/``;
the link under each chart's caption (``theme._figure_html``) points there. The browser test reads the declared
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
import textwrap
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


def declaration(spec: dict) -> dict:
    """The chart's CSV declaration (``usermeta.futurecity.csv``, written by ``theme.figure(csv=...)``)."""
    decl = spec.get("usermeta", {}).get("futurecity", {}).get("csv")
    if not decl or not decl.get("parts"):
        raise ChartDataError(f"the chart {spec_title(spec)!r} does not declare the table behind it: pass "
                             "csv=[(mark, {field: column})] to futurecity.viz.theme.figure")
    return decl


def tidy(spec: dict, rows: list[dict]) -> tuple[list[str], list[dict]]:
    """The declared table: its columns and one record per item of each declared mark (``rows``: the
    evaluation's rows, each with its ``mark``)."""
    decl, title = declaration(spec), spec_title(spec)
    by_mark: dict[str, list[dict]] = {}
    for r in rows:
        by_mark.setdefault(r["mark"], []).append(r)
    columns: dict[str, None] = {}
    records: list[dict] = []
    for part in decl["parts"]:
        mark, fields, constants = part["mark"], dict(part["columns"]), dict(part.get("constants", []))
        items = by_mark.get(mark)
        if not items:
            raise ChartDataError(f"the chart {title!r} declares its CSV's rows from the mark {mark!r}, which it "
                                 f"does not draw at its defaults (it draws: {', '.join(sorted(by_mark))})")
        held = set().union(*items)
        lost = [f for f in fields if f not in held]
        if lost:
            raise ChartDataError(f"the chart {title!r}: no item of its mark {mark!r} holds the field(s) "
                                 f"{', '.join(map(repr, lost))} its CSV declares (they hold: "
                                 f"{', '.join(sorted(held - {'mark'}))})")
        columns.update(dict.fromkeys([*fields.values(), *constants]))
        part_records = [{**{col: item.get(f) for f, col in fields.items()}, **constants} for item in items]
        records += sorted(part_records, key=lambda r: [_order(r[col]) for col in fields.values()])
    cap = decl.get("max_rows")
    if cap is not None and len(records) > cap:
        raise ChartDataError(f"the chart {title!r} would write {len(records)} rows to its CSV; its data allow "
                             f"at most {cap}")
    return list(columns), records


def _order(value) -> tuple:
    """A sort key for a cell: numbers, then text, then nulls (booleans as numbers)."""
    if value is None:
        return (2, "")
    if isinstance(value, (int, float)):
        return (0, value)
    return (1, str(value))


def _params(node, out: dict[str, dict]) -> dict[str, dict]:
    if isinstance(node, list):
        for n in node:
            _params(n, out)
    elif isinstance(node, dict):
        for p in node.get("params") or []:
            if isinstance(p, dict) and isinstance(p.get("bind"), dict) and "input" in p["bind"]:
                out.setdefault(p["name"], p)
        for v in node.values():
            if isinstance(v, (dict, list)):
                _params(v, out)
    return out


def _shown(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "true" if value is True else "false" if value is False else str(value)


def settings(spec: dict) -> list[tuple[str, str]]:
    """Each control of the chart as the reader sees it, at its default: (its label, the option's label or
    the value shown), in the spec's order."""
    out = []
    for name, p in _params(spec, {}).items():
        bind, value = p["bind"], p.get("value")
        label = (bind.get("name") or name).strip()
        options, labels = bind.get("options"), bind.get("labels")
        if options and labels and value in options:
            value = labels[options.index(value)]
        out.append((label, _shown(value)))
    return out


def header(spec: dict, n_rows: int) -> list[str]:
    """The CSV's comment lines (without their ``# ``): what the chart is, the settings the values were taken
    at, and each source with its vintage and licence."""
    meta, decl = spec.get("usermeta", {}).get("futurecity", {}), declaration(spec)
    licences = decl.get("licence", {})
    lines = [meta.get("title", ""), "", *textwrap.wrap(meta.get("description", ""), 110)]
    if meta.get("note"):
        lines += textwrap.wrap("Note: " + meta["note"], 110)
    lines += ["", "The values the chart draws with its controls at these settings (its defaults):"]
    lines += [f"Setting: {label} = {value}" for label, value in settings(spec)] or \
        ["Setting: none (the chart has no controls)"]
    lines.append("")
    for src in meta.get("source_list", []):
        licence = licences.get(src["id"], src["licence"]).replace("{rows}", str(n_rows))
        lines.append(f"Source: {src['publisher']}, {src['title']}. Vintage: {src['vintage']}. Licence: {licence}")
    lines += ["", 'Read with pandas: pandas.read_csv(path, comment="#")']
    return lines


def to_csv(columns: list[str], records: list[dict], comments: list[str] = ()) -> bytes:
    """A header of ``# `` comment lines, then the columns and records as CSV (cells: :func:`_cell`)."""
    buf = io.StringIO()
    for line in comments:
        buf.write(f"# {line}".rstrip() + "\n")
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for r in records:
        writer.writerow([_cell(r.get(c)) for c in columns])
    return buf.getvalue().encode("utf-8")


def _cell(value) -> str:
    """A value as a CSV cell: null empty, booleans as true/false, numbers to 12 significant digits (Vega's
    binary floating point gives 0.8500000000000001 for a bin at 0.85)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format(value, ".12g")
    return str(value)


def chart_csv(spec: dict, rows: list[dict]) -> bytes:
    """The CSV of one chart from its evaluated rows: header, then its tidy table."""
    columns, records = tidy(spec, rows)
    return to_csv(columns, records, header(spec, len(records)))


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
            declaration(spec)
            named[name] = (key, spec)
    missing = {key: spec for key, spec in named.values() if not (cache / f"{key}.json").is_file()}
    for key, rows in zip(missing, evaluate(list(missing.values()), vendor)):
        atomic_write(cache / f"{key}.json", json.dumps(rows).encode())
    keys = {f"{key}.json" for key, _ in named.values()}
    for old in [*cache.glob("*.json"), *cache.glob("*.csv")]:  # evaluations of charts no longer in the book
        if old.name not in keys:
            old.unlink()
    return {name: chart_csv(spec, json.loads((cache / f"{key}.json").read_bytes()))
            for name, (key, spec) in sorted(named.items())}
