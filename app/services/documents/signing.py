"""Signing official PDFs.

:class:`Signer` is the interface: ``sign_pdf(pdf, request)`` returns the signed bytes. The one used here,
:class:`LocalPadesSigner`, applies a PAdES (B-B) signature with pyHanko, with a visible stamp, using the PEM
key and certificate of ``SIKIPP_SIGNING_KEY`` / ``SIKIPP_SIGNING_CERT``. A remote TTE service (a BSrE-style
``sign/pdf`` API taking the signer's NIK and passphrase) is plugged in by writing another ``Signer`` and
naming it in ``SIKIPP_SIGNER_CLASS`` (``module:Class``, built with the app config).

Without a configured pair a development pair is generated once under the instance directory
(``SIKIPP_DEV_SIGNING_DIR``, default ``instance/signing``: ``dev-key.pem`` + ``dev-cert.pem``); its certificate says it is not for production, and the
application warns about it on its screens (:func:`using_development_pair`).
"""
import datetime
import logging
import os
import tempfile
import threading
from dataclasses import dataclass
from importlib import import_module
from io import BytesIO

from app.services.documents.render import FONT_DIR

log = logging.getLogger(__name__)

DEV_KEY_NAME = "dev-key.pem"
DEV_CERT_NAME = "dev-cert.pem"
DEV_SUBJECT = "SIKIPP development signer - NOT FOR PRODUCTION"
# DejaVu Sans, Latin subset rescaled to 1000 units per em: pyHanko writes glyph widths in font units, so a
# 2048-unit TrueType font would be drawn letter-spaced.
STAMP_FONT = os.path.join(FONT_DIR, "DejaVuSans-Stamp.ttf")


@dataclass
class StampRequest:
    """Where and what the visible signature stamp shows (PDF points, origin bottom-left)."""

    page: int
    box: tuple  # (x1, y1, x2, y2)
    text: str


@dataclass
class SignRequest:
    field_name: str
    reason: str
    location: str
    signer_name: str
    stamp: StampRequest = None


class Signer:
    """Signs a PDF. Implementations: LocalPadesSigner (pyHanko, local key); a remote TTE client later."""

    is_development = False

    def sign_pdf(self, pdf: bytes, request: SignRequest) -> bytes:  # pragma: no cover - interface
        raise NotImplementedError

    def certificate_pem(self) -> bytes:  # pragma: no cover - interface
        raise NotImplementedError

    def describe(self) -> str:
        return type(self).__name__


class LocalPadesSigner(Signer):
    def __init__(self, key_path, cert_path, is_development=False):
        from pyhanko.sign import signers

        self.key_path, self.cert_path = key_path, cert_path
        self.is_development = is_development
        self._signer = signers.SimpleSigner.load(key_path, cert_path)
        if self._signer is None:
            raise ValueError(f"cannot load the signing key {key_path} / certificate {cert_path}")
        self._stamp_font = None

    def certificate_pem(self):
        with open(self.cert_path, "rb") as fh:
            return fh.read()

    def subject(self):
        return self._signer.signing_cert.subject.human_friendly

    def describe(self):
        return self.subject()

    def _stamp_style(self, text):
        from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
        from pyhanko.pdf_utils.text import TextBoxStyle
        from pyhanko.stamp import TextStampStyle

        if self._stamp_font is None:
            # A bundled TrueType font, embedded (subset): pyHanko's default font is not, which breaks PDF/A.
            self._stamp_font = GlyphAccumulatorFactory(STAMP_FONT)
        return TextStampStyle(stamp_text=text.replace("%", "%%"), border_width=1,
                              text_box_style=TextBoxStyle(font=self._stamp_font, font_size=7))

    def sign_pdf(self, pdf, request):
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import fields, signers
        from pyhanko.sign.fields import SigSeedSubFilter

        meta = signers.PdfSignatureMetadata(
            field_name=request.field_name, subfilter=SigSeedSubFilter.PADES, reason=request.reason,
            location=request.location, name=request.signer_name, md_algorithm="sha256")
        stamp = request.stamp
        spec = style = None
        if stamp is not None:
            box = tuple(int(round(v)) for v in stamp.box)
            spec = fields.SigFieldSpec(sig_field_name=request.field_name, on_page=stamp.page, box=box)
            style = self._stamp_style(stamp.text)
        writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
        pdf_signer = signers.PdfSigner(meta, self._signer, stamp_style=style, new_field_spec=spec)
        out = pdf_signer.sign_pdf(writer)
        return out.getvalue()


# -- configuration ---------------------------------------------------------------------------------

_lock = threading.Lock()
_cache = {}


def dev_pair_paths(folder):
    return os.path.join(folder, DEV_KEY_NAME), os.path.join(folder, DEV_CERT_NAME)


def generate_pair(key_path, cert_path, common_name=DEV_SUBJECT, organization="SIKIPP", days=3650):
    """A self-signed RSA-2048 signing certificate (for development and tests). Written atomically."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
                      x509.NameAttribute(NameOID.COUNTRY_NAME, "ID")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    folder = os.path.dirname(os.path.abspath(key_path))
    os.makedirs(folder, exist_ok=True)
    for path, data, mode in (
        (key_path, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption()), 0o600),
        (cert_path, cert.public_bytes(serialization.Encoding.PEM), 0o644),
    ):
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), prefix=".tmp-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)


def _ensure_dev_pair(folder):
    key_path, cert_path = dev_pair_paths(folder)
    if os.path.exists(key_path) and os.path.exists(cert_path):
        return key_path, cert_path
    folder = os.path.dirname(key_path)
    os.makedirs(folder, exist_ok=True)
    lock_path = os.path.join(folder, ".generate.lock")
    import fcntl

    with open(lock_path, "w") as lock:  # several processes may start at once: one generates
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (os.path.exists(key_path) and os.path.exists(cert_path)):
            generate_pair(key_path, cert_path)
            log.warning("Generated a DEVELOPMENT signing key and certificate in %s: NOT FOR PRODUCTION. "
                        "Set SIKIPP_SIGNING_KEY and SIKIPP_SIGNING_CERT.", folder)
    return key_path, cert_path


def signing_paths(config):
    """(key path, cert path, is_development) of the configured pair, or of the development pair."""
    key, cert = config.get("SIKIPP_SIGNING_KEY"), config.get("SIKIPP_SIGNING_CERT")
    if key and cert:
        return key, cert, False
    key, cert = _ensure_dev_pair(config["SIKIPP_DEV_SIGNING_DIR"])
    return key, cert, True


def using_development_pair(config):
    return not (config.get("SIKIPP_SIGNING_KEY") and config.get("SIKIPP_SIGNING_CERT"))


def get_signer(config) -> Signer:
    custom = config.get("SIKIPP_SIGNER_CLASS")
    if custom:
        module, _, name = custom.partition(":")
        return getattr(import_module(module), name)(config)
    key, cert, dev = signing_paths(config)
    stamp = (key, cert, os.path.getmtime(key), os.path.getmtime(cert))
    with _lock:
        signer = _cache.get(stamp)
        if signer is None:
            signer = _cache[stamp] = LocalPadesSigner(key, cert, is_development=dev)
        return signer
