"""The incremental-run store: per-seed results and index features in SQLite.

What is stored, and under which key:

* ``seed`` rows: for one seed file, the file record of the report (sha256, chars,
  lines), its file-check findings (``Finding.to_dict()``, before the baseline is
  applied) and the worst severity among them. Key: ``(path, sha256, ctx)``.
* ``feature`` rows: one corpus index's features of one seed (pickled). Key:
  ``(path, sha256, ctx, idx)``.
* ``corpus`` rows: the findings of one corpus-check category. Key: a hash of ``ctx``,
  the category and every ``(path, sha256)`` of the corpus, so any added, removed or
  edited seed is a miss (the features are then read back from ``feature`` rows: only
  changed seeds are re-extracted).
* ``corpus_state`` rows: what an incremental corpus check needs to recompute only the
  findings a change can affect (``checks/incremental.py``). Key: ``(ctx, category)``.

``ctx`` (:func:`context_key`) hashes everything else a result depends on: the tool
version, the code of the ``checks`` package (every ``*.py`` and data file), the
configuration (:meth:`Config.fingerprint`) and the id and ``version`` of every check and
index. A changed check version, option, severity, selection or line of check code
therefore misses, and the seed is checked again. The path is part of every key because
findings carry it (``path``, ``fingerprint``): two identical files at different paths
are two rows.

The store is only ever an optimisation: every read that fails, for whatever reason
(missing row, a corrupt pickle, a database error), is a miss and the result is computed
again. A file that is not a database is deleted and recreated (:meth:`Store.open`).
Concurrency: WAL journal, a busy timeout, autocommit (one short transaction per
statement or per seed), so two pytest-xdist workers can write at the same time.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import marshal
import os
import pickle
import re
import secrets
import sqlite3
import stat
import time
from pathlib import Path
from typing import Any, Callable, Iterable

from . import __version__, engine, registry
from .config import Config
from .model import SEVERITY_RANK, Finding
from .report.fragments import run_digest
from .report.lazy import StoredRun, Summary
from .seed import Seed, read_seed

SCHEMA_VERSION = "6"  # 4: a seed's record and findings in marshal's format; 5: digest;
# 6: summary (report.lazy.Summary)
BUSY_TIMEOUT_S = 60.0
POLL_ROWS = 2_000  # rows of a bulk read between two calls of its ``poll``
# A corpus_state value that starts so names the file (beside the store) holding the
# pickled state: ``<store>.state-<hash of ctx and category>-<random>.pickle``.
STATE_FILE = b"file:"
STATE_PART = ".state-"
_STATE_NAME = re.compile(r"[\w-][\w.-]*\.state-[0-9a-f]{16}-[0-9a-f]{12}\.pickle")
STATE_ORPHAN_S = 3600.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS seed (
    path TEXT NOT NULL, sha256 TEXT NOT NULL, ctx TEXT NOT NULL,
    rec BLOB NOT NULL, findings BLOB NOT NULL, worst INTEGER NOT NULL,
    digest TEXT NOT NULL, summary BLOB NOT NULL,
    PRIMARY KEY (path, sha256, ctx)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS feature (
    path TEXT NOT NULL, sha256 TEXT NOT NULL, ctx TEXT NOT NULL, idx TEXT NOT NULL,
    value BLOB,
    PRIMARY KEY (ctx, idx, path, sha256)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS corpus (
    key TEXT PRIMARY KEY, findings TEXT NOT NULL, used_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS corpus_state (
    ctx TEXT NOT NULL, category TEXT NOT NULL, value BLOB NOT NULL,
    PRIMARY KEY (ctx, category)) WITHOUT ROWID;
"""


# -- keys ----------------------------------------------------------------------------------

_CODE_FP: str | None = None


def code_fingerprint() -> str:
    """Hash of the ``checks`` package's source and data files (computed once a process):
    a check whose code changed without a version bump still misses."""
    global _CODE_FP
    if _CODE_FP is None:
        root = Path(__file__).resolve().parent
        h = hashlib.sha256()
        files = sorted(p for p in root.rglob("*")
                       if p.is_file() and "__pycache__" not in p.parts
                       and p.suffix not in (".pyc", ".pyo"))
        for p in files:
            h.update(p.relative_to(root).as_posix().encode() + b"\0")
            try:
                h.update(p.read_bytes())
            except OSError:
                h.update(b"?")
        _CODE_FP = h.hexdigest()[:16]
    return _CODE_FP


def context_key(config: Config) -> str:
    """The part of every cache key that is not the seed: tool version, code, configuration,
    and the id and version of every check and index."""
    checks = [(c.id, c.version, c.scope, c.index) for c in registry.all_checks()]
    registry.load_builtin()
    indexes = sorted((name, spec.version) for name, spec in registry._INDEXES.items())
    from .typo_neural import identity  # the named spelling model's files (typo.neural)

    blob = json.dumps([__version__, code_fingerprint(), config.fingerprint(), checks,
                       indexes, identity(config)], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def corpus_key(ctx: str, category: str, shas: Iterable[tuple[str, str | None]]) -> str:
    h = hashlib.sha256(f"{ctx}\0{category}\0".encode())
    for path, sha in shas:
        h.update(f"{path}\0{sha or '-'}\n".encode())
    return h.hexdigest()


def needed_indexes(config: Config, category: str | None = None) -> list[str]:
    """Indexes read by the enabled corpus checks (of one category, or all)."""
    return sorted({c.index for c in registry.all_checks()
                   if c.scope == "corpus" and c.index and config.enabled(c.id)
                   and (category is None or c.category == category)})


def worst_rank(findings: Iterable[dict]) -> int:
    return max((SEVERITY_RANK[f["severity"]] for f in findings), default=-1)


# -- the store -----------------------------------------------------------------------------

class Store:
    """A SQLite file of cached results. Every method swallows database errors (a miss,
    or a lost write) after marking the store ``broken``; nothing here raises."""

    def __init__(self, path: Path, conn: sqlite3.Connection | None):
        self.path = path
        self.conn = conn
        self.broken = conn is None
        self.error: str | None = None
        self._deferred: list | None = None  # rows waiting for the end of deferred()
        # corpus states kept until flush_states() (defer_states: a pool worker's, which
        # hands its findings back first and writes the states while the run goes on)
        self.defer_states = False
        self._pending_states: list[tuple[str, str, Any]] = []

    # -- opening -------------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path, *, wipe: bool = False, repair: bool = True) -> "Store":
        """Open (creating) the store at ``path``. ``wipe`` deletes it first. A file that
        is not a usable store (corrupt, another schema) is deleted and recreated when
        ``repair`` is set; otherwise the store is returned broken (every read a miss)."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            store = cls(path, None)
            store.error = f"cannot create {path.parent}: {exc.strerror or exc}"
            return store
        if wipe:
            _remove(path)
        for attempt in (1, 2):
            conn = None
            try:
                conn = _connect(path)
                cur = conn.execute("SELECT value FROM meta WHERE key='schema'") \
                    if _has_meta(conn) else None
                row = cur.fetchone() if cur is not None else None
                if row is not None and row[0] != SCHEMA_VERSION:
                    raise sqlite3.DatabaseError(f"schema {row[0]}, expected {SCHEMA_VERSION}")
                conn.executescript(_SCHEMA)
                conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
                return cls(path, conn)
            except sqlite3.Error as exc:
                if conn is not None:
                    conn.close()
                if not repair or attempt == 2 or _is_locked(exc):
                    store = cls(path, None)
                    store.error = f"{path}: {exc}"
                    return store
                _remove(path)  # corrupt or foreign: rebuilt from scratch
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            except sqlite3.Error:
                pass
            self.conn = None

    def _fail(self, exc: Exception) -> None:
        self.error = f"{self.path}: {exc}"
        if not _is_locked(exc):
            self.broken = True

    # -- seeds ---------------------------------------------------------------------------
    def cached_seeds(self, ctx: str) -> dict[tuple[str, str], int]:
        """{(path, sha256): worst severity rank (-1: no finding)} of every cached seed."""
        if self.broken:
            return {}
        try:
            rows = self.conn.execute(
                "SELECT path, sha256, worst FROM seed WHERE ctx=?", (ctx,)).fetchall()
        except sqlite3.Error as exc:
            self._fail(exc)
            return {}
        return {(p, s): w for p, s, w in rows}

    def cached_keys(self, ctx: str) -> set[tuple[str, str]]:
        """{(path, sha256)} of every cached seed: :meth:`cached_seeds` without the worst
        severity, which lies after a row's findings (its overflow pages are walked to
        reach it): 0.05 s instead of 0.23 s at 50,000 seeds, at the start of a one-seed
        run's up-front phase."""
        if self.broken:
            return set()
        try:
            return set(self.conn.execute("SELECT path, sha256 FROM seed WHERE ctx=?",
                                         (ctx,)).fetchall())
        except sqlite3.Error as exc:
            self._fail(exc)
            return set()

    def seed_count(self, ctx: str) -> int:
        """How many seeds' results the store holds for ``ctx`` (0.012 s at 50,000)."""
        if self.broken:
            return 0
        try:
            return self.conn.execute("SELECT COUNT(*) FROM seed WHERE ctx=?",
                                     (ctx,)).fetchone()[0]
        except sqlite3.Error as exc:
            self._fail(exc)
            return 0

    def holds_seeds(self, ctx: str) -> bool:
        """Does the store hold any seed's results for ``ctx`` (one row looked at)?"""
        if self.broken:
            return False
        try:
            return self.conn.execute("SELECT 1 FROM seed WHERE ctx=? LIMIT 1",
                                     (ctx,)).fetchone() is not None
        except sqlite3.Error as exc:
            self._fail(exc)
            return False

    def get_seed(self, path: str, sha: str, ctx: str) -> tuple[dict, list[dict]] | None:
        if self.broken:
            return None
        try:
            row = self.conn.execute(
                "SELECT rec, findings FROM seed WHERE path=? AND sha256=? AND ctx=?",
                (path, sha, ctx)).fetchone()
            if row is None:
                return None
            return marshal.loads(row[0]), marshal.loads(row[1])
        except (sqlite3.Error, ValueError, EOFError, TypeError) as exc:
            self._fail(exc)
            return None

    def get_seeds(self, keys: list[tuple[str, str]], ctx: str
                  ) -> dict[tuple[str, str], tuple[dict, list[dict]]]:
        out: dict[tuple[str, str], tuple[dict, list[dict]]] = {}
        for path, sha in keys:
            got = self.get_seed(path, sha, ctx)
            if got is not None:
                out[(path, sha)] = got
        return out

    def get_seeds_bulk(self, keys: list[tuple[str, str]], ctx: str, lazy: bool = False,
                       poll: Callable[[], None] | None = None
                       ) -> dict[tuple[str, str], tuple[dict, list[dict] | StoredRun]]:
        """Like :meth:`get_seeds`, in one query (the rows of ``ctx`` are scanned once:
        ~10x faster than one query a seed at 10,000 seeds). ``lazy``: a seed's findings
        that are plain (sorted, none baselined: ``Summary.plain``) come as a
        :class:`StoredRun`, not decoded, with the run digest computed when they were
        stored (``report/lazy.py``). ``poll``: called every ``POLL_ROWS`` rows (the
        up-front phase hands its workers their next task meanwhile)."""
        if self.broken or not keys:
            return {}
        want = set(keys)
        out: dict[tuple[str, str], tuple[dict, list[dict] | StoredRun]] = {}
        # (what is read holds no reference cycle: the collector, which ran ~10 times
        # over a growing heap while 50,000 rows were read, has nothing to find here)
        collecting = gc.isenabled()
        gc.disable()
        try:
            cur = self.conn.execute(
                "SELECT path, sha256, rec, findings, digest, summary FROM seed WHERE ctx=?",
                (ctx,))
            for n, (path, sha, rec, fds, digest, summary) in enumerate(cur, 1):
                if poll is not None and not n % POLL_ROWS:
                    poll()
                if (path, sha) in want:
                    sm = Summary.loads(summary) if lazy else None
                    out[(path, sha)] = (marshal.loads(rec), StoredRun(path, fds, digest, sm)
                                        if sm is not None and sm.plain
                                        else marshal.loads(fds))
        except (sqlite3.Error, ValueError, EOFError, TypeError) as exc:
            self._fail(exc)
            return {}
        finally:
            if collecting:
                gc.enable()
        return out

    def put_seed(self, path: str, sha: str, ctx: str, rec: dict, findings: list[dict],
                 features: dict[str, Any]) -> None:
        """Store one seed's results and index features in one short transaction (or,
        inside :meth:`deferred`, in the transaction that ends it)."""
        if self.broken:
            return
        try:
            blobs = [(path, sha, ctx, idx, pickle.dumps(v, protocol=pickle.HIGHEST_PROTOCOL))
                     for idx, v in features.items()]
            # (marshal: read back 2.4 times faster than JSON; a large run reads every
            # stored seed's row: 1.8 s of JSON at 50,000 seeds; the store is a local
            # cache of this interpreter's, like the pickled features beside it)
            # (the digest the report gives the seed's run of findings when they are its
            # whole run, fragments.run_digests: computed here, once, not by every run
            # that reads them back)
            row = (path, sha, ctx, marshal.dumps(rec), marshal.dumps(findings),
                   worst_rank(findings), run_digest(findings), _summary(findings))
        except (pickle.PicklingError, TypeError, AttributeError, ValueError) as exc:
            self._fail(exc)
            return
        if self._deferred is not None:
            self._deferred.append((row, blobs))
            return
        self._write([(row, blobs)])

    def _write(self, items: list[tuple[tuple, list[tuple]]]) -> None:
        if self.broken or not items:
            return
        try:
            with self.conn:  # one transaction
                self.conn.execute("BEGIN IMMEDIATE")
                self.conn.executemany("INSERT OR REPLACE INTO seed VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                      [row for row, _ in items])
                blobs = [b for _, bs in items for b in bs]
                if blobs:
                    self.conn.executemany(
                        "INSERT OR REPLACE INTO feature VALUES (?, ?, ?, ?, ?)", blobs)
        except sqlite3.Error as exc:
            self._fail(exc)

    @contextlib.contextmanager
    def deferred(self):
        """Seeds stored inside the block are written when it ends, in one transaction
        (a worker's chunk of seeds: one commit instead of one a seed, and the write
        lock taken once). Rows of a block that raises are still written."""
        if self._deferred is not None:  # nested: the outer block writes
            yield self
            return
        self._deferred = []
        try:
            yield self
        finally:
            items, self._deferred = self._deferred, None
            self._write(items)

    # -- features --------------------------------------------------------------------------
    def get_features(self, idx: str, ctx: str) -> dict[str, tuple[str, bytes]]:
        """{path: (sha256, pickled value)} of every stored feature of index ``idx``."""
        if self.broken:
            return {}
        try:
            rows = self.conn.execute(
                "SELECT path, sha256, value FROM feature WHERE ctx=? AND idx=?",
                (ctx, idx)).fetchall()
        except sqlite3.Error as exc:
            self._fail(exc)
            return {}
        return {p: (s, v) for p, s, v in rows}

    def put_features(self, rows: list[tuple[str, str, str, Any]], ctx: str) -> None:
        """rows: (path, sha256, idx, value)."""
        if self.broken or not rows:
            return
        try:
            blobs = [(p, s, ctx, i, pickle.dumps(v, protocol=pickle.HIGHEST_PROTOCOL))
                     for p, s, i, v in rows]
            with self.conn:
                self.conn.execute("BEGIN IMMEDIATE")
                self.conn.executemany(
                    "INSERT OR REPLACE INTO feature VALUES (?, ?, ?, ?, ?)", blobs)
        except (sqlite3.Error, pickle.PicklingError, TypeError, AttributeError) as exc:
            self._fail(exc)

    # -- corpus results ----------------------------------------------------------------------
    def get_corpus(self, key: str) -> list[dict] | None:
        if self.broken:
            return None
        try:
            row = self.conn.execute("SELECT findings FROM corpus WHERE key=?",
                                    (key,)).fetchone()
            if row is None:
                return None
            self.conn.execute("UPDATE corpus SET used_at=? WHERE key=?", (time.time(), key))
            return json.loads(row[0])
        except (sqlite3.Error, ValueError) as exc:
            self._fail(exc)
            return None

    def put_corpus(self, key: str, findings: list[dict]) -> None:
        if self.broken:
            return
        try:
            self.conn.execute("INSERT OR REPLACE INTO corpus VALUES (?, ?, ?)",
                              (key, json.dumps(findings, ensure_ascii=False), time.time()))
        except sqlite3.Error as exc:
            self._fail(exc)

    def get_features_for(self, idx: str, ctx: str, paths: Iterable[str]
                         ) -> dict[str, tuple[str, bytes]]:
        """Like :meth:`get_features`, for some paths only."""
        if self.broken:
            return {}
        out: dict[str, tuple[str, bytes]] = {}
        paths = list(paths)
        try:
            for i in range(0, len(paths), 500):
                part = paths[i:i + 500]
                rows = self.conn.execute(
                    "SELECT path, sha256, value FROM feature WHERE ctx=? AND idx=? AND path "
                    f"IN ({','.join('?' * len(part))})", (ctx, idx, *part)).fetchall()
                for p, s_, v in rows:
                    out[p] = (s_, v)
        except sqlite3.Error as exc:
            self._fail(exc)
            return {}
        return out

    def get_features_at(self, idx: str, ctx: str, keys: Iterable[tuple[str, str]]
                        ) -> dict[str, bytes | None]:
        """{path: pickled value} of the stored features of ``(path, sha256)`` pairs (an
        earlier version of a seed, until :meth:`prune` drops it)."""
        if self.broken:
            return {}
        out: dict[str, bytes | None] = {}
        try:
            for path, sha in keys:
                row = self.conn.execute(
                    "SELECT value FROM feature WHERE ctx=? AND idx=? AND path=? AND sha256=?",
                    (ctx, idx, path, sha)).fetchone()
                if row is not None:
                    out[path] = row[0]
        except sqlite3.Error as exc:
            self._fail(exc)
            return {}
        return out

    def get_corpus_state(self, ctx: str, category: str) -> Any:
        if self.broken:
            return None
        try:
            row = self.conn.execute("SELECT value FROM corpus_state WHERE ctx=? AND "
                                    "category=?", (ctx, category)).fetchone()
            if row is None:
                return None
            blob = row[0]
            name = _state_name(blob)
            if name is not None:
                blob = (self.path.parent / name).read_bytes()
            return pickle.loads(blob)
        except Exception as exc:  # a corrupt blob, a missing or unreadable file: a miss
            if isinstance(exc, sqlite3.Error):
                self._fail(exc)
            return None

    def put_corpus_state(self, ctx: str, category: str, value: Any) -> None:
        """The state is written to a file of its own beside the store, which its row
        names (:data:`STATE_FILE`): SQLite took ~1 s to replace a row's 90 MB blob (the
        figure category's state at 50,000 seeds), where the file is written in a tenth
        of that. A file that cannot be written leaves the state in the row, as before.
        With ``defer_states`` the state is kept (not copied: the caller is done with
        it) until :meth:`flush_states`."""
        if self.broken:
            return
        if self.defer_states:
            self._pending_states.append((ctx, category, value))
            return
        try:
            data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            self._fail(exc)
            return
        tag = hashlib.sha1(f"{ctx}|{category}".encode()).hexdigest()[:16]
        path = self.path.parent / f"{self.path.stem}{STATE_PART}{tag}-{secrets.token_hex(6)}.pickle"
        try:
            with open(path, "xb") as fh:  # a name no one else uses: whole before named
                fh.write(data)
            row = STATE_FILE + path.name.encode()
        except OSError:
            _unlink(path)
            row = data
        try:
            old = self.conn.execute("SELECT substr(value, 1, 200) FROM corpus_state "
                                    "WHERE ctx=? AND category=?", (ctx, category)).fetchone()
            self.conn.execute("INSERT OR REPLACE INTO corpus_state VALUES (?, ?, ?)",
                              (ctx, category, row))
        except sqlite3.Error as exc:
            _unlink(path)
            self._fail(exc)
            return
        if old is not None:
            self._drop_state_file(old[0])

    def flush_states(self) -> None:
        """Write the states :meth:`put_corpus_state` kept, in the order given."""
        pending, self._pending_states = self._pending_states, []
        self.defer_states = False
        for ctx, category, value in pending:
            self.put_corpus_state(ctx, category, value)

    def _drop_state_file(self, value: Any) -> None:
        name = _state_name(value)
        if name is not None:
            _unlink(self.path.parent / name)

    def get_meta(self, key: str, *, marshalled: bool = False) -> Any:
        """A value stored under ``key`` by :meth:`put_meta` (None when missing or
        unreadable): JSON, or with ``marshalled`` marshal's format."""
        if self.broken:
            return None
        try:
            row = self.conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
            if row is None:
                return None
            if marshalled:
                return marshal.loads(row[0]) if isinstance(row[0], bytes) else None
            return json.loads(row[0])
        except (sqlite3.Error, ValueError, EOFError, TypeError) as exc:
            if isinstance(exc, sqlite3.Error):
                self._fail(exc)
            return None

    def put_meta(self, key: str, value: Any, *, marshalled: bool = False) -> None:
        """``marshalled``: in marshal's format, for a large value (the seeds' stats at
        50,000 seeds are 7.9 MB of JSON, read and written again by every run); a value
        marshal cannot write is not kept."""
        if self.broken:
            return
        try:
            blob = marshal.dumps(value) if marshalled else json.dumps(value)
        except ValueError:
            if not marshalled:
                raise
            return
        try:
            self.conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, blob))
        except sqlite3.Error as exc:
            self._fail(exc)

    # -- housekeeping -----------------------------------------------------------------------
    def seed_rows(self) -> int | None:
        """How many seed rows the store holds (of every context); None when unknown.
        (:meth:`prune` deletes seed and feature rows only when they are not as many as
        the seeds it is given.)"""
        if self.broken:
            return None
        try:
            return self.conn.execute("SELECT COUNT(*) FROM seed").fetchone()[0]
        except sqlite3.Error as exc:
            self._fail(exc)
            return None

    def prune(self, ctx: str, current: dict[str, str], older_than: float) -> None:
        """Drop rows that cannot be hit again: another ``ctx``, a path that is gone or
        holds other content now, corpus results not used since ``older_than``."""
        if self.broken:
            return
        try:
            n = self.conn.execute("SELECT COUNT(*) FROM seed").fetchone()[0]
            gone = self.conn.execute("SELECT substr(value, 1, 200) FROM corpus_state "
                                     "WHERE ctx != ?", (ctx,)).fetchall()
            with self.conn:
                self.conn.execute("BEGIN IMMEDIATE")
                self.conn.execute("DELETE FROM corpus WHERE used_at < ?", (older_than,))
                self.conn.execute("DELETE FROM corpus_state WHERE ctx != ?", (ctx,))
                if n != len(current):
                    self.conn.execute(
                        "CREATE TEMP TABLE IF NOT EXISTS keep (path TEXT, sha256 TEXT, "
                        "PRIMARY KEY (path, sha256))")
                    self.conn.execute("DELETE FROM keep")
                    self.conn.executemany("INSERT OR IGNORE INTO keep VALUES (?, ?)",
                                          list(current.items()))
                    for table in ("seed", "feature"):
                        self.conn.execute(
                            f"DELETE FROM {table} WHERE ctx != ? OR NOT EXISTS (SELECT 1 "
                            f"FROM keep k WHERE k.path = {table}.path "
                            f"AND k.sha256 = {table}.sha256)", (ctx,))
        except sqlite3.Error as exc:
            self._fail(exc)
            return
        for (value,) in gone:
            self._drop_state_file(value)
        self._sweep_state_files()

    def _sweep_state_files(self) -> None:
        """Delete state files no row names that are older than :data:`STATE_ORPHAN_S`
        (a run stopped between writing a file and naming it; a younger one may be a
        concurrent run's, about to be named)."""
        try:
            named = {_state_name(v) for (v,) in self.conn.execute(
                "SELECT substr(value, 1, 200) FROM corpus_state").fetchall()}
            cutoff = time.time() - STATE_ORPHAN_S
            for p in self.path.parent.glob(f"{self.path.stem}{STATE_PART}*.pickle"):
                if p.name not in named and p.stat().st_mtime < cutoff:
                    _unlink(p)
        except (sqlite3.Error, OSError):
            pass


def _summary(findings: list[dict]) -> bytes:
    """A seed's findings' :class:`Summary`, marshalled (empty for findings that are not
    reported dicts: such a row is always decoded)."""
    try:
        return Summary.of(findings).dumps()
    except (KeyError, TypeError, AttributeError, ValueError):
        return b""


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None,
                           check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def _has_meta(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'"
                        ).fetchone() is not None


def _is_locked(exc: Exception) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc)


def _remove(path: Path) -> None:
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm"),
              *path.parent.glob(f"{path.stem}{STATE_PART}*.pickle")):
        _unlink(p)


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


def _state_name(value: Any) -> str | None:
    """The file a ``corpus_state`` value names (:data:`STATE_FILE`), or None for a state
    held in the row. Only a plain name of a state file: nothing outside the folder."""
    if not isinstance(value, (bytes, memoryview)) or bytes(value[:len(STATE_FILE)]) != STATE_FILE:
        return None
    name = bytes(value[len(STATE_FILE):]).decode("ascii", "replace")
    return name if _STATE_NAME.fullmatch(name) else None


def store_name(root: Path) -> str:
    """One store file per seeds folder (paths in it are relative to the folder)."""
    return hashlib.sha1(str(root).encode()).hexdigest()[:16] + ".sqlite"


# -- checking with the store -----------------------------------------------------------------

def index_features(seed: Seed, config: Config, names: list[str],
                   timings: dict[str, float] | None = None) -> dict[str, Any]:
    """{index: feature} of one readable seed, extracted exactly as ``Corpus.features``
    does (on the view the checks see)."""
    if not seed.readable or not names:
        return {}
    view = seed.checkable(config.max_line_chars)[0]
    out: dict[str, Any] = {}
    for name in names:
        spec = registry.get_index(name)
        t0 = time.perf_counter()
        out[name] = spec.func(view, engine.CheckContext(config, f"index:{name}"))
        if timings is not None:
            k = f"index:{name}"
            timings[k] = timings.get(k, 0.0) + time.perf_counter() - t0
    return out


def file_record(seed: Seed) -> dict:
    text = seed.text
    return {
        "path": seed.rel,
        "sha256": seed.sha256,
        "chars": len(text) if text is not None else 0,
        "lines": len(seed.lines) if text else 0,
        "unreadable": text is None,
    }


def read_raw(path: Path, max_bytes: int | None = None) -> tuple[bytes | None, str | None]:
    """(bytes, sha256) of a seed, or (None, sha or None) when it cannot be read or is
    over ``max_bytes`` (see :func:`checks.seed.read_raw`: never opens a FIFO, never
    holds a too-large file in memory)."""
    from .seed import read_raw as _read_raw

    return _read_raw(path, max_bytes)


class FileHashes:
    """The sha256 of seed files, read again only when a file's stat changed: the store
    keeps (size, mtime, ctime, inode, sha256) per path (meta ``stat:<folder>``), as git's
    index does. A file whose mtime is within ``RACY_NS`` of the time its stat was
    recorded is hashed again (it may have changed within one timestamp tick after it
    was recorded). Without a store, or with ``read=False`` (``--no-cache``), every file
    is hashed; with a store the stats seen are recorded all the same, so the run after
    a ``--no-cache`` run reads no file that did not change."""

    RACY_NS = 2_000_000_000

    def __init__(self, store: Store | None, root: Path, max_bytes: int | None,
                 read: bool = True):
        self.store = store
        self.key = f"stat:{root}"
        self.max_bytes = max_bytes
        got = store.get_meta(self.key, marshalled=True) if store is not None and read \
            else None
        ok = isinstance(got, dict) and isinstance(got.get("files"), dict)
        self.at = got.get("at", 0) if ok else 0
        self.old: dict[str, list] = got["files"] if ok else {}
        self.new: dict[str, list] = {}
        self.started = time.time_ns()
        self.hashed = 0
        # the folder, open: a seed is stat'ed by its relative path (the text of 50,000
        # pathlib paths, formatted for os.stat, was a quarter of their stats' time)
        self._fd: int | None = None
        if os.stat in os.supports_dir_fd:
            try:
                self._fd = os.open(root, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
            except OSError:
                pass

    def _stat(self, rel: str, path: Path) -> os.stat_result | None:
        # (``rel`` names the file under the folder unless a name in it is not UTF-8:
        # scan.display_name escapes those with backslashes)
        if self._fd is not None and "\\" not in rel:
            try:
                return os.stat(rel, dir_fd=self._fd)
            except OSError:
                pass
        try:
            return os.stat(path)
        except OSError:
            return None

    def close(self) -> None:
        """Close the folder (:meth:`sha` then stats seeds by their paths)."""
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)

    __del__ = close

    def sha(self, rel: str, path: Path) -> str | None:
        st = self._stat(rel, path)
        if st is not None and stat.S_ISREG(st.st_mode):
            old = self.old.get(rel)
            if (old is not None and len(old) == 5 and old[0] == st.st_size
                    and old[1] == st.st_mtime_ns and old[2] == st.st_ctime_ns
                    and old[3] == st.st_ino and isinstance(old[4], str)
                    and max(st.st_mtime_ns, st.st_ctime_ns) < self.at - self.RACY_NS):
                self.new[rel] = old
                return old[4]
            sig = [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]
        else:
            sig = None
        sha = read_raw(path, self.max_bytes)[1]
        self.hashed += 1
        if sig is not None and sha is not None:
            self.new[rel] = sig + [sha]
        return sha

    def save(self) -> None:
        """Record the stats seen (when they differ from the recorded ones, or some were
        too recent to trust)."""
        if self.store is None or (self.new == self.old and not self.hashed):
            return
        self.store.put_meta(self.key, {"at": self.started, "files": self.new},
                            marshalled=True)


def check_seed_cached(path: Path, rel: str, config: Config, store: Store | None, ctx: str,
                      indexes: list[str], sha_hint: str | None = None,
                      timings: dict[str, float] | None = None, lookup: bool = True
                      ) -> tuple[dict, list[Finding], bool]:
    """(file record, findings, from_cache) for one seed; computes and stores on a miss.

    The seed is read once; its sha256 is the key. On a miss the file checks run and
    the features of ``indexes`` are extracted and stored with them. ``lookup`` False:
    the caller read the store already and found no row for ``(rel, sha_hint)`` (it is
    looked up only when the file's hash is another by now).
    """
    if store is not None and sha_hint is not None and lookup:
        got = store.get_seed(rel, sha_hint, ctx)
        if got is not None:
            rec, fds = got
            return rec, [Finding.from_dict(d) for d in fds], True
    raw, sha = read_raw(path, config.max_file_bytes)
    if raw is None:  # unreadable: never cached (the reason is not in the content)
        seed = read_seed(path, rel, config.max_file_bytes)
        return file_record(seed), engine.check_seed(seed, config), False
    if store is not None and sha != sha_hint:
        got = store.get_seed(rel, sha, ctx)
        if got is not None:
            rec, fds = got
            return rec, [Finding.from_dict(d) for d in fds], True
    from .seed import seed_from_bytes

    seed = seed_from_bytes(path, rel, raw, config.max_file_bytes)
    findings = engine.check_seed(seed, config)
    rec = file_record(seed)
    if store is not None:
        feats = index_features(seed, config, indexes, timings=timings)
        store.put_seed(rel, sha, ctx, rec, [f.to_dict() for f in findings], feats)
    return rec, findings, False


class FeatureSource:
    """``Corpus.feature_source`` backed by the store: features of unchanged seeds are
    read back; a seed without stored features (new, edited, or checked by a worker
    that has not written yet) is read and extracted here, and stored."""

    def __init__(self, root: Path, config: Config, store: Store | None, ctx: str,
                 shas: dict[str, str | None], tick: Callable[[], None] | None = None,
                 subset: Iterable[str] | None = None):
        self.subset = set(subset) if subset is not None else None  # read only these
        self.root = root
        self.config = config
        self.store = store
        self.ctx = ctx
        self.shas = shas
        self.tick = tick
        self._loaded: dict[str, dict[str, tuple[str, bytes]]] = {}
        self._pending: list[tuple[str, str, str, Any]] = []
        self.extracted = 0
        self.reused = 0

    def __call__(self, index: str, rel: str) -> Any:
        if self.tick is not None:
            self.tick()
        if index not in self._loaded:
            self.flush()
            if self.store is None:
                self._loaded[index] = {}
            elif self.subset is not None:
                self._loaded[index] = self.store.get_features_for(index, self.ctx,
                                                                  sorted(self.subset))
            else:
                self._loaded[index] = self.store.get_features(index, self.ctx)
        sha = self.shas.get(rel)
        hit = self._loaded[index].get(rel)
        if hit is not None and sha is not None and hit[0] == sha:
            try:
                value = pickle.loads(hit[1]) if hit[1] is not None else None
                self.reused += 1
                return value
            except Exception:  # a corrupt blob is a miss
                pass
        seed = read_seed(self.root / rel, rel, self.config.max_file_bytes)
        if not seed.readable:
            return None
        value = index_features(seed, self.config, [index])[index]
        self.extracted += 1
        if seed.sha256 == sha:
            self._pending.append((rel, sha, index, value))
            if len(self._pending) >= 500:
                self.flush()
        return value

    def flush(self) -> None:
        if self.store is not None and self._pending:
            self.store.put_features(self._pending, self.ctx)
        self._pending = []

    def release(self, index: str) -> None:
        self._loaded.pop(index, None)


def check_corpus_cached(root: Path, paths: list[str], shas: dict[str, str | None],
                        config: Config, category: str, store: Store | None, ctx: str,
                        progress: Callable[[str, int], Any] | None = None,
                        timings: dict[str, float] | None = None
                        ) -> tuple[list[Finding], bool]:
    """(findings, from_cache) of one corpus-check category.

    ``progress(description, total)`` returns a context manager yielding a ``tick()``
    callable (the plugin's rich progress bar); it wraps reading/building the indexes.
    """
    key = corpus_key(ctx, category, ((p, shas.get(p)) for p in paths))
    if store is not None:
        got = store.get_corpus(key)
        if got is not None:
            return [Finding.from_dict(d) for d in got], True
    from . import incremental

    sources: list[FeatureSource] = []

    def make_source(subset):
        sources.append(FeatureSource(root, config, store, ctx, shas, subset=subset))
        return sources[-1]

    def build(corpus, indexes):
        source = corpus.feature_source
        for index in indexes:  # build the indexes first (with a progress bar)
            t0 = time.perf_counter()
            if progress is not None:
                with progress(f"index {index}", len(paths)) as tick:
                    source.tick = tick
                    corpus.features(index)
                source.tick = None
            else:
                corpus.features(index)
            source.release(index)
            if timings is not None:
                k = f"index-load:{index}"
                timings[k] = timings.get(k, 0.0) + time.perf_counter() - t0

    findings = incremental.check_category(root, paths, shas, config, category, store, ctx,
                                          make_source, build)
    if store is not None:
        store.put_corpus(key, [f.to_dict() for f in findings])
    return findings, False
