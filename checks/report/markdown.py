"""``report.md``: short enough for a CI step summary."""

from __future__ import annotations

from typing import Any

from ..model import CATEGORIES, SEVERITIES

MAX_ROWS = 500


def _cell(text: str) -> str:
    text = " ".join(str(text).split())
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(
        ">", "&gt;").replace("`", "'")


def to_markdown(report: dict[str, Any]) -> str:
    s = report["summary"]
    out = ["# seedcheck report", ""]
    out.append(f"{s['files']} files checked, {s['files_failed']} failed; "
               f"{s['findings']} findings ({s['baselined']} baselined); "
               f"fails on `{s.get('fail_on', 'error')}`; {s['duration_s']:.2f} s.")
    out += ["", "| category | " + " | ".join(SEVERITIES) + " |",
            "| --- |" + " ---: |" * len(SEVERITIES)]
    counts = {(c, v): 0 for c in CATEGORIES for v in SEVERITIES}
    for f in report["findings"]:
        counts[(f["category"], f["severity"])] += 1
    for c in CATEGORIES:
        out.append(f"| {c} | " + " | ".join(str(counts[(c, v)]) for v in SEVERITIES) + " |")
    failed = [r for r in report["files"] if r["status"] != "pass"]
    if failed:
        out += ["", "## Files that fail", ""]
        out += [f"- `{_cell(r['path'])}` ({r['status']})" for r in failed[:200]]
    if report["findings"]:
        out += ["", "## Findings", "",
                "| location | severity | check | excerpt | message | fix |",
                "| --- | --- | --- | --- | --- | --- |"]
        for f in report["findings"][:MAX_ROWS]:
            fix = f.get("fix")
            fix_s = "" if fix is None else ("delete" if fix["replacement"] == ""
                                            else _cell(fix["replacement"][:40]))
            if fix is not None:
                fix_s += " (safe)" if fix["safe"] else " (review)"
            sev = f["severity"] + (" (baselined)" if f.get("baselined") else "")
            out.append(f"| `{_cell(f['path'])}:{f['line']}:{f['column']}` | {sev} | "
                       f"`{f['check']}` | {_cell(f['excerpt'][:60])} | {_cell(f['message'])} "
                       f"| {fix_s} |")
        if len(report["findings"]) > MAX_ROWS:
            out.append(f"\n{len(report['findings']) - MAX_ROWS} more findings: see "
                       "`report.json`.")
    stale = report.get("stale_baseline") or []
    if stale:
        out += ["", f"{len(stale)} baseline entries match no finding any more."]
    return "\n".join(out) + "\n"
