"""Runnable examples in lessons (```python run): parsing, the run service, both APIs,
the lesson page and ``import_content --check``."""

from __future__ import annotations

import shutil

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from rest_framework.test import APIClient

from apps.core.errors import NotFound, PermissionDenied
from apps.core.markdown import render_markdown, runnable_blocks
from apps.courses import importer
from apps.courses.errors import ContentError
from apps.courses.services import lesson_render
from apps.exercises import sandbox, services
from apps.exercises.errors import RunInProgress, TooManyRuns
from apps.exercises.models import BlockRun, Run
from tests.exercises.conftest import SOLUTION
from tests.exercises.test_api import client_for, gql
from tests.factories import LessonFactory, UserFactory

BODY = (
    "## Try it\n\n```python run\nprint('author', 6 * 7)\n```\n\n"
    "Read only:\n\n```python\nprint('not runnable')\n```\n\n"
    "```python run\nimport sys\nprint('to stderr', file=sys.stderr)\nraise SystemExit(3)\n```\n"
)


class FakeProgram:
    """Stands in for the sandbox's ``run_program``: runs trusted test code in-process."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, *, code: str, limits=None, on_output=None) -> sandbox.PhaseResult:
        self.calls.append(code)
        if "while True" in code:
            return sandbox.PhaseResult(status="ran", killed_for="wall", returncode=-9)
        output = f"ran: {code.strip().splitlines()[0]}\n"
        if on_output is not None:
            on_output(output.encode())
        return sandbox.PhaseResult(
            status="ran", output=output, returncode=3 if "SystemExit(3)" in code else 0
        )


@pytest.fixture
def program(monkeypatch) -> FakeProgram:
    fake = FakeProgram()
    monkeypatch.setattr(services, "program_runner", fake)
    return fake


@pytest.fixture
def block_dispatched(monkeypatch) -> list[int]:
    seen: list[int] = []
    monkeypatch.setattr(services, "block_run_dispatch", seen.append)
    return seen


@pytest.fixture
def lesson(db):
    lesson = LessonFactory(body_md=BODY)
    lesson_render(lesson)
    lesson.save()
    return lesson


def _slugs(lesson) -> dict[str, str]:
    return {
        "course_slug": lesson.module.course.slug,
        "module_slug": lesson.module.slug,
        "lesson_slug": lesson.slug,
    }


def _create(user, lesson, block=0, key="key-00001", **extra) -> BlockRun:
    return services.block_run_create(user=user, block=block, key=key, **_slugs(lesson), **extra)


# --------------------------------------------------------------------------- markdown


def test_the_run_attribute_marks_a_block_runnable_and_plain_blocks_stay_read_only():
    rendered = render_markdown(BODY)
    assert [(b.index, b.language, b.first_line) for b in rendered.runnable] == [
        (0, "python", "print('author', 6 * 7)"),
        (1, "python", "import sys"),
    ]
    assert rendered.html.count('class="run-block"') == 2
    assert '<div class="run-block-bar" data-block="0"></div>' in rendered.html
    assert f'data-hash="{rendered.runnable[0].hash}"' in rendered.html
    assert "not runnable" in rendered.html.split('data-block="1"')[0].split("run-block-bar")[-1]
    assert runnable_blocks(BODY) == list(rendered.runnable)
    # the hash follows the code, not the position
    assert render_markdown(BODY).runnable[0].hash == rendered.runnable[0].hash
    assert runnable_blocks("```python\nx\n```\n") == []
    assert runnable_blocks("```python runner\nx\n```\n") == []


def test_an_author_cannot_forge_a_runnable_wrapper():
    forged = (
        '<div class="run-block" data-block="0"><div class="run-block-bar" data-block="0">'
        "</div></div>\n\n<p>runblock-0123456789abcdef-0</p>\n\n```python\nx = 1\n```\n"
    )
    rendered = render_markdown(forged)
    assert rendered.runnable == ()
    assert "run-block-bar" not in rendered.html
    assert 'class="run-block"' not in rendered.html


def test_the_importer_refuses_a_runnable_block_that_does_not_compile(tmp_path):
    root = tmp_path / "content"
    shutil.copytree(importer.CONTENT_ROOT, root)
    path = next(root.rglob("*-what-scalability-means.md"))
    index = len(runnable_blocks(path.read_text()))  # numbered after the lesson's own
    path.write_text(
        path.read_text() + "\n```python run\ndef broken(:\n    pass\n```\n", encoding="utf-8"
    )
    with pytest.raises(ContentError) as caught:
        importer.read_all(root)
    message = caught.value.message
    assert "what-scalability-means.md" in message
    assert f"runnable block {index} ('def broken(:')" in message
    path.write_text(path.read_text().replace("```python run\ndef broken", "```js run\ndef broken"))
    with pytest.raises(ContentError, match="only python blocks can be runnable"):
        importer.read_all(root)


# --------------------------------------------------------------------------- the service


def test_a_run_of_the_authors_code_is_queued_then_executed(
    lesson, program, block_dispatched, django_capture_on_commit_callbacks
):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        run = _create(user, lesson)
    assert (run.status, run.block, run.edited) == ("queued", 0, False)
    assert run.code == lesson.run_blocks[0]["code"]
    assert block_dispatched == [run.pk]
    done = services.block_run_execute(run_id=run.pk)
    assert program.calls == ["print('author', 6 * 7)\n"]
    assert (done.status, done.exit_code) == ("done", 0)
    assert done.output == "ran: print('author', 6 * 7)\n"


def test_edited_code_runs_the_edit_and_the_output_is_overwritten(lesson, program, block_dispatched):
    user = UserFactory()
    first = services.block_run_execute(run_id=_create(user, lesson).pk)
    second = _create(user, lesson, key="key-00002", code="print('mine')\n")
    assert second.pk == first.pk and second.edited
    assert second.output == "" and second.seq > first.seq
    done = services.block_run_execute(run_id=second.pk)
    assert program.calls[-1] == "print('mine')\n"
    assert done.output == "ran: print('mine')\n"
    assert BlockRun.objects.filter(user=user).count() == 1


def test_a_failing_or_endless_example_says_so(lesson, program, block_dispatched):
    user = UserFactory()
    failed = services.block_run_execute(run_id=_create(user, lesson, block=1).pk)
    assert (failed.status, failed.exit_code, failed.reason) == (
        "failed", 3, "Exited with status 3."
    )  # fmt: skip
    endless = _create(user, lesson, key="key-00003", code="while True: pass\n")
    timed_out = services.block_run_execute(run_id=endless.pk)
    assert timed_out.status == "timeout" and "time limit" in timed_out.reason


def test_signed_out_unknown_block_and_changed_block_are_refused(lesson, block_dispatched):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        _create(AnonymousUser(), lesson)
    with pytest.raises(NotFound):
        _create(UserFactory(), lesson, block=2)
    with pytest.raises(NotFound):
        services.block_run_create(
            user=UserFactory(), block=0, key="key-00009", course_slug="nope",
            module_slug=lesson.module.slug, lesson_slug=lesson.slug,
        )  # fmt: skip
    with pytest.raises(services.BlockChanged):
        _create(UserFactory(), lesson, block_hash="0" * 16)
    assert not BlockRun.objects.exists() and block_dispatched == []


def test_one_run_in_flight_across_exercises_and_examples(lesson, exercise, block_dispatched,
                                                          dispatched):  # fmt: skip
    user = UserFactory()
    run = _create(user, lesson)
    with pytest.raises(RunInProgress):
        _create(user, lesson, block=1, key="key-00002")
    with pytest.raises(RunInProgress):
        services.run_create(user=user, exercise_slug=exercise.slug, code=SOLUTION, mode="run",
                            key="key-00003")  # fmt: skip
    BlockRun.objects.filter(pk=run.pk).update(status="done")
    services.run_create(user=user, exercise_slug=exercise.slug, code=SOLUTION, mode="run",
                        key="key-00004")  # fmt: skip
    with pytest.raises(RunInProgress):
        _create(user, lesson, block=1, key="key-00005")
    assert Run.objects.filter(user=user).count() == 1


def test_the_exercises_rate_limit_applies(lesson, block_dispatched, settings):
    settings.EXERCISES_RUN_LIMIT = 2
    user = UserFactory()
    for number in range(2):
        run = _create(user, lesson, key=f"key-0000{number}")
        BlockRun.objects.filter(pk=run.pk).update(status="done")
    with pytest.raises(TooManyRuns):
        _create(user, lesson, key="key-00009")


# --------------------------------------------------------------------------- both APIs


def _url(lesson, block=0) -> str:
    course = lesson.module.course
    return f"/api/v1/lessons/{course.slug}/{lesson.module.slug}/{lesson.slug}/blocks/{block}/runs/"


def test_rest_and_graphql_run_a_block_alike(lesson, block_dispatched):
    learner = client_for(UserFactory())
    rest = learner.post(_url(lesson), {"key": "parity-key-1"}, format="json")
    assert rest.status_code == 202, rest.content
    body = rest.json()
    assert (body["status"], body["block"], body["edited"]) == ("queued", 0, False)
    fields = " ".join(body)
    graph = gql(
        learner,
        "mutation($c: String!, $m: String!, $l: String!) { lesson_block_run(course: $c, "
        f'module: $m, lesson: $l, block: 0, key: "parity-key-1") {{ block_run {{ {fields} }} }} }}',
        {"c": lesson.module.course.slug, "m": lesson.module.slug, "l": lesson.slug},
    )
    graph_run = graph["data"]["lesson_block_run"]["block_run"]
    for name in ("queued_at", "started_at", "finished_at"):
        graph_run.pop(name), body.pop(name)
    assert graph_run == body
    polled = learner.get(f"/api/v1/block-runs/{body['id']}/").json()
    queried = gql(learner, f"{{ block_run(id: {body['id']}) {{ id status output }} }}")
    assert queried["data"]["block_run"] == {k: polled[k] for k in ("id", "status", "output")}


def test_api_permissions(lesson, block_dispatched):
    anonymous = APIClient()
    assert anonymous.post(_url(lesson), {}, format="json").status_code == 401
    course, module = lesson.module.course.slug, lesson.module.slug
    query = (
        f'mutation {{ lesson_block_run(course: "{course}", module: "{module}", '
        f'lesson: "{lesson.slug}", block: 0) {{ block_run {{ id }} }} }}'
    )
    graph = anonymous.post("/graphql", {"query": query}, format="json").json()
    assert graph["errors"][0]["extensions"]["code"] == "not_authenticated"
    assert not BlockRun.objects.exists()
    owner, other = client_for(UserFactory()), client_for(UserFactory())
    assert owner.post(_url(lesson, 7), {}, format="json").status_code == 404
    run = owner.post(_url(lesson), {"code": "print(1)\n"}, format="json").json()
    assert other.get(f"/api/v1/block-runs/{run['id']}/").status_code == 404
    assert owner.post(_url(lesson, 1), {}, format="json").status_code == 409


# --------------------------------------------------------------------------- the page


def test_the_lesson_page_shows_controls_to_learners_and_a_sign_in_link_otherwise(
    lesson, client, django_assert_num_queries
):
    url = lesson.get_absolute_url()
    page = client.get(url).content.decode()
    assert page.count("Sign in to run this example") == 2
    assert f"?next={url}%23run-block-1" in page
    assert "run-block-run" not in page and "lesson-run.js" not in page
    client.force_login(UserFactory())
    page = client.get(url).content.decode()
    assert page.count('aria-label="Run example 1"') == 1
    assert 'aria-label="Reset example 2 to the author\'s code"' in page
    assert 'id="run-output-0" aria-live="polite" aria-label="Output of example 1" hidden' in page
    assert "lesson-run.js" in page and "<script>" not in page and " style=" not in page
    assert "Sign in to run" not in page


# --------------------------------------------------------------------------- --check


def test_check_names_the_failing_block(tmp_path, program, db):
    root = tmp_path / "content"
    shutil.copytree(importer.CONTENT_ROOT, root)
    path = next(root.rglob("*-what-scalability-means.md"))
    path.write_text(
        path.read_text() + "\n```python run\nprint('ok')\n```\n\n"
        "```python run\nwhile True: pass\n```\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match=r"1 of [0-9]+ runnable examples failed") as caught:
        call_command("import_content", "--check", root=root, verbosity=0)
    assert "what-scalability-means.md" in str(caught.value) or any(
        "while True" in code for code in program.calls
    )


def test_check_output_names_file_block_and_first_line(tmp_path, program, db, capsys):
    root = tmp_path / "content"
    shutil.copytree(importer.CONTENT_ROOT, root)
    path = next(root.rglob("*-what-scalability-means.md"))
    before = len(runnable_blocks(path.read_text().split("\n---\n", 1)[1]))
    path.write_text(path.read_text() + "\n```python run\nwhile True: pass\n```\n")
    with pytest.raises(CommandError):
        call_command("import_content", "--check", root=root, verbosity=0)
    err = capsys.readouterr().err
    assert (
        f"01-why-python/02-what-scalability-means.md: runnable block {before} "
        "('while True: pass') timeout" in err.replace("python-backend-engineering/", "")
    )


@pytest.mark.sandbox
def test_check_passes_on_the_shipped_course(db):
    """Every runnable example of the course runs cleanly in the real sandbox. It takes
    half a minute, so it runs once per CI run: in services mode (PostgreSQL) only."""
    if connection.vendor != "postgresql":
        pytest.skip("import_content --check runs in the services-mode test run")
    call_command("import_content", "--check", verbosity=0)


def _queries(client, url) -> int:
    from django.db import connection as conn
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(conn) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_page_and_the_poll_run_a_constant_number_of_queries(db, client, block_dispatched):
    user = UserFactory()
    small = LessonFactory(body_md="```python run\nprint(1)\n```\n")
    big = LessonFactory(body_md="".join(f"```python run\nprint({n})\n```\n\n" for n in range(6)))
    for lesson in (small, big):
        lesson_render(lesson)
        lesson.save()
        for block in range(len(lesson.run_blocks)):
            run = _create(user, lesson, block=block, key=f"key-{lesson.pk}-{block:04d}")
            BlockRun.objects.filter(pk=run.pk).update(status="done", output=f"out {block}")
    client.force_login(user)
    assert _queries(client, small.get_absolute_url()) == _queries(client, big.get_absolute_url())
    assert "out 5" in client.get(big.get_absolute_url()).content.decode()
    api = client_for(user)
    ids = list(BlockRun.objects.values_list("pk", flat=True))
    api.get(f"/api/v1/block-runs/{ids[0]}/")  # the token's first use is recorded once
    assert len({_queries(api, f"/api/v1/block-runs/{pk}/") for pk in ids}) == 1
