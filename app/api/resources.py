"""CRUD APIs of DESIGN §4 (resource names exact). Thin: parse, authorise, call a service."""
from flask import g
from flask_appbuilder.models.sqla.interface import SQLAInterface
from marshmallow import validate

from app.api import validators as v
from app.api.base import EstimatedCountInterface, SikippModelApi, row_filter
from app.api.command_crud import CommandCrudApiMixin
from app.commands import decrees as decree_commands
from app.commands import judging as judging_commands
from app.commands import proposals
from app.commands import signers as signer_commands
from app.extensions import db
from app.models import Assignment, Award, Competition, Criterion, Decree, Innovation, Round, SignerProfile, Unit
from app.services import access, competitions, evidence, teams


class UnitApi(SikippModelApi):
    resource_name = "unit"
    class_permission_name = "Unit"
    datamodel = SQLAInterface(Unit)
    base_filters = row_filter(access.unit_criterion)
    list_columns = ["id", "code", "name", "kind", "sakip_grade", "is_demo"]
    show_columns = list_columns + ["office_address", "office_phone", "office_email"]  # office contact (issue 12)
    add_columns = ["code", "name", "kind", "sakip_grade", "office_address", "office_phone", "office_email"]
    edit_columns = add_columns
    search_columns = ["code", "name", "kind", "sakip_grade"]
    order_columns = ["code", "name", "kind", "sakip_grade"]
    validators_columns = {"kind": v.unit_kind, "sakip_grade": v.sakip_grade,
                          "code": v.plain(validate.Length(min=1, max=32)),
                          "name": v.plain(validate.Length(min=1, max=200)),
                          "office_address": v.plain(validate.Length(max=300)), "office_phone": validate.Length(max=40),
                          "office_email": validate.Email()}


class CompetitionApi(SikippModelApi):
    resource_name = "competition"
    class_permission_name = "Competition"
    datamodel = SQLAInterface(Competition)
    list_columns = ["id", "name", "year", "submission_deadline", "min_implementation_years", "max_attachment_mb",
                    "objection_days", "groups", "categories"]
    show_columns = list_columns + ["description", "word_limits", "verification_checklist", "feedback_to_units",
                                   "evidence_kinds", "created_on", "eligibility_max_award_level"]
    add_columns = ["name", "year", "submission_deadline", "description", "min_implementation_years",
                   "max_attachment_mb", "word_limits", "verification_checklist", "objection_days", "feedback_to_units",
                   "evidence_kinds", "groups", "categories",
                   "eligibility_max_award_level"]  # registry (issue 12): the rule on past awards
    # --- nomination upward (issue 12 item 8): the quota per level ---
    show_columns = show_columns + ["nomination_quota"]
    add_columns = add_columns + ["nomination_quota"]
    # --- end nomination upward ---
    edit_columns = add_columns
    search_columns = ["name", "year"]
    order_columns = ["name", "year", "submission_deadline"]
    validators_columns = {"year": v.year, "name": v.plain(validate.Length(min=1, max=200)),
                          "description": v.plain_text,
                          "min_implementation_years": validate.Range(min=0, max=50),
                          "max_attachment_mb": validate.Range(min=1, max=100),
                          "objection_days": validate.Range(min=0, max=90),
                          "word_limits": v.word_limits, "verification_checklist": v.checklist,
                          "evidence_kinds": v.evidence_kinds,
                          "groups": v.competition_groups, "categories": v.competition_categories,
                          "nomination_quota": v.nomination_quota,  # nomination upward (issue 12 item 8)
                          "eligibility_max_award_level": v.eligibility_level}

    def before_create(self, item):
        item.submission_deadline = competitions.to_utc_naive(item.submission_deadline)
        item.evidence_kinds = evidence.clean_kinds(item.evidence_kinds) or None
        competitions.add_default_rounds(item)

    def before_update(self, item, original):
        g.sikipp_old_deadline = item.submission_deadline  # per request: API instances are shared by threads

    def validate_update(self, item):
        item.submission_deadline = competitions.to_utc_naive(item.submission_deadline)
        item.evidence_kinds = evidence.clean_kinds(item.evidence_kinds) or None
        competitions.log_deadline_change(db.session, item, g.sikipp_old_deadline, g.user)


class RoundApi(CommandCrudApiMixin, SikippModelApi):
    """Rounds through their commands (app.commands.judging): bounds, and the fields that change rankings
    frozen once the round has a score sheet."""

    resource_name = "round"
    class_permission_name = "Round"
    datamodel = SQLAInterface(Round)
    list_columns = ["id", "competition_id", "name", "sequence", "weight", "shortlist_size", "blind", "normalize_z",
                    "closed_at", "pass_mark", "category_quotas"]
    show_columns = list_columns
    add_columns = ["competition_id", "name", "sequence", "weight", "shortlist_size", "blind", "normalize_z",
                   "pass_mark", "category_quotas"]
    edit_columns = ["name", "sequence", "weight", "shortlist_size", "blind", "normalize_z", "pass_mark",
                    "category_quotas"]
    search_columns = ["competition_id", "name"]
    order_columns = ["competition_id", "sequence", "name"]
    # The bounds (inside the database's INTEGER, the same as the screens') are checked once, by the command.
    validators_columns = {}
    create_command = judging_commands.CreateRound
    edit_command = judging_commands.EditRound
    delete_command = judging_commands.DeleteRound


class CriterionApi(CommandCrudApiMixin, SikippModelApi):
    """Criteria through their commands (app.commands.judging): frozen with the round once it has sheets."""

    resource_name = "criterion"
    class_permission_name = "Criterion"
    datamodel = SQLAInterface(Criterion)
    list_columns = ["id", "round_id", "name", "description", "weight", "max_score", "sequence"]
    show_columns = list_columns
    add_columns = ["round_id", "name", "description", "weight", "max_score", "sequence"]
    edit_columns = ["name", "description", "weight", "max_score", "sequence"]
    search_columns = ["round_id", "name"]
    order_columns = ["round_id", "sequence", "name"]
    validators_columns = {}  # the bounds are checked once, by the command
    create_command = judging_commands.CreateCriterion
    edit_command = judging_commands.EditCriterion
    delete_command = judging_commands.DeleteCriterion


INNOVATION_SECTIONS = ["summary", "background", "novelty", "implementation", "significance", "adaptability",
                       "resources", "sustainability"]


class InnovationCrudApi(SikippModelApi):
    """CRUD part of the innovation API; the workflow endpoints are added by WorkflowApiMixin."""

    resource_name = "innovation"
    class_permission_name = "Innovation"
    datamodel = EstimatedCountInterface(Innovation)
    base_filters = row_filter(access.innovation_criterion)
    read_only_fields = ("id", "state", "unit_id", "version", "created_by_id", "current_round_id",
                        "created_on", "changed_on", "lineage_id")
    list_columns = ["id", "competition_id", "unit_id", "title", "state", "started_on", "changed_on", "group",
                    "category", "lineage_id"]
    show_columns = ["id", "competition_id", "unit_id", "title", *INNOVATION_SECTIONS, "started_on", "video_url",
                    "sdg_goals", "team", "state", "current_round_id", "created_on", "changed_on", "group", "category",
                    "lineage_id", "replicates_id", "replicates_text"]  # registry and replication (issue 12)
    # ``team`` (issue 12): personal data, never listed, never searchable; shown only to whom teams.visible_to allows.
    add_columns = ["competition_id", "title", *INNOVATION_SECTIONS, "started_on", "video_url", "sdg_goals", "team",
                   "group", "category", "replicates_id", "replicates_text"]
    edit_columns = ["title", *INNOVATION_SECTIONS, "started_on", "video_url", "sdg_goals", "team", "group", "category",
                    "replicates_id", "replicates_text"]
    search_columns = ["competition_id", "unit_id", "state", "title", "group", "category", "lineage_id"]
    order_columns = ["id", "title", "state", "started_on", "changed_on", "competition_id", "unit_id", "group",
                     "category"]
    validators_columns = {"title": v.title, "video_url": v.video_url, "sdg_goals": v.sdg_goals, "team": v.team,
                          "group": v.innovation_group, "category": v.innovation_category,
                          "replicates_text": validate.Length(max=300)}

    # The proposal commands: ownership, draft-only, title and word limits, audit (app/commands/proposals.py).
    def create_item(self, item):
        proposals.CreateProposal(g.user, item).run()

    def update_item(self, item, body):
        proposals.EditProposal(g.user, item, apply=lambda: self.load_update(item, body)).run()

    def delete_item(self, item):
        proposals.DeleteProposal(g.user, item).run()

    def pre_get(self, data):
        """The innovator team reads as null for whoever may not see it (a blind juror, the Penandatangan)."""
        super().pre_get(data)
        result = data.get("result")
        if isinstance(result, dict) and "team" in result:
            item = db.session.get(Innovation, data.get("id")) if isinstance(data.get("id"), int) else None
            result["team"] = teams.team_for(db.session, g.user, item)


class AssignmentApi(CommandCrudApiMixin, SikippModelApi):
    """Manual assignments through their commands: an eligible juror, an open round; a recused assignment
    or one with a sheet is neither moved nor deleted."""

    resource_name = "assignment"
    class_permission_name = "Assignment"
    datamodel = EstimatedCountInterface(Assignment)
    base_filters = row_filter(access.assignment_criterion)
    read_only_fields = ("id", "status", "recusal_reason", "created_on")
    list_columns = ["id", "round_id", "innovation_id", "juror_id", "status", "created_on"]
    show_columns = list_columns + ["recusal_reason"]
    add_columns = ["round_id", "innovation_id", "juror_id"]
    edit_columns = ["juror_id"]
    search_columns = ["round_id", "innovation_id", "juror_id", "status"]
    order_columns = ["id", "round_id", "innovation_id", "juror_id"]
    create_command = judging_commands.CreateAssignment
    edit_command = judging_commands.EditAssignment
    delete_command = judging_commands.DeleteAssignment


class AwardApi(SikippModelApi):
    resource_name = "award"
    class_permission_name = "Award"
    datamodel = SQLAInterface(Award)
    list_columns = ["id", "innovation_id", "title", "rank", "category", "group", "score", "prize_amount",
                    "created_on"]
    show_columns = list_columns
    add_columns = []
    edit_columns = []
    search_columns = ["innovation_id", "title", "category", "group"]
    order_columns = ["id", "rank", "title"]
    include_route_methods = {"get", "get_list", "info"}  # awards come only from the `award` transition


class DecreeCrudApi(CommandCrudApiMixin, SikippModelApi):
    """Decree drafts through their commands: only a draft is editable (the lifecycle is the workflow's)."""

    resource_name = "decree"
    class_permission_name = "Decree"
    datamodel = SQLAInterface(Decree)
    read_only_fields = ("id", "state", "number", "version", "text_version", "signed_at", "signed_by_id", "created_on")
    list_columns = ["id", "competition_id", "number", "title", "state", "supersedes_id", "signed_at", "created_on"]
    show_columns = list_columns + ["considerations", "legal_bases", "text_version", "signed_by_id"]
    add_columns = ["competition_id", "title", "considerations", "legal_bases", "supersedes_id"]
    edit_columns = ["title", "considerations", "legal_bases", "supersedes_id"]
    search_columns = ["competition_id", "state", "number"]
    order_columns = ["id", "created_on", "state"]
    create_command = decree_commands.CreateDecreeDraft
    edit_command = decree_commands.EditDecreeDraft
    delete_command = decree_commands.DeleteDecreeDraft


class SignerProfileApi(CommandCrudApiMixin, SikippModelApi):
    """Signing profiles through their commands (app.commands.signers): the Sekretariat and the Admin edit any,
    a Penandatangan only its own. The key PEM is write-only (never read back)."""

    resource_name = "signer_profile"
    class_permission_name = "SignerProfile"
    datamodel = SQLAInterface(SignerProfile)
    base_filters = row_filter(access.signer_profile_criterion)
    list_columns = ["id", "user_id", "delegation", "jabatan", "own_jabatan", "name", "pangkat", "nip", "key_path",
                    "cert_path", "changed_on"]
    show_columns = list_columns + ["cert_pem"]
    add_columns = ["user_id", "delegation", "jabatan", "own_jabatan", "name", "pangkat", "nip", "key_path",
                   "cert_path", "key_pem", "cert_pem"]
    edit_columns = add_columns[1:]
    search_columns = ["user_id", "name"]
    order_columns = ["id", "name"]
    validators_columns = {}  # the rules are the command's
    create_command = signer_commands.CreateSignerProfile
    edit_command = signer_commands.EditSignerProfile
    delete_command = signer_commands.DeleteSignerProfile

    def _run_command(self, command, status, dump):
        def without_key(row):  # the key PEM is write-only: never echoed back
            body = dump(row)
            if isinstance(body.get("result"), dict):
                body["result"].pop("key_pem", None)
            return body

        return super()._run_command(command, status, without_key)
