"""Finding 7: rotating a token keeps its rate counter; requests without a valid token are throttled too."""
import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_rotating_the_token_does_not_reset_the_counter(province, make_api):
    from units.api_clients import api_client_rotate

    api = make_api(province.snv, ["units:read"], rate=3)
    assert [api.get("/api/v1/units/").status_code for _ in range(3)] == [200] * 3
    token = api_client_rotate(client=api.client, acting_user=None)
    token = token[1] if isinstance(token, tuple) else token
    fresh = APIClient()
    fresh.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert fresh.get("/api/v1/units/").status_code == 429


def test_unauthenticated_requests_are_throttled(settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 5
    guesser = APIClient()
    guesser.credentials(HTTP_AUTHORIZATION="Bearer egov_guess")
    codes = [guesser.get("/api/v1/units/", REMOTE_ADDR="198.51.100.7").status_code for _ in range(7)]
    assert codes[:5] == [401] * 5 and codes[5:] == [429, 429]
    anonymous = [APIClient().get("/api/v1/units/", REMOTE_ADDR="198.51.100.8").status_code for _ in range(7)]
    assert anonymous[5:] == [429, 429]
