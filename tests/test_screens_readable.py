"""Every list and show screen and the custom pages read as a person writes (DESIGN §9): no True/False/None,
no ISO timestamps, no untranslated state, trigger or kind codes, no dot decimals — crawled as each role over
the Sidoarjo demo (every innovation state) plus a signed decree, a replacement draft and its certificates."""
import os
import re

import pytest

from tests.conftest import PASSWORD
from tests.documents_helpers import docs  # noqa: F401  (fixture)
from tests.screens_helpers import assert_human_readable, crawl, raw_values, realistic_world
from tests.test_demo import restore_people  # noqa: F401  (fixture)

ROLES = ("admin", "sekretariat", "opd_a", "juri1", "penandatangan", "hukum")
# Pages each role must have reached (the crawl follows the menus, so these prove it went everywhere).
MUST_REACH = {
    "admin": ["/unitview/list/", "/users/list/", "/auditlogview/list/", "/workflows/", "/documents/"],
    "sekretariat": ["/innovationview/list/", "/innovationview/show/", "/competitionview/show/", "/roundview/list/",
                    "/criterionview/list/", "/assignmentview/list/", "/awardview/list/", "/awardview/show/",
                    "/decreeview/list/", "/decreeview/show/", "/judging/", "/judging/progress/",
                    "/judging/ranking/", "/participation/", "/verification/list/", "/auditlogview/list/",
                    "/documents/", "/unitview/show/", "/workflows/", "/objections/list/", "/pengumuman/"],
    "opd_a": ["/innovationview/list/", "/innovationview/show/", "/participation/", "/users/userinfo/"],
    "juri1": ["/scoresheets/", "/scoresheets/sheet/"],
    "penandatangan": ["/decreeview/list/", "/decreeview/show/", "/documents/"],
    "hukum": ["/decreeview/list/", "/decreeview/show/", "/users/userinfo/"],
}


def _login(app, username):
    client = app.test_client()
    r = client.post("/login/", data={"username": username, "password": PASSWORD})
    assert r.status_code == 302, username
    return client


def test_the_checker_finds_raw_values():
    bad = ("<td>True</td>", "<td>None</td>", "<span>Nomor None</span>", "<td>2026-11-30T20:25:57.696368Z</td>",
           "<td>2020-11-02</td>", "<td>31-07-2026 23:59 UTC</td>", "<td>draft</td>", "<li>Draf → Diajukan (submit)</li>",
           "<td>opd</td>", "<td>5000000.00</td>", "<td>92.4333</td>", "<p>Bobot 0.4</p>", '<i title="False"></i>')
    for html in bad:
        assert raw_values(html), html
    good = ("<td>Ya</td>", "<td>—</td>", "<td>5 Januari 2020 14:05 WIB</td>", "<td>Rp5.000.000,00</td>",
            "<td>92,43</td>", "<p>Bobot 0,4 (40 %)</p>", "<td>188/1/438.1.1.3/2026</td>", "<td>OPD</td>",
            "<script>var x = None;</script>", '<input type="date" value="2020-11-02">', "<td>Draf</td>",
            "<textarea>True</textarea>")
    for html in good:
        assert not raw_values(html), (html, raw_values(html))


@pytest.mark.usefixtures("docs", "restore_people")
def test_every_screen_reads_humanly_for_every_role(app, client):
    world = realistic_world(app, client)
    failures, reached = [], {}
    for username in ROLES:
        browser = _login(app, username)
        extra = [f"/innovationview/show/{pk}" for pk in world["moved"].values()] if username == "opd_a" else []
        extra += ["/users/userinfo/", f"/decreeview/show/{world['decree_signed']}",
                  f"/decreeview/show/{world['decree_draft']}"]
        pages = crawl(browser, "/", per_pattern=3, extra=extra)
        reached[username] = pages
        if os.environ.get("SIKIPP_DUMP_PAGES"):  # for a person to read them: SIKIPP_DUMP_PAGES=/tmp/pages
            folder = os.path.join(os.environ["SIKIPP_DUMP_PAGES"], username)
            os.makedirs(folder, exist_ok=True)
            for url, html in pages.items():
                with open(os.path.join(folder, re.sub(r"[^\w]+", "_", url).strip("_") + ".html"), "w") as fh:
                    fh.write(html)
        for url, html in pages.items():
            assert '<html lang="id">' in html, url
            found = raw_values(html)
            if found:
                failures.append((username, url, found[:5]))
    assert not failures, "\n".join(f"{u} {url}: {found}" for u, url, found in failures)
    for username, prefixes in MUST_REACH.items():
        urls = reached[username]
        for prefix in prefixes:
            assert any(u.startswith(prefix) for u in urls), (username, prefix, sorted(urls)[:80])
    # the pages the brief names: histories with translated triggers, money, scores, weights, decree numbers
    sek = reached["sekretariat"]
    shows = [html for url, html in sek.items() if url.startswith("/innovationview/show/")]
    assert any("Diajukan" in html for html in shows)
    awards = "".join(html for url, html in sek.items() if url.startswith("/awardview/"))
    assert re.search(r"Rp\d{1,3}(\.\d{3})*,\d{2}", awards)
    assert re.search(r"\b\d{1,3},\d{2}\b", awards)  # scores with a decimal comma
    decrees = "".join(html for url, html in sek.items() if url.startswith("/decreeview/"))
    assert "belum bernomor" in decrees
    rounds = "".join(html for url, html in sek.items() if url.startswith(("/roundview/", "/judging/")))
    assert "0,4 (40 %)" in rounds
    for html in sek.values():
        assert_human_readable(html)
