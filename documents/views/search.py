"""Content search page: terms and filters, chosen columns, ordering, saved searches, exports (issue 14)."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.utils.functional import cached_property
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from egov.core.errors import ServiceError

from .. import services
from ..followup_forms import SavedSearchForm, SearchForm
from ..models import SavedSearch
from ..services.search import SEARCH_COLUMNS, SearchParams, search_query_words
from .common import active_unit_or_403

__all__ = ["search_view", "search_export", "saved_search_save_view", "saved_search_delete_view"]

PER_PAGE = 25
EXPORT_MAX = 5000
COUNT_CAP = 1000


class CappedPaginator(Paginator):
    """Counts at most COUNT_CAP + 1 matches (a common word must not be counted across 100,000 entries)."""

    @cached_property
    def count(self):
        return self.object_list[:COUNT_CAP + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP


def _params(request):
    form = SearchForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    columns = [c for c in (data.get("columns") or []) if c in SEARCH_COLUMNS] or [
        k for k, (_l, d) in SEARCH_COLUMNS.items() if d]
    params = SearchParams(q=data.get("q", ""), direction=data.get("direction", ""), date_from=data.get("date_from"),
                          date_to=data.get("date_to"), ordering=data.get("ordering") or "relevance", columns=columns)
    return form, params


@login_required
@require_GET
def search_view(request):
    ctx = active_unit_or_403(request)
    form, params = _params(request)
    words = search_query_words(params.q)
    page = None
    if form.is_bound and (words or params.date_from or params.date_to or params.direction):
        qs = services.search_entries(user=request.user, unit=ctx.unit, params=params)
        page = CappedPaginator(qs, PER_PAGE).get_page(request.GET.get("page"))
        services.search_attach_snippets(list(page.object_list), words)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "documents/search.html", {
        "form": form, "page": page, "columns": params.columns,
        "column_labels": {k: label for k, (label, _d) in SEARCH_COLUMNS.items()},
        "saved": SavedSearch.objects.filter(user=request.user, unit=ctx.unit),
        "saved_form": SavedSearchForm(), "query": query.urlencode(), "words": words,
    })


@login_required
@require_GET
def search_export(request, fmt: str):
    ctx = active_unit_or_403(request)
    form, params = _params(request)
    words = search_query_words(params.q)
    entries = list(services.search_entries(user=request.user, unit=ctx.unit, params=params,
                                           window=EXPORT_MAX)[:EXPORT_MAX])
    services.search_attach_snippets(entries, words)
    title = _("Search results in %(unit)s: %(q)s") % {"unit": ctx.unit.name, "q": params.q}
    if fmt == "xlsx":
        body = services.search_export_xlsx(entries=entries, columns=params.columns, words=words, title=title)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    elif fmt == "pdf":
        body = services.search_export_pdf(entries=entries, columns=params.columns, words=words, title=title)
        content_type = "application/pdf"
    else:
        raise Http404
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="tim-kiem.{fmt}"'
    return response


@login_required
@require_POST
def saved_search_save_view(request):
    ctx = active_unit_or_403(request)
    form = SavedSearchForm(request.POST)
    search = SearchForm(request.POST)
    if not (form.is_valid() and search.is_valid()):
        messages.error(request, _("Give the search a name."))
        return redirect("documents:search")
    data = search.cleaned_data
    try:
        saved = services.saved_search_save(
            user=request.user, unit=ctx.unit, name=form.cleaned_data["name"],
            params={"q": data.get("q"), "direction": data.get("direction"),
                    "date_from": data["date_from"].isoformat() if data.get("date_from") else "",
                    "date_to": data["date_to"].isoformat() if data.get("date_to") else ""},
            columns=data.get("columns") or [], ordering=data.get("ordering") or "relevance")
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("documents:search")
    messages.success(request, _("The search %(name)s has been saved.") % {"name": saved.name})
    return redirect(f"{reverse('documents:search')}?{services.saved_search_query(saved)}")


@login_required
@require_POST
def saved_search_delete_view(request, pk: int):
    saved = get_object_or_404(SavedSearch, pk=pk, user=request.user)
    services.saved_search_delete(saved=saved, user=request.user)
    messages.success(request, _("The saved search has been deleted."))
    return redirect("documents:search")
