"""The ``futurecity`` command: build the book, list and pull sources, evaluate the claims ledger.

Exit codes: 0 success; 2 data unavailable or invalid; 1 anything else (for ``build``: a chapter failed).
Errors are printed as one readable paragraph, not a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap

from futurecity.store import DataUnavailable

EXIT_OK, EXIT_FAIL, EXIT_DATA = 0, 1, 2


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


def _say(kind: str, message: str) -> None:
    print(textwrap.fill(f"futurecity: {kind}: {message}", width=110), file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if getattr(args, "cache", None):
        os.environ["FUTURECITY_CACHE"] = os.path.abspath(args.cache)
    try:
        if args.command == "build":
            from futurecity.build import cmd_build as run
        elif args.command in ("sources", "pull"):
            from futurecity import fetch

            run = fetch.cmd_sources if args.command == "sources" else fetch.cmd_pull
        else:
            from futurecity.claims import cmd_claims as run
        return run(args)
    except DataUnavailable as exc:
        _say("data unavailable", str(exc))
        return EXIT_DATA
    except KeyboardInterrupt:
        _say("interrupted", "stopped by the user")
        return EXIT_FAIL
    except Exception as exc:  # a readable paragraph, not a traceback
        _say("error", f"{type(exc).__name__}: {exc}")
        return EXIT_FAIL


if __name__ == "__main__":
    raise SystemExit(main())
