"""Quiz authoring in the admin: validation with clear errors, item statistics."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.quizzes import selectors, services
from apps.quizzes.models import Question
from tests.factories import UserFactory
from tests.quizzes.conftest import ids, perfect_answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def author_client(client):
    client.force_login(UserFactory(username="qauthor", is_staff=True, roles=["author"]))
    return client


def _question_form(question, choices, **fields):
    data = {
        "quiz": question.quiz_id, "key": question.key, "type": question.type, "order": 0,
        "points": "1", "prompt_md": "Which one?", "explanation_md": "Because.",
        "scoring": "all_or_nothing", "true_false_answer": "unknown", "numeric_answer": "",
        "tolerance": "0", "accepted_answers": "[]",
        "choices-TOTAL_FORMS": str(len(choices)), "choices-INITIAL_FORMS": str(len(choices)),
        "choices-MIN_NUM_FORMS": "0", "choices-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    for i, (choice_id, text, correct) in enumerate(choices):
        data.update({
            f"choices-{i}-id": str(choice_id), f"choices-{i}-question": str(question.pk),
            f"choices-{i}-order": str(i), f"choices-{i}-text": text, f"choices-{i}-feedback": "",
        })  # fmt: skip
        if correct:
            data[f"choices-{i}-is_correct"] = "on"
    data.update(fields)
    return data


def test_single_choice_needs_exactly_one_correct_choice(author_client, make_quiz):
    question, choices = ids(make_quiz())["single"]
    rows = [(cid, text, True) for text, cid in choices.items()]  # both marked correct
    url = reverse("admin:quizzes_question_change", args=[question.pk])
    response = author_client.post(url, _question_form(question, rows))
    assert response.status_code == 200
    assert b"exactly one correct choice (it has 2)" in response.content
    assert question.choices.filter(is_correct=True).count() == 1  # nothing written


def test_negative_tolerance_is_refused(author_client, make_quiz):
    question, _ = ids(make_quiz())["num"]
    url = reverse("admin:quizzes_question_change", args=[question.pk])
    response = author_client.post(
        url, _question_form(question, [], numeric_answer="3.14", tolerance="-1", prompt_md="Pi?")
    )
    assert response.status_code == 200
    assert b"greater than or equal to 0" in response.content
    question.refresh_from_db()
    assert question.tolerance >= 0


def test_valid_edit_is_saved_and_rendered(author_client, make_quiz):
    question, choices = ids(make_quiz())["single"]
    rows = [(cid, f"**{text}**", text == "Right") for text, cid in choices.items()]
    url = reverse("admin:quizzes_question_change", args=[question.pk])
    response = author_client.post(url, _question_form(question, rows, prompt_md="Which *one*?"))
    assert response.status_code == 302, response.content[:3000]
    question.refresh_from_db()
    assert "<em>one</em>" in question.prompt_html
    assert question.choices.get(is_correct=True).text_html == "<strong>Right</strong>"


def test_item_statistics(make_quiz, author_client):
    quiz = make_quiz()
    q = ids(quiz)
    single, choices = q["single"]
    for n in range(4):
        learner = UserFactory(username=f"s{n}")
        attempt = services.attempt_start(user=learner, quiz=quiz)
        answers = perfect_answers(quiz) if n < 2 else {str(single.id): {"choice": choices["Wrong"]}}
        services.attempt_submit(user=learner, attempt_id=attempt.pk, answers=answers)
    stats = selectors.question_stats(Question.objects.get(pk=single.pk))
    assert stats.attempts == 4
    assert stats.facility == 0.5
    assert stats.discrimination == 1.0  # the strong attempts got it, the weak ones did not
    assert sorted(stats.picks) == [("Right", 2, True), ("Wrong", 2, False)]
    page = author_client.get(reverse("admin:quizzes_question_change", args=[single.pk]))
    assert b"discrimination index" in page.content and b"<svg" in page.content


def test_editing_a_question_invalidates_the_cached_quiz_page(author_client, make_quiz, client):
    from django.test import Client

    quiz = make_quiz()
    anonymous = Client()
    url = reverse("quizzes:quiz", args=[quiz.slug])
    anonymous.get(url)
    assert anonymous.get(url)["X-Cache"] == "hit"
    question, choices = ids(quiz)["single"]
    rows = [(cid, text, text == "Right") for text, cid in choices.items()]
    edit = reverse("admin:quizzes_question_change", args=[question.pk])
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        assert author_client.post(edit, _question_form(question, rows)).status_code == 302
    assert anonymous.get(url)["X-Cache"] == "miss"
