"""The verify_signature management command: JSON schema, --anchor/--crl, exit status."""
import json

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db

REQUIRED_KEYS = {"signer", "signing_time", "intact", "trusted", "revoked", "expired", "coverage",
                 "modified_after_signing"}


def verify(capsys, *args):
    try:
        call_command("verify_signature", *args)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, capsys.readouterr().out


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_json_valid_with_anchor_and_crl_options(tmp_path, capsys, pki, signed_by):
    pdf = write(tmp_path, "doc.pdf", signed_by("person"))
    args = [pdf, "--json", "--anchor", write(tmp_path, "root.pem", pki.root.pem),
            "--anchor", write(tmp_path, "inter.der", pki.intermediate.der),
            "--crl", write(tmp_path, "root.crl", pki.root_crl), "--crl", write(tmp_path, "inter.crl", pki.intermediate_crl)]
    code, out = verify(capsys, *args)
    data = json.loads(out)
    assert code == 0
    assert data["verdict"] == "valid"
    assert data["reason_en"] and data["reason_vi"]
    [sig] = data["signatures"]
    assert REQUIRED_KEYS <= set(sig)
    assert sig["signer"] == "Nguyễn Văn An" and sig["intact"] and sig["trusted"]


def test_without_anchor_the_file_is_indeterminate(tmp_path, capsys, signed_by):
    code, out = verify(capsys, write(tmp_path, "doc.pdf", signed_by("person")), "--json")
    assert code == 2
    assert json.loads(out)["verdict"] == "indeterminate"


def test_revoked_through_given_crl(tmp_path, capsys, pki, signed_by):
    args = [write(tmp_path, "doc.pdf", signed_by("revoked")), "--json",
            "--anchor", write(tmp_path, "root.der", pki.root.der), "--anchor", write(tmp_path, "i.pem", pki.intermediate.pem),
            "--crl", write(tmp_path, "a.crl", pki.root_crl), "--crl", write(tmp_path, "b.crl", pki.intermediate_crl)]
    code, out = verify(capsys, *args)
    data = json.loads(out)
    assert code == 2 and data["signatures"][0]["revoked"] is True


def test_unsigned_and_invalid_exit_codes(tmp_path, capsys, plain_pdf):
    assert verify(capsys, write(tmp_path, "plain.pdf", plain_pdf), "--json")[0] == 3
    assert verify(capsys, write(tmp_path, "bad.pdf", b"%PDF-1.7\nnot really"), "--json")[0] == 1


def test_text_output(tmp_path, capsys, signed_by):
    code, out = verify(capsys, write(tmp_path, "doc.pdf", signed_by("person")))
    assert out.startswith("INDETERMINATE:") and "#1 signature Nguyễn Văn An" in out


def test_missing_file_is_a_usage_error(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError) as exc:
        call_command("verify_signature", str(tmp_path / "nope.pdf"))
    assert exc.value.returncode == 4
