"""The CPU a fresh process spends on its first seed: what a one-seed run's warm worker
(checks/parallel.py, ``_warm``) spends loading the typo tables and building the kernel's
objects before it checks the changed seed (not a test, not the benchmark).

    python bench/warmup_cpu.py TABLES_DIR [--seed FILE_OR_FOLDER] [--profile OUT.prof]
    python bench/warmup_cpu.py --ab BEFORE AFTER --runs N [--seed ...]

One run: imports the checks, reads one seed (the first ``*.txt`` of a folder), then times
``cache.index_features`` (the indexes the corpus checks read) and ``engine.check_seed`` of
it with ``typo_data.TABLES_DIR`` set to ``TABLES_DIR`` (the tables file is written at the
end when the run built a table: run once first so that it is there), and prints the CPU
and wall seconds of that part. ``--ab``: the two code trees (each with its own compiled
kernel) in turn, each in a fresh process with a tables folder of its own under
``/tmp/warmup-cpu-*``, ``N`` pairs, the order swapped every other pair (the host is
shared: alternate, and read ranges).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve()


def one(args) -> int:
    from checks import cache, engine, registry, typo_data
    from checks.config import Config
    from checks.seed import read_seed

    registry.load_builtin()
    cfg = Config()
    typo_data.TABLES_DIR = Path(args.tables)
    p = Path(args.seed)
    if p.is_dir():
        p = sorted(p.glob("*.txt"))[0]
    seed = read_seed(p, p.name, cfg.max_file_bytes)
    indexes = cache.needed_indexes(cfg)

    def go():
        cache.index_features(seed, cfg, indexes)
        engine.check_seed(seed, cfg)

    c0, w0 = time.process_time(), time.perf_counter()
    if args.profile:
        import cProfile

        cProfile.runctx("go()", globals(), locals(), args.profile)
    else:
        go()
    c1, w1 = time.process_time(), time.perf_counter()
    wrote = typo_data.save_tables()
    print(f"warm-up cpu {c1 - c0:.3f} s wall {w1 - w0:.3f} s"
          f"{' (tables file written)' if wrote else ''}")
    return 0


def ab(args) -> int:
    trees = {"before": Path(args.ab[0]).resolve(), "after": Path(args.ab[1]).resolve()}

    def run(who: str) -> str:
        tree = trees[who]
        tables = Path(f"/tmp/warmup-cpu-{who}")
        tables.mkdir(exist_ok=True)
        out = subprocess.run([sys.executable, str(HERE), str(tables), "--seed",
                              str(Path(args.seed).resolve())],
                             cwd=tree, env=dict(os.environ, PYTHONPATH=str(tree)),
                             capture_output=True, text=True)
        return (out.stdout.strip().splitlines() or [out.stderr.strip()[-200:]])[-1]

    for who in trees:  # (the tables files written)
        run(who)
    for i in range(args.runs):
        for who in (("before", "after") if i % 2 == 0 else ("after", "before")):
            print(f"{time.strftime('%H:%M:%S', time.gmtime())} {who:6} {run(who)}",
                  flush=True)
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("tables", nargs="?", help="the tables folder (typo_data.TABLES_DIR)")
    ap.add_argument("--seed", default=str(HERE.parents[1] / "seeds"),
                    help="a seed, or a folder whose first *.txt is taken (default: seeds/)")
    ap.add_argument("--profile", default=None, help="cProfile the warm-up into this file")
    ap.add_argument("--ab", nargs=2, metavar=("BEFORE", "AFTER"), default=None)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    if args.ab:
        return ab(args)
    if not args.tables:
        ap.error("TABLES_DIR (or --ab BEFORE AFTER)")
    return one(args)


if __name__ == "__main__":
    sys.exit(main())
