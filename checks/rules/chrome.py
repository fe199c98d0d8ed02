"""chrome: page furniture left in the text (widgets, share links, navigation, footers,
bylines) and markup remnants (HTML tags and entities, scripts, Markdown images).

How a line is judged (docs/chrome.md has the details and the measurements):

1. *Lexicon* (``checks/data/chrome_lexicon.toml``, extendable per check from the
   configuration): a short line without sentence punctuation whose tokens are all
   known chrome words or ``label：value`` pairs, or that holds a footer mark (ICP备,
   网站标识码), is a chrome line of the family of its forms.
2. *Shape and position*: the text's body paragraphs (long or sentence-punctuated lines
   that are not chrome) split it into gaps. A chrome line is at an *edge* when it sits
   in the head gap (before the first body paragraph), the tail gap (after the last),
   or a gap where the page starts again (the title or the first paragraph comes back:
   the boundary between two copies of the body). Forms have three strengths: strong
   (reported anywhere), edge (``来源：``, a bare publish time: reported at an edge, and
   confident there) and weak (``微信`` alone, ``主办单位：``: at an edge or next to strong
   chrome, unsure when alone). Fixes are safe only at an edge and when confident.
3. Consecutive chrome lines of one family are one finding (a block); a split widget
   (``【字体：`` / ``大`` / ``中`` / ``小`` / ``】``, one a line) is one finding.

``PATTERNS`` lists every compiled regular expression of this module and of the default
lexicon, so they can be tested for linear behaviour.
"""

from __future__ import annotations

import bisect
from collections import Counter
import hashlib
import html.entities
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..model import Fix, Hit
from ..registry import corpus_check, corpus_index, file_check, index_reduce

LEXICON_PATH = Path(__file__).resolve().parent.parent / "data" / "chrome_lexicon.toml"

FAMILY_CHECKS = {
    "widget": "chrome.widget",
    "share": "chrome.share",
    "navigation": "chrome.navigation",
    "footer": "chrome.footer",
    "byline": "chrome.byline",
}
EXTRA_KEYS = ("words", "edge_words", "weak_words", "labels", "edge_labels", "weak_labels",
              "marks", "edge_marks", "weak_marks", "notices", "list_heads")
WEAK, EDGE, STRONG = 0, 1, 2

# -- shape ---------------------------------------------------------------------------------

MAX_CHROME_CHARS = 120   # a chrome line is at most this long (normalised)
MAX_NOTICE_CHARS = 300   # cookie / browser banners may be a sentence or two
MAX_VALUE_CHARS = 40     # the value after "责任编辑：" etc.
BODY_MIN_CHARS = 60      # a line this long is body text whatever its punctuation
BODY_MIN_PUNCT_CHARS = 15  # ... or this long with sentence punctuation

SENTENCE_PUNCT = frozenset("。！？；!?;")
BULLET_RE = re.compile(r"^[\s•·・‧∙●○◎■□◆◇▪▫►▶▸➢→✓★☆\-–—*]+")
SPACE_RE = re.compile(r"\s+")
COLON_RE = re.compile(r" ?[:：] ?")  # after SPACE_RE folded white space to one space
BRACKET_RE = re.compile(r"[【】\[\]〖〗「」『』]")
SEP_RE = re.compile(r"[\s|｜丨/／·•]+")
LABELISH_RE = re.compile(r"[^\W\d_]{1,12}：")
HAS_WORDCHAR_RE = re.compile(r"[^\W_]")
DATE_TOKEN_RE = re.compile(r"\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?|"
                           r"\d{1,2}[:：时]\d{2}(?:[:：分]\d{2}秒?)?分?")
CRUMB_SEP_RE = re.compile(r"\s?(?:[>＞»›]|&gt;)\s?")
# a breadcrumb separator alone on a line (a breadcrumb split over several lines)
CRUMB_ALONE_RE = re.compile(r"(?:[>＞»›→]|&gt;){1,2}|[/|｜]")
CRUMB_PART_MAX = 16
MD_LINK_RE = re.compile(r"(?<!!)\[([^\[\]\n]{1,60})\]\([^()\s]{1,1000}\)")
IDEOGRAPH_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def normalize(text: str) -> str:
    """A line as the lexicon sees it: bullets and outer spaces removed, white space
    folded, colons unified to ``：`` with no space around them."""
    s = BULLET_RE.sub("", text.strip())
    s = SPACE_RE.sub(" ", s).strip()
    return COLON_RE.sub("：", s)


def is_body(norm: str) -> bool:
    """A body paragraph: long, or sentence-shaped."""
    n = len(norm)
    if n >= BODY_MIN_CHARS:
        return True
    return n >= BODY_MIN_PUNCT_CHARS and not SENTENCE_PUNCT.isdisjoint(norm)


# -- lexicon -------------------------------------------------------------------------------

@dataclass
class Family:
    name: str
    check: str
    title: str


@dataclass
class Lexicon:
    families: dict[str, Family]
    words: dict[str, tuple[str, int]]            # casefolded word -> (family, level)
    max_word_tokens: int
    minor: frozenset[str]
    label_re: re.Pattern | None
    labels: dict[str, tuple[str, int]]           # casefolded label -> (family, level)
    mark_re: re.Pattern | None
    marks: dict[str, tuple[str, int]]
    notice_re: re.Pattern | None
    notices: dict[str, str]
    patterns: list[tuple[re.Pattern, str, int]]   # (regex, family, level)
    list_heads: dict[str, str] = field(default_factory=dict)  # casefolded -> family
    # normalised line -> classify(line, self): lines recur across a corpus's pages
    # (its chrome above all); a LineClass is never changed once made, so it is shared
    classified: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def compiled(self) -> list[re.Pattern]:
        out = [p for p, _, _ in self.patterns]
        for p in (self.label_re, self.mark_re, self.notice_re):
            if p is not None:
                out.append(p)
        return out


def _alternation(forms) -> str:
    return "|".join(re.escape(f) for f in sorted(set(forms), key=lambda f: (-len(f), f)))


def build_lexicon(data: dict[str, Any], extras: dict[str, dict[str, tuple[str, ...]]]
                  ) -> Lexicon:
    families: dict[str, Family] = {}
    words: dict[str, tuple[str, int]] = {}
    labels: dict[str, tuple[str, int]] = {}
    marks: dict[str, tuple[str, int]] = {}
    notices: dict[str, str] = {}
    list_heads: dict[str, str] = {}
    minor: set[str] = set()
    patterns: list[tuple[re.Pattern, str, int]] = []
    for name, fam in data.get("families", {}).items():
        check = fam.get("check", f"chrome.{name}")
        families[name] = Family(name, check, fam.get("title", name))
        extra = extras.get(check, {})

        def forms(key: str) -> list[str]:
            return [f for f in list(fam.get(key, [])) + list(extra.get(key, ())) if f]

        # strength: 0 weak (edge or next to strong chrome, and unsure even there),
        # 1 edge (reported at an edge, confident there), 2 strong (anywhere)
        for level, prefix in ((WEAK, "weak_"), (EDGE, "edge_"), (STRONG, "")):
            for w in forms(prefix + "words"):
                words[w.casefold()] = (name, level)
            for w in forms(prefix + "labels"):
                labels[w.casefold()] = (name, level)
            for w in forms(prefix + "marks"):
                marks[w] = (name, level)
            for p in fam.get(prefix + "patterns", []):
                patterns.append((re.compile(p), name, level))
        for w in forms("notices"):
            notices[w.casefold()] = name
        for w in forms("list_heads"):
            list_heads[w.casefold()] = name
        if name == "widget":
            minor.update(m.casefold() for m in fam.get("minor", []))
    label_re = None
    if labels:
        # "label：" at the start of a token (colons are normalised to "："), or an
        # English label followed by a colon.
        label_re = re.compile(rf"(?i)({_alternation(labels)})：")
    mark_re = re.compile(_alternation(marks)) if marks else None
    notice_re = re.compile(rf"(?i){_alternation(notices)}") if notices else None
    max_tokens = max((len(w.split()) for w in words), default=1)
    return Lexicon(families, words, max_tokens, frozenset(minor), label_re, labels,
                   mark_re, marks, notice_re, notices, patterns, list_heads)


@lru_cache(maxsize=1)
def _lexicon_data() -> dict[str, Any]:
    return tomllib.loads(LEXICON_PATH.read_text(encoding="utf-8"))


@lru_cache(maxsize=16)
def _lexicon_cached(extras_key: tuple) -> Lexicon:
    extras: dict[str, dict[str, tuple[str, ...]]] = {}
    for check, key, values in extras_key:
        extras.setdefault(check, {})[key] = values
    return build_lexicon(_lexicon_data(), extras)


_lex_last: list = [None, None]  # (config, lexicon)


def lexicon_for(config) -> Lexicon:
    """The default lexicon plus the ``extra_*`` forms configured per check."""
    if _lex_last[0] is config:
        return _lex_last[1]
    lex = _lexicon_for(config)
    _lex_last[:] = [config, lex]
    return lex


def _lexicon_for(config) -> Lexicon:
    items = []
    for check in sorted(FAMILY_CHECKS.values()):
        for key in EXTRA_KEYS:
            values = config.opt(check, f"extra_{key}", [])
            if values:
                if not all(isinstance(v, str) for v in values):
                    from ..config import ConfigError
                    raise ConfigError(f'[tool.seedcheck.checks."{check}"] extra_{key}: '
                                      "expected a list of strings")
                items.append((check, key, tuple(values)))
    return _lexicon_cached(tuple(items))


# -- classifying one line ----------------------------------------------------------------

@dataclass
class LineClass:
    family: str
    strong: bool
    forms: list[str]
    notice: bool = False
    wordish: bool = False   # made only of link/button words ("微信")
    edge_ok: bool = False   # confident at an edge ("来源：新华社" at the head)
    edge_only: bool = False  # reported only at an edge (the items of a link list)


def breadcrumb(norm: str) -> bool:
    """``新华网 > 新闻 > 正文``: three or more short parts joined by ``>``-like
    separators (an edge form: reported at the head or tail only)."""
    parts = CRUMB_SEP_RE.split(norm)
    return (len(parts) >= 3 and all(0 < len(p.strip()) <= 16 for p in parts)
            and len(norm) <= 80)


def _is_minor_line(norm: str, lex: Lexicon) -> bool:
    """A line that is only widget values or a bracket (``大``, ``中``, ``】``)."""
    toks = [t for t in SEP_RE.split(BRACKET_RE.sub(" ", norm)) if t]
    return all(t.casefold() in lex.minor for t in toks)


# A whole line left by a web video player: its clock (``00:00 / 03:25``, ``Current Time
# 0:00``), load counters, the <video> element's fallback text, a loading message, and the
# dialog texts of video.js. Checked before the sentence-punctuation rule (the fallback
# text may end with a full stop).
PLAYER_LINE_RE = re.compile(
    r"(?:(?:Current Time|Duration|Remaining Time)\s?-?\d{1,2}[:：]\d{2}(?:[:：]\d{2})?\s?/?\s?)+"
    r"|\d{1,2}[:：]\d{2}(?:[:：]\d{2})?\s?/\s?\d{1,2}[:：]\d{2}(?:[:：]\d{2})?"
    r"|(?:Loaded|Progress)：?\s?\d{1,3}(?:\.\d{1,2})?%"
    r"|(?:您的|你的|当前)?浏览器(?:版本)?(?:暂)?不支持(?:该|此|当前)?\s?(?:HTML5|html5|H5|h5)?\s?"
    r"(?:视频|video|播放|Flash|flash)[^。！？\n]{0,20}"
    r"|Your browser does not support[^.!?\n]{0,40}"
    r"|(?:视频)?(?:正在)?加载中[.…。]{0,6}(?:[，,]?请稍[候后][.…。]{0,6})?"
    r"|This is a modal window|Video Player is loading|End of dialog window"
    r"|Beginning of dialog window[^\n]{0,80}")
# A close glyph alone (``×``, ``[×]``): the close button of a pop-up. Between numbers
# (``3×4``) the sign is a multiplication and the line is not this.
CLOSE_GLYPH_RE = re.compile(r"[【\[〖(（]?\s?[×✕✖╳]\s?[】\]〗)）]?")
# A line made only of brackets: what a split widget (``【`` / ``打印`` / ``】``) leaves.
BRACKET_LINE_RE = re.compile(r"[【】\[\]〖〗\s]{1,6}")
# A file link with its size in an attachment box: ``实施方案.pdf (123KB)``.
# Only with the size: ``附件：1.重点检查表.doc`` alone is the notice's own list of
# attachments.
FILE_LINK_RE = re.compile(
    r"[^\s/：:]{1,60}\.(?:pdf|docx?|xlsx?|wps|ofd|zip|rar|pptx?)"
    r"\s?[（(]\s?\d{1,6}(?:\.\d{1,2})?\s?[KMG]?B\s?[)）]", re.IGNORECASE)
COMPOUND_MAX = 40  # a token longer than this is never split into chrome words


def _split_compound(tok: str, lex: Lexicon) -> list[str] | None:
    """``微信微博QQ空间`` / ``分享到微信``: a token that is two or more chrome words of at
    least two characters written together (share buttons run into one word by the
    extraction). Shortest split into known words, or None."""
    n = len(tok)
    if n < 4 or n > COMPOUND_MAX:
        return None
    low = tok.casefold()
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for i in range(n):
        if best[i] is None:
            continue
        for j in range(i + 2, min(n, i + 12) + 1):
            w = low[i:j]
            if w in lex.words and (best[j] is None or len(best[j]) > len(best[i]) + 1):
                best[j] = best[i] + [tok[i:j]]
    out = best[n]
    return out if out is not None and len(out) >= 2 else None


def classify(norm: str, lex: Lexicon) -> LineClass | None:
    """Is this normalised line a chrome line, and of which family? ``None`` when not."""
    if not norm or len(norm) > MAX_NOTICE_CHARS + 1000:
        return None
    if len(norm) <= 120:
        bare = norm.rstrip("。.！!")
        if PLAYER_LINE_RE.fullmatch(bare):
            return LineClass("widget", True, ["video player"], edge_ok=True)
        if CLOSE_GLYPH_RE.fullmatch(norm):
            return LineClass("widget", True, ["close ×"], edge_ok=True)
        if BRACKET_LINE_RE.fullmatch(norm):
            return LineClass("widget", True, ["widget bracket"], edge_ok=True)
        if FILE_LINK_RE.fullmatch(norm):
            return LineClass("widget", True, ["attachment link"], edge_ok=True)
    if "](" in norm:
        # a Markdown link counts as its text: "[查看原文](https://…)" is a link button
        norm = MD_LINK_RE.sub(r"\1", norm)
    if len(norm) > MAX_NOTICE_CHARS * 2:
        return None
    if "<" in norm or "&" in norm:
        # chrome wrapped in markup ("<p>责任编辑：李莎莎</p>") is still chrome
        norm = normalize(ENTITY_RE.sub(" ", TAG_RE.sub(" ", norm)))
        if not norm:
            return None
    if len(norm) > MAX_NOTICE_CHARS:
        return None
    if lex.notice_re is not None and (m := lex.notice_re.search(norm)):
        return LineClass(lex.notices[m.group(0).casefold()], False, [m.group(0)], True)
    if not SENTENCE_PUNCT.isdisjoint(norm) or len(norm) > MAX_CHROME_CHARS:
        return None
    if not HAS_WORDCHAR_RE.search(norm):
        return None
    items: list[tuple[str, int, str, str]] = []  # (family, level, form, kind)
    # whole-line patterns (a publish time "2017年09月08日 17时46分")
    for rx, fam, strong in lex.patterns:
        if rx.fullmatch(norm):
            return LineClass(fam, strong == STRONG, [norm], edge_ok=strong >= EDGE)
    if lex.mark_re is not None:
        for m in lex.mark_re.finditer(norm):
            if m.end() < len(norm) and IDEOGRAPH_RE.match(norm, m.end()):
                continue  # 版权所有人的权利: a word that starts with the mark
            fam, strong = lex.marks[m.group(0)]
            items.append((fam, strong, m.group(0), "mark"))
    decorated = bool(BRACKET_RE.search(norm)) or norm.endswith("：")
    toks = [t for t in SEP_RE.split(BRACKET_RE.sub(" ", norm)) if t]
    unknown = False
    n_minor = 0
    i = 0
    n = len(toks)
    while i < n:
        tok = toks[i]
        if tok[-1] in ">»›＞" and tok.casefold() not in lex.words:
            tok = toks[i] = tok.rstrip(">»›＞") or tok  # 点击进入专题>>: a link, its arrow
        head, colon, rest = tok.partition("：")
        if colon and rest and head.casefold() in lex.words:
            # "分享到：微信": a word with its colon, then the next token
            fam, strong = lex.words[head.casefold()]
            items.append((fam, strong, head, "word"))
            decorated = True
            toks[i] = rest
            continue
        # a word of one or more tokens ("Back to top"), longest first
        found = False
        for k in range(min(lex.max_word_tokens, n - i), 0, -1):
            cand = " ".join(toks[i:i + k])
            key = cand.rstrip("：").casefold()
            if key in lex.words:
                fam, strong = lex.words[key]
                items.append((fam, strong, cand.rstrip("："), "word"))
                i += k
                found = True
                break
        if found:
            continue
        m = None
        value = 0
        if lex.label_re is not None:
            m = lex.label_re.match(tok)
            if m is not None:
                value = len(tok) - m.end()
            elif i + 1 < n and "：" in toks[i + 1]:
                # a label of several words ("Posted on：…"): replace its tokens by a
                # placeholder followed by the tokens of the value
                m = lex.label_re.match(" ".join(toks[i:i + 3]))
                if m is not None:
                    after = " ".join(toks[i:])[m.end():]
                    toks = toks[:i] + [""] + [t for t in SEP_RE.split(after) if t]
                    n = len(toks)
        if m:
            fam, strong = lex.labels[m.group(1).casefold()]
            i += 1
            while i < n:
                nxt = toks[i]
                if (nxt.rstrip("：").casefold() in lex.words
                        or (lex.label_re is not None and lex.label_re.match(nxt))
                        or LABELISH_RE.match(nxt)):
                    break
                value += len(nxt) + 1
                i += 1
            if value > MAX_VALUE_CHARS:
                unknown = True
            items.append((fam, strong, m.group(1), "label"))
            continue
        if tok.casefold() in lex.minor:
            n_minor += 1
            i += 1
            continue
        if DATE_TOKEN_RE.fullmatch(tok):
            i += 1  # a date or time: allowed in a chrome line, no evidence by itself
            continue
        for rx, fam, strong in lex.patterns:
            if rx.fullmatch(tok):
                items.append((fam, strong, tok, "pattern"))
                break
        else:
            parts = _split_compound(tok, lex)
            if parts is None:
                unknown = True
            else:
                for w in parts:
                    fam, strong = lex.words[w.casefold()]
                    items.append((fam, strong, w, "word"))
        i += 1
    if unknown:
        # only a footer/navigation mark makes a line with other text chrome
        items = [it for it in items if it[3] == "mark"]
    if not items:
        if breadcrumb(norm):
            return LineClass("navigation", False, ["breadcrumb"], edge_ok=True)
        return None
    family = next((it[0] for it in items if it[0] != "byline"), "byline")
    n_words = sum(1 for it in items if it[3] == "word")
    level = max(it[1] for it in items)
    strong = (level == STRONG or n_words >= 2
              or ((decorated or n_minor > 0) and n_words > 0))
    forms = list(dict.fromkeys(it[2] for it in items))
    return LineClass(family, strong, forms, wordish=n_words == len(items),
                     edge_ok=level >= EDGE)


# -- a seed's chrome analysis -----------------------------------------------------------

@dataclass
class Block:
    family: str
    first: int   # index into seed.lines
    last: int
    edge: bool
    where: str   # head | tail | copy-boundary | body
    forms: list[str] = field(default_factory=list)
    notice: bool = False
    confident: bool = True   # a strong form in the line or its run


@dataclass
class Analysis:
    blocks: list[Block]
    norms: list[str]
    body: list[bool]
    where: list[str | None]   # per line: head/tail/copy-boundary, None inside the body
    chrome: list[LineClass | None]


def edges(norms: list[str], body: list[bool], start: int) -> list[str | None]:
    """Per line: ``head``, ``tail``, ``copy-boundary`` (in a gap where the page starts
    again), or ``None`` (between two body paragraphs)."""
    n = len(norms)
    where: list[str | None] = [None] * n
    body_idx = [i for i in range(start, n) if body[i]]
    if not body_idx:
        for i in range(start, n):
            where[i] = "head"
        return where
    for i in range(start, body_idx[0]):
        where[i] = "head"
    for i in range(body_idx[-1] + 1, n):
        where[i] = "tail"
    first_line = next((i for i in range(start, n) if norms[i]), None)
    openings: dict[str, int] = {}
    if first_line is not None:
        openings[norms[first_line]] = first_line
    openings.setdefault(norms[body_idx[0]], body_idx[0])
    for a, b in zip(body_idx, body_idx[1:]):
        if b - a < 2:
            continue
        restart = any(norms[j] in openings and j > openings[norms[j]]
                      for j in range(a + 1, b + 1))
        if restart:
            for j in range(a + 1, b):
                where[j] = "copy-boundary"
    return where


LIST_ITEM_MAX_CHARS = 60
LIST_MAX_ITEMS = 20


def _link_lists(norms: list[str], chrome: list[LineClass | None], lex: Lexicon) -> None:
    """The items under a link-list heading (``相关新闻``, ``延伸阅读``): the short lines
    that follow it are titles of other pages. They are marked as edge-only navigation
    (reported at the head or tail of the text, never inside the body)."""
    n = len(norms)
    for i in range(n):
        c = chrome[i]
        if c is None or len(c.forms) != 1 or c.forms[0].casefold() not in lex.list_heads:
            continue
        items = 0
        for j in range(i + 1, n):
            s = norms[j]
            if not s:
                continue
            if (chrome[j] is not None or is_body(s) or len(s) > LIST_ITEM_MAX_CHARS
                    or items >= LIST_MAX_ITEMS):
                break
            chrome[j] = LineClass(c.family, False, ["link list item"], edge_ok=True,
                                  edge_only=True)
            items += 1


def _crumb_part(s: str) -> bool:
    return (0 < len(s) <= CRUMB_PART_MAX and SENTENCE_PUNCT.isdisjoint(s)
            and not CRUMB_ALONE_RE.fullmatch(s) and "，" not in s)


def _split_breadcrumbs(norms: list[str], chrome: list[LineClass | None],
                       lex: Lexicon) -> None:
    """A breadcrumb split over several lines (``首页`` / ``>`` / ``政务公开`` / ``>`` /
    ``工作动态``): short parts alternating with lines that are only a separator. It
    needs two separators, or one after a home word or a location label (``首页``,
    ``当前位置：``). Then the section name repeated right before or after a breadcrumb
    (``当前位置：首页 > 工作动态`` and ``工作动态`` on the next line) is part of it."""
    n = len(norms)
    nonblank = [i for i in range(n) if norms[i]]
    pos = {i: k for k, i in enumerate(nonblank)}
    crumbs: list[tuple[int, int, str]] = []  # (first line, last line, last part)
    k = 0
    while k < len(nonblank):
        i = nonblank[k]
        if not (CRUMB_ALONE_RE.fullmatch(norms[i]) and k > 0
                and _crumb_part(norms[nonblank[k - 1]])):
            k += 1
            continue
        # a chain part (sep part)+ starting at nonblank[k-1]
        first = k - 1
        seps, last = 0, first
        while (last + 2 < len(nonblank) and CRUMB_ALONE_RE.fullmatch(norms[nonblank[last + 1]])
               and _crumb_part(norms[nonblank[last + 2]])):
            seps += 1
            last += 2
        head = norms[nonblank[first]].rstrip("：").casefold()
        homeish = head in ("首页", "home", "网站首页", "主页") or (
            lex.label_re is not None and lex.label_re.match(norms[nonblank[first]])
            and lex.labels.get(head, ("", 0))[0] == "navigation")
        if seps >= 2 or (seps == 1 and homeish):
            for j in range(first, last + 1):
                chrome[nonblank[j]] = LineClass("navigation", True, ["breadcrumb"],
                                                edge_ok=True)
            crumbs.append((nonblank[first], nonblank[last], norms[nonblank[last]]))
            k = last + 1
        else:
            k += 1
    for i in nonblank:
        c = chrome[i]
        if c is not None and c.family == "navigation" and (
                "breadcrumb" in c.forms or CRUMB_SEP_RE.search(norms[i])):
            parts = CRUMB_SEP_RE.split(norms[i])
            if len(parts) >= 2:
                crumbs.append((i, i, parts[-1].strip()))
    for first, last, name in crumbs:
        if not name:
            continue
        for nb in (pos[first] - 1, pos[last] + 1):
            if 0 <= nb < len(nonblank):
                j = nonblank[nb]
                if chrome[j] is None and norms[j] == name:
                    chrome[j] = LineClass("navigation", False, ["section name"],
                                          edge_ok=True)


CLASSIFIED_MAX = 1 << 16  # lines kept classified (then the memo starts again)
_UNSEEN = object()


def analyse(seed, lex: Lexicon) -> Analysis:
    lines = seed.lines
    start_line = seed.line_at(seed.body_start).number - 1 if seed.body_start else 0
    norms = [normalize(ln.text) if i >= start_line else "" for i, ln in enumerate(lines)]
    memo = lex.classified
    if len(memo) > CLASSIFIED_MAX:
        memo.clear()
    chrome: list[LineClass | None] = []
    for s in norms:
        if not s:
            chrome.append(None)
            continue
        c = memo.get(s, _UNSEEN)
        if c is _UNSEEN:
            c = memo[s] = classify(s, lex)
        chrome.append(c)
    _link_lists(norms, chrome, lex)
    _split_breadcrumbs(norms, chrome, lex)
    body = [bool(s) and chrome[i] is None and is_body(s) for i, s in enumerate(norms)]
    where = edges(norms, body, start_line)
    n = len(lines)
    # which lines to report: strong ones; weak ones at an edge or in a run with a strong
    # one (chrome lines separated only by blank lines)
    report = [False] * n
    confident = [False] * n
    i = start_line
    while i < n:
        if chrome[i] is None:
            i += 1
            continue
        j = i
        run = []
        while j < n and (chrome[j] is not None or not norms[j]):
            if chrome[j] is not None:
                run.append(j)
            j += 1
        # a run with a strong line vouches for its weak lines anywhere; at an edge, two
        # lines of link words ("微信" / "微博") or an edge form vouch too
        run_strong = any(chrome[k].strong and not chrome[k].notice for k in run)
        run_words = sum(1 for k in run if chrome[k].wordish) >= 2
        for k in run:
            c = chrome[k]
            edge = where[k] is not None
            if c.notice or c.edge_only:
                report[k] = edge
                confident[k] = True
            else:
                report[k] = c.strong or run_strong or edge
                confident[k] = (c.strong or run_strong
                                or (edge and (c.edge_ok or run_words)))
        i = j
    blocks: list[Block] = []
    i = start_line
    while i < n:
        if not report[i]:
            i += 1
            continue
        c = chrome[i]
        edge = where[i] is not None
        blk = Block(c.family, i, i, edge, where[i] or "body", list(c.forms), c.notice,
                    confident[i])
        j = i + 1

        def widget_values() -> int:
            # a split widget: values one a line, blank lines allowed in between
            k = blk.last + 1
            while k < n and (not norms[k] or (_is_minor_line(norms[k], lex)
                                              and chrome[k] is None)):
                if norms[k]:
                    blk.last = k
                k += 1
            return blk.last + 1

        if c.family == "widget":
            j = widget_values()
        while (j < n and report[j] and chrome[j].family == blk.family
               and (where[j] is not None) == edge and not chrome[j].notice
               and not blk.notice and confident[j] == blk.confident):
            blk.last = j
            blk.forms += [f for f in chrome[j].forms if f not in blk.forms]
            j = widget_values() if blk.family == "widget" else j + 1
        blocks.append(blk)
        i = j
    return Analysis(blocks, norms, body, where, chrome)


_last: list = [None, None, None]  # (text, lexicon, analysis): the five checks share it


def analysis_for(seed, ctx) -> Analysis:
    lex = lexicon_for(ctx.config)
    if _last[0] is seed.text and _last[1] is lex and seed.text is not None:
        return _last[2]
    result = analyse(seed, lex)
    _last[:] = [seed.text, lex, result]
    return result


POSITION_TEXT = {
    "head": "at the head of the text",
    "tail": "at the tail of the text",
    "copy-boundary": "where the page text starts again (between two copies of the body)",
    "body": "between body paragraphs",
}


def _family_hits(seed, ctx, family: str):
    a = analysis_for(seed, ctx)
    lex = lexicon_for(ctx.config)
    lines = seed.lines
    title = lex.families[family].title if family in lex.families else family
    for blk in a.blocks:
        if blk.family != family:
            continue
        first, last = lines[blk.first], lines[blk.last]
        count = sum(1 for k in range(blk.first, blk.last + 1) if a.norms[k])
        what = "these lines are" if count > 1 else "this line is"
        forms = ", ".join(blk.forms[:6])
        safe = blk.edge and blk.confident
        advice = ("delete it" if count == 1 else "delete them") + (
            "" if safe else " after checking it is not part of the article")
        if not blk.confident:
            advice = "a weak form alone: " + advice
        msg = (f"{what} page chrome ({title}: {forms}) "
               f"{POSITION_TEXT[blk.where]}; {advice}")
        key = " | ".join(a.norms[k] for k in range(blk.first, blk.last + 1) if a.norms[k])
        yield Hit(first.start, last.end, msg,
                  fix=Fix("", safe=safe, start=first.start, end=last.next),
                  key=f"{family}:{key}"[:200],
                  severity=None if blk.confident else "warning",
                  evidence={"family": family, "forms": blk.forms, "position": blk.where,
                            "lines": count, "confident": blk.confident})


# -- the file checks -------------------------------------------------------------------------

@file_check("chrome.widget", severity="error", version=2)
def widget(seed, ctx):
    """What it flags:
    Font-size, print and close widgets left from the web page: `【字体：大 中 小】`,
    `字号 加大 减小 还原`, `打印本页`, `关闭窗口`, `【打印】【关闭】`, `Print this page`;
    a widget split over several lines (`【字体：` / `大` / `中` / `小` / `】`) is one
    finding. Also video-player controls on lines of their own (`播放`, `00:00 / 03:25`,
    `全屏`, `您的浏览器不支持video标签`, `Current Time 0:00`), attachment controls
    (`附件下载：`, `方案.pdf (1.2MB)`, `下载次数：35`), a close glyph alone (`×`, `[×]`;
    `3×4` is a multiplication) and a bracket left alone by a split widget (`】`).

    Why it matters:
    Buttons of the page are not text of the article; a model trained on them learns to
    write `【字体：大 中 小】` into articles.

    Example:
    `  • 【字体:` between the source line and the article (raw sample seed, line 7).

    Fix:
    Delete the line(s). Safe at the head or tail of the text (or where a repeated copy
    of the page starts), unsafe inside the body. Extra forms:
    `[tool.seedcheck.checks."chrome.widget"] extra_words = [...]`.
    """
    return _family_hits(seed, ctx, "widget")


@file_check("chrome.share", severity="error", version=2)
def share(seed, ctx):
    """What it flags:
    Share and follow lines: `分享到`, `微信`, `微博`, `QQ空间`, `客户端`, `头条号`, `手机版 电脑版`,
    `扫一扫在手机打开当前页`, `用微信扫描二维码分享至好友和朋友圈`, `Share`, `Subscribe`,
    buttons run into one word (`微信微博QQ空间`, `分享到微信`). A
    single weak word (`微信` alone) counts only at the head or tail of the text or next to
    other chrome; body sentences that mention the words (`扫一扫就能办理`) never count.

    Why it matters:
    Share buttons and QR-code prompts are page furniture repeated on every page of a
    site; they pollute the text and inflate near-duplicate scores.

    Example:
    `  • 微信` / `  • 微博` / `  • 客户端` / `  • 头条号` / `  • 手机版 电脑版` at the end of
    the raw sample seed (lines 95-99): one finding.

    Fix:
    Delete the line(s); safe at the head or tail of the text, unsafe inside the body.
    """
    return _family_hits(seed, ctx, "share")


@file_check("chrome.navigation", severity="error", version=2)
def navigation(seed, ctx):
    """What it flags:
    Navigation: breadcrumbs (`当前位置：首页 > 新闻`, `您的位置`), also split over
    several lines (`首页` / `>` / `政务公开`) and with the section name repeated under
    them, `上一篇：…` / `下一篇：…`, `返回顶部`, `相关链接`, `相关报道`, `网站地图`,
    `联系我们`, promotion links around images (`点击查看大图`, `点击进入专题>>`,
    `下载客户端`), `Back to top`, `Related articles`.

    Why it matters:
    Breadcrumbs and links to other pages are the site's menu, not the article; titles
    of other articles after `下一篇：` even import text from another page.

    Example:
    `当前位置：首页 > 政务公开 > 工作动态` above the title.

    Fix:
    Delete the line(s); safe at the head or tail of the text, unsafe inside the body.
    """
    return _family_hits(seed, ctx, "navigation")


@file_check("chrome.footer", severity="error", version=2)
def footer(seed, ctx):
    """What it flags:
    Site footers: `主办单位：…`, `承办单位：…` and `运行维护单位：…` lines, `技术支持：…`,
    `版权所有`, `Copyright ©`, ICP registration numbers (`蜀ICP备05003329号`), public
    security registrations (`公网安备`), `网站标识码`, and cookie / browser banners at the
    head or tail. `主办单位：` and `承办单位：` count only at the head or tail of the text or
    next to other chrome (a conference notice lists its organisers in the body).

    Why it matters:
    The footer is the same on every page of a site: thousands of copies of one
    sponsor line are noise, and they make unrelated pages look alike.

    Example:
    `主办单位:四川省人民政府办公厅` / `运行维护单位:中国电信四川公司` (raw sample seed,
    lines 93-94): one finding.

    Fix:
    Delete the line(s); safe at the head or tail of the text, unsafe inside the body.
    """
    return _family_hits(seed, ctx, "footer")


@file_check("chrome.byline", severity="warning", version=2)
def byline(seed, ctx):
    """What it flags:
    Bylines and page metadata: `责任编辑：…`, `编辑：…`, `来源：…`, `发布时间：…`,
    `浏览次数：…`, a bare publish time with a time of day (`2017年09月08日 17时46分`) at the
    head or tail; a warning, since some corpora keep the source line on purpose.

    Why it matters:
    Editor names, view counters and publish stamps are data about the page, not part of
    the article; they repeat on every page of a site.

    Example:
    `  • 来源: 省扶贫移民局` and `    责任编辑: 李莎莎` (raw sample seed, lines 6 and 46).

    Fix:
    Delete the line(s) (safe at the head or tail of the text), or keep the source in the
    corpus's metadata and set `[tool.seedcheck.severity] "chrome.byline" = "info"`.
    """
    return _family_hits(seed, ctx, "byline")


# -- markup remnants -----------------------------------------------------------------------

INLINE_TAGS = ("strong", "b", "i", "em", "u", "span", "font", "a", "small", "big", "s",
               "strike", "del", "ins", "mark", "label", "abbr", "cite", "code", "o:p", "nobr")
BLOCK_TAGS = ("p", "br", "div", "li", "ul", "ol", "tr", "td", "th", "table", "tbody",
              "thead", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "center",
              "blockquote", "pre", "dl", "dt", "dd", "hr", "header", "footer", "nav",
              "figure", "figcaption", "wbr", "html", "head", "body", "title", "meta", "link",
              "form", "input", "button", "select", "option", "textarea", "iframe", "img",
              "video", "audio", "source", "embed", "object", "param", "noscript", "script",
              "style", "sup", "sub")
UNSAFE_TAGS = frozenset(("img", "iframe", "script", "style", "sup", "sub", "video", "audio",
                         "source", "embed", "object", "param", "input", "button", "select",
                         "option", "textarea", "form", "meta", "link", "noscript", "title",
                         "html", "head", "body"))
BREAK_TAGS = frozenset(BLOCK_TAGS) - UNSAFE_TAGS - {"wbr", "hr"}

TAG_RE = re.compile(
    r"</?(" + "|".join(re.escape(t) for t in sorted(INLINE_TAGS + BLOCK_TAGS, key=len,
                                                     reverse=True))
    + r")(?![A-Za-z0-9:-])(?:\s[^<>\n]{0,400})?/?>", re.IGNORECASE)
SCRIPT_RE = re.compile(r"<(script|style)\b[^<>\n]{0,400}>[^\n]{0,5000}?</\1\s?>",
                       re.IGNORECASE)
ENTITY_RE = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});"
                       r"|&(nbsp|amp|lt|gt|quot|emsp|ensp)(?![A-Za-z0-9;])")
JS_LINK_RE = re.compile(r"javascript:[^\s<>\"'，。）]{0,200}", re.IGNORECASE)
JS_CODE_RE = re.compile(
    r"\b(?:document\.(?:write|getElementById|getElementsBy[A-Za-z]{1,12}|createElement|"
    r"cookie|location)|window\.(?:location|open|onload|addEventListener)|"
    r"function\s?\(\s?\)\s?\{|var\s[A-Za-z_$][A-Za-z0-9_$]{0,30}\s?=|\$\(\s?document\s?\)|"
    r"addEventListener\(|innerHTML\s?=)")
CSS_RE = re.compile(r"(?<![\w-])[.#]?[A-Za-z][\w-]{0,40}(?:[ ,>]{1,3}[.#]?[A-Za-z][\w-]{0,40}){0,4}"
                    r"\s?\{\s?[A-Za-z-]{2,30}\s?:[^{}\n]{1,300}\}")
COMMENT_RE = re.compile(r"<!--[^\n]{0,2000}?-->|<!\[CDATA\[[^\n]{0,2000}?\]\]>")
HEX_RE = re.compile(r"(?<![0-9A-Za-z_-])[0-9a-fA-F]{16,}(?![0-9A-Za-z_-])")
GUID_RE = re.compile(r"(?<![0-9A-Za-z])[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                     r"[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![0-9A-Za-z])")
MD_IMAGE_RE = re.compile(r"!\[[^\]\n]{0,300}\]\([^()\s]{1,1000}(?:\s\"[^\"\n]{0,300}\")?\)")


JS_HINTS = ("document.", "window.", "function", "var ", "$(", "addEventListener(",
            "innerHTML")


def _hex_ok(s: str) -> bool:
    return any(c.isdigit() for c in s) and sum(c.isalpha() for c in s) >= 2


@dataclass
class Remnant:
    start: int
    end: int
    kind: str       # tag | entity | script | javascript | hex | image
    name: str
    replacement: str | None   # None: no confident replacement (delete, unsafe)
    safe: bool


def _entity_char(name: str) -> str | None:
    if name.startswith("#"):
        try:
            cp = int(name[2:], 16) if name[1:2] in "xX" else int(name[1:])
            return chr(cp) if 0 < cp < 0x110000 else None
        except ValueError:
            return None
    ch = html.entities.html5.get(name + ";")
    return ch


def remnants(line: str) -> list[Remnant]:
    """Markup remnants in one line, non-overlapping, in order."""
    found: list[Remnant] = []
    starts: list[int] = []   # sorted, non-overlapping spans already taken
    ends: list[int] = []

    def add(r: Remnant) -> None:
        k = bisect.bisect_right(starts, r.start)
        if k > 0 and ends[k - 1] > r.start:
            return
        if k < len(starts) and starts[k] < r.end:
            return
        starts.insert(k, r.start)
        ends.insert(k, r.end)
        found.append(r)

    lt = "<" in line
    for m in (COMMENT_RE.finditer(line) if "<!" in line else ()):
        add(Remnant(m.start(), m.end(), "comment", "HTML comment", "", True))
    for m in (SCRIPT_RE.finditer(line) if lt else ()):
        add(Remnant(m.start(), m.end(), "script", m.group(1).lower(), "", False))
    for m in (MD_IMAGE_RE.finditer(line) if "![" in line else ()):
        add(Remnant(m.start(), m.end(), "image", "markdown image", "", False))
    for m in (TAG_RE.finditer(line) if lt else ()):
        name = m.group(1).lower()
        if "javascript:" in m.group(0).lower():
            add(Remnant(m.start(), m.end(), "javascript", name, "", False))
        elif name in UNSAFE_TAGS:
            add(Remnant(m.start(), m.end(), "tag", name, "", False))
        elif name in BREAK_TAGS:
            add(Remnant(m.start(), m.end(), "tag", name, "\n", True))
        else:
            add(Remnant(m.start(), m.end(), "tag", name, "", True))
    for m in (ENTITY_RE.finditer(line) if "&" in line else ()):
        name = m.group(1) or m.group(2)
        ch = _entity_char(name)
        if ch is None:
            continue
        if ch in "\u00a0\u2002\u2003\u2009":
            ch = " "
        add(Remnant(m.start(), m.end(), "entity", "&" + name + ";", ch, True))
    lower = line.lower()
    for m in (JS_LINK_RE.finditer(line) if "javascript:" in lower else ()):
        add(Remnant(m.start(), m.end(), "javascript", "javascript: link", "", False))
    for m in (JS_CODE_RE.finditer(line) if any(w in line for w in JS_HINTS) else ()):
        add(Remnant(m.start(), m.end(), "script", "script code", None, False))
    for m in (CSS_RE.finditer(line) if "{" in line else ()):
        add(Remnant(m.start(), m.end(), "script", "style rule", None, False))
    for m in GUID_RE.finditer(line):
        add(Remnant(m.start(), m.end(), "hex", "hexadecimal id", None, False))
    for m in HEX_RE.finditer(line):
        if _hex_ok(m.group(0)):
            add(Remnant(m.start(), m.end(), "hex", "hexadecimal id", None, False))
    found.sort(key=lambda r: r.start)
    return found


PARA, BREAK = "\x01", "\x02"


def _markup_line(line: str, rs: list[Remnant]) -> tuple[str, bool]:
    """The line with its remnants replaced: inline tags removed, entities decoded, and
    block tags between two pieces of text turned into a paragraph break (a blank line,
    as between the paragraphs of a seed) or, for ``<br>``, a line break. Safe when every
    remnant has a confident replacement."""
    out: list[str] = []
    pos = 0
    safe = True
    for r in rs:
        out.append(line[pos:r.start])
        if r.replacement is None:
            out.append(line[r.start:r.end])
            safe = False
        elif r.replacement == "\n":
            out.append(BREAK if r.name == "br" else PARA)
        else:
            out.append(r.replacement)
            safe = safe and r.safe
        if r.replacement is not None and not r.safe:
            safe = False
        pos = r.end
    out.append(line[pos:])
    text = "".join(out)
    if PARA not in text and BREAK not in text:
        return text, safe
    pieces = BREAKS_RE.split(text)
    seps = BREAKS_RE.findall(text)
    result = pieces[0] if pieces[0].strip() else ""
    for sep, piece in zip(seps, pieces[1:]):
        if not piece.strip():
            continue
        if result.strip():
            result = result.rstrip() + ("\n\n" if PARA in sep else "\n")
        result += piece
    return result, safe


BREAKS_RE = re.compile(r"[\x01\x02](?:[ \t\u3000\u00a0]*[\x01\x02])*")


@file_check("chrome.markup", severity="error", version=1)
def markup(seed, ctx):
    """What it flags:
    Markup left in the text: HTML tags (`<p>`, `<br>`, `<strong>`, `<span style=…>`),
    HTML entities (`&nbsp;`, `&lt;`, `&#12288;`), `<script>`/`<style>` elements and
    script or style code (`document.write(`, `var x =`, `p{margin:0}`), `javascript:`
    links, long hexadecimal link ids (`ff8080815e3f7c0f015e4b6d7a1c0e2f`), and Markdown
    image links (`![](…)`). One finding per line, covering its first to last remnant.

    Why it matters:
    The text was extracted badly: tags and entities are not words, they break
    sentence and character statistics, and paragraphs joined by `</p><p>` are one line.

    Example:
    `<p><strong>央视网消息</strong>（新闻联播）：…</p><p>万里长江…</p>`.

    Fix:
    Replace the span with its text: inline tags removed, block tags (`<p>`, `<br>`,
    `</div>`) between two pieces of text become one line break, entities become their
    character (`&nbsp;` a space). Safe when the line holds only such tags and entities;
    unsafe (review) with images, scripts, `javascript:` links, `<sup>`/`<sub>` or
    hexadecimal ids, which have no confident replacement.
    """
    max_line = ctx.config.max_line_chars
    start = seed.body_start
    for ln in seed.lines:
        if ln.end <= start or len(ln.text) > max_line:
            continue
        line = ln.text
        rs = remnants(line)
        if not rs:
            continue
        s, e = rs[0].start, rs[-1].end
        new, safe = _markup_line(line, rs)
        kinds: dict[str, int] = {}
        for r in rs:
            kinds[r.kind] = kinds.get(r.kind, 0) + 1
        names = list(dict.fromkeys(("<" + r.name + ">") if r.kind == "tag" else r.name
                                   for r in rs))
        shown = ", ".join(names[:5]) + (", …" if len(names) > 5 else "")
        what = ", ".join(f"{v} {KIND_TEXT[k]}{'s' if v > 1 else ''}"
                         for k, v in sorted(kinds.items()))
        msg = (f"markup left in the text: {what} ({shown}); "
               + ("replace the line with its plain text" if safe else
                  "remove it after review (no confident plain-text replacement)"))
        fix = None
        if new != line:
            fix = Fix(new, safe=safe, start=ln.start, end=ln.end)
        elif any(r.kind == "script" for r in rs) and not _text_outside(line, rs):
            # a line of script or style code: delete it (after review)
            fix = Fix("", safe=False, start=ln.start, end=ln.next)
        key = ("markup:" + " ".join(sorted(set(names)))[:80] + ":"
               + hashlib.sha1(line[s:e].encode()).hexdigest()[:10])
        yield Hit(ln.start + s, ln.start + e, msg, fix=fix, key=key,
                  evidence={"remnants": kinds, "names": names[:20]})


def _text_outside(line: str, rs: list[Remnant]) -> bool:
    """Does the line hold any ideograph outside its remnants?"""
    pos = 0
    for r in rs:
        if IDEOGRAPH_RE.search(line, pos, r.start):
            return True
        pos = r.end
    return IDEOGRAPH_RE.search(line, pos) is not None


KIND_TEXT = {"comment": "HTML comment", "tag": "HTML tag", "entity": "HTML entity", "script": "script/style fragment",
             "javascript": "javascript: link", "hex": "hexadecimal id",
             "image": "Markdown image link"}


# -- corpus evidence: repeated edge lines --------------------------------------------------

CANDIDATE_MAX_CHARS = 40
EDGE_LINES = 20
HEADING_RE = re.compile(r"^(?:#{1,6}\s|[一二三四五六七八九十百]{1,3}[、.．]|[（(][一二三四五六七八九十\d]{1,3}[)）]|"
                        r"\d{1,3}[.、．)]|第[一二三四五六七八九十百\d]{1,4}[章节条部分篇])")
DATE_ONLY_RE = re.compile(r"[\d\s年月日.\-/:：时分秒]+")
CANDIDATE_PUNCT = frozenset("。！？；!?;，,、")


END_OF_TEXT = 1


def _h(s: str) -> int:
    return int.from_bytes(hashlib.blake2b(s.encode("utf-8"), digest_size=8).digest(), "big")


def edge_candidate(norm: str) -> bool:
    """Could this unknown short line be chrome? (shape only)"""
    if not (2 <= len(norm) <= CANDIDATE_MAX_CHARS):
        return False
    if not HAS_WORDCHAR_RE.search(norm) or DATE_ONLY_RE.fullmatch(norm):
        return False
    if not CANDIDATE_PUNCT.isdisjoint(norm) or norm.endswith("："):
        return False
    return not HEADING_RE.match(norm)


@corpus_index("chrome", version=2)
def chrome_features(seed, ctx):
    """Per seed: the short lines of its head and tail gaps, hashed, with their
    neighbours: ``(zone, line_number, hash, prev_hash, next_hash, candidate)``."""
    if not seed.text:
        return ()
    a = analysis_for(seed, ctx)
    n = len(a.norms)
    recs = []
    for zone in ("head", "tail"):
        idx = [i for i in range(n) if a.where[i] == zone and a.norms[i]]
        if zone == "head":
            attached = idx[-1] if idx and any(a.body) else None
            idx = idx[:EDGE_LINES]
        else:
            attached = idx[0] if idx else None
            idx = idx[-EDGE_LINES:]
        # a neighbour counts when it is chrome-shaped too (a candidate or a lexicon
        # hit): a line beside a heading or a salutation is document structure
        shaped = {i: a.chrome[i] is not None or edge_candidate(a.norms[i]) for i in idx}
        for pos, i in enumerate(idx):
            norm = a.norms[i]
            prev_h = next_h = 0
            if pos > 0 and shaped[idx[pos - 1]]:
                prev_h = _h(a.norms[idx[pos - 1]])
            if pos + 1 < len(idx) and shaped[idx[pos + 1]]:
                next_h = _h(a.norms[idx[pos + 1]])
            elif zone == "tail" and pos + 1 == len(idx):
                next_h = END_OF_TEXT  # the last line: the end of the page is its neighbour
            cand = (a.chrome[i] is None and not a.body[i] and i != attached
                    and edge_candidate(norm))
            recs.append((zone, i + 1, _h(norm), prev_h, next_h, cand))
    return tuple(recs)


@corpus_check("chrome.repeated-edge-line", severity="warning", index="chrome", version=2)
def repeated_edge_line(corpus, ctx):
    """What it flags:
    A short line (at most 40 characters, no sentence punctuation, not a heading, not
    a salutation ending in `：`) that the lexicon does not know, sitting at the head or
    tail of many files together with the same neighbouring chrome-shaped line (or, for
    the last line of a text, the end of the text): page chrome of a site
    (a site name banner, a menu, a footer line). The message gives the counts
    (cc_net-style line counts, restricted by position and shape).

    Why it matters:
    Every site has its own furniture, and no lexicon knows all of it; a line repeated
    at the edge of dozens of pages, always beside the same other line, is a template,
    not an article.

    Example:
    `四川省人民政府门户网站` / `政务服务 | 互动交流` at the head of 37 of 150 files.

    Fix:
    Delete the line (unsafe: review one file first); add the form to the lexicon
    (`extra_words` of a chrome check) so the file checks find it with a safe fix.
    Options: `min_files` (5), `min_share` (0.005 of the files).
    """
    feats = corpus.features("chrome")
    # a part of the corpus (an incremental run): the whole corpus's counts
    tot = corpus.totals.get("chrome")
    if tot is None:
        tot = EdgeCounts.of(feats)
    line_files, pair_files, total = tot.line_files, tot.pair_files, tot.total
    need = _need(ctx.opt("min_files", 5), ctx.opt("min_share", 0.005), total)
    for path, recs in feats:
        seen: set[int] = set()
        for zone, ln, h, ph, nh, cand in recs:
            if not cand or h in seen:
                continue
            count = line_files.get(h, 0)
            if count < need:
                continue
            pair = max(pair_files.get((ph, h), 0) if ph else 0,
                       pair_files.get((h, nh), 0) if nh else 0)
            if pair < need:
                continue
            seen.add(h)
            seed = corpus.seed(path)
            if not seed.text or ln > len(seed.lines):
                continue
            line = seed.lines[ln - 1]
            yield Hit(line.start, line.end,
                      f"this short line sits at the {zone} of {count} of {total} files "
                      f"(beside the same neighbouring line in {pair}); page chrome the "
                      "lexicon does not know? delete it, or add it to the lexicon",
                      fix=Fix("", safe=False, start=line.start, end=line.next),
                      path=path, key=f"repeated:{normalize(line.text)}",
                      evidence={"files": count, "files_total": total,
                                "pair_files": pair, "zone": zone})


def _need(min_files: int, min_share: float, total: int) -> int:
    """How many files a line (and its pair) must be in to be reported."""
    return max(min_files, int(min_share * total + 0.999))


def _own(recs) -> tuple[frozenset, frozenset]:
    """A seed's candidate lines (their hashes) and their pairs with a chrome-shaped
    neighbour, each counted once per file."""
    lines: set[int] = set()
    pairs: set[tuple[int, int]] = set()
    for _zone, _ln, h, ph, nh, cand in recs or ():
        if not cand:
            continue
        lines.add(h)
        if ph:
            pairs.add((ph, h))
        if nh:
            pairs.add((h, nh))
    return frozenset(lines), frozenset(pairs)


@dataclass
class EdgeCounts:
    """What ``chrome.repeated-edge-line`` counts over the whole corpus: the files each
    candidate line and each pair are in, and the number of files (``corpus.totals
    ["chrome"]`` in an incremental run, where the check sees a part of the corpus)."""

    line_files: Counter
    pair_files: Counter
    total: int

    @classmethod
    def of(cls, feats, own: dict | None = None) -> "EdgeCounts":
        """The counts of ``feats`` ((path, chrome features) of every seed); ``own``:
        filled with the (lines, pairs) of each seed that holds a candidate line."""
        out = cls(Counter(), Counter(), 0)
        for path, recs in feats:
            out.total += 1
            lines, pairs = _own(recs)
            if lines:
                if own is not None:
                    own[path] = (lines, pairs)
                out.line_files.update(lines)
                out.pair_files.update(pairs)
        return out


class EdgeReduce:
    """``registry.IndexSpec.reduce`` of the chrome index (``checks/incremental.py``):
    the counts of :class:`EdgeCounts`, with each seed's own lines and pairs (to take an
    edited or removed seed's back), updated with the changed seeds. A seed's findings
    depend on its own lines and on those counts alone; the unchanged seeds whose
    findings can change are the holders of a *hot* line (at least as many files as the
    lower of the threshold before and after, with a pair as frequent), before or after:
    every hot line when the number of files changed (the threshold and the messages
    follow it), else those the changed seeds' lines and pairs touch."""

    CHECK = "chrome.repeated-edge-line"

    def _need(self, ctx, total: int) -> int:
        cfg = ctx.config
        return _need(cfg.opt(self.CHECK, "min_files", 5),
                     cfg.opt(self.CHECK, "min_share", 0.005), total)

    def build(self, corpus, ctx) -> dict:
        own: dict[str, tuple[frozenset, frozenset]] = {}
        counts = EdgeCounts.of(corpus.features("chrome"), own)
        return {"counts": counts, "own": own}

    def totals(self, R: dict, paths: list[str], access=None) -> EdgeCounts:
        return R["counts"]

    @staticmethod
    def _hot(counts: EdgeCounts, need: int, among: set[int] | None = None) -> set[int]:
        """The lines in at least ``need`` files with a pair in as many (of ``among``)."""
        paired: set[int] = set()
        for (a, b), n in counts.pair_files.items():
            if n >= need and (among is None or a in among or b in among):
                paired.add(a)
                paired.add(b)
        lines = counts.line_files
        return {h for h in paired if lines.get(h, 0) >= need}

    def update(self, R: dict, corpus, changed: set[str], paths: list[str], ctx,
               access=None) -> tuple[dict, set[str]] | None:
        if R is None:
            return None
        counts: EdgeCounts = R["counts"]
        own = R["own"]
        feats = dict(corpus.features("chrome"))
        touched: set[int] = set()
        news = {p: _own(feats.get(p)) for p in changed if p in feats}
        for p in changed:
            for lines, pairs in filter(None, (own.get(p), news.get(p))):
                touched |= lines
                for a, b in pairs:
                    touched.add(a)
                    touched.add(b)
        among = None if len(paths) != counts.total else touched
        need0 = self._need(ctx, counts.total)
        hot = self._hot(counts, need0, among)
        for p in changed:
            old = own.pop(p, None)
            if old is not None:
                for c, keys in zip((counts.line_files, counts.pair_files), old):
                    c.subtract(keys)
                    for k in keys:
                        if c[k] <= 0:
                            del c[k]
            new = news.get(p)
            if new is not None and new[0]:
                own[p] = new
                counts.line_files.update(new[0])
                counts.pair_files.update(new[1])
        counts.total = len(paths)
        hot |= self._hot(counts, self._need(ctx, counts.total), among)
        if among is not None:
            hot &= touched
        affected = {p for p, (lines, _) in own.items()
                    if p not in changed and not lines.isdisjoint(hot)}
        return R, affected


# the counts above, kept over the corpus and updated seed by seed (checks/incremental.py)
index_reduce("chrome", EdgeReduce())


# -- compiled patterns (for the linear-time tests) ---------------------------------------

PATTERNS: list[re.Pattern] = [
    BULLET_RE, SPACE_RE, COLON_RE, BRACKET_RE, SEP_RE, LABELISH_RE, HAS_WORDCHAR_RE,
    IDEOGRAPH_RE, DATE_TOKEN_RE, CRUMB_SEP_RE, MD_LINK_RE, PLAYER_LINE_RE, CLOSE_GLYPH_RE,
    BRACKET_LINE_RE, FILE_LINK_RE, CRUMB_ALONE_RE,
    TAG_RE, SCRIPT_RE, ENTITY_RE, JS_LINK_RE, JS_CODE_RE, CSS_RE, COMMENT_RE, HEX_RE, GUID_RE,
    MD_IMAGE_RE, BREAKS_RE, HEADING_RE, DATE_ONLY_RE,
] + _lexicon_cached(()).compiled
