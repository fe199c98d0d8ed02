"""Benchmark of the figure checks on real text (not a test).

    /work/venv/bin/python bench/bench_figure.py [SEEDS_DIR ...] [--show N]

Default folder: ../shared/corpus/xwlb (150 news transcripts). Prints, per folder:
the number of files, statements and aligned statement pairs (within files and across
files: how much the conflict checks actually compared), every figure finding with its
excerpt and message, and the time taken. A clean corpus should raise (almost) none.

Also runs the checks on planted copies: for each of the first --plant files, a copy
with one figure of an aligned statement changed, and reports how many were found
(recall of the conflict checks on the corpus's own sentences).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from checks.config import Config  # noqa: E402
from checks.engine import Corpus, check_corpus, check_seed  # noqa: E402
from checks.figure_align import aligned, candidate_pairs, differences, statements  # noqa: E402
from checks.seed import read_seed, seed_from_text  # noqa: E402


def run(folder: Path, show: int, plant: int) -> None:
    paths = sorted(p for p in folder.rglob("*.txt"))
    rels = [p.relative_to(folder).as_posix() for p in paths]
    cfg = Config(select=["figure"])
    t0 = time.perf_counter()
    findings = []
    n_st = n_pairs = n_aligned = 0
    for p, rel in zip(paths, rels):
        seed = read_seed(p, rel)
        findings += check_seed(seed, cfg)
        sts = statements(seed.text or "", seed.body_start)
        n_st += len(sts)
        pairs = candidate_pairs((i, s.key) for i, s in enumerate(sts))
        n_pairs += len(pairs)
        n_aligned += sum(1 for a, b in pairs if aligned(sts[a], sts[b]))
    t_file = time.perf_counter() - t0
    t1 = time.perf_counter()
    corpus = Corpus(folder, rels, cfg)
    cross = check_corpus(corpus, "figure")
    t_corpus = time.perf_counter() - t1
    findings += cross
    print(f"== {folder}: {len(paths)} files, {n_st} statements, {n_pairs} candidate pairs "
          f"within files, {n_aligned} aligned")
    print(f"   file checks {t_file:.2f}s, corpus check {t_corpus:.2f}s")
    by = Counter((f.check, f.severity) for f in findings)
    print(f"   findings: {len(findings)}  " + ", ".join(f"{c} {s}: {n}" for (c, s), n
                                                        in sorted(by.items())))
    for f in findings[:show]:
        print(f"   {f.severity:7} {f.check} {f.path}:{f.line}:{f.column}  {f.excerpt[:30]!r}"
              f"  {f.message[:160]}")
    if plant:
        planted(folder, paths[:plant], rels[:plant])
        planted_cross(folder, paths, rels, plant)


def planted(folder: Path, paths: list[Path], rels: list[str]) -> None:
    """Recall: change one figure in a second copy of each file's first long statement."""
    cfg = Config(select=["figure.conflicting-figure"])
    found = tried = 0
    for p, rel in zip(paths, rels):
        seed = read_seed(p, rel)
        sts = [s for s in statements(seed.text or "", seed.body_start)
               if len(s.key) >= 30 and len(s.figs) == 1 and not s.figs[0].approx]
        if not sts:
            continue
        st = sts[0]
        fig = st.figs[0]
        sentence = seed.text[st.start:st.end]
        digits = re.search(r"\d", fig.text)
        if not digits:
            continue
        i = fig.start - st.start + digits.start()
        changed = sentence[:i] + str((int(sentence[i]) + 1) % 10) + sentence[i + 1:]
        text = seed.text + "\n\n" + changed + "\n"
        tried += 1
        got = check_seed(seed_from_text(text, rel), cfg)
        if any(f.line == text.count("\n", 0, len(text) - len(changed) - 1) + 1 for f in got):
            found += 1
    print(f"   planted conflicts (a retyped digit in an appended copy): {found}/{tried} found")


def planted_cross(folder: Path, paths: list[Path], rels: list[str], n: int) -> None:
    """Recall across files: add, for n files, a second version with one figure of a
    long statement retyped; the corpus check should flag each pair (and nothing else)."""
    seeds = {rel: read_seed(p, rel) for p, rel in zip(paths, rels)}
    planted = 0
    expected: set[str] = set()
    for rel in rels[:n]:
        seed = seeds[rel]
        sts = [s for s in statements(seed.text or "", seed.body_start)
               if len(s.key) >= 30 and not any(f.approx for f in s.figs)]
        if not sts:
            continue
        st = sts[len(sts) // 2]
        fig = st.figs[0]
        digit = re.search(r"\d", fig.text)
        if not digit:
            continue
        i = fig.start + digit.start()
        text = seed.text[:i] + str((int(seed.text[i]) + 1) % 10) + seed.text[i + 1:]
        name = "v2/" + rel
        seeds[name] = seed_from_text(text, name)
        expected.add(name)
        planted += 1
    cfg = Config(select=["figure.conflicting-figure-across-files"])
    corpus = Corpus(folder, sorted(seeds), cfg, loader=seeds.__getitem__)
    t0 = time.perf_counter()
    found = check_corpus(corpus, "figure")
    dt = time.perf_counter() - t0
    hit = {f.path for f in found if f.path in expected}
    other = [f for f in found if f.path not in expected and "v2/" + f.path not in expected]
    print(f"   planted versions across files: {len(hit)}/{planted} found, "
          f"{len(other)} other findings, corpus check {dt:.2f}s on {len(seeds)} files")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("folders", nargs="*", default=[str(ROOT.parent / "shared/corpus/xwlb")])
    ap.add_argument("--show", type=int, default=50)
    ap.add_argument("--plant", type=int, default=50)
    args = ap.parse_args()
    for f in args.folders:
        run(Path(f), args.show, args.plant)


if __name__ == "__main__":
    main()
