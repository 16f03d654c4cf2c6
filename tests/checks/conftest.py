from __future__ import annotations

import pytest

from apps.checks.models import LessonCheck
from apps.courses import services
from tests.factories import LessonFactory

BODY = """## Threads

Some text about threads.

```check
key: pick-one
type: single_choice
prompt: Which one is *right*?
choices:
  - text: Wrong A
    feedback: FEEDBACK-A-SECRET
  - text: Right B
    correct: true
    feedback: FEEDBACK-B-SECRET
  - text: Wrong C
explanation: EXPLANATION-ONE-SECRET
```

## Processes

```check
key: pick-many
type: multiple_choice
prompt: Pick all that apply.
choices:
  - text: Yes 1
    correct: true
  - text: No 2
  - text: Yes 3
    correct: true
explanation: EXPLANATION-TWO-SECRET
```

```check
key: yes-or-no
type: true_false
prompt: Threads share memory.
answer: true
explanation: EXPLANATION-THREE-SECRET
```

```check
key: a-number
type: numeric
prompt: How much is 1.5 + 1.5?
answer: 3
tolerance: 0.01
explanation: EXPLANATION-FOUR-SECRET
```

```check
key: a-word
type: short_text
prompt: Name the lock.
accepted: [GIL, global interpreter lock]
explanation: EXPLANATION-FIVE-SECRET
```

The end.
"""

SECRETS = [
    "pick-one", "pick-many", "yes-or-no", "a-number", "a-word", "FEEDBACK-A-SECRET",
    "FEEDBACK-B-SECRET", "EXPLANATION-ONE-SECRET", "EXPLANATION-TWO-SECRET",
    "EXPLANATION-THREE-SECRET", "EXPLANATION-FOUR-SECRET", "EXPLANATION-FIVE-SECRET",
    "global interpreter lock", "type: single_choice", "Correct</span>", "is-correct",
]  # fmt: skip


@pytest.fixture
def lesson(db):
    lesson = LessonFactory(body_md="## Start\n\nText.\n")
    lesson.body_md = BODY
    services.lesson_save(lesson=lesson)
    return lesson


def right_answer(item: LessonCheck) -> dict:
    """The correct response to a check, from its answer key."""
    right = [c.pk for c in item.choices.all() if c.is_correct]
    return {
        "single_choice": lambda: {"choice": right[0]},
        "multiple_choice": lambda: {"choices": right},
        "true_false": lambda: {"value": item.true_false_answer},
        "numeric": lambda: {"value": str(item.numeric_answer)},
        "short_text": lambda: {"text": item.accepted_answers[0]},
        "ordering": lambda: {"order": [c.pk for c in item.choices.order_by("order", "id")]},
    }[item.type]()


def solve_checks(user, lesson) -> None:
    """Answer every check of ``lesson`` correctly, as ``user`` (so it may be completed)."""
    from apps.checks import services as check_services

    for item in LessonCheck.objects.filter(lesson=lesson).prefetch_related("choices"):
        check_services.check_answer(user=user, check_id=item.pk, response=right_answer(item))


def check(lesson, key: str) -> LessonCheck:
    return LessonCheck.objects.prefetch_related("choices").get(lesson=lesson, key=key)


def choice_id(lesson, key: str, text: str) -> int:
    return check(lesson, key).choices.get(text=text).pk
