"""Distributed runs (checks/distributed.py, checks/runner.py, checks/dask_pytest.py): the
same report from pytest, from ``python -m checks check`` here, and on a Dask
LocalCluster of 2 worker processes, also when a worker is killed mid-run."""

from __future__ import annotations

import json
import os
import pickle
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from checks import distributed as dist
from checks.config import Config
from checks.runner import assemble
from checks.baseline import Baseline
from ci_support import import_or_fail
from distributed_corpus import write_corpus

distributed = import_or_fail("distributed")  # installed by the dev extra (CI runs it)
fsspec = import_or_fail("fsspec")

CLEAN = Path(__file__).parent.parent / "seeds"
CORPUS_CHECKS = {"duplicate.identical-file", "duplicate.near-duplicate-file",
                 "duplicate.shared-passage", "figure.conflicting-figure-across-files",
                 "chrome.repeated-edge-line"}


def run_cli(*args, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, COLUMNS="120")
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=300)


def report(out: Path) -> dict:
    """report.json without what differs between any two runs (time)."""
    data = json.loads((out / "report.json").read_text("utf-8"))
    data.pop("generated_at")
    data["summary"].pop("duration_s")
    return data


def untimed(path: Path) -> str:
    """A report file without its duration and generation time (report.html embeds both
    in its data)."""
    import re

    text = path.read_text("utf-8")
    return re.sub(r"\d+\.\d+ s\b|\"duration_s\": ?[\d.]+"
                  r"|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d:\d\d|Z)?",
                  "<t>", text)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("dist") / "seeds"
    write_corpus(root)
    return root


@pytest.fixture(scope="module")
def local_report(corpus, tmp_path_factory) -> Path:
    """``python -m checks check`` without --dask: the reference."""
    out = tmp_path_factory.mktemp("ref") / "out"
    r = run_cli("-m", "checks", "check", str(corpus), "--report-dir", str(out), "-q",
                "--no-cache", cwd=out.parent)
    assert r.returncode == 1, r.stderr
    return out


def _cluster():
    import logging

    # results spill to disk beyond 1 MB a worker: every test on this cluster (the killed
    # worker's too) checks that spilled and reloaded results give the same report
    cluster = dist.local_cluster(2, results_mb=1, silence_logs=logging.ERROR)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


# one cluster for the tests that leave it whole, a fresh one for every test that kills
client = pytest.fixture(scope="module")(_cluster)
fresh_client = pytest.fixture(_cluster)


def job_for(root: Path, cache: str | None = None) -> tuple[dist.Job, list]:
    src = dist.make_source(str(root))
    return dist.make_job(src, Config(), cache), dist.list_seeds(src)


def test_corpus_exercises_every_corpus_category(local_report):
    checks = {f["check"] for f in report(local_report)["findings"]}
    assert CORPUS_CHECKS <= checks
    assert {"format.empty-file", "format.invalid-utf8", "format.nul-byte"} <= checks


def test_check_command_gives_the_pytest_report(corpus, local_report, tmp_path):
    r = run_cli("-m", "pytest", "--seeds", str(corpus), "--report-dir", str(tmp_path / "p"),
                "-p", "no:cacheprovider", "-q", cwd=tmp_path)
    assert r.returncode == 1, r.stdout[-2000:]
    assert report(tmp_path / "p") == report(local_report)
    for name in ("report.md", "report.sarif", "report.html"):
        assert untimed(tmp_path / "p" / name) == untimed(local_report / name), name


def test_clean_corpus_exits_0_like_pytest(tmp_path):
    r = run_cli("-m", "checks", "check", str(CLEAN), "--report-dir", str(tmp_path / "o"),
                "-q", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    p = run_cli("-m", "pytest", "--seeds", str(CLEAN), "--report-dir", str(tmp_path / "p"),
                "-p", "no:cacheprovider", "-q", cwd=tmp_path)
    assert p.returncode == 0
    assert report(tmp_path / "o") == report(tmp_path / "p")


def test_cli_on_a_local_cluster_is_identical(corpus, local_report, tmp_path):
    out = tmp_path / "o"
    r = run_cli("-m", "checks", "check", str(corpus), "--report-dir", str(out),
                "--dask", "local:2", "--shard-size", "4", "-q", cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    assert report(out) == report(local_report)
    for name in ("report.md", "report.sarif", "report.html"):
        assert untimed(out / name) == untimed(local_report / name), name
    # progress: shards done / total, seeds per second, the dashboard link
    assert "dashboard http://" in r.stderr
    assert "shards" in r.stderr and "seeds/s" in r.stderr
    assert f"map {len(dist.make_shards(dist.list_seeds(dist.make_source(str(corpus))), 4))}/" \
        in r.stderr


def test_pytest_dask_option_is_identical(corpus, local_report, tmp_path):
    r = run_cli("-m", "pytest", "--seeds", str(corpus), "--report-dir", str(tmp_path / "p"),
                "--dask", "local:2", "-p", "no:cacheprovider", "-q", cwd=tmp_path)
    assert r.returncode == 1, r.stdout[-3000:]
    assert "seedcheck: map " in r.stderr and "seeds/s" in r.stderr
    assert report(tmp_path / "p") == report(local_report)


def test_pytest_dask_ini_setting(corpus, local_report, tmp_path):
    (tmp_path / "pytest.ini").write_text("[pytest]\nseedcheck_dask = local:1\n")
    r = run_cli("-m", "pytest", "-c", "pytest.ini", "--seeds", str(corpus), "--report-dir",
                str(tmp_path / "p"), "-p", "no:cacheprovider", "-q", cwd=tmp_path)
    assert r.returncode == 1, r.stdout[-3000:]
    assert "seedcheck: Dask cluster local:1" in r.stderr
    assert report(tmp_path / "p") == report(local_report)


def test_dask_run_in_process_cluster_identical(corpus, local_report, client):
    job, entries = job_for(corpus)
    res = dist.run(job, entries, client=client, shard_size=3)
    got, _, _ = assemble(res, Baseline(Path("x")), "error", str(corpus.resolve()), 0.0)
    want = report(local_report)
    got.pop("generated_at"), got["summary"].pop("duration_s")
    assert got == want
    assert res.shards > 4


@pytest.mark.parametrize("when", ["map", "before-reduce"])
def test_killed_worker_mid_run_gives_the_same_report(corpus, local_report, fresh_client,
                                                     when):
    """``map``: a worker busy with shards is killed after the first shard is in;
    ``before-reduce``: every shard is in, the features wait on the workers, one worker
    is killed (its shards' features must be recomputed for the reduce)."""
    client = fresh_client
    job, entries = job_for(corpus)
    killed: dict = {}
    lock = threading.Lock()

    def progress(kind, info):
        if kind != "shard" or killed:
            return
        if when == "before-reduce" and info["done"] < info["total"]:
            return
        with lock:
            if when == "map":
                victims = [w for w, keys in client.processing().items() if keys]
            else:
                victims = [w for w, keys in client.has_what().items() if keys]
            if not victims:
                return
            pid = client.run(os.getpid, workers=[victims[0]])[victims[0]]
            os.kill(pid, signal.SIGKILL)
            killed.update(pid=pid, done=info["done"], total=info["total"])

    res = dist.run(job, entries, client=client, shard_size=2, progress=progress)
    assert killed
    if when == "map":
        assert killed["done"] < killed["total"]  # killed while shards were running
    got, _, _ = assemble(res, Baseline(Path("x")), "error", str(corpus.resolve()), 0.0)
    got.pop("generated_at"), got["summary"].pop("duration_s")
    assert got == report(local_report)


def test_shard_result_files_are_reused_and_keyed_by_content(corpus, tmp_path):
    work = tmp_path / "seeds"
    write_corpus(work)
    cache = str(tmp_path / "cache")
    job, entries = job_for(work, cache)
    first = dist.run(job, entries, shard_size=4)
    assert first.cached_shards == 0
    again = dist.run(job, entries, shard_size=4)
    assert again.cached_shards == again.shards
    assert again.seed_findings == first.seed_findings
    assert {c: r["findings"] for c, r in again.corpus.items()} == \
        {c: r["findings"] for c, r in first.corpus.items()}
    assert all(r["cached"] for r in again.corpus.values())
    # an edited seed: its shard (only) is checked again, and the new finding shows
    target = work / "a" / "010.txt"
    target.write_text(target.read_text("utf-8") + "    釆取措施。\n", "utf-8")
    edited = dist.run(job, entries, shard_size=4)
    assert edited.cached_shards == edited.shards - 1
    assert any(d["check"] == "typo.known-misspelling" and d["line"] == len(
        target.read_text("utf-8").splitlines()) for d in edited.seed_findings["a/010.txt"])
    assert not any(r["cached"] for r in edited.corpus.values())


def test_no_cache_says_so_and_writes_nothing(corpus, tmp_path):
    out = tmp_path / "o"
    r = run_cli("-m", "checks", "check", str(CLEAN), "--report-dir", str(out), "--no-cache",
                "-q", cwd=tmp_path)
    assert r.returncode == 0
    assert "cache off (--no-cache)" in r.stderr
    assert not (out / dist.CACHE_DIRNAME).exists()
    r = run_cli("-m", "checks", "check", str(CLEAN), "--report-dir", str(out), "-q",
                cwd=tmp_path)
    assert (out / dist.CACHE_DIRNAME).is_dir() and "1/1 shards from cache" not in r.stderr
    r = run_cli("-m", "checks", "check", str(CLEAN), "--report-dir", str(out), "-q",
                cwd=tmp_path)
    assert "1/1 shards from cache" in r.stderr


def test_seeds_from_an_fsspec_url(corpus, local_report):
    fs = fsspec.filesystem("memory")
    base = "/seedcheck-test-corpus"
    for p in sorted(corpus.rglob("*.txt")):
        fs.pipe_file(f"{base}/{p.relative_to(corpus).as_posix()}", p.read_bytes())
    src = dist.make_source(f"memory://{base}")
    entries = dist.list_seeds(src)
    assert [r for r, _ in entries] == sorted(p.relative_to(corpus).as_posix()
                                            for p in corpus.rglob("*.txt"))
    res = dist.run(dist.make_job(src, Config(), None), entries, shard_size=5)
    got, _, _ = assemble(res, Baseline(Path("x")), "error", src.label, 0.0)
    want = report(local_report)
    got.pop("generated_at"), got["summary"].pop("duration_s")
    assert got["seeds_dir"] == "memory:///seedcheck-test-corpus"
    got["seeds_dir"] = want["seeds_dir"]
    assert got == want


def test_shard_boundaries_move_only_around_an_added_seed():
    entries = [(f"d/{i:05d}.txt", "") for i in range(3000)]
    before = dist.make_shards(entries, 50)
    assert 30 < len(before) < 120
    assert [e for s in before for e in s] == entries
    added = sorted(entries + [("d/01234x.txt", "")])
    after = dist.make_shards(added, 50)
    changed = {tuple(s) for s in after} ^ {tuple(s) for s in before}
    assert len(changed) == 2  # the one shard that holds the new seed, before and after


@pytest.mark.parametrize("args, message", [
    (["missing-folder"], "the seeds folder missing-folder does not exist"),
    (["SEEDS", "--dask", "local:0"], "expected local:N"),
    (["SEEDS", "--dask", "nowhere"], "expected a scheduler address"),
    (["memory://no-such-bucket/x"], "does not exist"),
])
def test_usage_errors_exit_4(tmp_path, args, message):
    args = [str(CLEAN) if a == "SEEDS" else a for a in args]
    r = run_cli("-m", "checks", "check", *args, "--report-dir", str(tmp_path / "o"),
                cwd=tmp_path)
    assert r.returncode == 4, r.stderr
    assert message in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "o" / "report.json").exists()


def test_pytest_refuses_dask_with_xdist(tmp_path):
    r = run_cli("-m", "pytest", "--seeds", str(CLEAN), "--dask", "local:1", "-n", "2",
                "-p", "no:cacheprovider", cwd=tmp_path)
    assert r.returncode == 4
    assert "cannot be combined" in r.stderr


def test_a_worker_with_other_code_is_refused(tmp_path):
    job, entries = job_for(CLEAN)
    assert dist.map_shard(job, entries)["files"]  # the driver's own context passes
    job.ctx = "0" * 24  # what a driver with other code would send
    with pytest.raises(dist.DistributedError, match="runs other seedcheck code"):
        dist.map_shard(job, entries)


@pytest.mark.parametrize("address, message", [
    ("local:x", "expected local:N"),
    ("somehost:8786", "expected a scheduler address"),
])
def test_pytest_bad_dask_address_is_a_usage_error(tmp_path, address, message):
    r = run_cli("-m", "pytest", "--seeds", str(CLEAN), "--dask", address,
                "-p", "no:cacheprovider", cwd=tmp_path)
    assert r.returncode == 4
    assert message in r.stderr and "Traceback" not in r.stderr


def test_pytest_unreachable_scheduler_fails_every_item_with_the_reason(tmp_path):
    r = run_cli("-m", "pytest", "--seeds", str(CLEAN), "--dask", "tcp://127.0.0.1:9",
                "-p", "no:cacheprovider", "-q", cwd=tmp_path)
    assert r.returncode == 1
    assert "cannot reach the scheduler" in r.stdout and "Traceback" not in r.stdout


def test_url_seed_over_the_size_limit_is_hashed_not_checked():
    import hashlib

    fs = fsspec.filesystem("memory")
    base = "/seedcheck-test-big"
    big = ("2020-01-01\n\n" + "正文" * 600 + "\n").encode()
    fs.pipe_file(f"{base}/big.txt", big)
    fs.pipe_file(f"{base}/ok.txt", "2020-01-01\n\n正文第一段，内容完整。\n".encode())
    src = dist.make_source(f"memory://{base}")
    job = dist.make_job(src, Config(max_file_bytes=1000), None)
    r = dist.map_shard(job, dist.list_seeds(src))
    recs = {rec["path"]: rec for rec in r["files"]}
    assert recs["big.txt"]["sha256"] == hashlib.sha256(big).hexdigest()
    assert recs["big.txt"]["unreadable"] and not recs["ok.txt"]["unreadable"]
    big_findings = [d for d in r["findings"] if d["path"] == "big.txt"]
    assert [d["check"] for d in big_findings] == ["format.too-large"]
    assert f"the file is {len(big):,} bytes" in big_findings[0]["message"]


# -- partitioned reduces (checks/partition.py) ------------------------------------------------

def test_partitioned_reduce_p3_gives_the_local_report(corpus, local_report):
    """The figure reduce as 3 candidate and 3 verification partitions, in this process,
    gives the report of the local run (one reduce over the whole corpus)."""
    job, entries = job_for(corpus)
    res = dist.run(job, entries, shard_size=3, partitions=3)
    assert res.corpus["figure"].get("partitions") == 3
    got, _, _ = assemble(res, Baseline(Path("x")), "error", str(corpus.resolve()), 0.0)
    got.pop("generated_at"), got["summary"].pop("duration_s")
    assert got == report(local_report)


FIG = [
    "青石县交通运输局近日召开乡村道路建设推进会，通报全县农村公路建设进展情况。",
    "截至2020年底，全县新建和改造农村公路126公里，惠及沿线42个行政村。",
    "县财政统筹安排农村公路专项资金{money}，对按期完工、质量达标的项目给予奖励。",
    "全县共组织第三方检测机构抽检路段57段，抽检合格率达到98.5%。",
    "全县还组织开展农村公路养护技能培训，累计培训养护人员320人次。",
]


def conflicting_versions(tmp_path):
    """A small corpus with two versions of one article whose figures conflict (a.txt,
    m.txt); returns its folder."""
    root = tmp_path / "seeds"
    root.mkdir()
    write_corpus(root, n=12)
    for name, day, money in (("a.txt", 2, "3800万元"), ("m.txt", 5, "3600万元")):
        (root / name).write_text(f"2021-03-0{day}\n\n标题\n\n" + "\n".join(
            x.format(money=money) for x in FIG) + "\n", encoding="utf-8")
    return root


@pytest.mark.parametrize("third", [None, "3800万元", "4000万元"])
def test_partitioned_figure_equals_one_pass_with_templates_across_shards(tmp_path, third):
    """Versions a/b conflict on one sentence; a third file in another shard states it
    with one of their figures (no template) or a third (a template: no finding). The
    template keys come from the group partitions, the pairs from the bucket partitions,
    the statements from the shards: every P gives the one-pass findings."""
    from checks import engine, partition

    root = conflicting_versions(tmp_path)
    if third:
        (root / "z.txt").write_text("2021-03-09\n\n另一篇\n\n" + FIG[2].format(money=third)
                                    + "\n各地要抓好落实。\n", encoding="utf-8")
    job, entries = job_for(root)
    want = [f.to_dict() for f in engine.check_corpus(
        engine.Corpus(root, [r for r, _ in entries], Config()), "figure")]
    across = {f["path"] for f in want if f["check"] == "figure.conflicting-figure-across-files"}
    assert ({"a.txt", "m.txt"} <= across) is (third != "4000万元")
    shards = dist.make_shards(entries, 4)
    results = [dist.map_shard(job, sh) for sh in shards]
    metas = [dist.select_meta(r, sh) for r, sh in zip(results, shards)]
    blobs = [r["features"].get("figure") for r in results]
    for P in (1, 2, 3, 5):
        got = partition.run_local(job, "figure", metas, blobs, P)
        assert got["crash"] is None and got["findings"] == want, P
    # a verification partition unpickles only the statements of the files it needs (by
    # offset in the packed blob): the other files' bytes may be garbage
    base = partition.bases([len(m) for m in metas])
    P = 2
    splits = [partition.split_shard(job, "figure", b, m, o, P)
              for b, m, o in zip(blobs, metas, base)]
    cands = [partition.candidates(job, "figure", [sp[p] for sp in splits], P)
             for p in range(P)]
    checked = 0
    for q in range(P):
        need = partition.needs(job, "figure", [partition.routed_to(c, q) for c in cands])
        wanted = set(partition.needed_ids(need))
        for b, m, o in zip(blobs, metas, base):
            pk = dist.Packed(b)
            keep = {m[i - o][0] for i in wanted if o <= i < o + len(m)}
            spoilt = dist.pack_raw({rel: pk.raw(rel) if rel in keep else b"\xff" * 9
                                    for rel in pk.paths()})
            assert spoilt != b or keep == set(pk.paths())
            got = partition.select(job, "figure", spoilt, m, o, need)
            assert got == partition.select(job, "figure", b, m, o, need)
            checked += len(pk.paths()) - len(keep)
    assert checked > 0  # some files were not needed, and not read
    # each candidate partition gets only its slice of a shard's bucket keys
    parts = partition.split_shard(job, "figure", blobs[0], metas[0], base[0], 3)
    assert all((p["k"] % 3 == i).all() for i, p in enumerate(parts))
    whole = partition.split_shard(job, "figure", blobs[0], metas[0], base[0], 1)[0]
    assert sum(len(p["k"]) for p in parts) == len(whole["k"]) > 0


def test_partitioned_figure_with_one_live_statement_equals_one_pass(tmp_path, monkeypatch):
    """A verification keeps its statements packed and only the most recently used
    live: with room for one live statement (every other access unpacks again), every P
    still gives the one-pass findings, conflicts across files included."""
    from checks import engine, partition
    from checks.rules import figure

    root = conflicting_versions(tmp_path)
    job, entries = job_for(root)
    want = [f.to_dict() for f in engine.check_corpus(
        engine.Corpus(root, [r for r, _ in entries], Config()), "figure")]
    assert {"a.txt", "m.txt"} <= {f["path"] for f in want
                                  if f["check"] == "figure.conflicting-figure-across-files"}
    shards = dist.make_shards(entries, 4)
    results = [dist.map_shard(job, sh) for sh in shards]
    metas = [dist.select_meta(r, sh) for r, sh in zip(results, shards)]
    blobs = [r["features"].get("figure") for r in results]
    made = []
    real = figure._SlimStatements

    class Spy(real):
        def __init__(self, *a, **k):
            super().__init__(*a, **k)
            made.append(self)

    # a shard's selection: a pickle and, beside it, one buffer of packed statements a
    # file, which the verification reads in place (the very objects, not copies)
    base = partition.bases([len(m) for m in metas])
    sp = [partition.split_shard(job, "figure", b, m, o, 1) for b, m, o in zip(blobs, metas, base)]
    routed = [partition.routed_to(partition.candidates(job, "figure", [x[0] for x in sp], 1), 0)]
    need = partition.needs(job, "figure", routed)
    in_place = 0
    for b, m, o in zip(blobs, metas, base):
        head, bufs = partition.select(job, "figure", b, m, o, need)
        assert all(type(x) is bytes for x in bufs)
        for _i, (_rel, _loc, v) in pickle.loads(head, buffers=bufs).items():
            assert any(v["statements"][0] is x for x in bufs)
            in_place += 1
    assert in_place >= 2  # a.txt and m.txt at least
    monkeypatch.setattr(figure, "SLIM_STATEMENTS", 1)
    monkeypatch.setattr(figure, "_SlimStatements", Spy)
    for P in (1, 2, 3):
        got = partition.run_local(job, "figure", metas, blobs, P)
        assert got["crash"] is None and got["findings"] == want, P
    assert made and all(len(m.live) <= 1 for m in made)


def test_packed_statements_and_unique_pairs_equal_the_plain_ones():
    """A statement packed for verification unpacks equal (and of the same types); the
    verification's pairs, keyed in one int64 or (ids too large) sorted as rows, are the
    routed rows' unique rows in sorted order."""
    import numpy as np

    from checks.figure_align import Fig, Statement
    from checks.rules import figure

    st = Statement(3, 900, "全县新建农村公路◎公里", ("公里", "@2020"),
                   (Fig(10, 13, " 126", "126", "", "公里", "", False),
                    Fig(20, 25, "约98.5%", "98.5", "", "", "约", True)),
                   prev="前句", clause=True, section="一、交通", period="2020")
    back = figure._unpack_statement(figure._pack_statement(st))
    assert back == st and type(back) is Statement and type(back.figs[1]) is Fig
    assert len(figure._pack_statement(st)) < len(pickle.dumps(st))

    rng = np.random.default_rng(5)

    def plain(routed):
        rows = np.concatenate(routed)
        return sorted({tuple(r) for r in rows.tolist()})

    for high in (50, 2**30):  # 2**30: four ids do not fit in 63 bits
        routed = [rng.integers(0, high, size=(n, 4)).astype(np.int64 if high > 2**24 else np.int32)
                  for n in (0, 40, 300, 7)]
        routed.append(routed[1][:15].copy())  # a pair from two partitions
        got = [tuple(r) for chunk in figure._unique_pairs(routed) for r in chunk]
        assert got == plain(routed) and len(got) < sum(len(r) for r in routed)
    assert figure._unique_pairs([np.zeros((0, 4), np.int32)]) is None


def _dup_corpus(root: Path) -> None:
    """Every kind of duplicate finding: identical copies (three), a near copy, a file
    contained in a longer one, a passage shared by files of different clusters and by a
    near-copy pair (one cluster), plus unrelated files."""
    import random

    rng = random.Random(11)

    def word(n):
        return "".join(chr(rng.randint(0x4E00, 0x7FFF)) for _ in range(n))

    def para():
        return "      " + "".join(f"{word(6)}{rng.randint(10, 999)}个，{word(8)}。"
                                  for _ in range(4))

    def text(paras, day=1):
        return f"2021-03-0{day}\n\n    县政府工作动态\n\n" + "\n\n".join(paras) + "\n"

    root.mkdir(parents=True)
    arts = {f"{i:02d}.txt": [para() for _ in range(6)] for i in range(24)}
    arts["01.txt"] = arts["00.txt"]                       # identical, three copies
    arts["02.txt"] = arts["00.txt"]
    arts["04.txt"] = arts["03.txt"][:5] + [para()]        # near copy
    big = [para() for _ in range(9)]
    arts["05.txt"] = big
    arts["06.txt"] = big[2:5]                             # contained in 05
    shared = "      " + "".join(f"{word(9)}。" for _ in range(14))
    for name in ("10.txt", "11.txt", "12.txt", "03.txt", "04.txt"):
        arts[name] = arts[name][:2] + [shared] + arts[name][2:]
    for n, (name, paras) in enumerate(sorted(arts.items())):
        (root / name).write_text(text(paras, day=1 + n % 9), encoding="utf-8")


def test_partitioned_duplicate_equals_one_pass(tmp_path):
    """The duplicate checks as a partitioned reduce (identical by body hash, candidates
    by LSH bucket and paragraph hash, verification by pair, clusters combined, shared
    passages by paragraph hash) give the one-pass findings for every P."""
    from checks import engine, partition

    root = tmp_path / "seeds"
    _dup_corpus(root)
    job, entries = job_for(root)
    want = [f.to_dict() for f in engine.check_corpus(
        engine.Corpus(root, [r for r, _ in entries], Config()), "duplicate")]
    assert {f["check"] for f in want} == {
        "duplicate.identical-file", "duplicate.near-duplicate-file",
        "duplicate.contained-file", "duplicate.shared-passage"}
    shards = dist.make_shards(entries, 5)
    results = [dist.map_shard(job, sh) for sh in shards]
    metas = [dist.select_meta(r, sh) for r, sh in zip(results, shards)]
    blobs = [r["features"].get("duplicate") for r in results]
    for P in (1, 2, 3, 5):
        got = partition.run_local(job, "duplicate", metas, blobs, P)
        assert got["crash"] is None and got["findings"] == want, P


# -- memory (docs/distributed.md, "Memory per worker") ----------------------------------------

def test_packed_feature_blob_reads_one_seed_by_offset():
    feats = {"a.txt": {"x": [1, 2]}, "b/c.txt": ("y", 3.5), "d.txt": None}
    blob = dist.pack_features(feats)
    pk = dist.Packed(blob)
    assert pk.paths() == ["a.txt", "b/c.txt", "d.txt"] and "b/c.txt" in pk
    assert pk.get("b/c.txt") == ("y", 3.5) and pk.get("zz") is None
    assert pk.raw("a.txt") == pickle.dumps({"x": [1, 2]}, protocol=pickle.HIGHEST_PROTOCOL)
    assert dist.unpack_features(blob) == feats
    assert dist.unpack_features(None) == {} and dist.unpack_features(dist.pack_features({})) == {}
    # one seed's bytes spoilt: the others still read
    spoilt = dist.pack_raw({"a.txt": b"\xff", "b/c.txt": pk.raw("b/c.txt")})
    assert dist.Packed(spoilt).get("b/c.txt") == ("y", 3.5)
    with pytest.raises(Exception):
        dist.Packed(spoilt).get("a.txt")
    with pytest.raises(ValueError):
        dist.Packed(pickle.dumps(feats))  # the old format is refused, not misread
    # compressed (the blobs of the indexes a one-task reduce reads whole): read the same
    z = dist.pack_features(feats, compress=True)
    assert z[:4] == dist.PACKZ_MAGIC and z != blob
    assert dist.unpack_features(z) == feats and dist.Packed(z).raw("a.txt") == pk.raw("a.txt")
    big = {f"{i:03d}.txt": {"twins": ("县政府工作动态" * 20, i)} for i in range(50)}
    assert len(dist.pack_features(big, compress=True)) < len(dist.pack_features(big)) / 3


def test_map_compresses_only_the_blobs_no_partitioned_reduce_reads(corpus):
    """typo and chrome blobs (read whole by a one-task reduce) are compressed; figure and
    duplicate blobs (read by offset in partitioned reduces) are not."""
    job, entries = job_for(corpus)
    r = dist.map_shard(job, entries[:6])
    kinds = {i: b[:4] for i, b in r["features"].items()}
    assert kinds == {"chrome": dist.PACKZ_MAGIC, "typo": dist.PACKZ_MAGIC,
                     "figure": dist.PACK_MAGIC, "duplicate": dist.PACK_MAGIC}


def test_local_cluster_spills_results_beyond_its_budget():
    """``--dask local:N`` workers keep at most ``results_mb`` of results in memory; the
    rest waits on disk and comes back intact when a task reads it."""
    import logging

    cluster = dist.local_cluster(1, results_mb=2, silence_logs=logging.ERROR)
    c = distributed.Client(cluster)
    try:
        futs = [c.submit(os.urandom, 1 << 20, pure=False) for _ in range(6)]
        distributed.wait(futs)

        def where(dask_worker=None):
            return len(dask_worker.data.memory), len(dask_worker.data.disk)

        in_mem, on_disk = next(iter(c.run(where).values()))
        assert on_disk >= 3 and in_mem <= 2
        got = c.gather(futs)
        assert [len(b) for b in got] == [1 << 20] * 6 and len(set(got)) == 6
    finally:
        c.close()
        cluster.close()


def test_release_memory_empties_the_memo_caches_keeps_the_tables_same_findings(corpus):
    """After the map, the file checks' memo caches (lru_cache of >= MEMO_MIN entries) are
    emptied; the tables (unbounded caches) stay; a seed checked again gives the same
    findings."""
    import functools

    from checks import typo_detect

    job, entries = job_for(corpus)
    dist.release_memory()
    before = dist.map_shard(job, entries[:6])  # file checks and index features
    memo = typo_detect._logprob  # segmentation scores of the text seen
    assert memo.cache_parameters()["maxsize"] >= dist.MEMO_MIN
    assert memo.cache_info().currsize > 0  # the seeds' text filled it
    assert typo_detect._CLAUSES.cache_info().currsize > 0

    @functools.lru_cache(maxsize=None)
    def table(n):
        return list(range(n))

    @functools.lru_cache(maxsize=dist.MEMO_MIN - 1)
    def small(n):
        return n

    table(3), small(3)
    import checks

    checks._test_table, checks._test_small = table, small  # module-level, as a table is
    try:
        got = dist.release_memory()
        assert memo.cache_info().currsize == 0
        assert typo_detect._CLAUSES.cache_info().currsize == 0  # a memo of its own kind
        assert table.cache_info().currsize == 1  # unbounded: a table, kept
        assert small.cache_info().currsize == 1  # below MEMO_MIN: kept
        assert got["entries"] > 0
    finally:
        del checks._test_table, checks._test_small
    after = dist.map_shard(job, entries[:6])
    for k in ("files", "findings", "features"):
        assert after[k] == before[k]
    assert before["findings"] and before["features"]["typo"]


def test_one_task_reduce_frees_its_feature_blobs_when_done(corpus, local_report, client):
    """The typo reduce's feature blobs (~4 KB a seed) leave the workers once it is done,
    not at the end of the run (the driver dropped its futures); same report."""
    job, entries = job_for(corpus)
    left: dict = {}

    def typo_blobs(dask_scheduler=None):
        return [str(k) for k, ts in dask_scheduler.tasks.items()
                if "-feat-" in str(k) and str(k).split("-")[-2] == "typo"
                and ts.state == "memory"]

    def progress(kind, info):
        if kind == "reduce" and info["category"] == "typo":
            import time

            left["at_first"] = client.run_on_scheduler(typo_blobs)
            deadline = time.monotonic() + 10
            while (got := client.run_on_scheduler(typo_blobs)) and \
                    time.monotonic() < deadline:
                time.sleep(0.1)
            left["after"] = got

    res = dist.run(job, entries, client=client, shard_size=3, progress=progress)
    assert res.shards > 4 and "after" in left
    assert left["after"] == []
    got, _, _ = assemble(res, Baseline(Path("x")), "error", str(corpus.resolve()), 0.0)
    got.pop("generated_at"), got["summary"].pop("duration_s")
    assert got == report(local_report)


# -- the one-task reduces read their blobs one at a time (BlobRef, merge_blobs) ---------------

@pytest.mark.parametrize("shard_size", [1, 2, 3, 5])
def test_one_task_reduce_reads_blobs_one_at_a_time_same_result(corpus, shard_size,
                                                               monkeypatch):
    """``merge_blobs`` over BlobRefs fetches the shards' blobs in shard order and has
    dropped each one (no reference left but the store's) before it fetches the next;
    the merged features, and the typo and chrome reduces' findings, equal those read
    from the blobs themselves (the arguments they were before), for several shard
    splits of the same corpus."""
    job, entries = job_for(corpus)
    shards = dist.make_shards(entries, shard_size)
    results = [dist.map_shard(job, sh) for sh in shards]
    metas = [dist.select_meta(r, sh) for r, sh in zip(results, shards)]
    assert len(shards) > 3
    for cat in ("typo", "chrome"):
        idx = dist.category_indexes(job.config, cat)
        assert idx == [cat]
        store = {f"k-{cat}-{n}": r["features"].get(cat) for n, r in enumerate(results)}
        assert sum(1 for b in store.values() if b) > 3  # several blobs to read
        fetched: list[str] = []
        live_at_fetch: list[list[int]] = []
        # the references a blob has outside the reduce (the store, the map result)
        outside = {k: sys.getrefcount(store[k]) for k in store if store[k] is not None}

        def fetch(ref):
            # every blob fetched before has no reference left but those outside the
            # reduce: the reduce has let it go
            live_at_fetch.append([sys.getrefcount(store[k]) - outside[k] for k in fetched
                                  if k in outside])
            fetched.append(ref.key)
            return store[ref.key]

        import contextlib

        monkeypatch.setattr(dist, "_blob_fetcher",
                            lambda: contextlib.nullcontext(fetch))
        refs = {cat: [dist.BlobRef(k) for k in store]}
        whole = {}
        for b in store.values():
            whole.update(dist.unpack_features(b))
        assert dist.merge_blobs(refs[cat], fetch) == whole
        assert fetched == list(store)  # in shard order, each once
        assert all(n == 0 for counts in live_at_fetch for n in counts), live_at_fetch
        assert whole and set(whole) <= {rel for rel, _ in entries}
        fetched.clear(), live_at_fetch.clear()
        by_ref = dist.reduce_category(job, cat, metas, refs)
        assert fetched == list(store)
        assert all(n == 0 for counts in live_at_fetch for n in counts), live_at_fetch
        by_blob = dist.reduce_category(job, cat, metas,
                                       {cat: [r["features"].get(cat) for r in results]})
        assert by_ref["findings"] == by_blob["findings"] and by_ref["crash"] is None
        if cat == "chrome":
            assert by_ref["findings"], "the corpus gives repeated edge lines"


def test_one_task_reduce_receives_no_blob_as_an_argument(corpus, local_report, client):
    """On a cluster the typo and chrome reduces depend on no feature blob (Dask would
    hold every blob it passes as an argument until the task ends): they receive
    BlobRefs and fetch them; the blobs still leave the workers once the reduce is done,
    and the report is the local run's (results spill beyond 1 MB a worker here)."""
    job, entries = job_for(corpus)
    deps: dict = {}

    def reduce_deps(dask_scheduler=None):
        return {str(k): sorted(str(d.key) for d in ts.dependencies)
                for k, ts in dask_scheduler.tasks.items()
                if "-reduce-" in str(k) and str(k).rsplit("-", 1)[1] in ("typo", "chrome")}

    def progress(kind, info):
        if kind == "shard" and info["done"] == info["total"]:
            deps["before"] = True
        if kind == "reduce" and info["category"] in ("typo", "chrome"):
            deps.update(client.run_on_scheduler(reduce_deps))

    res = dist.run(job, entries, client=client, shard_size=2, progress=progress)
    got_deps = {k: v for k, v in deps.items() if k != "before"}
    assert {k.rsplit("-", 1)[1] for k in got_deps} == {"typo", "chrome"}
    for key, ds in got_deps.items():
        assert ds and all("-meta-" in d for d in ds), (key, ds)  # the metas, no blob
    got, _, _ = assemble(res, Baseline(Path("x")), "error", str(corpus.resolve()), 0.0)
    got.pop("generated_at"), got["summary"].pop("duration_s")
    assert got == report(local_report)


# -- glibc's heap: malloc_trim after reduce-side tasks, a fixed mmap threshold ----------------

def test_trimmed_task_trims_before_and_after_and_returns_the_result(monkeypatch):
    """A reduce-side task hands the heap's free pages back before it runs (what the
    previous task and released inputs left) and after (its own transients), also when
    it raises; it survives pickling (tasks travel to workers)."""
    calls: list[str] = []
    monkeypatch.setattr(dist, "_trim", lambda: calls.append("trim"))

    def fn(a, b=0):
        calls.append(f"fn {a} {b}")
        if a < 0:
            raise ValueError("no")
        return a + b

    t = dist.Trimmed(fn)
    assert t(2, b=3) == 5
    assert calls == ["trim", "fn 2 3", "trim"]
    calls.clear()
    with pytest.raises(ValueError):
        t(-1)
    assert calls == ["trim", "fn -1 0", "trim"]
    back = pickle.loads(pickle.dumps(dist.Trimmed(dist.select_meta)))
    assert isinstance(back, dist.Trimmed) and back.fn is dist.select_meta


class _Recorder:
    """A client that records what would be submitted (function, by key)."""

    def __init__(self):
        self.fns: dict[str, object] = {}

    def submit(self, fn, *args, key=None, **kwargs):
        self.fns[key] = fn
        return key


# the steps that read blobs or hold a partition's data, per partitioned category
# (task keys with their numbers as N)
TRIMMED_STEPS = {
    "figure": {"split-N", "cand-N", "select-N-N", "verify-N", "combine"},
    "duplicate": {"sa-N", "ident-N", "sb-N", "cand-N", "sel-N-N", "verify-N", "combine",
                  "se-N", "shared-N", "merge"},
}


@pytest.mark.parametrize("category", sorted(TRIMMED_STEPS))
def test_partitioned_reduce_steps_are_submitted_trimmed(category):
    """Every split, candidate, select, verify and combine step of a partitioned reduce
    goes to the cluster wrapped in ``Trimmed``; the small getters do not."""
    import re

    from checks import partition

    rec = _Recorder()
    partition.submit(rec, object(), category, [3, 3, 2], ["m0", "m1", "m2"],
                     ["b0", "b1", "b2"], 2, "t")
    prefix = f"seedcheck-part-t-{category}-"
    steps: dict[str, set] = {}
    for key, fn in rec.fns.items():
        assert key.startswith(prefix), key
        step = re.sub(r"-\d+", "-N", key[len(prefix):])
        steps.setdefault(step, set()).add(isinstance(fn, dist.Trimmed))
    want = TRIMMED_STEPS[category]
    assert want <= set(steps), sorted(steps)
    for step, kinds in steps.items():
        assert kinds == {step in want}, (step, kinds)
    # the wrapped function is the step itself
    assert rec.fns[f"{prefix}verify-1"].fn is (
        partition.verify if category == "figure" else
        __import__("checks.dup_partition", fromlist=["verify"]).verify)


def test_dask_run_trims_after_every_reduce_side_task_same_report(corpus, local_report,
                                                                 monkeypatch):
    """On an in-process cluster (so that the patched trim is the workers' too): every
    one-task reduce and every split, select and verify task of the partitioned reduces
    trims before and after it runs; the report is the local run's."""
    import threading

    from distributed.utils import thread_state

    trims: dict[str, int] = {}
    lock = threading.Lock()

    def trim():
        key = str(getattr(thread_state, "key", None))
        with lock:
            trims[key] = trims.get(key, 0) + 1

    monkeypatch.setattr(dist, "_trim", trim)
    job, entries = job_for(corpus)
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=1,
                            dashboard_address=":0") as c:
        res = dist.run(job, entries, client=c, shard_size=3, partitions=2)
    got, _, _ = assemble(res, Baseline(Path("x")), "error", str(corpus.resolve()), 0.0)
    got.pop("generated_at"), got["summary"].pop("duration_s")
    assert got == report(local_report)
    keys = [k for k in trims if k.startswith("seedcheck-")]
    reduces = [k for k in keys if "-reduce-" in k]
    assert {k.rsplit("-", 1)[1] for k in reduces} == {"chrome", "typo"}
    for step in ("-figure-split-", "-figure-select-", "-figure-verify-",
                 "-duplicate-sel-", "-duplicate-verify-"):
        assert any(step in k for k in keys), step
    for k in keys:
        if "-map-" in k:
            assert trims[k] == 1, k  # once after the shard, as before
        else:
            assert trims[k] == 2, k  # before and after


def test_local_cluster_workers_start_with_a_fixed_mmap_threshold():
    """``local:N`` workers start with glibc's MALLOC_MMAP_THRESHOLD_ (beside Dask's
    MALLOC_TRIM_THRESHOLD_), and glibc honours it: a 600 KB block, which glibc's
    default dynamic threshold (128 KB to start with) would map on its own, comes from
    the heap. The driver's dask configuration is left as it was."""
    import ctypes
    import logging

    import dask

    before = dask.config.get("distributed.nanny.pre-spawn-environ")
    cluster = dist.local_cluster(1, silence_logs=logging.ERROR)
    c = distributed.Client(cluster)
    try:
        def env():
            return {k: os.environ.get(k) for k in
                    ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")}

        assert list(c.run(env).values()) == [{"MALLOC_MMAP_THRESHOLD_": "1048576",
                                              "MALLOC_TRIM_THRESHOLD_": "65536"}]

        def mapped_on_its_own(size):
            class MI2(ctypes.Structure):
                _fields_ = [(n, ctypes.c_size_t) for n in (
                    "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
                    "uordblks", "fordblks", "keepcost")]

            f = ctypes.CDLL("libc.so.6").mallinfo2
            f.restype = MI2
            libc = ctypes.CDLL("libc.so.6")
            libc.malloc.restype = ctypes.c_void_p
            libc.free.argtypes = [ctypes.c_void_p]
            n0 = f().hblks
            p = libc.malloc(size)
            n1 = f().hblks
            libc.free(p)
            return n1 - n0

        assert list(c.run(mapped_on_its_own, 600_000).values()) == [0]
        assert list(c.run(mapped_on_its_own, 2_000_000).values()) == [1]
    finally:
        c.close()
        cluster.close()
    assert dask.config.get("distributed.nanny.pre-spawn-environ") == before
    # the same 600 KB block in a process started without the setting: mapped on its own
    code = ("import ctypes\n"
            "class MI2(ctypes.Structure):\n"
            "    _fields_ = [(n, ctypes.c_size_t) for n in ('arena','ordblks','smblks',"
            "'hblks','hblkhd','usmblks','fsmblks','uordblks','fordblks','keepcost')]\n"
            "libc = ctypes.CDLL('libc.so.6'); f = libc.mallinfo2; f.restype = MI2\n"
            "libc.malloc.restype = ctypes.c_void_p\n"
            "n0 = f().hblks; p = libc.malloc(600000); print(f().hblks - n0)\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True).stdout
    assert out.strip() == "1"
