"""Visible tests: each one calls your code and checks what it returns.

A check is `check(label, value)`: the grader compares `value` with what the reference
solution gives for the same label, outside the sandbox. The expected values are listed
on the exercise page and shown in a failing test's message.
"""

from solution import Ingestor

NOW = 1_700_000_000.0


def reading(seq, ts=NOW - 10, device="sensor-7", value=21.5):
    return {"device_id": device, "seq": seq, "ts": ts, "value": value}


def test_example_batch(check):
    ingest = Ingestor(clock=lambda: NOW)
    batch = [
        reading(0, NOW - 10),
        reading(1, NOW - 5),
        reading(1, NOW - 5),
        reading(4, 4_102_444_800.0),
        {"device_id": "", "seq": 5, "ts": NOW - 1, "value": 1},
        reading(3, NOW - 1),
    ]
    check("ingest(the example batch)", ingest.ingest(batch))
    check("seq of each stored row", [r["seq"] for r in ingest.stored])


def test_resent_batch_is_stored_once(check):
    ingest = Ingestor(clock=lambda: NOW)
    batch = [reading(0), reading(1)]
    ingest.ingest(batch)
    check("ingest(the same batch again)", ingest.ingest(batch))
    check("len(stored)", len(ingest.stored))


def test_stored_row_keeps_both_clocks(check):
    ingest = Ingestor(clock=lambda: NOW)
    ingest.ingest([reading(0, ts=NOW - 3600, value=19.0)])
    check("stored after one reading taken an hour ago", ingest.stored)


def test_missing_ranges(check):
    ingest = Ingestor(clock=lambda: NOW)
    ingest.ingest([reading(s) for s in (9, 0, 5, 1, 4)])
    check("missing('sensor-7') after seqs 9, 0, 5, 1, 4", ingest.missing("sensor-7"))
