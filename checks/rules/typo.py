"""typo: misspellings, look-alike characters, corpus evidence, punctuation and script.

Precision first: a check speaks at ``error`` only where the evidence is strong (a known
misspelling; a character outside the 通用规范汉字表 whose closest look-alike makes a
dictionary word that jieba keeps whole). The detectors live in
:mod:`checks.typo_detect`, the data in :mod:`checks.typo_data`; see docs/typos.md.
"""

from __future__ import annotations

import math
import re
from array import array
from collections import Counter
from itertools import compress
from operator import or_

from .. import typo_data as D
from .. import typo_detect as T
from .. import typo_lm as L
from .. import typo_neural as N
from .. import typo_usage as U
from ..config import ConfigError
from ..model import Fix, Hit
from ..registry import corpus_check, corpus_index, file_check, index_reduce
from ..typo_reduce import CONTEXTS, MEMO, TypoReduce, inverse_twins, left_keys, right_keys

KNOWN = "typo.known-misspelling"
LOOKALIKE = "typo.lookalike-char"


def _user_pairs(config) -> dict[str, str]:
    pairs = config.opt(KNOWN, "pairs", {})
    if not all(isinstance(k, str) and isinstance(v, str) and k and k != v
               for k, v in pairs.items()):
        raise ConfigError(f"[tool.seedcheck.checks.\"{KNOWN}\"] pairs: expected a table of "
                          "\"wrong\" = \"right\" strings")
    return pairs


def _known(seed, pairs: dict[str, str]) -> tuple:
    """:func:`typo_detect.find_known` of the seed's text, once a seed (view) and table of
    user pairs (``Seed.memo``): four file checks and the typo index ask for it."""
    return seed.memo(f"typo.known:{sorted(pairs.items())!r}",
                     lambda: tuple(T.find_known(seed.text or "", pairs)))


def _known_spans(seed, config) -> list[tuple[int, int]]:
    """Spans that typo.known-misspelling reports (when it is enabled for this seed)."""
    if not config.enabled(KNOWN, seed.rel):
        return []
    return [(k.start, k.end) for k in _known(seed, _user_pairs(config))]


def _overlaps(s: int, e: int, spans) -> bool:
    return any(s < b and a < e for a, b in spans)


def _u(ch: str) -> str:
    return f"U+{ord(ch):04X}"


@file_check(KNOWN, severity="error", version=1)
def known_misspelling(seed, ctx):
    """What it flags:
    A word from the list of known misspellings (`checks/data/typo_misspellings.tsv`,
    each pair with its source, plus the `pairs` table of the configuration), such as
    实缋 for 实绩 or 釆取 for 采取.

    Why it matters:
    These forms are never right; a reader of official text trusts them, and every
    later copy repeats them.

    Example:
    `已提拔重用88名脱贫攻坚实缋突出的党员干部` (实缋 → 实绩).

    Fix:
    Replace the word with the right form (safe fix). Add your own pairs with
    `[tool.seedcheck.checks."typo.known-misspelling"] pairs = {"wrong" = "right"}`.
    """
    for k in _known(seed, _user_pairs(ctx.config)):
        yield Hit(k.start, k.end,
                  f"{k.wrong} is a known misspelling of {k.right} (source: {k.source})",
                  fix=Fix(k.right, safe=True),
                  evidence={"right": k.right, "source": k.source})


@file_check(LOOKALIKE, severity="error", version=1)
def lookalike_char(seed, ctx):
    """What it flags:
    A character outside the 通用规范汉字表 (the 8,105-character General Standard Chinese
    Characters table) that forms no dictionary word with its neighbours, where swapping
    in an in-table character that looks alike (or, failing that, sounds alike) makes a
    jieba dictionary word that jieba also keeps whole in its context. Error when the
    swap is the character's closest look-alike (shape score >= `error_score`, word
    frequency >= `error_freq`); warning otherwise. Traditional characters are left to
    typo.traditional-char, known misspellings to typo.known-misspelling.

    Why it matters:
    Look-alike code points (釆 U+91C6 for 采 U+91C7, 缋 for 绩) survive spell-reading
    by eye and break search, counting and every downstream model.

    Example:
    `釆取强村带弱村` → 采取; `脱贫攻坚实缋突出` → 实绩 (not 实惠: the shape decides).

    Fix:
    Replace the window with the repaired word (safe fix for errors; review warnings).
    Options: `min_freq` (5), `error_freq` (20), `error_score` (0.7), `sound` (true).
    """
    text = seed.text or ""
    skip = _known_spans(seed, ctx.config)
    found = T.find_lookalikes(
        text, min_freq=ctx.opt("min_freq", 5), error_freq=ctx.opt("error_freq", 20),
        error_score=ctx.opt("error_score", 0.7), sound=ctx.opt("sound", True))
    for c in found:
        if _overlaps(c.start, c.end, skip):
            continue
        in_file = text.count(c.right)
        how = (f"looks like {c.repl} (shape score {c.score:.2f}"
               + (", its closest look-alike)" if c.rank == 0 else ")")
               if c.kind == "shape" else f"sounds like {c.repl}")
        msg = (f"{c.char} ({_u(c.char)}) is outside the 通用规范汉字表 and {how}; "
               f"{c.wrong} is not a word, {c.right} is (jieba frequency {c.freq}"
               + (f"; {in_file} times elsewhere in this file" if in_file else "") + ")")
        yield Hit(c.start, c.end, msg, severity=c.strength,
                  fix=Fix(c.right, safe=c.strength == "error"),
                  evidence={"char": c.char, "codepoint": _u(c.char), "replacement": c.repl,
                            "kind": c.kind, "shape_score": c.score, "word_freq": c.freq,
                            "in_file": in_file})


@file_check("typo.bullet-in-word", severity="error", version=1)
def bullet_in_word(seed, ctx):
    """What it flags:
    A bullet or similar dot (• U+2022, ‧ U+2027, ∙ U+2219, ⋅ U+22C5, ・ U+30FB, ･ U+FF65)
    between two letters, digits or Han characters, where the middle dot · (U+00B7)
    belongs: 七•一, 约翰•肯尼迪. Error when a Han character is next to the dot, warning
    otherwise. A list bullet (`  • 微信`) is not inside a word and is left alone.

    Why it matters:
    The bullet is a list marker; inside a date name or a foreign name it is a
    conversion error that splits the word for search and segmentation.

    Example:
    `明确每年“七•一”表彰` → 七·一.

    Fix:
    Replace the dot with · (U+00B7) (safe fix).
    """
    text = seed.text or ""
    if not T.BULLET_ANY.search(text):
        return
    for m in T.BULLET_RUN.finditer(text):
        run = m.group()
        if T.KANA.search(run):
            continue  # Japanese: ・ between kana is its own middle dot
        han = any(D.is_han(ch) for ch in run)
        fixed = re.sub(f"[{T.BULLETS}]", "\u00b7", run)
        dots = sorted({_u(ch) for ch in run if ch in T.BULLETS})
        yield Hit(m.start(), m.end(),
                  f"{'/'.join(dots)} inside the word {run}: use the middle dot · (U+00B7): "
                  f"{fixed}", severity="error" if han else "warning",
                  fix=Fix(fixed, safe=True))


@file_check("typo.unbalanced-pair", severity="warning", version=1)
def unbalanced_pair(seed, ctx):
    """What it flags:
    A paired mark (“” 《》 （） () 【】 「」 『』 〔〕 〈〉) whose mate is missing in the same
    paragraph (line), in lines with at least `min_han` (8) Han characters. A quotation
    that runs over paragraphs (the next paragraph opens with “ again) and enumerators
    such as `1）` are not flagged.

    Why it matters:
    A lost closing mark swallows the rest of the paragraph into a title or a quotation
    and usually means text was cut or glued during scraping.

    Example:
    `制定出台《达州市村党组织第一书记关怀保障办法，每年……` (no 》).

    Fix:
    Restore the missing mark where the quotation or title ends (no automatic fix).
    """
    min_han = ctx.opt("min_han", 8)
    lines = seed.lines
    body = seed.body_start
    for idx, ln in enumerate(lines):
        if ln.start < body or not T.PAIR_RE.search(ln.text):
            continue
        if not D.han_at_least_re(min_han).match(ln.text):
            continue
        nxt = ""
        for later in lines[idx + 1:]:
            if later.text.strip():
                nxt = later.text
                break
        prev = None
        for earlier in reversed(lines[:idx]):
            if earlier.text.strip():
                prev = earlier
                break
        nxt_line = next((x for x in lines[idx + 1:] if x.text.strip()), None)
        for pos, ch in T.unbalanced_marks(ln.text, nxt):
            opening = ch in T.OPEN_CLOSE
            mate = T.OPEN_CLOSE[ch] if opening else T.CLOSERS[ch]
            near = nxt_line if opening else prev
            where = ""
            if near is not None and mate in near.text:
                where = (f"; its mate {mate} is on line {near.number}: the paragraph looks "
                         "split")
            yield Hit(ln.start + pos, ln.start + pos + 1,
                      f"{'opening' if opening else 'closing'} mark {ch} has no mate in this "
                      f"paragraph{where}", key=f"{ch}:{ln.text}")


@file_check("typo.doubled-punctuation", severity="warning", version=1)
def doubled_punctuation(seed, ctx):
    """What it flags:
    Two or more clause or sentence marks in a row (，， 。。 、、 ；； ：： ,, or a mix
    such as ，。).

    Why it matters:
    A doubled mark is a typing or merging slip; a mix of two marks means one of them
    is wrong.

    Example:
    `集中力量打赢脱贫攻坚战。。` → 。

    Fix:
    One mark of a repeated mark (safe fix); for a mix, the last mark (review it).
    """
    text = seed.text or ""
    for m in T.DOUBLED.finditer(text, seed.body_start):
        run = m.group()
        same = len(set(run)) == 1
        yield Hit(m.start(), m.end(),
                  f"{len(run)} punctuation marks in a row ({run}); keep one",
                  fix=Fix(run[-1], safe=same))


@file_check("typo.mixed-width-punctuation", severity="warning", version=1)
def mixed_width_punctuation(seed, ctx):
    """What it flags:
    A punctuation mark next to Han text whose width (full-width ，：；（）？！ or
    half-width , : ; ( ) ? !) goes against the file's own convention for that mark: the
    other width is used at least `min_majority` (5) times and makes up at least
    `majority` (0.9) of that mark's uses. Only prose lines count (at least `min_han`,
    8, Han characters), and the `;` of an HTML entity (`&lt;`) is not punctuation. A file that consistently uses half-width
    , ( ) : ; with full-width 、。“” keeps its convention and is not flagged.

    Why it matters:
    A stray width within one file is a copy-paste seam; consistent punctuation is what
    the corpus's tokenizers and readers expect.

    Example:
    In a file that writes ，everywhere else: `坚持把党建引领作为重要抓手,充分发挥` → ，

    Fix:
    Use the file's majority form of the mark (review: fix not marked safe).
    """
    text = seed.text or ""
    body = seed.body_start  # (a property worked out again at each reading)
    marks = T.width_marks(text, [ln for ln in seed.lines if ln.start >= body],
                          ctx.opt("min_han", 8))
    if not marks:
        return
    min_major = ctx.opt("min_majority", 5)
    share = ctx.opt("majority", 0.9)
    counts: Counter = Counter((key, ch) for _, ch, key in marks)
    for pos, ch, key in marks:
        full = T.WIDTH_PAIRS[key]
        other = full if ch == key else key
        n_other, n_this = counts[(key, other)], counts[(key, ch)]
        if n_other >= min_major and n_other / (n_other + n_this) >= share:
            width = "full" if other == full else "half"
            yield Hit(pos, pos + 1,
                      f"{ch} ({_u(ch)}) against this file's convention: it uses {width}-width "
                      f"{other} {n_other} times and {ch} {n_this} times next to Han text",
                      fix=Fix(other, safe=False), key=f"{ch}>{other}")


@file_check("typo.traditional-char", severity="warning", version=1)
def traditional_char(seed, ctx):
    """What it flags:
    A traditional character (OpenCC t2s changes it, and it is outside the 通用规范汉字表)
    inside simplified text, when the converted window of 2-4 characters is a jieba
    dictionary word (so names such as 宋懋璗 and titles that
    keep a traditional character on purpose, 《西夏樂集》, are left alone). Characters
    that are both simplified and traditional, and in-table characters such as 乾 (乾隆)
    or 於 (a surname), are never flagged. A file
    written mostly in traditional script (more than `max_share`, 0.2, of its Han
    characters) is left alone: that is its script, not a slip.

    Why it matters:
    A traditional character in simplified text splits one word into two spellings for
    search and counting; it usually comes from a pasted quotation or an OCR step.

    Example:
    `殘疾人` → 残疾人.

    Fix:
    The simplified character from OpenCC's t2s conversion (review: not marked safe).
    """
    text = seed.text or ""
    found = T.traditional_chars(text)
    if not found:
        return
    han = len(D.HAN_RE.findall(text))
    if han and len(found) / han > ctx.opt("max_share", 0.2):
        return
    for i, c, simp, window, _ in found:
        yield Hit(i, i + 1,
                  f"{c} ({_u(c)}) is a traditional character in simplified text: {window} "
                  f"is not a word, its simplified form with {simp} is",
                  fix=Fix(simp, safe=False), evidence={"simplified": simp, "window": window})


VARIANT = "typo.variant-form"
REAL_WORD = "typo.real-word"


def _variant_forms(seed, names: bool, usage: bool) -> tuple:
    """:func:`typo_usage.find_variant_forms` of the seed's text, once a seed (view) and
    options (``Seed.memo``): typo.variant-form and the typo index ask for the same seed,
    in whichever order they run."""
    return seed.memo(f"typo.variant-forms:{names}:{usage}",
                     lambda: U.find_variant_forms(seed.text or "", names=names, usage=usage))


def _real_word_slips(seed, names: bool) -> tuple:
    """:func:`typo_usage.find_real_word_slips` of the seed's text, once a seed (view) and
    option (``Seed.memo``), as :func:`_variant_forms`."""
    return seed.memo(f"typo.real-word:{names}",
                     lambda: U.find_real_word_slips(seed.text or "", names=names))


def _usage_spans(seed, config) -> list[tuple[int, int]]:
    """Spans that typo.variant-form and typo.real-word report (where enabled): the
    in-table corpus checks leave them alone (one typo, one finding)."""
    spans = []
    if config.enabled(VARIANT, seed.rel):
        spans += [(u.start, u.end) for u in _variant_forms(
            seed, config.opt(VARIANT, "names", True), config.opt(VARIANT, "usage", True))]
    if config.enabled(REAL_WORD, seed.rel):
        spans += [(u.start, u.end) for u in _real_word_slips(
            seed, config.opt(REAL_WORD, "names", True))]
    return spans


@file_check(VARIANT, severity="warning", version=2)
def variant_form(seed, ctx):
    """What it flags:
    A non-recommended word form (异形词) where the State Language Commission's standard
    names another: a form of the 《第一批异形词整理表》 (GF 1001-2001: 定单 → 订单, 成份 →
    成分, 想像 → 想象, 精采 → 精彩), or a word of likeness written with 象 where the 1986
    《简化字总表》 restored 像 (好象 → 好像, 偶象 → 偶像). The list is
    `checks/data/typo_variant_forms.tsv` (each line names its table entry). A form counts
    only where jieba reads it as a word (a whole token, or inside a token that is a
    dictionary word once replaced: 想像力 → 想象力), so 确定单位 holds no 定单; forms
    inside a name (jieba's tagger or Baidu's LAC: 磁器口) are left alone (`names`).
    With `usage` (on by default), also 惟一, 惟有, 惟独, 惟恐 → 唯, 撤消 → 撤销, 甚么 → 什么
    and 凭藉, 藉口, 藉此, 藉以 → 借: not groups of the table, but current official prose
    writes the other form throughout (measured in docs/typos.md).

    Why it matters:
    Official and published Chinese follows the recommended forms; a corpus that mixes
    成份 and 成分 splits one word in two for search, counting and every model trained on
    it. Text written before 2002 predates the table and uses the older forms: this is a
    style warning, not a misspelling.

    Example:
    `双方签订了一批定单` → 订单; `他好象没听见` → 好像.

    Fix:
    Write the recommended form (not marked safe: review it; switch the check off with
    `ignore` for a corpus whose house style predates the table). Options: `names` (true),
    `usage` (true).
    """
    skip = _known_spans(seed, ctx.config)
    for u in _variant_forms(seed, ctx.opt("names", True), ctx.opt("usage", True)):
        if _overlaps(u.start, u.end, skip):
            continue
        yield Hit(u.start, u.end, u.why, fix=Fix(u.right, safe=False),
                  evidence={"rule": u.rule, "recommended": u.right})


@file_check(REAL_WORD, severity="warning", version=13)
def real_word(seed, ctx):
    """What it flags:
    A real character in a frame where its sound-alike twin belongs, decided by the
    sentence's structure (jieba's segmentation and its dictionary's part-of-speech tags),
    not by how frequent each word is: 自已 → 自己; a 己 standing alone before a verb,
    with no verb or preposition governing it (男子己被控制 → 已; 于己有益, 常思己过 stay);
    象 opening a comparison that 一样, 一般, 似的, 那样 or 这样 closes in the same clause
    (就象保护眼睛一样 → 像), or following an adverb (就象一串珍珠), or before a numeral
    and a measure word (象一只猴子; not after 头, 只, 群: 一头象); since 1986 像 is the
    verb of likeness; 不在, or 在 after a negative modal, before a verb (不在适合, 不要在喝酒
    → 再: 在 takes a place, 再 negates a verb; not when 时, 中, 期间 … closes a time after the
    verb); 再 opening a place or
    time that a localizer closes, or 再/不再 before 这里, 那里 (再会议上, 不再这里 → 在);
    那里/那个/那支/那一 … in a question opened by 不管, 无论, 不论, 到底 or 究竟 (无论走到那里
    → 哪), or in a clause that ends with 呢 or a question mark and holds a verb and no
    other question word (发生了那些变化呢 → 哪); 做为 → 作为 (not 做 + a word of 为:
    做为人处世); 必需 before a verb or a preposition opening one (单位必需向劳动者发放 → 必须;
    必需的条件, 生活所必需 stay); 致力与 → 致力于; 在与 after the thing that lies there (关键在与, 优势在与 → 在于;
    在与会议代表交流 stays); 问计与民, 取信与民 → 于民 (与民对话 stays); 做政府工作报告 → 作 (做好工作报告 stays); 至 before the dead or injured, or after a blow (已至3人死亡, 殴打至轻伤 → 致;
    升至3人, 打至深夜 stay); 象 after 有点/有些, and 象是 (就象是 → 像);
    收 before 袭扰, 侵袭 (→ 受); 进来 after a subject or opening the clause, before how
    things went (板块进来表现强势 → 近来; 推着三轮车进来 stays); 确 alone before a passive, a wish or a
    reduplicated adverb (县确被曝出 → 却; 确是, 确有 stay); 一来 after a span of time, 一下 opening
    the clause before 是 or after a figure (一个多月一来, 一下是, 0.03毫米一下 → 以; 一来……二来,
    研究一下 stay); 个 after a month before a noun (12月个发行商 → 各); 那里 …… 哪里 (那里便宜去哪里 → 哪); 累积 before a figure in the clause (累积下跌38% → 累计; not 累积至); 与
    before a date and then the event, in no comparison (将与明日召开 → 于; 与去年同期相比
    stays); 于 + a partner + a verb that takes one, 于 not after its own verb (将于客商会谈
    → 与; 满足于 stays); 既 …… 有 + a verb (→ 又); 带/带着/带上 + a thing worn (帽,
    眼镜, 口罩, 手铐 …: 带着墨镜 → 戴); 收到/接收 + a thing undergone (影响, 欢迎, 采访 …:
    收到影响 → 受到, 接收采访 → 接受); a verb of saying before a
    quotation (笑到：“ → 道); 份 in minutes, fractions and X分子 words, or after a word
    of two characters or more (9时30份, 三份之二, 犯罪份子, 诈骗份子 → 分; 凑份子 stays); 反应 reporting to someone or a source's words, or with an object
    (向记者反应, 反应到, 据居民反应, 反应了市场的变化 → 反映); 有 + a figure + a change to
    another (有1080元上升为1240元 → 由); 即 … 又/也
    (即懂技术又会管理 → 既); 有 in a clause ending on 组成, 主办, 来决定 … (有市政府主办
    → 由; 有专人负责 stays); 的/这种 + 作法 → 做法; V的 + a degree adverb and an adjective
    ending the clause (下降的很快 → 得); 收/带 before a word that jieba's dictionary lists only with 受/戴 (收欢迎,
    带眼镜); a verb that knocks or throws a thing down before 到在 (踢到在地 → 倒; 看到在
    stays); 报道 after going to a school or a unit, or after 开学, 入学, 入职 (去大学报道
    → 报到); 收贿 → 受贿 (收贿赂 stays); 权力 where a right is meant: infringed
    (权力被侵害), beside 义务 (权力和义务), or taken by a sentence for a term (剥夺政治权力三年)
    → 权利 (权力被制约 stays); 公司/企业/集团 + 高官 → 高管; 在次 + a verb → 再次 (在次日,
    在次年 stay); the token 必须品 → 必需品 (必须|品尝 stays); 反到是, and 到是 opening a
    clause → 倒是 (到是时候 stays); X届 where X界 is a word and X届 none (科学届 → 界;
    第三届, 2014届 stay); 仍就 + a verb or an adjective → 仍旧 (仍就此事 stays); 另 + 人, 人们, 众人,
    全场 → 令 (另人作呕; another person is 另一人); 像 + a partner or a direction + a
    verb turned toward it (学习, 致敬, 转移, 借 …), with no 一样 closing a comparison and no
    这种 making a noun phrase (像他的前任学习 → 向); 近一步 / 将近一步 before a verb → 进一步
    (更近一步 stays); 做出 + a decision, a ruling, an instruction or an arrangement (判决, 批示,
    指示, 部署, 处罚, 处理, 安排 …) → 作出 (做出贡献, 做出说明, 做出来 stay); 作好 → 做好
    (作好准备; 工作好, 制作好的, 作好诗 stay); booking written 预定 (酒店预定, 提前预定, 预定量)
    → 预订 (预定轨道 stays); 著 left alone after a verb, the aspect particle → 着 (随著美股,
    排著长队; 著名, 显著 stay); 一但 as two words of their own → 一旦 (一但误食; 统一但 stays).
    Characters that jieba's tagger or Baidu's LAC read inside a name
    are left alone (`names`).

    Why it matters:
    These slips are made of ordinary, frequent characters (在/再, 已/己, 象/像), so no
    dictionary and no word-frequency model sees them; they are among the commonest typos
    of native writers.

    Example:
    `嫌疑人己被警方控制` → 已; `大家要象爱护眼睛一样爱护环境` → 像.

    Fix:
    Replace the character (not marked safe: read the sentence). Options: `names` (true).
    """
    skip = _known_spans(seed, ctx.config)
    for u in _real_word_slips(seed, ctx.opt("names", True)):
        if _overlaps(u.start, u.end, skip):
            continue
        yield Hit(u.start, u.end, u.why, fix=Fix(u.right, safe=False),
                  evidence={"rule": u.rule, "right": u.right})


# -- corpus ------------------------------------------------------------------------------

RARE = "typo.corpus-rare-form"


CONFUSABLE = "typo.confusable-char"
IDIOM = "typo.broken-idiom"
CONTEXT = "typo.context-word"
LANGUAGE_MODEL = "typo.language-model"
NEURAL = N.NEURAL
LM_GAIN = 14.0  # nats; see docs/typos.md for the measured trade-off
LM_BOTH = 11.5  # nats, for a substitute that both sounds and looks alike
IDIOM_USAGE = 3  # a phrase one character from an idiom, written so this often in one file,
# is the file's own (a pun or a title: 声入人心 ×3 in one news transcript), not a slip


# a short quotation (at most 5 characters between the marks): a coined term, a name or a
# pun the writer marks as such (“薪力交瘁”, “铖功程序化”, “两个不低于”); a quoted clause runs
# longer. The in-table detectors leave windows inside one alone (thirteenth landing).
QUOTED_MAX = 5
_SHORT_QUOTE = re.compile("[“「『‘\"]([^“”「」『』‘’\"\n]{1,%d})[”」』’\"]" % QUOTED_MAX)


def _short_quotes(text: str) -> list[tuple[int, int]]:
    """The spans of the contents of short quotations in ``text``."""
    if not any(q in text for q in "“「『‘\""):
        return []
    return [(m.start(1), m.end(1)) for m in _SHORT_QUOTE.finditer(text)]


def _add_confusions(conf: list, found, taken: list[tuple[int, int]]) -> None:
    """Append to ``conf`` each confusion of ``found`` that overlaps none of ``taken``, as
    the typo index keeps it (one typo, one finding: what an earlier detector or a file
    check reported wins)."""
    conf.extend((c.start, c.end, c.wrong, c.right, c.pos, c.char, c.repl, c.kind,
                 c.detector, c.gain, c.freq, c.wrong_freq)
                for c in found if not _overlaps(c.start, c.end, taken))


@corpus_index("typo", version=33)
def typo_features(seed, ctx):
    """Per seed: out-of-table characters that no file check explained, with their
    2-character forms and shape-repaired forms (``rare``); the in-table confusion
    candidates of :func:`checks.typo_detect.find_confusions` at the configured thresholds
    (``conf``; the index is rebuilt when the configuration changes), which the corpus
    checks weigh with the corpus's own counts; the twin-word contexts (``twins``); with
    the option ``in_table``, also the older in-table sound-alike candidates (slow)."""
    text = seed.text or ""
    feats: list[tuple] = []
    reported = _known_spans(seed, ctx.config) + _usage_spans(seed, ctx.config)
    if next(D.out_of_table(text), None) is not None:
        reported += [(c.start, c.end) for c in T.find_lookalikes(text)]
        feats += [x + ("shape",) for x in T.unexplained_out_of_table(text, reported)]
    conf = []
    if D.HAN_RE.search(text):
        opt = ctx.config.opt
        found = T.find_confusions(text, min_gain=opt(CONFUSABLE, "min_gain", 11.0),
                                  both_gain=opt(CONFUSABLE, "both_gain", 9.0),
                                  idiom_gain=opt(IDIOM, "idiom_gain", 5.0),
                                  names=opt(CONFUSABLE, "names", True),
                                  variants=opt(CONFUSABLE, "variants", True))
        _add_confusions(conf, found, reported)
    if D.HAN_RE.search(text) and ctx.config.enabled(LANGUAGE_MODEL) and L.available():
        opt = ctx.config.opt
        found = L.find_lm_confusions(text, min_gain=opt(LANGUAGE_MODEL, "min_gain", LM_GAIN),
                                     both_gain=opt(LANGUAGE_MODEL, "both_gain", LM_BOTH),
                                     names=opt(LANGUAGE_MODEL, "names", True),
                                     repaired=[(c[0], c[1], c[3]) for c in conf],
                                     word_gain=opt(LANGUAGE_MODEL, "word_gain", L.WORD_GAIN))
        _add_confusions(conf, found, reported + [(c[0], c[1]) for c in conf])
        found = L.find_compound_confusions(
            text, min_gain=opt(LANGUAGE_MODEL, "compound_gain", L.COMPOUND_GAIN),
            names=opt(LANGUAGE_MODEL, "names", True))
        _add_confusions(conf, found, reported + [(c[0], c[1]) for c in conf])
        conf.sort(key=lambda c: (c[0], c[1]))
    if D.HAN_RE.search(text) and ctx.config.enabled(NEURAL):
        found = N.find_neural(text, ctx.config)  # nothing unless a model is named
        if found:
            _add_confusions(conf, found, reported + [(c[0], c[1]) for c in conf])
            conf.sort(key=lambda c: (c[0], c[1]))
    if conf:
        quotes = _short_quotes(text)
        if quotes:  # a coined term or a pun in quotation marks: the writer's own form
            conf = [c for c in conf if not any(a <= c[0] and c[1] <= b for a, b in quotes)]
    if ctx.config.opt(RARE, "in_table", False):
        threshold = ctx.config.opt(RARE, "gain", 12.0)
        skip = _known_spans(seed, ctx.config)
        for u in T.find_unlikely_chars(text, threshold):
            if not _overlaps(u.start, u.end, skip):
                feats.append((u.start, u.end, u.form, u.repaired, u.repl, u.gain,
                              "in-" + u.kind))
    twins = None
    if ctx.config.enabled(CONTEXT):
        offsets, recs = T.twin_contexts(text)
        if offsets:
            twins = (array("I", offsets), recs)
    if not feats and not conf and twins is None:
        return None
    return {"rare": feats, "conf": conf, "twins": twins}


def _count_forms(corpus, forms: set[str], whole: set[str]) -> tuple[Counter, Counter]:
    """Occurrences of each form in the corpus (and in how many files). Forms in
    ``whole`` count only where jieba keeps them whole (理指 inside 管理指导 is not 理指).
    The counts per seed are left in ``corpus.memo`` for the typo index's reduce."""
    counts: Counter = Counter()
    files: Counter = Counter()
    per_seed = TypoReduce._count(corpus, corpus.paths, forms)
    for got in per_seed.values():
        for form, (raw, kept) in got.items():
            n = kept if form in whole else raw
            if n:
                counts[form] += n
                files[form] += 1
    corpus.memo[MEMO] = (frozenset(forms), per_seed)
    return counts, files


@corpus_check(RARE, severity="warning", index="typo", version=4)
def corpus_rare_form(corpus, ctx):
    """What it flags:
    A short form holding a character outside the 通用规范汉字表 that occurs at most
    `max_rare` (2) times in the whole corpus, while the form with the character's
    look-alike in its place occurs at least `min_common` (3) times and `ratio` (3) times
    as often; a form is counted only where jieba keeps it whole (理指 inside 管理指导 is
    not 理指). Only characters that no file check already explained are looked at; the
    message gives both counts. With `in_table = true` (off by default: slow), also an
    in-table character that jieba leaves as a stray single character, where a
    sound-alike or an in-table look-alike (己/已) raises the clause's best segmentation
    log-probability by at least `gain`
    (12.0) and makes a dictionary word, and the form occurs at most `max_rare` times in
    the corpus (so 抗疫, missing from jieba's dictionary but common in the corpus, is not
    flagged).

    Why it matters:
    The corpus is its own dictionary: names and terms missing from jieba's dictionary
    still show their usual spelling elsewhere, so a lone variant next to a frequent
    look-alike form is most likely a slip.

    Example:
    `张缋说` once and `张绩说` three times; with `in_table`: `这是程序正档原则` (档 → 当).

    Fix:
    Replace the form with the frequent one after checking (not marked safe).
    """
    feats = [(p, f["rare"]) for p, f in corpus.features("typo") if f and f["rare"]]
    if not feats:
        return
    max_rare = ctx.opt("max_rare", 2)
    min_common = ctx.opt("min_common", 3)
    ratio = ctx.opt("ratio", 3.0)
    # one typo, one finding: in-table candidates that typo.confusable-char or
    # typo.broken-idiom report are theirs
    taken: dict[str, list[tuple[int, int]]] = {}
    for cid, dets in ((CONFUSABLE, ("non-word", "variant")), (IDIOM, ("idiom", "phrase"))):
        if ctx.config.enabled(cid):
            for path, c, _n, _f in _confusions(corpus, ctx.for_check(cid), dets):
                taken.setdefault(path, []).append((c[0], c[1]))
    feats = [(p, [x for x in f if x[6] == "shape" or not _overlaps(x[0], x[1], taken.get(p, ()))])
             for p, f in feats]
    forms = {x[2] for _, f in feats for x in f} | {x[3] for _, f in feats for x in f}
    whole = {x[3] for _, f in feats for x in f}
    tot = corpus.totals.get("typo")  # a part of the corpus: the whole one's counts
    if tot is None:
        counts, files = _count_forms(corpus, forms, whole)
    else:
        counts, files = Counter(), Counter()
        for form in forms:
            counts[form], files[form] = tot.form(form)
    for path, feat in feats:
        best: dict[tuple[int, int], tuple] = {}
        for s, e, form, rep, y, score, kind in feat:
            nf, nr = counts[form], counts[rep]
            if kind == "shape":
                ok = nf <= max_rare and nr >= min_common and nr >= ratio * nf
            else:
                ok = nf <= max_rare
            if ok and ((s, e) not in best or (nr, score) > (best[(s, e)][1], best[(s, e)][4])):
                best[(s, e)] = (form, nr, rep, y, score, nf, files[rep], kind)
        for (s, e), (form, nr, rep, y, score, nf, nfiles, kind) in sorted(best.items()):
            ch = next((a for a, b in zip(form, rep) if a != b), form[0])
            if kind == "shape":
                why = (f"{ch} looks like {y} (shape score {score:.2f}) and is outside the "
                       "通用规范汉字表")
            else:
                alike = "sounds like" if kind == "in-sound" else "looks like"
                why = (f"{ch} {alike} {y}, and {rep} makes the clause {score:.1f} nats "
                       f"more likely (jieba unigram model)")
            yield Hit(s, e,
                      f"{form} occurs {nf} time(s) in the corpus, {rep} {nr} time(s) in "
                      f"{nfiles} file(s); {why}",
                      path=path, fix=Fix(rep, safe=False),
                      evidence={"form_count": nf, "repaired_count": nr, "kind": kind,
                                "repaired_files": nfiles, "score": score})


def _confusions(corpus, ctx, detectors: tuple[str, ...]):
    """The in-table confusion candidates of the whole corpus that pass this check's
    thresholds, with the corpus's counts of each wrong form: a form that recurs in
    ``term_files`` files or more (or 3 times in 2 files) is a term of this corpus (a name,
    a transliteration, a word jieba's dictionary lacks), not a slip."""
    min_gain = ctx.opt("min_gain", LM_GAIN if "lm" in detectors else 11.0)
    both_gain = ctx.opt("both_gain", 9.0)
    idiom_gain = ctx.opt("idiom_gain", 5.0)
    term_files = ctx.opt("term_files", 3)
    variants = ctx.opt("variants", True)
    variant_gain = ctx.opt("variant_gain", 3.0)
    allow = set(ctx.opt("allow", []))
    if not all(isinstance(w, str) for w in allow):
        raise ConfigError(f"[tool.seedcheck.checks.\"{ctx.check_id}\"] allow: expected a "
                          "list of strings")
    feats = [(p, f["conf"]) for p, f in corpus.features("typo") if f and f["conf"]]
    tot = corpus.totals.get("typo")  # a part of the corpus: the whole one's counts
    if tot is None:
        counts: Counter = Counter()
        files: Counter = Counter()
        for _p, conf in feats:
            forms = Counter(c[2] for c in conf)
            counts.update(forms)
            files.update(forms.keys())

        def look(w: str) -> tuple[int, int]:
            return counts[w], files[w]
    else:
        look = tot.conf
    for path, conf in feats:
        here = Counter(c[2] for c in conf)
        for c in conf:
            (s, e, wrong, right, pos, ch, repl, kind, det, gain, freq, wfreq) = c
            if det not in detectors or wrong in allow or right in allow:
                continue
            if det == "non-word":
                need = T.nonword_need(wrong, pos - s, min_gain, repl, both_gain)
            elif det == "idiom":
                if here[wrong] >= IDIOM_USAGE:
                    continue  # the same "broken" phrase three times in a file: its usage
                need = 0.0 if wfreq else idiom_gain
            elif det == "variant":
                if not variants:
                    continue
                need = variant_gain
            elif det in ("lm", "lm-after"):
                if here[wrong] > 1:
                    continue  # the model flags the same form twice in a file: its usage
                need = L.need(ch, repl, min_gain, ctx.opt("both_gain", LM_BOTH))
            elif det == "lm-compound":
                if here[wrong] > 1:
                    continue
                need = ctx.opt("compound_gain", L.COMPOUND_GAIN)
            elif det == "lm-word":
                if here[wrong] > 1:
                    continue  # the same word flagged twice in a file: its usage
                need = ctx.opt("word_gain", L.WORD_GAIN)
            elif det == "neural":
                if here[wrong] > 1:
                    continue  # the same form flagged twice in a file: its usage
                need = ctx.opt("min_prob", N.MIN_PROB)
            else:
                need = 0.0
            if gain < need:
                continue
            n, nfiles = look(wrong)
            if nfiles >= term_files or (nfiles >= 2 and n >= 3):
                continue
            yield path, c, n, nfiles


def _times(nats: float) -> str:
    """e**nats to two significant digits, in words a reader can take in (340,000,000)."""
    x = math.exp(min(nats, 60.0))
    if x < 10:
        return f"{x:.1f}"
    e = int(math.floor(math.log10(x))) - 1
    return f"{int(round(x / 10 ** e)) * 10 ** e:,}"


def _confusion_hit(path, c, n, nfiles):
    (s, e, wrong, right, pos, ch, repl, kind, det, gain, freq, wfreq) = c
    alike = {"sound": "sounds like", "shape": "looks like",
             "nasal": "sounds like (the front/back nasal swapped)",
             "retroflex": "sounds like (z/zh, c/ch or s/sh swapped)"}.get(kind,
                                                                      "is confused with")
    if kind in ("sound", "shape") and D.sound_and_shape(ch, repl):
        alike = "sounds and looks like"
    if det == "phrase":
        why = (f"{wrong} is a known confusion for {right} (macro-correct's phrase "
               "confusion table)")
    elif det == "variant":
        why = (f"{ch} {alike} {repl}; {wrong} is a rare variant (jieba frequency {wfreq}) "
               f"of {right} ({freq})")
    elif det == "idiom":
        why = f"{ch} {alike} {repl}; {wrong} is no word, {right} is a fixed phrase"
    elif det == "lm-compound":
        why = (f"{ch} {alike} {repl}; {wrong} is no word, {right} is a compound term "
               f"(jieba lists it, frequency {freq}); a language model of Chinese (libime's "
               f"word trigrams) reads the clause {gain:.1f} nats (about {_times(gain)} "
               f"times) more likely with {right}")
    elif det == "lm-word":
        why = (f"{wrong} and {right} are both words read {D.word_reading(right)} "
               f"(tones aside), as a pinyin input method offers them for the same keys; a "
               f"language model of Chinese (libime's word trigrams) reads the clause "
               f"{gain:.1f} nats (about {_times(gain)} times) more likely with {right}")
    elif det in ("lm", "lm-after"):
        after = (", with the other slips of the clause repaired," if det == "lm-after"
                 else "")
        why = (f"{ch} {alike} {repl}; a language model of Chinese (libime's word trigrams) "
               f"reads the clause{after} {gain:.1f} nats (about {_times(gain)} times) more "
               f"likely with {right}")
    elif det == "neural":
        why = (f"{ch} {alike} {repl}; the spelling model named in the configuration "
               f"({N.NEURAL}) writes {repl} here with probability {gain:.2f}")
    else:
        why = (f"{ch} {alike} {repl}; {wrong} is no word, {right} is (jieba frequency "
               f"{freq})")
    score = (f"; the clause reads {gain:.1f} nats more likely with it"
             if gain > 0 and det not in ("lm", "lm-after", "lm-compound", "lm-word", "neural")
             else "")
    where = (f"; {wrong} occurs {n} time(s) in {nfiles} file(s) of the corpus" if n > 1
             else "; it occurs nowhere else in the corpus")
    return Hit(s, e, why + score + where, path=path, fix=Fix(right, safe=False),
               evidence={"detector": det, "kind": kind, "right": right, "gain": gain,
                         "word_freq": freq, "wrong_freq": wfreq, "corpus_count": n,
                         "corpus_files": nfiles})


@corpus_check(CONFUSABLE, severity="warning", index="typo", version=3)
def confusable_char(corpus, ctx):
    """What it flags:
    An ordinary (in-table) character that breaks a word: a window of 2-4 characters
    that is no dictionary word where a sound-alike (same reading, tones ignored) or a
    look-alike (the shape table, pycorrector's same-stroke groups, characters on the same
    phonetic component) makes a frequent jieba word (frequency >= 50) and raises the
    clause's best segmentation log-probability (jieba's unigram model) by at least
    `min_gain` (11.0) nats, or `both_gain` (9.0) when the substitute both sounds and
    looks alike (辩/辨) (4 more when the other character is a frequent word on its
    own, as in 从|市; never when the changed character is one, as 的 or 在: those need
    context a unigram model lacks). With `variants` (on by default), also a rare
    dictionary word that is a slip of a frequent one (帐蓬, jieba frequency 6, for 帐篷,
    740: sibling characters on one phonetic component that sound alike, at least 20 times
    rarer, gain >= `variant_gain`, 3.0) and that the reference language model lists as a
    word at least four times rarer than the frequent one (modern words jieba lists as
    rare, 声呐 or 清零, are about as frequent as their sibling there). Left alone: windows that cut through a word of
    the text's own segmentation (驻|中东), characters jieba's tagger reads as part of a
    name, or Baidu's LAC model reads inside a name reaching beyond the window (王运熙,
    台北地检署; `names`), newer words that jieba's dictionary lacks and the reference
    language model knows well (单品, 戾气: unigram probability at least 10^-5.4), windows
    inside a longer word of the model's vocabulary (财付 in 财付通), windows
    inside a short quotation (at most 5 characters between the marks: a coinage or pun
    the writer marks as such, “薪力交瘁”), forms in `allow`, and forms that recur in
    `term_files` (3) files, or 3 times in 2 files, of the corpus (a term of the corpus,
    not a slip).

    Why it matters:
    Most typos in real text are made of ordinary characters (辩别 for 辨别, 脉博 for
    脉搏, 己经 for 已经): no table of odd code points finds them, and they mislead
    readers and every search or count built on the corpus.

    Example:
    `我们要认真辩别真假信息` → 辨别; `搭起了帐蓬` → 帐篷.

    Fix:
    Replace the window with the repaired word after reading it (not marked safe: the
    measured precision is below 0.95 on some sets, see docs/typos.md). Options: `min_gain`
    (11.0), `both_gain` (9.0), `variants` (true), `variant_gain` (3.0), `term_files` (3), `names` (true),
    `allow` (a list of forms never to flag).
    """
    for path, c, n, nfiles in _confusions(corpus, ctx, ("non-word", "variant")):
        yield _confusion_hit(path, c, n, nfiles)


@corpus_check(IDIOM, severity="warning", index="typo", version=2)
def broken_idiom(corpus, ctx):
    """What it flags:
    A fixed phrase with one character swapped for a sound-alike or look-alike (or a
    front/back nasal near-homophone, 玲琅满目 for 琳琅满目): a window that is no word and
    is one such character away from a jieba idiom or set phrase
    (tags `i`, `l`; 4 characters or more), raising the clause's segmentation
    log-probability by at least `idiom_gain` (5.0) nats; or a rare variant of an idiom
    (按步就班 for 按部就班); or a pair of macro-correct's phrase confusion table that this
    project's filter keeps (默守成规 → 墨守成规, 针贬 → 针砭). Left alone: a set phrase
    of two free words (jieba tag `l`: 价格|上涨, 违反|常规) where the written half is a
    word too (价格止涨, 违反厂规: another combination, not the phrase broken; unless the
    two characters both sound and look alike, 通货膨涨), windows inside a short quotation
    (at most 5 characters: “薪力交瘁”), forms in `allow`, forms recurring in
    `term_files` (3) files, and a window written the same way three times in one file
    (that text's own pun or title: 声入人心).

    Why it matters:
    A broken idiom is the typo readers notice first in official writing; the set
    phrase makes the right form certain.

    Example:
    `面对困难他一愁莫展` → 一筹莫展; `走头无路` → 走投无路.

    Fix:
    Replace the window with the fixed phrase (not marked safe: review it). Options:
    `idiom_gain` (5.0), `term_files` (3), `allow`.
    """
    for path, c, n, nfiles in _confusions(corpus, ctx, ("idiom", "phrase")):
        yield _confusion_hit(path, c, n, nfiles)


def _twin_keys(rec: str):
    """The context keys of one twin-word record: ("R" + word + right2, "L" + left2 +
    word); a context that is the edge of the clause holds the pad character."""
    left, w, right = rec[:2], rec[2:4], rec[4:6]
    return ("R" + w + right, "L" + left + w)


@corpus_check(CONTEXT, severity="warning", index="typo", version=1)
def context_word(corpus, ctx):
    """What it flags:
    A real word in a context where the corpus itself writes its sound-alike twin: a twin
    word (two frequent jieba words one sound-alike character apart, 权利/权力,
    截止/截至, 制定/制订) whose contexts (the two characters after it and before it, or
    the edge of the clause) each occur at most `max_rare` (1) time(s) in the corpus, while
    one two-character context with the twin occurs at least `min_common` (5) times and
    `ratio` (5) times as often, and the other holds the twin at least as often as the
    word. The message gives both counts and the
    first place the frequent form occurs.

    Why it matters:
    权利机关 and 截止目前 are made of real words: no dictionary flags them, only usage does.
    A corpus of official text is its own reference: it writes 国家权力机关 and 截至目前
    dozens of times, and the lone variant is a slip (or a house-style break).

    Example:
    `人民代表大会是国家权利机关` in one file, `国家权力机关` in five others → 权力.

    Fix:
    Replace the word with its twin after reading the sentence (not marked safe: both are
    words). Options: `max_rare` (1), `min_common` (5), `ratio` (5.0), `allow` (words never
    to flag).
    """
    max_rare = ctx.opt("max_rare", 1)
    min_common = ctx.opt("min_common", 5)
    ratio = ctx.opt("ratio", 5.0)
    allow = set(ctx.opt("allow", []))
    feats = [(p, f["twins"], f["conf"]) for p, f in corpus.features("typo")
             if f and f.get("twins")]
    if not feats:
        return
    pad = T.TWIN_PAD
    tw = D.twins()
    tot = corpus.totals.get("typo")  # a part of the corpus: the whole one's counts
    if tot is None:
        # counts of every context: right ("word + 2 after") and left ("2 before + word");
        # the keys are built by slicing and counted by Counter's C loop
        right_n: Counter = Counter()
        left_n: Counter = Counter()
        for _p, (offsets, recs), _c in feats:
            right_n.update(right_keys(recs))
            left_n.update(left_keys(recs))
        # the reduce of a full run counts the same contexts of the same seeds in the same
        # order (TypoReduce.build): it takes these
        corpus.memo[CONTEXTS] = (right_n, left_n)
        # contexts that hold a twin often: the few that can make a word's context suspect
        suspect_r: dict[str, list[tuple[str, int]]] = {}
        suspect_l: dict[str, list[tuple[str, int]]] = {}
        for counts, suspect, word_at in ((right_n, suspect_r, slice(0, 2)),
                                         (left_n, suspect_l, slice(2, 4))):
            for tkey, nt in counts.items():
                if nt < min_common or pad in tkey:
                    continue  # a clause edge is too common a context to favour a word
                t = tkey[word_at]
                for w in tw.get(t, ()):
                    key = tkey[:word_at.start] + w + tkey[word_at.stop:]
                    n = counts.get(key, 0)
                    if 0 < n <= max_rare and nt >= ratio * n and w not in allow:
                        suspect.setdefault(key, []).append((t, nt))

        def suspects(side: str, key: str) -> list[tuple[str, int]]:
            return (suspect_r if side == "R" else suspect_l).get(key, ())

        def hit_indices(rks: list[str], lks: list[str]) -> list[int]:
            # (a suspect key's list is never empty: a look-up is the test, in C loops)
            return list(compress(range(len(rks)), map(or_, map(suspect_r.__contains__, rks),
                                                      map(suspect_l.__contains__, lks))))
    else:
        # the same, for the contexts of this part of the corpus only: the twins that can
        # make ``key`` suspect, in the order the whole corpus's counters hold them
        right_n, left_n = tot.right_n, tot.left_n
        inv = inverse_twins()
        memo: dict[tuple[str, str], list[tuple[str, int]]] = {}

        def suspects(side: str, key: str) -> list[tuple[str, int]]:
            got = memo.get((side, key))
            if got is None:
                got = []
                counts = right_n if side == "R" else left_n
                w = key[:2] if side == "R" else key[2:]
                n = counts.get(key, 0)
                if 0 < n <= max_rare and w not in allow:
                    for t in inv.get(w, ()):
                        tkey = t + key[2:] if side == "R" else key[:2] + t
                        nt = counts.get(tkey, 0)
                        if nt < min_common or pad in tkey or nt < ratio * n:
                            continue
                        got.append((t, nt))
                    if len(got) > 1:
                        got.sort(key=lambda x: tot.order(
                            side, x[0] + key[2:] if side == "R" else key[:2] + x[0]))
                memo[(side, key)] = got
            return got

        def hit_indices(rks: list[str], lks: list[str]) -> list[int]:
            return [k for k in range(len(rks)) if suspects("R", rks[k]) or suspects("L", lks[k])]
    found = []  # (path, offset, word, twin, key, twin key, n, n twin)
    for path, (offsets, recs), conf in feats:
        rks, lks = right_keys(recs), left_keys(recs)
        hits = hit_indices(rks, lks)
        if not hits:
            continue
        taken = [(c[0], c[1]) for c in conf]
        for k in hits:
            rk, lk, off = rks[k], lks[k], offsets[k]
            w = rk[:2]
            if right_n[rk] > max_rare or left_n[lk] > max_rare:
                continue  # a context the corpus uses with this word again is its usage
            best = None
            for side, key, counts, okey, ocounts in (
                    ("R", rk, right_n, lk, left_n),
                    ("L", lk, left_n, rk, right_n)):
                for t, nt in suspects(side, key):
                    if side == "R":
                        tkey, tother = t + key[2:], okey[:2] + t
                    else:
                        tkey, tother = key[:2] + t, t + okey[2:]
                    if ocounts.get(tother, 0) < ocounts[okey]:
                        continue  # the other side favours the word as written
                    if best is None or nt > best[4]:
                        best = (t, side + key, side + tkey, counts[key], nt)
            if best is None or _overlaps(off, off + 2, taken):
                continue
            found.append((path, off, w) + best)
    if not found:
        return
    first: dict[str, tuple[str, int]] = {}
    wanted = {x[5] for x in found}
    if tot is not None:
        first = {key: tot.first(key) for key in wanted}
    else:
        for path, (offsets, recs), _c in feats:
            for k, off in enumerate(offsets):
                for key in _twin_keys(recs[6 * k:6 * k + 6]):
                    if key in wanted and key not in first:
                        first[key] = (path, off - (2 if key[0] == "L" else 0))
            if len(first) == len(wanted):
                break
    for path, off, w, t, key, tkey, n, nt in found:
        phrase, tphrase = key[1:], tkey[1:]
        fpath, foff = first[tkey]
        related = [corpus.seed(fpath).location(foff, foff + 4)]
        yield Hit(off, off + 2,
                  f"{phrase} occurs {n} time(s) in the corpus, {tphrase} {nt} times "
                  f"(first in {fpath}); {w} and {t} sound alike and both are words, so "
                  "only usage tells",
                  path=path, fix=Fix(t, safe=False), related=related,
                  evidence={"twin": t, "phrase": phrase, "phrase_count": n,
                            "twin_phrase": tphrase, "twin_phrase_count": nt})


@corpus_check(LANGUAGE_MODEL, severity="warning", index="typo", version=7)
def language_model(corpus, ctx):
    """What it flags:
    A character that a language model of Chinese finds far less likely in its clause
    than a sound-alike or look-alike: swapping it makes a jieba word of 2-3 characters
    (frequency >= 50, or a term the model lists that jieba counts 3-49 times: 抗诉, 正犯;
    not the rarest ones against a character that is the substitute with a radical added,
    铆足劲) with its neighbours, and the model (fcitx's libime word trigrams,
    read with KenLM) scores the clause at least `min_gain` (14.0) nats higher with the
    swap, or `both_gain` (11.5) when the substitute both sounds and looks alike (脉博 →
    脉搏) and the character is not a frequent word on its own (不, 是); a front/back
    nasal near-homophone (名族 → 民族) only where the text as written is no word. It
    finds slips that make another real word, which only context tells apart (依法行驶职权 → 行使),
    and non-words the dictionary checks leave to it (毕然 → 必然). A compound term of four
    characters (a jieba word, no idiom, name or abbreviation: 法律制裁, 简政放权) with one
    character swapped (法津制裁, 减政放权) is found too where the half holding the changed
    character is no word anywhere and the model reads the clause at least
    `compound_gain` (10.0) nats likelier (detector `lm-compound`; a form the file writes
    twice is its own term). A whole word that stands for another word of the same pinyin,
    tones aside, both characters different (人民发源 → 法院, 可以肢解向 → 直接: a pinyin
    input method's slip) is found where the substitute is a jieba word (frequency >= 50,
    no name) more frequent than the written one and the model reads the clause at least
    `word_gain` (12.0) nats likelier (detector `lm-word`). Only
    tokens with a word pair the model has never seen, and twin words (权利/权力), are
    tried. A clause holding a slip (found by this check or by `typo.confusable-char`,
    `typo.broken-idiom`) is read a second time with those slips repaired, so a slip next
    to another is not judged against a broken context (这项值度的什施 → 制度 once 什施 is
    实施; the message says so). Left alone: numerals (the figure checks' business),
    characters jieba's tagger reads as part of a name, or Baidu's LAC model reads inside a name reaching beyond the
    window (王运熙, 坂子矶; `names`), newer words that jieba's dictionary lacks and the
    model knows well (大咖, 美妆: unigram probability at least 10^-5.4), swaps that would
    cut such a word (三家央企: no 家养) or that lie inside a longer word of the model's
    vocabulary (财付通), windows inside a
    short quotation (at most 5 characters: “中国智造”), forms in `allow`,
    forms that recur in
    `term_files` (3) files of the corpus or that the model flags twice in one file (the
    file's usage: 旅彰, 监誓), and places another typo check already reports (one typo,
    one finding).

    Why it matters:
    Most typos in real text are ordinary characters in the wrong place; a dictionary sees
    words, a language model sees that the words do not go together.

    Example:
    `医生为病人测量脉博和血压` → 脉搏; `各单位要依法行驶职权` → 行使.

    Fix:
    Replace the window with the word the model prefers after reading the sentence (not
    marked safe: measured precision on clean official prose is below 0.95, see
    docs/typos.md). Options: `min_gain` (14.0), `both_gain` (11.5), `compound_gain`
    (10.0), `word_gain` (12.0), `names` (true),
    `term_files` (3), `allow` (forms never to flag).
    """
    if not L.available():
        raise ConfigError(f"{LANGUAGE_MODEL}: {L.missing_reason()}; or switch the check off "
                          f"with [tool.seedcheck] ignore = [\"{LANGUAGE_MODEL}\"]")
    for path, c, n, nfiles in _confusions(corpus, ctx,
                                          ("lm", "lm-after", "lm-compound", "lm-word")):
        yield _confusion_hit(path, c, n, nfiles)


@corpus_check(NEURAL, severity="warning", index="typo", version=1)
def neural(corpus, ctx):
    """What it flags:
    Off until `model` names a folder with a neural spelling corrector exported to ONNX
    (`model.onnx` and `tokenizer.json` or `vocab.txt`; seedcheck downloads nothing). The
    model reads each sentence (at most `max_len`, 126, characters a piece) and writes
    each character as it should be; a Han character it writes as another with
    probability at least `min_prob` (0.9) is flagged: with `alike_only` (true) only a
    sound-alike or look-alike of the written character (the confusion tables the other
    typo checks use). This is what finds the real-word slips only context tells apart
    (在/再, 的/地, 做/作) where the rule-based checks stop. Left alone: characters the
    taggers read inside a name (`names`), places another typo check already reports (one
    typo, one finding), windows inside a short quotation, forms in `allow`, forms the
    model flags twice in one file, and forms that recur in `term_files` (3) files.

    Why it matters:
    The commonest slips of native writers are real characters in the wrong place; a
    dictionary and a word trigram model miss most of them (docs/typos.md).

    Example:
    With a corrector named: `让农民工流血、流汗不在流泪` → 不再.

    Fix:
    Replace the window with the model's form after reading it (never marked safe; the
    precision depends on the model: measure it on your own clean text first,
    `bench/bench_typo.py --neural DIR`). Options: `model`, `min_prob` (0.9),
    `alike_only` (true), `names` (true), `batch` (16), `max_len` (126), `term_files`
    (3), `allow`. Needs the `neural` extra (pip install -e ".[neural]").
    """
    for path, c, n, nfiles in _confusions(corpus, ctx, ("neural",)):
        yield _confusion_hit(path, c, n, nfiles)


# the counts above, kept over the corpus and updated seed by seed (checks/typo_reduce.py)
index_reduce("typo", TypoReduce(RARE, CONTEXT, (CONFUSABLE, IDIOM, LANGUAGE_MODEL, NEURAL)))
