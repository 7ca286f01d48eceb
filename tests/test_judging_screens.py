"""Judging screens: the juror's score-sheet form, blind review on screens, the Sekretariat's judging,
ranking and progress pages (server-rendered HTML through the Flask test client)."""
import re

import pytest

from app.extensions import db
from app.models import AuditLog, Round, ScoreSheet
from tests.conftest import PASSWORD
from tests.judging_helpers import assign, criteria, rounds_of, user_id, verified, write_sheet


def login(client, username):
    r = client.post("/login/", data={"username": username, "password": PASSWORD})
    assert r.status_code == 302, r.data[:300]


@pytest.fixture
def screen_world(app, competition):
    (inn,) = verified(app, competition, ["T-OPD-A"], title="Layanan <b>Kilat</b>")
    with app.app_context():
        rnd = rounds_of(competition)[0]
        crit = [c.id for c in criteria(rnd.id)]
        aid = assign(app, rnd.id, inn, user_id("juri1"))
        return {"round": rnd.id, "innovation": inn, "assignment": aid, "criteria": crit}


def form(world, value, action="draft", comment="Catatan juri"):
    data = {f"score_{cid}": str(value) for cid in world["criteria"]}
    data.update(comment=comment, action=action)
    return data


def test_juror_fills_in_a_score_sheet_form(app, client, screen_world):
    login(client, "juri1")
    html = client.get("/scoresheets/").get_data(as_text=True)
    assert f"/scoresheets/sheet/{screen_world['assignment']}" in html
    assert "Layanan &lt;b&gt;Kilat&lt;/b&gt;" in html  # user text escaped
    url = f"/scoresheets/sheet/{screen_world['assignment']}"
    page = client.get(url).get_data(as_text=True)
    for cid in screen_world["criteria"]:
        assert re.search(rf'name="score_{cid}"[^>]*min="0" max="100" step="0.01"', page)
    assert 'value="final"' in page and 'value="draft"' in page and 'name="comment"' in page
    assert "Dinas Uji A" in page  # not a blind round
    # out of range: refused, what was typed stays in the form
    r = client.post(url, data=form(screen_world, 101))
    assert r.status_code == 422 and 'value="101"' in r.get_data(as_text=True)
    r = client.post(url, data=form(screen_world, "abc"))
    assert r.status_code == 422
    # a partial draft, with a decimal comma
    data = form(screen_world, "")
    data[f"score_{screen_world['criteria'][0]}"] = "7,5"
    r = client.post(url, data=data)
    assert r.status_code == 302
    # final needs every criterion
    r = client.post(url, data={**data, "action": "final"})
    assert r.status_code == 422
    r = client.post(url, data=form(screen_world, "88.5", action="final"))
    assert r.status_code == 302
    with app.app_context():
        sheet = db.session.query(ScoreSheet).filter_by(assignment_id=screen_world["assignment"]).one()
        assert sheet.is_final and sheet.comment == "Catatan juri"
        assert sorted(float(s.value) for s in sheet.scores) == [88.5] * 6
    page = client.get(url).get_data(as_text=True)
    assert 'data-state="final"' in page and 'name="score_' not in page and "88,5" in page
    # locked: another post changes nothing
    assert client.post(url, data=form(screen_world, 1, action="final")).status_code == 422
    # another juror's sheet does not exist for this juror
    other = assign(app, screen_world["round"], screen_world["innovation"], _uid(app, "juri2"))
    assert client.get(f"/scoresheets/sheet/{other}").status_code == 404
    assert client.post(f"/scoresheets/sheet/{other}", data=form(screen_world, 1)).status_code == 404


def _uid(app, username):
    with app.app_context():
        return user_id(username)


def test_juror_recuses_from_the_sheet_page(app, client, screen_world):
    login(client, "juri1")
    r = client.post(f"/scoresheets/recuse/{screen_world['assignment']}", data={"reason": "Mantan kepala dinas ini"})
    assert r.status_code == 302
    with app.app_context():
        assert db.session.query(AuditLog).filter_by(action="assignment_recused").count() == 1
    page = client.get(f"/scoresheets/sheet/{screen_world['assignment']}").get_data(as_text=True)
    assert 'data-state="recused"' in page and 'name="score_' not in page


def test_jurors_read_proposals_on_their_sheets_and_blind_rounds_hide_the_unit(app, client, screen_world):
    with app.app_context():
        db.session.get(Round, screen_world["round"]).blind = True
        db.session.commit()
    login(client, "juri1")
    r = client.get("/innovationview/list/")
    assert r.status_code == 302 and r.headers["Location"].endswith("/scoresheets/")
    r = client.get(f"/innovationview/show/{screen_world['innovation']}")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/scoresheets/sheet/{screen_world['assignment']}")
    assert client.get("/innovationview/show/999999").status_code == 404
    assert client.get("/innovationview/list/?_flt_0_unit=1").status_code == 302
    for url in ("/scoresheets/", f"/scoresheets/sheet/{screen_world['assignment']}"):
        page = client.get(url).get_data(as_text=True)
        assert "Dinas Uji A" not in page, url
        assert "blind-unit" in page
    # the Sekretariat still sees the unit everywhere
    client.get("/logout/")
    login(client, "sekretariat")
    assert client.get("/innovationview/list/").status_code == 200
    assert "Dinas Uji A" in client.get(f"/scoresheets/sheet/{screen_world['assignment']}").get_data(as_text=True)


def test_sekretariat_judging_ranking_and_progress_pages(app, client, screen_world):
    rnd, aid = screen_world["round"], screen_world["assignment"]
    with app.app_context():
        write_sheet(db.session, aid, {cid: 75 for cid in screen_world["criteria"]})
        db.session.commit()
    login(client, "sekretariat")
    index = client.get("/judging/").get_data(as_text=True)
    assert f"/judging/progress/{rnd}" in index and f"/judging/ranking/{rnd}" in index
    ranking = client.get(f"/judging/ranking/{rnd}").get_data(as_text=True)
    assert f'data-innovation="{screen_world["innovation"]}" data-rank="1"' in ranking and "75,00" in ranking
    assert "Layanan &lt;b&gt;Kilat&lt;/b&gt;" in ranking
    combined = client.get(f"/judging/ranking/{rnd}?combined=1")
    assert combined.status_code == 200 and "75,00" in combined.get_data(as_text=True)
    progress = client.get(f"/judging/progress/{rnd}").get_data(as_text=True)
    assert 'data-juror="juri1"' in progress and 'id="total-final">1<' in progress
    juror_page = client.get(f"/judging/progress/{rnd}/juror/{_uid(app, 'juri1')}").get_data(as_text=True)
    assert f'data-assignment="{aid}" data-state="final"' in juror_page
    # reopen from the sheet page, with a reason
    sheet = client.get(f"/scoresheets/sheet/{aid}").get_data(as_text=True)
    assert "reopen-form" in sheet and 'name="score_' not in sheet
    r = client.post(f"/scoresheets/reopen/{aid}", data={"reason": "Salah ketik"})
    assert r.status_code == 302
    with app.app_context():
        assert not db.session.query(ScoreSheet).filter_by(assignment_id=aid).one().is_final
    # remind, assign and close through the forms
    assert client.post(f"/judging/remind/{rnd}").status_code == 302
    with app.app_context():
        assert db.session.query(AuditLog).filter_by(action="juror_reminded").count() == 1
    r = client.post(f"/judging/assign/{rnd}", data={"jurors_per_innovation": "x"}, follow_redirects=True)
    assert r.status_code == 200
    r = client.post(f"/judging/close/{rnd}", follow_redirects=True)  # the reopened sheet blocks closing
    assert r.status_code == 200
    with app.app_context():
        assert db.session.get(Round, rnd).closed_at is None
    assert client.get("/judging/ranking/999999").status_code == 404


def test_judging_pages_are_the_sekretariats(app, client, screen_world):
    rnd = screen_world["round"]
    for user in ("juri1", "opd_a"):
        login(client, user)
        for url in ("/judging/", f"/judging/ranking/{rnd}", f"/judging/progress/{rnd}"):
            assert client.get(url).status_code == 403, (user, url)
        assert client.post(f"/judging/close/{rnd}").status_code == 403
        client.get("/logout/")
    login(client, "opd_a")
    assert client.get(f"/scoresheets/sheet/{screen_world['assignment']}").status_code == 403
    with app.app_context():
        assert db.session.get(Round, rnd).closed_at is None


def test_round_and_assignment_screens_apply_the_judging_rules(app, client, screen_world):
    rnd, aid = screen_world["round"], screen_world["assignment"]
    login(client, "sekretariat")
    with app.app_context():
        current = db.session.get(Round, rnd)
        fields = {"sequence": str(current.sequence), "name": current.name, "weight": str(current.weight),
                  "shortlist_size": str(current.shortlist_size)}
        write_sheet(db.session, aid, {}, final=False)  # an (empty) draft sheet freezes the round
        db.session.commit()
    client.post(f"/roundview/edit/{rnd}", data={**fields, "weight": "0.9"})
    with app.app_context():
        assert db.session.get(Round, rnd).weight == float(fields["weight"])
    client.post(f"/roundview/edit/{rnd}", data={**fields, "name": "Desk evaluation"})
    with app.app_context():
        assert db.session.get(Round, rnd).name == "Desk evaluation"
    # manual assignment screen: juri2 belongs to the innovation's unit? no (B vs A): allowed; the same pair twice
    # or a juror with a sheet moved elsewhere: refused
    client.post(f"/assignmentview/edit/{aid}", data={"juror": str(_uid(app, "juri2"))})
    with app.app_context():
        from app.models import Assignment

        assert db.session.get(Assignment, aid).juror_id == _uid(app, "juri1")
        db.session.get(Round, rnd).closed_at = db.func.now()
        db.session.commit()
    client.post("/assignmentview/add", data={"round": str(rnd), "innovation": str(screen_world["innovation"]),
                                             "juror": str(_uid(app, "juri2"))})
    with app.app_context():
        from app.models import Assignment

        assert db.session.query(Assignment).count() == 1  # nothing is assigned in a closed round
