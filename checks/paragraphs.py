"""Paragraphs of a seed's text, and the normalisation used to compare them.

Two copies of one article rarely match byte for byte: one is indented, the other not;
one is hard-wrapped at 40 characters, the other holds a paragraph per line; one uses
full-width digits, the other half-width; one keeps the HTML ``<p>`` tags of the page.
The duplicate checks therefore compare *paragraphs*, each reduced to a normal form:

* :func:`normalize`: NFKC (full-/half-width folding), HTML tags and entities removed,
  every white-space character removed, Latin letters case-folded.
* :func:`paragraphs`: blank lines separate paragraphs; inside a run of non-blank lines a
  line is joined to the next one only when it looks hard-wrapped (no sentence-final
  punctuation at its end, about as long as the longest line of the run, and the next
  line does not start a list item or an indented paragraph). ``<p>``/``</p>``/``<br>``
  tags inside a line also end a paragraph.

Every :class:`Paragraph` keeps the offsets of its raw text in the seed (leading and
trailing white space excluded), so findings point at the real lines.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np

from .numbers import translation

# Tags that end a paragraph inside a line (scraped HTML left in the text).
_BLOCK_TAG = re.compile(r"</?(?:p|div|li|h[1-6]|tr|td|table|section|article)\b[^<>]{0,200}>"
                        r"|<br\s*/?>", re.IGNORECASE)
_ANY_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*\b[^<>]{0,200}>")
_ENTITY = re.compile(r"&(?:nbsp|ensp|emsp|thinsp|amp|lt|gt|quot|apos|#\d{1,6}|#x[0-9a-fA-F]{1,6});")
_FIGURE = re.compile(r"\d+(?:[.,]\d+)*")

# A line that ends with one of these ends its paragraph.
_TERMINAL = set("。！？!?；;：:…」』”\"）)】》.")
# A line that starts like this starts a new paragraph (list item, heading, numbering).
_ITEM_START = re.compile(
    r"\s*(?:[•·●○■□◆◇▪▫►▶★☆※\-*–—#>]"
    r"|\d{1,3}[.、．)）]"
    r"|[（(]\d{1,3}[)）]"
    r"|[一二三四五六七八九十百]{1,3}[、是]"
    r"|[（(][一二三四五六七八九十]{1,3}[)）]"
    r"|第[一二三四五六七八九十百\d]{1,4}[章节条部分])")


def _class_pattern(chars, extra: str = "") -> str:
    ranges: list[list[int]] = []
    for c in sorted(chars):
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1][1] = c
        else:
            ranges.append([c, c])
    cls = "".join(re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "")
                  for a, b in ranges)
    return f"[{cls}{extra}]"


def _tables():
    """Built once (~40 ms) for the BMP: what NFKC does to each character (0 nothing,
    1 maps it to one other character, 2 to several, 3 it can combine with its
    neighbours: use the real NFKC), the one-character mapping, and the characters case
    folding changes. Kept in the typo tables file (typo_data._kept) where there is one."""
    from . import typo_data

    kind, lut, table, upper, real = typo_data._kept("nfkc_tables", _build_tables)
    # (a list for .translate(): see numbers.translation)
    return (np.frombuffer(kind, dtype=np.uint8), np.frombuffer(lut, dtype=np.uint32),
            translation(table), re.compile(upper), re.compile(real))


def _build_tables() -> tuple[bytes, bytes, dict[int, str], str, str]:
    """The tables of :func:`_tables`: the kinds and the one-character mapping as the
    bytes of a uint8 and a uint32 array, the mapping for ``str.translate`` as a dict, and
    the two character classes' patterns."""
    kind = np.zeros(0x10000, dtype=np.uint8)
    lut = np.arange(0x10000, dtype=np.uint32)
    multi: dict[int, str] = {}
    upper: set[int] = set(range(ord("A"), ord("Z") + 1))
    for c in list(range(0x1100, 0x1200)) + list(range(0x3131, 0x318F)) \
            + list(range(0xFFA0, 0xFFDD)) + list(range(0xD800, 0xE000)):
        kind[c] = 3  # Hangul jamo compose; lone surrogates: let unicodedata decide
    for c in range(0x80, 0x10000):
        if kind[c]:
            continue
        ch = chr(c)
        nf = unicodedata.normalize("NFKC", ch)
        if unicodedata.combining(ch) or any(unicodedata.combining(x) for x in nf):
            kind[c] = 3
        elif len(nf) == 1 and nf != ch:
            kind[c], lut[c] = 1, ord(nf)
        elif nf != ch:
            kind[c] = 2
            multi[c] = nf
        if ch.casefold() != ch:
            upper.add(c)
    table = {c: chr(int(lut[c])) for c in np.flatnonzero(kind == 1).tolist()}
    table.update(multi)
    real = _class_pattern(np.flatnonzero(kind == 3).tolist(), "\U00010000-\U0010ffff")
    return kind.tobytes(), lut.tobytes(), table, _class_pattern(upper), real


_NFKC_KIND = _NFKC_LUT = _NFKC_MAP = _CASED = _NFKC_REAL = None  # (built by _load)
SHORT = 256  # below this length a dict look-up a character beats numpy's per-call cost


def _load() -> None:
    """Build the tables the first time text is normalised, not when the module is
    imported: a run whose seeds are all stored (its pytest process checks none)
    does not wait for them."""
    global _NFKC_KIND, _NFKC_LUT, _NFKC_MAP, _CASED, _NFKC_REAL
    _NFKC_KIND, _NFKC_LUT, _NFKC_MAP, _CASED, _NFKC_REAL = _tables()


def nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``, a few times faster on Chinese text
    (whose full-width punctuation always needs folding): a per-character table looked up
    with numpy (with ``str.translate`` on a short text), and the real NFKC wherever
    characters can combine or lie outside the BMP."""
    if text.isascii():
        return text
    if _NFKC_MAP is None:
        _load()
    if len(text) < SHORT:  # a sentence: one scan and one translate
        if _NFKC_REAL.search(text):
            return unicodedata.normalize("NFKC", text)
        return text.translate(_NFKC_MAP)
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    if codes.max() >= 0x10000:
        return unicodedata.normalize("NFKC", text)
    kind = int(_NFKC_KIND[codes].max())
    if kind == 0:
        return text
    if kind == 1:
        return _NFKC_LUT[codes].tobytes().decode("utf-32-le")
    if kind == 2:
        return text.translate(_NFKC_MAP)
    return unicodedata.normalize("NFKC", text)


def normalize(text: str) -> str:
    """The comparison form of a piece of text (see the module docstring)."""
    if "<" in text:
        text = _ANY_TAG.sub("", text)
    if "&" in text:
        text = _ENTITY.sub(" ", text)
    text = "".join(nfkc("".join(text.split())).split())
    if _CASED is None:
        _load()
    if _CASED.search(text):
        text = text.casefold()
    return text


def fold_figures(norm: str) -> str:
    """``norm`` with every number replaced by ``#``: two texts that are equal after
    this differ only in figures (which the figure checks judge)."""
    return _FIGURE.sub("#", norm)


@dataclass(frozen=True)
class Paragraph:
    """One paragraph: ``text[start:end]`` of the seed (raw, possibly several lines),
    and its normal form."""

    start: int
    end: int
    norm: str

    @property
    def size(self) -> int:
        return len(self.norm)


@dataclass
class _Seg:
    start: int
    end: int
    raw: str          # the raw text of the segment (stripped)
    norm: str         # its normal form
    indent: int       # leading white space of its line (segments starting a line)
    whole_line: bool  # the segment is the whole (stripped) line


def _segments(text: str, start: int, end: int) -> list[list[_Seg]]:
    """Runs of non-blank lines (blank lines separate runs); each line cut at block
    tags into segments."""
    runs: list[list[_Seg]] = []
    cur: list[_Seg] = []
    pos = start
    n = end
    while pos < n:
        nl = text.find("\n", pos, n)
        line_end = n if nl < 0 else nl
        nxt = n if nl < 0 else nl + 1
        raw_end = line_end
        if raw_end > pos and text[raw_end - 1] == "\r":
            raw_end -= 1
        line = text[pos:raw_end]
        pieces: list[tuple[int, int]] = []
        if "<" in line and _BLOCK_TAG.search(line):
            last = 0
            for m in _BLOCK_TAG.finditer(line):
                pieces.append((last, m.start()))
                last = m.end()
            pieces.append((last, len(line)))
        else:
            pieces.append((0, len(line)))
        segs: list[_Seg] = []
        for a, b in pieces:
            chunk = line[a:b]
            stripped = chunk.strip()
            if not stripped:
                continue
            norm = normalize(stripped)
            if not norm:
                continue
            lead = len(chunk) - len(chunk.lstrip())
            s = pos + a + lead
            e = s + len(stripped)
            segs.append(_Seg(s, e, stripped, norm, lead if a == 0 else 0, len(pieces) == 1))
        if not segs:
            if not line.strip() and cur:
                runs.append(cur)
                cur = []
            # a line of only tags is not a boundary on its own
        else:
            cur.extend(segs)
        pos = nxt
    if cur:
        runs.append(cur)
    return runs


def paragraphs(text: str, start: int = 0, end: int | None = None) -> list[Paragraph]:
    """The paragraphs of ``text[start:end]`` in order (see the module docstring)."""
    end = len(text) if end is None else end
    out: list[Paragraph] = []
    for run in _segments(text, start, end):
        longest = max(len(s.raw) for s in run)
        i = 0
        while i < len(run):
            first = run[i]
            last = first
            parts = [first.norm]
            j = i
            while j + 1 < len(run):
                cur, nxt = run[j], run[j + 1]
                if not (cur.whole_line and nxt.whole_line):
                    break
                if cur.raw[-1] in _TERMINAL or longest < 20 or len(cur.raw) < 0.8 * longest:
                    break
                if _ITEM_START.match(nxt.raw) or nxt.indent > cur.indent:
                    break
                parts.append(nxt.norm)
                last = nxt
                j += 1
            out.append(Paragraph(first.start, last.end, "".join(parts)))
            i = j + 1
    return out


# Sentence ends inside a paragraph (a closing quote or bracket stays with its sentence).
_SENTENCE_END = re.compile(r"[。！？!?；;]+[”’\"」』）)]*")


@dataclass(frozen=True)
class Unit(Paragraph):
    """A sentence of the body as a comparison unit: ``text[start:end]`` (possibly over
    several lines), its normal form, and the raw pieces (start, end) it is made of."""

    pieces: tuple[tuple[int, int], ...] = ()


def sentence_pieces(text: str, paras: list[Paragraph]) -> list[tuple[int, int, str, bool]]:
    """The paragraphs cut after each sentence end: (start, end, normal form, ends a
    sentence) per piece; a paragraph's last piece may end without a sentence end."""
    out: list[tuple[int, int, str, bool]] = []
    for p in paras:
        pos = p.start
        for m in _SENTENCE_END.finditer(text, p.start, p.end):
            if text[pos:m.end()].strip():
                out.append((pos, m.end(), normalize(text[pos:m.end()]), True))
            pos = m.end()
            while pos < p.end and text[pos].isspace():
                pos += 1
        if pos < p.end and text[pos:p.end].strip():
            out.append((pos, p.end, normalize(text[pos:p.end]), False))
    return out


def sentence_units(text: str, start: int = 0, end: int | None = None,
                   merge: bool = False, pieces=None) -> list[Unit]:
    """The body cut into sentences, whatever its line wrapping: every paragraph of
    :func:`paragraphs` is split after each sentence end (。！？；), so a copy that joins
    every two paragraphs into one line, or puts each sentence on a line of its own, gives
    the same units as the original. With ``merge``, a paragraph that does not end a
    sentence is joined to the next paragraph's first sentence (a copy split in the
    middle of sentences, the halves on separate lines). ``pieces`` is
    :func:`sentence_pieces` when the caller has it."""
    if pieces is None:
        pieces = sentence_pieces(text, paragraphs(text, start, end))
    out: list[Unit] = []
    pending: list[tuple[int, int, str]] = []
    for a, b, norm, ends in pieces:
        if not norm and not pending:
            continue
        pending.append((a, b, norm))
        if ends or not merge:
            joined = "".join(x[2] for x in pending)
            if joined:
                out.append(Unit(pending[0][0], pending[-1][1], joined,
                                tuple((x[0], x[1]) for x in pending)))
            pending = []
    if pending:
        joined = "".join(x[2] for x in pending)
        if joined:
            out.append(Unit(pending[0][0], pending[-1][1], joined,
                            tuple((x[0], x[1]) for x in pending)))
    return out
