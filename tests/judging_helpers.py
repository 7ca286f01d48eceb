"""Shared builders for the judging tests: verified innovations, extra jurors, sheets written directly."""
from decimal import Decimal

from app.extensions import db
from app.models import Assignment, Criterion, Innovation, Round, Score, ScoreSheet, Unit, User
from tests.conftest import PASSWORD


def unit_id(code):
    return db.session.query(Unit.id).filter_by(code=code).scalar()


def user_id(username):
    return db.session.query(User.id).filter_by(username=username).scalar()


def rounds_of(competition_id):
    return db.session.query(Round).filter_by(competition_id=competition_id).order_by(Round.sequence).all()


def verified(app, competition_id, units, title="Inovasi"):
    """One verified innovation per entry of ``units`` (unit codes); returns their ids in order."""
    with app.app_context():
        ids = []
        for n, code in enumerate(units, start=1):
            inn = Innovation(competition_id=competition_id, unit_id=unit_id(code), title=f"{title} {n}",
                             state="verified", version=1)
            db.session.add(inn)
            db.session.flush()
            ids.append(inn.id)
        db.session.commit()
        return ids


def ensure_jurors(app, specs):
    """Active Juri users ``[(username, unit_code or None)]`` (created once, reactivated); returns their ids."""
    from app.commands import users as user_commands

    with app.app_context():
        ids = []
        for username, code in specs:
            user = db.session.query(User).filter_by(username=username).one_or_none()
            if user is None:
                user_commands.add_user(db.session, username=username, password=PASSWORD, role="Juri", unit_code=code,
                               name=username, email=f"{username}@example.test")
                user = db.session.query(User).filter_by(username=username).one()
            user.active = True
            db.session.commit()
            ids.append(user.id)
        return ids


def deactivate(app, usernames):
    with app.app_context():
        for user in db.session.query(User).filter(User.username.in_(list(usernames))):
            user.active = False
        db.session.commit()


def assign(app, round_id, innovation_id, juror_id, status="active"):
    with app.app_context():
        a = Assignment(round_id=round_id, innovation_id=innovation_id, juror_id=juror_id, status=status)
        db.session.add(a)
        db.session.commit()
        return a.id


def write_sheet(session, assignment_id, values, final=True, comment=None):
    """A sheet with {criterion_id: value} written directly (no API)."""
    sheet = ScoreSheet(assignment_id=assignment_id, is_final=final, comment=comment)
    session.add(sheet)
    session.flush()
    for cid, value in values.items():
        session.add(Score(sheet_id=sheet.id, criterion_id=cid, value=Decimal(str(value))))
    return sheet


def criteria(round_id):
    return db.session.query(Criterion).filter_by(round_id=round_id).order_by(Criterion.sequence, Criterion.id).all()
