from apps.core.errors import ApplicationError


class LoginThrottled(ApplicationError):
    status = 429
    code = "login_throttled"
