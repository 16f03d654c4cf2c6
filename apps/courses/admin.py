"""Authoring in the Django admin: inline ordering, preview, publish/unpublish, history.

Saving goes through the course services (render → sanitise → index → invalidate);
the admin never writes rendered HTML itself.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.html import format_html

from apps.core.admin_labels import LabelledAdminMixin, LabelledTabularInline
from apps.courses import selectors, services
from apps.courses.models import Course, Lesson, Module, Status

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class LinesField(forms.CharField):
    """A list of strings edited as one item per line."""

    widget = forms.Textarea(attrs={"rows": 5})

    def prepare_value(self, value: Any) -> str:
        if isinstance(value, list):
            return "\n".join(str(item) for item in value)
        return value or ""

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [line.strip() for line in str(text).splitlines() if line.strip()]


class LessonForm(forms.ModelForm):
    objectives = LinesField(required=False, help_text="One learning objective per line.")
    takeaways = LinesField(required=False, help_text="One key takeaway per line.")
    related_matrix = LinesField(
        required=False, help_text="Matrix category slugs, one per line (e.g. web-frameworks)."
    )

    class Meta:
        model = Lesson
        fields = (
            "module", "title", "slug", "summary", "objectives", "body_md", "takeaways",
            "related_matrix", "platform_links", "order", "status",
        )  # fmt: skip
        widgets = {"body_md": forms.Textarea(attrs={"rows": 28, "class": "vLargeTextField"})}

    def clean_related_matrix(self) -> list[str]:
        slugs = self.cleaned_data["related_matrix"]
        bad = [slug for slug in slugs if not _SLUG.match(slug)]
        if bad:
            raise ValidationError(f"Not slugs: {', '.join(bad)}")
        return slugs

    def clean_body_md(self) -> str:
        from apps.checks.importer import parse_checks
        from apps.courses.errors import ContentError

        body = self.cleaned_data["body_md"]
        try:
            parse_checks(body, "body")
        except ContentError as exc:
            raise ValidationError(f"A check block is not valid: {exc.message}") from exc
        return body

    def clean_platform_links(self) -> list[dict[str, str]]:
        links = self.cleaned_data.get("platform_links") or []
        if not isinstance(links, list):
            raise ValidationError(
                'Enter a list such as [{"label": "Readiness probe", "url": "/readyz"}].'
            )
        for link in links:
            if not (isinstance(link, dict) and set(link) == {"label", "url"}):
                raise ValidationError('Each entry needs exactly a "label" and a "url".')
            if not str(link["url"]).startswith("/") or str(link["url"]).startswith("//"):
                raise ValidationError(
                    f"{link['url']!r} must be a path on this site, starting with '/'."
                )
        return links


class ModuleInline(LabelledTabularInline):
    model = Module
    fields = ("order", "title", "slug", "status")
    extra = 0
    show_change_link = True
    ordering = ("order",)


class LessonInline(LabelledTabularInline):
    model = Lesson
    fields = ("order", "title", "slug", "status", "reading_minutes")
    readonly_fields = ("reading_minutes",)
    extra = 0
    show_change_link = True
    ordering = ("order",)


@admin.register(Course)
class CourseAdmin(LabelledAdminMixin, admin.ModelAdmin):
    list_display = ("title", "status", "order", "updated_at", "updated_by")
    list_filter = ("status",)
    search_fields = ("title", "summary")
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("created_at", "updated_at", "published_at", "updated_by")
    inlines = (ModuleInline,)

    def save_model(self, request: HttpRequest, obj: Course, form: Any, change: bool) -> None:
        services.course_save(course=obj, by=request.user)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        services.content_changed()


@admin.register(Module)
class ModuleAdmin(LabelledAdminMixin, admin.ModelAdmin):
    list_display = ("title", "course", "order", "status", "updated_at")
    list_filter = ("course", "status")
    list_editable = ("order",)
    search_fields = ("title", "summary")
    prepopulated_fields = {"slug": ("title",)}
    inlines = (LessonInline,)
    actions = ("publish", "unpublish")

    def save_model(self, request: HttpRequest, obj: Module, form: Any, change: bool) -> None:
        services.module_save(module=obj)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        # Inline rows change titles, order and status only; the body is edited (and
        # rendered) on the lesson's own page.
        saved = formset.save()
        services.content_changed(lesson_ids=[obj.pk for obj in saved if isinstance(obj, Lesson)])

    @admin.action(description="Publish selected modules", permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet[Module]) -> None:
        changed = services.modules_set_status(modules=queryset, status=Status.PUBLISHED)
        self.message_user(request, f"{changed} module(s) published.", messages.SUCCESS)

    @admin.action(description="Unpublish selected modules", permissions=["change"])
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Module]) -> None:
        changed = services.modules_set_status(modules=queryset, status=Status.DRAFT)
        self.message_user(request, f"{changed} module(s) unpublished.", messages.SUCCESS)


def _preview_note(lesson: Lesson) -> str:
    """One sentence for the preview banner: what the lesson is and whether learners see it."""
    if lesson.status != Status.PUBLISHED:
        return "Preview of a draft lesson: learners cannot see it yet."
    parents = (("module", lesson.module.status), ("course", lesson.module.course.status))
    hidden = [f"its {kind} is a draft" for kind, status in parents if status != Status.PUBLISHED]
    if hidden:
        because = " and ".join(hidden)
        return f"Preview of a published lesson, but {because}: learners cannot see it yet."
    return "Preview of a published lesson: learners see it at its address."


@admin.register(Lesson)
class LessonAdmin(LabelledAdminMixin, admin.ModelAdmin):
    form = LessonForm
    list_display = (
        "title",
        "module",
        "status",
        "order",
        "reading_minutes",
        "updated_at",
        "updated_by",
        "preview_link",
    )
    list_filter = ("status", "module__course", "module")
    list_select_related = ("module", "updated_by")
    search_fields = ("title", "summary", "body_md")
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = (
        "reading_minutes",
        "word_count",
        "created_at",
        "updated_at",
        "published_at",
        "updated_by",
        "source_path",
    )
    actions = ("publish", "unpublish")
    save_on_top = True
    fieldsets = (
        (None, {"fields": ("module", "title", "slug", "summary", "status", "order")}),
        ("Content", {"fields": ("objectives", "body_md", "takeaways")}),
        ("Links", {"fields": ("related_matrix", "platform_links"), "classes": ("collapse",)}),
        ("History", {"fields": readonly_fields}),
    )

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        from apps.checks.admin import LessonCheckInline  # checks read courses, not back

        return [*super().get_inlines(request, obj), LessonCheckInline]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        from apps.checks.admin import save_check_formset
        from apps.checks.models import LessonCheck

        if formset.model is LessonCheck:
            save_check_formset(formset)
        else:
            super().save_formset(request, form, formset, change)

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<int:pk>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="courses_lesson_preview",
            ),
            *super().get_urls(),
        ]

    @admin.display(description="Preview")
    def preview_link(self, obj: Lesson) -> str:
        url = reverse("admin:courses_lesson_preview", args=[obj.pk])
        return format_html('<a href="{}">Preview</a>', url)

    def preview_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The lesson exactly as learners will see it, drafts included (authors only)."""
        lesson = get_object_or_404(Lesson.objects.select_related("module__course"), pk=pk)
        if not self.has_view_permission(request, lesson):
            raise PermissionDenied
        from apps.checks import selectors as check_selectors

        outline = selectors.course_outline(course=lesson.module.course, user=request.user)
        checks = check_selectors.lesson_checks(lesson_id=lesson.pk, user=request.user)
        context = {
            "checks": checks,
            "body_parts": check_selectors.body_parts(lesson.body_html, checks),
            "lesson": lesson,
            "module": lesson.module,
            "course": lesson.module.course,
            "outline": outline,
            "previous": None,
            "next": None,
            "completed": False,
            "platform_links": lesson.platform_links,
            "matrix_links": [],
            "position": lesson.order,
            "preview": True,
            "preview_note": _preview_note(lesson),
        }
        return render(request, "courses/lesson.html", context)

    def save_model(self, request: HttpRequest, obj: Lesson, form: Any, change: bool) -> None:
        # The body's check blocks are synced when the body changed; the Checks inline
        # (saved after this) edits stored checks in place.
        services.lesson_save(
            lesson=obj, by=request.user, sync_checks=not change or "body_md" in form.changed_data
        )

    def response_change(self, request: HttpRequest, obj: Lesson) -> HttpResponse:
        if "_preview" in request.POST:
            return self._redirect_preview(obj)
        return super().response_change(request, obj)

    def response_add(
        self, request: HttpRequest, obj: Lesson, post_url_continue: str | None = None
    ) -> HttpResponse:
        if "_preview" in request.POST:
            return self._redirect_preview(obj)
        return super().response_add(request, obj, post_url_continue)

    def _redirect_preview(self, obj: Lesson) -> HttpResponse:
        from django.shortcuts import redirect

        return redirect("admin:courses_lesson_preview", pk=obj.pk)

    @admin.action(description="Publish selected lessons", permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet[Lesson]) -> None:
        changed = services.lessons_set_status(
            lessons=queryset, status=Status.PUBLISHED, by=request.user
        )
        self.message_user(request, f"{changed} lesson(s) published.", messages.SUCCESS)

    @admin.action(description="Unpublish selected lessons", permissions=["change"])
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Lesson]) -> None:
        changed = services.lessons_set_status(
            lessons=queryset, status=Status.DRAFT, by=request.user
        )
        self.message_user(request, f"{changed} lesson(s) unpublished.", messages.SUCCESS)
