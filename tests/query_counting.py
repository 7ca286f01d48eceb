"""Counting the SQL statements a request runs (SQLAlchemy ``before_cursor_execute`` events): the deterministic
proof that a page's cost does not grow with the page size or the table (issue 14)."""
import contextlib

from sqlalchemy import event


@contextlib.contextmanager
def statements(engine):
    """Collect the SQL text of every statement ``engine`` executes inside the block (savepoints and
    transaction control aside, as the database sees them)."""
    seen = []

    def record(_conn, _cursor, statement, _params, _context, _many):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def count_get(app, client, url, **kw):
    """(response, [statements]) of one GET."""
    from app.extensions import db

    with app.app_context():
        engine = db.engine
    with statements(engine) as seen:
        response = client.get(url, **kw)
    return response, list(seen)
