"""Per-seed fragments of the rendered reports, kept between runs.

Rendering the four reports of a 10,000-seed corpus (~30,000 findings) takes seconds of
CPU, almost all of it per finding: its JSON in ``report.json``, its SARIF result, its
row of the ``report.html`` payload (the seed's text around it, the fix as a diff). When
one seed changes, every other seed's findings render to the same text. So each report
renders its findings seed by seed (a *run*: the consecutive findings of one path, in
report order) and keeps the text of every run in a small file next to the store, keyed
by a hash of what the text depends on: the run's findings (``run_digests``) and, for
``report.html``, the seed texts it quotes. The next run renders only the runs whose key
is new and joins the rest from the file: the same bytes as rendering everything
(``tests/test_report_fragments.py`` compares both, and one-seed changes against cold
runs).

Each report has its own file (``reports-<folder hash>.<report>.pickle``), written by the
process that renders that report; a file that is missing, unreadable or made by other
code or settings (its *salt*) is an empty cache. Beside it a small *delta* file
(``….pickle.delta``) holds what later runs rendered that the file lacks: a run in which
one seed changed writes a few entries, not the whole report's worth again (pickling
150,000 findings' text took ~1.2 s a report at 50,000 seeds). The file is written
whole again, with only the entries used by that run, once the delta or the entries no
longer used grow past a quarter of it, so it never grows far past one report's worth.
Entries are keyed by what their text depends on, so any mix of the two files read by a
run is right; a delta written against another version of the file is ignored.

What is kept differs by report: report.html keeps its payload's compressed segments
(``html.py``: a segment holds a few seeds' runs) in such a file; report.json and
report.sarif keep only where each run's text is in the report file they wrote, with its
checksum (:class:`FileFragments`), and take the text from that file.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import pickle
import zlib
from pathlib import Path
from typing import Any, Callable, Iterator

from .files import atomic_write_bytes
from .lazy import Findings, StoredRun

FORMAT = 1
# FileFragments' (2: each run's trailer, the file's stamp; 3: runs kept in groups)
FILE_FORMAT = 3

def runs(findings: list[dict]) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of every run of consecutive findings with the same path (of a
    :class:`Findings`: its parts, which are not read)."""
    if isinstance(findings, Findings):
        for i, j, _part in findings.spans():
            yield i, j
        return
    i, n = 0, len(findings)
    while i < n:
        path = findings[i]["path"]
        j = i + 1
        while j < n and findings[j]["path"] == path:
            j += 1
        yield i, j
        i = j


def run_digests(findings: list[dict]) -> list[tuple[int, int, str]]:
    """``(start, end, digest)`` of every run: the digest hashes the run's findings, as
    ``marshal`` writes them (its version 2, which never writes a reference to an object
    seen before, so equal findings give equal bytes however they are shared; 2.6 times
    faster than their JSON: 0.93 -> 0.36 s for 154,000 findings). A dict's keys are
    written in their order, which the renderers follow: the digest tells orders apart.
    A :class:`StoredRun` part of a :class:`Findings` takes the digest stored with it
    (computed when it was stored, of the same findings; it is not read): marshalling
    150,000 findings again took 0.4 s of a one-seed run at 50,000 seeds."""
    if isinstance(findings, Findings):
        return [(i, j, part.digest if isinstance(part, StoredRun) else run_digest(part))
                for i, j, part in findings.spans()]
    return [(i, j, run_digest(findings[i:j])) for i, j in runs(findings)]


def run_digest(run: list[dict]) -> str:
    """The digest of one run of findings (see :func:`run_digests`)."""
    return hashlib.sha1(marshal.dumps(run, 2)).hexdigest()


CHUNK = 1_000  # findings rendered together when there is no fragment cache


def rendered_runs(findings: list[dict], frags: Fragments | None, digests: list | None,
                  render: Callable[[list[dict]], str]) -> list[str]:
    """The text of ``findings`` in pieces, ``render(findings[i:j])`` each: one piece a
    run, taken from ``frags`` where it holds the run's digest (``digests``: the runs'
    ``run_digests`` when the caller has them) and put there otherwise. Without ``frags``
    the pieces are chunks of :data:`CHUNK` findings: never one render of every finding
    at once."""
    if frags is None:
        return [render(findings[i:i + CHUNK]) for i in range(0, len(findings), CHUNK)]
    out = []
    for i, j, digest in digests if digests is not None else run_digests(findings):
        text = frags.get(digest)
        if text is None:
            text = render(findings[i:j])
            frags.put(digest, text)
        out.append(text)
    return out


# report.json and report.sarif keep their runs in *groups* of consecutive runs (a group
# ends after a run whose digest's first byte is 0 modulo GROUP_EVERY, or at GROUP_MAX
# runs: cut by
# content, so a seed added, edited or removed changes the group it falls in and no
# other). A group is one piece of the report: its place in the file, one look-up, one
# span copied. At 50,000 seeds a run a piece was 50,000 look-ups, 100,000 pieces written
# and 50,000 places pickled (~0.4 s of each of the two renderers of a one-seed run).
# The group keeps its runs' digests, lengths and CRC-32s, so a group that changed takes
# its other runs from the old file one by one (only the changed seed's are rendered).
GROUP_EVERY = 64
GROUP_MAX = 256


def group_spans(digests: list) -> Iterator[list]:
    """The groups of ``digests`` (``run_digests``' rows), each a slice of them: a group
    ends after a run whose digest's first byte is 0 modulo :data:`GROUP_EVERY`."""
    cuts = {f"{b:02x}" for b in range(256) if b % GROUP_EVERY == 0}
    n = len(digests)
    start = 0
    for k, row in enumerate(digests):
        if row[2][:2] in cuts or k + 1 - start >= GROUP_MAX or k + 1 == n:
            yield digests[start:k + 1]
            start = k + 1


def rendered_groups(findings: list[dict], frags: Any, digests: list | None,
                    render: Callable[[list[dict]], str], sep: str) -> list:
    """The text of ``findings`` in pieces whose join by ``sep`` is the join by ``sep`` of
    ``render`` of every run (:func:`rendered_runs`'), one piece a group of runs
    (:func:`group_spans`) when ``frags`` keeps groups (:class:`FileFragments`): a group
    it holds is one piece taken from the old file; a group it does not is joined here
    from its runs, each taken from the old file where it is there (checked as
    ``FileFragments.get`` checks a run) and rendered otherwise. ``frags.hits`` and
    ``frags.misses`` count runs, as :func:`rendered_runs`' do."""
    if not isinstance(frags, FileFragments):
        return rendered_runs(findings, frags, digests, render)
    if digests is None:
        digests = run_digests(findings)
    sepb = sep.encode("utf-8")
    out = []
    for group in group_spans(digests):
        names = "|".join([d for _i, _j, d in group])
        key = "g:" + hashlib.sha1(names.encode("ascii")).hexdigest()
        piece = frags.get_group(key, len(group))
        if piece is None:
            texts = []
            for i, j, digest in group:
                text = frags.run_text(digest, len(sepb))
                if text is None:
                    text = render(findings[i:j]).encode("utf-8")
                    frags.misses += 1
                else:
                    frags.hits += 1
                texts.append(text)
            piece = sepb.join(texts)
            frags.put_group(key, piece, names, texts)
        out.append(piece)
    return out


class Fragments:
    """One report's cache of rendered runs: ``get(key)``/``put(key, value)``, then
    ``save()``. ``path`` None: a cache that keeps nothing (every ``get`` misses)."""

    # the delta may hold this share of the entries used (and the file this share of
    # entries no longer used) before the file is written whole again
    SHARE = 0.25
    SLACK = 64  # entries either may hold in any case

    def __init__(self, path: Path | None, salt: str, *, read: bool = True):
        self.path = path
        self.delta_path = path.with_name(path.name + ".delta") if path is not None else None
        self.salt = f"{FORMAT}:{salt}"
        self.base: dict[str, Any] = {}  # the file's entries
        self.old: dict[str, Any] = {}  # the file's and the delta's
        self.gen = None  # the version of the file, which a delta must name
        self.delta_keys: set[str] = set()
        self.new: dict[str, Any] = {}
        self.hits = 0
        self.misses = 0
        if path is not None and read:
            data = _load_salted(path, self.salt)
            if data is not None:
                self.base = data["items"]
                self.gen = data.get("gen")
                self.old = dict(self.base)
                delta = _load(self.delta_path)
                if (isinstance(delta, dict) and self.gen is not None
                        and delta.get("salt") == self.salt and delta.get("gen") == self.gen
                        and isinstance(delta.get("items"), dict)):
                    self.old.update(delta["items"])
                    self.delta_keys = set(delta["items"])

    def get(self, key: str) -> Any:
        value = self.old.get(key)
        if value is not None:
            self.new[key] = value
            self.hits += 1
        else:
            self.misses += 1
        return value

    def put(self, key: str, value: Any) -> None:
        self.new[key] = value

    def save(self) -> None:
        """Write what this run rendered that the file lacks to the delta, or, once the
        delta or the file's unused entries are too many, the file whole with what this
        run used (atomically: a concurrent run sees the old files or the new ones, and a
        lost write is a miss next time)."""
        if self.path is None or (not self.misses and len(self.new) == len(self.old)):
            return
        delta = {k: v for k, v in self.new.items() if k not in self.base}
        unused = len(self.base) - (len(self.new) - len(delta))
        limit = max(self.SLACK, self.SHARE * len(self.new))
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self.gen is not None and len(delta) <= limit and unused <= limit:
                if set(delta) != self.delta_keys:
                    _dump(self.delta_path, {"salt": self.salt, "gen": self.gen,
                                            "items": delta})
                return
            import secrets

            _dump(self.path, {"salt": self.salt, "gen": secrets.token_hex(8),
                              "items": self.new})
            self.delta_path.unlink(missing_ok=True)  # (names the old version: ignored)
        except OSError:
            pass  # the cache is an optimisation: the reports are written regardless


class FileFragments:
    """report.json's or report.sarif's runs kept as *places in the report file* the last
    run wrote: the cache file holds ``{key: (offset, length, crc32, trailer)}`` and the
    file's stamp, and a run takes a kept run's text as a slice of the report file
    (mapped, not read whole), written as it is (no text to encode again). At 150,000
    findings unpickling the texts of report.json took 0.4 s and encoding them 0.3 s.

    When the report file is the one the cache describes (its device, inode, size and
    modification time in nanoseconds are those recorded when it was written: a file
    edited, replaced or restored from an archive has others), its places are trusted
    and the writer copies them from it in the kernel (:class:`FileSpan`,
    ``copy_file_range``), adjacent runs as one stretch: their bytes never pass through
    this process. Otherwise each slice is taken only if its bytes still have their
    checksum (a file restored by a CI cache keeps its bytes, not its inode), and a file
    that differs gives misses where it differs.

    ``get``/``put`` as :class:`Fragments`; then, once the report has been written
    (:func:`writer._stage_one`), ``save(places, stamp)`` with where each piece went."""

    def __init__(self, path: Path | None, salt: str, target: Path, *, read: bool = True):
        self.path = path
        self.salt = f"{FORMAT}.{FILE_FORMAT}:file:{salt}"
        self.index: dict[str, tuple] = {}
        self.view: memoryview | None = None
        self.src: Any = None  # the report file, open, when its places are trusted
        self.used: dict[str, Any] = {}  # key -> the piece (text or slice) of this run
        # id(slice) -> (the slice, its CRC-32) of the slices taken (held: ids stay theirs)
        self.checked: dict[int, tuple[Any, int]] = {}
        # id(slice) -> (offset, length, trailer) of the slices taken from a trusted file
        self.spans: dict[int, tuple[int, int, bytes | None]] = {}
        self.hits = 0
        self.misses = 0
        # group key -> (its runs' digests joined by "|", their lengths, their CRC-32s:
        # arrays as bytes) of the old file's groups, and of this run's
        self.groups: dict[str, tuple] = {}
        self.new_groups: dict[str, tuple] = {}
        self._runs: dict[str, tuple] | None = None  # run digest -> (group key, index)
        if path is not None and read:
            data = _load_salted(path, self.salt)
            if data is not None:
                self._map(Path(target), data["items"], data.get("stamp"))
                groups = data.get("groups")
                if isinstance(groups, dict) and self.index:
                    self.groups = groups

    def _map(self, target: Path, items: dict, stamp: Any) -> None:
        import mmap

        try:
            fh = open(target, "rb")
        except OSError:  # missing, unreadable
            return
        try:
            self.view = memoryview(mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ))
            if stamp is not None and stamp == file_stamp(os.fstat(fh.fileno())):
                self.src, fh = fh, None
        except (OSError, ValueError):  # empty, or not mappable
            return
        finally:
            if fh is not None:
                fh.close()
        self.index = items

    def get(self, key: str) -> Any:
        place = self.index.get(key)
        piece = None
        if place is not None:
            try:
                off, n, crc, trailer = place
                piece = self.view[off:off + n]
                if len(piece) != n or (self.src is None and zlib.crc32(piece) != crc):
                    piece = None
            except (TypeError, ValueError):  # an entry of another shape: a miss
                piece = None
        if piece is None:
            self.misses += 1
            return None
        self.used[key] = piece
        self.checked[id(piece)] = (piece, crc)
        if self.src is not None:
            self.spans[id(piece)] = (off, n, trailer)
        self.hits += 1
        return piece

    def put(self, key: str, value: Any) -> None:
        self.used[key] = value

    def get_group(self, key: str, runs: int) -> Any:
        """A group's text (see :func:`rendered_groups`) as ``get`` takes a run's, or
        None; a hit counts ``runs`` hits, a miss nothing (its runs are counted)."""
        if key not in self.groups:
            return None
        hits, misses = self.hits, self.misses
        piece = self.get(key)
        self.hits, self.misses = hits, misses
        if piece is not None:
            self.hits += runs
            self.new_groups[key] = self.groups[key]
        return piece

    def put_group(self, key: str, piece: bytes, names: str, texts: list) -> None:
        """A group joined in this run: its text, and its runs' digests and texts."""
        from array import array

        self.used[key] = piece
        self.new_groups[key] = (names, array("Q", map(len, texts)).tobytes(),
                                array("Q", map(zlib.crc32, texts)).tobytes())

    def run_text(self, digest: str, sep: int) -> Any:
        """The text of one run of the old file's groups (its digest ``digest``; runs
        are ``sep`` bytes apart in a group), or None: where the old file is not
        trusted, the run's CRC-32 is checked."""
        if self._runs is None:
            self._runs = {}
            for key, members in self.groups.items():
                try:
                    for k, name in enumerate(members[0].split("|")):
                        self._runs[name] = (key, k)
                except (AttributeError, IndexError, KeyError, TypeError):  # another shape
                    continue
        got = self._runs.get(digest)
        if got is None or self.view is None:
            return None
        from array import array

        key, k = got
        try:
            lens, crcs = array("Q"), array("Q")
            lens.frombytes(self.groups[key][1])
            crcs.frombytes(self.groups[key][2])
            off, n, _crc, _trailer = self.index[key]
            start = off + sum(lens[:k]) + sep * k
            piece = self.view[start:start + lens[k]]
            if start + lens[k] > off + n or len(piece) != lens[k] or (
                    self.src is None and zlib.crc32(piece) != crcs[k]):
                return None
        except (KeyError, IndexError, TypeError, ValueError):  # another shape: a miss
            return None
        return piece

    def save(self, places: dict[int, tuple], stamp: tuple | None = None) -> None:
        """``places``: {id(piece): (offset, length, crc32, trailer)} of the pieces
        written; ``stamp``: :func:`file_stamp` of the file they were written to."""
        items = {k: places[id(v)] for k, v in self.used.items() if id(v) in places}
        groups = {k: v for k, v in self.new_groups.items() if k in items}
        self.close()
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _dump(self.path, {"salt": self.salt, "items": items, "stamp": stamp,
                              "groups": groups})
            # (a Fragments delta of the same report, left by an earlier version)
            self.path.with_name(self.path.name + ".delta").unlink(missing_ok=True)
        except OSError:
            pass  # the cache is an optimisation

    def close(self) -> None:
        """Let go of the old report file (its mapping, the open file)."""
        self.used, self.view, self.checked, self.spans = {}, None, {}, {}
        self.groups, self.new_groups, self._runs = {}, {}, None
        if self.src is not None:
            self.src.close()
            self.src = None


def file_stamp(st: os.stat_result) -> tuple[int, int, int, int]:
    """What tells one version of a file from another without reading it."""
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _load_salted(path: Path, salt: str) -> dict | None:
    """A cache file's data when it was written with ``salt`` and holds its items."""
    data = _load(path)
    if isinstance(data, dict) and data.get("salt") == salt \
            and isinstance(data.get("items"), dict):
        return data
    return None


def _load(path: Path) -> Any:
    try:
        with open(path, "rb") as fh:
            return pickle.load(fh)
    except Exception:  # missing, truncated, foreign: an empty cache
        return None


def _dump(path: Path, data: dict) -> None:
    atomic_write_bytes(path, pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL),
                       durable=False)


def cache_path(cache_dir: Path | None, out_dir: Path, report: str) -> Path | None:
    """Where ``report``'s fragments for the report folder ``out_dir`` are kept."""
    if cache_dir is None:
        return None
    tag = hashlib.sha1(str(Path(out_dir).resolve()).encode("utf-8", "surrogateescape")
                       ).hexdigest()[:16]
    return Path(cache_dir) / f"reports-{tag}.{report}.pickle"
