"""The figure category's memory, step by step, in one process (a measurement, not a
test; docs/performance.md, "Seventh session").

    python bench/figure_mem_probe.py SEEDS

Extracts every seed's figure features, then runs the steps of
``figure.conflicting-figure-across-files`` one after the other: the statement rows, the
candidate pairs (MinHash buckets), their verification. Before each step the peak is
reset (``/proc/self/clear_refs``), so ``VmHWM - VmRSS before`` is what the step itself
allocates at its highest (Linux only).
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mem_probe import _status as status, reset_peak  # noqa: E402  (the cluster probe's)
from seed_features import corpus_features  # noqa: E402


def reset() -> int:
    reset_peak()
    return status()["VmRSS"]


def main() -> None:
    folder, paths, cfg, feats = corpus_features("figure", __doc__.split("\n")[0])
    from checks.engine import Corpus
    from checks.rules import figure as FG

    gc.collect()
    print(f"{len(paths)} seeds' features: {status()} MB")
    corpus = Corpus(folder, paths, cfg, feature_source=lambda name, rel: feats[rel])
    base = reset()
    rows = FG._Rows(corpus.features("figure"))
    print(f"rows ({len(rows):,}): own peak {status()['VmHWM'] - base} MB")
    base = reset()
    ra, rb = FG.candidate_rows(rows, cfg.opt(FG.ACROSS, "max_bucket", 64))
    print(f"candidate pairs ({len(ra):,}): own peak {status()['VmHWM'] - base} MB")
    base = reset()
    _agreeing, conflicts = FG.verify_pairs(
        FG._row_pairs(rows, ra, rb, FG.template_rows(rows)),
        cfg.opt(FG.ACROSS, "min_similarity", 90.0))
    print(f"verification ({len(conflicts):,} conflicting file pairs): own peak "
          f"{status()['VmHWM'] - base} MB")


if __name__ == "__main__":
    main()
