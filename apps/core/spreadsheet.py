"""CSV cells a spreadsheet cannot mistake for formulas (CSV injection).

Excel, LibreOffice and Google Sheets evaluate a cell that starts with ``=``, ``+``,
``-`` or ``@`` (and some a tab or a carriage return) as a formula, so a learner named
``=HYPERLINK(…)`` in an export would become a link. Every export of the platform writes
its cells through :func:`safe_cell`, which prefixes such text with ``'``.
"""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """A cell as text that no spreadsheet evaluates (``None`` is an empty cell)."""
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
