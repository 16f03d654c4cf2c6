"""What a password costs: hashing one, and a whole sign-up and sign-in through Django.

    .venv/bin/python bench/signup_bench.py               # 7 of each, the production hashers
    .venv/bin/python bench/signup_bench.py --runs 15 --concurrency 16
    .venv/bin/python bench/signup_bench.py --first-hasher PBKDF2PasswordHasher   # the old default

Embedded mode on a throwaway SQLite file (migrated first), ``DJANGO_ENV=development``:
the hashers are the production list (``PASSWORD_HASHERS`` in config/settings.py; only the
test suite swaps in a fast one), or that list with ``--first-hasher`` moved to the front.
Four timings, each the median and the slowest of
``--runs``:

* ``make_password``: hashing one password with the first hasher;
* sign-up: ``POST /accounts/signup/`` through Django's test client (the form's password
  validators, the hash, the user and its group, the session), each from its own address
  so the sign-up rate limit does not answer instead;
* sign-in: ``POST /accounts/login/`` with the right password (one hash check);
* sign-ups under load: ``--concurrency`` sign-ups at once, each in its own thread (the
  hashers release the GIL, as a web process's request threads would): the time each one
  took, and sign-ups per second over the whole batch.

The process's peak resident memory is printed last (Argon2 holds ``memory_cost`` KiB per
hash while it runs).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "a-long-enough-pass-phrase-4821"


def timed(runs: int, func: Callable[[int], object]) -> tuple[float, float]:
    took = []
    for i in range(runs):
        started = time.perf_counter()
        func(i)
        took.append((time.perf_counter() - started) * 1000)
    return statistics.median(took), max(took)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--concurrency", type=int, default=8, help="sign-ups at once")
    parser.add_argument("--first-hasher", default="", help="e.g. PBKDF2PasswordHasher")
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory(prefix="signup-bench-")
    for name in [k for k in os.environ if k.startswith(("DJANGO_", "DATABASE_", "REDIS_"))]:
        del os.environ[name]
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_ENV="development",
        DJANGO_DEBUG="0",
        SQLITE_PATH=str(Path(tmp.name) / "db.sqlite3"),
        LOG_LEVEL="WARNING",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import override_settings

    if args.first_hasher:
        hashers = list(settings.PASSWORD_HASHERS)
        first = next(h for h in hashers if h.rsplit(".", 1)[-1] == args.first_hasher)
        hashers.remove(first)
        override_settings(PASSWORD_HASHERS=[first, *hashers]).enable()

    call_command("migrate", verbosity=0)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    make_password(PASSWORD)  # first use loads the hasher's library

    def signup(i: int) -> None:
        response = Client(REMOTE_ADDR=f"10.0.{i // 250}.{i % 250 + 1}").post(
            "/accounts/signup/",
            {
                "username": f"bench{i}",
                "email": f"bench{i}@example.com",
                "password1": PASSWORD,
                "password2": PASSWORD,
            },
        )
        assert response.status_code == 302, response.status_code

    def signin(i: int) -> None:
        response = Client(REMOTE_ADDR=f"10.1.{i // 250}.{i % 250 + 1}").post(
            "/accounts/login/", {"username": f"bench{i}", "password": PASSWORD}
        )
        assert response.status_code == 302, response.status_code

    rows = [
        ("make_password", timed(args.runs, lambda i: make_password(PASSWORD))),
        ("sign-up POST", timed(args.runs, signup)),
        ("sign-in POST", timed(args.runs, signin)),
    ]

    def one(i: int) -> float:
        started = time.perf_counter()
        signup(i)
        return (time.perf_counter() - started) * 1000

    batch = range(args.runs, args.runs + args.concurrency)
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
        took = list(pool.map(one, batch))
    wall = time.perf_counter() - started
    rows.append((f"sign-up x{args.concurrency}", (statistics.median(took), max(took))))

    print(f"hasher: {settings.PASSWORD_HASHERS[0].rsplit('.', 1)[-1]}, runs: {args.runs}")
    print(f"cores: {os.cpu_count()}, load average before: {load}")
    for name, (median, slowest) in rows:
        print(f"{name:14} median {median:8.1f} ms   slowest {slowest:8.1f} ms")
    print(f"{args.concurrency} sign-ups at once: {args.concurrency / wall:.1f} per second")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory: {peak:.0f} MiB")
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
