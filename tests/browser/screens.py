"""Screenshots for docs/: taken by the browser tests when ``SCREENSHOTS=1``.

    SCREENSHOTS=1 .venv/bin/pytest tests/browser/test_design_browser.py

writes docs/screenshots/: the pages at 1280 and 390 px (JPEG) and the design system's
components one by one (PNG). Without the variable the calls do nothing, so the tests stay
read-only.
"""

from __future__ import annotations

import os
from pathlib import Path

DIRECTORY = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def enabled() -> bool:
    return os.environ.get("SCREENSHOTS") == "1"


def page_shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """The whole page as ``<name>-<width>.jpg`` (JPEG: full pages are tall)."""
    if not enabled():
        return
    DIRECTORY.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    path = DIRECTORY / f"{name}-{width}.jpg"
    page.screenshot(path=str(path), full_page=True, type="jpeg", quality=70)


def element_shot(locator, name: str) -> None:  # type: ignore[no-untyped-def]
    """One element (a component) as ``component-<name>.png``."""
    if not enabled():
        return
    DIRECTORY.mkdir(parents=True, exist_ok=True)
    locator.screenshot(path=str(DIRECTORY / f"component-{name}.png"))
