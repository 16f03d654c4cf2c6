"""Visible tests: each one calls your code and checks what it gives.

A check is `check(label, value)`: the grader compares `value` with what the reference
solution gives for the same label. `outcome()` turns a call into a value to compare:
`{"cleaned": <data>}` or `{"errors": <ValidationError.errors>}`.
"""

from solution import Field, ValidationError, validate

SCHEMA = {
    "title": Field(str, min_length=3, max_length=200),
    "level": Field(str, choices=("beginner", "advanced")),
    "price": Field(float, min_value=0),
    "published": Field(bool, required=False, default=False),
    "author": Field(dict, schema={"name": Field(str), "email": Field(str)}),
}

GOOD = {
    "title": "Flask",
    "level": "beginner",
    "price": 10,
    "author": {"name": "Ada", "email": "ada@example.com"},
}


def outcome(payload, schema=SCHEMA):
    try:
        return {"cleaned": validate(payload, schema)}
    except ValidationError as exc:
        return {"errors": exc.errors}


def test_valid_payload_is_cleaned(check):
    got = outcome(dict(GOOD))
    check("validate(GOOD, SCHEMA)", got)
    price = got.get("cleaned", {}).get("price")
    check("type of the cleaned price (10 was given)", type(price).__name__)


def test_missing_required_field(check):
    payload = {k: v for k, v in GOOD.items() if k != "title"}
    check("validate(GOOD without 'title', SCHEMA)", outcome(payload))


def test_all_errors_reported_at_once(check):
    payload = {"title": "Hi", "level": "expert", "price": True, "author": {"name": "Ada"}, "admin": True}
    errors = outcome(payload).get("errors")
    if not isinstance(errors, dict):
        errors = {}
    check(f"fields with errors for {payload!r}", sorted(errors))
    for field in ("title", "level", "price", "author", "admin"):
        check(f"errors[{field!r}]", errors.get(field))


def test_wrong_types(check):
    check(
        "validate({**GOOD, 'title': 7, 'published': 'true'}, SCHEMA)",
        outcome({**GOOD, "title": 7, "published": "true"}),
    )
