"""Admin screens (FAB ModelViews). Thin: the same row filters and services as the APIs."""
import re

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.fieldwidgets import Select2ManyWidget
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    DecimalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.validators import URL, DataRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import DateInput

from app.api import resources
from app.api.base import METHOD_PERMISSIONS, EstimatedCountInterface, row_filter
from app.commands import decrees as decree_commands
from app.commands import judging as judging_commands
from app.commands import proposals
from app.commands import signers as signer_commands
from app.extensions import db
from app.models import (
    Assignment,
    AuditLog,
    Award,
    Competition,
    Criterion,
    Decree,
    Innovation,
    Round,
    SignerProfile,
    Unit,
)
from app.models.competition import DEFAULT_WORD_LIMITS
from app.services import access, competitions, evidence, groups, innovations, text_rules
from app.services.errors import DomainError, Invalid
from app.views import formatting as fmt
from app.views import nomination_fields  # nomination upward (issue 12 item 8)
from app.views.base import GuardedModelView, api_rules
from app.views.command_crud import CommandCrudViewMixin

SECTION_LABELS = {
    "summary": _l("Summary"), "background": _l("Background and Objectives"), "novelty": _l("Novelty / Added Value"),
    "implementation": _l("Implementation"), "significance": _l("Significance"), "adaptability": _l("Adaptability"),
    "resources": _l("Resources"), "sustainability": _l("Sustainability Strategy"),
}


class SikippModelView(GuardedModelView):
    method_permission_name = METHOD_PERMISSIONS
    page_size = 25

    def _run(self, func, *args):
        try:
            func(*args)
        except DomainError as err:
            db.session.rollback()
            raise Exception(err.message) from None  # FAB flashes the message and keeps the form


class UnitView(SikippModelView):
    list_title = _l("Units")
    show_title = _l("Unit details")
    add_title = _l("Add unit")
    edit_title = _l("Edit unit")
    datamodel = SQLAInterface(Unit)
    class_permission_name = "Unit"
    base_filters = row_filter(access.unit_criterion)
    list_columns = ["code", "name", "kind", "sakip_grade", "is_demo"]
    show_columns = ["code", "name", "kind", "sakip_grade", "is_demo", "office_address", "office_phone",
                    "office_email"]
    add_columns = ["code", "name", "kind", "sakip_grade", "office_address", "office_phone", "office_email"]
    edit_columns = add_columns
    search_columns = ["code", "name", "kind", "sakip_grade"]
    validators_columns = api_rules(resources.UnitApi)  # the API's bounds (DESIGN §8: every door)
    label_columns = {"code": _l("Code"), "name": _l("Name"), "kind": _l("Kind"), "sakip_grade": _l("SAKIP grade"),
                     "is_demo": _l("Demo data"), "office_address": _l("Office address"),
                     "office_phone": _l("Office phone"), "office_email": _l("Office e-mail")}
    description_columns = {"office_email": _l("The office's address (shown in the public catalogue), never a "
                                              "person's.")}
    formatters_columns = {"kind": fmt.unit_kind, "sakip_grade": fmt.or_dash, "is_demo": fmt.yes_no,
                          "office_address": fmt.or_dash, "office_phone": fmt.or_dash, "office_email": fmt.or_dash}


class CriterionView(CommandCrudViewMixin, SikippModelView):
    """Criteria through their commands: frozen with the round once it has sheets (as in the API)."""

    list_title = _l("Criteria")
    show_title = _l("Criterion details")
    add_title = _l("Add criterion")
    edit_title = _l("Edit criterion")
    datamodel = SQLAInterface(Criterion)
    class_permission_name = "Criterion"
    validators_columns = api_rules(resources.CriterionApi)
    list_columns = ["round", "sequence", "name", "weight", "max_score"]
    add_columns = ["round", "sequence", "name", "description", "weight", "max_score"]
    edit_columns = ["sequence", "name", "description", "weight", "max_score"]
    show_columns = add_columns
    label_columns = {"round": _l("Round"), "sequence": _l("Order"), "name": _l("Name"),
                     "description": _l("Description"), "weight": _l("Weight"), "max_score": _l("Maximum score")}
    formatters_columns = {"weight": fmt.number, "max_score": fmt.number, "description": fmt.or_dash}
    create_command = judging_commands.CreateCriterion
    edit_command = judging_commands.EditCriterion
    delete_command = judging_commands.DeleteCriterion


class RoundView(CommandCrudViewMixin, SikippModelView):
    """Rounds through their commands (frozen fields once sheets exist, the same bounds as the API)."""

    list_title = _l("Rounds")
    show_title = _l("Round details")
    add_title = _l("Add round")
    edit_title = _l("Edit round")
    datamodel = SQLAInterface(Round)
    class_permission_name = "Round"
    validators_columns = api_rules(resources.RoundApi)  # e.g. sequence 1..1000, as the API
    related_views = [CriterionView]
    list_columns = ["competition", "sequence", "name", "weight", "shortlist_size", "pass_mark", "blind",
                    "normalize_z"]
    add_columns = ["competition", "sequence", "name", "weight", "shortlist_size", "pass_mark", "category_quotas",
                   "blind", "normalize_z"]
    edit_columns = ["sequence", "name", "weight", "shortlist_size", "pass_mark", "category_quotas", "blind",
                    "normalize_z"]
    show_columns = add_columns + ["closed_at"]
    label_columns = {"competition": _l("Competition"), "sequence": _l("Order"), "name": _l("Name"),
                     "weight": _l("Weight"), "shortlist_size": _l("Shortlist size"), "blind": _l("Blind review"),
                     "normalize_z": _l("Z-score normalisation"), "closed_at": _l("Closed at"),
                     "pass_mark": _l("Pass mark"), "category_quotas": _l("Quota per category")}
    description_columns = {
        "shortlist_size": _l("How many advance per group and category when the round closes (empty: all)."),
        "pass_mark": _l("Only innovations scoring at least this (0–100) advance when the round closes; empty = no "
                        "pass mark."),
        "category_quotas": _l("Optional, one line per category: \"category = n\" advance from that category "
                              "(per group) instead of the shortlist size."),
    }
    formatters_columns = {"weight": fmt.weight, "blind": fmt.yes_no, "normalize_z": fmt.yes_no,
                          "closed_at": fmt.datetime_id, "shortlist_size": fmt.or_dash, "pass_mark": fmt.or_dash,
                          "category_quotas": lambda q: groups.quotas_text(q) or fmt.DASH}
    # issue 12 item 2: a plain number input (0 is a real mark) and the quotas as "category = n" lines; the
    # command parses and checks both (the same rule and message as the API).
    add_form_extra_fields = edit_form_extra_fields = {
        "pass_mark": DecimalField(_l("Pass mark"), places=None, validators=[Optional()],
                                  description=_l("Only innovations scoring at least this (0–100) advance when the "
                                                 "round closes; empty = no pass mark.")),
        "category_quotas": TextAreaField(
            _l("Quota per category"), validators=[Optional()],
            description=_l("Optional, one line per category: \"category = n\" advance from that category (per "
                           "group) instead of the shortlist size.")),
    }

    def prefill_form(self, form, pk):
        form.category_quotas.data = groups.quotas_text(form.category_quotas.data) if isinstance(
            form.category_quotas.data, dict) else form.category_quotas.data

    def _form_data(self, form, columns):
        data = super()._form_data(form, columns)
        if data.get("pass_mark") is not None:
            data["pass_mark"] = float(data["pass_mark"])
        return data
    create_command = judging_commands.CreateRound
    edit_command = judging_commands.EditRound
    delete_command = judging_commands.DeleteRound


ELIGIBILITY_CHOICES = {"": _l("No rule"), "kabupaten": _l("Regency (kabupaten) or above"),
                       "provinsi": _l("Province (provinsi) or above"), "nasional": _l("National (nasional) or above")}


class EvidenceKindsText:
    """WTForms validator of the competition form's evidence kinds (one per line): the service's rule and message."""

    def __call__(self, form, field):
        if isinstance(field.data, list):
            return
        try:
            evidence.from_lines(field.data)
        except DomainError as err:
            raise ValidationError(err.message) from None


def _evidence_kinds_field():
    return TextAreaField(
        _l("Evidence kinds"), validators=[Optional(), EvidenceKindsText()],
        render_kw={"rows": 4, "class": "form-control", "placeholder": "sk_tim | SK tim inovasi | wajib | 1"},
        description=_l("One kind per line: code | label | wajib or opsional | max MB (empty: the attachment size "
                       "limit). With kinds, every attachment names its kind and submitting needs every required "
                       "kind."))


class CompetitionView(SikippModelView):
    list_title = _l("Competitions")
    show_title = _l("Competition details")
    add_title = _l("Add competition")
    edit_title = _l("Edit competition")
    datamodel = SQLAInterface(Competition)
    class_permission_name = "Competition"
    validators_columns = api_rules(resources.CompetitionApi, "name", "year", "min_implementation_years",
                                   "max_attachment_mb")
    related_views = [RoundView]
    list_columns = ["name", "year", "submission_deadline", "groups", "categories"]
    add_columns = ["name", "year", "submission_deadline", "description", "min_implementation_years",
                   "max_attachment_mb", "objection_days", "feedback_to_units", "evidence_kinds", "groups",
                   "categories", "eligibility_max_award_level"]
    show_columns = add_columns + ["created_on"]
    search_columns = ["name", "year"]
    label_columns = {"name": _l("Name"), "year": _l("Year"), "submission_deadline": _l("Submission deadline"),
                     "description": _l("Description"), "min_implementation_years": _l("Minimum age (years)"),
                     "max_attachment_mb": _l("Attachment size limit (MB)"), "created_on": _l("Created on"),
                     "objection_days": _l("Objection period (days)"),
                     "feedback_to_units": _l("Show the jurors' comments to the units"),
                     "evidence_kinds": _l("Evidence kinds"),
                     "groups": _l("Groups"), "categories": _l("Categories"),
                     "eligibility_max_award_level": _l("Not eligible with a past award at")}
    description_columns = {"submission_deadline": _l("Local time of the regency (SIKIPP_TIMEZONE)."),
                           "groups": _l("KIPP groups of this competition; the first is a proposal's default."),
                           "categories": _l("Thematic categories, one per line; empty = the unit's kind is the "
                                            "category."),
                           "eligibility_max_award_level": _l("An innovation whose lineage already holds an award at "
                                                             "this level or above cannot be submitted (awards of "
                                                             "this competition count as kabupaten)."),
                           "objection_days": _l("Days after an announcement of results during which anyone may "
                                                "object, until 23:59:59 local time of the last day; 0 = none."),
                           "feedback_to_units": _l("Once a round is closed, each unit reads the comments of the "
                                                   "final score sheets on its results page, without the jurors' "
                                                   "names.")}
    formatters_columns = {"submission_deadline": fmt.datetime_id, "created_on": fmt.datetime_id,
                          "description": fmt.or_dash, "feedback_to_units": fmt.yes_no,
                          "evidence_kinds": lambda kinds: Markup("<br>").join(evidence.to_lines(kinds).splitlines())
                          or "—",
                          "groups": lambda gs: ", ".join(groups.group_label(g) for g in gs or ()) or fmt.DASH,
                          "categories": fmt.text_list,
                          "eligibility_max_award_level": lambda v: str(ELIGIBILITY_CHOICES.get(v or "", "—"))}
    # Native datetime input in local time: FAB's datepicker empties typed values (see InnovationCrudView).
    add_form_extra_fields = edit_form_extra_fields = {
        # A plain check box (FAB makes a non-nullable column required: an unticked box would fail).
        "feedback_to_units": BooleanField(_l("Show the jurors' comments to the units"), default=False),
        # Registry (issue 12): the rule on past awards; empty = none.
        "eligibility_max_award_level": SelectField(_l("Not eligible with a past award at"),
                                                   choices=list(ELIGIBILITY_CHOICES.items()), default="",
                                                   # "" (none) is stored as NULL; coerce (not a filter) so the
                                                   # choice check compares like with like: a filter made "—"
                                                   # an invalid choice and the form unsavable without a rule.
                                                   coerce=lambda v: v or None),
        "submission_deadline": DateTimeLocalField(
            _l("Submission deadline"), format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"], validators=[DataRequired()],
            description=_l("Local time of the regency (SIKIPP_TIMEZONE).")),
        # 0 is a real value (no window): FAB's generated field would refuse it as "required"; empty keeps the
        # stored value (5 for a new competition).
        "objection_days": IntegerField(
            _l("Objection period (days)"), default=5, validators=[Optional(), NumberRange(min=0, max=90)],
            description=_l("Days after an announcement of results during which anyone may object, until 23:59:59 "
                           "local time of the last day; 0 = none.")),
        "evidence_kinds": _evidence_kinds_field(),
        # issue 12 item 1: groups as check boxes (in KIPP's order), categories one per line; checked by the
        # same rules as the API (app.services.groups) in pre_add / pre_update.
        "groups": SelectMultipleField(
            _l("Groups"), choices=[(g, groups.GROUP_LABELS[g]) for g in groups.GROUPS], default=["umum"],
            widget=Select2ManyWidget(), validators=[Optional()],  # none chosen: umum (DESIGN §11 default)
            description=_l("KIPP groups of this competition; the first is a proposal's default.")),
        "categories": TextAreaField(
            _l("Categories"), validators=[Optional()],
            description=_l("Thematic categories, one per line; empty = the unit's kind is the category.")),
    }

    # --- nomination upward (issue 12 item 8): the quota per level, a JSON text box ---
    add_columns = add_columns + ["nomination_quota"]
    edit_columns = add_columns
    show_columns = show_columns + ["nomination_quota"]
    label_columns = {**label_columns, "nomination_quota": _l("Nomination quota per level")}
    formatters_columns = {**formatters_columns, "nomination_quota": nomination_fields.quota_text}
    add_form_extra_fields = edit_form_extra_fields = {**add_form_extra_fields,
                                                      "nomination_quota": nomination_fields.quota_field()}
    # --- end nomination upward ---

    def prefill_form(self, form, pk):
        """The stored deadline is UTC; the form shows and takes local time. Evidence kinds show one per line."""
        form.submission_deadline.data = competitions.to_local_naive(form.submission_deadline.data)
        if isinstance(form.evidence_kinds.data, list) or form.evidence_kinds.data is None:
            form.evidence_kinds.data = evidence.to_lines(form.evidence_kinds.data)
        if isinstance(form.categories.data, list):
            form.categories.data = "\n".join(form.categories.data)

    @staticmethod
    def _kinds_from_form(item):
        if not isinstance(item.evidence_kinds, list):  # the form's text (already validated at the field)
            item.evidence_kinds = evidence.from_lines(item.evidence_kinds)

    def _structure(self, item):
        """Groups (KIPP order) and categories from the form, checked by the API's rules: a refusal is flashed."""
        if isinstance(item.categories, str):
            item.categories = groups.parse_lines(item.categories)
        item.groups = [g for g in groups.GROUPS if g in (item.groups or ())] or list(groups.DEFAULT_GROUPS)
        item.categories = item.categories or []
        problem = groups.groups_problem(item.groups) or groups.categories_problem(item.categories)
        if problem:
            raise Invalid(problem, field="groups")

    def pre_add(self, item):
        self._kinds_from_form(item)
        item.submission_deadline = competitions.to_utc_naive(item.submission_deadline)
        if item.objection_days is None:
            item.objection_days = 5
        self._run(self._structure, item)
        competitions.add_default_rounds(item)

    def pre_update(self, item):
        self._kinds_from_form(item)
        with db.session.no_autoflush:  # the stored value, not the form's not-yet-converted one
            old = db.session.query(Competition.submission_deadline).filter_by(id=item.id).scalar()
            if item.objection_days is None:
                item.objection_days = db.session.query(Competition.objection_days).filter_by(id=item.id).scalar()
        item.submission_deadline = competitions.to_utc_naive(item.submission_deadline)
        self._run(self._structure, item)
        competitions.log_deadline_change(db.session, item, old, g.user)


REPLICATION_FORM_FIELDS = ["replicates_id", "replicates_text"]  # replication (issue 12)
INNOVATION_FIELDS = ["competition", "title", "group", "category", *SECTION_LABELS, "started_on", "video_url",
                     "sdg_goals", *REPLICATION_FORM_FIELDS]

SDG_NAMES = (
    "Tanpa Kemiskinan", "Tanpa Kelaparan", "Kehidupan Sehat dan Sejahtera", "Pendidikan Berkualitas",
    "Kesetaraan Gender", "Air Bersih dan Sanitasi Layak", "Energi Bersih dan Terjangkau",
    "Pekerjaan Layak dan Pertumbuhan Ekonomi", "Industri, Inovasi dan Infrastruktur", "Berkurangnya Kesenjangan",
    "Kota dan Permukiman yang Berkelanjutan", "Konsumsi dan Produksi yang Bertanggung Jawab",
    "Penanganan Perubahan Iklim", "Ekosistem Lautan", "Ekosistem Daratan",
    "Perdamaian, Keadilan dan Kelembagaan yang Tangguh", "Kemitraan untuk Mencapai Tujuan",
)


def _form_competition(form):
    """The competition whose word limits apply: chosen in the add form, or the edited row's."""
    field = getattr(form, "competition", None)
    if field is not None and field.data is not None:
        return field.data
    pk = (request.view_args or {}).get("pk")
    innovation = db.session.get(Innovation, int(pk)) if pk and text_rules.is_digits(str(pk)) else None
    return innovation.competition if innovation is not None else None


def _form_competitions(form):
    """The competition of the form (the edited proposal's or the chosen one), else every competition."""
    competition = _form_competition(form)
    if competition is not None:
        return [competition]
    return db.session.query(Competition).order_by(Competition.year.desc(), Competition.id.desc()).all()


def _group_choices(form, field):
    codes = []
    for competition in _form_competitions(form):
        codes += [g for g in groups.effective_groups(competition) if g not in codes]
    return [("", "—")] + [(g, groups.group_label(g)) for g in codes]


def _category_choices(form, field):
    names = []
    for competition in _form_competitions(form):
        names += [c for c in groups.effective_categories(competition) if c not in names]
    return [("", "—")] + [(c, c) for c in names]


class WordLimit:
    """WTForms validator: the section's word limit of the competition, shown at the field (the form keeps what
    was typed). The rule itself is the service's (``innovations.section_word_problem``), which the proposal
    commands apply again on save."""

    def __init__(self, section):
        self.section = section

    def __call__(self, form, field):
        problem = innovations.section_word_problem(_form_competition(form), self.section, field.data)
        if problem:
            raise ValidationError(problem)


class InnovationCrudView(SikippModelView):
    list_title = _l("Innovations")
    show_title = _l("Innovation proposal")
    add_title = _l("New innovation proposal")
    edit_title = _l("Edit innovation proposal")
    datamodel = EstimatedCountInterface(Innovation)
    class_permission_name = "Innovation"
    base_filters = row_filter(access.innovation_criterion)
    add_template = "innovation/add.html"
    edit_template = "innovation/edit.html"
    list_columns = ["title", "unit", "competition", "group", "category", "state", "changed_on"]
    formatters_columns = {
        "group": fmt.group, "category": fmt.category,
        "changed_on": fmt.datetime_id, "created_on": fmt.datetime_id, "started_on": fmt.date_id,
        "sdg_goals": lambda goals: ", ".join(f"{g}. {SDG_NAMES[g - 1]}" for g in goals or () if 1 <= g <= 17) or "—",
        "video_url": lambda url: Markup('<a href="{0}" target="_blank" rel="noopener noreferrer">{0}</a>').format(url)
        if url and url.startswith(("http://", "https://")) else (url or "—"),
    }
    show_columns = ["competition", "unit", "title", "group", "category", *SECTION_LABELS, "started_on", "video_url",
                    "sdg_goals", "state", "created_on", "changed_on", "replicates", "replicates_text", "lineage_id"]
    add_columns = INNOVATION_FIELDS
    edit_columns = ["title", "group", "category", *SECTION_LABELS, "started_on", "video_url", "sdg_goals",
                    *REPLICATION_FORM_FIELDS]
    search_columns = ["title", "state", "competition", "unit", "group", "category"]
    label_columns = {"competition": _l("Competition"), "unit": _l("Unit"), "title": _l("Title"),
                     "group": _l("Group"), "category": _l("Category"),
                     "state": _l("State"), "started_on": _l("Started on"), "video_url": _l("Video link"),
                     "sdg_goals": _l("SDG goals"), "created_on": _l("Created on"), "changed_on": _l("Changed on"),
                     "replicates": _l("Replicates (innovation here)"), "replicates_id": _l("Replicates (innovation here)"),
                     "replicates_text": _l("Replicates (another region's innovation)"), "lineage_id": _l("Lineage"),
                     **SECTION_LABELS}
    description_columns = {
        "started_on": _l("The date the innovation was first implemented (it must have run long enough)."),
        "video_url": _l("A link to a video of the innovation (YouTube or similar)."),
    }
    validators_columns = {
        "title": [DataRequired(), Length(max=200)],
        "video_url": [Optional(), URL(require_tld=True, message=_l("Enter a valid web address (https://…)."))],
        **{section: [WordLimit(section)] for section in SECTION_LABELS},
    }
    add_form_extra_fields = edit_form_extra_fields = {
        # A native date input: FAB's datepicker widget re-parses typed dates with its default US format
        # (its data-provide init) and silently empties them on blur.
        "started_on": DateField(_l("Started on"), widget=DateInput(), validators=[Optional()],
                                description=_l("The date the innovation was first implemented (it must have run "
                                               "long enough).")),
        "sdg_goals": SelectMultipleField(
            _l("SDG goals"), coerce=int, choices=[(i, f"{i}. {name}") for i, name in enumerate(SDG_NAMES, 1)],
            widget=Select2ManyWidget(), validators=[Optional()]),
        # issue 12 item 1: the choices of the competition being edited (every competition's on a new proposal);
        # the proposal command checks them against the chosen competition (app.services.groups).
        "group": SelectField(_l("Group"), choices=_group_choices, validate_choice=False, validators=[Optional()],
                             description=_l("KIPP group (umum, replikasi, khusus); empty = the competition's "
                                            "first group.")),
        "category": SelectField(_l("Category"), choices=_category_choices, validate_choice=False,
                                validators=[Optional()],
                                description=_l("One of the competition's categories; empty when it has none (the "
                                               "unit's kind is the category).")),
        # Replication (issue 12): the original's number as the catalogue shows it (any unit's innovation, which
        # the row-filtered relation select could not offer); the rules are the proposal commands'.
        "replicates_id": IntegerField(_l("Replicates (innovation here)"), validators=[Optional()],
                                      description=_l("For the replikasi group: the number of the original innovation "
                                                     "(as in the catalogue).")),
    }

    def render_template(self, template, **kwargs):
        if template in (self.add_template, self.edit_template):
            by_competition = {str(c.id): c.effective_word_limits() for c in db.session.query(Competition)}
            pk = (request.view_args or {}).get("pk")
            current = None
            if pk and text_rules.is_digits(str(pk)):
                innovation = db.session.get(Innovation, int(pk))
                current = innovation.competition.effective_word_limits() if innovation else None
            kwargs["word_limits"] = {"default": DEFAULT_WORD_LIMITS, "by_competition": by_competition,
                                     "current": current}
        return super().render_template(template, **kwargs)

    # The proposal commands save (ownership, draft-only, title and word limits, audit); FAB's own save after
    # them finds nothing left to write. A refusal is flashed (SikippModelView._run).
    def pre_add(self, item):
        if item.competition is not None:
            item.competition_id = item.competition.id
        self._run(lambda: proposals.CreateProposal(g.user, item).run())

    def pre_update(self, item):
        original = proposals.pending_original(item)
        self._run(lambda: proposals.EditProposal(g.user, item, original=original).run())

    def _delete(self, pk):
        """Delete through the command (FAB's own delete would then find a row that is already gone)."""
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            abort(404)
        try:
            proposals.DeleteProposal(g.user, item).run()
        except DomainError as err:
            flash(err.message, "danger")
        else:
            flash(self.delete_row_message, "success")
        self.update_redirect()

    @expose("/edit/<pk>", methods=["GET", "POST"])
    @has_access
    def edit(self, pk):
        """Refuse before showing the form when the proposal is not an editable draft of the user's unit (a form
        sent anyway is refused by the command itself, which records the attempt)."""
        item = self.datamodel.get(pk, self._base_filters) if text_rules.is_digits(str(pk)) else None
        if item is None:
            abort(404)
        try:
            innovations.ensure_editable(item, g.user)
        except DomainError as err:
            message = err.message
            if request.method == "POST":  # sent anyway: the command refuses it and records the attempt
                try:
                    proposals.EditProposal(g.user, item, original={}).run()
                except DomainError as refused:
                    message = refused.message
            flash(message, "warning")
            return redirect(url_for(f"{self.endpoint}.show", pk=pk))
        return super().edit(pk)


class AssignmentView(CommandCrudViewMixin, SikippModelView):
    """Manual assignments through their commands (eligible juror, open round; a recused assignment or one
    with a sheet is neither moved nor deleted)."""

    list_title = _l("Jury assignments")
    show_title = _l("Assignment details")
    add_title = _l("Add assignment")
    edit_title = _l("Edit assignment")
    datamodel = EstimatedCountInterface(Assignment)
    class_permission_name = "Assignment"
    base_filters = row_filter(access.assignment_criterion)
    list_columns = ["round", "innovation", "juror", "status"]
    add_columns = ["round", "innovation", "juror"]
    edit_columns = ["juror"]
    show_columns = ["round", "innovation", "juror", "status", "recusal_reason", "created_on"]
    label_columns = {"round": _l("Round"), "innovation": _l("Innovation"), "juror": _l("Juror"),
                     "status": _l("Status"), "recusal_reason": _l("Recusal reason"), "created_on": _l("Created on")}
    formatters_columns = {"status": fmt.assignment_status, "juror": fmt.user_name, "created_on": fmt.datetime_id,
                          "recusal_reason": fmt.or_dash}
    create_command = judging_commands.CreateAssignment
    edit_command = judging_commands.EditAssignment
    delete_command = judging_commands.DeleteAssignment


class AwardView(SikippModelView):
    list_title = _l("Awards")
    show_title = _l("Award details")
    add_title = _l("Add award")
    edit_title = _l("Edit award")
    datamodel = SQLAInterface(Award)
    class_permission_name = "Award"
    base_permissions = ["can_read"]
    list_columns = ["innovation", "title", "rank", "group", "category", "score", "prize_amount"]
    show_columns = list_columns + ["created_on"]
    label_columns = {"innovation": _l("Innovation"), "title": _l("Title"), "rank": _l("Rank"),
                     "category": _l("Category"), "score": _l("Score"), "prize_amount": _l("Prize"),
                     "created_on": _l("Created on"), "group": _l("Group")}
    formatters_columns = {"rank": fmt.or_dash, "category": fmt.category, "group": fmt.group, "score": fmt.score,
                          "prize_amount": fmt.money, "created_on": fmt.datetime_id}
    show_template = "award/show.html"

    def render_template(self, template, **kwargs):
        """The award's page carries its piagam link (DESIGN §9: the Sekretariat downloads per award), by the same
        rule as everywhere else (app.services.downloads)."""
        if template == self.show_template and "pk" in kwargs:
            from app.services import downloads

            award = self.datamodel.get(kwargs["pk"], self._base_filters)
            kwargs["certificate"] = downloads.certificate_link(db.session, g.user, award)
        return super().render_template(template, **kwargs)


class DecreeCrudView(CommandCrudViewMixin, SikippModelView):
    """Decree drafts through their commands: only a draft is editable (signing is a transition)."""

    list_title = _l("Decrees")
    show_title = _l("Decree details")
    add_title = _l("New decree draft")
    edit_title = _l("Edit decree draft")
    datamodel = SQLAInterface(Decree)
    class_permission_name = "Decree"
    list_columns = ["competition", "number", "title", "state", "signed_at"]
    add_columns = ["competition", "title", "considerations", "legal_bases", "supersedes"]
    edit_columns = ["title", "considerations", "legal_bases", "supersedes"]
    show_columns = ["competition", "number", "title", "considerations", "legal_bases", "supersedes", "state",
                    "signed_at"]
    label_columns = {"competition": _l("Competition"), "number": _l("Number"), "title": _l("Title"),
                     "considerations": _l("Considerations (Menimbang)"), "legal_bases": _l("Legal bases (Mengingat)"),
                     "state": _l("State"), "signed_at": _l("Signed at"),
                     "supersedes": _l("Supersedes (revokes or amends) decree")}
    formatters_columns = {"number": fmt.decree_number, "state": lambda s: fmt.state_badge(s, "decree"),
                          "signed_at": fmt.datetime_id}
    create_command = decree_commands.CreateDecreeDraft
    edit_command = decree_commands.EditDecreeDraft
    delete_command = decree_commands.DeleteDecreeDraft


class SignerProfileView(CommandCrudViewMixin, SikippModelView):
    """Signing profiles through their commands: the Sekretariat and the Admin edit any, a signer its own."""

    list_title = _l("Signing profiles")
    show_title = _l("Signing profile")
    add_title = _l("Add signing profile")
    edit_title = _l("Edit signing profile")
    datamodel = SQLAInterface(SignerProfile)
    class_permission_name = "SignerProfile"
    base_filters = row_filter(access.signer_profile_criterion)
    # Explicit: FAB's default searches every text column, and a "starts with" filter on key_pem would read the
    # private key back one character at a time.
    search_columns = ["user", "name"]
    list_columns = ["user", "delegation", "jabatan", "name", "nip"]
    add_columns = ["user", "delegation", "jabatan", "own_jabatan", "name", "pangkat", "nip", "key_path", "cert_path",
                   "key_pem", "cert_pem"]
    # The stored private key is never shown again (not even in the edit form): replace it through the API.
    edit_columns = ["delegation", "jabatan", "own_jabatan", "name", "pangkat", "nip", "key_path", "cert_path",
                    "cert_pem"]
    show_columns = ["user", "delegation", "jabatan", "own_jabatan", "name", "pangkat", "nip", "key_path",
                    "cert_path", "changed_on"]
    label_columns = {"user": _l("Signer (user)"), "delegation": _l("Plt. / Plh. / a.n."),
                     "jabatan": _l("Jabatan signed for (e.g. Bupati Sidoarjo)"),
                     "own_jabatan": _l("Own jabatan (a.n.: e.g. Sekretaris Daerah)"), "name": _l("Name"),
                     "pangkat": _l("Pangkat / golongan"), "nip": _l("NIP"), "key_path": _l("Key file path"),
                     "cert_path": _l("Certificate file path"), "key_pem": _l("Key (PEM)"),
                     "cert_pem": _l("Certificate (PEM)"), "changed_on": _l("Changed")}
    formatters_columns = {"delegation": lambda d: {"plt": "Plt.", "plh": "Plh.", "an": "a.n."}.get(d or "", "-"),
                          "changed_on": competitions.format_local}
    create_command = signer_commands.CreateSignerProfile
    edit_command = signer_commands.EditSignerProfile
    delete_command = signer_commands.DeleteSignerProfile
    add_form_extra_fields = edit_form_extra_fields = {
        "delegation": SelectField(_l("Plt. / Plh. / a.n."), choices=[("", "-"), ("plt", "Plt."), ("plh", "Plh."),
                                                                     ("an", "a.n.")], default=""),
    }


AUDIT_TARGETS = {"innovation": _l("Innovation"), "decree": _l("Decree"), "competition": _l("Competition"),
                 "assignment": _l("Assignment"), "score_sheet": _l("Score sheet"), "user": _l("User"),
                 "round": _l("Round"), "criterion": _l("Criterion"), "award": _l("Award"), "unit": _l("Unit")}
# The historic action names (without a dot) as a person reads them.
AUDIT_NAMED_ACTIONS = {
    "round_auto_assigned": _l("Round: jurors assigned automatically"),
    "assignment_recused": _l("Assignment: conflict of interest declared"),
    "assignment_reassigned": _l("Assignment: reassigned"), "score_sheet_saved": _l("Score sheet: saved"),
    "score_sheet_reopened": _l("Score sheet: reopened"), "round_reminded": _l("Round: jurors reminded"),
    "juror_reminded": _l("Juror reminded"), "round_closed": _l("Round: closed"),
    "deadline_changed": _l("Competition: submission deadline changed"),
}
# Fields of the before → after detail as a person reads them.
AUDIT_FIELDS = {"state": _l("State"), "title": _l("Title"), "name": _l("Name"), "weight": _l("Weight"),
                "sequence": _l("Order"), "juror_id": _l("Juror"), "round_id": _l("Round"),
                "innovation_id": _l("Innovation"), "status": _l("Status"), "comment": _l("Comment"),
                "final": _l("Final"), "reason": _l("Reason"), "submission_deadline": _l("Submission deadline"),
                "shortlist_size": _l("Shortlist size"), "max_score": _l("Maximum score"), "number": _l("Number"),
                "prize_amount": _l("Prize"), "rank": _l("Rank"), "scores": _l("Scores"), "score": _l("Score")}
AUDIT_ACTIONS = {"create": _l("Created"), "edit": _l("Changed"), "delete": _l("Deleted"),
                 "attachment_add": _l("Attachment added"), "attachment_remove": _l("Attachment removed")}


def audit_action_label(action):
    """"innovation.verify" → "Inovasi: Verifikasi"; a refused attempt is marked as such."""
    from app.lifecycles import ALL_WORKFLOWS

    action = action or ""
    refused = action.endswith(".refused")
    base = action[: -len(".refused")] if refused else action
    kind, _dot, verb = base.partition(".")
    label = AUDIT_ACTIONS.get(verb)
    for wf in ALL_WORKFLOWS:
        if wf.name == kind and verb in wf.transitions:
            label = wf.transitions[verb].label or verb
    if base in AUDIT_NAMED_ACTIONS:
        text = str(AUDIT_NAMED_ACTIONS[base])
    else:
        text = (f"{AUDIT_TARGETS.get(kind, kind)}: {label or verb or kind}" if verb
                else str(AUDIT_TARGETS.get(kind, kind)))
    if refused:
        return Markup('<span class="label label-danger">{0}</span> {1}').format(_l("Refused"), text)
    return text


_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")
_DECIMAL = re.compile(r"^-?\d+\.\d+$")


def _audit_value(value, key=None):
    """One stored value of an audit row for reading (times in WIB, codes as labels, numbers with a comma)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_l("Yes") if value else _l("No"))
    if isinstance(value, (list, tuple)):
        return ", ".join(_audit_value(v) for v in value) or "—"
    if isinstance(value, dict):
        return "; ".join(f"{AUDIT_FIELDS.get(k, k)}: {_audit_value(v, k)}" for k, v in value.items()) or "—"
    if isinstance(value, float):
        return fmt.number(value)
    text = str(value)
    if key == "state":
        return str(fmt.state_label(text))
    if key == "status":
        return str(fmt.assignment_status(text))
    if key == "prize_amount" and _DECIMAL.match(text):
        return fmt.money(text)
    if _ISO_TIME.match(text):
        parsed = _parse_iso(text)
        if parsed is not None:
            return fmt.datetime_id(parsed) if "T" in text or " " in text else fmt.date_id(parsed.date())
    if _DECIMAL.match(text):
        return fmt.number(text)
    return text if len(text) <= 120 else text[:117] + "…"


def _parse_iso(text):
    import datetime

    try:
        parsed = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return parsed


def audit_data_display(data):
    """The audit row's before → after, one changed field a line (and the answer status of a refusal)."""
    if not data:
        return "—"
    lines = []
    before, after = data.get("before"), data.get("after")
    if isinstance(before, dict) or isinstance(after, dict):
        before, after = before or {}, after or {}
        for key in dict.fromkeys([*before, *after]):
            lines.append(f"{AUDIT_FIELDS.get(key, key)}: {_audit_value(before.get(key), key)} → "
                         f"{_audit_value(after.get(key), key)}")
    elif before is not None or after is not None:
        lines.append(f"{_audit_value(before)} → {_audit_value(after)}")
    for key, value in data.items():
        if key in ("before", "after"):
            continue
        if key == "status":
            lines.append(str(_l("Answer: HTTP %(status)s", status=value)))
        else:
            lines.append(f"{AUDIT_FIELDS.get(key, key)}: {_audit_value(value, key)}")
    return Markup("<br>").join(lines) if lines else "—"


class AuditLogView(SikippModelView):
    """The audit trail (read only): every command's row (who, what, when, target, before → after) and every
    refused attempt (``<action>.refused``). Readable by the Sekretariat and the Admin (app/security.py)."""

    datamodel = EstimatedCountInterface(AuditLog)
    class_permission_name = "AuditLog"
    base_permissions = ["can_read"]
    base_order = ("at", "desc")
    list_title = _l("Audit log")
    show_title = _l("Audit entry")
    list_columns = ["at", "user", "action", "target_type", "target_id", "detail", "data"]
    show_columns = ["at", "user", "action", "target_type", "target_id", "detail", "data"]
    search_columns = ["action", "target_type", "target_id", "at"]
    formatters_columns = {"at": fmt.datetime_id, "action": audit_action_label, "user": fmt.user_name,
                          "target_type": lambda kind: AUDIT_TARGETS.get(kind, kind),
                          "target_id": lambda pk: f"#{pk}" if pk else "—", "data": audit_data_display,
                          "detail": lambda text: text or "—"}
    label_columns = {"at": _l("Time"), "user": _l("User"), "action": _l("Action"), "target_type": _l("Object"),
                     "target_id": _l("Object id"), "detail": _l("Detail"), "data": _l("Before → after")}
