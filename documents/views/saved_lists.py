"""Saved recipient lists of the active unit ("the departments of the social sector", …)."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from units.models import UnitGroup
from units.services import unit_group_delete, unit_group_save

from ..forms import SavedListForm
from .common import active_unit_or_403
from .outgoing import _recipient_tree

__all__ = ["saved_lists", "saved_list_delete"]


@login_required
@require_http_methods(["GET", "POST"])
def saved_lists(request):
    ctx = active_unit_or_403(request)
    form = SavedListForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                unit_group_save(owner=ctx.unit, name=form.cleaned_data["name"],
                                members=list(form.cleaned_data["units"]), acting_user=request.user)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("The list %(name)s has been saved.") % {"name": form.cleaned_data["name"]})
                return redirect("documents:saved_lists")
        status = 400
    groups = UnitGroup.objects.filter(owner=ctx.unit).prefetch_related("members").order_by("name")
    return render(request, "documents/saved_lists.html",
                  {"groups": groups, "send_form": form, "tree": _recipient_tree(ctx.unit)}, status=status)


@login_required
@require_POST
def saved_list_delete(request, pk: int):
    ctx = active_unit_or_403(request)
    group = get_object_or_404(UnitGroup, pk=pk, owner=ctx.unit)
    try:
        unit_group_delete(group=group, acting_user=request.user)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The list %(name)s has been deleted.") % {"name": group.name})
    return redirect("documents:saved_lists")
