"""Imperfections real packages have, accepted with a warning rather than refused."""
import random
import re
from datetime import date, datetime

import pytest

from documents.edxml import VN_TZ, BussinessDocType, EdxmlError, OtherInfo, parse_package
from documents.edxml.errors import ERROR_CODES

from .samples import document


def sub(data: bytes, pattern: str, replacement: str) -> bytes:
    new, n = re.subn(pattern.encode(), replacement.encode(), data, count=1, flags=re.S)
    assert n, pattern
    return new


@pytest.mark.parametrize("prefix,warning", [
    (b"\xef\xbb\xbf", "A UTF-8 byte order mark before the XML prolog was ignored"),
    (b"\r\n  \n", "5 whitespace bytes before the XML prolog were ignored"),
    (b"\x00\x00garbage", "9 stray bytes before the XML prolog were ignored: b'\\x00\\x00garbage'"),
])
def test_leading_junk_before_the_prolog_is_stripped_with_a_warning(golden, prefix, warning):
    with parse_package(prefix + golden()) as pkg:
        assert pkg == document()
        assert pkg.warnings == [warning]


@pytest.mark.parametrize("written,expected,standard", [
    ("2025/07/15", date(2025, 7, 15), True),
    ("2025-07-15", date(2025, 7, 15), False),
    ("15/07/2025", date(2025, 7, 15), False),
    ("5/7/2025", date(2025, 7, 5), False),
    ("2025/07/15 10:11:12", date(2025, 7, 15), False),
    ("2025-07-15T10:11:12", date(2025, 7, 15), False),
])
def test_mixed_date_formats_are_read(golden, written, expected, standard):
    data = sub(golden(), r"(<edXML:PromulgationDate>)2025/07/15", rf"\g<1>{written}")
    with parse_package(data) as pkg:
        assert pkg.header.promulgation_info.promulgation_date == expected
        path = "edXML/edXMLEnvelope/edXMLHeader/MessageHeader/PromulgationInfo/PromulgationDate"
        expected_warnings = [] if standard else [f"{path}: date {written!r} is not in the standard yyyy/MM/dd format"]
        assert pkg.warnings == expected_warnings


@pytest.mark.parametrize("written,expected", [
    ("2025/07/15 09:30:05", datetime(2025, 7, 15, 9, 30, 5, tzinfo=VN_TZ)),
    ("15/07/2025 09:30:05", datetime(2025, 7, 15, 9, 30, 5, tzinfo=VN_TZ)),
    ("2025-07-15 09:30", datetime(2025, 7, 15, 9, 30, tzinfo=VN_TZ)),
    ("2025/07/15", datetime(2025, 7, 15, tzinfo=VN_TZ)),
    ("2025-07-15T02:30:05Z", datetime(2025, 7, 15, 9, 30, 5, tzinfo=VN_TZ)),
])
def test_mixed_timestamp_formats_are_read(golden, written, expected):
    data = sub(golden(), r"(<edXML:Timestamp>)2025/07/15 09:30:05", rf"\g<1>{written}")
    with parse_package(data) as pkg:
        assert pkg.trace_header_list.trace_headers[0].timestamp == expected


def test_missing_optional_elements_take_their_defaults(golden):
    data = golden("document_revocation.xml")
    for pattern in (r"<edXML:OtherInfo>.*?</edXML:OtherInfo>\s*", r"<edXML:DueDate>.*?</edXML:DueDate>\s*",
                    r"<edXML:Content>.*?</edXML:Content>\s*", r"<edXML:ToPlaces>.*?</edXML:ToPlaces>\s*",
                    r"<edXML:ResponseFor>.*?</edXML:ResponseFor>\s*", r"<edXML:StaffInfo>.*?</edXML:StaffInfo>\s*",
                    r"<edXML:SteeringType>.*?</edXML:SteeringType>\s*", r"<edXML:edXMLBody>.*?</edXML:edXMLBody>\s*"):
        data = sub(data, pattern, "")
    with parse_package(data) as pkg:
        assert pkg.warnings == []
        h = pkg.header
        assert (h.other_info, h.due_date, h.content, h.to_places, h.response_for, h.steering_type) == (
            OtherInfo(), None, "", [], [], "")
        assert pkg.trace_header_list.bussiness.staff_info is None
        assert pkg.trace_header_list.bussiness.bussiness_doc_type == BussinessDocType.REVOCATION
        assert pkg.references == [] and pkg.attachments == []


def test_missing_document_id_and_trace_list_are_derived_with_warnings(golden):
    data = sub(golden(), r"<edXML:DocumentId>000.00.00.H41,2025/07/15,16/QĐ-UBND</edXML:DocumentId>", "")
    data = sub(data, r"<edXML:TraceHeaderList>.*?</edXML:TraceHeaderList>", "")
    with parse_package(data) as pkg:
        assert pkg.header.document_id == "000.00.00.H41,2025/07/15,16/QĐ-UBND"
        assert pkg.trace_header_list.bussiness.bussiness_doc_type == BussinessDocType.NEW
        assert len(pkg.warnings) == 2
        assert "DocumentId is missing; derived as" in pkg.warnings[0]
        assert "TraceHeaderList is missing" in pkg.warnings[1]


def test_unknown_elements_are_ignored_with_a_warning(golden):
    data = sub(golden(), r"(<edXML:Subject>)", r"<edXML:Urgency>cao</edXML:Urgency>\1")
    data = sub(data, r"(</edXML:OtherInfo>)", r'<v:Extension xmlns:v="urn:vendor">1</v:Extension>\1')
    with parse_package(data) as pkg:
        assert pkg == document()
        assert pkg.warnings == [
            "Unknown element edXML/edXMLEnvelope/edXMLHeader/MessageHeader/Urgency ignored",
            "Unknown element edXML/edXMLEnvelope/edXMLHeader/MessageHeader/OtherInfo/Extension ignored",
        ]


def test_comments_processing_instructions_and_other_prefixes_are_fine(golden):
    data = golden().replace(b"edXML:", b"q:").replace(b"xmlns:edXML=", b"xmlns:q=")
    data = sub(data, r"(<q:MessageHeader>)", r"<!-- sent by vendor X --><?vendor hint?>\1")
    with parse_package(data) as pkg:
        assert pkg == document() and pkg.warnings == []


def test_single_digit_status_code_is_padded_with_a_warning(golden):
    data = sub(golden("status_05.xml"), r"<edXML:StatusCode>05", "<edXML:StatusCode>5")
    with parse_package(data) as status:
        assert status.status_code == "05"
        assert status.warnings == ["edXML/edXMLEnvelope/edXMLHeader/MessageHeader/StatusCode: status code '5' read as "
                                   "'05'"]


def test_attachment_outside_the_manifest_is_kept_with_a_warning(golden):
    data = sub(golden(), r"<edXML:Reference>\s*<edXML:ContentId>cid:phu-luc.zip.*?</edXML:Reference>\s*", "")
    with parse_package(data) as pkg:
        assert [a.content_id for a in pkg.attachments] == ["cid:qd-15.pdf", "cid:phu-luc.zip"]
        assert pkg.warnings == ["Attachment 'cid:phu-luc.zip' is not listed in the manifest (not covered by a "
                                "signature of the envelope)"]


def test_base64_wrapped_in_lines_is_read(golden):
    data = golden()
    start = data.index(b"JVBERi0x")
    end = data.index(b"<", start)
    encoded = data[start:end]
    wrapped = b"\r\n".join(encoded[i:i + 76] for i in range(0, len(encoded), 76))
    with parse_package(data[:start] + b"\n" + wrapped + b"\n      " + data[end:]) as pkg:
        assert pkg == document()


def _mutations(seed: int, original: bytes, count: int):
    """Deterministic hypothesis-style damage: flips, cuts, duplications and hostile insertions."""
    rng = random.Random(seed)
    tokens = [b"<", b">", b"&", b"&amp;", b"<!DOCTYPE x>", b"]]>", b"\x00", b"\xff\xfe", b"<edXML:To>", b"</",
              b'"', b"=", b"cid:", b"application/zip", b"====", b"<![CDATA[x]]>", "Đ".encode(), b"\n"]
    for _ in range(count):
        data = bytearray(original)
        for _ in range(rng.randint(1, 4)):
            if not data:
                break
            kind = rng.randrange(5)
            pos = rng.randrange(len(data))
            if kind == 0:
                data[pos] = rng.randrange(256)
            elif kind == 1:
                del data[pos:pos + rng.randint(1, 64)]
            elif kind == 2:
                data[pos:pos] = rng.choice(tokens)
            elif kind == 3:
                span = data[pos:pos + rng.randint(1, 200)]
                data[rng.randrange(len(data)):0] = span
            else:
                data = data[:pos]
        yield bytes(data)


@pytest.mark.parametrize("name", ["document_new.xml", "document_update.xml", "status_13.xml",
                                  "official_status_05.xml"])
def test_random_damage_never_crashes(golden, name):
    """Every damaged input gives a package or an EdxmlError with a known code, never a bug."""
    seen = set()
    for number, data in enumerate(_mutations(len(name), golden(name), 250)):
        try:
            with parse_package(data) as pkg:
                seen.add("ok")
                assert isinstance(pkg.warnings, list)
        except EdxmlError as exc:
            assert exc.code in ERROR_CODES and exc.code != "internal_error", (number, exc, exc.__cause__)
            seen.add(exc.code)
    assert len(seen) >= 3  # the loop exercises several outcomes, not one
