"""
Secrets at rest: HMAC secrets of peers and webhooks, credentials of remote systems.

``EncryptedTextField`` stores its value as ``fernet:<token>`` (Fernet: AES-128-CBC + HMAC-SHA256,
from ``cryptography``) and gives the clear text back to Python code only. The keys come from the
environment: ``FIELD_ENCRYPTION_KEYS`` (comma-separated Fernet keys, the first one encrypts, all of
them decrypt). Without it, one key is derived from ``DJANGO_SECRET_KEY`` (also from the
environment). Rotation: put a new key first, keep the old ones, run ``manage.py secrets_rotate``
(re-encrypts every stored secret with the first key), then drop the old keys.

A value read from the database without the prefix is taken as clear text written before the field
was encrypted (the migration that introduced the field encrypts those rows).
"""
from __future__ import annotations

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

__all__ = ["PREFIX", "encrypt", "decrypt", "is_encrypted", "rotate", "EncryptedTextField", "reset_keys"]

PREFIX = "fernet:"


def _derived_key() -> bytes:
    digest = hashlib.sha256(b"egov field encryption\x00" + settings.SECRET_KEY.encode()).digest()
    return base64.urlsafe_b64encode(digest)


@lru_cache(maxsize=1)
def _fernet() -> MultiFernet:
    raw = [k.strip() for k in (settings.FIELD_ENCRYPTION_KEYS or []) if k.strip()]
    try:
        keys = [Fernet(k.encode()) for k in raw] or [Fernet(_derived_key())]
    except ValueError as exc:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must be Fernet keys (Fernet.generate_key()).") from exc
    return MultiFernet(keys)


def reset_keys() -> None:
    """Forget the cached keys (tests and rotation change the setting)."""
    _fernet.cache_clear()


def is_encrypted(value) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def encrypt(value: str) -> str:
    if value in (None, "") or is_encrypted(value):
        return value
    return PREFIX + _fernet().encrypt(value.encode()).decode()


def decrypt(value: str) -> str:
    if not is_encrypted(value):
        return value
    try:
        return _fernet().decrypt(value[len(PREFIX):].encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured("A stored secret cannot be decrypted with FIELD_ENCRYPTION_KEYS "
                                   "(was a key removed before `secrets_rotate` ran?)") from exc


def rotate(value: str) -> str:
    """The same secret encrypted with the current (first) key."""
    if not is_encrypted(value):
        return encrypt(value)
    return PREFIX + _fernet().rotate(value[len(PREFIX):].encode()).decode()


class EncryptedTextField(models.TextField):
    """A text column whose content is encrypted at rest; Python code sees the clear text."""

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if value is not None else value

    def to_python(self, value):
        return decrypt(value) if isinstance(value, str) else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt(value) if value else value
