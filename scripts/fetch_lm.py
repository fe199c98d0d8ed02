"""Fetch the language model of ``typo.language-model`` (``checks/data/lm/zh_CN.lm``).

The model is fcitx's libime word trigram model of Simplified Chinese (KenLM's binary
format, 17 MB), as packaged by Debian in ``libime-data-language-model`` 1.0.16-1
(LGPL-2.1-or-later; upstream data from https://download.fcitx-im.org/data). The
committed file is that package's ``usr/lib/x86_64-linux-gnu/libime/zh_CN.lm``,
unchanged. This script downloads the package from Debian's archive, checks both hashes
and writes the file; it needs nothing but the standard library (a .deb is an ``ar``
archive holding ``data.tar.xz``).

    python scripts/fetch_lm.py [--url URL] [--deb FILE]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import sys
import tarfile
import urllib.request
from pathlib import Path

URL = ("https://deb.debian.org/debian/pool/main/libi/libime/"
       "libime-data-language-model_1.0.16-1_amd64.deb")
DEB_SHA256 = "a9363f915fbefc8ae1ddab3a8147b6c77fdeaa8adb8ab580bc130601d1539665"
MEMBER = "./usr/lib/x86_64-linux-gnu/libime/zh_CN.lm"
LM_SHA256 = "e4097ca9ca1082928c2ea7d5e368080a696611efa0714dfe563c769f26a415d2"
OUT = Path(__file__).resolve().parents[1] / "checks" / "data" / "lm" / "zh_CN.lm"


def ar_members(data: bytes):
    """(name, bytes) of every member of an ``ar`` archive."""
    if not data.startswith(b"!<arch>\n"):
        raise ValueError("not an ar archive (a .deb starts with '!<arch>')")
    pos = 8
    while pos + 60 <= len(data):
        head = data[pos:pos + 60]
        name = head[:16].decode("ascii").strip().rstrip("/")
        size = int(head[48:58].decode("ascii").strip())
        yield name, data[pos + 60:pos + 60 + size]
        pos += 60 + size + (size % 2)


def extract(deb: bytes) -> bytes:
    for name, body in ar_members(deb):
        if name.startswith("data.tar"):
            with tarfile.open(fileobj=io.BytesIO(body)) as tar:
                f = tar.extractfile(MEMBER)
                if f is None:
                    break
                return f.read()
    raise ValueError(f"{MEMBER} not found in the package")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", default=URL)
    ap.add_argument("--deb", type=Path, help="a downloaded .deb instead of the URL")
    args = ap.parse_args(argv)
    if args.deb:
        deb = args.deb.read_bytes()
    else:
        with urllib.request.urlopen(args.url, timeout=120) as r:
            deb = r.read()
    got = hashlib.sha256(deb).hexdigest()
    if got != DEB_SHA256:
        print(f"warning: package sha256 {got} differs from {DEB_SHA256}", file=sys.stderr)
    lm = extract(deb)
    got = hashlib.sha256(lm).hexdigest()
    if got != LM_SHA256:
        print(f"error: model sha256 {got}, expected {LM_SHA256}", file=sys.stderr)
        return 1
    OUT.parent.mkdir(parents=True, exist_ok=True)
    tmp = OUT.with_suffix(".tmp")
    tmp.write_bytes(lm)
    tmp.replace(OUT)
    print(f"wrote {OUT} ({len(lm):,} bytes, sha256 {got})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
