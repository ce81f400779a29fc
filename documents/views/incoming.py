"""Incoming documents (văn bản đến): the inbox and the record page with the recipient's actions."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from units.choices import Role
from units.models import Membership

from egov.core.errors import PermissionDeniedError, ServiceError

from .. import services
from ..choices import DeliveryState, EventKind, HandlerRole, IncomingStatus, StatusCode, actor_label
from ..filtersets import IncomingRecordFilterSet, search_words
from ..forms import (
    AnswerRequestForm,
    AssignForm,
    BulkForm,
    FinishForm,
    OpinionForm,
    ProgressForm,
    RejectForm,
    add_service_error,
)
from ..models import IncomingRecord
from ..selectors import (
    QUEUE_CAP,
    QUEUES,
    incoming_queue,
    incoming_queue_counts,
    incoming_queues_for,
    incoming_unread_ids,
    incoming_visible_to,
)
from .access import REC, access_panel, note_view
from .common import active_unit_or_403, keyset_paginate, non_blank
from .followup import followup_context

OPEN = {IncomingStatus.ACCEPTED, IncomingStatus.ASSIGNED, IncomingStatus.IN_PROGRESS}


@login_required
@require_http_methods(["GET"])
def incoming_list(request):
    ctx = active_unit_or_403(request)
    base = incoming_visible_to(user=request.user, unit=ctx.unit)
    # An empty choice ("All") is no filter: drop blank values before binding, or the multiple
    # choice filter reports "" as an invalid choice on every search.
    query = non_blank(request.GET)
    filterset = IncomingRecordFilterSet(query or None, queryset=base)  # renders the form
    # The text search is applied by the paginator (newest rows first); the other filters here.
    term = query.get("q", "").strip()
    data = query.copy()
    data.pop("q", None)
    narrowed = IncomingRecordFilterSet(data or None, queryset=base)
    qs = narrowed.qs if narrowed.is_bound and narrowed.is_valid() else base
    queues = incoming_queues_for(ctx.roles)
    tab = query.get("tab") if query.get("tab") in queues else ""
    if tab:
        qs = incoming_queue(qs, queue=tab, user=request.user)
    qs = qs.select_related("document", "sender", "main_handler")
    search = (lambda rows: narrowed.filter_q(rows, "q", term)) if term else None
    page = keyset_paginate(qs, cursor=request.GET.get("after"), time_field="arrived_at", search=search,
                           search_words=search_words(term))
    unread = incoming_unread_ids(user=request.user, ids=[r.pk for r in page.rows])
    for r in page.rows:
        r.is_unread = r.pk in unread
    staff = (get_user_model().objects.filter(memberships__unit=ctx.unit, memberships__is_active=True)
             .distinct().order_by("first_name", "username").only("pk", "first_name", "last_name", "username"))
    counts = incoming_queue_counts(user=request.user, unit=ctx.unit, queues=queues, base=base)
    request.egov_queue_counts = counts  # the menu's counter reads it instead of counting again
    tabs = [{"key": q, "label": QUEUES[q], "count": counts[q], "capped": counts[q] > QUEUE_CAP} for q in queues]
    template = "documents/_incoming_rows.html" if request.headers.get("HX-Request") else "documents/incoming_list.html"
    return render(request, template, {
        "filter": filterset, "form": filterset.form, "page": page, "staff": staff, "tabs": tabs, "tab": tab,
        "statuses": IncomingStatus.choices, "selected_status": query.getlist("status"),
        "bulk": {"accept": Role.CLERK in ctx.roles, "assign": Role.LEADER in ctx.roles, "finish": True},
        "bulk_form": BulkForm(staff=staff),
    })


@login_required
@require_POST
def incoming_bulk(request):
    """
    Accept, assign or finish the ticked records: one service call per record (each its own
    transaction and audit row); the refused ones are listed with the service's reason.
    """
    ctx = active_unit_or_403(request)
    staff = _staff(ctx.unit)
    form = BulkForm(request.POST, staff=staff)
    back = request.POST.get("next") or ""
    if not back.startswith("/incoming/"):
        back = reverse("documents:incoming_list")
    if not form.is_valid():
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, e)
        return redirect(back)
    try:
        ids = services.bulk_ids(request.POST.getlist("ids"))
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    data = form.cleaned_data
    visible = incoming_visible_to(user=request.user, unit=ctx.unit).select_related("document")
    by_id = {r.pk: r for r in visible.filter(pk__in=ids)}
    records = [by_id[i] for i in ids if i in by_id]
    result = services.incoming_bulk(records=records, action=data["action"], acting_user=request.user,
                                    main_handler=data.get("main_handler"), deadline=data.get("deadline"),
                                    instruction=data.get("instruction") or "", note=data.get("note") or "")
    if result.done:
        messages.success(request, BULK_DONE[data["action"]]() % {"n": len(result.done)})
    for rec, reason in result.refused:
        messages.error(request, _("%(doc)s: not done — %(reason)s")
                       % {"doc": rec.document.number_notation or rec.document.subject[:60], "reason": reason})
    missing = len(ids) - len(records)
    if missing:
        messages.error(request, _("%(n)d of the chosen documents are not in your inbox.") % {"n": missing})
    return redirect(back)


BULK_DONE = {  # marked for translation here so makemessages finds them
    "accept": lambda: _("%(n)d documents entered in the incoming register."),
    "assign": lambda: _("%(n)d documents assigned."),
    "finish": lambda: _("%(n)d documents marked as done."),
}


def _timeline(rec: IncomingRecord) -> list[dict]:
    """
    The record's history, one entry per step. A progress note (05) or a finish (06) writes both
    a business status on the dispatch and a handling note in the same transaction; they are one
    step for the reader, so the note is folded into its status entry (same author, written within
    a few seconds) instead of being listed twice.
    """
    notes = list(rec.notes.all())
    used: set[int] = set()
    items = []
    remote_sender = not rec.dispatch.sender.is_local
    for e in rec.dispatch.events.all():
        if e.kind != EventKind.BUSINESS:
            if remote_sender and e.code == DeliveryState.PENDING and e.note:
                # How the package came in, with what the import tolerated (warnings the clerk should see).
                items.append({"at": e.at, "label": _("Received from another system"),
                              "who": actor_label(e.actor_id, e.actor_name), "note": e.note_display,
                              "code": e.code, "progress": None})
            continue
        label = StatusCode(e.code).label if e.code in StatusCode.values else e.code
        item = {"at": e.at, "label": label, "who": actor_label(e.actor_id, e.actor_name), "note": e.note_display,
                "code": e.code, "progress": None}
        if e.code in (StatusCode.IN_PROGRESS, StatusCode.DONE):
            for n in notes:
                if n.pk not in used and n.author_id == e.actor_id and abs((n.created_at - e.at).total_seconds()) < 5:
                    used.add(n.pk)
                    item["note"], item["progress"] = n.text, n.progress
                    break
        items.append(item)
    for n in notes:
        if n.pk in used:
            continue
        items.append({"at": n.created_at, "label": n.get_kind_display() if hasattr(n, "get_kind_display")
                      else _("Handling note"), "who": n.author.get_full_name() or n.author.username,
                      "note": n.text, "progress": n.progress, "code": "note"})
    items.sort(key=lambda i: i["at"])
    return items


def _staff(unit):
    return (get_user_model().objects.filter(memberships__unit=unit, memberships__is_active=True)
            .distinct().order_by("first_name", "username"))


def incoming_permissions(rec: IncomingRecord, user, roles: set[str], assignments) -> dict:
    """Which actions to offer (the services enforce the same rules; this only hides controls)."""
    mine = {a.role for a in assignments if a.user_id == user.pk and a.is_active}
    return {
        "accept": Role.CLERK in roles and rec.status == IncomingStatus.ARRIVED,
        "reject": Role.CLERK in roles and rec.status == IncomingStatus.ARRIVED,
        "answer": Role.CLERK in roles and bool(rec.open_request),
        "assign": Role.LEADER in roles and rec.status in OPEN,
        "progress": bool(mine & {HandlerRole.MAIN, HandlerRole.CO})
        and rec.status in (IncomingStatus.ASSIGNED, IncomingStatus.IN_PROGRESS),
        "finish": HandlerRole.MAIN in mine and rec.status in (IncomingStatus.ASSIGNED, IncomingStatus.IN_PROGRESS),
        "opinion": HandlerRole.CO in mine and rec.status in (IncomingStatus.ASSIGNED, IncomingStatus.IN_PROGRESS),
    }


def _detail(request, pk: int, *, forms: dict | None = None, status: int = 200, log_view: bool = False,
            mark_read: bool = False):
    rec = get_object_or_404(
        incoming_visible_to(user=request.user).select_related(
            "document", "document__owner_unit", "sender", "unit", "dispatch", "main_handler", "register",
            "accepted_by", "verification"),
        pk=pk)
    if log_view:
        note_view(request, REC, rec.pk, unit_id=rec.unit_id)
    roles = set(Membership.objects.filter(user=request.user, unit=rec.unit, is_active=True)
                .values_list("role", flat=True))
    assignments = list(rec.assignments.select_related("user").filter(is_active=True))
    can = incoming_permissions(rec, request.user, roles, assignments)
    rec.dispatch.document = rec.document
    forms = forms or {}
    staff = _staff(rec.unit) if can["assign"] else None
    context = {
        "rec": rec, "doc": rec.document, "can": can, "roles": roles,
        "attachments": list(rec.document.attachments.all()),
        "assignments": assignments, "timeline": _timeline(rec),
        "reject_form": forms.get("reject") or RejectForm(),
        "assign_form": forms.get("assign") or (AssignForm(staff=staff, initial={"deadline": rec.deadline})
                                               if can["assign"] else None),
        "progress_form": forms.get("progress") or ProgressForm(),
        "finish_form": forms.get("finish") or FinishForm(),
        "answer_form": forms.get("answer") or AnswerRequestForm(),
        "opinion_form": forms.get("opinion") or OpinionForm(),
        "error": forms.get("_error"),
    }
    context.update(followup_context(rec, request.user, roles))
    context.update(access_panel(roles=roles, unit=rec.unit, doc=rec.document, attachments=context["attachments"],
                                record=rec))
    if mark_read:  # opened: no longer bold in the inbox nor counted as unread
        services.incoming_mark_read(incoming=rec, acting_user=request.user)
    return render(request, "documents/incoming_detail.html", context, status=status)


@login_required
def incoming_detail(request, pk: int):
    return _detail(request, pk, log_view=True, mark_read=True)


ACTIONS = {
    "accept": (None, lambda rec, user, data: services.incoming_accept(incoming=rec, acting_user=user)),
    "reject": (RejectForm, lambda rec, user, data: services.incoming_reject(incoming=rec, acting_user=user,
                                                                            reason=data["reason"])),
    "assign": (AssignForm, lambda rec, user, data: services.incoming_assign(
        incoming=rec, acting_user=user, main_handler=data["main_handler"], co_handlers=data["co_handlers"],
        readers=data["readers"], deadline=data["deadline"], instruction=data["instruction"])),
    "progress": (ProgressForm, lambda rec, user, data: services.incoming_progress(
        incoming=rec, acting_user=user, note=data["note"], progress=data["progress"])),
    "finish": (FinishForm, lambda rec, user, data: services.incoming_finish(incoming=rec, acting_user=user,
                                                                            note=data["note"])),
    "answer": (AnswerRequestForm, lambda rec, user, data: services.incoming_answer_request(
        incoming=rec, acting_user=user, agree=data["agree"], note=data["note"])),
    "opinion": (OpinionForm, lambda rec, user, data: services.incoming_opinion(
        incoming=rec, acting_user=user, text=data["text"])),
}
SUCCESS = {  # marked for translation here so makemessages finds them
    "accept": lambda: _("The document is entered in the incoming register."),
    "reject": lambda: _("The document has been returned to the sender."),
    "assign": lambda: _("The handling has been assigned."),
    "progress": lambda: _("Your note has been saved."),
    "finish": lambda: _("The document is marked as done."),
    "answer": lambda: _("Your answer has been sent to the sender."),
    "opinion": lambda: _("Your opinion has been recorded for the main handler."),
}


@login_required
@require_POST
def incoming_action(request, pk: int, action: str):
    if action not in ACTIONS:
        return redirect("documents:incoming_detail", pk=pk)
    rec = get_object_or_404(incoming_visible_to(user=request.user).select_related("unit"), pk=pk)
    form_class, call = ACTIONS[action]
    form = None
    data = {}
    if form_class is not None:
        kwargs = {"staff": _staff(rec.unit)} if form_class is AssignForm else {}
        form = form_class(request.POST, **kwargs)
        if not form.is_valid():
            return _detail(request, pk, forms={action: form}, status=400)
        data = form.cleaned_data
    try:
        result = call(rec, request.user, data)
    except ServiceError as exc:
        if form is None:
            return _detail(request, pk, forms={"_error": exc.message}, status=403 if isinstance(
                exc, PermissionDeniedError) else 400)
        add_service_error(form, exc)
        return _detail(request, pk, forms={action: form},
                       status=403 if isinstance(exc, PermissionDeniedError) else 400)
    if action == "accept":
        messages.success(request, _("The document is entered in the incoming register as no. %(n)d.")
                         % {"n": result.incoming_number})
    else:
        messages.success(request, SUCCESS[action]())
    return redirect("documents:incoming_detail", pk=pk)


@login_required
@require_http_methods(["GET"])
def incoming_stamped(request, pk: int):
    """The main file with the ĐẾN stamp, for the viewer and the print (a derivative copy)."""
    rec = get_object_or_404(incoming_visible_to(user=request.user).select_related("unit", "document", "main_handler"),
                            pk=pk)
    try:
        body = services.incoming_stamped_pdf(incoming=rec)
    except ServiceError as exc:
        raise Http404(exc.message) from None
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="den-{rec.incoming_number}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    response["X-Frame-Options"] = "SAMEORIGIN"
    return response
