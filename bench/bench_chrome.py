"""Benchmark of the chrome checks on real text (not a test; numbers go to docs/chrome.md).

    python bench/bench_chrome.py [--corpus ../shared/corpus] [--synthetic bench/out/corpus-1000]

1. ``xwlb/`` (150 news transcripts with HTML left in the text, and body text that
   mentions chrome words):
   * markup recall: every tag-like ``<...>`` and entity-like ``&...;`` found by a
     deliberately loose reference pattern (independent of the check's patterns) must lie
     inside a ``chrome.markup`` finding; residual markup after applying the fixes;
   * false chrome findings on body lines: lexicon findings (widget, share, navigation,
     footer, byline) on lines other than the capture header, the trailing
     ``---`` / ``(更新时间戳: …)`` block of the source repository and the
     ``[查看原文](https://…)`` link buttons after each story (counted apart: they are
     navigation); target <= 1 per 50 documents; also how many body lines mention chrome
     words at all.
   * ``chrome.repeated-edge-line`` on the clean corpus (should be silent), and on a copy
     with an unknown site header/footer planted into a share of the files (recall and
     precision on the planted lines, read from files written to a temporary folder).
2. ``csc/`` sentences (1,000 legal/medical sentences) each as a one-line page text at
   the head, the worst position: chrome findings are false alarms.
3. The synthetic corpus of ``bench/gen_corpus.py`` when present: recall on its planted
   chrome (head date/source bullets in every file, tail furniture in the files listed
   under ``chrome`` in the manifest) and the share of safe fixes.
4. Time per megabyte for the chrome file checks.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from checks.config import Config  # noqa: E402
from checks.engine import Corpus, check_corpus, check_seed  # noqa: E402
from checks.seed import read_seed, seed_from_text  # noqa: E402

LEXICON_CHECKS = {"chrome.widget", "chrome.share", "chrome.navigation", "chrome.footer",
                  "chrome.byline"}
LINK_BUTTON = re.compile(r"\[查看原文\]\([^()\s]+\)")  # the source's link to the original page
REF_MARKUP = re.compile(r"<[^<>\n]{1,400}>|&[A-Za-z#][A-Za-z0-9]{1,31};?")
CHROME_WORDS = re.compile(r"扫一扫|扫码|承办单位|主办单位|来源|分享|微信|微博|客户端|二维码|编辑|"
                          r"相关报道|相关链接|技术支持|联系我们|首页|打印|关闭|返回|版权")


def chrome_only(check_id: str) -> bool:
    return check_id.startswith("chrome.")


def apply_fixes(text: str, findings) -> str:
    edits = sorted({(f.fix.start if f.fix.start is not None else f.start,
                     f.fix.end if f.fix.end is not None else f.end, f.fix.replacement)
                    for f in findings if f.fix is not None}, reverse=True)
    last = len(text) + 1
    for s, e, r in edits:
        if e <= last:
            text = text[:s] + r + text[e:]
            last = s
    return text


def tail_meta_start(seed) -> int:
    """Line number where the source repository's trailing block starts (``---``)."""
    lines = seed.lines
    for ln in reversed(lines):
        if ln.text.strip() == "---":
            return ln.number
    return len(lines) + 1


def bench_xwlb(folder: Path, show: int) -> dict:
    files = sorted(folder.glob("*.txt"))
    cfg = Config()
    ref_total = ref_hit = 0
    residual = 0
    markup_findings = safe_markup = 0
    false_body: list[tuple[str, int, str, str]] = []
    meta_findings = Counter()
    mention_lines = 0
    link_total = link_flagged = 0
    chars = 0
    elapsed = 0.0
    for p in files:
        seed = read_seed(p, p.name)
        chars += len(seed.raw)
        t0 = time.perf_counter()
        fs = check_seed(seed, cfg, only=chrome_only)
        elapsed += time.perf_counter() - t0
        marks = [f for f in fs if f.check == "chrome.markup"]
        markup_findings += len(marks)
        safe_markup += sum(1 for f in marks if f.fix is not None and f.fix.safe)
        spans = [(f.start, f.end) for f in marks]
        body_from = seed.body_start
        for m in REF_MARKUP.finditer(seed.text, body_from):
            ref_total += 1
            if any(s <= m.start() and m.end() <= e for s, e in spans):
                ref_hit += 1
        fixed = apply_fixes(seed.text, [f for f in marks if f.fix is not None and f.fix.safe])
        residual += sum(1 for _ in REF_MARKUP.finditer(fixed, body_from))
        meta_from = tail_meta_start(seed)
        for ln in seed.lines[2:meta_from - 1]:
            if CHROME_WORDS.search(ln.text):
                mention_lines += 1
        link_lines = {ln.number for ln in seed.lines if LINK_BUTTON.fullmatch(ln.text.strip())}
        link_total += len(link_lines)
        for f in fs:
            if f.check not in LEXICON_CHECKS:
                continue
            lines = set(range(f.line, f.end_line + 1))
            if lines <= link_lines:
                link_flagged += len(lines)
            elif 3 <= f.line < meta_from:
                false_body.append((p.name, f.line, f.check, f.excerpt[:60]))
            else:
                meta_findings[f.check] += 1
    # corpus check on the clean corpus
    corpus = Corpus(folder, [p.name for p in files], cfg)
    rep_clean = [f for f in check_corpus(corpus, "chrome")
                 if f.check == "chrome.repeated-edge-line"]
    out = {
        "files": len(files),
        "markup_reference_spans": ref_total,
        "markup_recall": ref_hit / ref_total if ref_total else None,
        "markup_findings": markup_findings,
        "markup_safe_fixes": safe_markup,
        "markup_residual_after_safe_fixes": residual,
        "body_lines_mentioning_chrome_words": mention_lines,
        "link_button_lines": link_total,
        "link_button_lines_flagged": link_flagged,
        "false_chrome_on_body": len(false_body),
        "false_chrome_per_50_docs": 50 * len(false_body) / max(len(files), 1),
        "chrome_on_header_or_trailer": dict(meta_findings),
        "repeated_edge_line_on_clean": len(rep_clean),
        "megabytes": chars / 1e6,
        "file_checks_s_per_mb": elapsed / (chars / 1e6) if chars else None,
    }
    for row in false_body[:show]:
        print("  false body chrome:", *row)
    for f in rep_clean[:show]:
        print("  repeated-edge-line on clean:", f.path, f.line, f.excerpt)
    out.update(bench_planted_edge_lines(files, cfg))
    return out


HEADERS = [("某某省人民政府门户网站", "政务公开 政务服务 互动交流"),
           ("某某市融媒体中心", "新闻 | 视频 | 专题")]
FOOTER = ("本站由某某信息中心建设维护", "网站支持IPv6 适老化无障碍服务")


def bench_planted_edge_lines(files: list[Path], cfg: Config, share: float = 0.3) -> dict:
    """Plant an unknown site header (two lines) and footer line into a share of the
    files; measure chrome.repeated-edge-line on the planted lines."""
    rng = random.Random(7)
    planted: set[tuple[str, str]] = set()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for p in files:
            text = p.read_text(encoding="utf-8")
            lines = text.split("\n")
            if rng.random() < share:
                h = rng.choice(HEADERS)
                lines = lines[:2] + [h[0], h[1], ""] + lines[2:]
                while lines and not lines[-1].strip():
                    lines.pop()
                lines += ["", FOOTER[0], ""]
                planted.update({(p.name, h[0]), (p.name, h[1]), (p.name, FOOTER[0])})
            (root / p.name).write_text("\n".join(lines), encoding="utf-8")
        corpus = Corpus(root, [p.name for p in files], cfg)
        fs = [f for f in check_corpus(corpus, "chrome") if f.check == "chrome.repeated-edge-line"]
    got = {(f.path, f.excerpt) for f in fs}
    tp = len(got & planted)
    return {
        "planted_edge_lines": len(planted),
        "repeated_edge_line_recall": tp / len(planted) if planted else None,
        "repeated_edge_line_precision": tp / len(got) if got else None,
        "repeated_edge_line_findings": len(fs),
    }


def bench_csc(folder: Path, show: int) -> dict:
    cfg = Config()
    n = flagged = 0
    examples = []
    for name in ("ecspell_law.tsv", "ecspell_med.tsv"):
        path = folder / name
        if not path.exists():
            continue
        with path.open(encoding="utf-8") as fh:
            rows = list(csv.reader(fh, delimiter="\t"))[1:]
        for row in rows:
            for sent in {row[0], row[1]}:
                n += 1
                fs = [f for f in check_seed(seed_from_text("2020-07-26\n\n" + sent + "\n"), cfg,
                                            only=chrome_only) if f.check != "chrome.markup"]
                if fs:
                    flagged += 1
                    examples.append((sent[:60], fs[0].check))
    for e in examples[:show]:
        print("  csc chrome:", *e)
    return {"csc_sentences": n, "csc_sentences_with_chrome": flagged}


FURNITURE = re.compile(r"• \d{4}年\d{2}月\d{2}日 \d{1,2}时\d{2}分|• 来源: .*|责任编辑.*|扫一扫.*|"
                       r"主办单位.*|• 微信|• 微博|• 手机版 电脑版")


def bench_synthetic(folder: Path) -> dict:
    manifest = json.loads((folder / ".manifest.json").read_text(encoding="utf-8"))
    chrome_files = set(manifest["planted"].get("chrome", []))
    cfg = Config()
    expected = found = safe = total_findings = 0
    extra = 0
    for p in sorted(folder.glob("*.txt")):
        seed = read_seed(p, p.name)
        fs = [f for f in check_seed(seed, cfg, only=chrome_only) if f.check in LEXICON_CHECKS]
        total_findings += len(fs)
        safe += sum(1 for f in fs if f.fix and f.fix.safe)
        flagged = {n for f in fs for n in range(f.line, f.end_line + 1)}
        want = set()
        for ln in seed.lines:
            t = ln.text.strip()
            if re.fullmatch(r"• \d{4}年\d{2}月\d{2}日 \d{1,2}时\d{2}分|• 来源: .*", t):
                want.add(ln.number)
        if p.name in chrome_files:
            for ln in seed.lines:
                t = ln.text.strip()
                if (t.startswith(("责任编辑", "扫一扫", "主办单位")) or t in {"• 微信", "• 微博",
                                                                         "• 手机版 电脑版"}):
                    want.add(ln.number)
        expected += len(want)
        found += len(want & flagged)
        extra += sum(1 for n in flagged - want if not FURNITURE.fullmatch(
            seed.lines[n - 1].text.strip()))
    return {"synthetic_files": len(list(folder.glob('*.txt'))),
            "synthetic_chrome_lines": expected,
            "synthetic_recall": found / expected if expected else None,
            "synthetic_flagged_non_furniture_lines": extra,
            "synthetic_findings": total_findings,
            "synthetic_safe_fix_share": safe / total_findings if total_findings else None}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus"))
    ap.add_argument("--synthetic", default=str(ROOT / "bench" / "out" / "corpus-1000"))
    ap.add_argument("--show", type=int, default=20)
    args = ap.parse_args()
    corpus = Path(args.corpus)
    results: dict = {}
    if (corpus / "xwlb").is_dir():
        results["xwlb"] = bench_xwlb(corpus / "xwlb", args.show)
    if (corpus / "csc").is_dir():
        results["csc"] = bench_csc(corpus / "csc", args.show)
    syn = Path(args.synthetic)
    if (syn / ".manifest.json").exists():
        results["synthetic"] = bench_synthetic(syn)
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
