"""Stored findings that stay encoded (checks/report/lazy.py): a report made of seeds'
stored runs is the same report, byte for byte, as one made of their dicts, and what
only counts or takes a run's text from the fragments never decodes it."""

from __future__ import annotations

from pathlib import Path

import pytest

from checks import cache as cache_mod
from checks.plugin import short_console
from checks.report import html, markdown, writer
from checks.report.build import build_report_dicts
from checks.report.fragments import run_digests
from checks.model import failing_severities
from checks.report.lazy import Findings, StoredRun, Summary, severity_counts
from test_parallel import Spy, core, make_seeds, pinned, run  # noqa: F401  (pinned: a fixture)
from test_report_fragments import make_report, render


@pytest.fixture(autouse=True)
def in_process(monkeypatch):
    monkeypatch.setattr(writer, "PARALLEL_MIN", 10 ** 9)


def stored_copy(report: dict, tmp_path: Path) -> tuple[dict, list[StoredRun]]:
    """``report`` built again from its findings stored per path and read back lazily."""
    by: dict[str, list[dict]] = {}
    for d in report["findings"]:
        by.setdefault(d["path"], []).append(d)
    store = cache_mod.Store.open(tmp_path / "lazy.sqlite")
    for path, ds in by.items():
        store.put_seed(path, "sha", "ctx", {"path": path}, ds, {})
    got = store.get_seeds_bulk([(p, "sha") for p in by], "ctx", lazy=True)
    store.close()
    parts = [got[(p, "sha")][1] for p in sorted(by)]
    assert all(isinstance(p, StoredRun) and p._dicts is None for p in parts)
    files = [{k: r[k] for k in ("path", "sha256", "chars", "lines")} for r in report["files"]]
    copy = build_report_dicts(files, Findings(parts), seeds_dir=report["seeds_dir"],
                              duration_s=report["summary"]["duration_s"])
    copy["generated_at"] = report["generated_at"]
    return copy, parts


def test_a_report_of_stored_runs_renders_the_same_bytes(tmp_path):
    report = make_report(tmp_path / "s")
    copy, parts = stored_copy(report, tmp_path)
    # counted from the summaries, not read
    assert copy["summary"] == report["summary"] and copy["files"] == report["files"]
    assert not any(p._dicts is not None for p in parts)
    assert copy["findings"] == report["findings"]
    assert render(copy, tmp_path / "s", None) == render(report, tmp_path / "s", None)


def test_stored_runs_whose_text_the_fragments_keep_are_not_read(tmp_path, monkeypatch):
    monkeypatch.setattr(markdown, "MAX_FILES", 2)  # report.md reads the files it lists
    # (report.html embeds a small payload as JSON, rendered whole: compressed, it takes
    # its segments from the fragments, as a large report's)
    monkeypatch.setattr(html, "COMPRESS_ABOVE", 0)
    root = tmp_path / "s"
    report = make_report(root)
    cache = tmp_path / "cache"
    first = render(report, root, cache)
    copy, parts = stored_copy(report, tmp_path)
    assert run_digests(copy["findings"]) == run_digests(report["findings"])
    text = short_console(copy, tmp_path / "out", width=100, color=False)
    assert "the 15 worst of 30 files" in text
    assert text == short_console(report, tmp_path / "out", width=100, color=False)
    assert not any(p._dicts is not None for p in parts)
    assert render(copy, root, cache) == first
    read = [p.path for p in parts if p._dicts is not None]
    assert read == ["000.txt", "001.txt"]  # the two files report.md lists
    assert writer.LAST_FRAGMENTS["report.json"] == (30, 0)


def test_a_stored_run_that_is_not_sorted_or_is_baselined_is_decoded(tmp_path):
    a = {"path": "a.txt", "line": 2, "column": 1, "check": "c", "end_line": 2,
         "end_column": 2, "fingerprint": "f", "category": "typo", "severity": "error",
         "baselined": False, "related": []}
    b = dict(a, line=1)
    store = cache_mod.Store.open(tmp_path / "s.sqlite")
    store.put_seed("a.txt", "1", "ctx", {}, [a, b], {})  # line 2 before line 1
    store.put_seed("b.txt", "1", "ctx", {}, [dict(b, path="b.txt", baselined=True)], {})
    store.put_seed("c.txt", "1", "ctx", {}, [dict(b, path="c.txt")], {})
    got = store.get_seeds_bulk([("a.txt", "1"), ("b.txt", "1"), ("c.txt", "1")], "ctx",
                               lazy=True)
    store.close()
    assert type(got[("a.txt", "1")][1]) is list
    assert type(got[("b.txt", "1")][1]) is list
    assert isinstance(got[("c.txt", "1")][1], StoredRun)


def test_findings_index_and_slice_across_parts():
    ds = [{"path": p, "n": k} for p, k in [("a", 0), ("a", 1), ("b", 2), ("c", 3), ("c", 4)]]
    f = Findings.from_dicts(ds)
    assert len(f) == 5 and list(f) == ds and f == ds
    assert f[0] is ds[0] and f[-1] is ds[4] and f[2] is ds[2]
    assert f[0:2] == ds[0:2] and f[1:4] == ds[1:4] and f[3:9] == ds[3:] and f[4:2] == []
    assert f[::2] == ds[::2]
    with pytest.raises(IndexError):
        f[5]
    assert [(i, j) for i, j, _ in f.spans()] == [(0, 2), (2, 3), (3, 5)]
    assert f.paths() == ["a", "b", "c"]
    assert not Findings([])


def test_summary_counts_match_the_findings():
    ds = [{"path": "a", "line": 1, "column": 1, "check": "x.one", "end_line": 1,
           "end_column": 2, "fingerprint": "1", "category": "typo", "severity": "error",
           "baselined": False, "related": [{"path": "b"}, {"path": "c"}]},
          {"path": "a", "line": 2, "column": 1, "check": "x.two", "end_line": 2,
           "end_column": 2, "fingerprint": "2", "category": "chrome",
           "severity": "warning", "baselined": True, "related": []}]
    sm = Summary.loads(Summary.of(ds).dumps())
    assert sm.n == 2 and sm.baselined == 1 and not sm.plain
    assert sm.unbaselined == {"error": 1}
    assert sm.related == ("b", "c") and sm.related_checks == ("x.one",)
    assert sm.failing({"error"}) == 1 and sm.failing({"warning"}) == 0  # (baselined)
    assert sm.failing(failing_severities("warning")) == 1
    assert failing_severities("warning") == {"error", "warning"}
    counts, by_check = severity_counts(Findings([ds]), ["typo", "chrome"],
                                       ["error", "warning"])
    assert (counts, by_check) == severity_counts(ds, ["typo", "chrome"], ["error", "warning"])
    assert counts == {("typo", "error"): 1, ("typo", "warning"): 0, ("chrome", "error"): 0,
                      ("chrome", "warning"): 1}
    assert Summary.loads(b"") is None and Summary.loads(b"\x00") is None


def test_a_warm_grouped_run_fails_with_the_cold_runs_lines(pytester, pinned):
    """A large run whose seeds' results come from the store (as StoredRuns, not
    decoded) fails its grouped item with the same lines as a cold run, and writes the
    same reports."""
    seeds = make_seeds(pytester.path / "s")
    cold = run(pytester, seeds, "cold", "--no-cache", "--seedcheck-jobs", "2")
    spy = Spy()
    warm = run(pytester, seeds, "warm", "--seedcheck-jobs", "2", spy=spy)
    stored = [fs for _rec, fs in spy.prefetch.seeds.values()]
    assert len(stored) == 40 and all(isinstance(fs, StoredRun) for fs in stored)

    def lines(r):
        return [ln for ln in r.stdout.lines if ".txt:" in ln and " typo." in ln
                or "more failing seeds" in ln or "failing seeds (grouped" in ln]

    assert lines(warm) == lines(cold) and "failing seeds (grouped" in "\n".join(lines(warm))
    assert core(pytester.path / "warm") == core(pytester.path / "cold")
