"""Development settings: DEBUG on, a fixed development secret unless one is given."""
import os

os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("DJANGO_SECRET_KEY", "dev-only-insecure-secret-key-change-me")

from .base import *  # noqa: E402,F401,F403

# Development: peers, webhook receivers and CRL servers of a developer run on this machine.
OUTBOUND_ALLOWED_NETWORKS = env.list("OUTBOUND_ALLOWED_NETWORKS", default=["127.0.0.0/8", "::1/128"])  # noqa: F405
