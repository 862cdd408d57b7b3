"""The open-data API limits each client address: over the limit it answers 429 with Retry-After."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_a_client_over_the_limit_gets_429_with_retry_after(settings) -> None:
    settings.PUBLIC_RATE_LIMIT = "3/min"
    client = Client(REMOTE_ADDR="203.0.113.7")
    codes = [client.get("/api/public/results/").status_code for _ in range(3)]
    assert codes == [200, 200, 200]
    refused = client.get("/api/public/tasks/")
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert client.get("/api/public/downloads/").status_code == 429
    # Another client is not affected.
    assert Client(REMOTE_ADDR="203.0.113.8").get("/api/public/results/").status_code == 200


def test_a_forged_forwarded_for_header_does_not_escape_the_limit(settings) -> None:
    settings.PUBLIC_RATE_LIMIT = "2/min"
    settings.TRUSTED_PROXY_COUNT = 0
    codes = [
        Client(REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").get("/api/public/").status_code
        for i in range(3)
    ]
    assert codes == [200, 200, 429]


def test_behind_a_trusted_proxy_the_client_is_the_address_the_proxy_saw(settings) -> None:
    settings.PUBLIC_RATE_LIMIT = "1/min"
    settings.TRUSTED_PROXY_COUNT = 1
    one = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.1.1.1, 198.51.100.1")
    two = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert one.get("/api/public/").status_code == 200
    assert two.get("/api/public/").status_code == 200
    assert one.get("/api/public/").status_code == 429
