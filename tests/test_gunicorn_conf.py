"""gunicorn.conf.py (README, Production): its settings come from the environment, gunicorn accepts every one of
them, and the choices the scale-out relies on hold (preloaded app, loopback by default, ProxyFix as the only
reader of X-Forwarded-*, no shared control socket). tests/test_multihost.py runs it for real."""
import os
import runpy

import pytest
from gunicorn.config import Config

CONF = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "gunicorn.conf.py")
ENV = ("PORT", "SIKIPP_BIND", "WEB_CONCURRENCY", "SIKIPP_THREADS", "SIKIPP_WORKER_TIMEOUT", "SIKIPP_GRACEFUL_TIMEOUT",
       "SIKIPP_KEEPALIVE", "SIKIPP_MAX_REQUESTS", "SIKIPP_CONTROL_SOCKET", "SIKIPP_LOG_LEVEL")


def _load(monkeypatch, **env):
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = runpy.run_path(CONF)
    cfg = Config()
    for name, value in settings.items():
        if name in cfg.settings:
            cfg.set(name, value)  # gunicorn's own validation of each value
    return settings, cfg


def test_defaults_are_safe_for_production(monkeypatch):
    settings, cfg = _load(monkeypatch)
    assert cfg.bind == ["127.0.0.1:8080"]  # loopback: nobody reaches gunicorn around the proxy
    assert 1 <= cfg.workers <= 8 and cfg.worker_class_str == "sync" and cfg.threads == 1
    assert cfg.preload_app is True
    assert cfg.timeout == 60 and cfg.graceful_timeout == 30 and cfg.keepalive == 5
    assert cfg.max_requests == 5000 and cfg.max_requests_jitter == 500
    assert cfg.accesslog is None  # the app's own request log is the access log
    assert cfg.secure_scheme_headers == {} and cfg.forwarded_allow_ips == []  # ProxyFix alone decides
    assert cfg.control_socket_disable is True
    assert cfg.logger_class is settings["AppLogger"]
    assert callable(cfg.on_starting) and callable(cfg.when_ready) and callable(cfg.post_fork)


def test_the_environment_sets_address_workers_threads_and_timeouts(monkeypatch):
    _settings, cfg = _load(monkeypatch, PORT="9123", WEB_CONCURRENCY="3", SIKIPP_THREADS="4",
                           SIKIPP_WORKER_TIMEOUT="120", SIKIPP_MAX_REQUESTS="0", SIKIPP_LOG_LEVEL="WARNING")
    assert cfg.bind == ["127.0.0.1:9123"]
    assert cfg.workers == 3 and cfg.threads == 4 and cfg.worker_class_str == "gthread"
    assert cfg.timeout == 120 and cfg.max_requests == 0 and cfg.loglevel == "warning"
    _settings, cfg = _load(monkeypatch, PORT="9123", SIKIPP_BIND="0.0.0.0:8000, unix:/run/sikipp.sock",
                           SIKIPP_CONTROL_SOCKET="/run/sikipp/gunicorn.ctl")
    assert cfg.bind == ["0.0.0.0:8000", "unix:/run/sikipp.sock"]
    assert cfg.control_socket_disable is False and cfg.control_socket == "/run/sikipp/gunicorn.ctl"


def test_a_bad_number_stops_the_start(monkeypatch):
    with pytest.raises(ValueError):
        _load(monkeypatch, WEB_CONCURRENCY="four")
