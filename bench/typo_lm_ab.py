"""In-process A/B of ``typo.language-model`` (not a test): another tree's
``checks/typo_lm.py`` loaded beside this one, both run over the same texts, alternately.

    PYTHONPATH=NEW python bench/typo_lm_ab.py OLD/checks/typo_lm.py [ROUNDS] [--corpus C]

On a shared machine two processes run minutes apart see different loads; here every
pass of the old module is next to a pass of the new one in the same process. Each pass
runs ``find_lm_confusions`` over the documents of ``CORPUS/xwlb/`` (text that does not
repeat) after emptying that module's memos (runs, windows, fills, substitutes), and
prints its CPU time per 5 KB and the number of findings (equal for both, or the two
modules disagree). The other memos (typo_data's tables and readings, the model) are
shared and warm after the first pass. The last line is the best pass of each.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from checks import typo_detect as T  # noqa: E402
from checks import typo_lm as NEW  # noqa: E402

MEMOS = ("_run_swaps", "window_swaps", "_fills", "_fill_set", "_alike_set", "_alikes")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("old", type=Path, help="the other tree's checks/typo_lm.py")
    ap.add_argument("rounds", type=int, nargs="?", default=3)
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    args = ap.parse_args(argv)
    spec = importlib.util.spec_from_file_location("checks._typo_lm_old", args.old)
    old = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = old
    spec.loader.exec_module(old)
    texts = [p.read_text(encoding="utf-8")
             for p in sorted((args.corpus / "xwlb").glob("*.txt"))]
    per5 = 5 / (sum(len(t.encode("utf-8")) for t in texts) / 1000 / len(texts))
    for mod in (old, NEW):  # load the model and the tables
        mod.find_lm_confusions("攻坚实缋突出，釆取措施。依法行驶职权")
    T._name_at("攻坚实缋突出", 2)
    best: dict[str, list[float]] = {"old": [], "new": []}
    for rnd in range(args.rounds):
        order = (("old", old), ("new", NEW)) if rnd % 2 == 0 else (("new", NEW), ("old", old))
        for name, mod in order:
            for memo in MEMOS:
                if hasattr(mod, memo):
                    getattr(mod, memo).cache_clear()
            gc.collect()
            t0 = time.process_time()
            found = [mod.find_lm_confusions(t) for t in texts]
            ms = (time.process_time() - t0) / len(texts) * 1e3 * per5
            best[name].append(ms)
            print(f"{name} {ms:.2f} ms per 5 KB, {sum(map(len, found))} findings", flush=True)
    print(f"best: old {min(best['old']):.2f}, new {min(best['new']):.2f} ms per 5 KB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
