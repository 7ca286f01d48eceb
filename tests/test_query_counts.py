"""SQL statements per request stay bounded and constant as the page size and the table grow (issue 14).

Counted with SQLAlchemy ``before_cursor_execute`` events (tests/query_counting.py): deterministic, unlike
timings. Each test measures a page at two table sizes and asserts the same number of statements, at most
``LIMIT`` (the issue's target: ≤ 10 per list or show request, API and HTML), as the Sekretariat and as an OPD user,
on SQLite and PostgreSQL (SIKIPP_TEST_DATABASE=postgresql)."""
import pytest
from sqlalchemy import insert, text

from tests.conftest import PASSWORD, is_postgres
from tests.judging_helpers import rounds_of, unit_id, user_id
from tests.query_counting import count_get, statements

LIMIT = 10


def _login(app, username):
    client = app.test_client()
    assert client.post("/login/", data={"username": username, "password": PASSWORD}).status_code == 302
    return client


@pytest.fixture
def many_units(app):
    """40 more units (a page of 25 rows names 25 different units; the search form must not list them all),
    removed after the test with their innovations."""
    from app.extensions import db
    from app.models import Innovation, Unit

    with app.app_context():
        db.session.execute(insert(Unit), [{"code": f"T-PERF-{n:02d}", "name": f"Unit Perf {n:02d}", "kind": "opd"}
                                          for n in range(40)])
        db.session.commit()
        ids = [i for (i,) in db.session.query(Unit.id).filter(Unit.code.like("T-PERF-%")).order_by(Unit.id)]
    yield ids
    with app.app_context():
        db.session.query(Innovation).filter(Innovation.unit_id.in_(ids)).delete(synchronize_session=False)
        db.session.query(Unit).filter(Unit.id.in_(ids)).delete(synchronize_session=False)
        db.session.commit()


def _add_innovations(app, competition_id, count, start=0, state="submitted", title="Inovasi {i}", units=()):
    """``count`` rows in one Core insert (the path of ``kipp synth``), alternating units A and B (and ``units``:
    every other row goes to the next of them)."""
    from app.extensions import db
    from app.models import Innovation

    with app.app_context():
        base = (unit_id("T-OPD-A"), unit_id("T-OPD-B"))

        def unit_of(i):
            return units[(i // 2) % len(units)] if units and i % 2 else base[(i // 2) % 2 if units else i % 2]

        db.session.execute(insert(Innovation), [
            {"competition_id": competition_id, "unit_id": unit_of(i), "title": title.format(i=i),
             "state": state, "version": 1} for i in range(start, start + count)])
        db.session.commit()
        return db.session.query(Innovation.id).filter_by(unit_id=base[0]).order_by(Innovation.id).first()[0]


def _counts(app, client, urls):
    result = {}
    for url in urls:
        response, seen = count_get(app, client, url)
        assert response.status_code == 200, (url, response.status_code)
        result[url] = len(seen)
    return result


@pytest.mark.parametrize("username", ["sekretariat", "opd_a"])
def test_list_and_show_run_a_bounded_constant_number_of_statements(app, api, competition, username, many_units):
    """The rows of a page belong to up to 25 (100) different units: their names are read with the rows."""
    first = _add_innovations(app, competition, 30, units=many_units)
    urls = ["/innovationview/list/", "/innovationview/list/?psize_InnovationView=100",
            f"/innovationview/show/{first}", "/api/v1/innovation/", "/api/v1/innovation/?q=(page_size:100)",
            f"/api/v1/innovation/{first}", "/competitionview/list/", "/unitview/list/"]
    client, token = _login(app, username), api(username)
    small = _counts(app, client, urls)
    small_api = {u: len(count_get(app, app.test_client(), u, headers=token.headers)[1]) for u in urls if "/api/" in u}
    _add_innovations(app, competition, 270, start=30, units=many_units)
    large = _counts(app, client, urls)
    large_api = {u: len(count_get(app, app.test_client(), u, headers=token.headers)[1]) for u in urls if "/api/" in u}
    assert small == large, (small, large)
    assert small_api == large_api, (small_api, large_api)
    assert max(large.values()) <= LIMIT, large
    assert max(large_api.values()) <= LIMIT, large_api


def test_the_menu_asks_for_permissions_once_per_request(app, competition):
    client = _login(app, "sekretariat")
    response, seen = count_get(app, client, "/competitionview/list/")
    assert response.status_code == 200
    permission_queries = [s for s in seen if "ab_permission_view_role" in s]
    assert len(permission_queries) == 1, len(permission_queries)  # FAB: one EXISTS per menu item (~30)


def test_permissions_are_never_kept_from_one_request_to_the_next(app):
    """Two requests inside ONE outer app context (flask.g shared): a grant removed between them counts."""
    from app.extensions import db

    client = _login(app, "sekretariat")
    sm = app.appbuilder.sm
    with app.app_context():
        assert client.get("/auditlogview/list/").status_code == 200
        role = sm.find_role("Sekretariat")
        pv = sm.find_permission_view_menu("can_read", "AuditLog")
        sm.del_permission_role(role, pv)
        try:
            assert client.get("/auditlogview/list/").status_code in (302, 403)
        finally:
            sm.add_permission_role(sm.find_role("Sekretariat"), sm.find_permission_view_menu("can_read", "AuditLog"))
            db.session.commit()
    assert client.get("/auditlogview/list/").status_code == 200


def test_the_show_page_reads_its_row_once(app, api, competition):
    first = _add_innovations(app, competition, 5)
    for username, expected in (("sekretariat", 2), ("opd_a", 1)):  # the row (+ the duplicate check)
        response, seen = count_get(app, _login(app, username), f"/innovationview/show/{first}")
        assert response.status_code == 200
        flat = [" ".join(s.split()) for s in seen]
        reads = [s for s in flat if " FROM innovation " in s + " " and "JOIN innovation" not in s]
        assert len(reads) == expected, (username, [" ".join(s.split())[:160] for s in reads])


def test_my_score_sheets_run_a_constant_number_of_statements(app, competition):
    from app.extensions import db
    from app.models import Assignment, Innovation

    client = _login(app, "juri1")

    def add_assignments(count, start):
        _add_innovations(app, competition, count, start=start, state="verified")
        with app.app_context():
            round_id, juror = rounds_of(competition)[0].id, user_id("juri1")
            assigned = db.session.query(Assignment.innovation_id)
            ids = [i for (i,) in db.session.query(Innovation.id).filter(Innovation.state == "verified",
                                                                         Innovation.id.notin_(assigned))]
            db.session.execute(insert(Assignment), [{"round_id": round_id, "innovation_id": i, "juror_id": juror,
                                                     "status": "active"} for i in ids])
            db.session.commit()

    add_assignments(5, 0)
    small = _counts(app, client, ["/scoresheets/"])
    add_assignments(60, 5)
    large = _counts(app, client, ["/scoresheets/"])
    assert small == large and max(large.values()) <= LIMIT, (small, large)


def test_the_verification_queue_does_not_group_every_competition(app, api, competition):
    """Its duplicate notice reads the groups of the rows shown, on the indexed normalised title: the same
    statements with one competition or five, and never ``lower(trim(title))``."""
    _add_innovations(app, competition, 6, title="Layanan {i}")
    _add_innovations(app, competition, 2, start=100, title="  Sama   Judul ")
    client = _login(app, "sekretariat")
    response, one = count_get(app, client, "/verification/list/")
    assert "sikipp-duplicates" in response.get_data(as_text=True)
    for n in range(4):
        r = api("sekretariat").post("/api/v1/competition/", json={"name": f"Lain {n}", "year": 2026,
                                                                   "submission_deadline": "2030-01-01T00:00:00"})
        assert r.status_code == 201, r.get_json()
        _add_innovations(app, r.get_json()["id"], 3, title="Layanan {i}")
    response, five = count_get(app, client, "/verification/list/")
    assert response.status_code == 200
    assert len(one) == len(five) <= LIMIT + 2, (len(one), len(five))
    assert not any("lower(trim" in s.lower() for s in one + five)


def test_the_normalised_title_is_written_on_every_path(app, api, competition):
    from app.extensions import db
    from app.models import Innovation

    created = api("opd_a").post("/api/v1/innovation/", json={"competition_id": competition,
                                                             "title": "  Sistem   ANTREAN\tDaring "})
    assert created.status_code == 201, created.get_json()
    pk = created.get_json()["id"]
    _add_innovations(app, competition, 1, start=7, title="  Core  INSERT {i} ")  # kipp synth's path
    with app.app_context():
        assert db.session.get(Innovation, pk).title_normalized == "sistem antrean daring"
        assert db.session.query(Innovation.title_normalized).filter(
            Innovation.title.like("%Core%")).scalar() == "core insert 7"
    assert api("opd_a").put(f"/api/v1/innovation/{pk}", json={"title": "Baru  Sekali"}).status_code == 200
    client = _login(app, "opd_a")
    with app.app_context():
        assert db.session.get(Innovation, pk).title_normalized == "baru sekali"
    r = client.post(f"/innovationview/edit/{pk}", data={"title": " Lewat   Layar "}, follow_redirects=False)
    assert r.status_code in (200, 302)
    with app.app_context():
        db.session.expire_all()
        assert db.session.get(Innovation, pk).title_normalized == "lewat layar"


def test_the_duplicate_check_is_an_index_lookup(app, api, competition):
    from app.extensions import db
    from app.models import Innovation
    from app.services import innovations

    _add_innovations(app, competition, 50, title="Judul {i}")
    with app.app_context():
        item = db.session.query(Innovation).first()
        with statements(db.engine) as seen:
            innovations.duplicates_of(db.session, item)
        [sql] = [s for s in seen if "FROM innovation" in " ".join(s.split())]
        assert "title_normalized" in sql and "lower(" not in sql.lower()
        # The same statement's plan names the index (PostgreSQL told not to prefer a scan of a small table).
        query = (db.session.query(Innovation.id).filter(Innovation.competition_id == competition,
                                                        Innovation.title_normalized == "judul 3"))
        compiled = query.statement.compile(db.engine, compile_kwargs={"literal_binds": True})
        if is_postgres(app):
            db.session.execute(text("ANALYZE innovation"))
            db.session.execute(text("SET LOCAL enable_seqscan = off"))
            plan = " ".join(r[0] for r in db.session.execute(text(f"EXPLAIN {compiled}")))
        else:
            plan = " ".join(str(r[-1]) for r in db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
        db.session.rollback()
        assert "ix_innovation_duplicate_title" in plan, plan


def test_list_counts_are_estimated_above_the_documented_size_only_when_unfiltered(app, competition):
    """PostgreSQL: above ESTIMATE_COUNT_ABOVE rows an unfiltered list shows the planner's estimate (no COUNT(*)
    scan); a filtered OPD list and a small table count exactly. SQLite always counts exactly."""
    from app.api import base
    from app.extensions import db

    _add_innovations(app, competition, 30)
    sekretariat, opd = _login(app, "sekretariat"), _login(app, "opd_a")
    with app.app_context():
        if is_postgres(app):
            db.session.execute(text("ANALYZE innovation"))
            db.session.commit()
    counting = lambda seen: [s for s in seen if "count(*)" in s.lower() and "innovation" in s]  # noqa: E731
    assert counting(count_get(app, sekretariat, "/innovationview/list/")[1])  # small table: exact
    old = base.ESTIMATE_COUNT_ABOVE
    base.ESTIMATE_COUNT_ABOVE = 10  # the documented size, made small for the test
    try:
        response, seen = count_get(app, sekretariat, "/innovationview/list/")
        assert response.status_code == 200
        assert bool(counting(seen)) is not is_postgres(app)  # estimated on PostgreSQL only
        assert counting(count_get(app, opd, "/innovationview/list/")[1])  # the OPD's rows: exact
        assert counting(count_get(app, sekretariat, "/innovationview/list/?_flt_0_state=submitted")[1])
    finally:
        base.ESTIMATE_COUNT_ABOVE = old
