"""Helpers of the Playwright journeys: signing in and out, to-do links, axe-core (served from the suite's own
files: tests/assets/axe.min.js), the request log (nothing may leave the app's host) and the screen log (the HTML
of every screen a journey shows, for the human-readable checks of tests/screens_helpers.py)."""
import os
from urllib.parse import urlsplit

from tests.conftest import PASSWORD

AXE_SOURCE_PATH = os.path.join(os.path.dirname(__file__), "assets", "axe.min.js")
_axe_source = []


def sign_in(page, base, username):
    page.goto(f"{base}/logout/")
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("[type=submit]")
    page.wait_for_load_state()
    assert "/login" not in page.url, f"{username} could not sign in"


def sign_out(page, base):
    page.goto(f"{base}/logout/")


def todos(page, kind):
    """The hrefs of the home's to-do links of ``kind`` (``<a data-todo=KIND>``)."""
    return page.eval_on_selector_all(f'a[data-todo="{kind}"]', "els => els.map(e => e.getAttribute('href'))")


def axe_violations(page, impacts=("serious", "critical")):
    """axe-core's violations of the given impacts on the current page (rule id, impact, first targets)."""
    if not _axe_source:
        with open(AXE_SOURCE_PATH, encoding="utf-8") as fh:
            _axe_source.append(fh.read())
    # Evaluated through the DevTools protocol: no <script> tag, so a strict CSP cannot block it.
    if not page.evaluate("() => !!window.axe"):
        page.evaluate(_axe_source[0] + "\n;true")
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")
    return [v for v in result if v["impact"] in impacts]


def assert_accessible(page, what):
    bad = axe_violations(page)
    assert not bad, f"axe-core on {what} ({page.url}): {bad}"


class RequestLog:
    """Every request the page makes; :meth:`foreign` lists those to another host than the app's."""

    def __init__(self, page, base):
        self.base = urlsplit(base)
        self.urls = []
        self.console = []
        page.on("request", lambda request: self.urls.append(request.url))
        page.on("console", lambda message: self.console.append(message.text))

    def csp_violations(self):
        """What Chromium reported refusing under the Content-Security-Policy (inline scripts, other hosts)."""
        return [text for text in self.console if "Content Security Policy" in text]

    def foreign(self):
        """Network requests (http, https, ws, wss) to another origin than the app's. The browser's own resources
        (its PDF viewer's chrome:// and chrome-extension:// files, data:, blob:) never leave the machine."""
        own = (self.base.scheme, self.base.netloc)
        return [u for u in self.urls
                if urlsplit(u).scheme in ("http", "https", "ws", "wss") and (urlsplit(u).scheme, urlsplit(u).netloc) != own]

    def network(self):
        return [u for u in self.urls if urlsplit(u).scheme in ("http", "https", "ws", "wss")]


class ScreenLog:
    """The HTML of every screen the page shows, read after each ``goto`` and each ``wait_for_load_state`` (the
    journeys wait after every click that loads a screen): ``pages`` is [(url, html)] in the order seen. The page's
    two methods are wrapped on this page object only; Playwright does the work."""

    def __init__(self, page):
        self.page = page
        self.pages = []
        goto, wait = page.goto, page.wait_for_load_state

        def goto_and_read(*args, **kwargs):
            response = goto(*args, **kwargs)
            self._read(wait)
            return response

        def wait_and_read(*args, **kwargs):
            result = wait(*args, **kwargs)
            self._read(wait)
            return result

        page.goto, page.wait_for_load_state = goto_and_read, wait_and_read

    def _read(self, wait):
        from playwright.sync_api import Error

        # A click's navigation may not have begun yet (a confirmation dialog first, accepted by the page's
        # handler): let the event loop run a moment, wait for the load, then read; again if it was still navigating.
        for attempt in range(5):
            self.page.wait_for_timeout(100 if attempt == 0 else 300)
            wait()
            try:
                html = self.page.content()
            except Error:
                continue
            if not self.pages or self.pages[-1] != (self.page.url, html):
                self.pages.append((self.page.url, html))
            return
        raise AssertionError(f"could not read {self.page.url}")

    def screens(self):
        """The distinct screens (URL paths without the query) seen."""
        return sorted({urlsplit(url).path for url, _html in self.pages})
