#!/usr/bin/env python3
"""
Example client of the portal's REST API (docs/api.md): create a draft with its PDF, allocate
the number, send it to units, then poll the status per recipient until every recipient has
the document (edXML status 01 or later) or the time runs out. Needs only ``requests``.

    python docs/example_client.py --url https://vanban.example.gov.vn --token egov_xxx \
        --pdf quyet-dinh.pdf --subject "Về việc ..." --to 000.00.05.H41 000.00.31.H41

Every POST carries an Idempotency-Key, so a retry after a network error never creates a
second document or sends twice.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
import uuid

import requests


class ApiError(Exception):
    def __init__(self, response: requests.Response):
        try:
            self.error = response.json()["error"]
        except (ValueError, KeyError):
            self.error = {"code": "http_error", "message": response.text[:200], "fields": {}}
        super().__init__(f"{response.status_code} {self.error['code']}: {self.error['message']} {self.error['fields']}")
        self.status = response.status_code


class Portal:
    def __init__(self, base_url: str, token: str, *, timeout: float = 30, language: str = "en"):
        self.base = base_url.rstrip("/") + "/api/v1"
        self.http = requests.Session()
        self.http.headers.update({"Authorization": f"Bearer {token}", "Accept-Language": language})
        self.timeout = timeout

    def _call(self, method: str, path: str, *, retries: int = 3, **kwargs) -> requests.Response:
        if method == "POST":  # one key for all retries of this call
            kwargs.setdefault("headers", {})["Idempotency-Key"] = str(uuid.uuid4())
        for attempt in range(retries):
            try:
                r = self.http.request(method, self.base + path, timeout=self.timeout, **kwargs)
            except requests.ConnectionError:
                if attempt == retries - 1:
                    raise
                time.sleep(2 ** attempt)
                continue
            if r.status_code == 429 and attempt < retries - 1:
                time.sleep(float(r.headers.get("Retry-After", "1")))
                continue
            if r.status_code >= 400:
                raise ApiError(r)
            return r
        raise RuntimeError("unreachable")

    def send_document(self, *, pdf: bytes, filename: str, subject: str, recipients: list[str], **fields) -> dict:
        files = {"main_file": (filename, pdf, "application/pdf")}
        data = {"subject": subject, "doc_type": fields.pop("doc_type", "CV"),
                "notation_suffix": fields.pop("notation_suffix", "VP"), **fields}
        doc = self._call("POST", "/documents/", data=data, files=files).json()
        doc = self._call("POST", f"/documents/{doc['id']}/issue/", json={}).json()
        self._call("POST", f"/documents/{doc['id']}/send/", json={"units": recipients})
        return doc

    def dispatches(self, document_id: int) -> list[dict]:
        rows, url = [], f"/documents/{document_id}/dispatches/"
        while url:
            page = self._call("GET", url).json()
            rows += page["results"]
            url = page["next"].split("/api/v1", 1)[1] if page["next"] else None
        return rows

    def wait_until_received(self, document_id: int, *, timeout: float = 60, every: float = 0.5) -> list[dict]:
        deadline = time.monotonic() + timeout
        while True:
            rows = self.dispatches(document_id)
            if rows and all(r["status_code"] for r in rows):
                return rows
            if time.monotonic() > deadline:
                raise TimeoutError(f"not every recipient has the document after {timeout} s: {rows}")
            time.sleep(every)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--url", required=True)
    p.add_argument("--token", required=True)
    p.add_argument("--pdf", required=True)
    p.add_argument("--subject", required=True)
    p.add_argument("--signer", default="")
    p.add_argument("--to", nargs="+", required=True, help="recipient unit codes")
    p.add_argument("--timeout", type=float, default=60)
    args = p.parse_args(argv)
    portal = Portal(args.url, args.token)
    with open(args.pdf, "rb") as f:
        pdf = f.read()
    try:
        doc = portal.send_document(pdf=pdf, filename=args.pdf.rsplit("/", 1)[-1], subject=args.subject,
                                   recipients=args.to, signer_name=args.signer or "Người ký")
        rows = portal.wait_until_received(doc["id"], timeout=args.timeout)
    except ApiError as exc:
        print(json.dumps({"error": exc.error}, ensure_ascii=False), file=sys.stderr)
        return 1
    print(json.dumps({"document": doc["number_notation"], "document_id": doc["document_id"],
                      "recipients": {r["recipient"]: r["status_code"] for r in rows}}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
