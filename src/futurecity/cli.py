"""The ``futurecity`` command: build the book, list and pull sources, evaluate the claims ledger.

Exit codes (:mod:`futurecity.errors`): 0 success; 2 data unavailable or invalid; 1 anything else (for ``build``:
a chapter failed). Errors are printed as one readable paragraph, not a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from futurecity.errors import EXIT_DATA, EXIT_FAILED, EXIT_OK, DataUnavailable, say


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="futurecity", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="execute every chapter with papermill, then build the HTML book")
    b.add_argument("--live", action="store_true", help="pull live data before executing (needs a network)")
    b.add_argument("--vintage", default=None,
                   help="'pinned' (snapshots), 'latest' (newest live vintage) or a vintage id; default: pinned "
                        "when FUTURECITY_SNAPSHOTS is set, else latest with --live")
    b.add_argument("--jobs", type=int, default=None, help="chapters executed in parallel (default: cores)")
    b.add_argument("--no-html", action="store_true", help="execute the chapters only")
    b.add_argument("--project", default=None, help="project folder (default: this checkout)")

    s = sub.add_parser("sources", help="list registered sources, their snapshot status and cached vintages")
    s.add_argument("--json", action="store_true", help="print a JSON list")
    s.add_argument("--cache", default=None, help="cache folder (default: FUTURECITY_CACHE or .cache/)")

    u = sub.add_parser("pull", help="pull sources from their live APIs (--live) or check what is there")
    u.add_argument("sources", nargs="*", help="source ids (default: all with a live API)")
    u.add_argument("--live", action="store_true", help="call the live APIs")
    u.add_argument("--cache", default=None, help="cache folder (default: FUTURECITY_CACHE or .cache/)")

    c = sub.add_parser("claims", help="evaluate the claims ledger against the data")
    c.add_argument("--json", action="store_true", help="print a JSON list")
    c.add_argument("--vintage", default="pinned", help="vintage to evaluate on (default: pinned)")
    c.add_argument("--live", action="store_true", help="pull live data first")
    return p


# --- sources and pulls ------------------------------------------------------------------------------------

def source_status(src) -> dict:
    """What the store holds for ``src``: snapshot status (ok / missing / hash mismatch) and cached vintages."""
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
    licence. Exit 2 when a snapshot's sha256 no longer matches the registry (it would not be loaded), else 0;
    a missing snapshot is listed but is no error here (``futurecity pull`` checks what a build needs)."""
    from futurecity.data import registry

    rows = [source_status(src) for src in registry.sources().values()]
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(text_table([{"id": r["id"], "api": r["api"], "snapshot": r["snapshot"], "vintages": len(r["vintages"]),
                           "newest vintage": r["latest_vintage"] or "-", "licence": r["licence"]} for r in rows]))
    changed = [r["id"] for r in rows if r["snapshot"] == "hash mismatch"]
    if changed:
        say("data invalid", f"the pinned snapshots of {', '.join(changed)} no longer match their sha256 in "
            "data/sources.yml and will not be loaded. Restore the original files, or register the new ones.")
        return EXIT_DATA
    return EXIT_OK


def _check(srcs) -> int:
    """Without ``--live``: say what each source has; exit 2 if one has neither a good snapshot nor a vintage."""
    from futurecity.data import store

    failed = 0
    for src in srcs:
        st = source_status(src)
        print(f"{src.id}: snapshot {st['snapshot']}; {len(st['vintages'])} cached vintage(s)"
              + (f", newest {st['latest_vintage']}" if st["latest_vintage"] else ""))
        if st["snapshot"] != "ok" and not st["vintages"]:
            failed += 1
            say("data unavailable", str(DataUnavailable(
                src.id, st["snapshot_file"] or store.origin_url(src),
                f"no verified pinned snapshot (status: {st['snapshot']}) and no cached vintage in "
                f"{store.vintages_dir(src)}.",
                store.remedy(src))))
    return EXIT_DATA if failed else EXIT_OK


def cmd_pull(args) -> int:
    """``futurecity pull [SOURCE ...] [--live]``: with ``--live`` pull each source (default: every source with a
    live API) with one session, a progress bar on stderr when it is a terminal; without it only check what is
    there. Every failure is reported; exit 0 when all went well, 2 when a source could not be pulled or has
    no data."""
    from tqdm import tqdm

    from futurecity.data import registry, vintages
    from futurecity.data.http import session

    ids = args.sources or [s.id for s in registry.sources().values() if s.live is not None]
    srcs = [registry.get(i) for i in ids]
    if not args.live:
        return _check(srcs)
    http, failed = session(), 0
    for src in tqdm(srcs, desc="futurecity pull", unit="source", file=sys.stderr, disable=None):
        try:
            m = vintages.pull(src, http=http)
        except DataUnavailable as exc:
            failed += 1
            say("data unavailable", str(exc))
            continue
        news = "unchanged, newest vintage" if m.get("unchanged") else "new vintage"
        print(f"{src.id}: {news} {m['vintage']} ({m['bytes']:,} bytes, {m.get('rows', '?')} rows) from {m['url']}")
    return EXIT_DATA if failed else EXIT_OK


# --- claims -----------------------------------------------------------------------------------------------

def cmd_claims(args) -> int:
    """``futurecity claims [--json]``: every claim of the ledger evaluated (every topic is loaded, so every
    measure is registered), as a table or as JSON. A claim that needs live data is listed with the reason and
    the pull that brings it. Data that cannot be read (a missing or changed snapshot, an unknown vintage) stop
    the command with exit 2."""
    from futurecity import topics
    from futurecity.claims import evaluate
    from futurecity.claims.measures import Inputs

    topics.load_all()
    results = evaluate.evaluate(Inputs(vintage=args.vintage, live=args.live))
    if args.json:
        print(json.dumps(results, indent=2, ensure_ascii=False))
        return EXIT_OK
    print(text_table([{"id": r["id"], "status": r["status"],
                       "paper": "" if r["paper_value"] is None else f"{r['paper_value']:g}",
                       "value": "" if r["value"] is None else f"{r['value']:g}", "unit": r["unit"][:40],
                       "vintage": r["vintage"] or "-"} for r in results]))
    needs = [r for r in results if r["status"] == "needs live data"]
    if needs:
        print("\nNeeds live data:")
        for r in needs:
            print(f"- {r['id']}: {r['note']}")
    return EXIT_OK


def cmd_build(args) -> int:
    """``futurecity build``: see :mod:`futurecity.book.build`."""
    from futurecity.book import build

    return build.cmd_build(args)


COMMANDS = {"build": cmd_build, "sources": cmd_sources, "pull": cmd_pull, "claims": cmd_claims}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if getattr(args, "cache", None):
        os.environ["FUTURECITY_CACHE"] = os.path.abspath(args.cache)
    try:
        return COMMANDS[args.command](args)
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
