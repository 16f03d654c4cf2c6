"""Exercise boxes on other apps' pages, one query each:

* ``{% lesson_practise lesson user %}``: a lesson's exercises (the "Practise" box);
* ``{% exercise_progress_panel user %}``: the dashboard's exercises solved per module;
* ``{% lesson_body lesson user path %}``: a lesson's HTML with its runnable examples' controls.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from apps.exercises import selectors

register = template.Library()


@register.inclusion_tag("exercises/_practise.html")
def lesson_practise(lesson: Any, user: Any) -> dict[str, Any]:
    exercises = selectors.lesson_exercises(lesson_id=lesson.pk, user=user)
    for exercise in exercises:
        exercise.progress = selectors.progress_of(exercise)  # type: ignore[attr-defined]
    return {"exercises": exercises}


@register.inclusion_tag("exercises/_dashboard.html")
def exercise_progress_panel(user: Any) -> dict[str, Any]:
    modules = selectors.exercise_progress_by_module(user=user)
    return {
        "modules": modules,
        "solved": sum(m["solved"] for m in modules),
        "total": sum(m["total"] for m in modules),
    }


_BAR = re.compile(r'<div class="run-block-bar" data-block="([0-9]{1,4})"></div>')


@register.simple_tag
def lesson_body(lesson: Any, user: Any, path: str) -> str:
    return lesson_body_html(lesson, user, path)


def lesson_body_html(lesson: Any, user: Any, path: str) -> str:
    """The lesson's stored HTML with each runnable example's controls: Run, Edit and
    Reset and an output region for a signed-in learner (with their latest output, one
    query), a sign-in link otherwise. The HTML itself was sanitised when stored."""
    html = lesson.body_html or ""
    if not lesson.run_blocks:
        return mark_safe(html)  # noqa: S308 - sanitised when the lesson was rendered
    signed_in = bool(getattr(user, "is_authenticated", False))
    runs = selectors.block_runs_for_lesson(user=user, lesson=lesson) if signed_in else {}
    login = reverse("accounts:login")

    def controls(match: re.Match[str]) -> str:
        number = int(match.group(1))
        label = f"example {number + 1}"
        if not signed_in:
            return format_html(
                '<p class="run-block-bar run-block-signin"><a href="{}?next={}">Sign in to run '
                "this example</a></p>",
                login,
                quote(f"{path}#run-block-{number}", safe="/"),
            )
        run = runs.get(number)
        output = run.output if run is not None else ""
        status = run.get_status_display() if run is not None and run.status else ""
        return format_html(
            '<div class="run-block-bar" data-block="{n}">'
            '<button type="button" class="button button-small run-block-run" '
            'aria-label="Run {label}">Run</button>'
            '<button type="button" class="button button-small button-secondary run-block-edit" '
            'aria-label="Edit {label}" aria-expanded="false">Edit</button>'
            '<button type="button" class="button button-small button-secondary run-block-reset" '
            'aria-label="Reset {label} to the author\'s code" hidden>Reset</button>'
            '<span class="run-block-status muted" role="status">{status}</span></div>'
            '<div class="run-block-output" id="run-output-{n}" aria-live="polite" '
            'aria-label="Output of {label}"{hidden}><pre tabindex="0">{output}</pre></div>',
            n=number,
            label=label,
            status=f"Last run: {status}" if status else "",
            hidden=mark_safe("" if run is not None else " hidden"),  # noqa: S308
            output=output,
        )

    return mark_safe(_BAR.sub(controls, html))  # noqa: S308 - parts escaped by format_html
