"""The command layer's contract (app/commands/base.py): one transaction, audit row, refused attempts recorded,
nested commands compose, workflow fires join the caller's transaction."""
import pytest

from app.commands.base import BaseCommand, transaction
from app.extensions import db
from app.models import AuditLog, Unit
from app.services.errors import Conflict


class MakeUnit(BaseCommand):
    action = "unit.create"
    target_type = "unit"

    def __init__(self, actor, code, fail=False, **kw):
        super().__init__(actor, **kw)
        self.code, self.fail = code, fail

    def validate(self):
        if self.fail:
            raise Conflict("refused on purpose")

    def perform(self):
        unit = Unit(code=self.code, name=f"Unit {self.code}", kind="opd")
        self.session.add(unit)
        self.session.flush()
        self.target_id = unit.id
        self.after = {"code": unit.code}
        return unit


@pytest.fixture
def sekretariat(app):
    with app.app_context():
        from app.models import User

        yield db.session.query(User).filter_by(username="sekretariat").one()


def _audit(action):
    return db.session.query(AuditLog).filter(AuditLog.action == action).all()


def test_command_commits_and_audits(app, sekretariat):
    unit = MakeUnit(sekretariat, "CMD-1").run()
    db.session.rollback()  # nothing pending: the command committed
    assert db.session.get(Unit, unit.id).code == "CMD-1"
    rows = _audit("unit.create")
    assert [(r.target_id, r.user_id, r.data["after"]) for r in rows] == [(unit.id, sekretariat.id, {"code": "CMD-1"})]
    db.session.delete(db.session.get(Unit, unit.id))  # units are baseline data, not emptied after each test
    db.session.commit()


def test_refused_command_changes_nothing_and_is_recorded(app, sekretariat):
    with pytest.raises(Conflict):
        MakeUnit(sekretariat, "CMD-2", fail=True).run()
    assert db.session.query(Unit).filter_by(code="CMD-2").count() == 0
    refused = _audit("unit.create.refused")
    assert len(refused) == 1 and refused[0].detail == "refused on purpose"
    assert refused[0].data["status"] == 409


def test_nested_commands_share_one_transaction(app, sekretariat):
    with pytest.raises(RuntimeError):
        with transaction(db.session):
            MakeUnit(sekretariat, "CMD-3").run()  # joins, does not commit
            raise RuntimeError("outer fails after the inner command")
    assert db.session.query(Unit).filter_by(code="CMD-3").count() == 0
    assert _audit("unit.create") == []


def test_a_transition_command_joins_the_transaction_and_audits(app, api, competition, sekretariat):
    from app.commands import transitions
    from app.lifecycles import innovation_workflow
    from app.models import Innovation, User
    from workflows.models import WorkflowHistory

    r = api("opd_a").post("/api/v1/innovation/", json={"competition_id": competition, "title": "Inovasi Perintah"})
    assert r.status_code == 201, r.get_json()
    pk = r.get_json()["id"]
    opd = db.session.query(User).filter_by(username="opd_a").one()
    with pytest.raises(RuntimeError):
        with transaction(db.session):
            transitions.fire(opd, innovation_workflow, pk, "withdraw")
            raise RuntimeError("the surrounding unit of work fails")
    assert db.session.get(Innovation, pk).state == "draft"
    assert db.session.query(WorkflowHistory).filter_by(object_id=pk, workflow="innovation").count() == 0
    transitions.fire(opd, innovation_workflow, pk, "withdraw")
    db.session.rollback()
    assert db.session.get(Innovation, pk).state == "withdrawn"
    rows = _audit("innovation.withdraw")
    assert [(r.target_id, r.data["before"], r.data["after"]) for r in rows] == [
        (pk, {"state": "draft"}, {"state": "withdrawn"})]
    # A refused attempt (Sekretariat may not withdraw) is recorded; a probe of an unknown id is not.
    from workflows.engine import WorkflowError

    with pytest.raises(WorkflowError):
        transitions.fire(opd, innovation_workflow, pk, "withdraw")
    with pytest.raises(WorkflowError):
        transitions.fire(opd, innovation_workflow, 2**30, "withdraw")
    refused = _audit("innovation.withdraw.refused")
    assert [(r.target_id, r.data["status"]) for r in refused] == [(pk, 409)]
