"""Bad input never gets a 500 (DESIGN §4): 400 malformed, 404 unknown, 409 conflict, 422 invalid — as JSON."""
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

RESOURCES = ("unit", "competition", "round", "criterion", "innovation", "assignment", "award", "decree")
WRITABLE = tuple(r for r in RESOURCES if r != "award")
BAD_IDS = ("999999", "0", "abc", "-1", "1.5", "2147483648", "99999999999999999999", "1e3", "%20")


@pytest.fixture
def forget_new_units(app):
    """Units survive the per-test cleanup: remove the ones a test created."""
    from app.extensions import db
    from app.models import Unit

    with app.app_context():
        before = {u for (u,) in db.session.query(Unit.id)}
    yield
    with app.app_context():
        db.session.rollback()
        db.session.query(Unit).filter(Unit.id.notin_(before)).delete(synchronize_session=False)
        db.session.commit()


def _json_message(r):
    body = r.get_json()
    assert isinstance(body, dict) and "message" in body, (r.status_code, r.get_data(as_text=True)[:300])
    return body["message"]


def _raw(client, api_client, method, url, data, content_type="application/json"):
    return getattr(client, method)(url, data=data, headers={**api_client.headers, "Content-Type": content_type})


# -- unknown ids ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("resource", RESOURCES)
def test_unknown_id_get_is_json_404(api, resource):
    for pk in BAD_IDS:
        r = api("admin").get(f"/api/v1/{resource}/{pk}")
        assert r.status_code == 404, (pk, r.status_code, r.get_data(as_text=True)[:200])
        _json_message(r)


@pytest.mark.parametrize("resource", WRITABLE)
def test_unknown_id_put_delete_is_404(api, resource):
    caller = api("admin")
    for pk in ("999999", "abc", "-1", "99999999999999999999"):
        url = f"/api/v1/{resource}/{pk}"
        for r in (caller.put(url, json={"name": "x"}), caller.delete(url)):
            assert r.status_code == 404, (pk, r.status_code, r.get_data(as_text=True)[:200])
            _json_message(r)


@pytest.mark.parametrize("resource", ("innovation", "decree"))
def test_unknown_id_on_workflow_endpoints_is_404(api, resource):
    caller = api("admin")
    for pk in ("999999", "abc", "-1", "2147483648", "99999999999999999999"):
        for method, suffix in [("get", "/transitions"), ("get", "/history"), ("post", "/transitions/submit"),
                               ("post", "/transitions/sign")]:
            url = f"/api/v1/{resource}/{pk}{suffix}"
            r = caller.post(url, json={}) if method == "post" else caller.get(url)
            assert r.status_code == 404, (url, r.status_code, r.get_data(as_text=True)[:200])
            _json_message(r)


def test_unknown_id_as_anonymous_never_500(client):
    for pk in BAD_IDS:
        r = client.get(f"/api/v1/innovation/{pk}/history")
        assert r.status_code in (401, 404), (pk, r.status_code)


# -- malformed bodies -------------------------------------------------------------------------------------

@pytest.mark.parametrize("method,url", [("post", "/api/v1/unit/"), ("put", "/api/v1/unit/{unit}"),
                                        ("post", "/api/v1/innovation/"), ("put", "/api/v1/innovation/{inn}"),
                                        ("post", "/api/v1/innovation/{inn}/transitions/withdraw"),
                                        ("post", "/api/v1/innovation/transitions/withdraw")])
def test_malformed_json_is_400(app, client, api, competition, method, url):
    from app.extensions import db
    from app.models import Unit

    opd = api("opd_a") if "innovation" in url else api("sekretariat")
    inn = api("opd_a").post("/api/v1/innovation/", json={"competition_id": competition, "title": "T"}).get_json()["id"]
    with app.app_context():
        unit = db.session.query(Unit.id).filter_by(code="T-KEC-C").scalar()
    for data in ('{"code": "X"', "{'code': 'X'}", "nul\x00", "[1, 2", '{"a": }', ""):
        r = _raw(client, opd, method, url.format(unit=unit, inn=inn), data)
        if data == "" and url.endswith("/withdraw"):
            continue  # an empty body is an empty request: firing without comment or data is allowed
        assert r.status_code == 400, (data, r.status_code, r.get_data(as_text=True)[:200])
        _json_message(r)


@pytest.mark.parametrize("method,url", [("post", "/api/v1/unit/"), ("post", "/api/v1/competition/"),
                                        ("put", "/api/v1/competition/{comp}"),
                                        ("post", "/api/v1/innovation/{inn}/transitions/withdraw")])
def test_non_object_json_is_400(client, api, competition, method, url):
    caller = api("admin")
    inn = api("opd_a").post("/api/v1/innovation/", json={"competition_id": competition, "title": "T"}).get_json()["id"]
    for body in ([1, 2], "code", 5, None, True, [{"code": "X"}]):
        r = _raw(client, caller, method, url.format(comp=competition, inn=inn), json.dumps(body))
        assert r.status_code == 400, (body, r.status_code, r.get_data(as_text=True)[:200])
        _json_message(r)


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"])
def test_non_json_body_is_400(client, api, content_type):
    r = _raw(client, api("sekretariat"), "post", "/api/v1/unit/", "code=X&name=Y&kind=opd", content_type)
    assert r.status_code == 400, (r.status_code, r.get_data(as_text=True)[:200])


# -- invalid values name their field ---------------------------------------------------------------------

def _round_id(api, competition):
    rounds = api("sekretariat").get("/api/v1/round/").get_json()["result"]
    return next(r["id"] for r in rounds if r["competition_id"] == competition and r["sequence"] == 1)


INVALID = [
    # (user, resource, body, field)
    ("sekretariat", "unit", {"code": "Q-1", "name": "Q", "kind": "xyz"}, "kind"),
    ("sekretariat", "unit", {"code": "Q-1", "name": "Q", "kind": "opd", "sakip_grade": "Z"}, "sakip_grade"),
    ("sekretariat", "unit", {"code": "Q-1", "name": "Q", "kind": "opd", "sakip_grade": "a"}, "sakip_grade"),
    ("sekretariat", "unit", {"code": "", "name": "Q", "kind": "opd"}, "code"),
    ("sekretariat", "unit", {"code": "Q" * 33, "name": "Q", "kind": "opd"}, "code"),
    ("sekretariat", "unit", {"name": "Q", "kind": "opd"}, "code"),
    ("sekretariat", "unit", {"code": 5, "name": "Q", "kind": "opd"}, "code"),
    ("sekretariat", "unit", {"code": "Q-1", "name": "Q", "kind": "opd", "bogus": 1}, "bogus"),
    ("sekretariat", "competition", {"name": "K", "year": 1800, "submission_deadline": "2026-08-01T00:00:00"},
     "year"),
    ("sekretariat", "competition", {"name": "K", "year": "dua ribu", "submission_deadline": "2026-08-01"}, "year"),
    ("sekretariat", "competition", {"name": "K", "year": 2026, "submission_deadline": "besok"},
     "submission_deadline"),
    ("sekretariat", "competition", {"name": "K", "year": 2026, "submission_deadline": "0001-01-01T00:00:00"},
     "submission_deadline"),
    ("sekretariat", "competition", {"name": "K", "year": 2026,
                                    "submission_deadline": "9999-12-31T23:59:59-12:00"}, "submission_deadline"),
    ("sekretariat", "competition", {"name": "K", "year": 2026, "submission_deadline": "2026-08-01T00:00:00",
                                    "max_attachment_mb": 0}, "max_attachment_mb"),
    ("sekretariat", "competition", {"name": "", "year": 2026, "submission_deadline": "2026-08-01T00:00:00"},
     "name"),
    ("sekretariat", "criterion", {"round_id": "{round}", "name": "K", "weight": 0}, "weight"),
    ("sekretariat", "criterion", {"round_id": "{round}", "name": "K", "weight": -1}, "weight"),
    ("sekretariat", "criterion", {"round_id": "{round}", "name": "K", "weight": 1, "max_score": 0}, "max_score"),
    ("sekretariat", "criterion", {"round_id": 999999, "name": "K", "weight": 1}, "round_id"),
    ("sekretariat", "criterion", {"round_id": 2**40, "name": "K", "weight": 1}, "round_id"),
    ("sekretariat", "criterion", {"round_id": "{round}", "name": "K", "weight": 1, "sequence": 2**40}, "sequence"),
    ("sekretariat", "round", {"competition_id": "{comp}", "name": "R", "sequence": 0, "weight": 1}, "sequence"),
    ("sekretariat", "round", {"competition_id": "{comp}", "name": "R", "sequence": 2**40, "weight": 1}, "sequence"),
    ("sekretariat", "round", {"competition_id": "{comp}", "name": "R", "sequence": 5, "weight": 0}, "weight"),
    ("sekretariat", "round", {"competition_id": "{comp}", "name": "R", "sequence": 5, "weight": 1,
                              "shortlist_size": 2**40}, "shortlist_size"),
    ("sekretariat", "round", {"competition_id": 999999, "name": "R", "sequence": 5, "weight": 1}, "competition_id"),
    ("opd_a", "innovation", {"competition_id": "{comp}", "title": "x" * 201}, "title"),
    ("opd_a", "innovation", {"competition_id": "{comp}", "title": ""}, "title"),
    ("opd_a", "innovation", {"competition_id": "{comp}"}, "title"),
    ("opd_a", "innovation", {"competition_id": "{comp}", "title": "T", "video_url": "javascript:alert(1)"},
     "video_url"),
    ("opd_a", "innovation", {"competition_id": "{comp}", "title": "T", "video_url": "bukan url"}, "video_url"),
    ("opd_a", "innovation", {"competition_id": "{comp}", "title": "T", "sdg_goals": [0, 18]}, "sdg_goals"),
    ("opd_a", "innovation", {"competition_id": "{comp}", "title": "T", "sdg_goals": [1, "2"]}, "sdg_goals"),
    ("opd_a", "innovation", {"competition_id": "{comp}", "title": "T", "sdg_goals": [True]}, "sdg_goals"),
    ("opd_a", "innovation", {"competition_id": "{comp}", "title": "T", "sdg_goals": "1,2"}, "sdg_goals"),
    ("opd_a", "innovation", {"competition_id": "{comp}", "title": "T", "started_on": "kemarin"}, "started_on"),
    ("opd_a", "innovation", {"competition_id": 999999, "title": "T"}, "competition_id"),
    ("opd_a", "innovation", {"competition_id": 99999999999999999999, "title": "T"}, "competition_id"),
    ("opd_a", "innovation", {"competition_id": "{comp}", "title": "nul\x00"}, "title"),
    ("sekretariat", "assignment", {"round_id": "{round}", "innovation_id": 999999, "juror_id": 1}, "innovation_id"),
    ("sekretariat", "assignment", {"round_id": "x", "innovation_id": 1, "juror_id": 1}, "round_id"),
    ("sekretariat", "assignment", {"round_id": "{round}", "innovation_id": 1, "juror_id": 2**63}, "juror_id"),
    ("sekretariat", "decree", {"competition_id": 999999}, "competition_id"),
]


@pytest.mark.parametrize("user,resource,body,field", INVALID,
                         ids=[f"{res}-{field}-{i}" for i, (_u, res, _b, field) in enumerate(INVALID)])
def test_invalid_value_is_422_naming_the_field(api, competition, forget_new_units, user, resource, body, field):
    fill = {"{comp}": competition, "{round}": _round_id(api, competition)}
    body = {k: fill.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    r = api(user).post(f"/api/v1/{resource}/", json=body)
    assert r.status_code == 422, (r.status_code, r.get_data(as_text=True)[:300])
    message = _json_message(r)
    assert field in (message if isinstance(message, dict) else {}) or field in str(message), message


def test_valid_edge_values_are_accepted(api, competition, forget_new_units):
    """The other side of the limits above: boundary values pass."""
    sek, opd = api("sekretariat"), api("opd_a")
    r = sek.post("/api/v1/unit/", json={"code": "Q-NULL", "name": "Q", "kind": "smp", "sakip_grade": None})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["result"]["sakip_grade"] is None
    r = opd.post("/api/v1/innovation/", json={
        "competition_id": competition, "title": "é" * 200, "sdg_goals": [1, 17],
        "video_url": "https://www.youtube.com/watch?v=abc", "started_on": "2020-01-31"})
    assert r.status_code == 201, r.get_json()
    r = sek.post("/api/v1/criterion/", json={"round_id": _round_id(api, competition), "name": "K",
                                             "weight": 0.5, "max_score": 10})
    assert r.status_code == 201, r.get_json()
    r = sek.post("/api/v1/competition/", json={"name": "K", "year": 2000, "submission_deadline": "2026-08-01T08:00:00+07:00"})
    assert r.status_code == 201, r.get_json()


@pytest.mark.parametrize("field,value", [("title", "x" * 201), ("title", None), ("sdg_goals", [18]),
                                         ("video_url", "ftp://example.com/v"), ("competition_id", 1)])
def test_invalid_update_is_422(api, competition, field, value):
    opd = api("opd_a")
    pk = opd.post("/api/v1/innovation/", json={"competition_id": competition, "title": "T"}).get_json()["id"]
    r = opd.put(f"/api/v1/innovation/{pk}", json={field: value})
    assert r.status_code == 422, (r.status_code, r.get_json())
    assert field in str(_json_message(r))
    assert opd.get(f"/api/v1/innovation/{pk}").get_json()["result"]["title"] == "T"


def test_weight_infinity_and_nan_are_422(client, api, competition):
    round_id = _round_id(api, competition)
    for literal in ("Infinity", "NaN", "-Infinity"):
        data = f'{{"round_id": {round_id}, "name": "K", "weight": {literal}}}'
        r = _raw(client, api("sekretariat"), "post", "/api/v1/criterion/", data)
        assert r.status_code == 422, (literal, r.status_code, r.get_data(as_text=True)[:200])
        assert "weight" in str(_json_message(r))


# -- workflow input ---------------------------------------------------------------------------------------

@pytest.fixture
def draft(api, competition):
    return api("opd_a").post("/api/v1/innovation/", json={"competition_id": competition, "title": "T"}).get_json()["id"]


@pytest.mark.parametrize("trigger", ["fly", "SUBMIT", "can_submit", "submit%00", "x" * 300])
def test_unknown_trigger_is_404(api, draft, trigger):
    expected = 400 if "%00" in trigger else 404  # NUL in a URL is refused first (app/views/guards.py)
    r = api("opd_a").post(f"/api/v1/innovation/{draft}/transitions/{trigger}", json={})
    assert r.status_code == expected, (r.status_code, r.get_data(as_text=True)[:200])
    _json_message(r)
    r = api("opd_a").post(f"/api/v1/innovation/transitions/{trigger}", json={"ids": [draft]})
    assert r.status_code == expected, (r.status_code, r.get_data(as_text=True)[:200])
    assert api("opd_a").get(f"/api/v1/innovation/{draft}").get_json()["result"]["state"] == "draft"


def test_bulk_fire_with_bad_ids_is_422(api, draft):
    for ids in ["1", 1, None, {"a": 1}, [], ["1"], [1.5], [True], [None], [[1]], list(range(1, 1002)), [2**31],
                [draft, 99999999999999999999]]:
        r = api("opd_a").post("/api/v1/innovation/transitions/withdraw", json={"ids": ids})
        assert r.status_code == 422, (ids, r.status_code, r.get_data(as_text=True)[:200])
        assert "ids" in str(_json_message(r))
    assert api("opd_a").get(f"/api/v1/innovation/{draft}").get_json()["result"]["state"] == "draft"


def test_bulk_fire_without_ids_is_422(api, draft):
    r = api("opd_a").post("/api/v1/innovation/transitions/withdraw", json={})
    assert r.status_code == 422
    r = api("opd_a").post("/api/v1/innovation/transitions/withdraw", json={"ids": [draft, 999999]})
    assert r.status_code == 200
    results = {x["id"]: x for x in r.get_json()["result"]}
    assert results[draft]["ok"] and not results[999999]["ok"] and results[999999]["status"] == 404


@pytest.mark.parametrize("body", [{"comment": 5}, {"comment": ["x"]}, {"data": "x"}, {"data": [1]}])
def test_bad_fire_body_is_422(api, draft, body):
    r = api("opd_a").post(f"/api/v1/innovation/{draft}/transitions/withdraw", json=body)
    assert r.status_code == 422, (r.status_code, r.get_json())
    assert api("opd_a").get(f"/api/v1/innovation/{draft}").get_json()["result"]["state"] == "draft"


# -- uniqueness and references ----------------------------------------------------------------------------

def test_duplicate_unit_code_is_not_500(api, forget_new_units):
    sek = api("sekretariat")
    r = sek.post("/api/v1/unit/", json={"code": "T-OPD-A", "name": "Lagi", "kind": "opd"})
    assert r.status_code in (409, 422), (r.status_code, r.get_json())
    _json_message(r)
    r = sek.post("/api/v1/unit/", json={"code": "Q-DUP", "name": "Satu", "kind": "opd"})
    assert r.status_code == 201
    other = sek.post("/api/v1/unit/", json={"code": "Q-DUP2", "name": "Dua", "kind": "opd"}).get_json()["id"]
    r = sek.put(f"/api/v1/unit/{other}", json={"code": "Q-DUP"})
    assert r.status_code in (409, 422), (r.status_code, r.get_json())
    # the session is usable afterwards (rolled back)
    assert sek.get(f"/api/v1/unit/{other}").get_json()["result"]["code"] == "Q-DUP2"


def test_deleting_a_referenced_unit_is_409(app, api, competition, forget_new_units):
    from app.extensions import db
    from app.models import Unit

    with app.app_context():
        unit_a = db.session.query(Unit.id).filter_by(code="T-OPD-A").scalar()
    sek = api("sekretariat")
    r = sek.delete(f"/api/v1/unit/{unit_a}")  # users and innovations point at it
    assert r.status_code == 409, (r.status_code, r.get_json())
    _json_message(r)
    assert sek.get(f"/api/v1/unit/{unit_a}").status_code == 200
    # an unused unit can go
    pk = sek.post("/api/v1/unit/", json={"code": "Q-FREE", "name": "Bebas", "kind": "lainnya"}).get_json()["id"]
    assert sek.delete(f"/api/v1/unit/{pk}").status_code == 200


def test_deleting_a_referenced_competition_is_409(api, competition):
    api("opd_a").post("/api/v1/innovation/", json={"competition_id": competition, "title": "T"})
    r = api("sekretariat").delete(f"/api/v1/competition/{competition}")
    assert r.status_code == 409, (r.status_code, r.get_json())
    assert api("sekretariat").get(f"/api/v1/competition/{competition}").status_code == 200


# -- list queries -----------------------------------------------------------------------------------------

BAD_QUERIES = ["(((", "(a:", "!(", "(page:x)", "(page_size:-1)", "(order_column:zzz)",
               "(filters:!((col:zzz,opr:eq,value:1)))",
               "(filters:!((col:competition_id,opr:eq,value:99999999999999999999)))",
               "(filters:!((col:competition_id,opr:eq,value:2147483648)))",
               "(filters:!((col:title,opr:ct,value:'\x00')))", '{"page": "x"}',
               "(filters:!((col:competition_id,opr:eq,value:'99999999999')))",
               "(filters:!((col:competition_id,opr:eq,value:abc)))",
               "(filters:!((col:competition_id,opr:eq,value:!(1,2))))",
               "(filters:!((col:state,opr:eq,value:!t)))",
               "(filters:!((col:title,opr:sw,value:1)))",
               "(filters:!((col:title,opr:ct,value:!n)))",
               '{"filters":[{"col":"competition_id","opr":"eq","value":99999999999}]}']


@pytest.mark.parametrize("resource", ("innovation", "unit"))
def test_bad_list_queries_never_500(api, resource):
    for q in BAD_QUERIES:
        if resource == "unit":  # the same mistakes on a unit's text and enum columns
            q = q.replace("competition_id", "code").replace("title", "name").replace("state", "kind")
        r = api("sekretariat").get(f"/api/v1/{resource}/", query_string={"q": q})
        assert r.status_code in (200, 400), (q, r.status_code, r.get_data(as_text=True)[:200])
        if r.status_code == 400:
            _json_message(r)


# -- fuzz -------------------------------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=6,
)
UNIT_KEYS = st.sampled_from(["code", "name", "kind", "sakip_grade", "id", "is_demo"]) | st.text(max_size=12)
INNOVATION_KEYS = st.sampled_from(["competition_id", "title", "summary", "started_on", "video_url", "sdg_goals",
                                   "unit_id", "state", "version", "id"]) | st.text(max_size=12)
FUZZ = settings(max_examples=50, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@FUZZ
@given(body=st.dictionaries(UNIT_KEYS, JSON_VALUES, max_size=6))
def test_fuzz_unit_post(api, forget_new_units, body):
    r = api("sekretariat").post("/api/v1/unit/", json=body)
    assert r.status_code < 500, (body, r.get_data(as_text=True)[:300])
    assert r.status_code in (201, 400, 409, 422), (body, r.status_code)


@FUZZ
@given(body=st.dictionaries(INNOVATION_KEYS, JSON_VALUES, max_size=6), base=st.booleans())
def test_fuzz_innovation_post(api, competition, body, base):
    if base:
        body = {"competition_id": competition, "title": "Fuzz", **body}
    r = api("opd_a").post("/api/v1/innovation/", json=body)
    assert r.status_code < 500, (body, r.get_data(as_text=True)[:300])
    assert r.status_code in (201, 400, 422), (body, r.status_code)
    if r.status_code == 201:  # whatever was sent, the server owns unit and state
        shown = api("opd_a").get(f"/api/v1/innovation/{r.get_json()['id']}").get_json()["result"]
        assert shown["state"] == "draft"


@FUZZ
@given(body=JSON_VALUES)
def test_fuzz_any_json_body(api, forget_new_units, body):
    r = api("sekretariat").post("/api/v1/unit/", json=body)
    assert r.status_code < 500, (body, r.get_data(as_text=True)[:300])


def test_good_list_filters_still_work(api, competition):
    """The guard against bad filters leaves good ones alone."""
    opd = api("opd_a")
    pk = opd.post("/api/v1/innovation/", json={"competition_id": competition, "title": "Cari Saya"}).get_json()["id"]
    for q in ["(filters:!((col:title,opr:ct,value:'Cari')))",
              f"(filters:!((col:competition_id,opr:eq,value:{competition})))",
              "(filters:!((col:state,opr:eq,value:draft)))"]:
        r = api("sekretariat").get("/api/v1/innovation/", query_string={"q": q})
        assert r.status_code == 200, (q, r.get_json())
        assert [x["id"] for x in r.get_json()["result"]] == [pk], q
    r = api("sekretariat").get("/api/v1/innovation/", query_string={"q": "(filters:!((col:title,opr:ct,value:'Tidak')))"})
    assert r.get_json()["result"] == []


@pytest.mark.parametrize("resource", RESOURCES)
def test_info_descriptions_are_not_the_catalog_header(api, resource):
    """FAB translated a missing field description as gettext(""): the PO header under the Indonesian locale."""
    r = api("admin").get(f"/api/v1/{resource}/_info")
    assert r.status_code == 200, r.get_json()
    assert "Project-Id-Version" not in r.get_data(as_text=True)
