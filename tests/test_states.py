"""Lifecycle facts once (app/models/states.py): the workflows, labels and CHECK constraints derive from the
enums; the migrated database allows exactly the enums' values; ``Workflow.bind()`` refuses a model whose CHECK
constraint on the state column disagrees with the workflow's states."""
import re

import pytest
from sqlalchemy import CheckConstraint, Column, Integer, MetaData, String, Table, inspect
from sqlalchemy.orm import declarative_base

from app.models import Assignment, Decree, Innovation, IssuedDocument, Unit
from app.models.states import (
    AssignmentStatus,
    DecreeState,
    DocumentKind,
    DocumentState,
    InnovationState,
    SakipGrade,
    UnitKind,
    values,
)
from workflows.engine import Transition, Workflow, check_constraint_values

# (table, constraint, enum): every closed set of codes the schema checks
CONSTRAINED = [
    (Innovation, "ck_innovation_state", InnovationState),
    (Decree, "ck_decree_state", DecreeState),
    (Assignment, "ck_assignment_status", AssignmentStatus),
    (Unit, "ck_unit_kind", UnitKind),
    (Unit, "ck_unit_sakip_grade", SakipGrade),
    (IssuedDocument, "ck_issued_document_kind", DocumentKind),
    (IssuedDocument, "ck_issued_document_state", DocumentState),
]


def _literals(text):
    return {v.replace("''", "'") for v in re.findall(r"'((?:[^']|'')*)'", text)}


def _constraint(model, name):
    (found,) = [c for c in model.__table__.constraints if isinstance(c, CheckConstraint) and c.name == name]
    return str(found.sqltext)


def test_design_states_are_exact():
    assert values(InnovationState) == ("draft", "submitted", "verified", "scored", "awarded", "rejected",
                                       "withdrawn")
    assert values(DecreeState) == ("draft", "signed", "revoked")
    assert all(isinstance(v, str) and type(v) is str for v in values(InnovationState))


def test_workflows_labels_and_constraints_derive_from_the_enums():
    from app.lifecycles import decree_workflow, innovation_workflow
    from app.models.unit import UNIT_KIND_LABELS
    from app.services.innovations import STATE_LABELS

    assert innovation_workflow.states == values(InnovationState)
    assert decree_workflow.states == values(DecreeState)
    assert set(STATE_LABELS) == set(InnovationState) == set(innovation_workflow.state_labels)
    assert set(decree_workflow.state_labels) == set(DecreeState)
    assert set(UNIT_KIND_LABELS) == set(UnitKind)
    for model, name, codes in CONSTRAINED:
        assert _literals(_constraint(model, name)) == set(values(codes)), name


def test_migrated_database_allows_exactly_the_enums_values(app):
    """The models' constraints are derived; the migrations are not: the database built by the migrations (the
    test database) must check the same values (SQLite: the very same text)."""
    from app.extensions import db

    with app.app_context():
        inspector = inspect(db.engine)
        sqlite = db.engine.dialect.name == "sqlite"
        for model, name, codes in CONSTRAINED:
            reflected = {c["name"]: c["sqltext"] for c in inspector.get_check_constraints(model.__tablename__)}
            assert name in reflected, (model.__tablename__, sorted(reflected))
            assert _literals(reflected[name]) == set(values(codes)), (name, reflected[name])
            if sqlite:
                assert reflected[name] == _constraint(model, name)


def _workflow(states, name="thing"):
    states = tuple(states)
    return Workflow(name, states=states, initial=states[0],
                    transitions=[Transition("go", states[0], states[1], roles=("Admin",))])


def test_bind_refuses_a_model_whose_check_constraint_disagrees():
    Base = declarative_base()

    class Thing(Base):
        __tablename__ = "thing_under_test"
        __table_args__ = (CheckConstraint("state IN ('draft', 'signed', 'it''s')", name="ck_thing_state"),
                          CheckConstraint("kind IN ('a', 'b')", name="ck_thing_kind"))
        id = Column(Integer, primary_key=True)
        state = Column(String(16))
        kind = Column(String(16))
        version = Column(Integer)

    with pytest.raises(ValueError) as refused:
        _workflow(("draft", "signed", "revoked")).bind(Thing)
    message = str(refused.value)
    assert "ck_thing_state" in message and "revoked" in message and "it's" in message
    assert _workflow(("draft", "signed", "revoked")).model is None
    # the same states (quotes doubled in SQL) are accepted; other columns' constraints do not matter
    assert _workflow(("draft", "signed", "it's")).bind(Thing).model is Thing
    assert check_constraint_values(Thing, "kind") == [("ck_thing_kind", {"a", "b"})]

    # a Table mapped under another attribute name: the column's name counts
    table = Table("other_thing", MetaData(), Column("id", Integer, primary_key=True), Column("st", String(8)),
                  CheckConstraint("st IN ('x', 'y')", name="ck_other_st"))

    class Other(Base):
        __table__ = table
        phase = table.c.st

    with pytest.raises(ValueError, match="only in the workflow: \\['z'\\]"):
        _workflow(("x", "y", "z"), "other").bind(Other, state_attr="phase")
    assert _workflow(("y", "x"), "other").bind(Other, state_attr="phase").model is Other


def test_bind_accepts_the_real_models(app):
    from app.lifecycles import decree_workflow, innovation_workflow

    for workflow, model in ((innovation_workflow, Innovation), (decree_workflow, Decree)):
        assert workflow.model is model  # bound by the app
        copy = Workflow(f"{workflow.name}_copy", states=workflow.states, initial=workflow.initial,
                        transitions=list(workflow.transitions.values()))
        assert copy.bind(model).model is model
    # one state fewer than the table allows: refused
    with pytest.raises(ValueError, match="withdrawn"):
        _workflow(values(InnovationState)[:-1], "short").bind(Innovation)
