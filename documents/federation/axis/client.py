"""
The client side of the axis / LGSP protocol: one ``AxisClient`` per axis peer (its endpoint,
systemId and secret). Every call goes through ``egov.core.http.http_request``. Answers are
classified by ``protocol.classify``: ``AxisTransient`` (retry later) or ``AxisFault`` (permanent,
with the hub's ErrorDesc).
"""
from __future__ import annotations

import base64
import binascii
import json

from django.conf import settings
from django.utils import timezone

from egov.core.http import HttpError, http_request

from . import protocol

__all__ = ["AxisClient", "AxisError", "AxisTransient", "AxisFault", "client_for"]


class AxisError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


class AxisTransient(AxisError):
    """Network trouble or an answer that may change later: try again after a back-off."""


class AxisFault(AxisError):
    """The hub refused the call for good (its ErrorDesc is the message)."""


class AxisClient:
    def __init__(self, *, endpoint: str, system_id: str, secret: str, from_code: str = "", session=None):
        self.endpoint = endpoint.rstrip("/")
        self.system_id, self.secret, self.from_code = system_id, secret, from_code
        self.session = session

    def _call(self, operation: str, *, params: dict | None = None, body: bytes | None = None, method: str = "POST",
              json_body: dict | None = None, stream: bool = False):
        headers = protocol.sign_headers(system_id=self.system_id, secret=self.secret, params=params or {},
                                        now=timezone.localtime())
        if body is not None:
            headers["Content-Type"] = "application/octet-stream"
            data = body
        else:
            headers["Content-Type"] = "application/json"
            data = json.dumps(json_body or {}).encode()
        try:
            response = http_request(method, f"{self.endpoint}/{operation}", data=data, headers=headers,
                                    timeout=(settings.AXIS_CONNECT_TIMEOUT, settings.AXIS_READ_TIMEOUT),
                                    session=self.session, stream=stream)
        except HttpError as exc:
            raise AxisTransient("network", f"{operation}: {type(exc).__name__}: {exc}") from exc
        if stream:
            return response
        outcome = protocol.classify(response.status_code, response.text)
        if not outcome.ok:
            error = AxisTransient if outcome.retry else AxisFault
            raise error(outcome.code, f"{operation}: {outcome.message}")
        return outcome.body

    # --- documents and statuses ------------------------------------------------------------------

    def send_edoc(self, package: bytes, *, message_type: str, from_code: str) -> str:
        """Push one package; returns the hub's DocId."""
        params = {"from": from_code, "servicetype": "eDoc", "messagetype": message_type,
                  "hash-file": protocol.hash_file(package)}
        body = self._call("sendEdoc", params=params, body=package + b"\r\n")
        doc_id = body.get("DocId") or body.get("docId") or (body.get("data") if isinstance(body.get("data"), str)
                                                              else "")
        if not doc_id:
            raise AxisTransient("no_docid", "sendEdoc: the answer carries no DocId")
        return str(doc_id)

    def received_list(self, *, message_type: str) -> list[dict]:
        body = self._call("getReceivedEdocList", params={"from": self.from_code, "servicetype": "eDoc",
                                                          "messagetype": message_type})
        return _items(body)

    def get_edoc(self, doc_id: str) -> bytes:
        body = self._call("getEdoc", params={"docId": doc_id, "from": self.from_code})
        data = body.get("data")
        if isinstance(data, dict):
            data = data.get("content") or data.get("data")
        if not isinstance(data, str) or not data:
            raise AxisTransient("no_data", f"getEdoc {doc_id}: the answer carries no package")
        try:
            return base64.b64decode("".join(data.split()), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise AxisFault("bad_base64", f"getEdoc {doc_id}: the package is not base64 ({exc})") from exc

    def update_status(self, doc_id: str, status: str, *, desc: str = "") -> None:
        self._call("updateStatus", params={"docId": doc_id, "status": status, "from": self.from_code},
                   json_body={"description": desc[:500]} if desc else {})

    def sent_list(self, *, message_type: str, from_code: str | None = None) -> list[dict]:
        body = self._call("getSentEdocList", params={"from": from_code or self.from_code, "servicetype": "eDoc",
                                                      "messagetype": message_type})
        return _items(body)

    def count_received(self, *, message_type: str = "edoc") -> int:
        operation = "countReceiveEdoc" if message_type == "edoc" else "countReceiveStatus"
        body = self._call(operation, params={"from": self.from_code})
        return int(body.get("data") or 0)

    # --- directory -------------------------------------------------------------------------------

    def agencies_stream(self, *, qd20: bool = False, filters: dict | None = None):
        """The raw answer of getAgenciesList(QD20), streamed (the caller reads ``response.raw`` and closes it)."""
        response = self._call("getAgenciesListQD20" if qd20 else "getAgenciesList",
                              params={"from": self.from_code}, json_body=filters or {}, stream=True)
        if response.status_code >= 300:
            text = response.text
            response.close()
            outcome = protocol.classify(response.status_code, text)
            error = AxisTransient if outcome.retry else AxisFault
            raise error(outcome.code, f"getAgenciesList: {outcome.message}")
        return response


def _items(body: dict) -> list[dict]:
    data = body.get("data")
    if data is None:
        return []
    if isinstance(data, dict):
        data = data.get("items") or data.get("list") or []
    if not isinstance(data, list):
        raise AxisTransient("bad_list", "the list answer's data is not a list")
    return [item for item in data if isinstance(item, dict)]


def client_for(peer) -> AxisClient:
    return AxisClient(endpoint=peer.base_url, system_id=peer.system_id, secret=peer.system_secret,
                      from_code=peer.axis_from or settings.FEDERATION_PEER_CODE)
