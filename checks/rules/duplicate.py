"""duplicate: text that is there twice, inside one file or across the corpus.

* ``duplicate.repeated-body`` (file check): a block of paragraphs repeated later in the
  same file (a page captured with its print or mobile view).
* ``duplicate.identical-file``, ``duplicate.near-duplicate-file``,
  ``duplicate.contained-file``, ``duplicate.shared-passage`` (corpus checks over the
  ``duplicate`` index): the same article in several files.

How texts are compared (normal forms, paragraphs, sketches) is in
:mod:`checks.paragraphs` and :mod:`checks.similarity`; the design, defaults and measured
figures are in ``docs/duplicates.md``.
"""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from rapidfuzz import fuzz

from ..model import Fix, Hit
from ..paragraphs import (Paragraph, fold_figures, normalize, paragraphs, sentence_pieces,
                          sentence_units)
from ..registry import (PartitionSpec, corpus_check, corpus_index, corpus_partition,
                        file_check, index_keys)
from ..similarity import (MAX_RATIO_CHARS, agreement, align, band_keys, find_repeats, jaccard,
                          lsh_pairs, pairs_similarity, signature, text_hash)

REPEATED = "duplicate.repeated-body"
IDENTICAL = "duplicate.identical-file"
NEAR = "duplicate.near-duplicate-file"
CONTAINED = "duplicate.contained-file"
SHARED = "duplicate.shared-passage"

INDEX_MIN = 20  # paragraphs shorter than this do not make candidates
MAX_DF = 50     # paragraphs in more files than this are boilerplate: no candidates
LSH_MAX_BUCKET = 500  # similarity.lsh_pairs' default

# -- helpers ------------------------------------------------------------------------------


def _lines_label(a: int, b: int) -> str:
    return f"line {a}" if a == b else f"lines {a}–{b}"


def _span(seed, start: int, end: int) -> tuple[int, int, int]:
    """Widen ``text[start:end]`` to whole lines when only white space lies outside it on
    its first and last line. Returns (start, end, fix_end): ``fix_end`` also covers the
    line break after the last line, so deleting ``[start:fix_end]`` leaves no gap."""
    text = seed.text
    first = seed.line_at(start)
    if not text[first.start:start].strip():
        start = first.start
    last = seed.line_at(max(end - 1, start))
    if not text[end:last.end].strip():
        return start, last.end, last.next
    return start, end, end


def _body_paragraphs(seed) -> list[Paragraph]:
    """The body's paragraphs, once per seed (the repeated-body check and the index
    both need them; a new list each call)."""
    return list(seed.memo("duplicate.paragraphs",
                          lambda: paragraphs(seed.text or "", seed.body_start)))


def _differences(pairs, seed, other_seed, side: str) -> tuple[list[int], list[int], bool]:
    """Lines (in ``seed``, the paragraphs on ``side`` 'a' or 'b') of paragraphs that
    differ from or are missing in the other side; lines (in ``other_seed``) of the
    other side's paragraphs missing here; and whether every difference is one of
    figures only."""
    mine_lines: list[int] = []
    missing: list[int] = []
    figures_only = True
    for p in pairs:
        if p.kind == "same":
            continue
        mine, theirs = (p.a, p.b) if side == "a" else (p.b, p.a)
        if p.kind != "figures":
            figures_only = False
        if mine is None:
            missing.append(other_seed.position(theirs.start)[0])
        else:
            mine_lines.append(seed.position(mine.start)[0])
    return mine_lines, missing, figures_only and bool(mine_lines or missing)


def _list_lines(lines: list[int], limit: int = 6) -> str:
    shown = ", ".join(str(n) for n in lines[:limit])
    return shown + (f" and {len(lines) - limit} more" if len(lines) > limit else "")


# -- repeated body inside a file ----------------------------------------------------------


def _trim_start(text: str, units, rep) -> int:
    """Start of a repeat's later copy. A sentence unit may begin with pieces of the
    text before the copy (a separator line joined to the copy's first sentence): the
    leading pieces not found in the first copy are left out."""
    u = units[rep.second[0]]
    pieces = getattr(u, "pieces", ())
    if len(pieces) < 2:
        return u.start
    first_text = "".join(x.norm for x in units[rep.first[0]:rep.first[1]])
    for a, b in pieces[:-1]:
        if normalize(text[a:b]) in first_text:
            return a
    return pieces[-1][0]


@file_check(REPEATED, severity="error", version=2)
def repeated_body(seed, ctx):
    """What it flags:
    A block of paragraphs that occurs again later in the same file: the whole body or a
    run of paragraphs of at least `min_chars` (200) characters, or of at least
    `min_paragraphs` (3) paragraphs of 20 characters or more. Copies match through
    indentation, line wrapping, re-wrapped paragraphs (two paragraphs joined on one
    line, one sentence a line, lines split inside sentences: compared sentence by
    sentence, such a copy must hold `rewrap_min_share` 0.2 of the file's text),
    full-/half-width forms and small edits (each paragraph
    at least `paragraph_similarity` 0.8 alike, the blocks as a whole at least
    `min_similarity` 0.9). The finding spans the later copy; `related` is the first.

    Why it matters:
    A page captured together with its print or mobile view holds the article twice;
    training or retrieval on it counts the text double.

    Example:
    The sample seed: lines 49–92 repeat lines 3–47 (without the `【字体:` line and with
    other indentation).

    Fix:
    Delete the later copy, line break included. The fix is safe when every paragraph of
    the later copy also occurs in the first copy (nothing is lost), unsafe otherwise.
    """
    text = seed.text or ""
    paras = _body_paragraphs(seed)
    if len(paras) < 2:
        return
    opts = dict(
        threshold=ctx.opt("paragraph_similarity", 0.8),
        min_similarity=ctx.opt("min_similarity", 0.9),
        max_gap=ctx.opt("max_gap", 2),
        min_chars=ctx.opt("min_chars", 200),
        min_paragraphs=ctx.opt("min_paragraphs", 3),
        min_paragraph_chars=ctx.opt("min_paragraph_chars", 20),
    )
    found = [(paras, rep) for rep in find_repeats(paras, **opts)]
    # re-wrapped copies (two paragraphs joined on one line, one sentence a line, lines
    # split in the middle of a sentence) do not align paragraph by paragraph: compare
    # sentences too. A sentence repeat is added where the paragraphs found nothing, and
    # replaces the paragraph repeats it overlaps when its later copy is clearly larger
    # (more than 1.2 times their size: the paragraphs saw only part of the copy).
    # Sentence repeats must hold at least `rewrap_min_share` (0.2) of the file's text:
    # different stories of one news page quoting the same few sentences (xwlb) are not
    # a second copy of the page.
    total = sum(p.size for p in paras) or 1
    min_share = ctx.opt("rewrap_min_share", 0.2)
    pieces = sentence_pieces(text, paras)
    for merge in (False, True):
        units = sentence_units(text, merge=merge, pieces=pieces)
        # a re-wrapped copy repeats most of its sentences exactly: without enough
        # repeated sentence text the (costly) chaining cannot reach `rewrap_min_share`
        seen: dict[str, int] = {}
        for u in units:
            seen[u.norm] = seen.get(u.norm, 0) + 1
        repeated = sum(len(k) * (c - 1) for k, c in seen.items() if c > 1)
        if repeated < 0.5 * min_share * total:
            continue
        for rep in find_repeats(units, **opts):
            if rep.second_chars < min_share * total:
                continue
            s2 = _trim_start(text, units, rep)
            e2 = units[rep.second[1] - 1].end
            hit = [k for k, (u, r) in enumerate(found)
                   if s2 < u[r.second[1] - 1].end and u[r.second[0]].start < e2]
            if hit and rep.second_chars <= 1.2 * sum(found[k][1].second_chars for k in hit):
                continue
            found = [x for k, x in enumerate(found) if k not in hit]
            found.append((units, rep))
    found.sort(key=lambda ur: ur[0][ur[1].second[0]].start)
    for units, rep in found:
        first = units[rep.first[0]:rep.first[1]]
        second = units[rep.second[0]:rep.second[1]]
        s, e, fix_end = _span(seed, _trim_start(text, units, rep), second[-1].end)
        fs, fe, _ = _span(seed, first[0].start, first[-1].end)
        first_norm = "".join(p.norm for p in first)
        safe = all(p.norm in first_norm for p in second)
        diff_lines, missing, figures_only = _differences(rep.pairs, seed, seed, "b")
        l1, l2 = seed.position(s)[0], seed.end_position(e, s)[0]
        f1, f2 = seed.position(fs)[0], seed.end_position(fe, fs)[0]
        share = rep.second_chars / total
        msg = (f"{_lines_label(l1, l2)} repeat {_lines_label(f1, f2)}: a second copy "
               f"holding {share:.0%} of the file's text, {rep.similarity:.1%} similar to "
               "the first")
        notes = []
        if missing:
            notes.append(f"it lacks line {_list_lines(missing)} of the first copy")
        if diff_lines:
            notes.append(f"it differs at line {_list_lines(diff_lines)}")
        msg = _with_notes(msg, notes, figures_only, "delete the later copy")
        yield Hit(s, e, msg, fix=Fix("", safe=safe, start=s, end=fix_end),
                  related=[seed.location(fs, fe)],
                  key="repeated-body:" + format(text_hash("".join(p.norm for p in second)),
                                                "016x"),
                  evidence={"share": round(share, 4), "similarity": round(rep.similarity, 4),
                            "paragraphs": len(second), "differing_lines": diff_lines,
                            "missing_lines": missing, "figures_only": figures_only})


# -- the corpus index ---------------------------------------------------------------------


@corpus_index("duplicate", version=2)
def duplicate_features(seed, ctx):
    """Per-seed features (small, picklable): length and 64-bit hash of the body's normal
    form, its MinHash sketch (figures folded), and hash/size/offsets of every
    paragraph."""
    paras = _body_paragraphs(seed)
    norm = "".join(p.norm for p in paras)
    return {
        "len": len(norm),
        "hash": text_hash(norm) if norm else 0,
        "sig": signature(fold_figures(norm)),
        "ph": np.array([text_hash(p.norm) for p in paras], dtype=np.uint64),
        "ps": np.array([p.size for p in paras], dtype=np.int32),
        "pspan": np.array([(p.start, p.end) for p in paras], dtype=np.int64).reshape(-1, 2),
    }


def _near_edge(fa: dict, fb: dict, ctx) -> bool:
    """Do two seeds that share an LSH band value make a candidate pair the check keeps
    (their MinHash estimate at least ``min_jaccard``, computed as :func:`analyze` does)?"""
    sa, sb = fa.get("sig"), fb.get("sig")
    if sa is None or sb is None:
        return False
    est = float(np.count_nonzero(sa == sb)) / sa.shape[0]
    return est >= ctx.config.opt(NEAR, "min_jaccard", 0.12)


@index_keys("duplicate", closure="component", edge=_near_edge)
def duplicate_keys(feature, ctx):
    """Blocking keys for incremental runs (``checks/incremental.py``): plain keys, the
    body hash (identical files) and the hashes of paragraphs of at least 20 characters
    (containment candidates and shared passages); and, as the keys ``_near_edge``
    filters, the LSH band values of the sketch (near-duplicate candidates, with the
    configured ``bands`` and ``rows``): two seeds in one band bucket are neighbours only
    when the check keeps their pair (estimate >= ``min_jaccard``), so templated prose,
    whose band values chain most of a large corpus together, does not make one
    component of it. Clusters chain pairs, so the closure is the connected component."""
    cfg = ctx.config
    bands, rows = cfg.opt(NEAR, "bands", 42), cfg.opt(NEAR, "rows", 3)
    plain = []
    if feature["len"]:
        plain.append(np.array([feature["hash"]], dtype=np.uint64))
    ph = feature["ph"][feature["ps"] >= 20]
    if len(ph):
        plain.append(ph.astype(np.uint64) ^ np.uint64(0x5BD1E9955BD1E995))
    banded = np.zeros(0, dtype=np.uint64)
    sig = feature["sig"]
    if sig is not None:
        banded = band_keys(sig, bands, rows)
        with np.errstate(over="ignore"):
            banded ^= np.arange(1, len(banded) + 1, dtype=np.uint64) * np.uint64(
                0x9E3779B97F4A7C15)
    return (np.concatenate(plain) if plain else np.zeros(0, dtype=np.uint64)), banded


# -- corpus analysis (shared by the corpus checks of one run) ------------------------------


def body_similarity(a: list[Paragraph], b: list[Paragraph], cutoff: float = 0.0) -> float:
    """Similarity of two bodies (their paragraphs) as the near-duplicate check scores
    it: rapidfuzz ratio of the normal forms with figures folded (copies that differ only
    in numbers are near-duplicates; the figure checks judge the numbers). Very long
    bodies are scored from their paragraph alignment instead (linear cost)."""
    na = fold_figures("".join(p.norm for p in a))
    nb = fold_figures("".join(p.norm for p in b))
    if len(na) + len(nb) > MAX_RATIO_CHARS:
        fa = [Paragraph(p.start, p.end, fold_figures(p.norm)) for p in a]
        fb = [Paragraph(p.start, p.end, fold_figures(p.norm)) for p in b]
        return pairs_similarity(align(fa, fb))
    return fuzz.ratio(na, nb, score_cutoff=cutoff * 100) / 100.0


@dataclass
class Analysis:
    paths: list[str]
    identical_first: dict[str, str] = field(default_factory=dict)
    near: dict[tuple[str, str], float] = field(default_factory=dict)       # (a, b), a < b
    contained: dict[tuple[str, str], float] = field(default_factory=dict)  # (small, big)
    cluster: dict[str, str] = field(default_factory=dict)  # path -> first path of cluster
    candidates: int = 0
    verified: int = 0
    texts: Any = None  # _Texts cache shared by the checks of the run


class _Texts:
    """Bounded cache of paragraphs of seeds loaded for verification."""

    def __init__(self, corpus, size: int = 512):
        self.corpus = corpus
        self.size = size
        self.data: OrderedDict[str, list[Paragraph]] = OrderedDict()

    def paras(self, path: str) -> list[Paragraph]:
        got = self.data.get(path)
        if got is None:
            got = _body_paragraphs(self.corpus.seed(path))
            self.data[path] = got
            if len(self.data) > self.size:
                self.data.popitem(last=False)
        else:
            self.data.move_to_end(path)
        return got

    def norm(self, path: str) -> str:
        return "".join(p.norm for p in self.paras(path))


def _opts(config, check_id: str, **defaults):
    return {k: config.opt(check_id, k, v) for k, v in defaults.items()}


def analyze(corpus, config) -> Analysis:
    """Identical, near-duplicate and contained pairs of the corpus (cached per corpus
    and configuration, so the corpus checks of one run share it)."""
    key = config.fingerprint()
    cached = getattr(corpus, "_duplicate_analysis", None)  # lives as long as the corpus
    if cached is not None and cached[0] == key:
        return cached[1]
    near_o = _opts(config, NEAR, threshold=0.85, min_chars=200, bands=42, rows=3,
                   min_jaccard=0.12)
    cont_o = _opts(config, CONTAINED, threshold=0.9, min_chars=200)
    index_min = INDEX_MIN
    max_df = MAX_DF

    feats = corpus.features("duplicate")
    paths = [p for p, _ in feats]
    F = [f for _, f in feats]
    an = Analysis(paths)

    # identical bodies
    groups: dict[int, list[int]] = defaultdict(list)
    for i, f in enumerate(F):
        if f["len"]:
            groups[f["hash"]].append(i)
    same_hash: dict[int, int] = {}
    for members in groups.values():
        for i in members:
            same_hash[i] = members[0]
        for i in members[1:]:
            an.identical_first[paths[i]] = paths[members[0]]

    # candidate pairs: LSH bands over the sketches ...
    bands, rows = near_o["bands"], near_o["rows"]
    small = min(near_o["min_chars"], cont_o["min_chars"])
    banded = [i for i, f in enumerate(F) if f["sig"] is not None and f["len"] >= small
              and same_hash.get(i, i) == i]
    jest: dict[tuple[int, int], float] = {}
    if len(banded) > 1:
        sigs = np.stack([F[i]["sig"] for i in banded])
        pairs = lsh_pairs(sigs, bands, rows)
        est = agreement(sigs, pairs)
        an.candidates += len(pairs)
        # a pair under min_jaccard cannot be near; containment candidates come from
        # shared paragraphs below, so it is dropped here (keeps memory linear)
        keep = est >= near_o["min_jaccard"]
        ids = np.asarray(banded)
        for (x, y), e in zip(ids[pairs[keep]].tolist(), est[keep].tolist()):
            jest[(x, y)] = e
    cand: set[tuple[int, int]] = set(jest)
    # ... and long paragraphs held by both (containment, and near-copies with edits
    # spread over the text that break many shingles): an inverted index built by sorting
    hs, owners = [], []
    for i, f in enumerate(F):
        if f["len"] < small or same_hash.get(i, i) != i:
            continue
        u = np.unique(f["ph"][f["ps"] >= index_min])
        hs.append(u)
        owners.append(np.full(len(u), i, dtype=np.int64))
    if hs:
        H, O = np.concatenate(hs), np.concatenate(owners)
        order = np.lexsort((O, H))
        H, O = H[order], O[order]
        cut = np.flatnonzero(H[1:] != H[:-1]) + 1
        starts = np.r_[0, cut]
        ends = np.r_[cut, len(H)]
        for a, b in zip(starts.tolist(), ends.tolist()):
            if 1 < b - a <= max_df:
                members = O[a:b].tolist()
                for x in range(len(members)):
                    for y in range(x + 1, len(members)):
                        if (members[x], members[y]) not in cand:
                            an.candidates += 1
                            cand.add((members[x], members[y]))

    texts = an.texts = _Texts(corpus)
    for i, j in sorted(cand):
        verify_pair(paths[i], F[i], paths[j], F[j], jest.get((i, j)), texts, near_o,
                    cont_o, an)

    # clusters (union-find; the representative is the first path in sorted order)
    an.cluster = clusters(paths, an.identical_first, an.near, an.contained)
    corpus._duplicate_analysis = (key, an)
    return an


def verify_pair(a: str, fa: dict, b: str, fb: dict, est: float | None, texts, near_o: dict,
                cont_o: dict, an: Analysis) -> None:
    """Verify one candidate pair (``a < b``; ``est``: its LSH estimate, when it came
    from the LSH buckets): a near-duplicate (``an.near``) or the smaller body contained
    in the larger (``an.contained``), or nothing."""
    thr = near_o["threshold"]
    la, lb = fa["len"], fb["len"]
    if la >= near_o["min_chars"] and lb >= near_o["min_chars"] \
            and 2 * min(la, lb) / (la + lb) >= thr \
            and fa["sig"] is not None and fb["sig"] is not None \
            and (est if est is not None else jaccard(fa["sig"], fb["sig"])) \
            >= near_o["min_jaccard"]:
        an.verified += 1
        s = body_similarity(texts.paras(a), texts.paras(b), thr)
        if s >= thr:
            an.near[(a, b)] = s
            return
    # containment: the smaller body inside the larger
    (ps, sset), (pb, big) = ((a, fa), (b, fb)) if (la, a) <= (lb, b) else ((b, fb), (a, fa))
    if sset["len"] < cont_o["min_chars"]:
        return
    bset = set(big["ph"].tolist())
    exact = sum(int(sz) for h, sz in zip(sset["ph"].tolist(), sset["ps"].tolist())
                if h in bset) / max(sset["len"], 1)
    if exact < 0.5 * cont_o["threshold"]:
        return
    an.verified += 1
    pairs = align(texts.paras(ps), texts.paras(pb))
    covered = sum(p.a.size * p.similarity for p in pairs
                  if p.a is not None and p.b is not None)
    cov = covered / max(sset["len"], 1)
    if cov >= cont_o["threshold"]:
        an.contained[(ps, pb)] = cov


def clusters(paths, identical_first: dict, near: dict, contained: dict) -> dict[str, str]:
    """path -> first path (sorted order) of its cluster (union-find over identical,
    near-duplicate and contained pairs)."""
    parent = {p: p for p in paths}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(x: str, y: str) -> None:
        rx, ry = find(x), find(y)
        if rx != ry:
            lo, hi = sorted((rx, ry))
            parent[hi] = lo

    for p, q in identical_first.items():
        union(p, q)
    for p, q in list(near) + list(contained):
        union(p, q)
    return {p: find(p) for p in paths}


def _body_span(seed, paras: list[Paragraph] | None = None) -> tuple[int, int]:
    paras = _body_paragraphs(seed) if paras is None else paras
    if not paras:
        b = seed.body_start
        return b, len(seed.text or "")
    s, e, _ = _span(seed, paras[0].start, paras[-1].end)
    return s, e


# -- corpus checks ----------------------------------------------------------------------------


@corpus_check(IDENTICAL, severity="error", index="duplicate", version=1)
def identical_file(corpus, ctx):
    """What it flags:
    A file whose body (everything after the header lines) is the same as another file's
    after normalisation (white space, indentation, line wrapping, full-/half-width
    forms), whatever the capture dates. The finding goes on every file of the group but
    the first in sorted order; `related` names the first.

    Why it matters:
    The same article captured twice (often re-dated) is counted twice by everything
    trained or evaluated on the corpus.

    Example:
    `2020/a.txt` and `2021/b.txt` hold the same article under different capture dates:
    `2021/b.txt` is flagged, related `2020/a.txt`.

    Fix:
    Delete the flagged file (no automatic fix: deleting files is the reviewer's call).
    """
    an = analyze(corpus, ctx.config)
    for path in sorted(an.identical_first):
        first = an.identical_first[path]
        seed, other = corpus.seed(path), corpus.seed(first)
        s, e = _body_span(seed, an.texts.paras(path))
        os_, oe = _body_span(other, an.texts.paras(first))
        yield Hit(s, e, f"the body is identical to that of {first} (after white-space and "
                        "width normalisation); delete one of the two files",
                  path=path, related=[other.location(os_, oe)], key=f"identical:{first}",
                  evidence={"score": 1.0, "other": first})


def _with_notes(msg: str, notes: list[str], figures_only: bool, action: str) -> str:
    """``msg (note; note); action``: the evidence of a duplicate finding, then the fix."""
    if figures_only:
        notes = [*notes, "the copies differ only in figures"]
    if notes:
        msg += " (" + "; ".join(notes) + ")"
    return f"{msg}; {action}"


def _best_partner(scored, skip) -> dict[str, tuple[float, str]]:
    """{path: (score, other)} from (path, other, score) triples: each file's
    highest-scoring partner, ties to the partner first in sorted order; ``skip(path,
    other)`` drops a pair."""
    best: dict[str, tuple[float, str]] = {}
    for path, other, score in scored:
        if skip(path, other):
            continue
        cur = best.get(path)
        if cur is None or score > cur[0] or (score == cur[0] and other < cur[1]):
            best[path] = (score, other)
    return best


@corpus_check(NEAR, severity="warning", index="duplicate", version=1)
def near_duplicate_file(corpus, ctx):
    """What it flags:
    A file whose body is at least `threshold` (0.85) similar to an earlier file's body
    (rapidfuzz ratio of the normal forms, numbers folded), both at least `min_chars`
    (200) characters. Candidate pairs come from MinHash LSH over 4-character shingles
    (`bands` 42 × `rows` 3) and from shared long paragraphs; every candidate is verified.
    The finding goes on the later file in sorted order; the message gives the score and
    the lines of the paragraphs that differ.

    Why it matters:
    The same article gathered from several sites, re-dated or lightly edited, weighs
    double in training and retrieval, and its copies may disagree.

    Example:
    `b.txt` is `a.txt` with one paragraph reworded: `b.txt` is flagged, 96.2% similar,
    related `a.txt`.

    Fix:
    Keep the better copy and delete the other; when the copies differ only in figures,
    check which figures are right first (the figure checks point at them).
    """
    an = analyze(corpus, ctx.config)
    best = _best_partner(((b, a, s) for (a, b), s in an.near.items()),
                         lambda path, other: path in an.identical_first)
    texts = an.texts
    for path in sorted(best):
        s, other = best[path]
        seed, oseed = corpus.seed(path), corpus.seed(other)
        pairs = align(texts.paras(other), texts.paras(path))
        diff_lines, missing, figures_only = _differences(pairs, seed, oseed, "b")
        bs, be = _body_span(seed, texts.paras(path))
        os_, oe = _body_span(oseed, texts.paras(other))
        msg = f"the body is {s:.1%} similar to that of {other}"
        notes = []
        if diff_lines:
            notes.append(f"{len(diff_lines)} of {sum(1 for p in pairs if p.b is not None)} "
                         f"paragraphs differ or are extra, at line {_list_lines(diff_lines)}")
        if missing:
            notes.append(f"{other} line {_list_lines(missing)} missing here")
        msg = _with_notes(msg, notes, figures_only, "keep one copy")
        yield Hit(bs, be, msg, path=path, related=[oseed.location(os_, oe)],
                  key=f"near:{other}",
                  evidence={"score": round(s, 4), "other": other,
                            "differing_lines": diff_lines, "figures_only": figures_only})


@corpus_check(CONTAINED, severity="warning", index="duplicate", version=1)
def contained_file(corpus, ctx):
    """What it flags:
    A file whose body lies inside another, longer file's body: at least `threshold`
    (0.9) of its text is covered by paragraphs of the other file (equal or at least 0.8
    alike), and the two are not near-duplicates as a whole.

    Why it matters:
    An excerpt or a single article also captured inside a digest page is the same text
    twice.

    Example:
    `short.txt` holds the three paragraphs of a notice that `digest.txt` quotes among
    others: `short.txt` is flagged, related the lines of `digest.txt` that hold it.

    Fix:
    Delete the contained file, or the copied part of the longer one.
    """
    an = analyze(corpus, ctx.config)
    best = _best_partner(
        ((small, big, cov) for (small, big), cov in an.contained.items()),
        lambda path, other: path in an.identical_first
        or (min(path, other), max(path, other)) in an.near)
    texts = an.texts
    for path in sorted(best):
        cov, other = best[path]
        seed, oseed = corpus.seed(path), corpus.seed(other)
        pairs = align(texts.paras(path), texts.paras(other))
        matched = [p.b for p in pairs if p.a is not None and p.b is not None]
        os_, oe, _ = _span(oseed, matched[0].start, matched[-1].end)
        l1, l2 = oseed.position(os_)[0], oseed.end_position(oe, os_)[0]
        bs, be = _body_span(seed, texts.paras(path))
        yield Hit(bs, be, f"{cov:.0%} of the body is contained in {other} "
                          f"({_lines_label(l1, l2)}); delete this file or the copied part",
                  path=path, related=[oseed.location(os_, oe)], key=f"contained:{other}",
                  evidence={"score": round(cov, 4), "other": other})


@corpus_check(SHARED, severity="warning", index="duplicate", version=1)
def shared_passage(corpus, ctx):
    """What it flags:
    A long paragraph (at least `min_chars`, 100 characters) that appears, after
    normalisation, in at least `min_files` (2) files that are not otherwise duplicates
    of each other. Every occurrence but the one in the first file (sorted order) is
    flagged; `related` is that first occurrence.

    Why it matters:
    A press release pasted into different articles makes the same text count several
    times; it may also be boilerplate a scraper should have dropped.

    Example:
    The same 150-character statement in `a.txt` line 12 and `c.txt` line 30: `c.txt`
    line 30 is flagged, related `a.txt` line 12.

    Fix:
    Keep the passage in one file, or remove it where it is not part of the article.
    """
    min_chars = ctx.opt("min_chars", 100)
    min_files = ctx.opt("min_files", 2)
    an = analyze(corpus, ctx.config)
    feats = corpus.features("duplicate")
    hs, owners, idx = [], [], []
    for n, (_, f) in enumerate(feats):
        big = np.flatnonzero(f["ps"] >= min_chars)
        if len(big):
            hs.append(f["ph"][big])
            owners.append(np.full(len(big), n, dtype=np.int64))
            idx.append(big)
    if not hs:
        return
    H, O, P = np.concatenate(hs), np.concatenate(owners), np.concatenate(idx)
    spans = [f["pspan"] for _p, f in feats]
    yield from shared_hits(corpus, H, O, P, [p for p, _f in feats], spans, an.cluster,
                           min_files)


def shared_hits(corpus, H, O, P, paths, spans, cluster: dict, min_files: int):
    """Shared-passage hits of the paragraphs ``(hash H, file O, paragraph P)`` (files
    numbered into ``paths``/``spans``); every occurrence of a hash must be here."""
    order = np.lexsort((P, O, H))  # by hash, then file (sorted path order), then place
    H, O, P = H[order], O[order], P[order]
    cut = np.flatnonzero(H[1:] != H[:-1]) + 1
    for a, b in zip(np.r_[0, cut].tolist(), np.r_[cut, len(H)].tolist()):
        if b - a < 2 or O[a] == O[b - 1]:
            continue  # held by one file only (repeats inside a file are repeated-body's)
        kept: list[tuple[str, int, int]] = []
        seen: set[str] = set()
        for n, k in zip(O[a:b].tolist(), P[a:b].tolist()):
            path = paths[n]
            c = cluster.get(path, path)
            if c not in seen:
                seen.add(c)
                s_, e_ = spans[n][k].tolist()
                kept.append((path, s_, e_))
        if len(kept) < max(min_files, 2):
            continue
        fp, fs, fe = kept[0]
        first = corpus.seed(fp)
        rel = first.location(fs, fe)
        for path, s, e in kept[1:]:
            yield Hit(s, e, f"this {len(_norm_of(corpus, path, s, e))}-character paragraph "
                            f"also appears in {fp} line {rel.line} (held by {len(kept)} "
                            "files in all): a shared passage; keep it in one file",
                      path=path, related=[rel], evidence={"files": len(kept), "other": fp})


def _norm_of(corpus, path: str, s: int, e: int) -> str:
    from ..paragraphs import normalize

    return normalize((corpus.seed(path).text or "")[s:e])


# -- report section ---------------------------------------------------------------------------


def pair_groups(rows: list[dict]) -> dict[str, list[dict]]:
    """Findings of file pairs (``path`` and ``related[0]``) grouped into clusters of
    files joined by any pair, keyed by the cluster's first path (union-find)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            x = parent[x]
        return x

    for f in rows:
        a, b = find(f["path"]), find(f["related"][0]["path"])
        if a != b:
            lo, hi = sorted((a, b))
            parent[hi] = lo
    clusters: dict[str, list[dict]] = defaultdict(list)
    for f in rows:
        clusters[find(f["path"])].append(f)
    return clusters


def duplicate_section(report: dict[str, Any]):
    """Rich renderable listing the duplicate clusters of a report (or None)."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    rows = [f for f in report.get("findings", [])
            if f["check"] in (IDENTICAL, NEAR, CONTAINED) and f.get("related")]
    repeated = [f for f in report.get("findings", []) if f["check"] == REPEATED]
    if not rows and not repeated:
        return None
    clusters = pair_groups(rows)
    table = Table(title="duplicate groups", box=box.SIMPLE, show_header=True)
    table.add_column("group", justify="right")
    table.add_column("file")
    table.add_column("relation")
    table.add_column("score", justify="right")
    for n, root in enumerate(sorted(clusters), 1):
        table.add_row(Text(str(n)), Text(root), Text("first copy"), Text(""))
        for f in sorted(clusters[root], key=lambda f: (f["path"], f["check"])):
            other = f["related"][0]["path"]
            rel = {IDENTICAL: "identical to ", NEAR: "near-duplicate of ",
                   CONTAINED: "contained in "}[f["check"]] + other
            score = (f.get("evidence") or {}).get("score")
            table.add_row(Text(""), Text(f["path"]), Text(rel),
                          Text(f"{score:.1%}" if isinstance(score, (int, float)) else ""))
    for f in sorted(repeated, key=lambda f: (f["path"], f["line"])):
        ev = f.get("evidence") or {}
        r = f["related"][0] if f.get("related") else None
        where = f"lines {f['line']}–{f['end_line']} repeat "
        where += f"{r['line']}–{r['end_line']}" if r else "an earlier block"
        table.add_row(Text("·"), Text(f["path"]), Text(where),
                      Text(f"{ev['similarity']:.1%}" if "similarity" in ev else ""))
    table.caption = Text(f"{len(clusters)} group(s) of duplicate files, "
                         f"{len(repeated)} repeated block(s) inside files")
    return table


def _register_section() -> None:
    from ..report import console

    if duplicate_section not in console.SECTIONS:
        console.SECTIONS.append(duplicate_section)


_register_section()


# the four corpus checks above as a partitioned reduce (distributed runs)
corpus_partition(PartitionSpec("duplicate", "duplicate", pipeline="checks.dup_partition"))
