"""Template context of every page from the documents app: the count next to "Incoming" in the menu."""
from __future__ import annotations


def work_queue(request):
    """
    ``menu_queue``: the queue of the user's first task in the active unit (the clerk's
    "awaiting registration", the leader's "awaiting assignment", the handler's "being handled")
    and its bounded count. Lazy: computed only by a page that shows the menu (one query).
    """
    def compute():
        from units.portal import portal_context

        from .models import IncomingRecord
        from .selectors import QUEUES, UNIT_WIDE_ROLES, incoming_menu_queue, incoming_queue_counts

        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        ctx = portal_context(request)
        if ctx.unit is None:
            return None
        key = incoming_menu_queue(ctx.roles)
        known = getattr(request, "egov_queue_counts", None) or {}
        if key not in known:
            # A clerk, leader or unit admin sees every record of the unit: no need to read the
            # memberships again (the portal context has the roles).
            base = (IncomingRecord.objects.filter(unit=ctx.unit) if set(ctx.roles) & set(UNIT_WIDE_ROLES) else None)
            known = incoming_queue_counts(user=user, unit=ctx.unit, queues=[key], base=base)
        count = known[key]
        return {"key": key, "label": QUEUES[key], "count": count}

    cache = {}

    def menu_queue():
        if "v" not in cache:
            cache["v"] = compute()
        return cache["v"]

    return {"menu_queue": menu_queue}
