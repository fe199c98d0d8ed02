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


# -- report.md stays small ---------------------------------------------------------------------

def test_markdown_lists_worst_files_first_and_counts_the_rest():
    fs = [finding(1, path="b.txt", severity="warning", fingerprint="b1"),
          finding(1, path="c.txt", fingerprint="c1"), finding(2, path="c.txt", fingerprint="c2"),
          finding(1, path="a.txt", severity="info", fingerprint="a1")]
    files = [{"path": p, "sha256": "0" * 64, "chars": 10, "lines": 2}
             for p in ("a.txt", "b.txt", "c.txt")]
    md = to_markdown(build_report(files, fs, seeds_dir="/s", duration_s=0.5))
    heads = [ln for ln in md.splitlines() if ln.startswith("### ")]
    assert heads == ["### `c.txt` (fail, 2 findings)", "### `b.txt` (pass, 1 findings)",
                     "### `a.txt` (pass, 1 findings)"]
    assert "| `format.header` | 2 | 1 | 1 |" in md
    # a small budget: the worst file fits, the others are counted
    md = to_markdown(build_report(files, fs, seeds_dir="/s", duration_s=0.5), limit=3_000)
    assert [ln for ln in md.splitlines() if ln.startswith("### ")] == [
        "### `c.txt` (fail, 2 findings)"]
    assert "2 more files with 2 findings not listed here (0 error, 1 warning, 1 info)." in md


def test_markdown_lists_the_worst_files_of_many_in_order():
    """More files than the list holds (MAX_FILES): the first MAX_FILES of the files
    sorted worst first, ties by path, whichever order they come in."""
    from checks.report import markdown

    fs = []
    for i in range(markdown.MAX_FILES + 40):
        path = f"{(i * 7919) % 1000:04d}.txt"  # not in path order
        # errors 0-2, warnings 0-1: many ties, broken by the path
        fs += [finding(1 + k, path=path, fingerprint=f"{path}e{k}") for k in range(i % 3)]
        fs += [finding(9, path=path, severity="warning", fingerprint=f"{path}w")] \
            if i % 2 or not i % 3 else []
    files = [{"path": p, "sha256": "0" * 64, "chars": 10, "lines": 2}
             for p in sorted({f.path for f in fs})]
    md = to_markdown(build_report(files, fs, seeds_dir="/s", duration_s=0.5),
                     limit=10_000_000)
    listed = [ln.split("`")[1] for ln in md.splitlines() if ln.startswith("### ")]
    counts: dict[str, list[int]] = {}
    for f in fs:
        c = counts.setdefault(f.path, [0, 0])
        c[0 if f.severity == "error" else 1] += 1
    expect = sorted(counts, key=lambda p: (-counts[p][0], -counts[p][1], p))
    assert len(listed) == markdown.MAX_FILES
    assert listed == expect[:markdown.MAX_FILES]
    assert listed[0] < listed[1] and counts[listed[0]] == [2, 1]


def test_markdown_stays_under_one_mib_for_a_huge_report():
    long = "很长的说明" * 400
    fs = [finding(i % 50 + 1, path=f"{i // 50:05d}.txt", excerpt=long, message=long,
                  fingerprint=f"x{i}") for i in range(60_000)]
    files = [{"path": f"{i:05d}.txt", "sha256": "0" * 64, "chars": 10, "lines": 2}
             for i in range(1200)]
    md = to_markdown(build_report(files, fs, seeds_dir="/s", duration_s=0.5))
    assert len(md.encode("utf-8")) < 1_048_576
    assert md.rstrip().endswith("`report.sarif` (code scanning).")
    assert "more files with" in md


# -- report files follow the umask ---------------------------------------------------------------

def test_report_files_follow_the_umask(tmp_path):
    import os
    import stat

    from checks.report.writer import write_reports

    rep = report_of([finding(1)])
    for mask, want in ((0o022, 0o644), (0o077, 0o600), (0o002, 0o664)):
        out = tmp_path / f"out{mask:o}"
        old = os.umask(mask)
        try:
            written = write_reports(out, rep, tmp_path)
        finally:
            os.umask(old)
        assert [stat.S_IMODE(p.stat().st_mode) for p in written] == [want] * 4, mask
        assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


# -- report.sarif against the SARIF 2.1.0 schema ----------------------------------------------

def test_sarif_validates_against_the_sarif_2_1_0_schema(tmp_path):
    import json
    from pathlib import Path

    import jsonschema

    from checks.report.sarif import to_sarif

    schema = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json")
                        .read_text(encoding="utf-8"))
    f = finding(3, fix=Fix("", True, 0, 4), related=[Location("b.txt", 10, 1, 20, 5)],
                baselined=True)
    sarif = to_sarif(report_of([f, finding(4, severity="info", fingerprint="x")]),
                     tmp_path.as_uri() + "/")
    jsonschema.Draft4Validator.check_schema(schema)
    errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(sarif), key=str)
    assert errors == []
    # the validator does catch a broken log
    sarif["runs"][0]["results"][0]["level"] = "fatal"
    assert list(jsonschema.Draft4Validator(schema).iter_errors(sarif))


# -- report.html (the page itself is tested in a browser: test_report_browser.py) -------------

HOSTILE = "</script><script>alert(1)</script></textarea>{{ 7*7 }}{% if 1 %}javascript:x\u2028"


def test_html_embeds_seed_text_as_escaped_json(tmp_path):
    from checks.report.html import embed_json, embedded_data, to_html

    assert "<" not in embed_json({"x": HOSTILE}) and "\u2028" not in embed_json(HOSTILE)
    f = finding(1, excerpt=HOSTILE, message=HOSTILE)
    page = to_html(report_of([f]))
    assert "</script><script>alert(1)" not in page and "</textarea>" not in page
    assert page.count("<script") == 3
    # the only copies of the text are inside the JSON block
    assert "7*7" not in page.split('id="seedcheck-data">')[0]
    data = embedded_data(page)
    assert data["findings"][0][7] == HOSTILE
    assert data["findings"][0][11] == [[1, "", HOSTILE, ""]]  # no seeds folder: the excerpt


def test_html_compresses_a_large_payload_and_keeps_it_whole(tmp_path):
    from checks.report.html import embedded_data, to_html

    rep = report_of([finding(i) for i in range(1, 50)])
    small = to_html(rep)
    packed = to_html(rep, compress_above=0)
    assert '"encoding": "json"' in small and '"encoding": "deflate-raw+base64"' in packed
    assert embedded_data(small) == embedded_data(packed)


def test_html_shows_context_and_fix_diff_from_the_seed(tmp_path):
    from checks.report.html import _payload, _Seeds

    (tmp_path / "a.txt").write_text("2020-07-26\n\n第一行\n实缋突出的干部\n第三行\n",
                                    encoding="utf-8")
    text = (tmp_path / "a.txt").read_text(encoding="utf-8")
    start = text.index("实缋")
    f = finding(4, column=1, end_column=3, excerpt="实缋", fix=Fix("实绩", True, None, None),
                start=start, end=start + 2)
    data = _payload(report_of([f]), _Seeds(tmp_path, None))
    row = data["findings"][0]
    assert row[11] == [[2, "", "", ""], [3, "", "", "第一行"], [4, "", "实缋", "突出的干部"],
                       [5, "", "", "第三行"], [6, "", "", ""]]
    assert row[9] == ["实绩", 1, [["-", 4, "实", "缋", "突出的干部"],
                                  ["+", 4, "实", "绩", "突出的干部"]]]


def test_html_tightens_the_context_when_the_data_would_be_too_large(tmp_path):
    from checks.report.html import embedded_data, to_html

    line = "很长的一行正文，" * 100
    (tmp_path / "a.txt").write_text("2020-07-26\n\n" + "\n".join([line] * 60) + "\n",
                                    encoding="utf-8")
    starts = [12 + i * (len(line) + 1) + 400 for i in range(50)]
    rep = report_of([finding(i + 3, column=401, end_column=403, start=s, end=s + 2,
                             fingerprint=f"x{i}") for i, s in enumerate(starts)])
    roomy = embedded_data(to_html(rep, tmp_path))["findings"][0][11]
    tight = embedded_data(to_html(rep, tmp_path, max_data=1))["findings"][0][11]
    assert len(roomy) == 5 and len(tight) == 1  # 2 lines either side, then none
    assert len("".join(roomy[2][1:])) == 202 and len("".join(tight[0][1:])) == 32


def test_html_summary_lists_failing_files_and_stale_baseline_entries():
    from checks.report.html import to_html

    rep = report_of([finding(1), finding(2, severity="warning", baselined=True)])
    rep["stale_baseline"] = [{"path": "gone.txt", "check": "typo.known-misspelling",
                              "excerpt": "<b>实缋</b>"}]
    page = to_html(rep)
    assert '<li><a href="#file=a.txt">a.txt</a> <span class="status">fail</span></li>' in page
    assert ("<tr><td>gone.txt</td><td><code>typo.known-misspelling</code></td>"
            "<td>&lt;b&gt;实缋&lt;/b&gt;</td></tr>") in page
    assert "2 findings (1 baselined, 1 stale baseline entries)" in page
    assert "python -m pytest --seeds /s --update-baseline" in page
