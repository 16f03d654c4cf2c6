"""The admin under the site's CSP: authors' add and change pages with no CSP violation
and no serious or critical axe-core issue."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from apps.classes.models import Assignment, Classroom
from apps.courses.models import Course, Lesson, Module
from apps.exercises.models import Exercise
from apps.matrix.models import Category
from apps.quizzes.models import Question, Quiz
from tests.browser.pagewatch import visit, watch
from tests.conftest import axe_violations
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.browser


def test_admin_add_and_change_pages_keep_the_csp_and_pass_axe(page, live_url):
    call_command("import_content", verbosity=0)
    UserFactory(username="editor", is_staff=True, is_superuser=True)
    pages = [
        "/admin/",
        "/admin/courses/course/add/",
        f"/admin/courses/course/{Course.objects.first().pk}/change/",
        "/admin/courses/module/",
        "/admin/courses/module/add/",
        f"/admin/courses/module/{Module.objects.first().pk}/change/",
        "/admin/courses/lesson/add/",
        f"/admin/courses/lesson/{Lesson.objects.first().pk}/change/",
        "/admin/quizzes/quiz/add/",
        f"/admin/quizzes/quiz/{Quiz.objects.first().pk}/change/",
        f"/admin/quizzes/question/{Question.objects.first().pk}/change/",
        "/admin/exercises/exercise/add/",
        f"/admin/exercises/exercise/{Exercise.objects.first().pk}/change/",
        "/admin/matrix/category/add/",
        f"/admin/matrix/category/{Category.objects.first().pk}/change/",
        "/admin/classes/classroom/add/",
        "/admin/classes/assignment/add/",
    ]
    classroom = Classroom.objects.first()
    if classroom is not None:
        pages.append(f"/admin/classes/classroom/{classroom.pk}/change/")
    assignment = Assignment.objects.first()
    if assignment is not None:
        pages.append(f"/admin/classes/assignment/{assignment.pk}/change/")

    found = watch(page)
    page.goto(live_url + "/accounts/login/?next=/admin/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/admin/")
    issues = {}
    for path in pages:
        assert visit(page, found, live_url + path) == 200, path
        # The date and time pickers open (they are drawn and placed by the admin's script).
        if page.locator(".datetimeshortcuts a[id^=calendarlink]").count():
            page.locator(".datetimeshortcuts a[id^=calendarlink]").first.click()
            assert page.locator(".calendarbox").first.is_visible()
            page.keyboard.press("Escape")
        # CSP first: axe-core, evaluated into the page, adds a <style> the CSP refuses.
        assert found.problems.get(live_url + path) is None, (path, found.problems)
        violations = axe_violations(page)
        if violations:
            issues[path] = violations
    assert issues == {}
