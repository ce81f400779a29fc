"""
Test settings. The database and broker come from the environment like everywhere else:
``make test`` uses SQLite + the filesystem broker; ``.ci/run`` sets DATABASE_URL to PostgreSQL
and CELERY_BROKER_URL to Redis.
"""
import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key")
os.environ.setdefault("EGOV_VAR_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "var", "test"))

from .base import *  # noqa: E402,F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
MEDIA_ROOT = VAR_DIR / "media"  # noqa: F405
LANGUAGE_CODE = "vi"
# SQLite tests use a file, not memory, so that a real worker process can share the test database.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}  # noqa: F405
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - whitenoise warns about a missing folder
# Tests run peers, webhook receivers and CRL servers on loopback (the SSRF tests override this).
OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8", "::1/128"]
