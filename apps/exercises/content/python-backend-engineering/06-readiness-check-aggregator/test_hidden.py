import asyncio
import json

import solution
from probes import run_virtual
from solution import Check, run_checks

START = 1234.567


def run(coro):
    """Run `coro` on the virtual clock; `time.perf_counter()` and `time.monotonic()` read
    it meanwhile. Return its result and the virtual seconds it took."""
    return run_virtual(coro, start=START, clock_in=(solution,))


def within(value, low, high):
    if isinstance(value, int | float) and not isinstance(value, bool) and low <= value <= high:
        return f"between {low} and {high}"
    return value


def make_sleeper(seconds):
    async def probe():
        await asyncio.sleep(seconds)
        return "PONG"

    return probe


async def leaky():
    raise RuntimeError("password=hunter2 host=db.internal")


def test_checks_run_concurrently(check):
    checks = [Check(f"c{i}", make_sleeper(0.05)) for i in range(5)]
    (status, body), elapsed = run(run_checks(checks))
    check("(HTTP status, body['status'])", (status, body["status"]))
    check("time taken by 5 checks of 50 ms", "under 0.15 s" if elapsed < 0.15 else f"{elapsed:.2f} s")
    check("names in body['checks'], in order", list(body["checks"]))


def test_no_checks_is_ok(check):
    got, _ = run(run_checks([]))
    check("run_checks([])", got)


def test_error_message_never_leaks(check):
    (status, body), _ = run(run_checks([Check("db", leaky)]))
    text = json.dumps(body)
    check("the exception's message appears in the body", "hunter2" in text or "db.internal" in text)
    entry = body["checks"]["db"]
    check("keys of the db entry", sorted(entry))
    check("db entry without latency_ms", {k: v for k, v in entry.items() if k != "latency_ms"})
    check("HTTP status", status)


def test_critical_timeout_is_503_and_latency_near_timeout(check):
    (status, body), _ = run(run_checks([Check("broker", make_sleeper(2), timeout=0.08)]))
    entry = body["checks"]["broker"]
    check("(HTTP status, broker status)", (status, entry["status"]))
    check("broker: has an 'error' key", "error" in entry)
    check("broker: latency_ms (timeout 80 ms)", within(entry["latency_ms"], 70, 200))


def test_latency_rounded_to_one_decimal(check):
    (_, body), _ = run(run_checks([Check("a", make_sleeper(0.01))]))
    latency = body["checks"]["a"]["latency_ms"]
    check("type of latency_ms", type(latency).__name__)
    check("latency_ms has at most one decimal", isinstance(latency, float) and round(latency, 1) == latency)


def test_each_check_has_its_own_timeout(check):
    checks = [
        Check("slow_but_allowed", make_sleeper(0.06), timeout=0.5),
        Check("strict", make_sleeper(0.06), timeout=0.02, critical=False),
    ]
    (status, body), _ = run(run_checks(checks))
    check("slow_but_allowed: status", body["checks"]["slow_but_allowed"]["status"])
    check("strict: status", body["checks"]["strict"]["status"])
    check("(HTTP status, body['status'])", (status, body["status"]))


def test_duplicate_names_rejected_before_running(check):
    ran = []

    async def probe():
        ran.append(1)

    checks = [Check("db", probe), Check("db", probe)]
    check.raises("two checks named 'db'", ValueError, lambda: run(run_checks(checks)))
    check("probes run", len(ran))


def test_probe_return_value_is_ignored(check):
    async def returns_false():
        return False

    (status, body), _ = run(run_checks([Check("x", returns_false)]))
    check("(HTTP status, x status)", (status, body["checks"]["x"]["status"]))
