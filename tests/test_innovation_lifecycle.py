"""The innovation lifecycle of DESIGN §3 through the HTTP API: every (state × trigger × role), then the guards.

Setup writes the state straight into the database (speed); the fire under test always goes through
``POST /api/v1/innovation/<pk>/transitions/<trigger>`` as a real, logged-in user.
"""
import datetime
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.models.competition import DEFAULT_CHECKLIST
from tests.conftest import Api

STATES = ("draft", "submitted", "verified", "scored", "awarded", "rejected", "withdrawn")
TRIGGERS = ("submit", "return", "verify", "reject", "withdraw", "score", "award", "disqualify")

# DESIGN §3, written out: trigger → (source states, destination, roles that may fire it).
# "Admin" holds every FAB permission and owns every unit's innovations.
LIFECYCLE = {
    "submit": ({"draft"}, "submitted", {"Admin", "OPD own"}),
    "return": ({"submitted"}, "draft", {"Admin", "Sekretariat"}),
    "verify": ({"submitted"}, "verified", {"Admin", "Sekretariat"}),
    "reject": ({"submitted", "verified"}, "rejected", {"Admin", "Sekretariat"}),
    "withdraw": ({"draft", "submitted"}, "withdrawn", {"Admin", "OPD own"}),
    "score": ({"verified"}, "scored", {"Admin", "Sekretariat"}),
    "award": ({"scored"}, "awarded", {"Admin", "Sekretariat"}),
    "disqualify": ({"scored", "awarded"}, "rejected", {"Admin", "Sekretariat"}),
}

# Matrix roles → seeded test users. The innovation belongs to opd_a's unit; juri2 is assigned to it
# (the score guard needs an assignment), juri1 is not.
ROLE_USERS = {
    "Admin": "admin",
    "Sekretariat": "sekretariat",
    "OPD own": "opd_a",
    "OPD other": "opd_b",
    "Juri unassigned": "juri1",
    "Juri assigned": "juri2",
    "Penandatangan": "penandatangan",
}
# Who can see opd_a's innovation at all (DESIGN §2); the others get 404, never a hint that it exists.
CAN_SEE = {"Admin", "Sekretariat", "OPD own", "Juri assigned", "Penandatangan"}

# What each trigger is sent with so that its comment/data rules pass.
BODIES = {
    "return": {"comment": "Lampiran kurang lengkap, mohon dilengkapi."},
    "reject": {"comment": "Tidak memenuhi syarat umur implementasi."},
    "disqualify": {"comment": "Sanggahan terbukti: inovasi bukan karya unit ini."},
    "award": {"data": {"title": "Juara I", "prize_amount": 15000000}},
    # Verifying attests every item of the competition's checklist (the standard list by default, DESIGN §3/§4).
    "verify": {"data": {"checklist": {item: True for item in DEFAULT_CHECKLIST}}},
}


def expected(state, trigger, role):
    """(status, state after) per DESIGN §3."""
    sources, dest, roles = LIFECYCLE[trigger]
    if role not in CAN_SEE:
        return 404, state
    if role not in roles:
        return 403, state
    if state not in sources:
        return 409, state
    return 200, dest


def test_expected_table_is_complete():
    assert set(LIFECYCLE) == set(TRIGGERS)
    assert all(s in STATES for sources, dest, _ in LIFECYCLE.values() for s in (*sources, dest))
    from workflows.lifecycles import innovation_workflow as wf

    assert wf.states == STATES
    assert {t: (set(x.sources), x.dest) for t, x in wf.transitions.items()} == \
        {t: (sources, dest) for t, (sources, dest, _) in LIFECYCLE.items()}


# -- data setup ---------------------------------------------------------------------------------------

_ids = {}


def ids():
    """Seeded users' and units' ids (stable for the test session)."""
    if not _ids:
        from app.extensions import db
        from app.models import Unit, User

        _ids.update({u: i for u, i in db.session.execute(select(User.username, User.id))})
        _ids.update({c: i for c, i in db.session.execute(select(Unit.code, Unit.id))})
    return _ids


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def local_today():
    from app.services.competitions import local_zone

    return datetime.datetime.now(local_zone()).date()


SECTIONS = ("summary", "background", "novelty", "implementation", "significance", "adaptability", "resources",
            "sustainability")


def seed_innovation(state="draft", *, unit="T-OPD-A", deadline=None, started_on="3y", missing=(),
                    attachment=True, sheets=("final",), competition_id=None, title="SIPRAJA"):
    """One innovation whose guards all pass unless told otherwise; returns its id.

    ``sheets``: one assignment per entry in round 1 ("final", "draft" = sheet not final, None = no sheet).
    """
    from app.extensions import db
    from app.models import Assignment, Attachment, Competition, Innovation, Round, ScoreSheet

    i = ids()
    if competition_id is None:
        competition = Competition(name="Kompetisi Uji", year=2026,
                                  submission_deadline=deadline or utcnow() + datetime.timedelta(days=30))
        competition.rounds.append(Round(name="Penilaian Proposal", sequence=1, weight=1.0))
        db.session.add(competition)
        db.session.flush()
        competition_id = competition.id
    rnd = db.session.execute(select(Round).where(Round.competition_id == competition_id)
                             .order_by(Round.sequence)).scalars().first()
    if started_on == "3y":
        started_on = local_today() - datetime.timedelta(days=3 * 366)
    inn = Innovation(competition_id=competition_id, unit_id=i[unit], title=title, state=state, version=1,
                     started_on=started_on,
                     **{s: (None if s in missing else f"Isi bagian {s}.") for s in SECTIONS})
    db.session.add(inn)
    db.session.flush()
    if attachment:
        db.session.add(Attachment(innovation_id=inn.id, original_name="proposal.pdf",
                                  stored_name=uuid.uuid4().hex + ".pdf", size_bytes=2048, sha256="ab" * 32))
    jurors = ["juri2", "juri1"]
    for n, sheet in enumerate(sheets):
        a = Assignment(round_id=rnd.id, innovation_id=inn.id, juror_id=i[jurors[n]], status="active")
        db.session.add(a)
        db.session.flush()
        if sheet is not None:
            db.session.add(ScoreSheet(assignment_id=a.id, is_final=(sheet == "final"),
                                      submitted_at=utcnow() if sheet == "final" else None))
    db.session.commit()
    return inn.id


def db_state(pk):
    from app.extensions import db
    from app.models import Innovation

    db.session.rollback()
    return tuple(db.session.execute(select(Innovation.state, Innovation.version)
                                    .where(Innovation.id == pk)).one())


def history_count(pk):
    from app.extensions import db
    from workflows.models import WorkflowHistory

    return db.session.execute(select(func.count(WorkflowHistory.id)).where(
        WorkflowHistory.workflow == "innovation", WorkflowHistory.object_id == pk)).scalar()


def awards_of(pk):
    from app.extensions import db
    from app.models import Award

    db.session.rollback()
    return db.session.execute(select(Award).where(Award.innovation_id == pk)).scalars().all()


def fire(client, username, pk, trigger, body=None):
    return Api(client, username).post(f"/api/v1/innovation/{pk}/transitions/{trigger}", json=body or {})


# -- the matrix ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(ROLE_USERS))
@pytest.mark.parametrize("trigger", TRIGGERS)
@pytest.mark.parametrize("state", STATES)
def test_lifecycle_matrix(app, client, state, trigger, role):
    status, after = expected(state, trigger, role)
    username = ROLE_USERS[role]
    with app.app_context():
        pk = seed_innovation(state)
    r = fire(client, username, pk, trigger, BODIES.get(trigger))
    body = r.get_json()
    assert r.status_code == status, (state, trigger, role, body)
    with app.app_context():
        if status == 200:
            assert body == {"state": after}
            assert db_state(pk) == (after, 2)
            assert history_count(pk) == 1
        else:
            assert isinstance(body.get("message"), str) and body["message"]
            assert db_state(pk) == (state, 1)
            assert history_count(pk) == 0
        assert len(awards_of(pk)) == (1 if (trigger == "award" and status == 200) else 0)


def test_a_full_life_as_the_proper_users(app, client):
    """draft → submitted → (returned) → submitted → verified → scored → awarded, each by its role."""
    with app.app_context():
        pk = seed_innovation("draft")
    steps = [("opd_a", "submit", {}, "submitted"), ("sekretariat", "return", BODIES["return"], "draft"),
             ("opd_a", "submit", {}, "submitted"),
             ("sekretariat", "verify", BODIES["verify"], "verified"),
             ("sekretariat", "score", {}, "scored"), ("sekretariat", "award", BODIES["award"], "awarded")]
    for username, trigger, body, state in steps:
        r = fire(client, username, pk, trigger, body)
        assert (r.status_code, r.get_json()) == (200, {"state": state}), (trigger, r.get_json())
    r = Api(client, "sekretariat").get(f"/api/v1/innovation/{pk}/history")
    rows = r.get_json()["result"]
    assert [(h["trigger"], h["source"], h["dest"], h["user"]) for h in rows] == [
        ("submit", "draft", "submitted", "opd_a"), ("return", "submitted", "draft", "sekretariat"),
        ("submit", "draft", "submitted", "opd_a"), ("verify", "submitted", "verified", "sekretariat"),
        ("score", "verified", "scored", "sekretariat"), ("award", "scored", "awarded", "sekretariat")]
    assert rows[1]["comment"] == BODIES["return"]["comment"]
    assert rows[3]["data"] == BODIES["verify"]["data"]
    with app.app_context():
        assert db_state(pk) == ("awarded", 7)


# -- guards -------------------------------------------------------------------------------------------


def _refused(client, username, pk, trigger, body=None, status=409):
    r = fire(client, username, pk, trigger, body)
    assert r.status_code == status, r.get_json()
    message = r.get_json()["message"]
    assert message
    return message if isinstance(message, str) else str(message)


def test_submit_after_the_deadline_names_the_deadline(app, client):
    from app.services.competitions import format_local

    deadline = (utcnow() - datetime.timedelta(hours=5)).replace(second=0, microsecond=0)
    with app.app_context():
        pk = seed_innovation("draft", deadline=deadline)
        shown = format_local(deadline)  # "5 Januari 2026 14:05 WIB"
    message = _refused(client, "opd_a", pk, "submit")
    assert shown in message
    with app.app_context():
        assert db_state(pk) == ("draft", 1) and history_count(pk) == 0
    # Withdrawing is still possible after the deadline (no deadline guard there).
    assert fire(client, "opd_a", pk, "withdraw").status_code == 200


def test_submit_just_before_the_deadline_passes(app, client):
    with app.app_context():
        pk = seed_innovation("draft", deadline=utcnow() + datetime.timedelta(minutes=2))
    assert fire(client, "opd_a", pk, "submit").status_code == 200


def test_submit_with_a_missing_section_names_it(app, client):
    from app.models import PROPOSAL_SECTIONS

    labels = dict(PROPOSAL_SECTIONS)
    with app.app_context():
        pk = seed_innovation("draft", missing=("significance", "sustainability"))
    message = _refused(client, "opd_a", pk, "submit")
    assert labels["significance"] in message and labels["sustainability"] in message
    assert labels["summary"] not in message
    with app.app_context():
        from app.extensions import db
        from app.models import Innovation

        inn = db.session.get(Innovation, pk)
        inn.significance, inn.sustainability = "   \n", "Ada."  # blank text still counts as missing
        db.session.commit()
    message = _refused(client, "opd_a", pk, "submit")
    assert labels["significance"] in message and labels["sustainability"] not in message
    with app.app_context():
        assert db_state(pk) == ("draft", 1)


def test_submit_without_an_attachment(app, client):
    with app.app_context():
        pk = seed_innovation("draft", attachment=False)
        with_file = seed_innovation("draft")
    message = _refused(client, "opd_a", pk, "submit")
    assert fire(client, "opd_a", with_file, "submit").status_code == 200
    with app.app_context():
        assert db_state(pk) == ("draft", 1)
        # The same checkable item stops verify.
        from app.extensions import db
        from app.models import Innovation

        db.session.get(Innovation, pk).state = "submitted"
        db.session.commit()
    assert _refused(client, "sekretariat", pk, "verify") == message


def test_implementation_age(app, client):
    with app.app_context():
        today = local_today()
        recent = today.replace(year=today.year - 1) if (today.month, today.day) != (2, 29) else today - \
            datetime.timedelta(days=365)
        too_recent = seed_innovation("draft", started_on=recent)
        no_date = seed_innovation("draft", started_on=None)
        exactly = seed_innovation("draft", started_on=today.replace(year=today.year - 2)
                                  if (today.month, today.day) != (2, 29) else today.replace(day=28, year=today.year - 2))
    message = _refused(client, "opd_a", too_recent, "submit")
    from app.services.documents.indonesian import format_date

    assert format_date(recent) in message and "2" in message  # "1 Desember 2025", as a person writes it
    _refused(client, "opd_a", no_date, "submit")
    assert fire(client, "opd_a", exactly, "submit").status_code == 200  # two full years is enough


def test_several_problems_are_reported_together(app, client):
    with app.app_context():
        pk = seed_innovation("draft", missing=("novelty",), attachment=False,
                             started_on=local_today() - datetime.timedelta(days=30))
        ok = seed_innovation("draft")
    with app.app_context():
        from app.extensions import db
        from app.models import Innovation
        from app.services import submission

        problems = submission.checkable_problems(db.session, db.session.get(Innovation, pk))
        assert len(problems) == 3
        assert submission.checkable_problems(db.session, db.session.get(Innovation, ok)) == []
    message = _refused(client, "opd_a", pk, "submit")
    assert all(p in message for p in problems)


@pytest.mark.parametrize("sheets", [(), ("draft",), (None,), ("final", "draft"), ("final", None)],
                         ids=["no-assignment", "sheet-not-final", "no-sheet", "one-of-two-final", "one-missing"])
def test_score_needs_every_sheet_final(app, client, sheets):
    with app.app_context():
        pk = seed_innovation("verified", sheets=sheets)
    _refused(client, "sekretariat", pk, "score")
    with app.app_context():
        assert db_state(pk) == ("verified", 1) and history_count(pk) == 0


def test_score_ignores_recused_assignments_and_passes_when_all_final(app, client):
    with app.app_context():
        from app.extensions import db
        from app.models import Assignment

        pk = seed_innovation("verified", sheets=("final", None))
        unfinished = db.session.execute(select(Assignment).where(Assignment.innovation_id == pk,
                                                                 Assignment.juror_id == ids()["juri1"])).scalar_one()
        unfinished.status, unfinished.recusal_reason = "recused", "Kerabat pengusul."
        db.session.commit()
        two_final = seed_innovation("verified", sheets=("final", "final"))
    assert fire(client, "sekretariat", pk, "score").status_code == 200
    assert fire(client, "sekretariat", two_final, "score").status_code == 200


@pytest.mark.parametrize("body", [{}, {"data": {}}, {"data": {"title": ""}}, {"data": {"title": "   "}},
                                  {"data": {"prize_amount": 1000}}, {"data": {"title": "Juara I", "prize_amount": -1}},
                                  {"data": {"title": 1}}, {"data": "Juara I"}])
def test_award_needs_a_title(app, client, body):
    with app.app_context():
        pk = seed_innovation("scored")
    _refused(client, "sekretariat", pk, "award", body, status=422)
    with app.app_context():
        assert db_state(pk) == ("scored", 1) and history_count(pk) == 0 and awards_of(pk) == []


def test_award_creates_the_award_record(app, client):
    with app.app_context():
        pk = seed_innovation("scored")
    r = fire(client, "sekretariat", pk, "award", {"data": {"title": "  Juara II ", "prize_amount": 7500000.5,
                                                           "rank": 2}})
    assert r.status_code == 200, r.get_json()
    with app.app_context():
        (award,) = awards_of(pk)
        assert (award.title, award.prize_amount, award.rank, award.category) == (
            "Juara II", Decimal("7500000.50"), 2, "opd")
    r = Api(client, "sekretariat").get("/api/v1/award/")
    assert [(a["innovation_id"], a["title"]) for a in r.get_json()["result"]] == [(pk, "Juara II")]
    # A second award is impossible: the innovation is no longer "scored".
    _refused(client, "sekretariat", pk, "award", {"data": {"title": "Juara I"}})
    with app.app_context():
        assert len(awards_of(pk)) == 1


@pytest.mark.parametrize("trigger,state", [("return", "submitted"), ("reject", "submitted"), ("reject", "verified")])
@pytest.mark.parametrize("comment", [None, "", "  \n\t "])
def test_return_and_reject_need_a_comment(app, client, trigger, state, comment):
    with app.app_context():
        pk = seed_innovation(state)
    body = {} if comment is None else {"comment": comment}
    _refused(client, "sekretariat", pk, trigger, body, status=422)
    with app.app_context():
        assert db_state(pk) == (state, 1) and history_count(pk) == 0


def test_malformed_bodies(app, client):
    with app.app_context():
        pk = seed_innovation("submitted")
    api = Api(client, "sekretariat")
    r = api.post(f"/api/v1/innovation/{pk}/transitions/return", json={"comment": 42})
    assert r.status_code == 422
    r = api.post(f"/api/v1/innovation/{pk}/transitions/return", json=["x"])
    assert r.status_code == 400
    r = client.post(f"/api/v1/innovation/{pk}/transitions/return", data="{not json",
                    headers={**api.headers, "Content-Type": "application/json"})
    assert r.status_code == 400
    r = api.post(f"/api/v1/innovation/{pk}/transitions/explode", json={})
    assert r.status_code == 404
    r = api.post("/api/v1/innovation/999999/transitions/return", json={"comment": "x"})
    assert r.status_code == 404
    r = client.post(f"/api/v1/innovation/{pk}/transitions/return", json={"comment": "x"})
    assert r.status_code == 401
    with app.app_context():
        assert db_state(pk) == ("submitted", 1)
