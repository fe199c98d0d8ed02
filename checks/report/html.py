"""``report.html``: the reviewer's page, one self-contained file.

Rendered with Jinja2 (autoescaping on) from ``templates/report.html.j2``; the CSS and the
script are inlined, the charts are inline SVG, and nothing is fetched when the page is
opened (a Content-Security-Policy forbids it, and only the page's own script, by hash,
may run).

The summary, the charts, the duplicates view and the figures view are rendered here.
The findings, file by file, are embedded as JSON and drawn by the script lazily (a few
files at a time, more as the reader scrolls), so a report of 30,000 findings opens in a
second or two. Seed text is hostile input: in the HTML Jinja escapes it; in the embedded
JSON ``<``, ``>``, ``&`` and the JavaScript line separators are written as ``\\uXXXX``
escapes (so ``</script>`` cannot end the block), and the script only ever puts it into
the page with ``textContent``. A large payload is gzip-compressed and base64-encoded
(the browser inflates it with ``DecompressionStream``) so the file stays small.

The payload is never held whole: its JSON text is rendered in pieces (a chunk of
findings, or one seed's run with a fragment cache), and each piece is encoded,
gzip-compressed (in a thread beside the rendering) and base64-encoded as a stream
(``_encode_payload``): the same bytes as
compressing the whole text at once, without the whole text, its UTF-8 bytes or the
compressed bytes in memory (at 150,000 findings the payload as rows took ~700 MB).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import secrets
import zlib
from collections import OrderedDict, defaultdict
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Iterator

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from ..model import CATEGORIES, SEVERITIES
from ..numbers import translation
from . import fragments

# Above this many bytes of JSON the payload is embedded gzip-compressed (base64).
COMPRESS_ABOVE = 2_000_000
# zlib level 1: at 10,000 seeds (13 MB of JSON) 0.2 s instead of 0.9 s at level 6, for
# 3.2 MB instead of 2.6 MB (the page is rendered again whenever a finding changes)
GZIP_LEVEL = 1
# The compressed payload is base64-encoded this many bytes at a time (a multiple of 3:
# the pieces' base64 texts join to the base64 text of the whole).
B64_PIECE = 3 * 65_536
# Side-by-side views: how many pairs show their text, and how much of it.
MAX_DUP_PAIRS = 60
DUP_CHARS = 1_500
MAX_FIGURE_PAIRS = 200
FIGURE_CHARS = 160
# Seeds read to build the context (the reading is bounded by max_bytes per file).
SEED_CACHE = 64

DUPLICATE_CHECKS = ("duplicate.identical-file", "duplicate.near-duplicate-file",
                    "duplicate.contained-file")
FIGURE_CHECKS = ("figure.conflicting-figure", "figure.conflicting-figure-across-files")
SEV_COLOR = {"error": "#c62828", "warning": "#ef8f00", "info": "#1e88e5"}
CAT_COLOR = {"duplicate": "#6a1b9a", "typo": "#00838f", "figure": "#2e7d32",
             "chrome": "#5d4037", "format": "#455a64"}

_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028",
            "\u2029": "\\u2029"}
_ESC_TABLE = translation(str.maketrans(_ESCAPES))  # a list: see numbers.translation
_SEV = {s: i for i, s in enumerate(SEVERITIES)}


def embed_json(data: Any, *, compact: bool = True) -> str:
    """JSON safe inside ``<script type="application/json">``: no ``<``, ``>`` or ``&``
    survives (``</script>`` and ``<!--`` cannot occur), nor U+2028/U+2029."""
    text = json.dumps(data, ensure_ascii=False,
                      separators=(",", ":") if compact else (", ", ": "))
    return text.translate(_ESC_TABLE)


# -- reading seeds ---------------------------------------------------------------------------

class _Seeds:
    """Seed texts by relative path, read once each (a small LRU: findings come sorted
    by path, related places jump around a little)."""

    def __init__(self, root: Path | None, max_bytes: int | None):
        self.root = root
        self.max_bytes = max_bytes
        self._cache: OrderedDict[str, Any] = OrderedDict()

    def get(self, rel: str):
        if self.root is None:
            return None
        if rel in self._cache:
            self._cache.move_to_end(rel)
            return self._cache[rel]
        from ..seed import read_seed

        try:
            seed = read_seed(self.root / rel, rel, self.max_bytes)
            seed = seed if seed.text is not None else None
        except Exception:  # never let a seed cost the report
            seed = None
        self._cache[rel] = seed
        if len(self._cache) > SEED_CACHE:
            self._cache.popitem(last=False)
        return seed


def _window(text: str, hs: int, he: int, width: int) -> tuple[int, int]:
    """A window of at most ``width`` characters of ``text`` showing [hs, he)."""
    if len(text) <= width:
        return 0, len(text)
    lo = max(0, hs - width // 3)
    hi = min(len(text), lo + width)
    lo = max(0, hi - width)
    return lo, hi


def _clip_line(text: str, hs: int, he: int, width: int) -> list[str]:
    """``[before, marked, after]`` of one line, cut to a window around the mark."""
    lo, hi = _window(text, hs, max(he, hs), width)
    hs, he = max(lo, min(hs, hi)), max(lo, min(he, hi))
    before = ("…" if lo > 0 else "") + text[lo:hs]
    after = text[he:hi] + ("…" if hi < len(text) else "")
    return [before, text[hs:he], after]


def _context(seed, start: int, end: int, around: int, width: int) -> list:
    """Numbered lines around [start, end): ``[number, before, marked, after]`` rows,
    ``[0, "… N lines …"]`` where a long span is elided."""
    lines = seed.lines
    if not lines:
        return []
    first = seed.line_at(start)
    last = seed.line_at(max(start, end - 1))
    numbers = list(range(max(1, first.number - around), first.number)) + [first.number]
    middle = list(range(first.number + 1, last.number + 1))
    if len(middle) > 3:
        numbers += middle[:2] + [-(len(middle) - 3)] + middle[-1:]
    else:
        numbers += middle
    numbers += list(range(last.number + 1, min(len(lines), last.number + around) + 1))
    anchor = max(0, start - first.start)
    rows: list = []
    for n in numbers:
        if n < 0:
            rows.append([0, f"… {-n} more lines …"])
            continue
        ln = lines[n - 1]
        hs = max(start, ln.start) - ln.start
        he = min(end, ln.end) - ln.start
        if he < hs or not (ln.start <= end and start <= ln.end):
            hs = he = min(anchor, len(ln.text))
        rows.append([n, *_clip_line(ln.text, hs, he, width)])
    return rows


def _fix_diff(seed, fix: dict, width: int) -> list:
    """The fix as a small diff: ``["-"|"+", number, before, changed, after]`` rows."""
    text = seed.text
    a, b = fix.get("offset"), fix.get("end_offset")
    if not isinstance(a, int) or not isinstance(b, int) or not 0 <= a <= b <= len(text):
        return []
    first = seed.line_at(a)
    last = seed.line_at(max(a, b - 1))
    stop = max(last.end, b)
    old = text[first.start:stop]
    new = text[first.start:a] + fix["replacement"] + text[b:stop]
    old_lines = old.rstrip("\r\n").split("\n") if old.strip("\r\n") or old else []
    new_lines = new.rstrip("\r\n").split("\n") if new.strip("\r\n") else []
    rows: list = []
    if len(old_lines) == 1 and len(new_lines) == 1:
        o, n = old_lines[0].rstrip("\r"), new_lines[0].rstrip("\r")
        p = 0
        while p < min(len(o), len(n)) and o[p] == n[p]:
            p += 1
        s = 0
        while s < min(len(o), len(n)) - p and o[-1 - s] == n[-1 - s]:
            s += 1
        rows.append(["-", first.number, *_clip_line(o, p, len(o) - s, width)])
        rows.append(["+", first.number, *_clip_line(n, p, len(n) - s, width)])
        return rows
    shown = list(enumerate(old_lines))
    if len(shown) > 4:
        shown = shown[:3] + [(-1, f"… {len(shown) - 4} more lines …")] + shown[-1:]
    for i, ln in shown:
        if i < 0:
            rows.append(["-", 0, "", "", ln])
            continue
        ln = ln.rstrip("\r")
        rows.append(["-", first.number + i, *_clip_line(ln, 0, len(ln), width)])
    for i, ln in enumerate(new_lines[:3]):
        ln = ln.rstrip("\r")
        rows.append(["+", first.number + i, *_clip_line(ln, 0, 0, width)])
    return rows


# -- the findings payload --------------------------------------------------------------------

# (context lines on each side, characters per line), from generous to tight.
LEVELS = ((2, 200), (1, 120), (1, 80), (0, 60), (0, 30))
# The embedded data must stay under this many bytes (the page under 20 MB): past it the
# payload is built again at the next, tighter level.
MAX_DATA_BYTES = 15_000_000


def _level(n: int) -> int:
    """The first level for a report of n findings: generous for a review-sized report,
    tighter for tens of thousands."""
    return 0 if n <= 2_000 else 1 if n <= 10_000 else 2


def _row(f: dict[str, Any], seeds: _Seeds, around: int, width: int) -> list:
    """A finding's payload row with its paths and check by name (``_payload`` turns
    them into indexes): what ``report.html`` keeps per seed between runs."""
    seed = seeds.get(f["path"])
    ctx: list = []
    diff: list = []
    a, b = f.get("offset"), f.get("end_offset")
    if seed is not None and isinstance(a, int) and isinstance(b, int) \
            and 0 <= a <= b <= len(seed.text):
        ctx = _context(seed, a, b, around, width)
        if f.get("fix") is not None:
            diff = _fix_diff(seed, f["fix"], width)
    if not ctx:  # no seed text (unreadable, or no seeds folder): the excerpt
        ctx = [[f["line"], "", f.get("excerpt", ""), ""]]
    fix = None
    if f.get("fix") is not None:
        rep = f["fix"]["replacement"]
        fix = [rep[:80] + ("…" if len(rep) > 80 else ""), 1 if f["fix"]["safe"] else 0,
               diff]
    related = []
    for r in (f.get("related") or [])[:5]:
        preview = ""
        rs = seeds.get(r["path"])
        if rs is not None and 1 <= r["line"] <= len(rs.lines):
            ln = rs.lines[r["line"] - 1].text
            c = max(0, r["column"] - 1)
            e = r["end_column"] - 1 if r["end_line"] == r["line"] else len(ln)
            preview = _clip_line(ln, c, max(c, e), width)
        related.append([r["path"], r["line"], r["column"], r["end_line"],
                        r["end_column"], preview])
    more = len(f.get("related") or []) - len(related)
    return [f["path"], f["check"], _SEV[f["severity"]],
            f["line"], f["column"], f["end_line"], f["end_column"], f["message"],
            1 if f.get("baselined") else 0, fix, related, ctx, more]


def _run_key(report_shas: dict[str, Any], findings: list[dict], digest: str,
             level: int) -> str:
    """What the payload rows of one run of findings depend on: the findings (their
    digest), the level, and the text of every seed they quote (by sha256)."""
    paths = {findings[0]["path"]}
    for f in findings:
        for r in (f.get("related") or [])[:5]:
            paths.add(r["path"])
    shas = "|".join(f"{p}={report_shas.get(p)}" for p in sorted(paths))
    return hashlib.sha1(f"{digest}|{level}|{shas}".encode("utf-8", "surrogatepass")
                        ).hexdigest()


def _payload(report: dict[str, Any], seeds: _Seeds, level: int | None = None
             ) -> dict[str, Any]:
    findings = report["findings"]
    around, width = LEVELS[_level(len(findings)) if level is None else level]
    files, file_index, status = _files(report)
    checks = sorted({f["check"] for f in findings})
    check_index = {c: i for i, c in enumerate(checks)}
    rows = [_indexed(_row(f, seeds, around, width), file_index, check_index)
            for f in findings]
    return {
        "files": [[p, status.get(p, "")] for p in files],
        "checks": checks,
        "severities": list(SEVERITIES),
        "categories": list(CATEGORIES),
        "findings": rows,
    }


def _indexed(r: list, file_index: dict[str, int], check_index: dict[str, int]) -> list:
    """A named row (``_row``) as its payload row: paths and check by index."""
    return [file_index[r[0]], check_index[r[1]], *r[2:10],
            [[file_index[x[0]], *x[1:]] for x in r[10]], r[11], r[12]]


def _files(report: dict[str, Any]) -> tuple[list[str], dict[str, int], dict[str, str]]:
    findings = report["findings"]
    files = sorted({r["path"] for r in report.get("files", [])}
                   | {f["path"] for f in findings}
                   | {r["path"] for f in findings for r in f.get("related") or []})
    file_index = {p: i for i, p in enumerate(files)}
    status = {r["path"]: r.get("status", "pass") for r in report.get("files", [])}
    return files, file_index, status


_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_MARK = "\x00"  # never in compact JSON text (written as \u0000): marks a name to index


def _row_text(r: list) -> str:
    """A named row (``_row``) as the compact JSON of its payload row, with the file
    and check indexes left as ``\\x00f<path>\\x00`` / ``\\x00c<check>\\x00`` marks."""
    rel = ",".join(f"[{_MARK}f{x[0]}{_MARK},{_dumps(x[1:])[1:]}" for x in r[10])
    return (f"[{_MARK}f{r[0]}{_MARK},{_MARK}c{r[1]}{_MARK},{_dumps(r[2:10])[1:-1]},"
            f"[{rel}],{_dumps(r[11])},{_dumps(r[12])}]")


def _payload_pieces(report: dict[str, Any], seeds: _Seeds, level: int, frags=None,
                    digests: list | None = None) -> tuple[Iterator[str], list[str]]:
    """``(pieces, checks)``: ``"".join(pieces)`` is ``json.dumps(_payload(...))``
    compact, byte for byte, and the pieces are rendered as they are taken, one at a
    time. Without ``frags``: a chunk of ``fragments.CHUNK`` findings a piece (never
    every row at once); with ``frags``: one seed's run a piece, the rows of seeds whose
    findings and quoted texts are unchanged taken from the cache."""
    findings = report["findings"]
    around, width = LEVELS[level]
    files, file_index, status = _files(report)
    checks = sorted({f["check"] for f in findings})
    check_index = {c: i for i, c in enumerate(checks)}
    head = _dumps({"files": [[p, status.get(p, "")] for p in files], "checks": checks,
                   "severities": list(SEVERITIES), "categories": list(CATEGORIES),
                   "findings": []})
    assert head.endswith(',"findings":[]}')
    del files, status

    def chunks() -> Iterator[str]:
        step = fragments.CHUNK
        for i in range(0, len(findings), step):
            yield _dumps([_indexed(_row(f, seeds, around, width), file_index, check_index)
                          for f in findings[i:i + step]])[1:-1]

    def runs() -> Iterator[str]:
        shas = {r["path"]: r.get("sha256") for r in report.get("files", [])}
        for i, j, digest in (digests if digests is not None
                             else fragments.run_digests(findings)):
            key = _run_key(shas, findings[i:j], digest, level)
            text = frags.get(key)
            if text is None:
                text = ",".join(_row_text(_row(f, seeds, around, width))
                                for f in findings[i:j])
                frags.put(key, text)
            # a run's text holds its marks in pairs: its names are indexed on their own
            pieces = text.split(_MARK)
            for k in range(1, len(pieces), 2):
                name = pieces[k]
                pieces[k] = str(file_index[name[1:]] if name[0] == "f"
                                else check_index[name[1:]])
            yield "".join(pieces)

    def pieces() -> Iterator[str]:
        yield head[:-2]
        for n, text in enumerate(chunks() if frags is None else runs()):
            if n:
                yield ","
            yield text
        yield "]}"

    return pieces(), checks


ZBLOCK = 1 << 20  # bytes of payload handed to the compressing thread at a time


def _gzip_base64(pieces: Iterable[str]) -> str:
    """``base64(gzip.compress("".join(pieces).encode(), GZIP_LEVEL, mtime=0))``, byte
    for byte, from one piece at a time: one ``zlib`` stream with gzip's header and
    trailer (``wbits=31``, which is what ``gzip.compress`` uses for ``mtime=0``), fed
    in blocks of about :data:`ZBLOCK` bytes, its output base64-encoded in pieces of
    :data:`B64_PIECE` bytes.

    The compressing runs in a thread beside the one that renders and encodes the
    pieces (zlib lets go of the interpreter while it deflates): at 150,000 findings
    each took ~1.4 s, now mostly at the same time. Deflate's output does not depend on
    how its input is cut, so the bytes are those of compressing the whole."""
    import queue
    import threading

    z = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)
    out: list[str] = []
    pending = bytearray()
    blocks: queue.Queue = queue.Queue(maxsize=4)
    failed: list[BaseException] = []

    def emit(block: bytes, last: bool = False) -> None:
        pending.extend(block)
        cut = len(pending) if last else len(pending) - len(pending) % 3
        if cut and (last or cut >= B64_PIECE):
            out.append(base64.b64encode(pending[:cut]).decode("ascii"))
            del pending[:cut]

    def deflate() -> None:
        while True:
            block = blocks.get()
            if block is None:
                return
            if not failed:
                try:
                    emit(z.compress(block))
                except BaseException as exc:  # (MemoryError): raised by the caller
                    failed.append(exc)

    worker = threading.Thread(target=deflate, name="seedcheck-gzip", daemon=True)
    worker.start()
    try:
        held: list[bytes] = []
        size = 0
        for piece in pieces:
            if failed:
                break
            b = piece.encode("utf-8")
            held.append(b)
            size += len(b)
            if size >= ZBLOCK:
                blocks.put(b"".join(held))
                held, size = [], 0
        if held:
            blocks.put(b"".join(held))
    finally:
        blocks.put(None)
        worker.join()
    if failed:
        raise failed[0]
    emit(z.flush(), last=True)
    return "".join(out)


def _encode_payload(pieces: Iterator[str], compress_above: int) -> tuple[str, str]:
    """``(data, encoding)`` of the payload text given in ``pieces``: the text itself,
    escaped for ``<script>`` (``"json"``), when it has at most ``compress_above``
    characters, else gzip-compressed and base64-encoded (``"gzip+base64"``). At most
    ``compress_above`` characters of it are held to tell which."""
    held: list[str] = []
    size = 0
    for piece in pieces:
        held.append(piece)
        size += len(piece)
        if size > compress_above:  # (characters: bytes are more)
            break
    else:
        return "".join(held).translate(_ESC_TABLE), "json"  # as embed_json
    held.reverse()

    def stream() -> Iterator[str]:
        while held:
            yield held.pop()  # each held piece dropped once compressed
        yield from pieces

    return _gzip_base64(stream()), "gzip+base64"


# -- side-by-side views ----------------------------------------------------------------------

def _marked(a: str, b: str) -> tuple[list[list], list[list]]:
    """Both texts as ``[text, marked]`` segments, the characters that differ marked."""
    from rapidfuzz.distance import Levenshtein

    left: list[list] = []
    right: list[list] = []
    for tag, i1, i2, j1, j2 in Levenshtein.opcodes(a, b):
        if tag == "equal":
            left.append([a[i1:i2], 0])
            right.append([b[j1:j2], 0])
            continue
        # 2: the difference holds a digit (a figure that differs), 1: other characters
        mark = 2 if any(c.isdigit() for c in a[i1:i2] + b[j1:j2]) else 1
        if i2 > i1:
            left.append([a[i1:i2], mark])
        if j2 > j1:
            right.append([b[j1:j2], mark])
    return _merge(left), _merge(right)


def _merge(segs: list[list]) -> list[list]:
    out: list[list] = []
    for text, mark in segs:
        if out and out[-1][1] == mark:
            out[-1][0] += text
        else:
            out.append([text, mark])
    return out


def _span_text(seed, loc: dict, limit: int, pad: int = 0) -> str | None:
    """The text of a location (line/column based), cut to ``limit`` characters."""
    if seed is None or not 1 <= loc["line"] <= len(seed.lines):
        return None
    lines = seed.lines
    first = lines[loc["line"] - 1]
    last = lines[min(loc["end_line"], len(lines)) - 1]
    start = first.start + max(0, loc["column"] - 1 - pad)
    end = min(last.end, last.start + loc["end_column"] - 1 + pad)
    text = seed.text[start:max(start, end)]
    return text if len(text) <= limit else text[:limit] + "…"


def _body(seed, limit: int) -> str | None:
    if seed is None:
        return None
    text = seed.body if hasattr(seed, "body") else seed.text
    text = text.strip("\n")
    return text if len(text) <= limit else text[:limit] + "…"


def _duplicates(report: dict[str, Any], seeds: _Seeds) -> dict[str, Any]:
    pairs = [f for f in report["findings"]
             if f["check"] in DUPLICATE_CHECKS and f.get("related")]
    repeated = [f for f in report["findings"]
                if f["check"] == "duplicate.repeated-body" and f.get("related")]
    from ..rules.duplicate import pair_groups

    groups = pair_groups(pairs)
    # the side-by-side texts: near-duplicates and contained files first (their
    # differences are the point), identical files with what is left of the quota
    ranked = sorted(pairs, key=lambda f: (f["check"] == "duplicate.identical-file",
                                          f["path"]))
    with_text = {(f["path"], f["check"]) for f in ranked[:MAX_DUP_PAIRS]}
    out_groups = []
    shown = 0
    for n, root in enumerate(sorted(groups), 1):
        members = []
        for f in sorted(groups[root], key=lambda f: (f["path"], f["check"])):
            other = f["related"][0]["path"]
            score = (f.get("evidence") or {}).get("score")
            item = {"path": f["path"], "other": other, "check": f["check"],
                    "relation": {"duplicate.identical-file": "identical to",
                                 "duplicate.near-duplicate-file": "near-duplicate of",
                                 "duplicate.contained-file": "contained in"}[f["check"]],
                    "score": score if isinstance(score, (int, float)) else None,
                    "sides": None}
            if (f["path"], f["check"]) in with_text:
                a = _body(seeds.get(other), DUP_CHARS)
                b = _body(seeds.get(f["path"]), DUP_CHARS)
                if a is not None and b is not None:
                    item["sides"] = _marked(a, b)
                    shown += 1
            members.append(item)
        out_groups.append({"n": n, "first": root, "members": members})
    blocks = []
    for f in sorted(repeated, key=lambda f: (f["path"], f["line"])):
        r = f["related"][0]
        ev = f.get("evidence") or {}
        item = {"path": f["path"], "line": f["line"], "end_line": f["end_line"],
                "other_line": r["line"], "other_end_line": r["end_line"],
                "score": ev.get("similarity"), "sides": None}
        if shown < MAX_DUP_PAIRS:
            seed = seeds.get(f["path"])
            a = _span_text(seed, r, DUP_CHARS)
            b = _span_text(seed, f, DUP_CHARS)
            if a is not None and b is not None:
                item["sides"] = _marked(a, b)
                shown += 1
        blocks.append(item)
    scores = [x["score"] for g in out_groups for x in g["members"] if x["score"] is not None]
    scores += [b["score"] for b in blocks if isinstance(b["score"], (int, float))]
    return {"groups": out_groups, "blocks": blocks, "scores": scores,
            "shared": sum(1 for f in report["findings"]
                          if f["check"] == "duplicate.shared-passage")}


def _figures(report: dict[str, Any], seeds: _Seeds) -> list[dict]:
    out = []
    seen: set = set()
    for f in report["findings"]:
        if f["check"] not in FIGURE_CHECKS or not f.get("related"):
            continue
        r = f["related"][0]
        pair = frozenset([(f["path"], f["line"]), (r["path"], r["line"])])
        if pair in seen:  # the other statement's finding names the same pair
            continue
        seen.add(pair)
        item = {"path": f["path"], "line": f["line"], "other_path": r["path"],
                "other_line": r["line"], "message": f["message"], "sides": None,
                "check": f["check"]}
        if len(out) < MAX_FIGURE_PAIRS:
            a = _sentence(seeds.get(r["path"]), r)
            b = _sentence(seeds.get(f["path"]), f)
            if a is not None and b is not None:
                item["sides"] = _marked(a, b)
        out.append(item)
    return out


def _sentence(seed, loc: dict) -> str | None:
    """The statement around a figure: its span with the neighbouring clause, within the
    line, cut to FIGURE_CHARS."""
    if seed is None or not 1 <= loc["line"] <= len(seed.lines):
        return None
    ln = seed.lines[loc["line"] - 1].text
    c = max(0, loc["column"] - 1)
    e = loc["end_column"] - 1 if loc["end_line"] == loc["line"] else len(ln)
    stops = "。！？；!?;"
    lo = max((ln.rfind(s, 0, c) for s in stops), default=-1) + 1
    his = [i for i in (ln.find(s, max(e, c)) for s in stops) if i >= 0]
    hi = min(his) + 1 if his else len(ln)
    lo = max(lo, c - FIGURE_CHARS // 2)
    hi = min(hi, max(e, c) + FIGURE_CHARS // 2)
    return ("…" if lo > 0 else "") + ln[lo:hi].strip() + ("…" if hi < len(ln) else "")


# -- charts ------------------------------------------------------------------------------------

def _bars(items: list[tuple[str, list[tuple[str, int, str]]]], width: int = 420) -> dict:
    """Horizontal stacked bars: ``items`` = [(label, [(part, count, colour)])]."""
    top = max([sum(c for _, c, _ in parts) for _, parts in items] or [0]) or 1
    rows = []
    for i, (label, parts) in enumerate(items):
        x = 0.0
        segs = []
        for name, count, colour in parts:
            w = count / top * width
            if count:
                segs.append({"x": round(x, 1), "w": round(max(w, 1.0), 1), "colour": colour,
                             "title": f"{label}: {count} {name}"})
            x += w
        rows.append({"y": i * 22, "label": label, "total": sum(c for _, c, _ in parts),
                     "segs": segs, "end": round(x, 1)})
    return {"rows": rows, "height": len(rows) * 22 + 4, "width": width}


def _histogram(scores: list[float]) -> dict | None:
    if not scores:
        return None
    lo = min(0.8, min(scores))
    lo = int(lo * 20) / 20  # multiples of 5 %
    step = 0.02 if lo >= 0.8 else 0.05
    nb = max(1, round((1.0 - lo) / step))
    counts = [0] * nb
    for s in scores:
        counts[min(nb - 1, max(0, int((s - lo) / step + 1e-9)))] += 1
    top = max(counts) or 1
    bw = 400 / nb
    bars = [{"x": round(i * bw, 1), "w": round(bw - 2, 1), "h": round(c / top * 120, 1),
             "count": c, "label": f"{(lo + i * step) * 100:.0f}–{(lo + (i + 1) * step) * 100:.0f} %"}
            for i, c in enumerate(counts)]
    return {"bars": bars, "lo": f"{lo * 100:.0f} %", "n": len(scores)}


# -- the page ------------------------------------------------------------------------------------

_ENV: Environment | None = None


def _env() -> Environment:
    global _ENV
    if _ENV is None:
        _ENV = Environment(loader=PackageLoader("checks.report", "templates"),
                           autoescape=True, undefined=StrictUndefined,
                           trim_blocks=True, lstrip_blocks=True)
    return _ENV


def _asset(name: str) -> str:
    return resources.files("checks.report").joinpath("templates", name).read_text("utf-8")


def to_html(report: dict[str, Any], seeds_root: Path | None = None,
            max_bytes: int | None = 20_000_000, *,
            compress_above: int = COMPRESS_ABOVE, max_data: int = MAX_DATA_BYTES,
            frags=None, digests: list | None = None) -> str:
    """The whole page as a string. ``seeds_root`` is where the seeds are read for the
    text around each finding (without it the page shows the excerpts)."""
    return "".join(html_pieces(report, seeds_root, max_bytes, compress_above=compress_above,
                               max_data=max_data, frags=frags, digests=digests))


def html_pieces(report: dict[str, Any], seeds_root: Path | None = None,
                max_bytes: int | None = 20_000_000, *,
                compress_above: int = COMPRESS_ABOVE, max_data: int = MAX_DATA_BYTES,
                frags=None, digests: list | None = None) -> list[str]:
    """:func:`to_html`'s page in three pieces: the page before the embedded data, the
    data, the page after it (``report.html`` is written from them: the data, ASCII,
    is not copied into the page's text, which seed text makes 2 or 4 bytes a
    character)."""
    seeds = _Seeds(Path(seeds_root) if seeds_root is not None else None, max_bytes)
    s = report["summary"]
    level = _level(len(report["findings"]))
    while True:
        pieces, checks = _payload_pieces(report, seeds, level, frags, digests)
        data, encoding = _encode_payload(pieces, compress_above)
        if len(data) <= max_data or level == len(LEVELS) - 1:
            break
        del data  # not beside the next level's
        level += 1
    counts = {(c, v): 0 for c in CATEGORIES for v in SEVERITIES}
    by_check: dict[str, dict[str, int]] = defaultdict(lambda: {v: 0 for v in SEVERITIES})
    for f in report["findings"]:
        counts[(f["category"], f["severity"])] += 1
        by_check[f["check"]][f["severity"]] += 1
    cat_chart = _bars([(c, [(v, counts[(c, v)], SEV_COLOR[v]) for v in SEVERITIES])
                       for c in CATEGORIES])
    check_rows = sorted(by_check.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
    check_chart = _bars([(c, [(v, n[v], SEV_COLOR[v]) for v in SEVERITIES])
                         for c, n in check_rows])
    dups = _duplicates(report, seeds)
    figures = _figures(report, seeds)
    failed = [r for r in report.get("files", []) if r.get("status") != "pass"]
    seeds_dir = report.get("seeds_dir", "seeds")
    script = _asset("report.js")
    script_hash = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    meta = {"generated_at": report.get("generated_at", ""), "seeds_dir": seeds_dir,
            "encoding": encoding, "fail_on": s.get("fail_on", "error")}
    # the data's place in the page: a mark that nothing else in it can hold
    mark = f"\x00seedcheck-data-{secrets.token_hex(16)}\x00"
    page = _env().get_template("report.html.j2").render(
        report=report, s=s, counts=counts, categories=CATEGORIES, severities=SEVERITIES,
        sev_color=SEV_COLOR, cat_color=CAT_COLOR, cat_chart=cat_chart,
        check_chart=check_chart, check_rows=check_rows, hist=_histogram(dups["scores"]),
        dups=dups, figures=figures, failed=failed, stale=report.get("stale_baseline") or [],
        seeds_dir=seeds_dir, max_dup_pairs=MAX_DUP_PAIRS, max_figure_pairs=MAX_FIGURE_PAIRS,
        css=Markup(_asset("report.css")), script=Markup(script), script_hash=script_hash,
        data=Markup(mark), meta=Markup(embed_json(meta, compact=False)),
        checks=checks)
    before, found, after = page.partition(mark)
    assert found and mark not in after
    return [before, data, after]


def embedded_data(page: str) -> dict[str, Any]:
    """The findings payload embedded in a ``report.html`` page (for tests and tools)."""
    import re

    meta = json.loads(re.search(r'<script type="application/json" id="seedcheck-meta">'
                                r'(.*?)</script>', page, re.S).group(1))
    raw = re.search(r'<script type="application/json" id="seedcheck-data">(.*?)</script>',
                    page, re.S).group(1)
    if meta["encoding"] == "gzip+base64":
        raw = gzip.decompress(base64.b64decode(raw)).decode("utf-8")
    return json.loads(raw)
