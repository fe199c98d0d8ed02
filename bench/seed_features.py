"""Shared by the probes that study one index over a whole corpus
(``dup_components.py``, ``figure_mem_probe.py``): every seed's features of that index,
extracted as a run extracts them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def corpus_features(index: str, description: str):
    """Reads ``SEEDS`` from the command line; gives (the folder, its seed paths in
    sorted order, the default configuration, {path: the seed's ``index`` features})."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("seeds", type=Path)
    args = ap.parse_args()
    from checks import registry
    from checks.cache import index_features
    from checks.config import Config
    from checks.seed import read_seed

    registry.load_builtin()
    cfg = Config()
    paths = sorted(p.name for p in args.seeds.glob("*.txt"))
    feats = {p: index_features(read_seed(args.seeds / p, p), cfg, [index])[index]
             for p in paths}
    return args.seeds, paths, cfg, feats
