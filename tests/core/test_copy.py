"""Copy that reads right: the fit question, the home cards, page titles, the preview banner."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from apps.courses.models import Lesson
from apps.matrix.models import Category
from tests.factories import LessonFactory, UserFactory

pytestmark = pytest.mark.django_db


def title_of(html: str) -> str:
    match = re.search(r"<title>(.*?)</title>", html, re.S)
    assert match
    return " ".join(match.group(1).split())


def test_fit_question_reads_right_for_every_category(client):
    call_command("import_content", verbosity=0)
    categories = list(Category.objects.all())
    assert categories
    for category in categories:
        html = client.get(reverse("matrix:fit", args=[category.slug])).content.decode()
        heading = re.search(r"<h1>(.*?)</h1>", html).group(1)
        assert heading == f"{category.title}: which one fits you?"
        assert "option fits" not in html


def test_every_home_card_is_a_link_in_a_balanced_grid(client):
    html = client.get("/").content.decode()
    grid = html[html.index('<ul class="card-grid card-grid-six">') :]
    grid = grid[: grid.index("</ul>")]
    cards = grid.count('<li class="card">')
    assert cards == 6
    assert len(re.findall(r'<li class="card">\s*<h3><a href="/[^"]*">', grid)) == cards


def test_the_two_api_pages_have_distinct_titles(client):
    docs = title_of(client.get("/api/docs/").content.decode())
    explorer = title_of(client.get("/api/explorer/").content.decode())
    assert docs != explorer
    assert "Swagger" in docs and "REST API" in docs
    assert "REST and GraphQL" in explorer


@pytest.mark.parametrize(
    ("lesson_status", "module_status", "note"),
    [
        ("draft", "published", "Preview of a draft lesson: learners cannot see it yet."),
        (
            "published",
            "draft",
            "Preview of a published lesson, but its module is a draft: learners cannot see it yet.",
        ),
        (
            "published",
            "published",
            "Preview of a published lesson: learners see it at its address.",
        ),
    ],
)
def test_the_preview_banner_is_a_sentence(client, lesson_status, module_status, note):
    lesson: Lesson = LessonFactory(status=lesson_status)
    lesson.module.status = module_status
    lesson.module.save()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    html = client.get(reverse("admin:courses_lesson_preview", args=[lesson.pk])).content.decode()
    assert f"<strong>{note}</strong>" in html
