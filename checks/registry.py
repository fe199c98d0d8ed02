"""The check registry: every check has an id, a default severity, a version and a
docstring with fixed sections.

A *file check* is a pure function of one seed::

    @file_check("typo.known-misspelling", severity="error", version=1)
    def known_misspelling(seed: Seed, ctx: CheckContext) -> Iterable[Hit]: ...

A *corpus check* sees the whole corpus through per-seed features that an *index*
extracts (one call per seed, cacheable, mergeable across shards)::

    @corpus_index("duplicate", version=1)
    def dup_features(seed: Seed, ctx: CheckContext) -> Any: ...   # picklable

    @corpus_check("duplicate.identical-file", severity="error", index="duplicate")
    def identical(corpus: Corpus, ctx: CheckContext) -> Iterable[Hit]: ...  # Hit.path set

Modules under ``checks/rules/`` are imported automatically.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from .model import CATEGORIES, SEVERITIES

SECTIONS = ("What it flags", "Why it matters", "Example", "Fix")
ID_RE = re.compile(r"^(duplicate|typo|figure|chrome|format)\.[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass
class CheckSpec:
    id: str
    severity: str
    version: int
    func: Callable[..., Any]
    scope: str  # "file" or "corpus"
    index: str | None = None
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def category(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def name(self) -> str:
        return self.id.split(".", 1)[1]

    @property
    def doc(self) -> str:
        return self.func.__doc__ or ""

    def section(self, title: str) -> str:
        return doc_sections(self.doc).get(title, "")

    @property
    def summary(self) -> str:
        return " ".join(self.section("What it flags").split())


@dataclass
class IndexSpec:
    name: str
    version: int
    func: Callable[..., Any]
    # Incremental corpus checks (checks/incremental.py): ``keys(feature, ctx)`` returns
    # the seed's blocking keys (ints, str or bytes; a numpy integer array is fine). The
    # promise: the findings of a seed depend only on the seeds that share a key with
    # it (``closure="neighbours"``), or only on its connected component of the
    # seed-key graph (``closure="component"``, for checks that chain pairs into
    # clusters), or ``closure="pairs"``: every finding belongs to a pair of seeds (its
    # path and its first related location's path) and depends only on those two seeds
    # and on ``corpus.totals`` (see ``group_min``). An index without ``keys`` makes its
    # category run in full whenever a seed changes.
    keys: Callable[..., Any] | None = None
    closure: str = "neighbours"
    # ``cap(ctx)``: when ``keys`` returns ``(plain, capped)``, a capped key held by more
    # than ``cap`` seeds connects nothing (the checks skip such buckets)
    cap: Callable[..., int] | None = None
    # ``group_min(ctx)``: when ``keys`` returns ``(plain, capped, (groups, members))``,
    # the index keeps a maintained reduce of every group's distinct members across the
    # corpus (``incremental.GroupIndex``), and a seed's findings may depend on whether
    # its groups have at least ``group_min`` members (the figure check's templates);
    # when a change flips that for a group, its holders are recomputed. The checks read
    # the whole corpus's figures through ``corpus.totals[index]`` (``incremental.Totals``)
    group_min: Callable[..., int] | None = None
    # ``edge(feature_a, feature_b, ctx)``: when ``keys`` returns ``(plain, capped)``, two
    # seeds that share a capped key are neighbours only when ``edge`` holds for their
    # features (the check pairs the seeds of a bucket only then: the duplicate index's
    # LSH bands, whose pairs under ``min_jaccard`` are dropped). Without it, a bucket of
    # templated prose chains most of a large corpus into one component. A capped key
    # whose holders cross ``cap`` with the change connects all its holders
    edge: Callable[..., bool] | None = None
    # ``reduce``: instead of keys, a maintained reduce of the index's corpus-wide
    # quantities (counts of forms, of contexts...), an object with ``build(corpus, ctx)``
    # (a full run's state, or None: not incremental), ``update(state, corpus, changed,
    # paths, ctx)`` (the state brought up to date with the ``changed`` seeds, ``corpus``
    # holding those still present, and the unchanged seeds whose findings can change;
    # or None: run in full) and ``totals(state, paths)`` (``corpus.totals[index]`` for
    # the checks): a seed's findings depend only on its own features and on the totals
    # (see ``index_reduce`` and checks/incremental.py)
    reduce: Any = None


@dataclass
class PartitionSpec:
    """A corpus-check category that can run as a partitioned reduce
    (``checks/partition.py``): candidate generation split by key over P partitions,
    verification split by candidate pair, a final combine of findings. ``index``: the
    one index it reads; ``check``: the corpus check whose hits ``verify`` yields (it
    must be the category's only corpus check). The functions, in order:
    ``split(feats, P, config)`` (one shard's ``[(file id, feature)]`` into P parts),
    ``candidates(parts, P, config)`` (one partition's parts from every shard ->
    ``(routed pairs per verification partition, small)``), ``needs(routed)`` (what a
    verification partition reads), ``select(feats, need)`` (one shard's part of it),
    ``verify(corpus, ids, routed, selected, small, config)`` (hits); ``small`` of every
    partition is concatenated (numpy) and given to every verification."""

    category: str
    index: str
    check: str = ""
    split: Callable[..., Any] | None = None
    candidates: Callable[..., Any] | None = None
    needs: Callable[..., Any] | None = None
    select: Callable[..., Any] | None = None
    verify: Callable[..., Any] | None = None
    # or a whole pipeline of its own: the name of a module with ``run_local(job,
    # category, metas, blobs, P)`` and ``submit(client, job, category, lengths, metas,
    # blobs, P, tag)`` (the duplicate checks: checks/dup_partition.py)
    pipeline: str = ""


_CHECKS: dict[str, CheckSpec] = {}
_INDEXES: dict[str, IndexSpec] = {}
_PARTITIONS: dict[str, PartitionSpec] = {}
_loaded = False


def _register(spec: CheckSpec) -> None:
    if not ID_RE.match(spec.id):
        raise ValueError(f"bad check id {spec.id!r}: use <category>.<kebab-name>")
    if spec.category not in CATEGORIES:
        raise ValueError(f"unknown category in {spec.id!r}")
    if spec.severity not in SEVERITIES:
        raise ValueError(f"bad severity {spec.severity!r} for {spec.id}")
    if spec.id in _CHECKS and _CHECKS[spec.id].func is not spec.func:
        raise ValueError(f"check {spec.id} registered twice")
    _CHECKS[spec.id] = spec


def file_check(id: str, *, severity: str, version: int = 1, **options: Any):
    def deco(func):
        _register(CheckSpec(id, severity, version, func, "file", None, options))
        return func
    return deco


def corpus_check(id: str, *, severity: str, index: str, version: int = 1, **options: Any):
    def deco(func):
        _register(CheckSpec(id, severity, version, func, "corpus", index, options))
        return func
    return deco


def corpus_index(name: str, *, version: int = 1, keys: Callable[..., Any] | None = None,
                 closure: str = "neighbours"):
    if closure not in ("neighbours", "component"):
        raise ValueError(f"index {name}: closure must be 'neighbours' or 'component'")

    def deco(func):
        _INDEXES[name] = IndexSpec(name, version, func, keys, closure)
        return func
    return deco


def index_keys(name: str, *, closure: str = "neighbours",
               cap: Callable[..., int] | None = None,
               group_min: Callable[..., int] | None = None,
               edge: Callable[..., bool] | None = None):
    """Declare the blocking keys of the index ``name`` (registered before), see
    :class:`IndexSpec`::

        @index_keys("duplicate", closure="component")
        def duplicate_keys(feature, ctx): return [...]
    """
    if closure not in ("neighbours", "component", "pairs"):
        raise ValueError(f"index {name}: closure must be 'neighbours', 'component' or "
                         "'pairs'")

    def deco(func):
        spec = _INDEXES[name]
        spec.keys, spec.closure, spec.cap, spec.group_min = func, closure, cap, group_min
        spec.edge = edge
        return func
    return deco


def index_reduce(name: str, reduce: Any) -> Any:
    """Declare the maintained reduce of the index ``name`` (registered before), see
    :class:`IndexSpec`: ``index_reduce("typo", TypoReduce())``."""
    _INDEXES[name].reduce = reduce
    return reduce


def corpus_partition(spec: PartitionSpec) -> PartitionSpec:
    _PARTITIONS[spec.category] = spec
    return spec


def get_partition(category: str) -> PartitionSpec | None:
    load_builtin()
    return _PARTITIONS.get(category)


def load_builtin() -> None:
    global _loaded
    if _loaded:
        return
    from . import rules

    for mod in sorted(m.name for m in pkgutil.iter_modules(rules.__path__)):
        importlib.import_module(f"{rules.__name__}.{mod}")
    _loaded = True


def all_checks() -> list[CheckSpec]:
    load_builtin()
    return [_CHECKS[k] for k in sorted(_CHECKS)]


def get_check(check_id: str) -> CheckSpec:
    load_builtin()
    return _CHECKS[check_id]


def get_index(name: str) -> IndexSpec:
    load_builtin()
    return _INDEXES[name]


def corpus_categories() -> list[str]:
    """Categories that have corpus checks: one corpus item each."""
    return sorted({c.category for c in all_checks() if c.scope == "corpus"})


def doc_sections(doc: str) -> dict[str, str]:
    """Split a docstring into its ``Title:`` sections (a line ``What it flags:`` starts
    one, the text up to the next title belongs to it)."""
    out: dict[str, str] = {}
    current = None
    buf: list[str] = []
    for raw in (doc or "").splitlines():
        line = raw.strip()
        head = line.rstrip(":")
        if line.endswith(":") and head in SECTIONS:
            if current:
                out[current] = "\n".join(buf).strip()
            current, buf = head, []
        elif current:
            buf.append(line)
    if current:
        out[current] = "\n".join(buf).strip()
    return out
