"""The compiled kernel of the typo checks (checks/_typokernel.c) against the pure-Python
paths it replaces: the candidate search of typo.language-model (typo_lm._candidates_py),
the windows of typo_detect._confusions_in (_text_windows: the lexicon's cover, the rare
words, the windows of broken idioms, the phrase pairs' starts) and its windows around the
characters no word covers with their repairs (_spot_windows, _spot_fills). The same
results, in the same order, for hand-written texts with exact expectations and for a few
hundred generated clauses; and the switch back to Python (SEEDCHECK_NO_KERNEL=1, or no
kernel built).

Every text here is written for these tests or generated from jieba's dictionary.
Where the kernel is not built the comparisons skip, except under CI=true, where the
install (pip install -e ".[dev]") must have built it.
"""

from __future__ import annotations

import functools
import random

import pytest

from checks import typo_data as D
from checks import typo_detect as T
from checks import typo_lm as L
from kernel_support import require

MIN_FREQ = 50


def kernel():
    return require(L.searcher(MIN_FREQ), "the Searcher")


def ones(r: str) -> bytearray:
    return bytearray(b"\x01" * len(r))


def both(r: str, sus=None):
    """The kernel's candidates, checked equal to the Python path's."""
    sus = ones(r) if sus is None else sus
    got = kernel().candidates(r, sus)
    assert got == L._candidates_py(r, sus, MIN_FREQ, L.TERM_FREQ)
    return dict(got)


def test_a_window_of_two_that_fires():
    # 脉博: 博 → 搏 makes 脉搏 (jieba 260), the most frequent of the swaps tried
    c = both("医生测量脉博")
    assert c[5][0] == (-260, 4, 6, "搏", "sound")
    assert all(a == 4 and b == 6 for _f, a, b, _y, _k in c[5])


def test_a_window_of_three_that_fires():
    # 图书官: 官 → 馆 makes 图书馆 (1551) and 书馆 (13)
    c = both("他在图书官看书")
    assert (-1551, 2, 5, "馆", "sound") in c[4]
    assert (-13, 3, 5, "馆", "sound") in c[4]
    assert [x for x in c[4] if x[2] - x[1] == 3] == [(-1551, 2, 5, "馆", "sound")]


def test_numerals_are_never_swapped():
    # 五 → 午 would make 午饭; 舞 → 午 does
    assert 1 not in both("吃五饭")
    assert (-491, 1, 3, "午", "sound") in both("吃舞饭")[1]


def test_a_nasal_swap_only_where_the_text_is_no_word():
    # 名族 is no word: the nasal near-homophone 民 is tried; 一声 is a word: 一身 is not
    assert any(y == "民" and k == "nasal" for _f, _a, _b, y, k in both("各名族")[1])
    assert not any(y == "身" and (a, b) == (1, 3)
                   for _f, a, b, y, _k in both("他一声不响").get(2, ()))
    assert D.word_freq()["一身"] >= MIN_FREQ  # the swap would make a frequent word


def test_only_suspect_characters_get_candidates():
    r = "医生测量脉博"
    sus = bytearray(len(r))
    assert both(r, sus) == {}
    sus[5] = 1
    assert list(both(r, sus)) == [5]


def test_at_most_tried_a_character_the_most_frequent_first():
    c = both("办公式里很安静")
    for got in c.values():
        assert len(got) <= L.TRIED and got == sorted(got)


def test_the_sus_flags_must_match_the_run():
    with pytest.raises(ValueError):
        kernel().candidates("医生测量", b"\x01")


def test_a_name_is_left_alone_by_both_paths(monkeypatch):
    # the kernel finds the swap 俐 → 李 (李娜); the name veto after scoring keeps it out
    r = "记者采访了技术员周俐娜"
    assert any(y == "李" for _f, _a, _b, y, _k in both(r)[9])
    assert L.find_lm_confusions(r + "。") == []
    monkeypatch.setattr(L, "searcher", lambda *a, **k: None)
    L._run_swaps.cache_clear()
    try:
        assert L.find_lm_confusions(r + "。") == []
    finally:
        L._run_swaps.cache_clear()


@functools.lru_cache(maxsize=None)
def _words() -> list[str]:
    return sorted(w for w, f in D.word_freq().items()
                  if 1 <= len(w) <= 4 and f >= 3 and all(map(D.is_han, w)))


def clauses(n: int, seed: int) -> list[str]:
    """Clauses of jieba words, about half with one character swapped for a sound-alike or
    look-alike (a slip), some with numerals and rare words."""
    rnd = random.Random(seed)
    words = _words()
    out = []
    for _ in range(n):
        text = "".join(rnd.choice(words) for _ in range(rnd.randint(2, 7)))
        if rnd.random() < 0.6:
            i = rnd.randrange(len(text))
            alikes = sorted(L._alikes(text[i]))
            if alikes:
                text = text[:i] + rnd.choice(alikes) + text[i + 1:]
        out.append(text)
    return out


def test_generated_clauses_give_the_same_candidates():
    s = kernel()
    rnd = random.Random(7)
    seen = 0
    for r in clauses(400, 12):
        for sus in (ones(r), bytearray(rnd.random() < 0.5 for _ in r)):
            got = s.candidates(r, sus)
            assert got == L._candidates_py(r, sus, MIN_FREQ, L.TERM_FREQ), r
            seen += sum(map(len, (c for _p, c in got)))
    assert seen > 1000  # the clauses do hold candidates


def test_generated_clauses_give_the_same_findings_without_the_kernel(monkeypatch):
    kernel()
    texts = ["，".join(clauses(4, seed)) + "。" for seed in range(16)]
    L._run_swaps.cache_clear()
    with_kernel = [L.find_lm_confusions(t) for t in texts]
    monkeypatch.setenv(D.KERNEL_OFF, "1")
    L.searcher.cache_clear()
    L._run_swaps.cache_clear()
    try:
        assert L.searcher(MIN_FREQ) is None
        assert [L.find_lm_confusions(t) for t in texts] == with_kernel
    finally:
        monkeypatch.delenv(D.KERNEL_OFF)
        L.searcher.cache_clear()
        L._run_swaps.cache_clear()
    assert any(with_kernel)  # some slips are found


# -- the windows of typo_detect._confusions_in (Lexicon.windows) ------------------------------

def lexicon(cover_min=3, variant_max=20):
    return require(T.lexicon_scanner(cover_min, variant_max), "Lexicon.windows")


def windows_both(text: str, cover_min=3, variant_max=20, variants=True):
    """The kernel's windows, checked equal to the Python path's."""
    got = lexicon(cover_min, variant_max).windows(text, variants)
    assert got == T._text_windows(text, cover_min, variant_max, variants), text
    return got


def test_the_windows_of_a_clause():
    covered, strong, han, starts, rare, idioms = windows_both("我们在图书馆看书")
    # 我们, 图书, 书馆, 看书; 图书馆: every character but 在, all by frequent words
    assert covered == strong == b"\x01\x01\x00\x01\x01\x01\x01\x01"
    assert han == b"\x01" * 8 and starts == [] and idioms == []
    assert rare == [(4, 6, 13)]  # 书馆, jieba frequency 13
    assert D.word_freq()["书馆"] == 13
    # the pure-Python lexicon windows the kernel's agree with: the frequency of each window
    text = "我们在图书馆看书"
    lex, _cov, _st = T._lexicon_windows(text, [text[i:i + 2] for i in range(7)], 3, 20)
    assert lex[2] == [98740, 0, 0, 1186, 13, 0, 399]
    assert lex[3] == [0, 0, 0, 1551, 0, 0] and lex[4] == [0] * 5
    # a frequency 0 cover_min: only windows the lexicon lists with a frequency cover
    covered, strong, *_rest = windows_both("书馆看", cover_min=0, variant_max=100)
    assert covered == b"\x01\x01\x00" and strong == b"\x00\x00\x00"


def test_the_windows_of_a_broken_idiom_and_rare_words():
    # 通货膨涨: 膨涨 (jieba 3) is a rare word, so every character is covered but only 通货
    # strongly; 通货 starts an idiom (通货膨胀) and a wrong form of the phrase table
    # (通货澎胀); with 涨 blanked the idiom index fills 胀 (with 膨 blanked, nothing)
    got = windows_both("通货膨涨")
    assert got == (b"\x01\x01\x01\x01", b"\x01\x01\x00\x00", b"\x01" * 4, [0], [(2, 4, 3)],
                   [(0, 3, "胀")])
    assert "通货澎胀" in D.phrase_confusions()
    # without variants only rare words of four characters count
    assert windows_both("通货膨涨", variants=False)[4] == []
    # the idiom as written is a word: no window
    assert windows_both("通货膨胀")[5] == []
    # 一江之鲫 starts as 一江之隔 and ends as 过江之鲫: each of its four characters is tried
    assert windows_both("一江之鲫")[5] == [(0, 0, "过"), (0, 3, "隔")]
    # 搭起 (3) and 帐蓬 (6) are rare words; 帐蓬 is tagged n, no idiom: never with four
    assert windows_both("他们搭起帐蓬")[4] == [(2, 4, 3), (4, 6, 6)]
    assert windows_both("他们搭起帐蓬", variants=False)[4] == []
    assert windows_both("他们搭起帐蓬", variant_max=5)[4] == [(2, 4, 3)]
    # a rare idiom of four (jieba: tagged i or l, frequency 3-20) is a rare window always
    f = D.word_freq()
    rare4 = next(w for w in sorted(D.idioms()) if len(w) == 4 and 3 <= f.get(w, 0) <= 20
                 and D.word_tags().get(w) in ("i", "l"))
    assert windows_both("他说" + rare4 + "啊", variants=False)[4] == [(2, 6, f[rare4])]


def test_the_windows_of_short_and_odd_texts():
    for text in ("", "书", "看书", "\n看书\n", "\U00020000看书a", "一\ud800二", "通货膨涨" * 3):
        windows_both(text)
    assert windows_both("看书") == (b"\x01\x01", b"\x01\x01", b"\x01\x01", [], [], [])
    # han: Han characters only (the Latin letters, the comma and the surrogate are not)
    assert windows_both("abc，看书\U00020000a")[2] == b"\x00\x00\x00\x00\x01\x01\x01\x00"
    assert windows_both("一\ud800二")[2] == b"\x01\x00\x01"
    # the first and last code point of each of typo_data.HAN_RANGES, and their neighbours
    edges = "".join(chr(a) + chr(b) for a, b in D.HAN_RANGES)
    outside = "".join(chr(a - 1) + chr(b + 1) for a, b in D.HAN_RANGES)
    assert windows_both(edges + outside)[2] == b"\x01" * 8 + b"\x00" * 8
    with pytest.raises(TypeError):
        lexicon().windows(b"abc", True)


def slipped_texts(n: int, seed: int) -> list[str]:
    """Texts of generated clauses (:func:`clauses`) with idioms of four characters, some
    with a character swapped for a look-alike or sound-alike, wrong forms of the phrase
    table and non-Han characters between them."""
    rnd = random.Random(seed)
    fours = sorted(w for w in D.idioms() if len(w) == 4)
    wrong = sorted(D.phrase_confusions())
    out = []
    for k in range(n):
        parts = clauses(4, seed * 1000 + k)
        idiom = rnd.choice(fours)
        i = rnd.randrange(4)
        alikes = sorted(D.confusables(idiom[i]))
        if alikes and rnd.random() < 0.7:
            idiom = idiom[:i] + rnd.choice(alikes) + idiom[i + 1:]
        parts.insert(rnd.randrange(len(parts) + 1), idiom)
        parts.insert(rnd.randrange(len(parts) + 1), rnd.choice(wrong))
        out.append(rnd.choice(("，", "", "a1", "\n")).join(parts))
    return out


def test_generated_texts_give_the_same_windows():
    texts = ["，".join(clauses(8, seed)) for seed in range(30)] + slipped_texts(150, 5)
    counts = [0, 0, 0]
    for cover_min, variant_max in ((3, 20), (50, 100), (0, 20)):
        for variants in (True, False):
            for text in texts:
                _c, _s, _h, starts, rare, idioms = windows_both(text, cover_min, variant_max,
                                                                variants)
                counts[0] += len(starts)
                counts[1] += len(rare)
                counts[2] += len(idioms)
    assert min(counts) > 200  # the texts do hold phrase starts, rare words, idiom windows


def test_a_kernel_without_windows_leaves_the_windows_to_python(monkeypatch):
    class Old:  # a kernel built before Lexicon.windows (an editable install's old build)
        class Lexicon:
            def __init__(self, *args):
                raise AssertionError("not made")

        Spotter = None

    lexicon()
    monkeypatch.setattr(D, "kernel_module", lambda: Old)
    T.lexicon_scanner.cache_clear()
    try:
        assert T.lexicon_scanner(3, 20) is None and T.spot_scanner(50) is None
        (c,) = T._confusions_in("物价通货膨涨", 50, 11.0, 5.0, 20, 20.0, 3, True, True, 9.0)
        assert (c.start, c.wrong, c.right, c.detector) == (2, "通货膨涨", "通货膨胀", "idiom")
    finally:
        monkeypatch.undo()
        T.lexicon_scanner.cache_clear()
    assert T.lexicon_scanner(3, 20) is not None


def test_generated_texts_give_the_same_confusions_without_the_kernel(monkeypatch):
    lexicon()
    texts = ["，".join(clauses(5, seed)) + "。" for seed in range(100, 112)]
    texts += [t + "。" for t in slipped_texts(40, 7)]
    with_kernel = [T._confusions_in(t, 50, 11.0, 5.0, 20, 20.0, 3, True, True, 9.0)
                   for t in texts]
    monkeypatch.setenv(D.KERNEL_OFF, "1")
    try:
        assert T.lexicon_scanner(3, 20) is None
        assert T.spot_scanner(50) is None
        assert [T._confusions_in(t, 50, 11.0, 5.0, 20, 20.0, 3, True, True, 9.0)
                for t in texts] == with_kernel
    finally:
        monkeypatch.delenv(D.KERNEL_OFF)
    assert any(with_kernel)


# -- the windows around the characters no word covers, in typo_detect._confusions_in -----

def spotter(min_freq=MIN_FREQ):
    # (None also for a kernel built before the Spotter, an editable install's old
    # build: the Python path runs there)
    return require(T.spot_scanner(min_freq), "the Spotter")


def spots_both(text: str, min_freq=MIN_FREQ, covered: bytes | None = None):
    """The kernel's windows around the characters no word covers, checked equal to the
    Python path's (``covered``: the lexicon's, unless given)."""
    from bisect import bisect_right

    if covered is None:
        w2 = [text[i:i + 2] for i in range(len(text) - 1)]
        covered = T._lexicon_windows(text, w2, 3, 20)[1]
    runs = [(m.start(), m.end()) for m in T._HAN_RUN1.finditer(text)]
    starts = [a for a, _b in runs]
    reach = T.REACH + T.MAX_WORD

    def local_bounds(i):
        a, b = runs[bisect_right(starts, i) - 1]
        return max(a, i - reach), min(b, i + reach + 1)

    han = bytearray(len(text))
    for a, b in runs:
        han[a:b] = b"\x01" * (b - a)
    got = spotter(min_freq).spots(text, covered, bytes(han))
    assert got == T._spot_windows(text, covered, han, D.pattern_index(min_freq),
                                  local_bounds)
    return got


def test_the_windows_around_a_character_no_word_covers():
    # 脉博: no word covers 脉 or 博; 脉 gets the windows 量脉博 (船/学 fill 量_博) and
    # 脉博 (广/淄/渊/赌 fill _博), 博 the window 脉博 (搏 among the fills of 脉_)
    assert spots_both("医生测量脉博") == [(4, 2, 5, "学船"), (4, 3, 5, "刑化变子度级词"),
                                        (4, 4, 6, "广淄渊赌"), (5, 4, 6, "冲动搏络象门")]
    # a window never crosses the end of the run of Han characters (the colon, the Latin)
    got = spots_both("他说：脉博很快")
    assert [(p, s, e) for p, s, e, _ys in got] == [(0, 0, 2), (1, 0, 2), (3, 3, 5),
                                                   (4, 3, 5)]
    assert spots_both("abc脉博") == [(3, 3, 5, "广淄渊赌"), (4, 3, 5, "冲动搏络象门")]
    # every character covered by words: nothing to search
    assert spots_both("通货膨涨") == []


def test_a_character_needs_an_uncovered_han_neighbour():
    # 博 alone between covered characters: a single-character word, no window
    covered = b"\x01\x01\x00\x01\x01"
    assert spots_both("医生博医生", covered=covered) == []
    assert spots_both("医生博医生", covered=b"\x01\x00\x00\x01\x01") != []
    # an uncovered neighbour that is no Han character (a Latin letter) does not count
    assert spots_both("a博医生", covered=b"\x00\x00\x01\x01") == []
    assert spots_both("博博医生", covered=b"\x00\x00\x01\x01") != []


def test_the_spot_windows_of_short_and_odd_texts():
    for text in ("", "博", "脉博", "\U00020000脉博a", "一\ud800二", "脉博\n脉博",
                 "，，脉博", "脉" * 40):
        spots_both(text)
    assert spots_both("脉博\n脉博")[2:] == [(3, 3, 5, "广淄渊赌"), (4, 3, 5, "冲动搏络象门")]


def test_generated_texts_give_the_same_spot_windows():
    texts = ["，".join(clauses(8, seed)) for seed in range(200, 240)]
    texts += [t[k:] for t in texts[:10] for k in (1, 3)]
    n = 0
    for min_freq in (MIN_FREQ, 200):
        for text in texts:
            n += len(spots_both(text, min_freq))
    assert n > 100  # the generated clauses leave characters uncovered


def test_the_spotter_is_made_again_for_a_new_index(monkeypatch):
    spotter()
    tiny = {"脉\0": "搏"}
    monkeypatch.setattr(D, "pattern_index", lambda min_freq: tiny)
    try:
        assert spots_both("医生测量脉博") == [(5, 4, 6, "搏")]
    finally:
        monkeypatch.undo()
        T.spot_scanner.cache_clear()
    assert len(spots_both("医生测量脉博")) == 4


def han_of(text: str) -> bytes:
    return bytes(map(D.is_han, text))


def fills_both(text: str, min_freq=MIN_FREQ, covered: bytes | None = None):
    """The kernel's repairs around the characters no word covers (Spotter.fills), checked
    equal to the Python path's (``covered``: the lexicon's, unless given)."""
    spots = spots_both(text, min_freq, covered)  # the windows they come from agree
    if covered is None:
        covered = T._text_windows(text, 3, 20, True)[0]
    got = spotter(min_freq).fills(text, covered, han_of(text))
    assert got == T._spot_fills(text, spots), text
    return got


def test_the_fills_are_the_confusables_of_the_character():
    # of the fills of 脉博's four windows only 搏 (bo, as 博) is a confusable of its character
    assert fills_both("医生测量脉博") == [(5, 4, 6, "搏", "sound")]
    assert fills_both("通货膨涨") == []  # every character covered
    assert fills_both("abc脉博\n医生测量脉博") == [(4, 3, 5, "搏", "sound"),
                                                (11, 10, 12, "搏", "sound")]


def test_the_spotter_asks_its_confusables_once_made(monkeypatch):
    spotter()
    asked = []

    def confusables(ch):
        asked.append(ch)
        return {"船": "shape", "搏": "nasal", "x": "sound"}

    monkeypatch.setattr(D, "confusables", confusables)
    try:
        # made again for the new function; the fills in the order of the index's value
        assert fills_both("医生测量脉博") == [(4, 2, 5, "船", "shape"), (5, 4, 6, "搏", "nasal")]
        assert fills_both("医生测量脉博") == [(4, 2, 5, "船", "shape"), (5, 4, 6, "搏", "nasal")]
        assert asked.count("脉") == 3  # once by the kernel, twice by the Python path
    finally:
        monkeypatch.undo()
        T.spot_scanner.cache_clear()
    assert fills_both("医生测量脉博") == [(5, 4, 6, "搏", "sound")]


def test_fills_need_the_confusables():
    from checks import _typokernel

    s = _typokernel.Spotter({"脉\0": "搏"}, D.table(), T.REACH + T.MAX_WORD)
    assert s.spots("医生测量脉博", bytes(6), b"\x01" * 6) == [(5, 4, 6, "搏")]
    with pytest.raises(RuntimeError):
        s.fills("医生测量脉博", bytes(6), b"\x01" * 6)
    bad = _typokernel.Spotter({"脉\0": "搏"}, D.table(), 16, lambda ch: ["搏"])
    with pytest.raises(TypeError):
        bad.fills("医生测量脉博", bytes(6), b"\x01" * 6)


def test_generated_texts_give_the_same_fills():
    spotter()
    texts = ["，".join(clauses(8, seed)) for seed in range(240, 280)] + slipped_texts(100, 6)
    n = 0
    for min_freq in (MIN_FREQ, 200):
        for text in texts:
            n += len(fills_both(text, min_freq))
    assert n > 300  # the generated clauses leave characters uncovered, with repairs


# -- the scoring of the candidate swaps of typo_lm._run_swaps --------------------------------

def swapper():
    s = kernel()
    return require(s if hasattr(s, "swaps") else None, "Searcher.swaps")


def kernel_swaps(r: str, lm=None, twins=None):
    """The kernel's best swap of each suspect character of the run ``r``."""
    lm = lm or L.model()
    toks = D.segments(r)
    joined = " ".join(toks)
    return swapper().swaps(r, toks, joined, lm.full_scores(joined, bos=True, eos=True),
                           D.twins() if twins is None else twins, lm.score, L._cut,
                           L.SUSPECT, L.CONTEXT)


def swaps_both(r: str):
    """The kernel's best swaps of the run ``r``, checked equal to the Python loop's (with
    the Python candidate search), gains and all."""
    got = kernel_swaps(r)
    toks = D.segments(r)
    assert got == L._best_swaps_py(r, toks, " ".join(toks), None, MIN_FREQ, L.TERM_FREQ)
    return {p: tuple(rest) for p, *rest in got}


class Recorder:
    """The model, with every call of ``score`` recorded."""

    def __init__(self, lm):
        self.lm, self.calls = lm, []
        self.full_scores = lm.full_scores

    def score(self, text, bos=True, eos=True):
        self.calls.append((text, bos, eos))
        return self.lm.score(text, bos, eos)

    def __contains__(self, word):  # the model's vocabulary (typo_lm._unknown asks it)
        return word in self.lm


def test_the_best_swap_of_a_hand_written_run():
    # 行驶 → 行使 (驶, offset 3) and 脉博 → 脉搏 (博, offset 5): the same gain to the bit
    got = swaps_both("依法行驶职权")
    g, a, b, y, k = got[3]
    assert (a, b, y, k) == (2, 4, "使", "sound") and 13.0 < g * L.LN10 < 15.0
    g, a, b, y, k = swaps_both("医生测量脉博")[5]
    assert (a, b, y, k) == (4, 6, "搏", "sound") and g > 0


# a run of dictionary words (made by clauses below) whose best swaps take the first two
# characters (萧思 → 孝思: bos), the last two (一壁 → 一笔: eos), and one window that cuts
# the tokens on either side of it (目标风 → 目标区, of 总体目标 | 风驰电赴)
EDGES = "萧思温总体目标风驰电赴一壁"


def test_swaps_at_the_run_edges_and_across_tokens():
    r = EDGES
    toks = D.segments(r)
    assert toks == ["萧思温", "总体目标", "风驰电赴", "一壁"]
    got = swaps_both(r)
    windows = {(a, b) for _g, a, b, _y, _k in got.values()}
    assert (0, 2) in windows and (len(r) - 2, len(r)) in windows
    # 目标风 (5:8): cuts 总体目标 (3:7) on its left and 风驰电赴 (7:11) on its right
    assert got[7][1:4] == (5, 8, "区")


def test_the_kernel_hands_the_model_the_python_loops_strings(monkeypatch):
    # the same calls of the model's score, in the same order, with the same bos/eos:
    # the remnants of cut tokens (_cut), the context tokens, the swapped word; but the
    # base windows that start the run (bos), which the kernel sums from full_scores
    swapper()  # (the Python loop below is given no kernel's candidates: skip first)
    r = EDGES
    toks = D.segments(r)
    joined = " ".join(toks)
    py = Recorder(L.model())
    monkeypatch.setattr(L, "model", lambda: py)
    want = L._best_swaps_py(r, toks, joined, None, MIN_FREQ, L.TERM_FREQ)
    monkeypatch.undo()
    c = Recorder(L.model())
    assert kernel_swaps(r, lm=c) == want
    heads = {(" ".join(toks[:k]), True, k == len(toks)) for k in range(1, len(toks) + 1)}
    assert c.calls == [x for x in py.calls if x not in heads]
    assert any(x in heads for x in py.calls)  # (the run has such windows: 萧思 → 孝思)
    assert any(bos and not eos for _t, bos, eos in c.calls)
    assert any(eos and not bos for _t, bos, eos in c.calls)
    # 目标风 → 目标区: the remnants of both cut tokens (总体, 驰电赴) cut again by _cut
    assert any(t.endswith(" ".join(["总体", "目标区", L._cut("驰电赴")]) + " 一壁")
               for t, _b, _e in c.calls)


def test_the_first_of_equal_gains_wins():
    # a model that scores every text alike: every gain is 0, and the best swap of each
    # character is its first candidate (every token suspect: a twin word; the
    # full_scores entries add up to the same -1.0 at every token, as the windows that
    # start the run are summed from them)
    several = 0
    for r in (EDGES, "他在图书官看书", "办公式里很安静"):
        toks = D.segments(r)
        flat = [(-1.0, 1, False)] + [(0.0, 3, False)] * len(toks)
        got = swapper().swaps(r, toks, " ".join(toks), flat, {t: () for t in toks},
                              lambda t, b, e: -1.0, L._cut, L.SUSPECT, L.CONTEXT)
        cands = swapper().candidates(r, ones(r))
        assert got == [(p, 0.0, *c[0][1:]) for p, c in cands]
        several += sum(len(c) > 1 for _p, c in cands)
    assert several >= 2  # characters with more than one candidate: a tie to break


def test_the_windows_that_start_the_run_are_summed_in_single_precision():
    # the model's score adds its full_scores entries in single precision (kenlm.pyx:
    # cdef float total): a base window that starts the run (bos) is that sum of the
    # run's entries, never asked of score; a window after it (no bos) is asked. A model
    # whose score is -5.0 for every text: the gain of a swap at bos is -5.0 minus the
    # single-precision sum, which differs from the double one for these entries
    import numpy as np  # a core dependency (pyproject): never skipped
    r = EDGES + "医生测量脉博"
    toks = D.segments(r)
    nt = len(toks)
    lps = [(-9.1, -0.3, -0.7, -1.9, -0.1)[i % 5] for i in range(nt + 1)]
    entries = [(lp, 1, False) for lp in lps]
    asked = []

    def score(text, bos, eos):
        asked.append((text, bos, eos))
        return -5.0

    got = swapper().swaps(r, toks, " ".join(toks), entries, {t: () for t in toks}, score,
                          L._cut, L.SUSPECT, L.CONTEXT)  # (every token suspect: a twin)
    assert got

    def head(c1):  # the float kenlm's score returns for toks[:c1] with bos
        total = np.float32(0.0)
        for lp in lps[:c1] + (lps[nt:] if c1 == nt else []):
            total = np.float32(total + np.float32(lp))
        return float(total)

    assert head(2) != sum(lps[:2])  # (single precision is not double here)
    owner = [j for j, t in enumerate(toks) for _c in t]
    for p, g, a, b, _y, _k in got:
        j0, j1 = owner[a], owner[b - 1]
        c1 = min(nt, j1 + 1 + L.CONTEXT)
        assert g == (-5.0 - head(c1) if j0 <= L.CONTEXT else 0.0), p
    assert any(j0 <= L.CONTEXT for j0 in (owner[a] for _p, _g, a, *_x in got))
    assert any(owner[a] > L.CONTEXT for _p, _g, a, *_x in got)
    assert not [x for x in asked if x[1] and " ".join(toks).startswith(x[0])]


def test_each_remnant_is_cut_once_a_call(monkeypatch):
    # the candidates of a run cut the same tokens at the same places: the kernel asks cut
    # once for each place (the Python loop asks for every candidate), and hands the model
    # the same strings
    swapper()
    real_cut = L._cut
    lm = L.model()
    again = 0
    for r in [m.group() for text in clauses(80, 31) for m in L._RUN.finditer(text)]:
        toks = D.segments(r)
        joined = " ".join(toks)
        py_frags, frags = [], []

        def cut_py(fragment):
            py_frags.append(fragment)
            return real_cut(fragment)

        def cut(fragment):
            frags.append(fragment)
            return real_cut(fragment)

        monkeypatch.setattr(L, "_cut", cut_py)
        want = L._best_swaps_py(r, toks, joined, None, MIN_FREQ, L.TERM_FREQ)
        monkeypatch.undo()
        got = swapper().swaps(r, toks, joined, lm.full_scores(joined, bos=True, eos=True),
                              D.twins(), lm.score, cut, L.SUSPECT, L.CONTEXT)
        assert got == want, r
        # (a fragment of text may be cut at two places of a run: asked once a place)
        assert set(frags) == set(py_frags) and len(frags) <= len(py_frags), r
        again += len(py_frags) > len(frags)
    assert again >= 5  # runs whose candidates cut a token at the same place again


def test_the_suspect_tokens_are_the_python_loops():
    # no token suspect: no swap; only a twin word suspect: only its characters
    r = EDGES
    toks = D.segments(r)
    seen = [(-1.0, 3, False)] * (len(toks) + 1)
    assert swapper().swaps(r, toks, " ".join(toks), seen, {}, L.model().score, L._cut,
                           L.SUSPECT, L.CONTEXT) == []
    got = swapper().swaps(r, toks, " ".join(toks), seen, {"一壁": ()}, L.model().score,
                          L._cut, L.SUSPECT, L.CONTEXT)
    assert got and {p for p, *_x in got} <= {11, 12}
    # an unseen bigram before a token makes it and the token before it suspect
    lone = list(seen)
    lone[2] = (-9.0, 1, False)  # between 总体目标 and 风驰电赴
    got = swapper().swaps(r, toks, " ".join(toks), lone, {}, L.model().score, L._cut,
                          L.SUSPECT, L.CONTEXT)
    assert got and {p for p, *_x in got} <= set(range(3, 11))


def test_swaps_refuses_tokens_that_are_not_the_run():
    r = EDGES
    toks = D.segments(r)
    lm = L.model()
    joined = " ".join(toks)
    with pytest.raises(ValueError):
        swapper().swaps(r, toks[:-1], joined, lm.full_scores(joined), {}, lm.score,
                        L._cut, L.SUSPECT, L.CONTEXT)
    with pytest.raises(ValueError):  # full_scores must have an entry for eos
        swapper().swaps(r, toks, joined, [(-1.0, 3, False)] * len(toks), {}, lm.score,
                        L._cut, L.SUSPECT, L.CONTEXT)


def test_generated_runs_give_the_same_best_swaps():
    swapper()
    n = 0
    for text in clauses(300, 21):
        for m in L._RUN.finditer(text):
            n += len(swaps_both(m.group()))
    assert n > 300  # the clauses do hold suspect characters with candidates


def test_an_older_kernel_without_swaps_scores_in_python(monkeypatch):
    # a kernel built before Searcher.swaps (an editable install's old build): its
    # candidate search and the Python loop, with the same swaps
    s = swapper()
    runs = [m.group() for seed in range(4) for m in L._RUN.finditer("，".join(clauses(6, seed)))]
    L._run_swaps.cache_clear()
    want = [L._run_swaps(r, 14.0, 11.5, MIN_FREQ, True) for r in runs]

    class Old:
        candidates = s.candidates

    monkeypatch.setattr(L, "searcher", lambda *a, **k: Old())
    L._run_swaps.cache_clear()
    try:
        assert [L._run_swaps(r, 14.0, 11.5, MIN_FREQ, True) for r in runs] == want
    finally:
        L._run_swaps.cache_clear()
    assert any(want)


def test_the_searcher_is_looked_up_once_a_call(monkeypatch):
    swapper()
    asked = []
    real = L.searcher

    def counted(*args):
        asked.append(args)
        return real(*args)

    monkeypatch.setattr(L, "searcher", counted)
    text = "，".join(clauses(12, 5)) + "。"
    L._run_swaps.cache_clear()
    try:
        L.find_lm_confusions(text)
    finally:
        L._run_swaps.cache_clear()
    assert len(asked) == 1 and len(L._RUN.findall(text)) > 1
    # outside a call, a run asks for it itself (and finds the one kept)
    assert L._searcher_now(MIN_FREQ, L.TERM_FREQ) is real(MIN_FREQ)
