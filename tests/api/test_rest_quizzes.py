"""REST: quizzes, questions without keys, attempts end to end, progress."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from apps.accounts import services as account_services
from apps.quizzes.models import Attempt, Quiz
from tests.factories import LessonFactory, UserFactory
from tests.quizzes.conftest import build_quiz, ids, perfect_answers

pytestmark = pytest.mark.django_db

KEY_FIELDS = ("is_correct", "feedback", "explanation", "correct_answer", "accepted_answers")


def no_keys(body) -> None:
    text = json.dumps(body)
    for field in (*KEY_FIELDS, "numeric_answer", "true_false_answer", "tolerance"):
        assert f'"{field}"' not in text, field


@pytest.fixture
def quiz(db):
    return build_quiz()


@pytest.fixture
def learner():
    client = APIClient()
    user = UserFactory()
    client.force_authenticate(user)
    client.user = user
    return client


def test_quiz_list_filters_and_orders(quiz):
    other = build_quiz()
    Quiz.objects.filter(pk=other.pk).update(title="Another quiz")
    api = APIClient()
    body = api.get("/api/v1/quizzes/").json()
    assert body["count"] == 2
    assert {r["slug"] for r in body["results"]} == {quiz.slug, other.slug}
    assert body["results"][0]["question_count"] == 6
    ordered = api.get("/api/v1/quizzes/", {"ordering": "title"}).json()["results"]
    titles = [r["title"] for r in ordered]
    assert titles == sorted(titles)
    one = api.get("/api/v1/quizzes/", {"course": quiz.course.slug}).json()
    assert [r["slug"] for r in one["results"]] == [quiz.slug]
    assert api.get("/api/v1/quizzes/", {"kind": "final"}).json()["count"] == 0
    bad = api.get("/api/v1/quizzes/", {"ordering": "drop table"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid"
    assert "ordering" in bad.json()["error"]["details"]


def test_draft_quizzes_are_invisible(quiz):
    Quiz.objects.filter(pk=quiz.pk).update(status="draft")
    api = APIClient()
    assert api.get("/api/v1/quizzes/").json()["count"] == 0
    for url in (f"/api/v1/quizzes/{quiz.slug}/", f"/api/v1/quizzes/{quiz.slug}/questions/"):
        response = api.get(url)
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_questions_have_no_keys_and_ordering_is_not_the_answer(quiz):
    body = APIClient().get(f"/api/v1/quizzes/{quiz.slug}/questions/").json()
    assert [q["number"] for q in body["results"]] == [1, 2, 3, 4, 5, 6]
    no_keys(body)
    q = ids(quiz)
    ordering = next(r for r in body["results"] if r["type"] == "ordering")
    correct = [q["order"][1][t] for t in ("First", "Second", "Third")]
    assert sorted(c["id"] for c in ordering["choices"]) == sorted(correct)
    assert [c["id"] for c in ordering["choices"]] != correct


def test_questions_of_timed_quizzes_stay_hidden():
    timed = build_quiz(time_limit_minutes=10)
    response = APIClient().get(f"/api/v1/quizzes/{timed.slug}/questions/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "questions_hidden"


def test_quiz_detail_has_the_standing_for_learners(quiz, learner):
    assert APIClient().get(f"/api/v1/quizzes/{quiz.slug}/").json()["standing"] is None
    standing = learner.get(f"/api/v1/quizzes/{quiz.slug}/").json()["standing"]
    assert standing == {
        "attempts_used": 0, "attempts_left": 3, "best_percent": None,
        "last_percent": None, "passed": False, "open_attempt": None,
    }  # fmt: skip


def test_attempt_lifecycle(quiz, learner):
    started = learner.post(f"/api/v1/quizzes/{quiz.slug}/attempts/")
    assert started.status_code == 201
    attempt = started.json()
    assert attempt["status"] == "in_progress" and len(attempt["questions"]) == 6
    assert attempt["score"] is None
    no_keys(attempt)
    again = learner.post(f"/api/v1/quizzes/{quiz.slug}/attempts/")
    assert again.status_code == 200 and again.json()["id"] == attempt["id"]  # resumed

    answers = perfect_answers(quiz)
    first_two = dict(list(answers.items())[:2])
    saved = learner.patch(
        f"/api/v1/attempts/{attempt['id']}/answers/", {"answers": first_two}, format="json"
    )
    assert saved.status_code == 200
    responses = {str(q["id"]): q["response"] for q in saved.json()["questions"]}
    assert all(responses[k] is not None for k in first_two)
    no_keys(saved.json())

    early = learner.get(f"/api/v1/attempts/{attempt['id']}/result/")
    assert early.status_code == 409 and early.json()["error"]["code"] == "attempt_not_submitted"

    result = learner.post(
        f"/api/v1/attempts/{attempt['id']}/submit/", {"answers": answers}, format="json"
    )
    assert result.status_code == 200
    body = result.json()
    assert body["status"] == "submitted" and body["percent"] == 100.0 and body["passed"] is True
    assert body["revealed"] is True
    single = next(q for q in body["questions"] if q["type"] == "single_choice")
    assert any(c["is_correct"] for c in single["choices"]) and single["explanation_html"]

    # Submitting again is idempotent; saving after submission is a conflict.
    assert learner.post(f"/api/v1/attempts/{attempt['id']}/submit/").json() == body
    late = learner.patch(
        f"/api/v1/attempts/{attempt['id']}/answers/", {"answers": first_two}, format="json"
    )
    assert late.status_code == 409 and late.json()["error"]["code"] == "attempt_closed"
    assert learner.get(f"/api/v1/attempts/{attempt['id']}/result/").json() == body

    listing = learner.get("/api/v1/attempts/", {"quiz": quiz.slug}).json()
    assert [a["id"] for a in listing["results"]] == [attempt["id"]]
    assert learner.get("/api/v1/attempts/", {"status": "in_progress"}).json()["count"] == 0


def test_keys_stay_hidden_when_the_policy_says_so(learner):
    quiz = build_quiz(reveal="after_last_attempt", attempts_allowed=2)
    attempt = learner.post(f"/api/v1/quizzes/{quiz.slug}/attempts/").json()
    body = learner.post(f"/api/v1/attempts/{attempt['id']}/submit/").json()
    assert body["revealed"] is False
    no_keys({k: v for k, v in body.items() if k != "questions"})
    for question in body["questions"]:
        assert question["correct_answer"] == "" and question["explanation_html"] == ""
        assert all(c["is_correct"] is None and c["feedback"] == "" for c in question["choices"])


@pytest.mark.parametrize(
    "answers, code",
    [
        ({}, "invalid_answer"),
        ({"99999999": {"choice": 1}}, "question_not_in_attempt"),
        ({"abc": {"choice": 1}}, "question_not_in_attempt"),
        ("not a dict", "invalid"),
    ],
)
def test_bad_answers_are_refused_and_nothing_is_written(quiz, learner, answers, code):
    attempt = learner.post(f"/api/v1/quizzes/{quiz.slug}/attempts/").json()
    response = learner.patch(
        f"/api/v1/attempts/{attempt['id']}/answers/", {"answers": answers}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code and response.json()["error"]["message"]
    assert not Attempt.objects.get(pk=attempt["id"]).answers.exists()


def test_a_bad_answer_among_good_ones_writes_nothing(quiz, learner):
    attempt = learner.post(f"/api/v1/quizzes/{quiz.slug}/attempts/").json()
    answers = perfect_answers(quiz)
    q = ids(quiz)
    answers[str(q["single"][0].id)] = {"choice": q["multi"][1]["A"]}  # another question's choice
    response = learner.patch(
        f"/api/v1/attempts/{attempt['id']}/answers/", {"answers": answers}, format="json"
    )
    assert response.status_code == 400
    assert not Attempt.objects.get(pk=attempt["id"]).answers.exists()


def test_attempt_limit(learner):
    quiz = build_quiz(attempts_allowed=1)
    attempt = learner.post(f"/api/v1/quizzes/{quiz.slug}/attempts/").json()
    learner.post(f"/api/v1/attempts/{attempt['id']}/submit/")
    response = learner.post(f"/api/v1/quizzes/{quiz.slug}/attempts/")
    assert response.status_code == 403 and response.json()["error"]["code"] == "no_attempts_left"


def test_other_learners_attempts_are_not_found(quiz, learner):
    attempt = learner.post(f"/api/v1/quizzes/{quiz.slug}/attempts/").json()
    other = APIClient()
    other.force_authenticate(UserFactory())
    for method, url in (
        ("get", f"/api/v1/attempts/{attempt['id']}/"),
        ("get", f"/api/v1/attempts/{attempt['id']}/result/"),
        ("patch", f"/api/v1/attempts/{attempt['id']}/answers/"),
        ("post", f"/api/v1/attempts/{attempt['id']}/submit/"),
    ):
        response = getattr(other, method)(url, {"answers": perfect_answers(quiz)}, format="json")
        assert response.status_code == 404, url
    assert other.get("/api/v1/attempts/").json()["count"] == 0
    assert Attempt.objects.get(pk=attempt["id"]).status == "in_progress"


def test_token_authenticated_attempt_and_session_csrf(quiz):
    user = UserFactory()
    _, key = account_services.api_token_create(user=user, name="cli")
    api = APIClient()
    started = api.post(f"/api/v1/quizzes/{quiz.slug}/attempts/", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert started.status_code == 201
    # A session without a CSRF token cannot write.
    session = APIClient(enforce_csrf_checks=True)
    session.force_login(user)
    response = session.post(f"/api/v1/attempts/{started.json()['id']}/submit/")
    assert response.status_code == 403 and "CSRF" in response.json()["error"]["message"]
    assert Attempt.objects.get(pk=started.json()["id"]).status == "in_progress"


def test_anonymous_writes_are_401(quiz):
    api = APIClient()
    for method, url in (
        ("post", f"/api/v1/quizzes/{quiz.slug}/attempts/"),
        ("get", "/api/v1/attempts/"),
        ("get", "/api/v1/progress/"),
    ):
        response = getattr(api, method)(url)
        assert response.status_code == 401, url
        assert response.json()["error"]["code"] == "not_authenticated"
    assert not Attempt.objects.exists()


def test_progress_overview_and_marking_lessons(quiz, learner):
    lesson = LessonFactory(module=quiz.module)
    LessonFactory(module=quiz.module)
    course, module = quiz.course.slug, quiz.module.slug
    url = f"/api/v1/progress/lessons/{course}/{module}/{lesson.slug}/"
    marked = learner.put(url, {"completed": True}, format="json")
    assert marked.status_code == 200
    assert marked.json() == {
        "course": course, "module": module, "lesson": lesson.slug,
        "completed": True, "progress": {"completed": 1, "total": 2},
    }  # fmt: skip
    assert learner.put(url, {"completed": True}, format="json").json() == marked.json()
    attempt = learner.post(f"/api/v1/quizzes/{quiz.slug}/attempts/").json()
    submit = f"/api/v1/attempts/{attempt['id']}/submit/"
    learner.post(submit, {"answers": perfect_answers(quiz)}, format="json")
    overview = learner.get("/api/v1/progress/").json()["results"]
    entry = next(c for c in overview if c["slug"] == course)
    assert (entry["completed"], entry["total"], entry["percent"]) == (1, 2, 50)
    assert entry["modules"][0]["quiz"] == {
        "slug": quiz.slug, "title": quiz.title, "best": 100.0, "last": 100.0, "passed": True
    }  # fmt: skip
    unmarked = learner.put(url, {"completed": False}, format="json").json()
    assert unmarked["progress"]["completed"] == 0
    bad = learner.put(url, {"completed": "maybe"}, format="json")
    assert bad.status_code == 400 and "completed" in bad.json()["error"]["details"]
    draft = LessonFactory(module=quiz.module, status="draft")
    draft_url = f"/api/v1/progress/lessons/{course}/{module}/{draft.slug}/"
    missing = learner.put(draft_url, {"completed": True}, format="json")
    assert missing.status_code == 404


def test_constant_query_counts(django_assert_max_num_queries, learner):
    small, large = build_quiz(), build_quiz()
    from tests.quizzes.conftest import add_question

    for n in range(20):
        add_question(large, f"extra{n}", "single_choice", order=10 + n,
                     choices=[("Yes", True), ("No", False), ("Maybe", False)])  # fmt: skip
    for _ in range(5):
        build_quiz()
    counts = {}
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for quiz in (small, large):
        attempt = learner.post(f"/api/v1/quizzes/{quiz.slug}/attempts/").json()
        urls = {
            "questions": f"/api/v1/quizzes/{quiz.slug}/questions/",
            "detail": f"/api/v1/quizzes/{quiz.slug}/",
            "attempt": f"/api/v1/attempts/{attempt['id']}/",
            "list": "/api/v1/quizzes/",
            "attempts": "/api/v1/attempts/",
            "progress": "/api/v1/progress/",
        }
        for name, url in urls.items():
            with CaptureQueriesContext(connection) as ctx:
                assert learner.get(url).status_code == 200
            counts.setdefault(name, []).append(len(ctx))
        learner.post(f"/api/v1/attempts/{attempt['id']}/submit/")
        with CaptureQueriesContext(connection) as ctx:
            learner.get(f"/api/v1/attempts/{attempt['id']}/result/")
        counts.setdefault("result", []).append(len(ctx))
    for name, (a, b) in counts.items():
        assert a == b, (name, counts)
    assert counts["questions"][0] <= 5, counts
