"""The detectors behind ``checks/rules/typo.py``: pure functions of a text.

Kept apart from the check functions so the corpus index, the benchmark and the tests
call the very same code.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from . import typo_data as D

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
        for m in WIDTH_RE.finditer(text, ln.start, ln.end):
            i = m.start()
            ch = m.group()
            prev = text[i - 1] if i > 0 else ""
            nxt = text[i + 1] if i + 1 < n else ""
            if not ((prev and D.is_han(prev)) or (nxt and D.is_han(nxt))):
                continue
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


def _logprob(text: str) -> float:
    dt = D.segmenter()
    route: dict = {}
    dt.calc(text, dt.get_DAG(text), route)
    return route[0][0]


def find_unlikely_chars(text: str, threshold: float = 12.0,
                        min_freq: int = 100) -> list[Unlikely]:
    """In-table characters that jieba leaves as single-character tokens next to another
    single character, where a sound-alike (same toned reading) or an in-table look-alike
    (shape score >= 0.75) raises the unigram
    log-probability of the clause's best segmentation by at least ``threshold`` and
    makes a dictionary word of frequency >= ``min_freq``. About 12 s/MB: opt-in only."""
    freq = D.word_freq()
    dt = D.segmenter()
    out: list[Unlikely] = []
    for run in re.finditer(f"[{D.HAN_CLASS}]{{3,}}", text):
        r = run.group()
        toks = dt.lcut(r, HMM=False)
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
