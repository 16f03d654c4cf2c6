"""Exercise boxes on other apps' pages, one query each:

* ``{% lesson_practise lesson user %}``: a lesson's exercises (the "Practise" box);
* ``{% exercise_progress_panel user %}``: the dashboard's exercises solved per module.
"""

from __future__ import annotations

from typing import Any

from django import template

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
