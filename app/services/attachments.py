"""PDF attachments of a proposal: checked by content, stored under generated names, hashed.

A file is accepted only if it starts with the PDF magic bytes AND parses as a PDF with at least one
page (pypdf, strict), carries no JavaScript or launch actions, is not empty and fits the competition's
size cap. The client's file name is kept only for display; it is never used as a path.
"""
import hashlib
import io
import logging
import os
import re
import uuid

from flask import current_app
from flask_babel import gettext as _
from pypdf import PdfReader

from app.models import Attachment
from app.services import pdf_safety, text_rules
from app.services.errors import Invalid

log = logging.getLogger(__name__)

_NAME_OK = re.compile(r"^[^/\\\x00-\x1f]{1,200}$")


def storage_dir():
    path = os.path.join(current_app.config["SIKIPP_STORAGE_DIR"], "attachments")
    os.makedirs(path, exist_ok=True)
    return path


def path_of(attachment):
    return os.path.join(storage_dir(), attachment.stored_name)


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


def max_bytes(innovation):
    """The competition's size cap of one attachment, in bytes."""
    competition = innovation.competition
    return (competition.max_attachment_mb if competition is not None else 5) * 1024 * 1024


def write_file(data):
    """Write ``data`` durably under a new generated name (temporary file, fsync, atomic rename).
    Returns (stored name, path). The caller commits the row afterwards, and removes the file with
    :func:`discard_file` if that fails (no commit here: the command owns the transaction)."""
    stored_name = f"{uuid.uuid4().hex}.pdf"
    final_path = os.path.join(storage_dir(), stored_name)
    tmp_path = final_path + ".part"
    try:
        with open(tmp_path, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp_path, final_path)
    except BaseException:
        discard_file(tmp_path)
        raise
    return stored_name, final_path


def discard_file(path):
    """Remove a stored file (and its temporary part) if present."""
    for candidate in (path, path + ".part"):
        try:
            os.remove(candidate)
        except FileNotFoundError:
            pass
        except OSError:  # pragma: no cover - a file system problem: log, never hide the real error
            log.exception("could not remove %s", candidate)


def new_attachment(innovation, user, name, stored_name, data):
    """The attachment row of a stored file (not added to any session)."""
    return Attachment(innovation_id=innovation.id, original_name=name, stored_name=stored_name,
                      size_bytes=len(data), sha256=hashlib.sha256(data).hexdigest(),
                      uploaded_by_id=getattr(user, "id", None))


def not_this_innovation_message():
    return _("The attachment does not belong to this innovation.")


def as_dict(attachment):
    return {"id": attachment.id, "innovation_id": attachment.innovation_id, "original_name": attachment.original_name,
            "size_bytes": attachment.size_bytes, "sha256": attachment.sha256,
            "uploaded_on": attachment.uploaded_on.isoformat() + "Z" if attachment.uploaded_on else None}
