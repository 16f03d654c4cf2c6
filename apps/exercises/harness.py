"""Runs an exercise's tests inside the sandbox (copied into each run's read-only task
directory; never imported by the platform).

    python3 -I -B /task/harness.py RESULTS_FD PER_TEST_SECONDS test_visible.py [...]

Imports the learner's ``solution`` module, then each test file, and runs its ``test_*``
functions in definition order, writing one JSON line per event to RESULTS_FD (not to
stdout, which carries the learner's own output). Each test gets a wall-clock alarm.
The harness shares its process with the learner's code, so a solution could forge its
own results; that only ever affects the learner's own run, which is all it can reach.
"""

import importlib
import json
import os
import signal
import sys
import time
import traceback

MESSAGE_LIMIT = 2000
TASK_DIR = os.path.dirname(os.path.abspath(__file__))  # /task inside the sandbox


class TestTimeout(BaseException):
    pass


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
    if isinstance(error, AssertionError):
        return (text or "Assertion failed") + where
    return f"{type(error).__name__}: {text}{where}" if text else f"{type(error).__name__}{where}"


def main():
    results = os.fdopen(int(sys.argv[1]), "w", buffering=1, encoding="utf-8")
    per_test = float(sys.argv[2])
    files = sys.argv[3:]

    def report(**event):
        if event.get("message"):
            event["message"] = event["message"][:MESSAGE_LIMIT]
        results.write(json.dumps(event) + "\n")

    sys.path.insert(0, TASK_DIR)
    sys.dont_write_bytecode = True
    signal.signal(signal.SIGALRM, _alarm)
    try:
        signal.setitimer(signal.ITIMER_REAL, per_test * 2)
        importlib.import_module("solution")
        signal.setitimer(signal.ITIMER_REAL, 0)
    except TestTimeout:
        report(type="import", outcome="timeout", message="Importing your code took too long.")
        return
    except BaseException as error:
        signal.setitimer(signal.ITIMER_REAL, 0)
        report(
            type="import", outcome="error", message="Your code did not load: " + _describe(error)
        )
        return
    for filename in files:
        name = filename[:-3]
        try:
            module = importlib.import_module(name)
        except BaseException as error:
            report(
                type="test",
                name=f"{name} (loading)",
                outcome="error",
                duration_ms=0,
                message=_describe(error),
            )
            continue
        tests = [
            (attr, value)
            for attr, value in vars(module).items()
            if attr.startswith("test_")
            and callable(value)
            and getattr(value, "__module__", None) == module.__name__
        ]
        for attr, function in tests:
            started = time.perf_counter()
            outcome, message = "passed", ""
            try:
                signal.setitimer(signal.ITIMER_REAL, per_test)
                function()
            except TestTimeout:
                outcome, message = "timeout", f"Took longer than {per_test:g} s."
            except AssertionError as error:
                outcome, message = "failed", _describe(error)
            except BaseException as error:
                outcome, message = "error", _describe(error)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            report(
                type="test",
                name=attr,
                file=filename,
                outcome=outcome,
                duration_ms=round((time.perf_counter() - started) * 1000),
                message=message,
            )
    report(type="done")


if __name__ == "__main__":
    main()
