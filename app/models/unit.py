from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User as FabUser
from sqlalchemy import Boolean, CheckConstraint, Column, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import relationship

from app.models.states import SakipGrade, UnitKind, check_in, values

UNIT_KINDS = values(UnitKind)
SAKIP_GRADES = values(SakipGrade)

UNIT_KIND_LABELS = {
    UnitKind.OPD: "OPD",
    UnitKind.KECAMATAN: "Kecamatan",
    UnitKind.PUSKESMAS: "Puskesmas",
    UnitKind.SMP: "SMP Negeri",
    UnitKind.LAINNYA: "Lainnya",
}


class Unit(Model):
    """A proposing unit: OPD, kecamatan, puskesmas, SMP Negeri or other."""

    __tablename__ = "unit"
    __table_args__ = (
        CheckConstraint(check_in("kind", UnitKind), name="ck_unit_kind"),
        CheckConstraint(f"sakip_grade IS NULL OR {check_in('sakip_grade', SakipGrade)}", name="ck_unit_sakip_grade"),
    )
    id = Column(Integer, primary_key=True)
    code = Column(String(32), nullable=False, unique=True)
    name = Column(String(200), nullable=False)
    kind = Column(String(16), nullable=False, index=True)
    sakip_grade = Column(String(2), nullable=True)
    is_demo = Column(Boolean, nullable=False, default=False)
    # -- office contact (issue 12, replication): the unit's office, shown in the public catalogue to those who
    # want to replicate its innovations; never a person's data --
    office_address = Column(String(300), nullable=True)
    office_phone = Column(String(40), nullable=True)
    office_email = Column(String(254), nullable=True)
    # -- end office contact --

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
