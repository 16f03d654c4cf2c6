"""Forms of the class pages: the shape of input only. The services decide the rest, and
``apply_error`` puts what they refuse next to the fields it names."""

from __future__ import annotations

import functools
import zoneinfo
from datetime import datetime
from typing import Any

from django import forms

from apps.classes import pages_support, services
from apps.classes.models import (
    AssignmentKind,
    Classroom,
    CountedAttempt,
    ExerciseScoring,
    LateDays,
    LatePolicy,
    Role,
)
from apps.core.errors import ApplicationError

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends


@functools.cache
def time_zone_choices() -> list[tuple[str, str]]:
    names = sorted(
        name
        for name in zoneinfo.available_timezones()
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "posix/", "right/"))
    )
    return [("UTC", "UTC"), *((name, name.replace("_", " ")) for name in names)]


def apply_error(
    form: forms.Form, exc: ApplicationError, aliases: dict[str, str] | None = None
) -> None:
    """A service's refusal on the form: its message at the top, and the details of
    ``extra`` next to the fields they name."""
    aliases = aliases or {}
    for key, details in exc.extra.items():
        name = aliases.get(key, key)
        if name in form.fields:
            for detail in details if isinstance(details, list | tuple) else [details]:
                form.add_error(name, str(detail))
    form.add_error(None, exc.message)


class LocalDateTimeField(forms.DateTimeField):
    """A date and time typed in the class's time zone (``datetime-local``): returned
    naive, made aware by the form that knows the zone."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_FORMAT)
    input_formats = [LOCAL_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]

    def to_python(self, value: Any) -> datetime | None:
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return value.replace(tzinfo=None)
        text = str(value).strip()
        for fmt in self.input_formats:
            try:
                return datetime.strptime(text, fmt)  # noqa: DTZ007 - made aware by the form
            except ValueError:
                continue
        raise forms.ValidationError("Enter a date and time.", code="invalid")

    def prepare_value(self, value: Any) -> Any:
        return value  # initial values are given naive, in the class's time zone


def local_value(value: datetime | None, zone: str) -> datetime | None:
    """An aware datetime as the naive wall-clock time of ``zone`` (a form's initial)."""
    if value is None:
        return None
    return value.astimezone(zoneinfo.ZoneInfo(zone)).replace(tzinfo=None, second=0, microsecond=0)


def _aware(value: datetime | None, zone: str) -> datetime | None:
    return None if value is None else value.replace(tzinfo=zoneinfo.ZoneInfo(zone))


# --------------------------------------------------------------------------- classes


class ClassFields(forms.Form):
    name = forms.CharField(label="Name", max_length=120, help_text="Backend 101, Group B, …")
    term = forms.CharField(
        label="Term", max_length=60, required=False, help_text="Spring 2027, Cohort 4, …"
    )
    enrolment_cap = forms.IntegerField(
        label="Enrolment cap",
        required=False,
        min_value=1,
        max_value=100_000,
        help_text="At most this many learners; leave it empty for no limit.",
    )
    time_zone = forms.ChoiceField(
        label="Time zone",
        initial="UTC",
        help_text="Opening and due times are typed and shown in it.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = time_zone_choices()  # type: ignore[attr-defined]


class ClassCreateForm(ClassFields):
    course: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="Course", queryset=None, empty_label=None, help_text="The course the class studies."
    )

    field_order = ["course", "name", "term", "enrolment_cap", "time_zone"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = pages_support.course_choices()  # type: ignore[attr-defined]


class ClassSettingsForm(ClassFields):
    invite_open = forms.BooleanField(
        label="Learners may join with the invite code or link",
        required=False,
        help_text="Untick it to close the class to new learners; those in it stay.",
    )
    counted_attempt = forms.ChoiceField(
        label="Which attempt counts",
        choices=CountedAttempt.choices,
        widget=forms.RadioSelect,
        help_text="For quizzes and code exercises handed in more than once.",
    )
    late_days = forms.ChoiceField(
        label="How late days are counted",
        choices=LateDays.choices,
        widget=forms.RadioSelect,
        help_text="For assignments that accept late work with a penalty per day.",
    )
    exercise_scoring = forms.ChoiceField(
        label="How a code exercise scores",
        choices=ExerciseScoring.choices,
        widget=forms.RadioSelect,
    )

    @classmethod
    def initial_for(cls, classroom: Classroom) -> dict[str, Any]:
        return {name: getattr(classroom, name) for name in sorted(services.UPDATABLE)}


# --------------------------------------------------------------------------- joining, staff


class JoinForm(forms.Form):
    code = forms.CharField(
        label="Invite code",
        max_length=40,
        help_text=(
            "The 8 letters and digits your instructor gave you (case and dashes do not matter)."
        ),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "autocorrect": "off",
                "spellcheck": "false",
                "class": "class-code-input",
            }
        ),
    )


class StaffAddForm(forms.Form):
    username = forms.CharField(
        label="Username",
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    role = forms.ChoiceField(
        label="Role",
        choices=[(Role.INSTRUCTOR, "Co-instructor"), (Role.TA, "Teaching assistant (reads only)")],
        initial=Role.TA,
    )


# --------------------------------------------------------------------------- assignments


class AssignmentForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200)
    kind = forms.ChoiceField(label="Work", choices=AssignmentKind.choices, widget=forms.RadioSelect)
    module: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="Module to read", queryset=None, required=False, empty_label="Choose a module"
    )
    quiz: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="Quiz",
        queryset=None,
        required=False,
        empty_label="Choose a quiz",
        help_text="A module quiz or the final exam.",
    )
    exercises = forms.MultipleChoiceField(
        label="Code exercises",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="One or more; the assignment's score is their mean.",
    )
    live_session = forms.ChoiceField(label="Live session", required=False)
    opens_at = LocalDateTimeField(label="Opens")
    due_at = LocalDateTimeField(label="Due")
    late_policy = forms.ChoiceField(
        label="Late work",
        choices=LatePolicy.choices,
        widget=forms.RadioSelect,
        initial=LatePolicy.REFUSE,
    )
    penalty_per_day = forms.DecimalField(
        label="Penalty per day late",
        min_value=0,
        max_value=100,
        decimal_places=2,
        initial=10,
        help_text="Percentage points off per day.",
    )
    penalty_cap = forms.DecimalField(
        label="Penalty cap",
        min_value=0,
        max_value=100,
        decimal_places=2,
        initial=50,
        help_text="At most this many points off in all.",
    )
    weight = forms.DecimalField(
        label="Weight",
        min_value=0,
        max_value=1000,
        decimal_places=2,
        initial=1,
        help_text="Its share of the weighted total, relative to the other assignments'.",
    )
    order = forms.IntegerField(
        label="Order",
        min_value=0,
        max_value=10_000,
        initial=0,
        required=False,
        help_text="Breaks ties between assignments due at the same time.",
    )

    ALIASES = {"exercise_ids": "exercises", "module_id": "module", "quiz_id": "quiz"}

    def __init__(self, *args: Any, classroom: Classroom, current_session: int | None = None,
                 **kwargs: Any) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)
        self.classroom = classroom
        zone = classroom.time_zone
        for name in ("opens_at", "due_at"):
            self.fields[name].help_text = f"In the class's time zone, {zone}."
        self.fields["module"].queryset = pages_support.module_choices(classroom)  # type: ignore[attr-defined]
        self.fields["quiz"].queryset = pages_support.quiz_choices(classroom)  # type: ignore[attr-defined]
        self.fields["exercises"].choices = [  # type: ignore[attr-defined]
            (str(e.pk), e.title) for e in pages_support.exercise_choices(classroom)
        ]
        sessions = pages_support.live_session_choices(classroom, current_session)
        self.fields["live_session"].choices = [("", "Choose a live session")] + [  # type: ignore[attr-defined]
            (str(s.pk), f"{s.quiz.title} · {s.code} · {s.created_at:%d %b %Y}") for s in sessions
        ]
        self.fields["live_session"].help_text = (
            "Sessions of this course's quizzes hosted by the class's staff."
            if sessions
            else "Host a quiz live first: its session then appears here."
        )

    @classmethod
    def initial_for(cls, assignment: Any) -> dict[str, Any]:
        zone = assignment.classroom.time_zone
        return {
            "title": assignment.title,
            "kind": assignment.kind,
            "module": assignment.module_id,
            "quiz": assignment.quiz_id,
            "exercises": [str(e.pk) for e in assignment.exercises.all()],
            "live_session": str(assignment.live_session_id or ""),
            "opens_at": local_value(assignment.opens_at, zone),
            "due_at": local_value(assignment.due_at, zone),
            "late_policy": assignment.late_policy,
            "penalty_per_day": assignment.penalty_per_day,
            "penalty_cap": assignment.penalty_cap,
            "weight": assignment.weight,
            "order": assignment.order,
        }

    def service_data(self) -> dict[str, Any]:
        """The cleaned fields as the assignment services take them (times made aware in
        the class's time zone)."""
        data = self.cleaned_data
        zone = self.classroom.time_zone
        module, quiz = data.get("module"), data.get("quiz")
        return {
            "title": data["title"],
            "kind": data["kind"],
            "module_id": module.pk if module else None,
            "quiz_id": quiz.pk if quiz else None,
            "exercise_ids": [int(pk) for pk in data.get("exercises") or []],
            "live_session_id": int(data["live_session"]) if data.get("live_session") else None,
            "opens_at": _aware(data["opens_at"], zone),
            "due_at": _aware(data["due_at"], zone),
            "late_policy": data["late_policy"],
            "penalty_per_day": data["penalty_per_day"],
            "penalty_cap": data["penalty_cap"],
            "weight": data["weight"],
            "order": data.get("order") or 0,
        }


class OverrideForm(forms.Form):
    learner = forms.TypedChoiceField(label="Learner", coerce=int, empty_value=None)
    due_at = LocalDateTimeField(
        label="Later due time", required=False, help_text="Empty: the assignment's due time."
    )
    extra_quiz_minutes = forms.IntegerField(
        label="Extra quiz minutes",
        min_value=0,
        max_value=600,
        required=False,
        initial=0,
        help_text="Added to a timed quiz's limit (0 to 600).",
    )
    excused = forms.BooleanField(
        label="Excused", required=False, help_text="Left out of the learner's total."
    )
    reason = forms.CharField(
        label="Reason",
        max_length=300,
        required=False,
        help_text="Kept with the override: who granted it and when are recorded too.",
    )

    ALIASES = {"learner_id": "learner"}

    def __init__(self, *args: Any, classroom: Classroom, learners: list[Any],
                 **kwargs: Any) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)
        self.classroom = classroom
        self.fields[
            "due_at"
        ].help_text = (
            f"In the class's time zone, {classroom.time_zone}. Empty: the assignment's due time."
        )
        self.fields["learner"].choices = [("", "Choose a learner")] + [  # type: ignore[attr-defined]
            (m.user_id, f"{m.user.public_name} ({m.user.username})")
            if m.user.public_name != m.user.username
            else (m.user_id, m.user.username)
            for m in learners
        ]

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "learner_id": data["learner"],
            "due_at": _aware(data.get("due_at"), self.classroom.time_zone),
            "extra_quiz_minutes": data.get("extra_quiz_minutes") or 0,
            "excused": bool(data.get("excused")),
            "reason": data.get("reason") or "",
        }
