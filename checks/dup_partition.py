"""The duplicate category as a partitioned reduce (``checks/partition.py`` describes the
idea; this is the duplicate checks' pipeline). No process holds every seed's features:

A. **identical bodies, by body hash**: each shard splits ``(hash, file)`` by hash over P
   partitions; a partition groups its hashes (every copy of a body is in one
   partition). Result (small): every copy but the first, with its first.
B. **candidates, by LSH bucket and by paragraph hash**: each shard splits the band keys
   of its sketches (the configured bands and rows) and the hashes of its paragraphs of
   at least ``INDEX_MIN`` characters over P partitions (copies from A left out, as the
   one-pass analysis does); a partition turns its buckets (at most ``LSH_MAX_BUCKET``
   files) and paragraph groups (at most ``MAX_DF`` files) into pairs, routed to P
   verification partitions by pair.
C. **verification, by pair**: a partition receives its pairs and, from every shard, the
   features of the files they name; it reads a seed's text only to compare a pair.
   Result (small): the near-duplicate and contained pairs.
D. **combine** (small data): clusters (union-find), then the identical, near-duplicate
   and contained findings, reading only the seeds they are about.
E. **shared passages, by paragraph hash**: each shard splits its paragraphs of at least
   ``min_chars`` over P partitions; a partition, given the clusters from D (the files
   that are in one), finds the passages held by files of two or more clusters.
F. **merge**: findings by path, in one pass's order, fingerprints numbered.

Files are numbered in path order, so every grouping sorts as
:func:`checks.rules.duplicate.analyze` does; the findings are the same
(``tests/test_distributed.py``).
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import numpy as np

from . import engine, registry
from .similarity import band_keys

CATEGORY = "duplicate"


def _dup():
    from .rules import duplicate

    return duplicate


def _opts(config) -> tuple[dict, dict]:
    d = _dup()
    near_o = d._opts(config, d.NEAR, threshold=0.85, min_chars=200, bands=42, rows=3,
                     min_jaccard=0.12)
    cont_o = d._opts(config, d.CONTAINED, threshold=0.9, min_chars=200)
    return near_o, cont_o


def _feats(blob, meta, base) -> list[tuple[int, str, str, Any]]:
    from .distributed import Packed

    feats = Packed(blob)
    out = []
    for i, (rel, loc, _sha) in enumerate(meta):
        v = feats.get(rel)
        if v is not None:
            out.append((base + i, rel, loc, v))
    return out


def _cat(xs, dtype, shape=None):
    if xs:
        return np.concatenate(xs)
    return np.zeros((0,) + tuple(shape or ()), dtype=dtype)


# -- A: identical bodies ------------------------------------------------------------------

def split_identical(job, blob, meta, base, P: int) -> list[dict]:
    rows = [(f["hash"], i, rel, loc) for i, rel, loc, f in _feats(blob, meta, base)
            if f["len"]]
    H = np.array([r[0] for r in rows], dtype=np.uint64)
    out = [{"h": [], "id": [], "path": [], "loc": []} for _ in range(P)]
    for r, p in zip(rows, (H % np.uint64(P)).tolist()):
        o = out[p]
        o["h"].append(r[0])
        o["id"].append(r[1])
        o["path"].append(r[2])
        o["loc"].append(r[3])
    return out


def identical(parts: list[dict]) -> dict:
    """Partition p's copies: ``{"first": {copy path: first path}, "ids": [copy id],
    "locs": {path: locator}}``."""
    groups: dict[int, list[tuple[int, str, str]]] = {}
    for part in parts:
        for h, i, rel, loc in zip(part["h"], part["id"], part["path"], part["loc"]):
            groups.setdefault(h, []).append((i, rel, loc))
    first: dict[str, str] = {}
    ids: list[int] = []
    locs: dict[str, str] = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        members.sort()
        for i, rel, loc in members[1:]:
            first[rel] = members[0][1]
            ids.append(i)
            locs[rel] = loc
        locs[members[0][1]] = members[0][2]
    return {"first": first, "ids": ids, "locs": locs}


def merge_identical(results: list[dict]) -> dict:
    out = {"first": {}, "ids": set(), "locs": {}}
    for r in results:
        out["first"].update(r["first"])
        out["ids"].update(r["ids"])
        out["locs"].update(r["locs"])
    return out


# -- B: candidates ----------------------------------------------------------------------------

def split_candidates(job, blob, meta, base, ident: dict, P: int) -> list[dict]:
    d = _dup()
    near_o, cont_o = _opts(job.config)
    bands, rows = near_o["bands"], near_o["rows"]
    small = min(near_o["min_chars"], cont_o["min_chars"])
    copies = ident["ids"]
    lb, lk, li, ph, pi = [], [], [], [], []
    for i, _rel, _loc, f in _feats(blob, meta, base):
        if f["len"] < small or i in copies:
            continue
        sig = f["sig"]
        if sig is not None:
            key = band_keys(sig, bands, rows)
            lb.append(np.arange(len(key), dtype=np.int64))
            lk.append(key)
            li.append(np.full(len(key), i, dtype=np.int64))
        u = np.unique(f["ph"][f["ps"] >= d.INDEX_MIN]).astype(np.uint64)
        ph.append(u)
        pi.append(np.full(len(u), i, dtype=np.int64))
    LB, LK, LI = _cat(lb, np.int64), _cat(lk, np.uint64), _cat(li, np.int64)
    PH, PI = _cat(ph, np.uint64), _cat(pi, np.int64)
    pl, pp = LK % np.uint64(P), PH % np.uint64(P)
    return [{"lb": LB[pl == p], "lk": LK[pl == p], "li": LI[pl == p],
             "ph": PH[pp == p], "pi": PI[pp == p]} for p in range(P)]


def _groups(keys: list[np.ndarray], ids: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Pairs (i < j) of ids that share every key array's value, in groups of ``lo`` to
    ``hi`` members."""
    if len(ids) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    order = np.lexsort((ids, *keys[::-1]))
    ks = [k[order] for k in keys]
    ii = ids[order]
    new = np.zeros(len(ii), dtype=bool)
    new[0] = True
    for k in ks:
        new[1:] |= k[1:] != k[:-1]
    starts = np.flatnonzero(new)
    ends = np.r_[starts[1:], len(ii)]
    out = []
    for a, b in zip(starts.tolist(), ends.tolist()):
        if lo <= b - a <= hi:
            m = ii[a:b]
            x, y = np.triu_indices(len(m), 1)
            out.append(np.stack([m[x], m[y]], axis=1))
    return _cat(out, np.int64, (2,))


def candidates(job, parts: list[dict], P: int) -> list[np.ndarray]:
    """Partition p's candidate pairs ``(i, j, tag)`` (tag 1: an LSH bucket, 2: a shared
    paragraph, 3: both), routed to P verification partitions."""
    d = _dup()
    LB = _cat([x["lb"] for x in parts], np.int64)
    LK = _cat([x["lk"] for x in parts], np.uint64)
    LI = _cat([x["li"] for x in parts], np.int64)
    PH = _cat([x["ph"] for x in parts], np.uint64)
    PI = _cat([x["pi"] for x in parts], np.int64)
    lsh = _groups([LB, LK], LI, 2, d.LSH_MAX_BUCKET)
    para = _groups([PH], PI, 2, d.MAX_DF)
    pairs = _tagged(np.concatenate([lsh, para]),
                    np.r_[np.full(len(lsh), 1), np.full(len(para), 2)])
    q = (pairs[:, 0] * np.int64(0x9E3779B1) + pairs[:, 1]) % np.int64(P) \
        if len(pairs) else np.zeros(0, dtype=np.int64)
    return [pairs[q == i] for i in range(P)]


def _tagged(pairs: np.ndarray, tags: np.ndarray) -> np.ndarray:
    """Unique pairs, sorted, with their tags or-ed: ``(i, j, tag)`` rows."""
    if not len(pairs):
        return np.zeros((0, 3), dtype=np.int64)
    order = np.lexsort((pairs[:, 1], pairs[:, 0]))
    pairs, tags = pairs[order], tags[order].astype(np.int64)
    new = np.r_[True, (pairs[1:] != pairs[:-1]).any(axis=1)]
    starts = np.flatnonzero(new)
    return np.column_stack([pairs[starts], np.bitwise_or.reduceat(tags, starts)])


def routed_to(routed: list[np.ndarray], q: int) -> np.ndarray:
    return routed[q]


def needs(routed: list[np.ndarray]) -> np.ndarray:
    pairs = _cat(list(routed), np.int64, (3,))
    return np.unique(pairs[:, :2])


# -- C: verification --------------------------------------------------------------------------

def select(job, blob, meta, base: int, need: np.ndarray
           ) -> dict[int, tuple[str, str, bytes]]:
    """The features of the files verification partition q needs, from one shard's packed
    blob (``distributed.Packed``, by offset), still pickled (unpickled by the
    verification)."""
    from .distributed import Packed
    from .partition import in_shard

    feats = Packed(blob)
    out = {}
    for i in in_shard(need, base, len(meta)).tolist():
        rel, loc, _sha = meta[i - base]
        if rel in feats:
            out[i] = (rel, loc, feats.raw(rel))
    return out


def verify(job, routed: list[np.ndarray], selected: list[dict]) -> dict:
    """Verification partition q: ``{"near": {(a, b): score}, "contained": {(small, big):
    coverage}, "locs": {path: locator}}``."""
    d = _dup()
    near_o, cont_o = _opts(job.config)
    feats: dict[int, tuple[str, str, Any]] = {}
    for sel in selected:
        feats.update((i, (rel, loc, pickle.loads(b))) for i, (rel, loc, b) in sel.items())
    locs = {rel: loc for rel, loc, _f in feats.values()}
    corpus = _corpus(job, locs)
    an = d.Analysis(sorted(locs))
    texts = d._Texts(corpus)
    pairs = _tagged(_cat(list(routed), np.int64, (3,))[:, :2],
                    _cat(list(routed), np.int64, (3,))[:, 2])
    min_j = near_o["min_jaccard"]
    for i, j, tag in (t for c in range(0, len(pairs), 1 << 16)
                      for t in pairs[c:c + (1 << 16)].tolist()):
        a, fa, b, fb = feats[i][0], feats[i][2], feats[j][0], feats[j][2]
        est = None
        if tag & 1:
            est = d.jaccard(fa["sig"], fb["sig"])
            if tag == 1 and est < min_j:
                continue  # dropped as a candidate (the one-pass analysis does the same)
        d.verify_pair(a, fa, b, fb, est, texts, near_o, cont_o, an)
    return {"near": an.near, "contained": an.contained,
            "locs": {p: locs[p] for pair in list(an.near) + list(an.contained) for p in pair}}


def _corpus(job, locs: dict[str, str]) -> engine.Corpus:
    return engine.Corpus(job.source.root or Path("."), sorted(locs), job.config,
                         loader=job.source.loader(locs, job.config.max_file_bytes))


def _run_checks(corpus, check_ids, hits_of) -> tuple[dict, list[str]]:
    """``engine.check_corpus_keyed`` for some checks whose hits ``hits_of(spec)`` gives."""
    config = corpus.config
    out: dict[str, list] = {}
    crashes: list[str] = []
    for cid in check_ids:
        spec = registry.get_check(cid)
        if not config.enabled(cid):
            continue
        by_path: dict[str, list] = {}
        try:
            for hit in hits_of(spec):
                by_path.setdefault(hit.path, []).append(hit)
        except engine.ConfigError:
            raise
        except Exception as exc:
            crashes.append(f"the corpus check {cid} crashed ({exc.__class__.__name__}: "
                           f"{str(exc)[:200]}); this is a seedcheck bug: please report it")
            continue
        for path in sorted(by_path):
            if not config.enabled(cid, path):
                continue
            keys: list[str] = []
            found = engine.finalize(spec, corpus.seed(path), by_path[path], config, {}, keys)
            out.setdefault(path, []).extend(zip(found, keys))
    return out, crashes


# -- D: combine -------------------------------------------------------------------------------

def combine(job, ident: dict, verified: list[dict]) -> dict:
    """Clusters and the identical, near-duplicate and contained findings:
    ``{"keyed": {path: [(Finding, key)]}, "cluster": {path: first path}, "crash"}``."""
    d = _dup()
    near: dict = {}
    contained: dict = {}
    locs = dict(ident["locs"])
    for v in verified:
        near.update(v["near"])
        contained.update(v["contained"])
        locs.update(v["locs"])
    involved = sorted(set(ident["first"]) | set(ident["first"].values())
                      | {p for pair in list(near) + list(contained) for p in pair})
    cluster = d.clusters(involved, ident["first"], near, contained)
    corpus = _corpus(job, locs)
    an = d.Analysis(involved, identical_first=dict(ident["first"]), near=near,
                    contained=contained, cluster=cluster)
    an.texts = d._Texts(corpus)
    corpus._duplicate_analysis = (job.config.fingerprint(), an)
    keyed, crash = _run_checks(corpus, (d.CONTAINED, d.IDENTICAL, d.NEAR),
                               lambda spec: spec.func(corpus, engine.CheckContext(
                                   job.config, spec.id)))
    return {"keyed": keyed, "crash": crash, "cluster": cluster}


def cluster_of(combined: dict) -> dict:
    return combined["cluster"]


# -- E: shared passages -----------------------------------------------------------------------

def split_shared(job, blob, meta, base, P: int) -> list[dict]:
    d = _dup()
    min_chars = job.config.opt(d.SHARED, "min_chars", 100)
    H, O, K, S, paths = [], [], [], [], {}
    for i, rel, loc, f in _feats(blob, meta, base):
        big = np.flatnonzero(f["ps"] >= min_chars)
        if len(big):
            H.append(f["ph"][big].astype(np.uint64))
            O.append(np.full(len(big), i, dtype=np.int64))
            K.append(big.astype(np.int64))
            S.append(f["pspan"][big].astype(np.int64))
            paths[i] = (rel, loc)
    H, O, K = _cat(H, np.uint64), _cat(O, np.int64), _cat(K, np.int64)
    S = _cat(S, np.int64, (2,))
    part = H % np.uint64(P)
    out = []
    for p in range(P):
        m = part == p
        out.append({"h": H[m], "o": O[m], "k": K[m], "span": S[m],
                    "paths": {i: paths[i] for i in np.unique(O[m]).tolist()}})
    return out


def shared(job, parts: list[dict], cluster: dict) -> dict:
    """Partition p's shared passages: ``{"keyed": {path: [(Finding, key)]}, "crash"}``."""
    d = _dup()
    H = _cat([x["h"] for x in parts], np.uint64)
    O = _cat([x["o"] for x in parts], np.int64)
    K = _cat([x["k"] for x in parts], np.int64)
    S = _cat([x["span"] for x in parts], np.int64, (2,))
    paths: dict[int, tuple[str, str]] = {}
    for x in parts:
        paths.update(x["paths"])
    # spans[file][paragraph] as shared_hits reads them
    spans: dict[int, dict[int, np.ndarray]] = {}
    for o, k, sp in zip(O.tolist(), K.tolist(), S):
        spans.setdefault(o, {})[k] = sp
    names = {i: rel for i, (rel, _loc) in paths.items()}
    corpus = _corpus(job, {rel: loc for rel, loc in paths.values()})
    min_files = job.config.opt(d.SHARED, "min_files", 2)
    keyed, crash = _run_checks(corpus, (d.SHARED,), lambda spec: d.shared_hits(
        corpus, H, O, K, names, spans, cluster, min_files))
    return {"keyed": keyed, "crash": crash}


# -- F: merge ---------------------------------------------------------------------------------

def merge(combined: dict, shareds: list[dict]) -> dict:
    crash = list(combined["crash"]) + [ln for s in shareds for ln in s["crash"]]
    if crash:
        return {"findings": [], "crash": crash}
    keyed = {p: list(v) for p, v in combined["keyed"].items()}
    extra: dict[str, list] = {}
    for s in shareds:
        for p, v in s["keyed"].items():
            extra.setdefault(p, []).extend(v)
    for p, v in extra.items():
        v.sort(key=lambda fk: (fk[0].start, fk[0].end, fk[0].message))
        keyed.setdefault(p, []).extend(v)  # the shared-passage check runs last
    return {"findings": [f.to_dict() for f in engine.number_corpus_findings(keyed)],
            "crash": None}


# -- the pipeline -----------------------------------------------------------------------------

def run_local(job, category: str, metas: list, blobs: list, P: int) -> dict:
    from .partition import bases

    base = bases([len(m) for m in metas])
    shards = list(zip(blobs, metas, base))
    sp = [split_identical(job, b, m, o, P) for b, m, o in shards]
    ident = merge_identical([identical([s[p] for s in sp]) for p in range(P)])
    sp = [split_candidates(job, b, m, o, ident, P) for b, m, o in shards]
    cands = [candidates(job, [s[p] for s in sp], P) for p in range(P)]
    del sp
    verified = []
    for q in range(P):
        routed = [c[q] for c in cands]
        need = needs(routed)
        verified.append(verify(job, routed, [select(job, b, m, o, need) for b, m, o in shards]))
    combined = combine(job, ident, verified)
    sp = [split_shared(job, b, m, o, P) for b, m, o in shards]
    shareds = [shared(job, [s[p] for s in sp], combined["cluster"]) for p in range(P)]
    return merge(combined, shareds)


def _pick(parts, p):
    return parts[p]


def submit(client, job, category: str, lengths: list[int], metas: list, blobs: list, P: int,
           tag: str):
    from .distributed import Trimmed  # the steps that hold data hand freed pages back
    from .partition import bases

    base = bases(lengths)
    S = len(metas)
    key = f"seedcheck-part-{tag}-{category}"
    sub = client.submit

    def picks(splits, name):
        return [[sub(_pick, splits[s], p, key=f"{key}-{name}-pick-{s}-{p}") for s in range(S)]
                for p in range(P)]

    sa = [sub(Trimmed(split_identical), job, blobs[s], metas[s], base[s], P, key=f"{key}-sa-{s}")
          for s in range(S)]
    ident = sub(merge_identical, [sub(Trimmed(identical), parts, key=f"{key}-ident-{p}")
                                  for p, parts in enumerate(picks(sa, "a"))],
                key=f"{key}-ident")
    sb = [sub(Trimmed(split_candidates), job, blobs[s], metas[s], base[s], ident, P,
              key=f"{key}-sb-{s}", retries=2) for s in range(S)]
    cands = [sub(Trimmed(candidates), job, parts, P, key=f"{key}-cand-{p}", retries=2)
             for p, parts in enumerate(picks(sb, "b"))]
    verified = []
    for q in range(P):
        routed = [sub(routed_to, c, q, key=f"{key}-route-{p}-{q}") for p, c in enumerate(cands)]
        # one partition's selections at a time (see partition.submit)
        need = sub(needs, routed, key=f"{key}-need-{q}", priority=P - q)
        sel = [sub(Trimmed(select), job, blobs[s], metas[s], base[s], need,
                   key=f"{key}-sel-{s}-{q}", priority=P - q)
               for s in range(S)]
        verified.append(sub(Trimmed(verify), job, routed, sel, key=f"{key}-verify-{q}", retries=2,
                            priority=P - q))
    combined = sub(Trimmed(combine), job, ident, verified, key=f"{key}-combine", retries=2)
    cluster = sub(cluster_of, combined, key=f"{key}-cluster")
    se = [sub(Trimmed(split_shared), job, blobs[s], metas[s], base[s], P, key=f"{key}-se-{s}")
          for s in range(S)]
    shareds = [sub(Trimmed(shared), job, parts, cluster, key=f"{key}-shared-{p}", retries=2)
               for p, parts in enumerate(picks(se, "e"))]
    return sub(Trimmed(merge), combined, shareds, key=f"{key}-merge")
