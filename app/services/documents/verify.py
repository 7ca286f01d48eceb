"""Public verification (DESIGN §4): is this document one we issued, intact and not revoked?

By code (the QR code's ``/verify/<code>``): the stored document's description, state and sha256; the stored
file is re-hashed, so a damaged store is reported, not hidden. By file: the upload's sha256 must be the
sha256 of a document we issued — any change to the file (even a valid-looking incremental update) gives
another hash and is reported invalid, as is a revoked document.
"""
from app.models import Award, Decree, Innovation, IssuedDocument, Unit
from app.services.documents import content, storage
from app.services.documents import indonesian as idn

KIND_LABELS = {"decree": "Keputusan", "certificate": "Piagam Penghargaan"}


def describe(session, doc, config):
    """What the public may see of an issued document (no personal data beyond the signer's office)."""
    decree = session.get(Decree, doc.decree_id)
    reg = content.region(config)
    info = {
        "type": doc.kind,
        "type_label": (f"Keputusan {reg['head_title']}" if doc.kind == "decree" else KIND_LABELS[doc.kind]),
        "code": doc.code,
        "number": doc.number,
        "title": decree.title if decree else None,
        "date": idn.format_date(decree.signed_at, config["SIKIPP_TIMEZONE"]) if decree and decree.signed_at else None,
        "signed_at": decree.signed_at.isoformat() + "Z" if decree and decree.signed_at else None,
        "issued_at": doc.issued_at.isoformat() + "Z" if doc.issued_at else None,
        "signer": config["SIKIPP_SIGNER_NAME"],
        "signer_title": config["SIKIPP_SIGNER_TITLE"].rstrip(","),
        "revoked_at": doc.revoked_at.isoformat() + "Z" if doc.revoked_at else None,
    }
    if doc.kind == "certificate" and doc.award_id:
        award = session.get(Award, doc.award_id)
        innovation = session.get(Innovation, award.innovation_id) if award else None
        unit = session.get(Unit, innovation.unit_id) if innovation else None
        info.update({"award": award.title if award else None, "innovation": innovation.title if innovation else None,
                     "recipient": unit.name if unit else None})
    return info


def _stored_intact(config, doc):
    from app.services.storage import StorageError

    try:
        return storage.stored_sha256(doc.stored_name) == doc.sha256  # hashed as a stream
    except StorageError:
        return False


def by_code(session, code, config):
    """The verdict for ``code``, or None when no document has it (→ 404)."""
    if not code or len(code) > 64:
        return None
    doc = session.query(IssuedDocument).filter(IssuedDocument.code == code).first()
    if doc is None:
        return None
    intact = _stored_intact(config, doc)
    valid = doc.state == "valid" and intact
    reason = "ok" if valid else ("revoked" if doc.state != "valid" else "storage_damaged")
    return {"valid": valid, "document": describe(session, doc, config), "sha256": doc.sha256, "state": doc.state,
            "reason": reason}


def by_file(session, data, config):
    """The verdict for an uploaded file: always a verdict, never an error."""
    digest = storage.sha256(data)
    doc = session.query(IssuedDocument).filter(IssuedDocument.sha256 == digest).order_by(IssuedDocument.id).first()
    if doc is None:
        return {"valid": False, "document": None, "sha256": digest, "state": None,
                "reason": "unknown" if data[:5] == b"%PDF-" else "not_pdf"}
    valid = doc.state == "valid"
    return {"valid": valid, "document": describe(session, doc, config), "sha256": digest, "state": doc.state,
            "reason": "ok" if valid else "revoked"}
