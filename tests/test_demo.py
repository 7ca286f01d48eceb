"""`kipp demo` (the Sidoarjo demo, idempotent) and `kipp synth` (bulk synthetic data)."""
import hashlib

import pytest
from sqlalchemy import func, text

from tests.conftest import DOMAIN_TABLES

STATES = ("draft", "submitted", "verified", "scored", "awarded", "rejected", "withdrawn")
ROLES = ("Admin", "Sekretariat", "OPD", "Juri", "Penandatangan")


@pytest.fixture
def restore_people(app):
    """The autouse cleanup empties domain tables but keeps users and units: remove what the test added."""
    from app.extensions import db
    from app.models import Unit, User

    with app.app_context():
        users_before = {u for (u,) in db.session.query(User.id)}
        units_before = {u for (u,) in db.session.query(Unit.id)}
    yield
    with app.app_context():
        db.session.rollback()
        for table in DOMAIN_TABLES:  # assignments reference jurors (RESTRICT): domain rows go first
            db.session.execute(text(f"DELETE FROM {table}"))
        db.session.commit()
        for user in db.session.query(User).filter(User.id.notin_(users_before)):
            db.session.delete(user)
        db.session.commit()
        db.session.query(Unit).filter(Unit.id.notin_(units_before), Unit.is_demo.is_(True)).delete(
            synchronize_session=False)
        db.session.commit()


def _counts(session):
    from app.models import (
        Assignment,
        Attachment,
        Award,
        Competition,
        Innovation,
        Score,
        ScoreSheet,
        Unit,
        User,
        WorkflowHistory,
    )

    return {model.__name__: session.query(func.count(model.id)).scalar()
            for model in (Competition, Innovation, Attachment, Unit, User, WorkflowHistory, Assignment, ScoreSheet,
                          Score, Award)}


def test_demo_loads_a_realistic_competition_and_is_idempotent(app, restore_people):
    from app.cli import demo
    from app.extensions import db
    from app.models import (
        Assignment,
        Attachment,
        Award,
        Competition,
        Innovation,
        ScoreSheet,
        Unit,
        User,
        WorkflowHistory,
    )
    from app.models.competition import DEFAULT_WORD_LIMITS
    from app.services import attachments as attachment_service
    from app.services.competitions import local_zone
    from app.services.scoring import score_problem

    runner = app.test_cli_runner()
    result = runner.invoke(args=["kipp", "demo"])
    assert result.exit_code == 0, result.output
    assert demo.DEMO_PASSWORD in result.output and "opd_dinkes" in result.output and "camat_waru" in result.output

    with app.app_context():
        session = db.session
        import datetime

        year = datetime.datetime.now(local_zone()).year
        competition = session.query(Competition).filter_by(name=demo.competition_name(year)).one()
        assert competition.year == year
        assert competition.submission_deadline > datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
        assert [r.sequence for r in competition.rounds] == [1, 2, 3]
        assert all(r.criteria for r in competition.rounds)

        innovations = session.query(Innovation).filter_by(competition_id=competition.id).all()
        assert len(innovations) >= 40
        states = {i.state for i in innovations}
        assert states == set(STATES)
        titles = [i.title for i in innovations]
        assert len(set(titles)) == len(titles)
        assert any(t.startswith("SIPRAJA") for t in titles) and any(t.startswith("KOPI PAHIT") for t in titles)
        today = datetime.date.today()
        old_enough = [i for i in innovations if i.started_on <= today - datetime.timedelta(days=731)]
        assert len(old_enough) > len(innovations) / 2
        for innovation in innovations:
            for name, limit in DEFAULT_WORD_LIMITS.items():
                value = getattr(innovation, name)
                assert value and len(value.split()) <= limit, (innovation.title, name)
            assert innovation.video_url.startswith("https://")
            assert innovation.sdg_goals and all(1 <= g <= 17 for g in innovation.sdg_goals)
            attachments = session.query(Attachment).filter_by(innovation_id=innovation.id).all()
            # typed evidence (issue 12): every required kind of the competition, so every proposal is submittable
            kinds = {a.kind for a in attachments}
            assert {"sk_tim", "bukti_implementasi"} <= kinds <= {k["code"] for k in competition.evidence_kinds}
            assert [k["code"] for k in competition.evidence_kinds if k["required"]] == ["sk_tim", "bukti_implementasi"]
            # the innovator team, the same names as in its SK; NIPs of 18 digits when given
            assert len(innovation.team) == 4 and all(m["name"] and m["role"] for m in innovation.team)
            assert all(len(m["nip"]) == 18 and m["nip"].isdigit() for m in innovation.team if m["nip"])
            for attachment in attachments:
                path = attachment_service.path_of(attachment)
                with open(path, "rb") as handle:
                    data = handle.read()
                assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
                assert hashlib.sha256(data).hexdigest() == attachment.sha256
                assert attachment.size_bytes == len(data)
            sk = next(a for a in attachments if a.kind == "sk_tim")
            with open(attachment_service.path_of(sk), "rb") as handle:
                assert innovation.team[0]["name"].encode("cp1252") in handle.read()

        # units: OPDs, the 18 kecamatan, puskesmas and SMP Negeri, with SAKIP grades (some A)
        demo_units = session.query(Unit).filter(Unit.is_demo.is_(True)).all()
        kinds = {}
        for unit in demo_units:
            kinds.setdefault(unit.kind, []).append(unit)
        assert len(kinds["kecamatan"]) >= 18
        assert {"Kecamatan Waru", "Kecamatan Porong", "Kecamatan Wonoayu"} <= {u.name for u in kinds["kecamatan"]}
        assert len(kinds["puskesmas"]) >= 27 and len(kinds["smp"]) >= 5 and len(kinds["opd"]) >= 20
        assert any(u.sakip_grade == "A" for u in demo_units)
        assert "Dinas Kesehatan" in {u.name for u in kinds["opd"]}

        # a real history: every proposal that left draft has transitions, fired by the demo users
        history = session.query(WorkflowHistory).filter_by(workflow="innovation").order_by(WorkflowHistory.id).all()
        assert history
        by_object = {}
        for row in history:
            by_object.setdefault(row.object_id, []).append(row)
        for innovation in innovations:
            rows = by_object.get(innovation.id, [])
            if innovation.state != "draft":
                assert rows and rows[-1].dest == innovation.state
        triggers = {h.trigger for h in history}
        assert {"submit", "return", "verify", "reject", "withdraw", "score", "award"} <= triggers
        assert {h.username for h in history if h.trigger == "verify"} == {"sekretariat"}

        # jury: final sheets for every scored/awarded proposal, never a juror of the proposal's own unit
        for innovation in innovations:
            if innovation.state in ("scored", "awarded"):
                assert score_problem(session, innovation) is None
        for assignment in session.query(Assignment).all():
            assert assignment.juror.unit_id != assignment.innovation.unit_id
        assert session.query(ScoreSheet).filter(ScoreSheet.is_final.is_(False)).count() >= 1
        awards = (session.query(Award).join(Innovation, Innovation.id == Award.innovation_id)
                  .filter(Innovation.competition_id == competition.id).all())  # the previous year's apart
        assert len(awards) == sum(1 for i in innovations if i.state == "awarded")
        assert "Juara I" in {a.title for a in awards}
        # issue 12: groups and thematic categories, awards per group × category
        competition = session.get(Competition, innovations[0].competition_id)
        assert competition.groups == ["umum", "replikasi"] and len(competition.categories) == 3
        assert {i.group for i in innovations} == {"umum", "replikasi"}
        assert {i.category for i in innovations} == set(competition.categories)
        assert all((a.group, a.category) == (a.innovation.group, a.innovation.category) for a in awards)
        assert "replikasi" in {a.group for a in awards}

        # the previous year (issue 12): a finished competition whose entries this year's carry forward (one
        # lineage each), external awards, replications, sustainability statuses, offices' contacts
        from app.models import ExternalAward, Replication, Sustainability
        from app.services import registry

        previous = session.query(Competition).filter_by(name=demo.competition_name(year - 1)).one()
        assert previous.submission_deadline < datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
        by_acronym = {p.title or f"{p.acronym} ({p.name})": p.acronym for p in demo.PROPOSALS}
        past = {by_acronym[i.title]: i for i in session.query(Innovation).filter_by(competition_id=previous.id)}
        assert {"SIPRAJA", "IREBON", "KOPI PAHIT", "SIPADES"} <= set(past)
        sipraja_now = next(i for i in innovations if i.title.startswith("SIPRAJA"))
        assert sipraja_now.lineage_id == past["SIPRAJA"].lineage_id
        assert [e["year"] for e in registry.history(session, sipraja_now)["entries"]] == [year - 1, year]
        assert all(i.lineage_id != past["SIPADES"].lineage_id for i in innovations)  # still to carry forward
        assert session.query(ExternalAward).count() >= 3 and session.query(Replication).count() >= 3
        assert {s.status for s in session.query(Sustainability)} == {"aktif", "berkembang", "berhenti"}
        assert registry.missing_statuses(session, year)  # some units still owe this year's status
        assert past["SIPRAJA"].unit.office_email

        # every role has a demo account
        accounts = demo.demo_accounts({u.code: u for u in demo_units})
        for role in ROLES:
            names = [a.username for a in accounts if a.role == role]
            assert names, role
            users = session.query(User).filter(User.username.in_(names)).all()
            assert any(role in {r.name for r in u.roles} for u in users), role
        juri3 = session.query(User).filter_by(username="juri3").one()
        assert juri3.unit is not None and juri3.unit.code == "BAPPEDA"
        assert session.query(User).filter_by(username="opd_dinkes").one().unit.code == "DINKES"

        # --- nomination upward (issue 12 item 8): the demo's winners nominated within its quota ---
        from app.models import Nomination

        assert competition.nomination_quota == {"provinsi": 3, "nasional": 15}
        awarded = sum(1 for i in innovations if i.state == "awarded")
        nominated = session.query(Nomination).filter_by(competition_id=competition.id)
        assert nominated.filter_by(level="provinsi").count() == min(3, awarded) > 0
        assert nominated.filter_by(level="nasional").count() == min(15, awarded)
        nominations_before = nominated.count()
        # --- end nomination upward ---

        # second run: nothing changes
        before = _counts(session)
        report = demo.load_demo(session)
        assert report.innovations_created == 0 and report.units_created == 0 and report.created_usernames == []
        assert not report.competition_created
        assert _counts(session) == before
        assert sum(report.states.values()) == len(innovations)
        assert report.nominations_created == 0 and nominated.count() == nominations_before  # issue 12 item 8


def test_demo_refuses_a_weak_password(app, restore_people):
    result = app.test_cli_runner().invoke(args=["kipp", "demo", "--password", "lemah"])
    assert result.exit_code != 0
    assert "Error:" in result.output


def test_simple_pdf_is_well_formed():
    from app.cli.demo import simple_pdf

    data = simple_pdf(["#JUDUL (uji)", "Teks dengan \\ garis miring dan é"], "Uji")
    assert data.startswith(b"%PDF-1.4")
    xref = int(data.rsplit(b"startxref\n", 1)[1].split(b"\n", 1)[0])
    assert data[xref:xref + 4] == b"xref"
    assert b"\\(uji\\)" in data


def test_synth_bulk_inserts_every_state(app, restore_people):
    from app.extensions import db
    from app.models import Assignment, Award, Competition, Innovation, Score, ScoreSheet, Unit, User

    result = app.test_cli_runner().invoke(
        args=["kipp", "synth", "--innovations", "300", "--units", "25", "--jurors", "6", "--batch-size", "100"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        session = db.session
        competition = session.query(Competition).filter(Competition.name.like("Kompetisi Inovasi Sintetis%")).one()
        assert len(competition.rounds) == 3
        innovations = session.query(Innovation).filter_by(competition_id=competition.id).all()
        assert len(innovations) == 300
        assert {i.state for i in innovations} == set(STATES)
        assert session.query(Unit).filter(Unit.code.like("SYN-%")).count() == 25
        assert session.query(User).filter(User.username.like("synth_juri_%")).count() == 6
        judged = [i for i in innovations if i.state in ("verified", "scored", "awarded")]
        assert session.query(Assignment).count() == 3 * len(judged)
        scored = [i for i in innovations if i.state in ("scored", "awarded")]
        assert session.query(ScoreSheet).filter(ScoreSheet.is_final.is_(True)).count() == 3 * len(scored)
        criteria = len(competition.rounds[0].criteria)
        assert session.query(Score).count() == 3 * len(scored) * criteria
        assert session.query(Award).count() == sum(1 for i in innovations if i.state == "awarded")

    # a second run reuses the synthetic units and jurors
    result = app.test_cli_runner().invoke(args=["kipp", "synth", "--innovations", "50", "--units", "25",
                                                "--jurors", "6"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.query(Unit).filter(Unit.code.like("SYN-%")).count() == 25
        assert db.session.query(Competition).filter(Competition.name.like("Kompetisi Inovasi Sintetis%")).count() == 2
