"""The documents' layout per tata naskah dinas (issue 11, items 4 and 5), read back from the PDFs: paper size
from the page boxes (pypdf), text per page with pdftotext — F4 by default and A4 when configured, page numbers
"- 2 -" top centre from the second page (none on the first), "LAMPIRAN" alone for one annex, annex closing without a
second "Ditetapkan di", diktum and Mengingat from the data and the configuration, tembusan, no NILAI by default,
the SALINAN, certificate numbers and no page footer on certificates, no TTE/BSrE claim with the development
signer, and the berita acara of a closed round, which the decree's Menimbang cites."""
import datetime
import subprocess
from io import BytesIO

import pytest
from pypdf import PdfReader

from app.extensions import db
from tests.conftest import PASSWORD, Api
from tests.documents_helpers import (
    doc_code,
    docs,  # noqa: F401  (the fixture)
    draft_decree,
    flat,
    issue_all,
    pdf_text,
    seed_awards,
    sign,
    signing_pair,
    validate_signature,
)
from tests.judging_helpers import assign, criteria, ensure_jurors, rounds_of, verified, write_sheet

pytestmark = pytest.mark.usefixtures("docs")
KEY, CERT = signing_pair()
MM = 72 / 25.4
F4 = (215 * MM, 330 * MM)
A4 = (210 * MM, 297 * MM)


def pages(data):
    """The text of each page, as laid out (pdftotext -layout; pages end with a form feed)."""
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode("utf-8")
    return text.split("\f")[:-1]


def first_line(page_text):
    return next((line.strip() for line in page_text.splitlines() if line.strip()), "")


def boxes(data):
    return [(float(p.mediabox.width), float(p.mediabox.height)) for p in PdfReader(BytesIO(data)).pages]


def close_to(size, expected):
    return abs(size[0] - expected[0]) < 0.5 and abs(size[1] - expected[1]) < 0.5


def fonts(data):
    return subprocess.run(["pdffonts", "-"], input=data, capture_output=True, check=True).stdout.decode()


def body_font(data, page=0):
    """(size in pt, font name) carrying most of the page's characters (the text matrix's scale applied)."""
    from collections import Counter

    sizes = Counter()

    def visit(text, cm, tm, font, size):
        if text.strip():
            scale = (tm[0] ** 2 + tm[1] ** 2) ** 0.5 * (cm[0] ** 2 + cm[1] ** 2) ** 0.5
            sizes[(round(size * scale, 1), str((font or {}).get("/BaseFont", "")).split("+")[-1])] += len(text)

    PdfReader(BytesIO(data)).pages[page].extract_text(visitor_text=visit)
    return sizes.most_common(1)[0][0]


def draft_pdf(client, pk):
    r = Api(client, "sekretariat").get(f"/api/v1/decree/{pk}/pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    return r.data


def _year():
    return datetime.datetime.now(datetime.timezone.utc).year


def test_f4_bookman_and_page_numbers_from_the_second_page_a4_when_configured(app, client, monkeypatch):
    comp, _awards = seed_awards(app, prizes=(5000000, 2500000, None))
    pk = draft_decree(client, comp)
    data = draft_pdf(client, pk)
    sizes = boxes(data)
    assert len(sizes) >= 3 and all(close_to(size, F4) for size in sizes), sizes  # F4 by default (Sidoarjo)
    texts = pages(data)
    assert "- 1 -" not in texts[0] and not first_line(texts[0]).startswith("-")  # no number on the first page
    for number, text in enumerate(texts[1:], start=2):
        assert first_line(text) == f"- {number} -", (number, first_line(text))
    assert not any("Hlm." in text for text in texts)  # the old "Hlm. x/y" footer is gone
    # TeX Gyre Bonum (OpenType CFF) for the text, 12 pt; the DejaVu Serif of before is gone
    listing = fonts(data)
    assert "Bookman" in listing and "CID Type 0C" in listing and "DejaVuSerif" not in listing, listing
    assert body_font(data) == (12.0, "Bookman"), body_font(data)  # Bookman 12 pt for the body text

    monkeypatch.setitem(app.config, "SIKIPP_DOCUMENT_PAPER", "A4")
    a4 = draft_pdf(client, pk)
    assert all(close_to(size, A4) for size in boxes(a4)), boxes(a4)
    assert first_line(pages(a4)[1]) == "- 2 -"


def test_one_annex_is_lampiran_alone_closing_without_ditetapkan_tembusan_and_no_nilai(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "SIKIPP_UNIT_AWARD_GRADES", ("AA",))  # no unit has it: no SAKIP annex
    comp, _awards = seed_awards(app, prizes=(5000000, None, 2500000))
    pk = draft_decree(client, comp)
    data = draft_pdf(client, pk)
    text = flat(pdf_text(data))
    assert "LAMPIRAN KEPUTUSAN BUPATI SIDOARJO" in text
    assert "LAMPIRAN I" not in text and "Lampiran I" not in text
    assert "sebagaimana tercantum dalam Lampiran yang merupakan bagian tidak terpisahkan" in text
    # one "Ditetapkan di … pada tanggal": the annex closes with the jabatan and the name only
    layout = "\n".join(pages(data))
    assert layout.count("Ditetapkan di") == 1
    annex = layout.split("LAMPIRAN KEPUTUSAN BUPATI SIDOARJO", 1)[1]
    assert "BUPATI SIDOARJO," in annex and "NAMA BUPATI SIDOARJO" in annex
    assert "Ditetapkan" not in annex and "pada tanggal" not in annex
    # NILAI (the jurors' scores) is off by default
    assert "NO INOVASI UNIT KERJA KATEGORI PREDIKAT UANG PEMBINAAN" in text
    assert "NILAI" not in text and "90,00" not in text
    # tembusan (configured list, Sidoarjo's by default)
    assert "Tembusan: Yth. 1. Sekretaris Daerah Kabupaten Sidoarjo; 2. Inspektur Kabupaten Sidoarjo;" in text
    # diktum: some awards carry a prize — Piagam for all, uang pembinaan for those, received by the unit
    assert ("diberikan Piagam Penghargaan; kepada pemenang yang tercantum besaran uang pembinaannya dalam "
            "Lampiran diberikan pula uang pembinaan") in text
    assert "diterimakan kepada unit kerja penyelenggara pelayanan publik pemenang" in text

    monkeypatch.setitem(app.config, "SIKIPP_DECREE_ANNEX_SCORES", True)
    monkeypatch.setitem(app.config, "SIKIPP_DECREE_TEMBUSAN", ("Gubernur Jawa Timur <di Surabaya>;",))
    text = flat(pdf_text(draft_pdf(client, pk)))
    assert "KATEGORI NILAI PREDIKAT" in text and "Dinas Uji A OPD 90,00 Juara I" in text
    assert "Tembusan: Yth. 1. Gubernur Jawa Timur <di Surabaya>;" in text and "Inspektur" not in text


def test_diktum_without_prizes_promises_no_uang_pembinaan_and_mengingat_is_complete(app, client):
    comp, _awards = seed_awards(app, prizes=(None, None))
    pk = draft_decree(client, comp)
    text = flat(pdf_text(draft_pdf(client, pk)))
    assert "Kepada pemenang sebagaimana dimaksud dalam Diktum KESATU diberikan Piagam Penghargaan." in text
    assert "uang pembinaan" not in text.lower()
    # two annexes here (Dinas Uji A has SAKIP A): numbered
    assert "LAMPIRAN I KEPUTUSAN" in text and "LAMPIRAN II KEPUTUSAN" in text and "dalam Lampiran II" in text
    # the Mengingat defaults: complete citations, the Pemda's own entries left to complete, the year filled in
    decree = Api(client, "sekretariat").get(f"/api/v1/decree/{pk}").get_json()["result"]
    bases = decree["legal_bases"]
    for citation in (
            "Undang-Undang Nomor 12 Tahun 1950 tentang Pembentukan Daerah-daerah Kabupaten dalam Lingkungan Propinsi "
            "Djawa Timur (Berita Negara Republik Indonesia Tahun 1950 Nomor 41) sebagaimana telah diubah dengan "
            "Undang-Undang Nomor 2 Tahun 1965",
            "(Lembaran Negara Republik Indonesia Tahun 1965 Nomor 19, Tambahan Lembaran Negara Republik Indonesia "
            "Nomor 2730);",
            "terakhir dengan Undang-Undang Nomor 6 Tahun 2023 tentang Penetapan Peraturan Pemerintah Pengganti "
            "Undang-Undang Nomor 2 Tahun 2022 tentang Cipta Kerja menjadi Undang-Undang (Lembaran Negara Republik "
            "Indonesia Tahun 2023 Nomor 41, Tambahan Lembaran Negara Republik Indonesia Nomor 6856);",
            "Nomor 91 Tahun 2021 tentang Pembinaan Inovasi Pelayanan Publik (Berita Negara Republik Indonesia Tahun "
            "2021 Nomor",
            "Peraturan Bupati Sidoarjo Nomor … Tahun … tentang Inovasi Daerah",
            "tentang Anggaran Pendapatan dan Belanja Daerah Tahun Anggaran 2026"):
        assert citation in bases, citation
    assert "Mengingat : 1. Undang-Undang Nomor 12 Tahun 1950" in text and "7. Peraturan Daerah Kabupaten" in text


def test_salinan_of_a_signed_decree(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "SIKIPP_SALINAN_NAME", "Dr. Hukum Contoh, S.H., M.H.")
    monkeypatch.setitem(app.config, "SIKIPP_SALINAN_RANK", "Pembina Tingkat I")
    monkeypatch.setitem(app.config, "SIKIPP_SALINAN_NIP", "19700101 200003 1 001")
    comp, _awards = seed_awards(app, prizes=(5000000,))
    pk = draft_decree(client, comp)
    sek = Api(client, "sekretariat")
    r = sek.get(f"/api/v1/decree/{pk}/pdf?variant=salinan")
    assert r.status_code == 409 and "SALINAN" in r.get_json()["message"]  # no copy of a draft
    assert sek.get(f"/api/v1/decree/{pk}/pdf?variant=palsu").status_code == 400
    sign(client, pk)
    original = sek.get(f"/api/v1/decree/{pk}/pdf").data
    r = sek.get(f"/api/v1/decree/{pk}/pdf?variant=salinan")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert 'filename="salinan-keputusan-' in r.headers["Content-Disposition"]
    data = r.data
    texts = pages(data)
    assert first_line(texts[0]) == "S A L I N A N" or first_line(texts[0]).replace(" ", "") == "SALINAN"
    text = flat("\n".join(texts))
    for element in ("Salinan sesuai dengan aslinya, KEPALA BAGIAN HUKUM,", "DR. HUKUM CONTOH, S.H., M.H.",
                    "Pembina Tingkat I", "NIP 19700101 200003 1 001", "BUPATI SIDOARJO, ttd. NAMA BUPATI SIDOARJO",
                    f"NOMOR 188/1/438.1.1.3/{_year()}", "Tembusan:"):
        assert element in text, element
    assert f"https://sikipp.example.test/verify/{doc_code(app, pk)}" in text.replace(" ", "")  # the original's
    assert "Ditandatangani secara elektronik oleh:" not in text and "Balai Besar Sertifikasi" not in text
    assert validate_signature(data, CERT) is None  # a copy: not signed
    assert all(close_to(size, F4) for size in boxes(data))
    assert sek.get(f"/api/v1/decree/{pk}/pdf").data == original  # the original never changes
    assert Api(client, "opd_a").get(f"/api/v1/decree/{pk}/pdf?variant=salinan").status_code in (403, 404)


def test_certificates_have_numbers_and_no_page_footer(app, client):
    comp, award_ids = seed_awards(app, prizes=(5000000, 2500000))
    pk = draft_decree(client, comp)
    sign(client, pk)
    issue_all(app, pk)
    sek = Api(client, "sekretariat")
    year = _year()
    for seq, award_id in enumerate(award_ids, start=1):
        data = sek.get(f"/api/v1/award/{award_id}/certificate").data
        texts = pages(data)
        assert len(texts) == 1
        assert close_to(boxes(data)[0], (A4[1], A4[0]))  # A4 landscape
        text = flat(texts[0])
        number = f"188/1/438.1.1.3/{year}/{seq:03d}"
        assert f"PIAGAM PENGHARGAAN Nomor: {number}" in text, text[:300]
        assert "Hlm." not in text and "- 1 -" not in text and "1/1" not in text
        verdict = client.get(f"/verify/{doc_code(app, pk, award_id)}", headers={"Accept": "application/json"}).get_json()
        assert verdict["document"]["number"] == number and verdict["valid"] is True
    assert issue_all(app, pk)["issued"] == 2  # stable: nothing new, the same numbers


def test_development_signer_documents_make_no_tte_claim(app, client, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "SIKIPP_SIGNING_KEY", None)
    monkeypatch.setitem(app.config, "SIKIPP_SIGNING_CERT", None)
    monkeypatch.setitem(app.config, "SIKIPP_DEV_SIGNING_DIR", str(tmp_path / "signing"))
    comp, award_ids = seed_awards(app, prizes=(5000000,))
    pk = draft_decree(client, comp)
    sign(client, pk)
    issue_all(app, pk)
    sek = Api(client, "sekretariat")
    for data in (sek.get(f"/api/v1/decree/{pk}/pdf").data, sek.get(f"/api/v1/award/{award_ids[0]}/certificate").data):
        text = flat(pdf_text(data))
        assert "Ditandatangani dengan sertifikat pengembangan — bukan untuk penggunaan resmi." in text
        assert "BSrE" not in text and "Balai Besar Sertifikasi Elektronik" not in text
        assert "Badan Siber dan Sandi Negara" not in text
        status = validate_signature(data, str(tmp_path / "signing" / "dev-cert.pem"))
        assert status.intact and status.valid  # signed all the same, with the development pair


class StandInRemoteSigner:
    """What ``SIKIPP_SIGNER_CLASS`` plugs in (a remote TTE client, built with the app config): here the real PAdES
    signer with a pair of its own, standing in for the remote service's certificate; it records the requests."""

    pair = None
    requests = []

    def __new__(cls, config):
        from app.services.documents.signing import LocalPadesSigner, generate_pair

        if cls.pair is None:
            import os
            import tempfile

            folder = tempfile.mkdtemp(prefix="sikipp-remote-tte-")
            cls.pair = (os.path.join(folder, "key.pem"), os.path.join(folder, "cert.pem"))
            generate_pair(*cls.pair, common_name="Layanan TTE Uji", organization="Penyelenggara TTE Uji")
        signer = LocalPadesSigner(*cls.pair)
        inner = signer.sign_pdf

        def sign_pdf(pdf, request):
            cls.requests.append(request)
            return inner(pdf, request)

        signer.sign_pdf = sign_pdf
        return signer


def test_the_signer_class_hook_signs_with_the_remote_signer_and_keeps_the_tte_footer(app, client, monkeypatch,
                                                                                     tmp_path):
    """Build 2: the ``SIKIPP_SIGNER_CLASS`` hook stays (a remote TTE): it signs the decree and its certificates, and
    a signer that is not the development pair gets the TTE footer, not the development notice."""
    monkeypatch.setitem(app.config, "SIKIPP_SIGNER_CLASS", f"{__name__}:StandInRemoteSigner")
    monkeypatch.setitem(app.config, "SIKIPP_SIGNING_KEY", None)
    monkeypatch.setitem(app.config, "SIKIPP_SIGNING_CERT", None)
    monkeypatch.setitem(app.config, "SIKIPP_DEV_SIGNING_DIR", str(tmp_path / "signing"))
    StandInRemoteSigner.requests.clear()
    comp, award_ids = seed_awards(app, prizes=(5000000,))
    pk = draft_decree(client, comp)
    sign(client, pk)
    issue_all(app, pk)
    sek = Api(client, "sekretariat")
    for data in (sek.get(f"/api/v1/decree/{pk}/pdf").data, sek.get(f"/api/v1/award/{award_ids[0]}/certificate").data):
        status = validate_signature(data, StandInRemoteSigner.pair[1])
        assert status is not None and status.intact and status.valid and status.trusted
        assert "Layanan TTE Uji" in status.signing_cert.subject.human_friendly
        text = flat(pdf_text(data))
        assert "Balai Besar Sertifikasi Elektronik (BSrE), Badan Siber dan Sandi Negara" in text
        assert "sertifikat pengembangan" not in text
    assert len(StandInRemoteSigner.requests) == 2
    assert all(r.signer_name == "NAMA BUPATI SIDOARJO" for r in StandInRemoteSigner.requests), \
        [r.signer_name for r in StandInRemoteSigner.requests]
    assert not (tmp_path / "signing" / "dev-key.pem").exists()  # no development pair was made


JURORS = [("ba_juri1", None), ("ba_juri2", None)]


def test_berita_acara_of_a_closed_round_and_the_menimbang_that_cites_it(app, client, api, competition):
    sek = api("sekretariat")
    with app.app_context():
        r1, r2, _r3 = [r.id for r in rounds_of(competition)]
        names = {r.id: r.name for r in rounds_of(competition)}
    assert sek.put(f"/api/v1/round/{r1}", json={"shortlist_size": 1}).status_code == 200
    jurors = ensure_jurors(app, JURORS)
    with app.app_context():
        from app.models import User

        for uid, full in zip(jurors, ("Endang Suryani", "Hadi Prasetyo")):
            user = db.session.get(User, uid)
            user.first_name, user.last_name = full.split()
        db.session.commit()
    opd = verified(app, competition, ["T-OPD-A", "T-OPD-B"], title="Inovasi BA")
    for inn, values in zip(opd, ((90, 80), (60, 70))):
        for juror, value in zip(jurors, values):
            aid = assign(app, r1, inn, juror)
            with app.app_context():
                write_sheet(db.session, aid, {c.id: value for c in criteria(r1)})
                db.session.commit()
    assert sek.get(f"/api/v1/round/{r1}/berita_acara").status_code == 409  # open round: no record yet
    assert sek.post(f"/api/v1/round/{r1}/close").status_code == 200
    r = sek.get(f"/api/v1/round/{r1}/berita_acara")
    assert r.status_code == 200 and r.mimetype == "application/pdf", r.data[:200]
    data = r.data
    assert all(close_to(size, F4) for size in boxes(data))
    text = flat(pdf_text(data))
    number = f"BA.1/TIM-KIPP/{competition}/2026"
    with app.app_context():
        crits = [(c.name, c.weight) for c in criteria(r1)]
    for element in ("BERITA ACARA HASIL PENILAIAN", f"TAHAP {names[r1].upper()}", f"NOMOR {number}",
                    "B. Kriteria dan bobot", "C. Juri", "Endang Suryani", "Hadi Prasetyo", "D. Peringkat",
                    "Kategori OPD", "1 Inovasi BA 1 Dinas Uji A 85,00 2 lolos ke tahap berikutnya",
                    "2 Inovasi BA 2 Dinas Uji B 65,00 2", "TANDA TANGAN", f"ke tahap {names[r2]}"):
        assert element in text, element
    for name, weight in crits:
        assert f"{name} {weight:.2f}".replace(".", ",") in text, name
    # who may: the Sekretariat; a juror or an OPD may not, nobody anonymous; unknown round 404
    assert api("juri1").get(f"/api/v1/round/{r1}/berita_acara").status_code == 403
    assert api("opd_a").get(f"/api/v1/round/{r1}/berita_acara").status_code == 403
    assert client.get(f"/api/v1/round/{r1}/berita_acara").status_code == 401
    assert sek.get("/api/v1/round/999999/berita_acara").status_code == 404
    # the round's screens link it (closed rounds only)
    browser = app.test_client()
    assert browser.post("/login/", data={"username": "sekretariat", "password": PASSWORD}).status_code == 302
    index = browser.get("/judging/").get_data(as_text=True)
    assert f"/api/v1/round/{r1}/berita_acara" in index and f"/api/v1/round/{r2}/berita_acara" not in index
    assert f"/api/v1/round/{r1}/berita_acara" in browser.get(f"/judging/ranking/{r1}").get_data(as_text=True)
    # the decree's Menimbang: the competition's actual rounds and the berita acara (number and date)
    from app.services.documents.indonesian import format_date

    today = format_date(datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None), "Asia/Jakarta")
    with app.app_context():  # judging is over (setup): a decree is drafted once every round is closed (DESIGN §3)
        from app.models import Round

        for rnd in db.session.query(Round).filter(Round.id.in_((r2, _r3))):
            rnd.closed_at = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
        db.session.commit()
    pk = draft_decree(client, competition)
    considerations = sek.get(f"/api/v1/decree/{pk}").get_json()["result"]["considerations"]
    rounds_text = ", ".join(f"tahap {names[r]}" for r in (r1, r2)) + f", dan tahap {names[_r3]}"
    assert rounds_text in considerations, considerations
    assert f"Berita Acara Tim Penilai Tahap {names[r1]} Nomor {number} tanggal {today}" in considerations
    assert "proposal, presentasi dan verifikasi lapangan" not in considerations
    text = flat(pdf_text(draft_pdf(client, pk)))
    assert f"Nomor {number} tanggal {today}" in text


def test_openapi_lists_the_berita_acara_and_the_salinan_variant(api):
    spec = api("admin").get("/api/v1/_openapi").get_json()
    assert "get" in spec["paths"]["/api/v1/round/{pk}/berita_acara"]
    params = spec["paths"]["/api/v1/decree/{pk}/pdf"]["get"]["parameters"]
    assert any(p["name"] == "variant" and p["schema"]["enum"] == ["asli", "salinan"] for p in params)
