"""Course → Module → Lesson, and learners' progress.

Rendered HTML is stored (``*_html``) and written only by the services when the
Markdown changes; templates never render Markdown per request.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Q
from django.urls import reverse


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class Course(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=300, blank=True)
    description_md = models.TextField("description (Markdown)", blank=True)
    description_html = models.TextField(editable=False, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    order = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", editable=False,
    )  # fmt: skip

    class Meta:
        ordering = ["order", "title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("courses:course", kwargs={"course": self.slug})


class Module(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="modules")
    slug = models.SlugField(max_length=80)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    order = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["course", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["course", "slug"], name="module_slug_unique_in_course"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return (
            reverse("courses:course", kwargs={"course": self.course.slug}) + f"#module-{self.slug}"
        )


class Lesson(models.Model):
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="lessons")
    slug = models.SlugField(max_length=80)
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=400, blank=True)
    objectives = models.JSONField(
        default=list, blank=True, help_text="A list of learning objectives."
    )
    takeaways = models.JSONField(default=list, blank=True, help_text="A list of key takeaways.")
    body_md = models.TextField("body (Markdown)")
    body_html = models.TextField(editable=False, blank=True)
    toc = models.JSONField(default=list, editable=False, blank=True)
    word_count = models.PositiveIntegerField(default=0, editable=False)
    reading_minutes = models.PositiveIntegerField(default=0, editable=False)
    run_blocks = models.JSONField(
        default=list,
        editable=False,
        blank=True,
        help_text="The body's runnable examples (```python run), in order: "
        "[{index, language, code, line, hash}].",
    )
    related_matrix = models.JSONField(
        default=list, blank=True, help_text="Slugs of matrix categories this lesson informs."
    )
    platform_links = models.JSONField(
        default=list, blank=True,
        help_text='Where the platform does what the lesson teaches: [{"label": …, "url": "/…"}].',
    )  # fmt: skip
    order = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    source_path = models.CharField(max_length=300, blank=True, editable=False)
    source_hash = models.CharField(max_length=64, blank=True, editable=False)
    search_vector = SearchVectorField(null=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", editable=False,
    )  # fmt: skip

    class Meta:
        ordering = ["module", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["module", "slug"], name="lesson_slug_unique_in_module"),
        ]
        # The GIN index on search_vector is created by a PostgreSQL-only migration.
        indexes = [models.Index(fields=["status"], name="lesson_status_idx")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        # A URL primed by ``prime_lesson_urls`` (lists of lessons) or reversed here.
        url = self.__dict__.get("_url")
        if url is None:
            url = reverse(
                "courses:lesson",
                kwargs={
                    "course": self.module.course.slug,
                    "module": self.module.slug,
                    "lesson": self.slug,
                },
            )
        return url


def lesson_url_prefix(course_slug: str, module_slug: str) -> str:
    """The part of a lesson's URL before its own slug: one ``reverse()`` per module.

    A lesson's URL is that prefix, its slug and a slash (the pattern ends with
    ``<slug:lesson>/``, and slugs need no quoting); tests/courses compare the two.
    """
    url = reverse(
        "courses:lesson", kwargs={"course": course_slug, "module": module_slug, "lesson": "x"}
    )
    if not url.endswith("/x/"):  # the pattern changed: fail loudly, never build wrong URLs
        raise ImproperlyConfigured(f"unexpected lesson URL shape: {url}")
    return url[:-2]


def prime_lesson_urls(lessons: Iterable[Lesson], *, course_slug: str, module_slug: str) -> None:
    """Give every lesson of one module its URL without a ``reverse()`` each."""
    prefix = lesson_url_prefix(course_slug, module_slug)
    for lesson in lessons:
        lesson.__dict__["_url"] = f"{prefix}{lesson.slug}/"


class LessonProgress(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_progress"
    )
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="progress")
    completed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson"], name="progress_once_per_lesson"),
        ]
        indexes = [models.Index(fields=["user", "completed_at"], name="progress_user_time_idx")]

    def __str__(self) -> str:
        return f"{self.user} completed {self.lesson}"


PUBLISHED_LESSON = Q(
    status=Status.PUBLISHED,
    module__status=Status.PUBLISHED,
    module__course__status=Status.PUBLISHED,
)
