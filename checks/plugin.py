"""The pytest plugin (registered through the ``pytest11`` entry point).

It does nothing unless asked: ``--seeds DIR`` on the command line, or a ``seeds`` ini
setting. Then every seed file becomes one item (node id ``<dir>::<relative path>``),
each corpus-check category one more item (``<dir>::corpus[duplicate]``), and at the
end of the session the controller (never an xdist worker) writes the reports.

Findings travel from the item that computed them to the controller as JSON on the
test report's ``user_properties``, so ``pytest -n 2`` reports exactly what a serial
run does (an item run by the controller itself hands its findings over as they are:
``State.handed``).

Incremental runs (see ``checks/cache.py`` and ``docs/performance.md``): collection
hashes every seed; a seed whose results are in the store for this content, code and
configuration is not checked again. Cached seeds that pass are folded into one item
(``<dir>::cached[N]``) so that pytest's per-item cost is not paid for them; seed items
store their index features, and the corpus items read them back.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from . import baseline as baseline_mod
from . import config as config_mod
from . import cache as cache_mod
from . import engine, parallel, registry, typo_data
from .model import SEVERITIES, SEVERITY_RANK, Finding, failing_severities, fails
from .report.build import build_report, build_report_dicts
from .report.console import to_ansi
from .report.fragments import run_digests
from .report.lazy import Findings, StoredRun, dict_sort_key, findings_view, part_dicts
from .report.writer import file_stamps, report_digest, reports_current, write_reports
from .scan import scan
from .seed import read_seed

PROP = "seedcheck"
FOLD_MIN = 100  # fold cached passing seeds into one item when at least this many
PROGRESS_MIN = 1000  # show a progress bar for indexes of at least this many seeds
GROUP_MIN = 200  # failing seeds become one item when at least this many fail
GROUP_SHOWN = 30  # failing seeds whose findings a grouped failure lists
SHORT_FILES = 1000  # from this many files (or findings) the console report is short
SHORT_FINDINGS = 1000
WORST_FILES = 15  # files listed in the short console report


@dataclass
class State:
    root: Path
    seeds_label: str
    report_dir: Path
    fail_on: str
    config: config_mod.Config
    baseline: baseline_mod.Baseline
    update_baseline: bool
    use_cache: bool
    controller: bool
    started: float = field(default_factory=time.monotonic)
    files: dict[str, dict] = field(default_factory=dict)
    findings: dict[str, list[dict]] = field(default_factory=dict)  # nodeid -> findings
    # the nodeids whose findings were handed over in this process: already as reported
    # (``Finding.to_dict()``, or ``reported``), unlike those an xdist worker sent as JSON
    as_reported: set[str] = field(default_factory=set)
    # nodeid -> payload of an item run in this (the controlling) process, until its report
    handed: dict[str, dict] = field(default_factory=dict)
    collected: bool = False
    scanned: set[str] | None = None  # the seeds the collection found (for _prune)
    empty: bool = False
    report: dict | None = None
    written: list[Path] = field(default_factory=list)
    write_error: str | None = None
    baseline_written: tuple[Path, int] | None = None
    # incremental runs
    ctx: str = ""
    indexes: list[str] = field(default_factory=list)
    shas: dict[str, str | None] = field(default_factory=dict)  # rel -> sha256 (collection)
    fold_min: int = FOLD_MIN
    store_path: Path | None = None
    store: cache_mod.Store | None = None
    store_opened: bool = False
    temp_dir: Path | None = None
    started_wall: float = field(default_factory=time.time)
    # large runs: checked up front (a process pool), items grouped
    jobs: int = 1
    group_min: int = GROUP_MIN
    prefetch: parallel.Prefetch | None = None
    report_digest: str | None = None
    run_digests: list | None = None  # the report's findings' run digests (fragments.py)
    reports_kept: bool = False  # the reports on disk already hold this content
    # a large run that repeats the last one exactly (same seeds, code, configuration,
    # baseline, reports on disk): its outcomes are replayed, nothing is read or written
    run_key: str | None = None
    replay: dict | None = None
    failing_rels: list[str] = field(default_factory=list)
    outcomes: dict[str, list[str]] = field(default_factory=dict)  # item name -> lines
    items_total: int = -1
    tables_before: tuple | None = None  # typo_data's TABLES_DIR, TABLES_READ to restore
    items_run: int = 0
    early: Any = None  # a pool forked before the seeds were hashed (parallel.start_early)
    warm: Any = None  # a worker forked before the seeds were hashed (parallel.start_warm)
    # the files' stats seen by a large run's collection, written later (_save_hashes)
    hashes: Any = None
    # (width, color, text) of a large run's short console, made while the reports were
    # rendered by other processes (SessionPlugin._console_meanwhile)
    console: tuple | None = None


STATE = pytest.StashKey[State]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("seedcheck", "seedcheck: quality gate for seed files")
    group.addoption("--seeds", metavar="DIR", default=None,
                    help="check the seed files (*.txt, recursively) under DIR instead of "
                         "collecting tests")
    group.addoption("--report-dir", metavar="OUT", default=None,
                    help="write report.json/.md/.sarif/.html into OUT (default: reports)")
    group.addoption("--fail-on", choices=SEVERITIES, default=None,
                    help="lowest severity that fails a seed's test (default: error)")
    group.addoption("--update-baseline", action="store_true", default=False,
                    help="accept every current finding: write them to the baseline file")
    group.addoption("--baseline", metavar="FILE", default=None,
                    help="baseline file (default: <seeds>/.seedcheck-baseline.json)")
    group.addoption("--seedcheck-config", metavar="FILE", default=None,
                    help="read [tool.seedcheck] from FILE instead of pyproject.toml")
    group.addoption("--no-cache", action="store_true", default=False,
                    help="ignore cached per-seed results; check everything again")
    group.addoption("--seedcheck-jobs", metavar="N", default=None,
                    help="processes that check seeds in a plain run (default: auto, the "
                         "CPUs available; 1: in the pytest process; -n 0 also means 1)")
    parser.addini("seeds", "folder of seed files checked by a plain pytest run")
    parser.addini("seedcheck_report_dir", "report folder (default: reports)")
    parser.addini("seedcheck_fail_on", "lowest severity that fails (error|warning|info)")
    parser.addini("seedcheck_baseline", "baseline file")
    from . import dask_pytest  # --dask ADDRESS, ini seedcheck_dask (docs/distributed.md)

    dask_pytest.add_options(group, parser)
    parser.addini("seedcheck_fold_min", "fold cached passing seeds into one item when at "
                  f"least this many (default: {FOLD_MIN}; 0 never folds)")
    parser.addini("seedcheck_jobs", "processes that check seeds (default: auto)")
    parser.addini("seedcheck_group_min", "failing seeds become one item when at least this "
                  f"many fail in a large run (default: {GROUP_MIN}; 0 never groups)")


def _base_dir(config: pytest.Config) -> Path:
    return Path(config.inipath).parent if config.inipath else Path(config.rootpath)


def _config_file(config: pytest.Config) -> Path | None:
    explicit = config.getoption("seedcheck_config")
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise pytest.UsageError(f"--seedcheck-config {explicit}: no such file")
        return path
    candidate = _base_dir(config) / "pyproject.toml"
    return candidate if candidate.is_file() else None


_FREEZE_REGISTERED = False


def _skip_final_collections() -> None:
    """At interpreter exit, freeze the heap (``gc.freeze``) so that the interpreter's
    final garbage collections do not walk it: after a run over 10,000 seeds they took
    ~1.4 s of the ~8 s of one added seed (hundreds of thousands of findings, records and
    stored results are still alive). Registered once a process, as an ``atexit``
    handler: it runs when the process ends, after pytest's own cleanup (its
    ``gc.collect()`` for unraisable exceptions) and the other handlers registered
    later, so an in-process run (pytester) changes nothing before its host process
    exits."""
    global _FREEZE_REGISTERED
    if not _FREEZE_REGISTERED:
        import atexit
        import gc

        atexit.register(gc.freeze)
        _FREEZE_REGISTERED = True


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    cli_seeds = config.getoption("seeds")
    ini_seeds = config.getini("seeds")
    if not cli_seeds and not ini_seeds:
        return
    invocation = Path(config.invocation_params.dir)
    if cli_seeds:
        root = (invocation / cli_seeds).resolve()
        if not root.is_dir():
            why = "is not a folder" if root.exists() else "does not exist"
            raise pytest.UsageError(f"--seeds {cli_seeds}: the seeds folder {why}")
        # Check the seeds and nothing else: the suite's own tests are not collected.
        config.args[:] = [str(root)]
        # ... so hypothesis' plugin has nothing to do; it would import hypothesis (about
        # 1.5 s, with assertion rewriting) in its terminal summary.
        hyp = config.pluginmanager.get_plugin("hypothesispytest")
        if hyp is not None:
            config.pluginmanager.unregister(hyp)
    else:
        root = (_base_dir(config) / ini_seeds).resolve()
        if not root.is_dir():
            return
        source = config.args_source
        if source in (pytest.Config.ArgsSource.TESTPATHS,
                      pytest.Config.ArgsSource.INVOCATION_DIR):
            if not any(Path(a).resolve() == root for a in config.args
                       if not a.startswith("-")):
                config.args.append(str(root))
    try:
        cfg = config_mod.load(_config_file(config))
        fail_on = (config.getoption("fail_on") or config.getini("seedcheck_fail_on")
                   or cfg.fail_on)
        fail_on = config_mod.check_fail_on(fail_on, "seedcheck_fail_on")
    except config_mod.ConfigError as exc:
        raise pytest.UsageError(f"seedcheck configuration: {exc}") from None
    report_opt = config.getoption("report_dir")
    if report_opt:
        report_dir = (invocation / report_opt).resolve()
    else:
        report_dir = (_base_dir(config) / (config.getini("seedcheck_report_dir")
                                           or "reports")).resolve()
    bl_opt = config.getoption("baseline")
    if bl_opt:
        bl_path = (invocation / bl_opt).resolve()
    elif config.getini("seedcheck_baseline") or cfg.baseline:
        bl_path = (_base_dir(config) / (config.getini("seedcheck_baseline")
                                        or cfg.baseline)).resolve()
    else:
        bl_path = root / baseline_mod.FILENAME
    try:
        bl = baseline_mod.load(bl_path)
    except baseline_mod.BaselineError as exc:
        raise pytest.UsageError(str(exc)) from None
    registry.load_builtin()
    try:
        from .config_check import validate_ids, probe_options
        validate_ids(cfg)
        if not hasattr(config, "workerinput"):
            probe_options(cfg)
    except config_mod.ConfigError as exc:
        raise pytest.UsageError(f"seedcheck configuration: {exc}") from None
    state = State(
        root=root,
        seeds_label=root.as_posix(),
        report_dir=report_dir,
        fail_on=fail_on,
        config=cfg,
        baseline=bl,
        update_baseline=config.getoption("update_baseline"),
        use_cache=not config.getoption("no_cache"),
        controller=not hasattr(config, "workerinput"),
    )
    state.ctx = cache_mod.context_key(cfg)
    state.indexes = cache_mod.needed_indexes(cfg)
    fold = config.getini("seedcheck_fold_min")
    try:
        state.fold_min = int(fold) if fold not in (None, "") else FOLD_MIN
    except ValueError:
        raise pytest.UsageError(f"seedcheck_fold_min = {fold!r}: expected an integer") from None
    group = config.getini("seedcheck_group_min")
    try:
        state.group_min = int(group) if group not in (None, "") else GROUP_MIN
    except ValueError:
        raise pytest.UsageError(f"seedcheck_group_min = {group!r}: expected an integer") \
            from None
    state.jobs = _jobs(config)
    config.stash[STATE] = state
    _skip_final_collections()
    from . import dask_pytest

    dask_pytest.configure(config, state)
    config.addinivalue_line("markers", "seedcheck: a seed file or corpus check")
    config.pluginmanager.register(SessionPlugin(state, config), "seedcheck-session")


def _jobs(config: pytest.Config) -> int:
    """Processes for a plain run: ``--seedcheck-jobs`` or ``seedcheck_jobs`` (``auto``:
    the CPUs available); 1 whenever ``-n`` is given (``-n 0`` turns the pool off,
    ``-n 2`` hands the work to pytest-xdist)."""
    if getattr(config.option, "numprocesses", None) is not None:
        return 1
    raw = config.getoption("seedcheck_jobs") or config.getini("seedcheck_jobs") or "auto"
    if str(raw).strip().lower() == "auto":
        return parallel.default_jobs()
    try:
        n = int(raw)
    except ValueError:
        raise pytest.UsageError(f"seedcheck jobs = {raw!r}: expected a number or 'auto'") \
            from None
    if n < 1:
        raise pytest.UsageError(f"seedcheck jobs = {raw!r}: expected at least 1")
    return n


def _state(config: pytest.Config) -> State | None:
    return config.stash.get(STATE, None)


def _store(config: pytest.Config) -> cache_mod.Store | None:
    """This process's store, opened on first use. Where it lives: a path handed down by
    the xdist controller; else the pytest cache folder (``.pytest_cache/d/seedcheck``);
    else, with ``-p no:cacheprovider``, a temporary folder removed after the run. The
    controller wipes it first under ``--no-cache``; a corrupt file is rebuilt."""
    state = _state(config)
    if state is None:
        return None
    if not state.store_opened:
        state.store_opened = True
        workerinput = getattr(config, "workerinput", None)
        if workerinput is not None and workerinput.get("seedcheck_store"):
            state.store_path = Path(workerinput["seedcheck_store"])
        elif getattr(config, "cache", None) is not None:
            state.store_path = (Path(config.cache.mkdir("seedcheck"))
                                / cache_mod.store_name(state.root))
        else:
            state.temp_dir = Path(tempfile.mkdtemp(prefix="seedcheck-"))
            state.store_path = state.temp_dir / "store.sqlite"
        wipe = state.controller and not state.use_cache
        state.store = cache_mod.Store.open(state.store_path, wipe=wipe,
                                           repair=state.controller)
        if state.temp_dir is None:
            # the typo tables are kept beside the store (built once, read by later
            # processes; --no-cache builds them again and writes them)
            state.tables_before = (typo_data.TABLES_DIR, typo_data.TABLES_READ)
            typo_data.TABLES_DIR = state.store_path.parent
            typo_data.TABLES_READ = state.use_cache
    return state.store


class SeedRef(NamedTuple):
    """A seed of a :class:`SeedBatch`: what a :class:`SeedItem` would hold, without
    the item (pytest builds an item in about 25 µs: 1.2 s at 50,000 seeds)."""
    rel: str
    path: Path
    sha: str | None
    cached_worst: int | None  # (None: a batch is checked up front, never folded)
    nodeid: str  # the node id its SeedItem has (--lf, -k on a later run)


def _unselected_run(config: pytest.Config, state: State, n: int) -> bool:
    """Does this run check every seed of the folder and group them (a large plain run,
    see ``SessionPlugin._large_plain_run``) with nothing that selects or orders seed
    items by their node ids (-k, -m, --lf, --ff, --sw, --deselect, a ``::`` argument)?
    Then the seeds are collected as one :class:`SeedBatch`, not ``n`` items."""
    if (not state.controller or state.fold_min <= 0 or n < state.fold_min
            or config.option.collectonly or config.pluginmanager.has_plugin("dsession")):
        return False
    opt = config.option
    if (getattr(opt, "keyword", "") or getattr(opt, "markexpr", "")
            or getattr(opt, "lf", False) or getattr(opt, "failedfirst", False)
            or getattr(opt, "stepwise", False) or getattr(opt, "stepwise_skip", False)
            or getattr(opt, "deselect", None)):
        return False
    return not any("::" in str(a) for a in config.args)


def _first_seed(root: Path) -> Path | None:
    """The first seed file directly under ``root`` by name, or None: the warm worker's
    sample, the seed the collection would give it in a flat folder (a seed's check
    costs what its text holds: a sample listed first but unsorted cost the warm-up
    0.2 s more CPU at 50,000 seeds)."""
    try:
        with os.scandir(root) as it:
            names = [e.name for e in it if e.name.endswith(".txt") and e.name[0] != "."
                     and e.is_file()]
    except OSError:
        return None
    return root / min(names) if names else None


class SeedDir(pytest.Directory):
    """The seeds folder: one item per seed, then one per corpus-check category."""

    def collect(self):
        state = _state(self.config)
        assert state is not None
        state.collected = True
        from . import dask_pytest

        if dask_pytest.active(self.config):  # a distributed run: docs/distributed.md
            yield from dask_pytest.collect(self, state)
            return
        entries = scan(self.path)
        state.scanned = {rel for rel, _ in entries}
        store = _store(self.config)
        batch = _unselected_run(self.config, state, len(entries))
        pooled = (batch and state.jobs > 1 and state.early is None
                  and len(entries) >= parallel.POOL_MIN * 8)
        if state.warm is not None and not (pooled and state.use_cache):
            # (forked at the session's start for a run that turns out not to need it)
            parallel.stop(state.warm)
            state.warm = None
        if pooled and state.warm is None:
            store_path = state.store_path if store is not None and not store.broken \
                else None
            if store_path is None or not store.holds_seeds(state.ctx):
                # every seed will be checked: the workers load the checks' tables while
                # this process hashes the seeds (a cold run starts ~1 s sooner)
                state.early = parallel.start_early(
                    state.config, store_path, state.ctx, state.indexes, state.root,
                    state.jobs, entries[0][1])
            elif state.use_cache:
                # few seeds will have changed: one worker loads the tables on the core
                # the hashing leaves idle, then checks them (a one-seed run at 50,000
                # seeds: the ~1 s of loading no longer follows the collection)
                state.warm = parallel.start_warm(
                    state.config, store_path, state.ctx, state.indexes, state.root,
                    entries[0][1])
        # (a batch's seeds are never folded by their cached worst severity: they are
        # checked up front, and a run that repeats the last one reads nothing)
        cached = store.cached_seeds(state.ctx) if store is not None and not batch else {}
        hashes = cache_mod.FileHashes(store, state.root, state.config.max_file_bytes,
                                      read=state.use_cache)
        refs: list[SeedRef] = []
        try:
            for rel, path in entries:
                sha = hashes.sha(rel, path)
                state.shas[rel] = sha
                if batch:
                    refs.append(SeedRef(rel, path, sha, None, f"{self.nodeid}::{rel}"))
                else:
                    yield SeedItem.from_parent(self, name=rel, path=path, rel=rel, sha=sha,
                                               cached_worst=cached.get((rel, sha)))
        finally:
            hashes.close()
        if refs:
            yield SeedBatch.from_parent(self, name=f"seeds[{len(refs)}]", refs=refs)
        if state.controller:
            if batch:
                # (a large run writes them while its reports are rendered: 0.06 s of
                # CPU and 0.08-0.7 s of writing 7 MB at 50,000 seeds, which delayed the
                # up-front phase; a run stopped before then leaves the stats before,
                # and the next run hashes again only the files changed since them)
                state.hashes = hashes
            else:
                hashes.save()
        categories = [c for c in registry.corpus_categories()
                      if any(state.config.enabled(s.id) for s in registry.all_checks()
                             if s.scope == "corpus" and s.category == c)]
        if entries:
            for cat in categories:
                yield CorpusItem.from_parent(self, name=f"corpus[{cat}]", category=cat,
                                             paths=[r for r, _ in entries])


_FINDING_KEYS = tuple(Finding("c", "typo", "error", "p", 1, 1, 1, 1, "", "", None, [], "f",
                              evidence={"x": 1}).to_dict())
_FINDING_KEYS_PLAIN = tuple(k for k in _FINDING_KEYS if k != "evidence")
_FIX_KEYS = ("replacement", "safe", "offset", "end_offset")
_LOCATION_KEYS = ("path", "line", "column", "end_line", "end_column")


class _Fingerprint(NamedTuple):  # what Baseline.stale reads of a finding
    fingerprint: str


def _reported_form(d: dict) -> bool:
    """Is ``d`` exactly what ``Finding.to_dict()`` makes of ``Finding.from_dict(d)``
    (``baselined`` aside)?"""
    keys = tuple(d)
    if keys != _FINDING_KEYS_PLAIN and not (keys == _FINDING_KEYS and d["evidence"]):
        return False
    fix = d["fix"]
    if fix is not None and not (type(fix) is dict and tuple(fix) == _FIX_KEYS
                                and type(fix["safe"]) is bool and fix["offset"] is not None
                                and fix["end_offset"] is not None):
        return False
    return (type(d["baselined"]) is bool and type(d["related"]) is list
            and all(type(r) is dict and tuple(r) == _LOCATION_KEYS for r in d["related"]))


def reported(dicts, baseline: baseline_mod.Baseline):
    """Findings computed ahead (``Finding.to_dict()`` sent through a pipe or read from
    the store) as an item reports them: what ``Finding.from_dict(d).to_dict()`` with
    ``baselined`` set gives, without the round trip when ``d`` already has that form
    (the same dict when its ``baselined`` is right). A :class:`StoredRun` (findings
    stored in that form, none baselined) stays as it is unless the baseline accepts one
    of them (read only when the baseline has entries); :class:`Findings`, part by part."""
    if isinstance(dicts, Findings):
        return Findings([reported(p, baseline) for p in dicts.parts])
    accepted = baseline.entries  # (Baseline.accepts: by fingerprint)
    if isinstance(dicts, StoredRun):
        if not accepted or not any(d["fingerprint"] in accepted for d in dicts):
            return dicts
        dicts = dicts.dicts()
    out = []
    for d in dicts:
        if _reported_form(d):
            b = d["fingerprint"] in accepted
            if d["baselined"] is not b:
                d = dict(d)
                d["baselined"] = b
        else:
            f = Finding.from_dict(d)
            f.baselined = baseline.accepts(f)
            d = f.to_dict()
        out.append(d)
    return out


def _failing_parts(findings, fail_on: str) -> list:
    """The parts of ``findings`` (a list of dicts, a StoredRun or a Findings) that may
    hold a failing finding, in order: a part whose summary says none is not read."""
    if isinstance(findings, StoredRun):
        findings = Findings([findings])
    if not isinstance(findings, Findings):
        return [findings]
    sevs = failing_severities(fail_on)
    return [p for p, sm in zip(findings.parts, findings.summaries()) if sm.failing(sevs)]


class SeedcheckFailure(Exception):
    def __init__(self, lines: list[str]):
        super().__init__("\n".join(lines))
        self.lines = lines


class _CheckItem(pytest.Item):
    def _replayed(self) -> bool:
        """Under a replayed run: fail with the last run's lines, or pass."""
        state = _state(self.config)
        if state is None or state.replay is None:
            return False
        lines = state.replay["outcomes"].get(self.name)
        if lines is not None:
            raise SeedcheckFailure(lines)
        return True

    def _finish(self, findings: list[Finding], file_rec: dict | list[dict] | None) -> None:
        state = _state(self.config)
        assert state is not None
        for f in findings:
            f.baselined = state.baseline.accepts(f)
        self._finish_dicts([f.to_dict() for f in findings], file_rec)

    def _finish_dicts(self, findings: list[dict], file_rec: dict | list[dict] | None) -> None:
        """``findings`` as reported (``Finding.to_dict()``, ``baselined`` set)."""
        state = _state(self.config)
        assert state is not None
        payload: dict = {"findings": findings}
        if isinstance(file_rec, list):
            payload["files"] = file_rec
        elif file_rec is not None:
            payload["file"] = file_rec
        if state.controller:
            # this process writes the reports: the payload is handed over as it is
            # (pytest_runtest_logreport takes it); an xdist worker sends it as JSON
            state.handed[self.nodeid] = payload
        else:
            if not isinstance(findings, list):
                payload["findings"] = list(findings)
            self.user_properties.append((PROP, json.dumps(payload, ensure_ascii=False)))
        if state.update_baseline:
            return
        lines = self._failure_lines(findings)
        if lines:
            state.outcomes[self.name] = lines
            raise SeedcheckFailure(lines)

    def _failure_lines(self, findings) -> list[str] | None:
        """The lines of a failure (None: the item passes)."""
        state = _state(self.config)
        assert state is not None
        failing = [d for part in _failing_parts(findings, state.fail_on)
                   for d in part_dicts(part)
                   if fails(d["severity"], state.fail_on) and not d["baselined"]]
        if not failing:
            return None
        lines = [f"{d['path']}:{d['line']}:{d['column']} {d['check']} {d['message']}"
                 for d in failing]
        rest = len(findings) - len(failing)
        if rest:
            lines.append(f"({rest} more findings below the fail level or baselined)")
        return lines

    def _reported(self, dicts: list[dict]) -> list[dict]:
        state = _state(self.config)
        assert state is not None
        return reported(dicts, state.baseline)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, engine.CheckCrashed):
            return "\n".join(excinfo.value.lines)
        if isinstance(excinfo.value, SeedcheckFailure):
            lines = excinfo.value.lines
            head = f"{len([ln for ln in lines if not ln.startswith('(')])} finding(s):"
            return "\n".join([head, *lines])
        return super().repr_failure(excinfo, style)


class SeedItem(_CheckItem):
    def __init__(self, *, rel: str, sha: str | None = None, cached_worst: int | None = None,
                 **kw):
        super().__init__(**kw)
        self.rel = rel
        self.sha = sha  # sha256 read at collection
        self.cached_worst = cached_worst  # worst severity rank when cached, else None
        self.add_marker("seedcheck")

    def runtest(self) -> None:
        state = _state(self.config)
        assert state is not None
        if self._replayed():
            return
        pre = state.prefetch.seeds.get(self.rel) if state.prefetch is not None else None
        if pre is not None:
            self._finish_dicts(self._reported(pre[1]), pre[0])
            return
        rec, findings, _ = cache_mod.check_seed_cached(
            self.path, self.rel, state.config, _store(self.config), state.ctx,
            state.indexes, sha_hint=self.sha)
        self._finish(findings, rec)

    def reportinfo(self):
        # (the shown path, not self.path: a non-UTF-8 file name must not reach xdist)
        return self.parent.path / self.rel, None, f"seed {self.rel}"


class SeedBatch(pytest.Item):
    """Every seed of a large run that selects none (:func:`_unselected_run`), as one
    collected item: ``pytest_collection_finish`` checks them and puts the passing,
    failing and single :class:`SeedItem` items in its place; it never runs itself."""

    def __init__(self, *, refs: list[SeedRef], **kw):
        super().__init__(**kw)
        self.refs = refs

    def runtest(self) -> None:  # pragma: no cover - replaced before the run
        raise RuntimeError("seedcheck: a seed batch was not expanded")

    def reportinfo(self):
        return self.path, None, f"{len(self.refs)} seeds"


class CorpusItem(_CheckItem):
    def __init__(self, *, category: str, paths: list[str], **kw):
        super().__init__(**kw)
        self.category = category
        self.paths = paths
        self.add_marker("seedcheck")

    def runtest(self) -> None:
        state = _state(self.config)
        assert state is not None
        if self._replayed():
            return
        pre = state.prefetch.corpus.get(self.category) if state.prefetch is not None \
            else None
        if pre is not None:
            if pre[1] is not None:
                raise engine.CheckCrashed(pre[1], [Finding.from_dict(d) for d in pre[0]])
            self._finish_dicts(self._reported(pre[0]), None)
            return
        findings, _ = cache_mod.check_corpus_cached(
            state.root, self.paths, state.shas, state.config, self.category,
            _store(self.config), state.ctx, progress=_progress(self.config, len(self.paths)))
        self._finish(findings, None)

    def reportinfo(self):
        return self.path, None, f"corpus checks: {self.category}"


class CachedItem(_CheckItem):
    """Seeds whose results are cached and pass: one item for all of them (their
    results come from the store; a row gone missing is checked again)."""

    def __init__(self, *, entries: list[tuple[str, Path, str]], **kw):
        super().__init__(**kw)
        self.entries = entries  # (rel, path, sha256)
        self.add_marker("seedcheck")

    def runtest(self) -> None:
        state = _state(self.config)
        assert state is not None
        if self._replayed():
            return
        pre = state.prefetch.seeds if state.prefetch is not None else {}
        store = _store(self.config)
        need = [(r, s) for r, _, s in self.entries if r not in pre]
        got = store.get_seeds_bulk(need, state.ctx) if store and need else {}
        recs: list[dict] = []
        parts: list = []  # one seed's findings each (a StoredRun: not decoded)
        for rel, path, sha in self.entries:
            hit = pre.get(rel) or got.get((rel, sha))
            if hit is not None:
                recs.append(hit[0])
                parts.append(hit[1])
            else:
                rec, fs, _ = cache_mod.check_seed_cached(
                    path, rel, state.config, store, state.ctx, state.indexes, sha_hint=sha)
                recs.append(rec)
                parts.append([f.to_dict() for f in fs])
        self._finish_dicts(self._reported(Findings(parts)), recs)

    def reportinfo(self):
        return self.path, None, f"{len(self.entries)} unchanged seeds (cached results)"


class PassingItem(CachedItem):
    """A large run's passing seeds (checked up front): one item for all of them."""

    def reportinfo(self):
        return self.path, None, f"{len(self.entries)} passing seeds"


class FailingItem(CachedItem):
    """A large run's failing seeds, when there are many: one item whose failure lists
    the first ``GROUP_SHOWN`` seeds' findings. ``-k`` selects seed items before they
    are grouped; ``--lf`` gets every failing seed's own node id (see
    ``SessionPlugin.pytest_runtest_logreport``)."""

    def __init__(self, *, nodeids: list[str], **kw):
        super().__init__(**kw)
        self.nodeids = nodeids  # the seeds' own node ids, in entries order

    def _failure_lines(self, findings) -> list[str] | None:
        """The first ``GROUP_SHOWN`` failing seeds' lines, and how many more (only their
        runs are read: the others' failing findings are counted from their summaries)."""
        state = _state(self.config)
        assert state is not None
        view = findings_view(findings)
        sevs = failing_severities(state.fail_on)
        lines: list[str] = []
        shown = rest = rest_findings = 0
        for p, sm in zip(view.parts, view.summaries()):
            n = sm.failing(sevs)
            if not n:
                continue
            if shown < GROUP_SHOWN:
                shown += 1
                lines += [f"{d['path']}:{d['line']}:{d['column']} {d['check']} {d['message']}"
                          for d in part_dicts(p) if d["severity"] in sevs
                          and not d["baselined"]]
            else:
                rest += 1
                rest_findings += n
        if not shown:
            return None
        if rest > 0:
            lines.append(f"(… {rest} more failing seeds, {rest_findings} "
                         f"findings: see {state.report_dir / 'report.md'})")
        return lines

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, SeedcheckFailure):
            lines = excinfo.value.lines
            return "\n".join([f"{len(self.entries)} failing seeds "
                              "(grouped into one item; -k PATTERN or --lf runs them one "
                              "by one):", *lines])
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, None, f"{len(self.entries)} failing seeds"


def _failing_paths(findings, fail_on: str) -> set[str]:
    """The paths of ``findings`` (as an item reported them) with a finding that fails
    the run and is not baselined."""
    view = findings_view(findings)
    sevs = failing_severities(fail_on)
    return {path for path, sm in zip(view.paths(), view.summaries()) if sm.failing(sevs)}


def _progress(config: pytest.Config, n: int):
    """A factory of rich progress bars for building corpus indexes, or None: only in the
    controlling process (never inside an xdist worker), on a terminal, for large
    corpora. The bar is drawn with pytest's output capture suspended and vanishes when
    done."""
    state = _state(config)
    if state is None or not state.controller or n < PROGRESS_MIN:
        return None
    tr = config.pluginmanager.get_plugin("terminalreporter")
    if tr is None or not tr.isatty() or config.option.verbose < -1:
        return None
    capman = config.pluginmanager.get_plugin("capturemanager")

    @contextlib.contextmanager
    def bar(description: str, total: int):
        from rich.console import Console
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                   TimeRemainingColumn)

        guard = capman.global_and_fixture_disabled() if capman else contextlib.nullcontext()
        with guard:
            sys.stdout.write("\n")
            progress = Progress(TextColumn("[bold]seedcheck[/] {task.description}"),
                                BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                                console=Console(file=sys.stdout), transient=True)
            with progress:
                task = progress.add_task(description, total=total)
                count = [0]

                def tick() -> None:
                    count[0] += 1
                    if count[0] % 200 == 0 or count[0] == total:
                        progress.update(task, completed=count[0])
                yield tick
    return bar


def _line_lookup(root: Path, max_bytes: int | None = 20_000_000):
    @lru_cache(maxsize=64)
    def lines_of(path: str) -> list[str] | None:
        seed = read_seed(root / path, path, max_bytes)  # bounded: never a 100 MB read
        return [ln.text[:2000] for ln in seed.lines] if seed.text is not None else None

    def lookup(path: str, line: int) -> str | None:
        lines = lines_of(path)
        if lines is None or line > len(lines):
            return None
        return lines[line - 1][:2000]
    return lookup


def short_console(report: dict, report_dir: Path, *, width: int, color: bool) -> str:
    """The console report of a large run: the summary table and totals, the worst
    files (most failing findings, then most findings), and where the full reports are."""
    from rich import box
    from rich.console import Console, Group
    from rich.table import Table
    from rich.text import Text

    from .report.console import summary_table, totals_line

    fail_on = report["summary"].get("fail_on", "error")
    # (per file, from the runs' summaries: no finding is read)
    view = findings_view(report["findings"])
    per: dict[str, list[int]] = {}
    sums = {}
    sevs = failing_severities(fail_on)
    for path, sm in zip(view.paths(), view.summaries()):
        if sm.n:
            per[path] = [sm.failing(sevs), sm.n]
            sums[path] = sm
    worst = sorted(per.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0]))[:WORST_FILES]
    checks: dict[str, dict[str, int]] = {}
    for path, _ in worst:
        c = checks[path] = {}
        for _cat, _sev, check, n in sums[path].counts:
            c[check] = c.get(check, 0) + n
    t = Table(title=f"the {len(worst)} worst of {len(per)} files with findings",
              box=box.SIMPLE_HEAVY)
    t.add_column("file")
    t.add_column("failing", justify="right", style="bold red")
    t.add_column("all", justify="right")
    t.add_column("checks")
    for path, (bad, n) in worst:
        top = sorted(checks[path].items(), key=lambda kv: (-kv[1], kv[0]))[:3]
        t.add_row(Text(path), str(bad), str(n),
                  Text(", ".join(f"{c} ×{k}" if k > 1 else c for c, k in top)))
    md = report_dir / "report.md"
    tail = Text(f"\nLarge run: findings are not listed here. Every finding, with its "
                f"place, evidence and fix: {md} (also report.json, report.sarif, "
                "report.html in the same folder).", style="bold yellow")
    console = Console(width=width, force_terminal=color, no_color=not color,
                      highlight=False, soft_wrap=False,
                      color_system="standard" if color else None)
    with console.capture() as cap:
        console.print(Group(summary_table(report), totals_line(report), t, tail))
    return cap.get()


def _short(report: dict) -> bool:
    """Is the console report of ``report`` the short one (a large run)?"""
    return len(report["files"]) >= SHORT_FILES or len(report["findings"]) >= SHORT_FINDINGS


def _console_size(tr) -> tuple[int, bool]:
    """(width, colour) of the console report on the terminal reporter ``tr``."""
    tw = tr._tw
    return max(60, min(tw.fullwidth, 160)), tw.hasmarkup


def config_terminal(report, plugin: "SessionPlugin"):
    """The terminal reporter (looked up once)."""
    if plugin._terminal is False:
        return None
    if plugin._terminal is None:
        tr = plugin.config.pluginmanager.get_plugin("terminalreporter") \
            if plugin.config is not None else None
        plugin._terminal = tr if tr is not None else False
        return tr
    return plugin._terminal


# From this many seeds a run's store is pruned by a process of its own (a fork costs
# more than pruning a few hundred rows)
PRUNE_APART_MIN = 1_000


def _prune_apart(store_path: str, ctx: str, current: dict[str, str | None],
                 older_than: float) -> None:
    """``Store.prune`` in a forked process, on its own connection; exits 1 (no
    traceback) where it did not prune, and the pytest process prunes instead. It
    leaves by ``os._exit``: nothing it inherited (the pytest process's buffered output,
    its connection to the store, its exit handlers) is flushed, closed or run here."""
    import gc

    gc.disable()  # (a short life: no collection over the inherited heap)
    ok = False
    store = None
    try:
        store = cache_mod.Store.open(Path(store_path), repair=False)
        if not store.broken:
            store.prune(ctx, current, older_than)
            ok = not store.broken
    except BaseException:  # (^C included) the pytest process prunes, or says why not
        ok = False
    finally:
        if store is not None:
            store.close()
        os._exit(0 if ok else 1)


class SessionPlugin:
    """Hooks that exist only when seedcheck is active in this run."""

    def __init__(self, state: State, config: pytest.Config | None = None):
        self.state = state
        self.config = config
        self._terminal = None
        self._items: dict[str, pytest.Item] = {}
        self._gc: tuple[int, ...] | None = None  # the collector's thresholds to restore
        self._prune_memo: tuple | None = None  # (_prune_args' answer,)
        self._pruned = False

    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        if isinstance(item, (PassingItem, FailingItem)):
            self._items[item.nodeid] = item

    @pytest.hookimpl(tryfirst=True)
    def pytest_collect_directory(self, path: Path, parent: pytest.Collector):
        if Path(path).resolve() == self.state.root:
            return SeedDir.from_parent(parent, path=Path(path))
        return None

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.state.started = time.monotonic()
        self.state.started_wall = time.time()
        self._warm_early(session.config)

    def _warm_early(self, config: pytest.Config) -> None:
        """A large plain run whose store holds results (as many seeds as a large run
        checks up front) forks its warm worker (``parallel.start_warm``) now, before the
        seeds are listed and hashed: the worker loads the checks' tables while the
        other CPU would be idle (it was forked after the listing, 0.24 s later at
        50,000 seeds). The collection stops it when the run turns out not to need it."""
        state = self.state
        from . import dask_pytest

        if (not state.controller or state.jobs <= 1 or not state.use_cache
                or state.warm is not None or state.early is not None
                or dask_pytest.active(config)):
            return
        store = _store(config)
        if store is None or store.broken or state.store_path is None:
            return
        n = store.seed_count(state.ctx)
        if n < parallel.POOL_MIN * 8 or not _unselected_run(config, state, n):
            return
        sample = _first_seed(state.root)
        if sample is not None:
            state.warm = parallel.start_warm(state.config, state.store_path, state.ctx,
                                             state.indexes, state.root, sample)

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node) -> None:
        """xdist controller: every worker uses the controller's store (opened, wiped
        under --no-cache or repaired, before any worker starts)."""
        _store(node.config)
        if self.state.store_path is not None:
            node.workerinput["seedcheck_store"] = str(self.state.store_path)

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, session, config, items) -> None:
        """Fold the cached seeds that pass into one item (after -k/--lf selection)."""
        state = self.state
        if self._large_plain_run(config, items):
            return  # done in pytest_collection_finish (after --lf, which filters last)
        rank = SEVERITY_RANK[state.fail_on]
        fold = [i for i, it in enumerate(items) if isinstance(it, SeedItem)
                and it.cached_worst is not None and it.cached_worst < rank]
        if state.fold_min <= 0 or len(fold) < state.fold_min:
            return
        first = items[fold[0]]
        cached = CachedItem.from_parent(
            first.parent, name=f"cached[{len(fold)}]",
            entries=[(items[i].rel, items[i].path, items[i].sha) for i in fold])
        drop = set(fold)
        items[:] = [cached if i == fold[0] else it for i, it in enumerate(items)
                    if i not in drop or i == fold[0]]

    def _large_plain_run(self, config: pytest.Config, items: list) -> bool:
        """A run that is checked up front and grouped: the controlling process without
        pytest-xdist, not --collect-only, at least ``seedcheck_fold_min`` seeds."""
        state = self.state
        if (not state.controller or state.fold_min <= 0 or config.option.collectonly
                or config.pluginmanager.has_plugin("dsession")):
            return False
        return sum(len(it.refs) if isinstance(it, SeedBatch) else 1 for it in items
                   if isinstance(it, (SeedItem, SeedBatch))) >= state.fold_min

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """A large plain run: check every selected seed (and the corpus categories) now,
        with ``jobs`` processes, then fold the passing seeds into one item and, when at
        least ``seedcheck_group_min`` fail, the failing ones into another. Runs after
        every selection (-k, -m, --lf, --deselect)."""
        items = session.items
        if not self._large_plain_run(session.config, items):
            return
        state = self.state
        if self._gc is None:
            self._gc = parallel.relax_gc()
        seeds: list = []  # SeedItem or SeedRef, in the items' order
        for it in items:
            if isinstance(it, SeedBatch):
                seeds += it.refs
            elif isinstance(it, SeedItem):
                seeds.append(it)
        corpus = [it for it in items if isinstance(it, CorpusItem)]
        store = _store(session.config)
        state.run_key = self._run_key(seeds, corpus)
        last = store.get_meta(f"lastrun:{state.report_dir}") \
            if store is not None and state.run_key and state.use_cache else None
        if (last and last.get("key") == state.run_key and store is not None
                and reports_current(state.report_dir, last.get("digest"),
                                    store.get_meta(f"reports:{state.report_dir}"))):
            state.replay = last
            if state.warm is not None:  # (nothing to check)
                parallel.stop(state.warm)
                state.warm = None
            failed = set(last["failing"])
            self._group(items, seeds, lambda it: it.rel in failed)
            return
        bar = _progress(session.config, len(seeds))
        ctxm = bar("checking seeds", len(seeds)) if bar is not None \
            else contextlib.nullcontext(None)
        with ctxm as tick1:
            tick = (lambda n: [tick1() for _ in range(n)]) if tick1 is not None else None
            try:
                state.prefetch = parallel.run(
                    [(it.rel, it.path, it.sha) for it in seeds],
                    [it.category for it in corpus],
                    corpus[0].paths if corpus else [], state.shas,
                    config=state.config, store=store, store_path=state.store_path,
                    ctx=state.ctx, indexes=state.indexes, root=state.root,
                    jobs=state.jobs, tick=tick, early=state.early, warm=state.warm)
                state.early = state.warm = None  # (shut down by run)
            except config_mod.ConfigError as exc:
                raise pytest.UsageError(f"seedcheck configuration: {exc}") from None
        pre = state.prefetch
        sevs = failing_severities(state.fail_on)

        def bad(it: SeedItem | SeedRef) -> bool | None:
            got = pre.seeds.get(it.rel)
            if got is None:
                return None  # checked by its own item
            accepted = state.baseline.entries  # (Baseline.accepts: by fingerprint)
            if state.update_baseline:
                return False
            if isinstance(got[1], StoredRun) and not accepted:  # (its summary tells)
                return not sevs.isdisjoint(got[1].summary.unbaselined)
            return any(d["severity"] in sevs and d["fingerprint"] not in accepted
                       for d in got[1])

        self._group(items, seeds, bad)

    def _run_key(self, seeds: list, corpus: list) -> str | None:
        """What a run's outcome depends on, hashed: the code and configuration (ctx),
        every seed's content, the corpus categories, the baseline file, the fail level
        and the grouping settings. None when not every seed is selected or the run
        writes the baseline."""
        import hashlib

        state = self.state
        if state.update_baseline or len(seeds) != len(state.shas):
            return None
        try:
            bl = hashlib.sha256(state.baseline.path.read_bytes()).hexdigest()
        except OSError:
            bl = "-"
        h = hashlib.sha256(json.dumps(
            [state.ctx, str(state.root), str(state.report_dir), state.fail_on, bl,
             state.fold_min, state.group_min, GROUP_SHOWN, SHORT_FILES, SHORT_FINDINGS,
             sorted(it.category for it in corpus)]).encode())
        for it in seeds:
            h.update(f"{it.rel}\0{it.sha}\n".encode("utf-8", "surrogateescape"))
        return h.hexdigest()

    def _group(self, items: list, seeds: list, bad) -> None:
        """Put one item for the passing seeds and, when at least ``group_min`` fail, one
        for the failing ones in the place of the first of each; the other seeds stay
        single items (a :class:`SeedRef` of a :class:`SeedBatch` becomes its SeedItem)."""
        state = self.state
        passing: list = []
        failing: list = []
        for it in seeds:
            b = bad(it)
            if b is not None:
                (failing if b else passing).append(it)
        state.failing_rels = [it.rel for it in failing]
        group = state.group_min > 0 and len(failing) >= state.group_min
        parents = {}  # a batch's parent, for the items made of its seeds
        flat = []
        for it in items:
            if isinstance(it, SeedBatch):
                flat += it.refs
                parents.update((id(r), it.parent) for r in it.refs)
            else:
                flat.append(it)

        def parent(it):
            return parents.get(id(it)) or it.parent

        replace: dict[int, pytest.Item | None] = {}
        if passing:
            replace[id(passing[0])] = PassingItem.from_parent(
                parent(passing[0]), name=f"passing[{len(passing)}]",
                entries=[(it.rel, it.path, it.sha) for it in passing])
            for it in passing[1:]:
                replace[id(it)] = None
        if group:
            replace[id(failing[0])] = FailingItem.from_parent(
                parent(failing[0]), name=f"failing[{len(failing)}]",
                entries=[(it.rel, it.path, it.sha) for it in failing],
                nodeids=[it.nodeid for it in failing])
            for it in failing[1:]:
                replace[id(it)] = None
        out = []
        for it in flat:
            new = replace.get(id(it), it)
            if isinstance(new, SeedRef):
                new = SeedItem.from_parent(parent(new), name=new.rel, path=new.path,
                                           rel=new.rel, sha=new.sha,
                                           cached_worst=new.cached_worst)
            if new is not None:
                out.append(new)
        items[:] = out
        state.items_total = len(items)

    @pytest.hookimpl(trylast=True)  # after the terminal reporter has filed the report
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        state = self.state
        if report.when != "call" and report.passed and not report.sections:
            # pytest keeps every passed setup/teardown report, and for each failure
            # scans them all for teardown output (TerminalReporter._get_teardown_reports):
            # quadratic, minutes at 50,000 seeds with 11,000 failing. An empty one shows
            # nothing: drop it.
            tr = config_terminal(report, self)
            if tr is not None:
                filed = tr.stats.get("")
                if filed and filed[-1] is report:
                    filed.pop()
            return
        if report.when != "call" or not state.controller:
            return
        state.items_run += 1
        handed = state.handed.pop(report.nodeid, None)
        sent = [json.loads(value) for name, value in getattr(report, "user_properties", ())
                if name == PROP]
        if handed is not None:
            state.as_reported.add(report.nodeid)
        for payload in ([handed] if handed is not None else sent):
            state.findings[report.nodeid] = payload["findings"]
            if "file" in payload:
                state.files[payload["file"]["path"]] = payload["file"]
            for rec in payload.get("files", ()):
                state.files[rec["path"]] = rec
        if report.nodeid in self._items:
            self._last_failed(report)

    def _last_failed(self, report: pytest.TestReport) -> None:
        """--lf after a grouped run: the cache's last-failed list gets every failing
        seed's own node id (not the group's), and loses those of passing seeds."""
        if report.when != "call":
            return
        lf = self.config.pluginmanager.get_plugin("lfplugin") if self.config else None
        item = self._items.get(report.nodeid)
        if lf is None or item is None or not hasattr(lf, "lastfailed"):
            return
        # (keys may be node id strings or, in newer pytest, structured ids: compare
        # their text)
        drop = {report.nodeid}
        add: list[str] = []
        if isinstance(item, FailingItem):
            failed = set(self.state.failing_rels) if self.state.replay is not None else \
                _failing_paths(self.state.findings.get(report.nodeid, ()),
                               self.state.fail_on)
            for (rel, _, _), nid in zip(item.entries, item.nodeids):
                (add.append(nid) if rel in failed else drop.add(nid))
        else:
            prefix = report.nodeid.rsplit("::", 1)[0]
            drop.update(f"{prefix}::{rel}" for rel, _, _ in item.entries)
        for key in [k for k in lf.lastfailed if str(k) in drop]:
            del lf.lastfailed[key]
        for nid in add:
            lf.lastfailed[nid] = True

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        state = self.state
        config = session.config
        if not state.controller or config.option.collectonly:
            return
        if state.replay is not None:
            if exitstatus == pytest.ExitCode.INTERRUPTED:
                state.replay = None  # print nothing of a run that did not finish
            return
        if not state.files and not state.findings:
            if not (config.getoption("seeds") and exitstatus
                    == pytest.ExitCode.NO_TESTS_COLLECTED and not scan(state.root)):
                return
            # An empty seeds folder: nothing fails; say so, and still write the reports.
            state.empty = True
            session.exitstatus = pytest.ExitCode.OK
        if exitstatus == pytest.ExitCode.INTERRUPTED:
            # A partial run must not replace whole reports (or the baseline).
            state.write_error = ("the run was interrupted: the reports (and the baseline) "
                                 f"in {state.report_dir} were left as they were")
            return
        if not state.update_baseline:
            found = self._report_findings()
            stale = state.baseline.stale(
                [_Fingerprint(fp) for fp in {d["fingerprint"] for d in found}]
                if state.baseline.entries else [], set(state.files))
            report = build_report_dicts(
                list(state.files.values()), found, seeds_dir=state.seeds_label,
                duration_s=time.monotonic() - state.started, fail_on=state.fail_on,
                stale_baseline=stale)
            self._write(session, report)
            return
        findings = [Finding.from_dict(d) for fs in state.findings.values() for d in fs]
        findings.sort(key=Finding.sort_key)
        stale = state.baseline.stale(findings, set(state.files))
        if state.update_baseline:
            try:
                n = baseline_mod.write(state.baseline.path, findings)
            except OSError as exc:
                state.write_error = (f"cannot write the baseline {state.baseline.path}: "
                                     f"{exc.strerror or exc}")
                session.exitstatus = pytest.ExitCode.TESTS_FAILED
            else:
                for f in findings:
                    f.baselined = True
                stale = []
                state.baseline_written = (state.baseline.path, n)
        report = build_report(
            list(state.files.values()), findings, seeds_dir=state.seeds_label,
            duration_s=time.monotonic() - state.started, fail_on=state.fail_on,
            stale_baseline=stale)
        self._write(session, report)

    def _report_findings(self) -> Findings:
        """The items' findings as the report holds them: one part a path, in path order,
        each sorted (``dict_sort_key``, stably: as one sort of them all). A seed whose
        only findings are a stored run (:class:`StoredRun`) keeps it as it is, not
        decoded; the other paths' findings are dicts in their reported form (those
        handed over in this process are checked no more: 0.25 s at 150,000; one that
        came through JSON and is not goes through the round trip)."""
        state = self.state
        by_path: dict[str, list] = {}
        for nid, fs in state.findings.items():
            trusted = nid in state.as_reported
            parts = fs.parts if isinstance(fs, Findings) else [fs]
            for part in parts:
                if isinstance(part, StoredRun):
                    if part.summary.n:
                        by_path.setdefault(part.path, []).append(part)
                    continue
                for d in part:
                    if not (trusted or _reported_form(d)):
                        d = Finding.from_dict(d).to_dict()
                    got = by_path.get(d["path"])
                    if got is None:
                        by_path[d["path"]] = [d]
                    else:
                        got.append(d)
        out: list = []
        for path in sorted(by_path):
            got = by_path[path]
            if len(got) == 1 and isinstance(got[0], StoredRun):
                out.append(got[0])
                continue
            dicts: list[dict] = []
            for x in got:
                if isinstance(x, StoredRun):
                    dicts += x.dicts()
                else:
                    dicts.append(x)
            dicts.sort(key=dict_sort_key)
            out.append(dicts)
        return Findings(out)

    def _write(self, session: pytest.Session, report: dict) -> None:
        state = self.state
        state.report = report
        # (the store pruned by a process of its own while this one waits for the
        # renderers: 0.35-0.64 s of a one-seed run at 50,000 seeds that edits or removes one)
        pruning = self._start_prune()
        self._pruned = pruning is not None  # (else pruned here: meanwhile, or after)
        try:
            if self._reports_unchanged(report):
                state.written = []
                state.reports_kept = True
            else:
                state.written = write_reports(
                    state.report_dir, report, state.root,
                    _line_lookup(state.root, state.config.max_file_bytes),
                    cache_dir=state.store_path.parent if state.store_path is not None
                    and state.temp_dir is None else None, read_cache=state.use_cache,
                    digests=state.run_digests, side=self._meanwhile)
                self._record_reports()
        except OSError as exc:
            state.write_error = "; ".join(filter(None, [
                state.write_error,
                f"cannot write reports to {state.report_dir}: {exc.strerror or exc}"]))
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
        if state.prefetch is not None:  # (its workers have written the corpus states)
            state.prefetch.close()
        if pruning is not None or not self._pruned:
            self._prune(pruning)

    def _meanwhile(self) -> None:
        """What this process does while report.html is rendered, once the other reports
        are (it was done after the rendering, or during the collection, alone on the
        path of a one-seed run at 50,000 seeds): the files' stats recorded (~0.06 s of
        CPU, 7 MB written), the store pruned here when no process of its own does it
        (~0.09 s: a run that added a seed), and the short console (~0.15 s)."""
        self._save_hashes()
        if not self._pruned:
            try:
                self._prune()
                self._pruned = True
            except Exception:  # pruned again after the rendering (and failing there)
                pass
        self._console_meanwhile()

    def _save_hashes(self) -> None:
        """Record the files' stats a large run's collection saw (``FileHashes.save``),
        once."""
        hashes, self.state.hashes = self.state.hashes, None
        if hashes is not None:
            hashes.save()

    def _console_meanwhile(self) -> None:
        """A large run's short console, made while other processes render the reports.
        The terminal summary prints it when its width and colour are the terminal's."""
        state = self.state
        tr = config_terminal(None, self)
        if tr is None or state.report is None or not _short(state.report):
            return
        width, color = _console_size(tr)
        try:
            state.console = (width, color, short_console(
                state.report, state.report_dir, width=width, color=color))
        except Exception:  # made again (and failing there, as before) by the summary
            state.console = None

    def _reports_unchanged(self, report: dict) -> bool:
        """The reports in the report folder hold exactly this content (apart from
        ``generated_at`` and ``duration_s``) and were not touched since: they are kept
        as they are (rendering four reports of 30,000 findings takes seconds). Needs the
        store (it records what was written); ``--no-cache`` always writes."""
        state = self.state
        state.report_digest = None
        state.run_digests = None
        store = _store(self.config) if self.config is not None else None
        if store is None or store.broken:
            return False
        findings = report.get("findings")
        if isinstance(findings, (list, Findings)):
            # (the renderers' fragments use the same run digests: computed once; a
            # stored run's is the one stored with it)
            state.run_digests = run_digests(findings)
        state.report_digest = report_digest(report, state.run_digests)
        if not state.use_cache:
            return False
        return reports_current(state.report_dir, state.report_digest,
                               store.get_meta(f"reports:{state.report_dir}"))

    def _record_reports(self) -> None:
        state = self.state
        store = state.store
        if store is None or not state.report_digest:
            return
        stamps = file_stamps(state.report_dir)
        if stamps is not None:
            store.put_meta(f"reports:{state.report_dir}",
                           {"digest": state.report_digest, "files": stamps})

    def _record_run(self, text: str, width: int, color: bool, exitstatus: int) -> None:
        """After a large run over every seed whose reports were written (or kept): what
        the next identical run replays (the outcome of every item, the console text)."""
        state = self.state
        store = state.store
        if (store is None or state.run_key is None or state.write_error
                or state.items_run != state.items_total  # -x, or an interrupted run
                or state.prefetch is None or not state.report_digest
                or exitstatus == pytest.ExitCode.INTERRUPTED
                or any(v[1] is not None for v in state.prefetch.corpus.values())):
            return
        store.put_meta(f"lastrun:{state.report_dir}", {
            "key": state.run_key, "digest": state.report_digest,
            "failing": state.failing_rels, "outcomes": state.outcomes,
            "console": {"width": width, "color": color, "text": text}})

    def _prune_args(self) -> tuple | None:
        """What ``Store.prune`` is called with after a run that saw every seed (None:
        nothing to prune); worked out once (:meth:`_start_prune` asks, then
        :meth:`_prune`)."""
        if self._prune_memo is None:
            self._prune_memo = (self._prune_args_now(),)
        return self._prune_memo[0]

    def _prune_args_now(self) -> tuple | None:
        state = self.state
        if state.temp_dir is not None or not state.store_opened or state.store is None \
                or state.store.broken or state.store_path is None:
            return None
        # (the seeds the collection found: scanning 50,000 files again took 0.2 s)
        seen = state.scanned if state.scanned is not None else \
            {rel for rel, _ in scan(state.root)}
        if set(state.files) != seen:
            return None
        current = {p: r.get("sha256") for p, r in state.files.items()
                   if not r.get("unreadable")}
        return state.ctx, current, state.started_wall

    def _start_prune(self):
        """A large run's pruning started in a forked process (its own connection to the
        store), or None: it runs while this process waits for the renderers, and
        :meth:`_prune` waits for it. Where processes cannot be forked, or for a small
        run, :meth:`_prune` prunes here."""
        if len(self.state.files) < PRUNE_APART_MIN:
            return None
        args = self._prune_args()
        # (as many seed rows as seeds: the prune deletes none, a few ms here; a fork and
        # a process beside the renderers cost more)
        if args is None or self.state.store.seed_rows() in (None, len(args[1])):
            return None
        ctx = parallel._context()
        if ctx.get_start_method() != "fork":
            return None
        try:
            proc = ctx.Process(target=_prune_apart, args=(str(self.state.store_path), *args),
                               name="seedcheck-prune", daemon=True)
            proc.start()
        except (OSError, RuntimeError):
            return None
        return proc

    def _prune(self, pruning=None) -> None:
        """After a run that saw every seed, drop cache rows that cannot hit again
        (``pruning``: the process :meth:`_start_prune` started, waited for; where it did
        not prune, this process does, so a failure shows as it would have here)."""
        if pruning is not None:
            pruning.join()
            if pruning.exitcode == 0:
                return
        args = self._prune_args()
        if args is not None:
            self.state.store.prune(*args)

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        state = self.state
        if state.early is not None:  # started, never used (the run stopped before)
            state.early.shutdown(wait=True, cancel_futures=True)
            state.early = None
        if state.warm is not None:  # (nothing changed, or the run stopped before)
            parallel.stop(state.warm)
            state.warm = None
        if state.prefetch is not None:  # (a run that stopped before its reports)
            state.prefetch.close()
        self._save_hashes()  # (a run whose reports were not rendered by other processes)
        if self._gc is not None:
            import gc

            # A large run is over. pytest's own gc.collect() for unraisable exceptions
            # (unraisableexception's pytest_unconfigure, called after this one) would
            # walk what it holds (every finding as dicts, the file records, the report,
            # the prefetched results: at 10,000 seeds ~600,000 tracked objects, ~0.4 s
            # a collection). In a process started for this run, which exits next, the
            # heap is frozen (out of every collection, the interpreter's last one
            # included): nothing is walked or freed (at 50,000 seeds 0.31 s -> 0.01 s).
            # A run inside another pytest process (pytester's inline runs) drops it
            # instead, so that the other process can free it.
            if tuple(sys.argv[1:]) == tuple(config.invocation_params.args):
                gc.freeze()
            else:
                state.findings = {}
                state.files = {}
                state.report = None
                state.prefetch = None
                self._items = {}
            gc.set_threshold(*self._gc)
        if state.tables_before is not None:
            typo_data.TABLES_DIR, typo_data.TABLES_READ = state.tables_before
        if state.store is not None:
            state.store.close()
        if state.temp_dir is not None and state.controller:
            shutil.rmtree(state.temp_dir, ignore_errors=True)

    def pytest_terminal_summary(self, terminalreporter, exitstatus: int,
                                config: pytest.Config) -> None:
        state = self.state
        width, color = _console_size(terminalreporter)
        if state.replay is not None:
            terminalreporter.section("seedcheck report")
            console = state.replay.get("console") or {}
            if console.get("width") == width and console.get("color") == color:
                terminalreporter.write(console["text"])
            else:
                terminalreporter.write_line(
                    f"(the summary of the last run: see {state.report_dir / 'report.md'})")
            terminalreporter.write_line(
                f"seedcheck: nothing changed since the last run ({len(state.shas)} seeds; "
                "same code, configuration and baseline): its results were replayed, and "
                f"the reports in {state.report_dir} are up to date")
            return
        if state.report is None:
            if state.write_error:
                terminalreporter.write_line(f"seedcheck: ERROR: {state.write_error}",
                                            red=True)
            return
        terminalreporter.section("seedcheck report")
        if state.empty:
            terminalreporter.write_line(
                f"seedcheck: no seed files (*.txt) under {state.root}", yellow=True)
        if _short(state.report):
            made = state.console
            text = made[2] if made is not None and made[:2] == (width, color) else \
                short_console(state.report, state.report_dir, width=width, color=color)
            self._record_run(text, width, color, exitstatus)
        else:
            text = to_ansi(state.report, width=width, color=color,
                           line_lookup=_line_lookup(state.root, state.config.max_file_bytes))
        terminalreporter.write(text)
        if state.prefetch is not None:
            terminalreporter.write_line(f"seedcheck: checked {state.prefetch.summary()}")
        if state.baseline_written:
            path, n = state.baseline_written
            terminalreporter.write_line(
                f"seedcheck: baseline written to {path} ({n} accepted findings)")
        if state.write_error:
            terminalreporter.write_line(f"seedcheck: ERROR: {state.write_error}", red=True)
        elif state.written:
            terminalreporter.write_line(
                f"seedcheck: reports written to {state.report_dir}"
                f" ({', '.join(p.name for p in state.written)})")
        elif state.reports_kept:
            terminalreporter.write_line(
                f"seedcheck: reports in {state.report_dir} are up to date (same findings "
                "as the run that wrote them; not rewritten)")
