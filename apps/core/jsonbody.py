"""JSON from clients, parsed safely: the one loader behind every body parser.

``json.loads`` recurses once per nested array or object, so four kilobytes of ``[[[[…``
raise ``RecursionError`` (a 500 wherever it is not caught), and a body that nests a few
hundred levels parses but can overflow whatever walks it next (serializers, GraphQL
coercion). Python also refuses to convert an integer of more than 4,300 digits, with a
``ValueError`` that names ``sys.set_int_max_str_digits()``; ``1e400`` becomes ``inf``.

:func:`loads` refuses all of these with a :class:`JsonError` whose message is meant for
the client, before anything recurses:

* nesting deeper than ``MAX_DEPTH`` — a linear scan of the brackets and braces outside
  strings (skipped when the text holds fewer of them than the limit);
* a number literal longer than ``MAX_NUMBER_CHARS`` characters, or one that is not
  finite (``1e400``), and the non-standard ``NaN`` / ``Infinity`` constants.

Used by the REST API's parser (``apps/core/api/parsers.py``), the GraphQL view's body
and ``variables`` (``config/graphql/view.py``), websocket frames (``apps/core/ws.py``)
and the quiz page's autosave.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

#: Deepest nesting of arrays and objects accepted (no API input nests beyond a few levels).
MAX_DEPTH = 64
#: Longest number literal accepted, sign, fraction and exponent included.
MAX_NUMBER_CHARS = 100

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)  # one complete JSON string
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")


class JsonError(ValueError):
    """Text that is not acceptable JSON; ``str(error)`` is a message for the client."""


def loads(text: str | bytes, *, what: str = "The JSON", max_depth: int = MAX_DEPTH) -> Any:
    """Parse ``text`` (bytes are read as UTF-8), refusing what the module docstring lists.

    ``what`` names the text in error messages: ``"The request body"``, ``"The frame"``.
    """
    if isinstance(text, bytes | bytearray):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise JsonError(f"{what} is not valid UTF-8.") from None
    check_depth(text, what=what, max_depth=max_depth)
    numbers = _Numbers(what)
    try:
        return json.loads(
            text,
            parse_int=numbers.parse_int,
            parse_float=numbers.parse_float,
            parse_constant=numbers.refuse_constant,
        )
    except JsonError:
        raise
    except RecursionError:  # not reached after check_depth; kept as a last guard
        raise JsonError(_too_deep(what, max_depth)) from None
    except ValueError as exc:
        raise JsonError(f"{what} is not valid JSON: {exc}.") from None


def check_depth(text: str, *, what: str = "The JSON", max_depth: int = MAX_DEPTH) -> None:
    """Raise :class:`JsonError` when arrays and objects nest deeper than ``max_depth``."""
    if text.count("[") + text.count("{") <= max_depth:
        return  # cannot nest deeper than the number of openers
    # Drop the strings, then everything but brackets and braces (both in C), and count.
    structure = _NOT_BRACKETS.sub("", _STRING.sub("", text))
    depth = 0
    for char in structure:
        if char in "[{":
            depth += 1
            if depth > max_depth:
                raise JsonError(_too_deep(what, max_depth))
        else:
            depth -= 1


def _too_deep(what: str, max_depth: int) -> str:
    return f"{what} nests arrays and objects more than {max_depth} levels deep."


class _Numbers:
    """``json.loads`` hooks that bound number literals."""

    def __init__(self, what: str) -> None:
        self.what = what

    def _check_length(self, literal: str) -> None:
        if len(literal) > MAX_NUMBER_CHARS:
            raise JsonError(
                f"{self.what} holds a number {len(literal)} characters long; "
                f"the limit is {MAX_NUMBER_CHARS}."
            )

    def parse_int(self, literal: str) -> int:
        self._check_length(literal)
        return int(literal)

    def parse_float(self, literal: str) -> float:
        self._check_length(literal)
        value = float(literal)
        if not math.isfinite(value):
            raise JsonError(f"{self.what} holds a number out of range: {literal}.")
        return value

    def refuse_constant(self, name: str) -> Any:
        raise JsonError(f"{self.what} holds {name}, which is not JSON: numbers are finite.")
