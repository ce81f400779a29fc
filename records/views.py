"""
Pages of the records app under /records/: the file plan, my files, a file (contents, add/remove
while open, close, export, transfer), the archive's intake queue and access requests, destruction
proposals, and copies. Views call the services; a ServiceError becomes a message on the page.
"""
from __future__ import annotations

import datetime
import functools

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from documents.models import Document, IncomingRecord
from documents.selectors import documents_visible_to, incoming_visible_to
from egov.core.errors import ServiceError
from units.choices import Role
from units.models import Membership
from units.portal import portal_context

from . import exports, services
from .choices import CopyForm, CopyMedium, FileState, PackageKind, ProposalState, Retention, UseRegime
from .models import ArchiveAccess, CaseFile, CopyRecord, DestructionProposal, FilePlan, InformationPackage, PlanEntry
from .selectors import file_rows, files_visible_to, user_may_read_file


def _ctx(request):
    ctx = portal_context(request)
    if ctx.unit is None:
        raise PermissionDenied(_("You do not belong to any unit yet. Ask your unit administrator."))
    return ctx


def _back(request, default: str):
    nxt = request.POST.get("next") or request.GET.get("next")
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return redirect(nxt)
    return redirect(default)


def acts(view):
    """POST actions: a ServiceError is shown as a message and the user goes back."""
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except ServiceError as exc:
            messages.error(request, exc.message)
            return _back(request, request.META.get("HTTP_REFERER") or reverse("records:home"))
    return login_required(require_POST(wrapper))


def _file(request, pk) -> CaseFile:
    f = get_object_or_404(CaseFile.objects.select_related("unit", "entry", "person_in_charge"), pk=pk)
    if not user_may_read_file(user=request.user, case_file=f):
        raise Http404
    return f


def _download(data: bytes, name: str, content_type: str) -> HttpResponse:
    resp = HttpResponse(data, content_type=content_type)
    resp["Content-Disposition"] = f'attachment; filename="{name}"'
    return resp


def _members(unit):
    return get_user_model().objects.filter(memberships__unit=unit, memberships__is_active=True).distinct().order_by(
        "last_name", "first_name", "username")


# --- my files -------------------------------------------------------------------------------

@login_required
@require_GET
def home(request):
    ctx = _ctx(request)
    mine = CaseFile.objects.filter(person_in_charge=request.user).exclude(state=FileState.DESTROYED).select_related(
        "unit").order_by("state", "-opened_at")
    plan = FilePlan.objects.filter(unit=ctx.unit, year=timezone.localdate().year).first()
    entries = []
    if plan is not None and plan.state == "approved":
        entries = plan.entries.filter(Q(person_in_charge=request.user) | Q(person_in_charge__isnull=True))
    readable = set(files_visible_to(user=request.user).filter(person_in_charge=request.user).values_list(
        "pk", flat=True))
    # The unit's archived files (metadata only, the index of files) for those who must ask the
    # archive to use them: their own request's state, or a form to ask.
    catalogue = []
    if not ctx.roles & {Role.ARCHIVIST, Role.LEADER}:
        mine_access = {a.case_file_id: a for a in ArchiveAccess.objects.filter(
            user=request.user, case_file__unit=ctx.unit).order_by("created_at", "pk")}
        for f in CaseFile.objects.filter(unit=ctx.unit, state=FileState.ARCHIVED).order_by("-archived_at")[:200]:
            catalogue.append((f, mine_access.get(f.pk)))
    return render(request, "records/home.html", {
        "files": mine, "readable": readable, "catalogue": catalogue, "granted_ids": set(
            files_visible_to(user=request.user).filter(unit=ctx.unit, state=FileState.ARCHIVED).values_list(
                "pk", flat=True)) if catalogue else set(),
        "plan": plan, "entries": entries, "is_archivist": Role.ARCHIVIST in ctx.roles,
        "unit_files": files_visible_to(user=request.user).filter(unit=ctx.unit).exclude(
            person_in_charge=request.user).select_related("person_in_charge")[:200],
    })


# --- the file plan --------------------------------------------------------------------------

@login_required
@require_GET
def plan_view(request):
    ctx = _ctx(request)
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        raise Http404 from None
    plan = FilePlan.objects.filter(unit=ctx.unit, year=year).first()
    fmt = request.GET.get("format")
    if plan is not None and fmt == "pdf":
        return _download(exports.plan_pdf(plan), f"danh-muc-ho-so-{year}.pdf", "application/pdf")
    if plan is not None and fmt == "csv":
        return _download(exports.plan_csv(plan), f"danh-muc-ho-so-{year}.csv", "text/csv; charset=utf-8")
    this = timezone.localdate().year
    return render(request, "records/plan.html", {
        "plan": plan, "year": year, "years": range(this + 1, this - 6, -1),
        "entries": plan.entries.select_related("person_in_charge") if plan else [],
        "can_edit": bool(ctx.roles & set(services.PLAN_EDITOR_ROLES)), "is_leader": Role.LEADER in ctx.roles,
        "retentions": Retention.choices, "regimes": UseRegime.choices, "members": _members(ctx.unit),
        "rows": exports.plan_rows(plan) if plan else [],
    })


@acts
def plan_action(request, action: str):
    ctx = _ctx(request)
    year = int(request.POST.get("year") or timezone.localdate().year)
    url = reverse("records:plan") + f"?year={year}"
    plan = FilePlan.objects.filter(unit=ctx.unit, year=year).first()
    if action == "create":
        services.plan_create(unit=ctx.unit, year=year, acting_user=request.user)
        return redirect(url)
    if plan is None:
        raise Http404
    if action == "entry":
        person = None
        if request.POST.get("person_in_charge"):
            person = get_object_or_404(_members(ctx.unit), pk=request.POST["person_in_charge"])
        years = request.POST.get("retention_years") or ""
        services.plan_entry_save(plan=plan, acting_user=request.user, heading=request.POST.get("heading", ""),
                                 number=request.POST.get("number", ""), notation=request.POST.get("notation", ""),
                                 title=request.POST.get("title", ""), retention=request.POST.get("retention", "06"),
                                 retention_years=int(years) if years.isdigit() else None,
                                 use_regime=request.POST.get("use_regime", "01"), person_in_charge=person,
                                 note=request.POST.get("note", ""))
    elif action == "delete":
        services.plan_entry_delete(entry=get_object_or_404(PlanEntry, pk=request.POST.get("entry"), plan=plan),
                                   acting_user=request.user)
    elif action == "approve":
        services.plan_approve(plan=plan, acting_user=request.user)
        messages.success(request, _("The file plan is approved."))
    elif action == "copy":
        new = services.plan_copy_forward(plan=plan, acting_user=request.user)
        return redirect(reverse("records:plan") + f"?year={new.year}")
    elif action == "import":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("Choose a CSV file."))
        else:
            n = services.plan_import_csv(plan=plan, acting_user=request.user, data=upload.read(2 * 1024 * 1024))
            messages.success(request, _("%(n)d entries imported.") % {"n": n})
    else:
        raise Http404
    return redirect(url)


# --- a file ---------------------------------------------------------------------------------

@acts
def file_open(request, entry_pk: int):
    entry = get_object_or_404(PlanEntry.objects.select_related("plan"), pk=entry_pk)
    f = services.file_open(entry=entry, acting_user=request.user, title=request.POST.get("title", ""))
    return redirect("records:file_detail", f.pk)


@login_required
@require_GET
def file_detail(request, pk: int):
    f = _file(request, pk)
    fmt = request.GET.get("format")
    if fmt == "pdf":
        data, _pages = exports.file_pdf(f)
        return _download(data, f"ho-so-{f.code.replace('/', '-')}.pdf", "application/pdf")
    if fmt == "xml":
        return _download(exports.file_xml(f), f"ho-so-{f.code.replace('/', '-')}.xml", "application/xml")
    if fmt == "csv":
        return _download(exports.file_index_csv(f), f"muc-luc-{f.code.replace('/', '-')}.csv",
                         "text/csv; charset=utf-8")
    if fmt == "index":
        index = exports.file_index_pdf(f, exports.with_pages(file_rows(f)))
        return _download(index, f"muc-luc-{f.code.replace('/', '-')}.pdf",
                         "application/pdf")
    ctx = portal_context(request)
    roles = ctx.roles_by_unit.get(f.unit_id, set())
    keeper = f.person_in_charge_id == request.user.pk
    candidates_docs, candidates_in = [], []
    if keeper and f.state == FileState.OPEN:
        in_file = f.items.values("document_id")
        candidates_docs = documents_visible_to(user=request.user).filter(owner_unit=f.unit).exclude(
            pk__in=in_file).order_by("-created_at")[:50]
        candidates_in = incoming_visible_to(user=request.user, unit=f.unit).exclude(
            document_id__in=in_file).select_related("document", "sender").order_by("-arrived_at")[:50]
    return render(request, "records/file_detail.html", {
        "f": f, "rows": file_rows(f), "keeper": keeper, "roles": roles,
        "is_archivist": Role.ARCHIVIST in roles, "is_leader": Role.LEADER in roles,
        "candidates_docs": candidates_docs, "candidates_in": candidates_in,
        "packages": _packages_for(f, request.user, roles),
        "events": f.events.order_by("-at", "-pk")[:100], "checks": services.archive_check(f)
        if f.state == FileState.SUBMITTED and Role.ARCHIVIST in roles else None,
        "my_access": ArchiveAccess.objects.filter(case_file=f, user=request.user).first(),
        "holds": f.holds.filter(released_at__isnull=True).select_related("placed_by"),
    })


def _packages_for(f: CaseFile, user, roles):
    """The packages the user may download (as services.package_download decides): the archive
    every one; a user their own DIPs; the keeper or a clerk the SIP while it awaits the archive."""
    if Role.ARCHIVIST in roles:
        return f.packages.all()
    q = Q(kind=PackageKind.DIP, for_user=user)
    if f.state == FileState.SUBMITTED and (f.person_in_charge_id == user.pk or Role.CLERK in roles):
        q |= Q(kind=PackageKind.SIP)
    return f.packages.filter(q)


@acts
def file_add(request, pk: int):
    f = get_object_or_404(CaseFile, pk=pk)
    if request.POST.get("incoming"):
        rec = get_object_or_404(IncomingRecord, pk=request.POST["incoming"])
        services.file_add_document(case_file=f, acting_user=request.user, incoming=rec)
    else:
        doc = get_object_or_404(Document, pk=request.POST.get("document") or 0)
        services.file_add_document(case_file=f, acting_user=request.user, document=doc)
    messages.success(request, _("Added to file %(code)s.") % {"code": f.code})
    return _back(request, reverse("records:file_detail", args=[f.pk]))


@acts
def file_action(request, pk: int, action: str):
    f = get_object_or_404(CaseFile, pk=pk)
    u = request.user
    if action == "remove":
        services.file_remove_document(case_file=f, acting_user=u, item=get_object_or_404(f.items, pk=request.POST.get("item")))
    elif action == "close":
        services.file_close(case_file=f, acting_user=u, description=request.POST.get("description"))
    elif action == "transfer":
        services.transfer_submit(case_file=f, acting_user=u)
        messages.success(request, _("The file was handed to the archive."))
    elif action == "accept":
        services.archive_accept(case_file=f, acting_user=u)
    elif action == "return":
        services.archive_return(case_file=f, acting_user=u, reason=request.POST.get("reason", ""))
    elif action == "keep_back":
        try:
            until = datetime.date.fromisoformat(request.POST.get("until", ""))
        except ValueError:
            messages.error(request, _("Give a date."))
            return redirect("records:file_detail", f.pk)
        services.file_keep_back(case_file=f, acting_user=u, until=until, reason=request.POST.get("reason", ""))
    elif action == "request_access":
        services.access_request(case_file=f, acting_user=u, reason=request.POST.get("reason", ""))
        messages.success(request, _("Your request was sent to the archive."))
        return redirect("records:home")  # the file itself is read once the archive grants it
    elif action == "hold":
        services.legal_hold_place(unit=f.unit, files=[f], acting_user=u, reason=request.POST.get("reason", ""))
        messages.success(request, _("The file is under a legal hold."))
    elif action == "release":
        services.legal_hold_release(hold=get_object_or_404(f.holds, pk=request.POST.get("hold"),
                                                           released_at__isnull=True), acting_user=u)
    elif action == "dip":
        services.dip_create(case_file=f, acting_user=u)
    elif action == "sip":
        services.sip_export(case_file=f, acting_user=u)
    else:
        raise Http404
    return redirect("records:file_detail", f.pk)


@login_required
@require_GET
def package_file(request, pk: int):
    package = get_object_or_404(InformationPackage, pk=pk)
    try:
        data = services.package_download(package=package, acting_user=request.user)
    except ServiceError as exc:
        raise PermissionDenied(exc.message) from exc
    return _download(data, f"{package.package_id}.zip", "application/zip")


# --- the archive ----------------------------------------------------------------------------

@login_required
@require_GET
def archive(request):
    ctx = _ctx(request)
    if Role.ARCHIVIST not in ctx.roles and Role.LEADER not in ctx.roles:
        raise PermissionDenied(_("The archive's pages are for the agency archive and the leaders."))
    files = CaseFile.objects.filter(unit=ctx.unit).select_related("person_in_charge")
    if request.GET.get("format") in ("csv", "pdf"):
        listed = files.filter(state=FileState.ARCHIVED).order_by("year", "code")
        if request.GET["format"] == "csv":
            return _download(exports.files_index_csv(listed), "muc-luc-ho-so.csv", "text/csv; charset=utf-8")
        return _download(exports.files_index_pdf(ctx.unit, listed), "muc-luc-ho-so.pdf", "application/pdf")
    return render(request, "records/archive.html", {
        "queue": files.filter(state=FileState.SUBMITTED).order_by("submitted_at"),
        "due": files.filter(state__in=[FileState.CLOSED, FileState.RETURNED, FileState.KEPT_BACK]).order_by(
            "transfer_due"),
        "archived": files.filter(state=FileState.ARCHIVED).order_by("-archived_at")[:200],
        "requests": ArchiveAccess.objects.filter(case_file__unit=ctx.unit, state="requested").select_related(
            "case_file", "user"),
        "proposals": DestructionProposal.objects.filter(unit=ctx.unit).prefetch_related("files", "council", "votes"),
        "is_archivist": Role.ARCHIVIST in ctx.roles,
    })


@acts
def access_decide(request, pk: int):
    req = get_object_or_404(ArchiveAccess, pk=pk)
    until = request.POST.get("valid_until") or ""
    services.access_decide(access=req, acting_user=request.user, grant=request.POST.get("grant") == "1",
                           valid_until=datetime.date.fromisoformat(until) if until else None,
                           note=request.POST.get("note", ""))
    return redirect("records:archive")


@acts
def proposal_action(request, pk: int, action: str):
    p = get_object_or_404(DestructionProposal, pk=pk)
    if action == "vote":
        services.destruction_vote(proposal=p, acting_user=request.user, approve=request.POST.get("approve") == "1",
                                  note=request.POST.get("note", ""), decision_ref=request.POST.get("decision_ref", ""))
    elif action == "execute":
        n = services.destruction_execute(proposal=p, acting_user=request.user)
        messages.success(request, _("%(n)d files destroyed; their metadata is kept.") % {"n": n})
    else:
        raise Http404
    return redirect("records:archive")


# --- copies ---------------------------------------------------------------------------------

@login_required
@require_GET
def copies(request):
    ctx = _ctx(request)
    from .models import CopyPermission

    perm = CopyPermission.objects.filter(unit=ctx.unit, user=request.user).first()
    if perm is None and Role.LEADER not in ctx.roles:
        raise PermissionDenied(_("The head of the unit has not allowed you to order or sign copies."))
    register = CopyRecord.objects.filter(unit=ctx.unit).select_related("document", "ordered_by", "signed_by", "unit")
    if request.GET.get("format") == "csv":
        year = request.GET.get("year")
        listed = register.filter(year=int(year)) if (year or "").isdigit() else register
        return _download(exports.copies_register_csv(listed.order_by("year", "number", "pk")), "so-ban-sao.csv",
                         "text/csv; charset=utf-8")
    held = documents_visible_to(user=request.user).filter(owner_unit=ctx.unit).exclude(status="draft")
    received = IncomingRecord.objects.filter(unit=ctx.unit).values("document_id")
    return render(request, "records/copies.html", {
        "register": register[:300],
        "perm": perm, "is_leader": Role.LEADER in ctx.roles, "forms": CopyForm.choices, "media": CopyMedium.choices,
        "documents": Document.objects.filter(Q(pk__in=held.values("pk")) | Q(pk__in=received)).order_by(
            "-issued_on", "-pk")[:100],
        "permissions": CopyPermission.objects.filter(unit=ctx.unit).select_related("user"),
        "members": _members(ctx.unit),
    })


@acts
def copy_action(request, action: str):
    ctx = _ctx(request)
    if action == "order":
        doc = None
        if request.POST.get("document"):
            doc = get_object_or_404(Document, pk=request.POST["document"])
        scan = request.FILES.get("scan")
        services.copy_order(unit=ctx.unit, acting_user=request.user, form=request.POST.get("form", ""),
                            medium=request.POST.get("medium", ""), document=doc, pages=request.POST.get("pages", ""),
                            scan=scan.read() if scan else None,
                            source_description=request.POST.get("source_description", ""),
                            recipients=request.POST.get("recipients", ""))
        messages.success(request, _("The copy is ordered."))
    elif action == "sign":
        rec = get_object_or_404(CopyRecord, pk=request.POST.get("copy"), unit=ctx.unit)
        rec = services.copy_sign(copy=rec, acting_user=request.user)
        messages.success(request, _("Copy %(n)s signed.") % {"n": rec.notation})
    elif action == "permission":
        user = get_object_or_404(_members(ctx.unit), pk=request.POST.get("user"))
        services.copy_permission_set(unit=ctx.unit, user=user, acting_user=request.user,
                                     may_order=bool(request.POST.get("may_order")),
                                     may_sign=bool(request.POST.get("may_sign")))
    else:
        raise Http404
    return redirect("records:copies")


@login_required
@require_GET
def copy_download(request, pk: int):
    ctx = _ctx(request)
    rec = get_object_or_404(CopyRecord, pk=pk, unit=ctx.unit, state="signed")
    if not Membership.objects.filter(unit=ctx.unit, user=request.user, is_active=True).exists():
        raise Http404
    return _download(services.copy_file(rec), f"ban-sao-{rec.notation.replace('/', '-')}.pdf", "application/pdf")
