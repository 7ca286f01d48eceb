"""SIKIPP configuration: every setting comes from the environment (DESIGN §6) with safe defaults."""
import os

from flask_appbuilder.const import AUTH_DB

BASE_DIR = os.path.abspath(os.path.dirname(__file__))
INSTANCE_DIR = os.environ.get("SIKIPP_INSTANCE_DIR", os.path.join(BASE_DIR, "instance"))

# A development-only secret: create_app refuses it outside debug/testing.
DEV_SECRET_KEY = "sikipp-development-secret-do-not-use-in-production"


def _bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _database_url():
    url = os.environ.get("DATABASE_URL")
    if not url:
        return "sqlite:///" + os.path.join(INSTANCE_DIR, "sikipp.db")
    # Heroku-style URLs and plain postgresql:// go through psycopg 3.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
SQLALCHEMY_DATABASE_URI = _database_url()
SQLALCHEMY_TRACK_MODIFICATIONS = False
SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

SIKIPP_BASE_URL = os.environ.get("SIKIPP_BASE_URL", "http://127.0.0.1:8080").rstrip("/")
SIKIPP_STORAGE_DIR = os.environ.get("SIKIPP_STORAGE_DIR", os.path.join(INSTANCE_DIR, "storage"))
SIKIPP_SIGNING_KEY = os.environ.get("SIKIPP_SIGNING_KEY")
SIKIPP_SIGNING_CERT = os.environ.get("SIKIPP_SIGNING_CERT")
SIKIPP_TIMEZONE = os.environ.get("SIKIPP_TIMEZONE", "Asia/Jakarta")
SIKIPP_REGION_NAME = os.environ.get("SIKIPP_REGION_NAME", "Sidoarjo")
REDIS_URL = os.environ.get("REDIS_URL")

# --- Official documents: decree, certificates, signing, jobs (app/services/documents) ------------------
SIKIPP_DECREE_NUMBER_PATTERN = os.environ.get("SIKIPP_DECREE_NUMBER_PATTERN", "188/{seq}/438.1.1.3/{year}")
SIKIPP_HEAD_OF_REGION = os.environ.get("SIKIPP_HEAD_OF_REGION", "Bupati")  # "Wali Kota" for a city
SIKIPP_PROVINCE_NAME = os.environ.get("SIKIPP_PROVINCE_NAME", "Jawa Timur")
SIKIPP_DOCUMENT_PLACE = os.environ.get("SIKIPP_DOCUMENT_PLACE", "Sidoarjo")  # "Ditetapkan di …"
SIKIPP_SIGNER_TITLE = os.environ.get("SIKIPP_SIGNER_TITLE", "BUPATI SIDOARJO,")  # jabatan in the signature block
SIKIPP_SIGNER_NAME = os.environ.get("SIKIPP_SIGNER_NAME", "NAMA BUPATI SIDOARJO")
SIKIPP_SIGNER_NIP = os.environ.get("SIKIPP_SIGNER_NIP", "")  # printed as "NIP …" when set
SIKIPP_LAMBANG_PATH = os.environ.get("SIKIPP_LAMBANG_PATH")  # PNG/JPEG/SVG; default: a bundled placeholder
SIKIPP_TTE_FOOTER = os.environ.get(
    "SIKIPP_TTE_FOOTER",
    "Dokumen ini telah ditandatangani secara elektronik menggunakan sertifikat elektronik yang diterbitkan oleh "
    "Balai Besar Sertifikasi Elektronik (BSrE), Badan Siber dan Sandi Negara. Sesuai dengan ketentuan "
    "Undang-Undang Nomor 11 Tahun 2008 tentang Informasi dan Transaksi Elektronik Pasal 5 ayat (1), informasi "
    "elektronik dan/atau dokumen elektronik dan/atau hasil cetaknya merupakan alat bukti hukum yang sah.")
# Printed instead of the TTE footer on documents signed with the generated development pair (no BSrE claim).
SIKIPP_DEV_SIGNER_FOOTER = os.environ.get(
    "SIKIPP_DEV_SIGNER_FOOTER",
    "Ditandatangani dengan sertifikat pengembangan \u2014 bukan untuk penggunaan resmi. Dokumen ini tidak "
    "ditandatangani dengan sertifikat elektronik yang diterbitkan oleh penyelenggara sertifikasi elektronik.")
# The NILAI column of the decree's winners annex (each award's final-ranking score, 2 decimals): off by default
# (an annex publishing the jurors' scores invites disputes; the berita acara of each round records them).
SIKIPP_DECREE_ANNEX_SCORES = _bool("SIKIPP_DECREE_ANNEX_SCORES", False)


def _list(name, default):
    """A list setting: entries separated by "|" or new lines in the environment variable, else ``default``."""
    value = os.environ.get(name)
    if value is None:
        return tuple(default)
    return tuple(item.strip() for item in value.replace("\n", "|").split("|") if item.strip())


# Layout per tata naskah dinas (Permendagri 80/2015 and 1/2023, the Pemda's own Perbup): paper of the decree and
# the berita acara ("F4" = 215 x 330 mm, or "A4"), of the certificates (landscape), font size in points. The font
# is TeX Gyre Bonum (a free Bookman, bundled in static/fonts, GUST Font License).
SIKIPP_DOCUMENT_PAPER = os.environ.get("SIKIPP_DOCUMENT_PAPER", "F4").strip().upper()
SIKIPP_CERTIFICATE_PAPER = os.environ.get("SIKIPP_CERTIFICATE_PAPER", "A4").strip().upper()
SIKIPP_DOCUMENT_FONT_SIZE = float(os.environ.get("SIKIPP_DOCUMENT_FONT_SIZE", "12"))
# Mengingat defaults of a new decree draft (editable per draft). "{year}" becomes the competition's year. Entries
# with "…" are the Pemda's own to complete (numbers not known here: fill them in, e.g. through this setting).
SIKIPP_DECREE_LEGAL_BASES = _list("SIKIPP_DECREE_LEGAL_BASES", (
    "Undang-Undang Nomor 12 Tahun 1950 tentang Pembentukan Daerah-daerah Kabupaten dalam Lingkungan Propinsi "
    "Djawa Timur (Berita Negara Republik Indonesia Tahun 1950 Nomor 41) sebagaimana telah diubah dengan "
    "Undang-Undang Nomor 2 Tahun 1965 tentang Perubahan Batas Wilayah Kotapraja Surabaya dan Daerah Tingkat II "
    "Surabaya dengan Mengubah Undang-Undang Nomor 12 Tahun 1950 tentang Pembentukan Daerah-daerah Kota Besar "
    "dalam Lingkungan Propinsi Djawa Timur, Djawa Tengah, Djawa Barat dan Daerah Istimewa Jogjakarta (Lembaran "
    "Negara Republik Indonesia Tahun 1965 Nomor 19, Tambahan Lembaran Negara Republik Indonesia Nomor 2730);",
    "Undang-Undang Nomor 25 Tahun 2009 tentang Pelayanan Publik (Lembaran Negara Republik Indonesia Tahun 2009 "
    "Nomor 112, Tambahan Lembaran Negara Republik Indonesia Nomor 5038);",
    "Undang-Undang Nomor 23 Tahun 2014 tentang Pemerintahan Daerah (Lembaran Negara Republik Indonesia Tahun "
    "2014 Nomor 244, Tambahan Lembaran Negara Republik Indonesia Nomor 5587) sebagaimana telah beberapa kali "
    "diubah, terakhir dengan Undang-Undang Nomor 6 Tahun 2023 tentang Penetapan Peraturan Pemerintah Pengganti "
    "Undang-Undang Nomor 2 Tahun 2022 tentang Cipta Kerja menjadi Undang-Undang (Lembaran Negara Republik "
    "Indonesia Tahun 2023 Nomor 41, Tambahan Lembaran Negara Republik Indonesia Nomor 6856);",
    "Peraturan Pemerintah Nomor 38 Tahun 2017 tentang Inovasi Daerah (Lembaran Negara Republik Indonesia Tahun "
    "2017 Nomor 206, Tambahan Lembaran Negara Republik Indonesia Nomor 6123);",
    "Peraturan Menteri Pendayagunaan Aparatur Negara dan Reformasi Birokrasi Nomor 91 Tahun 2021 tentang "
    "Pembinaan Inovasi Pelayanan Publik (Berita Negara Republik Indonesia Tahun 2021 Nomor \u2026);",
    "Peraturan Bupati Sidoarjo Nomor \u2026 Tahun \u2026 tentang Inovasi Daerah (Berita Daerah Kabupaten Sidoarjo "
    "Tahun \u2026 Nomor \u2026);",
    "Peraturan Daerah Kabupaten Sidoarjo Nomor \u2026 Tahun \u2026 tentang Anggaran Pendapatan dan Belanja Daerah "
    "Tahun Anggaran {year} (Lembaran Daerah Kabupaten Sidoarjo Tahun \u2026 Nomor \u2026);",
))
# Who receives copies of a decree ("Tembusan"), in order.
SIKIPP_DECREE_TEMBUSAN = _list("SIKIPP_DECREE_TEMBUSAN", (
    "Sekretaris Daerah Kabupaten Sidoarjo;",
    "Inspektur Kabupaten Sidoarjo;",
    "Kepala Badan Pengelolaan Keuangan dan Aset Daerah Kabupaten Sidoarjo;",
    "Kepala Bagian Organisasi Sekretariat Daerah Kabupaten Sidoarjo;",
    "Kepala unit kerja penerima penghargaan.",
))
# The SALINAN (copy for distribution and the JDIH): "Salinan sesuai dengan aslinya" and who attests it.
SIKIPP_SALINAN_TITLE = os.environ.get("SIKIPP_SALINAN_TITLE", "KEPALA BAGIAN HUKUM,")
SIKIPP_SALINAN_NAME = os.environ.get("SIKIPP_SALINAN_NAME", "NAMA KEPALA BAGIAN HUKUM")
SIKIPP_SALINAN_RANK = os.environ.get("SIKIPP_SALINAN_RANK", "")  # pangkat, e.g. "Pembina Tingkat I"
SIKIPP_SALINAN_NIP = os.environ.get("SIKIPP_SALINAN_NIP", "")
# Certificate number printed on each Piagam (stored with the issued certificate): {decree_number}, {seq} (the
# award's place in the decree's annex, 1-based), {year} (of the decree's signing, local time).
SIKIPP_CERTIFICATE_NUMBER_PATTERN = os.environ.get("SIKIPP_CERTIFICATE_NUMBER_PATTERN", "{decree_number}/{seq:03d}")
# Number of a round's berita acara (derived, stable): {sequence} (of the round), {round_id}, {competition_id},
# {year} (of the competition).
SIKIPP_BERITA_ACARA_NUMBER_PATTERN = os.environ.get("SIKIPP_BERITA_ACARA_NUMBER_PATTERN",
                                                    "BA.{sequence}/TIM-KIPP/{competition_id}/{year}")
SIKIPP_UNIT_AWARD_GRADES = tuple(g.strip() for g in os.environ.get("SIKIPP_UNIT_AWARD_GRADES", "A").split(",")
                                 if g.strip())
# The decree's paraf koordinasi chain (DESIGN §3): role names in order; empty = none (sign needs no initials).
SIKIPP_DECREE_PARAF_CHAIN = tuple(r.strip() for r in os.environ.get("SIKIPP_DECREE_PARAF_CHAIN", "Hukum").split(",")
                                  if r.strip())
# Where the decree's number comes from: "register" (SIKIPP's own, at signing) or "manual" (reserved from the
# regency's register and entered with the last paraf as data.number, checked against the pattern below).
SIKIPP_DECREE_NUMBER_SOURCE = os.environ.get("SIKIPP_DECREE_NUMBER_SOURCE", "register")
SIKIPP_DECREE_MANUAL_NUMBER_PATTERN = os.environ.get(
    "SIKIPP_DECREE_MANUAL_NUMBER_PATTERN", r"^\d{3}(\.\d+)?/\d{1,6}/\d{3}(\.\d+)*/\d{4}$")
SIKIPP_SIGNER_CLASS = os.environ.get("SIKIPP_SIGNER_CLASS")  # "module:Class" of another Signer (remote TTE)
SIKIPP_DEV_SIGNING_DIR = os.environ.get("SIKIPP_DEV_SIGNING_DIR", os.path.join(INSTANCE_DIR, "signing"))
SIKIPP_HUEY_FILE = os.environ.get("SIKIPP_HUEY_FILE", os.path.join(INSTANCE_DIR, "huey.db"))
SIKIPP_HUEY_NAME = os.environ.get("SIKIPP_HUEY_NAME", "sikipp")  # the queue's name (its keys in Redis)
# Outbox delivery (workflows/outbox.py, by workers only): attempts before "failed", backoff after a failed attempt
# (doubling up to the maximum), and how long a claim holds a message before another worker may take it over.
SIKIPP_OUTBOX_MAX_ATTEMPTS = int(os.environ.get("SIKIPP_OUTBOX_MAX_ATTEMPTS", "5"))
SIKIPP_OUTBOX_BACKOFF_SECONDS = float(os.environ.get("SIKIPP_OUTBOX_BACKOFF_SECONDS", "30"))
SIKIPP_OUTBOX_BACKOFF_MAX_SECONDS = float(os.environ.get("SIKIPP_OUTBOX_BACKOFF_MAX_SECONDS", "3600"))
SIKIPP_OUTBOX_LEASE_SECONDS = float(os.environ.get("SIKIPP_OUTBOX_LEASE_SECONDS", "300"))
SIKIPP_OUTBOX_BATCH_SIZE = int(os.environ.get("SIKIPP_OUTBOX_BATCH_SIZE", "20"))  # messages per claim

MAIL_SERVER = os.environ.get("MAIL_SERVER")
MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "sikipp@localhost")
MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT", "10"))  # seconds (SMTP runs in outbox workers only)

# --- Flask-AppBuilder -------------------------------------------------------
APP_NAME = "SIKIPP"
APP_THEME = ""
FAB_CREATE_DB = False  # Alembic migrations own the schema
FAB_SECURITY_MANAGER_CLASS = "app.security.SikippSecurityManager"
FAB_API_SWAGGER_UI = True
FAB_API_MAX_PAGE_SIZE = 100
FAB_ADD_SECURITY_API = True
FAB_UPDATE_PERMS = True
FAB_INDEX_VIEW = "app.views.home.HomeView"  # each role's home at / (DESIGN §9)
AUTH_TYPE = AUTH_DB
AUTH_ROLE_ADMIN = "Admin"
AUTH_ROLE_PUBLIC = "Public"
FAB_PASSWORD_COMPLEXITY_ENABLED = True
# FAB calls this: the dotted path is resolved to the function by create_app (config cannot import the app).
FAB_PASSWORD_COMPLEXITY_VALIDATOR = "app.services.users.validate_password_complexity"
# Public API endpoints a browser may write to without a CSRF token (DESIGN §8); login/refresh are always exempt.
SIKIPP_API_CSRF_EXEMPT_PATHS = ("/api/v1/objection/",)

# Login throttling (app.services.login_throttle, DESIGN §8): failed attempts per account and per account +
# address (SIKIPP_LOGIN_MAX_FAILURES each), and per address for all accounts together (at least 20, so one
# account's failures never lock the other accounts of that address out).
SIKIPP_LOGIN_MAX_FAILURES = int(os.environ.get("SIKIPP_LOGIN_MAX_FAILURES", "5"))
SIKIPP_LOGIN_MAX_FAILURES_PER_ADDRESS = int(os.environ.get("SIKIPP_LOGIN_MAX_FAILURES_PER_ADDRESS", "20"))
SIKIPP_LOGIN_WINDOW_SECONDS = int(os.environ.get("SIKIPP_LOGIN_WINDOW_SECONDS", "300"))
# Public objections (POST /api/v1/objection/ and the form on /pengumuman/, DESIGN §10): attempts per address and
# window, counted in the same storage as the login counters.
SIKIPP_OBJECTION_MAX_PER_ADDRESS = int(os.environ.get("SIKIPP_OBJECTION_MAX_PER_ADDRESS", "10"))
SIKIPP_OBJECTION_WINDOW_SECONDS = int(os.environ.get("SIKIPP_OBJECTION_WINDOW_SECONDS", "3600"))
RATELIMIT_ENABLED = True
RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
# Redis unreachable (DESIGN §6): the login counters fall back to this process's memory (a warning is logged)
# and Redis is tried again after SIKIPP_REDIS_RETRY_SECONDS; Flask-Limiter limits degrade the same way.
SIKIPP_REDIS_TIMEOUT_SECONDS = float(os.environ.get("SIKIPP_REDIS_TIMEOUT_SECONDS", "2"))
SIKIPP_REDIS_RETRY_SECONDS = float(os.environ.get("SIKIPP_REDIS_RETRY_SECONDS", "30"))
RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
RATELIMIT_SWALLOW_ERRORS = True

# Behind a reverse proxy: how many proxies in front of the app set X-Forwarded-For/-Proto/-Host/-Port
# (werkzeug ProxyFix). 0 (default): the headers are ignored and the client is the socket's peer. Set it to the
# exact number of proxies you run (1 for one nginx): a larger number lets clients forge their address.
SIKIPP_TRUSTED_PROXY_HOPS = int(os.environ.get("SIKIPP_TRUSTED_PROXY_HOPS", "0"))

# Operations (issue 13): log level, one JSON object per line (SIKIPP_LOG_JSON=1) or plain text, and the
# request log (one line per request: request id, user, method, path, status, duration).
SIKIPP_LOG_LEVEL = os.environ.get("SIKIPP_LOG_LEVEL", "INFO").upper()
SIKIPP_LOG_JSON = _bool("SIKIPP_LOG_JSON", False)
# Strict-Transport-Security on answers served over HTTPS (after ProxyFix): max-age in seconds (0: none).
SIKIPP_HSTS_SECONDS = int(os.environ.get("SIKIPP_HSTS_SECONDS", "31536000"))

# --- Languages ----------------------------------------------------------------
BABEL_DEFAULT_LOCALE = "id"
BABEL_DEFAULT_TIMEZONE = "UTC"
BABEL_TRANSLATION_DIRECTORIES = os.path.join(BASE_DIR, "translations")
LANGUAGES = {
    "id": {"flag": "id", "name": "Bahasa Indonesia"},
    "en": {"flag": "gb", "name": "English"},
}

WTF_CSRF_ENABLED = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = SIKIPP_BASE_URL.startswith("https://")  # cookies only over HTTPS in production
WTF_CSRF_TIME_LIMIT = None

# Requests larger than this are refused with 413 before reaching any view (attachments have their own,
# smaller per-competition cap).
MAX_CONTENT_LENGTH = int(os.environ.get("SIKIPP_MAX_REQUEST_MB", "64")) * 1024 * 1024

# Storage and recovery (DESIGN §6): SIKIPP_STORAGE_URL names another backend (``s3://bucket/prefix``, issue 14);
# the recovery sweep removes files no row refers to once older than the grace period (a younger one may belong
# to a transaction about to commit) and runs at consumer start and every SIKIPP_RECOVERY_MINUTES.
SIKIPP_STORAGE_URL = os.environ.get("SIKIPP_STORAGE_URL", "")
# The object store's credentials and endpoint (DESIGN §6, exact names; unset: boto3's own chain — profile, role).
AWS_ACCESS_KEY_ID = os.environ.get("AWS_ACCESS_KEY_ID", "")
AWS_SECRET_ACCESS_KEY = os.environ.get("AWS_SECRET_ACCESS_KEY", "")
AWS_ENDPOINT_URL = os.environ.get("AWS_ENDPOINT_URL", "")
AWS_REGION = os.environ.get("AWS_REGION", os.environ.get("AWS_DEFAULT_REGION", ""))
# Seconds to wait for the object store to accept a connection (reads may take three times as long; two attempts)
# before the request answers 503/507 instead of hanging.
SIKIPP_STORAGE_TIMEOUT_SECONDS = float(os.environ.get("SIKIPP_STORAGE_TIMEOUT_SECONDS", "5"))
SIKIPP_RECOVERY_GRACE_SECONDS = int(os.environ.get("SIKIPP_RECOVERY_GRACE_SECONDS", "900"))
SIKIPP_RECOVERY_MINUTES = int(os.environ.get("SIKIPP_RECOVERY_MINUTES", "5"))
