"""What ``typo.neural`` costs a seed with a model of a given size (not a test).

No corrector's weights can be had on this machine, but speed does not depend on the
weights: ``make`` builds a BERT masked-language model of the given size with random
weights and a vocabulary of bert-base-chinese's size (21,128 tokens: the Han characters
of the project's readings table, then fillers) and exports it to ONNX; ``run`` times
:func:`checks.typo_neural.find_neural` on seeds of a corpus (one thread, as in the
checks' worker processes). ``make`` needs torch and transformers, which are no
dependency of the project (a scratch venv: ``pip install torch "transformers<5" onnx``)::

    SCRATCH/bin/python bench/neural_speed.py make OUT --layers 12 --hidden 768   # BERT-base
    SCRATCH/bin/python bench/neural_speed.py make OUT --layers 4 --hidden 312    # 4 small layers
    python bench/neural_speed.py run OUT --corpus GEN --seeds 20
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

VOCAB = 21128


def make(out: Path, layers: int, hidden: int) -> None:
    import torch
    from transformers import BertConfig, BertForMaskedLM

    out.mkdir(parents=True, exist_ok=True)
    chars = [line.split("\t", 1)[0] for line in
             (ROOT / "checks" / "data" / "typo_readings.tsv").read_text(encoding="utf-8")
             .splitlines()]
    vocab = (["[PAD]"] + [f"[unused{i}]" for i in range(99)] + ["[UNK]", "[CLS]", "[SEP]",
                                                                 "[MASK]"]
             + list(dict.fromkeys(c for c in chars if len(c) == 1)))[:VOCAB]
    vocab += [f"##x{i}" for i in range(VOCAB - len(vocab))]
    (out / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    cfg = BertConfig(vocab_size=VOCAB, num_hidden_layers=layers, hidden_size=hidden,
                     num_attention_heads=12, intermediate_size=4 * hidden)
    torch.manual_seed(0)
    model = BertForMaskedLM(cfg).eval()
    ids = torch.ones((2, 16), dtype=torch.long)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    torch.onnx.export(model, (ids, torch.ones_like(ids), torch.zeros_like(ids)),
                      str(out / "model.onnx"), input_names=names, output_names=["logits"],
                      dynamic_axes={n: {0: "b", 1: "t"} for n in names + ["logits"]},
                      opset_version=14, dynamo=False)


def run(model: Path, corpus: Path, n: int) -> None:
    from checks import typo_neural as N
    from checks.config import Config
    from checks.seed import read_seed

    cfg = Config(checks={N.NEURAL: {"model": str(model)}})
    names = sorted(p.name for p in corpus.glob("*.txt"))
    names = names[::max(1, len(names) // (n + 1))][:n + 1]
    seeds = [read_seed(corpus / x, x) for x in names]
    t = time.perf_counter()
    N.find_neural(seeds[0].text, cfg)
    print(f"load and the first seed: {time.perf_counter() - t:.2f} s")
    rest = seeds[1:]
    chars = sum(len(s.text or "") for s in rest) / len(rest)
    pieces = sum(len(N.pieces(s.text or "", N.MAX_LEN)) for s in rest) / len(rest)
    t, c = time.perf_counter(), time.process_time()
    for s in rest:
        N.find_neural(s.text or "", cfg)
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    print(f"{len(rest)} seeds of {chars:.0f} characters ({pieces:.1f} sentences): "
          f"{wall / len(rest) * 1000:.0f} ms wall, {cpu / len(rest) * 1000:.0f} ms CPU a seed; "
          f"{pieces * len(rest) / wall:.1f} sentences a second")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make")
    m.add_argument("out", type=Path)
    m.add_argument("--layers", type=int, default=12)
    m.add_argument("--hidden", type=int, default=768)
    r = sub.add_parser("run")
    r.add_argument("model", type=Path)
    r.add_argument("--corpus", type=Path, required=True)
    r.add_argument("--seeds", type=int, default=20)
    args = ap.parse_args()
    if args.cmd == "make":
        make(args.out, args.layers, args.hidden)
    else:
        run(args.model, args.corpus, args.seeds)


if __name__ == "__main__":
    main()
