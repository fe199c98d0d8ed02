"""Large plain runs (checks/parallel.py and the plugin): seeds checked up front by a
process pool, passing and failing seeds grouped into few items, reports written only
when their content changed, a short console report. The report is always the one of a
cold serial run with one item per seed."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

import pytest

from checks import cache as cache_mod
from checks import parallel, plugin

HEADER = "2021-05-06\n\n"


def word(rng: random.Random, n: int) -> str:
    return "".join(chr(rng.randint(0x4E00, 0x7FFF)) for _ in range(n))


def seed_text(rng: random.Random, defect: str | None) -> str:
    paras = [f"      {word(rng, 6)}{rng.randint(10, 999)}个，{word(rng, 9)}。"
             f"{word(rng, 8)}，{word(rng, 10)}。" for _ in range(4)]
    if defect == "typo":
        paras[1] += "工作实缋突出。"
    if defect == "footer":
        paras.append("    主办单位：某某县人民政府办公室")
    return HEADER + "    工作动态\n\n" + "\n\n".join(paras) + "\n"


def make_seeds(root: Path, n: int = 40) -> Path:
    rng = random.Random(5)
    root.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        defect = "typo" if i % 4 == 1 else "footer" if i % 4 == 2 else None
        (root / f"{i:04d}.txt").write_text(seed_text(rng, defect), encoding="utf-8")
    (root / "0039.txt").write_text("no header\n", encoding="utf-8")
    return root


def core(out: Path) -> tuple[list, list]:
    r = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return r["findings"], r["files"]


class Spy:
    """Reads the plugin's state at the end of an in-process run."""

    def __init__(self):
        self.prefetch = None
        self.items: list[str] = []

    @pytest.hookimpl(wrapper=True)
    def pytest_collection_finish(self, session):
        yield
        self.items = [it.nodeid for it in session.items]

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session):
        state = session.config.stash.get(plugin.STATE, None)
        self.prefetch = state.prefetch if state else None


@pytest.fixture
def pinned(monkeypatch):
    monkeypatch.setattr(cache_mod, "_CODE_FP", "pinned-for-tests")
    monkeypatch.setattr(parallel, "POOL_MIN", 4)  # a pool even for a small corpus


def run(pytester, seeds, out, *args, spy=None):
    return pytester.runpytest("--seeds", str(seeds), "--report-dir", out, "-p", "no:randomly",
                              "-o", "seedcheck_fold_min=10", "-o", "seedcheck_group_min=5",
                              *args, plugins=[spy] if spy else [])


def one_seed_changed(pytester) -> Path:
    """The seeds of a cold run (reports in ``out``), then one of them edited."""
    seeds = make_seeds(pytester.path / "s")
    run(pytester, seeds, "out", "--no-cache")
    (seeds / "0000.txt").write_text(seed_text(random.Random(3), "typo"), encoding="utf-8")
    return seeds


def while_rendering(monkeypatch) -> list[bool]:
    """A list that holds True while ``writer._each_report`` renders the reports."""
    from checks.report import writer

    flag: list[bool] = []
    real_each = writer._each_report

    def each(*args, **kw):
        flag.append(True)
        try:
            return real_each(*args, **kw)
        finally:
            flag.pop()

    monkeypatch.setattr(writer, "_each_report", each)
    return flag


def test_pool_and_groups_give_the_serial_report(pytester, pinned):
    seeds = make_seeds(pytester.path / "s")
    ref = pytester.runpytest("--seeds", str(seeds), "--report-dir", "ref", "-p", "no:randomly",
                             "--no-cache", "-o", "seedcheck_fold_min=0")
    failing = {ln.split("::")[1].split(" ")[0] for ln in ref.stdout.lines
               if ln.startswith("FAILED s::") and ln.split("::")[1].startswith("00")}
    assert {"0001.txt", "0005.txt", "0039.txt"} <= failing and len(failing) >= 10
    nf = len(failing)
    spy = Spy()
    r = run(pytester, seeds, "pool", "--no-cache", "--seedcheck-jobs", "2", spy=spy)
    assert r.ret == 1
    # a run that checks every seed: the pool, forked before the seeds were hashed, loads
    # the checks' tables in its workers and checks every seed
    assert (spy.prefetch.local, spy.prefetch.pooled, spy.prefetch.jobs) == (0, 40, 2)
    out = r.stdout.str()
    assert "Traceback" not in out
    # ... one item for the passing seeds, one for the failing ones, one per category
    names = [n.split("::")[-1] for n in spy.items]
    assert f"passing[{40 - nf}]" in names and f"failing[{nf}]" in names, names
    assert not [n for n in names if n.endswith(".txt")]
    assert f"{nf} failing seeds (grouped into one item" in out
    assert "0001.txt:" in out and "typo.known-misspelling" in out
    assert core(pytester.path / "pool") == core(pytester.path / "ref")
    # a run that selects (here: deselects a seed that is not there): no early pool; the
    # first seed in this process (the workers inherit what it loaded), the rest by the
    # pool
    spy = Spy()
    run(pytester, seeds, "late", "--no-cache", "--seedcheck-jobs", "2", "--deselect",
        "s/9999.txt", spy=spy)
    assert (spy.prefetch.local, spy.prefetch.pooled, spy.prefetch.jobs) == (1, 39, 2)
    assert core(pytester.path / "late") == core(pytester.path / "ref")
    # in-process (-n 0, or --seedcheck-jobs 1): the same
    spy = Spy()
    run(pytester, seeds, "serial", "--no-cache", "-n", "0", spy=spy)
    assert spy.prefetch.pooled == 0 and spy.prefetch.local == 40
    assert core(pytester.path / "serial") == core(pytester.path / "ref")


def test_an_early_pool_loads_the_tables_while_the_seeds_are_hashed(pytester, pinned,
                                                                  monkeypatch):
    """A cold run that checks every seed forks its workers before the seeds are hashed:
    each warms up (builds the tables) on a seed without storing it, and the category
    tasks are handed the corpus's paths and hashes; one of them writes the typo tables.
    A run with stored results (or one that selects) starts no early pool."""
    seeds = make_seeds(pytester.path / "s")
    order: list[str] = []
    real_sha = cache_mod.FileHashes.sha
    real_submit = parallel.ProcessPoolExecutor.submit

    def sha(self, rel, path):
        if not order or order[-1] != "hash":
            order.append("hash")
        return real_sha(self, rel, path)

    sent: dict[str, list[tuple]] = {}

    def submit(self, fn, *args, **kw):
        order.append(fn.__name__)
        sent.setdefault(fn.__name__, []).append(args)
        return real_submit(self, fn, *args, **kw)

    monkeypatch.setattr(cache_mod.FileHashes, "sha", sha)
    monkeypatch.setattr(parallel.ProcessPoolExecutor, "submit", submit)
    spy = Spy()
    run(pytester, seeds, "out", "--no-cache", "--seedcheck-jobs", "2", spy=spy)
    assert order[:3] == ["_warm", "_warm", "hash"], order
    assert [a[1] for a in sent["_warm"]] == [True, False]  # one of them writes the tables
    assert all(len(a) == 3 and len(a[1]) == 40 and len(a[2]) == 40
               for a in sent["_check_category"])
    assert (spy.prefetch.local, spy.prefetch.pooled) == (0, 40)
    # the next run finds stored results: no early pool, one warm worker (it checks the
    # changed seed) that writes no tables
    order.clear()
    sent.clear()
    (seeds / "0000.txt").write_text(seed_text(random.Random(3), "typo"), encoding="utf-8")
    run(pytester, seeds, "out", "--seedcheck-jobs", "2")
    assert order[:2] == ["_warm", "hash"] and order.count("_warm") == 1, order
    assert [a[1] for a in sent["_warm"]] == [False]
    monkeypatch.setattr(cache_mod.FileHashes, "sha", real_sha)
    monkeypatch.setattr(parallel.ProcessPoolExecutor, "submit", real_submit)
    run(pytester, seeds, "ref", "--no-cache", "-n", "0")
    assert core(pytester.path / "out") == core(pytester.path / "ref")


def test_warm_run_keeps_unchanged_reports_and_rewrites_touched_ones(pytester, pinned):
    seeds = make_seeds(pytester.path / "s")
    run(pytester, seeds, "out", "--no-cache")
    md = pytester.path / "out" / "report.md"
    before = md.stat().st_mtime_ns
    spy = Spy()
    r = run(pytester, seeds, "out", spy=spy)
    assert spy.prefetch.hits == 40 and spy.prefetch.pooled == spy.prefetch.local == 0
    assert "are up to date" in r.stdout.str() and md.stat().st_mtime_ns == before
    md.write_text("edited by hand\n", encoding="utf-8")  # touched: written again
    r = run(pytester, seeds, "out")
    assert "reports written to" in r.stdout.str()
    assert md.read_text(encoding="utf-8") != "edited by hand\n"
    # a changed seed changes the content: written again, equal to a cold run
    (seeds / "0000.txt").write_text(seed_text(random.Random(1), "typo"), encoding="utf-8")
    r = run(pytester, seeds, "out")
    assert "reports written to" in r.stdout.str()
    run(pytester, seeds, "cold", "--no-cache")
    assert core(pytester.path / "out") == core(pytester.path / "cold")


def test_few_changed_seeds_start_the_pool_before_the_store_is_read(pytester, pinned,
                                                                   monkeypatch):
    """One changed seed: the pool checks it (and runs the categories) while this
    process reads the other results back; a stored row that is gone by the time they
    are read is checked by the pool as well. The seeds go to the worker forked before
    the seeds were hashed (it has loaded the tables since), after it the slowest
    category to a worker forked now. The report equals a cold run's."""
    seeds = one_seed_changed(pytester)
    order: list[str] = []
    real_bulk = cache_mod.Store.get_seeds_bulk
    real_submit = parallel.ProcessPoolExecutor.submit

    def bulk(self, keys, ctx, *rest, **kw):
        order.append("read")
        got = real_bulk(self, keys, ctx, *rest, **kw)
        got.pop(next(k for k in got if k[0] == "0002.txt"))  # gone since the keys
        return got

    sent: list[tuple] = []

    def submit(self, fn, *args, **kw):
        order.append(fn.__name__)
        sent.append((fn.__name__, args))
        return real_submit(self, fn, *args, **kw)

    monkeypatch.setattr(cache_mod.Store, "get_seeds_bulk", bulk)
    monkeypatch.setattr(parallel.ProcessPoolExecutor, "submit", submit)
    spy = Spy()
    run(pytester, seeds, "out", "--seedcheck-jobs", "2", spy=spy)
    assert order[:3] == ["_warm", "_check_category", "_seeds_then"], order
    # (the slowest first; its state written when the worker exits)
    assert sent[1] == ("_check_category", ("figure", None, None, True))
    assert order.index("read") < order.index("_check_chunk")
    # the corpus's paths and hashes reach the worker forked now by inheritance; the warm
    # worker, forked before they were known, is handed them with its categories
    for name, args in sent:
        long = [a for a in args if isinstance(a, (list, dict)) and len(a) >= 5]
        assert len(long) == (2 if name == "_seeds_then" or name == "_check_category"
                             and args[1] is not None else 0), (name, args)
    assert (spy.prefetch.hits, spy.prefetch.pooled, spy.prefetch.local) == (38, 2, 0)
    monkeypatch.setattr(cache_mod.Store, "get_seeds_bulk", real_bulk)
    monkeypatch.setattr(parallel.ProcessPoolExecutor, "submit", real_submit)
    run(pytester, seeds, "cold", "--no-cache")
    assert core(pytester.path / "out") == core(pytester.path / "cold")


def test_a_warm_worker_no_one_needs_is_stopped_without_waiting(pytester, pinned,
                                                                 monkeypatch):
    """A run whose store holds results forks one worker before the seeds are hashed (it
    loads the tables). When nothing changed (the last outcome is replayed) or more seeds
    changed than a few (the pool checks them), the worker is stopped at once: its
    process is terminated, not waited for, and it checks nothing. The report equals a
    cold run's."""
    monkeypatch.setattr(plugin, "SHORT_FILES", 10)  # replay needs the short console
    seeds = make_seeds(pytester.path / "s")
    run(pytester, seeds, "out", "--seedcheck-jobs", "2")
    stopped: list[tuple] = []
    real_stop = parallel.stop

    def stop(pool):  # (what a pool still running had)
        procs = list((pool._processes or {}).values())
        real_stop(pool)
        if procs:
            stopped.append(tuple(p.exitcode for p in procs))

    monkeypatch.setattr(parallel, "stop", stop)
    spy = Spy()
    r = run(pytester, seeds, "out", "--seedcheck-jobs", "2", spy=spy)
    assert "nothing changed since the last run" in r.stdout.str()
    assert "Traceback" not in r.stdout.str() + r.stderr.str()
    assert spy.prefetch is None
    assert stopped == [(-15,)]  # (SIGTERM: its warm-up cut short)
    stopped.clear()
    rng = random.Random(21)
    for k in range(6):  # more than POOL_MIN (4): the seeds are checked by a new pool
        (seeds / f"{k:04d}.txt").write_text(seed_text(rng, "typo"), encoding="utf-8")
    spy = Spy()
    run(pytester, seeds, "out", "--seedcheck-jobs", "2", spy=spy)
    assert len(stopped) == 1
    pre = spy.prefetch
    assert (pre.hits, pre.local + pre.pooled, pre.pooled > 0) == (34, 6, True)
    run(pytester, seeds, "cold", "--no-cache", "-n", "0")
    assert core(pytester.path / "out") == core(pytester.path / "cold")


def test_k_and_lf_work_with_grouped_failures(pytester, pinned):
    seeds = make_seeds(pytester.path / "s")
    r = run(pytester, seeds, "out")
    assert "::failing[" in r.stdout.str()
    lastfailed = json.loads((pytester.path / ".pytest_cache" / "v" / "cache"
                             / "lastfailed").read_text())
    # every failing seed by its own node id, never the group
    assert "s::0001.txt" in lastfailed and "s::0039.txt" in lastfailed
    assert not [k for k in lastfailed if "failing[" in k or "passing[" in k]
    assert "s::0000.txt" not in lastfailed
    # --lf: exactly the failing seeds (grouped again), the same failures
    spy = Spy()
    r = run(pytester, seeds, "lf", "--lf", spy=spy)
    names = [n.split("::")[-1] for n in spy.items]
    assert [n for n in names if n.startswith("failing[")]
    assert not [n for n in names if n.startswith("passing[")]
    # -k: one seed, its own item, its own failure text
    r = run(pytester, seeds, "k", "-k", "0001")
    assert r.parseoutcomes()["failed"] == 1
    assert "FAILED s::0001.txt" in r.stdout.str()


class Collected:
    """The item names as collection made them (before the plugin checks and groups)."""

    def __init__(self):
        self.names: list[str] = []

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(self, items):
        self.names = [it.nodeid.split("::")[-1] for it in items]


def test_a_run_that_selects_nothing_collects_its_seeds_as_one_batch(pytester, pinned):
    seeds = make_seeds(pytester.path / "s")
    ref = pytester.runpytest("--seeds", str(seeds), "--report-dir", "ref", "-p",
                             "no:randomly", "--no-cache", "-o", "seedcheck_fold_min=0")
    seen, spy = Collected(), Spy()
    # failing seeds fewer than group_min: each stays a SeedItem with its own node id
    r = pytester.runpytest("--seeds", str(seeds), "--report-dir", "out", "-p", "no:randomly",
                           "--no-cache", "-o", "seedcheck_fold_min=10",
                           "-o", "seedcheck_group_min=1000", plugins=[seen, spy])
    assert [n for n in seen.names if not n.startswith("corpus[")] == ["seeds[40]"]
    names = [n.split("::")[-1] for n in spy.items]
    assert "0001.txt" in names and "0039.txt" in names and "0000.txt" not in names
    assert [n for n in names if n.startswith("passing[")]
    assert not [n for n in names if n.startswith("seeds[")]
    assert "FAILED s::0001.txt" in r.stdout.str()
    assert core(pytester.path / "out") == core(pytester.path / "ref")
    assert r.parseoutcomes() == ref.parseoutcomes() | {"passed": r.parseoutcomes()["passed"]}
    # a run that selects (-k) collects one item per seed, as before
    seen = Collected()
    pytester.runpytest("--seeds", str(seeds), "--report-dir", "k", "-p", "no:randomly",
                       "-o", "seedcheck_fold_min=10", "-k", "000", plugins=[seen])
    assert "0001.txt" in seen.names and not [n for n in seen.names if n.startswith("seeds[")]


def test_large_run_console_is_short(pytester, pinned, monkeypatch):
    monkeypatch.setattr(plugin, "SHORT_FILES", 10)
    seeds = make_seeds(pytester.path / "s")
    r = run(pytester, seeds, "out", "--no-cache")
    out = r.stdout.str()
    assert "worst of" in out and "0039.txt" in out
    assert "findings are not listed here" in out and str(pytester.path / "out") in out
    assert "│" not in out  # no finding blocks (the highlighted seed lines)


def test_short_console_lists_the_worst_files_with_their_checks(monkeypatch):
    monkeypatch.setattr(plugin, "WORST_FILES", 2)

    def f(path, check, severity):
        return {"path": path, "check": check, "category": check.split(".")[0],
                "severity": severity}

    findings = ([f("a.txt", "typo.x", "warning")] * 5
                + [f("b.txt", "typo.x", "error"), f("b.txt", "chrome.y", "error"),
                   f("b.txt", "chrome.y", "error"), f("b.txt", "typo.z", "warning")]
                + [f("c.txt", "chrome.y", "error")] * 2 + [f("c.txt", "chrome.y", "warning")])
    report = {"summary": {"fail_on": "error", "files": 3, "files_failed": 2,
                          "findings": len(findings), "by_severity": {}, "by_category": {},
                          "baselined": 0, "failing": 5, "duration_s": 1.0},
              "files": [], "findings": findings}
    out = plugin.short_console(report, Path("out"), width=120, color=False)
    table = out[out.index("worst of"):]
    # most failing findings first: b (3 failing of 4), c (2 of 3); a (none failing) is
    # not among the worst 2
    assert "the 2 worst of 3 files with findings" in out
    assert table.index("b.txt") < table.index("c.txt") and "a.txt" not in table
    b_row = next(ln for ln in table.splitlines() if "b.txt" in ln)
    assert b_row.split()[1:3] == ["3", "4"]
    assert "chrome.y ×2, typo.x, typo.z" in b_row
    c_row = next(ln for ln in table.splitlines() if "c.txt" in ln)
    assert c_row.split()[1:4] == ["2", "3", "chrome.y"] and "×3" in c_row


FREEZE_PROBE = """
import gc, pathlib
import pytest

@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    pathlib.Path("frozen.txt").write_text(str(gc.get_freeze_count()))
"""


def test_large_run_freezes_its_heap_only_in_its_own_process(pytester, pinned):
    """A process started for a large run freezes its heap at the end (pytest's last
    gc.collect() and the interpreter's then walk none of it); a run inside another
    pytest process (an inline run) leaves that process's collector alone."""
    import gc

    seeds = make_seeds(pytester.path / "s", 20)
    pytester.makeconftest(FREEZE_PROBE)
    before = gc.get_freeze_count()
    r = run(pytester, seeds, "inline")
    assert r.ret == 1 and "failing[" in r.stdout.str()  # a large run (grouped items)
    assert gc.get_freeze_count() == before
    assert (pytester.path / "frozen.txt").read_text() == str(before)
    r = pytester.runpytest_subprocess("--seeds", str(seeds), "--report-dir", "sub", "-p",
                                      "no:randomly", "-o", "seedcheck_fold_min=10",
                                      "-o", "seedcheck_group_min=5")
    assert r.ret == 1
    assert int((pytester.path / "frozen.txt").read_text()) > 10_000


def test_bad_jobs_value_is_a_usage_error(pytester):
    seeds = make_seeds(pytester.path / "s", 3)
    r = pytester.runpytest("--seeds", str(seeds), "--seedcheck-jobs", "lots")
    assert r.ret == 4 and "expected a number or 'auto'" in r.stderr.str()


def test_unchanged_run_replays_the_last_outcome(pytester, pinned, monkeypatch):
    monkeypatch.setattr(plugin, "SHORT_FILES", 10)  # replay needs the short console
    seeds = make_seeds(pytester.path / "s")

    class StateSpy(Spy):
        @pytest.hookimpl(trylast=True)
        def pytest_sessionfinish(self, session):
            self.state = session.config.stash.get(plugin.STATE, None)

    first = run(pytester, seeds, "out")
    spy = StateSpy()
    asked: list[str] = []
    reals = {name: getattr(cache_mod.Store, name) for name in ("cached_seeds", "cached_keys")}
    for name, real in reals.items():
        monkeypatch.setattr(cache_mod.Store, name,
                            lambda self, ctx, real=real: asked.append(ctx) or real(self, ctx))
    again = run(pytester, seeds, "out", spy=spy)
    for name, real in reals.items():
        monkeypatch.setattr(cache_mod.Store, name, real)
    assert spy.state.replay is not None and spy.state.prefetch is None
    assert not asked  # a replay reads no stored row
    assert "nothing changed since the last run" in again.stdout.str()
    assert again.ret == first.ret == 1
    assert again.parseoutcomes() == first.parseoutcomes()

    def failures(r):
        return [ln for ln in r.stdout.lines if "typo.known-misspelling" in ln
                or ln.startswith("FAILED")]
    assert failures(again) == failures(first)
    lastfailed = json.loads((pytester.path / ".pytest_cache" / "v" / "cache"
                             / "lastfailed").read_text())
    assert "s::0001.txt" in lastfailed and not [k for k in lastfailed if "[" in k]
    # anything that can change the outcome ends the replay: a baseline file ...
    (seeds / ".seedcheck-baseline.json").write_text('{"entries": []}', encoding="utf-8")
    spy = StateSpy()
    r = run(pytester, seeds, "out", spy=spy)
    assert spy.state.replay is None and r.parseoutcomes() == first.parseoutcomes()
    # ... an edited seed, or a touched report
    (seeds / "0002.txt").write_text(seed_text(random.Random(8), None), encoding="utf-8")
    spy = StateSpy()
    run(pytester, seeds, "out", spy=spy)
    assert spy.state.replay is None
    (pytester.path / "out" / "report.json").write_text("{}", encoding="utf-8")
    spy = StateSpy()
    run(pytester, seeds, "out", spy=spy)
    assert spy.state.replay is None
    run(pytester, seeds, "cold", "--no-cache")
    assert core(pytester.path / "out") == core(pytester.path / "cold")
    # a run stopped by -x records nothing to replay
    (seeds / "0003.txt").write_text(seed_text(random.Random(9), "typo"), encoding="utf-8")
    run(pytester, seeds, "out", "-x")
    spy = StateSpy()
    r = run(pytester, seeds, "out", spy=spy)
    assert spy.state.replay is None


def test_large_reports_render_side_by_side_with_the_same_text(pytester, pinned, monkeypatch):
    from checks.report import writer

    seeds = make_seeds(pytester.path / "s")
    run(pytester, seeds, "out", "--no-cache")
    report = json.loads((pytester.path / "out" / "report.json").read_text(encoding="utf-8"))
    serial = writer._render_all(report, seeds, None)
    monkeypatch.setattr(writer, "PARALLEL_MIN", 1)
    assert writer._render_all(report, seeds, None) == serial
    # a renderer that fails in a forked process fails the write as it does here
    monkeypatch.setattr(writer, "to_markdown", lambda r: 1 / 0)
    with pytest.raises(writer.ReportError, match="rendering report.md failed"):
        writer._render_all(report, seeds, None)


def test_a_failing_pool_leaves_the_work_to_the_items(pytester, pinned, monkeypatch):
    from concurrent.futures.process import BrokenProcessPool

    class Broken:
        def __init__(self, *a, **kw):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def submit(self, *a, **kw):
            raise BrokenProcessPool("a worker died")

    seeds = make_seeds(pytester.path / "s")
    run(pytester, seeds, "ref", "--no-cache", "-n", "0")
    monkeypatch.setattr(parallel, "ProcessPoolExecutor", Broken)
    r = run(pytester, seeds, "out", "--no-cache", "--seedcheck-jobs", "2")
    out = r.stdout.str()
    assert "the process pool failed (BrokenProcessPool: a worker died)" in out
    assert "Traceback" not in out and "INTERNALERROR" not in out
    assert core(pytester.path / "out") == core(pytester.path / "ref")


def test_a_large_run_lets_go_of_its_findings_before_pytest_collects(pytester, pinned):
    """After a large run the plugin drops its findings, file records, report and
    prefetched results in its pytest_unconfigure, before pytest's own gc.collect()
    (unraisableexception's pytest_unconfigure) walks the heap; a small run keeps them."""
    seen = {}

    class Late:
        @pytest.hookimpl(trylast=True)
        def pytest_unconfigure(self, config):
            state = config.stash.get(plugin.STATE, None)
            seen["large"] = (len(state.findings), len(state.files), state.report,
                             state.prefetch)

    seeds = make_seeds(pytester.path / "s")
    r = run(pytester, seeds, "out", "--no-cache", "-n", "0", spy=Late())
    assert r.ret == 1
    assert seen["large"] == (0, 0, None, None)
    pytester.runpytest("--seeds", str(seeds), "--report-dir", "small", "-p", "no:randomly",
                       "--no-cache", "-o", "seedcheck_fold_min=0", plugins=[Late()])
    assert seen["large"][0] > 0 and seen["large"][2] is not None


def test_few_changed_seeds_are_checked_in_the_pool_beside_the_categories(pytester, pinned,
                                                                         monkeypatch):
    """A warm run with one added and one edited seed: the pytest process checks none of
    them (no typo tables loaded for two seeds before the pool starts); one worker checks
    them and then runs corpus[typo], the other categories run beside it; the report
    equals a cold run's of the same seeds."""
    seeds = make_seeds(pytester.path / "s")
    run(pytester, seeds, "out", "--no-cache", "--seedcheck-jobs", "2")
    rng = random.Random(9)
    (seeds / "0100.txt").write_text(seed_text(rng, "typo"), encoding="utf-8")
    (seeds / "0003.txt").write_text(seed_text(rng, "footer"), encoding="utf-8")
    real_flush = cache_mod.Store.flush_states

    def slow_flush(self):  # (the run must wait for its workers' states all the same)
        time.sleep(0.5)
        real_flush(self)

    monkeypatch.setattr(cache_mod.Store, "flush_states", slow_flush)
    spy = Spy()
    r = run(pytester, seeds, "out", "--seedcheck-jobs", "2", spy=spy)
    assert "Traceback" not in r.stdout.str()
    pre = spy.prefetch
    assert (pre.hits, pre.local, pre.pooled) == (39, 0, 2)
    assert set(pre.categories) == {"chrome", "duplicate", "figure", "typo"}
    # the workers wrote each category's state as they exited: it holds both seeds
    import hashlib

    (db,) = (pytester.path / ".pytest_cache" / "d" / "seedcheck").glob("*.sqlite")
    store = cache_mod.Store.open(db)
    (ctx,) = {c for (c,) in store.conn.execute("SELECT ctx FROM corpus_state")}
    for cat in pre.categories:
        shas = store.get_corpus_state(ctx, cat)["shas"]
        for name in ("0100.txt", "0003.txt"):
            assert shas[name] == hashlib.sha256((seeds / name).read_bytes()).hexdigest()
    store.close()
    run(pytester, seeds, "ref", "--no-cache", "-p", "no:cacheprovider", "-n", "0")
    assert core(pytester.path / "out") == core(pytester.path / "ref")


class Sent:
    """Which call reports carried their findings as JSON (``user_properties``)."""

    def __init__(self):
        self.calls = 0
        self.json = 0

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report):
        if report.when == "call":
            self.calls += 1
            self.json += any(name == plugin.PROP for name, _ in report.user_properties)


@pytest.mark.parametrize("fold", ["0", "10"])
def test_items_in_this_process_hand_their_findings_over_without_json(pytester, pinned, fold):
    """Items run by the process that writes the reports hand their findings over as
    they are (one item per seed, and a large run's grouped items); an xdist worker
    sends them as JSON. The reports are the same."""
    seeds = make_seeds(pytester.path / "s")
    sent = Sent()
    r = pytester.runpytest("--seeds", str(seeds), "--report-dir", "plain", "-p", "no:randomly",
                           "--no-cache", "-o", f"seedcheck_fold_min={fold}",
                           "-o", "seedcheck_group_min=5", plugins=[sent])
    assert r.ret == 1 and "Traceback" not in r.stdout.str()
    assert sent.calls == (44 if fold == "0" else 6) and sent.json == 0
    r = pytester.runpytest("--seeds", str(seeds), "--report-dir", "xdist", "-p", "no:randomly",
                           "--no-cache", "-n", "2", "-o", f"seedcheck_fold_min={fold}",
                           "-o", "seedcheck_group_min=5")
    assert "Traceback" not in r.stdout.str()
    assert core(pytester.path / "plain") == core(pytester.path / "xdist")
    assert len(core(pytester.path / "plain")[0]) > 20


@pytest.mark.skipif(parallel._context().get_start_method() != "fork", reason="fork only")
def test_a_forked_worker_freezes_the_heap_it_inherited():
    """What a worker inherits from the pytest process is never garbage there: frozen,
    the collections that building the typo tables triggers do not walk it."""
    import gc
    from concurrent.futures import ProcessPoolExecutor

    from checks.config import Config

    keep = [[i] for i in range(50_000)]  # the pytest process's heap
    with ProcessPoolExecutor(1, mp_context=parallel._context(), initializer=parallel._init,
                             initargs=(Config(), None, "ctx", [], ".")) as pool:
        frozen = pool.submit(gc.get_freeze_count).result()
        thresholds = pool.submit(gc.get_threshold).result()
    assert frozen >= len(keep) and thresholds == parallel._GC_DEFAULT
    assert gc.get_freeze_count() == 0  # (and this process froze nothing)


class Tables:
    """typo_data's tables folder as the run sees it."""

    seen: list = []

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session):
        from checks import typo_data

        state = session.config.stash.get(plugin.STATE, None)
        self.seen.append((typo_data.TABLES_DIR, typo_data.TABLES_READ,
                          state.store_path.parent if state and state.store_path else None))


def test_the_typo_tables_are_kept_beside_the_store(pytester, pinned):
    """The plugin points typo_data at the store's folder for the run (not read under
    --no-cache, written either way) and puts the previous setting back afterwards."""
    from checks import typo_data

    seeds = make_seeds(pytester.path / "s", n=8)
    before = (typo_data.TABLES_DIR, typo_data.TABLES_READ)
    spy = Tables()
    spy.seen = []
    run(pytester, seeds, "a", "--no-cache", spy=spy)
    run(pytester, seeds, "b", spy=spy)
    run(pytester, seeds, "c", "-p", "no:cacheprovider", spy=spy)
    (d1, r1, s1), (d2, r2, s2), (d3, r3, s3) = spy.seen
    assert d1 == s1 == d2 == s2 and s1.name == "seedcheck" and (r1, r2) == (False, True)
    assert s3 is not None and d3 == before[0]  # a temporary store: nothing kept
    assert (typo_data.TABLES_DIR, typo_data.TABLES_READ) == before


def test_findings_computed_ahead_are_reported_as_their_round_trip():
    """Findings from the pool or the store reach the report as
    ``Finding.from_dict(d).to_dict()`` with ``baselined`` set by the baseline: as they
    are when they have that form, through the round trip when not."""
    from checks.baseline import Baseline
    from checks.model import Finding, Fix, Location

    f = Finding("typo.x", "typo", "error", "a.txt", 3, 2, 3, 4, "实缋", "m",
                Fix("实绩", True, None, None), [Location("b.txt", 1, 1, 1, 3)], "fp1",
                start=7, end=9, evidence={"k": [1, 2]})
    canon = f.to_dict()
    plain = Finding("typo.y", "typo", "warning", "a.txt", 4, 1, 4, 2, "x", "m", None, [],
                    "fp2").to_dict()
    odd = [dict(canon, fix={"replacement": "实绩", "safe": 1}),  # offsets from the finding
           {k: v for k, v in plain.items() if k != "related"},
           dict(plain, evidence={}),
           dict(plain, related=[{"line": 1, "path": "b.txt", "column": 1, "end_line": 1,
                                 "end_column": 2}])]

    def round_trip(d, bl):
        g = Finding.from_dict(d)
        g.baselined = bl.accepts(g)
        return g.to_dict()

    for bl in (Baseline(Path("none")), Baseline(Path("b"), entries={"fp1": {}, "fp2": {}})):
        for d in [canon, plain, *odd]:
            got = plugin.reported([d], bl)
            assert got == [round_trip(d, bl)] and list(got[0]) == list(round_trip(d, bl))
            assert [list(r) for r in got[0]["related"]] == \
                [list(r) for r in round_trip(d, bl)["related"]]
        # the reported form is taken as it is (the same dict when baselined is right)
        assert (plugin.reported([canon], bl)[0] is canon) == (not bl.entries)
    assert not plugin._reported_form(odd[0]) and plugin._reported_form(canon)


def test_to_dict_is_the_reported_form_whatever_the_check_passed():
    """``Finding.to_dict()`` is already what an item reports (the controller takes the
    findings handed over in its own process as they are): a truthy ``safe`` or
    ``baselined`` that is not a bool comes out as one."""
    from checks.model import Finding, Fix

    f = Finding("typo.x", "typo", "error", "a.txt", 3, 2, 3, 4, "实缋", "m",
                Fix("实绩", 1, None, None), [], "fp1", start=7, end=9)
    f.baselined = 0
    d = f.to_dict()
    assert d["fix"]["safe"] is True and d["baselined"] is False
    assert plugin._reported_form(d) and Finding.from_dict(d).to_dict() == d


def test_a_worker_that_checked_many_seeds_empties_its_memos_before_a_category(
        tmp_path, monkeypatch):
    """The memos a worker filled checking seeds (typo windows and runs) are emptied
    once, before the first corpus category it runs (the category never reads them: a
    cold 50k run peaked in the worker running corpus[figure] on top of them); the
    category's findings are the same; the pytest process itself never empties them."""
    from checks import distributed, registry
    from checks.config import Config

    registry.load_builtin()
    root = make_seeds(tmp_path / "s", 8)
    entries = [(p.name, str(p), None) for p in sorted(root.glob("*.txt"))]
    parallel._init(Config(), None, "ctx", sorted(registry._INDEXES), str(root),
                   [r for r, _, _ in entries], {r: None for r, _, _ in entries})
    calls = []
    real = distributed.release_memory
    monkeypatch.setattr(distributed, "release_memory",
                        lambda: calls.append(1) or real())
    monkeypatch.setattr(parallel, "RELEASE_MIN", 6)
    try:
        parallel._check_chunk(entries[:4])
        want = parallel._check_category("typo")[1]  # this process: never emptied
        assert calls == [] and parallel._W["checked"] == 4
        monkeypatch.setattr(parallel, "_MAIN_PID", -1)  # as in a forked worker
        assert parallel._check_category("typo")[1] == want and calls == []  # 4 < 6
        parallel._check_chunk(entries[4:])
        from checks import typo_lm

        # the run memo (the window memo is not filled where the compiled kernel runs)
        filled = typo_lm._run_swaps.cache_info().currsize
        assert filled > 0
        parallel._check_category("chrome")
        assert calls == [1] and parallel._W["checked"] == 0
        assert typo_lm._run_swaps.cache_info().currsize == 0  # emptied
        assert parallel._check_category("typo")[1] == want  # the same findings
        assert calls == [1]  # once
    finally:
        parallel._W.clear()


def test_a_worker_done_while_the_store_is_read_is_given_its_next_category(
        pytester, pinned, monkeypatch):
    """One changed seed: while this process reads the stored rows back (which took
    0.8-1.9 s at 50,000 seeds), a worker that finished its task is handed the next
    category then (``get_seeds_bulk``'s ``poll``), not when the reading ends. Here the
    read waits (polling) until the warm worker, done with the changed seed and the typo
    category, has been given another category. The report equals a cold run's."""
    monkeypatch.setattr(plugin, "SHORT_FILES", 10)
    seeds = one_seed_changed(pytester)
    order: list[str] = []
    real_bulk = cache_mod.Store.get_seeds_bulk
    real_submit = parallel.ProcessPoolExecutor.submit

    def submit(self, fn, *args, **kw):
        order.append(f"{fn.__name__}:{args[0] if fn.__name__ == '_check_category' else ''}")
        return real_submit(self, fn, *args, **kw)

    def bulk(self, keys, ctx, *rest, poll=None, **kw):
        order.append("read")
        before = len(order)
        deadline = time.monotonic() + 60
        while poll is not None and time.monotonic() < deadline and not any(
                o.startswith("_check_category") for o in order[before:]):
            poll()
            time.sleep(0.02)
        got = real_bulk(self, keys, ctx, *rest, poll=poll, **kw)
        order.append("read done")
        return got

    monkeypatch.setattr(cache_mod.Store, "get_seeds_bulk", bulk)
    monkeypatch.setattr(parallel.ProcessPoolExecutor, "submit", submit)
    spy = Spy()
    run(pytester, seeds, "out", "--seedcheck-jobs", "2", spy=spy)
    read, done = order.index("read"), order.index("read done")
    # figure to the worker forked now; the changed seed (then typo) to the warm worker
    assert order[:read] == ["_warm:", "_check_category:figure", "_seeds_then:"], order
    # the warm worker got the next category (the slowest left) while the rows were read
    assert "_check_category:duplicate" in order[read:done], order
    assert spy.prefetch.categories.keys() == {"chrome", "duplicate", "figure", "typo"}
    monkeypatch.setattr(cache_mod.Store, "get_seeds_bulk", real_bulk)
    monkeypatch.setattr(parallel.ProcessPoolExecutor, "submit", real_submit)
    run(pytester, seeds, "cold", "--no-cache")
    assert core(pytester.path / "out") == core(pytester.path / "cold")


def test_the_short_console_is_made_while_the_reports_render(pytester, pinned, monkeypatch):
    """A large run's short console is made by this process while forked processes
    render the four reports (it was made after them), and printed as it was made: the
    same text as one made from the report afterwards. A console made for another width
    is made again."""
    from checks.report import writer

    monkeypatch.setattr(plugin, "SHORT_FILES", 10)
    monkeypatch.setattr(writer, "PARALLEL_MIN", 1)  # the renderers forked
    seeds = make_seeds(pytester.path / "s")
    rendering = while_rendering(monkeypatch)
    real_short = plugin.short_console
    made: list[tuple[bool, int, str]] = []

    def short(report, report_dir, *, width, color):
        text = real_short(report, report_dir, width=width, color=color)
        made.append((bool(rendering), width, text))
        return text

    monkeypatch.setattr(plugin, "short_console", short)
    spy = Spy()
    r = run(pytester, seeds, "out", "--no-cache", spy=spy)
    assert [m[0] for m in made] == [True], made  # once, during the rendering
    assert made[0][2] in r.stdout.str()
    report = json.loads((pytester.path / "out" / "report.json").read_text(encoding="utf-8"))
    assert "worst of" in made[0][2] and report["summary"]["files"] == 40
    # printed as made: a console for another width (say the terminal changed) is made
    # again by the summary, after the rendering
    made.clear()
    real_size = plugin._console_size
    sizes = iter([(100, False)])
    monkeypatch.setattr(plugin, "_console_size",
                        lambda tr: next(sizes, None) or real_size(tr))
    (seeds / "0000.txt").write_text(seed_text(random.Random(4), "typo"), encoding="utf-8")
    r = run(pytester, seeds, "out")
    assert [m[0] for m in made] == [True, False] and made[0][1] == 100 != made[1][1], made
    assert made[1][2] in r.stdout.str() and made[0][2] not in r.stdout.str()


def test_the_store_is_pruned_here_while_the_reports_render(pytester, pinned, monkeypatch):
    """A large run that prunes its store in this process (no process of its own: too
    few seeds, or as many rows as seeds) does it while forked processes render the
    reports, once; the store then holds the rows of the seeds as they are (a renamed
    seed's old row is gone), as a prune after the rendering left it."""
    import sqlite3

    from checks.report import writer

    monkeypatch.setattr(plugin, "SHORT_FILES", 10)
    monkeypatch.setattr(writer, "PARALLEL_MIN", 1)  # the renderers forked
    seeds = make_seeds(pytester.path / "s")
    run(pytester, seeds, "out")
    rendering = while_rendering(monkeypatch)
    pruned: list[bool] = []
    real_prune = cache_mod.Store.prune

    def prune(self, *args, **kw):
        pruned.append(bool(rendering))
        return real_prune(self, *args, **kw)

    monkeypatch.setattr(cache_mod.Store, "prune", prune)
    (seeds / "0005.txt").rename(seeds / "0005b.txt")
    run(pytester, seeds, "out")
    assert pruned == [True]
    store = next((pytester.path / ".pytest_cache").rglob("*.sqlite"))
    with sqlite3.connect(store) as conn:
        rows = sorted(p for (p,) in conn.execute("SELECT path FROM seed"))
    assert rows == sorted(p.name for p in seeds.glob("*.txt")) and "0005.txt" not in rows


@pytest.mark.parametrize("forked", [True, False])
def test_a_large_run_records_the_files_stats_after_its_collection(pytester, pinned,
                                                                  monkeypatch, forked):
    """A large run records the stats its collection saw (``FileHashes.save``, 7 MB at
    50,000 seeds) while forked processes render the reports, not during the collection
    (else at its end): the next run hashes no file that did not change."""
    from checks.report import writer

    monkeypatch.setattr(plugin, "SHORT_FILES", 10)
    monkeypatch.setattr(writer, "PARALLEL_MIN", 1 if forked else 10 ** 9)
    monkeypatch.setattr(cache_mod.FileHashes, "RACY_NS", -10 ** 15)  # trust fresh stats
    seeds = make_seeds(pytester.path / "s")
    rendering = while_rendering(monkeypatch)
    saved: list[bool] = []
    made: list = []
    real_save, real_init = cache_mod.FileHashes.save, cache_mod.FileHashes.__init__

    def save(self):
        saved.append(bool(rendering))
        return real_save(self)

    def init(self, *args, **kw):
        made.append(self)
        real_init(self, *args, **kw)

    monkeypatch.setattr(cache_mod.FileHashes, "save", save)
    monkeypatch.setattr(cache_mod.FileHashes, "__init__", init)
    run(pytester, seeds, "out")
    assert saved == [forked] and made[-1].hashed == 40
    (seeds / "0001.txt").write_text(seed_text(random.Random(9), None), encoding="utf-8")
    run(pytester, seeds, "out")
    assert made[-1].hashed == 1  # the edited seed alone
    assert saved == [forked, forked]


def test_the_warm_worker_is_forked_before_the_seeds_are_listed(pytester, pinned,
                                                                monkeypatch):
    """A run whose store holds the results of a large run forks its warm worker when the
    session starts, before the seeds are listed and hashed (it loads the tables while
    the other CPU would be idle); a run selecting seeds (-k) forks none, and one whose
    folder has shrunk below a large run's size stops it at the collection without
    waiting. The reports equal cold runs'."""
    monkeypatch.setattr(plugin, "SHORT_FILES", 10)
    seeds = make_seeds(pytester.path / "s")
    run(pytester, seeds, "out", "--seedcheck-jobs", "2")
    order: list[str] = []
    real_scan, real_warm, real_stop = plugin.scan, parallel.start_warm, parallel.stop

    def scan(root, *a, **kw):
        order.append("scan")
        return real_scan(root, *a, **kw)

    def start_warm(*a, **kw):
        order.append("warm")
        return real_warm(*a, **kw)

    def stop(pool):
        order.append("stop")
        return real_stop(pool)

    monkeypatch.setattr(plugin, "scan", scan)
    monkeypatch.setattr(parallel, "start_warm", start_warm)
    monkeypatch.setattr(parallel, "stop", stop)
    (seeds / "0000.txt").write_text(seed_text(random.Random(3), "typo"), encoding="utf-8")
    spy = Spy()
    run(pytester, seeds, "out", "--seedcheck-jobs", "2", spy=spy)
    assert order[:2] == ["warm", "scan"], order
    assert "stop" not in order and spy.prefetch.pooled == 1  # the warm worker checked it
    run(pytester, seeds, "cold", "--no-cache")
    assert core(pytester.path / "out") == core(pytester.path / "cold")
    order.clear()
    run(pytester, seeds, "out", "--seedcheck-jobs", "2", "-k", "0001")
    assert "warm" not in order, order
    order.clear()
    for p in sorted(seeds.glob("*.txt"))[20:]:  # fewer than POOL_MIN * 8 (32) seeds
        p.unlink()
    run(pytester, seeds, "out", "--seedcheck-jobs", "2")
    assert order[:3] == ["warm", "scan", "stop"], order
    run(pytester, seeds, "cold2", "--no-cache")
    assert core(pytester.path / "out") == core(pytester.path / "cold2")


def test_the_warm_workers_sample_is_the_first_seed_by_name(tmp_path):
    """The seed the warm worker checks to load the tables is the first by name directly
    under the folder (the one the collection gave it: a seed's check costs what its text
    holds), whatever order the folder lists them in; hidden files, other suffixes and
    folders are not seeds; no seed, or no folder: None."""
    names = [f"{(k * 7919) % 1000:04d}.txt" for k in range(200)]
    for name in names:
        (tmp_path / name).write_text("x", encoding="utf-8")
    (tmp_path / ".0000.txt").write_text("x", encoding="utf-8")
    (tmp_path / "0000.md").write_text("x", encoding="utf-8")
    (tmp_path / "0.txt").mkdir()  # (a folder, named before every seed)
    assert plugin._first_seed(tmp_path) == tmp_path / min(names)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert plugin._first_seed(empty) is None and plugin._first_seed(tmp_path / "gone") is None
