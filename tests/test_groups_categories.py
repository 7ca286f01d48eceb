"""Groups and categories, ranking per group × category, pass mark and category quotas (issue 12 items 1–2,
DESIGN §11): the competition's and the innovation's fields on the API and the screens, the ranking (API,
screen, XLSX), closing a round (API and screen door), awards and the decree annex per group × category."""
import io
import re

import pytest
from openpyxl import load_workbook

from app.extensions import db
from app.models import Award, Competition, Innovation, Round
from tests.conftest import PASSWORD, future
from tests.judging_helpers import assign, criteria, ensure_jurors, rounds_of, unit_id, write_sheet

CATEGORIES = ["Pelayanan Publik", "Tata Kelola"]


def screen(app, username="sekretariat"):
    client = app.test_client()
    r = client.post("/login/", data={"username": username, "password": PASSWORD})
    assert r.status_code == 302
    return client


def flashes(client):
    with client.session_transaction() as session:
        return [(category, str(message)) for category, message in session.pop("_flashes", [])]


@pytest.fixture(scope="module")
def gj(app):
    return ensure_jurors(app, [("gj1", None)])


@pytest.fixture
def kipp(api):
    """A competition with two groups and two thematic categories."""
    r = api("sekretariat").post("/api/v1/competition/", json={
        "name": "KIPP Uji", "year": 2026, "submission_deadline": future(),
        "groups": ["umum", "replikasi"], "categories": CATEGORIES})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def _entries(app, competition_id, specs):
    """Verified innovations ``[(title, unit code, group, category)]``; returns their ids."""
    with app.app_context():
        ids = []
        for title, code, group, category in specs:
            inn = Innovation(competition_id=competition_id, unit_id=unit_id(code), title=title, state="verified",
                             version=1, group=group, category=category)
            db.session.add(inn)
            db.session.flush()
            ids.append(inn.id)
        db.session.commit()
        return ids


def _score(app, round_id, inn, juror, value):
    aid = assign(app, round_id, inn, juror)
    with app.app_context():
        write_sheet(db.session, aid, {c.id: value for c in criteria(round_id)})
        db.session.commit()


@pytest.fixture
def ranked(app, kipp, gj):
    """Round 1 of ``kipp`` with six scored entries over three group × category buckets."""
    specs = [("U-PP 1", "T-OPD-A", "umum", "Pelayanan Publik"), ("U-PP 2", "T-OPD-B", "umum", "Pelayanan Publik"),
             ("U-PP 3", "T-KEC-C", "umum", "Pelayanan Publik"), ("U-TK 1", "T-OPD-A", "umum", "Tata Kelola"),
             ("R-PP 1", "T-OPD-B", "replikasi", "Pelayanan Publik"),
             ("R-PP 2", "T-KEC-C", "replikasi", "Pelayanan Publik")]
    ids = _entries(app, kipp, specs)
    with app.app_context():
        r1, r2, r3 = [r.id for r in rounds_of(kipp)]
    scores = [90, 70, 86, 60, 88, 84]
    for inn, value in zip(ids, scores):
        _score(app, r1, inn, gj[0], value)
    return {"competition": kipp, "rounds": (r1, r2, r3), "ids": dict(zip([s[0] for s in specs], ids))}


# -- the competition's and the innovation's fields ------------------------------------------------------------

def test_plain_competition_defaults_and_validation(app, api, competition):
    sek = api("sekretariat")
    body = sek.get(f"/api/v1/competition/{competition}").get_json()["result"]
    assert body["groups"] == ["umum"] and body["categories"] == []
    for bad in (["umum", "nasional"], [], ["umum", "umum"], "umum"):
        r = sek.put(f"/api/v1/competition/{competition}", json={"groups": bad})
        assert r.status_code == 422 and "groups" in r.get_json()["message"], (bad, r.get_json())
    r = sek.put(f"/api/v1/competition/{competition}", json={"groups": None})
    assert r.status_code == 422, r.get_json()
    for bad in ([""], ["A", "a"], ["x" * 65], [1]):
        r = sek.put(f"/api/v1/competition/{competition}", json={"categories": bad})
        assert r.status_code == 422 and "categories" in r.get_json()["message"], (bad, r.get_json())
    # a plain competition's innovation: group umum, no category; a category is refused
    opd = api("opd_a")
    r = opd.post("/api/v1/innovation/", json={"competition_id": competition, "title": "Biasa"})
    assert r.status_code == 201, r.get_json()
    got = opd.get(f"/api/v1/innovation/{r.get_json()['id']}").get_json()["result"]
    assert (got["group"], got["category"]) == ("umum", None)
    r = opd.post("/api/v1/innovation/", json={"competition_id": competition, "title": "Salah",
                                              "category": "Pelayanan Publik"})
    assert r.status_code == 422 and "category" in str(r.get_json()["message"])
    r = opd.post("/api/v1/innovation/", json={"competition_id": competition, "title": "Salah",
                                              "group": "replikasi"})
    assert r.status_code == 422 and "group" in str(r.get_json()["message"])


def test_innovation_group_and_category_on_the_api(app, api, kipp):
    opd = api("opd_a")
    r = opd.post("/api/v1/innovation/", json={"competition_id": kipp, "title": "Tanpa kategori"})
    assert r.status_code == 422 and "category" in str(r.get_json()["message"])
    r = opd.post("/api/v1/innovation/", json={"competition_id": kipp, "title": "Baru", "category": "Tata Kelola"})
    assert r.status_code == 201, r.get_json()
    pk = r.get_json()["id"]
    got = opd.get(f"/api/v1/innovation/{pk}").get_json()["result"]
    assert (got["group"], got["category"]) == ("umum", "Tata Kelola")  # the first group by default
    for bad in ({"category": "Lain"}, {"group": "khusus"}, {"group": "nasional"}, {"group": None}):
        r = opd.put(f"/api/v1/innovation/{pk}", json=bad)
        assert r.status_code == 422, (bad, r.get_json())
    r = opd.put(f"/api/v1/innovation/{pk}", json={"group": "replikasi", "category": "Pelayanan Publik"})
    assert r.status_code == 200, r.get_json()
    # filterable
    q = "(filters:!((col:group,opr:eq,value:replikasi)))"
    assert [x["id"] for x in opd.get(f"/api/v1/innovation/?q={q}").get_json()["result"]] == [pk]
    q = "(filters:!((col:group,opr:eq,value:umum)))"
    assert opd.get(f"/api/v1/innovation/?q={q}").get_json()["result"] == []
    # only while draft
    with app.app_context():
        db.session.get(Innovation, pk).state = "submitted"
        db.session.commit()
    assert opd.put(f"/api/v1/innovation/{pk}", json={"group": "umum"}).status_code == 409


def test_competition_and_innovation_screens(app, kipp):
    page = screen(app)
    r = page.post("/competitionview/add", data={
        "name": "KIPP Layar", "year": "2031", "submission_deadline": "2031-07-31T23:59",
        "min_implementation_years": "2", "max_attachment_mb": "5", "groups": ["replikasi", "umum"],
        "categories": "Kesehatan\n\n  Pendidikan  \n"})
    assert r.status_code == 302
    with app.app_context():
        comp = db.session.query(Competition).filter_by(name="KIPP Layar").one()
        assert comp.groups == ["umum", "replikasi"] and comp.categories == ["Kesehatan", "Pendidikan"]
        pk = comp.id
    form = page.get(f"/competitionview/edit/{pk}").get_data(as_text=True)
    assert "Kesehatan\nPendidikan" in form
    flashes(page)
    page.post("/competitionview/add", data={
        "name": "KIPP Salah", "year": "2031", "submission_deadline": "2031-07-31T23:59",
        "min_implementation_years": "2", "max_attachment_mb": "5", "groups": ["umum"],
        "categories": "Sama\nsama"})
    assert any(category == "danger" for category, _m in flashes(page))
    with app.app_context():
        assert db.session.query(Competition).filter_by(name="KIPP Salah").count() == 0
    show = page.get(f"/competitionview/show/{pk}").get_data(as_text=True)
    assert "Umum, Replikasi" in show and "Kesehatan, Pendidikan" in show
    # the OPD's proposal form: group and category of the chosen competition, checked by the same rule
    opd = screen(app, "opd_a")
    html = opd.get("/innovationview/add").get_data(as_text=True)
    assert 'name="group"' in html and 'name="category"' in html and "Tata Kelola" in html
    flashes(opd)
    opd.post("/innovationview/add", data={"competition": str(kipp), "title": "Lewat layar", "group": "replikasi",
                                          "category": "Bukan kategori"})
    assert any(category == "danger" for category, _m in flashes(opd))
    r = opd.post("/innovationview/add", data={"competition": str(kipp), "title": "Lewat layar",
                                              "group": "replikasi", "category": "Tata Kelola"})
    assert r.status_code == 302
    with app.app_context():
        inn = db.session.query(Innovation).filter_by(title="Lewat layar").one()
        assert (inn.group, inn.category) == ("replikasi", "Tata Kelola")
        ipk = inn.id
    show = opd.get(f"/innovationview/show/{ipk}").get_data(as_text=True)
    assert "Replikasi" in show and "Tata Kelola" in show
    listing = opd.get("/innovationview/list/?_flt_0_group=replikasi").get_data(as_text=True)
    assert "Lewat layar" in listing
    r = opd.post(f"/innovationview/edit/{ipk}", data={"title": "Lewat layar", "group": "umum",
                                                      "category": "Pelayanan Publik"})
    assert r.status_code == 302
    with app.app_context():
        assert (db.session.get(Innovation, ipk).group, db.session.get(Innovation, ipk).category) == (
            "umum", "Pelayanan Publik")


# -- ranking per group × category -----------------------------------------------------------------------------

def test_ranking_per_group_and_category_on_api_screen_and_export(app, api, ranked):
    r1 = ranked["rounds"][0]
    ids = ranked["ids"]
    sek = api("sekretariat")
    rows = sek.get(f"/api/v1/round/{r1}/ranking").get_json()["result"]
    got = [(r["title"], r["group"], r["category"], r["rank"]) for r in rows]
    assert got == [
        ("U-PP 1", "umum", "Pelayanan Publik", 1), ("U-PP 3", "umum", "Pelayanan Publik", 2),
        ("U-PP 2", "umum", "Pelayanan Publik", 3), ("U-TK 1", "umum", "Tata Kelola", 1),
        ("R-PP 1", "replikasi", "Pelayanan Publik", 1), ("R-PP 2", "replikasi", "Pelayanan Publik", 2),
    ]
    assert {"innovation_id", "title", "unit", "category", "score", "rank", "group"} <= set(rows[0])
    # the screen: one table per group × category
    html = screen(app).get(f"/judging/ranking/{r1}").get_data(as_text=True)
    assert 'data-group="replikasi" data-category="Pelayanan Publik"' in html
    assert "Replikasi — Pelayanan Publik" in html and "Umum — Tata Kelola" in html
    assert html.index(f'data-innovation="{ids["U-TK 1"]}"') < html.index(f'data-innovation="{ids["R-PP 1"]}"')
    # the export
    wb = load_workbook(io.BytesIO(sek.get(f"/api/v1/round/{r1}/ranking/export").data))
    sheet = [list(r) for r in wb["Peringkat"].iter_rows(values_only=True)]
    assert sheet[0] == ["Peringkat", "Inovasi", "Unit", "Kategori", "Nilai", "Lembar final", "Kelompok"]
    assert [(r[0], r[1], r[3], r[6]) for r in sheet[1:]] == [
        (1, "U-PP 1", "Pelayanan Publik", "Umum"), (2, "U-PP 3", "Pelayanan Publik", "Umum"),
        (3, "U-PP 2", "Pelayanan Publik", "Umum"), (1, "U-TK 1", "Tata Kelola", "Umum"),
        (1, "R-PP 1", "Pelayanan Publik", "Replikasi"), (2, "R-PP 2", "Pelayanan Publik", "Replikasi")]


# -- pass mark and quotas on close ----------------------------------------------------------------------------

def test_round_pass_mark_and_quota_fields(app, api, ranked):
    sek = api("sekretariat")
    r1 = ranked["rounds"][0]
    for bad in ({"pass_mark": 101}, {"pass_mark": -1}, {"pass_mark": "x"}, {"category_quotas": {"Lain": 1}},
                {"category_quotas": {"Tata Kelola": 0}}, {"category_quotas": ["Tata Kelola"]}):
        r = sek.put(f"/api/v1/round/{r1}", json=bad)
        assert r.status_code == 422, (bad, r.get_json())
    r = sek.put(f"/api/v1/round/{r1}", json={"pass_mark": 0, "category_quotas": {"Tata Kelola": 2}})
    assert r.status_code == 200, r.get_json()
    got = sek.get(f"/api/v1/round/{r1}").get_json()["result"]
    assert (got["pass_mark"], got["category_quotas"]) == (0, {"Tata Kelola": 2})
    # a plain competition's quotas name unit kinds
    with app.app_context():
        plain = Competition(name="Biasa", year=2026, submission_deadline=rounds_of(ranked["competition"])[0]
                            .competition.submission_deadline)
        db.session.add(plain)
        db.session.flush()
        rnd = Round(competition_id=plain.id, name="R", sequence=1)
        db.session.add(rnd)
        db.session.commit()
        plain_round = rnd.id
    assert sek.put(f"/api/v1/round/{plain_round}", json={"category_quotas": {"Tata Kelola": 1}}).status_code == 422
    assert sek.put(f"/api/v1/round/{plain_round}", json={"category_quotas": {"opd": 1}}).status_code == 200


def test_closing_advances_at_or_above_the_pass_mark_within_size_and_quotas_api(app, api, ranked):
    sek = api("sekretariat")
    r1, r2, _r3 = ranked["rounds"]
    ids = ranked["ids"]
    # pass mark 86 (an exact 86 passes), 2 per group × category, Pelayanan Publik capped at 1
    r = sek.put(f"/api/v1/round/{r1}", json={"pass_mark": 86, "shortlist_size": 2,
                                             "category_quotas": {"Pelayanan Publik": 1}})
    assert r.status_code == 200, r.get_json()
    r = sek.post(f"/api/v1/round/{r1}/close")
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    # umum/PP: U-PP 1 (90) only (quota 1; U-PP 3 86 passes but the quota is full); umum/TK: U-TK 1 (60) fails the
    # mark; replikasi/PP: R-PP 1 (88), R-PP 2 (84) fails the mark anyway
    assert sorted(body["advanced"]) == sorted([ids["U-PP 1"], ids["R-PP 1"]])
    assert sorted(body["scored"]) == sorted([ids["U-PP 2"], ids["U-PP 3"], ids["U-TK 1"], ids["R-PP 2"]])
    with app.app_context():
        assert db.session.get(Innovation, ids["R-PP 1"]).current_round_id == r2
        assert db.session.get(Innovation, ids["U-PP 3"]).state == "scored"
    # closed: the shortlist rule can no longer change
    assert sek.put(f"/api/v1/round/{r1}", json={"pass_mark": 10}).status_code == 409
    # the berita acara lists the ranking per group × category
    from app.services.documents import berita_acara

    with app.app_context():
        ba = berita_acara.context(db.session, db.session.get(Round, r1), app.config)
        assert [heading for heading, _rows in ba["groups"]] == [
            "Umum – Pelayanan Publik", "Umum – Tata Kelola", "Replikasi – Pelayanan Publik"]
    # the announcement records each rank with its group and category
    assert sek.post(f"/api/v1/round/{r1}/announce").status_code == 201
    r = app.test_client().get("/pengumuman/", headers={"Accept": "application/json"})
    entries = r.get_json()["result"][0]["innovations"]
    # (the shortlist closing took: at or above the pass mark, within size and quota)
    assert [(e["title"], e["group"], e["category"], e["rank"]) for e in entries] == [
        ("U-PP 1", "umum", "Pelayanan Publik", 1), ("R-PP 1", "replikasi", "Pelayanan Publik", 1)]


def test_closing_with_pass_mark_and_quotas_through_the_screens(app, ranked):
    page = screen(app)
    r1, r2, _r3 = ranked["rounds"]
    ids = ranked["ids"]
    with app.app_context():
        rnd = db.session.get(Round, r1)
        form = {"sequence": str(rnd.sequence), "name": rnd.name, "weight": str(rnd.weight), "shortlist_size": "1"}
    flashes(page)
    r = page.post(f"/roundview/edit/{r1}", data={**form, "pass_mark": "101"})
    assert r.status_code == 302 and any(c == "danger" for c, _m in flashes(page))
    page.post(f"/roundview/edit/{r1}", data={**form, "pass_mark": "85", "category_quotas": "Tata Kelola = x"})
    assert any(c == "danger" for c, _m in flashes(page))
    r = page.post(f"/roundview/edit/{r1}", data={**form, "pass_mark": "85",
                                                 "category_quotas": "Pelayanan Publik = 2\n"})
    assert r.status_code == 302 and not any(c == "danger" for c, _m in flashes(page))
    with app.app_context():
        stored = db.session.get(Round, r1)
        assert (stored.pass_mark, stored.category_quotas, stored.shortlist_size) == (
            85.0, {"Pelayanan Publik": 2}, 1)
    edit = page.get(f"/roundview/edit/{r1}").get_data(as_text=True)
    assert "Pelayanan Publik = 2" in edit
    # the ranking screen marks who the rule takes
    html = page.get(f"/judging/ranking/{r1}").get_data(as_text=True)
    assert html.count('data-shortlisted="1"') == 3
    r = page.post(f"/judging/close/{r1}")
    assert r.status_code == 302 and not any(c == "danger" for c, _m in flashes(page))
    with app.app_context():
        advanced = {i.id for i in db.session.query(Innovation).filter(Innovation.current_round_id == r2)}
    assert advanced == {ids["U-PP 1"], ids["U-PP 3"], ids["R-PP 1"]}  # R-PP 2 (84) is below 85
    assert ids["U-TK 1"] not in advanced


def test_shortlist_rule_without_pass_mark_or_quotas_is_the_old_one():
    from app.services.balancing import shortlist

    rows = [{"innovation_id": i, "bucket": ("umum", c), "category": c, "score": s, "rank": r}
            for i, c, s, r in [(1, "opd", 90, 1), (2, "opd", 80, 2), (3, "opd", 70, 3), (4, "smp", 10, 1)]]
    assert shortlist(rows) == [1, 2, 3, 4]
    assert shortlist(rows, 2) == [1, 2, 4]
    assert shortlist(rows, 2, 75) == [1, 2]
    assert shortlist(rows, 2, None, {"opd": 1}) == [1, 4]
    assert shortlist(rows, None, 80.0) == [1, 2]


# -- awards and the decree annex per group × category ---------------------------------------------------------

def test_awards_and_decree_annex_per_group_and_category(app, api, ranked):
    from app.services.documents import content

    sek = api("sekretariat")
    r1, r2, r3 = ranked["rounds"]
    ids = ranked["ids"]
    for rnd in (r1, r2):
        with app.app_context():
            db.session.get(Round, rnd).closed_at = db.func.now()
            db.session.commit()
    with app.app_context():
        db.session.query(Innovation).filter(Innovation.id.in_(list(ids.values()))).update(
            {"state": "scored"}, synchronize_session=False)
        db.session.commit()
    # the award form pre-fills the rank of the right ranking: R-PP 2 is 2nd of replikasi × Pelayanan Publik
    from app.services import awards

    with app.app_context():
        assert awards.suggested_rank(db.session, db.session.get(Innovation, ids["R-PP 2"])) == 2
        assert awards.suggested_rank(db.session, db.session.get(Innovation, ids["U-TK 1"])) == 1
    page = screen(app)
    # the proposal's own award form too
    show = page.get(f"/innovationview/show/{ids['R-PP 2']}").get_data(as_text=True)
    assert re.search(r'id="wf-award-rank"[^>]*value="2"', show), show[show.find("wf-award-rank") - 200:][:600]
    html = page.get(f"/judging/ranking/{r3}?combined=1").get_data(as_text=True)
    assert 'class="form-inline award-top" data-group="replikasi" data-category="Pelayanan Publik"' in html
    r = page.post(f"/judging/award_top/{r3}", data={"group": "replikasi", "category": "Pelayanan Publik",
                                                     "top": "2"})
    assert r.status_code == 302
    r = sek.post(f"/api/v1/innovation/{ids['U-PP 1']}/transitions/award", json={"data": {"title": "Juara I"}})
    assert r.status_code == 200, r.get_json()
    with app.app_context():
        got = {a.innovation_id: (a.title, a.rank, a.group, a.category) for a in db.session.query(Award)}
        assert got == {ids["R-PP 1"]: ("Juara I", 1, "replikasi", "Pelayanan Publik"),
                       ids["R-PP 2"]: ("Juara II", 2, "replikasi", "Pelayanan Publik"),
                       ids["U-PP 1"]: ("Juara I", 1, "umum", "Pelayanan Publik")}
        rows = content.competition_awards(db.session, ranked["competition"])
        annex = content.award_rows(rows)
        assert [(row[1], row[3]) for row in annex] == [
            ("U-PP 1", "Umum – Pelayanan Publik"), ("R-PP 1", "Replikasi – Pelayanan Publik"),
            ("R-PP 2", "Replikasi – Pelayanan Publik")]
    listing = sek.get("/api/v1/award/").get_json()["result"]
    assert {(a["group"], a["category"]) for a in listing} == {("replikasi", "Pelayanan Publik"),
                                                              ("umum", "Pelayanan Publik")}
    html = page.get("/awardview/list/").get_data(as_text=True)
    assert "Replikasi" in html and "Pelayanan Publik" in html


# -- the same in a real browser ---------------------------------------------------------------------------

@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    from tests.conftest import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.mark.browser
def test_browser_pass_mark_quota_ranking_and_close(app, ranked, live_server, browser):
    """The Sekretariat sets a pass mark and a quota on the round screen, reads the ranking per group × category
    with the shortlist marked, and closes the round (confirming the dialog) in Chromium."""
    from tests.browser_helpers import sign_in

    r1, r2, _r3 = ranked["rounds"]
    ids = ranked["ids"]
    page = browser.new_page()
    page.set_default_timeout(15000)
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, live_server, "sekretariat")
    page.goto(f"{live_server}/roundview/edit/{r1}")
    page.fill("input[name=shortlist_size]", "1")
    page.fill("input[name=pass_mark]", "85")
    page.fill("textarea[name=category_quotas]", "Pelayanan Publik = 2")
    page.click("form [type=submit]")
    page.wait_for_load_state()
    with app.app_context():
        stored = db.session.get(Round, r1)
        assert (stored.pass_mark, stored.category_quotas) == (85.0, {"Pelayanan Publik": 2})
    page.goto(f"{live_server}/judging/ranking/{r1}")
    headings = page.locator("h3.ranking-bucket").all_text_contents()
    assert [h.strip() for h in headings] == ["Umum — Pelayanan Publik", "Umum — Tata Kelola",
                                             "Replikasi — Pelayanan Publik"]
    shortlisted = page.eval_on_selector_all("tr[data-shortlisted]", "els => els.map(e => +e.dataset.innovation)")
    assert sorted(shortlisted) == sorted([ids["U-PP 1"], ids["U-PP 3"], ids["R-PP 1"]])
    assert page.locator('table.ranking[data-group="replikasi"] tr[data-innovation]').count() == 2
    page.goto(f"{live_server}/judging/progress/{r1}")
    page.click("form.close-form [type=submit]")
    page.wait_for_selector(".alert-success")
    with app.app_context():
        advanced = {i.id for i in db.session.query(Innovation).filter(Innovation.current_round_id == r2)}
        assert advanced == set(shortlisted)
        assert db.session.get(Round, r1).closed_at is not None
