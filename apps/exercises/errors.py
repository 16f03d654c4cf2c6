from apps.core.errors import ApplicationError, Conflict, NotFound, RateLimited


class ExerciseNotFound(NotFound):
    pass


class RunNotFound(NotFound):
    pass


class CodeTooLarge(ApplicationError):
    code = "code_too_large"


class RunInProgress(Conflict):
    code = "run_in_progress"


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"


class TooManyRuns(RateLimited):
    code = "rate_limited"


class BlockNotFound(NotFound):
    code = "not_found"


class BlockChanged(Conflict):
    code = "block_changed"
