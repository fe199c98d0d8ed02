"""A probe, not a check (docs/typos.md, nineteenth session): two single-character tokens
side by side that one sound- or look-alike swap turns into a frequent jieba word (跟|据 →
根据, 身|请 → 申请), scored by the reference model with two tokens of context each side,
kept at a gain of THRESHOLD nats or more and through the language-model detector's own
filters (newer words, words the model lists, names). Counts right and false swaps on
CSCD-NS's even lines, rmrb_clean.tsv and ECSpell, and how many the defaults do not find
already (read from a ``bench_typo.py --dump`` file); with a third argument, lists what it
would flag on the news transcripts::

    python bench/bench_typo.py --corpus ../shared/corpus --quick --speed 0 --dump F
    python bench/typo_pair_probe.py MIN_FREQ THRESHOLD F [x]   # e.g. 2000 12 F x

The sets are read from ../shared/corpus beside the repository.
"""
import sys, math, re, collections, pickle
from pathlib import Path
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPUS = ROOT.parent / 'shared' / 'corpus'
from checks import typo_lm as L, typo_data as D
from checks.typo_detect import _name_at
lm = L.model(); f = D.word_freq(); LN = math.log(10)
RUN = re.compile(f"[{D.HAN_CLASS}]{{2,}}")
MINF = int(sys.argv[1]); TH = float(sys.argv[2])
def swaps(r):
    toks = D.segments(r); n = len(toks); res = []; pos = 0
    starts = []
    for t in toks: starts.append(pos); pos += len(t)
    for j in range(n - 1):
        a, b = toks[j], toks[j+1]
        if len(a) != 1 or len(b) != 1: continue
        best = None
        for side in (0, 1):
            c = (a, b)[side]
            if c in L.NUMERALS: continue
            for y, k in L._alikes(c).items():
                w = (y + b) if side == 0 else (a + y)
                if f.get(w, 0) < MINF or y in L.NUMERALS: continue
                c0, c1 = max(0, j - 2), min(n, j + 4)
                bos, eos = c0 == 0, c1 == n
                base = lm.score(" ".join(toks[c0:c1]), bos=bos, eos=eos)
                new = lm.score(" ".join(toks[c0:j] + [w] + toks[j+2:c1]), bos=bos, eos=eos)
                g = (new - base) * LN
                if best is None or g > best[0]:
                    best = (g, starts[j], starts[j] + 2, starts[j] + side, y, k, w)
        if best and best[0] >= TH:
            g, s, e, p, y, k, w = best
            if L.familiar(r[s:e]) or L.cuts_familiar(r, p, s, e) or L.inside_word(r, s, e):
                continue
            if g < L.NAME_OVERRIDE and _name_at(r, p, s, e, y):
                continue
            res.append(best)
    return res
found = collections.defaultdict(set)
for row in open(sys.argv[3], encoding='utf-8'):
    x = row.rstrip('\n').split('\t')
    fid = int(x[1].split('.')[0]); s = int(x[4]) - 1; w = x[5]
    for i in range(len(w)): found[(x[0], fid)].add(s + i)
def run(name, path, sel):
    rows = [l.rstrip("\n").split("\t") for l in open(path, encoding="utf-8")][1:]
    right = false = new_right = new_false = 0; ex = []
    for ln, row in enumerate(rows):
        if len(row) < 2: continue
        s, t = row[0], row[1]
        if not sel(ln) or len(s) != len(t): continue
        for m in RUN.finditer(s):
            for g, a, b, p, y, k, w in swaps(m.group()):
                p += m.start()
                ok = s[p] != t[p] and t[p] == y
                isnew = p not in found[(name, ln)]
                if ok: right += 1; new_right += isnew
                elif s[p] == t[p]:
                    false += 1; new_false += isnew
                    if isnew: ex.append((round(g,1), s[m.start()+a:m.start()+b], w))
                if ok and isnew: ex.append(('R', round(g,1), s[m.start()+a:m.start()+b], w))
    print(name, 'right', right, 'false', false, 'NEW right', new_right, 'NEW false', new_false)
    print('   ', ex[:40])
run('cscdns_news.tsv', str(CORPUS / 'csc') + '/cscdns_news.tsv', lambda i: i % 2 == 0)
run('rmrb_clean.tsv', str(CORPUS / 'csc') + '/rmrb_clean.tsv', lambda i: True)
run('ecspell_law.tsv', str(CORPUS / 'csc') + '/ecspell_law.tsv', lambda i: True)
run('ecspell_med.tsv', str(CORPUS / 'csc') + '/ecspell_med.tsv', lambda i: True)
import glob
if len(sys.argv) > 4:
    tot = 0
    for fn in sorted(glob.glob(str(CORPUS / 'xwlb' / '*.txt'))):
        t = open(fn, encoding='utf-8').read()
        for m in RUN.finditer(t):
            for g, a, b, p, y, k, w in swaps(m.group()):
                tot += 1
                print('  xwlb', fn.split('/')[-1], round(g, 1), m.group()[max(0,a-6):b+6], m.group()[a:b], '->', w)
    print('xwlb total', tot)
