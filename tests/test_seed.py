"""Reading seeds: decoding problems, positions (code points, 1-based, exclusive end)."""

from __future__ import annotations

import datetime as dt

import pytest

from checks.seed import decode, seed_from_bytes, seed_from_text, split_lines
from pathlib import Path


def test_positions_count_code_points_not_bytes():
    seed = seed_from_text("2020-07-26\n\n达州市认真贯彻\n第二行")
    off = seed.text.index("认真")
    assert seed.position(off) == (3, 4)
    loc = seed.location(off, off + 2)
    assert (loc.line, loc.column, loc.end_line, loc.end_column) == (3, 4, 3, 6)


def test_whole_line_span_including_break_ends_on_that_line():
    seed = seed_from_text("a\nbcd\ne")
    ln = seed.line(2)
    loc = seed.location(ln.start, ln.next)
    assert (loc.line, loc.column, loc.end_line, loc.end_column) == (2, 1, 2, 4)


@pytest.mark.parametrize("text", ["a\r\nbb\r\nccc", "a\rbb\rccc", "a\nbb\nccc"])
def test_line_numbers_right_for_crlf_and_lone_cr(text):
    seed = seed_from_text(text)
    off = seed.text.index("ccc")
    assert seed.position(off) == (3, 1)
    assert [ln.text for ln in seed.lines] == ["a", "bb", "ccc"]


def test_split_lines_keeps_trailing_empty_line():
    assert [ln.text for ln in split_lines("x\n")] == ["x", ""]


def test_header_date_and_body_start():
    seed = seed_from_text("2020-07-26\n\n标题\n正文")
    assert seed.header_date == dt.date(2020, 7, 26)
    assert seed.body == "标题\n正文"
    assert seed_from_text("2020-02-30\n\nx").header_date is None


def test_empty_and_whitespace_only():
    assert decode(b"")[2][0][0] == "format.empty-file"
    text, _, problems = decode(b" \n\t\n")
    assert text == " \n\t\n" and problems[0][0] == "format.empty-file"


def test_bom_is_reported_and_stripped():
    text, bom, problems = decode("\ufeff2020-07-26\n\n正文".encode("utf-8"))
    assert bom and text == "2020-07-26\n\n正文"
    assert [p[0] for p in problems] == ["format.bom"]


def test_invalid_utf8_names_the_byte_offset():
    raw = "2020-07-26\n\n正文".encode("utf-8") + b"\xff" + "后文".encode("utf-8")
    text, _, problems = decode(raw)
    assert text is None
    check, message, evidence = problems[0]
    assert check == "format.invalid-utf8"
    assert evidence["byte_offset"] == 18
    assert "byte offset 18" in message


def test_gbk_file_is_named():
    raw = "2020-07-26\n\n达州市认真贯彻习近平总书记的重要讲话精神".encode("gbk")
    _, _, problems = decode(raw)
    assert problems[0][0] == "format.invalid-utf8"
    assert "GB" in problems[0][1]


def test_utf16_is_named():
    _, _, problems = decode("2020-07-26\n\n正文".encode("utf-16"))
    assert problems[0][0] == "format.wrong-encoding"
    assert "UTF-16" in problems[0][1]


def test_binary_and_nul():
    assert decode(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))[2][0][0] == "format.binary-file"
    _, _, problems = decode("2020-07-26\n\nab".encode() + b"\x00cd")
    assert problems[0][0] == "format.nul-byte"
    assert problems[0][2]["byte_offset"] == 14


def test_too_large_is_not_decoded():
    seed = seed_from_bytes(Path("big.txt"), "big.txt", b"x" * 100, max_bytes=10)
    assert seed.text is None and seed.problems[0][0] == "format.too-large"
