"""Tests of the duplicate checks (docs/duplicates.md).

Fixture texts are written for these tests (fictional news items); nothing is copied from
the shared corpus.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest

from checks.config import Config
from checks.engine import Corpus, check_corpus, check_seed
from checks.paragraphs import fold_figures, normalize, paragraphs
from checks.report.console import SECTIONS, to_ansi
from checks.rules import duplicate as dup
from checks.seed import seed_from_text
from checks.similarity import (agreement, aligned_pairs, jaccard,
                               lsh_pairs, lsh_probability, signature)

ROOT = Path(__file__).parent
RAW_SAMPLE = ROOT / "fixtures" / "000_12dde9c38bb7d0aa.txt"
CLEAN_SAMPLE = ROOT.parent / "seeds" / "000_12dde9c38bb7d0aa.txt"

# -- fixture text ---------------------------------------------------------------------------

ROAD = [
    "青石县交通运输局近日召开乡村道路建设推进会，通报今年以来全县农村公路建设进展情况。"
    "截至10月底，全县新建和改造农村公路126公里，完成年度计划的87%，惠及沿线42个行政村。",
    "会议指出，农村公路是群众出行的基础条件，也是发展乡村产业的重要支撑。各乡镇要压实属地"
    "责任，加快征地拆迁和管线迁改，确保在建项目在冬季施工前完成路基和排水工程，不留安全隐患。",
    "在资金保障方面，县财政统筹安排专项资金，并积极争取上级补助，对按期完工、质量达标的项目"
    "给予奖励。同时引入第三方检测机构，对路面厚度、压实度等关键指标开展抽检，抽检结果向社会公开。",
    "下一步，县交通运输局将会同农业农村、自然资源等部门，建立项目调度台账，每半个月通报一次"
    "进度，对进展缓慢的乡镇进行约谈，推动全年目标任务如期完成。",
]
LIBRARY = [
    "河湾市图书馆新馆于本周六正式对外开放，新馆总建筑面积约两万平方米，设有少儿阅读区、古籍"
    "修复室、数字体验区等十余个功能空间，可同时容纳1500名读者。",
    "开馆当天，市民早早在门口排起长队。不少家长带着孩子来到少儿阅读区，挑选绘本和科普读物。"
    "一位退休教师说，新馆环境明亮安静，藏书种类也比以前丰富得多，以后会常来这里看书。",
    "据介绍，新馆实行免费开放，读者凭身份证即可办理借阅证，还可以通过手机预约座位、查询馆藏。"
    "馆内还将定期举办读书分享会、非遗展览和公益讲座，丰富市民的精神文化生活。",
]
HARVEST = [
    "秋分时节，北方多地玉米进入集中收获期。在平原镇的一片农田里，几台大型收割机来回穿梭，"
    "摘穗、剥皮、粉碎秸秆一气呵成，农户们忙着把金黄的玉米装车运往晾晒场。",
    "镇农业服务中心负责人介绍，今年全镇推广了耐密植品种和水肥一体化技术，加上雨水充足，"
    "玉米长势明显好于往年，预计平均亩产比去年提高一成左右。",
    "为了让粮食颗粒归仓，镇里组织农机合作社提供跨村作业服务，并协调烘干企业延长收购时间，"
    "帮助农户错峰销售，避免因集中上市造成价格波动。",
]
PRESS = ("本次活动由市委宣传部、市文化广电和旅游局共同主办，市图书馆、市群众艺术馆承办，"
         "活动期间所有展览和讲座均免费向公众开放，欢迎广大市民踊跃参与，具体安排请关注主办"
         "单位通过官方网站和微信公众号发布的通知和公告。")
SHORT_PRESS = ("本次活动由市委宣传部、市文化广电和旅游局共同主办，市图书馆、市群众艺术馆承办，"
               "活动期间所有展览和讲座均免费向公众开放，欢迎广大市民踊跃参与。")


def seed_text(lines: list[str], date: str = "2021-03-04") -> str:
    return "\n".join([date, "", *lines]) + "\n"


def blank_separated(paras: list[str], indent: str = "") -> list[str]:
    out: list[str] = []
    for p in paras:
        if out:
            out.append("")
        out.append(indent + p)
    return out


def wrap(p: str, width: int) -> list[str]:
    return [p[k:k + width] for k in range(0, len(p), width)]


def to_fullwidth(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() or c == "%" else c for c in s)


def dup_findings(text: str, config: Config | None = None, rel: str = "t.txt"):
    fs = check_seed(seed_from_text(text, rel), config or Config())
    return [f for f in fs if f.category == "duplicate"]


def corpus_of(texts: dict[str, str], config: Config | None = None) -> Corpus:
    cfg = config or Config()
    return Corpus(Path("."), sorted(texts), cfg,
                  loader=lambda rel: seed_from_text(texts[rel], rel))


def corpus_findings(texts: dict[str, str], config: Config | None = None):
    return check_corpus(corpus_of(texts, config), "duplicate")


# -- normalisation and paragraphs -------------------------------------------------------------

def test_normalize_folds_width_space_and_tags():
    assert normalize("  截至１０月底，\u3000共 126 公里<br>&nbsp;") == "截至10月底,共126公里"
    assert fold_figures("截至10月底完成87.5%") == "截至#月底完成#%"


def test_paragraphs_join_wrapped_lines_and_split_items():
    text = "\n".join(wrap(ROAD[1], 20) + ["• 第一项", "• 第二项", "", ROAD[3]])
    paras = paragraphs(text)
    assert [p.norm for p in paras] == [normalize(ROAD[1]), "•第一项", "•第二项",
                                      normalize(ROAD[3])]
    assert text[paras[0].start:paras[0].end].splitlines()[0] == ROAD[1][:20]


def test_paragraphs_split_on_html_block_tags():
    text = f"<p>{ROAD[0]}</p><p>{ROAD[1]}<br></p>"
    paras = paragraphs(text)
    assert [p.norm for p in paras] == [normalize(ROAD[0]), normalize(ROAD[1])]
    assert text[paras[1].start:paras[1].end] == ROAD[1]


# -- repeated body: the sample seeds ----------------------------------------------------------

def test_raw_sample_seed_has_exactly_one_repeated_body():
    text = RAW_SAMPLE.read_text(encoding="utf-8")
    seed = seed_from_text(text, RAW_SAMPLE.name)
    fs = dup_findings(text, rel=RAW_SAMPLE.name)
    assert len(fs) == 1
    f = fs[0]
    assert f.check == "duplicate.repeated-body"
    assert f.severity == "error"
    assert (f.line, f.column, f.end_line, f.end_column) == (49, 1, 92, 16)
    r = f.related[0]
    assert (r.path, r.line, r.column, r.end_line, r.end_column) == (RAW_SAMPLE.name, 3, 1,
                                                                      47, 16)
    assert "lines 49–92 repeat lines 3–47" in f.message
    assert "50% of the file's text" in f.message
    assert "99.9% similar" in f.message
    assert "lacks line 7 of the first copy" in f.message
    assert f.fix is not None and f.fix.replacement == "" and f.fix.safe
    assert f.fix.start == seed.line(49).start and f.fix.end == seed.line(92).next
    fixed = text[:f.fix.start] + text[f.fix.end:]
    assert fixed.splitlines()[46:49] == ["    扫一扫在手机打开当前页", "",
                                         "    主办单位:四川省人民政府办公厅"]
    assert dup_findings(fixed) == []


def test_clean_sample_seed_has_no_duplicate_finding():
    assert dup_findings(CLEAN_SAMPLE.read_text(encoding="utf-8")) == []


# -- repeated body: own fixtures ----------------------------------------------------------------

def test_repeat_through_wrapping_indent_and_fullwidth_is_safe():
    second = []
    for p in ROAD:
        if second:
            second.append("")
        second += wrap(to_fullwidth(p), 30)
    lines = ["青石县召开乡村道路建设推进会", "", *blank_separated(ROAD, "  "), "",
             "相关阅读", "", *second]
    # line 3 title, 5/7/9/11 paragraphs, 13 相关阅读, second copy from line 15
    text = seed_text(lines)
    seed = seed_from_text(text)
    fs = dup_findings(text)
    assert len(fs) == 1
    f = fs[0]
    last = len(lines) + 2
    assert (f.line, f.column, f.end_line, f.end_column) == (15, 1, last,
                                                            len(lines[-1]) + 1)
    assert (f.related[0].line, f.related[0].end_line) == (5, 11)
    assert f.fix.safe and f.fix.start == seed.line(15).start and f.fix.end == len(text)
    assert "100.0% similar" in f.message


def test_repeat_with_changed_character_is_unsafe_and_names_the_line():
    edited = ROAD[2].replace("奖励", "表彰")
    lines = [*blank_separated(ROAD), "", "——", "", *blank_separated(ROAD[:2] + [edited]
                                                                     + ROAD[3:])]
    # first copy lines 3..9, "——" on 11, second copy 13..19 (edited paragraph on 17)
    fs = dup_findings(seed_text(lines))
    assert len(fs) == 1
    f = fs[0]
    assert (f.line, f.column, f.end_line) == (13, 1, 19)
    assert (f.related[0].line, f.related[0].end_line) == (3, 9)
    assert "it differs at line 17" in f.message
    assert not f.fix.safe


def test_repeat_differing_only_in_figures_says_so():
    changed = ROAD[0].replace("126", "128").replace("87%", "89%")
    lines = [*blank_separated(ROAD), "", *blank_separated([changed] + ROAD[1:])]
    fs = dup_findings(seed_text(lines))
    assert len(fs) == 1
    assert "differ only in figures" in fs[0].message
    assert fs[0].evidence["figures_only"] is True
    assert fs[0].line == 11


def test_three_copies_flag_the_later_two_against_the_first():
    lines = [*blank_separated(ROAD), "", *blank_separated(ROAD), "",
             *blank_separated(ROAD)]
    fs = dup_findings(seed_text(lines))
    assert [(f.line, f.end_line) for f in fs] == [(11, 17), (19, 25)]
    assert [(f.related[0].line, f.related[0].end_line) for f in fs] == [(3, 9), (3, 9)]


def test_repeat_of_html_paragraphs_inside_one_line():
    body = "".join(f"<p>{p}</p>" for p in ROAD)
    text = seed_text([body, "", "其他", "", body])
    seed = seed_from_text(text)
    fs = dup_findings(text)
    assert len(fs) == 1
    f = fs[0]
    # the later copy: line 7, from the first paragraph's text (after "<p>") to the end of
    # the last one (before "</p>")
    assert (f.line, f.column, f.end_line) == (7, 4, 7)
    assert f.end_column == len(body) - 4 + 1
    assert f.fix.start == seed.line(7).start + 3
    assert (f.related[0].line, f.related[0].column) == (3, 4)


@pytest.mark.parametrize("lines", [
    # a summary list whose items come back as section headings
    ["本期节目主要内容：", "", "1.青石县加快农村公路建设；", "", "2.河湾市图书馆新馆开放；",
     "", "3.北方多地玉米进入集中收获期。", "", "### 青石县加快农村公路建设", "",
     *blank_separated(ROAD), "", "### 河湾市图书馆新馆开放", "", *blank_separated(LIBRARY),
     "", "### 北方多地玉米进入集中收获期", "", *blank_separated(HARVEST)],
    # salutations, repeated captions and short lines
    ["各位代表！", "", ROAD[0], "", "各位代表！", "", ROAD[1], "", "各位代表！", "", ROAD[2],
     "", "表1 全县农村公路建设情况", "", "表1 全县农村公路建设情况", "", "责任编辑：王明",
     "", "责任编辑：王明"],
    # one paragraph (under 200 characters) quoted twice
    [ROAD[0], "", LIBRARY[0], "", ROAD[0], "", HARVEST[0]],
    # a block of short lines repeated (navigation, not a body)
    ["• 首页", "• 新闻", "• 公告", "", *blank_separated(ROAD), "", "• 首页", "• 新闻",
     "• 公告"],
    # two items of the same template about different events (about 80% alike)
    ["河湾市图书馆新馆于本周六正式对外开放。", "", LIBRARY[1], "", LIBRARY[2], "",
     "河湾市博物馆新馆于本周日正式对外开放。", "",
     LIBRARY[1].replace("少儿阅读区", "儿童展厅").replace("绘本和科普读物", "文物和化石标本"),
     "", LIBRARY[2].replace("借阅证", "参观证").replace("读书分享会", "文物鉴赏会")
     .replace("查询馆藏", "查询展品").replace("非遗展览", "考古展览")],
])
def test_repeated_body_must_not_fire(lines):
    assert dup_findings(seed_text(lines)) == []


def test_repeated_body_options():
    lines = [ROAD[0], "", LIBRARY[0], "", ROAD[0]]
    assert dup_findings(seed_text(lines)) == []
    cfg = Config(checks={"duplicate.repeated-body": {"min_chars": 80}})
    fs = dup_findings(seed_text(lines), cfg)
    assert [(f.line, f.end_line, f.related[0].line) for f in fs] == [(7, 7, 3)]
    strict = Config(checks={"duplicate.repeated-body": {"min_similarity": 1.0}})
    edited = [*blank_separated(ROAD), "", *blank_separated([ROAD[0].replace("近日", "昨日")]
                                                           + ROAD[1:])]
    assert len(dup_findings(seed_text(edited))) == 1
    assert dup_findings(seed_text(edited), strict) == []


# -- aligned pairs (API for the figure checks) ----------------------------------------------------

def test_aligned_pairs_of_two_texts():
    a = "\n\n".join(ROAD)
    b = "\n\n".join([ROAD[0].replace("126", "128"), ROAD[1], ROAD[3], "新增一段说明文字。"])
    pairs = aligned_pairs(a, b)
    assert [p.kind for p in pairs] == ["figures", "same", "only_a", "same", "only_b"]
    first = pairs[0]
    assert a[first.a.start:first.a.end] == ROAD[0]
    assert b[first.b.start:first.b.end] == ROAD[0].replace("126", "128")
    assert 0.95 < first.similarity < 1.0


def test_aligned_pairs_within_one_text():
    text = "\n\n".join(ROAD + [LIBRARY[0]] + [ROAD[0].replace("42", "43")] + ROAD[1:])
    pairs = aligned_pairs(text)
    assert [p.kind for p in pairs] == ["figures", "same", "same", "same"]
    assert all(p.a.start < p.b.start for p in pairs)
    assert aligned_pairs("\n\n".join(ROAD)) == []


# -- sketches ---------------------------------------------------------------------------------

def test_signature_is_deterministic_and_estimates_jaccard():
    a = normalize("".join(ROAD))
    assert np.array_equal(signature(a), signature(a))
    assert jaccard(signature(a), signature(a)) == 1.0
    assert jaccard(signature(a), signature(normalize("".join(LIBRARY)))) < 0.1
    assert 0.5 < jaccard(signature(a), signature(normalize("".join(ROAD[:3])))) < 0.95
    assert signature("短") is None
    assert lsh_probability(0.5, 42, 3) > 0.99


def test_lsh_pairs_pairs_only_similar_sketches():
    edited = ROAD[:3] + [ROAD[3].replace("约谈", "督导")]
    sigs = np.stack([signature(normalize("".join(t))) for t in (ROAD, LIBRARY, edited,
                                                                 HARVEST)])
    pairs = lsh_pairs(sigs, 42, 3)
    assert pairs.tolist() == [[0, 2]]
    assert agreement(sigs, pairs)[0] > 0.8
    assert lsh_pairs(sigs[:1], 42, 3).shape == (0, 2)


def test_index_feature_is_small_and_picklable():
    feat = dup.duplicate_features(seed_from_text(seed_text(blank_separated(ROAD))), None)
    blob = pickle.dumps(feat)
    assert len(blob) < 2000
    again = pickle.loads(blob)
    assert again["hash"] == feat["hash"] and np.array_equal(again["sig"], feat["sig"])
    assert again["ps"].tolist() == [len(normalize(p)) for p in ROAD]


# -- identical files ---------------------------------------------------------------------------

def test_identical_files_flag_all_but_the_first_in_sorted_order():
    body = blank_separated(ROAD)
    texts = {
        "b/2.txt": seed_text(body, "2021-05-01"),
        "a/1.txt": seed_text(body),
        "c.txt": seed_text(["  " + ln for ln in body], "2022-01-01"),  # re-dated, indented
        "d.txt": seed_text(blank_separated(LIBRARY)),
    }
    fs = [f for f in corpus_findings(texts) if f.check == "duplicate.identical-file"]
    assert [(f.path, f.severity) for f in fs] == [("b/2.txt", "error"), ("c.txt", "error")]
    for f in fs:
        assert (f.line, f.column, f.end_line) == (3, 1, 9)
        assert f.related[0].path == "a/1.txt"
        assert (f.related[0].line, f.related[0].end_line) == (3, 9)
        assert "identical to that of a/1.txt" in f.message
    assert fs[1].end_column == len(ROAD[3]) + 3
    # no near-duplicate or shared-passage finding on top of an identical one
    assert {f.check for f in corpus_findings(texts)} == {"duplicate.identical-file"}


def test_identical_files_are_flagged_the_same_whatever_the_load_order():
    body = seed_text(blank_separated(LIBRARY))
    t1 = {"x.txt": body, "m.txt": body, "a.txt": body}
    t2 = dict(reversed(list(t1.items())))
    r1 = [(f.path, f.related[0].path, f.fingerprint) for f in corpus_findings(t1)]
    r2 = [(f.path, f.related[0].path, f.fingerprint) for f in corpus_findings(t2)]
    assert r1 == r2 == [(p, "a.txt", r1[i][2]) for i, p in enumerate(["m.txt", "x.txt"])]


def test_different_files_are_not_identical():
    texts = {"a.txt": seed_text(blank_separated(ROAD)),
             "b.txt": seed_text(blank_separated(LIBRARY)),
             "c.txt": seed_text(blank_separated(HARVEST))}
    assert corpus_findings(texts) == []


# -- near-duplicates ---------------------------------------------------------------------------

def test_near_duplicate_file_names_score_and_differing_paragraph():
    edited = ROAD[1].replace("压实属地责任", "落实主体责任").replace("不留安全隐患", "确保质量安全")
    texts = {"a.txt": seed_text(blank_separated(ROAD)),
             "b.txt": seed_text(blank_separated([ROAD[0], edited, *ROAD[2:]]), "2021-06-01"),
             "z.txt": seed_text(blank_separated(LIBRARY))}
    fs = corpus_findings(texts)
    assert [(f.check, f.path) for f in fs] == [("duplicate.near-duplicate-file", "b.txt")]
    f = fs[0]
    assert f.severity == "warning"
    assert (f.line, f.column, f.end_line) == (3, 1, 9)
    assert f.related[0].path == "a.txt" and (f.related[0].line, f.related[0].end_line) == (3, 9)
    assert "similar to that of a.txt" in f.message
    assert "1 of 4 paragraphs differ or are extra, at line 5" in f.message
    assert 0.85 <= f.evidence["score"] < 1.0


def test_near_duplicate_differing_only_in_figures():
    changed = [ROAD[0].replace("126", "131").replace("42", "45"), *ROAD[1:]]
    texts = {"a.txt": seed_text(blank_separated(ROAD)),
             "b.txt": seed_text(blank_separated(changed))}
    fs = corpus_findings(texts)
    assert [(f.check, f.path) for f in fs] == [("duplicate.near-duplicate-file", "b.txt")]
    assert "differ only in figures" in fs[0].message
    assert fs[0].evidence["score"] == 1.0 and fs[0].evidence["figures_only"]


def test_near_duplicate_threshold_is_configurable():
    edited = [ROAD[0], ROAD[1], HARVEST[0], ROAD[3]]  # one paragraph of four replaced
    texts = {"a.txt": seed_text(blank_separated(ROAD)), "b.txt": seed_text(
        blank_separated(edited))}
    assert corpus_findings(texts) == []
    cfg = Config(checks={"duplicate.near-duplicate-file": {"threshold": 0.6}})
    fs = corpus_findings(texts, cfg)
    assert [(f.check, f.path) for f in fs] == [("duplicate.near-duplicate-file", "b.txt")]


# -- containment -------------------------------------------------------------------------------

def test_contained_file_points_at_the_copied_lines():
    digest = blank_separated(LIBRARY + ROAD + HARVEST)
    texts = {"digest.txt": seed_text(digest), "road.txt": seed_text(blank_separated(ROAD))}
    fs = corpus_findings(texts)
    assert [(f.check, f.path) for f in fs] == [("duplicate.contained-file", "road.txt")]
    f = fs[0]
    assert (f.line, f.column, f.end_line) == (3, 1, 9)
    r = f.related[0]
    # ROAD paragraphs are paragraphs 4..7 of the digest: lines 9, 11, 13, 15
    assert (r.path, r.line, r.column, r.end_line, r.end_column) == (
        "digest.txt", 9, 1, 15, len(ROAD[3]) + 1)
    assert "100% of the body is contained in digest.txt (lines 9–15)" in f.message


def test_partial_overlap_is_not_containment():
    texts = {"a.txt": seed_text(blank_separated(ROAD[:2] + LIBRARY)),
             "b.txt": seed_text(blank_separated(ROAD[:2] + HARVEST))}
    assert [f.check for f in corpus_findings(texts)] == []


# -- shared passages ---------------------------------------------------------------------------

def test_shared_passage_in_unrelated_articles():
    texts = {"a.txt": seed_text(blank_separated(LIBRARY[:2] + [PRESS])),
             "b.txt": seed_text(blank_separated(HARVEST)),
             "c.txt": seed_text(blank_separated([PRESS] + ROAD[:2]))}
    fs = corpus_findings(texts)
    assert [(f.check, f.path, f.line, f.column, f.end_column) for f in fs] == [
        ("duplicate.shared-passage", "c.txt", 3, 1, len(PRESS) + 1)]
    f = fs[0]
    assert f.severity == "warning"
    assert (f.related[0].path, f.related[0].line) == ("a.txt", 7)
    assert "also appears in a.txt line 7" in f.message


def test_short_shared_paragraph_is_not_a_shared_passage():
    texts = {"a.txt": seed_text(blank_separated(LIBRARY[:2] + [SHORT_PRESS])),
             "c.txt": seed_text(blank_separated([SHORT_PRESS] + ROAD[:2]))}
    assert corpus_findings(texts) == []


# -- report section ---------------------------------------------------------------------------

def test_report_section_lists_groups_as_plain_text():
    body = blank_separated(ROAD)
    texts = {"[a].txt": seed_text(body), "[b].txt": seed_text(body, "2022-02-02")}
    fs = corpus_findings(texts)
    report = {"findings": [f.to_dict() for f in fs]}
    assert dup.duplicate_section in SECTIONS
    from rich.console import Console

    console = Console(width=120, record=True, color_system=None)
    console.print(dup.duplicate_section(report))
    out = console.export_text()
    assert "[a].txt" in out and "[b].txt" in out and "identical to [a].txt" in out
    assert dup.duplicate_section({"findings": []}) is None


def test_report_section_in_console_render():
    text = RAW_SAMPLE.read_text(encoding="utf-8")
    fs = dup_findings(text, rel="s.txt")
    report = {"summary": {"files": 1, "files_failed": 1, "findings": 1, "baselined": 0,
                          "duration_s": 0.1}, "findings": [f.to_dict() for f in fs]}
    out = to_ansi(report, color=False, width=120)
    assert "lines 49–92 repeat 3–47" in out


def test_crlf_line_endings_give_the_same_finding():
    text = RAW_SAMPLE.read_text(encoding="utf-8").replace("\n", "\r\n")
    seed = seed_from_text(text)
    fs = dup_findings(text)
    assert [(f.line, f.column, f.end_line, f.end_column) for f in fs] == [(49, 1, 92, 16)]
    assert fs[0].fix.end == seed.line(92).next and text[fs[0].fix.end - 2:fs[0].fix.end] == "\r\n"


try:
    from hypothesis import given, settings, strategies as st
except ImportError:  # pragma: no cover - hypothesis is a dev dependency
    given = None

if given is not None:
    _PIECES = ROAD + LIBRARY + HARVEST + ["各位代表！", "• 首页", "", "  ", "<p>", "１２３",
                                         ROAD[0].replace("126", "127")]

    @settings(max_examples=60, deadline=None)
    @given(st.lists(st.sampled_from(_PIECES), max_size=25),
           st.sampled_from(["\n", "\n\n", "\r\n"]))
    def test_repeated_body_never_breaks_on_arbitrary_layouts(pieces, sep):
        text = "2021-03-04" + sep + sep + sep.join(pieces)
        seed = seed_from_text(text)
        for f in dup_findings(text):
            assert 0 <= f.fix.start < f.fix.end <= len(text)
            assert f.related[0].line < f.line
            assert f.line <= f.end_line
            fixed = text[:f.fix.start] + text[f.fix.end:]
            assert len(fixed) < len(text)
            assert seed.text[f.start:f.end].strip()


# -- end to end (pytest plugin, report.json, console section) -----------------------------------

@pytest.mark.parametrize("workers", [[], ["-n", "2"]])
def test_plugin_reports_duplicates_with_related_locations(pytester, tmp_path, workers):
    seeds = tmp_path / "corpus"
    seeds.mkdir()
    (seeds / "a.txt").write_bytes(RAW_SAMPLE.read_bytes())
    clean = CLEAN_SAMPLE.read_text(encoding="utf-8")
    (seeds / "b.txt").write_text(clean, encoding="utf-8")
    (seeds / "c.txt").write_text("2021-01-01" + clean[len("2020-07-26"):], encoding="utf-8")
    out = tmp_path / "out"
    result = pytester.runpytest_subprocess("--seeds", str(seeds), "--report-dir", str(out),
                                           "-p", "no:cacheprovider", *workers)
    text = result.stdout.str()
    assert "Traceback" not in text
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    dups = [(f["check"], f["path"], f["line"], f["end_line"],
             [(r["path"], r["line"], r["end_line"]) for r in f["related"]])
            for f in report["findings"] if f["category"] == "duplicate"]
    assert dups == [
        ("duplicate.repeated-body", "a.txt", 49, 92, [("a.txt", 3, 47)]),
        ("duplicate.contained-file", "b.txt", 3, 41, [("a.txt", 3, 44)]),
        ("duplicate.identical-file", "c.txt", 3, 41, [("b.txt", 3, 41)]),
    ]
    assert "duplicate groups" in text and "identical to b.txt" in text


# -- repeated body: re-wrapped copies (issue 16) -------------------------------------------

REWRAP = ROAD + LIBRARY  # seven paragraphs, lines 3..15 of the first copy


def _sentences(p: str) -> list[str]:
    return [s + "。" for s in p.split("。") if s]


def test_repeat_joining_every_two_paragraphs_on_one_line():
    second = ["".join(REWRAP[k:k + 2]) for k in range(0, len(REWRAP), 2)]
    lines = [*blank_separated(REWRAP), "", "——", "", *second]
    # first copy 3..15, "——" on 17, the joined copy on lines 19..22 (no blank lines)
    text = seed_text(lines)
    seed = seed_from_text(text)
    fs = dup_findings(text)
    assert [(f.line, f.column, f.end_line, f.end_column) for f in fs] == [
        (19, 1, 22, len(second[-1]) + 1)]
    f = fs[0]
    assert (f.related[0].line, f.related[0].end_line) == (3, 15)
    assert "lines 19–22 repeat lines 3–15" in f.message and "100.0% similar" in f.message
    assert f.fix.safe and f.fix.start == seed.line(19).start and f.fix.end == len(text)


def test_repeat_with_one_sentence_a_line():
    second = [s for p in REWRAP for s in _sentences(p)]
    lines = [*blank_separated(REWRAP), "", "——", "", *second]
    fs = dup_findings(seed_text(lines))
    assert [(f.line, f.column, f.end_line) for f in fs] == [(19, 1, 18 + len(second))]
    assert (fs[0].related[0].line, fs[0].related[0].end_line) == (3, 15)
    assert fs[0].fix.safe


def test_repeat_with_lines_split_inside_sentences():
    second = []
    for p in REWRAP:
        cut = len(p) // 3  # inside a sentence
        second += [p[:cut], "", p[cut:], ""]
    lines = [*blank_separated(REWRAP), "", "——", "", *second[:-1]]
    # the paragraphs alone match only part of this copy (lines 33..45); the sentences
    # see all of it, from line 19
    fs = dup_findings(seed_text(lines))
    assert [(f.line, f.column, f.end_line) for f in fs] == [(19, 1, 45)]
    assert (fs[0].related[0].line, fs[0].related[0].end_line) == (3, 15)
    assert "lines 19–45 repeat lines 3–15" in fs[0].message


def test_sentences_quoted_again_by_another_story_are_not_a_copy():
    # a page whose last lines re-use three sentences of two paragraphs, one a line:
    # 14% of the file's text (under `rewrap_min_share`, 0.2), not a second copy of the
    # page (xwlb has stories quoting 1-3% of their page again)
    story = ROAD + LIBRARY + HARVEST + [PRESS, SHORT_PRESS]
    quoted = _sentences(ROAD[2]) + _sentences(ROAD[3])
    lines = [*blank_separated(story), "", *quoted]
    assert dup_findings(seed_text(lines)) == []
    low = Config(checks={"duplicate.repeated-body": {"rewrap_min_share": 0.1}})
    fs = dup_findings(seed_text(lines), low)
    assert [(f.line, f.end_line, f.related[0].line, f.related[0].end_line)
            for f in fs] == [(27, 29, 7, 9)]
