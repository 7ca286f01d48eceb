"""Role × resource × method permission matrix (DESIGN §2), and the workflow trigger permissions.

The expected matrix is written out here on purpose (not derived from app.security.ROLE_RESOURCES):
a wrong role definition must make these tests fail.
"""
import datetime

import pytest
from sqlalchemy import text

from tests.conftest import future

R, W, D, C = "read", "edit", "delete", "add"  # C = create (POST)
ALL = {R, C, W, D}
NONE = set()

# What each role may do on each CRUD resource, from DESIGN §2 (role table) and §4 (resources).
EXPECTED = {
    "Admin": {"unit": ALL, "competition": ALL, "round": ALL, "criterion": ALL, "innovation": ALL,
              "assignment": ALL, "award": {R}, "decree": ALL},
    # units, competitions, rounds, criteria, jury assignment, decree drafts; innovations only read
    # (verification goes through the workflow), awards only read (they come from the `award` transition).
    "Sekretariat": {"unit": ALL, "competition": ALL, "round": ALL, "criterion": ALL, "innovation": {R},
                    "assignment": ALL, "award": {R}, "decree": ALL},
    # its own unit's innovations; reads the competition's frame (its unit, competitions, rounds, criteria).
    "OPD": {"unit": {R}, "competition": {R}, "round": {R}, "criterion": {R}, "innovation": ALL,
            "assignment": NONE, "award": NONE, "decree": NONE},
    # assigned innovations and its own assignments; reads the rubric it scores against.
    "Juri": {"unit": NONE, "competition": {R}, "round": {R}, "criterion": {R}, "innovation": {R},
             "assignment": {R}, "award": NONE, "decree": NONE},
    # signs decrees (workflow), reads what it signs; reads units (the innovation list's unit filter searches them).
    "Penandatangan": {"unit": {R}, "competition": {R}, "round": NONE, "criterion": NONE, "innovation": {R},
                      "assignment": NONE, "award": {R}, "decree": {R}},
    # Bagian Hukum: reads decree drafts (and initials or returns them: workflow), nothing else of the data.
    "Hukum": {"unit": NONE, "competition": {R}, "round": NONE, "criterion": NONE, "innovation": NONE,
              "assignment": NONE, "award": NONE, "decree": {R}},
    None: {res: NONE for res in ("unit", "competition", "round", "criterion", "innovation", "assignment",
                                 "award", "decree")},
}
USERS = {"Admin": "admin", "Sekretariat": "sekretariat", "OPD": "opd_a", "Juri": "juri1",
         "Penandatangan": "penandatangan", "Hukum": "hukum", None: None}
RESOURCES = ("unit", "competition", "round", "criterion", "innovation", "assignment", "award", "decree")
METHODS = {"get_list": R, "get": R, "post": C, "put": W, "delete": D}

# The answer expected when the role is allowed (data is built so that the happy path is taken).
ALLOWED_STATUS = {"get_list": {200}, "get": {200}, "post": {201}, "put": {200}, "delete": {200}}
# Admin belongs to no unit: it may create innovations but its own (unit-less) attempt is a 422.
ALLOWED_EXCEPTIONS = {("Admin", "innovation", "post"): {422}}

# Sanity check of the table itself: Admin may do everything the others may.
assert all(EXPECTED["Admin"][res] >= EXPECTED[role][res] for role in EXPECTED for res in RESOURCES)


@pytest.fixture
def world(app):
    """One row of every resource, built so that every allowed request takes its happy path."""
    from app.extensions import db
    from app.models import Assignment, Award, Competition, Criterion, Decree, Innovation, Round, Unit, User

    with app.app_context():
        unit_a = db.session.query(Unit).filter_by(code="T-OPD-A").one()
        juri1 = db.session.query(User).filter_by(username="juri1").one()
        opd_a = db.session.query(User).filter_by(username="opd_a").one()
        deadline = datetime.datetime.utcnow() + datetime.timedelta(days=30)
        c1 = Competition(name="Matrix", year=2026, submission_deadline=deadline)
        c2 = Competition(name="Matrix kosong", year=2026, submission_deadline=deadline)
        c3 = Competition(name="Matrix keputusan", year=2026, submission_deadline=deadline)  # ready for a decree
        r1 = Round(competition=c1, name="R1", sequence=1, weight=0.5)
        r2 = Round(competition=c1, name="R2", sequence=2, weight=0.5)
        k1 = Criterion(round=r1, name="K1", weight=1, max_score=100)
        i1 = Innovation(competition=c1, unit_id=unit_a.id, title="Milik A", state="draft", version=1,
                        created_by_id=opd_a.id)
        i2 = Innovation(competition=c1, unit_id=unit_a.id, title="Juara", state="awarded", version=1)
        target_unit = Unit(code="PX-TARGET", name="Sasaran", kind="lainnya")
        db.session.add_all([c1, c2, c3, r1, r2, k1, i1, i2, target_unit])
        db.session.flush()
        a1 = Assignment(round_id=r1.id, innovation_id=i1.id, juror_id=juri1.id)
        aw = Award(innovation_id=i2.id, title="Juara I", rank=1, category="opd")
        d1 = Decree(competition_id=c1.id, title="Keputusan", state="draft", version=1)
        db.session.add_all([a1, aw, d1])
        db.session.commit()
        ids = {
            "unit": target_unit.id, "unit_a": unit_a.id, "competition": c2.id, "c1": c1.id, "round": r2.id,
            "r1": r1.id, "criterion": k1.id, "innovation": i1.id, "assignment": a1.id, "award": aw.id,
            "decree": d1.id, "juri1": juri1.id, "c3": c3.id,
        }
    yield ids
    with app.app_context():
        db.session.execute(text("DELETE FROM unit WHERE code LIKE 'PX-%'"))
        db.session.execute(text("UPDATE unit SET name = 'Dinas Uji A' WHERE code = 'T-OPD-A'"))
        db.session.commit()


def _post_body(resource, ids):
    return {
        "unit": {"code": "PX-NEW", "name": "Unit baru", "kind": "opd"},
        "competition": {"name": "Baru", "year": 2027, "submission_deadline": future()},
        "round": {"competition_id": ids["c1"], "name": "R3", "sequence": 3, "weight": 0.2},
        "criterion": {"round_id": ids["r1"], "name": "K2", "weight": 5},
        "innovation": {"competition_id": ids["c1"], "title": "Inovasi baru"},
        "assignment": {"round_id": ids["round"], "innovation_id": ids["innovation"], "juror_id": ids["juri1"]},
        "award": {"innovation_id": ids["innovation"], "title": "Juara II"},
        "decree": {"competition_id": ids["c3"]},  # c1 has its draft already (one per competition, DESIGN §3)
    }[resource]


def _put_body(resource, ids):
    return {
        "unit": {"name": "Nama baru"}, "competition": {"name": "Nama baru"}, "round": {"name": "Nama baru"},
        "criterion": {"name": "Nama baru"}, "innovation": {"title": "Judul baru"},
        "assignment": {"juror_id": ids["juri1"]}, "award": {"title": "Juara III"}, "decree": {"title": "Baru"},
    }[resource]


def _request(client, api, role, resource, method, ids):
    caller = api(USERS[role]) if role else client
    base = f"/api/v1/{resource}/"
    # The unit a reader can see (an OPD sees only its own); writes go to a throw-away unit.
    one = f"{base}{ids['unit_a'] if resource == 'unit' and method == 'get' else ids[resource]}"
    if method == "get_list":
        return caller.get(base)
    if method == "get":
        return caller.get(one)
    if method == "post":
        return caller.post(base, json=_post_body(resource, ids))
    if method == "put":
        return caller.put(one, json=_put_body(resource, ids))
    return caller.delete(one)


def _judge(r, role, resource, method):
    """None if the answer matches the expected matrix, else a description of the mismatch."""
    got = (r.status_code, r.get_data(as_text=True)[:160])
    if r.status_code >= 500:
        return f"{method}: server error {got}"
    if resource == "award" and method in ("post", "put", "delete"):
        # Awards come only from the `award` transition: no write routes at all, for anybody.
        return None if r.status_code in (404, 405) else f"{method}: award write route answered {got}"
    allowed = METHODS[method] in EXPECTED[role][resource]
    if role is None:
        return None if r.status_code == 401 else f"{method}: anonymous expected 401, got {got}"
    if not allowed:
        if r.status_code != 403:
            return f"{method}: expected 403, got {got}"
        return None if "message" in (r.get_json() or {}) else f"{method}: 403 without a JSON message"
    expected = ALLOWED_EXCEPTIONS.get((role, resource, method), ALLOWED_STATUS[method])
    return None if r.status_code in expected else f"{method}: expected {sorted(expected)}, got {got}"


CASES = [(role, res) for role in EXPECTED for res in RESOURCES]


@pytest.mark.parametrize("role,resource", CASES, ids=[f"{role or 'anonymous'}-{res}" for role, res in CASES])
def test_permission_matrix(client, api, world, role, resource):
    """Every method of the resource for the role, in an order where each allowed one takes its happy path
    (list, show, create, edit, then delete the target row)."""
    mismatches = []
    for method in METHODS:
        r = _request(client, api, role, resource, method, world)
        problem = _judge(r, role, resource, method)
        if problem:
            mismatches.append(problem)
    assert mismatches == []


def test_denied_write_changes_nothing(api, world, app):
    """A 403 is not a 403 after the fact: the row is untouched."""
    assert api("penandatangan").put(f"/api/v1/innovation/{world['innovation']}",
                                    json={"title": "Dirusak"}).status_code == 403
    assert api("juri1").delete(f"/api/v1/innovation/{world['innovation']}").status_code == 403
    r = api("opd_a").get(f"/api/v1/innovation/{world['innovation']}")
    assert r.status_code == 200 and r.get_json()["result"]["title"] == "Milik A"


# -- workflow trigger permissions: "can_<trigger>" on InnovationWorkflow / DecreeWorkflow -------------

EXPECTED_TRIGGERS = {
    ("InnovationWorkflow", "can_submit"): {"OPD"},
    ("InnovationWorkflow", "can_withdraw"): {"OPD"},
    ("InnovationWorkflow", "can_return"): {"Sekretariat"},
    ("InnovationWorkflow", "can_verify"): {"Sekretariat"},
    ("InnovationWorkflow", "can_reject"): {"Sekretariat"},
    ("InnovationWorkflow", "can_score"): {"Sekretariat"},
    ("InnovationWorkflow", "can_award"): {"Sekretariat"},
    ("DecreeWorkflow", "can_sign"): {"Penandatangan"},
    ("DecreeWorkflow", "can_revoke"): {"Penandatangan"},
    ("DecreeWorkflow", "can_paraf"): {"Hukum"},
    ("DecreeWorkflow", "can_return"): {"Hukum", "Penandatangan"},
}


@pytest.mark.parametrize("view_menu,perm", sorted(EXPECTED_TRIGGERS))
def test_trigger_permissions_seeded(app, view_menu, perm):
    with app.app_context():
        sm = app.appbuilder.sm
        holders = {role for role in ("Sekretariat", "OPD", "Juri", "Penandatangan", "Hukum")
                   if sm.exist_permission_on_roles(view_menu, perm, [sm.find_role(role).id])}
        assert holders == EXPECTED_TRIGGERS[(view_menu, perm)]
        assert sm.exist_permission_on_roles(view_menu, perm, [sm.find_role("Admin").id])


def _submitted_innovation(app):
    from app.extensions import db
    from app.models import Competition, Innovation, Unit

    with app.app_context():
        unit_a = db.session.query(Unit).filter_by(code="T-OPD-A").one()
        comp = Competition(name="Wf", year=2026,
                           submission_deadline=datetime.datetime.utcnow() + datetime.timedelta(days=9))
        inn = Innovation(competition=comp, unit_id=unit_a.id, title="Diajukan", state="submitted", version=1)
        db.session.add_all([comp, inn])
        db.session.commit()
        return inn.id


def _verify_entry(api, pk):
    body = api("sekretariat").get(f"/api/v1/innovation/{pk}/transitions").get_json()
    return next(a for a in body["available"] if a["trigger"] == "verify")


def test_admin_remaps_trigger_permission_and_restart_keeps_it(app, api):
    from app import sync_security
    from app.extensions import db

    pk = _submitted_innovation(app)
    sek = api("sekretariat")
    # Before: Sekretariat may verify (this bare proposal fails the checklist guard: 409, not 403).
    r = sek.post(f"/api/v1/innovation/{pk}/transitions/verify", json={})
    assert r.status_code == 409, r.get_json()
    assert _verify_entry(api, pk)["reason"] and "role" not in _verify_entry(api, pk)["reason"].lower()

    sm = app.appbuilder.sm
    with app.app_context():
        role = sm.find_role("Sekretariat")
        pv = sm.find_permission_view_menu("can_verify", "InnovationWorkflow")
        assert pv in role.permissions
        sm.del_permission_role(role, pv)
    try:
        r = sek.post(f"/api/v1/innovation/{pk}/transitions/verify", json={})
        assert r.status_code == 403, r.get_json()
        assert r.get_json()["message"]
        entry = _verify_entry(api, pk)
        assert entry["allowed"] is False and entry["reason"]
        # The other Sekretariat triggers are untouched.
        r = sek.post(f"/api/v1/innovation/{pk}/transitions/reject", json={"comment": "Tidak lengkap"})
        assert r.status_code == 200, r.get_json()
        with app.app_context():
            db.session.execute(text("UPDATE innovation SET state = 'submitted' WHERE id = :id"), {"id": pk})
            db.session.commit()

        # A restart seeds the roles again: the Admin's removal sticks.
        with app.app_context():
            sync_security(app.appbuilder)
            sync_security(app.appbuilder)
            role = sm.find_role("Sekretariat")
            assert sm.find_permission_view_menu("can_verify", "InnovationWorkflow") not in role.permissions
        r = sek.post(f"/api/v1/innovation/{pk}/transitions/verify", json={})
        assert r.status_code == 403, r.get_json()
    finally:
        with app.app_context():
            role = sm.find_role("Sekretariat")
            pv = sm.find_permission_view_menu("can_verify", "InnovationWorkflow")
            if pv not in role.permissions:
                sm.add_permission_role(role, pv)
    assert sek.post(f"/api/v1/innovation/{pk}/transitions/verify", json={}).status_code == 409


def test_admin_grants_trigger_to_another_role(app, api):
    """Re-mapping works both ways: granting can_verify to Juri lets a (visible-to-it) Juri pass the role check."""
    pk = _submitted_innovation(app)
    sm = app.appbuilder.sm
    # Without the grant (and without an assignment) the Juri does not even see the row.
    assert api("juri1").post(f"/api/v1/innovation/{pk}/transitions/verify", json={}).status_code == 404
    assert api("penandatangan").post(f"/api/v1/innovation/{pk}/transitions/verify", json={}).status_code == 403
    with app.app_context():
        role = sm.find_role("Penandatangan")
        pv = sm.find_permission_view_menu("can_verify", "InnovationWorkflow")
        sm.add_permission_role(role, pv)
    try:
        r = api("penandatangan").post(f"/api/v1/innovation/{pk}/transitions/verify", json={})
        assert r.status_code == 409, r.get_json()  # past the role check, stopped by the checklist guard
    finally:
        with app.app_context():
            sm.del_permission_role(sm.find_role("Penandatangan"),
                                   sm.find_permission_view_menu("can_verify", "InnovationWorkflow"))


def test_seeding_adds_new_definitions_only(app, monkeypatch):
    """A grant missing from a role is (re-)added only while it has never been seeded (seeded_permission)."""
    from app import sync_security
    from app.extensions import db
    from app.models import SeededPermission
    from app.security import SikippSecurityManager

    sm = app.appbuilder.sm
    new_grant = ("can_read", "Award")  # not in Juri's definition
    grants = {k: list(v) for k, v in SikippSecurityManager.extra_role_grants.items()}
    grants.setdefault("Juri", []).append(new_grant)
    monkeypatch.setattr(SikippSecurityManager, "extra_role_grants", grants)

    def juri_has():
        role = sm.find_role("Juri")
        return sm.find_permission_view_menu(*new_grant) in role.permissions

    def seeded_rows():
        return db.session.query(SeededPermission).filter_by(
            role_name="Juri", permission_name=new_grant[0], view_menu_name=new_grant[1]).count()

    with app.app_context():
        assert not juri_has() and seeded_rows() == 0
        try:
            # 1. A new definition is seeded once, and recorded.
            sync_security(app.appbuilder)
            assert juri_has() and seeded_rows() == 1
            # 2. The Admin removes it: a restart does not re-add it.
            sm.del_permission_role(sm.find_role("Juri"), sm.find_permission_view_menu(*new_grant))
            sync_security(app.appbuilder)
            assert not juri_has() and seeded_rows() == 1
            # 3. An already seeded definition of the seeded roles that an Admin removed stays removed too
            #    (here: Sekretariat's can_add on Unit).
            sek_pv = sm.find_permission_view_menu("can_add", "Unit")
            sm.del_permission_role(sm.find_role("Sekretariat"), sek_pv)
            sync_security(app.appbuilder)
            assert sek_pv not in sm.find_role("Sekretariat").permissions
            # 4. Forgetting the seeding record makes it a new definition again: re-added once.
            db.session.query(SeededPermission).filter_by(
                role_name="Juri", permission_name=new_grant[0], view_menu_name=new_grant[1]).delete()
            db.session.commit()
            sync_security(app.appbuilder)
            assert juri_has() and seeded_rows() == 1
        finally:
            pv = sm.find_permission_view_menu(*new_grant)
            if juri_has():
                sm.del_permission_role(sm.find_role("Juri"), pv)
            db.session.query(SeededPermission).filter_by(
                role_name="Juri", permission_name=new_grant[0], view_menu_name=new_grant[1]).delete()
            db.session.commit()
            sek_pv = sm.find_permission_view_menu("can_add", "Unit")
            if sek_pv not in sm.find_role("Sekretariat").permissions:
                sm.add_permission_role(sm.find_role("Sekretariat"), sek_pv)


def test_sync_restores_nothing_extra_and_is_idempotent(app):
    """Two restarts in a row change no role's permissions."""
    from app import sync_security

    sm = app.appbuilder.sm
    with app.app_context():
        before = {r.name: {(p.permission.name, p.view_menu.name) for p in r.permissions}
                  for r in sm.get_all_roles()}
        sync_security(app.appbuilder)
        sync_security(app.appbuilder)
        after = {r.name: {(p.permission.name, p.view_menu.name) for p in r.permissions}
                 for r in sm.get_all_roles()}
    assert before == after
    # and the Public role (anonymous) holds no resource permission
    assert not {vm for _p, vm in after.get("Public", set())} & {
        "Unit", "Competition", "Round", "Criterion", "Innovation", "Assignment", "Award", "Decree"}
