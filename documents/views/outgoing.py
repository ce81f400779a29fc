"""Outgoing documents (văn bản đi): compose, issue, send, follow each recipient's status."""
from __future__ import annotations

from csp.constants import SELF
from csp.decorators import csp_replace
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404, HttpResponseNotModified
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from units.choices import Role, UnitKind
from units.models import Membership, Unit, UnitGroup
from units.selectors import unit_search as unit_search_selector

from egov.core.access import AccessAction
from egov.core.errors import PermissionDeniedError, ServiceError

from .. import services, tracking
from ..choices import AttachmentKind, DeliveryState, DocumentStatus, RequestKind, StatusCode
from ..filtersets import DocumentFilterSet
from ..forms import DispatchRequestForm, DocumentForm, SendForm, add_service_error
from ..models import Attachment, Dispatch
from ..selectors import (
    dispatch_summary,
    dispatches_of_document,
    documents_visible_to,
    incoming_visible_to,
    replies_of_document,
)
from . import held_files
from .access import DOC, FILE, access_panel, marked_pdf_response, note_view
from .common import active_unit_or_403, keyset_paginate

LEVEL_KINDS = [UnitKind.PROVINCE_COMMITTEE, UnitKind.DEPARTMENT, UnitKind.DISTRICT_COMMITTEE,
               UnitKind.COMMUNE_COMMITTEE]


def _count(**filters):
    return Coalesce(Subquery(
        Dispatch.objects.filter(document=OuterRef("pk"), **filters).order_by().values("document")
        .annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()), 0)


@login_required
@require_GET
def outgoing_list(request):
    ctx = active_unit_or_403(request)
    base = documents_visible_to(user=request.user).filter(owner_unit=ctx.unit)
    filterset = DocumentFilterSet(request.GET or None, queryset=base)
    qs = filterset.qs if filterset.is_bound and filterset.is_valid() else base
    # Per-row counts as correlated subqueries: computed for the page's rows only.
    qs = qs.annotate(n_total=_count(), n_pending=_count(status_code__in=["", StatusCode.ARRIVED]),
                     n_rejected=_count(status_code=StatusCode.REJECTED), n_failed=_count(state=DeliveryState.FAILED))
    page = keyset_paginate(qs, cursor=request.GET.get("after"), time_field="created_at")
    return render(request, "documents/outgoing_list.html", {"filter": filterset, "form": filterset.form, "page": page})


def _file_field(exc):
    """A refused file is shown next to the form field it came from."""
    kind = getattr(exc, "attachment_kind", None)
    if kind is not None:
        exc.field = "main_file" if kind == AttachmentKind.MAIN else "appendices"
    return exc


def _save_with_held_files(request, form, save):
    """
    Validate, then save with the chosen files and the files kept from a previous attempt (a
    newly chosen main file replaces a kept one). On any error the files that were fine are kept
    for the next attempt (held_files). Returns (saved object or None, kept files for the form).
    """
    kept = held_files.held(request, request.POST.getlist("held")) if request.method == "POST" else []
    if form.is_valid():
        uploads = form.uploads()
        if any(kind == AttachmentKind.MAIN for _f, kind in uploads):
            kept_now = [k for k in kept if k["kind"] != AttachmentKind.MAIN]
        else:
            kept_now = kept
        opened = held_files.open_held(kept_now)
        try:
            result = save(form, opened + uploads)
        except ServiceError as exc:
            add_service_error(form, _file_field(exc))
            refused = getattr(exc, "attachment_kind", None)
            fresh = [(f, k) for f, k in uploads if k != refused]
            return None, kept_now + held_files.hold(request, fresh)
        finally:
            for fh, _kind in opened:
                fh.close()
        held_files.release(kept_now)
        return result, []
    # The form is invalid: keep the files that were fine (their fields are clean).
    fresh = []
    data = getattr(form, "cleaned_data", {})
    if data.get("main_file"):
        fresh.append((data["main_file"], AttachmentKind.MAIN))
        kept = [k for k in kept if k["kind"] != AttachmentKind.MAIN]
    fresh += [(f, AttachmentKind.APPENDIX) for f in data.get("appendices") or []]
    return None, kept + held_files.hold(request, fresh)


@login_required
@require_http_methods(["GET", "POST"])
def document_create(request):
    ctx = active_unit_or_403(request)
    form = DocumentForm(request.POST or None, request.FILES or None)
    status, kept = 200, []
    if request.method == "POST":
        doc, kept = _save_with_held_files(request, form, lambda f, files: services.document_create_with_files(
            owner_unit=ctx.unit, acting_user=request.user, files=files, **f.document_fields()))
        if doc is not None:
            messages.success(request, _("The draft has been saved."))
            return redirect("documents:outgoing_detail", pk=doc.pk)
        status = 400
    return render(request, "documents/document_form.html", {"form": form, "kept_files": kept}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def document_edit(request, pk: int):
    """Change a draft's fields and add files, in one transaction; an issued document is frozen."""
    doc = _document_or_404(request, pk)
    if doc.status != DocumentStatus.DRAFT:
        messages.error(request, _("This document has been issued and can no longer be changed; "
                                  "send an update, replacement or revocation document instead."))
        return redirect("documents:outgoing_detail", pk=doc.pk)
    initial = {name: getattr(doc, name) for name in DocumentForm.DOCUMENT_FIELDS}
    form = DocumentForm(request.POST or None, request.FILES or None, initial=initial)
    status, kept = 200, []
    if request.method == "POST":
        saved, kept = _save_with_held_files(request, form, lambda f, files: services.document_update_with_files(
            document=doc, acting_user=request.user, files=files, **f.document_fields()))
        if saved is not None:
            messages.success(request, _("The draft has been saved."))
            return redirect("documents:outgoing_detail", pk=doc.pk)
        status = 400
    return render(request, "documents/document_form.html", {"form": form, "document": doc, "kept_files": kept},
                  status=status)


@login_required
@require_POST
def attachment_remove(request, pk: int):
    """Remove a file from a draft."""
    attachment = get_object_or_404(
        Attachment.objects.select_related("document").filter(document__in=documents_visible_to(user=request.user)),
        pk=pk)
    try:
        services.attachment_remove(attachment=attachment, acting_user=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The file %(name)s has been removed.") % {"name": attachment.original_name})
    return redirect("documents:outgoing_detail", pk=attachment.document_id)


def _recipient_tree(owner: Unit):
    """
    Units to pick from, grouped as the province is organised (one query): the province's own units
    only, whatever the size of the directory; remote units (the national directory) are found
    through the type-ahead.
    """
    units = list(Unit.objects.active().filter(is_local=True, kind__in=LEVEL_KINDS).exclude(pk=owner.pk)
                 .order_by("path"))
    by_parent: dict[int | None, list[Unit]] = {}
    for u in units:
        by_parent.setdefault(u.parent_id, []).append(u)
    districts = [u for u in units if u.kind == UnitKind.DISTRICT_COMMITTEE]
    district_ids = {d.pk for d in districts}
    return {
        "province": [u for u in units if u.kind == UnitKind.PROVINCE_COMMITTEE],
        "departments": [u for u in units if u.kind == UnitKind.DEPARTMENT],
        "districts": [(d, [c for c in by_parent.get(d.pk, []) if c.kind == UnitKind.COMMUNE_COMMITTEE])
                      for d in districts],
        "communes": [u for u in units if u.kind == UnitKind.COMMUNE_COMMITTEE and u.parent_id not in district_ids],
    }


def group_choices(owner: Unit, districts):
    choices = [("departments", _("All departments (sở, ban, ngành)")),
               ("districts", _("All districts")),
               ("communes", _("All communes")),
               ("province", _("Every unit of the province"))]
    choices += [(f"communes_of:{d.pk}", _("All communes of %(name)s") % {"name": d.name}) for d, _c in districts]
    choices += [(f"saved:{g.pk}", _("Saved list: %(name)s") % {"name": g.name})
                for g in UnitGroup.objects.filter(owner=owner).order_by("name")]
    return choices


def _document_or_404(request, pk):
    return get_object_or_404(documents_visible_to(user=request.user).select_related("owner_unit", "register"), pk=pk)


def _detail(request, doc, *, send_form=None, request_form=None, error=None, status=200):
    roles = set(Membership.objects.filter(user=request.user, unit=doc.owner_unit, is_active=True)
                .values_list("role", flat=True))
    is_clerk = Role.CLERK in roles
    can_send = is_clerk and doc.status == DocumentStatus.ISSUED and not doc.is_secret
    tree = groups = None
    if can_send:
        tree = _recipient_tree(doc.owner_unit)
        groups = group_choices(doc.owner_unit, tree["districts"])
        send_form = send_form or SendForm(group_choices=groups)
    ctx = {
        "doc": doc, "attachments": list(doc.attachments.all()), "is_clerk": is_clerk,
        "can_edit": doc.status == DocumentStatus.DRAFT and bool(roles & {Role.CLERK, Role.LEADER, Role.SPECIALIST}),
        "can_issue": is_clerk and doc.status == DocumentStatus.DRAFT,
        "can_send": can_send, "tree": tree, "send_form": send_form,
        "request_form": request_form or (DispatchRequestForm(dispatches=doc.dispatches.select_related("recipient"))
                                         if is_clerk and doc.sent_at else None),
        "error": error,
        "replies": replies_of_document(document=doc) if doc.due_date and doc.sent_at else None,
        **_status_context(doc),
    }
    ctx.update(access_panel(roles=roles, unit=doc.owner_unit, doc=doc, attachments=ctx["attachments"],
                            whole_document=True))
    return render(request, "documents/outgoing_detail.html", ctx, status=status)


STATUS_ROWS = 20  # the document page lists this many recipients; the tracking board has them all


def _status_context(doc):
    """
    The recipients' summary on the document page: counters per stage and at most STATUS_ROWS
    recipients (problems first); a document to 450 units links to the tracking board instead of
    printing a 13,000 px table. Polling stops once every recipient is in a final stage.
    """
    summary = dispatch_summary(document=doc)
    board = tracking.dispatch_board(document=doc) if summary["total"] else None
    delivered = summary["states"].get(DeliveryState.DELIVERED, 0)
    unfinished = sum(summary["states"].get(s, 0) for s in (DeliveryState.PENDING, DeliveryState.SENDING,
                                                           DeliveryState.RETRYING))
    total = summary["total"]
    dispatches = []
    if board is not None:
        by_pk = {d.pk: d for d in dispatches_of_document(document=doc).filter(
            pk__in=[r["pk"] for r in board.rows[:STATUS_ROWS]])}
        dispatches = [by_pk[r["pk"]] for r in board.rows[:STATUS_ROWS] if r["pk"] in by_pk]
    return {"dispatches": dispatches, "summary": summary, "delivered": delivered, "unfinished": unfinished,
            "percent": round(100 * delivered / total) if total else 0, "board": board,
            "stages": tracking.STAGES, "more_recipients": max(0, total - len(dispatches)),
            "poll": None if board is None or board.final else ("1s" if unfinished else "5s"),
            "status_labels": dict(StatusCode.choices)}


def _status_etag(doc) -> str:
    """Changes whenever a recipient's state or status does (one query over the dispatch events)."""
    from django.db.models import Max

    from ..models import DispatchEvent

    agg = DispatchEvent.objects.filter(dispatch__document=doc).aggregate(last=Max("pk"), n=Count("pk"))
    return f'"st-{doc.pk}-{agg["last"] or 0}-{agg["n"]}"'


@login_required
@require_GET
def outgoing_detail(request, pk: int):
    doc = _document_or_404(request, pk)
    note_view(request, DOC, doc.pk, unit_id=doc.owner_unit_id)
    return _detail(request, doc)


@login_required
@require_GET
def outgoing_status(request, pk: int):
    """The recipients' table alone; the page polls it with htmx while deliveries are under way."""
    doc = _document_or_404(request, pk)
    # Nothing changed since the last poll: 304 with no body (the browser reuses the table it has).
    etag = _status_etag(doc)
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    else:
        roles = set(Membership.objects.filter(user=request.user, unit=doc.owner_unit, is_active=True)
                    .values_list("role", flat=True))
        response = render(request, "documents/_dispatch_status.html",
                          {"doc": doc, "is_clerk": Role.CLERK in roles, **_status_context(doc)})
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    return response


def _service_error_page(request, doc, exc):
    status = 403 if isinstance(exc, PermissionDeniedError) else 400
    return _detail(request, doc, error=exc.message, status=status)


@login_required
@require_POST
def document_issue(request, pk: int):
    doc = _document_or_404(request, pk)
    try:
        doc = services.document_issue(document=doc, acting_user=request.user)
    except ServiceError as exc:
        return _service_error_page(request, doc, exc)
    messages.success(request, _("Number %(n)s has been allocated.") % {"n": doc.number_notation})
    return redirect("documents:outgoing_detail", pk=doc.pk)


@login_required
@require_POST
def attachment_upload(request, pk: int):
    doc = _document_or_404(request, pk)
    upload = request.FILES.get("file")
    kind = request.POST.get("kind") if request.POST.get("kind") in AttachmentKind.values else AttachmentKind.APPENDIX
    if upload is None:
        return _detail(request, doc, error=_("Choose a file."), status=400)
    try:
        services.attachment_add(document=doc, acting_user=request.user, upload=upload, name=upload.name, kind=kind)
    except ServiceError as exc:
        return _service_error_page(request, doc, exc)
    messages.success(request, _("The file has been attached."))
    return redirect("documents:outgoing_detail", pk=doc.pk)


@login_required
@require_POST
def document_send(request, pk: int):
    doc = _document_or_404(request, pk)
    tree = _recipient_tree(doc.owner_unit)
    form = SendForm(request.POST, group_choices=group_choices(doc.owner_unit, tree["districts"]))
    if not form.is_valid():
        return _detail(request, doc, send_form=form, status=400)
    try:
        sent = services.document_send(document=doc, acting_user=request.user, units=list(form.cleaned_data["units"]),
                                      groups=form.cleaned_data["groups"])
    except ServiceError as exc:
        add_service_error(form, exc)
        return _detail(request, doc, send_form=form,
                       status=403 if isinstance(exc, PermissionDeniedError) else 400)
    messages.success(request, _("Sending to %(n)d recipients.") % {"n": len(sent)})
    return redirect("documents:outgoing_detail", pk=doc.pk)


def _dispatch_of_sender(request, pk):
    d = get_object_or_404(Dispatch.objects.select_related("document", "sender", "recipient"), pk=pk)
    if not documents_visible_to(user=request.user).filter(pk=d.document_id).exists():
        raise Http404
    return d


@login_required
@require_POST
def dispatch_retry(request, pk: int):
    d = _dispatch_of_sender(request, pk)
    try:
        services.dispatch_retry(dispatch=d, acting_user=request.user)
    except ServiceError as exc:
        return _service_error_page(request, d.document, exc)
    messages.success(request, _("Delivery to %(unit)s will be tried again.") % {"unit": d.recipient.name})
    return redirect("documents:outgoing_detail", pk=d.document_id)


@login_required
@require_POST
def dispatch_request(request, pk: int):
    """A take-back or update request to one recipient (the dispatch is picked in the form)."""
    doc = _document_or_404(request, pk)
    form = DispatchRequestForm(request.POST, dispatches=doc.dispatches.select_related("recipient"))
    if not form.is_valid():
        return _detail(request, doc, request_form=form, status=400)
    data = form.cleaned_data
    try:
        services.dispatch_request(dispatch=data["dispatch"], acting_user=request.user, kind=data["kind"],
                                  reason=data["reason"])
    except ServiceError as exc:
        add_service_error(form, exc)
        return _detail(request, doc, request_form=form,
                       status=403 if isinstance(exc, PermissionDeniedError) else 400)
    messages.success(request, _("Your request has been sent to %(unit)s.") % {"unit": data["dispatch"].recipient.name})
    return redirect("documents:outgoing_detail", pk=doc.pk)


@login_required
@require_GET
@csp_replace({"frame-ancestors": [SELF]})  # the PDF viewer frame of the portal's own pages
def attachment_file(request, pk: int):
    """
    A file of a document the user may read: its own unit's, or one it received. Viewing shows
    the stored original (its signatures verify as they are); ``?download=1`` and ``?print=1``
    give a PDF marked "In từ hệ thống … bởi … lúc …" (PL VI III.6.k), ``?original=1`` the
    stored bytes as a download. Every access is logged.
    """
    att = get_object_or_404(Attachment.objects.select_related("document", "document__owner_unit"), pk=pk)
    unit = None
    if documents_visible_to(user=request.user).filter(pk=att.document_id).exists():
        unit = att.document.owner_unit
    else:
        rec = (incoming_visible_to(user=request.user).filter(document_id=att.document_id)
               .select_related("unit").first())
        unit = rec.unit if rec is not None else None
    if unit is None:
        raise Http404
    if att.destroyed_at is not None:  # h13b: retention ended; the metadata stays, the bytes are gone
        return render(request, "errors/_page.html", {
            "status": 410, "heading": _("The content of this file was destroyed"),
            "reason": _("The file %(name)s was destroyed on %(date)s after its retention period ended, "
                        "by the decision of the destruction council. Its description (name, size, "
                        "SHA-256) is kept; its content can no longer be viewed or downloaded.")
            % {"name": att.original_name, "date": date_format(timezone.localtime(att.destroyed_at), "d/m/Y")},
            "advice": _("Ask the unit's archive if you need the record of the decision.")}, status=410)
    is_pdf = att.mime_type == "application/pdf"
    printing = request.GET.get("print") == "1"
    download = request.GET.get("download") == "1" or request.GET.get("original") == "1"
    action = AccessAction.PRINT if printing else AccessAction.DOWNLOAD if download else AccessAction.VIEW
    note_view(request, FILE, att.pk, unit_id=unit.pk, action=action)
    if is_pdf and (printing or request.GET.get("download") == "1"):
        with att.file.open("rb") as fh:
            data = fh.read()
        return marked_pdf_response(request, att, data, unit_name=unit.name, inline=printing)
    inline = is_pdf and not download
    response = FileResponse(att.file.open("rb"), content_type=att.mime_type, as_attachment=not inline,
                            filename=att.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    if not inline:  # a downloaded file never runs script in the portal's origin (Chromium's PDF viewer refuses sandbox)
        response["Content-Security-Policy"] = "sandbox"
    response["X-Frame-Options"] = "SAMEORIGIN"
    return response


@login_required
@require_GET
def unit_search(request):
    """Type-ahead for the recipient picker: active units matching the term (with or without diacritics)."""
    ctx = active_unit_or_403(request)
    term = request.GET.get("term", "").strip()
    units = []
    if len(term) >= 2:
        # The province's own levels first; remote units (peer portals, the national directory) after.
        units = unit_search_selector(term=term, local_kinds=LEVEL_KINDS, exclude_pk=ctx.unit.pk, limit=20)
    return render(request, "documents/_unit_options.html", {"units": units, "term": term})


__all__ = ["outgoing_list", "document_create", "outgoing_detail", "outgoing_status", "document_issue",
           "attachment_upload", "document_send", "dispatch_retry", "dispatch_request", "attachment_file",
           "unit_search"]


# --- The sender's tracking board (issue 15) --------------------------------------------------

def _board_params(request):
    try:
        page = int(request.GET.get("page") or 1)
    except ValueError:
        page = 1
    return {"stage": [s for s in request.GET.getlist("stage") if s], "q": request.GET.get("q", "").strip(),
            "sort": request.GET.get("sort") or "problems", "page": page}


@login_required
@require_GET
def outgoing_tracking(request, pk: int):
    """Every recipient of one document: counters per stage, filter, sort, reasons, history, bulk requests."""
    doc = _document_or_404(request, pk)
    roles = set(Membership.objects.filter(user=request.user, unit=doc.owner_unit, is_active=True)
                .values_list("role", flat=True))
    board = tracking.dispatch_board(document=doc, **_board_params(request))
    return render(request, "documents/tracking.html", {
        "doc": doc, "board": board, "stages": tracking.STAGES, "sorts": tracking.SORTS,
        "is_clerk": Role.CLERK in roles, "request_kinds": RequestKind.choices,
    })


@login_required
@require_GET
def dispatch_history(request, pk: int):
    """One recipient's history (loaded into the board when the row is opened)."""
    d = _dispatch_of_sender(request, pk)
    return render(request, "documents/_dispatch_history.html",
                  {"d": d, "events": tracking.dispatch_history(dispatch=d)})


@login_required
@require_POST
def tracking_bulk(request, pk: int):
    """Ask many recipients at once (take back / update), or retry the failed deliveries: one service call each."""
    doc = _document_or_404(request, pk)
    back = request.POST.get("next") or ""
    if not back.startswith(f"/outgoing/{doc.pk}/"):
        back = f"/outgoing/{doc.pk}/tracking"
    try:
        ids = services.bulk_ids(request.POST.getlist("ids"))
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    by_id = {d.pk: d for d in doc.dispatches.select_related("recipient", "sender", "document").filter(pk__in=ids)}
    chosen = [by_id[i] for i in ids if i in by_id]
    action = request.POST.get("action", "")
    if action == "retry":
        result = services.BulkResult()
        for d in chosen:
            try:
                result.done.append(services.dispatch_retry(dispatch=d, acting_user=request.user))
            except ServiceError as exc:
                result.refused.append((d, exc.message))
    elif action in RequestKind.values:
        reason = request.POST.get("reason", "")
        if not reason.strip():
            messages.error(request, _("Give the reason for the request."))
            return redirect(back)
        result = services.dispatch_request_bulk(dispatches=chosen, acting_user=request.user, kind=action,
                                                reason=reason)
    else:
        messages.error(request, _("Unknown action."))
        return redirect(back)
    if result.done:
        messages.success(request, _("Done for %(n)d recipients.") % {"n": len(result.done)})
    for d, reason in result.refused:
        messages.error(request, _("%(unit)s: not done — %(reason)s") % {"unit": d.recipient.name, "reason": reason})
    return redirect(back)


__all__ += ["outgoing_tracking", "dispatch_history", "tracking_bulk"]
