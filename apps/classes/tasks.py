"""The classes' periodic job: thin, service calls only.

``classes.send_reminders`` runs on the default queue every ``CLASS_REMINDERS_INTERVAL``
seconds (15 minutes) from Celery beat in services mode (``CELERY_BEAT_SCHEDULE`` in the
settings, ``make beat``); in embedded mode ``manage.py send_reminders`` runs the same job
from cron. Each run:

1. grades, class by class, the learners' quiz attempts whose time ran out while they were
   away (``services.class_attempts_settle``, over ``apps.quizzes.services.
   attempts_expire_due``): a learner who never came back is graded on what they had
   saved, and the gradebook shows the attempt handed in;
2. e-mails the due-date reminders (``apps.classes.services.reminders_send``): once per
   learner, assignment and due time, whichever worker or command sends it.

Both are idempotent, so the app's Celery defaults fit: ``acks_late`` with
``reject_on_worker_lost`` (a run whose worker died runs again and sends nothing twice).
Nothing depends on one run: a missed or dropped run's work is done by the next one, and
an attempt past its deadline is also graded whenever it is next read.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from celery import shared_task
from django.utils import timezone

from apps.classes import services
from apps.classes.models import AssignmentKind, Classroom, Reminder

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reminded:
    email: str
    username: str
    assignment: str
    classroom: str
    due_at: datetime


@dataclass(frozen=True)
class DueWork:
    expired: int  # quiz attempts graded because their deadline had passed
    reminded: list[Reminded]


def due_work_run(*, now: datetime | None = None) -> DueWork:
    """One run of the periodic job (see the module's docstring)."""
    now = now or timezone.now()
    expired = 0
    quizzing = Classroom.objects.filter(
        assignments__kind=AssignmentKind.QUIZ, assignments__opens_at__lte=now
    ).distinct()
    for classroom in quizzing.order_by("pk"):
        expired += services.class_attempts_settle(classroom=classroom)
    services.reminders_send(now=now)
    # The rows this run claimed (``sent_at`` is the run's ``now``; a reminder whose mail
    # failed was released and is not among them).
    sent = Reminder.objects.filter(sent_at=now).select_related("user", "assignment__classroom")
    reminded = [
        Reminded(
            r.user.email,
            r.user.get_username(),
            r.assignment.title,
            str(r.assignment.classroom),
            r.due_at,
        )
        for r in sent.order_by("due_at", "assignment_id", "user_id")
    ]
    return DueWork(expired, reminded)


@shared_task(
    name="classes.send_reminders",
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    # A class of thousands over a slow mail server takes a while; the Redis visibility
    # timeout (an hour) stays far above this, so a run is never delivered twice.
    soft_time_limit=600,
    time_limit=660,
)
def send_reminders() -> dict[str, int]:
    done = due_work_run()
    logger.info(
        "classes job: %d quiz attempts past their deadline graded, %d reminders sent",
        done.expired,
        len(done.reminded),
    )
    return {"expired": done.expired, "reminded": len(done.reminded)}
