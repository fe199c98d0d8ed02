"""chrome.*: page chrome (widgets, share links, navigation, footers, bylines), markup
remnants and repeated edge lines. Fixtures are written here; the sample seed is the raw
one in tests/fixtures."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from checks.config import Config, from_table
from checks.engine import Corpus, check_corpus, check_seed
from checks.rules import chrome as ch
from checks.seed import read_seed, seed_from_text

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "tests" / "fixtures" / "000_12dde9c38bb7d0aa.txt"
CLEAN = ROOT / "seeds" / "000_12dde9c38bb7d0aa.txt"

# two body paragraphs (long, sentence-punctuated) to put chrome around
P1 = "    " + "本市今年以来持续推进营商环境改革，" * 3 + "取得了明显成效。"
P2 = "    " + "各部门按照统一部署开展专项行动，" * 3 + "群众满意度不断提升。"
P3 = "    " + "下一步，全市将继续深化改革，" * 3 + "推动高质量发展。"


def chrome_findings(text: str, config: Config | None = None, rel: str = "t.txt"):
    seed = seed_from_text(text, rel)
    return [f for f in check_seed(seed, config or Config(),
                                  only=lambda c: c.startswith("chrome."))]


def doc(*lines: str) -> str:
    return "2020-07-26\n\n" + "\n".join(lines) + "\n"


def summary(findings):
    return [(f.check, f.line, f.end_line, f.column, f.end_column, f.severity,
             None if f.fix is None else f.fix.safe) for f in findings]


def line_span(text: str, first: int, last: int) -> tuple[int, int]:
    """Offsets of lines first..last (1-based) including the last line break."""
    lines = text.split("\n")
    start = sum(len(x) + 1 for x in lines[:first - 1])
    end = sum(len(x) + 1 for x in lines[:last])
    return start, min(end, len(text))


# -- the sample seed -----------------------------------------------------------------------

def test_raw_sample_seed_exact_findings():
    seed = read_seed(RAW, RAW.name)
    fs = [f for f in check_seed(seed, Config(), only=lambda c: c.startswith("chrome."))]
    assert summary(fs) == [
        ("chrome.byline", 5, 6, 1, 15, "warning", True),
        ("chrome.widget", 7, 7, 1, 9, "error", True),
        ("chrome.byline", 46, 46, 1, 14, "warning", True),
        ("chrome.share", 47, 47, 1, 16, "error", True),
        ("chrome.byline", 51, 52, 1, 15, "warning", True),
        ("chrome.byline", 91, 91, 1, 14, "warning", True),
        ("chrome.share", 92, 92, 1, 16, "error", True),
        ("chrome.footer", 93, 94, 1, 20, "error", True),
        ("chrome.share", 95, 99, 1, 12, "error", True),
    ]
    text = seed.text
    for f in fs:
        # every fix deletes whole lines including their line breaks
        assert f.fix.replacement == ""
        s, e = line_span(text, f.line, f.end_line)
        assert (f.fix.start, f.fix.end) == (s, e)
    # line 8 (the issuing office and its date) and the body are not chrome
    flagged = {n for f in fs for n in range(f.line, f.end_line + 1)}
    assert 8 not in flagged and 53 not in flagged
    assert not flagged & set(range(9, 46)) and not flagged & set(range(53, 91))


def test_raw_sample_messages_name_the_evidence():
    seed = read_seed(RAW, RAW.name)
    fs = {f.line: f for f in check_seed(seed, Config(), only=lambda c: c.startswith("chrome."))}
    assert "扫一扫在手机打开当前页" in fs[47].message
    assert "between two copies of the body" in fs[47].message
    assert "at the tail of the text" in fs[95].message
    assert fs[95].evidence["forms"] == ["微信", "微博", "客户端", "头条号", "手机版", "电脑版"]
    assert fs[7].evidence["position"] == "head"


def test_raw_sample_fixes_give_the_cleaned_head():
    """Applying the safe chrome fixes of the head reproduces the cleaned seed's head."""
    seed = read_seed(RAW, RAW.name)
    fs = [f for f in check_seed(seed, Config(), only=lambda c: c.startswith("chrome."))
          if f.line < 10]
    text = seed.text
    for f in sorted(fs, key=lambda f: -f.fix.start):
        text = text[:f.fix.start] + f.fix.replacement + text[f.fix.end:]
    clean = CLEAN.read_text(encoding="utf-8")
    assert text.split("\n")[:12] == clean.split("\n")[:12]


def test_cleaned_seed_has_no_chrome():
    seed = read_seed(CLEAN, CLEAN.name)
    assert check_seed(seed, Config(), only=lambda c: c.startswith("chrome.")) == []


# -- lexicon families: must fire ------------------------------------------------------------

FIRE = [
    # (id, lines of the page text, expected [(check, line, end_line, severity, safe)])
    ("widget-one-line", ["【字体：大 中 小】", "", P1, "", P2],
     [("chrome.widget", 3, 3, "error", True)]),
    ("widget-zihao", ["标题", "字号 加大 减小 还原", "", P1, "", P2],
     [("chrome.widget", 4, 4, "error", True)]),
    ("widget-split", ["标题", "【字体：", "大", "中", "小", "】", "", P1, "", P2],
     [("chrome.widget", 4, 8, "error", True)]),
    ("widget-split-blank-lines", ["【字号：", "", "大", "", "中", "", "小", "", P1],
     [("chrome.widget", 3, 9, "error", True)]),
    ("widget-print-close", [P1, "", P2, "", "【打印】【关闭】"],
     [("chrome.widget", 7, 7, "error", True)]),
    ("widget-print-page", [P1, "", P2, "", "打印本页 关闭窗口"],
     [("chrome.widget", 7, 7, "error", True)]),
    ("widget-english", [P1, "", P2, "", "Print this page"],
     [("chrome.widget", 7, 7, "error", True)]),
    ("share-to", ["分享到：微信 微博 QQ空间", "", P1, "", P2],
     [("chrome.share", 3, 3, "error", True)]),
    ("share-qr", [P1, "", P2, "", "扫一扫在手机打开当前页"],
     [("chrome.share", 7, 7, "error", True)]),
    ("share-bullets", [P1, "", P2, "", "  • 微信", "  • 微博", "  • 手机版 电脑版"],
     [("chrome.share", 7, 9, "error", True)]),
    ("share-two-weak-words", [P1, "", P2, "", "  • 微信", "  • 头条号"],
     [("chrome.share", 7, 8, "error", True)]),
    ("share-weak-alone-at-tail", [P1, "", P2, "", "微信"],
     [("chrome.share", 7, 7, "warning", False)]),
    ("share-wechat-scan", ["用微信扫描二维码分享至好友和朋友圈", "", P1],
     [("chrome.share", 3, 3, "error", True)]),
    ("share-english", [P1, "", P2, "", "Share: Facebook Twitter Email"],
     [("chrome.share", 7, 7, "error", True)]),
    ("share-interior-unsafe", [P1, "", "扫一扫在手机打开当前页", "", P2],
     [("chrome.share", 5, 5, "error", False)]),
    ("nav-breadcrumb", ["当前位置：首页 > 政务公开 > 工作动态", "", P1, "", P2],
     [("chrome.navigation", 3, 3, "error", True)]),
    ("nav-breadcrumb-your", ["您的位置: 首页 » 新闻中心", "", P1, "", P2],
     [("chrome.navigation", 3, 3, "error", True)]),
    ("nav-home-arrow", ["首页 > 新闻 > 正文", "", P1],
     [("chrome.navigation", 3, 3, "error", True)]),
    ("nav-prev-next", [P1, "", P2, "", "上一篇：关于做好春节期间安全工作的通知",
                       "下一篇：我市召开营商环境工作推进会"],
     [("chrome.navigation", 7, 8, "error", True)]),
    ("nav-links", [P1, "", P2, "", "相关链接", "返回顶部", "网站地图 | 联系我们"],
     [("chrome.navigation", 7, 9, "error", True)]),
    ("nav-english", [P1, "", P2, "", "Back to top", "Related articles"],
     [("chrome.navigation", 7, 8, "error", True)]),
    ("footer-sample", [P1, "", P2, "", "主办单位:四川省人民政府办公厅", "运行维护单位:中国电信四川公司"],
     [("chrome.footer", 7, 8, "error", True)]),
    ("footer-icp", [P1, "", P2, "", "网站标识码：5100000062 蜀ICP备05003329号-1",
                    "川公网安备 51010402000507号", "版权所有：四川省人民政府办公厅 技术支持：某某公司"],
     [("chrome.footer", 7, 9, "error", True)]),
    ("footer-chengban", [P1, "", P2, "", "承办单位：某市大数据中心", "技术支持：某某科技有限公司"],
     [("chrome.footer", 7, 8, "error", True)]),
    ("footer-weak-alone", [P1, "", P2, "", "主办单位：中国某某协会"],
     [("chrome.footer", 7, 7, "warning", False)]),
    ("footer-copyright-en", [P1, "", P2, "", "Copyright © 2020 Example Inc. All rights reserved."],
     [("chrome.footer", 7, 7, "error", True)]),
    ("footer-cookie", ["We use cookies to improve your experience. By continuing you agree.",
                       "", P1, "", P2],
     [("chrome.footer", 3, 3, "error", True)]),
    ("byline-editor", [P1, "", P2, "", "责任编辑：李莎莎"],
     [("chrome.byline", 7, 7, "warning", True)]),
    ("byline-editor-space", [P1, "", P2, "", "    责任编辑: 李莎莎"],
     [("chrome.byline", 7, 7, "warning", True)]),
    ("byline-head-multi", ["某某市推进营商环境改革", "来源：新华社 发布时间：2020-07-26 10:30 浏览次数：123",
                           "", P1, "", P2],
     [("chrome.byline", 4, 4, "warning", True)]),
    ("byline-publish-time", ["标题", "  • 2017年09月08日 17时46分", "  • 来源: 省扶贫移民局", "", P1],
     [("chrome.byline", 4, 5, "warning", True)]),
    ("byline-source-alone-at-head", ["标题", "来源：新华社", "", P1, "", P2],
     [("chrome.byline", 4, 4, "warning", True)]),
    ("byline-interior", [P1, "", "编辑：张三", "", P2],
     [("chrome.byline", 5, 5, "warning", False)]),
    ("byline-english", [P1, "", P2, "", "Editor: Jane Doe", "Source: Example News"],
     [("chrome.byline", 7, 8, "warning", True)]),
    ("markdown-link-button-tail", [P1, "", P2, "", "[查看原文](https://tv.example.cn/2022/10/03/VIDE1.shtml)"],
     [("chrome.navigation", 7, 7, "error", True)]),
    ("markdown-link-button-interior", [P1, "", "[阅读全文](https://example.cn/a?id=1)", "", P2],
     [("chrome.navigation", 5, 5, "error", False)]),
    ("markdown-link-nav-bar", ["[首页](https://example.cn/) | [网站地图](https://example.cn/map) | [联系我们](https://example.cn/c)", "", P1],
     [("chrome.navigation", 3, 3, "error", True)]),
    ("chrome-in-tags", [P1, "", P2, "", "<p>责任编辑：李莎莎</p>", "<div>分享到：微信&nbsp;微博</div>"],
     [("chrome.byline", 7, 7, "warning", True), ("chrome.share", 8, 8, "error", True)]),
    ("mixed-families", [P1, "", P2, "", "责任编辑：李莎莎", "【打印】 【关闭】", "网站地图"],
     [("chrome.byline", 7, 7, "warning", True), ("chrome.widget", 8, 8, "error", True),
      ("chrome.navigation", 9, 9, "error", True)]),
    ("copy-boundary", ["标题一", "", P1, "", "责任编辑：某某", "扫一扫在手机打开当前页", "", "标题一", "",
                       "来源：某某局", "", P1, "", P2],
     [("chrome.byline", 7, 7, "warning", True), ("chrome.share", 8, 8, "error", True),
      ("chrome.byline", 12, 12, "warning", True)]),
]


@pytest.mark.parametrize("lines,expected", [(c[1], c[2]) for c in FIRE],
                         ids=[c[0] for c in FIRE])
def test_chrome_fires(lines, expected):
    text = doc(*lines)
    fs = [f for f in chrome_findings(text) if f.check != "chrome.markup"]
    got = [(f.check, f.line, f.end_line, f.severity, f.fix.safe) for f in fs]
    assert got == expected
    for f in fs:
        s, e = line_span(text, f.line, f.end_line)
        assert (f.fix.start, f.fix.end, f.fix.replacement) == (s, e, "")
        assert f.column == 1
        assert f.end_column == len(text.split("\n")[f.end_line - 1]) + 1


# -- must not fire: body text that mentions chrome words ----------------------------------

NOT_FIRE = [
    ("sentence-saoyisao", [P1, "", "    市民扫一扫就能办理社保业务，方便快捷，群众纷纷点赞。", "", P2]),
    ("short-saoyisao", ["扫一扫就能办理", "", P1, "", P2]),
    ("saoma-ruqi", ["标题", "", "扫码入企", "", P1, "", P2]),
    ("saoma-sentence", [P1, "", "    今年以来，全市推行扫码入企制度，减少了对企业的打扰。", "", P2]),
    ("chengban-sentence", [P1, "", "    本次会议由省商务厅主办，市商务局承办单位负责会务保障工作。", "", P2]),
    ("conference-organisers-interior", [P1, "", "主办单位：中国科学技术协会", "承办单位：四川大学",
                                        "", P2]),
    ("conference-organisers-one-line", [P1, "", "主办单位：中国科协 承办单位：四川大学", "", P2]),
    ("salutation", ["在全市经济工作会议上的讲话", "", "各位代表：", "", P1, "", P2]),
    ("issuing-office", ["脱贫攻坚简报2017年第120期", "", "  • 四川省脱贫攻坚领导小组办公室  2017年8月28日",
                        "", P1, "", P2]),
    ("wechat-interior", [P1, "", "微信", "", P2]),
    ("platform-list-interior", [P1, "", "全市政务新媒体矩阵包括：", "微信", "微博", "抖音", "", P2]),
    ("source-caption-interior", [P1, "", "来源：国家统计局", "", P2]),
    ("photo-credit-interior", [P1, "", "摄影：张三", "", P2]),
    ("timeline-interior", [P1, "", "2020年1月1日 10:00", "", P2]),
    ("source-in-sentence", [P1, "", "    从来源地看，瑞士、法国等国对华投资增长较快。", "", P2]),
    ("editor-in-sentence", [P1, "", "    该书由中央文献研究院编辑，收录了重要文稿。", "", P2]),
    ("heading-with-brackets", ["### 【领航中国】共护一江水 万里长江焕发新活力", "", P1, "", P2]),
    ("time-label-notice", ["时间：2020年5月1日 地点：市政府会议室", "", P1, "", P2]),
    ("copyright-law-heading", [P1, "", "第二节 版权所有人的权利", "", P2]),
    ("related-in-sentence", [P1, "", "    （2）丹麦拟就格陵兰岛相关报道召见美外交官。", "", P2]),
    ("markdown-link-title", [P1, "", "[某某大学举行毕业典礼](https://example.cn/a.html)", "", P2]),
    ("markdown-link-in-sentence", [P1, "", "    详情请[查看原文](https://example.cn/a.html)，了解更多政策内容。", "",
                                   P2]),
    ("share-in-sentence", [P1, "", "    欢迎分享到朋友圈，让更多人了解这项政策。", "", P2]),
]


@pytest.mark.parametrize("lines", [c[1] for c in NOT_FIRE], ids=[c[0] for c in NOT_FIRE])
def test_chrome_does_not_fire(lines):
    assert chrome_findings(doc(*lines)) == []


# -- configuration ---------------------------------------------------------------------------

def test_extra_forms_from_configuration():
    text = doc(P1, "", P2, "", "关注本站")
    assert chrome_findings(text) == []
    cfg = from_table({"checks": {"chrome.share": {"extra_words": ["关注本站"]}}})
    fs = chrome_findings(text, cfg)
    assert summary(fs) == [("chrome.share", 7, 7, 1, 5, "error", True)]


def test_extra_labels_and_marks_from_configuration():
    text = doc(P1, "", P2, "", "值守：王五", "京网文〔2020〕1234号")
    assert chrome_findings(text) == []
    cfg = from_table({"checks": {"chrome.byline": {"extra_labels": ["值守"]},
                                 "chrome.footer": {"extra_marks": ["京网文"]}}})
    fs = chrome_findings(text, cfg)
    assert [(f.check, f.line) for f in fs] == [("chrome.byline", 7), ("chrome.footer", 8)]


def test_extra_forms_must_be_strings():
    from checks.config import ConfigError
    cfg = from_table({"checks": {"chrome.share": {"extra_words": [1, 2]}}})
    with pytest.raises(ConfigError):
        chrome_findings(doc(P1), cfg)


def test_byline_severity_configurable():
    cfg = from_table({"severity": {"chrome.byline": "info"}})
    fs = chrome_findings(doc(P1, "", P2, "", "责任编辑：李莎莎"), cfg)
    assert [(f.check, f.severity) for f in fs] == [("chrome.byline", "info")]


# -- markup remnants --------------------------------------------------------------------------

def markup_findings(text: str):
    return [f for f in chrome_findings(text) if f.check == "chrome.markup"]


def test_markup_paragraph_tags():
    line = "<p><strong>央视网消息</strong>：第一段。<br></p><p>第二段。</p>"
    text = doc(line)
    fs = markup_findings(text)
    assert len(fs) == 1
    f = fs[0]
    assert (f.line, f.column, f.end_line, f.end_column) == (3, 1, 3, len(line) + 1)
    assert f.fix.safe is True
    assert f.fix.replacement == "央视网消息：第一段。\n\n第二段。"
    assert (f.fix.start, f.fix.end) == (12, 12 + len(line))
    assert f.evidence["remnants"] == {"tag": 7}


def test_markup_entities():
    line = "    文字&nbsp;&nbsp;文字&lt;章程&gt;&#12288;完"
    fs = markup_findings(doc(line))
    assert len(fs) == 1
    f = fs[0]
    assert (f.column, f.end_column) == (7, len(line) - 1 + 1)
    assert f.fix.safe is True
    assert f.fix.replacement == "    文字  文字<章程>\u3000完"
    assert "HTML entit" in f.message


def test_markup_br_is_a_line_break_and_styles_go():
    line = '<p style="text-indent: 2em;">甲。<br>乙。</p>'
    f = markup_findings(doc(line))[0]
    assert f.fix.replacement == "甲。\n乙。"
    assert f.fix.safe is True


@pytest.mark.parametrize("line,col,end,kind,fix", [
    ('<img src="a.jpg" alt="图">', 1, 26, "tag", ("", False)),
    ("<script>var a = 1;</script>正文", 1, 28, "script", ("正文", False)),
    ("var _hmt = _hmt || [];", 1, 11, "script", ("", False)),
    ('<a href="javascript:void(0)">打印</a>', 1, 36, "javascript", ("打印", False)),
    ("javascript:void(0)", 1, 19, "javascript", ("", False)),
    ("链接 ff8080815e3f7c0f015e4b6d7a1c0e2f 结束", 4, 36, "hex", None),
    ("![](http://www.example.cn/images/a.png)", 1, 40, "image", ("", False)),
    ("p{margin:0;padding:0}", 1, 22, "script", ("", False)),
    (".TRS_Editor P{line-height:2;font-family:宋体;}.TRS_Editor DIV{margin:0}", 1, 70, "script",
     ("", False)),
    ("(function(){var s = document.createElement('script');})();", 2, 43, "script", ("", False)),
])
def test_markup_unsafe_or_no_fix(line, col, end, kind, fix):
    fs = markup_findings(doc(line))
    assert len(fs) == 1
    f = fs[0]
    assert (f.line, f.column, f.end_column) == (3, col, end)
    assert kind in f.evidence["remnants"]
    if fix is None:
        assert f.fix is None
    else:
        assert (f.fix.replacement, f.fix.safe) == fix
        if kind == "script" and fix[0] == "":
            # a line of code is deleted with its line break
            assert (f.fix.start, f.fix.end) == (12, 12 + len(line) + 1)
        else:
            # otherwise the line is replaced by its plain text
            assert (f.fix.start, f.fix.end) == (12, 12 + len(line))


def test_markup_comment_is_removed_safely():
    f = markup_findings(doc("<!-- 正文开始 -->正文内容。"))[0]
    assert (f.column, f.end_column) == (1, 14)
    assert (f.fix.replacement, f.fix.safe) == ("正文内容。", True)


def test_markup_code_next_to_text_keeps_the_line():
    f = markup_findings(doc("正文内容。var x = 1"))[0]
    assert f.fix is None
    assert f.evidence["remnants"] == {"script": 1}


@pytest.mark.parametrize("line", [
    "若a<b且b>c，则a<c。",
    "R&D投入持续增长，AT&T公司表示。",
    "编号2017123456789012345，身份证号码不得公开。",
    "颜色代码为#ffffff和#000000。",
    "《关于<中国>的说明》",
    "function of the state",
    "The deadbeefcafebabe word",
    "3 < 5 > 2",
])
def test_markup_does_not_fire(line):
    assert markup_findings(doc(line)) == []


def test_markup_skips_the_header():
    assert markup_findings("2020-07-26\n\n正文。\n") == []


# -- corpus evidence: repeated edge lines -----------------------------------------------------

def _corpus(tmp_path: Path, files: dict[str, str]) -> Corpus:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return Corpus(tmp_path, sorted(files), Config())


def _body(i: int) -> list[str]:
    return [f"    第{i}篇文章的正文，" + "内容各不相同，" * 6 + f"编号{i}。", "",
            f"    第{i}篇的第二段，" + "继续讲述相关情况，" * 5 + "完。"]


def test_repeated_edge_line_fires_with_counts(tmp_path):
    files = {}
    for i in range(8):
        files[f"{i:02d}.txt"] = doc("某某市人民政府门户网站", "政务服务 互动交流 数据开放", "",
                                    f"第{i}篇标题", "", *_body(i))
    for i in range(8, 12):
        files[f"{i:02d}.txt"] = doc(f"第{i}篇标题", "", *_body(i))
    fs = check_corpus(_corpus(tmp_path, files), "chrome")
    got = sorted((f.path, f.line, f.excerpt, f.severity) for f in fs)
    assert got == sorted(
        [(f"{i:02d}.txt", 3, "某某市人民政府门户网站", "warning") for i in range(8)]
        + [(f"{i:02d}.txt", 4, "政务服务 互动交流 数据开放", "warning") for i in range(8)])
    f = fs[0]
    assert "8 of 12 files" in f.message
    assert f.evidence == {"files": 8, "files_total": 12, "pair_files": 8, "zone": "head"}
    assert f.fix.safe is False and f.fix.replacement == ""


def test_repeated_edge_line_not_for_genre_lines(tmp_path):
    files = {}
    for i in range(10):
        files[f"{i:02d}.txt"] = doc(
            "## 新闻摘要", "", "本期节目主要内容：", "",            # heading, colon: genre structure
            "通知", f"第{i}号文件的补充说明", "",                    # same title, varying neighbour
            "各位代表：", "", *_body(i), "",
            f"某某县人民政府办公室{i}", "")
    fs = check_corpus(_corpus(tmp_path, files), "chrome")
    assert fs == []


def test_repeated_edge_line_below_threshold(tmp_path):
    files = {}
    for i in range(4):  # min_files is 5
        files[f"{i:02d}.txt"] = doc("某某网", "栏目一 栏目二", "", f"标题{i}", "", *_body(i))
    assert check_corpus(_corpus(tmp_path, files), "chrome") == []


def test_repeated_edge_line_skips_lexicon_lines(tmp_path):
    files = {f"{i:02d}.txt": doc(*_body(i), "", "责任编辑：李莎莎", "扫一扫在手机打开当前页")
             for i in range(6)}
    assert check_corpus(_corpus(tmp_path, files), "chrome") == []


def test_chrome_index_is_small_and_picklable():
    import pickle
    seed = read_seed(RAW, RAW.name)
    from checks.engine import CheckContext
    feat = ch.chrome_features(seed, CheckContext(Config(), "index:chrome"))
    blob = pickle.dumps(feat)
    assert len(blob) < 4000
    assert all(isinstance(x, int) for rec in feat for x in rec[1:5])


# -- the regular expressions stay linear ---------------------------------------------------------

ADVERSARIAL = [
    "<p" + " " * 5000, "<a " + "x" * 5000, "&" + "a" * 5000, "&#" + "1" * 5000,
    "a" * 20000 + "g", "0" * 20000, "javascript:" + "(" * 5000, "![" + "[" * 5000,
    "![]" + "(" * 5000, "{" * 5000, "a{" * 5000, "x{ab:" + "c" * 5000, "：" * 5000,
    "首页" * 3000, "• " * 5000, "var " * 3000, "<script>" + "<" * 5000,
    "12" * 5000, "2017年" * 2000, "-" * 10000,
]


def test_patterns_are_linear():
    assert len(ch.PATTERNS) > 20
    for rx in ch.PATTERNS:
        for s in ADVERSARIAL:
            t0 = time.perf_counter()
            list(rx.finditer(s))
            rx.fullmatch(s)
            # catastrophic backtracking takes minutes on these inputs; a linear pattern
            # takes milliseconds: the bound only has to sit between the two, and leaves
            # room for a loaded CI machine
            assert time.perf_counter() - t0 < 5.0, (rx.pattern[:60], s[:20])


def test_classify_bounded_on_long_lines():
    lex = ch.lexicon_for(Config())
    t0 = time.perf_counter()
    for s in ["微信 " * 20000, "来源：" * 20000, "首页>" * 20000]:
        ch.classify(ch.normalize(s), lex)
    assert time.perf_counter() - t0 < 1.0


# -- documentation -------------------------------------------------------------------------------

def test_every_chrome_check_is_documented():
    from checks import registry
    ids = [c.id for c in registry.all_checks() if c.category == "chrome"]
    assert set(ids) == {"chrome.widget", "chrome.share", "chrome.navigation", "chrome.footer",
                        "chrome.byline", "chrome.markup", "chrome.repeated-edge-line"}
    for c in registry.all_checks():
        if c.category == "chrome":
            for sec in registry.SECTIONS:
                assert c.section(sec), (c.id, sec)
    assert re.search(r"chrome\.repeated-edge-line", (ROOT / "docs" / "chrome.md").read_text())


# -- whole pages ---------------------------------------------------------------------------------

GOV_PAGE = doc(
    "首页 > 政务公开 > 政府信息公开 > 通知公告",
    "关于做好2020年春节期间安全生产工作的通知",
    "发布时间：2020-01-15 来源：市应急管理局 浏览次数：1234 字体：[大 中 小]",
    "各区县应急管理局：",
    "    为切实做好2020年春节期间安全生产工作，有效防范和坚决遏制各类生产安全事故，保障人民群众生命财产安全，"
    "现将有关事项通知如下。",
    "    一、提高思想认识",
    "    各地要充分认识做好节日期间安全生产工作的重要性，主办单位要落实主体责任，扫一扫就能办理的事项要做好线上服务保障。",
    "附件：1.重点检查表.doc",
    "市应急管理局",
    "2020年1月15日",
    "【打印本页】 【关闭窗口】",
    "上一篇：关于开展安全生产大检查的通知",
    "下一篇：市应急管理局2019年工作总结",
    "主办：某某市人民政府办公室  承办：某某市大数据中心",
    "网站标识码：5101000001  蜀ICP备12345678号  川公网安备 51010402000507号",
)


def test_government_page():
    fs = chrome_findings(GOV_PAGE)
    assert [(f.check, f.line, f.end_line, f.severity, f.fix.safe) for f in fs] == [
        ("chrome.navigation", 3, 3, "error", True),
        # a metadata line that also holds the font-size widget: the widget decides
        ("chrome.widget", 5, 5, "error", True),
        ("chrome.widget", 13, 13, "error", True),
        ("chrome.navigation", 14, 15, "error", True),
        # 主办：/承办： are weak alone, confident next to the ICP line
        ("chrome.footer", 16, 17, "error", True),
    ]
    # the salutation, the attachment line, the signature and its date are the notice's own
    flagged = {n for f in fs for n in range(f.line, f.end_line + 1)}
    assert not flagged & {4, 6, 7, 8, 9, 10, 11, 12}


EN_PAGE = doc(
    "Home > News > Politics",
    "Share this article",
    "City council approves new budget",
    "Posted on: 2020-01-01 10:30",
    "The city council approved the new budget on Tuesday after a long debate about spending "
    "on schools, roads and public transport in the coming year.",
    "Council members said the plan would keep taxes stable while adding money for repairs.",
    "Related articles",
    "Privacy Policy | Terms of Use | Contact us",
    "© 2020 Example Media. All rights reserved.",
    "We use cookies to improve your experience. By continuing you agree to our use of cookies.",
)


def test_english_page():
    fs = chrome_findings(EN_PAGE)
    assert [(f.check, f.line, f.end_line, f.severity, f.fix.safe) for f in fs] == [
        ("chrome.navigation", 3, 3, "error", True),
        ("chrome.share", 4, 4, "error", True),
        ("chrome.byline", 6, 6, "warning", True),
        ("chrome.navigation", 9, 10, "error", True),
        ("chrome.footer", 11, 11, "error", True),
        ("chrome.footer", 12, 12, "error", True),
    ]


def test_cookie_notice_inside_the_body_is_not_flagged():
    text = doc(P1, "", "We use cookies to study how readers move through long articles, the author says.",
               "", P2)
    assert chrome_findings(text) == []


NEWS_PAGE = doc(
    "新华网 > 新闻 > 正文",
    "某某大学举行毕业典礼",
    "2020-07-26 10:30:05 来源：新华网",
    "【字号 大 中 小】【打印】【关闭】",
    "    新华社北京7月26日电 某某大学26日举行毕业典礼，四千余名毕业生走出校园，奔赴祖国各地的工作岗位。",
    "    校长在致辞中勉励毕业生珍惜时光、努力工作，成长为国家需要的人才，为社会发展贡献力量。",
    "【纠错】 责任编辑：王三",
    "相关新闻",
    "  ・ 某某大学举行开学典礼",
    "  ・ 教育部部署暑期工作",
    "分享到：",
)


def test_news_page_with_link_list():
    fs = chrome_findings(NEWS_PAGE)
    assert [(f.check, f.line, f.end_line, f.severity, f.fix.safe) for f in fs] == [
        ("chrome.navigation", 3, 3, "error", True),      # breadcrumb without 首页
        ("chrome.byline", 5, 5, "warning", True),        # a date and time, then 来源
        ("chrome.widget", 6, 6, "error", True),
        ("chrome.widget", 9, 9, "error", True),          # 【纠错】 decides the family
        ("chrome.navigation", 10, 12, "error", True),    # the heading and its link list
        ("chrome.share", 13, 13, "error", True),
    ]
    assert fs[4].evidence["forms"] == ["相关新闻", "link list item"]


@pytest.mark.parametrize("lines", [
    [P1, "", "优先级 > 重要性 > 紧急程度", "", P2],          # a breadcrumb shape inside the body
    [P1, "", "相关新闻", "某某大学举行开学典礼", "教育部部署暑期工作", "", P2],
    ["2020-07-26", "", P1, "", P2],                        # a bare date is not metadata
    ["2020-07-26 10:30", "某某公司", "", P1, "", P2],
], ids=["crumb-shape-in-body", "link-list-in-body", "bare-date", "date-and-unknown"])
def test_edge_only_forms_do_not_fire_inside_the_body(lines):
    fs = chrome_findings(doc(*lines))
    flagged = {n for f in fs for n in range(f.line, f.end_line + 1)}
    if lines[0] == "2020-07-26 10:30":
        # the publish time alone is metadata, the line after it is not
        assert flagged == {3}
    elif lines[2] == "相关新闻":
        # the heading is a strong word, the items are not reported inside the body
        assert flagged == {5}
    else:
        assert fs == []


# -- issue 16: the chrome families still left on real pages --------------------------------

FIRE_16 = [
    # video-player controls on their own lines (head, tail, between paragraphs)
    ("player-controls-tail", [P1, "", P2, "", "播放", "00:00 / 03:25", "全屏"],
     [("chrome.widget", 7, 9, "error", True)]),
    ("player-fallback-head", ["您的浏览器不支持video标签。", "", P1, "", P2],
     [("chrome.widget", 3, 3, "error", True)]),
    ("player-videojs", [P1, "", P2, "", "Play", "Current Time 0:00", "Duration 3:25",
                        "Loaded: 0%", "1x", "Fullscreen"],
     [("chrome.widget", 7, 12, "error", True)]),
    ("player-loading-interior", [P1, "", "视频加载中...", "", P2],
     [("chrome.widget", 5, 5, "error", False)]),
    ("player-weak-words-tail", [P1, "", P2, "", "暂停", "静音", "倍速", "清晰度"],
     [("chrome.widget", 7, 10, "error", True)]),
    ("player-word-alone-tail", [P1, "", P2, "", "播放"],
     [("chrome.widget", 7, 7, "warning", False)]),
    ("player-speeds", [P1, "", P2, "", "2.0x 1.5x 1.25x 1.0x 0.5x"],
     [("chrome.widget", 7, 7, "error", True)]),
    # attachment controls
    ("attachment-controls", [P1, "", P2, "", "附件下载：", "实施方案.pdf (1.2MB)", "下载次数：35",
                             "在线预览 下载"],
     [("chrome.widget", 7, 10, "error", True)]),
    # breadcrumbs split over several lines: a lone separator, the section name repeated
    ("breadcrumb-split", ["首页", ">", "政务公开", ">", "工作动态", "", P1, "", P2],
     [("chrome.navigation", 3, 7, "error", True)]),
    ("breadcrumb-split-label", ["当前位置：", "首页", "»", "新闻中心", "", P1, "", P2],
     [("chrome.navigation", 3, 6, "error", True)]),
    ("breadcrumb-section-repeated", ["当前位置：首页 > 政务公开 > 工作动态", "工作动态", "", P1, "", P2],
     [("chrome.navigation", 3, 4, "error", True)]),
    ("breadcrumb-split-section-repeated", ["首页", "＞", "要闻", "", "要闻", "", P1, "", P2],
     [("chrome.navigation", 3, 5, "error", True), ("chrome.navigation", 7, 7, "error", True)]),
    # promotion links around images
    ("promo-image-links", [P1, "", "点击查看大图", "", P2, "", "点击进入专题>>", "下载客户端"],
     [("chrome.navigation", 5, 5, "error", False), ("chrome.navigation", 9, 10, "error", True)]),
    # share buttons written as one word
    ("share-one-word", [P1, "", P2, "", "分享到微信朋友圈", "微信微博QQ空间"],
     [("chrome.share", 7, 8, "error", True)]),
    ("share-one-word-head", ["打印关闭", "", P1, "", P2],
     [("chrome.widget", 3, 3, "error", True)]),
    # a close glyph alone on a line
    ("close-glyph", ["×", "", P1, "", P2],
     [("chrome.widget", 3, 3, "error", True)]),
    ("close-glyph-bracketed", [P1, "", P2, "", "[×]"],
     [("chrome.widget", 7, 7, "error", True)]),
    # a bracket left from a split widget
    ("widget-bracket-left", [P1, "", P2, "", "【", "打印本页", "】"],
     [("chrome.widget", 7, 9, "error", True)]),
    ("widget-then-split-widget", [P1, "", P2, "", "【打印本页】", "【字体：", "大", "中", "小", "】"],
     [("chrome.widget", 7, 12, "error", True)]),
    ("bracket-alone-between-copies", ["标题一", "", P1, "", "】", "", "标题一", "", P1, "", P2],
     [("chrome.widget", 7, 7, "error", True)]),
]


@pytest.mark.parametrize("lines,expected", [(c[1], c[2]) for c in FIRE_16],
                         ids=[c[0] for c in FIRE_16])
def test_chrome_families_of_issue_16_fire(lines, expected):
    text = doc(*lines)
    fs = [f for f in chrome_findings(text) if f.check != "chrome.markup"]
    assert [(f.check, f.line, f.end_line, f.severity, f.fix.safe) for f in fs] == expected
    for f in fs:
        s, e = line_span(text, f.line, f.end_line)
        assert (f.fix.start, f.fix.end, f.fix.replacement) == (s, e, "")


NOT_FIRE_16 = [
    # a control word inside a sentence is text
    ("play-in-sentence", [P1, "", "    晚会将在电视台播放，全屏直播并提供高清画质。", "", P2]),
    ("download-in-sentence", [P1, "", "    群众可在政务网站下载附件，在线预览办事指南。", "", P2]),
    ("big-picture-in-sentence", [P1, "", "    点击查看大图即可了解详细路线。请提前规划行程。", "", P2]),
    # a single player word alone between paragraphs may be a heading: weak, not reported
    ("player-word-interior", [P1, "", "高清", "", P2]),
    # × between numbers is a multiplication sign
    ("times-between-numbers", [P1, "", "3×4", "", "1920×1080", "", P2]),
    ("times-in-sentence", [P1, "", "    展板尺寸为2米×1米，共制作20块。", "", P2]),
    # the notice's own attachment list, and a time range of a schedule
    ("attachment-list", [P1, "", P2, "", "附件：1.重点检查表.doc", "市应急管理局", "2020年1月15日"]),
    ("schedule-time-range", [P1, "", "10:00-12:00", "", P2]),
    # a lone separator between two sentences, a heading repeated after a heading
    ("separator-between-paragraphs", [P1, "", ">", "", P2]),
    ("heading-then-one-separator", ["第一部分", ">", "总体要求", "", P1, "", P2]),
    # words that merely run chrome words together inside a sentence
    ("compound-in-sentence", [P1, "", "    我们看到微信微博等平台发布了通知。", "", P2]),
    # brackets inside a line of text
    ("brackets-in-heading", ["【领航中国】", "", P1, "", P2]),
]


@pytest.mark.parametrize("lines", [c[1] for c in NOT_FIRE_16], ids=[c[0] for c in NOT_FIRE_16])
def test_chrome_families_of_issue_16_do_not_fire(lines):
    assert [f for f in chrome_findings(doc(*lines)) if f.check != "chrome.markup"] == []


def test_a_line_seen_before_is_classified_once(monkeypatch):
    """Lines recur across a corpus's pages: each normalised line is classified once per
    lexicon, and a page gets the same findings the first time and the next."""
    calls: list[str] = []
    real = ch.classify
    monkeypatch.setattr(ch, "classify", lambda s, lex: calls.append(s) or real(s, lex))
    ch.lexicon_for(Config()).classified.clear()
    text = ("2024-05-01\n【字体：大 中 小】\n全市新建农村公路一百二十公里，改造危桥十座，"
            "群众出行更加便利。\n分享到：微信 微博\n")
    first = [(f.check, f.line, f.column) for f in chrome_findings(text, rel="a.txt")]
    n = len(calls)
    assert n and ("分享到：微信 微博" in calls or "分享到：微信微博" in calls)
    again = [(f.check, f.line, f.column) for f in chrome_findings(text, rel="b.txt")]
    assert first and again == first
    assert len(calls) == n  # nothing classified again
