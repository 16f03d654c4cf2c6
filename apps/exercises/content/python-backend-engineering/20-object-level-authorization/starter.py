"""Object-level and field-level authorization."""

from dataclasses import dataclass

ROLE_PERMISSIONS = {
    "customer": {"invoice.view_own"},
    "accountant": {"invoice.view_team", "invoice.view_notes"},
    "support": {"invoice.view_any"},
    "admin": {"invoice.view_any", "invoice.view_notes", "invoice.view_payment"},
}


@dataclass(frozen=True)
class User:
    id: int
    roles: frozenset[str] = frozenset()
    team_id: int | None = None


class NotFound(Exception):
    """No such invoice, as far as this caller may know."""


def permissions(user: User) -> set[str]:
    return set().union(*(ROLE_PERMISSIONS.get(role, set()) for role in user.roles))


def can_view(user: User, invoice: dict) -> bool:
    # "Logged in with some role" is treated as "may see everything".
    return bool(user.roles)


def serialize_invoice(user: User, invoice: dict) -> dict:
    return dict(invoice)


def visible_invoices(user: User, invoices: list[dict]) -> list[dict]:
    return [serialize_invoice(user, inv) for inv in invoices if can_view(user, inv)]


def get_invoice(user: User, invoices: list[dict], invoice_id: int) -> dict:
    for invoice in invoices:
        if invoice["id"] == invoice_id:
            return serialize_invoice(user, invoice)
    raise NotFound("invoice not found")
