"""Template context of every page: the active unit, the user's units and the unread count."""
from .portal import portal_context


def portal(request):
    ctx = portal_context(request)
    unread = 0
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        from documents.models import Notification

        unread = Notification.objects.filter(user=user, read_at__isnull=True).count()
    return {"portal": ctx, "unread_notifications": unread}
