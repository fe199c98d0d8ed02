"""Usage rules for real-word slips and non-recommended word forms (issue 12).

Two detectors, pure functions of a text, each returning :class:`Usage` records (offsets
into the text):

- :func:`find_variant_forms`: a non-recommended form of the State Language Commission's
  《第一批异形词整理表》 (GF 1001-2001), or a word of likeness written with 象 where the
  1986 《简化字总表》 restored 像 (好象 → 好像), from ``checks/data/typo_variant_forms.tsv``.
- :func:`find_real_word_slips`: a real character in a frame where its sound-alike or
  look-alike twin belongs, decided by the segmentation and jieba's dictionary tags, not
  by frequency: 自已 → 自己, a lone 己 before a verb → 已 (男子己被控制), 象 in a
  comparison closed by 一样/一般/似的 → 像 (象保护眼睛一样), 不在 before a verb → 不再
  (不在适合).

Both scan the text with one regular expression first; only the clauses holding a hit are
segmented, so clean text costs one scan.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import NamedTuple

from . import typo_data as D

DATA = Path(__file__).resolve().parent / "data" / "typo_variant_forms.tsv"

# a clause: what lies between two clause or sentence marks (and line ends)
_CLAUSE_END = "，。！？；：、,!?;:\n\r"
_CLAUSE = re.compile(f"[^{_CLAUSE_END}]+")


class Usage(NamedTuple):
    start: int
    end: int
    wrong: str  # the text of the span
    right: str  # its replacement
    rule: str  # "variant", "zi-ji", "ji-yi", "xiang", "bu-zai"
    why: str  # the evidence, in words, for the message


@functools.lru_cache(maxsize=None)
def variant_forms() -> dict[str, tuple[str, str]]:
    """variant → (recommended, source entry)."""
    out: dict[str, tuple[str, str]] = {}
    with open(DATA, encoding="utf-8") as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            variant, right, source = line.rstrip("\n").split("\t")
            out[variant] = (right, source)
    return out


@functools.lru_cache(maxsize=None)
def _variant_re() -> re.Pattern[str]:
    forms = sorted(variant_forms(), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, forms)))


def _clause_at(text: str, i: int) -> tuple[int, int]:
    """The clause around offset ``i`` (the marks that end clauses bound it)."""
    a = i
    while a > 0 and text[a - 1] not in _CLAUSE_END:
        a -= 1
    b = i
    while b < len(text) and text[b] not in _CLAUSE_END:
        b += 1
    return a, b


@functools.lru_cache(maxsize=65536)
def _tokens(clause: str) -> tuple[tuple[int, str], ...]:
    """The clause's jieba tokens with their offsets (cached: boilerplate recurs)."""
    out = []
    pos = 0
    for t in D.segments(clause):
        out.append((pos, t))
        pos += len(t)
    return tuple(out)


def find_variant_forms(text: str, names: bool = True) -> list[Usage]:
    """Non-recommended forms (GF 1001-2001; 像 words of the 1986 table) that jieba reads as
    a word: the form is a whole token, or lies inside a token that is a dictionary word
    once the form is replaced (想像力 → 想象力). 确定单位 holds no 定单 (确定|单位)."""
    if not text:
        return []
    hits = list(_variant_re().finditer(text))
    if not hits:
        return []
    forms = variant_forms()
    freq = D.word_freq()
    out: list[Usage] = []
    for m in hits:
        s, e = m.span()
        a, b = _clause_at(text, s)
        clause = text[a:b]
        for pos, t in _tokens(clause):
            ts, te = a + pos, a + pos + len(t)
            if te <= s:
                continue
            if ts > s:
                break
            if e > te:
                break  # the form runs across a word boundary: not this word
            right, source = forms[m.group()]
            if ts == s and te == e:
                fixed = right
            else:
                fixed = t[:s - ts] + right + t[e - ts:]
                if freq.get(fixed, 0) <= 0 and fixed not in D.phrases():
                    break  # the token is another word that merely holds the form
            if names and _name_here(clause, s - a, e - a):
                break  # a place or a name (磁器口, a street of Chongqing)
            entry = source.split(" ", 1)
            if entry[0] == "GF1001":
                why = (f"{m.group()} is a non-recommended form: 《第一批异形词整理表》 "
                       f"(GF 1001-2001) recommends {right} (entry {entry[-1]})")
            else:
                why = (f"{m.group()} is the pre-1986 spelling of {right}: the 1986 "
                       "《简化字总表》 restored 像 as a character of its own for likeness "
                       "and images")
            out.append(Usage(s, e, m.group(), right, "variant", why))
            break
    return out


# -- real-word slips decided by the frame ---------------------------------------------------

# 己 as the object of a classical verb or preposition (于己有益, 常思己过, 以己度人):
# these stay; every other lone 己 token in modern prose is 已 misspelt
_JI_GOVERNORS = frozenset("于为以思律克利损舍正恕推修守责罪归由知异")
# a comparison that 像 opens: 像……一样 / 一般 / 似的 / 那样 / 这样
_LIKE_END = re.compile("一样|一般|似的|那样|这样|般")
# verbs after 不在 that are 不再's: jieba's dictionary tags of verbs
_VERB_TAGS = frozenset({"v", "vd", "vi"})
_SCAN = re.compile("自已|己|象|不在")


def find_real_word_slips(text: str, names: bool = True) -> list[Usage]:
    """Real characters in a frame where their twin belongs (see the module docstring)."""
    if not text:
        return []
    hits = list(_SCAN.finditer(text))
    if not hits:
        return []
    tags = D.word_tags()
    out: list[Usage] = []
    done: set[tuple[int, int]] = set()
    for m in hits:
        a, b = _clause_at(text, m.start())
        if (a, b) in done:
            continue
        done.add((a, b))
        clause = text[a:b]
        toks = _tokens(clause)
        for k, (pos, t) in enumerate(toks):
            prev = toks[k - 1][1] if k else ""
            nxt = toks[k + 1][1] if k + 1 < len(toks) else ""
            s = a + pos
            if t == "自已":
                out.append(Usage(s + 1, s + 2, "已", "己", "zi-ji",
                                 "自已 is no word: the reflexive pronoun is 自己 (已 means "
                                 "already)"))
            elif t == "己" and nxt and D.HAN_RE.match(nxt[0]) and (
                    not prev or prev[-1] not in _JI_GOVERNORS):
                if names and _name_here(clause, pos):
                    continue
                freq = D.word_freq()
                after = clause[pos + 1]
                if freq.get("几" + after, 0) >= 100 and not freq.get("已" + after):
                    # 己乎 → 几乎: the sound-alike that makes the word
                    out.append(Usage(s, s + 1, "己", "几", "ji-yi",
                                     f"己 stands alone before {after}; 几{after} is a word "
                                     f"(jieba frequency {freq['几' + after]})"))
                    continue
                out.append(Usage(s, s + 1, "己", "已", "ji-yi",
                                 f"己 (self) stands alone before {nxt}, where no verb or "
                                 "preposition governs it; 已 (already) belongs there"))
            elif t == "象":
                rest = clause[pos + 1:]
                like = _LIKE_END.search(rest)
                if like is None or not nxt or (prev and prev[-1] in "头只群"):
                    continue  # no comparison, or an elephant (一头象)
                if names and _name_here(clause, pos):
                    continue
                out.append(Usage(s, s + 1, "象", "像", "xiang",
                                 f"象 opens a comparison closed by {like.group()} "
                                 f"({clause[pos:pos + 1 + like.end()]}): since the 1986 "
                                 "《简化字总表》 the verb of likeness is 像"))
            elif (t == "不在" or (t == "在" and prev == "不")) and nxt:
                if tags.get(nxt) in _VERB_TAGS and nxt[0] not in "于乎":
                    at = s + len(t) - 1
                    out.append(Usage(at, at + 1, "在", "再", "bu-zai",
                                     f"不在 is followed by the verb {nxt} (jieba's tag "
                                     f"{tags.get(nxt)}): 不再 (no longer) negates a verb, "
                                     "不在 (not at) takes a place"))
    return out


def _name_here(clause: str, start: int, end: int | None = None) -> bool:
    """Is the span at ``start`` part of a name (jieba's tagger or Baidu's LAC)?"""
    from .typo_detect import _name_at

    return _name_at(clause, start, start, start + 1 if end is None else end)
