"""Writing conventions, the number register, awards data and the public verification answers."""
import datetime
from decimal import Decimal

import pytest

from tests.conftest import Api
from tests.documents_helpers import (
    docs,  # noqa: F401  (the fixture)
    draft_decree,
    seed_awards,
    sign,
    signing_pair,
)

pytestmark = pytest.mark.usefixtures("docs")
KEY, CERT = signing_pair()


@pytest.mark.parametrize("value,expected", [
    (datetime.date(2020, 1, 5), "5 Januari 2020"), (datetime.date(2020, 1, 21), "21 Januari 2020"),
    (datetime.datetime(2025, 12, 31, 17, 30), "1 Januari 2026"),  # UTC evening = next day in Jakarta
    (datetime.datetime(2025, 8, 17, 3, 0), "17 Agustus 2025"),
])
def test_indonesian_dates(value, expected):
    from app.services.documents.indonesian import format_date

    assert format_date(value, "Asia/Jakarta") == expected


@pytest.mark.parametrize("amount,text,words", [
    (5000000, "Rp5.000.000,00", "lima juta rupiah"),
    (Decimal("7500000.50"), "Rp7.500.000,50", "tujuh juta lima ratus ribu rupiah lima puluh sen"),
    (1000, "Rp1.000,00", "seribu rupiah"), (1100000, "Rp1.100.000,00", "satu juta seratus ribu rupiah"),
    (11, "Rp11,00", "sebelas rupiah"), (19, "Rp19,00", "sembilan belas rupiah"),
    (250000000, "Rp250.000.000,00", "dua ratus lima puluh juta rupiah"),
    (1234567891, "Rp1.234.567.891,00",
     "satu miliar dua ratus tiga puluh empat juta lima ratus enam puluh tujuh ribu delapan ratus sembilan puluh "
     "satu rupiah"),
    (0, "Rp0,00", "nol rupiah"),
])
def test_rupiah_and_terbilang(amount, text, words):
    from app.services.documents.indonesian import count_words, rupiah, rupiah_full, rupiah_terbilang

    assert rupiah(amount) == text and rupiah_terbilang(amount) == words
    assert rupiah_full(amount) == f"{text} ({words})"
    assert count_words(14) == "14 (empat belas)"


def test_award_transition_records_title_rank_prize_and_category(app, client, competition):
    from tests.test_innovation_lifecycle import fire, seed_innovation

    with app.app_context():
        pk = seed_innovation("scored")
    r = fire(client, "sekretariat", pk, "award", {"data": {"title": "Harapan I", "prize_amount": 2500000}})
    assert r.status_code == 200, r.get_json()
    (award,) = [a for a in Api(client, "sekretariat").get("/api/v1/award/").get_json()["result"]
                if a["innovation_id"] == pk]
    assert (award["title"], award["rank"], award["category"], float(award["prize_amount"])) == (
        "Harapan I", 4, "opd", 2500000.0)


def test_numbers_are_sequential_unique_and_per_year(app, client):
    from app.extensions import db
    from app.models import Decree
    from app.services.documents import numbering

    comp, _ = seed_awards(app, prizes=(1,))
    other, _ = seed_awards(app, prizes=(1,), title_prefix="Inovasi Lain")  # one draft per competition (DESIGN §3)
    first, second = draft_decree(client, comp), draft_decree(client, other)
    sign(client, first)
    sign(client, second)
    year = datetime.datetime.now(datetime.timezone.utc).year
    with app.app_context():
        numbers = [db.session.get(Decree, pk).number for pk in (first, second)]
        assert numbers == [f"188/1/438.1.1.3/{year}", f"188/2/438.1.1.3/{year}"]
        # a decree signed in another year starts again at 1; revocation keeps numbers (counted)
        number, seq, y = numbering.next_number(db.session, "188/{seq}/438.1.1.3/{year}",
                                               datetime.datetime(year + 1, 3, 1), "Asia/Jakarta")
        assert (number, seq, y) == (f"188/1/438.1.1.3/{year + 1}", 1, year + 1)
        number, seq, _y = numbering.next_number(db.session, "X-{seq}", datetime.datetime(year, 6, 1), "Asia/Jakarta")
        assert seq == 3
        db.session.rollback()
        assert numbering.year_bounds_utc(2026, "Asia/Jakarta")[0] == datetime.datetime(2025, 12, 31, 17, 0)


def test_draft_rules_and_roles(app, client):
    comp, _ = seed_awards(app, prizes=(1,))
    pk = draft_decree(client, comp)
    shown = Api(client, "sekretariat").get(f"/api/v1/decree/{pk}").get_json()["result"]
    assert shown["considerations"].startswith("bahwa dalam rangka") and "Undang-Undang Nomor 12 Tahun 1950" in \
        shown["legal_bases"]  # editable defaults
    assert Api(client, "sekretariat").put(f"/api/v1/decree/{pk}", json={"considerations": "a. bahwa uji;"}
                                          ).status_code == 200
    assert Api(client, "penandatangan").get(f"/api/v1/decree/{pk}/pdf").status_code == 200
    assert Api(client, "opd_a").get(f"/api/v1/decree/{pk}/pdf").status_code == 403
    assert client.get(f"/api/v1/decree/{pk}/pdf").status_code == 401
    assert Api(client, "sekretariat").get("/api/v1/decree/999999/pdf").status_code == 404


def test_public_verification_answers(client):
    r = client.get("/verify/unknown-code", headers={"Accept": "application/json"})
    assert r.status_code == 404 and r.get_json()["message"]
    assert client.get("/verify/unknown-code").status_code == 404
    r = client.post("/verify", headers={"Accept": "application/json"})  # no file, no CSRF token
    assert r.status_code == 200 and r.get_json()["valid"] is False
    from io import BytesIO

    r = client.post("/verify", data={"file": (BytesIO(b"%PDF-1.7 nothing"), "x.pdf")},
                    content_type="multipart/form-data", headers={"Accept": "application/json"})
    body = r.get_json()
    assert r.status_code == 200 and set(body) >= {"valid", "document", "sha256", "state"}
    assert (body["valid"], body["document"], body["state"]) == (False, None, None)
    page = client.get("/verify")
    assert page.status_code == 200 and 'name="file"' in page.get_data(as_text=True)
