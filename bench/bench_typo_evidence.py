"""What corpus evidence would add to ``typo.language-model`` (not a test; figures go to
docs/typos.md, "fourth landing").

    python bench/bench_typo_evidence.py [--corpus ../shared/corpus]

The language model's *weak* swaps (below its own thresholds, 14 nats or 11.5 for a
substitute that sounds and looks alike, down to ``--floor`` nats) are counted as right
or false characters against each CSC set's targets, when evidence from the text being
checked vouches for the repair:

* corpus-wide (each set checked as one corpus, each sentence once): the repaired word
  occurs at least ``need`` times in the corpus, at least ``lift`` times as often as
  jieba's frequencies predict for a corpus of that many characters, and the written
  form occurs nowhere else;
* in one file (documents of ``--group`` consecutive sentences; ``xwlb/`` whole): the same
  with the file's own counts and length (the written form once in the file).

Names are vetoed as the checks veto them (jieba's tagger and LAC, the name reaching
beyond the window). Swaps the model already reports are left out: the figures are what
the evidence would add.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from checks import typo_data as D  # noqa: E402
from checks import typo_lm as L  # noqa: E402
from checks.typo_detect import _name_at  # noqa: E402

SETS = ("ecspell_law.tsv", "ecspell_med.tsv", "cscdns_news.tsv", "rmrb_clean.tsv")
GRID = [(g, n, lift) for g in (9.0, 10.0, 11.0, 12.0) for n in (2, 3) for lift in (10, 30, 100)]


def rows_of(path: Path) -> list[tuple[str, str]]:
    with open(path, encoding="utf-8") as f:
        rows = [r for r in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)][1:]
    out, seen = [], set()
    for r in rows:
        if not r or r[0] in seen:
            continue
        seen.add(r[0])  # a sentence held twice counts once
        out.append((r[0], r[1] if len(r) > 1 else r[0]))
    return out


def weak_swaps(text: str, floor: float):
    """(pos, start, end, substitute, gain, named) of the model's swaps between ``floor``
    and its own thresholds, in text offsets."""
    for m in L._RUN.finditer(text):
        r, s = m.group(), m.start()
        if len(r) < 2:
            continue
        for a, b, p, y, _k, g in L._run_swaps(r, floor, floor, 50, False):
            if g >= L.need(r[p], y, 14.0, 11.5):
                continue  # the check reports it already (names permitting)
            yield s + p, s + a, s + b, y, g, _name_at(r, p, a, b)


def tally(cands, gold_of) -> list[tuple[int, int]]:
    """[(right, false)] per GRID cell; ``cands``: (doc, pos, gain, need_n, lift, wrong_n,
    named, substitute)."""
    out = []
    for g0, n0, lift0 in GRID:
        tp = fp = 0
        for doc, pos, g, n, lift, nw, named, y in cands:
            if g < g0 or n < n0 or lift < lift0 or nw != 0 or named:
                continue
            target = gold_of(doc).get(pos)
            if target == y:
                tp += 1
            elif target is None:
                fp += 1
        out.append((tp, fp))
    return out


def expected(word: str, chars: int) -> float:
    freq = D.word_freq()
    total = expected.total = getattr(expected, "total", None) or sum(freq.values())
    return max(freq.get(word, 1), 1) / total * chars / 1.5  # ~1.5 characters a word


def corpus_wide(rows, floor):
    text = "\n".join(src for src, _ in rows)
    chars = sum(len(src) for src, _ in rows)
    golds = [{i: b for i, (a, b) in enumerate(zip(src, tgt)) if a != b}
             if len(src) == len(tgt) else {} for src, tgt in rows]
    cands = []
    for k, (src, _tgt) in enumerate(rows):
        for pos, s, e, y, g, named in weak_swaps(src, floor):
            wrong = src[s:e]
            right = src[s:pos] + y + src[pos + 1:e]
            n = text.count(right) - src.count(right)
            nw = text.count(wrong) - src.count(wrong)
            cands.append((k, pos, g, n, n / expected(right, chars), nw, named, y))
    return tally(cands, lambda k: golds[k])


def in_file(docs, floor):
    cands = []
    for k, (text, _gold) in enumerate(docs):
        for pos, s, e, y, g, named in weak_swaps(text, floor):
            wrong = text[s:e]
            right = text[s:pos] + y + text[pos + 1:e]
            n = text.count(right)
            cands.append((k, pos, g, n, n / expected(right, len(text)),
                          text.count(wrong) - 1, named, y))
    return tally(cands, lambda k: docs[k][1])


def grouped(rows, size):
    docs = []
    for i in range(0, len(rows), size):
        text, gold = "", {}
        for src, tgt in rows[i:i + size]:
            if len(src) == len(tgt):
                gold.update({len(text) + j: b for j, (a, b) in enumerate(zip(src, tgt))
                             if a != b})
            text += src + "\n"
        docs.append((text, gold))
    return docs


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    ap.add_argument("--floor", type=float, default=9.0)
    ap.add_argument("--group", type=int, default=20)
    args = ap.parse_args()
    if not L.available():
        sys.exit(f"bench_typo_evidence: {L.missing_reason()}")
    data = {name: rows_of(args.corpus / "csc" / name) for name in SETS}
    xwlb = [(p.read_text(encoding="utf-8"), {})
            for p in sorted((args.corpus / "xwlb").glob("*.txt"))]
    head = "gain need lift | " + " | ".join(n.split(".")[0] for n in SETS)
    print("corpus-wide evidence, extra right/false characters per set")
    print("  " + head)
    cols = [corpus_wide(data[n], args.floor) for n in SETS]
    for i, (g, n, lift) in enumerate(GRID):
        print(f"  {g:4.0f} {n:4d} {lift:4d} | " + " | ".join(f"{c[i][0]}/{c[i][1]}" for c in cols))
    print(f"in-file evidence (documents of {args.group} sentences; xwlb whole)")
    print("  " + head + " | xwlb")
    cols = [in_file(grouped(data[n], args.group), args.floor) for n in SETS]
    cols.append(in_file(xwlb, args.floor))
    for i, (g, n, lift) in enumerate(GRID):
        print(f"  {g:4.0f} {n:4d} {lift:4d} | " + " | ".join(f"{c[i][0]}/{c[i][1]}" for c in cols))


if __name__ == "__main__":
    main()
