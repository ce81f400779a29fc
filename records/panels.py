"""The records panel of the document pages: the files that hold the document, and a suggestion."""
from __future__ import annotations

from django.middleware.csrf import get_token
from django.template.loader import render_to_string

from .choices import FileState
from .models import CaseFile, FileItem
from .selectors import file_suggest, files_holding


def document_files_panel(request, *, document, incoming=None) -> str:
    user = request.user
    if not getattr(user, "is_authenticated", False):
        return ""
    # Two queries when nothing is filed and the person keeps no open file (the usual page view).
    holding = list(files_holding(document=document, user=user)) if FileItem.objects.filter(
        document=document).exists() else []
    unit_id = incoming.unit_id if incoming is not None else document.owner_unit_id
    has_open = CaseFile.objects.filter(person_in_charge=user, unit_id=unit_id, state=FileState.OPEN).exists()
    suggestions = file_suggest(user=user, document=document, incoming=incoming) if has_open else []
    # Rendered without the request: the context processors (portal, notification count) already
    # ran for the page; the forms only need the CSRF token and the way back.
    return render_to_string("records/_document_files.html", {
        "document": document, "incoming": incoming, "holding": holding, "suggestions": suggestions,
        "csrf_token": get_token(request), "next": request.get_full_path(),
    })
