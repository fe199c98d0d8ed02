"""Benchmark the fixer on real text (not a test): python bench/bench_fixer.py [FOLDER...]

For every seed under the folders (default: ../shared/corpus/xwlb, the 150 news
transcripts) it runs the fixer in memory with the real checks (nothing is written) and
measures: files that would change, changes per check, fixes not applied (skipped,
subsumed, needing review), passes needed, whether reconstruction from the log gives the
original bytes, whether a second run changes nothing, and the time per file.

Also runs the raw sample seed and compares with the committed cleaned seed. Prints a
Markdown summary (pasted into docs/fixer.md).
"""

from __future__ import annotations

import hashlib
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from checks import config as config_mod  # noqa: E402
from checks import fixer  # noqa: E402
from checks.engine import check_seed  # noqa: E402
from checks.scan import scan  # noqa: E402
from checks.seed import read_seed, seed_from_bytes  # noqa: E402


def run(folders: list[Path]) -> int:
    cfg = config_mod.load(ROOT / "pyproject.toml")
    finder = lambda s: check_seed(s, cfg)  # noqa: E731
    by_check: Counter = Counter()
    not_applied: Counter = Counter()
    review: Counter = Counter()
    times: list[float] = []
    check_times: list[float] = []
    changed = recon_ok = idem_ok = files = 0
    passes: Counter = Counter()
    removed_chars = total_chars = 0
    failures: list[str] = []
    for folder in folders:
        for rel, path in scan(folder):
            seed = read_seed(path, rel, cfg.max_file_bytes)
            if not seed.readable:
                continue
            files += 1
            t0 = time.perf_counter()
            finder(seed)
            check_times.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            out = fixer.fix_text(seed, finder)
            times.append(time.perf_counter() - t0)
            total_chars += len(out.original)
            n_fix_steps = len([s for s in out.steps if s["kind"] == "fix"])
            passes[n_fix_steps] += 1
            for step in out.steps:
                for c in step["changes"]:
                    by_check[c["check"]] += 1
                for r in step["not_applied"]:
                    not_applied[(r["status"], r["check"])] += 1
            for f in out.remaining:
                if fixer.needs_review(f):
                    review[f.check] += 1
            if out.text != out.original:
                changed += 1
                removed_chars += len(out.original) - len(out.text)
            new_raw = (fixer.BOM_BYTES if seed.bom else b"") + out.text.encode()
            entry = {"steps": out.steps, "bom": seed.bom,
                     "original_sha256": hashlib.sha256(seed.raw).hexdigest()}
            try:
                ok = fixer.reconstruct(new_raw, entry) == seed.raw
            except ValueError:
                ok = False
            recon_ok += ok
            if not ok:
                failures.append(f"reconstruction failed: {rel}")
            again = fixer.fix_text(seed_from_bytes(path, rel, new_raw), finder)
            idem = not again.steps
            idem_ok += idem
            if not idem:
                failures.append(f"not idempotent: {rel}")
    print(f"## fixer benchmark on {', '.join(str(f) for f in folders)}\n")
    print(f"- files: {files}; would change: {changed}; chars removed: {removed_chars} of "
          f"{total_chars} ({100 * removed_chars / max(total_chars, 1):.2f} %)")
    print(f"- reconstruction byte for byte: {recon_ok}/{files}; second run changes nothing: "
          f"{idem_ok}/{files}")
    print(f"- fix passes needed: {dict(sorted(passes.items()))}")
    if times:
        print(f"- time per file, one fix run (checks run once per pass plus once to "
              f"confirm): median {1000 * statistics.median(times):.0f} ms, max "
              f"{1000 * max(times):.0f} ms; the checks alone, once: median "
              f"{1000 * statistics.median(check_times):.0f} ms; fixer total "
              f"{sum(times):.1f} s vs checks once {sum(check_times):.1f} s")
    print("\n| check | changes applied |\n| --- | --- |")
    for k, v in by_check.most_common():
        print(f"| `{k}` | {v} |")
    if not_applied:
        print("\n| not applied | check | count |\n| --- | --- | --- |")
        for (status, check), v in sorted(not_applied.items()):
            print(f"| {status} | `{check}` | {v} |")
    if review:
        print("\n| left for review (warning/error or unapplied fix) | count |\n| --- | --- |")
        for k, v in review.most_common():
            print(f"| `{k}` | {v} |")
    for line in failures[:20]:
        print("-", line)
    # the sample
    raw_path = ROOT / "tests" / "fixtures" / "000_12dde9c38bb7d0aa.txt"
    seed = read_seed(raw_path, raw_path.name)
    out = fixer.fix_text(seed, finder)
    clean = (ROOT / "seeds" / raw_path.name).read_bytes()
    same = out.text.encode() == clean
    print(f"\n- raw sample -> cleaned seed byte for byte: {same}")
    return 0 if not failures and same else 1


if __name__ == "__main__":
    args = [Path(a) for a in sys.argv[1:]] or [ROOT.parent / "shared" / "corpus" / "xwlb"]
    sys.exit(run(args))
