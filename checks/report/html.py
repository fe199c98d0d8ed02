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
the page with ``textContent``. A large payload is compressed (raw deflate, base64-encoded;
the browser inflates it with ``DecompressionStream``) so the file stays small.

The payload is never held whole: a small one is rendered as JSON a chunk of findings at
a time; a large one is rendered and compressed a *segment* (a few seeds' findings) at a
time, each segment on its own (``_compressed_payload``), so that with a fragment cache a
run in which one seed changed renders and compresses that seed's segment only, and
joins the others' compressed text (at 150,000 findings the payload as rows took ~700 MB,
and rendering and compressing it whole ~2.7 s).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import secrets
import zlib
from collections import OrderedDict
from importlib import resources
from pathlib import Path
from typing import Any, Iterator

from jinja2 import Environment, FileSystemBytecodeCache, PackageLoader, StrictUndefined
from markupsafe import Markup

from ..model import CATEGORIES, SEVERITIES
from ..numbers import translation
from . import fragments
from .lazy import Findings, severity_counts, with_related

# Above this many characters of text the payload is embedded compressed (base64).
COMPRESS_ABOVE = 2_000_000
# zlib level 1: at 10,000 seeds (13 MB of JSON) 0.2 s instead of 0.9 s at level 6, for
# 3.2 MB instead of 2.6 MB (the page is rendered again whenever a finding changes)
DEFLATE_LEVEL = 1
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


def _quoted(findings: list[dict]) -> set[str]:
    """The seeds whose text the payload rows of one run of findings show: its own, and
    those of each finding's first five related locations (``Summary.related5``)."""
    paths = {findings[0]["path"]}
    for f in findings:
        for r in (f.get("related") or [])[:5]:
            paths.add(r["path"])
    return paths


def _run_key(report_shas: dict[str, Any], paths: set[str], digest: str) -> str:
    """What the payload rows of one run of findings depend on, besides the level: the
    findings (their digest) and the text of every seed they quote (``paths``: its own
    and the others', by sha256)."""
    shas = "|".join(f"{p}={report_shas.get(p)}" for p in sorted(paths))
    return hashlib.sha1(f"{digest}|{shas}".encode("utf-8", "surrogatepass")).hexdigest()


def _payload(report: dict[str, Any], seeds: _Seeds, level: int | None = None
             ) -> dict[str, Any]:
    findings = report["findings"]
    around, width = LEVELS[_level(len(findings)) if level is None else level]
    files, file_index, status = _files(report)
    checks = _checks(findings)
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


def _checks(findings: Any) -> list[str]:
    """The checks of ``findings``, sorted (of a ``Findings``: from its summaries)."""
    if isinstance(findings, Findings):
        return sorted({check for _cat, _sev, check in findings.totals()})
    return sorted({f["check"] for f in findings})


def _named(findings: Any) -> set[str]:
    """The paths the findings name: their own and their related locations'."""
    if isinstance(findings, Findings):  # (from the summaries: no finding is read)
        named = {p for p, sm in zip(findings.paths(), findings.summaries()) if sm.n}
        named.update(q for _part, sm in findings.quoting() for q in sm.related)
        return named
    return ({f["path"] for f in findings}
            | {r["path"] for f in findings for r in f.get("related") or []})


def _head_files(report: dict[str, Any]) -> list[list[str]]:
    """``[[path, status], ...]`` of :func:`_files`' files (status "" for a path without
    a file row), as the payload's head lists them. When the file rows are sorted by
    path, one a path, and name every path the findings name (as a report built by
    ``build_report`` does), they are the list, read in one pass: at 50,000 seeds the
    set, sort and dicts of :func:`_files` took ~0.1 s of report.html's rendering."""
    rows = report.get("files", [])
    paths = [r["path"] for r in rows]
    if all(a < b for a, b in zip(paths, paths[1:])) \
            and _named(report["findings"]).issubset(paths):
        return [[r["path"], r.get("status", "pass")] for r in rows]
    files, _, status = _files(report)
    return [[p, status.get(p, "")] for p in files]


def _files(report: dict[str, Any]) -> tuple[list[str], dict[str, int], dict[str, str]]:
    named = _named(report["findings"])
    files = sorted({r["path"] for r in report.get("files", [])} | named)
    file_index = {p: i for i, p in enumerate(files)}
    status = {r["path"]: r.get("status", "pass") for r in report.get("files", [])}
    return files, file_index, status


_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _payload_pieces(report: dict[str, Any], seeds: _Seeds, level: int
                    ) -> tuple[Iterator[str], list[str]]:
    """``(pieces, checks)``: ``"".join(pieces)`` is ``json.dumps(_payload(...))``
    compact, byte for byte, rendered a piece at a time as the pieces are taken (a chunk
    of ``fragments.CHUNK`` findings a piece: never every row at once). The payload of a
    report small enough to be embedded as JSON."""
    findings = report["findings"]
    around, width = LEVELS[level]
    files, file_index, status = _files(report)
    checks = _checks(findings)
    check_index = {c: i for i, c in enumerate(checks)}
    head = _dumps({"files": [[p, status.get(p, "")] for p in files], "checks": checks,
                   "severities": list(SEVERITIES), "categories": list(CATEGORIES),
                   "findings": []})
    assert head.endswith(',"findings":[]}')
    del files, status

    def pieces() -> Iterator[str]:
        yield head[:-2]
        step = fragments.CHUNK
        for i in range(0, len(findings), step):
            if i:
                yield ","
            yield _dumps([_indexed(_row(f, seeds, around, width), file_index, check_index)
                          for f in findings[i:i + step]])[1:-1]
        yield "]}"

    return pieces(), checks


# -- the compressed payload ------------------------------------------------------------------
#
# A payload whose lines hold more than ``compress_above`` characters is embedded as raw
# deflate, base64-encoded (encoding "deflate-raw+base64"), of its *lines*: the head
# (files, checks, severities, categories) as compact JSON on the first line, then every
# finding's row one a line, naming its file and check (the page's script turns the
# names into indexes). So
# a seed added or removed changes no other seed's lines, where indexes would shift every
# later row. The findings' lines are cut into *segments* of a few seeds' runs, the cuts
# made by the runs' keys (content-defined: a change moves no cut but its own), and each
# segment is compressed on its own: a fresh compressor flushed to a byte boundary, so
# segments join into one deflate stream, then padded with empty stored blocks to a
# multiple of 3 bytes, so their base64 texts join into the base64 of the whole. With a
# fragment cache each segment's base64 is kept under its key: a run in which one seed
# changed renders and compresses that seed's segment, not 150,000 findings.

# A segment ends after a run whose digest's first byte is 0 modulo SEG_EVERY (64 runs on
# average), or at SEG_MAX runs. Smaller segments compress worse: the 50k benchmark's 150,000 findings
# took 17.8 MB of data in segments of 16 runs, 15.8 MB in segments of 64, 15.0 MB as
# one stream; a one-seed change renders one segment a level (~200 findings).
SEG_EVERY = 64
SEG_MAX = 256
_STORED = b"\x00\x00\x00\xff\xff"  # an empty stored block, from a byte boundary
_END = zlib.compressobj(DEFLATE_LEVEL, zlib.DEFLATED, -15).flush()  # an empty final block


def _deflated(text: str) -> str:
    """``text`` as a segment of raw deflate (whole bytes, a multiple of 3 of them),
    base64-encoded."""
    z = zlib.compressobj(DEFLATE_LEVEL, zlib.DEFLATED, -15)
    data = z.compress(text.encode("utf-8")) + z.flush(zlib.Z_SYNC_FLUSH)
    return base64.b64encode(data + _STORED * (len(data) % 3)).decode("ascii")


def _segments(findings: list[dict], shas: dict[str, Any], digests: list
              ) -> list[tuple[str, list[tuple[int, int]]]]:
    """``(key, runs)`` of each segment: its runs' ``(start, end)`` and a key of what
    their lines depend on at any level: each run's findings (their digest) and the text
    of the seeds they quote (``_run_key``'s; a run quoting its own seed only gives the
    text ``_run_key`` would hash, not hashed: one hash a segment, not one a run). A
    segment ends after a run whose digest's first byte is 0 modulo SEG_EVERY."""
    out = []
    keys: list[str] = []
    spans: list[tuple[int, int]] = []
    lazy = isinstance(findings, Findings)
    if lazy:  # (the parts' summaries: no finding is read)
        quoted = iter([(path, sm.related5) for path, sm
                       in zip(findings.paths(), findings.summaries()) if sm.n])
    cuts = {f"{b:02x}" for b in range(256) if b % SEG_EVERY == 0}
    for i, j, digest in digests:
        if not lazy:
            paths = _quoted(findings[i:j])
            path = findings[i]["path"]
            rel = tuple(paths - {path})
        else:
            path, rel = next(quoted)
        if rel and rel != (path,):
            key = _run_key(shas, {path, *rel}, digest)
        else:  # (most runs quote no other seed)
            key = f"{digest}|{path}={shas.get(path)}"
        keys.append(key)
        spans.append((i, j))
        if len(spans) >= SEG_MAX or digest[:2] in cuts:
            out.append(("\0".join(keys), spans))
            keys, spans = [], []
    if spans:
        out.append(("\0".join(keys), spans))
    return [(hashlib.sha1(k.encode("utf-8", "surrogatepass")).hexdigest(), sp)
            for k, sp in out]


class _Packer:
    """The compressed payload of a report, at any level (see above); what does not
    depend on the level (the head, the segments and their keys) is worked out once."""

    def __init__(self, report: dict[str, Any], seeds: _Seeds, frags=None,
                 digests: list | None = None):
        self.findings = findings = report["findings"]
        self.seeds = seeds
        self.frags = frags
        self.checks = _checks(findings)
        self.head = _dumps({"files": _head_files(report),
                            "checks": self.checks, "severities": list(SEVERITIES),
                            "categories": list(CATEGORIES)})
        shas = {r["path"]: r.get("sha256") for r in report.get("files", [])}
        self.segments = _segments(findings, shas, digests if digests is not None
                                  else fragments.run_digests(findings))

    def data(self, level: int, compress_above: int, max_data: int | None = None
             ) -> str | None:
        """The payload at ``level``, compressed, or None when its lines hold at most
        ``compress_above`` characters (the caller embeds it as JSON). The segments in
        the fragment cache are taken from it and the others put there; a segment's
        lines are held until it is compressed, and no segment is compressed before the
        payload is known to need it. With ``max_data``: once the data is sure to be
        longer, the rest is not rendered (the data returned is cut short: the caller
        takes the next level)."""
        findings, frags = self.findings, self.frags
        around, width = LEVELS[level]
        size = len(self.head) + 1
        packed = 0  # characters of base64 so far
        out: list[Any] = []  # base64 texts, or (key, lines) not compressed yet
        packing = False  # the payload is known to need compressing
        for key, spans in self.segments:
            key = f"{level}:{key}"
            got = frags.get(key) if frags is not None else None
            if got is not None:
                out.append(got[0])
                size += got[1]
            else:
                text = "".join([_dumps(_row(f, self.seeds, around, width)) + "\n"
                                for i, j in spans for f in findings[i:j]])
                out.append((key, text))
                size += len(text)
            if packing or size > compress_above:  # the held lines, then each segment
                for k in range(len(out) - 1 if packing else 0, len(out)):
                    item = out[k]
                    if not isinstance(item, str):
                        out[k] = _deflated(item[1])
                        if frags is not None:
                            frags.put(item[0], (out[k], len(item[1])))
                    packed += len(out[k])
                packing = True
                if max_data is not None and packed > max_data:
                    break
        if not packing:
            return None
        return "".join([_deflated(self.head + "\n"), *out,
                        base64.b64encode(_END).decode("ascii")])


def _lines_payload(raw: bytes) -> dict[str, Any]:
    """The payload of its compressed lines, as the page's script reads it (``_payload``'s
    dict: files and checks by index)."""
    text = zlib.decompress(raw, -15).decode("utf-8")
    head, _, rows = text.partition("\n")
    data = json.loads(head)
    file_index = {f[0]: i for i, f in enumerate(data["files"])}
    check_index = {c: i for i, c in enumerate(data["checks"])}
    # (split at "\n" only: a message may hold U+2028, which str.splitlines() splits at)
    data["findings"] = [_indexed(json.loads(line), file_index, check_index)
                        for line in rows.split("\n")[:-1]]
    return data


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
    pairs = list(with_related(report["findings"], DUPLICATE_CHECKS))
    repeated = list(with_related(report["findings"], ["duplicate.repeated-body"]))
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
            "shared": sum(severity_counts(report["findings"], CATEGORIES, SEVERITIES)[1]
                          .get("duplicate.shared-passage", {}).values())}


def _figures(report: dict[str, Any], seeds: _Seeds) -> list[dict]:
    out = []
    seen: set = set()
    for f in with_related(report["findings"], FIGURE_CHECKS):
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

_ENV: dict[str | None, Environment] = {}


class _KeptTemplates(FileSystemBytecodeCache):
    """Jinja's bytecode cache in a folder, where a folder that cannot be read or written
    (read-only, full, removed meanwhile) is no cache: the template is compiled, and the
    page rendered, as without one (Jinja's own raises)."""

    def load_bytecode(self, bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except OSError:
            bucket.reset()

    def dump_bytecode(self, bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


def _env(template_cache: Path | None = None) -> Environment:
    """The templates' environment. ``template_cache``: a folder where Jinja keeps the
    compiled template (its bytecode, keyed by the template's source, written
    atomically): a fresh process then loads it instead of compiling the page's
    template again (~0.06 s of every report.html rendering)."""
    key = str(template_cache) if template_cache is not None else None
    env = _ENV.get(key)
    if env is None:
        bcc = None
        if template_cache is not None:
            try:
                Path(template_cache).mkdir(parents=True, exist_ok=True)
                bcc = _KeptTemplates(str(template_cache))
            except OSError:
                bcc = None  # (the cache is an optimisation)
        env = _ENV[key] = Environment(
            loader=PackageLoader("checks.report", "templates"), autoescape=True,
            undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
            bytecode_cache=bcc)
    return env


def _asset(name: str) -> str:
    return resources.files("checks.report").joinpath("templates", name).read_text("utf-8")


def to_html(report: dict[str, Any], seeds_root: Path | None = None,
            max_bytes: int | None = 20_000_000, *,
            compress_above: int | None = None, max_data: int | None = None,
            frags=None, digests: list | None = None) -> str:
    """The whole page as a string. ``seeds_root`` is where the seeds are read for the
    text around each finding (without it the page shows the excerpts)."""
    return "".join(html_pieces(report, seeds_root, max_bytes, compress_above=compress_above,
                               max_data=max_data, frags=frags, digests=digests))


def html_pieces(report: dict[str, Any], seeds_root: Path | None = None,
                max_bytes: int | None = 20_000_000, *,
                compress_above: int | None = None, max_data: int | None = None,
                frags=None, digests: list | None = None,
                template_cache: Path | None = None) -> list[str]:
    """:func:`to_html`'s page in three pieces: the page before the embedded data, the
    data, the page after it (``report.html`` is written from them: the data, ASCII,
    is not copied into the page's text, which seed text makes 2 or 4 bytes a
    character). ``template_cache``: see :func:`_env`."""
    seeds = _Seeds(Path(seeds_root) if seeds_root is not None else None, max_bytes)
    if compress_above is None:
        compress_above = COMPRESS_ABOVE
    if max_data is None:
        max_data = MAX_DATA_BYTES
    s = report["summary"]
    level = _level(len(report["findings"]))
    packer = _Packer(report, seeds, frags, digests)
    while True:
        last = level == len(LEVELS) - 1
        data, encoding, checks = packer.data(level, compress_above,
                                             None if last else max_data), \
            "deflate-raw+base64", packer.checks
        if data is None:
            pieces, checks = _payload_pieces(report, seeds, level)
            data, encoding = "".join(pieces).translate(_ESC_TABLE), "json"  # as embed_json
        if len(data) <= max_data or level == len(LEVELS) - 1:
            break
        del data  # not beside the next level's
        level += 1
    counts, by_check = severity_counts(report["findings"], CATEGORIES, SEVERITIES)
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
    page = _env(template_cache).get_template("report.html.j2").render(
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
    if meta["encoding"] == "deflate-raw+base64":
        return _lines_payload(base64.b64decode(raw))
    if meta["encoding"] == "gzip+base64":  # (pages written before the lines)
        raw = gzip.decompress(base64.b64decode(raw)).decode("utf-8")
    return json.loads(raw)
