from solution import Ingestor

NOW = 1_700_000_000.0


def reading(seq, ts=NOW - 10, device="sensor-7", value=21.5):
    return {"device_id": device, "seq": seq, "ts": ts, "value": value}


def test_invalid_items(check):
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
    check("accepted (only the last item is valid)", got["accepted"])
    check("duplicates", got["duplicates"])
    check("rejected", got["rejected"])


def test_future_skew_boundary(check):
    ingest = Ingestor(max_future_skew=60, clock=lambda: NOW)
    got = ingest.ingest([reading(0, ts=NOW + 60), reading(1, ts=NOW + 60.001), reading(2, ts=0.0)])
    check("ingest(ts = now + 60, now + 60.001, 0.0) with max_future_skew=60", got)


def test_future_rejection_does_not_block_a_later_good_copy(check):
    clock = [NOW]
    ingest = Ingestor(max_future_skew=0, clock=lambda: clock[0])
    ingest.ingest([reading(0, ts=NOW + 100)])
    clock[0] = NOW + 200
    got = ingest.ingest([reading(0, ts=NOW + 100)])
    check("accepted when the rejected reading is sent again 200 s later", got["accepted"])


def test_devices_are_independent(check):
    ingest = Ingestor(clock=lambda: NOW)
    got = ingest.ingest([reading(0, device="a"), reading(0, device="b"), reading(0, device="a")])
    check("ingest(a/0, b/0, a/0)", got)
    check("missing('a')", ingest.missing("a"))
    check("missing('unknown')", ingest.missing("unknown"))


def test_first_copy_wins(check):
    ingest = Ingestor(clock=lambda: NOW)
    ingest.ingest([reading(0, value=1.0), reading(0, value=2.0)])
    check("values stored for seq 0 sent with 1.0 then 2.0", [r["value"] for r in ingest.stored])


def test_received_at_uses_clock_per_call(check):
    clock = [NOW]
    ingest = Ingestor(clock=lambda: clock[0])
    ingest.ingest([reading(0)])
    clock[0] = NOW + 42
    ingest.ingest([reading(1)])
    check("received_at of each stored row", [r["received_at"] for r in ingest.stored])


def test_gaps_fill_in_over_time(check):
    ingest = Ingestor(clock=lambda: NOW)
    ingest.ingest([reading(s) for s in (0, 10)])
    check("missing('sensor-7') after seqs 0, 10", ingest.missing("sensor-7"))
    ingest.ingest([reading(s) for s in (5, 1, 9)])
    check("missing('sensor-7') after seqs 5, 1, 9 arrived", ingest.missing("sensor-7"))


def test_extra_keys_ignored_and_generator_batches(check):
    ingest = Ingestor(clock=lambda: NOW)
    got = ingest.ingest({**reading(s), "firmware": "1.2"} for s in range(3))
    check("accepted from a generator of 3 readings with a 'firmware' key", got["accepted"])
    check("sorted keys of stored[0]", sorted(ingest.stored[0]))
