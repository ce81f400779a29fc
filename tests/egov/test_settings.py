"""The settings read from the environment as documented."""
import importlib
import os
from unittest import mock

import environ


def test_sqlite_default_uses_wal_and_busy_timeout(settings):
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        return  # CI runs on PostgreSQL: the SQLite options are checked in the local run.
    opts = settings.DATABASES["default"]["OPTIONS"]
    assert "journal_mode=WAL" in opts["init_command"] and opts["timeout"] >= 5


def test_base_settings_follow_the_environment():
    env = {
        "DJANGO_SECRET_KEY": "s3cret",
        "DATABASE_URL": "postgres://u:p@db.example:5432/egov",
        "CELERY_BROKER_URL": "redis://cache.example:6379/0",
        "ALLOWED_HOSTS": "portal.example,127.0.0.1",
        "DJANGO_DEBUG": "0",
    }
    with mock.patch.dict(os.environ, env):
        import egov.settings.base as base

        base = importlib.reload(base)
    assert base.SECRET_KEY == "s3cret"
    assert base.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    assert base.DATABASES["default"]["HOST"] == "db.example"
    assert base.CELERY_BROKER_URL.startswith("redis://")
    assert base.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > 0
    assert base.ALLOWED_HOSTS == ["portal.example", "127.0.0.1"]
    assert base.DEBUG is False
    assert base.TIME_ZONE == "Asia/Ho_Chi_Minh" and base.LANGUAGE_CODE == "vi"
    assert base.CELERY_TASK_ACKS_LATE and base.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    assert base.CELERY_TASK_SERIALIZER == "json" and base.CELERY_TASK_ALWAYS_EAGER is False


def test_secret_key_has_no_default():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"}
    with mock.patch.dict(os.environ, env, clear=True):
        import egov.settings.base as base

        try:
            importlib.reload(base)
        except environ.ImproperlyConfigured:
            pass
        else:
            raise AssertionError("DJANGO_SECRET_KEY must be required")
    importlib.reload(base)
