"""A small synthetic corpus for the distributed tests (written for them: random
sentences from a word list of our own, seeded, plus planted defects of every kind that
the corpus checks look for, and unreadable files)."""

from __future__ import annotations

import random
from pathlib import Path

WORDS = ("乡村 振兴 产业 发展 合作社 农户 培训 基层 组织 建设 项目 资金 道路 水利 学校 医疗 "
         "教育 文化 旅游 生态 环境 治理 服务 群众 干部 村民 收入 就业 技术 种植 养殖 市场 "
         "销售 电商 物流 金融 保险 住房 安全 饮水 电力 网络 通信 交通 扶贫 帮扶 措施 政策 "
         "落实 推进 完善 加强 提升 巩固 拓展 创新 改革 规划 监督 考核 检查 整改 成效 经验 "
         "做法 典型 示范 带动 协调 统筹 保障 机制 制度 体系 平台 载体 资源 要素 人才 队伍").split()


def sentence(rng: random.Random) -> str:
    words = rng.sample(WORDS, rng.randint(6, 10))
    if rng.random() < 0.5:
        words.insert(rng.randint(1, len(words)), f"{rng.randint(2, 990)}个")
    return "".join(words) + "。"


def paragraph(rng: random.Random) -> str:
    return "    " + "".join(sentence(rng) for _ in range(rng.randint(3, 5)))


FIGURE_PARAS = [
    "    全县共有行政村{a}个，其中贫困村{b}个，已全部完成道路硬化工程。",
    "    今年以来全县新建村级活动场所{c}个，整治软弱涣散村党组织{d}个。",
    "    全县累计培训村干部{e}人次，选派第一书记{f}名驻村开展帮扶工作。",
    "    全县注册成立农民专业合作社{g}家，带动贫困户增收致富成效明显。",
    "    全县新建安全饮水工程{h}处，解决了农村群众的饮水安全问题。",
]
SHARED = ("    会议强调，各级党组织要把抓党建促脱贫攻坚作为重大政治任务，坚持精准扶贫精准脱贫"
          "基本方略，层层压实责任，确保各项政策措施落地见效，确保按期实现脱贫目标任务，"
          "以优异成绩迎接党的胜利召开。会议要求，要进一步加强对扶贫资金和项目的监督管理，"
          "严肃查处侵害群众利益的违纪违法问题，切实提高群众满意度。")


def write_corpus(root: Path, n: int = 30, seed: int = 7) -> dict[str, str]:
    """Write the corpus under ``root``; returns {relative path: text} of the text seeds."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    texts: dict[str, str] = {}
    for i in range(n):
        paras = [paragraph(rng) for _ in range(rng.randint(3, 5))]
        head = []
        if i % 3 == 0:
            head = ["示范县人民政府门户网站", "政务公开 | 互动交流"]  # repeated edge lines
        if i % 5 == 1:
            paras.append("    责任编辑：王小明")
        if i % 7 == 2:
            paras[0] = paras[0].replace("。", "。。", 1)  # doubled punctuation
        if i % 11 == 3:
            paras.insert(1, SHARED)
        if i % 9 == 4:
            paras.insert(1, "    各村采取实缋考核办法推进工作。")  # a known misspelling
        body = "\n".join(head + paras)
        rel = f"{'ab'[i % 2]}/{i:03d}.txt"
        texts[rel] = f"2020-0{1 + i % 9}-1{i % 10}\n\n{body}\n"
    # identical copy under another date, a near copy, versions with a changed figure
    texts["c/copy.txt"] = "2021-03-01\n\n" + texts["a/000.txt"].split("\n\n", 1)[1]
    base = texts["b/001.txt"].split("\n\n", 1)[1].split("\n")
    near = list(base)
    near[1] = near[1].replace("。", "，并取得新进展。", 1)
    texts["c/near.txt"] = "2021-03-02\n\n" + "\n".join(near) + "\n"
    nums = dict(a=312, b=45, c=28, d=17, e=1260, f=96, g=778, h=64)
    fig = "\n".join(p.format(**nums) for p in FIGURE_PARAS)
    texts["d/report-v1.txt"] = "2019-06-01\n\n    全县党建促脱贫工作情况通报\n" + fig + "\n"
    nums2 = dict(nums, g=787)
    fig2 = "\n".join(p.format(**nums2) for p in FIGURE_PARAS)
    texts["d/report-v2.txt"] = "2019-06-03\n\n    全县党建促脱贫工作情况通报（修订）\n" + fig2 + "\n"
    for rel, text in texts.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    # files that cannot be read as seeds
    (root / "e").mkdir(exist_ok=True)
    (root / "e" / "empty.txt").write_bytes(b"")
    (root / "e" / "gbk.txt").write_bytes("2020-01-01\n\n政府工作报告全文".encode("gb18030"))
    (root / "e" / "nul.txt").write_bytes(b"2020-01-01\n\n\xe6\xad\xa3\xe6\x96\x87\x00\x00")
    return texts
