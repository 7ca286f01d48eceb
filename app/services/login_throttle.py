"""Failed-login counting (DESIGN §8): per account, per account + address, and per address over all accounts
with a higher ceiling (SIKIPP_LOGIN_MAX_FAILURES_PER_ADDRESS, at least 20), so one account's failures never
lock another account out of that address. Successful logins never count.

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


def _limits():
    cfg = current_app.config
    window = cfg["SIKIPP_LOGIN_WINDOW_SECONDS"]
    per_account = parse(f"{cfg['SIKIPP_LOGIN_MAX_FAILURES']} per {window} seconds")
    per_address = parse(f"{max(20, cfg.get('SIKIPP_LOGIN_MAX_FAILURES_PER_ADDRESS', 20))} per {window} seconds")
    return per_account, per_address


def _keys(username, address):
    """(limit, key…) of every counter an attempt touches."""
    per_account, per_address = _limits()
    account = str(username).strip().lower() if username else None
    keys = []
    if account:
        keys.append((per_account, "sikipp-login-user", account))
        if address:
            keys.append((per_account, "sikipp-login-user-addr", account, address))
    if address:
        keys.append((per_address, "sikipp-login-addr", address))
    return keys


def record_failure(username, address):
    limiter = _limiter()
    for limit, *key in _keys(username, address):
        limiter.hit(limit, *key)


def is_blocked(username, address):
    limiter = _limiter()
    return any(not limiter.test(limit, *key) for limit, *key in _keys(username, address))


def reset():
    """Forget every counter (tests and the admin CLI)."""
    for limiter in _limiters.values():
        limiter.storage.reset()


def allow_objection(address):
    """Count one objection attempt from ``address`` (every attempt counts, accepted or not) and say whether it is
    within SIKIPP_OBJECTION_MAX_PER_ADDRESS per SIKIPP_OBJECTION_WINDOW_SECONDS (DESIGN §10: throttled per
    address). Same storage as the login counters (Redis when configured), so every process shares it."""
    cfg = current_app.config
    limit = parse(f"{max(1, int(cfg.get('SIKIPP_OBJECTION_MAX_PER_ADDRESS', 10)))} per "
                  f"{max(1, int(cfg.get('SIKIPP_OBJECTION_WINDOW_SECONDS', 3600)))} seconds")
    return _limiter().hit(limit, "sikipp-objection-addr", address or "-")
