"""A two-role approval on Flask-AppBuilder with fab-workflows.

An ``Employee`` drafts an expense claim and submits it; a ``Manager`` approves it (only up to the approval
limit: above it the guard says why) or rejects it with a comment; the employee may revise a rejected claim.

    pip install ./workflows                # the plugin (and Flask-AppBuilder)
    python workflows/examples/approval/example.py       # http://127.0.0.1:5000  (users: alice/bob, password "secret")

Everything the plugin gives shows up: per-trigger FAB permissions (``ExpenseWorkflow``: can_submit, can_approve,
…), the four workflow endpoints on ``/api/v1/expense/``, the state badge, buttons, history and diagram on the
expense page, bulk actions on the list, and hooks (``on_enter_approved`` counts approvals).
"""
from __future__ import annotations

import os
import tempfile

from flask import Flask, g
from flask_appbuilder import AppBuilder, Model, ModelView
from flask_appbuilder.api import ModelRestApi
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.utils.legacy import get_sqla_class
from sqlalchemy import Column, ForeignKey, Integer, Numeric, String

from workflows import Transition, Workflow
from workflows.fab import FabAuthorizer, WorkflowApiMixin, WorkflowViewMixin, state_badge

APPROVAL_LIMIT = 1000
PASSWORD = "secret"


class Expense(Model):
    __tablename__ = "expense"
    id = Column(Integer, primary_key=True)
    title = Column(String(200), nullable=False)
    amount = Column(Numeric(10, 2), nullable=False, default=0)
    state = Column(String(16), nullable=False, default="draft")
    version = Column(Integer, nullable=False, default=1)
    owner_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True)
    approvals = Column(Integer, nullable=False, default=0)  # written by the on_enter_approved hook


# -- guards (return a reason, or None), effects and hooks: each gets the TransitionContext ---------------------


def has_amount(ctx):
    return None if ctx.obj.amount and ctx.obj.amount > 0 else "The claim needs an amount above zero."


def within_limit(ctx):
    if ctx.obj.amount > APPROVAL_LIMIT:
        return f"Above the approval limit of {APPROVAL_LIMIT}: ask the director."
    return None


def count_approval(ctx):
    ctx.obj.approvals = (ctx.obj.approvals or 0) + 1


expense_workflow = Workflow(
    "expense",
    states=("draft", "submitted", "approved", "rejected"),
    initial="draft",
    view_menu="ExpenseWorkflow",
    state_labels={"draft": "Draft", "submitted": "Submitted", "approved": "Approved", "rejected": "Rejected"},
    state_styles={"draft": "default", "submitted": "info", "approved": "success", "rejected": "danger"},
    is_owner=lambda user, obj: obj.owner_id == getattr(user, "id", None),
    on_enter={"approved": count_approval},
    transitions=[
        Transition("submit", "draft", "submitted", roles=("Employee",), owner_only=True, guards=(has_amount,),
                   label="Submit"),
        Transition("approve", "submitted", "approved", roles=("Manager",), guards=(within_limit,), label="Approve"),
        Transition("reject", "submitted", "rejected", roles=("Manager",), comment_required=True, label="Reject"),
        Transition("revise", "rejected", "draft", roles=("Employee",), owner_only=True, label="Revise"),
    ],
)

def registry():
    """The names expense.yaml may use (workflows.definitions): the same guard and hook functions."""
    from workflows.definitions import Registry

    return Registry(guards={"has_amount": has_amount, "within_limit": within_limit},
                    hooks={"count_approval": count_approval},
                    owners={"is_owner": expense_workflow.is_owner})


def load_yaml_workflow():
    """expense_workflow, loaded from expense.yaml instead of Python."""
    from workflows.definitions import load_file

    return load_file(os.path.join(os.path.dirname(os.path.abspath(__file__)), "expense.yaml"), registry())


# One permission set per resource ("Expense": can_read, can_write) for the view and the API alike.
READ = ("get_list", "get", "info", "transitions", "fire", "fire_bulk", "history", "list", "show", "fire_view",
        "action", "action_post", "api", "api_read", "api_get", "download")
METHOD_PERMISSIONS = {**{m: "read" for m in READ}, "post": "write", "put": "write", "add": "write",
                      "edit": "write", "delete": "write"}


def set_owner(item):
    if item.owner_id is None:
        item.owner_id = g.user.id
    item.state, item.version = "draft", 1  # never what the client sent


class ExpenseView(WorkflowViewMixin, ModelView):
    datamodel = SQLAInterface(Expense)
    workflow = expense_workflow
    class_permission_name = "Expense"
    method_permission_name = METHOD_PERMISSIONS
    list_columns = ["title", "amount", "state"]
    show_columns = ["title", "amount", "approvals"]
    add_columns = edit_columns = ["title", "amount"]
    formatters_columns = {"state": lambda s: state_badge(expense_workflow, s)}

    def pre_add(self, item):
        set_owner(item)


class ExpenseApi(WorkflowApiMixin, ModelRestApi):
    resource_name = "expense"
    datamodel = SQLAInterface(Expense)
    workflow = expense_workflow
    class_permission_name = "Expense"
    method_permission_name = METHOD_PERMISSIONS
    list_columns = show_columns = ["id", "title", "amount", "state", "owner_id", "approvals"]
    add_columns = edit_columns = ["title", "amount"]

    def pre_add(self, item):
        set_owner(item)


def seed(appbuilder):
    """Roles with their resource and trigger permissions (from the definition), and one user per role."""
    sm = appbuilder.sm
    grants = {"Employee": [("can_read", "Expense"), ("can_write", "Expense")],
              "Manager": [("can_read", "Expense")]}
    for permission, view_menu, roles in expense_workflow.permissions():
        for role in roles:
            grants[role].append((permission, view_menu))
    for role_name, perms in grants.items():
        role = sm.find_role(role_name) or sm.add_role(role_name)
        for permission, view_menu in perms:
            sm.add_permission_role(role, sm.add_permission_view_menu(permission, view_menu))
    for username, role_name in (("alice", "Employee"), ("bob", "Manager"), ("carol", "Employee")):
        if sm.find_user(username=username) is None:
            sm.add_user(username, username.title(), "Example", f"{username}@example.test",
                        sm.find_role(role_name), password=PASSWORD)


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY="example-only-not-a-secret-change-me-0123456789",
        SQLALCHEMY_DATABASE_URI="sqlite:///" + os.path.join(tempfile.gettempdir(), "fab-workflows-example.db"),
        FAB_ADD_SECURITY_API=True,
        FAB_API_SWAGGER_UI=False,
        APP_NAME="Expense approval",
    )
    app.config.update(config or {})
    db = get_sqla_class()()
    db.init_app(app)
    with app.app_context():
        db.create_all()
        appbuilder = AppBuilder()
        appbuilder.init_app(app, db.session)
        expense_workflow.bind(Expense, authorizer=FabAuthorizer())
        appbuilder.add_view(ExpenseView, "Expenses", icon="fa-money")
        appbuilder.add_api(ExpenseApi)
        seed(appbuilder)
    app.extensions["example_db"] = db
    return app


if __name__ == "__main__":
    create_app().run()  # `flask --app example --debug run` for the debugger: never on by default
