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


def check(lesson, key: str) -> LessonCheck:
    return LessonCheck.objects.prefetch_related("choices").get(lesson=lesson, key=key)


def choice_id(lesson, key: str, text: str) -> int:
    return check(lesson, key).choices.get(text=text).pk
