"""Template context of every page: the active unit and the user's units and roles (units.portal)."""
from .portal import portal_context


def portal(request):
    return {"portal": portal_context(request)}
