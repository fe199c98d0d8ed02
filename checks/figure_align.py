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

import bisect
import re
import zlib
from decimal import Decimal
from functools import lru_cache
from itertools import accumulate
from typing import Iterable, NamedTuple

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from .numbers import _ENUM_LINE, FULLWIDTH, FULLWIDTH_T, Quantity, format_value, halfwidth
from .numbers import jump_finditer, scan, translation

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
_KEY_T = translation(_KEY_TABLE)  # for .translate()
# the same mapping with every dropped character written as NUL instead (lengths kept), as
# str.replace pairs: no character written is replaced again (NUL and ASCII digits and
# .,%:/ are no character's source)
_KEY_NUL = tuple((chr(src), "\x00" if dst is None else chr(dst))
                 for src, dst in sorted(_KEY_TABLE.items()) if src)
assert not {dst for _src, dst in _KEY_NUL} & {src for src, _dst in _KEY_NUL}


def key_text(text: str) -> str:
    """``text`` with the key mapping applied in place: every character ``_KEY_T`` drops
    is a NUL, every full-width one its ASCII twin, offsets kept. A key read from it
    (its NULs removed) is the same as the original's piece translated with ``_KEY_T``;
    computed once per text, it spares a ``str.translate`` of every statement and clause
    key (~40 ns a character on Chinese text; ``in`` and ``replace`` scan at C speed)."""
    for src, dst in _KEY_NUL:
        if src in text:
            text = text.replace(src, dst)
    return text
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
    section: str = ""  # the heading above it (enumerator removed): its subject or period
    period: str = ""  # the last year named before it in its paragraph (or its heading)


# -- sections: the heading above a statement, and the year it is about ---------------------

_HEAD_ENUM = re.compile(r"^[\s#>*•·\-]*(?:(?:[一二三四五六七八九十]{1,3}[、.．]|[（(][一二三四五六七八九十\d]{1,3}"
                        r"[)）]|\d{1,2}[.、．](?!\d)|第[一二三四五六七八九十\d]{1,3}[章节部分篇])\s*)?")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})年")
# where a match of _YEAR can start (for jump_finditer): a 1 or 2 three digits before 年
# (not at every 1 and 2 of a page)
_YEAR_START = re.compile(r"[12](?=\d{3}年)")


def _sections(text: str, start: int, end: int) -> tuple[list[int], list[str], list[int],
                                                          list[str]]:
    """Heading lines of ``text[start:end]`` (short lines without sentence punctuation:
    `一、钢铁行业`, `2024年主要预期目标：`) as (offsets, keys), and the year mentions as
    (offsets, years)."""
    offs: list[int] = []
    keys: list[str] = []
    pos = start
    while pos < end:
        nl = text.find("\n", pos, end)
        stop = end if nl < 0 else nl
        line = text[pos:stop].strip()
        if 2 <= len(line) <= 40 and not _SENT_END.search(line) and _CJK.search(line):
            m = _HEAD_ENUM.match(line)
            kind = _enum_kind(m.group(0).strip()) if m else ""
            key = line[m.end():] if m else line
            key = key.translate(_KEY_T).rstrip(":：")
            if len(key) >= 2:
                offs.append(pos)
                keys.append(f"{kind}|{key}" if kind else key)
        pos = stop + 1
    y_offs, years = [], []
    for m in jump_finditer(_YEAR, _YEAR_START, text, start, end):
        y_offs.append(m.start())
        years.append(m.group(1))
    return offs, keys, y_offs, years


_SENT_END = re.compile(r"[。！？!?；;，,]")


def _enum_kind(marker: str) -> str:
    """The kind of a heading's enumerator: 一、 → 'cn', （一） → 'pcn', 1. → 'num',
    （1） → 'pnum', 第一章 → 'chap', none → ''."""
    if not marker:
        return ""
    if marker.startswith("第"):
        return "chap"
    paren = marker[0] in "（("
    digit = any(c.isdigit() for c in marker)
    return ("p" if paren else "") + ("num" if digit else "cn")


def parallel_sections(a: Statement, b: Statement) -> bool:
    """Two statements under parallel headings or about different years are about
    different things (`一、钢铁行业` / `二、化工行业`, `2023年工作回顾` / `2024年工作安排`),
    however alike their sentences are."""
    if a.period and b.period and a.period != b.period:
        return True
    ha, hb = a.section, b.section
    if not ha or not hb or ha == hb:
        return False
    ka, _s, ta = ha.rpartition("|")
    kb, _s, tb = hb.rpartition("|")
    if ka and ka == kb and ta != tb:
        return True  # sibling headings of one enumeration (一、… / 二、…): parallel parts
    ha, hb = ta, tb
    if ha == hb or ha in hb or hb in ha:
        return False
    if fuzz.ratio(ha, hb) < 40:
        return False  # unrelated headings (a summary box and a story): no evidence
    return any(op.tag == "replace" and (_CJK.search(ha[op.src_start:op.src_end])
                                        or _CJK.search(hb[op.dest_start:op.dest_end]))
               for op in Levenshtein.opcodes(ha, hb))


def statements(text: str, start: int = 0, end: int | None = None, norm: str | None = None,
               tokens: list | None = None, keyed: str | None = None) -> list[Statement]:
    """The statements (sentences holding a figure) of ``text[start:end]``; ``norm`` is
    ``text.translate(FULLWIDTH)`` when the caller has it, ``tokens`` is
    ``scan(text, start, end, norm=norm)`` when the caller has it (not changed here),
    ``keyed`` is ``key_text(text)`` when the caller has it."""
    end = len(text) if end is None else end
    if keyed is None:
        keyed = key_text(text)
    out: list[Statement] = []
    pos = start
    bounds = [(m.start(), m.end()) for m in _SPLIT.finditer(text, start, end)]
    bounds.append((end, end))
    if tokens is None:
        tokens = scan(text, start, end, norm=norm)
    h_offs, h_keys, y_offs, years = _sections(text, start, end)
    ti = 0
    prev = ""
    for bs, be in bounds:
        if bs > pos:
            while ti < len(tokens) and tokens[ti].start < pos:
                ti += 1
            tj = ti
            while tj < len(tokens) and tokens[tj].end <= bs:
                tj += 1
            key = _bare_key(text, pos, bs, tj - ti, keyed)
            if key is None:
                st = _statement(text, pos, bs, tokens[ti:tj], keyed)
                if st.figs:
                    out.append(st._replace(prev=prev[:60], **_place(
                        text, st.start, h_offs, h_keys, y_offs, years)))
                key = st.key
            ti = tj
            if key:
                prev = key
        pos = max(pos, be)
    return out


def _place(text: str, at: int, h_offs, h_keys, y_offs, years) -> dict:
    """section and period of a statement starting at ``at``."""
    k = bisect.bisect_right(h_offs, at) - 1
    section = ""
    floor = text.rfind("\n", 0, at) + 1  # the statement's line (paragraph)
    if k >= 0 and h_offs[k] < at:
        section = h_keys[k][:40]
        if h_offs[k] >= floor:  # the statement is the heading line itself
            section = h_keys[k - 1][:40] if k >= 1 else ""
    period = ""
    j = bisect.bisect_right(y_offs, at) - 1
    if j >= 0 and y_offs[j] >= floor:
        period = years[j]
    elif section:
        m = _YEAR.search(section.rpartition("|")[2])
        period = m.group(1) if m else ""
    return {"section": section, "period": period}


def _bare_key(text: str, start: int, end: int, n_tokens: int, keyed: str | None) -> str | None:
    """The key :func:`_statement` gives ``text[start:end]`` when the span holds no token
    and no markup, else None. Half the sentences of a page hold no token: they have no
    figure, so the caller needs only their key (the next statement's ``prev``), which
    is then ``keyed``'s slice without its NULs (what ``_statement``'s fast path builds),
    not a ``Statement``."""
    if n_tokens or keyed is None or text.find("<", start, end) >= 0 \
            or text.find("&", start, end) >= 0:
        return None
    return keyed[start:end].replace("\x00", "")


def _statement(text: str, start: int, end: int, tokens: list,
               keyed: str | None = None) -> Statement | None:
    """The statement of ``text[start:end]`` (``tokens``: the scan's tokens inside it;
    ``keyed``: ``key_text(text)``, when the caller has it)."""
    figs = [t.quantity for t in tokens if t.quantity is not None]
    # trim blanks and markup at both ends so the span is the sentence itself
    seg = text[start:end]
    lead = len(seg) - len(seg.lstrip())
    s, e = start + lead, start + len(seg.rstrip())
    key_parts: list[str] = []
    context: list[str] = []
    pos = start
    spans = sorted((t.start, t.end, t.kind, t.text) for t in tokens)
    # markup (every match of _MARKUP opens with < or &) is masked, then every piece
    # translated; without markup the pieces are read from the translated text
    fast = keyed is not None and "<" not in seg and "&" not in seg
    if fast:
        masked = keyed[start:end]
    else:
        masked = _MARKUP.sub(lambda m: "\x00" * len(m.group(0)), seg)
    for ts, te, kind, ttext in spans:
        if ts < pos:
            continue
        key_parts.append(masked[pos - start:ts - start])
        if kind == "quantity":
            key_parts.append(MASK)
        elif kind == "context":
            norm = "".join(ttext.translate(FULLWIDTH_T).split())
            context.append(norm)
            key_parts.append(norm.translate(_KEY_T) if fast else norm)
        pos = te
    key_parts.append(masked[pos - start:end - start])
    if fast:
        key = "".join(key_parts).replace("\x00", "")
    else:
        key = "".join(key_parts).translate(_KEY_T)
    return Statement(s, e, key, tuple(context), tuple(Fig.of(q) for q in figs))


_CLAUSE_BREAK = set("，,；;")


def clauses(text: str, sts: list[Statement], norm: str | None = None,
            tokens: list | None = None, keyed: str | None = None) -> list[Statement]:
    """The clauses (split at top-level ，；) of the statements that have more than one,
    as statements of their own: a summary often restates one clause of a body sentence.
    A clause keeps its sentence's context (a year in the first clause still places the
    third), and its ``prev`` is the clause before it. ``tokens`` is the scan of the text
    the statements come from (sorted, as :func:`checks.numbers.scan` gives them), when
    the caller has it: see :func:`_clause_tokens`; ``keyed`` is ``key_text(text)`` when
    the caller has it."""
    out: list[Statement] = []
    if norm is None:
        norm = halfwidth(text)
    if keyed is None:
        keyed = key_text(text)
    starts = reach = None
    if tokens is not None:
        starts = [t.start for t in tokens]
        reach = list(accumulate((t.end for t in tokens), max, initial=-1))
    for st in sts:
        spans = _clause_spans(text, st.start, st.end)
        if len(spans) < 2:
            continue
        prev = st.prev
        for cs, ce in spans:
            toks = _clause_tokens(text, cs, ce, norm, tokens, starts, reach)
            key = _bare_key(text, cs, ce, len(toks), keyed)
            if key is None:
                cl = _statement(text, cs, ce, toks, keyed)
                if cl.figs:
                    out.append(cl._replace(context=st.context, prev=prev[:60], clause=True,
                                           section=st.section, period=st.period))
                key = cl.key
            if key:
                prev = key
    return out


def _clause_tokens(text: str, cs: int, ce: int, norm: str, tokens: list | None,
                   starts: list[int] | None, reach: list[int] | None) -> list:
    """``scan(text, cs, ce)``, taken from the whole text's ``tokens`` where that gives the
    same: a clause is cut at ，；,; (which no skipped match holds, and a token holding one
    crosses the cut), so its tokens are the whole scan's inside it, unless a token
    crosses its ends, or the clause holds a line break or opens with a list marker (a
    scan reads list markers at the start of its range and of each line: 三、四月份 after
    a comma is a marker to the clause's own scan only). Then it is scanned again."""
    if tokens is None or "\n" in text[cs:ce] or _ENUM_LINE.match(norm, cs, ce):
        return scan(text, cs, ce, norm=norm)
    i = bisect.bisect_left(starts, cs)
    j = bisect.bisect_left(starts, ce, i)
    # reach[k]: the furthest end of tokens[:k]
    if reach[i] > cs or (j > i and max(t.end for t in tokens[i:j]) > ce):
        return scan(text, cs, ce, norm=norm)
    return tokens[i:j]


_OPEN, _CLOSE = "（(「《【“‘", "）)」》】”’"
# the only characters _clause_spans acts on: the loop visits them and skips the rest
_CLAUSE_MARKS = re.compile("[" + re.escape(_OPEN + _CLOSE + "".join(sorted(_CLAUSE_BREAK))) + "]")


def _clause_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """``text[start:end]`` cut at its top-level ，；,; (outside brackets and quotes), as
    (start, end) spans, empty pieces left out."""
    spans, depth, pos = [], 0, start
    for m in _CLAUSE_MARKS.finditer(text, start, end):
        ch = m.group()
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif depth == 0:
            i = m.start()
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
    numpy pass over all their 3-grams (deterministic across processes). A 3-gram's
    hash is the CRC-32 of its UTF-8 bytes (:func:`_gram_crcs`, computed with numpy)."""
    if not keys:
        return np.zeros((0, BANDS * ROWS), dtype=np.uint64)
    hashed, offsets = _gram_crcs(keys)
    vals = (_A[:, None] * hashed[None, :] + _B[:, None]) % _PRIME
    return np.minimum.reduceat(vals, offsets, axis=1).T


def _minhash_grams(keys: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(hashes, offsets) of the keys' distinct 3-grams, one ``zlib.crc32`` call each:
    what :func:`_gram_crcs` computes with numpy (the slow path; its test compares them)."""
    counts: list[int] = []
    hashes: list[int] = []
    crc = zlib.crc32
    for key in keys:
        grams = _grams(key)
        counts.append(len(grams))
        hashes.extend(crc(g.encode("utf-8")) for g in grams)
    offsets = np.zeros(len(counts), dtype=np.int64)
    np.cumsum(counts[:-1], out=offsets[1:])
    return np.array(hashes, dtype=np.uint64), offsets


_CRC_TABLES: tuple[np.ndarray, np.ndarray] | None = None


def _crc_tables() -> tuple[np.ndarray, np.ndarray]:
    """CRC-32 is affine in its input for a given length: ``crc32(m) = Z[L] ^ (XOR over
    the bytes b_j of m of T[L - j - 1][b_j])`` with ``Z[L] = crc32(L zero bytes)`` and
    ``T[k][b] = crc32(b, then k zero bytes) ^ Z[k + 1]`` (a byte's part, shifted by the
    bytes after it). For up to 12 bytes (three characters of UTF-8)."""
    global _CRC_TABLES
    if _CRC_TABLES is None:
        crc = zlib.crc32
        zero = np.array([crc(bytes(n)) for n in range(13)], dtype=np.uint32)
        table = np.array([[crc(bytes((b,)) + bytes(k)) ^ int(zero[k + 1]) for b in range(256)]
                          for k in range(12)], dtype=np.uint32)
        _CRC_TABLES = table, zero
    return _CRC_TABLES


def _gram_crcs(keys: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The CRC-32 of the UTF-8 bytes of every 3-gram of every key (``key[i:i + 3]`` for
    ``i`` in ``range(max(1, len(key) - 2))``: a key shorter than three characters is
    one gram), as uint64, and where each key's grams start. A gram that occurs twice in
    a key is hashed twice (:func:`minhashes` takes the minimum of each key's hashes:
    the same as over the distinct grams). All keys in one numpy pass over their bytes;
    keys holding a lone surrogate (no UTF-8) take the slow path, which raises as before."""
    joined = "".join(keys)
    try:
        data = np.frombuffer(joined.encode("utf-8"), dtype=np.uint8)
    except UnicodeEncodeError:
        return _minhash_grams(keys)
    table, zero = _crc_tables()
    # byte offset of each character (a byte that is not a continuation byte starts one),
    # and of the end
    boff = np.append(np.flatnonzero((data & 0xC0) != 0x80), len(data))
    klen = np.fromiter(map(len, keys), dtype=np.int64, count=len(keys))
    kend = np.cumsum(klen)
    ngram = np.maximum(1, klen - 2)
    offsets = np.zeros(len(keys), dtype=np.int64)
    np.cumsum(ngram[:-1], out=offsets[1:])
    total = int(offsets[-1] + ngram[-1])
    gstart = np.repeat(kend - klen - offsets, ngram) + np.arange(total)  # first character
    gend = np.minimum(gstart + 3, np.repeat(kend, ngram))  # one past the last
    bs, be = boff[gstart], boff[gend]
    blen = be - bs  # 0 (the empty key) to 12 bytes
    out = zero[blen]
    first = np.zeros(total, dtype=np.int64)
    np.cumsum(blen[:-1], out=first[1:])
    nbytes = int(first[-1] + blen[-1])
    if nbytes:
        idx = np.repeat(bs - first, blen) + np.arange(nbytes)  # each gram's bytes
        after = np.repeat(be, blen) - idx - 1  # bytes after it in its gram
        parts = table[after, data[idx]]
        if (blen > 0).all():
            out ^= np.bitwise_xor.reduceat(parts, first)
        else:
            full = blen > 0
            out[full] ^= np.bitwise_xor.reduceat(parts, first[full])
    out = out.astype(np.uint64)
    return out, offsets


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
    if n <= FEW_ROWS:
        return _few_pair_codes(bandkeys, max_bucket)
    out = []
    for i in range(BANDS):
        k = bandkeys[:, i]
        order = np.argsort(k, kind="stable")
        ks = k[order]
        starts = np.flatnonzero(np.concatenate(([True], ks[1:] != ks[:-1])))
        sizes = np.diff(np.concatenate((starts, [n])))
        ok = (sizes >= 2) & (sizes <= max_bucket)
        out.append(bucket_codes(order, starts, sizes, ok, n))  # ascending in each bucket
    return unique_codes(out)


FEW_ROWS = 1024  # up to this many rows (one file's statements), buckets are grouped in Python


def _few_pair_codes(bandkeys: np.ndarray, max_bucket: int) -> np.ndarray:
    """:func:`pair_codes` of few rows, given their band keys (rows × ``BANDS``): the same
    sorted unique codes, without numpy's per-call overhead (eight sorts of a hundred
    values cost more than grouping them in a dict). Most bands of one file have no
    bucket of two rows at all: a set of the band's keys tells, and such a band is skipped."""
    n = len(bandkeys)
    codes: set[int] = set()
    for col in bandkeys.T.tolist():
        if len(set(col)) == n:
            continue
        buckets: dict[int, list[int]] = {}
        for r, k in enumerate(col):
            members = buckets.get(k)
            if members is None:
                buckets[k] = [r]
            else:
                members.append(r)
        for members in buckets.values():
            size = len(members)
            if 2 <= size <= max_bucket:  # members are ascending: a < b
                for x in range(size - 1):
                    base = members[x] * n
                    codes.update([base + b for b in members[x + 1:]])
    return np.array(sorted(codes), dtype=np.int64)


def bucket_codes(order: np.ndarray, starts: np.ndarray, sizes: np.ndarray, ok: np.ndarray,
                 n: int, sort: bool = False) -> np.ndarray:
    """Every pair of rows within the kept buckets (``ok``; a bucket is ``order[start :
    start + size]``) as codes ``a * n + b`` with ``a < b`` (``sort``: the members are not
    ascending yet)."""
    kept = sizes[ok]
    by_size = np.unique(kept).tolist()
    # the codes are written into one array sized up front: the pieces and their
    # concatenation are never held side by side (at 50,000 seeds ~15 million codes)
    total = sum(int((kept == size).sum()) * (size * (size - 1) // 2) for size in by_size)
    out = np.empty(total, dtype=np.int64)
    at = 0
    for size in by_size:
        first = starts[ok & (sizes == size)]
        members = order[first[:, None] + np.arange(size)]
        if sort:
            members = np.sort(members, axis=1)
        iu, ju = _triu(size)
        piece = out[at:at + len(first) * len(iu)].reshape(len(first), len(iu))
        np.multiply(members[:, iu], n, out=piece, dtype=np.int64, casting="unsafe")
        piece += members[:, ju]
        at += piece.size
    return out


def unique_codes(parts: list[np.ndarray]) -> np.ndarray:
    """The sorted unique codes of all ``parts`` (a single part is taken out of the list
    and sorted in place, not copied: the caller hands over an array it does not read
    again)."""
    if not parts:
        return np.zeros(0, dtype=np.int64)
    codes = parts.pop() if len(parts) == 1 else np.concatenate(parts)
    if not len(codes):
        return codes
    codes.sort()
    first = np.empty(len(codes), dtype=bool)  # (one mask, not a comparison and a copy)
    first[0] = True
    np.not_equal(codes[1:], codes[:-1], out=first[1:])
    return codes[first]


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
    if parallel_sections(a, b):
        return False  # 一、钢铁行业 / 二、化工行业: the same frame, another subject
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


# -- a short sentence restating one clause of a long one -------------------------------------

SHORT_RESTATEMENT_CHARS = 40  # a restating sentence has at most this many key characters
_SCOPE = re.compile(r"^(?:全国|全省|全市|全县|全区|全州|全盟|全镇|全乡|我国|我省|我市|我县|我区|本市|本省|本县|"
                    r"本区|该市|该省|该县)")
_MEASURE_VERB = re.compile(r"(?:达到了|达到|达|为|是|约为|超过|突破|共计|累计|共|有|提高到|提升到|提高至|"
                           r"提升至|升至|降至|稳定在|保持在)$")


def measure(clause_key: str) -> tuple[str, str] | None:
    """(measure words, verb) of a clause key holding one figure: the words right before
    the figure without a trailing state verb (森林覆盖率 / 达到), or None when the
    figure does not follow words (◎个村, a figure first)."""
    pos = clause_key.find(MASK)
    if pos < 0 or MASK in clause_key[pos + 1:]:
        return None
    head = clause_key[:pos]
    verb = ""
    m = _MEASURE_VERB.search(head)
    if m:
        verb, head = m.group(0), head[:m.start()]
    if len(head) < 3 or not _CJK.search(head):
        return None
    return head, verb


def _clause_keys(key: str) -> list[str]:
    return [p for p in re.split(r"[,:;]", key) if p]


def restates(short: Statement, clause: Statement, sentence_key: str) -> bool:
    """Does the short sentence ``short`` restate ``clause`` (a clause of the long
    sentence whose key is ``sentence_key``), figures aside? Precision first:

    * one figure each, the same unit; every context number of the short sentence (a
      year) is in the long sentence's context, and no period or parallel heading
      differs;
    * the short sentence's other clauses only frame it (据统计, 其中) or also stand in
      the long sentence;
    * the measure words before the figure agree: equal, or the short sentence adds a
      scope (全省, 我市) that the long sentence names before the clause, or the clause
      adds one the short sentence leaves out; the state verbs (达到, 为) may differ, but
      not words that change what is measured (累计, 新增, 增长, 同比).
    """
    if len(short.figs) != 1 or len(clause.figs) != 1:
        return False
    x, y = short.figs[0], clause.figs[0]
    if (x.unit, x.percent) != (y.unit, y.percent):
        return False
    if any(c not in clause.context for c in short.context) or parallel_sections(short, clause):
        return False
    parts = _clause_keys(short.key)
    fig_parts = [p for p in parts if MASK in p]
    if len(fig_parts) != 1:
        return False
    for p in parts:
        if p is fig_parts[0] or MASK in p:
            continue
        if not ((_FRAMING.search(p) and not _TIMEISH.search(p)) or p in sentence_key):
            return False
    ms, mc = measure(fig_parts[0]), measure(clause.key)
    if ms is None or mc is None:
        return False
    (ws, vs), (wc, vc) = ms, mc
    for w in (ws, wc):
        # the measure must name something (森林覆盖率), not only a change (同比增长)
        if len(_CJK.findall(_SCOPE.sub("", _MEASURE_WORDS.sub("", w)))) < 3:
            return False
    tail_s = fig_parts[0][fig_parts[0].find(MASK) + 1:]
    tail_c = clause.key[clause.key.find(MASK) + 1:]
    if tail_s and tail_c and not (tail_s.startswith(tail_c) or tail_c.startswith(tail_s)):
        return False  # what follows the figure says what it counts (万亩造林 / 万亩草原)
    if ws != wc:
        long_, short_ = (ws, wc) if len(ws) > len(wc) else (wc, ws)
        if not long_.endswith(short_) or len(short_) < 3:
            return False
        extra = long_[:len(long_) - len(short_)]
        for c in short.context:  # 2023年全省森林覆盖率: a year the long sentence also names
            extra = extra.replace(c, "")
        extra = extra.lstrip(",")
        if extra and not _SCOPE.fullmatch(extra):
            return False
        at = sentence_key.find(clause.key)
        before = sentence_key[:at] if at >= 0 else sentence_key
        if long_ is ws and extra not in before:
            return False  # 全国森林覆盖率 against a clause of a sentence about 全省
    if sorted(_MEASURE_WORDS.findall(ws + vs)) != sorted(_MEASURE_WORDS.findall(wc + vc)):
        return False
    return True


def agree(a: Statement, b: Statement) -> bool:
    """Every figure of ``a`` has exactly the value of ``b``'s (approximations that
    merely allow each other do not count)."""
    return all(x.sig() == y.sig() and x.approx == y.approx for x, y in zip(a.figs, b.figs))


def differences(a: Statement, b: Statement) -> list[tuple[Fig, Fig]] | None:
    """Figures that disagree between two aligned statements: [] when they all agree,
    None when the pair is not a conflict (every one of three or more figures differs:
    the statements are about different periods or places). When the two statements
    are word for word the same (equal keys), two approximations with the same marker
    (近6570万亩 / 近6870万亩) disagree too: a retyped copy, not two estimates."""
    diffs: list[tuple[Fig, Fig]] = []
    same_words = a.key == b.key
    for x, y in zip(a.figs, b.figs):
        qx, qy = x.quantity(), y.quantity()
        if not qx.compatible(qy):
            diffs.append((x, y))
        elif same_words and x.approx and x.approx == y.approx and not qx.same_value(qy) \
                and not qx.is_range and not qy.is_range:
            diffs.append((x, y))
    if diffs and len(a.figs) >= 3 and len(diffs) == len(a.figs):
        return None
    return diffs


def templates(groups: dict[str, set[tuple]], min_variants: int = 3) -> set[str]:
    """Keys whose statements carry ``min_variants`` or more different sets of
    figures: a sentence template (a daily report, a list of regions), not a copy."""
    return {k for k, variants in groups.items() if len(variants) >= min_variants}


_VERB_TAIL = re.compile(r"(?:达到了|达到|达|为|是|约为|约|共计|累计|共|超过|突破|提高到|提升至|提高至|"
                        r"增至|降至|下降到|下降至|增长到|增长至|了)$")


def _before(st: Statement, fig: Fig) -> str:
    """The words of ``st`` right before ``fig`` (back to the clause break or figure)."""
    k = st.figs.index(fig) if fig in st.figs else 0
    pos = -1
    for _ in range(k + 1):
        pos = st.key.find(MASK, pos + 1)
        if pos < 0:
            return ""
    head = st.key[:pos]
    cut = max(head.rfind(c) for c in ",:;" + MASK)
    return head[cut + 1:][-16:]


def subject(a: Statement, b: Statement, diffs: list[tuple[Fig, Fig]]) -> str:
    """What both statements give a figure for: the words they share right before the
    first differing figure (森林覆盖率, 全市共注册成立合作社), with the heading they share."""
    x, y = diffs[0]
    wa, wb = _before(a, x), _before(b, y)
    wa, wb = _VERB_TAIL.sub("", wa) or wa, _VERB_TAIL.sub("", wb) or wb
    n = 0
    while n < min(len(wa), len(wb)) and wa[-1 - n] == wb[-1 - n]:
        n += 1
    shared = wa[len(wa) - n:] if n >= 2 else ""
    # the shared words name the measure: drop a trailing verb (达到, 为) when more is left
    m = _VERB_TAIL.search(shared)
    if m and m.start() >= 2:
        shared = shared[:m.start()]
    if not shared:
        shared = wa or wb
    head = a.section.rpartition("|")[2]
    if head and a.section == b.section and head not in shared:
        shared = f"{head} / {shared}" if shared else head
    return shared


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
