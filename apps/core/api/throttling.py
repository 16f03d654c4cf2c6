"""The API's throttles: DRF's throttle interface over the site's rate-limit counters.

DRF's own ``AnonRateThrottle``/``UserRateThrottle`` keep a sliding log: every request
reads the list of timestamps in the window from the cache, prunes it and writes it back
(two round trips and a pickled list that grows with the rate, per throttle), and two
requests in flight at once can both pass on the same list. Here each request is one
atomic round trip to Redis (``apps.core.ratelimit``, the counters behind the login,
sign-up, join-code and code-run limits too) on a *sliding window counter*: this
window's count plus the previous window's, weighted by its overlap with the last
``window`` seconds, so there is no burst of twice the rate at a window boundary.
Each request is counted by exactly one throttle: anonymous requests per address,
signed-in ones per user (DRF's user throttle also counts anonymous requests, by
address, a second time). Refused requests count too: a client that keeps hammering
stays refused.

Rates and scopes stay DRF's: ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["anon"|"user"]``.
The lesson on rate limiting compares the algorithms.
"""

from __future__ import annotations

from typing import Any

from rest_framework.throttling import SimpleRateThrottle

from apps.core import ratelimit


class _WindowThrottle(SimpleRateThrottle):
    anonymous: bool  # which requests this throttle counts
    num_requests: int  # set by SimpleRateThrottle.__init__ from the rate
    duration: int

    def __init__(self) -> None:
        super().__init__()
        self.retry_after: int | None = None

    def allow_request(self, request: Any, view: Any) -> bool:
        if self.rate is None or request.user.is_authenticated == self.anonymous:
            return True
        if self.anonymous:  # no address at all (an in-process client): one shared budget
            identity = f"addr:{self.get_ident(request) or 'unknown'}"
        else:
            identity = f"user:{request.user.pk}"
        verdict = ratelimit.hit(
            ratelimit.Limit(f"api-{self.scope}", self.num_requests, self.duration, sliding=True),
            identity,
        )
        if verdict.allowed:
            return True
        self.retry_after = verdict.retry_after
        return False

    def wait(self) -> float | None:
        return self.retry_after


class AnonThrottle(_WindowThrottle):
    """Anonymous requests, per client address (DRF's ``get_ident``: ``NUM_PROXIES``)."""

    scope = "anon"
    anonymous = True


class UserThrottle(_WindowThrottle):
    """Signed-in requests (session or token), per user."""

    scope = "user"
    anonymous = False
