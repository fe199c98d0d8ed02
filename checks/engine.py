"""Running checks: hits from checks become findings here, and nowhere else.

Everything in this module is independent of pytest, so the fixer, the benchmark and a
distributed runner (map ``check_seed``/index extraction over shards, reduce with
``check_corpus``) use the same code as the plugin.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from . import registry
from .config import Config, ConfigError
from .model import EXCERPT_MAX, Finding, Hit
from .seed import Seed, read_seed


@dataclass
class CheckContext:
    config: Config
    check_id: str = ""

    def opt(self, key: str, default: Any) -> Any:
        return self.config.opt(self.check_id, key, default)

    def for_check(self, check_id: str) -> "CheckContext":
        return CheckContext(self.config, check_id)


def fingerprint(check: str, path: str, key: str, occurrence: int) -> str:
    digest = hashlib.sha1(f"{check}\0{path}\0{key}\0{occurrence}".encode()).hexdigest()[:8]
    return f"{check}:{path}:{digest}"


_WORD = re.compile(r"\S+")


def _folded(text: str, start: int, end: int) -> str:
    """``" ".join(text[start:end].split())[:EXCERPT_MAX]`` without copying a long span."""
    out: list[str] = []
    n = 0
    for m in _WORD.finditer(text, start, end):
        out.append(m.group())
        n += len(out[-1]) + 1
        if n > EXCERPT_MAX:
            break
    return " ".join(out)[:EXCERPT_MAX]


def finalize(spec: registry.CheckSpec, seed: Seed, hits: Iterable[Hit], config: Config,
             seen: dict | None = None, keys_out: list[str] | None = None) -> list[Finding]:
    """Turn one check's hits on one seed into findings (line/column, excerpt,
    severity, fingerprint). ``seed`` may be a view (:meth:`Seed.checkable`): offsets
    in the finding (and its fix) are then turned back into offsets in the file."""
    text = seed.text or ""
    real = seed.real_offset
    out: list[Finding] = []
    seen = {} if seen is None else seen
    for hit in sorted(hits, key=lambda h: (h.start, h.end, h.message)):
        start = max(0, min(hit.start, len(text)))
        end = max(start, min(hit.end, len(text)))
        loc = seed.location(start, end)
        excerpt = text[start:min(end, start + EXCERPT_MAX)]
        key = hit.key if hit.key is not None else _folded(text, start, end)
        n = seen.get((spec.id, key), 0)
        seen[(spec.id, key)] = n + 1
        if keys_out is not None:
            keys_out.append(key)
        out.append(Finding(
            check=spec.id,
            category=spec.category,
            severity=config.severity_of(spec.id, hit.severity or spec.severity),
            path=seed.rel,
            line=loc.line, column=loc.column, end_line=loc.end_line, end_column=loc.end_column,
            excerpt=excerpt,
            message=hit.message,
            fix=_real_fix(seed, hit.fix),
            related=list(hit.related),
            fingerprint=fingerprint(spec.id, seed.rel, key, n),
            start=real(start), end=real(end),
            evidence=hit.evidence,
        ))
    return out


def _real_fix(seed: Seed, fix):
    if fix is None or seed.view_of is None or (fix.start is None and fix.end is None):
        return fix
    from dataclasses import replace

    return replace(fix, start=None if fix.start is None else seed.real_offset(fix.start),
                   end=None if fix.end is None else seed.real_offset(fix.end))


def long_line_findings(seed: Seed, skipped: list, config: Config) -> list[Finding]:
    """``format.long-line`` findings for the lines :meth:`Seed.checkable` left out."""
    check_id = "format.long-line"
    if not skipped or not config.enabled(check_id, seed.rel):
        return []
    text = seed.text or ""
    hits = [Hit(ln.start, ln.end,
                f"line {ln.number} is {ln.end - ln.start:,} characters long, over the limit "
                f"of {config.max_line_chars:,} (setting max_line_chars); the text checks "
                "skipped this line",
                key=f"{ln.end - ln.start}:{_folded(text, ln.start, ln.end)}",
                evidence={"chars": ln.end - ln.start, "limit": config.max_line_chars})
            for ln in skipped]
    return finalize(registry.get_check(check_id), seed, hits, config)


def format_findings(seed: Seed, config: Config) -> list[Finding]:
    """Findings for problems found while reading/decoding (see ``checks.seed.decode``)."""
    out: list[Finding] = []
    for check_id, message, evidence in seed.problems:
        if not config.enabled(check_id, seed.rel):
            continue
        spec = registry.get_check(check_id)
        out += finalize(spec, seed, [Hit(0, 0, message, evidence=evidence or None)], config)
    return out


def check_seed(seed: Seed, config: Config, only: Callable[[str], bool] | None = None
               ) -> list[Finding]:
    """All file checks on one seed (format problems first). A bad seed never raises:
    what cannot be decoded is a ``format`` finding and the text checks are skipped."""
    findings = format_findings(seed, config)
    if not seed.readable:
        return sorted(findings, key=Finding.sort_key)
    # Over-long lines are left out of what the checks see (offsets stay right).
    seed, skipped = seed.checkable(config.max_line_chars)
    findings += long_line_findings(seed.view_of or seed, skipped, config)
    for spec in registry.all_checks():
        if spec.scope != "file" or not config.enabled(spec.id, seed.rel):
            continue
        if only is not None and not only(spec.id):
            continue
        ctx = CheckContext(config, spec.id)
        try:
            hits = list(spec.func(seed, ctx))
        except ConfigError:
            raise  # a bad setting is a usage error, not a crash
        except Exception as exc:  # a bug in a check must not hide the other checks
            findings += crash_finding(spec.id, seed, exc, config)
            continue
        findings += finalize(spec, seed, hits, config)
    return sorted(findings, key=Finding.sort_key)


def crash_finding(check_id: str, seed: Seed, exc: BaseException, config: Config
                  ) -> list[Finding]:
    """A check that raised on this seed: one ``format.check-crashed`` finding (the seed
    is not passed unchecked, the run goes on, no traceback)."""
    spec = registry.get_check("format.check-crashed")
    detail = f"{exc.__class__.__name__}: {str(exc)[:200]}"
    message = (f"the check {check_id} crashed on this seed ({detail}); the other checks "
               "ran. This is a seedcheck bug: please report it with this seed")
    return finalize(spec, seed, [Hit(0, 0, message, key=check_id,
                                     evidence={"check": check_id, "error": detail})], config)


# -- corpus ------------------------------------------------------------------------------

@dataclass
class Corpus:
    """What a corpus check sees: the seeds (sorted by path), their features per index,
    and lazy access to a seed's text for verification and positions."""

    root: Path
    paths: list[str]
    config: Config
    loader: Callable[[str], Seed] | None = None
    feature_source: Callable[[str, str], Any] | None = None
    # a part of a larger corpus (incremental runs, partitioned reduces): ``focus`` the
    # paths whose findings are wanted (a check may skip pairs that touch none of them),
    # ``totals[index]`` what the index's checks must know about the whole corpus
    # (``incremental.Totals``); None / {} for a whole corpus
    focus: set[str] | None = None
    totals: dict[str, Any] = field(default_factory=dict)
    # what a check computed over the whole corpus that a maintained reduce can reuse
    # (``registry.IndexSpec.reduce``: the typo form counts of a full run)
    memo: dict[str, Any] = field(default_factory=dict)
    _features: dict[str, list[tuple[str, Any]]] = field(default_factory=dict)
    _seeds: dict[str, Seed] = field(default_factory=dict)

    def seed(self, rel: str) -> Seed:
        s = self._seeds.get(rel)
        if s is None:
            if self.loader is not None:
                s = self.loader(rel)
            else:
                s = read_seed(self.root / rel, rel, self.config.max_file_bytes)
            s = s.checkable(self.config.max_line_chars)[0]  # what the file checks see
            if len(self._seeds) > 256:  # bounded memory on large corpora
                self._seeds.pop(next(iter(self._seeds)))
            self._seeds[rel] = s
        return s

    def features(self, index: str) -> list[tuple[str, Any]]:
        """[(path, feature)] for every readable seed, in path order."""
        if index not in self._features:
            spec = registry.get_index(index)
            ctx = CheckContext(self.config, f"index:{index}")
            feats: list[tuple[str, Any]] = []
            for rel in self.paths:
                if self.feature_source is not None:
                    value = self.feature_source(index, rel)
                else:
                    seed = self.seed(rel)
                    value = spec.func(seed, ctx) if seed.readable else None
                if value is not None:
                    feats.append((rel, value))
            self._features[index] = feats
        return self._features[index]


def check_corpus(corpus: Corpus, category: str | None = None) -> list[Finding]:
    """Run the corpus checks (of one category, or all) over ``corpus``."""
    try:
        keyed = check_corpus_keyed(corpus, category)
    except CheckCrashed as exc:
        raise CheckCrashed(exc.lines, number_corpus_findings(exc.findings)) from None
    return number_corpus_findings(keyed)


def number_corpus_findings(keyed: dict[str, list[tuple[Finding, str]]]) -> list[Finding]:
    """Corpus findings with their fingerprints: the occurrence number of a (check, key)
    counts over the paths in sorted order (as one pass over the corpus numbers them), so
    findings computed per path (an incremental run) get the same fingerprints as a run
    over the whole corpus. ``keyed``: {path: [(finding, fingerprint key)]} in the order
    :func:`finalize` made them."""
    seen: dict[tuple[str, str], int] = {}
    out: list[Finding] = []
    for path in sorted(keyed):
        for f, key in keyed[path]:
            n = seen.get((f.check, key), 0)
            seen[(f.check, key)] = n + 1
            f.fingerprint = fingerprint(f.check, path, key, n)
            out.append(f)
    out.sort(key=Finding.sort_key)
    return out


def check_corpus_keyed(corpus: Corpus, category: str | None = None,
                       only: Callable[[str], bool] | None = None
                       ) -> dict[str, list[tuple[Finding, str]]]:
    """The corpus checks' findings by path, each with its fingerprint key (numbered by
    :func:`number_corpus_findings`); ``only(path)`` keeps the findings of some paths
    (an incremental run recomputes the paths a change can affect)."""
    config = corpus.config
    out: dict[str, list[tuple[Finding, str]]] = {}
    crashes: list[str] = []
    for spec in registry.all_checks():
        if spec.scope != "corpus" or (category and spec.category != category):
            continue
        if not config.enabled(spec.id):
            continue
        ctx = CheckContext(config, spec.id)
        by_path: dict[str, list[Hit]] = {}
        try:
            for hit in spec.func(corpus, ctx):
                if hit.path is None:
                    raise ValueError(f"corpus check {spec.id} returned a hit without a path")
                by_path.setdefault(hit.path, []).append(hit)
        except ConfigError:
            raise
        except Exception as exc:  # reported after the other checks have run
            crashes.append(f"the corpus check {spec.id} crashed ({exc.__class__.__name__}: "
                           f"{str(exc)[:200]}); this is a seedcheck bug: please report it")
            continue
        for path in sorted(by_path):
            if not config.enabled(spec.id, path) or (only is not None and not only(path)):
                continue
            keys: list[str] = []
            found = finalize(spec, corpus.seed(path), by_path[path], config, {}, keys)
            out.setdefault(path, []).extend(zip(found, keys))
    if crashes:
        raise CheckCrashed(crashes, out)
    return out


class CheckCrashed(Exception):
    """A corpus check raised; ``lines`` say which, ``findings`` are the other checks'."""

    def __init__(self, lines: list[str], findings: list[Finding]):
        super().__init__("\n".join(lines))
        self.lines = lines
        self.findings = findings
