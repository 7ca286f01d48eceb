"""Issue 4: the OPD and Sekretariat journeys — word limits, deadline (and its logged extension),
verification with checklist, return notes, duplicates, participation."""
import datetime
import io

from openpyxl import load_workbook

from app.extensions import db
from app.models import AuditLog, Innovation
from app.models.competition import DEFAULT_CHECKLIST
from tests.conftest import PASSWORD, future
from tests.pdfs import blank_pdf
from workflows.models import WorkflowHistory

SECTIONS = ("summary", "background", "novelty", "implementation", "significance", "adaptability", "resources",
            "sustainability")


def complete_body(competition, title="SIPRAJA"):
    body = {"competition_id": competition, "title": title, "started_on": "2019-02-01",
            "video_url": "https://www.youtube.com/watch?v=abc", "sdg_goals": [3, 16]}
    body.update({s: f"Uraian {s} yang cukup jelas untuk penilaian." for s in SECTIONS})
    return body


def ready_draft(api, competition, user="opd_a", title="SIPRAJA"):
    opd = api(user)
    pk = opd.post("/api/v1/innovation/", json=complete_body(competition, title)).get_json()["id"]
    r = opd.post(f"/api/v1/innovation/{pk}/attachments", data={"file": (io.BytesIO(blank_pdf()), "sk.pdf")},
                 content_type="multipart/form-data", json=None)
    assert r.status_code == 201
    return pk


def test_word_limits_are_enforced_per_competition(api, competition):
    opd = api("opd_a")
    body = complete_body(competition)
    body["summary"] = "kata " * 201
    r = opd.post("/api/v1/innovation/", json=body)
    assert r.status_code == 422 and "summary" in r.get_json()["message"]
    assert "201" in str(r.get_json()["message"])
    api("sekretariat").put(f"/api/v1/competition/{competition}", json={"name": "Kompetisi Uji"})
    body["summary"] = "kata " * 200
    assert opd.post("/api/v1/innovation/", json=body).status_code == 201


def test_submit_before_deadline_and_after_and_after_extension(app, api, competition):
    pk = ready_draft(api, competition)
    other = ready_draft(api, competition, title="IREBON")
    sek, opd = api("sekretariat"), api("opd_a")
    past = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)).isoformat()
    assert sek.put(f"/api/v1/competition/{competition}", json={"submission_deadline": past}).status_code == 200
    r = opd.post(f"/api/v1/innovation/{pk}/transitions/submit", json={})
    assert r.status_code == 409 and "batas waktu pengajuan" in r.get_json()["message"].lower()
    avail = {a["trigger"]: a for a in opd.get(f"/api/v1/innovation/{pk}/transitions").get_json()["available"]}
    assert avail["submit"]["allowed"] is False and avail["submit"]["reason"]
    # The Sekretariat extends the deadline: the change is logged, and submission works again.
    assert sek.put(f"/api/v1/competition/{competition}", json={"submission_deadline": future(2)}).status_code == 200
    assert opd.post(f"/api/v1/innovation/{pk}/transitions/submit", json={}).get_json() == {"state": "submitted"}
    with app.app_context():
        logs = db.session.query(AuditLog).filter_by(action="deadline_changed", target_id=competition).all()
        assert len(logs) == 2 and all(log.user_id for log in logs)
    assert opd.post(f"/api/v1/innovation/{other}/transitions/submit", json={}).status_code == 200


def test_deadline_without_offset_is_read_in_jakarta_time(app, api, competition):
    r = api("sekretariat").put(f"/api/v1/competition/{competition}",
                               json={"submission_deadline": "2030-07-31T23:59:00"})
    assert r.status_code == 200
    from app.models import Competition

    with app.app_context():
        assert db.session.get(Competition, competition).submission_deadline == datetime.datetime(2030, 7, 31, 16, 59)


def test_verify_records_checklist_and_return_note_reaches_opd(app, api, competition):
    browser = app.test_client()  # its own cookie jar: the API clients below use bearer tokens only
    pk = ready_draft(api, competition)
    opd, sek = api("opd_a"), api("sekretariat")
    assert opd.post(f"/api/v1/innovation/{pk}/transitions/submit", json={}).status_code == 200
    r = sek.post(f"/api/v1/innovation/{pk}/transitions/return", json={"comment": "Lampirkan SK tim inovasi 2026"})
    assert r.status_code == 200
    history = opd.get(f"/api/v1/innovation/{pk}/history").get_json()["result"]
    assert history[-1]["comment"] == "Lampirkan SK tim inovasi 2026"
    browser.post("/login/", data={"username": "opd_a", "password": PASSWORD})
    html = browser.get(f"/innovationview/show/{pk}").get_data(as_text=True)
    assert "Lampirkan SK tim inovasi 2026" in html and "wf-notice" in html
    # Another unit never sees the note.
    assert api("opd_b").get(f"/api/v1/innovation/{pk}/history").status_code == 404
    assert opd.post(f"/api/v1/innovation/{pk}/transitions/submit", json={}).status_code == 200
    checklist = {"SK tim inovasi terlampir": True, "Usia inovasi memenuhi": True}
    r = sek.post(f"/api/v1/innovation/{pk}/transitions/verify", json={"data": {"checklist": checklist}})
    assert r.status_code == 409 and "Semua bagian terisi" in r.get_json()["message"]  # every item, not some
    checklist = {item: True for item in DEFAULT_CHECKLIST}
    r = sek.post(f"/api/v1/innovation/{pk}/transitions/verify", json={"data": {"checklist": checklist}})
    assert r.status_code == 200
    with app.app_context():
        row = db.session.query(WorkflowHistory).filter_by(object_id=pk, trigger="verify").one()
        assert row.data == {"checklist": checklist}


def test_verify_from_the_queue_screen_with_checklist(app, api, competition):
    client = app.test_client()
    pk = ready_draft(api, competition)
    api("opd_a").post(f"/api/v1/innovation/{pk}/transitions/submit", json={})
    client.post("/login/", data={"username": "sekretariat", "password": PASSWORD})
    listing = client.get("/verification/list/").get_data(as_text=True)
    assert f"/verification/show/{pk}" in listing
    page = client.get(f"/verification/show/{pk}").get_data(as_text=True)
    assert 'name="checklist_0"' in page and "SK tim inovasi terlampir" in page
    # Two boxes of four: refused (the server demands every box, not only the browser's "required").
    r = client.post(f"/verification/fire/{pk}/verify", data={"checklist_0": "1", "checklist_1": "1"})
    assert r.status_code == 302
    with app.app_context():
        assert db.session.get(Innovation, pk).state == "submitted"
    r = client.post(f"/verification/fire/{pk}/verify", data={f"checklist_{i}": "1" for i in range(4)})
    assert r.status_code == 302 and r.headers["Location"].endswith("/verification/list/")
    with app.app_context():
        assert db.session.get(Innovation, pk).state == "verified"
        data = db.session.query(WorkflowHistory).filter_by(object_id=pk, trigger="verify").one().data
        assert data["checklist"] == {item: True for item in DEFAULT_CHECKLIST}
    assert f"/verification/show/{pk}" not in client.get("/verification/list/").get_data(as_text=True)
    # The OPD has no access to the queue.
    client.get("/logout/")
    client.post("/login/", data={"username": "opd_a", "password": PASSWORD})
    assert client.get("/verification/list/").status_code in (302, 403)


def test_duplicate_titles_are_flagged_to_the_sekretariat(app, api, competition):
    client = app.test_client()
    first = ready_draft(api, competition, title="Layanan Adminduk Keliling")
    second = ready_draft(api, competition, user="opd_b", title="  layanan adminduk keliling ")
    for user, pk in (("opd_a", first), ("opd_b", second)):
        assert api(user).post(f"/api/v1/innovation/{pk}/transitions/submit", json={}).status_code == 200
    client.post("/login/", data={"username": "sekretariat", "password": PASSWORD})
    listing = client.get("/verification/list/").get_data(as_text=True)
    assert "sikipp-duplicates" in listing and f"#{first}" in listing and f"#{second}" in listing
    page = client.get(f"/innovationview/show/{first}").get_data(as_text=True)
    assert f"#{second}" in page
    client.get("/logout/")
    client.post("/login/", data={"username": "opd_a", "password": PASSWORD})
    assert f"#{second}" not in client.get(f"/innovationview/show/{first}").get_data(as_text=True)


def test_participation_lists_units_highlights_missing_and_exports(app, api, competition):
    client = app.test_client()
    pk = ready_draft(api, competition)
    api("opd_a").post(f"/api/v1/innovation/{pk}/transitions/submit", json={})
    rows = api("sekretariat").get(f"/api/v1/participation/{competition}").get_json()["result"]
    by_code = {r["code"]: r for r in rows}
    assert by_code["T-OPD-A"]["counts"]["submitted"] == 1 and by_code["T-OPD-A"]["missing"] is False
    assert by_code["T-OPD-B"]["missing"] is True and by_code["T-OPD-A"]["sakip_grade"] == "A"
    kec = api("sekretariat").get(f"/api/v1/participation/{competition}?kind=kecamatan").get_json()["result"]
    assert {r["kind"] for r in kec} == {"kecamatan"}
    # An OPD sees only its own line, on the API and the export.
    own = api("opd_b").get(f"/api/v1/participation/{competition}").get_json()["result"]
    assert [r["code"] for r in own] == ["T-OPD-B"]
    client.post("/login/", data={"username": "sekretariat", "password": PASSWORD})
    html = client.get(f"/participation/{competition}/").get_data(as_text=True)
    assert 'data-unit="T-OPD-B" data-missing="1"' in html
    r = client.get(f"/participation/{competition}/export.xlsx")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(r.data)).active
    codes = [row[0] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert "T-OPD-A" in codes and "T-OPD-B" in codes
    client.get("/logout/")
    client.post("/login/", data={"username": "opd_a", "password": PASSWORD})
    sheet = load_workbook(io.BytesIO(client.get(f"/participation/{competition}/export.xlsx").data)).active
    assert [row[0] for row in sheet.iter_rows(min_row=3, values_only=True)] == ["T-OPD-A"]
    assert api("opd_a").get("/api/v1/participation/999999").status_code == 404


def test_form_keeps_typed_text_when_validation_fails(client, competition):
    client.post("/login/", data={"username": "opd_a", "password": PASSWORD})
    data = {"competition": str(competition), "title": "Inovasi Panjang", "summary": "kata " * 250,
            "background": "Latar belakang yang saya ketik dengan susah payah", "video_url": "bukan-url"}
    r = client.post("/innovationview/add", data=data)
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "Latar belakang yang saya ketik dengan susah payah" in html and "bukan-url" in html
    assert "250" in html  # the word-limit message names the count


def test_word_limits_and_checklist_are_configurable_per_competition(app, client, api, competition):
    sek = api("sekretariat")
    r = sek.put(f"/api/v1/competition/{competition}", json={"word_limits": {"summary": 5},
                                                           "verification_checklist": ["Surat pernyataan kepala OPD"]})
    assert r.status_code == 200, r.get_json()
    body = complete_body(competition)
    body["summary"] = "satu dua tiga empat lima enam"
    r = api("opd_a").post("/api/v1/innovation/", json=body)
    assert r.status_code == 422 and "summary" in r.get_json()["message"]
    for bad in ({"word_limits": {"summary": 0}}, {"word_limits": {"nope": 10}}, {"word_limits": [1]},
                {"verification_checklist": []}, {"verification_checklist": [""]}):
        r = sek.put(f"/api/v1/competition/{competition}", json=bad)
        assert r.status_code == 422 and next(iter(bad)) in r.get_json()["message"], bad
    body["summary"] = "satu dua tiga"
    pk = api("opd_a").post("/api/v1/innovation/", json=body).get_json()["id"]
    api("opd_a").post(f"/api/v1/innovation/{pk}/attachments", data={"file": (io.BytesIO(blank_pdf()), "sk.pdf")},
                      content_type="multipart/form-data", json=None)
    browser = app.test_client()
    browser.post("/login/", data={"username": "sekretariat", "password": PASSWORD})
    with app.app_context():
        db.session.get(Innovation, pk).state = "submitted"
        db.session.commit()
    page = browser.get(f"/innovationview/show/{pk}").get_data(as_text=True)
    assert "Surat pernyataan kepala OPD" in page and "SK tim inovasi terlampir" not in page


def test_edit_screen_only_for_own_drafts(app, api, competition):
    pk = ready_draft(api, competition)
    other = ready_draft(api, competition, user="opd_b", title="IREBON")
    browser = app.test_client()
    browser.post("/login/", data={"username": "opd_a", "password": PASSWORD})
    assert browser.get(f"/innovationview/edit/{pk}").status_code == 200
    assert browser.get(f"/innovationview/edit/{other}").status_code == 404
    api("opd_a").post(f"/api/v1/innovation/{pk}/transitions/submit", json={})
    r = browser.get(f"/innovationview/edit/{pk}")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/innovationview/show/{pk}")
    r = browser.post(f"/innovationview/edit/{pk}", data={"title": "Diubah diam-diam"})
    assert r.status_code == 302
    with app.app_context():
        assert db.session.get(Innovation, pk).title == "SIPRAJA"
    assert browser.post(f"/innovationview/delete/{pk}").status_code in (302, 405)
    with app.app_context():
        assert db.session.get(Innovation, pk) is not None


def test_participation_export_keeps_unit_names_as_text(app, api, competition):
    from app.models import Unit

    with app.app_context():
        db.session.add(Unit(code="T-FORMULA", name='=HYPERLINK("http://evil.test","klik")', kind="lainnya"))
        db.session.commit()
    try:
        client = app.test_client()
        client.post("/login/", data={"username": "sekretariat", "password": PASSWORD})
        sheet = load_workbook(io.BytesIO(client.get(f"/participation/{competition}/export.xlsx").data)).active
        cells = [row for row in sheet.iter_rows(min_row=3) if row[0].value == "T-FORMULA"][0]
        assert cells[1].data_type == "s" and cells[1].value.startswith("=HYPERLINK")
    finally:
        with app.app_context():
            db.session.query(Unit).filter_by(code="T-FORMULA").delete()
            db.session.commit()
