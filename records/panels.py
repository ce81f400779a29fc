"""The records panel of the document pages: the files that hold the document, and a suggestion."""
from __future__ import annotations

from django.template.loader import render_to_string

from .selectors import file_suggest, files_holding


def document_files_panel(request, *, document, incoming=None) -> str:
    user = request.user
    if not getattr(user, "is_authenticated", False):
        return ""
    holding = list(files_holding(document=document, user=user))
    suggestions = file_suggest(user=user, document=document, incoming=incoming)
    return render_to_string("records/_document_files.html", {
        "document": document, "incoming": incoming, "holding": holding, "suggestions": suggestions,
    }, request=request)
