"""Baseline, configuration, fingerprints, the header check."""

from __future__ import annotations

import json

import pytest

from checks import baseline as bl
from checks.config import Config, ConfigError, from_table, load
from checks.engine import check_seed
from checks.seed import seed_from_text
from test_plugin import CLEAN, load_report, make_seeds


def header_findings(text):
    return [(f.line, f.column, f.end_column, f.fix.replacement if f.fix else None)
            for f in check_seed(seed_from_text(text), Config()) if f.check == "format.header"]


@pytest.mark.parametrize("text,expected", [
    ("标题\n正文", [(1, 1, 3, None)]),
    ("2020/07/26\n\n正文", [(1, 1, 11, None)]),
    ("2020-02-30\n\n正文", [(1, 1, 11, None)]),
    ("2020-07-26\n标题\n正文", [(2, 1, 3, "\n标题")]),
    (" 2020-07-26\n\n正文", [(1, 1, 12, "2020-07-26")]),
])
def test_header_must_fire(text, expected):
    assert header_findings(text) == expected


@pytest.mark.parametrize("text", [CLEAN, "2020-07-26\n\n正文", "2020-07-26\r\n\r\n正文",
                                  "2020-07-26", "2020-07-26\n   \n正文"])
def test_header_must_not_fire(text):
    assert header_findings(text) == []


def test_fingerprint_survives_lines_inserted_elsewhere():
    a = seed_from_text("标题\n正文")
    b = seed_from_text("标题\n新增一行\n正文")
    fa = [f.fingerprint for f in check_seed(a, Config())]
    fb = [f.fingerprint for f in check_seed(b, Config())]
    assert fa == fb and fa
    assert ":" in fa[0] and fa[0].startswith("format.header:test.txt:")


def test_config_select_ignore_per_file_and_severity():
    cfg = from_table({"ignore": ["format.header"]})
    assert not cfg.enabled("format.header") and cfg.enabled("format.bom")
    cfg = from_table({"select": ["typo"]})
    assert cfg.enabled("typo.x") and not cfg.enabled("format.header")
    cfg = from_table({"per-file-ignores": {"old/*.txt": ["format"]}})
    assert not cfg.enabled("format.header", "old/a.txt")
    assert cfg.enabled("format.header", "new/a.txt")
    cfg = from_table({"severity": {"format.header": "info"}})
    f = check_seed(seed_from_text("x"), cfg)[0]
    assert f.severity == "info"


@pytest.mark.parametrize("table,message", [
    ({"fail_on": "fatal"}, "fail_on = 'fatal'"),
    ({"severity": {"format.header": "loud"}}, "format.header = 'loud'"),
    ({"max_file_bytes": -1}, "max_file_bytes = -1"),
    ({"selekt": ["x"]}, "unknown setting 'selekt'"),
    ({"ignore": [1]}, "ignore = [1]"),
])
def test_broken_config_values_name_the_setting(table, message):
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        from_table(table)


def test_per_check_option_type_is_enforced():
    cfg = from_table({"checks": {"duplicate.repeated-body": {"min_chars": "many"}}})
    with pytest.raises(ConfigError, match="min_chars"):
        cfg.opt("duplicate.repeated-body", "min_chars", 200)
    assert Config().opt("duplicate.repeated-body", "min_chars", 200) == 200


def test_unparsable_pyproject_is_a_config_error(tmp_path):
    p = tmp_path / "pyproject.toml"
    p.write_text("[tool.seedcheck\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="cannot read configuration"):
        load(p)


def test_broken_config_is_a_usage_error_in_pytest(pytester):
    make_seeds(pytester.path / "s", {"a.txt": CLEAN})
    pytester.makepyprojecttoml('[tool.seedcheck]\nfail_on = "loud"\n')
    r = pytester.runpytest_subprocess("--seeds", "s", "-p", "no:cacheprovider")
    assert r.ret == pytest.ExitCode.USAGE_ERROR
    assert "fail_on = 'loud'" in r.stderr.str()
    assert "Traceback" not in r.stderr.str()


def test_baseline_accepts_then_reports_stale_entries(pytester):
    seeds = make_seeds(pytester.path / "s", {"a.txt": "标题\n正文", "b.txt": CLEAN})
    args = ["--seeds", str(seeds), "--report-dir", "out", "-p", "no:cacheprovider"]
    assert pytester.runpytest(*args).ret == 1
    r = pytester.runpytest(*args, "--update-baseline")
    assert r.ret == 0
    data = json.loads((seeds / bl.FILENAME).read_text(encoding="utf-8"))
    assert [(e["check"], e["path"]) for e in data["entries"]] == [("format.header", "a.txt")]
    r = pytester.runpytest(*args)
    assert r.ret == 0
    report = load_report(pytester.path / "out")
    assert report["summary"]["baselined"] == 1
    assert report["findings"][0]["baselined"] is True
    assert report["files"][0]["status"] == "pass"
    (seeds / "a.txt").write_text("2020-07-26\n\n另一篇文章。\n", encoding="utf-8")
    r = pytester.runpytest(*args)
    assert r.ret == 0
    report = load_report(pytester.path / "out")
    assert [e["path"] for e in report["stale_baseline"]] == ["a.txt"]
    r.stdout.fnmatch_lines(["*1 baseline entries match no finding any more*"])


@pytest.mark.parametrize("content", ["{not json", '{"entries": 3}', '{"entries": [{"x": 1}]}'])
def test_corrupt_baseline_is_a_clear_error(pytester, content):
    seeds = make_seeds(pytester.path / "s", {"a.txt": CLEAN})
    (seeds / bl.FILENAME).write_text(content, encoding="utf-8")
    r = pytester.runpytest_subprocess("--seeds", str(seeds), "-p", "no:cacheprovider")
    assert r.ret == pytest.ExitCode.USAGE_ERROR
    err = r.stderr.str()
    assert f"baseline {seeds / bl.FILENAME}" in err
    assert "Traceback" not in err
