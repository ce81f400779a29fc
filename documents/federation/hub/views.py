"""
The hub's endpoints under ``/vxp/``: ``POST /vxp/<operation>`` (``GET /vxp/downloadEdoc``), as an
agency system using the official SDK calls them. Every answer is JSON with ``status`` /
``ErrorCode`` / ``ErrorDesc`` — also for unknown operations (404), bad credentials (401) and
errors (500): the SDK reads an HTML page as "no documents".

Access: the signed headers (HMAC with the system's secret, timestamp within AXIS_REPLAY_WINDOW,
each signed header set used once: a replay is refused), ``from`` must be an agency the system
hosts, a per-system rate limit (calls per minute) and a package size limit.
"""
from __future__ import annotations

import base64
import json
import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from units.models import Unit

from ..axis import protocol
from ..models import HubNonce
from . import services
from .services import HubRefusal

__all__ = ["hub_endpoint"]

log = logging.getLogger(__name__)
HTTP_OF = {"0": 200, "400": 400, "401": 401, "403": 403, "404": 404, "405": 405, "408": 401, "409": 409,
           "413": 413, "422": 422, "429": 429, "500": 500, "503": 503}


def _answer(code: str = "0", desc: str = "", **data) -> JsonResponse:
    return JsonResponse(protocol.answer(code, desc, **data), status=HTTP_OF.get(code, 400),
                        json_dumps_params={"ensure_ascii": False})


def _authenticate(request):
    now = timezone.localtime()
    try:
        signed = protocol.read_signed_headers(
            request.headers, secret_for=lambda sid: getattr(services.hub_system_for(sid), "system_secret", ""),
            now=now, window=settings.AXIS_REPLAY_WINDOW)
    except protocol.HeaderError as exc:
        raise HubRefusal(exc.code, exc.message) from None
    system = services.hub_system_for(signed.system_id)
    limit = system.hub_rate_per_minute or settings.HUB_RATE_PER_MINUTE
    HubNonce.objects.filter(system=system, seen_at__lt=now - timedelta(seconds=2 * settings.AXIS_REPLAY_WINDOW)
                            ).delete()
    if HubNonce.objects.filter(system=system, seen_at__gte=now - timedelta(seconds=60)).count() >= limit:
        raise HubRefusal("429", f"more than {limit} calls in a minute from system {system.system_id}")
    try:
        with transaction.atomic():
            HubNonce.objects.create(system=system, digest=signed.digest, seen_at=now)
    except IntegrityError:
        raise HubRefusal("408", "these signed headers were already used (replay)") from None
    return system, signed.params


def _agency(system, params) -> str:
    code = params.get("from", "")
    if not code:
        raise HubRefusal("400", "XroadVnpt-from is required")
    if code != system.system_id and code not in services.hub_hosted_codes(system):
        raise HubRefusal("403", f"the agency {code!r} is not hosted by system {system.system_id!r}")
    return code


def _body(request, limit: int) -> bytes:
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > limit + 2:
        raise HubRefusal("413", f"the package is larger than {limit} bytes")
    data = request.read(limit + 3)
    if len(data) > limit + 2:
        raise HubRefusal("413", f"the package is larger than {limit} bytes")
    return data


def _agencies_stream(units):
    """The agency list as one JSON answer, written unit by unit (111,000 entries in constant memory)."""
    yield (json.dumps(protocol.answer("0"), ensure_ascii=False)[:-1] + ', "data": [').encode()
    first = True
    for unit in units.iterator(chunk_size=2000):
        item = {"code": unit["code"], "name": unit["name"], "shortName": unit["short_name"],
                "parentCode": unit["parent__code"] or "", "address": unit["address"], "email": unit["email"],
                "phone": unit["phone"], "fax": unit["fax"], "website": unit["website"]}
        yield (("" if first else ",") + json.dumps(item, ensure_ascii=False)).encode()
        first = False
    yield b"]}"


def _operation(request, operation: str):
    if operation == "downloadEdoc":
        if request.method not in ("GET", "POST"):
            raise HubRefusal("405", "downloadEdoc is a GET")
    elif request.method != "POST":
        raise HubRefusal("405", f"{operation} is a POST")
    system, params = _authenticate(request)
    if operation == "sendEdoc":
        limit = system.hub_max_bytes or settings.HUB_MAX_PACKAGE_BYTES
        data = _body(request, limit)
        if data.endswith(b"\r\n"):
            data = data[:-2]
        wanted = params.get("hash-file", "")
        if wanted:
            import hashlib

            if not protocol.hash_file_matches(wanted, hashlib.sha256(data).hexdigest()):
                raise HubRefusal("400", "XroadVnpt-hash-file does not match the package")
        result = services.hub_send(system=system, data=data, from_code=_agency(system, params),
                                   message_type=params.get("messagetype", "edoc"))
        return _answer("0", "", DocId=result["DocId"], data=result["DocId"], routes=result["routes"])
    if operation == "getReceivedEdocList":
        _agency(system, params)
        return _answer("0", data=services.hub_received(system=system, message_type=params.get("messagetype", "")))
    if operation in ("getEdoc", "downloadEdoc"):
        doc_id = params.get("docId") or request.GET.get("docId", "")
        if not doc_id:
            raise HubRefusal("400", "XroadVnpt-docId is required")
        data = services.hub_fetch(system=system, doc_id=doc_id)
        if operation == "downloadEdoc":
            return HttpResponse(data, content_type="application/octet-stream")
        return _answer("0", data=base64.b64encode(data).decode())
    if operation == "updateStatus":
        try:
            desc = str(json.loads(request.body or b"{}").get("description", ""))
        except (ValueError, AttributeError):
            desc = ""
        item = services.hub_update_status(system=system, doc_id=params.get("docId", ""),
                                          status=params.get("status", ""), desc=desc)
        return _answer("0", data={"docId": item.doc_id, "status": item.state})
    if operation == "getSentEdocList":
        code = _agency(system, params)
        return _answer("0", data=services.hub_sent(system=system, message_type=params.get("messagetype", ""),
                                                   from_code=code))
    if operation in ("countReceiveEdoc", "countReceiveStatus"):
        kind = "edoc" if operation == "countReceiveEdoc" else "status"
        return _answer("0", data=services.hub_count(system=system, message_type=kind))
    if operation in ("getAgenciesList", "getAgenciesListQD20", "getSynchronizeUnit"):
        units = Unit.objects.active().order_by("pk")
        if operation == "getSynchronizeUnit":
            units = units.filter(is_local=False, peer_ref=system.code)
        units = units.values("code", "name", "short_name", "parent__code", "address", "email", "phone", "fax",
                             "website")
        return StreamingHttpResponse(_agencies_stream(units), content_type="application/json; charset=utf-8")
    if operation in ("registerAgency", "deleteAgency"):
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            raise HubRefusal("400", "the body is not JSON") from None
        code = str(body.get("code") or body.get("agencyCode") or "")
        result = services.hub_agency_register(system=system, code=code, name=str(body.get("name") or code),
                                              delete=operation == "deleteAgency")
        return _answer("0", data=result)
    raise HubRefusal("404", f"unknown operation {operation!r}")


@csrf_exempt
def hub_endpoint(request, operation: str = ""):
    try:
        return _operation(request, operation.strip("/"))
    except HubRefusal as exc:
        return _answer(exc.code, exc.message)
    except Exception as exc:  # noqa: BLE001 - a machine client must get JSON, never the HTML error page
        log.exception("hub %s failed", operation)
        from egov.core.errors import ServiceError

        if isinstance(exc, ServiceError):
            return _answer("400", str(exc))
        return _answer("500", f"internal error ({type(exc).__name__})")
