"""Atomic file writes: a temporary file in the same folder, then a rename, so an
interrupted run leaves the previous file whole.

``tempfile.mkstemp`` creates its file with mode 0600; a written file gets the mode a
plain ``open()`` would have given it instead (0666 less the umask: 0644 by default),
unless the caller names a mode (the fixer keeps a seed's own mode)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any, NamedTuple


def current_umask() -> int:
    """The process's umask, read without changing it where the system says it
    (Linux: /proc/self/status); elsewhere set and restored at once."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def default_mode() -> int:
    """The mode ``open(path, "w")`` gives a new file: 0666 less the umask."""
    return 0o666 & ~current_umask()


def atomic_write_bytes(path: Path, data: bytes, mode: int | None = None, *,
                       durable: bool = True) -> None:
    """``durable`` False: no fsync (a cache file: a write lost in a system crash is a
    miss next time; the rename is still atomic for the processes reading it)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.chmod(tmp, default_mode() if mode is None else mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def atomic_write_text(path: Path, text: str, mode: int | None = None) -> None:
    atomic_write_bytes(path, text.encode("utf-8"), mode)


def atomic_write_many(files: list[tuple[Path, bytes]]) -> None:
    """Write several files so that a failure (or an interrupt) part-way leaves every one
    of them as it was: all are written to temporary files first, and only when each is
    complete and on disk are they renamed into place, one rename each."""
    staged: list[tuple[str, Path]] = []
    mode = default_mode()
    try:
        for path, data in files:
            path = Path(path)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp",
                                       dir=path.parent)
            staged.append((tmp, path))
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, mode)
        while staged:
            tmp, path = staged[0]
            os.replace(tmp, path)
            staged.pop(0)
    except BaseException:
        for tmp, _ in staged:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        raise


WRITEV_PIECES = 512  # pieces a system call (Linux takes up to 1,024)
WRITEV_BYTES = 1 << 22


class FileSpan(NamedTuple):
    """A piece to write that is ``length`` bytes of the open file ``fd`` from
    ``offset`` (the report file the last run wrote); ``view``: that file mapped, for a
    system without ``copy_file_range`` (or a copy it refuses: another file system)."""
    fd: int
    offset: int
    length: int
    view: Any


COPY_FILE_RANGE = getattr(os, "copy_file_range", None)


def _copy_span(fd: int, span: FileSpan) -> None:
    """Write ``span`` at ``fd``'s position: copied by the kernel where it can (the bytes
    do not pass through this process), else from the mapping."""
    off, left = span.offset, span.length
    if COPY_FILE_RANGE is not None:
        try:
            while left:
                n = COPY_FILE_RANGE(span.fd, fd, left, off)
                if n <= 0:
                    break  # (the source is shorter than it was: written below)
                off += n
                left -= n
        except OSError:  # EXDEV, ENOSYS, EINVAL …: copied through this process
            pass
    if left:
        _writev_all(fd, [span.view[off:off + left]])


def _write_pieces(fd: int, pieces) -> None:
    """Write ``pieces`` (bytes, memoryviews or :class:`FileSpan`\\ s, in order) to ``fd``
    a batch of them a system call (``os.writev``): a report of 150,000 findings is
    ~100,000 pieces, most of them slices of the file the last run wrote, which a
    buffered writer copied into its buffer 8 KB at a time."""
    batch: list = []
    size = 0
    for piece in pieces:
        if type(piece) is FileSpan:
            if batch:
                _writev_all(fd, batch)
                batch, size = [], 0
            _copy_span(fd, piece)
            continue
        if not piece:
            continue
        batch.append(memoryview(piece))
        size += len(batch[-1])
        if len(batch) >= WRITEV_PIECES or size >= WRITEV_BYTES:
            _writev_all(fd, batch)
            batch, size = [], 0
    if batch:
        _writev_all(fd, batch)


def _writev_all(fd: int, views: list) -> None:
    """``os.writev`` until every byte of ``views`` is written (a call may write less)."""
    i = 0
    while i < len(views):
        n = os.writev(fd, views[i:i + WRITEV_PIECES])
        if n <= 0:
            raise OSError(f"writev wrote {n} bytes")
        while i < len(views) and n >= len(views[i]):
            n -= len(views[i])
            i += 1
        if n:
            views[i] = views[i][n:]


def stage_bytes(path: Path, data: bytes | list[bytes], token: str = "") -> str:
    """Write ``data`` (bytes, or a list of pieces written one after the other) to a new
    temporary file next to ``path`` (on disk: fsync) and return its name, for
    :func:`commit_staged`; ``token`` is put in the name, so that :func:`discard_staged`
    can find the files of one attempt."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{token}", suffix=".tmp",
                               dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            if isinstance(data, (bytes, bytearray, memoryview)):
                fh.write(data)
            elif hasattr(os, "writev"):
                fh.flush()
                _write_pieces(fh.fileno(), data)
            else:
                fh.writelines(p.view[p.offset:p.offset + p.length]
                              if type(p) is FileSpan else p for p in data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, default_mode())
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return tmp


def commit_staged(staged: list[tuple[str, Path]]) -> None:
    """Rename staged files into place (each rename atomic), in order; a file renamed
    is removed from ``staged`` (what is left after a failure is for
    :func:`discard_staged`)."""
    while staged:
        tmp, path = staged[0]
        os.replace(tmp, path)
        staged.pop(0)


def discard_staged(folder: Path, names, token: str = "") -> None:
    """Remove staged files: ``names`` (paths), and with a ``token`` every temporary
    file of ``folder`` carrying it (those of a renderer whose sibling failed)."""
    found = set(names)
    if token:
        found |= {str(p) for p in Path(folder).glob(f".*.{token}*.tmp")}
    for tmp in found:
        try:
            os.unlink(tmp)
        except OSError:
            pass
