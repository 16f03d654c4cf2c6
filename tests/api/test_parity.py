"""REST and GraphQL answer the same questions with the same data, field by field.

Each case asks both APIs for one thing, as the same signed-in learner (or, for a class's
roster, overrides and gradebook, its instructor), and compares the whole documents after
two documented normalisations: GraphQL lists a matrix category's scale labels and an
option's cells (REST keys them by rating and by criterion), and formats datetimes with an
offset (REST with "Z").
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts import services as account_services
from apps.checks import services as check_services
from apps.core.explorer import LESSON_FIELDS, OUTLINE_FIELDS, PROGRESS_FIELDS, QUESTION_FIELDS
from apps.courses.models import Lesson
from apps.quizzes import services as quiz_services
from apps.quizzes.models import Quiz
from tests.checks.conftest import right_answer
from tests.classes.test_graphql import ASSIGNMENT, CLASS, OVERRIDE, ROSTER, ROW
from tests.factories import UserFactory
from tests.quizzes.conftest import build_quiz, perfect_answers

pytestmark = pytest.mark.django_db

COURSE = "python-backend-engineering"
SUMMARY = "id quiz number status started_at deadline submitted_at score max_score percent passed"
RESULT = f"""{SUMMARY} revealed
  questions {{ id number type prompt_html points score correct answered your_answer
    correct_answer explanation_html choices {{ id text_html chosen is_correct feedback }} }}"""
DETAIL = f"{SUMMARY} questions {{ {QUESTION_FIELDS} response }}"
QUIZ = """slug title kind course module question_count pass_mark attempts_allowed
  time_limit_minutes url standing { attempts_used attempts_left best_percent last_percent
  passed open_attempt }"""
MATRIX = """slug title scale { min max labels { value label } }
  criteria { slug title kind description }
  options { slug name summary url lessons { title url }
    cells { criterion display rating value text na note source } }"""


@pytest.fixture
def world(db):
    call_command("import_content", verbosity=0)
    user = UserFactory()
    _, key = account_services.api_token_create(user=user, name="parity")
    quiz = build_quiz(reveal="after_each_attempt")
    done = quiz_services.attempt_start(user=user, quiz=quiz)
    answers = perfect_answers(quiz)
    quiz_services.attempt_submit(
        user=user, attempt_id=done.pk, answers=dict(list(answers.items())[:3])
    )
    opened = quiz_services.attempt_start(user=user, quiz=quiz)
    quiz_services.attempt_save_answers(
        user=user, attempt_id=opened.pk, answers=dict(list(answers.items())[3:])
    )
    lesson = Lesson.objects.select_related("module__course").get(slug="the-gil-explained")
    from apps.courses import services as course_services

    checks = list(lesson.checks.order_by("position"))
    for check in checks[1:]:  # the first stays unanswered for test_lesson_checks
        check_services.check_answer(user=user, check_id=check.pk, response=right_answer(check))
    wrong = next(c for c in checks[0].choices.all() if not c.is_correct)
    check_services.check_answer(user=user, check_id=checks[0].pk, response={"choice": wrong.pk})
    check_services.check_answer(user=user, check_id=checks[0].pk, response=right_answer(checks[0]))
    course_services.lesson_progress_set(user=user, lesson=lesson, completed=True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return {"client": client, "quiz": quiz, "done": done, "open": opened}


CHECK = """id number type prompt_html choices { id text_html picked correct feedback }
  answered correct tries first_correct response explanation_html"""


def rest(world, url: str) -> Any:
    response = world["client"].get(url)
    assert response.status_code == 200, response.content
    return response.json()


def graphql(world, query: str, **variables: Any) -> Any:
    response = world["client"].post(
        "/graphql", {"query": query, "variables": variables}, format="json"
    )
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    (value,) = body["data"].values()
    return value


def normalise(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: normalise(item) for key, item in value.items()}
    if isinstance(value, list):
        return [normalise(item) for item in value]
    if isinstance(value, str) and len(value) >= 20 and value[4:5] == "-" and value[10:11] == "T":
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    return value


def assert_same(rest_data: Any, graphql_data: Any) -> None:
    a, b = normalise(rest_data), normalise(graphql_data)
    assert a == b
    assert a  # never compare two empty answers


def test_course_outline(world):
    outline = f"query($slug: String!) {{ course(slug: $slug) {{ {OUTLINE_FIELDS} }} }}"
    data = rest(world, f"/api/v1/courses/{COURSE}/")
    assert data["progress"]["completed"] == 1
    assert_same(data, graphql(world, outline, slug=COURSE))


def test_lesson(world):
    query = (
        "query($c: String!, $m: String!, $l: String!) "
        f"{{ lesson(course: $c, module: $m, lesson: $l) {{ {LESSON_FIELDS} }} }}"
    )
    data = rest(world, f"/api/v1/lessons/{COURSE}/concurrency/the-gil-explained/")
    assert_same(data, graphql(world, query, c=COURSE, m="concurrency", l="the-gil-explained"))


def test_lesson_checks(world):
    query = (
        "query($c: String!, $m: String!, $l: String!) "
        f"{{ lesson_checks(course: $c, module: $m, lesson: $l) {{ {CHECK} }} }}"
    )
    data = rest(world, f"/api/v1/lessons/{COURSE}/concurrency/the-gil-explained/checks/")
    assert data["results"][0]["tries"] == 2 and data["results"][0]["correct"] is True
    assert data["results"][0]["first_correct"] is False
    assert_same(data["results"], graphql(world, query, c=COURSE, m="concurrency",
                                         l="the-gil-explained"))  # fmt: skip


def test_check_answer_mutation_returns_what_rest_returns(world):
    from apps.checks.models import LessonCheck

    check = LessonCheck.objects.get(key="pdf-export-model")  # not answered in the world
    wrong = next(c for c in check.choices.all() if not c.is_correct)
    client = world["client"]
    answered = graphql(
        world,
        "mutation($id: Int!, $r: GenericScalar!) { lesson_check_answer(check: $id, response: $r)"
        f" {{ check {{ {CHECK} }} }} }}",
        id=check.pk,
        r={"choice": wrong.pk},
    )["check"]
    assert answered["answered"] and not answered["correct"] and answered["explanation_html"]
    again = client.post(
        f"/api/v1/checks/{check.pk}/answer/", {"response": {"choice": wrong.pk}}, format="json"
    )
    assert again.status_code == 200, again.content
    assert_same(again.json(), answered)  # the same answer twice: one try, same document


def test_quiz_and_its_questions(world):
    slug = world["quiz"].slug
    data = rest(world, f"/api/v1/quizzes/{slug}/")
    assert data["standing"]["open_attempt"] == world["open"].pk
    assert_same(data, graphql(world, f'{{ quiz(slug: "{slug}") {{ {QUIZ} }} }}'))
    questions = rest(world, f"/api/v1/quizzes/{slug}/questions/")["results"]
    assert_same(
        questions, graphql(world, f'{{ quiz_questions(slug: "{slug}") {{ {QUESTION_FIELDS} }} }}')
    )


def test_quiz_list(world):
    query = f'{{ quizzes(course: "{COURSE}", ordering: "title") {{ count results {{ {QUIZ} }} }} }}'
    data = rest(world, f"/api/v1/quizzes/?course={COURSE}&ordering=title")
    graph = graphql(world, query)
    assert data["count"] == graph["count"] == Quiz.objects.filter(course__slug=COURSE).count()
    # REST quizzes in a list carry no standing (one query per page, not per quiz).
    assert_same(
        data["results"], [{k: v for k, v in q.items() if k != "standing"} for q in graph["results"]]
    )


def test_attempt_in_progress_and_result(world):
    detail = rest(world, f"/api/v1/attempts/{world['open'].pk}/")
    assert any(q["response"] for q in detail["questions"])
    assert_same(detail, graphql(world, f"{{ attempt(id: {world['open'].pk}) {{ {DETAIL} }} }}"))
    result = rest(world, f"/api/v1/attempts/{world['done'].pk}/result/")
    assert result["revealed"] and result["score"] is not None
    assert_same(
        result, graphql(world, f"{{ attempt_result(id: {world['done'].pk}) {{ {RESULT} }} }}")
    )


def test_attempt_list_and_progress(world):
    listing = rest(world, "/api/v1/attempts/")
    graph = graphql(world, f"{{ attempts {{ count results {{ {SUMMARY} }} }} }}")
    assert listing["count"] == graph["count"] == 2
    assert_same(listing["results"], graph["results"])
    assert_same(
        rest(world, "/api/v1/progress/")["results"],
        graphql(world, f"{{ progress {{ {PROGRESS_FIELDS} }} }}"),
    )


def test_matrix_category(world):
    data = rest(world, "/api/v1/matrix/web-frameworks/")
    graph = graphql(world, f'{{ matrix_category(slug: "web-frameworks") {{ {MATRIX} }} }}')
    # GraphQL lists scale labels and cells; REST keys them by rating and by criterion.
    graph["scale"]["labels"] = {x["value"]: x["label"] for x in graph["scale"]["labels"]}
    for option in graph["options"]:
        option["cells"] = {cell.pop("criterion"): cell for cell in option["cells"]}
    assert_same(data, graph)


def test_mutations_return_what_rest_returns(world):
    """Starting, saving and submitting through either API gives the same documents."""
    quiz = build_quiz()
    answers = perfect_answers(quiz)
    client = world["client"]
    started = client.post(f"/api/v1/quizzes/{quiz.slug}/attempts/").json()
    resumed = graphql(
        world,
        f'mutation {{ attempt_start(quiz: "{quiz.slug}") {{ resumed attempt {{ {DETAIL} }} }} }}',
    )
    assert resumed["resumed"] is True
    assert_same(started, resumed["attempt"])
    saved_rest = client.patch(
        f"/api/v1/attempts/{started['id']}/answers/", {"answers": answers}, format="json"
    ).json()
    saved_graph = graphql(
        world,
        "mutation($id: Int!, $answers: GenericScalar!) { attempt_save_answers(attempt: $id, "
        f"answers: $answers) {{ attempt {{ {DETAIL} }} }} }}",
        id=started["id"],
        answers=answers,
    )
    assert_same(saved_rest, saved_graph["attempt"])
    graded = graphql(
        world,
        f"mutation {{ attempt_submit(attempt: {started['id']}) {{ result {{ {RESULT} }} }} }}",
    )
    assert graded["result"]["percent"] == 100.0
    again = client.post(f"/api/v1/attempts/{started['id']}/submit/").json()
    assert_same(again, graded["result"])


# --------------------------------------------------------------------------- classes


@pytest.fixture
def classroom(world):
    """A class of the real course: an instructor, the parity learner in it with a submitted
    attempt and an extension, a quiz and a reading assignment."""
    from apps.classes import services as class_services
    from apps.courses.models import Course, Module

    course = Course.objects.get(slug=COURSE)
    instructor = UserFactory(username="parity-prof", roles=["instructor"])
    _, key = account_services.api_token_create(user=instructor, name="parity")
    teacher = APIClient()
    teacher.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    made = class_services.class_create(user=instructor, course=course, name="Parity", term="T1")
    learner = world["done"].user
    class_services.class_join(user=learner, code=made.invite_code)
    now = timezone.now()
    quiz = Quiz.objects.get(slug="concurrency-quiz")
    timed = {"opens_at": now - timedelta(days=1), "due_at": now + timedelta(days=6)}
    assignment = class_services.assignment_create(
        user=instructor, classroom_id=made.pk, title="Quiz", kind="quiz", quiz_id=quiz.pk,
        late_policy="penalty", **timed,
    )  # fmt: skip
    reading = Module.objects.get(course=course, slug="concurrency")
    class_services.assignment_create(user=instructor, classroom_id=made.pk, title="Read",
                                     kind="reading", module_id=reading.pk, **timed)  # fmt: skip
    attempt = quiz_services.attempt_start(user=learner, quiz=quiz)
    quiz_services.attempt_submit(user=learner, attempt_id=attempt.pk)
    class_services.override_set(
        user=instructor, classroom_id=made.pk, assignment_id=assignment.pk,
        learner_id=learner.pk, due_at=timed["due_at"] + timedelta(days=2), reason="Ill",
    )  # fmt: skip
    return {"teacher": {"client": teacher}, "learner": world, "class": made,
            "assignment": assignment}  # fmt: skip


def page_of(side: Any, query: str) -> Any:
    return graphql(side, query)["results"]


def test_classes_their_roster_assignments_and_overrides(classroom):
    pk, a = classroom["class"].pk, classroom["assignment"].pk
    summary = "id name term course course_title role url"
    for who in ("teacher", "learner"):
        side = classroom[who]
        mine = rest(side, "/api/v1/classes/")
        graph = graphql(side, f"{{ classes {{ count results {{ {summary} }} }} }}")
        assert mine["count"] == graph["count"] == 1
        assert_same(mine["results"], graph["results"])
        detail = graphql(side, f"{{ class(id: {pk}) {{ {CLASS} }} }}")
        assert_same(rest(side, f"/api/v1/classes/{pk}/"), detail)
        assignments = rest(side, f"/api/v1/classes/{pk}/assignments/")["results"]
        query = f"{{ class_assignments(class_id: {pk}) {{ results {{ {ASSIGNMENT} }} }} }}"
        assert_same(assignments, page_of(side, query))
        assert (assignments[0]["standing"] is None) is (who == "teacher")
    teacher = classroom["teacher"]
    roster = f"{{ class_roster(class_id: {pk}) {{ results {{ {ROSTER} }} }} }}"
    assert_same(rest(teacher, f"/api/v1/classes/{pk}/roster/")["results"], page_of(teacher, roster))
    overrides = rest(teacher, f"/api/v1/classes/{pk}/assignments/{a}/overrides/")["results"]
    assert overrides[0]["reason"] == "Ill"
    query = (
        f"{{ assignment_overrides(class_id: {pk}, assignment_id: {a}) "
        f"{{ results {{ {OVERRIDE} }} }} }}"
    )
    assert_same(overrides, page_of(teacher, query))


def test_the_gradebook_my_grades_and_due_items(classroom):
    pk = classroom["class"].pk
    teacher, learner = classroom["teacher"], classroom["learner"]
    book = rest(teacher, f"/api/v1/classes/{pk}/gradebook/")
    graph = graphql(
        teacher,
        f"{{ class_gradebook(class_id: {pk}) {{ count assignments {{ {ASSIGNMENT} }} "
        f"results {{ {ROW} }} }} }}",
    )
    assert book["results"][0]["cells"][0]["refs"][0]["kind"] == "attempt"
    assert_same({k: book[k] for k in ("count", "assignments", "results")}, graph)
    mine = rest(learner, f"/api/v1/classes/{pk}/grades/")
    query = (
        f"{{ my_grades(class_id: {pk}) {{ class_id assignments {{ {ASSIGNMENT} }} "
        f"row {{ {ROW} }} }} }}"
    )
    assert_same(mine, graphql(learner, query))
    assert mine["row"] == book["results"][0]
    due = rest(learner, "/api/v1/classes/due/")
    assert due["count"] == 2
    query = f"{{ due_items {{ results {{ class_name {ASSIGNMENT} }} }} }}"
    assert_same(due["results"], page_of(learner, query))


def test_class_mutations_return_what_rest_returns(classroom):
    """Creating an assignment, granting an override and joining give the same documents."""
    pk, teacher = classroom["class"].pk, classroom["teacher"]
    opens = timezone.now().replace(microsecond=0)
    due = opens + timedelta(days=3)
    body = {"title": "Quiz again", "kind": "quiz", "quiz": "concurrency-quiz",
            "opens_at": opens.isoformat(), "due_at": due.isoformat(),
            "late_policy": "penalty", "penalty_per_day": 7.5}  # fmt: skip
    created = teacher["client"].post(f"/api/v1/classes/{pk}/assignments/", body, format="json")
    assert created.status_code == 201, created.content
    create = (
        "mutation($c: Int!, $o: DateTime!, $d: DateTime!) { assignment_create(class_id: $c, "
        'title: "Quiz again", kind: "quiz", quiz: "concurrency-quiz", opens_at: $o, due_at: $d, '
        f'late_policy: "penalty", penalty_per_day: 7.5) {{ assignment {{ {ASSIGNMENT} }} }} }}'
    )
    made = graphql(teacher, create, c=pk, o=body["opens_at"], d=body["due_at"])["assignment"]
    assert_same(without(created.json(), "id"), without(made, "id"))
    learner_id = classroom["learner"]["done"].user_id
    url = f"/api/v1/classes/{pk}/assignments/{made['id']}/overrides/{learner_id}/"
    granted = teacher["client"].put(url, {"excused": True, "reason": "Away"}, format="json")
    grant = (
        f"mutation {{ override_set(class_id: {pk}, assignment_id: {made['id']}, "
        f'learner_id: {learner_id}, excused: true, reason: "Away") '
        f"{{ override {{ {OVERRIDE} }} }} }}"
    )
    again = graphql(teacher, grant)["override"]
    assert_same(without(granted.json(), "granted_at"), without(again, "granted_at"))
    code = classroom["class"].invite_code
    learner = classroom["learner"]
    joined = learner["client"].post("/api/v1/classes/join/", {"code": code}, format="json")
    join = f'mutation {{ class_join(code: "{code}") {{ class {{ {CLASS} }} }} }}'
    assert_same(joined.json(), graphql(learner, join)["class"])


def without(document: dict[str, Any], key: str) -> dict[str, Any]:
    return {name: value for name, value in document.items() if name != key}
