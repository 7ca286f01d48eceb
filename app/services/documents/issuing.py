"""Issuing signed documents.

- :func:`sign_decree` runs inside the decree's ``sign`` transition (after the number is taken): it renders
  the final decree, signs it and records the :class:`IssuedDocument` in the same transaction, with the list
  of awards and unit awards it fixes (``note``: the manifest, so later awards never join a signed decree).
- :func:`issue_missing` issues the certificates of a signed decree, a few per transaction
  (:func:`issue_batch`) and never while holding a lock during rendering or signing: the data is read, the
  read transaction ends, the PDFs are made and written to new files, the files are made durable, then their
  rows are inserted — a unique (decree, award) pair each — and the decree is re-read under lock to check it is
  still signed before the commit. A crash at any point leaves either complete certificates or nothing (at most
  unreferenced files, cleaned up later); a rerun issues only what is missing.
"""
import json
import logging
import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.models import Award, Decree, Innovation, IssuedDocument, Unit
from app.models.base import utcnow
from app.services import signers
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
    rendered, ctx = render_decree(session, decree, config, draft=False, number=decree.number, signed_at=now, url=url)
    block, pair = signing_identity(session, decree, config)
    pdf = sign_rendered(config, rendered, field_name="TTE", signed_at=now, block=block, pair=pair,
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


# Certificates recorded per transaction by issue_certificates: 2, then twice as many each time, up to 16 — the
# first ones show progress soon, the later ones share one durability barrier and one commit among many.
CERTIFICATE_BATCH_FIRST, CERTIFICATE_BATCH_MAX = 2, 16


def issue_certificate(session, decree_id, award_id, config):
    """Issue one certificate; returns the new document, or None if it exists already or the decree is no
    longer signed. Holds no lock while rendering and signing."""
    docs = issue_batch(session, decree_id, [award_id], config)
    return docs[0] if docs else None


def _read_batch(session, decree_id, award_ids, config):
    """What the certificates of ``award_ids`` say, read in one short transaction (ended here):
    (decree number, signed_at, [(award_id, context without its verification URL and QR code)]), or None when
    the decree is not signed. (The QR codes are made after the transaction: a reader holds SQLite's shared
    lock, which the other workers' commits wait for.)"""
    decree = session.get(Decree, decree_id)
    if decree is None or decree.state != "signed":
        session.rollback()
        return None
    # one query for the awards with their innovations and units: certificate_context then finds them in the
    # session's identity map instead of asking for each
    rows = (session.query(Award, Innovation, Unit).join(Innovation, Award.innovation_id == Innovation.id)
            .join(Unit, Innovation.unit_id == Unit.id).filter(Award.id.in_(list(award_ids))).all())
    awards = {award.id: award for award, _innovation, _unit in rows}
    items = []
    for award_id in award_ids:
        if award_id in awards:
            items.append((award_id, content.certificate_context(session, awards[award_id], decree, config,
                                                                verify_url=None)))
    number, signed_at = decree.number, decree.signed_at
    identity = signing_identity(session, decree, config)
    session.rollback()  # end the read transaction before the slow part
    return number, signed_at, items, identity


def issue_batch(session, decree_id, award_ids, config):
    """Issue the certificates of ``award_ids`` (a few) in one transaction; returns the new documents, or None
    when the decree is not signed (any more).

    The data is read, the read transaction ends; each PDF is rendered, signed and written to a new file
    (no lock held meanwhile); the files are made durable (:func:`storage.make_durable`: each file, then the
    directory); only then are the rows inserted — a unique (decree, award) pair each — and the decree
    re-read under lock to check it is still signed, and the batch committed at once. A crash before the commit
    leaves unreferenced files and no row (a rerun issues those certificates again); after it, every row points
    to a complete, durable file. If another worker issued one of them meanwhile, the others are recorded one
    by one and the duplicates' files discarded.
    """
    read = _read_batch(session, decree_id, award_ids, config)
    if read is None:
        return None
    number, signed_at, items, (block, pair) = read
    folder = config["SIKIPP_STORAGE_DIR"]
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
            storage.write_once(folder, stored_name, pdf, durable=False)
            prepared.append({"kind": "certificate", "decree_id": decree_id, "award_id": award_id, "code": code,
                             "number": number, "stored_name": stored_name, "sha256": storage.sha256(pdf),
                             "state": "valid", "issued_at": utcnow()})
        storage.make_durable(folder, [row["stored_name"] for row in prepared])  # before any row refers to them
    except BaseException:
        _discard(folder, prepared)
        raise
    if not prepared:
        return []
    try:
        return _record(session, decree_id, prepared, folder)
    except IntegrityError:  # another worker issued one of them first: record the others one by one
        session.rollback()
    docs = []
    for row in prepared:
        try:
            docs += _record(session, decree_id, [row], folder)
        except IntegrityError:
            session.rollback()
            _discard(folder, [row])
    return docs


def _record(session, decree_id, rows, folder):
    """Insert the rows and commit, if the decree is still signed (else nothing is issued, the files go)."""
    docs = [IssuedDocument(**row) for row in rows]
    try:
        session.add_all(docs)
        session.flush()  # takes the write lock (SQLite) before the state is re-read
        state = session.execute(select(Decree.state).where(Decree.id == decree_id).with_for_update()
                                .execution_options(populate_existing=True)).scalar_one()
        if state != "signed":
            session.rollback()
            _discard(folder, rows)
            return []
        session.commit()
    except IntegrityError:
        raise  # the caller decides (rows stay on disk until then)
    except BaseException:
        session.rollback()
        _discard(folder, rows)
        raise
    return docs


def _discard(folder, rows):
    for row in rows:
        storage.discard(folder, row["stored_name"])


def issue_certificates(session, decree_id, award_ids, config, progress_callback=None):
    """Issue the certificates of ``award_ids`` in batches (:func:`issue_batch`, see CERTIFICATE_BATCH_*);
    stops when the decree is no longer signed. Returns how many were issued here; ``progress_callback(count)``
    after each batch."""
    count, start, size = 0, 0, CERTIFICATE_BATCH_FIRST
    award_ids = list(award_ids)
    while start < len(award_ids):
        docs = issue_batch(session, decree_id, award_ids[start:start + size], config)
        if docs is None:
            break
        count += len(docs)
        start += size
        size = min(size * 2, CERTIFICATE_BATCH_MAX)
        if progress_callback:
            progress_callback(count)
    return count


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

    def advance(_issued_here):
        if progress_callback:  # counted in the database: other workers may be issuing the same decree
            issued = len(issued_award_ids(session, decree_id) & set(wanted))
            session.rollback()
            progress_callback(issued, len(wanted))

    issue_certificates(session, decree_id, [a for a in wanted if a not in done], config, progress_callback=advance)
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
