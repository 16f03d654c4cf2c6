"""The classes' periodic job: the ``classes.send_reminders`` task (scheduled by Celery
beat), ``manage.py send_reminders`` (embedded mode), both the same service calls: quiz
attempts past their deadline graded, reminders sent once per due time."""

from __future__ import annotations

import time
from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from apps.classes import services, tasks
from apps.classes.models import Reminder
from apps.quizzes import services as quiz_services
from apps.quizzes.models import Attempt, AttemptStatus
from config.celery import app
from tests.classes.conftest import World
from tests.factories import UserFactory
from tests.quizzes.conftest import perfect_answers


@pytest.fixture
def locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []


def due_soon(world: World, hours: int = 20, **changes):
    data = {
        "title": "Quiz 1",
        "kind": "quiz",
        "quiz_id": world.quiz.pk,
        "opens_at": timezone.now() - timedelta(days=1),
        "due_at": timezone.now() + timedelta(hours=hours),
        "late_policy": "refuse",
    }
    data.update(changes)
    return services.assignment_create(
        user=world.instructor, classroom_id=world.classroom.pk, **data
    )


def run(*args: str) -> str:
    out = StringIO()
    call_command("send_reminders", *args, stdout=out)
    return out.getvalue()


# --------------------------------------------------------------------------- schedule, task


def test_beat_sends_the_task_every_15_minutes_on_the_default_queue():
    app.loader.import_default_modules()
    (entry,) = [e for e in django_settings.CELERY_BEAT_SCHEDULE.values()
                if e["task"] == "classes.send_reminders"]  # fmt: skip
    assert entry["schedule"] == 900
    assert entry["options"]["queue"] == "default"
    assert entry["options"]["expires"] < entry["schedule"]  # a stale run never piles up
    assert app.conf.beat_schedule == django_settings.CELERY_BEAT_SCHEDULE
    task = app.tasks["classes.send_reminders"]
    assert task.run is tasks.send_reminders.run
    assert task.acks_late and task.reject_on_worker_lost
    assert task.time_limit < django_settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]


@pytest.mark.django_db
def test_the_task_calls_the_services(world, locmem, monkeypatch):
    due_soon(world)
    calls = []
    reminders_send = services.reminders_send
    settle = services.class_attempts_settle

    def spy_send(**kwargs):
        calls.append(("reminders_send", kwargs))
        return reminders_send(**kwargs)

    def spy_settle(**kwargs):
        calls.append(("class_attempts_settle", kwargs))
        return settle(**kwargs)

    monkeypatch.setattr(services, "reminders_send", spy_send)
    monkeypatch.setattr(services, "class_attempts_settle", spy_settle)
    result = tasks.send_reminders.apply()  # in this process, as a worker runs it
    assert result.successful()
    assert [name for name, _ in calls] == ["class_attempts_settle", "reminders_send"]
    assert calls[0][1] == {"classroom": world.classroom}
    (message,) = mail.outbox
    assert message.to == [world.learner.email]


# --------------------------------------------------------------------------- the command


@pytest.mark.django_db
def test_the_command_sends_once_and_says_what_it_sent(world, locmem):
    assignment = due_soon(world)
    out = run()
    assert f"reminded ada <ada@example.com>: Quiz 1 ({world.classroom})" in out
    assert "1 reminder(s) sent" in out
    (message,) = mail.outbox
    assert message.to == ["ada@example.com"] and "Quiz 1" in message.subject
    assert Reminder.objects.get().assignment == assignment
    again = run()
    assert "reminded" not in again.replace("reminder(s)", "")
    assert "0 reminder(s) sent" in again
    assert len(mail.outbox) == 1 and Reminder.objects.count() == 1


@pytest.mark.django_db
def test_a_dry_run_writes_and_sends_nothing(world, locmem):
    due_soon(world)
    out = run("--dry-run")
    assert "would remind ada <ada@example.com>: Quiz 1" in out
    assert "nothing was written or sent" in out
    assert mail.outbox == [] and not Reminder.objects.exists()
    assert "reminded ada" in run()  # and the real run still sends it
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_work_out_of_the_window_or_handed_in_is_not_reminded(world, locmem):
    due_soon(world, hours=30, title="Later")  # due in more than a day
    due_soon(world, hours=-2, title="Past", opens_at=timezone.now() - timedelta(days=3))
    done = UserFactory(username="done", email="done@example.com")
    services.class_join(user=done, code=world.classroom.invite_code)
    due_soon(world, title="Quiz 1")
    attempt = quiz_services.attempt_start(user=done, quiz=world.quiz)
    quiz_services.attempt_submit(
        user=done, attempt_id=attempt.pk, answers=perfect_answers(world.quiz)
    )
    out = run()
    assert out.count("reminded ") == 1 and "reminded ada" in out
    assert [m.to for m in mail.outbox] == [["ada@example.com"]]


@pytest.mark.django_db
def test_an_attempt_left_past_its_deadline_is_graded_on_what_was_saved(world, locmem):
    due_soon(world)
    attempt = quiz_services.attempt_start(user=world.learner, quiz=world.quiz)
    answers = perfect_answers(world.quiz)
    first_two = dict(list(answers.items())[:2])
    quiz_services.attempt_save_answers(user=world.learner, attempt_id=attempt.pk, answers=first_two)
    # The learner never came back, and the attempt's deadline passed.
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    out = run()
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.SUBMITTED and attempt.score == 2
    assert "1 quiz attempt(s) past their deadline graded" in out
    # Handed in (at its deadline), so no reminder for it.
    assert mail.outbox == [] and "0 reminder(s) sent" in out


@pytest.mark.django_db
def test_a_dry_run_grades_nothing(world, locmem):
    due_soon(world)
    attempt = quiz_services.attempt_start(user=world.learner, quiz=world.quiz)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    out = run("--dry-run")
    assert "1 quiz attempt(s) past their deadline would be graded" in out
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.IN_PROGRESS


# --------------------------------------------------------------------------- a real worker


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_job(world, celery_worker_process):
    due_soon(world)
    tasks.send_reminders.delay()
    deadline = time.monotonic() + 30
    while not Reminder.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    reminder = Reminder.objects.get()  # sent once, by the worker (its mail goes to its log)
    assert reminder.user == world.learner
    tasks.send_reminders.delay()  # again: nothing more
    time.sleep(2)
    assert Reminder.objects.count() == 1
