"""Write the four report files atomically: every file is rendered and written to a
temporary file before any report file is replaced, so a run that fails or is interrupted
while writing leaves the previous reports whole (and of one run)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from . import fastjson
from .html import to_html
from .files import atomic_write_many
from .markdown import to_markdown
from .sarif import to_sarif

REPORT_FILES = ("report.json", "report.md", "report.sarif", "report.html")


def dump_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


class ReportError(OSError):
    """A report could not be rendered (a bug in a renderer): reported like a folder that
    cannot be written, and the previous reports are left as they were."""


def _render(name: str, func, *args) -> str:
    try:
        return func(*args)
    except Exception as exc:
        raise ReportError(f"rendering {name} failed: {type(exc).__name__}: {exc}") from exc


def write_reports(out_dir: Path, report: dict[str, Any], seeds_root: Path,
                  line_lookup=None, base_uri: str | None = None) -> list[Path]:
    """``base_uri``: the SARIF base of the seeds' paths (default: the folder's file URI;
    a URL for seeds read from object storage)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rendered = {
        "report.json": _render("report.json", dump_json, report),
        "report.md": _render("report.md", to_markdown, report),
        "report.sarif": _render("report.sarif", lambda: fastjson.dumps(
            to_sarif(report, base_uri or seeds_root.resolve().as_uri() + "/")) + "\n"),
        "report.html": _render("report.html", to_html, report, seeds_root),
    }
    written = [out_dir / name for name in REPORT_FILES]
    atomic_write_many([(path, rendered[path.name].encode("utf-8")) for path in written])
    return written
