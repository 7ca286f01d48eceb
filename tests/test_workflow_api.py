"""The workflow endpoints' shapes, their OpenAPI entries, CRUD never moving the state, and the decree lifecycle."""
import datetime
import re
import uuid

import pytest
from sqlalchemy import select

from tests.conftest import Api
from tests.documents_helpers import close_rounds
from tests.test_innovation_lifecycle import BODIES, db_state, fire, history_count, seed_innovation

ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


def _available(client, username, pk, resource="innovation"):
    r = Api(client, username).get(f"/api/v1/{resource}/{pk}/transitions")
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert set(body) >= {"state", "available"} and isinstance(body["available"], list)
    for item in body["available"]:
        assert set(item) >= {"trigger", "target", "allowed", "reason"}, item
        assert isinstance(item["trigger"], str) and isinstance(item["target"], str)
        assert isinstance(item["allowed"], bool)
        # a reason exactly when not allowed
        assert (item["reason"] is None) == item["allowed"], item
        assert item["reason"] is None or (isinstance(item["reason"], str) and item["reason"])
    return body


def test_transitions_shape_and_content(app, client):
    with app.app_context():
        draft = seed_innovation("draft")
        incomplete = seed_innovation("draft", attachment=False)
        submitted = seed_innovation("submitted")
    body = _available(client, "opd_a", draft)
    assert body["state"] == "draft"
    assert [(a["trigger"], a["target"], a["allowed"]) for a in body["available"]] == [
        ("submit", "submitted", True), ("withdraw", "withdrawn", True)]

    (submit,) = [a for a in _available(client, "opd_a", incomplete)["available"] if a["trigger"] == "submit"]
    assert submit["allowed"] is False and submit["reason"]  # the guard's reason, before anyone tries

    body = _available(client, "sekretariat", submitted)
    assert body["state"] == "submitted"
    by_trigger = {a["trigger"]: a for a in body["available"]}
    assert {t: (a["target"], a["allowed"]) for t, a in by_trigger.items()} == {
        "return": ("draft", True), "verify": ("verified", True), "reject": ("rejected", True),
        "withdraw": ("withdrawn", False)}  # withdraw is the unit's
    assert by_trigger["withdraw"]["reason"]

    body = _available(client, "penandatangan", submitted)  # may look, may fire nothing
    assert body["available"] and not any(a["allowed"] for a in body["available"])

    for username in ("opd_b", "juri1"):
        assert Api(client, username).get(f"/api/v1/innovation/{draft}/transitions").status_code == 404
    assert Api(client, "sekretariat").get("/api/v1/innovation/999999/transitions").status_code == 404
    assert client.get(f"/api/v1/innovation/{draft}/transitions").status_code == 401
    with app.app_context():
        assert history_count(draft) == 0  # looking never writes


def test_terminal_state_has_no_transitions(app, client):
    with app.app_context():
        pk = seed_innovation("rejected")
    assert _available(client, "admin", pk) == {"state": "rejected", "available": []}


def test_history_shape(app, client):
    with app.app_context():
        pk = seed_innovation("draft")
    assert Api(client, "opd_a").get(f"/api/v1/innovation/{pk}/history").get_json() == {"result": []}
    assert fire(client, "opd_a", pk, "submit", {"comment": "Mohon diperiksa."}).status_code == 200
    assert fire(client, "sekretariat", pk, "return", BODIES["return"]).status_code == 200
    r = Api(client, "opd_a").get(f"/api/v1/innovation/{pk}/history")
    assert r.status_code == 200
    rows = r.get_json()["result"]
    for h in rows:
        assert set(h) >= {"trigger", "source", "dest", "user", "at", "comment"}, h
        assert ISO_UTC.match(h["at"]), h["at"]
    assert [(h["trigger"], h["source"], h["dest"], h["user"], h["comment"]) for h in rows] == [
        ("submit", "draft", "submitted", "opd_a", "Mohon diperiksa."),
        ("return", "submitted", "draft", "sekretariat", BODIES["return"]["comment"])]
    assert rows[0]["at"] <= rows[1]["at"]
    for username in ("opd_b", "juri1"):
        assert Api(client, username).get(f"/api/v1/innovation/{pk}/history").status_code == 404
    assert Api(client, "sekretariat").get("/api/v1/innovation/999999/history").status_code == 404


WORKFLOW_PATHS = {
    "/api/v1/{r}/{{pk}}/transitions": "get",
    "/api/v1/{r}/{{pk}}/transitions/{{trigger}}": "post",
    "/api/v1/{r}/transitions/{{trigger}}": "post",
    "/api/v1/{r}/{{pk}}/history": "get",
}


@pytest.mark.parametrize("resource", ["innovation", "decree"])
def test_workflow_endpoints_are_in_the_openapi_spec(client, resource):
    r = Api(client, "admin").get("/api/v1/_openapi")
    assert r.status_code == 200
    paths = r.get_json()["paths"]
    for template, method in WORKFLOW_PATHS.items():
        path = template.format(r=resource)
        assert path in paths, (path, sorted(p for p in paths if resource in p))
        assert method in paths[path], (path, list(paths[path]))
    fire_responses = paths[f"/api/v1/{resource}/{{pk}}/transitions/{{trigger}}"]["post"]["responses"]
    assert {"200", "403", "404", "409", "422"} <= set(map(str, fire_responses))
    listing = paths[f"/api/v1/{resource}/{{pk}}/transitions"]["get"]["responses"]["200"]
    item = listing["content"]["application/json"]["schema"]["properties"]["available"]["items"]
    assert set(item["properties"]) >= {"trigger", "target", "allowed", "reason"}


# -- CRUD never moves the state -----------------------------------------------------------------------


def test_crud_put_and_post_ignore_state(app, client, competition):
    opd = Api(client, "opd_a")
    r = opd.post("/api/v1/innovation/", json={"competition_id": competition, "title": "Awal", "state": "awarded",
                                              "version": 9})
    assert r.status_code == 201, r.get_json()
    pk = r.get_json()["id"]
    with app.app_context():
        assert db_state(pk) == ("draft", 1)
    r = opd.put(f"/api/v1/innovation/{pk}", json={"title": "SIPRAJA v2", "state": "awarded", "version": 7})
    assert r.status_code == 200, r.get_json()
    with app.app_context():
        assert db_state(pk) == ("draft", 1)
        assert history_count(pk) == 0
    assert opd.get(f"/api/v1/innovation/{pk}").get_json()["result"]["title"] == "SIPRAJA v2"
    # Only state alone: nothing to change, still no state change.
    r = opd.put(f"/api/v1/innovation/{pk}", json={"state": "submitted"})
    assert r.status_code in (200, 400, 422), r.get_json()
    with app.app_context():
        assert db_state(pk) == ("draft", 1)

    close_rounds(client, competition)  # a decree is drafted once every round is closed (DESIGN §3)
    r = Api(client, "sekretariat").post("/api/v1/decree/", json={"competition_id": competition, "state": "signed",
                                                                 "number": "999/X/2026"})
    assert r.status_code == 201, r.get_json()
    decree = r.get_json()["id"]
    r = Api(client, "sekretariat").put(f"/api/v1/decree/{decree}", json={"title": "Judul baru", "state": "revoked",
                                                                         "number": "1/2/3"})
    assert r.status_code == 200, r.get_json()
    shown = Api(client, "sekretariat").get(f"/api/v1/decree/{decree}").get_json()["result"]
    assert (shown["state"], shown["number"], shown["title"]) == ("draft", None, "Judul baru")


# -- decree lifecycle ---------------------------------------------------------------------------------


def _decree(client, competition):
    close_rounds(client, competition)  # a decree is drafted once every round is closed (DESIGN §3)
    r = Api(client, "sekretariat").post("/api/v1/decree/", json={"competition_id": competition})
    assert r.status_code == 201, r.get_json()
    pk = r.get_json()["id"]
    shown = Api(client, "sekretariat").get(f"/api/v1/decree/{pk}").get_json()["result"]
    assert (shown["state"], shown["number"]) == ("draft", None)
    return pk


def _fire_decree(client, username, pk, trigger, body=None):
    return Api(client, username).post(f"/api/v1/decree/{pk}/transitions/{trigger}", json=body or {})


def test_decree_lifecycle(app, client, competition):
    pk = _decree(client, competition)
    available = {a["trigger"]: a for a in _available(client, "penandatangan", pk, "decree")["available"]}
    assert list(available) == ["paraf", "return", "sign"]
    assert available["sign"]["permitted"] and not available["sign"]["allowed"]  # the paraf chain comes first
    assert not available["paraf"]["permitted"] and available["return"]["allowed"]
    sign = {a["trigger"]: a for a in _available(client, "sekretariat", pk, "decree")["available"]}["sign"]
    assert sign["allowed"] is False

    r = _fire_decree(client, "sekretariat", pk, "sign")
    assert r.status_code == 403, r.get_json()
    assert Api(client, "sekretariat").get(f"/api/v1/decree/{pk}").get_json()["result"]["state"] == "draft"

    assert _fire_decree(client, "penandatangan", pk, "sign").status_code == 409  # no paraf yet
    assert _fire_decree(client, "hukum", pk, "paraf").status_code == 200
    r = _fire_decree(client, "penandatangan", pk, "sign")
    assert (r.status_code, r.get_json()) == (200, {"state": "signed"})
    shown = Api(client, "penandatangan").get(f"/api/v1/decree/{pk}").get_json()["result"]
    year = datetime.datetime.now(datetime.timezone.utc).year
    assert shown["state"] == "signed" and shown["signed_at"]
    assert re.fullmatch(rf"188/1/438\.1\.1\.3/{year}", shown["number"]), shown["number"]
    with app.app_context():
        from app.extensions import db
        from app.models import Decree, User

        signer = db.session.execute(select(User.id).where(User.username == "penandatangan")).scalar()
        assert db.session.get(Decree, pk).signed_by_id == signer

    assert _fire_decree(client, "penandatangan", pk, "sign").status_code == 409  # already signed
    # A signed decree is no longer editable through CRUD.
    assert Api(client, "sekretariat").put(f"/api/v1/decree/{pk}", json={"title": "x"}).status_code == 409

    assert _fire_decree(client, "penandatangan", pk, "revoke").status_code == 422
    assert _fire_decree(client, "penandatangan", pk, "revoke", {"comment": "  "}).status_code == 422
    assert _fire_decree(client, "sekretariat", pk, "revoke", {"comment": "Salah nama."}).status_code == 403
    r = _fire_decree(client, "penandatangan", pk, "revoke", {"comment": "Terdapat kesalahan nama pemenang."})
    assert (r.status_code, r.get_json()) == (200, {"state": "revoked"})
    shown = Api(client, "sekretariat").get(f"/api/v1/decree/{pk}").get_json()["result"]
    assert shown["state"] == "revoked" and shown["number"].startswith("188/1/")  # the number is never reused

    rows = Api(client, "sekretariat").get(f"/api/v1/decree/{pk}/history").get_json()["result"]
    assert [(h["trigger"], h["source"], h["dest"], h["user"], h["comment"]) for h in rows] == [
        ("paraf", "draft", "draft", "hukum", None),
        ("sign", "draft", "signed", "penandatangan", None),
        ("revoke", "signed", "revoked", "penandatangan", "Terdapat kesalahan nama pemenang.")]

    # A new decree can be drafted and gets the next number.
    second = _decree(client, competition)
    assert _fire_decree(client, "hukum", second, "paraf").status_code == 200
    assert _fire_decree(client, "penandatangan", second, "sign").status_code == 200
    number = Api(client, "sekretariat").get(f"/api/v1/decree/{second}").get_json()["result"]["number"]
    assert number.startswith("188/2/"), number


def test_decree_other_roles_cannot_fire(client, competition):
    pk = _decree(client, competition)
    for username in ("opd_a", "juri1"):
        assert _fire_decree(client, username, pk, "sign").status_code in (403, 404)
    assert _fire_decree(client, "hukum", pk, "sign").status_code == 403
    assert _fire_decree(client, "hukum", pk, "paraf").status_code == 200
    assert _fire_decree(client, "admin", pk, "sign").status_code == 200  # Admin holds every permission


def test_revoking_a_decree_revokes_its_certificates_and_keeps_the_awards(app, client, competition):
    with app.app_context():
        inn = seed_innovation("scored")
    assert fire(client, "sekretariat", inn, "award", BODIES["award"]).status_code == 200
    pk = _decree(client, competition)
    assert _fire_decree(client, "hukum", pk, "paraf").status_code == 200
    assert _fire_decree(client, "penandatangan", pk, "sign").status_code == 200
    with app.app_context():
        from app.extensions import db
        from app.models import Award, IssuedDocument

        award = db.session.execute(select(Award).where(Award.innovation_id == inn)).scalar_one()
        award_id = award.id
        if db.session.execute(select(IssuedDocument.id).where(IssuedDocument.award_id == award_id)).first() is None:
            db.session.add(IssuedDocument(kind="certificate", decree_id=pk, award_id=award_id,
                                          code=uuid.uuid4().hex, stored_name=uuid.uuid4().hex + ".pdf",
                                          sha256="cd" * 32, state="valid"))
            db.session.commit()
    r = _fire_decree(client, "penandatangan", pk, "revoke", {"comment": "Dicabut."})
    assert r.status_code == 200, r.get_json()
    with app.app_context():
        from app.extensions import db
        from app.models import Award, IssuedDocument

        db.session.rollback()
        docs = db.session.execute(select(IssuedDocument).where(IssuedDocument.decree_id == pk)).scalars().all()
        (certificate,) = [d for d in docs if d.award_id == award_id]
        assert certificate.state == "revoked" and certificate.revoked_at is not None
        assert all(d.state == "revoked" for d in docs)  # the decree's own document too, if it has one
        assert db.session.execute(select(Award).where(Award.innovation_id == inn)).scalar_one()
        assert db_state(inn) == ("awarded", 2)


def test_decree_default_title_names_the_year_once(app, api, client):
    r = api("sekretariat").post("/api/v1/competition/", json={
        "name": "Kompetisi Inovasi Pelayanan Publik Tahun 2027", "year": 2027,
        "submission_deadline": "2027-07-31T23:59:00"})
    comp = r.get_json()["id"]
    close_rounds(client, comp)
    r = api("sekretariat").post("/api/v1/decree/", json={"competition_id": comp})
    assert r.status_code == 201, r.get_json()
    title = api("sekretariat").get(f"/api/v1/decree/{r.get_json()['id']}").get_json()["result"]["title"]
    assert title == "Penetapan Pemenang Kompetisi Inovasi Pelayanan Publik Tahun 2027"
