"""Signer identity (DESIGN §3, §5): a Penandatangan's signing profile — the jabatan line with its Plt./Plh./a.n.
form, name, pangkat, NIP — printed in the signature block of what that user signs, and optionally the signer's own
key and certificate (file paths, or PEM stored in the profile). Without a profile the configured block
(``SIKIPP_SIGNER_TITLE`` / ``_NAME`` / ``_NIP``) and the configured signing pair are used, as before.

The block is plain data (:func:`signature_block`); the templates lay it out.
"""
import hashlib
import os
import re
import tempfile

from flask_babel import gettext as _
from sqlalchemy import select

from app.models import SignerProfile
from app.models.states import Delegation

DELEGATION_PREFIX = {Delegation.PLT.value: "Plt.", Delegation.PLH.value: "Plh.", Delegation.AN.value: "a.n."}


def profile_for(session, user_id):
    if user_id is None:
        return None
    return session.execute(select(SignerProfile).where(SignerProfile.user_id == user_id)).scalar_one_or_none()


def jabatan_lines(profile):
    """The jabatan line(s) per Tata Naskah Dinas: "BUPATI SIDOARJO,", "Plt. BUPATI SIDOARJO,", "Plh. …", or
    "a.n. BUPATI SIDOARJO" over the signer's own office ("SEKRETARIS DAERAH,")."""
    office = " ".join((profile.jabatan or "").split()).upper()
    prefix = DELEGATION_PREFIX.get(profile.delegation or "")
    if profile.delegation == Delegation.AN.value:
        own = " ".join((profile.own_jabatan or "").split()).upper()
        return [f"{prefix} {office}", f"{own},"] if own else [f"{prefix} {office},"]
    return [f"{prefix} {office}," if prefix else f"{office},"]


def config_block(config):
    title = config["SIKIPP_SIGNER_TITLE"]
    rank = config.get("SIKIPP_SIGNER_RANK") or ""
    return {"lines": [title.upper()], "title": title, "name": config["SIKIPP_SIGNER_NAME"], "pangkat": rank,
            "rank": rank, "nip": config.get("SIKIPP_SIGNER_NIP") or "", "from_profile": False}


def profile_block(profile):
    lines = jabatan_lines(profile)
    return {"lines": lines, "title": " ".join(lines), "name": profile.name, "pangkat": profile.pangkat or "",
            "rank": profile.pangkat or "", "nip": profile.nip or "", "from_profile": True}


def signature_block(session, decree, config, signer=None):
    """The signature block of ``decree`` as plain data: ``{"lines", "title", "name", "pangkat" (= "rank"), "nip",
    "from_profile"}`` — from the signing profile of ``signer`` (a user or a user id; default: the user who signed
    the decree), else the configured block."""
    user_id = getattr(signer, "id", signer) if signer is not None else getattr(decree, "signed_by_id", None)
    profile = profile_for(session, user_id)
    return profile_block(profile) if profile is not None else config_block(config)


# -- the signer's own key and certificate ---------------------------------------------------------------


def _pem_file(folder, pem, suffix, mode):
    """A PEM kept in the profile, as a file the signer can load (named by its digest; written once)."""
    data = pem.encode() if isinstance(pem, str) else pem
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"{hashlib.sha256(data).hexdigest()[:32]}{suffix}")
    if not os.path.exists(path):
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    return path


def own_pair(profile, config):
    """(key path, certificate path) of the profile's own signing pair, or None when it has none."""
    if profile is None:
        return None
    if profile.key_path and profile.cert_path:
        return profile.key_path, profile.cert_path
    if profile.key_pem and profile.cert_pem:
        folder = os.path.join(config["SIKIPP_DEV_SIGNING_DIR"], "profiles")
        return _pem_file(folder, profile.key_pem, "-key.pem", 0o600), _pem_file(folder, profile.cert_pem,
                                                                               "-cert.pem", 0o644)
    return None


def own_certificate_pem(profile):
    if profile is None:
        return None
    if profile.cert_pem:
        return profile.cert_pem.encode() if isinstance(profile.cert_pem, str) else profile.cert_pem
    if profile.cert_path:
        with open(profile.cert_path, "rb") as fh:
            return fh.read()
    return None


def certificate_name(cert_pem):
    """The subject's common name of a PEM certificate (None if it has none)."""
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    cert = x509.load_pem_x509_certificate(cert_pem)
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return names[0].value if names else None


# Titles written before an Indonesian name (gelar depan: religious, academic, professional, nobility), with their
# dot: "Drs. H. Budi Santoso". A bare "H" or "M" stays: without the dot it may be part of the name.
_PREFIX_TITLES = {"h", "hj", "kh", "k.h", "dr", "drs", "dra", "drg", "ir", "prof", "ns", "apt", "r", "rr", "ny"}
# A degree after the name (gelar belakang) carries an inner dot ("S.H.", "M.Si", "Ph.D"); Indonesian usage puts it
# after a comma ("Budi Santoso, S.H., M.Si."), which also ends the name.
_DEGREE = re.compile(r"^[A-Za-z]{1,4}(?:\.[A-Za-z]{1,5})+\.?$")


def bare_name(name):
    """The person's name without gelar: what an electronic certificate's subject carries (BSrE issues it in the
    name of the identity card), so that "Drs. H. Budi Santoso, S.H., M.Si." and "BUDI SANTOSO" agree."""
    tokens = (name or "").split(",", 1)[0].split()
    while tokens and tokens[0].endswith(".") and tokens[0][:-1].casefold() in _PREFIX_TITLES:
        tokens.pop(0)
    while len(tokens) > 1 and _DEGREE.match(tokens[-1]):
        tokens.pop()
    return " ".join(tokens)


def _normal(name):
    return " ".join(re.sub(r"[^\w]+", " ", bare_name(name)).split()).casefold()


def names_agree(profile_name, cert_name):
    """The profile's name and the certificate's name are the same person's name: gelar before and after the name,
    case, spacing and punctuation aside (:func:`bare_name`)."""
    return bool(cert_name) and bool(_normal(profile_name)) and _normal(profile_name) == _normal(cert_name)


def identity_problem(session, user, config):
    """Why ``user`` may not sign under its profile: with a profile and its own certificate, the printed name must
    be the certificate's subject name. None when it may (or has no profile / no own certificate)."""
    profile = profile_for(session, getattr(user, "id", None))
    try:
        pem = own_certificate_pem(profile)
    except OSError:
        return _("The signer's certificate cannot be read.")
    if pem is None:
        return None
    try:
        cert_name = certificate_name(pem)
    except ValueError:
        return _("The signer's certificate is not a valid PEM certificate.")
    if not names_agree(profile.name, cert_name):
        return _("The name in the signing profile (\"%(name)s\") differs from the name in the signer's certificate "
                 "(\"%(cert)s\"): correct the profile or the certificate before signing.",
                 name=profile.name, cert=cert_name or "-")
    return None
