"""Named groups of regions a corpus uses as units, for `figure.count-mismatch`.

    python scripts/named_group_candidates.py SEEDS_DIR [--min-files 3]

A named group (东北三省, 沪苏两省市) is a short name followed by a count with a place
classifier (省, 市, 区, 县, 地, 省市, 省区). Such a phrase is a *unit* of the corpus when
it recurs in several files, and at least once not closing a list (not right after 、).
The script prints the phrases that do so in at least ``--min-files`` files and are not
yet in ``checks/data/named_groups.txt``, as a TOML line to paste (after review) into

    [tool.seedcheck.checks."figure.count-mismatch"]
    named_groups = [...]

The file check itself sees one file at a time; this is how the corpus teaches it its
own groups. Nothing is written.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from checks.rules.figure import _named_groups  # noqa: E402

COUNT = re.compile(r"(?:[两二三四五六七八九十]|\d{1,2})(?:省市|省区|省|市|地|区|县)(?![级委长])")
HAN = re.compile(r"[\u4e00-\u9fff]")


def phrases(text: str):
    """(phrase, unit) for each count with a place classifier: the count with 2, 3 and
    4 Han characters before it; ``unit`` when the phrase does not close a list."""
    for m in COUNT.finditer(text):
        for k in (2, 3, 4):
            s = m.start() - k
            if s < 0 or not all(HAN.match(c) for c in text[s:m.start()]):
                break
            yield text[s:m.end()], (s == 0 or text[s - 1] != "、")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("seeds")
    ap.add_argument("--min-files", type=int, default=3)
    args = ap.parse_args()
    files: dict[str, set[str]] = defaultdict(set)
    unit: dict[str, bool] = defaultdict(bool)
    for path in sorted(Path(args.seeds).rglob("*.txt")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for phrase, is_unit in phrases(text):
            files[phrase].add(path.name)
            unit[phrase] |= is_unit
    known = set(_named_groups())
    found = []
    for p, fs in sorted(files.items()):
        if len(fs) < args.min_files or not unit[p] or p in known:
            continue
        # the longest head that recurs as often as the shorter one: 长三角三省, not 三角三省
        longer = [q for q in files if len(q) == len(p) + 1 and q.endswith(p)]
        if any(len(files[q]) == len(fs) and unit[q] for q in longer):
            continue
        shorter = p[1:]
        if len(shorter) > len(COUNT.search(p).group(0)) + 1 and len(files.get(shorter, ())) > len(fs):
            continue  # 推动东北三省: a verb before the group
        found.append(p)
    for p in found:
        print(f"{p}\t{len(files[p])} files")
    print("named_groups = [" + ", ".join(f'"{p}"' for p in found) + "]")


if __name__ == "__main__":
    main()
