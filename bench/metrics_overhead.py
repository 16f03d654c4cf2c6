"""What the Prometheus metrics cost per request and per live observation, in-process.

    .venv/bin/python bench/metrics_overhead.py                      # in-process values
    PROMETHEUS_MULTIPROC_DIR=$(mktemp -d) .venv/bin/python bench/metrics_overhead.py

Times, with ``timeit`` (best of 5 x 20,000), exactly what ``MetricsMiddleware`` adds to a
request when ``METRICS_ENABLED`` is on (with it off the middleware only compares the path):
the route's series observed (duration, status, SQL count), the SQL query hook put on and
taken off the thread's connection, the hook's cost per query, and one buffered live
observation (answer → ack). Nothing else runs; the figures are CPU per call, so they are
less sensitive to other work on the machine than a load test. bench/api_bench.py run with
``METRICS_ENABLED=0`` and ``1`` shows the same from the outside.
"""

from __future__ import annotations

import os
import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.db import DEFAULT_DB_ALIAS, connections  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.urls import resolve  # noqa: E402

from apps.core import metrics  # noqa: E402

N = 20_000


def best(fn) -> float:
    """Microseconds per call."""
    return min(timeit.repeat(fn, number=N, repeat=5)) / N * 1e6


def main() -> None:
    request = RequestFactory().get("/courses/x/")
    request.resolver_match = resolve("/courses/x/")
    response = HttpResponse("ok")
    count = metrics._QueryCount()

    def hook() -> None:
        wrappers = connections[DEFAULT_DB_ALIAS].execute_wrappers
        wrappers.append(count)
        wrappers.remove(count)

    def execute(sql, params, many, context):
        return None

    observed = best(lambda: metrics._record(request, response, 0.01, 5))
    hooked = best(hook)
    per_query = best(lambda: count(execute, "", None, False, None))
    live = best(lambda: metrics.answer_ack.observe(0.01))
    metrics.flush()
    mode = "multiprocess" if metrics.multiprocess_dir() else "in-process"
    print(
        f"{mode}: per request {observed + hooked:.1f} µs (series {observed:.1f}, query hook "
        f"{hooked:.1f}), per SQL query {per_query:.2f} µs, per live observation {live:.2f} µs"
    )


if __name__ == "__main__":
    main()
