"""A declarative workflow engine for Flask-AppBuilder models, built on ``transitions``.

``workflows.engine`` and ``workflows.fab`` know nothing about competitions: a model opts in by
binding a :class:`~workflows.engine.Workflow` definition to it. The lifecycle definitions of
SIKIPP (``workflows.innovation``, ``workflows.decree``) sit beside the engine and may call the
application's services for guards and effects.
"""
from workflows.engine import (  # noqa: F401
    Transition,
    TransitionContext,
    Workflow,
    WorkflowConflict,
    WorkflowError,
    WorkflowForbidden,
    WorkflowInvalid,
    WorkflowNotFound,
)
