"""Assemble ``report.json`` (see REPORT_SCHEMA.md) from findings and file records."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from .. import TOOL_NAME, __version__
from ..model import CATEGORIES, SEVERITIES, Finding, failing_severities
from .lazy import Findings, dict_sort_key  # noqa: F401  (dict_sort_key: re-exported)

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
    return build_report_dicts(files, [f.to_dict() for f in findings], seeds_dir=seeds_dir,
                              duration_s=duration_s, fail_on=fail_on,
                              stale_baseline=stale_baseline, extra=extra)


def build_report_dicts(files: list[dict], findings: list[dict], *, seeds_dir: str,
                       duration_s: float, fail_on: str = "error",
                       stale_baseline: list[dict] | None = None,
                       extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """:func:`build_report` of findings already in their reported form (each exactly
    ``Finding.to_dict()`` of itself; any order): the same report, without making
    ``Finding`` objects of them. The dicts become the report's (not copied). Findings
    given as a :class:`~checks.report.lazy.Findings` (one part a path, in path order,
    each sorted: ``SessionPlugin._report_findings``) stay one, counted from its parts'
    summaries."""
    if isinstance(findings, Findings):
        view = findings
    else:
        findings = sorted(findings, key=dict_sort_key)
        view = Findings.from_dicts(findings)
    # (counted from each path's summary: the runs of a Findings are not read)
    sums = view.summaries()
    failed = {path for path, sm in zip(view.paths(), sums) if sm.unbaselined.get("error")}
    file_rows = []
    for rec in sorted(files, key=lambda r: r["path"]):
        row = {k: rec[k] for k in ("path", "sha256", "chars", "lines")}
        if rec.get("unreadable"):
            row["status"] = "unreadable"
        else:
            row["status"] = "fail" if rec["path"] in failed else "pass"
        file_rows.append(row)
    by_sev = {s: 0 for s in SEVERITIES}
    by_cat = {c: 0 for c in CATEGORIES}
    for (cat, sev, _check), n in view.totals().items():
        by_sev[sev] += n
        by_cat[cat] += n
    failing = failing_severities(fail_on)
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
            "baselined": sum(sm.baselined for sm in sums),
            "failing": sum(sm.failing(failing) for sm in sums),
            "fail_on": fail_on,
            "duration_s": round(duration_s, 3),
        },
        "files": file_rows,
        "findings": findings,
    }
    if stale_baseline is not None:
        report["stale_baseline"] = stale_baseline
    if extra:
        report.update(extra)
    return report
