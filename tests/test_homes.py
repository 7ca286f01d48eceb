"""Each role's home at ``/`` (DESIGN §9): its ``data-todo`` links equal, in number, the records the API lists for
the same user in the matching state; the Sekretariat's dashboard shows its figures as server-drawn SVG charts with
the numbers beside them, and nothing on a home comes from another host."""
import datetime
import re

import pytest

from app.extensions import db
from app.models import Competition, Decree
from tests.conftest import PASSWORD
from tests.judging_helpers import assign, rounds_of, user_id, verified, write_sheet
from tests.judging_helpers import criteria as criteria_of
from tests.test_proposals import ready_draft


def login(app, username):
    client = app.test_client()
    r = client.post("/login/", data={"username": username, "password": PASSWORD})
    assert r.status_code == 302, r.status_code
    return client


def todos(html, kind):
    return re.findall(rf'<a data-todo="{kind}" (?:class="[^"]*" )?href="([^"]+)"', html)


def api_list(api, username, resource, filters=()):
    """Every row the API lists for ``username`` (all pages) with the given (col, opr, value) filters."""
    from urllib.parse import quote

    rows, page = [], 0
    flt = ",".join(f"(col:{c},opr:{o},value:{v})" for c, o, v in filters)
    while True:
        q = f"(filters:!({flt}),page:{page},page_size:100)" if flt else f"(page:{page},page_size:100)"
        r = api(username).get(f"/api/v1/{resource}/?q={quote(q)}")
        assert r.status_code == 200, r.get_json()
        result = r.get_json()["result"]
        rows += result
        if len(result) < 100:
            return rows
        page += 1


def history(api, username, pk):
    return api(username).get(f"/api/v1/innovation/{pk}/history").get_json()["result"]


@pytest.fixture
def world(app, api, competition):
    """Proposals of two units in several states, a returned one, assignments with draft and final sheets, and a
    decree draft."""
    opd, sek = api("opd_a"), api("sekretariat")
    returned = ready_draft(api, competition, title="Layanan Kembali")
    submitted = ready_draft(api, competition, title="Layanan Terkirim")
    ready_draft(api, competition, title="Layanan Draf")
    ready_draft(api, competition, user="opd_b", title="Layanan Unit B")
    other_b = ready_draft(api, competition, user="opd_b", title="Layanan Unit B Terkirim")
    for pk in (returned, submitted):
        assert opd.post(f"/api/v1/innovation/{pk}/transitions/submit", json={}).status_code == 200
    assert api("opd_b").post(f"/api/v1/innovation/{other_b}/transitions/submit", json={}).status_code == 200
    r = sek.post(f"/api/v1/innovation/{returned}/transitions/return", json={"comment": "Lengkapi SK tim."})
    assert r.status_code == 200
    ids = verified(app, competition, ["T-OPD-A", "T-OPD-B", "T-KEC-C"])
    with app.app_context():
        first = rounds_of(competition)[0]
        juri1 = user_id("juri1")
        crits = {c.id: 80 for c in criteria_of(first.id)}
    a_new = assign(app, first.id, ids[0], juri1)
    a_draft = assign(app, first.id, ids[1], juri1)
    a_final = assign(app, first.id, ids[2], juri1)
    assign(app, first.id, ids[2], user_id_of(app, "juri2"))
    with app.app_context():
        write_sheet(db.session, a_draft, crits, final=False)
        write_sheet(db.session, a_final, crits, final=True)
        db.session.add(Decree(competition_id=competition, title="Penetapan Pemenang", state="draft", version=1))
        db.session.commit()
    return {"returned": returned, "submitted": submitted, "assignments": (a_new, a_draft, a_final)}


def user_id_of(app, username):
    with app.app_context():
        return user_id(username)


def test_opd_home_lists_its_returned_and_open_drafts_like_the_api(app, api, world, competition):
    html = login(app, "opd_a").get("/").get_data(as_text=True)
    drafts = api_list(api, "opd_a", "innovation", [("state", "eq", "draft")])
    returned = [d for d in drafts if history(api, "opd_a", d["id"])[-1:]
                and history(api, "opd_a", d["id"])[-1]["trigger"] == "return"]
    others = [d for d in drafts if d not in returned]
    assert len(todos(html, "returned")) == len(returned) == 1
    assert len(todos(html, "draft")) == len(others) == 1  # the deadline is open
    assert todos(html, "returned") == [f"/innovationview/show/{world['returned']}"]
    assert "Lengkapi SK tim." in html  # the return note on the home
    assert "Layanan Unit B" not in html  # another unit's rows never
    assert not todos(html, "verify") and not todos(html, "sheet")
    # the submission deadline beside each to-do, in local time (WIB)
    from app.views.formatting import datetime_id

    with app.app_context():
        shown = datetime_id(db.session.get(Competition, competition).submission_deadline)
    assert shown.endswith(" WIB") and f"Batas Waktu Pengajuan: {shown}" in html, shown


def test_the_opd_list_marks_the_returned_draft(app, world):
    """Issue 10: a returned proposal showed as plain "Draf" in the OPD's list; it is marked "Dikembalikan" there
    (the other drafts are not)."""
    html = login(app, "opd_a").get("/innovationview/list/?psize_InnovationView=100").get_data(as_text=True)
    rows = {int(pk): row for pk, row in re.findall(r'<input id="(\d+)" class="action_check"(.*?)</tr>', html, re.S)}
    assert world["returned"] in rows and len(rows) >= 3, sorted(rows)
    marked = [pk for pk, row in rows.items() if "returned-mark" in row]
    assert marked == [world["returned"]]
    assert "Dikembalikan untuk perbaikan" in rows[world["returned"]]


def test_opd_drafts_leave_the_home_once_the_deadline_has_passed(app, api, world, competition):
    with app.app_context():
        db.session.get(Competition, competition).submission_deadline = datetime.datetime(2020, 1, 1)
        db.session.commit()
    html = login(app, "opd_a").get("/").get_data(as_text=True)
    assert len(todos(html, "draft")) == 0
    assert len(todos(html, "returned")) == 1  # still shown: its note says what to fix


def test_sekretariat_home_lists_what_the_api_lists(app, api, world, competition):
    html = login(app, "sekretariat").get("/").get_data(as_text=True)
    submitted = api_list(api, "sekretariat", "innovation", [("state", "eq", "submitted")])
    assert len(todos(html, "verify")) == len(submitted) == 2
    rounds = [r for r in api_list(api, "sekretariat", "round") if r["closed_at"] is None]
    assert len(todos(html, "round")) == len(rounds) == 3
    drafts = api_list(api, "sekretariat", "decree", [("state", "eq", "draft")])
    assert len(todos(html, "decree")) == len(drafts) == 1
    assert len(todos(html, "objection")) == 0  # none yet (see the objection test below)


def test_juri_home_lists_its_own_unfinished_sheets_like_the_api(app, api, world):
    client = login(app, "juri1")
    html = client.get("/").get_data(as_text=True)
    mine = api_list(api, "juri1", "assignment", [("status", "eq", "active")])
    open_ones = [a for a in mine
                 if not api("juri1").get(f"/api/v1/assignment/{a['id']}/scores").get_json()["result"]["final"]]
    assert len(todos(html, "sheet")) == len(open_ones) == 2
    a_new, a_draft, _final = world["assignments"]
    assert todos(html, "sheet") == [f"/scoresheets/sheet/{a_new}", f"/scoresheets/sheet/{a_draft}"]
    # juri2 has one assignment and no sheet: one to-do; the links open the sheets.
    html2 = login(app, "juri2").get("/").get_data(as_text=True)
    assert len(todos(html2, "sheet")) == 1
    assert client.get(todos(html, "sheet")[0]).status_code == 200


def test_hukum_then_penandatangan_homes_follow_the_paraf_chain(app, api, world):
    """DESIGN §3/§9: a draft awaits Hukum's `paraf` first (the default chain), and only then the signer's `sign`."""
    drafts = api_list(api, "hukum", "decree", [("state", "eq", "draft")])
    assert len(drafts) == 1
    html = login(app, "hukum").get("/").get_data(as_text=True)
    assert len(todos(html, "paraf")) == len(drafts) == 1
    assert not todos(html, "sign") and not todos(html, "decree")
    signer_html = login(app, "penandatangan").get("/").get_data(as_text=True)
    assert not todos(signer_html, "sign")  # the chain is not complete: nothing awaits the signer yet

    pk = drafts[0]["id"]
    r = api("hukum").post(f"/api/v1/decree/{pk}/transitions/paraf", json={})
    assert r.status_code == 200, r.get_json()
    assert not todos(login(app, "hukum").get("/").get_data(as_text=True), "paraf")
    html = login(app, "penandatangan").get("/").get_data(as_text=True)
    drafts = api_list(api, "penandatangan", "decree", [("state", "eq", "draft")])
    assert len(todos(html, "sign")) == len(drafts) == 1
    assert not todos(html, "decree") and not todos(html, "verify") and not todos(html, "paraf")


def test_dashboard_draws_its_figures_with_the_numbers_beside_them(app, world, competition):
    html = login(app, "sekretariat").get("/").get_data(as_text=True)
    for figure in ("states", "kinds", "participation", "jury"):
        block = html.split(f'data-figure="{figure}"')[1].split('data-figure=')[0]
        assert "<svg" in block and "<table" in block, figure
    states = html.split('data-figure="states"')[1].split('data-figure=')[0]
    # 3 drafts (two of A, one of B), 2 submitted, 3 verified in this world
    assert re.search(r"<td>Draf</td><td data-value=\"3\">3</td>", states), states
    assert re.search(r"<td>Terverifikasi</td><td data-value=\"3\">3</td>", states)
    assert "<script" not in html.split('id="dashboard"')[1].split("</section>")[0]
    # Nothing from another host: every src/href is on this site.
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert not re.match(r"^(https?:)?//", url), url


def test_dashboard_score_bands_equal_the_rankings_scores(app, api, competition):
    """The score-distribution figure counts the ranking's own scores per band of 10 (the last band 90–100)."""
    from tests.judging_helpers import ensure_jurors
    from tests.test_announcements import one_round

    html = login(app, "sekretariat").get("/").get_data(as_text=True)
    assert 'data-figure="scores"' not in html  # nothing scored yet: no empty chart
    ensure_jurors(app, [("sanggah_j1", None)])
    round_id, _ids = one_round(app, api, competition)
    rows = api("sekretariat").get(f"/api/v1/round/{round_id}/ranking").get_json()["result"]
    expected = [0] * 10
    for row in rows:
        expected[min(int(float(row["score"]) // 10), 9)] += 1
    html = login(app, "sekretariat").get("/").get_data(as_text=True)
    block = html.split('data-figure="scores"')[1].split("data-figure=")[0]
    assert "<svg" in block and "<table" in block
    shown = [int(n) for n in re.findall(r"<tr><td>\d+–\d+</td><td>(\d+)</td></tr>", block)]
    assert shown == expected and sum(shown) == len(rows) == 3, (shown, expected)
    assert f"Inovasi per rentang nilai ({len(rows)} dinilai)" in block


def test_anonymous_home_offers_login_and_the_catalogue(client):
    html = client.get("/").get_data(as_text=True)
    assert "/catalogue/" in html and "data-todo" not in html


def test_sekretariat_home_lists_the_unanswered_objections_like_the_api(app, api, competition):
    from app.commands.announcements import AnnounceRound
    from app.models import Announcement, Objection, User
    from tests.judging_helpers import ensure_jurors
    from tests.test_announcements import one_round

    ensure_jurors(app, [("sanggah_j1", None)])
    round_id, ids = one_round(app, api, competition)
    with app.app_context():
        AnnounceRound(db.session.query(User).filter_by(username="sekretariat").one(), round_id).run()
        announcement = db.session.query(Announcement).filter_by(round_id=round_id).one()
        for n, (inn, state) in enumerate(((ids[0], "open"), (ids[1], "open"), (ids[2], "dismissed"))):
            db.session.add(Objection(announcement_id=announcement.id, innovation_id=inn, name=f"Warga {n}",
                                     email=f"warga{n}@example.test", text="Data tidak sesuai.", state=state,
                                     version=1))
        db.session.commit()
    html = login(app, "sekretariat").get("/").get_data(as_text=True)
    open_ones = api_list(api, "sekretariat", "objection", [("state", "eq", "open")])
    assert len(todos(html, "objection")) == len(open_ones) == 2
    assert sorted(todos(html, "objection")) == sorted(f"/objections/show/{o['id']}" for o in open_ones)
    for username in ("opd_a", "juri1", "penandatangan"):
        assert 'data-todo="objection"' not in login(app, username).get("/").get_data(as_text=True)
