from solution import IdempotencyConflict, IdempotencyStore, StoredResponse


class Charger:
    def __init__(self):
        self.charges = []

    def __call__(self, payload):
        self.charges.append(payload)
        return StoredResponse(201, {"charge_id": f"ch_{len(self.charges)}", "amount": payload["amount"]})


def test_retry_replays_the_first_response():
    store, charge = IdempotencyStore(), Charger()
    first = store.handle("acct_1", "key-1", {"amount": 500, "currency": "eur"}, charge)
    retry = store.handle("acct_1", "key-1", {"currency": "eur", "amount": 500}, charge)
    want = StoredResponse(201, {"charge_id": "ch_1", "amount": 500})
    assert first == (want, False), f"first call: expected ({want!r}, False), got {first!r}"
    assert retry == (want, True), f"retry: expected ({want!r}, True), got {retry!r}"
    assert len(charge.charges) == 1, f"the card was charged {len(charge.charges)} times"


def test_reused_key_with_different_payload_is_rejected():
    store, charge = IdempotencyStore(), Charger()
    store.handle("acct_1", "key-1", {"amount": 500}, charge)
    try:
        store.handle("acct_1", "key-1", {"amount": 900}, charge)
    except IdempotencyConflict:
        pass
    else:
        raise AssertionError("a different payload under the same key must raise IdempotencyConflict")
    assert len(charge.charges) == 1, f"the second payload must not be processed, charges: {charge.charges!r}"


def test_keys_are_scoped_per_client():
    store, charge = IdempotencyStore(), Charger()
    a, replayed_a = store.handle("acct_1", "same-key", {"amount": 1}, charge)
    b, replayed_b = store.handle("acct_2", "same-key", {"amount": 2}, charge)
    assert not replayed_a and not replayed_b, "different clients must not share keys"
    assert b.body["amount"] == 2 and len(charge.charges) == 2, f"acct_2 got someone else's response: {b!r}"
