"""GET /catalogue/ and /catalogue/<id> (DESIGN §2 anonymous, §4): the public catalogue of awarded innovations.

Anonymous, HTML or JSON; only state "awarded" ever appears (list and detail); never scores, jurors, comments,
users, e-mails, attachments or prizes; user text escaped; filters by year and unit kind; 20 per page."""
import datetime
import json
from decimal import Decimal

import pytest

from app.commands import users as user_commands
from app.extensions import db
from app.models import Assignment, Attachment, Award, Competition, Criterion, Innovation, Round, User
from tests.conftest import PASSWORD
from tests.documents_helpers import close_rounds, docs, draft_decree, sign  # noqa: F401  (docs: the fixture)
from tests.judging_helpers import rounds_of, unit_id, user_id, write_sheet

JSON = {"Accept": "application/json"}
SECRET_JUROR = ("cat_juror", "Bambang Penilairahasia", "bambang.penilai@rahasia.example")
SECRET_COMMENT = "KOMENTAR-JURI-TIDAK-BOLEH-TAMPIL"
SECRET_RECUSAL = "ALASAN-MUNDUR-RAHASIA"
SECRET_FILE = "lampiran-sk-rahasia.pdf"
SECRET_SCORE = 87.6543
SECRET_PRIZE = Decimal("12345678.00")
SECTIONS = ("summary", "novelty", "implementation", "adaptability", "sustainability")


@pytest.fixture(scope="module")
def juror(app):
    username, name, email = SECRET_JUROR
    with app.app_context():
        user = db.session.query(User).filter_by(username=username).one_or_none()
        if user is None:
            user = user_commands.add_user(db.session, username=username, password=PASSWORD, role="Juri", name=name,
                                  email=email)
        return user.id


def make_competition(name, year):
    comp = Competition(name=name, year=year, submission_deadline=datetime.datetime(year, 7, 31))
    db.session.add(comp)
    db.session.flush()
    return comp


def make_innovation(comp, unit_code, title, state, **fields):
    inn = Innovation(competition_id=comp.id, unit_id=unit_id(unit_code), title=title, state=state, version=1,
                     created_by_id=user_id("opd_a"), **fields)
    db.session.add(inn)
    db.session.flush()
    return inn


def full_sections(tag):
    return {**{s: f"{s.title()} of {tag}" for s in SECTIONS}, "background": f"Background of {tag}",
            "significance": f"Significance of {tag}", "resources": f"Resources of {tag}",
            "started_on": datetime.date(2021, 3, 5), "video_url": f"https://video.example/{tag}",
            "sdg_goals": [3, 16]}


def award(inn, title, rank=None):
    db.session.add(Award(innovation_id=inn.id, title=title, rank=rank, category="opd", score=SECRET_SCORE,
                         prize_amount=SECRET_PRIZE))


def publish(comp):
    """A signed decree of ``comp`` listing every award of the competition (what signing records: the decree's
    issued document with its manifest): only then do the awards appear in the catalogue (DESIGN §4)."""
    from app.models import Decree, DecreeAward, IssuedDocument

    award_ids = [a for (a,) in db.session.query(Award.id).join(Innovation, Innovation.id == Award.innovation_id)
                 .filter(Innovation.competition_id == comp.id)]
    decree = Decree(competition_id=comp.id, number=f"188/{comp.id}/T/{comp.year}", state="signed", version=2,
                    signed_at=datetime.datetime(comp.year, 11, 20))
    db.session.add(decree)
    db.session.flush()
    db.session.add(IssuedDocument(kind="decree", decree_id=decree.id, code=f"code-{decree.id}",
                                  number=decree.number, stored_name=f"decree-{decree.id}.pdf", sha256="0" * 64,
                                  state="valid", note=json.dumps({"award_ids": award_ids, "unit_award_ids": []})))
    db.session.add_all([DecreeAward(decree_id=decree.id, award_id=a) for a in award_ids])
    db.session.flush()
    return decree


@pytest.fixture
def catalogue_data(app, juror):
    """Two competitions (2024, 2025); awarded entries of OPD and kecamatan units; every other state too, each
    with jurors' sheets, a comment, a recusal, an attachment and a creator."""
    with app.app_context():
        old = make_competition("Kompetisi Lama", 2024)
        new = make_competition("Kompetisi Baru", 2025)
        r = Round(competition_id=new.id, name="Tahap 1", sequence=1, weight=1.0)
        db.session.add(r)
        db.session.flush()
        crit = Criterion(round_id=r.id, name="Kebaruan", weight=1.0, max_score=100, sequence=1)
        db.session.add(crit)
        db.session.flush()

        a_old = make_innovation(old, "T-OPD-A", "Inovasi Lama OPD", "awarded", **full_sections("old"))
        award(a_old, "Juara I", 1)
        a_new1 = make_innovation(new, "T-OPD-B", "Inovasi Baru Juara Dua", "awarded", **full_sections("new1"))
        award(a_new1, "Juara II", 2)
        a_new2 = make_innovation(new, "T-KEC-C", "Inovasi Baru Kecamatan", "awarded", **full_sections("new2"))
        award(a_new2, "Juara I", 1)
        hidden = {state: make_innovation(new, "T-OPD-A", f"Tersembunyi {state}", state, **full_sections(state))
                  for state in ("draft", "submitted", "verified", "scored", "rejected", "withdrawn")}
        for inn in (a_new1, a_new2, *hidden.values()):
            sheet_a = Assignment(round_id=r.id, innovation_id=inn.id, juror_id=juror)
            recused = Assignment(round_id=r.id, innovation_id=inn.id, juror_id=user_id("juri1"), status="recused",
                                 recusal_reason=SECRET_RECUSAL)
            db.session.add_all([sheet_a, recused])
            db.session.flush()
            write_sheet(db.session, sheet_a.id, {crit.id: SECRET_SCORE}, comment=SECRET_COMMENT)
            db.session.add(Attachment(innovation_id=inn.id, original_name=SECRET_FILE, stored_name=f"s{inn.id}.pdf",
                                      size_bytes=10, sha256="0" * 64, uploaded_by_id=user_id("opd_a")))
        publish(old)
        publish(new)
        db.session.commit()
        return {"old": a_old.id, "new1": a_new1.id, "new2": a_new2.id, "old_comp": old.id, "new_comp": new.id,
                "hidden": {s: i.id for s, i in hidden.items()}}


def _json(client, url):
    r = client.get(url, headers=JSON)
    assert r.mimetype == "application/json", r.get_data(as_text=True)[:300]
    return r.status_code, r.get_json()


def test_anonymous_sees_awarded_innovations_newest_first(client, catalogue_data):
    d = catalogue_data
    status, body = _json(client, "/catalogue/")
    assert status == 200
    assert [e["innovation_id"] for e in body["result"]] == [d["new2"], d["new1"], d["old"]]  # 2025 (Juara I
    # before Juara II), then 2024
    assert body["count"] == 3 and body["page"] == 1 and body["pages"] == 1 and body["page_size"] == 20
    entry = body["result"][1]
    assert entry == {
        "innovation_id": d["new1"], "title": "Inovasi Baru Juara Dua", "unit": "Dinas Uji B", "unit_kind": "opd",
        "category": "OPD", "competition_id": d["new_comp"], "competition": "Kompetisi Baru", "year": 2025,
        "award": "Juara II", "summary": "Summary of new1", "novelty": "Novelty of new1",
        "implementation": "Implementation of new1", "adaptability": "Adaptability of new1",
        "sustainability": "Sustainability of new1", "started_on": "2021-03-05",
        "video_url": "https://video.example/new1", "sdg_goals": [3, 16],
        # registry (issue 12): none recorded for this one
        "replications": [], "office_contact": None, "sustainability_status": None,
    }
    r = client.get("/catalogue/")
    assert r.status_code == 200 and r.mimetype == "text/html"
    html = r.get_data(as_text=True)
    for title in ("Inovasi Lama OPD", "Inovasi Baru Juara Dua", "Inovasi Baru Kecamatan", "Juara II",
                  "Kompetisi Baru", "Dinas Uji B", "Kecamatan Uji C", "Summary of new2"):
        assert title in html
    assert html.index("Inovasi Baru Kecamatan") < html.index("Inovasi Baru Juara Dua") < html.index("Inovasi Lama")


def test_other_states_never_appear(client, catalogue_data):
    d = catalogue_data
    html = client.get("/catalogue/").get_data(as_text=True)
    _status, body = _json(client, "/catalogue/")
    listed = {e["innovation_id"] for e in body["result"]}
    for state, pk in d["hidden"].items():
        assert pk not in listed
        assert f"Tersembunyi {state}" not in html
        assert f"Summary of {state}" not in html
        assert client.get(f"/catalogue/{pk}").status_code == 404
        status, err = _json(client, f"/catalogue/{pk}")
        assert status == 404 and "message" in err and f"Tersembunyi {state}" not in json.dumps(err)
        assert f"Tersembunyi {state}" not in client.get(f"/catalogue/{pk}").get_data(as_text=True)
    for bad in ("999999", "0", "-1", "abc", "99999999999999999999"):
        assert client.get(f"/catalogue/{bad}").status_code == 404
        assert _json(client, f"/catalogue/{bad}")[0] == 404


def test_detail_page_and_json(client, catalogue_data):
    d = catalogue_data
    status, body = _json(client, f"/catalogue/{d['old']}")
    assert status == 200
    entry = body["result"]
    assert entry["title"] == "Inovasi Lama OPD" and entry["award"] == "Juara I" and entry["year"] == 2024
    assert set(entry) == {"innovation_id", "title", "unit", "unit_kind", "category", "competition_id", "competition",
                          "year", "award", *SECTIONS, "started_on", "video_url", "sdg_goals",
                          "replications", "office_contact", "sustainability_status"}  # registry (issue 12)
    html = client.get(f"/catalogue/{d['old']}").get_data(as_text=True)
    for text in ("Inovasi Lama OPD", "Juara I", "Kompetisi Lama", "2024", "Dinas Uji A", *[
            f"{s.title()} of old" for s in SECTIONS], 'href="https://video.example/old"'):
        assert text in html, text
    # only the replication-relevant sections
    assert "Background of old" not in html and "Resources of old" not in html


def test_no_personal_data_nor_scores(client, catalogue_data):
    d = catalogue_data
    pages = [client.get("/catalogue/").get_data(as_text=True), json.dumps(_json(client, "/catalogue/")[1])]
    for key in ("old", "new1", "new2"):
        pages += [client.get(f"/catalogue/{d[key]}").get_data(as_text=True),
                  json.dumps(_json(client, f"/catalogue/{d[key]}")[1])]
    _username, name, email = SECRET_JUROR
    forbidden = [name, "Penilairahasia", email, SECRET_COMMENT, SECRET_RECUSAL, SECRET_FILE, "87.65", "12345678",
                 "12.345.678", "opd_a@example.test", "juri1@example.test", "Opd_A", "cat_juror", "sha256"]
    for page in pages:
        for text in forbidden:
            assert text not in page, text


def test_titles_and_sections_are_escaped(app, client, catalogue_data):
    evil = '<script>alert("xss")</script>'
    with app.app_context():
        inn = db.session.get(Innovation, catalogue_data["new1"])
        inn.title = evil
        inn.summary = f"Ringkasan {evil}"
        inn.novelty = '<img src=x onerror="alert(1)">'
        inn.video_url = "javascript:alert(1)"
        db.session.commit()
    for url in ("/catalogue/", f"/catalogue/{catalogue_data['new1']}"):
        html = client.get(url).get_data(as_text=True)
        assert evil not in html and "<script>alert" not in html
        assert "&lt;script&gt;alert(&#34;xss&#34;)&lt;/script&gt;" in html
        assert "<img src=x" not in html
        assert 'href="javascript:' not in html
    # JSON carries the text as is (it is data, not markup)
    assert _json(client, f"/catalogue/{catalogue_data['new1']}")[1]["result"]["title"] == evil


def test_filters_by_year_and_unit_kind(client, catalogue_data):
    d = catalogue_data

    def ids(query):
        status, body = _json(client, "/catalogue/" + query)
        assert status == 200, body
        return [e["innovation_id"] for e in body["result"]]

    assert ids("?year=2024") == [d["old"]]
    assert ids("?year=2025") == [d["new2"], d["new1"]]
    assert ids("?kind=kecamatan") == [d["new2"]]
    assert ids("?kind=opd") == [d["new1"], d["old"]]
    assert ids("?kind=opd&year=2025") == [d["new1"]]
    assert ids("?year=2023") == [] and ids("?kind=smp") == []
    assert ids("?year=&kind=") == [d["new2"], d["new1"], d["old"]]  # the form's "all" choices
    assert _json(client, "/catalogue/?year=2025")[1]["filters"] == {"year": 2025, "kind": None}
    html = client.get("/catalogue/?kind=kecamatan").get_data(as_text=True)
    assert "Inovasi Baru Kecamatan" in html and "Inovasi Lama OPD" not in html
    assert 'value="kecamatan" selected' in html
    html = client.get("/catalogue/?year=2023").get_data(as_text=True)
    assert 'id="catalogue-empty"' in html


@pytest.mark.parametrize("query", ["?year=abc", "?year=1999", "?year=99999999999999999999", "?kind=dinas",
                                   "?page=0", "?page=-3", "?page=x", "?page=" + "9" * 5000])
def test_bad_arguments_answer_400(client, query):
    status, body = _json(client, "/catalogue/" + query)
    assert status == 400 and body["message"]
    r = client.get("/catalogue/" + query)
    assert r.status_code == 400 and "alert-danger" in r.get_data(as_text=True)


def test_pagination_20_per_page(app, client):
    with app.app_context():
        comp = make_competition("Kompetisi Besar", 2026)
        ids = []
        for n in range(25):
            inn = make_innovation(comp, "T-OPD-A", f"Inovasi Nomor {n:02d}", "awarded")
            award(inn, f"Harapan {n}")  # no rank: registration order
            ids.append(inn.id)
        make_innovation(comp, "T-OPD-A", "Draf Besar", "draft")
        publish(comp)
        db.session.commit()
    _s, first = _json(client, "/catalogue/")
    assert first["count"] == 25 and first["pages"] == 2 and len(first["result"]) == 20
    assert [e["innovation_id"] for e in first["result"]] == ids[:20]
    _s, second = _json(client, "/catalogue/?page=2")
    assert [e["innovation_id"] for e in second["result"]] == ids[20:] and second["page"] == 2
    status, third = _json(client, "/catalogue/?page=3")
    assert status == 200 and third["result"] == [] and third["count"] == 25
    html = client.get("/catalogue/").get_data(as_text=True)
    assert "Inovasi Nomor 19" in html and "Inovasi Nomor 20" not in html
    assert "/catalogue/?page=2" in html
    html = client.get("/catalogue/?page=2").get_data(as_text=True)
    assert "Inovasi Nomor 20" in html and "Inovasi Nomor 24" in html and "/catalogue/?page=1" in html
    assert 'id="catalogue-empty"' in client.get("/catalogue/?page=3").get_data(as_text=True)


def test_empty_catalogue(client):
    status, body = _json(client, "/catalogue/")
    assert status == 200 and body["result"] == [] and body["count"] == 0 and body["pages"] == 1
    html = client.get("/catalogue/").get_data(as_text=True)
    assert 'id="catalogue-empty"' in html


@pytest.mark.usefixtures("docs")
def test_award_appears_in_the_catalogue_only_once_its_decree_is_signed(app, api, client, competition):
    with app.app_context():
        comp = db.session.get(Competition, competition)
        inn = make_innovation(comp, "T-OPD-B", "Dari Transisi", "scored", **full_sections("trans"))
        db.session.commit()
        pk = inn.id
        assert rounds_of(competition)  # the API-made competition has its rounds
    assert _json(client, f"/catalogue/{pk}")[0] == 404
    r = api("sekretariat").post(f"/api/v1/innovation/{pk}/transitions/award",
                                json={"data": {"title": "Juara III", "prize_amount": 5000000}})
    assert r.status_code == 200, r.get_json()
    # Awarded but no decree signed yet: not public (DESIGN §4) — nor while the decree is a draft.
    assert _json(client, f"/catalogue/{pk}")[0] == 404 and _json(client, "/catalogue/")[1]["count"] == 0
    close_rounds(client, competition)
    decree = draft_decree(client, competition)
    assert _json(client, f"/catalogue/{pk}")[0] == 404 and _json(client, "/catalogue/")[1]["count"] == 0
    sign(client, decree)
    status, body = _json(client, f"/catalogue/{pk}")
    assert status == 200 and body["result"]["award"] == "Juara III" and body["result"]["year"] == 2026
    assert "5000000" not in json.dumps(body)
    # A revoked decree lists nothing publicly: the award leaves the catalogue (the award itself stays).
    r = api("penandatangan").post(f"/api/v1/decree/{decree}/transitions/revoke", json={"comment": "Salah nama."})
    assert r.status_code == 200, r.get_json()
    assert _json(client, f"/catalogue/{pk}")[0] == 404 and _json(client, "/catalogue/")[1]["count"] == 0


def test_logged_in_users_see_it_too_and_the_navbar_links_it(client):
    assert "/catalogue/" in client.get("/login/").get_data(as_text=True)  # anonymous navbar
    r = client.post("/login/", data={"username": "juri1", "password": PASSWORD})
    assert r.status_code in (302, 303)
    r = client.get("/catalogue/")
    assert r.status_code == 200 and "/catalogue/" in r.get_data(as_text=True)
    client.get("/logout/")


def test_public_role_gets_only_the_menu_link(app):
    sm = app.appbuilder.sm
    with app.app_context():
        public = sm.find_role(app.config["AUTH_ROLE_PUBLIC"])
        assert {(p.permission.name, p.view_menu.name) for p in public.permissions} == {
            ("menu_access", "Innovation Catalogue"), ("menu_access", "Announcements")}
