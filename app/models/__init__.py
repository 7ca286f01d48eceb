"""SIKIPP data model (DESIGN §4). Every table hangs off FAB's ``Model`` metadata so that
Alembic sees the security tables and ours in one place."""
from app.models.announcement import OBJECTION_STATES, Announcement, AnnouncementEntry, Objection  # noqa: F401
from app.models.base import AuditLog, SeededPermission, utcnow  # noqa: F401
from app.models.competition import Competition, Criterion, Round  # noqa: F401
from app.models.documents import (  # noqa: F401
    Award,
    Decree,
    DecreeAward,
    DecreeParaf,
    IssuedDocument,
    SignerProfile,
    UnitAward,
)
from app.models.innovation import (  # noqa: F401
    INNOVATION_STATES,
    PROPOSAL_SECTIONS,
    PROPOSAL_SECTIONS_REQUIRED,
    Attachment,
    Innovation,
)
from app.models.judging import Assignment, Score, ScoreSheet  # noqa: F401
from app.models.nomination import NOMINATION_LEVEL_LABELS, NOMINATION_LEVELS, Nomination  # noqa: F401 (issue 12 item 8)
from app.models.notification import Notification  # noqa: F401
from app.models.registry import ExternalAward, Replication, Sustainability  # noqa: F401
from app.models.unit import SAKIP_GRADES, UNIT_KINDS, Unit, User  # noqa: F401
from workflows.models import OutboxMessage, WorkflowHistory  # noqa: F401
