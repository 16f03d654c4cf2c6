from apps.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied


class QuizNotFound(NotFound):
    pass


class AttemptNotFound(NotFound):
    pass


class NoAttemptsLeft(PermissionDenied):
    code = "no_attempts_left"


class AttemptClosed(Conflict):
    code = "attempt_closed"


class DeadlinePassed(Conflict):
    code = "deadline_passed"


class QuestionNotInAttempt(ApplicationError):
    code = "question_not_in_attempt"


class QuestionsHidden(PermissionDenied):
    code = "questions_hidden"


class AttemptNotSubmitted(Conflict):
    code = "attempt_not_submitted"
