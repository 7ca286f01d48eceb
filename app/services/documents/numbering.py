"""The decree number register: sequential per year, unique, without gaps.

The number is taken inside the ``sign`` transaction, so a failed signing gives its number back (the
transaction rolls back) and a committed one keeps it forever (a signed or revoked decree is never deleted,
revocation keeps the number). ``seq`` is one more than the numbers already given in that year, counted
in the database, so nothing lives in process memory. Concurrent signings are serialised:

- PostgreSQL: a transaction-scoped advisory lock on the register (``pg_advisory_xact_lock``); the count is
  read after the lock is held, so it sees the other signer's committed number (READ COMMITTED);
- SQLite: the ``sign`` transition has already written its claim on the decree row, so the connection holds
  the database's single write lock until commit.

The unique constraint on ``decree.number`` stays as the last guard.
"""
import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, text

REGISTER_LOCK_KEY = 4381188  # an arbitrary constant naming "the decree number register"
DEFAULT_PATTERN = "188/{seq}/438.1.1.3/{year}"


def year_bounds_utc(year, timezone):
    """[start, end) of ``year`` in ``timezone`` as naive UTC datetimes (stored times are naive UTC)."""
    zone = ZoneInfo(timezone)

    def utc(y):
        return (datetime.datetime(y, 1, 1, tzinfo=zone).astimezone(datetime.timezone.utc).replace(tzinfo=None))

    return utc(year), utc(year + 1)


def lock_register(session):
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": REGISTER_LOCK_KEY})


def format_number(pattern, seq, year):
    try:
        return pattern.format(seq=seq, year=year)
    except (KeyError, IndexError, ValueError) as err:
        raise ValueError(f"SIKIPP_DECREE_NUMBER_PATTERN {pattern!r} is not usable: {err}") from None


def next_number(session, pattern, now, timezone="Asia/Jakarta"):
    """(number, seq, year) of the next decree signed at ``now`` (naive UTC), in the caller's transaction."""
    from app.models import Decree

    local = now.replace(tzinfo=datetime.timezone.utc).astimezone(ZoneInfo(timezone))
    year = local.year
    start, end = year_bounds_utc(year, timezone)
    lock_register(session)
    given = (session.query(func.count(Decree.id))
             .filter(Decree.number.isnot(None), Decree.signed_at >= start, Decree.signed_at < end)
             .scalar())
    seq = given + 1
    number = format_number(pattern, seq, year)
    # A pattern without {year} repeats numbers across years: skip forward rather than fail the signing.
    while session.query(Decree.id).filter(Decree.number == number).first() is not None:
        seq += 1
        number = format_number(pattern, seq, year)
    return number, seq, year
