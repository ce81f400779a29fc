"""docs/example_client.py against a live server and a real Celery worker: send, then poll until received."""
import importlib.util
import json

import pytest

from tests.factories import MembershipFactory, UnitFactory, UserFactory
from units.choices import UnitKind

from .conftest import PDF


def _load_example():
    from django.conf import settings

    spec = importlib.util.spec_from_file_location("example_client", settings.BASE_DIR / "docs" / "example_client.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_example_client_sends_and_sees_the_status(live_server, live_worker, tmp_path, capsys):
    from units.api_clients import api_client_create

    ubnd = UnitFactory(code="000.00.00.H98", name="UBND tỉnh Mẫu", kind=UnitKind.PROVINCE_COMMITTEE)
    sender = UnitFactory(code="000.00.02.H98", name="Sở Nội vụ", short_name="SNV", kind=UnitKind.DEPARTMENT,
                         parent=ubnd)
    r1 = UnitFactory(code="000.00.05.H98", name="Sở Tài chính", short_name="STC", kind=UnitKind.DEPARTMENT,
                     parent=ubnd)
    MembershipFactory(user=UserFactory(username="stc-clerk"), unit=r1)
    _client, token = api_client_create(name="Hệ thống QLVB", unit=sender, scopes=["documents:read", "documents:send"])
    pdf = tmp_path / "van-ban.pdf"
    pdf.write_bytes(PDF)
    example = _load_example()
    code = example.main(["--url", live_server.url, "--token", token, "--pdf", str(pdf), "--subject",
                         "Về việc thử nghiệm ví dụ", "--to", r1.code, ubnd.code, "--timeout", "60"])
    out = capsys.readouterr()
    assert code == 0, out.err
    result = json.loads(out.out)
    assert result["document"] == "01/SNV-VP"
    assert result["recipients"] == {r1.code: "01", ubnd.code: "01"}
    # A validation error comes back as the structured error body.
    assert example.main(["--url", live_server.url, "--token", token, "--pdf", str(pdf), "--subject", "x",
                         "--to", "000.99.99.H00"]) == 1
    assert json.loads(capsys.readouterr().err)["error"]["fields"]
