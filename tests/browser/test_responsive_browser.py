"""Every main page fits a phone: no sideways scrolling at 360 px, signed in, with the
real course, matrix, quizzes and exercises imported."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from apps.courses.models import Lesson
from apps.exercises.models import Exercise
from apps.matrix.models import Category
from apps.quizzes.models import Quiz
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.browser


def test_main_pages_have_no_horizontal_scroll_on_a_phone(browser, live_url):
    call_command("import_content", verbosity=0)
    UserFactory(username="phone")
    lesson = Lesson.objects.filter(status="published").select_related("module__course").first()
    pages = [
        "/",
        "/courses/",
        lesson.module.course.get_absolute_url(),
        lesson.get_absolute_url(),
        "/dashboard/",
        "/matrix/",
        "/quizzes/" + Quiz.objects.filter(status="published").first().slug + "/",
        "/live/",
        "/api/explorer/",
        "/accounts/profile/",
    ]
    category = Category.objects.first()
    if category is not None:
        pages.append(category.get_absolute_url())
    exercise = Exercise.objects.filter(status="published").first()
    if exercise is not None:
        pages += ["/exercises/", exercise.get_absolute_url()]
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    try:
        page.goto(f"{live_url}/accounts/login/?next=/dashboard/")
        page.fill("#id_username", "phone")
        page.fill("#id_password", PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r".*/dashboard/$"))
        page.wait_for_load_state("networkidle")
        wide = {}
        for path in pages:
            page.goto(live_url + path)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 0:
                wide[path] = overflow
    finally:
        context.close()
    assert wide == {}, f"pages wider than the screen (px): {wide}"
