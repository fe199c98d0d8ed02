"""The typo reduce's memory in one process (a measurement, not a test).

    python bench/typo_reduce_probe.py CORPUS --seeds 10000 --blobs /tmp/blobs-10000.pkl --mode args
    python bench/typo_reduce_probe.py CORPUS --seeds 10000 --blobs /tmp/blobs-10000.pkl --mode refs

Maps the first ``--seeds`` seeds of CORPUS here (shards of 500; kept in ``--blobs``, and
read from there when that file exists), writes each shard's typo blob to a file of its
own, runs the typo reduce once to load the tables (as a worker has them after its map),
then once under ``tracemalloc``, the blobs read from their files after tracing starts:

* ``args``: every blob read first and passed in a list, held until the reduce returns
  (what Dask does with a task's arguments: the code before ``BlobRef``);
* ``refs``: ``BlobRef`` entries, each blob read from its file when the reduce comes to it
  (``merge_blobs``: what a worker does with ``BlobRef``).

Prints the compressed blobs' size, the traced peak, CPU, and a digest of the findings.
"""

from __future__ import annotations

import argparse
import contextlib
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


def main() -> None:
    from checks import distributed as dist
    from checks.config import Config

    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("--seeds", type=int, default=2000)
    ap.add_argument("--blobs", type=Path, required=True)
    ap.add_argument("--mode", choices=("args", "refs"), required=True)
    args = ap.parse_args()
    src = dist.make_source(args.corpus)
    job = dist.make_job(src, Config(), None)
    if args.blobs.exists():
        with args.blobs.open("rb") as fh:
            metas, blobs = pickle.load(fh)
        if isinstance(blobs, dict):  # {index: blobs}
            blobs = blobs["typo"]
    else:
        shards = dist.make_shards(dist.list_seeds(src)[:args.seeds], 500)
        metas, blobs = [], []
        for shard in shards:
            r = dist.map_shard(job, shard)
            metas.append(dist.select_meta(r, shard))
            blobs.append(r["features"].get("typo"))
        with args.blobs.open("wb") as fh:
            pickle.dump((metas, blobs), fh)
    folder = args.blobs.with_suffix(".d")
    folder.mkdir(exist_ok=True)
    for n, b in enumerate(blobs):
        (folder / str(n)).write_bytes(pickle.dumps(b))
    nb, size = len(blobs), sum(len(b) for b in blobs if b)
    del blobs

    def load(n: int):
        return pickle.loads((folder / str(n)).read_bytes())

    dist.reduce_category(job, "typo", metas, {"typo": [load(n) for n in range(nb)]})
    gc.collect()
    tracemalloc.start()
    t = time.process_time()
    if args.mode == "args":
        held = (job, "typo", metas, {"typo": [load(n) for n in range(nb)]})
        r = dist.reduce_category(*held)
    else:
        dist._blob_fetcher = lambda: contextlib.nullcontext(lambda ref: load(int(ref.key)))
        r = dist.reduce_category(job, "typo", metas,
                                 {"typo": [dist.BlobRef(str(n)) for n in range(nb)]})
    cpu = time.process_time() - t
    peak = tracemalloc.get_traced_memory()[1]
    digest = hashlib.sha256(json.dumps(r["findings"], sort_keys=True).encode()).hexdigest()
    print(f"{args.mode}: {sum(len(m) for m in metas)} seeds, {nb} blobs {size / 2**20:.1f} MB "
          f"(compressed); traced peak {peak / 2**20:.1f} MB; CPU {cpu:.1f} s; "
          f"{len(r['findings'])} findings {digest[:12]}")


if __name__ == "__main__":
    main()
