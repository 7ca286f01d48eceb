"""The audit log writer (one for the whole app): commands record every use case with it, and the few domain
functions that log as they go (reminders, deadline changes) call it too."""
from __future__ import annotations

import datetime as dt
import decimal
from typing import Any, Optional

from app.models import AuditLog


def json_safe(value: Any) -> Any:
    """A value the audit log's JSON column can hold (dates as ISO text, decimals as text)."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [json_safe(v) for v in value]
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def record(session, actor, action: str, target_type: str, target_id: Optional[int], *, detail: Optional[str] = None,
           before: Any = None, after: Any = None, data: Optional[dict] = None) -> None:
    """Add an audit row to the current transaction."""
    payload = dict(data or {})
    if before is not None:
        payload["before"] = json_safe(before)
    if after is not None:
        payload["after"] = json_safe(after)
    session.add(AuditLog(user_id=getattr(actor, "id", None), action=action[:64], target_type=target_type[:64],
                         target_id=target_id if isinstance(target_id, int) and 0 < target_id < 2**31 else None,
                         detail=(detail or None) and str(detail)[:2000], data=json_safe(payload) or None))
