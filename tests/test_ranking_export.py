"""GET /api/v1/round/<pk>/ranking/export (DESIGN §4): the ranking as XLSX with per-juror, per-criterion detail.

Sheet "Peringkat": the ranking endpoint's ranks and scores (2 decimals) per category; sheet "Rincian": the
counted sheets (final, active assignment) with each criterion's value, the sheet score and the comment.
Sekretariat/Admin only (the ranking's permission), blind rounds included."""
import io

import pytest
from openpyxl import load_workbook

from app.commands import users as user_commands
from app.extensions import db
from app.models import Round, User
from tests.conftest import PASSWORD
from tests.judging_helpers import assign, rounds_of, verified, write_sheet

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
JURORS = [("xj_budi", "Budi Santoso"), ("xj_sri", "Sri Wahyuni"), ("xj_eko", "Eko Prasetyo")]


@pytest.fixture(scope="module")
def xj(app):
    """Three jurors with real-looking names (created once per test database)."""
    with app.app_context():
        ids = []
        for username, name in JURORS:
            user = db.session.query(User).filter_by(username=username).one_or_none()
            if user is None:
                user = user_commands.add_user(db.session, username=username, password=PASSWORD, role="Juri", name=name,
                                      email=f"{username}@example.test")
            ids.append(user.id)
        return ids


def sheet_score(crit, values):
    return sum(c["weight"] * v / c["max_score"] for c, v in zip(crit, values)) / sum(c["weight"] for c in crit) * 100


@pytest.fixture
def scored_round(app, competition, xj):
    """Round 1 (default rubric, six criteria) with A and B (OPD) and K (kecamatan) scored; plus a draft sheet and a
    recused assignment's sheet that must not count."""
    a, b, k = verified(app, competition, ["T-OPD-A", "T-OPD-B", "T-KEC-C"], title="Layanan")
    with app.app_context():
        rnd = rounds_of(competition)[0]
        crit = [{"id": c.id, "name": c.name, "weight": c.weight, "max_score": c.max_score} for c in rnd.criteria]
        rnd_id = rnd.id
    budi, sri, eko = xj
    sheets = {  # (innovation, juror): values per criterion, final, comment, status
        (a, budi): ([7.75, 80, 90.25, 60, 100, 0], True, "Sangat bermanfaat", "active"),
        (a, sri): ([90, 90, 90, 90, 90, 90], True, "Layak direplikasi", "active"),
        (b, budi): ([70, 70, 70, 70, 70, 70], True, None, "active"),
        (b, eko): ([10, 10, 10, 10, 10, 10], False, "Draf belum final", "active"),
        (k, sri): ([60, 65, 70, 55, 50, 45.5], True, "=HYPERLINK(\"http://evil.example\")", "active"),
        (k, eko): ([100, 100, 100, 100, 100, 100], True, "Mengundurkan diri", "recused"),
    }
    for (inn, juror), (values, final, comment, status) in sheets.items():
        aid = assign(app, rnd_id, inn, juror, status=status)
        with app.app_context():
            write_sheet(db.session, aid, {c["id"]: v for c, v in zip(crit, values)}, final=final, comment=comment)
            db.session.commit()
    return {"round": rnd_id, "crit": crit, "a": a, "b": b, "k": k, "sheets": sheets, "jurors": xj}


def _workbook(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == XLSX
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert ".xlsx" in response.headers["Content-Disposition"]
    return load_workbook(io.BytesIO(response.get_data()))


def _rows(ws):
    return [list(row) for row in ws.iter_rows(values_only=True)]


def test_export_matches_the_ranking_endpoint(app, api, scored_round):
    s = scored_round
    sek = api("sekretariat")
    ranking = sek.get(f"/api/v1/round/{s['round']}/ranking").get_json()["result"]
    wb = _workbook(sek.get(f"/api/v1/round/{s['round']}/ranking/export"))
    assert {"Peringkat", "Rincian"} <= set(wb.sheetnames)
    rows = _rows(wb["Peringkat"])
    assert rows[0] == ["Peringkat", "Inovasi", "Unit", "Kategori", "Nilai", "Lembar final", "Kelompok"]
    crit = s["crit"]
    score_a = (sheet_score(crit, [7.75, 80, 90.25, 60, 100, 0]) + 90) / 2
    assert rows[1:] == [
        [1, "Layanan 1", "Dinas Uji A", "OPD", round(score_a, 2), 2, "Umum"],
        [2, "Layanan 2", "Dinas Uji B", "OPD", 70.0, 1, "Umum"],
        [1, "Layanan 3", "Kecamatan Uji C", "Kecamatan", round(sheet_score(crit, [60, 65, 70, 55, 50, 45.5]), 2), 1,
         "Umum"],
    ]
    # the same ranks and (rounded) scores as the ranking endpoint, in the same order
    assert [(r[0], r[1], r[4]) for r in rows[1:]] == [(x["rank"], x["title"], x["score_display"]) for x in ranking]
    assert wb["Peringkat"].cell(row=2, column=5).number_format == "0.00"


def test_detail_sheet_has_every_counted_sheet_per_juror_and_criterion(app, api, scored_round):
    s = scored_round
    wb = _workbook(api("admin").get(f"/api/v1/round/{s['round']}/ranking/export"))
    rows = _rows(wb["Rincian"])
    names = [c["name"] for c in s["crit"]]
    assert rows[0] == ["Inovasi", "Unit", "Kategori", "Juri", *names, "Nilai lembar", "Komentar"]
    crit = s["crit"]
    expected = [
        ["Layanan 1", "Dinas Uji A", "OPD", "Budi Santoso", 7.75, 80, 90.25, 60, 100, 0,
         round(sheet_score(crit, [7.75, 80, 90.25, 60, 100, 0]), 2), "Sangat bermanfaat"],
        ["Layanan 1", "Dinas Uji A", "OPD", "Sri Wahyuni", 90, 90, 90, 90, 90, 90, 90.0, "Layak direplikasi"],
        ["Layanan 2", "Dinas Uji B", "OPD", "Budi Santoso", 70, 70, 70, 70, 70, 70, 70.0, ""],
        ["Layanan 3", "Kecamatan Uji C", "Kecamatan", "Sri Wahyuni", 60, 65, 70, 55, 50, 45.5,
         round(sheet_score(crit, [60, 65, 70, 55, 50, 45.5]), 2), "=HYPERLINK(\"http://evil.example\")"],
    ]
    assert [[(v or "") if isinstance(v, str) or v is None else v for v in row] for row in rows[1:]] == expected
    # neither the draft sheet nor the recused assignment's sheet is listed
    flat = [str(v) for row in rows for v in row]
    assert "Draf belum final" not in flat and "Mengundurkan diri" not in flat and "Eko Prasetyo" not in flat
    # user text stays text: the comment that looks like a formula is a string cell, not a formula
    comment_cell = wb["Rincian"].cell(row=5, column=len(rows[0]))
    assert comment_cell.data_type == "s"


def test_export_permissions(app, api, scored_round):
    url = f"/api/v1/round/{scored_round['round']}/ranking/export"
    for username in ("juri1", "opd_a", "penandatangan", "xj_budi"):
        r = api(username).get(url)
        assert r.status_code == 403, (username, r.status_code)
        assert r.mimetype == "application/json"
    assert api("sekretariat").get(url).status_code == 200
    assert api("admin").get(url).status_code == 200


def test_export_unknown_round_and_anonymous(app, api, client, competition):
    sek = api("sekretariat")
    assert sek.get("/api/v1/round/999999/ranking/export").status_code == 404
    assert sek.get("/api/v1/round/99999999999999999999/ranking/export").status_code == 404
    assert client.get(f"/api/v1/round/{rounds_of_id(app, competition)}/ranking/export").status_code == 401


def rounds_of_id(app, competition):
    with app.app_context():
        return rounds_of(competition)[0].id


def test_empty_round_exports_headers_only(app, api, competition):
    wb = _workbook(api("sekretariat").get(f"/api/v1/round/{rounds_of_id(app, competition)}/ranking/export"))
    assert len(_rows(wb["Peringkat"])) == 1
    assert len(_rows(wb["Rincian"])) == 1


def test_blind_round_export_allowed_for_the_sekretariat(app, api, scored_round):
    s = scored_round
    with app.app_context():
        db.session.get(Round, s["round"]).blind = True
        db.session.commit()
    url = f"/api/v1/round/{s['round']}/ranking/export"
    wb = _workbook(api("sekretariat").get(url))
    detail = _rows(wb["Rincian"])
    assert len(detail) == 5 and {row[3] for row in detail[1:]} == {"Budi Santoso", "Sri Wahyuni"}
    assert [row[2] for row in _rows(wb["Peringkat"])[1:]] == ["Dinas Uji A", "Dinas Uji B", "Kecamatan Uji C"]
    # a juror of the blind round still gets nothing
    assert api("xj_budi").get(url).status_code == 403


def test_z_score_round_exports_the_normalised_ranking(app, api, scored_round):
    s = scored_round
    with app.app_context():
        db.session.get(Round, s["round"]).normalize_z = True
        db.session.commit()
    sek = api("sekretariat")
    ranking = sek.get(f"/api/v1/round/{s['round']}/ranking").get_json()["result"]
    rows = _rows(_workbook(sek.get(f"/api/v1/round/{s['round']}/ranking/export"))["Peringkat"])
    assert [(r[0], r[1], r[4], r[5]) for r in rows[1:]] == [
        (x["rank"], x["title"], x["score_display"], x["sheets"]) for x in ranking]


def test_control_characters_in_titles_do_not_break_the_export(app, api, scored_round):
    from app.models import Innovation

    with app.app_context():
        db.session.get(Innovation, scored_round["a"]).title = "Layanan\x01 \x0bcepat"
        db.session.commit()
    rows = _rows(_workbook(api("sekretariat").get(
        f"/api/v1/round/{scored_round['round']}/ranking/export"))["Peringkat"])
    assert rows[1][1] == "Layanan cepat"


def test_ranking_screen_links_the_export(app, client, scored_round):
    r = client.post("/login/", data={"username": "sekretariat", "password": PASSWORD})
    assert r.status_code in (302, 303)
    html = client.get(f"/judging/ranking/{scored_round['round']}").get_data(as_text=True)
    url = f"/api/v1/round/{scored_round['round']}/ranking/export"
    assert url in html
    # the browser session (no token) downloads it
    r = client.get(url)
    assert r.status_code == 200 and r.mimetype == XLSX
    client.get("/logout/")


def test_openapi_lists_the_export(api):
    spec = api("sekretariat").get("/api/v1/_openapi").get_json()
    assert "/api/v1/round/{pk}/ranking/export" in spec["paths"]
