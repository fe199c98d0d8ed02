"""Finding the seed files under a folder: ``*.txt``, recursively, sorted by their
POSIX relative path. Symbolic links to folders are followed once (a loop is cut);
a link to a file is listed even when it dangles, so reading it becomes a finding; so is
a sub-folder that cannot be listed (its seeds would otherwise go missing silently)."""

from __future__ import annotations

import os
from operator import attrgetter
from pathlib import Path

_NAME = attrgetter("name")


def scan(root: Path, pattern_suffix: str = ".txt") -> list[tuple[str, Path]]:
    """[(relative posix path, path)] of every seed under ``root``, sorted."""
    out: list[tuple[str, Path]] = []
    seen_dirs: set[str] = set()

    def walk(folder: Path, rel_parts: tuple[str, ...]) -> None:
        try:
            real = os.path.realpath(folder)
        except OSError:
            return
        if real in seen_dirs:
            return
        seen_dirs.add(real)
        try:
            entries = sorted(os.scandir(folder), key=_NAME)
        except OSError:
            if rel_parts:  # listed itself, so reading it says why its seeds are missing
                out.append(("/".join(rel_parts), folder))
            return
        # (a child path without parsing its name again, where pathlib offers it: 40 % of
        # the time of listing 50,000 seeds went to parsing ``folder / name``)
        child = getattr(folder, "_make_child_relpath", folder.joinpath)
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue  # .git, .seedcheck-baseline.json, editor files
            path = child(name)
            name = display_name(name)
            try:
                is_dir = entry.is_dir(follow_symlinks=True)
            except OSError:
                is_dir = False
            if is_dir:  # a folder named *.txt is a folder too: its seeds are checked
                walk(path, rel_parts + (name,))
            elif name.endswith(pattern_suffix):
                out.append(("/".join(rel_parts + (name,)), path))

    walk(root, ())
    out.sort(key=lambda t: t[0])
    return out


def display_name(name: str) -> str:
    """A file name as valid Unicode: bytes that are not UTF-8 (a name written by a
    GBK system) are shown escaped, ``\\xd5\\xfe.txt``, so node ids, the report and the
    cache can carry it. The file itself is still read through its real path."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def describe_os_error(path: Path, exc: OSError) -> str:
    """A reviewer-friendly reason a seed path cannot be read."""
    if path.is_symlink():
        try:
            target = os.readlink(path)
        except OSError:
            target = "?"
        if not path.exists():
            import errno
            if exc.errno == errno.ELOOP:
                return f"the symbolic link {path.name} -> {target} loops back on itself"
            return f"the symbolic link {path.name} -> {target} points to nothing (dangling)"
    if path.is_dir():
        return "it is a folder, not a file"
    return exc.strerror or exc.__class__.__name__
