"""Matrix sources and lesson links read as titles, not slugs."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from apps.courses.models import Lesson
from apps.matrix.models import Category, Cell

pytestmark = pytest.mark.django_db


@pytest.fixture
def content() -> None:
    call_command("import_content", verbosity=0)


def test_a_compared_cell_links_its_lesson_source_by_title(client, content):
    cell = Cell.objects.filter(
        source__startswith="lesson:", option__category__slug="web-frameworks"
    ).select_related("option")[0]
    lesson = Lesson.objects.get(slug=cell.source.removeprefix("lesson:"))
    others = Category.objects.get(slug="web-frameworks").options.exclude(pk=cell.option_id)
    query = f"compare={cell.option.slug}&compare={others[0].slug}"
    html = client.get(f"/matrix/web-frameworks/?{query}").content.decode()
    assert f'the lesson <a href="{lesson.get_absolute_url()}">{lesson.title}</a>' in html
    assert "lesson “" not in html
    assert not re.search(r"Source: lesson", html)


def test_a_web_source_is_shown_as_host_and_path(client, content):
    html = client.get("/matrix/web-frameworks/?compare=django&compare=flask").content.decode()
    assert (
        '<a href="https://docs.djangoproject.com/en/5.2/topics/async/" '
        'rel="nofollow noopener noreferrer">docs.djangoproject.com/en/5.2/topics/async</a>'
    ) in html


def test_a_lesson_links_related_comparisons_by_title(client, content):
    lesson = next(x for x in Lesson.objects.all() if "concurrency-models" in x.related_matrix)
    html = client.get(lesson.get_absolute_url()).content.decode()
    title = Category.objects.get(slug="concurrency-models").title
    assert f'technology matrix: <a href="/matrix/concurrency-models/">{title}</a>' in html
    assert "matrix: concurrency-models" not in html
