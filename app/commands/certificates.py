"""Issuing a signed decree's certificates, and the recovery sweep (DESIGN §5, §6; issues 6 and 13).

This is a long-running use case (a job, the CLI, the recovery sweep), not a request: it owns several short
transactions instead of one, so that no lock is held while PDFs are rendered and signed and each batch is
durable on its own. The pieces are services (``app/services/documents/issuing.py``: read, prepare, record —
none of them commits); the transactions are begun and ended here:

1. read the batch's data, end the read transaction (rollback);
2. render, sign, write and fsync the files (no transaction);
3. insert the rows and re-check the decree under lock, then commit — or, if the decree is no longer signed or
   anything fails, roll back and remove the files. A duplicate (another worker issued one meanwhile) retries
   the batch row by row and discards the duplicates' files.

Idempotent and safe in parallel: the unique (decree, award) pair lets exactly one certificate per award commit.
"""
from __future__ import annotations

import logging
import time
from typing import Any, Callable, Optional

from sqlalchemy.exc import IntegrityError

from app.services import faults, recovery
from app.services.documents import issuing

log = logging.getLogger(__name__)


def issue_batch(session, decree_id: int, award_ids, config) -> Optional[list]:
    """Issue the certificates of ``award_ids`` (a few) in one transaction; returns the new documents, or None
    when the decree is not signed (any more)."""
    try:
        read = issuing.read_batch(session, decree_id, award_ids, config)
    finally:
        session.rollback()  # end the read transaction before the slow part
    if read is None:
        return None
    number, signed_at, items, identity = read
    prepared = issuing.prepare_batch(config, decree_id, number, signed_at, items, identity=identity)
    if not prepared:
        return []
    try:
        return _record(session, decree_id, prepared)
    except IntegrityError:  # another worker issued one of them first: record the others one by one
        session.rollback()
    docs: list = []
    for row in prepared:
        try:
            docs += _record(session, decree_id, [row])
        except IntegrityError:
            session.rollback()
            issuing.discard_rows([row])
    return docs


def _record(session, decree_id: int, rows: list) -> list:
    """Insert the rows and commit, if the decree is still signed (else nothing is issued, the files go)."""
    try:
        docs = issuing.record_rows(session, decree_id, rows)
        if docs is None:
            session.rollback()
            issuing.discard_rows(rows)
            return []
        session.commit()
    except IntegrityError:
        raise  # the caller decides (the files stay until then)
    except BaseException:
        session.rollback()
        issuing.discard_rows(rows)
        raise
    return docs


def issue_certificates(session, decree_id: int, award_ids, config,
                       progress_callback: Optional[Callable[[int], Any]] = None) -> int:
    """Issue the certificates of ``award_ids`` in batches (``issuing.CERTIFICATE_BATCH_*``); stops when the
    decree is no longer signed. Returns how many were issued here; ``progress_callback(count)`` after each
    batch."""
    count, start, size = 0, 0, issuing.CERTIFICATE_BATCH_FIRST
    award_ids = list(award_ids)
    while start < len(award_ids):
        docs = issue_batch(session, decree_id, award_ids[start:start + size], config)
        if docs is None:
            break
        count += len(docs)
        start += size
        size = min(size * 2, issuing.CERTIFICATE_BATCH_MAX)
        if progress_callback:
            progress_callback(count)
        if start < len(award_ids):  # a batch is committed and more are to come: the multi-host test kills here
            faults.pause_point("certificates-batch-committed")
    return count


def issue_missing(session, decree_id: int, config, progress_callback=None) -> dict:
    """Issue every certificate of a signed decree that is still missing. Idempotent; safe to rerun and to run
    in several workers at once. Returns the final progress."""
    try:
        plan = issuing.wanted_and_done(session, decree_id)
    finally:
        session.rollback()
    if plan is None:
        return _progress(session, decree_id)
    wanted, done = plan
    if progress_callback:
        progress_callback(len(done & set(wanted)), len(wanted))

    def advance(_issued_here):
        if progress_callback:  # counted in the database: other workers may be issuing the same decree
            try:
                issued = len(issuing.issued_award_ids(session, decree_id) & set(wanted))
            finally:
                session.rollback()
            progress_callback(issued, len(wanted))

    issue_certificates(session, decree_id, [a for a in wanted if a not in done], config, progress_callback=advance)
    return _progress(session, decree_id)


def _progress(session, decree_id: int) -> dict:
    try:
        return issuing.progress(session, decree_id)
    finally:
        session.rollback()


def recover(session, config, grace_seconds: Optional[int] = None, certificates: bool = True) -> dict:
    """The recovery sweep (``app/services/recovery.py``): remove orphan files older than the grace period,
    then complete every signed decree's missing certificates. Returns a report."""
    grace = config["SIKIPP_RECOVERY_GRACE_SECONDS"] if grace_seconds is None else grace_seconds
    started = time.monotonic()
    try:
        removed = recovery.remove_orphans(session, grace)
    finally:
        session.rollback()
    issued = {}
    if certificates:
        try:
            decree_ids = recovery.decrees_missing_certificates(session)
        finally:
            session.rollback()
        for decree_id in decree_ids:
            log.info("recovery: issuing the missing certificates of decree %s", decree_id)
            issued[decree_id] = issue_missing(session, decree_id, config)
    report = {"removed": removed, "decrees": issued, "seconds": round(time.monotonic() - started, 3)}
    log.info("recovery sweep: %d file(s) removed, %d decree(s) completed in %.1f s", len(removed), len(issued),
             report["seconds"])
    return report
