"""typo.variant-form and typo.real-word: non-recommended word forms and real-word slips
decided by the sentence's frame (issue 12).

Every text here is written for these tests (no corpus text): one paragraph with the slip
in the middle (body on line 3, after the header and an empty line). Columns are 1-based.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from checks import typo_usage as U
from checks.config import Config
from checks.engine import Corpus, check_corpus, check_seed
from checks.seed import seed_from_text

HEAD = "2020-07-26\n\n"
VARIANT = "typo.variant-form"
REAL = "typo.real-word"


def found(body: str, check: str, config: Config | None = None):
    seed = seed_from_text(HEAD + body)
    return [(f.check, f.severity, f.line, f.column, f.end_column, f.excerpt,
             f.fix.replacement, f.fix.safe)
            for f in check_seed(seed, config or Config()) if f.check == check]


# -- typo.variant-form ----------------------------------------------------------------------

VARIANT_FIRES = [
    # GF 1001-2001 entries
    ("厂里今年接到的定单比去年多了一倍。", 8, "定单", "订单"),
    ("这种药的有效成份已经查明。", 7, "成份", "成分"),
    ("孩子们的想像力需要保护。", 5, "想像", "想象"),  # inside the word 想像力
    ("晚会的节目十分精采。", 8, "精采", "精彩"),
    ("他对这件事一直很耽心。", 9, "耽心", "担心"),
    ("这次失败的原故还没有找到。", 6, "原故", "缘故"),
    # 像 restored by the 1986 table
    ("他好象没有听见大家的话。", 2, "好象", "好像"),
    ("她把偶象的照片贴在墙上。", 3, "偶象", "偶像"),
    # usage, not the table: 唯一 (option usage)
    ("这是全县惟一的一座大桥。", 5, "惟一", "唯一"),
    ("法院裁定撤消原判决。", 5, "撤消", "撤销"),  # usage: 撤销 (seventeenth landing)
    # usage (nineteenth session): 什么, and 借 for 藉
    ("他说甚么也不肯离开。", 3, "甚么", "什么"),
    ("这家企业凭藉技术优势站稳了脚跟。", 5, "凭藉", "凭借"),
    ("不能以工作忙为藉口推卸责任。", 8, "藉口", "借口"),
]

VARIANT_SILENT = [
    "会议确定单位负责人的名单。",  # 确定|单位: no 定单
    "厂里今年接到的订单比去年多了一倍。",  # the recommended form
    "他的形象一直很好，这是一种象征。",  # 形象, 象征: 象 words
    "他们来到磁器口老街参观。",  # a street of Chongqing (a name, read by LAC)
    "这种药的有效成分已经查明。",
    "法院裁定撤销原判决。",  # the form current prose writes
    "这些话给了她很大的慰藉，屋里一片狼藉。",  # 藉 stays in 慰藉, 狼藉
]


@pytest.mark.parametrize("body, col, excerpt, fix", VARIANT_FIRES)
def test_variant_form_fires(body, col, excerpt, fix):
    assert found(body + "\n", VARIANT) == [
        (VARIANT, "warning", 3, col, col + len(excerpt), excerpt, fix, False)]


@pytest.mark.parametrize("body", VARIANT_SILENT)
def test_variant_form_silent(body):
    assert found(body + "\n", VARIANT) == []


def test_variant_form_message_names_the_table_entry():
    seed = seed_from_text(HEAD + "厂里今年接到的定单比去年多了一倍。\n")
    (f,) = [f for f in check_seed(seed, Config()) if f.check == VARIANT]
    assert "GF 1001-2001" in f.message and "订单—定单" in f.message


def test_variant_form_usage_entries_can_be_switched_off():
    body = "这是全县惟一的一座大桥，订单也多。\n"
    cfg = Config(checks={VARIANT: {"usage": False}})
    assert found(body, VARIANT, cfg) == []
    (f,) = [f for f in check_seed(seed_from_text(HEAD + body), Config())
            if f.check == VARIANT]
    assert "not a form of GF 1001-2001" in f.message and "4,448" in f.message


def test_variant_forms_data_is_well_formed():
    forms = U.variant_forms()
    assert len(forms) >= 100
    for variant, (right, source) in forms.items():
        assert variant != right and len(variant) == len(right)
        assert source.split()[0] in ("GF1001", "SJZB1986", "USAGE")
        # one character apart, the rest the same: a spelling, not another word
        assert sum(a != b for a, b in zip(variant, right)) == 1
        if source.startswith("GF1001"):
            assert source.split()[1] == f"{right}—{variant}"


# -- typo.real-word ---------------------------------------------------------------------------

REAL_FIRES = [
    # 自已 → 自己
    ("司机事后为自已的鲁莽道歉。", 7, "已", "己"),
    # a lone 己 before a verb → 已
    ("据警方通报，嫌疑人己被刑事拘留。", 10, "己", "已"),
    ("截至目前，大桥主体工程己完成八成。", 12, "己", "已"),
    # 己乎 → 几乎 (几乎 is the word the sound-alike makes)
    ("这个行业己乎覆盖所有工厂。", 5, "己", "几"),
    # 象 opening a comparison → 像
    ("大家要象爱护眼睛一样爱护环境。", 4, "象", "像"),
    ("远远望去，灯火就象星星似的闪烁。", 9, "象", "像"),
    # 不在 before a verb → 不再
    ("从那以后，他不在相信这些广告。", 8, "在", "再"),
    ("医生叮嘱他不要在喝酒。", 8, "在", "再"),
    # an embedded question opened by 无论 → 哪里
    ("他无论走到那里都带着这本书。", 6, "那", "哪"),
    # a verb of saying before a quotation → 道
    ("记者问他为什么这样做，他笑到：“这是我的习惯。”", 14, "到", "道"),
    # minutes and fractions → 分; a member of a group (犯罪分子 is a word) → 分
    ("会议于上午9时30份开始。", 10, "份", "分"),
    ("全市近三份之二的家庭参与了活动。", 5, "份", "分"),
    ("警方抓获了三名犯罪份子。", 10, "份", "分"),
    # reporting to someone → 反映
    ("不少居民向记者反应，小区停车难。", 9, "应", "映"),
    # 既……又
    ("他即懂技术又会管理。", 2, "即", "既"),
    # 由……主办, 由……来决定
    ("本届论坛有市政府主办。", 5, "有", "由"),
    ("具体名单都有学校来决定。", 6, "有", "由"),
    # 在 + a place + a localizer
    ("他再会议上作了发言。", 2, "再", "在"),
    # collocations jieba's dictionary lists with the twin only (受欢迎, 戴眼镜)
    ("这位演员在年轻人中很收欢迎。", 11, "收", "受"),
    ("她出门时总是带眼镜。", 7, "带", "戴"),
    # a complement of degree ending the clause → 得
    ("这几天气温下降的很快，大家注意保暖。", 8, "的", "得"),
    # a way of doing things → 做法
    ("这种作法不值得提倡。", 3, "作", "做"),
    # 象 after an adverb, as a verb → 像
    ("远处的灯光就象一串珍珠。", 7, "象", "像"),
    # thirteenth landing
    # 不在 + a verb: the 时 of 时宜 (or 时间) closes no time
    ("这套办法已经不在适合时宜了。", 8, "在", "再"),
    ("你不必在花太多时间准备。", 4, "在", "再"),
    # the embedded question: 那 before a measure word or a numeral
    ("他说无论加盟那支球队都会全力以赴。", 7, "那", "哪"),
    ("无论那一种方案都要先算清成本。", 3, "那", "哪"),
    # a clause that asks (ends with 呢 or a question mark), no other question word
    ("这一年城里发生了那些变化呢？", 9, "那", "哪"),
    ("下列说法中那一项是正确的？", 6, "那", "哪"),
    # 做为 → 作为
    ("做为一名老党员，他带头捐款。", 1, "做", "作"),
    ("学校把这里做为实习基地。", 6, "做", "作"),
    # 累积 + a figure in the clause → 累计
    ("该股三天累积下跌38%，创下新低。", 6, "积", "计"),
    ("全市今年累积投入资金12亿元。", 6, "积", "计"),
    # 再 + a place pronoun or a place closed by 身上/附近 → 在
    ("小编就不再这里多说了。", 5, "再", "在"),
    ("这种毛病再某些人身上很常见。", 5, "再", "在"),
    # 与 + a point in time + the event → 于
    ("第三届论坛将与明日在杭州开幕。", 7, "与", "于"),
    ("新的规定与2025年起施行。", 5, "与", "于"),
    # 于 + a partner + a verb that takes one → 与
    ("市长将于外国客商会谈，商议投资事宜。", 4, "于", "与"),
    # 既 …… 有 + a verb → 又
    ("他既懂技术有会管理。", 6, "有", "又"),
    # 带 + a thing worn → 戴
    ("照片里的老人带着一副黑框眼镜。", 7, "带", "戴"),
    ("嫌疑人被带上手铐押走。", 5, "带", "戴"),
    # 收到/接收 + a thing undergone → 受到/接受
    ("这款产品一上市就收到年轻人的欢迎。", 9, "收", "受"),
    ("这部剧一播出就收到了男女老幼的喜爱。", 8, "收", "受"),  # a fixed phrase between (l)
    ("他多次收到死亡威胁。", 4, "收", "受"),  # a noun ending on the thing undergone
    ("他在接收记者采访时说，工程进展顺利。", 4, "收", "受"),
    # 反应 reporting a source's words or showing something (an object): 反映
    ("据附近居民反应，这里经常停水。", 7, "应", "映"),
    ("这组数据反应了市场的变化。", 6, "应", "映"),
    ("股价没有反应这方面的风险。", 6, "应", "映"),
    # 有 + a figure + a change to another: 由
    ("最低工资将有1080元上升为1240元。", 6, "有", "由"),
    # a member of a group named by a word: X分子 (not only jieba's X分子 words)
    ("警方提醒老人提防诈骗份子。", 11, "份", "分"),
    # 象 before a numeral and a measure word opens a comparison: 像一只
    ("他做事总是太鲁莽，象一只莽撞的猴子。", 10, "象", "像"),
    # fourteenth landing: a verb that knocks a thing down, 到在 → 倒在
    ("他被人踢到在地，随后被送往医院。", 5, "到", "倒"),
    # registering at a school on arrival: 报到
    ("新生九月一日去清华大学报道。", 13, "道", "到"),
    # to take a bribe: 受贿
    ("他因涉嫌收贿罪被起诉。", 5, "收", "受"),
    # a right is infringed, rights go with duties, political rights are taken for a term
    ("时效从当事人知道权力被侵害之日起计算。", 10, "力", "利"),
    ("公民的权力和义务是统一的。", 5, "力", "利"),
    ("被告人被判处有期徒刑十年，剥夺政治权力三年。", 19, "力", "利"),
    # a company's senior managers: 高管
    ("据这家公司高官透露，新产品下月上市。", 7, "官", "管"),
    # once more: 再次
    ("股价在次冲高后回落。", 3, "在", "再"),
    # necessities: 必需品
    ("手机已经成了生活必须品。", 10, "须", "需"),
    # on the contrary: 倒是
    ("路人冷眼旁观，反到是随后赶来的警察帮了他们。", 9, "到", "倒"),
    ("昔日的风情早已不在，到是充满了异国的味道。", 11, "到", "倒"),
    # a field's people: 界
    ("当今科学届有一种新的看法。", 5, "届", "界"),
    # still: 仍旧
    ("广告横幅仍就挂着，店门紧闭。", 6, "就", "旧"),
    # to make someone feel: 令人
    ("这种做法另人难以理解。", 5, "另", "令"),
    # toward a partner or a direction: 向
    ("我觉得他应该像他的前任学习。", 7, "像", "向"),
    ("随着工作重心像中国市场转移，局面改变了。", 7, "像", "向"),
    # further, before a verb: 进一步
    ("这导致了金价的近一步暴跌。", 8, "近", "进"),
    # seventeenth landing: 成为 has no passive; being called is 被称为
    ("这座古桥被当地人成为“神仙桥”。", 9, "成", "称"),
    ("它们被成为城市的名片。", 4, "成", "称"),
    # an agreement is concluded: 签订
    ("两家公司昨天正式签定了合作协议。", 10, "定", "订"),
    # time is spent: 度过
    ("全家人在老家渡过了一个愉快的春节。", 7, "渡", "度"),
    ("他在这里渡过了七年时光。", 5, "渡", "度"),
    # 再 + a time or a place + the verb that happens there: 在
    ("索尼准备再近期发布新品。", 5, "再", "在"),
    # people report (反映) what they saw; 所 and 的是 take a transitive verb
    ("有网友反应小区停车难。", 5, "应", "映"),
    ("灾民所反应的困难得到了解决。", 5, "应", "映"),
    ("这组数据背后反应的是消费的变化。", 8, "应", "映"),
    # a manner before a verb with 了 or a pronoun object: 地
    ("他无缘无故的骂了我一顿。", 6, "的", "地"),
    ("老人深深的叹息了一声。", 5, "的", "地"),
    ("他认真的检查了一遍。", 4, "的", "地"),  # 检查 (jieba: vn) takes 了: a verb
    ("他默默的把书放回书架。", 4, "的", "地"),  # a preposition opens the verb's phrase
    # a complement of degree after a verb jieba tags vn (工作) or a one-character verb
    ("同事们工作的很累。", 6, "的", "得"),
    ("这行情跌的有点假。", 5, "的", "得"),
    ("风慢慢的向东边吹去。", 4, "的", "地"),
    # the standard's 作证, 作案
    ("证人愿意出庭做证。", 7, "做", "作"),
    ("有人顶风做案，被依法查处。", 5, "做", "作"),
    # frames a pattern decides alone (typo_usage._PLAIN)
    ("这样以来，企业的负担就轻了。", 3, "以", "一"),  # this way: 这样一来
    ("今年的投诉多大近两万起。", 7, "大", "达"),  # a figure reached: 多达
    ("该指标的吸收率高大42%。", 9, "大", "达"),
    ("受此影响，A股市场振荡加剧。", 10, "振", "震"),  # a market's turbulence
    ("交通管制后道路回复正常。", 8, "回", "恢"),  # a state restored
    ("有网友发贴称，这里的水质变差了。", 5, "贴", "帖"),  # a forum post
    ("这批货有九成没有买出去。", 9, "买", "卖"),  # sold: 卖出去
    ("村里有一为名叫王芳的老师。", 5, "为", "位"),  # a person counted: 一位
    # nineteenth session: a ruling or an instruction is 作出; a task done well is 做好;
    # booking is 预订
    ("法院对此案做出一审判决。", 6, "做", "作"),
    ("省委书记做出重要批示，要求全力救治。", 5, "做", "作"),
    ("市政府已做出了全面部署。", 5, "做", "作"),
    ("各单位要作好防汛准备。", 5, "作", "做"),
    ("相信政府已经作好了应对准备。", 7, "作", "做"),
    ("酒店预定量同比增长三成。", 4, "定", "订"),
    ("旅客可以提前预定车票。", 8, "定", "订"),
    # 著 as the aspect particle after a verb: 着
    ("随著美股上涨，市场情绪好转。", 2, "著", "着"),
    ("专卖店门口排著长队。", 7, "著", "着"),
    ("蟾蜍皮肤有毒，一但误食后果严重。", 9, "但", "旦"),  # once: 一旦
    # twentieth session: 必需 (needed) before a verb or a preposition opening one → 必须
    ("用人单位必需向劳动者按月发放工资。", 6, "需", "须"),
    ("所有企业都必需遵守这项规定。", 7, "需", "须"),
    # 致力与 → 致力于; (关键|优势 …)在与 → 在于; 问计与民 → 问计于民
    ("厂家多年来致力与推广新能源汽车。", 8, "与", "于"),
    ("这款车的最大亮点在与多种驾驶模式可选。", 10, "与", "于"),
    ("各级干部要问计与民，问需于民。", 8, "与", "于"),
    ("会上，市长做政府工作报告。", 6, "做", "作"),
    # 象 after 有点 (a degree adverb jieba tags a noun), and 就象是
    ("这种投资有点象一场赌博。", 7, "象", "像"),
    ("远处的灯光就象是一串珍珠。", 7, "象", "像"),
    ("昨天全省多地收强降雨袭扰。", 7, "收", "受"),
    # a result caused → 致
    ("这起火灾事故已至3人死亡。", 8, "至", "致"),
    ("他将邻居殴打至轻伤。", 7, "至", "致"),
    # lately: 近来 before how things went
    ("消费板块进来表现较为强势。", 5, "进", "近"),
    # but: 却 before a passive, a wish or an adverb (确 stands alone before 是, 有)
    ("这个模范县确被曝出这样的新闻。", 6, "确", "却"),
    ("没有车牌确想要买车的人很多。", 5, "确", "却"),
    # since a time, what follows and under a figure, each
    ("活动上线一个多月一来，投票已过万。", 9, "一", "以"),
    ("一下是本周的主要数据。", 1, "一", "以"),
    ("新产品的厚度做到0.03毫米一下。", 15, "一", "以"),
    ("12月个发行商的排名变化较大。", 4, "个", "各"),
    ("消费者总是那里便宜去哪里。", 6, "那", "哪"),
]

REAL_SILENT = [
    "学好理论于己有益，于国有益。",  # 己 governed by 于
    "干部要常思己过，勇于担当。",  # 己 the object of 思
    "我们不能只顾自己的利益。",
    "他们已经完成了任务。",
    "这头象像一座小山一样高。",  # an elephant, with 像 after it
    "这种现象说明问题不在这里。",  # 现象 (a word); 不在 before a place
    "他不在家，也不在乎别人的看法。",
    "问题的关键不在于资金。",
    "他从不在吃饭时看手机。",  # 在 opens a time that 时 closes
    "请不要在公共场所吸烟。",  # 在 + a place
    "这个抽象概念很难理解。",
    "他说到这里停了下来。",  # 说到 not before a quotation
    "会议于上午9时30分开始，每人一份材料。",
    "也就是说，即使下雨也要出发。",  # 即使 is a word
    "病人对药物的反应很大，医生很担心。",  # a reaction
    "那里的群众生活很好，无论老人还是孩子都很开心。",  # 那里 before 无论
    "我不知道他到底去了哪里。",
    "这个小组有五名成员。",  # no verb whose agent 由 would introduce
    "这项工作有专人负责。",  # existence: there are people in charge
    "再过三年，这里将建成新城。",
    "我们要再上一个台阶。",  # 再 + a verb
    "他收到了一封信。",
    "他带着孩子去公园。",
    "知识分子是国家的宝贵财富，同事们凑份子买礼物。",  # 凑份子: a share of a gift
    "他所面临的更多的困难需要解决。",  # a relative clause goes on to its noun
    "他说的很多话都有道理。",
    "这就象征着新的开始。",  # 象征
    "他们这样做无异于作法自毙。",
    # thirteenth landing
    "这个办法不在时间上，而在方法上。",  # 在 + a time noun: a place, not a verb
    "请不要在开会期间接打电话。",  # 期间 (a token) closes the time
    "那些问题早已解决了呢。",  # 那 opens the clause: no question
    "无论那个人是谁，都要依法办事。",  # 谁 asks the question; 那个 is "that"
    "我们一起去看看那些老房子吧。",  # no question
    "他们要做为人处世的榜样。",  # 为人 is a word: 做 is "do"
    "奖金继续累积至4亿元。",  # 累积至: grows to a sum
    "他在工作中累积了丰富经验。",  # no figure
    "我们再这样下去不行。",  # 再 + 这样 (not a place)
    "我们要再接再厉，再创佳绩。",
    "今年的产量与去年同期相比增长一成。",  # a comparison: 与 joins the two years
    "今年与去年持平，明年与后年再议。",
    "这条街区让传统与现代融为一体。",  # 现代 is no date
    "他们的功绩与日月同辉。",
    "会议于明日在北京召开，将与外国客商会谈。",  # 于 + a time; 与 + a partner
    "企业不能满足于被动合作。",  # 满足于: 于 after its verb
    "这里既有高山又有大海。",  # 既有 …… 又有
    # fourteenth landing
    "他看到在路边休息的工人。",  # 看到: seeing, not knocking down
    "据新华社报道，会议在北京召开。",  # a news report
    "他到现场报道了这次会议。",  # a reporter at the scene: no school or unit
    "他从企业收贿赂三百万元。",  # 收贿赂: 收受贿赂 shortened
    "当权力被制约时，它才会回归本位。",  # power is curbed
    "这是社会的最高政治权力。",  # no term of a sentence
    "要防止权力滥用。",
    "经济体的高官出席了会议。",  # officials of states
    "他在次日返回北京，在次年当选。",  # 在 + the next day, the next year
    "我们必须品尝失败的滋味。",  # 必须 + the verb 品尝
    "想不到是他，到是时候出发了。",  # 到 inside a clause; 到是时候
    "本届政府和第三届大会都很重视2014届毕业生。",  # 届 counts sessions and classes
    "双方仍就此事进行磋商。",  # 就 (regarding) + 此事
    "他们仍就这一问题交换意见。",
    "另一人和另一位候选人都没有到场，另有人选。",  # another person, another candidate
    "我们要像雷锋一样学习。",  # a comparison closed by 一样
    "像他这种人学习很好，像这样的错误要及时汇报。",  # noun phrases of likeness
    "他长得像他的父亲，好像只要解决技术问题就行。",
    "新手机离目标更近一步，向成功又近了一步。",  # one step closer
    # seventeenth landing
    "他被培养成为一名医生，这里已经成为旅游胜地。",  # a verb between 被 and 成为
    "双方签订了合作协议。",
    "企业要帮助职工渡过难关，红军渡过了长江。",  # a hard time, a river: crossed
    "这家工厂终于渡过了寒冬。",  # a winter that is a hard time
    "再后来发生了很多事，我们明天再来。",  # later still; again
    "观众反应强烈，网友反应不一，学生反应过来以后笑了。",  # reactions
    "病人对药物的反应很大。",
    "深深的皱纹刻在他脸上，与众不同的是他的声音。",  # 的 before a noun; 的是
    "这是他们认真的结果。",
    "他们工作的地方很远，他工作的很多成果都发表了。",  # 的 before a noun
    "我们研究的更多是方法。",  # the clause goes on after 更多
    "田里都是美丽的向日葵，孩子们的将来很光明。",  # 向日葵, 将来: words, no prepositions
    "孩子们需要准确的数据，可以有效的办法不多。",  # 的 before nouns
    "他做证书的生意。",  # 做 + 证书
    "改革开放以来，这个人多大了？",  # 以来 (since); 多大 (how old) before no figure
    "这座雕像十分高大，研究中微子振荡的参数。",  # tall; a physical oscillation
    "有关部门回复了群众的意见。",  # a reply
    "孩子们发贴纸给大家，买回来的菜很新鲜。",  # stickers given out; bought back
    "他认为名叫张三的人不可信。",  # 认为 (believe) + 名叫
    # nineteenth session
    "这项改革收到了一举两得的效果。",  # 收到效果: an effect is received
    "他们为国家做出了重要贡献，并做出说明。",  # 做出 + a contribution or an account
    "师傅做出来的处理方案很好。",  # 做出来: made
    "大家把工作好好做完，制作好的样品已送检。",  # the 作 of 工作, 制作
    "他能作好诗，也能作好画。",  # 作 composes
    "飞船顺利进入预定轨道，完成预定任务。",  # 预定 fixes a course in advance
    "他是著名作家，成绩显著，出版了三部专著。",  # 著 zhù: 著名, 显著, 专著
    "大家意见统一但方法不同，这是唯一但不是最好的办法。",  # 统一|但, 唯一|但
    # twentieth session: 必需 qualifying a thing, or ending the clause
    "这是生产必需的条件，粮食是生活所必需，列出生活必需品。",
    "这些设备是抗灾必需，要长期储备。",
    # 在与 (at, with), 与民 (with the people), 致力于
    "代表们在与会议代表交流时说，要与民对话，致力于发展。",
    "文化在与世界交流中发展，问题在于落实。",
    "各部门要做好政府工作报告的起草，机构发布做空报告。",  # 做好, 做空
    "这个现象是有点象征意义的，对象是青年，印象是深刻的。",  # 象征, 现象|是, 对象|是
    "死亡人数已升至3人，双方打至深夜，截至5人受伤时停止。",  # 至: up to, until
    "他推着三轮车进来，学生进来都要登记，又进来一批货。",  # 进来: come in
    "这确是治本之举，确有其事，所记确应为日食。",  # 确 (indeed) before 是, 有, 应
    "一来成本高，二来效果差，请研究一下，12月个人收入增长。",  # 一来……二来, 研究一下, 个人
    "他去过那里，不知道哪里更好，那儿的人也问哪里。",  # 那里 (there), then a question
]


@pytest.mark.parametrize("body, col, excerpt, fix", REAL_FIRES)
def test_real_word_fires(body, col, excerpt, fix):
    assert found(body + "\n", REAL) == [
        (REAL, "warning", 3, col, col + 1, excerpt, fix, False)]


@pytest.mark.parametrize("body", REAL_SILENT)
def test_real_word_silent(body):
    assert found(body + "\n", REAL) == []


def test_real_word_message_gives_the_frame():
    seed = seed_from_text(HEAD + "从那以后，他不在相信这些广告。\n")
    (f,) = [f for f in check_seed(seed, Config()) if f.check == REAL]
    assert "相信" in f.message and "jieba's tag v" in f.message


def test_ignored_checks_are_silent():
    cfg = Config(ignore=[VARIANT, REAL])
    assert found("他好象没有听见，嫌疑人己被拘留。\n", VARIANT, cfg) == []
    assert found("他好象没有听见，嫌疑人己被拘留。\n", REAL, cfg) == []


def test_one_typo_one_finding_the_corpus_checks_leave_these_spans(tmp_path: Path):
    """What the two file checks report, the in-table corpus checks leave alone (the typo
    index drops their candidates there); with the file checks off, the corpus checks
    report the same places themselves (so this test can fail)."""
    bodies = ["风电是一个很大的产业，己乎所有省份都在发展。\n",  # 己乎: typo.confusable-char
              "这是他们惟一的希望。\n"]  # 惟一: typo.language-model
    for i, body in enumerate(bodies):
        (tmp_path / f"{i:03d}.txt").write_text(HEAD + body, encoding="utf-8")
    names = sorted(p.name for p in tmp_path.glob("*.txt"))

    def corpus_places(cfg):
        return [(f.check, f.path, f.line, f.column, f.excerpt)
                for f in check_corpus(Corpus(tmp_path, names, cfg), "typo")]

    assert corpus_places(Config(ignore=[VARIANT, REAL])) == [
        ("typo.confusable-char", "000.txt", 3, 12, "己乎"),
        ("typo.language-model", "001.txt", 3, 5, "惟一")]
    assert corpus_places(Config()) == []
    corpus = Corpus(tmp_path, names, Config())
    found_here = [(f.check, f.path, f.line, f.column, f.fix.replacement)
                  for name in names for f in check_seed(corpus.seed(name), Config())
                  if f.check in (VARIANT, REAL)]
    assert found_here == [(REAL, "000.txt", 3, 12, "几"), (VARIANT, "001.txt", 3, 5, "唯一")]



def test_the_frames_and_the_known_pairs_are_asked_once_a_seed(monkeypatch):
    """The file checks and the typo index share find_variant_forms, find_real_word_slips
    and find_known through the seed (Seed.memo), in whichever order they run (a memo of
    the last texts served only the file checks' order), and the options key them: a seed
    checked with names off asks again. The findings are those of fresh seeds."""
    from checks import typo_detect as T
    from checks.cache import index_features

    calls = {"variant": 0, "real": 0, "known": 0}

    def counted(name, f):
        def g(*a, **k):
            calls[name] += 1
            return f(*a, **k)
        return g

    monkeypatch.setattr(U, "find_variant_forms", counted("variant", U.find_variant_forms.__wrapped__))
    monkeypatch.setattr(U, "find_real_word_slips", counted("real", U.find_real_word_slips.__wrapped__))
    monkeypatch.setattr(T, "find_known", counted("known", T.find_known))
    body = "他好象没有听见，嫌疑人己被拘留，工作取得实缋。\n"
    cfg = Config()
    seeds = [seed_from_text(HEAD + body, rel=f"{i}.txt") for i in range(3)]
    mine = (VARIANT, REAL, "typo.known-misspelling")

    def places(findings):
        return [(f.check, f.line, f.column, f.end_column, f.message, f.fix.replacement)
                for f in findings if f.check in mine]

    want = places(check_seed(seed_from_text(HEAD + body), cfg))
    assert {w[0] for w in want} == set(mine)
    for k in calls:
        calls[k] = 0
    # the benchmark's order: every seed's file checks, then every seed's index
    got = [places(check_seed(s, cfg)) for s in seeds]
    for s in seeds:
        index_features(s, cfg, ["typo"])
    assert got == [want] * 3
    assert calls == {"variant": 3, "real": 3, "known": 3}
    # the index first, then the file checks
    s = seed_from_text(HEAD + body, rel="x.txt")
    index_features(s, cfg, ["typo"])
    assert places(check_seed(s, cfg)) == want
    assert calls == {"variant": 4, "real": 4, "known": 4}
    # other options: asked again for the same seed
    off = Config(checks={VARIANT: {"names": False}, REAL: {"names": False}})
    check_seed(s, off)
    assert calls == {"variant": 5, "real": 5, "known": 4}

# -- find_real_word_slips' fast paths -------------------------------------------------------

def _tokens_the_frame_rules_test() -> set[str]:
    """The tokens the chain of frame rules compares ``t`` with (``t == "…"``,
    ``t in ("…", …)``), read from the source of find_real_word_slips."""
    import ast
    import inspect
    import textwrap
    tree = ast.parse(textwrap.dedent(inspect.getsource(U.find_real_word_slips)))
    out: set[str] = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Compare) and isinstance(node.left, ast.Name)
                and node.left.id == "t" and len(node.ops) == 1):
            continue
        right = node.comparators[0]
        if isinstance(node.ops[0], ast.Eq) and isinstance(right, ast.Constant):
            out.add(right.value)
        elif isinstance(node.ops[0], ast.In) and isinstance(right, ast.Tuple):
            out.update(e.value for e in right.elts)
    return out


def test_every_token_a_frame_rule_tests_is_a_rule_token():
    # tokens outside _RULE_TOKENS (and not opening on 那) are passed over before the
    # chain of rules: a rule on a token missing from it would never fire
    tested = {t for t in _tokens_the_frame_rules_test() if t[0] != "那"}
    assert len(tested) > 30
    assert tested == set(U._RULE_TOKENS)


@pytest.mark.parametrize("text, expected", [
    # a trigger at the text's start and end, on a clause's end mark (？) and just after it
    ("他说到：“我们要学习。”你知道吗？自已的事情自已做。",
     [(2, 3, "到", "道"), (18, 19, "已", "己"), (23, 24, "已", "己")]),
    ("？自已", [(2, 3, "已", "己")]),
    ("象大山一样的人呢？是不在家", [(0, 1, "象", "像")]),
    ("自已", [(1, 2, "已", "己")]),
    ("", []),
])
def test_real_word_slips_at_the_edges_of_clauses(text, expected):
    assert [tuple(u[:4]) for u in U.find_real_word_slips(text)] == expected


def test_the_trigger_scan_finds_what_the_grouped_pattern_finds():
    # _SCAN spells out ？|\? and 要在|用在|… so that re can skip to a trigger's first
    # character; the grouped spelling it replaced must find the same spans
    import random
    import re
    pattern = U._SCAN.pattern
    assert "？|\\?|" in pattern and "|要在|用在|必在|" in pattern
    grouped = re.compile(pattern.replace("？|\\?|", "[？?]|").replace(
        "|要在|用在|必在|别在|能在|会在|想在|愿在|应在|可在|得在|敢在|",
        "|(?:要|用|必|别|能|会|想|愿|应|可|得|敢)在|"))
    rnd = random.Random(3)
    pool = "自已己象像学习必须品届仍就另近一步不在呢？?做为累积与1０昨于既带收到接收有两要用在能会" \
           "份子反应再作法的很太组成主办来决定即不管无论到底究竟著但，。a\n𠀀"
    spans = 0
    for _ in range(2000):
        text = "".join(rnd.choice(pool) for _ in range(rnd.randint(0, 30)))
        got = [m.span() for m in U._SCAN.finditer(text)]
        assert got == [m.span() for m in grouped.finditer(text)], text
        spans += len(got)
    assert spans > 5000
