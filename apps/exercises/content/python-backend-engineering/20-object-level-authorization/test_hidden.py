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


def as_set(value):
    """A set or frozenset as a frozenset (they compare equal); anything else as it is."""
    return frozenset(value) if isinstance(value, set | frozenset) else value


def ids(items):
    return [item["id"] for item in items]


def test_unknown_and_missing_roles_grant_nothing(check):
    check("permissions(roles {'superuser', 'root'})", as_set(permissions(User(1, frozenset({"superuser", "root"})))))
    check("permissions(roles {'superuser', 'customer'})", as_set(permissions(User(1, frozenset({"superuser", "customer"})))))
    check("visible_invoices(user 7 without roles)", visible_invoices(User(7), invoices()))
    check("visible_invoices(user 7 with role 'hacker')", visible_invoices(User(7, frozenset({"hacker"})), invoices()))


def test_team_none_never_matches(check):
    loner = User(50, frozenset({"accountant"}), team_id=None)
    check("can_view(accountant without a team, invoice 2 without a team)", bool(can_view(loner, invoices()[1])))
    check("visible_invoices(accountant without a team)", visible_invoices(loner, invoices()))
    check("ids visible to an accountant of team 3", ids(visible_invoices(User(51, frozenset({"accountant"}), team_id=3), invoices())))


def test_support_sees_all_without_private_fields(check):
    got = visible_invoices(User(60, frozenset({"support"})), invoices())
    check("ids visible to support", ids(got))
    for n, item in enumerate(got):
        check(f"sorted keys of support's visible invoice #{n}", sorted(item))


def test_admin_sees_everything_allowed(check):
    check("get_invoice(admin, invoices, 3)", get_invoice(User(1, frozenset({"admin"})), invoices(), 3))


def test_unlisted_fields_never_leak(check):
    for name, user in (("customer 7", User(7, frozenset({"customer"}))), ("admin", User(1, frozenset({"admin"})))):
        got = visible_invoices(user, invoices())
        check(f"ids visible to {name}", ids(got))
        check(
            f"'fraud_score' or 'team_id' in an invoice shown to {name}",
            any("fraud_score" in item or "team_id" in item for item in got),
        )


def test_missing_and_forbidden_look_the_same(check):
    ana = User(7, frozenset({"customer"}))
    messages = []
    for invoice_id, why in ((3, "someone else's"), (999, "no such invoice")):
        try:
            get_invoice(ana, invoices(), invoice_id)
        except NotFound as exc:
            messages.append(str(exc))
            raised = True
        else:
            raised = False
        check(f"get_invoice(ana, invoices, {invoice_id}) ({why}) raises NotFound", raised)
    check("the two NotFound messages are the same", len(messages) == 2 and messages[0] == messages[1])
    check("get_invoice(ana, invoices, 1) (her own)", get_invoice(ana, invoices(), 1))


def test_roles_combine(check):
    user = User(8, frozenset({"customer", "accountant"}), team_id=4)
    got = visible_invoices(user, invoices())
    check("ids visible to user 8, customer and accountant of team 4", ids(got))
    if len(got) == 2:
        own, team = got
        check("card_last4 of own invoice 2", own.get("card_last4"))
        check("internal_notes of own invoice 2", own.get("internal_notes"))
        check("card_last4 shown on team invoice 3", "card_last4" in team)


def test_serialize_returns_a_new_dict(check):
    inv = invoices()[0]
    out = serialize_invoice(User(7, frozenset({"customer"})), inv)
    out["status"] = "changed"
    check("the stored invoice's status after the serialised copy was changed", inv["status"])
