"""Screenshots of each role's home and key pages over the Sidoarjo demo (docs/screenshots/, shown in README).

Builds a throw-away instance (SQLite, the demo data), serves it with ``python run.py`` on a free port and drives
Debian's Chromium with Playwright: desktop pages at 1280 px, the OPD and Juri pages also at 390 px.
Usage: scripts/screenshots [OUTPUT_DIR]   (default docs/screenshots)
"""
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHROMIUM = os.environ.get("SIKIPP_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "Sidoarjo#2026"  # the demo's (app/cli/demo.py DEMO_PASSWORD)

# (file name, user, path or a link to follow, width)
SHOTS = [
    ("01-login", None, "/login/", 1280),
    ("02-sekretariat-home", "sekretariat", "/", 1280),
    ("03-sekretariat-innovations", "sekretariat", "/innovationview/list/", 1280),
    ("04-sekretariat-verification", "sekretariat", "/verification/list/", 1280),
    ("05-sekretariat-innovation", "sekretariat", "link:/innovationview/show/", 1280),
    ("06-sekretariat-judging", "sekretariat", "/judging/", 1280),
    ("07-sekretariat-ranking", "sekretariat", "link:/judging/ranking/", 1280),
    ("08-sekretariat-participation", "sekretariat", "link:/participation/", 1280),
    ("09-sekretariat-awards", "sekretariat", "/awardview/list/", 1280),
    ("10-opd-home", "opd_dinkes", "/", 1280),
    ("11-opd-innovations", "opd_dinkes", "/innovationview/list/", 1280),
    ("12-opd-innovation", "opd_dinkes", "link:/innovationview/show/", 1280),
    ("13-opd-innovation-390", "opd_dinkes", "link:/innovationview/show/", 390),
    ("14-opd-home-390", "opd_dinkes", "/", 390),
    ("15-juri-home", "juri1", "/", 1280),
    ("16-juri-sheets", "juri1", "/scoresheets/", 1280),
    ("17-juri-sheet", "juri1", "link:/scoresheets/sheet/", 1280),
    ("18-juri-sheet-390", "juri1", "link:/scoresheets/sheet/", 390),
    ("19-penandatangan-home", "bupati", "/", 1280),
    ("20-penandatangan-decrees", "bupati", "/decreeview/list/", 1280),
    ("21-admin-home", "admin", "/", 1280),
    ("22-admin-audit-log", "admin", "/auditlogview/list/", 1280),
    ("23-error-404", "opd_dinkes", "/tidak-ada/", 1280),
    ("24-public-catalogue", None, "/catalogue/", 1280),
    ("25-workflow-diagrams", "sekretariat", "/workflows/", 1280),
    ("26-hukum-home", "hukum", "/", 1280),
    ("27-public-announcements", None, "/pengumuman/", 1280),
    ("28-opd-results", "opd_dinkes", "/results/", 1280),
    ("29-notifications", "opd_dinkes", "/notifications/", 1280),
    ("30-sekretariat-progress", "sekretariat", "link:/judging/progress/", 1280),
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(instance):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY", "SIKIPP_BASE_URL", "PORT")}
    env.update(SIKIPP_INSTANCE_DIR=instance, SIKIPP_DEV="1")
    flask = [sys.executable, "-m", "flask", "--app", "run.py"]
    for args in (["kipp", "init"], ["kipp", "demo"]):
        subprocess.run(flask + args, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return env


def serve(env, port):
    proc = subprocess.Popen([sys.executable, "run.py", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2)
            return proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("the server did not start")


def shoot(base, out):
    from playwright.sync_api import sync_playwright

    os.makedirs(out, exist_ok=True)
    for old in os.listdir(out):  # a generated folder: yesterday's pictures go
        if old.endswith(".png"):
            os.remove(os.path.join(out, old))
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        contexts = {}
        for name, user, target, width in SHOTS:
            key = (user, width)
            if key not in contexts:
                context = browser.new_context(viewport={"width": width, "height": 900 if width > 500 else 844},
                                              locale="id-ID", device_scale_factor=1)
                page = context.new_page()
                if user:
                    page.goto(f"{base}/login/")
                    page.fill("#username", user)
                    page.fill("#password", PASSWORD)
                    page.click("[type=submit]")
                    page.wait_for_load_state()
                contexts[key] = page
            page = contexts[key]
            if target.startswith("link:"):
                prefix = target[len("link:"):]
                start = {"/innovationview/show/": "/innovationview/list/", "/judging/ranking/": "/judging/", "/judging/progress/": "/judging/",
                         "/participation/": "/participation/", "/scoresheets/sheet/": "/scoresheets/"}[prefix]
                page.goto(base + start)
                href = page.locator(f"a[href*='{prefix}']").last.get_attribute("href") if prefix == "/participation/" \
                    else page.locator(f"a[href*='{prefix}']").first.get_attribute("href")
                target = href
            page.goto(base + target if target.startswith("/") else target)
            page.wait_for_load_state("networkidle")
            path = os.path.join(out, f"{name}.png")
            page.screenshot(path=path, full_page=width > 500 and "sheet" not in name)
            print(path)
        browser.close()


def main():
    out = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "docs", "screenshots"))
    with tempfile.TemporaryDirectory(prefix="sikipp-shots-") as instance:
        env = prepare(instance)
        port = free_port()
        proc = serve(env, port)
        try:
            shoot(f"http://127.0.0.1:{port}", out)
        finally:
            proc.terminate()
            proc.wait(timeout=20)


if __name__ == "__main__":
    main()
