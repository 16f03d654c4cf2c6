from solution import IdempotencyConflict, IdempotencyStore, RequestInProgress, StoredResponse


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def ok(payload):
    return StoredResponse(201, {"echo": payload})


def test_key_length_validation():
    store = IdempotencyStore()
    for key in ("", "k" * 256):
        try:
            store.handle("c", key, {}, ok)
        except ValueError:
            continue
        raise AssertionError(f"a key of length {len(key)} should raise ValueError")
    assert store.handle("c", "k" * 255, {}, ok)[1] is False


def test_exception_releases_the_key():
    store = IdempotencyStore()
    calls = []

    def flaky(payload):
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("provider timeout")
        return StoredResponse(201, {"n": len(calls)})

    try:
        store.handle("c", "k", {"a": 1}, flaky)
    except ConnectionError:
        pass
    else:
        raise AssertionError("the exception from process must propagate")
    got = store.handle("c", "k", {"a": 1}, flaky)
    assert got == (StoredResponse(201, {"n": 2}), False), f"the retry should run again, got {got!r}"


def test_server_errors_are_not_stored_but_client_errors_are():
    store = IdempotencyStore()
    replies = [StoredResponse(503, {"error": "busy"}), StoredResponse(201, {"ok": True})]
    got1 = store.handle("c", "k", {}, lambda p: replies.pop(0))
    got2 = store.handle("c", "k", {}, lambda p: replies.pop(0))
    assert got1 == (StoredResponse(503, {"error": "busy"}), False), f"unexpected {got1!r}"
    assert got2 == (StoredResponse(201, {"ok": True}), False), f"a 503 must not be replayed, got {got2!r}"

    declined = StoredResponse(402, {"error": "card_declined"})
    store.handle("c", "k2", {}, lambda p: declined)
    got = store.handle("c", "k2", {}, lambda p: StoredResponse(201, {}))
    assert got == (declined, True), f"a 4xx result is final and must be replayed, got {got!r}"


def test_reentrant_call_is_in_progress():
    store = IdempotencyStore()
    seen = []

    def process(payload):
        try:
            store.handle("c", "k", {"other": True}, ok)
        except RequestInProgress:
            seen.append("in progress")
        return StoredResponse(201, {})

    store.handle("c", "k", {"a": 1}, process)
    assert seen == ["in progress"], f"a second call during processing should raise RequestInProgress: {seen!r}"


def test_expiry_frees_the_key():
    clock = FakeClock()
    store = IdempotencyStore(ttl=60, clock=clock)
    store.handle("c", "k", {"amount": 1}, ok)
    clock.now = 59.9
    assert store.handle("c", "k", {"amount": 1}, ok)[1] is True, "still within the ttl: replay"
    clock.now = 60.0
    got = store.handle("c", "k", {"amount": 2}, ok)
    assert got == (StoredResponse(201, {"echo": {"amount": 2}}), False), f"after expiry the key is new: {got!r}"


def test_ttl_counts_from_when_the_response_was_stored():
    clock = FakeClock()
    store = IdempotencyStore(ttl=10, clock=clock)

    def slow(payload):
        clock.now += 8  # processing takes 8 "seconds"
        return StoredResponse(200, {})

    store.handle("c", "k", {}, slow)
    clock.now = 17.0  # 9 s after it was stored
    assert store.handle("c", "k", {}, ok)[1] is True, "expiry counts from when the response was stored"


def test_nested_payload_fingerprint_ignores_key_order():
    store = IdempotencyStore()
    store.handle("c", "k", {"card": {"last4": "4242", "exp": "12/30"}, "amount": 5}, ok)
    got = store.handle("c", "k", {"amount": 5, "card": {"exp": "12/30", "last4": "4242"}}, ok)
    assert got[1] is True, "nested key order must not change the fingerprint"
    try:
        store.handle("c", "k", {"amount": 5, "card": {"exp": "12/31", "last4": "4242"}}, ok)
    except IdempotencyConflict:
        return
    raise AssertionError("a changed nested value is a different payload")
