"""
Panels other apps add to the document pages (outgoing and incoming detail), without documents
importing them: an app registers a callable in its ``AppConfig.ready()``
(``panel_register("records.files", fn)``); the pages render every registered panel with
``{% document_panels %}``. A panel is ``fn(request, *, document, incoming=None) -> str`` (safe HTML,
already rendered from the app's own template) or "" to show nothing.
"""
from __future__ import annotations

import logging
from collections.abc import Callable

from django.utils.safestring import mark_safe

logger = logging.getLogger(__name__)

__all__ = ["panel_register", "panels_render"]

_panels: dict[str, Callable] = {}


def panel_register(name: str, fn: Callable) -> None:
    """Register (or replace) the panel ``name``."""
    _panels[name] = fn


def panels_render(request, *, document, incoming=None) -> str:
    """The HTML of every registered panel, in registration order."""
    out = []
    for name, fn in _panels.items():
        html = fn(request, document=document, incoming=incoming)
        if html:
            out.append(f'<div class="doc-panel" data-panel="{name}">{html}</div>')
    return mark_safe("".join(out))
