"""Screens never show a record the API would hide from the same user (DESIGN §8): list rows, the filter
dropdowns of the search form, related-field choices of add/edit forms and the related values of the
APIs' ``/_info``, asserted on the HTML/JSON a juror and an OPD user receive."""
import pytest

from tests.conftest import PASSWORD
from tests.judging_helpers import assign, rounds_of, unit_id, user_id, verified

# Distinctive titles: each must appear only where its reader may see it.
OWN_DRAFT_A = "Draf Xylofon Milik Dinas A"
OTHER_DRAFT_B = "Draf Rahasia Quokka Dinas B"
FOR_JURI1 = "Tugas Kenari Untuk Juri Satu"
FOR_JURI2 = "Tugas Merpati Untuk Juri Dua"


@pytest.fixture
def world(app, api, competition):
    own = api("opd_a").post("/api/v1/innovation/", json={"competition_id": competition, "title": OWN_DRAFT_A})
    other = api("opd_b").post("/api/v1/innovation/", json={"competition_id": competition, "title": OTHER_DRAFT_B})
    assert own.status_code == other.status_code == 201
    with app.app_context():
        [mine] = verified(app, competition, ["T-OPD-A"], title=FOR_JURI1)
        [theirs] = verified(app, competition, ["T-OPD-B"], title=FOR_JURI2)
        first_round = rounds_of(competition)[0].id
        a1 = assign(app, first_round, mine, user_id("juri1"))
        a2 = assign(app, first_round, theirs, user_id("juri2"))
        units = {"unit_a": unit_id("T-OPD-A"), "unit_b": unit_id("T-OPD-B")}
    return {"own_draft": own.get_json()["id"], "other_draft": other.get_json()["id"], "a1": a1, "a2": a2,
            "competition": competition, **units}


def _login(app, username):
    client = app.test_client()
    assert client.post("/login/", data={"username": username, "password": PASSWORD}).status_code == 302
    return client


def _html(client, url):
    r = client.get(url)
    assert r.status_code == 200, (url, r.status_code)
    return r.get_data(as_text=True)


def test_the_sekretariat_sees_every_name_in_the_dropdowns(app, world):
    """The check below reads the dropdowns: for the Sekretariat they name every row."""
    html = _html(_login(app, "sekretariat"), "/assignmentview/list/")
    for text in (OWN_DRAFT_A, OTHER_DRAFT_B, FOR_JURI1, FOR_JURI2, "Juri1", "Juri2", "Opd_A"):
        assert text in html, text
    html = _html(_login(app, "sekretariat"), "/assignmentview/add")
    assert OTHER_DRAFT_B in html and "Juri2" in html


JUROR_PAGES = ["/assignmentview/list/", "/assignmentview/list/?_flt_0_innovation={other}",
               "/assignmentview/show/{a1}", "/roundview/list/", "/criterionview/list/", "/competitionview/list/",
               "/scoresheets/", "/scoresheets/sheet/{a1}"]


@pytest.mark.parametrize("page", JUROR_PAGES)
def test_a_juror_sees_only_its_own_assignments_and_itself(app, world, page):
    html = _html(_login(app, "juri1"), page.format(other=world["other_draft"], a1=world["a1"]))
    for hidden in (OWN_DRAFT_A, OTHER_DRAFT_B, FOR_JURI2, "Juri2", "Opd_A", "Opd_B", "Penandatangan"):
        assert hidden not in html, (page, hidden)
    if page.startswith(("/assignmentview/", "/scoresheets/")):
        assert FOR_JURI1 in html, page  # its own assignment (row, dropdown option or sheet)
    if page.startswith("/assignmentview/list/"):
        assert "Juri1" in html  # the juror dropdown names the juror itself


def test_a_jurors_assignment_dropdowns_list_exactly_its_rows(app, world):
    """The option lists themselves: one innovation (its own), one juror (itself)."""
    import re

    html = _html(_login(app, "juri1"), "/assignmentview/list/")
    # FAB ships the search form's fields as JSON-escaped HTML in a script.
    html = html.replace("\\u003c", "<").replace("\\u003e", ">").replace('\\"', '"')
    options = set(re.findall(r"<option[^>]*>([^<]*)</option>", html))
    assert any(o.startswith(FOR_JURI1) for o in options), options
    assert not any(o.startswith((OWN_DRAFT_A, OTHER_DRAFT_B, FOR_JURI2)) for o in options), options
    assert not any(name in option for option in options for name in ("Juri2", "Opd_", "Sekretariat", "Admin"))


OPD_PAGES = ["/innovationview/list/", "/innovationview/list/?_flt_0_unit={unit_a}", "/innovationview/list/?_flt_0_unit={unit_b}", "/innovationview/add",
             "/innovationview/edit/{own_draft}", "/innovationview/show/{own_draft}", "/unitview/list/", "/roundview/list/",
             "/criterionview/list/", "/competitionview/list/"]


@pytest.mark.parametrize("page", OPD_PAGES)
def test_an_opd_user_sees_only_its_own_unit(app, world, page):
    html = _html(_login(app, "opd_a"), page.format(**world))
    for hidden in (OTHER_DRAFT_B, FOR_JURI2, "Dinas Uji B", "Kecamatan Uji C", "Juri1", "Juri2", "Opd_B"):
        assert hidden not in html, (page, hidden)
    if page.startswith("/innovationview/list/") and "unit_b" not in page or "{own_draft}" in page:
        assert OWN_DRAFT_A in html, page
    if page.startswith(("/innovationview/list/", "/unitview/")) and "unit_b" not in page:
        # Its own unit, in the rows (and, filtered on it, as the unit filter's chosen value). The unit filter's
        # other choices come from the unit API as the user types: tests/test_unit_filter.py checks its row rule.
        assert "Dinas Uji A" in html


def test_opd_add_form_prefilled_with_another_units_row_takes_nothing(app, world):
    """FAB fills an add form from ``_flt_`` arguments: only with a row the user may see."""
    client = _login(app, "opd_a")
    html = _html(client, f"/innovationview/add?_flt_0_competition={world['competition']}")
    assert OTHER_DRAFT_B not in html


@pytest.mark.parametrize("username,resource,hidden", [
    ("opd_a", "innovation", (OTHER_DRAFT_B, FOR_JURI2)),
    ("opd_a", "unit", ("Dinas Uji B",)),
    ("juri1", "assignment", (OWN_DRAFT_A, OTHER_DRAFT_B, FOR_JURI2, "Juri2")),
    ("juri1", "innovation", (OWN_DRAFT_A, OTHER_DRAFT_B, FOR_JURI2)),
])
def test_api_info_and_lists_name_no_hidden_row(api, world, username, resource, hidden):
    client = api(username)
    for url in (f"/api/v1/{resource}/_info", f"/api/v1/{resource}/"):
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code)
        text = r.get_data(as_text=True)
        for name in hidden:
            assert name not in text, (url, name)


@pytest.mark.parametrize("url", ["/assignmentview/api/column/add/innovation", "/assignmentview/api/column/edit/juror",
                                 "/assignmentview/api/readvalues", "/api/v1/assignment/related/innovation",
                                 "/api/v1/innovation/related/unit"])
def test_no_autocomplete_endpoint_answers_with_rows(app, world, url):
    """FAB 5.3 has no related/autocomplete endpoints on these views and APIs: none may name a hidden row."""
    r = _login(app, "juri1").get(url)
    assert r.status_code == 404
    assert OTHER_DRAFT_B not in r.get_data(as_text=True)
