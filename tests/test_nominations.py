"""Nomination upward (issue 12 item 8, DESIGN §11): the quota per level (API and competition form), only winners
(awarded and listed in the signed decree) are nominable, the quota refused beyond its limit on the API and the
screen, idempotence, withdrawal with audit, ownership (OPD, Juri: 403), and the exports opened with openpyxl and
zipfile (rows, columns, files)."""
import datetime
import io
import json
import zipfile

import pytest
from openpyxl import load_workbook

from app.extensions import db
from app.models import (
    Attachment,
    AuditLog,
    Award,
    Competition,
    Decree,
    DecreeAward,
    Innovation,
    IssuedDocument,
    Nomination,
)
from app.models.registry import Replication, Sustainability
from app.services import attachments as attachment_service
from app.services import nomination_exports
from tests.conftest import PASSWORD
from tests.judging_helpers import unit_id, user_id
from tests.pdfs import blank_pdf

SECTIONS = ("summary", "background", "novelty", "implementation", "significance", "adaptability", "resources",
            "sustainability")


def _innovation(comp, unit_code, title, state, tag):
    inn = Innovation(competition_id=comp.id, unit_id=unit_id(unit_code), title=title, state=state, version=1,
                     created_by_id=user_id("opd_a"), started_on=datetime.date(2021, 3, 5),
                     video_url=f"https://video.example/{tag}", sdg_goals=[3, 16],
                     **{s: f"{s} of {tag}" for s in SECTIONS})
    db.session.add(inn)
    db.session.flush()
    return inn


def _attach(inn, name, data, kind=None):
    stored = attachment_service.write_file(data)
    row = attachment_service.new_attachment(inn, None, name, stored, data)
    row.kind = kind
    db.session.add(row)


def _sign(comp, awards):
    """What signing records: a signed decree with its issued document and its listings (decree_award)."""
    decree = Decree(competition_id=comp.id, number=f"188/{comp.id}/438.1.1.3/{comp.year}", state="signed", version=2,
                    signed_at=datetime.datetime(comp.year, 11, 20))
    db.session.add(decree)
    db.session.flush()
    db.session.add(IssuedDocument(kind="decree", decree_id=decree.id, code=f"code-{decree.id}", number=decree.number,
                                  stored_name=f"decree-{decree.id}.pdf", sha256="0" * 64, state="valid",
                                  note=json.dumps({"award_ids": [a.id for a in awards], "unit_award_ids": []})))
    db.session.add_all([DecreeAward(decree_id=decree.id, award_id=a.id) for a in awards])


@pytest.fixture
def world(app):
    """A competition with quota provinsi 2: four winners (signed decree), an awarded innovation whose award only a
    draft would list (not a winner), a voided award, a scored one; attachments (two with the same name)."""
    with app.app_context():
        comp = Competition(name="Kompetisi Inovasi Sidoarjo 2025", year=2025,
                           submission_deadline=datetime.datetime(2025, 7, 31),
                           nomination_quota={"provinsi": 2, "nasional": 15},
                           evidence_kinds=[{"code": "sk_tim", "label": "SK Tim Inovasi", "required": True,
                                            "max_mb": 1}])
        db.session.add(comp)
        db.session.flush()
        winners, awards = [], []
        for n, (code, title) in enumerate([("T-OPD-A", "SIPRAJA: Sistem Pelayanan Rakyat"),
                                           ("T-OPD-B", "=KOPI PAHIT (cegah stunting)"),
                                           ("T-KEC-C", "Lapak Porong / Keliling"),
                                           ("T-OPD-A", "IREBON")], start=1):
            inn = _innovation(comp, code, title, "awarded", f"w{n}")
            award = Award(innovation_id=inn.id, title=f"Juara {'I' * min(n, 3)}", rank=n, category="opd", score=90 - n)
            db.session.add(award)
            winners.append(inn)
            awards.append(award)
        db.session.flush()
        unsigned = _innovation(comp, "T-OPD-B", "Belum ditetapkan", "awarded", "u")
        db.session.add(Award(innovation_id=unsigned.id, title="Harapan I", rank=4, category="opd"))
        voided = _innovation(comp, "T-OPD-B", "Dibatalkan", "rejected", "v")
        voided_award = Award(innovation_id=voided.id, title="Harapan II", rank=5, category="opd",
                             voided_at=datetime.datetime(2025, 11, 1), void_reason="sanggah diterima")
        db.session.add(voided_award)
        scored = _innovation(comp, "T-OPD-A", "Hanya dinilai", "scored", "s")
        db.session.flush()
        _sign(comp, awards + [voided_award])
        _attach(winners[0], "SK Tim Inovasi SIPRAJA.pdf", blank_pdf(), kind="sk_tim")
        _attach(winners[0], "../../etc/passwd.pdf", blank_pdf(2))
        _attach(winners[1], "SK Tim Inovasi SIPRAJA.pdf", blank_pdf(3), kind="sk_tim")
        winners[1].group, winners[1].category = "replikasi", "Kesehatan"
        winners[0].team = [{"name": "Budi Santoso", "nip": "198001012005011001", "position": "Kepala Bidang",
                            "role": "Ketua", "contact": "0812-RAHASIA"},
                           {"name": "Sri Wahyuni", "nip": "", "position": "Staf", "role": "Anggota"}]
        db.session.commit()
        return {"comp": comp.id, "winners": [w.id for w in winners], "unsigned": unsigned.id, "voided": voided.id,
                "scored": scored.id}


def _nominate(api, comp, ids, level="provinsi", user="sekretariat"):
    return api(user).post(f"/api/v1/competition/{comp}/nominate", json={"innovation_ids": ids, "level": level})


# -- quota on the competition --------------------------------------------------------------------------------

def test_quota_is_validated_on_the_api(api, competition):
    sek = api("sekretariat")
    r = sek.put(f"/api/v1/competition/{competition}", json={"nomination_quota": {"provinsi": 3, "nasional": 15}})
    assert r.status_code == 200, r.get_json()
    assert sek.get(f"/api/v1/competition/{competition}").get_json()["result"]["nomination_quota"] == \
        {"provinsi": 3, "nasional": 15}
    for bad in ({"kabupaten": 3}, {"provinsi": -1}, {"provinsi": "3"}, {"provinsi": True}, [3], "3"):
        r = sek.put(f"/api/v1/competition/{competition}", json={"nomination_quota": bad})
        assert r.status_code == 422, (bad, r.get_json())
        assert "nomination_quota" in r.get_json()["message"]


def _login(app, username="sekretariat"):
    client = app.test_client()
    client.post("/login/", data={"username": username, "password": PASSWORD})
    return client


FORM = {"name": "KIPP Sidoarjo 2031", "year": "2031", "submission_deadline": "2031-07-31T23:59",
        "min_implementation_years": "2", "max_attachment_mb": "5"}


def test_quota_on_the_competition_form(app):
    client = _login(app)
    r = client.post("/competitionview/add", data={**FORM, "nomination_quota": '{"provinsi": 3, "nasional": 15}'})
    assert r.status_code == 302
    with app.app_context():
        comp = db.session.query(Competition).filter_by(name="KIPP Sidoarjo 2031").one()
        assert comp.nomination_quota == {"provinsi": 3, "nasional": 15}
        pk = comp.id
    form = client.get(f"/competitionview/edit/{pk}").get_data(as_text=True)
    assert "&#34;provinsi&#34;: 3" in form or "&quot;provinsi&quot;: 3" in form
    shown = client.get(f"/competitionview/show/{pk}").get_data(as_text=True)
    assert "Provinsi: 3" in shown and "Nasional: 15" in shown
    for bad in ('{"provinsi": -2}', "tiga", '{"desa": 1}'):
        r = client.post(f"/competitionview/edit/{pk}", data={**FORM, "nomination_quota": bad})
        assert r.status_code == 200  # the form again, with the rule's message
        assert "Kuota nominasi" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Competition, pk).nomination_quota == {"provinsi": 3, "nasional": 15}
    # Emptying the box removes the quota (no limit).
    assert client.post(f"/competitionview/edit/{pk}", data={**FORM, "nomination_quota": ""}).status_code == 302
    with app.app_context():
        assert db.session.get(Competition, pk).nomination_quota is None


# -- nominating through the API ------------------------------------------------------------------------------

def test_nominate_within_quota_idempotent_and_refused_beyond(app, api, world):
    comp, w = world["comp"], world["winners"]
    r = _nominate(api, comp, [w[0], w[1]])
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["nominated"] == [w[0], w[1]] and body["already"] == []
    assert (body["quota"], body["used"], body["left"]) == (2, 2, 0)
    assert [row["innovation_id"] for row in body["result"]] == [w[0], w[1]]
    # The same again: nothing new, nothing counted twice.
    r = _nominate(api, comp, [w[1], w[0], w[0]])
    assert r.status_code == 200 and r.get_json()["nominated"] == [] and r.get_json()["already"] == [w[1], w[0]]
    # One more is beyond the quota of 2: 409, in Indonesian, and nothing recorded.
    r = _nominate(api, comp, [w[2]])
    assert r.status_code == 409
    assert "Kuota nominasi tingkat Provinsi" in r.get_json()["message"]
    with app.app_context():
        assert db.session.query(Nomination).filter_by(level="provinsi").count() == 2
        assert db.session.query(AuditLog).filter_by(action="nomination.create.refused").count() == 1
    # A batch that would cross the quota is refused as a whole.
    r = _nominate(api, comp, w, level="nasional")
    assert r.status_code == 200 and r.get_json()["used"] == 4  # nasional: 15
    with app.app_context():
        db.session.get(Competition, comp).nomination_quota = {"provinsi": 2, "nasional": 5}
        db.session.commit()
    # Level without a number: no limit.
    with app.app_context():
        db.session.get(Competition, comp).nomination_quota = {"nasional": 5}
        db.session.commit()
    assert _nominate(api, comp, [w[2], w[3]]).get_json()["quota"] is None


def test_batch_crossing_the_quota_is_refused_whole(app, api, world):
    comp, w = world["comp"], world["winners"]
    r = _nominate(api, comp, w[:3])
    assert r.status_code == 409
    with app.app_context():
        assert db.session.query(Nomination).count() == 0


def test_only_winners_are_nominable(app, api, world):
    comp = world["comp"]
    for key in ("unsigned", "voided", "scored"):
        r = _nominate(api, comp, [world["winners"][0], world[key]])
        assert r.status_code == 422, key
        assert str(world[key]) in json.dumps(r.get_json()["message"])
    # An innovation of another competition is no winner of this one.
    with app.app_context():
        other = Competition(name="Lain", year=2024, submission_deadline=datetime.datetime(2024, 7, 31))
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    assert _nominate(api, other_id, [world["winners"][0]]).status_code == 422
    with app.app_context():
        assert db.session.query(Nomination).count() == 0


def test_before_a_signed_decree_the_awards_are_the_winners(app, api):
    """No signed decree yet: every awarded innovation with a live award is nominable; a voided award or a scored
    innovation is not. Signing a decree then makes it the list (an award it does not list is refused)."""
    with app.app_context():
        comp = Competition(name="Kompetisi Tanpa Keputusan", year=2026,
                           submission_deadline=datetime.datetime(2026, 7, 31), nomination_quota={"nasional": 15})
        db.session.add(comp)
        db.session.flush()
        first = _innovation(comp, "T-OPD-A", "Pemenang Satu", "awarded", "a")
        second = _innovation(comp, "T-OPD-B", "Pemenang Dua", "awarded", "b")
        voided = _innovation(comp, "T-OPD-B", "Dibatalkan", "rejected", "c")
        scored = _innovation(comp, "T-KEC-C", "Dinilai", "scored", "d")
        first_award = Award(innovation_id=first.id, title="Juara I", rank=1, category="opd")
        db.session.add_all([first_award, Award(innovation_id=second.id, title="Juara II", rank=2, category="opd"),
                            Award(innovation_id=voided.id, title="Juara III", rank=3, category="opd",
                                  voided_at=datetime.datetime(2026, 11, 1))])
        db.session.commit()
        ids = {"award": first_award.id, "comp": comp.id, "first": first.id, "second": second.id, "voided": voided.id, "scored": scored.id}
    assert _nominate(api, ids["comp"], [ids["voided"]], "nasional").status_code == 422
    assert _nominate(api, ids["comp"], [ids["scored"]], "nasional").status_code == 422
    assert _nominate(api, ids["comp"], [ids["first"]], "nasional").status_code == 200
    with app.app_context():
        comp = db.session.get(Competition, ids["comp"])
        _sign(comp, [db.session.get(Award, ids["award"])])
        db.session.commit()
    r = _nominate(api, ids["comp"], [ids["second"]], "nasional")
    assert r.status_code == 422 and str(ids["second"]) in json.dumps(r.get_json()["message"])


@pytest.mark.parametrize("body", [{"innovation_ids": [], "level": "provinsi"},
                                  {"innovation_ids": [1], "level": "kabupaten"},
                                  {"innovation_ids": "1", "level": "provinsi"},
                                  {"innovation_ids": [True], "level": "provinsi"},
                                  {"level": "nasional"}])
def test_bad_bodies_are_422(api, world, body):
    r = api("sekretariat").post(f"/api/v1/competition/{world['comp']}/nominate", json=body)
    assert r.status_code == 422, r.get_json()


def test_unknown_competition_and_bad_json(api, world):
    assert _nominate(api, 999999, world["winners"][:1]).status_code == 404
    r = api("sekretariat").post(f"/api/v1/competition/{world['comp']}/nominate", data="[1",
                                content_type="application/json")
    assert r.status_code == 400


@pytest.mark.parametrize("user", ["opd_a", "opd_b", "juri1", "hukum", "penandatangan"])
def test_other_roles_get_403_on_every_endpoint(app, api, world, user):
    comp, w = world["comp"], world["winners"]
    assert _nominate(api, comp, w[:1]).status_code == 200
    with app.app_context():
        nomination_id = db.session.query(Nomination.id).scalar()
    client = api(user)
    assert _nominate(api, comp, w[1:2], user=user).status_code == 403
    assert client.get(f"/api/v1/competition/{comp}/nominations").status_code == 403
    assert client.delete(f"/api/v1/competition/{comp}/nominations/{nomination_id}").status_code == 403
    for fmt in ("sinovik", "iid"):
        assert client.get(f"/api/v1/competition/{comp}/nominations/export?format={fmt}").status_code == 403
    assert client.get(f"/api/v1/competition/{comp}/nominations/export?format=sinovik&archive=zip").status_code == 403
    # The screens too.
    screen = _login(app, user)
    assert screen.get(f"/nominations/{comp}/").status_code in (302, 403)
    r = screen.post(f"/nominations/{comp}/nominate", data={"level": "provinsi", "innovation_ids": [str(w[1])]})
    assert r.status_code in (302, 403)
    assert screen.get(f"/nominations/{comp}/export?format=sinovik").status_code in (302, 403)
    with app.app_context():
        assert db.session.query(Nomination).count() == 1


def test_admin_may_nominate_too(api, world):
    assert _nominate(api, world["comp"], world["winners"][:1], user="admin").status_code == 200
    assert api("admin").get(f"/api/v1/competition/{world['comp']}/nominations").status_code == 200


def test_withdraw_is_audited(app, api, world):
    comp, w = world["comp"], world["winners"]
    _nominate(api, comp, w[:2])
    with app.app_context():
        nomination_id = db.session.query(Nomination.id).filter_by(innovation_id=w[0]).scalar()
    r = api("sekretariat").delete(f"/api/v1/competition/{comp}/nominations/{nomination_id}")
    assert r.status_code == 200 and r.get_json()["used"] == 1
    assert api("sekretariat").delete(f"/api/v1/competition/{comp}/nominations/{nomination_id}").status_code == 404
    with app.app_context():
        row = db.session.query(AuditLog).filter_by(action="nomination.withdraw").one()
        assert row.target_id == comp and row.data["before"]["innovation_id"] == w[0]
        assert row.user_id == user_id("sekretariat")
    # The freed place can be taken again.
    assert _nominate(api, comp, [w[2]]).status_code == 200
    listed = api("sekretariat").get(f"/api/v1/competition/{comp}/nominations?level=provinsi").get_json()
    assert [r["innovation_id"] for r in listed["levels"][0]["result"]] == [w[1], w[2]]


# -- the screen ----------------------------------------------------------------------------------------------

def test_screen_nominates_refuses_beyond_quota_and_withdraws(app, world):
    comp, w = world["comp"], world["winners"]
    client = _login(app)
    page = client.get(f"/nominations/{comp}/").get_data(as_text=True)
    assert 'data-empty="nominated"' in page
    assert f'data-candidate="{w[0]}"' in page and f'data-candidate="{world["unsigned"]}"' not in page
    assert 'data-download="sinovik"' not in page  # nothing to download yet
    r = client.post(f"/nominations/{comp}/nominate", data={"level": "provinsi", "innovation_ids": [str(w[0]), str(w[1])]},
                    follow_redirects=True)
    page = r.get_data(as_text=True)
    assert "2 inovasi dinominasikan" in page
    assert 'data-used>2<' in page and 'data-left>0<' in page
    for kind in ("sinovik", "sinovik-zip", "iid"):
        assert f'data-download="{kind}"' in page
    r = client.post(f"/nominations/{comp}/nominate", data={"level": "provinsi", "innovation_ids": [str(w[2])]},
                    follow_redirects=True)
    assert "Kuota nominasi tingkat Provinsi" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Nomination).filter_by(level="provinsi").count() == 2
        nomination_id = db.session.query(Nomination.id).filter_by(innovation_id=w[0]).scalar()
    page = client.get(f"/nominations/{comp}/").get_data(as_text=True)
    assert "data-confirm=" in page and f'data-withdraw="{w[0]}"' in page
    r = client.post(f"/nominations/{comp}/withdraw/{nomination_id}", follow_redirects=True)
    assert "Nominasi ditarik" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Nomination).filter_by(level="provinsi").count() == 1
    # A nominated winner whose award is voided later (an upheld objection) is marked on the screen.
    with app.app_context():
        db.session.query(Award).filter_by(innovation_id=w[1]).one().voided_at = datetime.datetime(2025, 12, 1)
        db.session.commit()
    assert f'data-stale="{w[1]}"' in client.get(f"/nominations/{comp}/").get_data(as_text=True)
    export = client.get(f"/nominations/{comp}/export?level=provinsi&format=iid")
    assert export.status_code == 200
    assert load_workbook(io.BytesIO(export.data))[nomination_exports.IID_SHEET].max_row == 2


def test_screen_empty_state_without_winners(app, competition):
    page = _login(app).get(f"/nominations/{competition}/").get_data(as_text=True)
    assert 'data-empty="winners"' in page and "nominate-form" not in page


# -- exports -------------------------------------------------------------------------------------------------

def _rows(ws):
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_sinovik_export_has_one_row_per_nominated_innovation(app, api, world):
    comp, w = world["comp"], world["winners"]
    _nominate(api, comp, w[:2])
    _nominate(api, comp, [w[3]], level="nasional")
    r = api("sekretariat").get(f"/api/v1/competition/{comp}/nominations/export?level=provinsi&format=sinovik")
    assert r.status_code == 200
    assert r.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "nominasi-2025-provinsi-sinovik.xlsx" in r.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(r.data))
    rows = _rows(wb[nomination_exports.SINOVIK_SHEET])
    header = rows[0]
    assert header == [h for h, _s, _g in nomination_exports.SINOVIK_COLUMNS]
    for heading in ("Judul Inovasi", "Unit Penyelenggara", "Ringkasan", "Latar Belakang dan Tujuan",
                    "Kebaruan / Nilai Tambah", "Implementasi", "Signifikansi", "Adaptabilitas", "Sumber Daya",
                    "Strategi Keberlanjutan", "Tanggal Mulai Inovasi", "Tautan Video", "Tujuan SDGs",
                    "Kelompok", "Kategori", "Tim Inovasi", "Jenis Bukti Dukung"):
        assert heading in header
    data = [dict(zip(header, row)) for row in rows[1:]]
    assert [d["Judul Inovasi"] for d in data] == ["SIPRAJA: Sistem Pelayanan Rakyat", "=KOPI PAHIT (cegah stunting)"]
    first = data[0]
    assert first["Unit Penyelenggara"] == "Dinas Uji A" and first["Ringkasan"] == "summary of w1"
    assert first["Strategi Keberlanjutan"] == "sustainability of w1"
    assert first["Tanggal Mulai Inovasi"] == "5 Maret 2021" and first["Tujuan SDGs"] == "3, 16"
    assert first["Penghargaan Kabupaten"] == "Juara I (peringkat 1)"
    assert first["Nomor Keputusan"] == f"188/{comp}/438.1.1.3/2025"
    assert first["Jumlah Bukti Dukung"] == 2
    # The team (no contact details) and the evidence kinds with the competition's labels.
    assert first["Tim Inovasi"] == ("Budi Santoso — NIP 198001012005011001 — Kepala Bidang — Ketua\n"
                                    "Sri Wahyuni — Staf — Anggota")
    assert "RAHASIA" not in json.dumps(data)
    kinds = first["Jenis Bukti Dukung"].split("\n")
    assert kinds[0].endswith("/sk_tim/" + kinds[0].split("/")[-1].split(":")[0] + ": SK Tim Inovasi")
    assert kinds[1].endswith(": tanpa jenis") and "/lainnya/" in kinds[1]
    assert data[1]["Tim Inovasi"] is None
    # A title starting with "=" stays text, never a formula.
    assert wb[nomination_exports.SINOVIK_SHEET]["B3"].data_type == "s"
    mapping = dict(_rows(wb[nomination_exports.MAPPING_SHEET])[1:])
    assert mapping["Ringkasan"] == "innovation.summary" and mapping["Kelompok"].startswith("innovation.group")
    # Group and category: the default group; no thematic categories here, so the unit's kind.
    assert (first["Kelompok"], first["Kategori"]) == ("Umum", "OPD")
    assert (data[1]["Kelompok"], data[1]["Kategori"]) == ("Replikasi", "Kesehatan")
    assert mapping["Tim Inovasi"].startswith("innovation.team")
    # Without a level: every nomination; the nasional one only there.
    r = api("sekretariat").get(f"/api/v1/competition/{comp}/nominations/export?format=sinovik")
    assert len(_rows(load_workbook(io.BytesIO(r.data))[nomination_exports.SINOVIK_SHEET])) == 1 + 3


def test_sinovik_zip_holds_the_workbook_and_evidence_per_innovation(app, api, world):
    comp, w = world["comp"], world["winners"]
    _nominate(api, comp, w[:3])  # the third one is refused (quota 2): two nominated
    _nominate(api, comp, w[:2])
    r = api("sekretariat").get(f"/api/v1/competition/{comp}/nominations/export?level=provinsi&format=sinovik"
                               "&archive=zip")
    assert r.status_code == 200 and r.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(r.data))
    assert archive.testzip() is None
    names = sorted(archive.namelist())
    with app.app_context():
        atts = {a.original_name + str(a.innovation_id): a for a in db.session.query(Attachment)}
        first = [a for a in atts.values() if a.innovation_id == w[0]]
        second = [a for a in atts.values() if a.innovation_id == w[1]]
    folder1 = f"01-SIPRAJA-Sistem-Pelayanan-Rakyat-{w[0]}"
    folder2 = f"02-KOPI-PAHIT-cegah-stunting-{w[1]}"
    expected = sorted(["nominasi-2025-provinsi-sinovik.xlsx",
                       *[f"{folder1}/{a.id}-{n}" for a, n in zip(sorted(first, key=lambda a: a.id),
                                                                  ["SK-Tim-Inovasi-SIPRAJA.pdf", "etc-passwd.pdf"])],
                       f"{folder2}/{second[0].id}-SK-Tim-Inovasi-SIPRAJA.pdf"])
    # one folder per evidence kind inside the innovation's folder (no kind: "lainnya")
    by_id = {a.id: a for a in first + second}
    expected = sorted(n if n.endswith(".xlsx") else
                      "/".join([n.split("/")[0], by_id[int(n.split("/")[1].split("-")[0])].kind or "lainnya",
                                n.split("/")[1]]) for n in expected)
    assert names == expected
    assert all(".." not in n and not n.startswith("/") for n in names)
    # Byte-identical evidence.
    with app.app_context():
        for a in first + second:
            folder = folder1 if a.innovation_id == w[0] else folder2
            stored = attachment_service.open_stream(a).read()
            name = [n for n in names if n.startswith(f"{folder}/{a.kind or 'lainnya'}/{a.id}-")][0]
            assert archive.read(name) == stored
    wb = load_workbook(io.BytesIO(archive.read("nominasi-2025-provinsi-sinovik.xlsx")))
    rows = _rows(wb[nomination_exports.SINOVIK_SHEET])
    assert len(rows) == 3
    files = dict(zip(rows[0], rows[1]))["Berkas Bukti Dukung"].split("\n")
    assert all(f in names for f in files)


def test_iid_export_profile_and_indicators(app, api, world):
    comp, w = world["comp"], world["winners"]
    _nominate(api, comp, [w[2]], level="nasional")
    r = api("sekretariat").get(f"/api/v1/competition/{comp}/nominations/export?level=nasional&format=iid")
    indicators = _rows(load_workbook(io.BytesIO(r.data))[nomination_exports.INDICATOR_SHEET])
    assert indicators[2][5] == "Belum ada replikasi tercatat"
    assert indicators[3][5] == "Belum ada status keberlanjutan tercatat"
    # The registry's records reach IND-15 and IND-18 (issue 12 items 6 and 7).
    with app.app_context():
        db.session.add(Replication(innovation_id=w[2], replicator="Kabupaten Gresik",
                                   replicated_on=datetime.date(2025, 3, 1), evidence="MoU 12/2025"))
        db.session.add(Sustainability(innovation_id=w[2], year=2026, status="berkembang", notes="diperluas"))
        db.session.commit()
    r = api("sekretariat").get(f"/api/v1/competition/{comp}/nominations/export?level=nasional&format=iid")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.data))
    rows = _rows(wb[nomination_exports.IID_SHEET])
    assert len(rows) == 2
    profile = dict(zip(rows[0], rows[1]))
    assert profile["Nama Inovasi"] == "Lapak Porong / Keliling"
    assert profile["Perangkat Daerah"] == "Kecamatan Uji C" and profile["Jenis Perangkat Daerah"] == "Kecamatan"
    assert profile["Tahapan Inovasi"] == "penerapan" and profile["Waktu Penerapan"] == "5 Maret 2021"
    assert profile["Tujuan Inovasi"] == "background of w3" and profile["Hasil Inovasi"] == "significance of w3"
    assert "novelty of w3" in profile["Rancang Bangun"] and "implementation of w3" in profile["Rancang Bangun"]
    assert profile["Jumlah Kata Rancang Bangun"] == 9
    indicators = _rows(wb[nomination_exports.INDICATOR_SHEET])
    assert [row[2] for row in indicators[1:]] == ["IND-02", "IND-15", "IND-18", "-"]
    assert indicators[2][4] == "adaptability of w3" and indicators[3][4] == "sustainability of w3"
    assert indicators[2][5] == "Direplikasi oleh Kabupaten Gresik (1 Maret 2025); bukti: MoU 12/2025"
    assert indicators[3][5] == "2026: berkembang (diperluas)"


@pytest.mark.parametrize("query", ["format=pdf", "level=kabupaten", "format=iid&archive=zip", "archive=tar"])
def test_export_bad_parameters_are_422(api, world, query):
    r = api("sekretariat").get(f"/api/v1/competition/{world['comp']}/nominations/export?{query}")
    assert r.status_code == 422, r.get_json()


def test_export_without_nominations_is_an_empty_table(api, world):
    r = api("sekretariat").get(f"/api/v1/competition/{world['comp']}/nominations/export?level=provinsi&format=sinovik"
                               "&archive=zip")
    archive = zipfile.ZipFile(io.BytesIO(r.data))
    assert archive.namelist() == ["nominasi-2025-provinsi-sinovik.xlsx"]
    wb = load_workbook(io.BytesIO(archive.read(archive.namelist()[0])))
    assert wb[nomination_exports.SINOVIK_SHEET].max_row == 1


def test_concurrent_nominations_never_exceed_the_quota(app, api, world):
    """Two Sekretariat requests race for the last place: the competition row is locked while counting
    (PostgreSQL FOR UPDATE; SQLite has one writer), so one gets 200 and the other 409."""
    import threading

    comp, w = world["comp"], world["winners"]
    assert _nominate(api, comp, [w[0]]).status_code == 200  # quota 2: one place left
    headers = api("sekretariat").headers
    barrier = threading.Barrier(2)
    statuses = []

    def race(innovation_id):
        client = app.test_client()
        barrier.wait()
        r = client.post(f"/api/v1/competition/{comp}/nominate", headers=headers,
                        json={"innovation_ids": [innovation_id], "level": "provinsi"})
        statuses.append(r.status_code)

    threads = [threading.Thread(target=race, args=(i,)) for i in (w[1], w[2])]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(statuses) == [200, 409]
    with app.app_context():
        assert db.session.query(Nomination).filter_by(level="provinsi").count() == 2
