"""
Shared fixtures. When EGOV_REQUIRE_SERVICES=1 (set by .ci/run) the run stops at once unless
the database is PostgreSQL and the broker is a reachable Redis: CI must never fall back to
the embedded defaults silently.
"""
import os

import pytest


def pytest_configure(config):
    if os.environ.get("EGOV_REQUIRE_SERVICES") != "1":
        return
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    broker = settings.CELERY_BROKER_URL
    problems = []
    if "postgresql" not in engine:
        problems.append(f"DATABASE_URL must point to PostgreSQL, got engine {engine}")
    if not broker.startswith("redis://"):
        problems.append(f"CELERY_BROKER_URL must point to Redis, got {broker}")
    else:
        import redis

        try:
            redis.Redis.from_url(broker, socket_connect_timeout=3).ping()
        except Exception as exc:  # noqa: BLE001
            problems.append(f"Redis at {broker} is unreachable: {exc}")
    if problems:
        raise pytest.UsageError("EGOV_REQUIRE_SERVICES=1 but: " + "; ".join(problems))


@pytest.fixture
def user_factory(db):
    from tests.factories import UserFactory

    return UserFactory
