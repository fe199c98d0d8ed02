"""The fixer (``python -m checks fix``): overlap resolution, tidy step, the log and
reconstruction, idempotence, the command line; property tests on generated documents.

Most tests use small fake checks that are *not* registered globally: they run through
:func:`checks.engine.finalize` (the same path as real checks), so the tests do not depend
on which real checks have landed. The command-line tests register fakes for one test
only (``monkeypatch``) and select them with ``--select``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import checks
from checks import fixer, registry
from checks.__main__ import main
from checks.config import Config
from checks.engine import check_seed, finalize
from checks.model import Fix, Hit
from checks.registry import CheckSpec
from checks.seed import seed_from_bytes, seed_from_text

FIXTURES = Path(__file__).parent / "fixtures"
RAW_SAMPLE = FIXTURES / "000_12dde9c38bb7d0aa.txt"
CLEAN_SAMPLE = Path(__file__).parent.parent / "seeds" / "000_12dde9c38bb7d0aa.txt"


# -- fake checks ------------------------------------------------------------------------

def chrome_lines(seed, ctx):
    """Delete every line holding CHROME, with its line break (safe)."""
    for ln in seed.lines:
        if "CHROME" in ln.text:
            yield Hit(ln.start, ln.end, "chrome line", fix=Fix("", True, ln.start, ln.next))


def typo_words(seed, ctx):
    """釆取 -> 采取 (safe)."""
    for m in re.finditer("釆取", seed.text):
        yield Hit(m.start(), m.end(), "typo", fix=Fix("采取", True))


def block_delete(seed, ctx):
    """Delete from a BEGIN line through the next END line, line breaks included."""
    lines = seed.lines
    i = 0
    while i < len(lines):
        if lines[i].text == "BEGIN":
            for j in range(i + 1, len(lines)):
                if lines[j].text == "END":
                    yield Hit(lines[i].start, lines[j].end, "block",
                              fix=Fix("", True, lines[i].start, lines[j].next))
                    i = j
                    break
        i += 1


def unsafe_figure(seed, ctx):
    """1500万 -> 1,500万, not safe."""
    for m in re.finditer("1500万", seed.text):
        yield Hit(m.start(), m.end(), "figure", fix=Fix("1,500万", False))


FAKES = {
    "chrome.zz-fake-line": chrome_lines,
    "typo.zz-fake-word": typo_words,
    "duplicate.zz-fake-block": block_delete,
    "figure.zz-fake-unsafe": unsafe_figure,
}
SPECS = [CheckSpec(cid, "error", 1, func, "file") for cid, func in FAKES.items()]


def fake_finder(seed, specs=SPECS):
    out = []
    seen: dict = {}
    for spec in specs:
        out += finalize(spec, seed, list(spec.func(seed, None)), Config(), seen)
    return out


def fix(text: str, unsafe: bool = False, specs=SPECS):
    seed = seed_from_text(text)
    return fixer.fix_text(seed, lambda s: fake_finder(s, specs), unsafe=unsafe)


def entry_of(raw: bytes, outcome, bom: bool = False) -> dict:
    return {"steps": outcome.steps, "bom": bom,
            "original_sha256": hashlib.sha256(raw).hexdigest()}


# -- overlap resolution -------------------------------------------------------------------

def cand(start, end, rep, check="chrome.a"):
    return fixer.Candidate(start, end, rep, True, [check])


def test_resolve_deletion_subsumes_contained_fixes():
    big = cand(10, 50, "", "duplicate.x")
    typo = cand(20, 22, "采取", "typo.y")
    line = cand(40, 50, "", "chrome.z")
    taken, rejected = fixer.resolve([typo, line, big])
    assert taken == [big]
    assert [(r.candidate.check, r.status, r.by.check) for r in rejected] == [
        ("typo.y", "subsumed", "duplicate.x"), ("chrome.z", "subsumed", "duplicate.x")]


def test_resolve_partial_overlap_earlier_then_longer_wins():
    a = cand(5, 15, "X", "typo.a")
    b = cand(10, 20, "", "chrome.b")  # overlaps a, not contained in a deletion
    c = cand(5, 9, "Y", "typo.c")  # same start as a, shorter
    taken, rejected = fixer.resolve([b, c, a])
    assert taken == [a]
    assert [(r.candidate.check, r.status) for r in rejected] == [
        ("typo.c", "skipped"), ("chrome.b", "skipped")]


def test_resolve_adjacent_and_boundary_insertions_do_not_conflict():
    d = cand(10, 20, "", "chrome.d")
    ins_before = cand(10, 10, "\n", "format.i")
    ins_after = cand(20, 20, "\n", "format.j")
    nxt = cand(20, 25, "", "chrome.e")
    taken, rejected = fixer.resolve([nxt, d, ins_after, ins_before])
    assert rejected == []
    assert [(c.start, c.end) for c in taken] == [(10, 10), (10, 20), (20, 20), (20, 25)]
    inside = cand(15, 15, "x", "format.k")
    taken, rejected = fixer.resolve([d, inside])
    assert taken == [d] and rejected[0].status == "subsumed"


def test_identical_fixes_merge_and_noop_fixes_drop():
    text = "ab釆取cd"
    seed = seed_from_text(text)
    specs = [CheckSpec("typo.zz-one", "error", 1, typo_words, "file"),
             CheckSpec("typo.zz-two", "error", 1, typo_words, "file")]
    cands, invalid = fixer.candidates_from(fake_finder(seed, specs), text, unsafe=False)
    assert invalid == []
    assert [(c.start, c.end, c.replacement, c.checks) for c in cands] == [
        (2, 4, "采取", ["typo.zz-one", "typo.zz-two"])]

    def noop(seed, ctx):
        yield Hit(0, 2, "same text", fix=Fix("ab", True))
    spec = CheckSpec("typo.zz-noop", "error", 1, noop, "file")
    assert fixer.candidates_from(fake_finder(seed, [spec]), text, False)[0] == []


def test_bad_fix_span_is_rejected_not_applied():
    def bad(seed, ctx):
        yield Hit(0, 1, "bad span", fix=Fix("", True, 3, 999))
    spec = CheckSpec("chrome.zz-bad", "error", 1, bad, "file")
    out = fix("abcdef\n", specs=[spec])
    assert out.text == "abcdef\n" and out.steps == []
    assert [(r.status, r.candidate.check) for r in out.rejected] == [("invalid", "chrome.zz-bad")]


# -- applying, undoing, tidying -------------------------------------------------------------

def test_apply_edits_records_offsets_and_undo_restores():
    text = "甲乙\n丙丁\n戊"
    edits = [fixer.Edit(3, 6, "", "chrome.a"), fixer.Edit(6, 7, "己庚", "typo.b")]
    new, recs = fixer.apply_edits(text, edits)
    assert new == "甲乙\n己庚"
    assert [(r["start"], r["end"], r["new_start"], r["new_end"], r["removed"],
             r["replacement"], r["line"], r["column"], r["end_line"], r["end_column"])
            for r in recs] == [
        (3, 6, 3, 3, "丙丁\n", "", 2, 1, 2, 3),
        (6, 7, 3, 5, "戊", "己庚", 3, 1, 3, 2)]
    assert fixer.undo_step(new, recs) == text


def test_undo_step_refuses_a_text_that_does_not_match_the_log():
    new, recs = fixer.apply_edits("abc", [fixer.Edit(1, 2, "X", "typo.a")])
    with pytest.raises(ValueError, match="does not match the log"):
        fixer.undo_step("aYc", recs)


@pytest.mark.parametrize("before, joins, eol, after", [
    # a deletion joined two blank lines: one stays
    ("a\n\n\nb\n", [3], "\n", "a\n\nb\n"),
    ("a\r\n\r\n\r\nb\r\n", [4], "\r\n", "a\r\n\r\nb\r\n"),
    ("a\r\r\rb", [3], "\r", "a\r\rb"),
    ("a\n\n\n\n\nb\n", [3], "\n", "a\n\nb\n"),
    # a deletion reached the end: the file ends with exactly one line break
    ("a\n\nb\n\n", [7], "\n", "a\n\nb\n"),
    ("a\n\nb\n\n  \n", [6], "\n", "a\n\nb\n"),
    ("a\n\nb", [4], "\r\n", "a\n\nb\r\n"),
    ("a\n\nb\n\n\n", [6], "\n", "a\n\nb\n"),
    # both: a run at a join and blank lines up to the end
    ("a\n\n\n", [2, 3], "\n", "a\n"),
    # a deleted line's content left a blank line beside another
    ("a\n\n  \nb\n", [5], "\n", "a\n\nb\n"),
])
def test_tidy_after_deletions(before, joins, eol, after):
    edits = fixer.tidy_edits(before, joins, eol)
    new, recs = fixer.apply_edits(before, edits)
    assert new == after
    assert fixer.undo_step(new, recs) == before
    assert {r["check"] for r in recs} <= {fixer.TIDY_BLANK, fixer.TIDY_END}


@pytest.mark.parametrize("text, joins", [
    ("a\n\n\nb\nc\n", [8]),  # a double blank line far from the join stays
    ("a\n\nb\nc", [3]),  # blank above, text below: no run created
    ("a\nb\n\n\nc\n", [2]),  # join above an old run of blank lines: not created by it
    ("a\nb", [1]),  # a join in the middle of text
    ("a\n\nb", []),  # no deletion: no tidying, no final line break added
])
def test_tidy_leaves_what_the_deletion_did_not_create(text, joins):
    assert fixer.tidy_edits(text, joins, "\n") == []


def test_dominant_eol():
    assert fixer.dominant_eol("a\r\nb\r\nc\n") == "\r\n"
    assert fixer.dominant_eol("a\rb") == "\r"
    assert fixer.dominant_eol("abc") == "\n"


def test_unified_diff_kinds_and_missing_final_line_break():
    old = "2020-07-26\r\n\r\nCHROME\r\n正文\r\n尾"
    new = "2020-07-26\r\n\r\n正文\r\n尾\r\n"
    assert fixer.unified_diff(old, new, "a.txt") == [
        ("header", "--- a.txt (original)"),
        ("header", "+++ a.txt (fixed)"),
        ("hunk", "@@ -1,5 +1,4 @@"),
        ("ctx", " 2020-07-26"),
        ("ctx", " "),
        ("del", "-CHROME"),
        ("ctx", " 正文"),
        ("del", "-尾"),
        ("note", "\\ No newline at end of file"),
        ("add", "+尾"),
    ]
    text = fixer.render_diff(old, new, "a.txt")
    assert text.plain.splitlines()[5] == "-CHROME"
    assert [s.style for s in text.spans if text.plain[s.start:s.end] == "-CHROME"] == ["red"]
    assert fixer.unified_diff("same\n", "same\n", "a.txt") == []


# -- fixing texts ----------------------------------------------------------------------------

def test_fix_text_deletes_lines_fixes_typos_and_logs_everything():
    raw = "2020-07-26\n\n标题\n\nCHROME 导航\n\n正文釆取措施。\n\nCHROME 扫一扫"
    out = fix(raw)
    assert out.text == "2020-07-26\n\n标题\n\n正文采取措施。\n"
    kinds = [(s["pass"], s["kind"], [c["check"] for c in s["changes"]]) for s in out.steps]
    assert kinds == [
        (1, "fix", ["chrome.zz-fake-line", "typo.zz-fake-word", "chrome.zz-fake-line"]),
        (1, "tidy", [fixer.TIDY_BLANK, fixer.TIDY_END]),
    ]
    first = out.steps[0]["changes"][0]
    assert (first["line"], first["column"], first["end_line"], first["removed"]) == (
        5, 1, 5, "CHROME 导航\n")
    assert fixer.reconstruct(out.text.encode(), entry_of(raw.encode(), out)) == raw.encode()
    again = fix(out.text)
    assert again.steps == [] and again.text == out.text


def test_unsafe_fixes_only_with_unsafe():
    raw = "2020-07-26\n\n经费1500万元。\n"
    safe_only = fix(raw)
    assert safe_only.text == raw and safe_only.steps == []
    assert [f.check for f in safe_only.remaining] == ["figure.zz-fake-unsafe"]
    both = fix(raw, unsafe=True)
    assert both.text == "2020-07-26\n\n经费1,500万元。\n"
    assert both.steps[0]["changes"][0]["safe"] is False


def test_skipped_fix_is_logged_and_applied_in_the_next_pass():
    def wide(seed, ctx):
        i = seed.text.find("ABCD")
        if i >= 0:
            yield Hit(i, i + 4, "wide", fix=Fix("W", True))

    def narrow(seed, ctx):
        i = seed.text.find("CDE")
        if i >= 0:
            yield Hit(i, i + 3, "narrow", fix=Fix("n", True))
    specs = [CheckSpec("typo.zz-wide", "error", 1, wide, "file"),
             CheckSpec("typo.zz-narrow", "error", 1, narrow, "file")]
    out = fix("xABCDEFGCDE\n", specs=specs)
    assert out.text == "xWEFGn\n"
    na = out.steps[0]["not_applied"]
    assert [(r["status"], r["check"], r["by"]) for r in na] == [
        ("skipped", "typo.zz-narrow", "typo.zz-wide")]
    assert [s["pass"] for s in out.steps] == [1, 2]  # pass 2 ran on the changed text
    out2 = fix("xABCDE\n", specs=specs)
    assert out2.text == "xWE\n"


def test_fixes_that_never_settle_are_reported():
    def grow(seed, ctx):
        yield Hit(0, 0, "grow", fix=Fix("x", True))
    out = fix("a\n", specs=[CheckSpec("typo.zz-grow", "error", 1, grow, "file")])
    assert not out.converged
    assert len([s for s in out.steps if s["kind"] == "fix"]) == fixer.MAX_PASSES


def _sample_finder():
    """Fakes that ask for exactly the fixes the real checks are specified to ask for on
    the raw sample (see the issue): chrome lines 5-7, 46-47, 91-99, the repeated body
    49-92 and three typos, each deletion with its line break."""
    def chrome(seed, ctx):
        wanted = set(range(5, 8)) | {46, 47} | set(range(91, 100))
        for ln in seed.lines:
            if seed.text.count("\n") == 98 and ln.number in wanted:
                yield Hit(ln.start, ln.end, "chrome", fix=Fix("", True, ln.start, ln.next))

    def dup(seed, ctx):
        if seed.text.count("\n") == 98:
            a, b = seed.line(49), seed.line(92)
            yield Hit(a.start, b.end, "repeated body", fix=Fix("", True, a.start, b.next))

    def typos(seed, ctx):
        for bad, good in (("釆取", "采取"), ("实缋", "实绩"), ("七•一", "七·一")):
            for m in re.finditer(bad, seed.text):
                yield Hit(m.start(), m.end(), "typo", fix=Fix(good, True))
    specs = [CheckSpec("chrome.zz-s", "error", 1, chrome, "file"),
             CheckSpec("duplicate.zz-s", "error", 1, dup, "file"),
             CheckSpec("typo.zz-s", "error", 1, typos, "file")]
    return lambda s: fake_finder(s, specs)


def test_sample_with_the_specified_fixes_gives_the_cleaned_seed():
    raw = RAW_SAMPLE.read_bytes()
    seed = seed_from_bytes(RAW_SAMPLE, RAW_SAMPLE.name, raw)
    out = fixer.fix_text(seed, _sample_finder())
    assert out.text.encode("utf-8") == CLEAN_SAMPLE.read_bytes()
    fix_step = out.steps[0]
    # 3 + 2 + 7 chrome lines (91-92 are inside the body copy), the body, 3 typos
    assert len(fix_step["changes"]) == 16
    statuses = sorted((r["status"], r["line"]) for r in fix_step["not_applied"])
    assert statuses == [("subsumed", 79), ("subsumed", 87), ("subsumed", 87),
                        ("subsumed", 91), ("subsumed", 92)]
    assert [c["check"] for c in out.steps[1]["changes"]] == [fixer.TIDY_END]
    assert fixer.reconstruct(out.text.encode(), entry_of(raw, out)) == raw
    seed2 = seed_from_bytes(RAW_SAMPLE, RAW_SAMPLE.name, out.text.encode())
    again = fixer.fix_text(seed2, _sample_finder())
    assert again.steps == []


# -- property tests ----------------------------------------------------------------------------

LINE = st.one_of(
    st.sampled_from(["", "", "  ", "\u3000", "CHROME 扫一扫", "正文釆取措施。", "BEGIN", "END",
                     "经费1500万元", "釆取釆取", "[bold]x[/bold]", "CHROME"]),
    st.text(alphabet="甲乙丙 釆取CHROMEND,。\t", max_size=12),
)


@st.composite
def documents(draw):
    lines = draw(st.lists(LINE, max_size=25))
    eols = draw(st.sampled_from(["\n", "\r\n", "\r", "mixed"]))
    parts = []
    for i, ln in enumerate(lines):
        eol = draw(st.sampled_from(["\n", "\r\n", "\r"])) if eols == "mixed" else eols
        parts.append(ln + (eol if i < len(lines) - 1 else ""))
    text = "".join(parts)
    if draw(st.booleans()):
        text += "\n"
    return text, draw(st.booleans()), draw(st.booleans())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_property_reconstruction_and_idempotence(doc):
    text, bom, unsafe = doc
    raw = (fixer.BOM_BYTES if bom else b"") + text.encode("utf-8")
    seed = seed_from_bytes(Path("p.txt"), "p.txt", raw)
    out = fixer.fix_text(seed, fake_finder, unsafe=unsafe)
    # nothing is lost
    assert fixer.reconstruct(
        (fixer.BOM_BYTES if bom else b"") + out.text.encode(), entry_of(raw, out, bom)) == raw
    # each step's changes are disjoint and sorted in both texts
    for step in out.steps:
        ch = step["changes"]
        for a, b in zip(ch, ch[1:]):
            assert a["end"] <= b["start"] and a["new_end"] <= b["new_start"]
    # a fixed point: no applicable fix is left, and fixing again changes nothing
    assert out.converged
    left, _ = fixer.candidates_from(out.remaining, out.text, unsafe)
    assert left == []
    seed2 = seed_from_bytes(Path("p.txt"), "p.txt",
                            (fixer.BOM_BYTES if bom else b"") + out.text.encode())
    again = fixer.fix_text(seed2, fake_finder, unsafe=unsafe)
    assert again.steps == [] and again.text == out.text
    # no text is changed without a fix asking for it
    if not any(f.fix for f in fake_finder(seed)):
        assert out.text == text


@st.composite
def sample_documents(draw):
    """Documents made of the raw sample's lines: chrome, metadata bullets, paragraphs
    with typos, in any order, sometimes with the whole body repeated, LF or CRLF."""
    lines = RAW_SAMPLE.read_text(encoding="utf-8").split("\n")[2:]
    body = draw(st.lists(st.sampled_from(lines), min_size=1, max_size=25))
    if draw(st.booleans()):
        body = body + [""] + body
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    text = eol.join(["2020-07-26", ""] + body)
    return text + (eol if draw(st.booleans()) else "")


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(sample_documents())
def test_property_with_the_real_checks(text):
    """The same properties with every registered check (whatever has landed): the
    fixer reaches a fixed point and the log rebuilds the input."""
    raw = text.encode("utf-8")
    finder = lambda s: check_seed(s, Config())  # noqa: E731
    out = fixer.fix_text(seed_from_bytes(Path("p.txt"), "p.txt", raw), finder)
    assert fixer.reconstruct(out.text.encode(), entry_of(raw, out)) == raw
    assert out.converged
    again = fixer.fix_text(seed_from_bytes(Path("p.txt"), "p.txt", out.text.encode()), finder)
    assert again.steps == []


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 8),
                          st.sampled_from(["", "x", "yy"])), max_size=12))
def test_property_resolve_never_takes_overlapping_fixes(spans):
    cands = [cand(s, s + n, rep, f"chrome.c{i}") for i, (s, n, rep) in enumerate(spans)]
    taken, rejected = fixer.resolve(cands)
    assert len(taken) + len(rejected) == len(cands)
    for i, a in enumerate(taken):
        for b in taken[i + 1:]:
            assert not fixer._conflict(a, b)
    # deterministic: the input order does not matter
    taken2, _ = fixer.resolve(list(reversed(cands)))
    assert [(c.start, c.end, c.replacement) for c in taken2] == [
        (c.start, c.end, c.replacement) for c in taken]


# -- the command line -------------------------------------------------------------------------

SELECT = "--select=chrome.zz-fake-line,typo.zz-fake-word,figure.zz-fake-unsafe,format"


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    """Run ``python -m checks`` in-process in a clean folder with the fake checks
    registered for this test only."""
    registry.all_checks()
    for spec in SPECS:
        monkeypatch.setitem(registry._CHECKS, spec.id, spec)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    cfg = work / "seedcheck.toml"
    cfg.write_text("", encoding="utf-8")

    def run(*args):
        argv = [a for a in args]
        if argv and argv[0] == "fix" and "--undo" not in " ".join(argv):
            argv = argv[:1] + [SELECT, "--config", str(cfg)] + argv[1:]
        code = main(argv)
        out, err = capsys.readouterr()
        return code, out, err
    run.work = work
    return run


RAW = "2020-07-26\n\n标题\n\nCHROME 导航\n\n正文釆取措施。\n\nCHROME 扫一扫"
FIXED = "2020-07-26\n\n标题\n\n正文采取措施。\n"


def logs(work: Path) -> list[Path]:
    return sorted((work / "reports" / "fixes").glob("*.json"))


def test_cli_dry_run_shows_the_diff_and_writes_nothing(cli):
    seed = cli.work / "a.txt"
    seed.write_text(RAW, encoding="utf-8")
    code, out, err = cli("fix", str(seed))
    assert code == 1
    assert seed.read_text(encoding="utf-8") == RAW
    assert logs(cli.work) == []
    lines = out.splitlines()
    assert f"--- {seed} (original)" in lines and f"+++ {seed} (fixed)" in lines
    assert "-CHROME 导航" in lines and "-正文釆取措施。" in lines and "+正文采取措施。" in lines
    assert "-CHROME 扫一扫" in lines and "\\ No newline at end of file" in lines
    assert "run with --write to apply" in out and err == ""


def test_cli_write_applies_logs_keeps_mode_and_is_idempotent(cli):
    seed = cli.work / "a.txt"
    seed.write_text(RAW, encoding="utf-8")
    os.chmod(seed, 0o640)
    code, out, err = cli("fix", "--write", str(seed))
    assert (code, err) == (0, "")
    assert seed.read_bytes() == FIXED.encode()
    assert stat.S_IMODE(os.stat(seed).st_mode) == 0o640
    assert "fixed, 5 changes" in out
    [log] = logs(cli.work)
    data = json.loads(log.read_text(encoding="utf-8"))
    assert data["schema"] == fixer.LOG_SCHEMA
    [entry] = data["files"]
    assert entry["status"] == "written" and entry["path"] == str(seed)
    assert entry["original_sha256"] == hashlib.sha256(RAW.encode()).hexdigest()
    assert entry["fixed_sha256"] == hashlib.sha256(FIXED.encode()).hexdigest()
    first = entry["steps"][0]["changes"][0]
    assert (first["check"], first["removed"], first["replacement"], first["start"],
            first["end"]) == ("chrome.zz-fake-line", "CHROME 导航\n", "", 16, 26)
    assert fixer.reconstruct(seed.read_bytes(), entry) == RAW.encode()
    assert not list(cli.work.glob("*.orig")) and not list(cli.work.glob(".a.txt.*"))
    code, out, err = cli("fix", "--write", str(seed))
    assert code == 0 and "nothing to fix in 1 file" in out
    assert seed.read_bytes() == FIXED.encode() and len(logs(cli.work)) == 1


def test_cli_backup_log_path_and_undo(cli):
    folder = cli.work / "seeds"
    (folder / "sub").mkdir(parents=True)
    a, b, c = folder / "a.txt", folder / "sub" / "b.txt", folder / "c.txt"
    a.write_text(RAW, encoding="utf-8")
    b.write_bytes(RAW.replace("\n", "\r\n").encode())
    c.write_text("2020-07-26\n\n干净的正文。\n", encoding="utf-8")
    log = cli.work / "my-log.json"
    code, out, err = cli("fix", "--write", "--backup", "--log", str(log), str(folder))
    assert code == 0, out + err
    assert a.read_bytes() == FIXED.encode()
    assert b.read_bytes() == FIXED.replace("\n", "\r\n").encode()
    assert (folder / "a.txt.orig").read_bytes() == RAW.encode()
    assert (folder / "sub" / "b.txt.orig").read_bytes() == RAW.replace("\n", "\r\n").encode()
    data = json.loads(log.read_text(encoding="utf-8"))
    assert [e["rel"] for e in data["files"]] == ["a.txt", "sub/b.txt"]
    for e in data["files"]:
        assert fixer.reconstruct(Path(e["abs_path"]).read_bytes(), e) == \
            Path(e["backup"]).read_bytes()
    code, out, err = cli("fix", "--write", "--log", str(log), str(folder))
    assert code == 2 and "never overwrites a fix log" in err
    code, out, err = cli("fix", "--undo", str(log))
    assert code == 0 and out.count("restored") == 2
    assert a.read_bytes() == RAW.encode()
    assert b.read_bytes() == RAW.replace("\n", "\r\n").encode()


def test_cli_baselined_findings_keep_their_text(cli):
    from checks import baseline as baseline_mod

    folder = cli.work / "seeds"
    folder.mkdir()
    seed = folder / "a.txt"
    seed.write_text(RAW, encoding="utf-8")
    found = check_seed(seed_from_bytes(seed, "a.txt", RAW.encode()),
                       Config(select=["chrome.zz-fake-line"]))
    accepted = [f for f in found if f.excerpt == "CHROME 导航"]
    assert len(accepted) == 1
    baseline_mod.write(folder / baseline_mod.FILENAME, accepted)
    code, out, err = cli("fix", "--write", str(folder))
    assert code == 0, out + err
    assert seed.read_text(encoding="utf-8") == (
        "2020-07-26\n\n标题\n\nCHROME 导航\n\n正文采取措施。\n")
    (folder / baseline_mod.FILENAME).write_text("not json", encoding="utf-8")
    code, out, err = cli("fix", str(folder))
    assert code == 2 and "baseline" in err and "cannot be read" in err


def test_cli_interrupted_run_leaves_a_journal_that_undoes(cli, monkeypatch):
    a, b = cli.work / "a.txt", cli.work / "b.txt"
    a.write_text(RAW, encoding="utf-8")
    b.write_text(RAW, encoding="utf-8")
    real_write = fixer.write_file

    def crash_on_b(res, backup):
        if res.path.name == "b.txt":
            raise KeyboardInterrupt
        real_write(res, backup)
    monkeypatch.setattr(fixer, "write_file", crash_on_b)
    with pytest.raises(KeyboardInterrupt):
        cli("fix", "--write", "--log", "run.json", str(a), str(b))
    assert a.read_bytes() == FIXED.encode() and b.read_bytes() == RAW.encode()
    assert not (cli.work / "run.json").exists()
    journal = cli.work / "run.json.partial"
    data = fixer.load_log(journal)
    assert [(e["rel"], e["status"]) for e in data["files"]] == [
        ("a.txt", "written"), ("b.txt", "pending")]
    code, out, err = cli("fix", "--undo", str(journal))
    assert code == 0, out + err
    assert "a.txt: restored" in out and "b.txt: already the original" in out
    assert a.read_bytes() == RAW.encode()
    code, out, err = cli("fix", "--write", "--log", "run.json", str(a))
    assert code == 2 and "journal" in err and "exists" in err


def test_cli_file_changed_during_the_run_is_not_written(cli, monkeypatch):
    a = cli.work / "a.txt"
    a.write_text(RAW, encoding="utf-8")
    real_fix_file = fixer.fix_file

    def then_edit(*args, **kw):
        res = real_fix_file(*args, **kw)
        a.write_text(RAW + "\n有人同时在改", encoding="utf-8")
        return res
    monkeypatch.setattr(fixer, "fix_file", then_edit)
    code, out, err = cli("fix", "--write", "--log", "run.json", str(a))
    assert code == 2 and "the file changed while it was being fixed" in err
    assert a.read_text(encoding="utf-8") == RAW + "\n有人同时在改"
    [entry] = fixer.load_log(cli.work / "run.json")["files"]
    assert entry["status"] == "error" and "changed while" in entry["error"]


def test_cli_file_inside_the_configured_seeds_folder_keeps_its_path(cli):
    (cli.work / "pyproject.toml").write_text(
        '[tool.pytest.ini_options]\nseeds = "corpus"\n\n'
        '[tool.seedcheck.per-file-ignores]\n"sub/*.txt" = ["typo.zz-fake-word"]\n',
        encoding="utf-8")
    seed = cli.work / "corpus" / "sub" / "a.txt"
    seed.parent.mkdir(parents=True)
    seed.write_text(RAW, encoding="utf-8")
    code, out, err = cli("fix", "--write", "--config", "pyproject.toml", "--log", "l.json",
                         "corpus/sub/a.txt")
    assert code == 0, out + err
    assert seed.read_text(encoding="utf-8") == FIXED.replace("采取", "釆取")
    [entry] = fixer.load_log(cli.work / "l.json")["files"]
    assert entry["rel"] == "sub/a.txt" and entry["path"] == "corpus/sub/a.txt"


def test_cli_format_errors_are_never_written(cli):
    gbk = cli.work / "gbk.txt"
    gbk.write_bytes("2020-07-26\n\nCHROME 政府\n".encode("gb18030"))
    png = cli.work / "img.txt"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(40)))
    code, out, err = cli("fix", "--write", str(gbk), str(png))
    assert code == 1
    assert f"{gbk}: not fixed: the file is not valid UTF-8" in out
    assert f"{png}: not fixed: the file is binary" in out
    assert gbk.read_bytes() == "2020-07-26\n\nCHROME 政府\n".encode("gb18030")
    assert logs(cli.work) == []


def test_cli_unsafe_fix_needs_review_then_applies_with_unsafe(cli):
    seed = cli.work / "a.txt"
    seed.write_text("2020-07-26\n\n经费1500万元。\n", encoding="utf-8")
    code, out, err = cli("fix", "--write", str(seed))
    assert code == 1
    assert "1 finding needs review" in out and "fix needs review: --unsafe" in out
    assert seed.read_text(encoding="utf-8") == "2020-07-26\n\n经费1500万元。\n"
    code, out, err = cli("fix", "--write", "--unsafe", str(seed))
    assert code == 0
    assert seed.read_text(encoding="utf-8") == "2020-07-26\n\n经费1,500万元。\n"


def test_cli_bom_kept_markup_shown_literally_symlink_target_written(cli):
    target = cli.work / "real.txt"
    target.write_bytes(fixer.BOM_BYTES + "2020-07-26\n\n[bold]x[/bold]釆取\n".encode())
    link = cli.work / "link.txt"
    link.symlink_to(target)
    code, out, err = cli("fix", str(link))
    assert "-[bold]x[/bold]釆取" in out and "+[bold]x[/bold]采取" in out
    code, out, err = cli("fix", "--write", str(link))
    assert link.is_symlink()
    assert target.read_bytes() == fixer.BOM_BYTES + "2020-07-26\n\n[bold]x[/bold]采取\n".encode()
    assert code == 1  # the format.bom warning is left for a reviewer
    assert "format.bom" in out


def test_cli_usage_and_io_errors_exit_2_without_traceback(cli, capsys):
    code, out, err = cli("fix", "does-not-exist.txt")
    assert code == 2 and "does-not-exist.txt: no such file or folder" in err
    assert "Traceback" not in err
    code, out, err = cli("fix")
    assert code == 2 and "no PATH given" in err
    seed = cli.work / "a.txt"
    seed.write_text(RAW, encoding="utf-8")
    code, out, err = cli("fix", "--backup", str(seed))
    assert code == 2 and "--backup only makes sense with --write" in err
    code, out, err = cli("fix", "--no-such-option", str(seed))
    assert code == 2 and "unrecognized arguments" in err
    (cli.work / "bad.toml").write_text("fail_on = [\n", encoding="utf-8")
    code, out, err = cli("fix", "--config", "bad.toml", str(seed))
    assert code == 2 and "bad.toml: cannot read configuration" in err
    (cli.work / "worse.toml").write_text('fail_on = "never"\n', encoding="utf-8")
    code, out, err = cli("fix", "--config", "worse.toml", str(seed))
    assert code == 2 and "fail_on = 'never'" in err
    code, out, err = cli("fix", "--config", "missing.toml", str(seed))
    assert code == 2 and "--config missing.toml: no such file" in err
    assert seed.read_text(encoding="utf-8") == RAW
    assert main([]) == 2
    assert main(["--help"]) == 0
    capsys.readouterr()
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"seedcheck {checks.__version__}\n"
    capsys.readouterr()


def test_cli_unreadable_file_is_an_io_error(cli):
    dangling = cli.work / "gone.txt"
    dangling.symlink_to(cli.work / "nowhere.txt")
    folder = cli.work / "seeds"
    folder.mkdir()
    (folder / "also-gone.txt").symlink_to(folder / "nowhere.txt")
    (folder / "ok.txt").write_text(RAW, encoding="utf-8")
    code, out, err = cli("fix", "--write", str(dangling), str(folder))
    assert code == 2
    assert f"{dangling}: not fixed: the file cannot be read: the symbolic link" in err
    assert "also-gone.txt: not fixed: the file cannot be read: the symbolic link" in err
    assert "Traceback" not in err
    assert (folder / "ok.txt").read_bytes() == FIXED.encode()  # the others are fixed


@pytest.mark.skipif(sys.platform == "darwin", reason="macOS refuses non-UTF-8 names")
def test_cli_file_name_that_is_not_utf8(cli):
    folder = cli.work / "seeds"
    folder.mkdir()
    name = os.fsdecode(b"\xd5\xfe.txt")
    (folder / name).write_text(RAW, encoding="utf-8")
    code, out, err = cli("fix", "--write", str(folder))
    assert "\\xd5\\xfe.txt: fixed" in out, out + err
    assert (folder / name).read_bytes() == FIXED.encode()
    [log] = logs(cli.work)
    [entry] = json.loads(log.read_text(encoding="utf-8"))["files"]
    assert entry["rel"] == "\\xd5\\xfe.txt"
    code, out, err = cli("fix", "--undo", str(log))
    assert code == 0 and "restored" in out
    assert (folder / name).read_bytes() == RAW.encode()


def test_cli_a_crashing_check_is_a_clear_error_and_other_files_go_on(cli, monkeypatch):
    def crash(seed, ctx):
        if "BOOM" in seed.text:
            raise ZeroDivisionError("division by zero")
        return []
    spec = CheckSpec("chrome.zz-crash", "error", 1, crash, "file")
    monkeypatch.setitem(registry._CHECKS, spec.id, spec)
    bad, good = cli.work / "bad.txt", cli.work / "good.txt"
    bad.write_text("2020-07-26\n\nBOOM\n", encoding="utf-8")
    good.write_text(RAW, encoding="utf-8")
    code, out, err = cli("fix", "--write", "--select", "chrome.zz-crash", str(bad), str(good))
    assert code == 1
    assert "bad.txt: not fixed: the check chrome.zz-crash crashed on this seed " \
        "(ZeroDivisionError: division by zero)" in out
    assert bad.read_text(encoding="utf-8") == "2020-07-26\n\nBOOM\n"
    assert "Traceback" not in err
    assert good.read_bytes() == FIXED.encode()


def test_cli_undo_refuses_a_file_changed_since(cli):
    seed = cli.work / "a.txt"
    seed.write_text(RAW, encoding="utf-8")
    assert cli("fix", "--write", "--log", "l.json", str(seed))[0] == 0
    seed.write_text(FIXED + "手改\n", encoding="utf-8")
    code, out, err = cli("fix", "--undo", "l.json")
    assert code == 1 and "skipped: the file changed since it was fixed" in out
    assert seed.read_text(encoding="utf-8") == FIXED + "手改\n"
    code, out, err = cli("fix", "--undo", "l.json", str(seed))
    assert code == 2 and "--undo LOG takes no PATH" in err


def test_cli_fixes_that_never_settle_are_not_written(cli, monkeypatch):
    def grow(seed, ctx):
        yield Hit(0, 0, "grow", fix=Fix("x", True))
    spec = CheckSpec("typo.zz-grow", "error", 1, grow, "file")
    monkeypatch.setitem(registry._CHECKS, spec.id, spec)
    seed = cli.work / "a.txt"
    seed.write_text("2020-07-26\n\n正文。\n", encoding="utf-8")
    code, out, err = cli("fix", "--write", "--select", "typo.zz-grow", str(seed))
    assert code == 1
    assert "did not settle after 5 passes" in out and "not written" in out
    assert "+xxxxx2020-07-26" in out  # the diff is still shown for review
    assert seed.read_text(encoding="utf-8") == "2020-07-26\n\n正文。\n"
    assert logs(cli.work) == []


def test_cli_clean_files_exit_0(cli):
    seed = cli.work / "a.txt"
    seed.write_text("2020-07-26\n\n干净的正文。", encoding="utf-8")  # no final break
    code, out, err = cli("fix", "--write", str(seed))
    assert code == 0 and "nothing to fix" in out
    assert seed.read_text(encoding="utf-8") == "2020-07-26\n\n干净的正文。"


def test_doc_command_dispatches_to_checks_docs(monkeypatch, capsys):
    from checks import docs
    seen = []
    monkeypatch.setattr(docs, "main", lambda argv: seen.append(argv) or 0)
    assert main(["doc", "--write-readme"]) == 0
    assert seen == [["--write-readme"]]


def test_doc_command_without_checks_docs(monkeypatch, capsys):
    import checks.__main__ as cli_mod

    monkeypatch.setattr(cli_mod.importlib.util, "find_spec", lambda name: None)
    assert main(["doc"]) == 2
    assert "checks.docs" in capsys.readouterr().err


# -- the acceptance test on the sample, with the real checks --------------------------------

@pytest.mark.parametrize("eol", [b"\n", b"\r\n"], ids=["LF", "CRLF"])
def test_acceptance_fix_write_on_the_raw_sample(tmp_path, monkeypatch, capsys, eol):
    # (the duplicate, chrome and typo file checks make the fixes: a registry without
    # them fails here, it does not skip)
    assert {s.category for s in registry.all_checks() if s.scope == "file"} >= {
        "duplicate", "chrome", "typo"}
    work = tmp_path / "w"
    work.mkdir()
    seed = work / RAW_SAMPLE.name
    raw = RAW_SAMPLE.read_bytes().replace(b"\n", eol)
    clean = CLEAN_SAMPLE.read_bytes().replace(b"\n", eol)
    seed.write_bytes(raw)
    monkeypatch.chdir(work)
    config = str(Path(__file__).parent.parent / "pyproject.toml")
    code = main(["fix", "--write", "--config", config, str(seed)])
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    assert seed.read_bytes() == clean, out
    [log] = logs(work)
    [entry] = json.loads(log.read_text(encoding="utf-8"))["files"]
    assert fixer.reconstruct(seed.read_bytes(), entry) == raw
    code2 = main(["fix", "--write", "--config", config, str(seed)])
    out2, _ = capsys.readouterr()
    assert "nothing to fix" in out2 or code2 == 1
    assert "would be made" not in out2 and "fixed," not in out2
    assert seed.read_bytes() == clean
    assert len(logs(work)) == 1
    # after --write no finding with a safe fix is left
    findings = check_seed(seed_from_bytes(seed, seed.name, seed.read_bytes()), Config())
    assert [f.check for f in findings if f.fix is not None and f.fix.safe] == []
