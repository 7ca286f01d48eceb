"""Judging screens: the juror's score sheets, and the Sekretariat's ranking and progress pages.

Thin: parse the form, run the command of app.commands.judging (the same as the API's), flash the outcome;
read through app.services.judging / ranking.
"""
from decimal import Decimal, InvalidOperation

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload

from app.api.base import METHOD_PERMISSIONS
from app.commands import judging as commands
from app.commands.announcements import AnnounceRound
from app.extensions import db
from app.models import Assignment, Attachment, Innovation, Round, User
from app.models.innovation import PROPOSAL_SECTIONS
from app.models.unit import UNIT_KIND_LABELS
from app.services import access, announcements, awards, balancing, evidence, groups, judging, ranking, teams, text_rules
from app.services.errors import DomainError
from app.views import crud
from app.views.paging import SCREEN_PAGE_SIZE, pager, screen_page

SECTION_LABELS = {
    "summary": _l("Summary"), "background": _l("Background and Objectives"), "novelty": _l("Novelty / Added Value"),
    "implementation": _l("Implementation"), "significance": _l("Significance"), "adaptability": _l("Adaptability"),
    "resources": _l("Resources"), "sustainability": _l("Sustainability Strategy"),
}


def _has(permission, view_menu):
    return current_sm().has_access(permission, view_menu)


def current_sm():
    from flask import current_app

    return current_app.appbuilder.sm


def _form_message(err):
    return err.message


class ScoreSheetView(BaseView):
    """The juror's assignments and one score sheet per assignment (the Sekretariat reads and reopens)."""

    route_base = "/scoresheets"
    default_view = "index"
    class_permission_name = "ScoreSheet"
    method_permission_name = {**METHOD_PERMISSIONS, "index": "read", "sheet": "read", "save": "edit",
                              "recuse": "recuse", "reopen": "reopen"}

    def _assignment(self, pk):
        assignment = db.session.execute(select(Assignment).where(
            Assignment.id == pk, access.assignment_criterion(g.user))).scalar_one_or_none()
        if assignment is None:
            abort(404)
        return assignment

    @expose("/")
    @has_access
    def index(self):
        # Everything the page shows is read with the assignments (a constant number of queries, issue 14:
        # one lazy load per row and relation before, 435 queries at 100k innovations).
        rows = (db.session.query(Assignment).filter(Assignment.juror_id == g.user.id)
                .join(Round, Round.id == Assignment.round_id)
                .options(contains_eager(Assignment.round).joinedload(Round.competition),
                         joinedload(Assignment.sheet),
                         joinedload(Assignment.innovation).joinedload(Innovation.unit))
                .order_by(Round.closed_at.isnot(None), Round.competition_id.desc(), Round.sequence, Assignment.id)
                .all())
        blind_juror = judging.is_blind_juror(g.user)
        items = []
        for a in rows:
            state = _sheet_state(a)
            items.append({"a": a, "state": state, "hide_unit": a.round.blind and blind_juror, "todo": _is_todo(a)})
        # What awaits the juror first (sheets not final in open rounds), then the finished ones; the order
        # inside each group is kept.
        items.sort(key=lambda item: not item["todo"])
        return self.render_template("judging/my_sheets.html", items=items, state_labels=SHEET_STATE_LABELS)

    def _next_todo(self, assignment):
        """The juror's next sheet still to finish (open round, not final, not recused) after ``assignment``."""
        rows = (db.session.query(Assignment).filter(Assignment.juror_id == assignment.juror_id,
                                                    Assignment.status == "active", Assignment.id != assignment.id)
                .join(Round, Round.id == Assignment.round_id).filter(Round.closed_at.is_(None))
                .order_by(Round.competition_id.desc(), Round.sequence, Assignment.id).all())
        todos = [a for a in rows if _is_todo(a)]
        later = [a for a in todos if a.id > assignment.id]
        return (later or todos or [None])[0]

    def _render_sheet(self, assignment, entered=None, comment=None, status=200):
        data = judging.sheet_as_dict(db.session, assignment)
        hide_unit = assignment.round.blind and judging.is_blind_juror(g.user)
        innovation = assignment.innovation
        sections = [(SECTION_LABELS.get(name, name), getattr(innovation, name)) for name, _label in PROPOSAL_SECTIONS]
        attachments = (db.session.query(Attachment).filter_by(innovation_id=innovation.id)
                       .order_by(Attachment.id).all())
        is_juror = assignment.juror_id == g.user.id
        editable = (is_juror and assignment.status == "active" and not data["final"]
                    and assignment.round.closed_at is None)
        return self.render_template(
            "judging/sheet.html", a=assignment, sheet=data, innovation=innovation, hide_unit=hide_unit,
            sections=sections, attachments=attachments, editable=editable, is_juror=is_juror,
            entered=entered or {}, comment=comment if comment is not None else (data["comment"] or ""),
            can_reopen=_has("can_reopen", "ScoreSheet") and data["final"] and assignment.round.closed_at is None,
            can_recuse=is_juror and assignment.status == "active" and not data["final"]
            and assignment.round.closed_at is None,
            trail=judging.audit_trail(db.session, assignment) if access.is_privileged(g.user) else [],
            kind_labels=UNIT_KIND_LABELS, num=_num, audit_label=crud.audit_action_label,
            next_sheet=self._next_todo(assignment) if is_juror else None,
            # issue 12: the team only for whom teams.visible_to allows (never a blind juror); kinds by label
            team=teams.team_for(db.session, g.user, innovation),
            kind_label=lambda code, c=innovation.competition: evidence.label_of(c, code),
        ), status

    @expose("/sheet/<int:pk>", methods=["GET"])
    @has_access
    def sheet(self, pk):
        return self._render_sheet(self._assignment(pk))

    @expose("/sheet/<int:pk>", methods=["POST"])
    @has_access
    def save(self, pk):
        assignment = self._assignment(pk)
        final = request.form.get("action") == "final"
        comment = request.form.get("comment", "")
        entered, scores, problems = {}, [], []
        for criterion in judging.criteria_of(db.session, assignment.round_id):
            raw = (request.form.get(f"score_{criterion.id}") or "").strip().replace(",", ".")
            entered[criterion.id] = raw
            if not raw:
                continue
            try:
                value = Decimal(raw)
            except InvalidOperation:
                problems.append(_("Criterion \"%(name)s\": the value must be a number.", name=criterion.name))
                continue
            scores.append({"criterion_id": criterion.id, "value": float(value) if value.is_finite() else raw})
        if not problems:
            try:
                commands.SaveScoreSheet(g.user, pk, scores, comment, final).run()
            except DomainError as err:
                problems.append(_form_message(err))
        if problems:
            for p in problems:
                flash(p, "danger")
            db.session.expire_all()
            return self._render_sheet(self._assignment(pk), entered=entered, comment=comment, status=422)
        if final:
            upcoming = self._next_todo(self._assignment(pk))
            flash(_("The score sheet is final. Next: %(title)s", title=upcoming.innovation.title) if upcoming
                  else _("The score sheet is final. No other sheet awaits you."), "success")
        else:
            flash(_("Draft saved."), "success")
        return redirect(url_for("ScoreSheetView.sheet", pk=pk))

    @expose("/recuse/<int:pk>", methods=["POST"])
    @has_access
    def recuse(self, pk):
        self._assignment(pk)
        try:
            commands.Recuse(g.user, pk, request.form.get("reason")).run()
            flash(_("Your conflict of interest is recorded; the Sekretariat will reassign the proposal."), "info")
        except DomainError as err:
            flash(err.message, "danger")
        return redirect(url_for("ScoreSheetView.sheet", pk=pk))

    @expose("/reopen/<int:pk>", methods=["POST"])
    @has_access
    def reopen(self, pk):
        self._assignment(pk)
        try:
            commands.ReopenScoreSheet(g.user, pk, request.form.get("reason")).run()
            flash(_("The score sheet is open again for the juror."), "info")
        except DomainError as err:
            flash(err.message, "danger")
        return redirect(request.form.get("next") if _safe_next(request.form.get("next"))
                        else url_for("ScoreSheetView.sheet", pk=pk))


def _sheet_state(a):
    sheet = a.sheet
    return ("recused" if a.status == "recused" else "final" if sheet is not None and sheet.is_final
            else "draft" if sheet is not None else "new")


def _is_todo(a):
    """A sheet that still awaits its juror: active, not final, in a round that is still open."""
    return _sheet_state(a) in ("new", "draft") and a.round.closed_at is None


def _num(value):
    """A score as typed: 90 → "90", 77.5 → "77.5" (strings, e.g. rejected input, stay as they are)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return f"{float(value):.2f}".rstrip("0").rstrip(".")


SHEET_STATE_LABELS = {"new": _l("Not started"), "draft": _l("Draft"), "final": _l("Final"),
                      "recused": _l("Recused")}


def _safe_next(target):
    return bool(target) and target.startswith("/") and not target.startswith("//")


class JudgingView(BaseView):
    """The Sekretariat's judging pages: rounds, ranking, progress (with reminders), assignment, closing."""

    route_base = "/judging"
    default_view = "index"
    class_permission_name = "Judging"
    method_permission_name = {**METHOD_PERMISSIONS, "index": "read", "ranking": "read", "progress": "read",
                              "juror": "read", "assign": "edit", "remind": "edit", "close": "edit",
                              "announce": "edit", "reassign": "edit", "award": "edit", "award_top": "edit"}

    def _round(self, pk):
        rnd = db.session.get(Round, pk)
        if rnd is None:
            abort(404)
        return rnd

    @expose("/")
    @has_access
    def index(self):
        return self.render_template("judging/index.html", rounds=judging.round_overview(db.session))

    @expose("/ranking/<int:pk>")
    @has_access
    def ranking(self, pk):
        rnd = self._round(pk)
        combined = request.args.get("combined") == "1"
        rows = ranking.combined_ranking(db.session, rnd) if combined else ranking.round_ranking(db.session, rnd)
        buckets = {}  # ranks are per group × category (issue 12)
        for row in rows:
            buckets.setdefault(row["bucket"], []).append(row)
        last = ranking.last_round(db.session, rnd.competition_id)
        can_award = (combined and last is not None and last.id == rnd.id and _has("can_award", "InnovationWorkflow"))
        # Who the round's shortlist takes (pass mark, size, quotas): the rule closing applies, marked on the screen.
        nxt = judging.next_round(db.session, rnd)
        limited = rnd.shortlist_size or rnd.pass_mark is not None or rnd.category_quotas
        shortlisted = set() if combined or nxt is None or not limited else set(balancing.shortlist(
            rows, rnd.shortlist_size, rnd.pass_mark, rnd.category_quotas))
        return self.render_template("judging/ranking.html", rnd=rnd, groups=buckets, combined=combined,
                                    several_groups=len(groups.effective_groups(rnd.competition)) > 1,
                                    shortlisted=shortlisted, state_labels=_state_labels(),
                                    can_award=can_award, award_titles=awards.STANDARD_TITLES)

    # -- awarding from the final ranking (the `award` transition through its command, as on every door) --------
    def _fire_award(self, innovation_id, title, rank, prize):
        from app.commands.transitions import fire
        from app.lifecycles import innovation_workflow
        from app.views.workflow_views import _form_number
        from workflows.engine import WorkflowError

        data = {"title": (title or "").strip() or None, "rank": _form_number(rank),
                "prize_amount": _form_number(prize, rupiah=True)}
        data = {k: v for k, v in data.items() if v is not None}
        try:
            fire(g.user, innovation_workflow, innovation_id, "award", data=data,
                 visible=lambda inn: access.can_see_innovation(g.user, inn))
        except (DomainError, WorkflowError) as err:
            return getattr(err, "message", None) or str(err)
        return None

    @expose("/award/<int:pk>", methods=["POST"])
    @has_access
    def award(self, pk):
        """Award one innovation from the final ranking: predikat, rank (pre-filled from the ranking), prize."""
        self._round(pk)
        raw = request.form.get("innovation_id", "")
        if not (text_rules.is_digits(raw) and len(raw) < 10):
            abort(404)
        problem = self._fire_award(int(raw), request.form.get("title"), request.form.get("rank"),
                                   request.form.get("prize_amount"))
        if problem:
            flash(problem, "danger")
        else:
            flash(_("Awarded: %(title)s.", title=request.form.get("title", "").strip()), "success")
        return redirect(url_for("JudgingView.ranking", pk=pk, combined=1))

    @expose("/award_top/<int:pk>", methods=["POST"])
    @has_access
    def award_top(self, pk):
        """Award a group × category's top N of the final ranking with the standard predikat (Juara I … Harapan III),
        each its own transaction; the results are flashed row by row."""
        rnd = self._round(pk)
        category = request.form.get("category", "")
        # The group of the bucket (issue 12); a form without one means the competition's first group.
        group = request.form.get("group") or groups.effective_groups(rnd.competition)[0]
        raw_n = request.form.get("top", "")
        n = int(raw_n) if text_rules.is_digits(raw_n) and len(raw_n) < 4 else 0
        if n < 1 or n > len(awards.STANDARD_TITLES):
            flash(_("Choose how many places to award (1 to %(max)s).", max=len(awards.STANDARD_TITLES)), "danger")
            return redirect(url_for("JudgingView.ranking", pk=pk, combined=1))
        rows = [r for r in ranking.combined_ranking(db.session, rnd) if r["bucket"] == (group, category)][:n]
        prizes = [request.form.get(f"prize_{i}") for i in range(1, n + 1)]
        done = 0
        for position, row in enumerate(rows, start=1):
            title = awards.STANDARD_TITLES[position - 1]
            if row["state"] != "scored":
                flash(_("%(title)s: %(innovation)s is not awaiting an award (%(state)s).", title=title,
                        innovation=row["title"], state=_state_labels().get(row["state"], row["state"])), "warning")
                continue
            problem = self._fire_award(row["innovation_id"], title, str(row["rank"]), prizes[position - 1])
            if problem:
                flash(f"{title}: {row['title']}: {problem}", "danger")
            else:
                done += 1
        flash(_("%(count)s awards given.", count=done), "success" if done else "info")
        return redirect(url_for("JudgingView.ranking", pk=pk, combined=1))

    @expose("/progress/<int:pk>")
    @has_access
    def progress(self, pk):
        rnd = self._round(pk)
        page = screen_page()
        progress = judging.progress(db.session, rnd, page=page, page_size=SCREEN_PAGE_SIZE)
        return self.render_template("judging/progress.html", rnd=rnd, progress=progress,
                                    pager=pager(page, progress["juror_count"], SCREEN_PAGE_SIZE),
                                    reminders=judging.last_reminders(db.session, rnd),
                                    next_round=judging.next_round(db.session, rnd),
                                    announcement=announcements.announcement_of_round(db.session, rnd.id),
                                    local_time=announcements.format_local_time)

    @expose("/progress/<int:pk>/juror/<int:juror_id>")
    @has_access
    def juror(self, pk, juror_id):
        rnd = self._round(pk)
        juror = db.session.get(User, juror_id)
        if juror is None:
            abort(404)
        rows = (db.session.query(Assignment).filter(Assignment.round_id == rnd.id, Assignment.juror_id == juror_id)
                .join(Innovation, Innovation.id == Assignment.innovation_id).order_by(Innovation.title).all())
        return self.render_template("judging/juror.html", rnd=rnd, juror=juror, rows=rows,
                                    state_labels=SHEET_STATE_LABELS)

    def _post(self, pk, func, success):
        try:
            result = func()
        except DomainError as err:
            flash(err.message, "danger")
        else:
            flash(success(result), "success")
        return redirect(url_for("JudgingView.progress", pk=pk))

    @expose("/assign/<int:pk>", methods=["POST"])
    @has_access
    def assign(self, pk):
        self._round(pk)
        try:
            n = int(request.form.get("jurors_per_innovation", ""))
        except ValueError:
            n = None
        return self._post(pk, lambda: commands.AutoAssign(g.user, pk, n).run(),
                          lambda r: _("%(count)s assignments created.", count=r["created"]))

    @expose("/remind/<int:pk>", methods=["POST"])
    @has_access
    def remind(self, pk):
        self._round(pk)
        return self._post(pk, lambda: commands.RemindJurors(g.user, pk).run(),
                          lambda r: _("%(count)s jurors reminded.", count=len(r)))

    @expose("/close/<int:pk>", methods=["POST"])
    @has_access
    def close(self, pk):
        self._round(pk)

        def message(r):
            return _("Round closed: %(advanced)s advance, %(scored)s scored.", advanced=len(r["advanced"]),
                     scored=len(r["scored"]))

        return self._post(pk, lambda: commands.CloseRound(g.user, pk).run(), message)

    @expose("/announce/<int:pk>", methods=["POST"])
    @has_access
    def announce(self, pk):
        self._round(pk)
        return self._post(pk, lambda: AnnounceRound(g.user, pk).run(),
                          lambda r: _("Results announced: objections until %(until)s.",
                                      until=announcements.format_local_time(
                                          announcements.announcement_of_round(db.session, pk).objection_until)))

    @expose("/reassign/<int:assignment_id>", methods=["POST"])
    @has_access
    def reassign(self, assignment_id):
        assignment = db.session.get(Assignment, assignment_id)
        if assignment is None:
            abort(404)
        pk = assignment.round_id
        raw = request.form.get("juror_id") or None
        juror_id = int(raw) if raw and text_rules.is_digits(raw) and len(raw) < 10 else None
        return self._post(pk, lambda: commands.Reassign(g.user, assignment_id, juror_id).run(),
                          lambda new: _("Reassigned to %(name)s.", name=new.juror.username))


def _state_labels():
    from app.lifecycles import INNOVATION_STATE_LABELS

    return INNOVATION_STATE_LABELS


# -- the generic innovation screens for jurors ----------------------------------------------------------

class JurorScreensMixin:
    """A juror (only Juri) reads proposals on its score sheets, never on the generic innovation screens:
    they would show the unit of a blind round (in columns, filters and history)."""

    def create_blueprint(self, appbuilder, *args, **kwargs):
        blueprint = super().create_blueprint(appbuilder, *args, **kwargs)
        blueprint.before_request(self._juror_redirect)
        return blueprint

    def _juror_redirect(self):
        endpoint = (request.endpoint or "").rsplit(".", 1)[-1]
        user = g.get("user")
        if endpoint not in ("list", "show") or user is None or not getattr(user, "is_authenticated", False):
            return None
        if not judging.is_blind_juror(user) or "OPD" in access.role_names(user):
            return None
        if endpoint == "list":
            return redirect(url_for("ScoreSheetView.index"))
        pk = str((request.view_args or {}).get("pk"))
        innovation_id = int(pk) if text_rules.is_digits(pk) and len(pk) < 10 else -1
        assignment_id = db.session.execute(
            select(Assignment.id).where(Assignment.innovation_id == innovation_id, Assignment.juror_id == user.id)
            .order_by(Assignment.id.desc()).limit(1)).scalar()
        if assignment_id is None:
            abort(404)
        return redirect(url_for("ScoreSheetView.sheet", pk=assignment_id))


def with_juror_screens(view_class):
    """``view_class`` (the innovation screens) redirecting jurors to their score sheets; same class name,
    so the same URLs and endpoints."""
    return type(view_class.__name__, (JurorScreensMixin, view_class), {"__module__": __name__})


# -- CRUD screens with the judging rules ----------------------------------------------------------------------

def _option_fields():
    from wtforms import BooleanField

    # FAB makes every non-nullable column required, so an unticked box failed ("this field is required").
    return {"blind": BooleanField(_l("Blind review"), default=False),
            "normalize_z": BooleanField(_l("Z-score normalisation"), default=False)}


class RoundView(crud.RoundView):
    """Rounds (the rules are the round commands', as in the API); the options are plain check boxes."""

    add_form_extra_fields = _option_fields()
    edit_form_extra_fields = _option_fields()


class AssignmentView(crud.AssignmentView):
    """Manual assignment screens (the rules are the assignment commands', as in the API)."""
