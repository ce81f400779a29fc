"""
The "Dự thảo" pages: queues with counters (my drafts, chờ góp ý, chờ duyệt, chờ ký, chờ phát
hành), a draft's page (versions, compare, comments and their table, the approval actions by
state, signing, issue, the trail), the comment form (works on a phone), and on the incoming
side the division assignment, the division head's hand-on, a unit's comment answer and the
printable handling slip. Views call services and selectors only.
"""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from egov.core.errors import PermissionDeniedError, ServiceError
from units.choices import Role
from units.models import Division, Membership, Unit

from .. import services
from ..choices import DraftState, HandlerRole
from ..drafts_forms import (
    AnswerForm,
    ApproveForm,
    CommentRequestForm,
    DivisionAssignForm,
    DraftForm,
    ExtendForm,
    HandOnForm,
    ReturnForm,
    SignForm,
    SubmitForm,
    VersionForm,
)
from ..drafts_selectors import (
    QUEUES,
    comment_table,
    comment_table_pdf,
    comment_table_xlsx,
    draft_queues,
    drafts_visible_to,
    version_diff,
)
from ..forms import add_service_error
from ..models import CommentRequest, CommentTarget, DraftVersion, IncomingDivisionAssignment
from ..selectors import incoming_visible_to
from .common import active_unit_or_403


def _staff(unit):
    return (get_user_model().objects.filter(memberships__unit=unit, memberships__is_active=True).distinct()
            .order_by("first_name", "last_name", "username"))


def _leaders(unit):
    return (get_user_model().objects.filter(memberships__unit=unit, memberships__is_active=True,
                                            memberships__role=Role.LEADER).distinct().order_by("first_name"))


@login_required
@require_GET
def draft_list(request):
    ctx = active_unit_or_403(request)
    queues = draft_queues(user=request.user, unit=ctx.unit)
    tab = request.GET.get("q", "")
    if tab not in QUEUES:
        tab = next((q for q in ("review", "sign", "issue", "comments") if queues["counts"][q]), "mine")
    return render(request, "documents/drafts/list.html", {"queues": queues, "tab": tab, "tabs": [
        ("mine", _("My drafts")), ("comments", _("Awaiting my comments")), ("review", _("Awaiting my review")),
        ("sign", _("Awaiting my signature")), ("issue", _("Awaiting issue"))]})


@login_required
def draft_create(request):
    ctx = active_unit_or_403(request)
    form = DraftForm(request.POST or None, request.FILES or None, unit=ctx.unit)
    replies = [int(x) for x in request.GET.getlist("reply") + request.POST.getlist("reply") if str(x).isdigit()]
    records = list(incoming_visible_to(user=request.user, unit=ctx.unit).filter(pk__in=replies))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            draft = services.draft_create(owner_unit=ctx.unit, acting_user=request.user, subject=data["subject"],
                                          upload=data["file"], file_name=data["file"].name,
                                          division=data["division"], replies_to=records, note=data["note"],
                                          doc_type=data["doc_type"], urgency=data["urgency"],
                                          recipients_text=data["recipients_text"])
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The draft has been created."))
            return redirect("documents:draft_detail", pk=draft.pk)
    return render(request, "documents/drafts/form.html", {"form": form, "records": records},
                  status=400 if request.method == "POST" else 200)


def _get_draft(request, pk):
    return get_object_or_404(drafts_visible_to(user=request.user).select_related(
        "document", "owner_unit", "division", "drafter", "signer", "on_behalf_of", "approved_version", "delegation"),
        pk=pk)


def _can(draft, user) -> dict:
    roles = set(Membership.objects.filter(user=user, unit=draft.owner_unit, is_active=True)
                .values_list("role", flat=True))
    reviewers = services.draft_reviewers(draft)
    drafter = user.pk == draft.drafter_id or Role.LEADER in roles
    reviewing = draft.state in (DraftState.CONTENT_REVIEW, DraftState.FORM_REVIEW, DraftState.SIGNER_REVIEW)
    return {
        "version": (draft.state == DraftState.DRAFTING and drafter) or (user.pk in reviewers and draft.state not in (
            DraftState.SIGNED, DraftState.ISSUED) and draft.state != DraftState.DRAFTING),
        "comments": drafter and draft.state in (DraftState.DRAFTING, DraftState.CONTENT_REVIEW),
        "submit": drafter and draft.state == DraftState.DRAFTING,
        "approve": reviewing and user.pk in reviewers,
        "form_check": draft.state == DraftState.FORM_REVIEW and user.pk in reviewers,
        "return": (reviewing or draft.state == DraftState.APPROVED) and user.pk in reviewers,
        "sign": draft.state == DraftState.APPROVED and user.pk == draft.signer_id,
        "issue": draft.state == DraftState.SIGNED and Role.CLERK in roles,
        "send_requests": Role.CLERK in roles,
        "drafter": drafter,
    }


def _detail(request, pk, *, forms=None, status=200):
    from signatures.services.personal import signer_block, signing_method_of

    draft = _get_draft(request, pk)
    can = _can(draft, request.user)
    forms = forms or {}
    unit = draft.owner_unit
    versions = list(draft.versions.select_related("author").order_by("number"))
    requests_ = list(draft.comment_requests.select_related("document", "version", "requested_by").order_by("pk"))
    events = list(draft.events.select_related("version").order_by("at", "pk"))
    method = signing_method_of(user=request.user) if can["sign"] else None
    block = None
    if draft.signer_id:
        delegator_title = draft.delegation.delegator_title if draft.delegation_id else ""
        block = signer_block(competence=draft.competence, signer_name=draft.document.signer_name or
                             (draft.signer.get_full_name() or draft.signer.username),
                             signer_title=draft.document.signer_position or "", delegator_title=delegator_title,
                             collective=unit.name)
    other_units = Unit.objects.active().filter(is_local=True).exclude(pk=unit.pk).order_by("path")
    context = {
        "draft": draft, "doc": draft.document, "can": can, "versions": versions, "requests": requests_,
        "events": events, "table": comment_table(draft=draft), "method": method, "signer_block": block,
        "replies": list(draft.replies_to.select_related("sender", "document")),
        "version_form": forms.get("version") or VersionForm(),
        "submit_form": forms.get("submit") or SubmitForm(staff=_staff(unit), leaders=_leaders(unit)),
        "approve_form": forms.get("approve") or ApproveForm(),
        "return_form": forms.get("return") or ReturnForm(),
        "sign_form": forms.get("sign") or SignForm(),
        "comments_form": forms.get("comments") or (CommentRequestForm(staff=_staff(unit).exclude(pk=request.user.pk),
                                                                      units=other_units) if can["comments"] else None),
        "extend_form": ExtendForm(),
        "error": forms.get("_error"),
    }
    return render(request, "documents/drafts/detail.html", context, status=status)


@login_required
@require_GET
def draft_detail(request, pk: int):
    return _detail(request, pk)


def _approve(d, u, data):
    return services.draft_approve(draft=d, acting_user=u, note=data["note"],
                                  checklist={k: True for k in data["checklist"]})


DRAFT_ACTIONS = {
    "version": (VersionForm, lambda d, u, data: services.draft_version_add(
        draft=d, acting_user=u, upload=data["file"], file_name=data["file"].name, note=data["note"]),
        lambda: _("The new version has been saved.")),
    "submit": (SubmitForm, lambda d, u, data: services.draft_submit(
        draft=d, acting_user=u, signer=data["signer"], competence=data["competence"],
        on_behalf_of=data["on_behalf_of"], note=data["note"]), lambda: _("The draft has been submitted.")),
    "approve": (ApproveForm, _approve, lambda: _("Approved.")),
    "return": (ReturnForm, lambda d, u, data: services.draft_return(draft=d, acting_user=u, note=data["note"]),
               lambda: _("The draft has been returned to the drafter.")),
    "sign": (SignForm, lambda d, u, data: services.draft_sign(draft=d, acting_user=u, pin=data["pin"]),
             lambda: _("The draft is signed.")),
    "issue": (None, lambda d, u, data: services.draft_issue(draft=d, acting_user=u),
              lambda: _("The document is numbered, sealed and issued. Choose its recipients and send it.")),
    "comments": (CommentRequestForm, lambda d, u, data: services.comment_request_create(
        draft=d, acting_user=u, deadline=data["deadline"], users=list(data["users"]), units=list(data["units"]),
        message=data["message"]), lambda: _("Comments have been requested.")),
}


@login_required
@require_POST
def draft_action(request, pk: int, action: str):
    if action not in DRAFT_ACTIONS:
        raise Http404
    draft = _get_draft(request, pk)
    form_class, call, success = DRAFT_ACTIONS[action]
    form, data = None, {}
    if form_class is not None:
        unit = draft.owner_unit
        kwargs = ({"staff": _staff(unit), "leaders": _leaders(unit)} if form_class is SubmitForm else
                  {"staff": _staff(unit), "units": Unit.objects.active().exclude(pk=unit.pk)}
                  if form_class is CommentRequestForm else {})
        form = form_class(request.POST, request.FILES, **kwargs)
        if not form.is_valid():
            return _detail(request, pk, forms={action: form}, status=400)
        data = form.cleaned_data
    try:
        call(draft, request.user, data)
    except ServiceError as exc:
        status = 403 if isinstance(exc, PermissionDeniedError) else 400
        if form is None:
            return _detail(request, pk, forms={"_error": exc.message}, status=status)
        add_service_error(form, exc)
        return _detail(request, pk, forms={action: form, "_error": exc.message}, status=status)
    messages.success(request, success())
    if action == "issue":
        return redirect("documents:outgoing_detail", pk=draft.document_id)
    return redirect("documents:draft_detail", pk=pk)


@login_required
@require_POST
def comment_request_action(request, pk: int, action: str):
    req = get_object_or_404(CommentRequest.objects.filter(draft__in=drafts_visible_to(user=request.user)), pk=pk)
    try:
        if action == "send":
            services.comment_request_send(request=req, acting_user=request.user)
            messages.success(request, _("The request has been numbered and sent to the units."))
        elif action == "extend":
            form = ExtendForm(request.POST)
            if not form.is_valid():
                return _detail(request, req.draft_id, forms={"_error": _("Give the new deadline.")}, status=400)
            services.comment_request_extend(request=req, acting_user=request.user, deadline=form.cleaned_data["deadline"])
            messages.success(request, _("The deadline has been extended."))
        else:
            raise Http404
    except ServiceError as exc:
        return _detail(request, req.draft_id, forms={"_error": exc.message},
                       status=403 if isinstance(exc, PermissionDeniedError) else 400)
    return redirect(request.POST.get("next") or "documents:draft_detail", **(
        {} if request.POST.get("next") else {"pk": req.draft_id}))


@login_required
@require_GET
def draft_version_file(request, pk: int, number: int):
    draft = _get_draft(request, pk)
    version = get_object_or_404(DraftVersion, draft=draft, number=number)
    response = FileResponse(version.path and services.draft_read_version(version), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="du-thao-{draft.pk}-v{number}.pdf"'
    return response


@login_required
@require_GET
def draft_compare(request, pk: int):
    draft = _get_draft(request, pk)
    numbers = list(draft.versions.order_by("number").values_list("number", flat=True))
    try:
        a = int(request.GET.get("a") or (numbers[-2] if len(numbers) > 1 else numbers[0]))
        b = int(request.GET.get("b") or numbers[-1])
    except (ValueError, IndexError):
        raise Http404 from None
    old = get_object_or_404(DraftVersion, draft=draft, number=a)
    new = get_object_or_404(DraftVersion, draft=draft, number=b)
    rows = version_diff(old_text=old.text, new_text=new.text)
    return render(request, "documents/drafts/compare.html", {"draft": draft, "doc": draft.document, "old": old,
                                                              "new": new, "rows": rows, "numbers": numbers})


@login_required
@require_GET
def comment_table_export(request, pk: int, fmt: str):
    draft = _get_draft(request, pk)
    if fmt == "xlsx":
        body, ctype = comment_table_xlsx(draft=draft), \
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    elif fmt == "pdf":
        body, ctype = comment_table_pdf(draft=draft), "application/pdf"
    else:
        raise Http404
    response = HttpResponse(body, content_type=ctype)
    response["Content-Disposition"] = f'attachment; filename="gop-y-du-thao-{draft.pk}.{fmt}"'
    return response


@login_required
def comment_answer(request, pk: int):
    """The comment form of one person asked (a phone-sized page)."""
    target = get_object_or_404(CommentTarget.objects.select_related(
        "request", "request__draft", "request__draft__document", "request__version", "request__requested_by",
        "answer"), pk=pk, user=request.user)
    form = AnswerForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.comment_answer(target=target, acting_user=request.user, verdict=data["verdict"],
                                    comment=data["comment"], upload=data["file"],
                                    file_name=data["file"].name if data["file"] else None)
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Thank you: your comment has been sent."))
            return redirect("documents:draft_list")
    return render(request, "documents/drafts/answer.html", {"target": target, "req": target.request,
                                                             "draft": target.request.draft, "form": form,
                                                             "answer": getattr(target, "answer", None)},
                  status=400 if request.method == "POST" else 200)


# --- the incoming side ------------------------------------------------------------------------

def _incoming(request, pk):
    return get_object_or_404(incoming_visible_to(user=request.user).select_related(
        "unit", "document", "sender", "register", "main_handler", "dispatch"), pk=pk)


@login_required
@require_GET
def incoming_slip(request, pk: int):
    """The handling slip (phiếu giải quyết văn bản đến, NĐ 30 Phụ lục IV), to print."""
    rec = _incoming(request, pk)
    return render(request, "documents/divisions/slip.html", services.handling_slip(incoming=rec))


@login_required
@require_POST
def incoming_divisions(request, pk: int):
    rec = _incoming(request, pk)
    form = DivisionAssignForm(request.POST, unit=rec.unit)
    try:
        if not form.is_valid():
            raise ServiceError(_("Choose the lead division."))
        data = form.cleaned_data
        services.incoming_assign_divisions(incoming=rec, acting_user=request.user, lead_division=data["lead_division"],
                                           co_divisions=list(data["co_divisions"]),
                                           info_divisions=list(data["info_divisions"]), deadline=data["deadline"],
                                           co_deadline=data["co_deadline"], instruction=data["instruction"])
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The document has been assigned to the divisions."))
    return redirect("documents:incoming_detail", pk=pk)


@login_required
@require_POST
def incoming_hand_on(request, pk: int, assignment_id: int):
    rec = _incoming(request, pk)
    da = get_object_or_404(IncomingDivisionAssignment, pk=assignment_id, incoming=rec)
    members = get_user_model().objects.filter(memberships__division=da.division, memberships__is_active=True).distinct()
    form = HandOnForm(request.POST, members=members)
    try:
        if not form.is_valid():
            raise ServiceError(_("Check the people and the deadline."))
        data = form.cleaned_data
        services.incoming_division_hand_on(division_assignment=da, acting_user=request.user,
                                           main_handler=data["main_handler"], co_handlers=list(data["co_handlers"]),
                                           readers=list(data["readers"]), deadline=data["deadline"],
                                           note=data["note"])
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The handlers of the division have been assigned."))
    return redirect("documents:incoming_detail", pk=pk)


@login_required
@require_POST
def incoming_comment(request, pk: int):
    """A unit asked for comments answers on the incoming document."""
    rec = _incoming(request, pk)
    form = AnswerForm(request.POST, request.FILES)
    try:
        if not form.is_valid():
            raise ServiceError(_("Choose your opinion."))
        data = form.cleaned_data
        services.comment_answer_for_unit(incoming=rec, acting_user=request.user, verdict=data["verdict"],
                                         comment=data["comment"], upload=data["file"],
                                         file_name=data["file"].name if data["file"] else None)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The unit's opinion has been sent."))
    return redirect("documents:incoming_detail", pk=pk)


def incoming_division_context(rec, user) -> dict:
    """What the incoming page's division include needs (called by the template tag)."""
    roles = set(Membership.objects.filter(user=user, unit=rec.unit, is_active=True).values_list("role", flat=True))
    divisions = list(Division.objects.filter(unit=rec.unit, is_active=True))
    slip = services.handling_slip(incoming=rec)
    headed = set(Membership.objects.filter(user=user, unit=rec.unit, is_division_head=True, is_active=True)
                 .values_list("division_id", flat=True))
    hand_on = []
    for item in slip["divisions"]:
        da = item["assignment"]
        if da.division_id in headed and rec.status in ("assigned", "in_progress"):
            members = get_user_model().objects.filter(memberships__division=da.division,
                                                      memberships__is_active=True).distinct()
            hand_on.append({"assignment": da, "form": HandOnForm(members=members, initial={"deadline": da.deadline}),
                            "lead": da.role == HandlerRole.MAIN})
    target = services.comment_target_for_incoming(incoming=rec)
    return {
        "rec": rec, "slip": slip, "hand_on": hand_on,
        "can_assign_divisions": bool(divisions) and Role.LEADER in roles and rec.status in (
            "accepted", "assigned", "in_progress"),
        "division_form": DivisionAssignForm(unit=rec.unit, initial={"deadline": rec.deadline}),
        "comment_target": target,
        "comment_form": AnswerForm() if target is not None and not hasattr(target, "answer") else None,
        "can_reply": rec.status in ("accepted", "assigned", "in_progress"),
        "today": timezone.localdate(),
    }


# --- signing set-up: signature images (unit admin), delegations (leaders), one's own method --------

@login_required
def signing_setup(request):
    from signatures.models import Delegation, SignatureImage
    from signatures.services.personal import (
        delegation_create,
        delegation_revoke,
        signature_image_upload,
        signing_method_of,
    )

    from ..drafts_forms import DelegationForm, SignatureImageForm

    ctx = active_unit_or_403(request)
    unit = ctx.unit
    staff = _staff(unit)
    image_form = SignatureImageForm(staff=staff)
    delegation_form = DelegationForm(staff=staff.exclude(pk=request.user.pk),
                                     initial={"valid_from": timezone.localdate()})
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "image":
                image_form = SignatureImageForm(request.POST, request.FILES, staff=staff)
                if not image_form.is_valid():
                    raise ServiceError(_("Choose the kind and the image."))
                d = image_form.cleaned_data
                signature_image_upload(unit=unit, kind=d["kind"], content=d["image"].read(), acting_user=request.user,
                                       user=d["user"])
                messages.success(request, _("The image has been checked and saved."))
            elif action == "delegate":
                delegation_form = DelegationForm(request.POST, staff=staff.exclude(pk=request.user.pk))
                if not delegation_form.is_valid():
                    raise ServiceError(_("Check the delegation."))
                d = delegation_form.cleaned_data
                delegation_create(unit=unit, acting_user=request.user, delegate=d["delegate"], kind=d["kind"],
                                  valid_from=d["valid_from"], valid_to=d["valid_to"], doc_types=d["doc_types"],
                                  delegator_title=d["delegator_title"], delegate_title=d["delegate_title"])
                messages.success(request, _("The delegation has been recorded."))
            elif action == "revoke":
                delegation = get_object_or_404(Delegation, pk=request.POST.get("delegation"), unit=unit)
                delegation_revoke(delegation=delegation, acting_user=request.user)
                messages.success(request, _("The delegation has been revoked."))
            else:
                raise Http404
        except ServiceError as exc:
            messages.error(request, exc.message)
            status = 403 if isinstance(exc, PermissionDeniedError) else 400
        else:
            return redirect("documents:signing_setup")
    roles = ctx.roles
    return render(request, "documents/drafts/signing.html", {
        "method": signing_method_of(user=request.user), "is_admin": Role.UNIT_ADMIN in roles,
        "is_leader": Role.LEADER in roles, "image_form": image_form, "delegation_form": delegation_form,
        "images": SignatureImage.objects.filter(unit=unit, is_active=True).select_related("user"),
        "delegations": Delegation.objects.filter(unit=unit).select_related("delegator", "delegate")
        .order_by("-valid_to", "-pk")[:100],
    }, status=status)
