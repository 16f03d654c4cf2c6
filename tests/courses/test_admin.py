"""Authoring in the admin: author permissions, sanitising on save, preview, publish, history."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from apps.courses.models import Lesson
from tests.factories import CourseFactory, LessonFactory, ModuleFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def author(client):
    user = UserFactory(username="author1", is_staff=True, roles=["author"])
    client.force_login(user)
    return user


@pytest.fixture
def module():
    return ModuleFactory(course=CourseFactory(slug="demo"), slug="basics")


def _payload(module, **overrides):
    data = {
        "module": module.pk, "title": "Caching 101", "slug": "caching-101",
        "summary": "Why and how to cache.", "objectives": "Explain caching\nChoose a TTL",
        "body_md": (
            "## Why\n\nBecause <script>window.__xss()</script> speed.\n\n"
            "<img src=x onerror=alert(1)>"
        ),
        "takeaways": "Cache what is safe\nInvalidate on change\nMeasure", "related_matrix": "",
        "platform_links": "[]", "order": 1, "status": "draft",
        "checks-TOTAL_FORMS": "0", "checks-INITIAL_FORMS": "0",  # the Checks inline
    }  # fmt: skip
    data.update(overrides)
    return data


def test_author_creates_a_sanitised_draft_with_history(client, author, module):
    response = client.post(reverse("admin:courses_lesson_add"), _payload(module))
    assert response.status_code == 302, response.content[:2000]
    lesson = Lesson.objects.get(slug="caching-101")
    assert lesson.status == "draft"
    assert lesson.objectives == ["Explain caching", "Choose a TTL"]
    assert "<script" not in lesson.body_html and "onerror" not in lesson.body_html
    assert lesson.updated_by == author
    assert LogEntry.objects.filter(object_id=str(lesson.pk), user=author).exists()


def test_save_and_preview_then_publish(client, author, module):
    response = client.post(
        reverse("admin:courses_lesson_add"), {**_payload(module), "_preview": "1"}
    )
    lesson = Lesson.objects.get(slug="caching-101")
    assert response["Location"] == reverse("admin:courses_lesson_preview", args=[lesson.pk])
    preview = client.get(response["Location"])
    assert preview.status_code == 200
    assert b"Preview of a draft" in preview.content
    assert client.get(lesson.get_absolute_url()).status_code == 404
    client.post(
        reverse("admin:courses_lesson_changelist"),
        {"action": "publish", "_selected_action": [lesson.pk]},
    )
    lesson.refresh_from_db()
    assert lesson.status == "published" and lesson.published_at is not None
    client.logout()
    assert client.get(lesson.get_absolute_url()).status_code == 200


def test_validation_errors_are_shown(client, author, module):
    response = client.post(
        reverse("admin:courses_lesson_add"),
        _payload(
            module,
            platform_links='[{"label": "x", "url": "javascript:alert(1)"}]',
            related_matrix="Not A Slug",
        ),
    )
    assert response.status_code == 200
    assert b"must be a path on this site" in response.content
    assert b"Not slugs" in response.content
    assert not Lesson.objects.filter(slug="caching-101").exists()


def test_learners_cannot_author(client, module):
    learner = UserFactory(username="plainlearner")
    client.force_login(learner)
    assert client.get(reverse("admin:courses_lesson_add")).status_code == 302
    lesson = LessonFactory(module=module, status="draft")
    assert client.get(reverse("admin:courses_lesson_preview", args=[lesson.pk])).status_code == 302


def test_instructors_can_view_but_not_change(client, module):
    instructor = UserFactory(username="teacher", is_staff=True, roles=["instructor"])
    client.force_login(instructor)
    lesson = LessonFactory(module=module)
    assert client.get(reverse("admin:courses_lesson_change", args=[lesson.pk])).status_code == 200
    assert client.get(reverse("admin:courses_lesson_add")).status_code == 403
