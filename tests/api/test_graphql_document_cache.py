"""The GraphQL endpoint keeps the query texts that passed parsing and validation
(config/graphql/view.py ``ValidDocuments``): a repeat skips both, and nothing a check
refuses is ever stored or skipped."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from config.graphql import view
from config.graphql.view import VALID_DOCUMENTS, ValidDocuments

pytestmark = pytest.mark.django_db

DEEP = '{ course(slug: "x") { modules { lessons { slug } } } }'


@pytest.fixture(autouse=True)
def empty_cache():
    VALID_DOCUMENTS.clear()
    yield
    VALID_DOCUMENTS.clear()


@pytest.fixture
def parses(monkeypatch) -> list[str]:
    calls: list[str] = []
    real = view.parse

    def counting(source: Any, **kwargs: Any) -> Any:
        calls.append(str(source))
        return real(source, **kwargs)

    monkeypatch.setattr(view, "parse", counting)
    return calls


def ask(query: str, variables: dict[str, Any] | None = None) -> Any:
    return Client().post(
        "/graphql",
        json.dumps({"query": query, "variables": variables}),
        content_type="application/json",
    )


def test_a_repeated_query_is_parsed_and_validated_once(parses):
    first, second = ask("{ __typename }"), ask("{ __typename }")
    assert first.json() == second.json() == {"data": {"__typename": "Query"}}
    assert parses == ["{ __typename }"]
    assert len(VALID_DOCUMENTS) == 1


def test_refused_queries_are_never_stored(parses):
    assert ask("{ __typename ").status_code == 400  # syntax
    assert ask("{ no_such_field }").status_code == 400  # validation
    assert ask("{ no_such_field }").status_code == 400
    assert len(VALID_DOCUMENTS) == 0
    assert len(parses) == 3  # each refusal paid in full


def test_changing_a_limit_rechecks_a_stored_query(settings):
    assert ask(DEEP).status_code == 200
    settings.GRAPHQL_MAX_DEPTH = 2
    refused = ask(DEEP)
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["extensions"]["code"] == "query_too_deep"


def test_introspection_switched_off_is_refused_even_after_a_stored_success(settings):
    settings.GRAPHQL_INTROSPECTION = True
    assert ask("{ __schema { queryType { name } } }").status_code == 200
    settings.GRAPHQL_INTROSPECTION = False
    assert ask("{ __schema { queryType { name } } }").status_code == 400


def test_a_stored_mutation_is_still_refused_over_get():
    mutation = 'mutation { lesson_progress_set(course: "c", module: "m", lesson: "l", completed: true) { completed } }'  # noqa: E501
    ask(mutation)  # POST: validated (and refused by its resolver for anonymous callers)
    assert len(VALID_DOCUMENTS) == 1
    refused = Client().get("/graphql", {"query": mutation}, HTTP_ACCEPT="application/json")
    assert refused.status_code == 405


def test_variables_are_checked_on_every_request():
    query = "query Q($q: String!) { search(q: $q) { query } }"
    assert ask(query, {"q": "celery"}).status_code == 200
    refused = ask(query, {"q": "cel\x00ery"})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["extensions"]["code"] == "bad_user_input"


def test_the_cache_is_bounded_and_keeps_the_recently_used():
    cache = ValidDocuments(size=2, max_chars=20)
    cache.put(("a",), "A")  # type: ignore[arg-type]
    cache.put(("b",), "B")  # type: ignore[arg-type]
    assert cache.get(("a",)) == "A"  # now the most recent
    cache.put(("c",), "C")  # type: ignore[arg-type]
    assert cache.get(("b",)) is None and cache.get(("a",)) == "A" and cache.get(("c",)) == "C"
    cache.put(("x" * 21,), "long")  # type: ignore[arg-type]
    assert cache.get(("x" * 21,)) is None and len(cache) == 2
