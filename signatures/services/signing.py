"""
The organisation's signature applied on the server (NĐ 30/2020 Phụ lục I):

- main document: the red seal image at real size, overlapping about the left third of the
  signer's signature image, with the organisation's name and the signing time in ISO 8601
  with +07:00;
- appendix in a separate file: top right of page 1, no image, text = number/notation and
  signing time, 10 pt serif.

Keys come from an encrypted PKCS#12 file in the default storage or from a PKCS#11 token
(SoftHSM2 in tests/CI, the same code path as an HSM or USB token). Passphrases and PINs are
secrets named by ``SigningKey.secret_name``, never stored in the database.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import os
from contextlib import contextmanager
from pathlib import Path

from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from egov.core.audit import audit_record
from egov.core.db import service_atomic

from .. import conf
from ..choices import AuditVerb, KeySource
from ..models import SigningKey

logger = logging.getLogger(__name__)

__all__ = ["SigningError", "organisation_sign_pdf", "secret_lookup", "signer_for", "STATIC_DIR"]

STATIC_DIR = Path(__file__).resolve().parent.parent / "static" / "signatures"
DEFAULT_FONT = STATIC_DIR / "DejaVuSerif-vi-1000upem.ttf"
DEFAULT_SEAL = STATIC_DIR / "seal-sample.png"
VN_TZ = dt.timezone(dt.timedelta(hours=7))
SEAL_SIZE_PT = 102  # ≈ 36 mm, the usual diameter of a People's Committee seal
APPENDIX_BOX = (200, 44)  # width × height in points, 10 pt text on two lines
MARGIN_PT = 28


class SigningError(Exception):
    """The organisation signature could not be applied (no key, wrong secret, token missing…)."""


def secret_lookup(name: str) -> str:
    """A passphrase/PIN by name: env ``SIGNATURES_SECRET_<NAME>``, else SIGNATURES_KEY_SECRETS."""
    env_name = "SIGNATURES_SECRET_" + "".join(c if c.isalnum() else "_" for c in name).upper()
    value = os.environ.get(env_name) or conf.key_secrets().get(name)
    if not value:
        raise SigningError(_("The secret %(name)s of the signing key is not configured.") % {"name": name})
    return value


def _chain_from_registry() -> list:
    """Intermediates from the registry, so the CMS carries the chain."""
    from asn1crypto import x509 as asn1_x509

    from ..models import Certificate

    return [asn1_x509.Certificate.load(bytes(d)) for d in Certificate.objects.filter(is_ca=True).values_list("der", flat=True)]


@contextmanager
def signer_for(signing_key: SigningKey):
    """A pyHanko signer for ``signing_key``; PKCS#11 sessions are closed on exit."""
    from pyhanko.sign import signers

    if signing_key.source == KeySource.PKCS12:
        try:
            with default_storage.open(signing_key.pkcs12_path, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            raise SigningError(_("The PKCS#12 file of the signing key is missing.")) from exc
        signer = signers.SimpleSigner.load_pkcs12_data(
            data, other_certs=[], passphrase=secret_lookup(signing_key.secret_name).encode()
        )
        if signer is None:
            raise SigningError(_("The PKCS#12 file could not be opened with its passphrase."))
        if signer.cert_registry is not None:
            for cert in _chain_from_registry():
                signer.cert_registry.register(cert)
        yield signer
        return
    from pkcs11.exceptions import PKCS11Error
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign import pkcs11 as pyhanko_pkcs11

    try:
        session = pyhanko_pkcs11.open_pkcs11_session(
            signing_key.pkcs11_module,
            token_criteria=TokenCriteria(label=signing_key.token_label),
            user_pin=secret_lookup(signing_key.secret_name),
        )
    except (PKCS11Error, OSError, RuntimeError) as exc:
        raise SigningError(_("The PKCS#11 token could not be opened: %(error)s") % {"error": exc}) from exc
    try:
        kwargs = {"key_label": signing_key.key_label}
        if signing_key.certificate_id:
            from asn1crypto import x509 as asn1_x509

            kwargs["signing_cert"] = asn1_x509.Certificate.load(bytes(signing_key.certificate.der))
        else:
            kwargs["cert_label"] = signing_key.key_label
        yield pyhanko_pkcs11.PKCS11Signer(
            session, ca_chain=_chain_from_registry(), **kwargs
        )
    finally:
        session.close()


def _signer_box(reader) -> tuple[int, tuple[float, float, float, float]] | None:
    """Page and rectangle of the last visible signature field (the signer's image)."""
    from pyhanko.sign.fields import enumerate_sig_fields

    found = None
    for _name, _value, field_ref in enumerate_sig_fields(reader, filled_status=None):
        field = field_ref.get_object()
        widget = field if "/Rect" in field else (field.get("/Kids") or [None])[0]
        if widget is None:
            continue
        widget = widget.get_object()
        rect = [float(x) for x in widget.get("/Rect", [0, 0, 0, 0])]
        if rect[2] - rect[0] < 1 or rect[3] - rect[1] < 1:
            continue  # invisible signature
        page_ref = widget.get("/P")
        index = None
        if page_ref is not None:
            for i in range(reader.root["/Pages"]["/Count"]):
                if reader.find_page_for_modification(i)[0].idnum == page_ref.idnum:
                    index = i
                    break
        found = (index if index is not None else -1, tuple(rect))
    return found


def _page_box(reader, index: int) -> tuple[float, float, float, float]:
    page = reader.find_page_for_modification(index)[0].get_object()
    box = [float(x) for x in page.get("/MediaBox", [0, 0, 595, 842])]
    return tuple(box)


def seal_box_for(signer_rect, *, size: float = SEAL_SIZE_PT) -> tuple[int, int, int, int]:
    """
    NĐ 30: the seal overlaps about one third of the signer's image, on its left. The seal's
    right edge sits one third into the signer's box; it is centred vertically on that box.
    """
    x0, y0, x1, y1 = signer_rect
    right = x0 + (x1 - x0) / 3
    cy = (y0 + y1) / 2
    return (round(right - size), round(cy - size / 2), round(right), round(cy + size / 2))


def organisation_sign_pdf(
    *,
    pdf: bytes,
    unit,
    signing_key: SigningKey | None = None,
    appendix: bool = False,
    notation: str = "",
    box: tuple[int, int, int, int] | None = None,
    page: int | None = None,
    signed_at: dt.datetime | None = None,
    acting_user=None,
) -> bytes:
    """
    Apply ``unit``'s organisation signature to ``pdf`` and return the signed bytes (an
    incremental update: earlier signatures stay valid). ``box``/``page`` override the
    placement; by default the seal goes over the left third of the last visible signature
    (the competent person's), or bottom right of the last page when there is none.
    """
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.sign import fields, signers

    signing_key = signing_key or SigningKey.objects.filter(unit=unit, is_active=True).select_related("certificate").first()
    if signing_key is None or signing_key.unit_id != unit.pk:
        raise SigningError(_("The unit has no active organisation signing key."))
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    except (PdfError, ValueError) as exc:
        raise SigningError(_("The file is not a readable PDF.")) from exc
    when = (signed_at or timezone.now()).astimezone(VN_TZ).replace(microsecond=0)
    field_name = f"OrgSignature{writer.prev.xrefs.total_revisions}"
    if appendix:
        on_page = 0 if page is None else page
        mx0, my0, mx1, my1 = _page_box(writer.prev, on_page)
        w, h = APPENDIX_BOX
        rect = box or (round(mx1 - MARGIN_PT - w), round(my1 - MARGIN_PT - h), round(mx1 - MARGIN_PT), round(my1 - MARGIN_PT))
        text = "%(notation)s\n%(signed_at)s"
        style = _text_style(text, font_size=10, with_seal=None)
    else:
        found = None if box else _signer_box(writer.prev)
        if box:
            on_page, rect = (page if page is not None else -1), box
        elif found:
            on_page, rect = found[0], seal_box_for(found[1])
        else:
            on_page = -1 if page is None else page
            mx0, my0, mx1, my1 = _page_box(writer.prev, on_page)
            rect = (round(mx1 - 200), round(my0 + 120), round(mx1 - 200 + SEAL_SIZE_PT), round(my0 + 120 + SEAL_SIZE_PT))
        seal = signing_key_seal(signing_key)
        # The clerk's number, when given, is printed in the stamp too (drafts signed in person).
        style = _text_style("%(org)s\n%(notation)s\n%(signed_at)s" if notation else "%(org)s\n%(signed_at)s",
                            font_size=6, with_seal=seal)
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        subfilter=fields.SigSeedSubFilter.PADES,
        name=str(unit.name),
        location=getattr(unit, "address", "") or None,
        reason=str(_("Organisation signature")) if not appendix else str(_("Appendix signature")),
    )
    params = {"org": unit.name, "signed_at": when.isoformat(), "notation": notation or ""}
    with signer_for(signing_key) as signer:
        pdf_signer = signers.PdfSigner(
            meta,
            signer=signer,
            stamp_style=style,
            new_field_spec=fields.SigFieldSpec(field_name, box=rect, on_page=on_page),
        )
        try:
            out = pdf_signer.sign_pdf(writer, appearance_text_params=params)
        except Exception as exc:  # pyHanko/PKCS#11 raise many types; the caller gets one
            logger.exception("organisation signature failed")
            raise SigningError(_("The organisation signature could not be applied: %(error)s") % {"error": exc}) from exc
    signed = out.getvalue()
    with service_atomic():
        audit_record(actor=acting_user, unit=unit, verb=AuditVerb.ORGANISATION_SIGNED, obj=signing_key,
                     details={"appendix": appendix, "notation": notation[:100], "at": when.isoformat(),
                              "sha256": hashlib.sha256(signed).hexdigest(), "field": field_name})
    return signed


def signing_key_seal(signing_key: SigningKey) -> Path | io.BytesIO:
    """The key's seal image, else the unit's uploaded seal, else SIGNATURES_SEAL_IMAGE, else the sample seal."""
    if signing_key.seal_path:
        with default_storage.open(signing_key.seal_path, "rb") as fh:
            return io.BytesIO(fh.read())
    from ..models import SignatureImage

    image = SignatureImage.objects.filter(unit_id=signing_key.unit_id, kind="seal", user__isnull=True,
                                          is_active=True).first()
    if image is not None:  # the seal the unit administrator uploaded
        with default_storage.open(image.path, "rb") as fh:
            return io.BytesIO(fh.read())
    configured = conf.seal_image_path()
    return Path(configured) if configured else DEFAULT_SEAL


def _text_style(template: str, *, font_size: int, with_seal):
    from PIL import Image
    from pyhanko.pdf_utils import layout, text
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
    from pyhanko.pdf_utils.images import PdfImage
    from pyhanko.stamp import TextStampStyle

    font = GlyphAccumulatorFactory(str(conf.stamp_font_path() or DEFAULT_FONT), font_size=font_size)
    kwargs = {}
    if with_seal is not None:
        kwargs["background"] = PdfImage(Image.open(with_seal))
        kwargs["background_opacity"] = 1.0
        kwargs["background_layout"] = layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID, y_align=layout.AxisAlignment.ALIGN_MID,
            inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT,
        )
        inner = layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID, y_align=layout.AxisAlignment.ALIGN_MIN,
            margins=layout.Margins(bottom=2),
        )
        color = (0.75, 0.0, 0.0)
    else:
        inner = layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MAX, y_align=layout.AxisAlignment.ALIGN_MAX,
        )
        color = (0.0, 0.0, 0.0)
    return TextStampStyle(
        stamp_text=template,
        text_box_style=text.TextBoxStyle(font=font, font_size=font_size, text_color=color),
        inner_content_layout=inner,
        border_width=0,
        **kwargs,
    )
