"""Recovery after a crash (issue 13 item 1, DESIGN §6): the sweep run at consumer start, every
``SIKIPP_RECOVERY_MINUTES`` (huey periodic task ``recover``) and by ``flask --app run.py kipp recover``.

Services only (they read and never commit); ``app/commands/certificates.recover`` runs the sweep and owns its
transactions.

1. **Orphan files**: every file under ``attachments/``, ``documents/`` and ``health/`` that no row refers to,
   and every temporary ``.part`` name, once older than the grace period (``SIKIPP_RECOVERY_GRACE_SECONDS``:
   a younger file may belong to a transaction about to commit — files are always stored *before* their row is
   committed). The storage is listed first and the rows read after, so a file whose row committed meanwhile
   is seen as referenced.
2. **Missing certificates**: every signed decree whose manifest lists awards without a certificate gets them
   (``app/commands/certificates.issue_missing``: idempotent, a unique (decree, award) pair per certificate, so concurrent
   sweeps and jobs still end with exactly one valid certificate per award).
"""
import logging
import time

from app.models import Attachment, Decree, IssuedDocument
from app.services.documents import issuing
from app.services.documents import storage as document_storage
from app.services.storage import StorageError, get_storage

log = logging.getLogger(__name__)

SWEPT_PREFIXES = ("attachments/", "documents/", "health/")


def referenced_keys(session):
    keys = {document_storage.key(name) for (name,) in session.query(IssuedDocument.stored_name)}
    keys |= {f"attachments/{name}" for (name,) in session.query(Attachment.stored_name)}
    return keys


def remove_orphans(session, grace_seconds, store=None, now=None):
    """Remove unreferenced files and temporary names older than ``grace_seconds``; returns the removed keys."""
    store = store or get_storage()
    now = time.time() if now is None else now
    listed = [obj for prefix in SWEPT_PREFIXES for obj in store.list(prefix)]
    referenced = referenced_keys(session)
    removed = []
    for obj in listed:
        if obj.age(now) < grace_seconds or (not obj.partial and obj.key in referenced):
            continue
        try:
            store.delete_listed(obj)
        except StorageError:
            log.warning("recovery: could not remove %s", obj.key)
            continue
        removed.append(obj.key)
    if removed:
        log.info("recovery: removed %d orphan file(s): %s", len(removed), ", ".join(removed[:20]))
    return removed


def decrees_missing_certificates(session):
    """Ids of signed decrees whose manifest lists an award without a certificate."""
    found = []
    for decree_id, in session.query(Decree.id).filter(Decree.state == "signed").order_by(Decree.id):
        doc = issuing.decree_document(session, decree_id)
        if doc is None:
            continue
        wanted = set(issuing.certificate_award_ids(session, doc))
        if wanted - issuing.issued_award_ids(session, decree_id):
            found.append(decree_id)
    return found
