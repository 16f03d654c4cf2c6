"""The API throttles (apps/core/api/throttling.py): one fixed-window counter per request,
anonymous callers per address, signed-in callers per user, shared by REST and GraphQL."""

from __future__ import annotations

import threading

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from apps.accounts import services as account_services
from apps.core import ratelimit
from apps.core.api.throttling import AnonThrottle, UserThrottle
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def token_client(user) -> APIClient:  # type: ignore[no-untyped-def]
    _, key = account_services.api_token_create(user=user, name="cli")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def test_anonymous_requests_are_counted_by_the_address_throttle_only(monkeypatch):
    # DRF's UserRateThrottle counts anonymous requests too, by address: at 1/min it
    # would refuse the second request below.
    monkeypatch.setattr(AnonThrottle, "rate", "3/min", raising=False)
    monkeypatch.setattr(UserThrottle, "rate", "1/min", raising=False)
    api = APIClient()
    assert [api.get("/api/v1/").status_code for _ in range(4)] == [200, 200, 200, 429]


def test_signed_in_requests_are_counted_per_user_only(monkeypatch):
    monkeypatch.setattr(AnonThrottle, "rate", "1/min", raising=False)
    monkeypatch.setattr(UserThrottle, "rate", "2/min", raising=False)
    alice, bob = token_client(UserFactory()), token_client(UserFactory())
    assert [alice.get("/api/v1/").status_code for _ in range(3)] == [200, 200, 429]
    assert bob.get("/api/v1/").status_code == 200  # another user's budget
    assert APIClient().get("/api/v1/").status_code == 200  # the address budget is untouched


def test_a_refusal_says_when_to_retry(monkeypatch):
    monkeypatch.setattr(AnonThrottle, "rate", "1/min", raising=False)
    api = APIClient()
    api.get("/api/v1/")
    refused = api.get("/api/v1/")
    assert refused.status_code == 429
    wait = int(refused["Retry-After"])
    # Both requests count in this window; the next fits once the window has slid past
    # them: the rest of this minute and up to all of the next.
    assert 60 < wait <= 120
    assert refused.json()["error"]["details"]["retry_after"] == wait


def test_clients_behind_different_addresses_have_separate_budgets(monkeypatch):
    monkeypatch.setattr(AnonThrottle, "rate", "1/min", raising=False)
    api = APIClient()
    assert api.get("/api/v1/", REMOTE_ADDR="10.0.0.1").status_code == 200
    assert api.get("/api/v1/", REMOTE_ADDR="10.0.0.1").status_code == 429
    assert api.get("/api/v1/", REMOTE_ADDR="10.0.0.2").status_code == 200


@pytest.mark.services
def test_on_redis_a_hit_is_one_atomic_increment_with_an_expiry():
    """Many threads at once: every hit gets its own count (no lost updates, unlike a
    read-modify-write log), and the window's key expires."""
    limit = ratelimit.Limit("throttle-test", 1000, 60)
    counts: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(20):
            verdict = ratelimit.hit(limit, "shared")
            with lock:
                counts.append(verdict.count)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(counts) == list(range(1, 161))
    key = ratelimit._key(limit, "shared")
    assert cache.get(key) == 160  # a plain number: peek() and cache.get read it
    ttl = cache.ttl(key)
    assert 0 < ttl <= 61
    assert ratelimit.peek(limit, "shared").count == 160
