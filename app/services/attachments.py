"""PDF attachments of a proposal: checked by content, stored under generated names, hashed.

A file is accepted only if it starts with the PDF magic bytes AND parses as a PDF with at least one
page (pypdf, strict), carries no JavaScript or launch actions, is not empty and fits the competition's
size cap. The client's file name is kept only for display; it is never used as a path.
"""
import hashlib
import io
import logging
import re
import uuid

from flask_babel import gettext as _
from pypdf import PdfReader

from app.models import Attachment
from app.services import pdf_safety, text_rules
from app.services.errors import Invalid
from app.services.storage import StorageError, get_storage

log = logging.getLogger(__name__)

_NAME_OK = re.compile(r"^[^/\\\x00-\x1f]{1,200}$")


PREFIX = "attachments/"


def key_of(stored_name):
    return PREFIX + stored_name


def path_of(attachment):
    """The local path of an attachment's file (local storage only; for tests and operators, never for
    reading in the app: use :func:`open_stream`)."""
    return get_storage().local_path(key_of(attachment.stored_name))


def open_stream(attachment):
    """A readable stream of the attachment's bytes (StorageReadError → 503 when the store fails)."""
    return get_storage().open(key_of(attachment.stored_name))


def check_name(filename):
    name = (filename or "").strip()
    if not name or not _NAME_OK.match(name) or ".." in name:
        raise Invalid(_("The file name is not allowed: use a plain name without folders, such as sk-tim.pdf."),
                      field="file")
    if text_rules.has_bidi_control(name):
        raise Invalid(_("The file name must not contain invisible text-direction characters (such as U+202E): "
                        "they can disguise the file's real type."), field="file")
    return name


def check_pdf(data, max_bytes):
    if not data:
        raise Invalid(_("The file is empty."), field="file")
    if len(data) > max_bytes:
        raise Invalid(_("The file is larger than the limit of %(mb)s MB.", mb=max_bytes // (1024 * 1024)),
                      field="file")
    if not data.startswith(b"%PDF-"):
        raise Invalid(_("Only PDF files are accepted (the content is not a PDF)."), field="file")
    try:
        reader = PdfReader(io.BytesIO(data), strict=True)
        if len(reader.pages) < 1:
            raise ValueError("no pages")
        finding = pdf_safety.active_content(reader)  # the object graph, object streams and escaped names included
    except Exception as err:
        log.info("attachment refused: unreadable PDF (%s: %s)", type(err).__name__, err)
        raise Invalid(_("The PDF file is damaged, protected by a password or cannot be read."), field="file") from None
    if finding:
        kind, detail = finding
        log.info("attachment refused: active content in the PDF (%s: %s)", kind, detail)
        raise Invalid(_("PDF files with active content (scripts, automatic actions, forms that send data, embedded "
                        "files, multimedia or XFA forms) are not accepted; this file contains %(what)s. Save or "
                        "print the document again as a plain PDF.", what=pdf_safety.KINDS[kind]), field="file")


def max_bytes(innovation, kind=None):
    """The size cap of one attachment of ``kind``, in bytes: the kind's cap, else the competition's."""
    from app.services import evidence

    return int(evidence.cap_mb(innovation.competition, kind) * 1024 * 1024)


def write_file(data):
    """Store ``data`` durably under a new generated name (atomic: ``.part`` then rename; a failing store
    raises StorageWriteError → 507 and leaves nothing). Returns the stored name. The caller commits the row
    afterwards, and removes the file with :func:`discard_file` if that fails (no commit here: the command
    owns the transaction)."""
    stored_name = f"{uuid.uuid4().hex}.pdf"
    get_storage().put(key_of(stored_name), data)
    return stored_name


def discard_file(stored_name):
    """Remove a stored file if present (a failing store leaves it to the recovery sweep)."""
    try:
        get_storage().delete(key_of(stored_name))
    except StorageError:
        log.warning("could not remove attachment %s; the recovery sweep will", stored_name)


def new_attachment(innovation, user, name, stored_name, data, kind=None):
    """The attachment row of a stored file (not added to any session)."""
    return Attachment(innovation_id=innovation.id, original_name=name, stored_name=stored_name,
                      size_bytes=len(data), sha256=hashlib.sha256(data).hexdigest(),
                      uploaded_by_id=getattr(user, "id", None), kind=kind)


def not_this_innovation_message():
    return _("The attachment does not belong to this innovation.")


def as_dict(attachment):
    return {"id": attachment.id, "innovation_id": attachment.innovation_id, "original_name": attachment.original_name,
            "size_bytes": attachment.size_bytes, "sha256": attachment.sha256, "kind": attachment.kind,
            "uploaded_on": attachment.uploaded_on.isoformat() + "Z" if attachment.uploaded_on else None}
