"""
HTTP endpoints of the signatures app: the one-time download/upload URLs used by the VGCA
Sign Service (authenticated by their token, not by a session: the local signing service
does not carry the user's cookies).
"""
from django.http import FileResponse, HttpResponseNotAllowed, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from .services.vgca import TicketError, ticket_download, ticket_upload


@require_GET
def vgca_download(request, token: str):
    import io

    try:
        ticket, content = ticket_download(token=token)
    except TicketError as exc:
        return JsonResponse({"error": str(exc)}, status=410)
    response = FileResponse(io.BytesIO(content), as_attachment=True, filename=ticket.filename,
                            content_type="application/pdf")
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt  # token-authenticated, called by the local signing service, not by a form
def vgca_upload(request, token: str):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if request.content_type.startswith("multipart/"):  # a form without its file: empty (found by the cross-unit suite)
        upload = request.FILES.get("file")
        content = upload.read() if upload is not None else b""
    else:
        content = request.body
    try:
        ticket = ticket_upload(token=token, content=content)
    except TicketError as exc:
        return JsonResponse({"error": str(exc)}, status=410)
    body = {"status": ticket.status, "rejection": ticket.rejection}
    if ticket.verification is not None:
        body.update(verdict=ticket.verification.verdict, reason_vi=ticket.verification.reason_vi,
                    reason_en=ticket.verification.reason_en)
    return JsonResponse(body, status=200 if ticket.status == "accepted" else 422)
