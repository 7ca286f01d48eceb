"""Signing profiles (DESIGN §3 "A signer may have a signing profile"): create, edit, delete. The Admin and the
Sekretariat edit any signer's profile; a Penandatangan only its own (created for itself whatever ``user_id`` is
sent). Every door (the ``signer_profile`` API, the *Signing profiles* screen) runs these commands. The key PEM is
never written to the audit log."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from app.commands.base import snapshot
from app.commands.judging import Field, _flush, _RowCommand, parse_fields
from app.models import SignerProfile, User
from app.models.states import Delegation, values
from app.services import access, signers, text_rules
from app.services.errors import Conflict, Forbidden, Invalid

SIGNER_FIELDS = {
    "user_id": Field("id"),
    "delegation": Field("text", high=8, required=False),
    "jabatan": Field("text", low=1, high=300),
    "own_jabatan": Field("text", high=300, required=False),
    "name": Field("text", low=1, high=200),
    "pangkat": Field("text", high=200, required=False),
    "nip": Field("text", high=30, required=False),
    "key_path": Field("text", high=500, required=False),
    "cert_path": Field("text", high=500, required=False),
    "key_pem": Field("text", high=20000, required=False),
    "cert_pem": Field("text", high=20000, required=False),
}
SIGNER_EDITABLE = tuple(n for n in SIGNER_FIELDS if n != "user_id")
# The signing key and certificate: only the signer itself or the Admin (the IT operator who installs keys) may set
# them. The Sekretariat edits the printed block, never the key: it could otherwise have decrees signed with a key
# it made, in the signer's name (the name check compares two values it would control).
KEY_FIELDS = ("key_path", "cert_path", "key_pem", "cert_pem")
# Audited columns: never the private key.
SIGNER_COLUMNS = ("user_id", "delegation", "jabatan", "own_jabatan", "name", "pangkat", "nip", "key_path",
                  "cert_path")


def _check(profile):
    """The profile's own rules (after the values are applied): delegation form, NIP, key and certificate."""
    if profile.delegation is not None and profile.delegation not in values(Delegation):
        raise Invalid(_("Choose Plt., Plh., a.n. or none."), field="delegation")
    if profile.delegation == Delegation.AN.value and not profile.own_jabatan:
        raise Invalid(_("Signing a.n. (atas nama) needs the signer's own jabatan."), field="own_jabatan")
    if profile.nip and not text_rules.is_digits(profile.nip.replace(" ", "")):
        raise Invalid(_("A NIP has digits only."), field="nip")
    if bool(profile.key_path) != bool(profile.cert_path):
        raise Invalid(_("Give both the key and the certificate path, or neither."), field="cert_path")
    if bool(profile.key_pem) != bool(profile.cert_pem):
        raise Invalid(_("Give both the key and the certificate PEM, or neither."), field="cert_pem")
    try:
        pem = signers.own_certificate_pem(profile)
        if pem is not None:
            signers.certificate_name(pem)
    except (OSError, ValueError):
        raise Invalid(_("The certificate cannot be read as a PEM certificate."), field="cert_pem"
                      if profile.cert_pem else "cert_path") from None


class _SignerProfileCommand(_RowCommand):
    target_type = "signer_profile"
    model = SignerProfile
    fields = SIGNER_FIELDS
    editable = SIGNER_EDITABLE
    columns = SIGNER_COLUMNS

    def validate(self):
        roles = access.role_names(self.actor)
        if not (access.is_privileged(self.actor) or "Penandatangan" in roles):
            raise Forbidden(_("Only the Sekretariat or the signer may change a signing profile."))
        if self.mode == "create":
            data = dict(self.data)
            if not access.is_privileged(self.actor):
                data["user_id"] = self.actor.id  # a signer creates its own profile only
            self.values = parse_fields(self.fields, data, self.fields, create=True)
        elif self.mode == "edit":
            self.values = parse_fields(self.fields, self.data, [n for n in self.editable if n in self.data],
                                       create=False)
        else:
            self.values = {}
        if self.values.get("delegation") == "":
            self.values["delegation"] = None

    def _mine(self):
        return self._get(access.signer_profile_criterion(self.actor))

    def _check_key_owner(self, owner_id):
        if access.is_admin(self.actor) or owner_id == getattr(self.actor, "id", None):
            return
        if any(self.values.get(name) for name in KEY_FIELDS):
            raise Forbidden(_("Only the signer itself or the Admin may set a signing key or certificate."))


class CreateSignerProfile(_SignerProfileCommand):
    action = "signer_profile.create"
    mode = "create"

    def perform(self):
        user = self.session.get(User, self.values["user_id"])
        if user is None or "Penandatangan" not in access.role_names(user):
            raise Invalid(_("A signing profile belongs to a user with the Penandatangan role."), field="user_id")
        if self.session.execute(select(SignerProfile.id).where(SignerProfile.user_id == user.id)).first():
            raise Conflict(_("This signer already has a signing profile."))
        self._check_key_owner(user.id)
        profile = SignerProfile(**self.values)
        _check(profile)
        return self._created(profile)


class EditSignerProfile(_SignerProfileCommand):
    action = "signer_profile.edit"

    def perform(self):
        profile = self._mine()
        if self.mode == "delete":
            return self._deleted(profile)
        self._check_key_owner(profile.user_id)
        self.before = snapshot(profile, self.columns)
        for name, value in self.values.items():
            setattr(profile, name, value)
        _check(profile)
        _flush(self.session)
        self.after = snapshot(profile, self.columns)
        return profile


class DeleteSignerProfile(EditSignerProfile):
    action = "signer_profile.delete"
    mode = "delete"

