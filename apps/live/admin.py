"""Live sessions in the admin: a record to look at, not to edit.

Sessions are created from a quiz page and run from the host screen (the services keep
their rules: one code per running session, scores from the server's clock), so the
admin adds and changes nothing by hand; it lists, searches and shows. Its actions
call the same services as the host screen and the APIs (staff may give a player extra
time, or shuffle a session's players into teams while it is in the lobby).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest

from apps.core.errors import ApplicationError
from apps.live import services
from apps.live.models import LiveAnswer, LivePlayer, LiveSession, LiveTeam


class ReadOnlyAdminMixin:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class LiveTeamInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = LiveTeam
    fields = ("name", "position")
    readonly_fields = fields
    extra = 0
    can_delete = False


class LivePlayerInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = LivePlayer
    fields = (
        "nickname", "user", "team", "score", "correct_count", "streak", "extra_percent",
        "extra_seconds", "first_index", "removed", "joined_at",
    )  # fmt: skip
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
    inlines = (LiveTeamInline, LivePlayerInline)
    readonly_fields = (
        "code", "quiz", "host", "status", "scoring_mode", "max_players", "seconds_per_question",
        "question_ids", "index", "round", "grace_ms", "skipped", "seq", "created_at",
        "started_at", "ended_at",
    )  # fmt: skip
    fields = readonly_fields
    actions = ("shuffle_into_two_teams",)

    @admin.action(description="Shuffle the players into two teams (in the lobby)")
    def shuffle_into_two_teams(self, request: HttpRequest, queryset: QuerySet[LiveSession]) -> None:
        _each(self, request, queryset, lambda s: services.teams_shuffle(
            session_id=s.pk, user=request.user, count=2
        ))  # fmt: skip

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
    list_display = (
        "nickname", "session", "user", "team", "score", "correct_count", "extra_time", "removed",
    )  # fmt: skip
    list_filter = ("removed",)
    search_fields = ("nickname", "session__code", "user__username")
    list_select_related = ("session__quiz", "user", "team")
    readonly_fields = (
        "session", "user", "nickname", "team", "score", "streak", "correct_count",
        "extra_percent", "extra_seconds", "first_index", "removed", "joined_at",
    )  # fmt: skip
    fields = readonly_fields  # never the secret's or the browser id's hash
    actions = ("give_half_more_time", "remove_extra_time")

    @admin.display(description="Extra time")
    def extra_time(self, obj: LivePlayer) -> str:
        parts = [f"+{obj.extra_percent}%"] if obj.extra_percent else []
        parts += [f"+{obj.extra_seconds} s"] if obj.extra_seconds else []
        return " ".join(parts) or "–"

    def _extra(self, request: HttpRequest, queryset: QuerySet[LivePlayer], percent: int) -> None:
        _each(self, request, queryset, lambda p: services.player_extra_time_set(
            session_id=p.session_id, user=request.user, player_id=p.pk,
            extra_percent=percent, extra_seconds=0,
        ))  # fmt: skip

    @admin.action(description="Give +50%% time on each question (between questions)")
    def give_half_more_time(self, request: HttpRequest, queryset: QuerySet[LivePlayer]) -> None:
        self._extra(request, queryset, 50)

    @admin.action(description="Remove extra time")
    def remove_extra_time(self, request: HttpRequest, queryset: QuerySet[LivePlayer]) -> None:
        self._extra(request, queryset, 0)


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


def _each(model_admin: admin.ModelAdmin, request: HttpRequest, queryset: Any, call: Any) -> None:
    """Call a service for each selected row; refusals come back as messages."""
    done = 0
    for obj in queryset:
        try:
            call(obj)
        except ApplicationError as exc:
            model_admin.message_user(request, f"{obj}: {exc.message}", messages.ERROR)
        else:
            done += 1
    if done:
        model_admin.message_user(request, f"Done for {done}.", messages.SUCCESS)
