"""Course pages: visibility, progress, search, caching and constant query counts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.courses import services
from apps.courses.models import LessonProgress
from tests.factories import CourseFactory, LessonFactory, ModuleFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def course():
    course = CourseFactory(slug="demo", title="Demo course")
    for m in range(2):
        module = ModuleFactory(course=course, slug=f"mod-{m}", title=f"Module {m}", order=m)
        for n in range(3):
            LessonFactory(module=module, slug=f"lesson-{m}-{n}", title=f"Lesson {m}.{n}", order=n)
    return course


def lesson_url(slug: str, module: str = "mod-0") -> str:
    return reverse("courses:lesson", kwargs={"course": "demo", "module": module, "lesson": slug})


def test_catalog_outline_and_lesson_render(client, course):
    assert b"Demo course" in client.get("/courses/").content
    outline = client.get("/courses/demo/")
    assert outline.status_code == 200
    assert outline.content.count(b'class="lesson-list"') == 2
    page = client.get(lesson_url("lesson-0-1"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "In this lesson you will" in body and "Key takeaways" in body
    assert 'href="#sec-section"' in body  # table of contents
    assert 'rel="prev"' in body and 'rel="next"' in body
    assert "Log in</a> or" in body


def test_drafts_are_invisible_everywhere(client, course):
    draft = LessonFactory(
        module=course.modules.first(), slug="secret-draft", title="Secret draft", status="draft"
    )
    assert client.get(lesson_url("secret-draft")).status_code == 404
    assert b"Secret draft" not in client.get("/courses/demo/").content
    assert b"Secret draft" not in client.get("/search/?q=secret").content
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    assert (
        client.get(lesson_url("secret-draft")).status_code == 404
    )  # drafts only in the admin preview
    preview = client.get(reverse("admin:courses_lesson_preview", args=[draft.pk]))
    assert preview.status_code == 200 and b"Secret draft" in preview.content


def test_a_draft_module_or_course_hides_its_lessons(
    client, course, django_capture_on_commit_callbacks
):
    assert client.get(lesson_url("lesson-1-0", "mod-1")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        services.modules_set_status(modules=course.modules.filter(slug="mod-1"), status="draft")
    assert client.get(lesson_url("lesson-1-0", "mod-1")).status_code == 404
    assert client.get(lesson_url("lesson-0-0")).status_code == 200
    course.status = "draft"
    with django_capture_on_commit_callbacks(execute=True):
        services.course_save(course=course)
    assert client.get(lesson_url("lesson-0-0")).status_code == 404
    assert client.get("/courses/demo/").status_code == 404


def test_marking_progress(client, course):
    url = lesson_url("lesson-0-0")
    progress_url = url + "progress"
    assert client.post(progress_url, {"completed": "1"}).status_code == 302  # to login
    assert LessonProgress.objects.count() == 0
    user = UserFactory()
    client.force_login(user)
    assert client.get(progress_url).status_code == 405
    client.post(progress_url, {"completed": "1"})
    client.post(progress_url, {"completed": "1"})  # idempotent
    assert LessonProgress.objects.filter(user=user).count() == 1
    page = client.get(url).content.decode()
    assert "Mark as not complete" in page
    dashboard = client.get("/dashboard/").content.decode()
    assert 'data-completed="1" data-total="6"' in dashboard
    client.post(progress_url, {"completed": "0"})
    assert LessonProgress.objects.filter(user=user).count() == 0


def test_progress_on_a_draft_is_refused(client, course):
    LessonFactory(module=course.modules.first(), slug="drafty", status="draft")
    client.force_login(UserFactory())
    assert client.post(lesson_url("drafty") + "progress", {"completed": "1"}).status_code == 404
    assert LessonProgress.objects.count() == 0


def test_progress_needs_csrf(course):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(UserFactory())
    response = strict.post(lesson_url("lesson-0-0") + "progress", {"completed": "1"})
    assert response.status_code == 403
    assert LessonProgress.objects.count() == 0


def test_dashboard_needs_login(client, course):
    assert client.get("/dashboard/").status_code == 302


def test_search_finds_published_lessons_with_highlighted_snippets(client, course):
    LessonFactory(
        module=course.modules.first(), slug="pools", title="Pooling",
        body_md="PostgreSQL connection pooling keeps a few connections open <b>always</b>.",
    )  # fmt: skip
    response = client.get("/search/", {"q": "pooling"})
    body = response.content.decode()
    assert "Pooling" in body
    assert "<mark>" in body.lower()
    assert "&lt;b&gt;" in body or "<b>" not in body.split("snippet")[-1]  # snippets are escaped
    assert client.get("/search/", {"q": "x" * 5000}).status_code == 200
    assert b"0 results" in client.get("/search/", {"q": "zzzxqj"}).content


def _lessons(course, count):
    module = course.modules.first()
    for n in range(count):
        LessonFactory(module=module, slug=f"extra-{module.pk}-{n}-{course.modules.count()}")


@pytest.mark.parametrize("signed_in", [False, True])
def test_pages_run_a_constant_number_of_queries(
    client, course, django_assert_num_queries, settings, signed_in
):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    if signed_in:
        client.force_login(UserFactory())
    counts = {}
    for size in (0, 25):
        _lessons(course, size)
        for name, url in {
            "catalog": "/courses/",
            "outline": "/courses/demo/",
            "lesson": lesson_url("lesson-0-1"),
            "search": "/search/?q=connection",
        }.items():
            from django.db import connection
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            counts.setdefault(name, []).append(len(ctx.captured_queries))
    for name, (small, large) in counts.items():
        assert small == large, (name, small, large)
        assert large <= 8, (name, large)


def test_anonymous_pages_are_cached_and_invalidated_on_publish(client, course):
    url = lesson_url("lesson-0-2")
    assert client.get(url)["X-Cache"] == "miss"
    assert client.get(url)["X-Cache"] == "hit"
    client.get(lesson_url("lesson-0-0"))
    assert client.get(lesson_url("lesson-0-0"))["X-Cache"] == "hit"
    lesson = course.modules.first().lessons.get(slug="lesson-0-2")
    lesson.body_md = "## New heading\n\nFresh text."
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        services.lesson_save(lesson=lesson)
    assert (
        client.get(lesson_url("lesson-0-0"))["X-Cache"] == "miss"
    )  # every page, not just this one
    response = client.get(url)
    assert response["X-Cache"] == "miss"
    assert b"Fresh text." in response.content


def test_signed_in_pages_are_never_cached(client, course):
    client.force_login(UserFactory())
    response = client.get(lesson_url("lesson-0-0"))
    assert "X-Cache" not in response
