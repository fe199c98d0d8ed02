"""Generate a synthetic corpus of seed files for the benchmark (not a test).

    python bench/gen_corpus.py --size 10000 --out bench/out/corpus-10000

Every seed follows the seed convention (ISO date, blank line, page text) and is about
5 KB of Chinese text laid out like a scraped government page: a title, a date/source
block, a heading, indented paragraphs. Defects are planted at fixed rates (a manifest,
``.manifest.json`` inside the folder, lists which seed got which):

* ``copy``: an exact copy of an earlier seed;
* ``near-copy``: an earlier seed with two paragraphs replaced and a few characters changed;
* ``repeated-body``: the page text appears twice in one file (as in the sample seed);
* ``typo``: known misspellings (实缋 for 实绩, 釆取 for 采取);
* ``chrome``: page furniture at the end (责任编辑, 扫一扫在手机打开当前页, 主办单位 ...);
* ``figure``: one statistic stated twice with different figures.

Sentences come from the news transcripts in ``/work/shared/corpus/xwlb/`` when that
folder exists (read at run time, never copied into the repository); otherwise from a
small built-in phrase grammar, so the script runs anywhere. The output depends only on
``--size``, ``--seed`` and the sentence source.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import random
import re
import shutil
from pathlib import Path

XWLB = Path("/work/shared/corpus/xwlb")
TARGET_BYTES = 5000

RATES = {"copy": 0.01, "near-copy": 0.01, "repeated-body": 0.005, "typo": 0.03,
         "chrome": 0.20, "figure": 0.02}

# Built-in fallback grammar (written for this benchmark).
_SUBJECTS = ["全市", "各县区", "市扶贫办", "乡镇党委", "驻村工作队", "市农业农村局", "基层党组织",
             "各级干部", "村两委班子", "帮扶单位", "市财政局", "合作社"]
_VERBS = ["扎实推进", "统筹安排", "认真落实", "持续深化", "全面加强", "积极探索", "稳步开展",
          "切实抓好", "大力实施", "着力完善"]
_OBJECTS = ["脱贫攻坚各项工作", "产业扶贫项目建设", "基础设施改善工程", "农村人居环境整治",
            "易地扶贫搬迁后续帮扶", "教育医疗保障措施", "集体经济发展壮大行动", "就业技能培训",
            "小额信贷风险防控", "基层组织阵地建设", "党员干部结对帮扶", "特色种养业发展"]
_TAILS = ["，取得了明显成效。", "，群众满意度不断提升。", "，为全面小康打下坚实基础。",
          "，形成了可复制可推广的经验。", "，确保各项任务按期完成。", "，有力推动了乡村振兴。",
          "，切实增强了群众的获得感。", "，进一步夯实了工作基础。"]

CHROME_NAMES = ["李莎莎", "王晓明", "张建国", "刘芳", "陈静", "赵磊"]
CHROME_ORGS = ["四川省人民政府办公厅", "达州市人民政府", "某某县融媒体中心", "市信息中心"]
FIGURE_ITEMS = [("新建村级活动阵地", "个"), ("培训农村实用人才", "人次"), ("发放扶贫小额信贷", "万元"),
                ("改造农村危房", "户"), ("硬化通村道路", "公里")]


def load_sentences(source: Path = XWLB) -> list[str]:
    """Sentences (ending in 。) of 15-120 characters from the transcripts, or the
    fallback grammar when the folder is missing."""
    out: list[str] = []
    seen: set[str] = set()
    if source.is_dir():
        for path in sorted(source.glob("*.txt")):
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines()[2:]:
                line = re.sub(r"<[^<>]*>", "\n", line)  # the transcripts hold HTML
                line = re.sub(r"&[a-z]+;|&#\d+;", "", line).strip()
                if not line or line[0] in "#（(0123456789":
                    continue
                for s in re.findall(r"[^。！？\n]*[。！？]", line):
                    s = re.sub(r"^.*（新闻联播）：", "", s.strip())
                    if 15 <= len(s) <= 120 and s not in seen and "扫一扫" not in s \
                            and "承办单位" not in s and "主办单位" not in s:
                        seen.add(s)
                        out.append(s)
    if len(out) < 500:
        rng = random.Random(7)
        out = []
        for _ in range(5000):
            s = rng.choice(_SUBJECTS) + rng.choice(_VERBS) + rng.choice(_OBJECTS) + rng.choice(_TAILS)
            if s not in seen:
                seen.add(s)
                out.append(s)
    return out


_FIGURE = re.compile(r"\d+(?:\.\d+)?(?=[万亿个家人名项元%％吨公台辆所座])")
GENERATOR_VERSION = 2


def _redraw(rng: random.Random, num: str) -> str:
    if "." in num:
        whole, frac = num.split(".", 1)
        return f"{rng.randint(1, max(1, 10 ** len(whole) - 1))}.{rng.randint(0, 10 ** len(frac) - 1):0{len(frac)}d}"
    return str(rng.randint(10 ** (len(num) - 1) if len(num) > 1 else 1, 10 ** len(num) - 1))


class Generator:
    def __init__(self, sentences: list[str], seed: int = 1):
        self.sentences = sentences
        self.rng = random.Random(seed)

    def sentence(self) -> str:
        """A new sentence: the head clauses of one source sentence and the tail clauses
        of another, figures redrawn. Real articles do not share dozens of identical
        sentences with unrelated articles; drawing whole sentences from a fixed pool
        would (each would recur ~80 times in 50k seeds)."""
        rng = self.rng
        a, b = rng.choice(self.sentences), rng.choice(self.sentences)
        ca, cb = a.rstrip("。！？").split("，"), b.rstrip("。！？").split("，")
        if len(ca) > 1 and len(cb) > 1:
            s = "，".join(ca[:rng.randint(1, len(ca) - 1)] + cb[rng.randint(1, len(cb) - 1):]) + "。"
        else:
            s = a
        return _FIGURE.sub(lambda m: _redraw(rng, m.group()), s)

    def paragraph(self) -> str:
        n = self.rng.randint(3, 6)
        return "".join(self.sentence() for _ in range(n))

    def body(self) -> list[str]:
        """Paragraphs adding up to about TARGET_BYTES bytes (with the header)."""
        paras: list[str] = []
        size = 400
        while size < TARGET_BYTES:
            p = self.paragraph()
            paras.append(p)
            size += len(p.encode("utf-8")) + 8
        return paras

    def page(self, date: dt.date, title: str, paras: list[str], tail: list[str]) -> str:
        head = [date.isoformat(), "", title, "",
                f"  • {date.year}年{date.month:02d}月{date.day:02d}日 "
                f"{self.rng.randint(8, 20)}时{self.rng.randint(0, 59):02d}分",
                "  • 来源: " + self.rng.choice(CHROME_ORGS), ""]
        lines = head + [f"    {title}", ""]
        for p in paras:
            lines += ["      " + p, ""]
        lines += tail
        return "\n".join(lines).rstrip("\n") + "\n"


def plant_typo(rng: random.Random, paras: list[str]) -> list[str]:
    paras = list(paras)
    i = rng.randrange(len(paras))
    extra = rng.choice(["各地工作实缋突出，受到群众好评。", "有关部门釆取有力措施，保障各项工作落实。"])
    paras[i] = paras[i] + extra
    return paras


def plant_figure(rng: random.Random, paras: list[str]) -> list[str]:
    item, unit = rng.choice(FIGURE_ITEMS)
    a = rng.randint(100, 999)
    b = a + rng.choice([-1, 1]) * rng.randint(11, 90)
    paras = list(paras)
    paras.insert(1, f"截至目前，全市累计{item}{a}{unit}。")
    paras.append(f"据统计，截至目前全市累计{item}{b}{unit}，超额完成年度任务。")
    return paras


def chrome_tail(rng: random.Random) -> list[str]:
    return ["    责任编辑: " + rng.choice(CHROME_NAMES), "    扫一扫在手机打开当前页",
            "    主办单位:" + rng.choice(CHROME_ORGS), "  • 微信", "  • 微博", "  • 手机版 电脑版"]


def near_copy(rng: random.Random, gen: Generator, paras: list[str]) -> list[str]:
    paras = list(paras)
    for _ in range(2):
        paras[rng.randrange(len(paras))] = gen.paragraph()
    i = rng.randrange(len(paras))
    p = paras[i]
    if len(p) > 10:
        j = rng.randrange(len(p) - 2)
        paras[i] = p[:j] + "，" + p[j + 1:]
    return paras


def generate(size: int, out: Path, seed: int = 1, sentences: list[str] | None = None) -> dict:
    """Write ``size`` seeds into ``out`` (emptied first); return the manifest."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    gen = Generator(sentences if sentences is not None else load_sentences(), seed)
    rng = gen.rng
    made: list[tuple[str, list[str], dt.date]] = []  # (title, paras, date) of originals
    texts: list[str] = []  # recent files' text, for exact copies
    manifest: dict = {"size": size, "seed": seed, "version": GENERATOR_VERSION,
                      "planted": {k: [] for k in RATES}}
    start = dt.date(2017, 1, 1)
    for i in range(size):
        date = start + dt.timedelta(days=rng.randrange(2000))
        kinds = [k for k, r in RATES.items() if rng.random() < r]
        if texts and "copy" in kinds:
            kinds = ["copy"]
            text = texts[rng.randrange(len(texts))]
        else:
            kinds = [k for k in kinds if k != "copy"]
            if made and "near-copy" in kinds:
                title, paras, date = made[rng.randrange(len(made))]
                paras = near_copy(rng, gen, paras)
            else:
                kinds = [k for k in kinds if k != "near-copy"]
                title = rng.choice(gen.sentences)[:30].rstrip("，。")
                paras = gen.body()
                made.append((title, paras, date))
            if "typo" in kinds:
                paras = plant_typo(rng, paras)
            if "figure" in kinds:
                paras = plant_figure(rng, paras)
            tail = chrome_tail(rng) if "chrome" in kinds else []
            text = gen.page(date, title, paras, tail)
            if "repeated-body" in kinds:
                lines = text.split("\n")
                text = "\n".join(lines + lines[2:]).rstrip("\n") + "\n"
            texts.append(text)
        if len(made) > 2000:
            made.pop(0)
        if len(texts) > 2000:
            texts.pop(0)
        digest = hashlib.sha1(f"{seed}:{i}".encode()).hexdigest()[:16]
        name = f"{i:06d}_{digest}.txt"
        (out / name).write_text(text, encoding="utf-8")
        for k in kinds:
            manifest["planted"][k].append(name)
    (out / ".manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1),
                                        encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", type=int, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    m = generate(args.size, args.out, args.seed)
    counts = {k: len(v) for k, v in m["planted"].items()}
    print(f"wrote {args.size} seeds to {args.out}; planted {counts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
