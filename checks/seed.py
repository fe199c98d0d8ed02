"""Reading one seed file: bytes, decoding, line index, header.

Offsets everywhere are indexes into ``Seed.text`` (decoded code points, BOM removed,
line endings kept as they are). :meth:`Seed.position` is the one place offsets turn
into 1-based line/column (code points, end column exclusive).
"""

from __future__ import annotations

import bisect
import datetime as _dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from .model import Location

BOM = "\ufeff"
_EOL = re.compile(r"\r\n|\r|\n")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass
class Line:
    number: int  # 1-based
    start: int  # offset of the first character
    end: int  # offset just past the last character, line break excluded
    next: int  # offset of the next line's first character (after the break)
    text: str


@dataclass
class Seed:
    """A seed file as read from disk.

    ``text`` is ``None`` when the file could not be decoded; ``problems`` then says why
    (the format checks turn it into findings).
    """

    path: Path
    rel: str
    raw: bytes
    text: str | None
    bom: bool = False
    problems: list[tuple[str, str, dict]] = field(default_factory=list)
    _starts: list[int] | None = field(default=None, repr=False)
    _lines: list[Line] | None = field(default=None, repr=False)

    # -- identity -------------------------------------------------------------------
    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()

    @property
    def readable(self) -> bool:
        return self.text is not None

    # -- lines ----------------------------------------------------------------------
    @property
    def lines(self) -> list[Line]:
        if self._lines is None:
            self._lines = split_lines(self.text or "")
            self._starts = [ln.start for ln in self._lines]
        return self._lines

    def line(self, number: int) -> Line:
        return self.lines[number - 1]

    def line_at(self, offset: int) -> Line:
        lines = self.lines
        idx = bisect.bisect_right(self._starts, offset) - 1  # type: ignore[arg-type]
        return lines[max(idx, 0)]

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of ``offset``; an offset inside a line break maps to
        the column just past the line's last character."""
        ln = self.line_at(offset)
        return ln.number, min(offset, ln.end) - ln.start + 1

    def end_position(self, end: int, start: int) -> tuple[int, int]:
        """(end_line, end_column) of an exclusive end offset.

        A span that ends right after a line break ends on the line before it (a span
        covering a whole line plus its newline reports ``end_column = len + 1``).
        """
        if end <= start:
            return self.position(start)
        ln = self.line_at(end - 1)
        return ln.number, min(end, ln.end) - ln.start + 1

    def location(self, start: int, end: int) -> Location:
        line, col = self.position(start)
        end_line, end_col = self.end_position(end, start)
        return Location(self.rel, line, col, end_line, end_col)

    # -- header convention ------------------------------------------------------------
    @property
    def header_date(self) -> _dt.date | None:
        """The capture date on line 1, when it is an ISO date."""
        if not self.text:
            return None
        first = self.lines[0].text.strip()
        if not ISO_DATE.fullmatch(first):
            return None
        try:
            return _dt.date.fromisoformat(first)
        except ValueError:
            return None

    @property
    def body_start(self) -> int:
        """Offset where the page text starts: line 3 when the header convention holds,
        else 0."""
        lines = self.lines
        if self.header_date is not None and len(lines) >= 2 and not lines[1].text.strip():
            return lines[2].start if len(lines) >= 3 else len(self.text or "")
        return 0

    @property
    def body(self) -> str:
        return (self.text or "")[self.body_start:]


def split_lines(text: str) -> list[Line]:
    lines: list[Line] = []
    pos = 0
    n = 1
    for m in _EOL.finditer(text):
        lines.append(Line(n, pos, m.start(), m.end(), text[pos:m.start()]))
        pos = m.end()
        n += 1
    lines.append(Line(n, pos, len(text), len(text), text[pos:]))
    return lines


def _looks_binary(raw: bytes) -> bool:
    head = raw[:4096]
    magic = (b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"%PDF", b"PK\x03\x04", b"\x7fELF",
             b"BM", b"RIFF", b"\x1f\x8b")
    if any(head.startswith(m) for m in magic if len(m) > 2):
        return True
    if not head:
        return False
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return controls / len(head) > 0.10


def _utf16_guess(raw: bytes) -> str | None:
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "UTF-16 (with BOM)"
    sample = raw[:2000]
    if len(sample) >= 4:
        even = sample[0::2].count(0)
        odd = sample[1::2].count(0)
        half = len(sample) / 2
        if odd > 0.3 * half and even < 0.05 * half:
            return "UTF-16LE"
        if even > 0.3 * half and odd < 0.05 * half:
            return "UTF-16BE"
    return None


def _legacy_guess(raw: bytes) -> str | None:
    try:
        txt = raw.decode("gb18030")
    except UnicodeDecodeError:
        return None
    cjk = sum(1 for c in txt if "\u4e00" <= c <= "\u9fff")
    if cjk >= 2:
        try:
            raw.decode("gbk")
            return "GBK/GB18030"
        except UnicodeDecodeError:
            return "GB18030"
    return None


def decode(raw: bytes) -> tuple[str | None, bool, list[tuple[str, str, dict]]]:
    """Decode seed bytes. Returns (text or None, had_bom, problems).

    problems are (check_id, message, evidence) tuples for the format checks.
    """
    problems: list[tuple[str, str, dict]] = []
    if not raw:
        return "", False, [("format.empty-file", "the file is empty (0 bytes)", {})]
    utf16 = _utf16_guess(raw)
    if utf16:
        return None, False, [(
            "format.wrong-encoding",
            f"the file is not UTF-8: it appears to be {utf16}; re-save it as UTF-8",
            {"encoding": utf16},
        )]
    if _looks_binary(raw):
        return None, False, [(
            "format.binary-file",
            "the file is binary, not text (control bytes or a known file signature); "
            "remove it from the seeds folder",
            {},
        )]
    nul = raw.find(b"\x00")
    if nul >= 0:
        return None, False, [(
            "format.nul-byte",
            f"the file holds NUL bytes (first at byte offset {nul}); it is not clean text",
            {"byte_offset": nul, "count": raw.count(b"\x00")},
        )]
    bom = raw.startswith(b"\xef\xbb\xbf")
    body = raw[3:] if bom else raw
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = exc.start + (3 if bom else 0)
        legacy = _legacy_guess(raw)
        how = f"; it decodes as {legacy}, so re-save it as UTF-8" if legacy else ""
        return None, bom, [(
            "format.invalid-utf8",
            f"the file is not valid UTF-8: byte 0x{body[exc.start]:02X} at byte offset "
            f"{offset} cannot be decoded{how}",
            {"byte_offset": offset, "encoding": legacy},
        )]
    if bom:
        problems.append((
            "format.bom",
            "the file starts with a UTF-8 byte-order mark (U+FEFF); seeds are UTF-8 "
            "without BOM",
            {},
        ))
    if not text.strip():
        problems.append(("format.empty-file",
                         f"the file holds only whitespace ({len(raw)} bytes)", {}))
    return text, bom, problems


def read_seed(path: Path, rel: str, max_bytes: int | None = None) -> Seed:
    """Read and decode one seed; never raises for a bad file."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        from .scan import describe_os_error

        reason = describe_os_error(path, exc)
        return Seed(path, rel, b"", None, problems=[(
            "format.unreadable-file", f"the file cannot be read: {reason}",
            {"errno": exc.errno})])
    return seed_from_bytes(path, rel, raw, max_bytes)


def seed_from_bytes(path: Path, rel: str, raw: bytes, max_bytes: int | None = None) -> Seed:
    if max_bytes is not None and len(raw) > max_bytes:
        return Seed(path, rel, raw, None, problems=[(
            "format.too-large",
            f"the file is {len(raw):,} bytes, over the limit of {max_bytes:,} bytes "
            "(setting max_file_bytes); it was not checked",
            {"bytes": len(raw), "limit": max_bytes})])
    text, bom, problems = decode(raw)
    return Seed(path, rel, raw, text, bom, problems)


def seed_from_text(text: str, rel: str = "test.txt") -> Seed:
    """A seed built from a string (tests, the fixer, property tests)."""
    raw = text.encode("utf-8")
    return seed_from_bytes(Path(rel), rel, raw)
