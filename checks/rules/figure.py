"""figure: numbers and dates that cannot all be true.

Number reading lives in :mod:`checks.numbers`, statement alignment in
:mod:`checks.figure_align`; this module only decides what is a finding.
"""

from __future__ import annotations

import datetime as _dt
import marshal
import pickle
import re
import zlib
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..figure_align import (BANDS, MIN_KEY_CHARS, ROWS, SHORT_KEY_CHARS, Fig, Statement, agree,
                            aligned, clauses, core, describe, differences, key_chars, key_text,
                            measure, minhashes, pair_codes, restates, statements, subject, templates,
                            SHORT_RESTATEMENT_CHARS, bucket_codes, unique_codes)
from ..model import Hit
from ..numbers import (CN_CHARS, FULLWIDTH_T, DateMention, find_dates,
                       format_value, halfwidth, jump_finditer, parse_numeral, scan)
from ..registry import (PartitionSpec, corpus_check, corpus_index, corpus_partition,
                        file_check, index_keys)

# -- per-text memo -------------------------------------------------------------------------

# Several checks (and the ``figure`` index) of one seed read the same statements and page
# dates: they are computed once per text. Keyed by the text itself (its hash is cached
# by Python), so a stale entry can never be returned; only the last few texts are kept.
_MEMO: dict[tuple, object] = {}
_MEMO_MAX = 32


def _memo(name: str, seed, compute):
    key = (name, seed.text, seed.body_start)
    hit = _MEMO.get(key)
    if hit is None:
        if len(_MEMO) >= _MEMO_MAX:
            _MEMO.clear()
        hit = _MEMO[key] = compute()
    return hit


def _norm(seed) -> str:
    """``seed.text.translate(FULLWIDTH)``, once per text."""
    return _memo("norm", seed, lambda: halfwidth(seed.text))


def _keyed(seed) -> str:
    """``key_text(seed.text)``, once per text: the statements, their clauses and the
    sentence sketch read their keys from it."""
    return _memo("keyed", seed, lambda: key_text(seed.text))


def _statements(seed) -> list[Statement]:
    """``statements(seed.text, seed.body_start)``, computed once per text (a new list)."""
    return list(_memo("statements", seed,
                      lambda: statements(seed.text, seed.body_start, norm=_norm(seed),
                                         tokens=_body_tokens(seed), keyed=_keyed(seed))))


def _statement_sigs(seed) -> np.ndarray:
    """MinHash signatures of the statements' keys (``_statements``), once per text: the
    file check and the corpus index both read them (a key's signature does not depend
    on the other keys it is computed with: every key has at least one 3-gram)."""
    return _memo("sigs", seed, lambda: minhashes([st.key for st in _statements(seed)]))


def _body_tokens(seed) -> list:
    """``scan(seed.text, seed.body_start)``, once per text (shared: do not change it);
    the statements and the total check both read the body's numbers."""
    return _memo("tokens", seed, lambda: scan(seed.text, seed.body_start, norm=_norm(seed)))


def _body_dates(seed, year: int | None) -> list[DateMention]:
    """``find_dates(seed.text, seed.body_start, year=year)``, once per text and year."""
    return list(_memo(f"dates@{year}", seed,
                      lambda: find_dates(seed.text, seed.body_start, year=year)))


# -- conflicting statements -------------------------------------------------------------


def _conflicts(sts: list[Statement], min_sim: float, max_bucket: int, n_sentences: int,
               sigs: np.ndarray):
    """Aligned pairs (i, j, diffs) of one file's statements (sentences, then clauses)
    whose figures disagree; candidates share a MinHash bucket of ``sigs`` (the
    statements' signatures, one row each). A clause pair that repeats a sentence pair's
    figures is left out, and so is a pair of pieces of one sentence."""
    groups: dict[str, set] = {}
    for st in sts:
        groups.setdefault(st.key, set()).add(tuple(f.sig() for f in st.figs))
    tmpl = templates(groups)
    found = []
    seen: set[tuple[int, int]] = set()
    n = len(sts)
    codes = pair_codes(sigs, max_bucket)
    pairs = set(zip((codes // n).tolist(), (codes % n).tolist()))
    # sentence pairs first: a clause pair only adds what they did not find
    for a, b in sorted(pairs, key=lambda p: (p[1] >= n_sentences, p)):
        A, B = sts[a], sts[b]
        if A.start < B.end and B.start < A.end:
            continue  # overlapping spans: a sentence and its own clause
        if A.key in tmpl or B.key in tmpl or not aligned(A, B, min_sim):
            continue
        d = differences(A, B)
        if d:
            marks = {(x.start, y.start) for x, y in d}
            if marks & seen:
                continue
            seen |= marks
            found.append((a, b, d))
    return found


def _restatements(sts: list[Statement], n_sentences: int, seen: set) -> list:
    """Pairs (short sentence, clause of a long sentence, diffs) where the short sentence
    restates the clause with another figure (:func:`checks.figure_align.restates`).
    Candidates share the last three characters of their measure words."""
    by_tail: dict[str, list[int]] = {}
    parent: dict[int, int] = {}
    j = 0
    for c in range(n_sentences, len(sts)):
        cl = sts[c]
        while j < n_sentences and sts[j].end <= cl.start:
            j += 1
        if j < n_sentences and sts[j].start <= cl.start:
            parent[c] = j
        m = measure(cl.key) if len(cl.figs) == 1 else None
        if m is not None:
            by_tail.setdefault(m[0][-3:], []).append(c)
    out = []
    for i in range(n_sentences):
        st = sts[i]
        if len(st.figs) != 1 or key_chars(st.key) > SHORT_RESTATEMENT_CHARS:
            continue
        fig_part = [p for p in re.split(r"[,:;]", st.key) if "◎" in p]
        m = measure(fig_part[0]) if len(fig_part) == 1 else None
        if m is None:
            continue
        matches = []
        for c in by_tail.get(m[0][-3:], ()):
            p = parent.get(c)
            if p is None or p == i:
                continue
            long_ = sts[p]
            if key_chars(long_.key) <= SHORT_RESTATEMENT_CHARS:
                continue  # two short sentences: the sentence alignment's business
            if restates(st, sts[c], long_.key):
                matches.append(c)
        if len({sts[c].figs[0].sig() for c in matches}) > 1:
            continue  # the clause is stated with several values (parallel sections): ambiguous
        for c in matches:
            cl = sts[c]
            d = differences(st, cl)
            if not d:
                continue
            marks = {(x.start, y.start) for x, y in d} | {(y.start, x.start) for x, y in d}
            if marks & seen:
                continue
            seen |= marks
            a, b = (i, c) if st.start < cl.start else (c, i)
            out.append((a, b, d if a == i else [(y, x) for x, y in d]))
    return out


@file_check("figure.conflicting-figure", severity="warning", version=2)
def conflicting_figure(seed, ctx):
    """What it flags:
    Two sentences of one file that say the same thing with different figures: the
    second copy of a repeated body with a retyped number, a summary that restates the
    body with another value. Sentences (and a clause against a whole sentence) are
    aligned by their text with the figures masked (rapidfuzz ratio >= `min_similarity`,
    default 90, no word replaced by another, no 累计/新增/共计 inserted); years, dates
    and 第N must be equal, so different years' figures are never compared; a template
    sentence that recurs with three or more sets of figures is skipped; approximations
    (120余人, 超过2万元) and ranges (3—5名) never conflict with a value they allow (unless
    the two sentences are word for word the same: 近6570万亩 / 近6870万亩 is a retype).
    Statements under sibling headings (`一、钢铁行业` / `二、化工行业`) or about different
    years (a heading or an earlier sentence of the paragraph naming 2023年 / 2024年) are
    different subjects, never compared. A short sentence that restates one clause of a
    long sentence (`全省森林覆盖率为58.1%。` against `…，全省森林覆盖率达到63.2%，…`) is
    compared with that clause when the measure words, unit, scope and year agree. One
    finding on each sentence, `related` pointing at the other, the message naming the
    subject both share; `error` when the two sentences are word for word the same apart
    from the figure, `warning` otherwise.

    Why it matters:
    A corpus that states a figure two ways teaches both, and a reader cannot tell
    which one is true.

    Example:
    `全市共注册成立合作社778家。` in the body and `全市共注册成立合作社788家。` in its second
    copy.

    Fix:
    Check the source and correct the wrong copy (or remove the duplicated body).
    """
    if not seed.text:
        return
    min_sim = ctx.opt("min_similarity", 90.0)
    max_bucket = ctx.opt("max_bucket", 64)
    sts = _statements(seed)
    n_sentences = len(sts)
    sts += clauses(seed.text, sts, norm=_norm(seed), tokens=_body_tokens(seed),
                   keyed=_keyed(seed))
    partners: dict[int, list[tuple[int, list]]] = {}
    sigs = np.concatenate([_statement_sigs(seed),
                           minhashes([st.key for st in sts[n_sentences:]])])
    found = _conflicts(sts, min_sim, max_bucket, n_sentences, sigs)
    found += _restatements(sts, n_sentences, {(x.start, y.start) for _a, _b, d in found
                                              for x, y in d})
    for a, b, d in found:
        partners.setdefault(a, []).append((b, d))
        partners.setdefault(b, []).append((a, [(y, x) for x, y in d]))
    for i in sorted(partners):
        st = sts[i]
        j, d = partners[i][0]
        other = sts[j]
        line = seed.position(other.start)[0]
        first = d[0][0]
        exact = st.key == other.key
        more = f" (and {len(partners[i]) - 1} more)" if len(partners[i]) > 1 else ""
        about = subject(st, other, d)
        yield Hit(
            first.start, d[-1][0].end,
            f"conflicting figure for “{about}”: {describe(d)} in the same statement at line "
            f"{line}{more}; one of them is wrong",
            related=[seed.location(dd[0][1].start, dd[-1][1].end) for _k, dd in partners[i]],
            severity="error" if exact else "warning",
            key=f"{st.key}|{'/'.join(x.value for x, _ in d)}",
            evidence={"values": [x.shown() for x, _ in d], "other": [y.shown() for _, y in d],
                      "other_line": line, "subject": about},
        )


# -- across files -------------------------------------------------------------------------


_RELATIVE_TIME = re.compile(
    r"(?<![\d年])\d{1,2}(?:[—–\-~至到]\d{1,2})?月|今年|去年|明年|本年|当年|前年|[一二三四]季度|"
    r"上半年|下半年|前三季度|前\d{1,2}个?月|前[两二三四五六七八九十]{1,2}个月|本月|上月|今天|昨天|"
    r"今日|昨日|近日|日前|目前|当前|本周|上周|近期|此前|年初|年底|年末|月初|月底|截至")


@corpus_index("figure", version=3)
def figure_features(seed, ctx):
    """Per seed: its statements (sentence span, masked key, context, figures), as
    plain tuples, and their MinHash signatures (``BANDS * ROWS`` values below 2**31
    a statement, as little-endian uint32 bytes): everything the
    corpus check needs that does not depend on other seeds. Keys are cut to 200
    characters."""
    if not seed.text:
        return None
    _pub, own, _p, _i = _page_reference(seed)
    year = own.year if own else (seed.header_date.year if seed.header_date else None)
    out = []
    rows = []  # each kept statement's signature: its key's, unless the key is cut below
    whole = _statement_sigs(seed)
    cut = []
    for j, st in enumerate(_statements(seed)):
        if key_chars(st.key) < MIN_KEY_CHARS:
            continue
        if len(st.key) > 200:
            cut.append(len(rows))
        rows.append(whole[j])
        # prev is only read when a core is short (a partner 90% alike is at most 25%
        # longer): keep the feature small
        short = key_chars(core(st.key)) < SHORT_KEY_CHARS * 5 // 4
        st = st._replace(key=st.key[:200], prev=st.prev[:40] if short else "")
        if _RELATIVE_TIME.search(seed.text, st.start, st.end):
            # 一季度 / 今年 / 目前 in two pages of different years are different periods
            st = st._replace(context=st.context + (f"@{year}",))
        out.append(st)
    if cut:  # (keys are cut to 200 characters: their own signatures)
        for r, row in zip(cut, minhashes([out[r].key for r in cut])):
            rows[r] = row
    sigs = (np.array(rows, dtype=np.uint64) if rows
            else minhashes([])).astype("<u4").tobytes()
    return {"year": year, "statements": out, "minhash": sigs, "sentences": _sentence_sketch(seed)}


_SENT_SPLIT = re.compile(r"[。！？!?；;\n]+")
SKETCH_MAX = 256


def _sentence_sketch(seed) -> bytes:
    """The crc32 of every distinct sentence of the body (figures kept, white space and
    quotes dropped, at least 12 characters), the smallest ``SKETCH_MAX`` of them as
    uint32 bytes: two versions of one article share most of them, figures or not."""
    text = seed.text or ""
    keyed = _keyed(seed) if text else ""
    hs = set()
    # the pieces between the separators (as _SENT_SPLIT.split(text[body_start:]) gives
    # them), each read from the keyed text: its piece translated with the key mapping
    pos = seed.body_start
    for m in _SENT_SPLIT.finditer(text, pos):
        key = keyed[pos:m.start()].replace("\x00", "")
        if len(key) >= 12:
            hs.add(zlib.crc32(key.encode("utf-8")))
        pos = m.end()
    key = keyed[pos:].replace("\x00", "")
    if len(key) >= 12:
        hs.add(zlib.crc32(key.encode("utf-8")))
    return np.array(sorted(hs)[:SKETCH_MAX], dtype="<u4").tobytes()


def _shared_sentences(fa: dict, fb: dict) -> tuple[int, int]:
    """(sentences two files share, sentences of the smaller sketch)."""
    a = np.frombuffer(fa.get("sentences", b""), dtype="<u4")
    b = np.frombuffer(fb.get("sentences", b""), dtype="<u4")
    if not len(a) or not len(b):
        return 0, 0
    # both are the smallest values of their sets: compare below the lower maximum
    top = min(a[-1], b[-1])
    a, b = a[a <= top], b[b <= top]
    return len(np.intersect1d(a, b, assume_unique=True)), min(len(a), len(b))


TEMPLATE_VARIANTS = 3  # a statement key stated with this many sets of figures is a template


def _cap(ctx) -> int:
    return ctx.config.opt("figure.conflicting-figure-across-files", "max_bucket", 64)


@index_keys("figure", closure="pairs", cap=_cap,
            group_min=lambda ctx: TEMPLATE_VARIANTS)
def figure_keys(feature, ctx):
    """Blocking keys for incremental runs (``checks/incremental.py``): capped, the
    ``BANDS`` MinHash band values of every statement (candidate buckets; a bucket of
    more than ``max_bucket`` rows is skipped), one occurrence per statement; and as
    groups, each statement's masked key with the hash of its set of figures (the
    template rule: a key stated with ``TEMPLATE_VARIANTS`` or more sets of figures
    across the corpus is skipped). The state keeps both as maintained reduces (bucket
    sizes, distinct figure sets per key); given them, a finding depends only on the
    pair of files it names (its path and its related location's): the closure is
    the pairs."""
    bands = _band_keys(feature)
    khash, vhash = _stmt_hashes(feature)
    return np.zeros(0, dtype=np.uint64), bands.ravel(), (khash, vhash)


_SALT = np.arange(1, BANDS + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)


def _band_keys(feature) -> np.ndarray:
    """(statements × BANDS) bucket keys of a feature: each band's two MinHash values
    (as ``pair_codes`` buckets them), salted by band so that one array holds them all."""
    sig = np.frombuffer(feature["minhash"], dtype="<u4").reshape(-1, BANDS * ROWS)
    sig = sig.astype(np.uint64)
    band = (sig[:, 0::2] << np.uint64(31)) | sig[:, 1::2]
    return band ^ _SALT


def _stmt_hashes(feature) -> tuple[np.ndarray, np.ndarray]:
    """(key hash, hash of the set of figures) of every statement of a feature."""
    sts = feature["statements"]
    k = np.fromiter((_key_hash(st.key) for st in sts), dtype=np.uint64, count=len(sts))
    v = np.fromiter((_key_hash("v\0" + repr(tuple(x.sig() for x in st.figs)))
                     for st in sts), dtype=np.uint64, count=len(sts))
    return k, v


def _key_hash(key: str) -> int:
    import hashlib

    return int.from_bytes(hashlib.blake2b(("k\0" + key).encode("utf-8"),
                                          digest_size=8).digest(), "little")


class _Rows:
    """Every statement of some files as one row: its file (position in ``paths``),
    its index in the file's feature, its alignment class (context, units: what
    ``aligned`` needs equal), its bucket keys, and its key and figure-set hashes."""

    def __init__(self, feats: list[tuple[str, dict]]):
        self.paths = [p for p, _f in feats]
        self.feats = [f for _p, f in feats]
        classes: dict[tuple, int] = {}
        file_of, stmt, cls, bands, kh, vh = [], [], [], [], [], []
        for pi, f in enumerate(self.feats):
            sts = f["statements"]
            file_of.append(np.full(len(sts), pi, dtype=np.int64))
            stmt.append(np.arange(len(sts), dtype=np.int64))
            cls.extend(classes.setdefault(
                (st.context, tuple((x.unit, x.percent) for x in st.figs)), len(classes))
                for st in sts)
            bands.append(_band_keys(f))
            k, v = _stmt_hashes(f)
            kh.append(k)
            vh.append(v)
        cat = (lambda xs, dt: np.concatenate(xs) if xs else np.zeros(0, dtype=dt))
        self.file_of = cat(file_of, np.int64)
        self.stmt = cat(stmt, np.int64)
        self.cls = np.array(cls, dtype=np.int64)
        self.bands = np.concatenate(bands) if bands else np.zeros((0, BANDS), np.uint64)
        self.khash = cat(kh, np.uint64)
        self.vhash = cat(vh, np.uint64)

    def __len__(self) -> int:
        return len(self.file_of)


def bucket_pairs(keys: np.ndarray, row_of: np.ndarray, n: int, cap: int,
                 counts=None, wanted: np.ndarray | None = None) -> np.ndarray:
    """Candidate pairs as sorted unique codes ``a * n + b`` (``a < b`` rows): rows that
    share a bucket key (``keys[i]`` is a key of row ``row_of[i]``) whose size is at
    most ``cap``. The size is ``counts(bucket keys)`` when given (the whole corpus's,
    while these rows are a part of it), else the number of rows here. With ``wanted``
    (a boolean per row), only buckets holding a wanted row give pairs. Vectorised: the
    buckets are runs of equal keys after a stable sort (rows ascending in each)."""
    if len(keys) < 2:
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(keys, kind="stable")
    ks = keys[order]
    rs = row_of[order]
    del order  # (at 50,000 seeds each of these arrays is ~36 MB: none is kept longer)
    starts = np.flatnonzero(np.concatenate(([True], ks[1:] != ks[:-1])))
    sizes = np.diff(np.concatenate((starts, [len(ks)])))
    ok = sizes >= 2
    if ok.any():
        glob = counts(ks[starts[ok]]) if counts is not None else sizes[ok]
        ok[ok] = glob <= cap
    del ks
    if wanted is not None and ok.any():
        ok &= np.add.reduceat(wanted[rs].astype(np.int64), starts) > 0
    raw = [bucket_codes(rs, starts, sizes, ok, n, sort=True)]
    del rs, starts, sizes, ok  # (gone before the codes are sorted and made unique)
    return unique_codes(raw)


def template_rows(rows: _Rows, totals=None) -> np.ndarray:
    """Per row: its statement key is a template (stated with ``TEMPLATE_VARIANTS`` or
    more sets of figures across the corpus: ``totals.members`` when these rows are a
    part of it, else counted here)."""
    if not len(rows):
        return np.zeros(0, dtype=bool)
    if totals is not None:
        return totals.members(rows.khash) >= TEMPLATE_VARIANTS
    pairs = np.unique(np.stack([rows.khash, rows.vhash], axis=1), axis=0)
    keys, n = np.unique(pairs[:, 0], return_counts=True)
    return np.isin(rows.khash, keys[n >= TEMPLATE_VARIANTS])


def verify_pairs(pairs, min_sim: float):
    """Aligned statement pairs between files: ``pairs`` yields ``(file a, statement a,
    A, file b, statement b, B)`` in sorted order (templates already left out). Returns,
    per file pair, the keys whose figures agree and the conflicts ``(statement a,
    statement b, differences)``."""
    agreeing: dict[tuple[int, int], set[str]] = {}
    conflicts: dict[tuple[int, int], list] = {}
    for fa, sa, A, fb, sb, B in pairs:
        if not aligned(A, B, min_sim):
            continue
        d = differences(A, B)
        pair = (fa, fb)
        if agree(A, B):
            # distinct statements: a summary item and its heading count once
            agreeing.setdefault(pair, set()).add(A.key)
        elif d:
            conflicts.setdefault(pair, []).append((sa, sb, d))
    return agreeing, conflicts


CHUNK = 1 << 16  # pairs turned into Python objects at a time (memory)


def _row_pairs(rows: _Rows, ra: np.ndarray, rb: np.ndarray, tmpl: np.ndarray):
    keep = ~(tmpl[ra] | tmpl[rb]) if len(ra) else np.zeros(0, dtype=bool)
    ra, rb = ra[keep], rb[keep]
    sts = [f["statements"] for f in rows.feats]
    for c in range(0, len(ra), CHUNK):
        a, b = ra[c:c + CHUNK], rb[c:c + CHUNK]
        # numbers as Python ints a chunk at a time (numpy scalars cost a call each)
        for fa, sa, fb, sb in zip(rows.file_of[a].tolist(), rows.stmt[a].tolist(),
                                  rows.file_of[b].tolist(), rows.stmt[b].tolist()):
            yield fa, sa, sts[fa][sa], fb, sb, sts[fb][sb]


def candidate_rows(rows: _Rows, cap: int, totals=None, focus: set[str] | None = None
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Candidate row pairs (sorted) of different files and the same class."""
    n = len(rows)
    wanted = None
    if focus is not None:
        in_focus = np.array([p in focus for p in rows.paths], dtype=bool)
        wanted = in_focus[rows.file_of] if n else np.zeros(0, dtype=bool)
    codes = bucket_pairs(rows.bands.ravel(), np.repeat(np.arange(n, dtype=np.int64), BANDS),
                         n, cap, totals.counts if totals is not None else None, wanted)
    # the pairs kept (of different files, one class), a slice of the codes at a time:
    # at 50,000 seeds the codes are 14 million pairs, of which 3.4 million are kept, and
    # their rows, files and classes gathered all at once took ~450 MB more
    out_a, out_b = [], []
    for i in range(0, len(codes), KEEP_BATCH):
        c = codes[i:i + KEEP_BATCH]
        ra, rb = c // max(n, 1), c % max(n, 1)
        # pairs within one file are the file check's
        keep = (rows.file_of[ra] != rows.file_of[rb]) & (rows.cls[ra] == rows.cls[rb])
        if wanted is not None:
            keep &= wanted[ra] | wanted[rb]
        out_a.append(ra[keep])
        out_b.append(rb[keep])
    if not out_a:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(out_a), np.concatenate(out_b)


KEEP_BATCH = 1 << 20  # candidate pairs filtered at a time by candidate_rows


def pair_hits(corpus, paths: list[str], feats: list[dict], agreeing, conflicts,
              min_agree: int):
    """The findings of the file pairs that conflict (file positions into ``paths``):
    one per conflicting statement on each file, when the files are versions of one
    article (enough agreeing statements, or enough shared sentences)."""
    for pair in sorted(conflicts, key=lambda q: (paths[q[0]], paths[q[1]])):
        found = conflicts[pair]
        n_agree = len(agreeing.get(pair, ()))
        why = f"{n_agree} other statements agree"
        if n_agree < min_agree or n_agree < 2 * len(found):
            # a short article has few figures to agree on: the two files are versions
            # of one article when they share most of their sentences word for word
            fa, fb = feats[pair[0]], feats[pair[1]]
            if fa["year"] != fb["year"]:
                continue  # the same text in pages of other years: another year's article
            shared, smaller = _shared_sentences(fa, fb)
            if shared < min_agree or shared < 0.5 * smaller or \
                    n_agree + shared < 2 * len(found):
                continue
            why = f"{n_agree} other statements agree, {shared} of {smaller} sentences are shared"
        pa, pb = pair
        path_a, path_b = paths[pa], paths[pb]
        seed_a, seed_b = corpus.seed(path_a), corpus.seed(path_b)
        for sa, sb, d in found:
            A, B = feats[pa]["statements"][sa], feats[pb]["statements"][sb]
            for (path, seed, st, other_path, other_seed, dd) in (
                    (path_a, seed_a, A, path_b, seed_b, d),
                    (path_b, seed_b, B, path_a, seed_a, [(y, x) for x, y in d])):
                loc = other_seed.location(dd[0][1].start, dd[-1][1].end)
                yield Hit(
                    dd[0][0].start, dd[-1][0].end,
                    f"conflicting figure for “{subject(st, B if st is A else A, dd)}”: "
                    f"{describe(dd)} in the same statement of "
                    f"{other_path} (line {loc.line}), a version of the same article "
                    f"({why}); one of them is wrong",
                    path=path, related=[loc], severity="warning",
                    key=f"{other_path}|{st.key}|{'/'.join(x.value for x, _ in dd)}",
                    evidence={"values": [x.shown() for x, _ in dd],
                              "other": [y.shown() for _, y in dd],
                              "other_path": other_path, "agreeing": n_agree},
                )


@corpus_check("figure.conflicting-figure-across-files", severity="warning", index="figure",
              version=2)
def conflicting_figure_across_files(corpus, ctx):
    """What it flags:
    A sentence that another file states with a different figure, when the two files
    are versions of one article: besides the conflicting sentences they share at
    least `min_agreeing` (default 3) aligned sentences whose figures agree, and at
    least twice as many agreeing as conflicting ones; or, for a short article with few
    figures, the two pages (of the same year) share at least half of their sentences
    word for word. Sentences are aligned as in
    `figure.conflicting-figure`; candidate pairs come from MinHash buckets over the
    masked text (never all pairs), and a sentence that appears with three or more
    different sets of figures across the corpus is a template (a daily report) and
    is skipped. One finding on each file, `related` pointing at the other.

    Why it matters:
    Two copies of one article that disagree on a figure teach the corpus two facts;
    usually one copy was retyped or updated and the other was not.

    Example:
    `a.txt`: `全市828个贫困村共注册成立合作社778家。` and `b.txt` (the same article):
    `全市828个贫困村共注册成立合作社787家。`

    Fix:
    Check the source, correct the wrong copy, or keep only the current version.
    """
    min_sim = ctx.opt("min_similarity", 90.0)
    max_bucket = ctx.opt("max_bucket", 64)
    min_agree = ctx.opt("min_agreeing", 3)
    rows = _Rows(corpus.features("figure"))
    totals = corpus.totals.get("figure")  # a part of the corpus: the whole one's sizes
    ra, rb = candidate_rows(rows, max_bucket, totals, corpus.focus)
    agreeing, conflicts = verify_pairs(_row_pairs(rows, ra, rb, template_rows(rows, totals)),
                                       min_sim)
    yield from pair_hits(corpus, rows.paths, rows.feats, agreeing, conflicts, min_agree)


# -- the same check as a partitioned reduce (checks/partition.py) ---------------------------
#
# No process holds the whole corpus's statements: every shard splits its statements'
# bucket keys (and template groups) by key into P partitions; partition p finds the
# candidate pairs of its buckets (all rows of a bucket are in one partition, so sizes
# and caps are the whole corpus's) and the template keys of its groups; the pairs go
# to verification partition q by file pair, which receives only the statements its
# pairs name. Files are numbered in path order, so every step sorts as the one-process
# check does and the findings are the same.

ACROSS = "figure.conflicting-figure-across-files"


def _class_hash(st: Statement) -> int:
    return _key_hash("c\0" + repr((st.context, tuple((x.unit, x.percent) for x in st.figs))))


def part_split(feats: list[tuple[int, dict]], P: int, config) -> list[dict]:
    """One shard's statements, split into ``P`` parts: part p holds the bucket keys
    ``k`` with ``k % P == p`` (with file id, statement number and alignment class) and
    the (key, figure set) groups whose key hash is p modulo P."""
    fid, stn, keys, cls, gk, gv = [], [], [], [], [], []
    for f_id, f in feats:
        sts = f["statements"]
        if not sts:
            continue
        b = _band_keys(f)
        keys.append(b.ravel())
        fid.append(np.full(b.size, f_id, dtype=np.int32))
        stn.append(np.repeat(np.arange(len(sts), dtype=np.int32), BANDS))
        # 32 bits: a collision only lets through a pair that aligned() then rejects
        cls.append(np.repeat(np.fromiter((_class_hash(st) & 0xFFFFFFFF for st in sts),
                                         dtype=np.uint32, count=len(sts)), BANDS))
        k, v = _stmt_hashes(f)
        gk.append(k)
        gv.append(v)
    cat = (lambda xs, dt: np.concatenate(xs) if xs else np.zeros(0, dtype=dt))
    K, F, S, C = cat(keys, np.uint64), cat(fid, np.int32), cat(stn, np.int32), cat(cls, np.uint32)
    GK, GV = cat(gk, np.uint64), cat(gv, np.uint64)
    pk, pg = K % np.uint64(P), GK % np.uint64(P)
    out = []
    for p in range(P):
        m, g = pk == p, pg == p
        out.append({"k": K[m], "f": F[m], "s": S[m], "c": C[m], "gk": GK[g], "gv": GV[g]})
    return out


def part_candidates(parts: list[dict], P: int, config) -> tuple[list[np.ndarray], np.ndarray]:
    """Partition p: candidate statement pairs ``(file a, statement a, file b, statement
    b)`` of its buckets (different files, one alignment class), routed to ``P``
    verification partitions by file pair; and the template keys of its groups."""
    cap = config.opt(ACROSS, "max_bucket", 64)
    K = np.concatenate([x["k"] for x in parts]) if parts else np.zeros(0, np.uint64)
    F = np.concatenate([x["f"] for x in parts]) if parts else np.zeros(0, np.int32)
    S = np.concatenate([x["s"] for x in parts]) if parts else np.zeros(0, np.int32)
    C = np.concatenate([x["c"] for x in parts]) if parts else np.zeros(0, np.uint32)
    # files and statements in path order
    rowkey = (F.astype(np.int64) << np.int64(24)) | S.astype(np.int64)
    del F, S
    urow, row_of = np.unique(rowkey, return_inverse=True)
    del rowkey
    n = len(urow)
    cls_of = np.zeros(n, dtype=np.uint32)
    cls_of[row_of] = C
    codes = bucket_pairs(K, row_of.astype(np.int64), n, cap)
    ra, rb = codes // max(n, 1), codes % max(n, 1)
    fa, fb = urow[ra] >> np.int64(24), urow[rb] >> np.int64(24)
    keep = (fa != fb) & (cls_of[ra] == cls_of[rb])
    pairs = np.stack([fa[keep], urow[ra[keep]] & np.int64(0xFFFFFF),
                      fb[keep], urow[rb[keep]] & np.int64(0xFFFFFF)], axis=1).astype(np.int32)
    del fa, fb, ra, rb, keep
    q = (pairs[:, 0].astype(np.int64) * np.int64(0x9E3779B1) + pairs[:, 2]) % np.int64(P) \
        if len(pairs) else np.zeros(0, dtype=np.int64)
    routed = [pairs[q == i] for i in range(P)]
    GK = np.concatenate([x["gk"] for x in parts]) if parts else np.zeros(0, np.uint64)
    GV = np.concatenate([x["gv"] for x in parts]) if parts else np.zeros(0, np.uint64)
    if len(GK):
        g = np.unique(np.stack([GK, GV], axis=1), axis=0)
        ks, n_var = np.unique(g[:, 0], return_counts=True)
        tmpl = ks[n_var >= TEMPLATE_VARIANTS]
    else:
        tmpl = np.zeros(0, dtype=np.uint64)
    return routed, tmpl


def part_needs(routed: list[np.ndarray]) -> np.ndarray:
    """The (file, statement) pairs a verification partition reads."""
    pairs = np.concatenate(routed) if routed else np.zeros((0, 4), np.int64)
    both = np.concatenate([pairs[:, :2], pairs[:, 2:]]) if len(pairs) else \
        np.zeros((0, 2), np.int64)
    return np.unique(both, axis=0)


def part_select(feats: list[tuple[int, dict]], need: np.ndarray) -> dict[int, dict]:
    """What verification needs of some files: the named statements, the year and the
    sentence sketch (``{file id: slim feature}``), each statement as compact bytes
    (:func:`_pack_statement`): a verification task keeps them so, three to four times
    smaller than live statements, and makes a statement live only while its pairs are
    compared (:class:`_SlimStatements`)."""
    want: dict[int, list[int]] = {}
    for f_id, st_i in need.tolist():
        want.setdefault(f_id, []).append(st_i)
    out = {}
    for f_id, f in feats:
        if f_id in want:
            sts = f["statements"]
            raws = [_pack_statement(sts[i]) for i in want[f_id]]
            ends = np.cumsum([0] + [len(r) for r in raws]).tolist()
            # one buffer a file, sent beside the pickle (partition.select) and read in
            # place by the verification: no unpickled copy of the statements' bytes
            packed = (pickle.PickleBuffer(b"".join(raws)), tuple(want[f_id]), tuple(ends))
            out[f_id] = {"year": f["year"], "sentences": f.get("sentences", b""),
                         "statements": packed}
    return out


_FIGS = Statement._fields.index("figs")


def _pack_statement(st: Statement) -> bytes:
    """A statement as ``marshal`` bytes of plain tuples (no class references: about a
    quarter of its live size); :func:`_unpack_statement` gives an equal statement."""
    return marshal.dumps(st[:_FIGS] + (tuple(tuple(x) for x in st.figs),) + st[_FIGS + 1:])


def _unpack_statement(raw: bytes) -> Statement:
    t = marshal.loads(raw)
    return Statement._make(t[:_FIGS] + (tuple(map(Fig._make, t[_FIGS])),) + t[_FIGS + 1:])


SLIM_STATEMENTS = 8192  # statements a verification keeps live at a time (LRU)


class _SlimStatements:
    """A verification partition's statements, from :func:`part_select`'s packed ones:
    live only for the ``SLIM_STATEMENTS`` most recently used (its pairs are sorted by
    the first file's statement, so most come back from the cache). ``pair(f, i)`` the
    statement, or None when its key is one of ``templates``; ``files[f]`` a slim
    feature whose ``statements`` unpack on access (what :func:`pair_hits` reads)."""

    def __init__(self, slim: dict[int, dict], templates: set[int], size: int | None = None):
        from collections import OrderedDict

        self.slim = slim
        self.templates = templates
        self.size = max(1, size or SLIM_STATEMENTS)
        self.live: OrderedDict[int, Statement | None] = OrderedDict()
        self.files = _SlimFiles(slim)

    def pair(self, f_id: int, i: int) -> Statement | None:
        k = (f_id << 24) | i
        live = self.live
        if k in live:
            live.move_to_end(k)
            return live[k]
        st = _unpacked(self.slim[f_id]["statements"], i)
        if _key_hash(st.key) in self.templates:
            st = None
        if len(live) >= self.size:
            live.popitem(last=False)
        live[k] = st
        return st


class _SlimFiles:
    """``{file id: slim feature}`` with statements unpacked on access."""

    def __init__(self, slim: dict[int, dict]):
        self.slim = slim

    def __getitem__(self, f_id: int) -> dict:
        v = self.slim[f_id]
        return dict(v, statements=_Unpacked(v["statements"]))


class _Unpacked:
    def __init__(self, packed):
        self.packed = packed

    def __getitem__(self, i: int) -> Statement:
        return _unpacked(self.packed, i)


def _unpacked(packed, i: int) -> Statement:
    """Statement ``i`` of a file's packed statements (``(buffer, statement numbers,
    offsets)``, :func:`part_select`)."""
    buf, idx, ends = packed
    k = idx.index(i)
    return _unpack_statement(memoryview(buf)[ends[k]:ends[k + 1]])


PAIR_CHUNK = 8192  # pairs turned into Python lists at a time (~1.7 MB of them)


def _unique_pairs(routed: list[np.ndarray]):
    """The rows ``(file a, statement a, file b, statement b)`` of every routed array,
    duplicates (a pair from several bands' partitions) dropped, in sorted order, as an
    iterator of lists of ``PAIR_CHUNK`` rows (None: no rows). When the four numbers fit in
    one int64 (files and statements of the largest id's bit length), each row is one
    sortable key (8 bytes a pair instead of a sorted 16-byte copy and its order);
    otherwise the rows are sorted as they are."""
    routed = [r for r in routed if len(r)]
    if not routed:
        return None
    bf = max(int(max(r[:, 0].max(), r[:, 2].max())) for r in routed).bit_length()
    bs = max(int(max(r[:, 1].max(), r[:, 3].max())) for r in routed).bit_length()
    if 2 * (bf + bs) <= 63:
        def key(r):
            c = r.astype(np.int64)
            return (((c[:, 0] << bs | c[:, 1]) << bf | c[:, 2]) << bs) | c[:, 3]

        keys = np.unique(np.concatenate([key(r) for r in routed]))
        mf, ms = np.int64((1 << bf) - 1), np.int64((1 << bs) - 1)

        def rows():
            for c in range(0, len(keys), PAIR_CHUNK):
                k = keys[c:c + PAIR_CHUNK]
                yield np.stack([k >> (bs + bf + bs), (k >> (bf + bs)) & ms,
                                (k >> bs) & mf, k & ms], axis=1).tolist()
        return rows()
    pairs = np.concatenate(routed)
    order = np.lexsort(pairs.T[::-1])
    pairs = pairs[order]
    del order
    pairs = pairs[np.r_[True, (pairs[1:] != pairs[:-1]).any(axis=1)]]
    return (pairs[c:c + PAIR_CHUNK].tolist() for c in range(0, len(pairs), PAIR_CHUNK))


def part_verify(corpus, ids: dict[int, str], routed: list[np.ndarray], slim: dict[int, dict],
                tmpl: np.ndarray, config):
    """Verification partition q: its candidate pairs (from every candidate partition,
    duplicates dropped, in sorted order), templates left out; yields the check's hits."""
    ctx = config
    min_sim = ctx.opt(ACROSS, "min_similarity", 90.0)
    min_agree = ctx.opt(ACROSS, "min_agreeing", 3)
    chunks = _unique_pairs(routed)
    if chunks is None:
        return
    sts = _SlimStatements(slim, set(tmpl.tolist()))

    def gen():
        pair = sts.pair
        for chunk in chunks:
            for fa, sa, fb, sb in chunk:
                A = pair(fa, sa)
                if A is None:
                    continue
                B = pair(fb, sb)
                if B is None:
                    continue
                yield (fa, sa, A, fb, sb, B)

    agreeing, conflicts = verify_pairs(gen(), min_sim)
    del sts
    yield from pair_hits(corpus, ids, _SlimFiles(slim), agreeing, conflicts, min_agree)


corpus_partition(PartitionSpec("figure", "figure", ACROSS, part_split, part_candidates,
                               part_needs, part_select, part_verify))


# -- dates ----------------------------------------------------------------------------------

_BULLET = " \t\u3000•·*#>-–—|"
_TIME = r"(?:\s*\d{1,2}(?:[:：]\d{2}){1,2}|\s*\d{1,2}时(?:\d{1,2}分)?(?:\d{1,2}秒)?)?"
_FULL = (r"(?:(?:19|20)\d{2}年\d{1,2}月\d{1,2}[日号]"
         r"|(?:19|20)\d{2}(?P<sep>[-/.])\d{1,2}(?P=sep)\d{1,2})")
_DATE_ONLY = re.compile(r"(?P<d>" + _FULL + r")" + _TIME + r"\s*")
# 更新时间/修改日期 say when a page changed, 会议时间/活动日期 when something happens: only
# 发布/发表/... or a bare 时间/日期 label say when the page was published
_LABELED = re.compile(r"(?:(?:发布|发表|上传|录入|印发|成文)(?:时间|日期)|发布于"
                      r"|(?<![\u4e00-\u9fff])(?:日期|时间))"
                      r"\s*[：:]?\s*(?P<d>" + _FULL + r")")
_SIGNED = re.compile(r"[(（]?(?P<d>" + _FULL + r")[)）]?\s*$")
_COMPACT_TITLE = re.compile(r"[(（](?P<d>(?:19|20)\d{6})[)）]")
_SENTENCE_PUNCT = re.compile(r"[。，；！？,;!?]")


def page_dates(seed) -> tuple[list[DateMention], list[DateMention]]:
    """The dates a page states about itself (see :func:`_page_dates`), computed once per
    text; new lists each call."""
    published, issued = _memo("page_dates", seed, lambda: _page_dates(seed))
    return list(published), list(issued)


def _page_dates(seed) -> tuple[list[DateMention], list[DateMention]]:
    """The dates a page states about itself: (published, issued).

    *published*: a line that is only a date (and time), as in the bullet
    `• 2017年09月08日 17时46分`, or a labelled date (发布时间：..., 日期：...).
    *issued*: a short signature line that ends with a date
    (`四川省脱贫攻坚领导小组办公室  2017年8月28日`), or a title's date in brackets
    (`《新闻联播》 (20220924)`).
    """
    published: list[DateMention] = []
    issued: list[DateMention] = []
    text = seed.text or ""
    norm = _norm(seed) if text else ""
    body_line = seed.line_at(seed.body_start).number if seed.body_start else 1
    for ln in seed.lines[body_line - 1:]:
        raw = norm[ln.start:ln.end]
        stripped = raw.strip(_BULLET)
        if not stripped or len(stripped) > 80:
            continue
        off = ln.start + raw.index(stripped[0])
        m = _DATE_ONLY.fullmatch(stripped)
        kind = None
        if m:
            kind = "published"
        else:
            m = _LABELED.search(stripped)
            if m:
                kind = "published"
            else:
                m = _SIGNED.search(stripped)
                if m and not _SENTENCE_PUNCT.search(stripped) and m.start() >= 2 and \
                        len(stripped) <= 60 and not re.search(r"[：:]|更新|修改", stripped):
                    kind = "issued"
                else:
                    m = _COMPACT_TITLE.search(stripped)
                    if m and len(stripped) <= 60:
                        kind = "issued"
        if kind is None:
            continue
        s = off + m.start("d")
        e = off + m.end("d")
        found = [d for d in find_dates(text, s - 1, e + 1) if d.year is not None]
        if not found:
            continue
        d = found[0]
        if d.as_date() is None:
            continue
        (published if kind == "published" else issued).append(d)
    return published, issued


@file_check("figure.captured-before-published", severity="error", version=1)
def captured_before_published(seed, ctx):
    """What it flags:
    A page date later than the capture date on line 1: a publication date the page
    states (a date bullet `• 2017年09月08日 17时46分`, `发布时间：2017-09-08`) or the date
    a briefing or report is signed with (`...办公室  2017年8月28日`).

    Why it matters:
    A page cannot be captured before it exists: either the capture date or the page
    date is wrong, and everything dated relative to them (今年, 截至今年6月) is placed
    in the wrong year.

    Example:
    Line 1 `2017-09-01`, and the page says `• 2017年09月08日 17时46分`.

    Fix:
    Correct the capture date on line 1 (or the page date, if the page was mangled).
    """
    header = seed.header_date
    if header is None:
        return
    published, issued = page_dates(seed)
    line1 = seed.lines[0]
    for what, dates in (("published", published), ("dated", issued)):
        for d in dates:
            day = d.as_date()
            if day is not None and day > header:
                yield Hit(d.start, d.end,
                          f"the page says it was {what} on {day.isoformat()} ({d.text}), "
                          f"after its capture date {header.isoformat()} on line 1",
                          related=[seed.location(line1.start, line1.end)],
                          evidence={"page_date": day.isoformat(),
                                    "capture_date": header.isoformat()})


# 截至 is "as of" (a past date); 截止/截止到 is a deadline and may lie in the future
_ASOF = re.compile(r"截至(?:到)?\s*$")
_ASOF_YEAR = re.compile(r"截至(?P<y>(?:19|20)\d{2})年(?:底|末)")


def _page_reference(seed) -> tuple[_dt.date | None, _dt.date | None, list, list]:
    """(publication date, the page's own date, published, issued). Three or more
    different dates of one kind are a list of other articles (a "related news" box),
    not the page's own date: that kind is then not used."""
    published, issued = page_dates(seed)
    if len({d.as_date() for d in published}) >= 3:
        published = []
    if len({d.as_date() for d in issued}) >= 3:
        issued = []
    pub = min((d.as_date() for d in published), default=None)
    own = max((d.as_date() for d in issued + published), default=None)
    return pub, own, published, issued


@file_check("figure.dated-after-publication", severity="warning", version=1)
def dated_after_publication(seed, ctx):
    """What it flags:
    A briefing or report whose own date (its signature line) is later than the
    publication date the page states; and an "as of" statement (截至今年10月,
    截至2017年9月30日, 截至2018年底) later than the page's own date. Relative years
    (今年, 去年) are resolved against the page's own date, never the capture date.

    Why it matters:
    A text cannot report what had not happened when it was written: one of the dates
    is a typo, or the page mixes two versions.

    Example:
    `• 2017年09月08日 17时46分` (published) and `...办公室  2017年9月28日` (signed), or
    `截至今年10月` on a page dated 2017年8月28日.

    Fix:
    Check the source for the right date and correct it.
    """
    if not seed.text:
        return
    pub, own, published, issued = _page_reference(seed)
    if pub is not None:
        for d in issued:
            day = d.as_date()
            if day is not None and day > pub:
                first = min(published, key=lambda x: x.as_date())
                yield Hit(d.start, d.end,
                          f"the report is dated {day.isoformat()} ({d.text}) but the page "
                          f"says it was published on {pub.isoformat()}",
                          related=[seed.location(first.start, first.end)],
                          evidence={"dated": day.isoformat(), "published": pub.isoformat()})
    if own is None:
        return
    text = seed.text
    body = seed.body_start
    for d in _body_dates(seed, own.year):
        if d.year is None or (not d.relative and not re.match(r"(19|20)\d{2}年", d.text)):
            continue
        if not _ASOF.search(text[max(body, d.start - 4):d.start]):
            continue
        day = d.as_date()
        if day is not None and day > own:
            how = f" ({d.text[:2]} resolved against the page's date)" if d.relative else ""
            yield Hit(d.start, d.end,
                      f"as-of date {d.text} = {day.isoformat()[:10 if d.day else 7]}{how} is "
                      f"after the page's own date {own.isoformat()}",
                      evidence={"as_of": day.isoformat(), "page_date": own.isoformat()})
    for m in _ASOF_YEAR.finditer(text, body):
        y = int(m.group("y"))
        if y > own.year:
            yield Hit(m.start("y"), m.end(),
                      f"as-of date {m.group(0)[2:]} is after the page's own date "
                      f"{own.isoformat()}", evidence={"as_of": y, "page_date": own.isoformat()})


@file_check("figure.invalid-date", severity="error", version=1)
def invalid_date(seed, ctx):
    """What it flags:
    A date that is not on the calendar: 2月30日, 2023年2月29日, 6月31日, 13月5日,
    2017-09-31. Dates relative to the page (今年2月29日) are checked in the page's
    year; 2月29日 with no year to check against is left alone.

    Why it matters:
    An impossible date is a typo; the true date is unknown, and a model learns that
    such dates exist.

    Example:
    `2月30日召开推进会`.

    Fix:
    Check the source for the right date and correct it.
    """
    if not seed.text:
        return
    _pub, own, _p, _i = _page_reference(seed)
    year = own.year if own else None
    for d in _body_dates(seed, year):
        if d.relative and year is None:
            continue
        if re.search(r"农历|阴历", seed.text[max(0, d.start - 4):d.start]):
            continue  # 农历2月30日: lunar months have 30 days
        if d.valid() is False:
            when = f"{d.year}年" if d.year else ""
            yield Hit(d.start, d.end,
                      f"{d.text} is not a calendar date ({when}{d.month}月 "
                      + (f"has no day {d.day})" if 1 <= d.month <= 12 else "does not exist)"),
                      evidence={"year": d.year, "month": d.month, "day": d.day})


# -- counts and totals -------------------------------------------------------------------------

_COUNT_CLS = ("个", "项", "大", "类", "种", "条", "件", "方面", "点", "支", "座", "家", "所",
              "位", "名", "批", "步", "环节", "领域", "地", "省", "市", "区", "县",
              "张", "篇", "部", "款", "场", "次", "届", "重", "化", "型", "级", "样", "套",
              "处", "组", "份", "门", "只", "本")
_SMALL_NUM = r"(?:[两二三四五六七八九十]|十[一二三四五六七八九]|二十|[2-9]|1\d|20)"
_COUNT_BACK = re.compile(
    r"(?P<eq>等等|等)?(?P<q>[“\"「《]?)(?P<num>" + _SMALL_NUM + r")(?P<cls>"
    + "|".join(sorted(_COUNT_CLS, key=len, reverse=True)) + r")")
_COUNT_FWD = re.compile(
    r"(?<![第\d" + CN_CHARS + r"])(?P<num>" + _SMALL_NUM + r")(?P<cls>"
    + "|".join(sorted(_COUNT_CLS, key=len, reverse=True))
    + r")(?P<noun>[^\s，。；：:、！？“”\"（）()\d]{1,8}?)[”\"」》]?"
    r"(?P<intro>：|:|，即|,即|即|包括|分别是|分别为)")
# the characters a match of each can start with (for jump_finditer); a match of
# _COUNT_FWD starts with a numeral of _SMALL_NUM (its first character, perhaps a second
# one) and a classifier, which the lookahead asks for: the pattern is then tried at ~7
# places a seed instead of ~80 (its digits and numerals)
_COUNT_BACK_START = re.compile(r"[等“\"「《两二三四五六七八九十1-9]")
_COUNT_FWD_START = re.compile(r"[两二三四五六七八九十1-9](?=[\d一二三四五六七八九十]?(?:"
                              + "|".join(sorted(_COUNT_CLS, key=len, reverse=True)) + r"))")
_CLAUSE_BREAK = set("，,。；;：:！？!?\n")
_OPEN = "（(“「《【‘\"'"
_CLOSE = "）)”」》】’\"'"
_AND = re.compile(r".(?:和|及|与|以及|同).")
_FIXED = ("七个有之", "八项规定", "四个意识", "四个自信", "两个维护", "两个确立", "五位一体", "四个全面",
          "三个代表", "两学一做", "三严三实", "六稳", "六保", "两个大局", "三个务必", "两个结合",
          "五个必由之路", "三农", "三新一高", "四风", "两个一百年", "两个毫不动摇")


_GROUPS_PATH = Path(__file__).resolve().parent.parent / "data" / "named_groups.txt"


@lru_cache(maxsize=1)
def _named_groups() -> tuple[str, ...]:
    """Named groups of regions whose name ends in a count (东北三省), from
    ``checks/data/named_groups.txt`` (source and licence in its header)."""
    out = []
    for line in _GROUPS_PATH.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return tuple(sorted(set(out), key=len, reverse=True))


def _in_named_group(norm: str, s_num: int, e_cls: int, extra: tuple[str, ...] = ()) -> str:
    """The named group (东北三省, 长三角三省一市) whose name holds the count at
    ``norm[s_num:e_cls]``, or ''."""
    lo, hi = max(0, s_num - 12), min(len(norm), e_cls + 8)
    window = norm[lo:hi]
    for g in extra + _named_groups():
        k = window.find(g)
        while k >= 0:
            if lo + k <= s_num < lo + k + len(g):
                return g
            k = window.find(g, k + 1)
    return ""


def _recurring_unit(norm: str, body: int, phrase: str, here: int) -> bool:
    """``phrase`` (the last item with the count: 东北三省) also stands in the text as a
    unit, not closing a list (not after 、): a named group of this page."""
    k = norm.find(phrase, body)
    while k >= 0:
        if k != here and (k == 0 or norm[k - 1] != "、"):
            return True
        k = norm.find(phrase, k + 1)
    return False


# Characters that abbreviate the members of an enumeration inside one item: provinces
# (京津冀, 沪苏浙), directions (东中西部), levels (省市县), sizes (大中小微), ordinals
# (一二三产业). Two or more of one class in a row make the item several members.
_ENUM_CLASSES = ("京津冀沪渝苏浙皖闽赣鲁豫鄂湘粤桂琼川黔滇藏陕甘青宁新港澳台蒙辽吉黑晋",
                 "东南西北中", "省市县乡镇村", "大中小微", "一二三四五六七八九十", "党政军民学",
                 "工农商学兵", "水电气暖路讯")


def _enumeration_item(item: str) -> bool:
    """An item that is itself an enumeration (东中西部, 沪苏, 一二三产业)."""
    for cls in _ENUM_CLASSES:
        run = 0
        for ch in item:
            run = run + 1 if ch in cls else 0
            if run >= 2:
                return True
    return False


# A count with a bare place classifier (三省, 两市) right after the last item counts that
# item's members unless the item is itself a place of that level: 辽宁、吉林、黑龙江三省
# (the list's noun is 省), but 青海、晋陕豫三省 and 山西、东北三省 (the count is part of the
# last item's name).
_PLACE_CLS = {"省", "市", "区", "县", "地"}
_PROVINCES = ("北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏",
              "浙江", "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "广西", "海南",
              "重庆", "四川", "贵州", "云南", "西藏", "陕西", "甘肃", "青海", "宁夏", "新疆", "香港",
              "澳门", "台湾")


def _is_place(item: str, cls: str) -> bool:
    """Is the last item of a list a place the count's classifier counts (a province
    for 省/地, a name ending in 市/区/县 for those)?"""
    item = item.strip()
    if item.endswith(("省", "市", "区", "县", "自治区", "州", "盟")):
        return True
    return item in _PROVINCES or any(item.endswith(p) and len(item) - len(p) <= 2
                                     for p in _PROVINCES if len(p) >= 2)


def _top_level_split(seg: str, sep: str = "、") -> list[str]:
    items, depth, cur = [], 0, []
    for ch in seg:
        if ch in "（(「《【“‘":
            depth += 1
        elif ch in "）)」》】”’":
            depth = max(0, depth - 1)
        if ch == sep and depth == 0:
            items.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    items.append("".join(cur))
    return items


def _clause_start(text: str, pos: int, floor: int) -> int:
    """Offset just after the clause break before ``pos`` (breaks inside brackets or
    quotes do not count)."""
    depth = 0
    i = pos - 1
    while i >= floor:
        ch = text[i]
        if ch in "）)」》】”’":
            depth += 1
        elif ch in "（(「《【“‘":
            if depth == 0:
                if ch in "（(":  # an open bracket before the list starts it
                    return i + 1
            depth = max(0, depth - 1)
        elif depth == 0 and ch in _CLAUSE_BREAK:
            return i + 1
        i -= 1
    return floor


_ORDINAL_CLS = {"届", "次", "级", "位", "重", "化", "型", "样"}
_NOT_ITEM_END = set("的为在了是和与及对向把被将从以于至到着过出提近约超逾第共")
_MAX_ITEM = 12
_MAX_FIRST_ITEM = 16


def _plain_list(items: list[str]) -> bool:
    """A list of short named items: no quotes, no figures, no empty item; the first
    item may carry a short lead-in verb (从, 实施, 以...)."""
    if len(items) < 2:
        return False
    for i, it in enumerate(items):
        it = it.strip()
        if not it or len(it) > (_MAX_FIRST_ITEM if i == 0 else _MAX_ITEM):
            return False
        if re.search(r"[“”\"「」《》\d:：<>]", it):
            return False
        if re.fullmatch(f"[{CN_CHARS}]+", it):
            return False  # 一、二: enumerators
        if re.search(f"[{CN_CHARS}](?:{'|'.join(_COUNT_CLS)})", it):
            return False  # items that hold counts of their own
        if re.search(r"等|其他|其它|其余|分别", it):
            return False  # 制造业、科学研究等行业: the list is already closed
    return True


_NOUN_TAGS = {"n", "nr", "ns", "nt", "nz", "nrt", "ng", "vn", "an", "j"}


def _all_nouns(items: list[str]) -> bool:
    """Every item ends in a noun (jieba part-of-speech tags): 北京、上海、广州 yes,
    及时发现、着力解决 no. Only asked for a list not tied to its count by 等 or quotes,
    and only once a mismatch is found; the tags are jieba's (``typo_data.pos_tags``)."""
    from .. import typo_data as D

    for it in items:
        words = [(w, flag) for w, flag in D.pos_tags(it.strip()) if w.strip()]
        if not words or words[-1][1] not in _NOUN_TAGS:
            return False
    return True


def _count(items: list[str], n: int) -> int:
    """Items named; an item holding 和/与/及 may be two (A、B和C; 甲与已建成的乙、丙)."""
    c = len(items)
    for it in (items[-1], items[0]):
        if c < n and _AND.search(it):
            c += 1
    return c


@file_check("figure.count-mismatch", severity="warning", version=2)
def count_mismatch(seed, ctx):
    """What it flags:
    A stated count that disagrees with the list it introduces or closes:
    `从A、B、C、D等5个方面` (four items named), `扶贫计划、回引计划“三项计划”` (two),
    `三项计划：A、B` (two), `北京、上海、广州、深圳3个城市` (four). A list before the count
    that is not tied to it by 等 or quotes must end every item in a noun (jieba
    part-of-speech tags; `及时发现、着力解决七个方面` is a row of verbs); items are
    counted at the top level (a 、 inside brackets or quotes does not split), and
    `A、B和C` counts three. With 等, fewer items than the count is flagged
    only when exactly one is missing and three or more are named
    (`北京、上海等10个城市` is partial on purpose). Ordinals (二十大, 十四届) and fixed
    formulas (八项规定, 四个意识) are not counts. A count that is part of the last
    item's own name is not the list's count: a named group (东北三省, 长三角三省一市, 两岸四地,
    `checks/data/named_groups.txt`, plus `named_groups` from the configuration), a phrase
    the page also uses as a unit, a bare place classifier after an item that is not a
    place of that level (`青海、晋陕豫三省`); nor is a list whose items are themselves
    enumerations (`东中西部、东北地区四大板块`). The message says what was counted.

    Why it matters:
    One of the two is wrong: an item fell out of the list, or the count was not
    updated; the corpus then teaches a count that its own text contradicts.

    Example:
    `从基本队伍、基本活动、基本阵地、基本制度等5个方面制定24条具体标准`.

    Fix:
    Restore the missing item or correct the count (check the source).
    """
    if not seed.text:
        return
    text = seed.text
    norm = _norm(seed)
    body = seed.body_start
    groups = tuple(ctx.opt("named_groups", []))
    if not all(isinstance(g, str) and g for g in groups):
        from ..config import ConfigError
        raise ConfigError('[tool.seedcheck.checks."figure.count-mismatch"] named_groups: '
                          "expected a list of non-empty strings")
    for m in jump_finditer(_COUNT_BACK, _COUNT_BACK_START, norm, body):
        n = parse_numeral(m.group("num"))
        if n is None:
            continue
        n = int(n)
        # the numeral must not continue a longer number or be an ordinal
        s_num = m.start("num")
        if s_num > 0 and (norm[s_num - 1].isdigit() or norm[s_num - 1] in CN_CHARS + "第"):
            continue
        e_num = m.end("num")
        if e_num < len(norm) and (norm[e_num].isdigit() or norm[e_num] in CN_CHARS):
            continue
        cls = m.group("cls")
        if cls in _ORDINAL_CLS or (cls == "大" and n > 10):
            continue  # 十三届, 五次会议, 二十大: not counts of a list
        if m.group("q"):
            close = norm.find("”", m.end(), m.end() + 8)
            if close < 0 and m.group("q") == "“":
                continue
        list_end = m.start()
        if list_end <= body or norm[list_end - 1] in _CLAUSE_BREAK or \
                norm[list_end - 1] in _NOT_ITEM_END or norm[list_end - 1] in "、":
            continue
        list_start = _clause_start(norm, list_end, max(body, list_end - 200))
        seg = norm[list_start:list_end]
        items = _top_level_split(seg)
        if not _plain_list(items):
            continue
        etc = bool(m.group("eq"))
        if norm.startswith(_FIXED, s_num):
            continue
        counted = _count(items, n)
        if counted == n:
            continue
        # the count may be part of the last item's own name (东北三省, 沪苏两省市), not
        # the count of the list: a known named group, or a phrase the page also uses
        # as a unit
        if _in_named_group(norm, s_num, m.end("cls"), groups):
            continue
        last = items[-1].strip()
        if not etc and not m.group("q") and 0 < len(last) <= 6 and _recurring_unit(
                norm, body, last[-4:] + m.group("num") + m.group("cls"),
                m.start("num") - len(last[-4:])):
            continue
        if counted < n and any(_enumeration_item(it) for it in items):
            continue  # 东中西部、东北地区四大板块: an item names several members
        if not etc and not m.group("q") and cls in _PLACE_CLS and not _is_place(last, cls):
            continue  # 青海、晋陕豫三省: the count names the last item's members
        if not etc and not m.group("q") and not _all_nouns(items):
            continue  # 及时发现、着力解决七个方面: a row of verbs is not what is counted
        if not etc and counted < n and list_start > body and norm[list_start - 1] in "，,":
            continue  # 加强领导，压实责任、狠抓落实“三项措施”: the list may begin before the comma
        if etc and counted < n and (counted < n - 1 or counted < 3):
            continue  # 北京、上海等10个城市: a partial list on purpose
        shown = "、".join(it.strip() for it in items)
        note = ("; 等 may mean the list is partial, but then the count says more than it "
                "names" if etc else "")
        yield Hit(s_num, m.end("cls"),
                  f"the count says {m.group('num')}{m.group('cls')} ({n}) but the list before "
                  f"it names {counted}: {shown[:80]}{note}",
                  evidence={"stated": n, "counted": counted, "items": items, "etc": etc})
    for m in jump_finditer(_COUNT_FWD, _COUNT_FWD_START, norm, body):
        n = parse_numeral(m.group("num"))
        if n is None:
            continue
        n = int(n)
        start = m.end()
        stop = start
        depth = 0
        while stop < len(norm) and stop - start < 120:
            ch = norm[stop]
            if ch in "（(「《【“‘":
                depth += 1
            elif ch in "）)」》】”’":
                if depth == 0:
                    break
                depth -= 1
            elif depth == 0 and ch in "，,。；;！？!?\n":
                break
            stop += 1
        seg = norm[start:stop]
        if seg.endswith(("等", "等等")) or m.group("cls") in _ORDINAL_CLS:
            continue
        if stop < len(norm) and norm[stop] in "，,":
            continue  # 三点要求：加强领导、压实责任，狠抓落实: the list may go on
        items = _top_level_split(seg)
        if not _plain_list(items) or len(items[0]) > _MAX_ITEM:
            continue
        counted = _count(items, n)
        if counted == n:
            continue
        shown = "、".join(it.strip() for it in items)
        yield Hit(m.start("num"), m.end("cls"),
                  f"the count says {m.group('num')}{m.group('cls')}{m.group('noun')} ({n}) but "
                  f"the list after it names {counted}: {shown[:80]}",
                  evidence={"stated": n, "counted": counted, "items": items, "etc": False})


_TOTAL = re.compile(r"(?:(?:共计|合计|总计|总共|一共|共有)[^\d，,。；、：:（(]{0,6}|共(?:为|达|有)?)$")
_EACH = re.compile(r"分别")


def _sentences(text: str, start: int):
    pos = start
    for m in re.finditer(r"[。；;！？!?\n]", text[start:]):
        end = start + m.start()
        if end > pos:
            yield pos, end
        pos = start + m.end()
    if pos < len(text):
        yield pos, len(text)


@file_check("figure.total-mismatch", severity="warning", version=1)
def total_mismatch(seed, ctx):
    """What it flags:
    Parts that do not add up to the total stated in the same sentence:
    `分别为35人、59人，共计90人` (they make 94), `一等奖3人、二等奖5人，合计9人`. The total is
    a figure right after 共计/合计/总计/共/共有; the parts are the figures after 分别, or
    the run of figures before 合计/共计/总计, all in the same unit (values in 万/亿 are
    scaled). When the total comes first, or 其中 stands between them, the parts may be a
    subset, so only parts that exceed the total are flagged. Approximate figures (约,
    余, 多) are never summed.

    Why it matters:
    One of the figures is wrong, and the text contradicts itself.

    Example:
    `分别选拔35人、59人，共计90人进入乡镇党政领导班子`.

    Fix:
    Check the source; correct the part or the total.
    """
    if not seed.text:
        return
    text = seed.text
    all_toks = [t for t in _body_tokens(seed) if t.quantity is not None]
    ti = 0
    for s, e in _sentences(text, seed.body_start):
        while ti < len(all_toks) and all_toks[ti].start < s:
            ti += 1
        toks = []
        while ti < len(all_toks) and all_toks[ti].end <= e:
            toks.append(all_toks[ti])
            ti += 1
        if len(toks) < 3:
            continue
        totals = [t for t in toks if _TOTAL.search(text[max(s, t.start - 10):t.start])]
        for tot in totals:
            q = tot.quantity
            if q.approx or q.is_range or q.percent or not q.unit:
                continue
            # parts after 分别 (before or after the total), else the run before 合计
            parts = []
            subset = False
            each = _EACH.search(text, s, e)
            if each:
                # the run of figures right after 分别 (up to a figure of another kind)
                run = []
                for t in toks:
                    if t.start <= each.end() or t is tot:
                        continue
                    if t.quantity.unit != q.unit or t.quantity.percent:
                        break
                    run.append(t)
                parts = run
                lo, hi = sorted((each.start(), tot.start))
                # a total stated before 分别 may cover more than the parts named after it
                subset = "其中" in text[lo:hi] or tot.start < each.start()
            elif re.search(r"(?:共计|合计|总计)(?:为|达|有|达到)?$",
                           text[max(s, tot.start - 4):tot.start]):
                seg_start = s
                for m in re.finditer(r"[：:]|其中", text[s:tot.start]):
                    seg_start = s + m.end()
                parts = [t for t in toks if seg_start <= t.start and t.end <= tot.start
                         and t.quantity.unit == q.unit and not t.quantity.percent]
                if len(parts) != len([t for t in toks
                                      if seg_start <= t.start and t.end <= tot.start]):
                    continue  # other kinds of figures in between: not a plain sum
            if len(parts) < 2 or any(p.quantity.approx or p.quantity.is_range for p in parts):
                continue
            total = sum((p.quantity.value for p in parts), Decimal(0))
            if total == q.value or (subset and total <= q.value):
                continue
            if _rounding_ok(parts, tot, total):
                continue
            shown = " + ".join(p.text for p in parts)
            yield Hit(tot.start, tot.end,
                      f"the total {tot.text} ({format_value(q.value)} {q.unit}) does not match "
                      f"its parts {shown} = {format_value(total)} {q.unit}"
                      + (" (其中: the parts may be a subset, but they exceed the total)"
                         if subset else ""),
                      related=[seed.location(parts[0].start, parts[-1].end)],
                      evidence={"total": str(q.value), "sum": str(total),
                                "parts": [p.text for p in parts]})


def _step(q) -> Decimal:
    """Half the rounding step of a written figure: 1.2万 -> 500, 2.35万 -> 50, 35 -> 0."""
    m = re.search(r"\d+(?:,\d{3})*(?:\.(\d+))?", q.text.translate(FULLWIDTH_T))
    if not m or not m.group(1):
        return Decimal(0)
    shown = Decimal(m.group(0).replace(",", ""))
    if not shown:
        return Decimal(0)
    return Decimal(10) ** -len(m.group(1)) * (q.value / shown) / 2


def _rounding_ok(parts, total_token, total: Decimal) -> bool:
    """Parts written with decimals (1.2万 + 2.35万) are rounded: the sum may miss the
    total by up to half a step of each figure."""
    slack = sum((_step(p.quantity) for p in parts), Decimal(0)) + _step(total_token.quantity)
    return abs(total - total_token.quantity.value) <= slack


# -- notation drift ---------------------------------------------------------------------------

_CN_DATE = re.compile(r"(?:19|20)\d{2}年\d{1,2}月\d{1,2}[日号]|(?<!\d)\d{1,2}月\d{1,2}[日号]")
# where a match of _CN_DATE can start (for jump_finditer): a digit before 月 (one or two
# digits) or 年 (four); tried at ~4 places a seed instead of at each of its ~60 digits
_CN_DATE_START = re.compile(r"\d(?=\d?月|\d{3}年)")
_FULL_DIGITS = re.compile(r"[０-９]+")
_HALF_DIGITS = re.compile(r"[0-9]+")


@file_check("figure.notation-drift", severity="info", version=1)
def notation_drift(seed, ctx):
    """What it flags:
    One file writing the same kind of figure two ways: dates both zero-padded and not
    (`2017年09月08日` and `2017年8月28日`), or digits both full-width and half-width
    (`１２３` and `123`). One finding per kind, on the first date or digits of the
    less common notation, `related` pointing at the first of the other. The capture
    date on line 1 is not counted.

    Why it matters:
    Mixed notation is a sign of text pasted from several sources; it makes figures
    harder to compare and search. Information only.

    Example:
    `• 2017年09月08日 17时46分` and `四川省脱贫攻坚领导小组办公室  2017年8月28日`.

    Fix:
    Nothing is required; normalise the notation if the corpus has a house style.
    """
    if not seed.text:
        return
    text = seed.text
    body = seed.body_start
    norm = _norm(seed)
    padded, unpadded = [], []
    for m in jump_finditer(_CN_DATE, _CN_DATE_START, norm, body):
        d = find_dates(text, m.start(), m.end())
        if not d or d[0].padded is None:
            continue
        (padded if d[0].padded else unpadded).append(d[0])
    if padded and unpadded:
        minority, other = (padded, unpadded) if len(padded) < len(unpadded) else \
            (unpadded, padded)
        if len(padded) == len(unpadded):
            minority, other = (padded, unpadded) if padded[0].start > unpadded[0].start \
                else (unpadded, padded)
        a, b = minority[0], other[0]
        yield Hit(a.start, a.end,
                  f"dates are written both zero-padded ({padded[0].text}, {len(padded)}x) and "
                  f"unpadded ({unpadded[0].text}, {len(unpadded)}x) in this file",
                  related=[seed.location(b.start, b.end)], key="date-padding",
                  evidence={"padded": len(padded), "unpadded": len(unpadded)})
    # (the runs of the body, read in place: offsets are the text's)
    full = _FULL_DIGITS.findall(text, body)
    half = _HALF_DIGITS.findall(text, body) if full else []
    if full and half:
        fm, hm = _FULL_DIGITS.search(text, body), _HALF_DIGITS.search(text, body)
        a, b = (fm, hm) if len(full) <= len(half) else (hm, fm)
        yield Hit(a.start(), a.end(),
                  f"digits are written both full-width ({full[0]}, {len(full)}x) and "
                  f"half-width ({half[0]}, {len(half)}x) in this file",
                  related=[seed.location(b.start(), b.end())],
                  key="digit-width", evidence={"fullwidth": len(full), "halfwidth": len(half)})
