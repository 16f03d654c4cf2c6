from apps.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied, RateLimited


class LabNotFound(NotFound):
    pass


class LearnerNotFound(NotFound):
    pass


class LabExerciseNotFound(NotFound):
    pass


class NotLabHost(PermissionDenied):
    code = "not_host"


class NotInLab(PermissionDenied):
    code = "not_in_lab"


class GuestsRefused(PermissionDenied):
    code = "not_authenticated"


class LabPaused(Conflict):
    code = "lab_paused"


class LabEnded(Conflict):
    code = "lab_ended"


class HostingLimited(RateLimited):
    pass


class JoinLimited(RateLimited):
    code = "too_many_join_attempts"


class InvalidLab(ApplicationError):
    pass
