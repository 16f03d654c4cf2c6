"""Live session pages: join, play, host, QR code, results (and their CSV), create.

The pages are shells: what changes during a game arrives over the websocket
(``apps.live.consumers``) and is drawn by ``static/js/live-*.js`` from the state
snapshot and the numbered events. The views translate input for the services and
their errors into form errors, messages and status codes.
"""

from __future__ import annotations

import csv
import secrets
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_POST, require_safe

from apps.core.errors import ApplicationError, NotFound
from apps.core.http import client_ip
from apps.core.spreadsheet import safe_cell
from apps.live import qr, scoring, selectors, services
from apps.live.errors import BadNickname, JoinLimited, PlayerRemoved, SessionNotFound
from apps.live.forms import HostForm, JoinForm
from apps.live.models import LivePlayer, LiveSession, SessionStatus

SESSION_KEY = "live"
REMEMBERED_CODES = 20  # join credentials kept per browser session
RECENT_HOSTED = 10
RESULTS_TOP = selectors.LEADERBOARD_SIZE
QR_MAX_AGE = 24 * 3600
# A signed, HttpOnly id of this browser, set at its first join: a guest the host removed
# cannot join that session again from it under another nickname.
BROWSER_COOKIE = "live_browser"
BROWSER_SALT = "live.browser"
BROWSER_MAX_AGE = 365 * 24 * 3600


# --------------------------------------------------------------------------- helpers


def _credentials(request: HttpRequest, code: str) -> dict[str, Any] | None:
    found = request.session.get(SESSION_KEY, {}).get(code)
    return found if isinstance(found, dict) else None


def _remember(request: HttpRequest, code: str, result: services.JoinResult) -> None:
    joined: dict[str, Any] = request.session.setdefault(SESSION_KEY, {})
    joined.pop(code, None)
    joined[code] = {"player": result.player.pk, "secret": result.secret}
    for old in list(joined)[:-REMEMBERED_CODES]:
        del joined[old]
    request.session.modified = True


def _player(request: HttpRequest, session: LiveSession) -> LivePlayer | None:
    """The player this browser joined ``session`` as (raises PlayerRemoved)."""
    credentials = _credentials(request, session.code)
    if credentials is None:
        return None
    try:
        return services.player_authenticate(
            session_id=session.pk,
            player_id=int(credentials.get("player") or 0),
            secret=str(credentials.get("secret") or ""),
        )
    except PlayerRemoved as exc:
        raise PlayerRemoved(services.REMOVED_REJOIN) from exc
    except (ApplicationError, TypeError, ValueError):
        return None


def _browser_id(request: HttpRequest) -> str | None:
    found = request.get_signed_cookie(BROWSER_COOKIE, default=None, salt=BROWSER_SALT)
    return found if isinstance(found, str) and 16 <= len(found) <= 64 else None


def _is_host(request: HttpRequest, session: LiveSession | None) -> bool:
    return (
        session is not None and request.user.is_authenticated and session.host_id == request.user.pk
    )


def _hosted_or_403(request: HttpRequest, code: str) -> LiveSession:
    """The host's session; anyone else gets 403 whether or not the code exists."""
    session = selectors.session_by_code_any(code=code)
    if session is None or not _is_host(request, session):
        raise PermissionDenied("Only the host of this live session can open this page.")
    return session


def _join_page(
    request: HttpRequest, form: JoinForm, *, code: str | None, status: int = 200
) -> HttpResponse:
    context: dict[str, Any] = {"form": form, "code": code, "scoring": _scoring_facts()}
    if code is None:
        template = "live/index.html"
        if request.user.is_authenticated:
            context["hosted"] = list(selectors.sessions_hosted(user=request.user)[:RECENT_HOSTED])
    else:
        template = "live/join.html"
        session = selectors.session_by_code(code=code) if request.user.is_authenticated else None
        context["is_host"] = _is_host(request, session)
    response = render(request, template, context, status=status)
    if _browser_id(request) is None:
        # Given with the form, so that the join it sends already carries it: a join whose
        # answer was lost and is sent again finds the player it made (services.player_join).
        _set_browser_cookie(request, response, secrets.token_urlsafe(24))
    return response


def _set_browser_cookie(request: HttpRequest, response: HttpResponse, browser: str) -> None:
    response.set_signed_cookie(
        BROWSER_COOKIE,
        browser,
        salt=BROWSER_SALT,
        max_age=BROWSER_MAX_AGE,
        path=reverse("live:index"),
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )


def _scoring_facts() -> dict[str, int]:
    return {
        "base": scoring.BASE_POINTS,
        "half": scoring.BASE_POINTS // 2,
        "step": scoring.STREAK_STEP,
        "cap": scoring.STREAK_CAP,
    }


# --------------------------------------------------------------------------- joining


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    return _join_page(request, JoinForm(user=request.user), code=None)


@require_POST
def join(request: HttpRequest, code: str | None = None) -> HttpResponse:
    form = JoinForm(request.POST, user=request.user)
    if not form.is_valid():
        return _join_page(request, form, code=code)
    wanted = form.cleaned_data["code"]
    try:
        session = services.session_for_code(code=wanted, address=client_ip(request))
    except JoinLimited as exc:
        form.add_error(None, exc.message)
        response = _join_page(request, form, code=code, status=exc.status)
        if exc.extra.get("retry_after"):
            response["Retry-After"] = str(exc.extra["retry_after"])
        return response
    except SessionNotFound as exc:
        form.add_error("code", exc.message)
        return _join_page(request, form, code=code, status=exc.status)
    browser = _browser_id(request)
    new_browser = None if browser else secrets.token_urlsafe(24)
    try:
        if _player(request, session) is not None:
            return redirect("live:play", code=session.code)  # already in: nothing to do
        kept = _credentials(request, session.code) or {}
        result = services.player_join(
            session_id=session.pk,
            user=request.user,
            nickname=form.cleaned_data.get("nickname") or None,
            secret=str(kept.get("secret") or "") or None,
            browser=browser or new_browser,
        )
    except BadNickname as exc:
        form.add_error("nickname", exc.message)
        return _join_page(request, form, code=code)
    except ApplicationError as exc:  # ended, full, removed
        form.add_error(None, exc.message)
        return _join_page(request, form, code=code, status=exc.status)
    _remember(request, session.code, result)
    response = redirect("live:play", code=session.code)
    if new_browser is not None:
        _set_browser_cookie(request, response, new_browser)
    return response


@require_safe
def play(request: HttpRequest, code: str) -> HttpResponse:
    """The player's screen once joined; the join form for this code before."""
    session = None
    if _credentials(request, code) is not None:
        session = selectors.session_by_code_any(code=code)
    player = None
    if session is not None:
        try:
            player = _player(request, session)
        except PlayerRemoved as exc:
            return render(
                request,
                "live/removed.html",
                {"message": exc.message, "session": session},
                status=exc.status,
            )
    if session is None or player is None:
        form = JoinForm(initial={"code": code}, user=request.user)
        return _join_page(request, form, code=code)
    if session.status == SessionStatus.ENDED:
        return redirect("live:results", code=session.code)
    return render(
        request,
        "live/play.html",
        {
            "session": session,
            "player": player,
            "team": player.team,
            "scoring": _scoring_facts(),
        },
    )


# --------------------------------------------------------------------------- hosting


@login_required
@require_POST
def create(request: HttpRequest) -> HttpResponse:
    form = HostForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose between 5 and 300 seconds per question.")
        slug = form.cleaned_data.get("quiz")
        return redirect("quizzes:quiz", slug=slug) if slug else redirect("live:index")
    slug = form.cleaned_data["quiz"]
    try:
        session = services.session_create(
            host=request.user,
            quiz_slug=slug,
            seconds_per_question=form.cleaned_data["seconds_per_question"],
            scoring_mode=form.cleaned_data["scoring_mode"],
        )
    except NotFound as exc:
        messages.error(request, exc.message)
        return redirect("live:index")
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("quizzes:quiz", slug=slug)
    return redirect("live:host", code=session.code)


@login_required
@require_safe
def host(request: HttpRequest, code: str) -> HttpResponse:
    session = _hosted_or_403(request, code)
    if session.status == SessionStatus.ENDED:
        return redirect("live:results", code=session.code)
    play_path = reverse("live:play", kwargs={"code": session.code})
    return render(
        request,
        "live/host.html",
        {
            "session": session,
            "join_url": request.build_absolute_uri(play_path),
            "join_root": request.build_absolute_uri(reverse("live:index")),
        },
    )


@require_safe
def qr_svg(request: HttpRequest, code: str) -> HttpResponse:
    """The join link as a QR code. Drawn for any well-formed code: whether a session
    exists is never told here (join attempts are rate-limited, this is not)."""
    url = request.build_absolute_uri(reverse("live:play", kwargs={"code": code}))
    response = HttpResponse(qr.svg_for(url), content_type="image/svg+xml")
    patch_cache_control(response, public=True, max_age=QR_MAX_AGE)
    return response


# --------------------------------------------------------------------------- results


def _ranked(rows: list[LivePlayer]) -> list[tuple[int | None, LivePlayer]]:
    """``results_rows`` lists players still in the game first, best first."""
    out: list[tuple[int | None, LivePlayer]] = []
    rank = 0
    for row in rows:
        if row.removed:
            out.append((None, row))
        else:
            rank += 1
            out.append((rank, row))
    return out


def _my_player_id(request: HttpRequest, session: LiveSession, rows: list[LivePlayer]) -> int | None:
    credentials = _credentials(request, session.code) or {}
    mine = {credentials.get("player")}
    for row in rows:
        if row.removed:
            continue
        if row.pk in mine or (request.user.is_authenticated and row.user_id == request.user.pk):
            return row.pk
    return None


@require_safe
def results(request: HttpRequest, code: str) -> HttpResponse:
    """The host sees everyone; a player sees the top 10 and their own line; anyone else
    gets 404, as for a code that does not exist."""
    session = selectors.session_by_code_any(code=code)
    if session is None:
        raise Http404("No live session has that code.")
    rows = selectors.results_rows(session)
    is_host = _is_host(request, session)
    me = _my_player_id(request, session, rows)
    if not is_host and me is None:
        raise Http404("No live session has that code.")
    ranked = _ranked(rows)
    if is_host:
        shown = ranked
    else:
        shown = [(rank, row) for rank, row in ranked if rank is not None and rank <= RESULTS_TOP]
        if all(row.pk != me for _, row in shown):
            shown += [(rank, row) for rank, row in ranked if row.pk == me]
    mine = next(((rank, row) for rank, row in ranked if row.pk == me), None)
    return render(
        request,
        "live/results.html",
        {
            "session": session,
            "is_host": is_host,
            "rows": shown,
            "me": me,
            "mine": mine,
            "podium": [(rank, row) for rank, row in ranked if rank is not None and rank <= 3],
            "teams": selectors.team_standings(session),
            "total": sum(1 for rank, _ in ranked if rank is not None),
        },
    )


@login_required
@require_safe
def results_csv(request: HttpRequest, code: str) -> HttpResponse:
    session = _hosted_or_403(request, code)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = session.created_at.strftime("%Y%m%d")
    response["Content-Disposition"] = (
        f'attachment; filename="live-{session.code}-{stamp}-results.csv"'
    )
    response["Cache-Control"] = "private, no-store"
    writer = csv.writer(response)
    header = [
        "rank", "nickname", "score", "correct", "questions", "player", "removed",
        "joined_at", "team",
    ]  # fmt: skip
    writer.writerow(header)
    for rank, row in _ranked(selectors.results_rows(session)):
        writer.writerow(
            [
                rank if rank is not None else "",
                safe_cell(row.nickname),
                row.score,
                row.correct_count,
                session.questions_played,
                "account" if row.user_id else "guest",
                "yes" if row.removed else "no",
                row.joined_at.isoformat(),
                safe_cell(row.team.name) if row.team else "",
            ]
        )
    return response
