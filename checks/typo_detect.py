"""The detectors behind ``checks/rules/typo.py``: pure functions of a text.

Kept apart from the check functions so the corpus index, the benchmark and the tests
call the very same code.
"""

from __future__ import annotations

import functools
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from itertools import compress, repeat
from math import log
from operator import add, is_, le, lt, not_, truth
from typing import Any, NamedTuple

import numpy as np

from . import typo_data as D
from . import typo_ner as NER

MAX_WORD = 4  # longest window (in characters) tried around a suspicious character


# -- known misspellings ------------------------------------------------------------------

@dataclass(frozen=True)
class Known:
    start: int
    end: int
    wrong: str
    right: str
    source: str


@functools.lru_cache(maxsize=32)
def _known_matcher(user: tuple[tuple[str, str], ...]):
    pairs: dict[str, tuple[str, str]] = {}
    for wrong, right, source in D.builtin_misspellings():
        pairs[wrong] = (right, source)
    for wrong, right in user:
        pairs[wrong] = (right, "configuration ([tool.seedcheck.checks.\"typo.known-misspelling\"] "
                               "pairs)")
    if not pairs:
        return None, pairs
    # longest first so that a longer wrong form wins over a shorter one inside it
    alts = sorted(pairs, key=lambda w: (-len(w), w))
    return re.compile("|".join(re.escape(w) for w in alts)), pairs


def find_known(text: str, user_pairs: dict[str, str] | None = None) -> list[Known]:
    user = tuple(sorted((user_pairs or {}).items()))
    rx, pairs = _known_matcher(user)
    if rx is None:
        return []
    out = []
    for m in rx.finditer(text):
        right, source = pairs[m.group()]
        out.append(Known(m.start(), m.end(), m.group(), right, source))
    return out


# -- look-alike characters ---------------------------------------------------------------

@dataclass(frozen=True)
class Lookalike:
    start: int  # the flagged window (a non-word)
    end: int
    wrong: str
    right: str
    pos: int  # offset of the suspicious character
    char: str
    repl: str
    kind: str  # "shape" or "sound"
    score: float  # shape score (0 for sound)
    rank: int  # 0 = the character's closest look-alike
    freq: int  # jieba frequency of the repaired word
    resegmented: bool  # jieba keeps the repaired word whole in its context
    strength: str  # "error" or "warning"


def run_bounds(text: str, i: int, reach: int = 8) -> tuple[int, int]:
    """The Han run around offset ``i`` (at most ``reach`` characters each side)."""
    lo = i
    while lo > 0 and i - lo < reach and D.is_han(text[lo - 1]):
        lo -= 1
    hi = i + 1
    while hi < len(text) and hi - i <= reach and D.is_han(text[hi]):
        hi += 1
    return lo, hi


def _windows(i: int, lo: int, hi: int):
    """(start, end) of every window of 2..MAX_WORD characters inside [lo, hi) that
    contains offset ``i``; longest first."""
    for size in range(MAX_WORD, 1, -1):
        for s in range(i - size + 1, i + 1):
            e = s + size
            if s >= lo and e <= hi:
                yield s, e


def resegmented(text: str, lo: int, hi: int, s: int, e: int, word: str) -> bool:
    """Does jieba keep ``word`` (replacing text[s:e]) whole in its context?"""
    left = text[max(lo, s - 4):s]
    right = text[e:min(hi, e + 4)]
    pos = 0
    a, b = len(left), len(left) + len(word)
    for tok in D.segments(left + word + right):
        t0, t1 = pos, pos + len(tok)
        pos = t1
        if t0 <= a and b <= t1:
            return True  # the repaired word is one token or inside one
        if t0 < a < t1 or t0 < b < t1:
            return False  # a token straddles the word's edge
    return True  # the word is a sequence of whole tokens


def is_traditional(ch: str) -> bool:
    return D.to_simplified(ch) != ch


def find_lookalikes(text: str, min_freq: int = 5, error_freq: int = 20,
                    error_score: float = 0.7, sound: bool = True,
                    sound_min_freq: int = 100) -> list[Lookalike]:
    """Out-of-table characters that, swapped for an in-table look-alike (or, failing
    that, a sound-alike), turn a non-word into a dictionary word."""
    out: list[Lookalike] = []
    freq = None
    for m in D.out_of_table(text):
        i = m.start()
        c = m.group()
        if is_traditional(c):
            continue  # typo.traditional-char's business
        if freq is None:
            freq = D.word_freq()
        lo, hi = run_bounds(text, i)
        wins = list(_windows(i, lo, hi))
        if not wins:
            continue
        if any(text[s:e] in freq for s, e in wins):
            continue  # the character is part of a dictionary word: used on purpose
        best = None
        for rank, (y, score) in enumerate(D.shape_neighbours().get(c, ())):
            for s, e in wins:
                w2 = text[s:i] + y + text[i + 1:e]
                f = freq.get(w2, 0)
                if f >= min_freq:
                    key = (score, e - s, f)
                    if best is None or key > best[0]:
                        best = (key, s, e, y, "shape", score, rank, f)
        if best is None and sound:
            for y in D.sound_neighbours(c):
                for s, e in wins:
                    w2 = text[s:i] + y + text[i + 1:e]
                    f = freq.get(w2, 0)
                    if f >= sound_min_freq:
                        key = (0.0, e - s, f)
                        if best is None or key > best[0]:
                            best = (key, s, e, y, "sound", 0.0, 0, f)
        if best is None:
            continue
        _, s, e, y, kind, score, rank, f = best
        right = text[s:i] + y + text[i + 1:e]
        reseg = resegmented(text, lo, hi, s, e, right)
        if kind == "shape" and score >= error_score and rank == 0 and f >= error_freq and reseg:
            strength = "error"
        elif reseg:
            strength = "warning"
        else:
            continue  # the repair does not even survive segmentation: too weak to say
        out.append(Lookalike(s, e, text[s:e], right, i, c, y, kind, score, rank, f, reseg,
                             strength))
    return out


def unexplained_out_of_table(text: str, reported: list[tuple[int, int]],
                             top: int = 3) -> list[tuple[int, int, str, str, str, float]]:
    """Corpus-index material: out-of-table, non-traditional characters that no file
    check explained, with their 2-character forms and shape-repaired forms:
    (start, end, form, repaired, look-alike, score)."""
    out = []
    for m in D.out_of_table(text):
        i = m.start()
        if any(a <= i < b for a, b in reported):
            continue
        c = m.group()
        if is_traditional(c):
            continue
        neigh = D.shape_neighbours().get(c, ())[:top]
        if not neigh:
            continue
        for s, e in ((i - 1, i + 1), (i, i + 2)):
            if s < 0 or e > len(text) or not all(D.is_han(ch) for ch in text[s:e]):
                continue
            for y, score in neigh:
                rep = text[s:i] + y + text[i + 1:e]
                out.append((s, e, text[s:e], rep, y, score))
    return out


# -- punctuation ---------------------------------------------------------------------------

BULLETS = "\u2022\u2027\u2219\u22c5\u30fb\uff65"  # • ‧ ∙ ⋅ ・ ･
BULLET_RUN = re.compile(f"[^\\W_](?:[{BULLETS}][^\\W_])+")
BULLET_ANY = re.compile(f"[{BULLETS}]")
KANA = re.compile("[\u3040-\u30ff]")

OPEN_CLOSE = {"“": "”", "《": "》", "（": "）", "(": ")", "【": "】", "「": "」",
              "『": "』", "〔": "〕", "〈": "〉"}
CANON = {"(": "（", ")": "）"}  # half- and full-width parentheses pair with each other
CLOSERS = {v: k for k, v in OPEN_CLOSE.items()}
PAIR_RE = re.compile("[“”《》（）()【】「」『』〔〕〈〉]")
ENUM_CLOSER = re.compile(r"(?:^|[\s，。；、：:;,（(])[0-9A-Za-z一二三四五六七八九十①-⑳]{1,3}$")


def unbalanced_marks(line: str, next_line: str = "") -> list[tuple[int, str]]:
    """Offsets (in ``line``) of paired marks without their mate in the same line."""
    stack: list[tuple[int, str]] = []
    bad: list[tuple[int, str]] = []
    for m in PAIR_RE.finditer(line):
        ch = m.group()
        k = CANON.get(ch, ch)
        if ch in OPEN_CLOSE:
            stack.append((m.start(), k))
            continue
        opener = CANON.get(CLOSERS[ch], CLOSERS[ch])
        # close the nearest matching opener; openers skipped over stay open
        for j in range(len(stack) - 1, -1, -1):
            if stack[j][1] == opener:
                del stack[j]
                break
        else:
            if ch in ")）" and ENUM_CLOSER.search(line[:m.start()]):
                continue  # "1）" / "(一)"-style enumerators close nothing
            bad.append((m.start(), ch))
    for pos, k in stack:
        if k == "“" and next_line.lstrip().startswith("“"):
            continue  # a quotation running over paragraphs re-opens on the next one
        bad.append((pos, line[pos]))
    return sorted(bad)


DOUBLED = re.compile("[，。、；：,;]{2,}")

WIDTH_PAIRS = {",": "，", ":": "：", ";": "；", "(": "（", ")": "）", "?": "？", "!": "！"}
FULL_TO_HALF = {v: k for k, v in WIDTH_PAIRS.items()}
WIDTH_RE = re.compile("[,:;()?!，：；（）？！]")
# a mark of WIDTH_RE next to a Han character (before or after it). The pattern opens on
# the mark, its look-behind reading the character before it, so that re skips in C to
# the next mark (opened by the look-behind, it was tried at every position: 57 us a 5 KB
# seed, 16 this way)
WIDTH_HAN_RE = re.compile(f"[,:;()?!，：；（）？！]"
                          f"(?:(?<=[{D.HAN_CLASS}].)|(?=[{D.HAN_CLASS}]))")


ENTITY_END = re.compile(r"&#?[0-9A-Za-z]{1,8}$")


def width_marks(text: str, lines, min_han: int = 8) -> list[tuple[int, str, str]]:
    """(offset, mark, half-width key) of punctuation marks next to a Han character, in
    prose lines (at least ``min_han`` Han characters); the ``;`` of an HTML entity
    (``&lt;``) is not punctuation."""
    out = []
    n = len(text)
    prose = D.han_at_least_re(min_han)
    for ln in lines:
        if not WIDTH_RE.search(ln.text) or not prose.match(ln.text):
            continue
        # (the marks with a Han character before or after them, found by the pattern:
        # its look-behind sees the text before the line, and one character past the
        # line's end is given to its look-ahead, as text[i + 1] was read)
        for m in WIDTH_HAN_RE.finditer(text, ln.start, min(n, ln.end + 1)):
            i = m.start()
            if i >= ln.end:
                break
            ch = m.group()
            if ch == ";" and ENTITY_END.search(text[max(0, i - 10):i]):
                continue
            out.append((i, ch, FULL_TO_HALF.get(ch, ch)))
    return out


def traditional_chars(text: str) -> list[tuple[int, str, str, str, str]]:
    """Traditional characters that, converted, make a dictionary word the original
    is not: (offset, char, simplified, original window, converted window)."""
    out = []
    freq = None
    for m in D.out_of_table(text):
        c = m.group()
        simp = D.to_simplified(c)
        if simp == c or len(simp) != 1:
            continue
        if freq is None:
            freq = D.word_freq()
        i = m.start()
        lo, hi = run_bounds(text, i)
        best = None
        for s, e in _windows(i, lo, hi):
            w = text[s:e]
            w2 = D.to_simplified(w)
            if len(w2) != len(w):
                w2 = text[s:i] + simp + text[i + 1:e]
            if w2 != w and w2 in freq:  # (jieba also lists traditional forms)
                if best is None or freq[w2] > best[0]:
                    best = (freq[w2], w, w2[i - s])
        if best is not None:
            out.append((i, c, best[2], best[1], ""))
    return out


# -- in-table sound-alikes (opt-in: slow, and weak evidence on its own) ----------------------

@dataclass(frozen=True)
class Unlikely:
    pos: int  # the suspicious character
    char: str
    repl: str
    gain: float  # log-probability gain of the best segmentation after the swap
    start: int  # the window that becomes a dictionary word
    end: int
    form: str
    repaired: str
    freq: int
    kind: str  # "sound" (same toned reading) or "shape" (an in-table look-alike)


@functools.lru_cache(maxsize=65536)
def _logprob(text: str) -> float:
    """The log-probability of ``text``'s best segmentation under jieba's unigram model:
    the sum over its tokens of log(frequency or 1) - log(total), added from the right as
    jieba's own route does (so the float is the same)."""
    freq, logtotal = D.route_weights()
    lp = 0.0
    for t in reversed(D.segments(text)):
        lp = (log(freq.get(t) or 1) - logtotal) + lp
    return lp


def find_unlikely_chars(text: str, threshold: float = 12.0,
                        min_freq: int = 100) -> list[Unlikely]:
    """In-table characters that jieba leaves as single-character tokens next to another
    single character, where a sound-alike (same toned reading) or an in-table look-alike
    (shape score >= 0.75) raises the unigram
    log-probability of the clause's best segmentation by at least ``threshold`` and
    makes a dictionary word of frequency >= ``min_freq``. About 12 s/MB: opt-in only."""
    freq = D.word_freq()
    out: list[Unlikely] = []
    for run in re.finditer(f"[{D.HAN_CLASS}]{{3,}}", text):
        r = run.group()
        toks = D.segments(r)
        starts = []
        pos = 0
        for t in toks:
            starts.append(pos)
            pos += len(t)
        base = None
        for k, t in enumerate(toks):
            if len(t) != 1:
                continue
            if not ((k > 0 and len(toks[k - 1]) == 1)
                    or (k + 1 < len(toks) and len(toks[k + 1]) == 1)):
                continue
            p = starts[k]
            best = None
            cands = {y: "sound" for y in D.sound_neighbours(t)}
            for y, _score in D.shape_neighbours().get(t, ()):
                cands.setdefault(y, "shape")
            for y, kind in cands.items():
                r2 = r[:p] + y + r[p + 1:]
                word = None
                for s, e in _windows(p, 0, len(r)):
                    f = freq.get(r2[s:e], 0)
                    if f >= min_freq and (word is None or f > word[0]):
                        word = (f, s, e)
                if word is None:
                    continue
                if base is None:
                    base = _logprob(r)
                gain = _logprob(r2) - base
                if best is None or gain > best[0]:
                    best = (gain, y, word, kind)
            if best is None or best[0] < threshold:
                continue
            gain, y, (f, s, e), kind = best
            o = run.start()
            out.append(Unlikely(o + p, t, y, round(gain, 2), o + s, o + e, r[s:e],
                                r[s:p] + y + r[p + 1:e], f, kind))
    return out


# -- in-table confusions: non-words, broken idioms, rare variants ---------------------------

@dataclass(frozen=True)
class Confusion:
    start: int  # the window that is flagged (the broken word)
    end: int
    wrong: str
    right: str
    pos: int  # offset of the changed character (the first one for a phrase pair)
    char: str
    repl: str
    kind: str  # "sound", "shape" or "phrase" (a pair of the phrase-confusion table)
    detector: str  # "non-word", "idiom", "variant" or "phrase"
    gain: float  # log-probability gain (nats) of the run's best segmentation after the fix
    freq: int  # jieba frequency of the right form (0 when only a phrase table knows it)
    wrong_freq: int  # jieba frequency of the wrong form (0: not a word)


_HAN_RUN1 = re.compile(f"[{D.HAN_CLASS}]+")
STANDALONE = 20000
NAME_REACH = 6  # characters of context each side for jieba's tagger
REACH = 12  # characters of context each side of a window for the segmentation gain
ONES = b"\x01" * 8
STANDALONE_EXTRA = 4.0
COMPOSITIONAL = 100  # jieba frequency of each word of a window read as a plain phrase
IDIOM_RATIO = 10.0  # a rare idiom variant: the right idiom at least this many times as frequent




def nonword_need(wrong: str, i: int, min_gain: float, repl: str = "",
                 both_gain: float | None = None) -> float:
    """The gain a non-word repair of ``wrong`` (changed character at ``i``) must reach.
    A changed character that is itself a frequent word (的, 在, 再: jieba frequency >=
    ``STANDALONE``) is a real-word confusion that a unigram model cannot judge: never
    enough. A window whose other character is such a word (从|市 → 从事, 镇|的 → 真的)
    may well be two right words side by side: ``STANDALONE_EXTRA`` more. A substitute that
    both sounds and looks like the character (辩/辨) needs only ``both_gain``."""
    freq = D.word_freq()
    if freq.get(wrong[i], 0) >= STANDALONE:
        return float("inf")
    if len(wrong) == 2 and freq.get(wrong[1 - i], 0) >= STANDALONE:
        return min_gain + STANDALONE_EXTRA
    if both_gain is not None and repl and D.sound_and_shape(wrong[i], repl):
        return min(min_gain, both_gain)  # sounds and looks alike: stronger evidence
    return min_gain


def _compositional(window: str) -> bool:
    """Is the window a phrase of frequent words (毫无|意义, 开站|活动)? Then it is one
    character away from an idiom (毫无疑义) by chance, not broken."""
    freq = D.word_freq()
    toks = D.segments(window)
    return len(toks) > 1 and all(len(t) > 1 and freq.get(t, 0) >= COMPOSITIONAL
                                 for t in toks)


def _loose_phrase(written: str, right: str, i: int) -> bool:
    """Is ``right`` a set phrase (jieba tag ``l``, not an idiom) of two frequent words
    (价格|上涨, 违反|常规, 摆在|前面: each half's jieba frequency >= ``COMPOSITIONAL``) and
    the half of ``written`` that holds the changed character (at ``i``) a dictionary word
    too (止涨, 厂规, 排在)? Then the text is another free combination of two words, not
    the set phrase broken: jieba lists such phrases (frequency 3), but nothing fixes them.
    Not when the changed character both sounds and looks like the right one (膨涨 for 膨胀
    in 通货膨涨, 涨/胀): the written half is then the classic slip, a rare dictionary
    variant of the right half, not a word of its own."""
    if len(right) != 4 or len(written) != 4 or D.word_tags().get(right) != "l":
        return False
    freq = D.word_freq()
    h = 0 if i < 2 else 2
    if not (freq.get(right[h:h + 2], 0) >= COMPOSITIONAL
            and freq.get(right[2 - h:4 - h], 0) >= COMPOSITIONAL
            and written[h:h + 2] in freq):
        return False
    return not D.sound_and_shape(written[i], right[i])


def _splits_a_word(r: str, s: int, e: int) -> bool:
    """Does the window [s, e) cut through a word of the run's own segmentation (驻|中东:
    repairing 驻中 to 之中 would take 中 away from 中东)? Then the text as it stands reads
    as words, and the repair is no evidence of a slip."""
    pos = 0
    for tok in D.segments(r):
        t0, t1 = pos, pos + len(tok)
        pos = t1
        if len(tok) > 1 and (t0 < s < t1 or t0 < e < t1):
            return True
        if t0 >= e:
            break
    return False


def _attested(written: str, right: str) -> bool:
    """Is the written form an accepted variant (引人瞩目 beside 引人注目, 风生水起 beside
    风声水起): a word of the reference language model's own vocabulary at least a quarter
    as likely as the fixed phrase it is one character from (:func:`checks.typo_lm.attested`;
    False without the model)?"""
    from . import typo_lm  # typo_lm imports this module

    return typo_lm.attested(written, right)


def _known_slip(written: str, right: str) -> bool:
    """Does the reference language model list the rare dictionary word ``written`` and
    find it at least four times rarer than ``right`` (:func:`checks.typo_lm.known_slip`;
    False without the model)?"""
    from . import typo_lm  # typo_lm imports this module

    return typo_lm.known_slip(written, right)


def _inside_model_word(r: str, a: int, b: int) -> bool:
    """Is the window ``r[a:b]`` part of a longer word (3-4 characters) of the reference
    language model's vocabulary (财付 in 财付通; :func:`checks.typo_lm.inside_word`; False
    without the model)?"""
    from . import typo_lm  # typo_lm imports this module

    return typo_lm.inside_word(r, a, b)


def _familiar(written: str) -> bool:
    """Is the written window a newer word that jieba's dictionary lacks and the reference
    language model knows well (单品, 戾气; :func:`checks.typo_lm.familiar`; False without
    the model)?"""
    from . import typo_lm  # typo_lm imports this module

    return typo_lm.familiar(written)


NEAR_IDIOM_FREQ = 10  # jieba frequency of a fixed phrase a near-homophone may repair


def _known_org(r: str, p: int, sub: str, a: int, b: int) -> bool:
    """Is the organisation ``r[a:b]`` (a name LAC reads around the character at ``p``) a
    known one misspelt: with ``sub`` in place of ``r[p]``, does it hold an organisation
    that jieba's dictionary lists (tag ``nt``, three characters or more) over ``p``, whose
    written form is no dictionary word? 人民检查院 is 人民检察院 (nt) with 察 typed as 查;
    a real organisation's own name is left alone (its written form is the name)."""
    tags = D.word_tags()
    fixed = r[a:p] + sub + r[p + 1:b]
    return any(tags.get(fixed[i - a:j - a]) == "nt" and r[i:j] not in tags
               for i in range(a, p + 1) for j in range(max(p + 1, i + 3), b + 1))


def _name_at(r: str, p: int, start: int | None = None, end: int | None = None,
             sub: str | None = None) -> bool:
    """Does jieba's tagger (with its HMM for unknown words) read the character at ``p`` of
    the run ``r`` as part of a person, place, organisation or other proper name, or does
    Baidu's LAC model (:mod:`checks.typo_ner`: names read from context, 尹蔚民 after 部长)
    read it inside a person, place or organisation name reaching beyond the flagged
    window ``r[start:end]``? With the substitute ``sub`` given, an organisation LAC reads
    that is a dictionary organisation misspelt (:func:`_known_org`) is no name."""
    lo = max(0, p - NAME_REACH)
    pos = lo
    for w, flag in D.pos_tags(r[lo:p + NAME_REACH + 1]):
        if pos <= p < pos + len(w):
            if flag in D.NAME_TAGS and len(w) > 1:
                if ((pos, pos + len(w)) == (start, end) and D.word_tags().get(w) == flag
                        and NER.available()):
                    # the flagged window is a word jieba's dictionary lists as a name:
                    # a tag without context (松驰, a name of frequency 17 there, is 松弛
                    # misspelt in 肌肉松驰); it stands when LAC, which reads the context,
                    # also reads a name here (芦山 in 芦山地震之后)
                    return any(a <= p < b for a, b, _t in NER.entities(r))
                return True
            break
        pos += len(w)
    if sub is None:
        return NER.name_at(r, p, start, end)
    return NER.name_at(r, p, start, end,
                       lambda a, b, t: t == "ORG" and _known_org(r, p, sub, a, b))


def _variant_ok(wrong: str, right: str, fw: int, f2: int, ratio: float) -> bool:
    """A rare dictionary word taken for a slip of a frequent one: an idiom or set phrase
    (4 or more characters, both tagged so by jieba) at least ``ratio`` times rarer; a
    shorter word only when the two characters are siblings on one phonetic component and
    sound alike (帐蓬/帐篷, 峻工/竣工, 松驰/松弛); a character containing the other (高达/高大,
    保户/保护) is no evidence."""
    tags = D.word_tags()
    if len(wrong) < 4 and f2 < ratio * max(fw, 1):
        return False
    if len(wrong) >= 4:
        return (f2 >= IDIOM_RATIO * max(fw, 1) and tags.get(wrong) in ("i", "l")
                and right in D.idioms())
    a, b = next((x, y) for x, y in zip(wrong, right) if x != y)
    if not D.siblings(a, b):
        return False
    same_sound = bool({D._toneless(r) for r in D.readings(a)}
                      & {D._toneless(r) for r in D.readings(b)})
    return same_sound


class MemoInfo(NamedTuple):  # functools.lru_cache's cache_info() fields
    hits: int
    misses: int
    maxsize: int
    currsize: int


class ClauseMemo:
    """A bounded memo of clause → result, least recently used out first, that can be
    asked without computing (``get`` gives None for a clause not seen). It answers the
    ``functools.lru_cache`` calls that :func:`checks.distributed.release_memory` makes
    (``cache_parameters``, ``cache_info``, ``cache_clear``). ``get_many`` and
    ``put_many`` take the parameters the results depend on: the memo holds the results
    of one set of parameters at a time (a process checks with one configuration; asked
    with others, it starts again), so its keys are the clauses themselves, whose hashes
    Python keeps (a key of clause and parameters was hashed anew at every look-up)."""

    def __init__(self, maxsize: int):
        self.maxsize = maxsize
        self.data: OrderedDict = OrderedDict()
        self.params: Any = None  # what the results held were computed with
        self.hits = self.misses = 0
        self.lock = threading.Lock()  # a Dask worker may run tasks in several threads

    def _for(self, params) -> None:
        if params != self.params:
            self.data.clear()
            self.params = params

    def get(self, key):
        with self.lock:
            got = self.data.get(key)
            if got is None:
                self.misses += 1
            else:
                self.hits += 1
                self.data.move_to_end(key)
            return got

    def get_many(self, keys: list, params: Any = None) -> list:
        """``[get(k) for k in keys]`` under one acquisition of the lock, for results
        computed with ``params``."""
        with self.lock:
            self._for(params)
            got = list(map(self.data.get, keys))
            if len(self.data) >= self.maxsize // 2:
                # recency is kept from half full on (evictions start at full; below
                # half, a hit clause keeps its place: ~40 % of the look-up's cost)
                for key, value in zip(keys, got):
                    if value is not None:
                        self.data.move_to_end(key)
            hits = len(got) - got.count(None)
            self.hits += hits
            self.misses += len(got) - hits
            return got

    def put(self, key, value) -> None:
        with self.lock:
            self.data[key] = value
            while len(self.data) > self.maxsize:
                self.data.popitem(last=False)

    def put_many(self, items: list, params: Any = None) -> None:
        """``put(k, v)`` for each (k, v) of ``items`` in order, under one acquisition of
        the lock; the values were computed with ``params``."""
        with self.lock:
            self._for(params)
            for key, value in items:
                self.data[key] = value
                if len(self.data) > self.maxsize:
                    self.data.popitem(last=False)

    def cache_parameters(self) -> dict:
        return {"maxsize": self.maxsize, "typed": False}

    def cache_info(self) -> MemoInfo:
        return MemoInfo(self.hits, self.misses, self.maxsize, len(self.data))

    def cache_clear(self) -> None:
        with self.lock:
            self.data.clear()
            self.hits = self.misses = 0


# Clauses are cut at characters no dictionary word, phrase pair or idiom holds (CJK and
# ASCII punctuation, white space): every window find_confusions looks at lies inside one
# clause, so a clause's confusions do not depend on the rest of the text. 々〆〇 stay.
_CLAUSE_SEP = re.compile("[\\s\u3000-\u3004\u3008-\u303f\uff01-\uff0f\uff1a-\uff20"
                         "\uff3b-\uff40\uff5b-\uff65,.;:!?()\\[\\]{}\"'<>/|~`^*=_-]+")
_CLAUSES = ClauseMemo(1 << 18)  # boilerplate recurs: a 25,000-seed share holds ~215,000 clauses


def find_confusions(text: str, min_freq: int = 50, min_gain: float = 11.0,
                    idiom_gain: float = 5.0, variant_max: int = 20,
                    variant_ratio: float = 20.0, cover_min: int = 3,
                    names: bool = True, variants: bool = True, both_gain: float | None = 9.0
                    ) -> list[Confusion]:
    """In-table characters that break a word: a window of 2-4 characters that is no
    dictionary word (or a rare one) where putting a sound-alike or look-alike character
    in place makes a frequent word (frequency >= ``min_freq``; for a rare word,
    ``variant_ratio`` times its own) and raises the log-probability of the clause's best
    segmentation (jieba's unigram model) by at least ``min_gain`` nats; and the pairs of
    the phrase-confusion table. Characters jieba's tagger reads as part of a name are left
    alone (``names``). Each clause's verdict is memoised (boilerplate repeated across seeds
    costs one look-up); the clauses not seen before are scanned together, their windows
    built and looked up in C loops (``map``), so only the few characters no word covers
    cost Python work."""
    if len(text) < 2 or not D.HAN_RE.search(text):
        return []
    params = (min_freq, min_gain, idiom_gain, variant_max, variant_ratio, cover_min, names,
              variants, both_gain)
    out: list[Confusion] = []
    todo: list[tuple[int, str]] = []  # (offset in text, clause) not memoised
    spans: list[tuple[int, str]] = []  # (offset in text, clause) of every clause
    pos = 0
    for m in _CLAUSE_SEP.finditer(text + " "):
        if m.start() - pos >= 2:
            spans.append((pos, text[pos:m.start()]))
        pos = m.end()
    for (pos, clause), got in zip(spans, _CLAUSES.get_many([c for _p, c in spans], params)):
        if got is None:
            todo.append((pos, clause))
        elif got:
            out += [_shifted(c, pos) for c in got]
    if todo:
        joined = "\n".join(c for _, c in todo)
        found = _confusions_in(joined, *params)
        k = 0  # found is sorted by start: hand each clause its own
        at = 0  # the clause's offset in joined
        learnt = []
        for off, clause in todo:
            mine = []
            while k < len(found) and found[k].start < at + len(clause):
                mine.append(_shifted(found[k], -at))
                k += 1
            learnt.append((clause, tuple(mine)))
            out += [_shifted(c, off) for c in mine]
            at += len(clause) + 1
        _CLAUSES.put_many(learnt, params)
    out.sort(key=lambda c: (c.start, c.end))
    return out


def _shifted(c: Confusion, by: int) -> Confusion:
    return replace(c, start=c.start + by, end=c.end + by, pos=c.pos + by) if by else c


def lexicon_scanner(cover_min: int, variant_max: int):
    """The compiled windows of :func:`_confusions_in` (``windows(text, variants)``, its
    tables built once from :func:`typo_data.lexicon`, the jieba dictionary, the idiom
    index, the character table and the phrase table's starts, made again when one of them
    is; or restored from its state in the typo tables file: typo_data.kept_kernel), or
    None where the kernel is not available (:func:`typo_data.kernel_module`) or was built
    before ``windows``: then :func:`_text_windows`."""
    name = f"kernel:lexicon:{cover_min}:{variant_max}"  # (its state in the tables file)
    return D.kernel_object(
        ("lexicon", cover_min, variant_max),
        lambda: D.kernel_inputs(name, lambda: (D.lexicon(cover_min), D.word_freq(),
                                               D.word_tags(), D.idiom_index(), D.table(),
                                               D.phrase_starts())),
        lambda mod: D.kept_kernel(
            name, lambda: mod.Lexicon(D.lexicon(cover_min), cover_min, variant_max,
                                      D.word_freq(), D.word_tags(), D.idiom_index(), D.table(),
                                      D.phrase_starts(), D.HAN_RANGES),
            getattr(mod.Lexicon, "restore", None))
        if hasattr(mod.Lexicon, "windows") else None)


lexicon_scanner.cache_clear = D.kernel_object.cache_clear  # type: ignore[attr-defined]


def _lexicon_windows(text: str, w2: list[str], cover_min: int, variant_max: int
                     ) -> tuple[dict[int, list[int]], bytes, bytes]:
    """The pure-Python lexicon windows: {size: the lexicon's frequency of each window of
    ``size`` characters (0: none)} for 2-4, and a byte a character: ``covered`` (inside a
    word of frequency >= ``cover_min``), ``strong`` (inside one of frequency >
    ``variant_max``): the masks OR-ed as integers shifted by whole bytes."""
    n = len(text)
    get = D.lexicon(cover_min).get
    w3 = list(map(add, w2, text[2:]))
    w4 = list(map(add, w3, text[3:]))
    lex: dict[int, list] = {}  # size → the lexicon's frequency of each window (0: none)
    cov = stro = 0
    zeros, cmin, vmax = repeat(0), repeat(cover_min), repeat(variant_max)
    for size, ws in ((2, w2), (3, w3), (4, w4)):
        fs = lex[size] = list(map(get, ws, zeros))
        m = int.from_bytes(bytes(map(le, cmin, fs)), "little")
        if not cover_min > 0:  # a word the lexicon lists with frequency 0 covers nothing
            m &= int.from_bytes(bytes(map(truth, fs)), "little")
        v = m & int.from_bytes(bytes(map(lt, vmax, fs)), "little")
        for j in range(size):
            cov |= m << (8 * j)
            stro |= v << (8 * j)
    return lex, cov.to_bytes(n, "little"), stro.to_bytes(n, "little")


def _text_windows(text: str, cover_min: int, variant_max: int, variants: bool
                  ) -> tuple[bytes, bytes, bytes, list[int], list[tuple[int, int, int]],
                             list[tuple[int, int, str]]]:
    """The pure-Python windows :func:`_confusions_in` looks at: a byte a character,
    ``covered`` and ``strong`` (:func:`_lexicon_windows`) and ``han`` (a Han character);
    ``starts``, where the first two characters of a wrong form of the phrase table are;
    ``rare``, (s, e, f) for each window that is a rare jieba word of frequency f (2, 3 and
    4 characters, or 4 only without ``variants``: idioms always); ``idioms``, (s, i,
    fills) for each window of four characters that may be a broken idiom with its
    character i wrong (the idiom index fills it blanked)."""
    n = len(text)
    freq = D.word_freq()
    tags = D.word_tags()
    tab = D.table()
    iidx, istart, iend = D.idiom_index()
    pstart = D.phrase_starts()
    w2 = list(map(add, text, text[1:]))
    lex, covered, strong = _lexicon_windows(text, w2, cover_min, variant_max)
    han = D.han_mask(text)
    starts = list(compress(range(n - 1), map(pstart.__contains__, w2)))
    rare: list[tuple[int, int, int]] = []
    for size in (2, 3, 4) if variants else (4,):
        # a rare jieba word has its own frequency in the lexicon (a phrase only pypinyin
        # lists counts as ``cover_min`` there, and is no jieba word): one look-up a window
        fs = lex[size]
        for k in compress(range(len(fs)), fs):
            f = fs[k]
            if (cover_min <= f <= variant_max and freq.get(w := text[k:k + size]) == f
                    and (size < 4 or tags.get(w) in ("i", "l"))):
                rare.append((k, k + size, f))
    # broken idioms whose wrong character makes a word with a neighbour (通货膨涨: 膨涨
    # is a rare word, so 涨 is covered): every idiom with one character changed keeps its
    # first two or its last two characters
    # (so a change of character 0 or 1 keeps an idiom's last two, of 2 or 3 its first two)
    heads = set(compress(range(n - 3), map(istart.__contains__, w2)))
    tails = set(compress(range(n - 3), map(iend.__contains__, w2[2:])))
    f4 = lex[4]
    idioms: list[tuple[int, int, str]] = []
    for s in sorted(heads | tails):
        if strong[s:s + 4] == ONES[:4]:
            continue  # four characters of frequent words: not a broken idiom
        if f4[s]:
            continue  # a word (or a rare variant: among the rare windows)
        w = text[s:s + 4]
        for i in (((0, 1, 2, 3) if s in tails else (2, 3)) if s in heads else (0, 1)):
            ys = iidx.get(w[:i] + "\0" + w[i + 1:])
            if ys and w[i] in tab:
                idioms.append((s, i, ys))
    return covered, strong, bytes(han), starts, rare, idioms


def spot_scanner(min_freq: int):
    """The compiled search of :func:`_spot_windows` and :func:`_spot_fills`
    (``spots(text, covered, han)``, ``fills(text, covered, han)``), its tables built once
    from :func:`typo_data.pattern_index` and :func:`typo_data.table` (each character's
    :func:`typo_data.confusables` asked once), made again when either is, or None where the
    kernel is not available (:func:`typo_data.kernel_module`) or was built before
    ``fills``."""
    return D.kernel_object(
        ("spotter", min_freq), lambda: (D.pattern_index(min_freq), D.table(), D.confusables),
        lambda mod: mod.Spotter(D.pattern_index(min_freq), D.table(), REACH + MAX_WORD,
                                D.confusables)
        if hasattr(getattr(mod, "Spotter", None), "fills") else None)


spot_scanner.cache_clear = D.kernel_object.cache_clear  # type: ignore[attr-defined]


def _spot_windows(text: str, covered: bytes, han: bytes | bytearray, idx: dict[str, str],
                  local_bounds) -> list[tuple[int, int, int, str]]:
    """The pure-Python search for the characters no word covers (``covered``: a byte a
    character) that are in the table (not Han, or typo.lookalike-char's and
    typo.traditional-char's, otherwise) and have a Han character (``han``) no word
    covers beside them (else: a single-character word between words, no broken word
    here): for each, every window of 4, 3, 2 characters around it inside
    ``local_bounds(p)`` whose pattern (``p`` blanked) the pattern index ``idx`` fills,
    as (p, s, e, fills)."""
    n = len(text)
    tab = D.table()
    uncov = int.from_bytes(bytes(map(not_, covered)), "little")
    loose = uncov & int.from_bytes(han, "little")
    spots = (uncov & int.from_bytes(bytes(map(tab.__contains__, text)), "little")
             & ((loose << 8) | (loose >> 8)))
    out = []
    for p in compress(range(n), spots.to_bytes(n + 1, "little")):
        lo, hi = local_bounds(p)
        for size in (4, 3, 2):
            for s in range(max(lo, p - size + 1), min(p, hi - size) + 1):
                e = s + size
                ys = idx.get(text[s:p] + "\0" + text[p + 1:e])
                if ys:
                    out.append((p, s, e, ys))
    return out


def _spot_fills(text: str, hits: list[tuple[int, int, int, str]]
                ) -> list[tuple[int, int, int, str, str]]:
    """The repairs the windows of :func:`_spot_windows` offer: (p, s, e, y, kind) for each
    fill ``y`` of a window, in the order of its fills, that is among the confusables of
    ``text[p]`` (``kind``: ``typo_data.confusables(text[p])[y]``). Most windows have none:
    the compiled ``Spotter.fills`` drops them without a Python loop."""
    out = []
    ch = conf = None
    for p, s, e, ys in hits:
        if text[p] != ch:
            ch = text[p]
            conf = D.confusables(ch)
        out += [(p, s, e, y, conf[y]) for y in filter(conf.__contains__, ys)]
    return out


_VARIANT_MEMO_SIZE = 1 << 16  # words (of 223,000 rare jieba words, 1,000 seeds meet 7,200)
_VARIANT_MEMOS: dict[tuple, tuple[tuple, dict[str, tuple]]] = {}


def _variant_memo(min_freq: int, variant_ratio: float) -> dict[str, tuple]:
    """The memo of :func:`_variant_repairs` for these parameters: kept while the tables
    the repairs are read from are the same objects (a table built again, or a helper
    replaced in a test, starts an empty one), emptied when it holds
    ``_VARIANT_MEMO_SIZE`` words."""
    now = (D.pattern_index(min_freq), D.word_freq(), D.word_tags(), D.table(), D.idioms(),
           D.confusables, D.siblings, D.readings)
    got = _VARIANT_MEMOS.get((min_freq, variant_ratio))
    if got is None or not all(map(is_, got[0], now)):
        got = _VARIANT_MEMOS[(min_freq, variant_ratio)] = (now, {})
    elif len(got[1]) >= _VARIANT_MEMO_SIZE:
        got[1].clear()
    return got[1]


_variant_memo.cache_clear = _VARIANT_MEMOS.clear  # type: ignore[attr-defined]  # (tests)


def _variant_repairs(w: str, f: int, min_freq: int, variant_ratio: float
                     ) -> tuple[tuple[int, str, str, int], ...]:
    """The repairs of the rare word ``w`` (frequency ``f``) that :func:`_variant_ok` takes
    it for a slip of: (i, y, kind, f2) for the frequent word ``w`` with character ``i``
    made ``y``, of frequency ``f2``. They depend on the word alone (its frequency is
    jieba's), not on its context: :func:`_confusions_in` asks each word once
    (:func:`_variant_memo`)."""
    tab = D.table()
    if not all(map(tab.__contains__, w)):
        return ()
    idx = D.pattern_index(min_freq)
    freq = D.word_freq()
    out = []
    for i in range(len(w)):
        ys = idx.get(w[:i] + "\0" + w[i + 1:])
        if not ys:
            continue
        conf = D.confusables(w[i])
        for y in filter(conf.__contains__, ys):
            wr = w[:i] + y + w[i + 1:]
            f2 = freq[wr]
            if _variant_ok(w, wr, f, f2, variant_ratio):
                out.append((i, y, conf[y], f2))
    return tuple(out)


def _confusions_in(text: str, min_freq: int, min_gain: float, idiom_gain: float,
                   variant_max: int, variant_ratio: float, cover_min: int, names: bool,
                   variants: bool, both_gain: float | None) -> list[Confusion]:
    """:func:`find_confusions` on ``text`` at once, without the memo."""
    n = len(text)
    if n < 2 or not D.HAN_RE.search(text):
        return []
    freq = D.word_freq()
    idioms = D.idioms()
    phrases = D.phrase_confusions()
    found: list[Confusion] = []
    # the windows to look at (:func:`_text_windows`; one compiled pass where the kernel
    # is built): characters inside a dictionary word of 2-4 characters (frequency >=
    # cover_min), and inside one that is no rare variant (``strong``: no broken idiom
    # there); the rare words; the windows of broken idioms maybe; the phrase pairs' starts
    scan = lexicon_scanner(cover_min, variant_max)
    if scan is not None:
        covered, strong, han, starts, rare, idiom_windows = scan.windows(text, variants)
    else:
        covered, strong, han, starts, rare, idiom_windows = _text_windows(
            text, cover_min, variant_max, variants)
    # pairs of the phrase-confusion table (their wrong forms are Han only)
    for s in starts:
        for e in range(s + 2, min(n, s + 8) + 1):
            w = text[s:e]
            if w in phrases:
                right = phrases[w]
                if _attested(w, right):
                    continue
                i = next(k for k in range(len(w)) if w[k] != right[k])
                found.append(Confusion(s, e, w, right, s + i, w[i], right[i], "phrase",
                                       "phrase", 0.0, freq.get(right, 0), freq.get(w, 0)))
    cands: dict[int, list] = {}
    reach = REACH + MAX_WORD

    def run_of(i: int) -> tuple[int, int]:
        """The run of Han characters around ``i`` (a character of the table: Han)."""
        b = han.find(0, i)
        return han.rfind(0, 0, i) + 1, (n if b < 0 else b)

    def local_bounds(i: int) -> tuple[int, int]:
        """The run of Han characters around ``i``, at most ``reach`` each side."""
        a, b = run_of(i)
        return max(a, i - reach), min(b, i + reach + 1)

    # the characters no word covers that are in the table and have a Han character no
    # word covers beside them, the windows around them that the pattern index fills, and
    # the fills that are confusables of the character (:func:`_spot_windows`,
    # :func:`_spot_fills`; compiled where the kernel is built)
    spotter = spot_scanner(min_freq)
    if spotter is not None:
        repairs = spotter.fills(text, covered, han)
    else:
        repairs = _spot_fills(text, _spot_windows(text, covered, han,
                                                  D.pattern_index(min_freq), local_bounds))
    for p, s, e, y, kind in repairs:
        wr = text[s:p] + y + text[p + 1:e]
        if kind in D.NEAR_KINDS and (wr not in idioms or freq[wr] < NEAR_IDIOM_FREQ):
            # near-homophones (nasal, retroflex): for fixed phrases only here, and not the
            # rarest (以尺为准 is no broken 以此为准, jieba frequency 3)
            continue
        cands.setdefault(p, []).append((freq[wr], s, e, y, kind, 0))
    # rare dictionary words: idioms always, shorter words with ``variants``; a word's
    # repairs do not depend on its context (:func:`_variant_repairs`, asked once a word)
    memo = _variant_memo(min_freq, variant_ratio)
    for s, e, f in rare:
        w = text[s:e]
        got = memo.get(w)
        if got is None:
            got = memo[w] = _variant_repairs(w, f, min_freq, variant_ratio)
        for i, y, kind, f2 in got:
            cands.setdefault(s + i, []).append((f2, s, e, y, kind, f))
    # broken idioms whose wrong character makes a word with a neighbour (see _text_windows)
    for s, i, ys in idiom_windows:
        conf = D.confusables(text[s + i])
        for y in filter(conf.__contains__, ys):
            wr = text[s:s + i] + y + text[s + i + 1:s + 4]
            if conf[y] in D.NEAR_KINDS and freq.get(wr, 0) < NEAR_IDIOM_FREQ:
                continue  # a near-homophone repairs only fixed phrases in use
            cands.setdefault(s + i, []).append((freq.get(wr, 0), s, s + 4, y, conf[y], 0))
    base: dict[tuple[int, int], float] = {}
    for p in sorted(cands):
        lo, hi = local_bounds(p)
        best = None
        # the three most frequent repairs are scored (the rest rarely win)
        for f2, s, e, y, kind, fw in sorted(cands[p], reverse=True)[:3]:
            a, b = max(lo, s - REACH), min(hi, e + REACH)
            if (a, b) not in base:
                base[(a, b)] = _logprob(text[a:b])
            gain = _logprob(text[a:p] + y + text[p + 1:b]) - base[(a, b)]
            if best is None or gain > best[0]:
                best = (gain, f2, s, e, y, kind, fw)
        gain, f2, s, e, y, kind, fw = best
        right = text[s:p] + y + text[p + 1:e]
        if len(right) >= 4 and right in idioms:
            det, need = "idiom", (0.0 if fw else idiom_gain)
        elif fw:
            det, need = "variant", 0.0
        else:
            det, need = "non-word", nonword_need(text[s:e], p - s, min_gain, y, both_gain)
        if gain < need or gain <= 0:
            continue
        if det == "non-word" and _splits_a_word(text[lo:hi], s - lo, e - lo):
            continue
        if det == "non-word" and _familiar(text[s:e]):
            continue
        if det == "non-word" and _inside_model_word(text[lo:hi], s - lo, e - lo):
            continue
        if det == "idiom" and not fw and _compositional(text[s:e]):
            continue
        if det == "idiom" and not fw and _loose_phrase(text[s:e], right, p - s):
            continue
        if det == "idiom" and _attested(text[s:e], right):
            continue
        if (det == "idiom" and kind == "sound" and not D.typed_for(text[p], y)
                and not D.looks_alike(text[p], y)):
            continue  # shares only a rare reading of the idiom's character (也/迭)
        if det == "variant" and not _known_slip(text[s:e], right):
            continue
        ra, rb = run_of(p)
        if names and _name_at(text[ra:rb], p - ra, s - ra, e - ra, y):
            continue
        found.append(Confusion(s, e, text[s:e], right, p, text[p], y, kind, det,
                               round(gain, 2), f2, fw))
    # one finding per character and per span: the phrase pair, then the longest window
    out: list[Confusion] = []
    seen: set[int] = set()
    for c in sorted(found, key=lambda c: (c.detector != "phrase", -(c.end - c.start),
                                          -c.gain, c.start)):
        if c.pos in seen or any(c.start < x.end and x.start < c.end for x in out):
            continue
        seen.add(c.pos)
        out.append(c)
    return sorted(out, key=lambda c: (c.start, c.end))


# -- twin words in context (the corpus decides) ---------------------------------------------

TWIN_PAD = "\x01"  # the edge of a run of Han characters (punctuation, a digit, a line end)


def twin_scanner():
    """The compiled pair table of the twin words (``flags(text)``: a byte a pair of
    neighbours, 1 where they are a twin word), or None where the kernel is not available
    (:func:`typo_data.kernel_module`) or was built before it: then the Python loop."""
    return D.kernel_object(
        ("twins",), lambda: (D.twins(),),
        lambda mod: mod.PairFlags(dict.fromkeys(D.twins(), 1))
        if hasattr(mod, "PairFlags") else None)


twin_scanner.cache_clear = D.kernel_object.cache_clear  # type: ignore[attr-defined]


def twin_contexts(text: str) -> tuple[list[int], str]:
    """Every occurrence of a twin word (:func:`checks.typo_data.twins`: 权利, whose twin
    权力 is one sound-alike character away) with the two Han characters each side:
    (offsets, records), a record being 6 characters, ``left2 + word + right2``, where the
    run of Han characters ends the context is padded with ``TWIN_PAD`` (so "at the start of
    a clause" is a context too). The corpus check compares how often each context holds
    the word and its twin."""
    scan = twin_scanner()
    if scan is None:
        return _twin_contexts_py(text)
    # official prose holds a twin word about every ninth character (发展, 建设): the places
    # come from the compiled pair table, the records are windows of the text with every
    # character outside the Han runs (and the text's edges) read as TWIN_PAD. Some 200
    # places a 5 KB seed: the text is an array of code points, and the records are
    # gathered and cut at their runs' edges as arrays, not as 200 slices and tests in
    # Python after a regex substitution of every character outside the runs
    at = np.flatnonzero(np.frombuffer(scan.flags(text), dtype=np.uint8))
    if not len(at):
        return [], ""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    han = np.frombuffer(D.han_mask(text), dtype=np.uint8).astype(bool)
    pad = ord(TWIN_PAD)
    padded = np.full(len(codes) + 4, pad, dtype=np.uint32)
    padded[2:-2] = np.where(han, codes, pad)
    recs = padded[at[:, None] + np.arange(6)]  # (padded is shifted by 2: i - 2 .. i + 4)
    # a context stops at the edge of its run: past a pad beside the word, a character of
    # the run before or after is no context either (twin words are Han, typo_twins.tsv)
    recs[recs[:, 1] == pad, 0] = pad
    recs[recs[:, 4] == pad, 5] = pad
    return at.tolist(), recs.tobytes().decode("utf-32-le")


def _twin_contexts_py(text: str) -> tuple[list[int], str]:
    """:func:`twin_contexts` without the kernel: the runs of Han characters read a pair
    at a time (the reference the compiled path is tested against)."""
    tw = D.twins()
    offsets: list[int] = []
    recs: list[str] = []
    for m in _HAN_RUN1.finditer(text):
        r = m.group()
        n = len(r)
        for i in range(n - 1):
            w = r[i:i + 2]
            if w in tw:
                left = r[max(0, i - 2):i].rjust(2, TWIN_PAD)
                right = r[i + 2:i + 4].ljust(2, TWIN_PAD)
                offsets.append(m.start() + i)
                recs.append(left + w + right)
    return offsets, "".join(recs)
