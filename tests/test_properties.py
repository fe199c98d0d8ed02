"""Property tests (hypothesis): every registered check on generated text.

The checks are found through the registry, so a check added later is covered without
touching this file. For every file check and every corpus check, on random Unicode, CJK
text with punctuation, huge repetition, blank-line soup and shuffled lines of the raw
sample seed:

* no exception;
* every hit's span (and fix span) lies inside the text the check was given;
* every finding's line/column is the engine's position of its offsets in the *file's*
  text, and its excerpt is that text (also when over-long lines were cut out of what
  the checks saw);
* findings come out sorted, and two runs give the same findings (fingerprints included);
* fingerprints survive lines inserted elsewhere (a blank line doubled).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checks import registry
from checks.config import Config
from checks.engine import CheckContext, Corpus, check_corpus, check_seed
from checks.model import EXCERPT_MAX, Finding
from checks.seed import seed_from_text, split_lines
from conftest import RAW_SAMPLE

# derandomize: the examples are a function of the test, so CI runs are repeatable. To
# explore further: SEEDCHECK_EXPLORE=500 (examples per test, random each run).
EXPLORE = int(os.environ.get("SEEDCHECK_EXPLORE", "0"))
SETTINGS = settings(max_examples=EXPLORE or 40, deadline=None, database=None,
                    derandomize=not EXPLORE,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])

FILE_CHECKS = [s for s in registry.all_checks() if s.scope == "file"]
CORPUS_CHECKS = [s for s in registry.all_checks() if s.scope == "corpus"]

HAN = ("的一是在不了有和人这中大为上们个国我以要他时来用生到作地于出就分对成会可主发年动同工"
       "也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物"
       "现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全"
       "表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无"
       "系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基"
       "资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取"
       "据处府釆己巳戍戌末未裡後臺萬億亿万元％")
PUNCT = "，。、；：？！“”‘’（）《》【】…—·%.,:;!?()[]<>\"'-/•●■★#*&=_~"
DIGITS = "0123456789０１２３４５６７８９"
SPACE = " \u3000\t"
ALPHABET = HAN + PUNCT + DIGITS + SPACE + "\n\n\n" + "abcxyzABC"

SAMPLE_LINES = RAW_SAMPLE.read_text(encoding="utf-8").splitlines()

header = st.sampled_from(["", "2020-07-26\n\n", "2017-09-08\n\n", "2020-02-30\n\n"])
eol = st.sampled_from(["\n", "\r\n", "\r"])

random_unicode = st.text(max_size=300)
cjk = st.text(alphabet=ALPHABET, max_size=500)
repetition = st.builds(
    lambda unit, n, sep: (unit + sep) * n,
    st.text(alphabet=ALPHABET, min_size=1, max_size=40),
    st.integers(min_value=20, max_value=400),
    st.sampled_from(["", "\n", "\n\n", "。"]))
blank_lines = st.builds(
    lambda parts, e: e.join(parts),
    st.lists(st.sampled_from(["", " ", "\u3000", "\t", "正文。", "2020-07-26", "　　一、标题",
                              "来源：新华社", "（完）", "<p>", "&nbsp;"]), max_size=60),
    eol)
sample_mix = st.builds(
    lambda lines, e: e.join(lines),
    st.lists(st.sampled_from(SAMPLE_LINES), min_size=1, max_size=60), eol)

TEXTS = st.builds(lambda h, body: h + body, header,
                  st.one_of(random_unicode, cjk, repetition, blank_lines, sample_mix))


# -- helpers ---------------------------------------------------------------------------------

def assert_hits_inside(spec, seed, hits) -> None:
    n = len(seed.text)
    for h in hits:
        assert 0 <= h.start <= h.end <= n, (spec.id, h.start, h.end, n)
        if h.fix is not None:
            fs = h.start if h.fix.start is None else h.fix.start
            fe = h.end if h.fix.end is None else h.fix.end
            assert 0 <= fs <= fe <= n, (spec.id, "fix", fs, fe, n)
        assert isinstance(h.message, str) and h.message.strip(), spec.id
        for loc in h.related:
            assert loc.line >= 1 and loc.column >= 1 and loc.end_line >= loc.line


def assert_findings_consistent(findings: list[Finding], seeds: dict) -> None:
    """Line/column are the positions of the offsets in the file's text; the excerpt is
    that text; the list is sorted; fix spans are inside the text."""
    assert findings == sorted(findings, key=Finding.sort_key)
    for f in findings:
        seed = seeds[f.path]
        text = seed.text or ""
        assert 0 <= f.start <= f.end <= len(text), (f.check, f.start, f.end)
        loc = seed.location(f.start, f.end)
        assert (f.line, f.column, f.end_line, f.end_column) == (
            loc.line, loc.column, loc.end_line, loc.end_column), f.check
        assert f.excerpt == text[f.start:f.end][:EXCERPT_MAX], f.check
        assert f.fingerprint.startswith(f"{f.check}:{f.path}:")
        d = f.to_dict()
        if d["fix"] is not None:
            assert 0 <= d["fix"]["offset"] <= d["fix"]["end_offset"] <= len(text), f.check


def run_file_check(spec, seed, config):
    if seed.readable:  # (the engine runs no text check on an unreadable seed)
        view = seed.checkable(config.max_line_chars)[0]
        hits = list(spec.func(view, CheckContext(config, spec.id)))
        assert_hits_inside(spec, view, hits)
    return [f for f in check_seed(seed, config, only=lambda c: c == spec.id)
            if f.check == spec.id]


# -- file checks -------------------------------------------------------------------------------

@pytest.mark.parametrize("spec", FILE_CHECKS, ids=lambda s: s.id)
@SETTINGS
@given(text=TEXTS)
def test_file_check_on_generated_text(spec, text):
    seed = seed_from_text(text, "p.txt")
    config = Config()
    findings = run_file_check(spec, seed, config)
    assert_findings_consistent(findings, {"p.txt": seed})
    again = run_file_check(spec, seed_from_text(text, "p.txt"), config)
    assert [f.to_dict() for f in again] == [f.to_dict() for f in findings]


def _double_blank_line(text: str, pick: int) -> str | None:
    """``text`` with one blank line (line 3 or later) doubled, or None if it has none."""
    lines = split_lines(text)
    blanks = [ln for ln in lines[2:] if not ln.text.strip() and ln.next > ln.end]
    if not blanks:
        return None
    ln = blanks[pick % len(blanks)]
    return text[:ln.next] + text[ln.start:ln.next] + text[ln.next:]


@pytest.mark.parametrize("spec", FILE_CHECKS, ids=lambda s: s.id)
@SETTINGS
@given(text=TEXTS, pick=st.integers(min_value=0, max_value=1000))
def test_file_check_fingerprints_survive_a_line_inserted_elsewhere(spec, text, pick):
    moved = _double_blank_line(text, pick)
    if moved is None:
        return
    config = Config()
    before = run_file_check(spec, seed_from_text(text, "p.txt"), config)
    after = run_file_check(spec, seed_from_text(moved, "p.txt"), config)
    got = {f.fingerprint: f.excerpt.split() for f in after}
    for f in before:
        assert f.fingerprint in got, (spec.id, f.line, f.excerpt)
        assert got[f.fingerprint] == f.excerpt.split()


LONG_LINE = st.builds(lambda unit, n: (unit * n)[:n], st.text(alphabet=ALPHABET.replace(
    "\n", ""), min_size=1, max_size=8), st.integers(min_value=41, max_value=300))


@pytest.mark.parametrize("spec", FILE_CHECKS, ids=lambda s: s.id)
@SETTINGS
@given(text=TEXTS, long=LONG_LINE, pick=st.integers(min_value=0, max_value=1000))
def test_file_check_offsets_right_when_long_lines_are_cut(spec, text, long, pick):
    """With max_line_chars = 40 the checks see a view with the long lines emptied; the
    findings still point into the file's text."""
    lines = text.split("\n")
    at = pick % (len(lines) + 1)
    text = "\n".join(lines[:at] + [long] + lines[at:])
    config = Config(max_line_chars=40)
    seed = seed_from_text(text, "p.txt")
    if not seed.readable:  # random control characters: a binary file, not checked
        return
    view, cut = seed.checkable(40)
    assert cut and len(view.text) == len(text) - sum(ln.end - ln.start for ln in cut)
    findings = run_file_check(spec, seed, config)
    cut_spans = [(ln.start, ln.end) for ln in cut]
    for f in findings:
        assert 0 <= f.start <= f.end <= len(text)
        crosses = any(f.start < e and s < f.end for s, e in cut_spans)
        if crosses:
            continue  # a span over a cut line: its excerpt is the view's, by design
        loc = seed.location(f.start, f.end)
        assert (f.line, f.column, f.end_line, f.end_column) == (
            loc.line, loc.column, loc.end_line, loc.end_column), spec.id
        assert f.excerpt == text[f.start:f.end][:EXCERPT_MAX], spec.id


def test_format_long_line_finding_marks_every_cut_line():
    text = "2020-07-26\n\n短行\n" + "长" * 50 + "\n中\n" + "宽" * 41 + "\r\n尾"
    findings = [f for f in check_seed(seed_from_text(text), Config(max_line_chars=40))
                if f.check == "format.long-line"]
    assert [(f.line, f.column, f.end_line, f.end_column, f.severity) for f in findings] == [
        (4, 1, 4, 51, "warning"), (6, 1, 6, 42, "warning")]
    assert findings[0].start == text.index("长") and findings[1].start == text.index("宽")
    assert findings[0].evidence == {"chars": 50, "limit": 40}
    # not cut: exactly at the limit
    assert not [f for f in check_seed(seed_from_text("x" * 40), Config(max_line_chars=40))
                if f.check == "format.long-line"]


def test_view_maps_offsets_back():
    text = "ab\n" + "X" * 10 + "\ncd\n" + "Y" * 10 + "\nef"
    seed = seed_from_text(text)
    view, cut = seed.checkable(5)
    assert view.text == "ab\n\ncd\n\nef"
    assert [ln.number for ln in cut] == [2, 4]
    for ch in "abcdef":
        v = view.text.index(ch)
        assert text[view.real_offset(v)] == ch
        assert view.position(v) == seed.position(view.real_offset(v))
    assert view.real_offset(3) == 3 and view.real_offset(4) == 14  # around the cut line
    assert view.real_offset(len(view.text)) == len(text)
    assert seed.checkable(10) == (seed, [])  # not longer than the limit


# -- corpus checks -----------------------------------------------------------------------------

def _corpus(texts: list[str], config: Config) -> tuple[Corpus, dict]:
    seeds = {}
    for i, t in enumerate(texts):
        rel = f"d{i % 2}/s{i:02d}.txt"
        seeds[rel] = seed_from_text(t, rel)
    corpus = Corpus(Path("."), sorted(seeds), config, loader=seeds.__getitem__)
    return corpus, seeds


CORPORA = st.builds(
    lambda texts, copy: texts + ([texts[0]] if copy and texts else []),
    st.lists(TEXTS, min_size=1, max_size=4), st.booleans())


@pytest.mark.parametrize("category", registry.corpus_categories())
@settings(max_examples=EXPLORE or 25, deadline=None, database=None,
          derandomize=not EXPLORE, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(texts=CORPORA)
def test_corpus_checks_on_generated_corpora(category, texts):
    config = Config()
    corpus, seeds = _corpus(texts, config)
    findings = check_corpus(corpus, category)
    assert all(f.category == category and f.path in seeds for f in findings)
    assert_findings_consistent(findings, seeds)
    again = check_corpus(_corpus(texts, config)[0], category)
    assert [f.to_dict() for f in again] == [f.to_dict() for f in findings]
    for f in findings:
        for r in f.related:
            assert r.path in seeds
            assert 1 <= r.line <= r.end_line <= len(seeds[r.path].lines)


def test_every_check_is_covered():
    """The parametrisations above come from the registry: a new check is covered."""
    ids = {s.id for s in FILE_CHECKS} | {s.id for s in CORPUS_CHECKS}
    assert ids == {s.id for s in registry.all_checks()}
    assert {s.category for s in CORPUS_CHECKS} == set(registry.corpus_categories())


# -- the engine's helpers ------------------------------------------------------------------------

@SETTINGS
@given(text=st.text(max_size=400), a=st.integers(0, 400), b=st.integers(0, 400))
def test_folded_key_equals_split_join(text, a, b):
    from checks.engine import _folded

    start, end = sorted((min(a, len(text)), min(b, len(text))))
    assert _folded(text, start, end) == " ".join(text[start:end].split())[:EXCERPT_MAX]


@SETTINGS
@given(text=st.text(alphabet=st.sampled_from("ab中\n\r \u2028"), max_size=200),
       a=st.integers(0, 200))
def test_position_matches_a_naive_count(text, a):
    seed = seed_from_text(text)
    off = min(a, len(text))
    # naive: count \r\n, \r and \n before the offset (the engine's line breaks)
    line, col, i = 1, 1, 0
    while i < off:
        if text[i] == "\r" and i + 1 < len(text) and text[i + 1] == "\n":
            if i + 1 == off:  # inside a CRLF: the column just past the line's end
                break
            line, col, i = line + 1, 1, i + 2
            continue
        if text[i] in "\r\n":
            line, col = line + 1, 1
        else:
            col += 1
        i += 1
    assert seed.position(off) == (line, col)


@pytest.mark.parametrize("category", registry.corpus_categories())
@settings(max_examples=EXPLORE or 20, deadline=None, database=None,
          derandomize=not EXPLORE, suppress_health_check=[HealthCheck.too_slow,
                                                          HealthCheck.data_too_large])
@given(texts=CORPORA, long=LONG_LINE)
def test_corpus_checks_offsets_right_when_long_lines_are_cut(category, texts, long):
    """Corpus checks see the views too (index functions and ``corpus.seed``); their
    findings point into the files' text."""
    texts = [t + "\n" + long + "\n" + t for t in texts]  # a cut line between two copies
    config = Config(max_line_chars=40)
    corpus, seeds = _corpus(texts, config)
    findings = check_corpus(corpus, category)
    for f in findings:
        seed = seeds[f.path]
        text = seed.text or ""
        assert 0 <= f.start <= f.end <= len(text)
        cut = seed.checkable(40)[1]
        if any(f.start < ln.end and ln.start < f.end for ln in cut):
            continue
        loc = seed.location(f.start, f.end)
        assert (f.line, f.column, f.end_line, f.end_column) == (
            loc.line, loc.column, loc.end_line, loc.end_column), f.check
        assert f.excerpt == text[f.start:f.end][:EXCERPT_MAX], f.check


def test_long_line_cut_keeps_every_other_finding_in_place():
    """The sample seed with a 3,000-character line inserted at line 48: every finding
    of every check (file and corpus) is the same as without it, one line further down
    when it is below the insertion, with the same excerpt and fingerprint."""
    raw = RAW_SAMPLE.read_text(encoding="utf-8")
    lines = raw.split("\n")
    at = 47
    wide = "\n".join(lines[:at] + ["表格数据" * 750] + lines[at:])
    config = Config(max_line_chars=2000)

    def everything(text_a: str, text_b: str) -> list[Finding]:
        seeds = {"a.txt": seed_from_text(text_a, "a.txt"),
                 "b.txt": seed_from_text(text_b, "b.txt")}
        out = [f for rel in sorted(seeds) for f in check_seed(seeds[rel], config)]
        out += check_corpus(Corpus(Path("."), sorted(seeds), config,
                                   loader=seeds.__getitem__))
        return [f for f in out if f.check != "format.long-line"]

    base = everything(raw, raw)
    moved = everything(wide, raw)
    assert len(base) == len(moved) and len(base) >= 10
    shift = len("表格数据" * 750) + 1
    for b, m in zip(sorted(base, key=lambda f: (f.path, f.check, f.fingerprint)),
                    sorted(moved, key=lambda f: (f.path, f.check, f.fingerprint))):
        assert (b.check, b.fingerprint, b.excerpt) == (m.check, m.fingerprint, m.excerpt)
        below = m.path == "a.txt" and b.line > at
        assert m.line == b.line + below, (b.check, b.line, m.line)
        assert m.column == b.column and m.end_column == b.end_column
        if m.path == "a.txt" and b.start >= len("\n".join(lines[:at])):
            assert m.start == b.start + shift
        else:
            assert m.start == b.start


# -- nfkc: the fast NFKC of checks.paragraphs ---------------------------------------------

_NFKC_CHARS = st.one_of(
    st.sampled_from("中文，。；：（）！？ＡＢｃ１２３　㎡①⑴ﬁ㈱ｶﾞﾊﾟ가각\u1100\u1161\u11a8e\u0301\u0301"),
    st.characters(max_codepoint=0xFFFF, exclude_categories=("Cs",)),
    st.characters(min_codepoint=0x10000, max_codepoint=0x2FFFF),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_NFKC_CHARS, max_size=300).map("".join))
def test_nfkc_equals_unicodedata_short_and_long(text):
    import unicodedata

    from checks.paragraphs import SHORT, nfkc

    assert nfkc(text) == unicodedata.normalize("NFKC", text)
    longer = text * (SHORT // max(1, len(text)) + 1)  # the numpy path
    assert nfkc(longer) == unicodedata.normalize("NFKC", longer)


def test_nfkc_short_path_every_bmp_character_between_han():
    import unicodedata

    from checks.paragraphs import nfkc

    bad = [hex(c) for c in range(0x80, 0x10000) if not 0xD800 <= c < 0xE000
           and nfkc(f"中{chr(c)}文") != unicodedata.normalize("NFKC", f"中{chr(c)}文")]
    assert bad == []


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab中文，。z\U00020000"), max_size=40))
def test_paragraph_anchors_are_the_smallest_and_largest_4grams(norm):
    from checks.similarity import _anchors

    grams = [norm[k:k + 4] for k in range(len(norm) - 3)]
    assert _anchors(norm) == ((min(grams), max(grams)) if grams else ())
