"""GraphQL queries for classes (the REST API's reads, same selectors, same rules): a
class you are not in is ``class_not_found``; a learner asking for the roster or the
gradebook is too."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import graphene

from apps.classes import selectors, services
from apps.classes.api import public
from apps.classes.graphql import types
from apps.classes.models import Role
from apps.quizzes.graphql.queries import DEFAULT_LIMIT, MAX_LIMIT
from config.graphql.auth import login_required


def window(limit: int | None, offset: int | None) -> tuple[int, int]:
    """Limit/offset like the REST API: ``limit`` clamps to 1..200, ``offset`` to ≥ 0."""
    limit = DEFAULT_LIMIT if limit is None or limit < 1 else min(limit, MAX_LIMIT)
    return limit, max(offset or 0, 0)


def page(
    rows: Any, limit: int | None, offset: int | None, build: Callable[[Any], Any] | None = None
) -> dict[str, Any]:
    start, end = _bounds(limit, offset)
    count = len(rows) if isinstance(rows, list) else rows.count()
    chosen = list(rows[start:end])
    return {"count": count, "results": [build(row) for row in chosen] if build else chosen}


def _bounds(limit: int | None, offset: int | None) -> tuple[int, int]:
    size, start = window(limit, offset)
    return start, start + size


def _paged(description: str, of: Any) -> graphene.Field:
    return graphene.Field(
        graphene.NonNull(of), limit=graphene.Int(), offset=graphene.Int(), description=description
    )


def _class_id(description: str = "The class.") -> graphene.Int:
    return graphene.Int(required=True, description=description)


class ClassQueries(graphene.ObjectType):
    classes = _paged("Your classes, newest first, with your role in each.", types.ClassPage)
    class_ = graphene.Field(
        types.ClassDetail,
        name="class",
        id=_class_id(),
        description="A class you belong to (its settings and invite code for its staff).",
    )
    class_roster = graphene.Field(
        graphene.NonNull(types.RosterPage),
        class_id=_class_id(),
        limit=graphene.Int(),
        offset=graphene.Int(),
        description="The class's members with their progress (instructors and TAs).",
    )
    class_assignments = graphene.Field(
        graphene.NonNull(types.AssignmentPage),
        class_id=_class_id(),
        limit=graphene.Int(),
        offset=graphene.Int(),
        description="The class's assignments in due order (learners: with their standing).",
    )
    assignment_overrides = graphene.Field(
        graphene.NonNull(types.OverridePage),
        class_id=_class_id(),
        assignment_id=graphene.Int(required=True),
        limit=graphene.Int(),
        offset=graphene.Int(),
        description="An assignment's per-learner overrides (instructors and TAs).",
    )
    class_gradebook = graphene.Field(
        graphene.NonNull(types.Gradebook),
        class_id=_class_id(),
        limit=graphene.Int(description="Learners per page (50 by default, 200 at most)."),
        offset=graphene.Int(),
        description="A page of learners × every assignment (instructors and TAs).",
    )
    my_grades = graphene.Field(
        graphene.NonNull(types.MyGrades),
        class_id=_class_id(),
        description="Your own grades in a class you learn in.",
    )
    due_items = _paged(
        "Your assignments in every class you learn in, soonest due first (from 14 days ago).",
        types.DueItemPage,
    )

    @staticmethod
    @login_required
    def resolve_classes(root: Any, info: Any, limit=None, offset=None) -> Any:
        rows = selectors.classes_visible_to(user=info.context.user)
        return page(rows, limit, offset, lambda row: public.class_summary(*row))

    @staticmethod
    @login_required
    def resolve_class_(root: Any, info: Any, id: int) -> Any:
        return public.class_detail_for(user=info.context.user, classroom_id=id)

    @staticmethod
    @login_required
    def resolve_class_roster(root: Any, info: Any, class_id: int, limit=None, offset=None) -> Any:
        access = selectors.class_for_staff(user=info.context.user, classroom_id=class_id)
        return page(selectors.roster(classroom=access.classroom), limit, offset, public.roster_row)

    @staticmethod
    @login_required
    def resolve_class_assignments(
        root: Any, info: Any, class_id: int, limit=None, offset=None
    ) -> Any:
        user = info.context.user
        access = selectors.class_access(user=user, classroom_id=class_id)
        if access.role == Role.LEARNER:
            book = selectors.gradebook(classroom=access.classroom, user_ids=[user.pk])
            return page(public.learner_assignments(book), limit, offset)
        return page(selectors.assignments_of(access.classroom), limit, offset, public.assignment)

    @staticmethod
    @login_required
    def resolve_assignment_overrides(
        root: Any, info: Any, *, class_id: int, assignment_id: int, limit=None, offset=None
    ) -> Any:
        _, item = selectors.assignment_for_staff(
            user=info.context.user, classroom_id=class_id, assignment_id=assignment_id
        )
        return page(selectors.overrides_of(item), limit, offset, public.override)

    @staticmethod
    @login_required
    def resolve_class_gradebook(
        root: Any, info: Any, class_id: int, limit=None, offset=None
    ) -> Any:
        access = selectors.class_for_staff(user=info.context.user, classroom_id=class_id)
        learners = selectors.gradebook_learner_ids(access.classroom)
        start, end = _bounds(limit, offset)
        book = services.gradebook_settled(
            classroom=access.classroom, user_ids=list(learners[start:end])
        )
        return {"count": learners.count(), **public.gradebook(book)}

    @staticmethod
    @login_required
    def resolve_my_grades(root: Any, info: Any, class_id: int) -> Any:
        return public.my_grades(
            services.my_grades_settled(user=info.context.user, classroom_id=class_id)
        )

    @staticmethod
    @login_required
    def resolve_due_items(root: Any, info: Any, limit=None, offset=None) -> Any:
        items = public.due_items(selectors.due_items(user=info.context.user))
        return page(items, limit, offset)
