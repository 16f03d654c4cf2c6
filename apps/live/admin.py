"""Live sessions in the admin: a record to look at, not to edit.

Sessions are created from a quiz page and run from the host screen (the services keep
their rules: one code per running session, scores from the server's clock), so the
admin adds and changes nothing; it lists, searches and shows.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest

from apps.live.models import LiveAnswer, LivePlayer, LiveSession


class ReadOnlyAdminMixin:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class LivePlayerInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = LivePlayer
    fields = ("nickname", "user", "score", "correct_count", "streak", "removed", "joined_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ("removed", "-score", "joined_at")


@admin.register(LiveSession)
class LiveSessionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("code", "quiz", "host", "status", "player_count", "created_at")
    list_filter = ("status",)
    search_fields = ("code", "quiz__title", "host__username")
    list_select_related = ("quiz", "host")
    date_hierarchy = "created_at"
    inlines = (LivePlayerInline,)
    readonly_fields = (
        "code", "quiz", "host", "status", "max_players", "seconds_per_question",
        "question_ids", "index", "round", "skipped", "seq", "created_at", "started_at",
        "ended_at",
    )  # fmt: skip
    fields = readonly_fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[LiveSession]:
        return (
            super()
            .get_queryset(request)
            .annotate(player_total=Count("players", filter=Q(players__removed=False)))
        )

    @admin.display(description="Players", ordering="player_total")
    def player_count(self, obj: LiveSession) -> int:
        return getattr(obj, "player_total", 0)


@admin.register(LivePlayer)
class LivePlayerAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("nickname", "session", "user", "score", "correct_count", "removed")
    list_filter = ("removed",)
    search_fields = ("nickname", "session__code", "user__username")
    list_select_related = ("session__quiz", "user")
    readonly_fields = (
        "session", "user", "nickname", "score", "streak", "correct_count", "removed", "joined_at",
    )  # fmt: skip
    fields = readonly_fields  # never the secret's hash


@admin.register(LiveAnswer)
class LiveAnswerAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("player", "session", "question_number", "correct", "points", "elapsed_ms")
    list_filter = ("correct",)
    search_fields = ("session__code", "player__nickname")
    list_select_related = ("player", "session__quiz")
    readonly_fields = (
        "session", "player", "index", "question", "response", "correct", "fraction", "points",
        "elapsed_ms", "key", "answered_at",
    )  # fmt: skip
    fields = readonly_fields

    @admin.display(description="Question", ordering="index")
    def question_number(self, obj: LiveAnswer) -> int:
        return obj.index + 1
