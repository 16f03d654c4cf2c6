"""Exercise pages: the list by module, an exercise with its editor, runs.

The page works without JavaScript: the editor is a textarea in a form whose Run and
Submit buttons post here (``exercise_run``), and a run's page refreshes itself until it
is done. With JavaScript, ``static/js/exercises.js`` turns the textarea into a
CodeMirror editor, creates runs through the REST API and streams their results from the
websocket ``/ws/exercises/runs/<id>/``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from apps.core.cache import cache_for_anonymous
from apps.core.errors import ApplicationError, NotFound
from apps.exercises import selectors, services
from apps.exercises.models import Difficulty, Exercise, Mode

RECENT_RUNS = 20


@dataclass
class ModuleChoice:
    """A module in the list's filter, with the reader's standing in it."""

    module: Any
    total: int = 0
    solved: int = 0


PROGRESS_FILTERS = {"unsolved": "Not solved yet", "solved": "Solved"}


@require_safe
@cache_for_anonymous
def exercise_list(request: HttpRequest) -> HttpResponse:
    """Every published exercise in one grid, filtered by module, difficulty and (signed in)
    progress through query parameters: a plain GET form, so filters work without
    JavaScript and a filtered list's address can be shared."""
    signed_in = request.user.is_authenticated
    module_slug = request.GET.get("module", "")
    difficulty = request.GET.get("difficulty", "")
    progress = request.GET.get("progress", "") if signed_in else ""
    if difficulty not in Difficulty.values:
        difficulty = ""
    if progress not in PROGRESS_FILTERS:
        progress = ""
    everything = list(selectors.exercise_list_published(user=request.user))
    modules: dict[int, ModuleChoice] = {}
    for exercise in everything:
        exercise.progress = selectors.progress_of(exercise)  # type: ignore[attr-defined]
        choice = modules.setdefault(
            exercise.lesson.module_id, ModuleChoice(module=exercise.lesson.module)
        )
        choice.total += 1
        choice.solved += exercise.progress == selectors.PROGRESS_SOLVED  # type: ignore[attr-defined]
    if module_slug not in {choice.module.slug for choice in modules.values()}:
        module_slug = ""
    shown = [
        exercise
        for exercise in everything
        if (not module_slug or exercise.lesson.module.slug == module_slug)
        and (not difficulty or exercise.difficulty == difficulty)
        and (
            not progress
            or (exercise.progress == selectors.PROGRESS_SOLVED) == (progress == "solved")  # type: ignore[attr-defined]
        )
    ]
    return render(
        request,
        "exercises/list.html",
        {
            "exercises": shown,
            "total": len(everything),
            "solved": sum(choice.solved for choice in modules.values()),
            "modules": list(modules.values()),
            "difficulties": Difficulty.choices,
            "progress_filters": PROGRESS_FILTERS.items(),
            "chosen": {"module": module_slug, "difficulty": difficulty, "progress": progress},
            "filtered": bool(module_slug or difficulty or progress),
        },
    )


def _exercise_or_404(slug: str, user: Any) -> Exercise:
    try:
        return selectors.exercise_get_published(slug=slug, user=user)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def with_style_nonce(response: HttpResponse) -> HttpResponse:
    """CodeMirror writes its styles into a <style> element carrying the page's nonce
    (``EditorView.cspNonce``): this page's policy allows that nonce for styles too."""
    directives = {name: list(sources) for name, sources in settings.CSP_DIRECTIVES.items()}
    directives["style-src"] = [*directives.get("style-src", ["'self'"]), "'nonce-{nonce}'"]
    response.csp_directives = directives  # type: ignore[attr-defined]
    return response


def _exercise_page(
    request: HttpRequest, exercise: Exercise, *, code: str | None = None, status: int = 200
) -> HttpResponse:
    context = exercise_page_context(request, exercise, code=code)
    return with_style_nonce(render(request, "exercises/exercise.html", context, status=status))


def exercise_page_context(
    request: HttpRequest, exercise: Exercise, *, code: str | None = None
) -> dict[str, Any]:
    """What the exercise page shows (a code lab's page is this page in lab mode)."""
    runs: list[Any] = []
    if request.user.is_authenticated:
        runs = list(
            selectors.run_list_for_user(user=request.user, exercise_slug=exercise.slug)[
                :RECENT_RUNS
            ]
        )
    if code is None:
        code = exercise.starter_code
        if request.GET.get("starter") != "1" and request.user.is_authenticated:
            code = selectors.latest_code(user=request.user, exercise=exercise) or code
    return {
        "exercise": exercise,
        "lesson": exercise.lesson,
        "module": exercise.lesson.module,
        "course": exercise.lesson.module.course,
        "progress": selectors.progress_of(exercise),
        "visible_checks": selectors.exercise_visible_checks(exercise),
        "code": code,
        "runs": runs,
        "key": uuid.uuid4().hex,
        "in_flight": next((r for r in runs if r.in_flight), None),
    }


@require_safe
def exercise_detail(request: HttpRequest, slug: str) -> HttpResponse:
    # Not cached for anonymous visitors: the page carries a per-request style nonce.
    return _exercise_page(request, _exercise_or_404(slug, request.user))


@login_required
@require_POST
def exercise_run(request: HttpRequest, slug: str) -> HttpResponse:
    """The form's Run / Submit without JavaScript: queue the run, show its page."""
    exercise = _exercise_or_404(slug, request.user)
    code = request.POST.get("code", "").replace("\r\n", "\n")
    mode = Mode.SUBMIT if "submit" in request.POST else Mode.RUN
    try:
        run = services.run_create(
            user=request.user,
            exercise_slug=exercise.slug,
            code=code,
            mode=mode,
            key=request.POST.get("key") or uuid.uuid4().hex,
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _exercise_page(request, exercise, code=code, status=exc.status)
    return redirect(run.get_absolute_url())


@login_required
@require_safe
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        run = selectors.run_get_for_user(user=request.user, run_id=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    exercise = _exercise_or_404(run.exercise.slug, request.user)
    return render(request, "exercises/run.html", {"run": run, "exercise": exercise})
