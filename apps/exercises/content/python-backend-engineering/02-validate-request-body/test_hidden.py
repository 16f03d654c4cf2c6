from solution import Field, ValidationError, validate


def errors_of(payload, schema):
    try:
        got = validate(payload, schema)
    except ValidationError as exc:
        return exc.errors
    raise AssertionError(f"expected ValidationError for {payload!r}, got cleaned data {got!r}")


def test_payload_not_an_object():
    schema = {"a": Field(str)}
    for payload in ([1, 2], "text", None, 3):
        got = errors_of(payload, schema)
        want = {"non_field_errors": ["Expected an object."]}
        assert got == want, f"payload {payload!r}: expected {want!r}, got {got!r}"


def test_bool_is_not_an_integer():
    schema = {"count": Field(int)}
    got = errors_of({"count": True}, schema)
    assert got == {"count": ["Expected an integer."]}, f"True must not pass as int: {got!r}"
    got = errors_of({"count": 1.5}, schema)
    assert got == {"count": ["Expected an integer."]}, f"1.5 must not pass as int: {got!r}"
    assert validate({"count": 3}, schema) == {"count": 3}


def test_null_handling():
    schema = {"bio": Field(str, nullable=True, max_length=5), "name": Field(str)}
    got = validate({"bio": None, "name": "x"}, schema)
    assert got == {"bio": None, "name": "x"}, f"nullable field: expected None kept, got {got!r}"
    got = errors_of({"bio": None, "name": None}, schema)
    assert got == {"name": ["This field may not be null."]}, f"unexpected errors: {got!r}"


def test_several_constraints_fail_together():
    schema = {"code": Field(str, min_length=3, choices=("abc", "xyz"))}
    got = errors_of({"code": "q"}, schema)
    want = {"code": ["Must be at least 3 characters.", "Must be one of: abc, xyz."]}
    assert got == want, f"expected {want!r}, got {got!r}"


def test_number_bounds_and_length_max():
    schema = {"qty": Field(int, min_value=1, max_value=10), "tag": Field(str, max_length=4)}
    got = errors_of({"qty": 11, "tag": "toolong"}, schema)
    want = {"qty": ["Must be at most 10."], "tag": ["Must be at most 4 characters."]}
    assert got == want, f"expected {want!r}, got {got!r}"
    got = errors_of({"qty": 0, "tag": "ok"}, schema)
    assert got == {"qty": ["Must be at least 1."]}, f"unexpected errors: {got!r}"


def test_optional_default_and_explicit_value():
    schema = {"page": Field(int, required=False, default=1), "q": Field(str, required=False)}
    assert validate({}, schema) == {"page": 1, "q": None}, f"defaults not applied: {validate({}, schema)!r}"
    assert validate({"page": 4, "q": "x"}, schema) == {"page": 4, "q": "x"}


def test_deeply_nested_errors_and_unknown_keys():
    schema = {
        "order": Field(
            dict,
            schema={
                "id": Field(int),
                "address": Field(dict, schema={"city": Field(str), "zip": Field(str, min_length=4)}),
            },
        )
    }
    got = errors_of({"order": {"id": "7", "address": {"zip": "12", "x": 1}}}, schema)
    want = {
        "order": {
            "id": ["Expected an integer."],
            "address": {
                "city": ["This field is required."],
                "zip": ["Must be at least 4 characters."],
                "x": ["Unknown field."],
            },
        }
    }
    assert got == want, f"expected {want!r}, got {got!r}"


def test_nested_value_of_wrong_type():
    schema = {"author": Field(dict, schema={"name": Field(str)})}
    got = errors_of({"author": "Ada"}, schema)
    assert got == {"author": ["Expected an object."]}, f"unexpected errors: {got!r}"


def test_valid_nested_is_cleaned_and_input_untouched():
    schema = {"author": Field(dict, schema={"name": Field(str), "age": Field(float, required=False)})}
    payload = {"author": {"name": "Ada"}}
    got = validate(payload, schema)
    assert got == {"author": {"name": "Ada", "age": None}}, f"unexpected cleaned data: {got!r}"
    assert payload == {"author": {"name": "Ada"}}, f"the input payload was modified: {payload!r}"
