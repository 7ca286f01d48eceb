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
import functools
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


def preload():
    """Import the signing libraries now (they are otherwise imported on the first signature): for a worker
    process about to freeze its long-lived objects (``app.jobs.freeze_long_lived``)."""
    import pyhanko.pdf_utils.incremental_writer  # noqa: F401
    import pyhanko.sign.signers  # noqa: F401
    import pyhanko.stamp  # noqa: F401
    import segno  # noqa: F401

    _stamp_font()
    _signer_class()
    _stamp_style_class()


# -- the visible stamp ------------------------------------------------------------------------------


@functools.cache
def _stamp_font():
    """pyHanko's font engine factory for the bundled stamp font (one per process)."""
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory

    return GlyphAccumulatorFactory(STAMP_FONT)


class _Appearances:
    """Stamp appearances already made, to be copied into the next documents that show the same stamp.

    pyHanko lays the stamp out for every signature: it parses the font, shapes the text with HarfBuzz, and
    subsets and embeds the font with fontTools (15-20 ms, most of it decompiling the font's layout tables). The stamps of a decree's certificates are all the same (same text — signer,
    jabatan, the decree's date — same box), so the appearance (a form XObject with its embedded font subset)
    is made by pyHanko once per process, read back from the first signed document, and copied object by
    object (pyHanko's ``import_object``, streams kept encoded) into the next ones. The copy is the very
    object pyHanko made, so the embedded font, the PDF/A properties and what the stamp shows are unchanged;
    the signature itself (field, signed attributes, CMS) is made per document as before.
    """

    limit = 16  # one stamp per decree signed; bounded anyway

    def __init__(self):
        self._kept = {}  # (stamp style, width, height) → (reader of a signed document, reference of its /AP /N)
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            return self._kept.get(key)

    def keep(self, key, signed_pdf, field_name):
        from pyhanko.pdf_utils.generic import IndirectObject
        from pyhanko.pdf_utils.reader import PdfFileReader

        reader = PdfFileReader(BytesIO(signed_pdf), strict=False)
        for signature in reader.embedded_signatures:
            if signature.field_name == field_name:
                appearance = signature.sig_field.get("/AP")
                normal = appearance.raw_get("/N") if appearance is not None and "/N" in appearance else None
                if isinstance(normal, IndirectObject):
                    with self._lock:
                        if len(self._kept) >= self.limit:
                            self._kept.clear()
                        self._kept.setdefault(key, (reader, normal))
                return

    def clear(self):
        with self._lock:
            self._kept.clear()

    def copy_into(self, writer, kept):
        reader, normal = kept
        with self._lock:  # the reader resolves (and caches) objects as they are copied
            return writer.import_object(normal)


_appearances = _Appearances()


def forget_stamp_appearances():
    """Drop the kept stamp appearances (the next signature lays its stamp out again): for benchmarks and tests
    that measure or check a first signature."""
    _appearances.clear()


@functools.cache
def _stamp_style_class():
    from dataclasses import dataclass as frozen_dataclass

    from pyhanko.stamp import TextStampStyle

    class CopiedAppearance:
        """A stamp whose appearance is a copy of one made before (see :class:`_Appearances`)."""

        def __init__(self, writer, kept):
            self.writer, self.kept = writer, kept

        def apply_appearance(self, annot_dict):  # as pyHanko's AppearanceContent.apply_appearance
            from pyhanko.pdf_utils.generic import DictionaryObject, pdf_name

            annot_dict["/AP"] = DictionaryObject({pdf_name("/N"): _appearances.copy_into(self.writer, self.kept)})
            annot_dict.pop(pdf_name("/AS"), None)

    @frozen_dataclass(frozen=True)
    class KeptTextStampStyle(TextStampStyle):
        """``TextStampStyle`` whose stamp is copied from an earlier document when it would look the same:
        same style (text, font, sizes, border: the style is a frozen dataclass, compared field by field) and
        same box. The stamp text has no interpolation parameter (no %(ts)s), so nothing else changes it."""

        def appearance_key(self, box):
            return self, round(float(box.width), 3), round(float(box.height), 3)

        def create_stamp(self, writer, box, text_params):
            kept = _appearances.get(self.appearance_key(box))
            if kept is not None:
                return CopiedAppearance(writer, kept)
            return super().create_stamp(writer, box, text_params)

    return KeptTextStampStyle


class _KeyMaterial:
    """A key pair loaded once (per pair and process), and what pyHanko would otherwise rebuild per signature.

    pyHanko's ``SimpleSigner`` re-imports the DER private key on every ``sign_raw`` call, and a PDF signature
    makes two of them (a dry run that sizes the /Contents placeholder, then the real one): cryptography checks
    an RSA-2048 key on import, ~25-30 ms each time. Its CMS objects are built with asn1crypto from the parsed
    certificate, which re-encodes the certificate's parts every time (the signing-certificate-v2 attribute
    alone, ~2-6 ms). Kept here: the key object, the certificate's DER, the DER of the signing-certificate-v2
    attribute (built by pyHanko's own ``as_signing_certificate_v2``, once), and the dry-run CMS object whose
    length pyHanko measures. Each signature gets a fresh signer (:meth:`signer`) holding a freshly loaded,
    lazily parsed copy of the certificate: asn1crypto then writes its parts back as they were read, and no
    state is shared between threads but these read-only values.
    """

    def __init__(self, key_path, cert_path):
        from cryptography.hazmat.primitives import serialization
        from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder
        from pyhanko.sign.general import as_signing_certificate_v2, simple_cms_attribute

        try:
            self.key_info = load_private_key_from_pemder(key_path, passphrase=None)
            cert = load_cert_from_pemder(cert_path)
        except (OSError, ValueError, TypeError) as exc:
            raise ValueError(f"cannot load the signing key {key_path} / certificate {cert_path}: {exc}") from exc
        self.private_key = serialization.load_der_private_key(self.key_info.dump(), password=None)
        self.cert_der = cert.dump()
        self.subject = cert.subject.human_friendly
        self.signing_certificate_v2 = simple_cms_attribute(
            "signing_certificate_v2", as_signing_certificate_v2(cert)).dump()
        self.dry_runs = {}  # (digest algorithm, PAdES, without signing time) → dry-run CMS (its length is used)

    def signer(self):
        from asn1crypto import x509
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        return _signer_class()(self, signing_cert=x509.Certificate.load(self.cert_der), signing_key=self.key_info,
                               cert_registry=SimpleCertificateStore())


@functools.cache
def _signer_class():
    from asn1crypto import cms
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from pyhanko.sign import attributes, signers
    from pyhanko_certvalidator.util import get_pyca_cryptography_hash

    class KeptAttribute(attributes.CMSAttributeProvider):
        """A signed attribute whose DER is known: a lazily parsed copy per signature."""

        def __init__(self, attribute_type, der):
            self.attribute_type, self.der = attribute_type, der

        async def build_attr_value(self, dry_run=False):
            return cms.CMSAttribute.load(self.der)["values"][0]

        async def get_attribute(self, dry_run=False):
            return cms.CMSAttribute.load(self.der)

    class KeptKeySigner(signers.SimpleSigner):
        """``SimpleSigner`` for one signature, on :class:`_KeyMaterial`."""

        def __init__(self, material, **kwargs):
            super().__init__(**kwargs)
            self._material = material

        def _rsa_pkcs1(self, digest_algorithm):
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
            return (mechanism.signature_algo == "rsassa_pkcs1v15"
                    and isinstance(self._material.private_key, RSAPrivateKey))

        def sign_raw(self, data, digest_algorithm):
            if self._rsa_pkcs1(digest_algorithm):
                return self._material.private_key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
            return super().sign_raw(data, digest_algorithm)  # other mechanisms: pyHanko's own code

        async def async_sign_raw(self, data, digest_algorithm, dry_run=False):
            if dry_run and self._rsa_pkcs1(digest_algorithm):
                return bytes((self._material.private_key.key_size + 7) // 8)  # a PKCS#1 v1.5 signature's length
            return self.sign_raw(data, digest_algorithm)

        def _signed_attr_providers(self, *args, **kwargs):
            for provider in super()._signed_attr_providers(*args, **kwargs):
                if type(provider) is attributes.SigningCertificateV2Provider:
                    yield KeptAttribute(provider.attribute_type, self._material.signing_certificate_v2)
                else:
                    yield provider

        async def async_sign(self, data_digest, digest_algorithm, dry_run=False, use_pades=False, timestamper=None,
                             signed_attr_settings=None, is_pdf_sig=True, encap_content_info=None):
            # pyHanko builds a dry-run CMS object only to measure its length (the /Contents placeholder is
            # that length + 50 %). With no timestamper, no revocation info and no CAdES attributes its shape
            # depends only on the digest algorithm and the PAdES mode: the first one is measured for all.
            key = None
            if (dry_run and timestamper is None and encap_content_info is None and is_pdf_sig
                    and (signed_attr_settings is None or (signed_attr_settings.adobe_revinfo_attr is None
                                                          and signed_attr_settings.cades_signed_attrs is None))):
                key = (digest_algorithm, bool(use_pades), getattr(signed_attr_settings, "signing_time", None) is None)
                cached = self._material.dry_runs.get(key)
                if cached is not None:
                    return cached
            result = await super().async_sign(
                data_digest, digest_algorithm, dry_run=dry_run, use_pades=use_pades, timestamper=timestamper,
                signed_attr_settings=signed_attr_settings, is_pdf_sig=is_pdf_sig,
                encap_content_info=encap_content_info)
            if key is not None:
                self._material.dry_runs[key] = result
            return result

    return KeptKeySigner


class LocalPadesSigner(Signer):
    """PAdES signer with a local PEM key and certificate. One instance per key pair and process
    (:func:`get_signer`): the key, the certificate and the stamp font are loaded once, not per document."""

    def __init__(self, key_path, cert_path, is_development=False):
        self.key_path, self.cert_path = key_path, cert_path
        self.is_development = is_development
        self._material = _KeyMaterial(key_path, cert_path)
        with open(cert_path, "rb") as fh:
            self._cert_pem = fh.read()

    def certificate_pem(self):
        return self._cert_pem

    def subject(self):
        return self._material.subject

    def describe(self):
        return self.subject()

    @staticmethod
    def _stamp_style(text):
        from pyhanko.pdf_utils.text import TextBoxStyle

        # A bundled TrueType font, embedded (subset): pyHanko's default font is not, which breaks PDF/A.
        # "%" is escaped: the text is a %-template for pyHanko, and has no parameter.
        return _stamp_style_class()(stamp_text=text.replace("%", "%%"), border_width=1,
                                    text_box_style=TextBoxStyle(font=_stamp_font(), font_size=7))

    def sign_pdf(self, pdf, request):
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.pdf_utils.layout import BoxConstraints
        from pyhanko.sign import fields, signers
        from pyhanko.sign.fields import SigSeedSubFilter

        meta = signers.PdfSignatureMetadata(
            field_name=request.field_name, subfilter=SigSeedSubFilter.PADES, reason=request.reason,
            location=request.location, name=request.signer_name, md_algorithm="sha256")
        stamp = request.stamp
        spec = style = appearance_key = None
        if stamp is not None:
            box = tuple(int(round(v)) for v in stamp.box)
            spec = fields.SigFieldSpec(sig_field_name=request.field_name, on_page=stamp.page, box=box)
            style = self._stamp_style(stamp.text)
            appearance_key = style.appearance_key(BoxConstraints(width=box[2] - box[0], height=box[3] - box[1]))
        writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
        pdf_signer = signers.PdfSigner(meta, self._material.signer(), stamp_style=style, new_field_spec=spec)
        signed = pdf_signer.sign_pdf(writer).getvalue()
        if appearance_key is not None and _appearances.get(appearance_key) is None:
            _appearances.keep(appearance_key, signed, request.field_name)
        return signed


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


def get_signer(config, pair=None) -> Signer:
    """The signer: ``SIKIPP_SIGNER_CLASS`` when set (a remote TTE), else a local PAdES signer with ``pair`` (the
    signing user's own key and certificate paths, app.services.signers.own_pair) or the configured pair."""
    custom = config.get("SIKIPP_SIGNER_CLASS")
    if custom:
        module, _, name = custom.partition(":")
        return getattr(import_module(module), name)(config)
    if pair is not None:
        key, cert, dev = pair[0], pair[1], False
    else:
        key, cert, dev = signing_paths(config)
    stamp = (key, cert, os.path.getmtime(key), os.path.getmtime(cert))
    with _lock:
        signer = _cache.get(stamp)
        if signer is None:
            signer = _cache[stamp] = LocalPadesSigner(key, cert, is_development=dev)
        return signer
