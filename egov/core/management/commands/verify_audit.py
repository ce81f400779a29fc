"""``manage.py verify_audit``: the same as ``audit_verify`` (the name the security issue used)."""
from .audit_verify import Command  # noqa: F401
