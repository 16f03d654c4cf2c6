"""Code labs in the admin: a record to look at, plus ending labs left running.

Labs are started and run from the host's board (the services keep their rules), so the
admin adds and changes nothing by hand; its one action ends labs through the service.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from apps.classes.selectors import sees_every_class
from apps.core.errors import ApplicationError
from apps.labs import services
from apps.labs.models import Lab, LabExercise, LabHint, LabLearner, LabStatus


class ReadOnlyAdminMixin:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class LabExerciseInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = LabExercise
    fields = ("position", "exercise", "solution_unlocked_at")
    readonly_fields = fields
    extra = 0
    can_delete = False


class LabLearnerInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = LabLearner
    fields = ("user", "joined_at")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Lab)
class LabAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("code", "title", "host", "status", "learner_count", "started_at")
    list_filter = ("status",)
    search_fields = ("code", "title", "host__username")
    list_select_related = ("host",)
    date_hierarchy = "created_at"
    inlines = (LabExerciseInline, LabLearnerInline)
    readonly_fields = (
        "code", "title", "host", "status", "stuck_minutes", "stuck_failures", "pause_message",
        "seq", "board_seq", "created_at", "started_at", "paused_at", "paused_seconds",
        "ended_at",
    )  # fmt: skip
    fields = readonly_fields
    actions = ("end_labs",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Lab]:
        """Platform staff see every lab; an instructor with admin access, their own."""
        rows = super().get_queryset(request).annotate(learner_total=Count("learners"))
        if not sees_every_class(request.user):
            rows = rows.filter(host_id=request.user.pk)
        return rows

    @admin.display(description="Learners", ordering="learner_total")
    def learner_count(self, obj: Lab) -> int:
        return getattr(obj, "learner_total", 0)

    @admin.action(description="End the selected labs")
    def end_labs(self, request: HttpRequest, queryset: QuerySet[Lab]) -> None:
        ended = 0
        for lab in queryset.exclude(status=LabStatus.ENDED):
            try:
                services.lab_end(lab_id=lab.pk, user=request.user)
            except ApplicationError as exc:
                self.message_user(request, f"{lab.code}: {exc.message}", messages.ERROR)
                continue
            ended += 1
        self.message_user(request, f"{ended} lab(s) ended.", messages.SUCCESS)


@admin.register(LabHint)
class LabHintAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("lab", "learner", "created_at")
    search_fields = ("lab__code", "text")
    list_select_related = ("lab", "learner__user")
    readonly_fields = ("lab", "learner", "text", "seq", "created_at")
    fields = readonly_fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[LabHint]:
        rows = super().get_queryset(request)
        if not sees_every_class(request.user):
            rows = rows.filter(lab__host_id=request.user.pk)
        return rows
