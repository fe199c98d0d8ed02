"""Reading one seed file: bytes, decoding, line index, header.

Offsets everywhere are indexes into ``Seed.text`` (decoded code points, BOM removed,
line endings kept as they are). :meth:`Seed.position` is the one place offsets turn
into 1-based line/column (code points, end column exclusive).
"""

from __future__ import annotations

import bisect
import datetime as _dt
import hashlib
import os
import re
import stat as _stat
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
    # sha256 of the file when ``raw`` does not hold it (a file too large to read).
    digest: str | None = None
    # Set on a *view* (see :meth:`checkable`): the seed it was made from, and the
    # offsets where text was cut out of it (``_cut_at``, view offsets, sorted) with the
    # number of characters cut out before each (``_cut_sum``).
    view_of: "Seed | None" = field(default=None, repr=False)
    _cut_at: list[int] = field(default_factory=list, repr=False)
    _cut_sum: list[int] = field(default_factory=list, repr=False)
    _memo: dict = field(default_factory=dict, repr=False, compare=False)

    def memo(self, name: str, compute):
        """``compute()``, once per seed (view) and ``name``: per-seed work (paragraphs,
        statements, segmentations) shared by every check and index that needs it.
        The result is shared: callers must not change it."""
        try:
            return self._memo[name]
        except KeyError:
            value = self._memo[name] = compute()
            return value

    # -- identity -------------------------------------------------------------------
    @property
    def sha256(self) -> str:
        if self.digest is not None:
            return self.digest
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

    # -- views: what the checks see -------------------------------------------------------
    def checkable(self, max_line_chars: int | None) -> tuple["Seed", list[Line]]:
        """The seed the checks see, and the lines left out of it.

        A line longer than ``max_line_chars`` (a minified script, a table flattened into
        one line) is not text a reviewer can act on, and it is where a regex goes
        quadratic. The view holds the same lines with the over-long ones *emptied* (their
        line breaks stay), so line numbers, and columns on every other line, are those
        of the file; :meth:`real_offset` turns a view offset back into a file offset.
        Returns ``(self, [])`` when no line is too long.
        """
        if self.view_of is not None or not self.text or not max_line_chars:
            return self, []
        if len(self.text) <= max_line_chars:
            return self, []
        long = [ln for ln in self.lines if ln.end - ln.start > max_line_chars]
        if not long:
            return self, []
        text = self.text
        parts: list[str] = []
        cut_at: list[int] = []
        cut_sum: list[int] = [0]
        pos = 0
        removed = 0
        for ln in long:
            parts.append(text[pos:ln.start])
            cut_at.append(ln.start - removed)
            removed += ln.end - ln.start
            cut_sum.append(removed)
            pos = ln.end
        parts.append(text[pos:])
        view = Seed(self.path, self.rel, self.raw, "".join(parts), self.bom,
                    list(self.problems), digest=self.digest, view_of=self,
                    _cut_at=cut_at, _cut_sum=cut_sum)
        return view, long

    def real_offset(self, offset: int) -> int:
        """The offset in the file's text of ``offset`` in this seed's text (the same
        number unless this seed is a view with lines cut out)."""
        if not self._cut_at:
            return offset
        return offset + self._cut_sum[bisect.bisect_left(self._cut_at, offset)]

    # -- header convention ------------------------------------------------------------
    @property
    def header_date(self) -> _dt.date | None:
        """The capture date on line 1, when it is an ISO date (worked out once a seed:
        the checks ask for it, and for :attr:`body_start`, about 40 times a seed)."""
        return self.memo("header_date", self._header_date)

    def _header_date(self) -> _dt.date | None:
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
        return self.memo("body_start", self._body_start)

    def _body_start(self) -> int:
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


_MAGIC = (b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"%PDF", b"PK\x03\x04", b"\x7fELF",
          b"RIFF", b"\x1f\x8b", b"\xfd7zXZ", b"7z\xbc\xaf", b"\x00\x00\x01\x00",
          b"II*\x00", b"MM\x00*", b"\x1aE\xdf\xa3")


def _has_magic(raw: bytes) -> bool:
    return raw.startswith(_MAGIC)


def _looks_binary(raw: bytes) -> bool:
    head = raw[:4096]
    if _has_magic(head):
        return True
    if not head:
        return False
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))  # C speed
    return controls / len(head) > 0.10


_CONTROL_BYTES = bytes(range(0, 9)) + bytes(range(14, 32))  # b < 9 or 13 < b < 32


_BOMS = (  # longest first: the UTF-32 LE mark starts with the UTF-16 LE one
    (b"\xff\xfe\x00\x00", "UTF-32LE"),
    (b"\x00\x00\xfe\xff", "UTF-32BE"),
    (b"\xff\xfe", "UTF-16LE"),
    (b"\xfe\xff", "UTF-16BE"),
)


def _utf16_guess(raw: bytes) -> str | None:
    """UTF-16/UTF-32 by byte-order mark, or UTF-16 without one by its zero bytes."""
    for mark, name in _BOMS:
        if raw.startswith(mark):
            return f"{name} (with BOM)"
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
    """GBK/GB18030, named exactly: "GBK/GB18030" when the bytes are valid GBK (then
    also GB18030), "GB18030" when only GB18030 decodes them."""
    try:
        txt = raw.decode("gb18030")
    except UnicodeDecodeError:
        return None
    cjk = sum(1 for c in txt[:_SAMPLE] if "\u4e00" <= c <= "\u9fff")
    if cjk >= 2:
        try:
            raw.decode("gbk")
            return "GBK/GB18030"
        except UnicodeDecodeError:
            return "GB18030"
    return None


# charset-normalizer's names for the multi-byte encodings a scraper meets, as people
# write them. Single-byte guesses are reported as guesses (they are often wrong on
# short texts).
_CN_NAMES = {
    "big5": "Big5", "cp950": "Big5", "big5hkscs": "Big5-HKSCS",
    "cp932": "Shift_JIS", "shift_jis": "Shift_JIS", "shift_jis_2004": "Shift_JIS",
    "shift_jisx0213": "Shift_JIS", "euc_jp": "EUC-JP", "euc_jis_2004": "EUC-JP",
    "euc_jisx0213": "EUC-JP", "iso2022_jp": "ISO-2022-JP",
    "cp949": "EUC-KR", "euc_kr": "EUC-KR", "johab": "Johab",
}
_GB_FAMILY = {"gb18030", "gbk", "gb2312", "hz"}
_SAMPLE = 1 << 16


def _normalizer_guess(raw: bytes) -> str | None:
    """charset-normalizer's best guess for (the first 64 KB of) ``raw``, or None."""
    sample = raw[:_SAMPLE]
    if len(raw) > _SAMPLE:
        cut = sample.rfind(b"\n")
        if cut > 0:
            sample = sample[:cut + 1]
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(sample).best()
    except Exception:  # a guess must never break reading
        return None
    return best.encoding if best is not None else None


def _han_share(text: str, frequent) -> float:
    han = [c for c in text if "\u3400" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff"]
    if not han:
        return 0.0
    return sum(1 for c in han if frequent(c)) / len(han)


def _in_gb2312(c: str) -> bool:
    try:
        b = c.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return b >= b"\xb0\xa1" and b <= b"\xd7\xf9"  # level 1: the 3,755 frequent Han


def _in_big5_level1(c: str) -> bool:
    try:
        b = c.encode("big5")
    except UnicodeEncodeError:
        return False
    return b"\xa4\x40" <= b <= b"\xc6\x7e"  # level 1: the 5,401 frequent Han


def _big5_not_gb(raw: bytes) -> bool:
    """True when the bytes read as Big5 give frequent characters and read as GB18030
    give rare ones (Big5 text decodes as GB18030 too, into unusual characters)."""
    sample = raw[:_SAMPLE]
    try:
        as_big5 = sample.decode("big5", errors="strict" if len(raw) <= _SAMPLE else "ignore")
    except UnicodeDecodeError:
        return False
    as_gb = sample.decode("gb18030", errors="ignore")
    big5 = _han_share(as_big5, _in_big5_level1)
    gb = _han_share(as_gb, _in_gb2312)
    return big5 >= 0.9 and big5 > gb + 0.1


def guess_encoding(raw: bytes) -> str | None:
    """Name the encoding of bytes that are not UTF-8, or None when there is no good
    guess. GBK/GB18030 are named by decoding (exact). Big5 also decodes as GB18030: it
    is told apart by which reading gives frequent characters (:func:`_big5_not_gb`).
    charset-normalizer names Shift_JIS, EUC-JP, EUC-KR and single-byte encodings."""
    gb = _legacy_guess(raw)
    if gb is not None and _big5_not_gb(raw):
        return "Big5"
    guess = _normalizer_guess(raw)
    if guess in _GB_FAMILY:
        return gb or "GB18030"
    named = _CN_NAMES.get(guess or "")
    if gb is not None:
        # The Japanese/Korean encodings decode as GB18030 too; charset-normalizer tells
        # them apart by which characters come out. Short texts: trust GB.
        if named in ("Shift_JIS", "EUC-JP", "EUC-KR") and len(raw) >= 200:
            return named
        return gb
    if named:
        return named
    if guess and sum(1 for b in raw[:_SAMPLE] if b >= 0x80) >= 8:
        return f"a single-byte encoding, most likely {guess}"
    return None


def _line_col(raw: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (code points) of byte ``offset``, where everything before
    it is valid UTF-8."""
    head = raw[:offset]
    breaks = list(_EOL_B.finditer(head))
    line_start = breaks[-1].end() if breaks else 0
    col = len(head[line_start:].decode("utf-8", errors="replace")) + 1
    return len(breaks) + 1, col


_EOL_B = re.compile(rb"\r\n|\r|\n")


def _invalid_utf8(raw: bytes, body: bytes, bom: bool, exc: UnicodeDecodeError
                  ) -> tuple[str, str, dict]:
    """The ``format.invalid-utf8`` problem for bytes that do not decode as UTF-8: where
    the first bad byte is, and whether the file is damaged UTF-8 or another encoding."""
    offset = exc.start + (3 if bom else 0)
    line, col = _line_col(raw, offset)
    where = (f"byte 0x{body[exc.start]:02X} at byte offset {offset} (line {line}, column "
             f"{col})")
    loose = body.decode("utf-8", errors="replace")
    bad = loose.count("\ufffd") - body.count("\ufffd".encode("utf-8"))
    good = sum(1 for c in loose if c > "\x7f" and c != "\ufffd")
    evidence: dict = {"byte_offset": offset, "line": line, "column": col,
                      "bad_sequences": bad, "encoding": None}
    if good and good >= 2 * bad:
        # Mostly valid multi-byte UTF-8 with a few bad bytes: damage, not an encoding.
        evidence["encoding"] = "UTF-8 (damaged)"
        return ("format.invalid-utf8",
                f"the file is UTF-8 but {bad} byte sequence(s) in it are not: the first is "
                f"{where}; the file is damaged or truncated there",
                evidence)
    legacy = guess_encoding(raw)
    evidence["encoding"] = legacy
    how = f"; it appears to be {legacy}, so re-save it as UTF-8" if legacy else ""
    return ("format.invalid-utf8",
            f"the file is not valid UTF-8: {where} cannot be decoded{how}", evidence)


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
        guess = _normalizer_guess(raw) if not _has_magic(raw) else None
        if guess and guess.startswith(("utf_16", "utf_32")):
            # UTF-16 CJK text without BOM has few zero bytes but many "control" bytes.
            name = guess.replace("utf_", "UTF-").replace("_le", "LE").replace("_be", "BE")
            return None, False, [(
                "format.wrong-encoding",
                f"the file is not UTF-8: it appears to be {name}; re-save it as UTF-8",
                {"encoding": name},
            )]
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
        return None, bom, [_invalid_utf8(raw, body, bom, exc)]
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


def _unreadable(path: Path, rel: str, reason: str, errno_: int | None) -> Seed:
    return Seed(path, rel, b"", None, problems=[(
        "format.unreadable-file", f"the file cannot be read: {reason}", {"errno": errno_})])


def _hash_file(path: Path) -> str | None:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    except OSError:
        return None
    return h.hexdigest()


def read_seed(path: Path, rel: str, max_bytes: int | None = None) -> Seed:
    """Read and decode one seed; never raises for a bad file.

    The size is looked at before the bytes are read: a file over ``max_bytes`` is never
    held in memory (it is hashed in chunks for the report). Only regular files are
    opened, so a FIFO named ``*.txt`` cannot hang the run.
    """
    from .scan import describe_os_error

    try:
        st = os.stat(path)
        if _stat.S_ISDIR(st.st_mode):
            try:
                os.scandir(path).close()
            except OSError as exc:
                return _unreadable(path, rel, f"the folder cannot be listed ({exc.strerror}); "
                                   "the seeds in it were not checked", exc.errno)
            return _unreadable(path, rel, "it is a folder, not a file", None)
        if not _stat.S_ISREG(st.st_mode):
            return _unreadable(path, rel, "it is not a regular file (a pipe, socket or "
                               "device); it was not opened", None)
        if max_bytes is not None and st.st_size > max_bytes:
            return _too_large(path, rel, st.st_size, max_bytes, _hash_file(path))
        with open(path, "rb") as fh:
            raw = fh.read() if max_bytes is None else fh.read(max_bytes + 1)
            if max_bytes is not None and len(raw) > max_bytes:  # it grew since stat()
                size = os.fstat(fh.fileno()).st_size
                del raw
                return _too_large(path, rel, size, max_bytes, _hash_file(path))
    except OSError as exc:
        return _unreadable(path, rel, describe_os_error(path, exc), exc.errno)
    return seed_from_bytes(path, rel, raw, max_bytes)


def read_raw(path: Path, max_bytes: int | None = None) -> tuple[bytes | None, str | None]:
    """(bytes, sha256) of a seed file, for callers that hash before they decode.

    ``(None, None)`` when the path is not a readable regular file (a FIFO is never
    opened: it would block); ``(None, sha256)`` when the file is over ``max_bytes``
    (hashed in chunks, never held in memory). :func:`read_seed` then gives the finding.
    """
    try:
        st = os.stat(path)
        if not _stat.S_ISREG(st.st_mode):
            return None, None
        if max_bytes is not None and st.st_size > max_bytes:
            return None, _hash_file(path)
        with open(path, "rb") as fh:
            raw = fh.read() if max_bytes is None else fh.read(max_bytes + 1)
    except OSError:
        return None, None
    if max_bytes is not None and len(raw) > max_bytes:
        return None, _hash_file(path)
    return raw, hashlib.sha256(raw).hexdigest()


def _too_large(path: Path, rel: str, size: int, limit: int, digest: str | None) -> Seed:
    return Seed(path, rel, b"", None, digest=digest, problems=[(
        "format.too-large",
        f"the file is {size:,} bytes, over the limit of {limit:,} bytes "
        "(setting max_file_bytes); it was not checked",
        {"bytes": size, "limit": limit})])


# More lines than this and a seed is not checked (``format.too-large``): no article has
# them, and every Line costs about 240 bytes. (Not a setting yet: it would belong in
# checks/config.py next to max_file_bytes and max_line_chars.)
MAX_LINES = 200_000


def seed_from_bytes(path: Path, rel: str, raw: bytes, max_bytes: int | None = None) -> Seed:
    if max_bytes is not None and len(raw) > max_bytes:
        # (read_seed reads at most max_bytes + 1 bytes: the size is reported as "over")
        seed = _too_large(path, rel, len(raw), max_bytes, None)
        seed.raw = raw
        return seed
    text, bom, problems = decode(raw)
    if text is not None:
        n_lines = text.count("\n") + text.count("\r") - text.count("\r\n") + 1
        if n_lines > MAX_LINES:
            # 20 MB of line breaks would be 20 million Line objects (about 5 GB) and
            # minutes in every check that walks the lines: not checked, like a big file.
            return Seed(path, rel, raw, None, bom, problems=[(
                "format.too-large",
                f"the file has {n_lines:,} lines, over the limit of {MAX_LINES:,} lines (an "
                "article has hundreds); it was not checked", {"lines": n_lines,
                                                              "line_limit": MAX_LINES})])
    name = str(path.name)
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        problems.append((
            "format.file-name-encoding",
            f"the file name is not valid UTF-8 (shown as {rel.rsplit('/', 1)[-1]}); the "
            "corpus checks cannot compare this file: rename it", {}))
    return Seed(path, rel, raw, text, bom, problems)


def seed_from_text(text: str, rel: str = "test.txt") -> Seed:
    """A seed built from a string (tests, the fixer, property tests)."""
    raw = text.encode("utf-8")
    return seed_from_bytes(Path(rel), rel, raw)
