"""Visible tests: each one calls your code and checks what it returns.

A check is `check(label, value)`: the grader compares `value` with what the reference
solution gives for the same label, outside the sandbox. The expected values are listed
on the exercise page and shown in a failing test's message.
"""

from solution import IdempotencyConflict, IdempotencyStore, StoredResponse


class Charger:
    def __init__(self):
        self.charges = []

    def __call__(self, payload):
        self.charges.append(payload)
        return StoredResponse(201, {"charge_id": f"ch_{len(self.charges)}", "amount": payload["amount"]})


def plain(result):
    """handle()'s (response, replayed) as (status, body, replayed)."""
    response, replayed = result
    return response.status, response.body, replayed


def test_retry_replays_the_first_response(check):
    store, charge = IdempotencyStore(), Charger()
    first = store.handle("acct_1", "key-1", {"amount": 500, "currency": "eur"}, charge)
    retry = store.handle("acct_1", "key-1", {"currency": "eur", "amount": 500}, charge)
    check("first call: (status, body, replayed)", plain(first))
    check("retry with the keys reordered: (status, body, replayed)", plain(retry))
    check("number of charges", len(charge.charges))


def test_reused_key_with_different_payload_is_rejected(check):
    store, charge = IdempotencyStore(), Charger()
    store.handle("acct_1", "key-1", {"amount": 500}, charge)
    check.raises(
        "handle('acct_1', 'key-1', {'amount': 900}) after {'amount': 500}",
        IdempotencyConflict,
        store.handle,
        "acct_1",
        "key-1",
        {"amount": 900},
        charge,
    )
    check("payloads charged", charge.charges)


def test_keys_are_scoped_per_client(check):
    store, charge = IdempotencyStore(), Charger()
    a, replayed_a = store.handle("acct_1", "same-key", {"amount": 1}, charge)
    b, replayed_b = store.handle("acct_2", "same-key", {"amount": 2}, charge)
    check("acct_1 replayed?", bool(replayed_a))
    check("acct_2 (same key) replayed?", bool(replayed_b))
    check("acct_2's response body['amount']", b.body["amount"])
    check("number of charges", len(charge.charges))
