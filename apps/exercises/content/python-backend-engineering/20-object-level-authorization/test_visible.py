"""Visible tests: each one calls your code and checks what it returns.

A check is `check(label, value)`: the grader compares `value` with what the reference
solution gives for the same label, outside the sandbox. The expected values are listed
on the exercise page and shown in a failing test's message.
"""

from solution import NotFound, User, get_invoice, visible_invoices


def invoices():
    return [
        {"id": 1041, "owner_id": 7, "team_id": 3, "amount_cents": 1999, "status": "paid",
         "internal_notes": "disputed once", "card_last4": "4242"},
        {"id": 1042, "owner_id": 8, "team_id": 4, "amount_cents": 500, "status": "open",
         "internal_notes": "", "card_last4": "1881"},
    ]


ANA = User(7, frozenset({"customer"}))
ACC = User(20, frozenset({"accountant"}), team_id=3)


def test_customer_sees_only_own_invoice(check):
    check("visible_invoices(ana, invoices)", visible_invoices(ANA, invoices()))


def test_bola_is_a_404(check):
    check.raises("get_invoice(ana, invoices, 1042) (someone else's invoice)", NotFound, get_invoice, ANA, invoices(), 1042)
    check("get_invoice(ana, invoices, 1041) (her own)", get_invoice(ANA, invoices(), 1041))


def test_accountant_sees_team_invoice_with_notes_but_no_card(check):
    check("get_invoice(accountant of team 3, invoices, 1041)", get_invoice(ACC, invoices(), 1041))
