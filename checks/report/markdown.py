"""``report.md``: fits a CI step summary (GitHub's limit is 1 MiB) whatever the corpus.

The counts first (category x severity, then by check), then the worst files, each with
its findings, until the byte budget is spent; then how many files and findings are not
listed, by severity, and where the full reports are.
"""

from __future__ import annotations

import heapq
from typing import Any

from ..model import CATEGORIES, SEVERITIES
from .lazy import Summary, findings_view, part_dicts, severity_counts

LIMIT_BYTES = 1_000_000  # under 1 MiB (1,048,576) with room for the closing lines
PER_FILE = 20  # findings listed per file
MAX_FILES = 300
MESSAGE_CHARS = 300


def _cell(text: str, limit: int | None = None) -> str:
    text = " ".join(str(text).split())
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(
        ">", "&gt;").replace("`", "'")


def _rank(sm: Summary) -> tuple:
    """Worst first: most failing findings (errors not baselined), then errors, warnings,
    infos."""
    e = w = i = 0
    for _cat, sev, _check, k in sm.counts:
        if sev == "error":
            e -= k
        elif sev == "warning":
            w -= k
        elif sev == "info":
            i -= k
    return (-sm.unbaselined.get("error", 0), e, w, i)


def _finding_row(f: dict) -> str:
    fix = f.get("fix")
    fix_s = "" if fix is None else ("delete" if fix["replacement"] == ""
                                    else _cell(fix["replacement"], 40))
    if fix is not None:
        fix_s += " (safe)" if fix["safe"] else " (review)"
    sev = f["severity"] + (" (baselined)" if f.get("baselined") else "")
    return (f"| {f['line']}:{f['column']} | {sev} | `{f['check']}` | "
            f"{_cell(f['excerpt'], 60)} | {_cell(f['message'], MESSAGE_CHARS)} | {fix_s} |")


def to_markdown(report: dict[str, Any], limit: int = LIMIT_BYTES) -> str:
    s = report["summary"]
    out = ["# seedcheck report", ""]
    out.append(f"{s['files']} files checked, {s['files_failed']} failed; "
               f"{s['findings']} findings ({s['baselined']} baselined); "
               f"fails on `{s.get('fail_on', 'error')}`; {s['duration_s']:.2f} s.")
    out += ["", "| category | " + " | ".join(SEVERITIES) + " |",
            "| --- |" + " ---: |" * len(SEVERITIES)]
    # (counted from each file's summary: only the files listed are read)
    view = findings_view(report["findings"])
    counts, by_check = severity_counts(view, CATEGORIES, SEVERITIES)
    by_path: dict[str, tuple[Summary, Any]] = {
        path: (sm, part) for path, sm, part in zip(view.paths(), view.summaries(), view.parts)
        if sm.n}
    for c in CATEGORIES:
        out.append(f"| {c} | " + " | ".join(str(counts[(c, v)]) for v in SEVERITIES) + " |")
    if by_check:
        out += ["", "| check | " + " | ".join(SEVERITIES) + " |",
                "| --- |" + " ---: |" * len(SEVERITIES)]
        for check, n in sorted(by_check.items(), key=lambda kv: (-sum(kv[1].values()), kv[0])):
            out.append(f"| `{check}` | " + " | ".join(str(n[v]) for v in SEVERITIES) + " |")
    status = {r["path"]: r["status"] for r in report.get("files", [])}
    # (only the first MAX_FILES are listed: the worst of 50,000 files without sorting
    # them all; the path breaks ties, so these are the sorted list's first)
    worst = heapq.nsmallest(MAX_FILES, ((_rank(sm), p) for p, (sm, _part) in by_path.items()))
    worst = [p for _rank_, p in worst]
    totals = {v: sum(counts[(c, v)] for c in CATEGORIES) for v in SEVERITIES}
    tail = _tail(report, [], by_path, totals)
    size = len("\n".join(out).encode("utf-8")) + len(tail.encode("utf-8")) + 2_000
    listed: list[str] = []
    if worst:
        out += ["", "## Worst files", ""]
    for path in worst[:MAX_FILES]:
        fs = part_dicts(by_path[path][1])
        block = ["", f"### `{_cell(path)}` ({status.get(path, '')}, {len(fs)} findings)", "",
                 "| line:col | severity | check | excerpt | message | fix |",
                 "| --- | --- | --- | --- | --- | --- |"]
        block += [_finding_row(f) for f in fs[:PER_FILE]]
        if len(fs) > PER_FILE:
            block.append(f"\n{len(fs) - PER_FILE} more findings in this file.")
        cost = len("\n".join(block).encode("utf-8")) + 1
        if size + cost > limit:
            break
        out += block
        size += cost
        listed.append(path)
    failing_unreadable = [r for r in report.get("files", []) if r["status"] == "unreadable"
                          and r["path"] not in by_path]
    if failing_unreadable:
        out += ["", f"{len(failing_unreadable)} unreadable files without findings."]
    out.append(_tail(report, listed, by_path, totals))
    return "\n".join(out) + "\n"


def _tail(report: dict[str, Any], listed: list[str], by_path: dict[str, tuple],
          totals: dict[str, int]) -> str:
    """``totals``: the report's findings by severity (those of the files not listed are
    what the listed files leave of them)."""
    rest = len(by_path) - len(listed)
    lines = [""]
    if rest:
        n = dict(totals)
        for p in listed:
            for _cat, sev, _check, k in by_path[p][0].counts:
                n[sev] -= k
        total = sum(n.values())
        lines.append(f"{rest} more files with {total} findings not listed here ("
                     + ", ".join(f"{n[v]} {v}" for v in SEVERITIES) + ").")
    stale = report.get("stale_baseline") or []
    if stale:
        lines.append(f"{len(stale)} baseline entries match no finding any more "
                     "(`--update-baseline` drops them).")
    lines.append("Full reports beside this file: `report.html` (open it in a browser: "
                 "filters, every finding in its text, duplicates and figures side by side), "
                 "`report.json` (every finding), `report.sarif` (code scanning).")
    return "\n".join(lines)
