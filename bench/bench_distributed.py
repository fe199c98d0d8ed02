"""Benchmark of distributed runs (not a test): a LocalCluster of N worker processes
against the same map/reduce in one process, on synthetic corpora.

    python bench/bench_distributed.py --sizes 10000 50000 --workers 2

For every size it generates the corpus (``bench/gen_corpus.py``, reused when present)
and runs, each in a fresh Python process, with nothing cached:

* ``local``: ``checks.distributed.run`` in one process (what ``python -m checks check
  SEEDS`` does without ``--dask``);
* ``dask``: the same on a ``LocalCluster`` of ``--workers`` processes of one thread.

For each run: wall time of the map (file checks and index features) and of every
corpus category's reduce, seeds per second, the summed per-shard task time (the
per-seed cost), peak resident memory of the driver and of every worker (``ru_maxrss``;
a worker's includes its imports), and a hash of the report (timestamps aside) to show
the two runs agree. The machine's load average is recorded before each run: other
work on this shared machine inflates wall time.

Writes ``bench/out/distributed/results.json`` (``--out``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def report_hash(res, label: str) -> tuple[dict, list, str]:
    """The report of a run (as the pytest plugin assembles it), its failing seeds, and the
    first 16 hex digits of a hash of it without its timestamp and duration (the hashes in
    docs/distributed.md)."""
    from checks.baseline import Baseline
    from checks.runner import assemble

    report, failing, _ = assemble(res, Baseline(Path("x")), "error", label, 0.0)
    report.pop("generated_at")
    report["summary"].pop("duration_s")
    digest = hashlib.sha256(json.dumps(report, ensure_ascii=False, sort_keys=True)
                            .encode()).hexdigest()[:16]
    return report, failing, digest


def inner(mode: str, corpus: Path, shard_size: int) -> dict:
    """One run in this process; returns its measurements."""
    from checks import distributed as dist
    from checks.config import Config

    client = cluster = None
    workers_idle = {}
    if mode.startswith("dask:"):
        import logging

        import distributed

        cluster = dist.local_cluster(int(mode[5:]), silence_logs=logging.ERROR)
        client = distributed.Client(cluster)
        client.run(lambda: __import__("checks.engine"))
        workers_idle = client.run(peak_mb)
    src = dist.make_source(str(corpus))
    job = dist.make_job(src, Config(), None)
    t0 = time.monotonic()
    entries = dist.list_seeds(src)
    marks: dict = {"listed": time.monotonic() - t0}

    def progress(kind, info):
        now = time.monotonic() - t0
        if kind == "shard" and info["done"] == info["total"]:
            marks["map_done"] = now
        elif kind == "reduce":
            marks[f"reduce:{info['category']}"] = round(info["seconds"], 2)
            marks["reduce_done"] = now

    res = dist.run(job, entries, client=client, shard_size=shard_size, progress=progress)
    wall = time.monotonic() - t0
    report, failing, digest = report_hash(res, src.label)
    out = {
        "mode": mode, "seeds": len(entries), "shards": res.shards,
        "wall_s": round(wall, 1), "map_wall_s": round(marks.get("map_done", 0), 1),
        "reduce_wall_s": round(marks.get("reduce_done", 0) - marks.get("map_done", 0), 1),
        "reduce_task_s": {k[7:]: v for k, v in marks.items() if k.startswith("reduce:")},
        "seeds_per_s": round(len(entries) / max(marks.get("map_done", wall), 1e-9), 1),
        "findings": report["summary"]["findings"], "report_hash": digest,
        "driver_peak_mb": peak_mb(),
    }
    if client is not None:
        out["worker_idle_mb"] = sorted(workers_idle.values())
        out["worker_peak_mb"] = sorted(client.run(peak_mb).values())
        client.close()
        cluster.close()
    return out


def feature_sizes(corpus: Path, n: int = 300) -> dict:
    """Pickled bytes per seed of every corpus index, on a sample of ``n`` seeds."""
    import pickle

    from checks import distributed as dist
    from checks.cache import index_features
    from checks.config import Config

    src = dist.make_source(str(corpus))
    job = dist.make_job(src, Config(), None)
    entries = dist.list_seeds(src)[:n]
    sizes = {i: 0 for i in job.indexes}
    for rel, loc in entries:
        seed = job.read(rel, loc)
        for i, v in index_features(seed, job.config, job.indexes).items():
            sizes[i] += len(pickle.dumps(v, protocol=pickle.HIGHEST_PROTOCOL))
    return {i: round(s / len(entries)) for i, s in sizes.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10000])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--shard-size", type=int, default=500)
    ap.add_argument("--out", type=Path, default=HERE / "out" / "distributed")
    ap.add_argument("--modes", nargs="+", default=["local", "dask"],
                    choices=["local", "dask"], help="which runs (default: both)")
    ap.add_argument("--append", action="store_true",
                    help="add the runs to an existing results.json")
    ap.add_argument("--inner", nargs=2, metavar=("MODE", "CORPUS"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.inner:
        print(json.dumps(inner(args.inner[0], Path(args.inner[1]), args.shard_size)))
        return 0
    import gen_corpus

    args.out.mkdir(parents=True, exist_ok=True)
    results = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                           "platform": platform.platform()},
               "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "runs": []}
    path = args.out / "results.json"
    if args.append and path.exists():
        results = json.loads(path.read_text())
    for size in args.sizes:
        corpus = args.out / f"corpus-{size}"
        if not (corpus / ".manifest.json").exists():
            gen_corpus.generate(size, corpus)
        results.setdefault("feature_bytes_per_seed", feature_sizes(corpus))
        for mode in [m if m == "local" else f"dask:{args.workers}" for m in args.modes]:
            before = load()
            p = subprocess.run([sys.executable, __file__, "--inner", mode, str(corpus),
                                "--shard-size", str(args.shard_size)],
                               capture_output=True, text=True)
            if p.returncode != 0:
                print(p.stderr[-3000:], file=sys.stderr)
                return 1
            run = json.loads(p.stdout.strip().splitlines()[-1])
            run.update(size=size, load_before=before, load_after=load())
            results["runs"].append(run)
            print(json.dumps(run), flush=True)
            path.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
