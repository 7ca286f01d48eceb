"""Automatic assignment: balanced (decreasingly minimal loads) and conflict-free.

The algorithm (app.services.balancing) is checked against brute force on random small instances, on a case
where a naive greedy is wrong, and through `POST /api/v1/round/<pk>/assign`."""
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.extensions import db
from app.models import Assignment, AuditLog, Round, User
from app.services.balancing import Infeasible, balanced_assignment, loads_of
from tests.judging_helpers import assign, deactivate, ensure_jurors, rounds_of, user_id, verified


def _sorted_desc(load):
    return sorted(load.values(), reverse=True)


def brute_force_best(demand, eligible, fixed_load):
    """The lexicographically smallest decreasing load vector over every valid choice."""
    items = [i for i in demand if demand[i] > 0]
    options = [list(itertools.combinations(sorted(eligible[i]), demand[i])) for i in items]
    jurors = set(fixed_load) | {j for js in eligible.values() for j in js}
    best = None
    for choice in itertools.product(*options):
        load = {j: fixed_load.get(j, 0) for j in jurors}
        for group in choice:
            for j in group:
                load[j] += 1
        vector = _sorted_desc(load)
        if best is None or vector < best:
            best = vector
    return best


@st.composite
def instances(draw):
    n_jurors = draw(st.integers(1, 4))
    jurors = list(range(100, 100 + n_jurors))
    n_items = draw(st.integers(1, 5))
    demand, eligible = {}, {}
    for i in range(n_items):
        elig = draw(st.lists(st.sampled_from(jurors), unique=True, min_size=0, max_size=n_jurors))
        eligible[i] = elig
        demand[i] = draw(st.integers(0, min(2, len(elig)))) if elig else 0
    fixed = {j: draw(st.integers(0, 2)) for j in jurors}
    return demand, eligible, fixed


@settings(max_examples=150, deadline=None)
@given(instances())
def test_balancing_matches_brute_force(instance):
    demand, eligible, fixed = instance
    result = balanced_assignment(demand, eligible, fixed)
    # valid: exactly the demand, distinct, eligible jurors
    for i, k in demand.items():
        chosen = result.get(i, [])
        assert len(chosen) == k and len(set(chosen)) == k and set(chosen) <= set(eligible[i])
    load = loads_of(result, fixed)
    for j in set(fixed) | {j for js in eligible.values() for j in js}:
        load.setdefault(j, 0)
    assert _sorted_desc(load) == brute_force_best(demand, eligible, fixed)


def test_naive_greedy_fails_where_the_algorithm_balances():
    """J1 belongs to unit U1; J2 to none. Innovations 1–2 are free, 3–4 belong to U1 (only J2 may judge them).
    Greedy in input order gives 1→J1, 2→J2, 3→J2, 4→J2: loads 1 and 3. The best is 2 and 2."""
    eligible = {1: ["J1", "J2"], 2: ["J1", "J2"], 3: ["J2"], 4: ["J2"]}
    demand = {i: 1 for i in eligible}
    naive = {}
    load = {"J1": 0, "J2": 0}
    for i in sorted(eligible):  # the naive greedy: input order, least loaded eligible juror
        j = min(eligible[i], key=lambda x: (load[x], x))
        naive[i] = j
        load[j] += 1
    assert sorted(load.values()) == [1, 3]
    result = balanced_assignment(demand, eligible)
    assert sorted(loads_of(result).values()) == [2, 2]
    assert result[3] == ["J2"] and result[4] == ["J2"]
    # even when started from the naive greedy, the improvement phase reaches the optimum
    assert sorted(loads_of(balanced_assignment(demand, eligible, greedy="input-order")).values()) == [2, 2]


def test_improvement_needs_alternating_paths():
    """A bad start that no single reassignment fixes: the load moves along a chain of jurors."""
    # A may take 1,2,3; B may take 3,4; C only 4,5... and the naive start piles on A.
    eligible = {1: ["A", "B"], 2: ["A", "B"], 3: ["A", "C"], 4: ["B", "C"], 5: ["C", "D"], 6: ["D"], 7: ["D"]}
    demand = {i: 1 for i in eligible}
    result = balanced_assignment(demand, eligible, greedy="input-order")
    best = brute_force_best(demand, eligible, {})
    load = loads_of(result)
    assert _sorted_desc(load) == best and max(load.values()) - min(load.values()) <= 1


def test_infeasible_reports_the_innovations():
    with pytest.raises(Infeasible) as err:
        balanced_assignment({1: 2, 2: 1}, {1: ["A"], 2: ["A", "B"]})
    assert err.value.shortages == {1: 1}


def test_national_scale_is_fast():
    """3,500 innovations × 3 jurors from 60 jurors in 12 units (a realistic conflict pattern)."""
    import time

    jurors = list(range(60))
    unit_of_juror = {j: (j % 12 if j < 36 else None) for j in jurors}
    eligible, demand = {}, {}
    for i in range(3500):
        unit = i % 40
        eligible[i] = [j for j in jurors if unit_of_juror[j] != unit]
        demand[i] = 3
    start = time.perf_counter()
    result = balanced_assignment(demand, eligible)
    elapsed = time.perf_counter() - start
    load = loads_of(result)
    assert max(load.values()) - min(load.values()) <= 1
    assert all(unit_of_juror[j] != i % 40 for i, js in result.items() for j in js)
    assert elapsed < 10, elapsed


# -- through the API -------------------------------------------------------------------------------------

EXTRA = [("jb_free1", None), ("jb_free2", None), ("jb_a", "T-OPD-A"), ("jb_b", "T-OPD-B"), ("jb_c", "T-KEC-C")]


@pytest.fixture
def extra_jurors(app):
    ids = ensure_jurors(app, EXTRA)
    yield dict(zip([u for u, _c in EXTRA], ids))
    deactivate(app, [u for u, _c in EXTRA])


def _loads(app, round_id):
    with app.app_context():
        rows = db.session.query(Assignment.juror_id, db.func.count()).filter(
            Assignment.round_id == round_id, Assignment.status == "active").group_by(Assignment.juror_id).all()
        return dict(rows)


def _conflicts(app, round_id):
    from app.models import Innovation

    with app.app_context():
        return (db.session.query(Assignment).join(Innovation, Innovation.id == Assignment.innovation_id)
                .join(User, User.id == Assignment.juror_id)
                .filter(Assignment.round_id == round_id, User.unit_id == Innovation.unit_id).count())


def test_assign_endpoint_is_balanced_and_conflict_free(app, api, competition, extra_jurors):
    units = ["T-OPD-A"] * 7 + ["T-OPD-B"] * 5 + ["T-KEC-C"] * 4
    inns = verified(app, competition, units)
    with app.app_context():
        rnd = rounds_of(competition)[0].id
        pool = [user_id("juri1"), user_id("juri2")] + list(extra_jurors.values())
    r = api("sekretariat").post(f"/api/v1/round/{rnd}/assign", json={"jurors_per_innovation": 3, "juror_ids": pool})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["created"] == 3 * len(inns) and body["innovations"] == len(inns)
    loads = _loads(app, rnd)
    assert set(loads) <= set(pool) and sum(loads.values()) == 48
    assert max(loads.values()) - min(loads.get(j, 0) for j in pool) <= 1  # 48 over 7 jurors: 7 or 6
    assert _conflicts(app, rnd) == 0
    with app.app_context():
        per_innovation = dict(db.session.query(Assignment.innovation_id, db.func.count(db.distinct(Assignment.juror_id)))
                              .filter(Assignment.round_id == rnd).group_by(Assignment.innovation_id).all())
        assert per_innovation == {i: 3 for i in inns}
        assert db.session.query(AuditLog).filter_by(action="round_auto_assigned").count() == 1
    # running it again changes nothing: every innovation already has its jurors
    r = api("sekretariat").post(f"/api/v1/round/{rnd}/assign", json={"jurors_per_innovation": 3, "juror_ids": pool})
    assert r.status_code == 200 and r.get_json()["created"] == 0


def test_assign_where_naive_greedy_fails(app, api, competition, extra_jurors):
    """Pool: jb_a (unit A) and jb_free1. Two free innovations (unit C) come first, then two of unit A, which
    only jb_free1 may judge. A naive greedy ends with loads 1/3; the endpoint gives 2/2."""
    inns = verified(app, competition, ["T-KEC-C", "T-KEC-C", "T-OPD-A", "T-OPD-A"])
    with app.app_context():
        rnd = rounds_of(competition)[0].id
    pool = [extra_jurors["jb_a"], extra_jurors["jb_free1"]]
    r = api("sekretariat").post(f"/api/v1/round/{rnd}/assign", json={"jurors_per_innovation": 1, "juror_ids": pool})
    assert r.status_code == 200, r.get_json()
    assert sorted(_loads(app, rnd).values()) == [2, 2]
    assert _conflicts(app, rnd) == 0
    with app.app_context():
        for inn in inns[2:]:
            assert db.session.query(Assignment.juror_id).filter_by(round_id=rnd, innovation_id=inn).scalar() == \
                extra_jurors["jb_free1"]


def test_assign_keeps_existing_and_recused_assignments(app, api, competition, extra_jurors):
    inns = verified(app, competition, ["T-OPD-A", "T-OPD-A", "T-KEC-C"])
    with app.app_context():
        rnd = rounds_of(competition)[0].id
    free1, free2 = extra_jurors["jb_free1"], extra_jurors["jb_free2"]
    assign(app, rnd, inns[0], free1)  # manual, kept
    assign(app, rnd, inns[1], free2, status="recused")  # free2 declared a conflict on inns[1]
    pool = [free1, free2, extra_jurors["jb_b"]]
    r = api("sekretariat").post(f"/api/v1/round/{rnd}/assign", json={"jurors_per_innovation": 2, "juror_ids": pool})
    assert r.status_code == 200, r.get_json()
    with app.app_context():
        active = {(a.innovation_id, a.juror_id) for a in db.session.query(Assignment)
                  .filter_by(round_id=rnd, status="active")}
    assert (inns[0], free1) in active
    assert (inns[1], free2) not in active  # never given back to the juror who recused
    assert sorted(_loads(app, rnd).values()) == [2, 2, 2]


def test_assign_errors(app, api, competition, extra_jurors):
    (inn,) = verified(app, competition, ["T-OPD-A"])
    with app.app_context():
        rnd = rounds_of(competition)[0].id
        r2 = rounds_of(competition)[1].id
    sek = api("sekretariat")
    url = f"/api/v1/round/{rnd}/assign"
    for bad in ({}, {"jurors_per_innovation": 0}, {"jurors_per_innovation": "2"}, {"jurors_per_innovation": 2.5},
                {"jurors_per_innovation": True}, {"jurors_per_innovation": 1000},
                {"jurors_per_innovation": 1, "juror_ids": "x"}, {"jurors_per_innovation": 1, "juror_ids": [999999]}):
        assert sek.post(url, json=bad).status_code == 422, bad
    assert sek.post(url, data="[]", content_type="application/json").status_code == 400
    # unit A's juror alone cannot judge unit A's innovation
    r = sek.post(url, json={"jurors_per_innovation": 1, "juror_ids": [extra_jurors["jb_a"]]})
    assert r.status_code == 422 and "Inovasi 1" in str(r.get_json()["message"])
    with app.app_context():
        assert db.session.query(Assignment).count() == 0  # all or nothing
    # nobody takes part in round 2 yet; unknown round; roles
    assert sek.post(f"/api/v1/round/{r2}/assign", json={"jurors_per_innovation": 1}).status_code == 409
    assert sek.post("/api/v1/round/999999/assign", json={"jurors_per_innovation": 1}).status_code == 404
    for user in ("juri1", "opd_a", "penandatangan"):
        assert api(user).post(url, json={"jurors_per_innovation": 1}).status_code == 403
    with app.app_context():
        db.session.get(Round, rnd).closed_at = db.func.now()
        db.session.commit()
    assert sek.post(url, json={"jurors_per_innovation": 1}).status_code == 409
    assert inn


def test_assign_uses_every_active_juror_by_default(app, api, competition, extra_jurors):
    verified(app, competition, ["T-KEC-C"] * 3)
    with app.app_context():
        rnd = rounds_of(competition)[0].id
        active = {u.id for u in db.session.query(User).filter(User.active.is_(True), User.roles.any(name="Juri"))}
    r = api("sekretariat").post(f"/api/v1/round/{rnd}/assign", json={"jurors_per_innovation": 2})
    assert r.status_code == 200
    assert {x["juror_id"] for x in r.get_json()["loads"]} == active
    assert set(_loads(app, rnd)) <= active and _conflicts(app, rnd) == 0


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(units=st.lists(st.sampled_from(["T-OPD-A", "T-OPD-B", "T-KEC-C"]), min_size=1, max_size=6),
       n=st.integers(1, 3))
def test_assign_endpoint_property(app, api, competition, extra_jurors, units, n):
    """Random units and jurors per innovation: never a conflict, every innovation gets n, and the loads are
    what brute force says is best (decreasingly minimal)."""
    with app.app_context():
        rnd = rounds_of(competition)[0].id
        db.session.query(Assignment).delete()
        from app.models import Innovation

        db.session.query(Innovation).delete()
        db.session.commit()
        pool = [extra_jurors[u] for u in ("jb_a", "jb_b", "jb_c", "jb_free1")]
        unit_of = {j: db.session.get(User, j).unit_id for j in pool}
    inns = verified(app, competition, units)
    with app.app_context():
        from app.models import Innovation

        inn_unit = {i: db.session.get(Innovation, i).unit_id for i in inns}
    r = api("sekretariat").post(f"/api/v1/round/{rnd}/assign", json={"jurors_per_innovation": n, "juror_ids": pool})
    eligible = {i: [j for j in pool if unit_of[j] != inn_unit[i]] for i in inns}
    if any(len(e) < n for e in eligible.values()):
        assert r.status_code == 422
        return
    assert r.status_code == 200, r.get_json()
    assert _conflicts(app, rnd) == 0
    loads = {j: 0 for j in pool} | _loads(app, rnd)
    assert _sorted_desc(loads) == brute_force_best({i: n for i in inns}, eligible, {j: 0 for j in pool})
