"""Time limits people can keep: working hours, China's holidays and make-up days."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from consultation.schedule import TimedEvent
from consultation.ticket_parsing import default_catalogue
from consultation.ticket_timers import TicketTimers
from consultation.worktime import GREEN, RED, YELLOW, Deadlines
from storage.tickets import Ticket

ZONE = ZoneInfo("Asia/Shanghai")
RULE = Deadlines(default_catalogue(), ZONE)


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=ZONE)


def test_a_ticket_filed_at_half_past_eleven_is_not_due_in_the_night() -> None:
    response, resolution = RULE.due("公共设施", False, at(2026, 11, 24, 23, 30))  # a Tuesday
    # 4 working hours from Wednesday 08:30 (lunch 12:00–13:30 does not count): 14:00.
    assert response == at(2026, 11, 25, 14, 0)
    # 72 h = three working days: Wednesday, Thursday, Friday → Friday at closing time.
    assert resolution == at(2026, 11, 27, 17, 30)


def test_the_national_day_holiday_and_its_make_up_saturday() -> None:
    # Filed 30 September 16:00: 1–7 October are off, Saturday 10 October is a working day.
    response, resolution = RULE.due("公共设施", False, at(2026, 9, 30, 16, 0))
    assert response == at(2026, 10, 8, 11, 0)  # 1.5 h on the 30th, 2.5 h on the 8th
    assert resolution == at(2026, 10, 10, 16, 0)  # the 8th, the 9th, the make-up 10th


def test_urgent_tickets_and_plain_clock_categories_run_day_and_night() -> None:
    response, resolution = RULE.due("公共设施", True, at(2026, 11, 24, 23, 30))
    assert response == at(2026, 11, 25, 0, 0)
    assert resolution == at(2026, 11, 25, 23, 30)
    plain = Deadlines(default_catalogue(), ZONE)
    assert plain.plain("公共设施", True) and not plain.plain("公共设施", False)


def _ticket(received: datetime, **kw: object) -> Ticket:
    response, resolution = RULE.due("公共设施", False, received)
    values: dict[str, object] = {
        "number": "R20261124-0001",
        "draft_id": "d",
        "category": "公共设施",
        "description": "灯坏了",
        "reporter_platform": "web",
        "reporter_user_id": "zhang",
        "received_at": received,
        "response_due_at": response,
        "resolution_due_at": resolution,
        "status": "assigned",
        "holder_id": 5,
    }
    values.update(kw)
    return Ticket(**values)


def test_lights_count_working_time_green_yellow_red() -> None:
    # Monday 09:00; 72 h = three working days of 7.5 h = 22.5 working hours: due Thursday 09:00.
    tk = _ticket(at(2026, 11, 23, 9, 0))
    assert tk.resolution_due_at == at(2026, 11, 26, 9, 0)
    assert RULE.light(tk, at(2026, 11, 24, 9, 0)) == GREEN  # 7 h used, 31 %
    assert RULE.light(tk, at(2026, 11, 25, 11, 0)) == GREEN  # 17 h, 76 %
    assert RULE.light(tk, at(2026, 11, 25, 12, 0)) == YELLOW  # 18 h, 80 %
    assert RULE.light(tk, at(2026, 11, 25, 20, 0)) == YELLOW  # the evening does not count
    assert RULE.light(tk, at(2026, 11, 26, 9, 0)) == RED
    assert RULE.light(tk.model_copy(update={"status": "resolved"}), at(2026, 11, 30, 9)) is None


def test_an_unaccepted_ticket_is_lit_by_its_response_limit() -> None:
    tk = _ticket(at(2026, 11, 23, 9, 0), status="received", holder_id=None)
    # Response due 14:30 (09:00–12:00 is 3 h, 13:30–14:30 the 4th).
    assert RULE.light(tk, at(2026, 11, 23, 11, 0)) == GREEN
    assert RULE.light(tk, at(2026, 11, 23, 13, 50)) == YELLOW  # 3 h 20 of 4 h
    assert RULE.light(tk, at(2026, 11, 23, 14, 30)) == RED


def test_the_timers_warn_an_hour_of_working_time_ahead() -> None:
    # Filed Friday 16:00: response due Monday 11:00 (1.5 h Friday, 2.5 h Monday).
    tk = _ticket(at(2026, 11, 27, 16, 0), status="received", holder_id=None, level="grid")
    assert tk.response_due_at == at(2026, 11, 30, 11, 0)
    events: list[TimedEvent] = TicketTimers(default_catalogue(), ZONE).events_for(tk)
    warn = next(e for e in events if e.key.startswith("ticket.warn") and "response" in e.key)
    assert warn.due_at == at(2026, 11, 30, 10, 0)
    assert warn.due_at - at(2026, 11, 27, 16, 0) > timedelta(days=2)
