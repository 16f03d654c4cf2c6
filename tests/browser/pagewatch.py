"""Helpers shared by the crawling browser tests: what a page reported while it loaded."""

from __future__ import annotations

from dataclasses import dataclass, field

# Runs before any of the page's own scripts (added over the DevTools protocol, so the
# page's CSP does not apply to it): every CSP violation becomes a console error too,
# with the directive and where it happened.
_REPORT_VIOLATIONS = """
document.addEventListener('securitypolicyviolation', (e) => {
  console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline')
    + ' at ' + e.sourceFile + ':' + e.lineNumber + ' (' + (e.sample || '').slice(0, 60) + ')');
});
"""


@dataclass
class PageWatch:
    """Console errors, page errors and CSP violations, per URL visited."""

    problems: dict[str, list[str]] = field(default_factory=dict)
    current: str = ""

    def record(self, text: str) -> None:
        self.problems.setdefault(self.current, []).append(text[:300])

    def on_console(self, msg) -> None:  # type: ignore[no-untyped-def]
        if msg.type != "error":
            return
        # An error page's own status is not a problem: the browser logs it all the same.
        if (
            msg.text.startswith("Failed to load resource")
            and msg.location.get("url") == self.current
        ):
            return
        self.record(msg.text)


def watch(page) -> PageWatch:  # type: ignore[no-untyped-def]
    found = PageWatch()
    page.add_init_script(_REPORT_VIOLATIONS)
    page.on("console", found.on_console)
    page.on("pageerror", lambda exc: found.record(f"page error: {exc}"))
    return found


def visit(page, found: PageWatch, url: str) -> int:  # type: ignore[no-untyped-def]
    """Open ``url`` and let it settle; return its HTTP status."""
    found.current = url
    page.wait_for_load_state("load")  # a navigation still settling would abort this one
    try:
        response = page.goto(url)
    except Exception as exc:  # net::ERR_ABORTED: interrupted by the page's own navigation
        if "ERR_ABORTED" not in str(exc):
            raise
        page.wait_for_load_state("load")
        response = page.goto(url)
    page.wait_for_load_state("networkidle")
    return response.status if response is not None else 0


def is_styled(page) -> bool:  # type: ignore[no-untyped-def]
    """True when a stylesheet applied: the browser's default body font is a serif."""
    family = page.evaluate("getComputedStyle(document.body).fontFamily")
    return "Times New Roman" not in family and family.strip('"') != "serif"
