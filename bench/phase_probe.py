"""A pytest plugin that times a run's phases (not a test; for ``bench/oneseed.py
--probe bench/phase_probe.py``, which loads it with ``-p phase_probe``).

It notes the wall time (seconds since ``ONESEED_T0``, the moment ``oneseed.py`` started
the run) at the edges of pytest's phases (configure, collection, the up-front check in
``pytest_collection_finish``, the items, ``pytest_sessionfinish``, the terminal summary,
``pytest_unconfigure``) and how long some of seedcheck's steps took (reading the stored
results back, the report's assembly, the run digests, each report's rendering and
writing in its own process; each pool task of ``checks.parallel`` in the worker that ran
it, with its CPU time), and writes them to ``ONESEED_PROBE`` when the run ends::

    python bench/oneseed.py run --out OUT --size 50000 --change add \\
        --code . --pin FP --probe bench/phase_probe.py
"""

from __future__ import annotations

import os
import time

import pytest

T0 = float(os.environ.get("ONESEED_T0", time.time()))
OUT = os.environ.get("ONESEED_PROBE", "probe.txt")
MARKS: list[tuple[float, str]] = []


def mark(what: str) -> None:
    MARKS.append((time.time() - T0, what))


mark("probe imported (interpreter and pytest started)")


def _timed(owner, name: str) -> None:
    real = getattr(owner, name)

    def timed(*args, **kw):
        t = time.time()
        try:
            return real(*args, **kw)
        finally:
            MARKS.append((time.time() - T0, f"    {name} took {time.time() - t:.3f}"))

    setattr(owner, name, timed)


_REAL_STAGE = None


def _staged(name):
    """``writer._stage_one`` timed (a module-level function: the renderers' pool pickles
    it by name); a forked renderer appends to its own file, the parent writes it out."""
    t = time.time()
    c = time.process_time()
    try:
        return _REAL_STAGE(name)
    finally:
        with open(OUT + ".renderers", "a", encoding="utf-8") as fh:
            fh.write(f"{t - T0:7.3f}  {name} rendered and written in "
                     f"{time.time() - t:.3f} s (process {os.getpid()}, "
                     f"cpu {time.process_time() - c:.3f} s)\n")


def _instrument() -> None:
    from checks import parallel, plugin
    from checks.report import writer

    for owner, name in ((parallel, "_take_stored"), (parallel, "_few_changed"),
                        (plugin, "build_report_dicts"), (plugin, "write_reports"),
                        (plugin.SessionPlugin, "_reports_unchanged"),
                        (plugin.SessionPlugin, "_prune"), (plugin.SessionPlugin, "_group"),
                        (parallel, "run"), (plugin.SessionPlugin, "_report_findings"),
                        (plugin, "short_console"), (plugin.CachedItem, "runtest"),
                        (plugin, "run_digests"), (plugin, "report_digest")):
        _timed(owner, name)
    global _REAL_STAGE
    _REAL_STAGE = writer._stage_one
    writer._stage_one = _staged
    for name in ("_warm", "_seeds_then", "_check_category", "_check_chunk"):
        setattr(parallel, name, _worker_task(getattr(parallel, name), name))


def _worker_task(real, name: str):
    """A pool task of ``checks.parallel`` timed in the worker that runs it (wall and
    CPU), appended to ``OUT.workers``; it keeps the task's name, so that the pool
    pickles it by that name and a forked worker finds it."""
    def timed(*args, **kw):
        t, c = time.time(), time.process_time()
        try:
            return real(*args, **kw)
        finally:
            what = args[0] if name == "_check_category" and args else ""
            with open(OUT + ".workers", "a", encoding="utf-8") as fh:
                fh.write(f"{t - T0:7.3f} -> {time.time() - T0:7.3f}  cpu "
                         f"{time.process_time() - c:6.3f}  process {os.getpid()}  "
                         f"{name} {what}\n")

    timed.__name__ = timed.__qualname__ = name
    timed.__module__ = real.__module__
    return timed


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    mark("configure")
    for tail in (".renderers", ".workers"):
        try:
            os.unlink(OUT + tail)
        except OSError:
            pass
    _instrument()


def _around(label: str):
    """A hook wrapper (of a hook taking ``session``) that marks its start and end."""
    @pytest.hookimpl(hookwrapper=True)
    def wrapper(session):
        mark(f"{label} start")
        yield
        mark(f"{label} end")
    return wrapper


pytest_collection = _around("collection")
pytest_collection_finish = _around("up-front check")
pytest_runtestloop = _around("items")
pytest_sessionfinish = _around("sessionfinish")


@pytest.hookimpl(hookwrapper=True)
def pytest_unconfigure(config):
    mark("unconfigure start")
    yield
    mark("unconfigure end")
    cpu = time.process_time()
    mark(f"    the pytest process's own cpu {cpu:.3f} s")
    prev = 0.0
    lines = []
    for t, what in MARKS:
        lines.append(f"{t:7.3f} (+{t - prev:6.3f})  {what}")
        prev = t
    for tail in ("renderers", "workers"):
        try:
            with open(f"{OUT}.{tail}", encoding="utf-8") as fh:
                lines += [f"{tail}:", *sorted(fh.read().splitlines())]
        except OSError:
            pass
    with open(OUT, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
