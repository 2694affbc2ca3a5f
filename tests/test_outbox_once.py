"""The outbox writes a message once per idempotency key, and says whether it wrote it, on both databases."""

from __future__ import annotations

from sqlalchemy import func, select

from soglasie.models import OutboxMessage, User
from soglasie.notifications.outbox import Notice, enqueue, enqueue_telegram
from tests.conftest import T0


def test_enqueue_counts_the_rows_it_wrote_and_skips_a_known_key(core, users):
    with core.db.write() as session:
        admin = session.get(User, users["admin"])
        admin.telegram_chat_id = 4242
        session.flush()
        notice = Notice(admin, "calendar_missing", "once:1", {"ru": "текст", "en": "text"})
        assert enqueue(session, notice, ("telegram",), T0) == 2  # the inbox and Telegram
        assert enqueue(session, notice, ("telegram",), T0) == 0
        assert enqueue_telegram(session, admin, "note", "once:2", "text", T0) is True
        assert enqueue_telegram(session, admin, "note", "once:2", "text", T0) is False
    with core.db.read() as session:
        keys = session.scalars(select(OutboxMessage.idempotency_key).where(
            OutboxMessage.idempotency_key.like("once:%"))).all()
        assert sorted(keys) == ["once:1:%d:inbox" % users["admin"], "once:1:%d:telegram" % users["admin"], "once:2"]
        assert session.scalar(select(func.count()).select_from(OutboxMessage)
                              .where(OutboxMessage.idempotency_key.like("once:%"))) == 3
