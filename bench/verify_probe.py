"""Memory of the figure reduce's verification tasks, in one process (a measurement, not
a test).

    python bench/verify_probe.py /tmp/sc14/corpus-10000 --partitions 2 --maps /tmp/maps.pkl

Maps every shard once (``map_shard``; with ``--maps``, the shards' metas and figure
blobs are kept in that file and reused), then runs the partitioned figure steps of
``checks/partition.py`` in this process and, for every verification partition,
measures ``partition.verify`` on its own: its inputs (the pickled selections of every
shard, its routed pairs), the peak of traced Python memory during the task
(``tracemalloc``, above what was traced before it), the peak resident memory of the
process during the task (``VmHWM`` after resetting it), its CPU time, and a hash of its
findings (to show that a change of the verification keeps them).
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import pickle
import sys
import time
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


from mem_probe import _status as status, reset_peak  # noqa: E402  (the cluster probe's)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--partitions", type=int, default=2)
    ap.add_argument("--shard-size", type=int, default=500)
    ap.add_argument("--maps", type=Path, default=None)
    ap.add_argument("--only", type=int, nargs="*", default=None,
                    help="verification partitions to measure (default: all)")
    ap.add_argument("--no-trace", action="store_true", help="RSS only (faster)")
    args = ap.parse_args()

    from checks import distributed as dist
    from checks import partition
    from checks.config import Config

    src = dist.make_source(str(args.corpus))
    job = dist.make_job(src, Config(), None)
    if args.maps and args.maps.exists():
        metas, blobs = pickle.loads(args.maps.read_bytes())
    else:
        shards = dist.make_shards(dist.list_seeds(src), args.shard_size)
        metas, blobs = [], []
        t0 = time.monotonic()
        for i, sh in enumerate(shards):
            r = dist.map_shard(job, sh)
            metas.append(dist.select_meta(r, sh))
            blobs.append(dist.select_features(r, "figure"))
            del r
            print(f"map {i + 1}/{len(shards)} {time.monotonic() - t0:.0f} s", flush=True)
        if args.maps:
            args.maps.write_bytes(pickle.dumps((metas, blobs), protocol=5))
    dist.release_memory()
    # what the verification decided, before findings (the synthetic corpus has few or no
    # conflicts across files): a digest of the agreeing keys and conflicts per file pair
    from checks.rules import figure as fig

    seen: dict = {}
    pair_hits = fig.pair_hits

    def recording(corpus, paths, feats, agreeing, conflicts, min_agree):
        h = hashlib.sha256()
        for pair in sorted(agreeing):
            h.update(repr((pair, sorted(agreeing[pair]))).encode())
        for pair in sorted(conflicts):
            h.update(repr((pair, [(a, b, [(x, y) for x, y in d])
                                  for a, b, d in conflicts[pair]])).encode())
        seen.update(agreeing_pairs=len(agreeing), conflicting_pairs=len(conflicts),
                    decided=h.hexdigest()[:16])
        yield from pair_hits(corpus, paths, feats, agreeing, conflicts, min_agree)

    fig.pair_hits = recording
    P = args.partitions
    base = partition.bases([len(m) for m in metas])
    splits = [partition.split_shard(job, "figure", b, m, o, P)
              for b, m, o in zip(blobs, metas, base)]
    cands = [partition.candidates(job, "figure", [s[p] for s in splits], P) for p in range(P)]
    del splits
    small = partition.small_of([partition.small_part(c) for c in cands])
    gc.collect()
    dist._trim()
    print(f"{sum(len(m) for m in metas)} seeds, {len(metas)} shards, P = {P}; "
          f"figure blobs {sum(len(b or b'') for b in blobs) / 2**20:.1f} MB; "
          f"process {status()}", flush=True)
    rows = []
    for q in (args.only if args.only is not None else range(P)):
        routed = [partition.routed_to(c, q) for c in cands]
        need = partition.needs(job, "figure", routed)
        sel = [partition.select(job, "figure", b, m, o, need)
               for b, m, o in zip(blobs, metas, base)]
        del need
        gc.collect()
        dist._trim()
        before = status()
        reset_peak()
        if not args.no_trace:
            tracemalloc.start()
        t = time.process_time()
        out = partition.verify(job, "figure", routed, sel, small)
        cpu = time.process_time() - t
        peak = tracemalloc.get_traced_memory()[1] if not args.no_trace else 0
        tracemalloc.stop()
        after = status()
        digest = hashlib.sha256(repr((sorted(
            (p, [(f.start, f.end, f.message, k) for f, k in items])
            for p, items in out["keyed"].items()), seen.get("decided"))).encode()
                                ).hexdigest()[:16]
        def size(s):
            return len(s) if isinstance(s, bytes) else len(s[0]) + sum(len(b) for b in s[1])

        row = {"q": q, "selections_mb": round(sum(size(s) for s in sel) / 2**20, 1),
               "routed_mb": round(sum(r.nbytes for r in routed) / 2**20, 1),
               "traced_peak_mb": round(peak / 2**20, 1),
               "rss_before_mb": before["VmRSS"], "hwm_during_mb": after["VmHWM"],
               "rise_mb": after["VmHWM"] - before["VmRSS"], "cpu_s": round(cpu, 1),
               "hits": sum(len(v) for v in out["keyed"].values()), **seen,
               "hash": digest}
        rows.append(row)
        print(json.dumps(row), flush=True)
        del out, sel, routed
        seen.clear()
    allh = hashlib.sha256("".join(r["hash"] for r in rows).encode()).hexdigest()[:16]
    print(f"all partitions' findings hash {allh}; largest rise "
          f"{max(r['rise_mb'] for r in rows)} MB, largest traced peak "
          f"{max(r['traced_peak_mb'] for r in rows)} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
