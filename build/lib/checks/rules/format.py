"""format: files that cannot be read as seeds, and the header convention.

The reading problems are found once, while the file is decoded
(:func:`checks.seed.decode`); the functions below document them and are no-ops when
run. ``format.header`` looks at the decoded text.
"""

from __future__ import annotations

from ..model import Fix, Hit
from ..registry import file_check
from ..seed import ISO_DATE


def _from_reader(seed, ctx):
    return []


@file_check("format.empty-file", severity="error", from_reader=True)
def empty_file(seed, ctx):
    """What it flags:
    A seed file with no bytes, or only whitespace.

    Why it matters:
    An empty seed is a failed capture; it adds a file and no text, and hides that the
    page was never saved.

    Example:
    `seeds/0042.txt` with 0 bytes.

    Fix:
    Capture the page again, or delete the file.
    """
    return _from_reader(seed, ctx)


@file_check("format.binary-file", severity="error", from_reader=True)
def binary_file(seed, ctx):
    """What it flags:
    A file that is not text: a known binary signature (PNG, JPEG, PDF, ZIP, ...) or many
    control bytes.

    Why it matters:
    A picture renamed `.txt` is not a seed; decoding it as text fills the corpus with
    noise.

    Example:
    An image saved as `seeds/page.txt`.

    Fix:
    Remove the file from the seeds folder, or extract the page's text into it.
    """
    return _from_reader(seed, ctx)


@file_check("format.nul-byte", severity="error", from_reader=True)
def nul_byte(seed, ctx):
    """What it flags:
    A file holding NUL (0x00) bytes; the message gives the first byte offset.

    Why it matters:
    NUL bytes break text tools and usually mean a truncated download or a UTF-16 file.

    Example:
    `正文\\x00\\x00` in a seed.

    Fix:
    Re-capture the page, or remove the NUL bytes and check what else was damaged.
    """
    return _from_reader(seed, ctx)


@file_check("format.invalid-utf8", severity="error", from_reader=True)
def invalid_utf8(seed, ctx):
    """What it flags:
    A file that is not valid UTF-8; the message names the byte offset of the first bad
    byte and, when the file decodes as GB18030/GBK, says so.

    Why it matters:
    Seeds are UTF-8; a GBK file read as UTF-8 turns into mojibake or is dropped.

    Example:
    A page saved by a GBK site: `\\xd5\\xfe\\xb8\\xae` (政府 in GBK).

    Fix:
    Re-save the file as UTF-8 (`iconv -f GB18030 -t UTF-8`).
    """
    return _from_reader(seed, ctx)


@file_check("format.wrong-encoding", severity="error", from_reader=True)
def wrong_encoding(seed, ctx):
    """What it flags:
    A file in UTF-16 (with or without a byte-order mark).

    Why it matters:
    Seeds are UTF-8; UTF-16 text is unreadable to every tool that expects UTF-8.

    Example:
    A file starting with the bytes `FF FE`.

    Fix:
    Re-save the file as UTF-8 (`iconv -f UTF-16 -t UTF-8`).
    """
    return _from_reader(seed, ctx)


@file_check("format.bom", severity="warning", from_reader=True)
def bom(seed, ctx):
    """What it flags:
    A UTF-8 file that starts with a byte-order mark (U+FEFF).

    Why it matters:
    The mark becomes an invisible first character of line 1, so the capture date no
    longer parses and text comparisons fail.

    Example:
    `\\ufeff2020-07-26` on line 1.

    Fix:
    Save the file as UTF-8 without BOM.
    """
    return _from_reader(seed, ctx)


@file_check("format.unreadable-file", severity="error", from_reader=True)
def unreadable_file(seed, ctx):
    """What it flags:
    A seed path that cannot be opened: no permission, a dangling or looping symbolic
    link, a pipe or device named `*.txt` (never opened: reading it would block).

    Why it matters:
    A seed the gate cannot read is a seed nobody reviewed.

    Example:
    `seeds/a.txt` pointing at a file that no longer exists.

    Fix:
    Restore the file or the link target, fix its permissions, or remove the entry.
    """
    return _from_reader(seed, ctx)


@file_check("format.too-large", severity="error", from_reader=True)
def too_large(seed, ctx):
    """What it flags:
    A seed larger than `max_file_bytes` (default 20 MB); it is not checked.

    Why it matters:
    One article a file is a few kilobytes; a huge file is a dump of many pages or of a
    binary, and checking it would take the run's time and memory.

    Example:
    A 100 MB `seeds/dump.txt`.

    Fix:
    Split the file into one seed per article, or raise `max_file_bytes` in
    `[tool.seedcheck]` if it really is one article.
    """
    return _from_reader(seed, ctx)


@file_check("format.long-line", severity="warning", from_reader=True)
def long_line(seed, ctx):
    """What it flags:
    A line longer than `max_line_chars` (default 100,000 characters). The text checks
    skip the line (they see it as empty; line numbers and columns elsewhere stay right);
    the finding says how long it was.

    Why it matters:
    An article has no line that long: it is a minified script, a flattened table or
    several pages glued together, and no reviewer reads it. Checking it would cost the
    run its time and memory.

    Example:
    Line 5 of a seed holding 10 MB of page source on one line.

    Fix:
    Remove the line or break it into the article's real paragraphs; raise
    `max_line_chars` in `[tool.seedcheck]` only if it really is text.
    """
    return _from_reader(seed, ctx)


@file_check("format.file-name-encoding", severity="warning", from_reader=True)
def file_name_encoding(seed, ctx):
    """What it flags:
    A seed whose file name is not valid UTF-8 (bytes written by a system using GBK or
    another legacy encoding). The name is shown with its bad bytes escaped (`\\xd5`).

    Why it matters:
    Tools that expect UTF-8 names cannot open or report the file; the corpus checks
    cannot compare it with the other seeds.

    Example:
    `seeds/\\xd5\\xfe\\xb8\\xae.txt` (政府.txt written in GBK).

    Fix:
    Rename the file to a UTF-8 name (`convmv -f gbk -t utf8`).
    """
    return _from_reader(seed, ctx)


@file_check("format.header", severity="error")
def header(seed, ctx):
    """What it flags:
    A seed whose line 1 is not an ISO capture date (`2020-07-26`, a real calendar date)
    or whose line 2 is not empty.

    Why it matters:
    The capture date is how a seed is placed in time (and checked against the dates the
    page states); tools downstream read it from line 1.

    Example:
    Line 1 `2020/07/26`, or the page title directly on line 2.

    Fix:
    Put the capture date on line 1 as `YYYY-MM-DD` and leave line 2 empty.
    """
    if not seed.text or not seed.text.strip():
        return
    lines = seed.lines
    first = lines[0]
    stripped = first.text.strip()
    if seed.header_date is None:
        if ISO_DATE.fullmatch(stripped):
            why = f"line 1 is {stripped!r}, which is not a calendar date"
        else:
            shown = stripped[:40]
            why = f"line 1 should be the capture date as YYYY-MM-DD, found {shown!r}"
        yield Hit(first.start, first.end, why, key="line1")
        return
    if first.text != stripped:
        yield Hit(first.start, first.end,
                  "line 1 has white space around the capture date",
                  fix=Fix(stripped, safe=True), key="line1-space")
    if len(lines) < 2:
        return
    second = lines[1]
    if second.text.strip():
        yield Hit(second.start, second.end,
                  "line 2 should be empty (the header is the capture date, then a blank "
                  "line)", fix=Fix("\n" + second.text, safe=False, start=second.start,
                                   end=second.end), key="line2")


@file_check("format.check-crashed", severity="error", from_reader=True)
def check_crashed(seed, ctx):
    """What it flags:
    A seed on which one of seedcheck's own checks raised an exception; the message names
    the check and the error.

    Why it matters:
    A crash must neither stop the run nor let the seed pass unchecked: the other checks
    still run, and the seed fails until the check is fixed.

    Example:
    `the check typo.lookalike-char crashed on this seed (IndexError: ...)`.

    Fix:
    Report the seed and the message to the seedcheck maintainers; meanwhile accept the
    finding in the baseline or ignore that check for this file in `per-file-ignores`.
    """
    return _from_reader(seed, ctx)
