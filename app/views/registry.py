"""Registry screens (issue 12 items 5-7): external awards, replications and sustainability statuses (list, add, edit,
delete through the commands of app/commands/registry.py, rows of the innovations the user may see), and on the
innovation screen the lineage's history and the "Bawa ke kompetisi baru" (carry over) form."""
import datetime

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField
from wtforms.validators import DataRequired, NumberRange
from wtforms.widgets import DateInput

from app.api.base import row_filter
from app.commands import registry as commands
from app.extensions import db
from app.models import ExternalAward, Replication, Sustainability
from app.models.registry import AWARD_LEVELS, SUSTAINABILITY_STATUSES
from app.services import registry
from app.services.errors import DomainError
from app.services.innovations import STATE_LABELS
from app.views import formatting as fmt
from app.views.command_crud import CommandCrudViewMixin, refusal_message
from app.views.crud import SikippModelView
from workflows.engine import WorkflowError


def _child_filter(model):
    return row_filter(lambda user: registry.child_criterion(user, model))


def _level(value):
    return registry.level_label(value)


def _status(value):
    return str(registry.STATUS_LABELS.get(value, value))


YEAR_FIELD = IntegerField(_l("Year"), validators=[DataRequired(), NumberRange(min=2000, max=2100)])
COMMON_LABELS = {"innovation": _l("Innovation"), "year": _l("Year"), "title": _l("Title"), "evidence": _l("Evidence"),
                 "created_on": _l("Created on")}


class _ChildView(CommandCrudViewMixin, SikippModelView):
    formatters_columns = {"created_on": fmt.datetime_id, "evidence": fmt.or_dash}


class ExternalAwardView(_ChildView):
    list_title = _l("External awards")
    show_title = _l("External award")
    add_title = _l("Add external award")
    edit_title = _l("Edit external award")
    datamodel = SQLAInterface(ExternalAward)
    class_permission_name = "ExternalAward"
    base_filters = _child_filter(ExternalAward)
    list_columns = ["innovation", "level", "year", "title"]
    show_columns = ["innovation", "level", "year", "title", "evidence", "created_on"]
    add_columns = ["innovation", "level", "year", "title", "evidence"]
    edit_columns = ["level", "year", "title", "evidence"]
    search_columns = ["innovation", "level", "year"]
    label_columns = {**COMMON_LABELS, "level": _l("Level")}
    description_columns = {"evidence": _l("A link to, or the reference of, the evidence (optional).")}
    formatters_columns = {**_ChildView.formatters_columns, "level": _level}
    add_form_extra_fields = edit_form_extra_fields = {
        "level": SelectField(_l("Level"), choices=[(lv, registry.LEVEL_LABELS[lv]) for lv in AWARD_LEVELS]),
        "year": YEAR_FIELD,
    }
    create_command = commands.CreateExternalAward
    edit_command = commands.EditExternalAward
    delete_command = commands.DeleteExternalAward


class ReplicationView(_ChildView):
    list_title = _l("Replications")
    show_title = _l("Replication")
    add_title = _l("Record a replication")
    edit_title = _l("Edit replication")
    datamodel = SQLAInterface(Replication)
    class_permission_name = "Replication"
    base_filters = _child_filter(Replication)
    list_columns = ["innovation", "replicator", "replicated_on"]
    show_columns = ["innovation", "replicator", "replicated_on", "evidence", "created_on"]
    add_columns = ["innovation", "replicator", "replicated_on", "evidence"]
    edit_columns = ["replicator", "replicated_on", "evidence"]
    search_columns = ["innovation", "replicator"]
    label_columns = {**COMMON_LABELS, "replicator": _l("Replicated by (unit or Pemda)"),
                     "replicated_on": _l("Replicated on")}
    formatters_columns = {**_ChildView.formatters_columns, "replicated_on": fmt.date_id}
    add_form_extra_fields = edit_form_extra_fields = {
        "replicated_on": DateField(_l("Replicated on"), widget=DateInput(), validators=[DataRequired()]),
    }
    create_command = commands.CreateReplication
    edit_command = commands.EditReplication
    delete_command = commands.DeleteReplication


class SustainabilityView(_ChildView):
    list_title = _l("Sustainability")
    show_title = _l("Sustainability status")
    add_title = _l("Record a sustainability status")
    edit_title = _l("Edit sustainability status")
    datamodel = SQLAInterface(Sustainability)
    class_permission_name = "Sustainability"
    base_filters = _child_filter(Sustainability)
    list_columns = ["innovation", "year", "status"]
    show_columns = ["innovation", "year", "status", "notes", "evidence", "created_on"]
    add_columns = ["innovation", "year", "status", "notes", "evidence"]
    edit_columns = ["year", "status", "notes", "evidence"]
    search_columns = ["innovation", "year", "status"]
    label_columns = {**COMMON_LABELS, "status": _l("Status"), "notes": _l("Notes")}
    formatters_columns = {**_ChildView.formatters_columns, "status": _status, "notes": fmt.or_dash}
    add_form_extra_fields = edit_form_extra_fields = {
        "status": SelectField(_l("Status"), choices=[(s, registry.STATUS_LABELS[s]) for s in SUSTAINABILITY_STATUSES]),
        "year": YEAR_FIELD,
    }
    create_command = commands.CreateSustainability
    edit_command = commands.EditSustainability
    delete_command = commands.DeleteSustainability


class RegistryViewMixin:
    """On the innovation screen: the lineage's history and the carry-over form (a new draft in an open
    competition, through the CarryOver command)."""

    def render_template(self, template, **kwargs):
        # The show page only links to the history page: the lineage's history costs several queries, and a show
        # request stays within a few statements at any table size (issue 14). visible_item is the show's own row.
        if template == self.show_template and "pk" in kwargs:
            item = self.visible_item(kwargs["pk"])
            if item is not None and registry.may_read_history(g.user, item):
                kwargs["registry_link"] = url_for(f"{self.endpoint}.registry_history", pk=item.id)
        return super().render_template(template, **kwargs)

    @expose("/registry/<int:pk>")
    @has_access
    def registry_history(self, pk):
        """The lineage's history across competitions and the carry-over form (Sekretariat and the unit)."""
        item = self.visible_item(pk)
        if item is None:
            abort(404)
        if not registry.may_read_history(g.user, item):
            abort(403)
        return self.render_template(
            "innovation/registry.html", item=item, pk=item.id, registry=registry.history(db.session, item),
            level_label=_level, status_label=_status, registry_state_label=lambda s: str(STATE_LABELS.get(s, s)),
            iso_date=datetime.date.fromisoformat,
            carry_targets=[c for c in registry.open_competitions(db.session) if c.id != item.competition_id],
            )

    @expose("/carry_over/<int:pk>", methods=["POST"])
    @has_access
    def carry_over(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        raw = (request.form.get("competition_id") or "").strip()
        try:
            copy = commands.CarryOver(g.user, pk, int(raw) if raw.isdigit() and len(raw) < 10 else raw).run()
        except (DomainError, WorkflowError) as err:
            flash(refusal_message(err), "danger")
            return redirect(url_for(f"{self.endpoint}.registry_history", pk=pk))
        flash(_("Carried into \"%(competition)s\" as a new draft.", competition=copy.competition.name), "success")
        return redirect(url_for(f"{self.endpoint}.show", pk=copy.id))
