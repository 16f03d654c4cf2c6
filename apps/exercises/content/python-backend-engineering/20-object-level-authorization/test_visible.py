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


def test_customer_sees_only_own_invoice():
    got = visible_invoices(ANA, invoices())
    want = [{"id": 1041, "owner_id": 7, "amount_cents": 1999, "status": "paid", "card_last4": "4242"}]
    assert got == want, f"expected {want!r}, got {got!r}"


def test_bola_is_a_404():
    try:
        got = get_invoice(ANA, invoices(), 1042)
    except NotFound:
        return
    raise AssertionError(f"ana must not read invoice 1042 (someone else's), got {got!r}")


def test_accountant_sees_team_invoice_with_notes_but_no_card():
    got = get_invoice(ACC, invoices(), 1041)
    want = {"id": 1041, "owner_id": 7, "amount_cents": 1999, "status": "paid", "internal_notes": "disputed once"}
    assert got == want, f"expected {want!r}, got {got!r}"
