"""The memos that keep the typo detectors cheap (docs/performance.md, "Typo checks' CPU"):
each answer is keyed by everything it depends on, so a memo filled with one set of
parameters never answers for another, and asking in any order gives the answers of a
cold process.
"""

from __future__ import annotations

from checks import typo_data as D
from checks import typo_detect as T
from checks import typo_lm as L

SLIP = "政务公开是依法行政的毕然要求。"  # 毕然 for 必然 at offset 10


def _clear():
    for f in (L.window_swaps, L._fills, L._fill_set, L._alike_set, L._run_swaps):
        f.cache_clear()


def test_pair_swaps_follow_the_word_frequency_they_were_asked_with():
    _clear()
    f = D.word_freq()["必然"]  # 4,280 in jieba's dictionary
    low = L.window_swaps("毕然", f, f)
    high = L.window_swaps("毕然", f + 1, f + 1)  # 必然 is now too rare to be a repair
    assert (0, -f, "必", "sound") in low
    assert all(y != "必" for _k, _f, y, _kind in high)
    assert L.window_swaps("毕然", f, f) == low  # from the memo: the same answer
    assert L._fill_set("\0然", f, f) != L._fill_set("\0然", f + 1, f + 1)
    assert "必" in L._fill_set("\0然", f, f) and "必" not in L._fill_set("\0然", f + 1, f + 1)
    # keyed by the terms' frequency too: from 5 on, 必然 is a term (毕然 is no word)
    assert (0, -f, "必", "sound") in L.window_swaps("毕然", f + 1, 5)
    assert L.window_swaps("毕然", f + 1, f + 1) == high


def test_three_character_fills_follow_the_word_frequency():
    _clear()
    f = D.word_freq()["必然性"]  # 197
    assert L._fills("\0然性", "毕", f, f) == ((-f, "必", "sound"),)
    assert L._fills("\0然性", "毕", f + 1, f + 1) == ()
    assert L._fills("\0然性", "毕", f, f) == ((-f, "必", "sound"),)
    assert L._fills("\0然性", "二", f, f) == ()  # a numeral never changes
    assert L._fills("办公\0", "式", 50, 50) == ((-D.word_freq()["办公室"], "室", "sound"),)
    # keyed by the terms' frequency too: from 5 on, 必然性 is a term
    assert L._fills("\0然性", "毕", f + 1, 5) == ((-f, "必", "sound"),)


def test_the_language_model_memo_is_keyed_by_its_parameters():
    _clear()
    f = D.word_freq()["必然"]
    hit = [(c.start, c.end, c.wrong, c.right) for c in L.find_lm_confusions(SLIP)]
    assert hit == [(10, 12, "毕然", "必然")]
    # 必然 below the word frequency asked for (and for terms): no repair; then the
    # default again
    assert L.find_lm_confusions(SLIP, min_freq=f + 1, term_freq=f + 1) == []
    assert [(c.start, c.end, c.wrong, c.right)
            for c in L.find_lm_confusions(SLIP)] == hit
    # a gain no swap reaches: nothing, and the memo of the default is not consulted
    assert L.find_lm_confusions(SLIP, min_gain=500.0, both_gain=500.0) == []
    assert [(c.start, c.end) for c in L.find_lm_confusions(SLIP)] == [(10, 12)]


def test_cold_and_warm_language_model_answers_are_equal():
    texts = [SLIP, "会议由油关部门负责人主持。", "县政府召开专题会议，部署下一阶段重点工作。"]
    _clear()
    cold = [L.find_lm_confusions(t) for t in texts]
    warm = [L.find_lm_confusions(t) for t in reversed(texts)][::-1]
    assert cold == warm
    assert [(c.wrong, c.right) for c in cold[1]] == [("油关", "有关")]


def test_clause_memo_many_is_get_and_put_one_by_one():
    a = T.ClauseMemo(3)
    b = T.ClauseMemo(3)
    items = [(("甲乙", 1), ("x",)), (("丙丁", 1), ()), (("戊己", 1), ("y",)),
             (("庚辛", 1), ("z",))]
    for k, v in items:
        a.put(k, v)
    b.put_many(items)
    assert list(a.data.items()) == list(b.data.items())  # the oldest went out of both
    keys = [("丙丁", 1), ("甲乙", 1), ("庚辛", 1), ("丙丁", 2)]
    assert [a.get(k) for k in keys] == b.get_many(keys) == [(), None, ("z",), None]
    assert a.cache_info() == b.cache_info()
    assert list(a.data) == list(b.data)  # hits moved to the end in the same order


def test_find_confusions_memo_is_keyed_by_its_parameters():
    T._CLAUSES.cache_clear()
    text = "这是程序正当原则的要求，物价通货膨涨。"
    want = [(c.start, c.end, c.wrong, c.right) for c in T.find_confusions(text)]
    assert want == [(14, 18, "通货膨涨", "通货膨胀")]
    assert T.find_confusions(text, idiom_gain=500.0, min_gain=500.0, variants=False) == []
    again = [(c.start, c.end, c.wrong, c.right) for c in T.find_confusions(text)]
    assert again == want
    T._CLAUSES.cache_clear()


def test_three_character_windows_skipped_before_the_fills_memo_have_no_fill():
    """_run_swaps asks :func:`typo_lm._fills` only where a fill of the window's pattern is
    among the character's substitutes (eleventh landing, speed): everywhere else the
    memo's answer is empty, so the skip changes no candidate."""
    _clear()
    texts = ["依法行驶职权，这项值度的什施离不开群众。", "政务公开是依法行政的毕然要求。",
             "这家乳企的奶源主要来自内蒙古，办公式里温度适宜。", SLIP]
    idx = L._index(50, L.TERM_FREQ)
    asked = skipped = 0
    for text in texts:
        for m in L._RUN.finditer(text):
            r = m.group()
            for a in range(len(r) - 2):
                for k in range(3):
                    key = r[a:a + k] + "\0" + r[a + k + 1:a + 3]
                    fills = idx.get(key)
                    if not fills:
                        continue
                    got = L._fills(key, r[a + k], 50, L.TERM_FREQ)
                    if L._alike_set(r[a + k]).isdisjoint(fills):
                        skipped += 1
                        assert got == ()
                    else:
                        asked += 1
    assert skipped > asked > 0


def test_run_swaps_find_the_same_swaps_with_memos_cold_and_warm():
    """The run memo answers as the computation does (a run asked twice, and again after
    every memo of the language model's candidates was emptied)."""
    _clear()
    runs = ["依法行驶职权", "这项值度的什施", "政务公开是依法行政的毕然要求", "办公式里温度适宜"]
    cold = [L._run_swaps(r, 14.0, 11.5, 50, True) for r in runs]
    assert [L._run_swaps(r, 14.0, 11.5, 50, True) for r in runs] == cold
    _clear()
    assert [L._run_swaps.__wrapped__(r, 14.0, 11.5, 50, True) for r in runs] == cold
    assert any(cold)


def test_a_rare_word_s_repairs_are_keyed_by_the_ratio_and_the_tables(monkeypatch):
    """_confusions_in asks each rare word's repairs once (_variant_repairs, a memo per
    minimum frequency and ratio, kept while the tables are the same objects): a memo
    filled with one ratio never answers for another, and a table made again starts an
    empty memo."""
    T._variant_memo.cache_clear()
    f = D.word_freq()
    assert (f["帐蓬"], f["帐篷"]) == (6, 740)  # 740 >= 20 * 6, < 200 * 6
    assert T._variant_repairs("帐蓬", 6, 50, 20.0) == ((1, "篷", "sound", 740),)
    assert T._variant_repairs("帐蓬", 6, 50, 200.0) == ()
    text = "他们搭起帐蓬"
    for ratio, want in ((200.0, ()), (20.0, ((1, "篷", "sound", 740),)), (200.0, ())):
        T._confusions_in(text, 50, 11.0, 5.0, 20, ratio, 3, True, True, 9.0)
        assert T._variant_memo(50, ratio)["帐蓬"] == want
    assert T._variant_memo(50, 20.0)["搭起"] == ()  # a rare word no repair fits: kept too
    memo = T._variant_memo(50, 20.0)
    tiny = {"帐\0": "篷"}  # a pattern index made again (a test's): a new, empty memo
    monkeypatch.setattr(D, "pattern_index", lambda min_freq: tiny)
    assert T._variant_memo(50, 20.0) == {}
    monkeypatch.undo()
    assert T._variant_memo(50, 20.0) is not memo  # and again for the real one
    monkeypatch.setattr(T, "_VARIANT_MEMO_SIZE", 2)  # bounded: emptied once full
    T._confusions_in(text, 50, 11.0, 5.0, 20, 20.0, 3, True, True, 9.0)
    assert sorted(T._VARIANT_MEMOS[(50, 20.0)][1]) == ["帐蓬", "搭起"]
    assert T._variant_memo(50, 20.0) == {}
    T._variant_memo.cache_clear()
