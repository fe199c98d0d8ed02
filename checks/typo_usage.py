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
  (不在适合), and the other frames of :func:`find_real_word_slips` (再会议上, 无论走到那里,
  发生了那些变化呢, 做为, 累积下跌38%, 笑到：“, 9时30份, 向记者反应, 即……又, 有……主办,
  收欢迎, 踢到在地, 去大学报道, 收贿; 被外界成为, 签定合同, 渡过春节, 网友反应, 深深的叹息了,
  这样以来, 高大42%, 做出重要批示, 作好准备, 酒店预定量, 随著美股, 一但误食).

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


@functools.lru_cache(maxsize=16)
def find_variant_forms(text: str, names: bool = True, usage: bool = True
                       ) -> tuple[Usage, ...]:
    """Non-recommended forms (GF 1001-2001; 像 words of the 1986 table) that jieba reads as
    a word: the form is a whole token, or lies inside a token that is a dictionary word
    once the form is replaced (想像力 → 想象力). 确定单位 holds no 定单 (确定|单位)."""
    if not text:
        return ()
    hits = list(_variant_re().finditer(text))
    if not hits:
        return ()
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
            if not usage and source == "USAGE":
                break
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
            elif entry[0] == "USAGE":
                why = (f"{m.group()} is the older spelling of {right}, which current "
                       f"official prose writes (jieba's dictionary counts {right} "
                       f"{freq.get(right, 0):,} times, {m.group()} {freq.get(m.group(), 0):,}; "
                       "not a form of GF 1001-2001)")
            else:
                why = (f"{m.group()} is the pre-1986 spelling of {right}: the 1986 "
                       "《简化字总表》 restored 像 as a character of its own for likeness "
                       "and images")
            out.append(Usage(s, e, m.group(), right, "variant", why))
            break
    return tuple(out)


# -- real-word slips decided by the frame ---------------------------------------------------

# 己 as the object of a classical verb or preposition (于己有益, 常思己过, 以己度人):
# these stay; every other lone 己 token in modern prose is 已 misspelt
_JI_GOVERNORS = frozenset("于为以思律克利损舍正恕推修守责罪归由知异")
# a comparison that 像 opens: 像……一样 / 一般 / 似的 / 那样 / 这样
_LIKE_END = re.compile("一样|一般|似的|那样|这样|般")
# verbs after 不在 that are 不再's: jieba's dictionary tags of verbs
_VERB_TAGS = frozenset({"v", "vd", "vi"})
_SOMEWHAT = frozenset({"有点", "有些", "有点儿"})  # adverbs of degree jieba tags otherwise
# what follows 却 (but) and not 确 (indeed), which stands alone before 是, 有, 应, 甚
_BUT_NEXT = frozenset({"被", "想", "想要", "要", "让", "把", "遭", "遭到", "受到", "偏偏", "反而"})
# what follows 近来 (lately) and not 进来 (come in): adverbs and verbs of how things went
_LATELY_NEXT = frozenset({"颇", "颇受", "颇为", "表现", "对于", "备受", "受到", "一直", "频频",
                          "不断", "持续", "屡屡", "越来越", "更是", "逐渐", "明显", "大幅", "再度",
                          "频繁"})
# prepositions that open a verb phrase after a modal (必须向……发放, 必须把……放在)
_MUST_BEFORE = frozenset({"向", "把", "将", "对", "按", "按照", "依法", "由", "从", "在", "与", "给",
                          "经", "经过", "通过", "以"})
# negations and negative modals before 再 + a verb (不要再吃, 不能再等)
_NEGATIONS = frozenset({"不", "不要", "不用", "不必", "别", "不能", "不会", "不想", "不愿意",
                        "不愿", "不应", "不应该", "不可", "不得", "没必要", "不需要", "不敢"})
# what closes a time or place that 在 opened (不在吃饭时看手机, 不要在开车过程中打电话):
# tokens of the clause (the 时 of 时宜 or 时间 closes nothing)
_CLOSERS = frozenset({"时", "时候", "之时", "中", "当中", "之中", "期间", "前", "之前", "以前",
                      "后", "之后", "以后", "上", "上面", "里", "里面", "下", "下面", "之际",
                      "过程", "过程中", "同时", "内", "之内", "以内"})
_C = "[^，。！？；：、,!?;:\n\r]"  # a character inside one clause
# an embedded question: 不管/无论/不论/到底/究竟 …… 哪里 (written 那里)
_WH_OPENER = re.compile("不管|无论|不论|到底|究竟")
_THAT = "里儿个些种位样款家"  # 那X that reads 哪X in a question
# ... and 那 before a measure word or a numeral (无论加盟那支球队, 无论那一种, 从那年开始)
_MEASURE = "支部年天次条件只场所本届类张座首篇项门批一几"
# question words: a clause holding one asks its own question (不知那个人是谁: 那 stays)
_WH_WORDS = frozenset({"谁", "什么", "怎么", "怎样", "怎么样", "为什么", "为何", "多少",
                       "如何", "吗", "是否", "是不是", "有没有", "能否", "何时", "何地", "何处"})
# 由 …… 组成: the clause ends on the verb whose agent 由 introduces
# (有专人负责, 有人主持 are right: existence; a verb after 来 names the agent again)
_BY_END = re.compile("(?:组成|构成|主办|承办|来(?:决定|负责|主持|承担|处理))$")
# 在 + a place or time + a localizer (再腾讯公司里 → 在)
_LOCALIZERS = frozenset({"上", "中", "里", "内", "期间", "之间", "以来", "方面", "面前",
                         "身边", "当中", "之中", "身上", "附近"})
_HERE = frozenset({"这里", "那里", "这儿", "那儿"})  # a place on its own: 再这里 → 在
# times after 再 that say "later still" or "earlier still" (再后来发生了, 再往后): not the
# time at which something happens
_RELATIVE_TIMES = frozenset({"后来", "以后", "之后", "此后", "往后", "然后", "最后", "过后",
                             "以前", "之前", "此前", "从前", "早", "晚", "早些", "晚些", "一会儿"})
# people who report what they saw or suffered (网友反应腾讯QQ被盗 → 反映); what follows
# 反应 there is the content, a verb or a noun (their reaction is an adjective: 观众反应强烈)
_REPORTERS = frozenset({"网友", "用户", "群众", "居民", "市民", "学生", "家长", "消费者", "读者",
                        "村民", "职工", "患者", "灾民", "乘客", "旅客", "业主", "车主", "买家",
                        "商户", "员工", "游客", "民众", "百姓", "老百姓", "考生", "顾客", "网民"})
# what a reaction is, after 反应 (反应过来, 反应迟钝, 反应不一): not the content of a report
_REACTED = frozenset({"过来", "过", "不过来", "迟钝", "不一", "冷淡", "平淡", "热烈", "强烈",
                      "激烈", "良好", "积极", "消极", "敏感", "灵敏", "一般", "时间", "速度"})
# frames a regular expression decides alone, each (pattern, a literal every match holds,
# the offset of the slip in the match, its right form, rule, why): the slip is the
# character at that offset; ``why`` is formatted with the match as {m}, the match
# repaired as {fix} and the pattern's first group, where it has one, as {g}
_PLAIN = tuple((re.compile(pat), lit, at, right, rule, why) for pat, lit, at, right, rule, why in (
    # 签定 + an agreement → 签订: an agreement is concluded by signing (订, as in 订立, 订约);
    # 签定 is no word of the standard for it
    ("签定(?=了?[^，。！？；：、,!?;:\n\r]{0,10}?(合同|协议|条约|协定|合约|意向书|备忘录|公约))", "签定", 1,
     "订", "qianding", "签定 …… {g}: an agreement is concluded, 签订{g} (订 as in 订立; 定 decides)"),
    # this way: 这样一来 (以来 is "since")
    ("(?:这样|如此|这么)以来", "以来", -2, "一", "yilai",
     "{m}: \"this way\" is {fix} (以来 means \"since\")"),
    # a result caused: 致3人死亡, 殴打致轻伤 (至 is "up to", "until": 增至3人, 打至深夜)
    ("(?<![增升达截直降减])至(?=[0-9０-９一二三四五六七八九十百千两]+[名个]?人"
     "(?:死亡|受伤|遇难|失踪|中毒|伤亡))", "人", 0, "致", "zhi-cause",
     "{m} before the dead or injured: causing them is 致 (至 means \"up to\")"),
    ("(?:殴打|打|撞|砍|刺|捅|击|踢|咬|烧|烫|砸)至(?=死|伤|残|轻伤|重伤|轻微伤|昏迷|骨折)", "至", -1,
     "致", "zhi-cause", "{m}: an injury or death caused is {fix} (至 means \"until\")"),
    # wherever …, there: 哪里便宜去哪里 (the pair of question words; 那里 is "there")
    ("那(里|儿)(?=[^，。！？；：,!?;:\n\r]{1,8}?哪\\1)", "哪", 0, "哪", "nali-wherever",
     "那{g} …… 哪{g}: \"wherever …\" pairs two question words, 哪{g} …… 哪{g}"),
    # since a time: 一个多月以来 (一来 opens a list: 一来……二来)
    ("(?:[0-9０-９一二三四五六七八九十两几]|多)个?(?:月|年|天|周|日|星期|小时)一来", "一来", -2, "以",
     "yilai-since", "{m}: since a time is {fix} (一来 means \"for one thing\")"),
    # what follows, and under a figure: 以下是, 0.03毫米以下 (一下 is "once", "a little")
    ("(?:^|(?<=[，。！？；：,!?;:\n]))一下(?=[是为])", "一下", 0, "以", "yixia",
     "{m} opening the clause: what follows is 以下 (一下 means \"a little\")"),
    ("[0-9０-９](?:毫米|厘米|公里|千克|公斤|万元|亿元|[米克斤元岁度秒%])一下", "一下", -2, "以", "yixia",
     "{m}: under a figure is {fix} (一下 means \"a little\")"),
    # each: 12月各发行商 (个 after a month measures nothing: 个人, 个税 are other words)
    ("(?<=[0-9０-９一二三四五六七八九十]月)个(?![人税体别性股案头子位例中])(?=[\u4e00-\u9fff]{2})",
     "月个", 0, "各", "ge-each",
     "个 after a month, before a noun: each is 各 (个 counts nothing here)"),
    # a figure reached: 高达42%, 多达近2万, 总计达1000 (高大 is tall, 多大 how big)
    ("(?:[多高]|总计|共计|累计|合计|总共)大(?=(?:近|约|超过)?[0-9０-９一二三四五六七八九十两百千万亿])",
     "大", -1, "达", "da",
     "{m} before a figure: reaching a figure is {fix} ({m} is no verb of reaching)"),
    # a market's turbulence is 震荡 (振荡 is a physical oscillation)
    ("(?:市场|股市|A股|股指|大盘|行情|金融|楼市|汇市|油价|汇率|金价|股价|经济|政局)振荡", "振荡", -2,
     "震", "zhendang",
     "{m}: the turbulence of a market or an economy is {fix} (振荡 is an "
     "oscillation of physics)"),
    # a state restored: 恢复正常 (回复 is to reply)
    ("回复(?=了?(?:正常|正?增长|意识|平静|元气|健康|秩序|生产|营业|运行|通车|供电|供水|原状|原貌|本色|"
     "知觉|体力|信心|活力|名誉|平衡|稳定|常态|原样|视力|听力))", "回复", 0, "恢", "huifu",
     "回复 before a state: a state is restored, 恢复 (回复 is to reply)"),
    # a post on a forum is 帖 (贴 is to paste): 发帖, 回帖, 跟帖
    ("(?:发|回|跟|顶|删|置顶)贴(?![纸画花片金身士心补上在到])", "贴", -1, "帖", "tie",
     "{m}: a forum post is 帖 ({fix}; 贴 is to paste or stick)"),
    # sold out: 卖出去 (买 is to buy, which goes 买进, 买回)
    ("买出(?=去)", "买出", 0, "卖", "maichu",
     "买出去: what goes out is sold, 卖出去 (买 is to buy)"),
    # a decision, a ruling, an instruction or an arrangement is 作出 (作出重要指示, 作出判决):
    # 125 to 0 in the news transcripts and rmrb_clean.tsv; 做出 makes a thing (做出一桌菜),
    # and 做出贡献, 做出说明, 做出回应, which that prose also writes, are left alone
    ("做出(?![来去])(?=[了的]?[^，。！？；：、,!?;:\n\r“”]{0,5}?"
     "(判决|裁决|裁定|批示|指示|部署|处罚|处分|决策|处理|安排))", "做出", 0, "作", "zuochu",
     "做出 …… {g}: a decision, a ruling, an instruction or an arrangement is made with "
     "作: 作出{g} (做出 makes a thing)"),
    # a report is delivered with 作 (作政府工作报告: 14 to 1 in the news transcripts,
    # rmrb_clean.tsv and the People's Daily of January 1998); 做好 (doing well) and 做空
    # (selling short) are other words
    ("做(?![好出空实完])(?=了?[^，。！？；：、,!?;:\n\r“”]{0,8}?工作报告)", "工作报告", 0, "作",
     "zuobaogao", "做 …… 工作报告: a report is delivered, 作报告 (作政府工作报告)"),
    # 致力 takes its goal with 于 (致力于宣传: 90 to 0 in the news transcripts and
    # rmrb_clean.tsv); 致力与 is no word
    ("致力与", "致力与", 2, "于", "zhiliyu",
     "致力与: devoting oneself to a goal is 致力于 (与 means \"with\", \"and\")"),
    # where a thing lies: 关键在于, 优势在于 (在与 is "at … with": 在与会议代表交流)
    ("(?:关键|优势|亮点|原因|意义|特点|区别|秘诀|难点|重点|价值|目的|根源|症结|本质|差别|差异|"
     "魅力|核心|要害|根本|问题|奥秘|诀窍|奥妙|好处|缺点|不足|弊端|妙处)在与", "在与", -1, "于", "zaiyu",
     "{m}: where a thing lies is {fix} (在与 is \"at\" + \"with\")"),
    # 问计于民, 取信于民: the people are reached with 于 (与民 is "with the people": 与民对话)
    ("(?:问计|问政|问需|取信|造福|还利|让利|藏富|还权|还富|求教)与民", "与民", -2, "于", "yumin",
     "{m}: the people are the object reached, {fix} (与民 means \"with the people\")"),
    # booking is 预订 (酒店预订, 提前预订, 预订量); 预定 schedules (预定轨道, 预定目标)
    ("(?:(?<=酒店|机票|车票|门票|客房|房间|在线|提前)预定|预定(?=量|酒店|机票|车票|门票|客房|房间|座位|餐位))",
     "预定", -1, "订", "yuding",
     "{m}: booking a room, a seat or a ticket is 预订 (预定 fixes a plan or a course in "
     "advance: 预定轨道)"),
    # a person counted: 一位名叫, 这位名叫 (为 is "for" or "be")
    ("(?:[这那每一两几]|[0-9０-９]{1,4}|[二三四五六七八九十])为(?=名叫)", "为名叫", -1, "位", "wei",
     "{m}名叫: a person is counted with the measure word 位 ({fix}名叫)"),
))
# 被 …… 成为 → 称为: no passive of 成为 (become); what one is called is 被称为 (被培养成为,
# with a verb between, is a passive of that verb and stays)
_CALLED = re.compile("被" + "[^，。！？；：、,!?;:\n\r]{0,8}?成为")
# 渡过 + a time → 度过: time is spent (度); a river, a strait or a hard time is crossed
# (渡过难关, 渡过危机 stay)
_TIME_NOUNS = frozenset({"时光", "岁月", "日子", "假期", "暑假", "寒假", "周末", "童年", "晚年",
                         "余生", "一生", "春节", "节日", "生日", "假日", "夜晚", "一夜", "一天",
                         "一晚", "一年", "时期", "时刻", "晚上", "除夕", "新年", "中秋", "国庆",
                         "佳节", "蜜月", "青春", "半生", "时间", "光阴", "年华"})
_TIME_UNITS = ("年", "天", "日", "月", "周", "夜", "晚", "小时", "个月", "星期", "载", "秋")
_NOMINAL = frozenset("nsftr")  # first letters of jieba's tags of nouns, places, times and
# pronouns (not numerals: 再三年内 is "again, within three years")
_DEGREE = frozenset("很 非常 十分 太 特别 比较 那么 这么 有点 有些 更 更加 极其 相当 挺 "
                    "越来越 如此".split())
# the triggers: a clause is segmented only where one occurs (each alternative a bounded
# literal, so the scan is linear: the frames' other ends are looked for in the clause).
# Every alternative opens on a plain character (？|\? and 要在|用在|…, not [？?] and
# (?:要|用|…)在): then re compiles the set of first characters into the pattern, and the
# scan skips in C the positions where no trigger starts (24 us a 5 KB seed, not 130)
_SCAN = re.compile("自已|己|象|必须品|必需|进来|确|届|仍就|另|近一步|像[^，。！？；：、,!?;:\n\r]{1,14}?(?:学习|致敬|看齐|请教|求助|转移|倾斜|靠拢|道歉|汇报|伸手|借)|不在|呢|？|\\?|做为|累积|与(?:[0-9０-９]|[昨明今本年近上下]|日前)|于|既|带|收到|接收|收(?=[一-龥])|有[0-9０-９一二三四五六七八九十两]|要在|用在|必在|别在|能在|会在|想在|愿在|应在|可在|得在|敢在|份子|反应|再|作法|"
                   "的(?:很|非常|十分|太|特别|比较|那么|这么|有点|有些|更|极其|相当|挺|越来越|如此)|"
                   "组成|构成|主办|承办|来(?:决定|负责|主持|承担|处理)|即|不管|无论|不论|到底|究竟|渡过|做案|做证|"
                   "著|一但")
# the tokens the frame rules of find_real_word_slips test first (each rule opens on
# ``t == …``, ``t in (…)`` or ``t[0] == "那"``): the other tokens of a clause, nine in
# ten, are passed over without the chain of tests
_RULE_TOKENS = frozenset(("自已 己 象 象是 进来 确 的 做 做为 累积 届 就 另 像 近 将近 必须品 必需 作法 不在 在 "
                          "带 带着 带上 带了 佩带 收到 接收 收 份子 反应 即 有 与 于 不再 再 渡过 做案 "
                          "著 一").split())
_CLAUSE_END_RE = re.compile("[" + re.escape(_CLAUSE_END) + "]")
# regular expressions that decide alone: 说到：“ → 说道; 9时40份 → 分; 三份之二 → 分之
_SAID = re.compile("[说写问答笑叹喊骂嚷讲]到[：:“\"]")
_MINUTE = re.compile("[0-9０-９]时[0-9０-９]{1,2}份|[一二三四五六七八九十百]份之[一二三四五六七八九十]")
# 踢到在地 → 倒: a verb that knocks or throws down, then 到 before 在 and the place where
# the thing lies (看到在, 见到在 see something at a place: not these verbs)
_FELL = re.compile("[踢推撞摔砍扑跌绊击撂掀倾]到(?=在)")
# 去大学报道 → 报到: to register at a school or a unit on arrival (报道 reports news)
_REPORT = re.compile("(?:(?:[去到赴回]|前往|来到)" + "[^，。！？；：、,!?;:\n\r]{0,8}?"
                     "(?:大学|学校|学院|中学|小学|部队|单位)|开学|入学|入职)报道")
# 作好 → 做好: a task done well, readiness (做好准备, 做好工作: 0 作好 against 274 做好 in the
# news transcripts and rmrb_clean.tsv); not a composition (作好诗, 作好曲) nor the 作 of a
# word before 好 (工作好, 制作好的: see find_real_word_slips)
_WELL = re.compile("作好(?![诗曲画词赋对歹]|文(?!章))")
_WORD_BEFORE = 100  # jieba frequency of a word X作 whose 作 is not the slip (经作: 4)
# 收贿 → 受贿: one takes (受) a bribe; 收贿赂 (收受贿赂 shortened) stays
_BRIBE = re.compile("收贿(?!赂)")
# 公司高官 → 高管: a company's senior managers are 高管 (高官 are high officials of a state)
_MANAGER = re.compile("(?<=公司|企业|集团)高官")
# 反到是, and 到是 opening a clause → 倒是 (on the contrary; 到 means reaching, and a
# clause does not open on it: 到是时候了 stays)
_RATHER = re.compile("反到(?=是)|(?:(?<=^)|(?<=[，。！？；：,!?;:\n]))到(?=是(?!时候))")
# 在次 + a verb → 再次 (在次日, 在次年 … stay: 在 + the next day)
_AGAIN = re.compile("在次(?=[^日年月周晨之序要级数第，。！？；：、,!?;:\n\r])")
# 权力 (power) where 权利 (a right) belongs: a right is infringed (权力被侵害 → 权利; power
# is curbed or abused: 权力被制约 stays), rights go with duties (权力和义务), and the
# sentence deprives one of political rights for a term (剥夺政治权力九年)
_RIGHTS = re.compile("权力(?=(?:被|受到?|遭到?)(?:侵害|侵犯|损害)|[和与及、]?义务)|"
                     "(?<=义务[和与及、])权力|(?<=剥夺政治)权力(?=终身|[0-9０-９一二三四五六七八九十两]+年)")


@functools.lru_cache(maxsize=None)
def _collocation_re() -> re.Pattern[str]:
    """收/带 (with 到, 着, 上, 了) before the rest of a jieba word of 受/戴 (受欢迎, 戴眼镜)
    that makes no word with 收/带: the only places the collocation rule looks at. The
    pattern's text is kept in the typo tables file (two passes over jieba's dictionary
    otherwise)."""
    return re.compile(D._kept("collocation_pattern", _collocation_pattern))


def _collocation_pattern() -> str:
    freq = D.word_freq()
    alts = []
    for wrong, twin, aux in (("收", "受", "到?"), ("带", "戴", "[着上了]?")):
        rests = sorted({w[1:] for w, f in freq.items() if f >= 3 and len(w) >= 2
                        and w[0] == twin and not freq.get(wrong + w[1:])},
                       key=len, reverse=True)
        if rests:
            alts.append(wrong + aux + "(?:" + "|".join(map(re.escape, rests)) + ")")
    return "|".join(alts) or "(?!)"


@functools.lru_cache(maxsize=16)
def find_real_word_slips(text: str, names: bool = True) -> tuple[Usage, ...]:
    """Real characters in a frame where their twin belongs (see the module docstring).
    The last texts' answers are kept: the file check and the typo index ask for the same
    seed one after the other."""
    if not text:
        return ()
    out: list[Usage] = []
    # (the frames below that need a word of two characters are scanned only when the
    # text holds it: most regular expressions here cannot skip ahead to a literal, as a
    # look-behind or a class opens them, and each scan of a 5 KB seed costs 20-60 us)
    for m in _SAID.finditer(text):
        verb = text[m.start()]
        at = m.start() + 1
        out.append(Usage(at, at + 1, "到", "道", "said",
                         f"{verb}到 introduces a quotation: the verb of saying is "
                         f"{verb}道 (到 means arriving or reaching)"))
    for m in _MINUTE.finditer(text) if "份" in text else ():
        at = m.start() + m.group().index("份")
        frac = text[at + 1:at + 2] == "之"
        out.append(Usage(at, at + 1, "份", "分", "fen",
                         "份 in a fraction (X份之Y): the fraction is X分之Y" if frac else
                         "份 after the hour of a time of day: minutes are 分"))
    for m in _FELL.finditer(text) if "到在" in text else ():
        at = m.start() + 1
        out.append(Usage(at, at + 1, "到", "倒", "dao-fell",
                         f"{m.group()}在: {text[m.start()]} knocks or throws a thing down, "
                         f"and it lies 在 a place: {text[m.start()]}倒在 (到 means reaching)"))
    for m in _REPORT.finditer(text) if "报道" in text else ():
        at = m.end() - 1
        out.append(Usage(at, at + 1, "道", "到", "baodao",
                         f"{m.group()}: registering on arrival at a school or a unit is 报到 "
                         "(报道 is a news report)"))
    for m in _MANAGER.finditer(text) if "高官" in text else ():
        at = m.start() + 1
        out.append(Usage(at, at + 1, "官", "管", "gaoguan",
                         f"{text[m.start() - 2:m.start()]}高官: a company's senior managers "
                         "are 高管 (高官 are high officials of a state)"))
    for m in _RATHER.finditer(text) if "到是" in text else ():
        at = m.end() - 1
        out.append(Usage(at, at + 1, "到", "倒", "daoshi",
                         f"{m.group()}是 opens a contrast: 倒是 (rather; 到 means reaching)"))
    for m in _AGAIN.finditer(text) if "在次" in text else ():
        at = m.start()
        out.append(Usage(at, at + 1, "在", "再", "zaici",
                         f"在次 before {text[m.end()]}: once more is 再次 (在次日: on the next "
                         "day)"))
    for m in _RIGHTS.finditer(text) if "权力" in text else ():
        at = m.start() + 1
        after = text[m.end():m.end() + 4]
        frame = ("a right is infringed" if after[:1] in "被受遭" else
                 "the sentence deprives one of political rights"
                 if text[m.start() - 2:m.start()] == "政治" else
                 "rights go with duties (权利和义务)")
        out.append(Usage(at, at + 1, "力", "利", "quanli",
                         f"权力 (power) where {frame}: that is 权利 (a right)"))
    for pat, lit, off, right, rule, why in _PLAIN:
        if lit in text:
            for m in pat.finditer(text):
                at = m.end() + off if off < 0 else m.start() + off
                i = at - m.start()
                fix = m.group()[:i] + right + m.group()[i + 1:]
                out.append(Usage(at, at + 1, text[at], right, rule,
                                 why.format(m=m.group(), fix=fix,
                                            g=m.group(1) if pat.groups else "")))
    for m in _CALLED.finditer(text) if "成为" in text else ():
        u = _called(text, m.start())
        if u is not None:
            out.append(u)
    for m in _WELL.finditer(text) if "作好" in text else ():
        at = m.start()
        if at and D.word_freq().get(text[at - 1:at + 1], 0) >= _WORD_BEFORE:
            continue  # the 作 of a word (工作好, 合作好, 制作好的)
        out.append(Usage(at, at + 1, "作", "做", "zuohao",
                         f"作好{text[m.end():m.end() + 2]}: doing a task well, or getting "
                         "ready, is 做好 (做好准备, 做好工作; 作 composes or acts as)"))
    for m in _BRIBE.finditer(text) if "收贿" in text else ():
        out.append(Usage(m.start(), m.start() + 1, "收", "受", "shouhui",
                         "收贿: to take a bribe is 受贿 (受, as in 受贿罪; 收 receives a thing)"))
    hits = list(_SCAN.finditer(text)) + list(_collocation_re().finditer(text))
    if "的" in text:
        # 的 after a manner word (深深的, 认真的, 无缘无故的): set look-ups, not a pattern
        # of every idiom
        manner = _manner_words()
        hits += [m for m in _DE.finditer(text)
                 if (m.start() >= 2 and text[m.start() - 2] == text[m.start() - 1])
                 or text[m.start() - 2:m.start()] in manner
                 or text[m.start() - 4:m.start()] in manner]
    if not hits:
        return tuple(sorted(out))
    tags = D.word_tags()
    freq = D.word_freq()
    done: set[tuple[int, int]] = set()
    # the clause around a hit, as _clause_at finds it, by two searches in C: its end is
    # the first mark at or after the hit, its start follows the last mark before it (the
    # first at or after the hit's mirror offset in the reversed text)
    n = len(text)
    rev = text[::-1]
    for m in hits:
        i = m.start()
        e = _CLAUSE_END_RE.search(text, i)
        b = e.start() if e is not None else n
        e = _CLAUSE_END_RE.search(rev, n - i)
        a = n - e.start() if e is not None else 0
        if (a, b) in done:
            continue
        done.add((a, b))
        clause = text[a:b]
        toks = _tokens(clause)
        for k, (pos, t) in enumerate(toks):
            if t not in _RULE_TOKENS and t[0] != "那":
                continue
            prev = toks[k - 1][1] if k else ""
            nxt = toks[k + 1][1] if k + 1 < len(toks) else ""
            s = a + pos
            if t == "著" and prev and tags.get(prev, "x")[0] == "v":
                # 著 as the aspect particle after a verb (随著, 排著长队, 系著安全带) → 着: in
                # the standard simplified script the particle is 着 and 著 is zhù; a 著 that
                # jieba leaves as a token of its own after a verb is that particle (著名,
                # 著作, 显著, 音著协 are other tokens or follow no verb). The transcripts
                # and rmrb_clean.tsv hold no such 著
                out.append(Usage(s, s + 1, "著", "着", "zhe",
                                 f"著 after the verb {prev}: the aspect particle is 着 "
                                 f"({prev}着); in the standard simplified script 著 is "
                                 "zhù (著名, 著作)"))
            elif t == "一" and nxt == "但":
                # 一但 → 一旦 (once, if ever): 一 and 但 as tokens of their own; where 一 ends
                # a word (统一但, 唯一但, 第一但) jieba keeps that word and nothing fires. No
                # 一但 in the news transcripts or rmrb_clean.tsv, 一旦 28 times
                out.append(Usage(s + 1, s + 2, "但", "旦", "yidan",
                                 "一但 opens a condition: once is 一旦 (但 is but; the 一 of "
                                 "统一, 唯一 before 但 is another word)"))
            elif t == "自已":
                out.append(Usage(s + 1, s + 2, "已", "己", "zi-ji",
                                 "自已 is no word: the reflexive pronoun is 自己 (已 means "
                                 "already)"))
            elif t == "己" and nxt and D.HAN_RE.match(nxt[0]) and (
                    not prev or prev[-1] not in _JI_GOVERNORS):
                if names and _name_here(clause, pos):
                    continue
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
            elif t in ("象", "象是"):
                like = _LIKE_END.search(clause, pos + 1)
                # 就象, 好象: an adverb before a verb (有点, 有些: jieba tags them nouns)
                adverb = tags.get(prev) == "d" or prev in _SOMEWHAT
                if not adverb and like is None and tags.get(nxt) == "m" and nxt[:1] == "一" and (
                        not prev or prev[-1] not in "头只群"):
                    like = re.compile(re.escape(nxt)).search(clause, pos + 1)  # 象一只猴子
                if (like is None and not adverb) or not nxt or (prev and prev[-1] in "头只群"):
                    continue  # no comparison, or an elephant (一头象)
                if names and _name_here(clause, pos):
                    continue
                frame = (f"opens a comparison closed by {like.group()} "
                         f"({clause[pos:like.end()]})" if like is not None else
                         f"follows the adverb {prev} as a verb ({prev}{t}{nxt})")
                out.append(Usage(s, s + 1, "象", "像", "xiang",
                                 f"象 {frame}: since the 1986 《简化字总表》 the verb of "
                                 "likeness is 像"))
            elif t == "的" and prev and (tags.get(prev) in ("v", "vn") or (
                    len(prev) == 1 and tags.get(prev) == "zg")) and nxt and (
                    nxt in _DEGREE or nxt[:2] in _DEGREE or nxt[0] in _DEGREE):
                # 表现的比较软弱 → 得: a verb, 的, a degree adverb and an adjective that
                # ends the clause is a complement of degree (a relative clause goes on to
                # its noun: 面临的更多的困难)
                rest = toks[k + 2:] if nxt in _DEGREE else [(0, nxt)] + list(toks[k + 2:])
                if nxt in _DEGREE and not rest:
                    continue
                if rest and (tags.get(rest[0][1]) in ("a", "ad", "v", "d") or (
                        len(rest[0][1]) == 1 and tags.get(rest[0][1]) == "n")) and all(
                        w in ("了", "啊", "呢") for _p, w in rest[1:]):
                    tail = nxt + rest[0][1] if nxt in _DEGREE else nxt
                    out.append(Usage(s, s + 1, "的", "得", "de",
                                     f"{prev}的{tail} ends the clause: a "
                                     f"complement of degree after the verb {prev} takes "
                                     "得"))
            elif t == "的" and nxt and nxt not in _COPULAS and _manner(prev) and (
                    k + 2 < len(toks)) and (
                    (tags.get(nxt) in _VERB_TAGS and tags.get(toks[k + 2][1]) == "r") or (
                        tags.get(nxt) in _VERB_TAGS | {"vn"}
                        and toks[k + 2][1] in ("了", "着", "过"))):
                # 深深的欺骗了你, 无缘无故的骂我们 → 地: a manner (an idiom, a reduplicated
                # word, an adverbial adjective) before a verb that takes 了/着/过 or a
                # pronoun object is an adverbial, whose mark is 地 (的 goes before a noun)
                then = toks[k + 2][1]
                out.append(Usage(s, s + 1, "的", "地", "de-manner",
                                 f"{prev}的{nxt}{then}: {prev} tells how {nxt} is done, and "
                                 f"{nxt} is a verb ({nxt}{then}): an adverbial takes 地"))
            elif t == "的" and nxt in _COVERBS and tags.get(nxt) == "p" and _manner(prev):
                # 默默的把金针菇, 慢慢的向大陆 → 地: a preposition opens the verb's phrase,
                # and nothing that 的 could go before (的 goes before a noun)
                out.append(Usage(s, s + 1, "的", "地", "de-manner",
                                 f"{prev}的{nxt}: {prev} tells how something is done, and the "
                                 f"preposition {nxt} opens the verb's phrase: an adverbial "
                                 "takes 地"))
            elif t in ("做案", "做") and (t == "做案" or nxt == "证"):
                # 顶风做案, 出庭做证 → 作案, 作证: the words of the standard (jieba counts
                # 作案 80 times, 做案 3; 做证 is no word)
                word = "作案" if t == "做案" else "作证"
                out.append(Usage(s, s + 1, "做", "作", "zuo-an",
                                 "做案: committing a crime is 作案 (jieba frequency "
                                 f"{freq.get(word, 0)}, 做案 {freq.get('做案', 0)})"
                                 if t == "做案" else
                                 "做证: testifying is 作证 (jieba frequency "
                                 f"{freq.get(word, 0)}; 做证 is no word)"))
            elif (t == "做" and nxt == "为" or t == "做为") and not _for_purpose(
                    toks, k + (1 if t == "做为" else 2)):
                out.append(Usage(s, s + 1, "做", "作", "zuowei",
                                 "做为 is no word: the preposition and verb \"as\" is 作为 "
                                 f"(jieba's dictionary counts 作为 {freq.get('作为', 0):,} "
                                 f"times, 做为 {freq.get('做为', 0):,})"))
            elif t == "累积" and clause[pos + 2:pos + 3] not in ("至", "到") and _FIGURE.search(
                    clause, pos + 2):
                # 累积至4亿 grows to a sum (accumulates); 累积下跌38% adds figures up
                fig = _FIGURE.search(clause, pos + 2).group()
                out.append(Usage(s + 1, s + 2, "积", "计", "leiji",
                                 f"累积 is followed by the figure {fig} in the clause: a total "
                                 "added up is 累计 (累积 is to accumulate)"))
            elif t == "届" and prev and freq.get(prev + "界", 0) >= 3 and not freq.get(
                    prev + "届"):
                # 科学届, 教育届 → 界: a field's people (jieba's word 科学界); 届 counts
                # sessions and classes after a numeral (第三届, 2014届, 本届)
                out.append(Usage(s, s + 1, "届", "界", "jie",
                                 f"{prev}届: the people of a field are {prev}界 (jieba "
                                 f"frequency {freq[prev + '界']}); 届 counts sessions and "
                                 "classes"))
            elif t == "就" and prev == "仍" and tags.get(nxt, "x")[0] in "val":
                # 仍就挂着, 仍就困难重重 → 仍旧 (still); 仍就此事 (就, regarding) stays
                out.append(Usage(s, s + 1, "就", "旧", "rengjiu",
                                 f"仍就 before {nxt}: still is 仍旧 (就 before a verb or an "
                                 "adjective after 仍 makes no word)"))
            elif t == "另" and nxt in ("人", "人们", "众人", "全场"):
                # 另人作呕, 另全场沸腾 → 令: to make someone feel (another person is 另一人)
                out.append(Usage(s, s + 1, "另", "令", "ling",
                                 f"另{nxt}: making {nxt} feel or do something is 令{nxt} "
                                 "(另 means other; another person is 另一人)"))
            elif t == "像" and nxt and _LIKE_END.search(clause, pos + 1) is None and (
                    toward := _toward_after(toks, k + 1)) is not None:
                # 像他的前任学习, 重心像中国市场转移 → 向: a verb turned toward a partner
                # or a direction (像……一样 is a comparison: left to the 象 frame)
                out.append(Usage(s, s + 1, "像", "向", "xiang-to",
                                 f"像 introduces {clause[pos + 1:toks[toward][0]]}, toward "
                                 f"which {toks[toward][1]} turns: the preposition is 向 (像 "
                                 "compares, and no 一样 closes a comparison here)"))
            elif t in ("近", "将近") and nxt == "一步" and k + 2 < len(toks) and tags.get(
                    toks[k + 2][1], "x")[0] == "v" and prev not in ("更", "又", "再", "还", "最"):
                # 金价的近一步暴跌, 将近一步减少 → 进一步 (further) before a verb; 更近一步
                # (one step closer) stays
                at = s + len(t) - 1
                out.append(Usage(at, at + 1, "近", "进", "jinyibu",
                                 f"{t}一步 before the verb {toks[k + 2][1]}: further is 进一步 "
                                 "(近一步 is one step closer, after 更 or 又)"))
            elif t == "必须品":
                # a token of jieba's (必须|品尝 is 必须 + a verb): 必须 (must) makes no noun
                out.append(Usage(s + 1, s + 2, "须", "需", "bixu",
                                 "必须品: 必须 (must) makes no noun; what one needs is 必需品"))
            elif t == "必需" and nxt and (tags.get(nxt) in _VERB_TAGS
                                        or nxt in _MUST_BEFORE):
                # 单位必需向劳动者发放, 必需遵守 → 必须 (must) before a verb or the
                # preposition that opens one; 必需 (needed) is followed by 的, a noun, or
                # nothing (必需的条件, 生活所必需): the news transcripts and
                # rmrb_clean.tsv write 必需 + a verb nowhere
                out.append(Usage(s + 1, s + 2, "需", "须", "bixu-must",
                                 f"必需 before {nxt}: must (do) is 必须; 必需 (needed) "
                                 "qualifies a thing (必需的条件, 必需品)"))
            elif t == "进来" and (not prev or tags.get(prev, "x")[0] == "n") and (
                    nxt in _LATELY_NEXT):
                # 板块进来表现强势, ，进来对于 → 近来 (lately): a subject, or the clause's
                # start, then an adverb or a verb of how things went; 进来 (come in) follows
                # its mover and ends the clause or takes 了 (推着三轮车进来, 进来了)
                out.append(Usage(s, s + 1, "进", "近", "jinlai",
                                 f"进来 before {nxt}: lately is 近来 (进来 is to come in)"))
            elif t == "确" and (nxt in _BUT_NEXT or (
                    len(nxt) == 2 and nxt[0] == nxt[1] and D.HAN_RE.match(nxt[0]))):
                # 县确被爆出, 你确深深的欺骗了 → 却 (but): 确 (indeed) stands alone only
                # before 是, 有, 应, 甚 (这确是治本之举, 确有其事)
                if names and _name_here(clause, pos):
                    continue
                out.append(Usage(s, s + 1, "确", "却", "que",
                                 f"确 before {nxt}: a turn is marked by 却 (确 means indeed, "
                                 "and stands alone before 是, 有, 应)"))
            elif t == "作法" and prev and (prev[-1] in "的种此该其" or tags.get(prev) == "a"):
                out.append(Usage(s, s + 1, "作", "做", "zuofa",
                                 f"{prev}作法: a way of doing things is 做法 (作法 is a "
                                 "method of writing, or a rite)"))
            elif (t == "不在" or (t == "在" and prev in _NEGATIONS)) and nxt:
                # 不在吃饭时看手机 is right: 在 opens a time that 时 closes (a token of its
                # own: the 时 of 时宜 or 时间 closes nothing)
                if (tags.get(nxt) in _VERB_TAGS and nxt[0] not in "于乎"
                        and not _closed(toks, k + 2)):
                    at = s + len(t) - 1
                    neg = "不" if t == "不在" else prev
                    out.append(Usage(at, at + 1, "在", "再", "bu-zai",
                                     f"{neg}在 is followed by the verb {nxt} (jieba's tag "
                                     f"{tags.get(nxt)}): {neg}再 (no more) negates a verb, "
                                     "在 (at) takes a place"))
            elif t in ("带", "带着", "带上", "佩带") and nxt and (
                    worn := _worn_after(toks, k + 1)) is not None:
                at = s + (1 if t == "佩带" else 0)
                out.append(Usage(at, at + 1, "带", "戴", "dai",
                                 f"{t} {worn}: what is worn on the head, face, hands or "
                                 f"body is 戴 ({t.replace('带', '戴')}{worn}); 带 is to carry"))
            elif t in ("收到", "接收", "收") and nxt and (
                    got := _undergone_after(toks, k + 1)) is not None:
                at = s + (1 if t == "接收" else 0)
                right = {"收到": "受到", "接收": "接受", "收": "受"}[t]
                out.append(Usage(at, at + 1, "收", "受", "shou",
                                 f"{t} {got}: what one undergoes (an influence, a threat, a "
                                 f"welcome, an interview) is {right}{got}; {t} is to "
                                 "receive a thing"))
            elif t in ("收", "收到", "带", "带着", "带上", "带了") and nxt:
                # a collocation jieba's dictionary lists with the twin only: 受+X, 戴+X
                twin = "受" if t[0] == "收" else "戴"
                if freq.get(twin + nxt, 0) >= 3 and not freq.get(t[0] + nxt):
                    out.append(Usage(s, s + 1, t[0], twin, "collocation",
                                     f"{twin}{nxt} is a word (jieba frequency "
                                     f"{freq[twin + nxt]}), {t[0]}{nxt} is none: {nxt} "
                                     f"goes with {twin}"))
            elif t == "份子" and len(prev) >= 2 and tags.get(prev, "x")[0] in "nv" and not any(
                    freq.get(clause[max(0, pos - n):pos] + "分子", 0) >= 3 for n in (4, 3, 2)):
                # a member of a group named by a word (诈骗份子, 塔利班份子); the gift
                # sense takes a one-character verb (凑份子, 随份子)
                out.append(Usage(s, s + 1, "份", "分", "fen",
                                 f"{prev}份子: a member of a group is 分子 (份子 is a share "
                                 "of a gift, 凑份子)"))
            elif t == "份子" and prev:
                for n in (4, 3, 2):
                    w = clause[max(0, pos - n):pos] + "分子"
                    if len(w) == n + 2 and freq.get(w, 0) >= 3:
                        at = s
                        out.append(Usage(at, at + 1, "份", "分", "fen",
                                         f"{w} is a word (jieba frequency {freq[w]}): "
                                         "a member of a group is 分子 (份子 is a share of a "
                                         "gift)"))
                        break
            elif t == "反应":
                after = clause[pos + 2:pos + 3]
                to = re.search("[向给]" + _C + "{1,12}$", clause[:pos])
                src = re.match("据" + _C + "{1,8}$", clause[:pos]) if k + 1 == len(
                    toks) else None  # 据邻居反应，: the source of what is reported
                obj = None  # 反应 with an object: 反应了较多悲观预期, 反应这方面的风险
                if nxt == "了" and k + 2 < len(toks) and tags.get(
                        toks[k + 2][1], "x")[0] not in "mvqu" and toks[k + 2][1] not in (
                        "一下", "一会儿", "过来"):
                    obj = "反应了" + toks[k + 2][1]
                elif nxt[:1] in ("这", "那") and tags.get(nxt, "x")[0] in "rm":
                    obj = "反应" + nxt
                elif prev == "所" or (nxt == "的" and k + 2 < len(toks) and toks[k + 2][1] == "是"):
                    obj = "所反应" if prev == "所" else "反应的是"  # 所 takes a transitive verb
                elif (who := _reporter_before(toks, k)) and tags.get(nxt, "x")[0] in "nrv" and (
                        nxt not in _REACTED):
                    obj = f"{who}反应{nxt}" if toks[k - 1][1] == who else f"{who}……反应{nxt}"
                if after in ("到", "给", "称", "说") or to is not None or src or obj:
                    frame = ("反应" + after if after in ("到", "给", "称", "说") else
                             to.group() + "反应" if to is not None else
                             src.group() + "反应" if src else obj)
                    out.append(Usage(s + 1, s + 2, "应", "映", "fanying",
                                     f"反应 here reports or shows something ({frame}): "
                                     "that is 反映; 反应 is a reaction"))
            elif t[0] == "那" and ((len(t) >= 2 and t[1] in _THAT + _MEASURE) or (
                    t == "那" and nxt and nxt[0] in _MEASURE)) and "哪" not in clause and not any(
                    w in _WH_WORDS for _p, w in toks):
                that = t if len(t) >= 2 else t + nxt[0]
                wh = _WH_OPENER.search(clause, 0, pos)
                if wh is not None:
                    out.append(Usage(s, s + 1, "那", "哪", "na",
                                     f"{wh.group()} opens an embedded question, which "
                                     f"{that} answers: the question word is 哪{that[1:]}"))
                elif k and (clause.endswith("呢") or text[b:b + 1] in ("？", "?")) and any(
                        tags.get(w) in _VERB_TAGS for _p, w in toks):
                    end = "呢" if clause.endswith("呢") else text[b]
                    out.append(Usage(s, s + 1, "那", "哪", "na-q",
                                     f"the clause asks a question (it ends with {end}) and "
                                     f"holds no other question word: {that} is 哪{that[1:]}"))
            elif t == "即" and tags.get(nxt, "x")[0] in "vad" and re.search(
                    "[又也]", clause[pos + 1 + len(nxt):]):
                out.append(Usage(s, s + 1, "即", "既", "jiyou",
                                 f"即 {nxt} …… {re.search('[又也]', clause[pos + 1 + len(nxt):]).group()}: "
                                 "the pair is 既……又/也 (both … and)"))
            elif t == "有" and _BY_END.search(clause) and k + 1 < len(toks) - 1:
                end = _BY_END.search(clause).group()
                end = end.lstrip("来")
                out.append(Usage(s, s + 1, "有", "由", "you",
                                 f"the clause ends on {end}, whose agent 由 introduces "
                                 f"(由……{end}); 有 (have) makes no agent"))
            elif t == "与" and prev and tags.get(prev, "x")[0] not in "tm" and _time_then_verb(
                    toks, k + 1) and not any(w in _COMPARE for _p, w in toks):
                out.append(Usage(s, s + 1, "与", "于", "yu-time",
                                 f"与 is followed by the time {nxt}"
                                 f"{toks[k + 2][1] if nxt.isdigit() else ''} and then the event: a "
                                 "time is introduced by 于 (与 means \"with\", \"and\")"))
            elif t == "于" and nxt and tags.get(nxt, "x")[0] not in "tm" and not nxt.isdigit() and (
                    tags.get(prev) not in _VERB_TAGS) and (
                    mate := _partner_verb(toks, k + 1)) is not None:
                out.append(Usage(s, s + 1, "于", "与", "yu-with",
                                 f"于 introduces {clause[pos + 1:toks[mate][0]]}, and the "
                                 f"verb {toks[mate][1]} takes a partner: 与 (with) "
                                 "introduces it (于 gives a time, a place or a source)"))
            elif t == "有" and nxt and (nxt.isdigit() or tags.get(nxt) == "m") and (
                    change := _CHANGE_TO.match(clause, pos + 1)) is not None:
                out.append(Usage(s, s + 1, "有", "由", "you-from",
                                 f"有 opens a change from one figure to another "
                                 f"({clause[pos + 1:change.end()]}): from is 由"))
            elif t == "有" and nxt and tags.get(nxt) in _VERB_TAGS and "既" in clause[:pos]:
                out.append(Usage(s, s + 1, "有", "又", "jiyou2",
                                 f"既 …… 有{nxt}: the pair is 既……又 (both … and); 有 (have) "
                                 f"does not take the verb {nxt}"))
            elif t == "不再" and nxt in _HERE:
                out.append(Usage(s + 1, s + 2, "再", "在", "zai",
                                 f"不再 is followed by the place {nxt} (不再{nxt}): the "
                                 "preposition is 在 (不在, not there; 不再, no more)"))
            elif t == "渡过" and (when := _time_after(toks, k + 1)) is not None:
                out.append(Usage(s, s + 1, "渡", "度", "duguo",
                                 f"渡过 {when}: time is spent, 度过 (渡 crosses water, a "
                                 "strait or a hard time: 渡过难关)"))
            elif (t == "再" and k + 2 < len(toks) and nxt not in _RELATIVE_TIMES
                  and tags.get(nxt) in ("s", "t") and tags.get(toks[k + 2][1]) in _VERB_TAGS):
                # 不要再室外晾衣, 准备再近期发布 → 在: a place or a time, then the verb
                # that happens there (再 + a verb is "again"; 再后来 is "later still")
                out.append(Usage(s, s + 1, "再", "在", "zai-when",
                                 f"再 is followed by the {'place' if tags[nxt] == 's' else 'time'} "
                                 f"{nxt} and then the verb {toks[k + 2][1]}: the preposition "
                                 "is 在 (再 means again)"))
            elif t == "再" and k + 2 < len(toks):
                j = k + 1
                while j < len(toks) and j < k + 5:
                    w = toks[j][1]
                    if (w in _LOCALIZERS and j > k + 1) or (j == k + 1 and w in _HERE):
                        out.append(Usage(s, s + 1, "再", "在", "zai",
                                         f"再 opens a place or time closed by {w} "
                                         f"({clause[pos:toks[j][0] + len(w)]}): the "
                                         "preposition is 在 (再 means again)"))
                        break
                    if tags.get(w, "x")[0] not in _NOMINAL:
                        break
                    j += 1
    kept: list[Usage] = []
    for u in sorted(out):
        if not kept or kept[-1].end <= u.start:
            kept.append(u)  # one finding per place
    return tuple(kept)


# verbs after 的 that open the rest of a sentence (正确的是哪项, 与众不同的是他, 正确的有):
# the 的 closes a subject, no adverbial
_COPULAS = frozenset({"是", "有", "为", "在", "像", "叫", "属于", "就是", "则是", "便是", "乃是",
                      "成为", "在于", "包括", "要数"})
# 的 before a verb of one or two characters and 了/着/过 or a pronoun: the only places
# the manner rule can fire (most 的 of a text go before nouns)
# prepositions that open a verb's phrase and never follow 的 (默默的把, 慢慢的向)
_COVERBS = frozenset({"把", "被", "向", "往", "朝", "从", "将"})
_DE = re.compile("的(?=[\u4e00-\u9fff]{1,2}(?:[了着过我你他她它咱]|自己|大家|人家|别人)|"
                 "[把被向往朝从将])")


@functools.lru_cache(maxsize=None)
def _manner_words() -> frozenset[str]:
    """jieba's idioms of four characters and adverbial adjectives (tags ``i``, ``ad``)."""
    return frozenset(w for w, t in D.word_tags().items()
                     if (t == "i" and len(w) == 4) or t == "ad")


def _manner(w: str) -> bool:
    """A word that tells how something is done when it comes before a verb: an idiom
    or an adverbial adjective (:func:`_manner_words`: 无缘无故, 认真), a reduplicated word
    (深深, 悄悄, 高高兴兴)."""
    return w in _manner_words() or (
        len(w) in (2, 4) and w[0] == w[1] and w[-2] == w[-1]
        and D.HAN_RE.match(w[0]) is not None)


def _reporter_before(toks, k: int) -> str | None:
    """The people who report (网友, 用户, 居民 …) as the subject right before 反应 at
    ``toks[k]``, across at most two adverbs or times (网友近日反应, 学生纷纷反应), or None."""
    tags = D.word_tags()
    for j in range(k - 1, max(-1, k - 4), -1):
        w = toks[j][1]
        if w in _REPORTERS:
            return w
        if tags.get(w, "x")[0] not in "dt" and w not in ("也", "都", "均", "还"):
            return None
    return None


def _called(text: str, at: int) -> Usage | None:
    """被 …… 成为 from ``at`` (the 被 of a match of ``_CALLED``): 成为 (become) has no
    passive, so 被 + nothing or a name or noun (the agent) + 成为 is 被称为 misspelt
    (被外界成为“奇葩”); a verb between (被培养成为) is that verb's passive and stays."""
    a, b = _clause_at(text, at)
    toks = _tokens(text[a:b])
    tags = D.word_tags()
    for k, (pos, t) in enumerate(toks):
        if a + pos < at or t != "被":
            continue
        j = k + 1
        while j < len(toks) and j <= k + 3 and toks[j][1] != "成为":
            w = toks[j][1]
            tag = tags.get(w)
            if tag is None and len(w) >= 2 and D.HAN_RE.match(w[0]):
                tag = "n"  # a name the dictionary lacks (HMM's words)
            if tag is None or tag[0] not in "nrt":
                return None  # a verb between: its own passive
            j += 1
        if j < len(toks) and toks[j][1] == "成为":
            s = a + toks[j][0]
            agent = text[a + pos + 1:s]
            return Usage(s, s + 1, "成", "称", "chengwei",
                         f"被{agent}成为: 成为 (become) takes no passive; being called "
                         f"something is 被{agent}称为")
        return None
    return None


def _time_after(toks, j: int) -> str | None:
    """The time that 渡过 (at ``toks[j - 1]``) is followed by, as the head of its object
    (渡过了难忘的一天, 渡过七年, 渡过春节), or None: a thing crossed (渡过难关, 渡过长江),
    or no object."""
    tags = D.word_tags()
    for i in range(j, min(j + 5, len(toks))):
        w = toks[i][1]
        tag = tags.get(w, "x")
        nxt = toks[i + 1][1] if i + 1 < len(toks) else ""
        if "冬" in w:
            return None  # 渡过寒冬: a hard time crossed, as often as winter spent
        if w in _TIME_NOUNS or tag == "t":
            return "".join(x for _p, x in toks[j:i + 1])
        if (tag == "m" or w.isdigit()) and (nxt in _TIME_UNITS or w.endswith(_TIME_UNITS)):
            return "".join(x for _p, x in toks[j:i + (1 if w.endswith(_TIME_UNITS) else 2)])
        if tag[0] in "ns":
            return None  # the object is a thing or a place
    return None


# a figure: Arabic digits, or Chinese numerals before a unit of counting or measure
_FIGURE = re.compile("[0-9０-９]+(?:[.．][0-9０-９]+)?|[一二三四五六七八九十两百千万亿]{1,8}[个次年月天倍成元人家]")


def _for_purpose(toks, j: int) -> bool:
    """Does 为 with the tokens from ``toks[j]`` on make a phrase of its own (做为人民服务
    的事: 为人民服务 is a jieba word; 做为人处世 …), so that 做 is the verb "do"?"""
    freq = D.word_freq()
    w = "为"
    for _p, t in toks[j:j + 3]:
        w += t
        if freq.get(w, 0) >= 3:
            return True
    return False


# words of comparison: 与 then joins the two things compared (与去年同期相比)
_COMPARE = frozenset({"相比", "同期相比", "相比较", "比较", "对比", "持平", "相同", "不同", "一样",
                      "相当", "同比", "相差", "之间", "之比", "区别", "差距", "相似", "类似"})


def _time_then_verb(toks, j: int) -> bool:
    """Do the tokens from ``toks[j]`` open with a point in time (a figure with 年, 月, 日
    or 号; or a time word of jieba's dictionary that counts from today or ends on a day,
    a month, a year: 昨日, 明日, 年内, 本周五; not 现代, 早期, 正在, which are no dates)
    followed by an adverb, a preposition or a verb (与明日在京召开, 与24日向法院提交)?"""
    tags = D.word_tags()
    n = 0
    while j < len(toks):
        w = toks[j][1]
        if w.isdigit() and j + 1 < len(toks) and toks[j + 1][1] in ("年", "月", "日", "号"):
            n += 1
            j += 2
            continue
        if tags.get(w) == "t" and len(w) >= 2 and (w[-1] in "日天年月周内底初末"
                                                    or w[0] in "本今明昨"):
            n += 1
            j += 1
            continue
        if n and w in ("本", "至", "到", "上午", "下午", "晚上"):
            j += 1
            continue
        break
    if not n or j >= len(toks):
        return False
    return tags.get(toks[j][1], "x")[0] in ("v", "d", "p") and toks[j][1] not in (
        "和", "与", "及", "或")


# verbs that take a partner (与……会晤): after them 于 + a person is 与 misspelt
_PARTNER_VERBS = frozenset({"会晤", "会谈", "会面", "见面", "合作", "接触", "交锋", "签约", "谈判",
                            "联手", "握手", "对话", "交流", "结婚", "离婚", "相当", "相似",
                            "相同", "相近", "衔接", "联系", "竞争", "交手", "对决", "合并",
                            "携手", "结盟", "通话"})


def _partner_verb(toks, j: int) -> int | None:
    """The index of a verb that takes a partner (:data:`_PARTNER_VERBS`) within five
    tokens after 于, with only names, nouns, pronouns and their modifiers between (于库克会晤,
    于一些顶级俱乐部接触); None otherwise."""
    tags = D.word_tags()
    for i in range(j, min(len(toks), j + 6)):
        w = toks[i][1]
        if w in _PARTNER_VERBS and i > j:
            return i
        if tags.get(w, "x")[0] not in "nrmabq" and w not in ("的", "更多"):
            return None
    return None


# things worn on the head, face, hands or body (the noun's head): 戴着口罩, 戴上手铐
_WORN = ("帽", "帽子", "眼镜", "墨镜", "太阳镜", "口罩", "手铐", "脚镣", "头盔", "面具", "袖标",
         "手套", "红领巾", "耳环", "项链", "戒指", "面罩", "头巾", "围巾")


def _worn_after(toks, j: int) -> str | None:
    """The thing worn (a token ending on one of :data:`_WORN`) within five tokens from
    ``toks[j]``, with only modifiers between (黑框眼镜, 配置电极的帽子); None otherwise."""
    tags = D.word_tags()
    if j < len(toks) and toks[j][1] in ("着", "上", "了", "有"):
        j += 1  # 带|着|墨镜
    for i in range(j, min(len(toks), j + 5)):
        w = toks[i][1]
        if w.endswith(_WORN):
            return w
        if not (tags.get(w, "x")[0] in "nambq" or w == "的" or w.isascii() or (
                len(w) == 1 and D.HAN_RE.match(w) and tags.get(w, "x")[0] != "c")):
            return None  # (黑|框|眼镜: a one-character part of the noun phrase goes)
    return None


# what one undergoes rather than receives as a thing: 受到影响, 接受采访
_UNDERGONE = frozenset({"影响", "威胁", "欢迎", "喜爱", "关注", "伤害", "干扰", "审判", "冲击",
                        "打击", "处罚", "惩罚", "批评", "表彰", "重视", "好评", "追捧", "质疑",
                        "限制", "损害", "侵害", "困扰", "歧视", "虐待", "采访", "专访", "治疗",
                        "问讯", "询问", "调查", "审讯", "教育", "处分", "牵连", "波及",
                        "袭扰", "侵袭", "惊吓", "冷落"})


def _undergone_after(toks, j: int) -> str | None:
    """The thing undergone (:data:`_UNDERGONE`, or a noun ending on one: 死亡威胁) within
    four tokens from ``toks[j]``, with only 了, adverbs, adjectives and modifiers between,
    fixed phrases among them (收到了男女老幼的喜爱: jieba tags 男女老幼 l); None otherwise."""
    tags = D.word_tags()
    for i in range(j, min(len(toks), j + 5)):
        w = toks[i][1]
        if w in _UNDERGONE or (len(w) > 2 and w[-2:] in _UNDERGONE):
            return w
        if not (w in ("了", "的", "过") or tags.get(w, "x")[0] in "nradbmli"):
            return None
    return None


# a figure, then a change and 为/到/至 (有1080元上升为1200元 → 由): from one figure to another
_CHANGE_TO = re.compile("[0-9０-９.．%％一二三四五六七八九十百千万亿两]{1,12}[^0-9０-９，。、；：,;:\n]{0,3}?"
                        "(?:上升|下降|增加|减少|提高|降低|增长|下调|上调|调整|扩大|缩小|升|降|涨|跌)"
                        "(?:为|到|至)")


# verbs turned toward a partner or a direction: 向……学习, 向……转移, 向……借
_TOWARD = frozenset({"学习", "致敬", "看齐", "请教", "求助", "转移", "倾斜", "靠拢", "道歉",
                     "汇报", "伸手", "借"})


def _toward_after(toks, j: int) -> int | None:
    """The index of a verb of :data:`_TOWARD` within six tokens from ``toks[j]``, with
    only names, nouns, pronouns, modifiers, 的 and 所 between (像他的前任学习,
    像中国市场所转移); None otherwise."""
    tags = D.word_tags()
    for i in range(j, min(len(toks), j + 7)):
        w = toks[i][1]
        if w in _TOWARD and i > j:
            return i
        if w in ("这种", "那种", "这类", "那类", "之类", "这些", "那些"):
            return None  # 像他这种人学习很好: a noun phrase of likeness, the verb's subject
        if not (tags.get(w, "x")[0] in "nrmqab" or w in ("的", "所")):
            return None
    return None


def _closed(toks, j: int) -> bool:
    """Does a token from ``toks[j]`` on close a time or place (时, 中, 期间, 以后 …)?"""
    return any(w in _CLOSERS for _p, w in toks[j:])


def _name_here(clause: str, start: int, end: int | None = None) -> bool:
    """Is the span at ``start`` part of a name (jieba's tagger or Baidu's LAC)?"""
    from .typo_detect import _name_at

    return _name_at(clause, start, start, start + 1 if end is None else end)
