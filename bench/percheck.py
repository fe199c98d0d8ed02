"""CPU per seed of each file check and each index, in one process (not a test).

    python bench/percheck.py CORPUS [--step 5] [--prefix typo.]

Reads every ``--step``-th seed of CORPUS (a folder ``bench/gen_corpus.py`` wrote), runs
each file check (optionally only those whose id starts with ``--prefix``) and extracts
every index's features (after loading the tables on 20 other seeds), and prints
the CPU time (``time.process_time``) per seed of each: the per-seed cost of a cold run
that issue 13 weighs (a cold run is this, spread over the workers). Each check is timed
over all seeds at a time; checks that share a memo (the figure checks' statements, the
typo index's clauses) are charged in the order they run, so read the sum and the
groups rather than one check alone.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from checks import registry  # noqa: E402
from checks.cache import index_features  # noqa: E402
from checks.config import Config  # noqa: E402
from checks.engine import CheckContext, finalize  # noqa: E402
from checks.seed import read_seed  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--step", type=int, default=5)
    ap.add_argument("--prefix", default="")
    args = ap.parse_args()
    registry.load_builtin()
    cfg = Config()
    names = sorted(p.name for p in args.corpus.glob("*.txt"))[::args.step]
    specs = [s for s in registry.all_checks()
             if s.scope == "file" and s.id.startswith(args.prefix)]
    indexes = sorted(registry._INDEXES) if not args.prefix else []

    # (the tables are loaded on other seeds of the corpus: the timed seeds are met for
    # the first time, as in a cold run, whose memos fill as its seeds go by)
    others = sorted(p.name for p in args.corpus.glob("*.txt"))[1::args.step][:20]

    def read(which=names):
        return [read_seed(args.corpus / n, n) for n in which]

    def file_checks(seeds, spec):
        for seed in seeds:
            hits = list(spec.func(seed, CheckContext(cfg, spec.id)))
            finalize(spec, seed, hits, cfg)

    warm = read(others)  # tables and models loaded
    for spec in specs:
        file_checks(warm, spec)
    for seed in warm:
        index_features(seed, cfg, indexes)
    cpu: dict[str, float] = {}
    t = time.process_time()
    seeds = read()
    cpu["read"] = time.process_time() - t
    for spec in specs:
        t = time.process_time()
        file_checks(seeds, spec)
        cpu["file " + spec.id] = time.process_time() - t
    for name in indexes:
        t = time.process_time()
        for seed in seeds:
            index_features(seed, cfg, [name])
        cpu["index " + name] = time.process_time() - t
    n = len(seeds)
    total = sum(cpu.values())
    print(f"{n} seeds of {args.corpus}: {total / n * 1000:.2f} ms of CPU a seed")
    for k, v in sorted(cpu.items(), key=lambda kv: -kv[1]):
        print(f"  {k:40s} {v / n * 1000:7.3f} ms  {v / total * 100:5.1f} %")


if __name__ == "__main__":
    main()
