"""How a live answer scores (shown to players on the join page and in docs/live.md).

    points = round(1000 × fraction × (1 − elapsed / (2 × limit)))   (0 when wrong)
    accuracy only: points = round(1000 × fraction), whatever the time
    streak bonus = 100 × (streak − 1), at most 500, for each fully correct answer in a row

``fraction`` is the quiz grading's credit for the answer (1 for right, partial credit
for multiple choice where the question allows it). An instant right answer earns 1000,
one at the buzzer 500. A fully correct answer extends the streak; a wrong, partial or
missing answer resets it. Voided (skipped) questions score nothing and leave streaks.
``limit`` is the player's own: the question's time plus any extra time the host gave
them, so a player with extra time is scored on their own time scale.
"""

from __future__ import annotations

from decimal import Decimal

BASE_POINTS = 1000
STREAK_STEP = 100
STREAK_CAP = 500


def answer_points(
    *, fraction: Decimal, elapsed_ms: int, limit_ms: int, accuracy_only: bool = False
) -> int:
    if fraction <= 0 or limit_ms <= 0:
        return 0
    if accuracy_only:
        return round(BASE_POINTS * float(fraction))
    elapsed = min(max(elapsed_ms, 0), limit_ms)
    speed = 1 - elapsed / (2 * limit_ms)
    return round(BASE_POINTS * float(fraction) * speed)


def streak_bonus(streak: int) -> int:
    """Bonus for an answer that makes the streak ``streak`` long (1 = first in a row)."""
    return min(STREAK_STEP * max(streak - 1, 0), STREAK_CAP)
