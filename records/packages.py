"""
E-ARK information packages (Common Specification for Information Packages 2.1, as TT 05/2025/TT-BNV
adopts it): SIP to hand a file to another system (a historical archive), AIP for what the portal's
archive keeps, DIP for a user's request. A package is a ZIP of one folder::

    <package id>/METS.xml                              root METS (CSIP; SIP/DIP profile)
    <package id>/metadata/descriptive/ead.xml          EAD3 description of the file and its documents
    <package id>/metadata/preservation/premis.xml      PREMIS 3: objects with fixity, events, agents
    <package id>/metadata/other/file-metadata.xml      the Phần II metadata of NĐ 30 Phụ lục VI
    <package id>/representations/rep1/METS.xml         representation METS
    <package id>/representations/rep1/data/NNNN-*.pdf  the documents' files

Every file's SHA-256 and size are in a METS; ``package_verify`` (the portal's own check) opens a
ZIP without trusting it and refuses any missing, extra, resized or altered file. This module is
pure: no database. The E-ARK Foundation's validator checks the same packages in the tests
(egov/devtools/eark_check.py).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field

from lxml import etree

VN_TZ = dt.timezone(dt.timedelta(hours=7))
METS_NS = "http://www.loc.gov/METS/"
CSIP_NS = "https://DILCIS.eu/XML/METS/CSIPExtensionMETS"
SIP_NS = "https://DILCIS.eu/XML/METS/SIPExtensionMETS"
XLINK_NS = "http://www.w3.org/1999/xlink"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
PREMIS_NS = "http://www.loc.gov/premis/v3"
EAD_NS = "http://ead3.archivists.org/schema/"
PROFILES = {
    "AIP": "https://earkcsip.dilcis.eu/profile/E-ARK-CSIP.xml",
    "SIP": "https://earksip.dilcis.eu/profile/E-ARK-SIP.xml",
    "DIP": "https://earkdip.dilcis.eu/profile/E-ARK-DIP.xml",
}
SOFTWARE = "egov portal records"
CONTENT_TYPE = "NĐ 30/2020/NĐ-CP hồ sơ điện tử"
SOFTWARE_VERSION = "1.0"
MAX_MEMBERS = 100_000
MAX_UNCOMPRESSED = 20 * 1024**3


README = """Gói thông tin {kind} theo Đặc tả chung E-ARK (CSIP 2.1), Thông tư 05/2025/TT-BNV.
Information package {kind} (E-ARK CSIP 2.1).

Hồ sơ / file: {label}
Cơ quan / agency: {org}
Tạo lúc / created: {created}

METS.xml: cấu trúc gói và mã SHA-256 của từng tệp (structure and SHA-256 of every file).
metadata/descriptive/ead.xml: mô tả EAD3 (EAD3 description).
metadata/preservation/premis.xml: siêu dữ liệu bảo quản PREMIS 3 (preservation events).
metadata/other/file-metadata.xml: siêu dữ liệu hồ sơ theo Phụ lục VI Phần II, NĐ 30/2020/NĐ-CP.
representations/rep1/data/: các văn bản trong hồ sơ theo số thứ tự (the documents, by ordinal).
"""

FILE_METADATA_XSD = b"""<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:vn:nd30:2020:phuluc6:phan2"
           xmlns="urn:vn:nd30:2020:phuluc6:phan2" elementFormDefault="qualified">
  <!-- The file metadata of ND 30/2020 Phu luc VI Phan II, as the portal writes it (records/exports.py). -->
  <xs:complexType name="FileCodeType"><xs:sequence>
    <xs:element name="OrganId" type="xs:string"/><xs:element name="FileCatalog" type="xs:string"/>
    <xs:element name="FileNotation" type="xs:string"/></xs:sequence></xs:complexType>
  <xs:element name="File"><xs:complexType><xs:sequence>
    <xs:element name="FileCode" type="FileCodeType"/>
    <xs:element name="Title" type="xs:string"/><xs:element name="Maintenance" type="xs:string"/>
    <xs:element name="Rights" type="xs:string"/><xs:element name="Creator" type="xs:string"/>
    <xs:element name="Language" type="xs:string"/><xs:element name="StartDate" type="xs:string"/>
    <xs:element name="EndDate" type="xs:string"/><xs:element name="DocTotal" type="xs:nonNegativeInteger"/>
    <xs:element name="PageTotal" type="xs:nonNegativeInteger"/><xs:element name="Description" type="xs:string"/>
    <xs:element name="Documents"><xs:complexType><xs:sequence>
      <xs:any processContents="lax" minOccurs="0" maxOccurs="unbounded"/></xs:sequence></xs:complexType></xs:element>
  </xs:sequence></xs:complexType></xs:element>
</xs:schema>
"""


def iso(when: dt.datetime) -> str:
    return when.astimezone(VN_TZ).replace(microsecond=0).isoformat()


@dataclass
class DataFile:
    """A file of representation 1 (``data/<name>``)."""

    name: str
    content: bytes
    mime: str = "application/pdf"
    created: dt.datetime | None = None
    label: str = ""

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass
class Event:
    """A PREMIS event: type (creation, transfer, acceptance, access…), time, agent, outcome."""

    kind: str
    at: dt.datetime
    agent: str = ""
    detail: str = ""
    outcome: str = "success"


@dataclass
class PackageSpec:
    kind: str  # SIP | AIP | DIP
    package_id: str
    label: str
    created: dt.datetime
    creator_org: str
    creator_org_id: str
    ead: bytes
    events: list[Event] = field(default_factory=list)
    files: list[DataFile] = field(default_factory=list)
    other_metadata: bytes | None = None
    submitter: str = ""


def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def _xml(root) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _grp(parent, ident: str, use: str):
    """A fileGrp; every one states its content information type (eark-validator 1.1.3 reads CSIP63 so)."""
    grp = etree.SubElement(parent, _q(METS_NS, "fileGrp"), ID=ident, USE=use)
    grp.set(_q(CSIP_NS, "CONTENTINFORMATIONTYPE"), "OTHER")
    grp.set(_q(CSIP_NS, "OTHERCONTENTINFORMATIONTYPE"), CONTENT_TYPE)
    return grp


def _file_el(parent, ident: str, href: str, content: bytes, mime: str, created: str, use: str | None = None):
    el = etree.SubElement(parent, _q(METS_NS, "file"), ID=ident, MIMETYPE=mime, SIZE=str(len(content)),
                          CREATED=created, CHECKSUM=hashlib.sha256(content).hexdigest().upper(),
                          CHECKSUMTYPE="SHA-256")
    if use:
        el.set("USE", use)
    etree.SubElement(el, _q(METS_NS, "FLocat"), {_q(XLINK_NS, "type"): "simple", _q(XLINK_NS, "href"): href,
                                                 "LOCTYPE": "URL"})
    return el


def _md_ref(parent, href: str, content: bytes, mdtype: str, created: str, other: str | None = None):
    attrs = {"LOCTYPE": "URL", _q(XLINK_NS, "type"): "simple", _q(XLINK_NS, "href"): href, "MDTYPE": mdtype,
             "MIMETYPE": "text/xml", "SIZE": str(len(content)), "CREATED": created,
             "CHECKSUM": hashlib.sha256(content).hexdigest().upper(), "CHECKSUMTYPE": "SHA-256"}
    if other:
        attrs["OTHERMDTYPE"] = other
    return etree.SubElement(parent, _q(METS_NS, "mdRef"), attrs)


def _mets_root(spec: PackageSpec, objid: str, created: str, label: str):
    nsmap = {"mets": METS_NS, "csip": CSIP_NS, "xlink": XLINK_NS, "xsi": XSI_NS}
    if spec.kind == "SIP":
        nsmap["sip"] = SIP_NS
    root = etree.Element(_q(METS_NS, "mets"), nsmap=nsmap)
    root.set(_q(XSI_NS, "schemaLocation"),
             "http://www.loc.gov/METS/ http://www.loc.gov/standards/mets/mets.xsd "
             "http://www.w3.org/1999/xlink http://www.loc.gov/standards/mets/xlink.xsd")
    root.set("OBJID", objid)
    root.set("LABEL", label)
    root.set("TYPE", "Textual works – Digital")
    root.set(_q(CSIP_NS, "CONTENTINFORMATIONTYPE"), "OTHER")
    root.set(_q(CSIP_NS, "OTHERCONTENTINFORMATIONTYPE"), CONTENT_TYPE)
    root.set("PROFILE", PROFILES[spec.kind])
    hdr = etree.SubElement(root, _q(METS_NS, "metsHdr"), CREATEDATE=created, LASTMODDATE=created,
                           RECORDSTATUS="NEW")
    hdr.set(_q(CSIP_NS, "OAISPACKAGETYPE"), spec.kind)
    agent = etree.SubElement(hdr, _q(METS_NS, "agent"), ROLE="CREATOR", TYPE="OTHER", OTHERTYPE="SOFTWARE")
    etree.SubElement(agent, _q(METS_NS, "name")).text = SOFTWARE
    note = etree.SubElement(agent, _q(METS_NS, "note"))
    note.text = SOFTWARE_VERSION
    note.set(_q(CSIP_NS, "NOTETYPE"), "SOFTWARE VERSION")
    org = etree.SubElement(hdr, _q(METS_NS, "agent"), ROLE="ARCHIVIST", TYPE="ORGANIZATION")
    etree.SubElement(org, _q(METS_NS, "name")).text = spec.creator_org
    org_note = etree.SubElement(org, _q(METS_NS, "note"))
    org_note.text = spec.creator_org_id
    org_note.set(_q(CSIP_NS, "NOTETYPE"), "IDENTIFICATIONCODE")
    if spec.submitter:
        sub = etree.SubElement(hdr, _q(METS_NS, "agent"), ROLE="OTHER", OTHERROLE="SUBMITTER", TYPE="INDIVIDUAL")
        etree.SubElement(sub, _q(METS_NS, "name")).text = spec.submitter
    return root


def _representation_mets(spec: PackageSpec, created: str) -> bytes:
    rep_id = f"{spec.package_id}-rep1"
    root = _mets_root(spec, rep_id, created, f"{spec.label} (rep1)")
    file_sec = etree.SubElement(root, _q(METS_NS, "fileSec"), ID="rep1-filesec")
    grp = _grp(file_sec, "rep1-data", "Data")
    ids = []
    for i, f in enumerate(spec.files, start=1):
        ident = f"rep1-file-{i:04d}"
        ids.append(ident)
        _file_el(grp, ident, f"data/{f.name}", f.content, f.mime, iso(f.created or spec.created))
    smap = etree.SubElement(root, _q(METS_NS, "structMap"), ID="rep1-structmap", TYPE="PHYSICAL", LABEL="CSIP")
    top = etree.SubElement(smap, _q(METS_NS, "div"), ID="rep1-div", LABEL=rep_id)
    data = etree.SubElement(top, _q(METS_NS, "div"), ID="rep1-div-data", LABEL="Data")
    for ident in ids:
        etree.SubElement(data, _q(METS_NS, "fptr"), FILEID=ident)
    return _xml(root)


def premis_xml(spec: PackageSpec) -> bytes:
    """PREMIS 3: one object per data file (SHA-256 fixity, size, format), the events, the agents."""
    nsmap = {"premis": PREMIS_NS, "xsi": XSI_NS}
    root = etree.Element(_q(PREMIS_NS, "premis"), nsmap=nsmap, version="3.0")

    def sub(parent, tag, text=None, **attrs):
        el = etree.SubElement(parent, _q(PREMIS_NS, tag), **attrs)
        if text is not None:
            el.text = str(text)
        return el

    for f in spec.files:
        obj = sub(root, "object")
        obj.set(_q(XSI_NS, "type"), "premis:file")
        oid = sub(obj, "objectIdentifier")
        sub(oid, "objectIdentifierType", "local")
        sub(oid, "objectIdentifierValue", f"representations/rep1/data/{f.name}")
        chars = sub(obj, "objectCharacteristics")
        fixity = sub(chars, "fixity")
        sub(fixity, "messageDigestAlgorithm", "SHA-256")
        sub(fixity, "messageDigest", f.sha256)
        sub(chars, "size", len(f.content))
        fmt = sub(chars, "format")
        sub(sub(fmt, "formatDesignation"), "formatName", f.mime)
        if f.label:
            sub(obj, "originalName", f.label)
    agents = {}
    for i, e in enumerate(spec.events, start=1):
        ev = sub(root, "event")
        eid = sub(ev, "eventIdentifier")
        sub(eid, "eventIdentifierType", "local")
        sub(eid, "eventIdentifierValue", f"{spec.package_id}-event-{i}")
        sub(ev, "eventType", e.kind)
        sub(ev, "eventDateTime", iso(e.at))
        if e.detail:
            sub(ev, "eventDetailInformation").append(etree.Element(_q(PREMIS_NS, "eventDetail")))
            ev[-1][0].text = e.detail
        out = sub(ev, "eventOutcomeInformation")
        sub(out, "eventOutcome", e.outcome)
        agent = e.agent or spec.creator_org
        agents.setdefault(agent, f"agent-{len(agents) + 1}")
        la = sub(ev, "linkingAgentIdentifier")
        sub(la, "linkingAgentIdentifierType", "local")
        sub(la, "linkingAgentIdentifierValue", agents[agent])
    agents.setdefault(spec.creator_org, f"agent-{len(agents) + 1}")
    for name, ident in agents.items():
        ag = sub(root, "agent")
        aid = sub(ag, "agentIdentifier")
        sub(aid, "agentIdentifierType", "local")
        sub(aid, "agentIdentifierValue", ident)
        sub(ag, "agentName", name)
        sub(ag, "agentType", "organization" if name == spec.creator_org else "person")
    return _xml(root)


def build_package(spec: PackageSpec) -> tuple[bytes, dict]:
    """The package as a ZIP and its manifest ({path: sha256}) — every member is listed."""
    created = iso(spec.created)
    base = spec.package_id
    premis = premis_xml(spec)
    rep_mets = _representation_mets(spec, created)
    members: dict[str, bytes] = {
        "metadata/descriptive/ead.xml": spec.ead,
        "metadata/preservation/premis.xml": premis,
        "representations/rep1/METS.xml": rep_mets,
    }
    if spec.other_metadata is not None:
        members["metadata/other/file-metadata.xml"] = spec.other_metadata
    members["documentation/README.txt"] = README.format(kind=spec.kind, label=spec.label, org=spec.creator_org,
                                                        created=created).encode()
    members["schemas/file-metadata.xsd"] = FILE_METADATA_XSD
    for f in spec.files:
        members[f"representations/rep1/data/{f.name}"] = f.content

    root = _mets_root(spec, spec.package_id, created, spec.label)
    dmd = etree.SubElement(root, _q(METS_NS, "dmdSec"), ID="dmd-ead", CREATED=created, STATUS="CURRENT")
    _md_ref(dmd, "metadata/descriptive/ead.xml", spec.ead, "EAD", created)
    if spec.other_metadata is not None:
        dmd2 = etree.SubElement(root, _q(METS_NS, "dmdSec"), ID="dmd-nd30", CREATED=created, STATUS="CURRENT")
        _md_ref(dmd2, "metadata/other/file-metadata.xml", spec.other_metadata, "OTHER", created,
                other="ND30-PL6-PHAN2")
    amd = etree.SubElement(root, _q(METS_NS, "amdSec"), ID="amd")
    digi = etree.SubElement(amd, _q(METS_NS, "digiprovMD"), ID="digiprov-premis", CREATED=created, STATUS="CURRENT")
    _md_ref(digi, "metadata/preservation/premis.xml", premis, "PREMIS", created)
    file_sec = etree.SubElement(root, _q(METS_NS, "fileSec"), ID="filesec")
    doc_grp = _grp(file_sec, "grp-documentation", "Documentation")
    _file_el(doc_grp, "file-readme", "documentation/README.txt", members["documentation/README.txt"], "text/plain",
             created)
    schema_grp = _grp(file_sec, "grp-schemas", "Schemas")
    _file_el(schema_grp, "file-schema-nd30", "schemas/file-metadata.xsd", FILE_METADATA_XSD, "application/xml",
             created)
    rep_grp = _grp(file_sec, "grp-rep1", "Representations/rep1")
    _file_el(rep_grp, "file-rep1-mets", "representations/rep1/METS.xml", rep_mets, "text/xml", created)
    smap = etree.SubElement(root, _q(METS_NS, "structMap"), ID="structmap", TYPE="PHYSICAL", LABEL="CSIP")
    top = etree.SubElement(smap, _q(METS_NS, "div"), ID="div-root", LABEL=spec.package_id)
    md_ids = "dmd-ead dmd-nd30" if spec.other_metadata is not None else "dmd-ead"
    etree.SubElement(top, _q(METS_NS, "div"), ID="div-metadata", LABEL="Metadata", DMDID=md_ids,
                     ADMID="digiprov-premis")
    for label, ident, grp in (("Documentation", "div-documentation", "grp-documentation"),
                              ("Schemas", "div-schemas", "grp-schemas")):
        etree.SubElement(etree.SubElement(top, _q(METS_NS, "div"), ID=ident, LABEL=label), _q(METS_NS, "fptr"),
                         FILEID=grp)
    reps = etree.SubElement(top, _q(METS_NS, "div"), ID="div-representations", LABEL="Representations")
    etree.SubElement(reps, _q(METS_NS, "fptr"), FILEID="grp-rep1")
    rep_div = etree.SubElement(reps, _q(METS_NS, "div"), ID="div-rep1", LABEL="Representations/rep1")
    etree.SubElement(rep_div, _q(METS_NS, "mptr"), {_q(XLINK_NS, "type"): "simple",
                                                    _q(XLINK_NS, "href"): "representations/rep1/METS.xml",
                                                    _q(XLINK_NS, "title"): "file-rep1-mets", "LOCTYPE": "URL"})
    mets = _xml(root)
    members = {"METS.xml": mets, **members}

    buf = io.BytesIO()
    stamp = spec.created.astimezone(VN_TZ).timetuple()[:6]
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path, content in members.items():
            info = zipfile.ZipInfo(f"{base}/{path}", date_time=stamp)
            info.compress_type = zipfile.ZIP_STORED if path.endswith(".pdf") else zipfile.ZIP_DEFLATED
            zf.writestr(info, content)
    manifest = {path: hashlib.sha256(content).hexdigest() for path, content in members.items()}
    return buf.getvalue(), manifest


# --- the portal's own check -----------------------------------------------------------------

class PackageInvalid(ValueError):
    """The package is not intact: ``problems`` lists why."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
_SAFE = re.compile(r"^[A-Za-z0-9._\-/]+$")


def _listed_files(mets: bytes, prefix: str) -> dict[str, tuple[int, str]]:
    """{path inside the package: (size, sha256)} of every file and mdRef a METS lists."""
    root = etree.fromstring(mets, _PARSER)
    out = {}
    for el in root.iter(_q(METS_NS, "file"), _q(METS_NS, "mdRef")):
        href = el.get(_q(XLINK_NS, "href")) if el.tag == _q(METS_NS, "mdRef") else \
            el.find(_q(METS_NS, "FLocat")).get(_q(XLINK_NS, "href"))
        if el.get("CHECKSUMTYPE") != "SHA-256":
            raise PackageInvalid([f"{href}: checksum type {el.get('CHECKSUMTYPE')} is not SHA-256"])
        out[posixpath.normpath(posixpath.join(prefix, href))] = (int(el.get("SIZE", "-1")),
                                                                   el.get("CHECKSUM", "").lower())
    return out


def package_verify(data: bytes, *, manifest: dict | None = None) -> dict:
    """
    Check a package ZIP: one top folder, safe names, bounded size, the root and representation
    METS parse, every listed file is present with its size and SHA-256, no file is unlisted, and
    (when ``manifest`` is given, as stored when the portal wrote the package) every member still
    has the digest it had. Returns {"package_id", "files"}; raises PackageInvalid.
    """
    problems: list[str] = []
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise PackageInvalid([f"not a ZIP: {exc}"]) from exc
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS or sum(i.file_size for i in infos) > MAX_UNCOMPRESSED:
        raise PackageInvalid(["the package is too large"])
    tops = {i.filename.split("/", 1)[0] for i in infos}
    if len(tops) != 1:
        raise PackageInvalid(["the package must hold exactly one top folder"])
    top = tops.pop()
    contents: dict[str, bytes] = {}
    for info in infos:
        name = info.filename
        if info.is_dir():
            continue
        rel = name[len(top) + 1:]
        if not _SAFE.match(rel) or ".." in rel.split("/") or rel.startswith("/"):
            problems.append(f"unsafe member name {name!r}")
            continue
        contents[rel] = zf.read(info)
    if "METS.xml" not in contents:
        raise PackageInvalid(problems + ["METS.xml is missing"])
    try:
        listed = _listed_files(contents["METS.xml"], "")
        for path in [p for p in listed if p.endswith("/METS.xml")]:
            if path in contents:
                listed.update(_listed_files(contents[path], posixpath.dirname(path)))
    except (etree.XMLSyntaxError, AttributeError, ValueError) as exc:
        if isinstance(exc, PackageInvalid):
            raise
        raise PackageInvalid(problems + [f"METS cannot be read: {exc}"]) from exc
    for path, (size, digest) in listed.items():
        if path not in contents:
            problems.append(f"{path} is missing")
            continue
        content = contents[path]
        if size != len(content):
            problems.append(f"{path}: size {len(content)} differs from {size}")
        if hashlib.sha256(content).hexdigest() != digest:
            problems.append(f"{path}: SHA-256 differs from the METS")
    for path in contents:
        if path != "METS.xml" and path not in listed:
            problems.append(f"{path} is not listed in any METS")
    if manifest is not None:
        for path, digest in manifest.items():
            if path in contents and hashlib.sha256(contents[path]).hexdigest() != digest:
                problems.append(f"{path}: SHA-256 differs from the one recorded when the package was written")
        if set(manifest) != set(contents):
            problems.append("the set of files differs from the one recorded when the package was written")
    if problems:
        raise PackageInvalid(problems)
    return {"package_id": top, "files": sorted(contents)}
