"""In-app notifications and the unit switcher."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from units.portal import set_active_unit

from egov.core.models import Notification
from egov.core.notifications import notification_mark_read

from ..choices import NotificationKind
from ..models import Dispatch, IncomingRecord


def _targets(items) -> None:
    """
    The page each notification leads to (one query for the dispatches). A dispatch notification
    told to the recipient's unit (a new arrival) leads to its incoming record; told to the
    sender's unit (a status, a failure), to the sent document.
    """
    dispatches = {d["pk"]: d for d in Dispatch.objects.filter(
        pk__in=[n.object_id for n in items if n.object_type == "dispatch"])
        .values("pk", "document_id", "recipient_id", "incoming__pk", "document__subject")}
    incoming = dict(IncomingRecord.objects.filter(pk__in=[n.object_id for n in items if n.object_type == "incoming"])
                    .values_list("pk", "document__subject"))
    for n in items:
        # The title is the kind (a code) and the sentence its message code with parameters, both
        # in the reader's language (rows older than the codes show their stored sentence).
        n.title = NotificationKind(n.kind).label if n.kind in NotificationKind.values else ""
        n.subject = (incoming.get(n.object_id) if n.object_type == "incoming"
                     else dispatches.get(n.object_id, {}).get("document__subject") if n.object_type == "dispatch"
                     else "")
        n.target = None
        d = dispatches.get(n.object_id) if n.object_type == "dispatch" else None
        if n.object_type == "incoming" and n.object_id:
            n.target = ("documents:incoming_detail", n.object_id)
        elif d is not None and n.unit_id == d["recipient_id"] and d["incoming__pk"]:
            n.target = ("documents:incoming_detail", d["incoming__pk"])
        elif d is not None:
            n.target = ("documents:outgoing_detail", d["document_id"])
        elif n.object_type == "draft" and n.object_id:
            n.target = ("documents:draft_detail", n.object_id)


@login_required
@require_GET
def notification_list(request):
    items = list(Notification.objects.filter(user=request.user).order_by("-created_at", "-pk")[:100])
    _targets(items)
    return render(request, "documents/notifications.html", {"items": items})


@login_required
@require_GET
def notification_open(request, pk: int):
    """Follow a notification: it is read from then on, and the user lands on its page."""
    n = get_object_or_404(Notification, pk=pk, user=request.user)
    notification_mark_read(user=request.user, notification_ids=[n.pk])
    _targets([n])
    if n.target is None:
        return redirect("documents:notifications")
    return redirect(n.target[0], n.target[1])


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
