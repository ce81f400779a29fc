"""Follow-up pages (issue 14): chasing, extensions and removals on a record; late replies; reminder policy."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from egov.core.errors import ServiceError
from units.choices import Role

from .. import services
from ..choices import ExtensionState, HandlerRole, IncomingStatus
from ..followup_forms import (
    AssigneeRemoveForm,
    ChaseAckForm,
    ChaseForm,
    ExtensionDecideForm,
    ExtensionRequestForm,
    ReminderPolicyForm,
)
from ..models import Chase, DeadlineExtension, IncomingAssignment, ReminderPolicy
from ..selectors import incoming_visible_to, late_replies
from .common import active_unit_or_403

__all__ = ["followup_context", "incoming_followup", "late_replies_view", "reminder_policy_view"]

OPEN = {IncomingStatus.ACCEPTED, IncomingStatus.ASSIGNED, IncomingStatus.IN_PROGRESS}


def followup_context(rec, user, roles: set[str]) -> dict:
    """What the record page shows of the follow-up, and which controls to offer (services enforce)."""
    all_assignments = list(rec.assignments.select_related("user", "removed_by").order_by("assigned_at", "pk"))
    active = [a for a in all_assignments if a.is_active]
    handlers = [a.user for a in active if a.role in (HandlerRole.MAIN, HandlerRole.CO)]
    mine = next((a for a in active if a.user_id == user.pk and a.role in (HandlerRole.MAIN, HandlerRole.CO)), None)
    is_open = rec.status in OPEN
    extensions = list(rec.extensions.select_related("requested_by", "decided_by", "assignment"))
    is_leader = Role.LEADER in roles
    for ext in extensions:
        ext.can_decide = ext.state == ExtensionState.PENDING and (is_leader or ext.assignment.assigned_by_id == user.pk)
    chases = list(rec.chases.select_related("target", "created_by"))
    for c in chases:
        c.can_ack = c.target_id == user.pk and c.acknowledged_at is None
    return {
        "chases": chases, "extensions": extensions,
        "assignment_history": [a for a in all_assignments if not a.is_active and a.removed_at],
        "removable": [a for a in active if a.role != HandlerRole.MAIN] if is_leader and is_open else [],
        "chase_form": ChaseForm(handlers=handlers, initial={"target": rec.main_handler_id})
        if is_open and handlers and roles & set(services.CHASER_ROLES) else None,
        "extension_form": ExtensionRequestForm() if is_open and mine is not None and not any(
            e.state == ExtensionState.PENDING and e.assignment_id == mine.pk for e in extensions) else None,
        "decide_form": ExtensionDecideForm(initial={"grant": "1"}),
        "ack_form": ChaseAckForm(),
        "remove_form": AssigneeRemoveForm(),
    }


def _error(request, rec_pk, exc):
    messages.error(request, exc.message if isinstance(exc, ServiceError) else str(exc))
    return redirect("documents:incoming_detail", pk=rec_pk)


def _invalid(request, rec_pk, form):
    errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
    messages.error(request, errors)
    return redirect("documents:incoming_detail", pk=rec_pk)


@login_required
@require_POST
def incoming_followup(request, pk: int, action: str, item: int | None = None):
    """One follow-up action on a record: chase, ack, extend, decide, remove."""
    rec = get_object_or_404(incoming_visible_to(user=request.user).select_related("unit", "main_handler"), pk=pk)
    try:
        if action == "chase":
            handlers = [a.user for a in rec.assignments.filter(is_active=True, role__in=[HandlerRole.MAIN,
                                                                                         HandlerRole.CO])
                        .select_related("user")]
            form = ChaseForm(request.POST, handlers=handlers)
            if not form.is_valid():
                return _invalid(request, pk, form)
            target = next((u for u in handlers if u.pk == form.cleaned_data["target"]), None)
            chase = services.chase_send(incoming=rec, acting_user=request.user, kind=form.cleaned_data["kind"],
                                        text=form.cleaned_data["text"], target=target)
            messages.success(request, _("Chase no. %(n)d has been sent.") % {"n": chase.number})
        elif action == "ack":
            chase = get_object_or_404(Chase, pk=item, incoming=rec)
            form = ChaseAckForm(request.POST)
            form.is_valid()
            services.chase_acknowledge(chase=chase, acting_user=request.user,
                                       answer=form.cleaned_data.get("answer", ""))
            messages.success(request, _("You have acknowledged the chase."))
        elif action == "extend":
            form = ExtensionRequestForm(request.POST)
            if not form.is_valid():
                return _invalid(request, pk, form)
            services.extension_request(incoming=rec, acting_user=request.user, **form.cleaned_data)
            messages.success(request, _("Your request for more time has been sent."))
        elif action == "decide":
            ext = get_object_or_404(DeadlineExtension, pk=item, incoming=rec)
            form = ExtensionDecideForm(request.POST)
            if not form.is_valid():
                return _invalid(request, pk, form)
            services.extension_decide(extension=ext, acting_user=request.user, grant=form.cleaned_data["grant"],
                                      deadline=form.cleaned_data["deadline"], note=form.cleaned_data["note"])
            messages.success(request, _("The decision has been recorded."))
        elif action == "remove":
            assignment = get_object_or_404(IncomingAssignment, pk=item, incoming=rec)
            form = AssigneeRemoveForm(request.POST)
            if not form.is_valid():
                return _invalid(request, pk, form)
            services.assignee_remove(assignment=assignment, acting_user=request.user,
                                     reason=form.cleaned_data["reason"])
            messages.success(request, _("The assignee has been removed."))
        else:
            return redirect("documents:incoming_detail", pk=pk)
    except ServiceError as exc:
        return _error(request, pk, exc)
    return redirect("documents:incoming_detail", pk=pk)


@login_required
@require_GET
def late_replies_view(request):
    """The unit's outgoing documents whose recipients have not answered by the due date."""
    ctx = active_unit_or_403(request)
    if not ctx.roles & {Role.CLERK, Role.LEADER, Role.UNIT_ADMIN}:
        raise PermissionDenied(_("The late replies are followed by the clerks and leaders of the unit."))
    return render(request, "documents/late_replies.html", {"rows": late_replies(unit=ctx.unit)})


@login_required
@require_http_methods(["GET", "POST"])
def reminder_policy_view(request):
    ctx = active_unit_or_403(request)
    from django.conf import settings

    policy = ReminderPolicy.objects.filter(unit=ctx.unit).first()
    initial = ({"days_before": policy.days_before, "every_days_after": policy.every_days_after,
                "enabled": policy.enabled} if policy else
               {"days_before": settings.REMINDER_DAYS_BEFORE, "every_days_after": settings.REMINDER_EVERY_DAYS_AFTER,
                "enabled": True})
    form = ReminderPolicyForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.reminder_policy_set(unit=ctx.unit, acting_user=request.user, **form.cleaned_data)
            except ServiceError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The reminder settings have been saved."))
                return redirect("documents:reminder_policy")
        status = 400
    return render(request, "documents/reminder_policy.html", {"form": form}, status=status)
