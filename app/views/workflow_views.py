"""Screens of the workflow resources, the verification queue and the workflow diagram page."""
import re

from flask import Response, abort, current_app, flash, g, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.fieldwidgets import Select2Widget
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from app.api.base import METHOD_PERMISSIONS, row_filter
from app.commands.proposals import AddAttachment, EditProposal, RemoveAttachment
from app.commands.transitions import FireThroughCommand
from app.extensions import db
from app.lifecycles import ALL_WORKFLOWS, decree_workflow, innovation_workflow
from app.models import Attachment, Unit
from app.services import access, attachments, evidence, homes, innovations, storage, teams, text_rules
from app.services.errors import DomainError
from app.views import formatting
from app.views.ajax_select import AjaxRelatedFilterField
from app.views.crud import DecreeCrudView, InnovationCrudView
from app.views.registry import RegistryViewMixin
from workflows.engine import WorkflowError
from workflows.fab import WorkflowViewMixin, state_badge


def _form_number(text, rupiah=False):
    """A number typed in a form ("15000000", "15.000.000", "Rp15.000.000,50"); None when empty. Text that is
    no number is passed on as is, so the transition's data rule refuses it with its message."""
    raw = (text or "").strip()
    if not raw:
        return None
    value = raw
    if rupiah:
        value = value.replace("Rp", "").replace("rp", "").replace(" ", "")
        if "," in value or re.fullmatch(r"\d{1,3}(\.\d{3})+", value):
            value = value.replace(".", "").replace(",", ".")
    try:
        number = float(value)
    except ValueError:
        return raw
    return int(number) if number.is_integer() and "." not in value else number


class InnovationView(FireThroughCommand, RegistryViewMixin, WorkflowViewMixin, InnovationCrudView):
    workflow = innovation_workflow
    show_template = "innovation/show.html"
    method_permission_name = {**METHOD_PERMISSIONS, "attachment_upload": "edit", "attachment_download": "read",
                              "attachment_delete": "edit", "team_save": "edit", "registry_history": "read"}
    formatters_columns = {**InnovationCrudView.formatters_columns,
                          "state": lambda s: state_badge(innovation_workflow, s)}
    search_filters = {"state": [FilterEqual]}
    wf_danger_triggers = ("return", "reject", "withdraw", "disqualify")
    # The state filter is a choice of the lifecycle's states (labels shown, keys sent).
    search_form_extra_fields = {
        "state": SelectField(_l("State"), choices=[(s, label) for s, label in innovation_workflow.state_labels.items()],
                             widget=Select2Widget()),
        # Searched as the user types (the API's unit list and its row rule), never every unit as an <option>.
        "unit": AjaxRelatedFilterField(_l("Unit"), Unit, "unit", "/api/v1/unit/"),
    }

    show_eager = ("competition", "unit", "attachments")

    def _wf_visible(self, pk):
        return self.visible_item(pk)

    def _get_list_widget(self, *args, **kwargs):
        """The list marks the drafts sent back for revision ("Dikembalikan" beside "Draf"; issue 10)."""
        widgets = super()._get_list_widget(*args, **kwargs)
        widget = widgets["list"]
        widget.template_args["returned_pks"] = homes.returned_drafts(db.session, widget.template_args.get("pks", []))
        return widgets

    def render_template(self, template, **kwargs):
        if template == self.show_template and "pk" in kwargs:
            item = self.visible_item(kwargs["pk"])
            if item is not None:
                kwargs.update(
                    attachments=sorted(item.attachments, key=lambda a: a.id),
                    can_edit=(item.state == "draft" and access.owns_innovation(g.user, item)
                              and self.appbuilder.sm.has_access("can_edit", "Innovation")),
                    max_attachment_mb=item.competition.max_attachment_mb if item.competition else 5,
                    # typed evidence and the innovator team (issue 12)
                    evidence_kinds=evidence.kinds_of(item.competition),
                    missing_kinds=evidence.missing_required(db.session, item),
                    kind_label=lambda code, c=item.competition: evidence.label_of(c, code),
                    team=teams.team_for(db.session, g.user, item),
                    team_endpoint="InnovationView.team_save",
                    attachment_endpoint="InnovationView.attachment_download",
                    attachment_upload_endpoint="InnovationView.attachment_upload",
                    attachment_delete_endpoint="InnovationView.attachment_delete",
                    **self._award_context(item),
                )
        return super().render_template(template, **kwargs)

    @staticmethod
    def _award_context(item):
        """The innovation's award and its piagam link, for whoever may read it (the winning unit, the
        Sekretariat, the signer)."""
        from app.models import Award
        from app.services import downloads

        award = db.session.query(Award).filter_by(innovation_id=item.id).one_or_none()
        return {"award": award, "certificate": downloads.certificate_link(db.session, g.user, award)}

    # -- attachments from the screen (same service and rules as the API) -----------------
    def _visible_or_404(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        return item

    @expose("/attachments/<int:pk>", methods=["POST"])
    @has_access
    def attachment_upload(self, pk):
        item = self._visible_or_404(pk)
        upload = request.files.get("file")
        try:
            if upload is None:
                flash(_("Choose a PDF file first."), "warning")
            else:
                AddAttachment(g.user, item, upload.filename, upload.read(), kind=request.form.get("kind")).run()
                flash(_("Attachment uploaded."), "success")
        except DomainError as err:
            flash(err.message, "danger")
        return redirect(url_for("InnovationView.show", pk=pk))

    @expose("/team/<int:pk>", methods=["POST"])
    @has_access
    def team_save(self, pk):
        """The team editor's rows (``team-<key>`` lists, one entry per row) saved through EditProposal: the same
        ownership, draft-only and team rules as the API's PUT."""
        item = self._visible_or_404(pk)
        columns = {key: request.form.getlist(f"team-{key}") for key in teams.KEYS}
        rows = max((len(v) for v in columns.values()), default=0)
        team = [{key: (columns[key][i] if i < len(columns[key]) else "") for key in teams.KEYS} for i in range(rows)]

        def apply():
            item.team = team

        try:
            EditProposal(g.user, item, apply=apply).run()
            flash(_("Innovator team saved."), "success")
        except DomainError as err:
            db.session.rollback()
            flash(err.message, "danger")
        return redirect(url_for("InnovationView.show", pk=pk) + "#team")

    @expose("/attachments/<int:pk>/<int:attachment_id>", methods=["GET"])
    @has_access
    def attachment_download(self, pk, attachment_id):
        item = self._visible_or_404(pk)
        attachment = db.session.get(Attachment, attachment_id)
        if attachment is None or attachment.innovation_id != item.id:
            abort(404)
        try:
            stream = attachments.open_stream(attachment)
        except DomainError as err:  # the store failed: flashed, never a 500
            flash(err.message, "danger")
            return redirect(url_for("InnovationView.show", pk=pk))
        response = send_file(stream, mimetype="application/pdf", as_attachment=True,
                             download_name=attachment.original_name, max_age=0)
        # Streamed from the store in large chunks (no whole file in memory), with its length when known.
        response.response = storage.iter_chunks(stream)
        response.content_length = storage.stream_length(stream)
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    @expose("/attachments/<int:pk>/<int:attachment_id>/delete", methods=["POST"])
    @has_access
    def attachment_delete(self, pk, attachment_id):
        item = self._visible_or_404(pk)
        attachment = db.session.get(Attachment, attachment_id)
        if attachment is None or attachment.innovation_id != item.id:
            abort(404)
        try:
            RemoveAttachment(g.user, item, attachment).run()
            flash(_("Attachment removed."), "success")
        except DomainError as err:
            flash(err.message, "danger")
        return redirect(url_for("InnovationView.show", pk=pk))

    def wf_format_time(self, dt):
        return formatting.datetime_id(dt)

    def wf_form_fields(self, trigger, item):
        """Verifying attests the competition's administrative checklist, item by item; awarding asks for the
        predikat, the prize and the rank (proposed from the final ranking)."""
        if trigger == "verify" and item.competition is not None:
            return [{"name": f"checklist_{i}", "label": label, "required": True}
                    for i, label in enumerate(item.competition.effective_checklist())]
        if trigger == "award":
            from app.services import awards

            return [
                {"name": "title", "type": "text", "label": _("Predikat (e.g. Juara I)"), "required": True},
                {"name": "prize_amount", "type": "number", "label": _("Prize amount (Rupiah, optional)"),
                 "min": 0, "step": "any", "placeholder": "15000000"},
                {"name": "rank", "type": "number", "label": _("Rank"), "min": 1, "step": 1,
                 "value": awards.suggested_rank(db.session, item),
                 "help": _("Proposed from the final ranking of the competition's last round.")},
            ]
        return []

    def wf_data_from_form(self, trigger, form):
        if trigger == "award":
            data = {"title": (form.get("title") or "").strip() or None,
                    "prize_amount": _form_number(form.get("prize_amount"), rupiah=True),
                    "rank": _form_number(form.get("rank"))}
            return {k: v for k, v in data.items() if v is not None}
        if trigger != "verify":
            return {}
        pk = int((self._wf_request_pk() or 0))
        item = db.session.get(self.datamodel.obj, pk) if pk else None
        labels = item.competition.effective_checklist() if item is not None and item.competition else []
        return {"checklist": {label: form.get(f"checklist_{i}") == "1" for i, label in enumerate(labels)}}

    @staticmethod
    def _wf_request_pk():
        from flask import request

        return (request.view_args or {}).get("pk")

    def wf_notices(self, item):
        notices = []
        history = self.wf_item_history(item)
        last = history[-1] if history else None
        if last is not None and last.comment and item.state == "draft" and last.trigger == "return":
            notices.append(("warning", _("Returned by the Sekretariat for revision: %(note)s", note=last.comment)))
        if last is not None and last.comment and item.state == "rejected":
            notices.append(("danger", _("Rejected: %(reason)s", reason=last.comment)))
        if access.is_privileged(g.user):
            others = innovations.duplicates_of(db.session, item)
            if others:
                names = "; ".join(f"#{o.id} {o.title} ({o.unit.name if o.unit else '-'})" for o in others)
                notices.append(("danger", _("Duplicate title in this competition: %(others)s", others=names)))
        return notices


class VerificationQueueView(InnovationView):
    """The Sekretariat's queue: submitted proposals awaiting administrative verification."""

    route_base = "/verification"
    class_permission_name = "Verification"
    base_permissions = ["can_read"]
    base_filters = [["state", FilterEqual, "submitted"], *row_filter(access.innovation_criterion)]
    list_title = _l("Verification queue")
    show_title = _l("Verify proposal")
    list_template = "innovation/verification_list.html"
    list_columns = ["title", "unit", "competition", "changed_on"]
    base_order = ("changed_on", "asc")

    method_permission_name = {**InnovationView.method_permission_name, "verify_many": "read"}
    BULK_LIMIT = 100

    def render_template(self, template, **kwargs):
        if template == self.list_template:
            # The duplicate groups of the proposals on this page (one indexed query), not a grouping of every
            # competition on each render (issue 14: 1.1 s at 100k innovations).
            listing = (kwargs.get("widgets") or {}).get("list")
            shown = listing.template_args.get("pks", []) if listing is not None else []
            kwargs["duplicate_groups"] = innovations.duplicate_groups_of(db.session, shown)
            kwargs["bulk_verify"] = self._bulk_groups() if self.appbuilder.sm.has_access(
                "can_verify", innovation_workflow.view_menu) else []
        return super().render_template(template, **kwargs)

    def _bulk_groups(self):
        """Submitted proposals the user may see, per competition, with that competition's checklist: one form
        each, so a bulk verification attests the right list (DESIGN §3: on every door, the screen's bulk too)."""
        from sqlalchemy.orm import joinedload

        from app.models import Competition, Innovation

        rows = (db.session.query(Innovation).options(joinedload(Innovation.unit), joinedload(Innovation.competition))
                .filter(access.innovation_criterion(g.user), Innovation.state == "submitted")
                .order_by(Innovation.competition_id, Innovation.changed_on, Innovation.id).limit(self.BULK_LIMIT).all())
        groups = {}
        for inn in rows:
            groups.setdefault(inn.competition_id, []).append(inn)
        return [{"competition": db.session.get(Competition, cid), "items": items,
                 "checklist": db.session.get(Competition, cid).effective_checklist()} for cid, items in groups.items()]

    @expose("/verify_many/<int:competition_id>", methods=["POST"])
    @has_access
    def verify_many(self, competition_id):
        """Verify the ticked proposals of one competition with the checklist attested once for all of them;
        each fires the ``verify`` transition through its command in its own transaction (per-row results)."""
        from app.models import Competition

        competition = db.session.get(Competition, competition_id)
        if competition is None:
            abort(404)
        labels = competition.effective_checklist()
        checklist = {label: request.form.get(f"checklist_{i}") == "1" for i, label in enumerate(labels)}
        ids = [int(v) for v in request.form.getlist("ids") if text_rules.is_digits(v) and len(v) < 10][:self.BULK_LIMIT]
        if not ids:
            flash(_("Tick the proposals to verify first."), "warning")
        done = 0
        for pk in ids:
            try:
                self.wf_fire(pk, "verify", comment=request.form.get("comment") or None, data={"checklist": checklist},
                             visible=lambda _obj, pk=pk: self._wf_visible(pk) is not None)
            except WorkflowError as err:  # refusals per row (the checklist of another competition is refused too)
                flash(f"#{pk}: {err}", "danger")
            else:
                done += 1
        if ids:
            flash(_("%(count)s proposals verified.", count=done), "success" if done else "info")
        return redirect(url_for("VerificationQueueView.list"))


class DecreeView(FireThroughCommand, WorkflowViewMixin, DecreeCrudView):
    workflow = decree_workflow
    formatters_columns = {**DecreeCrudView.formatters_columns, "state": lambda s: state_badge(decree_workflow, s)}
    wf_danger_triggers = ("return", "revoke")
    show_template = "decree/show.html"
    show_eager = ("competition",)

    def _wf_visible(self, pk):
        return self.visible_item(pk)

    def wf_format_time(self, dt):
        return formatting.datetime_id(dt)

    def render_template(self, template, **kwargs):
        """The show page is the review before signing: the PDF inline and the winners' list (with piagam links)."""
        if template == self.show_template and "pk" in kwargs:
            item = self.visible_item(kwargs["pk"])
            if item is not None:
                from app.services import downloads

                kwargs.update(pdf_url=f"/api/v1/decree/{item.id}/pdf", decree_state=item.state,
                              winners=downloads.decree_winners(db.session, item, g.user))
        return super().render_template(template, **kwargs)

    def _paraf_needs_number(self, item):
        from app.services import decrees

        config = current_app.config
        chain = decrees.paraf_chain(config)
        step = decrees.next_paraf_step(db.session, item, chain) if chain else None
        return decrees.manual_numbering(config) and step is not None and step[0] == len(chain)

    def wf_form_fields(self, trigger, item):
        """The last paraf carries the decree number when numbers are reserved from the regency's register."""
        if trigger == "paraf" and item.state == "draft" and self._paraf_needs_number(item):
            return [{"name": "number", "type": "text", "label": _("Decree number (from the regency's register)"),
                     "required": True, "placeholder": "188/123/438.1.1.3/2026"}]
        return []

    def wf_data_from_form(self, trigger, form):
        if trigger == "paraf" and (form.get("number") or "").strip():
            return {"number": form.get("number").strip()}
        return {}

    def wf_notices(self, item):
        """The paraf chain's progress on the current text, and the notes of the last return."""
        from app.services import decrees

        notices = []
        if item.state != "draft":
            return notices
        history = self.wf_item_history(item)
        last = history[-1] if history else None
        if last is not None and last.trigger == "return" and last.comment:
            notices.append(("warning", _("Returned with notes: %(note)s", note=last.comment)))
        for entry in decrees.chain_progress(db.session, item, decrees.paraf_chain(current_app.config)):
            initial = entry["initial"]
            if initial is None:
                notices.append(("info", _("Paraf step %(step)s (%(role)s): not yet initialled.",
                                          step=entry["step"], role=entry["role"])))
            else:
                notices.append(("success", _("Paraf step %(step)s (%(role)s): initialled by %(user)s on %(at)s.",
                                             step=entry["step"], role=entry["role"], user=initial.username or "-",
                                             at=formatting.datetime_id(initial.at))))
        return notices


class WorkflowDiagramView(BaseView):
    """Each workflow drawn as a diagram (Graphviz SVG made on the server: no external assets)."""

    route_base = "/workflows"
    default_view = "index"
    class_permission_name = "Workflows"
    method_permission_name = {**METHOD_PERMISSIONS, "index": "read", "diagram": "read"}

    @expose("/")
    @has_access
    def index(self):
        return self.render_template("workflows/diagrams.html", workflows=ALL_WORKFLOWS)

    @expose("/<name>.svg")
    @has_access
    def diagram(self, name):
        for wf in ALL_WORKFLOWS:
            if wf.name == name:
                return Response(wf.diagram_svg(), mimetype="image/svg+xml")
        abort(404)
