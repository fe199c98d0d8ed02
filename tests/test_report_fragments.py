"""Reports rendered seed by seed (checks/report/fragments.py): a run renders only the
seeds whose findings (or, in report.html, the seed texts they quote) changed, and
writes the same bytes as a run that renders every finding."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from checks import cache as cache_mod
from checks import parallel, registry
from checks.model import Finding, Fix, Location
from checks.report import writer
from checks.report.build import build_report
from checks.report.fragments import Fragments, run_digests
from checks.report.writer import dump_json, report_json
from test_determinism import assert_same_reports
from test_parallel import make_seeds, seed_text

registry.load_builtin()


def seed_file(i: int) -> str:
    return f"2021-05-06\n\n标题{i}\n\n      第一段，工作实缋突出。\n\n      第二段，内容完整。\n"


def write_seeds(root: Path, n_files: int, text_of, width: int, lines: int | None = None
                ) -> tuple[list[tuple[int, str, str]], list[dict]]:
    """Write seed ``i`` (``text_of(i)``) under ``root`` as ``{i:0width}.txt``; gives
    (i, path, text) of each and the report's file entries (``lines``: a fixed line
    count, or the text's)."""
    root.mkdir(parents=True, exist_ok=True)
    out, files = [], []
    for i in range(n_files):
        path = f"{i:0{width}d}.txt"
        text = text_of(i)
        (root / path).write_text(text, encoding="utf-8")
        files.append({"path": path, "sha256": f"{i:064x}", "chars": len(text),
                      "lines": lines if lines is not None else text.count("\n")})
        out.append((i, path, text))
    return out, files


def make_report(root: Path, n_files: int = 30, per_file: int = 3) -> dict:
    """A report of ``n_files`` seeds (written under ``root``) with ``per_file`` findings
    each, fixes and related places included (more than fastjson's 50 inline results)."""
    fs = []
    seeds, files = write_seeds(root, n_files, seed_file, 3, lines=7)
    for i, path, text in seeds:
        for k in range(per_file):
            off = text.index("实缋")
            fs.append(Finding(
                check="typo.known-misspelling", category="typo", severity="error",
                path=path, line=5, column=12 + k, end_line=5, end_column=14 + k,
                excerpt="实缋", message=f"实缋 → 实绩 ({k})",
                fix=Fix("实绩", True, off, off + 2) if k == 0 else None,
                related=[Location(f"{(i + 1) % n_files:03d}.txt", 5, 1, 5, 4)] if k == 1
                else [], fingerprint=f"t:{path}:{k}"))
    return build_report(files, fs, seeds_dir=str(root), duration_s=0.5)


def render(report: dict, root: Path, cache: Path | None) -> dict[str, str]:
    """The four reports written (report.json and report.sarif keep their runs' places in
    the files they write), read back."""
    out = root.parent / ("out" if cache is not None else "out-plain")
    writer.write_reports(out, report, root, cache_dir=cache)
    return {name: (out / name).read_bytes().decode("utf-8") for name in writer.REPORT_FILES}


@pytest.fixture(autouse=True)
def in_process(monkeypatch):
    monkeypatch.setattr(writer, "PARALLEL_MIN", 10 ** 9)  # LAST_FRAGMENTS of this process


def test_json_of_runs_is_json_dumps_byte_for_byte(tmp_path):
    report = make_report(tmp_path / "s")
    frags = Fragments(None, "x")
    assert report_json(report, frags) == dump_json(report)
    # files rows that are not flat, and an empty findings list, go the plain way
    odd = dict(report, files=[{"path": "a", "x": [1, {"b": None}], "y": 1.5, "z": True}])
    assert report_json(odd, Fragments(None, "x")) == dump_json(odd)
    empty = dict(report, findings=[])
    assert report_json(empty, Fragments(None, "x")) == dump_json(empty)


def test_runs_group_a_path_and_digests_tell_key_order_apart():
    fs = [{"path": "a", "n": 1}, {"path": "a", "n": 2}, {"path": "b", "n": 1}]
    assert [(i, j) for i, j, _ in run_digests(fs)] == [(0, 2), (2, 3)]
    d1 = run_digests([{"path": "a", "n": 1}])[0][2]
    d2 = run_digests([{"n": 1, "path": "a"}])[0][2]
    assert d1 != d2  # the rendered text differs, so must the key


def test_report_digest_follows_the_content_and_reuses_the_run_digests(tmp_path):
    """The digest that decides whether the reports are rewritten: the findings enter
    through their run digests (computed once, for the fragments too), the rest as JSON;
    when the report was made and how long it took do not count."""
    report = make_report(tmp_path / "s")
    d = writer.report_digest(report)
    assert d == writer.report_digest(report, run_digests(report["findings"]))
    later = json.loads(json.dumps(report))
    later["generated_at"] = "2030-01-01T00:00:00+00:00"
    later["summary"]["duration_s"] = 99.0
    assert writer.report_digest(later) == d
    changed = [json.loads(json.dumps(report)) for _ in range(4)]
    changed[0]["findings"][40]["message"] += "!"
    changed[1]["files"][3]["chars"] += 1
    changed[2]["summary"]["failing"] += 1
    # the same findings, one moved from a seed's run into its neighbour's
    changed[3]["findings"][2]["path"] = changed[3]["findings"][3]["path"]
    digests = {writer.report_digest(r) for r in changed}
    assert len(digests) == 4 and d not in digests
    # a value marshal cannot write: the JSON way, the same rules
    from collections import OrderedDict

    odd = [dict(report, extra=OrderedDict(when=w)) for w in ("x", "x", "y")]
    got = [writer.report_digest(r, run_digests(report["findings"])) for r in odd]
    assert got[0] == got[1] and got[0] != got[2] and d not in got


@pytest.fixture
def packed_html(monkeypatch):
    """report.html's payload compressed whatever its size, one segment a run."""
    from checks.report import html

    monkeypatch.setattr(html, "COMPRESS_ABOVE", 0)
    monkeypatch.setattr(html, "SEG_EVERY", 1)


def test_cold_warm_and_one_changed_seed_render_the_bytes_of_a_full_rendering(
        tmp_path, packed_html):
    root = tmp_path / "s"
    report = make_report(root)
    cache = tmp_path / "cache"
    plain = render(report, root, None)
    assert render(report, root, cache) == plain  # cold: every seed rendered, then kept
    assert writer.LAST_FRAGMENTS["report.json"] == (0, 30)
    assert render(report, root, cache) == plain  # warm: none rendered
    assert writer.LAST_FRAGMENTS == {"report.json": (30, 0), "report.sarif": (30, 0),
                                     "report.html": (30, 0)}
    # one seed's findings change (its message): that seed only is rendered again
    changed = json.loads(json.dumps(report))
    for f in changed["findings"]:
        if f["path"] == "007.txt":
            f["message"] += "!"
    got = render(changed, root, cache)
    assert got == render(changed, root, None)
    assert writer.LAST_FRAGMENTS["report.json"] == (29, 1)
    assert writer.LAST_FRAGMENTS["report.sarif"] == (29, 1)
    # one seed removed: nothing rendered, the file keeps only what is used
    removed = dict(changed,
                   findings=[f for f in changed["findings"] if f["path"] != "011.txt"],
                   files=[r for r in changed["files"] if r["path"] != "011.txt"])
    assert render(removed, root, cache) == render(removed, root, None)
    assert writer.LAST_FRAGMENTS["report.json"] == (29, 0)


def test_json_and_sarif_runs_come_from_the_file_they_wrote_checked_byte_for_byte(
        tmp_path):
    """report.json and report.sarif take a kept run's text from the report file the
    last run wrote, where its bytes still have their checksum: a copied file (another
    inode and time, as a CI cache restores it) is used; a run whose bytes were edited is
    rendered again, a missing file or an index of another shape renders everything;
    always the bytes of a rendering without a cache."""
    import pickle
    import shutil

    root = tmp_path / "s"
    report = make_report(root)
    cache = tmp_path / "cache"
    plain = render(report, root, None)
    assert render(report, root, cache) == plain
    out = tmp_path / "out"
    # the report folder restored from a copy: new inodes and times, the same bytes
    shutil.copytree(out, tmp_path / "saved")
    shutil.rmtree(out)
    shutil.copytree(tmp_path / "saved", out)
    assert render(report, root, cache) == plain
    assert writer.LAST_FRAGMENTS["report.json"] == (30, 0)
    assert writer.LAST_FRAGMENTS["report.sarif"] == (30, 0)
    # one run's bytes edited (same length): that run is rendered again
    text = (out / "report.json").read_bytes()
    at = text.index("实缋 → 实绩 (1)".encode("utf-8"))
    (out / "report.json").write_bytes(text[:at] + "实缋 → 实绩 (9)".encode("utf-8")
                                      + text[at + len("实缋 → 实绩 (1)".encode("utf-8")):])
    assert render(report, root, cache) == plain
    assert writer.LAST_FRAGMENTS["report.json"] == (29, 1)
    (out / "report.sarif").unlink()
    assert render(report, root, cache) == plain
    assert writer.LAST_FRAGMENTS["report.sarif"] == (0, 30)
    # an index whose entries have another shape (an earlier version's): misses
    index = next(cache.glob("*.report.json.pickle"))
    data = pickle.loads(index.read_bytes())
    data["items"] = {k: v[:2] for k, v in data["items"].items()}
    index.write_bytes(pickle.dumps(data))
    assert render(report, root, cache) == plain
    assert writer.LAST_FRAGMENTS["report.json"] == (0, 30)


def test_runs_of_an_untouched_report_file_are_copied_by_the_kernel_in_few_spans(
        tmp_path, monkeypatch):
    """When report.json and report.sarif are the files the cache describes (device,
    inode, size, modification time), their runs are not read: they are written as
    spans of the old file (``copy_file_range``), consecutive runs as one span, so one
    seed's changed findings leave a span before it and one after it. The bytes are a
    rendering's without a cache, also where ``copy_file_range`` is missing or refuses
    (another file system), and where the file was touched (its runs are then checked
    byte by byte and written from this process)."""
    import errno
    import os

    from checks.report import files, fragments

    monkeypatch.setattr(fragments, "GROUP_EVERY", 1)  # a run a group (kept as a piece)
    root = tmp_path / "s"
    report = make_report(root, n_files=30)
    changed = json.loads(json.dumps(report))
    for f in changed["findings"]:
        if f["path"] == "012.txt":
            f["message"] += "（改）"
    cache = tmp_path / "cache"
    out = tmp_path / "out"
    render(report, root, cache)
    real = files.COPY_FILE_RANGE
    spans: list[tuple[int, int]] = []

    def counting(src, dst, count, offset):
        spans.append((offset, count))
        return real(src, dst, count, offset)

    monkeypatch.setattr(files, "COPY_FILE_RANGE", counting)
    want = render(changed, root, None)
    assert render(changed, root, cache) == want
    # report.json: the findings before 012.txt's and after them, the files rows; sarif:
    # the results before and after
    assert len(spans) == 5, spans
    assert writer.LAST_FRAGMENTS["report.json"] == (29, 1)
    # the same report again: one span a report for its findings (and the files rows)
    spans.clear()
    assert render(changed, root, cache) == want
    assert len(spans) == 3, spans
    # no copy_file_range, or one that refuses: the spans are written from the mapping
    for fallback in (None, lambda *a: (_ for _ in ()).throw(OSError(errno.EXDEV, "x"))):
        monkeypatch.setattr(files, "COPY_FILE_RANGE", fallback)
        assert render(report, root, cache) == render(report, root, None)
        assert render(changed, root, cache) == want
    # a touched file (another modification time): read and checked, not copied
    monkeypatch.setattr(files, "COPY_FILE_RANGE", counting)
    st = (out / "report.json").stat()
    os.utime(out / "report.json", ns=(st.st_atime_ns, st.st_mtime_ns + 1))
    spans.clear()
    assert render(changed, root, cache) == want
    assert len(spans) == 1  # (report.sarif's)
    assert writer.LAST_FRAGMENTS["report.json"] == (30, 0)


def test_json_files_rows_come_from_the_file_in_chunks_one_change_renders_one(
        tmp_path, monkeypatch):
    """report.json's ``files`` rows are kept in chunks cut by their paths' content: a
    warm run renders none, a seed added renders only the chunk it falls in, an edited
    row in the file is rendered again; always the bytes of a full rendering."""
    root = tmp_path / "s"
    report = make_report(root, n_files=700, per_file=1)
    cache = tmp_path / "cache"
    rendered: list[int] = []
    real = writer._flat_inner

    def counting(rows, pad):
        rendered.append(len(rows))
        return real(rows, pad)

    monkeypatch.setattr(writer, "_flat_inner", counting)
    plain = render(report, root, None)
    assert rendered == [700]  # no cache: the list whole
    rendered.clear()
    assert render(report, root, cache) == plain
    chunks = len(rendered)
    assert chunks >= 700 // writer.FILES_MAX + 1 and sum(rendered) == 700
    assert max(rendered) <= writer.FILES_MAX
    rendered.clear()
    assert render(report, root, cache) == plain  # warm: every chunk from the file
    assert rendered == []
    # a seed added in the middle: only the chunk it falls in is rendered again
    files = report["files"]
    extra = dict(files[350], path="350a.txt", sha256="f" * 64, chars=10)
    bigger = dict(report, files=files[:351] + [extra] + files[351:])
    plain2 = render(bigger, root, None)
    rendered.clear()
    assert render(bigger, root, cache) == plain2
    assert len(rendered) == 1 and 2 <= rendered[0] <= writer.FILES_MAX
    # a row's bytes edited in the file (same length): its chunk is rendered again
    out = tmp_path / "out"
    text = (out / "report.json").read_bytes()
    at = text.index(b'"chars": 10,')
    (out / "report.json").write_bytes(text[:at] + b'"chars": 99,' + text[at + 12:])
    rendered.clear()
    assert render(bigger, root, cache) == plain2
    assert len(rendered) == 1
    # a row that is not flat: the list is rendered whole, as without a cache
    odd = dict(bigger, files=[dict(files[0], extra={"x": 1})] + files[1:])
    assert render(odd, root, cache) == render(odd, root, None)


def test_html_renders_a_seed_again_when_a_text_it_quotes_changes(tmp_path, packed_html):
    root = tmp_path / "s"
    report = make_report(root)
    cache = tmp_path / "cache"
    render(report, root, cache)
    # 004.txt's second finding quotes 005.txt (a related place): 005's new text shows
    (root / "005.txt").write_text(seed_file(5).replace("第一段", "改写段"), encoding="utf-8")
    edited = json.loads(json.dumps(report))
    edited["files"][5]["sha256"] = "f" * 64
    got = render(edited, root, cache)
    assert writer.LAST_FRAGMENTS["report.html"] == (28, 2)  # 004 and 005 themselves
    assert writer.LAST_FRAGMENTS["report.json"] == (30, 0)  # the findings are the same
    assert got == render(edited, root, None)
    assert "改写段" in json.dumps(__import__("checks.report.html", fromlist=["x"])
                                  .embedded_data(got["report.html"]), ensure_ascii=False)


def test_a_run_with_few_new_runs_writes_them_to_the_delta_not_the_whole_file(
        tmp_path, monkeypatch):
    monkeypatch.setattr(Fragments, "SLACK", 2)  # (100 entries: 25 may be new or unused)
    path = tmp_path / "f.pickle"
    delta = tmp_path / "f.pickle.delta"

    def run(keys, expect_hits):
        f = Fragments(path, "salt")
        for k in keys:
            if f.get(k) is None:
                f.put(k, f"text of {k}")
        assert (f.hits, f.misses) == (expect_hits, len(keys) - expect_hits)
        f.save()

    run([f"k{i}" for i in range(100)], 0)
    whole = path.read_bytes()
    assert not delta.exists()
    # one run changed, two added: the file stays as it was, the delta holds the three
    run([f"k{i}" for i in range(99)] + ["x0", "x1", "x2"], 99)
    assert path.read_bytes() == whole
    assert sorted(Fragments(path, "salt").old) == sorted(
        [f"k{i}" for i in range(100)] + ["x0", "x1", "x2"])
    got = Fragments(path, "salt")
    assert got.get("x1") == "text of x1" and got.get("k5") == "text of k5"
    # the same run again: nothing written at all
    stamp = delta.stat().st_mtime_ns, delta.read_bytes()
    run([f"k{i}" for i in range(99)] + ["x0", "x1", "x2"], 102)
    assert (delta.stat().st_mtime_ns, delta.read_bytes()) == stamp and \
        path.read_bytes() == whole
    # a delta made for another version of the file is not read
    other = tmp_path / "g.pickle"
    run_other = Fragments(other, "salt")
    run_other.put("k0", "other")
    run_other.save()
    (tmp_path / "g.pickle.delta").write_bytes(delta.read_bytes())
    assert "x1" not in Fragments(other, "salt").old
    # many new entries (more than a quarter of those used): the file is written again
    # with only what this run used, and the delta is gone
    run([f"k{i}" for i in range(60)] + [f"y{i}" for i in range(40)], 60)
    assert path.read_bytes() != whole and not delta.exists()
    assert sorted(Fragments(path, "salt").old) == sorted(
        [f"k{i}" for i in range(60)] + [f"y{i}" for i in range(40)])
    # many unused entries: the same
    run([f"k{i}" for i in range(10)], 10)
    assert sorted(Fragments(path, "salt").old) == [f"k{i}" for i in range(10)]
    assert not delta.exists()


def test_a_foreign_or_broken_cache_file_is_an_empty_cache(tmp_path):
    root = tmp_path / "s"
    report = make_report(root)
    cache = tmp_path / "cache"
    plain = render(report, root, None)
    render(report, root, cache)
    broken = [p for p in cache.rglob("*") if p.is_file()]
    # (the fragments, and report.html's compiled template: jinja/__jinja2_*.cache)
    assert len([p for p in broken if p.parent.name == "jinja"]) == 1
    for p in broken:
        p.write_bytes(b"not a pickle")
    assert render(report, root, cache) == plain
    assert writer.LAST_FRAGMENTS["report.json"] == (0, 30)
    # other code (another salt): not used
    frag = Fragments(next(cache.glob("*.report.json.pickle")), "other code")
    assert frag.old == {}


# -- through the plugin: a one-seed change gives the reports of a cold run ----------------------

@pytest.fixture
def pinned(monkeypatch):
    monkeypatch.setattr(cache_mod, "_CODE_FP", "pinned-for-tests")
    monkeypatch.setattr(parallel, "POOL_MIN", 4)


def cold(pytester, seeds: Path, out: str, *args):
    return pytester.runpytest("--seeds", str(seeds), "--report-dir", out, "-p", "no:randomly",
                              "--no-cache", "-p", "no:cacheprovider", *args)


# the pool: every kind of change; in-process and under -n 2 one each (they are slow)
@pytest.mark.parametrize("mode,kinds", [("pool", ("added", "edited", "removed")),
                                        ("serial", ("edited",)), ("xdist", ("added",))])
def test_one_seed_added_edited_removed_gives_the_reports_of_a_cold_run(pytester, pinned,
                                                                       mode, kinds):
    import gc

    thresholds = gc.get_threshold()
    seeds = make_seeds(pytester.path / "s", 40)
    args = {"pool": ["-o", "seedcheck_fold_min=10", "--seedcheck-jobs", "2"],
            "serial": ["-o", "seedcheck_fold_min=0", "-n", "0"],
            "xdist": ["-n", "2"]}[mode]
    run = lambda: pytester.runpytest("--seeds", str(seeds), "--report-dir", "out",  # noqa: E731
                                     "-p", "no:randomly", *args)
    run()
    frag_files = list((pytester.path / ".pytest_cache").rglob("reports-*.report.json.pickle"))
    assert len(frag_files) == 1
    rng = random.Random(9)
    changes = {
        "added": lambda: (seeds / "0100.txt").write_text(seed_text(rng, "typo"),
                                                         encoding="utf-8"),
        "edited": lambda: (seeds / "0005.txt").write_text(seed_text(rng, "footer"),
                                                          encoding="utf-8"),
        "removed": lambda: (seeds / "0001.txt").unlink(),
    }
    for n, what in enumerate(kinds):
        changes[what]()
        r = run()
        assert "reports written to" in r.stdout.str(), what
        if mode == "serial":  # rendered in this process: the cache was used
            hits, misses = writer.LAST_FRAGMENTS["report.json"]
            assert hits >= 10 and misses == 1, (what, hits, misses)
        ref = cold(pytester, seeds, f"cold{n}", "-n", "0")
        assert ref.ret == 1
        assert_same_reports(pytester.path / "out", pytester.path / f"cold{n}")
    # a large run raises the collector's thresholds of its process, and restores them
    assert gc.get_threshold() == thresholds


def test_typo_counts_flipped_by_one_seed_give_the_reports_of_a_cold_run(pytester, pinned):
    """The typo category runs incrementally (its counts a maintained reduce): a seed
    added that makes a rare form no longer rare, removed again, and a seed edited to
    the common form, each give the reports of a cold run."""
    from test_incremental import typo_corpus, typo_text

    seeds = make_seeds(pytester.path / "s", 40)
    typo_corpus(seeds / "typo")
    args = ["-o", "seedcheck_fold_min=10", "--seedcheck-jobs", "2"]
    run = lambda: pytester.runpytest("--seeds", str(seeds), "--report-dir", "out",  # noqa: E731
                                     "-p", "no:randomly", *args)
    first = run()
    assert "corpus[typo]" in first.stdout.str()

    def rare_paths(out: str) -> set[str]:
        r = json.loads((pytester.path / out / "report.json").read_text(encoding="utf-8"))
        return {f["path"] for f in r["findings"] if f["check"] == "typo.corpus-rare-form"}

    assert rare_paths("out") == {"typo/r9.txt"}
    changes = [
        ("added: 张缋 twice, no longer rare enough against 张绩",
         lambda: (seeds / "typo" / "r8.txt").write_text(typo_text("张缋说过。"),
                                                        encoding="utf-8"), set()),
        ("removed again", lambda: (seeds / "typo" / "r8.txt").unlink(), {"typo/r9.txt"}),
        ("edited to the common form", lambda: (seeds / "typo" / "r9.txt").write_text(
            typo_text("今天张绩说了这件事。"), encoding="utf-8"), set()),
    ]
    for n, (what, change, want) in enumerate(changes):
        change()
        r = run()
        line = next(ln for ln in r.stdout.lines if ln.startswith("seedcheck: checked"))
        assert "corpus[typo]" in line and "(incremental," in line.split("corpus[typo]")[1], \
            (what, line)
        cold(pytester, seeds, f"cold{n}", "-n", "0")
        assert_same_reports(pytester.path / "out", pytester.path / f"cold{n}")
        assert rare_paths("out") == want, what


@pytest.mark.parametrize("parallel_min", [1, 10 ** 9])  # forked renderers, in-process
def test_each_renderer_writes_its_report_and_a_failure_leaves_nothing(
        tmp_path, monkeypatch, parallel_min):
    """write_reports: every report is written to a temporary file by the process that
    renders it, then the four are renamed; a renderer that fails leaves the previous
    reports as they were and no temporary file (also those of its siblings)."""
    monkeypatch.setattr(writer, "PARALLEL_MIN", parallel_min)
    report = make_report(tmp_path / "seeds")
    out = tmp_path / "out"
    writer.write_reports(out, report, tmp_path / "seeds", cache_dir=tmp_path / "cache")
    assert (out / "report.json").read_text(encoding="utf-8") == dump_json(report)
    assert sorted(p.name for p in out.iterdir()) == sorted(writer.REPORT_FILES)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def boom(*a, **k):
        raise ValueError("renderer bug")

    monkeypatch.setattr(writer, "to_markdown", boom)  # report.md: the second of four
    changed = make_report(tmp_path / "seeds", per_file=2)
    with pytest.raises(writer.ReportError):
        writer.write_reports(out, changed, tmp_path / "seeds", cache_dir=tmp_path / "cache")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    monkeypatch.undo()
    monkeypatch.setattr(writer, "PARALLEL_MIN", parallel_min)
    writer.write_reports(out, changed, tmp_path / "seeds", cache_dir=tmp_path / "cache")
    assert (out / "report.json").read_text(encoding="utf-8") == dump_json(changed)
    assert sorted(p.name for p in out.iterdir()) == sorted(writer.REPORT_FILES)


_STARTED: dict[str, Path] = {}  # where _timed_render notes when it started (forked)


def _timed_render(name: str) -> str:
    import time

    (_STARTED["dir"] / name).write_text(repr(time.time()))
    time.sleep(0.3 if name == "report.html" else 0.05)
    return f"text of {name}"


def test_forked_renderers_take_report_html_first(tmp_path, monkeypatch):
    """On two CPUs one renderer takes report.html (as long as the three others) and the
    other the rest; the texts come back under their own names, in REPORT_FILES order."""
    import os

    monkeypatch.setattr(writer, "PARALLEL_MIN", 1)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.setitem(_STARTED, "dir", tmp_path / "started")
    (tmp_path / "started").mkdir()
    report = make_report(tmp_path / "seeds", n_files=400)
    got = writer._each_report(_timed_render, report, tmp_path / "seeds", None)
    assert list(got) == list(writer.REPORT_FILES)
    assert all(text == f"text of {name}" for name, text in got.items())
    started = sorted(writer.REPORT_FILES,
                     key=lambda n: float((tmp_path / "started" / n).read_text()))
    assert set(started[:2]) == {"report.html", "report.json"}, started


@pytest.mark.parametrize("parallel_min", [1, 10 ** 9])  # forked renderers, in-process
def test_reports_written_in_pieces_hold_the_rendered_text(tmp_path, monkeypatch,
                                                          parallel_min):
    """report.json and report.sarif are written piece by piece (their fragments are not
    joined into one string first): the files hold exactly the rendered texts, cold and
    with one seed's findings changed."""
    monkeypatch.setattr(writer, "PARALLEL_MIN", parallel_min)
    root = tmp_path / "seeds"
    out = tmp_path / "out"
    report = make_report(root, n_files=40)
    changed = json.loads(json.dumps(report))
    changed["findings"][7]["message"] += "（改）"
    for rep in (report, changed):
        writer.write_reports(out, rep, root, cache_dir=tmp_path / "cache")
        want = render(rep, root, None)
        for name in writer.REPORT_FILES:
            assert (out / name).read_bytes() == want[name].encode("utf-8"), name
    assert json.loads((out / "report.sarif").read_text(encoding="utf-8"))["runs"]


def test_a_report_built_from_reported_dicts_is_the_report_built_from_findings(tmp_path):
    """The plugin builds the report from the findings as the items reported them (dicts,
    in any order): the same report as from ``Finding`` objects, statuses (baselined,
    unreadable), counts and order included."""
    from checks.report.build import build_report_dicts

    base = make_report(tmp_path / "s", n_files=12)
    fs = [Finding.from_dict(d) for d in base["findings"]]
    fs[3].severity = "warning"  # 001.txt: a warning, a baselined error, an info: passes
    fs[4].baselined = True
    fs[5].severity = "info"
    fs[6].severity = "warning"
    fs[7].category = "format"
    files = [dict(r) for r in base["files"]] + [{"path": "zz.txt", "sha256": "0" * 64,
                                                "chars": 0, "lines": 0, "unreadable": True}]
    stale = [{"path": "000.txt", "fingerprint": "gone"}]
    want = build_report(files, fs, seeds_dir="s", duration_s=1.0, fail_on="warning",
                        stale_baseline=stale)
    dicts = [f.to_dict() for f in fs]
    random.Random(3).shuffle(dicts)
    got = build_report_dicts(list(reversed(files)), dicts, seeds_dir="s", duration_s=1.0,
                             fail_on="warning", stale_baseline=stale)
    got["generated_at"] = want["generated_at"]
    assert json.dumps(got, ensure_ascii=False) == json.dumps(want, ensure_ascii=False)
    assert {r["status"] for r in got["files"]} == {"fail", "pass", "unreadable"}
    assert got["summary"]["baselined"] == 1


@pytest.mark.parametrize("chunk", [1, 7, 50, 1000])
def test_without_a_cache_json_and_sarif_are_rendered_in_chunks_byte_for_byte(
        tmp_path, monkeypatch, chunk):
    """No fragment cache (``python -m checks check``, a run without a cache): report.json
    and report.sarif are rendered ``CHUNK`` findings at a time, not as one dump of the
    whole document (~1 GB of encoder tokens for 150,000 findings), and are the whole
    dump's bytes; write_reports writes the same bytes, piece by piece."""
    from checks.report import fastjson, fragments
    from checks.report.sarif import sarif_pieces, to_sarif

    monkeypatch.setattr(fragments, "CHUNK", chunk)
    root = tmp_path / "seeds"
    report = make_report(root)  # 90 findings, more than fastjson's 50 inline results
    n = len(report["findings"])
    uri = root.resolve().as_uri() + "/"
    pieces = writer.report_json_pieces(report)
    assert "".join(pieces) == dump_json(report)
    sarif = sarif_pieces(report, uri)
    assert "".join(sarif) == fastjson.dumps(to_sarif(report, uri)) + "\n"
    runs = -(-n // chunk)  # the findings' chunks, each one piece
    assert sum(1 for p in pieces if p.startswith("    {")) == runs
    assert sum(1 for p in sarif if p.startswith(" " * 8 + "{")) == runs
    out = tmp_path / "out"
    writer.write_reports(out, report, root)
    assert (out / "report.json").read_text(encoding="utf-8") == dump_json(report)
    assert (out / "report.sarif").read_text(encoding="utf-8") == \
        fastjson.dumps(to_sarif(report, uri)) + "\n"


# -- report.html's payload streamed: the bytes of the whole payload compressed at once ----------

def long_seed(i: int) -> str:
    """A seed of long lines (a finding's context is a few hundred characters)."""
    body = "\n".join(f"      第{k}段，" + f"工作实缋突出，数据{i * 10 + k}项，" * 16 + "完。"
                     for k in range(8))
    return f"2021-05-06\n\n标题{i}\n\n{body}\n"


def long_report(root: Path, n_files: int, per_file: int = 4) -> dict:
    """``n_files`` long seeds with ``per_file`` findings each (a fix, related places
    with their previews), written under ``root``."""
    fs = []
    seeds, files = write_seeds(root, n_files, long_seed, 4)
    for i, path, text in seeds:
        for k in range(per_file):
            line = 5 + 2 * k
            start = sum(len(x) + 1 for x in text.split("\n")[:line - 1])
            off = text.index("实缋", start)
            col = off - start + 1
            others = [Location(f"{(i + d) % n_files:04d}.txt", 5 + d, 3, 5 + d, 40)
                      for d in range(1, 6)]
            fs.append(Finding(
                check="typo.known-misspelling" if k % 2 else "format.long-line",
                category="typo" if k % 2 else "format", severity="error",
                path=path, line=line, column=col, end_line=line, end_column=col + 2,
                excerpt="实缋", message=f"实缋 → 实绩 ({k}) <&>\u2028",
                fix=Fix("实绩", k == 1, off, off + 2) if k < 2 else None,
                related=others if k != 3 else [], fingerprint=f"t:{path}:{k}",
                start=off, end=off + 2))
    return build_report(files, fs, seeds_dir=str(root), duration_s=0.5)


def _lines(report: dict, root: Path, level: int) -> str:
    """Reference: the compressed payload's text rendered whole: the head on the first
    line, then every finding's row naming its file and check, one a line."""
    from checks.report import html

    payload = html._payload(report, html._Seeds(root, None), level)
    head = {k: payload[k] for k in ("files", "checks", "severities", "categories")}
    seeds = html._Seeds(root, None)
    around, width = html.LEVELS[level]
    return "".join([json.dumps(head, ensure_ascii=False, separators=(",", ":")) + "\n"]
                   + [json.dumps(html._row(f, seeds, around, width), ensure_ascii=False,
                                 separators=(",", ":")) + "\n"
                      for f in report["findings"]])


def _data(page: str) -> tuple[str, str]:
    meta = page.split('id="seedcheck-meta">')[1].split("</script>")[0]
    return (page.split('id="seedcheck-data">')[1].split("</script>")[0],
            json.loads(meta)["encoding"])


@pytest.mark.parametrize("every", [1, 7, 64])
def test_html_payload_compressed_in_segments_is_one_deflate_stream_of_its_lines(
        tmp_path, monkeypatch, every):
    """A payload whose lines pass the threshold is one raw deflate stream of the lines
    text (base64), whatever the segments (one run each, about 7, the default): the
    page shows the payload's findings, files and checks by index; below the threshold
    it is the payload's JSON; the same page bytes without a fragment cache and with one
    (cold, then warm)."""
    import base64
    import zlib

    from checks.report import html

    monkeypatch.setattr(html, "SEG_EVERY", every)
    root = tmp_path / "s"
    report = long_report(root, 25)  # 100 findings, 25 runs
    lines = _lines(report, root, 0)
    n = len(lines)
    assert 50_000 < n < 2_000_000
    want_payload = html._payload(report, html._Seeds(root, None), 0)
    for above in (0, 5_000, n - 1, n, 10 ** 9):
        want = html.to_html(report, root, compress_above=above)
        data, encoding = _data(want)
        assert encoding == ("deflate-raw+base64" if n > above else "json"), above
        assert html.embedded_data(want) == want_payload
        if n > above:
            assert zlib.decompress(base64.b64decode(data), -15).decode("utf-8") == lines
        else:
            assert data == json.dumps(want_payload, ensure_ascii=False,
                                      separators=(",", ":")).translate(html._ESC_TABLE)
        for k in range(2):  # a fragment cache, cold then warm
            frags = Fragments(tmp_path / f"frags-{above}.pickle", "x")
            got = html.to_html(report, root, compress_above=above, frags=frags)
            frags.save()
            if n > above:
                segs = len(html._Packer(report, html._Seeds(root, None)).segments)
                assert (frags.hits, frags.misses) == ((segs, 0) if k else (0, segs))
                assert segs == 25 if every == 1 else segs < 25
            assert got.encode("utf-8") == want.encode("utf-8"), (above, k)


def test_html_payload_too_large_is_rendered_at_the_next_level_and_cut_short(
        tmp_path, monkeypatch):
    """Data over ``max_data``: the payload is rendered again at the next level (1 line
    of context, not 2); the level that is too large stops rendering once its data is
    longer than ``max_data`` (the segments after that are not rendered at it)."""
    from checks.report import html

    monkeypatch.setattr(html, "SEG_EVERY", 1)
    root = tmp_path / "s"
    report = long_report(root, 25)
    packed = html.to_html(report, root, compress_above=0)
    data_len = len(_data(packed)[0])
    at_1 = html._payload(report, html._Seeds(root, None), 1)
    rows: list[int] = []
    real_row = html._row
    monkeypatch.setattr(html, "_row", lambda f, s, around, width: rows.append(around)
                        or real_row(f, s, around, width))
    tight = html.to_html(report, root, compress_above=0, max_data=data_len - 1)
    assert len(html.embedded_data(tight)["findings"][0][11]) == 3  # line ± 1
    assert html._lines_payload(__import__("base64").b64decode(_data(tight)[0])) == at_1
    assert rows.count(1) == 100  # the level taken: every finding
    assert rows.count(2) == 100  # (too large by the head only: known at the end)
    rows.clear()
    cut = html.to_html(report, root, compress_above=0, max_data=data_len // 4)
    assert 20 <= rows.count(2) < 35 and rows.count(1) < 100
    assert cut != tight
    # the same bytes with a fragment cache, cold and warm
    for _ in range(2):
        frags = Fragments(tmp_path / "frags.pickle", "x")
        assert html.to_html(report, root, compress_above=0, max_data=data_len - 1,
                            frags=frags) == tight
        frags.save()


def test_html_payload_pieces_are_rendered_one_chunk_at_a_time(tmp_path, monkeypatch):
    """The JSON payload's rows are rendered when their piece is taken (CHUNK findings'
    rows at a time, never every row)."""
    from checks.report import fragments, html

    monkeypatch.setattr(fragments, "CHUNK", 7)
    root = tmp_path / "s"
    report = long_report(root, 10)  # 40 findings: chunks of 7, 7, 7, 7, 7, 5
    rows = []
    real_row = html._row
    monkeypatch.setattr(html, "_row", lambda f, *a: rows.append(f) or real_row(f, *a))
    pieces, checks = html._payload_pieces(report, html._Seeds(root, None), 0)
    assert checks == ["format.long-line", "typo.known-misspelling"]
    assert rows == []
    head = next(pieces)
    assert head.startswith('{"files":[["0000.txt","fail"],') and \
        head.endswith('"findings":[') and rows == []
    first = next(pieces)
    assert rows == report["findings"][:7] and first.startswith("[0,0,0,5,")
    rest = list(pieces)
    assert len(rows) == 40 and rest[-1] == "]}"
    assert rest[:-1:2] == [","] * 5  # the separators between the six chunks
    assert "".join([head, first, *rest]) == json.dumps(
        html._payload(report, html._Seeds(root, None), 0), ensure_ascii=False,
        separators=(",", ":"))


def test_html_segments_are_compressed_only_once_the_payload_needs_it(tmp_path,
                                                                       monkeypatch):
    """No segment is compressed while the lines stay under the threshold; when they
    pass it, the segments held so far are compressed, then each as it comes; a payload
    that stays under it compresses nothing (it is embedded as JSON)."""
    from checks.report import html

    monkeypatch.setattr(html, "SEG_EVERY", 1)
    root = tmp_path / "s"
    report = long_report(root, 10)  # 10 runs: 10 segments
    texts: list[str] = []
    real = html._deflated
    monkeypatch.setattr(html, "_deflated", lambda t: texts.append(t) or real(t))
    packer = html._Packer(report, html._Seeds(root, None))
    lines = _lines(report, root, 0)
    assert packer.data(0, len(lines)) is None and texts == []
    segs = lines.split("\n")[1:-1]  # 4 findings a seed: a segment is 4 lines
    third = len(packer.head) + 1 + sum(len(x) + 1 for x in segs[:12])
    data = packer.data(0, third - 1)
    # the first three segments at once (held until the lines passed the threshold),
    # then one at a time, then the head
    assert [t.count("\n") for t in texts] == [4] * 10 + [1]
    assert texts[-1] == packer.head + "\n"
    assert "".join(texts[:-1]) == "".join(x + "\n" for x in segs)
    assert html._lines_payload(__import__("base64").b64decode(data)) == \
        html._payload(report, html._Seeds(root, None), 0)


def test_one_seed_added_or_removed_changes_only_its_own_segment(tmp_path):
    """The cuts between segments are made by the runs' keys: a seed added or removed
    changes the segment it falls in (two when it makes a cut of its own), and a run in
    which that happened renders and compresses only those; the page is the bytes of a
    page rendered without a cache."""
    from checks.report import html

    root = tmp_path / "s"
    report = long_report(root, 600, per_file=1)
    cache = tmp_path / "frags.pickle"

    def page(rep) -> tuple[str, int, int]:
        frags = Fragments(cache, "x")
        got = html.to_html(rep, root, compress_above=0, frags=frags)
        frags.save()
        assert got == html.to_html(rep, root, compress_above=0)
        return got, frags.hits, frags.misses

    _, hits, misses = page(report)
    segs = misses
    assert hits == 0 and 4 <= segs < 600 // 16
    gone = "0300.txt"
    removed = dict(report, findings=[f for f in report["findings"] if f["path"] != gone],
                   files=[r for r in report["files"] if r["path"] != gone])
    got, hits, misses = page(removed)
    assert misses == 1 and hits >= segs - 2
    data = html.embedded_data(got)
    assert len(data["findings"]) == 599
    assert all(data["files"][f[0]][0] != gone for f in data["findings"])
    cache = tmp_path / "other.pickle"  # the seed added to a cache that never held it
    page(removed)
    _, hits, misses = page(report)
    assert 1 <= misses <= 2 and hits >= segs - 3


def test_report_html_large_enough_to_be_compressed_is_written_byte_for_byte(
        tmp_path, monkeypatch):
    """At the default threshold (over 2,000,000 characters of lines: compressed),
    ``write_reports`` without a cache (``python -m checks check``, the Dask front end),
    with a cold cache and a warm one writes the same page, whose data is the lines."""
    import base64
    import zlib

    from checks.report import html

    root = tmp_path / "s"
    report = long_report(root, 1200)  # 4,800 findings: level 1
    assert html._level(len(report["findings"])) == 1
    lines = _lines(report, root, 1)
    assert len(lines) > html.COMPRESS_ABOVE
    out = tmp_path / "out"
    writer.write_reports(out, report, root)
    want = (out / "report.html").read_bytes()
    data, encoding = _data(want.decode("utf-8"))
    assert encoding == "deflate-raw+base64"
    assert zlib.decompress(base64.b64decode(data), -15).decode("utf-8") == lines
    writer.write_reports(out, report, root, cache_dir=tmp_path / "cache")  # cold
    assert (out / "report.html").read_bytes() == want
    segs = writer.LAST_FRAGMENTS["report.html"][1]
    writer.write_reports(out, report, root, cache_dir=tmp_path / "cache")  # warm
    assert writer.LAST_FRAGMENTS["report.html"] == (segs, 0)
    assert (out / "report.html").read_bytes() == want


def test_run_digests_depend_on_content_not_on_object_identity():
    """Equal findings give equal digests however they were built (marshal version 2
    writes no back-references); any change of a value, a type or a key order changes
    the run's digest."""
    import json

    base = [{"path": "a.txt", "line": 1, "message": "中文", "fix": None, "related": []},
            {"path": "a.txt", "line": 2, "message": "中文", "fix": None, "related": []},
            {"path": "b.txt", "line": 1, "message": "x", "fix": {"safe": True}, "related": []}]
    shared = "中文"
    built = [dict(d, message=shared) if d["message"] == "中文" else dict(d) for d in base]
    again = json.loads(json.dumps(base))
    assert run_digests(base) == run_digests(built) == run_digests(again)
    assert [(i, j) for i, j, _ in run_digests(base)] == [(0, 2), (2, 3)]
    for changed in ([dict(base[0], line=3)] + base[1:],
                    [dict(base[0], line=1.0)] + base[1:],
                    [dict(reversed(list(base[0].items())))] + base[1:]):
        got = run_digests(changed)
        assert got[0][2] != run_digests(base)[0][2] and got[1] == run_digests(base)[1]


def test_a_run_read_from_the_store_takes_the_digest_stored_with_it(tmp_path):
    """The store keeps each seed's findings' run digest (computed when they are
    stored); a run read back (a StoredRun) takes it without being read, and it is the
    digest the run would get anyway; a run whose flag the baseline set is a copy, and
    is digested as usual; another run (a corpus check's) too."""
    from checks.baseline import Baseline
    from checks.plugin import reported
    from checks.report.fragments import run_digest
    from checks.report.lazy import Findings, StoredRun

    def finding(path: str, line: int, fp: str) -> dict:
        return Finding(check="typo.known-misspelling", category="typo", severity="error",
                       path=path, line=line, column=1, end_line=line, end_column=3,
                       excerpt="实缋", message="m", fix=None, related=[],
                       fingerprint=fp).to_dict()

    a = [finding("a.txt", 1, "fa1"), finding("a.txt", 2, "fa2")]
    store = cache_mod.Store.open(tmp_path / "store.sqlite")
    store.put_seed("a.txt", "s1", "ctx", {"path": "a.txt"}, a, {})
    got = store.get_seeds_bulk([("a.txt", "s1")], "ctx", lazy=True)
    store.close()
    run = got[("a.txt", "s1")][1]
    assert isinstance(run, StoredRun) and run.digest == run_digest(a)
    b = [finding("b.txt", 1, "fb")]
    run.digest = "kept"  # (a digest that is not the content's, to see which one is taken)
    assert run_digests(Findings([run, b])) == [(0, 2, "kept"), (2, 3, run_digest(b))]
    assert run._dicts is None
    # a baseline that accepts none of them leaves the run as it is; one that accepts a
    # finding gives a copy with its flag set, digested as usual
    assert reported(run, Baseline(tmp_path / "bl", {"other": {}})) is run
    copied = reported(run, Baseline(tmp_path / "bl", {"fa1": {}}))
    assert type(copied) is list and copied[0]["baselined"] and not copied[1]["baselined"]
    assert run_digests(Findings([copied]))[0][2] == run_digest(copied) != "kept"
