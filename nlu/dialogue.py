"""What a message is on its own, before any dialogue or classifier reads it.

Residents do not answer the question they were asked: in the middle of a draft they
say "算了，不说了", "谢谢", "电梯里困了人！" or ask when the clinic opens. These
functions recognise such messages by their words alone, so the router can answer
them as themselves whatever dialogue is open (see bot.router).
"""

from __future__ import annotations

import re

from nlu.normalize import normalize

_FILLER = re.compile(r"[\s,，.。!！?？~～、…;；:：'\"“”‘’()（）]+")
_EMOJI = re.compile(r"[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F\u200D]")

#: Cancelling in the words people use (the whole message, punctuation aside).
CANCEL_PHRASES = frozenset(
    {
        "取消",
        "/cancel",
        "退出",
        "算了",
        "算了吧",
        "不用了",
        "不说了",
        "不报了",
        "先不报了",
        "先不说了",
        "搞错了",
        "弄错了",
        "发错了",
        "不要了",
        "算了不说了",
        "算了不报了",
        "算了不用了",
        "没事了",
        "不弄了",
        "取消吧",
        "取消了",
        "不提交了",
        "先不提交了",
        # The topic card's own words: "…不提了就发“取消”".
        "不提了",
        "先不提了",
        "算了不提了",
    }
)


#: Nothing more to add, as people say it to "想补充意见可以直接说" (the whole message).
NOTHING_MORE = frozenset(
    {"没有", "没有了", "没了", "不用了", "不用", "没什么", "没啥", "无", "跳过", "算了", "就这样"}
)
_THANKS_TAIL = re.compile(r"(?:谢谢|谢了|多谢)(?:你|您|啦|了)?$")


def says_nothing_more(text: str) -> bool:
    """True when the whole message says there is nothing to add ("没有", "不用了",
    "没有了，谢谢"), so a closing word answers it, not "您的意见已记下"."""
    body = squeeze(text)
    return body in NOTHING_MORE or _THANKS_TAIL.sub("", body) in NOTHING_MORE


#: A bare yes or acknowledgement (嗯, 要, 好, 对, 是的, 👍): it answers, it says nothing.
BARE_ACKS = frozenset(
    {
        "嗯",
        "嗯嗯",
        "要",
        "好",
        "好的",
        "好滴",
        "对",
        "对的",
        "对对",
        "是",
        "是的",
        "行",
        "可以",
        "ok",
        "okay",
        "收到",
        "没问题",
        "哦",
        "噢",
        "知道了",
    }
)
#: "门已经修好了，不用来了": what was about to be reported needs nobody any more.
_NO_LONGER_NEEDED = re.compile(
    r"(?:已经|都|早就?)(?:修好|弄好|好|解决|处理好|没事|不漏|亮)了"
    r"|不用(?:来|修|管|报|处理)了|不需要(?:来|修|处理)了|别来了"
)


def is_bare_ack(text: str) -> bool:
    """True when the whole message is a yes or an acknowledgement (嗯, 要, 好的, 👍):
    never a problem's description, never a confirmation unasked."""
    body = squeeze(text)
    if not body:
        return bool(_EMOJI.search(normalize(text)))
    return body in BARE_ACKS or (body[:1] * len(body) == body and body[:1] in BARE_ACKS)


def no_longer_needed(text: str) -> bool:
    """True when the message says the problem is gone or nobody need come ("已经修好了",
    "不用来了")."""
    return bool(_NO_LONGER_NEEDED.search(normalize(text)))


#: Said of an emergency just reported: it is over, or never was ("误报了", "人出来了").
_ALL_CLEAR = re.compile(r"误报|报错了|搞错了|没事了|(?:人|都|已经)(?:被救)?出来了|救出来了")


def all_clear(text: str) -> bool:
    """True when the message says the danger just reported is over or was a false alarm:
    told to whoever handles it, never filed or advised about again."""
    return bool(_ALL_CLEAR.search(normalize(text))) or no_longer_needed(text)


def squeeze(text: str) -> str:
    """The words of ``text`` without punctuation, spaces and emoji (normalized)."""
    return _EMOJI.sub("", _FILLER.sub("", normalize(text)))


def is_cancel(text: str) -> bool:
    """True when the whole message says to drop what is in progress."""
    body = squeeze(text)
    if body in CANCEL_PHRASES:
        return True
    return body.startswith("算了") and body[2:] in CANCEL_PHRASES


# ---- emergencies -----------------------------------------------------------------------

#: Someone, as people name a person in danger ("有个小孩", "我妈", "个人"): a bare 人 only
#: after 有 or 个, so "家人挂在阳台的腊肉" names nobody.
_SOMEONE = (
    r"(?:(?:有|个)人|小孩|孩子|小朋友|(?<!娃)娃(?!娃)|宝宝|儿子|女儿|孙子|孙女|外孙|老人|老太太|老头"
    r"|大爷|大妈|奶奶|爷爷|阿姨|老伴|我妈|我爸|邻居)"
)
#: A window, its grille or a balcony: where someone caught or hanging may fall from.
_LEDGE = r"(?:窗|防盗网|防护网|护栏|阳台|栏杆)"
#: Not what someone hung there ("奶奶挂在阳台的衣服", "挂在窗户上的风铃").
_NOT_HUNG_THING = r"(?![^，。,.!！?？]{0,3}的)"

#: Danger to life, by kind; each kind has its advice in the locale ([emergency]). A kind
#: may come twice: the first of its patterns that a message matches, unless the message
#: also says what makes it ordinary (its third element: smoke from a 烧烤摊 is 环境).
_EMERGENCIES: tuple[tuple[str, re.Pattern[str], re.Pattern[str] | None], ...] = (
    (
        "lift",
        re.compile(
            # Only a person in it: a lift that sticks or breaks ("电梯老是卡住", "电梯门
            # 关不上") is an ordinary 电梯 report, drafted and confirmed as any other.
            r"电梯.{0,12}(?:困|关在|关里|被关|出不来|下不来|有人在里"
            r"|里面?还?有人(?=$|[，。！!？?,.\s~～]|呢|啊|呀|快|被|困|出不|下不|没出)"
            r"|[人我孩娃子妈爸爷奶婆公他她老宝].{0,2}在里[面头边]"
            # "电梯里好像还关着个人在喊呢", "电梯关着人了", "电梯关人了" (not "电梯关了人
            # 都上不去": a lift shut down).
            r"|关着(?:个|一个|几个|两个|俩)?(?:人|老人|小孩|孩子|娃)"
            r"|关了(?:个|一个|几个|两个|俩)(?:人|老人|小孩|孩子|娃)|关了?人了"
            # "有人在里面喊", "电梯停了里面有人在拍门" (not "有人叫外卖", "有人喊了物业").
            r"|(?:有|个)人(?:还?在)?(?:里面?|里头)?在?(?:喊|叫)"
            r"(?=救命|人|呢|啊|呀|$|[，。！!？?,.\s~～]|着|个不停)"
            r"|(?:有|个)人.{0,4}(?:呼救|求救|拍门|敲门|砸门|叫救命|喊救命))"
            r"|(?:困|关|卡)(?:了|住了?)?.{0,4}在?电梯",
        ),
        None,
    ),
    (
        "trapped",
        re.compile(
            r"困人|被困|困住了|锁在.{0,4}(?:里|屋)"
            # "里面还困着人呢", "里头好像关着个小孩" (said of the lift or room just named).
            r"|里[面头边]?.{0,4}(?:关|困)着(?:个|一个|几个|两个|俩)?(?:人|老人|小孩|孩子|娃)"
            # Caught or hanging at a window, its grille or a balcony: a fall ("有小孩卡在
            # 防盗窗上了", "阳台外面挂着个孩子"); a kite or clothes there are nobody.
            r"|" + _SOMEONE + r"(?:[还又都正被]|的?(?:头|脚|腿|手|胳膊|身子|半个身子|一只脚))?"
            r"(?:卡|挂|悬|吊|夹)(?:在|住|到|着)?.{0,6}"
            + _LEDGE
            + _NOT_HUNG_THING
            + r"|"
            + _LEDGE
            + r".{0,6}(?:卡|挂|悬|吊|夹)着(?:个|一个)?"
            + _SOMEONE
            + r"(?!的)"  # "阳台上挂着孩子的衣服"
        ),
        None,
    ),
    (
        "gas",
        re.compile(
            r"(?:煤气|燃气|天然气|液化气).{0,6}(?:味|漏|泄)|闻到.{0,4}(?:煤气|燃气)"
            # "煤气灶打不着火了闻着还有点味儿是不是漏气了".
            r"|(?:煤气|燃气|天然气|液化气)[^。！!?？]{0,20}(?:漏气|有(?:点|股)?味|味儿|气味)"
            # "一股气味，好像是煤气": a smell alone ("垃圾房一股气味") is no gas leak.
            r"|(?:气味|味道|味儿).{0,6}(?:煤气|燃气|天然气|液化气)"
        ),
        None,
    ),
    # A fire said (不着火: "煤气灶打不着火"; a 火灾隐患 is a risk, reported as any other).
    (
        "fire",
        re.compile(r"(?<![不没])着火|起火|失火|火灾(?!隐患)|烧起来|(?:烧|点)着了|火光|火苗|明火"),
        None,
    ),
    (
        # Smoke or a burning smell ("楼上家里在冒黑烟", "楼道里烟很大", "一股烧焦味"),
        # unless it is a barbecue's, a cigarette's, a kitchen's, a boiler's or fireworks',
        # or every day ("冒烟的烧烤摊", "锅炉房整夜冒黑烟": 环境). A fire said in words (着火,
        # 火苗) is one whatever else is said.
        "fire",
        re.compile(
            r"冒.{0,2}烟|浓烟|烟(?:很|好|太|特别|非常)?大|(?:好多|很多|全是|都是|一屋子|满屋)"
            r"的?烟|烟雾(?!报警|探测|传感)|呛.{0,2}烟|烧焦的?(?:气?味|味道)|焦糊味"
        ),
        re.compile(
            r"烤|烧考|撸串|油烟(?!机)|烟囱|锅炉|抽烟|吸烟|烟头|香烟|二手烟|烟民|炊烟|烟花|鞭炮|爆竹"
            # Smoke every day is a nuisance, not a fire now ("锅炉房整夜冒黑烟").
            r"|天天|每天|每晚|整夜|整晚|经常|老是|总是"
            # Said of a report or a topic ("那个电梯烧焦味的诉求一直没人来", "烟雾报警器").
            r"|诉求|议题"
        ),
    ),
    (
        "electric",
        re.compile(
            r"漏电|触电|电线.{0,6}(?:冒火|火花|打火|烧)|(?:冒|打|出)火花|电箱.{0,4}(?:冒|烧|炸)"
        ),
        None,
    ),
    (
        # Something overhead about to fall on people: a broken window's glass, a loose
        # sign or air-conditioner unit ("怕掉下来砸到人"). A window that won't shut is not.
        "falling",
        re.compile(
            r"(?:玻璃|窗户|窗框|窗子|广告牌|招牌|灯箱|空调外机|外机|空调|瓷砖|外墙|墙砖"
            r"|雨棚|遮阳棚|花盆|铁皮|吊顶|灯罩|防盗窗)"
            r".{0,16}(?:快掉|要掉|会掉|掉下来|掉下去|往下掉|坠落|坠下|砸到|砸着|砸人|砸伤"
            r"|摇摇欲坠)|高空坠物"
        ),
        None,
    ),
    (
        # An open manhole: its cover gone or moved. A cover that rattles (井盖响) is not.
        "manhole",
        re.compile(
            r"井盖.{0,8}(?:没了|没有了|不见了|丢了|被偷|偷走|被人?(?:挪|移|掀|搬|撬|拿|偷)"
            r"|(?:挪|移|掀|撬|搬)(?:开|走)|打开了|敞着|没盖好|没盖上|缺了|碎了|塌了"
            r"|陷下去|掉下去|翻了|破了)"
            r"|(?:没有|没|缺了?|少了?)个?井盖|井口.{0,4}(?:敞|露|没盖)|掉进.{0,4}井"
        ),
        None,
    ),
    (
        # Hurt, or collapsed ("有人倒在地上", "我妈叫不醒了"): a bin fallen over or
        # emptied ("垃圾桶倒在地上", "有人把剩饭倒在地上") is nobody.
        "hurt",
        re.compile(
            r"(?:摔|跌)(?:倒|伤|下来|了一跤)|晕倒|昏倒|昏迷|受伤|流血|出血|起不来|不省人事|没气|坠落|高空抛物.{0,4}砸"
            r"|"
            + _SOMEONE
            + r"[^的把将，。,.!！?？;；]{0,6}(?:倒在地|倒地|躺在地上(?:不动|起不来))"
            r"|(?:叫|喊|摇)不醒|(?:晕|昏)过去|没了?(?:呼吸|意识)(?!到)|抽搐"
        ),
        None,
    ),
    (
        "flood",
        re.compile(
            r"(?:水管|管子).{0,4}(?:爆|裂)|爆管|(?:大水|水).{0,4}(?:灌|涌|冲)进|进水了|淹了|水漫"
        ),
        None,
    ),
)


#: What each kind of danger is about: an emergency said during a draft belongs to it only
#: when the draft speaks of the same thing (a lift draft, then people trapped in it).
_SUBJECTS: dict[str, tuple[str, ...]] = {
    "lift": ("电梯",),
    "trapped": ("电梯", "门", "锁", "屋", "房"),
    "gas": ("煤气", "燃气", "天然气", "液化气", "气味"),
    "fire": ("火", "烟", "烧"),
    "electric": ("电线", "电箱", "插座", "漏电", "线路", "配电", "开关", "电表"),
    "falling": ("玻璃", "窗", "广告牌", "招牌", "空调", "外机", "瓷砖", "墙皮", "雨棚", "掉", "砸"),
    "manhole": ("井盖", "井口"),
    "hurt": ("摔", "跌", "伤", "晕", "老人", "孩子"),
    "flood": ("水", "管", "漏", "淹"),
}


def same_danger(kind: str, draft: str) -> bool:
    """Does the draft ``draft`` speak of what an emergency of ``kind`` is about?"""
    body = normalize(draft)
    return any(word in body for word in _SUBJECTS.get(kind, ()))


#: What people say around the words without meaning anything by it ("有个小孩啊 卡在
#: 窗户上了", "电梯里呢 关着个人"): read past as well as with.
_SPOKEN_FILLERS = re.compile(r"[\s啊呀呢嘛哦噢哎诶喂]+")


def emergency_kind(text: str) -> str | None:
    """The kind of danger ``text`` reports ("lift", "trapped", "gas", "fire", "electric",
    "falling", "manhole", "hurt", "flood"), or None. Words, not a model: a missed
    emergency costs a life."""
    body = normalize(text)
    if len(body) > 300:
        body = body[:300]
    bare = _SPOKEN_FILLERS.sub("", body)
    for kind, pattern, unless in _EMERGENCIES:
        if unless is not None and unless.search(body):
            continue
        if pattern.search(body) or pattern.search(bare):
            return kind
    return None


# ---- small talk --------------------------------------------------------------------------

_SMALL_TALK: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "greeting",
        re.compile(
            r"(?:您|你)好(?:呀|啊)?|hi|hello|hey|早|早上好|上午好|中午好|下午好|晚上好"
            r"|在吗|在不在|哈喽|嗨|有人吗"
        ),
    ),
    (
        "thanks",
        re.compile(
            r"(?:太|非常|十分|真是)?(?:谢谢|多谢|感谢|谢了|thanks|thankyou|thx)(?:你|您|你们|您们|大家|啦|了|哈|网格员|社区)*(?:辛苦了)?"
            r"|辛苦(?:了|啦)?(?:谢谢)?"
        ),
    ),
    (
        "praise",
        re.compile(
            r"(?:你们|您们|你|社区|网格员)?(?:真|太|很|挺)?(?:棒|好|厉害|给力|靠谱|负责)(?:了|啊|呀|啦)?|点赞|赞一个"
        ),
    ),
    ("ack", re.compile(r"好的?|好滴|嗯+|哦+|噢+|知道了|明白了?|收到|了解|行|ok|okay|可以|没问题")),
    ("bye", re.compile(r"再见|拜拜|bye|晚安")),
    (
        "human",
        re.compile(
            r"(?:我要|我想|请|帮我)?(?:转|找|接|要)(?:个|一下)?(?:人工|真人)(?:客服|服务)?"
            r"|人工(?:客服|服务)?|真人(?:客服)?|(?:有没有|有)真人(?:吗|不)?"
            # A phone or a person to ask for: the duty phone and one's own 网格员.
            r"|(?:我们|我家|咱们?)?(?:楼|小区|这边)?的?(?:网格员|社区|居委会|书记)的?"
            r"(?:电话|手机|联系方式)(?:号码?)?(?:是)?(?:多少|是什么|给我|发我|有吗)?(?:啊|呀|呢)?"
            r"|(?:我们|我家|咱们?)?(?:楼|小区|这边)?的?网格员是谁(?:啊|呀|呢)?"
            r"|(?:我)?(?:不会打字|打字不方便)(?:的话)?(?:能|可以)?打电话(?:吗|不)?"
            r"|(?:能|可以)打电话(?:吗|不)|(?:打电话|有事)找谁(?:啊|呀|呢)?"
        ),
    ),
)
_POSITIVE_EMOJI = re.compile(r"[👍👌🙏❤️💐🌹😊🙂😄😀👏🤝✌️💪🌸🥰😁☺]")


#: Greetings and fillers before what someone has to say ("你好 我们楼…", "在吗？请问…"):
#: not part of a problem's description.
_LEADING_GREETING = re.compile(
    r"^(?:\s*(?:(?:网格员|社区|书记|物业)?(?:你好|您好)|你们好|您们好|大家好|在吗|在不在|有人吗"
    r"|请问(?:一下)?|麻烦问(?:一)?下|麻烦(?:您|你)?(?:一)?下|打扰(?:一)?下|打扰了|哈喽|嗨"
    r"|喂+(?=[\s,，.。!！~～])|(?:hi|hello)(?![a-z]))(?:呀|啊)?[\s,，.。!！~～?？、]*)+",
    re.IGNORECASE,
)


def without_greeting(text: str) -> str:
    """``text`` without the greetings and fillers it starts with ("你好 我们楼7号楼…" →
    "我们楼7号楼…"); the text as it was when it is nothing else."""
    rest = _LEADING_GREETING.sub("", text)
    return rest if rest.strip() else text


def small_talk(text: str) -> str | None:
    """ "greeting", "thanks", "praise", "ack", "bye" or "emoji" when the whole message is
    a pleasantry (你好, 谢谢你们！, 👍), "human" when it asks for a person (转人工,
    我要找真人), else None."""
    raw = normalize(text)
    body = squeeze(text)
    if not body:
        return "emoji" if _EMOJI.search(raw) else None
    if len(body) > 16:
        return None
    for kind, pattern in _SMALL_TALK:
        if pattern.fullmatch(body):
            return kind
    # Two pleasantries in one message ("你好，谢谢" / "好的谢谢"): the last one speaks.
    for kind, pattern in reversed(_SMALL_TALK):
        found = pattern.search(body)
        if found and found.end() == len(body):
            rest = body[: found.start()]
            if rest and small_talk(rest) is not None:
                return kind
    return None


def positive_emoji(text: str) -> bool:
    return bool(_POSITIVE_EMOJI.search(text))


# ---- questions ---------------------------------------------------------------------------

_QUESTION = re.compile(
    r"[?？]|吗$|吗[。！!]?$|呢$|多少|几点|几号|什么时候|(?:带|要|是|有|需要|办)什么|哪里|哪儿|在哪|怎么|如何|怎样|能不能|可不可以|可以.{0,6}吗|是不是|有没有|请问|咨询|电话|what|when|where|how"
)


def is_question(text: str) -> bool:
    """True when the message asks something (a question mark, 吗, 多少, 几点, 怎么 …)."""
    return bool(_QUESTION.search(normalize(text)))


# ---- English -----------------------------------------------------------------------------

_LATIN = re.compile(r"[a-z]")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_BUILDING = re.compile(r"\b(?:building|bldg|block|tower)\s*(?:no\.?\s*)?(\d{1,3})\b")
_UNIT = re.compile(r"\bunit\s*(\d{1,2})\b")
_ROOM = re.compile(r"\b(?:room|apt|apartment|flat)\s*(\d{3,4})\b")
#: A small map from English words residents use to the Chinese the rest of the bot reads.
_WORDS: tuple[tuple[str, str], ...] = (
    (r"trapped|stuck", "困人"),
    (r"on fire|fire|burning", "着火"),
    (r"smoke|smoking", "冒烟"),
    (r"gas leak|smell(?:s)? (?:of )?gas|gas", "燃气泄漏"),
    (r"sparks?|sparking|electric shock", "电线冒火花"),
    (r"fell|fallen|fall down|injured|hurt|bleeding|unconscious", "有人摔倒受伤"),
    (r"flood(?:ing|ed)?|water (?:is )?(?:pouring|coming) in|burst pipe", "水管爆了进水了"),
    (r"elevators?|lifts?", "电梯"),
    (r"street ?lights?|lights?|lamps?", "路灯"),
    (r"garbage|rubbish|trash|waste", "垃圾"),
    (r"leak(?:ing|s)?|leaky", "漏水"),
    (r"noise|noisy|loud", "噪音扰民"),
    (r"parking|parked", "乱停车"),
    (r"door|gate|access control", "门禁"),
    (r"broken|not working|doesn'?t work|does not work|out of order|damaged|stopped", "坏了"),
    (r"dirty|smelly|stinks?", "很脏很臭"),
    (r"property (?:management )?fees?", "物业费多少钱"),
    (r"property (?:management|company|office)", "物业电话"),
    (r"parcel lockers?|delivery lockers?|package lockers?", "快递柜在哪"),
    (r"clinic|hospital|doctor|health (?:centre|center)", "社区卫生服务站几点开门"),
    (r"opening hours|open(?:ing)? time|when .*open", "几点开门"),
    (r"help|menu", "帮助"),
    (r"thank(?:s| you)|thx", "谢谢"),
    (r"hello|hi|hey|good (?:morning|afternoon|evening)", "你好"),
    (r"my (?:report|ticket|complaint)s?|status", "我的诉求"),
)
_WORD_RES = tuple((re.compile(rf"\b(?:{en})\b"), zh) for en, zh in _WORDS)


def from_english(text: str) -> str | None:
    """The Chinese the bot understands for a message written in English ("Hello, the
    elevator in building 5 is broken" → "5号楼电梯坏了"), or None when the message is not
    English or names nothing the map knows."""
    if _HAN.search(text):  # most messages: Chinese, whatever normalising would change
        return None
    body = normalize(text)
    if len(_LATIN.findall(body)) < 2:
        return None
    place = ""
    if found := _BUILDING.search(body):
        place += f"{found.group(1)}号楼"
    if found := _UNIT.search(body):
        place += f"{found.group(1)}单元"
    if found := _ROOM.search(body):
        place += f"{found.group(1)}室"
    words: list[str] = []
    for pattern, zh in _WORD_RES:
        if pattern.search(body) and zh not in words:
            words.append(zh)
            body = pattern.sub(" ", body)
    if not words:
        return None
    pleasantries = [w for w in words if w in ("你好", "谢谢")]
    content = [w for w in words if w not in pleasantries]
    if not content:
        return "，".join(pleasantries)
    return place + "".join(content)
