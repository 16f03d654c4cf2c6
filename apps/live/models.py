"""Live quiz sessions: a host runs a quiz for a room; players answer in real time.

The database is the source of truth and the server the only clock: a question's
deadline is stored, answers after it are refused, and ``seq`` numbers every state
change so clients can detect a missed broadcast and ask for the current state.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

# No 0/O, 1/I/L, 2/Z, 5/S, 8/B: codes read out loud or off a projector stay unambiguous.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 6


class SessionStatus(models.TextChoices):
    LOBBY = "lobby", "Lobby"
    QUESTION = "question", "Question open"
    PAUSED = "paused", "Paused"
    REVIEW = "review", "Answer revealed"
    ENDED = "ended", "Ended"


ACTIVE_STATUSES = (
    SessionStatus.LOBBY,
    SessionStatus.QUESTION,
    SessionStatus.PAUSED,
    SessionStatus.REVIEW,
)


class LiveSession(models.Model):
    code = models.CharField(max_length=CODE_LENGTH, db_index=True)
    quiz = models.ForeignKey("quizzes.Quiz", on_delete=models.PROTECT, related_name="live_sessions")
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hosted_live_sessions"
    )
    status = models.CharField(
        max_length=10, choices=SessionStatus.choices, default=SessionStatus.LOBBY
    )
    max_players = models.PositiveIntegerField()
    seconds_per_question = models.PositiveSmallIntegerField(default=20)
    question_ids = models.JSONField(default=list)
    # Index into question_ids of the current (or last) question; -1 in the lobby.
    index = models.IntegerField(default=-1)
    # Bumped whenever a question opens or resumes: a deadline timer carries the round it
    # was set for, so a stale timer (after a pause, a skip or a reveal) does nothing.
    round = models.PositiveIntegerField(default=0)
    question_opened_at = models.DateTimeField(null=True, blank=True)
    deadline = models.DateTimeField(null=True, blank=True)
    paused_remaining_ms = models.PositiveIntegerField(null=True, blank=True)
    # Milliseconds of the current question already used before the latest resume.
    elapsed_before_ms = models.PositiveIntegerField(default=0)
    skipped = models.JSONField(default=list, help_text="Indexes of voided questions.")
    seq = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        permissions = [("host_large_session", "Can host live sessions with many players")]
        constraints = [
            # A code names one session while that session is running.
            models.UniqueConstraint(
                fields=["code"],
                condition=~models.Q(status="ended"),
                name="live_code_unique_while_active",
            ),
            models.CheckConstraint(
                condition=models.Q(seconds_per_question__gte=5, seconds_per_question__lte=300),
                name="live_seconds_per_question_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.quiz}"

    def get_absolute_url(self) -> str:
        return reverse("live:play", kwargs={"code": self.code})

    @property
    def question_count(self) -> int:
        return len(self.question_ids)


class LivePlayer(models.Model):
    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="players")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="live_players",
    )
    nickname = models.CharField(max_length=24)
    # sha256 of the secret a guest's browser holds to reconnect as this player.
    secret_hash = models.CharField(max_length=64)
    score = models.IntegerField(default=0)
    streak = models.PositiveIntegerField(default=0)
    correct_count = models.PositiveIntegerField(default=0)
    removed = models.BooleanField(default=False)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-score", "joined_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "nickname"], name="live_nickname_unique_in_session"
            ),
            models.UniqueConstraint(
                fields=["session", "user"],
                condition=models.Q(user__isnull=False),
                name="live_one_player_per_user",
            ),
        ]
        indexes = [models.Index(fields=["session", "-score"], name="live_player_rank_idx")]

    def __str__(self) -> str:
        return self.nickname


class LiveAnswer(models.Model):
    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="answers")
    player = models.ForeignKey(LivePlayer, on_delete=models.CASCADE, related_name="answers")
    index = models.PositiveSmallIntegerField()
    question = models.ForeignKey("quizzes.Question", on_delete=models.PROTECT, related_name="+")
    response = models.JSONField()
    correct = models.BooleanField()
    fraction = models.DecimalField(max_digits=5, decimal_places=4)
    points = models.PositiveIntegerField()
    elapsed_ms = models.PositiveIntegerField()
    key = models.CharField(max_length=64, help_text="The client's idempotency key.")
    answered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session", "index", "answered_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["player", "index"], name="live_one_answer_per_question"
            ),
            models.UniqueConstraint(fields=["player", "key"], name="live_answer_key_unique"),
        ]
        indexes = [models.Index(fields=["session", "index"], name="live_answer_question_idx")]

    def __str__(self) -> str:
        return f"{self.player} · Q{self.index + 1}"
