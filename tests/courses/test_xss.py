"""Author Markdown comes out harmless: a payload corpus, checked as a tree and in a browser.

Two independent judges:

* html5lib (the parser bleach itself uses) parses every rendered output, and every
  element, attribute and URL must be on the allow-list;
* headless Chromium loads every output with no CSP at all, with ``alert`` and friends
  trapped, pokes every element (focus, hover, click, toggle...), and nothing may run.
  It also re-checks the allow-list against Chromium's own DOM, which is what counts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING
from xml.etree import ElementTree

import pytest
from bleach._vendor import html5lib

from apps.core.markdown import render_inline, render_markdown
from apps.core.sanitize import ALLOWED_TAGS, _allow_attribute, sanitize_html
from tests.courses.xss_payloads import PAYLOADS

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Dialog, Page, Route

PARSER_WRAPPERS = {"html", "head", "body"}
FORBIDDEN_ELEMENTS = {
    "script", "style", "svg", "math", "iframe", "frame", "frameset", "form", "base", "meta",
    "link", "object", "embed", "applet", "template", "noscript", "input", "button", "textarea",
    "select", "portal",
}  # fmt: skip
SAFE_SCHEMES = {"http", "https", "mailto"}
URL_ATTRIBUTES = {"href", "src", "xlink:href", "action", "formaction", "data", "srcdoc", "poster"}
HEADING_ID = re.compile(r"^sec-[a-z0-9][a-z0-9-]*$")
SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):")
# What a browser ignores inside a URL before it finds the scheme: C0 controls and space
# (stripped at the ends), tab/CR/LF (removed anywhere). Be stricter: drop all of them
# anywhere, plus the other invisible characters an attacker might hope are ignored.
URL_NOISE = re.compile(
    r"[\x00-\x20\x7f-\xa0\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f\u3000\ufeff]"
)

IDS = [f"{category}-{index:03d}" for index, (category, _) in enumerate(PAYLOADS)]


def _outputs(payload: str) -> dict[str, str]:
    return {"block": render_markdown(payload).html, "inline": render_inline(payload)}


def _local(tag: object) -> str:
    """An etree tag as a name; namespaced (SVG, MathML) tags keep their namespace."""
    return str(tag)


def url_is_safe(value: str) -> bool:
    """Relative, or http/https/mailto once normalised as a browser would."""
    normalised = URL_NOISE.sub("", value).lower()
    match = SCHEME.match(normalised)
    return match is None or match.group(1) in SAFE_SCHEMES


def violations(fragment: str) -> list[str]:
    """Everything in ``fragment`` (as html5lib parses it) that the allow-list forbids."""
    problems: list[str] = []
    document = html5lib.parse(fragment, treebuilder="etree", namespaceHTMLElements=False)
    for element in document.iter():
        if not isinstance(element.tag, str):  # comments, processing instructions
            problems.append(f"non-element node {element.tag!r}: {element.text!r}")
            continue
        tag = _local(element.tag)
        if tag in PARSER_WRAPPERS:
            continue
        if tag not in ALLOWED_TAGS:
            problems.append(f"element <{tag}> not allowed")
        if tag.split("}")[-1] in FORBIDDEN_ELEMENTS:
            problems.append(f"forbidden element <{tag}>")
        for raw_name, value in element.attrib.items():
            name = str(raw_name).lower()
            if name.startswith("on") or "}on" in name:
                problems.append(f"event handler {name}={value!r} on <{tag}>")
            if name == "style":
                problems.append(f"style attribute on <{tag}>")
            if name == "name":
                problems.append(f"name attribute on <{tag}>")
            if name == "id" and not (
                tag in {"h2", "h3", "h4", "h5", "h6"} and HEADING_ID.match(value)
            ):
                problems.append(f"id={value!r} on <{tag}>")
            is_url = name in URL_ATTRIBUTES or name.endswith("}href")
            if is_url and not url_is_safe(value):
                problems.append(f"unsafe URL {name}={value!r} on <{tag}>")
            allowed = _allow_attribute(tag, name, value) or (tag == "a" and name == "rel")
            if not allowed:
                problems.append(f"attribute {name}={value!r} not allowed on <{tag}>")
    return problems


# --- the tree judge -------------------------------------------------------------------


@pytest.mark.parametrize(("category", "payload"), PAYLOADS, ids=IDS)
def test_payload_output_is_on_the_allow_list(category: str, payload: str) -> None:
    for mode, output in _outputs(payload).items():
        assert violations(output) == [], f"{mode} output: {output!r}"
        # The stored HTML is stable: sanitising it again changes nothing (no mutation
        # left for a second parse to find).
        assert violations(sanitize_html(output)) == []
        assert sanitize_html(output) == output, f"{mode} output is not a fixed point"


def test_corpus_is_broad() -> None:
    categories = {category for category, _ in PAYLOADS}
    assert len(PAYLOADS) >= 150
    assert len(categories) >= 12
    assert len({payload for _, payload in PAYLOADS}) >= 150


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("/readyz", True),
        ("https://example.com/", True),
        ("mailto:a@example.com", True),
        ("x", True),
        ("#sec-a", True),
        ("javascript:alert(1)", False),
        ("  JaVa\tScRiPt:alert(1)", False),
        ("java\x00script:alert(1)", False),
        ("\x01javascript:alert(1)", False),
        ("data:text/html,x", False),
        ("vbscript:x", False),
    ],
)
def test_the_judge_itself(value: str, safe: bool) -> None:
    assert url_is_safe(value) is safe


def test_the_judge_flags_unsanitised_html() -> None:
    raw = '<img src=x onerror=alert(1)><a href="jav&#x09;ascript:x" id=ws-status>x</a><svg></svg>'
    problems = "\n".join(violations(raw))
    assert "event handler onerror" in problems
    assert "unsafe URL href" in problems
    assert "id='ws-status'" in problems
    assert "svg" in problems


# --- what must keep working -----------------------------------------------------------


def _tree(fragment: str) -> ElementTree.Element:
    return html5lib.parse(fragment, treebuilder="etree", namespaceHTMLElements=False)


def test_table_alignment_becomes_classes() -> None:
    html = render_markdown("| a | b | c | d |\n|:--|:-:|--:|---|\n| 1 | 2 | 3 | 4 |").html
    cells = [
        (cell.tag, cell.get("class")) for cell in _tree(html).iter() if cell.tag in {"th", "td"}
    ]
    assert cells == [
        ("th", "align-left"), ("th", "align-center"), ("th", "align-right"), ("th", None),
        ("td", "align-left"), ("td", "align-center"), ("td", "align-right"), ("td", None),
    ]  # fmt: skip
    assert "style" not in html


def test_fenced_python_is_highlighted() -> None:
    html = render_markdown("```python\ndef f(x):\n    return x + 1\n```").html
    assert '<code class="language-python">' in html
    assert '<span class="k">def</span>' in html
    assert '<span class="nf">f</span>' in html
    assert violations(html) == []


@pytest.mark.parametrize("lang", ["", "python", "html", "js"])
def test_fenced_script_stays_inert_text(lang: str) -> None:
    html = render_markdown(f"```{lang}\n<script>alert(1)</script>\n```").html
    tree = _tree(html)
    assert [el for el in tree.iter() if el.tag == "script"] == []
    code = next(el for el in tree.iter() if el.tag == "code")
    assert "".join(code.itertext()).strip() == "<script>alert(1)</script>"


def test_headings_get_section_ids_and_a_toc() -> None:
    rendered = render_markdown(
        "# Title\n\n## Getting started\n\n### `async` views\n\n## Getting started"
    )
    ids = [el.get("id") for el in _tree(rendered.html).iter() if el.tag in {"h2", "h3"}]
    assert ids == ["sec-title", "sec-getting-started", "sec-async-views", "sec-getting-started-2"]
    assert "<h1" not in rendered.html
    assert [item["id"] for item in rendered.toc] == ids


def test_external_links_get_rel_and_relative_links_survive() -> None:
    html = render_markdown(
        "[ext](https://example.com/x) [plain](http://example.com/) <https://example.org> "
        "[ready](/readyz) [anchor](#sec-a) [mail](mailto:a@example.com)"
    ).html
    links = {el.text: el.attrib for el in _tree(html).iter() if el.tag == "a"}
    rel = "nofollow noopener noreferrer"
    assert links["ext"] == {"href": "https://example.com/x", "rel": rel}
    assert links["plain"] == {"href": "http://example.com/", "rel": rel}
    assert links["https://example.org"] == {"href": "https://example.org", "rel": rel}
    assert links["ready"] == {"href": "/readyz"}
    assert links["anchor"] == {"href": "#sec-a"}
    assert links["mail"] == {"href": "mailto:a@example.com"}
    assert render_inline("see [ready](/readyz)") == 'see <a href="/readyz">ready</a>'


def test_toc_titles_are_plain_text_for_an_escaping_template() -> None:
    rendered = render_markdown("## `<script>` tags &amp; <b>bold</b>")
    assert str(rendered.toc[0]["id"]).startswith("sec-")
    assert violations(rendered.html) == []


# --- the browser judge ----------------------------------------------------------------

ORIGIN = "http://xss.test"
TRAP = """
(() => {
  const report = (kind, detail) => { try { window.__report(kind, String(detail)); } catch (e) {} };
  window.__hits = [];
  const hit = (kind) => (...args) => {
    window.__hits.push([kind, args.join(' ')]);
    report(kind, args.join(' '));
  };
  window.__xss = hit('__xss');
  window.alert = hit('alert');
  window.confirm = hit('confirm');
  window.prompt = hit('prompt');
  window.print = hit('print');
})();
"""
ALLOWED_JS = json.dumps(sorted(ALLOWED_TAGS))
AUDIT = r"""
() => {
  const allowed = new Set(%s);
  const problems = [];
  for (const section of document.querySelectorAll('section[data-payload]')) {
    const where = section.dataset.payload;
    for (const el of section.querySelectorAll('*')) {
      const tag = el.localName;
      if (el.namespaceURI !== 'http://www.w3.org/1999/xhtml' || !allowed.has(tag)) {
        problems.push(`${where}: element <${el.namespaceURI} ${tag}>`);
      }
      for (const attr of el.attributes) {
        const name = attr.name.toLowerCase();
        if (name.startsWith('on') || name === 'style' || name === 'name' || name === 'srcdoc'
            || name === 'formaction' || name === 'action' || name.includes(':')) {
          problems.push(`${where}: <${tag} ${name}=${attr.value}>`);
        }
        const headingId = /^h[2-6]$/.test(tag) && /^sec-[a-z0-9][a-z0-9-]*$/.test(attr.value);
        if (name === 'id' && !headingId) {
          problems.push(`${where}: <${tag} id=${attr.value}>`);
        }
      }
      for (const prop of ['href', 'src']) {
        if (el.hasAttribute(prop)) {
          let protocol;
          try { protocol = new URL(el.getAttribute(prop), document.baseURI).protocol; }
          catch (e) { protocol = 'invalid:'; }
          if (!['http:', 'https:', 'mailto:', 'invalid:'].includes(protocol)) {
            const value = el.getAttribute(prop);
            problems.push(`${where}: <${tag} ${prop}=${value}> resolves to ${protocol}`);
          }
        }
      }
    }
  }
  if (document.baseURI !== '%s/') problems.push(`base URI changed to ${document.baseURI}`);
  return problems;
}
""" % (ALLOWED_JS, ORIGIN)  # noqa: UP031
POKE = r"""
async () => {
  const mouse = ['pointerover', 'pointerenter', 'mouseover', 'mouseenter', 'mousemove',
                 'pointerdown', 'mousedown', 'pointerup', 'mouseup', 'dblclick', 'contextmenu',
                 'mouseout', 'mouseleave', 'wheel'];
  const other = ['focus', 'focusin', 'blur', 'focusout', 'input', 'change', 'keydown', 'keyup',
                 'keypress', 'copy', 'paste', 'cut', 'drag', 'dragstart', 'drop', 'scroll',
                 'animationstart', 'animationend', 'transitionend', 'toggle', 'load', 'error',
                 'select', 'invalid', 'submit', 'reset', 'beforetoggle', 'search'];
  const els = [...document.querySelectorAll('section[data-payload] *')];
  for (const el of els) {
    const init = {bubbles: true, cancelable: true};
    for (const type of mouse) el.dispatchEvent(new MouseEvent(type, init));
    for (const type of other) el.dispatchEvent(new Event(type, init));
    try { el.focus(); } catch (e) {}
    if (el.localName === 'details') { el.open = !el.open; el.open = !el.open; }
    try { el.click(); } catch (e) {}
    el.scrollIntoView && el.scrollIntoView();
  }
  await new Promise((resolve) => setTimeout(resolve, 300));
  return els.length;
}
"""


def _page_html(entries: list[tuple[str, dict[str, str]]]) -> str:
    sections = "\n".join(
        f'<section data-payload="{ident}">\n<div class="prose">{out["block"]}</div>\n'
        f'<p class="inline">{out["inline"]}</p>\n</section>'
        for ident, out in entries
    )
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>xss</title></head>'
        f"<body><main>\n{sections}\n</main></body></html>"
    )


@dataclass
class Verdict:
    hits: list[tuple[str, ...]]  # trapped calls and dialogs
    audit: list[str]  # allow-list violations in Chromium's own DOM
    loads: list[tuple[str, str]]  # scripts, styles, frames... anything but images
    popups: list[str]
    poked: int  # elements that got the focus/hover/click treatment
    still_here: bool  # the page neither navigated nor reloaded
    url: str

    def assert_harmless(self, where: str) -> None:
        assert self.hits == [], where
        assert self.audit == [], where
        assert self.loads == [], where
        assert self.popups == [], where
        assert self.still_here, f"{where}: the page navigated away or reloaded: {self.url}"
        assert self.url == ORIGIN + "/", where


class BrowserJudge:
    """One Playwright page serving ``http://xss.test/`` with no CSP and every trap set."""

    def __init__(self, context: BrowserContext) -> None:
        self.context = context
        self.hits: list[tuple[str, ...]] = []
        self.requests: list[tuple[str, str]] = []  # (resource type or "navigation", url)
        self.popups: list[str] = []
        self.body = ""
        self.body_served = False
        context.expose_binding(
            "__report",
            lambda source, kind, detail: self.hits.append((kind, detail, source["frame"].url)),
        )
        context.add_init_script(TRAP)
        context.route("**/*", self._route)
        self.page: Page = context.new_page()
        context.on("page", lambda popup: self.popups.append(popup.url))
        self.page.set_default_timeout(15_000)
        self.page.on("dialog", self._dialog)

    def _dialog(self, dialog: Dialog) -> None:
        self.hits.append((f"dialog:{dialog.type}", dialog.message, self.page.url))
        dialog.dismiss()

    def _route(self, route: Route) -> None:
        request = route.request
        main = request.is_navigation_request() and request.frame == self.page.main_frame
        if request.url == ORIGIN + "/" and main and not self.body_served:
            self.body_served = True
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=self.body)
            return
        self.requests.append(("navigation" if main else request.resource_type, request.url))
        if request.resource_type == "image":
            route.fulfill(status=404, body="")
        else:
            route.abort("aborted")  # a top-level navigation away leaves the page as it is

    def judge(self, entries: list[tuple[str, dict[str, str]]]) -> Verdict:
        self.body = _page_html(entries)
        self.body_served = False
        self.hits.clear()
        self.requests.clear()
        self.page.goto(ORIGIN + "/", wait_until="load")
        self.page.evaluate("window.__marker = 'still-here'")
        self.page.wait_for_timeout(1000)  # animations, autofocus, ontoggle, failing images
        audit = self.page.evaluate(AUDIT)
        poked = self.page.evaluate(POKE)
        self.page.mouse.move(1, 1)
        for y in range(0, 900, 60):  # real pointer events across the viewport too
            self.page.mouse.move(640, y)
        self.page.keyboard.press("Tab")
        self.page.wait_for_timeout(300)
        in_page = [tuple(hit) for hit in self.page.evaluate("window.__hits || []")]
        return Verdict(
            hits=[*self.hits, *in_page],
            audit=audit,
            # Anything but images and (aborted) top-level navigations means something
            # tried to load a script, a stylesheet, a frame, an object or an import.
            loads=[
                (kind, url) for kind, url in self.requests if kind not in {"image", "navigation"}
            ],
            popups=list(self.popups),
            poked=poked,
            still_here=self.page.evaluate("window.__marker") == "still-here",
            url=self.page.url,
        )


@pytest.fixture
def judge(browser: Browser) -> Iterator[BrowserJudge]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        yield BrowserJudge(context)
    finally:
        context.close()


@pytest.fixture(scope="module")
def rendered_corpus() -> list[tuple[str, dict[str, str]]]:
    return [(ident, _outputs(payload)) for ident, (_, payload) in zip(IDS, PAYLOADS, strict=True)]


@pytest.mark.browser
def test_browser_harness_catches_unsanitised_payloads(judge: BrowserJudge) -> None:
    """The judge is not blind: each trigger it relies on fires for a raw payload."""
    runs = [  # (raw html, what must be seen)
        ("<img src=x onerror=window.__xss()>", "hit"),  # failing image
        ("<details open ontoggle=window.__xss()>x</details>", "hit"),  # toggle
        ('<a href="jav&#x09;ascript:window.__xss()">x</a>', "hit"),  # click on a link
        ("<div onmouseover=alert(1)>x</div>", "hit"),  # hover, trapped alert
        ("<input autofocus onfocus=window.__xss()>", "hit"),  # autofocus / focus
        ("<script>confirm(2)</script>", "hit"),  # plain script, trapped confirm
        ('<iframe src="/frame"></iframe>', "load"),
        ('<link rel="stylesheet" href="/x.css">', "load"),
        ("<p id=ws-status style=color:red>x</p>", "audit"),
    ]
    for html, expected in runs:
        verdict = judge.judge([("raw", {"block": html, "inline": ""})])
        seen = {"hit": verdict.hits, "load": verdict.loads, "audit": verdict.audit}
        assert seen[expected], (html, verdict)
        assert verdict.audit, (html, verdict)  # the DOM audit flags every raw payload


@pytest.mark.browser
def test_no_payload_runs_in_a_real_browser(
    judge: BrowserJudge, rendered_corpus: list[tuple[str, dict[str, str]]]
) -> None:
    combined = judge.judge(rendered_corpus)
    combined.assert_harmless("all payloads on one page")
    assert combined.poked > len(PAYLOADS)
    # One payload could break the parsing of the next on a combined page: again, 25 at a time.
    for start in range(0, len(rendered_corpus), 25):
        batch = rendered_corpus[start : start + 25]
        judge.judge(batch).assert_harmless(f"batch {batch[0][0]} .. {batch[-1][0]}")


@pytest.mark.parametrize(
    "source",
    [
        "[x](HTTPS://example.com)",
        '<a href=" https://example.com">x</a>',
        '<a href="https:example.com">x</a>',
        '<a href="\\\\example.com/x">x</a>',
        '<a href="/\\example.com">x</a>',
    ],
)
def test_every_off_site_link_gets_rel(source: str) -> None:
    """Browsers resolve all of these off-site: each gets ``rel``."""
    assert 'rel="nofollow noopener noreferrer"' in render_inline(source)


def test_code_blocks_take_keyboard_focus_and_nothing_else_does() -> None:
    """A code block wider than the page scrolls: it must be reachable by keyboard
    (axe: scrollable-region-focusable). Only ``tabindex="0"`` on ``pre`` survives."""
    html = render_markdown("```python\nprint('x' * 200)\n```\n\n    indented\n\nand `inline`").html
    assert html.count('<pre tabindex="0">') == 2 and "<code>inline</code>" in html
    hostile = render_markdown('<pre tabindex="-1" onfocus="x()">a</pre><p tabindex="0">b</p>').html
    assert "tabindex" not in hostile.replace('<pre tabindex="0">', "") and "onfocus" not in hostile
