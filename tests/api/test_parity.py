"""REST and GraphQL answer the same questions with the same data, field by field.

Each case asks both APIs for one thing, as the same signed-in learner, and compares
the whole documents after two documented normalisations: GraphQL lists a matrix
category's scale labels and an option's cells (REST keys them by rating and by
criterion), and formats datetimes with an offset (REST with "Z").
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from apps.accounts import services as account_services
from apps.core.explorer import LESSON_FIELDS, OUTLINE_FIELDS, PROGRESS_FIELDS, QUESTION_FIELDS
from apps.courses.models import Lesson
from apps.quizzes import services as quiz_services
from apps.quizzes.models import Quiz
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

    course_services.lesson_progress_set(user=user, lesson=lesson, completed=True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return {"client": client, "quiz": quiz, "done": done, "open": opened}


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
