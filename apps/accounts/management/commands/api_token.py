"""Personal API tokens from the command line, for service accounts and scripts.

    manage.py api_token create --user alice --name "ci script"   # prints the key, once
    manage.py api_token list [--user alice]
    manage.py api_token revoke <id, prefix or key>

The same services as the profile page (``apps.accounts.services``). ``create`` writes
the key alone on stdout, so ``TOKEN=$(manage.py api_token create …)`` works; everything
else it says goes to stderr. Errors exit with status 1.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.accounts import selectors, services
from apps.accounts.models import ApiToken
from apps.core.errors import ApplicationError


def _when(moment: datetime | None, never: str = "never") -> str:
    if moment is None:
        return never
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


class Command(BaseCommand):
    help = "Create, list and revoke personal API tokens (as on the profile page)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        create = actions.add_parser("create", help="create a token and print its key once")
        create.add_argument("--user", required=True, help="the account's username")
        create.add_argument("--name", required=True, help="what the token is for (1-60 chars)")
        listing = actions.add_parser("list", help="list tokens, newest first")
        listing.add_argument("--user", help="only this account's tokens")
        revoke = actions.add_parser("revoke", help="revoke a token")
        revoke.add_argument("token", help="the token's id, its prefix as listed, or its key")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(**options)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc

    def _create(self, *, user: str, name: str, **_: Any) -> None:
        account = selectors.user_get_by_username(username=user)
        token, key = services.api_token_create(user=account, name=name)
        self.stdout.write(key)
        self.stderr.write(
            f"Created token {token.pk} ({token.name!r}) for {account.get_username()}. "
            "The key above is shown only this once; it is sent as 'Authorization: Bearer <key>'."
        )

    def _list(self, *, user: str | None, **_: Any) -> None:
        account = selectors.user_get_by_username(username=user) if user else None
        tokens = list(selectors.api_token_list(user=account))
        if not tokens:
            self.stderr.write("No tokens.")
            return
        rows = [("ID", "USER", "NAME", "PREFIX", "CREATED", "LAST USED", "REVOKED")]
        rows += [
            (
                str(t.pk),
                t.user.get_username(),
                t.name,
                t.prefix,
                _when(t.created_at),
                _when(t.last_used_at),
                _when(t.revoked_at, never="-"),
            )
            for t in tokens
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            self.stdout.write("  ".join(cells).rstrip())

    def _revoke(self, *, token: str, **_: Any) -> None:
        found: ApiToken = selectors.api_token_get(reference=token)
        if found.revoked_at is not None:
            self.stderr.write(
                f"Token {found.pk} ({found.name!r}, {found.prefix}) was already revoked "
                f"on {_when(found.revoked_at)}."
            )
            return
        revoked = services.api_token_revoke(user=found.user, token_id=found.pk)
        self.stdout.write(
            f"Revoked token {revoked.pk} ({revoked.name!r}, {revoked.prefix}) "
            f"of {found.user.get_username()}."
        )
