"""Quiz pages: intro, taking an attempt (with autosave), submitting, review."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from apps.core import jsonbody
from apps.core.cache import cache_for_anonymous
from apps.core.errors import ApplicationError, NotFound
from apps.quizzes import selectors, services
from apps.quizzes.forms import responses_from_post
from apps.quizzes.models import AttemptStatus

MAX_AUTOSAVE_BYTES = 64 * 1024


@require_safe
@cache_for_anonymous
def quiz_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        quiz = selectors.quiz_get_published(slug=slug)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    standing = selectors.quiz_standing(user=request.user, quiz=quiz)
    count = quiz.draw_count or quiz.questions.filter(retired=False).count()
    return render(
        request, "quizzes/quiz.html", {"quiz": quiz, "standing": standing, "count": count}
    )


@login_required
@require_POST
def quiz_start(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        quiz = selectors.quiz_get_published(slug=slug)
        attempt = services.attempt_start(user=request.user, quiz=quiz)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("quizzes:quiz", slug=slug)
    return redirect("quizzes:attempt", pk=attempt.pk)


def _attempt_or_404(request: HttpRequest, pk: int):
    try:
        return selectors.attempt_get_for_user(user=request.user, attempt_id=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


@login_required
def attempt_take(request: HttpRequest, pk: int) -> HttpResponse:
    attempt = _attempt_or_404(request, pk)
    services.attempt_expire_if_due(attempt)
    if attempt.status == AttemptStatus.SUBMITTED:
        return redirect("quizzes:result", pk=attempt.pk)
    questions = selectors.attempt_questions_public(attempt)
    status = 200
    if request.method == "POST":
        try:
            answers = responses_from_post(request.POST, questions)
            if "submit" in request.POST:
                services.attempt_submit(user=request.user, attempt_id=attempt.pk, answers=answers)
                return redirect("quizzes:result", pk=attempt.pk)
            if answers:
                services.attempt_save_answers(
                    user=request.user, attempt_id=attempt.pk, answers=answers
                )
            messages.success(request, "Answers saved.")
            return redirect("quizzes:attempt", pk=attempt.pk)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            status = exc.status
    elif request.method not in {"GET", "HEAD"}:
        return HttpResponse(status=405)
    answered = sum(1 for q in questions if q.response is not None)
    return render(
        request,
        "quizzes/take.html",
        {"attempt": attempt, "quiz": attempt.quiz, "questions": questions, "answered": answered},
        status=status,
    )


@login_required
@require_POST
def attempt_autosave(request: HttpRequest, pk: int) -> JsonResponse:
    """JSON ``{"answers": {"<question id>": <response>}}`` → saved; errors as JSON 4xx."""
    if len(request.body) > MAX_AUTOSAVE_BYTES:
        return JsonResponse(
            {"error": {"code": "too_large", "message": "Request too large."}}, status=413
        )
    try:
        payload = jsonbody.loads(request.body or b"{}", what="The request body")
    except jsonbody.JsonError as exc:
        return JsonResponse({"error": {"code": "bad_json", "message": str(exc)}}, status=400)
    answers = payload.get("answers") if isinstance(payload, dict) else None
    try:
        attempt = services.attempt_save_answers(
            user=request.user, attempt_id=pk, answers=answers or {}
        )
    except ApplicationError as exc:
        return JsonResponse(
            {"error": {"code": exc.code, "message": exc.message}}, status=exc.status
        )
    return JsonResponse({"saved": len(answers or {}), "answered": attempt.answers.count()})


@login_required
@require_safe
def attempt_result(request: HttpRequest, pk: int) -> HttpResponse:
    attempt = _attempt_or_404(request, pk)
    services.attempt_expire_if_due(attempt)
    if attempt.status != AttemptStatus.SUBMITTED:
        return redirect("quizzes:attempt", pk=attempt.pk)
    review = selectors.attempt_review(attempt)
    standing = selectors.quiz_standing(user=request.user, quiz=attempt.quiz)
    return render(
        request,
        "quizzes/result.html",
        {
            "attempt": attempt,
            "quiz": attempt.quiz,
            "review": review,
            "standing": standing,
            "revealed": selectors.reveal_allowed(attempt),
        },
    )
