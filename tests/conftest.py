"""
Shared fixtures. When EGOV_REQUIRE_SERVICES=1 (set by .ci/run) the run stops at once unless
the database is PostgreSQL and the broker is a reachable Redis: CI must never fall back to
the embedded defaults silently.
"""
import os

import pytest


def pytest_configure(config):
    from django.conf import settings

    # A queue of our own: a worker started by this run never takes another run's tasks.
    queue = f"egov-test-{os.getpid()}"
    settings.CELERY_TASK_DEFAULT_QUEUE = queue
    settings.CELERY_QUEUE_PREFIX = f"{queue}."  # the queues per concern of this run (egov/core/queues.py)
    from egov.celery import app

    app.conf.task_default_queue = queue
    if os.environ.get("EGOV_REQUIRE_SERVICES") != "1":
        return

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


@pytest.fixture(scope="session")
def live_worker(django_db_setup, django_db_blocker):
    """A real Celery worker process on the test database and this run's own queue."""
    from egov.devtools.workers import WorkerProcess

    with django_db_blocker.unblock():
        worker = WorkerProcess(concurrency=2, extra_env={"DJANGO_SETTINGS_MODULE": "egov.settings.test"}).start()
    _STARTED_WORKERS.append(worker)
    yield worker
    _STARTED_WORKERS.remove(worker)
    worker.stop()


_STARTED_WORKERS: list = []  # the session's live worker, once a test has started it


@pytest.fixture(autouse=True)
def _live_worker_idle_before_flush(request):
    """
    Once the session's live worker runs, it also takes the tasks of tests that did not ask for it
    (a send enqueues its deliveries): a test whose database is flushed afterwards (transactional
    tests, live servers) waits until the worker is idle, else the flush's TRUNCATE deadlocks with a
    follow-up task.
    """
    yield
    marker = request.node.get_closest_marker("django_db")
    flushed = (marker is not None and marker.kwargs.get("transaction")) or \
        {"transactional_db", "live_server", "live_worker"} & set(request.fixturenames)
    if flushed:
        for worker in list(_STARTED_WORKERS):
            worker.wait_idle(timeout=60)


def run_manage(*args: str, timeout: float = 300, env: dict | None = None):
    """Run ``manage.py`` in a subprocess on the test database; returns CompletedProcess."""
    import subprocess
    import sys

    from django.conf import settings

    from egov.devtools.workers import database_url_of_current_connection

    full_env = {**os.environ, "DATABASE_URL": database_url_of_current_connection(),
                "DJANGO_SETTINGS_MODULE": "egov.settings.test", "EGOV_VAR_DIR": str(settings.VAR_DIR),
                "CELERY_DEFAULT_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE + "-sub",
                "CELERY_QUEUE_PREFIX": settings.CELERY_TASK_DEFAULT_QUEUE + "-sub.", **(env or {})}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def pki():
    """The offline test PKI (egov/devtools/pki.py), built once per run."""
    from egov.devtools.pki import TestPKI

    return TestPKI()


@pytest.fixture(scope="session")
def softhsm(tmp_path_factory, pki):
    """
    One SoftHSM2 token directory for the whole run, every token created before first use
    (SoftHSM reads tokens once per process): ``egov-test`` holds the organisation key
    (``orgkey``, PIN 246810), ``egov-person`` the competent person's key (``person``, PIN 112233).
    """
    import shutil

    if shutil.which("softhsm2-util") is None:
        message = "softhsm2-util is not installed (Debian packages in .ci/system-packages)"
        if os.environ.get("CI") == "true" or os.environ.get("EGOV_REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from egov.devtools.drafts import SoftHSM

    return SoftHSM.once(tmp_path_factory.mktemp("softhsm"), {
        "egov-test": {"pin": "246810", "keys": {"orgkey": pki.organisation.key_pem()}},
        "egov-person": {"pin": "112233", "keys": {"person": pki.person.key_pem()}},
    })
