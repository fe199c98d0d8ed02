"""How well the reference language model alone tells real-word confusions (在/再, 做/作,
权利/权力): not a check, a probe (docs/typos.md, nineteenth session).

Every token of one or two characters is tried with each sound- or look-alike of each of
its characters (``typo_lm._alikes``) that makes a jieba word of frequency >= ``--min-freq``;
the model scores the token and two tokens each side with and without the swap, and the best
swap of each token is kept with its gain in nats. A swap is right when its position is an
error of the set and the substitute is the target character; false when the position is no
error. Printed: right and false swaps at gains of 6 to 16 nats, on CSCD-NS's even lines
(the tuning half), ``rmrb_clean.tsv`` and ECSpell law::

    python bench/typo_realword_lm_probe.py --corpus ../shared/corpus [--min-freq 1000]
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from checks import typo_data as D  # noqa: E402
from checks import typo_lm as L  # noqa: E402

LN10 = math.log(10.0)
RUN = re.compile(f"[{D.HAN_CLASS}]{{2,}}")


def best_swaps(run: str, min_freq: int) -> list[tuple[float, int, str]]:
    """(gain in nats, offset in ``run``, substitute) of the best swap of each token."""
    lm, freq = L.model(), D.word_freq()
    toks = D.segments(run)
    n = len(toks)
    out = []
    pos = 0
    for j, t in enumerate(toks):
        a = pos
        pos += len(t)
        if len(t) > 2:
            continue
        cands = [(i, y, t[:i] + y + t[i + 1:]) for i, c in enumerate(t)
                 if c not in L.NUMERALS for y in L._alikes(c)]
        cands = [c for c in cands if freq.get(c[2], 0) >= min_freq]
        if not cands:
            continue
        c0, c1 = max(0, j - 2), min(n, j + 3)
        bos, eos = c0 == 0, c1 == n
        base = lm.score(" ".join(toks[c0:c1]), bos=bos, eos=eos)
        best = max(((lm.score(" ".join(toks[c0:j] + [w] + toks[j + 1:c1]), bos=bos,
                              eos=eos) - base) * LN10, a + i, y) for i, y, w in cands)
        out.append(best)
    return out


def probe(path: Path, keep, min_freq: int) -> list[tuple[float, bool, bool]]:
    rows = [line.rstrip("\n").split("\t") for line in open(path, encoding="utf-8")][1:]
    got = []
    for k, row in enumerate(rows):
        if len(row) < 2 or not keep(k) or len(row[0]) != len(row[1]):
            continue
        src, tgt = row[0], row[1]
        for m in RUN.finditer(src):
            for g, p, y in best_swaps(m.group(), min_freq):
                p += m.start()
                got.append((g, src[p] != tgt[p], tgt[p] == y and src[p] != tgt[p]))
    return got


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--min-freq", type=int, default=1000)
    args = ap.parse_args()
    csc = args.corpus / "csc"
    for name, path, keep in (("CSCD-NS even lines", csc / "cscdns_news.tsv", lambda k: k % 2 == 0),
                             ("rmrb_clean", csc / "rmrb_clean.tsv", lambda k: True),
                             ("ECSpell law", csc / "ecspell_law.tsv", lambda k: True)):
        got = probe(path, keep, args.min_freq)
        print(f"{name}: {len(got)} tokens tried")
        for th in (6, 8, 10, 12, 14, 16):
            right = sum(1 for g, _e, ok in got if g >= th and ok)
            false = sum(1 for g, err, _ok in got if g >= th and not err)
            print(f"  gain >= {th:2d} nats: right {right:4d}  false {false:4d}")


if __name__ == "__main__":
    main()
