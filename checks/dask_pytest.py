"""The pytest front end of a distributed run: ``pytest --seeds DIR --dask ADDRESS``
(ini setting ``seedcheck_dask``).

Collection lists the seeds and yields the usual items (``<dir>::<path>`` and
``<dir>::corpus[<category>]``, same node ids, so ``-k``, ``--lf`` and the report work as
always). The first item that runs starts the whole map/reduce on the cluster
(:func:`checks.distributed.run`); every item then reports its share of the result,
through the plugin's usual path (baseline, fail level, ``user_properties``), so the
controller builds the same report as an embedded run.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import pytest

from . import distributed as dist

DASK = pytest.StashKey[dict]()


def add_options(group, parser) -> None:
    group.addoption("--dask", metavar="ADDRESS", default=None,
                    help="check the seeds on a Dask cluster: a scheduler address "
                         "(tcp://host:8786) or local:N (a LocalCluster of N worker "
                         "processes); needs pip install -e \".[dask]\"")
    parser.addini("seedcheck_dask", "Dask scheduler address or local:N (see --dask)")


def configure(config: pytest.Config, state) -> None:
    """Remember the address (option over ini); refuse combinations that cannot work."""
    address = config.getoption("dask", None) or config.getini("seedcheck_dask")
    if not address:
        return
    if getattr(config.option, "numprocesses", None) or hasattr(config, "workerinput"):
        raise pytest.UsageError("--dask and -n (pytest-xdist) cannot be combined: the Dask "
                                "cluster already spreads the seeds over its workers")
    for mod in ("distributed", "fsspec"):
        try:
            __import__(mod)
        except ImportError:
            raise pytest.UsageError(
                f"--dask {address}: {mod} is not installed; install the optional extra: "
                "pip install -e \".[dask]\"") from None
    try:
        dist.check_address(address)
    except dist.DistributedError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[DASK] = {"address": address, "state": state, "result": None}
    config.pluginmanager.register(_Closer(config), "seedcheck-dask")


def active(config: pytest.Config) -> bool:
    return DASK in config.stash


def collect(seed_dir, state):
    """The items of a distributed run (see the module docstring)."""
    info = seed_dir.config.stash[DASK]
    src = dist.Source(root=state.root)
    entries = dist.list_seeds(src)
    info["entries"] = entries
    for rel, loc in entries:
        yield DaskSeedItem.from_parent(seed_dir, name=rel, path=Path(loc), rel=rel)
    if entries:
        for cat in dist.corpus_categories(state.config):
            yield DaskCorpusItem.from_parent(seed_dir, name=f"corpus[{cat}]", category=cat)


def _result(config: pytest.Config):
    """The run's result, computed on first use (by whichever item runs first)."""
    info = config.stash[DASK]
    if info["result"] is not None:
        return info["result"]
    if info.get("result_error"):  # failed once: every item says why, none retries
        from .plugin import SeedcheckFailure

        raise SeedcheckFailure([info["result_error"]])
    state = info["state"]
    cache = None if not state.use_cache else str(state.report_dir / dist.CACHE_DIRNAME)
    job = dist.make_job(dist.Source(root=state.root), state.config, cache)
    with _uncaptured(config) as write:
        try:
            client, cluster = dist.connect(info["address"])
            info["client"], info["cluster"] = client, cluster
            link = dist.dashboard_link(client)
            write(f"seedcheck: Dask cluster {info['address']}"
                  + (f", dashboard {link}" if link else ""))
            res = dist.run(job, info["entries"], client=client,
                           progress=dist.ConsoleProgress(write))
        except Exception as exc:  # other code on a worker, the cluster gone, ...
            from .plugin import SeedcheckFailure

            info["result_error"] = (str(exc) if isinstance(exc, dist.DistributedError) else
                                    f"the Dask run failed: {exc.__class__.__name__}: {exc}")
            raise SeedcheckFailure([info["result_error"]]) from None
    info["result"] = res
    info["per_seed"], info["per_cat"] = dist.findings_of(res)
    info["used_cache"] = res.used_cache
    return res


@contextlib.contextmanager
def _uncaptured(config: pytest.Config):
    capman = config.pluginmanager.get_plugin("capturemanager")
    guard = capman.global_and_fixture_disabled() if capman else contextlib.nullcontext()
    with guard:
        sys.stderr.write("\n")

        def write(line: str) -> None:
            sys.stderr.write(line + "\n")
            sys.stderr.flush()
        yield write


def _item_base():
    from .plugin import _CheckItem

    return _CheckItem


class DaskSeedItem(_item_base()):
    def __init__(self, *, rel: str, **kw):
        super().__init__(**kw)
        self.rel = rel
        self.add_marker("seedcheck")

    def runtest(self) -> None:
        res = _result(self.config)
        info = self.config.stash[DASK]
        self._finish([f for f in info["per_seed"].get(self.rel, [])], res.files[self.rel])

    def reportinfo(self):
        return self.parent.path / self.rel, None, f"seed {self.rel} (dask)"


class DaskCorpusItem(_item_base()):
    def __init__(self, *, category: str, **kw):
        super().__init__(**kw)
        self.category = category
        self.add_marker("seedcheck")

    def runtest(self) -> None:
        from .engine import CheckCrashed

        res = _result(self.config)
        got = res.corpus[self.category]
        if got.get("crash"):
            raise CheckCrashed(got["crash"], [])
        self._finish(list(self.config.stash[DASK]["per_cat"][self.category]), None)

    def reportinfo(self):
        return self.path, None, f"corpus checks: {self.category} (dask)"


class _Closer:
    def __init__(self, config):
        self.config = config

    def pytest_unconfigure(self, config) -> None:
        info = config.stash.get(DASK, None)
        if not info:
            return
        for name in ("client", "cluster"):
            obj = info.get(name)
            if obj is not None:
                with contextlib.suppress(Exception):
                    obj.close()
        res = info.get("result")
        state = info["state"]
        if res is not None and state.use_cache and len(res.files) == len(info["entries"]):
            dist.ResultFiles(str(state.report_dir / dist.CACHE_DIRNAME)).prune(res.used_cache)
