"""Benchmark for docs/robustness.md (not a test).

1. Encoding names: every xwlb transcript and every ECSpell sentence (with a seed header)
   re-encoded as GBK, GB18030, Big5 (after OpenCC simplified->traditional), UTF-16
   with/without BOM, and damaged UTF-8 (one byte of a character cut out); how often
   ``checks.seed.decode`` names the encoding right.
2. False alarms of the format checks on the real (UTF-8) text.
3. Time and peak memory of reading a 100 MB seed and of checking a seed with a 10 MB line.

    python bench/bench_robustness.py [--corpus ../shared/corpus]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from pathlib import Path

from checks.config import Config
from checks.engine import check_seed
from checks.seed import decode, read_seed, seed_from_text


def texts(corpus: Path) -> dict[str, list[str]]:
    long = [p.read_text(encoding="utf-8") for p in sorted((corpus / "xwlb").glob("*.txt"))]
    short = []
    for name in ("ecspell_law.tsv", "ecspell_med.tsv"):
        lines = (corpus / "csc" / name).read_text(encoding="utf-8").splitlines()[1:]
        short += ["2020-07-26\n\n" + ln.split("\t")[1] + "\n" for ln in lines if "\t" in ln]
    return {"xwlb (long)": long, "ecspell (one sentence)": short}


def named(raw: bytes) -> str | None:
    _, _, problems = decode(raw)
    return problems[0][2].get("encoding") if problems else "UTF-8"


def encodings(sets: dict[str, list[str]]) -> None:
    import opencc

    s2t = opencc.OpenCC("s2t")
    print("\n## Encoding names (share named exactly)\n")
    print("| texts | encoding | n | named right | named as (top 3) |")
    print("| --- | --- | ---: | ---: | --- |")
    for label, items in sets.items():
        cases = {
            "GBK": ("GBK/GB18030", lambda t: t.encode("gbk")),
            "GB18030 (beyond GBK)": ("GB18030", lambda t: (t + "𠀀").encode("gb18030")),
            "Big5 (traditional)": ("Big5", lambda t: s2t.convert(t).encode("big5", "replace")),
            "UTF-16 with BOM": ("UTF-16LE (with BOM)", lambda t: t.encode("utf-16")),
            "UTF-16LE without BOM": ("UTF-16LE", lambda t: t.encode("utf-16-le")),
            "damaged UTF-8": ("UTF-8 (damaged)", lambda t: _damage(t.encode("utf-8"))),
        }
        for case, (want, enc) in cases.items():
            got: Counter = Counter()
            n = 0
            for t in items:
                try:
                    raw = enc(t)
                except UnicodeEncodeError:
                    continue  # a character the legacy encoding cannot hold
                if raw is None:
                    continue
                n += 1
                got[named(raw)] += 1
            right = got[want]
            top = ", ".join(f"{k}: {v}" for k, v in got.most_common(3))
            print(f"| {label} | {case} | {n} | {right / max(n, 1):.1%} | {top} |")


def _damage(raw: bytes) -> bytes | None:
    mid = len(raw) // 2
    for i in range(mid, len(raw)):
        if raw[i] >= 0xE0:  # the lead byte of a 3-byte character
            return raw[:i + 1] + raw[i + 2:]
    return None


def false_alarms(sets: dict[str, list[str]]) -> None:
    print("\n## Format findings on the real UTF-8 text (all should be 0)\n")
    cfg = Config(select=["format"])
    for label, items in sets.items():
        c: Counter = Counter()
        for i, t in enumerate(items):
            for f in check_seed(seed_from_text(t, f"{i}.txt"), cfg):
                c[f.check] += 1
        print(f"- {label}: {len(items)} texts, findings: {dict(c) or 0}")


def sizes() -> None:
    print("\n## Size limits\n")
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "big.txt"
        with open(big, "wb") as fh:
            fh.write(b"2020-07-26\n\n")
            fh.truncate(100 * 1024 * 1024)
        tracemalloc.start()
        t0 = time.perf_counter()
        seed = read_seed(big, "big.txt", Config().max_file_bytes)
        dt = time.perf_counter() - t0
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"- 100 MB seed: {seed.problems[0][0]} in {dt:.2f} s (hashed in chunks), "
              f"peak Python memory {peak / 1e6:.1f} MB")
        line = "<td>[b]</td>" * (10 * 1024 * 1024 // 12)
        wide = Path(tmp) / "wide.txt"
        wide.write_text(f"2020-07-26\n\n标题\n\n{line}\n\n后文一段，内容完整。\n", encoding="utf-8")
        tracemalloc.start()
        t0 = time.perf_counter()
        seed = read_seed(wide, "wide.txt", Config().max_file_bytes)
        findings = check_seed(seed, Config())
        dt = time.perf_counter() - t0
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"- 10 MB line: {[f.check for f in findings]} in {dt:.2f} s, peak Python "
              f"memory {peak / 1e6:.1f} MB (file {wide.stat().st_size / 1e6:.1f} MB)")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=str(Path(__file__).resolve().parents[2]
                                            / "shared" / "corpus"))
    args = ap.parse_args()
    sets = texts(Path(args.corpus))
    print(f"# bench_robustness ({', '.join(f'{k}: {len(v)}' for k, v in sets.items())})")
    encodings(sets)
    false_alarms(sets)
    sizes()
    return 0


if __name__ == "__main__":
    sys.exit(main())
