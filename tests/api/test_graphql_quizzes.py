"""GraphQL: quizzes, attempts and progress — field-level key protection, errors that
write nothing, and constant query counts."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from apps.accounts import services as account_services
from apps.quizzes.models import Attempt
from config.graphql.schema import schema
from tests.factories import LessonFactory, UserFactory
from tests.quizzes.conftest import add_question, build_quiz, ids, perfect_answers

pytestmark = pytest.mark.django_db

KEY_FIELDS = {
    "is_correct", "feedback", "explanation_html", "explanation_md", "correct_answer",
    "accepted_answers", "numeric_answer", "tolerance", "true_false_answer", "order",
}  # fmt: skip


@pytest.fixture
def learner():
    client = APIClient()
    client.user = UserFactory()
    _, key = account_services.api_token_create(user=client.user, name="tests")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def gql(client: APIClient, query: str, **variables: Any) -> dict[str, Any]:
    response = client.post("/graphql", {"query": query, "variables": variables}, format="json")
    assert response.status_code in {200, 400}
    return response.json()


def code(body: dict[str, Any]) -> str:
    return body["errors"][0]["extensions"]["code"]


def test_no_type_a_learner_sees_before_submitting_has_a_key_field():
    for name in ("Question", "AttemptQuestion", "Choice", "Quiz", "AttemptDetail", "Standing"):
        fields = set(schema.graphql_schema.get_type(name).fields)
        assert not fields & KEY_FIELDS, (name, fields & KEY_FIELDS)
    # Keys exist only on the review types, which only the review selector fills.
    assert {"is_correct", "feedback"} <= set(schema.graphql_schema.get_type("ReviewChoice").fields)


def test_asking_for_a_key_before_submitting_is_a_validation_error(learner):
    quiz = build_quiz()
    body = gql(learner, f'{{ quiz_questions(slug: "{quiz.slug}") {{ choices {{ is_correct }} }} }}')
    assert code(body) == "graphql_validation_failed" and "data" not in body


def test_keys_stay_hidden_when_the_policy_says_so(learner):
    quiz = build_quiz(reveal="never")
    started = gql(
        learner, f'mutation {{ attempt_start(quiz: "{quiz.slug}") {{ attempt {{ id }} }} }}'
    )
    attempt_id = started["data"]["attempt_start"]["attempt"]["id"]
    body = gql(
        learner,
        "mutation($id: Int!, $a: GenericScalar) { attempt_submit(attempt: $id, answers: $a) "
        "{ result { revealed questions { correct_answer explanation_html "
        "choices { is_correct feedback } } } } }",
        id=attempt_id,
        a=perfect_answers(quiz),
    )
    result = body["data"]["attempt_submit"]["result"]
    assert result["revealed"] is False
    for question in result["questions"]:
        assert question["correct_answer"] == "" and question["explanation_html"] == ""
        assert all(c["is_correct"] is None and c["feedback"] == "" for c in question["choices"])


@pytest.mark.parametrize(
    "answers, expected",
    [
        ("not an object", "invalid_answer"),
        ({}, "invalid_answer"),
        ({"99999999": {"choice": 1}}, "question_not_in_attempt"),
    ],
)
def test_bad_answers_write_nothing(learner, answers, expected):
    quiz = build_quiz()
    started = gql(
        learner, f'mutation {{ attempt_start(quiz: "{quiz.slug}") {{ attempt {{ id }} }} }}'
    )
    attempt_id = started["data"]["attempt_start"]["attempt"]["id"]
    body = gql(
        learner,
        "mutation($id: Int!, $a: GenericScalar!) { attempt_save_answers(attempt: $id, answers: $a) "
        "{ attempt { id } } }",
        id=attempt_id,
        a=answers,
    )
    assert code(body) == expected and body["errors"][0]["message"]
    assert body["data"] == {"attempt_save_answers": None}
    assert not Attempt.objects.get(pk=attempt_id).answers.exists()


def test_one_bad_answer_among_good_ones_writes_nothing(learner):
    quiz = build_quiz()
    started = gql(
        learner, f'mutation {{ attempt_start(quiz: "{quiz.slug}") {{ attempt {{ id }} }} }}'
    )
    attempt_id = started["data"]["attempt_start"]["attempt"]["id"]
    answers = perfect_answers(quiz)
    q = ids(quiz)
    answers[str(q["tf"][0].id)] = {"value": "definitely"}
    body = gql(
        learner,
        "mutation($id: Int!, $a: GenericScalar!) { attempt_save_answers(attempt: $id, answers: $a) "
        "{ attempt { id } } }",
        id=attempt_id,
        a=answers,
    )
    assert code(body) == "invalid_answer"
    assert not Attempt.objects.get(pk=attempt_id).answers.exists()


@pytest.mark.parametrize(
    "query",
    [
        '{ quizzes(kind: "weekly") { count } }',
        '{ quizzes(ordering: "id; drop") { count } }',
        '{ attempts(status: "lost") { count } }',
    ],
)
def test_bad_filters_are_refused_clearly(learner, query):
    body = gql(learner, query)
    assert code(body) == "invalid" and "must be one of" in body["errors"][0]["message"]


def test_session_mutations_need_the_csrf_token():
    user = UserFactory()
    quiz = build_quiz()
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post(
        "/graphql",
        {"query": f'mutation {{ attempt_start(quiz: "{quiz.slug}") {{ resumed }} }}'},
        format="json",
    )
    assert response.status_code == 403
    assert not Attempt.objects.exists()


def test_constant_query_counts(learner):
    small, large = build_quiz(), build_quiz()
    for n in range(15):
        add_question(large, f"extra{n}", "multiple_choice", order=10 + n,
                     choices=[("A", True), ("B", False), ("C", True)])  # fmt: skip
        LessonFactory(module=large.module)
    for _ in range(4):
        build_quiz()
    counts: dict[str, list[int]] = {}
    for quiz in (small, large):
        started = gql(
            learner, f'mutation {{ attempt_start(quiz: "{quiz.slug}") {{ attempt {{ id }} }} }}'
        )
        attempt_id = started["data"]["attempt_start"]["attempt"]["id"]
        queries = {
            "quizzes": "{ quizzes { count results { slug course module question_count url } } }",
            "quiz": f'{{ quiz(slug: "{quiz.slug}") {{ slug standing {{ attempts_used }} }} }}',
            "questions": f'{{ quiz_questions(slug: "{quiz.slug}") {{ id choices {{ id }} }} }}',
            "attempt": (
                f"{{ attempt(id: {attempt_id}) {{ id questions {{ id choices {{ id }} }} }} }}"
            ),
            "attempts": "{ attempts { count results { id quiz } } }",
            "progress": "{ progress { slug modules { slug quiz { best } } } }",
        }
        for name, query in queries.items():
            with CaptureQueriesContext(connection) as ctx:
                body = gql(learner, query)
            assert "errors" not in body, body
            counts.setdefault(name, []).append(len(ctx))
        gql(learner, f"mutation {{ attempt_submit(attempt: {attempt_id}) {{ result {{ id }} }} }}")
        with CaptureQueriesContext(connection) as ctx:
            gql(
                learner,
                f"{{ attempt_result(id: {attempt_id}) {{ questions {{ choices {{ id }} }} }} }}",
            )
        counts.setdefault("result", []).append(len(ctx))
    for name, (a, b) in counts.items():
        assert a == b, (name, counts)
