"""The de-duplication key of delivered messages: platform, sender and message id."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.app import Yishi
from kernel.messages import ChatType, Inbound
from storage.engine import create_engine, session_factory
from storage.types import utcnow
from storage.unit_of_work import UnitOfWorkFactory

NOW = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)


async def test_one_message_id_from_two_senders_is_two_messages(db_url: str) -> None:
    engine = create_engine(db_url)
    factory = UnitOfWorkFactory(session_factory(engine))
    try:
        async with factory() as uow:
            assert await uow.inbound.record(
                "wechat", "1001", "oA", "oA", None, [{"text": "A"}], NOW
            )
            assert await uow.inbound.record(
                "wechat", "1001", "oB", "oB", None, [{"text": "B"}], NOW
            )
        async with factory() as uow:
            # The same sender's same id again: a redelivery.
            assert not await uow.inbound.record("wechat", "1001", "oA", "oA", None, [], NOW)
        async with factory() as uow:
            a = await uow.inbound.snapshot("wechat", "1001", "oA", "oA", NOW)
            b = await uow.inbound.snapshot("wechat", "1001", "oB", "oB", NOW)
            c = await uow.inbound.snapshot("wechat", "1001", "oC", "oC", NOW)
            record = await uow.inbound.get("wechat", "oB", "1001")
        assert a.stored_reply == [{"text": "A"}] and b.stored_reply == [{"text": "B"}]
        assert not c.already_handled
        assert record is not None and record.reply == [{"text": "B"}]
    finally:
        factory.close()
        await engine.dispose()


def web(sender: str, text: str, message_id: str) -> Inbound:
    return Inbound(
        platform="web",
        chat_id=sender,
        chat_type=ChatType.PRIVATE,
        sender_id=sender,
        message_id=message_id,
        text=text,
        sent_at=utcnow(),
    )


async def test_another_senders_message_id_gets_its_own_handling(yishi: Yishi) -> None:
    """A web client that posts someone else's message id is answered as itself."""
    [resident] = await yishi.router.handle(web("zhang", "帮助", "m-42"))
    [moderator] = await yishi.router.handle(web("li", "帮助", "m-42"))
    assert "【社区工作者】" not in resident.text
    assert "【社区工作者】" in moderator.text  # li's own answer, not zhang's stored one
    [again] = await yishi.router.handle(web("zhang", "帮助", "m-42"))
    assert again.text == resident.text  # zhang's redelivery: zhang's stored answer
