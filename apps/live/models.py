"""Live quiz sessions: a host runs a quiz for a room; players answer in real time.

The database is the source of truth and the server the only clock: a question's
deadline is stored, answers after it are refused, and ``seq`` numbers every state
change so clients can detect a missed broadcast and ask for the current state.
"""

from __future__ import annotations

from datetime import datetime, timedelta

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


class ScoringMode(models.TextChoices):
    SPEED = "speed", "Speed and accuracy"
    ACCURACY = "accuracy", "Accuracy only"


# Extra time a host may give one player (for accessibility), per question.
MAX_EXTRA_PERCENT = 200
MAX_EXTRA_SECONDS = 300
MAX_TEAMS = 20
TEAM_NAME_MAX = 30


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
    scoring_mode = models.CharField(
        max_length=10, choices=ScoringMode.choices, default=ScoringMode.SPEED
    )
    question_ids = models.JSONField(default=list)
    # Index into question_ids of the current (or last) question; -1 in the lobby.
    index = models.IntegerField(default=-1)
    # Bumped whenever a question opens or resumes: a deadline timer carries the round it
    # was set for, so a stale timer (after a pause, a skip or a reveal) does nothing.
    round = models.PositiveIntegerField(default=0)
    question_opened_at = models.DateTimeField(null=True, blank=True)
    # The room's deadline: players without extra time answer until then.
    deadline = models.DateTimeField(null=True, blank=True)
    # The longest extra time of a player in the room when the question opened: the
    # question closes at ``deadline + grace_ms`` (the last personal deadline).
    grace_ms = models.PositiveIntegerField(default=0)
    # While paused: the time left until the question closes (``deadline + grace_ms``).
    paused_remaining_ms = models.PositiveIntegerField(null=True, blank=True)
    # Milliseconds of the current question already used before the latest resume (past
    # the room's limit when paused during extra time).
    elapsed_before_ms = models.PositiveIntegerField(default=0)
    skipped = models.JSONField(default=list, help_text="Indexes of voided questions.")
    seq = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        permissions = [("host_large_session", "Can host live sessions with many players")]
        indexes = [
            # The deadline sweep's query: open questions by deadline (a handful of rows).
            models.Index(
                fields=["deadline"],
                condition=models.Q(status="question"),
                name="live_open_deadline_idx",
            ),
        ]
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
            models.CheckConstraint(
                condition=models.Q(scoring_mode__in=["speed", "accuracy"]),
                name="live_scoring_mode_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.quiz}"

    def get_absolute_url(self) -> str:
        return reverse("live:play", kwargs={"code": self.code})

    @property
    def question_count(self) -> int:
        return len(self.question_ids)

    @property
    def questions_played(self) -> int:
        """Questions opened so far (all of them once the game ran to its end), voided ones
        aside: what a player's right answers are out of."""
        return sum(
            1 for i in range(min(self.index + 1, self.question_count)) if i not in self.skipped
        )

    @property
    def accuracy_only(self) -> bool:
        return self.scoring_mode == ScoringMode.ACCURACY

    @property
    def closes_at(self) -> datetime | None:
        """When the open question closes: the last personal deadline."""
        if self.deadline is None:
            return None
        return self.deadline + timedelta(milliseconds=self.grace_ms)


class LiveTeam(models.Model):
    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=TEAM_NAME_MAX)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["session", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "name"], name="live_team_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


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
    # The first question this player plays: a player who joins while a question is
    # open (or revealed) plays from the next one.
    first_index = models.PositiveSmallIntegerField(default=0)
    team = models.ForeignKey(
        LiveTeam, null=True, blank=True, on_delete=models.SET_NULL, related_name="players"
    )
    extra_percent = models.PositiveSmallIntegerField(default=0)
    extra_seconds = models.PositiveSmallIntegerField(default=0)
    # sha256 of the browser id (a signed cookie) the player joined from: a removed
    # guest cannot come back under another nickname from the same browser.
    browser_hash = models.CharField(max_length=64, blank=True, default="")

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
            models.CheckConstraint(
                condition=models.Q(extra_percent__lte=MAX_EXTRA_PERCENT)
                & models.Q(extra_seconds__lte=MAX_EXTRA_SECONDS),
                name="live_player_extra_time_range",
            ),
        ]
        indexes = [
            models.Index(fields=["session", "-score"], name="live_player_rank_idx"),
            # A guest's browser: refused once removed, found again when its join repeats.
            models.Index(
                fields=["session", "browser_hash"],
                condition=~models.Q(browser_hash=""),
                name="live_player_browser_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.nickname

    def extra_ms(self, limit_ms: int) -> int:
        """This player's extra time on a question of ``limit_ms``."""
        return limit_ms * self.extra_percent // 100 + self.extra_seconds * 1000


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
