"""Decree drafts (the document rendering and signing come with the awards issue)."""
from flask_babel import gettext as _

from app.models import Competition
from app.services.errors import Conflict, Invalid


def default_title(competition):
    return f"Penetapan Pemenang {competition.name} Tahun {competition.year}"


def prepare_draft(session, decree):
    competition = session.get(Competition, decree.competition_id) if decree.competition_id else None
    if competition is None:
        raise Invalid(_("Unknown competition."), field="competition_id")
    decree.state = "draft"
    decree.version = 1
    decree.number = None
    if not decree.title:
        decree.title = default_title(competition)


def ensure_draft(decree):
    if decree.state != "draft":
        raise Conflict(_("Only a draft decree can be changed or deleted."))


def assign_number(session, decree, pattern, now):
    """Next number from the register: sequential per year, never reused (revocation keeps the number)."""
    from app.models import Decree

    year = now.year
    used = session.query(Decree.id).filter(Decree.number.isnot(None), Decree.signed_at.isnot(None))
    seq = sum(1 for d in used.filter(Decree.signed_at >= f"{year}-01-01") .all()) + 1
    decree.number = pattern.format(seq=seq, year=year)
    return decree.number


def revoke_documents(session, decree, now):
    from app.models import IssuedDocument

    for doc in session.query(IssuedDocument).filter(IssuedDocument.decree_id == decree.id,
                                                    IssuedDocument.state == "valid"):
        doc.state = "revoked"
        doc.revoked_at = now
