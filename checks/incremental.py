"""Incremental corpus checks: when seeds are added, edited or removed, a corpus-check
category recomputes only the findings that the change can affect.

Generic over indexes. An index declares its *blocking keys* (``registry.index_keys``):
for each seed, the keys under which the combining checks can bring it together with
another seed (LSH band values, a body hash, a paragraph hash, a statement key, an
n-gram...). The promise the index makes is one of:

* ``closure="neighbours"``: a seed's findings depend only on the seeds that share a
  key with it (and on the seed itself);
* ``closure="component"``: they depend only on the seed's connected component of the
  seed-key graph (checks that chain pairs into clusters).

The state of a category is kept in the store (``corpus_state`` rows, one per
configuration and category): the ``(path, sha256)`` of every seed at the last run, the
key index of every index of the category (sorted key hashes and their owners), and the
findings per path with their fingerprint keys. On the next run, with ``C`` the changed
seeds (added, edited, removed):

* *neighbours*: ``N1`` = ``C`` plus every seed sharing an old or a new key of ``C``
  (the seeds whose findings can change); the checks run on the sub-corpus ``N1`` plus
  every seed sharing a key with ``N1`` (everything those findings depend on), and
  only the findings of ``N1`` are kept;
* *component*: the connected component of ``C`` (old and new keys) is both.

An index may declare an ``edge`` (``registry.IndexSpec.edge``): two seeds that share
one of its *capped* keys are then neighbours only when ``edge`` holds for their
features, the pairs its check keeps of a bucket (the duplicate index's LSH band values:
pairs whose MinHash estimate reaches ``min_jaccard``). The features are read from the
store as the search reaches them (a changed seed's earlier features from the store's
earlier version; when they are gone, every holder counts).

Findings of every other seed are taken from the state; fingerprints are numbered again
over the whole corpus (``engine.number_corpus_findings``), so the result equals a run
over the whole corpus (``tests/test_incremental.py`` checks it against cold runs). When a
change reaches more than ``MAX_SHARE`` of the corpus (a key held by most seeds), or an
index declares no keys, or there is no usable state, the category runs in full and the
state is rebuilt.
"""

from __future__ import annotations

import bisect

import contextlib
import hashlib
import pickle
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np

from . import engine, registry
from .config import Config
from .model import Finding

STATE_VERSION = 2
MAX_SHARE = 0.25  # run in full when the affected sub-corpus is larger than this share
HOPELESS_SHARE = 0.9  # a change that reached this share of the corpus ...
SKIP_RUNS = 10  # ... makes the next runs full without keeping keys (then it tries again)


# -- keys ------------------------------------------------------------------------------------

def _h64(x: Any) -> int:
    if isinstance(x, str):
        x = x.encode("utf-8")
    elif not isinstance(x, (bytes, bytearray)):
        x = repr(x).encode("utf-8")
    return int.from_bytes(hashlib.blake2b(x, digest_size=8).digest(), "little")


_EMPTY = np.zeros(0, dtype=np.uint64)


def key_arrays(spec: registry.IndexSpec, feature: Any, config: Config
               ) -> tuple[np.ndarray, np.ndarray]:
    plain, capped, _groups = seed_keys(spec, feature, config)
    return plain, capped


def seed_keys(spec: registry.IndexSpec, feature: Any, config: Config
              ) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """(plain, capped) keys of a seed: plain keys a sorted unique uint64 array, capped
    keys a sorted uint64 array that keeps repeats (a capped key counts once per
    occurrence, as a row in a bucket: see :meth:`KeyIndex.counts`). ``keys`` may return
    one iterable (plain keys), a pair (plain, capped), or a triple (plain, capped,
    groups) (see :func:`group_arrays`)."""
    if feature is None or spec.keys is None:
        return _EMPTY, _EMPTY, (_EMPTY, _EMPTY)
    raw = spec.keys(feature, engine.CheckContext(config, f"index:{spec.name}"))
    if isinstance(raw, tuple) and len(raw) in (2, 3):
        groups = _as_groups(raw[2]) if len(raw) == 3 and spec.group_min is not None \
            else (_EMPTY, _EMPTY)
        return _as_keys(raw[0]), _as_keys(raw[1], unique=False), groups
    return _as_keys(raw), _EMPTY, (_EMPTY, _EMPTY)


def _as_groups(raw) -> tuple[np.ndarray, np.ndarray]:
    """(groups, members): unique pairs, sorted by group then member (see
    ``registry.IndexSpec.group_min``)."""
    g = np.asarray(raw[0], dtype=np.uint64).ravel()
    m = np.asarray(raw[1], dtype=np.uint64).ravel()
    if not len(g):
        return _EMPTY, _EMPTY
    pairs = np.unique(np.stack([g, m], axis=1), axis=0)
    return pairs[:, 0].copy(), pairs[:, 1].copy()


def _as_keys(raw: Any, unique: bool = True) -> np.ndarray:
    if isinstance(raw, np.ndarray) and raw.dtype.kind in "iu":
        arr = raw.astype(np.uint64, copy=False).ravel()
    else:
        vals = []
        for k in raw:
            if isinstance(k, (int, np.integer)) and not isinstance(k, bool):
                vals.append(int(k) & 0xFFFF_FFFF_FFFF_FFFF)
            else:
                vals.append(_h64(k))
        arr = np.array(vals, dtype=np.uint64)
    return np.unique(arr) if unique else np.sort(arr)


class _Ids:
    """The ids of an index's paths (their places in its sorted ``paths``), found by
    binary search: ``p in ids``, ``ids[p]``. A dict of 50,000 paths was built again for
    every updated index (0.2 s of a one-seed run at 50k) to look a few up."""

    __slots__ = ("paths",)

    def __init__(self, paths: list[str]):
        self.paths = paths

    def get(self, p: str, default: int | None = None) -> int | None:
        i = bisect.bisect_left(self.paths, p)
        return i if i < len(self.paths) and self.paths[i] == p else default

    def __contains__(self, p: str) -> bool:
        return self.get(p) is not None

    def __getitem__(self, p: str) -> int:
        i = self.get(p)
        if i is None:
            raise KeyError(p)
        return i


def _rebase(old_paths: list[str], pid: _Ids, owners: np.ndarray,
            changed: dict) -> tuple[np.ndarray, list[str], dict[str, int], np.ndarray]:
    """What an index keeps when ``changed`` paths are replaced (value None: removed):
    the mask of rows owned by unchanged paths, the new sorted paths, the new ids of the
    changed paths still held, and the kept rows' owners renumbered to the new ids (an
    old id moves down by the removed paths before it and up by the added ones)."""
    drop = sorted(i for i in (pid.get(p) for p in changed) if i is not None)
    keep = (~np.isin(owners, np.asarray(drop, dtype=np.int64)) if drop
            else np.ones(len(owners), dtype=bool))
    gone = sorted(pid[p] for p, k in changed.items() if k is None and p in pid)
    added = sorted(p for p, k in changed.items() if k is not None and p not in pid)
    if not gone and not added:
        paths, kept = old_paths, owners[keep]
    else:
        gone_set = set(gone)
        paths = [p for i, p in enumerate(old_paths) if i not in gone_set] if gone \
            else list(old_paths)
        for p in added:
            bisect.insort(paths, p)
        old_ids = np.arange(len(old_paths), dtype=np.int64)
        # (an added path goes before the old paths from bisect_left on)
        before = np.asarray([bisect.bisect_left(old_paths, p) for p in added],
                            dtype=np.int64)
        ids = (old_ids - np.searchsorted(np.asarray(gone, dtype=np.int64), old_ids, "left")
               + np.searchsorted(before, old_ids, "right"))
        kept = ids[owners[keep]]
    new_ids = _Ids(paths)
    new_id = {p: new_ids[p] for p, k in changed.items() if k is not None}
    return keep, paths, new_id, kept


def _inserted(a: np.ndarray, at: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``np.insert(a, at, values)`` for sorted ``at`` (values at one place keep their
    order), with one masked copy (``np.insert`` sorts the places first: 0.08 s for a
    few rows into 4.5 million)."""
    out = np.empty(len(a) + len(values), dtype=a.dtype)
    dest = at + np.arange(len(values))
    rest = np.ones(len(out), dtype=bool)
    rest[dest] = False
    out[rest] = a
    out[dest] = values
    return out


def _lex_positions(G: np.ndarray, M: np.ndarray, O: np.ndarray, g: np.ndarray,
                   m: np.ndarray, o: np.ndarray) -> np.ndarray:
    """Where each ``(g, m, o)`` goes among the rows ``(G, M, O)``, sorted by all three:
    the first row not smaller (a binary search on G for all at once, then on M and O
    inside each one's run of equal G)."""
    lo = np.searchsorted(G, g, "left")
    hi = np.searchsorted(G, g, "right")
    out = lo.copy()
    for i in np.flatnonzero(hi > lo).tolist():
        a, b = int(lo[i]), int(hi[i])
        a, b = a + int(np.searchsorted(M[a:b], m[i], "left")), \
            a + int(np.searchsorted(M[a:b], m[i], "right"))
        out[i] = a + int(np.searchsorted(O[a:b], o[i], "left")) if b > a else a
    return out


class KeyIndex:
    """Sorted key hashes ``H`` with their owners ``O`` (ids into ``paths``)."""

    def __init__(self, paths: list[str], H: np.ndarray, O: np.ndarray):
        self.paths = paths
        self.H = H
        self.O = O
        self.pid = _Ids(paths)  # (paths are sorted)

    @classmethod
    def build(cls, keys: dict[str, np.ndarray]) -> "KeyIndex":
        paths = sorted(keys)
        parts = [keys[p] for p in paths]
        H = np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)
        O = np.repeat(np.arange(len(paths), dtype=np.int64),
                      [len(k) for k in parts]) if parts else np.zeros(0, dtype=np.int64)
        order = np.argsort(H, kind="stable")
        return cls(paths, H[order], O[order])

    def keys_of(self, paths: set[str]) -> np.ndarray:
        ids = [self.pid[p] for p in paths if p in self.pid]
        if not ids:
            return np.zeros(0, dtype=np.uint64)
        return np.unique(self.H[np.isin(self.O, np.asarray(ids, dtype=np.int64))])

    def keys_by_path(self, paths: Iterable[str]) -> dict[str, np.ndarray]:
        """Each of ``paths``' keys (sorted, unique; empty for a path not held), with one
        pass over the index."""
        out = {p: np.zeros(0, dtype=np.uint64) for p in paths}
        ids = np.asarray([self.pid[p] for p in out if p in self.pid], dtype=np.int64)
        if not len(ids) or not len(self.H):
            return out
        mask = np.isin(self.O, ids)
        H, O = self.H[mask], self.O[mask]
        order = np.argsort(O, kind="stable")
        H, O = H[order], O[order]
        cut = np.flatnonzero(O[1:] != O[:-1]) + 1
        for a, b in zip(np.r_[0, cut].tolist(), np.r_[cut, len(O)].tolist()):
            if b > a:
                out[self.paths[int(O[a])]] = np.unique(H[a:b])
        return out

    def counts(self, keys: np.ndarray) -> np.ndarray:
        """How many times each key is held (by how many seeds, for plain keys; in how
        many rows, for capped keys, which keep their repeats)."""
        if not len(self.H):
            return np.zeros(len(keys), dtype=np.int64)
        return np.searchsorted(self.H, keys, "right") - np.searchsorted(self.H, keys, "left")

    def owners(self, keys: np.ndarray, cap: int | None = None,
               before: "KeyIndex | None" = None) -> set[str]:
        """The seeds holding any of ``keys``; with ``cap``, keys held by more than
        ``cap`` seeds are left out (here, and in ``before`` when given: a key that was
        and is over the cap connected nothing and connects nothing)."""
        if not len(keys) or not len(self.H):
            return set()
        if cap is not None:
            over = self.counts(keys) > cap
            if before is not None:
                over &= before.counts(keys) > cap
            keys = keys[~over]
            if not len(keys):
                return set()
        lo = np.searchsorted(self.H, keys, "left")
        hi = np.searchsorted(self.H, keys, "right")
        hit = hi > lo
        if not hit.any():
            return set()
        lo, hi = lo[hit], hi[hit]
        lens = hi - lo
        # the positions lo[i] .. hi[i]-1 of every hit key, vectorised
        starts = np.repeat(lo - np.r_[0, np.cumsum(lens)[:-1]], lens)
        pos = starts + np.arange(int(lens.sum()))
        return {self.paths[i] for i in np.unique(self.O[pos]).tolist()}

    def updated(self, changed: dict[str, np.ndarray | None]) -> "KeyIndex":
        """A new index: the keys of ``changed`` paths replaced (None: removed). The kept
        rows stay sorted; the new ones are sorted on their own and merged in (after the
        kept rows with the same key): the index a stable sort of both would give,
        without sorting millions of keys again (the figure index at 50,000 seeds: 4.5
        million, 0.6 s)."""
        keep, paths, new_id, kept_owners = _rebase(self.paths, self.pid, self.O, changed)
        H, O = self.H[keep], kept_owners
        add_h, add_o = [], []
        for p, k in changed.items():
            if k is not None and len(k):
                add_h.append(k)
                add_o.append(np.full(len(k), new_id[p], dtype=np.int64))
        if not add_h:
            return KeyIndex(paths, H, O)
        Hn, On = np.concatenate(add_h), np.concatenate(add_o)
        order = np.argsort(Hn, kind="stable")
        Hn, On = Hn[order], On[order]
        at = np.searchsorted(H, Hn, "right")
        return KeyIndex(paths, _inserted(H, at, Hn), _inserted(O, at, On))

    def __getstate__(self):
        return (self.paths, self.H, self.O)

    def __setstate__(self, st):
        self.__init__(*st)


class GroupIndex:
    """Groups and their members over the corpus: ``G`` (group hashes), ``M`` (member
    hashes) and ``O`` (owners, ids into ``paths``), sorted by group then member. A
    maintained reduce: :meth:`members` is the number of distinct members of a group
    across every seed, and :meth:`updated` replaces the entries of changed seeds
    without touching the others (the figure index: statement keys and the sets of
    figures they are stated with, so that a key stated with three or more sets of
    figures anywhere is a template)."""

    def __init__(self, paths: list[str], G: np.ndarray, M: np.ndarray, O: np.ndarray):
        self.paths = paths
        self.G, self.M, self.O = G, M, O
        self.pid = _Ids(paths)  # (paths are sorted)
        # P[i]: distinct (group, member) pairs among the first i entries
        new = np.ones(len(G), dtype=bool)
        if len(G) > 1:
            new[1:] = (G[1:] != G[:-1]) | (M[1:] != M[:-1])
        self.P = np.concatenate(([0], np.cumsum(new))).astype(np.int64)

    @classmethod
    def build(cls, groups: dict[str, tuple[np.ndarray, np.ndarray]]) -> "GroupIndex":
        paths = sorted(groups)
        return cls._make(paths, [groups[p] for p in paths], list(range(len(paths))))

    @classmethod
    def _make(cls, paths, parts, ids) -> "GroupIndex":
        if parts:
            G = np.concatenate([g for g, _m in parts]).astype(np.uint64)
            M = np.concatenate([m for _g, m in parts]).astype(np.uint64)
            O = np.repeat(np.asarray(ids, dtype=np.int64), [len(g) for g, _m in parts])
        else:
            G = M = np.zeros(0, dtype=np.uint64)
            O = np.zeros(0, dtype=np.int64)
        order = np.lexsort((O, M, G))
        return cls(paths, G[order], M[order], O[order])

    def groups_of(self, paths: set[str]) -> np.ndarray:
        ids = [self.pid[p] for p in paths if p in self.pid]
        if not ids:
            return _EMPTY
        return np.unique(self.G[np.isin(self.O, np.asarray(ids, dtype=np.int64))])

    def members(self, groups: np.ndarray) -> np.ndarray:
        """Distinct members of each group across the corpus."""
        groups = np.asarray(groups, dtype=np.uint64)
        lo = np.searchsorted(self.G, groups, "left")
        hi = np.searchsorted(self.G, groups, "right")
        return self.P[hi] - self.P[lo]

    def owners(self, groups: np.ndarray) -> set[str]:
        if not len(groups) or not len(self.G):
            return set()
        hit = np.isin(self.G, groups)
        return {self.paths[i] for i in np.unique(self.O[hit]).tolist()}

    def updated(self, changed: dict[str, tuple[np.ndarray, np.ndarray] | None]
                ) -> "GroupIndex":
        """A new index: the entries of ``changed`` paths replaced (None: removed)."""
        keep, paths, new_id, kept_owners = _rebase(self.paths, self.pid, self.O, changed)
        G, M, Oc = self.G[keep], self.M[keep], kept_owners
        parts, O = [], []
        for p, k in changed.items():
            if k is not None and len(k[0]):
                parts.append(k)
                O.append(np.full(len(k[0]), new_id[p], dtype=np.int64))
        if not parts:
            return GroupIndex(paths, G, M, Oc)
        # the kept rows stay sorted (by group, member, owner: the renumbering keeps the
        # owners' order); the new ones are sorted on their own and merged in
        g = np.concatenate([g for g, _m in parts]).astype(np.uint64)
        m = np.concatenate([m for _g, m in parts]).astype(np.uint64)
        o = np.concatenate(O)
        order = np.lexsort((o, m, g))
        g, m, o = g[order], m[order], o[order]
        at = _lex_positions(G, M, Oc, g, m, o)
        return GroupIndex(paths, _inserted(G, at, g), _inserted(M, at, m),
                          _inserted(Oc, at, o))

    def __getstate__(self):
        return (self.paths, self.G, self.M, self.O)

    def __setstate__(self, st):
        self.__init__(*st)


class Totals:
    """What a corpus check needs to know about the *whole* corpus while it runs on a
    part of it (an incremental run's sub-corpus, a partition of a distributed reduce):
    how often each capped key occurs (``counts``: a bucket's size) and how many distinct
    members each group has (``members``). ``engine.Corpus.totals[index]`` holds one;
    without it a check computes the same numbers from the features it sees (then the
    whole corpus)."""

    def __init__(self, capped: KeyIndex | None = None, groups: GroupIndex | None = None,
                 counts: Callable[[np.ndarray], np.ndarray] | None = None,
                 members: Callable[[np.ndarray], np.ndarray] | None = None):
        self._counts = counts or (capped.counts if capped is not None else None)
        self._members = members or (groups.members if groups is not None else None)

    def counts(self, keys: np.ndarray) -> np.ndarray:
        return self._counts(np.asarray(keys, dtype=np.uint64))

    def members(self, groups: np.ndarray) -> np.ndarray:
        return self._members(np.asarray(groups, dtype=np.uint64))


# -- running a category ----------------------------------------------------------------------

class Stats:
    """What the last call did (for tests, the benchmark and the docs)."""

    def __init__(self) -> None:
        self.mode = ""          # "full", "incremental", "unchanged"
        self.reason = ""        # why full
        self.changed = 0        # seeds added, edited or removed
        self.recomputed = 0     # seeds whose findings were recomputed (N1)
        self.subcorpus = 0      # seeds the checks ran on
        self.hopeless = False   # the change reached most of the corpus
        self.affected = 0       # unchanged seeds holding a group whose flag flipped


LAST: dict[str, Stats] = {}


def _category_indexes(config: Config, category: str) -> list[registry.IndexSpec]:
    from .cache import needed_indexes

    return [registry.get_index(n) for n in needed_indexes(config, category)]


def check_category(root: Path, paths: list[str], shas: dict[str, str | None],
                   config: Config, category: str, store, ctx: str,
                   make_source: Callable[..., Any],
                   build: Callable[[Any, list[str]], None] | None = None) -> list[Finding]:
    """The findings of one corpus-check category over ``paths``, incrementally when the
    store holds a state for this configuration and category (see the module doc).

    ``make_source(subset)`` returns a feature source (``cache.FeatureSource``), reading
    only the features of ``subset`` when it is not None; ``build(corpus, indexes)``
    builds the indexes of a full run (the plugin's progress bar)."""
    stats = LAST[category] = Stats()
    specs = _category_indexes(config, category)
    if len(specs) == 1 and specs[0].reduce is not None and store is not None:
        return _reduced(root, paths, shas, config, category, store, ctx, specs[0],
                        make_source, build, stats)
    keyed = bool(specs) and all(s.keys is not None for s in specs) and store is not None
    now = {p: shas.get(p) or "-" for p in paths}
    state = store.get_corpus_state(ctx, category) if keyed else None
    skip = state.get("skip", 0) if isinstance(state, dict) else 0
    if state is not None and (state.get("version") != STATE_VERSION or skip
                              or set(state.get("indexes", {})) != {s.name for s in specs}
                              or set(state.get("groups", {}))
                              != {s.name for s in specs if s.group_min is not None}):
        state = None
    if skip:
        stats.reason = "its changes reach most of the corpus"
    if state is not None:
        got = _incremental(root, now, config, category, store, ctx, state, specs,
                           make_source, stats)
        if got is not None:
            return got
    elif not skip:
        stats.reason = "no keys" if not keyed else "no state"
    # in full
    stats.mode = "full"
    stats.recomputed = stats.subcorpus = len(paths)
    source = make_source(None)
    corpus = engine.Corpus(root, list(paths), config, feature_source=source)
    try:
        if build is not None:
            build(corpus, [s.name for s in specs])
        found = engine.check_corpus_keyed(corpus, category)
    except engine.CheckCrashed as exc:
        raise engine.CheckCrashed(exc.lines, engine.number_corpus_findings(exc.findings)) \
            from None
    finally:
        source.flush()
    if keyed and (skip or stats.hopeless):
        # the keys would not be used: the next SKIP_RUNS runs are full without them
        store.put_corpus_state(ctx, category, {
            "version": STATE_VERSION, "skip": (skip - 1) if skip else SKIP_RUNS})
    elif keyed:
        indexes = {}
        groups = {}
        for s in specs:
            feats = dict(corpus.features(s.name))
            ks = {p: seed_keys(s, feats.get(p), config) for p in paths}
            indexes[s.name] = (KeyIndex.build({p: k[0] for p, k in ks.items()}),
                               KeyIndex.build({p: k[1] for p, k in ks.items()}))
            if s.group_min is not None:
                groups[s.name] = GroupIndex.build({p: k[2] for p, k in ks.items()})
        _save(store, ctx, category, now, indexes, groups, found)
    return engine.number_corpus_findings(found)


def _save(store, ctx: str, category: str, now: dict[str, str],
          indexes: dict[str, tuple[KeyIndex, KeyIndex]], groups: dict[str, GroupIndex],
          found: dict[str, list[tuple[Finding, str]]]) -> None:
    store.put_corpus_state(ctx, category, {
        "version": STATE_VERSION, "shas": now, "indexes": indexes, "groups": groups,
        "findings": {p: [(f.to_dict(), k) for f, k in v] for p, v in found.items()}})


def _reach(neighbours, frontier: set[str], sub: set[str], stop: float) -> set[str]:
    """Grow ``sub`` from ``frontier`` until it stops or passes ``stop`` seeds."""
    sub = set(sub)
    while frontier and len(sub) < stop:
        frontier = neighbours(frontier) - sub
        sub |= frontier
    return sub


def _start(state: dict, now: dict[str, str], stats: Stats):
    """The start every incremental category shares: the seeds changed since the stored
    state, the most that may change before a full run (``limit``), a function giving back
    the stored findings of the seeds it keeps, and ``done``: ``(findings,)`` when nothing
    changed, ``(None,)`` when too much did (run in full), else empty."""
    old: dict[str, str] = state["shas"]
    changed = {p for p, sha in now.items() if old.get(p) != sha}
    changed.update(p for p in old if p not in now)
    stats.changed = len(changed)
    limit = MAX_SHARE * max(len(now), 1)
    stored = state["findings"]

    def restore(keep: Callable[[str], bool]) -> dict[str, list[tuple[Finding, str]]]:
        return {p: [(Finding.from_dict(d), k) for d, k in v]
                for p, v in stored.items() if keep(p)}

    if not changed:
        stats.mode = "unchanged"
        return changed, limit, restore, (engine.number_corpus_findings(restore(lambda p: True)),)
    if len(changed) > limit:
        stats.reason = f"{len(changed)} seeds changed"
        return changed, limit, restore, (None,)
    return changed, limit, restore, ()


@contextlib.contextmanager
def _changed_corpus(root: Path, present: set[str], config: Config, make_source):
    """A corpus of the changed seeds still present, their features read (or computed)
    through ``make_source``, whose writes are flushed when the block ends."""
    source = make_source(present)
    try:
        yield engine.Corpus(root, sorted(present), config, feature_source=source)
    finally:
        source.flush()


def _incremental(root: Path, now: dict[str, str], config: Config, category: str, store,
                 ctx: str, state: dict, specs: list[registry.IndexSpec],
                 make_source, stats: Stats) -> list[Finding] | None:
    changed, limit, restore, done = _start(state, now, stats)
    if done:
        return done[0]
    present = {p for p in changed if p in now}
    with _changed_corpus(root, present, config, make_source) as corpus0:
        new_keys = {s.name: dict(corpus0.features(s.name)) for s in specs}
    # every index twice: plain keys, and capped keys (cap: see registry.IndexSpec)
    parts: list[tuple[KeyIndex, KeyIndex, int | None]] = []  # (old, new, cap)
    edges: list[registry.IndexSpec | None] = []  # per part: the spec whose ``edge`` filters it
    touched: list[np.ndarray] = []
    capped_now: dict[str, dict[str, np.ndarray]] = {}  # index → present seed → capped keys
    new_state: dict[str, tuple[KeyIndex, KeyIndex]] = {}
    affected: set[str] = set()  # holders of a group whose flag flipped (see below)
    new_groups: dict[str, GroupIndex] = {}
    for s in specs:
        ks = {p: seed_keys(s, new_keys[s.name].get(p), config) for p in present}
        capped_now[s.name] = {p: k[1] for p, k in ks.items()}
        ictx = engine.CheckContext(config, f"index:{s.name}")
        cap = s.cap(ictx) if s.cap else None
        if s.group_min is not None:
            # a maintained reduce: the groups' distinct members over the whole corpus.
            # A group whose flag (members >= group_min) flips changes what its holders'
            # findings depend on: they count as changed
            old_gi: GroupIndex = state["groups"][s.name]
            new_gi = old_gi.updated({p: (ks[p][2] if p in ks else None) for p in changed})
            news = [ks[p][2][0] for p in present]
            gs = np.union1d(old_gi.groups_of(changed),
                            np.concatenate(news) if news else _EMPTY)
            mn = s.group_min(ictx)
            flip = gs[(old_gi.members(gs) >= mn) != (new_gi.members(gs) >= mn)]
            affected |= new_gi.owners(flip) - changed
            new_groups[s.name] = new_gi
        pair = []
        for j in (0, 1):
            old_ki: KeyIndex = state["indexes"][s.name][j]
            change = {p: (ks[p][j] if p in ks else None) for p in changed}
            new_ki = old_ki.updated(change)
            pair.append(new_ki)
            parts.append((old_ki, new_ki, cap if j == 1 else None))
            edges.append(s if j == 1 and s.edge is not None else None)
            news = [ks[p][j] for p in present]
            touched.append(np.union1d(old_ki.keys_of(changed),
                                      np.concatenate(news) if news else _EMPTY))
        new_state[s.name] = (pair[0], pair[1])
    indexes = new_state

    # features of the seeds as they are now (an ``edge`` reads them): the changed
    # seeds' from above, the others' read from the store when first asked for
    now_feats: dict[tuple[str, str], Any] = {
        (s.name, p): f for s in specs if s.edge is not None
        for p, f in new_keys[s.name].items()}

    def features(name: str, paths: Iterable[str]) -> dict[tuple[str, str], Any]:
        need = sorted(p for p in paths if (name, p) not in now_feats)
        if need:
            got = FeatureAccess(name, store, ctx, state["shas"], make_source).current(need)
            now_feats.update(((name, p), f) for p, f in got.items())
        return now_feats

    def edge_owners(s: registry.IndexSpec, old_ki: KeyIndex, new_ki: KeyIndex,
                    cap: int | None, seeds: list[tuple[str, Any, np.ndarray]]) -> set[str]:
        """The holders (now) of each seed's capped keys that ``s.edge`` pairs with it;
        ``seeds``: (path, its feature or None, its keys). An unknown feature pairs with
        every holder; a key whose holders cross ``cap`` connects all of them."""
        ictx = engine.CheckContext(config, f"index:{s.name}")
        out: set[str] = set()
        for path, feat, keys in seeds:
            if not len(keys):
                continue
            if cap is not None:
                flip = (new_ki.counts(keys) > cap) != (old_ki.counts(keys) > cap)
                out |= new_ki.owners(keys[flip])
                keys = keys[~flip]
            hs = new_ki.owners(keys, cap, old_ki) - {path}
            if feat is None:
                out |= hs
                continue
            have = features(s.name, hs)
            out |= {h for h in hs if have[(s.name, h)] is None
                    or s.edge(feat, have[(s.name, h)], ictx)}
        return out

    def neighbours(paths: set[str]) -> set[str]:
        out: set[str] = set()
        for (old_ki, new_ki, cap), es in zip(parts, edges):
            if es is None:
                out |= new_ki.owners(new_ki.keys_of(paths), cap)
                continue
            have = features(es.name, paths)
            out |= edge_owners(es, old_ki, new_ki, cap,
                               [(p, have[(es.name, p)], k)
                                for p, k in new_ki.keys_by_path(sorted(paths)).items()])
        return out

    stats.affected = len(affected)
    if any(s.closure == "pairs" for s in specs):
        return _pairs(root, now, config, category, store, ctx, state, specs, make_source,
                      stats, changed, affected, parts, touched, neighbours, indexes,
                      new_groups, limit)
    n1 = set(present)
    for (old_ki, new_ki, cap), keys, es in zip(parts, touched, edges):
        if es is None:
            n1 |= new_ki.owners(keys, cap, old_ki)
            continue
        # the changed seeds' pairs as they were (old features and keys) and as they are
        was = sorted(p for p in changed if p in old_ki.pid)
        try:
            olds = FeatureAccess(es.name, store, ctx, state["shas"], make_source).old(was)
        except KeyError:  # pruned from the store: every holder of its keys counts
            olds = {}
        seeds = [(p, now_feats.get((es.name, p)), capped_now[es.name][p]) for p in present]
        seeds += [(p, olds.get(p), k) for p, k in old_ki.keys_by_path(was).items()]
        n1 |= edge_owners(es, old_ki, new_ki, cap, seeds)
    if affected:  # their keys did not change: their neighbours now
        n1 |= affected | neighbours(affected)

    component = any(s.closure == "component" for s in specs)
    if component:
        sub = set(n1)
        frontier = set(n1)
        while frontier:
            grown = neighbours(frontier)
            frontier = grown - sub
            sub |= frontier
            if len(sub) > limit:
                if frontier:  # how far does it go? (decides whether to keep trying)
                    sub |= _reach(neighbours, frontier, sub, HOPELESS_SHARE * len(now))
                stats.reason = f"the change reaches {len(sub)} seeds"
                stats.hopeless = len(sub) >= HOPELESS_SHARE * len(now)
                return None
        n1 = sub
    else:
        if len(n1) > limit:
            stats.reason = f"the change reaches {len(n1)} seeds"
            return None
        sub = set(n1) | neighbours(n1)
        if len(sub) > limit:
            stats.reason = f"the change needs {len(sub)} seeds"
            return None
    stats.mode = "incremental"
    stats.recomputed, stats.subcorpus = len(n1), len(sub)
    source = make_source(sub)
    corpus = engine.Corpus(root, sorted(sub), config, feature_source=source)
    # the checks see a part of the corpus: what they need to know about the whole
    # (bucket sizes, groups' members) comes from the state, and only pairs that touch
    # N1 need to be looked at
    corpus.focus = set(n1)
    for s in specs:
        corpus.totals[s.name] = Totals(indexes[s.name][1], new_groups.get(s.name))
    try:
        fresh = engine.check_corpus_keyed(corpus, category, only=n1.__contains__)
    except engine.CheckCrashed:
        return None  # run in full: the crash is reported as a full run reports it
    finally:
        source.flush()
    found = restore(lambda p: p not in n1 and p in now)
    found.update(fresh)
    _save(store, ctx, category, now, indexes, new_groups, found)
    return engine.number_corpus_findings(found)


def _partner(d: dict) -> str:
    """The other seed of the pair a finding belongs to (``closure="pairs"``): the path
    of its first related location (itself when it has none)."""
    rel = d.get("related") or ()
    return rel[0]["path"] if rel else d["path"]


def _pairs(root, now, config, category, store, ctx, state, specs, make_source, stats,
           changed, affected, parts, touched, neighbours, indexes, new_groups, limit) -> list[Finding] | None:
    """``closure="pairs"``: every finding belongs to a pair of seeds (its path and its
    first related location's) and depends only on the two seeds and on the whole
    corpus's totals (bucket sizes, groups' members). ``D`` = the changed seeds, the
    holders of a group whose flag flipped and the holders of a capped key that went
    over or under the cap; the pairs that touch ``D`` are recomputed (the checks run on
    ``D`` and its neighbours, ``corpus.focus = D``), every other pair's findings come
    from the state."""
    d = set(changed) | affected
    for (old_ki, new_ki, cap), keys in zip(parts, touched):
        if cap is None or not len(keys):
            continue
        flip = keys[(old_ki.counts(keys) > cap) != (new_ki.counts(keys) > cap)]
        if len(flip):
            d |= new_ki.owners(flip) | old_ki.owners(flip)
    dn = {p for p in d if p in now}
    sub = dn | neighbours(dn)
    if len(sub) > limit:
        stats.reason = f"the change needs {len(sub)} seeds"
        return None
    stats.mode = "incremental"
    stats.recomputed, stats.subcorpus = len(d), len(sub)
    source = make_source(sub)
    corpus = engine.Corpus(root, sorted(sub), config, feature_source=source)
    corpus.focus = dn
    for s in specs:
        corpus.totals[s.name] = Totals(indexes[s.name][1], new_groups.get(s.name))
    try:
        fresh = engine.check_corpus_keyed(corpus, category)
    except engine.CheckCrashed:
        return None
    finally:
        source.flush()
    stored = state["findings"]
    found: dict[str, list[tuple[Finding, str]]] = {}
    for p, v in stored.items():
        if p not in now or p in d:
            continue
        keep = [(Finding.from_dict(x), k) for x, k in v if _partner(x) not in d]
        if keep:
            found[p] = keep
    for p, v in fresh.items():
        found.setdefault(p, []).extend(v)
        # the order engine.finalize gives one path's findings
        found[p].sort(key=lambda fk: (fk[0].start, fk[0].end, fk[0].message))
    _save(store, ctx, category, now, indexes, new_groups, found)
    return engine.number_corpus_findings(found)


# -- maintained reduces without keys (``registry.IndexSpec.reduce``) --------------------------

class FeatureAccess:
    """What a maintained reduce may read besides its state: the stored features of the
    seeds as they were at the last run (``old``: an edited or removed seed's, until the
    store prunes them; a missing one raises KeyError, and the category runs in full) and
    as they are now (``current``)."""

    def __init__(self, index: str, store, ctx: str, old_shas: dict[str, str], make_source):
        self.index, self.store, self.ctx = index, store, ctx
        self.old_shas = old_shas
        self.make_source = make_source

    def old(self, paths: Iterable[str]) -> dict[str, Any]:
        paths = list(paths)
        shas = {p: self.old_shas.get(p) for p in paths}
        got = self.store.get_features_at(
            self.index, self.ctx, [(p, s) for p, s in shas.items() if s not in (None, "-")])
        out: dict[str, Any] = {}
        for p, s in shas.items():
            if s in (None, "-"):  # not there, or unreadable: no features
                out[p] = None
            elif p not in got:
                raise KeyError(p)
            else:
                out[p] = pickle.loads(got[p]) if got[p] is not None else None
        return out

    def current(self, paths: Iterable[str]) -> dict[str, Any]:
        paths = list(paths)
        source = self.make_source(set(paths))
        try:
            return {p: source(self.index, p) for p in paths}
        finally:
            source.flush()


def _reduced(root: Path, paths: list[str], shas: dict[str, str | None], config: Config,
             category: str, store, ctx: str, spec: registry.IndexSpec, make_source,
             build, stats: Stats) -> list[Finding]:
    """A category whose index keeps a maintained reduce (the typo index: counts of forms
    and contexts over the corpus). The state holds the reduce and the findings per path;
    with ``C`` the changed seeds, ``reduce.update`` brings the reduce up to date and names
    the unchanged seeds whose findings can change (``A``: holders of a form or context
    whose count, or whose first holder, changed in a way their findings can see). The
    checks run on ``C`` ∪ ``A`` (still present) with ``corpus.totals[index]`` from the
    reduce; every other seed's findings come from the state."""
    now = {p: shas.get(p) or "-" for p in paths}
    ictx = engine.CheckContext(config, f"index:{spec.name}")
    state = store.get_corpus_state(ctx, category)
    if state is not None and (not isinstance(state, dict) or state.get("version")
                              != STATE_VERSION or "reduce" not in state):
        state = None
    stats.reason = "no state" if state is None else ""
    if state is not None and state["reduce"] is not None:
        got = _reduced_incremental(root, paths, now, config, category, store, ctx, spec,
                                   make_source, stats, state, ictx)
        if got is not None:
            return got
    elif state is not None:
        stats.reason = "no reduce for this configuration"
    stats.mode = "full"
    stats.recomputed = stats.subcorpus = len(paths)
    source = make_source(None)
    corpus = engine.Corpus(root, list(paths), config, feature_source=source)
    try:
        if build is not None:
            build(corpus, [spec.name])
        found = engine.check_corpus_keyed(corpus, category)
        reduced = spec.reduce.build(corpus, ictx)
    except engine.CheckCrashed as exc:
        raise engine.CheckCrashed(exc.lines, engine.number_corpus_findings(exc.findings)) \
            from None
    finally:
        source.flush()
    _save_reduced(store, ctx, category, now, reduced, found)
    return engine.number_corpus_findings(found)


def _save_reduced(store, ctx: str, category: str, now: dict[str, str], reduced: Any,
                  found: dict[str, list[tuple[Finding, str]]]) -> None:
    store.put_corpus_state(ctx, category, {
        "version": STATE_VERSION, "shas": now, "reduce": reduced,
        "findings": {p: [(f.to_dict(), k) for f, k in v] for p, v in found.items()}})


def _reduced_incremental(root: Path, paths: list[str], now: dict[str, str], config: Config,
                         category: str, store, ctx: str, spec: registry.IndexSpec,
                         make_source, stats: Stats, state: dict, ictx
                         ) -> list[Finding] | None:
    old: dict[str, str] = state["shas"]
    changed, limit, restore, done = _start(state, now, stats)
    if done:
        return done[0]
    present = {p for p in changed if p in now}
    with _changed_corpus(root, present, config, make_source) as corpus0:
        access = FeatureAccess(spec.name, store, ctx, old, make_source)
        got = spec.reduce.update(state["reduce"], corpus0, changed, paths, ictx, access)
    if got is None:
        stats.reason = "the reduce cannot be updated"
        return None
    reduced, affected = got
    stats.affected = len(affected - changed)
    d = (present | affected) & set(now)
    if len(d) > limit:
        stats.reason = f"the change reaches {len(d)} seeds"
        return None
    stats.mode = "incremental"
    stats.recomputed = stats.subcorpus = len(d)
    source = make_source(d)
    corpus = engine.Corpus(root, sorted(d), config, feature_source=source)
    corpus.focus = d
    corpus.totals[spec.name] = spec.reduce.totals(reduced, paths, access)
    try:
        fresh = engine.check_corpus_keyed(corpus, category)
    except engine.CheckCrashed:
        return None
    finally:
        source.flush()
    found = restore(lambda p: p not in d and p in now)
    found.update(fresh)
    _save_reduced(store, ctx, category, now, reduced, found)
    return engine.number_corpus_findings(found)
