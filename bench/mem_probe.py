"""Where a worker's memory goes during a distributed run (a measurement, not a test).

    python bench/mem_probe.py bench/out/distributed/corpus-10000 --workers 2

Runs ``checks.distributed.run`` on a LocalCluster of ``--workers`` processes and, every
``--every`` seconds, asks every worker for its resident memory (``VmRSS``), its peak
(``VmHWM``) and the results it holds (Dask's ``nbytes`` of every key in memory, grouped
by task name: ``map``, ``feat-figure``, ``part-figure-store``, ...). Prints, per worker,
the sample at its highest RSS (with the holders at that moment) and the largest amount
each group ever held; writes every sample to ``--out`` (JSON lines).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

_KEY = re.compile(r"^seedcheck-(?:part-)?[0-9a-f]{10}-")


def group_of(key) -> str:
    k = key if isinstance(key, str) else str(key)
    if not k.startswith("seedcheck-"):
        return "other"
    part = "part-" if k.startswith("seedcheck-part-") else ""
    k = _KEY.sub("", k)
    k = re.sub(r"(-\d+)+$", "", k)
    return part + k


def _status() -> dict:
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS", "VmHWM")):
            out[line.split(":")[0]] = int(line.split()[1]) // 1024
    return out


def reset_peak() -> None:
    """Set this process's ``VmHWM`` to its ``VmRSS`` (Linux: ``clear_refs`` 5), so a
    later ``VmHWM - VmRSS before`` is what was allocated since at the highest."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def probe(dask_worker=None) -> dict:
    held: dict[str, list] = {}
    data = dask_worker.data
    on_disk = set(getattr(data, "disk", {}) or {})
    disk_mb = 0.0
    for key, ts in list(dask_worker.state.tasks.items()):
        if ts.state == "memory":
            if key in on_disk:  # spilled: not in the process's memory
                disk_mb += (ts.nbytes or 0) / 2**20
                continue
            g = held.setdefault(group_of(key), [0, 0])
            g[0] += 1
            g[1] += ts.nbytes or 0
    st = _status()
    return {"rss": st.get("VmRSS"), "hwm": st.get("VmHWM"),
            "spilled_mb": round(disk_mb, 1), "spilled_keys": len(on_disk),
            "held": {g: (n, round(b / 2**20, 1)) for g, (n, b) in held.items()},
            "executing": sorted({group_of(t.key) for t in dask_worker.state.tasks.values()
                                 if t.state == "executing"})}


def heap(top: int = 12) -> dict:
    """What a process's memory is made of (run on every worker with ``client.run``):
    glibc's ``mallinfo2`` (heap in use, free in the heap, large blocks mapped on
    their own), pymalloc's arenas (``sys._debugmallocstats``: bytes in blocks in use,
    free in arenas), Python objects by type (``gc``, with ``sys.getsizeof``: shallow)."""
    import ctypes
    import gc
    import os
    import sys
    import tempfile

    class MI2(ctypes.Structure):
        _fields_ = [(n, ctypes.c_size_t) for n in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
            "uordblks", "fordblks", "keepcost")]

    gc.collect()
    out = {"status": _status()}
    try:
        f = ctypes.CDLL("libc.so.6").mallinfo2
        f.restype = MI2
        mi = f()
        out["glibc_mb"] = {k: round(getattr(mi, k) / 2**20, 1)
                           for k in ("arena", "hblkhd", "uordblks", "fordblks")}
    except Exception as exc:  # not glibc
        out["glibc_mb"] = repr(exc)
    # sys._debugmallocstats writes to the C stderr: catch it in a file
    fd = os.dup(2)
    with tempfile.TemporaryFile("w+") as tmp:
        os.dup2(tmp.fileno(), 2)
        try:
            sys._debugmallocstats()
        finally:
            sys.stderr.flush()
            os.dup2(fd, 2)
            os.close(fd)
        tmp.seek(0)
        text = tmp.read()
    pym = {}
    for line in text.splitlines():
        line = line.strip()
        for label, name in (("# arenas allocated current", "arenas (1 MB)"),
                            ("# bytes in allocated blocks", "in use MB"),
                            ("# bytes in available blocks", "free blocks MB"),
                            ("unused pools", "unused pools MB"), ("Total", "arenas MB")):
            if label in line and name not in pym:
                v = int(line.split("=")[-1].replace(",", "").strip())
                pym[name] = v if name.startswith("arenas (") else round(v / 2**20, 1)
    out["pymalloc"] = pym
    by_type: dict[str, list] = {}
    for o in gc.get_objects():
        t = type(o).__name__
        e = by_type.setdefault(t, [0, 0])
        e[0] += 1
        try:
            e[1] += sys.getsizeof(o)
        except Exception:
            pass
    out["gc_types"] = sorted(((t, n, round(b / 2**20, 1)) for t, (n, b) in by_type.items()),
                             key=lambda x: -x[2])[:top]
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--partitions", type=int, default=None)
    ap.add_argument("--shard-size", type=int, default=500)
    ap.add_argument("--every", type=float, default=1.0)
    ap.add_argument("--results-mb", type=int, default=None,
                    help="results a worker keeps in memory before spilling to disk "
                         "(default: checks.distributed.RESULTS_IN_MEMORY_MB; 100000: never)")
    ap.add_argument("--heap", action="store_true",
                    help="also print what each worker's memory is made of (bench heap()) "
                         "at the end of the map and at the end")
    ap.add_argument("--reports", type=Path, default=None,
                    help="also build the console text and write the four reports there, "
                         "as `python -m checks check` does (the driver's peak includes them)")
    ap.add_argument("--out", type=Path, default=HERE / "out" / "mem_probe.jsonl")
    args = ap.parse_args()

    import logging

    import distributed

    from checks import distributed as dist
    from checks.config import Config

    cluster = dist.local_cluster(args.workers, silence_logs=logging.ERROR,
                                 **({} if args.results_mb is None
                                    else {"results_mb": args.results_mb}))
    client = distributed.Client(cluster)
    src = dist.make_source(str(args.corpus))
    job = dist.make_job(src, Config(), None)
    entries = dist.list_seeds(src)
    samples: list[dict] = []
    phase = {"now": "map"}
    stop = threading.Event()
    t0 = time.monotonic()

    def sample():
        while not stop.is_set():
            try:
                got = client.run(probe)
            except Exception:
                got = {}
            samples.append({"t": round(time.monotonic() - t0, 1), "phase": phase["now"],
                            "driver": _status(), "workers": got})
            stop.wait(args.every)

    heaps = {}

    def progress(kind, info):
        if kind == "shard" and info["done"] == info["total"]:
            phase["now"] = "reduce"
            if args.heap:
                # before the driver's release_memory (which comes next): the map's state
                heaps["end of map"] = client.run(heap)
        elif kind == "reduce":
            print(f"reduce {info['category']}: {info['seconds']:.1f} s", flush=True)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    res = dist.run(job, entries, client=client, shard_size=args.shard_size,
                   progress=progress, partitions=args.partitions)
    stop.set()
    th.join()
    wall = time.monotonic() - t0
    driver = {"run": _status()["VmHWM"]}
    # the report, as bench_distributed.py builds it (the driver's peak includes it)
    from bench_distributed import report_hash

    report, _failing, digest = report_hash(res, src.label)
    driver["report built, hashed"] = _status()["VmHWM"]
    final = client.run(_status)
    if args.reports:
        # what `python -m checks check` does next in its process: the console text and
        # the four report files (report.json, .md, .sarif, .html)
        from checks.report.console import to_ansi
        from checks.report.writer import write_reports

        report.setdefault("generated_at", "2026-01-01T00:00:00Z")
        report["summary"].setdefault("duration_s", round(wall, 1))
        lookup = dist.line_lookup(src, dict(entries), job.config.max_file_bytes)
        text = to_ansi(report, width=120, color=False, line_lookup=lookup)
        driver["console text"] = _status()["VmHWM"]
        del text
        written = write_reports(args.reports, report, src.root or Path("."), lookup,
                                base_uri=src.base_uri)
        driver["reports written"] = _status()["VmHWM"]
        # write_reports renders large reports in forked processes (reaped by now; the
        # workers are not yet): their largest peak, shared pages with this one included
        import resource

        driver["report renderers (forked)"] = \
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
        print("reports: " + ", ".join(f"{p.name} {p.stat().st_size / 2**20:.0f} MB"
                                      for p in written))
    print("driver peak (VmHWM) after each step: " + json.dumps(driver))
    if args.heap:
        heaps["end"] = client.run(heap)
        for when, got in heaps.items():
            for w, h in sorted(got.items()):
                print(f"heap {when} {w}: {json.dumps(h)}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w") as fh:
        for s in samples:
            fh.write(json.dumps(s) + "\n")
    names = sorted({w for s in samples for w in s["workers"]})
    print(f"{len(entries)} seeds, {res.shards} shards, wall {wall:.1f} s (run), "
          f"{report['summary']['findings']} findings, report {digest}; driver peak "
          f"{_status()['VmHWM']} MB (report built); workers' peaks (VmHWM) "
          f"{sorted(v['VmHWM'] for v in final.values())} MB")
    for w in names:
        ss = [s for s in samples if w in s["workers"]]
        top = max(ss, key=lambda s: s["workers"][w]["rss"] or 0)
        tw = top["workers"][w]
        managed = sum(b for _n, b in tw["held"].values())
        print(f"\nworker {w}: peak RSS sampled {tw['rss']} MB at {top['t']} s "
              f"({top['phase']}), VmHWM at the end {ss[-1]['workers'][w]['hwm']} MB; "
              f"held results then {managed:.0f} MB in memory, "
              f"{tw.get('spilled_mb', 0):.0f} MB on disk; executing {tw['executing']}")
        for g, (n, b) in sorted(tw["held"].items(), key=lambda kv: -kv[1][1])[:12]:
            print(f"   {g:28s} {n:5d} keys {b:8.1f} MB")
        most: dict[str, float] = {}
        for s in ss:
            for g, (_n, b) in s["workers"][w]["held"].items():
                most[g] = max(most.get(g, 0), b)
        print(f"  most ever spilled: {max(s['workers'][w].get('spilled_mb', 0) for s in ss):.0f} MB")
        print("  most ever held: " + ", ".join(
            f"{g} {b:.0f}" for g, b in sorted(most.items(), key=lambda kv: -kv[1])[:10]))
    client.close()
    cluster.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
