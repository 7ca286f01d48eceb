"""Helpers for the official documents tests: a configured signing pair, seeded awards, PDF text and
signature checks."""
import datetime
import os
import subprocess
import tempfile
from io import BytesIO

import pytest

from tests.conftest import Api

_pair = {}


def signing_pair():
    """A test signing key and certificate (made once per test process)."""
    if not _pair:
        from app.services.documents.signing import generate_pair

        folder = tempfile.mkdtemp(prefix="sikipp-signing-")
        key, cert = os.path.join(folder, "key.pem"), os.path.join(folder, "cert.pem")
        generate_pair(key, cert, common_name="Bupati Uji (test certificate)", organization="Pemkab Uji")
        _pair.update(key=key, cert=cert)
    return _pair["key"], _pair["cert"]


@pytest.fixture
def docs(app, monkeypatch):
    """Documents configured for a test: the test pair, a public base URL, jobs driven by the test."""
    key, cert = signing_pair()
    for name, value in {"SIKIPP_SIGNING_KEY": key, "SIKIPP_SIGNING_CERT": cert,
                        "SIKIPP_BASE_URL": "https://sikipp.example.test", "SIKIPP_JOBS_MODE": "manual"}.items():
        monkeypatch.setitem(app.config, name, value)
    return {"key": key, "cert": cert}


def seed_awards(app, prizes=(5000000, 2500000, None), title_prefix="Inovasi Uji", unit_codes=None,
                competition_name="Kompetisi Inovasi Pelayanan Publik Kabupaten Sidoarjo", year=2026):
    """A competition with one awarded innovation per prize (rotating over the baseline units)."""
    from app.extensions import db
    from app.models import Competition, Innovation, Unit
    from app.services import awards

    titles = ("Juara I", "Juara II", "Juara III", "Harapan I", "Harapan II", "Harapan III")
    with app.app_context():
        codes = unit_codes or ["T-OPD-A", "T-OPD-B", "T-KEC-C"]
        units = [db.session.query(Unit).filter_by(code=c).one() for c in codes]
        comp = Competition(name=competition_name, year=year,
                           submission_deadline=datetime.datetime(year, 7, 1))
        db.session.add(comp)
        db.session.flush()
        award_ids = []
        for i, prize in enumerate(prizes):
            inn = Innovation(competition_id=comp.id, unit_id=units[i % len(units)].id,
                             title=f"{title_prefix} {i + 1}", state="awarded", version=1)
            db.session.add(inn)
            db.session.flush()
            award = awards.create_award(db.session, inn, titles[i % len(titles)], prize, score=90 - i * 1.25)
            db.session.flush()
            award_ids.append(award.id)
        db.session.commit()
        return comp.id, award_ids


def draft_decree(client, competition_id, **fields):
    r = Api(client, "sekretariat").post("/api/v1/decree/", json={"competition_id": competition_id, **fields})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def paraf(client, pk, username="hukum", data=None):
    """The default paraf chain (Hukum) initials the draft's current text."""
    r = Api(client, username).post(f"/api/v1/decree/{pk}/transitions/paraf", json={"data": data or {}})
    assert r.status_code == 200, r.get_json()
    return r


def sign(client, pk, username="penandatangan"):
    """Sign after the default paraf chain (Hukum) has initialled the draft (DESIGN §3)."""
    paraf(client, pk)
    r = Api(client, username).post(f"/api/v1/decree/{pk}/transitions/sign", json={})
    assert r.status_code == 200, r.get_json()
    return r


def pdf_text(data):
    """The text as laid out (labels beside their items) followed by the text in reading order (table cells
    whole, even when wrapped over several lines)."""
    def run(*options):
        return subprocess.run(["pdftotext", *options, "-", "-"], input=data, capture_output=True,
                              check=True).stdout.decode("utf-8")

    return run("-layout") + "\n" + run()


def flat(text):
    return " ".join(text.split())


def validate_signature(data, cert_path):
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    reader = PdfFileReader(BytesIO(data), strict=False)
    signatures = reader.embedded_signatures
    if not signatures:
        return None
    context = ValidationContext(trust_roots=[load_cert_from_pemder(cert_path)])
    return validate_pdf_signature(signatures[0], context)


def qpdf_check(data):
    with tempfile.NamedTemporaryFile(suffix=".pdf") as fh:
        fh.write(data)
        fh.flush()
        return subprocess.run(["qpdf", "--check", fh.name], capture_output=True, text=True)


def issue_all(app, decree_id):
    from app.commands import certificates
    from app.extensions import db

    with app.app_context():
        return certificates.issue_missing(db.session, decree_id, app.config)


def doc_code(app, decree_id, award_id=None):
    from app.extensions import db
    from app.models import IssuedDocument

    with app.app_context():
        query = db.session.query(IssuedDocument).filter(IssuedDocument.decree_id == decree_id)
        query = (query.filter(IssuedDocument.award_id == award_id) if award_id
                 else query.filter(IssuedDocument.kind == "decree"))
        return query.one().code


def close_rounds(client, competition_id):
    """Close every open round of the competition through the API (a round without participants simply closes):
    a decree can be drafted only then (DESIGN §3)."""
    api = Api(client, "sekretariat")
    rounds = api.get(f"/api/v1/round/?q=(filters:!((col:competition_id,opr:eq,value:{competition_id})),"
                     "order_column:sequence,order_direction:asc,page_size:100)").get_json()["result"]
    for rnd in rounds:
        if rnd.get("closed_at"):
            continue
        r = api.post(f"/api/v1/round/{rnd['id']}/close", json={})
        assert r.status_code == 200, r.get_json()
