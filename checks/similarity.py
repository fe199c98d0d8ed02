"""Comparing texts paragraph by paragraph, and sketching them for candidate search.

Public helpers (documented in ``docs/duplicates.md``):

* :func:`aligned_pairs` aligns the paragraphs of two texts (or, with one text, the first
  and the later copy of every block repeated inside it) and says for each pair whether
  it is the same, differs only in figures, is edited, or has no counterpart. The figure
  checks use it to find the numbers that changed between two copies.
* :func:`find_repeats` finds runs of paragraphs that occur again later in the same text
  (``duplicate.repeated-body``).
* :func:`signature` / :func:`jaccard` / :func:`lsh_pairs`: a MinHash sketch of a
  text's character shingles (one-permutation hashing with densification: one hash per
  shingle instead of one per shingle and permutation) and the banding that turns
  sketches into candidate pairs without comparing all pairs.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
from rapidfuzz import fuzz

from .paragraphs import Paragraph, fold_figures, paragraphs

# -- paragraph pairs ----------------------------------------------------------------------


@dataclass(frozen=True)
class AlignedPair:
    """One row of an alignment: a paragraph of the first text (or copy) and its
    counterpart in the second; either side is ``None`` when it has no counterpart.

    ``kind`` is ``"same"`` (equal after normalisation), ``"figures"`` (equal once every
    number is replaced by ``#``: only figures differ), ``"edited"`` (similar, at least
    ``threshold``), ``"only_a"`` or ``"only_b"``. ``similarity`` is the rapidfuzz
    ratio of the normal forms, 0..1 (0 for an unpaired paragraph).
    """

    a: Paragraph | None
    b: Paragraph | None
    similarity: float
    kind: str


def para_ratio(x: str, y: str, cutoff: float = 0.0) -> float:
    """rapidfuzz ratio of two normal forms, 0..1."""
    return fuzz.ratio(x, y, score_cutoff=cutoff * 100) / 100.0


def _kind(a: Paragraph, b: Paragraph, sim: float) -> str:
    if a.norm == b.norm:
        return "same"
    if fold_figures(a.norm) == fold_figures(b.norm):
        return "figures"
    return "edited"


def _as_paragraphs(x: Any) -> list[Paragraph]:
    if isinstance(x, str):
        return paragraphs(x)
    if hasattr(x, "text") and hasattr(x, "body_start"):  # a Seed
        return paragraphs(x.text or "", x.body_start)
    return list(x)


def _fuzzy_block(a: Sequence[Paragraph], b: Sequence[Paragraph], threshold: float
                 ) -> list[tuple[int | None, int | None, float]]:
    """Align two short runs of paragraphs (a 'replace' block of difflib) by the best
    order-preserving pairing of similar paragraphs (dynamic programming)."""
    p, q = len(a), len(b)
    if p * q > 4000:  # too big to pair finely: pair in order
        out = []
        for k in range(max(p, q)):
            x = k if k < p else None
            y = k if k < q else None
            sim = para_ratio(a[x].norm, b[y].norm) if x is not None and y is not None else 0.0
            if x is not None and y is not None and sim < threshold:
                out += [(x, None, 0.0), (None, y, 0.0)]
            else:
                out.append((x, y, sim))
        return out
    sim = [[para_ratio(a[i].norm, b[j].norm, threshold) for j in range(q)] for i in range(p)]
    best = [[0.0] * (q + 1) for _ in range(p + 1)]
    for i in range(p - 1, -1, -1):
        for j in range(q - 1, -1, -1):
            take = sim[i][j] + best[i + 1][j + 1] if sim[i][j] >= threshold else -1.0
            best[i][j] = max(take, best[i + 1][j], best[i][j + 1])
    out: list[tuple[int | None, int | None, float]] = []
    i = j = 0
    while i < p and j < q:
        if sim[i][j] >= threshold and best[i][j] == sim[i][j] + best[i + 1][j + 1]:
            out.append((i, j, sim[i][j]))
            i += 1
            j += 1
        elif best[i][j] == best[i + 1][j]:
            out.append((i, None, 0.0))
            i += 1
        else:
            out.append((None, j, 0.0))
            j += 1
    out += [(k, None, 0.0) for k in range(i, p)]
    out += [(None, k, 0.0) for k in range(j, q)]
    return out


def align(a: Sequence[Paragraph], b: Sequence[Paragraph], threshold: float = 0.8
          ) -> list[AlignedPair]:
    """Order-preserving alignment of two paragraph lists: equal paragraphs first
    (difflib on the normal forms), then similar ones inside each changed block."""
    sm = difflib.SequenceMatcher(None, [p.norm for p in a], [p.norm for p in b],
                                 autojunk=False)
    out: list[AlignedPair] = []
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            out += [AlignedPair(a[i1 + k], b[j1 + k], 1.0, "same") for k in range(i2 - i1)]
            continue
        for x, y, s in _fuzzy_block(a[i1:i2], b[j1:j2], threshold):
            pa = a[i1 + x] if x is not None else None
            pb = b[j1 + y] if y is not None else None
            if pa is not None and pb is not None:
                out.append(AlignedPair(pa, pb, s, _kind(pa, pb, s)))
            elif pa is not None:
                out.append(AlignedPair(pa, None, 0.0, "only_a"))
            else:
                out.append(AlignedPair(None, pb, 0.0, "only_b"))
    return out


def aligned_pairs(a: Any, b: Any = None, *, threshold: float = 0.8,
                  **repeat_options: Any) -> list[AlignedPair]:
    """Aligned paragraph pairs of two texts, or of the repeated blocks inside one.

    ``a`` and ``b`` are each a string (offsets then index into that string), a
    :class:`checks.seed.Seed` (its body; offsets index ``seed.text``) or a list of
    :class:`Paragraph`. With ``b=None`` the pairs are, for every block that
    :func:`find_repeats` finds repeated inside ``a``, the paragraphs of the first copy
    (``.a``) against those of the later copy (``.b``), blocks one after the other.
    """
    pa = _as_paragraphs(a)
    if b is not None:
        return align(pa, _as_paragraphs(b), threshold)
    out: list[AlignedPair] = []
    for rep in find_repeats(pa, **repeat_options):
        out += rep.pairs
    return out


# Above this many characters (both texts together) a whole-text rapidfuzz ratio costs
# too much (quadratic); the similarity is then computed from the paragraph alignment.
MAX_RATIO_CHARS = 100_000


def pairs_similarity(pairs: Sequence[AlignedPair]) -> float:
    """Similarity of two aligned paragraph lists: the paragraphs' ratios weighted by
    their sizes, unpaired paragraphs counting 0 (close to the ratio of the joined texts,
    and linear in their length)."""
    num = den = 0.0
    for p in pairs:
        size = (p.a.size if p.a else 0) + (p.b.size if p.b else 0)
        num += p.similarity * size
        den += size
    return num / den if den else 1.0


# -- repeats inside one text ----------------------------------------------------------------


@dataclass
class Repeat:
    """A run of paragraphs ``first`` (index range, end exclusive) that occurs again as
    ``second`` later in the same text."""

    first: tuple[int, int]
    second: tuple[int, int]
    similarity: float
    pairs: list[AlignedPair] = field(default_factory=list)
    first_chars: int = 0
    second_chars: int = 0


def _anchors(norm: str) -> tuple[str, ...]:
    """Deterministic sketch keys of a paragraph: its smallest and largest 4-grams in
    code-point order. Two near-copies usually share one of them."""
    n = len(norm)
    if n < 4:
        return ()
    # (the smallest 4-gram starts with the smallest character a 4-gram can start with,
    # the largest with the largest: only the 4-grams at those characters are compared)
    head = norm[:n - 3]
    return (min(_grams_at(norm, min(head), n)), max(_grams_at(norm, max(head), n)))


def _grams_at(norm: str, ch: str, n: int) -> list[str]:
    """The 4-grams of ``norm`` (of length ``n``) that start with ``ch``."""
    out = []
    k = norm.find(ch, 0, n - 3)
    while k >= 0:
        out.append(norm[k:k + 4])
        k = norm.find(ch, k + 1, n - 3)
    return out


def paragraph_matches(paras: Sequence[Paragraph], threshold: float = 0.8,
                      min_fuzzy_chars: int = 8, max_occurrences: int = 12
                      ) -> dict[tuple[int, int], float]:
    """Pairs (i, j), i < j, of similar paragraphs of one text with their similarity.

    Equal normal forms always match; paragraphs of at least ``min_fuzzy_chars`` also
    match when they share an anchor (see :func:`_anchors`) and their ratio reaches
    ``threshold``. A normal form that occurs more than ``max_occurrences`` times (a
    separator, a repeated caption) matches nothing."""
    by_norm: dict[str, list[int]] = {}
    for i, p in enumerate(paras):
        by_norm.setdefault(p.norm, []).append(i)
    matches: dict[tuple[int, int], float] = {}
    for idx in by_norm.values():
        if 1 < len(idx) <= max_occurrences:
            for x in range(len(idx)):
                for y in range(x + 1, len(idx)):
                    matches[(idx[x], idx[y])] = 1.0
    buckets: dict[str, list[int]] = {}
    for norm, idx in by_norm.items():
        if len(norm) < min_fuzzy_chars or len(idx) > max_occurrences:
            continue
        for key in _anchors(norm):
            buckets.setdefault(key, []).append(idx[0])
    seen: set[tuple[int, int]] = set()
    for members in buckets.values():
        if len(members) < 2 or len(members) > 50:
            continue
        members = sorted(set(members))
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                i, j = members[x], members[y]
                if (i, j) in seen:
                    continue
                seen.add((i, j))
                ni, nj = paras[i].norm, paras[j].norm
                if ni == nj:
                    continue
                short, long_ = sorted((len(ni), len(nj)))
                if 2 * short / (short + long_) < threshold:
                    continue
                s = para_ratio(ni, nj, threshold)
                if s >= threshold:
                    for a in by_norm[ni]:
                        for b in by_norm[nj]:
                            matches[(min(a, b), max(a, b))] = s
    return matches


def find_repeats(paras: Sequence[Paragraph], *, threshold: float = 0.8,
                 min_similarity: float = 0.8, max_gap: int = 2, min_chars: int = 200,
                 min_paragraphs: int = 3, min_paragraph_chars: int = 20,
                 max_repeats: int = 20) -> list[Repeat]:
    """Blocks of paragraphs that occur again later in the same text.

    Similar paragraphs (:func:`paragraph_matches`) are chained along diagonals: pair
    (i, j) extends pair (i', j') when ``i - i'`` and ``j - j'`` are both between 1 and
    ``max_gap + 1`` (so a few paragraphs missing from one copy do not break it). The
    best chain becomes a repeat when the later copy holds at least ``min_chars``
    characters (normal form) or at least ``min_paragraphs`` matched paragraphs of
    ``min_paragraph_chars`` each, and the two copies, joined, are at least
    ``min_similarity`` alike. Repeats are taken best first; a later copy never
    overlaps an earlier one's later copy, and a copy never overlaps its own first copy.
    """
    matches = paragraph_matches(paras, threshold)
    out: list[Repeat] = []
    taken: list[tuple[int, int]] = []  # later-copy index ranges already reported
    step = max_gap + 1
    weight = {m: s * (paras[m[0]].size + paras[m[1]].size) / 2 for m, s in matches.items()}
    if not matches:
        return out
    best: dict[tuple[int, int], float] = {}
    back: dict[tuple[int, int], tuple[int, int] | None] = {}
    start_j: dict[tuple[int, int], int] = {}  # j of the first pair of m's chain
    for m in sorted(matches):
        i, j = m
        score, prev = weight[m], None
        for di in range(1, step + 1):
            for dj in range(1, step + 1):
                p = (i - di, j - dj)
                # never let a first copy run into its own later copy (periodic text)
                if p in best and i < start_j[p] and best[p] + weight[m] > score:
                    score, prev = best[p] + weight[m], p
        best[m], back[m] = score, prev
        start_j[m] = j if prev is None else start_j[prev]
    consumed: set[tuple[int, int]] = set()
    for end in sorted(best, key=lambda m: (-best[m], m[1], m[0])):
        if len(out) >= max_repeats:
            break
        if end in consumed or any(a <= end[1] < b for a, b in taken):
            continue
        chain = [end]
        while True:
            prev = back[chain[-1]]
            if prev is None or prev in consumed:
                break
            chain.append(prev)
        chain.reverse()
        j_first = chain[0][1]
        chain = [m for m in chain if m[0] < j_first]
        consumed.update(chain)
        i0, i1 = chain[0][0], chain[-1][0] + 1
        j0, j1 = chain[0][1], chain[-1][1] + 1
        if any(j0 < b and a < j1 for a, b in taken):
            continue
        second_chars = sum(p.size for p in paras[j0:j1])
        big = sum(1 for m in chain if min(paras[m[0]].size, paras[m[1]].size)
                  >= min_paragraph_chars)
        if second_chars < min_chars and big < min_paragraphs:
            continue
        first_text = "".join(p.norm for p in paras[i0:i1])
        second_text = "".join(p.norm for p in paras[j0:j1])
        pairs = align(paras[i0:i1], paras[j0:j1], threshold)
        if len(first_text) + len(second_text) <= MAX_RATIO_CHARS:
            sim = para_ratio(first_text, second_text)
        else:
            sim = pairs_similarity(pairs)
        if sim < min_similarity:
            continue
        out.append(Repeat((i0, i1), (j0, j1), sim, pairs,
                          len(first_text), len(second_text)))
        taken.append((j0, j1))
    out.sort(key=lambda r: r.second)
    return out


# -- sketches for candidate search ------------------------------------------------------------

SHINGLE = 4
BINS = 128
_EMPTY = np.uint32(0xFFFFFFFF)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser, vectorised (wrapping uint64 arithmetic)."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def signature(norm: str, k: int = SHINGLE, bins: int = BINS) -> np.ndarray | None:
    """MinHash sketch (``bins`` uint32 values) of the ``k``-character shingles of
    ``norm``; ``None`` when the text is shorter than one shingle.

    One-permutation hashing (Li, Owen & Zhang 2012): every shingle is hashed once to 64
    bits, the top bits choose a bin and the rest compete for the bin's minimum; empty
    bins borrow from the next non-empty bin to the right with an offset per hop
    (rotation densification, Shrivastava & Li 2014), so the probability that two
    sketches agree in a bin estimates the Jaccard similarity of the shingle sets.
    """
    if len(norm) < k:
        return None
    codes = np.frombuffer(norm.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    n = len(codes) - k + 1
    with np.errstate(over="ignore"):
        h = np.zeros(n, dtype=np.uint64)
        for off in range(k):
            h = h * np.uint64(1000003) + codes[off:off + n]
        h = _mix(h)
        shift = np.uint64(64 - int(bins).bit_length() + 1)
        which = (h >> shift).astype(np.intp)
        vals = (h & np.uint64(0xFFFFFFFE)).astype(np.uint32)
        sig = np.full(bins, _EMPTY, dtype=np.uint32)
        np.minimum.at(sig, which, vals)
        empty = sig == _EMPTY
        if empty.any():
            filled = np.flatnonzero(~empty)
            for b in np.flatnonzero(empty):
                pos = np.searchsorted(filled, b)
                src = filled[pos % len(filled)]
                hops = (src - b) % bins
                sig[b] = np.uint32((int(sig[src]) + hops * 0x9E3779B1) & 0xFFFFFFFE | 1)
    return sig


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two sketches."""
    return float(np.count_nonzero(a == b)) / len(a)


def band_hash(block: np.ndarray) -> np.ndarray:
    """One 64-bit key per row of ``block`` (m × rows sketch values): the LSH band value
    that every band user (candidate pairs, blocking keys, partitions) shares."""
    block = np.asarray(block).astype(np.uint64)
    key = np.zeros(len(block), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for r in range(block.shape[1]):
            key = key * np.uint64(0x100000001B3) + block[:, r]
    return key


def band_keys(sig: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """The ``bands`` band values of one sketch."""
    return band_hash(np.asarray(sig)[:bands * rows].reshape(-1, rows))


def lsh_pairs(sigs: np.ndarray, bands: int, rows: int, max_bucket: int = 500
              ) -> np.ndarray:
    """Candidate pairs (row indexes i < j, shape (m, 2), sorted, unique) of a stack of
    sketches (n × bins): rows that agree on all ``rows`` values of at least one of
    ``bands`` bands. Vectorised: per band one 64-bit key per row, sorted, equal runs
    become pairs (a run longer than ``max_bucket`` is skipped: it is boilerplate, and
    would cost its square)."""
    n = len(sigs)
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64)
    chunks: list[np.ndarray] = []
    with np.errstate(over="ignore"):
        for band in range(bands):
            key = band_hash(sigs[:, band * rows:(band + 1) * rows])
            order = np.argsort(key, kind="stable")
            ks = key[order]
            same = np.flatnonzero(ks[1:] == ks[:-1])
            if not len(same):
                continue
            brk = np.diff(same) > 1
            starts = same[np.r_[True, brk]]
            ends = same[np.r_[brk, True]] + 1
            for a, b in zip(starts.tolist(), ends.tolist()):
                members = np.sort(order[a:b + 1])
                if len(members) > max_bucket:
                    continue
                x, y = np.triu_indices(len(members), 1)
                chunks.append(np.stack([members[x], members[y]], axis=1))
    if not chunks:
        return np.zeros((0, 2), dtype=np.int64)
    return np.unique(np.concatenate(chunks), axis=0)


def agreement(sigs: np.ndarray, pairs: np.ndarray, chunk: int = 65536) -> np.ndarray:
    """Estimated Jaccard similarity of each pair (rows of ``sigs``), vectorised."""
    out = np.empty(len(pairs), dtype=np.float64)
    for k in range(0, len(pairs), chunk):
        p = pairs[k:k + chunk]
        out[k:k + chunk] = (sigs[p[:, 0]] == sigs[p[:, 1]]).sum(axis=1)
    return out / sigs.shape[1]


def lsh_probability(j: float, bands: int, rows: int) -> float:
    return 1.0 - (1.0 - j ** rows) ** bands


def text_hash(norm: str) -> int:
    """A stable 64-bit hash of a normal form (paragraph and body identity)."""
    return int.from_bytes(hashlib.blake2b(norm.encode("utf-8"), digest_size=8).digest(),
                          "little")
