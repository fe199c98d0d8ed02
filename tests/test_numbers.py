"""Tests of number and date reading (checks/numbers.py) and statement alignment
(checks/figure_align.py). See docs/figures.md.

All texts are written for these tests.
"""

from __future__ import annotations

import pickle
import random
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checks.figure_align import (Statement, agree, aligned, band_keys, candidate_pairs, clauses,
                                 core, differences, statements)
from checks.numbers import (DateMention, find_dates, parse_arabic, parse_chinese,
                            parse_numeral, quantities, scan, valid_date)

D = Decimal

# -- numerals ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text, value", [
    ("一百二十", 120), ("两万", 20000), ("三千五百", 3500), ("十五万二千", 152000),
    ("十", 10), ("十一", 11), ("二十", 20), ("一百零五", 105), ("一千零一十", 1010),
    ("一亿二千万", 120000000), ("三千五", 3500), ("一万五", 15000), ("二〇一七", 2017),
    ("两", 2), ("零", 0), ("九千九百九十九万", 99990000),
])
def test_parse_chinese(text, value):
    assert parse_chinese(text) == value


@pytest.mark.parametrize("text", ["百", "千万", "万", "", "三点", "abc"])
def test_parse_chinese_rejects(text):
    assert parse_chinese(text) is None


@pytest.mark.parametrize("text, value", [
    ("152000", "152000"), ("152,000", "152000"), ("15.2万", "152000"), ("2.12亿", "212000000"),
    ("3千万", "30000000"), ("１２３", "123"), ("１５．２万", "152000"), ("0.5", "0.5"),
    ("1.48万", "14800"),
])
def test_parse_arabic(text, value):
    assert parse_arabic(text) == D(value)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from("0123456789,.１２３．一二两三十百千万亿零〇x"), max_size=12))
def test_cached_numeral_parses_equal_a_fresh_parse(s):
    """parse_arabic and parse_chinese are cached by their string: a second call gives what
    the uncached function gives (value and form: 152000 not 1.52E+5), and so does the
    first."""
    for parse in (parse_arabic, parse_chinese):
        fresh = parse.__wrapped__(s)
        for got in (parse(s), parse(s)):
            assert (got is None) == (fresh is None)
            if fresh is not None:
                assert str(got) == str(fresh) and got == fresh


def test_equal_values_in_different_notations_are_equal():
    qs = [quantities(t)[0] for t in ("15.2万人", "152000人", "十五万二千人", "152,000人",
                                     "１５２０００人")]
    assert {q.value for q in qs} == {D(152000)}
    assert all(q.same_value(qs[0]) for q in qs)
    pct = [quantities(t)[0] for t in ("5%", "百分之五", "５％")]
    assert all(p.percent and p.value == 5 for p in pct)
    assert pct[0].same_value(pct[1]) and pct[0].same_value(pct[2])
    # a different unit is not the same figure
    assert not quantities("152000人")[0].same_value(quantities("152000元")[0])


# -- scanning ----------------------------------------------------------------------------------

def _q(text):
    return [(q.text, str(q.value), q.unit, q.approx, None if q.high is None else str(q.high),
             q.percent) for q in quantities(text)]


@pytest.mark.parametrize("text, expected", [
    ("确保完成308个贫困村退出", [("308个", "308", "个", "", None, False)]),
    ("每个乡镇明确3—5名干部", [("3—5名", "3", "名", "", "5", False)]),
    ("按总数的5%—10%比例", [("5%—10%", "5", "", "", "10", True)]),
    ("表彰优秀第一书记120余人", [("120余人", "120", "人", "余", None, False)]),
    ("收入全部超过2万元", [("超过2万元", "20000", "元", "超过", None, False)]),
    ("约3000人参加", [("约3000人", "3000", "人", "约", None, False)]),
    ("近15万亩", [("近15万亩", "150000", "亩", "近", None, False)]),
    ("扶贫资金2.12亿元", [("2.12亿元", "212000000", "元", "", None, False)]),
    ("吸收1.48万户贫困户", [("1.48万户", "14800", "户", "", None, False)]),
    ("新修公路12.5公里", [("12.5公里", "12.5", "公里", "", None, False)]),
    ("增长百分之五", [("百分之五", "5", "", "", None, True)]),
    ("实施“三项计划”", [("三项", "3", "项", "", None, False)]),
    ("共有两万人", [("两万人", "20000", "人", "", None, False)]),
    ("一百二十名干部", [("一百二十名", "120", "名", "", None, False)]),
    ("十五万二千户", [("十五万二千户", "152000", "户", "", None, False)]),
    ("三千五百元", [("三千五百元", "3500", "元", "", None, False)]),
    ("平均年龄45.9岁", [("45.9岁", "45.9", "岁", "", None, False)]),
    ("80台以上", [("80台以上", "80", "台", "以上", None, False)]),
    ("胜利80周年", [("80周年", "80", "周年", "", None, False)]),
    ("2000多年前", [("2000多年", "2000", "年", "多", None, False)]),
])
def test_quantities(text, expected):
    assert _q(text) == expected


@pytest.mark.parametrize("text", [
    "一是责任同明确", "第一书记", "二、坚持组织覆盖", "筑牢一线堡垒", "每个村都有一个项目",
    "结合两学一做学习教育", "落实四议两公开一监督", "千万不能松懈", "2017年", "2017年09月08日",
    "17时46分", "第120期", "空客A320飞机", "5G基站", "1.【领航中国】", "（1）各地丰收忙",
    "截至今年6月", "1—4月份", "2013—2021年", "(20220924)", "19:00",
    "党的二十届三中全会", "年度报告（2023）发布", "PM2.5浓度",
])
def test_not_quantities(text):
    assert quantities(text) == [], text


def test_scan_kinds_and_offsets():
    text = "  一是2017年，308个贫困村退出、第一书记15.2万人。"
    toks = scan(text)
    assert [(t.kind, t.text, text[t.start:t.end]) for t in toks] == [
        ("enum", "一是", "一是"),
        ("context", "2017年", "2017年"),
        ("quantity", "308个", "308个"),
        ("context", "第一", "第一"),
        ("quantity", "15.2万人", "15.2万人"),
    ]


def test_scan_fullwidth_offsets_are_original():
    text = "产值增长１２％，新增１，２３４户"
    qs = quantities(text)
    assert [(q.text, q.start, q.end, str(q.value)) for q in qs] == [
        ("１２％", 4, 7, "12"), ("１，２３４户", 10, 16, "1234")]


def test_numbered_summary_item_is_a_marker_not_a_decimal():
    text = "8.第一项\n9.36个先行城市启动个人养老金制度\n10.第三项\n"
    assert _q(text) == [("36个", "36", "个", "", None, False)]
    # without neighbouring items the same line is a decimal figure
    assert _q("9.36个先行城市") == [("9.36个", "9.36", "个", "", None, False)]


def test_compatible_approximations_and_ranges():
    (a,), (b,), (c,), (r,) = (quantities(t) for t in ("120人", "120余人", "125人", "3—5名"))
    assert a.compatible(b) and b.compatible(c)  # 余 allows both
    assert not a.compatible(c)
    (four,), (six,) = quantities("4名"), quantities("6名")
    assert r.compatible(four) and not r.compatible(six)


# -- dates --------------------------------------------------------------------------------------

def _dates(text, year=None):
    return [(d.text, d.year, d.month, d.day, d.padded, d.relative)
            for d in find_dates(text, year=year)]


def test_find_dates():
    assert _dates("2017年09月08日发布，2017年8月28日印发，2017-09-08，截至今年6月，8月1日") == [
        ("2017年09月08日", 2017, 9, 8, True, False),
        ("2017年8月28日", 2017, 8, 28, False, False),
        ("2017-09-08", 2017, 9, 8, True, False),
        ("今年6月", None, 6, None, False, True),
        ("8月1日", None, 8, 1, False, False),
    ]
    assert _dates("截至今年6月，去年12月1日", year=2017) == [
        ("今年6月", 2017, 6, None, False, True), ("去年12月1日", 2016, 12, 1, False, True)]
    assert _dates("1至12月，8月份") == []  # a month alone is a period, not a date


@pytest.mark.parametrize("y, m, d, ok", [
    (2017, 2, 28, True), (2017, 2, 29, False), (2016, 2, 29, True), (None, 2, 29, None),
    (None, 2, 30, False), (2017, 6, 31, False), (2017, 13, 1, False), (2017, 12, 31, True),
    (None, 4, 31, False), (2017, 9, None, True), (1900, 2, 29, False), (2000, 2, 29, True),
])
def test_valid_date(y, m, d, ok):
    assert valid_date(y, m, d) is ok


def test_date_mention_as_date():
    d = DateMention(0, 5, "今年6月", None, 6, None, False, True)
    assert d.as_date(2017).isoformat() == "2017-06-01"
    assert d.as_date() is None


# -- property tests -------------------------------------------------------------------------------

_DIG = "零一二三四五六七八九"


def _section(n: int) -> str:
    """0 < n < 10000 in Chinese (an independent writer for the round-trip)."""
    out, zero = [], False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // unit % 10
        if digit:
            if zero:
                out.append("零")
            out.append(_DIG[digit] + name)
            zero = False
        elif out:
            zero = True
    return "".join(out)


def to_chinese(n: int) -> str:
    if n == 0:
        return "零"
    parts = []
    yi, rest = divmod(n, 10 ** 8)
    wan, low = divmod(rest, 10 ** 4)
    if yi:
        parts.append(_section(yi) + "亿")
    if wan:
        if yi and wan < 1000:
            parts.append("零")
        parts.append(_section(wan) + "万")
    if low:
        if (yi or wan) and low < 1000:
            parts.append("零")
        parts.append(_section(low))
    return "".join(parts)


@given(st.integers(min_value=0, max_value=10 ** 12 - 1))
@settings(max_examples=300, deadline=None)
def test_chinese_round_trip(n):
    assert parse_chinese(to_chinese(n)) == n


@given(st.integers(min_value=0, max_value=10 ** 12))
@settings(max_examples=200, deadline=None)
def test_arabic_notations_round_trip(n):
    fw = str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert parse_arabic(f"{n:,}") == parse_arabic(str(n)) == parse_arabic(fw) == n
    wan = f"{Decimal(n) / 10000:f}"
    if "." in wan:
        wan = wan.rstrip("0").rstrip(".")
    assert parse_arabic(wan + "万") == n


@given(st.integers(min_value=2, max_value=99999), st.sampled_from(["人", "个", "元", "户"]))
@settings(max_examples=200, deadline=None)
def test_scan_reads_back_any_notation(n, unit):
    for text in (f"共{n}{unit}。", f"共{n:,}{unit}。", f"共{to_chinese(n)}{unit}。"):
        qs = quantities(text)
        assert len(qs) == 1 and qs[0].value == n and qs[0].unit == unit, text


# -- alignment --------------------------------------------------------------------------------

def test_statement_key_masks_figures_and_keeps_context():
    (s,) = statements("2017年，全县建成合作社778家，吸收1.48万户农户加入。")
    assert s.key == "2017年,全县建成合作社◎,吸收◎农户加入"
    assert s.context == ("2017年",)
    assert [f.text for f in s.figs] == ["778家", "1.48万户"]
    (t,) = statements("2017年,全县建成合作社七百七十八家，吸收14800户农户加入。")
    assert t.key == s.key and agree(s, t) and differences(s, t) == []


def test_statement_is_picklable_and_small():
    sts = statements("全县建成合作社778家。全市完成投资2.12亿元，同比增长5%。")
    back = pickle.loads(pickle.dumps(sts))
    assert back == sts and isinstance(back[0], Statement)
    assert len(pickle.dumps(sts)) < 1000


def _st(text):
    (s,) = statements(text)
    return s


@pytest.mark.parametrize("a, b, expected", [
    # same words, another figure: aligned
    ("全县828个行政村共建成专业合作社778家。", "全县828个行政村共建成专业合作社788家。", True),
    # a restatement with an inserted word and another attribution
    ("本期要点：全市828个贫困村共注册成立合作社778家，带动贫困户增收。",
     "据统计，全市828个贫困村共注册成立合作社787家，有效带动贫困户增收。", True),
    # a word replaced: another referent
    ("河北省全年新建改建农村公路1200公里，完成投资38亿元。",
     "河南省全年新建改建农村公路1500公里，完成投资41亿元。", False),
    ("上半年全省新建改建农村公路1200公里，完成投资38亿元。",
     "下半年全省新建改建农村公路1500公里，完成投资41亿元。", False),
    # another year
    ("2018年，全县828个行政村共建成专业合作社778家。",
     "2019年，全县828个行政村共建成专业合作社788家。", False),
    # a time clause is never dropped as framing
    ("一季度，全国规模以上工业企业实现利润总额1.5万亿元。",
     "二季度，全国规模以上工业企业实现利润总额1.7万亿元。", False),

    # an inserted 共计/累计/新增 makes it another quantity (a total, an increment)
    ("财政部近日在澳门发行人民币国债50亿元，市场认购踊跃。",
     "财政部近日在澳门已发行人民币国债共计150亿元，市场认购踊跃。", False),
    ("全市今年城镇就业岗位达到12万个，就业形势总体稳定。",
     "全市今年新增城镇就业岗位达到10万个，就业形势总体稳定。", False),
    # not the same number of figures
    ("全县共建成专业合作社778家，带动农户增收。", "全县共建成专业合作社778家，带动农户3000户增收。",
     False),
])
def test_aligned(a, b, expected):
    assert aligned(_st(a), _st(b)) is expected


def test_short_statement_needs_the_same_sentence_before_it():
    a = statements("对小型微利企业减半征收。截至8月31日，新增减税477亿元。")[-1]
    b = statements("对个体工商户免征。截至8月31日，新增减税806亿元。")[-1]
    c = statements("对小型微利企业减半征收。截至8月31日，新增减税806亿元。")[-1]
    assert not aligned(a, b)
    assert aligned(a, c)


def test_clauses_align_with_sentences_not_with_other_clauses():
    text = ("全年完成运输总周转量239亿吨公里，较去年第四季度同期水平大幅提升38.5个百分点。"
            "全年完成旅客运输量1.29亿人次，较去年第四季度同期水平大幅提升51个百分点。"
            "较去年第四季度同期水平大幅提升51个百分点。")
    sts = statements(text)
    cls = clauses(text, sts)
    a, b = [c for c in cls if "提升" in c.key]
    assert a.key == b.key == "较去年第四季度同期水平大幅提升◎"
    assert a.clause and b.clause and not aligned(a, b)
    whole = sts[-1]
    assert not whole.clause and whole.key == a.key and aligned(whole, b)


def test_core_drops_attribution_only():
    assert core("据统计,全市◎贫困村") == "全市◎贫困村"
    assert core("在河北,全年新建公路◎") == "在河北,全年新建公路◎"
    assert core("一季度,利润总额◎") == "一季度,利润总额◎"


def test_differences_ignores_three_figures_all_different():
    a = _st("今年新增确诊病例26例，其中境外输入病例10例，本土病例16例。")
    b = _st("今年新增确诊病例31例，其中境外输入病例12例，本土病例19例。")
    assert aligned(a, b) and differences(a, b) is None
    c = _st("今年新增确诊病例26例，其中境外输入病例10例，本土病例17例。")
    assert [(x.text, y.text) for x, y in differences(a, c)] == [("16例", "17例")]


def test_candidate_pairs_buckets_not_all_pairs():
    rnd = random.Random(5)
    pool = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动"
    keys = [(i, "".join(rnd.choice(pool) for _ in range(30)) + "◎") for i in range(200)]
    keys.append((1000, keys[7][1][:-3] + "◎"))  # a near copy of key 7
    pairs = candidate_pairs(keys)
    assert (7, 1000) in pairs
    assert len(pairs) < 200  # all pairs would be 20,100
    assert band_keys("abc") == band_keys("abc")  # deterministic


@pytest.mark.parametrize("text", [
    # a list marker opening a clause is a marker to the clause's own scan only
    "分月份看，三、四月份单月完成投资约674亿元，同比增长12%。",
    # a number whose thousands separator is also where the clause is cut
    "全年共接待游客1,234万人次，比上年增长8.5%；其中境外游客56万人次。",
    "一季度新增就业3.2万人，二季度新增就业4.1万人。\n三季度新增就业5万人，四季度6万人。",
    "十二、实现建军一百年奋斗目标，开创国防和军队现代化新局面，力争2035年完成。",
    "全市新建公路120公里，改造农村公路（其中县道45公里，乡道30公里）75公里。",
])
def test_clauses_from_the_whole_scan_equal_their_own_scan(text):
    sts = statements(text)
    whole = clauses(text, sts, tokens=scan(text))
    assert whole == clauses(text, sts)
    assert whole  # every text has a statement of several clauses


def test_clause_opening_with_a_list_marker_keeps_its_own_reading():
    text = "分月份看，三、四月份单月完成投资约674亿元，同比增长12%。"
    keys = [c.key for c in clauses(text, statements(text), tokens=scan(text))]
    assert "四月份单月完成投资◎" in keys


_PIECES = ["全年完成投资", "约674亿元", "同比增长12%", "1,234万人次", "三、四月份", "其一是",
           "（其中县道45公里，乡道30公里）", "2023年", "第三季度", "增长1.5个百分点",
           "A12型号", "9.36个", "一是", "\n", "较去年", "二十大", "。"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_PIECES), st.sampled_from(["，", "；", ",", ";", ""])),
                min_size=2, max_size=12))
def test_clauses_from_the_whole_scan_equal_their_own_scan_property(parts):
    text = "".join(p + sep for p, sep in parts) + "。"
    sts = statements(text)
    assert clauses(text, sts, tokens=scan(text)) == clauses(text, sts)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.one_of(st.sampled_from("０１２３４５６７８９．，％：－～／中文<>&\x00 "),
                                  st.characters(max_codepoint=0x2FFFF,
                                                exclude_categories=("Cs",))),
               max_size=80))
def test_translation_lists_translate_as_their_dicts(text):
    from checks.numbers import FULLWIDTH, translation

    mixed = {ord("中"): None, ord("<"): "\\u003c", ord("&"): ord("+"), **FULLWIDTH}
    for table in (FULLWIDTH, mixed):
        assert text.translate(translation(table)) == text.translate(table)


def test_translation_refuses_code_points_beyond_the_bmp():
    from checks.numbers import translation

    with pytest.raises(ValueError):
        translation({0x20000: "x"})


# -- fast paths against the slow ones they replace -------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.one_of(st.sampled_from("０１２３４５６７８９．，％：－～／0.,-~中文\n "),
                                  st.characters(max_codepoint=0x2FFFF)),
               max_size=80))
def test_halfwidth_is_the_fullwidth_translation(text):
    from checks.numbers import FULLWIDTH_T, halfwidth

    assert halfwidth(text) == text.translate(FULLWIDTH_T)


def test_halfwidth_maps_every_fullwidth_character():
    from checks.numbers import halfwidth

    assert halfwidth("０１２３４５６７８９．，％：－～／") == "0123456789.,%:-~/"
    assert halfwidth("同比增长１２．５％，共３，０００人") == "同比增长12.5%,共3,000人"


_DATE_PIECES = ["2017年09月08日", "2017年8月28日", "2017-09-08", "2017/9/8", "2017.09.08",
                "今年6月", "去年12月1日", "前年", "本年3月", "明年", "8月1日", "12月", "1至12月",
                "（20170908）", "(20171301) ", "3.5月", "A2017-09-08", "20170908", "１２月３日",
                "２０１７年", "月", "日", "号", "年", "（", "(", "今", "去", "。", "，", " ", "\n",
                "5", "12", "2019", "x"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_DATE_PIECES), max_size=14), st.integers(0, 3),
       st.integers(0, 3), st.sampled_from([None, 2020]))
def test_find_dates_jumps_to_the_matches_finditer_finds(pieces, cut_start, cut_end, year):
    """``find_dates`` tries its pattern only where a match can start: the same matches as
    ``_DATE_RE.finditer`` over the same range."""
    from checks.numbers import _DATE_RE, _date_matches, halfwidth

    text = "".join(pieces)
    start, end = min(cut_start, len(text)), max(0, len(text) - cut_end)
    norm = halfwidth(text)
    slow = [(m.span(), m.groupdict()) for m in _DATE_RE.finditer(norm, start, end)]
    assert [(m.span(), m.groupdict()) for m in _date_matches(norm, start, end)] == slow
    assert [(d.start, d.end) for d in find_dates(text, start, max(start, end), year=year)] == [
        (m.start("cy"), m.end("cd")) if m.group("cy") else m.span()
        for m in _DATE_RE.finditer(norm, start, max(start, end))
        if m.group("cy") or m.group("iy") or (
            (m.group("d") or m.group("y") or m.group("rel"))
            and not (m.end() < len(norm) and norm[m.end()].isdigit()))]


def test_find_dates_exact_offsets():
    text = "据（20170908）报道，2017年09月08日发布，3.5月，今年6月；1至12月，2017/9/8"
    got = [(d.start, d.end, d.text) for d in find_dates(text)]
    assert got == [(2, 10, "20170908"), (14, 25, "2017年09月08日"), (33, 37, "今年6月"),
                   (44, 52, "2017/9/8")]


_KEY_ALPHABET = st.one_of(
    st.sampled_from("０１２３４５６７８９．，％：－～／“”「」《》（）()<>&#;*·-_~| \t\u3000\r\n\x00"
                    "。；，,;年月日第万亿元个%中文"),
    st.sampled_from(["<p>", "</p>", "<br/>", "&nbsp;", "&#12;", "2017年", "第三", "15.2万元",
                     "A320", "一是", "（1）", "3—5名", "约120人"]),
    st.characters(max_codepoint=0x2FFFF))


@settings(max_examples=300, deadline=None)
@given(st.lists(_KEY_ALPHABET, max_size=60))
def test_statement_keys_read_from_the_keyed_text_equal_the_translated_ones(pieces):
    """``key_text`` is ``_KEY_T`` with NUL for each dropped character, offsets kept; the
    statements and clauses built from it equal those built by translating each key (the
    path taken without it, and for a sentence holding markup)."""
    from checks import figure_align as fa

    text = "".join(pieces)
    keyed = fa.key_text(text)
    assert len(keyed) == len(text)
    assert keyed.replace("\x00", "") == text.translate(fa._KEY_T)
    sts = fa.statements(text, keyed=keyed)
    cls = fa.clauses(text, sts, keyed=keyed)
    fast = fa._statement
    try:  # every key translated: the statement built without the keyed text
        fa._statement = lambda text, start, end, tokens, keyed=None: fast(text, start, end,
                                                                          tokens, None)
        assert fa.statements(text) == sts
        assert fa.clauses(text, sts) == cls
    finally:
        fa._statement = fast


@settings(max_examples=300, deadline=None)
@given(st.lists(_KEY_ALPHABET, max_size=60))
def test_spans_without_tokens_give_the_statement_key_without_a_statement(pieces):
    """A sentence or clause holding no token and no markup is not built as a statement:
    its key is read off the keyed text (``_bare_key``). With that path off (every span
    built by ``_statement``) the statements and clauses are the same, and each key it
    gives is the one ``_statement`` gives."""
    from checks import figure_align as fa

    text = "".join(pieces)
    keyed = fa.key_text(text)
    sts = fa.statements(text, keyed=keyed)
    cls = fa.clauses(text, sts, keyed=keyed)
    for s, e in fa._clause_spans(text, 0, len(text)):
        key = fa._bare_key(text, s, e, 0, keyed)
        if key is not None:
            assert key == fa._statement(text, s, e, [], keyed).key
    bare = fa._bare_key
    try:
        fa._bare_key = lambda text, start, end, n_tokens, keyed: None
        assert fa.statements(text, keyed=keyed) == sts
        assert fa.clauses(text, sts, keyed=keyed) == cls
    finally:
        fa._bare_key = bare


def test_bare_key_only_for_spans_without_tokens_or_markup():
    from checks.figure_align import _bare_key, key_text

    text = "全市　“合作社”，共有<b>新增</b>；据&nbsp;统计"
    keyed = key_text(text)
    assert _bare_key(text, 0, 8, 0, keyed) == "全市合作社"  # blank and quotes dropped
    assert _bare_key(text, 0, 8, 1, keyed) is None  # a token: built as a statement
    assert _bare_key(text, 9, 20, 0, keyed) is None  # markup: masked by _statement
    assert _bare_key(text, 21, len(text), 0, keyed) is None
    assert _bare_key(text, 0, 8, 0, None) is None


def test_statement_keys_with_and_without_markup():
    from checks.figure_align import statements

    text = "据统计，全市（不含县）共有“合作社”７７８家；<b>新增</b>12家&nbsp;。2023年-同比增长5%"
    assert [(s.start, s.end, s.key, s.context) for s in statements(text)] == [
        (0, 22, "据统计,全市不含县共有合作社◎", ()),
        (23, 35, "新增◎", ()),  # <b>…</b> masked, &nbsp; a sentence break
        (42, 54, "2023年同比增长◎", ("2023年",)),
    ]


def _clause_spans_by_character(text, start, end):
    spans, depth, pos = [], 0, start
    for i in range(start, end):
        ch = text[i]
        if ch in "（(「《【“‘":
            depth += 1
        elif ch in "）)」》】”’":
            depth = max(0, depth - 1)
        elif depth == 0 and ch in "，,；;":
            if i > pos:
                spans.append((pos, i))
            pos = i + 1
    if end > pos:
        spans.append((pos, end))
    return spans


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from("（(「《【“‘）)」》】”’，,；;。甲乙 \n"), max_size=40),
       st.integers(0, 5), st.integers(0, 5))
def test_clause_spans_visit_only_brackets_and_breaks(text, a, b):
    from checks.figure_align import _clause_spans

    start, end = min(a, len(text)), max(min(a, len(text)), len(text) - b)
    assert _clause_spans(text, start, end) == _clause_spans_by_character(text, start, end)
