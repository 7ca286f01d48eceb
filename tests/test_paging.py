"""Ranking and participation page on request (DESIGN §4: ``?page=&page_size=``), and still answer every row
without paging arguments; spreadsheets are written in openpyxl's write-only mode (issue 14)."""
from app.extensions import db
from tests.judging_helpers import assign, rounds_of, verified, write_sheet


def _ranked_round(app, competition, hj, count):
    with app.app_context():
        rnd = rounds_of(competition)[0]
        for c in list(rnd.criteria)[1:]:
            db.session.delete(c)
        db.session.commit()
        rid, cid = rnd.id, rnd.criteria[0].id
    ids = verified(app, competition, ["T-OPD-A", "T-OPD-B", "T-KEC-C"] * (count // 3))
    for n, inn in enumerate(ids):
        aid = assign(app, rid, inn, hj[0])
        with app.app_context():
            write_sheet(db.session, aid, {cid: 10 + n}, final=True)
            db.session.commit()
    return rid, ids


def test_the_ranking_pages_on_request_and_lists_everything_without(app, api, competition):
    from tests.judging_helpers import ensure_jurors

    hj = ensure_jurors(app, [("pg_juri_a", None)])
    rid, ids = _ranked_round(app, competition, hj, 9)
    client = api("sekretariat")
    everything = client.get(f"/api/v1/round/{rid}/ranking").get_json()
    assert everything["count"] == len(everything["result"]) == 9
    pages = [client.get(f"/api/v1/round/{rid}/ranking?page={p}&page_size=4").get_json() for p in range(3)]
    assert [len(p["result"]) for p in pages] == [4, 4, 1]
    assert all(p["count"] == 9 and p["page_size"] == 4 for p in pages)
    assert [row for p in pages for row in p["result"]] == everything["result"]  # the same order, page by page
    default = client.get(f"/api/v1/round/{rid}/ranking?page=0").get_json()
    assert default["page_size"] == 100 and default["result"] == everything["result"]
    for bad in ("page=-1", "page_size=0", "page_size=5000", "page=x"):
        r = client.get(f"/api/v1/round/{rid}/ranking?{bad}")
        assert r.status_code == 400 and r.get_json()["message"], bad


def test_participation_pages_on_request_and_lists_every_unit_without(app, api, competition):
    client = api("sekretariat")
    everything = client.get(f"/api/v1/participation/{competition}").get_json()
    n = len(everything["result"])
    assert n >= 3 and everything["count"] == n and "summary" in everything
    first = client.get(f"/api/v1/participation/{competition}?page=0&page_size=2").get_json()
    second = client.get(f"/api/v1/participation/{competition}?page=1&page_size=2").get_json()
    assert first["count"] == second["count"] == n
    assert len(first["result"]) == 2 and len(second["result"]) == min(2, n - 2)
    assert not {r["unit_id"] for r in first["result"]} & {r["unit_id"] for r in second["result"]}
    assert client.get(f"/api/v1/participation/{competition}?page_size=abc").status_code == 400
    own = api("opd_a").get(f"/api/v1/participation/{competition}?page=0&page_size=50").get_json()
    assert own["count"] == len(own["result"]) == 1  # the OPD's own unit only, paged or not


def test_spreadsheets_are_written_in_write_only_mode(app, api, competition, monkeypatch):
    """Every workbook the exports build is a write-only (streaming) one."""
    import openpyxl

    from tests.judging_helpers import ensure_jurors

    built = []
    real = openpyxl.Workbook

    class Recording(real):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            built.append(self.write_only)

    monkeypatch.setattr(openpyxl, "Workbook", Recording)
    hj = ensure_jurors(app, [("pg_juri_b", None)])
    rid, _ids = _ranked_round(app, competition, hj, 3)
    client = api("sekretariat")
    r = client.get(f"/api/v1/round/{rid}/ranking/export")
    assert r.status_code == 200 and r.data[:2] == b"PK"
    from tests.conftest import PASSWORD

    web = app.test_client()
    web.post("/login/", data={"username": "sekretariat", "password": PASSWORD})
    r = web.get(f"/participation/{competition}/export.xlsx")
    assert r.status_code == 200 and r.data[:2] == b"PK"
    assert built == [True, True], built


def test_the_participation_and_progress_screens_are_paged(app, api, competition, monkeypatch):
    """100 rows a page (made 2 here): the first page shows the first rows and a link to the next."""
    from app.views import paging
    from tests.conftest import PASSWORD
    from tests.judging_helpers import ensure_jurors

    monkeypatch.setattr(paging, "SCREEN_PAGE_SIZE", 2)
    monkeypatch.setattr("app.views.judging.SCREEN_PAGE_SIZE", 2)
    monkeypatch.setattr("app.views.participation.SCREEN_PAGE_SIZE", 2)
    hj = ensure_jurors(app, [("pg_juri_c", None), ("pg_juri_f", None), ("pg_juri_g", None)])
    rid, ids = _ranked_round(app, competition, hj, 3)
    for juror in hj[1:]:
        assign(app, rid, ids[0], juror)
    web = app.test_client()
    web.post("/login/", data={"username": "sekretariat", "password": PASSWORD})
    first = web.get(f"/participation/{competition}/").get_data(as_text=True)
    last = web.get(f"/participation/{competition}/?page=1").get_data(as_text=True)
    assert first.count("data-unit=") == 2 and last.count("data-unit=") >= 1
    assert 'rel="next"' in first and 'rel="next"' not in last and 'rel="prev"' in last
    first = web.get(f"/judging/progress/{rid}").get_data(as_text=True)
    last = web.get(f"/judging/progress/{rid}?page=1").get_data(as_text=True)
    assert first.count("data-juror=") == 2 and last.count("data-juror=") == 1
    assert 'rel="next"' in first and 'rel="prev"' in last


def test_progress_pages_jurors_on_request_with_totals_over_all(app, api, competition):
    from tests.judging_helpers import ensure_jurors

    hj = ensure_jurors(app, [("pg_juri_d", None), ("pg_juri_e", None)])
    rid, ids = _ranked_round(app, competition, hj, 3)
    with app.app_context():
        assign(app, rid, ids[0], hj[1])
    client = api("sekretariat")
    whole = client.get(f"/api/v1/round/{rid}/progress").get_json()
    assert len(whole["jurors"]) == 2 and "juror_count" not in whole
    pages = [client.get(f"/api/v1/round/{rid}/progress?page={p}&page_size=1").get_json() for p in (0, 1)]
    assert [len(p["jurors"]) for p in pages] == [1, 1]
    assert [p["jurors"][0] for p in pages] == whole["jurors"]
    assert all(p["juror_count"] == 2 and p["totals"] == whole["totals"] for p in pages)
    assert client.get(f"/api/v1/round/{rid}/progress?page_size=0").status_code == 400
