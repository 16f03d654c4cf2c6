from solution import Ingestor

NOW = 1_700_000_000.0


def reading(seq, ts=NOW - 10, device="sensor-7", value=21.5):
    return {"device_id": device, "seq": seq, "ts": ts, "value": value}


def test_invalid_items():
    ingest = Ingestor(clock=lambda: NOW)
    batch = [
        "not a dict",
        None,
        {"seq": 1, "ts": NOW, "value": 1},
        reading(-1),
        reading(True),
        reading(1.0),
        {**reading(2), "ts": "yesterday"},
        {**reading(3), "value": None},
        {**reading(4), "value": False},
        {**reading(5), "device_id": 7},
        reading(6),
    ]
    got = ingest.ingest(batch)
    assert got["accepted"] == 1 and got["duplicates"] == 0, f"only the last item is valid: {got!r}"
    assert got["rejected"] == [{"index": i, "reason": "invalid"} for i in range(10)], f"unexpected {got['rejected']!r}"


def test_future_skew_boundary():
    ingest = Ingestor(max_future_skew=60, clock=lambda: NOW)
    got = ingest.ingest([reading(0, ts=NOW + 60), reading(1, ts=NOW + 60.001), reading(2, ts=0.0)])
    assert got == {"accepted": 2, "duplicates": 0, "rejected": [{"index": 1, "reason": "future"}]}, f"unexpected {got!r}"


def test_future_rejection_does_not_block_a_later_good_copy():
    clock = [NOW]
    ingest = Ingestor(max_future_skew=0, clock=lambda: clock[0])
    ingest.ingest([reading(0, ts=NOW + 100)])
    clock[0] = NOW + 200
    got = ingest.ingest([reading(0, ts=NOW + 100)])
    assert got["accepted"] == 1, f"a rejected reading was not stored, so it is not a duplicate later: {got!r}"


def test_devices_are_independent():
    ingest = Ingestor(clock=lambda: NOW)
    got = ingest.ingest([reading(0, device="a"), reading(0, device="b"), reading(0, device="a")])
    assert got == {"accepted": 2, "duplicates": 1, "rejected": []}, f"unexpected {got!r}"
    assert ingest.missing("a") == [] and ingest.missing("unknown") == []


def test_first_copy_wins():
    ingest = Ingestor(clock=lambda: NOW)
    ingest.ingest([reading(0, value=1.0), reading(0, value=2.0)])
    assert [r["value"] for r in ingest.stored] == [1.0], f"the first copy should be kept: {ingest.stored!r}"


def test_received_at_uses_clock_per_call():
    clock = [NOW]
    ingest = Ingestor(clock=lambda: clock[0])
    ingest.ingest([reading(0)])
    clock[0] = NOW + 42
    ingest.ingest([reading(1)])
    assert [r["received_at"] for r in ingest.stored] == [NOW, NOW + 42]


def test_gaps_fill_in_over_time():
    ingest = Ingestor(clock=lambda: NOW)
    ingest.ingest([reading(s) for s in (0, 10)])
    assert ingest.missing("sensor-7") == [(1, 9)]
    ingest.ingest([reading(s) for s in (5, 1, 9)])
    got = ingest.missing("sensor-7")
    assert got == [(2, 4), (6, 8)], f"expected [(2, 4), (6, 8)], got {got!r}"


def test_extra_keys_ignored_and_generator_batches():
    ingest = Ingestor(clock=lambda: NOW)
    got = ingest.ingest({**reading(s), "firmware": "1.2"} for s in range(3))
    assert got["accepted"] == 3, f"unexpected {got!r}"
    assert set(ingest.stored[0]) == {"device_id", "seq", "device_time", "received_at", "value"}
