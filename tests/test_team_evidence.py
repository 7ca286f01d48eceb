"""Issue 12 items 3 and 4 (DESIGN §11): the innovator team (validated, personal data seen only by the unit, the
Sekretariat and non-blind jurors) and typed evidence (kinds per competition, a kind on each attachment, a size cap
per kind, and ``submit`` naming each required kind missing on every door)."""
import io
import json

import pytest

from app.extensions import db
from app.models import Assignment, Attachment, Innovation, Round
from tests.conftest import PASSWORD
from tests.pdfs import blank_pdf
from tests.test_proposals import complete_body

NIP = "198001012005011001"
SECRET_NAME = "Ratna Kusumawardani"
SECRET_CONTACT = "ratna.rahasia@example.test"
TEAM = [{"name": SECRET_NAME, "nip": NIP, "position": "Kepala Seksi Layanan", "role": "Ketua",
         "contact": SECRET_CONTACT},
        {"name": "Budi Santoso", "nip": "", "position": "Tenaga kontrak", "role": "Anggota"}]
KINDS = [{"code": "bukti_implementasi", "label": "Bukti implementasi", "required": True, "max_mb": 1},
         {"code": "sk_tim", "label": "SK tim inovasi", "required": True, "max_mb": 1},
         {"code": "dokumentasi", "label": "Dokumentasi kegiatan", "required": False, "max_mb": 2}]


def login(client, username):
    r = client.post("/login/", data={"username": username, "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 302, r.data[:300]


def upload(client_api, pk, kind=None, data=None, name="bukti.pdf"):
    form = {"file": (io.BytesIO(data if data is not None else blank_pdf()), name, "application/pdf")}
    if kind is not None:
        form["kind"] = kind
    return client_api.post(f"/api/v1/innovation/{pk}/attachments", data=form, content_type="multipart/form-data",
                           json=None)


@pytest.fixture
def typed_competition(api, competition):
    r = api("sekretariat").put(f"/api/v1/competition/{competition}", json={"evidence_kinds": KINDS})
    assert r.status_code == 200, r.get_json()
    return competition


def draft_with_team(api, competition, user="opd_a", title="SIPRAJA"):
    r = api(user).post("/api/v1/innovation/", json={**complete_body(competition, title), "team": TEAM})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


# -- the team: rules -------------------------------------------------------------------------------------------

def test_team_is_stored_cleaned_and_read_back_by_its_unit(api, competition):
    pk = draft_with_team(api, competition)
    team = api("opd_a").get(f"/api/v1/innovation/{pk}").get_json()["result"]["team"]
    assert team[0] == TEAM[0]
    assert team[1] == {"name": "Budi Santoso", "nip": "", "position": "Tenaga kontrak", "role": "Anggota"}
    # A NIP written with spaces is stored as its 18 digits.
    body = {"team": [{"name": "Sari", "nip": "19800101 200501 1 001", "position": "Staf", "role": "Anggota"}]}
    assert api("opd_a").put(f"/api/v1/innovation/{pk}", json=body).status_code == 200
    assert api("opd_a").get(f"/api/v1/innovation/{pk}").get_json()["result"]["team"][0]["nip"] == NIP


@pytest.mark.parametrize("member, words", [
    ({"name": "", "nip": NIP, "position": "Staf", "role": "Anggota"}, "nama"),
    ({"name": "Sari", "nip": "12345", "position": "Staf", "role": "Anggota"}, "18"),
    ({"name": "Sari", "nip": "1980010120050110٠١", "position": "Staf", "role": "Anggota"}, "18"),
    ({"name": "Sari\u202eexe", "nip": "", "position": "Staf", "role": "Anggota"}, "U+202E"),
    ({"name": "Sari", "nip": "", "position": "Staf", "role": "Anggota", "alamat": "x"}, "alamat"),
    ({"name": "Sari", "nip": "", "position": "x" * 121, "role": "Anggota"}, "120"),
])
def test_team_rules_refuse_with_indonesian_messages(api, competition, member, words):
    r = api("opd_a").post("/api/v1/innovation/", json={"competition_id": competition, "title": "X", "team": [member]})
    assert r.status_code == 422, r.get_json()
    message = json.dumps(r.get_json()["message"], ensure_ascii=False)
    assert "team" in r.get_json()["message"] and words in message, message
    assert "Anggota tim 1" in message  # Indonesian, naming the member


def test_team_length_is_bounded(api, competition):
    team = [{"name": f"Anggota {i}", "nip": "", "position": "Staf", "role": "Anggota"} for i in range(31)]
    r = api("opd_a").post("/api/v1/innovation/", json={"competition_id": competition, "title": "X", "team": team})
    assert r.status_code == 422 and "30" in json.dumps(r.get_json()["message"])
    r = api("opd_a").post("/api/v1/innovation/", json={"competition_id": competition, "title": "X", "team": "Sari"})
    assert r.status_code == 422


def test_team_is_edited_only_in_draft(app, api, competition):
    pk = draft_with_team(api, competition)
    with app.app_context():
        db.session.get(Innovation, pk).state = "submitted"
        db.session.commit()
    assert api("opd_a").put(f"/api/v1/innovation/{pk}", json={"team": []}).status_code == 409
    assert api("opd_b").put(f"/api/v1/innovation/{pk}", json={"team": []}).status_code == 404


# -- the team: who sees it -------------------------------------------------------------------------------------

def _assign(app, innovation_id, competition, juror, blind):
    from app.models import User

    with app.app_context():
        rnd = db.session.query(Round).filter_by(competition_id=competition).order_by(Round.sequence).first()
        rnd.blind = blind
        juror_id = db.session.query(User.id).filter_by(username=juror).scalar()
        inn = db.session.get(Innovation, innovation_id)
        inn.state = "verified"
        db.session.add(Assignment(round_id=rnd.id, innovation_id=innovation_id, juror_id=juror_id))
        db.session.commit()
        return db.session.query(Assignment.id).filter_by(innovation_id=innovation_id, juror_id=juror_id).scalar()


@pytest.mark.parametrize("blind", [False, True])
def test_team_for_jurors_depends_on_blind_review(app, api, client, competition, blind):
    pk = draft_with_team(api, competition)
    assignment = _assign(app, pk, competition, "juri1", blind)
    result = api("juri1").get(f"/api/v1/innovation/{pk}").get_json()["result"]
    if blind:
        assert result["team"] is None and result["unit_id"] is None
        # Not by asking for the column either (list, show), nor by ordering or filtering on it.
        for url in (f"/api/v1/innovation/{pk}?q=(columns:!(team))", "/api/v1/innovation/?q=(columns:!(id,team))",
                    "/api/v1/innovation/?q=(order_column:team,order_direction:asc)",
                    "/api/v1/innovation/?q=(filters:!((col:team,opr:ct,value:Ratna)))"):
            assert SECRET_NAME not in api("juri1").get(url).get_data(as_text=True), url
    else:
        assert result["team"][0]["name"] == SECRET_NAME
    login(client, "juri1")
    html = client.get(f"/scoresheets/sheet/{assignment}").get_data(as_text=True)
    assert "score-sheet" in html
    assert (SECRET_NAME in html) is (not blind) and (NIP in html) is (not blind)
    sheet = api("juri1").get(f"/api/v1/assignment/{assignment}/scores").get_data(as_text=True)
    assert SECRET_NAME not in sheet


def test_team_never_reaches_other_units_nor_the_signer(app, api, client, competition):
    pk = draft_with_team(api, competition)
    assert api("sekretariat").get(f"/api/v1/innovation/{pk}").get_json()["result"]["team"][0]["name"] == SECRET_NAME
    assert api("penandatangan").get(f"/api/v1/innovation/{pk}").get_json()["result"]["team"] is None
    assert api("opd_b").get(f"/api/v1/innovation/{pk}").status_code == 404
    listing = api("opd_b").get("/api/v1/innovation/").get_data(as_text=True)
    assert SECRET_NAME not in listing
    # Not listed for anyone, and not a search filter (FAB refuses a filter on a column not searchable).
    assert SECRET_NAME not in api("sekretariat").get("/api/v1/innovation/").get_data(as_text=True)
    rison = "(filters:!((col:team,opr:ct,value:Ratna)))"
    r = api("opd_b").get(f"/api/v1/innovation/?q={rison}")
    assert r.status_code == 400 or SECRET_NAME not in r.get_data(as_text=True)
    # Screens: the unit and the Sekretariat see the team panel; another unit gets 404.
    login(client, "opd_a")
    assert SECRET_NAME in client.get(f"/innovationview/show/{pk}").get_data(as_text=True)
    client.get("/logout/")
    login(client, "opd_b")
    r = client.get(f"/innovationview/show/{pk}")
    assert r.status_code == 404 or SECRET_NAME not in r.get_data(as_text=True)
    assert SECRET_NAME not in client.get("/innovationview/list/").get_data(as_text=True)
    # Another unit cannot write the team through the screen's route either.
    r = client.post(f"/innovationview/team/{pk}", data={"team-name": ["Penyusup"], "team-nip": [""],
                                                        "team-position": ["x"], "team-role": ["x"]})
    assert r.status_code == 404
    with app.app_context():
        assert db.session.get(Innovation, pk).team[0]["name"] == SECRET_NAME
    client.get("/logout/")
    login(client, "penandatangan")
    assert SECRET_NAME not in client.get(f"/innovationview/show/{pk}").get_data(as_text=True)


def test_team_never_public(app, api, client, competition):
    """An awarded innovation with a team appears in the public catalogue, results and announcements without it."""
    from tests.test_catalogue import publish

    pk = draft_with_team(api, competition)
    with app.app_context():
        from app.models import Award

        inn = db.session.get(Innovation, pk)
        inn.state = "awarded"
        db.session.add(Award(innovation_id=pk, title="Juara I", rank=1, category="opd", score=90))
        db.session.flush()
        publish(inn.competition)
        db.session.commit()
    catalogue = client.get(f"/catalogue/{pk}")
    assert catalogue.status_code == 200 and "SIPRAJA" in catalogue.get_data(as_text=True)
    pages = [catalogue.get_data(as_text=True), client.get("/catalogue/").get_data(as_text=True),
             client.get(f"/catalogue/{pk}", headers={"Accept": "application/json"}).get_data(as_text=True),
             client.get("/results/").get_data(as_text=True), client.get("/pengumuman/").get_data(as_text=True),
             client.get("/verify").get_data(as_text=True)]
    for page in pages:
        assert SECRET_NAME not in page and NIP not in page and SECRET_CONTACT not in page


def test_team_screen_editor_saves_rows(app, client, api, competition):
    pk = draft_with_team(api, competition)
    login(client, "opd_a")
    html = client.get(f"/innovationview/show/{pk}").get_data(as_text=True)
    assert 'data-team-add' in html and 'name="team-name"' in html
    r = client.post(f"/innovationview/team/{pk}", data={
        "team-name": ["Dewi", "", "Agus"], "team-nip": [NIP, "", ""], "team-position": ["Kasi", "", "Staf"],
        "team-role": ["Ketua", "", "Anggota"], "team-contact": ["", "", "0812"]}, follow_redirects=True)
    assert r.status_code == 200
    with app.app_context():
        team = db.session.get(Innovation, pk).team
    assert [m["name"] for m in team] == ["Dewi", "Agus"] and team[1]["contact"] == "0812"
    # A bad NIP is refused with the message flashed and nothing changed.
    r = client.post(f"/innovationview/team/{pk}", data={"team-name": ["Dewi"], "team-nip": ["123"],
                                                        "team-position": ["Kasi"], "team-role": ["Ketua"]},
                    follow_redirects=True)
    assert "18 digit" in r.get_data(as_text=True)
    with app.app_context():
        assert [m["name"] for m in db.session.get(Innovation, pk).team] == ["Dewi", "Agus"]


# -- evidence kinds: the competition's rules --------------------------------------------------------------------

@pytest.mark.parametrize("kinds", [
    [{"code": "SK Tim", "label": "SK", "required": True, "max_mb": 1}],
    [{"code": "sk", "label": "", "required": True, "max_mb": 1}],
    [{"code": "sk", "label": "SK", "required": "ya", "max_mb": 1}],
    [{"code": "sk", "label": "SK", "required": True, "max_mb": 0}],
    [{"code": "sk", "label": "SK", "required": True, "max_mb": 1}, {"code": "sk", "label": "Lagi", "required": False}],
    [{"code": "sk", "label": "SK\u202e", "required": True}],
    "sk_tim",
])
def test_evidence_kinds_are_validated(api, competition, kinds):
    r = api("sekretariat").put(f"/api/v1/competition/{competition}", json={"evidence_kinds": kinds})
    assert r.status_code == 422 and "evidence_kinds" in r.get_json()["message"], r.get_json()


def test_evidence_kinds_are_read_back_and_only_the_sekretariat_edits_them(api, typed_competition):
    body = api("sekretariat").get(f"/api/v1/competition/{typed_competition}").get_json()["result"]
    assert body["evidence_kinds"] == KINDS
    r = api("opd_a").put(f"/api/v1/competition/{typed_competition}", json={"evidence_kinds": []})
    assert r.status_code in (401, 403)


def test_competition_form_edits_evidence_kinds(app, client, competition):
    login(client, "sekretariat")
    html = client.get(f"/competitionview/edit/{competition}").get_data(as_text=True)
    assert 'name="evidence_kinds"' in html
    with app.app_context():
        from app.models import Competition

        comp = db.session.get(Competition, competition)
        form = {"name": comp.name, "year": comp.year, "submission_deadline": "2030-07-31T23:59",
                "min_implementation_years": 2, "max_attachment_mb": 5, "objection_days": 5}
    bad = client.post(f"/competitionview/edit/{competition}",
                      data={**form, "evidence_kinds": "sk_tim | SK tim inovasi | barangkali | 1"}, follow_redirects=True)
    assert "wajib" in bad.get_data(as_text=True)
    client.post(f"/competitionview/edit/{competition}", data={
        **form, "evidence_kinds": "sk_tim | SK tim inovasi | wajib | 1\ndokumentasi | Dokumentasi | opsional"},
        follow_redirects=True)
    with app.app_context():
        comp = db.session.get(Competition, competition)
        assert comp.evidence_kinds == [
            {"code": "sk_tim", "label": "SK tim inovasi", "required": True, "max_mb": 1},
            {"code": "dokumentasi", "label": "Dokumentasi", "required": False, "max_mb": None}]
    html = client.get(f"/competitionview/edit/{competition}").get_data(as_text=True)
    assert "sk_tim | SK tim inovasi | wajib | 1" in html


# -- evidence kinds: uploads ----------------------------------------------------------------------------------

def test_upload_kind_is_checked_and_listed(api, typed_competition):
    pk = draft_with_team(api, typed_competition)
    opd = api("opd_a")
    r = upload(opd, pk)
    assert r.status_code == 422 and "kind" in r.get_json()["message"]
    assert "sk_tim" in json.dumps(r.get_json()["message"])
    r = upload(opd, pk, kind="ktp")
    assert r.status_code == 422 and "ktp" in json.dumps(r.get_json()["message"])
    r = upload(opd, pk, kind="sk_tim")
    assert r.status_code == 201 and r.get_json()["result"]["kind"] == "sk_tim"
    listing = opd.get(f"/api/v1/innovation/{pk}/attachments").get_json()["result"]
    assert [a["kind"] for a in listing] == ["sk_tim"]


def test_kind_is_optional_without_kinds(api, competition):
    pk = draft_with_team(api, competition)
    r = upload(api("opd_a"), pk)
    assert r.status_code == 201 and r.get_json()["result"]["kind"] is None
    assert upload(api("opd_a"), pk, kind="sk_tim").status_code == 422


def test_size_cap_per_kind(app, api, typed_competition):
    pk = draft_with_team(api, typed_competition)
    opd = api("opd_a")
    big = blank_pdf() + b"%" + b"0" * (int(1.5 * 1024 * 1024))
    r = upload(opd, pk, kind="sk_tim", data=big)
    assert r.status_code == 422
    message = json.dumps(r.get_json()["message"], ensure_ascii=False)
    assert "SK tim inovasi" in message and "1 MB" in message, message
    # The same file fits the 2 MB cap of "dokumentasi" (refused only if it were not a readable PDF).
    r = upload(opd, pk, kind="dokumentasi", data=big)
    assert r.status_code != 422 or "MB" not in json.dumps(r.get_json()["message"]), r.get_json()
    with app.app_context():
        assert db.session.query(Attachment).filter_by(innovation_id=pk, kind="sk_tim").count() == 0


def test_upload_screen_offers_kinds_and_shows_them(app, client, api, typed_competition):
    pk = draft_with_team(api, typed_competition)
    login(client, "opd_a")
    html = client.get(f"/innovationview/show/{pk}").get_data(as_text=True)
    assert 'name="kind"' in html and 'value="sk_tim"' in html and "SK tim inovasi" in html
    assert "evidence-missing" in html
    r = client.post(f"/innovationview/attachments/{pk}", data={"kind": "sk_tim", "file": (io.BytesIO(blank_pdf()),
                                                                                         "sk.pdf")},
                    content_type="multipart/form-data", follow_redirects=True)
    html = r.get_data(as_text=True)
    assert 'class="label label-info attachment-kind" data-kind="sk_tim"' in html
    big = blank_pdf() + b"%" + b"0" * (int(1.5 * 1024 * 1024))
    r = client.post(f"/innovationview/attachments/{pk}", data={"kind": "sk_tim", "file": (io.BytesIO(big), "b.pdf")},
                    content_type="multipart/form-data", follow_redirects=True)
    assert "SK tim inovasi" in r.get_data(as_text=True) and "1 MB" in r.get_data(as_text=True)


# -- evidence kinds: the submit guard on every door --------------------------------------------------------------

def test_submit_names_each_missing_kind_on_the_api(api, typed_competition):
    pk = draft_with_team(api, typed_competition)
    opd = api("opd_a")
    assert upload(opd, pk, kind="dokumentasi").status_code == 201
    r = opd.post(f"/api/v1/innovation/{pk}/transitions/submit", json={})
    assert r.status_code == 409
    reason = r.get_json()["message"]
    assert "Bukti implementasi" in reason and "SK tim inovasi" in reason and "Dokumentasi" not in reason
    avail = {a["trigger"]: a for a in opd.get(f"/api/v1/innovation/{pk}/transitions").get_json()["available"]}
    assert avail["submit"]["allowed"] is False and "SK tim inovasi" in avail["submit"]["reason"]
    assert upload(opd, pk, kind="sk_tim").status_code == 201
    r = opd.post(f"/api/v1/innovation/{pk}/transitions/submit", json={})
    assert r.status_code == 409 and "Bukti implementasi" in r.get_json()["message"]
    assert "SK tim inovasi" not in r.get_json()["message"]
    assert upload(opd, pk, kind="bukti_implementasi").status_code == 201
    assert opd.post(f"/api/v1/innovation/{pk}/transitions/submit", json={}).get_json() == {"state": "submitted"}


def test_submit_guard_on_the_bulk_api_and_the_screens(app, client, api, typed_competition):
    missing = draft_with_team(api, typed_competition, title="Kurang Bukti")
    ready = draft_with_team(api, typed_competition, title="Lengkap")
    for kind in ("sk_tim", "bukti_implementasi"):
        assert upload(api("opd_a"), ready, kind=kind).status_code == 201
    results = api("opd_a").post("/api/v1/innovation/transitions/submit", json={"ids": [missing, ready]}).get_json()
    by_id = {row["id"]: row for row in results["result"]}
    assert by_id[ready]["ok"] is True and by_id[missing]["ok"] is False
    assert "SK tim inovasi" in by_id[missing]["message"] and "Bukti implementasi" in by_id[missing]["message"]
    # Screens: the blocked button says why, the single fire flashes it, the bulk action reports it per row.
    second = draft_with_team(api, typed_competition, title="Kurang Bukti Dua")
    login(client, "opd_a")
    html = client.get(f"/innovationview/show/{missing}").get_data(as_text=True)
    assert "SK tim inovasi" in html and 'data-blocked-trigger="submit"' in html
    r = client.post(f"/innovationview/fire/{missing}/submit", data={}, follow_redirects=True)
    assert "SK tim inovasi" in r.get_data(as_text=True) and "Bukti implementasi" in r.get_data(as_text=True)
    r = client.post("/innovationview/action_post", data={"action": "wf_submit", "rowid": [str(second)]},
                    follow_redirects=True)
    html = r.get_data(as_text=True)
    assert f"#{second}" in html and "SK tim inovasi" in html and "Bukti implementasi" in html
    with app.app_context():
        assert db.session.get(Innovation, second).state == "draft"
        assert db.session.get(Innovation, ready).state == "submitted"
