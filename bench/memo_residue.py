"""A worker's memory after the map, with the typo memos at their sizes or the old ones (not
a test).

    python bench/memo_residue.py CORPUS N new|old

Runs ``checks.distributed.map_shard`` on the first N seeds of CORPUS in shards of 119 in
this process, then ``release_memory``, and prints the largest resident set during the map
and the resident set after. ``old``: ``typo.language-model``'s run memo at 8,192 runs and
no clause memo (the sizes before 2026-12-06), to measure what the memos leave behind.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from checks import distributed as dist  # noqa: E402
from checks import typo_detect as T  # noqa: E402
from checks import typo_lm as L  # noqa: E402
from checks.config import Config  # noqa: E402

SHARD = 119


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[2] not in ("new", "old"):
        print("usage: " + __doc__.splitlines()[3].strip(), file=sys.stderr)
        return 2
    corpus, n, mode = argv[0], int(argv[1]), argv[2]
    if mode == "old":
        L._run_swaps = functools.lru_cache(maxsize=1 << 13)(L._run_swaps.__wrapped__)
        T._CLAUSES.maxsize = 0  # nothing kept
    src = dist.make_source(corpus)
    job = dist.make_job(src, Config(), None)
    entries = dist.list_seeds(src)[:n]
    peak = 0
    for i in range(0, len(entries), SHARD):
        dist.map_shard(job, entries[i:i + SHARD])
        peak = max(peak, dist._rss_mb() or 0)
    got = dist.release_memory()
    print(f"{mode}: {len(entries)} seeds; largest resident set during the map {peak} MB; "
          f"after release_memory {got['rss_mb']} MB ({got['entries']} memo entries emptied)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
