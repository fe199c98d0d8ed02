"""The raw sample seed, as received, end to end: every finding of every category, exactly;
and its cleaned form in seeds/: nothing above info. One place that shows what the gate
says about the seed that started the project."""

from __future__ import annotations

from checks.config import Config
from checks.engine import Corpus, check_corpus, check_seed
from checks.seed import read_seed, seed_from_text
from conftest import CLEAN_SAMPLE, RAW_SAMPLE

EXPECTED = [  # (line, column, end_line, end_column, severity, check, fix)
    (5, 1, 6, 15, "warning", "chrome.byline", ""),
    (7, 1, 7, 9, "error", "chrome.widget", ""),
    (8, 21, 8, 31, "info", "figure.notation-drift", None),
    (34, 19, 34, 21, "error", "typo.known-misspelling", "采取"),
    (42, 194, 42, 197, "error", "typo.bullet-in-word", "七·一"),
    (42, 244, 42, 246, "error", "typo.known-misspelling", "实绩"),
    (46, 1, 46, 14, "warning", "chrome.byline", ""),
    (47, 1, 47, 16, "error", "chrome.share", ""),
    (49, 1, 92, 16, "error", "duplicate.repeated-body", ""),
    (51, 1, 52, 15, "warning", "chrome.byline", ""),
    (79, 19, 79, 21, "error", "typo.known-misspelling", "采取"),
    (87, 194, 87, 197, "error", "typo.bullet-in-word", "七·一"),
    (87, 244, 87, 246, "error", "typo.known-misspelling", "实绩"),
    (91, 1, 91, 14, "warning", "chrome.byline", ""),
    (92, 1, 92, 16, "error", "chrome.share", ""),
    (93, 1, 94, 20, "error", "chrome.footer", ""),
    (95, 1, 99, 12, "error", "chrome.share", ""),
]


def test_raw_sample_seed_gets_exactly_these_findings():
    seed = read_seed(RAW_SAMPLE, RAW_SAMPLE.name)
    got = [(f.line, f.column, f.end_line, f.end_column, f.severity, f.check,
            f.fix.replacement if f.fix else None) for f in check_seed(seed, Config())]
    assert got == EXPECTED


def test_every_fix_on_the_raw_sample_is_safe():
    seed = read_seed(RAW_SAMPLE, RAW_SAMPLE.name)
    assert all(f.fix.safe for f in check_seed(seed, Config()) if f.fix)


def test_repeated_body_points_at_the_first_copy():
    seed = read_seed(RAW_SAMPLE, RAW_SAMPLE.name)
    dup = [f for f in check_seed(seed, Config()) if f.category == "duplicate"]
    assert [(r.line, r.end_line) for r in dup[0].related] == [(3, 47)]


def test_cleaned_sample_seed_has_nothing_above_info():
    seed = read_seed(CLEAN_SAMPLE, CLEAN_SAMPLE.name)
    assert [f.check for f in check_seed(seed, Config()) if f.severity != "info"] == []


def test_raw_and_cleaned_side_by_side_is_one_containment():
    """The corpus checks see the raw seed and its cleaned form: the cleaned body is
    contained in the raw one, and nothing else fires (the raw seed's typos are not
    'corpus rare forms' against the cleaned text, the figures agree)."""
    raw = RAW_SAMPLE.read_text(encoding="utf-8")
    clean = CLEAN_SAMPLE.read_text(encoding="utf-8")
    seeds = {"a_raw.txt": seed_from_text(raw, "a_raw.txt"),
             "b_clean.txt": seed_from_text(clean, "b_clean.txt")}
    corpus = Corpus(RAW_SAMPLE.parent, sorted(seeds), Config(), loader=seeds.__getitem__)
    got = [(f.path, f.line, f.end_line, f.check) for f in check_corpus(corpus)]
    assert got == [("b_clean.txt", 3, 41, "duplicate.contained-file")]
