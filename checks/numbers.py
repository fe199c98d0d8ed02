"""Reading numbers and dates in Chinese text: the one place seedcheck does it.

:func:`scan` walks a text and returns :class:`Token` objects, each one of

- ``quantity``: a figure that can be compared (``308个``, ``15.2万``, ``十五万二千``,
  ``百分之五``, ``3—5名``, ``120余人``), with its value as a :class:`~decimal.Decimal`
  (units 万/亿 applied), the unit word that follows it, a range's upper end and the
  approximation marker (约, 近, 超过, 余, 多 ...) when there is one;
- ``context``: a number that places a statement rather than measures something
  (years, dates, months, times, 第N, 二十大, codes like A320 or 5G);
- ``enum``: a list marker (``1.``, ``（1）``, ``一、``, ``一是``), which says nothing.

Equal values in different notations compare equal: ``Quantity.same_value`` is true for
``15.2万``, ``152000``, ``152,000`` and ``十五万二千``. Full-width digits read as
half-width ones (the text is translated code point for code point, so offsets stay
those of the original text).

:func:`find_dates` returns the dates a text states (``2017年09月08日``,
``2017-09-08``, ``8月28日``, ``今年6月``), whether they are zero-padded, and whether they
are a real calendar day.
"""

from __future__ import annotations

import calendar
import datetime as _dt
import functools
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# -- characters ----------------------------------------------------------------------

_FW_FROM = "０１２３４５６７８９．，％：－～／"
_FW_TO = "0123456789.,%:-~/"
FULLWIDTH = str.maketrans(_FW_FROM, _FW_TO)


def translation(table: dict) -> list:
    """``table``, a ``str.translate`` mapping of code points in the BMP, as a list
    indexed by code point (every other one mapped to itself): ``str.translate`` then
    never misses, and a miss in a dict raises a KeyError inside it for each character
    it leaves alone (2.4 times slower on Chinese text). A character beyond the BMP is
    left alone, as the dict without it leaves it."""
    if any(k >= 0x10000 for k in table):
        raise ValueError("translation(): code points beyond the BMP")
    out: list = list(range(0x10000))
    for k, v in table.items():
        out[k] = v
    return out


FULLWIDTH_T = translation(FULLWIDTH)  # for .translate(): FULLWIDTH as a list
_FW_PAIRS = tuple(zip(_FW_FROM, _FW_TO))


def halfwidth(text: str) -> str:
    """``text.translate(FULLWIDTH_T)``, faster on a long text: one ``str.replace`` for
    each full-width character the text holds (``，`` in every Chinese sentence; the
    others rarely). ``str.translate`` looks each character up in the table one by one
    (~40 ns a character on Chinese text); ``in`` and ``replace`` scan at C speed. The
    same string: the characters mapped to are ASCII, none of them mapped again."""
    for src, dst in _FW_PAIRS:
        if src in text:
            text = text.replace(src, dst)
    return text

CN_DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
             "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN_SMALL = {"十": 10, "百": 100, "千": 1000}
CN_BIG = {"万": 10 ** 4, "亿": 10 ** 8}
CN_CHARS = "".join(CN_DIGITS) + "".join(CN_SMALL) + "".join(CN_BIG)

#: unit words that may follow a figure (longest first, so 平方公里 wins over 公里)
UNITS = sorted("""
个百分点 百分点 平方公里 平方千米 平方米 立方米 千瓦时 千瓦 公里 千米 厘米 毫米 公斤 千克
公顷 小时 分钟 周岁 周年 美元 欧元 港元 日元 英镑 人民币 人次 架次 车次 元 人 名 户 家 个 项 条 次 件 台
辆 架 艘 吨 克 斤 米 亩 岁 年 天 周 倍 例 场 批 套 只 头 株 棵 本 部 篇 份 张 间 栋 所 座 支 位 届
期 轮 度 秒 款 种 类 股 笔 块 处 片 枚 颗 箱 包 匹 道 门 首 集 组 对 双 段 节 层 级 起 宗 列 班 趟
""".split(), key=len, reverse=True)

APPROX_BEFORE = ("大约", "将近", "接近", "超过", "不到", "不足", "不少于", "不低于", "不超过",
                 "至少", "最多", "多达", "约", "近", "超", "逾", "上")
APPROX_AFTER = ("左右", "以上", "以下", "上下", "多", "余", "来")

_ARABIC = r"\d+(?:,\d{3})*(?!\d)(?:\.\d+)?"
_MULT = r"(?:[十百千]?[万亿]{1,2}|千)?"
_CN_NUM = f"[{CN_CHARS}]+"
_UNIT = "|".join(re.escape(u) for u in UNITS)
_PRE = "|".join(APPROX_BEFORE)
_RANGE = r"[—–\-~至到]{1,2}"

# one master pattern; alternatives are tried in order at each position
_MASTER = re.compile(
    r"(?P<date>(?:(?P<dy>\d{4})年)?(?P<dm>\d{1,2})月(?P<dd>\d{1,2})[日号])"
    r"|(?P<iso>(?<!\d)(?P<iy>(?:19|20)\d{2})(?P<isep>[-/.])(?P<im>\d{1,2})(?P=isep)"
    r"(?P<id>\d{1,2})(?!\d))"
    r"|(?P<yrange>(?<!\d)(?:19|20)\d{2}[—–\-~至到](?:(?:19|20)\d{2}|\d{2})年)"
    r"|(?P<compact>(?<!\d)(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?!\d))"
    r"|(?P<ym>(?P<yy>\d{4})年(?:(?P<ymm>\d{1,2})月)?)"
    r"|(?P<mrange>(?<!\d)\d{1,2}[—–\-~至到]\d{1,2}月(?:份)?)"
    r"|(?P<month>\d{1,2}月(?:份|末|底|初|中旬|上旬|下旬)?)"
    r"|(?P<day>\d{1,2}[日号])"
    r"|(?P<time>\d{1,2}(?::\d{2}){1,2}|\d{1,2}时(?:\d{1,2}分)?)"
    r"|(?P<ordinal>第[\d" + CN_CHARS + r"]+)"
    r"|(?P<code>[A-Za-z]+-?\d+(?:\.\d+)?[A-Za-z\d]*|\d+[A-Za-z]+\d*)"
    r"|(?P<pctword>(?P<ppre>" + _PRE + r")?百分之(?P<pnum>" + _ARABIC + "|" + _CN_NUM + r")"
    r"(?:" + _RANGE + r"(?:百分之)?(?P<pnum2>" + _ARABIC + "|" + _CN_NUM + r"))?)"
    r"|(?P<arabic>(?P<apre>" + _PRE + r")?(?P<anum>" + _ARABIC + _MULT + r")(?P<apct>%|‰)?"
    r"(?:(?P<arng>" + _RANGE + r")(?P<anum2>" + _ARABIC + _MULT + r")(?P<apct2>%|‰)?)?"
    r"(?P<asuf>余|多)?(?P<aunit>" + _UNIT + r")?(?P<apost>左右|以上|以下|上下)?)"
    r"|(?P<cn>(?P<cpre>" + _PRE + r")?(?P<cnum>" + _CN_NUM + r")"
    r"(?:(?P<crng>至|到)(?P<cnum2>" + _CN_NUM + r"))?(?P<csuf>余|多)?(?P<cunit>" + _UNIT + r")?"
    r"(?P<cpost>左右|以上|以下|上下)?)"
)

# every match of _MASTER starts with one of these characters: the scan jumps from one to
# the next (a C-speed search) and tries the master pattern only there; matching at a
# position gives what searching would, since searching tries positions left to right
_MASTER_START = re.compile(
    r"[\dA-Za-z第" + CN_CHARS + "".join(sorted({p[0] for p in APPROX_BEFORE})) + r"]")


def _master_search(norm: str, pos: int, end: int) -> re.Match | None:
    """``_MASTER.search(norm, pos, end)``, faster."""
    start = _MASTER_START.search
    match = _MASTER.match
    while True:
        c = start(norm, pos, end)
        if c is None:
            return None
        m = match(norm, c.start(), end)
        if m is not None:
            return m
        pos = c.start() + 1


_ENUM_LINE = re.compile(
    r"[ \t\u3000>#*\-•·]*(?:"
    r"\d{1,3}[.、．]|[（(]\d{1,3}[）)]|[（(][" + CN_CHARS + r"]{1,3}[）)]|"
    r"[" + CN_CHARS + r"]{1,3}[、是]|其[" + CN_CHARS + r"]{1,2}[，,是]|\d{1,3}是)")
_NUMBERED = re.compile(r"(?m)^[ \t\u3000>#*\-•·]*(\d{1,3})\.")
_ENUM_INLINE = re.compile(
    r"(?<=[。；;：:，,！？])\s*(?:[" + CN_CHARS + r"]{1,3}是|[（(][\d" + CN_CHARS + r"]{1,3}[）)]"
    r"|\d{1,2}[.、](?!\d))")


@dataclass(frozen=True)
class Quantity:
    """A figure: ``value`` (and ``high`` for a range), the unit word after it, the
    approximation marker, and where it is (``start``/``end`` into the scanned text)."""

    start: int
    end: int
    text: str
    value: Decimal
    high: Decimal | None = None
    unit: str = ""
    approx: str = ""
    percent: bool = False
    notation: str = "arabic"  # arabic | chinese | mixed

    @property
    def is_range(self) -> bool:
        return self.high is not None

    def same_value(self, other: "Quantity") -> bool:
        """Equal values in any notation (units and percent must agree too)."""
        return (self.unit == other.unit and self.percent == other.percent
                and self.value == other.value and self.high == other.high)

    def compatible(self, other: "Quantity") -> bool:
        """True when the two figures may both be right: the same value, or either is
        an approximation, or a point that lies inside the other's range."""
        if self.same_value(other):
            return True
        if self.approx or other.approx:
            return True
        if self.unit != other.unit or self.percent != other.percent:
            return True  # not the same kind of figure: nothing to say
        for a, b in ((self, other), (other, self)):
            if a.is_range and not b.is_range and \
                    a.value <= b.value <= a.high:  # type: ignore[operator]
                return True
        return False

    def display(self) -> str:
        return self.text.strip()


@dataclass(frozen=True)
class Token:
    kind: str  # quantity | context | enum
    start: int
    end: int
    text: str
    quantity: Quantity | None = None


# -- parsing numerals ---------------------------------------------------------------

_ARABIC_NUMERAL = re.compile(r"(\d+(?:,\d{3})*(?:\.\d+)?)([十百千万亿]*)")


# parse_arabic and parse_chinese are cached: a page repeats its numerals (2023, 一, 十),
# and the scan reads a Chinese numeral twice (as a figure, then as context); a Decimal
# does not change, and the result depends only on the string (the default decimal
# context, which no code here changes)
@functools.lru_cache(maxsize=1 << 14)
def parse_arabic(s: str) -> Decimal | None:
    """``1,234.5`` / ``１２３`` / ``15.2万`` / ``3千万`` -> Decimal."""
    s = s.translate(FULLWIDTH_T)
    m = _ARABIC_NUMERAL.fullmatch(s)
    if not m:
        return None
    digits = m.group(1).replace(",", "")
    if len(digits) > 24:
        return None  # a serial number, not a figure
    try:
        value = Decimal(digits)
    except InvalidOperation:
        return None
    for ch in m.group(2):
        value *= CN_SMALL.get(ch) or CN_BIG[ch]
    return _norm(value)


@functools.lru_cache(maxsize=1 << 14)
def parse_chinese(s: str) -> Decimal | None:
    """``一百二十`` -> 120, ``两万`` -> 20000, ``十五万二千`` -> 152000,
    ``二〇一七`` -> 2017, ``一万五`` -> 15000. None when ``s`` is not a numeral."""
    if not s or any(ch not in CN_DIGITS and ch not in CN_SMALL and ch not in CN_BIG
                    for ch in s):
        return None
    if len(s) > 1 and all(ch in CN_DIGITS for ch in s):  # 二〇一七: digit by digit
        return Decimal("".join(str(CN_DIGITS[ch]) for ch in s))
    total = 0
    section = 0
    number = 0
    last_unit = 0
    pending = False  # a digit read that no unit has consumed yet
    for ch in s:
        if ch in CN_DIGITS:
            number = CN_DIGITS[ch]
            pending = True
        elif ch in CN_SMALL:
            unit = CN_SMALL[ch]
            if not pending:
                if ch != "十" or section or total:
                    if ch != "十":
                        return None  # 百/千 with no digit before it
                number = 1
            section += number * unit
            number, pending, last_unit = 0, False, unit
        else:  # 万 / 亿
            unit = CN_BIG[ch]
            if not pending and not section:
                if total and unit == 10 ** 4:  # 一亿万? not a numeral
                    return None
                if not total:
                    return None
            if unit == 10 ** 8:
                total = (total + section + number) * unit
            else:
                total += (section + number) * unit
            section, number, pending, last_unit = 0, 0, False, unit
    if pending and last_unit >= 100 and s[-2] not in "零〇":
        number *= last_unit // 10  # 一万五 = 15000, 三千五 = 3500
    return Decimal(total + section + number)


def parse_numeral(s: str) -> Decimal | None:
    """Any one numeral: Arabic (with 万/亿), Chinese, or mixed (``3千万``)."""
    s = s.strip().translate(FULLWIDTH_T)
    if not s:
        return None
    if s[0].isdigit():
        return parse_arabic(s)
    return parse_chinese(s)


def _norm(d: Decimal) -> Decimal:
    """Canonical Decimal (152000.0 and 152000 compare equal anyway; this makes them
    print the same)."""
    try:
        if d == d.to_integral_value():
            return d.quantize(Decimal(1))
        return d.normalize()
    except InvalidOperation:  # more digits than the decimal context holds
        return d


def format_value(d: Decimal) -> str:
    d = _norm(d)
    return f"{d:,}" if d == d.to_integral_value() else str(d)


# -- scanning -------------------------------------------------------------------------

def _approx(pre: str | None, suf: str | None, post: str | None) -> str:
    return pre or suf or post or ""


def scan(text: str, start: int = 0, end: int | None = None, norm: str | None = None
         ) -> list[Token]:
    """Tokens in ``text[start:end]``; offsets are into ``text``. ``norm`` is
    ``text.translate(FULLWIDTH)`` when the caller has it already."""
    end = len(text) if end is None else end
    if norm is None:
        norm = halfwidth(text)
    tokens: list[Token] = []
    # list markers at the start of each line or after a clause break
    enums: list[tuple[int, int]] = []
    numbered: set[int] | None = None
    pos = start
    while pos < end:
        nl = norm.find("\n", pos, end)
        line_end = end if nl < 0 else nl
        m = _ENUM_LINE.match(norm, pos, line_end)
        if m and m.end() > m.start() and m.group(0).endswith(".") and \
                m.end() < line_end and norm[m.end()].isdigit():
            # "9.36个先行城市": a list marker only when the neighbouring items exist
            n = int(re.sub(r"\D", "", m.group(0)))
            if numbered is None:
                numbered = {int(x) for x in _NUMBERED.findall(norm, start, end)}
            if n - 1 not in numbered and n + 1 not in numbered:
                m = None
        if m and m.end() > m.start():
            # strip the leading blanks from the marker
            s = m.start() + len(m.group(0)) - len(m.group(0).lstrip(" \t\u3000>#*-•·"))
            enums.append((s, m.end()))
        pos = line_end + 1
    for m in _ENUM_INLINE.finditer(norm, start, end):
        s = m.start() + len(m.group(0)) - len(m.group(0).lstrip())
        enums.append((s, m.end()))
    enums.sort()
    ei = 0
    pos = start
    while pos < end:
        m = _master_search(norm, pos, end)
        if m is None:
            break
        while ei < len(enums) and enums[ei][1] <= m.start():
            ei += 1
        if ei < len(enums) and enums[ei][0] <= m.start() < enums[ei][1]:
            pos = enums[ei][1]  # read on after the list marker (9.36个 -> 36个)
            continue
        pos = max(m.end(), m.start() + 1)
        kind = m.lastgroup
        s, e = m.start(), m.end()
        if kind in ("arabic", "cn", "pctword"):
            q = _quantity(m, text, norm)
            if q is None:
                if kind == "cn" and not _cn_context(m.group("cnum")):
                    continue
                tokens.append(Token("context", s, e, text[s:e]))
            else:
                tokens.append(Token("quantity", q.start, q.end, q.text, q))
        else:
            if kind == "code" and s > 0 and norm[s - 1].isdigit():
                continue
            tokens.append(Token("context", s, e, text[s:e]))
    for s, e in enums:
        tokens.append(Token("enum", s, e, text[s:e]))
    tokens.sort(key=lambda t: (t.start, t.end))
    return tokens


_BARE_YEAR = re.compile(r"(?:19|20)\d\d")
_NOT_FIGURES = frozenset(("一", "万", "千", "百", "十", "亿", "千万", "万一", "百万", "亿万"))


def _cn_context(num: str) -> bool:
    """Chinese numerals without a unit worth keeping as context (二十大, 十四五)."""
    return len(num) >= 2 and parse_chinese(num) is not None


def _quantity(m: re.Match, text: str, norm: str) -> Quantity | None:
    kind = m.lastgroup
    s, e = m.start(), m.end()
    if kind == "pctword":
        v = parse_numeral(m.group("pnum"))
        v2 = parse_numeral(m.group("pnum2")) if m.group("pnum2") else None
        if v is None:
            return None
        return Quantity(s, e, text[s:e], v, v2, "", m.group("ppre") or "", True,
                        "chinese" if not m.group("pnum")[0].isdigit() else "mixed")
    if kind == "arabic":
        num = m.group("anum")
        v = parse_arabic(num)
        if v is None:
            return None
        # digits glued to latin letters or to other digits are codes, not figures
        if s > 0 and (norm[s - 1].isascii() and norm[s - 1].isalnum()):
            return None
        if e < len(norm) and norm[e].isascii() and norm[e].isalpha():
            return None
        v2 = parse_arabic(m.group("anum2")) if m.group("anum2") else None
        pct = bool(m.group("apct") or m.group("apct2"))
        unit = m.group("aunit") or ""
        if _BARE_YEAR.fullmatch(num) and not (unit or pct or m.group("arng")
                                              or m.group("apre") or m.group("asuf")):
            return None  # 报告（2023）: a year without 年
        if m.group("arng") and v2 is None:
            return None
        if v2 is not None and v2 <= v:
            # 2017-2018, 3-1: not a range of one quantity; keep only the first number
            e = m.start("arng")
            return Quantity(s, e, text[s:e], v, None, "", m.group("apre") or "",
                            bool(m.group("apct")), _notation(num))
        return Quantity(s, e, text[s:e], v, v2, unit,
                        _approx(m.group("apre"), m.group("asuf"), m.group("apost")), pct,
                        _notation(num))
    # Chinese numerals: only with a unit word, or a multi-character value with 百/千/万/亿
    num = m.group("cnum")
    if num in _NOT_FIGURES:
        return None  # (before parsing it: half the Chinese numerals read are a lone 一)
    v = parse_chinese(num)
    if v is None:
        return None
    unit = m.group("cunit") or ""
    if s > 0 and norm[s - 1] in "第初周星期":
        return None
    if e < len(norm) and norm[e] in "是、":
        return None
    if unit == "届":
        return None  # 二十届三中全会: an ordinal even without 第
    if not unit and not (len(num) >= 2 and any(c in num for c in "百千万亿")
                         and any(c in CN_DIGITS for c in num)):
        return None
    if not unit and num.startswith(("千", "百", "万")):
        return None
    v2 = parse_chinese(m.group("cnum2")) if m.group("cnum2") else None
    if m.group("crng") and (v2 is None or v2 <= v):
        return None
    return Quantity(s, e, text[s:e], v, v2, unit,
                    _approx(m.group("cpre"), m.group("csuf"), m.group("cpost")), False,
                    "chinese")


_MULTIPLIER = re.compile("[十百千万亿]")


def _notation(num: str) -> str:
    return "mixed" if _MULTIPLIER.search(num) else "arabic"


def quantities(text: str, start: int = 0, end: int | None = None) -> list[Quantity]:
    return [t.quantity for t in scan(text, start, end) if t.quantity is not None]


# -- dates -----------------------------------------------------------------------------

@dataclass(frozen=True)
class DateMention:
    start: int
    end: int
    text: str
    year: int | None
    month: int
    day: int | None
    padded: bool | None  # True 09月08日, False 9月8日, None when nothing to pad
    relative: bool = False  # 今年/去年/明年 resolved by the caller

    def valid(self, year: int | None = None) -> bool | None:
        """False when the date cannot exist; None when it cannot be told (2月29日
        with no year)."""
        y = self.year if self.year is not None else year
        return valid_date(y, self.month, self.day)

    def as_date(self, year: int | None = None) -> _dt.date | None:
        y = self.year if self.year is not None else year
        if y is None or self.valid(y) is not True:
            return None
        return _dt.date(y, self.month, self.day or 1)


def valid_date(year: int | None, month: int, day: int | None) -> bool | None:
    if not 1 <= month <= 12:
        return False
    if day is None:
        return True
    if day < 1 or day > 31:
        return False
    if year is None:
        if month == 2 and day == 29:
            return None
        return day <= (29 if month == 2 else calendar.monthrange(2001, month)[1])
    return day <= calendar.monthrange(year, month)[1]


_DATE_RE = re.compile(
    r"(?<![\d.])(?:(?P<rel>今年|去年|明年|前年|本年)|(?P<y>(?:19|20)\d{2})年)?(?P<m>\d{1,2})月"
    r"(?:(?P<d>\d{1,2})[日号])?"
    r"|(?<![A-Za-z\d.])(?P<iy>(?:19|20)\d{2})(?P<sep>[-/.])(?P<im>\d{1,2})(?P=sep)(?P<id>\d{1,2})"
    r"(?![\d.])"
    r"|[(（](?P<cy>(?:19|20)\d{2})(?P<cm>[01]\d)(?P<cd>[0-3]\d)[)）\s]")
_REL_YEAR = {"今年": 0, "本年": 0, "去年": -1, "前年": -2, "明年": 1}
# every match of _DATE_RE starts with one of these characters (a relative year, a digit, an
# opening bracket), and a digit that starts one is a month's before 月 or a year's before
# 年 or -/. (three digits on): the lookahead skips the other digits of a page (~80 places
# tried a seed, against ~11 matches)
_DATE_START = re.compile(r"[今去明前本\d(（](?:(?<=[今去明前本(（])|(?=\d?月|\d{3}[年\-/.]))")


def jump_finditer(pattern: re.Pattern, first: re.Pattern, text: str, pos: int = 0,
                  end: int | None = None):
    """``pattern.finditer(text, pos, end)``, faster for a pattern with no literal prefix
    (the regex engine then tries every position): the pattern is tried only where
    ``first`` (a character class) finds a character its matches can start with, the
    positions left to right as finditer tries them, as :func:`_master_search` does.
    Only for patterns that never match the empty string (the next match is looked for
    from the end of the last)."""
    end = len(text) if end is None else end
    start = first.search
    match = pattern.match
    while True:
        c = start(text, pos, end)
        if c is None:
            return
        m = match(text, c.start(), end)
        if m is None:
            pos = c.start() + 1
        else:
            yield m
            pos = m.end()


def _date_matches(norm: str, pos: int, end: int):
    """``_DATE_RE.finditer(norm, pos, end)`` (every match starts with ``_DATE_START``)."""
    return jump_finditer(_DATE_RE, _DATE_START, norm, pos, end)


def find_dates(text: str, start: int = 0, end: int | None = None,
               year: int | None = None) -> list[DateMention]:
    """Dates in ``text[start:end]``; ``year`` resolves 今年/去年/明年 (left None when
    not given)."""
    end = len(text) if end is None else end
    # translate only the slice (plus one character of context on each side)
    base = max(0, start - 1)
    norm = halfwidth(text[base:end + 1])
    out: list[DateMention] = []
    for m in _date_matches(norm, start - base, end - base):
        s, e = m.start() + base, m.end() + base
        if m.group("m") is not None:
            if e - base < len(norm) and norm[e - base].isdigit():
                continue
            month_s = m.group("m")
            day_s = m.group("d")
            # "1至12月": a month alone needs a year or a day to be a date mention
            if day_s is None and m.group("y") is None and m.group("rel") is None:
                continue
            y = int(m.group("y")) if m.group("y") else None
            rel = m.group("rel")
            if rel is not None:
                y = year + _REL_YEAR[rel] if year is not None else None
            padded = _padded(month_s, day_s)
            out.append(DateMention(s, e, text[s:e], y, int(month_s),
                                   int(day_s) if day_s else None, padded, rel is not None))
        elif m.group("iy") is not None:
            out.append(DateMention(s, e, text[s:e], int(m.group("iy")), int(m.group("im")),
                                   int(m.group("id")), _padded(m.group("im"), m.group("id"))))
        else:
            s, e = m.start("cy") + base, m.end("cd") + base
            out.append(DateMention(s, e, text[s:e], int(m.group("cy")), int(m.group("cm")),
                                   int(m.group("cd")), None))
    return out


def _padded(month: str, day: str | None) -> bool | None:
    parts = [p for p in (month, day) if p is not None]
    if any(len(p) == 2 and p[0] == "0" for p in parts):
        return True
    if any(len(p) == 1 for p in parts):
        return False
    return None
