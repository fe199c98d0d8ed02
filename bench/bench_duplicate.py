"""Benchmark of the duplicate checks (not a test). Figures go to docs/duplicates.md.

    /work/venv/bin/python bench/bench_duplicate.py                 # 1k, 10k, 50k + xwlb
    /work/venv/bin/python bench/bench_duplicate.py --sizes 1000 --no-xwlb

For each size it builds (once; cached under ``--work``) a synthetic corpus of seeds of
about 5 KB of Chinese text with planted duplicates, then, in a fresh subprocess (so the
peak memory is that size's own):

* times ``duplicate.repeated-body`` over every seed, serially and on 2 processes (what
  ``pytest -n 2`` spreads over its workers);
* times the corpus checks: index extraction (serially, as the corpus item does it, and on
  2 processes through ``Corpus.feature_source``), then the analysis and the four checks;
* reports the peak resident memory (``ru_maxrss``) and the candidate and verified pair
  counts;
* on the smallest corpus, compares the near-duplicate pairs found with an exhaustive
  all-pairs comparison (rapidfuzz ``cdist``, same score, same threshold): recall overall
  and per planted kind.

Then it runs the duplicate checks on ``/work/shared/corpus/xwlb`` (real transcripts;
read, never copied) and lists every finding: the false-alarm count.

Text: sentences are drawn from the xwlb transcripts when that folder exists (realistic
shared phrasing between unrelated seeds), else made from jieba's word list; either way
the corpus depends only on ``--seed`` and the size.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import re
import resource
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

XWLB = Path("/work/shared/corpus/xwlb")
TARGET_CHARS = 1700  # about 5 KB of UTF-8

# Planted kinds and their rates (share of seeds that are a planted copy of an earlier one)
KINDS = {
    "redated": 0.02,        # same body, other capture date (identical)
    "reformatted": 0.02,    # re-indented, re-wrapped, full-width digits (identical)
    "char-edits": 0.02,     # 1-10 characters changed (near)
    "figures": 0.02,        # numbers changed (near, figures only)
    "paragraph-edit": 0.02,  # one paragraph replaced, added or removed (near)
    "scattered-3pct": 0.01,  # 3% of characters substituted at random places (near)
    "scattered-8pct": 0.01,  # 8% (near, J about 0.45)
    "scattered-13pct": 0.005,  # 13% (at the threshold, J about 0.3)
    "contained": 0.01,      # the earlier seed's paragraphs inside a longer text
}
SHARED_RATE = 0.01      # seeds that quote one of a few long press paragraphs
REPEAT_RATE = 0.01      # seeds whose body is there twice


# -- text source ------------------------------------------------------------------------------

def load_sentences() -> list[str]:
    out: list[str] = []
    if XWLB.is_dir():
        tag = re.compile(r"<[^<>]*>|&nbsp;|\[[^\]]*\]\([^)]*\)")
        for f in sorted(XWLB.glob("*.txt")):
            text = tag.sub("", f.read_text(encoding="utf-8"))
            for s in re.findall(r"[^。！？\n]{12,120}[。！？]", text):
                s = s.strip().lstrip("#").strip()
                if sum("\u4e00" <= c <= "\u9fff" for c in s) > 0.6 * len(s):
                    out.append(s)
    if len(out) > 2000:
        return sorted(set(out))
    import jieba  # fallback: sentences of dictionary words

    words = []
    with open(Path(jieba.__file__).parent / "dict.txt", encoding="utf-8") as fh:
        for line in fh:
            w, f = line.split()[:2]
            if int(f) > 500 and all("\u4e00" <= c <= "\u9fff" for c in w):
                words.append(w)
    rng = random.Random(7)
    return ["".join(rng.choices(words, k=rng.randint(6, 16))) + "。" for _ in range(50000)]


def make_doc(rng: random.Random, sentences: list[str]) -> dict:
    title = rng.choice(sentences)[:rng.randint(10, 24)].rstrip("，。")
    paras: list[str] = []
    size = 0
    while size < TARGET_CHARS:
        p = "".join(rng.choice(sentences) for _ in range(rng.randint(2, 5)))
        paras.append(p)
        size += len(p)
    return {"title": title, "paras": paras, "byline": "责任编辑：" + rng.choice(
        ["王明", "李静", "张伟", "刘洋", "陈晨"])}


def render(doc: dict, date: str, style: int = 0) -> str:
    lines = [date, "", doc["title"], ""]
    for p in doc["paras"]:
        if style == 0:
            lines += ["\u3000\u3000" + p, ""]
        else:  # re-wrapped at 38 characters, no indent, full-width digits
            p = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in p)
            lines += [p[k:k + 38] for k in range(0, len(p), 38)] + [""]
    lines.append(doc["byline"])
    return "\n".join(lines) + "\n"


def substitute(rng: random.Random, text: str, rate: float, pool: str) -> str:
    chars = list(text)
    for k in rng.sample(range(len(chars)), int(len(chars) * rate)):
        chars[k] = rng.choice(pool)
    return "".join(chars)


def mutate(rng: random.Random, doc: dict, kind: str, sentences: list[str], pool: str) -> dict:
    d = {"title": doc["title"], "paras": list(doc["paras"]), "byline": doc["byline"]}
    if kind == "char-edits":
        for _ in range(rng.randint(1, 10)):
            k = rng.randrange(len(d["paras"]))
            p = d["paras"][k]
            x = rng.randrange(len(p))
            d["paras"][k] = p[:x] + rng.choice(pool) + p[x + 1:]
    elif kind == "figures":
        d["paras"] = [re.sub(r"\d+", lambda m: str(int(m.group()) + rng.randint(1, 9)), p)
                      for p in d["paras"]]
    elif kind == "paragraph-edit":
        k = rng.randrange(len(d["paras"]))
        op = rng.choice(["replace", "add", "remove"])
        new = "".join(rng.choice(sentences) for _ in range(2))
        if op == "replace":
            d["paras"][k] = new
        elif op == "add":
            d["paras"].insert(k, new)
        elif len(d["paras"]) > 2:
            del d["paras"][k]
    elif kind.startswith("scattered-"):
        rate = int(kind.split("-")[1].rstrip("pct")) / 100
        d["paras"] = [substitute(rng, p, rate, pool) for p in d["paras"]]
    elif kind == "contained":
        extra = make_doc(rng, sentences)["paras"]
        cut = rng.randint(0, len(extra))
        d["paras"] = extra[:cut] + d["paras"] + extra[cut:]
    return d


def build(n: int, folder: Path, seed: int) -> dict:
    """Write ``n`` seeds into ``folder``; return the manifest of planted pairs."""
    manifest_path = folder / "manifest.json"
    if manifest_path.is_file():
        m = json.loads(manifest_path.read_text())
        if m.get("n") == n and m.get("seed") == seed:
            return m
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.txt"):
        old.unlink()
    rng = random.Random(seed)
    sentences = load_sentences()
    pool = "".join(sorted({c for s in sentences[:3000] for c in s if "\u4e00" <= c <= "\u9fff"}))
    press = ["".join(rng.choice(sentences) for _ in range(3)) for _ in range(5)]
    docs: list[dict] = []
    planted: list[dict] = []
    kinds = list(KINDS)
    weights = [KINDS[k] for k in kinds]
    plant_rate = sum(weights)
    styles: list[int] = []
    for i in range(n):
        style = 0
        if i > 10 and rng.random() < plant_rate:
            kind = rng.choices(kinds, weights)[0]
            src = rng.randrange(i)
            for _ in range(50):  # copy an original (with figures, for "figures")
                if not docs[src].get("planted") and (
                        kind != "figures" or any(re.search(r"\d", p) for p in docs[src]["paras"])):
                    break
                src = rng.randrange(i)
            doc = mutate(rng, docs[src], kind, sentences, pool)
            style = 1 if kind == "reformatted" else 0
            doc["planted"] = True
            planted.append({"kind": kind, "a": f"{src:06d}.txt", "b": f"{i:06d}.txt"})
        else:
            doc = make_doc(rng, sentences)
            r = rng.random()
            if r < SHARED_RATE:
                doc["paras"].insert(rng.randrange(len(doc["paras"])), rng.choice(press))
            elif r < SHARED_RATE + REPEAT_RATE:
                doc["paras"] = doc["paras"] + [doc["byline"]] + doc["paras"]
        docs.append(doc)
        styles.append(style)
    for i, doc in enumerate(docs):
        date = f"20{20 + i % 6}-{1 + i % 12:02d}-{1 + i % 28:02d}"
        (folder / f"{i:06d}.txt").write_text(render(doc, date, styles[i]), encoding="utf-8")
    m = {"n": n, "seed": seed, "planted": planted,
         "sentences": "xwlb" if XWLB.is_dir() else "jieba"}
    manifest_path.write_text(json.dumps(m))
    return m


# -- measuring (in a subprocess per size) ------------------------------------------------------

def _load_duplicate_only() -> None:
    """Register the duplicate checks (and format) only: the benchmark times this
    category, and another category's module being edited must not break it."""
    import importlib

    from checks import registry

    importlib.import_module("checks.rules.format")
    importlib.import_module("checks.rules.duplicate")
    registry._loaded = True


def _file_check(path: str):
    from checks.config import Config
    from checks.engine import CheckContext
    from checks.rules.duplicate import repeated_body
    from checks.seed import read_seed

    seed = read_seed(Path(path), Path(path).name)
    return len(list(repeated_body(seed, CheckContext(Config(), "duplicate.repeated-body"))))


def _feature(path: str):
    from checks.config import Config
    from checks.engine import CheckContext
    from checks.rules.duplicate import duplicate_features
    from checks.seed import read_seed

    seed = read_seed(Path(path), Path(path).name)
    return duplicate_features(seed, CheckContext(Config(), "index:duplicate"))


def measure(folder: Path, workers: int, recall: bool) -> dict:
    from checks import registry
    from checks.config import Config
    from checks.engine import Corpus, check_corpus
    from checks.rules import duplicate as dup

    _load_duplicate_only()
    paths = sorted(p.name for p in folder.glob("*.txt"))
    full = [str(folder / p) for p in paths]
    out: dict = {"seeds": len(paths)}

    t, c = time.perf_counter(), time.process_time()
    repeated = sum(_file_check(p) for p in full)
    out["repeated_body_serial_s"] = round(time.perf_counter() - t, 2)
    out["repeated_body_serial_cpu_s"] = round(time.process_time() - c, 2)
    out["repeated_body_findings"] = repeated
    ctx = mp.get_context("fork")
    t = time.perf_counter()
    with ctx.Pool(workers) as pool:
        pool.map(_file_check, full, chunksize=64)
    out[f"repeated_body_{workers}proc_s"] = round(time.perf_counter() - t, 2)

    # corpus checks, index extracted serially (as the corpus item does today)
    cfg = Config()
    t, c = time.perf_counter(), time.process_time()
    corpus = Corpus(folder, paths, cfg)
    corpus.features("duplicate")
    out["index_serial_s"] = round(time.perf_counter() - t, 2)
    out["index_serial_cpu_s"] = round(time.process_time() - c, 2)
    t, c = time.perf_counter(), time.process_time()
    findings = check_corpus(corpus, "duplicate")
    out["analysis_and_checks_s"] = round(time.perf_counter() - t, 2)
    out["analysis_and_checks_cpu_s"] = round(time.process_time() - c, 2)
    an = dup.analyze(corpus, cfg)
    out["candidates"] = an.candidates
    out["verified"] = an.verified
    out["findings"] = dict(Counter(f.check for f in findings))

    # index extracted on N processes (what a cached/parallel feature_source gives)
    an.texts = None  # drop the first corpus (peak memory of one pass only)
    del corpus, findings
    t = time.perf_counter()
    with ctx.Pool(workers) as pool:
        feats = pool.map(_feature, full, chunksize=64)
    fmap = dict(zip(paths, feats))
    corpus2 = Corpus(folder, paths, cfg, feature_source=lambda index, rel: fmap[rel])
    check_corpus(corpus2, "duplicate")
    out[f"corpus_total_{workers}proc_index_s"] = round(time.perf_counter() - t, 2)
    out["corpus_total_serial_s"] = round(out["index_serial_s"] + out["analysis_and_checks_s"], 2)
    out["corpus_total_serial_cpu_s"] = round(out["index_serial_cpu_s"]
                                             + out["analysis_and_checks_cpu_s"], 2)
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    out["load_average_1min_at_end"] = round(os.getloadavg()[0], 2)

    manifest = json.loads((folder / "manifest.json").read_text())
    found = {(a, b) for a, b in an.near}
    contained = set(an.contained)
    by_kind: dict[str, list[int]] = {}
    for p in manifest["planted"]:
        k = p["kind"]
        pair = (p["a"], p["b"])
        if k in ("redated", "reformatted"):
            hit = an.identical_first.get(p["b"]) == p["a"]
        elif k == "contained":
            hit = pair in contained
        else:
            hit = pair in found
        by_kind.setdefault(k, [0, 0])
        by_kind[k][0] += int(hit)
        by_kind[k][1] += 1
    out["planted_found"] = {k: f"{v[0]}/{v[1]}" for k, v in sorted(by_kind.items())}

    if recall:
        out.update(all_pairs_recall(corpus2, an, cfg, workers, manifest))
    return out


def all_pairs_recall(corpus, an, cfg, workers: int, manifest: dict) -> dict:
    import numpy as np
    from rapidfuzz import fuzz, process

    from checks.paragraphs import fold_figures
    from checks.rules import duplicate as dup

    thr = cfg.opt(dup.NEAR, "threshold", 0.85)
    min_chars = cfg.opt(dup.NEAR, "min_chars", 200)
    feats = dict(corpus.features("duplicate"))
    paths = [p for p in corpus.paths if feats[p]["len"] >= min_chars]
    texts = dup._Texts(corpus, size=len(paths) + 1)
    folded = [fold_figures(texts.norm(p)) for p in paths]
    t = time.perf_counter()
    m = process.cdist(folded, folded, scorer=fuzz.ratio, score_cutoff=thr * 100,
                      dtype=np.uint8, workers=workers)
    elapsed = time.perf_counter() - t
    # a file identical to an earlier one is represented by that first file (its near
    # pairs are the first file's), so pairs are counted between representatives
    rep = {p: an.identical_first.get(p, p) for p in paths}
    truth = set()
    for i, j in zip(*np.nonzero(np.triu(m, 1))):
        a, b = sorted((rep[paths[i]], rep[paths[j]]))
        if a == b:
            continue  # identical: the identical-file check's business
        # exact check of the borderline (cdist scores are rounded to integers)
        if dup.body_similarity(texts.paras(a), texts.paras(b)) >= thr:
            truth.add((a, b))
    found = set(an.near)
    kinds = {(p["a"], p["b"]): p["kind"] for p in manifest["planted"]}
    missed = sorted(truth - found)
    return {
        "all_pairs_s": round(elapsed, 1),
        "all_pairs_true_near_pairs": len(truth),
        "lsh_found": len(truth & found),
        "recall": round(len(truth & found) / max(len(truth), 1), 4),
        "false_pairs": len(found - truth),
        "missed": [(a, b, kinds.get((a, b), "unplanted"),
                    round(dup.body_similarity(texts.paras(a), texts.paras(b)), 3))
                   for a, b in missed[:20]],
    }


def xwlb_findings() -> dict:
    from checks import registry
    from checks.config import Config
    from checks.engine import Corpus, check_corpus, check_seed
    from checks.seed import read_seed

    _load_duplicate_only()
    cfg = Config(select=["duplicate"])
    paths = sorted(p.name for p in XWLB.glob("*.txt"))
    t = time.perf_counter()
    found = []
    for rel in paths:
        found += check_seed(read_seed(XWLB / rel, rel), cfg)
    found += check_corpus(Corpus(XWLB, paths, cfg), "duplicate")
    return {"files": len(paths), "seconds": round(time.perf_counter() - t, 2),
            "findings": [f"{f.check} {f.path}:{f.line}-{f.end_line} {f.message}"
                         for f in found if f.category == "duplicate"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000, 50000])
    ap.add_argument("--seed", type=int, default=20261125)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--work", type=Path, default=Path("/tmp/seedcheck-dupbench"))
    ap.add_argument("--no-xwlb", action="store_true")
    ap.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--recall", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.workers, args.recall)))
        return
    results = {}
    smallest = min(args.sizes) if args.sizes else None
    if smallest is not None and smallest > 2000:
        smallest = None  # all-pairs on more than a few thousand seeds takes hours
    for n in args.sizes:
        folder = args.work / f"corpus-{n}"
        t = time.perf_counter()
        build(n, folder, args.seed)
        print(f"[{n}] corpus ready in {time.perf_counter() - t:.1f} s", file=sys.stderr)
        cmd = [sys.executable, __file__, "--measure", str(folder), "--workers",
               str(args.workers)] + (["--recall"] if n == smallest else [])
        res = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        if res.returncode:
            print(res.stderr, file=sys.stderr)
            raise SystemExit(res.returncode)
        results[n] = json.loads(res.stdout.strip().splitlines()[-1])
        print(json.dumps({n: results[n]}, ensure_ascii=False, indent=1))
    if not args.no_xwlb and XWLB.is_dir():
        x = xwlb_findings()
        print(json.dumps({"xwlb": x}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
