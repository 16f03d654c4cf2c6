"""Attempts: limits, autosave, idempotent submission, deadlines, reveal policies, bad input."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.quizzes import selectors, services
from apps.quizzes.errors import AttemptClosed, DeadlinePassed, NoAttemptsLeft, QuestionNotInAttempt
from apps.quizzes.grading import InvalidResponse
from apps.quizzes.models import Answer, Attempt
from tests.factories import UserFactory
from tests.quizzes.conftest import ids, perfect_answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def learner():
    return UserFactory()


def test_perfect_attempt_scores_full_marks(make_quiz, learner):
    quiz = make_quiz()
    attempt = services.attempt_start(user=learner, quiz=quiz)
    services.attempt_submit(user=learner, attempt_id=attempt.pk, answers=perfect_answers(quiz))
    attempt.refresh_from_db()
    assert (attempt.score, attempt.max_score, attempt.percent, attempt.passed) == (
        Decimal("6.00"),
        Decimal("6.00"),
        Decimal("100.00"),
        True,
    )


def test_resume_returns_the_open_attempt(make_quiz, learner):
    quiz = make_quiz()
    first = services.attempt_start(user=learner, quiz=quiz)
    assert services.attempt_start(user=learner, quiz=quiz).pk == first.pk
    assert Attempt.objects.count() == 1


def test_attempt_limit(make_quiz, learner):
    quiz = make_quiz(attempts_allowed=2)
    for _ in range(2):
        attempt = services.attempt_start(user=learner, quiz=quiz)
        services.attempt_submit(user=learner, attempt_id=attempt.pk)
    with pytest.raises(NoAttemptsLeft):
        services.attempt_start(user=learner, quiz=quiz)


def test_unlimited_attempts(make_quiz, learner):
    quiz = make_quiz(attempts_allowed=0)
    for _ in range(5):
        services.attempt_submit(
            user=learner, attempt_id=services.attempt_start(user=learner, quiz=quiz).pk
        )
    assert Attempt.objects.filter(user=learner).count() == 5


def test_submission_is_idempotent(make_quiz, learner):
    quiz = make_quiz()
    attempt = services.attempt_start(user=learner, quiz=quiz)
    services.attempt_submit(user=learner, attempt_id=attempt.pk, answers=perfect_answers(quiz))
    again = services.attempt_submit(user=learner, attempt_id=attempt.pk, answers={})
    assert again.percent == Decimal("100.00")
    with pytest.raises(AttemptClosed):
        services.attempt_save_answers(
            user=learner, attempt_id=attempt.pk, answers=perfect_answers(quiz)
        )


def test_bad_input_writes_nothing(make_quiz, learner):
    quiz = make_quiz()
    attempt = services.attempt_start(user=learner, quiz=quiz)
    good = perfect_answers(quiz)
    first_id = next(iter(good))
    for answers, error in [
        ({**dict(list(good.items())[1:]), "999999": {"choice": 1}}, QuestionNotInAttempt),
        ({**good, "999999": {"choice": 1}}, InvalidResponse),  # more answers than questions
        ({"abc": {}}, QuestionNotInAttempt),
        ({first_id: {"choice": 424242}}, InvalidResponse),
        ({first_id: "not an object"}, InvalidResponse),
        ({}, InvalidResponse),
    ]:
        with pytest.raises(error):
            services.attempt_save_answers(user=learner, attempt_id=attempt.pk, answers=answers)
    assert Answer.objects.count() == 0


def test_another_users_attempt_is_not_found(make_quiz, learner, client):
    quiz = make_quiz()
    attempt = services.attempt_start(user=learner, quiz=quiz)
    intruder = UserFactory()
    with pytest.raises(Exception) as excinfo:
        services.attempt_submit(user=intruder, attempt_id=attempt.pk)
    assert excinfo.value.status == 404
    client.force_login(intruder)
    assert client.get(reverse("quizzes:attempt", args=[attempt.pk])).status_code == 404
    response = client.post(
        reverse("quizzes:autosave", args=[attempt.pk]),
        data=json.dumps({"answers": perfect_answers(quiz)}), content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 404
    assert Answer.objects.count() == 0


def test_deadline_is_enforced_by_the_server(make_quiz, learner):
    quiz = make_quiz(time_limit_minutes=10)
    attempt = services.attempt_start(user=learner, quiz=quiz)
    answers = perfect_answers(quiz)
    first = dict([next(iter(answers.items()))])
    services.attempt_save_answers(user=learner, attempt_id=attempt.pk, answers=first)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    with pytest.raises(DeadlinePassed):
        services.attempt_save_answers(user=learner, attempt_id=attempt.pk, answers=answers)
    result = services.attempt_submit(user=learner, attempt_id=attempt.pk, answers=answers)
    assert result.score == Decimal("1.00")  # only what was saved in time counts


def test_expired_attempt_is_submitted_when_viewed(make_quiz, learner, client):
    quiz = make_quiz(time_limit_minutes=5)
    attempt = services.attempt_start(user=learner, quiz=quiz)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(seconds=30))
    client.force_login(learner)
    response = client.get(reverse("quizzes:attempt", args=[attempt.pk]))
    assert response["Location"] == reverse("quizzes:result", args=[attempt.pk])
    attempt.refresh_from_db()
    assert attempt.status == "submitted"


@pytest.mark.parametrize(
    ("policy", "attempts_allowed", "revealed_after"),
    [
        ("after_each_attempt", 2, [True, True]),
        ("after_last_attempt", 2, [False, True]),
        ("never", 2, [False, False]),
    ],
)
def test_reveal_policies(make_quiz, learner, policy, attempts_allowed, revealed_after):
    quiz = make_quiz(reveal=policy, attempts_allowed=attempts_allowed)
    for expected in revealed_after:
        started = services.attempt_start(user=learner, quiz=quiz)
        attempt = services.attempt_submit(user=learner, attempt_id=started.pk)
        review = selectors.attempt_review(attempt)
        assert selectors.reveal_allowed(attempt) is expected
        assert bool(review[0].explanation_html) is expected
        assert any(c.is_correct is not None for c in review[0].choices) is expected
        assert all(q.correct is False for q in review)  # outcomes are always shown


def test_no_answer_key_before_submission(make_quiz, learner, client):
    quiz = make_quiz()
    client.force_login(learner)
    start = client.post(reverse("quizzes:start", args=[quiz.slug]))
    page = client.get(start["Location"]).content.decode()
    assert "Prompt for single" in page
    for secret in (
        "Because single",
        "Feedback on",
        "3.14",
        "select_related",
        "is_correct",
        "correct",
    ):
        assert secret not in page, secret
    # the saved-answer echo does not leak keys either
    attempt = Attempt.objects.get(user=learner)
    client.post(
        reverse("quizzes:autosave", args=[attempt.pk]),
        data=json.dumps({"answers": perfect_answers(quiz)}), content_type="application/json",
    )  # fmt: skip
    page = client.get(start["Location"]).content.decode()
    assert "Because" not in page and "Feedback on" not in page


def test_html_form_flow_and_result_page(make_quiz, learner, client):
    quiz = make_quiz()
    client.force_login(learner)
    attempt_url = client.post(reverse("quizzes:start", args=[quiz.slug]))["Location"]
    q = ids(quiz)
    form = {
        f"q-{q['single'][0].id}": q["single"][1]["Right"],
        f"q-{q['multi'][0].id}": [q["multi"][1]["A"]],
        f"q-{q['tf'][0].id}": "false",
        f"q-{q['num'][0].id}": "3.14",
        f"q-{q['text'][0].id}": "select related",
        **{
            f"q-{q['order'][0].id}-{cid}": str(i) for i, cid in enumerate(q["order"][1].values(), 1)
        },
        "submit": "1",
    }
    response = client.post(attempt_url, form)
    assert response.status_code == 302
    result = client.get(response["Location"]).content.decode()
    assert "92%" in result  # 5.5 of 6 points
    assert "Because single." in result  # explanations after submitting
    assert "Partly correct" in result


def test_form_rejects_duplicate_positions(make_quiz, learner, client):
    quiz = make_quiz()
    client.force_login(learner)
    attempt_url = client.post(reverse("quizzes:start", args=[quiz.slug]))["Location"]
    q = ids(quiz)
    form = {f"q-{q['order'][0].id}-{cid}": "1" for cid in q["order"][1].values()}
    response = client.post(attempt_url, {**form, "save": "1"})
    assert response.status_code == 400
    assert b"give each item a different position" in response.content
    assert Answer.objects.count() == 0


def test_autosave_json_errors(make_quiz, learner, client):
    quiz = make_quiz()
    client.force_login(learner)
    client.post(reverse("quizzes:start", args=[quiz.slug]))
    attempt = Attempt.objects.get(user=learner)
    url = reverse("quizzes:autosave", args=[attempt.pk])
    assert client.post(url, data="{not json", content_type="application/json").status_code == 400
    bad = client.post(
        url,
        data=json.dumps({"answers": {"987654321": {"choice": 1}}}),
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "question_not_in_attempt"
    ok = client.post(
        url, data=json.dumps({"answers": perfect_answers(quiz)}), content_type="application/json"
    )
    assert ok.json() == {"saved": 6, "answered": 6}


def test_final_exam_draws_from_module_banks(make_quiz, learner):
    from apps.quizzes.models import Quiz

    quiz = make_quiz()
    final = Quiz.objects.create(
        course=quiz.course, kind="final", slug="final", title="Final", status="published",
        draw_count=4,
    )  # fmt: skip
    attempt = services.attempt_start(user=learner, quiz=final)
    assert len(attempt.question_ids) == 4
    assert set(attempt.question_ids) <= set(quiz.questions.values_list("id", flat=True))


def test_final_exam_draws_evenly_from_every_module_without_repeats(learner):
    from collections import Counter

    from apps.quizzes.models import Question, Quiz
    from tests.factories import ModuleFactory
    from tests.quizzes.conftest import add_question

    first = build_module_quiz(ModuleFactory(), 12)
    course = first.course
    quizzes = [first] + [
        build_module_quiz(ModuleFactory(course=course), size) for size in (6, 2, 9)
    ]
    # The same question key in two quizzes (an authoring slip) is still drawn once.
    shared = f"{first.module.slug}-0"
    add_question(quizzes[1], shared, "true_false", order=99, true_false_answer=True)
    final = Quiz.objects.create(
        course=course, kind="final", slug="final", title="Final", status="published",
        draw_count=10,
    )  # fmt: skip
    for _ in range(40):
        ids = services.draw_stratified(
            list(
                Question.objects.filter(quiz__in=quizzes).values_list(
                    "id", "key", "quiz__module_id"
                )
            ),
            final.draw_count,
        )
        rows = Question.objects.filter(id__in=ids)
        assert len(ids) == len(set(ids)) == 10
        keys = [q.key for q in rows]
        assert len(keys) == len(set(keys))
        per_module = Counter(q.quiz.module_id for q in rows)
        # 10 over 4 modules: the two-question module gives both, the others 2 or 3 each.
        assert per_module[quizzes[2].module_id] == 2
        assert sorted(per_module.values()) == [2, 2, 3, 3]
    attempt = services.attempt_start(user=learner, quiz=final)
    assert len(attempt.question_ids) == 10
    modules = Counter(
        Question.objects.filter(id__in=attempt.question_ids).values_list(
            "quiz__module_id", flat=True
        )
    )
    assert len(modules) == 4 and max(modules.values()) - min(modules.values()) <= 1


def build_module_quiz(module, size):
    from apps.quizzes.models import Quiz
    from tests.quizzes.conftest import add_question

    quiz = Quiz.objects.create(
        course=module.course, module=module, slug=f"{module.slug}-quiz", title="Q",
        status="published",
    )  # fmt: skip
    for n in range(size):
        add_question(quiz, f"{module.slug}-{n}", "true_false", order=n, true_false_answer=True)
    return quiz


def test_every_imported_question_is_in_one_quiz_only(db):
    from collections import Counter

    from django.core.management import call_command

    from apps.quizzes.models import Question

    call_command("import_content", verbosity=0)
    keys = Counter(Question.objects.filter(retired=False).values_list("key", flat=True))
    assert [key for key, n in keys.items() if n > 1] == []
    prompts = Counter(Question.objects.filter(retired=False).values_list("prompt_md", flat=True))
    assert [p for p, n in prompts.items() if n > 1] == []


def test_imported_quizzes_cover_every_module(db):
    from django.core.management import call_command

    from apps.quizzes.models import Question, Quiz

    call_command("import_content", verbosity=0)
    module_quizzes = Quiz.objects.filter(kind="module")
    assert module_quizzes.count() == 12
    for quiz in module_quizzes:
        kinds = set(quiz.questions.values_list("type", flat=True))
        assert quiz.questions.count() >= 8, quiz.slug
        assert len(kinds) >= 4, quiz.slug
    assert Question.objects.count() >= 100
    assert not Question.objects.filter(explanation_md="").exists()
    assert Quiz.objects.filter(kind="final", draw_count__gt=0).count() == 1


def test_quiz_pages_run_a_constant_number_of_queries(make_quiz, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.quizzes.conftest import add_question

    counts = []
    for extra in (0, 20):
        quiz = make_quiz()
        for n in range(extra):
            add_question(
                quiz,
                f"extra-{n}",
                "single_choice",
                order=10 + n,
                choices=[("Y", True), ("N", False)],
            )
        learner = UserFactory()
        client.force_login(learner)
        attempt = services.attempt_start(user=learner, quiz=quiz)
        services.attempt_save_answers(
            user=learner, attempt_id=attempt.pk, answers=perfect_answers(quiz)
        )
        sizes = []
        for url in (
            reverse("quizzes:quiz", args=[quiz.slug]),
            reverse("quizzes:attempt", args=[attempt.pk]),
        ):
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            sizes.append(len(ctx.captured_queries))
        services.attempt_submit(user=learner, attempt_id=attempt.pk)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("quizzes:result", args=[attempt.pk])).status_code == 200
        sizes.append(len(ctx.captured_queries))
        counts.append(sizes)
    assert counts[0] == counts[1], counts
    assert max(counts[1]) <= 12, counts
