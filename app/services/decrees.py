"""Decree drafts, the number register and revocation (documents: app.services.documents)."""
import re

from flask_babel import gettext as _
from sqlalchemy import delete as sa_delete
from sqlalchemy import select, update

from app.models import Competition, Decree, DecreeParaf, Round
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
    decree.text_version = 1
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
    """Revoking a decree revokes the documents issued with it (certificates included) and withdraws its listing
    from the public catalogue; the awards stay."""
    from app.models import DecreeAward, IssuedDocument

    session.execute(sa_delete(DecreeAward).where(DecreeAward.decree_id == decree.id)
                    .execution_options(synchronize_session=False))
    for doc in session.query(IssuedDocument).filter(IssuedDocument.decree_id == decree.id,
                                                    IssuedDocument.state == "valid"):
        doc.state = "revoked"
        doc.revoked_at = now


# -- the lawful lifecycle (DESIGN §3): readiness, one draft and one signed, paraf chain, supersession -------

def paraf_chain(config):
    """The configured paraf koordinasi chain: role names in order (``SIKIPP_DECREE_PARAF_CHAIN``; empty = none)."""
    chain = config.get("SIKIPP_DECREE_PARAF_CHAIN", ("Hukum",))
    if isinstance(chain, str):
        chain = chain.split(",")
    return tuple(r.strip() for r in chain if r and r.strip())


def manual_numbering(config):
    return (config.get("SIKIPP_DECREE_NUMBER_SOURCE") or "register").strip().lower() == "manual"


def decree_blockers(session, competition):
    """Why a decree cannot be drafted for ``competition`` now: a list of readable conditions (empty = ready).

    The ONE place for the readiness conditions of a decree draft (DESIGN §3): every round of the competition is
    closed; where results were announced, the objection window has ended and every objection is answered (§10). The draft command refuses
    with these reasons; screens may show them as a readiness panel."""
    blockers = []
    open_rounds = session.execute(
        select(Round.name).where(Round.competition_id == competition.id, Round.closed_at.is_(None))
        .order_by(Round.sequence)).scalars().all()
    for name in open_rounds:
        blockers.append(_("Round \"%(round)s\" is not closed yet.", round=name))
    # Where results were announced: the objection window has ended and every objection is answered (DESIGN §10).
    from app.services import announcements

    blockers += announcements.objection_blockers(session, competition.id)
    return blockers


def signing_readiness_problem(session, decree):
    """Why ``decree`` cannot be signed now for lack of readiness (None: ready). The drafting conditions
    (:func:`decree_blockers`) still hold at signing: a round added, or results announced, after the draft was made
    (an objection window running, objections unanswered) wait for the same conditions a new draft would."""
    competition = session.get(Competition, decree.competition_id)
    blockers = decree_blockers(session, competition) if competition is not None else []
    if not blockers:
        return None
    return _("The decree cannot be signed yet: %(reasons)s", reasons=" ".join(str(b) for b in blockers))


def lock_competition(session, competition_id):
    """Take the competition row's write lock (a no-op UPDATE: a row lock on PostgreSQL, the database's write lock
    on SQLite) so that the decree rules of one competition (one draft, one signed) are judged by one transaction
    at a time; None when it does not exist. A lock timeout is a 409."""
    from sqlalchemy.exc import OperationalError

    from workflows.engine import is_lost_race

    try:
        result = session.execute(update(Competition).where(Competition.id == competition_id)
                                 .values(name=Competition.name).execution_options(synchronize_session=False))
    except OperationalError as err:
        if is_lost_race(err):
            raise Conflict(_("The record is being changed by someone else; try again.")) from None
        raise
    if result.rowcount != 1:
        return None
    return session.execute(select(Competition).where(Competition.id == competition_id)
                           .execution_options(populate_existing=True)).scalar_one()


def _decrees_of(session, competition_id, state, exclude_id=None):
    query = select(Decree).where(Decree.competition_id == competition_id, Decree.state == state)
    if exclude_id is not None:
        query = query.where(Decree.id != exclude_id)
    return session.execute(query.order_by(Decree.id)).scalars().all()


def signed_decree(session, competition_id, exclude_id=None):
    found = _decrees_of(session, competition_id, "signed", exclude_id)
    return found[0] if found else None


def ensure_can_draft(session, competition):
    """A new draft for ``competition`` (locked by the caller): refused (409) while another draft exists or while
    a readiness condition is missing (:func:`decree_blockers`, each condition named)."""
    drafts = _decrees_of(session, competition.id, "draft")
    if drafts:
        raise Conflict(_("This competition already has a decree draft (#%(id)s): edit that draft, or delete it first.",
                         id=drafts[0].id))
    blockers = decree_blockers(session, competition)
    if blockers:
        raise Conflict(_("A decree cannot be drafted yet: %(reasons)s", reasons=" ".join(blockers)))


def check_supersedes(session, decree, supersedes_id):
    """``supersedes_id`` names the signed decree of the same competition that this draft revokes or amends."""
    if supersedes_id is None:
        return None
    old = session.get(Decree, supersedes_id)
    if old is None or old.competition_id != decree.competition_id or old.id == decree.id:
        raise Invalid(_("The superseded decree must be another decree of the same competition."),
                      field="supersedes_id")
    if old.state != "signed":
        raise Invalid(_("Only a signed decree can be superseded."), field="supersedes_id")
    return old


def current_initials(session, decree):
    """The initials that hold for the draft's current text, by step."""
    rows = session.execute(
        select(DecreeParaf).where(DecreeParaf.decree_id == decree.id, DecreeParaf.cleared_at.is_(None),
                                  DecreeParaf.text_version == decree.text_version)
        .order_by(DecreeParaf.step, DecreeParaf.id)).scalars().all()
    return {row.step: row for row in rows}


def chain_progress(session, decree, chain):
    """Each step of the chain: ``{"step", "role", "initial"}`` (the initial row, or None when missing)."""
    initials = current_initials(session, decree)
    return [{"step": i, "role": role, "initial": initials.get(i) if initials.get(i) and initials[i].role == role
             else None} for i, role in enumerate(chain, 1)]


def next_paraf_step(session, decree, chain):
    """(step, role) of the first step without an initial on the current text, or None when all have one."""
    for entry in chain_progress(session, decree, chain):
        if entry["initial"] is None:
            return entry["step"], entry["role"]
    return None


def paraf_problem(session, decree, roles, chain):
    """Why a user holding ``roles`` may not initial the draft now (None: may, as the next step)."""
    if not chain:
        return _("No paraf chain is configured: the decree goes to the signer directly.")
    step = next_paraf_step(session, decree, chain)
    if step is None:
        return _("Every step of the paraf chain has already initialled this text.")
    number, role = step
    if role in roles:
        return None
    later = [i for i, r in enumerate(chain, 1) if i > number and r in roles]
    if later:
        return _("Step %(step)s of the paraf chain (%(role)s) must initial first.", step=number, role=role)
    return _("The next initial is step %(step)s of the paraf chain (%(role)s).", step=number, role=role)


def chain_problem(session, decree, chain):
    """Why the draft cannot be signed for lack of initials (None: every step initialled the current text)."""
    step = next_paraf_step(session, decree, chain)
    if step is None:
        return None
    return _("The paraf chain is not complete: step %(step)s (%(role)s) has not initialled the current text.",
             step=step[0], role=step[1])


def record_paraf(session, decree, user, step, role, now, number=None):
    row = DecreeParaf(decree_id=decree.id, step=step, role=role, user_id=getattr(user, "id", None),
                      username=getattr(user, "username", None), at=now, text_version=decree.text_version,
                      number=number)
    session.add(row)
    if number is not None:
        decree.number = number
    return row


def clear_initials(session, decree, now):
    """Void every initial of the draft (an edit or a return): they stay as the record, ``cleared_at`` set. The
    number entered with the last paraf (manual numbering) goes with them. Returns how many were cleared."""
    result = session.execute(update(DecreeParaf).where(DecreeParaf.decree_id == decree.id,
                                                       DecreeParaf.cleared_at.is_(None))
                             .values(cleared_at=now).execution_options(synchronize_session=False))
    if decree.state == "draft":
        decree.number = None
    return result.rowcount or 0


def text_changed(session, decree, now):
    """Any edit of a draft: a new text version, and the initials of the old one no longer hold."""
    decree.text_version = (decree.text_version or 1) + 1
    clear_initials(session, decree, now)


def annex_changed(session, competition_id, now):
    """An award given or voided changes what the competition's draft lists in its annex: like an edit, a new
    text version whose old initials no longer hold (DESIGN §3), so the paraf chain initials what will be signed.
    The draft row is locked: a concurrent ``sign`` either sees the cleared initials or signed before."""
    drafts = session.execute(select(Decree).where(Decree.competition_id == competition_id, Decree.state == "draft")
                             .with_for_update()).scalars().all()
    for decree in drafts:
        text_changed(session, decree, now)
    return len(drafts)


def manual_number_problem(session, decree, number, pattern):
    """(status, reason) for a number entered at the last paraf: 422 missing or not matching the configured
    pattern, 409 already used by another decree; None when it is acceptable."""
    number = (number or "").strip() if isinstance(number, str) else None
    if not number:
        return 422, _("The decree number (data.number), reserved from the regency's register, is required at the "
                      "last paraf.")
    try:
        matches = re.fullmatch(pattern, number) is not None
    except re.error:
        matches = False
    if not matches:
        return 422, _("The decree number \"%(number)s\" does not match the configured pattern.", number=number)
    used = session.execute(select(Decree.id).where(Decree.number == number, Decree.id != decree.id)).first()
    if used is not None:
        return 409, _("The decree number \"%(number)s\" is already used by another decree.", number=number)
    return None


def record_listing(session, decree, award_ids):
    """The awards the signed ``decree`` lists (its manifest), for the public catalogue (removed on revocation by
    :func:`revoke_documents`; the manifest itself stays in the decree's document)."""
    from app.models import DecreeAward

    session.add_all([DecreeAward(decree_id=decree.id, award_id=a) for a in sorted(set(award_ids))])


def supersession_problem(session, decree):
    """Signing while another decree of the competition is signed: only a draft superseding it may be signed."""
    other = signed_decree(session, decree.competition_id, exclude_id=decree.id)
    if other is not None and decree.supersedes_id != other.id:
        return _("Decree number %(number)s of this competition is signed: this draft can be signed only if it "
                 "supersedes it (supersedes_id).", number=other.number or other.id)
    return None
