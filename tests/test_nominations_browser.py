"""A real browser (Chromium via Playwright): the Sekretariat nominates winners on the nomination screen, is refused
beyond the quota, downloads the SINOVIK ZIP and the IID workbook, and withdraws a nomination after confirming."""
import io
import zipfile

import pytest
from openpyxl import load_workbook

from app.extensions import db
from app.models import Nomination
from app.services import nomination_exports
from tests.conftest import PASSWORD
from tests.test_nominations import world  # noqa: F401  (the fixture)

pytestmark = pytest.mark.browser


def test_sekretariat_nominates_downloads_and_withdraws(app, live_server, browser_page, world):  # noqa: F811
    comp, w = world["comp"], world["winners"]
    page = browser_page
    errors, dialogs = [], []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))  # the fixture accepts it
    page.goto(f"{live_server}/login/")
    page.fill("#username", "sekretariat")
    page.fill("#password", PASSWORD)
    page.click("[type=submit]")
    page.wait_for_load_state()

    page.goto(f"{live_server}/nominations/")
    page.click(f"a[href='/nominations/{comp}/']")
    page.wait_for_load_state()
    level = page.locator(".nomination-level[data-level=provinsi]")
    assert level.locator("[data-quota]").inner_text() == "2"
    assert level.locator("[data-empty=nominated]").count() == 1
    level.locator(f"input[data-candidate='{w[0]}']").check()
    level.locator(f"input[data-candidate='{w[1]}']").check()
    level.locator("button[data-nominate=provinsi]").click()
    page.wait_for_load_state()
    level = page.locator(".nomination-level[data-level=provinsi]")
    assert "2 inovasi dinominasikan ke tingkat Provinsi" in page.content()
    assert (level.locator("[data-used]").inner_text(), level.locator("[data-left]").inner_text()) == ("2", "0")

    # Beyond the quota: refused with the reason, nothing recorded.
    level.locator(f"input[data-candidate='{w[2]}']").check()
    level.locator("button[data-nominate=provinsi]").click()
    page.wait_for_load_state()
    assert "Kuota nominasi tingkat Provinsi adalah 2 inovasi" in page.content()
    with app.app_context():
        assert db.session.query(Nomination).filter_by(level="provinsi").count() == 2

    # Downloads: the ZIP with the workbook and the evidence, the IID workbook.
    level = page.locator(".nomination-level[data-level=provinsi]")
    with page.expect_download() as info:
        level.locator("a[data-download=sinovik-zip]").click()
    archive = zipfile.ZipFile(info.value.path())
    assert "nominasi-2025-provinsi-sinovik.xlsx" in archive.namelist()
    assert sum(1 for n in archive.namelist() if n.endswith(".pdf")) == 3
    with page.expect_download() as info:
        level.locator("a[data-download=iid]").click()
    with open(info.value.path(), "rb") as fh:
        wb = load_workbook(io.BytesIO(fh.read()))
    assert wb[nomination_exports.IID_SHEET].max_row == 3

    # Withdrawing asks first.
    level.locator(f"button[data-withdraw='{w[0]}']").click()
    page.wait_for_load_state()
    assert dialogs and "Tarik nominasi" in dialogs[-1]
    assert "Nominasi ditarik dari tingkat Provinsi" in page.content()
    with app.app_context():
        assert [n for (n,) in db.session.query(Nomination.innovation_id).filter_by(level="provinsi")] == [w[1]]
    assert errors == []
