"""Entry point.

- ``python run.py [--host H] [--port P]``: local server on 127.0.0.1:8080 (``PORT`` overrides the default
  port, ``--port`` overrides both). With the embedded SQLite default database it first applies the
  migrations and synchronises roles and permissions, so a fresh checkout starts with one command.
- ``gunicorn run:app``: production (``SECRET_KEY`` and ``DATABASE_URL`` set).
- ``flask --app run.py …``: the CLI (``db upgrade``, ``fab create-admin``, ``kipp …``).

Rule for the development SECRET_KEY (create_app refuses it unless debug, testing or ``SIKIPP_DEV=1``):
when ``SECRET_KEY`` is not set, this module sets ``SIKIPP_DEV=1`` only for
  1. ``python run.py`` (local embedded mode, a warning is printed), and
  2. ``flask`` CLI commands other than ``flask run``: commands sign no session cookie, so the key is unused.
Everything that serves requests otherwise (``gunicorn run:app``, ``flask run``, any other import) still
needs a real ``SECRET_KEY`` (or an explicit ``FLASK_DEBUG=1`` / ``SIKIPP_DEV=1`` from the operator).
"""
import argparse
import os
import sys

import click

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080


def _flask_cli_command():
    """The name of the ``flask`` CLI command being run (None outside the flask CLI)."""
    if os.environ.get("FLASK_RUN_FROM_CLI") != "true":
        return None
    ctx = click.get_current_context(silent=True)
    return ctx.command.name if ctx is not None and ctx.command is not None else ""


def _allow_dev_key(local_server):
    if os.environ.get("SECRET_KEY"):
        return False
    if local_server:
        return True
    command = _flask_cli_command()
    return command is not None and command != "run"


def _embedded_database():
    return not os.environ.get("DATABASE_URL")


def _migrate_if_needed(application):
    """Bring an embedded SQLite database to the latest migration, then seed roles and permissions."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from flask_migrate import upgrade

    from app import ROOT, sync_security
    from app.extensions import db

    with application.app_context():
        heads = set(ScriptDirectory(os.path.join(ROOT, "migrations")).get_heads())
        with db.engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
        if current != heads:
            print(f" * Applying database migrations ({', '.join(sorted(current)) or 'empty database'} "
                  f"-> {', '.join(sorted(heads))})", flush=True)
            upgrade()
            db.session.remove()
            sync_security(application.appbuilder)
        return current != heads


def parse_args(argv=None):
    try:
        env_port = int(os.environ.get("PORT", DEFAULT_PORT))
    except ValueError:
        sys.exit(f"PORT must be a number, not {os.environ.get('PORT')!r}")
    parser = argparse.ArgumentParser(description="Serve SIKIPP locally (production: gunicorn run:app).")
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST})")
    parser.add_argument("--port", type=int, default=env_port,
                        help=f"port to listen on (default: $PORT or {DEFAULT_PORT})")
    return parser.parse_args(argv)


def served_base_url(host, port):
    """The base URL of documents' links (QR codes, /verify) when ``SIKIPP_BASE_URL`` is not set: the address
    and port this process actually serves (DESIGN §6). Derived from what we bind, never from a request's Host
    header (a client could send any). A wildcard address is reached locally as 127.0.0.1; a server reached
    under another name sets SIKIPP_BASE_URL."""
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


def build_app(args, config=None):
    """The app ``python run.py`` serves: with the served port in document links unless SIKIPP_BASE_URL is set
    (``config``: further settings, e.g. a test's database)."""
    from app import create_app

    overrides = dict(config or {})
    if not os.environ.get("SIKIPP_BASE_URL"):
        overrides["SIKIPP_BASE_URL"] = served_base_url(args.host, args.port)
    return create_app(overrides or None)


def main(argv=None):
    from werkzeug.serving import run_simple

    args = parse_args(argv)
    if _allow_dev_key(local_server=True):
        os.environ["SIKIPP_DEV"] = "1"
        print(" * WARNING: SECRET_KEY is not set: using the development key (local mode). "
              "This server is NOT for production: use gunicorn run:app with SECRET_KEY and DATABASE_URL.",
              file=sys.stderr, flush=True)
    application = build_app(args)
    if _embedded_database():
        _migrate_if_needed(application)
    if not os.environ.get("REDIS_URL"):  # embedded job queue (SQLite): its consumer runs in this process
        from app.jobs import start_embedded_consumer

        start_embedded_consumer(application)
    print(f" * SIKIPP on http://{args.host}:{args.port}/", flush=True)
    run_simple(args.host, args.port, application, threaded=True, use_reloader=False, use_debugger=False)


if __name__ == "__main__":
    main()
else:
    if _allow_dev_key(local_server=False):
        os.environ["SIKIPP_DEV"] = "1"
    from app import create_app

    app = create_app()
