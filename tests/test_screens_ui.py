"""Screens around the data (DESIGN §9, issue 10 items 3–6): error pages in the layout and language (JSON under
/api/), the page language and favicon, the bulk-action menu per role with per-row results and the danger
style, the juror's to-dos first and "next sheet", and document links that follow the served port."""
import datetime
import re

import pytest

from app.extensions import db
from app.models import Attachment, Innovation
from tests.conftest import PASSWORD
from tests.judging_helpers import assign, criteria, rounds_of, user_id, verified, write_sheet
from tests.screens_helpers import assert_human_readable


def login(app, username):
    client = app.test_client()
    assert client.post("/login/", data={"username": username, "password": PASSWORD}).status_code == 302
    return client


def proposal(app, api, competition, state="submitted", username="opd_a", title="Layanan Cepat"):
    r = api(username).post("/api/v1/innovation/", json={"competition_id": competition, "title": title})
    assert r.status_code == 201, r.get_json()
    pk = r.get_json()["id"]
    with app.app_context():
        inn = db.session.get(Innovation, pk)
        inn.state = state
        for field in ("summary", "background", "novelty", "implementation", "significance", "adaptability",
                      "resources", "sustainability"):
            setattr(inn, field, "Isi bagian " + field)
        inn.started_on = datetime.date(2018, 3, 1)
        db.session.add(Attachment(innovation_id=pk, original_name="sk.pdf", stored_name=f"s{pk}.pdf",
                                  size_bytes=10, sha256="0" * 64))
        db.session.commit()
    return pk


# -- error pages, language, favicon --------------------------------------------------------------------------

def _is_layout_page(html):
    return '<html lang="id">' in html and 'class="navbar' in html and "favicon.svg" in html


@pytest.mark.parametrize("username", [None, "opd_a"])
def test_404_is_an_indonesian_page_in_the_layout(app, username):
    client = login(app, username) if username else app.test_client()
    urls = ["/tidak-ada/", "/innovationview/show/999999"] if username else ["/tidak-ada/"]
    for url in urls:
        r = client.get(url)
        html = r.get_data(as_text=True)
        assert r.status_code == 404, url
        assert _is_layout_page(html) and "Halaman tidak ditemukan" in html and 'data-status="404"' in html, url
        assert "Not Found" not in html and "The requested URL" not in html
        assert_human_readable(html, url)


def test_405_and_403_are_indonesian_pages(app):
    client = login(app, "opd_a")
    r = client.get("/scoresheets/sheet/999999")  # a screen this role may not open
    html = r.get_data(as_text=True)
    assert r.status_code == 403 and _is_layout_page(html) and "Akses ditolak" in html and "Forbidden" not in html
    r = client.post("/workflows/")
    html = r.get_data(as_text=True)
    assert r.status_code == 405 and "GET" in r.headers["Allow"]
    assert _is_layout_page(html) and "Metode tidak diizinkan" in html and "Method Not Allowed" not in html
    with app.test_request_context("/x"):
        from werkzeug.exceptions import Forbidden

        from app.views.errors import error_page

        response = error_page(Forbidden())
        html = response.get_data(as_text=True)
        assert response.status_code == 403 and "Akses ditolak" in html and '<html lang="id">' in html


def test_500_is_an_indonesian_page_and_json_under_api(app):
    from werkzeug.exceptions import InternalServerError

    from app.views.errors import error_page

    with app.test_request_context("/innovationview/list/"):
        response = error_page(RuntimeError("boom"))
        html = response.get_data(as_text=True)
        assert response.status_code == 500 and "Terjadi kesalahan" in html and "boom" not in html
        assert '<html lang="id">' in html
    with app.test_request_context("/api/v1/innovation/"):
        response = error_page(InternalServerError())
        assert response.status_code == 500 and response.is_json and set(response.get_json()) == {"message"}


def test_api_errors_stay_json(app, api):
    client = app.test_client()
    r = client.get("/api/v1/tidak-ada")
    assert r.status_code == 404 and r.is_json and "message" in r.get_json()
    r = client.delete("/api/v1/_openapi")
    assert r.status_code == 405 and r.is_json and "message" in r.get_json()
    r = client.get("/tidak-ada/", headers={"Accept": "application/json"})
    assert r.status_code == 404 and r.is_json


def test_language_follows_the_locale_and_the_favicon_is_served(app):
    client = app.test_client()
    assert '<html lang="id">' in client.get("/login/").get_data(as_text=True)
    client.get("/lang/en")
    html = client.get("/login/").get_data(as_text=True)
    assert '<html lang="en">' in html
    client.get("/lang/id")
    for url, kind in (("/favicon.ico", "image/"), ("/static/favicon.svg", "image/svg+xml")):
        r = client.get(url)
        assert r.status_code == 200 and r.content_type.startswith(kind) and r.data, url
    assert 'rel="icon"' in html and "favicon.svg" in html


# -- bulk actions --------------------------------------------------------------------------------------------

MENU = re.compile(r'class="(wf_[a-z]+)_menu_item"')


def _menu(client, url):
    html = client.get(url).get_data(as_text=True)
    return set(MENU.findall(html)), html


def test_bulk_menu_lists_only_the_triggers_the_role_may_fire(app, api, competition):
    proposal(app, api, competition)
    expected = {
        "opd_a": {"wf_submit", "wf_withdraw"},
        "sekretariat": {"wf_return", "wf_verify", "wf_reject", "wf_score", "wf_award", "wf_disqualify"},
    }
    expected["admin"] = expected["opd_a"] | expected["sekretariat"]  # the Admin holds every permission
    for username, triggers in expected.items():
        menu, html = _menu(login(app, username), "/innovationview/list/")
        assert menu == triggers, (username, menu)
    menu, html = _menu(login(app, "sekretariat"), "/innovationview/list/")
    # destructive actions in the danger style, the others not
    for trigger in ("return", "reject", "disqualify"):
        assert re.search(rf'class="wf_{trigger}_menu_item">\s*<i class="fa fa-ban text-danger wf-danger">', html)
    assert not re.search(r'class="wf_verify_menu_item">\s*<i class="fa [^"]*wf-danger', html)


def test_decree_bulk_menu_per_role(app):
    from tests.documents_helpers import draft_decree, seed_awards

    competition_id, _awards = seed_awards(app)
    draft_decree(app.test_client(), competition_id)
    # DESIGN §3: the signer signs, revokes and may return a draft; the paraf chain (Hukum) initials or returns.
    assert _menu(login(app, "penandatangan"), "/decreeview/list/")[0] == {"wf_sign", "wf_revoke", "wf_return"}
    assert _menu(login(app, "hukum"), "/decreeview/list/")[0] == {"wf_paraf", "wf_return"}
    assert _menu(login(app, "sekretariat"), "/decreeview/list/")[0] == set()


def test_bulk_action_returns_to_the_list_with_per_row_results(app, api, competition):
    ok1 = proposal(app, api, competition, title="Layanan Satu")
    ok2 = proposal(app, api, competition, title="Layanan Dua")
    draft = proposal(app, api, competition, state="draft", title="Layanan Draf")
    client = login(app, "sekretariat")
    list_url = "/innovationview/list/?_flt_0_title=Layanan"
    r = client.post("/innovationview/action_post", data={
        "action": "wf_reject", "rowid": [str(ok1), str(ok2), str(draft)], "wf_comment": "Tidak memenuhi syarat"},
        headers={"Referer": f"http://localhost{list_url}"})
    assert r.status_code == 302 and r.headers["Location"].endswith(list_url)
    html = client.get(list_url).get_data(as_text=True)
    assert f"#{ok1} Layanan Satu" in html and f"#{ok2} Layanan Dua" in html and "Tolak berhasil untuk 2 baris" in html
    assert re.search(rf"#{draft} Layanan Draf: tidak berhasil: .*Draf", html)
    with app.app_context():
        states = {pk: db.session.get(Innovation, pk).state for pk in (ok1, ok2, draft)}
    assert states == {ok1: "rejected", ok2: "rejected", draft: "draft"}
    # without a usable referrer (or from another host) it is the list itself, never "/"
    r = client.post("/innovationview/action_post", data={"action": "wf_verify", "rowid": [str(draft)]},
                    headers={"Referer": "http://evil.example/innovationview/list/"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/innovationview/list/")


def test_single_row_buttons_use_the_danger_style(app, api, competition):
    pk = proposal(app, api, competition)
    html = login(app, "sekretariat").get(f"/innovationview/show/{pk}").get_data(as_text=True)
    assert re.search(r'class="btn btn-sm btn-danger wf-trigger" data-trigger="reject"', html)
    assert re.search(r'class="btn btn-sm btn-danger wf-trigger" data-trigger="return"', html)
    assert re.search(r'class="btn btn-sm btn-primary wf-trigger" data-trigger="verify"', html)
    assert "onclick=" not in html


def test_history_shows_trigger_labels_and_local_times(app, api, competition):
    pk = proposal(app, api, competition, state="draft")
    assert api("opd_a").post(f"/api/v1/innovation/{pk}/transitions/submit", json={}).status_code == 200
    html = login(app, "opd_a").get(f"/innovationview/show/{pk}").get_data(as_text=True)
    assert "(Ajukan)" in html and "(submit)" not in html and " WIB" in html
    assert_human_readable(html)


# -- the juror's list and next sheet -------------------------------------------------------------------------

def test_juror_sees_todos_first_and_a_next_sheet(app, competition):
    with app.app_context():
        first_round = rounds_of(competition)[0].id
        ids = verified(app, competition, ["T-OPD-A", "T-OPD-A", "T-OPD-A"], title="Usulan")
        juri = user_id("juri1")
        assignments = [assign(app, first_round, pk, juri) for pk in ids]
        write_sheet(db.session, assignments[0], {c.id: 80 for c in criteria(first_round)}, final=True)
        db.session.commit()
    client = login(app, "juri1")
    html = client.get("/scoresheets/").get_data(as_text=True)
    order = re.findall(r'data-assignment="(\d+)" data-state="(\w+)" data-todo-row="(\d)"', html)
    assert [int(a) for a, _s, _t in order] == assignments[1:] + assignments[:1]
    assert [t for _a, _s, t in order] == ["1", "1", "0"]
    # a final sheet links to the next one still to do
    sheet = client.get(f"/scoresheets/sheet/{assignments[0]}").get_data(as_text=True)
    assert f'id="next-sheet" data-todo="sheet" href="/scoresheets/sheet/{assignments[1]}"' in sheet
    # finalising a sheet names the next one
    with app.app_context():
        form = {f"score_{c.id}": "75,5" for c in criteria(first_round)}
    r = client.post(f"/scoresheets/sheet/{assignments[1]}", data={**form, "action": "final", "comment": ""},
                    follow_redirects=True)
    html = r.get_data(as_text=True)
    assert "Lembar nilai sudah final. Berikutnya: Usulan 3" in html
    assert f'href="/scoresheets/sheet/{assignments[2]}"' in html
    assert_human_readable(html)


# -- document links follow the served port (issue 10 item 6) -----------------------------------------------

def _served_links(tmp_path, argv, **env):
    """The verify link of a document made by the app ``python run.py ARGV`` serves (built as main() builds it),
    in a fresh process with ``env``."""
    import os
    import subprocess
    import sys

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    clean = {k: v for k, v in os.environ.items()
             if k not in ("SECRET_KEY", "DATABASE_URL", "SIKIPP_DEV", "SIKIPP_STORAGE_DIR", "SIKIPP_BASE_URL", "PORT",
                          "FLASK_RUN_FROM_CLI", "PYTEST_XDIST_WORKER", "SIKIPP_TEST_DATABASE")}
    clean.update(SIKIPP_INSTANCE_DIR=str(tmp_path / "instance"), SECRET_KEY="a-real-secret-for-this-test-only", **env)
    code = ("import run\nfrom app.services.documents.issuing import verify_url\n"
            f"app = run.build_app(run.parse_args({argv!r}))\n"
            "with app.test_request_context('/', headers={'Host': 'evil.example:9999'}):\n"
            "    print(verify_url(app.config, 'abc'))\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=root, env=clean, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip().splitlines()[-1]


def test_document_links_follow_the_served_port(tmp_path):
    assert _served_links(tmp_path, [], PORT="18100") == "http://127.0.0.1:18100/verify/abc"
    assert _served_links(tmp_path, ["--port", "18102"]) == "http://127.0.0.1:18102/verify/abc"
    # the operator's address wins; a request's Host header never changes a link
    assert (_served_links(tmp_path, [], PORT="18100", SIKIPP_BASE_URL="https://kipp.example.go.id")
            == "https://kipp.example.go.id/verify/abc")
    # a wildcard address is reached on this machine as 127.0.0.1
    assert _served_links(tmp_path, ["--host", "0.0.0.0", "--port", "18103"]) == "http://127.0.0.1:18103/verify/abc"


def test_user_statistics_chart_answers_404_for_an_unknown_series(app):
    """FAB's user statistics chart took int() of its path argument: /chart/abc answered 500 (the screen fuzz found
    it). An unknown series is a 404 in the layout; the real ones render."""
    admin = login(app, "admin")
    for series in ("0", "1"):
        r = admin.get(f"/sikippuserstatschartview/chart/{series}")
        assert r.status_code == 200, series
    for series in ("abc", "2", "-1", "99999999999999999999"):
        r = admin.get(f"/sikippuserstatschartview/chart/{series}")
        assert r.status_code == 404, (series, r.status_code)


FAB_ENGLISH = {"User info", "User Info", "Login Count", "Login count", "First Name", "Last Name", "Active", "Roles",
               "Created On", "Changed On", "Last Login", "Personal Info", "Audit Info", "Is Active?", "Failed login count",
               "Write the user first name or names", "It's not a good policy to remove a user, just make it inactive",
               "User", "Groups"}


def test_fab_user_screens_are_indonesian(app):
    """Issue 10: "User info", "Login Count" and FAB's help texts were English; the user statistics' search filters
    showed the column names ("First Name", "Roles"). Every text of these FAB screens is in the catalog."""
    from tests.screens_helpers import visible_texts

    screens = {"opd_a": ["/users/userinfo/", "/resetmypassword/form"],
               "admin": ["/users/show/1", "/users/add", "/users/edit/2", "/users/list/",
                         "/sikippuserstatschartview/chart/", "/roles/list/", "/roles/show/1", "/roles/add"]}
    for username, urls in screens.items():
        client = login(app, username)
        for url in urls:
            r = client.get(url)
            assert r.status_code == 200, url
            english = FAB_ENGLISH & set(visible_texts(r.get_data(as_text=True)))
            assert not english, (url, english)


def test_user_statistics_are_drawn_on_the_server(app):
    """Issue 10: the only chart (user statistics) was blank: FAB's page loads Google Charts from another host. It
    is drawn as SVG bars with the numbers beside them; nothing comes from another host."""
    admin = login(app, "admin")
    for series, heading in (("0", "Jumlah Masuk"), ("1", "Jumlah Gagal Masuk")):
        html = admin.get(f"/sikippuserstatschartview/chart/{series}").get_data(as_text=True)
        figure = html.split('data-figure="user-stats"')[1]
        assert '<svg class="sikipp-chart' in figure and f"<caption>{heading}</caption>" in figure, series
        assert re.search(r"<td>admin</td><td data-value=\"\d+\">\d+</td>", figure), series
        assert "google" not in html.lower()
        for url in re.findall(r'(?:src|href)="([^"]+)"', html):
            assert not re.match(r"^(https?:)?//", url), url
