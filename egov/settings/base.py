"""
Settings shared by every environment. Everything comes from the environment (django-environ);
the defaults need no server: SQLite and a filesystem Celery broker under ``var/``.

``local``, ``production`` and ``test`` only override this module.
"""
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(environ.Env().str("EGOV_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
env_file = BASE_DIR / ".env"
if env_file.exists():
    environ.Env.read_env(str(env_file))

# --- Core -------------------------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "units.admin_config.PortalAdminConfig",  # django.contrib.admin with the unit-scoped site (units/admin_site.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "egov.core",
    "units",
    "documents",
    "signatures",
    "documents.federation",
    "records",
    "egov.devtools",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI / Redoc served from our static files (no CDN)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "egov.core.access.AccessLogMiddleware",  # writes the access log after the response (docs/reports.md)
]

ROOT_URLCONF = "egov.urls"
CSRF_FAILURE_VIEW = "egov.core.views.csrf_failure"  # Vietnamese page, or JSON under /api/ (never Django's English HTML)
WSGI_APPLICATION = "egov.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "units.context_processors.portal",
                "egov.core.context_processors.notifications",
                "documents.context_processors.work_queue",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------
# Default: SQLite under var/ in WAL mode with a busy timeout, so the web process and the
# worker process can share it. Production: DATABASE_URL=postgres://...
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'egov.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 30,
            # IMMEDIATE takes the write lock at BEGIN: no "database is locked" upgrade errors.
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Keys that encrypt secrets stored in the database (peer and webhook secrets, remote credentials):
# comma-separated Fernet keys, the first encrypts, all decrypt (rotation: egov/core/crypto.py).
# Empty: one key derived from DJANGO_SECRET_KEY.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])

# --- Auth -------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SAMESITE = "Lax"
LOGIN_LOCKOUT_THRESHOLD = env.int("LOGIN_LOCKOUT_THRESHOLD", default=5)  # failed logins per username ...
LOGIN_LOCKOUT_MINUTES = env.int("LOGIN_LOCKOUT_MINUTES", default=15)     # ... within this window lock it

# --- Internationalisation ---------------------------------------------------------------
LANGUAGE_CODE = "vi"  # the users are Vietnamese civil servants
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

# --- Static and media files ---------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "egov" / "static"]
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": env.str("DEFAULT_FILE_STORAGE", default="django.core.files.storage.FileSystemStorage")},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=10 * 1024 * 1024)
# The API's longest form list is a send's ``units`` (maxItems 5000 in the schema): Django's default
# of 1000 fields refused a form-encoded send the schema allows. Bodies stay bounded by size.
DATA_UPLOAD_MAX_NUMBER_FIELDS = env.int("DATA_UPLOAD_MAX_NUMBER_FIELDS", default=5100)

# --- Cache ------------------------------------------------------------------------------
# Local memory by default; production sets CACHE_URL=redis://… so that rate limits and the
# login lockout hold across gunicorn processes.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

# --- Celery -----------------------------------------------------------------------------
# Default broker: kombu's filesystem transport under var/ (needs no server). A real worker
# process always consumes it; the running portal never uses eager mode.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_DIR = VAR_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
        "polling_interval": 0.1,  # the default 1 s would add up to a second to every task pickup
    }
    for _sub in ("queue", "control"):
        (CELERY_BROKER_DIR / _sub).mkdir(parents=True, exist_ok=True)
elif CELERY_BROKER_URL.split(":", 1)[0] in ("amqp", "amqps", "pyamqp"):
    # h17: RabbitMQ — publisher confirms (a publish returns once the broker has the message);
    # quorum queues (replicated, durable) are set in the "queues per concern" block below.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"confirm_publish": True}
else:
    # Redis: a message not acknowledged within an hour is redelivered (acks_late).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}
if not CELERY_BROKER_URL.startswith("filesystem://"):
    # h17: a worker or beat that lost the broker tries again every second (kombu's default backs
    # off to 30 s), so it is back within a second of the broker.
    CELERY_BROKER_TRANSPORT_OPTIONS.update({"interval_start": 0.5, "interval_step": 0.5, "interval_max": 1.0})
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# h16: the worker's consumer reconnects at those intervals too (Celery's own uses kombu's 2…30 s back-off).
CELERY_WORKER_CONSUMER = "egov.celery:ReconnectingConsumer"
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_DEFAULT_QUEUE", default="celery")
# Publishing must not hang a user's request when the broker is down: the dispatch rows are
# already committed and the sweeper enqueues them later.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
CELERY_BEAT_SCHEDULE: dict = {
    # h17: every 2 s, so that work a dead worker held or a lost message carried is back in seconds.
    "sweep-dispatches": {"task": "documents.tasks.sweep_dispatches_task",
                         "schedule": env.float("DELIVERY_SWEEP_EVERY", default=2.0),
                         "options": {"expires": 10}},
    "remind-overdue": {"task": "documents.tasks.remind_overdue_task", "schedule": 3600.0},
    # h15: compose files held across a form error and never used are removed after a day.
    "held-files-sweep": {"task": "documents.tasks.held_files_sweep_task", "schedule": 3600.0},
    # h17: records and documents whose search indexing task was lost (the broker was down) are indexed.
    "search-index-sweep": {"task": "documents.tasks.search_index_sweep_task",
                           "schedule": env.float("SEARCH_SWEEP_EVERY", default=300.0), "options": {"expires": 600}},
    # Axis peers: poll the due ones (each peer keeps its own interval and back-off).
    "axis-poll": {"task": "documents.federation.tasks.axis_poll_due_task",
                  "schedule": env.float("AXIS_POLL_EVERY", default=10.0)},
    "webhook-scan": {"task": "documents.tasks.webhook_scan_task",
                     "schedule": env.float("WEBHOOK_SCAN_EVERY", default=5.0)},
    "webhook-sweep": {"task": "egov.core.api.tasks.webhook_sweep_task", "schedule": 30.0},
    "idempotency-purge": {"task": "egov.core.api.tasks.idempotency_purge_task", "schedule": 3600.0},
    # CRL refresh from the distribution points: does nothing unless SIGNATURES_NETWORK_FETCH is on.
    "signatures-refresh-crls": {"task": "signatures.refresh_crls", "schedule": 6 * 3600.0},
    # Verifications whose task was lost (broker down at upload time) are queued again.
    "signatures-sweep-pending": {"task": "signatures.sweep_pending", "schedule": 300.0},
    # h17: the deferred ETSI reports (nothing is published per verification; queue "reports").
    "signatures-etsi-reports": {"task": "signatures.etsi_reports",
                                "schedule": env.float("ETSI_REPORT_SWEEP_EVERY", default=30.0),
                                "options": {"expires": 60}},
    # Comment requests on drafts: remind who has not answered as the deadline nears (docs/drafting.md).
    "drafts-comment-reminders": {"task": "documents.tasks.comment_reminders_task", "schedule": 3600.0},
    # Records (docs/records.md): transfer reminders daily; the retention review proposes destruction lists.
    "records-transfer-reminders": {"task": "records.tasks.transfer_reminders_task", "schedule": 24 * 3600.0},
    "records-retention-review": {"task": "records.tasks.retention_review_task", "schedule": 24 * 3600.0},
}
# --- Records and archives (docs/records.md) ----------------------------------------------------
RECORDS_TRANSFER_WITHIN_DAYS = env.int("RECORDS_TRANSFER_WITHIN_DAYS", default=365)  # NĐ 30 Đ30: within a year
RECORDS_REMIND_BEFORE_DAYS = env.int("RECORDS_REMIND_BEFORE_DAYS", default=30)  # PL VI III.5.b
RECORDS_KEEP_BACK_MAX_DAYS = env.int("RECORDS_KEEP_BACK_MAX_DAYS", default=2 * 365)  # keep-back ≤ 2 years
RECORDS_RETENTION_REVIEW_MONTH = env.int("RECORDS_RETENTION_REVIEW_MONTH", default=1)  # the yearly review runs then
RECORDS_SCAN_MIN_DPI = env.int("RECORDS_SCAN_MIN_DPI", default=200)  # paper → electronic copies
RECORDS_MAX_SCAN_BYTES = env.int("RECORDS_MAX_SCAN_BYTES", default=100 * 1024 * 1024)
# The E-ARK Foundation's validator runs in its own virtualenv (it pins lxml 5.1); tests call it.
RECORDS_EARK_VALIDATOR_PYTHON = env.str("RECORDS_EARK_VALIDATOR_PYTHON",
                                        default=str(BASE_DIR / ".venv-eark" / "bin" / "python"))
# --- Follow-up, reports, search, access log (docs/reports.md, issue 14) --------------------------
REMINDER_DAYS_BEFORE = env.int("REMINDER_DAYS_BEFORE", default=1)  # units without a ReminderPolicy row
REMINDER_EVERY_DAYS_AFTER = env.int("REMINDER_EVERY_DAYS_AFTER", default=1)
SEARCH_TEXT_MAX_CHARS = env.int("SEARCH_TEXT_MAX_CHARS", default=200_000)  # extracted text kept per file
SEARCH_INDEX_MAX_WORDS = env.int("SEARCH_INDEX_MAX_WORDS", default=20_000)  # distinct words indexed per document
SEARCH_RANK_WINDOW = env.int("SEARCH_RANK_WINDOW", default=2000)  # relevance ranks the newest N matches (issue 14)
SEARCH_SWEEP_WINDOW = env.int("SEARCH_SWEEP_WINDOW", default=3 * 24 * 3600)  # the sweep looks this far back (s)
SEARCH_SWEEP_GRACE = env.int("SEARCH_SWEEP_GRACE", default=120)  # newer records are left to their own task (s)
SEARCH_SWEEP_BATCH = env.int("SEARCH_SWEEP_BATCH", default=200)  # records and documents indexed per sweep, each
SEARCH_OCR = env.bool("SEARCH_OCR", default=False)  # no OCR engine is wired yet: scanned PDFs are marked
PRINT_MARK_FONT = env.str("PRINT_MARK_FONT", default=str(
    BASE_DIR / "signatures" / "static" / "signatures" / "DejaVuSerif-vi-1000upem.ttf"))
PORTAL_NAME = env.str("PORTAL_NAME", default="Cổng trao đổi văn bản điện tử")
# --- Drafts (docs/drafting.md) ------------------------------------------------------------------
DRAFTS_COMMENT_REMIND_DAYS = env.int("DRAFTS_COMMENT_REMIND_DAYS", default=1)
CELERY_IMPORTS = ["egov.core.api.tasks"]  # egov.core.api is a package of the egov.core app: imported here
# --- Signatures (docs/signatures.md) ---------------------------------------------------------
SIGNATURES_NETWORK_FETCH = env.bool("SIGNATURES_NETWORK_FETCH", default=False)  # CRL refresh from distribution points
SIGNATURES_REVOCATION_MODE = env.str("SIGNATURES_REVOCATION_MODE", default="hard-fail")  # hard-fail | soft-fail | require
SIGNATURES_MIN_RSA_BITS = env.int("SIGNATURES_MIN_RSA_BITS", default=2048)
SIGNATURES_MIN_EC_BITS = env.int("SIGNATURES_MIN_EC_BITS", default=256)
SIGNATURES_ACCEPTED_DIGESTS = ("sha256", "sha384", "sha512", "sha3_256", "sha3_384", "sha3_512")
SIGNATURES_REQUIRED_KEY_USAGE = ("non_repudiation",)  # the signer certificate needs one of these
SIGNATURES_FETCH_TIMEOUT = env.float("SIGNATURES_FETCH_TIMEOUT", default=15.0)
SIGNATURES_FETCH_MAX_BYTES = env.int("SIGNATURES_FETCH_MAX_BYTES", default=64 * 1024 * 1024)
SIGNATURES_ETSI_REPORT = env.bool("SIGNATURES_ETSI_REPORT", default=True)  # store the ETSI validation report
SIGNATURES_KEY_SECRETS: dict = {}  # name -> PIN/passphrase; SIGNATURES_SECRET_<NAME> in the environment wins
SIGNATURES_TICKET_TTL = env.int("SIGNATURES_TICKET_TTL", default=15 * 60)  # VGCA one-time signing URLs
SIGNATURES_MAX_FILE_BYTES = env.int("SIGNATURES_MAX_FILE_BYTES", default=50 * 1024 * 1024)
SIGNATURES_STAMP_FONT = env.str("SIGNATURES_STAMP_FONT", default="") or None  # font of the organisation stamp
SIGNATURES_SEAL_IMAGE = env.str("SIGNATURES_SEAL_IMAGE", default="") or None  # seal image of the stamp
# A worker writes a heartbeat row this often; /healthz wants one younger than WORKER_STALE_AFTER.
# h17: the heartbeat is also the lease on the batches a worker holds (docs/operations.md, "Recovery"):
# a worker silent for WORKER_STALE_AFTER seconds is dead, and the sweeper re-enqueues its work.
WORKER_HEARTBEAT_SECONDS = env.int("WORKER_HEARTBEAT_SECONDS", default=2)
WORKER_STALE_AFTER = env.int("WORKER_STALE_AFTER", default=6)

# --- h17: queues per concern, brokers, recovery (docs/operations.md) -------------------------
# Queue names are CELERY_QUEUE_PREFIX + concern; "default" is CELERY_TASK_DEFAULT_QUEUE
# (housekeeping: sweepers, reminders, purges). Routing: egov.celery.route_task.
CELERY_QUEUE_PREFIX = env.str("CELERY_QUEUE_PREFIX", default="")
CELERY_TASK_ROUTES = ("egov.core.queues.route_task",)
CELERY_QUEUE_CONCERNS = ("delivery", "status", "transport", "signatures", "reports", "webhooks", "default")
CELERY_QUEUE_ROUTES = (  # (glob on the task name, concern): first match wins
    ("*sweep*", "default"),
    ("*purge*", "default"),
    ("documents.tasks.deliver_*", "delivery"),
    ("*status*", "status"),
    ("documents.federation.*", "transport"),
    ("*axis*", "transport"),
    ("*hub*", "transport"),
    ("signatures.etsi_report*", "reports"),  # h17: the deferred ETSI reports wait behind verifications
    ("signatures.*", "signatures"),
    ("*report*", "reports"),
    ("*extract*", "reports"),
    ("*export*", "reports"),
    ("*webhook*", "webhooks"),
    ("*notification*", "webhooks"),
)
_IS_AMQP = CELERY_BROKER_URL.split(":", 1)[0] in ("amqp", "amqps", "pyamqp")


def _queues(prefix: str, default: str) -> list:
    """The queues a worker without -Q consumes: every concern (declared as create_missing would)."""
    from kombu import Exchange, Queue

    names = [default if c == "default" else prefix + c for c in CELERY_QUEUE_CONCERNS]
    args = {"x-queue-type": "quorum"} if _IS_AMQP else None
    return [Queue(n, Exchange(n), routing_key=n, queue_arguments=args) for n in names]


CELERY_TASK_QUEUES = _queues(CELERY_QUEUE_PREFIX, CELERY_TASK_DEFAULT_QUEUE)
if _IS_AMQP:
    CELERY_TASK_DEFAULT_QUEUE_TYPE = "quorum"          # replicated, durable; survive a broker restart
    CELERY_TASK_CREATE_MISSING_QUEUE_TYPE = "quorum"
    CELERY_WORKER_DETECT_QUORUM_QUEUES = True
    CELERY_BROKER_HEARTBEAT = env.int("CELERY_BROKER_HEARTBEAT", default=10)
# Beat on several machines: one leads at a time (PostgreSQL advisory lock, egov/core/beat.py); the
# others try again every BEAT_LEADER_RETRY seconds.
CELERY_BEAT_SCHEDULER = "egov.core.beat:LeaderScheduler"
BEAT_LEADER_RETRY = env.float("BEAT_LEADER_RETRY", default=2.0)
# A local dispatch nobody holds (no live worker's lease), enqueued this many seconds ago, while
# the delivery queue is empty, was lost with its message (broker restarted empty): re-enqueued.
DELIVERY_LOST_AFTER = env.int("DELIVERY_LOST_AFTER", default=3)
# A delivery task that meets a database outage retries with backoff capped at this many seconds,
# so that delivery resumes within seconds of the database being back.
DELIVERY_DB_RETRY_MAX = env.int("DELIVERY_DB_RETRY_MAX", default=3)

# --- Documents and delivery ----------------------------------------------------------------
DOCUMENTS_MAX_ATTACHMENT_BYTES = env.int("DOCUMENTS_MAX_ATTACHMENT_BYTES", default=50 * 1024 * 1024)
# Local recipients per delivery task; h17: 0 = adapt to the fan-out (documents/services/delivery.py).
DELIVERY_BATCH_SIZE = env.int("DELIVERY_BATCH_SIZE", default=0)
DELIVERY_BATCH_MIN = env.int("DELIVERY_BATCH_MIN", default=100)
DELIVERY_BATCH_MAX = env.int("DELIVERY_BATCH_MAX", default=500)
DELIVERY_PARALLEL_BATCHES = env.int("DELIVERY_PARALLEL_BATCHES", default=2)  # ≈ worker processes sharing a send
DELIVERY_STUCK_AFTER = env.int("DELIVERY_STUCK_AFTER", default=60)    # seconds before the sweeper re-enqueues
DELIVERY_MAX_ATTEMPTS = env.int("DELIVERY_MAX_ATTEMPTS", default=8)   # then the dispatch is "failed"
DELIVERY_BACKOFF_BASE = env.int("DELIVERY_BACKOFF_BASE", default=5)   # seconds, doubled per attempt, jittered
DELIVERY_BACKOFF_MAX = env.int("DELIVERY_BACKOFF_MAX", default=3600)
DELIVERY_SWEEP_LIMIT = env.int("DELIVERY_SWEEP_LIMIT", default=5000)  # dispatches one sweep re-enqueues at most
DOCUMENTS_ALLOWED_MIME_TYPES: list[str] = []  # appendix types; empty = PDF, Office, images, ZIP, XML
NOTIFICATIONS_EMAIL = env.bool("NOTIFICATIONS_EMAIL", default=False)  # also e-mail notifications

# --- Federation (edXML exchange with peer systems; docs/federation.md) ----------------------
FEDERATION_PEER_CODE = env.str("FEDERATION_PEER_CODE", default="")  # how peers know this portal
FEDERATION_SIGNING_PKCS12 = env.str("FEDERATION_SIGNING_PKCS12", default="")  # portal key signing packages
FEDERATION_SIGNING_PASSWORD = env.str("FEDERATION_SIGNING_PASSWORD", default="")
FEDERATION_MAX_PACKAGE_BYTES = env.int("FEDERATION_MAX_PACKAGE_BYTES", default=128 * 1024 * 1024)
FEDERATION_MAX_ATTACHMENT_BYTES = env.int("FEDERATION_MAX_ATTACHMENT_BYTES", default=64 * 1024 * 1024)
FEDERATION_MAX_DECOMPRESSED_BYTES = env.int("FEDERATION_MAX_DECOMPRESSED_BYTES", default=256 * 1024 * 1024)
# XML elements outside attachment content, and their nesting, counted while the package streams in.
FEDERATION_MAX_ELEMENTS = env.int("FEDERATION_MAX_ELEMENTS", default=10_000)
FEDERATION_MAX_DEPTH = env.int("FEDERATION_MAX_DEPTH", default=32)
FEDERATION_REPLAY_WINDOW = env.int("FEDERATION_REPLAY_WINDOW", default=300)  # seconds either side
FEDERATION_STREAM_LEASE = env.int("FEDERATION_STREAM_LEASE", default=120)    # seconds a peer stream holds its lease
FEDERATION_CONNECT_TIMEOUT = env.float("FEDERATION_CONNECT_TIMEOUT", default=5.0)
FEDERATION_READ_TIMEOUT = env.float("FEDERATION_READ_TIMEOUT", default=120.0)
# META key of the client-certificate SHA-256 set by the TLS-terminating proxy (mutual TLS); "" = not used.
FEDERATION_CLIENT_CERT_HEADER = env.str("FEDERATION_CLIENT_CERT_HEADER", default="")
# --- National axis / LGSP client and hub (docs/federation.md, "Axis mode", "Hub mode") -------------
AXIS_POLL_INTERVAL = env.int("AXIS_POLL_INTERVAL", default=60)          # seconds between polls of one axis peer
AXIS_POLL_BATCH = env.int("AXIS_POLL_BATCH", default=50)                # packages imported per poll and message type
AXIS_POLL_BACKOFF_MAX = env.int("AXIS_POLL_BACKOFF_MAX", default=900)   # longest wait after failed polls (s)
AXIS_RECONCILE_EVERY = env.int("AXIS_RECONCILE_EVERY", default=300)     # getSentEdocList at most this often (s)
AXIS_CONNECT_TIMEOUT = env.float("AXIS_CONNECT_TIMEOUT", default=5.0)
AXIS_READ_TIMEOUT = env.float("AXIS_READ_TIMEOUT", default=120.0)
AXIS_REPLAY_WINDOW = env.int("AXIS_REPLAY_WINDOW", default=300)         # hub: signed headers older/newer are stale
HUB_RATE_PER_MINUTE = env.int("HUB_RATE_PER_MINUTE", default=600)       # hub: calls per system per minute
HUB_MAX_PACKAGE_BYTES = env.int("HUB_MAX_PACKAGE_BYTES", default=64 * 1024 * 1024)
HUB_LIST_LIMIT = env.int("HUB_LIST_LIMIT", default=200)                 # hub: items per getReceivedEdocList answer
HUB_AXIS_PEER = env.str("HUB_AXIS_PEER", default="")                    # hub: code of the national axis peer to relay to

# --- REST framework ---------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["egov.core.api.filters.StrictFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "egov.core.api.errors.api_exception_handler",
    # JSON nested too deep is a 400 error body (issue 16), not a RecursionError.
    "DEFAULT_PARSER_CLASSES": ["egov.core.api.parsers.BoundedJSONParser", "rest_framework.parsers.FormParser",
                               "rest_framework.parsers.MultiPartParser"],
}
# REST API (docs/api.md): per-client rate limit, request size, idempotency keys, webhooks.
# bench_api's reference view (/api/v1/_bench/bare/, egov/devtools/bench_views.py); off in production.
EGOV_BENCH_URLS = env.bool("EGOV_BENCH_URLS", default=False)
API_RATE_LIMIT_PER_MINUTE = env.int("API_RATE_LIMIT_PER_MINUTE", default=600)
API_MAX_REQUEST_BYTES = env.int("API_MAX_REQUEST_BYTES", default=DOCUMENTS_MAX_ATTACHMENT_BYTES + 2**20)
API_IDEMPOTENCY_TTL = env.int("API_IDEMPOTENCY_TTL", default=24 * 3600)
WEBHOOK_TIMEOUT = env.int("WEBHOOK_TIMEOUT", default=10)
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
WEBHOOK_SCAN_LAG = env.int("WEBHOOK_SCAN_LAG", default=5)
WEBHOOK_SCAN_BATCH = env.int("WEBHOOK_SCAN_BATCH", default=2000)
WEBHOOK_STUCK_AFTER = env.int("WEBHOOK_STUCK_AFTER", default=120)
WEBHOOK_BACKOFF_BASE = env.int("WEBHOOK_BACKOFF_BASE", default=10)
WEBHOOK_BACKOFF_MAX = env.int("WEBHOOK_BACKOFF_MAX", default=3600)
SPECTACULAR_SETTINGS = {
    "TITLE": "Cổng liên thông văn bản — REST API",
    "DESCRIPTION": "API for integrating systems: units, outgoing and incoming documents, dispatch status, "
                   "attachments, registers, signature verification, webhooks. See docs/api.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "PREPROCESSING_HOOKS": ["egov.core.api.schema.only_api_v1"],
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "egov.core.api.schema.add_error_responses"],
    # One name per choice set (the schema and `check --deploy` stay free of naming collisions).
    "ENUM_NAME_OVERRIDES": {
        "DraftStateEnum": "documents.choices.DraftState",
        "WebhookEventEnum": "egov.core.api.models.WebhookEvent",
        "WebhookDeliveryStateEnum": "egov.core.api.models.DeliveryState",
        "DispatchStateEnum": "documents.choices.DeliveryState",
        "DocumentStatusEnum": "documents.choices.DocumentStatus",
        "IncomingStatusEnum": "documents.choices.IncomingStatus",
        "StatusCodeEnum": "documents.choices.StatusCode",
        "VerificationStatusEnum": "signatures.choices.VerificationStatus",
        "UnitKindEnum": "units.choices.UnitKind",
        "AttachmentKindEnum": "documents.choices.AttachmentKind",
        "EventKindEnum": "documents.choices.EventKind",
        "SignedFileKindEnum": "signatures.choices.SignedFileKind",
        "RequestKindEnum": "documents.choices.RequestKind",
        "ChaseKindEnum": "documents.choices.ChaseKind",
    },
}

# --- Security hardening (issue 16, docs/security.md) -----------------------------------------
# Outbound HTTP (egov.core.http): networks that webhooks, peers, the axis and CRL fetches may reach
# although they are not public addresses (in-house receivers), e.g. "10.20.0.0/16,192.168.5.7/32".
OUTBOUND_ALLOWED_NETWORKS = env.list("OUTBOUND_ALLOWED_NETWORKS", default=[])

# One lockout for every login door (portal, admin, any future SSO): django-axes, egov/core/auth.py.
# The pair (username, client address) is locked after LOGIN_LOCKOUT_THRESHOLD failures within
# LOGIN_LOCKOUT_MINUTES; failures stay in axes' AccessFailureLog, logins in its AccessLog.
INSTALLED_APPS += ["axes"]
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]  # last: it turns a lockout into the lockout page
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = "egov.core.auth.failure_limit"
AXES_COOLOFF_TIME = "egov.core.auth.cool_off"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True             # the counter of the pair starts again; the failure log stays
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_ACCESS_FAILURE_LOG_PER_USER_LIMIT = env.int("AXES_ACCESS_FAILURE_LOG_PER_USER_LIMIT", default=1000)
AXES_USERNAME_CALLABLE = "egov.core.auth.username_key"
AXES_CLIENT_IP_CALLABLE = "egov.core.auth.client_ip"
AXES_LOCKOUT_CALLABLE = "egov.core.auth.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False

# Tamper-evident audit (egov/core/audit_chain.py): hash chains in this many shards (concurrent
# writers take different shards), signed checkpoints of their heads every AUDIT_CHECKPOINT_EVERY
# seconds with AUDIT_CHECKPOINT_KEY (empty: derived from DJANGO_SECRET_KEY; keep it off the database host).
AUDIT_CHAIN_SHARDS = env.int("AUDIT_CHAIN_SHARDS", default=8)
AUDIT_CHECKPOINT_KEY = env.str("AUDIT_CHECKPOINT_KEY", default="")
AUDIT_CHECKPOINT_EVERY = env.float("AUDIT_CHECKPOINT_EVERY", default=3600.0)
# RFC 3161 time-stamps of the checkpoints (egov/core/timestamps.py): the TSA's URL (empty: none), and
# the TSA's certificate or CA (PEM file) that audit_verify requires of the tokens.
AUDIT_TSA_URL = env.str("AUDIT_TSA_URL", default="")
AUDIT_TSA_TIMEOUT = env.float("AUDIT_TSA_TIMEOUT", default=10.0)
AUDIT_TSA_CERTIFICATES = env.str("AUDIT_TSA_CERTIFICATES", default="")
# Database roles (docs/security.md): the app runs as DB_RUNTIME_ROLE, not the tables' owner;
# `manage.py db_grant_runtime` leaves it SELECT + INSERT only on these append-only tables.
DB_RUNTIME_ROLE = env.str("DB_RUNTIME_ROLE", default="egov_app")
# + the access log (issue 14) and the dispatch events (h17: nothing deletes them, the links into
# them rely on it; partitioned by month like the access log).
DB_APPEND_ONLY_TABLES = ["documents_auditevent", "egov_auditcheckpoint", "egov_accesslog", "documents_dispatchevent"]
# h17: the access log and the dispatch events are partitioned by month on PostgreSQL (egov/core/partitions.py); the coming
# months are created ahead of time, daily (and by `manage.py partitions_ensure` at every deploy).
PARTITIONS_MONTHS_AHEAD = env.int("PARTITIONS_MONTHS_AHEAD", default=12)
CELERY_BEAT_SCHEDULE["partitions-ensure"] = {"task": "egov.core.tasks.partitions_ensure_task",
                                             "schedule": 24 * 3600.0}
# Retention of notifications (h17): read ones older than this many days are deleted daily, in
# batches (egov.core.notifications.notifications_purge_read); unread ones stay. 0 disables.
NOTIFICATION_RETENTION_DAYS = env.int("NOTIFICATION_RETENTION_DAYS", default=365)
CELERY_BEAT_SCHEDULE["notifications-purge"] = {"task": "egov.core.tasks.notifications_purge_task",
                                               "schedule": 24 * 3600.0}
CELERY_BEAT_SCHEDULE["audit-checkpoint"] = {"task": "egov.core.tasks.audit_checkpoint_task",
                                            "schedule": AUDIT_CHECKPOINT_EVERY}

# Response headers in every environment (production adds HSTS and the HTTPS redirect).
# Content-Security-Policy (django-csp): scripts only from our own static files (htmx is vendored,
# behaviour lives in egov/static/egov/portal.js); no plugins; nobody frames the portal except the
# PDF viewer frame of its own pages (documents.views.attachment_file).
INSTALLED_APPS += ["csp"]
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "csp.middleware.CSPMiddleware")
# Outside django-csp: a download (Content-Disposition: attachment) gets a sandbox policy instead.
MIDDLEWARE.insert(MIDDLEWARE.index("csp.middleware.CSPMiddleware"), "egov.core.security.DownloadSandboxMiddleware")
MIDDLEWARE.insert(MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
                  "egov.core.security.NoStoreForAuthenticatedMiddleware")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],  # the admin and Swagger UI set style attributes; no script
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],  # Redoc's search worker
        "frame-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # probes of the container inside the TLS proxy
# --- end of security hardening block ---------------------------------------------------------

# --- E-mail -----------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="egov@localhost")

# --- Logging ----------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# --- h17: metrics (docs/operations.md, "Metrics and alerts") ----------------------------------
# django-prometheus counts requests and responses; documents/metrics.py adds the portal's own
# gauges and alerts at scrape time. GET /metrics needs "Authorization: Bearer <METRICS_TOKEN>"
# or a client address in METRICS_ALLOWED_IPS; with neither set the endpoint answers 404.
INSTALLED_APPS += ["django_prometheus"]
MIDDLEWARE = ["django_prometheus.middleware.PrometheusBeforeMiddleware", *MIDDLEWARE,
              "django_prometheus.middleware.PrometheusAfterMiddleware"]
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=[])
# Query timings per database too: the engine becomes django_prometheus' wrapper of the same backend.
if env.bool("METRICS_DB_INSTRUMENTED", default=False) and DATABASES["default"]["ENGINE"].startswith("django.db.backends."):
    DATABASES["default"]["ENGINE"] = DATABASES["default"]["ENGINE"].replace("django.db.backends.", "django_prometheus.db.backends.")
ALERT_DISPATCH_WAITING_SECONDS = env.int("ALERT_DISPATCH_WAITING_SECONDS", default=60)
ALERT_CERTIFICATE_DAYS = env.int("ALERT_CERTIFICATE_DAYS", default=30)
# An axis / LGSP peer not polled successfully for this long is an alert (notification and metric).
ALERT_AXIS_POLL_STALE_SECONDS = env.int("ALERT_AXIS_POLL_STALE_SECONDS", default=600)
# Every minute: each alert is sent once per object or once an hour, so this only makes them timely.
CELERY_BEAT_SCHEDULE["operations-alerts"] = {"task": "documents.tasks.operations_alerts_task", "schedule": 60.0}

# --- h17: shared attachment storage on S3 (docs/operations.md, "Storage") ---------------------
# Several web and worker machines share one bucket (MinIO in docker-compose, any S3-compatible
# store in production). Keys stay content-addressed (attachments/ab/abcd…): a file is written
# once; the services check exists() before save, so nothing is overwritten.
S3_BUCKET = env.str("S3_BUCKET", default="")
if S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,
            "access_key": env.str("S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("S3_SECRET_ACCESS_KEY", default="") or None,
            "region_name": env.str("S3_REGION", default="us-east-1"),
            "default_acl": None,            # private objects; the portal serves them after its checks
            "querystring_auth": True,
            "file_overwrite": False,
            "object_parameters": {"ServerSideEncryption": "AES256"} if env.bool("S3_SSE", default=False) else {},
            "addressing_style": env.str("S3_ADDRESSING_STYLE", default="path"),
        },
    }

# --- h17: structured logs (egov/core/logs.py, docs/operations.md "Logs") ----------------------
# LOG_FORMAT=json (default): one JSON object per line with request_id, user, unit, task_id;
# LOG_FORMAT=plain: the old text lines.
MIDDLEWARE = [MIDDLEWARE[0], "egov.core.logs.RequestIdMiddleware", *MIDDLEWARE[1:]]
LOG_FORMAT = env.str("LOG_FORMAT", default="json")
if LOG_FORMAT == "json":
    LOGGING["formatters"]["json"] = {"()": "egov.core.logs.json_formatter"}
    LOGGING["handlers"]["console"]["formatter"] = "json"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # workers log through LOGGING too (JSON, with task_id and request_id)
