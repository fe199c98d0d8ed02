"""The fixer: ``python -m checks fix PATH...`` applies the checks' fixes to seed files.

Model (ruff's ``--fix``): a dry run by default that prints a unified diff per file;
``--write`` applies the fixes; only fixes marked safe unless ``--unsafe``.

How one file is fixed (:func:`fix_text`):

1. run the file checks (:func:`checks.engine.check_seed`) and take the findings whose
   ``fix`` is applicable (safe, or any with ``--unsafe``; a fix that would change nothing
   is dropped);
2. resolve overlaps deterministically (:func:`resolve`): candidates are taken in order of
   start offset, longer first, then check id; a candidate that overlaps one already taken
   is *subsumed* when the taken one is a deletion that contains it (its text goes anyway)
   and *skipped* otherwise;
3. apply the taken fixes in one step (offsets of the step's input text);
4. tidy what the deletions left (:func:`tidy_edits`), as a step of its own so it is
   logged like any other change: a run of blank lines that a deletion joined collapses to
   one blank line, and when a deletion reaches the end of the file the file ends with
   exactly one line break;
5. run the checks again on the result and repeat (at most ``MAX_PASSES`` passes) until no
   applicable fix is left, so skipped fixes get their turn and the result is a fixed
   point: fixing a fixed file changes nothing.

Nothing is lost: every step records, for every change, its offsets in the step's input
and output text, the removed and the inserted text and the check that asked for it.
:func:`reconstruct` undoes the steps in reverse order and checks the original sha256.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as _dt
import difflib
import hashlib
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from . import TOOL_NAME, __version__
from . import config as config_mod
from .baseline import FILENAME as BASELINE_FILENAME
from .baseline import Baseline, BaselineError
from .baseline import load as load_baseline
from .config import Config
from .engine import check_seed
from .model import Finding
from .report.files import atomic_write_bytes, atomic_write_text
from .scan import scan
from .seed import Seed, read_seed, seed_from_bytes, split_lines

LOG_SCHEMA = "seedcheck-fixlog/1"
MAX_PASSES = 5
BOM_BYTES = b"\xef\xbb\xbf"
TIDY_BLANK = "fixer.tidy-blank-lines"
TIDY_END = "fixer.tidy-end-of-file"

Finder = Callable[[Seed], list[Finding]]


class FixerError(Exception):
    """A usage or I/O problem; the message is shown as it is and the exit code is 2."""


# -- candidates and overlap resolution ----------------------------------------------------

@dataclass
class Candidate:
    """One fix asked for by one (or more, when identical) findings, in the offsets of
    the text the findings were computed on."""

    start: int
    end: int
    replacement: str
    safe: bool
    checks: list[str]
    findings: list[Finding] = field(default_factory=list)

    @property
    def check(self) -> str:
        return self.checks[0]

    @property
    def is_deletion(self) -> bool:
        return self.replacement == "" and self.end > self.start


@dataclass
class Rejected:
    candidate: Candidate
    status: str  # "subsumed" | "skipped" | "invalid"
    reason: str
    by: Candidate | None = None


def candidates_from(findings: Iterable[Finding], text: str, unsafe: bool,
                    only: Callable[[str], bool] | None = None
                    ) -> tuple[list[Candidate], list[Rejected]]:
    """The applicable fixes of ``findings`` on ``text``: safe ones (all with
    ``unsafe``), identical fixes merged, no-op fixes dropped, bad spans rejected."""
    merged: dict[tuple[int, int, str], Candidate] = {}
    invalid: list[Rejected] = []
    for f in findings:
        fx = f.fix
        if fx is None or not (fx.safe or unsafe) or f.baselined:
            continue
        if only is not None and not only(f.check):
            continue
        start = f.start if fx.start is None else fx.start
        end = f.end if fx.end is None else fx.end
        if not (0 <= start <= end <= len(text)):
            cand = Candidate(start, end, fx.replacement, fx.safe, [f.check], [f])
            invalid.append(Rejected(cand, "invalid",
                                    f"its span {start}..{end} is outside the text "
                                    f"(0..{len(text)})"))
            continue
        if text[start:end] == fx.replacement:
            continue  # a fix that changes nothing
        key = (start, end, fx.replacement)
        if key in merged:
            c = merged[key]
            if f.check not in c.checks:
                c.checks.append(f.check)
            c.findings.append(f)
            c.safe = c.safe and fx.safe
        else:
            merged[key] = Candidate(start, end, fx.replacement, fx.safe, [f.check], [f])
    return list(merged.values()), invalid


def _conflict(a: Candidate, b: Candidate) -> bool:
    """Two fixes conflict when their spans overlap; an insertion (empty span) conflicts
    with a span strictly around it or with another insertion at the same place."""
    if a.start == a.end and b.start == b.end:
        return a.start == b.start
    if a.start == a.end:
        return b.start < a.start < b.end
    if b.start == b.end:
        return a.start < b.start < a.end
    return a.start < b.end and b.start < a.end


def _order(c: Candidate) -> tuple:
    return (c.start, -(c.end - c.start), c.check, c.replacement)


def resolve(cands: list[Candidate]) -> tuple[list[Candidate], list[Rejected]]:
    """Pick a non-overlapping set of fixes, deterministically.

    Candidates are taken in order of (start, longer first, check id, replacement); one
    that conflicts with a fix already taken is *subsumed* when that fix deletes a span
    containing it, else *skipped* (it gets another chance in the next pass, on the
    changed text)."""
    taken: list[Candidate] = []
    rejected: list[Rejected] = []
    for c in sorted(cands, key=_order):
        other = next((t for t in taken if _conflict(t, c)), None)
        if other is None:
            taken.append(c)
        elif other.is_deletion and other.start <= c.start and c.end <= other.end:
            rejected.append(Rejected(c, "subsumed",
                                     f"its text is deleted by {other.check}", other))
        else:
            rejected.append(Rejected(c, "skipped",
                                     f"it overlaps the fix of {other.check}", other))
    taken.sort(key=lambda c: (c.start, c.end))
    return taken, rejected


# -- applying edits ---------------------------------------------------------------------

@dataclass
class Edit:
    """A replacement of ``text[start:end]`` in one step's input text."""

    start: int
    end: int
    replacement: str
    check: str
    checks: list[str] = field(default_factory=list)
    safe: bool = True
    message: str = ""
    fingerprint: str | None = None


def apply_edits(text: str, edits: list[Edit]) -> tuple[str, list[dict[str, Any]]]:
    """Apply sorted, non-overlapping ``edits`` to ``text``. Returns the new text and
    one change record per edit (input and output offsets, removed and inserted text)."""
    out: list[str] = []
    records: list[dict[str, Any]] = []
    pos = 0
    new_len = 0
    lines = split_lines(text)
    starts = [ln.start for ln in lines]
    for e in sorted(edits, key=lambda e: (e.start, e.end)):
        if e.start < pos:
            raise ValueError(f"overlapping edits at offset {e.start}")
        keep = text[pos:e.start]
        out.append(keep)
        new_len += len(keep)
        out.append(e.replacement)
        line, col = _position(lines, starts, e.start)
        end_line, end_col = _end_position(lines, starts, e.end, e.start)
        records.append({
            "start": e.start, "end": e.end,
            "new_start": new_len, "new_end": new_len + len(e.replacement),
            "line": line, "column": col, "end_line": end_line, "end_column": end_col,
            "removed": text[e.start:e.end], "replacement": e.replacement,
            "check": e.check, "checks": list(e.checks or [e.check]), "safe": e.safe,
            "message": e.message, "fingerprint": e.fingerprint,
        })
        new_len += len(e.replacement)
        pos = e.end
    out.append(text[pos:])
    return "".join(out), records


def _position(lines, starts, offset: int) -> tuple[int, int]:
    idx = max(bisect.bisect_right(starts, offset) - 1, 0)
    ln = lines[idx]
    return ln.number, min(offset, ln.end) - ln.start + 1


def _end_position(lines, starts, end: int, start: int) -> tuple[int, int]:
    if end <= start:
        return _position(lines, starts, start)
    idx = max(bisect.bisect_right(starts, end - 1) - 1, 0)
    ln = lines[idx]
    return ln.number, min(end, ln.end) - ln.start + 1


def undo_step(text: str, changes: list[dict[str, Any]]) -> str:
    """The input text of a step, from its output text and its change records."""
    out: list[str] = []
    pos = 0
    for c in sorted(changes, key=lambda c: (c["new_start"], c["new_end"], c["start"])):
        ns, ne = c["new_start"], c["new_end"]
        if ns < pos or text[ns:ne] != c["replacement"]:
            raise ValueError(
                f"the fixed text does not match the log at offset {ns}: expected "
                f"{c['replacement']!r}, found {text[ns:ne]!r}")
        out.append(text[pos:ns])
        out.append(c["removed"])
        pos = ne
    out.append(text[pos:])
    return "".join(out)


# -- tidying after deletions ---------------------------------------------------------------

def dominant_eol(text: str) -> str:
    """The line break the file uses most (``\\n`` when it has none)."""
    crlf = text.count("\r\n")
    lf = text.count("\n") - crlf
    cr = text.count("\r") - crlf
    best = max((lf, "\n"), (crlf, "\r\n"), (cr, "\r"), key=lambda t: t[0])
    return best[1] if best[0] > 0 else "\n"


def _blank(s: str) -> bool:
    return not s.strip()


def tidy_edits(text: str, joins: Iterable[int], eol: str) -> list[Edit]:
    """What deletions left behind in ``text`` (the text after the deletions; ``joins``
    are the offsets where text was deleted):

    - a run of blank lines that spans a join (blank on both sides of the cut, or a line
      the deletion emptied next to a blank one) collapses to its first blank line;
    - when only blank space follows a join, the file ends right after its last
      non-blank line, with exactly one line break (``eol`` when one must be added).
    """
    joins = sorted(set(joins))
    if not joins:
        return []
    lines = split_lines(text)
    if len(lines) > 1 and lines[-1].start == len(text) and text:
        lines = lines[:-1]  # the empty "line" after a final line break is not a line
    starts = [ln.start for ln in lines]
    spans: set[tuple[int, int, str]] = set()
    at_end = False
    for p in joins:
        if _blank(text[p:]):
            at_end = True
            continue
        idx = max(bisect.bisect_right(starts, p) - 1, 0)
        if idx >= len(lines) or not _blank(lines[idx].text):
            continue
        lo = idx
        while lo > 0 and _blank(lines[lo - 1].text):
            lo -= 1
        hi = idx
        while hi + 1 < len(lines) and _blank(lines[hi + 1].text):
            hi += 1
        if hi == lo:
            continue
        # created by the cut: blank lines above the join, or the join emptied the line
        if lo < idx or p > lines[idx].start:
            spans.add((lines[lo + 1].start, lines[hi].next, ""))
    if at_end:
        if _blank(text):
            if text:
                spans.add((0, len(text), ""))
        else:
            last = max(i for i, ln in enumerate(lines) if not _blank(ln.text))
            ln = lines[last]
            if ln.next > ln.end:
                if ln.next < len(text):
                    spans.add((ln.next, len(text), ""))
            else:
                spans.add((len(text), len(text), eol))
    # union of overlapping removals (insertions stay as they are)
    out: list[Edit] = []
    for s, e, rep in sorted(spans):
        check = TIDY_END if (e == len(text) and (s != e or rep)) else TIDY_BLANK
        if out and rep == "" and out[-1].replacement == "" and s <= out[-1].end \
                and out[-1].end > out[-1].start:
            last = out[-1]
            last.end = max(last.end, e)
            if e == len(text):
                last.check = TIDY_END
                last.checks = [TIDY_END]
            continue
        msg = ("collapse the blank lines a deletion joined" if check == TIDY_BLANK else
               "end the file with one line break after a deletion at its end")
        out.append(Edit(s, e, rep, check, [check], True, msg))
    return out


# -- one text ---------------------------------------------------------------------------

@dataclass
class TextOutcome:
    original: str
    text: str
    steps: list[dict[str, Any]]
    remaining: list[Finding]
    rejected: list[Rejected]
    converged: bool = True


def fix_text(seed: Seed, finder: Finder, unsafe: bool = False,
             only: Callable[[str], bool] | None = None,
             max_passes: int = MAX_PASSES) -> TextOutcome:
    """Fix a readable seed's text to a fixed point. ``finder`` returns the findings of a
    seed (normally :func:`checks.engine.check_seed` with the configuration)."""
    if seed.text is None:
        raise ValueError("fix_text needs a readable seed")
    original = seed.text
    text = original
    eol = dominant_eol(original)
    steps: list[dict[str, Any]] = []
    last_rejected: list[Rejected] = []
    current = seed
    findings = finder(current)
    converged = True
    for n in range(1, max_passes + 1):
        cands, invalid = candidates_from(findings, text, unsafe, only)
        if not cands:
            last_rejected = invalid
            break
        taken, rejected = resolve(cands)
        last_rejected = invalid + rejected
        edits = [Edit(c.start, c.end, c.replacement, c.check, list(c.checks), c.safe,
                      c.findings[0].message, c.findings[0].fingerprint) for c in taken]
        new, records = apply_edits(text, edits)
        steps.append({
            "pass": n, "kind": "fix", "changes": records,
            "not_applied": [_rejected_record(r) for r in invalid + rejected],
        })
        joins = [r["new_start"] for r in records if r["replacement"] == "" and r["removed"]]
        tidy = tidy_edits(new, joins, eol)
        if tidy:
            new2, trecs = apply_edits(new, tidy)
            steps.append({"pass": n, "kind": "tidy", "changes": trecs, "not_applied": []})
            new = new2
        text = new
        current = seed_from_bytes(seed.path, seed.rel,
                                  (BOM_BYTES if seed.bom else b"") + text.encode("utf-8"))
        findings = finder(current)
    else:
        cands, invalid = candidates_from(findings, text, unsafe, only)
        if cands:
            converged = False
            last_rejected = invalid
    return TextOutcome(original, text, steps, findings, last_rejected, converged)


def _rejected_record(r: Rejected) -> dict[str, Any]:
    c = r.candidate
    f = c.findings[0] if c.findings else None
    return {
        "status": r.status, "reason": r.reason, "check": c.check, "checks": list(c.checks),
        "start": c.start, "end": c.end, "replacement": c.replacement, "safe": c.safe,
        "line": f.line if f else None, "end_line": f.end_line if f else None,
        "fingerprint": f.fingerprint if f else None,
        "by": r.by.check if r.by else None,
    }


def needs_review(f: Finding) -> bool:
    """A finding left after fixing needs a reviewer when it is a warning or an error,
    or when it carries a fix that was not applied; baselined findings were reviewed."""
    if f.baselined:
        return False
    return f.severity in ("warning", "error") or f.fix is not None


# -- reconstruction -------------------------------------------------------------------

def reconstruct(cleaned: bytes | str, entry: dict[str, Any]) -> bytes:
    """The original bytes of a fixed file, from its cleaned content and its fix-log
    entry. Raises ValueError when the result does not have the logged sha256."""
    bom = bool(entry.get("bom"))
    if isinstance(cleaned, bytes):
        if bom:
            if not cleaned.startswith(BOM_BYTES):
                raise ValueError("the fixed file lost its byte-order mark")
            cleaned = cleaned[len(BOM_BYTES):]
        text = cleaned.decode("utf-8")
    else:
        text = cleaned
    for step in reversed(entry.get("steps", [])):
        text = undo_step(text, step["changes"])
    raw = (BOM_BYTES if bom else b"") + text.encode("utf-8")
    want = entry.get("original_sha256")
    got = hashlib.sha256(raw).hexdigest()
    if want and got != want:
        raise ValueError(f"reconstruction does not match the original: sha256 {got} "
                         f"!= {want}")
    return raw


def restore(log_path: Path) -> list[tuple[str, str]]:
    """Put back the originals of every file a fix log lists (when the file still holds
    what the fixer wrote). Returns [(path, outcome)]."""
    data = load_log(log_path)
    results = []
    for entry in data["files"]:
        path = Path(entry["abs_path"])
        if entry.get("abs_path_bytes"):
            path = Path(os.fsdecode(bytes.fromhex(entry["abs_path_bytes"])))
        if entry.get("status") not in ("written", "pending"):
            results.append((entry["path"], f"skipped (status {entry.get('status')})"))
            continue
        try:
            now = path.read_bytes()
        except OSError as exc:
            results.append((entry["path"], f"error: cannot read: {exc.strerror or exc}"))
            continue
        digest = hashlib.sha256(now).hexdigest()
        if digest == entry.get("original_sha256"):
            results.append((entry["path"], "already the original"))
            continue
        if digest != entry.get("fixed_sha256"):
            results.append((entry["path"], "skipped: the file changed since it was fixed"))
            continue
        try:
            raw = reconstruct(now, entry)
            atomic_write_bytes(path, raw, _mode_of(path))
        except (ValueError, OSError) as exc:
            results.append((entry["path"], f"error: {exc}"))
            continue
        results.append((entry["path"], "restored"))
    return results


def load_log(path: Path) -> dict[str, Any]:
    """A fix log, or the journal (``.partial``) an interrupted run left behind."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FixerError(f"fix log {path} cannot be read: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        data = _load_journal(text, path)
    if not isinstance(data, dict) or data.get("schema") != LOG_SCHEMA \
            or not isinstance(data.get("files"), list):
        raise FixerError(f"{path} is not a seedcheck fix log (schema {LOG_SCHEMA})")
    return data


def _load_journal(text: str, path: Path) -> dict[str, Any]:
    records = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            if n == len(text.splitlines()):
                break  # a last line cut short by the crash
            raise FixerError(f"fix log {path}: line {n} is not JSON") from None
    if not records or not isinstance(records[0], dict) or not records[0].get("journal"):
        raise FixerError(f"{path} is not a seedcheck fix log (schema {LOG_SCHEMA})")
    data = dict(records[0])
    files: list[dict[str, Any]] = []
    for rec in records[1:]:
        if "update" in rec:
            if 0 <= rec["update"] < len(files):
                files[rec["update"]].update(
                    {k: rec[k] for k in ("status", "backup", "error") if k in rec})
        else:
            files.append(rec)
    data["files"] = files
    return data


# -- files --------------------------------------------------------------------------------

@dataclass
class FileResult:
    path: Path  # the file as found (what the user sees)
    display: str
    rel: str
    seed: Seed
    outcome: TextOutcome | None = None
    status: str = "unchanged"  # unchanged | would-change | written | not-written | error
    message: str = ""
    review: list[Finding] = field(default_factory=list)
    backup: Path | None = None
    blocking: list[Finding] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.outcome is not None and self.outcome.text != self.outcome.original

    def new_bytes(self) -> bytes:
        assert self.outcome is not None
        return (BOM_BYTES if self.seed.bom else b"") + self.outcome.text.encode("utf-8")


def _mode_of(path: Path) -> int | None:
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        return None


def reader_errors(seed: Seed, findings: list[Finding]) -> list[Finding]:
    """The error-severity findings about reading the file (format problems found while
    decoding), and checks that crashed on it: a file with one of these is never
    written (a crashed check's fixes are unknown)."""
    ids = {p[0] for p in seed.problems} | {"format.check-crashed"}
    return [f for f in findings if f.check in ids and f.severity == "error"]


def fix_file(path: Path, rel: str, display: str, config: Config, *, unsafe: bool = False,
             only: Callable[[str], bool] | None = None,
             finder: Finder | None = None, baseline: Baseline | None = None) -> FileResult:
    """Fix one seed in memory (nothing is written). Findings the ``baseline`` accepts
    keep their text: their fixes are not applied."""
    seed = read_seed(path, rel, config.max_file_bytes)
    base_find = finder or (lambda s: check_seed(s, config))

    def find(s: Seed) -> list[Finding]:
        found = base_find(s)
        if baseline is not None:
            for f in found:
                f.baselined = f.baselined or baseline.accepts(f)
        return found

    res = FileResult(path, display, rel, seed)
    if not seed.readable:
        findings = find(seed)
        res.blocking = reader_errors(seed, findings) or findings
        res.review = [f for f in findings if not f.baselined]
        res.status = "not-written"
        why = "; ".join(f.message for f in res.blocking) or "the file cannot be read"
        res.message = f"not fixed: {why}"
        if any(f.check == "format.unreadable-file" for f in findings):
            res.status = "error"
        return res
    first = find(seed)
    blocking = reader_errors(seed, first)
    if blocking:
        res.blocking = blocking
        res.review = [f for f in first if not f.baselined]
        res.status = "not-written"
        res.message = "not fixed: " + "; ".join(f.message for f in blocking)
        return res
    outcome = fix_text(seed, lambda s: first if s is seed else find(s), unsafe, only)
    res.outcome = outcome
    res.review = [f for f in outcome.remaining if needs_review(f)]
    res.status = "would-change" if res.changed else "unchanged"
    return res


def iter_targets(paths: list[str], seeds_root: Path | None = None
                 ) -> list[tuple[Path, str, str, Path]]:
    """[(path, rel, display, root)] of the seeds named by ``paths`` (files, or folders
    scanned for ``*.txt``). ``rel`` is relative to ``root``: the folder given; for a
    file, the configured seeds folder when the file is inside it (so per-file ignores
    and baseline fingerprints match a pytest run), else the file's own folder. A path
    that does not exist is a usage error."""
    out: list[tuple[Path, str, str, Path]] = []
    seen: set[str] = set()
    for p in paths:
        path = Path(p)
        if path.is_dir():
            for rel, fp in scan(path):
                key = os.path.normcase(os.path.realpath(fp))
                if key not in seen:
                    seen.add(key)
                    out.append((fp, rel, shown(fp), path))
        elif path.exists() or path.is_symlink():
            key = os.path.normcase(os.path.realpath(path))
            if key not in seen:
                seen.add(key)
                rel, root = shown(path.name), path.parent
                if seeds_root is not None:
                    try:
                        inner = Path(os.path.abspath(path)).relative_to(
                            os.path.abspath(seeds_root))
                        rel, root = shown(inner.as_posix()), seeds_root
                    except ValueError:
                        pass
                out.append((path, rel, shown(path), root))
        else:
            raise FixerError(f"{p}: no such file or folder")
    return out


def shown(path: Path | str) -> str:
    """A path as printable, valid Unicode: bytes of a name that is not UTF-8 (kept by
    Python as surrogates) are shown escaped, ``\\xd5\\xfe.txt``."""
    s = str(path)
    try:
        s.encode("utf-8")
        return s
    except UnicodeEncodeError:
        return s.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _backup_path(path: Path) -> Path:
    cand = path.with_name(path.name + ".orig")
    n = 1
    while cand.exists() or cand.is_symlink():
        cand = path.with_name(f"{path.name}.orig.{n}")
        n += 1
    return cand


def write_file(res: FileResult, backup: bool) -> None:
    """Replace the file atomically with its fixed content, keeping its mode; with
    ``backup`` the original bytes go to ``<name>.orig`` first. Refuses when the file
    changed since it was read."""
    target = Path(os.path.realpath(res.path))
    try:
        now = target.read_bytes()
    except OSError as exc:
        raise FixerError(f"{res.display}: cannot read it again before writing: "
                         f"{exc.strerror or exc}") from None
    if now != res.seed.raw:
        raise FixerError(f"{res.display}: the file changed while it was being fixed; "
                         "not written (run the fixer again)")
    mode = _mode_of(target)
    try:
        if backup:
            bpath = _backup_path(target)
            atomic_write_bytes(bpath, res.seed.raw, mode)
            res.backup = bpath
        atomic_write_bytes(target, res.new_bytes(), mode)
    except OSError as exc:
        raise FixerError(f"{res.display}: cannot write: {exc.strerror or exc}") from None


# -- the fix log ---------------------------------------------------------------------------

def log_entry(res: FileResult) -> dict[str, Any]:
    assert res.outcome is not None
    new = res.new_bytes()
    real = Path(os.path.realpath(res.path))
    return {
        "path": res.display,
        "abs_path": shown(real),
        # the path's bytes when they are not UTF-8 (abs_path then shows them escaped)
        "abs_path_bytes": None if shown(real) == str(real) else os.fsencode(real).hex(),
        "rel": res.rel,
        "status": res.status,
        "original_sha256": hashlib.sha256(res.seed.raw).hexdigest(),
        "original_bytes": len(res.seed.raw),
        "fixed_sha256": hashlib.sha256(new).hexdigest(),
        "fixed_bytes": len(new),
        "bom": res.seed.bom,
        "offsets": "code points of the decoded text (BOM excluded); each step's start/end "
                   "index its input, new_start/new_end its output",
        "backup": shown(res.backup) if res.backup else None,
        "steps": res.outcome.steps,
    }


def default_log_path(now: _dt.datetime | None = None) -> Path:
    now = now or _dt.datetime.now(_dt.timezone.utc)
    base = Path("reports") / "fixes"
    stamp = now.strftime("%Y%m%dT%H%M%S.%fZ")
    cand = base / f"fix-{stamp}.json"
    n = 1
    while cand.exists():
        cand = base / f"fix-{stamp}-{n}.json"
        n += 1
    return cand


class FixLog:
    """The JSON fix log of one ``--write`` run.

    While the run goes on, every file's entry is appended to a journal,
    ``<log>.partial`` (JSON Lines: a header, then one entry per line, each flushed to
    disk *before* the file is replaced, then its final status), so a crash loses
    nothing; only the changes stay in memory, not the texts. :meth:`close` writes the log itself (one JSON document)
    atomically and removes the journal. :func:`load_log` reads either.
    """

    def __init__(self, path: Path, options: dict[str, Any]):
        self.path = Path(path)
        self.journal_path = self.path.with_name(self.path.name + ".partial")
        self.options = options
        self.entries: list[dict[str, Any]] = []
        self._fh = None
        self.header = {
            "schema": LOG_SCHEMA,
            "tool": {"name": TOOL_NAME, "version": __version__},
            "created_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "cwd": shown(os.getcwd()),
            "options": options,
        }

    def _append(self, record: dict[str, Any]) -> None:
        try:
            if self._fh is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                if self.path.exists() or self.path.is_symlink():
                    raise FixerError(f"the fix log {self.path} exists; the fixer never "
                                     "overwrites a fix log")
                self._fh = open(self.journal_path, "x", encoding="utf-8")
                self._fh.write(json.dumps({**self.header, "journal": True},
                                          ensure_ascii=False) + "\n")
            self._fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            self._fh.flush()
            os.fsync(self._fh.fileno())
        except FileExistsError:
            raise FixerError(f"the fix log journal {self.journal_path} exists (an earlier "
                             "run was interrupted?); keep it, and choose another --log")
        except OSError as exc:
            raise FixerError(f"cannot write the fix log {self.journal_path}: "
                             f"{exc.strerror or exc}") from None

    def add(self, res: FileResult) -> int:
        entry = log_entry(res)
        self.entries.append(entry)
        self._append(entry)
        return len(self.entries) - 1

    def update(self, index: int, res: FileResult) -> None:
        entry = self.entries[index]
        entry["status"] = res.status
        entry["backup"] = shown(res.backup) if res.backup else None
        if res.status == "error":
            entry["error"] = res.message
        self._append({"update": index, "status": entry["status"],
                      "backup": entry["backup"], "error": entry.get("error")})

    def close(self) -> None:
        data = {**self.header, "files": self.entries}
        try:
            atomic_write_text(self.path, json.dumps(data, ensure_ascii=False, indent=2)
                              + "\n")
        except OSError as exc:
            raise FixerError(f"cannot write the fix log {self.path}: {exc.strerror or exc}"
                             f"; the journal {self.journal_path} holds every change") from None
        if self._fh is not None:
            self._fh.close()
            self._fh = None
            try:
                os.unlink(self.journal_path)
            except OSError:
                pass


# -- output -----------------------------------------------------------------------------

def _diff_lines(text: str) -> list[str]:
    """Lines with their line breaks (so a changed break shows), no empty last line."""
    out = []
    for ln in split_lines(text):
        full = text[ln.start:ln.next]
        if full:
            out.append(full)
    return out


def unified_diff(old: str, new: str, name: str, context: int = 3) -> list[tuple[str, str]]:
    """[(kind, line)] of a unified diff: kind is header, hunk, del, add, ctx or note."""
    out: list[tuple[str, str]] = []
    for raw in difflib.unified_diff(_diff_lines(old), _diff_lines(new),
                                    f"{name} (original)", f"{name} (fixed)",
                                    n=context, lineterm=""):
        if raw.startswith("---") or raw.startswith("+++"):
            out.append(("header", raw.rstrip("\r\n")))
            continue
        if raw.startswith("@@"):
            out.append(("hunk", raw.rstrip("\r\n")))
            continue
        tag, body = raw[:1], raw[1:]
        kind = {"-": "del", "+": "add"}.get(tag, "ctx")
        stripped = body.rstrip("\r\n")
        brk = body[len(stripped):]
        note = "\\ No newline at end of file" if not brk else None
        out.append((kind, tag + stripped))
        if note:
            out.append(("note", note))
    return out


DIFF_STYLE = {"header": "bold", "hunk": "cyan", "del": "red", "add": "green", "ctx": "",
              "note": "dim"}


def render_diff(old: str, new: str, name: str):
    """A rich Text of the diff (seed text is never read as markup)."""
    from rich.text import Text

    out = Text()
    for kind, line in unified_diff(old, new, name):
        out.append(line, style=DIFF_STYLE[kind] or None)
        out.append("\n")
    return out


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _summary(res: FileResult) -> str:
    """``check ×n, ...``, then how many fixes were subsumed or skipped on the way."""
    counts: dict[str, int] = {}
    not_applied: dict[str, int] = {}
    assert res.outcome is not None
    for step in res.outcome.steps:
        for c in step["changes"]:
            counts[c["check"]] = counts.get(c["check"], 0) + 1
        for r in step["not_applied"]:
            not_applied[r["status"]] = not_applied.get(r["status"], 0) + 1
    out = ", ".join(f"{k} ×{v}" for k, v in sorted(counts.items()))
    if not_applied:
        out += "; not applied: " + ", ".join(
            f"{v} {k}" for k, v in sorted(not_applied.items()))
    return out


# -- the command ----------------------------------------------------------------------------

def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="seed files, or folders searched for *.txt seeds")
    p.add_argument("--write", action="store_true",
                   help="apply the fixes (default: only show the diff)")
    p.add_argument("--unsafe", action="store_true",
                   help="also apply fixes not marked safe (review the diff first)")
    p.add_argument("--backup", action="store_true",
                   help="with --write, keep each original beside it as <name>.orig")
    p.add_argument("--log", metavar="PATH", default=None,
                   help="where to write the JSON fix log (default: a new file in "
                        "reports/fixes/); never overwrites an existing file")
    p.add_argument("--config", metavar="FILE", default=None,
                   help="pyproject.toml or seedcheck TOML file (default: the nearest "
                        "pyproject.toml)")
    p.add_argument("--select", action="append", default=None, metavar="IDS",
                   help="only these checks (ids or prefixes, comma-separated)")
    p.add_argument("--ignore", action="append", default=None, metavar="IDS",
                   help="not these checks (ids or prefixes, comma-separated)")
    p.add_argument("--baseline", metavar="FILE", default=None,
                   help="baseline file; the fixes of findings it accepts are not applied "
                        "(default: as configured, else <folder>/.seedcheck-baseline.json)")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="no diffs, only one line per file")
    p.add_argument("--undo", metavar="LOG", default=None,
                   help="restore the originals of the files a fix log lists (PATHs are "
                        "not used)")


def _split_ids(values: list[str] | None) -> list[str]:
    out: list[str] = []
    for v in values or []:
        out += [s.strip() for s in v.split(",") if s.strip()]
    return out


def find_config(start: Path | None = None) -> Path | None:
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        cand = folder / "pyproject.toml"
        if cand.is_file():
            return cand
    return None


def load_config(args: argparse.Namespace) -> Config:
    if args.config:
        path = Path(args.config)
        if not path.is_file():
            raise FixerError(f"--config {args.config}: no such file")
    else:
        path = find_config()
    try:
        cfg = config_mod.load(path)
    except config_mod.ConfigError as exc:
        raise FixerError(f"configuration: {exc}") from None
    sel = _split_ids(args.select)
    if sel:
        cfg.select = sel
    cfg.ignore = list(cfg.ignore) + _split_ids(args.ignore)
    return cfg


def configured_seeds_root(config: Config) -> Path | None:
    """The seeds folder a pytest run uses (``seeds`` in ``[tool.pytest.ini_options]``
    of the pyproject.toml the configuration came from), when it exists."""
    if not config.source or Path(config.source).name != "pyproject.toml":
        return None
    try:
        import tomllib

        data = tomllib.loads(Path(config.source).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    seeds = data.get("tool", {}).get("pytest", {}).get("ini_options", {}).get("seeds")
    if not isinstance(seeds, str):
        return None
    root = Path(config.source).parent / seeds
    return root if root.is_dir() else None


def baseline_for(args: argparse.Namespace, config: Config, root: Path,
                 cache: dict[str, Baseline]) -> Baseline:
    """The baseline that applies to seeds under ``root``: ``--baseline``, else the
    configured ``baseline`` (relative to the configuration file), else
    ``<root>/.seedcheck-baseline.json`` as in a pytest run on that folder."""
    if args.baseline:
        path = Path(args.baseline)
    elif config.baseline:
        base = Path(config.source).parent if config.source else Path.cwd()
        path = base / config.baseline
    else:
        path = root / BASELINE_FILENAME
    key = os.path.abspath(path)
    if key not in cache:
        try:
            cache[key] = load_baseline(path)
        except BaselineError as exc:
            raise FixerError(str(exc)) from None
    return cache[key]


def run(args: argparse.Namespace, console=None, err=None) -> int:
    from rich.console import Console
    from rich.text import Text

    console = console or Console(file=sys.stdout, highlight=False)
    err = err or Console(file=sys.stderr, highlight=False)

    def say(msg: str, style: str | None = None, to=None) -> None:
        (to or console).print(Text(msg, style=style or ""), soft_wrap=True)

    if args.undo:
        if args.paths or args.write:
            raise FixerError("--undo LOG takes no PATH and no --write: it restores the "
                             "files the log lists")
        results = restore(Path(args.undo))
        code = 0
        for path, outcome in results:
            if outcome.startswith("error"):
                say(f"{path}: {outcome}", "red", err)
                code = 2
            else:
                fine = outcome in ("restored", "already the original")
                say(f"{path}: {outcome}", None if fine else "yellow")
                code = max(code, 0 if fine else 1)
        return code
    if not args.paths:
        raise FixerError("no PATH given: name seed files or folders to fix")
    if args.backup and not args.write:
        raise FixerError("--backup only makes sense with --write")
    if args.log and not args.write:
        raise FixerError("--log only makes sense with --write (a dry run writes nothing)")
    config = load_config(args)
    targets = iter_targets(args.paths, configured_seeds_root(config))
    log_path = Path(args.log) if args.log else None
    if log_path is not None and (log_path.exists() or log_path.is_symlink()):
        raise FixerError(f"--log {args.log}: the file exists; the fixer never overwrites "
                         "a fix log, choose another path")
    options = {"write": bool(args.write), "unsafe": args.unsafe, "backup": args.backup,
               "select": _split_ids(args.select), "ignore": _split_ids(args.ignore)}
    log = FixLog(log_path or default_log_path(), options) if args.write else None
    baselines: dict[str, Baseline] = {}
    code = 0
    n_changed = 0
    for path, rel, display, root in targets:
        bl = baseline_for(args, config, root, baselines)
        try:
            res = fix_file(path, rel, display, config, unsafe=args.unsafe, baseline=bl)
        except Exception as exc:  # a check crashed: say where, go on with other files
            res = FileResult(path, display, rel, Seed(path, rel, b"", None))
            res.status = "error"
            res.message = f"not fixed: internal error while checking it: {describe(exc)}"
        if res.status == "not-written":
            say(f"{display}: {res.message}", "bold red")
            code = max(code, 1)
            continue
        if res.status == "error":
            say(f"{display}: {res.message}", "bold red", err)
            code = 2
            continue
        assert res.outcome is not None
        if res.changed:
            n_changed += 1
            if not args.quiet:
                console.print(render_diff(res.outcome.original, res.outcome.text, display),
                              soft_wrap=True, end="")
            if log is not None and res.outcome.converged:
                res.status = "pending"
                index = log.add(res)  # journaled before the file is touched
                try:
                    write_file(res, args.backup)
                    res.status = "written"
                except FixerError as exc:
                    res.status = "error"
                    res.message = str(exc)
                log.update(index, res)
        code = max(code, report_file(res, say, err))
    if log is not None and log.entries:
        log.close()
        say(f"fix log: {log.path}", "dim")
    if not targets:
        say("no seed files found", "yellow")
    elif not n_changed and code == 0:
        say(f"nothing to fix in {_plural(len(targets), 'file')}")
    return code


def report_file(r: FileResult, say, err) -> int:
    """The lines printed for one fixed (or fixable) file; returns its exit code."""
    assert r.outcome is not None
    code = 0
    n = sum(len(s["changes"]) for s in r.outcome.steps)
    if r.status == "written":
        line = f"{r.display}: fixed, {_plural(n, 'change')} ({_summary(r)})"
        if r.backup:
            line += f"; original kept as {shown(r.backup)}"
        say(line, "green")
    elif r.status == "would-change" and r.outcome.converged:
        say(f"{r.display}: {_plural(n, 'change')} would be made ({_summary(r)}); "
            "run with --write to apply", "yellow")
        code = 1
    elif r.status == "error":
        say(f"{r.display}: {r.message}", "bold red", err)
        code = 2
    for rej in r.outcome.rejected:
        if rej.status in ("skipped", "invalid"):
            c = rej.candidate
            f = c.findings[0] if c.findings else None
            where = f"{f.line}" if f else "?"
            say(f"  fix not applied: {c.check} at line {where}: {rej.reason}", "yellow")
    if not r.outcome.converged:
        say(f"  the fixes did not settle after {MAX_PASSES} passes (a check keeps asking "
            "for changes): the file is not written; review the diff", "bold red")
        code = max(code, 1)
    if r.review:
        code = max(code, 1)
        k = len(r.review)
        say(f"{r.display}: {_plural(k, 'finding')} need{'s' if k == 1 else ''} review:",
            "yellow")
        for f in r.review:
            fixnote = ""
            if f.fix is not None:
                fixnote = (" [fix needs review: --unsafe]" if not f.fix.safe
                           else " [fix not applied]")
            say(f"  {r.display}:{f.line}:{f.column} {f.severity} {f.check}: "
                f"{f.message}{fixnote}")
    return code


def main(argv: list[str] | None = None) -> int:
    """``python -m checks fix`` on its own (the CLI in ``checks.__main__`` calls
    :func:`run`)."""
    p = argparse.ArgumentParser(prog="python -m checks fix")
    add_arguments(p)
    args = p.parse_args(argv)
    return run_safely(args)


def describe(exc: BaseException) -> str:
    """``Type: message (at file:line)`` of an unexpected exception, innermost frame."""
    import traceback

    where = ""
    frames = traceback.extract_tb(exc.__traceback__)
    if frames:
        fr = frames[-1]
        for cand in reversed(frames):  # the innermost frame in seedcheck's own code
            if os.sep + "checks" + os.sep in cand.filename:
                fr = cand
                break
        where = f" (at {fr.filename}:{fr.lineno})"
    return f"{type(exc).__name__}: {exc}{where}"


def run_safely(args: argparse.Namespace) -> int:
    """:func:`run` with usage and I/O errors turned into a message and exit code 2."""
    try:
        return run(args)
    except FixerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        name = getattr(exc, "filename", None)
        print(f"error: {name + ': ' if name else ''}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # an internal error: one clear line, no traceback
        print(f"error: internal error: {describe(exc)}", file=sys.stderr)
        return 2
