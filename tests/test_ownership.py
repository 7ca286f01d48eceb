"""Row-level rules of DESIGN §2 on every API path: list, show, edit, delete, POST, workflow endpoints."""
import pytest

TRIGGERS_OWN = ("submit", "withdraw")


def _unit_id(app, code):
    from app.extensions import db
    from app.models import Unit

    with app.app_context():
        return db.session.query(Unit.id).filter_by(code=code).scalar()


def _user_id(app, username):
    from app.extensions import db
    from app.models import User

    with app.app_context():
        return db.session.query(User.id).filter_by(username=username).scalar()


def _stored(app, pk):
    from app.extensions import db
    from app.models import Innovation

    with app.app_context():
        row = db.session.get(Innovation, pk)
        return {"unit_id": row.unit_id, "state": row.state, "title": row.title, "version": row.version,
                "created_by_id": row.created_by_id}


def _create(api, username, competition, title="Inovasi"):
    r = api(username).post("/api/v1/innovation/", json={"competition_id": competition, "title": title})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def _first_round(api, competition):
    rounds = api("sekretariat").get("/api/v1/round/").get_json()["result"]
    return min((r for r in rounds if r["competition_id"] == competition), key=lambda r: r["sequence"])["id"]


@pytest.fixture
def b_innovation(api, competition):
    return _create(api, "opd_b", competition, "Milik B")


# -- another unit's innovation is invisible ---------------------------------------------------------------

@pytest.mark.parametrize("method,path,body", [
    ("get", "", None),
    ("put", "", {"title": "Dibajak"}),
    ("delete", "", None),
    ("get", "/transitions", None),
    ("get", "/history", None),
    ("post", "/transitions/withdraw", {}),
    ("post", "/transitions/submit", {}),
    ("get", "/attachments", None),
])
def test_other_units_innovation_is_not_found(app, api, b_innovation, method, path, body):
    opd_a = api("opd_a")
    url = f"/api/v1/innovation/{b_innovation}{path}"
    r = getattr(opd_a, method)(url, json=body) if body is not None else getattr(opd_a, method)(url)
    assert r.status_code == 404, (r.status_code, r.get_data(as_text=True))
    # nothing happened to it
    assert _stored(app, b_innovation)["state"] == "draft"
    assert _stored(app, b_innovation)["title"] == "Milik B"
    if method == "get":  # the same path works for the owner: the 404 is the row filter, not a missing route
        assert api("opd_b").get(url).status_code == 200


def test_bulk_fire_on_other_units_innovation_fails_per_id(app, api, competition, b_innovation):
    own = _create(api, "opd_a", competition, "Milik A")
    r = api("opd_a").post("/api/v1/innovation/transitions/withdraw", json={"ids": [b_innovation, own]})
    assert r.status_code == 200, r.get_json()
    results = {x["id"]: x for x in r.get_json()["result"]}
    assert results[b_innovation]["ok"] is False and results[b_innovation]["status"] == 404
    assert results[own]["ok"] is True
    assert _stored(app, b_innovation)["state"] == "draft"
    assert _stored(app, own)["state"] == "withdrawn"


def test_list_shows_only_own_units_innovations(app, api, competition, b_innovation):
    own = _create(api, "opd_a", competition, "Milik A")
    ids = {x["id"] for x in api("opd_a").get("/api/v1/innovation/").get_json()["result"]}
    assert ids == {own}
    ids = {x["id"] for x in api("opd_b").get("/api/v1/innovation/").get_json()["result"]}
    assert ids == {b_innovation}
    # filtering for the other unit does not get around the row filter
    unit_b = _unit_id(app, "T-OPD-B")
    q = f'(filters:!((col:unit_id,opr:eq,value:{unit_b})))'
    r = api("opd_a").get(f"/api/v1/innovation/?q={q}")
    assert r.status_code in (200, 400)
    if r.status_code == 200:
        assert r.get_json()["result"] == []
    # the Sekretariat sees both
    ids = {x["id"] for x in api("sekretariat").get("/api/v1/innovation/").get_json()["result"]}
    assert {own, b_innovation} <= ids


# -- the owner and the state are the server's business ----------------------------------------------------

def test_forged_unit_and_state_on_post_are_ignored(app, api, competition):
    unit_a, unit_b = _unit_id(app, "T-OPD-A"), _unit_id(app, "T-OPD-B")
    r = api("opd_a").post("/api/v1/innovation/", json={
        "competition_id": competition, "title": "Palsu", "unit_id": unit_b, "state": "awarded",
        "version": 7, "created_by_id": _user_id(app, "opd_b"), "current_round_id": None})
    assert r.status_code == 201, r.get_json()
    pk = r.get_json()["id"]
    stored = _stored(app, pk)
    assert stored["unit_id"] == unit_a
    assert stored["state"] == "draft"
    assert stored["version"] == 1
    assert stored["created_by_id"] == _user_id(app, "opd_a")
    shown = api("opd_a").get(f"/api/v1/innovation/{pk}").get_json()["result"]
    assert shown["unit_id"] == unit_a and shown["state"] == "draft"
    # and opd_b does not see it
    assert api("opd_b").get(f"/api/v1/innovation/{pk}").status_code == 404


def test_forged_unit_and_state_on_put_are_ignored(app, api, competition):
    pk = _create(api, "opd_a", competition)
    unit_a, unit_b = _unit_id(app, "T-OPD-A"), _unit_id(app, "T-OPD-B")
    r = api("opd_a").put(f"/api/v1/innovation/{pk}", json={
        "title": "Judul baru", "unit_id": unit_b, "state": "verified", "version": 9})
    assert r.status_code == 200, r.get_json()
    stored = _stored(app, pk)
    assert stored == {**stored, "unit_id": unit_a, "state": "draft", "title": "Judul baru", "version": 1}
    assert api("opd_b").get(f"/api/v1/innovation/{pk}").status_code == 404


def test_opd_cannot_edit_or_delete_outside_draft(app, api, competition):
    pk = _create(api, "opd_a", competition)
    r = api("opd_a").post(f"/api/v1/innovation/{pk}/transitions/withdraw", json={})
    assert r.status_code == 200, r.get_json()
    r = api("opd_a").put(f"/api/v1/innovation/{pk}", json={"title": "Terlambat"})
    assert r.status_code == 409, r.get_json()
    assert r.get_json()["message"]
    r = api("opd_a").delete(f"/api/v1/innovation/{pk}")
    assert r.status_code == 409, r.get_json()
    assert _stored(app, pk)["title"] == "Inovasi"
    assert _stored(app, pk)["state"] == "withdrawn"


@pytest.mark.parametrize("username", ["penandatangan", "sekretariat", "juri1"])
def test_roles_that_never_edit_innovations_get_403(app, api, competition, username):
    pk = _create(api, "opd_a", competition)
    r = api(username).put(f"/api/v1/innovation/{pk}", json={"title": "Diubah"})
    assert r.status_code == 403, r.get_json()
    r = api(username).delete(f"/api/v1/innovation/{pk}")
    assert r.status_code == 403, r.get_json()
    assert _stored(app, pk)["title"] == "Inovasi"


def test_opd_own_draft_edit_and_delete_work(app, api, competition):
    """The positive side of the rules above: the owner may edit and delete its draft."""
    pk = _create(api, "opd_a", competition)
    assert api("opd_a").put(f"/api/v1/innovation/{pk}", json={"title": "Baru"}).status_code == 200
    assert api("opd_a").delete(f"/api/v1/innovation/{pk}").status_code == 200
    assert api("opd_a").get(f"/api/v1/innovation/{pk}").status_code == 404


def test_other_unit_cannot_fire_owner_triggers_even_if_visible(app, api, competition):
    """owner_only triggers: Admin acts for any unit, but an OPD of another unit never reaches the row."""
    pk = _create(api, "opd_a", competition)
    r = api("opd_b").post(f"/api/v1/innovation/{pk}/transitions/withdraw", json={})
    assert r.status_code == 404
    r = api("sekretariat").post(f"/api/v1/innovation/{pk}/transitions/withdraw", json={})
    assert r.status_code == 403, r.get_json()
    assert _stored(app, pk)["state"] == "draft"


# -- jurors see only what is assigned to them -------------------------------------------------------------

def test_juror_sees_only_assigned_innovations(app, api, competition):
    a1 = _create(api, "opd_a", competition, "A satu")
    a2 = _create(api, "opd_a", competition, "A dua")
    juri1 = api("juri1")
    assert juri1.get(f"/api/v1/innovation/{a1}").status_code == 404
    assert juri1.get("/api/v1/innovation/").get_json()["result"] == []
    assert juri1.get(f"/api/v1/innovation/{a1}/history").status_code == 404

    round_id = _first_round(api, competition)
    r = api("sekretariat").post("/api/v1/assignment/", json={
        "round_id": round_id, "innovation_id": a1, "juror_id": _user_id(app, "juri1")})
    assert r.status_code == 201, r.get_json()
    assignment = r.get_json()["id"]

    r = juri1.get(f"/api/v1/innovation/{a1}")
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["result"]["title"] == "A satu"
    assert juri1.get(f"/api/v1/innovation/{a1}/transitions").status_code == 200
    assert juri1.get(f"/api/v1/innovation/{a2}").status_code == 404
    assert {x["id"] for x in juri1.get("/api/v1/innovation/").get_json()["result"]} == {a1}
    # its own assignments only; never another juror's
    assert [x["id"] for x in juri1.get("/api/v1/assignment/").get_json()["result"]] == [assignment]
    assert juri1.get(f"/api/v1/assignment/{assignment}").status_code == 200
    juri2 = api("juri2")
    assert juri2.get("/api/v1/assignment/").get_json()["result"] == []
    assert juri2.get(f"/api/v1/assignment/{assignment}").status_code == 404
    assert juri2.get(f"/api/v1/innovation/{a1}").status_code == 404
    # a juror may read, not change
    assert juri1.put(f"/api/v1/innovation/{a1}", json={"title": "x"}).status_code == 403
    assert juri1.put(f"/api/v1/assignment/{assignment}", json={"juror_id": _user_id(app, "juri2")}).status_code == 403


def test_conflict_of_interest_assignment_refused(app, api, competition, b_innovation):
    round_id = _first_round(api, competition)
    juri2 = _user_id(app, "juri2")  # belongs to T-OPD-B
    sek = api("sekretariat")
    r = sek.post("/api/v1/assignment/", json={"round_id": round_id, "innovation_id": b_innovation,
                                               "juror_id": juri2})
    assert r.status_code == 422, r.get_json()
    assert "juror_id" in str(r.get_json()["message"])
    assert sek.get("/api/v1/assignment/").get_json()["result"] == []
    # juri2 may judge another unit's innovation …
    a = _create(api, "opd_a", competition)
    r = sek.post("/api/v1/assignment/", json={"round_id": round_id, "innovation_id": a, "juror_id": juri2})
    assert r.status_code == 201, r.get_json()
    # … but re-pointing a juri1 assignment of B's innovation to juri2 is refused too
    r = sek.post("/api/v1/assignment/", json={"round_id": round_id, "innovation_id": b_innovation,
                                               "juror_id": _user_id(app, "juri1")})
    assert r.status_code == 201, r.get_json()
    r = sek.put(f"/api/v1/assignment/{r.get_json()['id']}", json={"juror_id": juri2})
    assert r.status_code == 422, r.get_json()
    assert api("juri2").get(f"/api/v1/innovation/{b_innovation}").status_code == 404


def test_assignment_juror_must_be_a_juri(app, api, competition):
    a = _create(api, "opd_a", competition)
    r = api("sekretariat").post("/api/v1/assignment/", json={
        "round_id": _first_round(api, competition), "innovation_id": a, "juror_id": _user_id(app, "opd_b")})
    assert r.status_code == 422, r.get_json()
    assert "juror_id" in str(r.get_json()["message"])


# -- units --------------------------------------------------------------------------------------------------

def test_opd_sees_only_its_own_unit(app, api):
    unit_a, unit_b = _unit_id(app, "T-OPD-A"), _unit_id(app, "T-OPD-B")
    result = api("opd_a").get("/api/v1/unit/").get_json()["result"]
    assert [u["code"] for u in result] == ["T-OPD-A"]
    assert api("opd_a").get(f"/api/v1/unit/{unit_a}").status_code == 200
    assert api("opd_a").get(f"/api/v1/unit/{unit_b}").status_code == 404
    assert api("opd_a").put(f"/api/v1/unit/{unit_a}", json={"name": "x"}).status_code == 403
    codes = {u["code"] for u in api("sekretariat").get("/api/v1/unit/").get_json()["result"]}
    assert {"T-OPD-A", "T-OPD-B", "T-KEC-C"} <= codes
