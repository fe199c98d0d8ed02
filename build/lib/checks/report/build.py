"""Assemble ``report.json`` (see REPORT_SCHEMA.md) from findings and file records."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from .. import TOOL_NAME, __version__
from ..model import CATEGORIES, SEVERITIES, Finding, fails

SCHEMA = "seed-report/1"


def file_status(record: dict, findings: list[Finding], fail_on: str = "error") -> str:
    if record.get("unreadable"):
        return "unreadable"
    if any(f.severity == "error" and not f.baselined for f in findings):
        return "fail"
    return "pass"


def build_report(files: list[dict], findings: list[Finding], *, seeds_dir: str,
                 duration_s: float, fail_on: str = "error",
                 stale_baseline: list[dict] | None = None,
                 extra: dict[str, Any] | None = None) -> dict[str, Any]:
    findings = sorted(findings, key=Finding.sort_key)
    by_path: dict[str, list[Finding]] = {}
    for f in findings:
        by_path.setdefault(f.path, []).append(f)
    file_rows = []
    for rec in sorted(files, key=lambda r: r["path"]):
        row = {k: rec[k] for k in ("path", "sha256", "chars", "lines")}
        row["status"] = file_status(rec, by_path.get(rec["path"], []), fail_on)
        file_rows.append(row)
    by_sev = {s: 0 for s in SEVERITIES}
    by_cat = {c: 0 for c in CATEGORIES}
    for f in findings:
        by_sev[f.severity] += 1
        by_cat[f.category] += 1
    report: dict[str, Any] = {
        "schema": SCHEMA,
        "tool": {"name": TOOL_NAME, "version": __version__},
        "generated_at": _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat(),
        "seeds_dir": seeds_dir,
        "summary": {
            "files": len(file_rows),
            "files_failed": sum(1 for r in file_rows if r["status"] != "pass"),
            "findings": len(findings),
            "by_severity": by_sev,
            "by_category": by_cat,
            "baselined": sum(1 for f in findings if f.baselined),
            "failing": sum(1 for f in findings if fails(f.severity, fail_on) and not f.baselined),
            "fail_on": fail_on,
            "duration_s": round(duration_s, 3),
        },
        "files": file_rows,
        "findings": [f.to_dict() for f in findings],
    }
    if stale_baseline is not None:
        report["stale_baseline"] = stale_baseline
    if extra:
        report.update(extra)
    return report
