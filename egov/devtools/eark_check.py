"""
Run the E-ARK Foundation's validator (``eark-validator``, PyPI) on an information package and
print one JSON line: ``{"valid": bool, "structure": ..., "schema_errors": [...],
"schematron_errors": [...], "manifest_issues": [...]}``.

This script runs under the validator's own virtualenv (``make eark-venv``): eark-validator
1.1.3 pins lxml==5.1.0, the portal pins lxml 6. It is never imported by the portal.

Two shims, both about the validator's environment, not its rules:

- at import, eark-validator 1.1.3 downloads four CSIP vocabularies from earkcsip.dilcis.eu;
  the same vocabularies ship inside the package (``ipxml/resources/vocabs``), so ``urlopen``
  is answered from those files (no network in tests or on an archive's closed network);
- SIP14 is misapplied by 1.1.3 (see ``_sip14``): its schematron (``V2.1.0/SIP/mets_metsHdr_rules.xml``)
  tests an *unqualified* ``@NOTETYPE = 'IDENTIFICATIONCODE'`` on every note of every agent with
  ``@ROLE = 'CREATOR'``. The SIP specification's SIP14 is about the *archival creator* agent
  (SIP9–SIP14, ``ROLE="ARCHIVIST"`` in its own examples) and its XPath is
  ``metsHdr/agent/note/@csip:NOTETYPE``; the only CREATOR agent CSIP requires is the software
  (CSIP11–13) whose one note is typed ``csip:NOTETYPE="SOFTWARE VERSION"`` (CSIP15–16, which the
  same validator asserts); and METS 1.12 allows on ``agent/note`` only attributes of another
  namespace (``xsd:anyAttribute namespace="##other"``), so the validator's own schema check refuses
  an unqualified ``NOTETYPE``. No SIP can pass both. This script therefore sets aside a SIP14
  message only when the node it points at is that software note, typed ``SOFTWARE VERSION`` in the
  csip namespace, and applies the specification's SIP14 itself (every note of the ARCHIVIST agent
  typed ``csip:NOTETYPE="IDENTIFICATIONCODE"``). Set-aside messages are listed under
  ``validator_defects``; any other SIP14 message stays an error;
- its ``Manifests.validate_manifest`` drops checksum mismatches (an inverted test in 1.1.3),
  so the METS checksums are also checked here with the validator's own ``Checksummer``.

Usage: python eark_check.py PACKAGE.zip|DIR
"""
from __future__ import annotations

import json
import sys
import urllib.request
from pathlib import Path


def _offline_vocabularies():
    import importlib.util

    spec = importlib.util.find_spec("eark_validator")
    vocabs = Path(spec.origin).parent / "ipxml" / "resources" / "vocabs"
    real = urllib.request.urlopen

    def urlopen(url, *args, **kwargs):
        name = str(getattr(url, "full_url", url)).rsplit("/", 1)[-1]
        local = vocabs / name
        if local.is_file():
            return open(local, "rb")
        return real(url, *args, **kwargs)

    urllib.request.urlopen = urlopen


CSIP = "https://DILCIS.eu/XML/METS/CSIPExtensionMETS"
METS = "http://www.loc.gov/METS/"


def _sip14(messages, mets_path):
    """(validator_defects, schematron_errors): 1.1.3's SIP14 set aside only where it hits the
    CSIP software agent's typed version note; the specification's SIP14 checked instead."""
    from lxml import etree

    doc = etree.parse(str(mets_path), etree.XMLParser(resolve_entities=False, no_network=True)) \
        if mets_path is not None and mets_path.is_file() else None
    defects, errors = [], []
    for m in messages:
        text = f"{m.rule_id}: {m.message}"
        if m.rule_id != "SIP14" or doc is None:
            errors.append(text)
            continue
        # location = rule context + test + the SVRL location of the failing node (an XPath)
        where = (m.location or "")
        start = where.find("/*[local-name()='mets'")
        nodes = doc.xpath(where[start:]) if start >= 0 else []
        note = nodes[0] if len(nodes) == 1 else None
        agent = note.getparent() if note is not None else None
        if note is not None and note.tag == f"{{{METS}}}note" and agent.get("ROLE") == "CREATOR" \
                and agent.get("TYPE") == "OTHER" and agent.get("OTHERTYPE") == "SOFTWARE" \
                and note.get(f"{{{CSIP}}}NOTETYPE") == "SOFTWARE VERSION" and note.get("NOTETYPE") is None:
            defects.append(f"{text} [set aside: {doc.getpath(note)} is the CSIP15-16 software version note]")
        else:
            errors.append(text)
    if doc is not None and doc.getroot().find(f"{{{METS}}}metsHdr") is not None:
        hdr = doc.getroot().find(f"{{{METS}}}metsHdr")
        if hdr.get(f"{{{CSIP}}}OAISPACKAGETYPE") == "SIP":
            for note in hdr.xpath("m:agent[@ROLE='ARCHIVIST']/m:note", namespaces={"m": METS}):
                if note.get(f"{{{CSIP}}}NOTETYPE") != "IDENTIFICATIONCODE":
                    errors.append(f"SIP14 (specification): the archival creator agent's note {doc.getpath(note)} "
                                  "must be typed csip:NOTETYPE=\"IDENTIFICATIONCODE\"")
    return defects, errors


def main(path: str) -> int:
    _offline_vocabularies()
    import eark_validator.ipxml.schematron as schematron_module  # noqa: F401 (vocabularies load here)
    from eark_validator.infopacks.manifest import Checksummer, Manifests
    from eark_validator.model.validation_report import Severity
    from eark_validator.packages import PackageValidator

    validator = PackageValidator(Path(path))
    report = validator.validation_report
    out = {"structure": report.structure.status.value if report.structure else "missing",
           "structure_messages": [m.message for m in (report.structure.messages if report.structure else [])
                                  if m.severity == Severity.ERROR],
           "schema_errors": [], "schematron_errors": [], "manifest_issues": []}
    if report.metadata is not None:
        out["schema_errors"] = [f"{m.rule_id}: {m.message}" for m in report.metadata.schema_results.messages
                                if m.severity == Severity.ERROR]
    root = getattr(validator, "_to_proc", None)
    if report.metadata is not None:
        mets_path = Path(root, "METS.xml") if root is not None else None
        messages = [m for m in report.metadata.schematron_results.messages if m.severity == Severity.ERROR]
        defects, errors = _sip14(messages, mets_path)
        out["validator_defects"] = defects
        out["schematron_errors"] = errors
    if root is not None and Path(root, "METS.xml").is_file():
        mets_files = [Path(root, "METS.xml"), *sorted(Path(root, "representations").glob("*/METS.xml"))]
        for mets in mets_files:
            manifest = Manifests.from_mets_file(mets)
            ok, issues = Manifests.validate_manifest(manifest, alt_root=mets.parent)
            out["manifest_issues"] += issues
            for entry in manifest.entries:
                target = mets.parent / entry.path
                if not target.is_file():
                    continue
                for checksum in entry.checksums:
                    actual = Checksummer(checksum.algorithm).hash_file(target)
                    if actual.value.upper() != checksum.value.upper():
                        out["manifest_issues"].append(f"{entry.path}: checksum {checksum.value} != {actual.value}")
    out["valid"] = report.structure is not None and report.structure.status.name == "WELLFORMED" \
        and not out["structure_messages"] and not out["schema_errors"] and not out["schematron_errors"] and not out["manifest_issues"] \
        and report.metadata is not None
    print(json.dumps(out, ensure_ascii=False))
    return 0 if out["valid"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
