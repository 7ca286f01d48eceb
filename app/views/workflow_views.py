"""Screens of the workflow resources and the workflow diagram page."""
from flask import Response, abort
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_babel import lazy_gettext as _l

from app.api.base import METHOD_PERMISSIONS
from app.views.crud import DecreeCrudView, InnovationCrudView
from workflows.fab import WorkflowViewMixin, state_badge
from workflows.lifecycles import ALL_WORKFLOWS, decree_workflow, innovation_workflow


class InnovationView(WorkflowViewMixin, InnovationCrudView):
    workflow = innovation_workflow
    formatters_columns = {"state": lambda s: state_badge(innovation_workflow, s)}
    search_form_query_rel_fields = {}
    search_filters = {"state": [FilterEqual]}


class DecreeView(WorkflowViewMixin, DecreeCrudView):
    workflow = decree_workflow
    formatters_columns = {"state": lambda s: state_badge(decree_workflow, s)}


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


__all__ = ["InnovationView", "DecreeView", "WorkflowDiagramView", "_l"]
