"""Account services: creating users, profiles and the login throttle."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from apps.accounts.errors import LoginThrottled
from apps.accounts.models import LEARNER_GROUP, TOKEN_PREFIX, ApiToken, User, token_key_hash
from apps.core import dates, ratelimit
from apps.core.errors import ApplicationError, NotFound


@transaction.atomic
def user_create(*, username: str, email: str, password: str) -> User:
    """Create a learner account (the role groups come from a migration)."""
    user = User.objects.create_user(username=username, email=email, password=password)
    learners, _ = Group.objects.get_or_create(name=LEARNER_GROUP)
    user.groups.add(learners)
    return user


@transaction.atomic
def user_update_profile(
    *, user: User, display_name: str, email: str, time_zone: str | None = None
) -> User:
    """Save the profile; ``time_zone`` None leaves it as it is, "" means the browser's."""
    user.display_name = display_name.strip()
    user.email = email.strip()
    fields = ["display_name", "email"]
    if time_zone is not None:
        time_zone = time_zone.strip()
        if time_zone and dates.zone_or_none(time_zone) is None:
            raise ApplicationError(
                f"{time_zone!r} is not a time zone (use a name such as Europe/Paris).",
                extra={"time_zone": ["Unknown time zone."]},
            )
        user.time_zone = time_zone
        fields.append("time_zone")
    user.full_clean(exclude=["password"])
    user.save(update_fields=fields)
    return user


def _account_limit() -> ratelimit.Limit:
    return ratelimit.Limit(
        "login-account", settings.LOGIN_FAILURE_LIMIT, settings.LOGIN_FAILURE_WINDOW
    )


def _address_limit() -> ratelimit.Limit:
    return ratelimit.Limit(
        "login-address", settings.LOGIN_FAILURE_ADDRESS_LIMIT, settings.LOGIN_FAILURE_WINDOW
    )


def _account_identity(username: str) -> str:
    # Keyed by the submitted name whether or not such an account exists, so the
    # throttle behaves identically for real and invented usernames.
    return User.normalize_username(username).casefold()


def login_throttle_check(*, username: str, address: str) -> None:
    """Raise ``LoginThrottled`` when this account name or address has failed too often."""
    by_account = ratelimit.peek(_account_limit(), _account_identity(username))
    by_address = ratelimit.peek(_address_limit(), address)
    if not by_account.allowed or not by_address.allowed:
        wait = max(
            by_account.retry_after if not by_account.allowed else 0,
            by_address.retry_after if not by_address.allowed else 0,
        )
        minutes = max(1, (wait + 59) // 60)
        raise LoginThrottled(
            f"Too many failed sign-in attempts. Try again in {minutes} minute"
            f"{'s' if minutes != 1 else ''}.",
            extra={"retry_after": wait},
        )


def login_failure_record(*, username: str, address: str) -> None:
    ratelimit.hit(_account_limit(), _account_identity(username))
    ratelimit.hit(_address_limit(), address)


def login_success_record(*, username: str) -> None:
    ratelimit.reset(_account_limit(), _account_identity(username))


MAX_ACTIVE_TOKENS = 10


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token; returns it with its key, which is never stored or shown again."""
    name = name.strip()
    if not name or len(name) > 60:
        raise ApplicationError("Give the token a name of 1 to 60 characters.")
    if not user.is_active:
        raise ApplicationError(
            f"The account {user.get_username()!r} is inactive: its tokens would not work."
        )
    if ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() >= MAX_ACTIVE_TOKENS:
        raise ApplicationError(
            f"You can have at most {MAX_ACTIVE_TOKENS} active tokens; revoke one first."
        )
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=key[:10], key_hash=token_key_hash(key)
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, user: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.filter(user=user, pk=token_id).first()
    if token is None:
        raise NotFound("No such token.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_authenticate(*, key: str) -> User | None:
    """The active user owning ``key``, or None. Records the last use (at most once a minute)."""
    if not key.startswith(TOKEN_PREFIX) or len(key) > 100:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=token_key_hash(key), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
