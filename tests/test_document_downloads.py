"""No dead ends around the official documents (issue 10): the signer reviews the draft PDF inline and the winners
before signing; certificates and the decree are downloadable wherever the user may read them (the winning unit on
its innovation and results, the Sekretariat per award on /documents/); a readiness panel says what is missing
before a draft can be made."""
import re

from app.extensions import db
from app.models import Award
from tests.documents_helpers import docs, draft_decree, issue_all, paraf, seed_awards, sign  # noqa: F401
from tests.test_homes import login


def _innovation_of(app, award_id):
    with app.app_context():
        return db.session.get(Award, award_id).innovation_id


def test_signer_reviews_the_draft_pdf_and_the_winners_before_signing(app, client, docs):  # noqa: F811
    comp, award_ids = seed_awards(app)
    pk = draft_decree(client, comp)
    paraf(client, pk)  # the paraf chain (Hukum) first: only then does the draft await the signer
    signer = login(app, "penandatangan")
    html = signer.get("/").get_data(as_text=True)
    assert re.findall(r'<a data-todo="sign" href="([^"]+)"', html) == [f"/decreeview/show/{pk}"]
    page = signer.get(f"/decreeview/show/{pk}").get_data(as_text=True)
    assert re.search(rf'<iframe class="decree-pdf" src="/api/v1/decree/{pk}/pdf"', page)
    assert [int(a) for a in re.findall(r'class="decree-winner" data-award="(\d+)"', page)] == award_ids
    assert "Rp5.000.000,00" in page and "Juara I" in page
    assert 'data-trigger="sign"' in page  # the sign button on the same page
    r = signer.get(f"/api/v1/decree/{pk}/pdf")  # the inline PDF, with the signer's session
    assert r.status_code == 200 and r.mimetype == "application/pdf" and r.data.startswith(b"%PDF")
    assert r.headers.get("X-Frame-Options", "SAMEORIGIN") == "SAMEORIGIN"


def test_certificates_wherever_the_user_may_read_them(app, client, docs):  # noqa: F811
    comp, award_ids = seed_awards(app)  # awards 1 (T-OPD-A), 2 (T-OPD-B), 3 (T-KEC-C)
    pk = draft_decree(client, comp)
    opd_a = login(app, "opd_a")
    inn_a = _innovation_of(app, award_ids[0])
    page = opd_a.get(f"/innovationview/show/{inn_a}").get_data(as_text=True)
    assert "innovation-award" in page and "certificate-link" not in page  # not signed yet
    sekretariat = login(app, "sekretariat")
    page = sekretariat.get(f"/awardview/show/{award_ids[1]}").get_data(as_text=True)
    assert "award-certificate" in page and "certificate-link" not in page and "setelah" in page.lower()
    sign(client, pk)
    issue_all(app, pk)
    page = opd_a.get(f"/innovationview/show/{inn_a}").get_data(as_text=True)
    links = re.findall(r'class="certificate-link" href="([^"]+)"', page)
    assert links == [f"/api/v1/award/{award_ids[0]}/certificate"]
    r = opd_a.get(links[0])
    assert r.status_code == 200 and r.data.startswith(b"%PDF")
    results = opd_a.get("/results/").get_data(as_text=True)
    assert re.findall(r'class="certificate-link" href="([^"]+)"', results) == links
    # Another unit's piagam: neither linked nor served.
    assert opd_a.get(f"/api/v1/award/{award_ids[1]}/certificate").status_code == 404
    assert opd_a.get(f"/innovationview/show/{_innovation_of(app, award_ids[1])}").status_code == 404
    # The Sekretariat: every award's piagam on /documents/, and the signed decree.
    documents = login(app, "sekretariat").get("/documents/").get_data(as_text=True)
    assert sorted(re.findall(r'class="certificate-link" href="/api/v1/award/(\d+)/certificate"', documents)) == \
        sorted(str(a) for a in award_ids)
    assert f"/api/v1/decree/{pk}/pdf" in documents
    assert "<script>" not in documents  # the progress script is a static file (CSP)
    # ... and on each award's own page.
    for award_id in award_ids:
        page = sekretariat.get(f"/awardview/show/{award_id}").get_data(as_text=True)
        assert re.findall(r'class="certificate-link" href="([^"]+)"', page) == \
            [f"/api/v1/award/{award_id}/certificate"]


def test_readiness_panel_says_what_is_missing_before_a_draft(app, client, competition):
    html = login(app, "sekretariat").get("/documents/").get_data(as_text=True)
    panel = html.split(f'class="panel panel-warning decree-readiness" data-competition="{competition}"')[1]
    panel = panel.split("</div>\n</div>")[0]
    assert len(re.findall(r'data-ok="no"', panel)) >= 2  # rounds open (named), no award
    assert "Penilaian Proposal" in panel and "Belum ada penghargaan" in panel
    home = login(app, "sekretariat").get("/").get_data(as_text=True)
    assert 'class="panel panel-default decree-readiness" data-ready="no"' in home
