"""Tests of the figure checks (checks/rules/figure.py, docs/figures.md).

Every fixture text is written for these tests (fictional items); nothing is copied from
the shared corpus. Each kind of finding has must-fire cases (exact line, column, end
column, excerpt) and must-not-fire twins that differ from them in one respect.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checks.config import Config
from checks.engine import Corpus, check_corpus, check_seed
from checks.registry import get_check
from checks.rules import figure as fig
from checks.seed import seed_from_text

ROOT = Path(__file__).parent
RAW_SAMPLE = ROOT / "fixtures" / "000_12dde9c38bb7d0aa.txt"
CLEAN_SAMPLE = ROOT.parent / "seeds" / "000_12dde9c38bb7d0aa.txt"

H = "2020-07-26\n\n"


def run(text: str, select: str = "figure"):
    return check_seed(seed_from_text(text), Config(select=[select]))


def brief(findings):
    return [(f.check, f.severity, f.line, f.column, f.end_column, f.excerpt) for f in findings]


# -- fixture texts --------------------------------------------------------------------------

COOP = "全县828个行政村共建成专业合作社{n}，吸收1.48万户农户加入产业合作社。"
COPY = H + "某县推进乡村振兴\n\n" + COOP.format(n="778家") + "\n\n其他内容不变。\n\n" + \
    COOP.format(n="788家") + "\n"
SUMMARY = (H + "本期要点：全市828个贫困村共注册成立合作社778家，带动贫困户增收。\n\n"
           "据统计，全市828个贫困村共注册成立合作社787家，有效带动贫困户增收。\n")
CLAUSE = (H + "本期要点：全市828个贫困村共注册成立农民专业合作社787家。\n\n正文。全市828个贫困村共注册成立"
          "农民专业合作社778家，吸收1.48万户贫困户加入产业合作社，有效促进贫困村产业化发展。\n")
BRIEF = (H + "脱贫攻坚简报\n\n  • 2017年09月08日 17时46分\n  • 来源: 省扶贫移民局\n"
         "  • 四川省脱贫攻坚领导小组办公室  2017年{signed}\n\n正文。\n")

MUST_FIRE = [
    # conflicting figures within a file: a retyped copy (same words: error)
    ("copy", COPY, "figure.conflicting-figure", [
        ("figure.conflicting-figure", "error", 5, 18, 22, "778家"),
        ("figure.conflicting-figure", "error", 9, 18, 22, "788家")]),
    # a summary restating the body with another value (reworded: warning)
    ("summary", SUMMARY, "figure.conflicting-figure", [
        ("figure.conflicting-figure", "warning", 3, 23, 27, "778家"),
        ("figure.conflicting-figure", "warning", 5, 22, 26, "787家")]),
    # a summary restating one clause of a body sentence
    ("summary-clause", CLAUSE, "figure.conflicting-figure", [
        ("figure.conflicting-figure", "warning", 3, 27, 31, "787家"),
        ("figure.conflicting-figure", "warning", 5, 25, 29, "778家")]),
    # Chinese numerals against Arabic ones
    ("chinese-numerals", H + "全县共选派一百二十名干部驻村开展帮扶工作，实现贫困村全覆盖。\n\n"
     "全县共选派102名干部驻村开展帮扶工作，实现贫困村全覆盖。\n",
     "figure.conflicting-figure", [
         ("figure.conflicting-figure", "error", 3, 6, 11, "一百二十名"),
         ("figure.conflicting-figure", "error", 5, 6, 10, "102名")]),
    # capture date before the page's publication date
    ("captured-before", BRIEF.format(signed="8月28日").replace("2020-07-26", "2017-09-01"),
     "figure.captured-before-published", [
         ("figure.captured-before-published", "error", 5, 5, 16, "2017年09月08日")]),
    ("captured-before-labelled", "2019-12-31\n\n标题\n\n发布时间：2020-01-02 10:00\n\n正文。\n",
     "figure.captured-before-published", [
         ("figure.captured-before-published", "error", 5, 6, 16, "2020-01-02")]),
    ("captured-before-bare-label", "2019-12-31\n\n标题\n\n来源：本报 时间：2020-01-02\n\n正文。\n",
     "figure.captured-before-published", [
         ("figure.captured-before-published", "error", 5, 10, 20, "2020-01-02")]),
    # a report signed after its publication date; an as-of date after the page's date
    ("signed-after", BRIEF.format(signed="9月28日"), "figure.dated-after-publication", [
        ("figure.dated-after-publication", "warning", 7, 21, 31, "2017年9月28日")]),
    ("title-dated-after", H + "全省脱贫攻坚工作情况通报（2017年9月28日）\n\n  • 2017年09月08日 17时46分\n\n正文。\n",
     "figure.dated-after-publication", [
         ("figure.dated-after-publication", "warning", 3, 14, 24, "2017年9月28日")]),
    ("as-of-after", BRIEF.format(signed="8月28日").replace(
        "正文。", "正文。截至今年10月，全省已表彰干部88名。截至2018年底，完成任务。"),
     "figure.dated-after-publication", [
         ("figure.dated-after-publication", "warning", 9, 6, 11, "今年10月"),
         ("figure.dated-after-publication", "warning", 9, 25, 31, "2018年底")]),
    # calendar-invalid dates
    ("invalid-dates", H + "发布时间：2017-09-08\n\n2月30日召开推进会，2017年2月29日开会，今年2月29日开会，"
     "6月31日检查，13月5日验收，2017-09-31公布。\n", "figure.invalid-date", [
         ("figure.invalid-date", "error", 5, 1, 6, "2月30日"),
         ("figure.invalid-date", "error", 5, 12, 22, "2017年2月29日"),
         ("figure.invalid-date", "error", 5, 25, 32, "今年2月29日"),
         ("figure.invalid-date", "error", 5, 35, 40, "6月31日"),
         ("figure.invalid-date", "error", 5, 43, 48, "13月5日"),
         ("figure.invalid-date", "error", 5, 51, 61, "2017-09-31")]),
    # counts that disagree with their list
    ("count-etc", H + "从基本队伍、基本活动、基本阵地、基本制度等5个方面制定24条具体标准。\n",
     "figure.count-mismatch", [("figure.count-mismatch", "warning", 3, 22, 24, "5个")]),
    ("count-quoted", H + "实施扶贫好支书选育计划、领头雁回引计划“三项计划”，选好班子。\n",
     "figure.count-mismatch", [("figure.count-mismatch", "warning", 3, 21, 23, "三项")]),
    ("count-after", H + "实施“三项计划”：扶贫好支书选育计划、领头雁回引计划。\n",
     "figure.count-mismatch", [("figure.count-mismatch", "warning", 3, 4, 6, "三项")]),
    ("count-nouns", H + "北京、上海、广州、深圳3个城市率先开展试点。\n",
     "figure.count-mismatch", [("figure.count-mismatch", "warning", 3, 12, 14, "3个")]),
    ("count-more-items", H + "围绕产业、人才、文化、生态、组织等四个方面推进乡村振兴。\n",
     "figure.count-mismatch", [("figure.count-mismatch", "warning", 3, 18, 20, "四个")]),
    # parts that do not add up
    ("total-each", H + "对村支部书记和第一书记，分别选拔35人、59人，共计90人进入乡镇领导班子。\n",
     "figure.total-mismatch", [("figure.total-mismatch", "warning", 3, 27, 30, "90人")]),
    ("total-subset-exceeds", H + "全县共有干部500人，其中男女干部分别为260人、250人。\n",
     "figure.total-mismatch", [("figure.total-mismatch", "warning", 3, 7, 11, "500人")]),
    ("total-run", H + "一等奖3人、二等奖5人，合计9人。\n",
     "figure.total-mismatch", [("figure.total-mismatch", "warning", 3, 15, 17, "9人")]),
    # notation drift: information only
    ("drift-dates", BRIEF.format(signed="8月28日"), "figure.notation-drift", [
        ("figure.notation-drift", "info", 7, 21, 31, "2017年8月28日")]),
    ("drift-width", H + "今年产值增长１２％，利润增长5%，出口增长3%。\n", "figure.notation-drift", [
        ("figure.notation-drift", "info", 3, 7, 9, "１２")]),
]

MUST_NOT_FIRE = [
    # twins of the conflicts: equal values in other notations
    ("copy-same-value", COPY.replace("788家", "七百七十八家").replace(
        "1.48万户农户加入产业合作社。\n", "14800户农户加入产业合作社。\n"), "figure.conflicting-figure"),
    ("summary-clause-same-value", CLAUSE.replace("787家", "七百七十八家"), "figure.conflicting-figure"),
    ("summary-clause-other-place", CLAUSE.replace("本期要点：全市", "本期要点：全省"),
     "figure.conflicting-figure"),
    ("chinese-equal", H + "全县共选派一百二十名干部驻村开展帮扶工作，实现贫困村全覆盖。\n\n"
     "全县共选派120名干部驻村开展帮扶工作，实现贫困村全覆盖。\n", "figure.conflicting-figure"),
    ("wan-equal", H + "全年全市贫困人口脱贫15.2万人，贫困县摘帽工作顺利完成。\n\n"
     "全年全市贫困人口脱贫十五万二千人，贫困县摘帽工作顺利完成。\n\n"
     "全年全市贫困人口脱贫152,000人，贫困县摘帽工作顺利完成。\n", "figure.conflicting-figure"),
    # approximations and ranges allow each other
    ("approx", COPY.replace("788家", "近800家"), "figure.conflicting-figure"),
    ("approx-yu", H + "截至今年6月，市县两级表彰优秀第一书记120余人，成效明显。\n\n"
     "截至今年6月，市县两级表彰优秀第一书记126人，成效明显。\n", "figure.conflicting-figure"),
    ("range", H + "每个乡镇明确3—5名干部专门从事扶贫工作，做到分工明确。\n\n"
     "每个乡镇明确4名干部专门从事扶贫工作，做到分工明确。\n", "figure.conflicting-figure"),
    # different years, places, periods are different statements
    ("years", H + "2018年，全县828个行政村共建成专业合作社778家，吸收农户加入产业合作社。\n\n"
     "2019年，全县828个行政村共建成专业合作社788家，吸收农户加入产业合作社。\n",
     "figure.conflicting-figure"),
    ("regions", H + "河北省全年新建改建农村公路1200公里，完成投资38亿元。\n\n"
     "河南省全年新建改建农村公路1500公里，完成投资41亿元。\n", "figure.conflicting-figure"),
    ("short-with-context", H + "对小型微利企业减半征收所得税。截至8月31日，新增减税477亿元。\n\n"
     "对个体工商户减免相关税费。截至8月31日，新增减税806亿元。\n", "figure.conflicting-figure"),
    ("template", H + "甲县新增就业岗位1200个，同比增长5%。乙县新增就业岗位1500个，同比增长6%。"
     "丙县新增就业岗位1800个，同比增长7%。\n", "figure.conflicting-figure"),
    ("different-quantities", H + "2017年，确保完成308个贫困村退出。全市828个贫困村共注册成立合作社778家。\n",
     "figure.conflicting-figure"),
    # dates that are consistent
    ("captured-same-day", BRIEF.format(signed="8月28日").replace("2020-07-26", "2017-09-08"),
     "figure.captured-before-published"),
    ("future-in-text", "2017-09-01\n\n标题\n\n条例将于2017年10月1日起施行。\n",
     "figure.captured-before-published"),
    ("event-date", "2021-09-20\n\n会议通知\n\n会议时间：2021年10月1日\n活动日期：2021-10-02\n\n请准时参加。\n",
     "figure.captured-before-published"),
    ("updated-later", "2017-09-05\n\n标题\n\n发布时间：2017-09-01\n更新时间：2017-09-10\n\n正文。\n",
     "figure.captured-before-published"),
    ("signed-before", BRIEF.format(signed="8月28日"), "figure.dated-after-publication"),
    ("title-dated-before", H + "全省脱贫攻坚工作情况通报（2017年8月28日）\n\n  • 2017年09月08日 17时46分\n\n正文。\n",
     "figure.dated-after-publication"),
    ("as-of-before", BRIEF.format(signed="8月28日").replace(
        "正文。", "正文。截至今年6月，已提拔88名。受理时间截止到2017年12月20日。从本月起到明年3月举办赛事。"),
     "figure.dated-after-publication"),
    ("related-news-list", H + "标题\n\n  • 2017年09月08日 17时46分\n\n正文。\n\n相关新闻\n"
     "全省脱贫攻坚推进会召开  2017年9月10日\n全市产业扶贫现场会举行  2017年9月12日\n"
     "各地扎实推进易地扶贫搬迁  2017年9月15日\n", "figure.dated-after-publication"),
    ("as-of-no-page-date", H + "截至今年10月，全省已表彰干部88名。\n", "figure.dated-after-publication"),
    ("valid-dates", H + "2016年2月29日开会，2月29日再开会，6月30日检查，2017-09-30公布，1至12月，"
     "9月1日至30日。\n", "figure.invalid-date"),
    ("relative-leap-unknown", H + "今年2月29日开会。\n", "figure.invalid-date"),
    ("lunar-and-versions", H + "农历2月30日举行庙会。软件升级到v2021.2.30版，另见1.2017.02.30.5。\n",
     "figure.invalid-date"),
    # counts that agree, or lists that are partial on purpose
    ("count-ok", H + "从基本队伍、基本活动、基本阵地、基本制度、基本保障等5个方面制定24条具体标准。"
     "实施扶贫好支书选育计划、领头雁回引计划、新乡贤培育计划“三项计划”。\n", "figure.count-mismatch"),
    ("count-partial", H + "北京、上海等10个城市参加试点。文化产业、国际文化贸易等3个领域。\n",
     "figure.count-mismatch"),
    ("count-and", H + "围绕产业、人才和生态等三个方面。实施“三项计划”：甲计划、乙计划和丙计划。\n",
     "figure.count-mismatch"),
    ("count-verbs", H + "及时发现、着力解决七个方面的突出问题。增强“四个意识”、坚定“四个自信”、做到“两个维护”。\n",
     "figure.count-mismatch"),
    ("count-nouns-ok", H + "北京、上海、广州、深圳4个城市率先开展试点。\n", "figure.count-mismatch"),
    ("count-before-comma", H + "加强领导，压实责任、狠抓落实“三项措施”落到实处。\n", "figure.count-mismatch"),
    ("count-after-continues", H + "提出三点要求：加强领导、压实责任，狠抓落实。\n", "figure.count-mismatch"),
    ("count-verbs-no-etc", H + "要及时发现、着力解决3个问题。\n", "figure.count-mismatch"),
    ("count-ordinal", H + "学习宣传贯彻党的二十大精神。李某、王某当选十四届全国人大代表。\n",
     "figure.count-mismatch"),
    # totals that add up (also with 万 and rounding), subsets below the total
    ("total-ok", H + "分别选拔35人、59人，共计94人进入乡镇领导班子。全县共有干部500人，其中男女干部分别为"
     "200人、150人。一等奖3人、二等奖5人，合计8人。分别投入1.2万元、2.35万元，合计3.55万元。\n",
     "figure.total-mismatch"),
    ("total-first-subset", H + "全市共计完成投资20亿元，甲、乙两县分别完成3亿元、5亿元。\n",
     "figure.total-mismatch"),
    ("total-approx", H + "分别选拔35余人、59人，共计90人进入乡镇领导班子。\n", "figure.total-mismatch"),
    ("total-none", H + "分别选拔35人、59人进入乡镇党政领导班子。\n", "figure.total-mismatch"),
    # notation that does not drift
    ("drift-none", H + "今年产值增长12%，利润增长5%。2017年9月8日发布，2017年8月28日印发。\n",
     "figure.notation-drift"),
]


@pytest.mark.parametrize("name, text, check, expected", MUST_FIRE,
                         ids=[c[0] for c in MUST_FIRE])
def test_must_fire(name, text, check, expected):
    assert brief(run(text, check)) == expected


@pytest.mark.parametrize("name, text, check", MUST_NOT_FIRE, ids=[c[0] for c in MUST_NOT_FIRE])
def test_must_not_fire(name, text, check):
    assert brief(run(text, check)) == []


# -- details of the messages and related locations ---------------------------------------------

def test_conflict_related_and_message_name_both_values():
    a, b = run(COPY, "figure.conflicting-figure")
    assert [r.to_dict() for r in a.related] == [
        {"path": "test.txt", "line": 9, "column": 18, "end_line": 9, "end_column": 22}]
    assert [(r.line, r.column) for r in b.related] == [(5, 18)]
    assert "778家" in a.message and "788家" in a.message and "line 9" in a.message
    assert a.evidence == {"values": ["778家"], "other": ["788家"], "other_line": 9,
                          "subject": "某县推进乡村振兴 / 行政村共建成专业合作社"}
    # the message names the subject both statements share (issue 16)
    assert "for “某县推进乡村振兴 / 行政村共建成专业合作社”" in a.message
    assert a.fingerprint != b.fingerprint


def test_conflict_fingerprint_independent_of_line_numbers():
    (a, _), (c, _) = run(COPY, "figure.conflicting-figure"), \
        run(COPY.replace("某县推进乡村振兴\n\n", "某县推进乡村振兴\n\n新的一段。\n\n"),
            "figure.conflicting-figure")
    assert a.line != c.line and a.fingerprint == c.fingerprint


def test_dates_messages():
    (f,) = run(BRIEF.format(signed="8月28日").replace("2020-07-26", "2017-09-01"),
               "figure.captured-before-published")
    assert "2017-09-08" in f.message and "2017-09-01" in f.message
    assert [(r.line, r.column, r.end_column) for r in f.related] == [(1, 1, 11)]
    (g,) = run(BRIEF.format(signed="9月28日"), "figure.dated-after-publication")
    assert "2017-09-28" in g.message and "2017-09-08" in g.message
    assert [(r.line, r.column) for r in g.related] == [(5, 5)]


def test_count_message_says_what_was_counted():
    (f,) = run(H + "从基本队伍、基本活动、基本阵地、基本制度等5个方面制定24条具体标准。\n",
               "figure.count-mismatch")
    assert "names 4: 从基本队伍、基本活动、基本阵地、基本制度" in f.message and "等" in f.message
    assert f.evidence["stated"] == 5 and f.evidence["counted"] == 4


def test_total_message_and_related():
    (f,) = run(H + "对村支部书记和第一书记，分别选拔35人、59人，共计90人进入乡镇领导班子。\n",
               "figure.total-mismatch")
    assert "35人 + 59人 = 94" in f.message
    assert [(r.line, r.column, r.end_column) for r in f.related] == [(3, 17, 24)]


# -- the sample seed ------------------------------------------------------------------------

def test_raw_sample_has_no_figure_error_or_warning():
    seed = seed_from_text(RAW_SAMPLE.read_text(encoding="utf-8"),
                          "000_12dde9c38bb7d0aa.txt")
    found = check_seed(seed, Config(select=["figure"]))
    assert brief(found) == [
        ("figure.notation-drift", "info", 8, 21, 31, "2017年8月28日")]


def test_raw_sample_page_dates():
    seed = seed_from_text(RAW_SAMPLE.read_text(encoding="utf-8"))
    published, issued = fig.page_dates(seed)
    assert [(seed.position(d.start), d.text) for d in published] == [
        ((5, 5), "2017年09月08日"), ((51, 5), "2017年09月08日")]
    assert [(seed.position(d.start), d.text) for d in issued] == [
        ((8, 21), "2017年8月28日"), ((53, 21), "2017年8月28日")]


def test_clean_sample_nothing_above_info():
    seed = seed_from_text(CLEAN_SAMPLE.read_text(encoding="utf-8"))
    assert [f for f in check_seed(seed, Config(select=["figure"])) if f.severity != "info"] == []


# -- across files ------------------------------------------------------------------------------

ARTICLE = [
    "青石县交通运输局近日召开乡村道路建设推进会，通报全县农村公路建设进展情况。",
    "截至2020年底，全县新建和改造农村公路126公里，惠及沿线42个行政村。",
    "县财政统筹安排农村公路专项资金{money}，对按期完工、质量达标的项目给予奖励。",
    "全县共组织第三方检测机构抽检路段57段，抽检合格率达到98.5%。",
    "全县还组织开展农村公路养护技能培训，累计培训养护人员320人次。",
    "下一步，县交通运输局将建立项目调度台账，每半个月通报一次进度。",
]


def article(date: str, money: str, keep=range(6)) -> str:
    return f"{date}\n\n青石县推进农村公路建设\n\n" + "\n".join(
        ARTICLE[i].format(money=money) for i in keep) + "\n"


def corpus_of(files: dict[str, str]) -> Corpus:
    seeds = {k: seed_from_text(v, k) for k, v in files.items()}
    return Corpus(Path("."), sorted(seeds), Config(select=["figure"]), loader=seeds.__getitem__)


def test_across_files_conflict():
    corpus = corpus_of({"a.txt": article("2021-03-02", "3800万元"),
                        "b.txt": article("2021-03-05", "3600万元"),
                        "c.txt": H + "无关的文章，全市新增就业岗位1200个。\n"})
    found = check_corpus(corpus, "figure")
    assert [(f.check, f.severity, f.path, f.line, f.column, f.end_column, f.excerpt)
            for f in found] == [
        ("figure.conflicting-figure-across-files", "warning", "a.txt", 7, 16, 22, "3800万元"),
        ("figure.conflicting-figure-across-files", "warning", "b.txt", 7, 16, 22, "3600万元")]
    a, b = found
    assert [r.to_dict() for r in a.related] == [
        {"path": "b.txt", "line": 7, "column": 16, "end_line": 7, "end_column": 22}]
    assert "3800万元" in a.message and "3600万元" in a.message and "b.txt" in a.message
    assert b.related[0].path == "a.txt"
    assert a.evidence["agreeing"] == 3


@pytest.mark.parametrize("files", [
    # equal value in another notation
    {"a.txt": article("2021-03-02", "3800万元"), "b.txt": article("2021-03-05", "三千八百万元")},
    # too little else in common: not two versions of one article
    {"a.txt": article("2021-03-02", "3800万元", keep=(0, 2, 3)),
     "b.txt": article("2021-03-05", "3600万元", keep=(0, 2, 3))},
    # the same statement in pages of other years: relative time (近日, 截至) differs
    {"a.txt": article("2021-03-02", "3800万元"),
     "b.txt": article("2022-03-05", "3600万元").replace("2020年底", "2021年底")},
    # an approximation allows the other value
    {"a.txt": article("2021-03-02", "3800万元"), "b.txt": article("2021-03-05", "近4000万元")},
    # one agreeing statement repeated (summary, heading, body) is one, not three
    {"a.txt": article("2021-03-02", "3800万元", keep=(3, 3, 3, 2)),
     "b.txt": article("2021-03-05", "3600万元", keep=(3, 3, 3, 2))},
    # a month without a year in pages of different years: different periods
    {"a.txt": article("2021-03-02", "3800万元") + "11月末，全县农村公路养护资金余额为1200万元。\n",
     "b.txt": article("2022-03-05", "3800万元") + "11月末，全县农村公路养护资金余额为1500万元。\n"},
], ids=["same-value", "few-agreeing", "other-year", "approx", "repeated-agreement",
        "month-other-year"])
def test_across_files_must_not_fire(files):
    assert check_corpus(corpus_of(files), "figure") == []


def test_across_files_template_sentence_is_skipped():
    files = {f"{d}.txt": f"2021-03-0{d}\n\n标题\n\n" + "\n".join(
        ARTICLE[i].format(money="3800万元") for i in (0, 1, 3, 4, 5))
        + f"\n全县今天新增报名参加农村公路养护培训人员{d * 11}人，均已安排到岗。\n"
        for d in range(1, 5)}
    assert check_corpus(corpus_of(files), "figure") == []


def test_feature_is_small_and_picklable():
    seed = seed_from_text(RAW_SAMPLE.read_text(encoding="utf-8"))
    feat = fig.figure_features(seed, None)
    blob = pickle.dumps(feat)
    assert pickle.loads(blob) == feat
    assert len(blob) < len(seed.raw)
    assert feat["year"] == 2017 and len(feat["statements"]) == 44


def test_docstrings_have_sections():
    for cid in ("figure.conflicting-figure", "figure.conflicting-figure-across-files",
                "figure.captured-before-published", "figure.dated-after-publication",
                "figure.invalid-date", "figure.count-mismatch", "figure.total-mismatch",
                "figure.notation-drift"):
        spec = get_check(cid)
        assert all(spec.section(s) for s in ("What it flags", "Why it matters", "Example",
                                              "Fix")), cid


def test_end_to_end_report(pytester, tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a.txt").write_text(article("2021-03-02", "3800万元"), encoding="utf-8")
    (seeds / "b.txt").write_text(article("2021-03-05", "3600万元"), encoding="utf-8")
    out = tmp_path / "out"
    pytester.runpytest("--seeds", str(seeds), "--report-dir", str(out), "-p",
                       "no:cacheprovider")
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    got = [(f["check"], f["path"], f["line"], f["column"], f["end_column"])
           for f in report["findings"] if f["category"] == "figure"]
    assert got == [("figure.conflicting-figure-across-files", "a.txt", 7, 16, 22),
                   ("figure.conflicting-figure-across-files", "b.txt", 7, 16, 22)]


@pytest.mark.parametrize("text, fires", [
    ("分别投入1.2万元、2.35万元，合计3.56万元。", False),  # 1.2 may be 1.15..1.25
    ("分别投入1.2万元、2.35万元，合计3.7万元。", True),
    ("分别投入12000元、23500元，合计35600元。", True),
    ("分别投入12,000元、23,500元，合计3.55万元。", False),
])
def test_total_rounding(text, fires):
    assert bool(run(H + text + "\n", "figure.total-mismatch")) is fires


_ALPHABET = ("0123456789０１２３一二两三四五六七八九十百千万亿零〇年月日号时分第是、，。；：%％．.,"
             "—-至到约近余多等共计合分别其中个人名户家元项条“”（）()《》\n •截今去明季度")


@given(st.text(alphabet=_ALPHABET, max_size=300))
@settings(max_examples=300, deadline=None)
def test_checks_never_raise(body):
    seed = seed_from_text(H + body)
    findings = check_seed(seed, Config(select=["figure"]))
    for f in findings:
        assert 1 <= f.line <= len(seed.lines) and f.column >= 1
    corpus = corpus_of({"a.txt": H + body, "b.txt": H + body[::-1]})
    check_corpus(corpus, "figure")


def test_across_files_month_same_year_fires():
    """Twin of month-other-year: the same pages in one year are versions."""
    files = {"a.txt": article("2021-03-02", "3800万元") + "11月末，全县农村公路养护资金余额为1200万元。\n",
             "b.txt": article("2021-03-05", "3800万元") + "11月末，全县农村公路养护资金余额为1500万元。\n"}
    assert brief(check_corpus(corpus_of(files), "figure")) == [
        ("figure.conflicting-figure-across-files", "warning", 11, 19, 25, "1200万元"),
        ("figure.conflicting-figure-across-files", "warning", 11, 19, 25, "1500万元")]


def test_across_files_compares_candidates_not_all_pairs(monkeypatch):
    import random
    rnd = random.Random(3)
    pool = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后"
    files = {}
    for i in range(40):
        lines = ["".join(rnd.choice(pool) for _ in range(24)) + f"{rnd.randint(10, 999)}个。"
                 for _ in range(10)]
        files[f"{i:02}.txt"] = H + "\n".join(lines) + "\n"
    # one version of file 00 with its first figure retyped
    first = files["00.txt"]
    i = first.index("个。") - 1
    files["zz.txt"] = first[:i] + str((int(first[i]) + 1) % 10) + first[i + 1:]
    calls = []
    real = fig.aligned

    def counting(a, b, *args):
        calls.append(1)
        return real(a, b, *args)

    monkeypatch.setattr(fig, "aligned", counting)
    found = check_corpus(corpus_of(files), "figure")
    assert [(f.path, f.line) for f in found] == [("00.txt", 3), ("zz.txt", 3)]
    # 410 statements: all pairs across files would be about 80,000 comparisons
    assert 10 <= len(calls) < 2000


# -- speed-ups keep results -----------------------------------------------------------------

def _reference_pairs(keys, max_bucket):
    """The straightforward bucketing: every key's band keys, pairs within each bucket."""
    from checks.figure_align import band_keys

    buckets: dict = {}
    for ident, key in keys:
        for bk in band_keys(key):
            buckets.setdefault(bk, []).append(ident)
    pairs = set()
    for members in buckets.values():
        if 2 <= len(members) <= max_bucket:
            members = sorted(members)
            pairs |= {(a, b) for i, a in enumerate(members) for b in members[i + 1:]}
    return pairs


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="甲乙丙丁◎", max_size=7), max_size=60),
       st.sampled_from([2, 3, 64]))
def test_candidate_pairs_equal_reference_bucketing(texts, max_bucket):
    from checks.figure_align import candidate_pairs

    keys = [((i % 4, i), t) for i, t in enumerate(texts)][::-1]  # ids not in input order
    assert candidate_pairs(keys, max_bucket) == _reference_pairs(keys, max_bucket)


def test_index_signatures_are_those_of_its_statements():
    import numpy as np

    from checks.figure_align import BANDS, ROWS, band_keys

    seed = seed_from_text(RAW_SAMPLE.read_text(encoding="utf-8"))
    feat = fig.figure_features(seed, None)
    rows = np.frombuffer(feat["minhash"], dtype="<u4").reshape(-1, BANDS * ROWS).tolist()
    assert len(rows) == len(feat["statements"]) == 44
    for st_, row in zip(feat["statements"], rows):
        assert band_keys(st_.key) == [(i, row[2 * i], row[2 * i + 1]) for i in range(BANDS)]


def test_memo_never_mixes_texts():
    # the per-text memo of statements and dates must never answer for another text
    fixed = COPY.replace("788家", "778家")
    first = brief(run(COPY, "figure.conflicting-figure"))
    assert [f[5] for f in first] == ["778家", "788家"]
    assert run(fixed, "figure.conflicting-figure") == []
    assert brief(run(COPY, "figure.conflicting-figure")) == first
    late = BRIEF.format(signed="9月28日")
    assert [f.check for f in run(late, "figure.dated-after-publication")] == \
        ["figure.dated-after-publication"]
    assert run(BRIEF.format(signed="8月28日"), "figure.dated-after-publication") == []


# -- issue 16: counts that belong to the last item's own name ----------------------------

COUNT_16_FIRE = [
    # the count's noun is the list's noun: still checked
    ("list-noun", H + "推动北京、天津、河北、山西等5省市协同发展。\n",
     [("figure.count-mismatch", "warning", 3, 15, 17, "5省")]),
    ("named-group-elsewhere", H + "推动辽宁、吉林、黑龙江、内蒙古等三省加强合作。\n",
     [("figure.count-mismatch", "warning", 3, 17, 19, "三省")]),
]
COUNT_16_NOT_FIRE = [
    # a named group closing a list of regions (from checks/data/named_groups.txt)
    ("northeast", H + "推动京津冀、长三角、粤港澳大湾区、东北三省协同发展。\n"),
    ("yangtze-delta", H + "支持上海、江苏、浙江、安徽、长三角三省一市一体化发展。\n"),
    ("two-shores", H + "深化与港澳、两岸四地的交流合作。\n"),
    ("hu-su", H + "推动浙江、安徽、沪苏两省市协同发展。\n"),
    # a phrase the page itself uses as a unit (not in the list of named groups)
    ("page-unit", H + "加强与湘赣、鄂皖、闽赣三省合作。闽赣三省是重要的合作伙伴。\n"),
    # a bare place classifier after a last item that is not a place of that level
    ("abbreviations", H + "推动青海、贵州、山西、晋陕豫三省协同发展。\n"),
    ("city-group", H + "支持南京、镇江、扬州、宁镇扬三市协同发展。\n"),
    # items that are themselves enumerations
    ("enumeration-item", H + "统筹推进东中西部、东北地区四大板块协调发展。\n"),
    ("enumeration-ordinals", H + "推动一二三产业、城乡两类市场四个方面融合发展。\n"),
]


@pytest.mark.parametrize("name, text, expected", COUNT_16_FIRE, ids=[c[0] for c in COUNT_16_FIRE])
def test_count_mismatch_list_noun_fires(name, text, expected):
    assert brief(run(text, "figure.count-mismatch")) == expected


@pytest.mark.parametrize("name, text", COUNT_16_NOT_FIRE, ids=[c[0] for c in COUNT_16_NOT_FIRE])
def test_count_of_a_named_group_is_not_the_list_count(name, text):
    assert brief(run(text, "figure.count-mismatch")) == []


def test_named_groups_from_configuration():
    text = H + "支持北京、上海、广州、大湾区两个中心建设。\n"
    assert len(run(text, "figure.count-mismatch")) == 1
    cfg = Config(select=["figure.count-mismatch"],
                 checks={"figure.count-mismatch": {"named_groups": ["大湾区两个中心"]}})
    assert check_seed(seed_from_text(text), cfg) == []


# -- issue 16: the same statement, not the same frame ---------------------------------------

SUBJECT_16_NOT_FIRE = [
    # parallel sections about different subjects, the same sentence frame
    ("parallel-headings", H + "一、钢铁行业\n新开工项目20个，完成投资120亿元，同比增长12个百分点。\n"
     "二、化工行业\n新开工项目9个，完成投资120亿元，同比增长12个百分点。\n"),
    # a review and a plan: the same frame under headings of different years
    ("review-and-plan", H + "一、2023年工作回顾\n全市地区生产总值增长6.5%，一般公共预算收入增长8%，"
     "城镇新增就业5万人。\n二、2024年工作安排\n全市地区生产总值增长7%，一般公共预算收入增长8%，"
     "城镇新增就业5万人。\n"),
    # ... or a year named earlier in the same paragraph
    ("review-and-plan-paragraph", H + "2023年，全省经济运行稳中向好。全省规模以上工业增加值增长6.5%，"
     "社会消费品零售总额增长8%。\n\n2024年，全省将着力扩大内需。全省规模以上工业增加值增长7%，"
     "社会消费品零售总额增长8%。\n"),
]
SUBJECT_16_FIRE = [
    # the same headings in a repeated copy: still a conflict, the message names the subject
    ("same-headings", H + "一、钢铁行业\n新开工项目20个，完成投资120亿元，同比增长12个百分点。\n"
     "二、钢铁行业\n新开工项目21个，完成投资120亿元，同比增长12个百分点。\n",
     [("figure.conflicting-figure", "error", 4, 6, 9, "20个"),
      ("figure.conflicting-figure", "error", 6, 6, 9, "21个")]),
]


@pytest.mark.parametrize("name, text", SUBJECT_16_NOT_FIRE, ids=[c[0] for c in SUBJECT_16_NOT_FIRE])
def test_parallel_statements_about_other_subjects_do_not_conflict(name, text):
    assert brief(run(text, "figure.conflicting-figure")) == []


@pytest.mark.parametrize("name, text, expected", SUBJECT_16_FIRE, ids=[c[0] for c in SUBJECT_16_FIRE])
def test_same_subject_conflict_names_it(name, text, expected):
    fs = run(text, "figure.conflicting-figure")
    assert brief(fs) == expected
    assert all("for “钢铁行业 / 新开工项目”" in f.message for f in fs)


# -- issue 16: a short sentence restating one clause of a long sentence ---------------------

LONG_16 = ("2023年，全省坚持生态优先、绿色发展，深入推进国土绿化行动，完成造林面积120万亩，"
           "全省森林覆盖率达到63.2%，草原综合植被盖度提高到58%，湿地保护率达到52%，"
           "生态环境质量持续改善，人民群众获得感不断增强。")
RESTATE_16_FIRE = [
    ("reworded-verb", "全省森林覆盖率为58.1%。", 5, 9, 14),
    ("scope-left-out", "森林覆盖率达到58.1%。", 5, 8, 13),
    ("framed", "其中，全省森林覆盖率达到58.1%。", 5, 13, 18),
    ("same-year", "2023年全省森林覆盖率达到58.1%。", 5, 15, 20),
    ("level-verb", "全省森林覆盖率提高到58.1%。", 5, 11, 16),
]
RESTATE_16_NOT_FIRE = [
    ("same-value", "全省森林覆盖率为63.2%。"),
    ("other-scope", "全国森林覆盖率达到58.1%。"),
    ("other-year", "2022年全省森林覆盖率达到58.1%。"),
    ("time-frame", "截至目前，全省完成造林面积112万亩。"),
    ("change-not-state", "全省湿地保护率提高2%。"),
    ("other-measure", "全省森林蓄积量达到58.1%。"),
    ("other-unit", "全省完成造林面积112万公顷。"),
]


@pytest.mark.parametrize("name, short, line, col, end", RESTATE_16_FIRE,
                         ids=[c[0] for c in RESTATE_16_FIRE])
def test_short_sentence_restating_a_clause_fires(name, short, line, col, end):
    fs = run(H + LONG_16 + "\n\n" + short + "\n", "figure.conflicting-figure")
    assert brief(fs) == [("figure.conflicting-figure", "warning", 3, 53, 58, "63.2%"),
                         ("figure.conflicting-figure", "warning", line, col, end, "58.1%")]
    assert "森林覆盖率”" in fs[0].message and fs[0].evidence["other"] == ["58.1%"]


@pytest.mark.parametrize("name, short", RESTATE_16_NOT_FIRE, ids=[c[0] for c in RESTATE_16_NOT_FIRE])
def test_short_sentence_about_something_else_does_not_fire(name, short):
    assert run(H + LONG_16 + "\n\n" + short + "\n", "figure.conflicting-figure") == []


# -- issue 16: a figure changed in one of two copies of a short article ----------------------

def test_across_files_short_article_versions_share_their_sentences():
    # three statements with figures, one changed: only two agree, but the two files
    # share four of their five sentences word for word: versions of one article
    keep = (0, 2, 3, 4, 5)
    files = {"a.txt": article("2021-03-02", "3800万元", keep=keep),
             "b.txt": article("2021-03-05", "3600万元", keep=keep)}
    found = check_corpus(corpus_of(files), "figure")
    assert [(f.path, f.line, f.column, f.end_column, f.excerpt) for f in found] == [
        ("a.txt", 6, 16, 22, "3800万元"), ("b.txt", 6, 16, 22, "3600万元")]
    assert "4 of 5 sentences are shared" in found[0].message
    # the same short articles in pages of different years are not versions
    files["b.txt"] = files["b.txt"].replace("2021-03-05", "2022-03-05")
    assert check_corpus(corpus_of(files), "figure") == []


def test_named_groups_must_be_strings():
    from checks.config import ConfigError
    cfg = Config(select=["figure.count-mismatch"],
                 checks={"figure.count-mismatch": {"named_groups": [3]}})
    with pytest.raises(ConfigError, match="named_groups"):
        check_seed(seed_from_text(H + "推动北京、上海、广州3个城市。\n"), cfg)


def test_short_sentence_with_only_a_change_word_is_not_a_restatement():
    # 其中，同比增长4.2%: the measure names no subject, only a change
    text = H + LONG_16.replace("生态环境质量持续改善", "同比增长8.7%") + "\n\n其中，同比增长4.2%。\n"
    assert run(text, "figure.conflicting-figure") == []


# -- candidate pairs: the same codes, without holding them twice ---------------------------

def test_bucket_codes_are_every_pair_of_each_kept_bucket_written_into_one_array():
    """``bucket_codes`` writes each kept bucket's pairs (``a * n + b``, ``a < b``) into
    one array sized up front; they are the pairs of an explicit loop over the buckets,
    in the same order (bucket sizes ascending, buckets in order), with and without
    sorting the members; ``unique_codes`` of one part sorts it in place."""
    import itertools

    import numpy as np

    from checks.figure_align import bucket_codes, unique_codes

    rng = np.random.default_rng(7)
    for _ in range(50):
        n = int(rng.integers(2, 400))
        keys = rng.integers(0, max(2, n // 4), size=n * 3)
        rows = rng.permutation(np.repeat(np.arange(n, dtype=np.int64), 3))
        order = np.argsort(keys, kind="stable")
        ks, rs = keys[order], rows[order]
        starts = np.flatnonzero(np.concatenate(([True], ks[1:] != ks[:-1])))
        sizes = np.diff(np.concatenate((starts, [len(ks)])))
        ok = (sizes >= 2) & (sizes <= 9)
        for sort in (False, True):
            want = []
            for size in sorted(set(sizes[ok].tolist())):
                for s in starts[ok & (sizes == size)].tolist():
                    members = rs[s:s + size].tolist()
                    if sort:
                        members.sort()
                    want += [a * n + b for a, b in itertools.combinations(members, 2)]
            got = bucket_codes(rs, starts, sizes, ok, n, sort=sort)
            assert got.dtype == np.int64 and got.tolist() == want
    none = bucket_codes(rs, starts, sizes, np.zeros(len(sizes), dtype=bool), n)
    assert none.dtype == np.int64 and len(none) == 0
    part = np.array([5, 3, 5, 1, 3], dtype=np.int64)
    got = unique_codes([part])
    assert got.tolist() == [1, 3, 5] and part.tolist() == [1, 3, 3, 5, 5]  # sorted in place
    assert unique_codes([np.array([4, 2]), np.array([2, 9])]).tolist() == [2, 4, 9]
    assert unique_codes([]).tolist() == []


def test_few_rows_pair_codes_equal_the_numpy_buckets(monkeypatch):
    """``pair_codes`` of few rows (one file's statements) groups the band keys in a dict:
    the same sorted unique codes, dtype and all, as the numpy path (forced with
    ``FEW_ROWS = 0``), on signatures with many shared bands, buckets over and at the cap,
    and none at all."""
    import itertools

    import numpy as np

    from checks import figure_align as fa

    rng = np.random.default_rng(11)
    cases = []
    for _ in range(120):
        n = int(rng.integers(2, 300))
        spread = int(rng.choice([2, 3, max(2, n // 8), n, (1 << 31) - 1]))
        cases.append((rng.integers(0, spread, size=(n, fa.BANDS * fa.ROWS)).astype(np.uint64),
                      int(rng.choice([2, 3, 5, 64]))))
    sigs = fa.minhashes(["全市共注册成立合作社◎家", "全市共注册成立合作社◎家", "本期要点：◎",
                         "全省森林覆盖率为◎", "全省森林覆盖率达到◎"] * 3)
    cases += [(sigs, 64), (sigs, 2), (sigs[:1], 64), (sigs[:0], 64)]
    slow = []
    monkeypatch.setattr(fa, "FEW_ROWS", 0)
    for sig, cap in cases:
        slow.append(fa.pair_codes(sig, cap))
    monkeypatch.setattr(fa, "FEW_ROWS", 1024)
    for (sig, cap), want in zip(cases, slow):
        got = fa.pair_codes(sig, cap)
        assert got.dtype == want.dtype == np.int64
        assert got.tolist() == want.tolist()
    # by hand: rows 0, 1, 3 share every band, row 2 none; a cap of 2 keeps no bucket
    one = np.array([[5] * 16, [5] * 16, [6] * 16, [5] * 16], dtype=np.uint64)
    assert fa.pair_codes(one, 64).tolist() == [a * 4 + b for a, b in
                                               itertools.combinations([0, 1, 3], 2)]
    assert fa.pair_codes(one, 2).tolist() == []
    assert fa.pair_codes(one[[0, 2]], 2).tolist() == []
    assert fa.pair_codes(one[[0, 1]], 2).tolist() == [1]


def test_statement_signatures_are_computed_once_and_are_each_keys_own():
    """The statements' MinHash signatures are computed once per text and shared by
    ``figure.conflicting-figure`` and the ``figure`` index; the index's are the
    signatures of its keys as stored (a key cut to 200 characters gets its own), the
    same bytes whichever ran first; the file check's findings do not change."""
    import numpy as np

    from checks.engine import CheckContext
    from checks.figure_align import minhashes
    from checks.rules import figure as FG

    long_ = "，".join(f"第{i}项工作推进有力各项指标稳步提升" for i in range(1, 16))
    text = ("2023-05-06\n\n标题\n\n      全市共注册成立合作社778家，带动农户增收。"
            f"{long_}，共投入资金3200万元。\n\n      全市共注册成立合作社788家，带动农户增收。"
            "全年完成投资45亿元，同比增长12%。\n")
    seed = seed_from_text(text)
    calls = []
    real = FG.minhashes
    FG._MEMO.clear()
    try:
        FG.minhashes = lambda keys: calls.append(len(keys)) or real(keys)
        cold = FG.figure_features(seed, CheckContext(Config(), "index:figure"))
        n_cold = len(calls)
        findings = run(text, "figure.conflicting-figure")
        assert len(calls) == n_cold + 1  # the clauses only: the statements' are shared
        warm = FG.figure_features(seed, CheckContext(Config(), "index:figure"))
        assert calls[n_cold + 1:] == [1]  # only the key cut to 200 characters
        FG._MEMO.clear()
        assert run(text, "figure.conflicting-figure") == findings
    finally:
        FG.minhashes = real
        FG._MEMO.clear()
    keys = [st.key for st in cold["statements"]]
    assert max(map(len, keys)) == 200  # one key was cut
    want = minhashes(keys).astype("<u4").tobytes()
    assert cold["minhash"] == warm["minhash"] == want
    assert [(f.line, f.column, f.message) for f in findings] and \
        np.frombuffer(want, dtype="<u4").size == len(keys) * 16


def test_candidate_rows_filtered_a_slice_at_a_time_are_the_same_pairs(monkeypatch):
    """``candidate_rows`` keeps the pairs of different files and one class a slice of
    the candidate codes at a time (``KEEP_BATCH``): the same pairs, in the same order,
    as all at once; the across-files finding is the same."""
    from checks.rules import figure as FG

    money = ["3800万元", "3600万元", "3800万元", "3800万元"]  # two values: no template
    files = {f"{c}.txt": article(f"2021-03-0{i + 1}", money[i]) for i, c in enumerate("abcd")}
    rows = FG._Rows(corpus_of(files).features("figure"))
    whole = FG.candidate_rows(rows, 64)
    assert len(whole[0]) > 3
    want = check_corpus(corpus_of(files), "figure")
    assert want
    monkeypatch.setattr(FG, "KEEP_BATCH", 2)
    sliced = FG.candidate_rows(rows, 64)
    assert sliced[0].tolist() == whole[0].tolist() and sliced[1].tolist() == whole[1].tolist()
    assert sliced[0].dtype == whole[0].dtype == "int64"
    assert check_corpus(corpus_of(files), "figure") == want
    empty = FG._Rows([])
    assert [len(x) for x in FG.candidate_rows(empty, 64)] == [0, 0]


_COUNT_PIECES = ["2017年", "1999年", "19", "20", "12019年", "09月", "8月", "12月", "28日", "1号", "３", "等", "等等", "“", "\"", "「", "《", "”", "两", "二", "三", "十", "十一", "二十", "20",
                 "2", "9", "1", "12", "0", "个", "项", "方面", "环节", "大", "届", "第", "：", ":",
                 "包括", "，即", "分别是", "、", "，", "。", "措施", "北京", "上海", "\n", " ", "x",
                 "２０１７年", "１２月", "１", "年", "月", "日", "十九", "5个", "3名"]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(_COUNT_PIECES), max_size=20), st.integers(0, 4),
       st.integers(0, 4))
def test_count_and_date_patterns_jump_to_the_matches_finditer_finds(pieces, start, cut):
    """``figure.count-mismatch`` reads its counts (``figure.notation-drift`` its dates, the
    statements the years of their paragraphs) with ``jump_finditer``: the same matches
    (spans and groups) as the patterns' own finditer, also when the range ends before
    the text does (the start patterns of _COUNT_FWD, _CN_DATE and _YEAR look ahead)."""
    from checks import figure_align as fa
    from checks.numbers import jump_finditer

    text = "".join(pieces)
    start = min(start, len(text))
    end = max(start, len(text) - cut)
    for pattern, first in ((fig._COUNT_BACK, fig._COUNT_BACK_START),
                           (fig._COUNT_FWD, fig._COUNT_FWD_START),
                           (fig._CN_DATE, fig._CN_DATE_START), (fa._YEAR, fa._YEAR_START)):
        want = [(m.span(), m.groupdict()) for m in pattern.finditer(text, start, end)]
        got = [(m.span(), m.groupdict())
               for m in jump_finditer(pattern, first, text, start, end)]
        assert got == want


def test_count_date_and_year_start_patterns_find_each_match_exactly():
    """The start patterns that look ahead find the matches of their pattern (exact
    offsets) and skip the digits and numerals that start none."""
    from checks import figure_align as fa
    from checks.numbers import jump_finditer

    text = "共3项措施：一是12个，2017年9月8日与10月1日，12月末，１９９９年与2023年"
    assert [m.start() for m in fig._COUNT_FWD_START.finditer(text)] == [1, 8, 9]
    assert [m.group() for m in jump_finditer(fig._COUNT_FWD, fig._COUNT_FWD_START, text)] \
        == ["3项措施："]
    assert [m.group() for m in jump_finditer(fig._CN_DATE, fig._CN_DATE_START, text)] \
        == ["2017年9月8日", "10月1日"]
    assert [m.group(1) for m in jump_finditer(fa._YEAR, fa._YEAR_START, text)] \
        == ["2017", "2023"]  # (19|20) are ASCII: not １９９９


def _minhashes_one_crc_a_gram(keys):
    """The MinHash signatures as they were computed: one zlib.crc32 call for each
    distinct 3-gram of each key."""
    import numpy as np

    from checks import figure_align as fa

    if not keys:
        return np.zeros((0, fa.BANDS * fa.ROWS), dtype=np.uint64)
    hashed, offsets = fa._minhash_grams(keys)
    vals = (fa._A[:, None] * hashed[None, :] + fa._B[:, None]) % fa._PRIME
    return np.minimum.reduceat(vals, offsets, axis=1).T


@settings(max_examples=400, deadline=None)
@given(st.lists(st.text(alphabet=st.one_of(
    st.sampled_from("ab◎中文，。\x00\u00e9\u07ff\u0800\uffff\U00010000\U0001F600"),
    st.characters(max_codepoint=0x10FFFF, exclude_categories=("Cs",))), max_size=9),
    max_size=8))
def test_gram_crcs_with_numpy_equal_one_crc32_a_gram(keys):
    """``minhashes`` hashes every 3-gram with numpy (CRC-32 as a sum of its bytes'
    parts): the signatures are those of one ``zlib.crc32`` call a distinct gram, for
    keys of 0 to 9 characters of 1 to 4 UTF-8 bytes."""
    import zlib

    import numpy as np

    from checks import figure_align as fa

    got, want = fa.minhashes(keys), _minhashes_one_crc_a_gram(keys)
    assert got.dtype == want.dtype == np.uint64 and got.shape == want.shape
    assert got.tolist() == want.tolist()
    if keys:
        hashes, offsets = fa._gram_crcs(keys)
        grams = [k[i:i + 3] for k in keys for i in range(max(1, len(k) - 2))]
        assert hashes.tolist() == [zlib.crc32(g.encode("utf-8")) for g in grams]
        assert offsets.tolist() == [0] + np.cumsum(
            [max(1, len(k) - 2) for k in keys])[:-1].tolist()


def test_gram_crcs_of_a_lone_surrogate_raise_as_before():
    from checks import figure_align as fa

    with pytest.raises(UnicodeEncodeError):
        fa.minhashes(["全市共有\ud800合作社◎家"])


@pytest.mark.parametrize("text, want", [
    # full-width digits the minority: the first of them flagged, related to the first half-width
    (H + "今年产值增长１２％，利润增长5%，出口增长3%。\n", ("１２", "5")),
    # half-width the minority (two full-width runs, one half-width)
    (H + "今年产值增长１２％，利润增长１５％，出口增长3%。\n", ("3", "１２")),
    # as many of each: the full-width ones are the minority (ties go to them)
    (H + "出口增长3%，今年产值增长１２％。\n", ("１２", "3")),
])
def test_digit_width_drift_offsets(text, want):
    seed = seed_from_text(text, "a.txt")
    hits = [h for h in fig.notation_drift(seed, None) if h.key == "digit-width"]
    assert len(hits) == 1
    hit = hits[0]
    assert text[hit.start:hit.end] == want[0]
    assert text.index(want[0], seed.body_start) == hit.start
    rel = hit.related[0]
    line, col = seed.position(text.index(want[1], seed.body_start))
    assert (rel.line, rel.column) == (line, col)
