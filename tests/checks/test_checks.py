"""Checks inside lessons: import and validation, rendering without keys, grading through
the quiz grading, the retry and completion rules, the page's form, query counts."""

from __future__ import annotations

import pytest
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.checks import services
from apps.checks.importer import parse_checks
from apps.checks.models import CheckAnswer, LessonCheck
from apps.core.errors import Conflict, NotFound
from apps.courses import selectors as course_selectors
from apps.courses import services as course_services
from apps.courses.errors import ContentError
from apps.courses.models import LessonProgress
from apps.quizzes.grading import InvalidResponse
from tests.checks.conftest import BODY, SECRETS, check, choice_id
from tests.factories import LessonFactory, UserFactory

pytestmark = pytest.mark.django_db


# --------------------------------------------------------------------------- importer


def test_blocks_are_parsed_in_order_with_the_quiz_fields():
    parsed = parse_checks(BODY, "lesson.md")
    assert [q.key for q in parsed] == ["pick-one", "pick-many", "yes-or-no", "a-number", "a-word"]
    assert [c["is_correct"] for c in parsed[0].choices] == [False, True, False]
    assert parsed[2].fields["true_false_answer"] is True
    assert str(parsed[3].fields["tolerance"]) == "0.01"
    assert parsed[4].fields["accepted_answers"] == ["GIL", "global interpreter lock"]


@pytest.mark.parametrize(
    ("block", "message"),
    [
        (
            "key: two\ntype: single_choice\nprompt: P\nexplanation: E\nchoices:\n"
            "  - {text: a, correct: true}\n  - {text: b, correct: true}\n",
            "exactly one correct choice (it has 2)",
        ),
        ("key: k\ntype: essay\nprompt: P\nexplanation: E\n", "'type' must be one of"),
        ("key: k\ntype: numeric\nprompt: P\nexplanation: E\n", "missing required key 'answer'"),
        ("key: k\ntype: true_false\nprompt: P\nanswer: true\n", "'explanation'"),
        ("key: [unclosed\n", "invalid YAML"),
        ("- just\n- a list\n", "must be a YAML mapping"),
        ("type: true_false\nprompt: P\nanswer: true\nexplanation: E\n", "missing its 'key'"),
    ],
)
def test_a_bad_block_is_refused_with_its_file_and_line(block, message):
    body = f"Intro.\n\n```check\n{block}```\n"
    with pytest.raises(ContentError) as caught:
        parse_checks(body, "01-why/02-lesson.md", line_offset=5)
    assert caught.value.message.startswith("01-why/02-lesson.md, line 8 (check block)")
    assert message in caught.value.message


def test_duplicate_keys_in_one_lesson_are_refused():
    block = "```check\nkey: same\ntype: true_false\nprompt: P\nanswer: true\nexplanation: E\n```\n"
    with pytest.raises(ContentError, match="'same' is used twice"):
        parse_checks(block + "\n" + block, "x.md")


def test_import_content_names_the_bad_file_and_writes_nothing(tmp_path, settings):
    import shutil

    from django.core.management import CommandError, call_command

    from apps.courses.importer import CONTENT_ROOT

    root = tmp_path / "content"
    shutil.copytree(CONTENT_ROOT, root)
    lesson_file = next(root.glob("*/01-*/01-*.md"))
    lesson_file.write_text(
        lesson_file.read_text() + "\n```check\nkey: bad\ntype: single_choice\nprompt: P\n"
        "explanation: E\nchoices:\n  - {text: a}\n  - {text: b}\n```\n"
    )
    with pytest.raises(CommandError) as caught:
        call_command("import_content", root=root, verbosity=0)
    assert "Nothing was imported" in str(caught.value)
    assert lesson_file.name in str(caught.value) and "(check block)" in str(caught.value)
    assert "exactly one correct choice (it has 0)" in str(caught.value)
    assert LessonCheck.objects.count() == 0


def test_checks_keep_their_ids_and_answers_across_reimports(lesson):
    user = UserFactory()
    first = check(lesson, "pick-one")
    right = choice_id(lesson, "pick-one", "Right B")
    services.check_answer(user=user, check_id=first.pk, response={"choice": right})
    # An edit moves the check, rewords it and removes another one.
    lesson.body_md = "Intro.\n\n" + BODY.replace("Which one is *right*?", "Which is right?")
    lesson.body_md = lesson.body_md.replace("key: a-word", "key: a-new-word")
    course_services.lesson_save(lesson=lesson)
    again = check(lesson, "pick-one")
    assert again.pk == first.pk and "Which is right?" in again.prompt_html
    assert again.choices.get(text="Right B").pk == right
    assert CheckAnswer.objects.get(user=user, check_item=again).correct_at is not None
    assert set(LessonCheck.objects.filter(lesson=lesson).values_list("key", flat=True)) == {
        "pick-one", "pick-many", "yes-or-no", "a-number", "a-new-word",
    }  # fmt: skip
    # Saving the same text again writes nothing.
    assert (
        services.lesson_checks_sync(lesson=lesson, sources=parse_checks(lesson.body_md, "x")) == 0
    )


def test_the_shipped_course_has_valid_checks_in_every_lesson_of_modules_1_to_5():
    from apps.checks.importer import read_checks
    from apps.core.markdown import render_markdown
    from apps.courses.importer import read_all

    courses = read_all()
    checks = read_checks(courses)  # validates every block of every lesson
    lessons = [
        ((courses[0].data["slug"], module.data["slug"], lesson.data["slug"]), lesson)
        for module in courses[0].modules
        if module.order <= 5
        for lesson in module.lessons
    ]
    assert len(lessons) == 17
    total = 0
    for key, lesson in lessons:
        found = checks[key]
        assert found, lesson.path.name
        html = render_markdown(lesson.body).html
        assert html.count('class="lesson-check"') == len(found)
        assert "correct: true" not in html and "type: " not in html
        total += len(found)
    assert total >= 33
    types = {q.fields["type"] for found in checks.values() for q in found}
    assert {"single_choice", "multiple_choice", "true_false", "numeric", "short_text"} <= types


# --------------------------------------------------------------------------- rendering


def test_the_page_shows_questions_without_keys_feedback_or_explanations(client, lesson):
    for who in (None, UserFactory()):
        if who:
            client.force_login(who)
        html = client.get(lesson.get_absolute_url()).content.decode()
        assert html.count(" data-check>") == 5
        assert "Which one is <em>right</em>?" in html and "Right B" in html
        for secret in SECRETS:
            assert secret not in html, secret
        # The checks stand where their blocks were: after the text before them.
        assert (
            html.index("Some text about threads.")
            < html.index("Right B")
            < html.index("sec-processes")
        )


def test_search_documents_leave_check_blocks_out(lesson):
    from apps.core.markdown import plain_text

    text = plain_text(lesson.body_md)
    assert "Some text about threads." in text
    assert "EXPLANATION-ONE-SECRET" not in text and "correct: true" not in text


# --------------------------------------------------------------------------- grading


@pytest.mark.parametrize(
    ("key", "wrong", "right"),
    [
        ("pick-one", lambda x: {"choice": choice_id(x, "pick-one", "Wrong A")},
         lambda x: {"choice": choice_id(x, "pick-one", "Right B")}),
        ("pick-many", lambda x: {"choices": [choice_id(x, "pick-many", "Yes 1")]},
         lambda x: {"choices": [choice_id(x, "pick-many", "Yes 3"),
                                choice_id(x, "pick-many", "Yes 1")]}),
        ("yes-or-no", lambda x: {"value": False}, lambda x: {"value": True}),
        ("a-number", lambda x: {"value": "3.5"}, lambda x: {"value": "3.005"}),
        ("a-word", lambda x: {"text": "GILL"}, lambda x: {"text": "  Global  Interpreter Lock. "}),
    ],
)  # fmt: skip
def test_each_type_is_graded_with_retries_until_right(lesson, key, wrong, right):
    user = UserFactory()
    pk = check(lesson, key).pk
    _, answer = services.check_answer(user=user, check_id=pk, response=wrong(lesson))
    assert (answer.is_correct, answer.tries, answer.correct_at) == (False, 1, None)
    _, answer = services.check_answer(user=user, check_id=pk, response=wrong(lesson))
    assert answer.tries == 1  # the same answer again is the same try
    _, answer = services.check_answer(user=user, check_id=pk, response=right(lesson))
    assert answer.is_correct and answer.tries == 2 and answer.correct_at is not None
    assert answer.first_correct is False
    _, answer = services.check_answer(user=user, check_id=pk, response=wrong(lesson))
    assert answer.is_correct and answer.tries == 2  # closed: the first correct answer counts


def test_bad_answers_are_refused_and_write_nothing(lesson):
    user = UserFactory()
    pk = check(lesson, "pick-one").pk
    other = choice_id(lesson, "pick-many", "Yes 1")
    for response in ({"choice": other}, {"choices": [1]}, "x", {"choice": True}):
        with pytest.raises(InvalidResponse):
            services.check_answer(user=user, check_id=pk, response=response)
    assert not CheckAnswer.objects.exists()


def test_checks_of_draft_lessons_cannot_be_answered(lesson):
    lesson.status = "draft"
    lesson.save()
    with pytest.raises(NotFound):
        services.check_answer(user=UserFactory(), check_id=check(lesson, "yes-or-no").pk,
                              response={"value": True})  # fmt: skip


def test_feedback_and_explanation_appear_only_after_an_answer(lesson):
    from apps.checks.selectors import lesson_checks

    user, other = UserFactory(), UserFactory()
    pk = check(lesson, "pick-one").pk
    services.check_answer(
        user=user, check_id=pk, response={"choice": choice_id(lesson, "pick-one", "Wrong A")}
    )
    mine = lesson_checks(lesson_id=lesson.pk, user=user)[0]
    assert mine.answered and not mine.correct
    assert "EXPLANATION-ONE-SECRET" in mine.explanation_html
    assert [c.feedback for c in mine.choices] == ["FEEDBACK-A-SECRET", "", ""]
    assert all(c.correct is None for c in mine.choices)  # the key: only once right
    theirs = lesson_checks(lesson_id=lesson.pk, user=other)[0]
    assert not theirs.answered and theirs.explanation_html == "" and theirs.response is None
    services.check_answer(
        user=user, check_id=pk, response={"choice": choice_id(lesson, "pick-one", "Right B")}
    )
    solved = lesson_checks(lesson_id=lesson.pk, user=user)[0]
    assert [c.correct for c in solved.choices] == [False, True, False]


# --------------------------------------------------------------------------- the page's form


def test_answering_without_javascript_redirects_back_to_the_check(client, lesson):
    client.force_login(UserFactory())
    pk = check(lesson, "pick-one").pk
    response = client.post(
        f"/checks/{pk}/answer", {"answer": choice_id(lesson, "pick-one", "Wrong A")}
    )
    assert response.status_code == 302
    assert response["Location"] == lesson.get_absolute_url() + "#check-1"
    html = client.get(lesson.get_absolute_url()).content.decode()
    assert "EXPLANATION-ONE-SECRET" in html and "FEEDBACK-A-SECRET" in html
    assert "FEEDBACK-B-SECRET" not in html and "Not quite." in html
    assert "Try again" in html


def test_answering_with_fetch_returns_the_check_alone(client, lesson):
    client.force_login(UserFactory())
    pk = check(lesson, "a-number").pk
    response = client.post(f"/checks/{pk}/answer", {"answer": "3"}, HTTP_X_REQUESTED_WITH="fetch")
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith("{#") is False
    assert 'id="check-4"' in html and "Right." in html and "EXPLANATION-FOUR-SECRET" in html
    empty = client.post(f"/checks/{pk}/answer", {"answer": ""}, HTTP_X_REQUESTED_WITH="fetch")
    assert empty.status_code == 400 and "Right." in empty.content.decode()  # still closed
    pk = check(lesson, "a-word").pk
    empty = client.post(f"/checks/{pk}/answer", {"answer": ""}, HTTP_X_REQUESTED_WITH="fetch")
    assert empty.status_code == 400 and "Choose or type an answer first." in empty.content.decode()


def test_answering_needs_login_and_csrf(lesson):
    pk = check(lesson, "yes-or-no").pk
    anonymous = Client()
    assert anonymous.post(f"/checks/{pk}/answer", {"answer": "true"}).status_code == 302
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(UserFactory())
    assert strict.post(f"/checks/{pk}/answer", {"answer": "true"}).status_code == 403
    assert not CheckAnswer.objects.exists()


# --------------------------------------------------------------------------- completion


def _solve_all(user, lesson):
    right = {
        "pick-one": {"choice": choice_id(lesson, "pick-one", "Right B")},
        "pick-many": {"choices": [choice_id(lesson, "pick-many", "Yes 1"),
                                  choice_id(lesson, "pick-many", "Yes 3")]},
        "yes-or-no": {"value": True},
        "a-number": {"value": 3},
        "a-word": {"text": "gil"},
    }  # fmt: skip
    for key, response in right.items():
        services.check_answer(user=user, check_id=check(lesson, key).pk, response=response)


def test_a_lesson_completes_only_when_every_check_is_answered_correctly(client, lesson):
    user = UserFactory()
    with pytest.raises(Conflict, match="5 still to answer"):
        course_services.lesson_progress_set(user=user, lesson=lesson, completed=True)
    client.force_login(user)
    url = lesson.get_absolute_url()
    response = client.post(url + "progress", {"completed": "1"}, follow=True)
    assert "5 still to answer" in response.content.decode()
    assert not LessonProgress.objects.exists()
    _solve_all(user, lesson)
    course_services.lesson_progress_set(user=user, lesson=lesson, completed=True)
    outline = course_selectors.course_outline(course=lesson.module.course, user=user)
    assert lesson.pk in outline.completed_ids
    overview = course_selectors.progress_overview(user=user)
    assert overview[0].completed == 1
    # A check added later makes the lesson incomplete again until it is answered.
    lesson.body_md += (
        "\n```check\nkey: later\ntype: true_false\nprompt: P\nanswer: true\nexplanation: E\n```\n"
    )
    course_services.lesson_save(lesson=lesson)
    outline = course_selectors.course_outline(course=lesson.module.course, user=user)
    assert lesson.pk not in outline.completed_ids
    assert course_selectors.progress_overview(user=user)[0].completed == 0
    services.check_answer(user=user, check_id=check(lesson, "later").pk, response={"value": True})
    assert course_selectors.progress_overview(user=user)[0].completed == 1
    page = client.get(url).content.decode()
    assert "answered every check correctly" in page


def test_lessons_without_checks_complete_as_before(lesson):
    user = UserFactory()
    plain = LessonFactory(module=lesson.module)
    course_services.lesson_progress_set(user=user, lesson=plain, completed=True)
    assert course_selectors.completed_lesson_ids(user=user) == {plain.pk}


# --------------------------------------------------------------------------- query counts


def _count(client, url):
    from django.db import connection

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("signed_in", [False, True])
def test_pages_run_a_constant_number_of_queries_however_many_checks(
    client, lesson, settings, signed_in
):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    user = UserFactory()
    if signed_in:
        client.force_login(user)
    pages = {
        "lesson": lesson.get_absolute_url(),
        "outline": lesson.module.course.get_absolute_url(),
    }
    if signed_in:
        pages["dashboard"] = "/dashboard/"
    before = {name: _count(client, url) for name, url in pages.items()}
    extra = "".join(
        f"\n```check\nkey: more-{n}\ntype: single_choice\nprompt: P{n}\nexplanation: E\n"
        "choices:\n  - {text: a, correct: true}\n  - {text: b}\n```\n"
        for n in range(12)
    )
    lesson.body_md += extra
    course_services.lesson_save(lesson=lesson)
    _solve_all(user, lesson)
    course_services.lesson_progress_set(user=user, lesson=LessonFactory(module=lesson.module),
                                        completed=True)  # fmt: skip
    after = {name: _count(client, url) for name, url in pages.items()}
    assert before == after


def test_both_apis_list_checks_in_a_constant_number_of_queries(lesson, settings):
    from rest_framework.test import APIClient

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    user = UserFactory()
    client = APIClient()
    client.force_authenticate(user)
    course, module = lesson.module.course.slug, lesson.module.slug
    rest_url = f"/api/v1/lessons/{course}/{module}/{lesson.slug}/checks/"
    query = (
        f'{{ lesson_checks(course: "{course}", module: "{module}", lesson: "{lesson.slug}") '
        "{ id choices { id } explanation_html } }"
    )

    def counts() -> tuple[int, int]:
        from django.db import connection

        with CaptureQueriesContext(connection) as rest_ctx:
            assert client.get(rest_url).status_code == 200
        with CaptureQueriesContext(connection) as graph_ctx:
            body = client.post("/graphql", {"query": query}, format="json").json()
            assert "errors" not in body, body
        return len(rest_ctx.captured_queries), len(graph_ctx.captured_queries)

    before = counts()
    lesson.body_md += "".join(
        f"\n```check\nkey: extra-{n}\ntype: true_false\nprompt: P\nanswer: true\n"
        "explanation: E\n```\n"
        for n in range(10)
    )
    course_services.lesson_save(lesson=lesson)
    _solve_all(user, lesson)
    assert counts() == before
