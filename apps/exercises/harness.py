"""Runs an exercise's probes inside the sandbox (copied into each run's read-only task
directory; never imported by the platform).

    python3 -I -S -B /task/harness.py

It reads ``/task/manifest.json`` (the results descriptor, the probe file, the tests to
run in order, the per-test alarm), imports the learner's ``solution`` module, then the
probe file, and calls each test with a ``check`` recorder. A test only *observes*: it
calls the learner's code and hands each value to ``check(label, value)``. Nothing here
decides whether a test passed: this process writes one JSON line per test to the results
descriptor (the observations, or the exception that stopped the test) and the worker,
outside the sandbox, compares them with the expected values, which never enter it for
hidden tests. Everything in this process — this file included — is the learner's to
change, so it is written to be useful to honest code, not to be trusted.
"""

import importlib
import json
import math
import os
import signal
import sys
import time
import traceback

MESSAGE_LIMIT = 2000
RECORD_LIMIT = 200 * 1024  # the worker reads at most 256 KB per line
MAX_DEPTH = 32
MAX_CHECKS = 500
TASK_DIR = os.path.dirname(os.path.abspath(__file__))  # /task inside the sandbox


class TestTimeout(BaseException):
    pass


class Unobservable(Exception):
    """A value the protocol cannot carry (too deep, too large)."""


def _alarm(signum, frame):
    raise TestTimeout()


def _describe(error):
    frames = traceback.extract_tb(error.__traceback__)
    where = ""
    for frame in reversed(frames):
        if frame.filename.startswith(TASK_DIR + os.sep):
            where = f" ({os.path.basename(frame.filename)}, line {frame.lineno})"
            break
    text = str(error)
    return f"{type(error).__name__}: {text}{where}" if text else f"{type(error).__name__}{where}"


def encode(value, depth=0):
    """A value as plain JSON data that keeps Python's distinctions (tuple or list, set,
    dict keys that are not strings, NaN). Subclasses of built-in types are read as their
    base type; other objects cannot be compared and say so."""
    if depth > MAX_DEPTH:
        raise Unobservable(f"a value nested more than {MAX_DEPTH} levels deep")
    if value is None or value is True or value is False:
        return value
    kind = type(value)
    if kind is int:
        if value.bit_length() > 14000:
            raise Unobservable("an integer with more than 4,200 digits")
        if value.bit_length() > 290:  # more than ~87 digits: as text (JSON readers cap numbers)
            return {"$int": str(value)}
        return value
    if kind is float:
        if math.isnan(value):
            return {"$float": "nan"}
        if math.isinf(value):
            return {"$float": "inf" if value > 0 else "-inf"}
        return value
    if kind is str:
        return value
    if kind is list:
        return [encode(item, depth + 1) for item in value]
    if kind is tuple:
        return {"$tuple": [encode(item, depth + 1) for item in value]}
    if kind is dict:
        return {"$dict": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()]}
    if kind is set or kind is frozenset:
        items = [encode(item, depth + 1) for item in value]
        items.sort(key=lambda item: json.dumps(item, sort_keys=True))
        return {"$set" if kind is set else "$frozenset": items}
    if kind is bytes or kind is bytearray:
        return {"$bytes": bytes(value).hex()}
    import enum

    if isinstance(value, enum.Enum):
        return {"$enum": f"{kind.__name__}.{value.name}"}
    if isinstance(value, BaseException):
        return {"$exception": kind.__name__}
    for base in (bool, int, float, str, tuple, list, dict, set, frozenset, bytes, bytearray):
        if isinstance(value, base):  # a subclass (a namedtuple, an OrderedDict, …)
            if base is tuple:
                return encode(tuple(iter(value)), depth)
            if base is dict:
                return encode(dict(dict.items(value)), depth)
            return encode(base(value), depth)
    from decimal import Decimal
    from fractions import Fraction

    if isinstance(value, Decimal | Fraction):
        return {"$number": f"{kind.__name__}({str(value)!r})"}
    import datetime

    if isinstance(value, datetime.date | datetime.time | datetime.timedelta):
        return {"$value": repr(value)}
    return {"$object": kind.__name__}


class Check:
    """What a test hands its observations to."""

    def __init__(self):
        self.observations = []

    def __call__(self, label, value, *, approx=None):
        self._record(label, encode(value), approx)

    def _record(self, label, encoded, approx=None):
        if len(self.observations) >= MAX_CHECKS:
            raise Unobservable(f"more than {MAX_CHECKS} checks in one test")
        entry = [str(label)[:300], encoded]
        if approx is not None:
            entry.append({"approx": 1e-9 if approx is True else float(approx)})
        self.observations.append(entry)

    def raises(self, label, expected, function, *args, **kwargs):
        """Observe whether ``function(*args, **kwargs)`` raises an ``expected``; return
        the exception it raised (for a test to look further), or None."""
        try:
            value = function(*args, **kwargs)
        except expected as error:
            self._record(label, {"$raises": expected.__name__})
            return error
        except Exception as error:
            self._record(label, {"$raised": f"{type(error).__name__}: {error}"[:300]})
            return None
        self._record(label, {"$returned": encode(value)})
        return None


def main():
    with open(os.path.join(TASK_DIR, "manifest.json"), encoding="utf-8") as handle:
        manifest = json.load(handle)
    results = manifest["results_fd"]
    per_test = float(manifest["per_test_seconds"])

    def report(**event):
        if event.get("error"):
            event["error"] = event["error"][:MESSAGE_LIMIT]
        data = (json.dumps(event, separators=(",", ":")) + "\n").encode("utf-8")
        if len(data) > RECORD_LIMIT and event.get("event") == "test":
            size = len(data) // 1024
            event.update(obs=[], error=f"The values this test checked are too large ({size} KB).")
            data = (json.dumps(event, separators=(",", ":")) + "\n").encode("utf-8")
        while data:
            data = data[os.write(results, data) :]

    sys.path.insert(0, TASK_DIR)
    sys.dont_write_bytecode = True
    signal.signal(signal.SIGALRM, _alarm)
    try:
        signal.setitimer(signal.ITIMER_REAL, per_test * 2)
        importlib.import_module("solution")
        signal.setitimer(signal.ITIMER_REAL, 0)
    except TestTimeout:
        report(event="import", timeout=True, error="Importing your code took too long.")
        return
    except BaseException as error:
        signal.setitimer(signal.ITIMER_REAL, 0)
        report(event="import", error="Your code did not load: " + _describe(error))
        return
    try:
        module = importlib.import_module(manifest["module"])
    except BaseException as error:
        report(event="load", error=_describe(error))
        return
    for name in manifest["tests"]:
        check = Check()
        started = time.perf_counter()
        event = {"event": "test", "test": name}
        try:
            function = getattr(module, name)
            signal.setitimer(signal.ITIMER_REAL, per_test)
            function(check)
            signal.setitimer(signal.ITIMER_REAL, 0)
        except TestTimeout:
            event.update(timeout=True, error=f"Took longer than {per_test:g} s.")
        except BaseException as error:
            signal.setitimer(signal.ITIMER_REAL, 0)
            event["error"] = _describe(error)
        event["obs"] = check.observations
        event["ms"] = round((time.perf_counter() - started) * 1000)
        report(**event)


if __name__ == "__main__":
    main()
