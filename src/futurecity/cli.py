"""The ``futurecity`` command: build the book, list and pull sources, evaluate the claims ledger.

Exit codes (:mod:`futurecity.errors`): 0 success; 2 data unavailable or invalid, or bad input (an unknown source
id, a bad ``--vintage`` or ``FUTURECITY_*`` variable: every variable is checked before a command runs); 1
anything else (for ``build``: a chapter failed). Errors are printed as one readable paragraph, not a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from futurecity.errors import EXIT_DATA, EXIT_FAILED, EXIT_OK, BadInput, DataUnavailable, say


def _vintage(value: str) -> str:
    """``--vintage``: 'pinned', 'latest' or a vintage id, else a usage error naming the choices."""
    from futurecity.data.access import check_vintage

    try:
        return check_vintage(value)
    except BadInput as exc:
        raise argparse.ArgumentTypeError(f"{value!r} is not 'pinned', 'latest' or a vintage id such as "
                                         "20250101T120000Z-0123abcd (`futurecity sources` lists them)") from exc


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="futurecity", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="execute every chapter with papermill, then build the HTML book")
    b.add_argument("--live", action="store_true", help="pull live data before executing (needs a network)")
    b.add_argument("--vintage", default=None, type=_vintage,
                   help="'pinned' (snapshots), 'latest' (newest live vintage) or a vintage id; default: pinned "
                        "when FUTURECITY_SNAPSHOTS is set, else latest with --live")
    b.add_argument("--jobs", type=int, default=None, help="chapters executed in parallel (default: cores)")
    b.add_argument("--no-html", action="store_true", help="execute the chapters only")
    b.add_argument("--check-reproducible", action="store_true",
                   help="check only, build nothing: execute every chapter twice into a temporary folder (no "
                        "cache, a different PYTHONHASHSEED each time), compare the glued values and chart specs, "
                        "name each difference (chapter, glue key or chart, both values); exit 1 if any. _build/ "
                        "is left as it is")
    b.add_argument("--project", default=None, help="project folder (default: this checkout)")

    s = sub.add_parser("sources", help="list registered sources, their snapshot status and cached vintages")
    s.add_argument("--json", action="store_true", help="print a JSON list")
    s.add_argument("--cache", default=None, help="cache folder (default: FUTURECITY_CACHE or .cache/)")

    u = sub.add_parser("pull", help="pull sources from their live APIs (--live), download the public copies of "
                                    "the snapshots (--snapshots) or check what is there")
    u.add_argument("sources", nargs="*", help="source ids (default: all with a live API; with --snapshots, all)")
    u.add_argument("--live", action="store_true", help="call the live APIs")
    u.add_argument("--snapshots", nargs="?", const="", default=None, metavar="DIR",
                   help="download every snapshot that has a public byte-identical copy into DIR (default: "
                        "FUTURECITY_SNAPSHOTS, else <cache>/snapshots) and check its sha256; name the derived ones")
    u.add_argument("--cache", default=None, help="cache folder (default: FUTURECITY_CACHE or .cache/)")

    c = sub.add_parser("claims", help="evaluate the claims ledger against the data")
    c.add_argument("--json", action="store_true", help="print a JSON list")
    c.add_argument("--vintage", default="pinned", type=_vintage, help="vintage to evaluate on (default: pinned)")
    c.add_argument("--live", action="store_true", help="pull live data first")
    return p


# --- sources and pulls ------------------------------------------------------------------------------------

def source_status(src) -> dict:
    """What the store holds for ``src``: snapshot status (ok / missing / hash mismatch / live only) and cached
    vintages."""
    from futurecity.data import store

    vintages = [m["vintage"] for m in store.vintage_manifests(src)]
    path = store.snapshot_path(src)
    return {"id": src.id, "title": src.title, "api": src.api, "publisher": src.publisher, "licence": src.licence,
            "snapshot": store.snapshot_status(src), "snapshot_file": str(path) if path else None,
            "live_url": src.live_url() if src.live else None, "url_variable": src.env_url_var if src.live else None,
            "vintages": vintages, "latest_vintage": vintages[-1] if vintages else None}


def text_table(rows: list[dict]) -> str:
    """Rows of equal keys as a plain left-aligned text table with a header line."""
    cols = list(rows[0])
    width = {c: max(len(c), *(len(str(r[c])) for r in rows)) for c in cols}
    lines = [[c.upper() for c in cols], *[[str(r[c]) for c in cols] for r in rows]]
    return "\n".join("  ".join(v.ljust(width[c]) for c, v in zip(cols, line, strict=True)).rstrip()
                     for line in lines)


def cmd_sources(args) -> int:
    """``futurecity sources [--json]``: every registered source with its snapshot status, cached vintages and
    licence. Exit 2 when the snapshot folder named by ``FUTURECITY_SNAPSHOTS`` does not exist, or a snapshot
    would not be loaded (its sha256 no longer matches the registry, or it is unreadable or not a file), else 0;
    a missing snapshot in an existing folder is listed but is no error here (``futurecity pull`` checks what a
    build needs)."""
    from futurecity import config
    from futurecity.data import registry

    folder = config.snapshots_dir()
    rows = [source_status(src) for src in registry.sources().values()]
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(text_table([{"id": r["id"], "api": r["api"], "snapshot": r["snapshot"], "vintages": len(r["vintages"]),
                           "newest vintage": r["latest_vintage"] or "-", "licence": r["licence"]} for r in rows]))
    code = EXIT_OK
    if folder is not None and not folder.is_dir():
        say("data unavailable", f"the snapshot folder {folder} named by FUTURECITY_SNAPSHOTS does not exist, so "
            "no pinned snapshot can be read. To fix: set FUTURECITY_SNAPSHOTS to the folder of pinned snapshots "
            f"(in this project's layout: {config.shared_data_dir()}), or download the public copies into it "
            f"with `futurecity pull --snapshots {folder}`")
        code = EXIT_DATA
    changed = [r["id"] for r in rows if r["snapshot"] == "hash mismatch"]
    if changed:
        say("data invalid", f"the pinned snapshots of {', '.join(changed)} no longer match their sha256 in "
            "data/sources.yml and will not be loaded. Restore the original files, or register the new ones.")
        code = EXIT_DATA
    for status, fix in (("unreadable", "make them readable by this user (chmod a+r)"),
                        ("not a file", "put the files themselves there")):
        bad = [f"{r['id']} ({r['snapshot_file']})" for r in rows if r["snapshot"] == status]
        if bad:
            say("data unavailable", f"the pinned snapshots of {', '.join(bad)} are {status} and will not be "
                f"loaded. To fix: {fix}.")
            code = EXIT_DATA
    return code


def _check(srcs) -> int:
    """Without ``--live``: say what each source has; exit 2 if one has neither a good snapshot nor a vintage.
    A source registered without a snapshot (live only) and with no vintage yet is listed, with the pull that
    brings it, but is no failure: what it feeds says "needs live data" until it is pulled."""
    from futurecity.data import store

    failed = 0
    for src in srcs:
        st = source_status(src)
        print(f"{src.id}: snapshot {st['snapshot']}; {len(st['vintages'])} cached vintage(s)"
              + (f", newest {st['latest_vintage']}" if st["latest_vintage"] else "")
              + (f" (`futurecity pull {src.id} --live` brings it)" if src.snapshot is None and not st["vintages"]
                 else ""))
        if src.snapshot is None:
            continue
        if st["snapshot"] != "ok" and not st["vintages"]:
            failed += 1
            say("data unavailable", str(DataUnavailable(
                src.id, st["snapshot_file"] or store.origin_url(src),
                f"no verified pinned snapshot (status: {st['snapshot']}) and no cached vintage in "
                f"{store.vintages_dir(src)}.",
                store.remedy(src))))
    return EXIT_DATA if failed else EXIT_OK


def report_unreachable(failures: list) -> None:
    """Say once that the network is unreachable, with each URL tried once (``failures``: NetworkUnreachable)."""
    why = "; ".join(dict.fromkeys(f.why for f in failures))
    say("network unreachable", f"no connection could be made for {len(failures)} source(s) ({why}); nothing was "
        "retried and nothing stored was changed. Check the network and run the command again, or point the "
        "sources at a working copy (FUTURECITY_URL_<ID> for an API, FUTURECITY_MIRROR for the snapshots). "
        "Tried:")
    for f in failures:
        print(f"  source '{f.source}': {f.url}", file=sys.stderr)


def _report_failures(failures: list) -> None:
    from futurecity.errors import NetworkUnreachable

    for exc in failures:
        if not isinstance(exc, NetworkUnreachable):
            say("data unavailable", str(exc))
    unreachable = [f for f in failures if isinstance(f, NetworkUnreachable)]
    if unreachable:
        report_unreachable(unreachable)


def _pull_live(srcs) -> int:
    from tqdm import tqdm

    from futurecity.data import vintages
    from futurecity.data.http import session

    http, failures = session(), []
    for src in tqdm(srcs, desc="futurecity pull", unit="source", file=sys.stderr, disable=None):
        try:
            m = vintages.pull(src, http=http)
        except DataUnavailable as exc:
            failures.append(exc)
            continue
        news = "unchanged, newest vintage" if m.get("unchanged") else "new vintage"
        print(f"{src.id}: {news} {m['vintage']} ({m['bytes']:,} bytes, {m.get('rows', '?')} rows) from {m['url']}")
    _report_failures(failures)
    return EXIT_DATA if failures else EXIT_OK


def _pull_snapshots(dest: str, ids: list[str]) -> int:
    """Download the public copies of the snapshots into ``dest`` and report what was fetched, what was already
    there, what was refused and which snapshots are derived (with their original and transform)."""
    from pathlib import Path

    from tqdm import tqdm

    from futurecity import config
    from futurecity.data import registry, snapshots

    folder = (Path(dest).expanduser().resolve() if dest else config.snapshots_dir()
              or config.downloaded_snapshots_dir())
    print(f"Snapshots: {folder}")
    report = snapshots.fetch(folder, ids or None, progress=lambda items: tqdm(
        items, desc="futurecity pull --snapshots", unit="file", file=sys.stderr, disable=None))
    for sid in report.present:
        print(f"{sid}: present, sha256 verified: {registry.get(sid).snapshot.file}")
    for sid in report.fetched:
        snap = registry.get(sid).snapshot
        print(f"{sid}: fetched, sha256 verified: {snap.file} from {snap.url()}")
    for sid, exc in report.refused.items():
        what = "not reached" if sid in report.unreachable else "refused"
        print(f"{sid}: {what}, nothing written: {registry.get(sid).snapshot.file} (see below)")
    for sid in report.derived:
        snap = registry.get(sid).snapshot
        print(f"{sid}: derived, not fetched: {snap.file}; original {snap.derived_from}; transform: {snap.transform}")
    _report_failures(list(report.refused.values()))
    got = len(report.present) + len(report.fetched)
    print(f"{got} snapshot(s) verified in {folder}, {len(report.refused)} refused, {len(report.derived)} derived "
          "(not downloadable: chapters that need them pull live where the source has an API, or stop naming it). "
          f"Use them with: export FUTURECITY_SNAPSHOTS={folder}")
    return EXIT_DATA if report.refused else EXIT_OK


def cmd_pull(args) -> int:
    """``futurecity pull [SOURCE ...] [--live] [--snapshots [DIR]]``: with ``--snapshots`` download the public
    copies of the pinned snapshots (:mod:`futurecity.data.snapshots`); with ``--live`` pull each source (default:
    every source with a live API) with one session, a progress bar on stderr when it is a terminal; with neither,
    only check what is there. Every failure is reported, and a network that cannot be reached is said once, with
    each URL tried; exit 0 when all went well, 2 when a source could not be pulled or has no data."""
    from futurecity.data import registry

    if args.snapshots is not None:
        code = _pull_snapshots(args.snapshots, args.sources)
        if not args.live:
            return code
    else:
        code = EXIT_OK
    ids = args.sources or [s.id for s in registry.sources().values() if s.live is not None]
    srcs = [registry.get(i) for i in ids]
    if not args.live:
        return _check(srcs)
    return max(code, _pull_live(srcs))


# --- claims -----------------------------------------------------------------------------------------------

def cmd_claims(args) -> int:
    """``futurecity claims [--json]``: every claim of the ledger evaluated (every topic is loaded, so every
    measure is registered), with its robustness over the specifications of its choices
    (:mod:`futurecity.claims.robustness`), as a table or as JSON. A claim that needs live data is listed with the
    reason and the pull that brings it. Data that cannot be read (a missing or changed snapshot, an unknown
    vintage) stop the command with exit 2."""
    from futurecity import topics
    from futurecity.claims import evaluate, ledger, robustness
    from futurecity.claims.measures import Inputs

    topics.load_all()
    inputs = Inputs(vintage=args.vintage, live=args.live)
    claims = ledger.ledger()
    results = robustness.attach(evaluate.evaluate(inputs, claims=claims), claims, inputs)
    if args.json:
        print(json.dumps(results, indent=2, ensure_ascii=False))
        return EXIT_OK
    print(text_table([{"id": r["id"], "status": r["status"],
                       "paper": "" if r["paper_value"] is None else f"{r['paper_value']:g}",
                       "value": "" if r["value"] is None else f"{r['value']:g}", "unit": r["unit"][:40],
                       "vintage": r["vintage"] or "-",
                       "rule holds in": (f"{r['robustness']['holds']}/{r['robustness']['judged']}"
                                         if r["robustness"]["judged"] else "-")} for r in results]))
    needs = [r for r in results if r["status"] == "needs live data"]
    if needs:
        print("\nNeeds live data:")
        for r in needs:
            print(f"- {r['id']}: {r['note']}")
    return EXIT_OK


def cmd_build(args) -> int:
    """``futurecity build``: see :mod:`futurecity.book.build`; ``--check-reproducible``: see
    :mod:`futurecity.book.reproducible`."""
    if args.check_reproducible:
        from futurecity.book import reproducible

        return reproducible.cmd_check(args)
    from futurecity.book import build

    return build.cmd_build(args)


COMMANDS = {"build": cmd_build, "sources": cmd_sources, "pull": cmd_pull, "claims": cmd_claims}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if getattr(args, "cache", None):
        os.environ["FUTURECITY_CACHE"] = os.path.abspath(args.cache)
    try:
        from futurecity.data.access import check_environment

        check_environment()
        return COMMANDS[args.command](args)
    except BadInput as exc:
        say("bad input", str(exc))
        return EXIT_DATA
    except DataUnavailable as exc:
        say("data unavailable", str(exc))
        return EXIT_DATA
    except KeyboardInterrupt:
        say("interrupted", "stopped by the user")
        return EXIT_FAILED
    except Exception as exc:  # a readable paragraph, not a traceback
        say("error", f"{type(exc).__name__}: {exc}")
        return EXIT_FAILED


if __name__ == "__main__":
    raise SystemExit(main())
