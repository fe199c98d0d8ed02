"""Findings that stay as the store keeps them until something reads them.

A large run in which few seeds changed reads every other seed's findings back from the
store. Decoding them (150,000 findings at 50,000 seeds: ~1.5 s of the pytest process)
and handling them one by one afterwards (the items' verdicts, the report's counts, the
renderers, which take almost every seed's text from their fragments anyway) cost most
of such a run. So a stored seed's findings are a :class:`StoredRun`: the marshalled
bytes, their run digest and a :class:`Summary` (counts by category, severity and check,
the paths they quote), all written when the row was stored. The report's findings are a
:class:`Findings`: one part per seed, in path order, each a ``StoredRun`` or a list of
dicts. Everything that counts asks the summaries; whatever reads findings iterates
(the part is decoded then, once). The report is the same, byte for byte.
"""

from __future__ import annotations

import marshal
from bisect import bisect_right
from typing import Any, Iterable, Iterator, NamedTuple

SUMMARY_VERSION = 1


def dict_sort_key(d: dict[str, Any]) -> tuple:
    """``Finding.sort_key`` of a finding in its reported form (``Finding.to_dict()``)."""
    return (d["path"], d["line"], d["column"], d["check"], d["end_line"], d["end_column"],
            d["fingerprint"])


class Summary(NamedTuple):
    """What the report needs to know of one seed's run of findings without reading
    them: ``n``; ``counts``, ``(category, severity, check, n)`` sorted; ``unbaselined``,
    ``{severity: n}`` of the findings not baselined; ``baselined``; the paths quoted by
    their related locations (``related``: all of them; ``related5``: of each finding's
    first five, as ``report.html`` keys its rows); ``related_checks``, the checks of the
    findings that quote a location; ``plain``: the run is sorted (``dict_sort_key``) and
    no finding is baselined (a stored run may then stand in the report as it is)."""

    n: int
    counts: tuple
    unbaselined: dict
    baselined: int
    related: tuple
    related5: tuple
    related_checks: tuple
    plain: bool

    @classmethod
    def of(cls, findings: list[dict], order: bool = True) -> "Summary":
        """``order`` False: ``plain`` tells only that none is baselined (the order is
        not checked: for findings that are not stored)."""
        counts: dict[tuple[str, str, str], int] = {}
        unb: dict[str, int] = {}
        baselined = 0
        related: set[str] = set()
        related5: set[str] = set()
        rchecks: set[str] = set()
        plain = True
        prev = None
        for d in findings:
            k = (d["category"], d["severity"], d["check"])
            counts[k] = counts.get(k, 0) + 1
            if d.get("baselined"):
                baselined += 1
                plain = False
            else:
                unb[d["severity"]] = unb.get(d["severity"], 0) + 1
            rel = d.get("related") or ()
            if rel:
                rchecks.add(d["check"])
                for n, r in enumerate(rel):
                    related.add(r["path"])
                    if n < 5:
                        related5.add(r["path"])
            if plain and order:
                key = dict_sort_key(d)
                if prev is not None and key < prev:
                    plain = False
                prev = key
        return cls(len(findings), tuple(sorted(k + (n,) for k, n in counts.items())),
                   dict(sorted(unb.items())), baselined, tuple(sorted(related)),
                   tuple(sorted(related5)), tuple(sorted(rchecks)), plain)

    def dumps(self) -> bytes:
        return marshal.dumps((SUMMARY_VERSION, *self))

    @classmethod
    def loads(cls, blob: bytes) -> "Summary | None":
        """None for a blob of another version (or none)."""
        try:
            t = marshal.loads(blob)
        except (ValueError, EOFError, TypeError):
            return None
        if type(t) is not tuple or len(t) != 9 or t[0] != SUMMARY_VERSION:
            return None
        return cls(*t[1:])

    def failing(self, severities) -> int:
        """The findings that fail the run (their severity is one of ``severities``:
        ``model.failing_severities``) and are not baselined."""
        u = self.unbaselined
        return sum([u[sev] for sev in severities if sev in u])


class StoredRun:
    """One seed's findings as the store keeps them (marshalled), decoded when read."""

    __slots__ = ("path", "blob", "digest", "summary", "_dicts")

    def __init__(self, path: str, blob: bytes, digest: str, summary: Summary):
        self.path = path
        self.blob = blob
        self.digest = digest  # fragments.run_digest of the findings
        self.summary = summary
        self._dicts: list[dict] | None = None

    def dicts(self) -> list[dict]:
        if self._dicts is None:
            self._dicts = marshal.loads(self.blob)
        return self._dicts

    def __len__(self) -> int:
        return self.summary.n

    def __iter__(self) -> Iterator[dict]:
        return iter(self.dicts())

    def __bool__(self) -> bool:
        return self.summary.n > 0


def part_dicts(part: StoredRun | list[dict]) -> list[dict]:
    return part.dicts() if isinstance(part, StoredRun) else part


class Findings:
    """A sequence of finding dicts made of *parts*, each one path's run of findings (a
    :class:`StoredRun` or a list of dicts). Built for a report
    (``SessionPlugin._report_findings``) the parts are in path order and each is sorted,
    so the sequence is the report's sorted findings. Reading a finding decodes its part;
    counting asks the summaries."""

    def __init__(self, parts: list[StoredRun | list[dict]]):
        self.parts = parts
        self._summaries: list[Summary] | None = None
        self._paths: list[str] | None = None
        self._totals: dict[tuple[str, str, str], int] | None = None
        self._quoting: list | None = None
        bounds = [0]
        for p in parts:
            bounds.append(bounds[-1] + len(p))
        self.bounds = bounds

    @classmethod
    def from_dicts(cls, findings: Iterable[dict]) -> "Findings":
        """Group ``findings`` by path (in the order each path first appears)."""
        by: dict[str, list[dict]] = {}
        for d in findings:
            by.setdefault(d["path"], []).append(d)
        return cls(list(by.values()))

    def summaries(self) -> list[Summary]:
        if self._summaries is None:
            self._summaries = [p.summary if isinstance(p, StoredRun)
                               else Summary.of(p, order=False) for p in self.parts]
        return self._summaries

    def paths(self) -> list[str]:
        """Each part's path (worked out once)."""
        if self._paths is None:
            self._paths = [p.path if isinstance(p, StoredRun) else (p[0]["path"] if p else None)
                           for p in self.parts]
        return self._paths

    def quoting(self) -> list[tuple[StoredRun | list[dict], Summary]]:
        """``(part, summary)`` of the parts holding a finding that quotes a location
        (worked out once: report.html asks three times, for its duplicate and figure
        views, and once for the paths its head names)."""
        if self._quoting is None:
            self._quoting = [(p, s) for p, s in zip(self.parts, self.summaries())
                             if s.related_checks]
        return self._quoting

    def totals(self) -> dict[tuple[str, str, str], int]:
        """``{(category, severity, check): n}`` over every part (worked out once: the
        report's build does it, and the renderers forked after it inherit it)."""
        if self._totals is None:
            out: dict[tuple[str, str, str], int] = {}
            for sm in self.summaries():
                for cat, sev, check, n in sm.counts:
                    k = (cat, sev, check)
                    out[k] = out.get(k, 0) + n
            self._totals = out
        return self._totals

    def __len__(self) -> int:
        return self.bounds[-1]

    def __bool__(self) -> bool:
        return self.bounds[-1] > 0

    def __iter__(self) -> Iterator[dict]:
        for p in self.parts:
            yield from part_dicts(p)

    def __getitem__(self, k):
        n = self.bounds[-1]
        if isinstance(k, slice):
            start, stop, step = k.indices(n)
            if step != 1:
                return list(self)[k]
            if start >= stop:
                return []
            i = bisect_right(self.bounds, start) - 1
            if self.bounds[i] == start and self.bounds[i + 1] == stop:
                return part_dicts(self.parts[i])  # one part (a run): not copied
            out: list[dict] = []
            while start < stop:
                a, b = self.bounds[i], self.bounds[i + 1]
                out += part_dicts(self.parts[i])[start - a:min(b, stop) - a]
                start = b
                i += 1
            return out
        if k < 0:
            k += n
        if not 0 <= k < n:
            raise IndexError("finding index out of range")
        i = bisect_right(self.bounds, k) - 1
        return part_dicts(self.parts[i])[k - self.bounds[i]]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (Findings, list)):
            return len(self) == len(other) and list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def spans(self) -> Iterator[tuple[int, int, StoredRun | list[dict]]]:
        """``(start, end, part)`` of every non-empty part."""
        b = self.bounds
        for k, p in enumerate(self.parts):
            if b[k + 1] > b[k]:
                yield b[k], b[k + 1], p


def findings_view(findings: Any) -> Findings:
    """``findings`` (a report's or an item's) as :class:`Findings`: itself, a
    :class:`StoredRun` as its one part, or a list grouped by path."""
    if isinstance(findings, Findings):
        return findings
    if isinstance(findings, StoredRun):
        return Findings([findings])
    return Findings.from_dicts(findings)


def severity_counts(findings: Any, categories: Iterable[str], severities: Iterable[str]
                    ) -> tuple[dict, dict]:
    """``({(category, severity): n}, {check: {severity: n}})`` of ``findings`` (every
    category and severity present, zero where none; checks in first-seen order)."""
    sevs = tuple(severities)
    counts = {(c, v): 0 for c in categories for v in sevs}
    by_check: dict[str, dict[str, int]] = {}
    if isinstance(findings, Findings):
        for (cat, sev, check), n in findings.totals().items():
            counts[(cat, sev)] += n
            row = by_check.get(check)
            if row is None:
                row = by_check[check] = {v: 0 for v in sevs}
            row[sev] += n
        return counts, by_check
    for f in findings:
        counts[(f["category"], f["severity"])] += 1
        row = by_check.get(f["check"])
        if row is None:
            row = by_check[f["check"]] = {v: 0 for v in sevs}
        row[f["severity"]] += 1
    return counts, by_check


def with_related(findings: Any, checks: Iterable[str]) -> Iterator[dict]:
    """The findings whose check is one of ``checks`` and that quote a location, in
    order (the parts that hold none are not read)."""
    want = set(checks)
    if isinstance(findings, Findings):
        for p, s in findings.quoting():
            if not want.isdisjoint(s.related_checks):
                for f in part_dicts(p):
                    if f["check"] in want and f.get("related"):
                        yield f
        return
    for f in findings:
        if f["check"] in want and f.get("related"):
            yield f
