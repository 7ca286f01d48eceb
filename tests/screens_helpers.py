"""Checks on what a person reads (DESIGN §9), reusable by every screen test and browser journey.

``assert_human_readable(html)`` fails when the visible text of a page (text nodes, and the ``title``, ``alt``,
``placeholder`` and ``aria-label`` attributes; not scripts, styles or the content of text areas) shows a raw
value: ``True``/``False``/``None``, an ISO date or timestamp, a time in UTC, a workflow state or trigger code,
a unit kind or status code, a "(submit)" history entry, a decimal with a dot ("0.4", "92.4333", "5000000.00").

``crawl(client, start)`` follows the links of a signed-in client from ``start`` through the list and show
screens and the custom pages (never a form, an action, a file or an API), at most ``per_pattern`` pages per URL
shape, and returns ``{url: html}``.
"""
import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

STATE_CODES = {"draft", "submitted", "verified", "scored", "awarded", "rejected", "withdrawn", "signed", "revoked",
               "active", "recused", "valid", "open", "upheld", "dismissed", "final", "new"}
TRIGGER_CODES = {"submit", "return", "verify", "reject", "withdraw", "score", "award", "sign", "revoke",
                 "disqualify", "paraf", "uphold", "dismiss"}
KIND_CODES = {"opd", "kecamatan", "puskesmas", "smp", "lainnya"}
CODES = STATE_CODES | TRIGGER_CODES | KIND_CODES

RAW_PATTERNS = [
    (re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}"), "ISO timestamp"),
    (re.compile(r"(?<![\d/.-])\d{4}-\d{2}-\d{2}(?![\d/-])"), "ISO date"),
    (re.compile(r"\bUTC\b"), "time in UTC"),
    (re.compile(r"\b(True|False|None)\b"), "Python value"),
    (re.compile(r"\((%s)\)" % "|".join(sorted(TRIGGER_CODES))), "trigger code in a history"),
    (re.compile(r"(?<![\d.,])\d+\.\d{4,}(?![\d.])"), "raw decimal (more than 2 decimals)"),
    (re.compile(r"(?<![\d.,])\d{4,}\.\d{1,2}(?![\d.])"), "raw amount (dot decimal)"),
    (re.compile(r"(?<![\d.,])0\.\d+(?![\d.])"), "decimal with a dot"),
]

# <pre> holds verbatim source listings only (the Admin's read-only lifecycle documents on /workflows/, issue 15):
# code by design, not values shown to a reader.
SKIPPED_TAGS = {"script", "style", "textarea", "noscript", "template", "pre"}
READ_ATTRIBUTES = ("title", "alt", "placeholder", "aria-label")


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.skip = 0
        self.texts = []

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED_TAGS:
            self.skip += 1
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value:
                self.texts.append(value)

    def handle_endtag(self, tag):
        if tag in SKIPPED_TAGS and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip and data.strip():
            self.texts.append(data.strip())


def visible_texts(html):
    parser = _Text()
    parser.feed(html)
    return parser.texts


def raw_values(html):
    """The raw values a page shows: [(problem, text)]."""
    found = []
    for text in visible_texts(html):
        if text.lower() in CODES and text == text.lower():
            found.append(("untranslated code", text))
            continue
        for pattern, problem in RAW_PATTERNS:
            if pattern.search(text):
                found.append((problem, text[:160]))
    return found


def assert_human_readable(html, where=""):
    found = raw_values(html)
    assert not found, f"raw values on {where or 'the page'}: {found[:20]}"


# -- crawling ------------------------------------------------------------------------------------------------

SKIPPED_PATHS = re.compile(
    r"^/(api/|static/|appbuilder/|swagger|logout|lang/|login|register|favicon)"
    r"|/(add|edit|delete|download|action|action_post|fire|attachments|export|issue|api)(/|$|\?)"
    r"|\.(xlsx|pdf|svg|csv|json)$"
    r"|^/(resetmypassword|resetpassword|users/(add|edit)|roles/(add|edit))")
SKIPPED_ARGS = re.compile(r"(^|&)(_flt_|_oc_|_od_|page_|psize_|next=)")


def _pattern(path):
    return re.sub(r"\d+", "N", path)


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)


def links_of(html):
    parser = _Links()
    parser.feed(html)
    return parser.links


def crawl(client, start="/", per_pattern=3, limit=400, extra=()):
    """``{url: html}`` of the pages reachable from ``start`` (and ``extra``) as this client, following only
    links to pages (lists, shows, custom screens) on this host."""
    seen, pages, counts = set(), {}, {}
    queue = deque([start, *extra])
    while queue and len(pages) < limit:
        url = queue.popleft()
        parts = urlsplit(url)
        if parts.netloc and parts.netloc not in ("localhost", "127.0.0.1"):
            continue
        path = parts.path or "/"
        if SKIPPED_PATHS.search(path) or SKIPPED_ARGS.search(parts.query or ""):
            continue
        key = path + ("?" + parts.query if parts.query else "")
        if key in seen:
            continue
        seen.add(key)
        pattern = _pattern(key)
        if counts.get(pattern, 0) >= per_pattern:
            continue
        counts[pattern] = counts.get(pattern, 0) + 1
        response = client.get(key)
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        html = response.get_data(as_text=True)
        pages[key] = html
        for href in links_of(html):
            if href.startswith(("#", "mailto:", "javascript:", "http://", "https://")):
                continue
            queue.append(urljoin(key, href))
    return pages


# -- a realistic data set --------------------------------------------------------------------------------------

def realistic_world(app, client):
    """The Sidoarjo demo (every innovation state, rounds, sheets, awards, history) with one proposal of each
    state moved to the test unit of ``opd_a``, plus a second competition with a signed decree (its certificates
    issued) and a replacement draft. Needs the ``docs`` fixture (signing pair) and ``restore_people``
    (the demo's users and units go afterwards). Returns the ids the tests use."""
    from app.extensions import db
    from app.models import Innovation, Unit
    from tests.documents_helpers import draft_decree, seed_awards, sign

    result = app.test_cli_runner().invoke(args=["kipp", "demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        unit_a = db.session.query(Unit).filter_by(code="T-OPD-A").one()
        moved = {}
        for state in ("draft", "submitted", "verified", "scored", "awarded", "rejected", "withdrawn"):
            innovation = (db.session.query(Innovation).filter(Innovation.state == state, Innovation.unit_id != unit_a.id)
                          .order_by(Innovation.id).first())
            if innovation is not None:
                innovation.unit_id = unit_a.id
                moved[state] = innovation.id
        db.session.commit()
    competition_id, award_ids = seed_awards(app, competition_name="Kompetisi Dokumen Uji", year=2025)
    signed = draft_decree(client, competition_id)
    sign(client, signed)
    with app.app_context():
        from app import jobs

        jobs.run_issue_certificates(signed)
    replacement = draft_decree(client, competition_id)
    return {"moved": moved, "decree_signed": signed, "decree_draft": replacement, "awards": award_ids}
