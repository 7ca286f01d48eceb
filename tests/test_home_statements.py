"""The Sekretariat's home at ``/`` (issue 14): a constant number of SQL statements whatever the table's size, to-do
lists bounded (the first ``TODO_LIMIT`` with their total and a link to the full list), and the dashboard's
aggregates equal to the row-by-row figures they replaced."""
import re

import pytest
from sqlalchemy import event, func, select, text

from app.extensions import db
from app.models import Innovation, Round
from app.services import homes, participation, ranking
from tests.conftest import DOMAIN_TABLES, PASSWORD


def login(app, username):
    client = app.test_client()
    r = client.post("/login/", data={"username": username, "password": PASSWORD})
    assert r.status_code == 302, r.status_code
    return client


def synth(app, count, seed):
    from app.cli import synth as synth_cli

    with app.app_context():
        report = synth_cli.synthesize(db.session, count, units=24, jurors=6, seed=seed)
        db.session.remove()
    return report


@pytest.fixture
def synthetic(app):
    """``kipp synth``'s generator on the test database; its units and jurors (which the suite's clean-up keeps) are
    removed afterwards."""
    yield lambda count, seed: synth(app, count, seed)
    with app.app_context():
        for table in DOMAIN_TABLES:
            db.session.execute(text(f"DELETE FROM {table}"))
        db.session.execute(text("DELETE FROM ab_user_role WHERE user_id IN "
                                "(SELECT id FROM ab_user WHERE username LIKE 'synth_juri_%')"))
        db.session.execute(text("DELETE FROM ab_user WHERE username LIKE 'synth_juri_%'"))
        db.session.execute(text("DELETE FROM unit WHERE code LIKE 'SYN-%'"))
        db.session.commit()


def statements_of(app, client, path="/"):
    """(SQL statements run by one GET, its HTML) after a warm-up request."""
    client.get(path)
    seen = []

    def record(*_args, **_kw):
        seen.append(1)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        r = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert r.status_code == 200
    return len(seen), r.get_data(as_text=True)


def submitted_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Innovation).where(Innovation.state == "submitted"))


def test_sekretariat_home_runs_as_many_statements_at_600_innovations_as_at_30(app, synthetic, monkeypatch):
    monkeypatch.setattr(homes, "TODO_LIMIT", 50)  # the bound, small enough for this world to pass it
    synthetic(30, 1)
    client = login(app, "sekretariat")
    small, html_small = statements_of(app, client)
    synthetic(600, 2)  # 20× the rows, a second competition with its open rounds, > TODO_LIMIT proposals to verify
    large, html = statements_of(app, client)
    assert large == small, (small, large)
    assert large <= 50, large  # about half are the menu's permission checks (another branch resolves them once)
    # The to-do list is bounded: the first TODO_LIMIT, the total in the badge, a link to the full queue.
    total = submitted_count(app)
    assert total > homes.TODO_LIMIT
    assert len(re.findall(r'<a data-todo="verify" ', html)) == homes.TODO_LIMIT
    assert f'<span class="badge">{total}</span>' in html
    assert re.search(r'<a class="todo-more" href="/verification/list/">', html)
    assert "todo-more" not in html_small.split('id="home-sekretariat"')[1].split("</section>")[0]


def test_opd_home_statements_do_not_grow_with_the_table(app, synthetic):
    synthetic(30, 3)
    client = login(app, "opd_a")
    small, _html = statements_of(app, client)
    synthetic(600, 4)
    large, _html = statements_of(app, client)
    assert large == small, (small, large)


def test_dashboard_aggregates_equal_the_row_by_row_figures(app, synthetic):
    synthetic(400, 5)
    with app.app_context():
        from app.models import User

        session = db.session
        sek = session.query(User).filter_by(username="sekretariat").one()
        competition = homes.current_competition(session)
        # Participation per unit kind: the aggregate equals the per-unit rows' "missing" rule.
        rows = participation.rows(session, competition.id, sek)
        for part in participation.per_kind(session, competition.id, sek):
            of_kind = [r for r in rows if r["kind"] == part["kind"]]
            assert part["units"] == len(of_kind)
            assert part["with"] == sum(1 for r in of_kind if not r["missing"])
        # Score bands counted in SQL equal the bands of the full ranking's scores.
        scores = homes.score_distribution(session, competition.id)
        rnd = session.query(Round).filter(Round.competition_id == competition.id).order_by(Round.sequence).first()
        ranked = ranking.round_ranking(session, rnd)
        assert scores is not None and scores["round"].id == rnd.id and scores["count"] == len(ranked) > 0
        expected = [0] * len(homes.SCORE_BINS)
        for r in ranked:
            expected[min(int(r["score"] // 10), len(homes.SCORE_BINS) - 1)] += 1
        assert [n for _label, n in scores["bins"]] == expected
        # An OPD user's participation counts its own unit only (the row rule of participation.rows).
        opd = session.query(User).filter_by(username="opd_a").one()
        assert sum(p["units"] for p in participation.per_kind(session, competition.id, opd)) == 1
