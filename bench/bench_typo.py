"""Benchmark of the typo checks on real text (not a test; numbers go to docs/typos.md).

    python bench/bench_typo.py [--corpus ../shared/corpus] [--show 40]

1. False alarms on ``xwlb/`` (150 news transcripts, clean text): every typo finding
   (file and corpus checks), grouped by check, with line and excerpt to review.
2. ``csc/ecspell_law.tsv`` and ``ecspell_med.tsv``: character-level detection
   precision and recall of the typo findings (a flagged character is a character inside
   a finding's span that the fix changes, or the whole span when there is no fix), and
   the share of correct sentences with any finding.
   Each test set is checked as a corpus (one seed a sentence), with the defaults and
   with ``in_table = true`` (the opt-in in-table sound-alike candidates).
3. Time per megabyte for the file checks and the corpus check, with dictionaries
   already loaded.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from checks import registry  # noqa: E402
from checks.config import Config  # noqa: E402
from checks.engine import Corpus, check_corpus, check_seed  # noqa: E402
from checks.seed import read_seed, seed_from_text  # noqa: E402


CHAR_CHECKS = {"typo.known-misspelling", "typo.lookalike-char", "typo.traditional-char",
               "typo.corpus-rare-form", "typo.confusable-char", "typo.broken-idiom",
               "typo.language-model", "typo.variant-form", "typo.real-word"}


def typo_only(check_id: str) -> bool:
    return check_id.startswith("typo.")


def flagged_chars(f, text: str) -> set[int]:
    """Offsets the finding says are wrong: where the fix differs from the text."""
    s, e = f.start, f.end
    if f.fix is not None and f.fix.start is None and len(f.fix.replacement) == e - s:
        return {s + i for i, (a, b) in enumerate(zip(text[s:e], f.fix.replacement)) if a != b}
    return set(range(s, e))


def bench_xwlb(folder: Path, show: int, cfg: Config, label: str) -> None:
    paths = sorted(p.name for p in folder.glob("*.txt"))
    findings = []
    chars = 0
    t0 = time.perf_counter()
    for rel in paths:
        seed = read_seed(folder / rel, rel)
        chars += len(seed.text or "")
        findings += check_seed(seed, cfg, only=typo_only)
    t_file = time.perf_counter() - t0
    t0 = time.perf_counter()
    corpus = Corpus(folder, paths, cfg)
    findings += check_corpus(corpus, "typo")
    t_corpus = time.perf_counter() - t0
    mb = sum((folder / p).stat().st_size for p in paths) / 1e6
    print(f"xwlb [{label}]: {len(paths)} documents, {mb:.2f} MB, {chars:,} characters")
    print(f"  typo findings: {len(findings)} "
          f"({len(findings) / len(paths) * 50:.2f} per 50 documents)")
    by = Counter((f.check, f.severity) for f in findings)
    for (check, sev), n in sorted(by.items()):
        print(f"    {check:32s} {sev:8s} {n}")
    for f in findings[:show]:
        print(f"  {f.path}:{f.line}:{f.column} {f.check} [{f.severity}] {f.excerpt!r} "
              f"fix={f.fix.replacement if f.fix else None!r} :: {f.message[:120]}")
    print(f"  time: file checks {t_file:.2f} s ({t_file / mb:.2f} s/MB), corpus checks "
          f"{t_corpus:.2f} s ({t_corpus / mb:.2f} s/MB)")


def bench_csc(path: Path, show: int, cfg: Config, label: str, dump=None) -> None:
    """Each sentence is one seed of a corpus (so the corpus check sees all 500).
    ``dump``: an open file that gets one tab-separated line per finding (set, sentence
    number, check, detector, column, excerpt, fix, right and false characters, the
    sentence and its target, the finding's evidence)."""
    import tempfile

    with open(path, encoding="utf-8") as f:
        rows = [r for r in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)][1:]
    rows = [r for r in rows if len(r) >= 2]
    head = "2020-01-01\n\n"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        names = []
        for n, row in enumerate(rows):
            name = f"{n:04d}.txt"
            (folder / name).write_text(head + row[0], encoding="utf-8")
            names.append(name)
        t0 = time.perf_counter()
        by_path: dict[str, list] = {}
        for name in names:
            seed = read_seed(folder / name, name)
            for fi in check_seed(seed, cfg, only=typo_only):
                by_path.setdefault(name, []).append((fi, seed.text))
        corpus = Corpus(folder, names, cfg)
        for fi in check_corpus(corpus, "typo"):
            by_path.setdefault(fi.path, []).append((fi, corpus.seed(fi.path).text))
        dt = time.perf_counter() - t0
    tp = fp = fn = 0
    ctp = cfp = 0  # the character checks only (ECSpell annotates no punctuation)
    fixed_right = 0  # detected error characters whose fix gives the target character
    per_check: Counter = Counter()
    nchars = sum(len(r[0]) for r in rows)
    correct = correct_flagged = wrong_sent = wrong_sent_hit = 0
    examples = []
    for name, (src, tgt) in zip(names, (r[:2] for r in rows)):
        fs = by_path.get(name, [])
        flagged: set[int] = set()
        chars_flagged: set[int] = set()
        gold = ({i for i, (a, b) in enumerate(zip(src, tgt)) if a != b}
                if len(src) == len(tgt) else set())
        for fi, text in fs:
            offs = {i - len(head) for i in flagged_chars(fi, text)}
            flagged |= offs
            if fi.check in CHAR_CHECKS:
                chars_flagged |= offs
            per_check[(fi.check, fi.severity, "tp")] += len(offs & gold)
            per_check[(fi.check, fi.severity, "fp")] += len(offs - gold)
            if dump is not None:
                det = (fi.evidence or {}).get("detector", "") if isinstance(
                    fi.evidence, dict) else ""
                print(path.name, name, fi.check, det, fi.column, fi.excerpt,
                      fi.fix.replacement if fi.fix else "", len(offs & gold),
                      len(offs - gold), src, tgt, json.dumps(fi.evidence, ensure_ascii=False),
                      sep="\t", file=dump)
            if fi.fix is not None and fi.fix.start is None and len(fi.fix.replacement) == (
                    fi.end - fi.start):
                base = fi.start - len(head)
                for i in offs & gold:
                    k = i - base
                    if 0 <= k < len(fi.fix.replacement) and fi.fix.replacement[k] == tgt[i]:
                        fixed_right += 1
        if not gold:
            correct += 1
            correct_flagged += bool(fs)
        else:
            wrong_sent += 1
            wrong_sent_hit += bool(flagged & gold)
        tp += len(flagged & gold)
        fp += len(flagged - gold)
        fn += len(gold - flagged)
        ctp += len(chars_flagged & gold)
        cfp += len(chars_flagged - gold)
        if fs and len(examples) < show:
            examples.append((src, [(x.check, x.excerpt, x.fix.replacement if x.fix else None)
                                   for x, _ in fs], sorted(gold)))
    prec = tp / (tp + fp) if tp + fp else float("nan")
    rec = tp / (tp + fn) if tp + fn else float("nan")
    print(f"{path.name} [{label}]: {len(rows)} sentences ({correct} correct, {wrong_sent} "
          f"with errors), {dt:.2f} s")
    print(f"  character-level detection: TP {tp}, FP {fp}, FN {fn}; precision "
          f"{prec:.3f}, recall {rec:.3f}")
    cprec = ctp / (ctp + cfp) if ctp + cfp else float("nan")
    print(f"  character checks only ({', '.join(sorted(c.split('.')[1] for c in CHAR_CHECKS))}):"
          f" TP {ctp}, FP {cfp}; precision {cprec:.3f}")
    print(f"  correction accuracy (fix gives the target, of detected): "
          f"{fixed_right / tp if tp else float('nan'):.3f} ({fixed_right}/{tp})")
    print(f"  false alarms per 10,000 characters: {fp / nchars * 1e4:.2f} "
          f"({fp} flagged characters that are right, {nchars:,} characters)")
    for (check, sev) in sorted({(c, v) for c, v, _ in per_check}):
        a, b = per_check[(check, sev, "tp")], per_check[(check, sev, "fp")]
        print(f"    {check:30s} {sev:8s} TP {a:4d} FP {b:4d} precision "
              f"{a / (a + b) if a + b else float('nan'):.3f}")
    print(f"  sentences with errors that got a finding on an error: {wrong_sent_hit}/{wrong_sent}")
    print(f"  correct sentences with any typo finding (false alarms): "
          f"{correct_flagged}/{correct}")
    for src, fs, gold in examples:
        print(f"    {src[:60]!r} -> {fs} gold={gold}")


def bench_labelled(path: Path) -> None:
    """bench/data/typo_labelled.tsv: the project's own sentences with common typos from
    public proofreading lists; each wrong and each corrected sentence is one seed of one
    corpus. Per split: typos found (a finding covers the changed character), fixes that
    give the right form, and findings on the corrected sentences (false alarms)."""
    import tempfile

    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            split, source, wrong, right = line.split("\t")
            rows.append((split, source, wrong, right))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        names = []
        for n, (_split, _src, wrong, right) in enumerate(rows):
            for kind, text in (("w", wrong), ("r", right)):
                name = f"{n:03d}{kind}.txt"
                (folder / name).write_text("2020-01-01\n\n" + text + "\n", encoding="utf-8")
                names.append(name)
        cfg = Config()
        found = []
        for name in names:
            found += check_seed(read_seed(folder / name, name), cfg, only=typo_only)
        found += check_corpus(Corpus(folder, names, cfg), "typo")
    by: dict[str, list] = {}
    for f in found:
        by.setdefault(f.path, []).append(f)
    stats: dict[str, Counter] = {}
    misses = []
    for n, (split, _src, wrong, right) in enumerate(rows):
        st = stats.setdefault(split, Counter())
        st["typos"] += 1
        gold = {i for i, (a, b) in enumerate(zip(wrong, right)) if a != b}
        hit = fixed = False
        for f in by.get(f"{n:03d}w.txt", []):
            s0 = f.column - 1
            span = set(range(s0, s0 + len(f.excerpt)))
            if span & gold:
                hit = True
                if f.fix is not None:
                    fixed |= (wrong[:s0] + f.fix.replacement + wrong[s0 + len(f.excerpt):]
                              == right)
        st["found"] += hit
        st["fixed"] += fixed
        st["false alarms"] += len(by.get(f"{n:03d}r.txt", []))
        if not hit:
            misses.append((split, wrong))
    print(f"{path.name}: the project's labelled sentences (sources in the file)")
    for split, st in sorted(stats.items()):
        print(f"  {split:5s} typos {st['typos']:3d}, found {st['found']:3d} "
              f"(recall {st['found'] / st['typos']:.2f}), right fix {st['fixed']:3d}, "
              f"findings on the corrected sentences {st['false alarms']}")
    print("  missed: " + "; ".join(f"[{sp}] {w}" for sp, w in misses))


def bench_speed(size: int) -> None:
    """CPU time of the typo checks per 5 KB seed, and of the corpus statistics (the
    reduce over the per-seed features) on ``size`` generated seeds."""
    import subprocess
    import tempfile

    from checks.cache import index_features

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "seeds"
        subprocess.run([sys.executable, str(ROOT / "bench" / "gen_corpus.py"), "--size",
                        str(size), "--out", str(folder)], check=True, capture_output=True)
        paths = sorted(p.name for p in folder.glob("*.txt"))
        cfg = Config()
        seeds = [read_seed(folder / p, p) for p in paths]
        kb = sum(len((s.text or "").encode("utf-8")) for s in seeds) / 1000
        # warm-up: dictionaries load once per process
        t0 = time.perf_counter()
        check_seed(seeds[0], cfg, only=typo_only)
        index_features(seeds[0], cfg, ["typo"])
        load = time.perf_counter() - t0
        t0 = time.process_time()
        for seed in seeds:
            check_seed(seed, cfg, only=typo_only)
        t_file = time.process_time() - t0
        t0 = time.process_time()
        feats = {}
        for seed in seeds:
            feats[seed.rel] = index_features(seed, cfg, ["typo"])["typo"]
        t_index = time.process_time() - t0
        from checks import typo_lm

        typo_lm._run_swaps.cache_clear()  # the language model's share, from a cold cache
        t0 = time.process_time()
        for seed in seeds:
            typo_lm.find_lm_confusions(seed.text or "")
        t_lm = time.process_time() - t0
        corpus = Corpus(folder, paths, cfg, feature_source=lambda name, rel: feats[rel])
        t0 = time.process_time()
        found = check_corpus(corpus, "typo")
        t_reduce = time.process_time() - t0
    per5 = 5 / (kb / len(seeds))
    print(f"speed on {size} generated seeds ({kb / len(seeds):.1f} KB each; CPU time, load "
          f"{os.getloadavg()[0]:.1f}): dictionaries load {load:.2f} s once per process")
    print(f"  typo file checks {t_file / len(seeds) * 1e3 * per5:.2f} ms per 5 KB seed; typo "
          f"index (confusion candidates, twin contexts) {t_index / len(seeds) * 1e3 * per5:.2f} "
          f"ms per 5 KB seed; together {(t_file + t_index) / len(seeds) * 1e3 * per5:.2f} ms; "
          f"of the index, typo.language-model {t_lm / len(seeds) * 1e3 * per5:.2f} ms")
    print(f"  corpus statistics (the typo corpus checks over the features): {t_reduce:.2f} s "
          f"for {size} seeds; {len(found)} typo corpus findings")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    ap.add_argument("--show", type=int, default=40)
    ap.add_argument("--quick", action="store_true", help="skip the slow in_table run on xwlb")
    ap.add_argument("--speed", type=int, default=10000, metavar="N",
                    help="seeds generated for the speed figures (0: skip)")
    ap.add_argument("--only-speed", action="store_true")
    ap.add_argument("--lm-gain", type=float, default=None,
                    help="min_gain of typo.language-model (default: the check's own)")
    ap.add_argument("--lm-both", type=float, default=None,
                    help="both_gain of typo.language-model (default: the check's own)")
    ap.add_argument("--only-csc", action="store_true", help="only the four csc sets")
    ap.add_argument("--dump", type=Path, default=None,
                    help="write every finding on the csc sets (defaults) to this TSV file "
                         "with its right and false characters, to judge them one by one")
    ap.add_argument("--lm-suspect", type=float, default=None,
                    help="typo_lm.SUSPECT: log10 probability under which a token with an "
                         "unseen bigram is tried (default: the module's own)")
    ap.add_argument("--neural", type=Path, default=None, metavar="DIR",
                    help="also run typo.neural with the spelling model exported to DIR "
                         "(model.onnx and tokenizer.json or vocab.txt; see the check's doc)")
    ap.add_argument("--neural-min-prob", type=float, default=None,
                    help="typo.neural's min_prob (default: the check's own)")
    args = ap.parse_args(argv)
    if args.lm_suspect is not None:
        from checks import typo_lm

        typo_lm.SUSPECT = args.lm_suspect
    registry.load_builtin()
    # warm the dictionaries so the timing is the steady state of a long run
    t0 = time.perf_counter()
    check_seed(seed_from_text("2020-01-01\n\n攻坚实缋突出，釆取措施。殘"), Config(), only=typo_only)
    print(f"dictionary load (once per process): {time.perf_counter() - t0:.2f} s")
    if not args.only_csc:
        bench_labelled(ROOT / "bench" / "data" / "typo_labelled.tsv")
    if args.speed and not args.only_csc:
        bench_speed(args.speed)
    if args.only_speed:
        return 0
    lm_opts = {k: v for k, v in (("min_gain", args.lm_gain), ("both_gain", args.lm_both))
               if v is not None}
    checks_opts = {"typo.language-model": lm_opts} if lm_opts else {}
    if args.neural is not None:
        checks_opts["typo.neural"] = {"model": str(args.neural.resolve())}
        if args.neural_min_prob is not None:
            checks_opts["typo.neural"]["min_prob"] = args.neural_min_prob
    default = Config(checks=checks_opts)
    in_table = Config(checks={"typo.corpus-rare-form": {"in_table": True}})
    dump = open(args.dump, "w", encoding="utf-8") if args.dump else None
    for name in ("ecspell_law.tsv", "ecspell_med.tsv", "cscdns_news.tsv", "rmrb_clean.tsv"):
        bench_csc(args.corpus / "csc" / name, min(args.show, 10), default, "defaults", dump)
    if dump is not None:
        dump.close()
    if not args.quick:
        for name in ("ecspell_law.tsv", "ecspell_med.tsv"):
            bench_csc(args.corpus / "csc" / name, min(args.show, 10), in_table,
                      "in_table = true")
    if args.only_csc:
        return 0
    bench_xwlb(args.corpus / "xwlb", args.show, default, "defaults")
    if not args.quick:
        bench_xwlb(args.corpus / "xwlb", args.show, in_table, "in_table = true")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
