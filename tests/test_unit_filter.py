"""The unit filter of the innovation lists is a searchable select filled from the unit API while typing, not
one <option> per unit on every list page (issue 14); the row rules still decide which units a user is offered."""
import re

import pytest
from sqlalchemy import insert

from tests.conftest import PASSWORD
from tests.judging_helpers import unit_id


@pytest.fixture
def units(app):
    from app.extensions import db
    from app.models import Unit

    with app.app_context():
        db.session.execute(insert(Unit), [{"code": f"T-SRCH-{n:02d}", "name": f"Dinas Cari {n:02d}", "kind": "opd"}
                                          for n in range(30)])
        db.session.commit()
        ids = [i for (i,) in db.session.query(Unit.id).filter(Unit.code.like("T-SRCH-%")).order_by(Unit.id)]
    yield ids
    with app.app_context():
        db.session.query(Unit).filter(Unit.id.in_(ids)).delete(synchronize_session=False)
        db.session.commit()


def _login(app, username):
    client = app.test_client()
    assert client.post("/login/", data={"username": username, "password": PASSWORD}).status_code == 302
    return client


def _options(html):
    # FAB ships the search form's fields as JSON-escaped HTML in a script.
    html = html.replace("\\u003c", "<").replace("\\u003e", ">").replace('\\"', '"')
    return re.findall(r"<option[^>]*>([^<]*)</option>", html)


@pytest.mark.parametrize("page", ["/innovationview/list/", "/verification/list/"])
def test_list_pages_do_not_embed_every_unit(app, units, page):
    html = _login(app, "sekretariat").get(page).get_data(as_text=True)
    assert not [o for o in _options(html) if o.startswith(("Dinas Cari", "Dinas Uji"))]
    assert "sikipp-ajax-select" in html and "/api/v1/unit/" in html


def test_an_active_unit_filter_names_only_its_unit_and_only_if_visible(app, api, competition, units):
    with app.app_context():
        other, own = unit_id("T-OPD-B"), unit_id("T-OPD-A")
    html = _login(app, "sekretariat").get(f"/innovationview/list/?_flt_0_unit={other}").get_data(as_text=True)
    assert [o for o in _options(html) if o.startswith("Dinas")] == ["Dinas Uji B"]
    # An OPD user asking for another unit's filter is not told its name (row rule), its own is shown.
    html = _login(app, "opd_a").get(f"/innovationview/list/?_flt_0_unit={other}").get_data(as_text=True)
    assert "Dinas Uji B" not in html
    html = _login(app, "opd_a").get(f"/innovationview/list/?_flt_0_unit={own}").get_data(as_text=True)
    assert [o for o in _options(html) if o.startswith("Dinas")] == ["Dinas Uji A"]


def test_the_widgets_search_obeys_the_row_rules(app, units):
    """The query the widget sends (static/js/sikipp.js): name contains the typed text, 20 per page."""
    q = "(columns:!(name),order_column:name,order_direction:asc,page:0,page_size:20,filters:!((col:name,opr:ct,value:'Dinas')))"
    sek = _login(app, "sekretariat").get("/api/v1/unit/", query_string={"q": q}).get_json()
    assert sek["count"] == 32 and len(sek["result"]) == 20 and len(sek["ids"]) == 20
    opd = _login(app, "opd_a").get("/api/v1/unit/", query_string={"q": q}).get_json()
    assert [r["name"] for r in opd["result"]] == ["Dinas Uji A"] and opd["count"] == 1


def test_the_unit_filter_searches_as_the_user_types_in_a_browser(app, api, competition, units, live_server,
                                                                 browser_page):
    """Add the Unit filter, type part of a name, pick the unit from the API's answer, search: only its rows."""
    from tests.browser_helpers import sign_in

    for user, title in (("opd_a", "Inovasi Milik A"), ("opd_b", "Inovasi Milik B")):
        r = api(user).post("/api/v1/innovation/", json={"competition_id": competition, "title": title})
        assert r.status_code == 201, r.get_json()
    page = browser_page
    sign_in(page, live_server, "sekretariat")
    page.goto(f"{live_server}/innovationview/list/")
    page.click("a.accordion-toggle[href$='_href'] >> nth=0")  # FAB's collapsed search panel
    page.click("#filter_form .dropdown-toggle")
    page.click('#filter_form a.filter[name="unit"]')
    page.click("#filter_form td.filter .select2-selection--single >> nth=-1")
    page.fill(".select2-search__field", "Uji B")
    page.wait_for_selector(".select2-results__option:has-text('Dinas Uji B')")
    options = page.eval_on_selector_all(".select2-results__option", "els => els.map(e => e.textContent)")
    assert options == ["Dinas Uji B"], options
    page.click(".select2-results__option:has-text('Dinas Uji B')")
    page.click("#filter_form button[type=submit], #filter_form .btn-primary >> nth=0")
    page.wait_for_load_state()
    body = page.content()
    assert "Inovasi Milik B" in body and "Inovasi Milik A" not in body
    assert "_flt_0_unit=" in page.url
