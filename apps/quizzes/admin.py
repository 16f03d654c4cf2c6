"""Quiz authoring: quizzes with their questions inline, questions with their choices
inline, validation before saving, and per-question statistics drawn as a chart."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from apps.core.admin_labels import LabelledAdminMixin, LabelledTabularInline
from apps.quizzes import selectors, services
from apps.quizzes.models import Attempt, Choice, Question, Quiz


class ChoiceFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        kept = [
            form.instance
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE", False)
        ]
        for form in self.forms:
            if form.cleaned_data and not form.cleaned_data.get("DELETE", False):
                form.instance.is_correct = form.cleaned_data.get("is_correct", False)
        try:
            services.question_check(self.instance, kept)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc


class ChoiceInline(LabelledTabularInline):
    model = Choice
    formset = ChoiceFormSet
    fields = ("order", "text", "is_correct", "feedback")
    extra = 0
    ordering = ("order", "id")


class QuestionInline(admin.StackedInline):
    model = Question
    fields = ("order", "key", "type", "prompt_md", "points")
    extra = 0
    show_change_link = True
    ordering = ("order", "id")


@admin.register(Quiz)
class QuizAdmin(LabelledAdminMixin, admin.ModelAdmin):
    list_display = (
        "title",
        "course",
        "module",
        "kind",
        "status",
        "pass_mark",
        "attempts_allowed",
        "time_limit_minutes",
    )
    list_filter = ("course", "kind", "status", "reveal")
    search_fields = ("title",)
    inlines = (QuestionInline,)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        instances = formset.save(commit=False)
        for question in instances:
            if isinstance(question, Question):
                services.question_render(question)
            question.save()
        for obj in formset.deleted_objects:
            obj.delete()
        services.quiz_content_changed()

    def save_model(self, request: HttpRequest, obj: Quiz, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        services.quiz_content_changed()


@admin.register(Question)
class QuestionAdmin(LabelledAdminMixin, admin.ModelAdmin):
    list_display = ("key", "quiz", "type", "points", "order", "retired")
    list_filter = ("quiz__course", "quiz", "type", "retired")
    search_fields = ("key", "prompt_md")
    inlines = (ChoiceInline,)
    readonly_fields = ("statistics",)
    fieldsets = (
        (None, {"fields": ("quiz", "key", "type", "order", "points", "retired")}),
        ("Question", {"fields": ("prompt_md", "explanation_md")}),
        ("Answer key", {"fields": (
            "scoring", "true_false_answer", "numeric_answer", "tolerance", "accepted_answers",
        )}),
        ("Statistics", {"fields": ("statistics",)}),
    )  # fmt: skip

    def save_model(self, request: HttpRequest, obj: Question, form: Any, change: bool) -> None:
        services.question_render(obj)
        super().save_model(request, obj, form, change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        for choice_form in formset.forms:
            if choice_form.cleaned_data and not choice_form.cleaned_data.get("DELETE", False):
                services.choice_render(choice_form.instance)
        super().save_formset(request, form, formset, change)
        services.quiz_content_changed()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        question = form.instance
        if not any(getattr(fs, "model", None) is Choice for fs in formsets):
            services.question_check(question, list(question.choices.all()))

    @admin.display(description="Item statistics")
    def statistics(self, obj: Question) -> SafeString:
        if not obj.pk:
            return mark_safe("<p>Saved questions show statistics here.</p>")
        stats = selectors.question_stats(obj)
        top = max([count for _, count, _ in stats.picks] + [1])
        rows = [
            {"text": text, "count": count, "correct": correct, "width": round(300 * count / top)}
            for text, count, correct in stats.picks
        ]
        return render_to_string("admin/quizzes/question_stats.html", {"stats": stats, "rows": rows})


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    list_display = (
        "quiz",
        "user",
        "number",
        "status",
        "percent",
        "passed",
        "started_at",
        "submitted_at",
    )
    list_filter = ("quiz__course", "quiz", "status", "passed")
    search_fields = ("user__username", "quiz__title")
    list_select_related = ("quiz", "user")
    readonly_fields = [f.name for f in Attempt._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
