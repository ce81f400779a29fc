"""
Attachments on S3 (django-storages) against an S3-compatible server started by the test run
(moto's standalone server): content-addressed keys, upload, delivery, download with Range, and
two "hosts" (two storage instances) reading the same object (h17).
"""
from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from rest_framework.test import APIClient

from documents.models import IncomingRecord
from documents.services import deliver_local_batch, document_send
from egov.devtools.servers import free_port, port_open
from egov.devtools.workers import wait_until

from .conftest import PDF, make_issued

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def s3_server():
    exe = shutil.which("moto_server") or str(__import__("pathlib").Path(sys.executable).with_name("moto_server"))
    port = free_port()
    proc = subprocess.Popen([exe, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        if not wait_until(lambda: port_open(port), timeout=30, interval=0.1):
            pytest.fail("moto_server (S3) did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.kill()
        proc.wait(10)


@pytest.fixture
def s3(s3_server, settings):
    import boto3

    bucket = "egov-test-attachments"
    client = boto3.client("s3", endpoint_url=s3_server, aws_access_key_id="test", aws_secret_access_key="test",
                          region_name="us-east-1")
    try:
        client.create_bucket(Bucket=bucket)
    except client.exceptions.BucketAlreadyOwnedByYou:
        pass
    options = {"bucket_name": bucket, "endpoint_url": s3_server, "access_key": "test", "secret_key": "test",
               "region_name": "us-east-1", "default_acl": None, "file_overwrite": False, "addressing_style": "path"}
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "storages.backends.s3.S3Storage",
                                                          "OPTIONS": options}}
    return client, bucket, options


def test_attachments_live_in_the_bucket_and_download_with_range(s3, province):
    client, bucket, options = s3
    from storages.backends.s3 import S3Storage

    clerk = province.clerk(province.ubnd)
    doc = make_issued(province.ubnd, clerk)
    att = doc.attachments.get(kind="main")
    assert isinstance(att.file.storage, S3Storage)
    key = att.file.name
    assert key.startswith("attachments/") and att.sha256[:2] in key  # content-addressed as on disk
    body = client.get_object(Bucket=bucket, Key=key)["Body"].read()
    assert body == PDF
    # Another host: a storage instance of its own, the same bucket, reads the same bytes.
    with S3Storage(**options).open(key, "rb") as f:
        assert f.read() == PDF
    # The same file uploaded again is not written twice.
    before = client.list_objects_v2(Bucket=bucket)["KeyCount"]
    make_issued(province.ubnd, clerk, subject="Cùng tệp")
    assert client.list_objects_v2(Bucket=bucket)["KeyCount"] == before
    # Delivery and the recipient's download through the API, with Range.
    dispatches = document_send(document=doc, acting_user=clerk, units=[province.snv])
    deliver_local_batch(dispatch_ids=[d.pk for d in dispatches])
    assert IncomingRecord.objects.filter(document=doc, unit=province.snv).exists()
    from units.api_clients import api_client_create

    _c, token = api_client_create(name="QLVB", unit=province.snv, scopes=["documents:read"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    full = api.get(f"/api/v1/attachments/{att.pk}/content/")
    assert full.status_code == 200 and b"".join(full.streaming_content) == PDF
    part = api.get(f"/api/v1/attachments/{att.pk}/content/", HTTP_RANGE="bytes=5-14")
    assert part.status_code == 206 and b"".join(part.streaming_content) == PDF[5:15]
    assert part["Content-Range"] == f"bytes 5-14/{len(PDF)}"
