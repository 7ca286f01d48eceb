"""Mail goes through the outbox: the transition records it, a worker delivers it to a real SMTP sink; an
unreachable server never loses or blocks the transition, and a later delivery run sends what was pending."""
import datetime
import socket

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from app.extensions import db
from app.models import Attachment, Innovation
from workflows.models import OutboxMessage
from workflows.outbox import deliver_pending


class Sink(Message):
    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def mail_config(app):
    old = {k: app.config.get(k) for k in ("MAIL_SERVER", "MAIL_PORT")}
    port = _free_port()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    yield port
    app.config.update(old)


def _submitted_innovation(app, api, competition):
    r = api("opd_a").post("/api/v1/innovation/", json={"competition_id": competition, "title": "Inovasi Surat"})
    pk = r.get_json()["id"]
    with app.app_context():
        inn = db.session.get(Innovation, pk)
        inn.state = "submitted"
        db.session.add(Attachment(innovation_id=pk, original_name="sk.pdf", stored_name=f"t{pk}.pdf", size_bytes=10,
                                  sha256="0" * 64))
        inn.started_on = datetime.date(2019, 1, 1)
        db.session.commit()
    return pk


def test_return_mails_the_unit_through_a_real_smtp_sink(app, api, competition, mail_config):
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=mail_config)
    controller.start()
    try:
        pk = _submitted_innovation(app, api, competition)
        r = api("sekretariat").post(f"/api/v1/innovation/{pk}/transitions/return",
                                    json={"comment": "Lengkapi SK tim inovasi"})
        assert r.status_code == 200, r.get_json()
        assert sink.messages == []  # the request only recorded the message: workers deliver it
        with app.app_context():
            assert db.session.query(OutboxMessage).one().status == "pending"
            assert deliver_pending(db.session) == (1, 0)  # what a worker does
    finally:
        controller.stop()
    assert len(sink.messages) == 1
    mail = sink.messages[0]
    assert "opd_a@example.test" in mail["To"]
    assert "Inovasi Surat" in mail["Subject"]
    assert "Lengkapi SK tim inovasi" in mail.get_payload()
    with app.app_context():
        message = db.session.query(OutboxMessage).filter_by(status="sent").one()
        assert message.attempts == 1 and message.claimed_by and message.sent_at


def test_unreachable_mail_server_never_blocks_the_transition(app, api, competition, mail_config):
    pk = _submitted_innovation(app, api, competition)  # nothing listens on mail_config's port
    r = api("sekretariat").post(f"/api/v1/innovation/{pk}/transitions/return", json={"comment": "Perbaiki"})
    assert r.status_code == 200
    assert r.get_json()["state"] == "draft"
    with app.app_context():
        assert deliver_pending(db.session) == (0, 1)  # a worker's attempt fails: kept for a retry
        msg = db.session.query(OutboxMessage).one()
        assert msg.status == "pending" and msg.attempts == 1 and msg.last_error
        assert msg.next_attempt_at > datetime.datetime.utcnow()  # backoff: not due yet
        assert deliver_pending(db.session) == (0, 0)
        msg.next_attempt_at = None  # the backoff has passed
        db.session.commit()
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=mail_config)
    controller.start()
    try:
        with app.app_context():
            assert deliver_pending(db.session) == (1, 0)
            assert db.session.query(OutboxMessage).one().status == "sent"
    finally:
        controller.stop()
    assert len(sink.messages) == 1


def test_no_mail_server_queues_nothing(app, api, competition):
    assert not app.config.get("MAIL_SERVER")
    pk = _submitted_innovation(app, api, competition)
    r = api("sekretariat").post(f"/api/v1/innovation/{pk}/transitions/return", json={"comment": "Perbaiki"})
    assert r.status_code == 200
    with app.app_context():
        assert db.session.query(OutboxMessage).count() == 0
