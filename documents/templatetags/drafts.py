"""Template tags of the draft and division features, so shared pages need one include line each."""
from django import template

register = template.Library()


@register.inclusion_tag("documents/divisions/_incoming_divisions.html", takes_context=True)
def incoming_divisions(context, rec):
    from ..views.drafts import incoming_division_context

    request = context["request"]
    return {**incoming_division_context(rec, request.user), "request": request,
            "csrf_token": context.get("csrf_token")}


@register.inclusion_tag("documents/drafts/_trail_for_document.html", takes_context=True)
def draft_trail(context, doc):
    """The draft's trail (versions, comments, approvals, signature) on the document's page."""
    from ..drafts_selectors import comment_table
    from ..models import Draft

    draft = (Draft.objects.filter(document=doc).select_related("drafter", "signer", "division").first()
             if doc is not None else None)
    if draft is None:
        return {"draft": None}
    return {"draft": draft, "versions": list(draft.versions.select_related("author").order_by("number")),
            "events": list(draft.events.select_related("version").order_by("at", "pk")),
            "table": comment_table(draft=draft), "request": context.get("request")}


@register.filter
def get_item(mapping, key):
    """``mapping[key]`` in a template (queues by name)."""
    try:
        return mapping[key]
    except (KeyError, TypeError, IndexError):
        return ""
