"""Awarding from the final ranking (issue 10, DESIGN §9): per row (predikat, rank pre-filled from the ranking,
prize in Rupiah) and a category's top N at once, both through the `award` transition's command."""
import re

from app.extensions import db
from app.models import Award
from tests.test_doors_proposals import audit, browser, rounds_of_app, scored_pair, state_of


def _last_round(app, competition):
    return rounds_of_app(app, competition)[-1].id


def test_award_one_row_from_the_final_ranking(app, api, competition):
    first, second = scored_pair(app, api, competition)
    last = _last_round(app, competition)
    screen = browser(app, "sekretariat")
    page = screen.get(f"/judging/ranking/{last}?combined=1").get_data(as_text=True)
    row = page[page.index(f'class="award-row" data-innovation="{second}"'):]
    row = row[:row.index("</form>")]
    assert re.search(r'name="rank"[^>]*value="2"', row) and 'value="Juara II"' in row
    # Without a predikat the command refuses; nothing is written.
    r = screen.post(f"/judging/award/{last}", data={"innovation_id": second, "title": " ", "rank": "2"},
                    follow_redirects=True)
    assert state_of(app, second) == "scored" and "alert-danger" in r.get_data(as_text=True)
    r = screen.post(f"/judging/award/{last}", data={"innovation_id": second, "title": "Juara II", "rank": "2",
                                                    "prize_amount": "7.500.000"})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/judging/ranking/{last}?combined=1")
    with app.app_context():
        (award,) = db.session.query(Award).filter_by(innovation_id=second).all()
        assert (award.title, award.rank, float(award.prize_amount)) == ("Juara II", 2, 7500000.0)
    assert len(audit(app, "innovation.award", second)) == 1
    assert state_of(app, first) == "scored"


def test_award_a_categorys_top_places_at_once(app, api, competition):
    first, second = scored_pair(app, api, competition)
    last = _last_round(app, competition)
    screen = browser(app, "sekretariat")
    r = screen.post(f"/judging/award_top/{last}", data={"category": "opd", "top": "2", "prize_1": "15000000"},
                    follow_redirects=True)
    assert "2 penghargaan diberikan" in r.get_data(as_text=True)
    with app.app_context():
        got = {a.innovation_id: (a.title, a.rank, a.prize_amount and float(a.prize_amount))
               for a in db.session.query(Award)}
    assert got == {first: ("Juara I", 1, 15000000.0), second: ("Juara II", 2, None)}
    # Again: nothing left to award, each place says why.
    r = screen.post(f"/judging/award_top/{last}", data={"category": "opd", "top": "2"}, follow_redirects=True)
    assert "0 penghargaan diberikan" in r.get_data(as_text=True)


def test_only_the_sekretariat_awards_from_the_ranking(app, api, competition):
    _first, second = scored_pair(app, api, competition)
    last = _last_round(app, competition)
    for user in ("opd_b", "juri1", "penandatangan"):
        r = browser(app, user).post(f"/judging/award/{last}", data={"innovation_id": second, "title": "Juara I"})
        assert r.status_code in (302, 403) and state_of(app, second) == "scored", user


def test_award_title_with_bidi_controls_is_refused_on_every_door(app, api, competition):
    """Issue 13: invisible text-direction characters are refused in titles — the predikat too (it is printed on the
    decree and the piagam). One data guard of `award`; the API, the bulk API and the ranking's award form."""
    first, second = scored_pair(app, api, competition)
    sek = api("sekretariat")
    title = "Juara \u202eI"
    r = sek.post(f"/api/v1/innovation/{first}/transitions/award", json={"data": {"title": title}})
    assert r.status_code in (409, 422) and "U+202E" in r.get_json()["message"], r.get_json()
    r = sek.post("/api/v1/innovation/transitions/award", json={"ids": [first, second], "data": {"title": title}})
    assert r.status_code == 200
    assert all(row["status"] in (409, 422) for row in r.get_json()["result"]), r.get_json()
    last = _last_round(app, competition)
    screen = browser(app, "sekretariat")
    r = screen.post(f"/judging/award/{last}", data={"innovation_id": second, "title": title, "rank": "2"},
                    follow_redirects=True)
    assert "alert-danger" in r.get_data(as_text=True)
    assert state_of(app, first) == state_of(app, second) == "scored"
    with app.app_context():
        assert db.session.query(Award).count() == 0
    # The same title without the control character is accepted.
    r = sek.post(f"/api/v1/innovation/{first}/transitions/award", json={"data": {"title": "Juara I"}})
    assert r.status_code == 200, r.get_json()
