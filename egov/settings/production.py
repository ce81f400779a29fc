"""Production settings: secrets required, HTTPS only, secure cookies, no debug (docs/security.md)."""
from django.core.exceptions import ImproperlyConfigured

from egov.core.security import secret_key_is_weak

from .base import *  # noqa: F401,F403
from .base import SECRET_KEY, env

DEBUG = False
EGOV_BENCH_URLS = False  # bench_api's reference view is never routed in production
if secret_key_is_weak(SECRET_KEY):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is weak: use at least 50 random characters, e.g. "
        "python -c 'import secrets; print(secrets.token_urlsafe(64))'")

SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
CSRF_COOKIE_HTTPONLY = True
# HTTPS: redirect plain HTTP (health probes excepted), tell browsers to stay on HTTPS for a year.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto (and strips it from clients): on by
# default as in docker-compose.yml; TRUST_X_FORWARDED_PROTO=0 when gunicorn faces clients directly.
if env.bool("TRUST_X_FORWARDED_PROTO", default=True):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
