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
@click.option("--role", required=True, help="Admin, Sekretariat, OPD, Juri, Penandatangan or Hukum")
@click.option("--unit", "unit_code", default=None, help="Unit code (required for OPD)")
@click.option("--name", default=None)
@click.option("--email", default=None)
@with_appcontext
def add_user_command(username, password, role, unit_code, name, email):
    from app.commands.users import CreateUser
    from app.extensions import db
    from app.services.errors import DomainError

    try:
        user = CreateUser(None, username=username, password=password, role=role, unit_code=unit_code, name=name,
                          email=email, session=db.session).run()
    except DomainError as err:
        db.session.rollback()
        raise click.ClickException(err.message) from None
    click.echo(f"User {user.username} ({role}) created.")


@kipp.command("issue-certificates", help="Issue the missing certificates of a competition's signed decree(s), "
                                         "with a progress bar. Safe to rerun: only what is missing is issued.")
@click.option("--competition", "competition_id", type=int, required=True, help="Competition id.")
@click.option("--queue", is_flag=True, help="Hand the work to the job queue (huey) and follow its progress.")
@click.option("--timeout", type=int, default=3600, show_default=True, help="With --queue: seconds to wait.")
@with_appcontext
def issue_certificates_command(competition_id, queue, timeout):
    import time

    from app import jobs
    from app.extensions import db
    from app.models import Decree
    from app.services.documents import issuing
    from app.services.errors import DomainError

    decree_ids = [d for (d,) in db.session.query(Decree.id).filter(Decree.competition_id == competition_id,
                                                                    Decree.state == "signed").order_by(Decree.id)]
    db.session.rollback()
    if not decree_ids:
        raise click.ClickException(f"Competition {competition_id} has no signed decree.")
    for decree_id in decree_ids:
        state = issuing.progress(db.session, decree_id)
        db.session.rollback()
        with click.progressbar(length=max(state["total"], 1), label=f"Decree {decree_id} certificates",
                               show_pos=True) as bar:
            shown = [0]

            def advance(done, total, bar=bar, shown=shown):
                bar.update(max(done - shown[0], 0))
                shown[0] = max(done, shown[0])

            advance(state["issued"], state["total"])
            if queue:
                jobs.issue_certificates_task(decree_id)
                deadline = time.monotonic() + timeout
                while True:
                    state = issuing.progress(db.session, decree_id)
                    db.session.rollback()
                    advance(state["issued"], state["total"])
                    if state["done"] or state["state"] != "signed" or time.monotonic() > deadline:
                        break
                    time.sleep(1)
            else:
                try:
                    state = jobs.run_issue_certificates(decree_id, progress_callback=advance)
                except DomainError as err:  # e.g. the storage is full: a message, not a traceback
                    raise click.ClickException(err.message) from None
        click.echo(f"Decree {decree_id}: {state['issued']}/{state['total']} certificates issued"
                   + ("" if state["done"] else " (incomplete: rerun to complete)") + ".")


def _require_schema():
    from app import schema_ready

    if not schema_ready():
        raise click.ClickException("The database schema is missing: run `flask --app run.py db upgrade` first.")


def _table(headers, rows):
    widths = [max(len(str(v)) for v in column) for column in zip(headers, *rows)]
    line = "+-" + "-+-".join("-" * w for w in widths) + "-+"
    out = [line, "| " + " | ".join(str(h).ljust(w) for h, w in zip(headers, widths)) + " |", line]
    out += ["| " + " | ".join(str(v).ljust(w) for v, w in zip(row, widths)) + " |" for row in rows]
    out.append(line)
    return "\n".join(out)


@kipp.command("workflow-mermaid", help="Print a lifecycle (innovation, decree) as a Mermaid state diagram.")
@click.argument("name")
@click.option("--locale", default="id", show_default=True, help="Language of the labels (id or en).")
@click.option("--current", default=None, help="A state to highlight.")
@with_appcontext
def workflow_mermaid_command(name, locale, current):
    from flask_babel import force_locale

    from app.lifecycles import ALL_WORKFLOWS

    workflows = {wf.name: wf for wf in ALL_WORKFLOWS}
    if name not in workflows:
        raise click.ClickException(f"Unknown workflow {name!r}; known: {', '.join(sorted(workflows))}")
    wf = workflows[name]
    if current is not None and current not in wf.states:
        raise click.ClickException(f"Unknown state {current!r}; states: {', '.join(wf.states)}")
    with current_app.test_request_context(), force_locale(locale):
        click.echo(wf.mermaid(current=current), nl=False)


@kipp.command("demo", help="Load a realistic Sidoarjo demo competition (idempotent: a second run adds nothing).")
@click.option("--password", default=None,
              help="Password of the demo accounts it creates (default: Sidoarjo#2026). Never use demo data in "
                   "production.")
@with_appcontext
def demo_command(password):
    from app.cli import demo
    from app.extensions import db
    from app.services.errors import DomainError

    _require_schema()
    try:
        report = demo.load_demo(db.session, password=password or demo.DEMO_PASSWORD)
    except DomainError as err:
        db.session.rollback()
        raise click.ClickException(err.message) from None
    click.echo(f"{report.competition_name} (id {report.competition_id})"
               + (" created." if report.competition_created else " already present."))
    click.echo(f"Units: {report.units_created} created, {report.units_total} demo units in total.")
    click.echo(f"Previous year's competition: id {report.previous_competition_id}; entries created: "
               f"{report.previous_entries_created}")
    click.echo(f"Proposals created: {report.innovations_created}; by state: "
               + ", ".join(f"{s} {report.states.get(s, 0)}" for s in
                           ("draft", "submitted", "verified", "scored", "awarded", "rejected", "withdrawn")))
    click.echo(f"Nominations upward created: {report.nominations_created}.")  # issue 12 item 8
    click.echo(f"Time: {report.seconds:.1f} s")
    rows = [(a.username, a.role, a.unit_code or "-", report.password if a.created else "(existing account: unchanged)")
            for a in report.accounts]
    click.echo(_table(("username", "role", "unit", "password"), rows))
    click.echo("Demo data only: the proposal texts, figures and people are invented. Do not load it in production.")


@kipp.command("synth", help="Bulk-insert national-scale synthetic data for benchmarks.")
@click.option("--innovations", "count", type=click.IntRange(min=1), required=True, help="Number of innovations.")
@click.option("--units", type=click.IntRange(min=1), default=None, help="Synthetic units (default: innovations/8).")
@click.option("--jurors", type=click.IntRange(min=1), default=None, help="Synthetic jurors (default: innovations/100).")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option("--batch-size", type=click.IntRange(min=100), default=5000, show_default=True)
@with_appcontext
def synth_command(count, units, jurors, seed, batch_size):
    from app.cli import synth
    from app.extensions import db

    _require_schema()
    report = synth.synthesize(db.session, count, units=units, jurors=jurors, seed=seed, batch_size=batch_size,
                              progress=lambda done: click.echo(f"  {done}/{count} innovations", err=True))
    click.echo(f"Competition: {report.competition_name} (id {report.competition_id})")
    click.echo(f"Innovations: {report.innovations} in {report.seconds:.1f} s "
               f"({report.innovations / max(report.seconds, 1e-9):,.0f}/s); by state: "
               + ", ".join(f"{s} {n}" for s, n in sorted(report.states.items())))
    click.echo(f"Units: {report.units_created} created ({report.units_used} used); jurors: {report.jurors_created} "
               f"created ({report.jurors_used} used)")
    click.echo(f"Assignments: {report.assignments}; final score sheets: {report.sheets}; scores: {report.scores}; "
               f"awards: {report.awards}")


@kipp.command("recover", help="Recovery sweep: remove orphan files a crash left (older than the grace period) "
                              "and issue the missing certificates of every signed decree. Idempotent.")
@click.option("--grace", "grace_seconds", type=click.IntRange(min=0), default=None,
              help="Only files older than this many seconds (default: SIKIPP_RECOVERY_GRACE_SECONDS).")
@click.option("--no-certificates", is_flag=True, help="Only remove orphan files.")
@with_appcontext
def recover_command(grace_seconds, no_certificates):
    from app.commands import certificates
    from app.extensions import db
    from app.services.errors import DomainError

    _require_schema()
    try:
        report = certificates.recover(db.session, current_app.config, grace_seconds=grace_seconds,
                                      certificates=not no_certificates)
    except DomainError as err:  # e.g. the storage is unreadable: a message, not a traceback
        raise click.ClickException(err.message) from None
    click.echo(f"Orphan files removed: {len(report['removed'])}")
    for key in report["removed"]:
        click.echo(f"  {key}")
    for decree_id, state in report["decrees"].items():
        click.echo(f"Decree {decree_id}: {state['issued']}/{state['total']} certificates issued.")
    click.echo(f"Time: {report['seconds']:.1f} s")


@kipp.command("remind-sustainability", help="Notify each unit whose awarded innovations lack the year's "
                                           "sustainability status (at most once a day per unit).")
@click.option("--year", type=click.IntRange(2000, 2100), default=None, help="Default: this year.")
@with_appcontext
def remind_sustainability_command(year):
    from app.commands.registry import RemindSustainability
    from app.services.errors import DomainError

    _require_schema()
    try:
        sent = RemindSustainability(None, year).run()
    except DomainError as err:
        raise click.ClickException(err.message) from None
    click.echo(f"Units reminded: {len(sent)}; innovations awaiting a status: {sum(sent.values())}")


@kipp.command("backup", help="Write one archive with the database and every stored file (and a manifest of "
                             "sha256s) to PATH.")
@click.argument("path", type=click.Path(dir_okay=False))
@with_appcontext
def backup_command(path):
    from app.extensions import db
    from app.services import backup

    try:
        manifest = backup.create_backup(path, db.engine)
    except backup.BackupError as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"Backup written: {path} ({manifest['bytes']:,} bytes, {manifest['database']['dialect']} database, "
               f"{len(manifest['files'])} files) in {manifest['seconds']:.1f} s.")


@kipp.group("storage", help="The file storage (local directory or S3-compatible object store).")
def storage_group():
    pass


@storage_group.command("migrate", help="Copy every local file (SIKIPP_STORAGE_DIR) to the storage SIKIPP_STORAGE_URL "
                                       "names (s3://bucket/prefix), verifying each copy's sha256. Safe to rerun: "
                                       "files already there with the same sha256 are skipped.")
@click.option("--from", "source_dir", type=click.Path(file_okay=False), default=None,
              help="The local storage directory to copy from (default: SIKIPP_STORAGE_DIR).")
@click.option("--verbose", "-v", is_flag=True, help="One line per file.")
@with_appcontext
def storage_migrate_command(source_dir, verbose):
    from app.commands.storage import migrate_local_files
    from app.extensions import db
    from app.services.errors import DomainError
    from app.services.storage import get_storage

    _require_schema()
    target = get_storage()
    click.echo(f"Migrating files to {target.description} ...")
    progress = (lambda key, outcome: click.echo(f"  {outcome:8} {key}")) if verbose else None
    try:
        report = migrate_local_files(db.session, current_app.config, source_dir=source_dir, target=target,
                                     progress=progress)
    except DomainError as err:
        raise click.ClickException(err.message) from None
    click.echo(f"Files: {report.total}; copied: {len(report.copied)} ({report.bytes_copied:,} bytes); "
               f"already there (same sha256): {len(report.skipped)}; different in the target: "
               f"{len(report.conflicts)}; failed: {len(report.failed)}; in {report.seconds:.1f} s.")
    for key in report.conflicts:
        click.echo(f"  different in the target (left alone): {key}", err=True)
    for key, reason in report.failed:
        click.echo(f"  failed: {key}: {reason}", err=True)
    if not report.ok:
        raise click.ClickException("Not every file was migrated; fix the cause and run the command again.")
    click.echo("Every file is in the target with the same sha256.")


@kipp.command("restore", help="Restore an archive made by `kipp backup` into an EMPTY database and storage "
                              "(refused otherwise).")
@click.argument("path", type=click.Path(dir_okay=False))
@with_appcontext
def restore_command(path):
    from app.extensions import db
    from app.services import backup

    db.session.remove()
    try:
        manifest = backup.restore_backup(path, db.engine)
    except backup.BackupError as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"Restored {path}: {manifest['database']['dialect']} database (revision "
               f"{manifest['database']['alembic_revision']}), {len(manifest['files'])} files, in "
               f"{manifest['seconds']:.1f} s.")
