"""The pre-commit hook (``.pre-commit-hooks.yaml``, entry ``seedcheck-pre-commit``).

pre-commit passes the staged ``*.txt`` files. The whole seeds folder is checked (corpus
checks need every seed: a staged file may duplicate one that is not staged), with the
usual cache so unchanged seeds cost little; the hook then fails on the findings, at or
above the fail level and not baselined, that sit in a staged file, and prints them as
``path:line:column check message``. Findings elsewhere are counted, not failed on: they
are not this commit's doing.

    seedcheck-pre-commit [--seeds DIR] [--report-dir OUT] [--fail-on LEVEL] FILE...
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from .model import SEVERITIES, fails


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="seedcheck-pre-commit",
                                description="Check the seeds folder; fail on the findings "
                                            "in the given (staged) files.")
    p.add_argument("files", nargs="*", metavar="FILE")
    p.add_argument("--seeds", metavar="DIR", default=None,
                   help="the seeds folder (default: the `seeds` ini setting of "
                        "pyproject.toml)")
    p.add_argument("--report-dir", metavar="OUT", default=None,
                   help="where the reports go (default: as configured, else reports)")
    p.add_argument("--fail-on", choices=SEVERITIES, default=None)
    args = p.parse_args(argv)
    cmd = [sys.executable, "-m", "pytest", "-q", "--no-header"]
    if args.seeds:
        cmd += ["--seeds", args.seeds]
    out = Path(args.report_dir or os.environ.get("SEEDCHECK_REPORT_DIR", "reports"))
    cmd += ["--report-dir", str(out)]
    if args.fail_on:
        cmd += ["--fail-on", args.fail_on]
    run = subprocess.run(cmd, capture_output=True, text=True)
    report_path = out / "report.json"
    if run.returncode not in (0, 1) or not report_path.is_file():
        sys.stderr.write(run.stdout[-4000:] + run.stderr[-4000:])
        print(f"seedcheck-pre-commit: the check run failed (exit {run.returncode}); "
              f"command: {' '.join(cmd)}", file=sys.stderr)
        return 2
    report = json.loads(report_path.read_text(encoding="utf-8"))
    root = Path(report["seeds_dir"]).resolve()
    staged = set()
    for name in args.files:
        try:
            staged.add(Path(name).resolve().relative_to(root).as_posix())
        except ValueError:
            continue  # not a seed of this folder
    level = args.fail_on or report["summary"].get("fail_on", "error")
    bad = [f for f in report["findings"] if f["path"] in staged
           and fails(f["severity"], level) and not f.get("baselined")]
    for f in bad:
        print(f"{root.name}/{f['path']}:{f['line']}:{f['column']}: {f['check']} {f['message']}")
    others = sum(1 for f in report["findings"] if f["path"] not in staged
                 and fails(f["severity"], level) and not f.get("baselined"))
    if bad or others:
        print(f"seedcheck: {len(bad)} finding(s) in the {len(staged)} staged seed(s); "
              f"{others} more in other seeds (not failing this commit); "
              f"full report: {out / 'report.html'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
