"""Announcement of a closed round's results and the objection window (masa sanggah, DESIGN §10): the window's
edges in WIB, 409 before 422, the throttle per address, no e-mail address ever shown to the public, `uphold`
disqualifying (award voided, a later decree draft without it) and `dismiss` leaving it, decree drafting refused
while the window runs or an objection is unanswered — through the API and the screens."""
import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine

from app.extensions import db
from app.models import (
    Announcement,
    AuditLog,
    Award,
    Competition,
    Decree,
    Innovation,
    IssuedDocument,
    Objection,
    User,
)
from tests.conftest import PASSWORD
from tests.documents_helpers import docs, draft_decree, issue_all, pdf_text, seed_awards, sign  # noqa: F401
from tests.judging_helpers import assign, criteria, ensure_jurors, rounds_of, verified, write_sheet

WIB = ZoneInfo("Asia/Jakarta")
JSON = {"Accept": "application/json"}
EMAIL = "pelapor.rahasia@example.org"
TEXT = "Inovasi ini sudah ada sejak 2010 di kabupaten lain; bukan karya unit ini."


@pytest.fixture(scope="module")
def juror(app):
    return ensure_jurors(app, [("sanggah_j1", None)])[0]


def one_round(app, api, competition, units=("T-OPD-A", "T-OPD-B", "T-KEC-C"), shortlist=None, objection_days=5):
    """The competition keeps one round (the last): its innovations get final sheets (the first the best) and the
    round is closed, so all of them are `scored`. Returns (round id, innovation ids)."""
    sek = api("sekretariat")
    with app.app_context():
        rounds = [r.id for r in rounds_of(competition)]
        db.session.get(Competition, competition).objection_days = objection_days
        db.session.commit()
    for rid in rounds[1:]:
        assert sek.delete(f"/api/v1/round/{rid}").status_code == 200
    r1 = rounds[0]
    with app.app_context():
        from app.models import Round

        db.session.get(Round, r1).shortlist_size = shortlist
        db.session.commit()
    ids = verified(app, competition, list(units))
    for n, inn in enumerate(ids):
        aid = assign(app, r1, inn, juror_id(app))
        with app.app_context():
            write_sheet(db.session, aid, {c.id: 90 - 10 * n for c in criteria(r1)})
            db.session.commit()
    r = sek.post(f"/api/v1/round/{r1}/close")
    assert r.status_code == 200, r.get_json()
    return r1, ids


def juror_id(app):
    with app.app_context():
        return db.session.query(User.id).filter_by(username="sanggah_j1").scalar()


def announce_at(app, round_id, local_time):
    """Announce through the command at a given local (WIB) time."""
    from app.commands.announcements import AnnounceRound

    with time_machine.travel(local_time.replace(tzinfo=WIB), tick=False), app.app_context():
        user = db.session.query(User).filter_by(username="sekretariat").one()
        return AnnounceRound(user, round_id).run()


def objection(round_id, innovation_id, **extra):
    body = {"round_id": round_id, "innovation_id": innovation_id, "name": "Warga Sidoarjo", "email": EMAIL,
            "text": TEXT}
    body.update(extra)
    return body


def post_at(client, local_time, body, **kw):
    with time_machine.travel(local_time.replace(tzinfo=WIB), tick=False):
        return client.post("/api/v1/objection/", json=body, **kw)


def public(client):
    r = client.get("/pengumuman/", headers=JSON)
    assert r.status_code == 200
    return r.get_json()


def fire(api, resource, pk, trigger, comment=None, **data):
    body = {"comment": comment} if comment is not None else {}
    if data:
        body["data"] = data
    return api("sekretariat").post(f"/api/v1/{resource}/{pk}/transitions/{trigger}", json=body)


def state_of(app, model, pk):
    with app.app_context():
        row = db.session.get(model, pk)
        db.session.refresh(row)
        return row.state


def end_window(app, round_id):
    """The window has run out (its computation is tested at its edges below)."""
    with app.app_context():
        a = db.session.query(Announcement).filter_by(round_id=round_id).one()
        a.announced_at = a.announced_at - datetime.timedelta(days=30)
        a.objection_until = a.objection_until - datetime.timedelta(days=30)
        db.session.commit()


# -- announcing ------------------------------------------------------------------------------------------------


def test_announce_needs_a_closed_round_once_and_the_sekretariat(app, api, client, competition, juror):
    sek = api("sekretariat")
    with app.app_context():
        r_open = rounds_of(competition)[0].id
    assert sek.post(f"/api/v1/round/{r_open}/announce").status_code == 409  # open round
    r1, ids = one_round(app, api, competition)
    assert api("opd_a").post(f"/api/v1/round/{r1}/announce").status_code == 403
    assert api("juri1").post(f"/api/v1/round/{r1}/announce").status_code == 403
    assert client.post(f"/api/v1/round/{r1}/announce").status_code == 401
    assert sek.post("/api/v1/round/999999/announce").status_code == 404
    r = sek.post(f"/api/v1/round/{r1}/announce")
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["round_id"] == r1 and body["innovations"] == 3
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", body["objection_until"])
    # announcing twice: 409 (the published window never moves)
    r = sek.post(f"/api/v1/round/{r1}/announce")
    assert r.status_code == 409 and "sudah diumumkan" in r.get_json()["message"]
    with app.app_context():
        assert db.session.query(Announcement).count() == 1
        assert db.session.query(AuditLog).filter_by(action="round_announced").count() == 1
        assert db.session.query(AuditLog).filter_by(action="round_announced.refused").count() == 2  # open, twice


def test_public_page_lists_ranks_without_scores_shortlist_per_category(app, api, client, competition, juror):
    units = ("T-OPD-A", "T-OPD-B", "T-KEC-C", "T-KEC-C")
    r1, ids = one_round(app, api, competition, units=units, shortlist=1)
    assert api("sekretariat").post(f"/api/v1/round/{r1}/announce").status_code == 201
    data = public(client)
    assert data["count"] == 1
    [a] = data["result"]
    assert a["round"]["id"] == r1 and a["competition"]["id"] == competition
    # the top 1 per category (OPD: the first, Kecamatan: the third), title, unit, category, rank; no score
    assert [(e["innovation_id"], e["category"], e["rank"]) for e in a["innovations"]] == [
        (ids[0], "opd", 1), (ids[2], "kecamatan", 1)]
    assert a["innovations"][0]["unit"] == "Dinas Uji A" and a["innovations"][0]["title"] == "Inovasi 1"
    text = str(data)
    assert "score" not in text and "juror" not in text and "sanggah_j1" not in text
    html = client.get("/pengumuman/").get_data(as_text=True)
    assert "Pengumuman" in html and "Masa sanggah" not in html and "Sanggahan dapat diajukan sampai" in html
    assert "Inovasi 1" in html and "Inovasi 2" not in html
    assert "sanggah_j1" not in html and "<script>" not in html.split("announcements", 1)[1].split("</section>")[0]
    assert client.get("/pengumuman/?page=abc", headers=JSON).status_code == 400
    assert client.get("/pengumuman/?page=abc").status_code == 400
    assert client.get("/pengumuman/?page=9", headers=JSON).get_json()["result"] == []
    # the innovation not announced (not in the top 1) cannot be objected to: 422
    r = client.post("/api/v1/objection/", json=objection(r1, ids[1]))
    assert r.status_code == 422 and "innovation_id" in r.get_json()["message"]


def test_without_shortlist_every_ranked_innovation_is_announced(app, api, client, competition, juror):
    r1, ids = one_round(app, api, competition)
    assert api("sekretariat").post(f"/api/v1/round/{r1}/announce").status_code == 201
    assert sorted(e["innovation_id"] for e in public(client)["result"][0]["innovations"]) == sorted(ids)


# -- the window at its edges (WIB) ------------------------------------------------------------------------------


def test_window_edges_in_wib(app, api, client, competition, juror):
    r1, ids = one_round(app, api, competition, objection_days=5)
    # announced on 1 December at 00:30 WIB, i.e. still 30 November in UTC: the local date counts
    summary = announce_at(app, r1, datetime.datetime(2026, 12, 1, 0, 30))
    assert summary["announced_at"] == "2026-11-30T17:30:00Z"
    assert summary["objection_until"] == "2026-12-06T16:59:59Z"  # 6 December 23:59:59 WIB
    assert public(client)["result"][0]["objection_until"] == "2026-12-06T16:59:59Z"
    # 23:59:59 WIB on the last day: accepted
    r = post_at(client, datetime.datetime(2026, 12, 6, 23, 59, 59), objection(r1, ids[0]))
    assert r.status_code == 201, r.get_json()
    assert r.get_json() == {"id": r.get_json()["id"], "state": "open"}
    # 00:00:00 WIB the next day: refused with 409, checked before anything else about the objection
    r = post_at(client, datetime.datetime(2026, 12, 7, 0, 0, 0), objection(r1, ids[0]))
    assert r.status_code == 409
    assert "6 Desember 2026 pukul 23.59.59 WIB" in r.get_json()["message"]
    r = post_at(client, datetime.datetime(2026, 12, 7, 0, 0, 0),
                objection(r1, 999999, email="bukan-email", name="", text="x"))
    assert r.status_code == 409
    # before the window ended the same bad body is a 422
    r = post_at(client, datetime.datetime(2026, 12, 6, 12, 0), objection(r1, 999999))
    assert r.status_code == 422 and "innovation_id" in r.get_json()["message"]
    with time_machine.travel(datetime.datetime(2026, 12, 7, 0, 0, tzinfo=WIB), tick=False):
        html = client.get("/pengumuman/").get_data(as_text=True)
    assert "objection-form" not in html
    with time_machine.travel(datetime.datetime(2026, 12, 6, 23, 59, 59, tzinfo=WIB), tick=False):
        html = client.get("/pengumuman/").get_data(as_text=True)
    assert "objection-form" in html and "6 Desember 2026 pukul 23.59.59 WIB" in html


def test_window_ends_at_local_midnight_for_an_announcement_late_in_the_day(app, api, client, competition, juror):
    r1, ids = one_round(app, api, competition, objection_days=1)
    summary = announce_at(app, r1, datetime.datetime(2026, 12, 1, 23, 50))  # 16:50 UTC
    assert summary["objection_until"] == "2026-12-02T16:59:59Z"  # 2 December 23:59:59 WIB
    assert post_at(client, datetime.datetime(2026, 12, 2, 23, 59, 59), objection(r1, ids[1])).status_code == 201
    assert post_at(client, datetime.datetime(2026, 12, 3, 0, 0, 0), objection(r1, ids[1])).status_code == 409


def test_zero_days_means_no_window(app, api, client, competition, juror):
    r1, ids = one_round(app, api, competition, objection_days=0)
    summary = announce_at(app, r1, datetime.datetime(2026, 12, 1, 10, 0))
    assert summary["objection_until"] == summary["announced_at"] == "2026-12-01T03:00:00Z"
    r = post_at(client, datetime.datetime(2026, 12, 1, 10, 0, 0), objection(r1, ids[0]))
    assert r.status_code == 409 and "tidak memiliki masa sanggah" in r.get_json()["message"]
    [a] = public(client)["result"]
    assert a["objection_until"] == "2026-12-01T03:00:00Z" and a["objection_open"] is False
    assert a["objection_period"] is False
    html = client.get("/pengumuman/").get_data(as_text=True)
    assert "objection-form" not in html
    # nothing to wait for: a decree may be drafted
    assert api("sekretariat").post("/api/v1/decree/", json={"competition_id": competition}).status_code == 201


# -- the public objection: validation, throttle, privacy --------------------------------------------------------


def test_objection_validation_in_indonesian(app, api, client, competition, juror, monkeypatch):
    monkeypatch.setitem(app.config, "SIKIPP_OBJECTION_MAX_PER_ADDRESS", 100)
    r1, ids = one_round(app, api, competition)
    assert api("sekretariat").post(f"/api/v1/round/{r1}/announce").status_code == 201
    cases = [
        ({"email": "bukan-alamat"}, "email", "bukan alamat e-mail yang sah"),
        ({"email": "a@b"}, "email", None),
        ({"name": "  "}, "name", "wajib"),
        ({"name": "x" * 101}, "name", "paling banyak 100"),
        ({"text": "pendek"}, "text", "paling sedikit 10"),
        ({"text": "y" * 5001}, "text", "paling banyak 5000"),
        ({"text": "ada\x07lonceng di sini"}, "text", None),
        ({"text": 12345678901}, "text", None),
        ({"innovation_id": "abc"}, "innovation_id", None),
        ({"innovation_id": 2**40}, "innovation_id", None),
        ({"round_id": 999999}, "round_id", "belum diumumkan"),
        ({"round_id": None}, "round_id", None),
    ]
    for extra, field, words in cases:
        body = objection(r1, ids[0])
        body.update(extra)
        r = client.post("/api/v1/objection/", json=body)
        assert r.status_code == 422, (extra, r.status_code, r.get_json())
        message = r.get_json()["message"]
        assert field in message, (extra, message)
        if words:
            assert words in message[field][0], (extra, message)
    # NUL: the request guards refuse it before the endpoint
    r = client.post("/api/v1/objection/", json=objection(r1, ids[0], name="a\x00b"))
    assert r.status_code in (400, 422)
    assert client.post("/api/v1/objection/", data="not json", content_type="application/json").status_code == 400
    assert client.post("/api/v1/objection/", json=[1, 2]).status_code == 400
    with app.app_context():
        assert db.session.query(Objection).count() == 0


@pytest.mark.parametrize("redis", ["configured", "unreachable"])
def test_throttled_per_address_on_both_doors(app, api, client, competition, juror, monkeypatch, request, redis):
    """With Redis at a closed port (DESIGN §6) the public form and API keep answering, never a 500, and the
    throttle falls back to this process's counters: a flood from one address is still cut off."""
    from app.services import login_throttle
    from tests.redis_dbs import closed_port_url

    monkeypatch.setitem(app.config, "SIKIPP_OBJECTION_MAX_PER_ADDRESS", 3)
    r1, ids = one_round(app, api, competition)
    assert api("sekretariat").post(f"/api/v1/round/{r1}/announce").status_code == 201
    if redis == "unreachable":
        closed = closed_port_url()
        monkeypatch.setitem(app.config, "REDIS_URL", closed)
        monkeypatch.setitem(app.config, "RATELIMIT_STORAGE_URI", closed)
        login_throttle.reset()
        request.addfinalizer(login_throttle.reset)  # the in-process counters outlive the test otherwise
    here = {"REMOTE_ADDR": "203.0.113.7"}
    assert client.post("/api/v1/objection/", json=objection(r1, ids[0]), environ_base=here).status_code == 201
    assert client.post("/api/v1/objection/", json=objection(r1, 999), environ_base=here).status_code == 422
    r = client.post("/pengumuman/sanggah", data=objection(r1, ids[1]), environ_base=here)
    assert r.status_code == 201
    r = client.post("/api/v1/objection/", json=objection(r1, ids[0]), environ_base=here)
    assert r.status_code == 429 and r.headers["Retry-After"] and r.get_json()["message"]
    r = client.post("/pengumuman/sanggah", data=objection(r1, ids[0]), environ_base=here)
    assert r.status_code == 429 and "objection-outcome" in r.get_data(as_text=True)
    # another address is not affected
    other = {"REMOTE_ADDR": "198.51.100.9"}
    assert client.post("/api/v1/objection/", json=objection(r1, ids[2]), environ_base=other).status_code == 201
    with app.app_context():
        assert db.session.query(Objection).count() == 3


def test_email_never_shown_to_the_public(app, api, client, competition, juror):
    r1, ids = one_round(app, api, competition)
    assert api("sekretariat").post(f"/api/v1/round/{r1}/announce").status_code == 201
    r = client.post("/api/v1/objection/", json=objection(r1, ids[0]))
    assert r.status_code == 201 and EMAIL not in r.get_data(as_text=True)
    oid = r.get_json()["id"]
    r = client.post("/pengumuman/sanggah", data=objection(r1, ids[1], email="kedua@example.org"))
    assert r.status_code == 201 and "kedua@example.org" not in r.get_data(as_text=True)
    assert fire(api, "objection", oid, "dismiss", "Inovasi telah diverifikasi asli oleh tim.").status_code == 200
    for body in (client.get("/pengumuman/").get_data(as_text=True),
                 client.get("/pengumuman/", headers=JSON).get_data(as_text=True)):
        assert "Inovasi telah diverifikasi asli oleh tim." in body  # the answer is public
        assert EMAIL not in body and "kedua@example.org" not in body and "Warga Sidoarjo" not in body
    # the objection resource is the Sekretariat's: nobody else reads it
    assert client.get("/api/v1/objection/").status_code == 401
    assert client.get(f"/api/v1/objection/{oid}").status_code == 401
    for user in ("opd_a", "juri1", "penandatangan"):
        assert api(user).get("/api/v1/objection/").status_code in (401, 403)
        assert api(user).get(f"/api/v1/objection/{oid}").status_code in (401, 403, 404)
        assert api(user).post(f"/api/v1/objection/{oid}/transitions/uphold", json={"comment": "x"}).status_code \
            in (403, 404)
    r = api("sekretariat").get(f"/api/v1/objection/{oid}")
    assert r.status_code == 200 and r.get_json()["result"]["email"] == EMAIL
    with app.app_context():
        for log in db.session.query(AuditLog).all():
            assert EMAIL not in str(log.data) + str(log.detail)


def test_public_objection_needs_no_csrf_but_the_answer_does(app, api, client, competition, juror):
    from tests.test_api_csrf import browser_login, csrf_on

    r1, ids = one_round(app, api, competition)
    assert api("sekretariat").post(f"/api/v1/round/{r1}/announce").status_code == 201
    with csrf_on(app):
        assert app.test_client().post("/api/v1/objection/", json=objection(r1, ids[0])).status_code == 201
        assert app.test_client().post("/pengumuman/sanggah", data=objection(r1, ids[1])).status_code == 201
        browser = browser_login(app, "sekretariat")
        oid = api("sekretariat").get("/api/v1/objection/").get_json()["ids"][0]
        r = browser.post(f"/api/v1/objection/{oid}/transitions/uphold", json={"comment": "x"})
        assert r.status_code == 400  # a cookie session without the token
    assert state_of(app, Objection, oid) == "open"


# -- answers: uphold disqualifies, dismiss leaves it ------------------------------------------------------------


def _awarded(app, api, competition, ids, title="Juara I"):
    r = fire(api, "innovation", ids[0], "award", title=title, prize_amount=5000000)
    assert r.status_code == 200, r.get_json()


def test_uphold_disqualifies_voids_the_award_and_a_later_decree_omits_it(app, api, client, competition, juror):
    r1, ids = one_round(app, api, competition)
    _awarded(app, api, competition, ids)
    assert fire(api, "innovation", ids[1], "award", title="Juara II").status_code == 200
    assert api("sekretariat").post(f"/api/v1/round/{r1}/announce").status_code == 201
    oid = client.post("/api/v1/objection/", json=objection(r1, ids[0])).get_json()["id"]
    # the answer is required (it is what the public reads)
    r = fire(api, "objection", oid, "uphold")
    assert r.status_code == 422 and state_of(app, Objection, oid) == "open"
    r = fire(api, "objection", oid, "uphold", "Terbukti: inovasi ini replikasi tanpa modifikasi.")
    assert r.status_code == 200 and r.get_json()["state"] == "upheld"
    assert state_of(app, Innovation, ids[0]) == "rejected"
    with app.app_context():
        award = db.session.query(Award).filter_by(innovation_id=ids[0]).one()
        assert award.voided_at is not None and "Terbukti" in award.void_reason
        assert db.session.query(Award).filter_by(innovation_id=ids[1]).one().voided_at is None
        from workflows.models import WorkflowHistory

        h = db.session.query(WorkflowHistory).filter_by(workflow="innovation", object_id=ids[0],
                                                        trigger="disqualify").one()
        assert f"#{oid}" in h.comment and h.source == "awarded" and h.dest == "rejected"
    # answering twice: 409
    assert fire(api, "objection", oid, "dismiss", "lagi").status_code == 409
    # the public page: removed from the results, the answer published
    [a] = public(client)["result"]
    assert ids[0] not in [e["innovation_id"] for e in a["innovations"]]
    assert a["objections"][0]["state"] == "upheld" and "replikasi" in a["objections"][0]["answer"]
    # objecting to it again: no longer in the results
    r = client.post("/api/v1/objection/", json=objection(r1, ids[0]))
    assert r.status_code == 422
    # once the window has ended, a decree draft lists only the award that stands
    end_window(app, r1)
    decree = draft_decree(client, competition)
    text = pdf_text(api("sekretariat").get(f"/api/v1/decree/{decree}/pdf").data)
    assert "Inovasi 2" in text and "Inovasi 1" not in text


def test_dismiss_leaves_the_innovation_and_its_award(app, api, client, competition, juror):
    r1, ids = one_round(app, api, competition)
    _awarded(app, api, competition, ids)
    assert api("sekretariat").post(f"/api/v1/round/{r1}/announce").status_code == 201
    oid = client.post("/api/v1/objection/", json=objection(r1, ids[0])).get_json()["id"]
    r = fire(api, "objection", oid, "dismiss", "Tidak terbukti.")
    assert r.status_code == 200 and r.get_json()["state"] == "dismissed"
    assert state_of(app, Innovation, ids[0]) == "awarded"
    with app.app_context():
        assert db.session.query(Award).filter_by(innovation_id=ids[0]).one().voided_at is None
    [a] = public(client)["result"]
    assert ids[0] in [e["innovation_id"] for e in a["innovations"]]
    assert a["objections"][0]["state"] == "dismissed" and a["objections"][0]["answer"] == "Tidak terbukti."
    end_window(app, r1)
    decree = draft_decree(client, competition)
    assert "Inovasi 1" in pdf_text(api("sekretariat").get(f"/api/v1/decree/{decree}/pdf").data)


def test_bulk_answers_through_the_api(app, api, client, competition, juror):
    r1, ids = one_round(app, api, competition)
    assert api("sekretariat").post(f"/api/v1/round/{r1}/announce").status_code == 201
    oids = [client.post("/api/v1/objection/", json=objection(r1, inn)).get_json()["id"] for inn in ids[:2]]
    r = api("sekretariat").post("/api/v1/objection/transitions/dismiss", json={"ids": oids, "comment": "Tidak terbukti."})
    assert [x["state"] for x in r.get_json()["result"]] == ["dismissed", "dismissed"]
    r = api("opd_a").post("/api/v1/objection/transitions/uphold", json={"ids": oids, "comment": "x"})
    assert r.status_code in (403, 200) and all(not x["ok"] for x in (r.get_json().get("result") or [{"ok": False}]))
    assert {state_of(app, Innovation, inn) for inn in ids[:2]} == {"scored"}


def test_uphold_on_a_shortlisted_innovation_rejects_it(app, api, client, competition, juror):
    """A round that is not the last: its shortlist is still `verified` (in the next round); upholding rejects it."""
    sek = api("sekretariat")
    with app.app_context():
        r1, r2, r3 = [r.id for r in rounds_of(competition)]
    assert sek.put(f"/api/v1/round/{r1}", json={"shortlist_size": 1}).status_code == 200
    ids = verified(app, competition, ["T-OPD-A", "T-OPD-B"])
    for n, inn in enumerate(ids):
        aid = assign(app, r1, inn, juror)
        with app.app_context():
            write_sheet(db.session, aid, {c.id: 90 - 10 * n for c in criteria(r1)})
            db.session.commit()
    assert sek.post(f"/api/v1/round/{r1}/close").status_code == 200
    assert sek.post(f"/api/v1/round/{r1}/announce").status_code == 201
    assert [e["innovation_id"] for e in public(client)["result"][0]["innovations"]] == [ids[0]]
    oid = client.post("/api/v1/objection/", json=objection(r1, ids[0])).get_json()["id"]
    assert fire(api, "objection", oid, "uphold", "Diterima.").status_code == 200
    assert state_of(app, Innovation, ids[0]) == "rejected"


# -- the disqualify trigger on its own ---------------------------------------------------------------------------


def test_disqualify_trigger_through_the_api(app, api, client, competition, juror):
    r1, ids = one_round(app, api, competition)
    _awarded(app, api, competition, ids)
    r = api("sekretariat").get(f"/api/v1/innovation/{ids[0]}/transitions")
    assert "disqualify" in [t["trigger"] for t in r.get_json()["available"]]
    assert fire(api, "innovation", ids[0], "disqualify").status_code == 422  # comment required
    r = api("opd_a").post(f"/api/v1/innovation/{ids[0]}/transitions/disqualify", json={"comment": "x"})
    assert r.status_code == 403
    assert fire(api, "innovation", ids[0], "disqualify", "Plagiat.").status_code == 200
    assert state_of(app, Innovation, ids[0]) == "rejected"
    assert fire(api, "innovation", ids[0], "disqualify", "lagi").status_code == 409  # from rejected
    # from scored (no award) too, and in bulk
    r = api("sekretariat").post("/api/v1/innovation/transitions/disqualify",
                                json={"ids": [ids[1], ids[2]], "comment": "Data tidak benar."})
    assert [x["ok"] for x in r.get_json()["result"]] == [True, True]
    with app.app_context():
        assert db.session.query(Award).filter_by(innovation_id=ids[0]).one().voided_at is not None


def test_disqualify_revokes_issued_certificates(app, api, client, docs):  # noqa: F811
    comp, award_ids = seed_awards(app, prizes=(5000000, 2500000, 1000000))
    decree = draft_decree(client, comp)
    sign(client, decree)
    # disqualified after signing but before its certificate was issued: none is issued, and none is missing
    with app.app_context():
        third = db.session.get(Award, award_ids[2]).innovation_id
    assert fire(api, "innovation", third, "disqualify", "Data palsu.").status_code == 200
    issue_all(app, decree)
    with app.app_context():
        from app.services import recovery
        from app.services.documents import issuing

        assert db.session.query(IssuedDocument).filter_by(award_id=award_ids[2]).count() == 0
        progress = issuing.progress(db.session, decree)
        assert (progress["total"], progress["issued"], progress["done"]) == (2, 2, True)
        assert decree not in recovery.decrees_missing_certificates(db.session)
        innovation_id = db.session.get(Award, award_ids[0]).innovation_id
        code = db.session.query(IssuedDocument).filter_by(award_id=award_ids[0]).one().code
    assert client.get(f"/verify/{code}", headers=JSON).get_json()["valid"] is True
    assert fire(api, "innovation", innovation_id, "disqualify", "Plagiat terbukti.").status_code == 200
    verdict = client.get(f"/verify/{code}", headers=JSON).get_json()
    assert verdict["valid"] is False and verdict["state"] == "revoked"
    assert api("sekretariat").get(f"/api/v1/award/{award_ids[0]}/certificate").status_code == 409
    with app.app_context():
        other = db.session.query(IssuedDocument).filter_by(award_id=award_ids[1]).one()
        assert other.state == "valid"


# -- decree drafting readiness ------------------------------------------------------------------------------------


def test_decree_drafting_waits_for_the_window_and_every_answer(app, api, client, competition, juror):
    sek = api("sekretariat")
    r1, ids = one_round(app, api, competition)
    _awarded(app, api, competition, ids)
    assert sek.post(f"/api/v1/round/{r1}/announce").status_code == 201
    oid = client.post("/api/v1/objection/", json=objection(r1, ids[0])).get_json()["id"]
    r = sek.post("/api/v1/decree/", json={"competition_id": competition})
    assert r.status_code == 409
    message = r.get_json()["message"]
    assert "masa sanggah" in message.lower() and "belum dijawab" in message
    end_window(app, r1)
    r = sek.post("/api/v1/decree/", json={"competition_id": competition})
    assert r.status_code == 409
    assert "belum dijawab" in r.get_json()["message"] and "masa sanggah" not in r.get_json()["message"].lower()
    assert fire(api, "objection", oid, "dismiss", "Tidak terbukti.").status_code == 200
    assert sek.post("/api/v1/decree/", json={"competition_id": competition}).status_code == 201


def test_a_draft_made_before_the_announcement_is_signed_only_after_the_window_and_every_answer(
        app, api, client, competition, juror, docs):  # noqa: F811
    """Results announced after a draft was made: the signer waits for the same conditions as a new draft (the
    window has ended, every objection answered) — on the API, the bulk API and the transitions list."""
    from tests.documents_helpers import paraf

    r1, ids = one_round(app, api, competition)
    _awarded(app, api, competition, ids)
    assert fire(api, "innovation", ids[1], "award", title="Juara II").status_code == 200
    decree = draft_decree(client, competition)  # nothing announced yet: ready
    assert api("sekretariat").post(f"/api/v1/round/{r1}/announce").status_code == 201
    oid = client.post("/api/v1/objection/", json=objection(r1, ids[0])).get_json()["id"]
    paraf(client, decree)
    signer = api("penandatangan")
    r = signer.post(f"/api/v1/decree/{decree}/transitions/sign", json={})
    assert r.status_code == 409, r.get_json()
    message = r.get_json()["message"]
    assert "ditandatangani" in message and "masa sanggah" in message.lower() and "belum dijawab" in message
    rows = signer.post("/api/v1/decree/transitions/sign", json={"ids": [decree]}).get_json()["result"]
    assert [(x["ok"], x["status"]) for x in rows] == [(False, 409)]
    available = {a["trigger"]: a for a in signer.get(f"/api/v1/decree/{decree}/transitions").get_json()["available"]}
    assert available["sign"]["allowed"] is False and "belum dijawab" in available["sign"]["reason"]
    end_window(app, r1)
    r = signer.post(f"/api/v1/decree/{decree}/transitions/sign", json={})
    assert r.status_code == 409 and "belum dijawab" in r.get_json()["message"]
    assert "masa sanggah" not in r.get_json()["message"].lower()
    assert state_of(app, Decree, decree) == "draft"
    assert fire(api, "objection", oid, "uphold", "Terbukti.").status_code == 200
    # Upholding voided a listed award: the annex Hukum initialled is not the one to be signed any more.
    r = signer.post(f"/api/v1/decree/{decree}/transitions/sign", json={})
    assert r.status_code == 409 and "paraf" in r.get_json()["message"].lower(), r.get_json()
    paraf(client, decree)
    r = signer.post(f"/api/v1/decree/{decree}/transitions/sign", json={})
    assert r.status_code == 200, r.get_json()
    # the upheld objection's innovation is not in what was signed
    text = pdf_text(api("sekretariat").get(f"/api/v1/decree/{decree}/pdf").data)
    assert "Inovasi 2" in text and "Inovasi 1" not in text


def test_an_award_given_or_voided_after_the_paraf_voids_the_initials(app, api, client, competition, juror, docs):  # noqa: F811
    """The annex is part of the decree's text: an award given after Hukum initialled the draft (or voided by a
    disqualification) makes a new text version, and the signer waits for a new paraf of what he will sign."""
    from tests.documents_helpers import paraf

    r1, ids = one_round(app, api, competition, objection_days=0)
    _awarded(app, api, competition, ids)
    decree = draft_decree(client, competition)
    paraf(client, decree)
    hukum, signer = api("hukum"), api("penandatangan")
    assert hukum.get(f"/api/v1/decree/{decree}/paraf").get_json()["complete"] is True
    assert fire(api, "innovation", ids[1], "award", title="Juara II").status_code == 200
    chain = hukum.get(f"/api/v1/decree/{decree}/paraf").get_json()
    assert chain["complete"] is False and chain["text_version"] == 2
    r = signer.post(f"/api/v1/decree/{decree}/transitions/sign", json={})
    assert r.status_code == 409 and "paraf" in r.get_json()["message"].lower(), r.get_json()
    paraf(client, decree)
    # A disqualification voids a listed award: the initials go again.
    assert fire(api, "innovation", ids[1], "disqualify", "Terbukti menjiplak.").status_code == 200
    assert hukum.get(f"/api/v1/decree/{decree}/paraf").get_json()["complete"] is False
    paraf(client, decree)
    assert signer.post(f"/api/v1/decree/{decree}/transitions/sign", json={}).status_code == 200
    # A later award leaves the signed decree's text alone.
    assert fire(api, "innovation", ids[2], "award", title="Juara III").status_code == 200
    with app.app_context():
        signed = db.session.get(Decree, decree)
        assert (signed.state, signed.text_version) == ("signed", 3)
    text = pdf_text(api("sekretariat").get(f"/api/v1/decree/{decree}/pdf").data)
    assert "Inovasi 1" in text and "Inovasi 2" not in text and "Inovasi 3" not in text


# -- screens ----------------------------------------------------------------------------------------------------


def _login(app, username="sekretariat"):
    browser = app.test_client()
    assert browser.post("/login/", data={"username": username, "password": PASSWORD}).status_code == 302
    return browser


def test_screens_list_show_uphold_and_dismiss(app, api, client, competition, juror):
    r1, ids = one_round(app, api, competition)
    _awarded(app, api, competition, ids)
    browser = _login(app)
    # announcing from the judging screen
    page = browser.get(f"/judging/progress/{r1}").get_data(as_text=True)
    assert "announce-round" in page
    r = browser.post(f"/judging/announce/{r1}", follow_redirects=True)
    assert r.status_code == 200 and "Desember" in r.get_data(as_text=True)
    r = browser.post(f"/judging/announce/{r1}", follow_redirects=True)  # twice: flashed, nothing new
    with app.app_context():
        assert db.session.query(Announcement).count() == 1
    first = client.post("/api/v1/objection/", json=objection(r1, ids[0])).get_json()["id"]
    second = client.post("/api/v1/objection/", json=objection(r1, ids[1], text="Data pengguna layanan dilebihkan.")
                         ).get_json()["id"]
    listing = browser.get("/objections/list/")
    assert listing.status_code == 200
    html = listing.get_data(as_text=True)
    assert "Inovasi 1" in html and "Inovasi 2" in html
    show = browser.get(f"/objections/show/{first}").get_data(as_text=True)
    assert EMAIL in show and TEXT in show and 'data-trigger="uphold"' in show and 'data-trigger="dismiss"' in show
    # without an answer: refused, nothing changes
    browser.post(f"/objections/fire/{first}/uphold", data={"comment": ""})
    assert state_of(app, Objection, first) == "open"
    r = browser.post(f"/objections/fire/{first}/uphold", data={"comment": "Terbukti dari layar."},
                     follow_redirects=True)
    assert r.status_code == 200
    assert state_of(app, Objection, first) == "upheld" and state_of(app, Innovation, ids[0]) == "rejected"
    browser.post(f"/objections/fire/{second}/dismiss", data={"comment": "Ditolak dari layar."})
    assert state_of(app, Objection, second) == "dismissed" and state_of(app, Innovation, ids[1]) == "scored"
    # the state filter of the list (the home's to-do links to the open ones)
    assert client.post("/api/v1/objection/", json=objection(r1, ids[2])).status_code == 201
    opened = browser.get("/objections/list/?_flt_0_state=open")
    assert opened.status_code == 200
    html = opened.get_data(as_text=True)
    assert "Inovasi 3" in html and "Inovasi 1" not in html and "Inovasi 2" not in html
    # other roles never see the screens
    for user in ("opd_a", "juri1"):
        assert _login(app, user).get("/objections/list/").status_code in (302, 403)


def test_disqualify_from_the_innovation_screen(app, api, client, competition, juror):
    r1, ids = one_round(app, api, competition)
    _awarded(app, api, competition, ids)
    browser = _login(app)
    show = browser.get(f"/innovationview/show/{ids[0]}").get_data(as_text=True)
    assert 'data-trigger="disqualify"' in show
    browser.post(f"/innovationview/fire/{ids[0]}/disqualify", data={"comment": ""})
    assert state_of(app, Innovation, ids[0]) == "awarded"
    browser.post(f"/innovationview/fire/{ids[0]}/disqualify", data={"comment": "Plagiat."})
    assert state_of(app, Innovation, ids[0]) == "rejected"
    with app.app_context():
        assert db.session.query(Award).filter_by(innovation_id=ids[0]).one().voided_at is not None


def test_competition_objection_days_bounds(app, api):
    sek = api("sekretariat")
    r = sek.post("/api/v1/competition/", json={"name": "K", "year": 2026, "submission_deadline": "2026-07-31T23:59:00"})
    assert r.status_code == 201
    cid = r.get_json()["id"]
    assert sek.get(f"/api/v1/competition/{cid}").get_json()["result"]["objection_days"] == 5
    assert sek.put(f"/api/v1/competition/{cid}", json={"objection_days": 0}).status_code == 200
    assert sek.put(f"/api/v1/competition/{cid}", json={"objection_days": -1}).status_code == 422
    assert sek.put(f"/api/v1/competition/{cid}", json={"objection_days": 91}).status_code == 422


def test_competition_screen_takes_zero_objection_days(app):
    browser = _login(app)
    r = browser.post("/competitionview/add", data={
        "name": "KIPP Sanggah", "year": "2031", "submission_deadline": "2031-07-31T23:59",
        "min_implementation_years": "2", "max_attachment_mb": "5"})
    assert r.status_code == 302
    with app.app_context():
        comp = db.session.query(Competition).filter_by(name="KIPP Sanggah").one()
        assert comp.objection_days == 5
        pk = comp.id
    data = {"name": "KIPP Sanggah", "year": "2031", "submission_deadline": "2031-07-31T23:59",
            "min_implementation_years": "2", "max_attachment_mb": "5", "objection_days": "0"}
    assert browser.post(f"/competitionview/edit/{pk}", data=data).status_code == 302
    with app.app_context():
        assert db.session.get(Competition, pk).objection_days == 0
    r = browser.post(f"/competitionview/edit/{pk}", data={**data, "objection_days": "91"})
    assert r.status_code == 200  # the form again, with the error
    with app.app_context():
        assert db.session.get(Competition, pk).objection_days == 0


def test_objection_throttle_is_shared_through_redis(app, api, client, competition, juror, monkeypatch):
    """With Redis configured, every process counts the same address (the login counters' storage)."""
    import time
    import uuid

    from limits import parse
    from limits.storage import storage_from_string
    from limits.strategies import FixedWindowRateLimiter

    from app.services import login_throttle
    from tests.redis_dbs import OBJECTIONS as REDIS

    monkeypatch.setitem(app.config, "RATELIMIT_STORAGE_URI", REDIS)
    monkeypatch.setitem(app.config, "SIKIPP_OBJECTION_MAX_PER_ADDRESS", 2)
    monkeypatch.setitem(app.config, "SIKIPP_OBJECTION_WINDOW_SECONDS", 600)
    r1, ids = one_round(app, api, competition)
    assert api("sekretariat").post(f"/api/v1/round/{r1}/announce").status_code == 201
    if 600 - time.time() % 600 < 15:  # fixed windows aligned to the clock: start clear of a boundary
        time.sleep(600 - time.time() % 600 + 0.5)
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250 + 1}"
    here = {"REMOTE_ADDR": address}
    try:
        for inn in ids[:2]:
            assert client.post("/api/v1/objection/", json=objection(r1, inn), environ_base=here).status_code == 201
        other_process = FixedWindowRateLimiter(storage_from_string(REDIS))
        assert not other_process.test(parse("2 per 600 seconds"), "sikipp-objection-addr", address)
        assert client.post("/api/v1/objection/", json=objection(r1, ids[2]), environ_base=here).status_code == 429
    finally:
        with app.app_context():
            login_throttle.reset()
