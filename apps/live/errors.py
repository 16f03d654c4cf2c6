from apps.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied, RateLimited


class SessionNotFound(NotFound):
    pass


class NotHost(PermissionDenied):
    code = "not_host"


class InvalidState(Conflict):
    code = "invalid_state"


class SessionFull(Conflict):
    code = "session_full"


class SessionEnded(Conflict):
    code = "session_ended"


class PlayerRemoved(PermissionDenied):
    code = "player_removed"


class PlayerUnknown(PermissionDenied):
    code = "not_a_player"


class BadNickname(ApplicationError):
    code = "bad_nickname"


class AlreadyAnswered(Conflict):
    code = "already_answered"


class TooLate(Conflict):
    code = "too_late"


class QuestionNotOpen(Conflict):
    code = "question_not_open"


class JoinLimited(RateLimited):
    code = "join_rate_limited"


class HostingLimited(RateLimited):
    code = "hosting_limited"


class JoinedMidQuestion(Conflict):
    code = "joined_mid_question"


class InvalidSetting(ApplicationError):
    code = "invalid_setting"


class NotRecorded(ApplicationError):
    """The database refused one answer of a group commit (the others were kept): the
    client sends it again with the same key."""

    status = 503
    code = "answer_not_recorded"
