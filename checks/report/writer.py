"""Write the four report files, each atomically."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .console import to_html
from .files import atomic_write_text
from .markdown import to_markdown
from .sarif import to_sarif

REPORT_FILES = ("report.json", "report.md", "report.sarif", "report.html")


def dump_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def write_reports(out_dir: Path, report: dict[str, Any], seeds_root: Path,
                  line_lookup=None) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    rendered = {
        "report.json": dump_json(report),
        "report.md": to_markdown(report),
        "report.sarif": dump_json(to_sarif(report, seeds_root.resolve().as_uri() + "/")),
        "report.html": to_html(report, line_lookup),
    }
    written = []
    for name in REPORT_FILES:
        path = out_dir / name
        atomic_write_text(path, rendered[name])
        written.append(path)
    return written
