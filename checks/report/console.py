"""The rich console report (``report.html`` is rendered by ``html.py``).

Seed text is always passed to rich as :class:`rich.text.Text`, never as markup, so
``[...]`` in a seed is shown as it is.
"""

from __future__ import annotations

from typing import Any, Callable

from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from ..model import CATEGORIES, SEVERITIES
from .lazy import severity_counts

SEV_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
MAX_FINDINGS = 150

# Extra sections (e.g. duplicate clusters): functions of the report dict that return a
# renderable or None. Check modules append to this list.
SECTIONS: list[Callable[[dict[str, Any]], RenderableType | None]] = []


def summary_table(report: dict[str, Any]) -> Table:
    s = report["summary"]
    t = Table(title="seedcheck summary", box=box.SIMPLE_HEAVY, show_header=True)
    t.add_column("category")
    for sev in SEVERITIES:
        t.add_column(sev, justify="right", style=SEV_STYLE[sev])
    counts = severity_counts(report["findings"], CATEGORIES, SEVERITIES)[0]
    for c in CATEGORIES:
        t.add_row(c, *[str(counts[(c, sv)]) for sv in SEVERITIES])
    return t


def totals_line(report: dict[str, Any]) -> Text:
    s = report["summary"]
    return Text(
        f"{s['files']} files, {s['files_failed']} failed; {s['findings']} findings "
        f"({s['baselined']} baselined); fail on {s.get('fail_on', 'error')}; "
        f"{s['duration_s']:.2f} s", style="bold")


def _finding_block(f: dict[str, Any], line_text: str | None) -> Text:
    out = Text()
    out.append(f"{f['path']}:{f['line']}:{f['column']} ", style="bold")
    out.append(f"{f['severity']:<7} ", style=SEV_STYLE[f["severity"]])
    out.append(f["check"], style="magenta")
    if f.get("baselined"):
        out.append(" (baselined)", style="dim")
    out.append("\n    ")
    out.append(f["message"])
    if line_text is not None:
        out.append("\n    │ ", style="dim")
        start = f["column"] - 1
        end = f["end_column"] - 1 if f["end_line"] == f["line"] else len(line_text)
        shown = line_text
        lo = max(0, start - 40)
        hi = min(len(shown), max(end, start + 1) + 40)
        if lo > 0:
            out.append("…", style="dim")
        out.append(shown[lo:start])
        out.append(shown[start:end] or " ", style="reverse red")
        out.append(shown[end:hi])
        if hi < len(shown):
            out.append("…", style="dim")
        if f["end_line"] != f["line"]:
            out.append(f"  (to line {f['end_line']})", style="dim")
    fix = f.get("fix")
    if fix is not None:
        out.append("\n    fix: ", style="green")
        rep = fix["replacement"]
        out.append("delete" if rep == "" else f"replace with {rep[:60]!r}", style="green")
        out.append(" (safe)" if fix["safe"] else " (needs review)", style="dim")
    if f.get("related"):
        r = f["related"][0]
        more = f" and {len(f['related']) - 1} more" if len(f["related"]) > 1 else ""
        out.append(f"\n    see: {r['path']}:{r['line']}-{r['end_line']}{more}", style="blue")
    return out


def render(report: dict[str, Any], line_lookup: Callable[[str, int], str | None] | None = None,
           max_findings: int = MAX_FINDINGS) -> Group:
    parts: list[RenderableType] = [summary_table(report), totals_line(report)]
    findings = report["findings"]
    shown = 0
    current = None
    for f in findings:
        if shown >= max_findings:
            parts.append(Text(
                f"… {len(findings) - shown} more findings not shown here: see report.md "
                "or report.json in the report folder", style="bold yellow"))
            break
        if f["path"] != current:
            current = f["path"]
            parts.append(Text(f"\n{current}", style="bold underline"))
        line = line_lookup(f["path"], f["line"]) if line_lookup else None
        parts.append(_finding_block(f, line))
        shown += 1
    stale = report.get("stale_baseline") or []
    if stale:
        parts.append(Text(f"\n{len(stale)} baseline entries match no finding any more "
                          "(run pytest --update-baseline to drop them):", style="yellow"))
        for e in stale[:20]:
            parts.append(Text(f"  {e.get('path')} {e.get('check')} {e.get('excerpt', '')!s}"))
    for section in SECTIONS:
        try:
            r = section(report)
        except Exception as exc:  # one broken section must not cost the whole report
            r = Text(f"\n(report section {getattr(section, '__name__', section)!s} failed: "
                     f"{type(exc).__name__}: {exc})", style="red")
        if r is not None:
            parts.append(r)
    if not findings:
        parts.append(Text("No findings.", style="bold green"))
    return Group(*parts)


def to_ansi(report: dict[str, Any], *, width: int = 100, color: bool = True,
            line_lookup=None) -> str:
    console = Console(width=width, force_terminal=color, no_color=not color,
                      record=False, highlight=False, soft_wrap=False, color_system="standard"
                      if color else None)
    with console.capture() as cap:
        console.print(render(report, line_lookup))
    return cap.get()

