"""Lifecycle facts, written once: the states and the other closed sets of codes stored in the database.

A leaf module (imports nothing from the app). The models' CHECK constraints (``check_in``), the workflow
definitions (app/lifecycles.py), the state labels, the demo and the synthetic data derive from these
enums; ``Workflow.bind()`` refuses a model whose CHECK constraint disagrees with its workflow's states. The
values are the migrated schema's (migrations/versions/…initial_schema.py); tests/test_states.py checks the
migrated database allows exactly these values.
"""
import enum


class InnovationState(enum.StrEnum):
    """DESIGN §3 (exact)."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    VERIFIED = "verified"
    SCORED = "scored"
    AWARDED = "awarded"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class InnovationGroup(enum.StrEnum):
    """KIPP's groups (DESIGN §11, exact): a competition uses a subset, in its own order."""

    UMUM = "umum"
    REPLIKASI = "replikasi"
    KHUSUS = "khusus"


class DecreeState(enum.StrEnum):
    DRAFT = "draft"
    SIGNED = "signed"
    REVOKED = "revoked"


class ObjectionState(enum.StrEnum):
    """DESIGN §10 (exact): an objection (sanggahan) to announced results."""

    OPEN = "open"
    UPHELD = "upheld"
    DISMISSED = "dismissed"


class AssignmentStatus(enum.StrEnum):
    ACTIVE = "active"
    RECUSED = "recused"


class UnitKind(enum.StrEnum):
    """The unit's kind, also the award category (in this order on screens and in the decree)."""

    OPD = "opd"
    KECAMATAN = "kecamatan"
    PUSKESMAS = "puskesmas"
    SMP = "smp"
    LAINNYA = "lainnya"


class SakipGrade(enum.StrEnum):
    AA = "AA"
    A = "A"
    BB = "BB"
    B = "B"
    CC = "CC"
    C = "C"
    D = "D"


class Delegation(enum.StrEnum):
    """How a signer signs for the office in a signature block (Tata Naskah Dinas): Plt., Plh., atas nama."""

    PLT = "plt"
    PLH = "plh"
    AN = "an"


class DocumentKind(enum.StrEnum):
    DECREE = "decree"
    CERTIFICATE = "certificate"


class DocumentState(enum.StrEnum):
    VALID = "valid"
    REVOKED = "revoked"


def values(codes):
    """The plain string values of an enum, in declaration order (for tuples, machines, JSON)."""
    return tuple(member.value for member in codes)


def check_in(column, codes):
    """The CHECK constraint text ``column IN ('a', 'b', …)``, exactly as the migrations wrote it."""
    return f"{column} IN ({', '.join(repr(v) for v in values(codes))})"
