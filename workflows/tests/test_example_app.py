"""The example two-role approval (examples/approval) through its HTTP API and screens."""
import re

import pytest
from sqlalchemy import func, select

from workflows.models import WorkflowHistory


def new_expense(api, amount=50, user="alice"):
    r = api(user).post("/api/v1/expense/", json={"title": "Taxi to the client", "amount": amount})
    assert r.status_code == 201, r.data
    return r.get_json()["id"]


def history_count(db, pk):
    db.session.rollback()
    return db.session.execute(select(func.count(WorkflowHistory.id)).where(
        WorkflowHistory.workflow == "expense", WorkflowHistory.object_id == pk)).scalar()


def row(db, example, pk):
    db.session.rollback()
    return db.session.get(example.Expense, pk)


def available(api, user, pk):
    body = api(user).get(f"/api/v1/expense/{pk}/transitions").get_json()
    return body["state"], {a["trigger"]: a for a in body["available"]}


def test_two_role_approval_through_the_api(app, api, db, example):
    pk = new_expense(api)
    state, alice = available(api, "alice", pk)
    assert state == "draft" and alice["submit"]["allowed"] is True and alice["submit"]["reason"] is None
    assert api("alice").post(f"/api/v1/expense/{pk}/transitions/submit").get_json() == {"state": "submitted"}

    state, bob = available(api, "bob", pk)
    assert state == "submitted" and set(bob) == {"approve", "reject"}
    assert bob["approve"]["allowed"] is True and bob["reject"]["comment_required"] is True
    r = api("bob").post(f"/api/v1/expense/{pk}/transitions/approve", json={"comment": "ok"})
    assert (r.status_code, r.get_json()) == (200, {"state": "approved"})

    expense = row(db, example, pk)
    assert (expense.state, expense.version, expense.approvals) == ("approved", 3, 1)  # on_enter_approved once
    history = api("alice").get(f"/api/v1/expense/{pk}/history").get_json()["result"]
    assert [(h["trigger"], h["source"], h["dest"], h["user"], h["comment"]) for h in history] == [
        ("submit", "draft", "submitted", "alice", None), ("approve", "submitted", "approved", "bob", "ok")]


def test_a_failing_condition_is_409_with_its_reason_and_writes_no_history(api, db, example):
    pk = new_expense(api, amount=5000)
    api("alice").post(f"/api/v1/expense/{pk}/transitions/submit")
    reason = f"Above the approval limit of {example.APPROVAL_LIMIT}: ask the director."
    _state, bob = available(api, "bob", pk)
    assert (bob["approve"]["allowed"], bob["approve"]["reason"], bob["approve"]["permitted"]) == (False, reason, True)

    r = api("bob").post(f"/api/v1/expense/{pk}/transitions/approve")
    assert (r.status_code, r.get_json()) == (409, {"message": reason})
    assert history_count(db, pk) == 1  # the submit only
    expense = row(db, example, pk)
    assert (expense.state, expense.version, expense.approvals) == ("submitted", 2, 0)


def test_roles_ownership_state_and_comment(api, db, example):
    pk = new_expense(api)
    r = api("bob").post(f"/api/v1/expense/{pk}/transitions/submit")
    assert r.status_code == 403 and "submit" in r.get_json()["message"].lower()
    assert api("carol").post(f"/api/v1/expense/{pk}/transitions/submit").status_code == 403  # not the owner
    _state, carol = available(api, "carol", pk)
    assert carol["submit"]["allowed"] is False and carol["submit"]["permitted"] is False
    assert api("bob").post(f"/api/v1/expense/{pk}/transitions/approve").status_code == 409  # still a draft
    assert api("alice").post(f"/api/v1/expense/{pk}/transitions/nope").status_code == 404
    assert api("alice").post(f"/api/v1/expense/{pk}/transitions/submit").status_code == 200
    assert api("bob").post(f"/api/v1/expense/{pk}/transitions/reject").status_code == 422  # comment required
    assert api("bob").post(f"/api/v1/expense/{pk}/transitions/reject", json={"comment": "No receipt"}).status_code == 200
    assert api("alice").post(f"/api/v1/expense/{pk}/transitions/revise").get_json() == {"state": "draft"}
    assert history_count(db, pk) == 3


def test_empty_claim_is_refused_by_its_guard(api, db, example):
    pk = new_expense(api, amount=0)
    r = api("alice").post(f"/api/v1/expense/{pk}/transitions/submit")
    assert (r.status_code, r.get_json()["message"]) == (409, "The claim needs an amount above zero.")
    assert history_count(db, pk) == 0


def test_bulk_fire_reports_per_id(api, db, example):
    ok, over = new_expense(api), new_expense(api, amount=4000)
    for pk in (ok, over):
        api("alice").post(f"/api/v1/expense/{pk}/transitions/submit")
    r = api("bob").post("/api/v1/expense/transitions/approve", json={"ids": [ok, over, 999999]})
    results = {x["id"]: x for x in r.get_json()["result"]}
    assert (results[ok]["status"], results[ok]["state"]) == (200, "approved")
    assert results[over]["status"] == 409 and "approval limit" in results[over]["message"]
    assert results[999999]["status"] == 404


def test_may_trigger_agrees_with_available_everywhere(app, api, db, example):
    """For every state, user and trigger: the machine's may_<trigger> (on the row attached to the shared machine)
    and Workflow.may say what available() (the API's ``allowed``) says."""
    wf = example.expense_workflow
    pks = {}
    for state, amount in (("draft", 50), ("draft0", 0), ("submitted", 50), ("submitted_big", 5000),
                          ("approved", 50), ("rejected", 50)):
        pk = new_expense(api, amount=amount)
        expense = row(db, example, pk)
        expense.state = state.split("_")[0].rstrip("0")
        db.session.commit()
        pks[state] = pk
    sm = app.appbuilder.sm
    checked = 0
    for username in ("alice", "bob", "carol"):
        user = sm.find_user(username=username)
        for pk in pks.values():
            obj = row(db, example, pk)
            allowed = {a["trigger"]: a["allowed"] for a in wf.available(db.session, obj, user)}
            with wf.attach(obj, session=db.session, user=user):
                for trigger in wf.transitions:
                    expected = allowed.get(trigger, False)
                    assert getattr(obj, f"may_{trigger}")() is expected, (username, obj.state, trigger)
                    assert wf.may(db.session, obj, user, trigger) is expected
                    checked += 1
            assert not hasattr(obj, "may_approve") and wf.machine.models == []  # nothing stays on the row
    assert checked == 3 * 6 * 4
    assert any(allowed for allowed in [wf.may(db.session, row(db, example, pks["submitted"]),
                                              sm.find_user(username="bob"), "approve")])


# -- screens --------------------------------------------------------------------------------------------------


def login(client, username):
    r = client.post("/login/", data={"username": username, "password": "secret"})
    assert r.status_code == 302, r.data[:300]


def test_screen_buttons_history_diagram_and_no_inline_script(app, client, api, db, example):
    pk = new_expense(api)
    api("alice").post(f"/api/v1/expense/{pk}/transitions/submit")
    login(client, "bob")
    html = client.get(f"/expenseview/show/{pk}").get_data(as_text=True)
    assert 'data-trigger="approve"' in html and 'data-trigger="reject"' in html
    assert 'data-trigger="submit"' not in html
    assert 'data-state="submitted"' in html and "alice" in html  # badge and history
    assert "onclick" not in html
    script = re.search(r'<script src="([^"]*fab_workflows[^"]*workflows\.js)"', html)
    assert script and client.get(script.group(1)).status_code == 200
    try:
        import shutil

        import graphviz  # noqa: F401
        drawn = shutil.which("dot") is not None
    except ImportError:
        drawn = False
    if drawn:  # the diagram with this record's state highlighted
        assert re.search(r'<g id="wf_state_submitted" class="node wf_current">', html)
    else:  # without Graphviz the page simply has no diagram
        assert "wf-diagram" not in html

    r = client.post(f"/expenseview/fire/{pk}/approve", data={"comment": "fine"})
    assert r.status_code == 302
    assert row(db, example, pk).state == "approved"
    listing = client.get("/expenseview/list/").get_data(as_text=True)
    assert "wf_approve" in listing  # bulk action of every trigger


@pytest.mark.parametrize("user", ["alice", "bob"])
def test_screen_refusal_is_flashed_with_the_reason(client, api, db, example, user):
    pk = new_expense(api, amount=5000)
    api("alice").post(f"/api/v1/expense/{pk}/transitions/submit")
    login(client, user)
    r = client.post(f"/expenseview/fire/{pk}/approve", data={}, follow_redirects=True)
    text = r.get_data(as_text=True)
    assert ("approval limit" in text) if user == "bob" else ("may not perform" in text)
    assert row(db, example, pk).state == "submitted"
