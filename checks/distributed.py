"""Running the checks as map/reduce, in this process or on a Dask cluster.

The same functions run in both modes, so a Dask run gives the report of a local run:

* **listing** (:func:`list_seeds`): a local folder is walked with :func:`checks.scan.scan`
  (the pytest run's listing, bad entries included); an fsspec URL (``s3://bucket/seeds``,
  ``gs://...``, ``file:///...``, ``memory://...``) is listed with ``fs.glob(**/*.txt)``,
  sorted, hidden entries skipped.
* **shards** (:func:`make_shards`): runs of consecutive paths (sorted order) whose
  boundaries depend on the paths themselves (content-defined chunking on a hash of the
  path), so adding or removing a seed changes one shard, not every shard after it.
* **map** (:func:`map_shard`): read each seed of a shard, run the file checks, extract
  every needed corpus index's features. The result is plain data (file records,
  ``Finding.to_dict()`` dicts, ``{index: {path: feature}}``), keyed by path: a task that
  is run twice (a worker lost and the task retried) gives the same dicts, merged by
  path, so nothing is counted twice.
* **reduce** (:func:`reduce_category`): one task per corpus-check category. It builds an
  :class:`checks.engine.Corpus` over the shards' features (``feature_source``) and a
  loader that reads a seed only when a check asks for it (verification of a candidate
  pair, positions of a finding), and runs :func:`checks.engine.check_corpus`. Which
  indexes a category needs comes from the registry: nothing here names a check.
  With Dask, the reduce of a category runs on a worker and receives only the features
  of its own indexes; the driver never holds features. A one-task reduce receives its
  shards' blobs as :class:`BlobRef` and reads them one at a time (:func:`merge_blobs`),
  so that no blob stays alive beside the merged features.
* **cache**: per-shard result files, keyed by the content of the shard (every path and
  sha256) and the run context (:func:`checks.cache.context_key`: code, configuration,
  check versions); per-category corpus results keyed like ``checks.cache.corpus_key``.
  They live in a folder or fsspec URL (default ``<report dir>/.seedcheck-cache``) that
  workers must reach; see ``docs/distributed.md``.

``dask`` and ``fsspec`` are optional (``pip install -e ".[dask]"``): they are imported
only when a Dask address or a URL is given.
"""

from __future__ import annotations

import hashlib
import pickle
import posixpath
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Callable

from . import engine, registry
from .config import Config
from .model import Finding

SHARD_SIZE = 500      # average seeds per shard (content-defined boundaries)
SHARD_MAX_FACTOR = 4  # a shard is cut at SHARD_SIZE * this whatever the paths
PARTS_PER_WORKER = 4  # partitions of a partitioned reduce per worker (memory per task ~1/P)
PARTS_MIN = 4
CACHE_DIRNAME = ".seedcheck-cache"
CACHE_VERSION = "4"  # 3: feature blobs packed (pack_features); 4: some compressed


class DistributedError(Exception):
    """A usage problem (no dask installed, a bad address, a URL that cannot be listed):
    the front ends turn it into a usage error (exit 4), never a traceback."""


# -- where the seeds are ---------------------------------------------------------------------

def is_url(seeds: str) -> bool:
    return "://" in seeds


@dataclass
class Source:
    """The seeds' location: a local folder (``root``) or an fsspec URL (``url``)."""

    root: Path | None = None
    url: str | None = None
    storage_options: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        """``seeds_dir`` of the report: the resolved folder, as the pytest run writes it,
        or the URL as given (without a trailing slash)."""
        return self.root.as_posix() if self.root is not None else self.url

    @property
    def base_uri(self) -> str:
        return (self.root.resolve().as_uri() if self.root is not None else self.url) + "/"

    def fs(self):
        fsspec = _import("fsspec")
        fs, path = fsspec.core.url_to_fs(self.url, **self.storage_options)
        return fs, path.rstrip("/")

    def loader(self, locators: dict[str, str], max_bytes: int | None):
        """A ``Corpus.loader``: reads one seed when a corpus check asks for it."""
        if self.root is not None:
            # <root>/<rel>, as the embedded run's Corpus reads it (the same report)
            root = self.root
            return lambda rel: _read_local(root / rel, rel, max_bytes)
        fs, _ = self.fs()
        return lambda rel: _read_remote(fs, locators[rel], rel, max_bytes)


def make_source(seeds: str, base: Path | None = None,
                storage_options: dict | None = None) -> Source:
    """A :class:`Source` for a folder (relative to ``base``) or a URL. A ``file://``
    URL is a local folder (listed and read exactly as the pytest run does)."""
    if seeds.startswith("file://"):
        seeds = seeds[len("file://"):]
    if is_url(seeds):
        src = Source(url=seeds.rstrip("/"), storage_options=dict(storage_options or {}))
        try:
            fs, path = src.fs()
            if not fs.isdir(path):
                why = "is not a folder" if fs.exists(path) else "does not exist"
                raise DistributedError(f"the seeds location {seeds} {why}")
        except DistributedError:
            raise
        except Exception as exc:  # no backend for the protocol, no credentials, ...
            raise DistributedError(f"cannot open the seeds location {seeds}: "
                                   f"{exc.__class__.__name__}: {exc}") from None
        return src
    root = ((base or Path.cwd()) / seeds).resolve()
    if not root.is_dir():
        why = "is not a folder" if root.exists() else "does not exist"
        raise DistributedError(f"the seeds folder {seeds} {why}")
    return Source(root=root)


def list_seeds(src: Source) -> list[tuple[str, str]]:
    """[(relative posix path, locator)] of every seed, sorted by relative path."""
    if src.root is not None:
        from .scan import scan

        return [(rel, str(path)) for rel, path in scan(src.root)]
    fs, base = src.fs()
    out = []
    for p in fs.glob(base + "/**/*.txt"):
        p = p.rstrip("/")
        rel = posixpath.relpath(p, base)
        if any(part.startswith(".") for part in rel.split("/")):
            continue
        out.append((rel, p))
    out.sort(key=lambda t: t[0])
    return out


def _import(name: str):
    try:
        import importlib

        return importlib.import_module(name)
    except ImportError:
        raise DistributedError(
            f"{name} is not installed: distributed runs and seeds addressed by URL need "
            "the optional extra, pip install -e \".[dask]\" (dask[distributed] and fsspec)"
        ) from None


# -- reading one seed ------------------------------------------------------------------------

def _read_local(path: Path, rel: str, max_bytes: int | None):
    from .seed import read_seed

    return read_seed(path, rel, max_bytes)


def _read_remote(fs, locator: str, rel: str, max_bytes: int | None):
    """A seed read through fsspec, with the local reader's findings: too large (never
    held in memory, hashed in chunks), unreadable (the error named)."""
    from .seed import _too_large, _unreadable, seed_from_bytes

    path = PurePosixPath(rel)
    try:
        size = fs.size(locator)
        if max_bytes is not None and size is not None and size > max_bytes:
            h = hashlib.sha256()
            with fs.open(locator, "rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    h.update(chunk)
            return _too_large(Path(rel), rel, size, max_bytes, h.hexdigest())
        raw = fs.cat_file(locator)
    except OSError as exc:
        return _unreadable(Path(rel), rel, exc.strerror or f"{exc.__class__.__name__}: {exc}",
                           getattr(exc, "errno", None))
    return seed_from_bytes(Path(str(path)), rel, raw, max_bytes)


# -- the job: everything a task needs, picklable ----------------------------------------------

@dataclass
class Job:
    source: Source
    config: Config
    ctx: str                      # checks.cache.context_key(config)
    indexes: list[str]            # every index a enabled corpus check reads
    cache_url: str | None = None  # folder or fsspec URL of the shard result files
    storage_options: dict = field(default_factory=dict)

    def read(self, rel: str, locator: str):
        if self.source.root is not None:
            return _read_local(Path(locator), rel, self.config.max_file_bytes)
        fs, _ = self.source.fs()
        return _read_remote(fs, locator, rel, self.config.max_file_bytes)

    def read_many(self, shard: list[tuple[str, str]]) -> list:
        """The seeds of a shard. From object storage in one batched call
        (``fs.cat_ranges``: concurrent requests on s3fs/gcsfs, at most
        ``max_file_bytes + 1`` bytes a file); a file over the limit, or one whose batch
        read failed, is read again on its own (hashed in chunks, or the error named)."""
        if self.source.root is not None or not shard:
            return [self.read(rel, loc) for rel, loc in shard]
        from .seed import seed_from_bytes

        fs, _ = self.source.fs()
        limit = self.config.max_file_bytes
        locs = [loc for _, loc in shard]
        try:
            got = fs.cat_ranges(locs, [0] * len(locs),
                                [None if limit is None else limit + 1] * len(locs),
                                on_error="return")
        except Exception:
            got = [None] * len(locs)
        out = []
        for (rel, loc), data in zip(shard, got):
            if isinstance(data, bytes) and (limit is None or len(data) <= limit):
                out.append(seed_from_bytes(Path(rel), rel, data, limit))
            else:
                out.append(_read_remote(fs, loc, rel, limit))
        return out


def make_job(src: Source, config: Config, cache_url: str | None) -> Job:
    from .cache import context_key, needed_indexes

    registry.load_builtin()
    return Job(src, config, context_key(config), needed_indexes(config), cache_url)


# -- shards ----------------------------------------------------------------------------------

def make_shards(entries: list[tuple[str, str]], size: int = SHARD_SIZE
                ) -> list[list[tuple[str, str]]]:
    """Consecutive runs of ``entries`` (already sorted). A shard ends after a path whose
    hash is 0 modulo ``size`` (so about ``size`` seeds a shard, and an added or removed
    seed moves no boundary but its own), or at ``size * SHARD_MAX_FACTOR`` seeds."""
    size = max(1, int(size))
    shards: list[list[tuple[str, str]]] = []
    cur: list[tuple[str, str]] = []
    for rel, loc in entries:
        cur.append((rel, loc))
        if zlib.crc32(rel.encode("utf-8", "surrogatepass")) % size == 0 \
                or len(cur) >= size * SHARD_MAX_FACTOR:
            shards.append(cur)
            cur = []
    if cur:
        shards.append(cur)
    return shards


# -- cache files -----------------------------------------------------------------------------

class ResultFiles:
    """Result files in a folder or fsspec URL. Every read that fails is a miss; every
    write goes to a temporary name first (a worker killed while writing leaves no
    half file behind)."""

    def __init__(self, url: str, storage_options: dict | None = None):
        self.url = url.rstrip("/")
        self._fs = None
        self.storage_options = storage_options or {}

    def _fsp(self):
        if self._fs is None:
            if is_url(self.url):
                fsspec = _import("fsspec")
                self._fs = fsspec.core.url_to_fs(self.url, **self.storage_options)
            else:
                self._fs = (None, self.url)
        return self._fs

    def get(self, name: str) -> Any:
        fs, base = self._fsp()
        try:
            if fs is None:
                data = Path(base, name).read_bytes()
            else:
                data = fs.cat_file(f"{base}/{name}")
            return pickle.loads(zlib.decompress(data))
        except Exception:
            return None

    def put(self, name: str, value: Any) -> None:
        fs, base = self._fsp()
        data = zlib.compress(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), 1)
        try:
            if fs is None:
                from .report.files import atomic_write_bytes

                Path(base).mkdir(parents=True, exist_ok=True)
                atomic_write_bytes(Path(base, name), data)
            else:  # one object write (atomic on object stores)
                fs.makedirs(base, exist_ok=True)
                fs.pipe_file(f"{base}/{name}", data)
        except Exception:
            pass  # the cache is an optimisation: a lost write is a later miss

    def prune(self, keep: set[str]) -> int:
        """Remove the result files this run did not use; returns how many."""
        fs, base = self._fsp()
        n = 0
        try:
            if fs is None:
                names = [p.name for p in Path(base).iterdir()]
            else:
                names = [posixpath.basename(p) for p in fs.ls(base, detail=False)]
        except Exception:
            return 0
        for name in names:
            if name.endswith(".pkl.z") and name not in keep:
                try:
                    if fs is None:
                        Path(base, name).unlink()
                    else:
                        fs.rm_file(f"{base}/{name}")
                    n += 1
                except Exception:
                    pass
        return n


def shard_key(ctx: str, shas: list[tuple[str, str | None]]) -> str:
    h = hashlib.sha256(f"seedcheck-shard/{CACHE_VERSION}\0{ctx}\0".encode())
    for rel, sha in shas:
        h.update(f"{rel}\0{sha or '-'}\n".encode("utf-8", "surrogatepass"))
    return h.hexdigest()[:32]


# -- map ---------------------------------------------------------------------------------------

def map_shard(job: Job, shard: list[tuple[str, str]]) -> dict:
    """File checks and index features of one shard: ``{"files": [record], "findings":
    [finding dict], "features": {index: {path: feature}}, "shas": {path: sha},
    "cache": file name or None, "cached": bool, "seconds": float}``. Pure: a retried
    task returns equal data."""
    from .cache import file_record, index_features

    same_code(job)
    t0 = time.perf_counter()
    seeds = job.read_many(shard)
    shas = [(s.rel, _sha(s)) for s in seeds]
    files = ResultFiles(job.cache_url, job.storage_options) if job.cache_url else None
    name = f"shard-{shard_key(job.ctx, shas)}.pkl.z"
    if files is not None:
        got = files.get(name)
        if isinstance(got, dict) and got.get("version") == CACHE_VERSION:
            got.update(cache=name, cached=True, seconds=time.perf_counter() - t0)
            return got
    records, findings = [], []
    feats: dict[str, dict[str, Any]] = {i: {} for i in job.indexes}
    for seed in seeds:
        records.append(file_record(seed))
        findings += [f.to_dict() for f in engine.check_seed(seed, job.config)]
        if seed.readable:
            for index, value in index_features(seed, job.config, job.indexes).items():
                if value is not None:
                    feats[index][seed.rel] = value
    # Features travel and wait for the reduce pickled (one packed blob per index: three
    # to five times smaller than the live objects); a reduce unpickles the seeds it
    # reads, and a partitioned one reads a seed's feature by offset (no second copy).
    # the blobs a one-task reduce receives whole (typo, chrome) are compressed as well:
    # that task holds every shard's blob beside the live features (typo: 2.1x smaller)
    whole = _whole_indexes(job.indexes)
    features = {i: pack_features(v, compress=i in whole) for i, v in feats.items()}
    del feats
    out = {"version": CACHE_VERSION, "files": records, "findings": findings,
           "features": features, "shas": dict(shas)}
    # (the locators are not cached: the same content may be read from elsewhere)
    # (unreadable seeds: a missing file is a miss next time, never a stale hit, since
    # their sha is None and their findings depend on more than content)
    if files is not None and all(sha for _, sha in shas):
        files.put(name, out)
    out = dict(out, cache=name if files is not None else None, cached=False,
               seconds=time.perf_counter() - t0)
    _trim()  # the shard's live objects are gone: hand their pages back
    return out


_CTX_SEEN: dict[str, str] = {}


def same_code(job: Job) -> None:
    """Refuse to work with other code than the driver's: a worker with another version
    of seedcheck (or of its data files, or another set of checks) would give other
    findings under the same cache keys. Checked once per process and job context."""
    from .cache import context_key

    got = _CTX_SEEN.get(job.ctx)
    if got is None:
        got = _CTX_SEEN[job.ctx] = context_key(job.config)
    if got != job.ctx:
        import socket

        raise DistributedError(
            f"the worker on {socket.gethostname()} runs other seedcheck code than the "
            f"driver (context {got} != {job.ctx}): install the same seedcheck version "
            "(same checks/ files) on every worker")


MEMO_MIN = 1024  # an lru_cache this large memoises text, not a table


def release_memory() -> dict:
    """After the map: empty the file checks' memo caches (``functools.lru_cache`` of at
    least ``MEMO_MIN`` entries in ``checks.*``: windows, segmentations, look-ups of text
    the map has seen; bounded, but ~55 MB once full, measured) and hand freed memory
    back (``gc``, glibc's ``malloc_trim``). The tables (unbounded caches, loaded once)
    stay. Pure caches: results do not change (tested), only the reduces start from a
    smaller process. Returns ``{"entries": cleared, "rss_mb": after}``."""
    import gc
    import sys

    n = 0
    for name, mod in list(sys.modules.items()):
        if not (name == "checks" or name.startswith("checks.")) or mod is None:
            continue
        for obj in list(vars(mod).values()):
            params = getattr(obj, "cache_parameters", None)
            if params is None or not callable(getattr(obj, "cache_clear", None)):
                continue
            try:
                size = params().get("maxsize")
                if size is not None and size >= MEMO_MIN:
                    n += obj.cache_info().currsize
                    obj.cache_clear()
            except Exception:
                continue
    gc.collect()
    _trim()
    return {"entries": n, "rss_mb": _rss_mb()}


_LIBC: list = []


def _trim() -> None:
    """glibc's ``malloc_trim(0)``: free pages anywhere in the heap go back to the system
    (a few ms); elsewhere nothing (the freed memory is reused by the process)."""
    if not _LIBC:
        try:
            import ctypes

            _LIBC.append(ctypes.CDLL("libc.so.6").malloc_trim)
        except Exception:
            _LIBC.append(None)
    if _LIBC[0] is not None:
        try:
            _LIBC[0](0)
        except Exception:
            pass


class Trimmed:
    """A reduce-side task (split, select, verify, a one-task reduce, ...) that hands the
    heap's free pages back to the system (:func:`_trim`) before and after it runs. A
    worker's reduces pass bytes of 0.1-30 MB from task to task (spilled results read
    back, selections, decompressed blobs); glibc serves them from the worker thread's
    heap and keeps the pages once they are freed, so the heap grows from task to task
    (measured: 376 MB free in a worker's heap at the end of a 50k run). Before: what
    the previous task and the inputs released since left behind; after: the task's
    own transients. Each call costs a few ms (0.4-4 ms measured). Picklable, so the
    same wrapper runs on any cluster; results are the function's."""

    __slots__ = ("fn",)

    def __init__(self, fn: Callable[..., Any]):
        self.fn = fn

    def __call__(self, *args, **kwargs):
        _trim()
        try:
            return self.fn(*args, **kwargs)
        finally:
            _trim()

    def __reduce__(self):
        return (Trimmed, (self.fn,))

    def __repr__(self) -> str:
        return f"Trimmed({getattr(self.fn, '__qualname__', self.fn)!r})"


def _rss_mb() -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return None


def _sha(seed) -> str | None:
    """The seed's content hash, or None when it could not be read at all (its findings
    then depend on more than its content: never cached)."""
    if any(p[0] == "format.unreadable-file" for p in seed.problems):
        return None
    return seed.sha256


def light(result: dict) -> dict:
    """A map result without its features (what the driver gathers)."""
    return {k: v for k, v in result.items() if k != "features"}


def select_meta(result: dict, shard: list[tuple[str, str]]) -> list[tuple[str, str, str | None]]:
    """(path, locator, sha256) of every seed of one shard: what a reduce needs to know
    about the corpus besides features (sent worker to worker, not through the driver)."""
    shas = result["shas"]
    return [(rel, loc, shas.get(rel)) for rel, loc in shard]


def select_features(result: dict, index: str) -> bytes | None:
    """One index's features of one shard (a pickled ``{path: feature}``)."""
    return result["features"].get(index)


# -- feature blobs ------------------------------------------------------------------------------

PACK_MAGIC = b"SCF1"
PACKZ_MAGIC = b"SCZ1"  # then zlib of a PACK_MAGIC blob


def pack_features(feats: dict[str, Any], compress: bool = False) -> bytes:
    """One index's ``{path: feature}`` of a shard as one bytes object: a table of
    contents (paths, end offsets), then one pickle per seed. A reader takes the seeds it
    needs by offset (:class:`Packed`) instead of unpickling the whole shard, so a
    partitioned reduce needs no second, per-seed copy of the blob. ``compress``: the
    whole blob zlib-compressed (level 1; :class:`Packed` reads both), for the indexes
    whose blobs wait for a reduce that unpacks them all at once."""
    blob = pack_raw({rel: pickle.dumps(v, protocol=pickle.HIGHEST_PROTOCOL)
                     for rel, v in feats.items()})
    return PACKZ_MAGIC + zlib.compress(blob, 1) if compress else blob


def _whole_indexes(indexes) -> set[str]:
    """Of ``indexes``, those no partitioned reduce reads by offset (their blobs go whole
    to a one-task reduce: compressed)."""
    parted = set()
    for cat in registry.corpus_categories():
        spec = registry.get_partition(cat)
        if spec is not None:
            parted.add(spec.index)
    return set(indexes) - parted


def pack_raw(raws: dict[str, bytes]) -> bytes:
    """:func:`pack_features` of features already pickled one by one."""
    ends: list[int] = []
    n = 0
    for b in raws.values():
        n += len(b)
        ends.append(n)
    head = pickle.dumps((list(raws), ends), protocol=pickle.HIGHEST_PROTOCOL)
    return b"".join([PACK_MAGIC, len(head).to_bytes(8, "little"), head, *raws.values()])


class Packed:
    """A read-only view of a :func:`pack_features` blob (None: no features): ``raw(rel)``
    the pickled bytes of one seed's feature, ``get(rel)`` the feature, nothing else is
    unpickled."""

    def __init__(self, blob: bytes | None):
        self._pos: dict[str, tuple[int, int]] = {}
        self._view = None
        if not blob:
            return
        view = memoryview(blob)
        if bytes(view[:4]) == PACKZ_MAGIC:
            view = memoryview(zlib.decompress(view[4:]))
        if bytes(view[:4]) != PACK_MAGIC:
            raise ValueError("not a packed feature blob")
        k = int.from_bytes(view[4:12], "little")
        rels, ends = pickle.loads(view[12:12 + k])
        start = 12 + k
        a = start
        for rel, e in zip(rels, ends):
            self._pos[rel] = (a, start + e)
            a = start + e
        self._view = view

    def __contains__(self, rel: str) -> bool:
        return rel in self._pos

    def __len__(self) -> int:
        return len(self._pos)

    def paths(self) -> list[str]:
        return list(self._pos)

    def raw(self, rel: str) -> bytes:
        a, b = self._pos[rel]
        return bytes(self._view[a:b])

    def get(self, rel: str, default: Any = None) -> Any:
        pos = self._pos.get(rel)
        if pos is None:
            return default
        return pickle.loads(self._view[pos[0]:pos[1]])


def unpack_features(blob: bytes | None) -> dict[str, Any]:
    """Every seed's feature of a :func:`pack_features` blob."""
    pk = Packed(blob)
    return {rel: pk.get(rel) for rel in pk.paths()}


# -- reduce ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BlobRef:
    """A shard's feature blob left on the cluster (the key of its Dask result): a
    one-task reduce fetches it when it comes to it (:func:`merge_blobs`) instead of
    receiving every blob as an argument. Dask holds a task's arguments for as long as
    the task runs, so the blobs received as arguments (typo, compressed: ~2 KB a seed,
    ~100 MB at 50k) would sit beside every seed's live features until the end of the
    corpus checks; fetched one by one, only the blob being read is alive."""

    key: str


def _blob_fetcher():
    """A context giving ``fetch(ref)``: a :class:`BlobRef`'s blob, read from this
    worker's results or fetched from the worker holding it. The task keeps its thread
    (no ``secede``: the worker must not start a second task beside a reduce)."""
    import contextlib

    @contextlib.contextmanager
    def fetcher():
        distributed = _import("distributed")
        with distributed.worker_client(separate_thread=False) as c:
            def fetch(ref: BlobRef):
                # this client wants the key (as a future passed in would): the
                # scheduler reports its state now and again if it is lost and computed
                # again (the driver holds the blob's future, so it stays in the graph)
                fut = distributed.Future(ref.key, c)
                c._send_to_scheduler({"op": "client-desires-keys", "keys": [ref.key],
                                      "client": c.id})
                try:
                    return c.gather(fut)
                finally:
                    fut.release()
            yield fetch

    return fetcher()


def merge_blobs(parts: list, fetch: Callable[[BlobRef], Any] | None = None
                ) -> dict[str, Any]:
    """Every seed's feature of a list of shard blobs (:func:`pack_features`, None, or
    :class:`BlobRef` to fetch), one blob at a time: a blob is fetched, decompressed,
    unpickled into the result and dropped (with its decompressed bytes) before the
    next. ``fetch``: how a :class:`BlobRef` is read (default: from the Dask cluster
    this task runs on)."""
    import contextlib

    m: dict[str, Any] = {}
    refs = any(isinstance(p, BlobRef) for p in parts)
    with (_blob_fetcher() if refs and fetch is None
          else contextlib.nullcontext(fetch)) as get:
        for i in range(len(parts)):
            part = parts[i]
            if isinstance(part, BlobRef):
                part = get(part)
            if part:
                m.update(unpack_features(part))
            del part
    return m


def corpus_categories(config: Config) -> list[str]:
    """Categories with an enabled corpus check (one corpus item each in pytest)."""
    return [c for c in registry.corpus_categories()
            if any(config.enabled(s.id) for s in registry.all_checks()
                   if s.scope == "corpus" and s.category == c)]


def category_indexes(config: Config, category: str) -> list[str]:
    from .cache import needed_indexes

    return needed_indexes(config, category)


def reduce_category(job: Job, category: str, metas: list[list[tuple[str, str, str | None]]],
                    features: dict[str, list[bytes | None]]) -> dict:
    """The corpus checks of one category over the whole corpus. ``metas`` is every
    shard's :func:`select_meta`, in shard order (so paths are sorted); ``features`` is
    ``{index: [per-shard pickled {path: feature}]}`` for this category's indexes. Returns
    ``{"findings": [dict], "crash": [line] or None, "cached": bool, "seconds": s}``."""
    t0 = time.perf_counter()
    entries = [(rel, loc) for meta in metas for rel, loc, _ in meta]
    shas = {rel: sha for meta in metas for rel, _, sha in meta}
    files, name, got = _corpus_cached(job, category, metas)
    del metas
    if got is not None:
        return dict(got, seconds=time.perf_counter() - t0)
    merged: dict[str, dict[str, Any]] = {}
    for index, parts in features.items():
        merged[index] = merge_blobs(parts)
    del features

    def source(index: str, rel: str) -> Any:
        return merged.get(index, {}).get(rel)

    locators = dict(entries)
    corpus = engine.Corpus(job.source.root or Path("."), [rel for rel, _ in entries],
                           job.config,
                           loader=job.source.loader(locators, job.config.max_file_bytes),
                           feature_source=source)
    crash = None
    try:
        found = engine.check_corpus(corpus, category)
    except engine.CheckCrashed as exc:
        found, crash = [], list(exc.lines)
    out = {"version": CACHE_VERSION, "findings": [f.to_dict() for f in found],
           "crash": crash}
    if files is not None and crash is None and all(shas.get(r) for r, _ in entries):
        files.put(name, out)
    return dict(out, cache=name if files is not None else None, cached=False,
                seconds=time.perf_counter() - t0)


def _corpus_cached(job: Job, category: str, metas) -> tuple[Any, str, dict | None]:
    """(result files or None, the category's result file name, its cached result or
    None)."""
    files, name, _ = _corpus_cached_name(job, category, metas)
    if files is not None:
        got = files.get(name)
        if isinstance(got, dict) and got.get("version") == CACHE_VERSION:
            return files, name, dict(got, cache=name, cached=True)
    return files, name, None


def cached_corpus(job: Job, category: str, metas) -> dict | None:
    """A category's cached result (a task before a partitioned reduce), or None."""
    t0 = time.perf_counter()
    got = _corpus_cached(job, category, metas)[2]
    return None if got is None else dict(got, seconds=time.perf_counter() - t0)


def finish_partitioned(job: Job, category: str, metas, combined: dict, t0: float) -> dict:
    """A partitioned reduce's combined result, stored like :func:`reduce_category`'s."""
    files, name, _ = _corpus_cached_name(job, category, metas)
    out = {"version": CACHE_VERSION, "findings": combined["findings"],
           "crash": combined["crash"]}
    if files is not None and out["crash"] is None and \
            all(sha for meta in metas for _, _, sha in meta):
        files.put(name, out)
    return dict(out, cache=name if files is not None else None, cached=False,
                seconds=time.time() - t0, partitions=combined.get("partitions"))


def _corpus_cached_name(job: Job, category: str, metas) -> tuple[Any, str, None]:
    from .cache import corpus_key

    files = ResultFiles(job.cache_url, job.storage_options) if job.cache_url else None
    key = corpus_key(job.ctx, category, ((rel, sha) for meta in metas for rel, _, sha in meta))
    return files, f"corpus-{category}-{key[:32]}.pkl.z", None


def reduce_partitioned(job: Job, category: str, metas, features: dict[str, list],
                       P: int) -> dict:
    """:func:`reduce_category` as a partitioned reduce in this process
    (``checks/partition.py``): the same findings."""
    from . import partition

    t0 = time.time()
    got = cached_corpus(job, category, metas)
    if got is not None:
        return got
    spec = partition.spec_of(category)
    combined = partition.run_local(job, category, metas, features[spec.index], P)
    return finish_partitioned(job, category, metas, dict(combined, partitions=P), t0)


def partitioned(job: Job, category: str, P: int | None) -> bool:
    """Whether ``category`` runs as a partitioned reduce with ``P`` partitions."""
    from . import partition

    spec = partition.spec_of(category) if P and P > 1 else None
    return spec is not None and category_indexes(job.config, category) == [spec.index]


# -- the run -----------------------------------------------------------------------------------

@dataclass
class RunResult:
    files: dict[str, dict]                 # path -> file record
    seed_findings: dict[str, list[dict]]   # path -> finding dicts (file checks)
    corpus: dict[str, dict]                # category -> reduce_category result
    shards: int
    cached_shards: int
    seconds: float
    used_cache: set[str] = field(default_factory=set)


Progress = Callable[[str, dict], None]


def run(job: Job, entries: list[tuple[str, str]], *, client=None,
        shard_size: int = SHARD_SIZE, progress: Progress | None = None,
        partitions: int | None = None) -> RunResult:
    """Map every shard, then reduce every corpus-check category. ``client`` is a
    ``distributed.Client`` or None (in this process, one shard after another).
    ``partitions``: categories that can (``checks/partition.py``) run as a reduce of
    that many partitions; default: one reduce task in this process, and on a cluster
    PARTS_PER_WORKER partitions a worker (at least PARTS_MIN)."""
    t0 = time.monotonic()
    shards = make_shards(entries, shard_size)
    cats = corpus_categories(job.config) if entries else []
    emit = progress or (lambda kind, info: None)
    emit("start", {"shards": len(shards), "seeds": len(entries), "categories": cats})
    if client is None:
        results = []
        done_seeds = 0
        for i, shard in enumerate(shards):
            r = map_shard(job, shard)
            results.append(r)
            done_seeds += len(shard)
            emit("shard", {"done": i + 1, "total": len(shards), "seeds": done_seeds,
                           "cached": r["cached"]})
        lights = results
        release_memory()
        metas = [select_meta(r, shard) for r, shard in zip(results, shards)]
        corpus = {}
        for cat in cats:
            feats = {i: [r["features"].get(i) for r in results]
                     for i in category_indexes(job.config, cat)}
            if partitioned(job, cat, partitions):
                corpus[cat] = reduce_partitioned(job, cat, metas, feats, partitions)
            else:
                corpus[cat] = reduce_category(job, cat, metas, feats)
            emit("reduce", {"category": cat, **_brief(corpus[cat])})
    else:
        lights, corpus = _run_dask(client, job, shards, cats, emit, partitions)
    files: dict[str, dict] = {}
    seed_findings: dict[str, list[dict]] = {}
    used = set()
    for r in lights:  # merged by path (assigned, never appended): idempotent
        own: dict[str, list[dict]] = {rec["path"]: [] for rec in r["files"]}
        for d in r["findings"]:
            own.setdefault(d["path"], []).append(d)
        for rec in r["files"]:
            files[rec["path"]] = rec
        seed_findings.update(own)
        if r.get("cache"):
            used.add(r["cache"])
    for c in corpus.values():
        if c.get("cache"):
            used.add(c["cache"])
    res = RunResult(files, seed_findings, corpus, len(shards),
                    sum(1 for r in lights if r.get("cached")), time.monotonic() - t0, used)
    emit("done", {"seconds": res.seconds})
    return res


def _brief(r: dict) -> dict:
    return {"findings": len(r["findings"]), "cached": r.get("cached", False),
            "seconds": r.get("seconds", 0.0), "crash": r.get("crash")}


def _workers(client) -> int:
    try:
        return len(client.scheduler_info().get("workers", {}))
    except Exception:
        return 0


def _run_dask(client, job: Job, shards, cats, emit, partitions: int | None = None):
    from . import partition

    distributed = _import("distributed")
    # several partitions a worker: each candidate and verification task holds a smaller share
    P = partitions if partitions is not None else \
        max(PARTS_MIN, PARTS_PER_WORKER * _workers(client))
    tag = hashlib.sha1(f"{time.time_ns()}".encode()).hexdigest()[:10]
    maps = [client.submit(map_shard, job, shard, key=f"seedcheck-map-{tag}-{i}",
                          retries=2) for i, shard in enumerate(shards)]
    lights_f = [client.submit(light, m, key=f"seedcheck-light-{tag}-{i}")
                for i, m in enumerate(maps)]
    metas = [client.submit(select_meta, m, shard, key=f"seedcheck-meta-{tag}-{i}")
             for i, (m, shard) in enumerate(zip(maps, shards))]
    sel: dict[str, list] = {}
    for index in job.indexes:
        sel[index] = [client.submit(select_features, m, index,
                                    key=f"seedcheck-feat-{tag}-{index}-{i}")
                      for i, m in enumerate(maps)]
    # A map result (findings, feature blobs) is freed as soon as its light part and its
    # features are taken; a worker lost later is recovered from the lineage (the map
    # runs again).
    del maps
    # the reduces start as soon as the last shard is in (nothing goes through the driver)
    reds = {}
    pre = {}  # partitioned categories: their cached result first
    one = []  # one-task reduces
    for cat in cats:
        if partitioned(job, cat, P):
            pre[cat] = client.submit(cached_corpus, job, cat, metas,
                                     key=f"seedcheck-cached-{tag}-{cat}")
        else:
            one.append(cat)
    # A one-task reduce receives its blobs as BlobRefs and fetches them one at a time
    # (merge_blobs): the driver keeps their futures until that reduce is done, then
    # they leave the workers (typo: ~2 KB a seed, compressed), not at the end of the
    # run. The driver keeps the feature futures of the partitioned categories too.
    held: dict[str, list] = {cat: [f for i in category_indexes(job.config, cat)
                                   for f in sel[i]] for cat in one}
    keep = {partition.spec_of(c).index for c in pre}
    pos = {f.key: i for i, f in enumerate(lights_f)}
    lights: list[dict | None] = [None] * len(shards)
    done_seeds = 0
    for n, fut in enumerate(distributed.as_completed(lights_f), 1):
        r = fut.result()
        i = pos[fut.key]
        lights[i] = r
        done_seeds += len(shards[i])
        fut.release()
        emit("shard", {"done": n, "total": len(shards), "seeds": done_seeds,
                       "cached": r["cached"]})
    # every shard is mapped: the file checks' memo caches go before the reduces
    try:
        client.run(release_memory)
    except Exception:
        pass  # an optimisation: a worker that cannot run it keeps its caches
    for cat in one:
        # the blobs exist before the reduce starts (it does not depend on them: it
        # fetches them); a blob lost later is computed again (the driver wants it)
        distributed.wait(held[cat])
        feats = {i: [BlobRef(f.key) for f in sel[i]]
                 for i in category_indexes(job.config, cat)}
        reds[cat] = client.submit(Trimmed(reduce_category), job, cat, metas, feats,
                                  key=f"seedcheck-reduce-{tag}-{cat}", retries=2)
        del feats
    for index in [i for i in sel if i not in keep]:
        del sel[index]
    corpus = {}
    for cat, fut in pre.items():
        got = fut.result()
        if got is not None:
            corpus[cat] = got
            emit("reduce", {"category": cat, **_brief(got)})
            spec = partition.spec_of(cat)
            if all(spec.index not in category_indexes(job.config, c)
                   for c in pre if c != cat):
                sel.pop(spec.index, None)
            continue
        spec = partition.spec_of(cat)
        combined = partition.submit(client, job, cat, [len(sh) for sh in shards], metas,
                                    sel[spec.index], P, tag)
        reds[cat] = client.submit(finish_partitioned, job, cat, metas, combined, time.time(),
                                  key=f"seedcheck-reduce-{tag}-{cat}")
        if all(spec.index not in category_indexes(job.config, c) for c in cats if c != cat):
            # the blobs are freed on the workers once the tasks that read them are done
            sel.pop(spec.index, None)
    rpos = {f.key: c for c, f in reds.items()}
    for fut in distributed.as_completed(list(reds.values())):
        cat = rpos[fut.key]
        corpus[cat] = fut.result()
        held.pop(cat, None)  # its blobs leave the workers (unless another reduce reads them)
        emit("reduce", {"category": cat, **_brief(corpus[cat])})
    del sel, reds, metas, pre, held
    return lights, corpus


# -- the cluster -------------------------------------------------------------------------------

def connect(address: str):
    """A ``distributed.Client`` for ``tcp://host:port`` (an existing scheduler) or
    ``local:N`` (a LocalCluster of N worker processes, one thread each, closed with
    the client). Returns (client, cluster or None)."""
    distributed = _import("distributed")
    _import("fsspec")
    address = address.strip()
    n = check_address(address)
    if n:
        import logging

        try:
            cluster = local_cluster(n, silence_logs=logging.ERROR)
            client = distributed.Client(cluster)
        except Exception as exc:
            raise DistributedError(f"--dask {address}: cannot start a local cluster: "
                                   f"{exc.__class__.__name__}: {exc}") from None
        return client, cluster
    try:
        client = distributed.Client(address, timeout="10s")
    except Exception as exc:
        raise DistributedError(f"--dask {address}: cannot reach the scheduler: "
                               f"{exc.__class__.__name__}: {exc}") from None
    return client, None


RESULTS_IN_MEMORY_MB = 32  # a LocalCluster worker's results beyond this wait on disk


def spill_config(limit_bytes: int, results_mb: int = RESULTS_IN_MEMORY_MB) -> dict:
    """Dask settings for workers of memory limit ``limit_bytes`` that keep at most
    ``results_mb`` of task results in memory and the rest on their local disk (Dask's
    spilling by managed memory, ``distributed.worker.memory.target``): the feature
    blobs waiting for the reduces (8.9 KB a seed) and the reduces' intermediate
    results, least recently used first. Spilling by process memory, pausing and the
    nanny's kill are off: a worker's own memory (the file checks' tables, ~400 MB) is
    not results, and a worker killed for it would only be rerun."""
    frac = min(0.6, max(1, results_mb) * 2**20 / max(limit_bytes, 1))
    return {"distributed.worker.memory.target": frac,
            "distributed.worker.memory.spill": False,
            "distributed.worker.memory.pause": False,
            "distributed.worker.memory.terminate": False}


MMAP_THRESHOLD = 1 << 20  # glibc: blocks of 1 MB and more are mapped on their own


def worker_environ() -> dict:
    """Environment a ``local:N`` worker process starts with, beside Dask's own
    ``distributed.nanny.pre-spawn-environ`` (``MALLOC_TRIM_THRESHOLD_``, ...): glibc's
    ``MALLOC_MMAP_THRESHOLD_`` fixed at :data:`MMAP_THRESHOLD`, so that the large
    buffers the reduces pass around (spilled results read back, selections, blobs) are
    mapped on their own and unmapped when freed, instead of being served from the heap
    once glibc's dynamic threshold has risen and kept there after they are freed.
    glibc reads it when the process starts, so it goes in the pre-spawn environment
    (set by the nanny before it starts the worker). A value already in the driver's
    environment wins (Dask's rule for these variables). Returned as dask config keys."""
    return {"distributed.nanny.pre-spawn-environ.MALLOC_MMAP_THRESHOLD_": MMAP_THRESHOLD}


def local_cluster(n: int, results_mb: int = RESULTS_IN_MEMORY_MB, **kwargs):
    """A ``LocalCluster`` of ``n`` worker processes of one thread (``--dask local:N``),
    whose workers spill results beyond ``results_mb`` to disk (:func:`spill_config`)
    and start with a fixed glibc mmap threshold (:func:`worker_environ`); the memory
    limit is the machine's memory shared by the workers (Dask's default). Workers of a
    scheduler given by address are the user's: nothing of this applies to them (see
    docs/distributed.md, "Starting a cluster")."""
    import dask
    import psutil

    distributed = _import("distributed")
    limit = psutil.virtual_memory().total // max(1, n)
    kwargs.setdefault("dashboard_address", ":0")
    with dask.config.set({**spill_config(limit, results_mb), **worker_environ()}):
        return distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                        memory_limit=limit, **kwargs)


def check_address(address: str) -> int:
    """N for ``local:N``, 0 for a scheduler URL; DistributedError for anything else."""
    address = address.strip()
    if address.startswith("local:"):
        try:
            n = int(address[len("local:"):])
        except ValueError:
            n = 0
        if n < 1:
            raise DistributedError(f"--dask {address}: expected local:N with N a positive "
                                   "number of worker processes")
        return n
    if "://" not in address:
        raise DistributedError(f"--dask {address}: expected a scheduler address "
                               "(tcp://host:8786) or local:N")
    return 0


def dashboard_link(client) -> str | None:
    try:
        return client.dashboard_link
    except Exception:
        return None


class ConsoleProgress:
    """Progress lines: shards done / total, seeds per second, then each category's
    reduce. At most one shard line every ``every`` seconds (and the last)."""

    def __init__(self, write: Callable[[str], None], every: float = 2.0):
        self.write = write
        self.every = every
        self.t0 = time.monotonic()
        self.last = 0.0

    def __call__(self, kind: str, info: dict) -> None:
        now = time.monotonic()
        if kind == "start":
            self.t0 = now
            self.write(f"seedcheck: {info['seeds']:,} seeds in {info['shards']:,} shards; "
                       f"corpus checks: {', '.join(info['categories']) or 'none'}")
        elif kind == "shard":
            if info["done"] == info["total"] or now - self.last >= self.every:
                self.last = now
                rate = info["seeds"] / max(now - self.t0, 1e-9)
                self.write(f"seedcheck: map {info['done']:,}/{info['total']:,} shards, "
                           f"{info['seeds']:,} seeds, {rate:,.0f} seeds/s")
        elif kind == "reduce":
            how = "cached" if info["cached"] else f"{info['seconds']:.1f} s"
            state = "CRASHED" if info.get("crash") else f"{info['findings']:,} findings"
            self.write(f"seedcheck: reduce {info['category']}: {state} ({how})")
        elif kind == "done":
            self.write(f"seedcheck: checked in {info['seconds']:.1f} s")


def findings_of(res: RunResult) -> tuple[dict[str, list[Finding]], dict[str, list[Finding]]]:
    """(per-path file-check findings, per-category corpus findings) as Finding objects.
    The result's finding dicts are consumed (the driver holds one copy, not two)."""
    per_seed = {}
    while res.seed_findings:
        p, ds = res.seed_findings.popitem()
        per_seed[p] = [Finding.from_dict(d) for d in ds]
    per_cat = {c: [Finding.from_dict(d) for d in r["findings"]] for c, r in res.corpus.items()}
    return per_seed, per_cat


def line_lookup(src: Source, locators: dict[str, str], max_bytes: int | None):
    """``line_lookup(path, line)`` for the HTML report, reading through the source."""
    from functools import lru_cache

    load = src.loader(locators, max_bytes)

    @lru_cache(maxsize=64)
    def lines_of(path: str):
        seed = load(path)
        return [ln.text[:2000] for ln in seed.lines] if seed.text is not None else None

    def lookup(path: str, line: int):
        lines = lines_of(path)
        if lines is None or line > len(lines):
            return None
        return lines[line - 1][:2000]
    return lookup

