"""``python -m checks check SEEDS --report-dir OUT [--dask ADDRESS]``: the checks without
pytest, in this process or on a Dask cluster (see ``checks/distributed.py`` and
``docs/distributed.md``).

SEEDS is a folder or an fsspec URL (``s3://bucket/seeds``, ``gs://...``). The report
is the one ``python -m pytest --seeds SEEDS --report-dir OUT`` writes (timestamps
aside), and so are the exit codes: 0 no failing finding, 1 a failing finding (or a
corpus check that crashed, reports that cannot be written, a Dask run that
failed), 2 interrupted (the
previous reports are left whole), 4 usage error (a missing folder, a bad setting, a
corrupt baseline, a Dask address that cannot be reached, dask not installed).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tomllib
from pathlib import Path

EXIT_OK, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_USAGE = 0, 1, 2, 4


def add_arguments(p: argparse.ArgumentParser) -> None:
    from .model import SEVERITIES

    p.add_argument("seeds", metavar="SEEDS",
                   help="the seeds: a folder, or an fsspec URL (s3://bucket/seeds, "
                        "gs://bucket/seeds, file:///data/seeds)")
    p.add_argument("--report-dir", metavar="OUT", default="reports",
                   help="where report.json/.md/.sarif/.html go (default: reports)")
    p.add_argument("--dask", metavar="ADDRESS", default=None,
                   help="run on a Dask cluster: a scheduler address (tcp://host:8786) or "
                        "local:N for a LocalCluster of N worker processes (needs "
                        "pip install -e \".[dask]\")")
    p.add_argument("--fail-on", choices=SEVERITIES, default=None,
                   help="lowest severity that fails (default: error)")
    p.add_argument("--baseline", metavar="FILE", default=None,
                   help="baseline file (default: <seeds>/.seedcheck-baseline.json)")
    p.add_argument("--seedcheck-config", metavar="FILE", default=None,
                   help="read [tool.seedcheck] from FILE (default: ./pyproject.toml)")
    p.add_argument("--cache-dir", metavar="DIR_OR_URL", default=None,
                   help="per-shard result files (default: OUT/.seedcheck-cache); with a "
                        "remote cluster, a location every worker can reach")
    p.add_argument("--no-cache", action="store_true",
                   help="neither read nor write result files")
    p.add_argument("--shard-size", type=int, default=None, metavar="N",
                   help="average seeds per shard (default: 500)")
    p.add_argument("--quiet", "-q", action="store_true",
                   help="no console report, only progress and the summary line")


class UsageError(Exception):
    pass


def _ini(pyproject: Path | None) -> dict:
    if pyproject is None:
        return {}
    try:
        data = tomllib.loads(pyproject.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}  # config.load reports a broken file
    return data.get("tool", {}).get("pytest", {}).get("ini_options", {}) or {}


def _load_baseline(bl_arg: str | None, ini_bl: str | None, cfg, base: Path, src):
    from . import baseline as baseline_mod

    if bl_arg:
        return baseline_mod.load((Path.cwd() / bl_arg).resolve())
    if ini_bl or cfg.baseline:
        return baseline_mod.load((base / (ini_bl or cfg.baseline)).resolve())
    if src.root is not None:
        return baseline_mod.load(src.root / baseline_mod.FILENAME)
    # a URL: the baseline next to the seeds, when there is one
    fs, path = src.fs()
    remote = f"{path}/{baseline_mod.FILENAME}"
    try:
        data = fs.cat_file(remote) if fs.exists(remote) else None
    except Exception as exc:
        raise baseline_mod.BaselineError(f"baseline {src.url}/{baseline_mod.FILENAME} "
                                         f"cannot be read: {exc}") from None
    if data is None:
        return baseline_mod.Baseline(Path(baseline_mod.FILENAME))
    with tempfile.TemporaryDirectory() as tmp:
        local = Path(tmp) / baseline_mod.FILENAME
        local.write_bytes(data)
        bl = baseline_mod.load(local)
    bl.path = Path(f"{src.url}/{baseline_mod.FILENAME}")
    return bl


def prepare(seeds: str, *, config_file: str | None, fail_on: str | None,
            baseline: str | None, base: Path | None = None):
    """(source, config, fail_on, baseline) or UsageError with the message."""
    from . import baseline as baseline_mod
    from . import config as config_mod
    from . import distributed as dist
    from . import registry

    base = base or Path.cwd()
    if config_file:
        cfg_path = Path(config_file)
        if not cfg_path.is_file():
            raise UsageError(f"--seedcheck-config {config_file}: no such file")
    else:
        cfg_path = base / "pyproject.toml"
        cfg_path = cfg_path if cfg_path.is_file() else None
    # the pytest ini settings (seedcheck_fail_on, seedcheck_baseline) of ./pyproject.toml
    ini = _ini(base / "pyproject.toml" if (base / "pyproject.toml").is_file() else None)
    try:
        src = dist.make_source(seeds, base)
    except dist.DistributedError as exc:
        raise UsageError(str(exc)) from None
    try:
        cfg = config_mod.load(cfg_path)
        fail = fail_on or ini.get("seedcheck_fail_on") or cfg.fail_on
        fail = config_mod.check_fail_on(fail, "seedcheck_fail_on")
        registry.load_builtin()
        from .config_check import probe_options, validate_ids

        validate_ids(cfg)
        probe_options(cfg)
    except config_mod.ConfigError as exc:
        raise UsageError(f"seedcheck configuration: {exc}") from None
    try:
        bl = _load_baseline(baseline, ini.get("seedcheck_baseline"), cfg, base, src)
    except baseline_mod.BaselineError as exc:
        raise UsageError(str(exc)) from None
    return src, cfg, fail, bl


def main(args: argparse.Namespace) -> int:
    """The ``check`` command; returns the exit code."""
    from . import distributed as dist
    from .report.console import to_ansi
    from .report.writer import write_reports

    def say(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    started = time.monotonic()
    try:
        src, cfg, fail_on, bl = prepare(args.seeds, config_file=args.seedcheck_config,
                                        fail_on=args.fail_on, baseline=args.baseline)
    except UsageError as exc:
        say(f"error: {exc}")
        return EXIT_USAGE
    out = (Path.cwd() / args.report_dir).resolve()
    cache = None if args.no_cache else (args.cache_dir or str(out / dist.CACHE_DIRNAME))
    client = cluster = None
    try:
        try:
            entries = dist.list_seeds(src)
        except Exception as exc:
            say(f"error: cannot list the seeds in {args.seeds}: {exc.__class__.__name__}: {exc}")
            return EXIT_USAGE
        job = dist.make_job(src, cfg, cache)
        if args.dask:
            try:
                client, cluster = dist.connect(args.dask)
            except dist.DistributedError as exc:
                say(f"error: {exc}")
                return EXIT_USAGE
            link = dist.dashboard_link(client)
            say(f"seedcheck: Dask cluster {args.dask}"
                + (f", dashboard {link}" if link else ""))
        if cache is None:
            say("seedcheck: cache off (--no-cache): every seed is checked")
        elif client is not None and not dist.is_url(cache) and cluster is None:
            say(f"seedcheck: result files in {cache}: reused only if every worker sees "
                "this folder (else give --cache-dir a shared location or URL)")
        res = dist.run(job, entries, client=client,
                       shard_size=args.shard_size or dist.SHARD_SIZE,
                       progress=dist.ConsoleProgress(say))
    except KeyboardInterrupt:
        say(f"seedcheck: interrupted: the reports in {out} were left as they were")
        return EXIT_INTERRUPTED
    except dist.DistributedError as exc:
        say(f"error: {exc}; the reports in {out} were left as they were")
        return EXIT_USAGE
    except Exception as exc:  # the cluster failed (scheduler gone, a task killed 3 times)
        if client is None:
            raise  # in this process: a seedcheck bug, keep the traceback
        say(f"error: the Dask run failed ({exc.__class__.__name__}: {str(exc)[:300]}); "
            f"the reports in {out} were left as they were")
        return EXIT_FAILED
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
    report, failing, crashes = assemble(res, bl, fail_on, src.label,
                                        time.monotonic() - started)
    code = EXIT_FAILED if failing or crashes else EXIT_OK
    for line in crashes:
        say(f"seedcheck: ERROR: {line}")
    locators = dict(entries)
    lookup = dist.line_lookup(src, locators, cfg.max_file_bytes)
    if not args.quiet:
        import shutil

        width = max(60, min(shutil.get_terminal_size((120, 24)).columns, 160))
        sys.stdout.write(to_ansi(report, width=width, color=sys.stdout.isatty(),
                                 line_lookup=lookup))
        sys.stdout.flush()
    if not entries:
        say(f"seedcheck: no seed files (*.txt) under {src.label}")
    try:
        written = write_reports(out, report, src.root or Path("."), lookup,
                                base_uri=src.base_uri)
    except OSError as exc:
        say(f"seedcheck: ERROR: cannot write reports to {out}: {exc.strerror or exc}")
        return EXIT_FAILED
    if cache is not None and entries:
        dist.ResultFiles(cache).prune(res.used_cache)
    say(f"seedcheck: reports written to {out} ({', '.join(p.name for p in written)}); "
        f"{report['summary']['failing']} failing finding(s), "
        f"{res.cached_shards}/{res.shards} shards from cache")
    return code


def assemble(res, bl, fail_on: str, seeds_label: str, duration: float):
    """(report, failing findings, crash lines): what the pytest controller builds from
    its items, from a :class:`checks.distributed.RunResult`."""
    from . import distributed as dist
    from .model import fails
    from .report.build import build_report

    per_seed, per_cat = dist.findings_of(res)
    findings = [f for fs in per_seed.values() for f in fs]
    crashes: list[str] = []
    for cat, r in res.corpus.items():
        if r.get("crash"):
            crashes += r["crash"]
        else:
            findings += per_cat[cat]
    for f in findings:
        f.baselined = bl.accepts(f)
    findings.sort(key=lambda f: f.sort_key())
    stale = bl.stale(findings, set(res.files))
    report = build_report(list(res.files.values()), findings, seeds_dir=seeds_label,
                          duration_s=duration, fail_on=fail_on, stale_baseline=stale)
    failing = [f for f in findings if fails(f.severity, fail_on) and not f.baselined]
    return report, failing, crashes
