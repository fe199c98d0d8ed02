"""Partitioned reduces: a corpus-check category over P partitions, so that no single
process holds the whole corpus's features (issue 14, item 3).

A category that registers a :class:`checks.registry.PartitionSpec` (today ``figure``)
runs in four steps, each a pure function of plain data (the same functions run in this
process, for tests and ``P > 1`` local runs, and as Dask tasks in
:mod:`checks.distributed`):

1. **split** (:func:`split_shard`, one task per shard): the shard's features become P
   parts, by key (an LSH bucket key, a template key): part p of every shard goes to
   candidate partition p, and nowhere else.
2. **candidates** (:func:`candidates`, one task per partition): the candidate pairs of
   the partition's buckets (every row of a bucket is in one partition, so bucket sizes
   and caps are the whole corpus's), routed to P verification partitions by the pair's
   files; and a *small* result (the template keys) that every verification receives.
3. **verify** (:func:`select` per shard and partition, then :func:`verify` per
   partition): a verification partition receives its pairs and, from every shard, only
   the statements those pairs name (read by offset from the shard's packed blob,
   ``distributed.pack_features``: no second copy of the features); it reads a seed only to place a finding (the two
   seeds of a pair), and turns the hits into findings.
4. **combine** (:func:`combine`): the findings of every verification partition, merged
   by path in the order one pass would give them, fingerprints numbered over the whole
   corpus (``engine.number_corpus_findings``).

Files are numbered in path order (a shard's first file id is the number of seeds in the
shards before it), so every step sorts as the one-process check does: the findings
equal :func:`checks.engine.check_corpus`'s (``tests/test_distributed.py``).
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import numpy as np

from . import engine, registry

Meta = list[tuple[str, str, "str | None"]]  # (path, locator, sha256) of a shard's seeds


def spec_of(category: str) -> registry.PartitionSpec | None:
    return registry.get_partition(category)


def _shard_feats(blob: bytes | None, meta: Meta, base: int) -> list[tuple[int, Any]]:
    from .distributed import Packed

    feats = Packed(blob)
    out = []
    for i, (rel, _loc, _sha) in enumerate(meta):
        v = feats.get(rel)
        if v is not None:
            out.append((base + i, v))
    return out


def split_shard(job, category: str, blob: bytes | None, meta: Meta, base: int, P: int
                ) -> list[Any]:
    """Step 1: one shard's features as P parts."""
    spec = spec_of(category)
    return spec.split(_shard_feats(blob, meta, base), P, job.config)


def pick(parts: list[Any], p: int) -> Any:
    return parts[p]


def candidates(job, category: str, parts: list[Any], P: int) -> tuple[list[Any], Any]:
    """Step 2: partition p's candidate pairs, routed by verification partition, and its
    small result."""
    spec = spec_of(category)
    return spec.candidates(list(parts), P, job.config)


def routed_to(cand: tuple[list[Any], Any], q: int) -> Any:
    return cand[0][q]


def small_part(cand: tuple[list[Any], Any]) -> Any:
    return cand[1]


def small_of(parts: list[Any]) -> Any:
    """Every partition's small result, as one sorted array (the template keys)."""
    return np.unique(np.concatenate(parts)) if parts else None


def needs(job, category: str, routed: list[Any]) -> Any:
    return spec_of(category).needs(list(routed))


def needed_ids(need: Any) -> list[int]:
    need = np.asarray(need)
    return np.unique(need[:, 0] if need.ndim == 2 else need).tolist()


def in_shard(need: Any, base: int, n: int) -> Any:
    """The rows of ``need`` (file ids, or (file id, ...) rows) that name a file of the
    shard whose ids are ``base .. base + n - 1``: each select looks at its share only."""
    need = np.asarray(need)
    if not n or not len(need):
        return need[:0]
    col = need[:, 0] if need.ndim == 2 else need
    return need[(col >= base) & (col < base + n)]


def select(job, category: str, blob: bytes | None, meta: Meta, base: int, need: Any
           ) -> tuple[bytes, list[bytes]]:
    """Step 3a: what verification partition q reads of one shard: ``{file id: (path,
    locator, slim feature)}``, pickled (a task's result waits in a worker's memory until
    its verification runs: bytes are several times smaller than live statements), as
    ``(pickle, out-of-band buffers)``: what the spec wraps in ``pickle.PickleBuffer``
    (figure: each file's packed statements) travels beside the pickle, and
    :func:`verify` reads it in place (no copy of it is unpickled). Only the files
    ``need`` names are unpickled, by offset in the shard's packed blob
    (``distributed.Packed``): the blob is the only copy of the shard's features."""
    from .distributed import Packed

    spec = spec_of(category)
    need = in_shard(need, base, len(meta))
    feats = Packed(blob)
    want = []
    for i in needed_ids(need):
        v = feats.get(meta[i - base][0])
        if v is not None:
            want.append((i, v))
    got = spec.select(want, need)
    bufs: list = []
    head = pickle.dumps({i: (meta[i - base][0], meta[i - base][1], v) for i, v in got.items()},
                        protocol=5, buffer_callback=bufs.append)
    return head, [b.raw().tobytes() for b in bufs]


def verify(job, category: str, routed: list[Any], selected: list[dict], small: Any) -> dict:
    """Step 3b: verification partition q. Returns ``{"keyed": {path: [(Finding, key)]},
    "crash": [line] or None}``."""
    spec = spec_of(category)
    ids: dict[int, str] = {}
    locators: dict[str, str] = {}
    slim: dict[int, Any] = {}
    for sel in selected:
        head, bufs = sel if isinstance(sel, tuple) else (sel, ())
        # the out-of-band buffers are used as they are (the task's inputs), not copied
        for i, (rel, loc, v) in pickle.loads(head, buffers=bufs).items():
            ids[i], locators[rel], slim[i] = rel, loc, v
    config = job.config
    corpus = engine.Corpus(job.source.root or Path("."), sorted(locators), config,
                           loader=job.source.loader(locators, config.max_file_bytes))
    check = registry.get_check(spec.check)
    keyed: dict[str, list[tuple[Any, str]]] = {}
    if not config.enabled(check.id):
        return {"keyed": keyed, "crash": None}
    by_path: dict[str, list] = {}
    try:
        for hit in spec.verify(corpus, ids, list(routed), slim, small, config):
            by_path.setdefault(hit.path, []).append(hit)
    except engine.ConfigError:
        raise
    except Exception as exc:  # as engine.check_corpus_keyed reports it
        return {"keyed": {}, "crash": [
            f"the corpus check {check.id} crashed ({exc.__class__.__name__}: "
            f"{str(exc)[:200]}); this is a seedcheck bug: please report it"]}
    for path in sorted(by_path):
        if not config.enabled(check.id, path):
            continue
        keys: list[str] = []
        found = engine.finalize(check, corpus.seed(path), by_path[path], config, {}, keys)
        keyed[path] = list(zip(found, keys))
    return {"keyed": keyed, "crash": None}


def combine(job, category: str, verified: list[dict]) -> dict:
    """Step 4: the category's findings (dicts) from every verification partition, as
    one pass over the whole corpus gives them."""
    crash = [ln for v in verified for ln in (v["crash"] or [])]
    if crash:
        return {"findings": [], "crash": crash}
    keyed: dict[str, list[tuple[Any, str]]] = {}
    for v in verified:
        for path, items in v["keyed"].items():
            keyed.setdefault(path, []).extend(items)
    for path, items in keyed.items():
        # the order engine.finalize gives one path's hits (offsets, then message)
        items.sort(key=lambda fk: (fk[0].start, fk[0].end, fk[0].message))
    return {"findings": [f.to_dict() for f in engine.number_corpus_findings(keyed)],
            "crash": None}


def bases(lengths: list[int]) -> list[int]:
    """The first file id of every shard (files numbered in path order)."""
    out, n = [], 0
    for k in lengths:
        out.append(n)
        n += k
    return out


def _pipeline(category: str):
    import importlib

    spec = spec_of(category)
    return importlib.import_module(spec.pipeline) if spec and spec.pipeline else None


def run_local(job, category: str, metas: list[Meta], blobs: list[bytes | None], P: int
              ) -> dict:
    """Every step in this process, one after the other (tests; what a cluster runs)."""
    own = _pipeline(category)
    if own is not None:
        return own.run_local(job, category, metas, blobs, P)
    base = bases([len(m) for m in metas])
    splits = [split_shard(job, category, b, m, o, P) for b, m, o in zip(blobs, metas, base)]
    cands = [candidates(job, category, [s[p] for s in splits], P) for p in range(P)]
    del splits
    small = small_of([small_part(c) for c in cands])
    verified = []
    for q in range(P):
        routed = [routed_to(c, q) for c in cands]
        need = needs(job, category, routed)
        sel = [select(job, category, b, m, o, need) for b, m, o in zip(blobs, metas, base)]
        verified.append(verify(job, category, routed, sel, small))
    return combine(job, category, verified)


def submit(client, job, category: str, lengths: list[int], metas: list, blobs: list, P: int,
           tag: str):
    """The same steps as Dask tasks (``metas`` and ``blobs``: futures, one per shard of
    ``lengths`` seeds); returns the future of :func:`combine`. Each task receives only
    its slice: a split part goes to one candidate task, a routed pair list to one
    verification task, and a verification task gets from each shard only the
    statements its pairs name."""
    from .distributed import Trimmed  # the steps that hold data hand freed pages back

    own = _pipeline(category)
    if own is not None:
        return own.submit(client, job, category, lengths, metas, blobs, P, tag)
    base = bases(lengths)
    S = len(metas)
    key = f"seedcheck-part-{tag}-{category}"
    splits = [client.submit(Trimmed(split_shard), job, category, blobs[s], metas[s], base[s], P,
                            key=f"{key}-split-{s}", retries=2) for s in range(S)]
    cands = []
    for p in range(P):
        parts = [client.submit(pick, splits[s], p, key=f"{key}-pick-{s}-{p}") for s in range(S)]
        cands.append(client.submit(Trimmed(candidates), job, category, parts, P,
                                   key=f"{key}-cand-{p}", retries=2))
    del splits
    small = client.submit(small_of, [client.submit(small_part, c, key=f"{key}-small-{p}")
                                     for p, c in enumerate(cands)], key=f"{key}-small")
    verified = []
    for q in range(P):
        routed = [client.submit(routed_to, c, q, key=f"{key}-route-{p}-{q}")
                  for p, c in enumerate(cands)]
        # partition q's selections, then its verification, before partition q + 1's
        # selections (a higher priority runs first): only about one partition's
        # selections wait in memory at a time, not every partition's
        need = client.submit(needs, job, category, routed, key=f"{key}-need-{q}",
                             priority=P - q)
        sel = [client.submit(Trimmed(select), job, category, blobs[s], metas[s], base[s], need,
                             key=f"{key}-select-{s}-{q}", priority=P - q) for s in range(S)]
        verified.append(client.submit(Trimmed(verify), job, category, routed, sel, small,
                                      key=f"{key}-verify-{q}", retries=2, priority=P - q))
    return client.submit(Trimmed(combine), job, category, verified, key=f"{key}-combine")
