"""WSGI entry points of the benchmark suite's servers (gunicorn app factories; settings from the environment).

    gunicorn 'bench.serve:sikipp()'     # SIKIPP as ``run:app`` builds it, plus the SQL statement counter
    gunicorn 'bench.serve:bare()'       # the bare FAB baseline (bench/baseline_fab.py), plus the counter

The counter is a WSGI middleware around the app: it counts every statement sent to any of the app's engines
(SQLAlchemy ``before_cursor_execute``) from the moment a request enters until its response has been sent
(``close`` of the response iterable, so statements of teardown and streamed bodies count too), and answers
``GET /__bench/last`` with the count of the previous request of this worker process. The suite reads it with
one sync worker and one client, so "previous" is unambiguous. Nothing else of the app changes.
"""
import json
import os

from sqlalchemy import event
from werkzeug.wsgi import ClosingIterator

LAST_PATH = "/__bench/last"


class StatementCounter:
    def __init__(self, wsgi_app, engines):
        self.wsgi_app = wsgi_app
        self.current = 0
        self.last = 0
        for engine in engines:
            event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *_args):
        self.current += 1

    def _done(self):
        self.last = self.current

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == LAST_PATH:
            body = json.dumps({"statements": self.last}).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        self.current = 0
        return ClosingIterator(self.wsgi_app(environ, start_response), [self._done])


def _engines(app):
    with app.app_context():
        return list(app.extensions["sqlalchemy"].engines.values())


def sikipp():
    """SIKIPP from the environment (``DATABASE_URL``, ``SECRET_KEY``, …), exactly like ``run:app``."""
    from app import create_app

    app = create_app()
    app.wsgi_app = StatementCounter(app.wsgi_app, _engines(app))
    return app


def bare():
    """The bare FAB app on ``BENCH_DATABASE_URL`` (security tables in ``BENCH_SECURITY_URL``)."""
    from bench.baseline_fab import create_app

    app = create_app(os.environ["BENCH_DATABASE_URL"], os.environ["BENCH_SECURITY_URL"])
    app.wsgi_app = StatementCounter(app.wsgi_app, _engines(app))
    return app
