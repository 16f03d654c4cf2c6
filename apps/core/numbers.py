"""Numbers as people write them: ``Decimal.normalize()`` writes 100 as ``1E+2``."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

_MAX_DIGITS = 40  # beyond this many places, positional notation stops being readable


def plain_number(value: Decimal | int | float | str | None) -> str:
    """``value`` in positional notation without trailing zeros: 100, 0.5, -0.000001.

    Text that is not a number comes back unchanged (it is shown as given)."""
    if value is None:
        return ""
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        return str(value)
    if not number.is_finite():
        return str(value)
    if number.is_zero():
        return "0"
    if abs(number.adjusted()) > _MAX_DIGITS:
        return str(number.normalize())  # "1E+999999" in full would be a million digits
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text
