"""GraphQL (/graphql): REST's data and field names, credentials, CSRF, errors, query
counts, the lesson-progress mutation, GraphiQL and the committed schema."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from graphene_django import DjangoObjectType
from graphql import GraphQLObjectType, print_schema
from rest_framework.test import APIClient

from apps.accounts import services as account_services
from apps.core.errors import ApplicationError
from apps.courses.models import Lesson, LessonProgress
from config.graphql.schema import schema
from config.graphql.types import ModelObjectType
from tests.checks.conftest import solve_checks
from tests.factories import CourseFactory, LessonFactory, ModuleFactory, UserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
COURSE = "python-backend-engineering"
GIL = f'course: "{COURSE}", module: "concurrency", lesson: "the-gil-explained"'
REGENERATE = (
    ".venv/bin/python manage.py graphql_schema --schema config.graphql.schema.schema "
    "--out schema/schema.graphql"
)

COURSE_LIST_FIELDS = "slug title summary module_count lesson_count url"
LESSON_SUMMARY = "slug title summary reading_minutes url"
OUTLINE = f"""slug title summary description_html
  modules {{ slug title summary lessons {{ {LESSON_SUMMARY} }} completed total }}
  progress {{ completed total }}"""
LESSON = """slug title summary objectives takeaways body_html toc { level id title }
  reading_minutes word_count related_matrix module course url"""
MATRIX = """slug title scale { min max labels { value label } }
  criteria { slug title kind description }
  options { slug name summary url lessons { title url }
    cells { criterion display rating value text na note source } }"""


def gql(client: Any, query: str, variables: dict[str, Any] | None = None, **extra: Any) -> Any:
    body: dict[str, Any] = {"query": query}
    if variables is not None:
        body["variables"] = variables
    return client.post("/graphql", json.dumps(body), content_type="application/json", **extra)


def data_of(response: Any) -> Any:
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    return body["data"]


@pytest.fixture
def content(db):
    call_command("import_content", verbosity=0)


@pytest.fixture
def learner(db):
    return UserFactory(username="gqllearner", display_name="Ada")


@pytest.fixture
def author(db):
    return UserFactory(username="gqlauthor", roles=["author"])


# --------------------------------------------------------------------------- schema


def test_committed_schema_matches_the_code():
    committed = (ROOT / "schema" / "schema.graphql").read_text(encoding="utf-8")
    assert committed.rstrip("\n") == print_schema(schema.graphql_schema).rstrip("\n"), (
        f"schema/schema.graphql is out of date; regenerate it with: {REGENERATE}"
    )


def test_the_management_command_prints_what_the_drift_test_compares(tmp_path):
    out = tmp_path / "schema.graphql"
    call_command("graphql_schema", schema="config.graphql.schema.schema", out=str(out))
    assert out.read_text(encoding="utf-8") == print_schema(schema.graphql_schema)


def test_field_names_are_the_rest_names_not_camel_case():
    printed = print_schema(schema.graphql_schema)
    for name in ("description_html", "reading_minutes", "snippet_html", "matrix_category",
                 "lesson_progress_set", "display_name", "option_count"):  # fmt: skip
        assert re.search(rf"\b{name}\b", printed), name
    assert "descriptionHtml" not in printed and "readingMinutes" not in printed


def _graphene_types() -> list[type]:
    found = []
    for gql_type in schema.graphql_schema.type_map.values():
        graphene_type = getattr(gql_type, "graphene_type", None)
        if isinstance(gql_type, GraphQLObjectType) and graphene_type is not None:
            found.append(graphene_type)
    return found


def test_every_model_type_lists_its_fields():
    model_types = [t for t in _graphene_types() if issubclass(t, DjangoObjectType)]
    assert any(t.__name__ == "Viewer" for t in model_types)
    for model_type in model_types:
        assert issubclass(model_type, ModelObjectType), (
            f"{model_type.__name__} must derive from config.graphql.types.ModelObjectType"
        )
    viewer = next(t for t in model_types if t.__name__ == "Viewer")
    assert set(viewer._meta.fields) == {"id", "username", "display_name"}


@pytest.mark.parametrize(
    "meta",
    [{}, {"fields": "__all__"}, {"exclude": ("password",)}, {"fields": ()}],
    ids=["no-fields", "all", "exclude", "empty"],
)
def test_a_model_type_without_an_explicit_field_list_is_refused(meta):
    from django.core.exceptions import ImproperlyConfigured

    from apps.accounts.models import ApiToken

    with pytest.raises(ImproperlyConfigured, match="must list its fields"):
        type(
            "LeakyToken",
            (ModelObjectType,),
            {"Meta": type("Meta", (), {"model": ApiToken, **meta})},
        )


def test_no_type_exposes_credentials_or_internal_columns():
    forbidden = {
        *("password", "email", "key_hash", "is_superuser", "is_staff", "last_login"),
        *("date_joined", "search_vector", "source_hash", "source_path", "updated_by"),
    }
    for gql_type in schema.graphql_schema.type_map.values():
        if isinstance(gql_type, GraphQLObjectType) and not gql_type.name.startswith("__"):
            assert not forbidden & set(gql_type.fields), gql_type.name


# --------------------------------------------------------------------------- parity with REST


def test_courses_outline_lesson_search_and_matrix_match_rest(content, learner):
    rest, client = APIClient(), Client()
    rest.force_authenticate(learner)
    client.force_login(learner)
    lesson = Lesson.objects.get(slug="the-gil-explained")
    LessonProgress.objects.create(user=learner, lesson=lesson, completed_at=lesson.updated_at)
    solve_checks(learner, lesson)  # complete: marked, and every check answered correctly

    courses = data_of(gql(client, f"{{ courses {{ {COURSE_LIST_FIELDS} }} }}"))["courses"]
    assert courses == rest.get("/api/v1/courses/").json()["results"]

    outline = data_of(gql(client, f'{{ course(slug: "{COURSE}") {{ {OUTLINE} }} }}'))["course"]
    expected = rest.get(f"/api/v1/courses/{COURSE}/").json()
    assert expected["progress"] == {"completed": 1, "total": 43}
    assert outline == expected

    query = f"{{ lesson({GIL}) {{ {LESSON} body_md }} }}"
    lesson_data = data_of(gql(client, query))["lesson"]
    rest_lesson = rest.get(f"/api/v1/lessons/{COURSE}/concurrency/the-gil-explained/").json()
    assert lesson_data.pop("body_md") is None and "body_md" not in rest_lesson
    assert lesson_data == rest_lesson and lesson_data["toc"]

    hits = f"query results {{ {LESSON_SUMMARY} snippet_html }}"
    found = data_of(gql(client, f'{{ search(q: "celery retries") {{ {hits} }} }}'))
    assert found["search"] == rest.get("/api/v1/search/", {"q": "celery retries"}).json()
    assert found["search"]["results"]

    categories = data_of(
        gql(client, "{ matrix_categories { slug title option_count criterion_count } }")
    )
    assert categories["matrix_categories"] == rest.get("/api/v1/matrix/").json()["results"]


def test_matrix_category_matches_rest_with_cells_as_a_list(content):
    graph = data_of(gql(Client(), f'{{ matrix_category(slug: "web-frameworks") {{ {MATRIX} }} }}'))
    graph = graph["matrix_category"]
    rest = APIClient().get("/api/v1/matrix/web-frameworks/").json()
    criteria = [c["slug"] for c in rest["criteria"]]
    for option in graph["options"]:
        assert [cell["criterion"] for cell in option["cells"]] == criteria  # criterion order
        option["cells"] = {cell.pop("criterion"): cell for cell in option["cells"]}
    graph["scale"]["labels"] = {x["value"]: x["label"] for x in graph["scale"]["labels"]}
    assert graph == rest
    assert graph["options"][0]["cells"]["built-in-admin"]["value"] is True


def test_anonymous_outline_has_no_progress_and_search_trims_like_rest(content):
    client = Client()
    outline = data_of(
        gql(
            client,
            f'{{ course(slug: "{COURSE}") {{ progress {{ total }} modules {{ completed }} }} }}',
        )
    )
    assert outline["course"]["progress"] is None
    assert {m["completed"] for m in outline["course"]["modules"]} == {0}
    long = "x" * 300
    found = data_of(
        gql(client, "query($q: String!) { search(q: $q) { query results { slug } } }", {"q": long})
    )
    assert found["search"] == APIClient().get("/api/v1/search/", {"q": long}).json()
    assert len(found["search"]["query"]) == 200
    blank = data_of(gql(client, '{ search(q: "   ") { query results { slug } } }'))
    assert blank["search"] == {"query": "   ", "results": []}


def test_courses_are_paginated_like_rest(db):
    for n in range(4):
        CourseFactory(slug=f"paged-{n}", order=n)
    client, rest = Client(), APIClient()
    page = data_of(gql(client, "{ courses(limit: 2, offset: 1) { slug } }"))["courses"]
    assert (
        [c["slug"] for c in page]
        == [
            c["slug"]
            for c in rest.get("/api/v1/courses/", {"limit": 2, "offset": 1}).json()["results"]
        ]
        == ["paged-1", "paged-2"]
    )
    everything = data_of(gql(client, "{ courses(limit: 0) { slug } }"))["courses"]
    assert len(everything) == 4  # a non-positive limit means the default, as in REST
    nulls = data_of(gql(client, "{ courses(limit: null, offset: null) { slug } }"))["courses"]
    assert len(nulls) == 4


def test_markdown_source_only_for_those_who_may_edit_lessons(content, learner, author):
    query = f"{{ lesson({GIL}) {{ body_md }} }}"
    assert data_of(gql(Client(), query))["lesson"]["body_md"] is None
    client = Client()
    client.force_login(learner)
    assert data_of(gql(client, query))["lesson"]["body_md"] is None
    client.force_login(author)
    assert "What the GIL is" in data_of(gql(client, query))["lesson"]["body_md"]


def test_drafts_are_invisible(db):
    lesson = LessonFactory(status="draft")
    course, module = lesson.module.course, lesson.module
    where = f'course: "{course.slug}", module: "{module.slug}", lesson: "{lesson.slug}"'
    query = f"{{ lesson({where}) {{ slug }} }}"
    body = gql(Client(), query).json()
    assert body["data"] == {"lesson": None}
    assert body["errors"][0]["extensions"] == {"code": "not_found"}
    outline = data_of(
        gql(Client(), f'{{ course(slug: "{course.slug}") {{ modules {{ lessons {{ slug }} }} }} }}')
    )
    assert outline["course"]["modules"] == [{"lessons": []}]


# --------------------------------------------------------------------------- credentials


def test_me_for_anonymous_session_and_token(learner):
    assert data_of(gql(Client(), "{ me { id username display_name } }")) == {"me": None}
    client = Client()
    client.force_login(learner)
    me = data_of(gql(client, "{ me { id username display_name } }"))["me"]
    assert me == {"id": str(learner.pk), "username": "gqllearner", "display_name": "Ada"}
    _, key = account_services.api_token_create(user=learner, name="cli")
    by_token = gql(Client(), "{ me { username } }", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert data_of(by_token)["me"] == {"username": "gqllearner"}


def test_a_token_wins_over_the_session_as_in_rest(learner, author):
    _, key = account_services.api_token_create(user=author, name="cli")
    client = Client()
    client.force_login(learner)
    response = gql(client, "{ me { username } }", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert data_of(response)["me"] == {"username": "gqlauthor"}


@pytest.mark.parametrize(
    "header",
    ["Bearer ba_not-a-real-token", "Bearer revoked", "Bearer two parts", "Bearer"],
)
def test_bad_or_revoked_tokens_are_401_never_anonymous(learner, header):
    if header == "Bearer revoked":
        token, key = account_services.api_token_create(user=learner, name="old")
        account_services.api_token_revoke(user=learner, token_id=token.pk)
        header = f"Bearer {key}"
    response = gql(Client(), "{ me { username } }", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "authentication_failed"}
    rest = APIClient().get("/api/v1/", HTTP_AUTHORIZATION=header).json()["error"]
    assert error["message"] == rest["message"]  # the REST API's words
    assert "data" not in response.json()


def test_session_posts_need_the_csrf_token(learner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    refused = gql(client, "{ me { username } }")
    assert refused.status_code == 403
    (error,) = refused.json()["errors"]
    assert error["extensions"]["code"] == "csrf_failed" and "CSRF" in error["message"]
    client.get("/graphql", HTTP_ACCEPT="text/html")  # GraphiQL's page sets the cookie
    token = client.cookies["csrftoken"].value
    assert data_of(gql(client, "{ me { username } }", HTTP_X_CSRFTOKEN=token))["me"]
    wrong = gql(client, "{ me { username } }", HTTP_X_CSRFTOKEN="x" * 32)
    assert wrong.status_code == 403


def test_anonymous_and_token_posts_need_no_csrf_token(learner):
    client = Client(enforce_csrf_checks=True)
    assert data_of(gql(client, "{ courses { slug } }")) == {"courses": []}
    _, key = account_services.api_token_create(user=learner, name="cli")
    assert data_of(gql(client, "{ me { username } }", HTTP_AUTHORIZATION=f"Bearer {key}"))["me"]
    # A token request is exempt even when the browser also holds a session.
    client.force_login(learner)
    assert gql(client, "{ me { username } }").status_code == 403
    assert gql(client, "{ me { username } }", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200


def test_session_get_queries_need_no_csrf_token(learner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    response = client.get(
        "/graphql", {"query": "{ me { username } }"}, HTTP_ACCEPT="application/json"
    )
    assert data_of(response)["me"] == {"username": "gqllearner"}


# --------------------------------------------------------------------------- the mutation

PROGRESS = """mutation($c: String!, $m: String!, $l: String!, $done: Boolean!) {
  lesson_progress_set(course: $c, module: $m, lesson: $l, completed: $done) {
    course module lesson completed progress { completed total } } }"""


def _slugs(lesson) -> dict[str, str]:
    return {"c": lesson.module.course.slug, "m": lesson.module.slug, "l": lesson.slug}


def test_lesson_progress_set_marks_and_unmarks_like_rest(learner):
    lesson = LessonFactory()
    LessonFactory(module=lesson.module)
    client = Client()
    client.force_login(learner)
    marked = data_of(gql(client, PROGRESS, {**_slugs(lesson), "done": True}))
    slugs = _slugs(lesson)
    assert marked["lesson_progress_set"] == {
        "course": slugs["c"], "module": slugs["m"], "lesson": slugs["l"],
        "completed": True, "progress": {"completed": 1, "total": 2},
    }  # fmt: skip
    again = data_of(gql(client, PROGRESS, {**_slugs(lesson), "done": True}))  # idempotent
    assert again == marked and LessonProgress.objects.filter(user=learner).count() == 1
    rest = APIClient()
    rest.force_authenticate(learner)
    url = "/api/v1/progress/lessons/{c}/{m}/{l}/".format(**slugs)
    assert rest.put(url, {"completed": True}, format="json").json() == marked["lesson_progress_set"]
    unmarked = data_of(gql(client, PROGRESS, {**_slugs(lesson), "done": False}))
    assert unmarked["lesson_progress_set"]["progress"] == {"completed": 0, "total": 2}
    assert not LessonProgress.objects.filter(user=learner).exists()


def test_lesson_progress_set_needs_a_user_and_a_published_lesson(learner):
    lesson = LessonFactory()
    body = gql(Client(), PROGRESS, {**_slugs(lesson), "done": True}).json()
    assert body["data"] == {"lesson_progress_set": None}
    assert body["errors"][0]["extensions"] == {"code": "not_authenticated"}
    assert body["errors"][0]["path"] == ["lesson_progress_set"]
    assert not LessonProgress.objects.exists()
    client = Client()
    client.force_login(learner)
    draft = LessonFactory(module=lesson.module, status="draft")
    response = gql(client, PROGRESS, {**_slugs(draft), "done": True})
    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"] == {"code": "not_found"}
    assert response.json()["errors"][0]["message"] == "No such lesson."
    assert not LessonProgress.objects.exists()


# --------------------------------------------------------------------------- errors


def test_domain_errors_carry_their_code_message_and_path(db):
    response = gql(Client(), '{ course(slug: "nope") { slug } matrix_categories { slug } }')
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {"course": None, "matrix_categories": []}
    (error,) = body["errors"]
    assert error == {
        "message": "No such course.",
        "locations": [{"line": 1, "column": 3}],
        "path": ["course"],
        "extensions": {"code": "not_found"},
    }


def test_http404_and_application_error_details_are_mapped(db, monkeypatch):
    from django.http import Http404

    from apps.matrix import selectors as matrix_selectors

    def missing(**kwargs):
        raise Http404("internal detail that must not leak")

    monkeypatch.setattr(matrix_selectors, "category_matrix", missing)
    (error,) = gql(Client(), '{ matrix_category(slug: "x") { slug } }').json()["errors"]
    assert error["extensions"] == {"code": "not_found"} and error["message"] == "Not found."

    class Busy(ApplicationError):
        code = "busy"

    def busy():
        raise Busy("Try later.", extra={"retry_after": 3})

    monkeypatch.setattr(matrix_selectors, "category_list", busy)
    (error,) = gql(Client(), "{ matrix_categories { slug } }").json()["errors"]
    assert error["message"] == "Try later."
    assert error["extensions"] == {"code": "busy", "details": {"retry_after": 3}}


def test_unexpected_exceptions_are_logged_and_never_leak(db, monkeypatch, caplog):
    from apps.courses import selectors as course_selectors

    def broken(**kwargs):
        raise RuntimeError("secret connection string postgres://admin:hunter2@db")

    monkeypatch.setattr(course_selectors, "course_get_published", broken)
    with caplog.at_level(logging.ERROR, logger="config.graphql"):
        response = gql(Client(), '{ course(slug: "x") { slug } }')
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {"course": None}
    assert body["errors"][0]["message"] == "Internal error."
    assert body["errors"][0]["extensions"] == {"code": "internal_error"}
    assert (
        "hunter2" not in response.content.decode() and "Traceback" not in response.content.decode()
    )
    (record,) = [r for r in caplog.records if r.name == "config.graphql"]
    assert record.exc_info and "hunter2" in str(record.exc_info[1])


def test_validation_and_syntax_errors_are_400_with_codes(db):
    invalid = gql(Client(), "{ courses { nope } }")
    assert invalid.status_code == 400
    assert invalid.json()["errors"][0]["extensions"]["code"] == "graphql_validation_failed"
    assert "data" not in invalid.json()
    broken = gql(Client(), "{ courses { slug }")
    assert broken.status_code == 400
    assert broken.json()["errors"][0]["extensions"]["code"] == "graphql_parse_failed"
    missing = gql(Client(), "query($slug: String!) { course(slug: $slug) { slug } }")
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["extensions"]["code"] == "bad_user_input"


# --------------------------------------------------------------------------- query counts


def _count(client: Any, query: str, variables: dict[str, Any] | None = None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        data_of(gql(client, query, variables))
    return len(ctx.captured_queries)


def _course(slug: str, modules: int, lessons: int):
    course = CourseFactory(slug=slug)
    for m in range(modules):
        module = ModuleFactory(course=course, slug=f"{slug}-m{m}")
        for _ in range(lessons):
            LessonFactory(module=module)
    return course


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "learner"])
def test_outline_runs_a_constant_number_of_queries(learner, signed_in):
    client = Client()
    if signed_in:
        client.force_login(learner)
    query = f"query($slug: String!) {{ course(slug: $slug) {{ {OUTLINE} }} }}"
    small = _count(client, query, {"slug": _course("small", 2, 2).slug})
    large = _count(client, query, {"slug": _course("large", 10, 5).slug})
    assert small == large, (small, large)
    assert large <= (6 if signed_in else 3)


def test_course_list_and_search_run_a_constant_number_of_queries(db):
    client = Client()
    hits = f"results {{ {LESSON_SUMMARY} snippet_html }}"
    query = f'{{ courses {{ {COURSE_LIST_FIELDS} }} search(q: "zebrafish") {{ {hits} }} }}'
    for n in range(2):
        LessonFactory(module__course__slug=f"c{n}", body_md="About the zebrafish.")
    small = _count(client, query)
    for n in range(2, 10):
        LessonFactory(module__course__slug=f"c{n}", body_md="About the zebrafish.")
    body = data_of(gql(client, query))
    assert len(body["courses"]) == 10 and len(body["search"]["results"]) == 10
    assert _count(client, query) == small <= 3  # PostgreSQL: ranking, then headlines


def _category(slug: str, options: int, criteria: int) -> None:
    from apps.matrix.models import Category, Cell, Criterion, Option

    lesson = LessonFactory(slug=f"{slug}-lesson")
    category = Category.objects.create(
        slug=slug, title=slug.title(), scale_labels={"1": "Poor", "5": "Excellent"}
    )
    kinds = ["rating", "boolean", "text"]
    rows = [
        Criterion.objects.create(
            category=category, slug=f"k{i}", title=f"K{i}", kind=kinds[i % 3], order=i
        )
        for i in range(criteria)
    ]
    for o in range(options):
        option = Option.objects.create(
            category=category, slug=f"o{o}", name=f"O{o}", order=o, lessons=[lesson.slug]
        )
        for criterion in rows:
            Cell.objects.create(
                option=option,
                criterion=criterion,
                rating=3 if criterion.kind == "rating" else None,
                flag=True if criterion.kind == "boolean" else None,
                text="t",
                note="n",
            )


def test_matrix_runs_a_constant_number_of_queries(db):
    client = Client()
    _category("small", 2, 2)
    _category("large", 10, 6)
    query = (
        f"query($slug: String!) {{ matrix_category(slug: $slug) {{ {MATRIX} }} "
        "matrix_categories { slug option_count } }"
    )
    small = _count(client, query, {"slug": "small"})
    large = _count(client, query, {"slug": "large"})
    body = data_of(gql(client, query, {"slug": "large"}))
    assert len(body["matrix_category"]["options"]) == 10
    assert body["matrix_category"]["options"][0]["lessons"][0]["title"]
    assert small == large <= 6, (small, large)


# --------------------------------------------------------------------------- GraphiQL


def test_graphiql_page_is_vendored_with_no_inline_script(db):
    response = Client().get("/graphql", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    for path in ("vendor/graphiql/graphiql.min.js", "vendor/graphiql/graphiql.min.css",
                 "vendor/graphiql/react.production.min.js",
                 "vendor/graphiql/react-dom.production.min.js", "js/graphiql-init.js"):  # fmt: skip
        assert f"/static/{path}" in page
        assert (ROOT / "static" / path).is_file()
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)  # every script is a file
    assert not re.search(r"https?://", page)  # no CDN
    csp = response["Content-Security-Policy"]
    script_src = next(d for d in csp.split("; ") if d.startswith("script-src"))
    assert "unsafe" not in script_src
    assert "csrftoken" in response.cookies
    for name in ("VERSION", "LICENSE.graphiql", "LICENSE.react", "LICENSE.react-dom"):
        assert (ROOT / "static" / "vendor" / "graphiql" / name).is_file()
    init = (ROOT / "static" / "js" / "graphiql-init.js").read_text()
    assert "X-CSRFToken" in init and "csrftoken" in init


def test_graphiql_is_development_only(db, settings):
    settings.GRAPHQL_GRAPHIQL = False
    response = Client().get("/graphql", HTTP_ACCEPT="text/html")
    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    assert b"graphiql" not in response.content.lower()
    assert response.json()["errors"][0]["extensions"]["code"] == "bad_request"
    settings.GRAPHQL_GRAPHIQL = True
    raw = Client().get("/graphql", {"raw": "", "query": "{ __typename }"}, HTTP_ACCEPT="text/html")
    assert raw.json() == {"data": {"__typename": "Query"}}


# --------------------------------------------------------------------------- ASGI


def test_the_endpoint_works_under_the_asgi_server(live_url):
    import httpx

    CourseFactory(slug="over-asgi")
    response = httpx.post(
        live_url + "/graphql", json={"query": "{ courses { slug } me { id } }"}, timeout=10
    )
    assert response.status_code == 200
    assert response.json() == {"data": {"courses": [{"slug": "over-asgi"}], "me": None}}
