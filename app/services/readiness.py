"""What is missing before a competition's decree can be drafted (the decree readiness panel, issue 10): every round
closed, awards given, no draft already waiting; the decree rules' own blockers come from
``decrees.decree_blockers`` (open rounds, objection window, unanswered objections …), written once."""
from flask_babel import gettext as _
from sqlalchemy import func

from app.models import Award, Decree, Innovation
from app.models.states import InnovationState
from app.services import decrees


def decree_readiness(session, competition):
    """{"ready": bool, "items": [{"ok": bool, "text": str}], "draft": Decree or None, "signed": Decree or None}."""
    items = []
    reasons = [str(text) for text in decrees.decree_blockers(session, competition)]  # rounds, objections …
    items += [{"ok": False, "text": text} for text in reasons]
    if not reasons:
        items.append({"ok": True, "text": _("Every condition of the decree rules holds.")})
    awarded = (session.query(func.count(Award.id)).join(Innovation, Innovation.id == Award.innovation_id)
               .filter(Innovation.competition_id == competition.id).scalar())
    items.append({"ok": awarded > 0, "text": _("%(n)s awards given.", n=awarded) if awarded else
                  _("No award given yet: award from the final ranking.")})
    waiting = (session.query(func.count(Innovation.id))
               .filter(Innovation.competition_id == competition.id,
                       Innovation.state == InnovationState.SCORED.value).scalar())
    if waiting:
        items.append({"ok": True, "text": _("%(n)s scored innovations without an award (they are not listed).",
                                            n=waiting)})
    draft = session.query(Decree).filter(Decree.competition_id == competition.id, Decree.state == "draft").first()
    signed = session.query(Decree).filter(Decree.competition_id == competition.id, Decree.state == "signed").first()
    if draft is not None:
        items.append({"ok": False, "text": _("A draft is already waiting for its signature.")})
    return {"ready": all(i["ok"] for i in items), "items": items, "draft": draft, "signed": signed}
