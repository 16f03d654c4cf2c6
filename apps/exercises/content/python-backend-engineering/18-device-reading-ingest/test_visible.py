from solution import Ingestor

NOW = 1_700_000_000.0


def reading(seq, ts=NOW - 10, device="sensor-7", value=21.5):
    return {"device_id": device, "seq": seq, "ts": ts, "value": value}


def test_example_batch():
    ingest = Ingestor(clock=lambda: NOW)
    batch = [
        reading(0, NOW - 10),
        reading(1, NOW - 5),
        reading(1, NOW - 5),
        reading(4, 4_102_444_800.0),
        {"device_id": "", "seq": 5, "ts": NOW - 1, "value": 1},
        reading(3, NOW - 1),
    ]
    got = ingest.ingest(batch)
    want = {"accepted": 3, "duplicates": 1, "rejected": [{"index": 3, "reason": "future"}, {"index": 4, "reason": "invalid"}]}
    assert got == want, f"expected {want!r}, got {got!r}"
    assert [r["seq"] for r in ingest.stored] == [0, 1, 3], f"unexpected stored seqs {[r['seq'] for r in ingest.stored]!r}"


def test_resent_batch_is_stored_once():
    ingest = Ingestor(clock=lambda: NOW)
    batch = [reading(0), reading(1)]
    ingest.ingest(batch)
    got = ingest.ingest(batch)
    assert got == {"accepted": 0, "duplicates": 2, "rejected": []}, f"a resent batch is all duplicates, got {got!r}"
    assert len(ingest.stored) == 2, f"expected 2 stored rows, got {len(ingest.stored)}"


def test_stored_row_keeps_both_clocks():
    ingest = Ingestor(clock=lambda: NOW)
    ingest.ingest([reading(0, ts=NOW - 3600, value=19.0)])
    want = {"device_id": "sensor-7", "seq": 0, "device_time": NOW - 3600, "received_at": NOW, "value": 19.0}
    assert ingest.stored == [want], f"expected {[want]!r}, got {ingest.stored!r}"


def test_missing_ranges():
    ingest = Ingestor(clock=lambda: NOW)
    ingest.ingest([reading(s) for s in (9, 0, 5, 1, 4)])
    got = ingest.missing("sensor-7")
    assert got == [(2, 3), (6, 8)], f"expected [(2, 3), (6, 8)], got {got!r}"
