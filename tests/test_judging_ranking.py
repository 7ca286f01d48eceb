"""Aggregation and ranking (DESIGN §4 scoring rule, app/services/ranking.py), computed by the database.

Property-based: the SQL result equals the documented formula (recomputed here in plain Python), stays within
0..100, and does not depend on the order sheets were written in nor on which user ids the jurors have;
z-score normalisation keeps a single juror's order. Plus hand-made ties and the endpoint."""
import datetime
import random
import statistics

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.extensions import db
from app.models import Assignment, Competition, Criterion, Innovation, Round
from app.services import ranking
from tests.judging_helpers import assign, ensure_jurors, rounds_of, unit_id, verified, write_sheet

UNITS = ["T-OPD-A", "T-OPD-B", "T-KEC-C"]  # kinds: opd, opd, kecamatan
HJ = [("hj1", None), ("hj2", None), ("hj3", None), ("hj4", None)]


@pytest.fixture(scope="module")
def hj(app):
    return ensure_jurors(app, HJ)


# -- the documented formula, in plain Python ---------------------------------------------------------------

def ref_sheet(crit, values):
    return sum(w * values[c] / m for c, w, m in crit) / sum(w for _c, w, _m in crit) * 100


def ref_scores(crit, sheets, normalize_z):
    """sheets: [(innovation, juror, {criterion: value})] counted sheets → {innovation: score}."""
    raw = [(i, j, ref_sheet(crit, v)) for i, j, v in sheets]
    if normalize_z and raw:
        mu = statistics.fmean(s for _i, _j, s in raw)
        sigma = statistics.pstdev([s for _i, _j, s in raw])
        by_juror = {}
        for _i, j, s in raw:
            by_juror.setdefault(j, []).append(s)
        stats = {j: (statistics.fmean(v), statistics.pstdev(v)) for j, v in by_juror.items()}

        def z(j, s):
            mu_j, sd_j = stats[j]
            return (s - mu_j) / sd_j if sd_j ** 2 > 1e-12 else 0.0

        raw = [(i, j, mu + (sigma if sigma ** 2 > 1e-12 else 0.0) * z(j, s)) for i, j, s in raw]
    per = {}
    for i, _j, s in raw:
        per.setdefault(i, []).append(s)
    return {i: min(100.0, max(0.0, statistics.fmean(v))) for i, v in per.items()}


# -- building a round inside one transaction (rolled back after each example) -------------------------------

def build_round(session, data, juror_ids, order_seed, normalize_z=False):
    """``data``: criteria [(weight, max)], innovations [unit index], sheets [(inn, juror, values, final, status)].
    Jurors are mapped onto ``juror_ids`` and sheets written in a shuffled order."""
    comp = Competition(name="Prop", year=2026, submission_deadline=datetime.datetime(2030, 1, 1))
    rnd = Round(competition=comp, name="R", sequence=1, weight=1.0, normalize_z=normalize_z)
    session.add_all([comp, rnd])
    session.flush()
    crit = []
    for n, (weight, max_score) in enumerate(data["criteria"], start=1):
        c = Criterion(round_id=rnd.id, name=f"K{n}", weight=weight, max_score=max_score, sequence=n)
        session.add(c)
        session.flush()
        crit.append((c.id, weight, max_score))
    inns = []
    for n, unit in enumerate(data["innovations"]):
        inn = Innovation(competition_id=comp.id, unit_id=unit_id(UNITS[unit]), title=f"P{n}", state="verified",
                         version=1)
        session.add(inn)
        session.flush()
        inns.append(inn.id)
    sheets = list(data["sheets"])
    random.Random(order_seed).shuffle(sheets)
    counted = []
    for inn, juror, values, final, status in sheets:
        a = Assignment(round_id=rnd.id, innovation_id=inns[inn], juror_id=juror_ids[juror], status=status)
        session.add(a)
        session.flush()
        vals = {crit[k][0]: v for k, v in enumerate(values)}
        write_sheet(session, a.id, vals, final=final)
        if final and status == "active":
            counted.append((inns[inn], juror, vals))
    session.flush()
    return rnd, crit, inns, counted


@st.composite
def rounds(draw):
    criteria = draw(st.lists(st.tuples(st.integers(1, 30), st.sampled_from([10, 20, 100, 7.5])), min_size=1,
                             max_size=4))
    n_inn = draw(st.integers(1, 5))
    innovations = draw(st.lists(st.integers(0, 2), min_size=n_inn, max_size=n_inn))
    n_jurors = draw(st.integers(1, 4))
    sheets = []
    for inn in range(n_inn):
        for juror in range(n_jurors):
            if not draw(st.booleans()):
                continue
            values = [draw(st.integers(0, int(m * 100))) / 100 for _w, m in criteria]
            final = draw(st.booleans()) or draw(st.booleans())
            status = draw(st.sampled_from(["active", "active", "active", "recused"]))
            sheets.append((inn, juror, values, final, status))
    return {"criteria": criteria, "innovations": innovations, "sheets": sheets, "jurors": n_jurors}


def compute(app, data, juror_ids, seed, normalize_z):
    with app.app_context():
        try:
            rnd, crit, inns, counted = build_round(db.session, data, juror_ids, seed, normalize_z)
            rows = ranking.round_ranking(db.session, rnd)
            expected = ref_scores(crit, counted, normalize_z)
            return rows, expected, inns
        finally:
            db.session.rollback()


PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@PROPERTY
@given(data=rounds(), normalize_z=st.booleans(), seed=st.integers(0, 10**6), perm_seed=st.integers(0, 10**6))
def test_aggregation_properties(app, hj, data, normalize_z, seed, perm_seed):
    rows, expected, inns = compute(app, data, hj, seed, normalize_z)
    # equal to the documented formula; only innovations with a counted sheet appear
    got = {r["innovation_id"]: r["score"] for r in rows}
    assert set(got) == set(expected)
    for inn, score in got.items():
        assert score == pytest.approx(expected[inn], abs=1e-9)
        assert 0.0 <= score <= 100.0
    # ranks: per category a permutation of 1..n ordered by score
    by_cat = {}
    for r in rows:
        by_cat.setdefault(r["category"], []).append(r)
    for group in by_cat.values():
        assert sorted(r["rank"] for r in group) == list(range(1, len(group) + 1))
        ordered = sorted(group, key=lambda r: r["rank"])
        assert all(round(a["score"], 6) >= round(b["score"], 6) for a, b in zip(ordered, ordered[1:]))
    # invariant to the order of sheets and to which user ids the jurors have
    perm = list(hj)
    random.Random(perm_seed).shuffle(perm)
    again, _expected, inns2 = compute(app, data, perm, seed + 1, normalize_z)
    index = {inn: n for n, inn in enumerate(inns)}
    index2 = {inn: n for n, inn in enumerate(inns2)}
    first = {index[r["innovation_id"]]: (r["rank"], r["category"]) for r in rows}
    second = {index2[r["innovation_id"]]: (r["rank"], r["category"]) for r in again}
    scores1 = {index[r["innovation_id"]]: r["score"] for r in rows}
    scores2 = {index2[r["innovation_id"]]: r["score"] for r in again}
    assert scores1.keys() == scores2.keys()
    assert all(scores1[k] == pytest.approx(scores2[k], abs=1e-9) for k in scores1)
    # ranks equal except for the innovation-id tie-break (ids are assigned in the same order both times)
    assert first == second


@PROPERTY
@given(values=st.lists(st.integers(0, 10000), min_size=1, max_size=6), seed=st.integers(0, 10**6))
def test_z_score_keeps_a_single_jurors_order(app, hj, values, seed):
    data = {"criteria": [(1, 100)], "innovations": [0] * len(values),
            "sheets": [(n, 0, [v / 100], True, "active") for n, v in enumerate(values)]}
    raw, _e, inns = compute(app, data, hj, seed, False)
    z, _e, inns_z = compute(app, data, hj, seed, True)
    raw_score = {inns.index(r["innovation_id"]): r["score"] for r in raw}
    z_score = {inns_z.index(r["innovation_id"]): r["score"] for r in z}
    for a in raw_score:
        for b in raw_score:
            if raw_score[a] > raw_score[b]:
                assert z_score[a] > z_score[b]
    # with a single juror the normalised score is the raw one
    assert all(z_score[k] == pytest.approx(raw_score[k], abs=1e-9) for k in raw_score)
    assert [r["innovation_id"] for r in raw] == [inns[inns_z.index(r["innovation_id"])] for r in z]


# -- hand-made cases -------------------------------------------------------------------------------------------

def _one_criterion_round(app, competition):
    """Round 1 with a single criterion (weight 1, max 100); returns (round id, criterion id)."""
    with app.app_context():
        rnd = rounds_of(competition)[0]
        for c in list(rnd.criteria)[1:]:
            db.session.delete(c)
        db.session.commit()
        return rnd.id, rnd.criteria[0].id


def _sheet(app, rnd, inn, juror, cid, value, final=True):
    aid = assign(app, rnd, inn, juror)
    with app.app_context():
        write_sheet(db.session, aid, {cid: value}, final=final)
        db.session.commit()


def test_ties_are_broken_deterministically(app, api, competition, hj):
    rnd, cid = _one_criterion_round(app, competition)
    a, b, c, d, e, k = verified(app, competition, ["T-OPD-A", "T-OPD-B", "T-OPD-A", "T-OPD-B", "T-OPD-A",
                                                    "T-KEC-C"])
    j1, j2, j3, _j4 = hj
    # a and b: mean 80; a has 3 sheets, b 2 → a first
    for juror in (j1, j2, j3):
        _sheet(app, rnd, a, juror, cid, 80)
    _sheet(app, rnd, b, j1, cid, 70)
    _sheet(app, rnd, b, j2, cid, 90)
    # c and d: mean 60 with 2 sheets each; c (60, 60) is less disputed than d (40, 80) → c first
    _sheet(app, rnd, c, j1, cid, 60)
    _sheet(app, rnd, c, j2, cid, 60)
    _sheet(app, rnd, d, j1, cid, 40)
    _sheet(app, rnd, d, j2, cid, 80)
    # e: identical to c in every respect → the lower id (c) first
    _sheet(app, rnd, e, j1, cid, 60)
    _sheet(app, rnd, e, j3, cid, 60)
    # k: another category, ranked on its own; a draft sheet and a recused one do not count
    _sheet(app, rnd, k, j1, cid, 10)
    _sheet(app, rnd, k, j2, cid, 99, final=False)
    rec = assign(app, rnd, k, j3)
    with app.app_context():
        write_sheet(db.session, rec, {cid: 100}, final=True)
        db.session.get(Assignment, rec).status = "recused"
        db.session.commit()
    r = api("sekretariat").get(f"/api/v1/round/{rnd}/ranking")
    assert r.status_code == 200
    result = r.get_json()["result"]
    opd = [(x["innovation_id"], x["rank"], x["score"], x["tied"]) for x in result if x["category"] == "opd"]
    assert opd == [(a, 1, 80.0, True), (b, 2, 80.0, True), (c, 3, 60.0, True), (e, 4, 60.0, True),
                   (d, 5, 60.0, True)]
    kec = [x for x in result if x["category"] == "kecamatan"]
    assert [(x["innovation_id"], x["rank"], x["score"], x["tied"], x["sheets"]) for x in kec] == [(k, 1, 10.0,
                                                                                                   False, 1)]
    first = result[0]
    assert set(first) >= {"innovation_id", "title", "unit", "category", "score", "rank"}
    assert first["unit"] == "Dinas Uji A" and first["title"] == "Inovasi 1"
    # deterministic: the same answer every time
    assert api("sekretariat").get(f"/api/v1/round/{rnd}/ranking").get_json()["result"] == result


def test_weighted_formula_with_decimals(app, api, competition, hj):
    """Σ(weight × value / max) / Σ weight × 100 on the default round-1 rubric (weights 20,20,20,15,15,10)."""
    (inn,) = verified(app, competition, ["T-OPD-A"])
    with app.app_context():
        rnd = rounds_of(competition)[0]
        crit = [(c.id, c.weight, c.max_score) for c in rnd.criteria]
        rnd_id = rnd.id
    values = [7.5, 80, 90.25, 60, 100, 0]
    aid = assign(app, rnd_id, inn, hj[0])
    with app.app_context():
        write_sheet(db.session, aid, {c: v for (c, _w, _m), v in zip(crit, values)})
        db.session.commit()
    expected = sum(w * v / m for (_c, w, m), v in zip(crit, values)) / sum(w for _c, w, _m in crit) * 100
    row = api("sekretariat").get(f"/api/v1/round/{rnd_id}/ranking").get_json()["result"][0]
    assert row["score"] == pytest.approx(expected, abs=1e-9)
    assert row["score_display"] == round(expected, 2)


def test_z_score_corrects_a_lenient_juror(app, api, competition, hj):
    rnd, cid = _one_criterion_round(app, competition)
    a, b, c, d = verified(app, competition, ["T-OPD-A"] * 4)
    lenient, harsh = hj[0], hj[1]
    _sheet(app, rnd, a, lenient, cid, 90)
    _sheet(app, rnd, b, lenient, cid, 95)
    _sheet(app, rnd, c, harsh, cid, 50)
    _sheet(app, rnd, d, harsh, cid, 60)
    sek = api("sekretariat")
    raw = {x["innovation_id"]: x for x in sek.get(f"/api/v1/round/{rnd}/ranking").get_json()["result"]}
    assert raw[a]["rank"] < raw[d]["rank"]  # raw: the lenient juror's weaker entry beats the harsh one's best
    assert sek.put(f"/api/v1/round/{rnd}", json={"normalize_z": True}).status_code == 409  # frozen by sheets
    with app.app_context():
        db.session.get(Round, rnd).normalize_z = True
        db.session.commit()
    z = {x["innovation_id"]: x for x in sek.get(f"/api/v1/round/{rnd}/ranking").get_json()["result"]}
    assert z[b]["score"] == pytest.approx(z[d]["score"]) and z[a]["score"] == pytest.approx(z[c]["score"])
    assert z[d]["rank"] < z[a]["rank"]
    assert all(0 <= x["score"] <= 100 for x in z.values())


def test_ranking_endpoint_access_and_empty_round(app, api, competition):
    with app.app_context():
        rnd = rounds_of(competition)[0].id
    assert api("sekretariat").get(f"/api/v1/round/{rnd}/ranking").get_json()["result"] == []
    assert api("admin").get(f"/api/v1/round/{rnd}/ranking").status_code == 200
    for user in ("juri1", "opd_a", "penandatangan"):
        assert api(user).get(f"/api/v1/round/{rnd}/ranking").status_code == 403
    assert api("sekretariat").get("/api/v1/round/999999/ranking").status_code == 404
    assert api("sekretariat").get(f"/api/v1/round/{2**40}/ranking").status_code == 404
    # the CRUD round API still answers underneath the judging endpoints
    assert api("sekretariat").get(f"/api/v1/round/{rnd}").status_code == 200
    assert api("sekretariat").get("/api/v1/round/abc/ranking").status_code == 404


def test_openapi_lists_the_judging_endpoints(api):
    spec = api("admin").get("/api/v1/_openapi").get_json()
    paths = spec["paths"]
    for path in ("/round/{pk}/assign", "/round/{pk}/ranking", "/round/{pk}/close", "/round/{pk}/progress",
                 "/assignment/{pk}/scores", "/assignment/{pk}/recuse", "/assignment/{pk}/reassign"):
        assert "/api/v1" + path in paths, path
