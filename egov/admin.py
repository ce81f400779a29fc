"""Admin of the egov app's own models."""
from .api import admin as _api_admin  # noqa: F401 - API clients, webhooks (token shown once)
