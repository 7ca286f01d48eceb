from flask_appbuilder.security.sqla.models import User as FabUser
from sqlalchemy import Boolean, CheckConstraint, Column, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import relationship

from flask_appbuilder import Model

UNIT_KINDS = ("opd", "kecamatan", "puskesmas", "smp", "lainnya")
SAKIP_GRADES = ("AA", "A", "BB", "B", "CC", "C", "D")

UNIT_KIND_LABELS = {
    "opd": "OPD",
    "kecamatan": "Kecamatan",
    "puskesmas": "Puskesmas",
    "smp": "SMP Negeri",
    "lainnya": "Lainnya",
}


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Unit(Model):
    """A proposing unit: OPD, kecamatan, puskesmas, SMP Negeri or other."""

    __tablename__ = "unit"
    __table_args__ = (
        CheckConstraint(_in("kind", UNIT_KINDS), name="ck_unit_kind"),
        CheckConstraint(f"sakip_grade IS NULL OR {_in('sakip_grade', SAKIP_GRADES)}", name="ck_unit_sakip_grade"),
    )
    id = Column(Integer, primary_key=True)
    code = Column(String(32), nullable=False, unique=True)
    name = Column(String(200), nullable=False)
    kind = Column(String(16), nullable=False, index=True)
    sakip_grade = Column(String(2), nullable=True)
    is_demo = Column(Boolean, nullable=False, default=False)

    def __repr__(self):
        return self.name


class SikippUser(FabUser):
    """FAB's user, extended with the unit it belongs to (OPD: required; Juri: its conflict of interest)."""

    __tablename__ = "ab_user"
    unit_id = Column(Integer, ForeignKey("unit.id", ondelete="RESTRICT"), nullable=True, index=True)
    unit = relationship(Unit, foreign_keys=[unit_id])
    # When the password was last set (app.commands.users.SetPassword); NULL: never since the account's creation
    # by an older version. Sessions and tokens are tied to the password hash itself (credential_stamp).
    password_changed_at = Column(DateTime, nullable=True)


User = SikippUser  # the application user model (FAB security manager user_model)
