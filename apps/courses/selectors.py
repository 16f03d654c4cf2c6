"""Reads of courses, with the visibility rule in one place: learners see only
published lessons of published modules of published courses, on every surface."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.core.exceptions import ObjectDoesNotExist
from django.db import connection
from django.db.models import CharField, Count, F, Q, QuerySet, Value

from apps.core.errors import NotFound
from apps.core.markdown import plain_text
from apps.courses.models import (
    PUBLISHED_LESSON,
    Course,
    Lesson,
    LessonProgress,
    Module,
    Status,
    prime_lesson_urls,
)


def lesson_is_visible(lesson: Lesson) -> bool:
    module = lesson.module
    return (
        lesson.status == Status.PUBLISHED
        and module.status == Status.PUBLISHED
        and module.course.status == Status.PUBLISHED
    )


def published_lessons() -> QuerySet[Lesson]:
    return Lesson.objects.filter(PUBLISHED_LESSON)


def course_list_published() -> QuerySet[Course]:
    return (
        Course.objects.filter(status=Status.PUBLISHED)
        .annotate(
            lesson_count=Count(
                "modules__lessons",
                filter=Q(
                    modules__status=Status.PUBLISHED, modules__lessons__status=Status.PUBLISHED
                ),
            ),
            module_count=Count(
                "modules", filter=Q(modules__status=Status.PUBLISHED), distinct=True
            ),
        )
        .order_by("order", "title")
    )


def course_list_with_modules() -> list[Course]:
    """The published courses, each with ``module_titles`` (its published modules' titles,
    in order): two queries however many courses and modules."""
    courses = list(course_list_published())
    titles: dict[int, list[str]] = {course.pk: [] for course in courses}
    if courses:
        for course_id, title in (
            Module.objects.filter(status=Status.PUBLISHED, course_id__in=list(titles))
            .order_by("order", "id")
            .values_list("course_id", "title")
        ):
            titles[course_id].append(title)
    for course in courses:
        course.module_titles = titles[course.pk]  # type: ignore[attr-defined]
    return courses


def course_get_published(*, slug: str) -> Course:
    course = Course.objects.filter(slug=slug, status=Status.PUBLISHED).first()
    if course is None:
        raise NotFound("No such course.")
    return course


@dataclass
class ModuleOutline:
    module: Module
    lessons: list[Lesson]
    completed: int = 0

    score: dict[str, Any] | None = None  # the user's best/last quiz percentages, if any
    exercises: dict[str, int] | None = None  # published code exercises: solved, total
    is_current: bool = False  # holds the learner's next lesson (the course page opens it)

    @property
    def total(self) -> int:
        return len(self.lessons)

    @property
    def percent(self) -> int:
        return round(100 * self.completed / self.total) if self.total else 0

    @property
    def minutes(self) -> int:
        return sum(lesson.reading_minutes for lesson in self.lessons)

    @property
    def quiz(self) -> Any:
        """The module's published quiz (joined in the outline query), or None."""
        try:
            quiz = self.module.quiz
        except ObjectDoesNotExist:
            return None
        return quiz if quiz.status == Status.PUBLISHED else None


@dataclass
class CourseOutline:
    course: Course
    modules: list[ModuleOutline]
    completed_ids: set[int] = field(default_factory=set)

    @property
    def lessons(self) -> list[Lesson]:
        return [lesson for entry in self.modules for lesson in entry.lessons]

    @property
    def total(self) -> int:
        return sum(entry.total for entry in self.modules)

    @property
    def completed(self) -> int:
        return sum(entry.completed for entry in self.modules)

    @property
    def percent(self) -> int:
        return round(100 * self.completed / self.total) if self.total else 0

    @property
    def reading_minutes(self) -> int:
        return sum(lesson.reading_minutes for lesson in self.lessons)


def completed_lesson_ids(*, user, lesson_ids: list[int] | None = None) -> set[int]:
    if not user.is_authenticated:
        return set()
    from apps.checks.selectors import open_checks  # checks read courses, not back

    # Complete = marked complete and every check in the lesson answered correctly.
    rows = LessonProgress.objects.filter(user=user).exclude(open_checks(user))
    if lesson_ids is not None:
        rows = rows.filter(lesson_id__in=lesson_ids)
    return set(rows.values_list("lesson_id", flat=True))


def course_outline(*, course: Course, user, quizzes: bool = True) -> CourseOutline:
    """Published modules with their published lessons and the user's progress: 2 queries,
    3 when signed in. Each module's lessons get their URLs from one ``reverse()``.

    ``quizzes=False`` (the APIs' outline, which has no quiz) leaves each module's quiz
    out of the join; ``ModuleOutline.quiz`` then loads it on access.
    """
    modules_qs = course.modules.filter(status=Status.PUBLISHED).order_by("order", "id")
    if quizzes:
        modules_qs = modules_qs.select_related("quiz")
    else:
        modules_qs = modules_qs.only("id", "course_id", "slug", "title", "summary", "order")
    modules = list(modules_qs)
    by_module: dict[int, list[Lesson]] = {module.id: [] for module in modules}
    if modules:
        # Grouped by hand: prefetch_related's machinery costs more than the query here.
        for lesson in (
            Lesson.objects.filter(status=Status.PUBLISHED, module_id__in=list(by_module))
            .only("id", "module_id", "slug", "title", "summary", "reading_minutes", "order")
            .order_by("order", "id")
        ):
            by_module[lesson.module_id].append(lesson)
    done = completed_lesson_ids(
        user=user, lesson_ids=[lesson.id for rows in by_module.values() for lesson in rows]
    )
    entries = []
    for module in modules:
        module.course = course  # no query per module for get_absolute_url
        module_lessons = by_module[module.id]
        for lesson in module_lessons:
            lesson.module = module
        prime_lesson_urls(module_lessons, course_slug=course.slug, module_slug=module.slug)
        entries.append(
            ModuleOutline(
                module=module,
                lessons=module_lessons,
                completed=sum(1 for lesson in module_lessons if lesson.id in done),
            )
        )
    return CourseOutline(course=course, modules=entries, completed_ids=done)


def lesson_get_published(*, course_slug: str, module_slug: str, lesson_slug: str) -> Lesson:
    lesson = (
        published_lessons()
        .select_related("module__course")
        .filter(slug=lesson_slug, module__slug=module_slug, module__course__slug=course_slug)
        .first()
    )
    if lesson is None:
        raise NotFound("No such lesson.")
    return lesson


def progress_summary(*, user) -> list[CourseOutline]:
    """Every published course the user has started or can start, with progress."""
    return [course_outline(course=course, user=user) for course in course_list_published()]


@dataclass(frozen=True)
class SearchHit:
    lesson: Lesson
    snippet: str  # safe HTML: escaped text with <mark> around matches


_START, _STOP = "\x02", "\x03"
MAX_QUERY_LENGTH = 200


def _marked(text: str) -> str:
    escaped = html.escape(text)
    return escaped.replace(_START, "<mark>").replace(_STOP, "</mark>")


@dataclass(frozen=True)
class SearchPage:
    hits: list[SearchHit]
    total: int  # every match, not just this page's
    offset: int  # of the first hit on this page

    @property
    def first(self) -> int:
        return self.offset + 1 if self.hits else 0

    @property
    def last(self) -> int:
        return self.offset + len(self.hits)


def lesson_search(*, query: str, limit: int = 20) -> list[SearchHit]:
    """Published lessons matching ``query``, best first, with highlighted snippets
    (the first ``limit``; ``lesson_search_page`` pages through all of them)."""
    return lesson_search_page(query=query, limit=limit, count=False).hits


def lesson_search_page(
    *, query: str, limit: int = 20, offset: int = 0, count: bool = True
) -> SearchPage:
    """One page of the published lessons matching ``query``, best first, with
    highlighted snippets, and how many match in all.

    PostgreSQL: full-text search (websearch syntax, weighted title > summary > body,
    ranked). SQLite: every term must appear somewhere; title matches rank first.
    Both: snippets around the first match in the lesson's text, cut between words.
    """
    offset = max(0, offset)
    # NUL cannot reach PostgreSQL (no text value may hold it): drop it with the spacing.
    query = " ".join(query.replace("\x00", " ").split())[:MAX_QUERY_LENGTH]
    if not query:
        return SearchPage(hits=[], total=0, offset=offset)
    base = published_lessons().select_related("module__course")
    if connection.vendor == "postgresql":
        search = SearchQuery(query, search_type="websearch", config="english")
        matching = base.filter(search_vector=search)
        # Rank every match, then build snippets for the page of results only.
        top = list(
            matching.annotate(rank=SearchRank(F("search_vector"), search))
            .order_by("-rank", "module__order", "order", "id")
            .values_list("id", flat=True)[offset : offset + limit]
        )
        rows_by_id = {row.id: row for row in base.filter(id__in=top)}
        words = _query_words(query)
        hits = [
            SearchHit(lesson=rows_by_id[pk], snippet=_snippet(rows_by_id[pk], words))
            for pk in top
            if pk in rows_by_id
        ]
        # The API's search returns one page without a total: no count for it.
        total = matching.count() if count else offset + len(hits)
        return SearchPage(hits=hits, total=total, offset=offset)
    terms = _query_words(query)
    if not terms:
        return SearchPage(hits=[], total=0, offset=offset)
    condition = Q()
    for term in terms:
        condition &= (
            Q(title__icontains=term) | Q(summary__icontains=term) | Q(body_md__icontains=term)
        )
    matches = list(base.filter(condition))
    matches.sort(
        key=lambda row: (
            -sum(term in row.title.lower() for term in terms),
            row.module.order,
            row.order,
            row.id,
        )
    )
    hits = [
        SearchHit(lesson=row, snippet=_snippet(row, terms))
        for row in matches[offset : offset + limit]
    ]
    return SearchPage(hits=hits, total=len(matches), offset=offset)


def _query_words(query: str) -> list[str]:
    return [term for term in re.split(r"\W+", query.lower()) if len(term) > 1][:8]


# Box drawing, block elements, shapes and the leader dots and rules of text diagrams: in a
# one-line snippet they are noise ("└── PostgreSQL ├── hot reads ........").
_DIAGRAM = re.compile(r"[\u2500-\u259f\u25a0-\u25ff]+|\.{4,}|[-=_+|]{3,}")
_SPACES = re.compile(r"\s+")


def _readable(text: str) -> str:
    """``text`` without diagram characters, on one line."""
    return _SPACES.sub(" ", _DIAGRAM.sub(" ", text)).strip()


def _snippet(lesson: Lesson, terms: list[str], width: int = 220) -> str:
    """About ``width`` characters of the lesson around its first match, cut between
    words, without diagram characters."""
    text = _readable(plain_text(lesson.body_md))
    lower = text.lower()
    positions = [lower.find(term) for term in terms if lower.find(term) >= 0]
    start = max(0, min(positions) - width // 3) if positions else 0
    if start:
        # Back to the start of the word the cut fell in.
        space = text.rfind(" ", 0, start + 1)
        start = space + 1 if space >= 0 else 0
    stop = start + width
    if stop < len(text):
        # Back to the end of the last whole word.
        space = text.rfind(" ", start, stop + 1)
        stop = space if space > start else stop
    else:
        stop = len(text)
    excerpt = text[start:stop].strip()
    marked = excerpt
    if terms:
        pattern = re.compile("|".join(re.escape(term) for term in terms), re.IGNORECASE)
        marked = pattern.sub(lambda m: f"{_START}{m.group(0)}{_STOP}", excerpt)
    return ("… " if start else "") + _marked(marked) + (" …" if stop < len(text) else "")


@dataclass
class ModuleProgress:
    slug: str
    title: str
    completed: int
    total: int
    quiz: dict[str, Any] | None  # slug, title, best, last, passed (None: no quiz)
    exercises: dict[str, int] | None = None  # code exercises: solved, total


@dataclass
class CourseProgress:
    slug: str
    title: str
    modules: list[ModuleProgress]

    @property
    def completed(self) -> int:
        return sum(m.completed for m in self.modules)

    @property
    def total(self) -> int:
        return sum(m.total for m in self.modules)

    @property
    def percent(self) -> int:
        return round(100 * self.completed / self.total) if self.total else 0


def progress_overview(*, user) -> list[CourseProgress]:
    """The user's progress in every published course, per module, with the module
    quizzes' best scores and the code exercises solved: a fixed number of queries however
    many courses there are."""
    from apps.exercises.selectors import exercises_per_module  # they read courses, not back
    from apps.quizzes.selectors import best_scores

    modules = list(
        Module.objects.filter(status=Status.PUBLISHED, course__status=Status.PUBLISHED)
        .select_related("course")
        .annotate(total=Count("lessons", filter=Q(lessons__status=Status.PUBLISHED)))
        .order_by("course__order", "course__title", "order", "id")
    )
    done: dict[int, int] = {}
    if user.is_authenticated:
        from apps.checks.selectors import open_checks

        done = dict(
            LessonProgress.objects.filter(
                user=user,
                lesson__status=Status.PUBLISHED,
                lesson__module_id__in=[m.id for m in modules],
            )
            .exclude(open_checks(user))
            .values("lesson__module_id")
            .annotate(n=Count("id"))
            .values_list("lesson__module_id", "n")
        )
    quizzes = {
        row["module_id"]: row
        for row in _published_module_quizzes([m.id for m in modules]).values(
            "id", "module_id", "slug", "title"
        )
    }
    scores = best_scores(user=user, quiz_ids=[q["id"] for q in quizzes.values()])
    exercises = exercises_per_module(user=user, module_ids=[m.id for m in modules])
    courses: dict[int, CourseProgress] = {}
    for module in modules:
        entry = courses.setdefault(
            module.course_id,
            CourseProgress(slug=module.course.slug, title=module.course.title, modules=[]),
        )
        quiz = quizzes.get(module.id)
        score = scores.get(quiz["id"], {}) if quiz else {}
        entry.modules.append(
            ModuleProgress(
                slug=module.slug,
                title=module.title,
                completed=done.get(module.id, 0),
                total=module.total,
                quiz={
                    "slug": quiz["slug"],
                    "title": quiz["title"],
                    "best": score.get("best"),
                    "last": score.get("last"),
                    "passed": bool(score.get("passed")),
                }
                if quiz
                else None,
                exercises=exercises.get(module.id, {"solved": 0, "total": 0}),
            )
        )
    return list(courses.values())


def _published_module_quizzes(module_ids: list[int]) -> QuerySet[Any]:
    from apps.quizzes.models import Quiz

    return Quiz.objects.filter(module_id__in=module_ids, status=Status.PUBLISHED)


# --------------------------------------------------------------------------- dashboard

ACTIVITY_WEEKS = 12


@dataclass(frozen=True)
class ActivityWeek:
    start: Any  # date: the Monday the week starts on, in the current time zone
    lessons: int
    quizzes: int
    runs: int

    @property
    def total(self) -> int:
        return self.lessons + self.quizzes + self.runs


@dataclass(frozen=True)
class Activity:
    weeks: list[ActivityWeek]
    streak: int  # consecutive days with any activity, ending today or yesterday
    active_days: int

    @property
    def total(self) -> int:
        return sum(week.total for week in self.weeks)

    @property
    def peak(self) -> int:
        return max((week.total for week in self.weeks), default=0)


def activity_overview(*, user, weeks: int = ACTIVITY_WEEKS, today=None) -> Activity:
    """The user's lessons completed, quizzes submitted and code submitted per week over the
    last ``weeks`` weeks, and the current streak of active days: one query (three grouped
    counts in a UNION)."""
    import datetime as dt

    from django.db.models.functions import TruncDate
    from django.utils import timezone

    from apps.exercises.models import Mode, Run
    from apps.quizzes.models import Attempt, AttemptStatus

    today = today or timezone.localdate()
    first = today - dt.timedelta(days=today.weekday() + 7 * (weeks - 1))
    since = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    sources = (
        ("lessons", LessonProgress.objects.filter(user=user), "completed_at"),
        (
            "quizzes",
            Attempt.objects.filter(user=user, status=AttemptStatus.SUBMITTED),
            "submitted_at",
        ),
        ("runs", Run.objects.filter(user=user, mode=Mode.SUBMIT), "queued_at"),
    )
    grouped = [
        rows.filter(**{f"{column}__gte": since})
        .annotate(day=TruncDate(column))
        .values("day")
        .annotate(n=Count("id"), source=Value(name, output_field=CharField()))
        .values_list("source", "day", "n")
        .order_by()
        for name, rows, column in sources
    ]
    per_day: dict[str, dict[Any, int]] = {name: {} for name, _, _ in sources}
    for name, day, n in grouped[0].union(*grouped[1:], all=True):  # one query
        per_day[name][day] = n
    days = {day for counts in per_day.values() for day in counts}
    buckets = []
    for index in range(weeks):
        start = first + dt.timedelta(days=7 * index)
        span = [start + dt.timedelta(days=d) for d in range(7)]
        buckets.append(
            ActivityWeek(
                start=start,
                **{
                    name: sum(counts.get(day, 0) for day in span)
                    for name, counts in per_day.items()
                },
            )
        )
    streak, day = 0, today if today in days else today - dt.timedelta(days=1)
    while day in days:
        streak += 1
        day -= dt.timedelta(days=1)
    return Activity(weeks=buckets, streak=streak, active_days=len(days))


@dataclass(frozen=True)
class ContinueItem:
    kind: str  # reading, quiz, exercise (the icon's name)
    title: str
    url: str
    context: str  # where it belongs: the course and module, or the quiz's deadline


def continue_items(*, user, outlines: list[CourseOutline]) -> list[ContinueItem]:
    """What to pick up again: the quiz attempt left open, the code exercise started but
    not solved (the most recent), and each course's next lesson not yet read: two queries
    on top of the outlines the dashboard already has."""
    from django.utils import timezone

    from apps.exercises.models import Exercise, Run
    from apps.exercises.selectors import PUBLISHED as PUBLISHED_EXERCISE
    from apps.exercises.selectors import SOLVED
    from apps.quizzes.models import Attempt, AttemptStatus

    items: list[ContinueItem] = []
    attempt = (
        Attempt.objects.filter(user=user, status=AttemptStatus.IN_PROGRESS)
        .filter(Q(deadline__isnull=True) | Q(deadline__gt=timezone.now()))
        .filter(quiz__status=Status.PUBLISHED)
        .select_related("quiz")
        .order_by("-started_at")
        .first()
    )
    if attempt is not None:
        items.append(
            ContinueItem(
                kind="quiz",
                title=attempt.quiz.title,
                url=attempt.get_absolute_url(),
                context=f"Attempt {attempt.number}, not submitted yet",
            )
        )
    solved = Run.objects.filter(SOLVED, user=user).values("exercise_id")
    run = (
        Run.objects.filter(user=user)
        .filter(exercise__in=Exercise.objects.filter(PUBLISHED_EXERCISE))
        .exclude(exercise_id__in=solved)
        .select_related("exercise__lesson__module")
        .order_by("-queued_at")
        .first()
    )
    if run is not None:
        exercise = run.exercise
        items.append(
            ContinueItem(
                kind="exercise",
                title=exercise.title,
                url=exercise.get_absolute_url(),
                context=f"Code exercise · {exercise.lesson.module.title}, not solved yet",
            )
        )
    for outline in outlines:
        for entry in outline.modules:
            lesson = next((x for x in entry.lessons if x.id not in outline.completed_ids), None)
            if lesson is not None:
                items.append(
                    ContinueItem(
                        kind="reading",
                        title=lesson.title,
                        url=lesson.get_absolute_url(),
                        context=f"Next lesson · {outline.course.title} · {entry.module.title}",
                    )
                )
                break
    return items
