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


def errors_of(payload, schema=SCHEMA):
    try:
        got = validate(payload, schema)
    except ValidationError as exc:
        return exc.errors
    raise AssertionError(f"expected ValidationError for {payload!r}, got cleaned data {got!r}")


def test_valid_payload_is_cleaned():
    got = validate(dict(GOOD), SCHEMA)
    want = {
        "title": "Flask",
        "level": "beginner",
        "price": 10.0,
        "published": False,
        "author": {"name": "Ada", "email": "ada@example.com"},
    }
    assert got == want, f"expected {want!r}, got {got!r}"
    assert isinstance(got["price"], float), f"price should be cleaned to a float, got {type(got['price']).__name__}"


def test_missing_required_field():
    payload = {k: v for k, v in GOOD.items() if k != "title"}
    got = errors_of(payload)
    assert got == {"title": ["This field is required."]}, f"unexpected errors: {got!r}"


def test_all_errors_reported_at_once():
    got = errors_of(
        {"title": "Hi", "level": "expert", "price": True, "author": {"name": "Ada"}, "admin": True}
    )
    want = {
        "title": ["Must be at least 3 characters."],
        "level": ["Must be one of: beginner, advanced."],
        "price": ["Expected a number."],
        "author": {"email": ["This field is required."]},
        "admin": ["Unknown field."],
    }
    assert got == want, f"expected {want!r}, got {got!r}"


def test_wrong_types():
    got = errors_of({**GOOD, "title": 7, "published": "true"})
    want = {"title": ["Expected a string."], "published": ["Expected a boolean."]}
    assert got == want, f"expected {want!r}, got {got!r}"
