from solution import Field, ValidationError, validate


def outcome(payload, schema):
    try:
        return {"cleaned": validate(payload, schema)}
    except ValidationError as exc:
        return {"errors": exc.errors}


def test_payload_not_an_object(check):
    schema = {"a": Field(str)}
    for payload in ([1, 2], "text", None, 3):
        check(f"validate({payload!r}, {{'a': Field(str)}})", outcome(payload, schema))


def test_bool_is_not_an_integer(check):
    schema = {"count": Field(int)}
    check("validate({'count': True}, {'count': Field(int)})", outcome({"count": True}, schema))
    check("validate({'count': 1.5}, {'count': Field(int)})", outcome({"count": 1.5}, schema))
    check("validate({'count': 3}, {'count': Field(int)})", outcome({"count": 3}, schema))


def test_null_handling(check):
    schema = {"bio": Field(str, nullable=True, max_length=5), "name": Field(str)}
    check("validate({'bio': None, 'name': 'x'})", outcome({"bio": None, "name": "x"}, schema))
    check("validate({'bio': None, 'name': None})", outcome({"bio": None, "name": None}, schema))


def test_several_constraints_fail_together(check):
    schema = {"code": Field(str, min_length=3, choices=("abc", "xyz"))}
    check("validate({'code': 'q'})", outcome({"code": "q"}, schema))


def test_number_bounds_and_length_max(check):
    schema = {"qty": Field(int, min_value=1, max_value=10), "tag": Field(str, max_length=4)}
    check("validate({'qty': 11, 'tag': 'toolong'})", outcome({"qty": 11, "tag": "toolong"}, schema))
    check("validate({'qty': 0, 'tag': 'ok'})", outcome({"qty": 0, "tag": "ok"}, schema))


def test_optional_default_and_explicit_value(check):
    schema = {"page": Field(int, required=False, default=1), "q": Field(str, required=False)}
    check("validate({})", outcome({}, schema))
    check("validate({'page': 4, 'q': 'x'})", outcome({"page": 4, "q": "x"}, schema))


def test_deeply_nested_errors_and_unknown_keys(check):
    schema = {
        "order": Field(
            dict,
            schema={
                "id": Field(int),
                "address": Field(dict, schema={"city": Field(str), "zip": Field(str, min_length=4)}),
            },
        )
    }
    payload = {"order": {"id": "7", "address": {"zip": "12", "x": 1}}}
    check(f"validate({payload!r})", outcome(payload, schema))


def test_nested_value_of_wrong_type(check):
    schema = {"author": Field(dict, schema={"name": Field(str)})}
    check("validate({'author': 'Ada'})", outcome({"author": "Ada"}, schema))


def test_valid_nested_is_cleaned_and_input_untouched(check):
    schema = {"author": Field(dict, schema={"name": Field(str), "age": Field(float, required=False)})}
    payload = {"author": {"name": "Ada"}}
    check("validate({'author': {'name': 'Ada'}})", outcome(payload, schema))
    check("the payload afterwards", payload)
