"""The API explorer's operations: the same thing asked of REST and of GraphQL.

Each operation lists the REST request(s) a client makes and the one GraphQL document
that gets the same data; the page (templates/core/explorer.html, static/js/explorer.js)
runs both live and compares bytes, round trips, server time and SQL queries. The
operations are filled with real slugs from published content when the page is built.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from apps.courses.models import Lesson, Status
from apps.courses.selectors import course_list_published, published_lessons
from apps.matrix.selectors import category_list
from apps.quizzes.models import AttemptStatus
from apps.quizzes.selectors import attempt_list_for_user, quiz_list_published

OUTLINE_FIELDS = """slug title summary description_html
    modules { slug title summary completed total
      lessons { slug title summary reading_minutes url } }
    progress { completed total }"""
LESSON_FIELDS = """slug title summary objectives takeaways body_html
    toc { level id title } reading_minutes word_count related_matrix module course url"""
QUESTION_FIELDS = "id number type prompt_html points choices { id text_html }"
PROGRESS_FIELDS = """slug title completed total percent
    modules { slug title completed total quiz { slug title best last passed }
    exercises { solved total } }"""


@dataclass
class RestCall:
    method: str
    url: str
    body: dict[str, Any] | None = None


@dataclass
class Operation:
    id: str
    title: str
    summary: str
    rest: list[RestCall]
    graphql: str
    variables: dict[str, Any] = field(default_factory=dict)
    login: bool = False
    unavailable: str = ""  # why it cannot run for this visitor, if it cannot


def _sample(user) -> dict[str, Any]:
    """Real published content to point the operations at (a few small queries)."""
    course = course_list_published().first()
    lesson: Lesson | None = None
    quiz = None
    if course is not None:
        lesson = (
            published_lessons()
            .filter(module__course=course, module__quiz__status=Status.PUBLISHED)
            .select_related("module__course", "module__quiz")
            .order_by("module__order", "order")
            .first()
        )
        quiz = (
            quiz_list_published(course_slug=course.slug, kind="module")
            .filter(time_limit_minutes=0, draw_count=0)
            .first()
        )
    categories = category_list()
    attempt = (
        attempt_list_for_user(user=user, status=AttemptStatus.SUBMITTED).first()
        if user.is_authenticated
        else None
    )
    return {
        "course": course.slug if course else None,
        "lesson": lesson,
        "quiz": quiz.slug if quiz else None,
        "lesson_quiz": lesson.module.quiz.slug if lesson else None,
        "category": categories[0].slug if categories else None,
        "attempt": attempt.pk if attempt else None,
    }


def explorer_operations(*, user) -> list[dict[str, Any]]:
    s = _sample(user)
    signed_in = user.is_authenticated
    ops: list[Operation] = []
    if s["course"]:
        course = s["course"]
        ops.append(
            Operation(
                id="outline",
                title="Course outline",
                summary="Every module of the course with its lessons. One request each way.",
                rest=[RestCall("GET", f"/api/v1/courses/{course}/")],
                graphql=(
                    "query Outline($slug: String!) {\n  course(slug: $slug) {\n"
                    f"    {OUTLINE_FIELDS}\n  }}\n}}"
                ),
                variables={"slug": course},
            )
        )
        ops.append(
            Operation(
                id="titles",
                title="Only the lesson titles",
                summary=(
                    "A table of contents needs titles only. REST sends the whole outline "
                    "(over-fetching); GraphQL sends exactly the fields asked for."
                ),
                rest=[RestCall("GET", f"/api/v1/courses/{course}/")],
                graphql=(
                    "query Titles($slug: String!) {\n  course(slug: $slug) {\n"
                    "    modules { title lessons { title } }\n  }\n}"
                ),
                variables={"slug": course},
            )
        )
        ops.append(
            Operation(
                id="outline-progress",
                title="Outline with my progress and quiz scores",
                summary=(
                    "REST needs two resources (the outline and the progress report); "
                    "GraphQL asks for both in one document."
                ),
                rest=[
                    RestCall("GET", f"/api/v1/courses/{course}/"),
                    RestCall("GET", "/api/v1/progress/"),
                ],
                graphql=(
                    f"query OutlineAndProgress($slug: String!) {{\n  course(slug: $slug) {{\n"
                    f"    {OUTLINE_FIELDS}\n  }}\n  progress {{\n    {PROGRESS_FIELDS}\n  }}\n}}"
                ),
                variables={"slug": course},
                login=True,
                unavailable="" if signed_in else "Log in to see your own progress.",
            )
        )
    lesson = s["lesson"]
    if lesson is not None:
        module, course_slug = lesson.module.slug, lesson.module.course.slug
        args = {"course": course_slug, "module": module, "lesson": lesson.slug}
        ops.append(
            Operation(
                id="lesson",
                title="A lesson",
                summary="One lesson with its rendered body and table of contents.",
                rest=[RestCall("GET", f"/api/v1/lessons/{course_slug}/{module}/{lesson.slug}/")],
                graphql=(
                    "query Lesson($course: String!, $module: String!, $lesson: String!) {\n"
                    "  lesson(course: $course, module: $module, lesson: $lesson) {\n"
                    f"    {LESSON_FIELDS}\n  }}\n}}"
                ),
                variables=args,
            )
        )
        ops.append(
            Operation(
                id="lesson-quiz",
                title="A lesson and its module quiz",
                summary="Two resources, two REST round trips; one GraphQL request.",
                rest=[
                    RestCall("GET", f"/api/v1/lessons/{course_slug}/{module}/{lesson.slug}/"),
                    RestCall("GET", f"/api/v1/quizzes/{s['lesson_quiz']}/questions/"),
                ],
                graphql=(
                    "query LessonAndQuiz($course: String!, $module: String!, "
                    "$lesson: String!, $quiz: String!) {\n"
                    "  lesson(course: $course, module: $module, lesson: $lesson) {\n"
                    f"    {LESSON_FIELDS}\n  }}\n"
                    f"  quiz_questions(slug: $quiz) {{\n    {QUESTION_FIELDS}\n  }}\n}}"
                ),
                variables={**args, "quiz": s["lesson_quiz"]},
            )
        )
    if s["quiz"]:
        ops.append(
            Operation(
                id="quiz-questions",
                title="A quiz's questions",
                summary="Questions and choices, never the answer keys.",
                rest=[RestCall("GET", f"/api/v1/quizzes/{s['quiz']}/questions/")],
                graphql=(
                    "query Questions($slug: String!) {\n"
                    f"  quiz_questions(slug: $slug) {{\n    {QUESTION_FIELDS}\n  }}\n}}"
                ),
                variables={"slug": s["quiz"]},
            )
        )
    result_fields = (
        "id quiz number status started_at deadline submitted_at score max_score percent "
        "passed revealed\n    questions { id number type prompt_html points score correct "
        "answered your_answer correct_answer explanation_html\n"
        "      choices { id text_html chosen is_correct feedback } }"
    )
    ops.append(
        Operation(
            id="attempt-result",
            title="My latest quiz result",
            summary="A submitted attempt, question by question.",
            rest=[RestCall("GET", f"/api/v1/attempts/{s['attempt'] or 0}/result/")],
            graphql=(
                "query Result($id: Int!) {\n"
                f"  attempt_result(id: $id) {{\n    {result_fields}\n  }}\n}}"
            ),
            variables={"id": s["attempt"] or 0},
            login=True,
            unavailable=""
            if s["attempt"]
            else (
                "Submit a quiz first to see a result."
                if signed_in
                else "Log in and submit a quiz to see a result."
            ),
        )
    )
    if s["category"]:
        ops.append(
            Operation(
                id="matrix",
                title="A technology matrix category",
                summary="Options, criteria and every cell of one comparison.",
                rest=[RestCall("GET", f"/api/v1/matrix/{s['category']}/")],
                graphql=(
                    "query Matrix($slug: String!) {\n  matrix_category(slug: $slug) {\n"
                    "    slug title scale { min max labels { value label } }\n"
                    "    criteria { slug title kind description }\n"
                    "    options { slug name summary url lessons { title url }\n"
                    "      cells { criterion display rating value text na note source } }\n"
                    "  }\n}"
                ),
                variables={"slug": s["category"]},
            )
        )
    ops.append(
        Operation(
            id="search",
            title="Search the lessons",
            summary="Full-text search with highlighted snippets.",
            rest=[RestCall("GET", "/api/v1/search/?q=celery%20retries")],
            graphql=(
                "query Search($q: String!) {\n  search(q: $q) {\n    query\n"
                "    results { slug title summary reading_minutes url snippet_html }\n  }\n}"
            ),
            variables={"q": "celery retries"},
        )
    )
    return [asdict(op) for op in ops]
