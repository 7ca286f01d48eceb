"""Decree drafts, the number register and revocation (documents: app.services.documents)."""
from flask_babel import gettext as _

from app.models import Competition
from app.services.errors import Conflict, Invalid


def default_title(competition):
    from app.services.documents.content import competition_full_name

    return f"Penetapan Pemenang {competition_full_name(competition)}"


def prepare_draft(session, decree, config=None):
    """A new draft: the title, Menimbang and Mengingat get their editable defaults, and the competition's
    SAKIP unit awards are brought up to date (the draft lists them)."""
    competition = session.get(Competition, decree.competition_id) if decree.competition_id else None
    if competition is None:
        raise Invalid(_("Unknown competition."), field="competition_id")
    decree.state = "draft"
    decree.version = 1
    decree.number = None
    decree.signed_at = None
    decree.signed_by_id = None
    if not decree.title:
        decree.title = default_title(competition)
    if config is None:
        from flask import current_app

        config = current_app.config
    from app.services import awards
    from app.services.documents import content

    if not (decree.considerations or "").strip():
        decree.considerations = content.default_considerations(competition, decree.title, config)
    if not (decree.legal_bases or "").strip():
        decree.legal_bases = content.default_legal_bases(config, competition.year)
    awards.refresh_unit_awards(session, competition.id, config.get("SIKIPP_UNIT_AWARD_GRADES", ("A",)))


def ensure_draft(decree):
    if decree.state != "draft":
        raise Conflict(_("Only a draft decree can be changed or deleted."))


def assign_number(session, decree, pattern, now, timezone="Asia/Jakarta"):
    """Next number from the register: sequential per year (in the configured time zone), unique, no gaps,
    never reused (revocation keeps the number). Runs inside the ``sign`` transaction (see numbering)."""
    from app.services.documents import numbering

    decree.number, _seq, _year = numbering.next_number(session, pattern, now, timezone)
    return decree.number


def revoke_documents(session, decree, now):
    from app.models import IssuedDocument

    for doc in session.query(IssuedDocument).filter(IssuedDocument.decree_id == decree.id,
                                                    IssuedDocument.state == "valid"):
        doc.state = "revoked"
        doc.revoked_at = now
