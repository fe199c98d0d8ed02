"""Incremental corpus checks (checks/incremental.py): after seeds are added, edited or
removed, a category recomputes only the findings the change can affect, and its
findings (fingerprints included) equal those of a run over the whole corpus."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from checks import cache as cache_mod
from checks import engine, incremental, registry
from checks.config import Config
from checks.scan import scan

HEADER = "2021-03-0{d}\n\n"
THINGS = [("新建高标准农田", "亩"), ("改造老旧小区", "个"), ("培训技术工人", "人次"),
          ("新修乡村公路", "公里"), ("发放助学金", "万元"), ("新增就业岗位", "个"),
          ("完成植树造林", "亩"), ("接种疫苗", "剂次"), ("引进重点项目", "个"),
          ("建成充电桩", "个")]


def word(rng: random.Random, n: int) -> str:
    # common-range ideographs, drawn at random: the texts share no shingles by chance
    return "".join(chr(rng.randint(0x4E00, 0x7FFF)) for _ in range(n))


def sentence(rng: random.Random) -> str:
    unit = rng.choice(THINGS)[1]
    return f"{word(rng, 5)}{rng.randint(10, 9999)}{unit}，{word(rng, 7)}。"


def article(rng: random.Random, n_paras: int = 6) -> list[str]:
    return ["      " + "".join(sentence(rng) for _ in range(4)) for _ in range(n_paras)]


def text_of(paras: list[str], day: int = 1) -> str:
    return HEADER.format(d=day) + "    县政府工作动态\n\n" + "\n\n".join(paras) + "\n"


def make_corpus(root: Path) -> dict[str, list[str]]:
    rng = random.Random(7)
    bodies = {f"{i:03d}.txt": article(rng) for i in range(40)}
    bodies["050_copy_of_001.txt"] = list(bodies["001.txt"])          # identical
    near = list(bodies["002.txt"])
    near[3] = "      " + "".join(sentence(rng) for _ in range(4))     # near-copy
    bodies["051_near_002.txt"] = near
    fig = list(bodies["004.txt"])                                      # one figure differs
    fig[1] = fig[1].replace(fig[1][20:40], fig[1][20:40].replace("1", "7"), 1) \
        if "1" in fig[1][20:40] else fig[1] + "另外新建村道18公里。"
    bodies["052_fig_004.txt"] = fig
    shared = "      " + "".join(sentence(rng) for _ in range(6))       # a shared passage
    for name in ("010.txt", "020.txt", "030.txt"):
        bodies[name] = bodies[name][:2] + [shared] + bodies[name][2:]
    root.mkdir(parents=True, exist_ok=True)
    for name, paras in bodies.items():
        (root / name).write_text(text_of(paras), encoding="utf-8")
    return bodies


def run_category(root: Path, store, category: str) -> list[dict]:
    cfg = Config()
    entries = scan(root)
    shas = {rel: cache_mod.read_raw(p)[1] for rel, p in entries}
    findings, _ = cache_mod.check_corpus_cached(root, [r for r, _ in entries], shas, cfg,
                                                category, store, CTX)
    return [f.to_dict() for f in findings]


def cold(root: Path, category: str) -> list[dict]:
    corpus = engine.Corpus(root, [r for r, _ in scan(root)], Config())
    return [f.to_dict() for f in engine.check_corpus(corpus, category)]


CTX = "test-ctx"


@pytest.fixture
def corpus(tmp_path):
    root = tmp_path / "seeds"
    bodies = make_corpus(root)
    store = cache_mod.Store.open(tmp_path / "store.sqlite")
    yield root, bodies, store
    store.close()


CHANGES = [
    # (description, function(root, bodies))
    ("add a near-copy of 005", lambda r, b: (r / "060_near_005.txt").write_text(
        text_of(b["005.txt"][:5] + ["      各项工作有序推进，成效明显，群众满意度持续提升。" * 3]),
        encoding="utf-8")),
    ("edit 006 into a copy of 007", lambda r, b: (r / "006.txt").write_text(
        text_of(b["007.txt"], day=2), encoding="utf-8")),
    ("remove 001 (the first of an identical pair)", lambda r, b: (r / "001.txt").unlink()),
    ("edit the near-copy of 002 back to clean text", lambda r, b: (
        r / "051_near_002.txt").write_text(text_of(article(random.Random(99))),
                                          encoding="utf-8")),
    ("add a fourth file with the shared passage", lambda r, b: (r / "070.txt").write_text(
        text_of(b["011.txt"][:1] + [b["010.txt"][2]] + b["011.txt"][1:]), encoding="utf-8")),
    ("remove a file holding the shared passage", lambda r, b: (r / "020.txt").unlink()),
]


@pytest.mark.parametrize("category", ["duplicate", "figure", "chrome"])
def test_incremental_equals_cold_after_each_change(corpus, category):
    root, bodies, store = corpus
    first = run_category(root, store, category)
    assert first == cold(root, category)
    assert incremental.LAST[category].mode == "full"
    if category == "duplicate":
        checks = {f["check"] for f in first}
        assert {"duplicate.identical-file", "duplicate.near-duplicate-file",
                "duplicate.shared-passage"} <= checks
    modes = []
    for what, change in CHANGES:
        change(root, bodies)
        got = run_category(root, store, category)
        assert got == cold(root, category), what
        st = incremental.LAST[category]
        modes.append((st.mode, st.recomputed))
    if category == "duplicate":
        # the point: every change was incremental and touched a few seeds only
        n = len(scan(root))
        assert all(m == "incremental" and r < n // 4 for m, r in modes), modes
    if category == "chrome":  # its reduce: the counts of the edge lines (no line repeats)
        assert all(m == "incremental" and r <= 1 for m, r in modes), modes


def test_nothing_changed_reads_the_state(corpus):
    root, _bodies, store = corpus
    a = run_category(root, store, "duplicate")
    store.conn.execute("DELETE FROM corpus")  # the whole-corpus result is gone
    b = run_category(root, store, "duplicate")
    assert a == b and incremental.LAST["duplicate"].mode == "unchanged"


def test_a_change_reaching_most_seeds_runs_in_full(corpus, monkeypatch):
    root, bodies, store = corpus
    run_category(root, store, "duplicate")
    for name in list(bodies)[:15]:  # 15 of 46 seeds: over MAX_SHARE
        (root / name).write_text(text_of(article(random.Random(name))), encoding="utf-8")
    got = run_category(root, store, "duplicate")
    assert got == cold(root, "duplicate")
    assert incremental.LAST["duplicate"].mode == "full"
    assert "changed" in incremental.LAST["duplicate"].reason


def test_corrupt_state_is_a_miss(corpus):
    root, bodies, store = corpus
    run_category(root, store, "duplicate")
    store.conn.execute("UPDATE corpus_state SET value = x'00ff'")
    (root / "003.txt").unlink()
    assert run_category(root, store, "duplicate") == cold(root, "duplicate")
    assert incremental.LAST["duplicate"].mode == "full"


def test_a_store_that_defers_states_writes_them_when_flushed(tmp_path):
    """With ``defer_states`` (a pool worker's store) a corpus state is kept, not
    written, until ``flush_states``, which writes each in the order given."""
    store = cache_mod.Store.open(tmp_path / "store.sqlite")
    store.put_corpus_state(CTX, "figure", {"v": 0})
    store.defer_states = True
    store.put_corpus_state(CTX, "figure", {"v": 1})
    store.put_corpus_state(CTX, "duplicate", {"d": 1})
    store.put_corpus_state(CTX, "figure", {"v": 2})
    assert store.get_corpus_state(CTX, "figure") == {"v": 0}
    assert store.get_corpus_state(CTX, "duplicate") is None
    store.flush_states()
    assert not store.defer_states
    assert store.get_corpus_state(CTX, "figure") == {"v": 2}
    assert store.get_corpus_state(CTX, "duplicate") == {"d": 1}
    assert len(list(tmp_path.glob("store.state-*.pickle"))) == 2  # (replaced ones gone)


def test_corpus_state_is_kept_in_a_file_the_row_names(tmp_path, monkeypatch):
    """A category's state is written to a file beside the store, named by its row; a new
    state replaces the file, pruning another context's rows deletes theirs, an orphan
    file is swept once it is old, wiping the store removes them all; a missing file, or
    a row naming anything but a state file, is a miss; where no file can be written the
    state stays in the row."""
    import os
    import time

    store = cache_mod.Store.open(tmp_path / "store.sqlite")
    files = lambda: sorted(p.name for p in tmp_path.glob("store.state-*.pickle"))  # noqa: E731
    store.put_corpus_state(CTX, "duplicate", {"a": 1})
    (first,) = files()
    row = store.conn.execute("SELECT value FROM corpus_state").fetchone()[0]
    assert row == b"file:" + first.encode()
    assert store.get_corpus_state(CTX, "duplicate") == {"a": 1}
    store.put_corpus_state(CTX, "duplicate", {"a": 2})
    (second,) = files()
    assert second != first and store.get_corpus_state(CTX, "duplicate") == {"a": 2}
    store.put_corpus_state("old-ctx", "figure", [3])
    assert len(files()) == 2
    orphan = tmp_path / "store.state-0123456789abcdef-0123456789ab.pickle"
    orphan.write_bytes(b"x")
    young = tmp_path / "store.state-0123456789abcdef-ba9876543210.pickle"
    young.write_bytes(b"x")
    past = time.time() - cache_mod.STATE_ORPHAN_S - 10
    os.utime(orphan, (past, past))
    store.prune(CTX, {}, 0.0)
    assert files() == sorted([second, young.name])  # old-ctx's file and the orphan gone
    assert store.get_corpus_state("old-ctx", "figure") is None
    (tmp_path / second).unlink()  # a missing file: a miss, not an error
    assert store.get_corpus_state(CTX, "duplicate") is None and not store.broken
    for bad in (b"file:../x.pickle", b"file:/etc/passwd", b"file:"):
        store.conn.execute("UPDATE corpus_state SET value = ?", (bad,))
        assert store.get_corpus_state(CTX, "duplicate") is None
    # no file can be written: the state stays in the row
    real_open = open
    monkeypatch.setattr("builtins.open", lambda p, *a, **k: (_ for _ in ()).throw(
        PermissionError("read-only")) if ".state-" in str(p) else real_open(p, *a, **k))
    store.put_corpus_state(CTX, "typo", {"t": 1})
    monkeypatch.undo()
    assert store.conn.execute("SELECT substr(value, 1, 5) FROM corpus_state WHERE "
                              "category='typo'").fetchone()[0] != b"file:"
    assert store.get_corpus_state(CTX, "typo") == {"t": 1}
    store.put_corpus_state(CTX, "figure", [1])
    assert len(files()) == 2
    store.close()
    cache_mod.Store.open(tmp_path / "store.sqlite", wipe=True).close()
    assert files() == []


def test_key_index_owners_and_caps():
    ki = incremental.KeyIndex.build({
        "a": np.array([1, 2], dtype=np.uint64), "b": np.array([2, 3], dtype=np.uint64),
        "c": np.array([3], dtype=np.uint64), "d": np.array([], dtype=np.uint64)})
    assert ki.owners(np.array([2], dtype=np.uint64)) == {"a", "b"}
    assert ki.owners(np.array([3, 9], dtype=np.uint64)) == {"b", "c"}
    assert ki.owners(np.array([2], dtype=np.uint64), cap=1) == set()  # 2 holders > cap
    assert set(ki.keys_of({"a", "c"}).tolist()) == {1, 2, 3}
    up = ki.updated({"a": None, "e": np.array([3, 4], dtype=np.uint64)})
    assert up.paths == ["b", "c", "d", "e"]
    assert up.owners(np.array([3], dtype=np.uint64)) == {"b", "c", "e"}
    assert up.owners(np.array([1], dtype=np.uint64)) == set()
    # over the cap before and after: connects nothing; over it only before: it does
    assert up.owners(np.array([3], dtype=np.uint64), cap=2, before=ki) == {"b", "c", "e"}
    assert up.owners(np.array([3], dtype=np.uint64), cap=1, before=ki) == set()


def _old_rebase(old_paths, owners, changed):
    """Reference: what an update keeps, as it was worked out with a dict of every path
    and a sort of all of them."""
    pid = {p: i for i, p in enumerate(old_paths)}
    drop = [pid[p] for p in changed if p in pid]
    keep = (~np.isin(owners, np.asarray(drop, dtype=np.int64)) if drop
            else np.ones(len(owners), dtype=bool))
    paths = sorted((set(old_paths) - {p for p, k in changed.items() if k is None})
                   | {p for p, k in changed.items() if k is not None})
    new_id = {p: i for i, p in enumerate(paths)}
    remap = np.array([new_id.get(p, -1) for p in old_paths], dtype=np.int64)
    kept = remap[owners[keep]] if len(old_paths) else owners[keep]
    return keep, paths, new_id, kept


def _sorted_again(ix, changed):
    """Reference: an index's update as it was made before the merge, every row sorted
    again (kept rows first, then the new ones in ``changed``'s order, stably)."""
    keep, paths, new_id, kept = _old_rebase(ix.paths, ix.O, changed)
    got = incremental._rebase(ix.paths, ix.pid, ix.O, changed)
    assert np.array_equal(got[0], keep) and got[1] == paths and np.array_equal(got[3], kept)
    assert got[2] == {p: new_id[p] for p, k in changed.items() if k is not None}
    news = [(p, k) for p, k in changed.items() if k is not None]
    if isinstance(ix, incremental.KeyIndex):
        H = np.concatenate([ix.H[keep]] + [k for _p, k in news])
        O = np.concatenate([kept] + [np.full(len(k), new_id[p]) for p, k in news])
        order = np.argsort(H, kind="stable")
        return H[order], O[order]
    G = np.concatenate([ix.G[keep]] + [k[0] for _p, k in news]).astype(np.uint64)
    M = np.concatenate([ix.M[keep]] + [k[1] for _p, k in news]).astype(np.uint64)
    O = np.concatenate([kept] + [np.full(len(k[0]), new_id[p]) for p, k in news])
    order = np.lexsort((O, M, G))
    return G[order], M[order], O[order]


def test_index_updates_merge_new_rows_into_the_kept_ones_as_a_full_sort_would():
    """KeyIndex and GroupIndex updates renumber the kept rows' owners and merge the
    changed seeds' rows into the kept (sorted) rows: the paths, ids and arrays a dict of
    every path and a stable sort of all rows gave, ties included (keys and groups shared
    by many seeds, seeds added before and after the others, removed, replaced,
    emptied)."""
    rng = np.random.default_rng(7)
    u = lambda *a: rng.integers(0, 6, size=a).astype(np.uint64)  # noqa: E731  (many ties)
    paths = [f"{i:03d}.txt" for i in range(0, 60, 2)]
    keys = incremental.KeyIndex.build({p: u(int(rng.integers(0, 5))) for p in paths})
    groups = incremental.GroupIndex.build(
        {p: (u(n), u(n)) for p in paths for n in [int(rng.integers(0, 5))]})
    for step in range(40):
        names = rng.choice([f"{i:03d}.txt" for i in range(61)], size=4, replace=False)
        kc, gc = {}, {}
        for j, p in enumerate(names.tolist()):
            n = int(rng.integers(0, 4))
            kc[p] = None if j == 0 else u(n)
            gc[p] = None if j == 0 else (u(n), u(n))
        want = _sorted_again(keys, kc)
        keys = keys.updated(kc)
        assert np.array_equal(keys.H, want[0]) and np.array_equal(keys.O, want[1]), step
        want = _sorted_again(groups, gc)
        groups = groups.updated(gc)
        assert all(np.array_equal(a, b) for a, b in zip(
            (groups.G, groups.M, groups.O), want)), step
        assert groups.P[-1] == len({(g, m) for g, m in zip(groups.G.tolist(),
                                                            groups.M.tolist())})


def test_every_builtin_index_with_keys_returns_arrays():
    """The keys of the shipped indexes on a real seed are uint64 arrays (plain,
    capped), and an index without keys is recorded as such."""
    from checks.seed import seed_from_text

    seed = seed_from_text(text_of(article(random.Random(3))), rel="x.txt")
    cfg = Config()
    for name in ("duplicate", "figure"):
        spec = registry.get_index(name)
        assert spec.keys is not None
        feat = spec.func(seed, engine.CheckContext(cfg, f"index:{name}"))
        plain, capped = incremental.key_arrays(spec, feat, cfg)
        assert plain.dtype == np.uint64 and len(plain) + len(capped) > 0
    assert registry.get_index("chrome").keys is None


def test_category_whose_changes_reach_everything_stops_keeping_keys(corpus, monkeypatch):
    root, bodies, store = corpus
    run_category(root, store, "duplicate")
    monkeypatch.setattr(incremental, "MAX_SHARE", 0.03)      # 2 seeds are "too far" ...
    monkeypatch.setattr(incremental, "HOPELESS_SHARE", 0.0)  # ... and "reaching everything"
    monkeypatch.setattr(incremental, "SKIP_RUNS", 2)
    modes = []
    for what, change in [CHANGES[i] for i in (0, 1, 3, 4)]:  # each reaches 2+ seeds
        change(root, bodies)
        assert run_category(root, store, "duplicate") == cold(root, "duplicate"), what
        st = incremental.LAST["duplicate"]
        state = store.get_corpus_state(CTX, "duplicate")
        modes.append((st.mode, st.hopeless, state.get("skip"), "indexes" in state))
    # the first change is tried and found hopeless; two runs go without keys; then the
    # keys are built again, and the next change is tried again
    assert modes == [("full", True, 2, False), ("full", False, 1, False),
                     ("full", False, 0, False), ("full", False, None, True)], modes


# -- figure: the template rule is a maintained reduce ------------------------------------------

# the article of the figure tests' cross-file cases
from test_figure import ARTICLE as FIG_ARTICLE  # noqa: E402


def fig_article(day: int, money: str) -> str:
    return f"2021-03-0{day}\n\n青石县推进农村公路建设\n\n" + "\n".join(
        x.format(money=money) for x in FIG_ARTICLE) + "\n"


def other_article(money: str, seed: int = 5) -> str:
    """Another article that states the money sentence (its template variant) and
    nothing else of the article above."""
    rng = random.Random(seed)
    return text_of([FIG_ARTICLE[2].format(money=money)] + article(rng, 3), day=7)


def run_with(root: Path, store, category: str, config: Config) -> list[dict]:
    entries = scan(root)
    shas = {rel: cache_mod.read_raw(p)[1] for rel, p in entries}
    findings, _ = cache_mod.check_corpus_cached(root, [r for r, _ in entries], shas, config,
                                                category, store, CTX)
    return [f.to_dict() for f in findings]


def cold_with(root: Path, category: str, config: Config) -> list[dict]:
    corpus = engine.Corpus(root, [r for r, _ in scan(root)], config)
    return [f.to_dict() for f in engine.check_corpus(corpus, category)]


FIG_CHANGES = [
    # (description, change, paths with a figure.conflicting-figure-across-files finding)
    # with max_bucket 2, this puts the sentence's buckets over the cap (three rows)
    # while its figure sets stay two: the pair a-b must go (a bucket size flipped)
    ("a third article states the money sentence with one of the two figures",
     lambda r: (r / "c.txt").write_text(other_article("3800万元"), encoding="utf-8"),
     {"a.txt", "b.txt"}),
    ("it states a third figure: a template (the buckets' sizes stay)",
     lambda r: (r / "c.txt").write_text(other_article("4000万元"), encoding="utf-8"), set()),
    ("it now states one of the two figures: two variants, no template",
     lambda r: (r / "c.txt").write_text(other_article("3800万元", 6), encoding="utf-8"),
     {"a.txt", "b.txt"}),
    # with max_bucket 2, the sentence's buckets (a, b, c) are over the cap, but the
    # part of the corpus rechecked for a (a and b) holds two of their rows only: the
    # bucket sizes must be the whole corpus's (the state's), not the part's
    ("a edited (its capture date)", lambda r: (r / "a.txt").write_text(
        fig_article(3, "3800万元"), encoding="utf-8"), {"a.txt", "b.txt"}),
    ("a third figure again", lambda r: (r / "c.txt").write_text(
        other_article("4100万元"), encoding="utf-8"), set()),
    ("the third article removed: two variants", lambda r: (r / "c.txt").unlink(),
     {"a.txt", "b.txt"}),
    ("b states the first figure: no conflict", lambda r: (r / "b.txt").write_text(
        fig_article(5, "3800万元"), encoding="utf-8"), set()),
    ("b states another figure again", lambda r: (r / "b.txt").write_text(
        fig_article(5, "3600万元"), encoding="utf-8"), {"a.txt", "b.txt"}),
    ("a filler file edited", lambda r: (r / "003.txt").write_text(
        text_of(article(random.Random(31))), encoding="utf-8"), {"a.txt", "b.txt"}),
]


@pytest.mark.parametrize("max_bucket", [64, 2])
def test_figure_template_flips_are_incremental(tmp_path, max_bucket):
    """The template rule (a statement key stated with three or more sets of figures
    across the corpus is skipped) flips both ways; incremental runs equal cold runs,
    recompute a few seeds only, and never fall back to a full run. With max_bucket 2
    the buckets of the sentence are over the cap: nothing pairs through them."""
    root = tmp_path / "seeds"
    make_corpus(root)
    (root / "a.txt").write_text(fig_article(2, "3800万元"), encoding="utf-8")
    (root / "b.txt").write_text(fig_article(5, "3600万元"), encoding="utf-8")
    cfg = Config(checks={"figure.conflicting-figure-across-files": {"max_bucket": max_bucket}})
    store = cache_mod.Store.open(tmp_path / "store.sqlite")
    across = "figure.conflicting-figure-across-files"
    try:
        first = run_with(root, store, "figure", cfg)
        assert first == cold_with(root, "figure", cfg)
        assert {f["path"] for f in first if f["check"] == across} == {"a.txt", "b.txt"}
        n = len(scan(root))
        for what, change, want in FIG_CHANGES:
            change(root)
            got = run_with(root, store, "figure", cfg)
            assert got == cold_with(root, "figure", cfg), what
            if max_bucket == 2 and (root / "c.txt").exists():
                want = set()  # three rows in the sentence's buckets: over the cap
            assert {f["path"] for f in got if f["check"] == across} == want, what
            st = incremental.LAST["figure"]
            assert st.mode == "incremental" and st.recomputed <= 5 and st.subcorpus < n // 4, \
                (what, st.mode, st.reason, st.recomputed, st.subcorpus)
    finally:
        store.close()


def test_group_index_counts_distinct_members():
    u = lambda *xs: np.array(xs, dtype=np.uint64)  # noqa: E731
    gi = incremental.GroupIndex.build({"a": (u(1, 1, 2), u(10, 11, 10)),
                                       "b": (u(1,), u(10,)), "c": (u(1, 3), u(12, 10))})
    assert gi.members(u(1, 2, 3, 4)).tolist() == [3, 1, 1, 0]
    assert gi.owners(u(1)) == {"a", "b", "c"}
    up = gi.updated({"c": None, "d": (u(2, 2), u(11, 12))})
    assert up.members(u(1, 2, 3)).tolist() == [2, 3, 0]
    assert up.owners(u(2)) == {"a", "d"}
    assert set(up.groups_of({"a"}).tolist()) == {1, 2}


# -- typo: the corpus counts are a maintained reduce (checks/typo_reduce.py) -------------------

TYPO_HEAD = "2020-07-26\n\n"
TYPO_LEAD = "县政府召开专题会议，部署下一阶段重点工作。"
TYPO_TAIL = "会议要求各部门加强协调，确保任务按期完成。\n"
TYPO_FILLER = ["今年以来全县新建农村公路一百公里，改造危桥十座。",
               "各乡镇积极推进人居环境整治，群众满意度明显提升。",
               "教育部门组织骨干教师下乡支教，帮助学校提高质量。",
               "卫生健康部门开展义诊活动，惠及群众三千余人次。"]
TWIN_OK = "第{i}次会议指出，人民代表大会是国家权力机关。截至目前，各项工作进展顺利。"


def typo_text(*parts: str) -> str:
    return TYPO_HEAD + TYPO_LEAD + "".join(parts) + TYPO_TAIL


def typo_corpus(root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    files = {
        # typo.corpus-rare-form: 张缋 once, 张绩 in three files
        "r1.txt": typo_text("记者张绩说，", TYPO_FILLER[0]),
        "r2.txt": typo_text("张绩说明年再来。", TYPO_FILLER[1]),
        "r3.txt": typo_text("据张绩说，", TYPO_FILLER[2]),
        "r9.txt": typo_text("今天张缋说了这件事。", TYPO_FILLER[3]),
        # typo.confusable-char: 辩别 in one file
        "c1.txt": typo_text("我们要认真辩别真假信息。"),
        # typo.context-word: 权利机关 and 截止目前 once, the twins in six files
        "t0.txt": typo_text("人民代表大会是国家权利机关，截止目前已召开三次会议。"),
    }
    for i in range(6):
        files[f"w{i}.txt"] = typo_text(TWIN_OK.format(i=i + 1))
    for i, para in enumerate(TYPO_FILLER):
        files[f"f{i}.txt"] = typo_text(para, TYPO_FILLER[(i + 1) % 4])
    for i in range(16):  # more files: a change of three stays under MAX_SHARE
        files[f"g{i:02d}.txt"] = typo_text(f"第{i + 1}季度，", TYPO_FILLER[i % 4],
                                           TYPO_FILLER[(i + 2) % 4])
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")


def _write(name: str, text: str):
    return lambda r: (r / name).write_text(text, encoding="utf-8")


def _unlink(name: str):
    return lambda r: (r / name).unlink()


TYPO_CHANGES = [
    # (description, change, {check: paths with its findings} after the change)
    ("a second 张缋: 3 张绩 are fewer than ratio (3) times 2",
     _write("r8.txt", typo_text("张缋说过。")), {"typo.corpus-rare-form": set()}),
    ("the second removed: reported again", _unlink("r8.txt"),
     {"typo.corpus-rare-form": {"r9.txt"}}),
    # a seed without rare candidates, only the repaired form in its text: 张绩 2 < 3
    ("a 张绩 file edited to clean text", _write("r3.txt", typo_text(TYPO_FILLER[2])),
     {"typo.corpus-rare-form": set()}),
    ("and back", _write("r3.txt", typo_text("据张绩说，", TYPO_FILLER[2])),
     {"typo.corpus-rare-form": {"r9.txt"}}),
    # a form no seed held before: counted in every other seed's text once
    ("李绩 in three filler files (no rare form there: nothing tracked)", lambda r: [
        (r / f"f{i}.txt").write_text(typo_text("李绩说，", TYPO_FILLER[i]), encoding="utf-8")
        for i in range(3)], {"typo.corpus-rare-form": {"r9.txt"}}),
    ("a new rare form 李缋, whose repaired form the unchanged files hold",
     _write("r6.txt", typo_text("李缋说要坚持。")),
     {"typo.corpus-rare-form": {"r6.txt", "r9.txt"}}),
    ("张缋 with the new form in one file (edited)",
     _write("r6.txt", typo_text("李缋说要坚持，张缋说好。")),
     {"typo.corpus-rare-form": {"r6.txt"}}),
    # typo.confusable-char: 辩别 in three files is a term of the corpus
    ("辩别 in a second file", _write("c2.txt", typo_text("我们要认真辩别真假信息。", TYPO_FILLER[1])),
     {"typo.confusable-char": {"c1.txt", "c2.txt"}}),
    ("in a third: a term", _write("c3.txt", typo_text("我们要认真辩别真假信息。", TYPO_FILLER[2])),
     {"typo.confusable-char": set()}),
    ("the second removed", _unlink("c2.txt"), {"typo.confusable-char": {"c1.txt", "c3.txt"}}),
    # typo.context-word: the twin's contexts below min_common, then a second 权利机关
    ("two of the six twin files removed", lambda r: [(r / "w4.txt").unlink(),
                                                      (r / "w5.txt").unlink()],
     {"typo.context-word": set()}),
    ("one back: five", _write("w4.txt", typo_text(TWIN_OK.format(i=5))),
     {"typo.context-word": {"t0.txt"}}),
    ("the first twin file edited (the related place moves)",
     _write("w0.txt", typo_text("会上，", TWIN_OK.format(i=9))), {"typo.context-word": {"t0.txt"}}),
    ("the first twin file removed (the related place is the next one)", _unlink("w0.txt"),
     {"typo.context-word": set()}),
    ("a sixth twin file", _write("w5.txt", typo_text(TWIN_OK.format(i=7))),
     {"typo.context-word": {"t0.txt"}}),
    ("权利机关 in a second file: its usage", _write("t1.txt", typo_text("国家权利机关依法行使职权。")),
     {"typo.context-word": {"t0.txt"}}),
    ("the slip file edited", _write("t0.txt", typo_text("会上说，人民代表大会是国家权利机关。")),
     {"typo.context-word": set()}),
    # 权利机关 is rare again: the other file's 权利 is reported now
    ("the slip file removed", _unlink("t0.txt"), {"typo.context-word": {"t1.txt"}}),
]


@pytest.mark.parametrize("hold_max", [16, 1])
def test_typo_changes_are_incremental(tmp_path, monkeypatch, hold_max):
    """Every typo corpus count flips both ways (rare forms counted in the seeds' text,
    the confusion checks' term rule, the contexts' counts and first places); each
    incremental run equals a cold run of the same corpus and recomputes a few seeds.
    With ``hold_max`` 1 the state keeps the holders of almost no context: they, and
    the first places, are read from the stored features."""
    from checks import typo_reduce

    monkeypatch.setattr(typo_reduce, "HOLD_MAX", hold_max)
    root = tmp_path / "seeds"
    typo_corpus(root)
    store = cache_mod.Store.open(tmp_path / "store.sqlite")
    try:
        first = run_category(root, store, "typo")
        assert first == cold(root, "typo")
        assert incremental.LAST["typo"].mode == "full"
        by = lambda got, check: {f["path"] for f in got if f["check"] == check}  # noqa: E731
        assert by(first, "typo.corpus-rare-form") == {"r9.txt"}
        assert by(first, "typo.confusable-char") == {"c1.txt"}
        assert by(first, "typo.context-word") == {"t0.txt"}
        for what, change, want in TYPO_CHANGES:
            change(root)
            got = run_category(root, store, "typo")
            assert got == cold(root, "typo"), what
            for check, paths in want.items():
                assert by(got, check) == paths, (what, check)
            st = incremental.LAST["typo"]
            assert st.mode == "incremental" and st.recomputed <= 5, \
                (what, st.mode, st.reason, st.recomputed)
    finally:
        store.close()


def test_typo_without_the_earlier_features_runs_in_full(tmp_path):
    """An edited seed's earlier features are what its old counts are taken back with;
    when the store no longer holds them, the category runs in full (and stays exact)."""
    root = tmp_path / "seeds"
    typo_corpus(root)
    store = cache_mod.Store.open(tmp_path / "store.sqlite")
    try:
        run_category(root, store, "typo")
        old_sha = cache_mod.read_raw(root / "t0.txt")[1]
        (root / "t0.txt").write_text(typo_text("国家权利机关。"), encoding="utf-8")
        store.conn.execute("DELETE FROM feature WHERE path='t0.txt' AND sha256=?", (old_sha,))
        assert run_category(root, store, "typo") == cold(root, "typo")
        assert incremental.LAST["typo"].mode == "full"
        (root / "w1.txt").unlink()
        assert run_category(root, store, "typo") == cold(root, "typo")
        assert incremental.LAST["typo"].mode == "incremental"
    finally:
        store.close()


def _band_components(root: Path, config: Config) -> int:
    """The largest component the duplicate index's band keys alone make (every holder
    of a band value joined, as before the index declared its ``edge``)."""
    from checks.seed import read_seed

    spec = registry.get_index("duplicate")
    holders: dict[int, list[str]] = {}
    for rel, path in scan(root):
        feat = spec.func(read_seed(path, rel), engine.CheckContext(config, "index:duplicate"))
        for k in incremental.key_arrays(spec, feat, config)[1].tolist():
            holders.setdefault(k, []).append(rel)
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for hs in holders.values():
        for h in hs[1:]:
            parent[find(h)] = find(hs[0])
    sizes: dict[str, int] = {}
    for rel, _ in scan(root):
        sizes[find(rel)] = sizes.get(find(rel), 0) + 1
    return max(sizes.values())


def test_band_values_join_only_the_pairs_the_check_keeps(tmp_path, monkeypatch):
    """With one row per band, files that share a few shingles by chance share band
    values: the band keys alone join most of the corpus into one component (a change
    would run the category in full). The index's ``edge`` keeps only the pairs whose
    MinHash estimate reaches min_jaccard, as the check does: a near-copy added is
    recomputed with its original only, and the result equals a cold run."""
    root = tmp_path / "seeds"
    rng = random.Random(11)
    # every file: the same short headings (under 20 characters: no paragraph key), the
    # rest its own text
    heads = ["      一、工作进展情况", "      二、存在的主要问题", "      三、下一步工作打算",
             "      （一）加强组织领导", "      （二）强化督导检查"]
    bodies = {f"{i:03d}.txt": [h + "\n\n" + p for h, p in zip(heads, article(rng, 5))]
              for i in range(40)}
    root.mkdir()
    for name, paras in bodies.items():
        (root / name).write_text(text_of(paras), encoding="utf-8")
    cfg = Config(checks={"duplicate.near-duplicate-file": {"rows": 1}})
    n = len(bodies)
    assert _band_components(root, cfg) > n // 2
    store = cache_mod.Store.open(tmp_path / "store.sqlite")
    try:
        assert run_with(root, store, "duplicate", cfg) == cold_with(root, "duplicate", cfg)
        near = bodies["005.txt"][:5] + ["      各项工作有序推进，成效明显，群众满意度持续提升。" * 3]
        (root / "060_near_005.txt").write_text(text_of(near), encoding="utf-8")
        got = run_with(root, store, "duplicate", cfg)
        assert got == cold_with(root, "duplicate", cfg)
        assert [(f["check"], f["path"]) for f in got] == [
            ("duplicate.near-duplicate-file", "060_near_005.txt")]
        st = incremental.LAST["duplicate"]
        assert (st.mode, st.recomputed) == ("incremental", 2), (st.mode, st.reason)
        # a change of the same kind without the edge: every holder of a band value is a
        # neighbour, and the change reaches most of the corpus
        monkeypatch.setattr(registry.get_index("duplicate"), "edge", None)
        near = bodies["006.txt"][:5] + ["      各项工作有序推进，成效明显，群众满意度持续提升。" * 3]
        (root / "061_near_006.txt").write_text(text_of(near), encoding="utf-8")
        got = run_with(root, store, "duplicate", cfg)
        assert got == cold_with(root, "duplicate", cfg)
        assert len(got) == 2
        st = incremental.LAST["duplicate"]
        assert st.mode == "full" and "reaches" in st.reason, (st.mode, st.reason)
    finally:
        store.close()


def test_a_full_typo_run_counts_the_contexts_once(tmp_path, monkeypatch):
    """In a full run typo.context-word counts every context of the corpus; the typo
    reduce built after it takes those Counters instead of counting again: the reduce
    (its counters and their order, what the state stores) equals one built alone, and
    the context keys are not sliced a second time."""
    import pickle

    from checks import typo_reduce
    from checks.engine import CheckContext, Corpus, check_corpus_keyed

    root = tmp_path / "s"
    typo_corpus(root)
    paths = sorted(p.name for p in root.glob("*.txt"))
    cfg = Config()
    reduce = registry.get_index("typo").reduce
    ictx = CheckContext(cfg, "index:typo")
    alone = reduce.build(Corpus(root, paths, cfg), ictx)
    assert alone["right_n"] and alone["left_n"]
    sliced = []
    real = typo_reduce.right_keys
    monkeypatch.setattr(typo_reduce, "right_keys",
                        lambda recs: sliced.append(1) or real(recs))
    corpus = Corpus(root, paths, cfg)
    found = check_corpus_keyed(corpus, "typo")
    assert any(f.check == "typo.context-word" for v in found.values() for f, _k in v)
    assert typo_reduce.CONTEXTS in corpus.memo
    n_hold = len(sliced)
    shared = reduce.build(corpus, ictx)
    twins = sum(1 for _p, f in corpus.features("typo") if f and f.get("twins"))
    assert len(sliced) - n_hold == twins  # the holders' pass only, not the counting
    assert typo_reduce.CONTEXTS not in corpus.memo
    assert pickle.dumps(shared) == pickle.dumps(alone)
    assert list(shared["right_n"]) == list(alone["right_n"])


BANNER = ("某某市人民政府门户网站", "政务服务 互动交流 数据开放")


def chrome_text(i: int, banner: tuple[str, ...] = BANNER) -> str:
    """A seed whose head holds ``banner`` (short lines the lexicon does not know)."""
    body = [f"    第{i}篇文章的正文，" + "内容各不相同，" * 6 + f"编号{i}。", "",
            f"    第{i}篇的第二段，" + "继续讲述相关情况，" * 5 + "完。"]
    return HEADER.format(d=1) + "\n".join([*banner, "", f"第{i}篇标题", "", *body]) + "\n"


CHROME_CHANGES = [
    # (description, change, paths with a chrome.repeated-edge-line finding)
    ("a fifth banner file: 5 files, the threshold (min_files 5)",
     _write("b4.txt", chrome_text(4)), {f"b{i}.txt" for i in range(5)}),
    ("a plain file added: the messages' file count changes", _write("p99.txt", chrome_text(
        99, ())), {f"b{i}.txt" for i in range(5)}),
    ("a banner file edited without its banner: 4 files", _write("b2.txt", chrome_text(2, ())),
     set()),
    ("and back", _write("b2.txt", chrome_text(2)), {f"b{i}.txt" for i in range(5)}),
    ("the banner's second line changed in one file: the pair is in 4 files",
     _write("b3.txt", chrome_text(3, (BANNER[0], "首页 新闻中心"))), set()),
    ("a banner file removed", _unlink("b0.txt"), set()),
    ("two more: the pair in 5 files (b3's first line alone is not reported)",
     lambda r: [_write(f"b{i}.txt", chrome_text(i))(r) for i in (5, 6)],
     {"b1.txt", "b2.txt", "b4.txt", "b5.txt", "b6.txt"}),
    ("four plain files: 51 files, the share (0.1) needs 6",
     lambda r: [_write(f"q{i}.txt", chrome_text(200 + i, ()))(r) for i in range(4)], set()),
    ("a sixth banner file", _write("b7.txt", chrome_text(7)),
     {"b1.txt", "b2.txt", "b4.txt", "b5.txt", "b6.txt", "b7.txt"}),
    ("a plain file edited", _write("p07.txt", chrome_text(107, ())),
     {"b1.txt", "b2.txt", "b4.txt", "b5.txt", "b6.txt", "b7.txt"}),
]


def test_chrome_edge_line_counts_are_incremental(tmp_path):
    """``chrome.repeated-edge-line`` reads corpus-wide counts (files per line and per
    pair, and the number of files, which the share threshold and the messages use):
    kept as a reduce, each change flips findings both ways, every incremental run
    equals a cold run and recomputes the holders of the lines that count only."""
    root = tmp_path / "seeds"
    root.mkdir()
    for i in range(4):
        (root / f"b{i}.txt").write_text(chrome_text(i), encoding="utf-8")
    for i in range(40):
        (root / f"p{i:02d}.txt").write_text(chrome_text(100 + i, ()), encoding="utf-8")
    cfg = Config(checks={"chrome.repeated-edge-line": {"min_share": 0.1}})
    store = cache_mod.Store.open(tmp_path / "store.sqlite")
    check = "chrome.repeated-edge-line"
    try:
        first = run_with(root, store, "chrome", cfg)
        assert first == cold_with(root, "chrome", cfg) and first == []
        assert incremental.LAST["chrome"].mode == "full"
        for what, change, want in CHROME_CHANGES:
            change(root)
            got = run_with(root, store, "chrome", cfg)
            assert got == cold_with(root, "chrome", cfg), what
            assert {f["path"] for f in got if f["check"] == check} == want, what
            st = incremental.LAST["chrome"]
            assert st.mode == "incremental" and st.recomputed <= 10, \
                (what, st.mode, st.reason, st.recomputed)
        total = len(scan(root))
        assert f"of {total} files" in next(f["message"] for f in got if f["check"] == check)
    finally:
        store.close()
