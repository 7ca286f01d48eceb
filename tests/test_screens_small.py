"""The OPD and Juri pages at 390 px (DESIGN §9) in Chromium: no horizontal scrolling of the page
(``scrollWidth <= 390``), every form field and button inside the screen (wide tables scroll in their own box),
and the juror's score inputs within reach of the proposal (a box that scrolls at 390 px, a panel that stays in
view beside it on a wide screen)."""
import datetime

import pytest

from app.extensions import db
from app.models import Attachment, Innovation
from tests.conftest import PASSWORD
from tests.judging_helpers import assign, rounds_of, user_id

pytestmark = pytest.mark.browser

WIDTH = 390
LONG = ("Warga desa mengurus dokumen kependudukan tanpa datang ke kantor kecamatan melalui aplikasi daring "
        "yang terhubung dengan Dispendukcapil; petugas desa memverifikasi berkas dan mengantar hasilnya. ") * 12
LONG_URL = "https://www.youtube.com/watch?v=" + "SiprajaSidoarjoPelayananRakyatTanpaAntre" * 3

OVERFLOW = """() => {
  const W = document.documentElement.clientWidth;
  const bad = [];
  const controls = document.querySelectorAll(
    'input:not([type=hidden]), button, select, textarea, a.btn, .select2-container');
  for (const el of controls) {
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    if (el.closest('.table-responsive, .dropdown-menu, .modal, .navbar-collapse:not(.in)')) continue;
    if (el.offsetParent === null && style.position !== 'fixed') continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (r.left < -0.5 || r.right > W + 0.5) {
      bad.push((el.id || el.name || el.className || el.tagName) + ' ' + Math.round(r.left) + '..' + Math.round(r.right));
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, bodyWidth: document.body.scrollWidth, bad: bad};
}"""


@pytest.fixture
def small_world(app, api, competition):
    """A complete draft with long text and a long link, a returned draft, and a juror's sheet on a long
    proposal (its text about 7,000 px tall at 390 px)."""
    ids = {}
    for key, title in (("draft", "Sistem Pelayanan Rakyat Sidoarjo Tanpa Antre (SIPRAJA) Kecamatan Porong"),
                       ("returned", "Kolaborasi Pelayanan Publik Terpadu")):
        r = api("opd_a").post("/api/v1/innovation/", json={"competition_id": competition, "title": title})
        assert r.status_code == 201
        ids[key] = r.get_json()["id"]
    with app.app_context():
        for pk in ids.values():
            inn = db.session.get(Innovation, pk)
            for field in ("summary", "background", "novelty", "implementation", "significance", "adaptability",
                          "resources", "sustainability"):
                setattr(inn, field, LONG[:900])
            inn.started_on = datetime.date(2018, 3, 1)
            inn.video_url = LONG_URL
            db.session.add(Attachment(innovation_id=pk, original_name="surat-keputusan-tim-inovasi-" * 3 + ".pdf",
                                      stored_name=f"s{pk}.pdf", size_bytes=123456, sha256="ab" * 32))
        judged = Innovation(competition_id=competition, unit_id=db.session.get(Innovation, ids["draft"]).unit_id,
                            title="Inovasi Panjang Untuk Dinilai", state="verified", version=1,
                            **{f: LONG for f in ("summary", "background", "novelty", "implementation",
                                                 "significance", "adaptability", "resources", "sustainability")})
        db.session.add(judged)
        db.session.commit()
        ids["judged"] = judged.id
        first_round = rounds_of(competition)[0].id
        ids["assignment"] = assign(app, first_round, judged.id, user_id("juri1"))
    assert api("opd_a").post(f"/api/v1/innovation/{ids['returned']}/transitions/submit", json={}).status_code == 200
    r = api("sekretariat").post(f"/api/v1/innovation/{ids['returned']}/transitions/return",
                                json={"comment": "Lengkapi " + LONG_URL})
    assert r.status_code == 200
    ids["competition"] = competition
    return ids


def _login(page, server, username):
    page.goto(f"{server}/login/")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("[type=submit]")
    page.wait_for_load_state()


def _check(page, url):
    page.goto(url)
    page.wait_for_load_state("networkidle")
    result = page.evaluate(OVERFLOW)
    assert page.locator("html").get_attribute("lang") == "id", url
    return result


def test_opd_and_juri_pages_fit_390_px(live_server, browser_page, small_world):
    page = browser_page
    page.set_viewport_size({"width": WIDTH, "height": 844})
    w = small_world
    pages = {
        "opd_a": ["/", "/innovationview/list/", f"/innovationview/show/{w['draft']}",
                  f"/innovationview/show/{w['returned']}", f"/innovationview/edit/{w['draft']}", "/innovationview/add",
                  "/participation/", f"/participation/{w['competition']}/", "/competitionview/list/",
                  "/users/userinfo/", "/resetmypassword/form", "/catalogue/", "/results/", "/notifications/",
                  "/pengumuman/"],
        "juri1": ["/", "/scoresheets/", f"/scoresheets/sheet/{w['assignment']}", "/assignmentview/list/",
                  "/users/userinfo/", "/resetmypassword/form", "/notifications/"],
    }
    problems, measured = [], {}
    for username, urls in pages.items():
        _login(page, live_server, username)
        for url in urls:
            result = _check(page, live_server + url)
            measured[f"{username} {url}"] = result["scrollWidth"]
            if result["scrollWidth"] > WIDTH or result["bad"]:
                problems.append((username, url, result))
        page.goto(f"{live_server}/logout/")
    assert not problems, problems
    assert max(measured.values()) <= WIDTH, measured


def test_score_inputs_stay_within_reach_of_the_proposal(live_server, browser_page, small_world):
    page = browser_page
    _login(page, live_server, "juri1")
    url = f"{live_server}/scoresheets/sheet/{small_world['assignment']}"
    # 390 px: the proposal scrolls in its own box, the first score input follows within about two screens
    page.set_viewport_size({"width": WIDTH, "height": 844})
    page.goto(url)
    first_input = page.evaluate("() => document.querySelector('.score-input').getBoundingClientRect().top"
                                " + window.scrollY")
    text_height = page.evaluate("() => document.querySelector('.proposal .panel-body').scrollHeight")
    assert text_height > 7000, text_height  # the proposal really is that long
    assert first_input < 2 * 844, first_input
    # wide screen: the score panel beside the proposal stays in view while the juror reads to the end
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(url)
    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight * 0.8)")
    visible = page.evaluate("""() => {
      const r = document.querySelector('.score-input').getBoundingClientRect();
      return r.top >= 0 && r.bottom <= window.innerHeight;
    }""")
    assert visible
