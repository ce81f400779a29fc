"""WSGI entry point (gunicorn egov.wsgi)."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "egov.settings.production")
application = get_wsgi_application()
