"""The bad-input matrix (issue 9), end to end through the pytest plugin.

Every case puts one bad seed (or a bad setting) next to a good seed and runs the plugin:
the run completes, the good seed is checked and passes, the bad one gets one clear
``format`` finding (or, for configuration, a usage error naming the setting), nothing
prints a traceback, and the exit code is the contract's (REPORT_SCHEMA.md): 1 when an
error-severity finding is left, 0 when not, 4 (usage error) for bad configuration.

Unit-level reading tests live in ``test_seed.py``; this file runs whole sessions.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

from checks import baseline as bl
from ci_support import skip_or_fail
from test_plugin import load_report, make_seeds

GOOD = "2020-07-26\n\n标题\n\n正文第一段，内容完整。\n"
BASE = ["-p", "no:cacheprovider"]
USAGE = pytest.ExitCode.USAGE_ERROR


# -- helpers -------------------------------------------------------------------------------

def _text(result) -> str:
    return result.stdout.str() + "\n" + result.stderr.str()


def assert_clean_output(result) -> str:
    text = _text(result)
    assert "Traceback" not in text, text[-3000:]
    assert "INTERNALERROR" not in text, text[-3000:]
    return text


def run(pytester, files: dict, *args, subprocess_: bool = False, good: bool = True):
    """Run the plugin on ``good.txt`` plus ``files``; check the invariants every case
    shares; return (result, report, output)."""
    seeds = pytester.path / "seeds"
    make_seeds(seeds, ({"good.txt": GOOD} if good else {}) | files)
    out = pytester.path / "out"
    argv = ["--seeds", str(seeds), "--report-dir", str(out), *BASE, *args]
    if subprocess_:
        result = pytester.runpytest_subprocess(*argv, timeout=300)
    else:
        result = pytester.runpytest(*argv)
    text = assert_clean_output(result)
    report = load_report(out)
    rows = {r["path"]: r for r in report["files"]}
    if good:
        assert rows["good.txt"]["status"] == "pass"
        assert rows["good.txt"]["chars"] == len(GOOD) and rows["good.txt"]["lines"] == 6
        assert rows["good.txt"]["sha256"] == hashlib.sha256(GOOD.encode()).hexdigest()
        assert not [f for f in report["findings"] if f["path"] == "good.txt"
                    and f["severity"] != "info"]
    return result, report, text


def found(report, path: str) -> list[tuple]:
    return [(f["check"], f["severity"], f["line"], f["column"], f["end_line"], f["end_column"])
            for f in report["findings"] if f["path"] == path]


def finding(report, path: str, check: str) -> dict:
    hits = [f for f in report["findings"] if f["path"] == path and f["check"] == check]
    assert len(hits) == 1, found(report, path)
    return hits[0]


def status(report, path: str) -> str:
    return {r["path"]: r["status"] for r in report["files"]}[path]


def tiny_png() -> bytes:
    """A valid 1x1 PNG image."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


ZH = "2020-07-26\n\n达州市认真贯彻重要讲话精神，坚持把党建引领作为重要抓手，充分发挥政治优势。\n"
ZH_TRAD = "2020-07-26\n\n達州市認真貫徹重要講話精神，堅持把黨建引領作為重要抓手，充分發揮政治優勢。\n"


# -- 1. empty and whitespace-only ---------------------------------------------------------------

def test_empty_file(pytester):
    result, report, text = run(pytester, {"empty.txt": b""})
    assert result.ret == 1
    assert found(report, "empty.txt") == [("format.empty-file", "error", 1, 1, 1, 1)]
    assert finding(report, "empty.txt", "format.empty-file")["message"] == \
        "the file is empty (0 bytes)"
    assert status(report, "empty.txt") == "fail"
    assert "empty.txt:1:1 format.empty-file" in text


@pytest.mark.parametrize("content,size", [(" \n\t\n", 4), ("\r\n\r\n", 4),
                                          ("\u3000\u3000\n", 7)])
def test_whitespace_only_file(pytester, content, size):
    result, report, _ = run(pytester, {"blank.txt": content})
    assert result.ret == 1
    assert found(report, "blank.txt") == [("format.empty-file", "error", 1, 1, 1, 1)]
    assert finding(report, "blank.txt", "format.empty-file")["message"] == \
        f"the file holds only whitespace ({size} bytes)"


# -- 2. binary and NUL bytes ----------------------------------------------------------------------

@pytest.mark.parametrize("content", [
    tiny_png(),
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4,  # a JPEG's start
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00" + bytes(64),
    b"PK\x03\x04" + bytes(range(256)),
    bytes(range(256)) * 16,  # no signature: control bytes
], ids=["png", "jpeg", "gif", "zip", "controls"])
def test_binary_file_renamed_txt(pytester, content):
    result, report, _ = run(pytester, {"image.txt": content})
    assert result.ret == 1
    assert found(report, "image.txt") == [("format.binary-file", "error", 1, 1, 1, 1)]
    assert status(report, "image.txt") == "unreadable"
    assert "binary" in finding(report, "image.txt", "format.binary-file")["message"]


def test_nul_bytes_give_the_byte_offset(pytester):
    raw = "2020-07-26\n\n正文".encode() + b"\x00\x00" + "后文。\n".encode()
    result, report, _ = run(pytester, {"nul.txt": raw})
    assert result.ret == 1
    f = finding(report, "nul.txt", "format.nul-byte")
    assert "first at byte offset 18" in f["message"]
    assert f["evidence"] == {"byte_offset": 18, "count": 2}
    assert status(report, "nul.txt") == "unreadable"


# -- 3. encodings -------------------------------------------------------------------------------

@pytest.mark.parametrize("raw,named", [
    (ZH.encode("gbk"), "it appears to be GBK/GB18030, so re-save it as UTF-8"),
    ((ZH + "𠀀\n").encode("gb18030"), "it appears to be GB18030, so re-save it as UTF-8"),
    ((ZH_TRAD * 3).encode("big5"), "it appears to be Big5, so re-save it as UTF-8"),
], ids=["gbk", "gb18030-only", "big5"])
def test_legacy_chinese_encodings_are_named(pytester, raw, named):
    result, report, _ = run(pytester, {"legacy.txt": raw})
    assert result.ret == 1
    f = finding(report, "legacy.txt", "format.invalid-utf8")
    assert (f["line"], f["column"]) == (1, 1)
    # "2020-07-26\n\n" is ASCII: the first non-UTF-8 byte is the first Chinese one.
    assert f"at byte offset 12 (line 3, column 1) cannot be decoded; {named}" in f["message"]
    assert f["evidence"]["byte_offset"] == 12
    assert status(report, "legacy.txt") == "unreadable"


def test_gbk_is_not_called_gb18030_only_and_vice_versa(pytester):
    _, report, _ = run(pytester, {"a.txt": ZH.encode("gbk"),
                                  "b.txt": (ZH + "𠀀\n").encode("gb18030")})
    assert finding(report, "a.txt", "format.invalid-utf8")["evidence"]["encoding"] == \
        "GBK/GB18030"
    assert finding(report, "b.txt", "format.invalid-utf8")["evidence"]["encoding"] == \
        "GB18030"


@pytest.mark.parametrize("codec,named", [
    ("utf-16", "UTF-16LE (with BOM)"),
    ("utf-16-be", "UTF-16BE"),
    ("utf-16-le", "UTF-16LE"),
    ("utf-32", "UTF-32LE (with BOM)"),
])
def test_utf16_and_utf32_are_named(pytester, codec, named):
    raw = ZH.encode(codec)
    if codec == "utf-16":
        assert raw.startswith(codecs.BOM_UTF16_LE)
    result, report, _ = run(pytester, {"wide.txt": raw})
    assert result.ret == 1
    f = finding(report, "wide.txt", "format.wrong-encoding")
    assert f["message"] == f"the file is not UTF-8: it appears to be {named}; re-save it as UTF-8"
    assert status(report, "wide.txt") == "unreadable"


def test_utf8_bom_is_a_warning_and_the_text_is_still_checked(pytester):
    # line 2 is not empty: the header check runs on the text, with the BOM not counted
    # as a column.
    result, report, _ = run(pytester, {"bom.txt": "\ufeff2020-07-26\n标题\n正文。\n"})
    assert result.ret == 1
    assert found(report, "bom.txt") == [
        ("format.bom", "warning", 1, 1, 1, 1),
        ("format.header", "error", 2, 1, 2, 3),
    ]
    result, report, _ = run(pytester, {"bom.txt": "\ufeff" + GOOD.replace("正文", "内容")})
    assert result.ret == 0  # a warning fails nothing
    assert found(report, "bom.txt") == [("format.bom", "warning", 1, 1, 1, 1)]
    assert status(report, "bom.txt") == "pass"


def test_invalid_utf8_in_the_middle_gives_byte_offset_line_and_column(pytester):
    raw = ("2020-07-26\n\n标题\n\n正文第一段".encode() + b"\xe6\xad"  # a cut character
           + "，后文。\n".encode())
    result, report, _ = run(pytester, {"cut.txt": raw})
    assert result.ret == 1
    f = finding(report, "cut.txt", "format.invalid-utf8")
    offset = len("2020-07-26\n\n标题\n\n正文第一段".encode())
    assert offset == 35
    assert f["message"] == (
        "the file is UTF-8 but 1 byte sequence(s) in it are not: the first is byte 0xE6 "
        "at byte offset 35 (line 5, column 6); the file is damaged or truncated there")
    assert f["evidence"] == {"byte_offset": 35, "line": 5, "column": 6, "bad_sequences": 1,
                             "encoding": "UTF-8 (damaged)"}


# -- 4. line endings ----------------------------------------------------------------------------

@pytest.mark.parametrize("eol", ["\r\n", "\r", "\n"], ids=["crlf", "cr", "lf"])
def test_crlf_and_lone_cr_keep_line_numbers(pytester, eol):
    pytester.makepyprojecttoml("[tool.seedcheck]\nmax_line_chars = 20\n")
    body = eol.join(["2020-07-26", "标题", "正文。", "", "这一行很长" * 5, "后文。", ""])
    result, report, _ = run(pytester, {"eol.txt": body})
    assert result.ret == 1  # line 2 is not empty
    assert found(report, "eol.txt") == [
        ("format.header", "error", 2, 1, 2, 3),
        ("format.long-line", "warning", 5, 1, 5, 26),
    ]
    long = finding(report, "eol.txt", "format.long-line")
    assert long["excerpt"] == "这一行很长" * 5
    assert long["offset"] == body.index("这一行")  # an offset into the file's text


# -- 5. size: a 100 MB seed, a 10 MB line -------------------------------------------------------

def _sparse(path: Path, head: bytes, size: int) -> None:
    with open(path, "wb") as fh:
        fh.write(head)
        fh.truncate(size)  # sparse: instant, and no 100 MB written to disk


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def test_100mb_seed_is_rejected_by_size(pytester):
    seeds = make_seeds(pytester.path / "seeds", {"good.txt": GOOD})
    big = seeds / "dump.txt"
    _sparse(big, b"2020-07-26\n\n", 100 * 1024 * 1024)
    t0 = time.monotonic()
    result, report, text = run(pytester, {})
    elapsed = time.monotonic() - t0
    assert result.ret == 1
    f = finding(report, "dump.txt", "format.too-large")
    assert f["message"] == ("the file is 104,857,600 bytes, over the limit of 20,000,000 "
                            "bytes (setting max_file_bytes); it was not checked")
    row = {r["path"]: r for r in report["files"]}["dump.txt"]
    assert row["status"] == "unreadable" and row["chars"] == 0
    assert row["sha256"] == _sha256_file(big)  # hashed in chunks, not skipped
    assert elapsed < 60, elapsed


_MEASURE = """
import resource, sys, pytest
rc = pytest.main(sys.argv[1:])
print("MAXRSS", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "RC", int(rc))
"""


def _max_rss_kb(seeds: Path, out: Path, cwd: Path) -> int:
    proc = subprocess.run(
        [sys.executable, "-c", _MEASURE, "--seeds", str(seeds), "--report-dir", str(out),
         "-q", *BASE], cwd=cwd, capture_output=True, text=True, timeout=300)
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("MAXRSS")][-1]
    assert "Traceback" not in proc.stdout + proc.stderr
    return int(line.split()[1])


def test_100mb_seed_is_never_held_in_memory(tmp_path):
    small = make_seeds(tmp_path / "small", {"good.txt": GOOD, "dump.txt": GOOD.replace(
        "正文", "另一段正文")})
    big = make_seeds(tmp_path / "big", {"good.txt": GOOD})
    _sparse(big / "dump.txt", b"2020-07-26\n\n", 100 * 1024 * 1024)
    base = _max_rss_kb(small, tmp_path / "o1", tmp_path)
    with_big = _max_rss_kb(big, tmp_path / "o2", tmp_path)
    # 100 MB read into memory would add at least 100,000 KB.
    assert with_big - base < 40_000, (base, with_big)


def test_10mb_line_is_skipped_and_reported_within_bounds(pytester):
    cell = "<td>[b]</td>"
    line = cell * (10 * 1024 * 1024 // len(cell))
    body = f"2020-07-26\n\n标题\n\n{line}\n\n后文一段，内容完整。\n"
    t0 = time.monotonic()
    result, report, text = run(pytester, {"wide.txt": body})
    elapsed = time.monotonic() - t0
    assert result.ret == 0  # a warning: the rest of the file passes
    assert found(report, "wide.txt") == [
        ("format.long-line", "warning", 5, 1, 5, len(line) + 1)]
    f = finding(report, "wide.txt", "format.long-line")
    assert f["message"] == (f"line 5 is {len(line):,} characters long, over the limit of "
                            "100,000 (setting max_line_chars); the text checks skipped "
                            "this line")
    assert f["excerpt"] == line[:200]
    assert f["evidence"] == {"chars": len(line), "limit": 100_000}
    assert elapsed < 60, elapsed
    # Bounded output: the console, the JSON and the HTML show a bounded piece of the line.
    assert len(text) < 30_000
    assert cell * 3 in text and "[b]" in text  # shown literally, not eaten as markup
    out = pytester.path / "out"
    assert (out / "report.json").stat().st_size < 50_000
    assert (out / "report.html").stat().st_size < 200_000
    assert (out / "report.md").stat().st_size < 20_000


def test_millions_of_blank_lines_are_not_checked(pytester):
    """A small file can hold a huge number of lines (every Line costs memory and every
    check walks them): over 200,000 lines a seed is rejected like a big file."""
    body = "2020-07-26\n\n标题\n" + "\n" * 300_000 + "正文。\n"
    t0 = time.monotonic()
    result, report, _ = run(pytester, {"blank-flood.txt": body,
                                       "just-under.txt": "2020-07-26\n\n" + "\n" * 199_990})
    assert time.monotonic() - t0 < 120
    assert result.ret == 1
    assert found(report, "blank-flood.txt") == [("format.too-large", "error", 1, 1, 1, 1)]
    f = finding(report, "blank-flood.txt", "format.too-large")
    assert f["message"] == ("the file has 300,005 lines, over the limit of 200,000 lines (an "
                            "article has hundreds); it was not checked")
    assert status(report, "blank-flood.txt") == "unreadable"
    assert status(report, "just-under.txt") == "pass"  # 199,993 lines: checked


# -- 6. links and permissions ---------------------------------------------------------------------

def test_symlink_loop_and_dangling_symlink(pytester):
    seeds = make_seeds(pytester.path / "seeds", {"good.txt": GOOD})
    os.symlink("loop.txt", seeds / "loop.txt")
    os.symlink("missing.txt", seeds / "dangling.txt")
    (seeds / "sub").mkdir()
    os.symlink("..", seeds / "sub" / "up")  # a folder loop: walked once, not forever
    os.symlink("sub", seeds / "again")  # the same folder twice: listed once
    result, report, text = run(pytester, {})
    assert result.ret == 1
    assert [r["path"] for r in report["files"]] == ["dangling.txt", "good.txt", "loop.txt"]
    assert found(report, "loop.txt") == [("format.unreadable-file", "error", 1, 1, 1, 1)]
    assert finding(report, "loop.txt", "format.unreadable-file")["message"] == (
        "the file cannot be read: the symbolic link loop.txt -> loop.txt loops back on itself")
    assert finding(report, "dangling.txt", "format.unreadable-file")["message"] == (
        "the file cannot be read: the symbolic link dangling.txt -> missing.txt points to "
        "nothing (dangling)")
    assert status(report, "loop.txt") == status(report, "dangling.txt") == "unreadable"


def test_fifo_named_txt_is_not_opened(pytester):
    seeds = make_seeds(pytester.path / "seeds", {"good.txt": GOOD})
    os.mkfifo(seeds / "pipe.txt")  # opening it for reading would block forever
    result, report, _ = run(pytester, {}, subprocess_=True)
    assert result.ret == 1
    assert finding(report, "pipe.txt", "format.unreadable-file")["message"] == (
        "the file cannot be read: it is not a regular file (a pipe, socket or device); it "
        "was not opened")


def test_folder_named_txt_is_walked_into(pytester):
    inner = "2020-07-26\n\n通知\n\n下周一起，办公楼西门暂停开放。\n"
    result, report, _ = run(pytester, {"dir.txt/inner.txt": inner})
    # A folder named *.txt is a folder: its seeds are checked, nothing is lost.
    assert [r["path"] for r in report["files"]] == ["dir.txt/inner.txt", "good.txt"]
    assert status(report, "dir.txt/inner.txt") == "pass"
    assert result.ret == 0


def test_unreadable_file_simulated(pytester, monkeypatch):
    """chmod 000 does not stop root from reading, so the OSError is simulated."""
    import builtins

    import checks.seed as seed_mod

    real_open = builtins.open

    def fake_open(file, *a, **kw):
        if str(file).endswith("secret.txt"):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *a, **kw)

    monkeypatch.setattr(seed_mod, "open", fake_open, raising=False)
    result, report, _ = run(pytester, {"secret.txt": GOOD})
    assert result.ret == 1
    assert found(report, "secret.txt") == [("format.unreadable-file", "error", 1, 1, 1, 1)]
    assert finding(report, "secret.txt", "format.unreadable-file")["message"] == \
        "the file cannot be read: Permission denied"
    assert status(report, "secret.txt") == "unreadable"


def test_folder_that_cannot_be_listed_is_a_finding(pytester, monkeypatch):
    """Its seeds cannot be checked: that is said, not skipped silently (simulated: root
    can list any folder)."""
    make_seeds(pytester.path / "seeds", {
        "locked/inner.txt": GOOD, "open/other.txt": GOOD.replace("正文", "内容")})
    real = os.scandir

    def scandir(path="."):
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    result, report, text = run(pytester, {})
    monkeypatch.undo()
    assert result.ret == 1
    assert [r["path"] for r in report["files"]] == ["good.txt", "locked", "open/other.txt"]
    assert found(report, "locked") == [("format.unreadable-file", "error", 1, 1, 1, 1)]
    assert finding(report, "locked", "format.unreadable-file")["message"] == (
        "the file cannot be read: the folder cannot be listed (Permission denied); the "
        "seeds in it were not checked")
    assert status(report, "open/other.txt") == "pass"


def test_unreadable_file_chmod_000(pytester, monkeypatch):
    as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    if as_root:
        # root reads files whatever their mode: run the plugin as root without the
        # capabilities that override file permissions (util-linux setpriv), as CI does
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            skip_or_fail("root reads files whatever their mode, and setpriv (util-linux), "
                         "needed to test unreadable files as root, is missing")
        monkeypatch.setattr(pytester, "_getpytestargs", lambda: (
            setpriv, "--bounding-set", "-dac_override,-dac_read_search", "--",
            sys.executable, "-mpytest"))
    seeds = make_seeds(pytester.path / "seeds", {"good.txt": GOOD, "secret.txt": GOOD})
    (seeds / "secret.txt").chmod(0)
    try:
        result, report, _ = run(pytester, {}, subprocess_=as_root)
    finally:
        (seeds / "secret.txt").chmod(0o644)
    assert result.ret == 1
    assert finding(report, "secret.txt", "format.unreadable-file")["message"] == \
        "the file cannot be read: Permission denied"


# -- 7. file names ------------------------------------------------------------------------------

NAMED = {
    "a b.txt": "2020-07-26\n\n春季运动会\n\n学校在操场举行了春季运动会。\n",
    "中文 名字.txt": "2020-07-27\n\n图书馆开放\n\n新建的图书馆今天正式对外开放。\n",
    "-rf.txt": "2020-07-28\n\n天气预报\n\n明天全市有小雨，气温略有下降。\n",
    "--seeds=x.txt": "2020-07-29\n\n公交线路\n\n三条公交线路将从下月起调整走向。\n",
    "[x] (1).txt": "2020-07-30\n\n展览消息\n\n博物馆推出了一个关于古代陶瓷的展览。\n",
}


@pytest.mark.parametrize("xdist", [False, True], ids=["serial", "xdist"])
def test_file_names_with_spaces_chinese_dashes_brackets(pytester, xdist):
    args = ["-n", "2"] if xdist else []
    result, report, text = run(pytester, NAMED, *args, subprocess_=xdist)
    assert result.ret == 0
    assert sorted(r["path"] for r in report["files"]) == sorted([*NAMED, "good.txt"])
    assert all(r["status"] == "pass" for r in report["files"])
    assert result.parseoutcomes()["passed"] >= len(NAMED) + 1


def test_file_names_reach_node_ids(pytester):
    make_seeds(pytester.path / "seeds", {"good.txt": GOOD} | NAMED)
    r = pytester.runpytest("--seeds", "seeds", "--collect-only", "-q", *BASE)
    assert_clean_output(r)
    r.stdout.fnmatch_lines(["seeds::--seeds=x.txt", "seeds::-rf.txt", "seeds::[[]x] (1).txt",
                            "seeds::a b.txt", "seeds::good.txt", "seeds::中文 名字.txt"])


@pytest.mark.parametrize("xdist", [False, True], ids=["serial", "xdist"])
def test_file_name_that_is_not_utf8(pytester, xdist):
    seeds = make_seeds(pytester.path / "seeds", {"good.txt": GOOD})
    gbk_name = "政府".encode("gbk") + b".txt"
    with open(os.fsencode(seeds) + b"/" + gbk_name, "wb") as fh:
        fh.write("2020-07-26\n\n政府公告\n\n本周六上午停水检修，请提前储水。\n".encode())
    args = ["-n", "2"] if xdist else []
    result, report, text = run(pytester, {}, *args, subprocess_=True)
    shown = "\\xd5\\xfe\\xb8\\xae.txt"
    assert [r["path"] for r in report["files"]] == [shown, "good.txt"]
    assert found(report, shown) == [("format.file-name-encoding", "warning", 1, 1, 1, 1)]
    assert shown in finding(report, shown, "format.file-name-encoding")["message"]
    assert result.ret == 0


# -- 8. folders ----------------------------------------------------------------------------------

def test_seeds_folder_is_a_file(pytester):
    (pytester.path / "seeds.txt").write_text(GOOD, encoding="utf-8")
    r = pytester.runpytest_subprocess("--seeds", "seeds.txt", *BASE)
    assert r.ret == USAGE
    assert "--seeds seeds.txt: the seeds folder is not a folder" in r.stderr.str()
    assert_clean_output(r)


def test_seeds_folder_is_a_dangling_link(pytester):
    os.symlink("nowhere", pytester.path / "seeds")
    r = pytester.runpytest("--seeds", "seeds", *BASE)
    assert r.ret == USAGE
    assert "--seeds seeds: the seeds folder does not exist" in r.stderr.str()
    assert_clean_output(r)


@pytest.mark.parametrize("setup", ["file-as-folder", "under-a-file", "json-is-a-folder"])
def test_report_folder_cannot_be_written(pytester, setup):
    seeds = make_seeds(pytester.path / "seeds", {"good.txt": GOOD, "bad.txt": b""})
    if setup == "file-as-folder":
        out = pytester.path / "out"
        out.write_text("not a folder")
    elif setup == "under-a-file":
        (pytester.path / "blocker").write_text("not a folder")
        out = pytester.path / "blocker" / "out"
    else:
        out = pytester.path / "out"
        (out / "report.json").mkdir(parents=True)
        (out / "report.md").write_text("previous", encoding="utf-8")
    r = pytester.runpytest("--seeds", str(seeds), "--report-dir", str(out), *BASE)
    text = assert_clean_output(r)
    assert r.ret == 1
    assert f"seedcheck: ERROR: cannot write reports to {out}" in text
    # The checks themselves ran and were reported on the console.
    assert "bad.txt:1:1 format.empty-file" in text
    assert r.parseoutcomes()["passed"] >= 1 and r.parseoutcomes()["failed"] == 1
    if setup == "json-is-a-folder":
        # all or nothing: report.md was not replaced, no temporary file left behind
        assert (out / "report.md").read_text(encoding="utf-8") == "previous"
        assert sorted(p.name for p in out.iterdir()) == ["report.json", "report.md"]


# -- 9. configuration and baseline ---------------------------------------------------------------

@pytest.mark.parametrize("toml,named", [
    ('max_line_chars = "big"', "max_line_chars = 'big': expected a positive integer"),
    ("max_file_bytes = 0", "max_file_bytes = 0: expected a positive integer"),
    ("max_file_bytes = true", "max_file_bytes = True: expected a positive integer"),
    ('select = ["tpyo"]', "select: 'tpyo' matches no check"),
    ('ignore = ["format.nope"]', "ignore: 'format.nope' matches no check"),
    ("select = 3", "select = 3: expected a list of check ids"),
    ('baseline = 5', "baseline = 5: expected a path"),
    ('fail_on = "never"', "fail_on = 'never': expected one of error, warning, info"),
    ('severity = "loud"', "[tool.seedcheck.severity] must be a table"),
    ('[tool.seedcheck.severity]\n"format.header" = "fatal"', "format.header = 'fatal'"),
    ('[tool.seedcheck.severity]\n"format" = "info"',
     "[tool.seedcheck.severity] 'format' is not a check id"),
    ('[tool.seedcheck.per-file-ignores]\n"old/*.txt" = ["fromat"]',
     "[tool.seedcheck.per-file-ignores] 'old/*.txt': 'fromat' matches no check"),
    ('[tool.seedcheck.checks."format.nope"]\nx = 1',
     "[tool.seedcheck.checks] 'format.nope' is not a check id"),
    ('[tool.seedcheck.checks."duplicate.repeated-body"]\nmin_chars = "many"',
     '[tool.seedcheck.checks."duplicate.repeated-body"] min_chars = \'many\': expected int'),
    ("checks = 3", "[tool.seedcheck.checks] must hold one table per check id"),
    ("max_bytes = 1", "unknown setting 'max_bytes'"),
], ids=lambda v: v if len(v) < 30 else None)
def test_broken_configuration_is_a_usage_error_naming_the_setting(pytester, toml, named):
    make_seeds(pytester.path / "seeds", {"good.txt": GOOD})
    head = "" if toml.startswith("[tool.seedcheck.") else "[tool.seedcheck]\n"
    pytester.makepyprojecttoml(head + toml + "\n")
    r = pytester.runpytest("--seeds", "seeds", "--report-dir", "out", *BASE)
    assert r.ret == USAGE
    err = assert_clean_output(r)
    assert "seedcheck configuration: " in err
    assert named in err
    assert not (pytester.path / "out").exists()


@pytest.mark.parametrize("args,named", [
    (["-o", "seedcheck_fail_on=loud"], "seedcheck_fail_on = 'loud'"),
    (["--seedcheck-config", "missing.toml"], "--seedcheck-config missing.toml: no such file"),
])
def test_broken_option_values_are_usage_errors(pytester, args, named):
    make_seeds(pytester.path / "seeds", {"good.txt": GOOD})
    r = pytester.runpytest("--seeds", "seeds", *args, *BASE)
    assert r.ret == USAGE
    assert named in assert_clean_output(r)


def test_unparsable_toml_is_a_usage_error_naming_the_file(pytester):
    make_seeds(pytester.path / "seeds", {"good.txt": GOOD})
    bad = pytester.path / "seedcheck.toml"
    bad.write_text('fail_on = "error\n', encoding="utf-8")
    r = pytester.runpytest("--seeds", "seeds", "--seedcheck-config", str(bad), *BASE)
    assert r.ret == USAGE
    err = assert_clean_output(r)
    assert f"seedcheck configuration: {bad}: cannot read configuration: Illegal character" \
        in err
    # The same error in pyproject.toml is caught by pytest itself (it reads the file
    # for its own options first): still a usage error naming the file, no traceback.
    pytester.makepyprojecttoml('[tool.seedcheck]\nfail_on = "error\n')
    r = pytester.runpytest("--seeds", "seeds", *BASE)
    assert r.ret == USAGE
    err = assert_clean_output(r)
    assert "pyproject.toml: Unterminated string" in err


def test_valid_ids_and_prefixes_are_accepted(pytester):
    make_seeds(pytester.path / "seeds", {"good.txt": GOOD, "bad.txt": "标题\n正文"})
    pytester.makepyprojecttoml(
        '[tool.seedcheck]\nselect = ["format"]\nignore = ["format.bom"]\n'
        '[tool.seedcheck.severity]\n"format.header" = "warning"\n')
    r = pytester.runpytest("--seeds", "seeds", "--report-dir", "out", *BASE)
    assert_clean_output(r)
    assert r.ret == 0
    report = load_report(pytester.path / "out")
    assert found(report, "bad.txt") == [("format.header", "warning", 1, 1, 1, 3)]


BAD_BASELINES = [
    ("", "cannot be read: Expecting value: line 1 column 1 (char 0)"),
    ("{not json", "cannot be read: Expecting property name enclosed in double quotes: line 1"),
    ('{"schema": "seedcheck-baseline/1", "entries": [', "cannot be read: Expecting value"),
    ("[]", "is not a seedcheck baseline"),
    ('{"entries": {"a": 1}}', "is not a seedcheck baseline"),
    ('{"schema": "seedcheck-baseline/9", "entries": []}', "has schema 'seedcheck-baseline/9'"),
    ('{"entries": [{"fingerprint": 7}]}', "entry 0 has no 'fingerprint' string"),
    ('{"entries": [{"fingerprint": "x", "path": ["a.txt"]}]}',
     "entry 0 has a 'path' that is not a string"),
    (b"\xff\xfe{}", "cannot be read: 'utf-8' codec can't decode byte 0xff"),
    ("[" * 100_000, "cannot be read"),  # deep nesting must not crash the JSON reader
]


@pytest.mark.parametrize("content,named", BAD_BASELINES,
                         ids=[f"bad{i}" for i in range(len(BAD_BASELINES))])
def test_corrupt_baseline_is_a_usage_error_naming_the_file(pytester, content, named):
    seeds = make_seeds(pytester.path / "seeds", {"good.txt": GOOD})
    path = seeds / bl.FILENAME
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    r = pytester.runpytest("--seeds", str(seeds), "--report-dir", "out", *BASE)
    assert r.ret == USAGE
    err = assert_clean_output(r)
    assert f"baseline {path}" in err and named in err
    assert "pytest --update-baseline" in err


def test_baseline_that_is_a_folder(pytester):
    seeds = make_seeds(pytester.path / "seeds", {"good.txt": GOOD})
    (seeds / bl.FILENAME).mkdir()
    r = pytester.runpytest("--seeds", str(seeds), *BASE)
    assert r.ret == USAGE
    assert f"baseline {seeds / bl.FILENAME} cannot be read: " in assert_clean_output(r)


def _accept_all(pytester, seeds):
    r = pytester.runpytest("--seeds", str(seeds), "--report-dir", "out", "--update-baseline",
                           *BASE)
    assert r.ret == 0
    return json.loads((seeds / bl.FILENAME).read_text(encoding="utf-8"))


def test_hand_edited_baseline_with_bom_and_edits(pytester):
    seeds = make_seeds(pytester.path / "seeds", {"good.txt": GOOD, "a.txt": "标题\n正文",
                                                  "b.txt": b""})
    data = _accept_all(pytester, seeds)
    assert sorted((e["check"], e["path"]) for e in data["entries"]) == [
        ("format.empty-file", "b.txt"), ("format.header", "a.txt")]
    # Hand edit: saved with a BOM by an editor, one entry removed, one entry for a
    # finding that does not exist, extra keys kept by a reviewer.
    kept = [e for e in data["entries"] if e["path"] == "a.txt"]
    kept[0]["note"] = "accepted by review"
    kept.append({"fingerprint": "format.header:a.txt:00000000", "check": "format.header",
                 "path": "a.txt"})
    text = json.dumps({"schema": bl.SCHEMA, "entries": kept}, ensure_ascii=False)
    (seeds / bl.FILENAME).write_bytes(codecs.BOM_UTF8 + text.encode())
    r = pytester.runpytest("--seeds", str(seeds), "--report-dir", "out", *BASE)
    assert_clean_output(r)
    assert r.ret == 1  # b.txt's entry was removed: its finding fails again
    report = load_report(pytester.path / "out")
    assert finding(report, "a.txt", "format.header")["baselined"] is True
    assert finding(report, "b.txt", "format.empty-file")["baselined"] is False
    assert [e["fingerprint"] for e in report["stale_baseline"]] == [
        "format.header:a.txt:00000000"]


def test_baseline_that_cannot_be_written(pytester):
    seeds = make_seeds(pytester.path / "seeds", {"good.txt": GOOD, "a.txt": "标题\n正文"})
    blocker = pytester.path / "blocker"
    blocker.write_text("a file")
    r = pytester.runpytest("--seeds", str(seeds), "--report-dir", "out", "--update-baseline",
                           "--baseline", str(blocker / "baseline.json"), *BASE)
    text = assert_clean_output(r)
    assert r.ret == 1
    assert f"seedcheck: ERROR: cannot write the baseline {blocker / 'baseline.json'}" in text
    report = load_report(pytester.path / "out")  # the reports are still written
    assert finding(report, "a.txt", "format.header")["baselined"] is False


# -- hostile text in the reports -------------------------------------------------------------------

HOSTILE = ('<script>alert(1)</script><img src=x onerror=alert(2)>[bold]粗[/bold]'
           '[link=javascript:alert(3)]点[/link][/]</pre></code><!-- &lt;b&gt; ]]>')


class _Collect:
    """html.parser callbacks: every start tag with its attributes, and all text."""

    def __init__(self, html: str):
        from html.parser import HTMLParser

        self.tags: list[tuple[str, list]] = []
        self.text: list[str] = []
        outer = self

        class P(HTMLParser):
            def handle_starttag(self, tag, attrs):
                outer.tags.append((tag, attrs))

            def handle_startendtag(self, tag, attrs):
                outer.tags.append((tag, attrs))

            def handle_data(self, data):
                outer.text.append(data)

        p = P(convert_charrefs=True)
        p.feed(html)
        p.close()


def test_html_report_escapes_seed_text_and_rich_keeps_brackets(pytester):
    # line 1 is not a date: format.header shows line 1 (and quotes it in its message)
    result, report, text = run(pytester, {"evil.txt": HOSTILE + "\n\n正文。\n"})
    assert result.ret == 1
    f = finding(report, "evil.txt", "format.header")
    assert f["excerpt"] == HOSTILE  # the JSON keeps the text as it is
    html = (pytester.path / "out" / "report.html").read_text(encoding="utf-8")
    parsed = _Collect(html)
    tags = [t for t, _ in parsed.tags]
    assert "img" not in tags and "iframe" not in tags
    # three scripts, all the page's own: two JSON blocks and the inline script
    scripts = [dict(a) for t, a in parsed.tags if t == "script"]
    assert scripts == [{"type": "application/json", "id": "seedcheck-meta"},
                       {"type": "application/json", "id": "seedcheck-data"}, {}], scripts
    for _, attrs in parsed.tags:
        for name, value in attrs:
            assert not name.startswith("on"), (name, value)
            assert "javascript:" not in (value or ""), (name, value)
    assert "<script>alert" not in html and "<img src=x" not in html
    # the seed's text reaches the page's data as it is (the browser test shows it as text)
    from checks.report.html import embedded_data
    data = embedded_data(html)
    assert any("".join(row[1:]) == HOSTILE for f in data["findings"] for row in f[11]), \
        data["findings"]
    # rich did not eat the [...] on the console either
    assert "[bold]粗[/bold][link=javascript:alert(3)]点[/link][/]" in text
    md = (pytester.path / "out" / "report.md").read_text(encoding="utf-8")
    assert "<script>" not in md and "<img" not in md
