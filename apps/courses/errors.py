from apps.core.errors import ApplicationError


class ContentError(ApplicationError):
    """A content file that cannot be imported; names the file and the problem."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem
