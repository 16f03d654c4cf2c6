"""Authors edit checks in the admin: as blocks in the lesson body, inline on the lesson,
and on a check's own page with its choices; every save is validated as a quiz question."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.checks.models import LessonCheck
from tests.checks.conftest import BODY
from tests.factories import CourseFactory, ModuleFactory, UserFactory

pytestmark = pytest.mark.django_db

BLOCK = "```check\nkey: a-flag\ntype: true_false\nprompt: P?\nanswer: true\nexplanation: E.\n```\n"


@pytest.fixture
def author(client):
    client.force_login(UserFactory(username="check-author", is_staff=True, roles=["author"]))


def _payload(module, body, **more):
    return {
        "module": module.pk, "title": "Locks", "slug": "locks", "summary": "", "objectives": "",
        "body_md": body, "takeaways": "", "related_matrix": "", "platform_links": "[]",
        "order": 1, "status": "published", "checks-TOTAL_FORMS": "0",
        "checks-INITIAL_FORMS": "0", **more,
    }  # fmt: skip


def test_a_lesson_saved_in_the_admin_gets_its_checks_and_bad_blocks_are_refused(client, author):
    module = ModuleFactory(course=CourseFactory(slug="admin-course"))
    bad = BLOCK.replace("answer: true\n", "")
    response = client.post(reverse("admin:courses_lesson_add"), _payload(module, "Hi\n\n" + bad))
    assert response.status_code == 200
    assert "A check block is not valid" in response.content.decode()
    assert "true/false question needs its answer" in response.content.decode().replace(
        "&#x27;", "'"
    ) or "'answer' must be true or false" in response.content.decode().replace("&#x27;", "'")
    assert not LessonCheck.objects.exists()
    response = client.post(reverse("admin:courses_lesson_add"), _payload(module, BODY))
    assert response.status_code == 302, response.content[:3000]
    assert LessonCheck.objects.count() == 5
    lesson = LessonCheck.objects.first().lesson
    page = client.get(reverse("admin:courses_lesson_change", args=[lesson.pk])).content.decode()
    assert "pick-many" in page and "checks in this lesson" in page.lower()


def test_the_inline_edits_a_stored_check_and_validates_it(client, author):
    module = ModuleFactory(course=CourseFactory(slug="admin-course-2"))
    client.post(reverse("admin:courses_lesson_add"), _payload(module, "Hi\n\n" + BLOCK))
    check = LessonCheck.objects.get(key="a-flag")
    url = reverse("admin:courses_lesson_change", args=[check.lesson_id])
    inline = {
        "checks-TOTAL_FORMS": "1", "checks-INITIAL_FORMS": "1", "checks-0-id": check.pk,
        "checks-0-lesson": check.lesson_id, "checks-0-position": "0", "checks-0-key": "a-flag",
        "checks-0-type": "true_false", "checks-0-prompt_md": "Is it *so*?",
        "checks-0-explanation_md": "Yes.", "checks-0-true_false_answer": "false",
        "checks-0-numeric_answer": "", "checks-0-tolerance": "0",
        "checks-0-accepted_answers": "[]",
    }  # fmt: skip
    response = client.post(url, _payload(module, "Hi\n\n" + BLOCK, **inline))
    assert response.status_code == 302, response.content[:3000]
    check.refresh_from_db()
    assert check.true_false_answer is False and "<em>so</em>" in check.prompt_html
    inline["checks-0-true_false_answer"] = "unknown"
    response = client.post(url, _payload(module, "Hi\n\n" + BLOCK, **inline))
    assert response.status_code == 200
    assert "A true/false question needs its answer." in response.content.decode()


def test_a_check_page_edits_choices_with_the_quiz_validation(client, author):
    module = ModuleFactory(course=CourseFactory(slug="admin-course-3"))
    client.post(reverse("admin:courses_lesson_add"), _payload(module, BODY))
    check = LessonCheck.objects.get(key="pick-one")
    choices = list(check.choices.order_by("order"))
    url = reverse("admin:checks_lessoncheck_change", args=[check.pk])
    data = {
        "lesson": check.lesson_id, "key": check.key, "type": check.type, "position": 0,
        "prompt_md": check.prompt_md, "explanation_md": check.explanation_md,
        "scoring": "all_or_nothing", "tolerance": "0", "accepted_answers": "[]",
        "choices-TOTAL_FORMS": "3", "choices-INITIAL_FORMS": "3",
    }  # fmt: skip
    for n, choice in enumerate(choices):
        data |= {
            f"choices-{n}-id": choice.pk, f"choices-{n}-check_item": check.pk,
            f"choices-{n}-order": n, f"choices-{n}-text": choice.text,
            f"choices-{n}-feedback": choice.feedback,
        }  # fmt: skip
    data["choices-0-is_correct"] = "on"
    data["choices-1-is_correct"] = "on"
    response = client.post(url, data)
    assert response.status_code == 200
    assert "exactly one correct choice (it has 2)" in response.content.decode()
    del data["choices-1-is_correct"]
    assert client.post(url, data).status_code == 302
    assert [c.is_correct for c in check.choices.order_by("order")] == [True, False, False]
