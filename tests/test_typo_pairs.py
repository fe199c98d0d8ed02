"""The kernel's table of character pairs (checks._typokernel.PairFlags) and the two scans
that read it: the twin words' contexts of typo.context-word (typo_detect.twin_contexts,
against its pure-Python loop _twin_contexts_py) and the flag byte a pair of the compound
scan of typo.language-model (typo_lm._pair_scanner, against numpy's _pair_flag_bytes).
Exact offsets and records on hand-written texts, the same results on generated ones, and
the same findings with the kernel switched off.

Every text here is written for these tests or generated from the project's own tables.
Where the kernel is not built the comparisons skip, except under CI=true, where the
install must have built it.
"""

from __future__ import annotations

import random

import pytest

from checks import typo_data as D
from checks import typo_detect as T
from checks import typo_lm as L
from kernel_support import require

P = T.TWIN_PAD


def need(obj):
    return require(obj, "PairFlags")


def twins_both(text: str):
    need(T.twin_scanner())
    got = T.twin_contexts(text)
    assert got == T._twin_contexts_py(text)
    return got


def test_pair_flags_reads_every_pair_of_neighbours():
    mod = need(D.kernel_module())
    pf = need(getattr(mod, "PairFlags", None))({"权利": 1, "ab": 7, "𠀀甲": 255, "zz": 0})
    assert pf.flags("x权利ab") == bytes([0, 1, 0, 7])
    assert pf.flags("𠀀甲𠀀") == bytes([255, 0])
    assert pf.flags("zz") == b"\x00"  # a flag 0 reads as no entry
    assert pf.flags("") == b"" and pf.flags("权") == b""


def test_pair_flags_refuses_what_it_cannot_hold():
    mod = need(D.kernel_module())
    PairFlags = need(getattr(mod, "PairFlags", None))
    with pytest.raises(ValueError):
        PairFlags({"权利人": 1})
    with pytest.raises(ValueError):
        PairFlags({"权利": 256})
    with pytest.raises(TypeError):
        PairFlags({"权利": 1}).flags(b"ab")


def test_twin_contexts_of_a_sentence():
    # 权利 twice: once before a comma (its right context is padded), once after it
    offsets, recs = twins_both("依法保障公民的权利，权利受到保护。")
    assert offsets == [2, 7, 10, 12]
    assert [recs[k:k + 6] for k in range(0, len(recs), 6)] == [
        "依法保障公民", "民的权利" + P * 2, P * 2 + "权利受到", "权利受到保护"]


def test_twin_contexts_at_the_edges_of_runs():
    assert twins_both("权利") == ([0], P * 2 + "权利" + P * 2)
    assert twins_both("A权利B") == ([1], P * 2 + "权利" + P * 2)
    assert twins_both("甲权利") == ([1], P + "甲权利" + P * 2)
    assert twins_both("，权力") == ([1], P * 2 + "权力" + P * 2)
    # one Han character between two pads: no character of the next run leaks in
    assert twins_both("乙，甲权利，丙") == ([3], P + "甲权利" + P * 2)
    assert twins_both("权利乙，丙") == ([0], P * 2 + "权利乙" + P)
    # a character outside the Basic Multilingual Plane is one character of the run
    assert twins_both("𠀀权利乙丙") == ([1], P + "𠀀权利乙丙")
    assert twins_both("") == ([], "") and twins_both("权") == ([], "")
    assert twins_both("no Han here, 1998") == ([], "")


def _twin_texts(n: int, seed: int) -> list[str]:
    """Texts of twin words, other Han characters, punctuation, digits, Latin letters and
    line ends, in runs of every length."""
    rnd = random.Random(seed)
    twins = sorted(D.twins())
    other = "的了和在是我们国家，。、“”：1 a\n𠀀"
    return ["".join(rnd.choice(twins) if rnd.random() < 0.4 else rnd.choice(other)
                    for _ in range(rnd.randint(0, 14))) for _ in range(n)]


def test_generated_texts_give_the_same_twin_contexts():
    hits = 0
    for text in _twin_texts(3000, 5):
        hits += len(twins_both(text)[0])
    assert hits > 5000


def test_the_compound_pair_flags_equal_numpy():
    pf = need(L._pair_scanner())
    flags = L._pair_flag_dict()
    _nw, _h, _t, keys, vals = L._pair_flags()
    rnd = random.Random(9)
    pairs = sorted(flags)
    texts = ["\n" + "".join(rnd.choice(pairs) if rnd.random() < 0.5 else rnd.choice("，a1\n𠀀的")
                            for _ in range(rnd.randint(0, 12))) + "\n" for _ in range(2000)]
    nonzero = 0
    for text in texts:
        got = pf.flags(text)
        assert got == L._pair_flag_bytes(text, keys, vals), text
        nonzero += len(got) - got.count(0)
    assert nonzero > 3000
    # 法律: a word (1), the first two (2) and the last two (4) of compound terms;
    # 制裁: a word and a term's last two
    assert pf.flags("\n法律制裁\n") == bytes([0, 1 | 2 | 4, 0, 1 | 4, 0])


def test_the_same_findings_without_the_kernel(monkeypatch):
    need(T.twin_scanner())
    need(L._pair_scanner())
    texts = ["依法保障公民的权利，权力受到制约。", "他违反了法津制裁的规定，减政放权。",
             "政治权力和公民权利", "国家权利机关依法行使职权。"]
    texts += _twin_texts(200, 11)
    with_kernel = ([T.twin_contexts(t) for t in texts],
                   [L.find_compound_confusions(t) for t in texts])
    monkeypatch.setenv(D.KERNEL_OFF, "1")
    T.twin_scanner.cache_clear()
    L._run_compounds.cache_clear()
    try:
        assert T.twin_scanner() is None and L._pair_scanner() is None
        assert ([T.twin_contexts(t) for t in texts],
                [L.find_compound_confusions(t) for t in texts]) == with_kernel
    finally:
        monkeypatch.delenv(D.KERNEL_OFF)
        T.twin_scanner.cache_clear()
        L._run_compounds.cache_clear()
    assert any(with_kernel[1])  # 法津制裁 and 减政放权 are found


def test_twin_contexts_at_the_edges_of_the_han_ranges():
    # U+4DBF is Han and U+4DC0 (a hexagram) is not; U+3134F is the last Han code point;
    # the pad character itself in the text reads as a pad
    assert twins_both("\u4dbf权利") == ([1], P + "\u4dbf权利" + P * 2)
    assert twins_both("\u4dc0权利\U0003134f") == ([1], P * 2 + "权利\U0003134f" + P)
    assert twins_both("\U00031350权利\uf900") == ([1], P * 2 + "权利\uf900" + P)
    assert twins_both("甲" + P + "权利") == ([2], P * 2 + "权利" + P * 2)
    # the offsets are plain ints (not numpy's), as the Python loop gives
    offsets, _recs = twins_both("依法保障公民的权利，权利受到保护。")
    assert all(type(i) is int for i in offsets)
