"""
Every way a package is refused: one precise EdxmlError code, message and element path each.
The inputs are made here from the golden files, so nothing large or hostile is checked in.
"""
import io
import re
import zipfile

import pytest

from documents.edxml import Attachment, EdxmlError, build_document_package, parse_package

from .samples import document
from .zipcraft import MiB, deflated_zeros, gigabyte_bomb, zip_with_one_member

H = "edXML/edXMLEnvelope/edXMLHeader"
M = f"{H}/MessageHeader"


def refused(data, **limits) -> EdxmlError:
    with pytest.raises(EdxmlError) as info:
        parse_package(data, **limits)
    return info.value


def sub(data: bytes, pattern: str, replacement: str, count: int = 1) -> bytes:
    """Replace a regex in a golden package; the test fails if the pattern is not there."""
    new, n = re.subn(pattern.encode(), replacement.encode(), data, count=count, flags=re.S)
    assert n, pattern
    return new


# (golden file, regex, replacement, code, exact message, element path)
MUTATIONS = [
    pytest.param("document_new.xml", r"<edXML:OrganId>000.00.00.H41</edXML:OrganId>\s*", "", "missing_element",
                 f"Missing required element {M}/From/OrganId", f"{M}/From/OrganId", id="missing-from-organid"),
    pytest.param("document_new.xml", r"<edXML:Subject>.*?</edXML:Subject>", "", "missing_element",
                 f"Missing required element {M}/Subject", f"{M}/Subject", id="missing-subject"),
    pytest.param("document_new.xml", r"<edXML:Subject>.*?</edXML:Subject>", "<edXML:Subject> </edXML:Subject>",
                 "missing_element", f"Missing required element {M}/Subject (the element is empty)", f"{M}/Subject",
                 id="empty-subject"),
    pytest.param("document_new.xml", r"<edXML:To>.*?</edXML:To>\s*<edXML:To>.*?</edXML:To>", "", "missing_element",
                 f"Missing required element {M}/To", f"{M}/To", id="missing-to"),
    pytest.param("document_new.xml", r"<edXML:CodeNumber>.*?</edXML:CodeNumber>", "", "missing_element",
                 f"Missing required element {M}/Code/CodeNumber", f"{M}/Code/CodeNumber", id="missing-code-number"),
    pytest.param("document_new.xml", r"<edXML:MessageHeader>.*?</edXML:MessageHeader>", "", "missing_element",
                 f"Missing required element {M}", M, id="missing-message-header"),
    pytest.param("document_new.xml", r"<edXML:PromulgationDate>2025/07/15</edXML:PromulgationDate>", "",
                 "missing_element", f"Missing required element {M}/PromulgationInfo/PromulgationDate",
                 f"{M}/PromulgationInfo/PromulgationDate", id="missing-promulgation-date"),
    pytest.param("document_replacement.xml", r"<edXML:ReplacementInfoList>.*?</edXML:ReplacementInfoList>", "",
                 "missing_element", f"Missing required element {H}/TraceHeaderList/Bussiness/ReplacementInfoList "
                 "(BussinessDocType 3 is a replacement)", f"{H}/TraceHeaderList/Bussiness/ReplacementInfoList",
                 id="replacement-without-list"),
    pytest.param("status_05.xml", r"<edXML:StatusCode>.*?</edXML:StatusCode>", "", "missing_element",
                 f"Missing required element {M}/StatusCode", f"{M}/StatusCode", id="status-without-code"),
    pytest.param("document_new.xml", r"<edXML:ContentTransferEncoded [^>]*>[^<]*</edXML:ContentTransferEncoded>", "",
                 "missing_element", "Missing required element edXML/AttachmentEncoded/Attachment/"
                 "ContentTransferEncoded (attachment 'cid:qd-15.pdf')",
                 "edXML/AttachmentEncoded/Attachment/ContentTransferEncoded", id="missing-content"),
    pytest.param("document_new.xml", r'<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">',
                 '<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2015">', "wrong_namespace",
                 "The root element edXML is in namespace 'http://www.mic.gov.vn/TBT/QCVN_102_2015', not "
                 "'http://www.mic.gov.vn/TBT/QCVN_102_2016'", "edXML", id="wrong-namespace-root"),
    pytest.param("document_new.xml", r"<edXML:Subject>(.*?)</edXML:Subject>",
                 r'<x:Subject xmlns:x="urn:example:other">\1</x:Subject>', "wrong_namespace",
                 f"{M}/Subject is in namespace 'urn:example:other', not 'http://www.mic.gov.vn/TBT/QCVN_102_2016'",
                 f"{M}/Subject", id="wrong-namespace-subject"),
    pytest.param("document_new.xml", r"(<edXML:ContentTransferEncoded [^>]*>)JVBERi0x", r"\1JVB!Ri0x", "bad_base64",
                 "Attachment ContentId 'cid:qd-15.pdf': ContentTransferEncoded is not valid base64 (1 characters "
                 "outside the base64 alphabet and a length that is not a multiple of 4: it cannot be decoded "
                 "unambiguously)", "edXML/AttachmentEncoded/Attachment/ContentTransferEncoded", id="bad-base64"),
    pytest.param("document_new.xml", r"CiUlRU9GCg==<", "CiUlRU9GCg=<", "bad_base64",
                 "Attachment ContentId 'cid:qd-15.pdf': ContentTransferEncoded is not valid base64 (3 characters "
                 "left over: truncated?)", "edXML/AttachmentEncoded/Attachment/ContentTransferEncoded",
                 id="base64-truncated"),
    pytest.param("document_new.xml", r"CiUlRU9GCg==<", "CiUlRU9GCg==QUFB<", "bad_base64",
                 "Attachment ContentId 'cid:qd-15.pdf': ContentTransferEncoded is not valid base64 (Excess data "
                 "after padding)", "edXML/AttachmentEncoded/Attachment/ContentTransferEncoded",
                 id="base64-after-padding"),
    pytest.param("document_new.xml", r"(<edXML:PromulgationDate>)2025/07/15", r"\g<1>15 July 2025", "bad_date",
                 f"Bad date in {M}/PromulgationInfo/PromulgationDate: '15 July 2025' (expected yyyy/MM/dd, "
                 "yyyy-MM-dd or dd/MM/yyyy, optionally followed by HH:mm:ss)",
                 f"{M}/PromulgationInfo/PromulgationDate", id="bad-date-words"),
    pytest.param("document_new.xml", r"(<edXML:DueDate>)2025/08/01", r"\g<1>2025/02/30", "bad_date",
                 f"Bad date in {M}/DueDate: '2025/02/30' (day is out of range for month)", f"{M}/DueDate",
                 id="bad-date-impossible"),
    pytest.param("document_new.xml", r"(<edXML:Timestamp>)2025/07/15 09:30:05", r"\g<1>2025/07/15 25:30:05",
                 "bad_date", f"Bad date in {H}/TraceHeaderList/TraceHeader/Timestamp: '2025/07/15 25:30:05' "
                 "(hour must be in 0..23)", f"{H}/TraceHeaderList/TraceHeader/Timestamp", id="bad-timestamp"),
    pytest.param("status_05.xml", r"(<edXML:StatusCode>)05", r"\g<1>07", "bad_status_code",
                 f"Bad status code in {M}/StatusCode: '07' is not one of 01, 02, 03, 04, 05, 06, 13, 15, 16",
                 f"{M}/StatusCode", id="status-07"),
    pytest.param("status_05.xml", r"(<edXML:StatusCode>)05", r"\g<1>done", "bad_status_code",
                 f"Bad status code in {M}/StatusCode: 'done' is not one of 01, 02, 03, 04, 05, 06, 13, 15, 16",
                 f"{M}/StatusCode", id="status-word"),
    pytest.param("document_new.xml", r"(<edXML:From>\s*<edXML:OrganId>)000.00.00.H41", r"\g<1>000.00.00.h41",
                 "bad_organ_id", f"Bad OrganId in {M}/From/OrganId: '000.00.00.h41' is not a 13-character QCVN 102 "
                 "agency code (e.g. 000.00.00.H41)", f"{M}/From/OrganId", id="organid-lowercase"),
    pytest.param("document_replacement.xml", r"(<edXML:OrganIdList>\s*<edXML:OrganId>)000.00.00.G22",
                 r"\g<1>G22", "bad_organ_id", f"Bad OrganId in {H}/TraceHeaderList/Bussiness/ReplacementInfoList/"
                 "ReplacementInfo/OrganIdList/OrganId: 'G22' is not a 13-character QCVN 102 agency code (e.g. "
                 "000.00.00.H41)", f"{H}/TraceHeaderList/Bussiness/ReplacementInfoList/ReplacementInfo/OrganIdList/"
                 "OrganId", id="organid-short"),
    pytest.param("document_new.xml", r"(<edXML:Priority>)1", r"\g<1>7", "bad_value",
                 f"Bad value in {M}/OtherInfo/Priority: '7' is not an integer in 0..4", f"{M}/OtherInfo/Priority",
                 id="priority-out-of-range"),
    pytest.param("document_new.xml", r"(<edXML:BussinessDocType>)0", r"\g<1>new", "bad_value",
                 f"Bad value in {H}/TraceHeaderList/Bussiness/BussinessDocType: 'new' is not an integer in 0..3",
                 f"{H}/TraceHeaderList/Bussiness/BussinessDocType", id="bussiness-doc-type-word"),
    pytest.param("document_new.xml", r"<Attachment>\s*<ContentId>cid:phu-luc.zip.*?</Attachment>", "",
                 "missing_attachment", "The manifest references ContentId 'cid:phu-luc.zip' but no attachment has "
                 "it", "edXML/edXMLEnvelope/edXMLBody/edXMLManifest/Reference/ContentId", id="missing-attachment"),
    pytest.param("document_new.xml", r"<ContentId>cid:phu-luc.zip</ContentId>", "<ContentId>cid:qd-15.pdf</ContentId>",
                 "duplicate_content_id", "Two attachments have ContentId 'cid:qd-15.pdf'",
                 "edXML/AttachmentEncoded/Attachment/ContentId", id="duplicate-content-id"),
    pytest.param("document_new.xml", r"(<ContentType>)application/pdf", r"\1application/zip", "bad_zip",
                 "Attachment 'cid:qd-15.pdf': not a readable ZIP archive (BadZipFile: File is not a zip file)",
                 "edXML/AttachmentEncoded/Attachment/ContentTransferEncoded", id="not-a-zip"),
]


@pytest.mark.parametrize("name,pattern,replacement,code,message,path", MUTATIONS)
def test_mutated_golden_is_refused_precisely(golden, name, pattern, replacement, code, message, path):
    error = refused(sub(golden(name), pattern, replacement))
    assert (error.code, error.message, error.element_path) == (code, message, path)


def test_truncated_xml_is_not_xml(golden):
    data = golden()
    error = refused(data[: data.index(b"</edXML:MessageHeader>")])
    assert error.code == "not_xml"
    assert error.message.startswith("Not well-formed XML: Premature end of data in tag MessageHeader")


def test_syntax_error_names_the_libxml2_error_and_position(golden):
    data = golden().replace(b"</edXML:Subject>", b"</edXML:Subjet>", 1)
    error = refused(data)
    assert error.code == "not_xml"
    assert error.message.startswith("Not well-formed XML: Opening and ending tag mismatch: Subject line 39 and Subjet")


@pytest.mark.parametrize("data,message", [
    (b"", "The package is empty"),
    (b"\xef\xbb\xbf   \r\n", "The package holds no XML markup"),
    (b"PK\x03\x04" + bytes(70_000), "No XML markup in the first 65536 bytes"),
])
def test_empty_or_markupless_input_is_not_xml(data, message):
    error = refused(data)
    assert (error.code, error.message) == ("not_xml", message)


def test_other_xml_is_not_edxml():
    error = refused(b"<?xml version='1.0'?><html><body/></html>")
    assert (error.code, error.message) == ("not_edxml", "The root element is <html>, not <edXML>")


XXE = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE edXML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"><edXML:edXMLEnvelope
 xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016"><edXML:edXMLHeader><edXML:MessageHeader>
<edXML:Subject>&xxe;</edXML:Subject></edXML:MessageHeader></edXML:edXMLHeader></edXML:edXMLEnvelope></edXML>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE edXML [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">&lol9;</edXML>"""

FORBIDDEN_DTD = "DOCTYPE declarations are not allowed in edXML packages (no DTD, no entity declarations)"


@pytest.mark.parametrize("data", [XXE, BILLION_LAUGHS, b'<!DOCTYPE edXML><edXML xmlns="x"/>'],
                         ids=["xxe", "billion-laughs", "harmless-doctype"])
def test_any_doctype_is_refused(data):
    error = refused(data)
    assert (error.code, error.message) == ("forbidden_dtd", FORBIDDEN_DTD)
    assert "root:" not in error.message  # nothing of /etc/passwd leaks into the message


def test_entity_reference_without_declaration_is_not_xml(golden):
    data = sub(golden(), r"(<edXML:Subject>)", r"\1&xxe;")
    assert refused(data).code == "not_xml"


@pytest.mark.parametrize("as_", ["bytes", "path", "stream"])
def test_oversize_package_is_refused(golden, tmp_path, as_):
    data = golden()
    path = tmp_path / "big.edxml"
    path.write_bytes(data)
    source = {"bytes": data, "path": path, "stream": io.BytesIO(data)}[as_]
    error = refused(source, max_package_bytes=4096)
    assert error.code == "too_large"
    assert error.message.startswith("The package is ") and error.message.endswith("over the limit of 4096 bytes")


def test_oversize_attachment_is_refused_naming_it(golden):
    error = refused(golden(), max_attachment_bytes=512)
    assert (error.code, error.message) == ("too_large", "Attachment ContentId 'cid:qd-15.pdf' is over the limit of "
                                                        "512 bytes")


def _package_with_zip(archive: bytes) -> bytes:
    pkg = document(with_attachments=False)
    bomb = Attachment(content_id="cid:bomb.zip", attachment_name="bomb.bin", content_type="application/zip",
                      data=archive)
    pkg.attachments, pkg.references = [bomb], [bomb.reference()]
    return build_document_package(pkg)


@pytest.fixture(scope="module")
def gigabyte_bomb_package():
    archive = gigabyte_bomb()
    assert len(archive) < 1.1 * MiB  # ~1 MB declaring and inflating to 1 GiB
    return _package_with_zip(archive)


def test_gigabyte_zip_bomb_is_stopped_at_the_default_member_limit(gigabyte_bomb_package):
    error = refused(gigabyte_bomb_package)
    assert (error.code, error.message) == ("zip_bomb", "Attachment 'cid:bomb.zip': member 'zeros.bin' inflates past "
                                                       "the limit of 67108864 bytes")


def test_gigabyte_zip_bomb_is_stopped_by_the_byte_limits(gigabyte_bomb_package):
    error = refused(gigabyte_bomb_package, max_zip_ratio=None, max_attachment_bytes=8 * MiB)
    assert error.message == ("Attachment 'cid:bomb.zip': member 'zeros.bin' inflates past the limit of 8388608 "
                             "bytes")
    error = refused(gigabyte_bomb_package, max_zip_ratio=None, max_decompressed_bytes=4 * MiB)
    assert (error.code, error.message) == ("zip_bomb", "Attachment 'cid:bomb.zip': the zipped attachments inflate "
                                                       "past the limit of 4194304 bytes")


@pytest.fixture(scope="module")
def small_bomb_package():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.bin", bytes(10 * MiB))
    assert len(buffer.getvalue()) < 16 * 1024  # ~10 KB expanding to 10 MiB
    return _package_with_zip(buffer.getvalue()), zipfile.ZipFile(buffer).getinfo("zeros.bin").compress_size


def test_small_zip_bomb_is_stopped_by_the_ratio_check_after_one_mebibyte(small_bomb_package):
    package, compressed = small_bomb_package
    error = refused(package)
    assert (error.code, error.message) == ("zip_bomb", f"Attachment 'cid:bomb.zip': member 'zeros.bin' inflates more "
                                                       f"than 500 times its compressed size of {compressed} bytes")


def test_small_zip_bomb_is_stopped_by_the_member_limit_without_ratio_check(small_bomb_package):
    error = refused(small_bomb_package[0], max_zip_ratio=None, max_attachment_bytes=MiB)
    assert (error.code, error.message) == ("zip_bomb", "Attachment 'cid:bomb.zip': member 'zeros.bin' inflates past "
                                                       "the limit of 1048576 bytes")


def test_small_zip_bomb_passes_when_limits_allow_it(small_bomb_package):
    """The limits, not an accident, are what refuse it: with room enough it is a valid archive."""
    with parse_package(small_bomb_package[0], max_zip_ratio=None) as pkg:
        [member] = pkg.attachments[0].zip_members
        assert member.size == 10 * MiB and member.data is None  # big members go to a temporary file
        with member.open() as stream:
            assert stream.read(16) == bytes(16)


def test_zip_that_lies_about_its_size_is_refused():
    """The directory says 1 KiB, the stream inflates to 8 MiB: extraction stops, nothing trusts the header."""
    stream, crc = deflated_zeros(8)
    error = refused(_package_with_zip(zip_with_one_member("zeros.bin", stream, crc, 1024)))
    assert error.code == "bad_zip"
    assert error.message.startswith("Attachment 'cid:bomb.zip': not a readable ZIP archive (BadZipFile: ")


def test_zip_with_too_many_members_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for number in range(1001):
            archive.writestr(f"{number}.txt", b"")
    error = refused(_package_with_zip(buffer.getvalue()))
    assert (error.code, error.message) == ("zip_bomb", "Attachment 'cid:bomb.zip': the ZIP archive has 1001 members, "
                                                       "over the limit of 1000")


def test_encrypted_zip_member_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("secret.txt", b"x")
    data = bytearray(buffer.getvalue())
    data[6] |= 1  # general purpose flag bit 0 (encrypted), local header ...
    central = data.find(b"PK\x01\x02")
    data[central + 8] |= 1  # ... and central directory
    error = refused(_package_with_zip(bytes(data)))
    assert (error.code, error.message) == ("bad_zip", "Attachment 'cid:bomb.zip': member 'secret.txt' is encrypted")


def test_too_many_elements_is_refused():
    data = (b'<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">' + b"<x/>" * 100_001 + b"</edXML>")
    assert refused(data).code == "too_large"


class CountingStream(io.BytesIO):
    """A package read from a stream that remembers how far the parser read it."""

    def read(self, size=-1):
        data = super().read(size)
        self.furthest = self.tell()
        return data


def hundred_thousand_elements() -> bytes:
    """A package of 100,002 elements: an envelope whose header lists 33,333 addressees."""
    to = b"<To><OrganId>000.00.00.H41</OrganId><OrganName>UBND tinh</OrganName></To>"
    return (b'<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"><edXMLEnvelope><edXMLHeader><MessageHeader>'
            + to * 33_333 + b"</MessageHeader></edXMLHeader></edXMLEnvelope></edXML>")


def test_a_100000_element_package_is_refused_while_streaming_with_the_element_named():
    stream = CountingStream(hundred_thousand_elements())
    error = refused(stream)
    path = "edXML/edXMLEnvelope/edXMLHeader/MessageHeader/To"
    assert (error.code, error.element_path) == ("too_large", path)
    assert error.message == f"The package has more than 10000 elements: refused at element #10001, <To> ({path})"
    # Reading stopped near the limit (10% of the elements), not at the end of the package.
    assert stream.furthest < len(stream.getvalue()) // 4


def test_the_element_bound_applies_to_real_packages_and_is_configurable(golden):
    data = golden("document_new.xml")  # 95 elements
    with parse_package(data, max_elements=95) as pkg:
        assert pkg.header.subject
    error = refused(data, max_elements=94)
    assert error.code == "too_large" and "#95" in error.message


def test_nesting_deeper_than_the_bound_is_refused_at_the_first_element_too_deep():
    deep = (b'<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">' + b"<a>" * 5000 + b"</a>" * 5000
            + b"</edXML>")
    stream = CountingStream(deep)
    error = refused(stream, max_depth=32)
    assert error.code == "too_large"
    assert error.message.startswith("The package nests elements more than 32 deep: refused at <a> (edXML/a/a/a/…/a/a/a/a)")
    assert stream.furthest <= 64 * 1024  # the first chunk: nothing after the element too deep was read


def test_text_stream_is_refused():
    assert refused(io.StringIO("<edXML/>")).code == "not_xml"
