"""Issuing signed documents.

- :func:`sign_decree` runs inside the decree's ``sign`` transition (after the number is taken): it renders
  the final decree, signs it and records the :class:`IssuedDocument` in the same transaction, with the list
  of awards and unit awards it fixes (``note``: the manifest, so later awards never join a signed decree).
- Certificates are issued a few per transaction by ``app/commands/certificates.py`` (which owns the
  transactions: services never commit) from the pieces here, never while holding a lock during rendering or
  signing: :func:`read_batch` reads the data (the caller ends the read transaction), :func:`prepare_batch`
  makes the PDFs, writes them to new files and makes them durable, :func:`record_rows` inserts their rows — a
  unique (decree, award) pair each — and re-reads the decree under lock to check it is still signed, before the
  caller commits. A crash at any point leaves either complete certificates or nothing (at most unreferenced
  files, removed by the recovery sweep); a rerun issues only what is missing.
"""
import json
import logging
import secrets

from sqlalchemy import select

from app.models import Award, Decree, Innovation, IssuedDocument, Unit
from app.models.base import utcnow
from app.services import faults, signers
from app.services.documents import content, storage
from app.services.documents import indonesian as idn
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


def render_decree(session, decree, config, *, draft, number=None, signed_at=None, url=None, manifest=None,
                  variant="asli", development=None):
    manifest = manifest or {}
    ctx = content.decree_context(session, decree, config, draft=draft, number=number, signed_at=signed_at,
                                 verify_url=url, award_ids=manifest.get("award_ids"),
                                 unit_award_ids=manifest.get("unit_award_ids"), variant=variant,
                                 development=development)
    rendered = html_to_pdf(render_html("decree.html", **ctx), lambang_path=_lambang(config), variant=PDF_VARIANT,
                           anchors=("tte-stamp",))
    return rendered, ctx


def render_salinan(session, decree, config):
    """The SALINAN of a signed decree: the same text as the signed original (its number, date and the awards of
    its manifest), "ttd." in place of the signature and the "Salinan sesuai dengan aslinya" block of the Kepala
    Bagian Hukum; unsigned, rendered when asked. Refused (409) unless the decree is signed."""
    from flask_babel import gettext as _

    from app.services.errors import Conflict

    doc = decree_document(session, decree.id) if decree.state == "signed" else None
    if doc is None:
        raise Conflict(_("A SALINAN exists only for a signed decree."))
    rendered, _ctx = render_decree(session, decree, config, draft=False, number=decree.number,
                                   signed_at=decree.signed_at, url=verify_url(config, doc.code),
                                   manifest=manifest(doc), variant="salinan")
    return rendered.pdf


def render_draft_decree(session, decree, config):
    """A draft as it stands now: DRAF mark, no number, no date, no signature, no QR."""
    rendered, _ctx = render_decree(session, decree, config, draft=True)
    return rendered.pdf


def stamp_text(config, signed_at, block=None):
    block = block or signers.config_block(config)
    jabatan = " ".join(block["lines"]).rstrip(",")
    return (f"Ditandatangani secara elektronik oleh:\n{jabatan}\n"
            f"{block['name']}\n{idn.format_date(signed_at, config['SIKIPP_TIMEZONE'])}")


def signing_identity(session, decree, config):
    """(signature block, own key pair or None) of the user who signed ``decree`` (app.services.signers)."""
    profile = signers.profile_for(session, decree.signed_by_id)
    block = signers.profile_block(profile) if profile is not None else signers.config_block(config)
    return block, signers.own_pair(profile, config)


def sign_rendered(config, rendered, *, field_name, reason, signed_at, block=None, pair=None):
    signer = get_signer(config, pair=pair)
    block = block or signers.config_block(config)
    stamp = None
    anchor = rendered.anchors.get("tte-stamp")
    if anchor is not None:
        page, box = anchor
        stamp = StampRequest(page=page, box=box,
                             text=stamp_text(config, signed_at, block))
    request = SignRequest(field_name=field_name, reason=reason, location=content.region(config)["place"],
                          signer_name=block["name"], stamp=stamp)
    return signer.sign_pdf(rendered.pdf, request)


def sign_decree(session, decree, config, now):
    """Inside the ``sign`` transaction: render, sign and record the decree (number and signed_at already set)."""
    code = new_code()
    url = verify_url(config, code)
    block, pair = signing_identity(session, decree, config)
    rendered, ctx = render_decree(session, decree, config, draft=False, number=decree.number, signed_at=now, url=url,
                                  development=get_signer(config, pair=pair).is_development)
    pdf = sign_rendered(config, rendered, field_name="TTE", signed_at=now, block=block, pair=pair,
                        reason=f"Keputusan {content.region(config)['head_title']} Nomor {decree.number}")
    stored_name = storage.decree_name(decree.id)
    # replace=True: only this transaction (it holds the decree's sign transition) writes this name; a file
    # there is what a crashed earlier attempt left (no row refers to it), never a committed document
    storage.write_once(stored_name, pdf, replace=True)
    discard_on_rollback(session, [stored_name])
    faults.pause_point("decree-written")
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


def certificate_award_ids(session, doc):
    """The awards of a signed decree's manifest that get a certificate: all but those voided since
    (``awards.void_award``: a disqualified innovation gets none)."""
    ids = manifest(doc)["award_ids"]
    if not ids:
        return ids
    voided = {a for (a,) in session.query(Award.id).filter(Award.id.in_(ids), Award.voided_at.isnot(None))}
    return [a for a in ids if a not in voided]


def issued_award_ids(session, decree_id):
    return {a for (a,) in session.query(IssuedDocument.award_id).filter(
        IssuedDocument.decree_id == decree_id, IssuedDocument.kind == "certificate")}


def progress(session, decree_id):
    """How far the certificates of a decree are: total, issued, missing, done."""
    decree = session.get(Decree, decree_id)
    doc = decree_document(session, decree_id) if decree is not None else None
    wanted = certificate_award_ids(session, doc) if doc else []
    total = len(wanted)
    issued = len(issued_award_ids(session, decree_id) & set(wanted)) if doc else 0
    return {"decree_id": decree_id, "state": decree.state if decree else None, "total": total, "issued": issued,
            "missing": max(total - issued, 0), "done": doc is not None and issued >= total}


# Certificates recorded per transaction (app/commands/certificates.py): 2, then twice as many each time, up to
# 16 — the first ones show progress soon, the later ones share one durability barrier and one commit among many.
CERTIFICATE_BATCH_FIRST, CERTIFICATE_BATCH_MAX = 2, 16


def read_batch(session, decree_id, award_ids, config):
    """What the certificates of ``award_ids`` say (reads only): (decree number, signed_at, [(award_id, context
    without its verification URL and QR code)], the signer's identity (:func:`signing_identity`)), or None when the decree is not signed. The caller ends the
    read transaction before the slow part (a reader holds SQLite's shared lock, which the other workers'
    commits wait for; the QR codes are made afterwards)."""
    decree = session.get(Decree, decree_id)
    if decree is None or decree.state != "signed":
        return None
    # one query for the awards with their innovations and units: certificate_context then finds them in the
    # session's identity map instead of asking for each
    rows = (session.query(Award, Innovation, Unit).join(Innovation, Award.innovation_id == Innovation.id)
            .join(Unit, Innovation.unit_id == Unit.id).filter(Award.id.in_(list(award_ids))).all())
    awards = {award.id: award for award, _innovation, _unit in rows if award.voided_at is None}  # voided: none
    doc = decree_document(session, decree_id)
    order = manifest(doc)["award_ids"] if doc is not None else []
    identity = signing_identity(session, decree, config)
    development = get_signer(config, pair=identity[1]).is_development
    items = []
    for award_id in award_ids:
        if award_id in awards:
            # the certificate's number: the award's place in the decree's annex (fixed by the manifest)
            seq = order.index(award_id) + 1 if award_id in order else len(order) + 1
            number = content.certificate_number(config, decree.number, seq, decree.signed_at)
            items.append((award_id, content.certificate_context(session, awards[award_id], decree, config,
                                                                verify_url=None, number=number,
                                                                development=development)))
    return decree.number, decree.signed_at, items, identity


def prepare_batch(config, decree_id, number, signed_at, items, identity=None):
    """Render, sign and store each certificate of ``items`` (no database access, no lock held), then make the
    files durable together (:func:`storage.make_durable`) — before any row may refer to them. Returns the rows
    to insert. On any failure the files written are removed and the error raised (StorageWriteError → 507).
    ``identity``: (signature block, own key pair or None) of the decree's signer (:func:`signing_identity`)."""
    block, pair = identity or (None, None)
    prepared = []
    try:
        for award_id, ctx in items:
            code = new_code()
            ctx = content.with_verification(ctx, verify_url(config, code))
            rendered = html_to_pdf(render_html("certificate.html", **ctx), lambang_path=_lambang(config),
                                   variant=PDF_VARIANT, anchors=("tte-stamp",))
            pdf = sign_rendered(config, rendered, field_name="TTE", signed_at=signed_at, block=block, pair=pair,
                                reason=f"Piagam Penghargaan berdasarkan Keputusan Nomor {number}")
            stored_name = storage.new_stored_name(f"cert-{decree_id}-{award_id}")
            storage.write_once(stored_name, pdf, durable=False)
            prepared.append({"kind": "certificate", "decree_id": decree_id, "award_id": award_id, "code": code,
                             "number": ctx["certificate"]["number"], "stored_name": stored_name,
                             "sha256": storage.sha256(pdf),
                             "state": "valid", "issued_at": utcnow()})
        storage.make_durable([row["stored_name"] for row in prepared])  # before any row refers to them
    except BaseException:
        discard_rows(prepared)
        raise
    return prepared


def record_rows(session, decree_id, rows):
    """Insert the certificate rows (flush: a duplicate (decree, award) raises IntegrityError) and re-read the
    decree's state under lock. Returns the documents, or None when the decree is no longer signed (the caller
    rolls back and discards the files). Never commits: the caller's transaction does."""
    docs = [IssuedDocument(**row) for row in rows]
    session.add_all(docs)
    session.flush()  # takes the write lock (SQLite) before the state is re-read
    state = session.execute(select(Decree.state).where(Decree.id == decree_id).with_for_update()
                            .execution_options(populate_existing=True)).scalar_one()
    if state != "signed":
        return None
    # An award disqualified while its certificate was being rendered (awards.void_award ran between read and
    # record): its certificate is recorded revoked, like the ones void_award revokes. The award rows are locked,
    # so a concurrent void_award waits for this commit and then revokes what it finds.
    award_ids = [doc.award_id for doc in docs if doc.award_id is not None]
    # Lock every listed award row (not only the voided ones: FOR UPDATE locks what the query returns), then look.
    locked = session.execute(select(Award.id, Award.voided_at).where(Award.id.in_(award_ids)).with_for_update()
                             .execution_options(populate_existing=True)).all() if award_ids else []
    voided = {award_id for award_id, voided_at in locked if voided_at is not None}
    for doc in docs:
        if doc.award_id in voided:
            doc.state, doc.revoked_at = "revoked", utcnow()
    return docs


def discard_rows(rows):
    """Remove the files of rows that will not be recorded."""
    for row in rows:
        storage.discard(row["stored_name"])


def wanted_and_done(session, decree_id):
    """(award ids the signed decree's manifest lists, award ids with a certificate), or None when the decree
    is not signed (reads only)."""
    decree = session.get(Decree, decree_id)
    doc = decree_document(session, decree_id) if decree is not None else None
    if decree is None or doc is None or decree.state != "signed":
        return None
    return certificate_award_ids(session, doc), issued_award_ids(session, decree_id)


def certificate_status(session, award_id):
    """("ready", doc) · ("pending", decree) · ("revoked", doc) · ("none", None) for an award's certificate:
    the one of the latest signed decree listing the award."""
    award = session.get(Award, award_id)
    if award is None:
        return "none", None
    if award.voided_at is not None:  # disqualified: its certificates were revoked with it (awards.void_award)
        cert = session.query(IssuedDocument).filter(IssuedDocument.award_id == award_id).first()
        return ("revoked", cert) if cert is not None else ("none", None)
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
    """The stored bytes of an issued document (StorageReadError → 503 when the store fails)."""
    return storage.read(doc.stored_name)


def open_stored(config, doc):
    """A readable stream of an issued document's stored bytes (StorageReadError → 503 when the store fails)."""
    return storage.open_stream(doc.stored_name)


_ROLLBACK_FILES = "sikipp.discard_on_rollback"


def discard_on_rollback(session, stored_names):
    """Remove these just-written files if the session's transaction rolls back (the number and the row go
    with it, so must the file). A process killed before either leaves them to the recovery sweep."""
    from sqlalchemy.orm import scoped_session

    if isinstance(session, scoped_session):
        session = session()  # this request's session
    session.info.setdefault(_ROLLBACK_FILES, []).extend(stored_names)


def _install_rollback_listeners():
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    @event.listens_for(Session, "after_commit")
    def _committed(session):
        session.info.pop(_ROLLBACK_FILES, None)

    @event.listens_for(Session, "after_soft_rollback")
    def _rolled_back(session, previous_transaction):
        if previous_transaction.parent is None and session.info.get(_ROLLBACK_FILES):
            for name in session.info.pop(_ROLLBACK_FILES):
                storage.discard(name)


_install_rollback_listeners()
