"""Where data and work go: the database, the cache, outgoing e-mail and the Celery broker,
each from a URL in the environment, with the embedded default (SQLite, file cache, mail as
files, a filesystem broker, all under var/) when DEBUG is on."""

from django.core.exceptions import ImproperlyConfigured

from .base import DEBUG, VAR_DIR, env

# --- Database -------------------------------------------------------------------------
# Embedded default: SQLite in WAL mode with IMMEDIATE transactions, so web, worker and beat
# can share one file without "database is locked" on upgrade from read to write.
if "DATABASE_URL" in env:
    DATABASES = {"default": env.db_url("DATABASE_URL")}
elif DEBUG:
    DATABASES = {
        "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": VAR_DIR / "frontline.sqlite3"}
    }
else:
    raise ImproperlyConfigured("DATABASE_URL must be set when DEBUG is off.")

_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db.setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA busy_timeout=20000;",
        }
    )
    _db.setdefault("TEST", {})["NAME"] = env.str("SQLITE_TEST_NAME", default="") or None
else:
    _db.setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    _db.setdefault("CONN_HEALTH_CHECKS", True)

# --- Cache (presence, rate limits, unread counts, routing/rota/webhook versions) ----
# A redis:// URL gets django-redis's backend (django-environ picks it when it is installed),
# which keeps one client per server instead of building one for every call.
CACHES = {
    "default": env.cache_url("CACHE_URL", default=f"filecache://{VAR_DIR / 'cache'}"),
}
if CACHES["default"]["BACKEND"].startswith("django_redis."):
    # Redis down, desk up (README): a cache error is a miss (reads) or a no-op (writes),
    # logged, never a 500; a dead server is given up on within half a second. What must
    # count (public rate limits) asks core.cache.cache_reachable/rate_count and fails closed.
    CACHES["default"].setdefault("OPTIONS", {}).update(
        {
            "IGNORE_EXCEPTIONS": True,
            "SOCKET_CONNECT_TIMEOUT": env.float("CACHE_CONNECT_TIMEOUT", default=0.5),
            "SOCKET_TIMEOUT": env.float("CACHE_TIMEOUT", default=0.5),
        }
    )
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True

# --- Email ----------------------------------------------------------------------------
if "EMAIL_URL" in env:
    vars().update(env.email_url("EMAIL_URL"))
else:
    # Embedded default: every outgoing message is written as a file to var/mail/.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Frontline Support <support@frontline.localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery ---------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery" / "queue"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "store_processed": False,
        # Fanout (worker control, mingle) tables; kombu's default is ./control in the cwd.
        "control_folder": str(VAR_DIR / "celery" / "control"),
    }
else:
    # A message a worker took but never acknowledged (the worker died) goes back to the queue
    # after this many seconds. Workers look for such messages every 10 s (kombu's default
    # throttle would make it every 100 s: one cheap ZRANGE on the unacked index each time).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
        "unacked_restore_interval": 10,
        "unacked_restore_throttle": 1,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TIMEZONE = "UTC"
# support/beat.py: django-celery-beat's scheduler behind a lock, so a second beat waits.
CELERY_BEAT_SCHEDULER = "support.beat:SingleBeatScheduler"
CELERY_BEAT_LOCK_SECONDS = 30  # a beat that dies holds the Redis lock this long at most

# --- Queues by kind of work (README "Worker layout") -----------------------------------
# realtime: what people wait on (routing, SLA sweep, notifications, webhooks), short limits;
# mail: talking to mail servers (replies, confirmations, surveys, the inbound mailbox);
# bulk: long batch work (rollups, reports, exports, retention), never ahead of the above.
# Outbox messages pick their queue by handler (tickets.services.outbox.outbox_handler).
# Anything not listed goes to "celery", which every layout also consumes.
WORKER_QUEUES = ("realtime", "mail", "bulk", "celery")  # one worker's -Q consumes them all
CELERY_TASK_DEFAULT_QUEUE = "celery"
_TASKS_BY_QUEUE = {
    "realtime": (
        "tickets.tasks.sla_sweep",
        "tickets.tasks.outbox_deliver",
        "tickets.tasks.outbox_relay",
        "tickets.tasks.webhook_deliver",
        "tickets.tasks.webhooks_retry_lost",
        "tickets.tasks.pending_automation",
        "metrics.tasks.trend_alerts_notify",
    ),
    "mail": (
        "tickets.tasks.message_send_email",
        "tickets.tasks.ticket_send_confirmation",
        "tickets.tasks.csat_send_survey",
        "tickets.tasks.inbound_poll_imap",
    ),
    "bulk": (
        "tickets.tasks.retention_run",
        "metrics.tasks.rollups_refresh",
        "metrics.tasks.rollups_rebuild_days",
        "metrics.tasks.qa_sample_last_week",
        "metrics.tasks.report_schedule_run",
        "metrics.tasks.productive_time_refresh_recent",
        "metrics.tasks.rollups_check_yesterday",
    ),
}
CELERY_TASK_ROUTES = {
    task: {"queue": queue} for queue, tasks in _TASKS_BY_QUEUE.items() for task in tasks
}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
