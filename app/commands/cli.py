"""`flask --app run.py kipp …` commands. Thin: parse options, call services."""
import click
from flask import current_app
from flask.cli import with_appcontext


@click.group(help="SIKIPP commands.")
def kipp():
    pass


@kipp.command("init", help="Apply migrations and ensure roles and permissions exist.")
@with_appcontext
def init_command():
    from flask_migrate import upgrade

    from app import sync_security

    upgrade()
    sync_security(current_app.appbuilder)
    click.echo("Schema up to date; roles and permissions synchronised.")


@kipp.command("add-user", help="Create a user with a role (and the unit of an OPD or Juri).")
@click.option("--username", required=True)
@click.option("--password", required=True)
@click.option("--role", required=True, help="Admin, Sekretariat, OPD, Juri or Penandatangan")
@click.option("--unit", "unit_code", default=None, help="Unit code (required for OPD)")
@click.option("--name", default=None)
@click.option("--email", default=None)
@with_appcontext
def add_user_command(username, password, role, unit_code, name, email):
    from app.extensions import db
    from app.services import users
    from app.services.errors import DomainError

    try:
        user = users.add_user(db.session, username=username, password=password, role=role, unit_code=unit_code,
                              name=name, email=email)
    except DomainError as err:
        db.session.rollback()
        raise click.ClickException(err.message) from None
    click.echo(f"User {user.username} ({role}) created.")
