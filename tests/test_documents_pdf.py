"""The decree and certificate PDFs (DESIGN §5): every element read back with pdftotext, PAdES signature
validated with pyHanko against the configured certificate, byte stability, tamper and revoke → invalid,
qpdf --check clean."""
import datetime
import hashlib
import re

import pytest

from tests.conftest import Api
from tests.documents_helpers import (
    doc_code,
    docs,  # noqa: F401  (the fixture)
    draft_decree,
    flat,
    issue_all,
    pdf_text,
    qpdf_check,
    seed_awards,
    sign,
    signing_pair,
    validate_signature,
)

pytestmark = pytest.mark.usefixtures("docs")
KEY, CERT = signing_pair()


def _today_jakarta():
    from app.services.documents.indonesian import format_date

    return format_date(datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None), "Asia/Jakarta")


def test_draft_decree_has_every_element_a_draf_mark_and_no_signature(app, client):
    comp, _awards = seed_awards(app, prizes=(5000000, 7500000.5, None))
    pk = draft_decree(client, comp)
    r = Api(client, "sekretariat").get(f"/api/v1/decree/{pk}/pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    data = r.data
    text = flat(pdf_text(data))
    for element in ("BUPATI SIDOARJO", "PROVINSI JAWA TIMUR", "KEPUTUSAN BUPATI SIDOARJO", "NOMOR", "TENTANG",
                    "PENETAPAN PEMENANG KOMPETISI INOVASI PELAYANAN PUBLIK KABUPATEN SIDOARJO TAHUN 2026",
                    "Menimbang : a. bahwa", "Mengingat : 1. Undang-Undang Nomor 12 Tahun 1950", "MEMUTUSKAN:",
                    "Menetapkan : KEPUTUSAN BUPATI SIDOARJO TENTANG", "KESATU :", "KEDUA :", "KETIGA :",
                    "Keputusan ini mulai berlaku pada tanggal ditetapkan.", "Ditetapkan di Sidoarjo",
                    "pada tanggal", "NAMA BUPATI SIDOARJO", "LAMPIRAN I KEPUTUSAN BUPATI SIDOARJO",
                    "Rp5.000.000,00", "(lima juta rupiah)", "Rp7.500.000,50",
                    "(tujuh juta lima ratus ribu rupiah lima puluh sen)", "Inovasi Uji 1", "Dinas Uji A", "Juara I",
                    "DRAF"):
        assert element in text, element
    # the winners' table: no, innovation, unit, category, title, uang pembinaan (NILAI is off by default)
    assert re.search(r"NO INOVASI UNIT KERJA KATEGORI PREDIKAT UANG PEMBINAAN", text)
    assert "Dinas Uji A OPD Juara I Rp5.000.000,00" in text  # one row, read across
    assert "Kecamatan Uji C" in text and "Kecamatan Juara III" in text
    assert "90,00" not in text and "NILAI PREDIKAT" not in text
    # SAKIP unit awards in their own diktum and annex: Dinas Uji A (grade A), not Dinas Uji B (BB)
    assert "LAMPIRAN II" in text and "NILAI SAKIP" in text
    annex2 = text.split("DAFTAR UNIT KERJA PENERIMA PENGHARGAAN NILAI SAKIP", 1)[1].split("BUPATI SIDOARJO,", 1)[0]
    assert "Dinas Uji A" in annex2 and "Dinas Uji B" not in annex2
    assert "/verify/" not in text and "Balai Besar Sertifikasi Elektronik" not in text
    assert validate_signature(data, CERT) is None  # a draft carries no signature
    assert qpdf_check(data).returncode == 0


def test_signed_decree_is_valid_trusted_pdfa_and_byte_stable(app, client):
    comp, _awards = seed_awards(app)
    pk = draft_decree(client, comp)
    sign(client, pk)
    year = datetime.datetime.now(datetime.timezone.utc).year
    first = Api(client, "penandatangan").get(f"/api/v1/decree/{pk}/pdf")
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    data = first.data
    text = flat(pdf_text(data))
    assert f"NOMOR 188/1/438.1.1.3/{year}" in text
    assert f"pada tanggal {_today_jakarta()}" in text
    assert "Ditandatangani secara elektronik oleh:" in text  # the visible stamp
    assert "Balai Besar Sertifikasi Elektronik (BSrE), Badan Siber dan Sandi Negara" in text  # TTE footer
    assert "https://sikipp.example.test/verify/" in text
    assert "DRAF" not in text
    status = validate_signature(data, CERT)
    assert status is not None and status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert status.coverage.name == "ENTIRE_FILE"
    assert qpdf_check(data).returncode == 0, qpdf_check(data).stdout
    from io import BytesIO

    from pypdf import PdfReader

    xmp = PdfReader(BytesIO(data)).trailer["/Root"]["/Metadata"].get_object().get_data()
    assert re.search(rb"pdfaid:part[=>\"]*3", xmp) and re.search(rb"pdfaid:conformance[=>\"]*U", xmp), xmp[:2000]
    # byte-for-byte the stored document, every time
    second = Api(client, "sekretariat").get(f"/api/v1/decree/{pk}/pdf")
    assert second.data == data
    code = doc_code(app, pk)
    assert f"https://sikipp.example.test/verify/{code}" in text.replace(" ", "")
    verdict = client.get(f"/verify/{code}", headers={"Accept": "application/json"}).get_json()
    assert verdict["valid"] is True and verdict["state"] == "valid"
    assert verdict["sha256"] == hashlib.sha256(data).hexdigest()
    assert verdict["document"]["number"] == f"188/1/438.1.1.3/{year}"


def test_tampered_or_revoked_documents_are_invalid_and_bytes_never_change(app, client):
    comp, award_ids = seed_awards(app, prizes=(5000000,))
    pk = draft_decree(client, comp)
    sign(client, pk)
    data = Api(client, "sekretariat").get(f"/api/v1/decree/{pk}/pdf").data

    def upload(blob):
        from io import BytesIO

        r = client.post("/verify", data={"file": (BytesIO(blob), "keputusan.pdf")},
                        headers={"Accept": "application/json"}, content_type="multipart/form-data")
        assert r.status_code == 200
        return r.get_json()

    assert upload(data)["valid"] is True
    # one changed byte inside the signed content: the signature breaks and verification says invalid
    at = data.index(b"stream", 2000) + 20
    tampered = data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1:]
    status = validate_signature(tampered, CERT)
    assert status is None or not status.intact
    assert upload(tampered) == {**upload(tampered), "valid": False, "state": None}
    # an appended (incremental) update: still a different file
    assert upload(data + b"\n% appended\n")["valid"] is False
    assert upload(b"not a pdf at all")["valid"] is False

    r = Api(client, "penandatangan").post(f"/api/v1/decree/{pk}/transitions/revoke", json={"comment": "Dicabut."})
    assert r.status_code == 200, r.get_json()
    after = Api(client, "sekretariat").get(f"/api/v1/decree/{pk}/pdf").data
    assert after == data  # revocation is a state, never an edit
    verdict = upload(data)
    assert (verdict["valid"], verdict["state"], verdict["reason"]) == (False, "revoked", "revoked")
    code = doc_code(app, pk)
    by_code = client.get(f"/verify/{code}", headers={"Accept": "application/json"}).get_json()
    assert (by_code["valid"], by_code["state"]) == (False, "revoked")
    html = client.get(f"/verify/{code}").get_data(as_text=True)
    assert "188/1/" in html and "verdict" in html


def test_certificates_are_issued_after_the_sign_commit_and_follow_the_decree(app, client):
    comp, award_ids = seed_awards(app, prizes=(5000000, 2500000))
    pk = draft_decree(client, comp)
    sekretariat = Api(client, "sekretariat")
    assert sekretariat.get(f"/api/v1/award/{award_ids[0]}/certificate").status_code == 404  # no signed decree yet
    sign(client, pk)
    # signed and committed, certificates not yet issued (the job has not run): 202 with Retry-After
    r = sekretariat.get(f"/api/v1/award/{award_ids[0]}/certificate")
    assert r.status_code == 202 and int(r.headers["Retry-After"]) > 0, r.get_json()
    progress = sekretariat.get(f"/api/v1/decree/{pk}/certificates").get_json()
    assert (progress["total"], progress["issued"], progress["done"]) == (2, 0, False)

    assert issue_all(app, pk)["done"] is True
    r = sekretariat.get(f"/api/v1/award/{award_ids[0]}/certificate")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    cert = r.data
    text = flat(pdf_text(cert))
    for element in ("PIAGAM PENGHARGAAN", "Diberikan kepada:", "Dinas Uji A", "Atas prestasinya sebagai Juara I",
                    "Kompetisi Inovasi Pelayanan Publik Kabupaten Sidoarjo Tahun 2026", "Inovasi Uji 1",
                    "Ditetapkan di Sidoarjo", _today_jakarta(), "NAMA BUPATI SIDOARJO",
                    "https://sikipp.example.test/verify/", "Balai Besar Sertifikasi Elektronik",
                    "Ditandatangani secara elektronik oleh:"):  # the last: the visible stamp
        assert element in text, element
    status = validate_signature(cert, CERT)
    assert status.intact and status.valid and status.trusted
    assert qpdf_check(cert).returncode == 0
    # the second certificate (its stamp appearance copied from an earlier document of the same process)
    other = sekretariat.get(f"/api/v1/award/{award_ids[1]}/certificate").data
    assert "Ditandatangani secara elektronik oleh:" in flat(pdf_text(other)) and "Dinas Uji B" in flat(pdf_text(other))
    status = validate_signature(other, CERT)
    assert status.intact and status.valid and status.trusted and status.coverage.name == "ENTIRE_FILE"
    assert qpdf_check(other).returncode == 0
    assert sekretariat.get(f"/api/v1/award/{award_ids[0]}/certificate").data == cert
    # rows: the OPD of the unit may download its own certificate; another OPD sees nothing; a juror has no right
    assert Api(client, "opd_a").get(f"/api/v1/award/{award_ids[0]}/certificate").data == cert
    assert Api(client, "opd_b").get(f"/api/v1/award/{award_ids[0]}/certificate").status_code == 404
    assert Api(client, "opd_b").get(f"/api/v1/award/{award_ids[1]}/certificate").status_code == 200
    assert Api(client, "juri1").get(f"/api/v1/award/{award_ids[0]}/certificate").status_code == 403
    assert client.get(f"/api/v1/award/{award_ids[0]}/certificate").status_code == 401
    # rerunning issues nothing new
    assert issue_all(app, pk)["issued"] == 2

    r = Api(client, "penandatangan").post(f"/api/v1/decree/{pk}/transitions/revoke", json={"comment": "Salah."})
    assert r.status_code == 200
    assert sekretariat.get(f"/api/v1/award/{award_ids[0]}/certificate").status_code == 409
    code = doc_code(app, pk, award_ids[0])
    verdict = client.get(f"/verify/{code}", headers={"Accept": "application/json"}).get_json()
    assert (verdict["valid"], verdict["state"], verdict["document"]["type"]) == (False, "revoked", "certificate")
    # the awards stay, and a new decree lists them again
    assert sekretariat.get(f"/api/v1/award/{award_ids[0]}").status_code == 200
    second = draft_decree(client, comp)
    sign(client, second)
    assert sekretariat.get(f"/api/v1/award/{award_ids[0]}/certificate").status_code == 202
    issue_all(app, second)
    assert sekretariat.get(f"/api/v1/award/{award_ids[0]}/certificate").status_code == 200
