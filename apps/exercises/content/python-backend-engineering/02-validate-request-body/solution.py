"""Validate a JSON payload against a small declarative schema."""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Field:
    type: type  # str, int, float, bool or dict
    required: bool = True
    default: Any = None  # used when an optional field is missing
    nullable: bool = False  # may the value be JSON null (None)?
    min_length: int | None = None  # str only
    max_length: int | None = None  # str only
    min_value: float | None = None  # int and float only
    max_value: float | None = None  # int and float only
    choices: tuple | None = None  # allowed values
    schema: dict[str, "Field"] | None = None  # for type=dict: the nested schema


class ValidationError(Exception):
    def __init__(self, errors: dict):
        super().__init__(errors)
        self.errors = errors


TYPE_MESSAGES = {
    str: "Expected a string.",
    int: "Expected an integer.",
    float: "Expected a number.",
    bool: "Expected a boolean.",
    dict: "Expected an object.",
}


def _type_ok(kind: type, value: Any) -> bool:
    if kind is bool:
        return isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, kind)


def _check(field: Field, value: Any) -> tuple[Any, list[str] | dict | None]:
    """Return (cleaned value, errors or None) for one present value."""
    if value is None:
        return (None, None) if field.nullable else (None, ["This field may not be null."])
    if not _type_ok(field.type, value):
        return None, [TYPE_MESSAGES[field.type]]
    if field.type is dict:
        try:
            return validate(value, field.schema or {}), None
        except ValidationError as exc:
            return None, exc.errors
    if field.type is float:
        value = float(value)
    problems = []
    if field.min_length is not None and len(value) < field.min_length:
        problems.append(f"Must be at least {field.min_length} characters.")
    if field.max_length is not None and len(value) > field.max_length:
        problems.append(f"Must be at most {field.max_length} characters.")
    if field.min_value is not None and value < field.min_value:
        problems.append(f"Must be at least {field.min_value}.")
    if field.max_value is not None and value > field.max_value:
        problems.append(f"Must be at most {field.max_value}.")
    if field.choices is not None and value not in field.choices:
        problems.append("Must be one of: " + ", ".join(str(c) for c in field.choices) + ".")
    return value, problems or None


def validate(payload: Any, schema: dict[str, Field]) -> dict[str, Any]:
    """Return the cleaned data or raise ValidationError(errors)."""
    if not isinstance(payload, dict):
        raise ValidationError({"non_field_errors": ["Expected an object."]})
    errors: dict[str, Any] = {}
    cleaned: dict[str, Any] = {}
    for name, field in schema.items():
        if name not in payload:
            if field.required:
                errors[name] = ["This field is required."]
            else:
                cleaned[name] = field.default
            continue
        value, problems = _check(field, payload[name])
        if problems:
            errors[name] = problems
        else:
            cleaned[name] = value
    for name in payload:
        if name not in schema:
            errors[name] = ["Unknown field."]
    if errors:
        raise ValidationError(errors)
    return cleaned
