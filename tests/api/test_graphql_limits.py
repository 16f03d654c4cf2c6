"""GraphQL (/graphql) transport rules and the limits checked before execution: methods,
media types, batching, sizes, depth, fragment cycles, aliases, field counts,
introspection, suggestions, throttling — and the production defaults."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from graphql import get_introspection_query
from rest_framework.test import APIClient

from apps.accounts import services as account_services
from apps.core.api.throttling import AnonThrottle, UserThrottle
from tests.factories import LessonFactory, UserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def post(query: Any, *, client: Client | None = None, **extra: Any) -> Any:
    body = query if isinstance(query, str | bytes) else json.dumps(query)
    return (client or Client()).post(
        "/graphql", body, content_type=extra.pop("content_type", "application/json"), **extra
    )


def ask(query: str, variables: dict[str, Any] | None = None, **extra: Any) -> Any:
    return post({"query": query, "variables": variables}, **extra)


def error_of(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert "data" not in body, body
    (error,) = body["errors"]
    assert error["message"] and "Traceback" not in error["message"]
    return error


def code_of(response: Any, status: int) -> str:
    return str(error_of(response, status)["extensions"]["code"])


# --------------------------------------------------------------------------- transport


def test_get_runs_queries_only():
    ok = Client().get("/graphql", {"query": "{ __typename }"}, HTTP_ACCEPT="application/json")
    assert ok.json() == {"data": {"__typename": "Query"}}
    mutation = (
        'mutation { lesson_progress_set(course: "c", module: "m", lesson: "l", completed: true) '
        "{ completed } }"
    )
    refused = Client().get("/graphql", {"query": mutation}, HTTP_ACCEPT="application/json")
    error = error_of(refused, 405)
    assert error["extensions"]["code"] == "method_not_allowed"
    assert "mutation operation from a POST request" in error["message"]
    assert refused["Allow"] == "POST"
    named = Client().get(
        "/graphql",
        {"query": f"query Q {{ __typename }} {mutation.replace('mutation', 'mutation M')}",
         "operationName": "M"},
        HTTP_ACCEPT="application/json",
    )  # fmt: skip
    assert named.status_code == 405


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_other_methods_are_405(method):
    response = getattr(Client(), method)("/graphql", "{}", content_type="application/json")
    assert code_of(response, 405) == "method_not_allowed"
    assert response["Allow"] == "GET, POST"


@pytest.mark.parametrize(
    "content_type",
    ["application/x-www-form-urlencoded", "multipart/form-data; boundary=xx", "text/plain",
     "application/graphql", ""],
)  # fmt: skip
def test_only_json_bodies_are_accepted(content_type):
    if content_type.startswith("application/x-www"):
        body = "query=%7B__typename%7D"
    elif content_type.startswith("multipart"):
        body = (
            '--xx\r\nContent-Disposition: form-data; name="query"\r\n\r\n'
            "{ __typename }\r\n--xx--\r\n"
        )
    else:
        body = "{ __typename }"
    response = Client().generic("POST", "/graphql", body, content_type=content_type)
    error = error_of(response, 415)
    assert error["extensions"]["code"] == "unsupported_media_type"
    assert "Content-Type: application/json" in error["message"]


def test_form_posted_mutations_never_run(db):
    user = UserFactory()
    lesson = LessonFactory()
    client = Client()
    client.force_login(user)
    mutation = (
        f'mutation {{ lesson_progress_set(course: "{lesson.module.course.slug}", '
        f'module: "{lesson.module.slug}", lesson: "{lesson.slug}", completed: true) '
        "{ completed } }"
    )
    assert client.post("/graphql", {"query": mutation}).status_code == 415
    assert not user.lesson_progress.exists()


def test_batching_is_refused():
    batch = [{"query": "{ __typename }"}, {"query": "{ __typename }"}]
    error = error_of(post(batch), 400)
    assert error["extensions"]["code"] == "batching_not_supported"
    assert "batching is not supported" in error["message"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{not json", "not valid JSON"),
        ('"a string"', "must be a JSON object"),
        ("{}", "Must provide a query string"),
        ('{"query": 42}', "'query' must be a string"),
        ('{"query": "{ __typename }", "variables": [1]}', "'variables' must be a JSON object"),
        ('{"query": "{ __typename }", "variables": "{bad"}', "'variables' is not valid JSON"),
        ('{"query": "{ __typename }", "operationName": 3}', "'operationName' must be a string"),
    ],
)
def test_malformed_requests_are_400(body, message):
    error = error_of(post(body), 400)
    assert message in error["message"] and error["extensions"]["code"] == "bad_request"


def test_variables_may_be_a_json_string_as_graphiql_sends_them():
    response = post(
        {"query": "query($q: String!) { search(q: $q) { query } }", "variables": '{"q": "x"}'}
    )
    assert response.json() == {"data": {"search": {"query": "x"}}}


def test_body_size_is_capped_before_anything_is_parsed(settings):
    settings.GRAPHQL_MAX_BODY_BYTES = 1000
    ok = ask("{ __typename }", {"pad": "x" * 800})
    assert ok.status_code == 200
    error = error_of(ask("{ __typename }", {"pad": "x" * 1000}), 400)
    assert error["extensions"]["code"] == "request_too_large" and "1000 bytes" in error["message"]
    long_get = Client().get("/graphql", {"query": "{ __typename }", "x": "y" * 1000})
    assert code_of(long_get, 400) == "request_too_large"


# --------------------------------------------------------------------------- document limits


def test_token_cap_uses_the_parser_limit(settings):
    settings.GRAPHQL_MAX_TOKENS = 50
    fine = "{ " + " ".join(["__typename"] * 40) + " }"
    assert ask(fine).status_code == 200
    huge = "{ " + " ".join(["__typename"] * 60) + " }"
    error = error_of(ask(huge), 400)
    assert error["extensions"]["code"] == "query_too_large" and "50 tokens" in error["message"]


def test_token_cap_stops_huge_documents_fast():
    started = time.perf_counter()
    assert code_of(ask("{ " + "a " * 30_000 + "}"), 400) == "query_too_large"  # 60 kB
    assert time.perf_counter() - started < 3.0
    comments = "{ __typename }" + "\n#" * 5000
    assert code_of(ask(comments), 400) == "query_too_large"  # comments count too


def _nested(depth: int) -> str:
    return "{ " + "f { " * (depth - 1) + "g" + " }" * (depth - 1) + " }"


def test_depth_is_limited_before_schema_validation(settings):
    error = error_of(ask(_nested(11)), 400)  # unknown fields: the limit answers first
    assert error["extensions"]["code"] == "query_too_deep"
    assert "11 levels deep; the limit is 10" in error["message"]
    assert code_of(ask(_nested(10)), 400) == "graphql_validation_failed"  # within the limit
    settings.GRAPHQL_MAX_DEPTH = 3
    outline = '{ course(slug: "x") { modules { lessons { slug } } } }'
    assert code_of(ask(outline), 400) == "query_too_deep"


def test_depth_counts_through_fragments(settings):
    settings.GRAPHQL_MAX_DEPTH = 3
    query = """{ course(slug: "x") { ...M } }
      fragment M on CourseOutline { modules { ...L } }
      fragment L on ModuleOutline { lessons { slug } }"""
    assert code_of(ask(query), 400) == "query_too_deep"
    inline = '{ course(slug: "x") { ... on CourseOutline { modules { lessons { slug } } } } }'
    assert code_of(ask(inline), 400) == "query_too_deep"


@pytest.mark.parametrize(
    "query",
    [
        "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }",
        "{ ...A } fragment A on Query { ...A }",
        "{ ...A } fragment A on Query { courses { ...B } } fragment B on CourseSummary { ...A }",
        "{ __typename } fragment A on Query { ...B } fragment B on Query { ...C } "
        "fragment C on Query { ...A }",
        '{ course(slug: "x") { modules { ...A } } } '
        "fragment A on ModuleOutline { lessons { ...A } }",
    ],
    ids=["a-b-a", "self", "through-a-field", "unused-cycle", "self-under-fields"],
)
def test_fragment_cycles_are_400_not_a_recursion_error(query):
    error = error_of(ask(query), 400)
    assert error["extensions"]["code"] == "graphql_validation_failed"
    assert "Cannot spread fragment" in error["message"] and "within itself" in error["message"]


def test_long_fragment_chains_are_measured_without_recursion(settings):
    settings.GRAPHQL_MAX_TOKENS = 100_000
    settings.GRAPHQL_MAX_BODY_BYTES = 1_000_000

    def chain(count: int) -> str:
        fragments = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} }}" for i in range(count))
        return f"{{ ...F0 }} {fragments} fragment F{count} on Query {{ __typename }}"

    assert ask(chain(150)).json() == {"data": {"__typename": "Query"}}
    # Deeper than graphql-core's own fragment nesting guard (200): refused, never a 500.
    assert code_of(ask(chain(3000)), 400) == "graphql_validation_failed"


def test_aliases_are_limited_with_fragments_expanded():
    fifteen = "{ " + " ".join(f"a{i}: __typename" for i in range(15)) + " }"
    assert ask(fifteen).status_code == 200
    sixteen = "{ " + " ".join(f"a{i}: __typename" for i in range(16)) + " }"
    error = error_of(ask(sixteen), 400)
    assert error["extensions"]["code"] == "too_many_aliases" and "16 aliases" in error["message"]
    spread = "{ ...F ...G } fragment F on Query { a: __typename b: __typename ...G } " + (
        "fragment G on Query { " + " ".join(f"g{i}: __typename" for i in range(7)) + " }"
    )
    assert code_of(ask(spread), 400) == "too_many_aliases"  # 2 + 7 + 7


def test_field_count_is_limited_and_fragment_bombs_are_cheap(settings):
    levels = 30  # each fragment spreads the previous one twice: 2**30 fields
    fragments = ["fragment F0 on Query { __typename }"] + [
        f"fragment F{i} on Query {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, levels)
    ]
    query = f"{{ ...F{levels - 1} }} " + " ".join(fragments)
    started = time.perf_counter()
    error = error_of(ask(query), 400)
    assert time.perf_counter() - started < 3.0
    assert error["extensions"]["code"] == "too_many_fields"
    assert f"selects {2 ** (levels - 1)} fields" in error["message"]
    settings.GRAPHQL_MAX_FIELDS = 5
    assert (
        code_of(ask("{ courses { slug title summary url lesson_count } }"), 400)
        == "too_many_fields"
    )
    assert ask("{ courses { slug title summary } }").status_code == 200


def test_limits_apply_to_every_operation_in_the_document(settings):
    settings.GRAPHQL_MAX_DEPTH = 2
    query = 'query A { __typename } query B { course(slug: "x") { modules { slug } } }'
    error = error_of(post({"query": query, "operationName": "A"}), 400)
    assert "Operation 'B'" in error["message"]


# --------------------------------------------------------------------------- introspection


def test_introspection_can_be_turned_off_but_typename_stays(settings):
    settings.GRAPHQL_INTROSPECTION = False
    for query in ("{ __schema { types { name } } }", '{ __type(name: "Query") { name } }',
                  "{ ...I } fragment I on Query { __schema { queryType { name } } }",
                  get_introspection_query()):  # fmt: skip
        error = error_of(ask(query), 400)
        assert error["extensions"]["code"] == "introspection_disabled", query
    assert ask("{ __typename courses { __typename slug } }").json() == {
        "data": {"__typename": "Query", "courses": []}
    }


def test_introspection_when_on_is_exempt_from_the_depth_limit(settings):
    settings.GRAPHQL_INTROSPECTION = True
    response = ask(get_introspection_query(descriptions=True, input_value_deprecation=True))
    assert response.status_code == 200, response.content
    names = {t["name"] for t in response.json()["data"]["__schema"]["types"]}
    assert {"CourseOutline", "Lesson", "MatrixCategory", "Viewer"} <= names


def test_field_suggestions_are_removed_when_turned_off(settings):
    settings.GRAPHQL_FIELD_SUGGESTIONS = True
    hinted = error_of(ask("{ coures { slug } }"), 400)["message"]
    assert "Did you mean 'course'" in hinted
    settings.GRAPHQL_FIELD_SUGGESTIONS = False
    for query in ("{ coures { slug } }", '{ course(slgu: "x") { slug } }',
                  '{ course(slug: "x") { descripton_html } }'):  # fmt: skip
        message = ask(query).json()["errors"][0]["message"]
        assert "Did you mean" not in message and "description_html" not in message, message
    assert error_of(ask("{ coures { slug } }"), 400)["message"] == (
        "Cannot query field 'coures' on type 'Query'."
    )


def test_strip_suggestions():
    from config.graphql.errors import strip_suggestions

    assert strip_suggestions("Unknown 'a'. Did you mean 'b', 'c', or 'd'?") == "Unknown 'a'."
    assert strip_suggestions("Fine.") == "Fine."


# --------------------------------------------------------------------------- throttling


def test_anonymous_callers_share_the_rest_budget(monkeypatch):
    monkeypatch.setattr(AnonThrottle, "rate", "3/min", raising=False)
    rest = APIClient()
    assert rest.get("/api/v1/").status_code == 200
    assert ask("{ __typename }").status_code == 200
    assert ask("{ __typename }").status_code == 200
    throttled = ask("{ __typename }")
    error = error_of(throttled, 429)
    assert error["extensions"]["code"] == "throttled"
    assert "Request was throttled" in error["message"]
    assert 0 < int(throttled["Retry-After"]) <= 120  # a sliding window: up to two
    assert rest.get("/api/v1/").status_code == 429  # one budget for both APIs


def test_signed_in_callers_have_the_user_rate(monkeypatch):
    monkeypatch.setattr(AnonThrottle, "rate", "1/min", raising=False)
    monkeypatch.setattr(UserThrottle, "rate", "2/min", raising=False)
    user = UserFactory()
    _, key = account_services.api_token_create(user=user, name="cli")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    assert [ask("{ me { id } }", **auth).status_code for _ in range(3)] == [200, 200, 429]
    other = UserFactory()
    client = Client()
    client.force_login(other)
    assert ask("{ me { id } }", client=client).status_code == 200  # per user, not global


# --------------------------------------------------------------------------- production


PRODUCTION_PROBE = """
import json
from django.conf import settings
from django.test import Client
c = Client(SERVER_NAME="academy.example.com")
def post(q):
    r = c.post("/graphql", json.dumps({"query": q}), content_type="application/json", secure=True)
    return [r.status_code, r.json()]
page = c.get("/graphql", HTTP_ACCEPT="text/html", secure=True)
print(json.dumps({
    "settings": [settings.GRAPHQL_INTROSPECTION, settings.GRAPHQL_FIELD_SUGGESTIONS,
                 settings.GRAPHQL_GRAPHIQL],
    "schema": post("{ __schema { types { name } } }"),
    "typename": post("{ __typename }"),
    "typo": post("{ coures { slug } }"),
    "page": [page.status_code, page["Content-Type"], b"GraphiQL" in page.content],
}))
"""


def test_production_refuses_introspection_suggestions_and_graphiql(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update(
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="academy.example.com",
        SQLITE_PATH=str(tmp_path / "prod.sqlite3"),
    )
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--verbosity", "0", "-c", PRODUCTION_PROBE],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["settings"] == [False, False, False]
    status, body = probe["schema"]
    assert status == 400 and body["errors"][0]["extensions"]["code"] == "introspection_disabled"
    assert probe["typename"] == [200, {"data": {"__typename": "Query"}}]
    status, body = probe["typo"]
    assert status == 400 and "Did you mean" not in body["errors"][0]["message"]
    assert probe["page"][0] == 400 and probe["page"][1] == "application/json"
    assert probe["page"][2] is False


@pytest.mark.parametrize(
    "body",
    [
        {"query": '{ lesson(course: "a\\u0000b", module: "m", lesson: "l") { title } }'},
        {"query": "query($q: String!) { search(q: $q) { query } }", "variables": {"q": "x\x00y"}},
    ],
)
def test_nul_characters_are_refused_before_they_reach_the_database(client, body):
    response = client.post("/graphql", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"].startswith("Text may not contain NUL")
