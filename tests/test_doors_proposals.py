"""Issue 9 (items 1 and 8), proposals and transitions: one rulebook, every door.

Each rule is driven through every door that exposes it — the API, the bulk API, the screen (a FAB form
POST by a client logged in through /login/) and the screen's bulk action (/innovationview/action_post) —
with the same outcome; and each successful command, and each refused transition attempt, leaves its row in
the audit log, which the Sekretariat reads in the Audit log screen."""
import io
import re

import pytest

from app.extensions import db
from app.models import Attachment, AuditLog, Award, Competition, Innovation
from app.models.competition import DEFAULT_CHECKLIST
from tests.conftest import PASSWORD
from tests.judging_helpers import assign, criteria, rounds_of, user_id, write_sheet
from tests.pdfs import blank_pdf
from tests.test_proposals import complete_body, ready_draft

ALL_TRUE = {item: True for item in DEFAULT_CHECKLIST}
ALL_FALSE = {item: False for item in DEFAULT_CHECKLIST}


def browser(app, username):
    client = app.test_client()
    r = client.post("/login/", data={"username": username, "password": PASSWORD})
    assert r.status_code == 302, r.data[:300]
    return client


def state_of(app, pk):
    with app.app_context():
        row = db.session.get(Innovation, pk)
        return row.state if row is not None else None


def set_state(app, pk, state):
    with app.app_context():
        db.session.get(Innovation, pk).state = state
        db.session.commit()


def audit(app, action, target_id=None):
    with app.app_context():
        query = db.session.query(AuditLog).filter(AuditLog.action == action)
        if target_id is not None:
            query = query.filter(AuditLog.target_id == target_id)
        return [(row.user_id, row.detail, row.data) for row in query.order_by(AuditLog.id)]


def flashed(html):
    return re.sub(r"\s+", " ", html)


def screen_form(competition, **overrides):
    form = {k: v for k, v in complete_body(competition).items() if k not in ("competition_id", "sdg_goals")}
    form.update({"competition": str(competition), "sdg_goals": ["3", "16"]})
    form.update(overrides)
    return form


def submitted(app, api, competition, user="opd_a", title="SIPRAJA"):
    pk = ready_draft(api, competition, user=user, title=title)
    assert api(user).post(f"/api/v1/innovation/{pk}/transitions/submit", json={}).status_code == 200
    return pk


# -- ownership ---------------------------------------------------------------------------------------------


def test_another_units_proposal_is_out_of_reach_on_every_door(app, api, competition):
    other = ready_draft(api, competition, user="opd_b", title="IREBON")
    opd = api("opd_a")
    screen = browser(app, "opd_a")
    # edit / delete / attach: API and screen
    assert opd.put(f"/api/v1/innovation/{other}", json={"title": "Diambil alih"}).status_code == 404
    assert screen.post(f"/innovationview/edit/{other}", data=screen_form(competition, title="Diambil alih")
                       ).status_code == 404
    assert opd.delete(f"/api/v1/innovation/{other}").status_code == 404
    assert screen.post(f"/innovationview/delete/{other}").status_code == 404
    pdf = blank_pdf()
    assert opd.post(f"/api/v1/innovation/{other}/attachments", data={"file": (io.BytesIO(pdf), "x.pdf")},
                    content_type="multipart/form-data", json=None).status_code == 404
    assert screen.post(f"/innovationview/attachments/{other}", data={"file": (io.BytesIO(pdf), "x.pdf")},
                       content_type="multipart/form-data").status_code == 404
    # a transition: API, bulk API, screen, screen bulk action
    assert opd.post(f"/api/v1/innovation/{other}/transitions/withdraw", json={}).status_code == 404
    (row,) = opd.post("/api/v1/innovation/transitions/withdraw", json={"ids": [other]}).get_json()["result"]
    assert (row["ok"], row["status"]) == (False, 404)
    assert screen.post(f"/innovationview/fire/{other}/withdraw", data={}).status_code == 404
    screen.post("/innovationview/action_post", data={"action": "wf_withdraw", "rowid": [str(other)]})
    with app.app_context():
        row = db.session.get(Innovation, other)
        assert (row.state, row.title) == ("draft", "IREBON")
        assert db.session.query(Attachment).filter_by(innovation_id=other).count() == 1
    # Probing another unit's ids is not an attempt on a record: nothing is recorded for it.
    assert audit(app, "innovation.withdraw.refused", other) == []
    assert audit(app, "innovation.edit", other) == []


# -- draft-only edits ------------------------------------------------------------------------------------------


def test_only_drafts_change_on_every_door(app, api, competition):
    pk = submitted(app, api, competition)
    opd = api("opd_a")
    screen = browser(app, "opd_a")
    r = opd.put(f"/api/v1/innovation/{pk}", json={"title": "Judul baru"})
    assert r.status_code == 409 and "draf" in r.get_json()["message"].lower()
    r = screen.post(f"/innovationview/edit/{pk}", data=screen_form(competition, title="Judul baru"),
                    follow_redirects=True)
    assert r.status_code == 200
    assert opd.delete(f"/api/v1/innovation/{pk}").status_code == 409
    screen.post(f"/innovationview/delete/{pk}", follow_redirects=True)
    r = opd.post(f"/api/v1/innovation/{pk}/attachments", data={"file": (io.BytesIO(blank_pdf()), "b.pdf")},
                 content_type="multipart/form-data", json=None)
    assert r.status_code == 409
    screen.post(f"/innovationview/attachments/{pk}", data={"file": (io.BytesIO(blank_pdf()), "b.pdf")},
                content_type="multipart/form-data")
    with app.app_context():
        row = db.session.get(Innovation, pk)
        assert (row.state, row.title) == ("submitted", "SIPRAJA")
        assert db.session.query(Attachment).filter_by(innovation_id=pk).count() == 1
    # A role that may never edit a proposal: 403, not 409.
    assert api("sekretariat").put(f"/api/v1/innovation/{pk}", json={"title": "x"}).status_code == 403
    assert api("juri1").put(f"/api/v1/innovation/{pk}", json={"title": "x"}).status_code == 403
    # The refused API edit, delete and upload are recorded with their reason and status.
    for action in ("innovation.edit.refused", "innovation.delete.refused", "innovation.attachment_add.refused"):
        rows = audit(app, action, pk)
        # API and screen each: two refusals of the same reason and status.
        assert len(rows) == 2 and all(d == rows[0][1] and data["status"] == 409 for _u, d, data in rows), action
    # Back to draft: every door edits again, and the audit row holds only the changed fields.
    set_state(app, pk, "draft")
    assert opd.put(f"/api/v1/innovation/{pk}", json={"title": "SIPRAJA 2"}).status_code == 200
    screen.post(f"/innovationview/edit/{pk}", data=screen_form(competition, title="SIPRAJA 3"))
    with app.app_context():
        assert db.session.get(Innovation, pk).title == "SIPRAJA 3"
    edits = audit(app, "innovation.edit", pk)
    assert [(data["before"], data["after"]) for _u, _d, data in edits] == [
        ({"title": "SIPRAJA"}, {"title": "SIPRAJA 2"}), ({"title": "SIPRAJA 2"}, {"title": "SIPRAJA 3"})]
    with app.app_context():
        opd_a = user_id("opd_a")
    assert all(u == opd_a for u, _d, _data in edits)


# -- word limits ----------------------------------------------------------------------------------------------


def test_word_limits_hold_on_every_door(app, api, competition):
    pk = ready_draft(api, competition)  # sections of 7 words: above the limit of 5 set next for the summary
    api("sekretariat").put(f"/api/v1/competition/{competition}", json={"word_limits": {"summary": 5}})
    opd = api("opd_a")
    screen = browser(app, "opd_a")
    long_summary = "satu dua tiga empat lima enam"
    body = complete_body(competition, title="Terlalu Panjang")
    body["summary"] = long_summary
    r = opd.post("/api/v1/innovation/", json=body)
    assert r.status_code == 422 and "summary" in r.get_json()["message"]
    r = screen.post("/innovationview/add", data=screen_form(competition, title="Terlalu Panjang",
                                                            summary=long_summary), follow_redirects=True)
    assert "6 kata; batasnya 5 kata" in flashed(r.get_data(as_text=True))
    with app.app_context():
        assert db.session.query(Innovation).filter_by(title="Terlalu Panjang").count() == 0
    r = opd.put(f"/api/v1/innovation/{pk}", json={"summary": long_summary})
    assert r.status_code == 422 and "summary" in r.get_json()["message"]
    r = screen.post(f"/innovationview/edit/{pk}", data=screen_form(competition, summary=long_summary),
                    follow_redirects=True)
    assert "6 kata; batasnya 5 kata" in flashed(r.get_data(as_text=True))
    with app.app_context():
        assert db.session.get(Innovation, pk).summary != long_summary
    # Within the limit: both doors save.
    r = screen.post("/innovationview/add", data=screen_form(competition, title="Pas", summary="satu dua"))
    assert r.status_code == 302
    with app.app_context():
        created = db.session.query(Innovation).filter_by(title="Pas").one()
        assert (created.state, created.summary) == ("draft", "satu dua")
    assert audit(app, "innovation.create", created.id)[0][2]["after"]["title"] == "Pas"


# -- checklist on verify ------------------------------------------------------------------------------------


def test_verify_demands_the_whole_checklist_on_every_door(app, api, competition):
    a, b, c, d = (submitted(app, api, competition, title=f"Inovasi {n}") for n in "ABCD")
    sek = api("sekretariat")
    # API: no checklist, all false, some true → 409 with the missing items named.
    for data in (None, {}, {"checklist": ALL_FALSE}, {"checklist": {**ALL_FALSE, DEFAULT_CHECKLIST[0]: True}}):
        r = sek.post(f"/api/v1/innovation/{a}/transitions/verify", json={} if data is None else {"data": data})
        assert r.status_code == 409 and DEFAULT_CHECKLIST[-1] in r.get_json()["message"], (data, r.get_json())
    # Bulk API: refused per id without the checklist.
    rows = sek.post("/api/v1/innovation/transitions/verify", json={"ids": [a, b]}).get_json()["result"]
    assert [(r["ok"], r["status"]) for r in rows] == [(False, 409), (False, 409)]
    # Screen bulk action: every row refused with the reason (attest per proposal), nothing verified.
    screen = browser(app, "sekretariat")
    r = screen.post("/verification/action_post", data={"action": "wf_verify", "rowid": [str(a), str(b)]},
                    follow_redirects=True)
    page = flashed(r.get_data(as_text=True))
    assert f"#{a}" in page and f"#{b}" in page and "checklist verifikasi" in page.lower()
    r = screen.post("/innovationview/action_post", data={"action": "wf_verify", "rowid": [str(c)]},
                    follow_redirects=True)
    assert f"#{c}" in flashed(r.get_data(as_text=True))
    # Screen, single: three boxes of four refused; all four accepted.
    screen.post(f"/innovationview/fire/{a}/verify", data={"checklist_0": "1", "checklist_1": "1", "checklist_2": "1"})
    assert [state_of(app, pk) for pk in (a, b, c, d)] == ["submitted"] * 4
    screen.post(f"/innovationview/fire/{a}/verify", data={f"checklist_{i}": "1" for i in range(4)})
    # API and bulk API with every item true: accepted.
    assert sek.post(f"/api/v1/innovation/{b}/transitions/verify",
                    json={"data": {"checklist": ALL_TRUE}}).status_code == 200
    rows = sek.post("/api/v1/innovation/transitions/verify",
                    json={"ids": [c, d], "data": {"checklist": ALL_TRUE}}).get_json()["result"]
    assert [r["ok"] for r in rows] == [True, True]
    assert [state_of(app, pk) for pk in (a, b, c, d)] == ["verified"] * 4
    # Audit: one row per verify, and the refused attempts of every door.
    assert all(len(audit(app, "innovation.verify", pk)) == 1 for pk in (a, b, c, d))
    refused = audit(app, "innovation.verify.refused", a)
    assert len(refused) >= 4 + 1 + 1 + 1  # API ×4, bulk API, screen bulk action, screen single
    assert all(data["status"] == 409 for _u, _d, data in refused)


def test_a_competitions_own_checklist_is_the_one_demanded(app, api, competition):
    api("sekretariat").put(f"/api/v1/competition/{competition}",
                           json={"verification_checklist": ["Surat pernyataan kepala OPD"]})
    pk = submitted(app, api, competition)
    sek = api("sekretariat")
    assert sek.post(f"/api/v1/innovation/{pk}/transitions/verify",
                    json={"data": {"checklist": ALL_TRUE}}).status_code == 409
    assert sek.post(f"/api/v1/innovation/{pk}/transitions/verify",
                    json={"data": {"checklist": {"Surat pernyataan kepala OPD": True}}}).status_code == 200


# -- award ---------------------------------------------------------------------------------------------------------


def scored_pair(app, api, competition):
    """Two scored proposals of the same category, the second ranked 2nd in round 1 (the only one scored)."""
    first = ready_draft(api, competition, title="Unggul")
    second = ready_draft(api, competition, user="opd_b", title="Kedua")
    (round1, *_rest) = [r.id for r in rounds_of_app(app, competition)]
    with app.app_context():
        juror = user_id("juri1")
        cids = [c.id for c in criteria(round1)]
    for pk, value in ((first, 90), (second, 70)):
        set_state(app, pk, "scored")
        assignment = assign(app, round1, pk, juror)
        with app.app_context():
            write_sheet(db.session, assignment, {cid: value for cid in cids})
            db.session.commit()
    return first, second


def rounds_of_app(app, competition):
    with app.app_context():
        rounds = rounds_of(competition)
        return [type("R", (), {"id": r.id}) for r in rounds]


def test_award_from_the_screen_with_predikat_prize_and_proposed_rank(app, api, competition):
    first, second = scored_pair(app, api, competition)
    screen = browser(app, "sekretariat")
    page = screen.get(f"/innovationview/show/{second}").get_data(as_text=True)
    form = page[page.index('data-trigger="award"') - 3000:page.index('data-trigger="award"')]
    assert 'name="title"' in form and re.search(r'<input type="text"[^>]*name="title"[^>]*required', form)
    assert 'name="prize_amount"' in form
    assert re.search(r'name="rank"[^>]*value="2"', form), form  # proposed from the final ranking
    r = screen.post(f"/innovationview/fire/{second}/award",
                    data={"title": "Juara II", "prize_amount": "7.500.000", "rank": "2", "comment": ""})
    assert r.status_code == 302
    with app.app_context():
        (award,) = db.session.query(Award).filter_by(innovation_id=second).all()
        assert (award.title, award.rank, float(award.prize_amount)) == ("Juara II", 2, 7500000.0)
    assert state_of(app, second) == "awarded"
    assert len(audit(app, "innovation.award", second)) == 1


def test_award_without_a_title_is_refused_on_every_door(app, api, competition):
    first, second = scored_pair(app, api, competition)
    sek = api("sekretariat")
    r = sek.post(f"/api/v1/innovation/{first}/transitions/award", json={"data": {"prize_amount": 1000}})
    assert r.status_code == 422 and "title" in r.get_json()["message"]
    rows = sek.post("/api/v1/innovation/transitions/award", json={"ids": [first, second]}).get_json()["result"]
    assert [(row["ok"], row["status"]) for row in rows] == [(False, 422), (False, 422)]
    screen = browser(app, "sekretariat")
    r = screen.post(f"/innovationview/fire/{first}/award", data={"title": "  ", "prize_amount": "1000"},
                    follow_redirects=True)
    assert "title" in flashed(r.get_data(as_text=True))
    r = screen.post("/innovationview/action_post", data={"action": "wf_award", "rowid": [str(first), str(second)]},
                    follow_redirects=True)
    page = flashed(r.get_data(as_text=True))
    assert f"#{first}" in page and f"#{second}" in page
    assert (state_of(app, first), state_of(app, second)) == ("scored", "scored")
    with app.app_context():
        assert db.session.query(Award).count() == 0
    assert len(audit(app, "innovation.award.refused", first)) == 4  # API, bulk API, screen, screen bulk
    # And with a title the API awards, the rank given by the ranking when none is sent.
    assert sek.post(f"/api/v1/innovation/{first}/transitions/award",
                    json={"data": {"title": "Juara I", "rank": 1}}).status_code == 200


# -- attachments and the audit screen ----------------------------------------------------------------------------


def test_attachments_through_the_commands_and_the_audit_screen(app, api, competition):
    pk = ready_draft(api, competition)
    opd = api("opd_a")
    screen = browser(app, "opd_a")
    r = screen.post(f"/innovationview/attachments/{pk}", data={"file": (io.BytesIO(blank_pdf()), "bukti.pdf")},
                    content_type="multipart/form-data")
    assert r.status_code == 302
    with app.app_context():
        rows = db.session.query(Attachment).filter_by(innovation_id=pk).order_by(Attachment.id).all()
        assert [a.original_name for a in rows] == ["sk.pdf", "bukti.pdf"]
        first_id, second_id = rows[0].id, rows[1].id
        from app.services import attachments

        second_path = attachments.path_of(rows[1])
    assert opd.delete(f"/api/v1/innovation/{pk}/attachments/{first_id}").status_code == 200
    screen.post(f"/innovationview/attachments/{pk}/{second_id}/delete")
    with app.app_context():
        assert db.session.query(Attachment).filter_by(innovation_id=pk).count() == 0
    import os

    assert not os.path.exists(second_path)  # the file goes with its row
    # A refused upload (not a PDF) leaves no row and no file behind.
    from app.services.storage import get_storage

    with app.app_context():
        before = {o.key for o in get_storage().list("attachments/")}
    r = opd.post(f"/api/v1/innovation/{pk}/attachments", data={"file": (io.BytesIO(b"bukan pdf"), "x.pdf")},
                 content_type="multipart/form-data", json=None)
    assert r.status_code == 422
    with app.app_context():
        assert {o.key for o in get_storage().list("attachments/")} == before
    assert [d for _u, d, _data in audit(app, "innovation.attachment_add", pk)] == ["sk.pdf", "bukti.pdf"]
    assert len(audit(app, "innovation.attachment_remove", pk)) == 2
    # Delete the draft on the screen: the command deletes it, and the audit keeps what it was.
    r = screen.post(f"/innovationview/delete/{pk}")
    assert r.status_code == 302 and state_of(app, pk) is None
    (deleted,) = audit(app, "innovation.delete", pk)
    assert deleted[2]["before"]["title"] == "SIPRAJA"

    # The Sekretariat reads it all in the Audit log screen, readable and filtered by action.
    sek = browser(app, "sekretariat")
    set_other = submitted(app, api, competition, title="Lain")
    api("sekretariat").post(f"/api/v1/innovation/{set_other}/transitions/verify", json={})  # refused: recorded
    page = flashed(sek.get("/auditlogview/list/").get_data(as_text=True))
    assert "Lampiran ditambahkan" in page and "Ditolak" in page and "WIB" in page
    assert "SIPRAJA" in page and "→" in page
    filtered = flashed(sek.get("/auditlogview/list/?_flt_2_action=verify").get_data(as_text=True))
    assert "Ditolak" in filtered and "Lampiran ditambahkan" not in filtered
    assert browser(app, "opd_a").get("/auditlogview/list/").status_code in (302, 403)
    assert browser(app, "admin").get("/auditlogview/list/").status_code == 200


@pytest.mark.parametrize("door", ["api", "screen"])
def test_a_new_proposal_belongs_to_the_proposers_unit(app, api, competition, door):
    body = complete_body(competition, title=f"Baru {door}")
    if door == "api":
        r = api("opd_b").post("/api/v1/innovation/", json={**body, "unit_id": 1, "state": "awarded"})
        assert r.status_code == 201
    else:
        browser(app, "opd_b").post("/innovationview/add", data=screen_form(competition, title=f"Baru {door}"))
    with app.app_context():
        row = db.session.query(Innovation).filter_by(title=f"Baru {door}").one()
        from app.models import Unit

        assert (row.state, db.session.get(Unit, row.unit_id).code) == ("draft", "T-OPD-B")
        assert db.session.get(Competition, competition) is not None
    assert audit(app, "innovation.create", row.id)[0][2]["after"]["unit_id"] == row.unit_id


def test_verify_several_at_once_with_the_checklist_on_the_queue_screen(app, api, competition):
    """The screen's bulk verification carries the checklist attested once for the ticked proposals."""
    one = submitted(app, api, competition, title="Satu")
    two = submitted(app, api, competition, user="opd_b", title="Dua")
    three = submitted(app, api, competition, title="Tiga")
    screen = browser(app, "sekretariat")
    page = screen.get("/verification/list/").get_data(as_text=True)
    assert f'class="panel panel-default bulk-verify" data-competition="{competition}"' in page
    partial = {"ids": [str(one), str(two)], **{f"checklist_{i}": "1" for i in range(len(DEFAULT_CHECKLIST) - 1)}}
    r = screen.post(f"/verification/verify_many/{competition}", data=partial, follow_redirects=True)
    assert "0 proposal diverifikasi" in flashed(r.get_data(as_text=True))
    assert state_of(app, one) == state_of(app, two) == "submitted"
    full = {**partial, f"checklist_{len(DEFAULT_CHECKLIST) - 1}": "1"}
    r = screen.post(f"/verification/verify_many/{competition}", data=full, follow_redirects=True)
    assert "2 proposal diverifikasi" in flashed(r.get_data(as_text=True))
    assert (state_of(app, one), state_of(app, two), state_of(app, three)) == ("verified", "verified", "submitted")
    assert len(audit(app, "innovation.verify")) == 2
    # An OPD user cannot use it.
    r = browser(app, "opd_a").post(f"/verification/verify_many/{competition}", data={**full, "ids": [str(three)]})
    assert state_of(app, three) == "submitted"
