"""Aligning statements that say the same thing, so their figures can be compared.

A *statement* is a sentence (split at 。！？； line breaks and HTML paragraph tags) that
holds at least one figure. Its *key* is its text with every figure replaced by one mask
character and list markers, markup, blanks and quotes removed, so ``2017年，确保完成308个
贫困村退出`` and ``2017年,确保完成三百零八个贫困村退出`` have the same key. Its *context* is the
tuple of numbers that place it rather than measure (years, dates, 第N, codes): two
statements with different contexts (2021年 vs 2022年) are about different things and are
never compared.

Two statements are *aligned* when their contexts are equal, they hold the same number of
figures with the same units, their keys are at least ``min_similarity`` percent alike
(rapidfuzz ``ratio``) and no word of one is *replaced* by another word in the other
(河北/河南, 上半年/下半年, 出口/进口: a substitution means a different referent; an
inserted or deleted word is a paraphrase).

Candidates are found with MinHash buckets over character 3-grams of the key, never by
comparing all pairs: each statement falls into ``BANDS`` buckets and only statements
sharing a bucket are compared.

Everything here is independent of the check registry so that other code (and the
corpus index) can use it; :class:`Statement` is a plain, picklable tuple.
"""

from __future__ import annotations

import re
import zlib
from functools import lru_cache
from decimal import Decimal
from typing import Iterable, NamedTuple

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from .numbers import FULLWIDTH, Quantity, format_value, scan

MASK = "◎"
MIN_KEY_CHARS = 8  # non-mask characters a key needs to be worth aligning
SHORT_KEY_CHARS = 14  # below this, the sentences before must match as well
SHORT_CLAUSE_CHARS = 14  # the same for a clause aligned with a whole sentence
BANDS = 8
ROWS = 2
_PRIME = np.uint64((1 << 31) - 1)  # a*h+b stays below 2**64 for 32-bit a, h, b
_A = np.array([(0x9E3779B1 * (i + 1)) % ((1 << 31) - 1) or 1 for i in range(BANDS * ROWS)],
              dtype=np.uint64)
_B = np.array([(0x632BE59B * (i + 7)) % ((1 << 31) - 1) for i in range(BANDS * ROWS)],
              dtype=np.uint64)

_SPLIT = re.compile(r"[。！？!?；;]+[”’\"」』）)]*|\n|<br\s*/?>|</?p\b[^>]*>|&nbsp;")
_MARKUP = re.compile(r"<[^>]{0,200}>|&[a-z]{2,6};|&#\d{1,6};")
_DROP = set(" \t\u3000\r\n“”\"'‘’「」『』《》〈〉【】[]()（）*#>•·-_~|")
# FULLWIDTH, then drop _DROP and NUL, in one pass
_KEY_TABLE = {ord(c): None for c in _DROP | {"\x00"}}
_KEY_TABLE.update({src: (None if chr(dst) in _DROP else dst) for src, dst in FULLWIDTH.items()})
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaffA-Za-z0-9]")


class Fig(NamedTuple):
    """A figure of a statement, in a compact picklable form."""

    start: int
    end: int
    text: str
    value: str  # Decimal as string
    high: str  # "" when not a range
    unit: str
    approx: str
    percent: bool

    @classmethod
    def of(cls, q: Quantity) -> "Fig":
        return cls(q.start, q.end, q.text, str(q.value),
                   "" if q.high is None else str(q.high), q.unit, q.approx, q.percent)

    def quantity(self) -> Quantity:
        return Quantity(self.start, self.end, self.text, Decimal(self.value),
                        Decimal(self.high) if self.high else None, self.unit, self.approx,
                        self.percent)

    def shown(self) -> str:
        return self.text.strip()

    def sig(self) -> tuple:
        return (self.value, self.high, self.unit, self.percent)


class Statement(NamedTuple):
    start: int
    end: int
    key: str
    context: tuple[str, ...]
    figs: tuple[Fig, ...]
    prev: str = ""  # key of the sentence before (short statements need it to match)
    clause: bool = False  # a clause of a longer sentence


def statements(text: str, start: int = 0, end: int | None = None, norm: str | None = None,
               tokens: list | None = None) -> list[Statement]:
    """The statements (sentences holding a figure) of ``text[start:end]``; ``norm`` is
    ``text.translate(FULLWIDTH)`` when the caller has it, ``tokens`` is
    ``scan(text, start, end, norm=norm)`` when the caller has it (not changed here)."""
    end = len(text) if end is None else end
    out: list[Statement] = []
    pos = start
    bounds = [(m.start(), m.end()) for m in _SPLIT.finditer(text, start, end)]
    bounds.append((end, end))
    if tokens is None:
        tokens = scan(text, start, end, norm=norm)
    ti = 0
    prev = ""
    for bs, be in bounds:
        if bs > pos:
            while ti < len(tokens) and tokens[ti].start < pos:
                ti += 1
            tj = ti
            while tj < len(tokens) and tokens[tj].end <= bs:
                tj += 1
            st = _statement(text, pos, bs, tokens[ti:tj])
            ti = tj
            if st is not None:
                if st.figs:
                    out.append(st._replace(prev=prev[:60]))
                if st.key:
                    prev = st.key
        pos = max(pos, be)
    return out


def _statement(text: str, start: int, end: int, tokens: list) -> Statement | None:
    figs = [t.quantity for t in tokens if t.quantity is not None]
    # trim blanks and markup at both ends so the span is the sentence itself
    seg = text[start:end]
    lead = len(seg) - len(seg.lstrip())
    s, e = start + lead, start + len(seg.rstrip())
    key_parts: list[str] = []
    context: list[str] = []
    pos = start
    spans = sorted((t.start, t.end, t.kind, t.text) for t in tokens)
    masked = _MARKUP.sub(lambda m: "\x00" * len(m.group(0)), text[start:end])
    for ts, te, kind, ttext in spans:
        if ts < pos:
            continue
        key_parts.append(masked[pos - start:ts - start])
        if kind == "quantity":
            key_parts.append(MASK)
        elif kind == "context":
            norm = "".join(ttext.translate(FULLWIDTH).split())
            context.append(norm)
            key_parts.append(norm)
        pos = te
    key_parts.append(masked[pos - start:end - start])
    key = "".join(key_parts).translate(_KEY_TABLE)
    return Statement(s, e, key, tuple(context), tuple(Fig.of(q) for q in figs))


_CLAUSE_BREAK = set("，,；;")


def clauses(text: str, sts: list[Statement], norm: str | None = None) -> list[Statement]:
    """The clauses (split at top-level ，；) of the statements that have more than one,
    as statements of their own: a summary often restates one clause of a body sentence.
    A clause keeps its sentence's context (a year in the first clause still places the
    third), and its ``prev`` is the clause before it."""
    out: list[Statement] = []
    if norm is None:
        norm = text.translate(FULLWIDTH)
    for st in sts:
        spans = _clause_spans(text, st.start, st.end)
        if len(spans) < 2:
            continue
        prev = st.prev
        for cs, ce in spans:
            tokens = scan(text, cs, ce, norm=norm)
            cl = _statement(text, cs, ce, tokens)
            if cl is None:
                continue
            if cl.figs:
                out.append(cl._replace(context=st.context, prev=prev[:60], clause=True))
            if cl.key:
                prev = cl.key
    return out


def _clause_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans, depth, pos = [], 0, start
    for i in range(start, end):
        ch = text[i]
        if ch in "（(「《【“‘":
            depth += 1
        elif ch in "）)」》】”’":
            depth = max(0, depth - 1)
        elif depth == 0 and ch in _CLAUSE_BREAK:
            if i > pos:
                spans.append((pos, i))
            pos = i + 1
    if end > pos:
        spans.append((pos, end))
    return spans


def key_chars(key: str) -> int:
    return len(key) - key.count(MASK)


def _grams(key: str) -> set[str]:
    return {key[i:i + 3] for i in range(max(1, len(key) - 2))}


def minhashes(keys: list[str]) -> np.ndarray:
    """MinHash signatures (``BANDS * ROWS`` values a row) of many keys at once: one
    numpy pass over all their 3-grams (deterministic across processes)."""
    counts: list[int] = []
    hashes: list[int] = []
    crc = zlib.crc32
    for key in keys:
        grams = _grams(key)
        counts.append(len(grams))
        hashes.extend(crc(g.encode("utf-8")) for g in grams)
    if not keys:
        return np.zeros((0, BANDS * ROWS), dtype=np.uint64)
    hashed = np.array(hashes, dtype=np.uint64)
    offsets = np.zeros(len(counts), dtype=np.int64)
    np.cumsum(counts[:-1], out=offsets[1:])
    vals = (_A[:, None] * hashed[None, :] + _B[:, None]) % _PRIME
    return np.minimum.reduceat(vals, offsets, axis=1).T


def bands_of(mins) -> list[tuple[int, int, int]]:
    """The bucket keys of one MinHash signature (a row of :func:`minhashes`)."""
    m = mins.tolist() if isinstance(mins, np.ndarray) else mins
    return [(i, m[i * ROWS], m[i * ROWS + 1]) for i in range(BANDS)]


def band_keys(key: str) -> list[tuple[int, int, int]]:
    """MinHash bucket keys of a statement key (deterministic across processes)."""
    return bands_of(minhashes([key])[0])


def candidate_pairs(keys: Iterable[tuple[object, str]], max_bucket: int = 64
                    ) -> set[tuple[object, object]]:
    """Pairs of ids whose keys share a MinHash bucket. ``keys`` is (id, key); ids must
    be orderable. Buckets larger than ``max_bucket`` are boilerplate and skipped."""
    keys = sorted(keys, key=lambda k: k[0])  # type: ignore[arg-type,return-value]
    ids = [i for i, _k in keys]
    n = len(ids)
    codes = pair_codes(minhashes([k for _i, k in keys]), max_bucket)
    return {(ids[a], ids[b]) for a, b in zip((codes // n).tolist(), (codes % n).tolist())}


@lru_cache(maxsize=256)
def _triu(size: int) -> tuple[np.ndarray, np.ndarray]:
    return np.triu_indices(size, 1)


def pair_codes(sigs: np.ndarray, max_bucket: int = 64) -> np.ndarray:
    """Candidate pairs of the rows of ``sigs`` (:func:`minhashes` signatures, one row a
    key), as sorted unique codes ``a * n + b`` (``a < b`` row numbers, ``n`` rows): rows
    that share a band bucket of at most ``max_bucket`` rows. Vectorised: each band's
    buckets are runs of equal values after a stable sort."""
    n = len(sigs)
    if n < 2:
        return np.zeros(0, dtype=np.int64)
    sigs = sigs.astype(np.uint64)
    assert ROWS == 2
    bandkeys = (sigs[:, 0::2] << np.uint64(31)) | sigs[:, 1::2]  # values are < 2**31
    out = []
    for i in range(BANDS):
        k = bandkeys[:, i]
        order = np.argsort(k, kind="stable")
        ks = k[order]
        starts = np.flatnonzero(np.concatenate(([True], ks[1:] != ks[:-1])))
        sizes = np.diff(np.concatenate((starts, [n])))
        ok = (sizes >= 2) & (sizes <= max_bucket)
        for size in np.unique(sizes[ok]).tolist():
            first = starts[ok & (sizes == size)]
            members = order[first[:, None] + np.arange(size)]  # ascending in each row
            iu, ju = _triu(size)
            out.append((members[:, iu].astype(np.int64) * n + members[:, ju]).ravel())
    if not out:
        return np.zeros(0, dtype=np.int64)
    codes = np.concatenate(out)
    codes.sort()
    return codes[np.concatenate(([True], codes[1:] != codes[:-1]))]


_CLAUSE = re.compile(r"[,:，：]")
_MEASURE_WORDS = re.compile(r"累|共|总|合计|新增|增加|增长|减少|下降|其中|人均|平均|日均|年均|月均|"
                            r"同比|环比|净|首次|单|每")


_FRAMING = re.compile(r"据|显示|获悉|表示|介绍|报道|要点|消息|了解|统计|透露|指出|称|新闻联播|"
                      r"^(?:其中|此外|另外|同时|与此同时|总的来看|总体看)$")
_TIMEISH = re.compile(r"[年月日季周天时]|以来|期间|目前|当前|同期|此前|今|去|明")


@lru_cache(maxsize=1 << 16)
def core(key: str) -> str:
    """The key without its leading attribution clauses (据统计，/ 本期要点：/ 记者从国家
    邮政局获悉，): framing that a restatement may word differently. A clause naming a
    time or place (一季度，/ 在河北，) is never dropped."""
    parts = _CLAUSE.split(key)
    i = 0
    while i < len(parts) - 1 and MASK not in parts[i] and \
            _FRAMING.search(parts[i]) and not _TIMEISH.search(parts[i]):
        i += 1
    return ",".join(parts[i:])


def aligned(a: Statement, b: Statement, min_similarity: float = 90.0) -> bool:
    """Do ``a`` and ``b`` say the same thing (figures aside)?"""
    if a.context != b.context or len(a.figs) != len(b.figs):
        return False
    if a.clause and b.clause:
        return False  # pieces of two longer sentences: the rest of each says what they are
    if any((x.unit, x.percent) != (y.unit, y.percent) for x, y in zip(a.figs, b.figs)):
        return False
    ka, kb = core(a.key), core(b.key)
    shortest = min(key_chars(ka), key_chars(kb))
    if shortest < MIN_KEY_CHARS:
        return False
    short = SHORT_CLAUSE_CHARS if a.clause or b.clause else SHORT_KEY_CHARS
    if shortest < short and a.prev != b.prev:
        return False  # 截至8月31日，新增减税477亿元: too short to stand without context
    if ka == kb:
        return True
    if fuzz.ratio(ka, kb) < min_similarity:
        return False
    inserted: list[str] = []
    for op in Levenshtein.opcodes(ka, kb):
        if op.tag == "replace":
            if _CJK.search(ka[op.src_start:op.src_end]) or \
                    _CJK.search(kb[op.dest_start:op.dest_end]) or \
                    MASK in ka[op.src_start:op.src_end] + kb[op.dest_start:op.dest_end]:
                return False
        elif op.tag in ("insert", "delete"):
            inserted.append(ka[op.src_start:op.src_end] + kb[op.dest_start:op.dest_end])
    # 发行50亿元 vs 已发行共计150亿元, 就业岗位 vs 新增就业岗位: another quantity
    return not any(_MEASURE_WORDS.search(w) for w in inserted)


def agree(a: Statement, b: Statement) -> bool:
    """Every figure of ``a`` has exactly the value of ``b``'s (approximations that
    merely allow each other do not count)."""
    return all(x.sig() == y.sig() and x.approx == y.approx for x, y in zip(a.figs, b.figs))


def differences(a: Statement, b: Statement) -> list[tuple[Fig, Fig]] | None:
    """Figures that disagree between two aligned statements: [] when they all agree,
    None when the pair is not a conflict (every one of three or more figures differs:
    the statements are about different periods or places)."""
    diffs: list[tuple[Fig, Fig]] = []
    for x, y in zip(a.figs, b.figs):
        if not x.quantity().compatible(y.quantity()):
            diffs.append((x, y))
    if diffs and len(a.figs) >= 3 and len(diffs) == len(a.figs):
        return None
    return diffs


def templates(groups: dict[str, set[tuple]], min_variants: int = 3) -> set[str]:
    """Keys whose statements carry ``min_variants`` or more different sets of
    figures: a sentence template (a daily report, a list of regions), not a copy."""
    return {k for k, variants in groups.items() if len(variants) >= min_variants}


def describe(diffs: list[tuple[Fig, Fig]]) -> str:
    parts = []
    for x, y in diffs:
        parts.append(f"{x.shown()} ({_val(x)}) here vs {y.shown()} ({_val(y)})")
    return "; ".join(parts)


def _val(f: Fig) -> str:
    v = format_value(Decimal(f.value))
    if f.high:
        v += "–" + format_value(Decimal(f.high))
    if f.percent:
        v += "%"
    return v + (f" {f.unit}" if f.unit else "")
