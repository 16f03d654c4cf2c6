from solution import NotFound, User, can_view, get_invoice, permissions, serialize_invoice, visible_invoices


def invoices():
    return [
        {"id": 1, "owner_id": 7, "team_id": 3, "amount_cents": 100, "status": "paid",
         "internal_notes": "n1", "card_last4": "1111", "fraud_score": 0.93},
        {"id": 2, "owner_id": 8, "team_id": None, "amount_cents": 200, "status": "open",
         "internal_notes": "n2", "card_last4": "2222", "fraud_score": 0.1},
        {"id": 3, "owner_id": 9, "team_id": 4, "amount_cents": 300, "status": "void",
         "internal_notes": "n3", "card_last4": "3333", "fraud_score": 0.5},
    ]


def test_unknown_and_missing_roles_grant_nothing():
    assert permissions(User(1, frozenset({"superuser", "root"}))) == set()
    assert visible_invoices(User(7), invoices()) == [], "a user without roles sees nothing, not even own invoices"
    assert visible_invoices(User(7, frozenset({"hacker"})), invoices()) == []


def test_team_none_never_matches():
    loner = User(50, frozenset({"accountant"}), team_id=None)
    assert not can_view(loner, invoices()[1]), "team None must not match an invoice whose team is None"
    assert visible_invoices(loner, invoices()) == []


def test_support_sees_all_without_private_fields():
    got = visible_invoices(User(60, frozenset({"support"})), invoices())
    assert [i["id"] for i in got] == [1, 2, 3], f"support sees every invoice, got {[i['id'] for i in got]!r}"
    for item in got:
        assert set(item) == {"id", "owner_id", "amount_cents", "status"}, f"support must not see private fields: {item!r}"


def test_admin_sees_everything_allowed():
    got = get_invoice(User(1, frozenset({"admin"})), invoices(), 3)
    want = {"id": 3, "owner_id": 9, "amount_cents": 300, "status": "void", "internal_notes": "n3", "card_last4": "3333"}
    assert got == want, f"expected {want!r}, got {got!r}"


def test_unlisted_fields_never_leak():
    for user in (User(7, frozenset({"customer"})), User(1, frozenset({"admin"}))):
        for item in visible_invoices(user, invoices()):
            assert "fraud_score" not in item and "team_id" not in item, f"field leaked to {user}: {item!r}"


def test_missing_and_forbidden_look_the_same():
    ana = User(7, frozenset({"customer"}))
    messages = []
    for invoice_id in (3, 999):
        try:
            get_invoice(ana, invoices(), invoice_id)
        except NotFound as exc:
            messages.append(str(exc))
        else:
            raise AssertionError(f"invoice {invoice_id} must raise NotFound for ana")
    assert messages[0] == messages[1], f"forbidden and missing must give the same message: {messages!r}"


def test_roles_combine():
    user = User(8, frozenset({"customer", "accountant"}), team_id=4)
    got = visible_invoices(user, invoices())
    assert [i["id"] for i in got] == [2, 3], f"own invoice 2 and team invoice 3, got {[i['id'] for i in got]!r}"
    own = got[0]
    assert own["card_last4"] == "2222" and own["internal_notes"] == "n2", f"unexpected fields {own!r}"
    assert "card_last4" not in got[1], f"card of someone else's invoice leaked: {got[1]!r}"


def test_serialize_returns_a_new_dict():
    inv = invoices()[0]
    out = serialize_invoice(User(7, frozenset({"customer"})), inv)
    out["status"] = "changed"
    assert inv["status"] == "paid", "serialize_invoice must not return or modify the stored dict"
