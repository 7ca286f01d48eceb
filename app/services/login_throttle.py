"""Failed-login counting (DESIGN §8): per account, per account + address, and per address over all accounts
with a higher ceiling (SIKIPP_LOGIN_MAX_FAILURES_PER_ADDRESS, at least 20), so one account's failures never
lock another account out of that address. Successful logins never count.

Counters live in the ``limits`` storage configured by RATELIMIT_STORAGE_URI (Redis when REDIS_URL is set),
so several processes share them.

Fallback (DESIGN §6, issue 13): when that storage cannot be reached (Redis down, a closed port), the counters
of this process are used instead (in-process memory) and a warning is logged — logins keep working and
keep being throttled per process, never a 500. The shared storage is tried again after
``SIKIPP_REDIS_RETRY_SECONDS`` (default 30), so a dead Redis does not cost a connection attempt per login.
"""
import logging
import threading
import time

from flask import current_app
from limits import parse
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

log = logging.getLogger(__name__)

_limiters = {}
_fallback = FixedWindowRateLimiter(MemoryStorage())
_down_until = {}  # storage URI -> monotonic time before which it is not tried again
_lock = threading.Lock()
# What a storage that cannot be reached raises (redis' errors are OSError-like but not OSError subclasses).
try:  # pragma: no cover - redis is installed with the pinned requirements
    from redis.exceptions import RedisError as _RedisError

    UNREACHABLE = (OSError, _RedisError)
except ImportError:  # pragma: no cover
    UNREACHABLE = (OSError,)


def _shared():
    """The shared limiter of the configured storage (None: the memory default, or the storage is down)."""
    uri = current_app.config.get("RATELIMIT_STORAGE_URI", "memory://")
    if uri.startswith("memory://"):
        return None
    if _down_until.get(uri, 0) > time.monotonic():
        return None
    with _lock:
        if uri not in _limiters:
            timeout = float(current_app.config.get("SIKIPP_REDIS_TIMEOUT_SECONDS", 2))
            options = {"socket_connect_timeout": timeout, "socket_timeout": timeout} if uri.startswith("redis") else {}
            _limiters[uri] = FixedWindowRateLimiter(storage_from_string(uri, **options))
    return _limiters[uri]


def _mark_down(err):
    uri = current_app.config.get("RATELIMIT_STORAGE_URI", "memory://")
    retry = float(current_app.config.get("SIKIPP_REDIS_RETRY_SECONDS", 30))
    _down_until[uri] = time.monotonic() + retry
    log.warning("login throttle: shared counter storage unreachable (%s: %s); counting in this process for %.0f s",
                type(err).__name__, err, retry)


def _run(operation):
    """``operation(limiter)`` on the shared storage, or on this process's counters when it is unreachable."""
    shared = _shared()
    if shared is not None:
        try:
            return operation(shared)
        except UNREACHABLE as err:
            _mark_down(err)
    return operation(_fallback)


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
    keys = _keys(username, address)

    def hit(limiter):
        for limit, *key in keys:
            limiter.hit(limit, *key)

    _run(hit)


def is_blocked(username, address):
    keys = _keys(username, address)
    return _run(lambda limiter: any(not limiter.test(limit, *key) for limit, *key in keys))


def reset():
    """Forget every counter (tests and the admin CLI); an unreachable storage is skipped."""
    for limiter in (*_limiters.values(), _fallback):
        try:
            limiter.storage.reset()
        except UNREACHABLE:
            pass
    _down_until.clear()


def allow_objection(address):
    """Count one objection attempt from ``address`` (every attempt counts, accepted or not) and say whether it is
    within SIKIPP_OBJECTION_MAX_PER_ADDRESS per SIKIPP_OBJECTION_WINDOW_SECONDS (DESIGN §10: throttled per
    address). Same storage as the login counters (Redis when configured, this process's counters when it is
    unreachable), so every process shares it."""
    cfg = current_app.config
    limit = parse(f"{max(1, int(cfg.get('SIKIPP_OBJECTION_MAX_PER_ADDRESS', 10)))} per "
                  f"{max(1, int(cfg.get('SIKIPP_OBJECTION_WINDOW_SECONDS', 3600)))} seconds")
    return _run(lambda limiter: limiter.hit(limit, "sikipp-objection-addr", address or "-"))
