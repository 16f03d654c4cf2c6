import asyncio
import json
import time

from solution import Check, run_checks


def make_sleeper(seconds):
    async def probe():
        await asyncio.sleep(seconds)
        return "PONG"

    return probe


async def leaky():
    raise RuntimeError("password=hunter2 host=db.internal")


def test_checks_run_concurrently():
    checks = [Check(f"c{i}", make_sleeper(0.05)) for i in range(5)]
    start = time.perf_counter()
    status, body = asyncio.run(run_checks(checks))
    elapsed = time.perf_counter() - start
    assert status == 200 and body["status"] == "ok", f"unexpected {status} {body['status']!r}"
    assert elapsed < 0.15, f"5 checks of 50 ms should overlap, took {elapsed:.2f} s"
    assert list(body["checks"]) == [f"c{i}" for i in range(5)], f"unexpected names {list(body['checks'])!r}"


def test_no_checks_is_ok():
    got = asyncio.run(run_checks([]))
    assert got == (200, {"status": "ok", "checks": {}}), f"unexpected {got!r}"


def test_error_message_never_leaks():
    status, body = asyncio.run(run_checks([Check("db", leaky)]))
    text = json.dumps(body)
    assert "hunter2" not in text and "db.internal" not in text, f"exception message leaked: {text}"
    assert body["checks"]["db"] == {
        "status": "fail",
        "critical": True,
        "latency_ms": body["checks"]["db"]["latency_ms"],
        "error": "RuntimeError",
    }, f"unexpected entry {body['checks']['db']!r}"
    assert status == 503


def test_critical_timeout_is_503_and_latency_near_timeout():
    status, body = asyncio.run(run_checks([Check("broker", make_sleeper(2), timeout=0.08)]))
    entry = body["checks"]["broker"]
    assert status == 503 and entry["status"] == "timeout", f"unexpected {status} {entry!r}"
    assert "error" not in entry, f"a timeout has no 'error' key: {entry!r}"
    assert 70 <= entry["latency_ms"] <= 200, f"latency should be about 80 ms, got {entry['latency_ms']!r}"


def test_latency_rounded_to_one_decimal():
    _, body = asyncio.run(run_checks([Check("a", make_sleeper(0.01))]))
    latency = body["checks"]["a"]["latency_ms"]
    assert isinstance(latency, float) and round(latency, 1) == latency, f"expected 1 decimal place, got {latency!r}"


def test_each_check_has_its_own_timeout():
    checks = [
        Check("slow_but_allowed", make_sleeper(0.06), timeout=0.5),
        Check("strict", make_sleeper(0.06), timeout=0.02, critical=False),
    ]
    status, body = asyncio.run(run_checks(checks))
    assert body["checks"]["slow_but_allowed"]["status"] == "ok", f"unexpected {body['checks']!r}"
    assert body["checks"]["strict"]["status"] == "timeout", f"unexpected {body['checks']!r}"
    assert (status, body["status"]) == (200, "degraded"), f"unexpected {(status, body['status'])!r}"


def test_duplicate_names_rejected_before_running():
    ran = []

    async def probe():
        ran.append(1)

    try:
        asyncio.run(run_checks([Check("db", probe), Check("db", probe)]))
    except ValueError:
        assert ran == [], "no probe should run when the names are invalid"
        return
    raise AssertionError("duplicate check names should raise ValueError")


def test_probe_return_value_is_ignored():
    async def returns_false():
        return False

    status, body = asyncio.run(run_checks([Check("x", returns_false)]))
    assert status == 200 and body["checks"]["x"]["status"] == "ok", "returning any value counts as a pass"
