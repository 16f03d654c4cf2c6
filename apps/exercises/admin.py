"""Exercise authoring: exercises with a prompt preview, validation on save (tests parse
and define tests, the time limit is 1–5 s), the expected values recorded on save from
the reference solution in the sandbox (refused with the reason when a probe cannot grade
fairly), and a *Check* action that records them afresh and grades the reference and the
starter against every test. Runs are read-only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.models import construct_instance
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString

from apps.core.admin_labels import LabelledAdminMixin
from apps.exercises import services
from apps.exercises.models import Exercise, Run, Status

CODE_ATTRS = {"rows": 14, "cols": 100, "spellcheck": "false", "class": "vLargeTextField"}


class ExerciseForm(forms.ModelForm):
    class Meta:
        model = Exercise
        fields = "__all__"  # noqa: DJ007  (the admin shows every authoring field)
        widgets = {
            name: forms.Textarea(attrs=CODE_ATTRS)
            for name in ("starter_code", "solution_code", "test_visible", "test_hidden")
        }

    def clean(self) -> dict[str, Any] | None:
        """Validate, then record what the reference gives every check (in the sandbox)
        when the reference or the tests changed: those are the expected values."""
        cleaned = super().clean()
        if self.errors:
            return cleaned
        probe = construct_instance(self, Exercise())
        try:
            services.exercise_render(probe)
        except ValidationError as exc:
            for name, problems in exc.message_dict.items():
                self.add_error(name if name in self.fields else None, problems)
            return cleaned
        probe.expected_json = self.instance.expected_json if self.instance.pk else ""
        self.recorded = ""  # a note for the author, shown after saving
        if services.exercise_expectations(probe) is None:
            report = services.exercise_expectations_record(probe)
            if report.refused:
                if probe.status == Status.PUBLISHED:
                    self.add_error(
                        "status",
                        "The tests' expected values could not be recorded, so learners' code "
                        f"could not be graded: {report.refused} Save it as a draft for now.",
                    )
                else:
                    probe.expected_json = ""
                    self.recorded = (
                        "The expected values could not be recorded here "
                        f"({report.refused}); publish it where the sandbox runs."
                    )
            elif report.problems:
                for problem in report.problems:
                    field = (
                        "test_hidden" if problem.startswith("test_hidden.py") else "test_visible"
                    )
                    self.add_error(field, problem)
            else:
                self.recorded = "The expected values were recorded from the reference solution."
        self.expected_json = probe.expected_json
        return cleaned


@admin.register(Exercise)
class ExerciseAdmin(LabelledAdminMixin, admin.ModelAdmin):
    form = ExerciseForm
    list_display = (
        "title", "slug", "lesson", "difficulty", "status", "order", "visible_test_count",
        "hidden_test_count",
    )  # fmt: skip
    list_filter = ("status", "difficulty", "lesson__module")
    search_fields = ("title", "slug", "summary")
    list_select_related = ("lesson",)
    readonly_fields = ("prompt_preview", "visible_test_count", "hidden_test_count",
                       "expected_preview", "source_hash")  # fmt: skip
    fieldsets = (
        (None, {"fields": ("title", "slug", "lesson", "summary", "difficulty", "order",
                           "time_limit_seconds", "status")}),
        ("Prompt", {"fields": ("prompt_md", "prompt_preview")}),
        ("Code", {"fields": ("starter_code", "solution_code")}),
        ("Tests", {"fields": ("test_visible", "test_hidden", "visible_test_count",
                              "hidden_test_count", "expected_preview")}),
        ("Import", {"fields": ("source_hash",), "classes": ("collapse",)}),
    )  # fmt: skip
    actions = ("check_exercises",)

    @admin.display(description="Prompt as learners see it")
    def prompt_preview(self, obj: Exercise) -> SafeString:
        if not obj.pk:
            return format_html("<p>{}</p>", "Saved exercises show their rendered prompt here.")
        # Stored HTML, rendered and sanitised by apps.core.markdown when it was saved.
        return format_html('<div class="prose">{}</div>', SafeString(obj.prompt_html))

    @admin.display(description="Expected values (recorded from the reference)")
    def expected_preview(self, obj: Exercise) -> SafeString:
        if not obj.pk or not obj.expected_json:
            return format_html("<p>{}</p>", "Recorded when the exercise is saved.")
        current = services.exercise_expectations(obj) is not None
        state = "current" if current else "OUT OF DATE: save the exercise to record them again"
        return format_html("<p>{}</p><pre>{}</pre>", state, obj.expected_json[:20000])

    def save_model(self, request: HttpRequest, obj: Exercise, form: Any, change: bool) -> None:
        services.exercise_render(obj)
        obj.expected_json = getattr(form, "expected_json", obj.expected_json)
        super().save_model(request, obj, form, change)
        services.exercise_content_changed()
        if getattr(form, "recorded", ""):
            self.message_user(request, form.recorded, messages.INFO)

    def delete_model(self, request: HttpRequest, obj: Exercise) -> None:
        super().delete_model(request, obj)
        services.exercise_content_changed()

    @admin.action(description="Check: run the reference and the starter against every test")
    def check_exercises(self, request: HttpRequest, queryset: QuerySet[Exercise]) -> None:
        for exercise in queryset[:20]:
            report = services.exercise_check(exercise)
            self.message_user(
                request,
                f"{exercise.slug}: {report.summary}",
                messages.SUCCESS if report.ok else messages.ERROR,
            )
        if queryset.count() > 20:
            self.message_user(request, "Only the first 20 were checked.", messages.WARNING)


@admin.register(Run)
class RunAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "exercise", "mode", "status", "passed", "total", "queued_at",
                    "duration_ms")  # fmt: skip
    list_filter = ("status", "mode", "exercise")
    search_fields = ("user__username", "exercise__slug")
    list_select_related = ("user", "exercise")
    date_hierarchy = "queued_at"
    readonly_fields = [f.name for f in Run._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
