"""Views of the base layer: the health check."""
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from .services import health_check


@never_cache
@require_GET
def healthz(request):
    """JSON health for load balancers: 200 when database, broker and a worker are all fine, else 503."""
    result = health_check()
    return JsonResponse(result, status=200 if result["ok"] else 503)


# --- Error pages --------------------------------------------------------------------------
# People get the portal's layout in their language with the reason (a PermissionDenied raised
# with a translated message carries it); machine clients (the REST API, the federation
# endpoints, or anyone asking for JSON) get the structured error body, never HTML.

MACHINE_PREFIXES = ("/api/", "/federation/")


def _machine(request) -> bool:
    return request.path.startswith(MACHINE_PREFIXES) or "application/json" in request.headers.get("Accept", "")


def _reason(exception) -> str:
    """The message a view raised PermissionDenied/SuspiciousOperation with (translated lazily)."""
    return str(exception) if exception is not None else ""


def _error(request, *, status: int, code: str, heading, advice, exception=None):
    from django.shortcuts import render

    # A 404 says nothing more: Http404's text is Django's own (English, and names models).
    reason = _reason(exception) if status in (400, 403) else ""
    if _machine(request):
        from .api.errors import error_body

        return JsonResponse(error_body(code, reason or heading), status=status)
    return render(request, "errors/_page.html", {"status": status, "heading": heading, "advice": advice,
                                                 "reason": reason}, status=status)


def error_400(request, exception=None):
    from django.utils.translation import gettext as _

    return _error(request, status=400, code="bad_request", heading=_("The request could not be read"),
                  advice=_("Go back, check what you entered and try again."), exception=exception)


def error_403(request, exception=None):
    from django.utils.translation import gettext as _

    return _error(request, status=403, code="permission_denied", heading=_("You may not do this"),
                  advice=_("Your role in the unit you are working for does not allow this page or action. "
                           "If you work for several units, check the unit chosen at the top of the page."),
                  exception=exception)


def error_404(request, exception=None):
    from django.utils.translation import gettext as _

    return _error(request, status=404, code="not_found", heading=_("Page not found"),
                  advice=_("The page does not exist, or the document belongs to a unit you do not work for."),
                  exception=exception)


@csrf_exempt  # it changes nothing: a POST with a stale cookie gets the same 404
def api_not_found(request, *args, **kwargs):
    """Any path under /api/ that names nothing: the API's 404 error body, whatever DEBUG says."""
    return error_404(request)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: the portal's 403 page in the user's language, or the API's error body."""
    from django.utils.translation import gettext as _

    return _error(request, status=403, code="csrf_failed", heading=_("The form could not be accepted"),
                  advice=_("The page was open too long or your session changed. Reload the page and send it again."))


def error_500(request):
    from django.template import loader
    from django.http import HttpResponseServerError

    if _machine(request):
        from django.utils.translation import gettext as _

        from .api.errors import error_body

        return JsonResponse(error_body("server_error", _("Something went wrong")), status=500)
    return HttpResponseServerError(loader.get_template("500.html").render())
