"""Incremental and parallel runs: the SQLite store (checks/cache.py) and the plugin's use
of it. The central property: a cached run, a ``-n 2`` run and a cold serial run give
identical findings and file records."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from checks import cache as cache_mod
from checks import engine, registry
from checks.config import Config, from_table

HEADER = "2020-07-26\n\n"
BODY_A = ("    达州市以党建为引领扎实推进脱贫攻坚\n\n"
          "      今年以来，全市累计新建村级活动阵地153个，培训农村实用人才2400人次。\n\n"
          "      各级干部深入一线，帮助群众解决实际困难，工作实缋突出。\n")
BODY_B = ("    某县推进农村人居环境整治\n\n"
          "      县里统筹安排资金，改造农村危房86户，硬化通村道路42公里。\n\n"
          "      有关部门釆取有力措施，保障各项工作落实到位。\n")
CHROME = "    责任编辑: 王晓明\n    扫一扫在手机打开当前页\n"

FILES = {
    "a.txt": HEADER + BODY_A,
    "b.txt": HEADER + BODY_B + CHROME,
    "copy_of_a.txt": HEADER + BODY_A,
    "c.txt": "标题\n" + BODY_B,  # no header
    "d.txt": "\ufeff" + HEADER + "    短文\n\n      这是一段干净的正文，没有问题。\n",
    "sub/e.txt": HEADER + "    另一篇\n\n      这也是一段干净的正文，内容完整。\n",
    "empty.txt": "",
}


def make_seeds(root: Path, files: dict[str, str | bytes]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return root


def core(out: Path) -> tuple[list, list]:
    r = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return r["findings"], r["files"]


@pytest.fixture
def calls(monkeypatch):
    """Counts file-check runs (engine.check_seed calls) in in-process runs, and pins the
    code fingerprint so that edits to the package during the test do not miss."""
    monkeypatch.setattr(cache_mod, "_CODE_FP", "pinned-for-tests")
    counter = {"n": 0}
    real = engine.check_seed

    def counting(*a, **kw):
        counter["n"] += 1
        return real(*a, **kw)

    monkeypatch.setattr(cache_mod.engine, "check_seed", counting)
    return counter


def run(pytester, seeds: Path, out: str, *args: str):
    return pytester.runpytest("--seeds", str(seeds), "--report-dir", out,
                              "-p", "no:randomly", *args)


def store_file(pytester, seeds: Path) -> Path:
    return (pytester.path / ".pytest_cache" / "d" / "seedcheck"
            / cache_mod.store_name(seeds.resolve()))


# -- the store itself -------------------------------------------------------------------------

def test_store_round_trip_and_keys_include_path(tmp_path):
    store = cache_mod.Store.open(tmp_path / "s.sqlite")
    assert not store.broken
    rec = {"path": "a.txt", "sha256": "x", "chars": 3, "lines": 1, "unreadable": False}
    store.put_seed("a.txt", "x", "ctx1", rec, [{"severity": "warning"}], {"dup": {"k": [1, 2]}})
    assert store.get_seed("a.txt", "x", "ctx1") == (rec, [{"severity": "warning"}])
    assert store.get_seed("b.txt", "x", "ctx1") is None  # same content, other path: miss
    assert store.get_seed("a.txt", "y", "ctx1") is None  # other content: miss
    assert store.get_seed("a.txt", "x", "ctx2") is None  # other code/config: miss
    assert store.cached_seeds("ctx1") == {("a.txt", "x"): 1}
    store.put_seed("b.txt", "y", "ctx2", {**rec, "path": "b.txt"}, [], {})
    # the keys alone (what a large run asks to know which seeds changed), of one ctx
    assert store.cached_keys("ctx1") == {("a.txt", "x")} == set(store.cached_seeds("ctx1"))
    assert store.cached_keys("ctx2") == {("b.txt", "y")}
    feats = store.get_features("dup", "ctx1")
    assert list(feats) == ["a.txt"] and feats["a.txt"][0] == "x"
    store.put_corpus("k1", [{"check": "c"}])
    assert store.get_corpus("k1") == [{"check": "c"}] and store.get_corpus("k2") is None
    store.close()


def test_a_seed_known_to_be_missing_is_not_looked_up(tmp_path):
    """The pool's workers are handed seeds the pytest process found no stored row for:
    they check them without asking the store (``lookup=False``); a file whose hash is
    another by now is still looked up."""
    registry.load_builtin()
    cfg = Config()
    store = cache_mod.Store.open(tmp_path / "s.sqlite")
    seed = tmp_path / "a.txt"
    seed.write_text("2024-01-01\n全市新建公路120公里。\n", encoding="utf-8")
    assert store.holds_seeds("ctx") is False
    rec, fds, hit = cache_mod.check_seed_cached(seed, "a.txt", cfg, store, "ctx", [])
    assert not hit and store.holds_seeds("ctx") and not store.holds_seeds("other")
    asked: list = []
    real = store.get_seed
    store.get_seed = lambda *a: asked.append(a) or real(*a)
    sha = rec["sha256"]
    assert cache_mod.check_seed_cached(seed, "a.txt", cfg, store, "ctx", [], sha_hint=sha)[2]
    assert len(asked) == 1
    _, again, hit = cache_mod.check_seed_cached(seed, "a.txt", cfg, store, "ctx", [],
                                                sha_hint=sha, lookup=False)
    assert not hit and len(asked) == 1 and [f.to_dict() for f in again] == \
        [f.to_dict() for f in fds]
    # the file changed since its hash was taken: looked up under the new hash
    _, _, hit = cache_mod.check_seed_cached(seed, "a.txt", cfg, store, "ctx", [],
                                            sha_hint="0" * 64, lookup=False)
    assert hit and len(asked) == 2
    store.close()


def test_corrupt_or_foreign_store_file_is_rebuilt(tmp_path):
    path = tmp_path / "s.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    store = cache_mod.Store.open(path)
    assert not store.broken
    store.put_seed("a.txt", "x", "c", {"path": "a.txt"}, [], {})
    assert store.get_seed("a.txt", "x", "c") == ({"path": "a.txt"}, [])
    store.close()
    # another schema version: dropped and rebuilt, not misread
    conn = sqlite3.connect(path)
    conn.execute("UPDATE meta SET value='0' WHERE key='schema'")
    conn.commit()
    conn.close()
    store = cache_mod.Store.open(path)
    assert not store.broken and store.get_seed("a.txt", "x", "c") is None
    store.close()


def test_broken_store_is_a_miss_never_an_error(tmp_path):
    path = tmp_path / "s.sqlite"
    path.write_bytes(b"garbage" * 100)
    store = cache_mod.Store.open(path, repair=False)
    assert store.broken and store.error
    store.put_seed("a.txt", "x", "c", {}, [], {})
    assert store.get_seed("a.txt", "x", "c") is None
    assert store.cached_seeds("c") == {} and store.get_corpus("k") is None
    assert store.cached_keys("c") == set()


def test_context_key_changes_with_config_and_check_version(monkeypatch):
    base = cache_mod.context_key(Config())
    assert cache_mod.context_key(Config()) == base
    assert cache_mod.context_key(from_table({"ignore": ["format.bom"]})) != base
    assert cache_mod.context_key(
        from_table({"checks": {"format.header": {"x": 1}}})) != base
    assert cache_mod.context_key(from_table({"severity": {"format.bom": "info"}})) != base
    spec = registry.get_check("format.header")
    monkeypatch.setattr(spec, "version", spec.version + 1)
    assert cache_mod.context_key(Config()) != base


def test_corpus_key_depends_on_every_path_and_content():
    k = cache_mod.corpus_key("c", "duplicate", [("a.txt", "1"), ("b.txt", "2")])
    assert k == cache_mod.corpus_key("c", "duplicate", [("a.txt", "1"), ("b.txt", "2")])
    assert k != cache_mod.corpus_key("c", "duplicate", [("a.txt", "1"), ("b.txt", "3")])
    assert k != cache_mod.corpus_key("c", "duplicate", [("a.txt", "1")])
    assert k != cache_mod.corpus_key("c", "duplicate", [("a.txt", "1"), ("c.txt", "2")])
    assert k != cache_mod.corpus_key("c", "typo", [("a.txt", "1"), ("b.txt", "2")])


# -- end to end ------------------------------------------------------------------------------

def test_cached_run_is_identical_and_checks_nothing(pytester, calls):
    seeds = make_seeds(pytester.path / "s", FILES)
    r1 = run(pytester, seeds, "o1", "--no-cache")
    n_cold = calls["n"]
    assert n_cold == len(FILES)
    calls["n"] = 0
    r2 = run(pytester, seeds, "o2", "-o", "seedcheck_fold_min=1")
    assert calls["n"] == 0  # every seed came from the store
    assert r1.ret == r2.ret == 1
    assert core(pytester.path / "o1") == core(pytester.path / "o2")
    # the passing cached seeds became one item; the failing ones kept theirs
    out = r2.stdout.str()
    assert "cached[" not in r1.stdout.str()
    o1 = r1.parseoutcomes()
    o2 = r2.parseoutcomes()
    assert o2["failed"] == o1["failed"] and o2["passed"] < o1["passed"]
    assert "FAILED s::c.txt" in out and "FAILED s::empty.txt" in out
    assert "c.txt:1:1 format.header" in out  # the failure text, as in the cold run
    assert "c.txt:1:1 format.header" in r1.stdout.str()
    # the default folds only from 100 seeds up: per-seed items, same report
    calls["n"] = 0
    r3 = run(pytester, seeds, "o3")
    assert calls["n"] == 0 and r3.parseoutcomes() == o1
    assert core(pytester.path / "o3") == core(pytester.path / "o1")


def test_edited_added_renamed_seed_is_rechecked(pytester, calls):
    seeds = make_seeds(pytester.path / "s", FILES)
    run(pytester, seeds, "o1")
    # edit d.txt: the BOM goes, a misspelling comes
    (seeds / "d.txt").write_text(HEADER + "    短文\n\n      工作实缋突出。\n", encoding="utf-8")
    # add a second copy of b.txt, rename sub/e.txt
    (seeds / "b2.txt").write_bytes((seeds / "b.txt").read_bytes())
    (seeds / "sub" / "e.txt").rename(seeds / "sub" / "e2.txt")
    calls["n"] = 0
    run(pytester, seeds, "warm", "-o", "seedcheck_fold_min=1")
    assert calls["n"] == 3  # d.txt, b2.txt, sub/e2.txt; nothing else
    calls["n"] = 0
    run(pytester, seeds, "cold", "--no-cache")
    assert calls["n"] == len(FILES) + 1
    warm, cold = core(pytester.path / "warm"), core(pytester.path / "cold")
    assert warm == cold
    paths = {f["path"] for f in warm[1]}
    assert "sub/e2.txt" in paths and "sub/e.txt" not in paths
    d = [(f["check"], f["line"]) for f in warm[0] if f["path"] == "d.txt"]
    assert ("format.bom", 1) not in d and any(c.startswith("typo.") for c, _ in d)
    # b2.txt is a copy of b.txt: the corpus results saw the added seed
    assert any(f["path"] in ("b.txt", "b2.txt") and f["check"].startswith("duplicate.")
               for f in warm[0])


def test_a_full_run_prunes_rows_that_cannot_hit_again_and_a_selection_does_not(pytester):
    """After a run that saw every seed (told by the seeds the collection found) the
    store keeps only the rows of the seeds as they are now: a renamed seed's old row
    goes, and an edited seed's. A run of a selection keeps everything. (Runs in
    subprocesses: in-process runs import the checks again and cannot pickle the
    corpus state, which leaves their store broken.)"""
    import sqlite3

    seeds = make_seeds(pytester.path / "s", FILES)

    def run_sub(out: str, *args: str) -> None:
        pytester.runpytest_subprocess("--seeds", str(seeds), "--report-dir", out,
                                      "-p", "no:randomly", *args)

    def rows() -> list[str]:
        with sqlite3.connect(store_file(pytester, seeds)) as conn:
            return sorted(p for (p,) in conn.execute("SELECT path FROM seed"))

    run_sub("o1")
    (seeds / "sub" / "e.txt").rename(seeds / "sub" / "e2.txt")
    (seeds / "d.txt").write_text(HEADER + "    短文\n\n      工作实缋突出。\n", encoding="utf-8")
    run_sub("o2", "-k", "b.txt")
    assert {"sub/e.txt", "d.txt"} <= set(rows())
    run_sub("o3")
    assert rows() == sorted(set(FILES) - {"sub/e.txt"} | {"sub/e2.txt"})


def test_changed_config_or_check_version_invalidates(pytester, calls, monkeypatch):
    seeds = make_seeds(pytester.path / "s", FILES)
    run(pytester, seeds, "o1")
    conf = pytester.path / "seedcheck.toml"
    conf.write_text('ignore = ["format.bom"]\n', encoding="utf-8")
    calls["n"] = 0
    run(pytester, seeds, "o2", "--seedcheck-config", str(conf))
    assert calls["n"] == len(FILES)
    assert not [f for f in core(pytester.path / "o2")[0] if f["check"] == "format.bom"]
    assert [f for f in core(pytester.path / "o1")[0] if f["check"] == "format.bom"]
    spec = registry.get_check("format.header")
    monkeypatch.setattr(spec, "version", spec.version + 1)
    calls["n"] = 0
    run(pytester, seeds, "o4")
    assert calls["n"] == len(FILES)
    assert core(pytester.path / "o4") == core(pytester.path / "o1")
    calls["n"] = 0
    run(pytester, seeds, "o5", "--no-cache")
    assert calls["n"] == len(FILES)


def test_corrupt_cache_file_is_rebuilt_by_the_run(pytester, calls):
    seeds = make_seeds(pytester.path / "s", FILES)
    run(pytester, seeds, "o1")
    path = store_file(pytester, seeds)
    assert path.is_file()
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if p.exists():
            p.write_bytes(b"\x00garbage" * 512)
    calls["n"] = 0
    r = run(pytester, seeds, "o2")
    text = r.stdout.str() + r.stderr.str()
    assert "Traceback" not in text and "INTERNALERROR" not in text
    assert calls["n"] == len(FILES)
    assert core(pytester.path / "o2") == core(pytester.path / "o1")
    conn = sqlite3.connect(path)  # a valid store again, holding this run's results
    assert conn.execute("SELECT COUNT(*) FROM seed").fetchone()[0] == len(FILES)
    conn.close()
    calls["n"] = 0
    run(pytester, seeds, "o3")
    assert calls["n"] == 0


def test_serial_parallel_and_cached_runs_agree(pytester, tmp_path):
    seeds = make_seeds(tmp_path / "s", FILES)
    outs = {}
    for name, args in (("serial", ["--no-cache"]), ("n2", ["-n", "2", "--no-cache"]),
                       ("cached", ["-o", "seedcheck_fold_min=1"]),
                       ("cached-n2", ["-n", "2", "-o", "seedcheck_fold_min=1"]),
                       ("nocacheprovider-n2", ["-n", "2", "-p", "no:cacheprovider"])):
        r = pytester.runpytest_subprocess("--seeds", str(seeds), "--report-dir",
                                          str(tmp_path / name), "-p", "no:randomly", *args)
        text = r.stdout.str() + r.stderr.str()
        assert r.ret == 1, text
        assert "Traceback" not in text and "INTERNALERROR" not in text
        outs[name] = core(tmp_path / name)
    assert outs["serial"][0], "the fixture corpus must have findings"
    for name, got in outs.items():
        assert got == outs["serial"], name


def test_no_cacheprovider_leaves_only_the_reports(pytester, calls):
    seeds = make_seeds(pytester.path / "s", {"a.txt": HEADER + BODY_A})
    run(pytester, seeds, "out", "-p", "no:cacheprovider")
    assert sorted(p.name for p in (pytester.path / "out").iterdir()) == [
        "report.html", "report.json", "report.md", "report.sarif"]
    assert not (pytester.path / ".pytest_cache").exists()


def test_empty_setup_teardown_reports_are_not_kept(pytester, calls):
    """pytest scans every kept setup/teardown report for each failure (quadratic at
    50k seeds): the plugin drops the empty passed ones; failures still print."""
    seeds = make_seeds(pytester.path / "s", FILES)
    kept = {}

    class Spy:
        @pytest.hookimpl(trylast=True)
        def pytest_unconfigure(self, config):
            tr = config.pluginmanager.get_plugin("terminalreporter")
            kept["blank"] = len(tr.stats.get("", []))
            kept["failed"] = len(tr.stats.get("failed", []))

    r = pytester.runpytest("--seeds", str(seeds), "--report-dir", "o", "-p", "no:randomly",
                           plugins=[Spy()])
    assert kept["blank"] == 0 and kept["failed"] == r.parseoutcomes()["failed"] >= 2
    assert "c.txt:1:1 format.header" in r.stdout.str()


def test_deferred_seeds_are_written_in_one_transaction_at_the_end(tmp_path):
    store = cache_mod.Store.open(tmp_path / "s.sqlite")
    other = cache_mod.Store.open(tmp_path / "s.sqlite")  # another worker's connection
    rec = {"path": "a.txt", "sha256": "1" * 64, "chars": 3, "lines": 1, "unreadable": False}
    commits = []
    store.conn.set_trace_callback(lambda sql: commits.append(sql) if sql == "COMMIT" else None)
    with store.deferred():
        store.put_seed("a.txt", "1" * 64, "ctx", rec, [], {"dup": [1, 2]})
        with store.deferred():  # nested: the outer block writes
            store.put_seed("b.txt", "2" * 64, "ctx", dict(rec, path="b.txt"), [], {})
        assert other.get_seed("a.txt", "1" * 64, "ctx") is None  # not written yet
        assert commits == []
    assert commits == ["COMMIT"]
    assert other.get_seed("a.txt", "1" * 64, "ctx") == (rec, [])
    assert other.get_seed("b.txt", "2" * 64, "ctx")[0]["path"] == "b.txt"
    assert other.get_features("dup", "ctx")["a.txt"][0] == "1" * 64
    # without a block: one transaction a seed, as before
    store.put_seed("c.txt", "3" * 64, "ctx", dict(rec, path="c.txt"), [], {})
    assert commits == ["COMMIT", "COMMIT"] and other.get_seed("c.txt", "3" * 64, "ctx")


# -- file hashes kept by stat ------------------------------------------------------------------

def test_file_hashes_stat_seeds_under_the_open_folder(tmp_path, monkeypatch):
    """The seeds are stat'ed by their relative paths under the folder, opened once
    (not by formatting each path); a relative path holding a backslash (a name that is
    not UTF-8, escaped by the scan) and a closed folder go by the path. The hashes and
    the stats recorded are the same either way."""
    import hashlib
    import os

    root = tmp_path / "s"
    (root / "sub").mkdir(parents=True)
    files = {"a.txt": root / "a.txt", "sub/b.txt": root / "sub" / "b.txt",
             "x\\xd5.txt": root / "c.txt"}
    for i, p in enumerate(files.values()):
        p.write_text(f"2021-01-01\n\n正文{i}\n", encoding="utf-8")
    (root / "x\\xd5.txt").write_text("another file", encoding="utf-8")
    real_stat = os.stat
    how: list = []

    def spy(path, *args, dir_fd=None, **kw):
        how.append((str(path), dir_fd is not None))
        return real_stat(path, *args, dir_fd=dir_fd, **kw)

    monkeypatch.chdir(tmp_path)  # (the relative paths are not the working folder's)
    h = cache_mod.FileHashes(None, root, None)
    monkeypatch.setattr(cache_mod.os, "stat", spy)  # (reading a seed stats it too)
    got = {rel: h.sha(rel, p) for rel, p in files.items()}
    assert got == {rel: hashlib.sha256(p.read_bytes()).hexdigest() for rel, p in files.items()}
    assert [c for c in how if c[1]] == [("a.txt", True), ("sub/b.txt", True)]
    assert (str(root / "c.txt"), False) in how
    st = real_stat(files["sub/b.txt"])
    assert h.new["sub/b.txt"][:4] == [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]
    assert h.new["x\\xd5.txt"][3] == real_stat(root / "c.txt").st_ino
    h.close()
    how.clear()
    assert h.sha("a.txt", files["a.txt"]) == got["a.txt"]
    assert how[0] == (str(files["a.txt"]), False) and not any(c[1] for c in how)


def test_file_hashes_are_read_again_only_when_a_stat_changes(tmp_path, monkeypatch):
    import hashlib
    import os

    store = cache_mod.Store.open(tmp_path / "store.sqlite")
    root = tmp_path / "s"
    root.mkdir()
    files = {f"{i}.txt": root / f"{i}.txt" for i in range(3)}
    for i, p in enumerate(files.values()):
        p.write_text(f"2021-01-01\n\n正文{i}\n", encoding="utf-8")
    sha = lambda p: hashlib.sha256(p.read_bytes()).hexdigest()  # noqa: E731

    def run():
        h = cache_mod.FileHashes(store, root, None)
        got = {rel: h.sha(rel, p) for rel, p in files.items()}
        h.save()
        assert got == {rel: sha(p) for rel, p in files.items()}
        return h.hashed

    try:
        assert run() == 3
        assert run() == 3  # written just now: within RACY_NS of the recording, hashed again
        monkeypatch.setattr(cache_mod.FileHashes, "RACY_NS", -10 ** 15)  # trust them
        assert run() == 0  # nothing changed: no file read
        # same size, the old mtime put back: the ctime still tells
        st = os.stat(files["1.txt"])
        files["1.txt"].write_text("2021-01-01\n\n正文9\n", encoding="utf-8")
        os.utime(files["1.txt"], ns=(st.st_atime_ns, st.st_mtime_ns))
        assert run() == 1
        files["2.txt"].unlink()
        del files["2.txt"]
        assert run() == 0
        # without a store every file is hashed
        h = cache_mod.FileHashes(None, root, None)
        assert [h.sha(r, p) for r, p in files.items()] == [sha(p) for p in files.values()]
        assert h.hashed == 2
        # --no-cache (read=False): every file is hashed, and the stats are recorded for
        # the next run, which then reads none
        h = cache_mod.FileHashes(store, root, None, read=False)
        assert [h.sha(r, p) for r, p in files.items()] == [sha(p) for p in files.values()]
        assert h.hashed == 2
        store.put_meta(h.key, None)  # what a --no-cache run's wipe leaves
        h.save()
        assert run() == 0
    finally:
        store.close()


def test_a_store_pruned_by_a_process_of_its_own_equals_one_pruned_here(tmp_path, capfd):
    """A large run prunes its store in a forked process (``plugin._prune_apart``, while
    the pytest process waits for the renderers): the rows left are those
    ``Store.prune`` leaves in this process. Where it cannot prune (no store to be had)
    it exits 1, without a traceback, and the pytest process prunes itself."""
    import multiprocessing
    import shutil

    from checks import plugin

    rec = {"path": "a.txt", "sha256": "x", "chars": 3, "lines": 1, "unreadable": False}
    made = cache_mod.Store.open(tmp_path / "a.sqlite")
    for path, sha, ctx in [("a.txt", "x", "c1"), ("a.txt", "old", "c1"), ("b.txt", "y", "c1"),
                           ("b.txt", "y", "c2"), ("gone.txt", "z", "c1")]:
        made.put_seed(path, sha, ctx, rec, [], {"dup": {"k": [1]}, "fig": {"k": [2]}})
    made.put_features([("orphan.txt", "w", "dup", {"k": [3]}), ("b.txt", "y", "dup", {})],
                      "c1")
    made.close()
    shutil.copy(tmp_path / "a.sqlite", tmp_path / "b.sqlite")
    current = {"a.txt": "x", "b.txt": "y"}
    here = cache_mod.Store.open(tmp_path / "a.sqlite")
    assert here.seed_rows() == 5  # (not as many as the seeds: the prune deletes rows)
    here.prune("c1", current, 0.0)
    assert here.seed_rows() == 2
    here.close()
    fork = multiprocessing.get_context("fork")
    proc = fork.Process(target=plugin._prune_apart,
                        args=(str(tmp_path / "b.sqlite"), "c1", current, 0.0))
    proc.start()
    proc.join()
    assert proc.exitcode == 0

    def rows(name: str) -> tuple[list, list]:
        with sqlite3.connect(tmp_path / name) as conn:
            return (sorted(conn.execute("SELECT path, sha256, ctx FROM seed")),
                    sorted(conn.execute("SELECT path, sha256, ctx, idx FROM feature")))

    assert rows("a.sqlite") == rows("b.sqlite") == (
        [("a.txt", "x", "c1"), ("b.txt", "y", "c1")],
        [("a.txt", "x", "c1", "dup"), ("a.txt", "x", "c1", "fig"), ("b.txt", "y", "c1", "dup"),
         ("b.txt", "y", "c1", "fig")])
    (tmp_path / "dir.sqlite").mkdir()  # not a store
    proc = fork.Process(target=plugin._prune_apart,
                        args=(str(tmp_path / "dir.sqlite"), "c1", current, 0.0))
    proc.start()
    proc.join()
    assert proc.exitcode == 1
    assert "Traceback" not in capfd.readouterr().err
