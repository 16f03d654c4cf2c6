"""Prometheus metrics: what every process counts, and the ``/metrics`` exposition.

prometheus-client, in its multiprocess mode under gunicorn: each worker writes its
values to memory-mapped files in ``PROMETHEUS_MULTIPROC_DIR`` (config/gunicorn.py makes
one per server and removes a dead worker's live gauges in ``child_exit``), and a scrape,
whichever worker answers it, adds up every worker's files. Without that directory
(``make run``, tests) the values live in the process and the scrape reads them there.
Why not django-prometheus, the decisions and every metric: docs/operations.md "Metrics".

Cost on the request path: one histogram observation and one counter increment per
request (plus one per SQL query, counted by a database execute wrapper). On the live
path (answers, broadcasts) an observation is one ``deque.append`` — O(1), no lock; a
thread per process moves them into the histograms once a second (``_Buffered``).

Labels are bounded: routes are URL pattern names (never paths), statuses are classes
(``2xx``), tasks are registered task names, scopes are rate-limit names. Nothing is
labelled per user, player, session or room.
"""

from __future__ import annotations

import hmac
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

PREFIX = "academy"

# Seconds. Fine around the live SLO (answer → ack p99 ≤ 200 ms, broadcast p95 ≤ 250 ms).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
QUEUE_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
QUERY_BUCKETS = (0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144)

# --------------------------------------------------------------------------- HTTP
http_request_duration = Histogram(
    f"{PREFIX}_http_request_duration_seconds",
    "Time from the first middleware to the response, by URL route name and method.",
    ["route", "method"],
    buckets=LATENCY_BUCKETS,
)
http_responses = Counter(
    f"{PREFIX}_http_responses_total",
    "Responses by URL route name, method and status class (2xx, 3xx, 4xx, 5xx).",
    ["route", "method", "status"],
)
http_request_queries = Histogram(
    f"{PREFIX}_http_request_sql_queries",
    "SQL queries run while answering one request, by URL route name.",
    ["route"],
    buckets=QUERY_BUCKETS,
)
page_cache = Counter(
    f"{PREFIX}_page_cache_requests_total",
    "Anonymous page-cache lookups (apps/core/cache.py) by result: hit or miss.",
    ["result"],
)
rate_limit_exceeded = Counter(
    f"{PREFIX}_rate_limit_exceeded_total",
    "Rate-limit verdicts over the limit (refused requests, API throttles' 429s), by scope.",
    ["scope"],
)

# --------------------------------------------------------------------------- live
live_connected_players = Gauge(
    f"{PREFIX}_live_connected_players",
    "Players' websockets open on live sessions (summed over the processes alive).",
    multiprocess_mode="livesum",
)
live_answer_ack = Histogram(
    f"{PREFIX}_live_answer_ack_seconds",
    "From a player's answer frame reaching its consumer to its acknowledgement being sent "
    "(the answer is committed by then).",
    buckets=LATENCY_BUCKETS,
)
live_broadcast_lag = Histogram(
    f"{PREFIX}_live_broadcast_lag_seconds",
    "From a live broadcast being sent to the channel layer to a web process's relay "
    "receiving it (once per broadcast and process).",
    buckets=LATENCY_BUCKETS,
)

# --------------------------------------------------------------------------- exercises
exercise_queue_wait = Histogram(
    f"{PREFIX}_exercise_queue_wait_seconds",
    "From a code run being queued to the sandbox starting it.",
    buckets=QUEUE_BUCKETS,
)
exercise_run_duration = Histogram(
    f"{PREFIX}_exercise_run_duration_seconds",
    "From a code run starting to its verdict, by status.",
    ["status"],
    buckets=QUEUE_BUCKETS,
)
exercise_runs = Counter(
    f"{PREFIX}_exercise_runs_total",
    "Code runs finished, by status (passed, failed, error, timeout, refused).",
    ["status"],
)
exercise_sandbox_refusals = Counter(
    f"{PREFIX}_exercise_sandbox_refusals_total",
    "Code runs the sandbox refused to run (it cannot run here, or the exercise is not ready).",
)

# --------------------------------------------------------------------------- Celery
celery_task_duration = Histogram(
    f"{PREFIX}_celery_task_duration_seconds",
    "Celery task run time in the worker, by task name and outcome.",
    ["task", "outcome"],
    buckets=QUEUE_BUCKETS,
)
celery_task_failures = Counter(
    f"{PREFIX}_celery_task_failures_total",
    "Celery tasks that raised, by task name.",
    ["task"],
)


# ---------------------------------------------------------------- buffered observations


class _Buffered:
    """A histogram whose ``observe`` is one ``deque.append`` (atomic under the GIL: no
    lock, O(1)), for paths that must not wait — a player's answer, a broadcast. A
    daemon thread per process (``_flusher``) moves the values into the histogram once a
    second, and a scrape in this process moves them first. A burst beyond ``maxlen``
    values between two flushes drops the oldest of them, never blocks."""

    def __init__(self, histogram: Histogram, maxlen: int = 200_000) -> None:
        self.histogram = histogram
        self.pending: deque[float] = deque(maxlen=maxlen)

    def observe(self, value: float) -> None:
        self.pending.append(value)
        if not _flusher_started:
            _start_flusher()

    def flush(self) -> None:
        pop = self.pending.popleft
        observe = self.histogram.observe
        while True:
            try:
                value = pop()
            except IndexError:
                return
            observe(value)


answer_ack = _Buffered(live_answer_ack)
broadcast_lag = _Buffered(live_broadcast_lag)
_BUFFERS = (answer_ack, broadcast_lag)
_flusher_started = False
_flusher_lock = threading.Lock()
FLUSH_SECONDS = 1.0


def flush() -> None:
    """Move every buffered observation into its histogram (tests and scrapes call it)."""
    for buffered in _BUFFERS:
        buffered.flush()


def _start_flusher() -> None:
    global _flusher_started  # noqa: PLW0603
    with _flusher_lock:
        if _flusher_started:
            return
        _flusher_started = True
    threading.Thread(target=_flush_forever, name="metrics-flush", daemon=True).start()


def _flush_forever() -> None:
    while True:
        time.sleep(FLUSH_SECONDS)
        try:
            flush()
        except Exception:  # never let a metric stop the thread
            logger.exception("flushing buffered metrics failed")


def _after_fork_in_child() -> None:
    """A forked process (gunicorn worker, Celery pool process) has no flusher thread:
    the next observation starts its own."""
    global _flusher_started  # noqa: PLW0603
    _flusher_started = False


os.register_at_fork(after_in_child=_after_fork_in_child)


# ---------------------------------------------------------------------- the request path


def route_of(request: HttpRequest) -> str:
    """The URL pattern's name (``courses:lesson``), never the path: one series per
    route whatever the URL holds. ``<static>`` for static files, ``<unmatched>`` for
    everything no pattern matched (404s, bots)."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name or match.route or "<unnamed>"
    if request.path_info.startswith(settings.STATIC_URL):
        return "<static>"
    return "<unmatched>"


_STATUS_CLASSES = {1: "1xx", 2: "2xx", 3: "3xx", 4: "4xx", 5: "5xx"}


class _QueryCount:
    __slots__ = ("count",)

    def __init__(self) -> None:
        self.count = 0

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


class MetricsMiddleware:
    """The outermost middleware: serves ``/metrics`` (before the host check, sessions
    and the database: a scrape by pod address works and costs nothing else), and times,
    counts and query-counts every other request.

    HTTP runs Django's sync handler in a thread pool (config/asgi.py), so the sync path
    is the one that matters; the query count hooks that thread's connection. In async
    mode (an ``AsyncClient`` in tests) requests are timed and counted, not query-counted.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response
        self.enabled = settings.METRICS_ENABLED
        self.path = settings.METRICS_PATH
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self._acall(request)
        if request.path_info == self.path:
            return metrics_response(request)
        if not self.enabled:
            return self.get_response(request)
        started = time.perf_counter()
        queries = _QueryCount()
        # connection.execute_wrapper(), without its context manager and the two lookups
        # of this thread's connection through the proxy.
        wrappers = connections[DEFAULT_DB_ALIAS].execute_wrappers
        wrappers.append(queries)
        try:
            response = self.get_response(request)
        finally:
            wrappers.remove(queries)
        _record(request, response, time.perf_counter() - started, queries.count)
        return response

    async def _acall(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == self.path:
            return await sync_to_async(metrics_response)(request)
        if not self.enabled:
            return await self.get_response(request)
        started = time.perf_counter()
        response = await self.get_response(request)
        _record(request, response, time.perf_counter() - started, None)
        return response


class _RouteSeries:
    """One route and method's series, looked up once: ``labels()`` takes a lock and
    builds its key on every call, which was most of what a request paid for metrics."""

    __slots__ = ("duration", "queries", "responses")

    def __init__(self, route: str, method: str) -> None:
        self.duration = http_request_duration.labels(route, method)
        self.queries = http_request_queries.labels(route)
        self.responses: dict[int, Any] = {}

    def response(self, route: str, method: str, code: int) -> Any:
        series = self.responses.get(code)
        if series is None:
            status = _STATUS_CLASSES.get(code // 100, "other")
            series = self.responses[code] = http_responses.labels(route, method, status)
        return series


_series: dict[tuple[str, str], _RouteSeries] = {}


def _record(
    request: HttpRequest, response: HttpResponse, elapsed: float, queries: int | None
) -> None:
    route = route_of(request)
    method = request.method if request.method in _METHODS else "other"
    key = (route, method)
    series = _series.get(key)
    if series is None:  # bounded: routes x methods
        series = _series[key] = _RouteSeries(route, method)
    series.duration.observe(elapsed)
    series.response(route, method, response.status_code).inc()
    if queries is not None:
        series.queries.observe(queries)


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


# ---------------------------------------------------------------------------- /metrics


def authorized(header: str) -> bool:
    """``Authorization: Bearer <METRICS_TOKEN>``, compared in constant time."""
    token = settings.METRICS_TOKEN
    scheme, _, given = header.partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), token)


def metrics_response(request: HttpRequest) -> HttpResponse:
    """404 while no ``METRICS_TOKEN`` is set (the endpoint does not exist), 401 without
    the right bearer token, else the exposition in Prometheus' text format."""
    if not settings.METRICS_TOKEN or not settings.METRICS_ENABLED:
        return HttpResponse("Not found.\n", status=404, content_type="text/plain")
    if request.method not in {"GET", "HEAD"}:
        return HttpResponse("GET only.\n", status=405, content_type="text/plain")
    if not authorized(request.headers.get("Authorization", "")):
        response = HttpResponse("A bearer token is required.\n", status=401)
        response["Content-Type"] = "text/plain"
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    body = exposition()
    response = HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response


def registry() -> CollectorRegistry:
    """Every process's values (multiprocess mode) or this process's, plus what is read
    at scrape time (``ScrapeCollector``)."""
    if multiprocess_dir():
        reg = CollectorRegistry()
        multiprocess.MultiProcessCollector(reg)
    else:
        reg = CollectorRegistry()
        reg.register(_ProcessRegistry())
    reg.register(ScrapeCollector())
    return reg


def multiprocess_dir() -> str:
    """Set by config/gunicorn.py or the environment before prometheus-client loads."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


class _ProcessRegistry(Collector):
    """The default registry's metrics, minus what ``ScrapeCollector`` adds itself."""

    def collect(self) -> Iterable[Any]:
        return REGISTRY.collect()


def exposition() -> bytes:
    flush()
    return generate_latest(registry())


class ScrapeCollector(Collector):
    """Values read when scraped rather than counted: they describe the whole
    deployment, so any one process can read them (one query or check each)."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield from _safely(_live_rooms)
        yield from _safely(_exercise_queue)
        yield from _safely(_readiness)


def _safely(fn: Callable[[], Iterator[GaugeMetricFamily]]) -> Iterator[GaugeMetricFamily]:
    try:
        yield from fn()
    except Exception as exc:  # a scrape reports what it can
        logger.warning("metrics: %s failed: %s", fn.__name__, exc)


def _live_rooms() -> Iterator[GaugeMetricFamily]:
    from apps.live.models import LiveSession, SessionStatus

    rooms = GaugeMetricFamily(
        f"{PREFIX}_live_rooms",
        "Live sessions open (in the lobby or playing), from the database.",
        labels=["status"],
    )
    counts = dict.fromkeys(
        (s for s in SessionStatus.values if s != SessionStatus.ENDED),
        0,
    )
    for status, count in _group_count(
        LiveSession.objects.exclude(status=SessionStatus.ENDED), "status"
    ):
        counts[status] = count
    for status, count in counts.items():
        rooms.add_metric([status], count)
    yield rooms


def _exercise_queue() -> Iterator[GaugeMetricFamily]:
    from apps.exercises.models import Run, RunStatus

    gauge = GaugeMetricFamily(
        f"{PREFIX}_exercise_runs_in_flight",
        "Code runs queued or running, from the database (the exercise queue's depth).",
        labels=["status"],
    )
    counts = {RunStatus.QUEUED.value: 0, RunStatus.RUNNING.value: 0}
    for status, count in _group_count(Run.objects.filter(status__in=list(counts)), "status"):
        counts[status] = count
    for status, count in counts.items():
        gauge.add_metric([status], count)
    yield gauge


def _group_count(queryset: Any, field: str) -> list[tuple[str, int]]:
    from django.db.models import Count

    return list(queryset.order_by().values_list(field).annotate(n=Count("pk")))


def _readiness() -> Iterator[GaugeMetricFamily]:
    from apps.core.health import readiness_report

    gauge = GaugeMetricFamily(
        f"{PREFIX}_readiness_check_up",
        "1 when a readiness check (/readyz) passes, 0 when it fails, by check.",
        labels=["check"],
    )
    for result in readiness_report():
        gauge.add_metric([result.name], 1.0 if result.ok else 0.0)
    yield gauge


# ------------------------------------------------------------------------------ Celery


# Connected to Celery's signals in config/celery.py: prerun → postrun times a task in
# the process that runs it; a failure is observed at task_failure (postrun may not follow).
_task_started: dict[str, float] = {}


def celery_task_started(task_id: str = "", **_: Any) -> None:
    _task_started[task_id] = time.perf_counter()


def celery_task_finished(task_id: str = "", task: Any = None, state: str = "", **_: Any) -> None:
    began = _task_started.pop(task_id, None)
    if began is None or task is None:
        return  # a failure, already observed
    outcome = "success" if state == "SUCCESS" else "other"  # retried, rejected, ignored
    celery_task_duration.labels(task.name, outcome).observe(time.perf_counter() - began)


def celery_task_failed(sender: Any = None, task_id: str = "", **_: Any) -> None:
    """(A task run inline with its errors propagated, embedded mode's default, raises
    before Celery sends any signal: the request that ran it counts a 5xx.)"""
    name = getattr(sender, "name", "unknown")
    celery_task_failures.labels(name).inc()
    began = _task_started.pop(task_id, None)
    if began is not None:
        celery_task_duration.labels(name, "failure").observe(time.perf_counter() - began)


def serve_worker_metrics(port: int, host: str = "0.0.0.0") -> Any:  # noqa: S104
    """The Celery worker's own exporter (its main process, on ``CELERY_METRICS_PORT``):
    the pool processes' values through the multiprocess directory, behind the same
    bearer token as the web's ``/metrics``."""
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        if not settings.METRICS_TOKEN:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"Not found.\n"]
        if not authorized(environ.get("HTTP_AUTHORIZATION", "")):
            start_response(
                "401 Unauthorized",
                [("Content-Type", "text/plain"), ("WWW-Authenticate", 'Bearer realm="metrics"')],
            )
            return [b"A bearer token is required.\n"]
        reg = CollectorRegistry()
        if multiprocess_dir():
            multiprocess.MultiProcessCollector(reg)
        else:
            reg.register(_ProcessRegistry())
        start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST)])
        return [generate_latest(reg)]

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = make_server(host, port, app, handler_class=QuietHandler)
    threading.Thread(target=server.serve_forever, name="metrics-http", daemon=True).start()
    return server
