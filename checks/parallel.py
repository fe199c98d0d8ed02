"""Both cores without ``-n``: a process pool that checks seeds (and runs the corpus
categories) for the plugin, before the items run.

A plain ``pytest --seeds DIR`` on a large corpus (see ``plugin.py``: from
``seedcheck_fold_min`` selected seeds up, not under pytest-xdist) computes every selected
seed's results up front: stored results are read back in one query, the misses are
checked by ``jobs`` worker processes (default: the CPUs this process may use), each of
which writes its results and index features to the same store (SQLite WAL) and sends
the file record and findings back. Then the corpus categories run side by side in the
same pool. The items only emit what was computed (pytest's per-item cost stays, the
checking is parallel). ``--seedcheck-jobs 1`` (or ``-n 0``) runs the same code in the
pytest process.

Everything here is plain data in, plain data out: the results equal those of
``cache.check_seed_cached`` / ``cache.check_corpus_cached`` run one by one, which is
what makes the report identical to a serial or ``-n 2`` run.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import multiprocessing
import os
import pickle
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, as_completed, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, Callable, Iterable

from . import cache as cache_mod
from . import engine, typo_data
from .config import Config

CHUNK = 32  # seeds per task: large enough to amortise the messaging, small enough to balance
POOL_MIN = 64  # fewer misses than this are checked in-process (a pool costs ~0.1-0.3 s)
# A worker that checked at least this many seeds empties its memos before it runs a
# corpus category (see _check_category)
RELEASE_MIN = 1_000

_W: dict[str, Any] = {}  # the worker's state (set by _init)


# A large run keeps millions of objects alive (stored results, findings, items, the
# checks' tables): with CPython's default thresholds (700, 10, 10) every growth of a
# quarter triggers a full collection over all of them: 14 in the pytest process of a
# 10,000-seed run, 2.6 s of CPU. With these, young objects are collected every 100,000
# allocations and a full collection does not happen during the run (what little cyclic
# garbage there is waits for the end).
GC_THRESHOLDS = (100_000, 50, 1_000)
_GC_DEFAULT = gc.get_threshold()  # what the workers go back to
_MAIN_PID = os.getpid()


def relax_gc() -> tuple[int, ...]:
    """Raise the collector's thresholds of the pytest process for a large run (a forked
    worker goes back to the defaults: its per-seed objects come and go); returns the
    previous ones, for ``gc.set_threshold(*previous)``."""
    previous = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLDS)
    return previous


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _context():
    # fork: the worker inherits the loaded checks and dictionaries (no re-import);
    # elsewhere the platform's default
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


def _init(config: Config, store_path: str | None, ctx: str, indexes: list[str],
          root: str, corpus_paths: list[str] | None = None,
          shas: dict[str, str | None] | None = None) -> None:
    """A worker's (or this process's) state. ``corpus_paths`` and ``shas``, what every
    category task reads, come here once (a forked worker inherits them: at 50,000 seeds
    pickling them into each task cost ~1.5 s of this process's time)."""
    if os.getpid() != _MAIN_PID:
        # A forked worker: what it inherited (the pytest process's heap: at 10,000 seeds
        # ~600,000 objects of stored results, items, findings) is never garbage here;
        # frozen, the collector leaves it out of every collection. Without this, the
        # full collections triggered by building the typo tables (millions of objects)
        # walked it each time: ~1 s of a one-seed run's longest worker
        gc.freeze()
        gc.set_threshold(*_GC_DEFAULT)
    _W.clear()
    _W.update(config=config, ctx=ctx, indexes=indexes, root=Path(root),
              paths=corpus_paths, shas=shas,
              store=cache_mod.Store.open(Path(store_path), repair=False)
              if store_path else None)


def start_early(config: Config, store_path: Path | None, ctx: str, indexes: list[str],
                root: Path, jobs: int, sample: Path) -> ProcessPoolExecutor | None:
    """A pool forked before this process hashes the seeds, for a run that will check
    them all (nothing stored, nothing selected): each worker builds what checking a seed
    needs (the typo tables, the language models: ~1 s) by checking ``sample`` (nothing
    stored), while this process collects, instead of this process building them first
    and the workers inheriting them. None where processes cannot be forked. The corpus
    paths and hashes are not known yet: :func:`run` hands them to the category tasks."""
    if jobs <= 1 or _context().get_start_method() != "fork":
        return None
    try:
        pool = ProcessPoolExecutor(max_workers=jobs, mp_context=_context(),
                                   initializer=_init,
                                   initargs=(config, str(store_path) if store_path else None,
                                             ctx, indexes, str(root)))
        # one each (idle workers take one task each); the first writes the tables built
        for k in range(jobs):
            pool.submit(_warm, str(sample), k == 0)
    except (OSError, RuntimeError, BrokenProcessPool):
        return None
    return pool


def start_warm(config: Config, store_path: Path | None, ctx: str, indexes: list[str],
               root: Path, sample: Path) -> ProcessPoolExecutor | None:
    """One worker forked before this process hashes the seeds of a run whose store holds
    results (few seeds will have changed): it loads what checking a seed needs (the
    typo tables, the language model: ~1 s) by checking ``sample``, on the core the
    collection leaves idle, and then checks the changed seeds (:func:`_few_changed`).
    None where processes cannot be forked. A run that needs it not is rid of it with
    :func:`stop`."""
    if _context().get_start_method() != "fork":
        return None
    try:
        pool = ProcessPoolExecutor(max_workers=1, mp_context=_context(), initializer=_init,
                                   initargs=(config, str(store_path) if store_path else None,
                                             ctx, indexes, str(root)))
        pool.submit(_warm, str(sample), False)
    except (OSError, RuntimeError, BrokenProcessPool):
        return None
    return pool


def stop(pool: ProcessPoolExecutor) -> None:
    """Shut ``pool`` down without waiting for what it is doing (a warm-up no one needs:
    it writes nothing)."""
    procs = list((getattr(pool, "_processes", None) or {}).values())
    for proc in procs:
        proc.terminate()
    pool.shutdown(wait=True, cancel_futures=True)


def _warm(path: str, save: bool) -> None:
    """Check ``path`` in this worker without storing anything (its tables and models
    are then loaded); ``save``: write the typo tables it built (else forget them: the
    other worker writes them)."""
    from .seed import read_seed

    try:
        seed = read_seed(Path(path), Path(path).name, _W["config"].max_file_bytes)
        cache_mod.index_features(seed, _W["config"], _W["indexes"])
        engine.check_seed(seed, _W["config"])
    except Exception:  # a warm-up only: the seed's own task reports what is wrong
        pass
    if save:
        typo_data.save_tables()
    else:
        typo_data.take_built()
    # what was just built (tables of millions of objects) lives as long as the worker:
    # out of every later collection, as a forked worker's inherited heap is (_init)
    gc.freeze()


def _check_chunk(chunk: list[tuple[str, str, str | None]], save: bool = True
                 ) -> list[tuple[str, dict, list[dict]]]:
    out = []
    store = _W["store"]
    # the chunk's results are stored in one transaction at its end
    with store.deferred() if store is not None else contextlib.nullcontext():
        for rel, path, sha in chunk:
            # (the pytest process gives only seeds it found no stored row for)
            rec, findings, _ = cache_mod.check_seed_cached(
                Path(path), rel, _W["config"], store, _W["ctx"], _W["indexes"],
                sha_hint=sha, lookup=False)
            out.append((rel, rec, [f.to_dict() for f in findings]))
    # the typo tables this process built for them, for the next process (typo_data)
    if save:
        typo_data.save_tables()
    _W["checked"] = _W.get("checked", 0) + len(chunk)
    return out


def _check_category(category: str, paths: list[str] | None = None,
                    shas: dict[str, str | None] | None = None, defer: bool = False
                    ) -> tuple[str, list[dict], list[str] | None, dict]:
    """(category, findings, crash lines or None, what was done); ``paths`` and ``shas``
    default to the worker's own (``_init``). ``defer``: the category's state is written
    when this worker exits (:func:`_defer_states`), after its findings are handed back."""
    from . import incremental

    if paths is None:
        paths, shas = _W["paths"], _W["shas"]
    if defer:
        _defer_states()
    if os.getpid() != _MAIN_PID and _W.get("checked", 0) >= RELEASE_MIN:
        # A worker that checked many seeds holds their memos (the typo detectors'
        # clauses, windows and runs: ~260 MB at 25,000 seeds), which a corpus category
        # never reads; emptied (and handed back), the category's own data reuses the
        # room: the peak of a cold 50k run is this worker running corpus[figure]
        from .distributed import release_memory

        release_memory()
        _W["checked"] = 0
    t0 = time.perf_counter()
    incremental.LAST.pop(category, None)
    try:
        findings, hit = cache_mod.check_corpus_cached(
            _W["root"], paths, shas, _W["config"], category, _W["store"], _W["ctx"])
        out = [f.to_dict() for f in findings], None
    except engine.CheckCrashed as exc:  # not picklable as such: sent as data
        hit = False
        out = [f.to_dict() for f in exc.findings], exc.lines
    st = incremental.LAST.get(category)
    info = {"s": round(time.perf_counter() - t0, 2),
            "mode": "cached" if hit else (st.mode if st else "full"),
            "recomputed": st.recomputed if st else 0, "reason": st.reason if st else ""}
    return category, out[0], out[1], info


def _defer_states() -> None:
    """This worker's store keeps the corpus states it is given and writes them when the
    worker exits (its pool shut down): a one-seed run at 50,000 seeds hands the figure,
    duplicate and typo findings back ~0.5 s sooner, and the states (the figure
    category's: 90 MB) are written while the pytest process builds the items and the
    report. A worker that does not exit normally writes none: the next run starts from
    the states before (the store's keys tell it what changed since)."""
    from multiprocessing import util

    store = _W.get("store")
    if store is None or store.defer_states or os.getpid() == _MAIN_PID:
        return
    store.defer_states = True
    util.Finalize(None, store.flush_states, exitpriority=10)


class Prefetch:
    """Results computed ahead of the items: ``seeds[rel] = (rec, findings dicts)`` (a
    :class:`~checks.report.lazy.StoredRun` for those read from the store, not decoded),
    ``corpus[category] = (findings dicts, crash lines or None)``."""

    def __init__(self) -> None:
        self.seeds: dict[str, tuple[dict, list[dict]]] = {}
        self.corpus: dict[str, tuple[list[dict], list[str] | None]] = {}
        self.pooled = 0  # seeds checked by the pool
        self.local = 0   # seeds checked in this process
        self.hits = 0    # seeds read back from the store
        self.jobs = 1
        self.seeds_s = 0.0  # wall time of checking the seeds
        self.categories: dict[str, dict] = {}  # category: {"s", "mode", "recomputed"}
        self.error: str | None = None  # the pool failed: the items check the rest
        # pools shut down without waiting, and their workers: they write the corpus
        # states as they exit (:func:`_defer_states`); :meth:`close` waits for them
        self.pools: list[ProcessPoolExecutor] = []
        self.exiting: list = []

    def close(self) -> None:
        """Wait for the pools' workers to have written what they keep, and exited."""
        procs, self.exiting = self.exiting, []
        for proc in procs:
            proc.join()
        pools, self.pools = self.pools, []
        for pool in pools:
            pool.shutdown(wait=True)

    def summary(self) -> str:
        """One line: what was checked, how, how long."""
        how = f"{self.local} in this process"
        if self.pooled:
            how = f"{self.pooled} by {self.jobs} processes" + (
                f", {self.local} here first" if self.local else "")
        parts = [f"{len(self.seeds)} seeds ({self.hits} from the store, {how}) "
                 f"in {self.seeds_s:.1f} s"]
        for cat in sorted(self.categories):
            i = self.categories[cat]
            mode = i["mode"]
            if mode == "incremental":
                mode += f", {i['recomputed']} seeds recomputed"
            elif mode == "full" and i.get("reason"):
                mode += f": {i['reason']}"
            parts.append(f"corpus[{cat}] {i['s']:.1f} s ({mode})")
        if self.error:
            parts.append(f"the process pool failed ({self.error}): the rest was checked "
                         "item by item")
        return "; ".join(parts)


def run(entries: list[tuple[str, Path, str | None]], categories: list[str],
        corpus_paths: list[str], shas: dict[str, str | None], *, config: Config,
        store: cache_mod.Store | None, store_path: Path | None, ctx: str,
        indexes: list[str], root: Path, jobs: int,
        tick: Callable[[int], None] | None = None,
        early: ProcessPoolExecutor | None = None,
        warm: ProcessPoolExecutor | None = None) -> Prefetch:
    """Check ``entries`` (rel, path, sha256 at collection) and the corpus
    ``categories`` over ``corpus_paths``; see :class:`Prefetch`. ``early``: a pool
    :func:`start_early` started (used for a large check, else shut down); ``warm``: the
    worker :func:`start_warm` started (used when few seeds changed, else stopped)."""
    pre = None
    try:
        pre = _run(entries, categories, corpus_paths, shas, config=config, store=store,
                   store_path=store_path, ctx=ctx, indexes=indexes, root=root, jobs=jobs,
                   tick=tick, early=early, warm=warm)
        return pre
    finally:
        if early is not None:
            early.shutdown(wait=True, cancel_futures=True)
        if warm is not None and (pre is None or warm not in pre.pools):
            stop(warm)


def _run(entries, categories, corpus_paths, shas, *, config, store, store_path, ctx,
         indexes, root, jobs, tick, early, warm) -> Prefetch:
    pre = Prefetch()
    t0 = time.perf_counter()
    init = (config, str(store_path) if store_path and store is not None
            and not store.broken else None, ctx, indexes, str(root), corpus_paths, shas)
    if jobs > 1 and len(categories) > 1 and len(corpus_paths) >= POOL_MIN * 8:
        stored = store.cached_keys(ctx) if store is not None else set()
        changed = [(rel, str(path), sha) for rel, path, sha in entries
                   if not (sha and (rel, sha) in stored)]
        if len(changed) < POOL_MIN:
            try:
                _few_changed(pre, entries, changed, categories, corpus_paths, shas, store,
                             ctx, init, jobs, tick, warm)
            except (BrokenProcessPool, OSError, pickle.PicklingError) as exc:
                pre.error = f"{type(exc).__name__}: {exc}"  # as below
            return pre
    if warm is not None:  # (many seeds to check: the pool below does it)
        stop(warm)
    misses = _take_stored(pre, entries, store, ctx, tick)
    use_pool = jobs > 1 and (len(misses) >= POOL_MIN or len(categories) > 1
                             and len(corpus_paths) >= POOL_MIN * 8)
    if not use_pool:
        _init(*init)
        try:
            for i in range(0, len(misses), CHUNK):
                for rel, rec, fds in _check_chunk(misses[i:i + CHUNK]):
                    pre.seeds[rel] = (rec, fds)
                if tick is not None:
                    tick(len(misses[i:i + CHUNK]))
            pre.local = len(misses)
            pre.seeds_s = time.perf_counter() - t0
            for cat in categories:
                _, fds, crash, info = _check_category(cat, corpus_paths, shas)
                pre.corpus[cat] = (fds, crash)
                pre.categories[cat] = info
        finally:
            if _W.get("store") is not None:
                _W["store"].close()
            _W.clear()
        return pre
    pre.jobs = jobs
    if early is not None and len(misses) >= POOL_MIN:
        tables = {}  # the early workers build (and write) their own
    elif len(misses) >= POOL_MIN and _context().get_start_method() == "fork":
        # the first seed here: the checks' lazy tables and dictionaries (~2 s) are then
        # loaded once, and every forked worker inherits them
        _init(*init)
        try:
            for rel, rec, fds in _check_chunk(misses[:1], save=False):
                pre.seeds[rel] = (rec, fds)
        finally:
            if _W.get("store") is not None:
                _W["store"].close()
            _W.clear()
        # the tables it built are written once the workers run (not before they fork:
        # ~0.3 s; and not by each of them)
        tables = typo_data.take_built()
        pre.local = 1
        if tick is not None:
            tick(1)
        misses = misses[1:]
    else:
        tables = {}
    pre.seeds_s = time.perf_counter() - t0  # the store read (and the first seed)
    try:
        _pooled(pre, misses, categories, corpus_paths, shas, init, jobs, tick, tables,
                early if len(misses) >= POOL_MIN else None)
    except (BrokenProcessPool, OSError, pickle.PicklingError) as exc:
        # no processes to be had, or one died (out of memory): what is missing is
        # checked by the items themselves, in this process
        pre.error = f"{type(exc).__name__}: {exc}"
    return pre


def _take_stored(pre: Prefetch, entries, store, ctx: str, tick,
                 poll: Callable[[], None] | None = None) -> list:
    """Put every stored result of ``entries`` into ``pre.seeds`` (one bulk read) and
    return the rest, (rel, path, sha) to check. ``poll``: called now and then while the
    rows are read (:meth:`~checks.cache.Store.get_seeds_bulk`)."""
    got = store.get_seeds_bulk([(r, s) for r, _, s in entries if s], ctx, lazy=True,
                               poll=poll) if store is not None else {}
    misses = []
    for rel, path, sha in entries:
        hit = got.get((rel, sha)) if sha else None
        if hit is not None:
            pre.seeds[rel] = hit
        else:
            misses.append((rel, str(path), sha))
    pre.hits = len(pre.seeds)
    if tick is not None and pre.hits:
        tick(pre.hits)
    return misses


# Categories whose index features are costly to extract the first time in a process
# (the typo tables: ~1 s): when few seeds changed, the worker that checks them runs
# these after them; the other categories start at once, beside it (their features of
# the changed seeds are cheap, and extracted by their own FeatureSource when the store
# does not hold them yet: the same values).
AFTER_SEEDS = ("typo",)


def _seeds_then(chunk: list, categories: list[str], paths: list[str] | None = None,
                shas: dict[str, str | None] | None = None, defer: bool = False
                ) -> tuple[list, list]:
    """Check ``chunk``, then run ``categories`` (in this worker, which has loaded what
    checking the seeds needed) over ``paths`` (default: the worker's own)."""
    rows = _check_chunk(chunk) if chunk else []
    return rows, [_check_category(cat, paths, shas, defer) for cat in categories]


def _few_changed(pre: Prefetch, entries, changed, categories, corpus_paths, shas, store,
                 ctx: str, init, jobs: int, tick,
                 warm: ProcessPoolExecutor | None = None) -> None:
    """A large corpus with few seeds not in the store (``changed``, told by the store's
    keys alone): the pool starts at once, one worker checking them and then running
    the AFTER_SEEDS categories, the others the rest of the categories, while this
    process reads every stored result back (half a second at 10,000 seeds: it no
    longer delays the workers). A stored row gone by then is checked by the pool too.
    ``warm``: the worker :func:`start_warm` started (it checks the seeds)."""
    t0 = time.perf_counter()
    pre.jobs = jobs
    if warm is not None:
        _few_changed_warm(pre, entries, changed, categories, corpus_paths, shas, store,
                          ctx, init, jobs, tick, warm, t0)
        return
    first_rels = {rel for rel, _, _ in changed}
    with ProcessPoolExecutor(max_workers=jobs, mp_context=_context(),
                             initializer=_init, initargs=init) as pool:
        after = [c for c in categories if c in AFTER_SEEDS]
        first = pool.submit(_seeds_then, changed, after)
        futures = [pool.submit(_check_category, cat)
                   for cat in _slowest_first(c for c in categories if c not in after)]
        late = [m for m in _take_stored(pre, entries, store, ctx, tick)
                if m[0] not in first_rels]
        later = pool.submit(_check_chunk, late) if late else None
        rows, done = first.result()
        rows += later.result() if later is not None else []
        for rel, rec, fds in rows:
            pre.seeds[rel] = (rec, fds)
        if tick is not None and rows:
            tick(len(rows))
        pre.pooled = len(rows)
        pre.seeds_s = time.perf_counter() - t0
        for fut in futures:
            done.append(fut.result())
        for cat, fds, crash, info in done:
            pre.corpus[cat] = (fds, crash)
            pre.categories[cat] = info


def _few_changed_warm(pre: Prefetch, entries, changed, categories, corpus_paths, shas,
                      store, ctx: str, init, jobs: int, tick, warm: ProcessPoolExecutor,
                      t0: float) -> None:
    """:func:`_few_changed` with a warm worker: it checks ``changed`` and runs the
    AFTER_SEEDS categories; a pool of ``jobs - 1`` workers forked now (they inherit the
    corpus paths) runs the others, the slowest first; whichever is free first takes the
    next category. The workers write the categories' states as they exit: both pools
    are shut down without waiting, and handed to ``pre`` (:meth:`Prefetch.close`)."""
    first_rels = {rel for rel, _, _ in changed}
    after = [c for c in categories if c in AFTER_SEEDS]
    todo = _slowest_first(c for c in categories if c not in after)
    done: list = []
    rows: list = []
    pool = ProcessPoolExecutor(max_workers=max(1, jobs - 1), mp_context=_context(),
                               initializer=_init, initargs=init)
    handed = False
    try:
        running: dict[Any, tuple] = {}  # future: (executor, what, order submitted)
        order = itertools.count()

        def submit(ex, what: str, *args) -> None:
            running[ex.submit(*args)] = (ex, what, next(order))

        def next_category(ex) -> None:
            if todo:
                submit(ex, "category", _check_category, todo.pop(0),
                       *((corpus_paths, shas) if ex is warm else (None, None)), True)

        def handle(finished) -> None:
            """The tasks ``finished``: their results kept, their worker given the next
            category."""
            for fut in sorted(finished, key=lambda f: running[f][2]):
                ex, what, _ = running.pop(fut)
                if what == "seeds":
                    got, cats = fut.result()
                    rows.extend(got)
                    done.extend(cats)
                    pre.seeds_s = time.perf_counter() - t0
                elif what == "chunk":
                    rows.extend(fut.result())
                else:
                    done.append(fut.result())
                if what != "chunk":
                    next_category(ex)

        def poll() -> None:
            # (while this process reads the stored rows: a worker done with its task
            # is given the next category at once, not when the reading ends; at 50,000
            # seeds one sat idle for 0.4-0.5 s of the up-front phase)
            # (one that failed is left to the loop below, as before: its exception
            # must not surface inside the store's read)
            ready = [f for f in running if f.done() and f.exception() is None]
            if ready:
                handle(ready)

        for _ in range(max(1, jobs - 1)):
            next_category(pool)
        submit(warm, "seeds", _seeds_then, changed, after, corpus_paths, shas, True)
        late = [m for m in _take_stored(pre, entries, store, ctx, tick, poll)
                if m[0] not in first_rels]
        if late:  # (after the changed seeds: the same worker, in order)
            submit(warm, "chunk", _check_chunk, late)
        while running:
            finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
            handle(finished)
        for ex in (warm, pool):
            # (shutdown(wait=False) lets go of the executor's own handle on its workers:
            # they are kept here, to be joined by Prefetch.close)
            procs = getattr(ex, "_processes", None)
            if procs is None:
                ex.shutdown(wait=True)
                continue
            pre.exiting += list(procs.values())
            ex.shutdown(wait=False)
        pre.pools += [warm, pool]
        handed = True
    finally:
        if not handed:
            pool.shutdown(wait=True, cancel_futures=True)
    for rel, rec, fds in rows:
        pre.seeds[rel] = (rec, fds)
    if tick is not None and rows:
        tick(len(rows))
    pre.pooled = len(rows)
    for cat, fds, crash, info in sorted(done, key=lambda d: categories.index(d[0])):
        pre.corpus[cat] = (fds, crash)
        pre.categories[cat] = info


def _pooled(pre: Prefetch, misses, categories, corpus_paths, shas, init, jobs, tick,
            tables: dict | None = None, early: ProcessPoolExecutor | None = None) -> None:
    """``tables``: typo tables built here before the fork (:func:`typo_data.take_built`),
    written once the workers are started. ``early``: the pool to use (started before the
    corpus paths were known: its category tasks are given them)."""
    t0 = time.perf_counter()
    if early is not None:
        pool_cm: Any = contextlib.nullcontext(early)
        cat_args: tuple = (corpus_paths, shas)
    else:
        pool_cm = ProcessPoolExecutor(max_workers=jobs, mp_context=_context(),
                                      initializer=_init, initargs=init)
        cat_args = ()
    with pool_cm as pool:
        if len(misses) < POOL_MIN:
            # few changed seeds (the pytest process loaded nothing for them): one worker
            # checks them, then runs the AFTER_SEEDS categories; the others run beside it
            after = [c for c in categories if c in AFTER_SEEDS]
            first = pool.submit(_seeds_then, misses, after)
            futures = [pool.submit(_check_category, cat, *cat_args)
                       for cat in _slowest_first(c for c in categories if c not in after)]
            if tables:
                typo_data.save_tables(tables)
            rows, done = first.result()
            for rel, rec, fds in rows:
                pre.seeds[rel] = (rec, fds)
            if tick is not None and rows:
                tick(len(rows))
            pre.pooled = len(misses)
            pre.seeds_s += time.perf_counter() - t0
            for fut in futures:
                done.append(fut.result())
            for cat, fds, crash, info in done:
                pre.corpus[cat] = (fds, crash)
                pre.categories[cat] = info
            return
        futures = [pool.submit(_check_chunk, misses[i:i + CHUNK])
                   for i in range(0, len(misses), CHUNK)]
        if tables:
            typo_data.save_tables(tables)
        for fut in as_completed(futures):
            part = fut.result()
            for rel, rec, fds in part:
                pre.seeds[rel] = (rec, fds)
            if tick is not None:
                tick(len(part))
        pre.pooled = len(misses)
        pre.seeds_s += time.perf_counter() - t0
        # the corpus categories need every seed's features: after the seeds, side by side
        # (the slowest first)
        futures = [pool.submit(_check_category, cat, *cat_args)
                   for cat in _slowest_first(categories)]
        for fut in as_completed(futures):
            cat, fds, crash, info = fut.result()
            pre.corpus[cat] = (fds, crash)
            pre.categories[cat] = info


def _slowest_first(categories: Iterable[str]) -> list[str]:
    order = {"figure": 0, "typo": 1, "duplicate": 2}
    return sorted(categories, key=lambda c: (order.get(c, 9), c))
