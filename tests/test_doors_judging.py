"""One rulebook, every door (issue 9) for judging and decrees: each rule driven through the REST API and
through the FAB screen (forms POSTed by a logged-in browser session) gives the same outcome; closing a
round is atomic; every command writes its audit row."""
import datetime

import pytest

from app.extensions import db
from app.models import Assignment, AuditLog, Decree, Innovation, Round, ScoreSheet
from tests.conftest import PASSWORD
from tests.judging_helpers import assign, criteria, rounds_of, user_id, verified, write_sheet
from workflows.models import WorkflowHistory


def screen(app, username="sekretariat"):
    client = app.test_client()
    r = client.post("/login/", data={"username": username, "password": PASSWORD})
    assert r.status_code == 302
    return client


def flashes(client):
    with client.session_transaction() as session:
        return [(category, str(message)) for category, message in session.pop("_flashes", [])]


def refused_on_screen(client, url, data):
    """POST a screen form: the answer is a redirect (never a 500) with a flashed refusal."""
    flashes(client)
    r = client.post(url, data=data)
    assert r.status_code == 302, (r.status_code, r.get_data(as_text=True)[:500])
    messages = flashes(client)
    assert any(category == "danger" for category, _m in messages), messages
    return [m for category, m in messages if category == "danger"]


def accepted_on_screen(client, url, data):
    flashes(client)
    r = client.post(url, data=data)
    assert r.status_code == 302, (r.status_code, r.get_data(as_text=True)[:500])
    messages = flashes(client)
    assert not any(category == "danger" for category, _m in messages), messages


def audit(action, target_id=None):
    query = db.session.query(AuditLog).filter(AuditLog.action == action)
    if target_id is not None:
        query = query.filter(AuditLog.target_id == target_id)
    return query.order_by(AuditLog.id).all()


@pytest.fixture
def world(app, competition):
    """Round 1 of the competition with one innovation of T-OPD-A assigned to juri1 (no sheet yet)."""
    (inn,) = verified(app, competition, ["T-OPD-A"], title="Layanan Pintu")
    with app.app_context():
        r1, r2, r3 = (r.id for r in rounds_of(competition))
        crit = [c.id for c in criteria(r1)]
        juri1, juri2 = user_id("juri1"), user_id("juri2")
    aid = assign(app, r1, inn, juri1)
    return {"competition": competition, "rounds": (r1, r2, r3), "innovation": inn, "assignment": aid,
            "criteria": crit, "juri1": juri1, "juri2": juri2}


def _freeze(app, world):
    """Round 1 gets a (draft) score sheet: its rubric is frozen."""
    with app.app_context():
        write_sheet(db.session, world["assignment"], {world["criteria"][0]: 50}, final=False)
        db.session.commit()


def round_form(rnd, **changes):
    data = {"sequence": str(rnd.sequence), "name": rnd.name, "weight": str(rnd.weight),
            "shortlist_size": "" if rnd.shortlist_size is None else str(rnd.shortlist_size)}
    if rnd.blind:
        data["blind"] = "y"
    if rnd.normalize_z:
        data["normalize_z"] = "y"
    data.update({k: str(v) for k, v in changes.items()})
    return data


def _round(app, pk):
    with app.app_context():
        rnd = db.session.get(Round, pk)
        db.session.expunge(rnd)
        return rnd


# -- assignments -----------------------------------------------------------------------------------------

def test_recused_assignment_is_neither_moved_nor_deleted_on_any_door(app, api, world):
    aid = world["assignment"]
    r = api("juri1").post(f"/api/v1/assignment/{aid}/recuse", json={"reason": "Kerabat pengusul"})
    assert r.status_code == 200, r.get_json()
    sek, page = api("sekretariat"), screen(app)
    # move to another juror
    r = sek.put(f"/api/v1/assignment/{aid}", json={"juror_id": world["juri2"]})
    assert r.status_code == 409, r.get_json()
    messages = refused_on_screen(page, f"/assignmentview/edit/{aid}", {"juror": str(world["juri2"])})
    assert r.get_json()["message"] in messages  # the same rule, the same words
    # delete
    assert sek.delete(f"/api/v1/assignment/{aid}").status_code == 409
    refused_on_screen(page, f"/assignmentview/delete/{aid}", {})
    with app.app_context():
        row = db.session.get(Assignment, aid)
        assert (row.juror_id, row.status) == (world["juri1"], "recused")
        (recusal,) = audit("assignment_recused", aid)
        assert recusal.data["juror_id"] == world["juri1"] == row.juror_id
        assert len(audit("assignment.edit.refused", aid)) == 2
        assert len(audit("assignment.delete.refused", aid)) == 2
        assert audit("assignment.edit") == []


def test_juror_of_the_innovations_own_unit_is_refused_on_any_door(app, api, world, competition):
    (inn_b,) = verified(app, competition, ["T-OPD-B"], title="Inovasi B")  # juri2 belongs to T-OPD-B
    r1 = world["rounds"][0]
    sek, page = api("sekretariat"), screen(app)
    r = sek.post("/api/v1/assignment/", json={"round_id": r1, "innovation_id": inn_b, "juror_id": world["juri2"]})
    assert r.status_code == 422 and "juror_id" in r.get_json()["message"], r.get_json()
    refused_on_screen(page, "/assignmentview/add",
                      {"round": str(r1), "innovation": str(inn_b), "juror": str(world["juri2"])})
    # moving the existing assignment (T-OPD-A) is fine, but not to a juror of the innovation's unit
    (inn_a2,) = verified(app, competition, ["T-OPD-B"], title="Inovasi B2")
    aid = assign(app, r1, inn_a2, world["juri1"])
    assert sek.put(f"/api/v1/assignment/{aid}", json={"juror_id": world["juri2"]}).status_code == 422
    refused_on_screen(page, f"/assignmentview/edit/{aid}", {"juror": str(world["juri2"])})
    with app.app_context():
        assert db.session.query(Assignment).filter_by(innovation_id=inn_b).count() == 0
        assert db.session.get(Assignment, aid).juror_id == world["juri1"]
    # an eligible juror is accepted on both doors
    r = sek.post("/api/v1/assignment/", json={"round_id": r1, "innovation_id": inn_b, "juror_id": world["juri1"]})
    assert r.status_code == 201, r.get_json()
    (inn_c,) = verified(app, competition, ["T-KEC-C"], title="Inovasi C")
    accepted_on_screen(page, "/assignmentview/add",
                       {"round": str(r1), "innovation": str(inn_c), "juror": str(world["juri2"])})
    with app.app_context():
        assert db.session.query(Assignment).filter_by(innovation_id=inn_c, juror_id=world["juri2"]).count() == 1
        assert len(audit("assignment.create")) == 2


# -- the frozen round --------------------------------------------------------------------------------------

def test_frozen_round_refuses_rubric_and_ranking_changes_on_any_door(app, api, world):
    _freeze(app, world)
    r1 = world["rounds"][0]
    cid = world["criteria"][0]
    sek, page = api("sekretariat"), screen(app)
    with app.app_context():
        before = [(c.id, c.name, c.weight, c.max_score, c.sequence) for c in criteria(r1)]
    rnd = _round(app, r1)
    # criterion add / edit / delete
    r = sek.post("/api/v1/criterion/", json={"round_id": r1, "name": "Baru", "weight": 1, "max_score": 100,
                                             "sequence": 9})
    assert r.status_code == 409, r.get_json()
    refused_on_screen(page, "/criterionview/add", {"round": str(r1), "sequence": "9", "name": "Baru",
                                                   "weight": "1", "max_score": "100"})
    assert sek.put(f"/api/v1/criterion/{cid}", json={"name": "Diubah"}).status_code == 409
    refused_on_screen(page, f"/criterionview/edit/{cid}", {"sequence": "1", "name": "Diubah", "weight": "1",
                                                           "max_score": "100"})
    assert sek.delete(f"/api/v1/criterion/{cid}").status_code == 409
    refused_on_screen(page, f"/criterionview/delete/{cid}", {})
    # the round's ranking fields
    for field, value in (("weight", 2.5), ("sequence", 7), ("blind", True), ("normalize_z", True)):
        r = sek.put(f"/api/v1/round/{r1}", json={field: value})
        assert r.status_code == 409, (field, r.get_json())
        refused_on_screen(page, f"/roundview/edit/{r1}",
                          round_form(rnd, **({field: "y"} if isinstance(value, bool) else {field: value})))
    # deleting the round
    assert sek.delete(f"/api/v1/round/{r1}").status_code == 409
    refused_on_screen(page, f"/roundview/delete/{r1}", {})
    with app.app_context():
        assert [(c.id, c.name, c.weight, c.max_score, c.sequence) for c in criteria(r1)] == before
        stored = db.session.get(Round, r1)
        assert (stored.weight, stored.sequence, stored.blind, stored.normalize_z) == \
            (rnd.weight, rnd.sequence, rnd.blind, rnd.normalize_z)
        assert len(audit("criterion.create.refused")) == 2
        assert len(audit("round.edit.refused", r1)) == 8
    # the name stays editable on both doors
    assert sek.put(f"/api/v1/round/{r1}", json={"name": "Penilaian Proposal (API)"}).status_code == 200
    accepted_on_screen(page, f"/roundview/edit/{r1}", round_form(rnd, name="Penilaian Proposal (layar)"))
    with app.app_context():
        assert db.session.get(Round, r1).name == "Penilaian Proposal (layar)"
        assert [log.data["after"]["name"] for log in audit("round.edit", r1)] == \
            ["Penilaian Proposal (API)", "Penilaian Proposal (layar)"]


def test_round_sequence_bounds_are_the_same_on_every_door(app, api, world):
    r2 = world["rounds"][1]
    sek, page = api("sekretariat"), screen(app)
    rnd = _round(app, r2)
    for bad in (99999999999, 1001, 0, -3):
        r = sek.put(f"/api/v1/round/{r2}", json={"sequence": bad})
        assert r.status_code == 422 and "sequence" in r.get_json()["message"], (bad, r.get_json())
        refused_on_screen(page, f"/roundview/edit/{r2}", round_form(rnd, sequence=bad))
        with app.app_context():
            assert db.session.get(Round, r2).sequence == rnd.sequence
    # a new round: the same bound
    r = sek.post("/api/v1/round/", json={"competition_id": world["competition"], "name": "Ekstra",
                                         "sequence": 99999999999})
    assert r.status_code == 422
    refused_on_screen(page, "/roundview/add", {"competition": str(world["competition"]), "name": "Ekstra",
                                               "sequence": "99999999999", "weight": "1"})
    with app.app_context():
        assert db.session.query(Round).filter_by(name="Ekstra").count() == 0
    # another round's order is refused as such (not a database error)
    r = sek.put(f"/api/v1/round/{r2}", json={"sequence": 1})
    assert r.status_code == 422 and "sequence" in r.get_json()["message"]
    refused_on_screen(page, f"/roundview/edit/{r2}", round_form(rnd, sequence=1))
    # the bound itself is accepted on both doors
    assert sek.put(f"/api/v1/round/{r2}", json={"sequence": 1000}).status_code == 200
    accepted_on_screen(page, f"/roundview/edit/{r2}", round_form(rnd, sequence=999))
    with app.app_context():
        assert db.session.get(Round, r2).sequence == 999


# -- score sheets -----------------------------------------------------------------------------------------

def test_score_bounds_and_final_lock_are_the_same_on_api_and_sheet_form(app, api, world):
    aid, crit = world["assignment"], world["criteria"]
    juri, page = api("juri1"), screen(app, "juri1")
    url = f"/scoresheets/sheet/{aid}"

    def body(value, final=False):
        return {"scores": [{"criterion_id": c, "value": value} for c in crit], "final": final}

    def form(value, final=False):
        return {**{f"score_{c}": str(value) for c in crit}, "action": "final" if final else "draft"}

    for bad in (101, -1, 1.234):
        r = juri.put(f"/api/v1/assignment/{aid}/scores", json=body(bad))
        assert r.status_code == 422, (bad, r.get_json())
        api_message = r.get_json()["message"]["scores"][0]
        r = page.post(url, data=form(bad))
        assert r.status_code == 422, bad
        assert api_message.replace('"', "&#34;") in r.get_data(as_text=True) \
            or api_message.replace('"', "&quot;") in r.get_data(as_text=True), api_message
    with app.app_context():
        assert db.session.query(ScoreSheet).filter_by(assignment_id=aid).count() == 0
        assert len(audit("score_sheet_saved.refused", aid)) == 6
    # within bounds, two decimals: accepted on both
    assert juri.put(f"/api/v1/assignment/{aid}/scores", json=body(88.25)).status_code == 200
    assert page.post(url, data=form("77.5", final=True)).status_code == 302
    # final: locked on both doors
    assert juri.put(f"/api/v1/assignment/{aid}/scores", json=body(10)).status_code == 409
    assert page.post(url, data=form(10)).status_code == 422
    with app.app_context():
        sheet = db.session.query(ScoreSheet).filter_by(assignment_id=aid).one()
        assert sheet.is_final and {float(s.value) for s in sheet.scores} == {77.5}
        saved = audit("score_sheet_saved", aid)
        assert [log.data["after"]["final"] for log in saved] == [False, True]
        assert saved[1].data["before"]["scores"][str(crit[0])] == "88.25"


# -- decrees ---------------------------------------------------------------------------------------------

def test_only_a_draft_decree_is_editable_on_any_door(app, api, world):
    sek, page = api("sekretariat"), screen(app)
    with app.app_context():  # judging is over: a decree is drafted once every round is closed (DESIGN §3)
        for rnd in db.session.query(Round).filter_by(competition_id=world["competition"]):
            rnd.closed_at = datetime.datetime(2026, 11, 1)
        db.session.commit()
    r = sek.post("/api/v1/decree/", json={"competition_id": world["competition"], "title": "SK Pemenang"})
    assert r.status_code == 201, r.get_json()
    pk = r.get_json()["id"]
    assert sek.put(f"/api/v1/decree/{pk}", json={"title": "SK Pemenang (API)"}).status_code == 200
    accepted_on_screen(page, f"/decreeview/edit/{pk}", {"title": "SK Pemenang (layar)", "considerations": "a",
                                                        "legal_bases": "b"})
    with app.app_context():
        decree = db.session.get(Decree, pk)
        assert (decree.title, decree.considerations) == ("SK Pemenang (layar)", "a")
        decree.state, decree.number = "signed", "100/1/438.1.1.3/2026"
        db.session.commit()
    r = sek.put(f"/api/v1/decree/{pk}", json={"title": "Diubah"})
    assert r.status_code == 409, r.get_json()
    messages = refused_on_screen(page, f"/decreeview/edit/{pk}", {"title": "Diubah", "considerations": "x",
                                                                  "legal_bases": "y"})
    assert r.get_json()["message"] in messages
    assert sek.delete(f"/api/v1/decree/{pk}").status_code == 409
    refused_on_screen(page, f"/decreeview/delete/{pk}", {})
    with app.app_context():
        decree = db.session.get(Decree, pk)
        assert (decree.title, decree.considerations, decree.state) == ("SK Pemenang (layar)", "a", "signed")
        assert len(audit("decree.create", pk)) == 1 and len(audit("decree.edit", pk)) == 2
        assert len(audit("decree.edit.refused", pk)) == 2 and len(audit("decree.delete.refused", pk)) == 2
    # a new draft through the screen, deleted through the API
    accepted_on_screen(page, "/decreeview/add", {"competition": str(world["competition"]), "title": "SK Kedua"})
    with app.app_context():
        second = db.session.query(Decree).filter_by(title="SK Kedua").one().id
    assert sek.delete(f"/api/v1/decree/{second}").status_code == 200
    with app.app_context():
        assert db.session.get(Decree, second) is None and len(audit("decree.delete", second)) == 1


# -- closing a round is atomic ----------------------------------------------------------------------------

@pytest.fixture
def closable(app, api, competition):
    """Round 1 (shortlist 1) with three fully scored innovations of one category: one advances, two are
    scored when it closes."""
    inns = verified(app, competition, ["T-OPD-A", "T-OPD-B", "T-OPD-A"], title="Tutup")
    with app.app_context():
        r1 = rounds_of(competition)[0].id
        crit = [c.id for c in criteria(r1)]
        juri1 = user_id("juri1")
    assert api("sekretariat").put(f"/api/v1/round/{r1}", json={"shortlist_size": 1}).status_code == 200
    for inn, value in zip(inns, (90, 60, 70)):
        aid = assign(app, r1, inn, juri1)
        with app.app_context():
            write_sheet(db.session, aid, {c: value for c in crit}, final=True)
            db.session.commit()
    return {"round": r1, "innovations": inns}


def _nothing_changed(app, closable):
    with app.app_context():
        assert db.session.get(Round, closable["round"]).closed_at is None
        rows = db.session.query(Innovation).filter(Innovation.id.in_(closable["innovations"])).all()
        assert {(i.state, i.current_round_id) for i in rows} == {("verified", None)}
        assert db.session.query(WorkflowHistory).filter(
            WorkflowHistory.object_id.in_(closable["innovations"])).count() == 0
        assert audit("round_closed") == [] and audit("innovation.score") == []


def test_closing_a_round_is_atomic_when_one_score_fails(app, api, closable, monkeypatch):
    from app.lifecycles import innovation_workflow

    victim = closable["innovations"][2]  # 70: not advanced, scored after the other one
    score = innovation_workflow.transition("score")
    monkeypatch.setattr(score, "guards", (*score.guards,
                                          lambda ctx: "Berkas fisik belum diterima." if ctx.obj.id == victim
                                          else None))
    r1 = closable["round"]
    r = api("sekretariat").post(f"/api/v1/round/{r1}/close")
    assert r.status_code == 409, r.get_json()
    message = r.get_json()["message"]
    assert f"#{victim}" in message and "Tutup 3" in message and "Berkas fisik belum diterima." in message
    _nothing_changed(app, closable)
    page = screen(app)
    messages = refused_on_screen(page, f"/judging/close/{r1}", {})
    assert message in messages
    _nothing_changed(app, closable)
    with app.app_context():
        assert len(audit("round_closed.refused", r1)) == 2
    # the guard passes again: closing succeeds at once, everything together
    monkeypatch.undo()
    accepted_on_screen(page, f"/judging/close/{r1}", {})
    with app.app_context():
        assert db.session.get(Round, r1).closed_at is not None
        states = {i.id: (i.state, i.current_round_id) for i in db.session.query(Innovation).filter(
            Innovation.id.in_(closable["innovations"]))}
        first, second, third = closable["innovations"]
        assert states[first] == ("verified", rounds_of(db.session.get(Round, r1).competition_id)[1].id)
        assert states[second][0] == states[third][0] == "scored"
        (closed,) = audit("round_closed", r1)
        assert closed.data["advanced"] == [first] and closed.data["scored"] == [second, third]
        assert sorted(log.target_id for log in audit("innovation.score")) == [second, third]
    assert api("sekretariat").post(f"/api/v1/round/{r1}/close").status_code == 409


# -- every command is audited -----------------------------------------------------------------------------

def test_every_judging_command_writes_its_audit_row(app, api, world, competition):
    sek, juri = api("sekretariat"), api("juri1")
    r1, r2, _r3 = world["rounds"]
    r = sek.post("/api/v1/round/", json={"competition_id": competition, "name": "Tambahan", "sequence": 4})
    assert r.status_code == 201, r.get_json()
    extra = r.get_json()["id"]
    assert sek.put(f"/api/v1/round/{extra}", json={"weight": 0.5}).status_code == 200
    r = sek.post("/api/v1/criterion/", json={"round_id": extra, "name": "Dampak", "weight": 2, "max_score": 10})
    assert r.status_code == 201, r.get_json()
    cid = r.get_json()["id"]
    assert sek.put(f"/api/v1/criterion/{cid}", json={"max_score": 20}).status_code == 200
    assert sek.delete(f"/api/v1/criterion/{cid}").status_code == 200
    assert sek.delete(f"/api/v1/round/{extra}").status_code == 200
    (inn2,) = verified(app, competition, ["T-OPD-B"], title="Kedua")
    r = sek.post("/api/v1/assignment/", json={"round_id": r1, "innovation_id": inn2, "juror_id": world["juri1"]})
    assert r.status_code == 201
    manual = r.get_json()["id"]
    assert sek.delete(f"/api/v1/assignment/{manual}").status_code == 200
    assert sek.post(f"/api/v1/round/{r1}/assign", json={"jurors_per_innovation": 1}).status_code == 200
    aid = world["assignment"]
    full = [{"criterion_id": c, "value": 80} for c in world["criteria"]]
    assert juri.put(f"/api/v1/assignment/{aid}/scores", json={"scores": full, "final": True}).status_code == 200
    assert sek.post(f"/api/v1/assignment/{aid}/scores/reopen", json={"reason": "Salah ketik"}).status_code == 200
    assert sek.post(f"/api/v1/round/{r1}/remind", json={}).status_code == 200
    assert juri.post(f"/api/v1/assignment/{aid}/recuse", json={"reason": "Kerabat"}).status_code == 200
    assert sek.post(f"/api/v1/assignment/{aid}/reassign", json={}).status_code == 201
    with app.app_context():
        sek_id = user_id("sekretariat")
        for action, count in (("round.create", 1), ("round.edit", 1), ("round.delete", 1), ("criterion.create", 1),
                              ("criterion.edit", 1), ("criterion.delete", 1), ("assignment.create", 1),
                              ("assignment.delete", 1), ("round_auto_assigned", 1), ("score_sheet_saved", 1),
                              ("score_sheet_reopened", 1), ("round_reminded", 1), ("assignment_recused", 1),
                              ("assignment_reassigned", 1)):
            rows = audit(action)
            assert len(rows) == count, action
            assert rows[0].user_id == (user_id("juri1") if action in ("score_sheet_saved", "assignment_recused")
                                       else sek_id), action
        edit = audit("round.edit", extra)[0]
        assert (edit.data["before"]["weight"], edit.data["after"]["weight"]) == (1.0, 0.5)
        assert audit("criterion.edit", cid)[0].data["after"]["max_score"] == 20.0
        assert audit("round.delete", extra)[0].data["before"]["name"] == "Tambahan"


def test_screen_forms_render_and_a_form_error_writes_nothing(app, world):
    page = screen(app)
    r1 = world["rounds"][0]
    for url in (f"/roundview/edit/{r1}", "/roundview/add", f"/criterionview/edit/{world['criteria'][0]}",
                "/criterionview/add", f"/assignmentview/edit/{world['assignment']}", "/assignmentview/add",
                "/decreeview/add"):
        assert page.get(url).status_code == 200, url
    rnd = _round(app, r1)
    r = page.post(f"/roundview/edit/{r1}", data=round_form(rnd, name=""))  # WTForms: required
    assert r.status_code in (200, 302)
    with app.app_context():
        assert db.session.get(Round, r1).name == rnd.name
        assert audit("round.edit") == [] and audit("round.edit.refused") == []
