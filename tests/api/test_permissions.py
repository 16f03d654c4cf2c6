"""Who may do what: every API endpoint × anonymous, learner A, learner B, author, staff.

Each role runs the whole table against a fresh database, authenticated the way an API
client is (a personal token in the Authorization header). Learner A owns the attempts;
nobody else may see or touch them, whatever their role: staff use the admin for that.
Staff teach a class learner A is in: its staff pages are "not found" to everyone else
(tests/classes/test_api.py and test_graphql.py cover a class's five kinds of people).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from apps.accounts import services as account_services
from apps.classes import services as class_services
from apps.exercises.models import Run
from apps.live import services as live_services
from apps.matrix.models import Category
from apps.quizzes import services as quiz_services
from tests.exercises.conftest import SOLUTION, make_exercise
from tests.factories import LessonFactory, UserFactory
from tests.quizzes.conftest import build_quiz, perfect_answers

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "learner_a", "learner_b", "author", "staff"]
ALL = dict.fromkeys(ROLES, 200)
SIGNED_IN = {"anonymous": 401, "learner_a": 200, "learner_b": 200, "author": 200, "staff": 200}
OWNER = {"anonymous": 401, "learner_a": 200, "learner_b": 404, "author": 404, "staff": 404}
NOBODY = dict.fromkeys(ROLES, 404)
LIVE_HOST = {"anonymous": 401, "learner_a": 404, "learner_b": 404, "author": 200, "staff": 404}
QUEUED = {**dict.fromkeys(ROLES, 202), "anonymous": 401}
STARTS = {"anonymous": 401, "learner_a": 403, "learner_b": 201, "author": 201, "staff": 201}
LESSON = "python-backend-engineering/concurrency/the-gil-explained"


def rest_table(ctx: dict[str, Any]) -> list[tuple[str, dict[str, Any] | None, dict[str, int]]]:
    quiz, open_id, done_id = ctx["quiz"].slug, ctx["open"].pk, ctx["done"].pk
    lesson = f"{ctx['quiz'].course.slug}/{ctx['quiz'].module.slug}/{ctx['lesson'].slug}"
    answers = {"answers": dict(list(perfect_answers(ctx["quiz"]).items())[:1])}
    run = {"code": SOLUTION, "mode": "run"}
    return [
        ("GET /api/v1/", None, ALL),
        ("GET /api/v1/courses/", None, ALL),
        ("GET /api/v1/courses/python-backend-engineering/", None, ALL),
        ("GET /api/v1/courses/draft-course/", None, NOBODY),
        (f"GET /api/v1/lessons/{LESSON}/", None, ALL),
        (f"GET /api/v1/lessons/{lesson}-draft/", None, NOBODY),
        (f"GET /api/v1/lessons/{LESSON}/checks/", None, ALL),
        (f"GET /api/v1/lessons/{lesson}-draft/checks/", None, NOBODY),
        (
            f"POST /api/v1/checks/{ctx['check'].pk}/answer/",
            {"response": {"value": True}},
            SIGNED_IN,
        ),
        (
            f"POST /api/v1/checks/{ctx['draft_check'].pk}/answer/",
            {"response": {"value": True}},
            {**NOBODY, "anonymous": 401},
        ),
        ("GET /api/v1/search/?q=celery", None, ALL),
        ("GET /api/v1/matrix/", None, ALL),
        ("GET /api/v1/matrix/web-frameworks/", None, ALL),
        ("GET /api/v1/matrix/draft-matrix/", None, NOBODY),
        ("GET /api/v1/quizzes/", None, ALL),
        (f"GET /api/v1/quizzes/{quiz}/", None, ALL),
        (f"GET /api/v1/quizzes/{quiz}/questions/", None, ALL),
        ("GET /api/v1/attempts/", None, SIGNED_IN),
        (f"GET /api/v1/attempts/{open_id}/", None, OWNER),
        (f"PATCH /api/v1/attempts/{open_id}/answers/", answers, OWNER),
        (f"GET /api/v1/attempts/{open_id}/result/", None, {**OWNER, "learner_a": 409}),
        (f"GET /api/v1/attempts/{done_id}/result/", None, OWNER),
        (f"POST /api/v1/attempts/{done_id}/submit/", {}, OWNER),
        (f"POST /api/v1/attempts/{open_id}/submit/", answers, OWNER),
        ("GET /api/v1/progress/", None, SIGNED_IN),
        (f"PUT /api/v1/progress/lessons/{lesson}/", {"completed": True}, SIGNED_IN),
        (
            f"PUT /api/v1/progress/lessons/{lesson}-draft/",
            {"completed": True},
            {**NOBODY, "anonymous": 401},
        ),
        ("GET /api/v1/live/sessions/", None, SIGNED_IN),
        (f"GET /api/v1/live/sessions/{ctx['live'].pk}/", None, LIVE_HOST),
        (f"PATCH /api/v1/live/sessions/{ctx['live'].pk}/", {"scoring_mode": "accuracy"}, LIVE_HOST),
        (f"POST /api/v1/live/sessions/{ctx['live'].pk}/teams/shuffle/", {"count": 2}, LIVE_HOST),
        (
            f"PATCH /api/v1/live/sessions/{ctx['live'].pk}/players/{ctx['live_player'].pk}/",
            {"extra_seconds": 10},
            LIVE_HOST,
        ),
        (
            "POST /api/v1/live/sessions/",
            {"quiz": quiz},
            {**dict.fromkeys(ROLES, 201), "anonymous": 401},
        ),
        ("GET /api/v1/live/results/", None, SIGNED_IN),
        ("GET /api/v1/exercises/", None, ALL),
        (f"GET /api/v1/exercises/{ctx['exercise'].slug}/", None, ALL),
        ("GET /api/v1/exercises/draft-exercise/", None, NOBODY),
        ("GET /api/v1/runs/", None, SIGNED_IN),
        (f"GET /api/v1/runs/{ctx['run'].pk}/", None, OWNER),
        (f"POST /api/v1/exercises/{ctx['exercise'].slug}/runs/", run, QUEUED),
        ("POST /api/v1/exercises/draft-exercise/runs/", run, {**NOBODY, "anonymous": 401}),
        *class_rows(ctx),
        # Starting is last: learner A has now submitted both allowed attempts, so A is
        # out of attempts; the others start their first.
        (f"POST /api/v1/quizzes/{quiz}/attempts/", None, STARTS),
    ]


# Classes: staff teaches the class (platform staff create classes), learner A is in it.
CLASS_MEMBER = {**NOBODY, "anonymous": 401, "learner_a": 200, "staff": 200}
CLASS_STAFF = {**NOBODY, "anonymous": 401, "staff": 200}


def class_rows(ctx: dict[str, Any]) -> list[tuple[str, dict[str, Any] | None, dict[str, int]]]:
    pk, assignment = ctx["class"].pk, ctx["assignment"].pk
    learner = ctx["users"]["learner_a"].pk
    url = f"/api/v1/classes/{pk}"
    return [
        ("GET /api/v1/classes/", None, SIGNED_IN),
        ("GET /api/v1/classes/due/", None, SIGNED_IN),
        (f"GET {url}/", None, CLASS_MEMBER),
        (f"GET {url}/assignments/", None, CLASS_MEMBER),
        (f"GET {url}/roster/", None, CLASS_STAFF),
        (f"GET {url}/gradebook/", None, CLASS_STAFF),
        (f"GET {url}/assignments/{assignment}/overrides/", None, CLASS_STAFF),
        (f"GET {url}/grades/", None, {**NOBODY, "anonymous": 401, "learner_a": 200}),
        (f"PATCH {url}/", {"term": "Later"}, CLASS_STAFF),
        (f"PUT {url}/assignments/{assignment}/overrides/{learner}/", {"excused": True},
         CLASS_STAFF),
        ("POST /api/v1/classes/", {"course": ctx["quiz"].course.slug, "name": "Another"},
         {**dict.fromkeys(ROLES, 403), "anonymous": 401, "staff": 201}),
        ("POST /api/v1/classes/join/", {"code": ctx["class"].invite_code}, SIGNED_IN),
    ]  # fmt: skip


@pytest.fixture
def ctx(db):
    call_command("import_content", verbosity=0)
    Category.objects.create(slug="draft-matrix", title="Draft", status="draft")
    users = {
        "learner_a": UserFactory(username="learner-a"),
        "learner_b": UserFactory(username="learner-b"),
        "author": UserFactory(username="an-author", roles=["author"]),
        "staff": UserFactory(username="a-staffer", is_staff=True, is_superuser=True),
    }
    quiz = build_quiz(attempts_allowed=2)
    lesson = LessonFactory(module=quiz.module)
    draft = LessonFactory(module=quiz.module, slug=f"{lesson.slug}-draft", status="draft")
    from apps.checks.models import LessonCheck

    check = LessonCheck.objects.filter(lesson__slug="the-gil-explained", type="true_false").first()
    draft_check = LessonCheck.objects.create(
        lesson=draft, key="draft-check", type="true_false", prompt_md="P", explanation_md="E",
        true_false_answer=True,
    )  # fmt: skip
    owner = users["learner_a"]
    done = quiz_services.attempt_start(user=owner, quiz=quiz)
    quiz_services.attempt_submit(user=owner, attempt_id=done.pk, answers=perfect_answers(quiz))
    opened = quiz_services.attempt_start(user=owner, quiz=quiz)
    live = live_services.session_create(host=users["author"], quiz_slug=quiz.slug)
    live_player = live_services.player_join(session_id=live.pk, user=owner).player
    exercise = make_exercise(lesson, slug="permissions-exercise")
    make_exercise(lesson, slug="draft-exercise", status="draft")
    from apps.checks import services as check_services

    check_services.check_answer(user=owner, check_id=check.pk, response={
        "value": not check.true_false_answer})  # fmt: skip
    run = Run.objects.create(user=owner, exercise=exercise, mode="run", key="permissions-run",
                             code=SOLUTION, status="passed", queued_at=done.started_at)  # fmt: skip
    classroom = class_services.class_create(user=users["staff"], course=quiz.course, name="C")
    class_services.class_join(user=owner, code=classroom.invite_code)
    assignment = class_services.assignment_create(
        user=users["staff"], classroom_id=classroom.pk, title="Quiz", kind="quiz",
        quiz_id=quiz.pk, opens_at=done.started_at, due_at=done.started_at + timedelta(days=7),
    )  # fmt: skip
    return {
        "users": users, "quiz": quiz, "lesson": lesson, "done": done, "open": opened,
        "live": live, "live_player": live_player, "exercise": exercise, "run": run,
        "class": classroom, "assignment": assignment, "check": check,
        "draft_check": draft_check,
    }  # fmt: skip


def client_for(role: str, ctx: dict[str, Any]) -> APIClient:
    client = APIClient()
    if role != "anonymous":
        _, key = account_services.api_token_create(user=ctx["users"][role], name="matrix")
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.mark.parametrize("role", ROLES)
def test_rest_permissions(role, ctx):
    client = client_for(role, ctx)
    wrong = []
    for request, body, expected in rest_table(ctx):
        method, url = request.split(" ", 1)
        response = getattr(client, method.lower())(url, body, format="json")
        if response.status_code != expected[role]:
            wrong.append(f"{request}: {response.status_code}, expected {expected[role]}")
        elif response.status_code >= 400:
            assert set(response.json()) == {"error"}, request  # the one error shape
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("role", ROLES)
def test_rest_private_fields(role, ctx):
    client = client_for(role, ctx)
    lesson = client.get(f"/api/v1/lessons/{LESSON}/").json()
    assert ("body_md" in lesson) is (role in {"author", "staff"})
    hosted = client.get("/api/v1/live/sessions/")
    if role != "anonymous":
        assert hosted.json()["count"] == (1 if role == "author" else 0)
        played = client.get("/api/v1/live/results/").json()["results"]
        assert len(played) == (1 if role == "learner_a" else 0)
    runs = client.get("/api/v1/runs/")
    if role != "anonymous":
        ids = {r["id"] for r in runs.json()["results"]}
        assert (ctx["run"].pk in ids) is (role == "learner_a")
        assert ids <= {ctx["run"].pk}
    checks = client.get(f"/api/v1/lessons/{LESSON}/checks/").json()["results"]
    answered = next(c for c in checks if c["id"] == ctx["check"].pk)
    assert answered["answered"] is (role == "learner_a")  # nobody sees another's answers
    assert (answered["explanation_html"] != "") is (role == "learner_a")
    assert all(set(c) == CHECK_FIELDS for c in checks)  # no key, no answer key
    attempts = client.get("/api/v1/attempts/")
    if role != "anonymous":
        ids = {a["id"] for a in attempts.json()["results"]}
        mine = {ctx["done"].pk, ctx["open"].pk}
        assert (ids == mine) if role == "learner_a" else not (ids & mine)


CHECK_FIELDS = {
    "id", "number", "type", "prompt_html", "choices", "answered", "correct", "tries",
    "first_correct", "response", "explanation_html",
}  # fmt: skip

OK = "ok"
GQL_ALL = dict.fromkeys(ROLES, OK)
GQL_SIGNED_IN = {**GQL_ALL, "anonymous": "not_authenticated"}
GQL_OWNER = {"anonymous": "not_authenticated", "learner_a": OK, "learner_b": "not_found",
             "author": "not_found", "staff": "not_found"}  # fmt: skip
GQL_NOBODY = dict.fromkeys(ROLES, "not_found")
GQL_LIVE_HOST = {**GQL_OWNER, "learner_a": "not_found", "author": OK}


def graphql_table(ctx: dict[str, Any]) -> list[tuple[str, dict[str, str]]]:
    quiz, open_id, done_id = ctx["quiz"].slug, ctx["open"].pk, ctx["done"].pk
    course, module = ctx["quiz"].course.slug, ctx["quiz"].module.slug
    lesson = ctx["lesson"].slug
    return [
        ("{ courses { slug } }", GQL_ALL),
        ('{ course(slug: "python-backend-engineering") { slug } }', GQL_ALL),
        ('{ course(slug: "draft-course") { slug } }', GQL_NOBODY),
        (
            f'{{ lesson(course: "{course}", module: "{module}", lesson: "{lesson}") {{ slug }} }}',
            GQL_ALL,
        ),
        (
            f'{{ lesson(course: "{course}", module: "{module}", lesson: "{lesson}-draft") '
            "{ slug } }",
            GQL_NOBODY,
        ),
        (
            '{ lesson_checks(course: "python-backend-engineering", module: "concurrency", '
            'lesson: "the-gil-explained") { id } }',
            GQL_ALL,
        ),
        (
            f'{{ lesson_checks(course: "{course}", module: "{module}", lesson: "{lesson}-draft")'
            " { id } }",
            GQL_NOBODY,
        ),
        (
            f"mutation {{ lesson_check_answer(check: {ctx['check'].pk}, "
            "response: {value: true}) { check { correct } } }",
            GQL_SIGNED_IN,
        ),
        (
            f"mutation {{ lesson_check_answer(check: {ctx['draft_check'].pk}, "
            "response: {value: true}) { check { correct } } }",
            {**GQL_NOBODY, "anonymous": "not_authenticated"},
        ),
        ('{ search(q: "celery") { query } }', GQL_ALL),
        ("{ matrix_categories { slug } }", GQL_ALL),
        ('{ matrix_category(slug: "web-frameworks") { slug } }', GQL_ALL),
        ('{ matrix_category(slug: "draft-matrix") { slug } }', GQL_NOBODY),
        ("{ quizzes { count } }", GQL_ALL),
        (f'{{ quiz(slug: "{quiz}") {{ slug }} }}', GQL_ALL),
        (f'{{ quiz_questions(slug: "{quiz}") {{ id }} }}', GQL_ALL),
        ("{ me { username } }", GQL_ALL),
        ("{ attempts { count } }", GQL_SIGNED_IN),
        (f"{{ attempt(id: {open_id}) {{ id }} }}", GQL_OWNER),
        (
            f"{{ attempt_result(id: {open_id}) {{ id }} }}",
            {**GQL_OWNER, "learner_a": "attempt_not_submitted"},
        ),
        (f"{{ attempt_result(id: {done_id}) {{ id }} }}", GQL_OWNER),
        ("{ progress { slug } }", GQL_SIGNED_IN),
        ("{ live_sessions { count } }", GQL_SIGNED_IN),
        (f"{{ live_session(id: {ctx['live'].pk}) {{ code }} }}", GQL_LIVE_HOST),
        (
            f"mutation {{ live_teams_shuffle(session: {ctx['live'].pk}, count: 2) "
            "{ session { id } } }",
            GQL_LIVE_HOST,
        ),
        ("{ live_results { rank } }", GQL_SIGNED_IN),
        ("{ exercises { count } }", GQL_ALL),
        (f'{{ exercise(slug: "{ctx["exercise"].slug}") {{ slug }} }}', GQL_ALL),
        ('{ exercise(slug: "draft-exercise") { slug } }', GQL_NOBODY),
        ("{ runs { count } }", GQL_SIGNED_IN),
        (f"{{ run(id: {ctx['run'].pk}) {{ id }} }}", GQL_OWNER),
        (
            f'mutation {{ run_create(exercise: "{ctx["exercise"].slug}", code: "x", '
            'mode: "run") { run { status } } }',
            GQL_SIGNED_IN,
        ),
        (
            f"mutation($a: GenericScalar!) {{ attempt_save_answers(attempt: {open_id}, "
            "answers: $a) { attempt { id } } }",
            GQL_OWNER,
        ),
        (f"mutation {{ attempt_submit(attempt: {done_id}) {{ result {{ id }} }} }}", GQL_OWNER),
        (f"mutation {{ attempt_submit(attempt: {open_id}) {{ result {{ id }} }} }}", GQL_OWNER),
        (
            f'mutation {{ lesson_progress_set(course: "{course}", module: "{module}", '
            f'lesson: "{lesson}", completed: true) {{ completed }} }}',
            GQL_SIGNED_IN,
        ),
        (
            f'mutation {{ lesson_progress_set(course: "{course}", module: "{module}", '
            f'lesson: "{lesson}-draft", completed: true) {{ completed }} }}',
            {**GQL_NOBODY, "anonymous": "not_authenticated"},
        ),
        *graphql_class_rows(ctx),
        (
            f'mutation {{ attempt_start(quiz: "{quiz}") {{ resumed }} }}',
            {**GQL_SIGNED_IN, "learner_a": "no_attempts_left"},
        ),
    ]


GQL_CLASS_MEMBER = {**GQL_OWNER, "learner_b": "class_not_found", "author": "class_not_found",
                    "staff": OK}  # fmt: skip
GQL_CLASS_STAFF = {**GQL_CLASS_MEMBER, "learner_a": "class_not_found"}


def graphql_class_rows(ctx: dict[str, Any]) -> list[tuple[str, dict[str, str]]]:
    pk, assignment = ctx["class"].pk, ctx["assignment"].pk
    learner = ctx["users"]["learner_a"].pk
    return [
        ("{ classes { count } }", GQL_SIGNED_IN),
        ("{ due_items { count } }", GQL_SIGNED_IN),
        (f"{{ class(id: {pk}) {{ id }} }}", GQL_CLASS_MEMBER),
        (f"{{ class_assignments(class_id: {pk}) {{ count }} }}", GQL_CLASS_MEMBER),
        (f"{{ class_roster(class_id: {pk}) {{ count }} }}", GQL_CLASS_STAFF),
        (f"{{ class_gradebook(class_id: {pk}) {{ count }} }}", GQL_CLASS_STAFF),
        (f"{{ assignment_overrides(class_id: {pk}, assignment_id: {assignment}) {{ count }} }}",
         GQL_CLASS_STAFF),
        (f"{{ my_grades(class_id: {pk}) {{ class_id }} }}",
         {**GQL_CLASS_STAFF, "learner_a": OK, "staff": "class_not_found"}),
        (f'mutation {{ class_update(class_id: {pk}, term: "Later") {{ class {{ id }} }} }}',
         GQL_CLASS_STAFF),
        (f"mutation {{ override_set(class_id: {pk}, assignment_id: {assignment}, "
         f"learner_id: {learner}, excused: true) {{ override {{ excused }} }} }}",
         GQL_CLASS_STAFF),
        (f'mutation {{ class_create(course: "{ctx["quiz"].course.slug}", name: "Another") '
         "{ class { id } } }",
         {**dict.fromkeys(ROLES, "cannot_create_classes"), "anonymous": "not_authenticated",
          "staff": OK}),
        (f'mutation {{ class_join(code: "{ctx["class"].invite_code}") {{ class {{ id }} }} }}',
         GQL_SIGNED_IN),
    ]  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_graphql_permissions(role, ctx):
    client = client_for(role, ctx)
    wrong = []
    answers = dict(list(perfect_answers(ctx["quiz"]).items())[:1])
    for query, expected in graphql_table(ctx):
        variables = {"a": answers} if "$a" in query else {}
        response = client.post("/graphql", {"query": query, "variables": variables}, format="json")
        body = response.json()
        if response.status_code != 200:
            wrong.append(f"{query}: HTTP {response.status_code} {body}")
            continue
        outcome = body["errors"][0]["extensions"]["code"] if body.get("errors") else OK
        if outcome != expected[role]:
            wrong.append(f"{query}: {outcome}, expected {expected[role]}")
    assert not wrong, "\n".join(wrong)
