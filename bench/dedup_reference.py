"""A dedup-only pipeline a user could assemble instead of seedcheck (a benchmark
reference, not a test; needs the ``bench`` extra: ``pip install -e ".[bench]"``).

    python bench/dedup_reference.py DIR --out pairs.json

For every ``*.txt`` under DIR: the body (everything after the two header lines), white
space removed; character 5-shingles; a datasketch ``MinHash`` with 128 permutations
(``update_batch``, datasketch's default hash); a ``MinHashLSH`` index (Jaccard threshold
0.5); every candidate pair verified with ``rapidfuzz.fuzz.ratio`` ≥ 85 on the bodies.
Writes the verified pairs (and the counts) to ``--out``. ``run_bench.py`` runs it in the
same benchmark as seedcheck (wall, CPU, peak RSS) and checks that every pair it finds
is in one of seedcheck's duplicate groups (recall).
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

from datasketch import MinHash, MinHashLSH
from rapidfuzz import fuzz

NUM_PERM = 128
SHINGLE = 5
LSH_THRESHOLD = 0.5
MIN_RATIO = 85.0
MIN_CHARS = 200  # as seedcheck's near-duplicate check: shorter bodies are not compared
_WS = re.compile(r"\s+")


def body(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    lines = text.split("\n")
    return _WS.sub("", "\n".join(lines[2:]))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("seeds", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    paths = sorted(p for p in args.seeds.rglob("*.txt") if p.is_file())
    lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
    bodies: dict[str, str] = {}
    cands: set[tuple[str, str]] = set()
    for p in paths:
        rel = p.relative_to(args.seeds).as_posix()
        b = body(p)
        if len(b) < MIN_CHARS:
            continue
        bodies[rel] = b
        m = MinHash(num_perm=NUM_PERM)
        m.update_batch([b[i:i + SHINGLE].encode("utf-8")
                        for i in range(len(b) - SHINGLE + 1)])
        lsh.insert(rel, m)
        # candidates: the earlier files in the same buckets
        for other in lsh.query(m):
            if other != rel:
                cands.add((other, rel) if other < rel else (rel, other))
    t1 = time.perf_counter()
    pairs = []
    for a, b in sorted(cands):
        s = fuzz.ratio(bodies[a], bodies[b], score_cutoff=MIN_RATIO)
        if s >= MIN_RATIO:
            pairs.append([a, b, round(s / 100, 4)])
    t2 = time.perf_counter()
    args.out.write_text(json.dumps({
        "files": len(paths), "compared": len(bodies),
        "candidates": len(cands), "pairs": pairs,
        "seconds": {"minhash_lsh": round(t1 - t0, 2), "verify": round(t2 - t1, 2)},
    }, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(paths)} files, {len(cands)} candidate pairs, {len(pairs)} near-duplicate "
          f"pairs ({t1 - t0:.1f} s MinHash+LSH, {t2 - t1:.1f} s verification)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
