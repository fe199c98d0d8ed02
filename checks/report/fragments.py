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
code or settings (its *salt*) is an empty cache. Only the entries used by the current
run are written back, so the file never grows past one report's worth.
"""

from __future__ import annotations

import hashlib
import json
import pickle
from pathlib import Path
from typing import Any, Callable, Iterator

from .files import atomic_write_bytes

FORMAT = 1

# (not sort_keys: the renderers write a finding's keys in their order, which the digest
# must therefore tell apart)
_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def runs(findings: list[dict]) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of every run of consecutive findings with the same path."""
    i, n = 0, len(findings)
    while i < n:
        path = findings[i]["path"]
        j = i + 1
        while j < n and findings[j]["path"] == path:
            j += 1
        yield i, j
        i = j


def run_digests(findings: list[dict]) -> list[tuple[int, int, str]]:
    """``(start, end, digest)`` of every run: the digest hashes the run's findings."""
    out = []
    for i, j in runs(findings):
        blob = _compact(findings[i:j]).encode("utf-8", "surrogatepass")
        out.append((i, j, hashlib.sha1(blob).hexdigest()))
    return out


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


class Fragments:
    """One report's cache of rendered runs: ``get(key)``/``put(key, value)``, then
    ``save()``. ``path`` None: a cache that keeps nothing (every ``get`` misses)."""

    def __init__(self, path: Path | None, salt: str, *, read: bool = True):
        self.path = path
        self.salt = f"{FORMAT}:{salt}"
        self.old: dict[str, Any] = {}
        self.new: dict[str, Any] = {}
        self.hits = 0
        self.misses = 0
        if path is not None and read:
            try:
                with open(path, "rb") as fh:
                    data = pickle.load(fh)
                if isinstance(data, dict) and data.get("salt") == self.salt:
                    self.old = data["items"]
            except Exception:  # missing, truncated, foreign: an empty cache
                self.old = {}

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
        """Write what this run used, when it differs from what was read (atomically:
        a concurrent run sees the old file or the new one, and a lost write is a miss
        next time)."""
        if self.path is None or (not self.misses and len(self.new) == len(self.old)):
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(self.path, pickle.dumps(
                {"salt": self.salt, "items": self.new}, protocol=pickle.HIGHEST_PROTOCOL),
                durable=False)
        except OSError:
            pass  # the cache is an optimisation: the reports are written regardless


def cache_path(cache_dir: Path | None, out_dir: Path, report: str) -> Path | None:
    """Where ``report``'s fragments for the report folder ``out_dir`` are kept."""
    if cache_dir is None:
        return None
    tag = hashlib.sha1(str(Path(out_dir).resolve()).encode("utf-8", "surrogateescape")
                       ).hexdigest()[:16]
    return Path(cache_dir) / f"reports-{tag}.{report}.pickle"
