"""With the SMTP server down, requests are still recorded, and every mail they queued
arrives exactly once when it is back (the outbox mechanics themselves: tests/mail/test_outbox.py;
the verification mail: tests/verification/test_mail_check.py)."""
from __future__ import annotations

import sqlalchemy as sa

from portal.common.time import utcnow
from portal.dsr.models import DataRequest
from portal.extensions import db
from portal.mail.models import OutboxMessage, OutboxStatus


def rows(app, statement):
    with app.app_context():
        result = db.session.execute(statement).all()
        db.session.remove()
        return result


def test_requests_filed_while_smtp_is_down_are_recorded_and_their_mail_arrives_once_it_is_back(
        app, api, token, runner, smtp_server):
    with smtp_server.down():
        references = []
        for n in range(3):
            response = api.post("/requests", token=token, json={
                "type": "disclosure", "channel": "phone", "policy": "appi",
                "requester": {"email": f"outage{n}@example.jp", "name": "障害 試験"}})
            assert response.status_code == 201
            references.append(response.get_json()["reference"])
        assert smtp_server.messages == []
        recorded = {ref for (ref,) in rows(app, sa.select(DataRequest.reference))}
        assert recorded == set(references)
        queued = rows(app, sa.select(OutboxMessage.to_address, OutboxMessage.status))
        assert queued and all(status == OutboxStatus.PENDING for _, status in queued)

    with app.app_context():
        db.session.execute(sa.update(OutboxMessage).values(next_attempt_at=utcnow()))
        db.session.commit()
    for _ in range(2):
        assert runner.invoke(args=["tick"]).exit_code == 0

    assert len(smtp_server.messages) == len(queued)
    for n in range(3):
        assert sum(f"outage{n}@example.jp" in message["To"] for message in smtp_server.messages) == \
            sum(to == f"outage{n}@example.jp" for to, _ in queued)
    assert {status for (status,) in rows(app, sa.select(OutboxMessage.status))} == {OutboxStatus.SENT}
