"""Renderers: console cut-off, Markdown escaping, the JSON contract's shape."""

from __future__ import annotations

from checks.model import Finding, Fix, Location
from checks.report.build import build_report
from checks.report.console import to_ansi
from checks.report.markdown import to_markdown


def finding(i: int, **kw) -> Finding:
    base = dict(check="format.header", category="format", severity="error", path="a.txt",
                line=i, column=1, end_line=i, end_column=3, excerpt="标题",
                message="line 1 should be the capture date", fix=None, related=[],
                fingerprint=f"format.header:a.txt:{i:08x}")
    base.update(kw)
    return Finding(**base)


def report_of(findings):
    files = [{"path": "a.txt", "sha256": "0" * 64, "chars": 10, "lines": 2}]
    return build_report(files, findings, seeds_dir="/s", duration_s=0.5)


def test_console_report_is_cut_with_a_pointer_to_report_md():
    text = to_ansi(report_of([finding(i) for i in range(1, 400)]), color=False)
    assert "249 more findings not shown here: see report.md" in text


def test_console_shows_fix_and_related():
    f = finding(3, fix=Fix("", True, 0, 4), related=[Location("b.txt", 10, 1, 20, 5)])
    text = to_ansi(report_of([f]), color=False, line_lookup=lambda p, n: "标题在这里")
    assert "fix: delete (safe)" in text
    assert "see: b.txt:10-20" in text
    assert "a.txt:3:1 error   format.header" in text


def test_markdown_escapes_pipes_and_tags():
    f = finding(1, excerpt="a|b<p>", message="x | y")
    md = to_markdown(report_of([f]))
    assert "a\\|b&lt;p&gt;" in md and "x \\| y" in md


def test_report_counts_and_status():
    rep = report_of([finding(1), finding(2, severity="warning"), finding(3, baselined=True)])
    s = rep["summary"]
    assert s["by_severity"] == {"error": 2, "warning": 1, "info": 0}
    assert s["baselined"] == 1 and s["failing"] == 1
    assert rep["files"][0]["status"] == "fail"
    assert [f["line"] for f in rep["findings"]] == [1, 2, 3]
    assert rep["findings"][0]["fix"] is None
