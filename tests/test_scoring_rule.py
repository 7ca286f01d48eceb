"""The scoring rule exists once (app/services/scoring.py): its SQL pieces (assembled by app/services/ranking.py)
and its Python version agree on random rounds (hypothesis: rubrics, weights, decimal values, several jurors,
z-score on and off, draft and recused sheets); an award's score and rank come from the final (combined)
ranking, and the decree annex prints that score (NILAI, an option)."""
import html as html_module
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.extensions import db
from app.models import Award, Innovation, Round
from app.services import ranking, scoring
from tests.conftest import Api
from tests.documents_helpers import (
    close_rounds,
    docs,  # noqa: F401  (the fixture)
    draft_decree,
    flat,
)
from tests.judging_helpers import assign, ensure_jurors, rounds_of, verified, write_sheet
from tests.test_judging_ranking import PROPERTY, UNITS, build_round, rounds

SJ = [("sj1", None), ("sj2", None), ("sj3", None), ("sj4", None)]


@pytest.fixture(scope="module")
def sj(app):
    return ensure_jurors(app, SJ)


def _python_side(crit, counted, inns, data, normalize_z):
    """The round computed by the Python version of the rule from the counted sheets' values."""
    sheets = [(inn, juror, scoring.sheet_score(crit, values)) for inn, juror, values in counted]
    per = scoring.round_scores(sheets, normalize_z)
    kinds = {"T-OPD-A": "opd", "T-OPD-B": "opd", "T-KEC-C": "kecamatan"}
    categories = {inns[n]: kinds[UNITS[unit]] for n, unit in enumerate(data["innovations"])}
    ranks = {}
    for category in set(categories.values()):
        group = [{"innovation_id": i, **per[i]} for i in per if categories[i] == category]
        for rank, entry in enumerate(sorted(group, key=scoring.round_order_key), start=1):
            ranks[entry["innovation_id"]] = rank
    return sheets, per, ranks


@PROPERTY
@given(data=rounds(), normalize_z=st.booleans(), seed=st.integers(0, 10**6))
def test_sql_and_python_versions_of_the_rule_agree(app, sj, data, normalize_z, seed):
    with app.app_context():
        try:
            rnd, crit, inns, counted = build_round(db.session, data, sj, seed, normalize_z)
            sql_sheets = db.session.execute(ranking.sheet_scores(rnd.id)).mappings().all()
            rows = ranking.round_ranking(db.session, rnd)
        finally:
            db.session.rollback()
    sheets, per, ranks = _python_side(crit, counted, inns, data, normalize_z)
    # each counted sheet's score
    assert sorted(round(r["raw"], 9) for r in sql_sheets) == sorted(round(s, 9) for _i, _j, s in sheets)
    # each innovation's round score (z-score option included), number of sheets and rank in its category
    assert {r["innovation_id"] for r in rows} == set(per)
    for r in rows:
        python = per[r["innovation_id"]]
        assert r["score"] == pytest.approx(python["score"], abs=1e-9)
        assert r["sheets"] == python["sheets"]
        assert r["rank"] == ranks[r["innovation_id"]], (r, python)


def test_combined_score_and_order_are_the_documented_rule():
    # Σ weight_r × score_r / Σ weight_r
    assert scoring.combined_score([(0.4, 80.0), (0.3, 90.0)]) == pytest.approx((32 + 27) / 0.7)
    finalist = {"innovation_id": 9, "stage": 2, "score": 60.0, "stage_score": 60.0}
    early = {"innovation_id": 1, "stage": 1, "score": 99.0, "stage_score": 99.0}
    tie_a = {"innovation_id": 5, "stage": 2, "score": 70.0, "stage_score": 65.0}
    tie_b = {"innovation_id": 3, "stage": 2, "score": 70.0 + 1e-9, "stage_score": 75.0}
    ordered = sorted([early, finalist, tie_a, tie_b], key=scoring.combined_order_key)
    assert [e["innovation_id"] for e in ordered] == [3, 5, 9, 1]
    assert scoring.combined_tie_key(tie_a) == scoring.combined_tie_key(tie_b)


# -- two rounds, weights and z-score: award score and rank, decree annex -----------------------------------------

def _two_rounds(app, competition, jurors):
    """Round 1 (weight 0.4, default rubric) raw; round 2 (weight 0.3, two weighted criteria) with z-score.
    Three OPD innovations (a, b, c) and one Kecamatan (k) scored in both; all left "scored" in round 2."""
    a, b, c, k = verified(app, competition, ["T-OPD-A", "T-OPD-B", "T-OPD-A", "T-KEC-C"])
    with app.app_context():
        first, second = rounds_of(competition)[:2]
        second.normalize_z = True
        db.session.commit()
        r1 = (first.id, tuple(cr.id for cr in first.criteria))
        r2 = (second.id, tuple(cr.id for cr in second.criteria))
    j1, j2, j3 = jurors[:3]
    sheets = {
        r1: {a: {j1: [90, 85.5, 80, 88, 92, 70], j2: [70, 75, 72.25, 80, 60, 65]},
             b: {j1: [60, 65, 70, 55.5, 60, 75], j2: [88, 90, 85, 80, 84, 90]},
             c: {j1: [50, 55, 60, 65, 70, 75], j3: [77, 79, 81.75, 83, 85, 87]},
             k: {j2: [66, 67, 68, 69, 70, 71], j3: [40, 45, 50, 55, 60, 65]}},
        r2: {a: {j1: [92.5, 80], j2: [60, 70]},
             b: {j1: [75, 95], j3: [88, 90]},
             c: {j2: [70.5, 72], j3: [95, 99]},
             k: {j1: [55, 65], j3: [80, 85.25]}},
    }
    for (round_id, criteria), by_innovation in sheets.items():
        for inn, by_juror in by_innovation.items():
            for juror, values in by_juror.items():
                aid = assign(app, round_id, inn, juror)
                with app.app_context():
                    write_sheet(db.session, aid, dict(zip(criteria, values)))
                    db.session.commit()
    with app.app_context():
        for inn in (a, b, c, k):
            row = db.session.get(Innovation, inn)
            row.state, row.current_round_id = "scored", r2[0]
        db.session.commit()
        last = rounds_of(competition)[-1].id
    return {"a": a, "b": b, "c": c, "k": k, "round2": r2[0], "last": last}


def _award(client, pk, title, **data):
    r = Api(client, "sekretariat").post(f"/api/v1/innovation/{pk}/transitions/award",
                                        json={"data": {"title": title, **data}})
    assert r.status_code == 200, r.get_json()
    with client.application.app_context():
        award = db.session.query(Award).filter_by(innovation_id=pk).one()
        db.session.expunge(award)
        return award


def _decree_text(app, pk):
    """The draft decree as rendered for its PDF (the same HTML WeasyPrint lays out), as flat text."""
    from app.models import Decree
    from app.services.documents import content
    from app.services.documents.render import render_html

    with app.app_context():
        ctx = content.decree_context(db.session, db.session.get(Decree, pk), app.config, draft=True)
        html = render_html("decree.html", **ctx)
    return flat(html_module.unescape(re.sub(r"<[^>]+>", " ", html)).replace("(", " (").replace(") ", ") "))


def _pdf_text(data):
    from io import BytesIO

    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(BytesIO(data)).pages)


@pytest.mark.usefixtures("docs")
def test_award_score_rank_and_decree_annex_follow_the_combined_ranking(app, client, competition, sj, monkeypatch):
    from app.services.documents import indonesian as idn

    ids = _two_rounds(app, competition, sj)
    sek = Api(client, "sekretariat")
    final = {e["innovation_id"]: e
             for e in sek.get(f"/api/v1/round/{ids['last']}/combined_ranking").get_json()["result"]}
    with app.app_context():
        current_raw = {r["innovation_id"]: r["score"] for r in
                       ranking.round_ranking(db.session, db.session.get(Round, ids["round2"]), normalize_z=False)}

    # no rank given: the ranking's rank; the score is the combined score, never the current round's raw mean
    award_b = _award(client, ids["b"], "Juara I", prize_amount=5000000)
    assert award_b.score == pytest.approx(final[ids["b"]]["score"], abs=1e-9)
    assert award_b.rank == final[ids["b"]]["rank"]
    assert len(final[ids["b"]]["rounds"]) == 2
    assert round(award_b.score, 2) != round(current_raw[ids["b"]], 2)
    # a rank given by the Sekretariat (DESIGN §9: pre-filled from the ranking, editable) is kept
    award_a = _award(client, ids["a"], "Harapan I", rank=4)
    assert award_a.rank == 4
    assert award_a.score == pytest.approx(final[ids["a"]]["score"], abs=1e-9)
    award_k = _award(client, ids["k"], "Juara I")
    assert (award_k.rank, award_k.category) == (final[ids["k"]]["rank"], "kecamatan")
    scores = {inn: idn.score(final[inn]["score"]) for inn in (ids["a"], ids["b"], ids["k"])}

    # the decree annex (NILAI switched on; off by default, issue 11) prints the same score, 2 decimals
    assert app.config["SIKIPP_DECREE_ANNEX_SCORES"] is False
    monkeypatch.setitem(app.config, "SIKIPP_DECREE_ANNEX_SCORES", True)
    close_rounds(client, competition)  # a decree is drafted once every round is closed (DESIGN §3)
    pk = draft_decree(client, competition)
    text = _decree_text(app, pk)
    assert "NO INOVASI UNIT KERJA KATEGORI NILAI PREDIKAT UANG PEMBINAAN" in text
    assert f"Dinas Uji B OPD {scores[ids['b']]} Juara I Rp5.000.000,00" in text, text[-1500:]
    assert f"Dinas Uji A OPD {scores[ids['a']]} Harapan I" in text
    assert f"Kecamatan Uji C Kecamatan {scores[ids['k']]} Juara I" in text
    # and so does the PDF itself (text read back with pypdf)
    pdf = flat(_pdf_text(sek.get(f"/api/v1/decree/{pk}/pdf").data))
    assert "NILAI" in pdf and all(score in pdf for score in scores.values())

    # NILAI switched off: no column, no score
    monkeypatch.setitem(app.config, "SIKIPP_DECREE_ANNEX_SCORES", False)
    text = _decree_text(app, pk)
    assert "NO INOVASI UNIT KERJA KATEGORI PREDIKAT UANG PEMBINAAN" in text
    assert "Dinas Uji B OPD Juara I Rp5.000.000,00" in text
    assert all(score not in text for score in scores.values())
    pdf = flat(_pdf_text(sek.get(f"/api/v1/decree/{pk}/pdf").data))
    assert "NILAI" not in pdf.replace("NILAI SAKIP", "") and all(score not in pdf for score in scores.values())


def test_an_innovation_never_scored_gets_no_score_and_the_rank_of_its_title(app, client, competition):
    (pk,) = verified(app, competition, ["T-OPD-A"])
    with app.app_context():
        db.session.get(Innovation, pk).state = "scored"
        db.session.commit()
    award = _award(client, pk, "Juara III")
    assert (award.score, award.rank) == (None, 3)
