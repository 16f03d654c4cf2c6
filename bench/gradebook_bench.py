"""Gradebook benchmark: a class of 1,000 learners × 30 assignments of every kind on
PostgreSQL, and the server time of ``apps.classes.selectors.gradebook``, of the gradebook
page and of its CSV export.

    .venv/bin/python bench/gradebook_bench.py                       # 1,000 × 30, ~1 min
    .venv/bin/python bench/gradebook_bench.py --profile             # + cProfile of each
    .venv/bin/python bench/gradebook_bench.py --learners 300 --repeat 10 --keep

Needs PostgreSQL on 127.0.0.1 (``--database-url``; trust or a password in the URL). The
benchmark creates a throwaway database (``ba_gradebook_bench`` by default), migrates it,
builds the class with bulk inserts and drops the database at the end (``--keep`` keeps
it, ``--reuse`` measures a kept one again without building). No Redis: the cache is
in-process memory, as nothing here is cached.

**The class** (``build_class``, also used at a smaller size by
``tests/classes/test_scale.py``): a published course of 6 modules × 4 lessons, a module
quiz each, 12 code exercises and 3 ended live sessions; ``--assignments`` assignments
created through ``services.assignment_create``, kinds in the ratio 4 quiz : 3 reading :
2 exercises (two or three exercises each) : 1 live, opening every two days from 30 days
ago with a week to do each (some due, some open, some not yet open), half refusing late
work and half taking it with a penalty; ``--learners`` learners, each with 0-2 attempts
per quiz (5 % of them in progress now), 0-3 runs per exercise (submits and runs,
passing and failing), 60 % of the lessons completed, 80 % of the live sessions joined,
and overrides on 2 % of the learner × assignment cells. Beside the class, ``--noise``
users outside it with attempts and runs of their own on the same quizzes and exercises,
so the filters must be selective.

**What is measured**, in this process, after ``--warmup`` uncounted calls, ``--repeat``
times each (the median, 90th percentile, min and max are reported):

* **selector**: ``selectors.gradebook(classroom=…)`` — reads the facts in a constant
  number of queries and computes every cell and total (``apps.classes.grades``);
* **page** and **csv**: ``GET /classes/<pk>/gradebook/`` and ``…?format=csv`` through
  Django's test client as the class's instructor — the whole request path (middleware,
  session, view, template or CSV writer) without a socket, so the time is the server's.
  Measured only when the checkout routes those addresses (``django.urls.resolve``).

For each: the wall time, the time spent in SQL (an execute wrapper around every query:
round trip and result transfer) and the query count; the rest is Python. ``--profile``
runs one more call of each under cProfile and prints the functions with the most own
time; the ``.prof`` files are saved (``python -m pstats`` or snakeviz reads them).

Results: a table on stdout and ``var/bench/gradebook-<timestamp>.json``. Target: the
median server time of each under 300 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import gc
import io
import json
import math
import os
import platform
import pstats
import random
import re
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "var" / "bench"
TARGET_MS = 300.0
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/ba_gradebook_bench"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- the class

KIND_CYCLE = [
    "quiz",
    "reading",
    "exercises",
    "quiz",
    "reading",
    "quiz",
    "exercises",
    "reading",
    "quiz",
    "live",
]
MODULES, LESSONS_PER_MODULE, EXERCISES, SESSIONS = 6, 4, 12, 3


@dataclass
class Built:
    classroom: Any
    instructor: Any
    learners: int
    assignments: int
    rows: dict[str, int] = field(default_factory=dict)


def _kinds(count: int) -> list[str]:
    kinds = [KIND_CYCLE[i % len(KIND_CYCLE)] for i in range(count)]
    if count >= 4:  # every kind, even in a small class
        for i, kind in enumerate(("quiz", "reading", "exercises", "live")):
            if kind not in kinds:
                kinds[i] = kind
    return kinds


def build_class(
    *, learners: int, assignments: int, noise: int = 0, seed: int = 15, prefix: str = "gb"
) -> Built:
    """A class of ``learners`` × ``assignments`` of mixed kinds and their work, written
    with bulk inserts (see the module's docstring). Needs a migrated database."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from apps.classes import services
    from apps.classes.models import Membership, Override, Role
    from apps.courses.models import Course, Lesson, LessonProgress, Module
    from apps.exercises.models import Exercise, Run
    from apps.live.models import LivePlayer, LiveSession
    from apps.quizzes.models import Attempt, Quiz

    rng = random.Random(seed)
    now = timezone.now()
    user_model = get_user_model()
    rows: dict[str, int] = {}

    instructor = user_model.objects.create(
        username=f"{prefix}-instructor", email=f"{prefix}-instructor@example.com"
    )
    instructor.groups.add(Group.objects.get_or_create(name="instructor")[0])
    course = Course.objects.create(
        slug=f"{prefix}-course", title="Gradebook course", status="published"
    )
    modules = Module.objects.bulk_create(
        Module(course=course, slug=f"m{i}", title=f"Module {i}", order=i, status="published")
        for i in range(MODULES)
    )
    lessons = Lesson.objects.bulk_create(
        Lesson(
            module=m,
            slug=f"l{j}",
            title=f"{m.title}, lesson {j}",
            body_md="Text.",
            order=j,
            status="published",
        )
        for m in modules
        for j in range(LESSONS_PER_MODULE)
    )
    quizzes = Quiz.objects.bulk_create(
        Quiz(
            course=course,
            module=m,
            slug=f"{prefix}-quiz-{i}",
            title=f"Quiz {i}",
            status="published",
            time_limit_minutes=30,
        )
        for i, m in enumerate(modules)
    )
    exercises = Exercise.objects.bulk_create(
        Exercise(
            lesson=lessons[(i * 2) % len(lessons)],
            slug=f"{prefix}-ex-{i}",
            title=f"Exercise {i}",
            prompt_md="Do it.",
            solution_code="x = 1\n",
            test_visible="def test_x(check):\n    check('x', 1)\n",
            status="published",
            visible_test_count=1,
            hidden_test_count=2,
        )
        for i in range(EXERCISES)
    )
    sessions = LiveSession.objects.bulk_create(
        LiveSession(
            code=f"Q{prefix[:2].upper()}{i:03d}"[:6],
            quiz=quizzes[i],
            host=instructor,
            status="ended",
            max_players=max(1000, learners),
            started_at=now,
            ended_at=now,
        )
        for i in range(SESSIONS)
    )
    classroom = services.class_create(
        user=instructor, course=course, name="Big class", term="Benchmark"
    )

    made = []
    for i, kind in enumerate(_kinds(assignments)):
        opens = now - timedelta(days=30) + timedelta(days=2 * i, hours=i % 5)
        data: dict[str, Any] = {
            "title": f"{kind.title()} {i + 1}",
            "kind": kind,
            "opens_at": opens,
            "due_at": opens + timedelta(days=7),
            "late_policy": "penalty" if i % 2 else "refuse",
            "penalty_per_day": 10,
            "penalty_cap": 50,
            "weight": 1 + i % 3,
        }
        if kind == "quiz":
            data["quiz_id"] = quizzes[i % len(quizzes)].pk
        elif kind == "reading":
            data["module_id"] = modules[i % len(modules)].pk
        elif kind == "exercises":
            data["exercise_ids"] = [
                exercises[(i + k) % len(exercises)].pk for k in range(2 + i % 2)
            ]
        else:
            data["live_session_id"] = sessions[i % len(sessions)].pk
        made.append(services.assignment_create(user=instructor, classroom_id=classroom.pk, **data))

    people = user_model.objects.bulk_create(
        user_model(
            username=f"{prefix}-u{i:06d}", email=f"{prefix}-u{i:06d}@example.com", password="!"
        )
        for i in range(learners + noise)
    )
    members = people[:learners]
    Membership.objects.bulk_create(
        Membership(
            classroom=classroom, user=u, role=Role.LEARNER, joined_at=now - timedelta(days=40)
        )
        for u in members
    )

    def when() -> datetime:
        return now - timedelta(seconds=rng.randrange(0, 45 * 86400))

    attempts, runs, progress, players, overrides = [], [], [], [], []
    for n, user in enumerate(people):
        in_class = n < learners
        for quiz in quizzes:
            count = rng.choices((0, 1, 2), weights=(2, 5, 3))[0]
            for number in range(1, count + 1):
                open_one = number == count and rng.random() < 0.05
                # An open attempt is being taken now (one whose time ran out would be
                # graded by the first read or the periodic job, not kept open).
                started = now - timedelta(minutes=10) if open_one else when()
                attempts.append(
                    Attempt(
                        user=user,
                        quiz=quiz,
                        number=number,
                        status="in_progress" if open_one else "submitted",
                        started_at=started,
                        deadline=started + timedelta(minutes=30),
                        submitted_at=None
                        if open_one
                        else started + timedelta(minutes=rng.randrange(3, 40)),
                        score=None if open_one else Decimal(rng.randrange(0, 7)),
                        max_score=Decimal(6),
                        percent=None if open_one else Decimal(rng.randrange(0, 10001)) / 100,
                    )
                )
        for e, exercise in enumerate(exercises):
            for k in range(rng.choice((0, 1, 1, 2, 3))):
                passed = rng.randrange(0, 4)
                runs.append(
                    Run(
                        user=user,
                        exercise=exercise,
                        mode=rng.choice(("submit", "submit", "run")),
                        key=f"{e}-{k}",
                        code="x = 1\n",
                        status="passed"
                        if passed == 3
                        else rng.choice(("failed", "failed", "error")),
                        passed=passed,
                        total=3,
                        queued_at=when(),
                    )
                )
        if not in_class:
            continue
        for lesson in lessons:
            if rng.random() < 0.6:
                progress.append(LessonProgress(user=user, lesson=lesson, completed_at=when()))
        for s, session in enumerate(sessions):
            if rng.random() < 0.8:
                players.append(
                    LivePlayer(
                        session=session, user=user, nickname=f"p{n}-{s}", secret_hash="0" * 64
                    )
                )
        for assignment in made:
            if rng.random() < 0.02:
                choice = rng.randrange(3)
                overrides.append(
                    Override(
                        assignment=assignment,
                        user=user,
                        granted_by=instructor,
                        granted_at=now,
                        due_at=assignment.due_at + timedelta(days=3) if choice == 0 else None,
                        extra_quiz_minutes=15 if choice == 1 else 0,
                        excused=choice == 2,
                    )
                )
    for name, model, objs in (
        ("attempts", Attempt, attempts),
        ("runs", Run, runs),
        ("lesson_progress", LessonProgress, progress),
        ("live_players", LivePlayer, players),
        ("overrides", Override, overrides),
    ):
        model.objects.bulk_create(objs, batch_size=2000)
        rows[name] = len(objs)
    rows["users"] = len(people)
    return Built(classroom, instructor, learners, len(made), rows)


# --------------------------------------------------------------------------- measuring


@dataclass
class Sample:
    ms: float  # wall time
    cpu_ms: float  # this process's CPU time (the machine may be shared: see the docs)
    sql_ms: float
    queries: int


@dataclass
class Measure:
    name: str
    samples: list[Sample] = field(default_factory=list)
    note: str = ""

    def summary(self) -> dict[str, Any]:
        if not self.samples:
            return {"name": self.name, "note": self.note}
        ms = sorted(s.ms for s in self.samples)
        cpu = sorted(s.cpu_ms for s in self.samples)
        sql = sorted(s.sql_ms for s in self.samples)
        return {
            "name": self.name,
            "runs": len(ms),
            "p50_ms": round(pct(ms, 50), 1),
            "p90_ms": round(pct(ms, 90), 1),
            "min_ms": round(ms[0], 1),
            "max_ms": round(ms[-1], 1),
            "cpu_p50_ms": round(pct(cpu, 50), 1),
            "cpu_min_ms": round(cpu[0], 1),
            "sql_p50_ms": round(pct(sql, 50), 1),
            "python_p50_ms": round(pct(ms, 50) - pct(sql, 50), 1),
            "queries": self.samples[-1].queries,
            "under_target": pct(ms, 50) < TARGET_MS,
            "note": self.note,
        }


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile of sorted values."""
    return values[max(0, math.ceil(p / 100 * len(values)) - 1)]


@contextlib.contextmanager
def sql_timer() -> Iterator[list[float]]:
    from django.db import connection

    spent: list[float] = []

    def wrapper(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent.append(time.perf_counter() - started)

    with connection.execute_wrapper(wrapper):
        yield spent


def measure(name: str, call: Callable[[], Any], warmup: int, repeat: int) -> Measure:
    result = Measure(name)
    for _ in range(warmup):
        call()
    for _ in range(repeat):
        with sql_timer() as spent:
            started, cpu = time.perf_counter(), time.process_time()
            call()
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        result.samples.append(Sample(elapsed * 1000, cpu * 1000, sum(spent) * 1000, len(spent)))
    return result


def profile(name: str, call: Callable[[], Any], stamp: str, top: int) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    call()
    profiler.disable()
    path = OUT_DIR / f"gradebook-{stamp}-{name}.prof"
    profiler.dump_stats(path)
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text).strip_dirs()
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(r"classes|selectors|grades|views|exports", top)
    return f"profile of {name} ({path.relative_to(ROOT)}):\n{text.getvalue()}"


# --------------------------------------------------------------------------- database


def admin_url(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[A-Za-z0-9_]+", name) or "bench" not in name:
        raise SystemExit(f"the database name must contain 'bench' (a throwaway), got {name!r}")
    return urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, "")), name


def create_database(url: str) -> None:
    import psycopg

    admin, name = admin_url(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    log(f"created database {name}")


def drop_database(url: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with contextlib.suppress(Exception):
        connections["default"].close_pool()  # type: ignore[attr-defined]
    admin, name = admin_url(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    log(f"dropped database {name}")


def django_setup(database_url: str) -> None:
    for key in list(os.environ):
        if key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CELERY_", "DB_POOL_")):
            del os.environ[key]
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_ENV="development",  # production's hashed static files need collectstatic
        DJANGO_DEBUG="0",
        DJANGO_ALLOWED_HOSTS="testserver",
        DATABASE_URL=database_url,
        LOG_LEVEL="WARNING",
    )
    import django

    django.setup()


def machine() -> dict[str, Any]:
    load = os.getloadavg()
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in load],
    }


def postgres_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return str(cursor.fetchone()[0])


# --------------------------------------------------------------------------- main


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DB)
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("--assignments", type=int, default=30)
    parser.add_argument("--noise", type=int, default=1000, help="users outside the class")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="cProfile one call of each")
    parser.add_argument("--top", type=int, default=25, help="functions listed per profile")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="measure a kept database again")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    if not args.reuse:
        create_database(args.database_url)
    django_setup(args.database_url)
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import Resolver404, get_resolver, resolve

    from apps.classes import selectors
    from apps.classes.models import Classroom

    result: dict[str, Any] = {
        "started": stamp,
        "machine": machine(),
        "config": vars(args),
        "target_ms": TARGET_MS,
    }
    try:
        if args.reuse:
            classroom = Classroom.objects.get(name="Big class")
            instructor = classroom.created_by
        else:
            log("migrate")
            call_command("migrate", "--noinput", verbosity=0)
            log(
                f"building {args.learners} learners × {args.assignments} assignments "
                f"(+{args.noise} users outside the class)"
            )
            started = time.perf_counter()
            built = build_class(
                learners=args.learners, assignments=args.assignments, noise=args.noise
            )
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # fresh statistics, as autovacuum would give
            result["build_seconds"] = round(time.perf_counter() - started, 1)
            result["rows"] = built.rows
            log(f"built in {result['build_seconds']} s: {built.rows}")
            classroom, instructor = built.classroom, built.instructor
        result["postgres"] = postgres_version()

        classroom = Classroom.objects.select_related("course").get(pk=classroom.pk)

        def selector() -> Any:
            book = selectors.gradebook(classroom=classroom)
            assert len(book.rows) == args.learners and len(book.assignments) == args.assignments
            return book

        client = Client()
        client.force_login(instructor)
        page_url = f"/classes/{classroom.pk}/gradebook/"
        try:
            resolve(page_url)
            routed = True
        except Resolver404:
            routed = False

        def page(suffix: str, kind: str) -> Callable[[], Any]:
            def get() -> Any:
                response = client.get(page_url + suffix)
                assert response.status_code == 200, response.status_code
                assert kind in response["Content-Type"], response["Content-Type"]
                streamed = response.streaming
                body = b"".join(response.streaming_content) if streamed else response.content
                assert body
                return body

            return get

        # As a gunicorn worker does after booting (config/gunicorn.py, GC_FREEZE): what the
        # process holds so far is left out of the garbage collector's full collections.
        get_resolver().reverse_dict  # noqa: B018
        gc.collect()
        gc.freeze()
        calls: list[tuple[str, Callable[[], Any] | None]] = [
            ("selector", selector),
            ("page", page("", "text/html") if routed else None),
            ("csv", page("?format=csv", "text/csv") if routed else None),
        ]
        measures, profiles = [], []
        for name, call in calls:
            if call is None:
                measures.append(Measure(name, note=f"{page_url} is not routed in this checkout"))
                log(f"{name}: skipped ({page_url} is not routed in this checkout)")
                continue
            log(f"{name}: {args.warmup} warm-up + {args.repeat} timed calls")
            measures.append(measure(name, call, args.warmup, args.repeat))
            if args.profile:
                profiles.append(profile(name, call, stamp, args.top))
        result["measures"] = [m.summary() for m in measures]
        result["measures_raw"] = {m.name: [asdict(s) for s in m.samples] for m in measures}
    finally:
        if not args.keep:
            drop_database(args.database_url)
    out = OUT_DIR / f"gradebook-{stamp}.json"
    out.write_text(json.dumps(result, indent=2, default=str))
    load = result["machine"]["load_average_at_start"]
    print(
        f"\nGradebook: {args.learners} learners × {args.assignments} assignments, "
        f"PostgreSQL {result.get('postgres')}, load average at start {load}"
    )
    print(
        f"{'measure':10} {'p50 ms':>8} {'p90 ms':>8} {'min':>7} {'max':>7} {'CPU p50':>8} "
        f"{'CPU min':>8} {'SQL ms':>7} {'queries':>7}"
    )
    for row in result["measures"]:
        if "p50_ms" not in row:
            print(f"{row['name']:10} {row['note']}")
            continue
        print(
            f"{row['name']:10} {row['p50_ms']:8} {row['p90_ms']:8} {row['min_ms']:7} "
            f"{row['max_ms']:7} {row['cpu_p50_ms']:8} {row['cpu_min_ms']:8} "
            f"{row['sql_p50_ms']:7} {row['queries']:7}"
        )
    for text in profiles:
        print("\n" + text)
    print(f"\n{out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
