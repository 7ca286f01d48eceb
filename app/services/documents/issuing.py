"""Issuing signed documents.

- :func:`sign_decree` runs inside the decree's ``sign`` transition (after the number is taken): it renders
  the final decree, signs it and records the :class:`IssuedDocument` in the same transaction, with the list
  of awards and unit awards it fixes (``note``: the manifest, so later awards never join a signed decree).
- :func:`issue_missing` issues the certificates of a signed decree, one transaction per certificate and
  never while holding a lock during rendering or signing: the data is read, the read transaction ends, the
  PDF is made and written to a new file, then its row is inserted — a unique (decree, award) pair — and the
  decree is re-read under lock to check it is still signed. A crash at any point leaves either a complete
  certificate or nothing (at most an unreferenced file, cleaned up later); a rerun issues only what is missing.
"""
import json
import logging
import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.models import Award, Decree, IssuedDocument
from app.models.base import utcnow
from app.services.documents import content, indonesian as idn, storage
from app.services.documents.render import html_to_pdf, render_html
from app.services.documents.signing import SignRequest, StampRequest, get_signer

log = logging.getLogger(__name__)

PDF_VARIANT = "pdf/a-3u"


def new_code():
    return secrets.token_urlsafe(12)


def verify_url(config, code):
    return f"{config['SIKIPP_BASE_URL'].rstrip('/')}/verify/{code}"


def _lambang(config):
    return config.get("SIKIPP_LAMBANG_PATH")


def render_decree(session, decree, config, *, draft, number=None, signed_at=None, url=None, manifest=None):
    manifest = manifest or {}
    ctx = content.decree_context(session, decree, config, draft=draft, number=number, signed_at=signed_at,
                                 verify_url=url, award_ids=manifest.get("award_ids"),
                                 unit_award_ids=manifest.get("unit_award_ids"))
    rendered = html_to_pdf(render_html("decree.html", **ctx), lambang_path=_lambang(config), variant=PDF_VARIANT,
                           anchors=("tte-stamp",))
    return rendered, ctx


def render_draft_decree(session, decree, config):
    """A draft as it stands now: DRAF mark, no number, no date, no signature, no QR."""
    rendered, _ctx = render_decree(session, decree, config, draft=True)
    return rendered.pdf


def stamp_text(config, signed_at):
    return (f"Ditandatangani secara elektronik oleh:\n{config['SIKIPP_SIGNER_TITLE'].rstrip(',')}\n"
            f"{config['SIKIPP_SIGNER_NAME']}\n{idn.format_date(signed_at, config['SIKIPP_TIMEZONE'])}")


def sign_rendered(config, rendered, *, field_name, reason, signed_at):
    signer = get_signer(config)
    stamp = None
    anchor = rendered.anchors.get("tte-stamp")
    if anchor is not None:
        page, box = anchor
        stamp = StampRequest(page=page, box=box,
                             text=stamp_text(config, signed_at))
    request = SignRequest(field_name=field_name, reason=reason, location=content.region(config)["place"],
                          signer_name=config["SIKIPP_SIGNER_NAME"], stamp=stamp)
    return signer.sign_pdf(rendered.pdf, request)


def sign_decree(session, decree, config, now):
    """Inside the ``sign`` transaction: render, sign and record the decree (number and signed_at already set)."""
    code = new_code()
    url = verify_url(config, code)
    rendered, ctx = render_decree(session, decree, config, draft=False, number=decree.number, signed_at=now, url=url)
    pdf = sign_rendered(config, rendered, field_name="TTE", signed_at=now,
                        reason=f"Keputusan {content.region(config)['head_title']} Nomor {decree.number}")
    stored_name = storage.new_stored_name(f"decree-{decree.id}")
    storage.write_once(config["SIKIPP_STORAGE_DIR"], stored_name, pdf)
    doc = IssuedDocument(kind="decree", decree_id=decree.id, award_id=None, code=code, number=decree.number,
                         stored_name=stored_name, sha256=storage.sha256(pdf), state="valid", issued_at=now,
                         note=json.dumps({"award_ids": ctx["award_ids"], "unit_award_ids": ctx["unit_award_ids"]}))
    session.add(doc)
    session.flush()
    return doc


# -- certificates ------------------------------------------------------------------------------------


def decree_document(session, decree_id):
    return (session.query(IssuedDocument)
            .filter(IssuedDocument.decree_id == decree_id, IssuedDocument.kind == "decree")
            .order_by(IssuedDocument.id).first())


def manifest(doc):
    try:
        data = json.loads(doc.note or "{}")
    except ValueError:
        data = {}
    return {"award_ids": list(data.get("award_ids") or []), "unit_award_ids": list(data.get("unit_award_ids") or [])}


def issued_award_ids(session, decree_id):
    return {a for (a,) in session.query(IssuedDocument.award_id).filter(
        IssuedDocument.decree_id == decree_id, IssuedDocument.kind == "certificate")}


def progress(session, decree_id):
    """How far the certificates of a decree are: total, issued, missing, done."""
    decree = session.get(Decree, decree_id)
    doc = decree_document(session, decree_id) if decree is not None else None
    total = len(manifest(doc)["award_ids"]) if doc else 0
    issued = len(issued_award_ids(session, decree_id)) if doc else 0
    return {"decree_id": decree_id, "state": decree.state if decree else None, "total": total, "issued": issued,
            "missing": max(total - issued, 0), "done": doc is not None and issued >= total}


def issue_certificate(session, decree_id, award_id, config):
    """Issue one certificate; returns the new document, or None if it exists already or the decree is no
    longer signed. Holds no lock while rendering and signing."""
    decree = session.get(Decree, decree_id)
    award = session.get(Award, award_id)
    if decree is None or award is None or decree.state != "signed":
        session.rollback()
        return None
    code = new_code()
    ctx = content.certificate_context(session, award, decree, config, verify_url=verify_url(config, code))
    number, signed_at = decree.number, decree.signed_at
    session.rollback()  # end the read transaction before the slow part
    rendered = html_to_pdf(render_html("certificate.html", **ctx), lambang_path=_lambang(config),
                           variant=PDF_VARIANT, anchors=("tte-stamp",))
    pdf = sign_rendered(config, rendered, field_name="TTE", signed_at=signed_at,
                        reason=f"Piagam Penghargaan berdasarkan Keputusan Nomor {number}")
    stored_name = storage.new_stored_name(f"cert-{decree_id}-{award_id}")
    storage.write_once(config["SIKIPP_STORAGE_DIR"], stored_name, pdf)
    doc = IssuedDocument(kind="certificate", decree_id=decree_id, award_id=award_id, code=code, number=number,
                         stored_name=stored_name, sha256=storage.sha256(pdf), state="valid", issued_at=utcnow())
    try:
        session.add(doc)
        session.flush()  # takes the write lock (SQLite) before the state is re-read
        state = session.execute(select(Decree.state).where(Decree.id == decree_id).with_for_update()
                                .execution_options(populate_existing=True)).scalar_one()
        if state != "signed":
            session.rollback()
            storage.discard(config["SIKIPP_STORAGE_DIR"], stored_name)
            return None
        session.commit()
    except IntegrityError:  # another worker issued it first
        session.rollback()
        storage.discard(config["SIKIPP_STORAGE_DIR"], stored_name)
        return None
    except BaseException:
        session.rollback()
        storage.discard(config["SIKIPP_STORAGE_DIR"], stored_name)
        raise
    return doc


def issue_missing(session, decree_id, config, progress_callback=None):
    """Issue every certificate of a signed decree that is still missing. Idempotent; safe to rerun and to
    run in several workers at once. Returns the final progress."""
    decree = session.get(Decree, decree_id)
    doc = decree_document(session, decree_id) if decree is not None else None
    if decree is None or doc is None or decree.state != "signed":
        session.rollback()
        return progress(session, decree_id)
    wanted = manifest(doc)["award_ids"]
    done = issued_award_ids(session, decree_id)
    referenced = {name for (name,) in session.query(IssuedDocument.stored_name)
                  .filter(IssuedDocument.decree_id == decree_id)}
    storage.remove_orphans(config["SIKIPP_STORAGE_DIR"], f"cert-{decree_id}-", referenced)
    session.rollback()
    count = len(done & set(wanted))
    if progress_callback:
        progress_callback(count, len(wanted))
    for award_id in wanted:
        if award_id in done:
            continue
        issue_certificate(session, decree_id, award_id, config)
        count = len(issued_award_ids(session, decree_id) & set(wanted))
        session.rollback()
        if progress_callback:
            progress_callback(count, len(wanted))
    return progress(session, decree_id)


def certificate_status(session, award_id):
    """("ready", doc) · ("pending", decree) · ("revoked", doc) · ("none", None) for an award's certificate:
    the one of the latest signed decree listing the award."""
    award = session.get(Award, award_id)
    if award is None:
        return "none", None
    docs = (session.query(IssuedDocument, Decree).join(Decree, IssuedDocument.decree_id == Decree.id)
            .filter(IssuedDocument.kind == "decree", Decree.state.in_(("signed", "revoked")))
            .order_by(Decree.signed_at.desc(), Decree.id.desc()).all())
    revoked = None
    for decree_doc, decree in docs:
        if award_id not in manifest(decree_doc)["award_ids"]:
            continue
        cert = (session.query(IssuedDocument).filter(IssuedDocument.decree_id == decree.id,
                                                     IssuedDocument.award_id == award_id).first())
        if decree.state == "signed":
            return ("ready", cert) if cert is not None else ("pending", decree)
        revoked = revoked or cert
    return ("revoked", revoked) if revoked is not None else ("none", None)


def stored_bytes(config, doc):
    return storage.read(config["SIKIPP_STORAGE_DIR"], doc.stored_name)
