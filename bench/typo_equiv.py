"""Every finding of the typo detectors on a fixed set of texts, as lines to compare
between two versions of the code (not a test; the speed work of issue 12 must not change
a finding).

    PYTHONPATH=OLD python bench/typo_equiv.py --corpus ../shared/corpus --gen DIR > old.txt
    PYTHONPATH=NEW python bench/typo_equiv.py --corpus ../shared/corpus --gen DIR > new.txt
    cmp old.txt new.txt

Texts: the documents of ``CORPUS/xwlb/``, every source sentence of the four
``CORPUS/csc/*.tsv`` sets (one text each, as ``bench_typo.py`` reads them) and the seeds
of ``--gen`` (a folder ``bench/gen_corpus.py --size 200 --out DIR`` wrote). For each
text: every confusion of ``typo_detect.find_confusions`` and of
``typo_lm.find_lm_confusions`` (with the other's findings as ``repaired``, as the typo
index calls it), with all their fields; the typo index's feature of the seed; and every
finding of the typo file checks (check, place, message, fix). Then the typo corpus
findings of ``xwlb/`` and of the generated folder, each read as one corpus. Each line is
a source, a name and the repr of one result; the last lines count the texts and the
results and give one SHA-1 over all lines. The texts are read in a fixed order in one
process, so the memos (clauses, runs, windows) are filled and hit as in a real run;
``--twice`` reads every text a second time (answers from the warm memos must be the
same lines).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from checks import registry  # noqa: E402
from checks import typo_detect as T  # noqa: E402
from checks import typo_lm as L  # noqa: E402
from checks.cache import index_features  # noqa: E402
from checks.config import Config  # noqa: E402
from checks.engine import Corpus, check_corpus, check_seed  # noqa: E402
from checks.seed import read_seed  # noqa: E402


def typo_only(check_id: str) -> bool:
    return check_id.startswith("typo.")


def finding_line(f) -> str:
    fix = None if f.fix is None else repr(f.fix)
    return repr((f.check, f.severity, f.path, f.line, f.column, f.end_line, f.end_column,
                 f.excerpt, f.message, fix, [repr(r) for r in f.related], f.fingerprint))


def texts(corpus: Path, gen: Path | None):
    for p in sorted((corpus / "xwlb").glob("*.txt")):
        yield "xwlb", p.name, p
    for name in ("ecspell_law.tsv", "ecspell_med.tsv", "cscdns_news.tsv", "rmrb_clean.tsv"):
        with open(corpus / "csc" / name, encoding="utf-8") as f:
            rows = [r for r in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)][1:]
        for n, row in enumerate(r for r in rows if len(r) >= 2):
            yield name, f"{n:04d}", "2020-01-01\n\n" + row[0]
    if gen is not None:
        for p in sorted(gen.glob("*.txt")):
            yield "gen", p.name, p


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    ap.add_argument("--gen", type=Path, default=None,
                    help="a folder of generated seeds (bench/gen_corpus.py --size 200)")
    ap.add_argument("--twice", action="store_true", help="read every text a second time")
    ap.add_argument("--no-corpus", action="store_true", help="skip the corpus findings")
    args = ap.parse_args(argv)
    registry.load_builtin()
    cfg = Config()
    h = hashlib.sha1()
    n_texts = n_lines = 0

    def emit(line: str) -> None:
        nonlocal n_lines
        n_lines += 1
        h.update(line.encode("utf-8", "surrogateescape") + b"\n")
        sys.stdout.write(line + "\n")

    with tempfile.TemporaryDirectory() as tmp:
        for rnd in range(2 if args.twice else 1):
            for src, name, what in texts(args.corpus, args.gen):
                if isinstance(what, Path):
                    seed = read_seed(what, name)
                else:
                    p = Path(tmp) / "s.txt"
                    p.write_text(what, encoding="utf-8")
                    seed = read_seed(p, name)
                text = seed.text or ""
                n_texts += 1
                tag = f"{src}\t{name}"
                conf = T.find_confusions(text)
                for c in conf:
                    emit(f"{tag}\tconf\t{c!r}")
                for c in L.find_lm_confusions(text, repaired=[(c.start, c.end, c.right)
                                                               for c in conf]):
                    emit(f"{tag}\tlm\t{c!r}")
                feat = index_features(seed, cfg, ["typo"])["typo"]
                if feat is not None:
                    tw = feat["twins"]
                    tw = None if tw is None else (list(tw[0]), tw[1])
                    emit(f"{tag}\tfeat\t{feat['rare']!r}\t{feat['conf']!r}\t{tw!r}")
                for f in sorted(check_seed(seed, cfg, only=typo_only),
                                key=lambda f: f.sort_key()):
                    emit(f"{tag}\tfile\t{finding_line(f)}")
        if not args.no_corpus:
            folders = [("xwlb", args.corpus / "xwlb")]
            if args.gen is not None:
                folders.append(("gen", args.gen))
            for src, folder in folders:
                names = sorted(p.name for p in folder.glob("*.txt"))
                corpus = Corpus(folder, names, cfg)
                for f in sorted(check_corpus(corpus, "typo"), key=lambda f: f.sort_key()):
                    emit(f"{src}\tcorpus\t{finding_line(f)}")
    print(f"# texts read {n_texts}, result lines {n_lines}")
    print(f"# sha1 {h.hexdigest()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
