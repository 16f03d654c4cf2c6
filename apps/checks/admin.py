"""Authoring checks: inline on their lesson (prompt, type, answer key, explanation) and
on their own page with their choices inline. Every save is validated as a quiz question
(``apps.quizzes.services.question_check``) and re-rendered."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from apps.checks.models import LessonCheck, LessonCheckChoice
from apps.checks.services import _as_question
from apps.core import content_version
from apps.core.admin_labels import LabelledAdminMixin, LabelledTabularInline
from apps.quizzes import services as quiz_services


class CheckChoiceFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        kept = []
        for form in self.forms:
            if form.cleaned_data and not form.cleaned_data.get("DELETE", False):
                form.instance.is_correct = form.cleaned_data.get("is_correct", False)
                kept.append(form.instance)
        try:
            quiz_services.question_check(_as_question(self.instance), kept)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc


class LessonCheckChoiceInline(LabelledTabularInline):
    model = LessonCheckChoice
    formset = CheckChoiceFormSet
    fields = ("order", "text", "is_correct", "feedback")
    extra = 0
    ordering = ("order", "id")


class LessonCheckFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE", False):
                continue
            check = form.instance
            choices = list(check.choices.all()) if check.pk else []
            try:
                quiz_services.question_check(_as_question(check), choices)
            except ValidationError as exc:
                raise ValidationError(f"Check {check.key}: {' '.join(exc.messages)}") from exc


class LessonCheckInline(admin.StackedInline):
    """On the lesson page: each check's question and answer key (choices: its own page)."""

    model = LessonCheck
    formset = LessonCheckFormSet
    fields = (
        ("position", "key", "type"), "prompt_md", "explanation_md",
        ("true_false_answer", "numeric_answer", "tolerance"), "accepted_answers",
    )  # fmt: skip
    extra = 0
    show_change_link = True
    ordering = ("position", "id")
    verbose_name = "check"
    verbose_name_plural = "checks in this lesson (written as ```check blocks in the body)"


def save_check_formset(formset: Any) -> None:
    """Save the Checks inline of a lesson (validated by its formset): render, invalidate."""
    for check in formset.save(commit=False):
        quiz_services.question_render(_as_question(check))
        check.save()
    for obj in formset.deleted_objects:
        obj.delete()
    content_version.bump()


@admin.register(LessonCheck)
class LessonCheckAdmin(LabelledAdminMixin, admin.ModelAdmin):
    list_display = ("key", "lesson", "type", "position")
    list_filter = ("type", "lesson__module")
    list_select_related = ("lesson",)
    search_fields = ("key", "prompt_md", "lesson__title")
    inlines = (LessonCheckChoiceInline,)
    fieldsets = (
        (None, {"fields": ("lesson", "key", "type", "position")}),
        ("Question", {"fields": ("prompt_md", "explanation_md")}),
        ("Answer key", {"fields": (
            "scoring", "true_false_answer", "numeric_answer", "tolerance", "accepted_answers",
        )}),
    )  # fmt: skip
    raw_id_fields = ("lesson",)

    def save_model(self, request: HttpRequest, obj: LessonCheck, form: Any, change: bool) -> None:
        quiz_services.question_render(_as_question(obj))
        super().save_model(request, obj, form, change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        for choice_form in formset.forms:
            if choice_form.cleaned_data and not choice_form.cleaned_data.get("DELETE", False):
                quiz_services.choice_render(choice_form.instance)
        super().save_formset(request, form, formset, change)
        content_version.bump()
