"""Concurrent and bulk transitions: of N simultaneous fires exactly one wins (SQLite and PostgreSQL)."""
import datetime
import threading

import pytest
from sqlalchemy import event, func, select

from tests.conftest import Api, is_postgres
from tests.test_innovation_lifecycle import BODIES, db_state, history_count, ids, seed_innovation

N = 20


def _race(app, pk, plan, workflow=None):
    """Run ``plan`` = [(username, trigger, body)] at once, one thread each, every thread in its own app context
    (hence its own scoped session and connection). ``pk`` is one id or a list (one per step).
    Returns [(status, state or message)] in plan order."""
    from app.extensions import db
    from app.lifecycles import innovation_workflow
    from app.models import User
    from workflows.engine import WorkflowError

    workflow = workflow or innovation_workflow
    pks = pk if isinstance(pk, list) else [pk] * len(plan)

    barrier = threading.Barrier(len(plan))
    results = [None] * len(plan)

    def worker(n, username, trigger, body):
        with app.app_context():
            session = db.session
            try:
                user = session.execute(select(User).where(User.username == username)).scalar_one()
                session.commit()  # end the read transaction: every thread starts from a clean session
                barrier.wait(timeout=30)
                obj = workflow.fire(session, pks[n], trigger, user, comment=body.get("comment"),
                                    data=body.get("data"))
                results[n] = (200, obj.state)
            except WorkflowError as err:
                results[n] = (err.status, err.message)
            except Exception as err:  # anything else is a bug (a 500 in production)
                results[n] = ("error", repr(err))
            finally:
                session.remove()

    threads = [threading.Thread(target=worker, args=(n, *step)) for n, step in enumerate(plan)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a fire hung"
    return results


@pytest.fixture
def statements(app):
    """SQL sent to the database while the test runs."""
    from app.extensions import db

    with app.app_context():
        engine = db.engine
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


@pytest.mark.parametrize("round_", range(2))
def test_simultaneous_fires_of_one_trigger_exactly_one_wins(app, statements, round_):
    with app.app_context():
        pk = seed_innovation("draft")
    results = _race(app, pk, [("opd_a", "submit", {})] * N)
    statuses = [s for s, _ in results]
    assert statuses.count(200) == 1, results
    assert statuses.count(409) == N - 1, results
    assert all(message for s, message in results if s == 409)
    with app.app_context():
        assert db_state(pk) == ("submitted", 2)
        assert history_count(pk) == 1
    locking = [s for s in statements if "FROM innovation" in s and "FOR UPDATE" in s.upper()]
    if is_postgres(app):
        # PostgreSQL serialises the fires on the row lock; SQLite ignores FOR UPDATE (version check instead).
        assert len(locking) >= N, statements[:5]


def test_simultaneous_different_triggers_from_one_state_exactly_one_wins(app):
    """verify and return both leave "submitted" and neither is possible from the other's destination."""
    with app.app_context():
        pk = seed_innovation("submitted")
    plan = [("sekretariat", "verify", BODIES["verify"]), ("sekretariat", "return", BODIES["return"])] * (N // 2)
    results = _race(app, pk, plan)
    winners = [(plan[n][1], r) for n, r in enumerate(results) if r[0] == 200]
    assert len(winners) == 1, results
    assert [s for s, _ in results].count(409) == N - 1, results
    trigger, (_, state) = winners[0]
    with app.app_context():
        assert db_state(pk) == (state, 2) and history_count(pk) == 1


def test_a_mixed_race_is_serialisable(app):
    """Triggers that may legally follow each other (return → withdraw, verify → reject): whatever wins, the
    history is one unbroken chain, one row and one version step per success, and the row ends where it says."""
    from app.extensions import db
    from workflows.models import WorkflowHistory

    with app.app_context():
        pk = seed_innovation("submitted")
    plan = ([("sekretariat", "verify", BODIES["verify"])] * 5 + [("sekretariat", "return", BODIES["return"])] * 5
            + [("sekretariat", "reject", BODIES["reject"])] * 5 + [("opd_a", "withdraw", {})] * 5)
    results = _race(app, pk, plan)
    assert all(s in (200, 409) for s, _ in results), results
    successes = [plan[n][1] for n, (s, _) in enumerate(results) if s == 200]
    assert successes
    with app.app_context():
        rows = db.session.execute(select(WorkflowHistory).where(WorkflowHistory.object_id == pk,
                                                                WorkflowHistory.workflow == "innovation")
                                  .order_by(WorkflowHistory.id)).scalars().all()
        assert sorted(h.trigger for h in rows) == sorted(successes)
        assert rows[0].source == "submitted"
        assert all(prev.dest == nxt.source for prev, nxt in zip(rows, rows[1:])), [(h.source, h.dest) for h in rows]
        assert db_state(pk) == (rows[-1].dest, 1 + len(rows))


def test_simultaneous_awards_create_one_award(app):
    with app.app_context():
        pk = seed_innovation("scored")
    results = _race(app, pk, [("sekretariat", "award", {"data": {"title": f"Juara {n}"}}) for n in range(N)])
    assert [s for s, _ in results].count(200) == 1, results
    with app.app_context():
        from app.extensions import db
        from app.models import Award

        assert db.session.execute(select(func.count(Award.id)).where(Award.innovation_id == pk)).scalar() == 1
        assert history_count(pk) == 1


def test_engine_locks_the_row_on_postgresql(app, statements):
    """The fire's first read of the row is SELECT … FOR UPDATE on PostgreSQL (none on SQLite)."""
    from app.extensions import db
    from app.lifecycles import innovation_workflow
    from app.models import User

    with app.app_context():
        pk = seed_innovation("draft")
        user = db.session.execute(select(User).where(User.username == "opd_a")).scalar_one()
        statements.clear()
        innovation_workflow.fire(db.session, pk, "submit", user)
    first_read = next(s for s in statements if s.lstrip().upper().startswith("SELECT") and "FROM innovation" in s)
    if is_postgres(app):
        assert "FOR UPDATE" in first_read.upper()
    else:
        assert "FOR UPDATE" not in first_read.upper()
    claim = [s for s in statements if s.lstrip().upper().startswith("UPDATE innovation".upper())]
    assert claim and "version" in claim[0] and "WHERE" in claim[0].upper()


def test_a_fire_waits_for_a_row_lock_held_elsewhere_on_postgresql(app):
    """While another transaction holds the row, the fire waits; then it sees the new state and answers 409."""
    from app.extensions import db
    from app.models import Innovation

    if not is_postgres(app):
        pytest.skip("row locks are a PostgreSQL matter; SQLite relies on the version check")
    with app.app_context():
        pk = seed_innovation("draft")
        results = []
        with db.engine.connect() as conn:
            trans = conn.begin()
            conn.execute(select(Innovation.id).where(Innovation.id == pk).with_for_update())
            t = threading.Thread(target=lambda: results.extend(_race(app, pk, [("opd_a", "submit", {})])))
            t.start()
            try:
                waited = _waits_on_a_row_lock(db.engine, "FOR UPDATE")
                conn.execute(Innovation.__table__.update().where(Innovation.id == pk)
                             .values(state="withdrawn", version=2))
            finally:
                trans.commit()
                t.join(timeout=30)
        assert waited, "the fire did not wait for the row lock"
        assert results and results[0][0] == 409, results
        assert db_state(pk) == ("withdrawn", 2) and history_count(pk) == 0


def _waits_on_a_row_lock(engine, marker, timeout=10.0):
    """True once some backend's query containing ``marker`` is waiting on a lock (pg_stat_activity)."""
    import time

    from sqlalchemy import text

    deadline = time.monotonic() + timeout
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE :q"),
                {"q": f"%{marker}%"}).scalar()
            conn.rollback()
            if waiting:
                return True
            time.sleep(0.02)
    return False


# -- bulk over HTTP -----------------------------------------------------------------------------------


def test_bulk_fire_reports_per_id(app, client):
    with app.app_context():
        a1 = seed_innovation("draft", title="A1")
        a2 = seed_innovation("submitted", title="A2")
        a3 = seed_innovation("withdrawn", title="A3")
        b1 = seed_innovation("draft", unit="T-OPD-B", title="B1")
    before = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None, microsecond=0)
    opd = Api(client, "opd_a")
    r = opd.post("/api/v1/innovation/transitions/withdraw",
                 json={"ids": [a1, b1, a3, a2, 999999], "comment": "Ditarik oleh unit."})
    assert r.status_code == 200, r.get_json()
    result = r.get_json()["result"]
    assert [(x["id"], x["ok"], x["status"]) for x in result] == [
        (a1, True, 200), (b1, False, 404), (a3, False, 409), (a2, True, 200), (999999, False, 404)]
    assert result[0]["state"] == result[3]["state"] == "withdrawn"
    assert all(x["message"] for x in result if not x["ok"])
    with app.app_context():
        assert [db_state(pk) for pk in (a1, a2, a3, b1)] == [
            ("withdrawn", 2), ("withdrawn", 2), ("withdrawn", 1), ("draft", 1)]
        assert [history_count(pk) for pk in (a1, a2, a3, b1)] == [1, 1, 0, 0]

    (h,) = opd.get(f"/api/v1/innovation/{a1}/history").get_json()["result"]
    assert (h["trigger"], h["source"], h["dest"], h["user"], h["comment"]) == (
        "withdraw", "draft", "withdrawn", "opd_a", "Ditarik oleh unit.")
    at = datetime.datetime.fromisoformat(h["at"].replace("Z", "+00:00")).replace(tzinfo=None)
    assert before - datetime.timedelta(seconds=1) <= at <= before + datetime.timedelta(minutes=1)
    # Another unit's row stays invisible, history included.
    assert Api(client, "opd_b").get(f"/api/v1/innovation/{a1}/history").status_code == 404


def test_bulk_fire_forbidden_role_and_comment_rules(app, client):
    with app.app_context():
        s1 = seed_innovation("submitted", title="S1")
        s2 = seed_innovation("submitted", title="S2")
    r = Api(client, "opd_a").post("/api/v1/innovation/transitions/verify", json={"ids": [s1, s2]})
    assert [(x["id"], x["status"]) for x in r.get_json()["result"]] == [(s1, 403), (s2, 403)]
    sek = Api(client, "sekretariat")
    r = sek.post("/api/v1/innovation/transitions/return", json={"ids": [s1, s2]})
    assert [x["status"] for x in r.get_json()["result"]] == [422, 422]  # comment required
    r = sek.post("/api/v1/innovation/transitions/return", json={"ids": [s1, s2], "comment": "Lengkapi lampiran."})
    assert [x["status"] for x in r.get_json()["result"]] == [200, 200]
    with app.app_context():
        assert [db_state(pk) for pk in (s1, s2)] == [("draft", 2), ("draft", 2)]
    for body in ({}, {"ids": []}, {"ids": "1"}, {"ids": [1, "2"]}, {"ids": [True]}, {"ids": list(range(1, 1002))}):
        assert sek.post("/api/v1/innovation/transitions/return", json=body).status_code == 422, body
    assert sek.post("/api/v1/innovation/transitions/explode", json={"ids": [s1]}).status_code == 404


def test_bulk_fire_by_unassigned_juror_sees_nothing(app, client):
    with app.app_context():
        pk = seed_innovation("verified")
        assert ids()["juri1"]
    r = Api(client, "juri1").post("/api/v1/innovation/transitions/score", json={"ids": [pk]})
    assert [(x["id"], x["status"]) for x in r.get_json()["result"]] == [(pk, 404)]


def test_decrees_signed_at_once_get_distinct_numbers(app, client, competition):
    """Different decrees signed at the same moment: no duplicate number and no 500. (On SQLite a writer that
    waits longer than the busy timeout answers 409 "try again"; that decree stays an unnumbered draft.)"""
    from app.extensions import db
    from app.lifecycles import decree_workflow
    from app.models import Decree
    from tests.documents_helpers import paraf, seed_awards

    pks = []
    for i in range(4):  # one draft per competition (DESIGN §3): four competitions, each ready for its decree
        comp, _awards = seed_awards(app, prizes=(1,), title_prefix=f"Inovasi Serentak {i}")
        r = Api(client, "sekretariat").post("/api/v1/decree/", json={"competition_id": comp})
        assert r.status_code == 201, r.get_json()
        pks.append(r.get_json()["id"])
        paraf(client, pks[-1])
    results = _race(app, pks, [("penandatangan", "sign", {})] * len(pks), workflow=decree_workflow)
    assert all(r == (200, "signed") or r[0] == 409 for r in results), results
    if is_postgres(app):
        assert results == [(200, "signed")] * len(pks), results
    assert any(r[0] == 200 for r in results), results
    with app.app_context():
        rows = dict(db.session.execute(select(Decree.id, Decree.number).where(Decree.id.in_(pks))).all())
    signed = [rows[pk] for pk, r in zip(pks, results) if r[0] == 200]
    assert None not in signed and len(set(signed)) == len(signed), rows
    assert all(rows[pk] is None for pk, r in zip(pks, results) if r[0] != 200), rows
