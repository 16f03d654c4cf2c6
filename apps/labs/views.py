"""Code lab pages: start and join, the learner's exercise page in lab mode, the host's
board, the QR code of the join link, the results (and their CSV).

The pages are shells around live data: the learner's page is the exercise page they
know (``apps.exercises.views``) with the lab's panel, fed by ``/ws/labs/<code>/``; the
board is drawn by ``static/js/lab-host.js`` from ``/ws/labs/<code>/host/``. The views
translate input for the services and their errors into messages and status codes.
"""

from __future__ import annotations

import csv
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_POST, require_safe

from apps.classes import selectors as class_selectors
from apps.classes.models import STAFF_ROLES
from apps.core.errors import ApplicationError, NotFound
from apps.core.http import client_ip
from apps.core.spreadsheet import safe_cell
from apps.exercises import selectors as exercise_selectors
from apps.exercises.models import Mode
from apps.exercises.views import exercise_page_context, with_style_nonce
from apps.labs import selectors, services
from apps.labs.forms import JoinForm, StartForm
from apps.labs.models import Lab, LabStatus
from apps.live import qr

QR_MAX_AGE = 24 * 3600
RECENT_HOSTED = 10


def _lab_or_404(code: str, *, active_only: bool = False) -> Lab:
    try:
        return selectors.lab_by_code(code=code, active_only=active_only)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _hosted_or_403(request: HttpRequest, code: str) -> Lab:
    """The host's lab; anyone else gets 403 whether or not the code exists."""
    try:
        lab = selectors.lab_by_code(code=code, active_only=False)
    except NotFound:
        lab = None
    if lab is None or not selectors.can_host(lab, request.user):
        raise PermissionDenied("Only the host of this code lab can open this page.")
    return lab


def _classes(request: HttpRequest) -> list[tuple[int, str]]:
    """The classes the user may run a lab for (as their instructor or assistant)."""
    return [
        (classroom.pk, str(classroom.name))
        for classroom, role in class_selectors.classes_for_user(user=request.user)
        if role in STAFF_ROLES
    ]


def _start_form(request: HttpRequest, data: Any = None, initial: Any = None) -> StartForm:
    classes = _classes(request) if request.user.is_authenticated else []
    return StartForm(data, initial=initial, classes=classes)


def _index(request: HttpRequest, *, join: JoinForm, start: StartForm, status: int = 200) -> Any:
    context: dict[str, Any] = {"join_form": join, "start_form": start}
    if request.user.is_authenticated:
        context["hosted"] = list(selectors.labs_hosted(user=request.user)[:RECENT_HOSTED])
        context["exercises"] = list(
            exercise_selectors.exercise_list_published(user=request.user).values_list(
                "slug", "title"
            )
        )
    return render(request, "labs/index.html", context, status=status)


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    initial = {}
    if request.GET.get("exercise"):
        initial["exercises"] = request.GET["exercise"][:100]
    return _index(request, join=JoinForm(), start=_start_form(request, initial=initial))


@login_required
@require_POST
def join(request: HttpRequest) -> HttpResponse:
    form = JoinForm(request.POST)
    if not form.is_valid():
        return _index(request, join=form, start=_start_form(request), status=400)
    try:
        lab = services.lab_for_code(code=form.cleaned_data["code"], address=client_ip(request))
        services.lab_join(lab_id=lab.pk, user=request.user)
    except ApplicationError as exc:
        form.add_error("code", exc.message)
        return _index(request, join=form, start=_start_form(request), status=exc.status)
    return redirect("labs:play", code=lab.code)


@login_required
@require_POST
def join_code(request: HttpRequest, code: str) -> HttpResponse:
    lab = _lab_or_404(code, active_only=True)
    try:
        services.lab_join(lab_id=lab.pk, user=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("labs:play", code=lab.code)


@login_required
@require_POST
def create(request: HttpRequest) -> HttpResponse:
    form = _start_form(request, request.POST)
    if not form.is_valid():
        return _index(request, join=JoinForm(), start=form, status=400)
    try:
        lab = services.lab_create(
            host=request.user,
            exercise_slugs=form.cleaned_data["exercises"],
            title=form.cleaned_data["title"],
            stuck_minutes=form.cleaned_data["stuck_minutes"],
            stuck_failures=form.cleaned_data["stuck_failures"],
            class_id=form.cleaned_data.get("classroom"),
        )
    except ApplicationError as exc:
        form.add_error("exercises", exc.message)
        return _index(request, join=JoinForm(), start=form, status=exc.status)
    return redirect("labs:host", code=lab.code)


# --------------------------------------------------------------------------- learners


def _item_for(request: HttpRequest, items: list[Any]) -> Any:
    wanted = request.GET.get("exercise") or request.POST.get("exercise")
    for item in items:
        if item.exercise.slug == wanted:
            return item
    return items[0]


@require_safe
def play(request: HttpRequest, code: str) -> HttpResponse:
    """The learner's page: the exercise page in lab mode (or the invitation to join)."""
    lab = _lab_or_404(code)
    if not request.user.is_authenticated:
        return render(request, "labs/join.html", {"lab": lab}, status=200)
    try:
        learner = selectors.learner_for(lab=lab, user=request.user)
    except ApplicationError:
        if selectors.can_host(lab, request.user):
            return redirect("labs:host", code=lab.code)
        return render(request, "labs/join.html", {"lab": lab})
    items = selectors.lab_items(lab)
    item = _item_for(request, items)
    exercise = exercise_selectors.exercise_get_published(slug=item.exercise.slug, user=request.user)
    context = exercise_page_context(request, exercise)
    context.update(
        {
            "lab": lab,
            "lab_item": item,
            "lab_items": items,
            "learner": learner,
            "lab_state": selectors.lab_learner_state(lab=lab, learner=learner),
        }
    )
    return with_style_nonce(render(request, "labs/play.html", context))


@login_required
@require_POST
def run_create(request: HttpRequest, code: str) -> HttpResponse:
    """The lab page's Run / Submit without JavaScript."""
    lab = _lab_or_404(code)
    items = selectors.lab_items(lab)
    item = _item_for(request, items)
    try:
        run = services.lab_run_create(
            lab_id=lab.pk,
            user=request.user,
            exercise_slug=item.exercise.slug,
            code=request.POST.get("code", "").replace("\r\n", "\n"),
            mode=Mode.SUBMIT if "submit" in request.POST else Mode.RUN,
            key=request.POST.get("key") or uuid.uuid4().hex,
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(
            reverse("labs:play", kwargs={"code": lab.code}) + f"?exercise={item.exercise.slug}"
        )
    return redirect(run.get_absolute_url())


# --------------------------------------------------------------------------- the host


@login_required
@require_safe
def host(request: HttpRequest, code: str) -> HttpResponse:
    lab = _hosted_or_403(request, code)
    if lab.status == LabStatus.ENDED:
        return redirect("labs:results", code=lab.code)
    play_path = reverse("labs:play", kwargs={"code": lab.code})
    return render(
        request,
        "labs/host.html",
        {
            "lab": lab,
            "items": selectors.lab_items(lab),
            "join_url": request.build_absolute_uri(play_path),
            "join_root": request.build_absolute_uri(reverse("labs:index")),
        },
    )


@require_safe
def qr_svg(request: HttpRequest, code: str) -> HttpResponse:
    """The join link as a QR code, drawn for any well-formed code (whether a lab exists
    is never told here)."""
    url = request.build_absolute_uri(reverse("labs:play", kwargs={"code": code}))
    response = HttpResponse(qr.svg_for(url), content_type="image/svg+xml")
    patch_cache_control(response, public=True, max_age=QR_MAX_AGE)
    return response


@login_required
@require_safe
def results(request: HttpRequest, code: str) -> HttpResponse:
    lab = _hosted_or_403(request, code)
    rows = selectors.lab_results(lab=lab, user=request.user)
    return render(
        request,
        "labs/results.html",
        {"lab": lab, "rows": rows, "items": selectors.lab_items(lab)},
    )


RESULT_COLUMNS = (
    "learner", "username", "position", "exercise", "runs", "solved", "best_run", "best_mode",
    "best_status", "best_passed", "best_total", "seconds_to_best", "seconds_to_solve",
)  # fmt: skip


@login_required
@require_safe
def results_csv(request: HttpRequest, code: str) -> HttpResponse:
    lab = _hosted_or_403(request, code)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = lab.created_at.strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="lab-{lab.code}-{stamp}-results.csv"'
    response["Cache-Control"] = "private, no-store"
    writer = csv.writer(response)
    writer.writerow(RESULT_COLUMNS)
    for row in selectors.lab_results(lab=lab, user=request.user):
        writer.writerow([safe_cell(row[column]) for column in RESULT_COLUMNS])
    return response
