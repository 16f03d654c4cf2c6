"""Object-level and field-level authorization."""

from dataclasses import dataclass

ROLE_PERMISSIONS = {
    "customer": {"invoice.view_own"},
    "accountant": {"invoice.view_team", "invoice.view_notes"},
    "support": {"invoice.view_any"},
    "admin": {"invoice.view_any", "invoice.view_notes", "invoice.view_payment"},
}

PUBLIC_FIELDS = ("id", "owner_id", "amount_cents", "status")


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
    perms = permissions(user)
    if "invoice.view_any" in perms:
        return True
    if "invoice.view_own" in perms and invoice.get("owner_id") == user.id:
        return True
    return (
        "invoice.view_team" in perms
        and user.team_id is not None
        and invoice.get("team_id") == user.team_id
    )


def serialize_invoice(user: User, invoice: dict) -> dict:
    perms = permissions(user)
    data = {name: invoice[name] for name in PUBLIC_FIELDS}
    if "invoice.view_notes" in perms:
        data["internal_notes"] = invoice.get("internal_notes")
    if invoice.get("owner_id") == user.id or "invoice.view_payment" in perms:
        data["card_last4"] = invoice.get("card_last4")
    return data


def visible_invoices(user: User, invoices: list[dict]) -> list[dict]:
    return [serialize_invoice(user, inv) for inv in invoices if can_view(user, inv)]


def get_invoice(user: User, invoices: list[dict], invoice_id: int) -> dict:
    for invoice in invoices:
        if invoice["id"] == invoice_id and can_view(user, invoice):
            return serialize_invoice(user, invoice)
    raise NotFound("invoice not found")  # same answer for missing and forbidden
