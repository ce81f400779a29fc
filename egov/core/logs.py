"""
Structured JSON logs with a request id that follows the work (h17, docs/operations.md "Logs").

- ``RequestIdMiddleware``: every request gets an id (the proxy's ``X-Request-ID`` when it is a
  sane token, else a new UUID), echoed in the response header; the id, the user and the active
  unit are bound to the log context (``structlog.contextvars``) for the whole request.
- Celery signals: a task published while a request (or another task) runs carries the id in its
  message headers; the worker binds it, with the task's name and id, while the task runs. So a
  send in the browser and every delivery batch it enqueued log the same ``request_id``.
- ``LOGGING`` (settings) renders every record — ours and the libraries' — as one JSON object per
  line through ``structlog.stdlib.ProcessorFormatter`` when LOG_FORMAT=json (the default).
"""
from __future__ import annotations

import re
import uuid

import structlog
from celery.signals import before_task_publish, task_postrun, task_prerun

HEADER = "request_id"
_SANE = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
UNIT_SESSION_KEY = "egov_active_unit"  # units.portal.SESSION_KEY (the base layer does not import units)


def new_request_id() -> str:
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    return structlog.contextvars.get_contextvars().get(HEADER)


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        request_id = given if _SANE.match(given) else new_request_id()
        request.request_id = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id, path=request.path, method=request.method)
        try:
            response = self.get_response(request)
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                structlog.contextvars.bind_contextvars(user=user.get_username())
            session = getattr(request, "session", None)
            if session is not None and session.get(UNIT_SESSION_KEY):
                structlog.contextvars.bind_contextvars(unit=session.get(UNIT_SESSION_KEY))
            response["X-Request-ID"] = request_id
            return response
        finally:
            structlog.contextvars.clear_contextvars()


@before_task_publish.connect
def _publish_with_request_id(headers=None, **kwargs):
    request_id = current_request_id()
    if headers is not None and request_id and HEADER not in headers:
        headers[HEADER] = request_id


@task_prerun.connect
def _bind_task(task_id=None, task=None, **kwargs):
    request = getattr(task, "request", None)
    request_id = (getattr(request, HEADER, None) or (getattr(request, "headers", None) or {}).get(HEADER)
                  or new_request_id())
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(request_id=request_id, task_id=task_id, task=getattr(task, "name", ""))


@task_postrun.connect
def _unbind_task(**kwargs):
    structlog.contextvars.clear_contextvars()


def configure_structlog() -> None:
    structlog.configure(
        processors=[structlog.contextvars.merge_contextvars, structlog.stdlib.add_log_level,
                    structlog.stdlib.add_logger_name, structlog.processors.TimeStamper(fmt="iso", utc=True),
                    structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def json_formatter():
    """The logging formatter of LOG_FORMAT=json (``LOGGING["formatters"]["json"]``)."""
    configure_structlog()
    return structlog.stdlib.ProcessorFormatter(
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, structlog.processors.JSONRenderer()],
        foreign_pre_chain=[structlog.contextvars.merge_contextvars, structlog.stdlib.add_log_level,
                           structlog.stdlib.add_logger_name, structlog.processors.TimeStamper(fmt="iso", utc=True),
                           structlog.processors.format_exc_info],
    )
