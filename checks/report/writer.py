"""Write the four report files atomically: every file is rendered and written to a
temporary file before any report file is replaced, so a run that fails or is interrupted
while writing leaves the previous reports whole (and of one run).

With a ``cache_dir`` (the plugin passes the store's folder), ``report.json``,
``report.sarif`` and ``report.html`` render their findings seed by seed and keep each
seed's text for the next run (``fragments.py``): a run in which one seed changed renders
that seed's findings only, and writes the same bytes as a run that renders them all."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from .html import html_pieces
from .files import FileSpan, commit_staged, discard_staged, stage_bytes
from .markdown import to_markdown
from .fragments import (FileFragments, Fragments, cache_path, file_stamp, rendered_groups,
                        run_digest, run_digests)
from .lazy import Findings
from .sarif import sarif_pieces

REPORT_FILES = ("report.json", "report.md", "report.sarif", "report.html")


def dump_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _indented(value: Any, pad: str) -> str:
    """``value`` as ``json.dumps(indent=2)`` writes it ``len(pad) // 2`` levels deep
    (JSON text holds a newline only between its tokens)."""
    return json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n" + pad)


_SCALAR_TYPES = (str, int, float, bool, type(None))
_encode = json.JSONEncoder(ensure_ascii=False).encode


def _scalar(v: Any) -> str:
    """``json.dumps(v, ensure_ascii=False)`` of a str, int or bool without the encoder's
    per-call set-up (other values go through it)."""
    t = type(v)
    if t is int:
        return int.__repr__(v)
    if t is bool:
        return "true" if v else "false"
    return _encode(v)


def _flat_rows(rows: list, pad: str) -> str | None:
    """A list of flat dicts (the ``files`` rows) as ``_indented`` writes it, with one
    C-encoded value at a time; None when a row is not flat."""
    inner = _flat_inner(rows, pad)
    return None if inner is None else "[\n" + inner + "\n" + pad + "]"


def _flat_inner(rows: list, pad: str) -> str | None:
    """:func:`_flat_rows` without its brackets (the rows joined by ``,\\n``)."""
    inner = pad + "    "
    out = []
    for row in rows:
        if not isinstance(row, dict) or not row or not all(
                type(v) in _SCALAR_TYPES and type(k) is str for k, v in row.items()):
            return None
        out.append(pad + "  {\n" + ",\n".join(f"{inner}{_scalar(k)}: {_scalar(v)}"
                                               for k, v in row.items()) + "\n" + pad + "  }")
    return ",\n".join(out)


# The ``files`` rows of report.json are kept in the fragments too, in chunks cut after a
# row whose path's CRC-32 is 0 modulo FILES_EVERY (or at FILES_MAX rows): a seed added
# or removed changes one chunk, and the other chunks' text is taken from the report file
# written last time (at 50,000 seeds rendering every row took ~0.5 s of a one-seed run).
FILES_EVERY = 64
FILES_MAX = 256


def _files_pieces(rows: list, frags: Any) -> list | None:
    """The pieces of ``_flat_rows(rows, "  ")``, chunk by chunk, each taken from
    ``frags`` by its key (a hash of the chunk's rows) or rendered and put there; None
    when a row is not flat (or not a plain value): the caller renders the list whole."""
    import zlib

    spans = []
    start = 0
    for k, row in enumerate(rows):
        path = row.get("path") if type(row) is dict else None
        if k + 1 - start >= FILES_MAX or (type(path) is str and zlib.crc32(
                path.encode("utf-8", "surrogatepass")) % FILES_EVERY == 0):
            spans.append((start, k + 1))
            start = k + 1
    if start < len(rows):
        spans.append((start, len(rows)))
    parts = []
    counts = frags.hits, frags.misses  # (they count the findings' runs, not these)
    try:
        for i, j in spans:
            try:
                key = "files:" + run_digest(rows[i:j])  # (as a run of findings)
            except ValueError:  # a value marshal cannot write
                return None
            text = frags.get(key)
            if text is None:
                text = _flat_inner(rows[i:j], "  ")
                if text is None:
                    return None
                frags.put(key, text)
            parts.append(text)
    finally:
        frags.hits, frags.misses = counts
    return ["[\n", *_interleave(",\n", parts), "\n  ]"]


def _interleave(sep: str, parts: list[str]) -> list[str]:
    """The pieces of ``sep.join(parts)``."""
    out = [sep] * (2 * len(parts) - 1) if parts else []
    out[0::2] = parts
    return out


def report_json(report: dict[str, Any], frags: Fragments | None = None,
                digests: list | None = None) -> str:
    """``dump_json(report)``, byte for byte, with the findings rendered seed by seed:
    a seed whose findings are in ``frags`` is not rendered again."""
    return "".join(report_json_pieces(report, frags, digests))


def report_json_pieces(report: dict[str, Any], frags: Fragments | None = None,
                       digests: list | None = None) -> list[str]:
    """:func:`report_json`'s text in pieces (written one after the other: the text of
    30,000 findings is not joined and copied whole). Without ``frags`` the findings are
    rendered in chunks (``fragments.CHUNK``), not as one ``json.dumps`` of the whole
    report (whose encoder holds every token of the text at once: ~1 GB of memory for
    150,000 findings)."""
    findings = report.get("findings")
    if not isinstance(findings, (list, Findings)) or not findings:
        return [dump_json({**report, "findings": []} if isinstance(findings, Findings)
                          else report)]
    parts = rendered_groups(findings, frags, digests,
                            lambda run: ",\n".join("    " + _indented(f, "    ") for f in run),
                            ",\n")
    items: list[list[str]] = []
    for key, value in report.items():
        if key == "findings":
            pieces = ["[\n", *_interleave(",\n", parts), "\n  ]"]
        elif key == "files" and isinstance(value, list) and value:
            pieces = (_files_pieces(value, frags) if frags is not None else None) \
                or [_flat_rows(value, "  ") or _indented(value, "  ")]
        else:
            pieces = [_indented(value, "  ")]
        items.append([f"  {json.dumps(key, ensure_ascii=False)}: ", *pieces])
    out = ["{\n"]
    for n, pieces in enumerate(items):
        if n:
            out.append(",\n")
        out += pieces
    out.append("\n}\n")
    return out


class ReportError(OSError):
    """A report could not be rendered (a bug in a renderer): reported like a folder that
    cannot be written, and the previous reports are left as they were."""


def _render(name: str, func, *args) -> str:
    try:
        return func(*args)
    except Exception as exc:
        raise ReportError(f"rendering {name} failed: {type(exc).__name__}: {exc}") from exc


PARALLEL_MIN = 1_000  # from this many findings the four reports render side by side
# The order the renderers take the reports in: report.html alone takes about as long as
# the three others (every finding's context, gzip-compressed): on two CPUs one renders it
# while the other renders the rest (in REPORT_FILES' order the first took report.json
# and then report.html, the other report.md and report.sarif, and waited).
SLOWEST_FIRST = ("report.html", "report.json", "report.sarif", "report.md")

_JOB: dict[str, Any] = {}  # what a forked renderer inherits (nothing is pickled)

FRAGMENTED = ("report.json", "report.sarif", "report.html")
# report.html keeps its segments' text; the others keep where their runs are in the file
# they wrote (fragments.FileFragments)
TEXT_FRAGMENTS = ("report.html",)
# {report: (seeds taken from the cache, seeds rendered)} of the last rendering in this
# process (tests; a forked renderer's numbers stay in that process)
LAST_FRAGMENTS: dict[str, tuple[int, int]] = {}


def _salt(name: str, seeds_root: Path, base_uri: str | None) -> str:
    """What a report's fragments depend on besides the findings: the code, and for
    report.html the seeds folder it quotes."""
    from ..cache import code_fingerprint

    extra = str(Path(seeds_root).resolve()) if name == "report.html" else ""
    return f"{code_fingerprint()}|{name}|{extra}"


def _render_one(name: str) -> str:
    return "".join(p if isinstance(p, str) else str(p, "utf-8")
                   for p in _render_pieces(name))


def _render_pieces(name: str) -> list[str]:
    """One report's text, in pieces (report.json and report.sarif: the fragments)."""
    report, seeds_root, _line_lookup, base_uri = _JOB["args"]
    cache = _JOB.get("cache")  # (cache_dir, out_dir, read) or None
    frags = None
    if cache is not None and name in FRAGMENTED and report.get("findings"):
        where = cache_path(cache[0], cache[1], name)
        salt = _salt(name, seeds_root, base_uri)
        frags = Fragments(where, salt, read=cache[2]) if name in TEXT_FRAGMENTS else \
            FileFragments(where, salt, Path(cache[1]) / name, read=cache[2])
    digests = _JOB.get("digests")
    if name == "report.json":
        pieces = _render(name, report_json_pieces, report, frags, digests)
    elif name == "report.md":
        pieces = [_render(name, to_markdown, report)]
    elif name == "report.sarif":
        pieces = _render(name, sarif_pieces, report,
                         base_uri or seeds_root.resolve().as_uri() + "/", frags, digests)
    else:
        pieces = _render(name, lambda: html_pieces(
            report, seeds_root, frags=frags, digests=digests,
            template_cache=Path(cache[0]) / "jinja" if cache is not None else None))
    if frags is not None:
        if isinstance(frags, FileFragments):
            _JOB[("places", name)] = frags  # saved once the file is written (_stage_one)
        else:
            frags.save()
        LAST_FRAGMENTS[name] = (frags.hits, frags.misses)
    return pieces


def _render_all(report: dict[str, Any], seeds_root: Path, line_lookup,
                base_uri: str | None = None, cache: tuple | None = None) -> dict[str, str]:
    """The four reports' text. A large report is rendered by forked processes, one
    report each on as many CPUs as there are (the renderers are pure Python: about
    1 s each at 30,000 findings); elsewhere, or when that fails, one after the other.
    ``cache``: ``(cache_dir, out_dir, read)`` of the seed-by-seed fragments."""
    return _each_report(_render_one, report, seeds_root, line_lookup, base_uri, cache)


TRAILER_MAX = 32  # bytes of the piece after a run kept with its place (its separator)


def _stage_one(name: str) -> str:
    """Render one report and write it to a temporary file next to its place (the
    renderer's own process writes it: its text never crosses a pipe); returns the
    temporary file's path.

    Runs taken from a report file whose places are trusted (``FileFragments.spans``)
    are written as :class:`~checks.report.files.FileSpan`\\ s, copied by the kernel;
    consecutive ones whose separator is the one that followed the first of them in
    that file (its *trailer*), and which followed it there, are one span."""
    import zlib

    pieces = _render_pieces(name)
    pieces.reverse()
    frags = _JOB.pop(("places", name), None)
    runs = {id(p) for p in frags.used.values()} if frags is not None else set()
    known = frags.checked if frags is not None else {}
    spans = frags.spans if frags is not None else {}
    src = frags.src if frags is not None else None
    # where each run's piece went: (offset, length, crc32, the piece after it)
    places: dict[int, tuple] = {}

    def copied(held: list, lits: list) -> list:
        """The old file's stretch ``held`` (copied by the kernel), then the pieces after it."""
        return [FileSpan(src.fileno(), held[0], held[1], frags.view), *lits]

    def encoded():  # one piece encoded at a time, each text dropped once encoded
        pos = 0
        last = None  # the run written last, whose trailer is the next piece
        held = None  # [offset, length, trailer] of the old file's bytes to copy
        lits: list = []  # the pieces after ``held`` (at most TRAILER_MAX bytes)
        litn = 0
        while pieces:
            piece = pieces.pop()
            data = piece.encode("utf-8") if isinstance(piece, str) else piece
            n = len(data)
            if not n:
                continue
            pid = id(piece)
            run = pid in runs
            if last is not None:
                places[last] = places[last][:3] + (
                    b"" if run else bytes(data) if n <= TRAILER_MAX else None,)
                last = None
            if run:
                # (a piece taken from the old file was checked against its CRC-32 then)
                got = known.get(pid)
                crc = got[1] if got is not None and got[0] is piece else zlib.crc32(data)
                places[pid] = (pos, n, crc, None)
                last = pid
            pos += n
            span = spans.get(pid)
            if span is not None and known.get(pid, (None,))[0] is piece:
                off, _, trailer = span
                if (held is not None and held[2] is not None
                        and off == held[0] + held[1] + litn and b"".join(lits) == held[2]):
                    held[1] += litn + n
                    held[2] = trailer
                else:
                    if held is not None:
                        yield from copied(held, lits)
                    held = [off, n, trailer]
                lits, litn = [], 0
            elif held is not None and not run and litn + n <= TRAILER_MAX:
                lits.append(data)
                litn += n
            else:
                if held is not None:
                    yield from copied(held, lits)
                    held, lits, litn = None, [], 0
                yield data
        if held is not None:
            yield from copied(held, lits)

    tmp = stage_bytes(Path(_JOB["out_dir"]) / name, encoded(), _JOB["token"])
    if frags is not None:
        frags.save(places, file_stamp(os.stat(tmp)))
    return tmp


def _each_report(func, report: dict[str, Any], seeds_root: Path, line_lookup,
                 base_uri: str | None = None, cache: tuple | None = None,
                 out_dir: Path | None = None, token: str = "",
                 digests: list | None = None, side=None) -> dict[str, str]:
    """{report: func(report)} for the four reports, side by side for a large report.
    ``digests``: ``run_digests(report["findings"])`` when the caller has them. ``side``:
    a function called in this process while the forked renderer of report.html works,
    once the others are done (not called when the reports are rendered here)."""
    _JOB["args"] = (report, seeds_root, line_lookup, base_uri)
    _JOB["out_dir"] = out_dir
    _JOB["token"] = token
    if cache is not None and cache[0] is not None and report.get("findings"):
        _JOB["cache"] = cache
        _JOB["digests"] = digests if digests is not None else run_digests(report["findings"])
    try:
        if len(report.get("findings", ())) >= PARALLEL_MIN:
            import multiprocessing
            import os

            cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") \
                else (os.cpu_count() or 1)
            if cpus > 1 and "fork" in multiprocessing.get_all_start_methods():
                try:
                    ctx = multiprocessing.get_context("fork")
                    with ctx.Pool(min(cpus, len(REPORT_FILES))) as pool:
                        pending = [pool.apply_async(func, (name,)) for name in SLOWEST_FIRST]
                        if side is not None:
                            # once the renderers of the other reports are done, while
                            # report.html's (the longest) still works: before, the side
                            # work took CPU from both (at 50k the run's end came later)
                            for job in pending[1:]:
                                job.wait()
                            side()
                        texts = [job.get() for job in pending]
                    got = dict(zip(SLOWEST_FIRST, texts))
                    return {name: got[name] for name in REPORT_FILES}
                except ReportError:
                    raise
                except (OSError, RuntimeError):
                    pass  # no processes to be had: render here
        return {name: func(name) for name in REPORT_FILES}
    finally:
        _JOB.clear()


def write_reports(out_dir: Path, report: dict[str, Any], seeds_root: Path,
                  line_lookup=None, base_uri: str | None = None, *,
                  cache_dir: Path | None = None, read_cache: bool = True,
                  digests: list | None = None, side=None) -> list[Path]:
    """``base_uri``: the SARIF base of the seeds' paths (default: the folder's file URI;
    a URL for seeds read from object storage). ``cache_dir``: where the reports keep
    their seed-by-seed fragments between runs (``read_cache`` False: render everything,
    and keep the fragments for the next run). ``digests``: the findings' run digests
    (``run_digests``), when the caller has computed them already. ``side``: work of
    the caller's done while forked processes render the reports (``_each_report``).

    Every report is rendered and written to a temporary file (by the process that
    renders it) before any report is replaced; then the four are renamed into place."""
    import os
    import secrets

    out_dir.mkdir(parents=True, exist_ok=True)
    token = f"{os.getpid()}-{secrets.token_hex(4)}."
    written = [out_dir / name for name in REPORT_FILES]
    pending: list[tuple[str, Path]] = []
    try:
        staged = _each_report(_stage_one, report, seeds_root, line_lookup, base_uri,
                              (cache_dir, out_dir, read_cache) if cache_dir is not None
                              else None, out_dir, token, digests, side)
        pending = [(staged[p.name], p) for p in written]
        commit_staged(pending)
    finally:
        # a failed rendering (or rename) leaves no temporary file behind
        discard_staged(out_dir, [tmp for tmp, _ in pending], token)
    return written


# -- writing only what changed -----------------------------------------------------------------

VOLATILE = ("generated_at",)  # top-level fields that change every run
VOLATILE_SUMMARY = ("duration_s",)


def report_digest(report: dict[str, Any], digests: list | None = None) -> str:
    """A hash of the report's content, leaving out when it was made and how long it
    took: two runs with the same digest write the same reports but for those fields.

    The findings enter through their runs' digests (``run_digests``, which the
    renderers' fragments use as well: pass them in ``digests`` and they are computed
    once), the rest of the report as ``marshal`` writes it (its version 2, as the run
    digests: 50,000 file rows took 0.2 s as sorted JSON; a report holding what marshal
    cannot write goes through JSON)."""
    import marshal

    core = {k: v for k, v in report.items() if k not in VOLATILE and k != "findings"}
    core["summary"] = {k: v for k, v in report.get("summary", {}).items()
                       if k not in VOLATILE_SUMMARY}
    try:
        h = hashlib.sha256(b"m2\0" + marshal.dumps(core, 2))
    except ValueError:
        blob = json.dumps(core, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        h = hashlib.sha256(blob.encode("utf-8", "surrogatepass"))
    findings = report.get("findings")
    if isinstance(findings, (list, Findings)):
        h.update(b"\0findings")
        for i, j, digest in digests if digests is not None else run_digests(findings):
            h.update(f"\n{i}:{j}:{digest}".encode())
    elif findings is not None:
        h.update(json.dumps(findings, ensure_ascii=False, sort_keys=True).encode(
            "utf-8", "surrogatepass"))
    return h.hexdigest()


def file_stamps(out_dir: Path) -> dict[str, list[int]] | None:
    """{report file: [size, mtime_ns]}, or None when one of the four is missing."""
    out: dict[str, list[int]] = {}
    for name in REPORT_FILES:
        try:
            st = (out_dir / name).stat()
        except OSError:
            return None
        out[name] = [st.st_size, st.st_mtime_ns]
    return out


def reports_current(out_dir: Path, digest: str, recorded: dict | None) -> bool:
    """True when the four reports in ``out_dir`` are the ones written for ``digest``
    and nobody has touched them since (same size and modification time)."""
    if not recorded or recorded.get("digest") != digest:
        return False
    return file_stamps(out_dir) == recorded.get("files")
