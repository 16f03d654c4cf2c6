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


B = 60.0 * 16_667  # the start of a 60 s window


def test_a_fixed_window_starts_afresh_at_its_boundary(monkeypatch):
    clock = [B + 20]
    monkeypatch.setattr(ratelimit.time, "time", lambda: clock[0])
    limit = ratelimit.Limit("f", 2, 60)
    assert [ratelimit.hit(limit, "a").allowed for _ in range(3)] == [True, True, False]
    clock[0] = B + 61  # the next window
    assert ratelimit.hit(limit, "a").allowed  # the burst a sliding window prevents


def test_a_sliding_window_weighs_the_previous_window(monkeypatch):
    clock = [B + 20]
    monkeypatch.setattr(ratelimit.time, "time", lambda: clock[0])
    limit = ratelimit.Limit("s", 4, 60, sliding=True)
    assert all(ratelimit.hit(limit, "a").allowed for _ in range(4))
    assert not ratelimit.hit(limit, "a").allowed  # 5 counted in this window
    # 6 s into the next window the previous window (5 events) still weighs 0.9: 4.5 > 4.
    clock[0] = B + 66
    refused = ratelimit.hit(limit, "a")
    assert not refused.allowed and refused.count == 6  # ceil(5 * 0.9 + 1) == 6
    assert 1 <= refused.retry_after <= 120
    assert not ratelimit.peek(limit, "a").allowed
    # Late in that window the previous one weighs little: room again.
    clock[0] = B + 115
    assert ratelimit.peek(limit, "a").allowed
    assert ratelimit.hit(limit, "a").allowed  # 5 * 5/60 + 2 = 2.4 <= 4


def test_a_sliding_refusal_says_when_one_more_event_fits(monkeypatch):
    clock = [B + 30]  # half-way through a window
    monkeypatch.setattr(ratelimit.time, "time", lambda: clock[0])
    limit = ratelimit.Limit("r", 10, 60, sliding=True)
    for _ in range(10):
        ratelimit.hit(limit, "a")
    clock[0] = B + 66  # next window, previous = 10 with weight 0.9
    assert ratelimit.hit(limit, "a").allowed  # 9 + 1 = 10
    refused = ratelimit.hit(limit, "a")  # 9 + 2 = 11: refused
    assert not refused.allowed
    # One more fits when 10 * w + 3 <= 10, i.e. w <= 0.7: 18 s in, 12 s from now.
    assert refused.retry_after == 12
    clock[0] += refused.retry_after
    assert ratelimit.hit(limit, "a").allowed


def test_reset_clears_both_windows():
    limit = ratelimit.Limit("z2", 1, 60, sliding=True)
    ratelimit.hit(limit, "a")
    assert not ratelimit.peek(limit, "a").allowed
    ratelimit.reset(limit, "a")
    assert ratelimit.peek(limit, "a").allowed
