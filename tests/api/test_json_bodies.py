"""Bad JSON is the client's error, on every surface that parses a body.

A 4 KB body of nested arrays used to raise ``RecursionError`` (a 500) in DRF's JSON
parser and the GraphQL view, and a 5,000-digit number surfaced as "Internal error." (an
ERROR with a traceback) in GraphQL or as Python's ``set_int_max_str_digits`` advice in
REST. Each is now a 400 in the surface's one error shape, with a message that says what
is wrong, and logged as a client error at most.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.test import Client

from apps.accounts import services as account_services
from apps.core import jsonbody
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DEEP = "[" * 2000 + "]" * 2000  # 4 KB
HUGE = "9" * 5000

# Every REST endpoint that reads a body: (method, path).
REST_WRITES = [
    ("post", "/api/v1/exercises/no-such-exercise/runs/"),
    ("patch", "/api/v1/attempts/1/answers/"),
    ("post", "/api/v1/attempts/1/submit/"),
    ("put", "/api/v1/progress/lessons/c/m/l/"),
]
# Writes that take no body (the body is never parsed): still no 500.
REST_WRITES_WITHOUT_BODY = [("post", "/api/v1/quizzes/no-such-quiz/attempts/")]


@pytest.fixture
def token() -> str:
    _, key = account_services.api_token_create(user=UserFactory(), name="t")
    return key


@pytest.fixture(params=["anonymous", "token"])
def auth(request, token) -> dict[str, str]:
    return {} if request.param == "anonymous" else {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def no_error_logs(caplog):
    """No ERROR record and no traceback: bad input is not the server's failure."""
    caplog.set_level(logging.INFO)
    yield
    for record in caplog.records:
        assert record.levelno < logging.ERROR, record.getMessage()
        assert record.exc_info is None, record.getMessage()


def rest(method: str, path: str, body: str, **extra: Any) -> Any:
    client = Client(raise_request_exception=False)
    return getattr(client, method)(path, body, content_type="application/json", **extra)


def rest_error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    return response.json()["error"]


def graphql(body: str, **extra: Any) -> Any:
    client = Client(raise_request_exception=False)
    return client.post("/graphql", body, content_type="application/json", **extra)


def graphql_error(response: Any, status: int = 400) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert "data" not in body, body
    (error,) = body["errors"]
    return error


# --------------------------------------------------------------------------- the loader


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (DEEP, "more than 64 levels deep"),
        ("[" * 65 + "]" * 65, "more than 64 levels deep"),
        ('{"a": ' * 40 + "[" * 25 + "]" * 25 + "}" * 40, "more than 64 levels deep"),
        (f'{{"n": {HUGE}}}', "5000 characters long; the limit is 100"),
        (f"[{HUGE}.5]", "5002 characters long"),
        ("[1e400]", "out of range: 1e400"),
        ("[NaN]", "NaN"),
        ("[-Infinity]", "-Infinity"),
        ("{bad", "is not valid JSON"),
        (b"\xff", "not valid UTF-8"),
    ],
)
def test_the_loader_refuses_with_a_message(text, words):
    with pytest.raises(jsonbody.JsonError) as refused:
        jsonbody.loads(text, what="The body")
    assert words in str(refused.value) and str(refused.value).startswith("The body ")


@pytest.mark.parametrize(
    "text",
    [
        "[" * 64 + "]" * 64,
        json.dumps({"code": "[" * 500 + "{" * 500}),  # brackets inside strings do not count
        json.dumps({"s": '\\"[[[[' * 100}),  # nor do escaped quotes end a string
        json.dumps([[i] for i in range(5000)]),  # many brackets, shallow
        "1" * 100,
    ],
)
def test_the_loader_accepts_what_json_loads_does_within_the_limits(text):
    assert jsonbody.loads(text) == json.loads(text)


# --------------------------------------------------------------------------- REST


@pytest.mark.parametrize(("method", "path"), REST_WRITES)
def test_rest_deep_json_is_a_400_parse_error(method, path, token, no_error_logs):
    error = rest_error(rest(method, path, DEEP, HTTP_AUTHORIZATION=f"Bearer {token}"), 400)
    assert error["code"] == "parse_error"
    assert error["message"] == (
        "The request body nests arrays and objects more than 64 levels deep."
    )


@pytest.mark.parametrize(("method", "path"), REST_WRITES)
def test_rest_deep_json_from_anonymous_callers_is_refused_before_parsing(method, path):
    assert rest_error(rest(method, path, DEEP), 401)["code"] == "not_authenticated"


@pytest.mark.parametrize(("method", "path"), REST_WRITES_WITHOUT_BODY)
def test_rest_writes_without_a_body_ignore_it(method, path, auth, no_error_logs):
    assert rest(method, path, DEEP, **auth).status_code in (401, 404)


@pytest.mark.parametrize(("method", "path"), REST_WRITES)
@pytest.mark.parametrize(
    ("body", "words"),
    [
        (f'{{"code": {HUGE}, "answers": {HUGE}, "completed": {HUGE}}}', "5000 characters long"),
        ('{"code": 1e400}', "out of range"),
        ('{"code": NaN}', "NaN"),
    ],
)
def test_rest_huge_numbers_are_a_clear_400(method, path, body, words, token, no_error_logs):
    error = rest_error(rest(method, path, body, HTTP_AUTHORIZATION=f"Bearer {token}"), 400)
    assert error["code"] == "parse_error"
    assert words in error["message"] and "set_int_max_str_digits" not in error["message"]


@pytest.mark.parametrize(("method", "path"), REST_WRITES)
def test_rest_form_and_multipart_bodies_are_flat_and_never_a_500(method, path, token):
    client = Client(raise_request_exception=False)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    nested_names = "&".join(f"answers{'[a]' * 200}={HUGE}" for _ in range(3))
    form = getattr(client, method)(
        path, nested_names, content_type="application/x-www-form-urlencoded", **headers
    )
    assert form.status_code in (400, 404), form.content
    boundary = "BoUnDaRy"
    multipart = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="code"\r\n\r\n{DEEP}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="answers"\r\n\r\n{HUGE}\r\n'
        f"--{boundary}--\r\n"
    )
    response = getattr(client, method)(
        path, multipart, content_type=f"multipart/form-data; boundary={boundary}", **headers
    )
    assert response.status_code in (400, 404), response.content


@pytest.mark.parametrize(
    ("charset", "body", "words"),
    [
        ("bz2_codec", b"BZh9", "Unsupported charset 'bz2_codec'"),
        ("utf-8", b'{"completed": "\xff"}', "not valid utf-8"),
    ],
)
def test_rest_charsets_are_text_encodings_only(charset, body, words, token):
    client = Client(raise_request_exception=False)
    response = client.put(
        REST_WRITES[3][1],
        body,
        content_type=f"application/json; charset={charset}",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    error = rest_error(response, 400)
    assert error["code"] == "parse_error" and words in error["message"]


def test_rest_json_in_another_text_encoding_is_read(token):
    client = Client(raise_request_exception=False)
    response = client.put(
        REST_WRITES[3][1],
        '{"completed": true}'.encode("utf-16"),
        content_type="application/json; charset=utf-16",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert rest_error(response, 404)["code"] == "not_found"  # parsed; the lesson is unknown


def test_rest_json_within_the_limits_reaches_the_serializer(token):
    # 63 levels inside {"answers": …}: parsed, then refused by validation as usual.
    body = '{"answers": ' + "[" * 63 + "]" * 63 + "}"
    response = rest(*REST_WRITES[1], body, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert rest_error(response, 400)["code"] == "invalid"


def test_the_quiz_pages_autosave_refuses_deep_json_too(no_error_logs):
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory())
    response = client.post("/quizzes/attempts/1/answers", DEEP, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "bad_json",
        "message": "The request body nests arrays and objects more than 64 levels deep.",
    }


# --------------------------------------------------------------------------- GraphQL


def test_graphql_deep_body_is_a_400(auth, no_error_logs):
    body = '{"query": "{ __typename }", "variables": {"x": ' + DEEP + "}}"
    error = graphql_error(graphql(body, **auth))
    assert error["extensions"] == {"code": "bad_request"}
    assert error["message"] == "The request body nests arrays and objects more than 64 levels deep."


def test_graphql_deep_variables_string_is_a_400(auth, no_error_logs):
    body = json.dumps({"query": "{ __typename }", "variables": '{"x": ' + DEEP + "}"})
    error = graphql_error(graphql(body, **auth))
    assert error["extensions"] == {"code": "bad_request"}
    assert error["message"] == "'variables' nests arrays and objects more than 64 levels deep."
    over_get = Client().get(
        "/graphql",
        {"query": "{ __typename }", "variables": DEEP},
        HTTP_ACCEPT="application/json",
        **auth,
    )
    assert graphql_error(over_get)["extensions"] == {"code": "bad_request"}


def test_graphql_huge_int_literal_is_bad_user_input(auth, no_error_logs):
    error = graphql_error(
        graphql(json.dumps({"query": f"{{ courses(limit: {HUGE}) {{ slug }} }}"}), **auth)
    )
    assert error["extensions"] == {"code": "bad_user_input"}
    assert error["message"] == "A number literal is 5000 characters long; the limit is 100."
    assert len(json.dumps(error)) < 500  # the literal is not echoed back


@pytest.mark.parametrize("literal", [HUGE, f"-{HUGE}", f"{HUGE}.0", f"1.{HUGE}"])
def test_graphql_huge_numbers_inside_generic_scalars_are_bad_user_input(
    literal, auth, no_error_logs
):
    answers = f"{{q: {{value: {literal}}}}}"
    query = f"mutation {{ attempt_save_answers(attempt: 1, answers: {answers}) {{ __typename }} }}"
    error = graphql_error(graphql(json.dumps({"query": query}), **auth))
    assert error["extensions"] == {"code": "bad_user_input"}
    assert "characters long; the limit is 100" in error["message"]


def test_graphql_huge_int_in_json_variables_is_a_clear_400(auth, no_error_logs):
    body = (
        '{"query": "query($n: Int) { courses(limit: $n) { slug } }", "variables": {"n": '
        + HUGE
        + "}}"
    )
    error = graphql_error(graphql(body, **auth))
    assert error["extensions"] == {"code": "bad_request"}
    assert error["message"] == (
        "The request body holds a number 5000 characters long; the limit is 100."
    )


def test_graphql_int_literal_errors_raised_outside_fields_are_the_clients(auth, caplog):
    """A scalar whose parsing raises ValueError (here: Python's own int() limit, with the
    literal rule out of the way) is bad input, logged without a traceback."""
    from config.graphql import validation

    rules = [r for r in validation.limit_rules() if r is not validation.NumberLiteralsRule]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("config.graphql.view.limit_rules", lambda: rules)
        response = graphql(
            json.dumps({"query": f"{{ courses(limit: {HUGE}) {{ slug }} }}"}), **auth
        )
    error = graphql_error(response)
    assert error["extensions"] == {"code": "bad_user_input"}
    assert "Internal error" not in error["message"] and len(error["message"]) < 400
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


# --------------------------------------------------------------------------- websockets


@pytest.mark.django_db(transaction=True)
def test_websocket_deep_or_huge_frames_get_an_error_frame_and_the_socket_stays():
    from config.asgi import application

    async def scenario() -> list[dict[str, Any]]:
        ws = WebsocketCommunicator(
            application, "/ws/system/", headers=[(b"origin", b"http://127.0.0.1:8000")]
        )
        connected, _ = await ws.connect()
        assert connected
        await ws.receive_json_from()  # hello
        frames = []
        for text in ('{"type": "ping", "nonce": ' + DEEP + "}", f'{{"type": "ping", "n": {HUGE}}}'):
            await ws.send_to(text_data=text)
            frames.append(await ws.receive_json_from(timeout=5))
        await ws.send_json_to({"type": "ping", "nonce": "still-open"})
        frames.append(await ws.receive_json_from(timeout=5))
        await ws.disconnect()
        return frames

    deep, huge, pong = async_to_sync(scenario)()
    assert deep == {
        "type": "error",
        "code": "bad_json",
        "message": "The frame nests arrays and objects more than 64 levels deep.",
    }
    assert huge["code"] == "bad_json" and "5000 characters long" in huge["message"]
    assert pong["type"] == "pong"
