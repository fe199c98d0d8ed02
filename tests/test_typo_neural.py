"""typo.neural: a spelling corrector the user names (ONNX), off until one is named.

No real corrector's weights can be had here, so every test builds its own tiny model of
the same interface (``input_ids``, ``attention_mask``, ``token_type_ids`` → logits over a
``vocab.txt``): a table of logits a token, ten on the diagonal (the model writes every
character as it is), with a few rows changed so it writes another character instead (在
as 再, sure of it; 天 as 好, which is no sound- or look-alike; 学 as 觉, unsure: about
0.62). The loading, the tokenizer's offsets, the batching, the windows, the thresholds,
the corpus rules and the errors of configuration are the real code's. Columns are 1-based;
the body is on line 3.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from checks import typo_neural as N
from checks.cache import context_key
from checks.config import Config, ConfigError, load as load_config
from checks.config_check import check_requirements
from checks.seed import read_seed
from checks.engine import Corpus, check_corpus, check_seed

from ci_support import import_or_fail

HEAD = "2020-07-26\n\n"
LEAD = "县政府召开专题会议，部署下一阶段重点工作。"  # 21 characters
CHARS = ("县政府召开专题会议，部署下一阶段重点工作。让农民工流血、流汗不在再泪我们要这里学习觉"
         "作做今天气很好的地得种法已经适合当前形势李明说名")


def make_model(folder: Path, rows: dict[tuple[str, str], float] | None = None,
               extra: str = "") -> Path:
    """A model.onnx and vocab.txt in ``folder`` that write each character as it is,
    except where ``rows`` says (written, written as) → logit."""
    onnx = import_or_fail("onnx")
    import_or_fail("tokenizers")
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    folder.mkdir(parents=True, exist_ok=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + list(dict.fromkeys(CHARS + extra))
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    ix = {t: i for i, t in enumerate(vocab)}
    table = np.eye(len(vocab), dtype=np.float32) * 10
    for (a, b), v in (rows if rows is not None else {("在", "再"): 20.0, ("天", "好"): 20.0,
                                                     ("学", "觉"): 10.5}).items():
        table[ix[a], ix[b]] = v
    graph = helper.make_graph(
        [helper.make_node("Gather", ["table", "input_ids"], ["logits"], axis=0)], "toy",
        [helper.make_tensor_value_info(n, TensorProto.INT64, ["b", "t"])
         for n in ("input_ids", "attention_mask", "token_type_ids")],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["b", "t", len(vocab)])],
        [numpy_helper.from_array(table, "table")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, str(folder / "model.onnx"))
    return folder


@pytest.fixture
def model(tmp_path) -> Path:
    return make_model(tmp_path / "model")


def cfg(model: Path, **opts) -> Config:
    return Config(checks={N.NEURAL: {"model": str(model), **opts}})


def run(folder: Path, bodies: list[str], config: Config, only=(N.NEURAL,)):
    seeds = folder / "seeds"
    seeds.mkdir(parents=True, exist_ok=True)
    for i, body in enumerate(bodies):
        (seeds / f"{i:03d}.txt").write_text(HEAD + body + "\n", encoding="utf-8")
    paths = sorted(p.name for p in seeds.glob("*.txt"))
    found = [f for p in paths
             for f in check_seed(read_seed(seeds / p, p), config, only=only.__contains__)]
    found += check_corpus(Corpus(seeds, paths, config), "typo")
    return [f for f in found if f.check in only]


def row(f):
    return (f.check, f.severity, f.path, f.line, f.column, f.end_column, f.excerpt,
            f.fix.replacement, f.fix.safe)


def test_fires_at_the_place_with_the_word_of_the_repaired_text(tmp_path, model):
    found = run(tmp_path, [LEAD + "让农民工流血、流汗不在流泪。", LEAD], cfg(model))
    assert [row(f) for f in found] == [
        (N.NEURAL, "warning", "000.txt", 3, 31, 33, "不在", "不再", False)]
    f = found[0]
    assert "在 sounds like 再" in f.message and "probability 1.00" in f.message
    assert f.evidence["detector"] == "neural" and f.evidence["gain"] >= 0.9999


def test_every_sentence_of_a_file_and_every_file_is_read(tmp_path, model):
    bodies = [LEAD + "我们在这里。" * 3 + LEAD + "\n" + LEAD + "不在流泪。", LEAD + "现在流泪。"]
    got = [(f.path, f.line, f.column, f.excerpt, f.fix.replacement)
           for f in run(tmp_path, bodies, cfg(model, batch=2, term_files=9))]
    # 在这里 three times in one file is that file's usage; line 4 has the other 在
    assert got == [("000.txt", 4, 22, "不在", "不再"), ("001.txt", 3, 22, "现在", "现再")]


def test_silent_without_a_model_and_on_text_the_model_keeps(tmp_path, model):
    body = LEAD + "让农民工流血、流汗不在流泪。"
    assert run(tmp_path / "a", [body], Config()) == []
    assert run(tmp_path / "b", [LEAD + "我们要这里的工作。"], cfg(model)) == []
    assert N.find_neural(body, Config()) == []


def test_a_substitute_that_neither_sounds_nor_looks_alike_needs_alike_only_off(tmp_path,
                                                                                model):
    body = LEAD + "今天很好。"
    assert run(tmp_path / "a", [body], cfg(model)) == []
    found = run(tmp_path / "b", [body], cfg(model, alike_only=False))
    assert [(f.column, f.excerpt, f.fix.replacement) for f in found] == [(22, "今天", "今好")]
    assert "天 is confused with 好" in found[0].message


def test_an_unsure_model_stays_under_min_prob(tmp_path, model):
    body = LEAD + "我们要学习。"
    assert run(tmp_path / "a", [body], cfg(model, alike_only=False)) == []
    found = run(tmp_path / "b", [body], cfg(model, alike_only=False, min_prob=0.5))
    assert [(f.column, f.excerpt, f.fix.replacement) for f in found] == [(25, "学习", "觉习")]
    assert 0.6 < found[0].evidence["gain"] < 0.65


def test_one_typo_one_finding_with_the_rule_based_checks(tmp_path, model):
    body = LEAD + "这种做法已经不在适合当前形势。"
    both = run(tmp_path / "a", [body], cfg(model), only=(N.NEURAL, "typo.real-word"))
    assert [(f.check, f.column, f.fix.replacement) for f in both] == [
        ("typo.real-word", 29, "再")]
    alone = cfg(model)
    alone.ignore = ["typo.real-word"]
    found = run(tmp_path / "b", [body], alone)
    assert [(f.column, f.excerpt, f.fix.replacement) for f in found] == [(28, "不在", "不再")]


def test_a_form_in_three_files_is_a_term_of_the_corpus(tmp_path, model):
    body = LEAD + "不在流泪。"
    assert len(run(tmp_path / "a", [body, body], cfg(model))) == 2
    assert run(tmp_path / "b", [body, body, body], cfg(model)) == []
    assert run(tmp_path / "c", [body, body], cfg(model, allow=["不在"])) == []


def test_a_character_read_inside_a_name_is_left_alone(tmp_path):
    folder = make_model(tmp_path / "m", {("明", "名"): 20.0})
    body = LEAD + "李明说，这里很好。"
    assert run(tmp_path / "a", [body], cfg(folder)) == []
    found = run(tmp_path / "b", [body], cfg(folder, names=False))
    assert [(f.excerpt, f.fix.replacement) for f in found] == [("明说", "名说")]


def test_pieces_are_sentences_at_most_max_len_long():
    text = "  第一句。\n\nabc 123\n" + "县" * 10 + "；末"
    got = N.pieces(text, 4)
    assert all(len(p) <= 4 and text[o:o + len(p)] == p for o, p in got)
    assert [p for _o, p in got] == ["第一句。", "县县县县", "县县县县", "县县；", "末"]


def test_the_relative_path_is_read_from_the_configuration_folder(tmp_path, model):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.seedcheck.checks."typo.neural"]\nmodel = "model"\n', encoding="utf-8")
    c = load_config(tmp_path / "pyproject.toml")
    assert N.settings(c).model == model.resolve()
    check_requirements(c)  # loads


@pytest.mark.parametrize("setup,said", [
    (lambda d: None, "is no folder"),
    (lambda d: d.mkdir(), "holds no model.onnx"),
    (lambda d: (d.mkdir(), (d / "model.onnx").write_bytes(b"x")), "neither tokenizer.json"),
    (lambda d: (d.mkdir(), (d / "model.onnx").write_bytes(b"not a model"),
                (d / "vocab.txt").write_text("[UNK]\n")), "cannot be loaded"),
])
def test_a_model_that_cannot_be_used_is_a_configuration_error(tmp_path, setup, said):
    import_or_fail("tokenizers")
    folder = tmp_path / "weights"
    setup(folder)
    with pytest.raises(ConfigError) as err:
        check_requirements(cfg(folder))
    assert str(err.value).startswith(f'[tool.seedcheck.checks."typo.neural"] model = '
                                      f"'{folder}'")
    assert said in str(err.value)


@pytest.mark.parametrize("opts,said", [({"model": 3}, "expected the path"),
                                        ({"model": "m", "min_prob": 1.5}, "min_prob"),
                                        ({"model": "m", "batch": 0}, "batch")])
def test_bad_options_are_configuration_errors(opts, said):
    with pytest.raises(ConfigError, match=said):
        N.settings(Config(checks={N.NEURAL: opts}))


def test_the_run_stops_with_a_usage_error_naming_the_setting(pytester):
    pytester.makepyprojecttoml('[tool.seedcheck.checks."typo.neural"]\nmodel = "nowhere"\n')
    pytester.mkdir("seeds")
    (pytester.path / "seeds" / "a.txt").write_text(HEAD + LEAD + "\n", encoding="utf-8")
    r = pytester.runpytest("--seeds", "seeds", "-p", "no:cacheprovider")
    assert r.ret == 4
    assert "typo.neural" in r.stderr.str() + r.stdout.str()
    assert "nowhere" in r.stderr.str() + r.stdout.str()
    assert "Traceback" not in r.stderr.str() + r.stdout.str()


def test_new_weights_change_the_cache_key_and_are_loaded(tmp_path):
    folder = make_model(tmp_path / "m")
    c = cfg(folder)
    before = context_key(c)
    assert context_key(cfg(folder)) == before
    body = LEAD + "我们要学习。"
    assert N.find_neural(body, cfg(folder, alike_only=False)) == []
    make_model(folder, {("学", "觉"): 20.0}, extra="新")  # other weights, same folder
    assert context_key(c) != before
    assert context_key(Config()) != before
    # the process that loaded the old weights reads the new ones
    assert [x.right for x in N.find_neural(body, cfg(folder, alike_only=False))] == ["觉习"]
