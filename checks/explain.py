"""``python -m checks explain CHECK-ID`` and ``python -m checks list``: a check's
documentation from its docstring sections (as ``ruff rule`` prints a rule's)."""

from __future__ import annotations

import argparse
import difflib
import json
import shutil
import sys

from . import registry


def _doc(spec: registry.CheckSpec) -> dict:
    return {"id": spec.id, "category": spec.category, "severity": spec.severity,
            "scope": spec.scope, "version": spec.version,
            "sections": {t: spec.section(t) for t in registry.SECTIONS}}


def explain_text(spec: registry.CheckSpec) -> str:
    out = [f"# {spec.id}", "",
           f"Default severity: {spec.severity}. Scope: "
           + ("one file at a time" if spec.scope == "file" else "the whole corpus")
           + f". Version {spec.version}.", ""]
    for title in registry.SECTIONS:
        body = spec.section(title)
        out += [f"## {title}", "", body or "(not documented)", ""]
    out += ["## Configuration", "",
            f'Severity: [tool.seedcheck.severity] "{spec.id}" = "warning"',
            f'Turn off: [tool.seedcheck] ignore = ["{spec.id}"]',
            f'Options: [tool.seedcheck.checks."{spec.id}"] (see the docs/ page of the '
            f"{spec.category} checks)", ""]
    return "\n".join(out)


def _unknown(check_id: str) -> int:
    ids = [c.id for c in registry.all_checks()]
    near = difflib.get_close_matches(check_id, ids, n=3, cutoff=0.5)
    near += [i for i in ids if i.startswith(check_id.rstrip(".") + ".") and i not in near]
    hint = f"; did you mean {', '.join(near[:8])}?" if near else ""
    print(f"error: no check {check_id!r}{hint} (python -m checks list shows them all)",
          file=sys.stderr)
    return 2


def main_explain(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m checks explain",
                                description="Print a check's documentation: what it flags, "
                                            "why it matters, an example and the fix.")
    p.add_argument("check", metavar="CHECK-ID", nargs="+", help="e.g. typo.known-misspelling")
    p.add_argument("--format", choices=("text", "json"), default="text")
    args = p.parse_args(argv)
    registry.load_builtin()
    specs = []
    for check_id in args.check:
        try:
            specs.append(registry.get_check(check_id))
        except KeyError:
            return _unknown(check_id)
    if args.format == "json":
        data = [_doc(s) for s in specs]
        print(json.dumps(data[0] if len(data) == 1 else data, ensure_ascii=False, indent=2))
    else:
        print("\n".join(explain_text(s) for s in specs).rstrip("\n"))
    return 0


def main_list(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m checks list",
                                description="List every check with its severity, scope and "
                                            "what it flags.")
    p.add_argument("--format", choices=("text", "json"), default="text")
    args = p.parse_args(argv)
    specs = registry.all_checks()
    if args.format == "json":
        print(json.dumps([_doc(s) for s in specs], ensure_ascii=False, indent=2))
        return 0
    # on a terminal one line a check; piped, the whole summary
    width = shutil.get_terminal_size((100, 20)).columns if sys.stdout.isatty() else None
    idw = max(len(s.id) for s in specs)
    for s in specs:
        head = f"{s.id:<{idw}}  {s.severity:<7}  {s.scope:<6}  "
        summary = s.summary
        if width is not None:
            room = max(20, (width - len(head)) // 2)  # CJK characters are two columns wide
            summary = summary if len(summary) <= room else summary[: room - 1] + "…"
        print(head + summary)
    return 0


def main(argv: list[str]) -> int:
    """``argv`` starts with ``explain`` or ``list``."""
    try:
        if argv[0] == "explain":
            return main_explain(argv[1:])
        return main_list(argv[1:])
    except SystemExit as exc:  # argparse: --help or a usage error
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
