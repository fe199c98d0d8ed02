"""The one finding model every check, renderer and the fixer share.

Checks never compute line or column numbers: they return offsets into the seed's
decoded text (:class:`Hit`), and :func:`checks.engine.finalize` turns them into
:class:`Finding` objects with line/column, excerpt and a line-independent fingerprint.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SEVERITIES = ("error", "warning", "info")
SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}
CATEGORIES = ("duplicate", "typo", "figure", "chrome", "format")
EXCERPT_MAX = 200


@dataclass(frozen=True)
class Fix:
    """Replace ``text[start:end]`` with ``replacement``.

    ``start``/``end`` default to the finding's own span; a check that deletes whole
    lines sets them to cover the line break too, so the fixer leaves no empty line.
    """

    replacement: str
    safe: bool
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True)
class Location:
    path: str
    line: int
    column: int
    end_line: int
    end_column: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
        }

    def short(self) -> str:
        if self.end_line != self.line:
            return f"{self.path}:{self.line}-{self.end_line}"
        return f"{self.path}:{self.line}:{self.column}"


@dataclass
class Hit:
    """What a check returns: a span of ``seed.text`` and what is wrong with it.

    ``path`` is only needed by corpus checks (which seed the hit is in); ``key`` is the
    material the fingerprint is made of (defaults to the flagged text); ``evidence`` is
    free JSON-able data added to the finding in ``report.json``.
    """

    start: int
    end: int
    message: str
    fix: Fix | None = None
    related: list[Location] = field(default_factory=list)
    severity: str | None = None
    key: str | None = None
    path: str | None = None
    evidence: dict[str, Any] | None = None


@dataclass
class Finding:
    check: str
    category: str
    severity: str
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    excerpt: str
    message: str
    fix: Fix | None
    related: list[Location]
    fingerprint: str
    baselined: bool = False
    start: int = 0
    end: int = 0
    evidence: dict[str, Any] | None = None

    def sort_key(self) -> tuple:
        return (self.path, self.line, self.column, self.check, self.end_line,
                self.end_column, self.fingerprint)

    def location(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"

    def to_dict(self) -> dict[str, Any]:
        fix = None
        if self.fix is not None:
            fix = {
                "replacement": self.fix.replacement,
                "safe": bool(self.fix.safe),
                "offset": self.fix.start if self.fix.start is not None else self.start,
                "end_offset": self.fix.end if self.fix.end is not None else self.end,
            }
        out: dict[str, Any] = {
            "check": self.check,
            "category": self.category,
            "severity": self.severity,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "excerpt": self.excerpt,
            "message": self.message,
            "fix": fix,
            "related": [r.to_dict() for r in self.related],
            "fingerprint": self.fingerprint,
            "baselined": bool(self.baselined),
            "offset": self.start,
            "end_offset": self.end,
        }
        if self.evidence:
            out["evidence"] = self.evidence
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Finding":
        fix = None
        if d.get("fix") is not None:
            f = d["fix"]
            fix = Fix(f["replacement"], bool(f["safe"]), f.get("offset"), f.get("end_offset"))
        return cls(
            check=d["check"],
            category=d["category"],
            severity=d["severity"],
            path=d["path"],
            line=d["line"],
            column=d["column"],
            end_line=d["end_line"],
            end_column=d["end_column"],
            excerpt=d["excerpt"],
            message=d["message"],
            fix=fix,
            related=[Location(**r) for r in d.get("related", [])],
            fingerprint=d["fingerprint"],
            baselined=bool(d.get("baselined", False)),
            start=d.get("offset", 0),
            end=d.get("end_offset", 0),
            evidence=d.get("evidence"),
        )


def fails(severity: str, fail_on: str) -> bool:
    """True when a finding of ``severity`` fails the run under ``fail_on``."""
    return SEVERITY_RANK[severity] >= SEVERITY_RANK[fail_on]


def failing_severities(fail_on: str) -> frozenset[str]:
    """The severities whose findings fail the run under ``fail_on``."""
    return frozenset(sev for sev in SEVERITY_RANK if fails(sev, fail_on))
