"""反映问题: a draft ticket filled from what the resident says, one question at a time.

Category, urgency and place come out of the first message; only what is missing
is asked for (the resident's registered address stands in for an unnamed
place). A same-place, same-category open ticket is offered to follow instead.
The draft carries an id, so filing it twice files one ticket.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from consultation.audiences import DepartmentContacts, Person
from consultation.binding import remember_updates, remembered_updates
from consultation.staff_complaints import STAFF_COMPLAINT, STAFF_WORDS, accused_in
from consultation.ticket_parsing import (
    DraftSlots,
    Place,
    asks_for_home,
    cannot_say,
    corrected_place,
    find_ticket_number,
    names_home,
    names_room,
    read_message,
    unread_building,
)
from consultation.tickets import (
    Ticket,
    TicketDraft,
    TicketError,
    TicketService,
    is_reporter,
)
from handlers.tickets import TicketHandler, actor_of
from handlers.words import CONFIRM_WORDS, GO_ON, UPDATES_OFF, UPDATES_ON, updates_said
from kernel.commands import Command
from kernel.context import CARRIED, Context, Conversation
from kernel.flows import Flow, Step, stamped
from kernel.handler import NotForThisFlow, Reading
from kernel.intents import Intent
from kernel.messages import Button, Reply
from kernel.texts import t
from nlu.dialogue import (
    BARE_ACKS,
    all_clear,
    emergency_kind,
    is_bare_ack,
    is_cancel,
    is_question,
    no_longer_needed,
    same_danger,
    squeeze,
    without_greeting,
)
from nlu.lexicon import describes_problem, names_problem
from nlu.normalize import normalize
from notices import ticket_views as views
from notices.tickets import REPORT_FLOW, summary, told_of_change
from storage.tickets import OPEN_STATUSES

FLOW = REPORT_FLOW
#: Where a draft carries the problems said before it while their drafts waited ("4号楼灯
#: 坏了" then "5号楼灯坏了"): each its step and data, filed with it or taken up after it.
EARLIER = CARRIED
#: Asking to report without saying what ("我想反映个问题", "要报修", and 反应 typed for
#: 反映, as pinyin input often gives it): the draft starts by asking what the problem is.
START = re.compile(
    r"(?:你好|您好)?[，,\s]*(?:我|我们)?(?:想|要|想要|需要)?"
    r"(?:反映|反应|报修|投诉|报)(?:一下|一个|个|些|下)?(?:问题|事情?|情况)?[。！!~～]*"
)
YES_WORDS = frozenset({"要", "要，通知我", "好", "好的", "是", "需要", "通知我", "嗯"})
NO_WORDS = frozenset({"不用了", "不用", "不要", "不需要", "否", "算了吧"})
#: The answers to "问题是在5号楼吗？" (a building the words seemed to name, not read).
THERE_YES = frozenset({"是", "是的", "是啊", "对", "对的", "对啊", "嗯", "嗯嗯", "没错", "好"})
THERE_NO = frozenset({"不是", "不是的", "不对", "错了", "不在"})
#: After filing, a typed "确认" within this long means the same draft again.
FILED_WINDOW = timedelta(minutes=10)
#: After an emergency filed with no place named, where it is may be said this long after.
PLACE_WINDOW = timedelta(minutes=30)
#: A photo posted in a group goes with the report its sender makes there this soon after.
PHOTO_WINDOW = timedelta(minutes=10)
#: What the draft asks for next, in whatever order is missing (see ReportHandler._next);
#: each may move to any other, and 确认 files it (the conversation then starts "filed").
COLLECTING = (
    "collect",
    "ask_description",
    "ask_category",
    "ask_location",
    "check_building",
    "ask_updates",
    "question:*",
    "duplicate",
    "confirm",
)
_ANSWERS: dict[str, tuple[str, ...]] = {
    # A bare 👍/好/嗯 at the card is asked about (never taken for small talk, leaving the
    # resident to think it was filed): see ReportHandler._asked_to_submit.
    "confirm": (*sorted(CONFIRM_WORDS), *GO_ON, *sorted(BARE_ACKS), "👍", "👌"),
    # 确认提交 typed at this question (as at the card it comes before) goes on.
    "ask_updates": (*sorted(YES_WORDS | NO_WORDS | CONFIRM_WORDS), *GO_ON),
    "check_building": (*sorted(THERE_YES | THERE_NO), *GO_ON),
    "duplicate": (
        "关注",
        views.FOLLOW,
        "要",
        "好",
        views.FILE_ANYWAY,
        *sorted(NO_WORDS),
        *sorted(CONFIRM_WORDS),
        *GO_ON,
    ),
}
#: The words the draft's confirmation and the duplicate prompt offer (their buttons, and
#: at the prompt the 确认提交 people type to go on): typed with a slip, still those words.
_BUTTONS: dict[str, tuple[str, ...]] = {
    "confirm": (views.CONFIRM,),
    "ask_updates": (t("ticket.updates_yes"), t("ticket.updates_no"), views.CONFIRM),
    "duplicate": (views.FOLLOW, views.FILE_ANYWAY, views.CONFIRM),
}
#: The question's answer in the person's words ("不用通知我", "别给我发通知了", "还是通知我吧",
#: 关闭通知 typed): its no or yes, never 关闭通知/开启通知 said beside the draft.
_PHRASES: dict[str, tuple[str, ...]] = {"ask_updates": (*UPDATES_OFF, *UPDATES_ON)}
#: A bare no or a verdict ("不用", "还行"): an answer to no question the draft asked,
#: nothing for its description.
_BARE_ASIDES = frozenset(
    {*NO_WORDS, "还行", "还好", "一般", "还可以", "凑合", "没有", "没了", "行吧"}
)
#: Words that add another matter ("9号楼的路灯也不亮了", "另外…"), not correct this one.
_ANOTHER_MATTER = re.compile(r"也|另外|还有|顺便|不过|再说")
#: The word a second problem starts with ("还有6号楼门口的垃圾桶满了"): not its problem.
_LEAD_MATTER = re.compile(r"^(?:还有|另外|顺便说一下|顺便|再说)[\s，,、]*")
#: A verdict said before another matter ("还行 不过9号楼的路灯也不亮了"): not its problem.
_LEAD_ASIDE = re.compile(
    r"^(?:还行|还好|一般|还可以|凑合|不用了?)"
    r"(?:[\s，,。！!]+(?:不过|但是|可是)?|不过|但是|可是)[\s，,]*"
)
#: A message that corrects the draft rather than starting another one ("是5号楼",
#: "地点是5号楼", "说错了，是5号楼的灯").
CORRECTION = re.compile(
    r"^(?:不是|不对|是|应该是|改成|改为|改到|更正|其实是|准确说"
    r"|(?:地点|位置|地方|地址)(?:是|在|应该是|改成|改为)|(?:说|写|打)错了)"
)
#: "就在我们楼后面", "在东门那边": where it is, said on its own.
_WHERE = re.compile(r"(?:哦|噢)?[，,]?(?:就|是|应该是)?在(.{2,16}?)[。！!~～]*")
_OURS = re.compile(r"^(?:我们|咱们|我家|我)(?:这)?(?:栋|幢)?楼?")
#: Words that speak of a person (the other party, a member of staff): what is said so
#: belongs to a complaint about them (see ReportHandler._beside_complaint).
_OF_SOMEONE = re.compile(
    "|".join(
        ("他", "她", "对方", "邻居", "那家", "那户", "这家", "这户", "隔壁", "对门", *STAFF_WORDS)
    )
)
#: A room said of one's own home ("我家是102"): where the problem is, not the other party.
_OWN_HOME = re.compile(r"我家|我们家|我住|我是|本人")
#: Where one sentence's clauses part: "我家是5号楼302 他家就是楼上".
_CLAUSES = re.compile(r"[\s，,。；;！!]+")
#: A clause giving one's own home: "我家是5号楼302", "我住5-302", "我是5号楼102的"; not
#: "我家楼上502" (the neighbour's, said from one's home).
_MY_HOME_IS = re.compile(
    r"(?:我家|我们家|我住|我是|本人)(?:是|在|住)?(?:在)?\s*[\d一二三四五六七八九十]"
)


#: A building, unit or room as typed ("3号楼402", "5栋2单元", "B座"): the place's words.
_PLACE_WORDS = re.compile(
    r"[\d一二三四五六七八九十两]+\s*(?:号楼|号|栋|幢|座|单元|室|楼|层)?|[A-Za-z]+座?"
)
#: Words around a place that say nothing of what happened ("就在…那边", "是…的").
_PLACE_FILLER = re.compile(
    r"就|在|是|的|那边|这边|那里|这里|旁边|附近|对面|门口|楼下|楼上|我们|咱们|我家|那个|这个"
    r"|位置|地方|里面|里|边|呢|啊|吧|了|哦|噢|嗯|哈"
)
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _says_what_happened(text: str, place: Place) -> bool:
    """Does ``text`` say more than where ("3号楼402的老王天天在楼道里骂人": 老王天天骂人),
    not only a place with its filler ("是5号楼1单元202的", "东门那边")?"""
    rest = text.replace(place.spot, "") if place.spot else text
    rest = _PLACE_FILLER.sub("", _PLACE_WORDS.sub("", rest))
    return len(_CJK.findall(rest)) >= 4


def _own_home_split(text: str) -> tuple[str, str]:
    """An answer's clauses that give the complainant's own home ("我家是5号楼302",
    "我住5-302"), and the rest of what it says (the other party's)."""
    clauses = [c for c in _CLAUSES.split(text) if c]
    own = [c for c in clauses if _MY_HOME_IS.search(c) and names_home(c)]
    rest = [c for c in clauses if c not in own]
    return " ".join(own), " ".join(rest)


#: What the draft's, the duplicate prompt's and the follow buttons send: never a description.
_BUTTON_WORDS = frozenset(
    {
        views.CONFIRM,
        views.FOLLOW,
        views.FILE_ANYWAY,
        "不是同一件事，继续提交",
        "查看进度",
        "确认",
        "提交",
        "取消",
        *GO_ON,
    }
)
#: The category an emergency is filed under when the words name none.
EMERGENCY_CATEGORY = {
    "fire": "治安消防",
    "gas": "治安消防",
    "electric": "治安消防",
    "trapped": "治安消防",
    "hurt": "其他",
}


def _place(data: dict[str, Any]) -> Place:
    raw = data.get("place") or {}
    return Place(raw.get("building"), raw.get("unit"), raw.get("room"), raw.get("spot"))


def _store_place(place: Place) -> dict[str, str | None]:
    return {"building": place.building, "unit": place.unit, "room": place.room, "spot": place.spot}


class ReportHandler(TicketHandler):
    """Fills the draft from free text, photos and shared locations; files on confirmation."""

    intents = (Intent.REPORT_ISSUE,)
    takes_shared = True
    # The menu's "反映问题" button says this: a tap starts a report directly, never
    # via the classifier (which is unsure of a sentence with no problem in it).
    grammar = (Command("我要反映问题", "handle", listed=False),)
    phrases = (START.pattern,)
    flow = Flow(
        FLOW,
        (
            *(
                Step(
                    s,
                    then=(*COLLECTING, "photo") if s == "collect" else COLLECTING,
                    answers=_ANSWERS.get(s, GO_ON),
                    buttons=_BUTTONS.get(s, ()),
                    phrases=_PHRASES.get(s, ()),
                )
                for s in COLLECTING
            ),
            Step("filed", settled=True, answers=tuple(CONFIRM_WORDS)),
            # A photo posted in a group, kept quietly (nothing said to the group) for the
            # report its sender makes there next (see ReportHandler._kept_photos).
            Step("photo", settled=True, then=COLLECTING),
            # Following an open ticket (关注它, or told it is one's own): more said about
            # it next is added to it (see ReportHandler._followed).
            Step("followed", settled=True),
        ),
        starts=("collect", "filed", "followed"),
        kept="ticket.kept",
        put_down="ticket.put_down",
        put_down_tapped="ticket.put_down_tapped",
        dropped="ticket.dropped_confirmed",
    )
    #: An emergency is recognised before anything else, whatever step a dialogue is in.
    claims_first = True
    #: A draft shows the reporter's address and problem (a 邻里纠纷 names the neighbour):
    #: said in the group, the report is drafted in the reporter's own chat, where the
    #: dialogue then goes on, and the group is shown neither.
    answers_privately = True

    async def handle(self, ctx: Context) -> Sequence[Reply]:
        text = ctx.text
        if not text and ctx.message.link is not None:
            # A link on its own is acknowledged; it joins a report only inside one.
            link = ctx.message.link
            return [Reply(t("ticket.link_outside", title=link.title or link.url))]
        pending = self._pending(ctx)
        photos = self._kept_photos(ctx)
        was = (ctx.conversation.step, dict(ctx.conversation.data))
        if pending and ctx.conversation.step == "confirm" and START.fullmatch(text):
            # "我想反映个问题" over a finished card: the card is not thrown away unasked.
            submit = Button(
                t("ticket.confirm_button"),
                stamped(views.CONFIRM, ctx.conversation.data["draft_id"]),
            )
            # The card is asked about again at its own step: this answer is the draft's,
            # so the router adds no "草稿还在" note of other instructions under it.
            ctx.conversation.advance("confirm")
            return [Reply(t("ticket.pending_first", description=pending[:40]), buttons=(submit,))]
        self._start(ctx)
        second = bool(pending) and bool(text) and not START.fullmatch(text)
        if second:
            # A second problem while a draft waits ("4号楼灯坏了" then "5号楼灯坏了"): two
            # tickets, never one merged nor one dropped. The first is carried with this
            # draft: at the card both are shown and one 确认提交 files both (or, not yet
            # complete, it is taken up again once this one is filed).
            earlier = list(was[1].pop(EARLIER, []))
            earlier.append({"step": was[0], "data": was[1]})
            ctx.conversation.data[EARLIER] = earlier
        elif pending:  # its old card is told so if tapped, and can take it up again
            ctx.conversation.put_aside(FLOW, was[0], was[1])
        if photos:  # posted in this group just before: it shows what this says
            ctx.conversation.data["photos"] = photos
        if not text and ctx.message.image_url and ctx.message.location is None:
            # A photo sent first, the words to come: it goes with the report they describe.
            ctx.conversation.data["photos"] = [*photos, ctx.message.image_url]
            if ctx.message.is_group:
                # Posted in the group, it is the neighbours' to see: nothing is said there
                # (nor privately, which would take the photo out of the group's view).
                ctx.conversation.advance("photo", photo_at=ctx.now.isoformat())
                return []
            ctx.conversation.advance("ask_description")
            return [Reply(t("ticket.photo_first"))]
        if not text and ctx.message.location is not None:
            # A location shared outside a dialogue: offer to report a problem there.
            label = self._take_location(ctx)
            ctx.conversation.advance("ask_description")
            no = Button(t("ticket.place_offer_no"), "取消")
            return [Reply(t("ticket.place_offer", label=label), buttons=(no,))]
        if not START.fullmatch(text):
            said = _LEAD_ASIDE.sub("", text) or text
            self._absorb(ctx, (_LEAD_MATTER.sub("", said) or said) if second else said)
        replies = list(await self._next(ctx))
        conv = ctx.conversation
        if second:
            if conv.step == "confirm" and _ready(conv.data):
                return replies  # the card of both says so itself
            return [Reply(t("ticket.second_matter", description=pending[:40])), *replies]
        if pending:
            # "我想反映个问题" while a draft waited: the old one is put down with a word.
            return [Reply(t("ticket.replaced", description=pending[:40])), *replies]
        return replies

    def _take_location(self, ctx: Context) -> str:
        """Put the shared location in the draft (as the nearest configured building when
        one is close); how it reads."""
        loc = ctx.message.location
        assert loc is not None
        label = loc.label or f"{loc.latitude:.5f},{loc.longitude:.5f}"
        place = Place(spot=label[:64])
        building = self.catalogue.nearest_building(loc.latitude, loc.longitude)
        if building is not None:  # the grid follows the building
            place = Place(building=building, spot=(loc.label or "")[:64] or None)
            label = f"{building}（{loc.label}）" if loc.label else building
        ctx.conversation.data["place"] = _store_place(place)
        ctx.conversation.changed = True
        return label

    @staticmethod
    def _take_link(ctx: Context) -> None:
        """Keep a shared link with the draft, among its details (the worker sees it)."""
        link = ctx.message.link
        assert link is not None
        details = ctx.conversation.data.setdefault("details", {})
        key = t("ticket.link_detail")
        details[key] = " ".join(filter(None, [details.get(key), link.url]))
        ctx.conversation.changed = True

    @staticmethod
    def _kept_photos(ctx: Context) -> list[str]:
        """The photos this sender posted in this group within :data:`PHOTO_WINDOW`, kept
        for the report they make next (the conversation at its ``photo`` step)."""
        conv = ctx.conversation
        if conv.flow != FLOW or conv.step != "photo":
            return []
        posted = datetime.fromisoformat(str(conv.data.get("photo_at")))
        if ctx.now - posted > PHOTO_WINDOW:
            return []
        return [str(p) for p in conv.data.get("photos", [])]

    @staticmethod
    def _pending(ctx: Context) -> str:
        """The description of an unfiled draft this chat holds ("" for none)."""
        conv = ctx.conversation
        if conv.flow != FLOW or conv.step == "filed":
            return ""
        return str(conv.data.get("description") or "")

    @staticmethod
    def _start(ctx: Context) -> None:
        data: dict[str, Any] = {
            "draft_id": uuid.uuid4().hex,
            "description": "",
            "category": None,
            "urgent": False,
            "place": None,
            "photos": [],
            "details": {},
            "asked": [],
        }
        ctx.conversation.start(FLOW, "collect", **data)

    def reads(self, ctx: Context) -> Reading:
        """A detail, a correction or a place belongs to the draft; a report of its own
        (another category, said as a whole sentence) starts a new draft; a question that
        names nothing of the draft is routed as itself."""
        conv, text = ctx.conversation, ctx.text
        data = conv.data
        if conv.step == "photo":
            # Words after a photo posted in the group: understood as themselves (a report
            # takes the photo up, see handle; neighbours' chat is not the bot's).
            return Reading.ELSEWHERE
        settled = conv.step in ("filed", "followed")
        if settled or not data.get("description") or CORRECTION.match(text):
            return Reading.ANSWER
        if no_longer_needed(text):
            return Reading.ANSWER
        asking = conv.step in ("collect", "confirm", "duplicate")
        if asking and is_question(text) and not describes_problem(normalize(text)):
            return Reading.ELSEWHERE
        slots = read_message(text, self.catalogue)
        drafted = data.get("category")
        # (What is said of the person a complaint is about stays in it: "他家还在楼道堆杂物".)
        of_them = self._complaint(data) and _OF_SOMEONE.search(text) is not None
        if slots.category and drafted and slots.category != drafted and len(text) >= 8:
            return Reading.ANSWER if of_them else Reading.FRESH
        if self._elsewhere(data, text, slots) or self._beside_complaint(data, text, slots):
            return Reading.FRESH
        return Reading.ANSWER

    def _beside_complaint(self, data: dict[str, Any], text: str, slots: DraftSlots) -> bool:
        """A complaint about a person (a 邻里纠纷, a complaint about staff) takes what is
        said of that person ("他家装修也吵", "叫他修灯他还凶我"); a problem stated whole that
        speaks of nobody ("3号楼楼道灯坏了" after "我要投诉王网格员…") is a second matter,
        never folded into the complaint (where it would reach the moderators only, kept
        confidential, and the light be fixed by nobody). Of a neighbour dispute, only a
        problem of another kind."""
        if not self._complaint(data):
            return False
        if slots.category is None or not describes_problem(normalize(text)):
            return False
        if not data.get("about_staff") and slots.category == data.get("category"):
            return False
        return not _OF_SOMEONE.search(text)

    def _complaint(self, data: dict[str, Any]) -> bool:
        """Is the draft a complaint about a person: about staff, or of a confidential
        category (a 邻里纠纷)?"""
        covered = self.catalogue.confidentiality.covers(data.get("category"))
        return bool(data.get("about_staff")) or covered

    def _elsewhere(self, data: dict[str, Any], text: str, slots: DraftSlots) -> bool:
        """A problem stated in another building ("5号楼灯坏了" at a 4号楼 灯 card, "还行
        不过9号楼的路灯也不亮了" at its category question): a second problem, never merged
        into this draft (which it would move there). A correction looks like one ("是5号
        楼", "改成5号楼", or a bare "5号楼": :data:`CORRECTION`, or no problem said). A
        neighbour dispute's other party lives elsewhere: "他家在6号楼 天天吵" is the
        same matter, unless said as another one ("另外", "也")."""
        at, there = _place(data).building, slots.place.building
        if at is None or there is None or at == there:
            return False
        if not describes_problem(normalize(text)):
            return False
        other_kind = slots.category is not None and slots.category != data.get("category")
        if other_kind or _ANOTHER_MATTER.search(text):
            return True
        drafted = self.catalogue.get(str(data.get("category"))) if data.get("category") else None
        return drafted is None or not any(asks_for_home(q) for q in drafted.questions)

    def claims(self, text: str) -> str | None:
        kind = emergency_kind(text)
        return None if kind is None else f"emergency:{kind}"

    async def claimed(self, ctx: Context, label: str) -> Sequence[Reply]:
        """Danger to life: what to do at once, and the report filed urgent now (the grid's
        workers and the moderators are pushed as it commits), whatever step was open.
        Said in the group, what to do at once is for everyone there; the ticket filed,
        with its place, is for the sender alone."""
        first, *rest = await self._emergency(ctx, label)
        if not ctx.message.is_group:
            return [first, *rest]
        return [first, *(replace(r, private=True) for r in rest)]

    async def _emergency(self, ctx: Context, label: str) -> list[Reply]:
        """What to do at once (always first), then the ticket filed and where it went."""
        conv = ctx.conversation
        if conv.active and conv.flow != FLOW:
            # Another dialogue is open (a topic draft): the emergency is filed on a
            # conversation of its own, and the router keeps that dialogue with its note.
            ctx.conversation = Conversation()
            try:
                return await self._emergency(ctx, label)
            finally:
                ctx.conversation = conv
        kind = label.split(":", 1)[1]
        advice = views.emergency_advice(kind, ctx.community.duty_phone)
        text = ctx.text
        service = self.service(ctx)
        earlier: Ticket | None = None
        if conv.flow == FLOW and conv.step == "filed":
            earlier = await self._urgent_just_filed(ctx, service)
            if earlier is not None and same_danger(kind, earlier.description):
                # Said again with the place ("5号楼电梯里有人被困"): the place is corrected;
                # else what it adds ("我孙子在里面") goes to the ticket and its holder.
                told = await self._place_told(ctx, service, danger=kind)
                if told:
                    where = await self._where_now(service, earlier)
                    key = _if_taken("emergency.filed_before", earlier)
                    before = views.emergency_told(key, earlier.number, where)
                    return [advice, Reply(before), *told]
                noted = await self._noted(ctx, service, earlier)
                # The filing's dialogue stays open (the router closes a settled step a
                # message was answered beside): sent a third time, it is still this ticket.
                conv.advance("filed")
                return [advice, noted]
            # Another danger (smoke after people trapped in the lift): its own urgent ticket.
        drafting = conv.flow == FLOW and conv.step != "filed" and conv.data.get("description")
        # The building the reporter was just talking about ("5号楼门口路灯坏了" filed, or its
        # draft open): an emergency with no place said is not put at their home, nor added
        # to an older emergency at another building, without saying so.
        talked = await self._talked_of(ctx, service, bool(drafting))
        repeated, passed_over = await self._repeated(ctx, service, kind, talked)
        if repeated is not None:
            return [advice, *repeated]
        kept: dict[str, Any] | None = None
        kept_step = conv.step
        if drafting and self._same_problem(conv.data, text, kind):
            self._absorb(ctx, text)  # added to what the draft says
        else:
            # A photo sent first, the words not said yet: it shows this danger.
            waiting = conv.flow == FLOW and conv.step != "filed" and not drafting
            shown = list(conv.data.get("photos", [])) if waiting else []
            if conv.step == "photo":  # posted in the group: only just before
                shown = self._kept_photos(ctx)
            if drafting:  # another problem: the emergency is filed alone, the draft waits
                kept = dict(conv.data)
            self._start(ctx)
            conv.data["photos"] = shown
            self._absorb(ctx, text)
        data = conv.data
        data["urgent"] = True
        # Whoever reports a danger is told how it goes, even after 关闭通知 or 不用了.
        data["wants_updates"] = True
        if not data.get("category"):
            data["category"] = EMERGENCY_CATEGORY.get(kind, "公共设施")
        home: Place | None = None
        elsewhere = False
        named = unread_building(str(data.get("description", "")))
        guessed = data.get("place") is None or _place(data).empty
        # The draft it joined gave its place: said in the reply, as a guess is.
        from_draft = not guessed and read_message(text, self.catalogue).place.empty
        if guessed and earlier is not None:  # "楼道里也冒烟了": where the first one is
            data["place"] = _store_place(_ticket_place(earlier))
        elif guessed and named is not None:
            # "5号电梯里有人被困": filed at once at the building it seems to name (said so,
            # to be corrected), never at the reporter's home; one the community doesn't
            # have is filed with no place and asked about.
            if await service.building_unknown(named) is not None:
                named = Place()
            data["place"] = _store_place(named)
        elif guessed:  # filed at once at the resident's home (or nowhere yet), and said so
            home = self._home(ctx)
            elsewhere = talked is not None and (home is None or home.building != talked.building)
            # Just now about another building: filed there, and asked (never the home unsaid).
            data["place"] = _store_place((talked if elsewhere else home) or Place())
        number, where = await self._file(ctx)
        if ctx.user.bound:
            lines = [views.emergency_told("emergency.filed", number, where)]
        else:
            # Nobody has this person's name or phone: no "会马上联系您".
            phone = ctx.community.duty_phone
            call = t("emergency.guest_call", phone=phone) if phone else ""
            lines = [views.emergency_told("emergency.filed_guest", number, where, call=call)]
        if earlier is not None:
            # Both are being handled, and the resident is told so, with where each is.
            at = _ticket_place(earlier).label()
            if guessed:
                lines.append(t("emergency.place_earlier", number=earlier.number, place=at))
                conv.data["place_asked"] = True
                conv.changed = True
            where_then = await self._where_now(service, earlier)
            lines.append(
                t("emergency.also_earlier", number=earlier.number, summary=summary(earlier))
                + t(_if_taken("emergency.on_the_way", earlier), where=where_then)
            )
        elif guessed and elsewhere:
            assert talked is not None
            if kept is not None:
                # Where it is comes first: the next message may say it (see _place_told),
                # so the draft is put down (its card can take it up again) rather than take it.
                conv.put_aside(FLOW, kept_step, kept)
                lines.append(t("ticket.put_down", description=str(kept["description"])[:40]))
                kept = None
            at = talked.label()
            if home is not None:
                lines.append(t("emergency.place_talked", place=at, home=home.label()))
            else:
                lines.append(t("emergency.place_talked_guest", place=at))
            conv.data["place_asked"] = True
            conv.changed = True
        elif from_draft and kept is None:
            lines.append(t("emergency.place_named", place=_place(data).label()))
            conv.data["place_asked"] = True
            conv.changed = True
        elif guessed and kept is None:
            # The next message may say where it really is (see _place_told).
            if named is not None and not named.empty:
                lines.append(t("emergency.place_named", place=named.label()))
            elif home is not None:
                lines.append(t("emergency.place_guessed", place=home.label()))
            else:
                lines.append(t("emergency.place_unknown"))
            conv.data["place_asked"] = True
            conv.changed = True
        elif guessed and named is not None and not named.empty:
            # A draft waits and takes the next message as its own: the place is only said.
            lines.append(t("emergency.place_named_only", place=named.label()))
        elif guessed and home is not None:
            lines.append(t("emergency.place_home", place=home.label()))
        if passed_over is not None:
            # An older emergency of this kind at another building: not added to unsaid.
            at = _ticket_place(passed_over).label()
            lines.append(
                t(
                    "emergency.also_before",
                    number=passed_over.number,
                    summary=summary(passed_over),
                    place=at,
                )
            )
        replies = [advice, Reply("\n".join(lines))]
        if kept is not None:
            # The emergency just split off is another problem, not the draft's duplicate.
            conv.start(FLOW, "collect", **kept, split_from=number)
            replies.append(Reply(t("ticket.kept")))
        return replies

    async def _repeated(
        self, ctx: Context, service: TicketService, kind: str, talked: Place | None
    ) -> tuple[list[Reply] | None, Ticket | None]:
        """The same emergency said again ("取消" or "我的诉求" in between, or long after the
        filing's dialogue closed): while the sender's urgent ticket of this kind is open and
        recent (TicketService.ongoing_emergency), it is added to that ticket (its history,
        the audit log, its holder or grid) and never filed again; its place stays the
        first one's. A lift in another building named is another lift: (None, None), filed
        anew. With no place said while the talk was just about another building
        (``talked``), it is not added unsaid to that older one: (None, the older one), for
        the reply to name it beside the new ticket."""
        named = read_message(ctx.text, self.catalogue).place.building

        def same(ticket: Ticket) -> bool:
            if emergency_kind(ticket.description) != kind:
                return False
            return named is None or ticket.building in (None, named)

        ongoing = await service.ongoing_emergency(actor_of(ctx), same, ctx.now)
        if ongoing is None:
            return None, None
        if named is None and talked is not None and ongoing.building not in (None, talked.building):
            return None, ongoing
        noted = await self._noted(ctx, service, ongoing)
        conv = ctx.conversation
        if not conv.active or (conv.flow == FLOW and conv.step == "filed"):
            # What is said next ("我孙子在里面") goes to this ticket too, as after filing.
            conv.start(
                FLOW,
                "filed",
                draft_id=ongoing.draft_id,
                number=ongoing.number,
                filed_at=ctx.now.isoformat(),
            )
        return [noted], None

    async def _talked_of(
        self, ctx: Context, service: TicketService, drafting: bool
    ) -> Place | None:
        """The building the reporter was just talking about, where an emergency said with
        no place may well be: the draft open in this chat (nothing when it names none),
        else the ticket this chat just filed or followed, else the reporter's newest own
        ticket of the last :data:`PLACE_WINDOW` (one reported in the group is drafted in
        their own chat). None when there is none, or it names no building."""
        conv = ctx.conversation
        if drafting:
            building = _place(conv.data).building
            return Place(building=building) if building else None
        since = ctx.now - PLACE_WINDOW
        raw = conv.data.get("filed_at")
        if conv.flow == FLOW and conv.step in ("filed", "followed") and raw:
            at = datetime.fromisoformat(str(raw))
            found = await service.repo.by_number(str(conv.data.get("number", "")))
            if found is not None and at >= since:
                return Place(building=found.building) if found.building else None
        actor = actor_of(ctx)
        for ticket in await service.mine(actor):
            if not is_reporter(ticket, actor.platform, actor.user_id, actor.resident_id):
                continue
            if ticket.received_at < since:
                return None
            return Place(building=ticket.building) if ticket.building else None
        return None

    def _same_problem(self, data: dict[str, Any], text: str, kind: str) -> bool:
        """Does an emergency said during a draft belong to it? Only when the draft speaks
        of what the danger is about (a lift, then people trapped in it), and names no other
        building or kind of problem (a street light, then people trapped in a lift: two
        problems are two tickets, the urgent one filed alone with its own place)."""
        if not same_danger(kind, str(data.get("description", ""))):
            return False
        slots = read_message(text, self.catalogue)
        drafted = _place(data)
        if slots.place.building and drafted.building and slots.place.building != drafted.building:
            return False
        category = data.get("category")
        return not (slots.category and category and slots.category != category)

    async def _urgent_just_filed(
        self, ctx: Context, service: TicketService, within: timedelta = FILED_WINDOW
    ) -> Ticket | None:
        """The ticket this chat filed ``within`` ago, if it is urgent and still open."""
        data = ctx.conversation.data
        filed_at = datetime.fromisoformat(str(data.get("filed_at")))
        if ctx.now - filed_at > within:
            return None
        try:
            view = await service.view(str(data.get("number", "")), actor_of(ctx))
        except TicketError:
            return None
        ticket = view.ticket
        if not ticket.urgent or ticket.status in ("resolved", "closed"):
            return None
        return ticket

    async def _where_now(self, service: TicketService, ticket: Ticket) -> str:
        """Who has a ticket now, as a reply says it: whom the notice of a change goes to
        (notices.tickets.told_of_change) — its holder, else the department it was sent
        to, else its grid's workers (or the community's)."""
        first = told_of_change(ticket)[0]
        if isinstance(first, Person):
            holder = await service.holder_name(ticket)
            if holder:
                return t("emergency.where_holder", holder=holder)
        if isinstance(first, DepartmentContacts):
            return t("ticket.where_department", department=first.department)
        return views.emergency_where(await self._grid(service, ticket.grid_id))

    async def _noted(self, ctx: Context, service: TicketService, ticket: Ticket) -> Reply:
        """What the resident said next about an open ticket is added to it (its history,
        the audit log, a card to whoever holds it or was sent it); the reply says so."""
        noted = await service.add_note(ticket.number, actor_of(ctx), ctx.text, ctx.now)
        where = await self._where_now(service, noted)
        key = _if_taken("emergency.noted", noted) if noted.urgent else "ticket.noted"
        return Reply(views.emergency_told(key, noted.number, where))

    @staticmethod
    async def _grid(service: TicketService, grid_id: int | None) -> str | None:
        """The name of the grid a ticket went to (None: to the community's moderators)."""
        return None if grid_id is None else await service.grid_name(grid_id)

    async def resume(self, ctx: Context) -> Sequence[Reply]:
        conv, text = ctx.conversation, ctx.text
        step = conv.step or ""
        if step == "filed":
            return await self._after_filing(ctx)
        if step == "followed":
            return await self._followed(ctx)
        if step == "photo":
            if not (ctx.message.image_url and not text):
                raise NotForThisFlow
            # Another photo posted in the group: kept with the first, quietly.
            photos = [*self._kept_photos(ctx), ctx.message.image_url]
            conv.advance("photo", photos=photos, photo_at=ctx.now.isoformat())
            return []
        if text in GO_ON:
            return await self._next(ctx)
        if ctx.message.image_url and not text:
            conv.data["photos"] = [*conv.data.get("photos", []), ctx.message.image_url]
            conv.changed = True
            if step == "confirm":
                return [self._confirmation(conv.data)]
            return [Reply(t("ticket.photo_added", count=len(conv.data["photos"])))]
        if ctx.message.location is not None and not text:
            label = self._take_location(ctx)
            if step == "ask_location":
                return await self._next(ctx)
            return [Reply(t("ticket.location_added", label=label)), *await self._next(ctx)]
        if ctx.message.link is not None and not text:
            self._take_link(ctx)
            if step == "confirm":
                return [
                    Reply(t("ticket.link_added")),
                    self._confirmation(conv.data),
                ]
            return [Reply(t("ticket.link_added")), *await self._next(ctx)]
        if no_longer_needed(text):
            # "门已经修好了，不用来了": nothing to file; said so, not asked the category.
            conv.end()
            return [Reply(t("ticket.not_needed"))]
        if step == "confirm":
            if text.lower() in CONFIRM_WORDS:
                return await self._submit(ctx)
            if is_bare_ack(text):
                if conv.data.get("asked_submit"):  # a yes to "要提交这条吗？"
                    return await self._submit(ctx)
                conv.data["asked_submit"] = True
                conv.changed = True
                return [views.submit_question(str(conv.data["draft_id"]))]
            if not self._other_party_told(ctx):
                self._absorb(ctx, text)
            return await self._next(ctx)
        if step == "duplicate":
            number = find_ticket_number(text)
            if text.startswith(views.FOLLOW_PREFIX) or text in ("关注", views.FOLLOW, "要", "好"):
                offered = str(conv.data.get("duplicate", ""))
                if number and number != offered:
                    # Only the ticket the bot offered can be followed here: another number
                    # typed at this prompt would let anyone follow (and read) any ticket.
                    return [views.error_reply(TicketError("not_yours", number=number))]
                return await self._follow(ctx, offered)
            offered = str(conv.data.get("duplicate", ""))
            if not self._says_nothing(text) and text not in NO_WORDS:
                noted = await self._noted_on_own(ctx, offered)
                if noted is not None:  # "有新情况直接发给我": so it is added to that one
                    return noted
            conv.data["duplicate_declined"] = True
            conv.changed = True
            # 确认 here means "mine is another one, file it": shown for confirmation.
            if (
                text != views.FILE_ANYWAY
                and text not in NO_WORDS
                and text.lower() not in CONFIRM_WORDS
            ):
                self._absorb(ctx, text)
            return await self._next(ctx)
        if step == "ask_updates":
            said = updates_said(text)
            if said is not None:
                wanted = said
            elif text in YES_WORDS or text.startswith("要"):
                wanted = True
            elif text in NO_WORDS or text.startswith("不"):
                wanted = False
            elif text.lower() in CONFIRM_WORDS or text in GO_ON:
                # Going on without answering: this draft takes the default (notify), and
                # nothing is remembered that the person did not say.
                conv.advance("collect", wants_updates=True)
                return await self._next(ctx)
            else:
                return [views.updates_question()]
            # Remembered with the account: its next report is not asked again.
            message = ctx.message
            await remember_updates(
                ctx.uow, message.platform, message.sender_id, wanted, ctx.user.actor, ctx.now
            )
            conv.advance("collect", wants_updates=wanted)
            return await self._next(ctx)
        if step == "ask_category":
            chosen = text if text in self.catalogue.names else None
            if chosen is None:
                self._absorb(ctx, text)
                chosen = conv.data.get("category")
            if chosen is None:
                return [views.category_question(self.catalogue.names)]
            conv.data["category"] = chosen
            conv.changed = True
            return await self._next(ctx)
        if step.startswith("question:"):
            question = step.split(":", 1)[1]
            if asks_for_home(question):
                return await self._home_answered(ctx, question)
            conv.data["details"][question] = text[:200]
            conv.changed = True
            return await self._next(ctx)
        if step == "check_building":
            return await self._building_checked(ctx)
        if step in ("ask_description", "ask_location", "collect"):
            asked = conv.data.get("asked_building") or conv.data.get("building_guess")
            if step == "ask_location" and asked and text.isdigit():
                text = f"{int(text)}号楼"  # "几号楼？" — "6"
            self._absorb(ctx, text)
            if step == "ask_location" and conv.data.get("place") is None:
                conv.data["place"] = _store_place(Place(spot=text[:64]))
            return await self._next(ctx)
        ctx.conversation.end()
        return [Reply(t("router.expired"))]

    async def _after_filing(self, ctx: Context) -> Sequence[Reply]:
        """A fresh "确认" shortly after filing (a double tap, a late second thought) is
        answered with the number; where it really is, after an emergency filed at the
        resident's home, corrects the ticket's place; anything else is routed as a new
        message."""
        data = ctx.conversation.data
        filed_at = datetime.fromisoformat(str(data.get("filed_at")))
        fresh = ctx.now - filed_at <= FILED_WINDOW
        if fresh and ctx.text.lower() in CONFIRM_WORDS:
            return [Reply(t("ticket.already_filed", number=data.get("number", "")))]
        service = self.service(ctx)
        told = await self._place_told(ctx, service)
        if told:
            return told
        urgent = await self._urgent_just_filed(ctx, service, PLACE_WINDOW)
        if urgent is not None and (squeeze(ctx.text) in NO_WORDS or is_cancel(ctx.text)):
            # "不用" just after an emergency: it is not withdrawn by chat, nor is the word
            # added to the ticket; how to say it was a false alarm is told.
            where = await self._where_now(service, urgent)
            return [Reply(t("emergency.not_withdrawn", number=urgent.number, where=where))]
        if urgent is not None and all_clear(ctx.text):
            # "误报了" / "人出来了": told to whoever handles it, without the advice again.
            noted = await service.add_note(urgent.number, actor_of(ctx), ctx.text, ctx.now)
            where = await self._where_now(service, noted)
            return [Reply(t("emergency.all_clear", number=noted.number, where=where))]
        if urgent is not None and self._adds_to(urgent, ctx.text):
            # "快来人啊 我孙子在里面" just after people trapped in the lift: more about it,
            # answered with what to do again and added to the ticket, never "没明白".
            kind = emergency_kind(urgent.description) or "trapped"
            advice = views.emergency_advice(kind, ctx.community.duty_phone)
            return [advice, await self._noted(ctx, service, urgent)]
        raise NotForThisFlow

    def _adds_to(self, ticket: Ticket, text: str) -> bool:
        """Does ``text`` say more about ``ticket`` rather than report something else (a
        problem word, another category, another building)?"""
        if names_problem(normalize(text)):
            return False
        slots = read_message(text, self.catalogue)
        if slots.category not in (None, ticket.category):
            return False
        building = slots.place.building
        return building is None or building == ticket.building

    async def _place_told(
        self, ctx: Context, service: TicketService, danger: str | None = None
    ) -> list[Reply]:
        """After an emergency filed with no place named ("地点先按您登记的住址…记下了"),
        a message saying where it is ("在5号楼", "不在3号楼，是5号楼的电梯", or the
        emergency said again with its place: ``danger`` is its kind) puts that place on
        the ticket (recorded in its history and the audit log; the grid is told).
        Nothing (an empty list) for a message that names no place, or another problem."""
        data, text = ctx.conversation.data, ctx.text
        filed_at = datetime.fromisoformat(str(data.get("filed_at")))
        if not data.get("place_asked") or ctx.now - filed_at > PLACE_WINDOW:
            return []
        place = corrected_place(text)
        if place.empty or (danger is None and names_problem(normalize(text))):
            return []
        number = str(data.get("number", ""))
        try:
            ticket = (await service.view(number, actor_of(ctx))).ticket
            category = read_message(text, self.catalogue).category
            if category not in (None, ticket.category):
                return []  # another problem at that place: a report of its own
            if danger is not None and not same_danger(danger, ticket.description):
                return []  # another emergency: not where the first one is
            if ticket.status in ("resolved", "closed"):
                return []
            recorded = _ticket_place(ticket)
            if place == Place(building=recorded.building):
                place = recorded  # "在5号楼" of 5号楼2单元: no less precise than it was
            changed = await service.correct_place(number, actor_of(ctx), place, ctx.now)
        except TicketError:
            return []
        if changed is None:  # the place it has: said so, unless it was the danger said again
            if danger is not None:
                return []
            # "已经在处理了" only once a worker took it (as the emergency said again).
            key = _if_taken("emergency.place_same", ticket)
            where = await self._where_now(service, ticket)
            return [Reply(t(key, number=number, place=place.label(), where=where))]
        ticket = changed.ticket
        if changed.holder_name:
            where = t("emergency.where_holder", holder=changed.holder_name)
        else:
            where = views.emergency_where(await self._grid(service, ticket.grid_id))
        return [
            Reply(t("emergency.place_corrected", number=number, place=place.label(), where=where))
        ]

    def _absorb(self, ctx: Context, text: str) -> None:
        """Merge what ``text`` says into the draft. The description is only ever added to
        (a fuller statement of it, "电梯" then "电梯坏了", takes its place): a place said
        goes to the place, a button's word or a bare 嗯/要/👍 to nothing."""
        data = ctx.conversation.data
        if self._says_nothing(text):
            return
        if text in self.catalogue.names:  # a category's button, tapped at any step
            data["category"] = text
            ctx.conversation.changed = True
            return
        slots = read_message(text, self.catalogue)
        if slots.category:
            data["category"] = slots.category
        data["urgent"] = bool(data.get("urgent")) or slots.urgent
        problem = names_problem(normalize(text))
        where = _WHERE.fullmatch(text.strip())
        if slots.place.empty and not slots.place.unit and where and not problem:
            # "就在我们楼后面": a spot by the building the draft is at.
            spot = _OURS.sub("", where.group(1))[:64]
            slots.place = Place(building=_place(data).building, spot=spot)
        if not slots.place.empty or slots.place.unit:
            data["place"] = _store_place(_place(data).merged(slots.place))
        place_only = (
            slots.category is None
            and not slots.urgent
            and not problem
            and (not slots.place.empty or bool(slots.place.unit))
            # "3号楼402的老王天天在楼道里骂人" says what happened, in words the lexicon
            # has no problem word for: the problem, not just a place.
            and (bool(data.get("description")) or not _says_what_happened(text, slots.place))
        )
        if not place_only:
            # "你好 我们楼…": the greeting is no part of the problem.
            said = without_greeting(text)
            data["description"] = _added(str(data.get("description") or ""), said)
        ctx.conversation.changed = True

    async def _home_answered(self, ctx: Context, question: str) -> Sequence[Reply]:
        """The answer to a question asking where someone lives ("对方是几号楼几室？"):
        a building, unit or room is that answer (never the draft's place: that is the
        complainant's); "不知道" is kept as said and not asked again; anything else
        ("好几个月了 晚上11点以后") joins the problem, never lost, and the question is
        asked once more, then left unanswered."""
        conv, text = ctx.conversation, ctx.text
        data = conv.data
        conv.changed = True
        own, text = _own_home_split(text)
        if own:
            # "我家是5号楼302 他家就是楼上": his own home is the draft's place (as
            # "我家是…" is at the card), never 对方 (a worker would read it there).
            self._absorb(ctx, own)
            if not text:  # (his home went to the draft's place, nothing to the problem)
                return [Reply(t("ticket.ask_place_only", question=question))]
            data["details"][question] = text[:200]
            return await self._next(ctx)
        if names_home(text) or cannot_say(text):
            data["details"][question] = text[:200]
            return await self._next(ctx)
        noted = not self._says_nothing(text)
        if noted:
            data["description"] = _added(str(data.get("description") or ""), text)
        again = data.setdefault("asked_again", [])
        if question not in again:
            again.append(question)
            # "这句我先记在问题里了" only when it was (not of a bare 嗯 or 还行).
            key = "ticket.ask_place_again" if noted else "ticket.ask_place_only"
            return [Reply(t(key, question=question))]
        data.setdefault("unanswered", []).append(question)
        return await self._next(ctx)

    def _other_party_told(self, ctx: Context) -> bool:
        """At the card, after the draft asked where the other party lives: a room said
        ("是5号楼2单元502的") is the other party's, not where the complainant is (only
        "我家是…" moves the draft's place). What else it says joins the problem."""
        data, text = ctx.conversation.data, ctx.text
        category = self.catalogue.get(str(data.get("category")))
        asked = [
            q
            for q in category.questions
            if asks_for_home(q) and (q in data["details"] or q in data.get("unanswered", []))
        ]
        if not asked or not names_room(text) or _OWN_HOME.search(text):
            return False
        question = asked[0]
        data["details"][question] = text[:200]
        if question in data.get("unanswered", []):
            data["unanswered"].remove(question)
        if names_problem(normalize(text)):
            data["description"] = _added(str(data.get("description") or ""), text)
        ctx.conversation.changed = True
        return True

    def _says_nothing(self, text: str) -> bool:
        """A bare yes (嗯, 要, 👍) or an old button's word (继续提交, 关注它): nothing for
        the draft's description."""
        bare = text.strip(" ，,。.！!~～")
        return is_bare_ack(text) or text in _BUTTON_WORDS or bare in _BARE_ASIDES

    async def _next(self, ctx: Context) -> Sequence[Reply]:
        """Ask for the first missing thing, or show the draft."""
        conv = ctx.conversation
        data = conv.data
        if not data.get("description"):
            conv.advance("ask_description")
            return [Reply(t("ticket.ask_description"))]
        if not data.get("about_staff"):
            # Filed as a complaint about staff (TicketService.file): what is said next of
            # another problem is a second matter (_beside_complaint).
            staff = await self.service(ctx).staff()
            if accused_in(str(data["description"]), staff) is not None:
                data["about_staff"] = True
        if data.get("category") is None:
            conv.advance("ask_category")
            return [views.category_question(self.catalogue.names)]
        if data.get("place") is None or _place(data).empty:
            guess = unread_building(str(data["description"]))
            if guess is not None and not data.get("building_guess"):
                # "5号电梯坏了": a building said in a way not read is asked about, never
                # replaced by the reporter's home.
                conv.advance("check_building", building_guess=_store_place(guess))
                return [views.building_check(guess.label())]
            home = None if data.get("building_guess") else self._home(ctx)
            if home is None:
                conv.advance("ask_location")
                key = "ticket.ask_location" if ctx.user.bound else "ticket.ask_location_guest"
                return [Reply(t(key))]
            data["place"] = _store_place(home)
        asked = await self._building_asked(ctx)
        if asked is not None:
            return [asked]
        if not ctx.user.bound and "wants_updates" not in data:
            message = ctx.message
            remembered = await remembered_updates(ctx.uow, message.platform, message.sender_id)
            if remembered is None:
                conv.advance("ask_updates")
                return [views.updates_question()]
            data["wants_updates"] = remembered  # what this account answered before
            conv.changed = True
        category = self.catalogue.get(data["category"])
        for question in category.questions:
            if question not in data["details"] and question not in data.get("unanswered", ()):
                conv.advance(f"question:{question}")
                return [Reply(question)]
        if not data.get("duplicate_declined"):
            service = self.service(ctx)
            found = await service.find_duplicate(
                data["category"], _place(data), str(data.get("description", "")), ctx.now
            )
            if found is not None and found.number != data.get("split_from"):
                conv.advance("duplicate", duplicate=found.number)
                me = actor_of(ctx)
                own = is_reporter(found, me.platform, me.user_id, me.resident_id)
                seen, followable = service.shown(found, me), service.may_follow(found)
                return [views.duplicate_offer(found, own, seen, followable)]
        conv.advance("confirm")
        ready = _ready(data)
        if ready:  # "您说了两件事": both on one card, one 确认提交 files both
            return [views.drafts_confirmation([*map(_draft_of, ready), _draft_of(data)])]
        return [self._confirmation(data)]

    async def _building_checked(self, ctx: Context) -> Sequence[Reply]:
        """The answer to "问题是在5号楼吗？": 是 takes that building; 不是, or words that
        name no place, ask where it is (never the reporter's home); a place said is taken
        ("不是5号楼，是6号楼": where it is, not where it isn't)."""
        conv, text = ctx.conversation, ctx.text
        data = conv.data
        said = squeeze(text)
        if said in THERE_YES:
            data["place"] = data["building_guess"]
            conv.changed = True
            return await self._next(ctx)
        if text.isdigit():
            text = f"{int(text)}号楼"
        if said not in THERE_NO:
            place = corrected_place(text)
            self._absorb(ctx, text)
            if not place.empty:
                data["place"] = _store_place(place)
                return await self._next(ctx)
        data["place"] = None
        conv.advance("ask_location")
        return [Reply(t("ticket.ask_which_building"))]

    async def _building_asked(self, ctx: Context) -> Reply | None:
        """A building the community doesn't have (9号楼 of 1–8号楼) is asked about once,
        its spot (门口) kept for the answer; said again, it stands as said."""
        conv = ctx.conversation
        data = conv.data
        place = _place(data)
        if place.building is None:
            return None
        if place.spot is None and data.get("held_spot"):
            place = replace(place, spot=str(data["held_spot"]))
            data["place"] = _store_place(place)
            conv.changed = True
        data.pop("held_spot", None)
        if data.get("asked_building") == place.building:
            return None
        numbers = await self.service(ctx).building_unknown(place)
        if numbers is None:
            return None
        data["asked_building"] = place.building
        data["held_spot"] = place.spot
        data["place"] = None
        conv.advance("ask_location")
        return Reply(t("ticket.ask_building", buildings=views.building_range(numbers)))

    def _home(self, ctx: Context) -> Place | None:
        resident = ctx.user.resident
        if resident is None or resident.household is None:
            return None
        parsed = read_message(resident.household, self.catalogue).place
        return None if parsed.empty else parsed

    @staticmethod
    def _confirmation(data: dict[str, Any]) -> Reply:
        return views.draft_confirmation(_draft_of(data))

    async def _follow(self, ctx: Context, number: str) -> Sequence[Reply]:
        service = self.service(ctx)
        ctx.conversation.end()
        try:
            ticket = await service.follow(number, actor_of(ctx))
        except TicketError as exc:
            return [views.error_reply(exc)]
        self._following(ctx, ticket.number)
        return [Reply(t("ticket.followed", number=ticket.number))]

    @staticmethod
    def _following(ctx: Context, number: str) -> None:
        ctx.conversation.end()
        ctx.conversation.start(FLOW, "followed", number=number, filed_at=ctx.now.isoformat())

    async def _noted_on_own(self, ctx: Context, number: str) -> list[Reply] | None:
        """At the prompt "您已经反映过 R…，有新情况直接发给我": a detail about it is added
        to that ticket (None when it is not the resident's own or says something else)."""
        service = self.service(ctx)
        try:
            ticket = (await service.view(number, actor_of(ctx))).ticket
        except TicketError:
            return None
        me = actor_of(ctx)
        mine = is_reporter(ticket, me.platform, me.user_id, me.resident_id)
        if not mine or not self._about(ticket, ctx.text):
            return None
        reply = await self._noted(ctx, service, ticket)
        self._following(ctx, ticket.number)
        return [reply]

    async def _followed(self, ctx: Context) -> Sequence[Reply]:
        """Just after following a ticket (or being told it is one's own): what is said
        about it is added to it as a note; anything else is routed as a new message."""
        data = ctx.conversation.data
        since = datetime.fromisoformat(str(data.get("filed_at")))
        service = self.service(ctx)
        if ctx.now - since <= PLACE_WINDOW and not self._says_nothing(ctx.text):
            try:
                ticket = (await service.view(str(data.get("number", "")), actor_of(ctx))).ticket
            except TicketError:
                raise NotForThisFlow from None
            if ticket.status in OPEN_STATUSES and self._about(ticket, ctx.text):
                return [await self._noted(ctx, service, ticket)]
        raise NotForThisFlow

    def _about(self, ticket: Ticket, text: str) -> bool:
        """Could ``text`` be more about ``ticket`` (no other category, no other building)?"""
        slots = read_message(text, self.catalogue)
        if slots.category not in (None, ticket.category):
            return False
        return slots.place.building in (None, ticket.building)

    async def _filed(self, ctx: Context) -> tuple[Ticket, bool, TicketService]:
        """File the conversation's draft (the conversation then remembers it as "filed"):
        the ticket, whether this call created it, and the service that did."""
        data = dict(ctx.conversation.data)
        if not data.get("urgent"):
            # What the account said last goes: 关闭通知 / 开启通知 said while the draft
            # waited (a bound resident's too, who is never asked) counts for it.
            message = ctx.message
            remembered = await remembered_updates(ctx.uow, message.platform, message.sender_id)
            if remembered is not None:
                data["wants_updates"] = remembered
        ctx.conversation.end()
        service = self.service(ctx)
        ticket, created = await service.file(_draft_of(data), actor_of(ctx), ctx.now)
        # Its card still known as its own: tapped again, told the number, nothing else.
        ctx.conversation.start(
            FLOW,
            "filed",
            number=ticket.number,
            filed_at=ctx.now.isoformat(),
            draft_id=data["draft_id"],
        )
        return ticket, created, service

    async def _file(self, ctx: Context) -> tuple[str, str]:
        """File the draft now: its number and, for an urgent one, whom it went to."""
        ticket, _created, service = await self._filed(ctx)
        return ticket.number, views.emergency_where(await self._grid(service, ticket.grid_id))

    async def _submit(self, ctx: Context) -> Sequence[Reply]:
        data = ctx.conversation.data
        ready = _ready(data)
        waiting = [e for e in data.get(EARLIER, ()) if e.get("step") != "confirm"]
        replies: list[Reply] = []
        service = self.service(ctx)
        drafts = [*ready, data]
        if not ctx.user.bound and not any(d.get("urgent") for d in drafts):
            # Someone nobody knows files a few a day (an emergency always goes through).
            source = ctx.message.source
            if not await service.unbound_may_file(actor_of(ctx), source, len(drafts), ctx.now):
                phone = ctx.community.duty_phone
                call = t("ticket.unbound_limit_call", phone=phone) if phone else ""
                return [Reply(t("ticket.unbound_limit", call=call))]
        for first in ready:  # the problems said before this one, shown on its card
            filed, created = await service.file(_draft_of(first), actor_of(ctx), ctx.now)
            replies.append(await self._filed_reply(ctx, service, filed, created))
        ticket, created, service = await self._filed(ctx)
        replies.append(await self._filed_reply(ctx, service, ticket, created))
        if waiting:
            # A problem said before this one that still lacks an answer: taken up now.
            later = waiting[0]
            ctx.conversation.start(FLOW, "collect", **later["data"], **{EARLIER: waiting[1:]})
            said = str(later["data"].get("description") or "")[:40]
            replies.append(Reply(t("ticket.back_to_earlier", description=said)))
            replies.extend(await self._next(ctx))
        return replies

    async def _filed_reply(
        self, ctx: Context, service: TicketService, ticket: Ticket, created: bool
    ) -> Reply:
        if not created:
            return Reply(t("ticket.already_filed", number=ticket.number))
        if ticket.category == STAFF_COMPLAINT:  # the moderators', never the one it is about
            handlers = await service.complaint_handlers(ticket)
            return views.staff_complaint_filed(ticket, handlers, ctx.community.duty_phone)
        response, _ = self.catalogue.limits(ticket.category, ticket.urgent)
        grid = await self._grid(service, ticket.grid_id)
        return views.filed_reply(ticket, grid, response, ctx.community.zone)


def _if_taken(key: str, ticket: Ticket) -> str:
    """``key`` when a worker holds the ticket ("正在赶过去" is then true), else its
    ``_waiting`` line: notified, nobody has taken it yet."""
    return key if ticket.holder_id is not None else f"{key}_waiting"


def _added(said: str, text: str) -> str:
    """The description with ``text`` added: the fuller of the two when one holds the
    other ("电梯" and "电梯坏了"), else both."""
    if not said or said in text:
        return text[:500]
    if text in said:
        return said
    return f"{said}；{text}"[:500]


def _ready(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The drafts of problems said before this one whose cards were complete: filed with
    it by its 确认提交 (see ReportHandler.handle)."""
    return [e["data"] for e in data.get(EARLIER, ()) if e.get("step") == "confirm"]


def _ticket_place(ticket: Ticket) -> Place:
    return Place(ticket.building, ticket.unit, ticket.room, ticket.spot)


def _draft_of(data: dict[str, Any]) -> TicketDraft:
    """The conversation's draft as the ticket domain takes it."""
    return TicketDraft(
        draft_id=data["draft_id"],
        description=data["description"],
        category=data["category"],
        place=_place(data),
        urgent=bool(data.get("urgent")),
        photos=list(data.get("photos", [])),
        details=dict(data.get("details", {})),
        wants_updates=bool(data.get("wants_updates", True)),
    )
