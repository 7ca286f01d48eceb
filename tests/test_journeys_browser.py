"""Every role's journey end to end in a real browser (Chromium through Playwright), through the screens only
(issue 10): the OPD creates, attaches, submits, is returned, fixes and resubmits; the Sekretariat verifies with the
checklist (one proposal, then several at once), sets up and assigns a round, closes it, awards from the
ranking and drafts the decree; the jurors score from their homes' to-dos; the Penandatangan reviews and signs;
the winning unit downloads its piagam and /verify says it is valid; the public reads the catalogue.

One server and one data set for the whole file (one test: the steps depend on each other). Along the way: each
home's to-do links equal the records in the matching state, axe-core finds no serious or critical violation on
the homes and forms, no request leaves the app's host, the Content-Security-Policy refuses nothing, and no screen
it shows has a raw value (True/False/None, an ISO timestamp, an untranslated state: tests/screens_helpers.py).

The paraf chain (DESIGN §3) puts its reviewers' `paraf` before `sign`: list them in PARAF_BY (e.g. ("hukum",)) once
the Hukum role exists; :func:`paraf` is the step each of them takes."""
import pytest

from app.extensions import db
from app.models import Assignment, Decree, Innovation, Round, User
from tests.browser_helpers import RequestLog, ScreenLog, assert_accessible, sign_in, sign_out, todos
from tests.pdfs import blank_pdf
from tests.screens_helpers import raw_values

pytestmark = pytest.mark.browser

SECTIONS = ("summary", "background", "novelty", "implementation", "significance", "adaptability", "resources",
            "sustainability")
PARAF_BY = ("hukum",)  # the reviewers of the paraf chain, in order (usernames), before the signer


def _count(app, model, **filters):
    with app.app_context():
        return db.session.query(model).filter_by(**filters).count()


def _state(app, title):
    with app.app_context():
        return db.session.query(Innovation.state).filter_by(title=title).scalar()


def _flash(page):
    return " ".join(page.locator(".alert").all_inner_texts())


# -- the OPD ---------------------------------------------------------------------------------------------


def create_and_submit(app, page, base, competition, title, pdf, check=False):
    page.goto(f"{base}/innovationview/add")
    if check:
        assert_accessible(page, "the proposal form")
    page.select_option("select#competition", str(competition), force=True)
    page.fill("input[name=title]", title)
    for section in SECTIONS:
        page.fill(f"textarea[name={section}]", f"Uraian {section} inovasi {title} yang melayani warga.")
    page.fill("input[name=started_on]", "2019-03-01")
    page.click("form [type=submit]")
    page.wait_for_load_state()
    with app.app_context():
        pk = db.session.query(Innovation.id).filter_by(title=title).scalar()
    assert pk, _flash(page)
    page.goto(f"{base}/innovationview/show/{pk}")  # the saved draft (the form returns to the list)
    page.set_input_files("form.sikipp-upload input[name=file]", str(pdf))
    page.click("form.sikipp-upload [type=submit]")
    page.wait_for_load_state()
    assert page.locator(".attachment-row").count() == 1
    page.click("button.wf-trigger[data-trigger=submit]")
    page.wait_for_load_state()
    assert page.locator(".wf-panel .wf-state").get_attribute("data-state") == "submitted", _flash(page)


# -- the Sekretariat ----------------------------------------------------------------------------------------


def verify_one(page, base, href):
    page.goto(base + href)
    form = page.locator("form.wf-fire-form", has=page.locator("button[data-trigger=verify]"))
    boxes = form.locator("input[type=checkbox]")
    for i in range(boxes.count()):
        boxes.nth(i).check()
    form.locator("button[data-trigger=verify]").click()
    page.wait_for_load_state()


def return_one(page, base, href, note):
    page.goto(base + href)
    form = page.locator("form.wf-fire-form", has=page.locator("button[data-trigger=return]"))
    form.locator("textarea[name=comment]").fill(note)
    form.locator("button[data-trigger=return]").click()
    page.wait_for_load_state()


def assign_round(page, base, round_href, jurors_per_innovation=1):
    page.goto(base + round_href)
    page.fill("#jurors_per_innovation", str(jurors_per_innovation))
    page.click("form.assign-form [type=submit]")
    page.wait_for_load_state()
    assert page.locator(".alert-success").count() == 1, _flash(page)


def close_round(page, base, round_href):
    page.goto(base + round_href)
    page.click("form.close-form [type=submit]")
    page.wait_for_load_state()
    assert page.locator(".alert-success").count() == 1, _flash(page)


# -- the jurors ---------------------------------------------------------------------------------------------


def score_all_from_home(page, base, username, value, check=False):
    """Open the first sheet to-do of the home, fill every criterion, submit it final; until no to-do is left."""
    sign_in(page, base, username)
    done = 0
    while True:
        page.goto(base + "/")
        if check and done == 0:
            assert_accessible(page, "the juror's home")
        links = todos(page, "sheet")
        if not links:
            return done
        page.click(f'a[data-todo="sheet"][href="{links[0]}"]')
        page.wait_for_load_state()
        if check and done == 0:
            assert_accessible(page, "the score sheet")
        for field in page.locator("input.score-input").all():
            field.fill(str(value))
        page.fill("textarea[name=comment]", f"Catatan {username}: inovasi layak dikembangkan.")
        page.click("#submit-final")
        page.wait_for_load_state()
        assert page.locator(".alert-success").count() == 1, _flash(page)
        done += 1


# -- the decree ----------------------------------------------------------------------------------------------


def paraf(page, base, username, decree_id):
    """A reviewer of the paraf chain initials the draft from its home's to-do (DESIGN §3)."""
    sign_in(page, base, username)
    page.goto(base + "/")
    assert todos(page, "paraf") == [f"/decreeview/show/{decree_id}"]
    assert_accessible(page, f"{username}'s home (paraf)")
    page.click('a[data-todo="paraf"]')
    page.wait_for_load_state()
    page.click("button.wf-trigger[data-trigger=paraf]")
    page.wait_for_load_state()


@pytest.fixture
def only_the_baseline_jurors(app):
    """Other test files run earlier on this worker's database may have added Juri accounts with passwords of their
    own (the password tests' ``pw_…``): the round's auto-assignment takes every active juror and the journey signs
    in as each, so they are inactive for the journey and active again after it (a PostgreSQL run failed so)."""
    with app.app_context():
        others = [u for u in db.session.query(User).filter(User.active.is_(True))
                  if any(r.name == "Juri" for r in u.roles) and u.username not in ("juri1", "juri2")]
        ids = [u.id for u in others]
        for user in others:
            user.active = False
        db.session.commit()
    yield
    with app.app_context():
        for user in db.session.query(User).filter(User.id.in_(ids)):
            user.active = True
        db.session.commit()


@pytest.mark.usefixtures("only_the_baseline_jurors")
def test_every_role_through_the_screens(app, live_server, browser_page, competition, tmp_path):
    page, base = browser_page, live_server
    page.set_default_timeout(20000)
    log = RequestLog(page, base)
    screens = ScreenLog(page)
    pdf = tmp_path / "sk-tim-inovasi.pdf"
    pdf.write_bytes(blank_pdf())
    main, second, third = "Sistem Pelayanan Rakyat Sidoarjo", "Klinik Layanan Unit B", "Antar Dokumen Unit B"

    # The OPD proposes through the screens; its home lists nothing before.
    sign_in(page, base, "opd_a")
    assert todos(page, "draft") == [] and todos(page, "returned") == []
    assert_accessible(page, "the OPD's home")
    create_and_submit(app, page, base, competition, main, pdf, check=True)
    sign_in(page, base, "opd_b")
    create_and_submit(app, page, base, competition, second, pdf)
    create_and_submit(app, page, base, competition, third, pdf)

    # The Sekretariat: three proposals to verify on its home; returns one, verifies one from its to-do.
    sign_in(page, base, "sekretariat")
    assert_accessible(page, "the Sekretariat's home (dashboard)")
    verify_links = todos(page, "verify")
    assert len(verify_links) == _count(app, Innovation, state="submitted") == 3
    with app.app_context():
        ids = {t: i for t, i in db.session.query(Innovation.title, Innovation.id)}
    return_one(page, base, f"/verification/show/{ids[main]}", "Lengkapi SK tim inovasi yang ditandatangani.")
    verify_one(page, base, f"/verification/show/{ids[second]}")
    assert (_state(app, main), _state(app, second)) == ("draft", "verified")

    # The OPD sees the return and its note on its home, fixes the draft and resubmits.
    sign_in(page, base, "opd_a")
    assert todos(page, "returned") == [f"/innovationview/show/{ids[main]}"]
    assert "Lengkapi SK tim inovasi yang ditandatangani." in page.inner_text(".sikipp-home")
    page.click('a[data-todo="returned"]')
    page.wait_for_load_state()
    page.goto(f"{base}/innovationview/edit/{ids[main]}")
    page.fill("textarea[name=summary]", "Ringkasan yang diperbaiki: SK tim inovasi kini terlampir dan ditandatangani.")
    page.click("form [type=submit]")
    page.wait_for_load_state()
    page.goto(f"{base}/innovationview/show/{ids[main]}")
    page.click("button.wf-trigger[data-trigger=submit]")
    page.wait_for_load_state()
    assert _state(app, main) == "submitted"
    assert todos(page, "returned") == []  # (the show page has no to-dos; the home neither, below)
    page.goto(base + "/")
    assert todos(page, "returned") == [] and todos(page, "draft") == []

    # The Sekretariat verifies the other two at once, attesting the checklist once for both.
    sign_in(page, base, "sekretariat")
    page.goto(f"{base}/verification/list/")
    assert_accessible(page, "the verification queue")
    form = page.locator(f'form.bulk-verify[data-competition="{competition}"]')
    for pk in (ids[main], ids[third]):
        form.locator(f'input[name=ids][value="{pk}"]').check()
    for box in form.locator('input[name^="checklist_"]').all():
        box.check()
    form.locator(".bulk-verify-submit").click()
    page.wait_for_load_state()
    assert _count(app, Innovation, state="verified") == 3, _flash(page)

    # It sets up the judging: one round (the two later default rounds are deleted on the rounds screen, with the
    # screen's confirmation), whose shortlist is the top 3; then assigns it, the jurors score, it closes it.
    with app.app_context():
        rounds = [r.id for r in db.session.query(Round).filter_by(competition_id=competition).order_by(Round.sequence)]
    for round_id in rounds[1:]:
        page.goto(f"{base}/roundview/list/")
        page.click(f'a[id="btn-delete-/roundview/delete/{round_id}"]')
        page.click("#modal-confirm-ok")
        page.wait_for_load_state()
    assert _count(app, Round, competition_id=competition) == 1, _flash(page)
    round_id = rounds[0]
    page.goto(f"{base}/roundview/edit/{round_id}")
    page.fill("input[name=shortlist_size]", "3")
    page.click("form [type=submit]")
    page.wait_for_load_state()
    page.goto(base + "/")
    href = f"/judging/progress/{round_id}"
    assert todos(page, "round") == [href]
    assign_round(page, base, href)
    with app.app_context():  # every active juror of the data set may have got some (the suite adds jurors)
        jurors = sorted({a.juror.username for a in db.session.query(Assignment).filter_by(round_id=round_id)})
        assigned = db.session.query(Assignment).filter(Assignment.round_id == round_id).count()
    assert "juri1" in jurors
    scored = 0
    for n, juror in enumerate(jurors):
        scored += score_all_from_home(page, base, juror, 85 + 3 * n, check=(juror == "juri1"))
        assert todos(page, "sheet") == []
    assert scored == assigned == 3
    sign_in(page, base, "sekretariat")
    close_round(page, base, href)
    page.goto(base + "/")
    assert todos(page, "round") == []
    assert _count(app, Innovation, state="scored") == 3

    # Awards from the final ranking: one row by hand (predikat, rank pre-filled, prize), then the category's top 3.
    page.goto(f"{base}/judging/ranking/{round_id}?combined=1")
    assert_accessible(page, "the final ranking with its award forms")
    row = page.locator(f'form.award-row[data-innovation="{ids[main]}"]')
    rank = row.locator("input[name=rank]").input_value()
    assert rank == page.locator(f'tr[data-innovation="{ids[main]}"]').get_attribute("data-rank")
    row.locator("input[name=title]").fill("Juara I")
    row.locator("input[name=prize_amount]").fill("15000000")
    row.locator("[type=submit]").click()
    page.wait_for_load_state()
    page.locator('form.award-top[data-category="opd"] select[name=top]').select_option("3")
    page.locator('form.award-top[data-category="opd"] [type=submit]').click()
    page.wait_for_load_state()
    assert _count(app, Innovation, state="awarded") == 3, _flash(page)

    # The decree draft, from the readiness panel of the home.
    page.goto(base + "/")
    assert page.locator(".decree-readiness").get_attribute("data-ready") == "yes", page.inner_text(".decree-readiness")
    page.click("a.make-decree")
    page.wait_for_load_state()
    assert_accessible(page, "the decree draft form")
    if page.locator("select#competition").count():
        page.select_option("select#competition", str(competition), force=True)
    page.click("form [type=submit]")
    page.wait_for_load_state()
    with app.app_context():
        decree_id = db.session.query(Decree.id).filter_by(competition_id=competition, state="draft").scalar()
    assert decree_id, _flash(page)
    page.goto(base + "/")
    assert todos(page, "decree") == [f"/decreeview/show/{decree_id}"]

    for reviewer in PARAF_BY:  # the paraf chain, once configured (DESIGN §3)
        paraf(page, base, reviewer, decree_id)

    # The Penandatangan reviews the draft PDF inline and the winners, then signs.
    sign_in(page, base, "penandatangan")
    assert todos(page, "sign") == [f"/decreeview/show/{decree_id}"]
    assert_accessible(page, "the signer's home")
    page.click('a[data-todo="sign"]')
    page.wait_for_load_state()
    frame_src = page.locator("iframe.decree-pdf").get_attribute("src")
    assert frame_src == f"/api/v1/decree/{decree_id}/pdf"
    pdf_answer = page.request.get(base + frame_src)
    assert pdf_answer.status == 200 and pdf_answer.body().startswith(b"%PDF")
    assert page.locator("tr.decree-winner").count() == 3
    assert_accessible(page, "the signer's review page")
    page.click("button.wf-trigger[data-trigger=sign]")
    page.wait_for_load_state()
    assert page.locator(".wf-panel .wf-state").get_attribute("data-state") == "signed", _flash(page)
    page.goto(base + "/")
    assert todos(page, "sign") == []

    # The certificates are issued (the Sekretariat's button: the test server runs no worker).
    sign_in(page, base, "sekretariat")
    page.goto(f"{base}/documents/")
    page.click(f'form[action="/documents/{decree_id}/issue"] [type=submit]')
    page.wait_for_load_state()
    page.goto(f"{base}/documents/")
    assert page.locator(f'tr.decree-certificates[data-decree="{decree_id}"] a.certificate-link').count() == 3

    # The winning unit downloads its piagam from its innovation page; /verify says it is valid.
    sign_in(page, base, "opd_a")
    page.goto(f"{base}/innovationview/show/{ids[main]}")
    link = page.locator(".innovation-award a.certificate-link")
    answer = page.request.get(base + link.get_attribute("href"))
    assert answer.status == 200 and answer.headers["content-type"] == "application/pdf"
    piagam = tmp_path / "piagam.pdf"
    piagam.write_bytes(answer.body())
    assert_accessible(page, "the OPD's awarded innovation")
    page.goto(f"{base}/results/")
    assert page.locator("a.certificate-link").count() >= 1
    assert_accessible(page, "the OPD's results")
    page.goto(f"{base}/notifications/")
    assert_accessible(page, "the OPD's notifications")
    sign_out(page, base)
    page.goto(f"{base}/verify")
    assert_accessible(page, "the verification form")
    page.set_input_files("input[name=file]", str(piagam))
    page.click("form [type=submit]")
    page.wait_for_load_state()
    assert page.locator("#verdict.alert-success").count() == 1, page.content()[:2000]

    # The public reads the catalogue: the awarded innovations, the winner among them.
    page.goto(f"{base}/catalogue/")
    assert main in page.inner_text("body")
    assert_accessible(page, "the public catalogue")

    assert len(log.network()) > 100  # the log saw the journey
    assert log.foreign() == [], f"requests to other hosts: {log.foreign()[:20]}"
    assert log.csp_violations() == [], log.csp_violations()[:5]

    # Every screen the journey showed reads as a person writes, in Indonesian.
    assert len(screens.pages) > 100 and len(screens.screens()) >= 20, screens.screens()
    raw = [(url, found[:3]) for url, html in screens.pages for found in [raw_values(html)] if found]
    assert raw == [], raw[:10]
    assert [url for url, html in screens.pages if '<html lang="id"' not in html] == []
