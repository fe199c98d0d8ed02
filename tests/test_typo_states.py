"""The compiled kernel's objects kept in the typo tables file (typo_data.kept_kernel): a
Lexicon and a Searcher restored from their state (``state()``, ``restore()``) answer as
the objects built from the Python tables do, and PairFlags made from the sorted pair
arrays as the one made from the dict; a state that does not fit raises ValueError (and
the object is built instead); a process with a tables file restores the objects instead
of building them. Texts are generated from jieba's dictionary (tests/test_typo_kernel.py).
"""

from __future__ import annotations

import random

import pytest

from checks import typo_data as D
from checks import typo_detect as T
from checks import typo_lm as L
from kernel_support import require
from test_typo_kernel import clauses, slipped_texts


def mod():
    return require(D.kernel_module(), "the kernel")


def built_lexicon(cover_min=3, variant_max=20):
    m = mod()
    require(getattr(m.Lexicon, "restore", None), "Lexicon.restore")
    return m.Lexicon(D.lexicon(cover_min), cover_min, variant_max, D.word_freq(),
                     D.word_tags(), D.idiom_index(), D.table(), D.phrase_starts(),
                     D.HAN_RANGES)


def built_searcher(min_freq=50):
    m = mod()
    require(getattr(m.Searcher, "restore", None), "Searcher.restore")
    return m.Searcher(D.word_freq(), L._index(min_freq, L.TERM_FREQ), L._alikes,
                      L.radical_added, L._unknown, L.NUMERALS, min_freq, L.TERM_LISTED,
                      L.TRIED)


def restore_searcher(state, min_freq=50):
    return mod().Searcher.restore(state, L._alikes, L.radical_added, L._unknown, L.NUMERALS,
                                  min_freq, L.TERM_LISTED, L.TRIED)


def test_a_restored_lexicon_gives_the_built_ones_windows():
    lex = built_lexicon()
    state = lex.state()
    back = mod().Lexicon.restore(state)
    again = mod().Lexicon.restore(back.state())
    texts = slipped_texts(150, 5) + ["我们在图书馆看书", "通货膨涨，再接再励", "", "a", "𠀀汉字"]
    for text in texts:
        for variants in (True, False):
            want = lex.windows(text, variants)
            assert back.windows(text, variants) == want, text
            assert again.windows(text, variants) == want
    # (a test that can fail: the windows are not all empty)
    assert any(lex.windows(t, True)[5] for t in texts)


def test_a_restored_searcher_gives_the_built_ones_candidates():
    s = built_searcher()
    back = restore_searcher(s.state())
    rnd = random.Random(3)
    seen = 0
    for r in clauses(300, 21):
        for sus in (bytearray(b"\x01" * len(r)), bytearray(rnd.random() < 0.5 for _ in r)):
            want = s.candidates(r, sus)
            assert back.candidates(r, sus) == want, r
            seen += len(want)
        for i in range(len(r) - 1):
            assert back.word_freq(r[i:i + 2]) == s.word_freq(r[i:i + 2])
            assert back.word_freq(r[i:i + 3]) == s.word_freq(r[i:i + 3])
    assert seen > 100


def test_pair_flags_from_the_sorted_arrays_equal_those_from_the_dict():
    m = mod()
    require(getattr(m.PairFlags, "from_arrays", None), "PairFlags.from_arrays")
    _nw, _h, _t, keys, vals = L._pair_flags()
    a = m.PairFlags.from_arrays(keys.tobytes(), vals.tobytes())
    b = m.PairFlags(L._pair_flag_dict())
    rnd = random.Random(4)
    pairs = sorted(L._pair_flag_dict())
    for _ in range(1000):
        text = "".join(rnd.choice(pairs) if rnd.random() < 0.6 else rnd.choice("，a\n𠀀的")
                       for _ in range(rnd.randint(0, 10)))
        assert a.flags(text) == b.flags(text)
    with pytest.raises(ValueError):
        m.PairFlags.from_arrays(keys.tobytes()[:-1], vals.tobytes())


def test_a_state_that_does_not_fit_raises():
    m = mod()
    lex = built_lexicon()
    st = list(lex.state())
    s = built_searcher()
    sst = list(s.state())

    def bad_lexicon(**change):
        x = list(st)
        for i, v in change.items():
            x[int(i[1:])] = v
        with pytest.raises((ValueError, TypeError)):
            m.Lexicon.restore(tuple(x))

    bad_lexicon(i0=99)  # another version
    bad_lexicon(i1=7)  # another slot size
    bad_lexicon(i5=st[5][:-1])  # the words cut short
    bad_lexicon(i5=b"\xff" * len(st[5]))  # no empty slot: a look-up would never end
    bad_lexicon(i6=st[6][:-1])  # the rare bytes are not one a slot
    bad_lexicon(i7=(st[7][0][:8],) + st[7][1:])  # the pairs' keys and values differ
    bad_lexicon(i9=st[9][:len(st[9]) // 2])  # the idiom index's fills cut short
    bad_lexicon(i9=[1] * len(st[9]))  # fills that are no str
    bad_lexicon(i10=st[10][:100])  # the character table cut short
    with pytest.raises(TypeError):
        m.Lexicon.restore(st)  # (a list)

    def bad_searcher(i, v):
        x = list(sst)
        x[i] = v
        with pytest.raises((ValueError, TypeError)):
            restore_searcher(tuple(x))

    bad_searcher(0, 2)
    bad_searcher(1, (sst[1][0], sst[1][1][:-8]))
    bad_searcher(2, (b"\0" * 8 * 16, b"\0" * 8 * 16 + b"x"))
    bad_searcher(3, sst[3][:len(sst[3]) // 2])  # fills cut short: patterns beyond them
    bad_searcher(3, sst[3] + b"x")


@pytest.fixture
def tables(monkeypatch, tmp_path):
    """typo_data as in a new process whose tables are kept in ``tmp_path``; the kernel
    objects made afresh."""
    monkeypatch.setattr(D, "TABLES_DIR", tmp_path)

    def new_process():
        monkeypatch.setattr(D, "_KEPT", None)
        monkeypatch.setattr(D, "_RAW", {})
        monkeypatch.setattr(D, "_FILE", None)
        monkeypatch.setattr(D, "_BUILT", {})
        D.kernel_object.cache_clear()

    new_process()
    yield new_process
    D.kernel_object.cache_clear()


def test_a_process_with_a_tables_file_restores_the_kernel_objects(tables, monkeypatch):
    m = mod()
    require(getattr(m.Lexicon, "restore", None), "Lexicon.restore")
    lex, srch = T.lexicon_scanner(3, 20), L.searcher(50)
    names = {"kernel:lexicon:3:20", "kernel:searcher:50:3"}
    assert names <= set(D._BUILT)
    assert D.save_tables()
    texts = slipped_texts(40, 8)
    want = [lex.windows(t, True) for t in texts], [srch.candidates(t, b"\x01" * len(t))
                                                    for t in texts]
    # a new process: the objects are restored, not built
    tables()

    def no(*a, **k):
        raise AssertionError("built from the Python tables")

    with monkeypatch.context() as mp:
        mp.setattr(m, "Lexicon", type("L", (), {"windows": 1, "restore": m.Lexicon.restore,
                                                "__init__": no}))
        mp.setattr(m, "Searcher", type("S", (), {"restore": m.Searcher.restore,
                                                 "__init__": no}))
        mp.setattr(D, "lexicon", no)
        mp.setattr(L, "_index", no)
        lex2, srch2 = T.lexicon_scanner(3, 20), L.searcher(50)
    assert lex2 is not lex and srch2 is not srch
    assert ([lex2.windows(t, True) for t in texts],
            [srch2.candidates(t, b"\x01" * len(t)) for t in texts]) == want
    assert not D._BUILT
    assert T.lexicon_scanner(3, 20) is lex2  # (kept while the state is the same object)
    # a state that does not fit: the object is built (and its state written again)
    path = next(iter(D.TABLES_DIR.glob("typo-tables-*.bin")))
    blobs = {n: bytes(b) for n, b in D._parse_tables(path.read_bytes()).items()}
    import pickle

    st = list(pickle.loads(blobs["kernel:lexicon:3:20"]))
    st[0] = 99
    blobs["kernel:lexicon:3:20"] = pickle.dumps(tuple(st))
    path.write_bytes(D._tables_bytes(blobs))
    tables()
    lex3 = T.lexicon_scanner(3, 20)
    assert [lex3.windows(t, True) for t in texts] == want[0]
    assert set(D._BUILT) == {"kernel:lexicon:3:20"}
    assert D._BUILT["kernel:lexicon:3:20"][0] == 1  # (the state's version)
