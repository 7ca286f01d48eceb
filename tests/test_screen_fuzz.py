"""Fuzz of the screen routes (DESIGN §4, §8: never a 500 for bad input, on any door).

Hypothesis draws a screen route from the app's own url_map (every FAB view, the judging pages, the
security self-service forms, the public pages), path arguments (real ids, huge, negative, junk, NUL),
FAB's list arguments (``_oc_*``, ``_od_*``, ``page_*``, ``psize_*``, ``_flt_*``) and, for POST routes, form
fields, and sends it as a logged-in Sekretariat, OPD and Juri user. No answer may be a server error, and
any NUL character sent must be refused with a 4xx (PostgreSQL cannot store it).
"""
import re
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.extensions import db
from app.models import Unit
from tests.conftest import PASSWORD, future
from tests.judging_helpers import assign, rounds_of, user_id, verified

# Routes that would end the session or change the fuzzing user's own password: not fuzzed.
SKIPPED_ENDPOINTS = {"AuthDBView.logout", "ResetMyPasswordView.this_form_post", "ResetPasswordView.this_form_post"}
# Per role; deeper runs: SIKIPP_FUZZ_EXAMPLES=500 (run so on SQLite and PostgreSQL while building this).
EXAMPLES = int(__import__("os").environ.get("SIKIPP_FUZZ_EXAMPLES", "60"))
JUNK = ["0", "-1", "abc", "1.5", "1e3", "99999999999999999999", str(2**31), str(2**63), "%", "x\x00y", "\x00",
        "' OR 1=1 --", "..", "unit", "title", "asc", "desc", "ü", "", " ", "null", "[]", "<b>"]
FORM_KEYS = ["action", "rowid", "comment", "wf_comment", "reason", "next", "jurors_per_innovation", "juror_id",
             "checklist_0", "first_name", "last_name", "username", "file", "name", "code", "kind", "sequence",
             "weight", "year", "title", "competition", "round", "innovation", "juror", "unit", "shortlist_size",
             "max_score", "submission_deadline", "started_on", "sdg_goals", "video_url", "summary"]


@pytest.fixture
def world(app, api, forget_new_units_and_users):
    """Rows of every kind, and the ids the fuzz may put in URLs (never a seeded unit's or user's)."""
    sek = api("sekretariat")
    competition = sek.post("/api/v1/competition/", json={"name": "Kompetisi Fuzz", "year": 2026,
                                                         "submission_deadline": future()}).get_json()["id"]
    drafts = [api(u).post("/api/v1/innovation/", json={"competition_id": competition, "title": f"Draf {u}"})
              .get_json()["id"] for u in ("opd_a", "opd_b")]
    with app.app_context():
        ids = verified(app, competition, ["T-OPD-A", "T-OPD-B"], title="Terverifikasi")
        first_round = rounds_of(competition)[0].id
        assignments = [assign(app, first_round, ids[0], user_id("juri1")),
                       assign(app, first_round, ids[1], user_id("juri2"))]
        unit = Unit(code="FZ-UNIT", name="Unit Fuzz", kind="lainnya")
        db.session.add(unit)
        db.session.commit()
        unit_id = unit.id
        rounds = [r.id for r in rounds_of(competition)]
    return {"ids": sorted({competition, *drafts, *ids, *assignments, *rounds}), "unit_id": unit_id,
            "competition": competition, "draft": drafts[0]}


@pytest.fixture
def forget_new_units_and_users(app):
    """Units and users outlive the per-test cleanup: put them back as they were."""
    from app.models import User

    with app.app_context():
        units = {u.id: (u.code, u.name, u.kind, u.sakip_grade) for u in db.session.query(Unit)}
        users = {u.id for u in db.session.query(User)}
    yield
    with app.app_context():
        db.session.rollback()
        from sqlalchemy import text

        from tests.conftest import DOMAIN_TABLES

        for table in DOMAIN_TABLES:
            db.session.execute(text(f"DELETE FROM {table}"))
        db.session.query(User).filter(User.id.notin_(users)).delete(synchronize_session=False)
        db.session.query(Unit).filter(Unit.id.notin_(units)).delete(synchronize_session=False)
        for unit in db.session.query(Unit):
            unit.code, unit.name, unit.kind, unit.sakip_grade = units[unit.id]
        db.session.commit()


def _login(app, username):
    client = app.test_client()
    r = client.post("/login/", data={"username": username, "password": PASSWORD})
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    return client


def screen_rules(app):
    """(rule, method, view) for every screen route: FAB views and the app's own pages, no API."""
    views = {v.endpoint: v for v in app.appbuilder.baseviews}
    found = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/api/", "/static", "/appbuilder", "/swagger")) or rule.endpoint in SKIPPED_ENDPOINTS:
            continue
        view = views.get(rule.endpoint.split(".")[0])
        if view is None and not rule.endpoint.startswith(("verify.", "catalogue.")):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule, method, view))
    return sorted(found, key=lambda r: (r[0].rule, r[1]))


def _list_keys(view):
    names = [view.__class__.__name__] if view is not None else ["InnovationView"]
    names += [rv.__class__.__name__ for rv in getattr(view, "_related_views", None) or []]
    columns = list(getattr(view, "search_columns", None) or ["title"])
    keys = []
    for name in names:
        keys += [f"_oc_{name}", f"_od_{name}", f"page_{name}", f"psize_{name}"]
    keys += [f"_flt_{i}_{col}" for col in columns for i in (0, 1, 9)]
    return keys, list(getattr(view, "order_columns", None) or []) + columns


def _values(known):
    return (st.sampled_from(JUNK) | st.sampled_from([str(i) for i in known])
            | st.integers(-5, 2**70).map(str) | st.text(max_size=10))


# The Admin reaches FAB's security views: read-only routes only (the fuzz must not delete seeded accounts).
ADMIN_METHODS = {"GET"}
ADMIN_SKIPPED = (".delete", ".action", ".action_post", ".edit")


def _fuzz(app, client, rules, world, data):
    rule, method, view = data.draw(st.sampled_from(rules), label="route")
    known = [world["unit_id"]] if rule.rule.startswith("/unitview/") else world["ids"]
    args = {name: data.draw(_values(known), label=name) for name in rule.arguments}
    path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: quote(args[m.group(1)], safe=""), rule.rule)
    list_keys, columns = _list_keys(view)
    query = data.draw(st.dictionaries(st.sampled_from(list_keys), _values(known) | st.sampled_from(columns),
                                      max_size=4), label="query")
    form = {}
    if method == "POST":
        actions = list(getattr(view, "actions", {}) or {})
        form = data.draw(st.dictionaries(st.sampled_from(FORM_KEYS), _values(known) | st.sampled_from(actions or ["x"]),
                                         max_size=6), label="form")
    sent_nul = any("\x00" in s for s in [*args.values(), *query.keys(), *query.values(), *form.values()])
    r = client.open(path, method=method, query_string=query, data=form if method == "POST" else None)
    assert r.status_code < 500, (method, path, query, form, r.status_code, r.get_data(as_text=True)[-600:])
    if sent_nul:
        assert 400 <= r.status_code < 500, (method, path, query, form, r.status_code)


@pytest.mark.parametrize("username", ["sekretariat", "opd_a", "juri1", "admin"])
def test_screen_routes_never_answer_500(app, world, username):
    client = _login(app, username)
    rules = screen_rules(app)
    assert len(rules) > 100  # every FAB view is in the draw
    if username == "admin":
        rules = [r for r in rules if r[1] in ADMIN_METHODS and not r[0].endpoint.endswith(ADMIN_SKIPPED)]

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(data=st.data())
    def fuzz(data):
        _fuzz(app, client, rules, world, data)

    fuzz()


@pytest.mark.parametrize("path", [
    "/verify/a%00b", "/catalogue/%00", "/innovationview/list/?_flt_0_title=a%00b", "/innovationview/show/1%00",
])
def test_nul_in_public_and_screen_urls_is_400(client, path):
    assert client.get(path).status_code == 400


def test_nul_in_login_form_and_api_login_is_refused(client):
    r = client.post("/login/", data={"username": "adm\x00in", "password": "x"})
    assert r.status_code == 400
    r = client.post("/api/v1/security/login", json={"username": "adm\u0000in", "password": "x", "provider": "db"})
    assert r.status_code == 422 and "username" in r.get_json()["message"]


# -- the cases found by hand on main (each answered 500) --------------------------------------------------

BIG = "99999999999999999999"


@pytest.mark.parametrize("method,url,data,expected", [
    ("POST", "/innovationview/action/wf_submit/{draft}", {}, 404),  # bulk-only trigger on the one-row URL
    ("POST", "/innovationview/action/nope/{draft}", {}, 404),
    ("POST", "/innovationview/action_post", {"action": "nope", "rowid": "{draft}"}, 404),
    ("POST", "/innovationview/action_post", {"rowid": "{draft}"}, 404),
    ("POST", "/innovationview/action_post", {"action": "wf_submit", "rowid": BIG}, 404),
    ("POST", "/innovationview/action_post", {"action": "wf_submit"}, 302),  # nothing ticked: flashed
    ("GET", "/innovationview/download/x", None, 404),
    ("GET", "/users/download/x", None, 404),
    ("GET", "/innovationview/list/?_oc_InnovationView=unit&_od_InnovationView=asc", None, 400),
    ("GET", "/innovationview/list/?_oc_InnovationView=nope&_od_InnovationView=desc", None, 400),
    ("GET", "/innovationview/list/?page_InnovationView=abc", None, 400),
    ("GET", "/innovationview/list/?psize_InnovationView=-1", None, 400),
    ("GET", "/innovationview/list/?psize_InnovationView=0", None, 400),
    ("GET", "/innovationview/list/?_flt_7_competition=1", None, 400),
    ("GET", "/innovationview/list/?_oc_InnovationView=title&_od_InnovationView=asc&page_InnovationView=0", None,
     200),
    ("GET", f"/innovationview/show/{BIG}", None, 404),
    ("GET", f"/innovationview/edit/{BIG}", None, 404),
    ("POST", f"/innovationview/delete/{BIG}", {}, 404),
    ("GET", "/innovationview/show/abc", None, 404),
    ("GET", f"/judging/ranking/{BIG}", None, 404),
    ("GET", f"/judging/progress/{BIG}", None, 404),
    ("GET", f"/scoresheets/sheet/{BIG}", None, 404),
    ("GET", f"/participation/{BIG}/", None, 404),
    ("GET", "/users/show/abc", None, 404),
])
def test_unusual_screen_input_is_4xx(app, world, method, url, data, expected):
    draft = world["draft"]  # opd_a's draft (ids from different tables interleave on PostgreSQL: never by position)
    client = _login(app, "admin" if url.startswith("/users/") else
                    "opd_a" if "action" in url else "sekretariat")
    url = url.format(draft=draft)
    data = {k: v.format(draft=draft) for k, v in (data or {}).items()} if data is not None else None
    r = client.open(url, method=method, data=data)
    assert r.status_code == expected, (url, r.status_code, r.get_data(as_text=True)[-300:])


def test_round_screen_has_the_api_bounds(app, world):
    """sequence=99999999999 was stored by the screen (the API caps it at 1000): now the screen runs the same
    command (app.commands.judging.CreateRound), whose refusal names the bound."""
    from app.models import Round

    client = _login(app, "sekretariat")
    # The competition itself: the smallest of all ids only while every table's sequence starts together (SQLite,
    # a fresh PostgreSQL database); in a long PostgreSQL run it was an innovation's or an assignment's id.
    competition = world["competition"]
    for sequence, stored in (("99999999999", False), ("1001", False), ("0", False), ("7", True)):
        r = client.post("/roundview/add", data={"competition": str(competition), "sequence": sequence,
                                               "name": f"Babak {sequence}", "weight": "0.5"})
        with app.app_context():
            exists = db.session.query(Round.id).filter_by(name=f"Babak {sequence}").first() is not None
        assert exists is stored, (sequence, r.status_code)
        if not stored:
            # The refusal names the bound: flashed before FAB's redirect (read from the session, wherever FAB's
            # page history sends the browser next), or on the re-rendered form when the form itself refuses.
            if r.status_code == 302:
                with client.session_transaction() as sess:
                    flashed = [str(message) for _category, message in sess.get("_flashes", [])]
                assert any("1000" in m for m in flashed), (sequence, flashed)
            else:
                assert r.status_code == 200 and "1000" in r.get_data(as_text=True), sequence


def test_non_ascii_digits_never_reach_int_on_the_new_screens(app, world):
    """"²".isdigit() is True but int("²") raises: the pager, the nomination form, the carry-over form and the unit
    filter read numbers with text_rules.is_digits (each answered 500 before)."""
    comp, draft = world["competition"], world["draft"]
    sek, opd = _login(app, "sekretariat"), _login(app, "opd_a")
    for client, method, url, data in (
            (sek, "GET", f"/participation/{comp}/?page=²", None),
            (sek, "POST", f"/nominations/{comp}/nominate", {"level": "provinsi", "innovation_ids": "²"}),
            (opd, "POST", f"/innovationview/carry_over/{draft}", {"competition_id": "²"}),
            (sek, "GET", "/innovationview/list/?_flt_0_unit=²", None)):
        r = client.open(url, method=method, data=data)
        assert r.status_code < 500, (url, r.status_code, r.get_data(as_text=True)[-300:])
