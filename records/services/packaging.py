"""Build the E-ARK packages of a file from the database, store them, read them back."""
from __future__ import annotations

import hashlib
import re

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from lxml import etree

from egov.core.text import actor_display, search_key

from ..choices import RETENTION_NAMES_VI, FileEventKind, PackageKind
from ..exports import file_metadata, file_xml, main_pdf_bytes, pdf_pages
from ..models import CaseFile, InformationPackage
from ..packages import EAD_NS, DataFile, Event, PackageInvalid, PackageSpec, build_package, iso, package_verify
from ..selectors import file_rows

__all__ = ["package_build_for", "package_store", "package_read", "package_check", "PackageInvalid"]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", search_key(text))[:40].strip("-") or "van-ban"


def ead_xml(case_file: CaseFile, rows, meta: dict) -> bytes:
    """EAD3: the file (archdesc level file) and its documents (c level item), dates and conditions."""
    def sub(parent, tag, text=None, **attrs):
        el = etree.SubElement(parent, f"{{{EAD_NS}}}{tag}", **attrs)
        if text is not None:
            el.text = str(text)
        return el

    root = etree.Element(f"{{{EAD_NS}}}ead", nsmap={None: EAD_NS})
    control = sub(root, "control")
    sub(control, "recordid", str(case_file.object_id))
    sub(sub(sub(control, "filedesc"), "titlestmt"), "titleproper", case_file.title)
    sub(control, "maintenancestatus", value="new")
    sub(sub(control, "maintenanceagency"), "agencyname", case_file.unit.name)
    event = sub(sub(control, "maintenancehistory"), "maintenanceevent")
    sub(event, "eventtype", value="created")
    sub(event, "eventdatetime", iso(timezone.now()))
    sub(event, "agenttype", value="machine")
    sub(event, "agent", "egov portal records")
    arch = sub(root, "archdesc", level="file")
    did = sub(arch, "did")
    sub(did, "unitid", f"{case_file.unit.code}.{case_file.year}.{case_file.code}")
    sub(did, "unittitle", case_file.title)
    if meta["StartDate"]:
        dates = sub(sub(did, "unitdatestructured"), "daterange")
        sub(dates, "fromdate", meta["StartDate"], standarddate=meta["StartDate"])
        sub(dates, "todate", meta["EndDate"], standarddate=meta["EndDate"])
    sub(sub(did, "origination"), "corpname").append(etree.Element(f"{{{EAD_NS}}}part"))
    did[-1][0][0].text = case_file.unit.name
    sub(sub(did, "physdescstructured", coverage="whole", physdescstructuredtype="materialtype"), "quantity",
        meta["DocTotal"])
    did[-1].append(etree.Element(f"{{{EAD_NS}}}unittype"))
    did[-1][-1].text = "documents"
    sub(sub(did, "langmaterial"), "language", langcode="vie")
    sub(sub(arch, "accessrestrict"), "p", f"Chế độ sử dụng {case_file.use_regime} ({case_file.get_use_regime_display()})")
    sub(sub(arch, "appraisal"), "p", f"Thời hạn bảo quản {case_file.retention}: "
                                     f"{RETENTION_NAMES_VI.get(case_file.retention, '')}")
    if case_file.description:
        sub(sub(arch, "scopecontent"), "p", case_file.description)
    dsc = sub(arch, "dsc")
    for r in rows:
        c = sub(dsc, "c", level="item")
        cdid = sub(c, "did")
        sub(cdid, "unitid", r.ordinal)
        sub(cdid, "unittitle", r.document.subject)
        sub(cdid, "unitdate", r.date.isoformat())
        if r.number_notation:
            sub(cdid, "unitid", r.number_notation, localtype="number-notation")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def package_build_for(case_file: CaseFile, kind: str, *, submitter=None, extra_events=()) -> tuple[str, bytes, dict]:
    """The package of ``case_file``: (package id, ZIP bytes, manifest)."""
    rows = file_rows(case_file)
    files = []
    pages = {}
    for r in rows:
        data = main_pdf_bytes(r.document)
        if data is None:
            continue
        pages[r.ordinal] = pdf_pages(data)
        files.append(DataFile(name=f"{r.ordinal:04d}-{_slug(r.number_notation or r.document.subject)}.pdf",
                              content=data, label=r.document.subject[:200]))
    for r in rows:
        r.pages = r.pages or pages.get(r.ordinal)
    meta = file_metadata(case_file, rows)
    events = [Event(kind=e.kind, at=e.at, agent=e.actor_name or case_file.unit.name, detail=e.detail, outcome=e.outcome)
              for e in case_file.events.order_by("at", "pk")]
    events.extend(extra_events)
    now = timezone.now()
    package_id = f"urn-uuid-{case_file.object_id}-{kind.lower()}-{now:%Y%m%dT%H%M%S%f}"
    spec = PackageSpec(kind=kind, package_id=package_id, label=f"{case_file.code} {case_file.title}"[:300],
                       created=now, creator_org=case_file.unit.name, creator_org_id=case_file.unit.code,
                       ead=ead_xml(case_file, rows, meta), events=events, files=files,
                       other_metadata=file_xml(case_file, rows),
                       submitter=actor_display(submitter) if submitter is not None else "")
    data, manifest = build_package(spec)
    return package_id, data, manifest


def package_store(case_file: CaseFile, kind: str, *, acting_user=None, for_user=None,
                  extra_events=()) -> InformationPackage:
    """Build, self-check and store a package; records the packaging event. Inside a service."""
    package_id, data, manifest = package_build_for(case_file, kind, submitter=acting_user, extra_events=extra_events)
    package_verify(data, manifest=manifest)  # never store a package the portal itself would refuse
    path = default_storage.save(f"records/packages/{kind.lower()}/{package_id}.zip", ContentFile(data))
    return InformationPackage.objects.create(
        case_file=case_file, kind=kind, package_id=package_id, path=path, sha256=hashlib.sha256(data).hexdigest(),
        size=len(data), manifest=manifest, created_by=acting_user if getattr(acting_user, "is_authenticated", False)
        else None, for_user=for_user)


def package_read(package: InformationPackage) -> bytes:
    with default_storage.open(package.path, "rb") as fh:
        return fh.read()


def package_check(package: InformationPackage, data: bytes | None = None) -> dict:
    """The portal's own check of a stored package: ZIP digest as written, then every member."""
    data = package_read(package) if data is None else data
    problems = []
    if hashlib.sha256(data).hexdigest() != package.sha256:
        problems.append("the package's SHA-256 differs from the one recorded when it was written")
    try:
        result = package_verify(data, manifest=package.manifest)
    except PackageInvalid as exc:
        raise PackageInvalid(problems + exc.problems) from exc
    if problems:
        raise PackageInvalid(problems)
    return result


PACKAGE_EVENT = {PackageKind.SIP: FileEventKind.TRANSFER, PackageKind.AIP: FileEventKind.ACCEPTANCE,
                 PackageKind.DIP: FileEventKind.ACCESS}
