"""Renderer safety: user text with <img>, <link> and url() pointing at a loopback listener and at
file:///etc/passwd never makes WeasyPrint call an address or read a file (escaped text, and an url_fetcher
that serves only our own assets even if markup got through)."""
import http.server
import threading

import pytest

from tests.conftest import Api
from tests.documents_helpers import (
    docs,  # noqa: F401  (the fixture)
    draft_decree,
    flat,
    issue_all,
    pdf_text,
    seed_awards,
    sign,
    signing_pair,
)

pytestmark = pytest.mark.usefixtures("docs")
KEY, CERT = signing_pair()


@pytest.fixture
def listener():
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"body { background: red }")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


def payloads(base):
    return (f'<img src="{base}/img.png">', f'<link rel="stylesheet" href="{base}/style.css">',
            f'<div style="background: url({base}/bg.png)">x</div>', f"<style>@import url('{base}/imp.css');</style>",
            '<img src="file:///etc/passwd">', '<iframe src="file:///etc/passwd"></iframe>',
            '<object data="file:///etc/passwd"></object>', "<style>body{background:url(file:///etc/passwd)}</style>")


def test_user_text_cannot_make_the_renderer_fetch_anything(app, client, listener):
    base, hits = listener
    evil = " ".join(payloads(base))
    comp, award_ids = seed_awards(app, prizes=(5000000,), title_prefix=f"Inovasi {payloads(base)[0]}")
    from app.extensions import db
    from app.models import Innovation

    with app.app_context():
        inn = db.session.query(Innovation).filter(Innovation.competition_id == comp).one()
        inn.summary = inn.background = evil
        db.session.commit()
    pk = draft_decree(client, comp, title=f"Judul {payloads(base)[0]}", considerations=evil, legal_bases=evil)
    draft = Api(client, "sekretariat").get(f"/api/v1/decree/{pk}/pdf")
    assert draft.status_code == 200
    sign(client, pk)
    issue_all(app, pk)
    signed = Api(client, "sekretariat").get(f"/api/v1/decree/{pk}/pdf").data
    cert = Api(client, "sekretariat").get(f"/api/v1/award/{award_ids[0]}/certificate").data
    assert hits == []
    with open("/etc/passwd") as fh:
        first_line = fh.readline().strip()
    for data in (draft.data, signed, cert):
        text = flat(pdf_text(data))
        assert first_line not in text and "root:x:0:0" not in text
        assert "<img src=" in text  # the markup is shown as text, never interpreted


def test_the_fetcher_refuses_network_and_files_even_for_raw_markup(listener):
    """Defence in depth: raw (unescaped) HTML straight into the renderer still fetches nothing."""
    from app.services.documents.render import AssetOnlyFetcher, html_to_pdf

    base, hits = listener
    html = "<html><body><p>Uji</p>" + "".join(payloads(base)) + "</body></html>"
    rendered = html_to_pdf(html, variant=None)
    assert hits == []
    assert any(u.startswith(base) for u in rendered.refused) and any("passwd" in u for u in rendered.refused)
    with open("/etc/passwd") as fh:
        assert fh.readline().strip() not in flat(pdf_text(rendered.pdf))
    fetcher = AssetOnlyFetcher()
    for url in (f"{base}/x", "file:///etc/passwd", "ftp://127.0.0.1/x", "https://127.0.0.1/x",
                "file://localhost/etc/passwd", "file:///work/../etc/passwd"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert hits == []
    # data: URIs and our own assets do work
    assert fetcher.fetch("data:text/plain,abc").read() == b"abc"


def test_berita_acara_text_cannot_make_the_renderer_fetch_anything(app, client, competition, listener):
    """The berita acara prints user text too (round and criterion names, descriptions, titles): escaped, nothing
    fetched."""
    import datetime

    from app.extensions import db
    from app.models import Criterion, Round

    base, hits = listener
    evil = " ".join(payloads(base))
    with app.app_context():
        rnd = db.session.query(Round).filter_by(competition_id=competition).order_by(Round.sequence).first()
        rnd.name = f"Tahap {payloads(base)[0]}"
        for criterion in db.session.query(Criterion).filter_by(round_id=rnd.id):
            criterion.description = evil
        rnd.closed_at = datetime.datetime(2026, 9, 1)
        db.session.commit()
        pk = rnd.id
    r = Api(client, "sekretariat").get(f"/api/v1/round/{pk}/berita_acara")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert hits == []
    text = flat(pdf_text(r.data))
    assert "<img src=" in text and "root:x:0:0" not in text
