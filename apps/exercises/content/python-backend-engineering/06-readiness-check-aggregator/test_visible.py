import asyncio
import time

from solution import Check, run_checks


async def database():
    await asyncio.sleep(0.02)


async def cache():
    raise ConnectionRefusedError("redis://10.0.0.5:6379 refused")


async def hangs():
    await asyncio.sleep(5)


def test_all_healthy():
    status, body = asyncio.run(run_checks([Check("database", database)]))
    assert status == 200, f"expected 200, got {status}"
    assert body["status"] == "ok", f"expected overall 'ok', got {body['status']!r}"
    db = body["checks"]["database"]
    assert db["status"] == "ok" and db["critical"] is True, f"unexpected database entry {db!r}"
    assert "error" not in db, f"a passing check must not carry an 'error' key: {db!r}"
    assert 10 <= db["latency_ms"] <= 150, f"latency should be about 20 ms, got {db['latency_ms']!r}"


def test_optional_failures_degrade():
    checks = [
        Check("database", database),
        Check("cache", cache, critical=False),
        Check("search", hangs, critical=False, timeout=0.1),
    ]
    start = time.perf_counter()
    status, body = asyncio.run(run_checks(checks))
    elapsed = time.perf_counter() - start
    assert (status, body["status"]) == (200, "degraded"), f"expected (200, 'degraded'), got {(status, body['status'])!r}"
    assert body["checks"]["cache"]["status"] == "fail", f"unexpected cache entry {body['checks']['cache']!r}"
    assert body["checks"]["cache"]["error"] == "ConnectionRefusedError", f"unexpected {body['checks']['cache']!r}"
    assert body["checks"]["search"]["status"] == "timeout", f"unexpected search entry {body['checks']['search']!r}"
    assert elapsed < 0.3, f"the hanging check should be cut off at 0.1 s, run took {elapsed:.2f} s"


def test_critical_failure_is_503():
    status, body = asyncio.run(run_checks([Check("database", cache), Check("other", database)]))
    assert (status, body["status"]) == (503, "unavailable"), f"expected (503, 'unavailable'), got {(status, body['status'])!r}"
