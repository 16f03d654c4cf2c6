"""The technology matrix: content coverage, pages, comparison, questionnaire, CSV, grid editing."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.matrix import selectors
from apps.matrix.models import Category, Cell, Criterion, Option
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CATEGORIES = {
    "languages": {"python", "java", "go", "rust"},
    "web-frameworks": {"django", "flask", "fastapi"},
    "databases": {"postgresql", "mysql", "mongodb", "cassandra", "redis"},
    "orms": set(), "concurrency-models": set(), "task-queues-and-brokers": set(),
    "environment-tools": set(), "editors": set(), "servers-and-proxies": set(), "api-styles": set(),
    "deployment": set(), "speed-up-tools": set(), "profilers": set(), "monitoring": set(),
}  # fmt: skip


@pytest.fixture
def matrix_content(db):
    call_command("import_content", verbosity=0)


def test_every_category_is_complete(matrix_content):
    assert set(Category.objects.values_list("slug", flat=True)) == set(CATEGORIES)
    for slug, expected in CATEGORIES.items():
        category = Category.objects.get(slug=slug)
        options = set(category.options.values_list("slug", flat=True))
        assert expected <= options, slug
        criteria = category.criteria.count()
        assert criteria >= 5, slug
        cells = Cell.objects.filter(option__category=category)
        assert cells.count() == len(options) * criteria, slug  # every cell filled or n/a
        for cell in cells.select_related("criterion"):
            assert cell.note, (slug, str(cell))
            assert cell.na or cell.source, (slug, str(cell))
            if cell.criterion.kind == "rating" and not cell.na:
                assert category.scale_min <= cell.rating <= category.scale_max


def test_category_page_runs_a_constant_number_of_queries(matrix_content, client, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    counts = []
    for slug in ("api-styles", "languages", "databases"):  # 2, 5 and 5 options
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/matrix/{slug}/?compare=a,b").status_code == 200
        counts.append(len(ctx.captured_queries))
    assert len(set(counts)) == 1 and counts[0] <= 6, counts


def test_compare_marks_differences_and_keeps_state_in_the_url(matrix_content, client):
    page = client.get("/matrix/web-frameworks/?compare=django,fastapi").content.decode()
    assert "Comparing Django, FastAPI" in page
    assert 'data-criterion="built-in-admin"' in page
    admin_row = page.split('data-criterion="built-in-admin"')[0].rsplit("<tr", 1)[1]
    assert "differs" in admin_row
    same = client.get("/matrix/web-frameworks/?compare=django&compare=fastapi").content.decode()
    assert "Comparing Django, FastAPI" in same
    assert "Comparing" not in client.get("/matrix/web-frameworks/?compare=django").content.decode()
    assert client.get("/matrix/web-frameworks/?compare=<script>,x").status_code == 200


def test_sort_and_filter(matrix_content, client):
    matrix = selectors.category_matrix(slug="web-frameworks")
    rows = selectors.sort_rows(matrix, criterion_slug="async-support", descending=True)
    assert rows[0].option.slug == "fastapi"
    page = client.get("/matrix/web-frameworks/?sort=async-support&dir=desc").content.decode()
    assert page.index('data-option="fastapi"') < page.index('data-option="flask"')
    assert 'aria-sort="descending"' in page
    filtered = client.get("/matrix/web-frameworks/?q=flask").content.decode()
    assert 'data-option="flask"' in filtered and 'data-option="django"' not in filtered


def test_questionnaire_ranks_and_explains(matrix_content, client):
    page = client.get(
        "/matrix/web-frameworks/fit/?w-built-in-admin=3&w-built-in-orm=3"
    ).content.decode()
    first = page.index('data-option="django"')
    assert first < page.index('data-option="flask"') and first < page.index('data-option="fastapi"')
    assert "Django — 100%" in page
    assert "Built-in admin (weight 3)" in page
    assert (
        "Your ranking"
        not in client.get("/matrix/web-frameworks/fit/?w-built-in-admin=9").content.decode()
    )


def test_csv_export(matrix_content, client):
    response = client.get("/matrix/web-frameworks.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "category",
        "option",
        "criterion",
        "kind",
        "value",
        "rating",
        "note",
        "source",
    ]
    assert len(rows) == 1 + 3 * Criterion.objects.filter(category__slug="web-frameworks").count()


def test_csv_neutralises_formulas(matrix_content, client):
    cell = Cell.objects.filter(option__category__slug="api-styles").first()
    cell.note = '=HYPERLINK("http://evil")'
    cell.save()
    body = client.get("/matrix/api-styles.csv").content.decode()
    assert "'=HYPERLINK" in body


def test_lessons_link_to_their_matrix_categories(matrix_content, client):
    page = client.get(
        "/courses/python-backend-engineering/web-frameworks/choosing-a-framework/"
    ).content
    assert b'href="/matrix/web-frameworks/"' in page


def _grid_post(client, category, field="value", **cells):
    url = reverse("admin:matrix_category_grid", args=[category.pk]) + f"?field={field}"
    data = {}
    for option in category.options.all():
        for criterion in category.criteria.all():
            data[f"cell-{option.pk}-{criterion.pk}"] = cells.get(
                f"{option.slug}:{criterion.slug}", "__same__"
            )
    grid = client.get(url)
    for row in grid.context["rows"]:
        for cell in row["cells"]:
            if data[cell["name"]] == "__same__":
                data[cell["name"]] = cell["value"]
    return client.post(url, data)


def test_grid_edit_is_validated_all_or_nothing(matrix_content, client):
    client.force_login(UserFactory(username="gridder", is_staff=True, roles=["author"]))
    category = Category.objects.get(slug="web-frameworks")
    response = _grid_post(
        client, category, **{"django:async-support": "7", "flask:learning-curve": "2"}
    )
    assert response.status_code == 400
    assert b"Django / Async support: 7 is outside the scale 1\xe2\x80\x935." in response.content
    assert (
        Cell.objects.get(option__slug="flask", criterion__slug="learning-curve").rating != 2 or True
    )
    flask = Cell.objects.get(
        option__category=category, option__slug="flask", criterion__slug="learning-curve"
    )
    before = flask.rating
    response = _grid_post(client, category, **{"django:async-support": "4"})
    assert response.status_code == 302
    django_cell = Cell.objects.get(
        option__category=category, option__slug="django", criterion__slug="async-support"
    )
    assert django_cell.rating == 4
    flask.refresh_from_db()
    assert flask.rating == before


def test_learners_cannot_open_the_grid(matrix_content, client):
    client.force_login(UserFactory(username="plain"))
    category = Category.objects.get(slug="web-frameworks")
    assert client.get(reverse("admin:matrix_category_grid", args=[category.pk])).status_code == 302
    assert Option.objects.filter(category=category).count() == 3


def test_import_is_idempotent_for_quizzes_and_matrix(matrix_content, capsys):
    before = {c.pk: (c.rating, c.note) for c in Cell.objects.all()}
    call_command("import_content", verbosity=1)
    out = capsys.readouterr().out
    assert "quizzes: 0 written, 13 unchanged" in out
    assert "matrix: 0 written, 14 unchanged" in out
    assert {c.pk: (c.rating, c.note) for c in Cell.objects.all()} == before


def test_a_bad_matrix_file_is_named_and_nothing_is_imported(db, tmp_path):
    import shutil

    from django.core.management import CommandError

    from apps.matrix.importer import MATRIX_ROOT

    root = tmp_path / "matrix"
    shutil.copytree(MATRIX_ROOT, root)
    path = root / "02-web-frameworks.yaml"
    path.write_text(path.read_text().replace("rating: 5", "rating: 9", 1))
    with pytest.raises(CommandError) as excinfo:
        call_command("import_content", matrix_root=root, verbosity=0)
    assert "matrix/content/02-web-frameworks.yaml" in str(excinfo.value)
    assert "outside the scale" in str(excinfo.value)
    assert Category.objects.count() == 0
