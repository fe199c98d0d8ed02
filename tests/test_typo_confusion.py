"""typo.confusable-char and typo.broken-idiom: typos made of ordinary (in-table) characters.

Every text here is written for these tests: one paragraph of ordinary official prose with
the slip in the middle (body on line 3, after the header and an empty line). The column
is the 1-based column of the flagged window in that line.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from checks.config import Config
from checks.engine import Corpus, check_corpus

HEAD = "2020-07-26\n\n"
LEAD = "县政府召开专题会议，部署下一阶段重点工作。"  # 21 characters before the sentence
TAIL = "会议要求各部门加强协调，确保任务按期完成。\n"


def run(tmp_path: Path, bodies: list[str], config: Config | None = None):
    for i, body in enumerate(bodies):
        (tmp_path / f"{i:03d}.txt").write_text(HEAD + body, encoding="utf-8")
    paths = sorted(p.name for p in tmp_path.glob("*.txt"))
    found = check_corpus(Corpus(tmp_path, paths, config or Config()), "typo")
    return [f for f in found if f.check in ("typo.confusable-char", "typo.broken-idiom")]


@pytest.fixture
def fresh_clause_memo():
    """For a test that patches what find_confusions consults: its clause memo emptied
    before and after (no verdict of the patched helpers outlives the test)."""
    from checks import typo_detect as T

    T._CLAUSES.cache_clear()
    yield
    T._CLAUSES.cache_clear()


def row(f):
    return (f.check, f.severity, f.line, f.column, f.end_column, f.excerpt,
            f.fix.replacement, f.fix.safe)


# The classes of the issue, each inside a paragraph of ordinary text.
FIRES = [
    # look-alike / sound-alike non-words
    ("我们要认真辩别真假信息。", "typo.confusable-char", 6, "辩别", "辨别"),
    # broken fixed phrases and idioms
    ("当前通货膨涨压力有所上升。", "typo.broken-idiom", 3, "通货膨涨", "通货膨胀"),
    # an idiom jieba tags as a place name, known from pypinyin's phrase table
    ("面对强劲对手，他们甘败下风。", "typo.broken-idiom", 10, "甘败下风", "甘拜下风"),
    ("机构改革要坚持精兵减政的原则。", "typo.broken-idiom", 8, "精兵减政", "精兵简政"),
    ("各项工作都要按步就班地推进。", "typo.broken-idiom", 7, "按步就班", "按部就班"),
    ("面对困难他一愁莫展。", "typo.broken-idiom", 6, "一愁莫展", "一筹莫展"),
    ("有的干部默守成规不思进取。", "typo.broken-idiom", 5, "默守成规", "墨守成规"),
    ("改革者走头无路时也不放弃。", "typo.broken-idiom", 4, "走头无路", "走投无路"),
    ("这篇评论针贬时弊，引起关注。", "typo.broken-idiom", 5, "针贬", "针砭"),
    # the front/back nasal swapped (ling/lin): a near-homophone breaks the idiom
    ("展会上的商品玲琅满目。", "typo.broken-idiom", 7, "玲琅满目", "琳琅满目"),
]


@pytest.mark.parametrize("sentence,check,col,wrong,right", FIRES)
def test_fires_inside_a_paragraph(tmp_path, sentence, check, col, wrong, right):
    got = run(tmp_path, [LEAD + sentence + TAIL])
    c = len(LEAD) + col
    assert [row(f) for f in got] == [(check, "warning", 3, c, c + len(wrong), wrong, right,
                                      False)]
    assert "occurs nowhere else in the corpus" in got[0].message
    assert got[0].related == []


VARIANTS = Config(checks={"typo.confusable-char": {"variants": True}})
NO_VARIANTS = Config(checks={"typo.confusable-char": {"variants": False}})


@pytest.mark.parametrize("sentence,col,wrong,right", [
    # a rare dictionary variant of a frequent word (sibling characters on one component),
    # which the reference language model lists and finds at least four times rarer
    ("战士们在山坡上搭起了帐蓬。", 11, "帐蓬", "帐篷"),
    ("新建的大桥已经顺利峻工。", 10, "峻工", "竣工"),
    # jieba's dictionary lists 松驰 as a name (frequency 17); LAC, reading the context,
    # finds no name here, so the dictionary's tag alone does not veto it
    ("长期熬夜会使肌肉松驰、精神不振。", 9, "松驰", "松弛"),
])
def test_rare_variants_the_model_knows_as_slips_fire(tmp_path, sentence, col, wrong, right):
    from checks import typo_lm as L

    assert L.known_slip(wrong, right)
    body = [LEAD + sentence + TAIL]
    got = run(tmp_path, body)  # on by default
    c = len(LEAD) + col
    assert [row(f) for f in got] == [("typo.confusable-char", "warning", 3, c, c + len(wrong),
                                      wrong, right, False)]
    assert run(tmp_path, body, NO_VARIANTS) == []  # the option switches them off


@pytest.mark.parametrize("sentence,wrong,right", [
    # rare in jieba's dictionary and siblings of a frequent word, but about as frequent
    # as it in the reference model (accepted words, not slips)
    ("技术人员用声呐探测水下目标。", "声呐", "声纳"),
    ("各地坚持动态清零的要求。", "清零", "清冷"),
])
def test_rare_variants_the_model_finds_common_do_not_fire(tmp_path, sentence, wrong, right,
                                                        monkeypatch, fresh_clause_memo):
    from checks import typo_detect as T
    from checks import typo_lm as L

    assert not L.known_slip(wrong, right)
    assert run(tmp_path, [LEAD + sentence + TAIL]) == []
    # the model is what silences them: without its verdict the variant rule fires
    monkeypatch.setattr(L, "known_slip", lambda written, r: True)
    T._CLAUSES.cache_clear()  # the sentence's verdict with the real helper is memoised
    assert [(c.wrong, c.right, c.detector) for c in T.find_confusions(sentence)] == [
        (wrong, right, "variant")]


def test_a_dictionary_name_stands_where_lac_reads_a_name_too(tmp_path, monkeypatch,
                                                            fresh_clause_memo):
    from checks import typo_detect as T
    from checks import typo_ner as NER

    # 芦山 is a name in jieba's dictionary (frequency 3) and a rare sibling of 庐山 (533):
    # in 芦山地震之后 LAC reads a place, so the name veto stands
    sentence = "他说，芦山地震之后，当地重建工作进展顺利。"
    assert NER.entities(sentence) == ((3, 5, "LOC"),)
    assert run(tmp_path, [LEAD + sentence + TAIL]) == []
    # without LAC's reading the dictionary tag alone would not hold it
    monkeypatch.setattr(NER, "entities", lambda text: ())
    T._CLAUSES.cache_clear()
    assert [(c.wrong, c.right, c.detector) for c in T.find_confusions(sentence)] == [
        ("芦山", "庐山", "variant")]
    # and with no LAC at all, jieba's tag is all there is: it vetoes
    monkeypatch.setattr(NER, "available", lambda: False)
    monkeypatch.setattr(NER, "name_at", lambda *a, **k: False)
    T._CLAUSES.cache_clear()
    assert T.find_confusions("长期熬夜会使肌肉松驰、精神不振。") == []


@pytest.mark.parametrize("sentence,wrong,right", [
    # newer words jieba's dictionary lacks and the reference model knows well (unigram
    # probability >= 10^-5.4): 单品 (-5.11), 戾气 (-5.16); each is one look-alike or
    # sound-alike from a frequent word (产品, 天气) and breaks no word of the text
    ("这家店铺的每一个单品都标明了产地和价格。", "单品", "产品"),
    ("网络戾气不利于社会和谐。", "戾气", "天气"),
])
def test_a_newer_word_the_model_knows_well_is_no_slip(tmp_path, sentence, wrong, right,
                                                      monkeypatch, fresh_clause_memo):
    from checks import typo_detect as T
    from checks import typo_lm as L

    assert L.familiar(wrong)
    assert run(tmp_path, [LEAD + sentence + TAIL]) == []
    # the model's vocabulary is what silences it: without that test it is a non-word
    monkeypatch.setattr(L, "familiar", lambda written: False)
    T._CLAUSES.cache_clear()
    assert [(c.wrong, c.right, c.detector) for c in T.find_confusions(sentence)] == [
        (wrong, right, "non-word")]


def test_a_slip_the_model_lists_but_rarely_still_fires(tmp_path):
    from checks import typo_lm as L

    # 参予 is in the model's vocabulary (people type it), but at 10^-5.47: a slip, not a word
    assert not L.familiar("参予")
    got = run(tmp_path, [LEAD + "他们积极参予社区志愿服务。" + TAIL])
    c = len(LEAD) + 5
    assert [row(f) for f in got] == [("typo.confusable-char", "warning", 3, c, c + 2, "参予",
                                      "参与", False)]


def test_nasal_near_homophones_use_the_everyday_reading():
    from checks import typo_data as D

    assert D.confusables("名")["民"] == "nasal" and D.confusables("民")["名"] == "nasal"
    assert D.confusables("幸")["辛"] == "nasal"
    assert D.confusables("名")["明"] == "sound"  # a shared reading stays a sound-alike
    # only the first (everyday) readings: 感 gǎn (not hàn) is no near-homophone of 行
    # (háng is not its everyday reading), nor 检 jiǎn of 强 (jiàng)
    assert "行" not in D.confusables("感") and "强" not in D.confusables("检")
    # the generated tables were filtered without them: confusable() leaves them out
    assert not D.confusable("名", "民") and D.confusable("名", "明")


def test_nasal_near_homophones_are_for_fixed_phrases_and_the_model(tmp_path):
    from checks import typo_detect as T

    # 冰淇凌: the non-word rule leaves nasal swaps of plain words to the language model,
    # which reads the context (the rule's unigram gain alone proved too weak for them)
    sentence = "店里的冰淇凌卖得很好。"
    assert T.find_confusions(sentence) == []
    got = run(tmp_path, [LEAD + sentence + TAIL])
    assert got == []  # neither typo.confusable-char nor typo.broken-idiom
    from checks.engine import Corpus, check_corpus

    found = check_corpus(Corpus(tmp_path, ["000.txt"], Config()), "typo")
    c = len(LEAD) + 4
    assert [row(f) for f in found] == [("typo.language-model", "warning", 3, c, c + 3,
                                        "冰淇凌", "冰淇淋", False)]


def test_retroflex_near_homophones_use_the_everyday_reading():
    from checks import typo_data as D

    # z/zh, c/ch, s/sh swapped in the everyday reading: 诉 su / 述 shu, 择 ze / 折 zhe
    assert D.confusables("诉")["述"] == "retroflex" and D.confusables("述")["诉"] == "retroflex"
    assert D.confusables("择")["折"] == "retroflex" and D.confusables("逐")["足"] == "retroflex"
    assert D.confusables("是")["事"] == "sound"  # a shared reading stays a sound-alike
    assert D.confusables("名")["民"] == "nasal"  # the nasal pair keeps its kind
    assert D.confusables("字")["自"] == "sound"  # zi/zi: a shared reading, not a swap
    # the generated tables were filtered without them: confusable() leaves them out
    assert not D.confusable("诉", "述") and D.confusable("述", "树")


@pytest.mark.parametrize("sentence, col, wrong, right, check", [
    # a non-word: the language model reads the context (24 and 14.5 nats)
    ("记者向我们详细描素了事故的经过。", 7, "描素", "描述", "typo.language-model"),
    ("他向法庭讲诉了事情的经过。", 4, "讲诉", "讲述", "typo.language-model"),
    # a fixed phrase in use (jieba frequency 164, 54)
    ("这项工作要不择不扣地落实到位。", 5, "不择不扣", "不折不扣", "typo.broken-idiom"),
    ("疫情期间他逐不出户，在家办公。", 5, "逐不出户", "足不出户", "typo.broken-idiom"),
])
def test_retroflex_near_homophones_fire(tmp_path, sentence, col, wrong, right, check):
    from checks.engine import Corpus, check_corpus

    run(tmp_path, [LEAD + sentence + TAIL])
    found = [f for f in check_corpus(Corpus(tmp_path, ["000.txt"], Config()), "typo")
             if f.check.startswith("typo.")]
    c = len(LEAD) + col + 1
    assert [row(f) for f in found] == [(check, "warning", 3, c, c + len(wrong), wrong, right,
                                        False)]
    assert "z/zh, c/ch or s/sh swapped" in found[0].message


@pytest.mark.parametrize("sentence", [
    # 以此为准 is a fixed phrase jieba counts only 3 times: a near-homophone does not
    # repair it (以尺为准: the foot-rule as the standard)
    "县上以尺为准，一块地一块地丈量。",
    "被告人不服判决，提出上诉。",  # 上诉 is a word: near-homophones only for no word
    "法院对上述事实予以确认。",
])
def test_retroflex_near_homophones_stay_silent(tmp_path, sentence):
    from checks.engine import Corpus, check_corpus

    run(tmp_path, [LEAD + sentence + TAIL])
    assert check_corpus(Corpus(tmp_path, ["000.txt"], Config()), "typo") == []


def test_a_broken_idiom_written_three_times_in_a_file_is_its_usage(tmp_path):
    once = LEAD + "合唱团的演出声入人心。" + TAIL
    got = run(tmp_path, [once])
    c = len(LEAD) + 7
    assert [row(f) for f in got] == [("typo.broken-idiom", "warning", 3, c, c + 4, "声入人心",
                                      "深入人心", False)]
    assert "front/back nasal" in got[0].message
    # the same phrase three times in one file: a pun or a title of that text, not a slip
    thrice = (LEAD + "合唱团的演出声入人心。新歌声入人心，老歌也声入人心。" + TAIL)
    assert run(tmp_path, [thrice]) == []
    # twice is still reported
    twice = LEAD + "合唱团的演出声入人心。新歌也声入人心。" + TAIL
    assert len(run(tmp_path, [twice])) == 2


def test_message_names_the_evidence(tmp_path):
    got = run(tmp_path, [LEAD + "我们要认真辩别真假信息。" + TAIL])
    msg = got[0].message
    assert "辩 sounds and looks like 辨" in msg and "辩别 is no word, 辨别 is (jieba frequency 342)" in msg
    assert "nats more likely" in msg
    got = run(tmp_path, [LEAD + "战士们在山坡上搭起了帐蓬。" + TAIL], VARIANTS)
    assert "帐蓬 is a rare variant (jieba frequency 6) of 帐篷 (740)" in got[0].message


SILENT = [
    # the right forms of every example above
    "我们要认真辨别真假信息。战士们在山坡上搭起了帐篷。新建的大桥已经顺利竣工。",
    "机构改革要坚持精兵简政的原则。各项工作都要按部就班地推进。面对困难他一筹莫展。",
    "有的干部墨守成规不思进取。改革者走投无路时也不放弃。这篇评论针砭时弊，引起关注。",
    "当前通货膨胀压力有所上升，物价涨幅回落。",
    # 从X到Y: two frequent single-character words side by side, not a broken 从事
    "从市到村层层建立领导小组，从县到乡逐级压实责任。",
    # a plain phrase one character from an idiom (毫无疑义) is no broken idiom
    "这样的争论毫无意义，大家应当回到事实本身。",
    # names read as names by jieba's tagger
    "复旦大学伍柏麟教授在会上发言。",
    # a character containing the other is no variant evidence (高达/高大, 保户/保护)
    "投资预计将高达25亿美元，保户所交保费实际上是储蓄。",
    # a window cutting through a word of the text (驻|中东 is no broken 之中)
    "伊朗当天对驻中东美军发射多枚导弹。",
    # the changed character is a frequent word itself (党|的|二十届): context, not a slip
    "党的二十届三中全会对深化改革作出部署。",
    # 感 (gan; also read han) and 行 (xing; also hang): nasal near-homophones only through
    # their rare readings, which the nasal rule does not use: no broken 切实可行
    "这些变化切实可感，群众看得见。",
    # a set phrase of two free words (价格|上涨, 违反|常规, 摆在|前面: jieba tag l) is not
    # broken by another free combination whose changed half is a word too (止涨, 厂规, 排在)
    "本周蛋价止涨回落，全省价格止涨企稳。",
    "对违反厂规的员工，车间一律批评教育。",
    "他为排在前面的几位老人让出了座位。",
    # a window inside a longer word of the reference model's vocabulary (财付通)
    "市民可以通过财付通缴纳水电费。",
]


@pytest.mark.parametrize("body", SILENT)
def test_silent_on_right_text_and_names(tmp_path, body):
    assert run(tmp_path, [body + "\n"], VARIANTS) == []


@pytest.mark.parametrize("sentence", [
    "网友把常年加班的人称作“薪力交瘁”的一代。",  # a pun on 心力交瘁, marked as such
    "这堂课的题目叫“辩别真假”，讲的是查证。",  # 4 characters between the marks
    "这堂课的题目叫「辩别真假」，讲的是查证。",
])
def test_a_form_in_a_short_quotation_is_the_writers_own(tmp_path, sentence):
    assert run(tmp_path, [LEAD + sentence + TAIL]) == []


@pytest.mark.parametrize("sentence,col", [
    ("他说：“我们要认真辩别真假信息。”", 10),  # a quoted clause (14 characters)
    ("这堂课要求学生“认真辩别真假”。", 11),  # 6 characters between the marks
    ("这堂课要求学生认真辩别真假。", 10),  # no quotation
])
def test_a_slip_in_a_longer_quotation_still_fires(tmp_path, sentence, col):
    got = run(tmp_path, [LEAD + sentence + TAIL])
    c = len(LEAD) + col
    assert [row(f) for f in got] == [("typo.confusable-char", "warning", 3, c, c + 2, "辩别",
                                      "辨别", False)]


def test_a_form_recurring_across_files_is_a_term_not_a_slip(tmp_path):
    slip = LEAD + "我们要认真辩别真假信息。" + TAIL
    assert len(run(tmp_path, [slip])) == 1
    for i in range(3):
        (tmp_path / f"{i:03d}.txt").unlink(missing_ok=True)
    got = run(tmp_path, [slip, slip, slip])  # 3 files: term_files (3) reached
    assert got == []


def test_two_files_still_fire_and_count_the_other(tmp_path):
    slip = LEAD + "我们要认真辩别真假信息。" + TAIL
    got = run(tmp_path, [slip, slip])
    assert [f.path for f in got] == ["000.txt", "001.txt"]
    assert "辩别 occurs 2 time(s) in 2 file(s) of the corpus" in got[0].message


def test_allow_list_and_thresholds_come_from_configuration(tmp_path):
    body = [LEAD + "我们要认真辩别真假信息。" + TAIL]
    allow = Config(checks={"typo.confusable-char": {"allow": ["辩别"]}})
    assert run(tmp_path, body, allow) == []
    strict = Config(checks={"typo.confusable-char": {"min_gain": 20.0, "both_gain": 20.0}})
    assert run(tmp_path, body, strict) == []
    loose = Config(checks={"typo.confusable-char": {"min_gain": 6.0}})
    assert len(run(tmp_path, body, loose)) == 1


def test_a_known_misspelling_is_reported_once(tmp_path):
    # 再接再砺 is in the known-misspellings list: only typo.known-misspelling reports it
    (tmp_path / "000.txt").write_text(HEAD + LEAD + "大家要再接再砺。" + TAIL, encoding="utf-8")
    found = check_corpus(Corpus(tmp_path, ["000.txt"], Config()), "typo")
    assert [f.check for f in found if "再接再砺" in f.excerpt] == []


# -- typo.context-word: real words in the wrong place, decided by the corpus -------------------

OTHERS = [f"第{i}次会议指出，人民代表大会是国家权力机关。截至目前，各项工作进展顺利。\n"
          for i in range(6)]


def context(tmp_path: Path, bodies: list[str], config: Config | None = None):
    for i, body in enumerate(bodies):
        (tmp_path / f"{i:03d}.txt").write_text(HEAD + body, encoding="utf-8")
    paths = sorted(p.name for p in tmp_path.glob("*.txt"))
    found = check_corpus(Corpus(tmp_path, paths, config or Config()), "typo")
    return [f for f in found if f.check == "typo.context-word"]


def test_context_word_fires_where_the_corpus_writes_the_twin(tmp_path):
    slip = LEAD + "人民代表大会是国家权利机关，截止目前已召开三次会议。" + TAIL
    got = context(tmp_path, [slip] + OTHERS)
    c = len(LEAD)
    assert [row(f) for f in got] == [
        ("typo.context-word", "warning", 3, c + 10, c + 12, "权利", "权力", False),
        ("typo.context-word", "warning", 3, c + 15, c + 17, "截止", "截至", False)]
    assert got[0].message.startswith("权利机关 occurs 1 time(s) in the corpus, 权力机关 6 times "
                                      "(first in 001.txt)")
    # the related place is the first occurrence of the frequent form
    assert [(r.path, r.line, r.column, r.end_column) for r in got[0].related] == [
        ("001.txt", 3, 18, 22)]


def test_context_word_needs_the_corpus(tmp_path):
    slip = LEAD + "人民代表大会是国家权利机关，截止目前已召开三次会议。" + TAIL
    assert context(tmp_path, [slip]) == []  # one file: no usage to go by
    assert context(tmp_path, [slip] + OTHERS[:4]) == []  # 4 < min_common (5)


def test_context_word_silent_when_the_corpus_uses_both(tmp_path):
    # 制定 and 制订 are both used with 标准 in this corpus: usage does not decide
    bodies = [f"第{i}次会议要求制定标准。\n" for i in range(6)] + ["会议要求制订标准。\n",
                                                                 "会议要求制订标准。\n"]
    assert context(tmp_path, bodies) == []


def test_context_word_edge_of_a_clause_is_no_evidence(tmp_path):
    # 使用 ends many clauses, 试用 one: a clause edge is too common a context to decide
    bodies = [f"{who}使用。\n" for who in ("甲方", "乙方", "丙方", "丁方", "各方", "双方",
                                              "多方")] + ["新技术推广试用。\n"]
    assert context(tmp_path, bodies) == []


def test_context_word_allow_list(tmp_path):
    slip = LEAD + "人民代表大会是国家权利机关，截止目前已召开三次会议。" + TAIL
    cfg = Config(checks={"typo.context-word": {"allow": ["权利", "截止"]}})
    assert context(tmp_path, [slip] + OTHERS, cfg) == []


ATTESTED = [
    # one character from a fixed phrase, but a word of the reference model's vocabulary
    # at least a quarter as likely as the phrase: an accepted variant, not a slip
    "这座新建的大桥引人瞩目，吸引了众多游客。",   # 引人注目
    "这家企业的发展风生水起，订单不断。",         # 风声水起 (jieba's rare entry)
]


@pytest.mark.parametrize("sentence", ATTESTED)
def test_a_variant_the_language_model_knows_is_no_broken_idiom(tmp_path, sentence, monkeypatch,
                                                               fresh_clause_memo):
    from checks import typo_detect as T
    from checks import typo_lm as L

    assert run(tmp_path, [LEAD + sentence + TAIL]) == []
    # the veto is what silences it: without it the window is a broken idiom
    monkeypatch.setattr(L, "attested", lambda written, right: False)
    T._CLAUSES.cache_clear()  # the sentence's verdict with the real helper is memoised
    (c,) = T.find_confusions(sentence)
    assert c.detector == "idiom" and c.start == 7


# -- a sound-alike must be one a writer meaning the idiom types ----------------------------------

def test_an_idiom_broken_by_a_rare_reading_of_the_written_character_fires(tmp_path):
    from checks import typo_data as D

    # 曾 is céng first; 增's everyday zēng is its other reading: typed for 增, so a slip
    assert D.readings("曾")[0] != D.readings("增")[0] and D.typed_for("曾", "增")
    got = run(tmp_path, [LEAD + "两国人民的友谊与日俱曾。" + TAIL])
    c = len(LEAD) + 8
    assert [row(f) for f in got] == [("typo.broken-idiom", "warning", 3, c, c + 4, "与日俱曾",
                                      "与日俱增", False)]


RARE_READING = [
    # 也 (yě, yí) and 迭 (dié, yì) share only yi, the rare reading of each
    ("全县粮食总产量也创新高。", 7, "也创新高", "迭创新高", 6.0),
    # 股 gǔ is a rare reading (gū) of 家 (jiā): no one typing 一家独大 gets 一股
    ("家族企业一股独大，决策容易失误。", 4, "一股独大", "一家独大", 9.0),
]


@pytest.mark.parametrize("sentence,start,wrong,right,gain", RARE_READING)
def test_no_broken_idiom_through_a_rare_reading_of_the_idiom_character(
        tmp_path, monkeypatch, fresh_clause_memo, sentence, start, wrong, right, gain):
    from checks import typo_data as D
    from checks import typo_detect as T

    i = next(k for k in range(len(wrong)) if wrong[k] != right[k])
    assert not D.typed_for(wrong[i], right[i]) and not D.looks_alike(wrong[i], right[i])
    assert run(tmp_path, [LEAD + sentence + TAIL]) == []
    # the reading rule is what silences it: without it the window is a broken idiom
    monkeypatch.setattr(D, "typed_for", lambda written, r: True)
    T._CLAUSES.cache_clear()
    (c,) = T.find_confusions(sentence)
    assert (c.start, c.wrong, c.right, c.detector) == (start, wrong, right, "idiom")
    assert c.gain >= gain


def test_a_slip_five_times_rarer_than_its_idiom_still_fires(tmp_path):
    from checks import typo_lm as L

    assert not L.attested("走头无路", "走投无路")  # in the model's vocabulary, 5× rarer
    got = run(tmp_path, [LEAD + "他已经走头无路，只好求助。" + TAIL])
    c = len(LEAD) + 4
    assert [row(f) for f in got] == [("typo.broken-idiom", "warning", 3, c, c + 4, "走头无路",
                                      "走投无路", False)]


# -- the clause memo ---------------------------------------------------------------------------

def test_clauses_memoised_give_what_the_whole_text_gives(fresh_clause_memo):
    """A clause's confusions do not depend on the rest of the text: the memoised answer,
    cold and warm, equals one scan of the whole text, with offsets in the text."""
    from checks import typo_detect as T

    slip = "我们要认真辩别真假信息"
    text = (LEAD + slip + "。\n" + "会议指出，" + slip + "；当前通货膨涨压力有所上升。\n"
            + "A股市场 " + slip + "!")
    whole = T._confusions_in(text, 50, 11.0, 5.0, 20, 20.0, 3, True, True, 9.0)
    cold = T.find_confusions(text)
    assert T._CLAUSES.cache_info().currsize > 0
    warm = T.find_confusions(text)
    assert cold == warm == whole
    starts = [i for i in range(len(text)) if text.startswith("辩别", i)]
    assert [(c.start, c.wrong, c.right) for c in cold] == [
        (starts[0], "辩别", "辨别"), (starts[1], "辩别", "辨别"),
        (text.index("通货膨涨"), "通货膨涨", "通货膨胀"), (starts[2], "辩别", "辨别")]
    assert T._CLAUSES.hits >= 4  # the repeated clause and the second scan


def test_no_dictionary_entry_holds_a_clause_separator():
    """What makes a clause's confusions independent of the rest of the text: no key of
    the tables find_confusions looks windows up in holds a character the clauses are cut
    at (a table that gained one would make the memo answer differently from one scan)."""
    from checks import typo_data as D
    from checks import typo_detect as T

    iidx, istart, iend = D.idiom_index()
    tables = {"lexicon": D.lexicon(3), "pattern index": D.pattern_index(50),
              "phrase pairs": D.phrase_confusions(), "phrase starts": D.phrase_starts(),
              "idioms": D.idioms(), "idiom patterns": iidx}
    for name, keys in tables.items():
        held = sorted({k for k in keys if T._CLAUSE_SEP.search(k.replace("\0", ""))})
        assert held == [], f"{name}: {held[:5]}"
    # and the separator does cut where expected: punctuation and white space, not 〇
    assert [m.group() for m in T._CLAUSE_SEP.finditer("二〇二〇年，会议。 A股(B)")] == [
        "，", "。 ", "(", ")"]


def test_a_clause_memo_drops_the_least_recently_used():
    from checks.typo_detect import ClauseMemo

    memo = ClauseMemo(2)
    memo.put("a", (1,))
    memo.put("b", (2,))
    assert memo.get("a") == (1,)  # a is now the most recent
    memo.put("c", (3,))
    assert memo.get("b") is None and memo.get("a") == (1,) and memo.get("c") == (3,)
    assert memo.cache_info().currsize == 2 and memo.cache_parameters()["maxsize"] == 2
    memo.cache_clear()
    assert memo.cache_info().currsize == 0 and memo.get("a") is None


def test_clause_memo_holds_the_results_of_one_set_of_parameters():
    from checks.typo_detect import ClauseMemo, find_confusions

    memo = ClauseMemo(8)
    memo.put_many([("a", (1,))], params=("p", 1))
    assert memo.get_many(["a"], ("p", 1)) == [(1,)]
    assert memo.get_many(["a"], ("p", 2)) == [None]  # other parameters: started again
    assert memo.get_many(["a"], ("p", 1)) == [None] and memo.cache_info().currsize == 0
    # through the detector: another threshold gives its own verdict, not the memo's
    text = "我们要认真辩别真假信息。"
    found = [(c.wrong, c.right) for c in find_confusions(text)]
    assert ("辩别", "辨别") in found
    assert find_confusions(text, min_gain=99.0, both_gain=99.0) == []
    assert [(c.wrong, c.right) for c in find_confusions(text)] == found


def test_clause_memo_keeps_recency_from_half_full_on():
    from checks.typo_detect import ClauseMemo

    memo = ClauseMemo(4)
    memo.put_many([("a", (1,)), ("b", (2,))])  # half full: a hit moves to the end
    assert memo.get_many(["a", "x"]) == [(1,), None]
    memo.put_many([("c", (3,)), ("d", (4,)), ("e", (5,))])
    assert memo.get("b") is None and memo.get("a") == (1,)
    early = ClauseMemo(6)
    early.put_many([("a", (1,)), ("b", (2,))])  # under half full: a hit keeps its place
    assert early.get_many(["a"]) == [(1,)]
    early.put_many([(k, (0,)) for k in "cdefg"])
    assert early.get("a") is None and early.get("b") == (2,)
    assert early.cache_info().hits == 2 and early.cache_info().misses == 1


def test_a_clause_memo_shared_by_threads_stays_consistent():
    """Dask workers may run several tasks at once in threads: the memo's bookkeeping
    holds (no error, the bound kept, every answer the one put for its key)."""
    import threading

    from checks.typo_detect import ClauseMemo

    memo = ClauseMemo(5)  # an eviction on nearly every put
    errors: list = []

    def work(t: int) -> None:
        try:
            for i in range(20000):
                key = (t * 7 + i) % 200
                got = memo.get(key)
                if got is None:
                    memo.put(key, (key,))
                elif got != (key,):
                    errors.append((key, got))
        except Exception as exc:  # pragma: no cover - what the test is for
            errors.append(exc)

    import sys

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: races show
    try:
        for th in threads:
            th.start()
        for th in threads:
            th.join()
    finally:
        sys.setswitchinterval(interval)
    assert errors == []
    # without the lock: "dictionary changed size during iteration", KeyError, lost counts
    assert len(memo.data) <= 5 and memo.hits + memo.misses == 8 * 20000
