"""Labelled pages for the chrome checks (issue 16; a benchmark, not a test).

    python bench/bench_labelled_chrome.py [--xwlb ../shared/corpus/xwlb] [--pages 300]

Builds pages the way scrapers leave them, from real article text read at run time
(xwlb stories, see ``bench/realpages.py``; nothing is committed), with chrome lines of
every family placed at the head, after the title, at the tail and between two copies of
the article (half of the pages hold the article twice). Every line is labelled chrome or
text; a line counts as found when a ``chrome.*`` finding covers it. Prints line recall
and precision per family and overall, for the *tuning* seeds and for the *held-out*
seeds, which also draw chrome variants (marked ``held_out`` below) that never appear
in tuning pages: those were written before the rules were measured and not added to the
lexicon afterwards.

Targets (issue 16): line recall >= 0.95 at precision >= 0.98.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from checks.config import Config  # noqa: E402
from checks.engine import check_seed  # noqa: E402
from checks.seed import seed_from_text  # noqa: E402
from realpages import articles  # noqa: E402

SITES = ["某某市人民政府", "某某省发展和改革委员会", "某某县融媒体中心", "某某区政务服务网"]
SECTIONS = ["工作动态", "政务公开", "通知公告", "新闻中心", "部门动态", "要闻"]
NAMES = ["李莎莎", "王明", "张伟", "刘洋", "陈静"]
DOCS = ["实施方案", "工作要点", "申报指南", "统计公报", "政策解读"]


def _d(rng: random.Random) -> str:
    return f"20{rng.randint(17, 24)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def _t(rng: random.Random) -> str:
    return f"{rng.randint(7, 22):02d}:{rng.randint(0, 59):02d}"


# Each family: a list of (variant, held_out) where a variant makes a group of lines.
def families(rng: random.Random) -> dict[str, list[tuple[object, bool]]]:
    site = rng.choice(SITES)
    sec = rng.choice(SECTIONS)
    name = rng.choice(NAMES)
    doc = rng.choice(DOCS)
    dur = f"{rng.randint(0, 9):02d}:{rng.randint(10, 59):02d}"
    return {
        "widget": [
            (["【字体：大 中 小】"], False),
            (["【打印本页】 【关闭窗口】"], False),
            (["字号 加大 减小 还原"], False),
            (["【字体：", "大", "中", "小", "】"], False),
            (["【打印】【关闭】"], True),
        ],
        "share": [
            (["分享到：微信 微博 QQ空间"], False),
            (["扫一扫在手机打开当前页"], False),
            (["• 微信", "• 微博", "• 客户端"], False),
            (["用微信扫描二维码分享至好友和朋友圈"], True),
        ],
        "navigation": [
            ([f"当前位置：首页 > {sec} > 正文"], False),
            ([f"上一篇：关于做好{doc}编制工作的通知", f"下一篇：{site}召开专题会议"], False),
            (["返回顶部"], False),
            (["网站地图 | 联系我们"], True),
        ],
        "footer": [
            ([f"主办单位：{site}办公室", f"网站标识码：51000000{rng.randint(10, 99)}",
              f"某ICP备{rng.randint(10000000, 99999999)}号"], False),
            ([f"版权所有：{site}  技术支持：某某信息技术有限公司"], False),
            ([f"某公网安备 {rng.randint(10 ** 13, 10 ** 14 - 1)}号"], True),
        ],
        "byline": [
            ([f"发布时间：{_d(rng)} {_t(rng)} 来源：{site}"], False),
            ([f"责任编辑：{name}"], False),
            ([f"来源：{site}", f"作者：{name}"], True),
        ],
        # the families of issue 16
        "player": [
            (["播放", f"00:00 / {dur}", "全屏"], False),
            (["您的浏览器不支持video标签。"], False),
            (["视频加载中，请稍候..."], False),
            (["Play", "Current Time 0:00", f"Duration {dur.lstrip('0')}", "Fullscreen"], False),
            (["暂停", "静音", "倍速", "清晰度"], True),
            (["00:00", "/", dur], True),
        ],
        "attachment": [
            (["附件下载：", f"{doc}.pdf (1.{rng.randint(1, 9)}MB)", f"下载次数：{rng.randint(1, 999)}"],
             False),
            (["下载附件"], False),
            (["在线预览 下载"], False),
            ([f"{doc}.docx（{rng.randint(20, 900)}KB）", "点击下载"], True),
            (["相关附件：", f"{doc}.xls (56KB)"], True),
        ],
        "split-breadcrumb": [
            (["首页", ">", sec, ">", "正文"], False),
            ([f"当前位置：首页 > {sec}", sec], False),
            (["当前位置：", "首页", "»", sec], False),
            (["首页", "＞", sec, "＞", "详情"], True),
            (["您现在的位置：", "首页", ">", sec], True),
        ],
        "promo": [
            (["点击查看大图"], False),
            (["点击进入专题>>"], False),
            (["下载客户端"], False),
            (["查看原图"], True),
            (["更多精彩，请下载客户端"], True),
        ],
        "share-one-word": [
            (["分享到微信"], False),
            (["微信微博QQ空间"], False),
            (["分享到微信朋友圈"], True),
            (["分享至微博"], True),
        ],
        "close-glyph": [
            (["×"], False),
            (["[×]"], False),
            (["✕"], True),
            (["关闭 ×"], True),
        ],
        "widget-bracket": [
            (["【", "打印本页", "】"], False),
            (["】"], False),
            (["【", "关闭窗口", "】"], True),
            (["[", "关闭", "]"], True),
        ],
    }


def chrome_group(rng: random.Random, held_out: bool) -> tuple[str, list[str]]:
    fams = families(rng)
    fam = rng.choice(sorted(fams))
    variants = [v for v, h in fams[fam] if held_out or not h]
    return fam, list(rng.choice(variants))


def page(rng: random.Random, art: tuple[str, str, list[str]], held_out: bool
         ) -> tuple[str, list[str | None]]:
    """A page text and, per line (1-based index - 1), the chrome family or None."""
    _name, title, paras = art
    lines: list[tuple[str, str | None]] = []

    def put_chrome(k: int) -> None:
        for _ in range(k):
            fam, group = chrome_group(rng, held_out)
            for ln in group:
                lines.append((ln, fam))

    def put_body() -> None:
        lines.append((title, None))
        if rng.random() < 0.7:
            put_chrome(rng.randint(1, 2))  # metadata / widgets under the title
        for p in paras:
            lines.append(("", None))
            lines.append(("    " + p, None))
        lines.append(("", None))

    put_chrome(rng.randint(1, 3))
    put_body()
    if rng.random() < 0.5:
        put_chrome(rng.randint(1, 3))  # the end of the first copy
        lines.append(("", None))
        put_body()
    put_chrome(rng.randint(1, 4))
    text = "2024-01-01\n\n" + "\n".join(ln for ln, _ in lines) + "\n"
    labels: list[str | None] = [None, None] + [fam for _, fam in lines]
    return text, labels


def score(pages) -> dict:
    tp = fp = fn = 0
    fam_total: Counter = Counter()
    fam_found: Counter = Counter()
    false_lines: list[str] = []
    missed: Counter = Counter()
    cfg = Config(select=["chrome"])
    for i, (text, labels) in enumerate(pages):
        fs = check_seed(seed_from_text(text, f"p{i}.txt"), cfg)
        flagged = {n for f in fs if f.check != "chrome.markup"
                   for n in range(f.line, f.end_line + 1)}
        lines = text.split("\n")
        for n, lab in enumerate(labels, start=1):
            if n > len(lines) or not lines[n - 1].strip():
                continue
            hit = n in flagged
            if lab is not None:
                fam_total[lab] += 1
                if hit:
                    tp += 1
                    fam_found[lab] += 1
                else:
                    fn += 1
                    missed[(lab, lines[n - 1].strip()[:30])] += 1
            elif hit:
                fp += 1
                false_lines.append(lines[n - 1].strip()[:60])
    rec = tp / max(tp + fn, 1)
    prec = tp / max(tp + fp, 1)
    return {"pages": len(pages), "chrome_lines": tp + fn, "found": tp, "false": fp,
            "recall": round(rec, 4), "precision": round(prec, 4),
            "per_family": {f: f"{fam_found[f]}/{fam_total[f]}" for f in sorted(fam_total)},
            "missed": missed.most_common(8), "false_lines": false_lines[:8]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--xwlb", default=str(ROOT.parent / "shared" / "corpus" / "xwlb"))
    ap.add_argument("--pages", type=int, default=300)
    args = ap.parse_args()
    arts = articles(Path(args.xwlb))
    t0 = time.perf_counter()
    for split, base in (("tuning", 0), ("held-out", 100_000)):
        pages = []
        for k in range(args.pages):
            rng = random.Random(base + k)
            pages.append(page(rng, arts[rng.randrange(len(arts))], held_out=base > 0))
        r = score(pages)
        print(f"== {split} seeds ({base}..{base + args.pages - 1}): {r['pages']} pages, "
              f"{r['chrome_lines']} chrome lines: recall {r['recall']:.4f}, precision "
              f"{r['precision']:.4f} ({r['found']} found, {r['false']} text lines flagged)")
        print("   per family:", r["per_family"])
        if r["missed"]:
            print("   missed:", r["missed"])
        if r["false_lines"]:
            print("   text lines flagged:", r["false_lines"])
    print(f"   {time.perf_counter() - t0:.1f}s")


if __name__ == "__main__":
    main()
