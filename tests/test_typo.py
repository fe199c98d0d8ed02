"""typo checks: must-fire and must-not-fire tables with exact positions and fixes.

Texts are written for these tests (no corpus text). Each body starts on line 3 after the
header ``2020-07-26`` and an empty line.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from checks.config import Config
from checks.engine import Corpus, check_corpus, check_seed
from checks.seed import read_seed, seed_from_text

ROOT = Path(__file__).resolve().parents[1]
RAW_SAMPLE = ROOT / "tests" / "fixtures" / "000_12dde9c38bb7d0aa.txt"
CLEAN_SAMPLE = ROOT / "seeds" / "000_12dde9c38bb7d0aa.txt"

HEAD = "2020-07-26\n\n"


def typo_findings(body: str, config: Config | None = None, check: str | None = None):
    seed = seed_from_text(HEAD + body)
    out = [f for f in check_seed(seed, config or Config()) if f.category == "typo"]
    if check:
        out = [f for f in out if f.check == check]
    return out


def summary(findings):
    return [(f.check, f.severity, f.line, f.column, f.end_column, f.excerpt,
             f.fix.replacement if f.fix else None, f.fix.safe if f.fix else None)
            for f in findings]


# -- the sample seed ---------------------------------------------------------------------

def test_raw_sample_gets_exactly_the_three_typos_twice():
    seed = read_seed(RAW_SAMPLE, RAW_SAMPLE.name)
    got = [(f.check, f.line, f.column, f.end_column, f.excerpt, f.fix.replacement, f.fix.safe)
           for f in check_seed(seed, Config()) if f.category == "typo"]
    assert got == [
        ("typo.known-misspelling", 34, 19, 21, "釆取", "采取", True),
        ("typo.bullet-in-word", 42, 194, 197, "七•一", "七·一", True),
        ("typo.known-misspelling", 42, 244, 246, "实缋", "实绩", True),
        ("typo.known-misspelling", 79, 19, 21, "釆取", "采取", True),
        ("typo.bullet-in-word", 87, 194, 197, "七•一", "七·一", True),
        ("typo.known-misspelling", 87, 244, 246, "实缋", "实绩", True),
    ]
    corpus = Corpus(RAW_SAMPLE.parent, [RAW_SAMPLE.name], Config())
    assert check_corpus(corpus, "typo") == []


def test_clean_sample_gets_no_typo_finding():
    seed = read_seed(CLEAN_SAMPLE, CLEAN_SAMPLE.name)
    assert [f for f in check_seed(seed, Config()) if f.category == "typo"] == []
    corpus = Corpus(CLEAN_SAMPLE.parent, [CLEAN_SAMPLE.name], Config())
    assert check_corpus(corpus, "typo") == []


def test_safe_typo_fixes_turn_raw_lines_into_the_clean_lines():
    raw = RAW_SAMPLE.read_text(encoding="utf-8")
    clean_lines = CLEAN_SAMPLE.read_text(encoding="utf-8").split("\n")
    seed = read_seed(RAW_SAMPLE, RAW_SAMPLE.name)
    fixes = sorted(((f.start, f.end, f.fix.replacement) for f in check_seed(seed, Config())
                    if f.category == "typo" and f.fix and f.fix.safe), reverse=True)
    text = raw
    for s, e, rep in fixes:
        text = text[:s] + rep + text[e:]
    lines = text.split("\n")
    # raw lines 34 and 42 are the clean seed's lines 31 and 39 (three chrome lines gone)
    assert lines[33] == clean_lines[30]
    assert lines[41] == clean_lines[38]
    assert "釆" not in text and "缋" not in text and "•一" not in text


# -- typo.known-misspelling ----------------------------------------------------------------

KNOWN_FIRE = [
    ("他们的工作实缋突出。", (3, 6, 8, "实缋", "实绩")),
    ("坚持釆取有效措施。", (3, 3, 5, "釆取", "采取")),
    ("我们要再接再砺，争取更大成绩。", (3, 4, 8, "再接再砺", "再接再厉")),
]


@pytest.mark.parametrize("body,want", KNOWN_FIRE)
def test_known_misspelling_fires(body, want):
    got = typo_findings(body)
    assert [(f.line, f.column, f.end_column, f.excerpt, f.fix.replacement) for f in got] == [want]
    assert got[0].check == "typo.known-misspelling" and got[0].severity == "error"
    assert got[0].fix.safe is True
    assert "source:" in got[0].message


@pytest.mark.parametrize("body", [
    "他们的工作实绩突出。",  # the right forms
    "坚持采取有效措施。",
    "各项练习都已完成。",  # 项练 would be a bad entry: it is not in the list
])
def test_known_misspelling_silent_on_right_forms(body):
    assert typo_findings(body) == []


def test_known_misspelling_user_pairs_from_configuration():
    cfg = Config(checks={"typo.known-misspelling": {"pairs": {"帐号": "账号"}}})
    got = typo_findings("请先登录帐号再办理。", cfg)
    assert summary(got) == [("typo.known-misspelling", "error", 3, 5, 7, "帐号", "账号", True)]
    assert "configuration" in got[0].message
    assert typo_findings("请先登录帐号再办理。") == []  # not a built-in pair


# -- typo.lookalike-char ---------------------------------------------------------------------

LOOKALIKE_FIRE = [
    # out-of-table character, its closest look-alike makes a frequent word: error, safe
    ("我们釆用新技术。", ("typo.lookalike-char", "error", 3, 3, 5, "釆用", "采用", True)),
    ("完善缋效考核办法。", ("typo.lookalike-char", "error", 3, 3, 5, "缋效", "绩效", True)),
    # no look-alike makes a word, a sound-alike does: warning, fix to review
    ("检查阬管内部。", ("typo.lookalike-char", "warning", 3, 3, 5, "阬管", "钢管", False)),
]


@pytest.mark.parametrize("body,want", LOOKALIKE_FIRE)
def test_lookalike_char_fires(body, want):
    got = typo_findings(body, check="typo.lookalike-char")
    assert summary(got) == [want]
    assert "通用规范汉字表" in got[0].message


def test_lookalike_prefers_shape_over_sound():
    # 缋 (huì) sounds like 惠 (实惠 is more frequent) but looks like 绩: the fix is 实绩
    cfg = Config(ignore=["typo.known-misspelling"])
    got = typo_findings("脱贫攻坚实缋突出的干部。", cfg)
    assert summary(got) == [("typo.lookalike-char", "error", 3, 5, 7, "实缋", "实绩", True)]
    assert "shape score" in got[0].message


def test_lookalike_leaves_known_misspellings_to_their_check():
    got = typo_findings("脱贫攻坚实缋突出的干部。")
    assert [f.check for f in got] == ["typo.known-misspelling"]


@pytest.mark.parametrize("body", [
    "朱镕基同志的讲话。",  # 镕: rare but inside the table (not in GB2312)
    "工业硫磺和磺胺类药物。",  # out-of-table characters inside dictionary words
    "清蒸鲶鱼很好吃。",
    "王喆说话算数。",  # a name character with no word-forming look-alike
    "亳州和毫州不是一回事。",  # place name: 亳 is in the table
    "殘疾人事业。",  # traditional: typo.traditional-char's business, not this check's
    "采取措施，提高实绩。",
])
def test_lookalike_silent(body):
    assert typo_findings(body, check="typo.lookalike-char") == []


# -- typo.bullet-in-word ---------------------------------------------------------------------

BULLET_FIRE = [
    ("明确每年“七•一”表彰。", [("typo.bullet-in-word", "error", 3, 6, 9, "七•一", "七·一", True)]),
    ("美国总统约翰•肯尼迪。", [("typo.bullet-in-word", "error", 3, 6, 9, "翰•肯", "翰·肯", True)]),
    # a run of dots is one finding, so the fixes never overlap
    ("作家J•K•罗琳的新书。", [("typo.bullet-in-word", "error", 3, 3, 8, "J•K•罗", "J·K·罗", True)]),
    ("纪念5‧12地震。", [("typo.bullet-in-word", "warning", 3, 3, 6, "5‧1", "5·1", True)]),
    ("大阪･关西世博会。", [("typo.bullet-in-word", "error", 3, 2, 5, "阪･关", "阪·关", True)]),
]


@pytest.mark.parametrize("body,want", BULLET_FIRE)
def test_bullet_in_word_fires(body, want):
    assert summary(typo_findings(body, check="typo.bullet-in-word")) == want


@pytest.mark.parametrize("body", [
    "  • 微信\n  • 微博",  # list bullets
    "  • 2017年09月08日 17时46分",
    "明确每年“七·一”表彰。",  # the right middle dot
    "ジョン・スミスさん",  # Japanese middle dot between kana
    "第一条 • 总则",  # spaced bullet
])
def test_bullet_in_word_silent(body):
    assert typo_findings(body, check="typo.bullet-in-word") == []


# -- typo.unbalanced-pair --------------------------------------------------------------------

def test_unbalanced_opening_title_mark():
    got = typo_findings("制定出台《达州市村党组织第一书记关怀保障办法，每年安排一次健康体检。")
    assert summary(got) == [("typo.unbalanced-pair", "warning", 3, 5, 6, "《", None, None)]


def test_unbalanced_closing_quote():
    got = typo_findings("他说：这是我们今年的工作目标”。大家都同意这个看法。")
    assert summary(got) == [("typo.unbalanced-pair", "warning", 3, 15, 16, "”", None, None)]


def test_unbalanced_split_paragraph_names_the_mate():
    got = typo_findings("10.【全球海采：\n\n一带一路是怎样的路】独一无二的繁荣之路；")
    assert summary(got) == [("typo.unbalanced-pair", "warning", 5, 10, 11, "】", None, None)]
    assert "line 3" in got[0].message


@pytest.mark.parametrize("body", [
    "  • 【字体:",  # chrome: too few Han characters to be a paragraph
    "各县（市、区)党委抓党建工作，年度目标考核。",  # mixed widths still pair
    "1）坚持党的领导，加强基层组织建设工作。",  # enumerator
    "（一）坚持党的领导，加强基层组织建设工作。",
    "“第一段引文的内容很长很长很长很长。\n\n“第二段引文的内容也很长很长很长。”",  # runs on
    "《中华人民共和国宪法》规定了“国家尊重和保障人权”的原则。",
])
def test_unbalanced_pair_silent(body):
    assert typo_findings(body, check="typo.unbalanced-pair") == []


# -- typo.doubled-punctuation ----------------------------------------------------------------

@pytest.mark.parametrize("body,want", [
    ("集中力量打赢脱贫攻坚战。。", ("typo.doubled-punctuation", "warning", 3, 12, 14, "。。", "。", True)),
    ("坚持党建引领，，充分发挥优势。", ("typo.doubled-punctuation", "warning", 3, 7, 9, "，，", "，", True)),
    ("坚持党建引领，。充分发挥优势。", ("typo.doubled-punctuation", "warning", 3, 7, 9, "，。", "。", False)),
])
def test_doubled_punctuation_fires(body, want):
    assert summary(typo_findings(body, check="typo.doubled-punctuation")) == [want]


@pytest.mark.parametrize("body", ["他沉默了……", "这是——我们的目标。", "真的吗？！", "他说：“好。”"])
def test_doubled_punctuation_silent(body):
    assert typo_findings(body, check="typo.doubled-punctuation") == []


# -- typo.mixed-width-punctuation ------------------------------------------------------------

FULL_COMMAS = "坚持党建引领，充分发挥优势，集中力量攻坚，确保完成任务，推动工作开展，"


def test_mixed_width_flags_the_odd_one_out():
    body = FULL_COMMAS * 2 + "形成示范带动效应,取得明显成效。"
    got = typo_findings(body, check="typo.mixed-width-punctuation")
    col = 2 * len(FULL_COMMAS) + len("形成示范带动效应") + 1
    assert summary(got) == [("typo.mixed-width-punctuation", "warning", 3, col, col + 1, ",",
                             "，", False)]
    assert "10 times" in got[0].message


@pytest.mark.parametrize("body", [
    # the sample seed's convention: half-width , ( ) : ; with full-width 、。“”
    "达州市认真贯彻“越是进行脱贫攻坚战,越是要加强”的精神,各县(市、区)党委:一是明确;二是推进。",
    "坚持党建引领，充分发挥优势，集中力量,确保完成任务。",  # no clear convention (2 vs 1)
    FULL_COMMAS + "会议时间是17:46。",  # the colon is not next to Han text
    FULL_COMMAS + "关于&lt;中国民主促进会章程&gt;的决议。",  # HTML entities
    "(更新时间戳: 1664109102894)\n" + FULL_COMMAS,  # not a prose line
])
def test_mixed_width_silent(body):
    assert typo_findings(body, check="typo.mixed-width-punctuation") == []


def _width_marks_by_hand(text, lines, min_han=8):
    """typo_detect.width_marks as it was written before its pattern: each mark's two
    neighbours read one by one (the reference for the test below)."""
    from checks import typo_data as D
    from checks import typo_detect as T

    out = []
    for ln in lines:
        if not T.WIDTH_RE.search(ln.text) or not D.han_at_least_re(min_han).match(ln.text):
            continue
        for m in T.WIDTH_RE.finditer(text, ln.start, ln.end):
            i = m.start()
            prev = text[i - 1] if i > 0 else ""
            nxt = text[i + 1] if i + 1 < len(text) else ""
            if not ((prev and D.is_han(prev)) or (nxt and D.is_han(nxt))):
                continue
            if m.group() == ";" and T.ENTITY_END.search(text[max(0, i - 10):i]):
                continue
            out.append((i, m.group(), T.FULL_TO_HALF.get(m.group(), m.group())))
    return out


def test_width_marks_are_the_marks_next_to_han_text():
    """The marks width_marks finds with one pattern are those a reading of each mark's
    neighbours finds: at a line's start and end, at the text's ends, beside a character
    outside the BMP, after an HTML entity, in a line of too few Han characters."""
    import random

    from checks import typo_detect as T

    pieces = ["发展", "经济", ",", "，", ":", "：", ";", "；", "(", "（", ")", "）", "?", "？",
              "!", "！", "12", "ab", "&lt;", "&#39;", "\n", "\r\n", " ", "𠀾", "、", "。"]
    rng = random.Random(7)
    for _ in range(400):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))
        seed = seed_from_text(text)
        assert T.width_marks(text, seed.lines, 2) == _width_marks_by_hand(text, seed.lines, 2)
    text = "，发展经济,推动𠀾;提高：\n经济发展稳定向好?"
    seed = seed_from_text(text)
    assert T.width_marks(text, seed.lines, 2) == [
        (0, "，", ","), (5, ",", ","), (9, ";", ";"), (12, "：", ":"), (22, "?", "?")]


# -- typo.traditional-char -------------------------------------------------------------------

@pytest.mark.parametrize("body,want", [
    ("关心殘疾人事业。", ("typo.traditional-char", "warning", 3, 3, 4, "殘", "残", False)),
    ("我们要坚定不移地推进經濟高质量发展。", ("typo.traditional-char", "warning", 3, 11, 12, "經", "经",
                                    False)),
])
def test_traditional_char_fires(body, want):
    got = typo_findings(body, check="typo.traditional-char")
    assert summary(got)[0] == want
    if "經濟" in body:  # each traditional character is its own finding
        assert [f.excerpt for f in got] == ["經", "濟"]


@pytest.mark.parametrize("body", [
    "乾隆皇帝下江南。",  # 乾 is in the table
    "第一棒火炬手宋懋璗是冠军。",  # a name: converting makes no word
    "推出《西夏樂集》沉浸式演艺。",  # a title keeping a traditional character
    "四川资阳濛溪河遗址群。",  # place name
    "這是一篇用繁體字寫的文章，內容關於經濟發展。",  # the file's own script
])
def test_traditional_char_silent(body):
    assert typo_findings(body, check="typo.traditional-char") == []


# -- typo.corpus-rare-form -------------------------------------------------------------------

def _corpus(tmp_path: Path, bodies: list[str]) -> list:
    for i, body in enumerate(bodies):
        (tmp_path / f"{i:03d}.txt").write_text(HEAD + body, encoding="utf-8")
    paths = sorted(p.name for p in tmp_path.glob("*.txt"))
    return check_corpus(Corpus(tmp_path, paths, Config()), "typo")


def test_corpus_rare_form_fires_with_counts(tmp_path):
    got = _corpus(tmp_path, ["张绩说要干好工作。", "张绩说明年再来。", "记者张绩说。",
                             "今天张缋说了这件事。"])
    assert [(f.path, f.line, f.column, f.end_column, f.excerpt, f.fix.replacement, f.fix.safe)
            for f in got] == [("003.txt", 3, 3, 5, "张缋", "张绩", False)]
    assert got[0].check == "typo.corpus-rare-form" and got[0].severity == "warning"
    assert "张缋 occurs 1 time(s)" in got[0].message
    assert "张绩 3 time(s) in 3 file(s)" in got[0].message


def test_corpus_rare_form_silent_without_evidence(tmp_path):
    assert _corpus(tmp_path, ["张绩说要干好工作。", "今天张缋说了这件事。"]) == []


IN_TABLE = Config(checks={"typo.corpus-rare-form": {"in_table": True}})


def _corpus_cfg(tmp_path: Path, bodies: list[str], cfg: Config) -> list:
    for i, body in enumerate(bodies):
        (tmp_path / f"{i:03d}.txt").write_text(HEAD + body, encoding="utf-8")
    paths = sorted(p.name for p in tmp_path.glob("*.txt"))
    return check_corpus(Corpus(tmp_path, paths, cfg), "typo")


def test_corpus_rare_form_in_table_sound_alike_is_opt_in(tmp_path):
    bodies = ["这个问题的懈释很清楚。", "今天的会议开得很好。"]
    # typo.confusable-char (on by default) owns in-table slips: one typo, one finding
    got = _corpus_cfg(tmp_path, bodies, IN_TABLE)
    assert [(f.check, f.path, f.line, f.column, f.end_column, f.excerpt, f.fix.replacement)
            for f in got] == [("typo.confusable-char", "000.txt", 3, 6, 8, "懈释", "解释")]
    # with it switched off, the opt-in in_table mode of corpus-rare-form reports the slip
    only_rare = Config(checks={"typo.corpus-rare-form": {"in_table": True}},
                       ignore=["typo.confusable-char", "typo.broken-idiom"])
    got = _corpus_cfg(tmp_path, bodies, only_rare)
    assert [(f.path, f.line, f.column, f.end_column, f.excerpt, f.fix.replacement, f.fix.safe)
            for f in got] == [("000.txt", 3, 6, 8, "懈释", "解释", False)]
    assert "sounds like 解" in got[0].message and "nats" in got[0].message
    off = Config(ignore=["typo.confusable-char", "typo.broken-idiom"])
    assert _corpus_cfg(tmp_path, bodies, off) == []  # off by default


def test_corpus_rare_form_in_table_respects_corpus_usage(tmp_path):
    # 抗疫 is missing from jieba's dictionary (抗议 is there); alone it looks like a slip...
    assert [f.excerpt for f in _corpus_cfg(tmp_path, ["他们坚持抗疫一线工作。"], IN_TABLE)] == ["抗疫"]
    # ...but a corpus that writes it again and again is using a word of its own
    more = ["他们坚持抗疫一线工作。", "全民抗疫取得成效。", "抗疫物资运抵灾区。"]
    sub = tmp_path / "many"
    sub.mkdir()
    assert _corpus_cfg(sub, more, IN_TABLE) == []


def test_samples_stay_clean_with_in_table_candidates():
    for path, want in ((RAW_SAMPLE, []), (CLEAN_SAMPLE, [])):
        corpus = Corpus(path.parent, [path.name], IN_TABLE)
        assert [(f.line, f.excerpt) for f in check_corpus(corpus, "typo")] == want


def test_corpus_rare_form_in_table_look_alike(tmp_path):
    # 冶 and 治 are both in the table; 冶疗 is a stray pair, 治疗 a frequent word
    got = _corpus_cfg(tmp_path, ["这种病需要长期冶疗。", "今天的会议开得很好。"], IN_TABLE)
    assert [(f.path, f.line, f.column, f.end_column, f.excerpt, f.fix.replacement)
            for f in got] == [("000.txt", 3, 8, 10, "冶疗", "治疗")]
    assert "冶 looks like 治" in got[0].message


@pytest.mark.parametrize("body", [
    "冶金工业和治疗设备。",  # 冶金 is a word: 冶 is not a stray character here
    "这种病需要长期治疗。",
    "财政拨款已经到位。",
])
def test_corpus_rare_form_in_table_silent_on_right_text(tmp_path, body):
    assert _corpus_cfg(tmp_path, [body], IN_TABLE) == []


def test_lookalike_options():
    no_sound = Config(checks={"typo.lookalike-char": {"sound": False}})
    assert typo_findings("检查阬管内部。", no_sound, check="typo.lookalike-char") == []
    strict = Config(checks={"typo.lookalike-char": {"error_freq": 100_000}})
    got = typo_findings("完善缋效考核办法。", strict, check="typo.lookalike-char")
    assert summary(got) == [("typo.lookalike-char", "warning", 3, 3, 5, "缋效", "绩效", False)]


def test_known_misspelling_rejects_bad_pairs():
    from checks.config import ConfigError

    bad = Config(checks={"typo.known-misspelling": {"pairs": {"帐号": 1}}})
    with pytest.raises(ConfigError, match="pairs"):
        typo_findings("请先登录帐号。", bad)


def test_end_to_end_report_holds_the_sample_typos(pytester, tmp_path):
    import json

    seeds = tmp_path / "corpus"
    seeds.mkdir()
    (seeds / RAW_SAMPLE.name).write_bytes(RAW_SAMPLE.read_bytes())
    out = tmp_path / "out"
    result = pytester.runpytest_subprocess("--seeds", str(seeds), "--report-dir", str(out),
                                           "-p", "no:cacheprovider")
    assert result.ret == 1
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    typos = [(f["check"], f["severity"], f["line"], f["column"], f["end_column"], f["excerpt"],
              f["fix"]["replacement"], f["fix"]["safe"])
             for f in report["findings"] if f["category"] == "typo"]
    assert typos == [
        ("typo.known-misspelling", "error", 34, 19, 21, "釆取", "采取", True),
        ("typo.bullet-in-word", "error", 42, 194, 197, "七•一", "七·一", True),
        ("typo.known-misspelling", "error", 42, 244, 246, "实缋", "实绩", True),
        ("typo.known-misspelling", "error", 79, 19, 21, "釆取", "采取", True),
        ("typo.bullet-in-word", "error", 87, 194, 197, "七•一", "七·一", True),
        ("typo.known-misspelling", "error", 87, 244, 246, "实缋", "实绩", True),
    ]


# -- the typo tables kept between processes (typo_data.TABLES_DIR) -------------------------

KEPT_TABLES = ("_jieba_dict", "_toneless_index", "pattern_index", "idioms", "idiom_index",
               "shape_neighbours", "_pinyin_dict", "phrases", "same_stroke",
               "shared_component", "_components", "_in_table_shapes", "_main_toneless_index")


@pytest.fixture
def fresh_tables(monkeypatch, tmp_path):
    """typo_data as in a new process whose tables are kept in ``tmp_path``."""
    from checks import typo_data as D

    def clear():
        for name in KEPT_TABLES:
            getattr(D, name).cache_clear()
        for name in ("word_freq", "word_tags"):  # (not cached themselves)
            assert not hasattr(getattr(D, name), "cache_clear")
        D.route_weights.cache_clear()
        D.lexicon.cache_clear()

    monkeypatch.setattr(D, "TABLES_DIR", tmp_path)
    monkeypatch.setattr(D, "_KEPT", None)
    monkeypatch.setattr(D, "_RAW", {})
    monkeypatch.setattr(D, "_FILE", None)
    monkeypatch.setattr(D, "_BUILT", {})
    clear()
    yield D, clear
    clear()


def _tables(D):
    return (D._jieba_dict(), D._toneless_index(), D.pattern_index(50), D.idioms(),
            D.idiom_index())


def test_typo_tables_built_once_are_read_back_by_the_next_process(fresh_tables, monkeypatch):
    D, clear = fresh_tables
    built = _tables(D)
    assert D.save_tables() and not D.save_tables()  # (nothing new the second time)
    [path] = list(D.TABLES_DIR.glob("typo-tables-*.bin"))
    # a new process: nothing may be built, everything comes from the file, equal and in
    # the same order
    clear()
    monkeypatch.setattr(D, "_KEPT", None)

    def no(*a, **k):
        raise AssertionError("built again")

    with monkeypatch.context() as m:
        for name in ("_read_jieba_dict", "_index_readings", "_build_pattern_index",
                     "_build_idioms", "_build_idiom_index"):
            m.setattr(D, name, no)
        read = _tables(D)
    assert read == built
    assert list(read[0][0])[:50] == list(built[0][0])[:50]
    assert list(read[2].items())[:50] == list(built[2].items())[:50]
    assert not D.save_tables()
    # another min_freq is built (and added to the file)
    assert D.pattern_index(7) and "pattern_index:7" in D._BUILT
    assert D.save_tables()


def test_tables_handed_over_are_written_by_whoever_takes_them(fresh_tables):
    """A process about to fork workers takes its built tables (the workers then have
    none to write) and writes them itself once they run."""
    D, _clear = fresh_tables
    want = D.pattern_index(50)
    built = D.take_built()
    assert "pattern_index:50" in built and not D._BUILT
    assert not D.save_tables()  # (what a forked worker would do: nothing to write)
    assert not list(D.TABLES_DIR.glob("typo-tables-*.bin"))
    assert D.save_tables(built)
    [path] = list(D.TABLES_DIR.glob("typo-tables-*.bin"))
    assert D.read_tables(path)["pattern_index:50"] == want


def test_a_broken_or_foreign_tables_file_is_a_miss(fresh_tables, monkeypatch):
    D, clear = fresh_tables
    path = D._tables_file()
    path.write_bytes(b"not a pickle")
    import gc

    assert gc.isenabled()
    want = D.pattern_index(50)
    assert "pattern_index:50" in D._BUILT
    assert gc.isenabled()  # (the read turns the collector off, and on again after a failure)
    assert D.save_tables() and path.read_bytes() != b"not a pickle"
    # another code fingerprint: another file (the old one is removed when it is written)
    from checks import cache as cache_mod

    monkeypatch.setattr(cache_mod, "_CODE_FP", "other-code")
    clear()
    monkeypatch.setattr(D, "_KEPT", None)
    assert D._tables_file() != path
    assert D.pattern_index(50) == want and "pattern_index:50" in D._BUILT
    assert D.save_tables() and not path.exists()


def _derived(D):
    """The derived tables kept in the tables file, each as its builder makes it."""
    from checks import paragraphs as P
    from checks import typo_lm as L
    from checks import typo_usage as U

    return {"shape_neighbours": D.shape_neighbours, "pinyin_dict": D._pinyin_dict,
            "phrases": D.phrases, "same_stroke": D.same_stroke,
            "shared_component": D.shared_component, "components": D._components,
            "in_table_shapes": D._in_table_shapes,
            "main_toneless_index": D._main_toneless_index,
            "collocation_pattern": U._collocation_pattern,
            "lm_pair_keys": L._build_pair_flags, "nfkc_tables": P._build_tables}


def test_the_derived_tables_read_back_equal_those_built(fresh_tables, monkeypatch):
    """Each derived table (the shape and reading tables, the collocation pattern, the
    pair flags, the NFKC tables) written to the tables file reads back equal to what its
    builder makes, in the same order, and the functions that use them give the same
    answers from the file."""
    from checks import paragraphs as P
    from checks import typo_lm as L
    from checks import typo_usage as U

    D, clear = fresh_tables
    getters = _derived(D)
    built = {}
    for name, get in getters.items():
        value = D._kept(name, get)
        assert name in D._BUILT
        built[name] = value
    assert D.save_tables()
    [path] = list(D.TABLES_DIR.glob("typo-tables-*.bin"))
    on_file = D.read_tables(path)
    for name, value in built.items():
        assert on_file[name] == value, name
        if isinstance(value, dict):
            assert list(on_file[name]) == list(value), name
    # a new process: every derived table comes from the file
    clear()
    monkeypatch.setattr(D, "_KEPT", None)

    def no(*a, **k):
        raise AssertionError("built again")

    want_re = U._collocation_re()
    want_flags = L._pair_flags()
    want_nfkc = P._tables()
    U._collocation_re.cache_clear()
    L._pair_flags.cache_clear()
    try:
        with monkeypatch.context() as m:
            for mod, name in ((D, "_build_shape_neighbours"), (D, "_build_pinyin_dict"),
                              (D, "_build_phrases"), (D, "_build_same_stroke"),
                              (D, "_build_shared_component"), (D, "_build_components"),
                              (D, "_build_in_table_shapes"), (D, "_build_main_toneless_index"),
                              (U, "_collocation_pattern"), (L, "_build_pair_flags"),
                              (P, "_build_tables")):
                m.setattr(mod, name, no)
            assert D.shape_neighbours() == built["shape_neighbours"]
            assert D._in_table_shapes() == built["in_table_shapes"]
            assert D._main_toneless_index() == built["main_toneless_index"]
            assert U._collocation_re().pattern == want_re.pattern
            flags = L._pair_flags()
            nfkc = P._tables()
        assert flags[:3] == want_flags[:3]
        assert flags[3].dtype == want_flags[3].dtype and (flags[3] == want_flags[3]).all()
        assert flags[4].dtype == want_flags[4].dtype and (flags[4] == want_flags[4]).all()
        assert (nfkc[0] == want_nfkc[0]).all() and (nfkc[1] == want_nfkc[1]).all()
        assert nfkc[2] == want_nfkc[2]
        assert [x.pattern for x in nfkc[3:]] == [x.pattern for x in want_nfkc[3:]]
        text = "ＡＢＣ１２３，全角标点！ﬁ한국어" * 20
        assert P.nfkc(text) == unicodedata.normalize("NFKC", text)
        assert not D._BUILT
    finally:
        U._collocation_re.cache_clear()
        L._pair_flags.cache_clear()


def test_a_truncated_tables_file_is_a_miss_and_a_broken_table_is_built(fresh_tables,
                                                                         monkeypatch):
    import gc

    D, clear = fresh_tables
    want = (D.pattern_index(50), D.idioms())
    assert D.save_tables()
    [path] = list(D.TABLES_DIR.glob("typo-tables-*.bin"))
    data = path.read_bytes()
    # cut anywhere (the header, a table): nothing is read, everything is built again
    for cut in (3, len(D._MAGIC) + 4, len(D._MAGIC) + 20, len(data) // 2, len(data) - 1):
        path.write_bytes(data[:cut])
        clear()
        monkeypatch.setattr(D, "_KEPT", None)
        monkeypatch.setattr(D, "_BUILT", {})
        assert (D.pattern_index(50), D.idioms()) == want
        assert {"pattern_index:50", "idioms"} <= set(D._BUILT), cut
        assert gc.isenabled()
    # one table's pickle broken: that one is built (and written again), the others read
    raw = D._parse_tables(data)
    blobs = {name: bytes(b) for name, b in raw.items()}
    blobs["idioms"] = b"\x80\x05broken"
    path.write_bytes(D._tables_bytes(blobs))
    clear()
    monkeypatch.setattr(D, "_KEPT", None)
    monkeypatch.setattr(D, "_BUILT", {})
    assert (D.pattern_index(50), D.idioms()) == want
    assert set(D._BUILT) == {"idioms"} and gc.isenabled()
    assert D.save_tables()
    assert D.read_tables(path)["idioms"] == want[1]
    # a file of the first format (one pickle) beside it is removed when one is written
    old = path.with_name("typo-tables-0123456789abcdef.pickle")
    old.write_bytes(b"old")
    D._BUILT["idioms"] = want[1]
    assert D.save_tables() and not old.exists() and path.exists()
