"""fab-workflows: declarative state-machine workflows for Flask-AppBuilder models, driven by ``transitions``.

A model opts in by binding a :class:`Workflow` definition to it (states, transitions with roles, guards that
give human-readable reasons, effects and hooks inside the transition's database transaction). The public API
is what ``__all__`` lists here and in the public modules ``workflows.engine``, ``workflows.fab``,
``workflows.models``, ``workflows.outbox``, ``workflows.definitions`` and ``workflows.diagrams``; everything
else is internal. See README.md.
"""
from workflows.engine import (
    Authorizer,
    RoleNameAuthorizer,
    Transition,
    TransitionContext,
    Workflow,
    WorkflowConflict,
    WorkflowError,
    WorkflowForbidden,
    WorkflowInvalid,
    WorkflowNotFound,
    check_constraint_values,
    discard_after_commit,
    is_lost_race,
    pending_after_commit,
    run_after_commit,
)

__version__ = "0.1.0"

__all__ = [
    "Authorizer", "RoleNameAuthorizer", "Transition", "TransitionContext", "Workflow", "WorkflowConflict",
    "WorkflowError", "WorkflowForbidden", "WorkflowInvalid", "WorkflowNotFound", "check_constraint_values",
    "discard_after_commit", "is_lost_race", "pending_after_commit", "run_after_commit", "__version__",
]
