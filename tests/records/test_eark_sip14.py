"""
The one validator rule our SIPs cannot meet (eark-validator 1.1.3, SIP14) and how the wrapper
(egov/devtools/eark_check.py) treats it: set aside only where the rule hits the CSIP software
agent's typed version note, the specification's SIP14 applied instead, anything else an error.
"""
import io
import zipfile

import pytest

from records.services import transfer_submit
from records.services.packaging import package_read

from .conftest import eark_validate

pytestmark = pytest.mark.django_db

SOFTWARE_NOTE = '<mets:note csip:NOTETYPE="SOFTWARE VERSION">'


def _sip(office) -> bytes:
    f = office.closed_file(docs=1)
    return package_read(transfer_submit(case_file=f, acting_user=office.keeper))


def _with_root_mets(data: bytes, edit) -> bytes:
    """The package with its root METS.xml edited (the root METS is listed in no checksum)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as out:
        for info in src.infolist():
            content = src.read(info)
            if info.filename.count("/") == 1 and info.filename.endswith("/METS.xml"):
                changed = edit(content.decode())
                assert changed != content.decode(), "the edit did not apply"
                content = changed.encode()
            out.writestr(info.filename, content)
    return buf.getvalue()


def test_our_sip_passes_with_only_the_software_note_set_aside(office):
    report = eark_validate(_sip(office))
    assert report["valid"], report
    assert report["schematron_errors"] == [] and report["schema_errors"] == []
    assert len(report["validator_defects"]) == 1
    assert report["validator_defects"][0].startswith("SIP14:")
    assert "mets:agent[1]/mets:note is the CSIP15-16 software version note" in report["validator_defects"][0]


def test_the_rule_cannot_be_met_the_mets_schema_refuses_an_unqualified_notetype(office):
    # what 1.1.3's SIP14 asks for: NOTETYPE without a namespace on the creator agent's note
    data = _with_root_mets(_sip(office), lambda s: s.replace(
        SOFTWARE_NOTE, '<mets:note csip:NOTETYPE="SOFTWARE VERSION" NOTETYPE="IDENTIFICATIONCODE">'))
    report = eark_validate(data)
    assert not report["valid"]
    assert report["validator_defects"] == []  # SIP14 is now satisfied ...
    assert any("attribute 'NOTETYPE'" in e and "not allowed" in e for e in report["schema_errors"]), report


def test_an_untyped_archival_creator_note_fails_the_specifications_sip14(office):
    data = _with_root_mets(_sip(office), lambda s: s.replace(
        '<mets:note csip:NOTETYPE="IDENTIFICATIONCODE">', "<mets:note>"))
    report = eark_validate(data)
    assert not report["valid"]
    assert any(e.startswith("SIP14 (specification)") for e in report["schematron_errors"]), report


def test_sip14_on_any_other_creator_note_stays_an_error(office):
    # a CREATOR agent that is not the software (a contact person) with an untyped note
    data = _with_root_mets(_sip(office), lambda s: s.replace(
        "</mets:metsHdr>", '<mets:agent ROLE="CREATOR" TYPE="INDIVIDUAL"><mets:name>Lê Thị Bình</mets:name>'
                           "<mets:note>0912345678</mets:note></mets:agent></mets:metsHdr>", 1))
    report = eark_validate(data)
    assert not report["valid"]
    assert any(e.startswith("SIP14:") for e in report["schematron_errors"]), report
    assert len(report["validator_defects"]) == 1  # the software note only
