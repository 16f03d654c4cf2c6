"""Class pages: my classes, creating and joining a class, a class's overview, roster,
assignments with their overrides, gradebook, settings, CSV exports and the private
iCalendar feed.

The views translate: form input into service calls (``apps.classes.services``), reads
through the selectors that hold the access rules (``apps.classes.selectors``), and the
domain's errors into form errors, messages and status codes. A class that is not the
user's is a 404 (as one that does not exist); a teaching assistant who tries a change
gets a 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NoReturn
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from apps.classes import exports, ics, pages_support, selectors, services
from apps.classes.errors import InviteInvalid, TooManyJoinAttempts
from apps.classes.forms import (
    AssignmentForm,
    ClassCreateForm,
    ClassSettingsForm,
    JoinForm,
    OverrideForm,
    StaffAddForm,
    apply_error,
)
from apps.classes.grades import Cell, Status
from apps.classes.models import STAFF_ROLES, Assignment, AssignmentKind, Classroom, Role
from apps.core.errors import ApplicationError, NotFound
from apps.core.errors import PermissionDenied as DomainPermissionDenied
from apps.core.http import client_ip

GRADEBOOK_PAGE = 100  # learners per page (the CSV has them all)
CLASSES_PAGE = 50  # classes per page in platform staff's list of every class
CALENDAR_DAYS_BACK = 90


# --------------------------------------------------------------------------- helpers


def _http(exc: ApplicationError) -> NoReturn:
    """A refusal that is not a form error, as the page for its status."""
    if isinstance(exc, NotFound):
        raise Http404(exc.message) from exc
    if isinstance(exc, DomainPermissionDenied):
        raise PermissionDenied(exc.message) from exc
    raise exc


def _access(request: HttpRequest, pk: int, *, staff: bool = False,
            change: bool = False) -> selectors.ClassAccess:  # fmt: skip
    """The user's standing in the class: 404 when they have none (or are a learner on a
    staff page), 403 when a teaching assistant asks for a change."""
    try:
        if staff or change:
            return selectors.class_for_staff(user=request.user, classroom_id=pk, change=change)
        return selectors.class_access(user=request.user, classroom_id=pk)
    except ApplicationError as exc:
        _http(exc)


def _assignment(request: HttpRequest, pk: int, assignment_id: int, *,
                change: bool = False) -> tuple[selectors.ClassAccess, Assignment]:  # fmt: skip
    try:
        return selectors.assignment_for_staff(
            user=request.user, classroom_id=pk, assignment_id=assignment_id, change=change
        )
    except ApplicationError as exc:
        _http(exc)


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    return response


def _number(value: Decimal | None) -> str:
    """85, 72.5, 66.67: a score or a total as people write it."""
    if value is None:
        return "–"
    return f"{value:.2f}".rstrip("0").rstrip(".")


@dataclass
class WorkLink:
    title: str
    url: str


def _work_links(assignment: Assignment, classroom: Classroom) -> list[WorkLink]:
    """Where a learner does an assignment's work."""
    if assignment.kind == AssignmentKind.QUIZ and assignment.quiz is not None:
        return [WorkLink(assignment.quiz.title, assignment.quiz.get_absolute_url())]
    if assignment.kind == AssignmentKind.READING and assignment.module is not None:
        course = reverse("courses:course", kwargs={"course": classroom.course.slug})
        return [WorkLink(assignment.module.title, f"{course}#module-{assignment.module.slug}")]
    if assignment.kind == AssignmentKind.EXERCISES:
        return [WorkLink(e.title, e.get_absolute_url()) for e in assignment.exercises.all()]
    if assignment.live_session is not None:
        session = assignment.live_session
        return [WorkLink(f"Live session {session.code}", session.get_absolute_url())]
    return []


# --------------------------------------------------------------------------- my classes


def _index_page(request: HttpRequest, *, feed_url: str | None = None) -> HttpResponse:
    memberships = selectors.classes_for_user(user=request.user)
    context: dict[str, Any] = {
        "teaching": [(c, role) for c, role in memberships if role in STAFF_ROLES],
        "learning": [c for c, role in memberships if role == Role.LEARNER],
        "can_create": selectors.can_create_classes(request.user),
        "feed_exists": feed_url is not None or pages_support.calendar_feed_exists(request.user),
        "feed_url": feed_url,
        "every_class": None,
    }
    if selectors.sees_every_class(request.user):
        paginator = Paginator(selectors.classes_for_platform_staff(), CLASSES_PAGE)
        context["every_class"] = paginator.get_page(request.GET.get("page"))
    return render(request, "classes/index.html", context)


@login_required
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    return _index_page(request)


@login_required
@require_POST
def calendar_rotate(request: HttpRequest) -> HttpResponse:
    """A new private calendar address, shown once (only its hash is kept)."""
    key = services.calendar_feed_rotate(user=request.user)
    url = request.build_absolute_uri(reverse("classes:calendar", kwargs={"key": key}))
    return _no_store(_index_page(request, feed_url=url))


@login_required
@require_POST
def calendar_revoke(request: HttpRequest) -> HttpResponse:
    services.calendar_feed_revoke(user=request.user)
    messages.success(request, "Your calendar address is revoked: calendars using it get nothing.")
    return redirect("classes:index")


@require_safe
def calendar_feed(request: HttpRequest, key: str) -> HttpResponse:
    """The learner's due dates as iCalendar; the key in the address is the secret."""
    user = pages_support.calendar_feed_user(key)
    if user is None:
        raise Http404("No calendar has this address.")
    now = timezone.now()
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"  # a UID's stable part
    events = []
    for item in selectors.due_items(user=user, now=now, days_back=CALENDAR_DAYS_BACK):
        assignment, classroom = item.assignment, item.classroom
        lines = [
            f"{classroom} · {assignment.get_kind_display()}",
            f"Status: {item.cell.label}",
            "Late work: "
            + (
                f"accepted, {_number(assignment.penalty_per_day)} points off per day "
                f"(at most {_number(assignment.penalty_cap)})"
                if assignment.late_policy == "penalty"
                else "refused after the due time"
            ),
        ]
        if item.due_at != assignment.due_at:
            lines.append("Your due time is extended.")
        events.append(
            ics.Event(
                uid=f"class-assignment-{assignment.pk}@{domain}",
                start=item.due_at,
                summary=f"Due: {assignment.title} ({classroom.name})",
                description="\n".join(lines),
                url=request.build_absolute_uri(classroom.get_absolute_url()),
            )
        )
    body = ics.calendar(events, name="Backend Academy: due dates", stamp=now)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="due-dates.ics"'
    return _no_store(response)


# --------------------------------------------------------------------------- creating


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    if not selectors.can_create_classes(request.user):
        raise PermissionDenied("Only instructors can create classes.")
    form = ClassCreateForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            classroom = services.class_create(user=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
            status = exc.status
        else:
            messages.success(
                request,
                f"{classroom} is created. Share its invite code {classroom.invite_code} "
                "or link with your learners.",
            )
            return redirect(classroom)
    elif request.method == "POST":
        status = 400
    return render(request, "classes/create.html", {"form": form}, status=status)


# --------------------------------------------------------------------------- joining


def _join(request: HttpRequest, form: JoinForm, template: str,
          context: dict[str, Any]) -> HttpResponse:  # fmt: skip
    context["form"] = form
    if not form.is_valid():
        return render(request, template, context, status=400)
    started = timezone.now()
    try:
        membership = services.class_join(
            user=request.user, code=form.cleaned_data["code"], address=client_ip(request)
        )
    except InviteInvalid as exc:
        form.add_error("code", exc.message)
        return render(request, template, context, status=exc.status)
    except ApplicationError as exc:  # closed, full, removed, too many wrong codes
        form.add_error(None, exc.message)
        response = render(request, template, context, status=exc.status)
        if isinstance(exc, TooManyJoinAttempts) and exc.extra.get("retry_after"):
            response["Retry-After"] = str(exc.extra["retry_after"])
        return response
    classroom = membership.classroom
    if membership.joined_at >= started:
        messages.success(request, f"Welcome to {classroom}.")
    else:
        messages.info(request, f"You are already in {classroom}.")
    return redirect(classroom)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def join(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _join(request, JoinForm(request.POST), "classes/join.html", {})
    form = JoinForm(initial={"code": request.GET.get("code", "")[:40]})
    return render(request, "classes/join.html", {"form": form})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def join_link(request: HttpRequest, code: str) -> HttpResponse:
    """An invite link: confirm, then join. The page does not say whether the code is
    right until it is posted (where wrong codes are counted and limited)."""
    code = services.normalise_code(code)
    context: dict[str, Any] = {"code": code}
    if request.method == "POST":
        return _join(request, JoinForm(request.POST), "classes/join_link.html", context)
    context["form"] = JoinForm(initial={"code": code})
    return render(request, "classes/join_link.html", context)


# --------------------------------------------------------------------------- a class


@dataclass
class LearnerLine:
    assignment: Assignment
    cell: Cell
    terms: Any
    links: list[WorkLink]
    opened: bool
    extended: bool


@login_required
@require_safe
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    access = _access(request, pk)
    classroom = access.classroom
    if access.is_staff:
        staff = selectors.staff_of(classroom)
        return render(
            request,
            "classes/detail_staff.html",
            {
                "classroom": classroom,
                "access": access,
                "assignments": selectors.assignments_of(classroom),
                "instructors": [m for m in staff if m.role == Role.INSTRUCTOR],
                "tas": [m for m in staff if m.role == Role.TA],
                "counts": pages_support.member_counts(classroom),
                "invite_url": request.build_absolute_uri(
                    reverse("classes:join-link", kwargs={"code": classroom.invite_code})
                ),
            },
        )
    try:
        book = services.my_grades_settled(user=request.user, classroom_id=pk)
    except ApplicationError as exc:
        _http(exc)
    row = book.rows[0]
    lines = [
        LearnerLine(
            assignment,
            cell,
            terms,
            _work_links(assignment, classroom),
            assignment.opens_at <= book.now,
            terms.due_at != assignment.due_at,
        )
        for assignment, cell, terms in zip(book.assignments, row.cells, row.terms, strict=True)
    ]
    return render(
        request,
        "classes/detail_learner.html",
        {
            "classroom": classroom,
            "lines": lines,
            "total": _number(row.total) if row.total is not None else None,
            "now": book.now,
        },
    )


# --------------------------------------------------------------------------- roster


def _roster_page(
    request: HttpRequest,
    access: selectors.ClassAccess,
    *,
    staff_form: StaffAddForm | None = None,
    status: int = 200,
) -> HttpResponse:
    rows = selectors.roster(classroom=access.classroom)
    return render(
        request,
        "classes/roster.html",
        {
            "classroom": access.classroom,
            "access": access,
            "learners": [r for r in rows if r.membership.role == Role.LEARNER],
            "staff_rows": [r for r in rows if r.membership.role != Role.LEARNER],
            "staff_form": staff_form or StaffAddForm(),
        },
        status=status,
    )


@login_required
@require_safe
def roster(request: HttpRequest, pk: int) -> HttpResponse:
    access = _access(request, pk, staff=True)
    if request.GET.get("format") == "csv":
        return exports.roster_csv(access.classroom, selectors.roster(classroom=access.classroom))
    return _roster_page(request, access)


@login_required
@require_POST
def member_change(request: HttpRequest, pk: int, member_id: int, action: str) -> HttpResponse:
    """Remove a member (their work is kept) or restore them."""
    _access(request, pk, change=True)
    service = services.member_remove if action == "remove" else services.member_restore
    try:
        membership = service(user=request.user, classroom_id=pk, member_id=member_id)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        name = membership.user.public_name
        if action == "remove":
            messages.success(
                request, f"{name} is removed from the class: their work is kept, their access ends."
            )
        else:
            messages.success(request, f"{name} is back in the class.")
    return redirect("classes:roster", pk=pk)


@login_required
@require_POST
def staff_add(request: HttpRequest, pk: int) -> HttpResponse:
    access = _access(request, pk, change=True)
    form = StaffAddForm(request.POST)
    if not form.is_valid():
        return _roster_page(request, access, staff_form=form, status=400)
    try:
        membership = services.class_staff_add(
            user=request.user,
            classroom_id=pk,
            username=form.cleaned_data["username"],
            role=form.cleaned_data["role"],
        )
    except ApplicationError as exc:
        if exc.extra:
            apply_error(form, exc)
        else:  # no such account: said at the username
            form.add_error("username", exc.message)
        return _roster_page(request, access, staff_form=form, status=exc.status)
    messages.success(
        request,
        f"{membership.user.public_name} is now {membership.get_role_display().lower()} "
        f"of {access.classroom}.",
    )
    return redirect("classes:roster", pk=pk)


# --------------------------------------------------------------------------- assignments


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def assignment_new(request: HttpRequest, pk: int) -> HttpResponse:
    access = _access(request, pk, change=True)
    classroom = access.classroom
    if request.method == "POST":
        form = AssignmentForm(request.POST, classroom=classroom)
        status = 400
        if form.is_valid():
            try:
                assignment = services.assignment_create(
                    user=request.user, classroom_id=pk, **form.service_data()
                )
            except ApplicationError as exc:
                apply_error(form, exc, AssignmentForm.ALIASES)
                status = exc.status
            else:
                messages.success(request, f"“{assignment.title}” is set.")
                return redirect(assignment)
    else:
        form = AssignmentForm(classroom=classroom)
        status = 200
    return render(
        request,
        "classes/assignment_form.html",
        {"classroom": classroom, "access": access, "form": form, "assignment": None},
        status=status,
    )


def _assignment_page(request: HttpRequest, access: selectors.ClassAccess,
                     assignment: Assignment, *, form: AssignmentForm | None = None,
                     override_form: OverrideForm | None = None,
                     status: int = 200) -> HttpResponse:  # fmt: skip
    classroom = access.classroom
    context: dict[str, Any] = {
        "classroom": classroom,
        "access": access,
        "assignment": assignment,
        "overrides": list(selectors.overrides_of(assignment)),
        "links": _work_links(assignment, classroom),
    }
    if access.can_change:
        context["form"] = form or AssignmentForm(
            initial=AssignmentForm.initial_for(assignment),
            classroom=classroom,
            current_session=assignment.live_session_id,
        )
        context["override_form"] = override_form or OverrideForm(
            classroom=classroom, learners=pages_support.learners_of(classroom)
        )
    return render(request, "classes/assignment.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def assignment_detail(request: HttpRequest, pk: int, assignment_id: int) -> HttpResponse:
    """The assignment for its class's staff; instructors edit it and its overrides."""
    access, assignment = _assignment(request, pk, assignment_id, change=request.method == "POST")
    if request.method != "POST":
        return _assignment_page(request, access, assignment)
    form = AssignmentForm(
        request.POST, classroom=access.classroom, current_session=assignment.live_session_id
    )
    if not form.is_valid():
        return _assignment_page(request, access, assignment, form=form, status=400)
    try:
        assignment = services.assignment_update(
            user=request.user, classroom_id=pk, assignment_id=assignment_id, **form.service_data()
        )
    except ApplicationError as exc:
        apply_error(form, exc, AssignmentForm.ALIASES)
        return _assignment_page(request, access, assignment, form=form, status=exc.status)
    messages.success(request, f"“{assignment.title}” is saved.")
    return redirect(assignment)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def assignment_delete(request: HttpRequest, pk: int, assignment_id: int) -> HttpResponse:
    access, assignment = _assignment(request, pk, assignment_id, change=True)
    if request.method != "POST":
        return render(
            request,
            "classes/assignment_delete.html",
            {"classroom": access.classroom, "access": access, "assignment": assignment},
        )
    try:
        services.assignment_delete(user=request.user, classroom_id=pk, assignment_id=assignment_id)
    except ApplicationError as exc:
        _http(exc)
    messages.success(
        request,
        f"“{assignment.title}” is deleted. The learners' attempts and runs are kept.",
    )
    return redirect(access.classroom)


@login_required
@require_POST
def override_set(request: HttpRequest, pk: int, assignment_id: int) -> HttpResponse:
    access, assignment = _assignment(request, pk, assignment_id, change=True)
    learners = pages_support.learners_of(access.classroom)
    form = OverrideForm(request.POST, classroom=access.classroom, learners=learners)
    if not form.is_valid():
        return _assignment_page(request, access, assignment, override_form=form, status=400)
    try:
        override = services.override_set(
            user=request.user,
            classroom_id=pk,
            assignment_id=assignment_id,
            **form.service_data(),
        )
    except ApplicationError as exc:
        apply_error(form, exc, OverrideForm.ALIASES)
        return _assignment_page(request, access, assignment, override_form=form, status=exc.status)
    messages.success(request, f"The override for {override.user.public_name} is saved.")
    return redirect(f"{assignment.get_absolute_url()}#overrides")


@login_required
@require_POST
def override_revoke(
    request: HttpRequest, pk: int, assignment_id: int, user_id: int
) -> HttpResponse:
    _, assignment = _assignment(request, pk, assignment_id, change=True)
    try:
        services.override_delete(
            user=request.user, classroom_id=pk, assignment_id=assignment_id, learner_id=user_id
        )
    except ApplicationError as exc:
        _http(exc)
    messages.success(request, "The override is revoked: the assignment's own terms apply.")
    return redirect(f"{assignment.get_absolute_url()}#overrides")


# --------------------------------------------------------------------------- gradebook


SORT_DIRECTIONS = ("asc", "desc")
WORK_KINDS = ("attempt", "run")


@dataclass
class GradeCell:
    text: str
    status: str
    label: str
    url: str
    detail: str


@dataclass
class GradeLine:
    user: Any
    url: str
    cells: list[GradeCell]
    total: str


@dataclass
class Column:
    key: str
    title: str
    url: str
    sorted: str  # "", "ascending" or "descending"
    assignment: Assignment | None = None


def _cell_detail(cell: Cell) -> str:
    parts = []
    if cell.penalty:
        days = _number(cell.days_late)
        parts.append(f"{_number(cell.penalty)} points off for {days} day(s) late")
    if cell.refused_late:
        parts.append(f"{cell.refused_late} handed in after the due time, not counted")
    return "; ".join(parts)


def _work_url(classroom_id: int, cell: Cell, fallback: str) -> str:
    """A cell's link: the one attempt or run that counts, read only; else ``fallback``
    (the learner's page, which lists every piece of work)."""
    if len(cell.refs) == 1 and cell.refs[0][0] in WORK_KINDS:
        kind, pk = cell.refs[0]
        return _work_path(classroom_id, kind, pk)
    return fallback


def _work_path(classroom_id: int, kind: str, pk: int) -> str:
    name = "classes:work-attempt" if kind == "attempt" else "classes:work-run"
    return reverse(name, kwargs={"pk": classroom_id, "work_id": pk})


def _grade_query(request: HttpRequest) -> dict[str, str]:
    direction = request.GET.get("dir", "")
    status = request.GET.get("status", "")
    return {
        "sort": request.GET.get("sort", "name")[:20],
        "dir": direction if direction in SORT_DIRECTIONS else "asc",
        "status": status if status in Status.LABELS else "",
        "q": request.GET.get("q", "").strip()[:100],
    }


def _sorted_rows(book: selectors.Gradebook, query: dict[str, str]) -> list[selectors.GradebookRow]:
    """The gradebook's rows filtered by status and name and sorted by name, total or an
    assignment's score (rows without a score last, whichever the direction)."""
    rows = book.rows
    if query["status"]:
        rows = [r for r in rows if any(c.status == query["status"] for c in r.cells)]
    if query["q"]:
        needle = query["q"].casefold()
        rows = [
            r
            for r in rows
            if needle in r.user.username.casefold() or needle in r.user.public_name.casefold()
        ]

    def by_name(row: selectors.GradebookRow) -> tuple[str, str]:
        return (row.user.public_name.casefold(), row.user.username)

    rows = sorted(rows, key=by_name)
    descending = query["dir"] == "desc"
    sort = query["sort"]
    value: Any = None
    if sort == "total":
        value = lambda row: row.total  # noqa: E731
    elif sort.startswith("a") and sort[1:].isdigit():
        index = next((i for i, a in enumerate(book.assignments) if a.pk == int(sort[1:])), None)
        if index is not None:
            value = lambda row: row.cells[index].score  # noqa: E731
    if value is None:
        return list(reversed(rows)) if descending and sort == "name" else rows
    scored = [r for r in rows if value(r) is not None]
    unscored = [r for r in rows if value(r) is None]
    return sorted(scored, key=value, reverse=descending) + unscored


def _gradebook_lines(classroom: Classroom, rows: list[selectors.GradebookRow]) -> list[GradeLine]:
    base = reverse("classes:gradebook", kwargs={"pk": classroom.pk})
    lines = []
    for row in rows:
        learner_url = f"{base}{row.user.pk}/"
        cells = [
            GradeCell(
                _number(cell.score),
                cell.status,
                cell.label,
                _work_url(classroom.pk, cell, learner_url),
                _cell_detail(cell),
            )
            for cell in row.cells
        ]
        lines.append(GradeLine(row.user, learner_url, cells, _number(row.total)))
    return lines


def _columns(book: selectors.Gradebook, query: dict[str, str]) -> list[Column]:
    def column(key: str, title: str, assignment: Assignment | None = None) -> Column:
        current = query["sort"] == key
        if current:
            direction = "asc" if query["dir"] == "desc" else "desc"
        else:
            direction = "asc" if key == "name" else "desc"
        params = {"sort": key, "dir": direction}
        params.update({k: query[k] for k in ("status", "q") if query[k]})
        sorted_ = ("descending" if query["dir"] == "desc" else "ascending") if current else ""
        return Column(key, title, "?" + urlencode(params), sorted_, assignment)

    return [
        column("name", "Learner"),
        *(column(f"a{a.pk}", a.title, a) for a in book.assignments),
        column("total", "Total"),
    ]


@login_required
@require_safe
def gradebook(request: HttpRequest, pk: int) -> HttpResponse:
    access = _access(request, pk, staff=True)
    query = _grade_query(request)
    csv = request.GET.get("format") == "csv"
    if not csv and query["sort"] == "name" and not query["status"]:
        # In name order, and not filtered by a status, a page of learners is known before
        # any grade is: only that page's grades are computed.
        ids = list(
            selectors.gradebook_learner_ids(access.classroom, search=query["q"], by_name=True)
        )
        if query["dir"] == "desc":
            ids.reverse()
        id_page = Paginator(ids, GRADEBOOK_PAGE).get_page(request.GET.get("page"))
        book = services.gradebook_settled(
            classroom=access.classroom, user_ids=list(id_page.object_list)
        )
        by_id = {row.user.pk: row for row in book.rows}
        page: Any = id_page
        page.object_list = [by_id[i] for i in id_page.object_list if i in by_id]
        learner_count = len(ids)
    else:
        book = services.gradebook_settled(classroom=access.classroom)
        rows = _sorted_rows(book, query)
        if csv:
            return exports.gradebook_csv(book, rows)
        page = Paginator(rows, GRADEBOOK_PAGE).get_page(request.GET.get("page"))
        learner_count = len(book.rows)
    kept = {k: v for k, v in query.items() if v}
    return render(
        request,
        "classes/gradebook.html",
        {
            "classroom": access.classroom,
            "access": access,
            "book": book,
            "columns": _columns(book, query),
            "lines": _gradebook_lines(access.classroom, list(page.object_list)),
            "page": page,
            "query": query,
            "statuses": list(Status.LABELS.items()),
            "csv_query": urlencode({**kept, "format": "csv"}),
            "page_query": urlencode(kept),
            "filtered": bool(query["status"] or query["q"]),
            "learner_count": learner_count,
        },
    )


@login_required
@require_safe
def learner_grades(request: HttpRequest, pk: int, user_id: int) -> HttpResponse:
    """One learner's row of the gradebook, assignment by assignment (class staff)."""
    access = _access(request, pk, staff=True)
    book = services.gradebook_settled(classroom=access.classroom, user_ids=[user_id])
    if not book.rows:
        raise Http404("No such learner in this class.")
    row = book.rows[0]
    learner_url = reverse("classes:learner", kwargs={"pk": pk, "user_id": user_id})
    lines = [
        {
            "assignment": assignment,
            "cell": cell,
            "terms": terms,
            "score": _number(cell.score),
            "detail": _cell_detail(cell),
            "extended": terms.due_at != assignment.due_at,
            "work": [
                WorkLink(
                    f"Attempt {ref}" if kind == "attempt" else f"Run {ref}",
                    _work_path(pk, kind, ref),
                )
                for kind, ref in cell.refs
                if kind in WORK_KINDS
            ],
        }
        for assignment, cell, terms in zip(book.assignments, row.cells, row.terms, strict=True)
    ]
    return render(
        request,
        "classes/learner.html",
        {
            "classroom": access.classroom,
            "access": access,
            "learner": row.user,
            "membership": row.membership,
            "lines": lines,
            "total": _number(row.total),
            "learner_url": learner_url,
        },
    )


# --------------------------------------------------------------------------- settings


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def settings_page(request: HttpRequest, pk: int) -> HttpResponse:
    access = _access(request, pk, change=True)
    classroom = access.classroom
    status = 200
    if request.method == "POST":
        form = ClassSettingsForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                classroom = services.class_update(
                    user=request.user, classroom_id=pk, **form.cleaned_data
                )
            except ApplicationError as exc:
                apply_error(form, exc)
                status = exc.status
            else:
                messages.success(
                    request, "The settings are saved; every grade follows the policy now."
                )
                return redirect("classes:settings", pk=pk)
    else:
        form = ClassSettingsForm(initial=ClassSettingsForm.initial_for(classroom))
    return render(
        request,
        "classes/settings.html",
        {
            "classroom": classroom,
            "access": access,
            "form": form,
            "invite_url": request.build_absolute_uri(
                reverse("classes:join-link", kwargs={"code": classroom.invite_code})
            ),
        },
        status=status,
    )


@login_required
@require_POST
def invite_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    _access(request, pk, change=True)
    try:
        classroom = services.class_invite_rotate(user=request.user, classroom_id=pk)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"The new invite code is {classroom.invite_code}; "
            "the old code and link no longer work.",
        )
    return redirect("classes:settings", pk=pk)


# --------------------------------------------------------------------------- a learner's work


def _work(request: HttpRequest, pk: int, kind: str, work_id: int) -> tuple[Any, Any]:
    try:
        return selectors.class_work_for_staff(
            user=request.user, classroom_id=pk, kind=kind, pk=work_id
        )
    except ApplicationError as exc:
        _http(exc)


@login_required
@require_safe
def work_attempt(request: HttpRequest, pk: int, work_id: int) -> HttpResponse:
    """A learner's quiz attempt, read only (class staff): their answers and what each
    scored; keys only as far as the quiz reveals them to the learner."""
    from apps.quizzes import selectors as quiz_selectors

    access, attempt = _work(request, pk, "attempt", work_id)
    return render(
        request,
        "classes/work_attempt.html",
        {
            "classroom": access.classroom,
            "access": access,
            "attempt": attempt,
            "learner": attempt.user,
            "review": quiz_selectors.attempt_review(attempt),
            "learner_url": reverse(
                "classes:learner", kwargs={"pk": pk, "user_id": attempt.user_id}
            ),
        },
    )


@login_required
@require_safe
def work_run(request: HttpRequest, pk: int, work_id: int) -> HttpResponse:
    """A learner's code run, read only (class staff): the code and its test results."""
    access, run = _work(request, pk, "run", work_id)
    return render(
        request,
        "classes/work_run.html",
        {
            "classroom": access.classroom,
            "access": access,
            "run": run,
            "exercise": run.exercise,
            "learner": run.user,
            "learner_url": reverse("classes:learner", kwargs={"pk": pk, "user_id": run.user_id}),
        },
    )


# --------------------------------------------------------------------------- item analysis


@login_required
@require_safe
def analysis(request: HttpRequest, pk: int) -> HttpResponse:
    """Item analysis of one quiz or exercises assignment, from this class's counted work:
    a quiz's facility, discrimination and distractors; an exercise's tests."""
    access = _access(request, pk, staff=True)
    classroom = access.classroom
    candidates = [
        a
        for a in selectors.assignments_of(classroom)
        if a.kind in (AssignmentKind.QUIZ, AssignmentKind.EXERCISES)
    ]
    wanted = request.GET.get("assignment", "")
    chosen = next((a for a in candidates if str(a.pk) == wanted), None)
    if chosen is None and wanted:
        raise Http404("No such quiz or exercises assignment in this class.")
    chosen = chosen or (candidates[0] if candidates else None)
    context: dict[str, Any] = {
        "classroom": classroom,
        "access": access,
        "candidates": candidates,
        "chosen": chosen,
    }
    if chosen is not None and chosen.kind == AssignmentKind.QUIZ:
        context["quiz"] = selectors.quiz_item_analysis(classroom=classroom, assignment=chosen)
    elif chosen is not None:
        context["exercises"] = selectors.exercise_item_analysis(
            classroom=classroom, assignment=chosen
        )
    return render(request, "classes/analysis.html", context)
