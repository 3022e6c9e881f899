"""Frontline settings: everything comes from the environment (django-environ).

Defaults fail closed: DEBUG is off and SECRET_KEY / DATABASE_URL are required unless
DEBUG is on. `make run` and `make test` switch DEBUG on for the embedded default
(SQLite in var/, Celery on kombu's filesystem transport in var/celery/).

DJANGO_SETTINGS_MODULE is `support.settings`; one module per concern, no name set in two:
base (environment, DEBUG, secret, apps, templates, static files; every other module reads
it first), infrastructure (database, cache, e-mail, Celery), security (sign-in, sessions,
HTTPS, CSP), api (REST framework, OpenAPI), frontline (the app's own settings).
"""

from .api import *  # noqa: F403
from .base import *  # noqa: F403
from .frontline import *  # noqa: F403
from .infrastructure import *  # noqa: F403
from .security import *  # noqa: F403
