"""Score sheets (DESIGN §4 `PUT /api/v1/assignment/<pk>/scores`): drafts, final lock, range checks, who may
read or write, reopening by the Sekretariat, recusal and reassignment, frozen rubric, blind review."""
import threading

import pytest

from app.extensions import db
from app.models import Assignment, AuditLog, Innovation, Round, ScoreSheet
from tests.conftest import Api
from tests.judging_helpers import assign, criteria, rounds_of, user_id, verified


@pytest.fixture
def sheet_world(app, competition):
    """Round 1 of the default rubric, one verified innovation of unit A assigned to juri1."""
    (inn,) = verified(app, competition, ["T-OPD-A"])
    with app.app_context():
        rnd = rounds_of(competition)[0]
        crit = [(c.id, c.max_score, c.name) for c in criteria(rnd.id)]
        juri1 = user_id("juri1")
    aid = assign(app, rnd.id, inn, juri1)
    return {"round": rnd.id, "innovation": inn, "assignment": aid, "criteria": crit, "competition": competition}


def full(world, value=80):
    return [{"criterion_id": cid, "value": value} for cid, _m, _n in world["criteria"]]


def test_new_competition_gets_default_rounds_and_kipp_rubric(api, competition):
    sek = api("sekretariat")
    rounds = sek.get(f"/api/v1/round/?q=(filters:!((col:competition_id,opr:eq,value:{competition})),"
                     "order_column:sequence,order_direction:asc)").get_json()["result"]
    assert [r["name"] for r in rounds] == ["Penilaian Proposal", "Presentasi dan Wawancara", "Verifikasi Lapangan"]
    assert [r["sequence"] for r in rounds] == [1, 2, 3]
    assert all(r["weight"] > 0 for r in rounds) and rounds[0]["shortlist_size"] == 20
    assert rounds[0]["blind"] is False and rounds[0]["normalize_z"] is False  # options, off by default
    crit = sek.get(f"/api/v1/criterion/?q=(filters:!((col:round_id,opr:eq,value:{rounds[0]['id']})),"
                   "page_size:50)").get_json()["result"]
    assert {c["name"].lower() for c in crit} == {"kebaruan", "signifikansi", "kemanfaatan", "adaptabilitas",
                                                   "keberlanjutan", "kolaborasi"}
    assert all(c["max_score"] == 100 for c in crit)


def test_draft_then_final_then_locked(api, sheet_world):
    juri = api("juri1")
    url = f"/api/v1/assignment/{sheet_world['assignment']}/scores"
    first = sheet_world["criteria"][0][0]
    r = juri.put(url, json={"scores": [{"criterion_id": first, "value": 7.5}], "comment": "Awal", "final": False})
    assert r.status_code == 200, r.get_json()
    sheet = r.get_json()["result"]
    assert sheet["final"] is False and sheet["comment"] == "Awal"
    assert [s["value"] for s in sheet["scores"]][:2] == [7.5, None]
    # final with a criterion missing → 422, nothing changes
    r = juri.put(url, json={"scores": [{"criterion_id": first, "value": 7.5}], "final": True})
    assert r.status_code == 422 and "scores" in r.get_json()["message"]
    assert juri.get(url).get_json()["result"]["final"] is False
    # complete and final: 200, then locked
    r = juri.put(url, json={"scores": full(sheet_world, 66.25), "comment": "Bagus", "final": True})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()["result"]
    assert body["final"] is True and body["submitted_at"] and body["score"] == pytest.approx(66.25)
    for payload in ({"scores": full(sheet_world, 10), "final": True}, {"scores": full(sheet_world, 10)},
                    {"comment": "ubah"}):
        r = juri.put(url, json=payload)
        assert r.status_code == 409, payload
    assert juri.get(url).get_json()["result"]["scores"][0]["value"] == 66.25
    # a final sheet cannot be escaped by recusing either
    assert juri.post(f"/api/v1/assignment/{sheet_world['assignment']}/recuse",
                     json={"reason": "kerabat"}).status_code == 409


@pytest.mark.parametrize("value,ok", [
    (0, True), (100, True), (99.99, True), (7.5, True), (-0.01, False), (100.01, False), (101, False),
    ("80", False), (True, False), ([], False), (1.005, False), (float("nan"), False), (float("inf"), False),
])
def test_values_are_range_checked(api, sheet_world, value, ok):
    cid = sheet_world["criteria"][0][0]
    r = api("juri1").put(f"/api/v1/assignment/{sheet_world['assignment']}/scores",
                         json={"scores": [{"criterion_id": cid, "value": value}]})
    assert r.status_code == (200 if ok else 422), r.get_json()


def test_decimal_max_score_and_bad_shapes(app, api, sheet_world):
    sek, juri = api("sekretariat"), api("juri1")
    url = f"/api/v1/assignment/{sheet_world['assignment']}/scores"
    # the rubric is editable while no sheet exists: a criterion scored 0..10
    cid = sheet_world["criteria"][0][0]
    assert sek.put(f"/api/v1/criterion/{cid}", json={"max_score": 10}).status_code == 200
    assert juri.put(url, json={"scores": [{"criterion_id": cid, "value": 10.5}]}).status_code == 422
    assert juri.put(url, json={"scores": [{"criterion_id": cid, "value": 9.75}]}).status_code == 200
    with app.app_context():
        other_round = rounds_of(sheet_world["competition"])[1]
        foreign = criteria(other_round.id)[0].id
    bad = [
        {"scores": [{"criterion_id": foreign, "value": 1}]},  # a criterion of another round
        {"scores": [{"criterion_id": 2**31 - 1, "value": 1}]},
        {"scores": [{"criterion_id": "x", "value": 1}]},
        {"scores": [{"criterion_id": cid, "value": 1}, {"criterion_id": cid, "value": 2}]},  # twice
        {"scores": {"criterion_id": cid}}, {"scores": ["x"]}, {"final": "yes"}, {"comment": 5},
        {"comment": "x" * 5001},
    ]
    for payload in bad:
        r = juri.put(url, json=payload)
        assert r.status_code == 422, (payload, r.get_json())
    assert juri.put(url, data="[1]", content_type="application/json").status_code == 400
    assert juri.put(url, data="{bad", content_type="application/json").status_code == 400


def test_only_the_assigned_juror_reads_and_writes_its_sheet(app, api, client, sheet_world):
    url = f"/api/v1/assignment/{sheet_world['assignment']}/scores"
    body = {"scores": full(sheet_world), "final": False}
    assert api("juri1").put(url, json=body).status_code == 200
    # another juror: the assignment does not exist for it
    assert api("juri2").get(url).status_code == 404
    assert api("juri2").put(url, json=body).status_code == 404
    assert api("juri2").get(f"/api/v1/assignment/{sheet_world['assignment']}").status_code == 404
    assert api("juri2").post(f"/api/v1/assignment/{sheet_world['assignment']}/recuse",
                             json={"reason": "x"}).status_code == 404
    # the Sekretariat reads every sheet but never scores on a juror's behalf
    assert api("sekretariat").get(url).status_code == 200
    assert api("sekretariat").put(url, json=body).status_code == 403
    assert api("admin").put(url, json=body).status_code == 403
    # roles without score sheets at all
    for user in ("opd_a", "penandatangan"):
        assert api(user).get(url).status_code == 403
        assert api(user).put(url, json=body).status_code == 403
    assert client.get(url).status_code == 401
    assert api("juri1").get("/api/v1/assignment/999999/scores").status_code == 404
    assert api("juri1").put(f"/api/v1/assignment/{2**40}/scores", json=body).status_code == 404


def test_a_juror_never_sees_other_jurors_scores(app, api, sheet_world):
    # juri2 (unit B) also scores the innovation (unit A)
    aid2 = assign(app, sheet_world["round"], sheet_world["innovation"], user_id_of(app, "juri2"))
    assert api("juri2").put(f"/api/v1/assignment/{aid2}/scores",
                            json={"scores": full(sheet_world, 91), "final": True}).status_code == 200
    juri1 = api("juri1")
    assert [a["id"] for a in juri1.get("/api/v1/assignment/").get_json()["result"]] == [sheet_world["assignment"]]
    assert juri1.get(f"/api/v1/assignment/{aid2}/scores").status_code == 404
    # aggregates of other jurors' scores are the Sekretariat's
    for path in ("ranking", "combined_ranking", "progress"):
        assert juri1.get(f"/api/v1/round/{sheet_world['round']}/{path}").status_code == 403
    inn = juri1.get(f"/api/v1/innovation/{sheet_world['innovation']}").get_json()["result"]
    assert not any("score" in k or "sheet" in k for k in inn)
    own = juri1.get(f"/api/v1/assignment/{sheet_world['assignment']}/scores").get_json()["result"]
    assert own["juror_id"] == user_id_of(app, "juri1") and all(s["value"] is None for s in own["scores"])


def user_id_of(app, username):
    with app.app_context():
        return user_id(username)


def test_only_the_sekretariat_reopens_a_final_sheet_with_a_logged_reason(app, api, sheet_world):
    aid = sheet_world["assignment"]
    url = f"/api/v1/assignment/{aid}/scores"
    reopen = f"{url}/reopen"
    sek, juri = api("sekretariat"), api("juri1")
    assert juri.put(url, json={"scores": full(sheet_world, 50), "final": False}).status_code == 200
    assert sek.post(reopen, json={"reason": "x"}).status_code == 409  # a draft is not final
    assert juri.put(url, json={"scores": full(sheet_world, 50), "final": True}).status_code == 200
    assert juri.post(reopen, json={"reason": "saya salah ketik"}).status_code == 403
    assert api("opd_a").post(reopen, json={"reason": "x"}).status_code == 403
    assert sek.post(reopen, json={}).status_code == 422
    assert sek.post(reopen, json={"reason": "   "}).status_code == 422
    r = sek.post(reopen, json={"reason": "Nilai kolaborasi salah ketik (juri menelepon)"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["result"]["final"] is False
    with app.app_context():
        log = db.session.query(AuditLog).filter_by(action="score_sheet_reopened").one()
        assert log.detail == "Nilai kolaborasi salah ketik (juri menelepon)"
        assert log.user_id == user_id("sekretariat") and log.data["assignment_id"] == aid
    # the juror corrects and submits again
    assert juri.put(url, json={"scores": full(sheet_world, 55), "final": True}).status_code == 200
    assert juri.get(url).get_json()["result"]["score"] == pytest.approx(55)


def test_rubric_and_round_weights_freeze_once_any_sheet_exists(app, api, sheet_world):
    sek = api("sekretariat")
    rnd, cid = sheet_world["round"], sheet_world["criteria"][0][0]
    # editable before the first sheet
    assert sek.put(f"/api/v1/criterion/{cid}", json={"weight": 25}).status_code == 200
    assert sek.put(f"/api/v1/round/{rnd}", json={"weight": 0.5}).status_code == 200
    # one draft sheet freezes criteria and the round's ranking fields
    assert api("juri1").put(f"/api/v1/assignment/{sheet_world['assignment']}/scores",
                            json={"scores": []}).status_code == 200
    assert sek.put(f"/api/v1/criterion/{cid}", json={"weight": 30}).status_code == 409
    assert sek.put(f"/api/v1/criterion/{cid}", json={"max_score": 10}).status_code == 409
    assert sek.post("/api/v1/criterion/", json={"round_id": rnd, "name": "Baru", "weight": 5}).status_code == 409
    assert sek.delete(f"/api/v1/criterion/{cid}").status_code == 409
    for field, value in (("weight", 0.9), ("normalize_z", True), ("blind", True), ("sequence", 7)):
        assert sek.put(f"/api/v1/round/{rnd}", json={field: value}).status_code == 409, field
    assert sek.delete(f"/api/v1/round/{rnd}").status_code == 409
    # harmless fields stay editable
    assert sek.put(f"/api/v1/round/{rnd}", json={"name": "Desk evaluation", "shortlist_size": 25}).status_code == 200
    # other rounds are not frozen
    with app.app_context():
        r2 = rounds_of(sheet_world["competition"])[1]
        c2 = criteria(r2.id)[0].id
    assert sek.put(f"/api/v1/criterion/{c2}", json={"weight": 60}).status_code == 200


def test_recusal_is_logged_and_the_sekretariat_reassigns(app, api, sheet_world):
    aid = sheet_world["assignment"]
    juri = api("juri1")
    url = f"/api/v1/assignment/{aid}"
    assert juri.put(f"{url}/scores", json={"scores": full(sheet_world, 70)}).status_code == 200
    assert juri.post(f"{url}/recuse", json={}).status_code == 422
    assert api("sekretariat").post(f"{url}/reassign", json={}).status_code == 409  # not recused
    r = juri.post(f"{url}/recuse", json={"reason": "Saya pernah menjadi konsultan inovasi ini"})
    assert r.status_code == 200 and r.get_json()["status"] == "recused"
    assert juri.post(f"{url}/recuse", json={"reason": "lagi"}).status_code == 409
    assert juri.put(f"{url}/scores", json={"scores": full(sheet_world, 70), "final": True}).status_code == 409
    assert api("sekretariat").get(url).get_json()["result"]["status"] == "recused"
    with app.app_context():
        log = db.session.query(AuditLog).filter_by(action="assignment_recused").one()
        assert log.target_id == aid and "konsultan" in log.detail and log.user_id == user_id("juri1")
    # the recused juror's draft does not count: the innovation is not scorable yet
    r = api("sekretariat").post(f"/api/v1/innovation/{sheet_world['innovation']}/transitions/score")
    assert r.status_code == 409
    # reassign: to the same juror is impossible, to a juror of the innovation's own unit too
    assert api("sekretariat").post(f"{url}/reassign",
                                   json={"juror_id": user_id_of(app, "juri1")}).status_code == 422
    r = api("sekretariat").post(f"{url}/reassign", json={})
    assert r.status_code == 201, r.get_json()
    new = r.get_json()["result"]
    assert new["juror_id"] != user_id_of(app, "juri1") and new["status"] == "active"
    assert api("sekretariat").post(f"{url}/reassign", json={}).status_code in (201, 422)  # the record stays
    with app.app_context():
        assert db.session.query(AuditLog).filter_by(action="assignment_reassigned").count() >= 1
        assert db.session.get(Assignment, aid).status == "recused"
    assert api("juri1").post(f"{url}/reassign", json={}).status_code == 403


def test_assignment_with_a_sheet_is_neither_moved_nor_deleted(app, api, sheet_world):
    aid = sheet_world["assignment"]
    sek = api("sekretariat")
    assert api("juri1").put(f"/api/v1/assignment/{aid}/scores", json={"scores": []}).status_code == 200
    assert sek.put(f"/api/v1/assignment/{aid}", json={"juror_id": user_id_of(app, "juri2")}).status_code == 409
    assert sek.delete(f"/api/v1/assignment/{aid}").status_code == 409
    # without a sheet it can be changed (juri2's unit is B, the innovation's is A)
    other = assign(app, sheet_world["round"], sheet_world["innovation"], user_id_of(app, "juri2"))
    assert sek.delete(f"/api/v1/assignment/{other}").status_code == 200


def test_manual_assignment_respects_conflicts_and_closed_rounds(app, api, competition):
    (inn_b,) = verified(app, competition, ["T-OPD-B"])
    with app.app_context():
        rnd = rounds_of(competition)[0].id
    sek = api("sekretariat")
    body = {"round_id": rnd, "innovation_id": inn_b, "juror_id": user_id_of(app, "juri2")}
    r = sek.post("/api/v1/assignment/", json=body)
    assert r.status_code == 422 and "juror_id" in r.get_json()["message"]  # juri2 belongs to unit B
    assert sek.post("/api/v1/assignment/", json={**body, "juror_id": user_id_of(app, "opd_a")}).status_code == 422
    assert sek.post("/api/v1/assignment/", json={**body, "juror_id": user_id_of(app, "juri1")}).status_code == 201
    with app.app_context():
        db.session.get(Round, rnd).closed_at = db.func.now()
        db.session.commit()
    r = sek.post("/api/v1/assignment/", json={**body, "round_id": rnd, "juror_id": user_id_of(app, "juri1")})
    assert r.status_code in (409, 422)


def test_concurrent_final_submissions_exactly_one_wins(app, client, sheet_world):
    url = f"/api/v1/assignment/{sheet_world['assignment']}/scores"
    headers = Api(client, "juri1").headers
    results = []
    barrier = threading.Barrier(4)

    def submit(value):
        own = app.test_client()
        barrier.wait()
        r = own.put(url, json={"scores": full(sheet_world, value), "final": True}, headers=headers)
        results.append(r.status_code)

    threads = [threading.Thread(target=submit, args=(v,)) for v in (10, 20, 30, 40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200, 409, 409, 409], results
    with app.app_context():
        assert db.session.query(ScoreSheet).count() == 1


def test_blind_round_hides_the_unit_from_jurors(app, api, sheet_world):
    sek, juri = api("sekretariat"), api("juri1")
    inn, rnd = sheet_world["innovation"], sheet_world["round"]
    assert juri.get(f"/api/v1/innovation/{inn}").get_json()["result"]["unit_id"] is not None
    assert sek.put(f"/api/v1/round/{rnd}", json={"blind": True}).status_code == 200
    assert juri.get(f"/api/v1/innovation/{inn}").get_json()["result"]["unit_id"] is None
    listing = juri.get("/api/v1/innovation/").get_json()["result"]
    assert [row["unit_id"] for row in listing] == [None]
    assert juri.get(f"/api/v1/assignment/{sheet_world['assignment']}/scores").get_json()["result"]["unit"] is None
    # no side doors: filtering or ordering by unit, the history's actors
    with app.app_context():
        unit_a = db.session.get(Innovation, inn).unit_id
    r = juri.get(f"/api/v1/innovation/?q=(filters:!((col:unit_id,opr:eq,value:{unit_a})))")
    assert r.status_code == 400
    assert juri.get("/api/v1/innovation/?q=(order_column:unit_id,order_direction:asc)").status_code == 400
    with app.app_context():
        from app.lifecycles import innovation_workflow
        from workflows.models import WorkflowHistory

        db.session.add(WorkflowHistory(workflow=innovation_workflow.name, object_id=inn, trigger="verify",
                                       source="submitted", dest="verified", username="opd_a",
                                       comment="Dinas Uji A"))
        db.session.commit()
    history = juri.get(f"/api/v1/innovation/{inn}/history").get_json()["result"]
    assert history and all(h["user"] is None and h["comment"] is None for h in history)
    # the Sekretariat still sees everything
    assert sek.get(f"/api/v1/innovation/{inn}").get_json()["result"]["unit_id"] == unit_a
    assert sek.get(f"/api/v1/innovation/{inn}/history").get_json()["result"][0]["user"] == "opd_a"


def test_the_sekretariat_records_a_recusal_on_a_jurors_behalf(app, api, sheet_world):
    url = f"/api/v1/assignment/{sheet_world['assignment']}/recuse"
    assert api("opd_a").post(url, json={"reason": "x"}).status_code == 403
    r = api("sekretariat").post(url, json={"reason": "Juri melapor lewat telepon: kerabat pengusul"})
    assert r.status_code == 200 and r.get_json()["status"] == "recused"
    with app.app_context():
        log = db.session.query(AuditLog).filter_by(action="assignment_recused").one()
        assert log.user_id == user_id("sekretariat") and log.data["juror_id"] == user_id("juri1")
