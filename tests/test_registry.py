"""Issue 12 items 5-7 (DESIGN §11): the registry across years, replication and monitoring.

Carry-over keeps the lineage (API and screen); the eligibility rule on past awards is the ``submit`` guard on every
door (API, bulk API, screen, screen bulk action, ``available()``); external awards, replications and sustainability
statuses with their ownership; the catalogue shows replications, the unit's office contact (never personal data) and
the latest sustainability status; reminders to units and the Sekretariat's figure."""
import datetime
import re

import pytest

from app.commands.registry import RemindSustainability
from app.extensions import db
from app.models import Award, Competition, ExternalAward, Innovation, Notification, Sustainability, Unit, User
from app.services.errors import Forbidden
from tests.judging_helpers import unit_id, user_id
from tests.test_catalogue import make_competition, publish
from tests.test_doors_proposals import browser
from tests.test_proposals import complete_body, ready_draft

JSON = {"Accept": "application/json"}


def flashed(html):
    return re.sub(r"\s+", " ", html)


def past_entry(app, unit_code="T-OPD-A", state="awarded", title="SIPRAJA 2025", award_title=None, year=2025):
    """An innovation of a finished earlier competition (its proposal filled), optionally with an award here."""
    with app.app_context():
        comp = db.session.query(Competition).filter_by(name=f"KIPP Uji {year}").one_or_none()
        if comp is None:
            comp = make_competition(f"KIPP Uji {year}", year)
        body = complete_body(comp.id, title)
        fields = {k: v for k, v in body.items() if k not in ("competition_id", "started_on")}
        inn = Innovation(competition_id=comp.id, unit_id=unit_id(unit_code), state=state, version=1,
                         created_by_id=user_id("opd_a"), started_on=datetime.date(2019, 2, 1), **fields)
        db.session.add(inn)
        db.session.flush()
        if award_title:
            db.session.add(Award(innovation_id=inn.id, title=award_title, rank=1, category="opd", score=91.5))
        db.session.commit()
        return inn.id, comp.id, inn.lineage_id


@pytest.fixture
def office_contacts(app):
    """Units outlive a test (they are the baseline): their office contacts are emptied before and after."""
    def reset():
        with app.app_context():
            for unit in db.session.query(Unit):
                unit.office_address = unit.office_phone = unit.office_email = None
            db.session.commit()

    reset()
    yield
    reset()


def row(app, model, pk):
    with app.app_context():
        obj = db.session.get(model, pk)
        if obj is not None:
            db.session.expunge(obj)
        return obj


# -- lineage and carry-over --------------------------------------------------------------------------------


def test_a_new_innovation_starts_its_own_read_only_lineage(app, api, competition):
    opd = api("opd_a")
    a = opd.post("/api/v1/innovation/", json={**complete_body(competition, "A"), "lineage_id": "stolen"}).get_json()
    b = opd.post("/api/v1/innovation/", json=complete_body(competition, "B")).get_json()
    lin_a, lin_b = a["result"].get("lineage_id") or row(app, Innovation, a["id"]).lineage_id, \
        row(app, Innovation, b["id"]).lineage_id
    assert lin_a != "stolen" and lin_a and lin_b and lin_a != lin_b
    assert opd.put(f"/api/v1/innovation/{a['id']}", json={"lineage_id": lin_b}).status_code == 200
    shown = opd.get(f"/api/v1/innovation/{a['id']}").get_json()["result"]
    assert shown["lineage_id"] == lin_a


def test_carry_over_keeps_the_lineage_through_the_api(app, api, competition):
    source, past, lineage = past_entry(app, award_title="Juara I")
    team = [{"name": "Ani Rahayu", "nip": "", "position": "Kepala Seksi", "role": "Ketua"}]
    if hasattr(Innovation, "team"):  # the innovator team (issue 12 item 3) travels with the proposal
        with app.app_context():
            db.session.get(Innovation, source).team = team
            db.session.commit()
    opd = api("opd_a")
    r = opd.post(f"/api/v1/innovation/{source}/carry_over", json={"competition_id": competition})
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    new = row(app, Innovation, body["id"])
    old = row(app, Innovation, source)
    assert (new.lineage_id, new.unit_id, new.competition_id, new.state) == (lineage, old.unit_id, competition, "draft")
    assert body["result"]["lineage_id"] == lineage
    assert (new.title, new.summary, new.started_on, new.sdg_goals) == (old.title, old.summary, old.started_on,
                                                                        old.sdg_goals)
    if hasattr(Innovation, "team"):
        assert new.team == team
    with app.app_context():  # never the award, the scores or the files
        assert db.session.query(Award).filter_by(innovation_id=new.id).count() == 0
    # The same lineage twice in one competition: refused in Indonesian.
    r = opd.post(f"/api/v1/innovation/{source}/carry_over", json={"competition_id": competition})
    assert r.status_code == 409 and "sudah" in r.get_json()["message"], r.get_json()
    r = opd.post(f"/api/v1/innovation/{new.id}/carry_over", json={"competition_id": competition})
    assert r.status_code == 409
    # A competition closed for submission: refused.
    r = opd.post(f"/api/v1/innovation/{new.id}/carry_over", json={"competition_id": past})
    assert r.status_code == 409 and "ditutup" in r.get_json()["message"], r.get_json()
    # Bad input: 422 naming the field; another unit's innovation: not even visible; a juror: never.
    assert opd.post(f"/api/v1/innovation/{source}/carry_over", json={}).status_code == 422
    assert opd.post(f"/api/v1/innovation/{source}/carry_over", json={"competition_id": 999999}).status_code == 422
    assert api("opd_b").post(f"/api/v1/innovation/{source}/carry_over",
                             json={"competition_id": competition}).status_code == 404
    # The history: both entries, the award here, for the unit and the Sekretariat.
    for who in ("opd_a", "sekretariat"):
        hist = api(who).get(f"/api/v1/innovation/{new.id}/lineage").get_json()
        assert [e["innovation_id"] for e in hist.get("entries", [])] == [source, new.id], hist
        assert [(a["level"], a["source"]) for a in hist["awards"]] == [("kabupaten", "here")]
    assert api("opd_b").get(f"/api/v1/innovation/{new.id}/lineage").status_code == 404


def test_the_sekretariat_carries_any_units_innovation_and_a_juror_none(app, api, competition):
    source, _past, lineage = past_entry(app, unit_code="T-OPD-B")
    r = api("sekretariat").post(f"/api/v1/innovation/{source}/carry_over", json={"competition_id": competition})
    assert r.status_code == 201, r.get_json()
    new = row(app, Innovation, r.get_json()["id"])
    with app.app_context():
        assert (new.lineage_id, new.unit_id) == (lineage, unit_id("T-OPD-B"))
    r = api("penandatangan").post(f"/api/v1/innovation/{source}/carry_over", json={"competition_id": competition})
    assert r.status_code == 403


def test_carry_over_from_the_screen_keeps_the_lineage(app, api, competition):
    source, past, lineage = past_entry(app)
    screen = browser(app, "opd_a")
    show = screen.get(f"/innovationview/show/{source}").get_data(as_text=True)
    assert f"/innovationview/registry/{source}" in show  # the show page links to the history page
    page = screen.get(f"/innovationview/registry/{source}").get_data(as_text=True)
    assert "Bawa ke kompetisi baru" in page and f'value="{competition}"' in page
    assert f'value="{past}"' not in page  # a closed competition is not offered
    r = screen.post(f"/innovationview/carry_over/{source}", data={"competition_id": str(competition)})
    assert r.status_code == 302
    new_id = int(r.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
    new = row(app, Innovation, new_id)
    assert (new.lineage_id, new.competition_id, new.state) == (lineage, competition, "draft")
    assert "Dibawa ke" in flashed(screen.get(f"/innovationview/show/{new_id}").get_data(as_text=True))
    page = screen.get(f"/innovationview/registry/{new_id}").get_data(as_text=True)
    assert "KIPP Uji 2025" in page and "Kompetisi Uji" in page  # the history shows both years
    # Refused on the screen: flashed in Indonesian, nothing written.
    r = screen.post(f"/innovationview/carry_over/{source}", data={"competition_id": str(competition)},
                    follow_redirects=True)
    assert "sudah" in flashed(r.get_data(as_text=True))
    with app.app_context():
        assert db.session.query(Innovation).filter_by(lineage_id=lineage).count() == 2
    assert browser(app, "opd_b").post(f"/innovationview/carry_over/{source}",
                                      data={"competition_id": str(competition)}).status_code == 404
    # Another unit never reads the history page; a juror neither (other years would unmask a blind entry).
    assert browser(app, "opd_b").get(f"/innovationview/registry/{source}").status_code == 404


# -- eligibility: the submit guard on every door ----------------------------------------------------------------


def set_limit(app, competition, level):
    with app.app_context():
        db.session.get(Competition, competition).eligibility_max_award_level = level
        db.session.commit()


def test_eligibility_rule_is_the_submit_guard_on_every_door(app, api, competition):
    source, _past, lineage = past_entry(app, state="rejected")
    sek, opd = api("sekretariat"), api("opd_a")
    r = sek.put(f"/api/v1/competition/{competition}", json={"eligibility_max_award_level": "provinsi"})
    assert r.status_code == 200, r.get_json()
    assert sek.put(f"/api/v1/competition/{competition}",
                   json={"eligibility_max_award_level": "planet"}).status_code == 422
    # The past entry won a provincial award (entered as an external award by the unit).
    r = opd.post("/api/v1/external_award/", json={"innovation_id": source, "level": "provinsi", "year": 2025,
                                                  "title": "Top 10 KOVABLIK Jawa Timur"})
    assert r.status_code == 201, r.get_json()
    carried = opd.post(f"/api/v1/innovation/{source}/carry_over", json={"competition_id": competition}).get_json()
    drafts = [ready_draft(api, competition, title=f"Lanjutan {n}") for n in range(4)]
    with app.app_context():  # four drafts of the same lineage (the doors are four; one entry per lineage is the
        db.session.delete(db.session.get(Innovation, carried["id"]))  # carry-over's rule, tested above)
        for pk in drafts:
            db.session.get(Innovation, pk).lineage_id = lineage
        db.session.commit()
    a, b, c, d = drafts
    # API: 409 with the reason; available() says why.
    r = opd.post(f"/api/v1/innovation/{a}/transitions/submit", json={})
    assert r.status_code == 409 and "provinsi" in r.get_json()["message"].lower(), r.get_json()
    assert "KOVABLIK" in r.get_json()["message"]
    allowed = {t["trigger"]: t for t in opd.get(f"/api/v1/innovation/{a}/transitions").get_json()["available"]}
    assert allowed["submit"]["allowed"] is False and "provinsi" in allowed["submit"]["reason"].lower()
    # Bulk API: refused per id.
    rows = opd.post("/api/v1/innovation/transitions/submit", json={"ids": [b]}).get_json()["result"]
    assert [(x["ok"], x["status"]) for x in rows] == [(False, 409)]
    # Screen (single) and the screen's bulk action: the reason flashed.
    screen = browser(app, "opd_a")
    r = screen.post(f"/innovationview/fire/{c}/submit", data={}, follow_redirects=True)
    assert "KOVABLIK" in flashed(r.get_data(as_text=True))
    r = screen.post("/innovationview/action_post", data={"action": "wf_submit", "rowid": [str(d)]},
                    follow_redirects=True)
    assert "KOVABLIK" in flashed(r.get_data(as_text=True))
    assert {row(app, Innovation, pk).state for pk in drafts} == {"draft"}
    # A national rule lets a provincial award through; an award given here counts as kabupaten.
    set_limit(app, competition, "nasional")
    assert opd.post(f"/api/v1/innovation/{a}/transitions/submit", json={}).status_code == 200
    set_limit(app, competition, "kabupaten")
    ext = db_external(app, source)
    assert opd.delete(f"/api/v1/external_award/{ext}").status_code == 200
    assert opd.post(f"/api/v1/innovation/{b}/transitions/submit", json={}).status_code == 200  # no award left
    with app.app_context():
        db.session.add(Award(innovation_id=source, title="Harapan I", rank=4, category="opd"))
        db.session.commit()
    r = opd.post(f"/api/v1/innovation/{c}/transitions/submit", json={})
    assert r.status_code == 409 and "Harapan I" in r.get_json()["message"]
    set_limit(app, competition, None)
    assert opd.post(f"/api/v1/innovation/{c}/transitions/submit", json={}).status_code == 200


def db_external(app, innovation_id):
    with app.app_context():
        return db.session.query(ExternalAward.id).filter_by(innovation_id=innovation_id).scalar()


# -- external awards, replications: ownership ---------------------------------------------------------------


def test_external_awards_belong_to_the_unit_and_the_sekretariat(app, api, competition):
    mine = ready_draft(api, competition, user="opd_a", title="Milik A")
    theirs = ready_draft(api, competition, user="opd_b", title="Milik B")
    opd_a, opd_b, sek = api("opd_a"), api("opd_b"), api("sekretariat")
    body = {"innovation_id": mine, "level": "nasional", "year": 2024, "title": "Top 99 KIPP"}
    r = opd_a.post("/api/v1/external_award/", json=body)
    assert r.status_code == 201, r.get_json()
    pk = r.get_json()["id"]
    assert opd_b.post("/api/v1/external_award/", json=body).status_code == 422  # not its innovation: unknown
    assert opd_b.get(f"/api/v1/external_award/{pk}").status_code == 404
    assert opd_b.put(f"/api/v1/external_award/{pk}", json={"title": "x"}).status_code == 404
    assert opd_b.get("/api/v1/external_award/").get_json()["count"] == 0
    assert sek.get(f"/api/v1/external_award/{pk}").status_code == 200
    assert sek.post("/api/v1/external_award/", json={**body, "innovation_id": theirs}).status_code == 201
    assert api("juri1").get("/api/v1/external_award/").status_code in (401, 403)
    for bad in ({"level": "galaksi"}, {"year": 1990}, {"title": ""}):
        r = opd_a.post("/api/v1/external_award/", json={**body, **bad})
        assert r.status_code == 422, (bad, r.get_json())
    assert opd_a.put(f"/api/v1/external_award/{pk}", json={"level": "internasional"}).status_code == 200
    # The screen: the unit adds one through the same command; another unit's row is out of reach.
    screen = browser(app, "opd_a")
    r = screen.post("/externalawardview/add", data={"innovation": str(mine), "level": "provinsi", "year": "2023",
                                                    "title": "KOVABLIK", "evidence": ""})
    assert r.status_code == 302
    with app.app_context():
        assert db.session.query(ExternalAward).filter_by(innovation_id=mine).count() == 2
    assert browser(app, "opd_b").get(f"/externalawardview/show/{pk}").status_code == 404


def test_replication_fields_of_a_proposal(app, api, competition):
    original = ready_draft(api, competition, user="opd_b", title="Asli")
    opd = api("opd_a")
    r = opd.post("/api/v1/innovation/", json={**complete_body(competition, "Tiruan"), "replicates_id": original,
                                              "replicates_text": "Inovasi Kota Lain"})
    assert r.status_code == 422 and "replicates_text" in r.get_json()["message"]
    r = opd.post("/api/v1/innovation/", json={**complete_body(competition, "Tiruan"), "replicates_id": original})
    assert r.status_code == 201 and r.get_json()["result"]["replicates_id"] == original
    pk = r.get_json()["id"]
    assert opd.put(f"/api/v1/innovation/{pk}", json={"replicates_id": pk}).status_code == 422
    r = opd.put(f"/api/v1/innovation/{pk}", json={"replicates_id": None, "replicates_text": "SIPINTER Kab. Gresik"})
    assert r.status_code == 200 and r.get_json()["result"]["replicates_text"] == "SIPINTER Kab. Gresik"


# -- the catalogue -----------------------------------------------------------------------------------------


def test_the_catalogue_shows_replications_and_the_office_contact_never_personal_data(app, api, client,
                                                                                     office_contacts):
    source, past, _lineage = past_entry(app, award_title="Juara I")
    with app.app_context():
        unit = db.session.get(Unit, unit_id("T-OPD-A"))
        unit.office_address, unit.office_phone, unit.office_email = "Jl. Diponegoro 139, Sidoarjo", "031-8921946", \
            "dinas-a@sidoarjokab.go.id"
        publish(db.session.get(Competition, past))
        db.session.commit()
        creator = db.session.get(User, user_id("opd_a"))
        personal = (creator.email, creator.username)
    sek = api("sekretariat")
    r = sek.post("/api/v1/replication/", json={"innovation_id": source, "replicator": "Kabupaten Gresik",
                                                "replicated_on": "2026-03-02", "evidence": "MoU 12/2026"})
    assert r.status_code == 201, r.get_json()
    assert sek.post("/api/v1/replication/", json={"innovation_id": source, "replicator": "Kota X",
                                                   "replicated_on": "kemarin"}).status_code == 422
    assert sek.post("/api/v1/sustainability/", json={"innovation_id": source, "year": 2026,
                                                      "status": "berkembang"}).status_code == 201
    entry = client.get(f"/catalogue/{source}", headers=JSON).get_json()["result"]
    assert entry["replications"] == [{"replicator": "Kabupaten Gresik", "replicated_on": "2026-03-02"}]
    assert entry["office_contact"] == {"address": "Jl. Diponegoro 139, Sidoarjo", "phone": "031-8921946",
                                       "email": "dinas-a@sidoarjokab.go.id"}
    assert entry["sustainability_status"] == {"year": 2026, "status": "berkembang"}
    listed = client.get("/catalogue/", headers=JSON).get_json()["result"]
    assert listed[0]["replications"][0]["replicator"] == "Kabupaten Gresik"
    for url in (f"/catalogue/{source}", "/catalogue/"):
        html = client.get(url).get_data(as_text=True)
        assert "Kabupaten Gresik" in html and "031-8921946" in html and "Berkembang" in html
        body = client.get(url, headers=JSON).get_data(as_text=True) + html
        for secret in (*personal, "MoU 12/2026"):
            assert secret not in body, (url, secret)


# -- sustainability: rules, reminders, figures -------------------------------------------------------------------


def test_sustainability_only_for_awarded_innovations_once_a_year(app, api, competition):
    awarded, _past, _lin = past_entry(app, award_title="Juara II")
    draft = ready_draft(api, competition, user="opd_a")
    opd = api("opd_a")
    r = opd.post("/api/v1/sustainability/", json={"innovation_id": draft, "year": 2026, "status": "aktif"})
    assert r.status_code == 409 and "penghargaan" in r.get_json()["message"].lower(), r.get_json()
    r = opd.post("/api/v1/sustainability/", json={"innovation_id": awarded, "year": 2026, "status": "aktif",
                                                  "notes": "Masih berjalan di 18 kecamatan"})
    assert r.status_code == 201, r.get_json()
    pk = r.get_json()["id"]
    r = opd.post("/api/v1/sustainability/", json={"innovation_id": awarded, "year": 2026, "status": "berhenti"})
    assert r.status_code == 409 and "2026" in r.get_json()["message"]
    assert opd.post("/api/v1/sustainability/", json={"innovation_id": awarded, "year": 2025,
                                                     "status": "mati suri"}).status_code == 422
    assert api("opd_b").post("/api/v1/sustainability/", json={"innovation_id": awarded, "year": 2025,
                                                              "status": "aktif"}).status_code == 422
    assert opd.post("/api/v1/sustainability/", json={"innovation_id": awarded, "year": 2025,
                                                     "status": "aktif"}).status_code == 201
    r = opd.put(f"/api/v1/sustainability/{pk}", json={"year": 2025})  # would make two for 2025
    assert r.status_code == 409
    # The screen refuses the same way (flashed), through the same command.
    screen = browser(app, "opd_a")
    r = screen.post("/sustainabilityview/add", data={"innovation": str(awarded), "year": "2026", "status": "aktif"},
                    follow_redirects=True)
    assert "2026" in flashed(r.get_data(as_text=True))
    with app.app_context():
        assert db.session.query(Sustainability).filter_by(innovation_id=awarded).count() == 2


def test_units_are_reminded_of_missing_statuses_and_the_sekretariat_sees_the_figure(app, api, competition):
    year = datetime.datetime.now().year
    reported, _p, _l = past_entry(app, unit_code="T-OPD-A", award_title="Juara I", title="Sudah Lapor")
    missing_a, _p, _l = past_entry(app, unit_code="T-OPD-A", award_title="Juara II", title="Belum Lapor A")
    missing_b, _p, _l = past_entry(app, unit_code="T-OPD-B", award_title="Juara III", title="Belum Lapor B")
    past_entry(app, unit_code="T-OPD-B", state="rejected", title="Tidak Juara")
    assert api("opd_a").post("/api/v1/sustainability/", json={"innovation_id": reported, "year": year,
                                                              "status": "aktif"}).status_code == 201
    # The OPD home: a to-do per awarded innovation without this year's status.
    home = browser(app, "opd_a").get("/").get_data(as_text=True)
    todos = re.findall(r'data-todo="sustainability"[^>]*>\s*<strong>([^<]+)<', home)
    assert todos == ["Belum Lapor A"]
    # Reminders: one notification to each unit's users, naming its innovations; not twice the same day.
    with app.app_context():
        from app import jobs

        # The daily scheduled job is the reminder's door (the CLI and the command by hand are the others).
        queue = jobs.queue(app)
        assert [t for t in queue.huey._registry._periodic_tasks if t.__name__ == "remind_sustainability"]
        sent = queue.remind_sustainability.call_local()
        assert sent == {unit_id("T-OPD-A"): 1, unit_id("T-OPD-B"): 1}
        sekretariat = db.session.get(User, user_id("sekretariat"))
        notes = {n.user_id: n for n in db.session.query(Notification)}
        assert "Belum Lapor A" in notes[user_id("opd_a")].body and "Sudah Lapor" not in notes[user_id("opd_a")].body
        assert "Belum Lapor B" in notes[user_id("opd_b")].body
        assert RemindSustainability(sekretariat).run() == {}
        with pytest.raises(Forbidden):
            RemindSustainability(db.session.get(User, user_id("opd_a"))).run()
    # The Sekretariat's dashboard: counts per status this year.
    home = browser(app, "sekretariat").get("/").get_data(as_text=True)
    figure = home.split('data-figure="sustainability"', 1)[1].split("</table>", 1)[0]
    values = re.findall(r'data-value="(\d+)"', figure)
    assert values == ["1", "0", "0", "2"], values  # aktif, berkembang, berhenti, not reported


def test_the_screens_set_the_eligibility_rule_the_office_contact_and_the_original(app, api, competition,
                                                                                 office_contacts):
    from tests.test_doors_proposals import screen_form

    sek = browser(app, "sekretariat")
    r = sek.post(f"/competitionview/edit/{competition}", data={
        "name": "Kompetisi Uji", "year": "2026", "submission_deadline": "2026-12-30T23:59",
        "min_implementation_years": "2", "max_attachment_mb": "5", "objection_days": "5",
        "eligibility_max_award_level": "provinsi"})
    assert r.status_code == 302, r.get_data(as_text=True)[-2000:]
    assert row(app, Competition, competition).eligibility_max_award_level == "provinsi"
    with app.app_context():
        unit_a = unit_id("T-OPD-A")
    r = sek.post(f"/unitview/edit/{unit_a}", data={"code": "T-OPD-A", "name": "Dinas Uji A", "kind": "opd",
                                                   "sakip_grade": "A", "office_phone": "031-8921946",
                                                   "office_email": "bukan surel"})
    assert row(app, Unit, unit_a).office_email is None  # refused at the field, as on the API
    original = ready_draft(api, competition, user="opd_b", title="Asli B")
    opd = browser(app, "opd_a")
    r = opd.post("/innovationview/add", data=screen_form(competition, title="Replika A",
                                                         replicates_id=str(original)))
    assert r.status_code == 302
    with app.app_context():
        copy = db.session.query(Innovation).filter_by(title="Replika A").one()
        assert copy.replicates_id == original and copy.lineage_id
    r = opd.post("/innovationview/add", data=screen_form(competition, title="Replika Ganda",
                                                         replicates_id=str(original),
                                                         replicates_text="Inovasi Kabupaten Lain"),
                 follow_redirects=True)
    assert "tidak keduanya" in flashed(r.get_data(as_text=True))
    with app.app_context():
        assert db.session.query(Innovation).filter_by(title="Replika Ganda").count() == 0


def test_a_carry_over_keeps_the_group_and_category_only_where_the_new_competition_has_them(app, api, competition):
    if not hasattr(Innovation, "group"):
        pytest.skip("groups and categories are another part of issue 12")
    source, _past, _lineage = past_entry(app)
    with app.app_context():
        inn = db.session.get(Innovation, source)
        inn.group, inn.category = "replikasi", "Kesehatan"
        comp = db.session.get(Competition, competition)
        comp.groups, comp.categories = ["umum", "replikasi"], ["Pendidikan"]
        db.session.commit()
    r = api("opd_a").post(f"/api/v1/innovation/{source}/carry_over", json={"competition_id": competition})
    assert r.status_code == 201, r.get_json()
    new = row(app, Innovation, r.get_json()["id"])
    assert (new.group, new.category) == ("replikasi", None)
