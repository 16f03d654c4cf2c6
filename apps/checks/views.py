"""Answering a check from the lesson page: a plain form POST (redirects back to the
check) or the same POST from static/js/checks.js (answers with the check's HTML)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST

from apps.checks import selectors, services
from apps.checks.forms import response_from_post
from apps.checks.models import CheckAnswer
from apps.core.errors import ApplicationError, NotFound


def _wants_fragment(request: HttpRequest) -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


@login_required
@require_POST
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        check = services.check_get_visible(check_id=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    errors: list[str] = []
    saved: CheckAnswer | None
    try:
        check, saved = services.check_answer(
            user=request.user, check_id=pk, response=response_from_post(request.POST, check)
        )
    except ApplicationError as exc:
        errors.append(exc.message)
        saved = CheckAnswer.objects.filter(user=request.user.pk, check_item=check).first()
    view = selectors.check_view(check=check, answer=saved)
    view.errors = errors
    if _wants_fragment(request):
        html = render_to_string("checks/check.html", {"check": view}, request=request)
        return HttpResponse(html, status=400 if errors else 200)
    for error in errors:
        messages.error(request, f"Check {view.number}: {error}")
    return redirect(f"{check.lesson.get_absolute_url()}#{view.html_id}")
