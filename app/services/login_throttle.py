"""Failed-login counting per account and per address (DESIGN §4): successful logins never count.

Counters live in the ``limits`` storage configured by RATELIMIT_STORAGE_URI (Redis when REDIS_URL is set),
so several processes share them.
"""
from flask import current_app
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

_limiters = {}


def _limiter():
    uri = current_app.config.get("RATELIMIT_STORAGE_URI", "memory://")
    if uri not in _limiters:
        _limiters[uri] = FixedWindowRateLimiter(storage_from_string(uri))
    return _limiters[uri]


def _limit():
    cfg = current_app.config
    return parse(f"{cfg['SIKIPP_LOGIN_MAX_FAILURES']} per {cfg['SIKIPP_LOGIN_WINDOW_SECONDS']} seconds")


def _keys(username, address):
    keys = []
    if username:
        keys.append(("sikipp-login-user", str(username).strip().lower()))
    if address:
        keys.append(("sikipp-login-addr", address))
    return keys


def record_failure(username, address):
    limiter, limit = _limiter(), _limit()
    for key in _keys(username, address):
        limiter.hit(limit, *key)


def is_blocked(username, address):
    limiter, limit = _limiter(), _limit()
    return any(not limiter.test(limit, *key) for key in _keys(username, address))


def reset():
    """Forget every counter (tests and the admin CLI)."""
    for limiter in _limiters.values():
        limiter.storage.reset()
