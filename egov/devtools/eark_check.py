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
- SIP14 (1.1.3) asks for an unqualified ``NOTETYPE`` attribute on every note of a CREATOR agent,
  which the METS schema the same validator applies forbids, while CSIP12–16 make the software
  agent the CREATOR with a ``SOFTWARE VERSION`` note: no SIP can pass both. That one message is
  reported under ``validator_defects`` instead of ``schematron_errors``;
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
        errors = [f"{m.rule_id}: {m.message}" for m in report.metadata.schematron_results.messages
                  if m.severity == Severity.ERROR]
        out["validator_defects"] = [e for e in errors if e.startswith("SIP14:")]
        out["schematron_errors"] = [e for e in errors if not e.startswith("SIP14:")]
    root = getattr(validator, "_to_proc", None)
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
