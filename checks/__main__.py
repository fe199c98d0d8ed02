"""The command line: ``python -m checks <command>`` (also installed as ``seedcheck``).

Commands:
  fix   show (and with --write apply) the checks' fixes to seed files
  doc   print or update the README table of checks
  explain CHECK-ID   print a check's documentation (list: every check)

The checks themselves run under pytest: ``python -m pytest --seeds DIR``.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys


def _parser() -> argparse.ArgumentParser:
    from . import fixer

    parser = argparse.ArgumentParser(
        prog="python -m checks",
        description="seedcheck commands (the checks themselves run under pytest: "
                    "python -m pytest --seeds DIR)")
    from . import TOOL_NAME, __version__

    parser.add_argument("--version", action="version", version=f"{TOOL_NAME} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    fix = sub.add_parser(
        "fix", help="show, and with --write apply, the checks' fixes to seed files",
        description="Run the checks on seed files and show a unified diff of the fixes "
                    "they ask for; --write applies them (safe fixes only unless "
                    "--unsafe) and logs every change so it can be undone. Exit codes: "
                    "0 nothing to fix or all applied, 1 findings need review (or fixes "
                    "are pending in a dry run), 2 usage or I/O error.")
    fixer.add_arguments(fix)
    sub.add_parser("doc", help="print or update the README table of checks "
                               "(python -m checks doc --help)", add_help=False)
    sub.add_parser("explain", help="print a check's documentation: python -m checks "
                                   "explain CHECK-ID", add_help=False)
    sub.add_parser("list", help="list every check with its severity and scope",
                   add_help=False)
    return parser


def run_doc(argv: list[str]) -> int:
    if importlib.util.find_spec("checks.docs") is None:
        print("error: the doc command is not available: the module checks.docs "
              "(the README table renderer) is not installed", file=sys.stderr)
        return 2
    docs = importlib.import_module("checks.docs")
    return int(docs.main(argv) or 0)


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:  # output piped into head & co.
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 1


def _main(argv: list[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "doc":
        try:
            return run_doc(argv[1:])
        except SystemExit as exc:  # argparse inside the doc command
            return _code(exc)
    if argv and argv[0] in ("explain", "list"):
        from . import explain

        return explain.main(argv)
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return _code(exc)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    from . import fixer

    return fixer.run_safely(args)


def _code(exc: SystemExit) -> int:
    if exc.code is None:
        return 0
    return exc.code if isinstance(exc.code, int) else 2


if __name__ == "__main__":
    sys.exit(main())
