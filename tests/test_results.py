"""The proposing unit's results page (issue 10): its own innovations' rank per closed round and, only where the
competition enables feedback, the jurors' comments without their names."""
from app.extensions import db
from app.models import Competition, Round
from app.models.base import utcnow
from tests.judging_helpers import assign, rounds_of, user_id, verified, write_sheet
from tests.judging_helpers import criteria as criteria_of
from tests.test_homes import login


def _judged(app, competition, feedback):
    a_id, b_id = verified(app, competition, ["T-OPD-A", "T-OPD-B"], title="Layanan")
    with app.app_context():
        first = rounds_of(competition)[0]
        crits = [c.id for c in criteria_of(first.id)]
        juri1, juri2 = user_id("juri1"), user_id("juri2")
    pairs = [(a_id, juri1, 70, "Dampak perlu data pembanding."), (b_id, juri1, 90, "Sangat baik untuk unit B.")]
    assignments = [(assign(app, first.id, inn, juror), value, comment) for inn, juror, value, comment in pairs]
    with app.app_context():
        for aid, value, comment in assignments:
            write_sheet(db.session, aid, {c: value for c in crits}, final=True, comment=comment)
        db.session.get(Round, first.id).closed_at = utcnow()
        db.session.get(Competition, competition).feedback_to_units = feedback
        db.session.commit()
    del juri2
    return a_id, b_id


def test_unit_reads_its_rank_and_the_jurors_comments_without_names(app, competition):
    a_id, b_id = _judged(app, competition, feedback=True)
    html = login(app, "opd_a").get("/results/").get_data(as_text=True)
    assert f'data-innovation="{a_id}"' in html and f'data-innovation="{b_id}"' not in html
    assert "2 dari 2" in html  # rank 2 of 2 in its category (OPD)
    assert "Dampak perlu data pembanding." in html
    assert "Sangat baik untuk unit B." not in html  # another unit's comment
    assert "juri1" not in html and "Juri1" not in html  # no juror's name


def test_without_feedback_the_unit_sees_its_rank_only(app, competition):
    _judged(app, competition, feedback=False)
    html = login(app, "opd_a").get("/results/").get_data(as_text=True)
    assert "2 dari 2" in html and "Dampak perlu data pembanding." not in html


def test_competition_feedback_flag_on_the_api(app, api, competition):
    r = api("sekretariat").put(f"/api/v1/competition/{competition}", json={"feedback_to_units": True})
    assert r.status_code == 200, r.get_json()
    assert api("sekretariat").get(f"/api/v1/competition/{competition}").get_json()["result"]["feedback_to_units"]
