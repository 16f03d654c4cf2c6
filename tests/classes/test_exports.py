"""The class exports: the roster and gradebook CSVs (content, header, file name, formula
safety) and the learner's private iCalendar feed (RFC 5545 lines, folding, escaping,
stable UIDs, UTC times; revoked or unknown keys are not found)."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from apps.classes import ics, services
from apps.classes.exports import safe
from apps.classes.models import Assignment, Membership
from apps.quizzes.models import Attempt
from tests.classes.test_pages import client_for, quiz_assignment, take_quiz
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def rows_of(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.content.decode("utf-8"))))


# --------------------------------------------------------------------------- CSV


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTab", "'\tTab"),
        ("\rCR", "'\rCR"),
        ("Ada = fine", "Ada = fine"),
        ("", ""),
        (None, ""),
        (42, "42"),
    ],
)
def test_cells_are_formula_safe(value, expected):
    assert safe(value) == expected


def test_gradebook_csv(world):
    now = timezone.now()
    assignment = quiz_assignment(world, title="=Quiz, one", opens_at=now - timedelta(days=5),
                                 due_at=now + timedelta(days=1))  # fmt: skip
    take_quiz(world.learner, world.quiz)
    Attempt.objects.filter(user=world.learner).update(
        started_at=now - timedelta(days=3, minutes=5), submitted_at=now - timedelta(days=3)
    )
    evil = UserFactory(username="mallory", display_name="@cmd|' /C calc'!A0")
    services.class_join(user=evil, code=world.classroom.invite_code)
    Assignment.objects.filter(pk=assignment.pk).update(due_at=now - timedelta(hours=1))
    response = client_for(world, "ta").get(
        f"/classes/{world.classroom.pk}/gradebook/", {"format": "csv"}
    )
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert re.fullmatch(
        rf'attachment; filename="class-{world.classroom.pk}-backend-101-gradebook-\d{{8}}\.csv"',
        disposition,
    )
    assert "no-store" in response["Cache-Control"]
    rows = rows_of(response)
    assert rows[0] == ["username", "name", "'=Quiz, one (score)", "'=Quiz, one (status)", "total"]
    assert rows[1:] == [  # by name, as the page sorts them
        ["mallory", "'@cmd|' /C calc'!A0", "0.00", "Missing", "0.00"],
        ["ada", "ada", "100.00", "Submitted", "100.00"],
    ]


def test_gradebook_csv_follows_the_filter(world):
    quiz_assignment(world)
    take_quiz(world.learner, world.quiz)
    services.class_join(user=UserFactory(username="bob"), code=world.classroom.invite_code)
    client = client_for(world, "instructor")
    page = client.get(f"/classes/{world.classroom.pk}/gradebook/", {"status": "submitted"})
    assert "status=submitted&amp;format=csv" in page.content.decode()
    rows = rows_of(client.get(f"/classes/{world.classroom.pk}/gradebook/",
                              {"status": "submitted", "format": "csv"}))  # fmt: skip
    assert [row[0] for row in rows[1:]] == ["ada"]


def test_roster_csv(world):
    take_quiz(world.learner, world.quiz)
    gone = UserFactory(username="gone", display_name="-minus")
    services.class_join(user=gone, code=world.classroom.invite_code)
    membership = Membership.objects.get(user=gone)
    services.member_remove(user=world.instructor, classroom_id=world.classroom.pk,
                           member_id=membership.pk)  # fmt: skip
    response = client_for(world, "instructor").get(
        f"/classes/{world.classroom.pk}/roster/", {"format": "csv"}
    )
    assert 'filename="class-' in response["Content-Disposition"]
    assert "-roster-" in response["Content-Disposition"]
    rows = rows_of(response)
    assert rows[0] == ["username", "name", "role", "joined_at", "removed_at", "last_activity",
                       "lessons_done", "lessons_total", "progress_percent"]  # fmt: skip
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"prof", "assistant", "ada", "gone"}
    ada = by_name["ada"]
    assert ada[2] == "learner" and ada[4] == "" and ada[5]  # an attempt: last activity
    assert datetime.fromisoformat(ada[3]).tzinfo is not None
    assert ada[6:] == ["0", "3", "0"]
    assert by_name["gone"][1] == "'-minus" and by_name["gone"][4]
    assert by_name["assistant"][2] == "ta"


# --------------------------------------------------------------------------- iCalendar, unit


def test_text_is_escaped():
    assert ics.escape_text("a,b;c\\d\ne\r\nf") == "a\\,b\\;c\\\\d\\ne\\nf"
    assert ics.escape_text("bell\x07") == "bell"


def test_long_lines_fold_at_75_octets_without_splitting_a_character():
    line = "SUMMARY:" + "é" * 100 + "x" * 50
    folded = ics.fold(line)
    parts = folded.split("\r\n")
    assert all(len(part.encode("utf-8")) <= 75 for part in parts)
    assert all(part.startswith(" ") for part in parts[1:])
    assert "".join([parts[0], *(p[1:] for p in parts[1:])]) == line
    assert ics.fold("SHORT:yes") == "SHORT:yes"


def test_a_calendar_has_the_required_properties():
    start = datetime(2027, 3, 8, 22, 59, tzinfo=UTC)
    body = ics.calendar(
        [ics.Event(uid="a-1@example.com", start=start, summary="Due: A, B; C",
                   description="line one\nline two", url="https://example.com/c/1/")],
        name="Due dates",
        stamp=datetime(2027, 3, 1, 12, 0, tzinfo=UTC),
    )  # fmt: skip
    assert body.endswith("\r\n") and "\n" not in body.replace("\r\n", "")
    lines = body.split("\r\n")[:-1]
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines and any(line.startswith("PRODID:") for line in lines)
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in lines
    assert "DTSTART:20270308T225900Z" in lines and "DTEND:20270308T231400Z" in lines
    assert "DTSTAMP:20270301T120000Z" in lines
    assert "SUMMARY:Due: A\\, B\\; C" in lines
    assert "DESCRIPTION:line one\\nline two" in lines
    assert "URL:https://example.com/c/1/" in lines
    assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT") == 1


# --------------------------------------------------------------------------- iCalendar, feed


def unfold(body: str) -> list[str]:
    return body.replace("\r\n ", "").split("\r\n")


def feed_url(client: Client) -> str:
    response = client.post("/classes/calendar/new")
    return re.search(r'value="http://testserver(/classes/calendar/[^"]+\.ics)"',
                     response.content.decode()).group(1)  # fmt: skip


def test_the_feed_lists_the_learner_due_dates(world):
    services.class_update(user=world.instructor, classroom_id=world.classroom.pk,
                          time_zone="Europe/Paris")  # fmt: skip
    assignment = quiz_assignment(world, title="Quiz; the first, with a very long title " * 3)
    later = assignment.due_at + timedelta(days=2)
    services.override_set(user=world.instructor, classroom_id=world.classroom.pk,
                          assignment_id=assignment.pk, learner_id=world.learner.pk,
                          due_at=later)  # fmt: skip
    client = client_for(world, "learner")
    url = feed_url(client)
    response = Client().get(url)  # no session: the key is the secret
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, no-store"
    body = response.content.decode("utf-8")
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    lines = unfold(body)
    assert lines.count("BEGIN:VEVENT") == 1
    uid = next(line for line in lines if line.startswith("UID:"))
    host = urlsplit(settings.SITE_URL).hostname
    assert uid == f"UID:class-assignment-{assignment.pk}@{host}"
    assert f"DTSTART:{later.astimezone(UTC):%Y%m%dT%H%M%SZ}" in lines
    summary = next(line for line in lines if line.startswith("SUMMARY:"))
    assert summary.startswith("SUMMARY:Due: Quiz\\; the first\\, with a very long title")
    assert summary.endswith("(Backend 101)")
    description = next(line for line in lines if line.startswith("DESCRIPTION:"))
    assert "\\n" in description and "extended" in description
    assert f"URL:http://testserver/classes/{world.classroom.pk}/" in lines
    # The UID stays when the due time moves.
    services.override_delete(user=world.instructor, classroom_id=world.classroom.pk,
                             assignment_id=assignment.pk, learner_id=world.learner.pk)  # fmt: skip
    again = unfold(Client().get(url).content.decode())
    assert uid in again
    assert f"DTSTART:{assignment.due_at.astimezone(UTC):%Y%m%dT%H%M%SZ}" in again


def test_a_revoked_rotated_or_unknown_key_is_not_found(world):
    quiz_assignment(world)
    client = client_for(world, "learner")
    first = feed_url(client)
    second = feed_url(client)
    assert Client().get(first).status_code == 404
    assert Client().get(second).status_code == 200
    client.post("/classes/calendar/revoke")
    assert Client().get(second).status_code == 404
    assert Client().get("/classes/calendar/" + "A" * 32 + ".ics").status_code == 404


def test_the_feed_of_a_removed_learner_drops_the_class(world):
    quiz_assignment(world)
    client = client_for(world, "learner")
    url = feed_url(client)
    membership = Membership.objects.get(user=world.learner)
    services.member_remove(user=world.instructor, classroom_id=world.classroom.pk,
                           member_id=membership.pk)  # fmt: skip
    body = Client().get(url).content.decode()
    assert "BEGIN:VEVENT" not in body and body.startswith("BEGIN:VCALENDAR\r\n")
