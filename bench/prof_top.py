"""Top-N table from py-spy's raw (collapsed-stack) output (not a test).

    py-spy record -r 100 -f raw -o prof.txt -- python -m pytest --seeds DIR ...
    python bench/prof_top.py prof.txt [--top 20]

Prints a markdown table of the functions with the most samples: self (the frame on top
of the stack) and total (the frame anywhere on the stack, counted once a sample).
Frames of pytest, pluggy, xdist and the import machinery are left out (a sample whose
top frame is one of them counts as self time of the nearest frame below it).
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path


SKIP = ("(_pytest/", "(pluggy/", "(<frozen", "(pytest/__main__", "(xdist/", "(execnet/",
        "(multiprocessing/", "(futures/", "(config/__init__.py)")


def frame_name(frame: str) -> str:
    # "func (path/to/file.py:123)" -> "func (file.py)"
    m = re.match(r"(.*) \((.*?):?(\d+)?\)$", frame)
    if not m:
        return frame
    func, path = m.group(1), m.group(2)
    parts = Path(path).parts
    short = "/".join(parts[-2:]) if len(parts) > 1 else path
    return f"{func} ({short})"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("raw", type=Path)
    ap.add_argument("--top", type=int, default=20)
    ap.add_argument("--by", choices=("self", "total"), default="total")
    args = ap.parse_args()
    self_c: Counter = Counter()
    total_c: Counter = Counter()
    n = 0
    for line in args.raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        c = int(count)
        n += c
        frames = [frame_name(f) for f in stack.split(";")]
        frames = [f for f in frames if not f.startswith("process ")
                  and not any(x in f for x in SKIP)]
        if frames:
            self_c[frames[-1]] += c
        for f in set(frames):
            total_c[f] += c
    order = (total_c if args.by == "total" else self_c).most_common(args.top)
    print(f"{n} samples")
    print("| function | total % | self % |")
    print("| --- | ---: | ---: |")
    for name, _ in order:
        print(f"| `{name}` | {100 * total_c[name] / n:.1f} | {100 * self_c[name] / n:.1f} |")


if __name__ == "__main__":
    main()
