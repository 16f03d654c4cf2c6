"""Property-based checks of the REST API against its own OpenAPI schema (schemathesis).

The schema is loaded from the Django app in process (WSGI: same thread, same test
transaction, no server), with the real course and matrix imported once for the module.
Every operation is exercised anonymously and with personal tokens (a learner, an author
and an instructor teaching the learner in a class: id 1, the class paths' example, on a
fresh database): the schema's examples (real slugs) first, then boundary values, then up
to ``MAX_EXAMPLES`` generated cases, derandomized, no deadline. Each response must not be a
server error and must match the schema: status, content type, required headers and body.

Only valid requests are generated (positive mode): the API's lenient handling of bad
pagination values (DRF falls back to the defaults) is by design, not a defect.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode

from apps.accounts import services as account_services
from apps.accounts.models import AUTHOR_GROUP
from tests.classes.test_api import fuzz_class

MAX_EXAMPLES = 25
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
]

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE],
    max_examples=MAX_EXAMPLES,
    deterministic=True,
    with_security_parameters=False,  # the identities below send their own credentials
)
schema.config.phases.update(phases=["examples", "coverage", "fuzzing"])
schema.config.checks.update(included_check_names=CHECKS)


@pytest.fixture(scope="module")
def identities(django_db_setup, django_db_blocker) -> Iterator[dict[str, dict[str, str]]]:
    """The real content and two token holders, once for the module, rolled back after it."""
    from django.contrib.auth.models import Group

    # As Django's test client does: a request's end must not close the connection that
    # holds the test transaction (the app runs in this thread, on this connection).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("import_content", verbosity=0)
        headers = {"anonymous": {}}
        users = {}
        for name in ("learner", "author", "instructor"):
            user = account_services.user_create(
                username=f"fuzz-{name}", email=f"fuzz-{name}@example.com", password="x" * 20
            )
            if name == "author":
                user.groups.add(Group.objects.get(name=AUTHOR_GROUP))
            if name == "instructor":
                user.groups.add(Group.objects.get_or_create(name="instructor")[0])
            _, key = account_services.api_token_create(user=user, name="schemathesis")
            headers[name] = {"Authorization": f"Bearer {key}"}
            users[name] = user
        fuzz_class(users["instructor"], users["learner"])
        yield headers
        transaction.set_rollback(True)
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(params=["anonymous", "learner", "author", "instructor"])
def auth_headers(request, identities, db, monkeypatch) -> dict[str, str]:
    from apps.core.api.throttling import AnonThrottle, UserThrottle

    # Hundreds of requests a minute from one address: lift the rate limits for the run.
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
def test_api_conforms_to_its_schema(case, auth_headers):
    case.call_and_validate(headers=auth_headers)
