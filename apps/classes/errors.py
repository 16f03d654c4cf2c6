"""The classes' domain errors (one family: ``apps.core.errors``)."""

from __future__ import annotations

from apps.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied, RateLimited


class ClassNotFound(NotFound):
    code = "class_not_found"


class AssignmentNotFound(NotFound):
    code = "assignment_not_found"


class MemberNotFound(NotFound):
    code = "member_not_found"


class NotInstructor(PermissionDenied):
    code = "not_instructor"


class CannotCreateClasses(PermissionDenied):
    code = "cannot_create_classes"


class InviteInvalid(NotFound):
    code = "invite_invalid"


class InviteClosed(Conflict):
    code = "invite_closed"


class ClassFull(Conflict):
    code = "class_full"


class RemovedFromClass(PermissionDenied):
    code = "removed_from_class"


class TooManyJoinAttempts(RateLimited):
    code = "too_many_join_attempts"


class InvalidAssignment(ApplicationError):
    code = "invalid_assignment"


class InvalidOverride(ApplicationError):
    code = "invalid_override"


class WorkNotFound(NotFound):
    code = "work_not_found"
