"""typo.variant-form and typo.real-word: non-recommended word forms and real-word slips
decided by the sentence's frame (issue 12).

Every text here is written for these tests (no corpus text): one paragraph with the slip
in the middle (body on line 3, after the header and an empty line). Columns are 1-based.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from checks import typo_usage as U
from checks.config import Config
from checks.engine import Corpus, check_corpus, check_seed
from checks.seed import seed_from_text

HEAD = "2020-07-26\n\n"
VARIANT = "typo.variant-form"
REAL = "typo.real-word"


def found(body: str, check: str, config: Config | None = None):
    seed = seed_from_text(HEAD + body)
    return [(f.check, f.severity, f.line, f.column, f.end_column, f.excerpt,
             f.fix.replacement, f.fix.safe)
            for f in check_seed(seed, config or Config()) if f.check == check]


# -- typo.variant-form ----------------------------------------------------------------------

VARIANT_FIRES = [
    # GF 1001-2001 entries
    ("厂里今年接到的定单比去年多了一倍。", 8, "定单", "订单"),
    ("这种药的有效成份已经查明。", 7, "成份", "成分"),
    ("孩子们的想像力需要保护。", 5, "想像", "想象"),  # inside the word 想像力
    ("晚会的节目十分精采。", 8, "精采", "精彩"),
    ("他对这件事一直很耽心。", 9, "耽心", "担心"),
    ("这次失败的原故还没有找到。", 6, "原故", "缘故"),
    # 像 restored by the 1986 table
    ("他好象没有听见大家的话。", 2, "好象", "好像"),
    ("她把偶象的照片贴在墙上。", 3, "偶象", "偶像"),
]

VARIANT_SILENT = [
    "会议确定单位负责人的名单。",  # 确定|单位: no 定单
    "厂里今年接到的订单比去年多了一倍。",  # the recommended form
    "他的形象一直很好，这是一种象征。",  # 形象, 象征: 象 words
    "他们来到磁器口老街参观。",  # a street of Chongqing (a name, read by LAC)
    "这种药的有效成分已经查明。",
]


@pytest.mark.parametrize("body, col, excerpt, fix", VARIANT_FIRES)
def test_variant_form_fires(body, col, excerpt, fix):
    assert found(body + "\n", VARIANT) == [
        (VARIANT, "warning", 3, col, col + len(excerpt), excerpt, fix, False)]


@pytest.mark.parametrize("body", VARIANT_SILENT)
def test_variant_form_silent(body):
    assert found(body + "\n", VARIANT) == []


def test_variant_form_message_names_the_table_entry():
    seed = seed_from_text(HEAD + "厂里今年接到的定单比去年多了一倍。\n")
    (f,) = [f for f in check_seed(seed, Config()) if f.check == VARIANT]
    assert "GF 1001-2001" in f.message and "订单—定单" in f.message


def test_variant_forms_data_is_well_formed():
    forms = U.variant_forms()
    assert len(forms) >= 100
    for variant, (right, source) in forms.items():
        assert variant != right and len(variant) == len(right)
        assert source.split()[0] in ("GF1001", "SJZB1986")
        # one character apart, the rest the same: a spelling, not another word
        assert sum(a != b for a, b in zip(variant, right)) >= 1
        if source.startswith("GF1001"):
            assert source.split()[1] == f"{right}—{variant}"


# -- typo.real-word ---------------------------------------------------------------------------

REAL_FIRES = [
    # 自已 → 自己
    ("司机事后为自已的鲁莽道歉。", 7, "已", "己"),
    # a lone 己 before a verb → 已
    ("据警方通报，嫌疑人己被刑事拘留。", 10, "己", "已"),
    ("截至目前，大桥主体工程己完成八成。", 12, "己", "已"),
    # 己乎 → 几乎 (几乎 is the word the sound-alike makes)
    ("这个行业己乎覆盖所有工厂。", 5, "己", "几"),
    # 象 opening a comparison → 像
    ("大家要象爱护眼睛一样爱护环境。", 4, "象", "像"),
    ("远远望去，灯火就象星星似的闪烁。", 9, "象", "像"),
    # 不在 before a verb → 不再
    ("从那以后，他不在相信这些广告。", 8, "在", "再"),
]

REAL_SILENT = [
    "学好理论于己有益，于国有益。",  # 己 governed by 于
    "干部要常思己过，勇于担当。",  # 己 the object of 思
    "我们不能只顾自己的利益。",
    "他们已经完成了任务。",
    "这头象像一座小山一样高。",  # an elephant, with 像 after it
    "这种现象说明问题不在这里。",  # 现象 (a word); 不在 before a place
    "他不在家，也不在乎别人的看法。",
    "问题的关键不在于资金。",
    "这个抽象概念很难理解。",
]


@pytest.mark.parametrize("body, col, excerpt, fix", REAL_FIRES)
def test_real_word_fires(body, col, excerpt, fix):
    assert found(body + "\n", REAL) == [
        (REAL, "warning", 3, col, col + 1, excerpt, fix, False)]


@pytest.mark.parametrize("body", REAL_SILENT)
def test_real_word_silent(body):
    assert found(body + "\n", REAL) == []


def test_real_word_message_gives_the_frame():
    seed = seed_from_text(HEAD + "从那以后，他不在相信这些广告。\n")
    (f,) = [f for f in check_seed(seed, Config()) if f.check == REAL]
    assert "相信" in f.message and "jieba's tag v" in f.message


def test_ignored_checks_are_silent():
    cfg = Config(ignore=[VARIANT, REAL])
    assert found("他好象没有听见，嫌疑人己被拘留。\n", VARIANT, cfg) == []
    assert found("他好象没有听见，嫌疑人己被拘留。\n", REAL, cfg) == []


def test_one_typo_one_finding_the_corpus_checks_leave_these_spans(tmp_path: Path):
    """The in-table corpus checks skip what the two file checks report (the typo index
    holds no candidate overlapping them)."""
    bodies = ["据警方通报，嫌疑人己被刑事拘留，司机为自已的鲁莽道歉。\n",
              "厂里今年接到的定单比去年多了一倍。\n"]
    for i, body in enumerate(bodies):
        (tmp_path / f"{i:03d}.txt").write_text(HEAD + body, encoding="utf-8")
    names = sorted(p.name for p in tmp_path.glob("*.txt"))
    corpus = Corpus(tmp_path, names, Config())
    spans = {}
    for name in names:
        seed = corpus.seed(name)
        spans[name] = [(f.start, f.end) for f in check_seed(seed, Config())
                       if f.check in (VARIANT, REAL)]
    assert all(spans.values())
    for f in check_corpus(corpus, "typo"):
        assert all(f.end <= a or b <= f.start for a, b in spans[f.path]), f
