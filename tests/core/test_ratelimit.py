from __future__ import annotations

from apps.core import ratelimit


def test_hit_allows_up_to_the_limit_then_refuses():
    limit = ratelimit.Limit("t", 3, 60)
    verdicts = [ratelimit.hit(limit, "alice") for _ in range(4)]
    assert [v.allowed for v in verdicts] == [True, True, True, False]
    assert verdicts[-1].count == 4
    assert 0 < verdicts[-1].retry_after <= 60


def test_identities_and_scopes_are_independent():
    a = ratelimit.Limit("a", 1, 60)
    b = ratelimit.Limit("b", 1, 60)
    assert ratelimit.hit(a, "x").allowed
    assert not ratelimit.hit(a, "x").allowed
    assert ratelimit.hit(a, "y").allowed
    assert ratelimit.hit(b, "x").allowed


def test_peek_does_not_count_and_reset_clears():
    limit = ratelimit.Limit("p", 1, 60)
    assert ratelimit.peek(limit, "z").allowed
    assert ratelimit.peek(limit, "z").allowed
    ratelimit.hit(limit, "z")
    assert not ratelimit.peek(limit, "z").allowed
    ratelimit.reset(limit, "z")
    assert ratelimit.peek(limit, "z").allowed
