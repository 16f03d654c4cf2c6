"""Property-based checks of the GraphQL API against its committed schema (schemathesis).

Every query and mutation field gets generated documents (arguments of every shape the
schema allows), sent in process through the WSGI app as an anonymous visitor, as a
learner and as an instructor teaching that learner (personal tokens). No response may
be a server error: no 5xx, and no GraphQL error that is an ``internal_error`` (an
exception that escaped a resolver) or that lacks a machine-readable ``extensions.code``.

schemathesis's own GraphQL ``not_a_server_error`` check counts *every* resolver error
as a server error, including "No such quiz." for a random slug; this API reports domain
refusals as coded GraphQL errors (not_found, invalid, not_authenticated, …), so the
check below is the precise one: it fails on exactly what a server error is here.
Limit refusals (depth, aliases, size) are fine: they are 400s with a clear code.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import graphql
import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from apps.accounts import services as account_services
from apps.quizzes import services as quiz_services
from apps.quizzes.selectors import quiz_list_published
from tests.classes.test_api import fuzz_class

MAX_EXAMPLES = 20
SCHEMA_FILE = Path(django_settings.BASE_DIR) / "schema" / "schema.graphql"


def _value_nodes() -> st.SearchStrategy[graphql.ValueNode]:
    """Any JSON-like GraphQL literal, for the answers argument (GenericScalar): objects keyed
    by question ids and answer shapes, and everything else a client could send, huge
    numbers included."""
    leaves = st.one_of(
        st.integers(-(2**31), 2**31 - 1).map(lambda v: graphql.IntValueNode(value=str(v))),
        st.text(max_size=20).map(lambda v: graphql.StringValueNode(value=v)),
        st.booleans().map(lambda v: graphql.BooleanValueNode(value=v)),
        st.just(graphql.NullValueNode()),
        # Numbers no answer needs: past Python's 4,300-digit int() limit, past the API's
        # 100-character limit, and out of float range. Each must be a coded refusal.
        st.sampled_from(["9" * 5000, "-" + "1" * 101]).map(lambda v: graphql.IntValueNode(value=v)),
        st.sampled_from(["1e400", "-1e400", "0." + "5" * 120]).map(
            lambda v: graphql.FloatValueNode(value=v)
        ),
    )
    names = st.sampled_from(["choice", "choices", "value", "text", "order", "q1", "x"])

    def objects(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.one_of(
            st.lists(children, max_size=4).map(lambda v: graphql.ListValueNode(values=v)),
            st.dictionaries(names, children, max_size=3).map(
                lambda d: graphql.ObjectValueNode(
                    fields=[
                        graphql.ObjectFieldNode(name=graphql.NameNode(value=k), value=v)
                        for k, v in d.items()
                    ]
                )
            ),
        )

    return st.recursive(leaves, objects, max_leaves=8)


schemathesis.graphql.scalar("GenericScalar", _value_nodes())

schema = schemathesis.graphql.from_file(SCHEMA_FILE.read_text())
schema.app = get_wsgi_application()
schema.location = "/graphql"
schema.config.generation.update(max_examples=MAX_EXAMPLES, deterministic=True)
schema.config.checks.update(excluded_check_names=["not_a_server_error"])


# Not registered with @schemathesis.check: that would add it to every schema in the run,
# the REST one included. It is passed to this module's calls only.
def no_server_errors(ctx, response, case):
    """No 5xx; every GraphQL error coded, and none an escaped exception."""
    if response.status_code >= 500:
        raise AssertionError(f"HTTP {response.status_code} for {case.body}")
    body = response.json()
    assert isinstance(body, dict) and ("data" in body or "errors" in body), body
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        if not code or code == "internal_error":
            raise AssertionError(f"{error} for {case.body}")


@pytest.fixture(scope="module")
def identities(django_db_setup, django_db_blocker) -> Iterator[dict[str, dict[str, str]]]:
    """Real content, a learner with attempts (ids 1…) so generated ids sometimes hit, and
    an instructor teaching the learner in a class (id 1) with an assignment."""
    from django.contrib.auth.models import Group

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("import_content", verbosity=0)
        user = account_services.user_create(
            username="fuzz-graphql", email="fuzz-graphql@example.com", password="x" * 20
        )
        for quiz in list(quiz_list_published(kind="module"))[:2]:
            attempt = quiz_services.attempt_start(user=user, quiz=quiz)
            quiz_services.attempt_submit(user=user, attempt_id=attempt.pk)
        _, key = account_services.api_token_create(user=user, name="schemathesis")
        instructor = account_services.user_create(
            username="fuzz-instructor", email="fuzz-instructor@example.com", password="x" * 20
        )
        instructor.groups.add(Group.objects.get_or_create(name="instructor")[0])
        _, teaching = account_services.api_token_create(user=instructor, name="schemathesis")
        fuzz_class(instructor, user)
        yield {
            "anonymous": {},
            "learner": {"Authorization": f"Bearer {key}"},
            "instructor": {"Authorization": f"Bearer {teaching}"},
        }
        transaction.set_rollback(True)
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(params=["anonymous", "learner", "instructor"])
def auth_headers(request, identities, db, monkeypatch) -> dict[str, str]:
    from apps.core.api.throttling import AnonThrottle, UserThrottle

    monkeypatch.setattr(AnonThrottle, "rate", "100000/min", raising=False)
    monkeypatch.setattr(UserThrottle, "rate", "100000/min", raising=False)
    return identities[request.param]


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_graphql_has_no_server_errors(case, auth_headers):
    case.call_and_validate(headers=auth_headers, checks=[no_server_errors])
