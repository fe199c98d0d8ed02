"""report.json's and report.sarif's runs kept in groups (checks/report/fragments.py:
``group_spans``, ``rendered_groups``), report.html's head from the file rows, its
compiled template kept, and the report's quoting parts worked out once."""

from __future__ import annotations

import json
import pickle

import pytest

from checks.report import fragments, html, markdown, writer
from checks.report.fragments import group_spans, run_digests
from checks.report.lazy import Findings, Summary, with_related
from test_report_fragments import make_report, render


@pytest.fixture(autouse=True)
def in_process(monkeypatch):
    monkeypatch.setattr(writer, "PARALLEL_MIN", 10 ** 9)  # LAST_FRAGMENTS of this process


def _digest(k: int) -> str:
    # a first byte of 0 (a cut at GROUP_EVERY 64) every fifth row
    return ("00" if k % 5 == 4 else "7f") + f"{k:038x}"


def test_groups_are_cut_by_content_so_an_inserted_run_changes_its_own_group_only():
    rows = [(k, k + 1, _digest(k)) for k in range(23)]
    groups = list(group_spans(rows))
    assert [[d for _i, _j, d in g] for g in groups] == [
        [_digest(k) for k in range(a, min(a + 5, 23))] for a in range(0, 23, 5)]
    assert [r for g in groups for r in g] == rows
    new = ("7e" + "1" * 38)
    grown = list(group_spans(rows[:7] + [(0, 0, new)] + rows[7:]))
    names = [[d for _i, _j, d in g] for g in grown]
    assert names[1] == [_digest(5), _digest(6), new, _digest(7), _digest(8), _digest(9)]
    assert names[:1] + names[2:] == [[d for _i, _j, d in g] for g in groups][:1] \
        + [[d for _i, _j, d in g] for g in groups][2:]


def test_a_group_holds_at_most_group_max_runs(monkeypatch):
    monkeypatch.setattr(fragments, "GROUP_MAX", 4)
    rows = [(k, k + 1, "7f" + f"{k:038x}") for k in range(10)]  # no cut by content
    assert [len(g) for g in group_spans(rows)] == [4, 4, 2]


def _cache_items(cache, name: str) -> dict:
    return pickle.loads(next(cache.glob(f"*.{name}.pickle")).read_bytes())


@pytest.mark.parametrize("every", [4, 64])
def test_grouped_runs_write_the_bytes_of_a_full_rendering_and_render_one_changed_seed(
        tmp_path, monkeypatch, every):
    """Groups of runs (GROUP_EVERY 4: several groups of 30 runs; 64: about one): the
    reports of a cold, a warm and a one-seed-changed run are a rendering's without a
    cache; the cache keeps one place a group (not a run), with its runs' digests; a
    changed seed's group takes its other runs from the old file, so only that seed's
    findings are rendered."""
    from checks.report import files

    monkeypatch.setattr(fragments, "GROUP_EVERY", every)
    root = tmp_path / "s"
    report = make_report(root)
    cache = tmp_path / "cache"
    plain = render(report, root, None)
    assert render(report, root, cache) == plain
    assert writer.LAST_FRAGMENTS["report.json"] == (0, 30)
    groups = list(group_spans(run_digests(report["findings"])))
    if every == 4:
        assert len(groups) > 3
    for name in ("report.json", "report.sarif"):
        data = _cache_items(cache, name)
        keys = {k for k in data["items"] if k.startswith("g:")}
        assert len(keys) == len(groups) and set(data["groups"]) == keys
        assert not [k for k in data["items"] if not k.startswith(("g:", "files:"))]
        assert sorted(n for n, _l, _c in data["groups"].values()) == sorted(
            "|".join(d for _i, _j, d in g) for g in groups)
    spans: list = []
    real = files.COPY_FILE_RANGE
    monkeypatch.setattr(files, "COPY_FILE_RANGE",
                        lambda *a: spans.append(a[2]) or real(*a))
    assert render(report, root, cache) == plain  # warm: every group copied
    assert writer.LAST_FRAGMENTS["report.json"] == (30, 0)
    assert writer.LAST_FRAGMENTS["report.sarif"] == (30, 0)
    assert len(spans) == 3  # json's findings, its files rows, sarif's results: one each
    changed = json.loads(json.dumps(report))
    for f in changed["findings"]:
        if f["path"] == "017.txt":
            f["message"] += "（改）"
    want = render(changed, root, None)
    assert render(changed, root, cache) == want
    assert writer.LAST_FRAGMENTS["report.json"] == (29, 1)
    assert writer.LAST_FRAGMENTS["report.sarif"] == (29, 1)
    assert render(changed, root, cache) == want
    assert writer.LAST_FRAGMENTS["report.json"] == (30, 0)
    # a seed removed and one added (a new path): the bytes of a full rendering
    removed = dict(changed, findings=[f for f in changed["findings"]
                                      if f["path"] != "005.txt"],
                   files=[r for r in changed["files"] if r["path"] != "005.txt"])
    assert render(removed, root, cache) == render(removed, root, None)
    assert writer.LAST_FRAGMENTS["report.json"] == (29, 0)


def test_a_group_whose_run_was_edited_in_a_copied_file_renders_that_run_only(
        tmp_path, monkeypatch):
    """A copied report file (its places checked, not trusted): a group whose bytes no
    longer have their CRC-32 takes its runs one by one, each checked by its own."""
    import shutil

    monkeypatch.setattr(fragments, "GROUP_EVERY", 256)  # one group
    root = tmp_path / "s"
    report = make_report(root)
    cache = tmp_path / "cache"
    plain = render(report, root, cache)
    out = tmp_path / "out"
    shutil.copytree(out, tmp_path / "saved")
    shutil.rmtree(out)
    shutil.copytree(tmp_path / "saved", out)
    text = (out / "report.sarif").read_bytes()
    old = "实缋 → 实绩 (2)".encode("utf-8")
    assert text.count(old) == 30
    at = text.index(old)
    (out / "report.sarif").write_bytes(text[:at] + "实缋 → 实绩 (8)".encode("utf-8")
                                       + text[at + len(old):])
    assert render(report, root, cache) == plain
    assert writer.LAST_FRAGMENTS["report.sarif"] == (29, 1)
    assert writer.LAST_FRAGMENTS["report.json"] == (30, 0)


def test_groups_of_another_shape_in_the_cache_are_misses(tmp_path, monkeypatch):
    """A cache file whose groups are not (digests, lengths, CRC-32s) renders what it
    cannot take, and writes the bytes of a full rendering."""
    monkeypatch.setattr(fragments, "GROUP_EVERY", 4)
    root = tmp_path / "s"
    report = make_report(root)
    cache = tmp_path / "cache"
    plain = render(report, root, cache)
    changed = json.loads(json.dumps(report))
    for f in changed["findings"]:
        if f["path"] == "017.txt":
            f["message"] += "（改）"
    want = render(changed, root, None)
    index = next(cache.glob("*.report.json.pickle"))
    good = index.read_bytes()
    for broken in (lambda v: v[:1], lambda v: None, lambda v: (7, v[1], v[2]),
                   lambda v: (v[0], b"x", v[2])):
        data = pickle.loads(good)
        data["groups"] = {k: broken(v) for k, v in data["groups"].items()}
        index.write_bytes(pickle.dumps(data))
        assert render(changed, root, cache) == want
        hits, misses = writer.LAST_FRAGMENTS["report.json"]
        assert hits + misses == 30 and misses >= 1
        index.write_bytes(good)
        (tmp_path / "out" / "report.json").write_text(plain["report.json"], encoding="utf-8")


def test_html_head_from_the_file_rows_equals_the_sorted_union(tmp_path):
    root = tmp_path / "s"
    report = make_report(root, n_files=12)
    view = dict(report, findings=Findings.from_dicts(report["findings"]))

    def slow(r):
        files, _, status = html._files(r)
        return [[p, status.get(p, "")] for p in files]

    for r in (report, view):
        assert html._head_files(r) == slow(r)
        assert [p for p, _s in html._head_files(r)] == [f["path"] for f in report["files"]]
    # rows out of order, a related path without a row, a duplicate row: the slow way
    rows = report["files"]
    for bad in (rows[::-1], rows[1:], rows + rows[-1:]):
        r = dict(report, files=bad)
        assert html._head_files(r) == slow(r)
    assert [p for p, _s in html._head_files(dict(report, files=rows[1:]))][0] == "000.txt"
    assert html._head_files(dict(report, files=rows[1:]))[0] == ["000.txt", ""]


def test_report_html_template_is_compiled_once_and_loaded_by_a_fresh_process(
        tmp_path, monkeypatch):
    from jinja2 import Environment

    root = tmp_path / "s"
    report = make_report(root)
    cache = tmp_path / "cache"
    monkeypatch.setattr(html, "_ENV", {})
    plain = render(report, root, None)
    assert render(report, root, cache) == plain
    kept = list((cache / "jinja").iterdir())
    assert len(kept) == 1 and kept[0].stat().st_size > 1000
    monkeypatch.setattr(html, "_ENV", {})  # a fresh process's

    def no_compile(*a, **kw):
        raise AssertionError("compiled again")

    monkeypatch.setattr(Environment, "compile", no_compile)
    assert render(report, root, cache) == plain
    monkeypatch.setattr(html, "_ENV", {})  # without the folder: compiled
    with pytest.raises(writer.ReportError, match="compiled again"):
        render(report, root, None)


def test_a_template_cache_that_cannot_be_written_or_read_is_no_cache(tmp_path, monkeypatch):
    """The compiled template's folder full, unwritable or unreadable: report.html is
    written as without the cache (Jinja's own cache raises the OSError)."""
    import errno

    import jinja2.bccache

    root = tmp_path / "s"
    report = make_report(root)
    plain = render(report, root, None)
    cache = tmp_path / "cache"

    def full(*a, **kw):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(html, "_ENV", {})
    monkeypatch.setattr(jinja2.bccache.tempfile, "NamedTemporaryFile", full)
    assert render(report, root, cache) == plain
    assert list((cache / "jinja").iterdir()) == []
    monkeypatch.undo()
    monkeypatch.setattr(writer, "PARALLEL_MIN", 10 ** 9)
    monkeypatch.setattr(html, "_ENV", {})
    assert render(report, root, cache) == plain  # written now
    kept = next((cache / "jinja").iterdir())
    real_open = open

    def unreadable(file, *a, **kw):
        if str(file) == str(kept):
            raise OSError(errno.EIO, "Input/output error")
        return real_open(file, *a, **kw)

    monkeypatch.setattr(html, "_ENV", {})
    monkeypatch.setattr(jinja2.bccache, "open", unreadable, raising=False)
    assert render(report, root, cache) == plain
    # the folder's name taken by a file: no cache at all
    monkeypatch.setattr(html, "_ENV", {})
    other = tmp_path / "cache2"
    other.mkdir()
    (other / "jinja").write_text("not a folder")
    assert render(report, root, other) == plain


def test_quoting_parts_are_those_whose_findings_quote_a_location(tmp_path):
    root = tmp_path / "s"
    report = make_report(root, n_files=6)
    fs = report["findings"]
    for f in fs:
        if f["path"] in ("002.txt", "004.txt"):
            f["related"] = []
    view = Findings.from_dicts(fs)
    assert [s.n for _p, s in view.quoting()] == [3, 3, 3, 3]
    assert [p[0]["path"] for p, _s in view.quoting()] == ["000.txt", "001.txt", "003.txt",
                                                          "005.txt"]
    assert view.quoting() is view.quoting()
    checks = ["typo.known-misspelling"]
    assert list(with_related(view, checks)) == list(with_related(fs, checks))
    assert len(list(with_related(view, checks))) == 4


def test_markdown_rank_counts_each_severity():
    sm = Summary(6, (("typo", "error", "a", 2), ("typo", "info", "b", 1),
                     ("typo", "warning", "c", 2), ("figure", "error", "d", 1)),
                 {"error": 1, "warning": 2}, 3, (), (), (), False)
    assert markdown._rank(sm) == (-1, -3, -2, -1)
