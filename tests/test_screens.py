"""The workflow screens: badge, buttons for exactly the allowed transitions, history, bulk actions, diagrams."""
import datetime

from app.extensions import db
from app.models import Attachment, Innovation
from tests.conftest import PASSWORD


def login(client, username):
    r = client.post("/login/", data={"username": username, "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 302, r.data[:300]


def _innovation(app, api, competition, state="submitted", complete=True, username="opd_a"):
    r = api(username).post("/api/v1/innovation/", json={"competition_id": competition, "title": "Layanan <i>Cepat</i>"})
    pk = r.get_json()["id"]
    with app.app_context():
        inn = db.session.get(Innovation, pk)
        inn.state = state
        if complete:
            for field in ("summary", "background", "novelty", "implementation", "significance", "adaptability",
                          "resources", "sustainability"):
                setattr(inn, field, "Isi bagian " + field)
            inn.started_on = datetime.date(2018, 3, 1)
            db.session.add(Attachment(innovation_id=pk, original_name="sk.pdf", stored_name=f"s{pk}.pdf",
                                      size_bytes=10, sha256="0" * 64))
        db.session.commit()
    return pk


def test_show_page_offers_exactly_the_allowed_transitions(app, client, api, competition):
    pk = _innovation(app, api, competition)
    login(client, "sekretariat")
    html = client.get(f"/innovationview/show/{pk}").get_data(as_text=True)
    for trigger in ("return", "verify", "reject"):
        assert f'data-trigger="{trigger}"' in html
    assert 'data-trigger="submit"' not in html and 'data-trigger="withdraw"' not in html
    assert "Layanan &lt;i&gt;Cepat&lt;/i&gt;" in html  # user text is escaped
    r = client.post(f"/innovationview/fire/{pk}/return", data={"comment": "Lengkapi SK tim"})
    assert r.status_code == 302
    html = client.get(f"/innovationview/show/{pk}").get_data(as_text=True)
    assert 'data-state="draft"' in html
    assert "Lengkapi SK tim" in html and "sekretariat" in html  # history timeline


def test_opd_sees_own_buttons_and_not_other_units_rows(app, client, api, competition):
    mine = _innovation(app, api, competition, state="draft")
    other = _innovation(app, api, competition, state="draft", username="opd_b")
    login(client, "opd_a")
    html = client.get(f"/innovationview/show/{mine}").get_data(as_text=True)
    assert 'data-trigger="submit"' in html and 'data-trigger="withdraw"' in html
    assert 'data-trigger="verify"' not in html
    assert client.get(f"/innovationview/show/{other}").status_code == 404
    r = client.post(f"/innovationview/fire/{other}/withdraw", data={})
    assert r.status_code == 404
    with app.app_context():
        assert db.session.get(Innovation, other).state == "draft"
    listing = client.get("/innovationview/list/").get_data(as_text=True)
    assert f"/innovationview/show/{mine}" in listing and f"/innovationview/show/{other}" not in listing


def test_bulk_action_reports_each_row(app, client, api, competition):
    good = _innovation(app, api, competition)
    incomplete = _innovation(app, api, competition, complete=False)
    good2, incomplete2 = _innovation(app, api, competition), _innovation(app, api, competition, complete=False)
    login(client, "sekretariat")
    r = client.post("/innovationview/action_post", data={"action": "wf_reject", "rowid": [str(good), str(incomplete)],
                                                        "wf_comment": "Tidak memenuhi syarat."},
                    follow_redirects=True)
    assert r.status_code == 200
    with app.app_context():
        assert db.session.get(Innovation, good).state == "rejected"
        assert db.session.get(Innovation, incomplete).state == "rejected"
    # Bulk verify cannot attest each proposal's checklist: every row is refused, each with its reason.
    r = client.post("/innovationview/action_post", data={"action": "wf_verify",
                                                        "rowid": [str(good2), str(incomplete2)]},
                    follow_redirects=True)
    with app.app_context():
        assert db.session.get(Innovation, good2).state == "submitted"
        assert db.session.get(Innovation, incomplete2).state == "submitted"
    html = r.get_data(as_text=True)
    assert f"#{incomplete2}" in html and f"#{good2}" in html


def test_bulk_action_cannot_touch_other_units_rows(app, client, api, competition):
    other = _innovation(app, api, competition, state="draft", username="opd_b")
    login(client, "opd_a")
    client.post("/innovationview/action_post", data={"action": "wf_withdraw", "rowid": [str(other)]})
    with app.app_context():
        assert db.session.get(Innovation, other).state == "draft"


def test_workflow_diagrams_are_served_as_svg(client):
    login(client, "sekretariat")
    assert client.get("/workflows/").status_code == 200
    r = client.get("/workflows/innovation.svg")
    assert r.status_code == 200 and r.mimetype == "image/svg+xml"
    svg = r.get_data(as_text=True)
    for label in ("Draf", "Diajukan", "Terverifikasi", "Ditolak", "Ajukan"):  # states and triggers by their labels
        assert label in svg
    assert ">draft<" not in svg and ">submit<" not in svg
    assert client.get("/workflows/nope.svg").status_code == 404


def test_state_filter_offers_the_lifecycle_states(app, client, api, competition):
    submitted = _innovation(app, api, competition)
    draft = _innovation(app, api, competition, state="draft")
    login(client, "sekretariat")
    html = client.get("/innovationview/list/").get_data(as_text=True)
    for state in ("draft", "submitted", "verified", "scored", "awarded", "rejected", "withdrawn"):
        assert f'option value=\\"{state}\\"' in html  # FAB embeds the search form as JSON
    filtered = client.get("/innovationview/list/?_flt_0_state=submitted").get_data(as_text=True)
    assert f"/innovationview/show/{submitted}" in filtered and f"/innovationview/show/{draft}" not in filtered


def test_audit_log_screen_and_security_headers(app, client, api, competition):
    api("sekretariat").put(f"/api/v1/competition/{competition}", json={"submission_deadline": "2031-01-01T10:00:00"})
    login(client, "sekretariat")
    r = client.get("/auditlogview/list/")
    assert r.status_code == 200 and "Kompetisi: batas waktu pengajuan diubah" in r.get_data(as_text=True)
    assert r.headers["X-Frame-Options"] == "SAMEORIGIN" and r.headers["X-Content-Type-Options"] == "nosniff"
    assert client.post("/auditlogview/delete/1").status_code in (302, 403, 404, 405)
    other = app.test_client()
    login(other, "opd_a")
    assert other.get("/auditlogview/list/").status_code in (302, 403)
