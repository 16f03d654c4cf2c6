"""A class in real browsers: an instructor creates a class and a quiz assignment that was
due hours ago (late work accepted with a penalty); a learner on a phone joins with the
invite link and hands the quiz in late; the instructor finds it in the gradebook, opens
the attempt and downloads the gradebook as CSV. Every page is checked with axe, and
the learner's pages fit a 360 px screen."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from apps.classes.models import Assignment, Classroom
from tests.conftest import axe_violations
from tests.factories import PASSWORD, UserFactory
from tests.quizzes.conftest import build_quiz, ids

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


def open_page(browser, viewport, errors):
    context = browser.new_context(viewport=viewport, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return context, page


def log_in(page, live_url, username, next_path):
    page.goto(f"{live_url}/accounts/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"^{live_url}{re.escape(next_path)}$"))


def fits(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} is {overflow} px wider than the screen"


def clean(page) -> None:
    assert axe_violations(page) == [], page.url


def test_a_class_from_creation_to_the_gradebook_csv(browser, live_url):
    quiz = build_quiz()
    UserFactory(username="teacher", display_name="Ms Teacher", roles=["instructor"])
    UserFactory(username="pupil", display_name="Pupil One")
    errors: list[str] = []

    # The instructor creates a class…
    teacher_context, teacher = open_page(browser, DESKTOP, errors)
    log_in(teacher, live_url, "teacher", "/classes/")
    clean(teacher)
    teacher.get_by_role("link", name="New class").click()
    teacher.wait_for_url(f"{live_url}/classes/new/")
    clean(teacher)
    teacher.get_by_label("Course").select_option(label=quiz.course.title)
    teacher.get_by_label("Name").fill("Evening group")
    teacher.get_by_label("Term").fill("Winter")
    teacher.get_by_label("Time zone").select_option("UTC")
    teacher.get_by_role("button", name="Create the class").click()
    teacher.wait_for_url(re.compile(r".*/classes/\d+/$"))
    classroom = Classroom.objects.get(name="Evening group")
    expect(teacher.locator("#invite-code")).to_have_value(classroom.invite_code)
    expect(teacher.get_by_role("button", name="Copy the link")).to_be_visible()
    clean(teacher)
    invite_link = teacher.locator("#invite-link").input_value()
    assert invite_link.endswith(f"/classes/join/{classroom.invite_code}/")

    # …and a quiz due 20 hours ago, late work accepted at 10 points a day.
    teacher.get_by_role("link", name="New assignment").click()
    teacher.wait_for_url(re.compile(r".*/assignments/new/$"))
    clean(teacher)
    expect(teacher.locator("fieldset[data-kind=quiz]")).to_be_hidden()
    teacher.get_by_label("Title").fill("Quiz, late")
    teacher.get_by_label("A quiz").check()
    expect(teacher.locator("fieldset[data-kind=quiz]")).to_be_visible()
    expect(teacher.locator("fieldset[data-kind=reading]")).to_be_hidden()
    teacher.get_by_label(re.compile(r"^Quiz:?$")).select_option(label=quiz.title)
    now = datetime.now(UTC)
    teacher.get_by_label("Opens:").fill(f"{now - timedelta(days=3):%Y-%m-%dT%H:%M}")
    teacher.get_by_label("Due:").fill(f"{now - timedelta(hours=20):%Y-%m-%dT%H:%M}")
    teacher.get_by_label("Accepted with a penalty per day").check()
    teacher.get_by_label("Penalty per day late").fill("10")
    teacher.get_by_label("Penalty cap").fill("30")
    teacher.get_by_role("button", name="Set the assignment").click()
    teacher.wait_for_url(re.compile(r".*/assignments/\d+/$"))
    assignment = Assignment.objects.get(classroom=classroom)
    assert (assignment.late_policy, assignment.quiz_id) == ("penalty", quiz.pk)
    expect(teacher.get_by_role("heading", name="Quiz, late", level=1)).to_be_visible()
    clean(teacher)

    # A learner on a phone opens the invite link, signs in and joins.
    pupil_context, pupil = open_page(browser, PHONE, errors)
    join_path = f"/classes/join/{classroom.invite_code}/"
    pupil.goto(live_url + join_path)
    pupil.wait_for_url(re.compile(r".*/accounts/login/\?next=.*"))
    pupil.fill("#id_username", "pupil")
    pupil.fill("#id_password", PASSWORD)
    pupil.keyboard.press("Enter")
    pupil.wait_for_url(live_url + join_path)
    clean(pupil)
    fits(pupil)
    pupil.get_by_role("button", name="Join the class").click()
    pupil.wait_for_url(f"{live_url}/classes/{classroom.pk}/")
    expect(pupil.locator(".messages")).to_contain_text("Welcome to Evening group")
    expect(pupil.locator("td .grade-status")).to_have_text("Missing")
    expect(pupil.locator("time[data-local]").first).to_have_attribute("data-localised", "1")
    clean(pupil)
    fits(pupil)

    # The learner hands the quiz in late, from the quiz page.
    pupil.get_by_role("link", name=quiz.title).click()
    pupil.wait_for_url(f"{live_url}/quizzes/{quiz.slug}/")
    pupil.get_by_role("button", name="Start the quiz").click()
    pupil.wait_for_url(re.compile(r".*/quizzes/attempts/\d+/$"))
    q = ids(quiz)
    pupil.locator(f"input[name=q-{q['single'][0].id}][value='{q['single'][1]['Right']}']").check()
    pupil.locator(f"input[name=q-{q['tf'][0].id}][value=false]").check()
    pupil.get_by_role("button", name="Submit for grading").click()
    pupil.wait_for_url(re.compile(r".*/quizzes/attempts/\d+/result/$"))
    pupil.goto(f"{live_url}/classes/{classroom.pk}/")
    expect(pupil.locator("td .grade-status")).to_have_text("Late")
    expect(pupil.locator("tbody")).to_contain_text("10 points off (1 day late)")
    pupil.goto(f"{live_url}/dashboard/")
    expect(pupil.locator(".dashboard-classes")).to_contain_text("Evening group")
    clean(pupil)
    fits(pupil)

    # The instructor finds it in the gradebook, opens the attempt, downloads the CSV.
    teacher.goto(f"{live_url}/classes/{classroom.pk}/gradebook/")
    row = teacher.locator("tbody tr", has_text="Pupil One")
    expect(row.locator(".grade-status")).to_have_text("Late")
    score = row.locator(".grade-score").inner_text()
    clean(teacher)
    teacher.get_by_role("link", name="Total").click()
    expect(teacher.locator("th[aria-sort]")).to_have_attribute("aria-sort", "descending")
    row.locator(".grade-cell a").click()
    teacher.wait_for_url(re.compile(r".*/work/attempts/\d+/$"))
    expect(teacher.locator("main")).to_contain_text("read only")
    clean(teacher)
    teacher.go_back()
    with teacher.expect_download() as download_info:
        teacher.get_by_role("link", name="Download the gradebook (CSV)").click()
    download = download_info.value
    assert re.fullmatch(rf"class-{classroom.pk}-evening-group-gradebook-\d{{8}}\.csv",
                        download.suggested_filename)  # fmt: skip
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert rows[0] == ["username", "name", "Quiz, late (score)", "Quiz, late (status)", "total"]
    assert rows[1] == ["pupil", "Pupil One", score + (".00" if "." not in score else ""),
                       "Late", rows[1][4]]  # fmt: skip

    for path in ("roster/", "settings/", "analysis/"):
        teacher.goto(f"{live_url}/classes/{classroom.pk}/{path}")
        clean(teacher)
    teacher.set_viewport_size(PHONE)
    teacher.goto(f"{live_url}/classes/{classroom.pk}/gradebook/")
    fits(teacher)  # the table scrolls in its own box

    teacher_context.close()
    pupil_context.close()
    assert errors == []
