"""Write the four report files atomically: every file is rendered and written to a
temporary file before any report file is replaced, so a run that fails or is interrupted
while writing leaves the previous reports whole (and of one run)."""

from __future__ import annotations

import hashlib
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


PARALLEL_MIN = 1_000  # from this many findings the four reports render side by side

_JOB: dict[str, Any] = {}  # what a forked renderer inherits (nothing is pickled)


def _render_one(name: str) -> str:
    report, seeds_root, _line_lookup, base_uri = _JOB["args"]
    if name == "report.json":
        return _render(name, dump_json, report)
    if name == "report.md":
        return _render(name, to_markdown, report)
    if name == "report.sarif":
        return _render(name, lambda: fastjson.dumps(
            to_sarif(report, base_uri or seeds_root.resolve().as_uri() + "/")) + "\n")
    return _render(name, to_html, report, seeds_root)


def _render_all(report: dict[str, Any], seeds_root: Path, line_lookup,
                base_uri: str | None = None) -> dict[str, str]:
    """The four reports' text. A large report is rendered by forked processes, one
    report each on as many CPUs as there are (the renderers are pure Python: about
    1 s each at 30,000 findings); elsewhere, or when that fails, one after the other."""
    _JOB["args"] = (report, seeds_root, line_lookup, base_uri)
    try:
        if len(report.get("findings", ())) >= PARALLEL_MIN:
            import multiprocessing
            import os

            cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") \
                else (os.cpu_count() or 1)
            if cpus > 1 and "fork" in multiprocessing.get_all_start_methods():
                try:
                    ctx = multiprocessing.get_context("fork")
                    with ctx.Pool(min(cpus, len(REPORT_FILES))) as pool:
                        texts = pool.map(_render_one, REPORT_FILES, chunksize=1)
                    return dict(zip(REPORT_FILES, texts))
                except ReportError:
                    raise
                except (OSError, RuntimeError):
                    pass  # no processes to be had: render here
        return {name: _render_one(name) for name in REPORT_FILES}
    finally:
        _JOB.clear()


def write_reports(out_dir: Path, report: dict[str, Any], seeds_root: Path,
                  line_lookup=None, base_uri: str | None = None) -> list[Path]:
    """``base_uri``: the SARIF base of the seeds' paths (default: the folder's file URI;
    a URL for seeds read from object storage)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rendered = _render_all(report, seeds_root, line_lookup, base_uri)
    written = [out_dir / name for name in REPORT_FILES]
    atomic_write_many([(path, rendered[path.name].encode("utf-8")) for path in written])
    return written


# -- writing only what changed -----------------------------------------------------------------

VOLATILE = ("generated_at",)  # top-level fields that change every run
VOLATILE_SUMMARY = ("duration_s",)


def report_digest(report: dict[str, Any]) -> str:
    """A hash of the report's content, leaving out when it was made and how long it
    took: two runs with the same digest write the same reports but for those fields."""
    core = {k: v for k, v in report.items() if k not in VOLATILE}
    core["summary"] = {k: v for k, v in report.get("summary", {}).items()
                       if k not in VOLATILE_SUMMARY}
    blob = json.dumps(core, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def file_stamps(out_dir: Path) -> dict[str, list[int]] | None:
    """{report file: [size, mtime_ns]}, or None when one of the four is missing."""
    out: dict[str, list[int]] = {}
    for name in REPORT_FILES:
        try:
            st = (out_dir / name).stat()
        except OSError:
            return None
        out[name] = [st.st_size, st.st_mtime_ns]
    return out


def reports_current(out_dir: Path, digest: str, recorded: dict | None) -> bool:
    """True when the four reports in ``out_dir`` are the ones written for ``digest``
    and nobody has touched them since (same size and modification time)."""
    if not recorded or recorded.get("digest") != digest:
        return False
    return file_stamps(out_dir) == recorded.get("files")
