"""Fixtures of the security tests: the API tests' province and API clients."""
from tests.api.conftest import make_api, province  # noqa: F401 - fixtures re-exported
