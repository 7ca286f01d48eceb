"""The command layer's base (DESIGN §8; anchor: Apache Superset's ``superset/commands``).

A command is ONE use case: it validates, authorises against the row rules, runs in one transaction, writes
the audit log and raises domain errors. The doors (REST API, FAB screens and their bulk actions, CLI, jobs)
only parse input, call ``SomeCommand(actor, ...).run()`` and map a :class:`DomainError` (or the engine's
``WorkflowError``) to a 4xx answer or a flashed message.

Transactions compose: a command run inside another command's transaction (or inside :func:`transaction`)
neither commits nor rolls back on its own; the outermost one owns the commit. Workflow fires join with
``Workflow.fire(..., commit=False)``; their after-commit hooks (waking the outbox workers) run after the outermost
commit, and are dropped on rollback.

Audit: every successful command writes one ``audit_log`` row (who, what, when, target, before → after);
a refused attempt (a domain error raised by ``validate`` or ``perform``) is recorded as ``<action>.refused``
with the reason, in its own short transaction after the rollback.
"""
from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from contextlib import contextmanager
from typing import Any, ClassVar, Iterator, Optional

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError, OperationalError

from app.extensions import db
from app.services.audit import json_safe, record
from app.services.errors import Conflict, DomainError
from workflows.engine import WorkflowError, discard_after_commit, is_lost_race, run_after_commit

log = logging.getLogger(__name__)

_DEPTH_KEY = "sikipp.command_depth"
REFUSALS = (DomainError, WorkflowError)


def in_transaction(session) -> bool:
    """True while a command (or :func:`transaction`) owns the session's transaction."""
    return session.info.get(_DEPTH_KEY, 0) > 0


@contextmanager
def transaction(session=None) -> Iterator[Any]:
    """One unit of work. The outermost block commits (lost races → 409 ``Conflict``) and then runs the
    queued after-commit hooks; any exception rolls everything back. Nested blocks only join."""
    session = session or db.session
    depth = session.info.get(_DEPTH_KEY, 0)
    session.info[_DEPTH_KEY] = depth + 1
    try:
        yield session
        if depth == 0:
            _commit(session)
    except BaseException:
        if depth == 0:
            session.rollback()
            discard_after_commit(session)
        raise
    finally:
        session.info[_DEPTH_KEY] = depth
    if depth == 0:
        run_after_commit(session)


def _commit(session) -> None:
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(_("Someone else changed the same data at the same time; reload and try again.")) from None
    except OperationalError as err:
        session.rollback()
        if is_lost_race(err):
            raise Conflict(_("The record is being changed by someone else; try again.")) from None
        raise


def snapshot(obj: Any, columns) -> Optional[dict]:
    """The audit view of a row: the named columns' values, JSON-safe (``None`` for no row)."""
    if obj is None:
        return None
    return {c: json_safe(getattr(obj, c, None)) for c in columns}


def record_refusal(session, actor, action: str, target_type: str, target_id, err: Exception,
                   data: Optional[dict] = None) -> None:
    """Record a refused attempt in its own short transaction (the attempt itself was rolled back).
    Never raises: failing to log a refusal must not turn a 4xx into a 500."""
    if in_transaction(session):
        return  # the outermost command records it, once
    try:
        message = getattr(err, "message", None) or str(err)
        record(session, actor, f"{action}.refused"[:64], target_type, target_id, detail=str(message),
               data={"status": getattr(err, "status", None), **(data or {})})
        session.commit()
    except Exception:  # pragma: no cover - the database itself failing
        session.rollback()
        log.exception("could not record the refused attempt %s on %s %s", action, target_type, target_id)


class BaseCommand(ABC):
    """One use case. Subclasses set ``action`` and ``target_type`` and implement :meth:`perform`
    (and usually :meth:`validate`); doors call :meth:`run`.

    ``perform`` may set ``self.target_id``, ``self.before``, ``self.after``, ``self.detail`` and
    ``self.audit_data`` for the audit row; ``audit = False`` skips it (read-only commands)."""

    action: ClassVar[str] = ""
    target_type: ClassVar[str] = ""
    audit: ClassVar[bool] = True

    def __init__(self, actor: Any, *, session=None):
        self.actor = actor
        self.session = session if session is not None else db.session
        self.target_id: Optional[int] = None
        self.before: Any = None
        self.after: Any = None
        self.detail: Optional[str] = None
        self.audit_data: Optional[dict] = None

    def validate(self) -> None:
        """Check input and permissions; raise a :class:`DomainError`. Runs inside the transaction."""

    @abstractmethod
    def perform(self) -> Any:
        """Do the work inside the transaction; return the command's result."""

    def run(self) -> Any:
        try:
            with transaction(self.session):
                self.validate()
                result = self.perform()
                if self.audit:
                    record(self.session, self.actor, self.action, self.target_type, self.target_id,
                           detail=self.detail, before=self.before, after=self.after, data=self.audit_data)
        except REFUSALS as err:
            log.info("command refused: action=%s target=%s:%s actor=%s status=%s reason=%s", self.action,
                     self.target_type, self.target_id, getattr(self.actor, "username", None),
                     getattr(err, "status", None), getattr(err, "message", None) or err)
            if getattr(err, "status", None) == 404:
                raise  # probing ids is not an attempt on a record
            record_refusal(self.session, self.actor, self.action, self.target_type, self.target_id, err)
            raise
        return result
