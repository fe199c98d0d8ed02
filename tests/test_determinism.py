"""Determinism and atomic reports (issue 9).

* Two runs on the same corpus write byte-identical reports apart from the time fields
  (``generated_at``, ``duration_s`` and the duration shown in report.md/report.html);
  so do runs from different working directories, with the files created in another
  order, with ``os.scandir`` returning entries shuffled, and under pytest-xdist.
* Report files are written atomically: a run that fails while writing, that cannot
  render a report, or that is interrupted leaves the previous reports whole.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import RAW_SAMPLE
from test_plugin import make_seeds

BASE = ["-p", "no:cacheprovider"]
REPORTS = ("report.json", "report.md", "report.sarif", "report.html")

CORPUS = {
    "000_12dde9c38bb7d0aa.txt": RAW_SAMPLE.read_bytes(),
    "a.txt": "2020-07-26\n\n标题\n\n正文第一段，内容完整。\n",
    "copy of a.txt": "2020-07-26\n\n标题\n\n正文第一段，内容完整。\n",
    "b/c.txt": "标题\n正文",
    "b/d.txt": "\ufeff2020-07-26\n\n另一篇文章，讲的是别的事情。\n",
    "b/e/f.txt": b"",
    "g.txt": "2020-07-26\n\n达州市认真贯彻重要讲话精神。\n".encode("gbk"),
    "h.txt": "2020-07-26\n\n[bold]标记[/bold] <script>alert(1)</script>\n",
    "中文 名.txt": "2020-07-27\n\n图书馆开放\n\n新建的图书馆今天正式对外开放。\n",
}

_TIME = [
    (re.compile(r'"generated_at": "[^"]*"'), '"generated_at": "T"'),
    (re.compile(r'"duration_s": [0-9.e-]+'), '"duration_s": 0'),
    (re.compile(r"\d+\.\d\d s\b"), "N s"),  # the duration in report.md and report.html
]


def masked(out: Path) -> dict[str, str]:
    """The report files with the time fields masked."""
    files = {}
    for name in REPORTS:
        text = (out / name).read_text(encoding="utf-8")
        for pattern, repl in _TIME:
            text = pattern.sub(repl, text)
        files[name] = text
    return files


def assert_same_reports(a: Path, b: Path) -> None:
    ma, mb = masked(a), masked(b)
    for name in REPORTS:
        assert ma[name] == mb[name], f"{name} differs between {a} and {b}"


def run_in(cwd: Path, seeds: str, out: str, *args) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "pytest", "--seeds", seeds, "--report-dir",
                           out, *BASE, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stdout[-3000:]
    return proc


def test_masking_only_hides_time(tmp_path):
    """The comparison is not vacuous: a report differing in a finding is told apart."""
    seeds = make_seeds(tmp_path / "s", {"a.txt": "标题\n正文"})
    run_in(tmp_path, str(seeds), str(tmp_path / "o1"))
    (seeds / "a.txt").write_text("题目\n正文", encoding="utf-8")
    run_in(tmp_path, str(seeds), str(tmp_path / "o2"))
    with pytest.raises(AssertionError, match="report.json differs"):
        assert_same_reports(tmp_path / "o1", tmp_path / "o2")
    text = (tmp_path / "o1" / "report.json").read_text(encoding="utf-8")
    assert '"generated_at": "T"' in masked(tmp_path / "o1")["report.json"]
    assert '"generated_at": "T"' not in text


def test_two_runs_are_byte_identical_apart_from_time(tmp_path):
    seeds = make_seeds(tmp_path / "s", CORPUS)
    p1 = run_in(tmp_path, str(seeds), str(tmp_path / "o1"))
    p2 = run_in(tmp_path, str(seeds), str(tmp_path / "o2"))
    assert p1.returncode == p2.returncode == 1
    assert_same_reports(tmp_path / "o1", tmp_path / "o2")
    report = json.loads((tmp_path / "o1" / "report.json").read_text(encoding="utf-8"))
    assert len(report["files"]) == len(CORPUS)
    keys = [(f["path"], f["line"], f["column"], f["check"]) for f in report["findings"]]
    assert keys == sorted(keys)


def test_runs_from_different_working_directories(tmp_path):
    seeds = make_seeds(tmp_path / "corpus" / "seeds", CORPUS)
    elsewhere = tmp_path / "x" / "y" / "z"
    elsewhere.mkdir(parents=True)
    run_in(tmp_path, str(seeds), str(tmp_path / "o1"))  # absolute paths
    run_in(elsewhere, os.path.relpath(seeds, elsewhere), str(tmp_path / "o2"))  # relative
    run_in(seeds, ".", os.path.relpath(tmp_path / "o3", seeds))  # inside the seeds folder
    assert_same_reports(tmp_path / "o1", tmp_path / "o2")
    assert_same_reports(tmp_path / "o1", tmp_path / "o3")
    # inside the seeds folder the report folder is elsewhere; no report file is a seed
    assert not list(seeds.glob("report*"))


def test_files_created_in_another_order(tmp_path):
    seeds = tmp_path / "s"
    make_seeds(seeds, CORPUS)
    run_in(tmp_path, str(seeds), str(tmp_path / "o1"))
    shutil.rmtree(seeds)
    names = list(CORPUS)
    random.Random(7).shuffle(names)
    names.reverse()
    make_seeds(seeds, {n: CORPUS[n] for n in names})
    run_in(tmp_path, str(seeds), str(tmp_path / "o2"))
    assert_same_reports(tmp_path / "o1", tmp_path / "o2")


class _Shuffled:
    """What os.scandir returns (an iterator and a context manager), shuffled."""

    def __init__(self, entries):
        self.entries = entries

    def __iter__(self):
        return iter(self.entries)

    def __next__(self):  # pragma: no cover - iter() is what callers use
        raise StopIteration

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def close(self):
        pass


def test_shuffled_scandir_order(pytester, monkeypatch):
    seeds = make_seeds(pytester.path / "s", CORPUS)
    pytester.runpytest("--seeds", str(seeds), "--report-dir", "o1", *BASE)
    real = os.scandir
    rng = random.Random(1)
    calls = []

    def shuffled(path="."):
        with real(path) as it:
            entries = list(it)
        rng.shuffle(entries)
        calls.append(path)
        return _Shuffled(entries)

    monkeypatch.setattr(os, "scandir", shuffled)
    pytester.runpytest("--seeds", str(seeds), "--report-dir", "o2", *BASE)
    monkeypatch.undo()
    assert any(Path(c) == seeds for c in calls)  # the scan did go through the shuffle
    assert_same_reports(pytester.path / "o1", pytester.path / "o2")


def test_xdist_reports_are_identical_to_serial(tmp_path):
    seeds = make_seeds(tmp_path / "s", CORPUS)
    run_in(tmp_path, str(seeds), str(tmp_path / "o1"))
    run_in(tmp_path, str(seeds), str(tmp_path / "o2"), "-n", "2")
    assert_same_reports(tmp_path / "o1", tmp_path / "o2")


# -- atomic reports ------------------------------------------------------------------------------

def _previous(pytester) -> tuple[Path, Path, dict[str, bytes]]:
    seeds = make_seeds(pytester.path / "s", {"a.txt": "标题\n正文", "b.txt": b""})
    out = pytester.path / "out"
    pytester.runpytest("--seeds", str(seeds), "--report-dir", str(out), *BASE)
    before = {n: (out / n).read_bytes() for n in REPORTS}
    # the next run has other findings, so new reports would differ
    (seeds / "b.txt").write_text("2020-07-26\n\n正文已补上。\n", encoding="utf-8")
    return seeds, out, before


def _assert_untouched(out: Path, before: dict[str, bytes]) -> None:
    assert sorted(p.name for p in out.iterdir()) == sorted(REPORTS)  # no temporary files
    for name in REPORTS:
        assert (out / name).read_bytes() == before[name], name


def test_failure_while_writing_leaves_previous_reports_whole(pytester, monkeypatch):
    seeds, out, before = _previous(pytester)
    real_fsync = os.fsync
    calls = {"n": 0}

    def failing_fsync(fd):
        calls["n"] += 1
        if calls["n"] == 3:  # the third report file: two are already staged
            raise OSError(28, "No space left on device")
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", failing_fsync)
    r = pytester.runpytest("--seeds", str(seeds), "--report-dir", str(out), *BASE)
    monkeypatch.undo()
    text = r.stdout.str() + r.stderr.str()
    assert "Traceback" not in text and "INTERNALERROR" not in text
    assert f"seedcheck: ERROR: cannot write reports to {out}: No space left on device" in text
    assert r.ret == 1
    assert calls["n"] == 3
    _assert_untouched(out, before)


def test_renderer_crash_leaves_previous_reports_whole(pytester, monkeypatch):
    from checks.report import writer

    seeds, out, before = _previous(pytester)

    def broken(*a, **kw):
        raise RuntimeError("boom")

    monkeypatch.setattr(writer, "html_pieces", broken)
    r = pytester.runpytest("--seeds", str(seeds), "--report-dir", str(out), *BASE)
    monkeypatch.undo()
    text = r.stdout.str() + r.stderr.str()
    assert "Traceback" not in text and "INTERNALERROR" not in text
    assert ("cannot write reports to " f"{out}: rendering report.html failed: RuntimeError: "
            "boom") in text
    assert r.ret == 1
    _assert_untouched(out, before)


def test_interrupted_run_leaves_previous_reports_whole(pytester):
    seeds, out, before = _previous(pytester)
    (seeds / "c.txt").write_text("2020-07-28\n\n第三篇。\n", encoding="utf-8")
    pytester.makeconftest(
        "import pytest\n\n"
        "@pytest.hookimpl(tryfirst=True)\n"
        "def pytest_runtest_call(item):\n"
        "    if item.name == 'b.txt':\n"
        "        raise KeyboardInterrupt\n")
    r = pytester.runpytest_subprocess("--seeds", str(seeds), "--report-dir", str(out), *BASE,
                                      timeout=300)
    assert r.ret == pytest.ExitCode.INTERRUPTED
    text = r.stdout.str() + r.stderr.str()
    assert "INTERNALERROR" not in text
    assert "the run was interrupted: the reports (and the baseline)" in text
    _assert_untouched(out, before)


def test_atomic_write_many_cleans_up_on_interrupt(tmp_path, monkeypatch):
    from checks.report import files

    for name in ("x", "y"):
        (tmp_path / name).write_text("old " + name)
    real_fsync = os.fsync

    def interrupted(fd):
        real_fsync(fd)
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        files.atomic_write_many([(tmp_path / "x", b"new x"), (tmp_path / "y", b"new y")])
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x", "y"]
    assert (tmp_path / "x").read_text() == "old x" and (tmp_path / "y").read_text() == "old y"
    files.atomic_write_many([(tmp_path / "x", b"new x"), (tmp_path / "y", b"new y")])
    assert (tmp_path / "x").read_bytes() == b"new x" and (tmp_path / "y").read_bytes() == b"new y"
