"""
The competent person's own digital signature (NĐ 30 Điều 13, Phụ lục I) and what decides
whether they may sign: their signing methods, the signature images the unit administrator
manages, delegations (KT./TL./TUQ.), and the signer block printed for each kind.

The documents layer calls ``signing_authority`` before it asks for a signature and
``personal_sign_pdf`` to apply it; nothing here knows what a draft is (layer rule:
signatures imports units and egov.core only). See docs/drafting.md.
"""
from __future__ import annotations

import asyncio
import datetime
import hashlib
import io
import logging

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _

from egov.core.audit import audit_record
from egov.core.db import service, service_atomic
from egov.core.errors import InvalidInput, PermissionDeniedError, StateError
from units.choices import Role
from units.permissions import require_role, user_roles_in

from ..choices import AuditVerb, CertificateBinding, DelegationKind, ImageKind, PersonalMethod
from ..models import Certificate, Delegation, PersonalSigningMethod, SignatureImage
from .remote import RemoteSigningError, remote_provider_for
from .signing import SigningError, _chain_from_registry, secret_lookup

logger = logging.getLogger(__name__)

__all__ = [
    "SigningRefused",
    "signing_method_set",
    "signing_method_of",
    "signature_image_check",
    "signature_image_upload",
    "signature_image_of",
    "delegation_create",
    "delegation_revoke",
    "signing_authority",
    "signer_block",
    "personal_sign_pdf",
    "DEFAULT_SIGNATURE_BOX",
]

DEFAULT_SIGNATURE_BOX = (330, 120, 530, 200)  # bottom right of the last page, where the signer block usually is
MAX_IMAGE_BYTES = 2 * 1024 * 1024
SELF_COMPETENCES = ("", "TM", "Q")


class SigningRefused(PermissionDeniedError):
    """The person may not sign this (no valid delegation, not a leader, …); the message says why."""


# --- methods ----------------------------------------------------------------------------------

@service
def signing_method_set(*, user, kind: str, acting_user, certificate: Certificate | None = None,
                       pkcs11_module: str = "", token_label: str = "", key_label: str = "",
                       csc_service_url: str = "", csc_credential_id: str = "", csc_token_secret: str = "",
                       label: str = "") -> PersonalSigningMethod:
    """
    Record how ``user`` signs; it becomes their default method. Server-side methods (token,
    remote) name the personal certificate registered to the user: a signature made with any
    other certificate is refused.
    """
    if acting_user != user and not getattr(acting_user, "is_staff", False):
        raise PermissionDeniedError(_("Only the person or an administrator sets a personal signing method."))
    if kind not in PersonalMethod.values:
        raise InvalidInput(_("Unknown signing method."), field="kind")
    if kind != PersonalMethod.VGCA:
        if certificate is None or certificate.binding != CertificateBinding.PERSONAL or certificate.user_id != user.pk:
            raise InvalidInput(_("Choose a personal certificate registered to this person."), field="certificate")
    if kind == PersonalMethod.PKCS11 and not (pkcs11_module and token_label and key_label):
        raise InvalidInput(_("A token needs its module, token label and key label."), field="pkcs11_module")
    if kind == PersonalMethod.REMOTE and not (csc_service_url and csc_credential_id):
        raise InvalidInput(_("A remote signing service needs its URL and credential id."), field="csc_service_url")
    PersonalSigningMethod.objects.filter(user=user, is_default=True, is_active=True).update(is_default=False)
    method = PersonalSigningMethod.objects.create(
        user=user, kind=kind, label=label[:100], certificate=certificate, pkcs11_module=pkcs11_module,
        token_label=token_label, key_label=key_label, csc_service_url=csc_service_url.rstrip("/"),
        csc_credential_id=csc_credential_id, csc_token_secret=csc_token_secret, is_default=True)
    audit_record(actor=acting_user, unit=None, verb=AuditVerb.METHOD_SET, obj=method,
                 details={"user": user.pk, "kind": kind, "certificate": certificate.pk if certificate else None})
    return method


def signing_method_of(*, user) -> PersonalSigningMethod | None:
    return (PersonalSigningMethod.objects.filter(user=user, is_active=True).select_related("certificate")
            .order_by("-is_default", "-pk").first())


# --- images -----------------------------------------------------------------------------------

def signature_image_check(content: bytes, *, kind: str) -> tuple[int, int]:
    """
    Phụ lục I: a PNG with a transparent background; the signature in blue, the seal in red.
    Returns (width, height); raises InvalidInput with the reason.
    """
    from PIL import Image, UnidentifiedImageError

    if not content:
        raise InvalidInput(_("The image is empty."), field="image")
    if len(content) > MAX_IMAGE_BYTES:
        raise InvalidInput(_("The image is too large (at most 2 MB)."), field="image")
    try:
        img = Image.open(io.BytesIO(content))
        img.load()
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise InvalidInput(_("The file is not a readable image."), field="image") from exc
    if img.format != "PNG":
        raise InvalidInput(_("The image must be a PNG file."), field="image")
    has_alpha = img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info)
    if not has_alpha:
        raise InvalidInput(_("The image must have a transparent background."), field="image")
    w, h = img.size
    if not (40 <= w <= 3000 and 20 <= h <= 3000):
        raise InvalidInput(_("The image must be between 40×20 and 3000×3000 pixels."), field="image")
    rgba = img.convert("RGBA")
    rgba.thumbnail((300, 300))
    pixels = list(rgba.getdata())
    transparent = sum(1 for p in pixels if p[3] < 16)
    opaque = [p for p in pixels if p[3] > 128]
    if transparent < 0.2 * len(pixels):
        raise InvalidInput(_("The background of the image is not transparent."), field="image")
    if len(opaque) < 0.005 * len(pixels):
        raise InvalidInput(_("The image is blank."), field="image")
    r = sum(p[0] for p in opaque) / len(opaque)
    g = sum(p[1] for p in opaque) / len(opaque)
    b = sum(p[2] for p in opaque) / len(opaque)
    if kind == ImageKind.SIGNATURE and not (b > r + 20 and b > g + 10):
        raise InvalidInput(_("A signature image must be blue (NĐ 30 Phụ lục I)."), field="image")
    if kind == ImageKind.SEAL and not (r > g + 40 and r > b + 40):
        raise InvalidInput(_("A seal image must be red."), field="image")
    return w, h


@service
def signature_image_upload(*, unit, kind: str, content: bytes, acting_user, user=None) -> SignatureImage:
    """The unit administrator uploads a signer's signature image or the unit's seal; the previous one is retired."""
    require_role(user=acting_user, unit=unit, roles=(Role.UNIT_ADMIN,))
    if kind not in ImageKind.values:
        raise InvalidInput(_("Unknown image kind."), field="kind")
    if kind == ImageKind.SIGNATURE:
        if user is None:
            raise InvalidInput(_("Choose the signer."), field="user")
        if not user_roles_in(user=user, unit=unit):
            raise InvalidInput(_("%(user)s holds no role in %(unit)s.") % {"user": user, "unit": unit.name},
                               field="user")
    else:
        user = None
    width, height = signature_image_check(content, kind=kind)
    sha = hashlib.sha256(content).hexdigest()
    path = f"signatures/images/{sha}.png"
    if not default_storage.exists(path):
        path = default_storage.save(path, ContentFile(content))
    SignatureImage.objects.filter(unit=unit, user=user, kind=kind, is_active=True).update(is_active=False)
    image = SignatureImage.objects.create(unit=unit, user=user, kind=kind, path=path, sha256=sha, width=width,
                                          height=height, uploaded_by=acting_user)
    audit_record(actor=acting_user, unit=unit, verb=AuditVerb.IMAGE_UPLOADED, obj=image,
                 details={"kind": kind, "user": user.pk if user else None, "sha256": sha})
    return image


def signature_image_of(*, unit, kind: str, user=None) -> SignatureImage | None:
    return SignatureImage.objects.filter(unit=unit, kind=kind, user=user, is_active=True).first()


# --- delegations ------------------------------------------------------------------------------

def _fmt(d: datetime.date) -> str:
    return d.strftime("%d/%m/%Y")


@service
def delegation_create(*, unit, acting_user, delegate, kind: str, valid_from: datetime.date,
                      valid_to: datetime.date, delegator_title: str, delegate_title: str = "",
                      doc_types=(), note: str = "") -> Delegation:
    """
    The head (a leader of ``unit``) hands the power to sign to ``delegate``. Refused: to
    oneself, to someone outside the unit, backwards or past dates, and sub-delegation (the head
    acts under a delegation of the same kind from someone else during these dates).
    """
    require_role(user=acting_user, unit=unit, roles=(Role.LEADER,))
    if kind not in DelegationKind.values:
        raise InvalidInput(_("Unknown kind of delegation."), field="kind")
    if delegate is None or delegate.pk == acting_user.pk:
        raise InvalidInput(_("Choose another person to delegate to."), field="delegate")
    if not user_roles_in(user=delegate, unit=unit):
        raise InvalidInput(_("%(user)s holds no role in %(unit)s.") % {"user": delegate, "unit": unit.name},
                           field="delegate")
    if valid_to < valid_from:
        raise InvalidInput(_("The delegation ends before it starts."), field="valid_to")
    if valid_to < timezone.localdate():
        raise InvalidInput(_("The delegation would already be over."), field="valid_to")
    if not (delegator_title or "").strip():
        raise InvalidInput(_("Give your title as it is printed in the signer block (e.g. GIÁM ĐỐC)."),
                           field="delegator_title")
    received = Delegation.objects.filter(unit=unit, delegate=acting_user, kind=kind, revoked_at__isnull=True,
                                         valid_from__lte=valid_to, valid_to__gte=valid_from).first()
    if received is not None:
        raise SigningRefused(
            _("You hold this power under a %(kind)s delegation from %(from)s; a delegated power cannot be "
              "delegated again (NĐ 30 Điều 13).") % {"kind": received.kind, "from": received.delegator})
    types = sorted({str(t).strip() for t in doc_types if str(t).strip()})
    delegation = Delegation.objects.create(
        unit=unit, delegator=acting_user, delegate=delegate, kind=kind, doc_types=types,
        delegator_title=delegator_title.strip()[:100], delegate_title=delegate_title.strip()[:100],
        valid_from=valid_from, valid_to=valid_to, note=note[:500], created_by=acting_user)
    audit_record(actor=acting_user, unit=unit, verb=AuditVerb.DELEGATION_CREATED, obj=delegation,
                 details={"delegate": delegate.pk, "kind": kind, "types": types, "from": valid_from.isoformat(),
                          "to": valid_to.isoformat()})
    return delegation


@service
def delegation_revoke(*, delegation: Delegation, acting_user) -> Delegation:
    d = Delegation.objects.select_for_update(no_key=True).select_related("unit").get(pk=delegation.pk)
    if d.delegator_id != acting_user.pk:
        require_role(user=acting_user, unit=d.unit, roles=(Role.UNIT_ADMIN,))
    if d.revoked_at is not None:
        raise StateError(_("This delegation has already been revoked."))
    d.revoked_at, d.revoked_by = timezone.now(), acting_user
    d.save(update_fields=["revoked_at", "revoked_by"])
    audit_record(actor=acting_user, unit=d.unit, verb=AuditVerb.DELEGATION_REVOKED, obj=d)
    return d


def _name(user) -> str:
    return (user.get_full_name() or user.username) if user is not None else ""


def signing_authority(*, unit, signer, competence: str = "", on_behalf_of=None, doc_type: str = "",
                      doc_type_label: str = "", on: datetime.date | None = None) -> Delegation | None:
    """
    May ``signer`` sign a document of ``doc_type`` for ``unit`` with ``competence`` on ``on``?
    Returns the delegation used (None when they sign in their own name); raises
    SigningRefused with the reason otherwise.
    """
    on = on or timezone.localdate()
    roles = user_roles_in(user=signer, unit=unit)
    if competence in SELF_COMPETENCES:
        if on_behalf_of is not None:
            raise SigningRefused(_("Signing for someone else needs KT., TL. or TUQ."))
        if Role.LEADER not in roles:
            raise SigningRefused(_("%(name)s is not a leader of %(unit)s and has no delegation to sign.")
                                 % {"name": _name(signer), "unit": unit.name})
        return None
    if competence not in DelegationKind.values:
        raise SigningRefused(_("Unknown signing competence %(c)s.") % {"c": competence})
    if on_behalf_of is None:
        raise SigningRefused(_("Name the person %(c)s. signs for.") % {"c": competence})
    if Role.LEADER not in user_roles_in(user=on_behalf_of, unit=unit):
        raise SigningRefused(_("%(name)s is not a leader of %(unit)s: nobody can sign for them.")
                             % {"name": _name(on_behalf_of), "unit": unit.name})
    candidates = list(Delegation.objects.filter(unit=unit, delegator=on_behalf_of, delegate=signer, kind=competence)
                      .order_by("-valid_to", "-pk"))
    if not candidates:
        raise SigningRefused(_("%(signer)s holds no %(kind)s. delegation from %(from)s.")
                             % {"signer": _name(signer), "kind": competence, "from": _name(on_behalf_of)})
    live = [d for d in candidates if d.revoked_at is None]
    if not live:
        raise SigningRefused(_("The %(kind)s. delegation from %(from)s to %(signer)s has been revoked.")
                             % {"kind": competence, "from": _name(on_behalf_of), "signer": _name(signer)})
    dated = [d for d in live if d.valid_from <= on <= d.valid_to]
    if not dated:
        d = live[0]
        raise SigningRefused(_("The %(kind)s. delegation from %(from)s to %(signer)s is valid from %(start)s to "
                               "%(end)s; it does not cover %(on)s.")
                             % {"kind": competence, "from": _name(on_behalf_of), "signer": _name(signer),
                                "start": _fmt(d.valid_from), "end": _fmt(d.valid_to), "on": _fmt(on)})
    typed = [d for d in dated if not d.doc_types or doc_type in d.doc_types]
    if not typed:
        raise SigningRefused(_("The %(kind)s. delegation from %(from)s to %(signer)s does not cover documents of "
                               "type %(type)s.") % {"kind": competence, "from": _name(on_behalf_of),
                                                     "signer": _name(signer), "type": doc_type_label or doc_type})
    return typed[0]


def signer_block(*, competence: str, signer_name: str, signer_title: str, delegator_title: str = "",
                 collective: str = "") -> list[str]:
    """
    The lines of the signer block (NĐ 30 Điều 13, Phụ lục I mục II.8): the competence and
    the title of the one signed for, the signer's title, then (after the signature) the name.
    """
    upper = lambda s: (s or "").strip().upper()  # noqa: E731
    if competence == "TM":
        lines = [f"TM. {upper(collective)}", upper(signer_title)]
    elif competence == "Q":
        lines = [f"Q. {upper(signer_title)}"]
    elif competence in DelegationKind.values:
        lines = [f"{competence}. {upper(delegator_title)}", upper(signer_title)]
    else:
        lines = [upper(signer_title)]
    return [line for line in lines if line.strip(" .")] + [signer_name.strip()]


# --- signing ----------------------------------------------------------------------------------

def _stamp_style(image_bytes: bytes):
    from PIL import Image
    from pyhanko.pdf_utils import layout
    from pyhanko.pdf_utils.images import PdfImage
    from pyhanko.stamp import TextStampStyle

    return TextStampStyle(
        stamp_text="",
        background=PdfImage(Image.open(io.BytesIO(image_bytes))),
        background_opacity=1.0,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID, y_align=layout.AxisAlignment.ALIGN_MID,
            inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT),
        border_width=0,
    )


def _check_certificate(method: PersonalSigningMethod, cert_der: bytes) -> None:
    sha = hashlib.sha256(cert_der).hexdigest()
    if method.certificate is None or method.certificate.sha256 != sha:
        raise SigningError(_("The signing service used a certificate that is not registered to you."))


def personal_sign_pdf(*, pdf: bytes, user, method: PersonalSigningMethod, image: SignatureImage, pin: str = "",
                      box: tuple[float, float, float, float] | None = None, page: int = -1, reason: str = "",
                      location: str = "", unit=None, signed_at: datetime.datetime | None = None) -> bytes:
    """
    Sign ``pdf`` as ``user`` with their server-side method (token with ``pin``, or remote CSC
    service authorised with ``pin``): an incremental update adding one visible signature whose
    appearance is the blue signature image in ``box`` on ``page``. Returns the signed bytes.
    Raises SigningError (wrong PIN, token absent, service refused, foreign certificate).
    """
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.sign import fields, signers

    if method.user_id != user.pk or not method.is_active:
        raise SigningError(_("This signing method is not yours."))
    if method.kind == PersonalMethod.VGCA:
        raise SigningError(_("The VGCA method signs in the browser, not on the server."))
    if not pin:
        raise SigningError(_("Enter your PIN."))
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    except (PdfError, ValueError) as exc:
        raise SigningError(_("The file is not a readable PDF.")) from exc
    with default_storage.open(image.path, "rb") as fh:
        image_bytes = fh.read()
    field_name = f"Signature{writer.prev.xrefs.total_revisions}"
    meta = signers.PdfSignatureMetadata(field_name=field_name, subfilter=fields.SigSeedSubFilter.PADES,
                                        name=_name(user), reason=reason or None, location=location or None)
    spec = fields.SigFieldSpec(field_name, box=tuple(round(x) for x in (box or DEFAULT_SIGNATURE_BOX)), on_page=page)
    style = _stamp_style(image_bytes)
    if method.kind == PersonalMethod.PKCS11:
        signed = _sign_pkcs11(writer, method, pin, meta, spec, style)
    else:
        signed = _sign_remote(writer, method, pin, meta, spec, style)
    with service_atomic():
        audit_record(actor=user, unit=unit, verb=AuditVerb.PERSONAL_SIGNED, obj=method,
                     details={"method": method.kind, "field": field_name, "sha256": hashlib.sha256(signed).hexdigest(),
                              "at": (signed_at or timezone.now()).isoformat()})
    return signed


def _sign_pkcs11(writer, method, pin, meta, spec, style) -> bytes:
    from asn1crypto import x509 as asn1_x509
    from pkcs11.exceptions import PKCS11Error
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign import pkcs11 as pyhanko_pkcs11
    from pyhanko.sign import signers

    try:
        session = pyhanko_pkcs11.open_pkcs11_session(method.pkcs11_module,
                                                     token_criteria=TokenCriteria(label=method.token_label),
                                                     user_pin=pin)
    except PKCS11Error as exc:
        name = type(exc).__name__
        if "Pin" in name:
            raise SigningError(_("The PIN is wrong, or the token is locked.")) from exc
        raise SigningError(_("The token could not be opened (%(error)s).") % {"error": name}) from exc
    except (OSError, RuntimeError) as exc:
        raise SigningError(_("The token could not be opened (%(error)s).") % {"error": exc}) from exc
    try:
        cert = asn1_x509.Certificate.load(bytes(method.certificate.der))
        signer = pyhanko_pkcs11.PKCS11Signer(session, key_label=method.key_label, signing_cert=cert,
                                             ca_chain=_chain_from_registry())
        try:
            out = signers.PdfSigner(meta, signer=signer, stamp_style=style, new_field_spec=spec).sign_pdf(writer)
        except Exception as exc:  # noqa: BLE001 - pyHanko/PKCS#11 raise many types; the caller gets one
            logger.exception("personal PKCS#11 signature failed")
            raise SigningError(_("The token refused to sign (%(error)s).") % {"error": type(exc).__name__}) from exc
    finally:
        session.close()
    return out.getvalue()


def _sign_remote(writer, method, pin, meta, spec, style) -> bytes:
    token = secret_lookup(method.csc_token_secret) if method.csc_token_secret else None
    provider = remote_provider_for(method)

    async def run():
        from pyhanko.sign import signers

        async with provider.session(token=token) as remote:
            _check_certificate(method, remote.certificate_der)
            pdf_signer = signers.PdfSigner(meta, signer=remote.signer(pin=pin), stamp_style=style,
                                           new_field_spec=spec)
            out = await pdf_signer.async_sign_pdf(writer)
            return out.getvalue()

    try:
        return asyncio.run(run())
    except RemoteSigningError as exc:
        raise SigningError(str(exc)) from exc
    except SigningError:
        raise
    except Exception as exc:  # noqa: BLE001 - network and protocol errors of the provider
        logger.exception("remote signature failed")
        raise SigningError(_("The remote signing service failed (%(error)s).") % {"error": type(exc).__name__}) from exc
