"""The outline selector primes lesson URLs from one reverse() per module; they must be
exactly what reverse() gives for each lesson, and the APIs' lighter outline (no quiz
join) must still find a module's quiz when something asks for it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from apps.courses import selectors
from apps.courses.models import Lesson, lesson_url_prefix, prime_lesson_urls

pytestmark = pytest.mark.django_db


def test_primed_urls_are_the_reversed_urls(imported_course):
    outline = selectors.course_outline(course=imported_course, user=AnonymousUser())
    lessons = outline.lessons
    assert lessons
    for lesson in lessons:
        expected = reverse(
            "courses:lesson",
            kwargs={
                "course": imported_course.slug,
                "module": lesson.module.slug,
                "lesson": lesson.slug,
            },
        )
        assert lesson.get_absolute_url() == expected
        assert Lesson.objects.get(pk=lesson.pk).get_absolute_url() == expected  # unprimed


def test_prefix_refuses_a_url_shape_it_does_not_understand(settings, monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from apps.courses import models

    monkeypatch.setattr(models, "reverse", lambda *a, **k: "/courses/c/m/x")  # no slash
    with pytest.raises(ImproperlyConfigured):
        lesson_url_prefix("c", "m")
    with pytest.raises(ImproperlyConfigured):
        prime_lesson_urls([], course_slug="c", module_slug="m")


def test_the_outline_without_quizzes_loads_a_quiz_on_access(
    imported_course, django_assert_num_queries
):
    full = selectors.course_outline(course=imported_course, user=AnonymousUser())
    light = selectors.course_outline(course=imported_course, user=AnonymousUser(), quizzes=False)
    with_quiz = [entry for entry in full.modules if entry.quiz is not None]
    assert with_quiz, "the imported course has module quizzes"
    entry = next(e for e in light.modules if e.module.pk == with_quiz[0].module.pk)
    with django_assert_num_queries(1):
        assert entry.quiz == with_quiz[0].quiz
    assert [e.module.slug for e in light.modules] == [e.module.slug for e in full.modules]
    assert [lesson.slug for lesson in light.lessons] == [lesson.slug for lesson in full.lessons]
