"""End-to-end: the pytest plugin on folders of seeds (pytester)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import RAW_SAMPLE

FINDING_KEYS = {"check", "category", "severity", "path", "line", "column", "end_line",
                "end_column", "excerpt", "message", "fix", "related", "fingerprint",
                "baselined"}
CLEAN = "2020-07-26\n\n标题\n\n正文第一段，内容完整。\n"


def make_seeds(root: Path, files: dict[str, bytes | str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            content = content.encode("utf-8")
        p.write_bytes(content)
    return root


def load_report(out: Path) -> dict:
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


def test_plugin_idle_without_seeds_option(pytester):
    make_seeds(pytester.path / "seeds", {"a.txt": ""})
    pytester.makepyfile(test_x="def test_ok():\n    assert True\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert not (pytester.path / "reports").exists()


def test_sample_empty_and_binary_from_another_directory(pytester, tmp_path):
    seeds = make_seeds(tmp_path / "corpus", {
        "000_12dde9c38bb7d0aa.txt": RAW_SAMPLE.read_bytes(),
        "empty.txt": b"",
        "image.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(200)),
    })
    out = tmp_path / "out"
    # pytester's working directory is neither the project nor the seeds' parent.
    result = pytester.runpytest_subprocess("--seeds", str(seeds), "--report-dir", str(out),
                                           "-p", "no:cacheprovider")
    assert result.ret == 1
    text = result.stdout.str() + result.stderr.str()
    assert "Traceback" not in text and "INTERNALERROR" not in text
    assert sorted(p.name for p in out.iterdir()) == [
        "report.html", "report.json", "report.md", "report.sarif"]
    report = load_report(out)
    assert report["schema"] == "seed-report/1"
    assert [f["path"] for f in report["files"]] == [
        "000_12dde9c38bb7d0aa.txt", "empty.txt", "image.txt"]
    by_path = {}
    for f in report["findings"]:
        by_path.setdefault(f["path"], []).append(f)
        assert FINDING_KEYS <= set(f)
    assert [(f["check"], f["line"], f["column"]) for f in by_path["empty.txt"]] == [
        ("format.empty-file", 1, 1)]
    assert [f["check"] for f in by_path["image.txt"]] == ["format.binary-file"]
    status = {f["path"]: f["status"] for f in report["files"]}
    assert status["empty.txt"] == "fail"
    assert status["image.txt"] == "unreadable"
    assert "empty.txt:1:1 format.empty-file" in text


def test_report_summary_and_order(pytester):
    seeds = make_seeds(pytester.path / "s", {
        "b.txt": "2020-07-26\n\n第二篇文章的正文",
        "a.txt": "\ufeff2020-07-26\n\n第一篇文章的正文",
        "c.txt": "标题\n第三篇文章的正文",
    })
    result = pytester.runpytest("--seeds", str(seeds), "--report-dir", "out",
                                "-p", "no:cacheprovider")
    assert result.ret == 1
    report = load_report(pytester.path / "out")
    s = report["summary"]
    assert s["files"] == 3 and s["files_failed"] == 1
    assert s["by_category"] == {"duplicate": 0, "typo": 0, "figure": 0, "chrome": 0,
                                "format": s["findings"]}
    checks = [(f["path"], f["line"], f["check"], f["severity"]) for f in report["findings"]
              if f["category"] == "format"]
    assert checks == [("a.txt", 1, "format.bom", "warning"),
                      ("c.txt", 1, "format.header", "error")]
    keys = [(f["path"], f["line"], f["column"], f["check"]) for f in report["findings"]]
    assert keys == sorted(keys)


def test_fail_on_warning_cli_and_ini(pytester):
    seeds = make_seeds(pytester.path / "s", {"a.txt": "\ufeff" + CLEAN})
    assert pytester.runpytest("--seeds", str(seeds), "-p", "no:cacheprovider").ret == 0
    r = pytester.runpytest("--seeds", str(seeds), "--fail-on", "warning",
                           "-p", "no:cacheprovider")
    assert r.ret == 1
    r.stdout.fnmatch_lines(["*a.txt:1:1 format.bom *"])
    pytester.makeini("[pytest]\nseedcheck_fail_on = warning\n")
    assert pytester.runpytest("--seeds", str(seeds), "-p", "no:cacheprovider").ret == 1


def test_collect_only_writes_no_reports(pytester):
    seeds = make_seeds(pytester.path / "s", {"a.txt": CLEAN, "sub/b.txt": CLEAN})
    result = pytester.runpytest("--seeds", str(seeds), "--report-dir", "out",
                                "--collect-only", "-q", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*s::a.txt", "*s::sub/b.txt"])
    assert not (pytester.path / "out").exists()


def test_k_selects_one_seed_and_lf_reruns_failures(pytester):
    seeds = make_seeds(pytester.path / "s", {"good.txt": CLEAN, "bad.txt": "no header"})
    r = pytester.runpytest("--seeds", str(seeds), "-k", "good")
    r.assert_outcomes(passed=1, deselected=r.parseoutcomes().get("deselected", 0))
    assert r.parseoutcomes()["passed"] == 1
    r = pytester.runpytest("--seeds", str(seeds))
    assert r.parseoutcomes()["failed"] == 1
    r = pytester.runpytest("--seeds", str(seeds), "--lf")
    assert r.parseoutcomes()["failed"] == 1
    assert "passed" not in r.parseoutcomes()


def test_x_stops_after_first_failing_seed(pytester):
    seeds = make_seeds(pytester.path / "s", {"a.txt": "x", "b.txt": "y", "c.txt": CLEAN})
    r = pytester.runpytest("--seeds", str(seeds), "-x", "-p", "no:cacheprovider")
    assert r.parseoutcomes()["failed"] == 1


def test_missing_seeds_folder_is_a_usage_error(pytester):
    r = pytester.runpytest_subprocess("--seeds", "nowhere", "-p", "no:cacheprovider")
    assert r.ret == pytest.ExitCode.USAGE_ERROR
    assert "--seeds nowhere: the seeds folder does not exist" in r.stderr.str()
    assert "Traceback" not in r.stderr.str() + r.stdout.str()


def test_unwritable_report_folder_is_reported(pytester):
    seeds = make_seeds(pytester.path / "s", {"a.txt": CLEAN})
    blocker = pytester.path / "out"
    blocker.write_text("a file where the report folder should be")
    r = pytester.runpytest_subprocess("--seeds", str(seeds), "--report-dir", str(blocker),
                                      "-p", "no:cacheprovider")
    out = r.stdout.str() + r.stderr.str()
    assert r.ret == 1
    assert "seedcheck: ERROR: cannot write reports to" in out
    assert "Traceback" not in out


def test_xdist_gives_same_findings_as_serial(pytester, tmp_path):
    seeds = make_seeds(tmp_path / "s", {
        "a.txt": RAW_SAMPLE.read_bytes(), "b.txt": "\ufeff" + CLEAN, "c.txt": "x",
        "d/e.txt": CLEAN, "f.txt": b"",
    })
    r1 = pytester.runpytest_subprocess("--seeds", str(seeds), "--report-dir",
                                       str(tmp_path / "o1"), "-p", "no:cacheprovider")
    r2 = pytester.runpytest_subprocess("--seeds", str(seeds), "--report-dir",
                                       str(tmp_path / "o2"), "-n", "2",
                                       "-p", "no:cacheprovider")
    assert r1.ret == r2.ret == 1
    a, b = load_report(tmp_path / "o1"), load_report(tmp_path / "o2")
    assert a["findings"] == b["findings"]
    assert a["files"] == b["files"]
    for k in ("generated_at",):
        a.pop(k), b.pop(k)
    a["summary"].pop("duration_s"), b["summary"].pop("duration_s")
    assert a == b


def test_runs_are_byte_identical_apart_from_time(pytester, tmp_path):
    seeds = make_seeds(tmp_path / "s", {"a.txt": RAW_SAMPLE.read_bytes(), "c.txt": "x"})
    outs = []
    for name in ("o1", "o2"):
        pytester.runpytest("--seeds", str(seeds), "--report-dir", str(tmp_path / name),
                           "-p", "no:cacheprovider")
        text = (tmp_path / name / "report.json").read_text(encoding="utf-8")
        lines = [ln for ln in text.splitlines()
                 if '"generated_at"' not in ln and '"duration_s"' not in ln]
        outs.append(lines)
    assert outs[0] == outs[1]


def test_rich_markup_in_seed_text_is_shown_literally(pytester):
    seeds = make_seeds(pytester.path / "s", {
        "a.txt": "[bold]标题[/bold] <script>alert(1)</script>\n正文"})
    pytester.runpytest("--seeds", str(seeds), "--report-dir", "out", "-p", "no:cacheprovider")
    html = (pytester.path / "out" / "report.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in html
    # the findings travel as escaped JSON inside the page; the text is kept as it is
    from checks.report.html import embedded_data
    shown = json.dumps(embedded_data(html)["findings"], ensure_ascii=False)
    assert "[bold]标题[/bold] <script>alert(1)</script>" in shown
    md = (pytester.path / "out" / "report.md").read_text(encoding="utf-8")
    assert "<script>" not in md


def test_sarif_results_carry_regions_and_fingerprints(pytester):
    seeds = make_seeds(pytester.path / "s", {"a.txt": "标题\n正文"})
    pytester.runpytest("--seeds", str(seeds), "--report-dir", "out", "-p", "no:cacheprovider")
    sarif = json.loads((pytester.path / "out" / "report.sarif").read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert "format.header" in rule_ids
    assert all(r["help"]["text"] for r in run["tool"]["driver"]["rules"])
    res = run["results"][0]
    assert res["ruleId"] == "format.header" and res["level"] == "error"
    region = res["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"], region["endColumn"]) == (1, 1, 3)
    assert res["partialFingerprints"]["seedcheck/v1"].startswith("format.header:a.txt:")


def test_empty_seeds_folder_passes_with_a_clear_line_and_reports(pytester):
    (pytester.path / "empty").mkdir()
    r = pytester.runpytest("--seeds", "empty", "--report-dir", "out", "-p", "no:cacheprovider")
    assert r.ret == 0
    r.stdout.fnmatch_lines(["seedcheck: no seed files (*.txt) under *empty"])
    report = load_report(pytester.path / "out")
    assert report["summary"]["files"] == 0 and report["findings"] == []


def test_a_crashing_check_is_a_finding_not_a_traceback(pytester, monkeypatch):
    from checks import registry

    spec = registry.get_check("format.header")

    def boom(seed, ctx):
        raise IndexError("list index out of range")

    monkeypatch.setattr(spec, "func", boom)
    seeds = make_seeds(pytester.path / "s", {"a.txt": "\ufeff" + CLEAN})
    r = pytester.runpytest("--seeds", str(seeds), "--report-dir", "out", "-p", "no:cacheprovider")
    assert r.ret == 1
    out = r.stdout.str()
    assert "Traceback" not in out
    report = load_report(pytester.path / "out")
    crash = [f for f in report["findings"] if f["check"] == "format.check-crashed"]
    assert [(f["path"], f["line"], f["column"]) for f in crash] == [("a.txt", 1, 1)]
    assert "the check format.header crashed on this seed (IndexError: list index out of " \
           "range)" in crash[0]["message"]
    # the other checks still ran
    assert [f["check"] for f in report["findings"] if f["check"] == "format.bom"] == [
        "format.bom"]


def test_a_crashing_corpus_check_fails_its_item_with_one_clear_message(pytester, monkeypatch):
    from checks import registry

    spec = next(s for s in registry.all_checks() if s.scope == "corpus")

    def boom(corpus, ctx):
        raise ValueError("bad state")
        yield  # pragma: no cover

    monkeypatch.setattr(spec, "func", boom)
    seeds = make_seeds(pytester.path / "s", {"a.txt": CLEAN})
    r = pytester.runpytest("--seeds", str(seeds), "-p", "no:cacheprovider")
    out = r.stdout.str()
    assert r.ret == 1
    assert f"the corpus check {spec.id} crashed (ValueError: bad state)" in out
    assert "Traceback" not in out


def test_the_heap_is_frozen_at_exit_once_a_process(monkeypatch):
    """The interpreter's final garbage collections would walk a large run's heap
    (~1.4 s at 10,000 seeds): a seedcheck run registers gc.freeze to run at exit, once."""
    import atexit
    import gc

    from checks import plugin as plugin_mod

    calls = []
    monkeypatch.setattr(atexit, "register", lambda f, *a, **k: calls.append(f))
    monkeypatch.setattr(plugin_mod, "_FREEZE_REGISTERED", False)
    plugin_mod._skip_final_collections()
    plugin_mod._skip_final_collections()
    assert calls == [gc.freeze]
