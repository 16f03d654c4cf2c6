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


def validate(payload: Any, schema: dict[str, Field]) -> dict[str, Any]:
    """Return the cleaned data or raise ValidationError(errors)."""
    # A first attempt: it only checks that required keys are present.
    errors = {}
    for name, field in schema.items():
        if field.required and name not in payload:
            errors[name] = ["This field is required."]
    if errors:
        raise ValidationError(errors)
    return {name: payload.get(name, field.default) for name, field in schema.items()}
