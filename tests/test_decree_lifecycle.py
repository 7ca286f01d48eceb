"""Issue 11 (items 1, 2, 3, 7), DESIGN §3: the decree's lawful lifecycle, through every door that exposes each rule.

- paraf chain (``SIKIPP_DECREE_PARAF_CHAIN``, default ``Hukum``): order, ``return`` and any edit clear initials,
  ``sign`` refused (409 naming the missing step) until every step initialled the current text;
- one draft and one signed decree per competition (409; races on SQLite and PostgreSQL), ``supersedes_id`` and the
  revocation of the superseded decree and its certificates on signing (``/verify``);
- drafting refused while a round is open (one readiness function, ``decrees.decree_blockers``);
- manual numbers (``SIKIPP_DECREE_NUMBER_SOURCE=manual``): required, pattern, unique, kept by initials;
- signing profiles printed in the block; a name disagreeing with the signer's own certificate refused.

Doors: the API, the bulk API, the screen's buttons (``/decreeview/fire/<pk>/<trigger>``), the screen's bulk actions
(``/decreeview/action_post``) and the screen's add/edit forms."""
import os
import tempfile
import threading

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditLog, Competition, Decree, DecreeParaf, IssuedDocument, Round, User
from tests.conftest import Api, is_postgres
from tests.documents_helpers import (
    close_rounds,
    doc_code,
    docs,  # noqa: F401  (the fixture)
    draft_decree,
    flat,
    issue_all,
    paraf,
    pdf_text,
    seed_awards,
    sign,
    validate_signature,
)
from tests.test_doors_proposals import browser, flashed

pytestmark = pytest.mark.usefixtures("docs")


def fire(client, username, pk, trigger, comment=None, data=None):
    body = {"data": data or {}}
    if comment is not None:
        body["comment"] = comment
    return Api(client, username).post(f"/api/v1/decree/{pk}/transitions/{trigger}", json=body)


def shown(client, pk, username="sekretariat"):
    return Api(client, username).get(f"/api/v1/decree/{pk}").get_json()["result"]


def state(app, pk):
    with app.app_context():
        return db.session.get(Decree, pk).state


def initials(app, pk):
    with app.app_context():
        decree = db.session.get(Decree, pk)
        return [(p.step, p.role, p.username, p.text_version, p.cleared_at is None)
                for p in db.session.query(DecreeParaf).filter_by(decree_id=pk).order_by(DecreeParaf.id)] + [
            ("text", decree.text_version)]


@pytest.fixture
def chain(app, monkeypatch):
    """A two-step chain (Sekretariat, then Hukum); the Sekretariat holds `can_paraf` for the test (app.registry
    grants it to the configured chain's roles at start)."""
    monkeypatch.setitem(app.config, "SIKIPP_DECREE_PARAF_CHAIN", ("Sekretariat", "Hukum"))
    sm = app.appbuilder.sm
    with app.app_context():
        pv = sm.find_permission_view_menu("can_paraf", "DecreeWorkflow")
        role = sm.find_role("Sekretariat")
        added = pv not in role.permissions
        if added:
            sm.add_permission_role(role, pv)
    yield
    if added:
        with app.app_context():
            sm.del_permission_role(sm.find_role("Sekretariat"), sm.find_permission_view_menu("can_paraf",
                                                                                           "DecreeWorkflow"))


# -- the paraf chain -------------------------------------------------------------------------------------------


def test_sign_is_refused_until_the_chain_initialled_naming_the_missing_step_on_every_door(app, client):
    comp, _ = seed_awards(app)
    pk = draft_decree(client, comp)
    r = fire(client, "penandatangan", pk, "sign")
    assert r.status_code == 409 and "1" in r.get_json()["message"] and "Hukum" in r.get_json()["message"]
    rows = Api(client, "penandatangan").post("/api/v1/decree/transitions/sign", json={"ids": [pk]}).get_json()
    assert [(x["ok"], x["status"]) for x in rows["result"]] == [(False, 409)] and "Hukum" in rows["result"][0]["message"]
    screen = browser(app, "penandatangan")
    page = flashed(screen.post(f"/decreeview/fire/{pk}/sign", data={}, follow_redirects=True).get_data(as_text=True))
    assert "Hukum" in page
    page = flashed(screen.post("/decreeview/action_post", data={"action": "wf_sign", "rowid": [str(pk)]},
                               follow_redirects=True).get_data(as_text=True))
    assert f"#{pk}" in page and "Hukum" in page
    assert state(app, pk) == "draft"
    with app.app_context():
        assert db.session.query(AuditLog).filter_by(action="decree.sign.refused", target_id=pk).count() == 4
    # The transitions endpoint says the same before anyone fires.
    available = {a["trigger"]: a for a in Api(client, "penandatangan").get(
        f"/api/v1/decree/{pk}/transitions").get_json()["available"]}
    assert not available["sign"]["allowed"] and "Hukum" in available["sign"]["reason"]
    # Hukum initials from the screen; then the signer signs from the screen.
    page = flashed(browser(app, "hukum").post(f"/decreeview/fire/{pk}/paraf", data={},
                                               follow_redirects=True).get_data(as_text=True))
    assert state(app, pk) == "draft" and initials(app, pk)[0][:3] == (1, "Hukum", "hukum")
    screen.post(f"/decreeview/fire/{pk}/sign", data={})
    assert state(app, pk) == "signed"


def test_paraf_follows_the_chains_order_on_every_door(app, client, chain):
    comp, _ = seed_awards(app)
    pk = draft_decree(client, comp)
    # Hukum is step 2: refused before step 1 (Sekretariat), on every door.
    r = fire(client, "hukum", pk, "paraf")
    assert r.status_code == 409 and "Sekretariat" in r.get_json()["message"]
    rows = Api(client, "hukum").post("/api/v1/decree/transitions/paraf", json={"ids": [pk]}).get_json()["result"]
    assert [(x["ok"], x["status"]) for x in rows] == [(False, 409)]
    screen = browser(app, "hukum")
    page = flashed(screen.post(f"/decreeview/fire/{pk}/paraf", data={}, follow_redirects=True).get_data(as_text=True))
    assert "Sekretariat" in page
    page = flashed(screen.post("/decreeview/action_post", data={"action": "wf_paraf", "rowid": [str(pk)]},
                               follow_redirects=True).get_data(as_text=True))
    assert f"#{pk}" in page
    assert initials(app, pk) == [("text", 1)]
    # A role outside the chain may not initial at all.
    assert fire(client, "penandatangan", pk, "paraf").status_code == 403
    assert fire(client, "sekretariat", pk, "paraf").status_code == 200
    assert fire(client, "sekretariat", pk, "paraf").status_code == 409  # step 1 done; step 2 is Hukum's
    r = fire(client, "penandatangan", pk, "sign")
    assert r.status_code == 409 and "2" in r.get_json()["message"] and "Hukum" in r.get_json()["message"]
    rows = Api(client, "hukum").post("/api/v1/decree/transitions/paraf", json={"ids": [pk]}).get_json()["result"]
    assert [(x["ok"], x["status"]) for x in rows] == [(True, 200)]
    assert [row[:5] for row in initials(app, pk)[:-1]] == [(1, "Sekretariat", "sekretariat", 1, True),
                                                           (2, "Hukum", "hukum", 1, True)]
    status = Api(client, "hukum").get(f"/api/v1/decree/{pk}/paraf").get_json()
    assert status["complete"] is True and status["text_version"] == 1
    assert [(c["step"], c["role"], c["user"]) for c in status["chain"]] == [(1, "Sekretariat", "sekretariat"),
                                                                           (2, "Hukum", "hukum")]
    assert fire(client, "hukum", pk, "paraf").status_code == 409  # the chain is complete
    assert fire(client, "penandatangan", pk, "sign").status_code == 200


def test_return_needs_notes_and_clears_the_initials_on_every_door(app, client):
    comp, _ = seed_awards(app)
    pk = draft_decree(client, comp)
    paraf(client, pk)
    assert fire(client, "penandatangan", pk, "return").status_code == 422  # notes required
    assert fire(client, "sekretariat", pk, "return", "x").status_code == 403  # neither reviewer nor signer
    r = fire(client, "penandatangan", pk, "return", "Perbaiki diktum KETIGA.")
    assert (r.status_code, r.get_json()) == (200, {"state": "draft"})
    assert initials(app, pk)[0][4] is False  # cleared (the row stays as the record)
    assert fire(client, "penandatangan", pk, "sign").status_code == 409
    # The reviewer may return too; bulk API, screen button and screen bulk action alike.
    paraf(client, pk)
    rows = Api(client, "hukum").post("/api/v1/decree/transitions/return",
                                     json={"ids": [pk], "comment": "Dasar hukum kurang."}).get_json()["result"]
    assert rows[0]["ok"] is True and fire(client, "penandatangan", pk, "sign").status_code == 409
    paraf(client, pk)
    browser(app, "hukum").post(f"/decreeview/fire/{pk}/return", data={"comment": "Typo di lampiran."})
    assert fire(client, "penandatangan", pk, "sign").status_code == 409
    paraf(client, pk)
    browser(app, "penandatangan").post("/decreeview/action_post",
                                       data={"action": "wf_return", "rowid": [str(pk)], "wf_comment": "Cek lagi."})
    assert fire(client, "penandatangan", pk, "sign").status_code == 409
    assert sum(1 for row in initials(app, pk)[:-1] if row[4]) == 0
    history = Api(client, "sekretariat").get(f"/api/v1/decree/{pk}/history").get_json()["result"]
    assert [h["trigger"] for h in history].count("return") == 4
    # The notes reach the draft's screen.
    page = flashed(browser(app, "sekretariat").get(f"/decreeview/show/{pk}").get_data(as_text=True))
    assert "Cek lagi." in page


def test_any_edit_of_the_draft_clears_its_initials_api_and_screen(app, client):
    comp, _ = seed_awards(app)
    pk = draft_decree(client, comp)
    paraf(client, pk)
    assert Api(client, "sekretariat").put(f"/api/v1/decree/{pk}", json={"title": "Judul Baru"}).status_code == 200
    assert shown(client, pk)["text_version"] == 2
    r = fire(client, "penandatangan", pk, "sign")
    assert r.status_code == 409 and "Hukum" in r.get_json()["message"]
    paraf(client, pk)
    # An unchanged PUT is no edit: the initials hold.
    assert Api(client, "sekretariat").put(f"/api/v1/decree/{pk}", json={"title": "Judul Baru"}).status_code == 200
    assert shown(client, pk)["text_version"] == 2
    # The screen's edit form is an edit too.
    screen = browser(app, "sekretariat")
    r = screen.post(f"/decreeview/edit/{pk}", data={"title": "Judul Layar", "considerations": "bahwa uji;",
                                                     "legal_bases": "Undang-Undang uji;"})
    assert r.status_code in (200, 302)
    assert shown(client, pk)["title"] == "Judul Layar" and shown(client, pk)["text_version"] == 3
    assert fire(client, "penandatangan", pk, "sign").status_code == 409
    assert Api(client, "hukum").get(f"/api/v1/decree/{pk}/paraf").get_json()["complete"] is False
    paraf(client, pk)
    assert fire(client, "penandatangan", pk, "sign").status_code == 200


def test_hukum_reads_drafts_and_their_pdf_but_writes_nothing(app, client):
    comp, _ = seed_awards(app)
    pk = draft_decree(client, comp)
    hukum = Api(client, "hukum")
    assert [d["id"] for d in hukum.get("/api/v1/decree/").get_json()["result"]] == [pk]
    assert hukum.get(f"/api/v1/decree/{pk}/pdf").status_code == 200
    assert hukum.put(f"/api/v1/decree/{pk}", json={"title": "x"}).status_code == 403
    assert hukum.post("/api/v1/decree/", json={"competition_id": comp}).status_code == 403
    assert browser(app, "hukum").get(f"/decreeview/show/{pk}").status_code == 200


def test_the_configured_chain_roles_get_the_paraf_permission(app):
    from app.registry import _workflow_grants

    grants = _workflow_grants({"SIKIPP_DECREE_PARAF_CHAIN": ("Inspektorat", "Hukum")})
    assert ("can_paraf", "DecreeWorkflow") in grants["Inspektorat"]
    assert ("can_return", "DecreeWorkflow") in grants["Inspektorat"]
    assert ("can_return", "DecreeWorkflow") in grants["Penandatangan"]
    assert ("can_paraf", "DecreeWorkflow") not in grants["Penandatangan"]
    default = _workflow_grants({})
    assert "Inspektorat" not in default and ("can_paraf", "DecreeWorkflow") in default["Hukum"]


def test_an_empty_chain_lets_the_signer_sign_directly(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "SIKIPP_DECREE_PARAF_CHAIN", ())
    comp, _ = seed_awards(app)
    pk = draft_decree(client, comp)
    assert fire(client, "hukum", pk, "paraf").status_code == 409
    assert fire(client, "penandatangan", pk, "sign").status_code == 200


# -- readiness: every round closed --------------------------------------------------------------------------------


def test_drafting_is_refused_while_a_round_is_open_on_every_door(app, client, competition):
    with app.app_context():
        names = [r.name for r in db.session.query(Round).filter_by(competition_id=competition)]
    r = Api(client, "sekretariat").post("/api/v1/decree/", json={"competition_id": competition})
    assert r.status_code == 409 and all(name in r.get_json()["message"] for name in names)
    readiness = Api(client, "sekretariat").get(f"/api/v1/decree/readiness/{competition}").get_json()
    assert readiness["ready"] is False and len(readiness["blockers"]) == len(names)
    screen = browser(app, "sekretariat")
    page = flashed(screen.post("/decreeview/add", data={"competition": str(competition), "title": "Uji"},
                               follow_redirects=True).get_data(as_text=True))
    assert names[0] in page
    with app.app_context():
        assert db.session.query(Decree).count() == 0
        from app.services import decrees

        assert len(decrees.decree_blockers(db.session, db.session.get(Competition, competition))) == len(names)
    close_rounds(client, competition)
    with app.app_context():
        assert decrees.decree_blockers(db.session, db.session.get(Competition, competition)) == []
    assert Api(client, "sekretariat").get(f"/api/v1/decree/readiness/{competition}").get_json() == {
        "ready": True, "blockers": []}
    screen.post("/decreeview/add", data={"competition": str(competition), "title": "Uji"})
    with app.app_context():
        assert db.session.query(Decree).count() == 1


def test_a_round_added_after_drafting_holds_the_signature_until_it_is_closed(app, client, competition):
    close_rounds(client, competition)
    pk = draft_decree(client, competition)
    paraf(client, pk)
    sek = Api(client, "sekretariat")
    r = sek.post("/api/v1/round/", json={"competition_id": competition, "name": "Tahap Susulan", "sequence": 9,
                                         "weight": 1})
    assert r.status_code == 201, r.get_json()
    late = r.get_json()["id"]
    r = fire(client, "penandatangan", pk, "sign")
    assert r.status_code == 409 and "Tahap Susulan" in r.get_json()["message"], r.get_json()
    page = flashed(browser(app, "penandatangan").post(f"/decreeview/fire/{pk}/sign", data={},
                                                      follow_redirects=True).get_data(as_text=True))
    assert "Tahap Susulan" in page and state(app, pk) == "draft"
    assert sek.post(f"/api/v1/round/{late}/close").status_code == 200
    assert fire(client, "penandatangan", pk, "sign").status_code == 200


# -- one draft, one signed, supersession ---------------------------------------------------------------------------


def test_a_second_draft_is_refused_on_every_door(app, client):
    comp, _ = seed_awards(app)
    pk = draft_decree(client, comp)
    r = Api(client, "sekretariat").post("/api/v1/decree/", json={"competition_id": comp})
    assert r.status_code == 409 and f"#{pk}" in r.get_json()["message"]
    page = flashed(browser(app, "sekretariat").post("/decreeview/add", data={"competition": str(comp)},
                                                    follow_redirects=True).get_data(as_text=True))
    assert f"#{pk}" in page
    with app.app_context():
        assert db.session.query(Decree).filter_by(competition_id=comp).count() == 1
    # Deleting the draft frees the place.
    assert Api(client, "sekretariat").delete(f"/api/v1/decree/{pk}").status_code == 200
    draft_decree(client, comp)


def test_supersession_revokes_the_old_decree_and_its_certificates(app, client):
    comp, award_ids = seed_awards(app)
    first = draft_decree(client, comp)
    sign(client, first)
    issue_all(app, first)
    old_doc, old_cert = doc_code(app, first), doc_code(app, first, award_ids[0])
    old_number = shown(client, first)["number"]
    # While one is signed, POST makes its replacement draft (201); a second draft is refused.
    second = draft_decree(client, comp)
    assert Api(client, "sekretariat").post("/api/v1/decree/", json={"competition_id": comp}).status_code == 409
    paraf(client, second)
    r = fire(client, "penandatangan", second, "sign")
    assert r.status_code == 409 and old_number in r.get_json()["message"]  # not a replacement of the signed one
    rows = Api(client, "penandatangan").post("/api/v1/decree/transitions/sign",
                                             json={"ids": [second]}).get_json()["result"]
    assert [(x["ok"], x["status"]) for x in rows] == [(False, 409)]
    # supersedes_id is never guessed: it must name a signed decree of the same competition.
    other_comp, _ = seed_awards(app, title_prefix="Lain")
    other = draft_decree(client, other_comp)
    for bad in (other, second, 999999):
        r = Api(client, "sekretariat").put(f"/api/v1/decree/{second}", json={"supersedes_id": bad})
        assert r.status_code == 422 and "supersedes_id" in str(r.get_json()["message"]), r.get_json()
    r = Api(client, "sekretariat").put(f"/api/v1/decree/{second}", json={"supersedes_id": first})
    assert r.status_code == 200 and shown(client, second)["supersedes_id"] == first
    assert fire(client, "penandatangan", second, "sign").status_code == 409  # the edit cleared the initials
    sign(client, second)
    issue_all(app, second)
    assert (state(app, first), state(app, second)) == ("revoked", "signed")
    with app.app_context():
        states = {d.award_id: d.state for d in db.session.query(IssuedDocument).filter_by(decree_id=first)}
        assert set(states.values()) == {"revoked"} and len(states) == len(award_ids) + 1
    # The public catalogue lists each award once, from the new decree (the old one's listing went with it).
    catalogue = client.get("/catalogue/", headers={"Accept": "application/json"}).get_json()
    assert catalogue["count"] == len(award_ids), catalogue
    with app.app_context():
        from app.models import DecreeAward

        assert {row.decree_id for row in db.session.query(DecreeAward).filter(
            DecreeAward.award_id.in_(award_ids))} == {second}
    for code, valid in ((old_doc, False), (old_cert, False), (doc_code(app, second), True),
                        (doc_code(app, second, award_ids[0]), True)):
        body = client.get(f"/verify/{code}", headers={"Accept": "application/json"}).get_json()
        assert body["valid"] is valid, (code, body)
    # The new text cites the number it replaces; the old decree's history records its revocation.
    text = flat(pdf_text(Api(client, "sekretariat").get(f"/api/v1/decree/{second}/pdf").data))
    assert f"Nomor {old_number}" in text and "dicabut dan dinyatakan tidak berlaku" in text
    history = Api(client, "sekretariat").get(f"/api/v1/decree/{first}/history").get_json()["result"]
    assert [(h["trigger"], h["dest"]) for h in history][-1] == ("revoke", "revoked")
    # Set on POST too: a third decree replacing the second.
    r = Api(client, "sekretariat").post("/api/v1/decree/", json={"competition_id": comp, "supersedes_id": second})
    assert r.status_code == 201 and shown(client, r.get_json()["id"])["supersedes_id"] == second


def _race(app, n, work):
    """Run ``work(session, user)`` in ``n`` threads at once (each its own app context, session and connection);
    returns the statuses (200 or the domain/workflow error's status; "error" for anything else)."""
    from app.services.errors import DomainError
    from workflows.engine import WorkflowError

    barrier = threading.Barrier(n)
    results = [None] * n

    def worker(i):
        with app.app_context():
            session = db.session
            try:
                users = {u.username: u for u in session.execute(select(User)).scalars()}
                session.commit()
                barrier.wait(timeout=30)
                work(session, users)
                results[i] = 200
            except (DomainError, WorkflowError) as err:
                results[i] = err.status
            except Exception as err:  # a 500 in production
                results[i] = ("error", repr(err))
            finally:
                session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    return results


def test_concurrent_posts_make_one_draft_and_concurrent_signs_one_signed(app, client):
    from app.commands.decrees import CreateDecreeDraft
    from app.commands.transitions import FireTransition
    from app.lifecycles import decree_workflow

    comp, _ = seed_awards(app)
    n = 8 if is_postgres(app) else 4
    results = _race(app, n, lambda s, users: CreateDecreeDraft(users["sekretariat"], None,
                                                               {"competition_id": comp}, session=s).run())
    assert sorted(results, key=str) == sorted([200] + [409] * (n - 1), key=str), results
    with app.app_context():
        (pk,) = [d.id for d in db.session.query(Decree).filter_by(competition_id=comp)]
    paraf(client, pk)
    results = _race(app, n, lambda s, users: FireTransition(users["penandatangan"], decree_workflow, pk, "sign",
                                                            session=s).run())
    assert results.count(200) == 1 and all(r == 409 for r in results if r != 200), results
    # While it is signed, concurrent POSTs make exactly one replacement draft.
    results = _race(app, n, lambda s, users: CreateDecreeDraft(users["sekretariat"], None,
                                                               {"competition_id": comp, "supersedes_id": pk},
                                                               session=s).run())
    assert results.count(200) == 1 and all(r == 409 for r in results if r != 200), results
    with app.app_context():
        assert sorted(d.state for d in db.session.query(Decree).filter_by(competition_id=comp)) == ["draft", "signed"]


# -- manual numbers ---------------------------------------------------------------------------------------------


def test_manual_number_at_the_last_paraf_required_pattern_unique_on_every_door(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "SIKIPP_DECREE_NUMBER_SOURCE", "manual")
    comp, _ = seed_awards(app)
    other_comp, _ = seed_awards(app, title_prefix="Lain")
    pk, other = draft_decree(client, comp), draft_decree(client, other_comp)
    r = fire(client, "hukum", pk, "paraf")
    assert r.status_code == 422 and "number" in r.get_json()["message"]
    assert fire(client, "hukum", pk, "paraf", data={"number": "nomor sembarang"}).status_code == 422
    rows = Api(client, "hukum").post("/api/v1/decree/transitions/paraf", json={"ids": [pk]}).get_json()["result"]
    assert [(x["ok"], x["status"]) for x in rows] == [(False, 422)]
    screen = browser(app, "hukum")
    page = screen.get(f"/decreeview/show/{pk}").get_data(as_text=True)
    assert 'name="number"' in page  # the screen asks for it at the last paraf
    page = flashed(screen.post(f"/decreeview/fire/{pk}/paraf", data={"number": "x/1"},
                               follow_redirects=True).get_data(as_text=True))
    assert "x/1" in page and initials(app, pk) == [("text", 1)]
    screen.post("/decreeview/action_post", data={"action": "wf_paraf", "rowid": [str(pk)]})
    assert initials(app, pk) == [("text", 1)]
    assert fire(client, "penandatangan", pk, "sign").status_code == 409
    r = screen.post(f"/decreeview/fire/{pk}/paraf", data={"number": "188/77/438.1.1.3/2026"})
    assert shown(client, pk)["number"] == "188/77/438.1.1.3/2026"
    # Unique: the other competition's decree cannot take the same number.
    r = fire(client, "hukum", other, "paraf", data={"number": "188/77/438.1.1.3/2026"})
    assert r.status_code == 409 and "188/77/438.1.1.3/2026" in r.get_json()["message"]
    # Entering the number did not clear the initials: the decree is signed with it.
    assert fire(client, "penandatangan", pk, "sign").status_code == 200
    assert shown(client, pk)["number"] == "188/77/438.1.1.3/2026"
    assert "188/77/438.1.1.3/2026" in flat(pdf_text(Api(client, "sekretariat").get(f"/api/v1/decree/{pk}/pdf").data))
    # An edit clears the number with the initials (it is re-entered at the last paraf).
    assert fire(client, "hukum", other, "paraf", data={"number": "188/78/438.1.1.3/2026"}).status_code == 200
    assert Api(client, "sekretariat").put(f"/api/v1/decree/{other}", json={"title": "Baru"}).status_code == 200
    assert shown(client, other)["number"] is None
    # The pattern is configurable.
    monkeypatch.setitem(app.config, "SIKIPP_DECREE_MANUAL_NUMBER_PATTERN", r"^KEP-\d+$")
    assert fire(client, "hukum", other, "paraf", data={"number": "188/78/438.1.1.3/2026"}).status_code == 422
    assert fire(client, "hukum", other, "paraf", data={"number": "KEP-5"}).status_code == 200


def test_concurrent_last_parafs_entering_one_number_give_it_to_one_decree(app, client, monkeypatch):
    """Hukum enters the same reserved number on several competitions' drafts at the same moment: one decree gets it,
    the others 409 (the pre-check or, when both pass it, the unique column through record_initial), never a 500."""
    import queue

    from app.commands.transitions import FireTransition
    from app.lifecycles import decree_workflow

    monkeypatch.setitem(app.config, "SIKIPP_DECREE_NUMBER_SOURCE", "manual")
    n = 6 if is_postgres(app) else 3
    drafts = queue.Queue()
    for i in range(n):
        comp, _ = seed_awards(app, title_prefix=f"Lomba {i}", competition_name=f"Kompetisi Uji {i}")
        drafts.put(draft_decree(client, comp))
    number = "188/99/438.1.1.3/2026"
    results = _race(app, n, lambda s, users: FireTransition(users["hukum"], decree_workflow, drafts.get_nowait(),
                                                            "paraf", data={"number": number}, session=s).run())
    assert results.count(200) == 1 and results.count(409) == n - 1, results
    with app.app_context():
        assert db.session.query(Decree).filter(Decree.number == number).count() == 1
        assert db.session.query(DecreeParaf).filter(DecreeParaf.number == number).count() == 1


# -- signer identity ---------------------------------------------------------------------------------------------


def _own_pair(common_name):
    from app.services.documents.signing import generate_pair

    folder = tempfile.mkdtemp(prefix="sikipp-signer-")
    key, cert = os.path.join(folder, "key.pem"), os.path.join(folder, "cert.pem")
    generate_pair(key, cert, common_name=common_name, organization="Pemkab Uji")
    return key, cert


def _user_id(app, username):
    with app.app_context():
        return db.session.execute(select(User.id).where(User.username == username)).scalar_one()


def test_signing_profile_is_printed_in_the_block_of_what_its_user_signs(app, client):
    sek = Api(client, "sekretariat")
    r = sek.post("/api/v1/signer_profile/", json={
        "user_id": _user_id(app, "penandatangan"), "delegation": "plt", "jabatan": "Bupati Sidoarjo",
        "name": "Drs. Subandi Uji, S.H.", "pangkat": "Pembina Utama Muda", "nip": "196801011990031001"})
    assert r.status_code == 201, r.get_json()
    comp, award_ids = seed_awards(app)
    pk = draft_decree(client, comp)
    draft_text = flat(pdf_text(sek.get(f"/api/v1/decree/{pk}/pdf").data))
    assert "Plt. BUPATI" not in draft_text  # a draft has no signer yet: the configured block
    sign(client, pk)
    issue_all(app, pk)
    text = flat(pdf_text(sek.get(f"/api/v1/decree/{pk}/pdf").data))
    for part in ("Plt. BUPATI SIDOARJO,", "SUBANDI UJI", "Pembina Utama Muda", "NIP 196801011990031001"):
        assert part in text, part
    cert = flat(pdf_text(sek.get(f"/api/v1/award/{award_ids[0]}/certificate").data))
    assert "Plt. BUPATI SIDOARJO," in cert and "SUBANDI UJI" in cert


def test_a_name_disagreeing_with_the_signers_own_certificate_is_refused(app, client):
    key, cert = _own_pair("Budi Santoso")
    signer = _user_id(app, "penandatangan")
    r = Api(client, "penandatangan").post("/api/v1/signer_profile/", json={
        "user_id": 1, "jabatan": "Bupati Sidoarjo", "name": "Bambang Lain", "key_path": key, "cert_path": cert})
    assert r.status_code == 201, r.get_json()
    profile = r.get_json()["id"]
    assert Api(client, "penandatangan").get(f"/api/v1/signer_profile/{profile}").get_json()["result"]["user_id"] == \
        signer  # a signer creates its own profile, whatever user_id says
    comp, _ = seed_awards(app)
    pk = draft_decree(client, comp)
    paraf(client, pk)
    r = fire(client, "penandatangan", pk, "sign")
    assert r.status_code == 409 and "Bambang Lain" in r.get_json()["message"] and "Budi Santoso" in \
        r.get_json()["message"]
    page = flashed(browser(app, "penandatangan").post(f"/decreeview/fire/{pk}/sign", data={},
                                                      follow_redirects=True).get_data(as_text=True))
    assert "Budi Santoso" in page and state(app, pk) == "draft"
    # The signer corrects its own profile (gelar as printed; the certificate carries the bare name); the decree
    # is signed with its own certificate.
    assert Api(client, "penandatangan").put(f"/api/v1/signer_profile/{profile}",
                                            json={"name": "Drs. H. Budi Santoso, S.H., M.Si."}).status_code == 200
    assert fire(client, "penandatangan", pk, "sign").status_code == 200
    data = Api(client, "sekretariat").get(f"/api/v1/decree/{pk}/pdf").data
    status = validate_signature(data, cert)
    assert status is not None and status.intact and status.valid and status.trusted
    assert "Budi Santoso" in status.signing_cert.subject.human_friendly


@pytest.mark.parametrize("profile_name, cert_name, agree", [
    ("Budi Santoso", "BUDI SANTOSO", True),
    ("Drs. H. Budi Santoso, S.H., M.Si.", "Budi Santoso", True),
    ("Dr. Ir. Budi Santoso M.T.", "BUDI SANTOSO", True),
    ("Hj. Siti Aminah, S.Sos.", "Siti Aminah", True),
    ("Budi Santoso", "Bambang Lain", False),
    ("H. Budi Santoso", "Budi Santosa", False),
    ("M. Nur", "Nur", False),  # "M." is a name (Muhammad), not a gelar
    ("Drs.", "", False),
])
def test_the_name_check_sets_gelar_aside(profile_name, cert_name, agree):
    """The printed name carries gelar (Drs., H., S.H., M.Si.); a certificate's subject the bare name."""
    from app.services.signers import names_agree

    assert names_agree(profile_name, cert_name) is agree


def test_signing_profiles_row_rules_and_validation(app, client):
    sek, signer, opd = Api(client, "sekretariat"), Api(client, "penandatangan"), Api(client, "opd_a")
    assert opd.get("/api/v1/signer_profile/").status_code == 403
    assert sek.post("/api/v1/signer_profile/", json={"user_id": _user_id(app, "juri1"), "jabatan": "X",
                                                     "name": "Y"}).status_code == 422  # not a signer
    assert sek.post("/api/v1/signer_profile/", json={"user_id": _user_id(app, "penandatangan"), "jabatan": "Bupati",
                                                     "name": "Y", "delegation": "an"}).status_code == 422
    r = Api(client, "admin").post("/api/v1/signer_profile/", json={
        "user_id": _user_id(app, "penandatangan"), "delegation": "an", "jabatan": "Bupati Sidoarjo",
        "own_jabatan": "Sekretaris Daerah", "name": "Y", "cert_pem": "not a pem", "key_pem": "x"})
    assert r.status_code == 422
    r = sek.post("/api/v1/signer_profile/", json={"user_id": _user_id(app, "penandatangan"), "delegation": "an",
                                                  "jabatan": "Bupati Sidoarjo", "own_jabatan": "Sekretaris Daerah",
                                                  "name": "Y"})
    assert r.status_code == 201
    assert sek.post("/api/v1/signer_profile/", json={"user_id": _user_id(app, "penandatangan"), "jabatan": "B",
                                                     "name": "Z"}).status_code == 409  # one per signer
    assert len(signer.get("/api/v1/signer_profile/").get_json()["result"]) == 1
    with app.app_context():
        from app.services import signers

        profile = db.session.query(signers.SignerProfile).one()
        assert signers.jabatan_lines(profile) == ["a.n. BUPATI SIDOARJO", "SEKRETARIS DAERAH,"]
    page = browser(app, "penandatangan").get("/signerprofileview/list/").get_data(as_text=True)
    assert "a.n." in page


@pytest.mark.parametrize("delegation, own, lines", [
    (None, None, ["BUPATI SIDOARJO,"]),
    ("plt", None, ["Plt. BUPATI SIDOARJO,"]),
    ("plh", None, ["Plh. BUPATI SIDOARJO,"]),
    ("an", "Sekretaris  Daerah", ["a.n. BUPATI SIDOARJO", "SEKRETARIS DAERAH,"]),
])
def test_every_form_of_the_jabatan_line(delegation, own, lines):
    """Tata Naskah Dinas: the office alone, Plt. or Plh. before it, or a.n. over the signer's own office."""
    from types import SimpleNamespace

    from app.services.signers import jabatan_lines

    assert jabatan_lines(SimpleNamespace(jabatan="Bupati  Sidoarjo", delegation=delegation, own_jabatan=own)) == lines


def test_a_plh_profile_is_printed_on_what_its_user_signs(app, client):
    r = Api(client, "sekretariat").post("/api/v1/signer_profile/", json={
        "user_id": _user_id(app, "penandatangan"), "delegation": "plh", "jabatan": "Bupati Sidoarjo",
        "name": "Drs. Hadi Purnomo, M.Si.", "pangkat": "Pembina Utama Madya", "nip": "196803021990031004"})
    assert r.status_code == 201, r.get_json()
    comp, _ = seed_awards(app)
    pk = draft_decree(client, comp)
    sign(client, pk)
    text = flat(pdf_text(Api(client, "sekretariat").get(f"/api/v1/decree/{pk}/pdf").data))
    assert "Plh. BUPATI SIDOARJO," in text and "Plt." not in text
    assert "HADI PURNOMO" in text.upper() and "196803021990031004" in text.replace(" ", "")


def test_stored_pem_pair_signs_and_the_key_is_never_read_back(app, client):
    key, cert = _own_pair("Siti Aminah")
    with open(key) as fh:
        key_pem = fh.read()
    with open(cert) as fh:
        cert_pem = fh.read()
    body = {"user_id": _user_id(app, "penandatangan"), "jabatan": "Bupati Sidoarjo", "name": "Siti Aminah",
            "key_pem": key_pem, "cert_pem": cert_pem}
    # The Sekretariat edits the printed block, never the key (it would control both sides of the name check).
    r = Api(client, "sekretariat").post("/api/v1/signer_profile/", json=body)
    assert r.status_code == 403, r.get_json()
    r = Api(client, "admin").post("/api/v1/signer_profile/", json=body)
    assert r.status_code == 201 and "PRIVATE KEY" not in r.get_data(as_text=True)
    profile = r.get_json()["id"]
    r = Api(client, "sekretariat").put(f"/api/v1/signer_profile/{profile}", json={"key_pem": key_pem,
                                                                                  "cert_pem": cert_pem})
    assert r.status_code == 403, r.get_json()
    assert Api(client, "sekretariat").put(f"/api/v1/signer_profile/{profile}",
                                          json={"pangkat": "Pembina"}).status_code == 200  # the block: yes
    # No screen filter reads the key back (FAB would search every text column by default).
    for who in ("sekretariat", "penandatangan"):
        screen = browser(app, who)
        for guess in ("-----BEGIN", "wrong guess"):  # ignored either way: the row shows for both, no oracle
            r = screen.get(f"/signerprofileview/list/?_flt_0_key_pem={guess}")
            assert r.status_code in (200, 400) and ("Siti Aminah" in r.get_data(as_text=True)) == (r.status_code == 200)
        assert "key_pem" not in screen.get("/signerprofileview/list/").get_data(as_text=True)
    got = Api(client, "sekretariat").get(f"/api/v1/signer_profile/{profile}").get_data(as_text=True)
    assert "PRIVATE KEY" not in got
    with app.app_context():
        row = db.session.query(AuditLog).filter_by(action="signer_profile.create").one()  # (the Admin's)
        assert "PRIVATE KEY" not in f"{row.detail} {row.data}" and "cert_path" in str(row.data)
    comp, _ = seed_awards(app)
    pk = draft_decree(client, comp)
    sign(client, pk)
    status = validate_signature(Api(client, "sekretariat").get(f"/api/v1/decree/{pk}/pdf").data, cert)
    assert status.intact and status.valid and status.trusted
