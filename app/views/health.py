"""``GET /healthz`` (DESIGN §4): public, cheap, no personal data. 200 ``{"status": "ok", "checks": {...}}`` when
the database, the storage and the job queue answer; 503 naming the failing checks otherwise. The reason is
logged, never returned (error texts may name hosts or paths)."""
import logging

from flask import Blueprint, jsonify

from app.services import health

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)


def _named(name):
    dependency = health.dependency_of(name)
    return f"{name} ({dependency})" if dependency else name


@bp.route("/healthz", methods=["GET"])
def healthz():
    checks = {}
    for name, check in health.CHECKS.items():
        try:
            check()
            checks[name] = "ok"
        except Exception as err:  # any failure of a dependency is a failed check, never a 500
            log.warning("health check %s failed: %s: %s", name, type(err).__name__, err)
            checks[name] = "unavailable"
    failing = [name for name, state in checks.items() if state != "ok"]
    if not failing:
        return jsonify(status="ok", checks=checks)
    response = jsonify(status="unavailable", checks=checks, failing=failing,
                       message="Unavailable: " + ", ".join(_named(name) for name in failing))
    response.status_code = 503
    response.headers["Retry-After"] = "5"
    return response
