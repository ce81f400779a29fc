"""In-app notifications and the unit switcher."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from units.portal import set_active_unit

from egov.core.models import Notification
from egov.core.notifications import notification_mark_read

from ..models import Dispatch, IncomingRecord

@login_required
@require_GET
def notification_list(request):
    items = list(Notification.objects.filter(user=request.user).order_by("-created_at", "-pk")[:100])
    dispatch_docs = dict(
        Dispatch.objects.filter(pk__in=[n.object_id for n in items if n.object_type == "dispatch"]).values_list("pk", "document_id"))
    # "New incoming document" names the dispatch; the recipient's page is its incoming record (issue 16:
    # it used to link to the sender's page, a 404 for the recipient).
    received = {(d, u): pk for pk, d, u in IncomingRecord.objects.filter(
        dispatch_id__in=list(dispatch_docs)).values_list("pk", "dispatch_id", "unit_id")}
    for n in items:
        n.target = None
        if n.object_type == "incoming" and n.object_id:
            n.target = ("documents:incoming_detail", n.object_id)
        elif n.object_type == "dispatch" and (n.object_id, n.unit_id) in received:
            n.target = ("documents:incoming_detail", received[(n.object_id, n.unit_id)])
        elif n.object_type == "dispatch" and n.object_id in dispatch_docs:
            n.target = ("documents:outgoing_detail", dispatch_docs[n.object_id])
    return render(request, "documents/notifications.html", {"items": items})


@login_required
@require_POST
def notification_read(request):
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()] or None
    notification_mark_read(user=request.user, notification_ids=ids)
    return redirect("documents:notifications")


def _safe_next(request, default="home"):
    nxt = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return nxt
    return default


@login_required
@require_POST
def switch_unit(request):
    raw = request.POST.get("unit", "")
    if raw.isdigit():
        set_active_unit(request, int(raw))
    return redirect(_safe_next(request))
