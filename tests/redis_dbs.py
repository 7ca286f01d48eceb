"""One Redis database per test that touches the real server. Tests run in parallel (xdist) and
``login_throttle.reset()`` or a flush empties a whole database: two tests sharing one would wipe each
other's counters mid-test (a PostgreSQL CI run failed that way)."""
import os

BASE = os.environ.get("SIKIPP_TEST_REDIS_URL", "redis://127.0.0.1:6379/15").rsplit("/", 1)[0]

LOGIN_SHARED = f"{BASE}/15"      # test_redis_shared_state: login counters across processes
HUEY_QUEUE = f"{BASE}/14"        # test_redis_shared_state: the huey queue
OUTBOX = f"{BASE}/13"            # test_outbox_delivery: queue consumer in another process
OBJECTIONS = f"{BASE}/12"        # test_announcements: objection throttle
PASSWORD_SESSIONS = f"{BASE}/11"  # test_passwords_sessions: per-account and per-address counters
MULTIHOST = f"{BASE}/10"       # test_multihost: two gunicorn hosts and the job consumers share this queue


def closed_port_url():
    """A Redis URL at a loopback port nothing listens on (bound, then released): connections are refused."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"
