"""The content pages that grew (matrix categories with up to eight options, lessons with
longer examples) still fit a phone: no sideways scrolling at 360 px."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from apps.courses.models import Lesson
from apps.matrix.models import Category

pytestmark = pytest.mark.browser

GROWN_LESSONS = (
    "the-gil-explained",
    "rest-vs-graphql",
    "background-tasks-with-celery",
    "containers-kubernetes-serverless",
    "monitoring-and-logging",
)


def test_every_matrix_category_and_the_grown_lessons_fit_a_phone(browser, live_url):
    call_command("import_content", verbosity=0)
    categories = list(Category.objects.all())
    assert {"servers-and-proxies", "profilers", "monitoring"} <= {c.slug for c in categories}
    pages = [c.get_absolute_url() for c in categories]
    pages += [Lesson.objects.get(slug=slug).get_absolute_url() for slug in GROWN_LESSONS]
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    wide = {}
    try:
        for path in pages:
            response = page.goto(live_url + path)
            assert response is not None and response.status == 200, path
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 0:
                wide[path] = overflow
    finally:
        context.close()
    assert wide == {}, f"pages wider than the screen (px): {wide}"
