"""SIKIPP's lifecycles (DESIGN §3), declared with the generic engine. Each reads like its table.

Guards return a reason (Indonesian through the catalogs) or None; effects run inside the transition's
transaction. They are registered by name (``REGISTRY``); the lifecycles the app runs are the YAML documents in
``app/lifecycle_definitions/`` that name them (``innovation_workflow``, ``decree_workflow``, loaded by the
plugin's ``workflows.definitions``, shown read-only to the Admin on /workflows/). The same lifecycles written in
Python (``innovation_python``, ``decree_python``) are the reference the YAML is checked against
(tests/test_lifecycle_definitions.py: same structure, and the lifecycle matrix runs on both). Binding to the
models happens in app.registry.
"""
import pathlib

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.models import Decree, Innovation, Objection
from app.models.base import utcnow
from app.models.states import DecreeState, InnovationState, ObjectionState, values
from app.services import (
    access,
    announcements,
    audit,
    awards,
    decrees,
    innovations,
    notifications,
    registry,
    scoring,
    signers,
    submission,
    text_rules,
)
from workflows import outbox
from workflows.definitions import Registry, load_file
from workflows.engine import Transition, Workflow, WorkflowConflict, WorkflowInvalid
from workflows.models import WorkflowHistory

# -- innovation guards and effects ---------------------------------------------------------------


def complete_for_submission(ctx):
    problems = submission.checkable_problems(ctx.session, ctx.obj)
    return " ".join(problems) if problems else None


def before_deadline(ctx):
    return submission.deadline_problem(ctx.obj)


def eligible_by_past_awards(ctx):
    """The competition's rule on past awards of the innovation's lineage (DESIGN §11, ``registry``)."""
    return registry.eligibility_problem(ctx.session, ctx.obj)


def checklist_passes(ctx):
    problems = submission.checkable_problems(ctx.session, ctx.obj)
    return " ".join(problems) if problems else None


def checklist_attested(ctx):
    """Data guard of ``verify``: every item of the competition's checklist marked true in ``data.checklist``
    (the rule and its choice of list: ``submission.checklist_problem``)."""
    return submission.checklist_problem(ctx.obj.competition, ctx.data.get("checklist"))


def award_title_plain(ctx):
    """Data guard of ``award``: the predikat is printed on the decree and the piagam, so it must not carry invisible
    text-direction characters (the same rule as titles and file names: ``text_rules``)."""
    if text_rules.has_bidi_control(ctx.data.get("title")):
        return _l("The award title must not contain invisible text-direction characters (such as U+202E).")
    return None


def round_sheets_final(ctx):
    return scoring.score_problem(ctx.session, ctx.obj)


def create_award(ctx):
    data = ctx.data
    awards.create_award(ctx.session, ctx.obj, data["title"], data.get("prize_amount"), data.get("rank"))
    decrees.annex_changed(ctx.session, ctx.obj.competition_id, utcnow())  # the draft's annex lists it now


def void_award(ctx):
    """Effect of ``disqualify``: the innovation's award is voided and its certificates revoked; a draft that
    listed it no longer does, so its initials no longer hold."""
    award = awards.void_award(ctx.session, ctx.obj, ctx.comment, utcnow())
    if award is not None:
        decrees.annex_changed(ctx.session, ctx.obj.competition_id, utcnow())


def notify_unit(subject):
    """Effect: tell the proposing unit what happened to its proposal (through the outbox)."""

    def effect(ctx):
        inn = ctx.obj
        body = (f"Inovasi \"{inn.title}\" kini berstatus: {ctx.workflow.label(ctx.transition.dest)}.\n"
                + (f"Catatan: {ctx.comment}\n" if ctx.comment else "")
                + f"Lihat: {current_app.config['SIKIPP_BASE_URL']}/innovationview/show/{inn.id}\n")
        notifications.queue_unit_mail(ctx, inn.unit_id, f"[SIKIPP] {subject}: {inn.title}", body,
                                      link=f"/innovationview/show/{inn.id}")

    return effect


notify_returned = notify_unit("Proposal dikembalikan untuk perbaikan")
notify_verified = notify_unit("Proposal lolos verifikasi administrasi")
notify_rejected = notify_unit("Proposal ditolak")
notify_disqualified = notify_unit("Inovasi didiskualifikasi")

AWARD_DATA = {
    "type": "object",
    "required": ["title"],
    "properties": {
        "title": {"type": "string", "minLength": 1, "maxLength": 100, "pattern": r"\S"},
        "prize_amount": {"type": ["number", "null"], "minimum": 0},
        "rank": {"type": ["integer", "null"], "minimum": 1},
    },
}

VERIFY_DATA = {"type": "object", "properties": {"checklist": {"type": "object"}}}

INNOVATION_STATE_LABELS = innovations.STATE_LABELS

# The engine (and the transitions machine under it) gets plain strings: the enums' values.
DRAFT, SUBMITTED, VERIFIED, SCORED, AWARDED, REJECTED, WITHDRAWN = (
    InnovationState.DRAFT.value, InnovationState.SUBMITTED.value, InnovationState.VERIFIED.value,
    InnovationState.SCORED.value, InnovationState.AWARDED.value, InnovationState.REJECTED.value,
    InnovationState.WITHDRAWN.value)

innovation_python = Workflow(
    "innovation",
    states=values(InnovationState),
    initial=DRAFT,
    view_menu="InnovationWorkflow",
    state_labels=INNOVATION_STATE_LABELS,
    state_styles={DRAFT: "default", SUBMITTED: "info", VERIFIED: "primary", SCORED: "warning",
                  AWARDED: "success", REJECTED: "danger", WITHDRAWN: "default"},
    is_owner=access.owns_innovation,
    final_states=(AWARDED, REJECTED, WITHDRAWN),  # awarded may still be left (disqualify), yet a life ends there
    transitions=[
        Transition("submit", DRAFT, SUBMITTED, roles=("OPD",), owner_only=True, label=_l("Submit"),
                   guards=(complete_for_submission, before_deadline, eligible_by_past_awards)),
        Transition("return", SUBMITTED, DRAFT, roles=("Sekretariat",), comment_required=True,
                   label=_l("Return for revision"), effects=(notify_returned,)),
        Transition("verify", SUBMITTED, VERIFIED, roles=("Sekretariat",), label=_l("Verify"),
                   guards=(checklist_passes,), data_schema=VERIFY_DATA, data_guards=(checklist_attested,),
                   effects=(notify_verified,)),
        Transition("reject", (SUBMITTED, VERIFIED), REJECTED, roles=("Sekretariat",), comment_required=True,
                   label=_l("Reject"), effects=(notify_rejected,)),
        Transition("withdraw", (DRAFT, SUBMITTED), WITHDRAWN, roles=("OPD",), owner_only=True,
                   label=_l("Withdraw")),
        Transition("score", VERIFIED, SCORED, roles=("Sekretariat",), label=_l("Mark as scored"),
                   guards=(round_sheets_final,)),
        Transition("award", SCORED, AWARDED, roles=("Sekretariat",), label=_l("Award"),
                   data_schema=AWARD_DATA, data_guards=(award_title_plain,), effects=(create_award,)),
        Transition("disqualify", (SCORED, AWARDED), REJECTED, roles=("Sekretariat",), comment_required=True,
                   label=_l("Disqualify"), effects=(void_award, notify_disqualified)),
    ],
)

# -- decree ------------------------------------------------------------------------------------------


def _chain():
    return decrees.paraf_chain(current_app.config)


def paraf_turn(ctx):
    """Guard of ``paraf``: the user holds the role of the next step of the chain that has not initialled the
    current text (the chain's order is the configuration's)."""
    return decrees.paraf_problem(ctx.session, ctx.obj, access.role_names(ctx.user), _chain())


def _is_last_step(ctx):
    step = decrees.next_paraf_step(ctx.session, ctx.obj, _chain())
    return step is not None and step[0] == len(_chain())


def manual_number_given(ctx):
    """Data guard of ``paraf``: with manual numbering the last paraf carries the number reserved from the
    regency's register (required, matching the configured pattern: 422; not used by another decree: 409)."""
    config = current_app.config
    if not decrees.manual_numbering(config) or not _is_last_step(ctx):
        return None
    problem = decrees.manual_number_problem(ctx.session, ctx.obj, ctx.data.get("number"),
                                            config.get("SIKIPP_DECREE_MANUAL_NUMBER_PATTERN") or r".+")
    if problem is None:
        return None
    status, reason = problem
    if status == 422:
        raise WorkflowInvalid(reason)
    return reason


def record_initial(ctx):
    """Effect of ``paraf``: the initial (who, which step and role, when, on which text version); the last one
    carries the manual number (entering it does not clear initials: it is not an edit of the text)."""
    chain = _chain()
    step, role = decrees.next_paraf_step(ctx.session, ctx.obj, chain)
    number = None
    if decrees.manual_numbering(current_app.config) and step == len(chain):
        number = ctx.data["number"].strip()
    decrees.record_paraf(ctx.session, ctx.obj, ctx.user, step, role, utcnow(), number=number)
    try:
        ctx.session.flush()
    except IntegrityError:  # the same number taken by another decree at the same moment
        raise WorkflowConflict(str(_l("The decree number is already used by another decree."))) from None


def clear_initials(ctx):
    """Effect of ``return``: the draft goes back for revision; its initials no longer hold."""
    decrees.clear_initials(ctx.session, ctx.obj, utcnow())


def chain_complete(ctx):
    """Guard of ``sign``: every step of the paraf chain, in order, initialled the current text (the 409 names
    the first missing step); with manual numbering the number was entered."""
    reason = decrees.chain_problem(ctx.session, ctx.obj, _chain())
    if reason:
        return reason
    if decrees.manual_numbering(current_app.config) and not ctx.obj.number:
        return str(_l("The decree has no number yet: with manual numbering it is entered with the last paraf."))
    return None


def not_doubly_signed(ctx):
    """Guard of ``sign``: a competition has one signed decree at a time; a draft is signed while another is
    signed only if it supersedes it."""
    return decrees.supersession_problem(ctx.session, ctx.obj)


def signer_identity(ctx):
    """Guard of ``sign``: a signer with a profile and its own certificate signs only under the certificate's name."""
    return signers.identity_problem(ctx.session, ctx.user, current_app.config)


def competition_ready(ctx):
    """Guard of ``sign``: the competition is still ready for its decree (every round closed, no objection window
    running, every objection answered): a round added or results announced after drafting make the signer wait."""
    return decrees.signing_readiness_problem(ctx.session, ctx.obj)


def revoke_superseded(ctx, now):
    """Signing a superseding draft revokes the decree it replaces, and that decree's certificates, in the same
    transaction (a history row records it on the old decree)."""
    old_id = ctx.obj.supersedes_id
    if old_id is None:
        return
    old = ctx.session.execute(select(Decree).where(Decree.id == old_id).with_for_update()
                              .execution_options(populate_existing=True)).scalar_one_or_none()
    if old is None or old.state != D_SIGNED:
        return
    old.state = D_REVOKED
    old.version = (old.version or 1) + 1
    decrees.revoke_documents(ctx.session, old, now)
    ctx.session.add(WorkflowHistory(
        workflow=decree_workflow.name, object_id=old.id, trigger="revoke", source=D_SIGNED, dest=D_REVOKED,
        user_id=getattr(ctx.user, "id", None), username=getattr(ctx.user, "username", None),
        comment=f"Dicabut dengan Keputusan Nomor {ctx.obj.number}", data={"superseded_by": ctx.obj.id}))


def number_and_sign(ctx):
    """Take the next number from the register (or keep the one entered at the last paraf), revoke the decree it
    supersedes, then render, sign and store the decree in this transaction; its certificates are issued after
    commit (outbox → job queue), never inside it."""
    from app.services.documents import issuing

    now = utcnow()
    config = current_app.config
    decrees.lock_competition(ctx.session, ctx.obj.competition_id)
    reason = decrees.supersession_problem(ctx.session, ctx.obj)  # again, under the competition's lock
    if reason:
        raise WorkflowConflict(reason)
    if not decrees.manual_numbering(config):
        pattern = config.get("SIKIPP_DECREE_NUMBER_PATTERN", "188/{seq}/438.1.1.3/{year}")
        decrees.assign_number(ctx.session, ctx.obj, pattern, now, config.get("SIKIPP_TIMEZONE", "Asia/Jakarta"))
    ctx.obj.signed_at = now
    ctx.obj.signed_by_id = getattr(ctx.user, "id", None)
    revoke_superseded(ctx, now)
    doc = issuing.sign_decree(ctx.session, ctx.obj, config, now)
    decrees.record_listing(ctx.session, ctx.obj, issuing.manifest(doc)["award_ids"])
    outbox.enqueue(ctx, "issue_certificates", {"decree_id": ctx.obj.id})


def revoke_documents(ctx):
    decrees.revoke_documents(ctx.session, ctx.obj, utcnow())


PARAF_DATA = {"type": "object", "properties": {"number": {"type": ["string", "null"], "maxLength": 100}}}
# Who initials (the chain's roles) and who returns a draft (a reviewer or the signer): the default chain's roles
# here; app.registry grants the configured chain's roles the same permissions.
REVIEWER_ROLES = ("Hukum",)
D_DRAFT, D_SIGNED, D_REVOKED = DecreeState.DRAFT.value, DecreeState.SIGNED.value, DecreeState.REVOKED.value

decree_python = Workflow(
    "decree",
    states=values(DecreeState),
    initial=D_DRAFT,
    view_menu="DecreeWorkflow",
    state_labels={D_DRAFT: _l("Draft"), D_SIGNED: _l("Signed"), D_REVOKED: _l("Revoked")},
    state_styles={D_DRAFT: "default", D_SIGNED: "success", D_REVOKED: "danger"},
    transitions=[
        Transition("paraf", D_DRAFT, D_DRAFT, roles=REVIEWER_ROLES, label=_l("Initial (paraf)"),
                   guards=(paraf_turn,), data_schema=PARAF_DATA, data_guards=(manual_number_given,),
                   effects=(record_initial,)),
        Transition("return", D_DRAFT, D_DRAFT, roles=REVIEWER_ROLES + ("Penandatangan",), comment_required=True,
                   label=_l("Return with notes"), effects=(clear_initials,)),
        Transition("sign", D_DRAFT, D_SIGNED, roles=("Penandatangan",), label=_l("Sign"),
                   guards=(chain_complete, not_doubly_signed, signer_identity, competition_ready),
                   effects=(number_and_sign,)),
        Transition("revoke", D_SIGNED, D_REVOKED, roles=("Penandatangan",), comment_required=True,
                   label=_l("Revoke"), effects=(revoke_documents,)),
    ],
)

# -- objection (masa sanggah, DESIGN §10) ------------------------------------------------------------------


def publish_answer(ctx):
    """The comment of ``uphold`` / ``dismiss`` is the answer published on /pengumuman/."""
    announcements.record_answer(ctx.obj, ctx.user, ctx.comment, utcnow())


def remove_innovation(ctx):
    """Effect of ``uphold``: the innovation leaves the round's results in this transaction — ``disqualify``
    (scored, awarded: its award voided) or ``reject`` (verified: shortlisted into a later round) with the
    objection as reason; nothing to do when it is out already. A refusal of that fire refuses the uphold."""
    objection = ctx.obj
    inn = ctx.session.get(Innovation, objection.innovation_id)
    trigger = announcements.removal_trigger(inn.state) if inn is not None else None
    if trigger is None:
        return
    reason = announcements.removal_reason(objection, ctx.comment)
    nested = innovation_workflow.fire_with_context(ctx.session, inn.id, trigger, ctx.user, comment=reason,
                                                   commit=False)
    audit.record(ctx.session, ctx.user, f"innovation.{trigger}", "innovation", inn.id, detail=reason,
                 before={"state": nested.source}, after={"state": nested.dest},
                 data={"objection_id": objection.id})


O_OPEN, O_UPHELD, O_DISMISSED = ObjectionState.OPEN.value, ObjectionState.UPHELD.value, ObjectionState.DISMISSED.value

objection_python = Workflow(
    "objection",
    states=values(ObjectionState),
    initial=O_OPEN,
    view_menu="ObjectionWorkflow",
    state_labels={O_OPEN: _l("Awaiting answer"), O_UPHELD: _l("Upheld"), O_DISMISSED: _l("Dismissed")},
    state_styles={O_OPEN: "warning", O_UPHELD: "success", O_DISMISSED: "default"},
    transitions=[
        Transition("uphold", O_OPEN, O_UPHELD, roles=("Sekretariat",), comment_required=True,
                   label=_l("Uphold (disqualify the innovation)"), effects=(publish_answer, remove_innovation)),
        Transition("dismiss", O_OPEN, O_DISMISSED, roles=("Sekretariat",), comment_required=True,
                   label=_l("Dismiss"), effects=(publish_answer,)),
    ],
)

# -- the lifecycles the app runs: YAML documents naming the registered guards and effects -------------------

REGISTRY = Registry(
    guards={f.__name__: f for f in (complete_for_submission, before_deadline, eligible_by_past_awards, checklist_passes, checklist_attested,
                                    round_sheets_final, award_title_plain, paraf_turn, manual_number_given, chain_complete,
                                    not_doubly_signed, signer_identity, competition_ready)},
    effects={"create_award": create_award, "notify_returned": notify_returned, "notify_verified": notify_verified,
             "notify_rejected": notify_rejected, "notify_disqualified": notify_disqualified, "void_award": void_award,
             "number_and_sign": number_and_sign, "revoke_documents": revoke_documents,
             "record_initial": record_initial, "clear_initials": clear_initials,
             "publish_answer": publish_answer, "remove_innovation": remove_innovation},
    owners={"owns_innovation": access.owns_innovation},
    schemas={"award_data": AWARD_DATA, "verify_data": VERIFY_DATA, "paraf_data": PARAF_DATA},
    translate=_l,
)
DEFINITIONS_DIR = pathlib.Path(__file__).resolve().parent / "lifecycle_definitions"

innovation_workflow = load_file(DEFINITIONS_DIR / "innovation.yaml", REGISTRY)
decree_workflow = load_file(DEFINITIONS_DIR / "decree.yaml", REGISTRY)
objection_workflow = load_file(DEFINITIONS_DIR / "objection.yaml", REGISTRY)

ALL_WORKFLOWS = (innovation_workflow, decree_workflow, objection_workflow)
PYTHON_WORKFLOWS = (innovation_python, decree_python, objection_python)


def bind_all(authorizer):
    for wf in (innovation_workflow, innovation_python):
        wf.bind(Innovation, authorizer=authorizer)
    for wf in (decree_workflow, decree_python):
        wf.bind(Decree, authorizer=authorizer)
    for wf in (objection_workflow, objection_python):
        wf.bind(Objection, authorizer=authorizer)
