from solution import IdempotencyConflict, IdempotencyStore, RequestInProgress, StoredResponse


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def ok(payload):
    return StoredResponse(201, {"echo": payload})


def plain(result):
    """handle()'s (response, replayed) as (status, body, replayed)."""
    response, replayed = result
    return response.status, response.body, replayed


def test_key_length_validation(check):
    store = IdempotencyStore()
    for key in ("", "k" * 256):
        check.raises(f"a key of length {len(key)}", ValueError, store.handle, "c", key, {}, ok)
    check("a key of length 255: (status, body, replayed)", plain(store.handle("c", "k" * 255, {}, ok)))


def test_exception_releases_the_key(check):
    store = IdempotencyStore()
    calls = []

    def flaky(payload):
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("provider timeout")
        return StoredResponse(201, {"n": len(calls)})

    check.raises("first call, process raises ConnectionError", ConnectionError, store.handle, "c", "k", {"a": 1}, flaky)
    check("the retry: (status, body, replayed)", plain(store.handle("c", "k", {"a": 1}, flaky)))


def test_server_errors_are_not_stored_but_client_errors_are(check):
    store = IdempotencyStore()
    replies = [StoredResponse(503, {"error": "busy"}), StoredResponse(201, {"ok": True})]
    got1 = store.handle("c", "k", {}, lambda p: replies.pop(0))
    got2 = store.handle("c", "k", {}, lambda p: replies.pop(0))
    check("first call answered 503: (status, body, replayed)", plain(got1))
    check("retry after the 503: (status, body, replayed)", plain(got2))

    declined = StoredResponse(402, {"error": "card_declined"})
    store.handle("c", "k2", {}, lambda p: declined)
    got = store.handle("c", "k2", {}, lambda p: StoredResponse(201, {}))
    check("retry after a 402: (status, body, replayed)", plain(got))


def test_reentrant_call_is_in_progress(check):
    store = IdempotencyStore()

    def process(payload):
        check.raises(
            "handle('c', 'k', {'other': True}) while 'k' is being processed",
            RequestInProgress,
            store.handle,
            "c",
            "k",
            {"other": True},
            ok,
        )
        return StoredResponse(201, {})

    check("the first call: (status, body, replayed)", plain(store.handle("c", "k", {"a": 1}, process)))


def test_expiry_frees_the_key(check):
    clock = FakeClock()
    store = IdempotencyStore(ttl=60, clock=clock)
    store.handle("c", "k", {"amount": 1}, ok)
    clock.now = 59.9
    check("at t=59.9 (ttl 60): replayed", store.handle("c", "k", {"amount": 1}, ok)[1])
    clock.now = 60.0
    check(
        "at t=60.0 with another payload: (status, body, replayed)",
        plain(store.handle("c", "k", {"amount": 2}, ok)),
    )


def test_ttl_counts_from_when_the_response_was_stored(check):
    clock = FakeClock()
    store = IdempotencyStore(ttl=10, clock=clock)

    def slow(payload):
        clock.now += 8  # processing takes 8 "seconds"
        return StoredResponse(200, {})

    store.handle("c", "k", {}, slow)
    clock.now = 17.0  # 9 s after it was stored
    check("at t=17 (stored at t=8, ttl 10): (status, body, replayed)", plain(store.handle("c", "k", {}, ok)))


def test_nested_payload_fingerprint_ignores_key_order(check):
    store = IdempotencyStore()
    store.handle("c", "k", {"card": {"last4": "4242", "exp": "12/30"}, "amount": 5}, ok)
    got = store.handle("c", "k", {"amount": 5, "card": {"exp": "12/30", "last4": "4242"}}, ok)
    check("nested keys reordered: (status, body, replayed)", plain(got))
    check.raises(
        "a changed nested value (exp '12/31')",
        IdempotencyConflict,
        store.handle,
        "c",
        "k",
        {"amount": 5, "card": {"exp": "12/31", "last4": "4242"}},
        ok,
    )
