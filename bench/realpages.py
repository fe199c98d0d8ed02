"""Real article text for the issue-16 benchmarks, read at run time (never committed).

``articles(folder)`` turns the xwlb transcripts (``../shared/corpus/xwlb``: one Markdown
file a day, each story a ``### title`` followed by ``<p>`` paragraphs) into plain
articles: (title, [paragraph, ...]) with the HTML removed. Nothing of the corpus is
written into the repository; the benchmarks build their pages from it in memory (or in
a temporary folder).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

TAG = re.compile(r"<[^<>]{0,400}>")
BREAK = re.compile(r"</p>\s*<p[^<>]*>|<br\s*/?>|</?p[^<>]*>", re.IGNORECASE)


def _plain(chunk: str) -> list[str]:
    out = []
    for piece in BREAK.split(chunk):
        text = html.unescape(TAG.sub("", piece)).replace("\xa0", " ").strip()
        if text:
            out.append(text)
    return out


def articles(folder: Path, min_paragraphs: int = 2, min_chars: int = 300
             ) -> list[tuple[str, str, list[str]]]:
    """(file name, title, paragraphs) of every story of every xwlb file, in order."""
    out = []
    for path in sorted(folder.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"^### ([^\n]+)\n(.*?)(?=^### |^---|\Z)", text, re.M | re.S):
            title = m.group(1).strip()
            paras = []
            for line in m.group(2).splitlines():
                line = line.strip()
                if not line or line.startswith("[查看原文]"):
                    continue
                paras += _plain(line)
            if len(paras) >= min_paragraphs and sum(map(len, paras)) >= min_chars:
                out.append((path.name, title, paras))
    return out
