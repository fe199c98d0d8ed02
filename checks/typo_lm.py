"""Context evidence from a reference language model: a word trigram model of Chinese
(fcitx's libime ``zh_CN.lm``, KenLM's binary format, read by the ``kenlm`` package).

A character is suspect when a sound-alike or look-alike in its place makes a dictionary
word with its neighbours and the model finds the clause far more likely with the swap.
This is the evidence a dictionary alone lacks: 依法行驶职权 is made of real words, only
the context tells that 行使 was meant.

Cost is kept down by four things: the clause is segmented once (jieba's dictionary and
route without its HMM, run by rjieba's compiled segmenter) and scored once
(``full_scores``); only characters of a token with an unlikely bigram the model has
never seen (a slip almost always makes one), and of twin words, are tried; a candidate
is scored by swapping tokens in a window of the base segmentation, not by segmenting the
clause again; and each clause's verdict and each window's swaps are cached.
"""

from __future__ import annotations

import functools
import math
from bisect import bisect_right
import re
import threading
from itertools import compress, repeat
from operator import add, or_
from pathlib import Path
from typing import Iterable

import numpy as np

from . import typo_data as D
from . import typo_ner as NER
from .typo_detect import Confusion, _name_at

MODEL = Path(__file__).resolve().parent / "data" / "lm" / "zh_CN.lm"
LN10 = math.log(10.0)
NUMERALS = frozenset("〇零一二三四五六七八九十百千万亿两几第")  # never swapped: figures are
# the figure checks' business, and a model only knows which numeral is more frequent
SUSPECT = -3.5  # log10 probability under which a token with an unseen bigram is tried
SIZES = (2, 3)  # characters of the word a swap makes (4: idioms, typo.broken-idiom)
TRIED = 8  # swaps scored per character, the most frequent words first
STANDALONE = 20000  # jieba frequency of a character that is a frequent word on its own
CONTEXT = 2  # tokens of context each side of the swapped tokens
TERM_FREQ = 3  # jieba frequency from which a word rarer than ``min_freq`` is a candidate
# where it is a term (催告, 抗诉, 教唆: :func:`term`), see docs/typos.md, tenth landing; 3
# (jieba's lowest count) since the fourteenth landing (正犯, 尿路, 宫颈炎, 淘宝网)
TERM_LISTED = 5  # a term rarer than this (jieba lists it, 3-4) is no evidence against a
# written character that is the substitute with a radical added (:func:`radical_added`)
NAME_OVERRIDE = 21.0  # nats: a swap this much likelier is made even where jieba's tagger
# reads a name (范伟 in 管辖的范伟较宽, 新加波); the likeliest name it would have let through
# on the test sets and news transcripts scored 19.8 (刘振立 for 刘振伟), see docs/typos.md
_RUN = re.compile(f"[{D.HAN_CLASS}]{{2,}}")  # runs of Han characters (one alone: no swap)
_NONZERO = re.compile(rb"[^\x00]")

class ModelMissing(RuntimeError):
    pass


@functools.lru_cache(maxsize=None)
def model():
    """The language model, loaded once per process (memory-mapped by KenLM)."""
    try:
        import kenlm
    except ImportError as exc:
        raise ModelMissing("the Python package kenlm is not installed "
                           "(pip install kenlm)") from exc
    if not MODEL.is_file():
        raise ModelMissing(f"the language model {MODEL} is missing "
                           "(python scripts/fetch_lm.py fetches it)")
    return kenlm.Model(str(MODEL))


def available() -> bool:
    return missing_reason() is None


def missing_reason() -> str | None:
    """Why the model cannot be used (None when it can)."""
    try:
        model()
    except ModelMissing as exc:
        return str(exc)
    except Exception as exc:  # a damaged file: KenLM's own message
        return f"the language model {MODEL} cannot be read ({exc.__class__.__name__}: {exc})"
    return None


@functools.lru_cache(maxsize=65536)
def _alikes(ch: str) -> dict[str, str]:
    """The substitutes tried for ``ch``: its confusables but numerals, and of its
    sound-alikes that do not also look alike only those a writer meaning the substitute
    types (:func:`typo_data.typed_for`: the substitute's everyday reading is one of
    ``ch``'s; 乌军 is no slip for 乌龟, whose jūn is the rare reading of 龟裂)."""
    shapes, shapes_of = D._shapes(ch), D._shapes  # looks_alike(ch, y), ch's shapes asked once
    return {y: k for y, k in D.confusables(ch).items() if y not in NUMERALS
            and (k != "sound" or D.typed_for(ch, y) or y in shapes or ch in shapes_of(y))}


@functools.lru_cache(maxsize=1 << 18)
def window_swaps(window: str, min_freq: int,
                 term_freq: int = TERM_FREQ) -> tuple[tuple[int, int, str, str], ...]:
    """(offset, minus the frequency of the word made, substitute, kind) for every
    character of ``window`` but numerals whose sound-alikes or look-alikes make the window
    a jieba word of frequency >= ``min_freq``, or from ``term_freq`` on a term where the
    window is no word anywhere (:func:`term`) (cached: windows recur; :func:`_run_swaps`
    asks it for the windows of two characters)."""
    freq = D.word_freq()
    out = []
    near = not freq.get(window)  # near-homophones (nasal, retroflex) only where no word
    unknown = None  # is the window no word anywhere (asked only for a term)
    for k, ch in enumerate(window):
        if ch in NUMERALS:
            continue
        pre, post = window[:k], window[k + 1:]
        # most windows have no swap: the two sets are intersected from the smaller side
        # (a set of the fills cached per pattern, not the index's string, whose iteration
        # makes a new string per character)
        ys = _alike_set(ch) & _fill_set(pre + "\0" + post, min_freq, term_freq)
        if not ys:
            continue
        conf = _alikes(ch)
        for y in ys:
            f = freq.get(pre + y + post, 0)
            if f < min_freq:  # a term
                if f < TERM_LISTED and radical_added(ch, y):
                    continue
                if unknown is None:
                    unknown = _unknown(window)
                if not unknown:
                    continue
            if near or conf[y] not in D.NEAR_KINDS:
                out.append((k, -f, y, conf[y]))
    return tuple(out)


@functools.lru_cache(maxsize=65536)
def _alike_set(ch: str) -> frozenset[str]:
    return frozenset(_alikes(ch))


@functools.lru_cache(maxsize=1 << 15)
def _fill_set(key: str, min_freq: int, term_freq: int) -> frozenset[str]:
    """The characters that fill the blank of the word pattern ``key``, as a set (cached:
    a window of two characters has one of 2 x ~9,000 patterns)."""
    return frozenset(_index(min_freq, term_freq).get(key, ""))


@functools.lru_cache(maxsize=1 << 17)
def _fills(key: str, ch: str, min_freq: int,
           term_freq: int) -> tuple[tuple[int, str, str], ...]:
    """(minus the frequency of the word made, substitute, kind) for each sound-alike or
    look-alike of ``ch`` (not a numeral) that fills the blank (``\\0``) of ``key``, a
    window with ``ch`` blanked, to make a jieba word of frequency >= ``min_freq``, or a
    term from ``term_freq`` on (the caller asks whether the window is no word: a term's
    frequency is under ``min_freq``) (cached: windows recur)."""
    if ch in NUMERALS:
        return ()
    ys = _index(min_freq, term_freq).get(key)
    if not ys:
        return ()
    conf = _alikes(ch)
    freq = D.word_freq()
    i = key.index("\0")
    pre, post = key[:i], key[i + 1:]
    near = not freq.get(pre + ch + post)  # near-homophones only where it is no word
    return tuple((-f, y, conf[y]) for y in conf.keys() & ys
                 if (near or conf[y] not in D.NEAR_KINDS)
                 and ((f := freq.get(pre + y + post, 0)) >= TERM_LISTED
                      or not radical_added(ch, y)))


def radical_added(written: str, repl: str) -> bool:
    """Is ``written`` the character ``repl`` with a radical added (铆 on 卯, 涝 on 劳, 焖 on
    闷: ``repl`` is ``written``'s phonetic component)? Such a pair differentiates meanings
    (铆 rivet, 涝 waterlogging), so a text that writes the radical is often using a word
    of its own (铆足劲, 城乡积涝) that jieba's rarest terms (卯足, 积劳: frequency 3) do not
    show. The reverse (建 written for 健: 建脾) is a plain slip."""
    return repl in D._components().get(written, ())


@functools.lru_cache(maxsize=65536)
def _cut(fragment: str) -> str:
    """The tokens of ``fragment`` joined by spaces, as the model reads them."""
    return " ".join(D.segments(fragment))


ATTESTED = math.log10(4.0)  # a written form a quarter as likely as the phrase: a variant


@functools.lru_cache(maxsize=1 << 12)
def vocab_odds(written: str, right: str) -> float | None:
    """log10 of how much likelier the model finds ``written`` than ``right`` as a word on
    its own (unigram), or None when ``written`` is no word of the model's vocabulary (or
    there is no model)."""
    if not available():
        return None
    lm = model()
    if written not in lm:
        return None
    return lm.score(written, bos=False, eos=False) - lm.score(right, bos=False, eos=False)


def attested(written: str, right: str) -> bool:
    """Is ``written`` a word of the model's vocabulary at least a quarter as likely as
    ``right`` (an accepted variant of a fixed phrase, not a slip: 引人瞩目 / 引人注目,
    风生水起 / 风声水起; 走头无路 is five times rarer than 走投无路)?"""
    odds = vocab_odds(written, right)
    return odds is not None and odds >= -ATTESTED


def known_slip(written: str, right: str) -> bool:
    """Is ``written`` a word of the model's vocabulary at least four times rarer than
    ``right`` (a slip people type often enough for the model to list it: 帐蓬 / 帐篷,
    幅射 / 辐射, 英磅 / 英镑)? An accepted variant is about as frequent as its sibling
    (清零 / 清冷, 声呐 / 声纳); a form the model never saw gives no evidence either way."""
    odds = vocab_odds(written, right)
    return odds is not None and odds < -ATTESTED


FAMILIAR = -5.4  # log10 unigram probability from which a word the model knows and jieba's
# dictionary lacks is a word of its own (大咖 -5.32, 美妆 -5.28, 单品 -5.11, 戾气 -5.16), not
# a slip: the most frequent such slip on the test sets and the labelled set is 参予 (-5.47),
# the labelled set's are at most -5.72 (败下); see docs/typos.md, ninth landing


@functools.lru_cache(maxsize=1 << 12)
def familiar(written: str) -> bool:
    """Is ``written`` a word that jieba's dictionary (older) lacks but the reference model
    lists with a unigram probability of at least 10^``FAMILIAR`` (about four in a million
    words): a newer word (大咖, 美妆, 单品, 程序猿, 戾气) rather than a slip? A slip is rare
    in the text the model was built from even when it lists it (导至 -5.88, 坏境 -5.81,
    参予 -5.47). False without the model."""
    if D.word_freq().get(written, 0) or not available():
        return False
    lm = model()
    return written in lm and lm.score(written, bos=False, eos=False) >= FAMILIAR


def cuts_familiar(r: str, p: int, a: int, b: int) -> bool:
    """Does the character at ``p`` make, with a neighbour outside the window ``r[a:b]``, a
    newer word the model knows well (:func:`familiar`: 央企 in 三家央企, where 家央 → 家养
    would cut it)? Then the text reads as that word, and the swap is no evidence."""
    return ((p == a and p > 0 and familiar(r[p - 1:p + 1]))
            or (p == b - 1 and p + 1 < len(r) and familiar(r[p:p + 2])))


def inside_word(r: str, a: int, b: int) -> bool:
    """Is the window ``r[a:b]`` part of a longer word of 3-4 characters that the model's
    vocabulary lists (财付 in 财付通)? A character inside a dictionary word is never a
    suspect; this is the same rule for the model's vocabulary, which holds newer names
    and terms jieba's dictionary lacks. False without the model."""
    if not available():
        return False
    lm = model()
    for x in range(max(0, b - 4), a + 1):
        for y in range(max(b, x + 3), min(len(r), x + 4) + 1):
            if y - x > b - a and r[x:y] in lm:
                return True
    return False


@functools.lru_cache(maxsize=1 << 14)
def term(word: str, written: str) -> bool:
    """May ``word``, rarer in jieba's dictionary than the ``min_freq`` of the candidates
    (a legal or medical term: 催告 10, 教唆 49, 白癜风 20), stand for ``written``? Where the
    reference model lists it as a word, jieba tags it no name (王晓平, 胡塞尔 are rare
    words too) and the text as written is no word anywhere: not in jieba's dictionary
    (at any frequency), the model's vocabulary or pypinyin's phrases (催稿 is a word of its
    own, not a slip for 催告)."""
    return available() and _term_word(word) and _unknown(written)


def _term_word(word: str) -> bool:
    """Does the reference model list ``word``, and jieba's tagger not read it as a name?"""
    return word in model() and D.word_tags().get(word) not in D.NAME_TAGS


@functools.lru_cache(maxsize=8)
def _term_index(term_freq: int, min_freq: int) -> dict[str, str]:
    """:func:`typo_data.pattern_index` of the words that may be terms: jieba words of 2-3
    characters with frequency from ``term_freq`` up to (not including) ``min_freq`` that
    the reference model lists and jieba does not tag as a name (about 26,000 patterns;
    built once and kept in the tables file, as the dictionary's own indexes are)."""
    if not available():
        return {}  # not kept: the tables file must not remember a missing model

    def build() -> dict[str, str]:
        idx: dict[str, str] = {}
        for w, f in D.word_freq().items():
            if 2 <= len(w) <= 3 and term_freq <= f < min_freq and _term_word(w):
                for i in range(len(w)):
                    k = w[:i] + "\0" + w[i + 1:]
                    idx[k] = idx.get(k, "") + w[i]
        return idx

    return D._kept(f"lm_term_index:{term_freq}:{min_freq}", build)  # in the tables file


@functools.lru_cache(maxsize=1 << 16)
def _unknown(written: str) -> bool:
    """Is ``written`` no word anywhere: not in jieba's dictionary (at any frequency), the
    reference model's vocabulary or pypinyin's phrases?"""
    return (written not in D.word_freq() and written not in model()
            and written not in D.phrases())


@functools.lru_cache(maxsize=8)
def _index(min_freq: int, term_freq: int) -> dict[str, str]:
    """:func:`typo_data.pattern_index` of ``min_freq`` with the terms of
    :func:`_term_index` (from ``term_freq`` on) added: one look-up a window finds both."""
    idx = D.pattern_index(min_freq)
    if term_freq >= min_freq:
        return idx
    idx = dict(idx)
    for k, ys in _term_index(term_freq, min_freq).items():
        idx[k] = idx.get(k, "") + ys
    return idx


def _kernel_inputs(min_freq: int, term_freq: int) -> tuple:
    """What a :func:`searcher`'s tables and answers are made from: a new object among them
    (a table built again, a function replaced) makes a new searcher. Its tables: their
    state in the typo tables file where it holds one (typo_data.kernel_inputs), else the
    Python tables they are built from."""
    return (D.kernel_inputs(_searcher_state(min_freq, term_freq),
                            lambda: (_index(min_freq, term_freq), D.word_freq()))
            + (_alikes, D.confusables, D.typed_for, D._shapes, radical_added, _unknown,
               NUMERALS, TERM_LISTED, TRIED))


def _searcher_state(min_freq: int, term_freq: int) -> str:
    """The name of a searcher's state in the typo tables file."""
    return f"kernel:searcher:{min_freq}:{term_freq}"


def _make_searcher(mod, min_freq: int, term_freq: int):
    """A :func:`searcher`: restored from its state in the typo tables file, else built
    from the Python tables (typo_data.kept_kernel)."""
    restore = getattr(mod.Searcher, "restore", None)
    return D.kept_kernel(
        _searcher_state(min_freq, term_freq),
        lambda: mod.Searcher(D.word_freq(), _index(min_freq, term_freq), _alikes,
                             radical_added, _unknown, NUMERALS, min_freq, TERM_LISTED, TRIED),
        restore and (lambda state: restore(state, _alikes, radical_added, _unknown, NUMERALS,
                                           min_freq, TERM_LISTED, TRIED)))


def searcher(min_freq: int, term_freq: int = TERM_FREQ):
    """The compiled candidate search and scoring of :func:`_run_swaps` for these
    thresholds (its frequency and pattern tables built once from
    :func:`typo_data.word_freq` and :func:`_index`, each character's substitutes asked of
    :func:`_alikes` once), or None where the kernel is not available
    (:func:`typo_data.kernel_module`): then :func:`_best_swaps_py` with
    :func:`_candidates_py`. It is made again when what it was made from changes (a table
    rebuilt, a function replaced: :func:`typo_data.kernel_object`)."""
    return D.kernel_object(
        ("searcher", min_freq, term_freq), lambda: _kernel_inputs(min_freq, term_freq),
        lambda mod: _make_searcher(mod, min_freq, term_freq))


searcher.cache_clear = D.kernel_object.cache_clear  # type: ignore[attr-defined]  # (tests)

_HOISTED = threading.local()  # got: (min_freq, term_freq, searcher) of the running
# find_lm_confusions call in this thread (a Dask worker may run tasks in several threads)


def _searcher_now(min_freq: int, term_freq: int):
    """:func:`searcher` for these thresholds: the one the running
    :func:`find_lm_confusions` call looked up, else asked now (a direct call of
    :func:`_run_swaps`)."""
    got = getattr(_HOISTED, "got", None)
    if got is not None and got[0] == min_freq and got[1] == term_freq:
        return got[2]
    return searcher(min_freq, term_freq)


def need(ch: str, repl: str, min_gain: float, both_gain: float | None) -> float:
    """The gain (nats) a swap of ``ch`` for ``repl`` must reach: ``both_gain`` when the
    two both sound and look alike (脉博/脉搏), unless ``ch`` is a frequent word on its own
    (不, 是: two words side by side are the likelier reading); else ``min_gain``."""
    if (both_gain is not None and D.word_freq().get(ch, 0) < STANDALONE
            and D.sound_and_shape(ch, repl)):
        return min(min_gain, both_gain)
    return min_gain


def find_lm_confusions(text: str, min_gain: float = 14.0, both_gain: float | None = 11.5,
                       min_freq: int = 50, names: bool = True,
                       repaired: Iterable[tuple[int, int, str]] = (),
                       term_freq: int = TERM_FREQ,
                       word_gain: float | None = None) -> list[Confusion]:
    """Characters whose swap for a sound-alike or look-alike raises the model's
    log-probability of their clause (a run of Han characters) by at least ``min_gain``
    nats (``both_gain`` for a character that both sounds and looks like its substitute,
    see :func:`need`). A candidate swap makes a jieba word of 2-3 characters (frequency
    >= ``min_freq``, or from ``term_freq`` on a term, see :func:`term`) with its
    neighbours. Numerals are never swapped; characters jieba's tagger reads as part of a
    name are left alone (``names``). The flagged window is the
    word the swap makes. Each clause is judged on its own and the verdict is cached, so
    boilerplate repeated across seeds costs one look-up. With ``word_gain``, also a whole
    word typed for another of the same pinyin (:func:`_word_swaps`, detector ``lm-word``)
    where the model reads the clause at least ``word_gain`` nats likelier.

    A second reading (detector ``lm-after``): a run that holds a slip, found here or
    given in ``repaired`` (``(start, end, right form)`` in ``text``, from the other
    detectors), is read again with every such slip repaired, and the swaps that reading
    finds outside the repaired windows are reported too: a slip next to another is
    scored against a context that is itself broken (法院撤销的判绝 reads better once
    法院 is right). Only runs with a slip are read twice, so clean text costs nothing."""
    if not D.HAN_RE.search(text):
        return []
    # the compiled searcher is looked up once a call for all its runs, not once a run
    # (its check that the tables it was made from are the same costs ~3 us, ~50 runs a
    # 5 KB seed): :func:`_searcher_now`
    saved = getattr(_HOISTED, "got", None)
    _HOISTED.got = (min_freq, term_freq, searcher(min_freq, term_freq))
    try:
        return _lm_confusions(text, min_gain, both_gain, min_freq, names, repaired,
                              term_freq, word_gain)
    finally:
        _HOISTED.got = saved


def _lm_confusions(text: str, min_gain: float, both_gain: float | None, min_freq: int,
                   names: bool, repaired: Iterable[tuple[int, int, str]],
                   term_freq: int, word_gain: float | None) -> list[Confusion]:
    """:func:`find_lm_confusions` of a text with Han characters."""
    freq = D.word_freq()
    out: list[Confusion] = []
    given = sorted((a, b, w) for a, b, w in repaired if len(w) == b - a)
    after = False  # a second reading added a swap (out is then sorted again)

    def found(r: str, s: int, swap: tuple, detector: str) -> Confusion:
        a, b, p, y, k, g = swap
        wrong, right = r[a:b], _right(r, swap)
        if k == "pinyin":  # a whole word (:func:`_word_swaps`)
            return Confusion(s + a, s + b, wrong, right, s + a, wrong, y, k, "lm-word", g,
                             freq.get(right, 0), freq.get(wrong, 0))
        return Confusion(s + a, s + b, wrong, right, s + p, r[p], y, k, detector, g,
                         freq.get(right, 0), freq.get(wrong, 0))

    # every run's swaps asked in one C loop (``map``: most runs of a large corpus are
    # answered by the memo); without slips given, only the runs with a swap are visited
    runs = [(m.start(), m.group()) for m in _RUN.finditer(text)]
    got = list(map(_run_swaps, [r for _s, r in runs], repeat(min_gain), repeat(both_gain),
                   repeat(min_freq), repeat(names), repeat(term_freq), repeat(word_gain)))
    for (s, r), swaps in (zip(runs, got) if given else compress(zip(runs, got), got)):
        out += [found(r, s, sw, "lm") for sw in swaps]
        if not swaps and not given:
            continue  # most runs: nothing to read again
        fixes = [(sw[0], sw[1], _right(r, sw)) for sw in swaps]
        fixes += [(a - s, b - s, w) for a, b, w in given if s <= a and b <= s + len(r)]
        if not fixes:
            continue
        chars = list(r)
        for a, b, w in fixes:
            chars[a:b] = w
        r2 = "".join(chars)
        if r2 == r:
            continue
        for sw in _run_swaps(r2, min_gain, both_gain, min_freq, names, term_freq,
                             word_gain):
            if any(sw[0] < fb and fa < sw[1] for fa, fb, _w in fixes):
                continue  # only characters as written: the repaired ones are reported
            out.append(found(r, s, sw, "lm-after"))
            after = True
    if after:
        out.sort(key=lambda c: (c.start, c.end))
    return out


def _right(r: str, swap: tuple) -> str:
    """The window of the swap ``swap`` (of :func:`_run_swaps`) of the run ``r`` repaired."""
    a, b, p, y, k, _g = swap
    return y if k == "pinyin" else r[a:p] + y + r[p + 1:b]


@functools.lru_cache(maxsize=1 << 18)  # runs recur across seeds
def _run_swaps(r: str, min_gain: float, both_gain: float | None, min_freq: int,
               names: bool, term_freq: int = TERM_FREQ, word_gain: float | None = None
               ) -> tuple[tuple[int, int, int, str, str, float], ...]:
    """The swaps of one run of Han characters: (start, end, changed offset, substitute,
    kind, gain in nats), offsets within the run; with ``word_gain``, also the whole words
    of :func:`_word_swaps` (kind ``pinyin``, the substitute a word)."""
    lm = model()
    floor = (min(min_gain, both_gain) if both_gain is not None else min_gain) / LN10
    toks = D.segments(r)
    # the model reads tokens joined by spaces
    joined = " ".join(toks)
    # the best swap of each suspect character (compiled where the kernel is built, the
    # candidate search and the scoring in one call; :func:`_best_swaps_py` otherwise)
    kern = _searcher_now(min_freq, term_freq)
    swaps = getattr(kern, "swaps", None)  # (None: a kernel built before that method)
    # a word with a homophone of its own (one run in six): the model's scores are kept
    # for :func:`_word_swaps`
    words = word_gain is not None and not word_homophone_table().keys().isdisjoint(toks)
    # (a generator: read only where it is used; a list where it is read twice)
    scores = lm.full_scores(joined, bos=True, eos=True)
    if words:
        scores = list(scores)
    if swaps is not None:
        best = swaps(r, toks, joined, scores, D.twins(), lm.score, _cut, SUSPECT, CONTEXT)
    else:
        best = _best_swaps_py(r, toks, joined, kern, min_freq, term_freq)
    out = []
    for p, g, a, b, y, k in best:
        if g < floor or g * LN10 < need(r[p], y, min_gain, both_gain):
            continue
        if familiar(r[a:b]):
            continue  # a newer word the model knows well (大咖, 美妆), no slip
        if cuts_familiar(r, p, a, b):
            continue  # the swap would cut such a word (三家央企: 央企, not 家养)
        if inside_word(r, a, b):
            continue  # inside a longer word the model lists (财付通)
        if names and g * LN10 < NAME_OVERRIDE and _name_at(r, p, a, b, y):
            continue
        out.append((a, b, p, y, k, round(g * LN10, 2)))
    if words:
        out += _word_swaps(r, tuple(toks), scores, word_gain, names)
    # one typo, one finding: of overlapping windows (魅丽 → 美丽 or 魅力), the likelier swap
    kept: list[tuple] = []
    for c in sorted(out, key=lambda c: (-c[5], c[0])):
        if all(c[1] <= x[0] or x[1] <= c[0] for x in kept):
            kept.append(c)
    return tuple(sorted(kept))


def _best_swaps_py(r: str, toks: list[str], joined: str, kern, min_freq: int,
                   term_freq: int) -> list[tuple[int, float, int, int, str, str]]:
    """(offset, gain in log10, start, end, substitute, kind) of the best candidate swap
    of each suspect character of the run ``r`` (segmented as ``toks``, joined by spaces
    as ``joined``), by offset: the first of equal gains, the candidates in their order
    (the pure-Python path; the kernel's ``Searcher.swaps`` gives the same, with the
    candidates of ``kern.candidates`` where an older kernel has no ``swaps``)."""
    lm = model()
    twins = D.twins()
    nt = len(toks)
    # toks[c0:c1] is joined[off[c0]:off[c1] - 1]
    # tokens with an unlikely bigram the model never saw on either side (a slip almost
    # always makes one), and twin words: the only places tried
    unseen = [o < 2 and lp < SUSPECT for lp, o, _oov in lm.full_scores(joined, bos=True,
                                                                       eos=True)]
    starts = []
    owner = []
    off = [0]
    sus = bytearray()
    pos = 0
    for j, t in enumerate(toks):
        lt = len(t)
        starts.append(pos)
        owner += [j] * lt
        pos += lt
        off.append(off[-1] + lt + 1)
        sus += (b"\x01" if unseen[j] or unseen[j + 1] or t in twins else b"\x00") * lt
    off_end = starts[1:] + [pos]  # where each token ends
    # the candidate swaps of each suspect character, the most frequent words first
    cands = (kern.candidates(r, sus) if kern is not None
             else _candidates_py(r, sus, min_freq, term_freq))
    out = []
    base: dict[tuple[int, int], float] = {}
    score = lm.score
    for p, tried in cands:
        best = None
        # the most frequent words the swaps make are scored (the rest rarely win)
        for _f, a, b, y, k in tried:
            # the swap's tokens: the base segmentation around it, the word it makes, and
            # what is left of the tokens it cuts
            j0, j1 = owner[a], owner[b - 1]
            c0 = j0 - CONTEXT if j0 > CONTEXT else 0
            c1 = j1 + 1 + CONTEXT if j1 + 1 + CONTEXT < nt else nt
            new = [joined[off[c0]:off[j0] - 1]] if c0 < j0 else []
            if starts[j0] < a:
                new.append(_cut(r[starts[j0]:a]))
            new.append(r[a:p] + y + r[p + 1:b])
            if b < off_end[j1]:
                new.append(_cut(r[b:off_end[j1]]))
            if j1 + 1 < c1:
                new.append(joined[off[j1 + 1]:off[c1] - 1])
            bos, eos = c0 == 0, c1 == nt
            bs = base.get((c0, c1))
            if bs is None:  # (the model's arguments by position: parsed faster)
                bs = base[(c0, c1)] = score(joined[off[c0]:off[c1] - 1], bos, eos)
            g = score(" ".join(new), bos, eos) - bs
            if best is None or g > best[0]:
                best = (g, a, b, y, k)
        out.append((p, *best))
    return out


def _candidates_py(r: str, sus: bytes | bytearray, min_freq: int, term_freq: int
                   ) -> list[tuple[int, list[tuple[int, int, int, str, str]]]]:
    """The candidate swaps of the suspect characters (``sus[i]``: one byte a character)
    of the run ``r``: (offset, [(minus the frequency of the word made, start, end,
    substitute, kind), ...]) by offset, each character's sorted and at most ``TRIED``
    (the pure-Python path; the compiled kernel, :func:`searcher`, gives the same)."""
    # the candidate swaps of each suspect character: every window of 2 or 3 characters
    # (SIZES) around it that a sound-alike or look-alike makes a word, with the word's
    # frequency (the most frequent are scored)
    cands: dict[int, set] = {}
    n = len(r)
    w2 = list(map(add, r, r[1:]))
    for a in compress(range(n - 1), map(or_, sus, sus[1:])):  # pairs: cached, they recur
        for k, f, y, kind in window_swaps(w2[a], min_freq, term_freq):
            p = a + k
            if sus[p]:
                at = cands.get(p)
                if at is None:
                    at = cands[p] = set()
                at.add((f, a, a + 2, y, kind))
    # windows of 3: the blanked forms of all of them built and looked up in C loops (a
    # few in ten match a word pattern, and of those few have a fill among the suspect
    # character's substitutes: that is asked of the fills found before the memo of
    # :func:`_fills` is (its answer is empty then)
    get = _index(min_freq, term_freq).get
    z = repeat("\0")
    for k, keys in ((0, list(map(add, z, w2[1:]))),
                    (1, list(map(add, map(add, r[:-2], z), r[2:]))),
                    (2, list(map(add, w2[:-1], z)))):
        fills = list(map(get, keys))
        for a in compress(range(n - 2), fills):
            p = a + k
            if sus[p] and not _alike_set(r[p]).isdisjoint(fills[a]):
                sw = _fills(keys[a], r[p], min_freq, term_freq)
                if sw:
                    at = cands.get(p)
                    for f, y, kind in sw:
                        if -f < min_freq and not _unknown(r[a:a + 3]):
                            continue  # a term, but the window as written is a word
                        if at is None:
                            at = cands[p] = set()
                        at.add((f, a, a + 3, y, kind))
    return [(p, sorted(cands[p])[:TRIED]) for p in sorted(cands)]


# -- compound terms of four characters (fourteenth landing) ---------------------------------

COMPOUND_GAIN = 10.0  # nats: the model's gain a broken compound term needs (see
# docs/typos.md, fourteenth landing: the right ones gained 10.7-38, the false ones of the
# news sets and transcripts below 10 but for names, which the tags and the name veto keep)
_COMPOUND_TAGS_NOT = D.NAME_TAGS | {"nz", "j", "m", "t"}  # names, other proper nouns
# (菲尔兹奖), abbreviations (中小企业), numerals and times (第十五章) are no compound terms


@functools.lru_cache(maxsize=None)
def compound_index() -> tuple[dict[str, str], frozenset[str], frozenset[str]]:
    """The compound terms: jieba words of four Han characters (frequency >= 3) that are
    no idiom or set phrase of :func:`typo_data.idioms` (`typo.broken-idiom`'s) and whose
    tag is no name, other proper noun, abbreviation, numeral or time (法律制裁, 尿路感染,
    军官学校, 简政放权): a pattern index (one character blanked → the characters that fill
    it), and the sets of their first and last two characters."""
    return D._kept("lm_compound_index", _build_compound_index)


def _build_compound_index() -> tuple[dict[str, str], frozenset[str], frozenset[str]]:
    tags = D.word_tags()
    idioms = D.idioms()
    return D.four_index(
        w for w, f in D.word_freq().items()
        if len(w) == 4 and f >= 3 and w not in idioms
        and tags.get(w) not in _COMPOUND_TAGS_NOT and all(map(D.is_han, w)))


def find_compound_confusions(text: str, min_gain: float = COMPOUND_GAIN,
                             names: bool = True) -> list[Confusion]:
    """A compound term of four characters (:func:`compound_index`: 法律制裁) with one
    character swapped for a sound-alike or look-alike (法津制裁): the window as written
    is no word anywhere (jieba at any frequency, the model's vocabulary, pypinyin's
    phrases), nor is the half of it that holds the changed character (法津), nor does that
    half's outer character make a jieba word with its outside neighbour; the other half is
    the term's own, and the model reads the clause (the run of Han characters) at least
    ``min_gain`` nats likelier with the term. Numerals are never swapped; names are left
    alone (:func:`_compound_name_at`); a form the text writes twice is its own term
    (智能集控中心, 智能化集控中心). Detector ``lm-compound``."""
    if len(text) < 4 or not D.HAN_RE.search(text):
        return []
    # padded with a line end each side, so that a window at the text's edge has an outer
    # pair too (offsets below are the padded text's, one more than the text's)
    text = "\n" + text + "\n"
    n = len(text)
    idx = compound_index()[0]
    no_word, head_of, tail_of, keys, vals = _pair_flags()
    # one byte a pair of characters: a jieba word (bit 0), a compound's first (1) or last
    # (2) two characters; the windows whose kept half is the compound's and whose other
    # half and its outer pair are no words are found with masks AND-ed as integers
    pf = _pair_scanner()
    f = pf.flags(text) if pf is not None else _pair_flag_bytes(text, keys, vals)
    # Han characters: a pair of them is a pair inside a run of two or more (the runs
    # themselves are found only when a window is kept, one seed in thirty)
    hm = int.from_bytes(D.han_mask(text), "little")
    apart = int.from_bytes(f.translate(no_word), "little")  # no word
    loose = apart & hm & (hm >> 8)  # two Han characters that make no word
    head = int.from_bytes(f.translate(head_of), "little") & (loose >> 16) & (apart >> 24)
    tail = (int.from_bytes(f.translate(tail_of), "little") >> 16) & loose & (apart << 8)
    if not head and not tail:
        return []
    hb, tb = head.to_bytes(n, "little"), tail.to_bytes(n, "little")
    by_run: dict[tuple[int, int], list] = {}
    runs: list[tuple[int, int]] = []
    starts: list[int] = []
    # the windows flagged either way, found by a search in C over the OR of the masks'
    # bytes (some 50 of a 5 KB seed's 1,700 positions; or_ mapped over every byte pair
    # took as long as the look-ups below)
    for m in _NONZERO.finditer((head | tail).to_bytes(n, "little"), 0, n - 3):
        a = m.start()
        w = text[a:a + 4]
        for i in ((2, 3) if hb[a] else ()) + ((0, 1) if tb[a] else ()):
            ch = w[i]
            if ch in NUMERALS:
                continue
            ys = idx.get(w[:i] + "\0" + w[i + 1:])
            if not ys:
                continue
            alike = _alike_set(ch).intersection(ys)
            if not alike:
                continue
            if not _unknown(w) or not _unknown(w[:2] if i < 2 else w[2:]):
                continue
            if text.count(w) > 1:
                continue  # written so twice in one text: the writer's own term (集控中心)
            if not starts:
                runs = [(m.start(), m.end()) for m in _RUN.finditer(text)]
                starts = [r[0] for r in runs]
            run = runs[bisect_right(starts, a) - 1]
            if a + 4 > run[1]:
                continue
            by_run.setdefault(run, []).extend((a - run[0], a - run[0] + i, y)
                                              for y in alike)
    out: list[Confusion] = []
    freq = D.word_freq()
    for (s, e), cands in by_run.items():
        r = text[s:e]
        for a, p, y, g in _run_compounds(r, tuple(sorted(cands)), min_gain, names):
            wrong = r[a:a + 4]
            right = wrong[:p - a] + y + wrong[p - a + 1:]
            out.append(Confusion(s + a - 1, s + a + 3, wrong, right, s + p - 1, r[p], y,
                                 _alikes(r[p])[y], "lm-compound", g, freq.get(right, 0), 0))
    out.sort(key=lambda c: (c.start, c.end))
    return out


def _pair_scanner():
    """:func:`_pair_flags`'s table compiled (``flags(text)``, the kernel's ``PairFlags``),
    or None where the kernel is not available or was built before it: then
    :func:`_pair_flag_bytes`, with the same bytes."""
    def make(mod):
        if not hasattr(mod, "PairFlags"):
            return None
        if not hasattr(mod.PairFlags, "from_arrays"):  # (a kernel built before it)
            return mod.PairFlags(_pair_flag_dict())
        keys, vals = _pair_flags()[3:]
        return mod.PairFlags.from_arrays(keys.tobytes(), vals.tobytes())

    return D.kernel_object(("compound-pairs",), lambda: (_pair_flags(),), make)


_pair_scanner.cache_clear = D.kernel_object.cache_clear  # type: ignore[attr-defined]


def _pair_flag_bytes(text: str, keys: np.ndarray, vals: np.ndarray) -> bytes:
    """``bytes(flags.get(text[i:i + 2], 0) for i in range(len(text) - 1))`` of
    :func:`_pair_flags`'s ``flags``, looked up with numpy in their sorted ``keys`` (first
    code point << 21 | second) and ``vals``: a dict look-up of a new two-character string
    for each of a 5 KB seed's pairs took half the compound scan's time."""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    codes = codes.astype(np.uint64)
    pairs = (codes[:-1] << np.uint64(21)) | codes[1:]
    at = np.searchsorted(keys, pairs)
    np.minimum(at, len(keys) - 1, out=at)
    return np.where(keys[at] == pairs, vals[at], 0).astype(np.uint8).tobytes()


@functools.lru_cache(maxsize=None)
def _pair_flags() -> tuple[bytes, bytes, bytes, np.ndarray, np.ndarray]:
    """For :func:`find_compound_confusions`: the ``bytes.translate`` tables that take
    out "no word", "first two", "last two" of a flag byte (:func:`_pair_flag_dict`), and
    the pairs as sorted keys (first code point << 21 | second) with their flags
    (:func:`_pair_flag_bytes`, the kernel's ``PairFlags.from_arrays``), kept in the typo
    tables file (the dict is not: nothing reads it where they are kept)."""
    keys, vals = D._kept("lm_pair_keys", _build_pair_flags)
    return (bytes((b & 1) ^ 1 for b in range(256)),
            bytes((b >> 1) & 1 for b in range(256)), bytes((b >> 2) & 1 for b in range(256)),
            np.frombuffer(keys, dtype=np.uint64), np.frombuffer(vals, dtype=np.uint8))


@functools.lru_cache(maxsize=None)
def _pair_flag_dict() -> dict[str, int]:
    """{pair: flags} (bit 0: a jieba word of two characters; 1: the first two characters
    of a compound term; 2: its last two)."""
    _idx, heads, tails = compound_index()
    flags: dict[str, int] = {w: 1 for w in D.word_freq() if len(w) == 2}
    for w in heads:
        flags[w] = flags.get(w, 0) | 2
    for w in tails:
        flags[w] = flags.get(w, 0) | 4
    return flags


def _build_pair_flags() -> tuple[bytes, bytes]:
    """The pairs of :func:`_pair_flag_dict` sorted by their keys, and their flags: the
    bytes of a uint64 and a uint8 array."""
    flags = _pair_flag_dict()
    keys = np.fromiter(((ord(w[0]) << 21) | ord(w[1]) for w in flags), dtype=np.uint64,
                       count=len(flags))
    vals = np.fromiter(flags.values(), dtype=np.uint8, count=len(flags))
    order = np.argsort(keys, kind="stable")
    return keys[order].tobytes(), vals[order].tobytes()


@functools.lru_cache(maxsize=1 << 14)  # runs recur across seeds
def _run_compounds(r: str, cands: tuple[tuple[int, int, str], ...], min_gain: float,
                   names: bool) -> tuple[tuple[int, int, str, float], ...]:
    """(window start, changed offset, substitute, gain in nats) of the broken compound
    terms among ``cands`` ((window start, changed offset, substitute)) of the run ``r``:
    the best substitute per character, scored by the model over the whole run."""
    lm = model()
    base = lm.score(" ".join(D.segments(r)), bos=True, eos=True)
    best: dict[int, tuple] = {}
    for a, p, y in cands:
        g = (lm.score(" ".join(D.segments(r[:p] + y + r[p + 1:])), bos=True, eos=True)
             - base) * LN10
        if p not in best or g > best[p][3]:
            best[p] = (a, p, y, round(g, 2))
    out = []
    for a, p, y, g in best.values():
        if g < min_gain:
            continue
        if names and g < NAME_OVERRIDE and _compound_name_at(r, p, a, a + 4):
            continue
        out.append((a, p, y, g))
    kept: list[tuple] = []  # one finding per window: the likelier swap
    for c in sorted(out, key=lambda c: (-c[3], c[0])):
        if all(c[0] + 4 <= x[0] or x[0] + 4 <= c[0] for x in kept):
            kept.append(c)
    return tuple(sorted(kept))


def _compound_name_at(r: str, p: int, a: int, b: int) -> bool:
    """The name veto of a broken compound term ``r[a:b]``: :func:`typo_detect._name_at`,
    except that a name jieba's tagger guesses (its HMM: no dictionary word) for a pair
    inside the window is left to Baidu's LAC, which reads the context (法津 in 法津制裁 is
    the broken half of 法律制裁, not a place); without LAC the guess stands."""
    lo = max(0, p - 6)
    pos = lo
    for w, flag in D.pos_tags(r[lo:p + 7]):
        if pos <= p < pos + len(w):
            if (flag in D.NAME_TAGS and len(w) > 1 and a <= pos and pos + len(w) <= b
                    and w not in D.word_freq() and NER.available()):
                return NER.name_at(r, p, a, b)
            break
        pos += len(w)
    return _name_at(r, p, a, b)


# -- whole words of the same pinyin (eighteenth landing) ----------------------------------

WORD_GAIN = 12.0  # nats: the model's gain a whole-word homophone swap needs (detector
# ``lm-word``; docs/typos.md, eighteenth landing: the right ones of the test sets gained
# 12.1-15.9, the false ones of the news sets and transcripts at most 11.8)
WORD_FREQ = 50  # jieba frequency of a word a whole-word swap may make


@functools.lru_cache(maxsize=None)
def word_homophone_table() -> dict[str, str]:
    """Every two-character jieba word (any frequency, no numeral) → the words a pinyin
    input method offers beside it for the same keys (:func:`typo_data.word_reading`, tones left
    out): jieba words of two in-table characters, frequency >= ``WORD_FREQ``, no name
    tag, both characters other than the word's (肢解 → 直接; one character swapped is the
    other detectors' business), more frequent than the word (every right finding of the
    test sets replaces a word 5 to 3,000 times rarer; a rarer substitute would need the
    model to overturn the dictionary's odds, and scoring them was six in seven of the
    swaps scored), the most frequent first, at most ``TRIED``, joined by spaces. Built
    once and kept in the tables file."""
    def build() -> dict[str, str]:
        freq, tags, tab = D.word_freq(), D.word_tags(), D.table()
        by_reading: dict[str, list[tuple[int, str]]] = {}
        for w, f in freq.items():
            if (len(w) == 2 and f >= WORD_FREQ and tags.get(w) not in D.NAME_TAGS
                    and w[0] in tab and w[1] in tab):
                by_reading.setdefault(D.word_reading(w), []).append((-f, w))
        out: dict[str, str] = {}
        for w in sorted(freq):
            if len(w) != 2 or w[0] in NUMERALS or w[1] in NUMERALS:
                continue
            f = freq[w]
            ys = [y for g, y in sorted(by_reading.get(D.word_reading(w), ()))
                  if -g > f and y[0] != w[0] and y[1] != w[1]][:TRIED]
            if ys:
                out[w] = " ".join(ys)
        return out

    return D._kept(f"lm_word_homophones:{WORD_FREQ}:{TRIED}", build)


def word_homophones(word: str) -> tuple[str, ...]:
    """:func:`word_homophone_table`'s words for ``word`` (肢解 → 直接, 枝节)."""
    got = word_homophone_table().get(word)
    return tuple(got.split()) if got else ()


def _word_swaps(r: str, toks: tuple[str, ...], scores: list, min_gain: float,
                names: bool) -> list[tuple[int, int, int, str, str, float]]:
    """Two-character words of the run ``r`` (segmented as ``toks``, the model's
    ``full_scores`` of it ``scores``) that stand for another word of the same pinyin,
    tones aside, both characters different (可以肢解向法院起诉 → 直接; 人民发源 → 法院): the
    slip of a pinyin input method that offered both words for the same keys. The written
    word is a token (a dictionary word the input method could offer) with a word pair
    on one side the model has never seen, the substitute one of
    :func:`word_homophones`, and the model reads the clause at least ``min_gain`` nats
    likelier with it. Names are left alone (:func:`typo_detect._name_at` of either
    character), as are windows inside a longer word of the model's vocabulary. As
    :func:`_run_swaps`'s swaps (start, end, changed offset, substitute, kind, gain in
    nats), the substitute the whole word and the kind ``pinyin``."""
    score = model().score
    nt = len(toks)
    out = []
    pos = 0
    for j, t in enumerate(toks):
        a = pos
        pos += len(t)
        if len(t) != 2:
            continue
        # a word pair the model has never seen on either side (scores[j]: the pair that
        # ends at token j)
        lp, o, _oov = scores[j]
        if not (o < 2 and lp < SUSPECT):
            lp, o, _oov = scores[j + 1]
            if not (o < 2 and lp < SUSPECT):
                continue
        ys = word_homophones(t)
        if not ys:
            continue
        c0, c1 = max(0, j - CONTEXT), min(nt, j + 1 + CONTEXT)
        bos, eos = c0 == 0, c1 == nt
        left, right = list(toks[c0:j]), list(toks[j + 1:c1])
        base = score(" ".join(toks[c0:c1]), bos, eos)
        g, y = 0.0, ""
        for x in ys:  # the most frequent first: it wins a tie
            gx = score(" ".join(left + [x] + right), bos, eos) - base
            if not y or gx > g:
                g, y = gx, x
        g *= LN10
        if g < min_gain or inside_word(r, a, a + 2):
            continue
        if names and (_name_at(r, a, a, a + 2) or _name_at(r, a + 1, a, a + 2)):
            continue
        out.append((a, a + 2, a, y, "pinyin", round(g, 2)))
    return out
