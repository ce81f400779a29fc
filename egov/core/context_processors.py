"""Template context of every page from the base layer: the user's unread notifications."""
from .models import Notification


def notifications(request):
    unread = 0
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        unread = Notification.objects.filter(user=user, read_at__isnull=True).count()
    return {"unread_notifications": unread}
