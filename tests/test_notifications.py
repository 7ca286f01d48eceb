"""In-app notifications (issue 10): what the outbox mails is also shown in the app — one row per recipient
written in the transition's transaction, listed on /notifications/, counted in the navbar, marked as read only by
its recipient."""
import re

from app.extensions import db
from app.models import Notification, User
from tests.conftest import PASSWORD
from tests.test_doors_proposals import submitted
from workflows.models import OutboxMessage


def login(app, username):
    client = app.test_client()
    assert client.post("/login/", data={"username": username, "password": PASSWORD}).status_code == 302
    return client


def badge(html):
    match = re.search(r'class="navbar-notifications" data-unread="(\d+)"', html)
    assert match, "no notifications link in the navbar"
    return int(match.group(1))


def test_a_return_notifies_the_unit_in_the_app_and_by_mail_in_one_transaction(app, api, competition, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    pk = submitted(app, api, competition)
    r = api("sekretariat").post(f"/api/v1/innovation/{pk}/transitions/return", json={"comment": "Lengkapi SK."})
    assert r.status_code == 200
    with app.app_context():
        opd_a = db.session.query(User).filter_by(username="opd_a").one()
        rows = db.session.query(Notification).all()
        assert [(n.user_id, n.link) for n in rows] == [(opd_a.id, f"/innovationview/show/{pk}")]
        assert "dikembalikan" in rows[0].subject and "Lengkapi SK." in rows[0].body
        mails = db.session.query(OutboxMessage).filter_by(kind="mail").all()
        assert len(mails) == 1 and mails[0].payload["subject"] == rows[0].subject
    # A refused transition writes neither (the same transaction).
    r = api("sekretariat").post(f"/api/v1/innovation/{pk}/transitions/return", json={"comment": "lagi"})
    assert r.status_code == 409
    with app.app_context():
        assert db.session.query(Notification).count() == 1
        assert db.session.query(OutboxMessage).filter_by(kind="mail").count() == 1


def test_verify_and_reject_notify_the_unit_in_the_app(app, api, competition):
    from app.models.competition import DEFAULT_CHECKLIST

    verified_pk = submitted(app, api, competition)
    rejected_pk = submitted(app, api, competition, title="IREBON")
    sek = api("sekretariat")
    r = sek.post(f"/api/v1/innovation/{verified_pk}/transitions/verify",
                 json={"data": {"checklist": {item: True for item in DEFAULT_CHECKLIST}}})
    assert r.status_code == 200, r.get_json()
    r = sek.post(f"/api/v1/innovation/{rejected_pk}/transitions/reject", json={"comment": "Bukan inovasi baru."})
    assert r.status_code == 200, r.get_json()
    with app.app_context():
        opd_a = db.session.query(User).filter_by(username="opd_a").one()
        rows = {n.link: n for n in db.session.query(Notification).filter_by(user_id=opd_a.id)}
        assert set(rows) == {f"/innovationview/show/{verified_pk}", f"/innovationview/show/{rejected_pk}"}
        assert "lolos verifikasi" in rows[f"/innovationview/show/{verified_pk}"].subject
        rejected = rows[f"/innovationview/show/{rejected_pk}"]
        assert "ditolak" in rejected.subject and "Bukan inovasi baru." in rejected.body
    opd = login(app, "opd_a")
    assert badge(opd.get("/").get_data(as_text=True)) == 2
    html = opd.get("/notifications/").get_data(as_text=True)
    assert "lolos verifikasi" in html and "Bukan inovasi baru." in html
    assert "Bukan inovasi baru." not in login(app, "opd_b").get("/notifications/").get_data(as_text=True)


def test_notifications_page_badge_and_mark_as_read(app, api, competition):
    pk = submitted(app, api, competition)  # no MAIL_SERVER: no mail, the in-app row all the same
    assert api("sekretariat").post(f"/api/v1/innovation/{pk}/transitions/return",
                                   json={"comment": "Perbaiki ringkasan."}).status_code == 200
    with app.app_context():
        assert db.session.query(OutboxMessage).filter_by(kind="mail").count() == 0
        (note,) = db.session.query(Notification).all()
        note_id = note.id
    opd = login(app, "opd_a")
    assert badge(opd.get("/").get_data(as_text=True)) == 1
    html = opd.get("/notifications/").get_data(as_text=True)
    assert "Perbaiki ringkasan." in html and "notification-unread" in html
    # Another user neither sees nor marks it.
    other = login(app, "opd_b")
    assert "Perbaiki ringkasan." not in other.get("/notifications/").get_data(as_text=True)
    other.post(f"/notifications/{note_id}/read")
    assert badge(opd.get("/").get_data(as_text=True)) == 1
    # Opening it marks it read and goes to the proposal.
    for elsewhere in ("//evil.example/", "/\\evil.example/", "https://evil.example/"):  # never off the site
        r = opd.post(f"/notifications/{note_id}/read", data={"next": elsewhere})
        assert r.status_code == 302 and r.headers["Location"].endswith("/notifications/"), elsewhere
    r = opd.post(f"/notifications/{note_id}/read", data={"next": f"/innovationview/show/{pk}"})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/innovationview/show/{pk}")
    assert badge(opd.get("/").get_data(as_text=True)) == 0
    assert "notification-unread" not in opd.get("/notifications/").get_data(as_text=True)


def test_every_role_reads_its_notifications(app):
    for username in ("sekretariat", "opd_a", "juri1", "penandatangan"):
        assert login(app, username).get("/notifications/").status_code == 200, username
