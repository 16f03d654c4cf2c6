"""The design system's server-drawn pieces for templates (docs/design.md):

* ``{% cover_url seed %}``: the URL of a generated cover (``<img alt="">``: decorative);
* ``{% icon "quiz" %}`` (decorative) or ``{% icon "quiz" label="Quiz" %}`` (named);
* ``{% progress_ring completed total label %}``: a ring with the percentage inside.

All are SVG attributes only: nothing here needs ``style`` or ``<style>``.
"""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from apps.courses import art

register = template.Library()


@register.simple_tag
def cover_url(seed: str) -> str:
    return reverse("courses:cover", kwargs={"version": art.ART_VERSION, "seed": seed})


@register.simple_tag
def icon(kind: str, label: str = "", size: int = 20) -> SafeString:
    return mark_safe(art.icon_svg(kind, label=str(label), size=size))  # noqa: S308 - fixed markup, label escaped


def ring_percent(completed: int, total: int) -> int:
    return round(100 * completed / total) if total else 0


@register.simple_tag
def progress_ring(completed: int, total: int, label: str, size: int = 56) -> SafeString:
    """A ring filled to ``completed / total``, named "label: N% (c of t)" for screen readers.
    The arc uses ``pathLength="100"``, so its dash is the percentage itself."""
    percent = ring_percent(completed, total)
    done = " ring-done" if total and completed >= total else ""
    arc = (
        format_html(
            '<circle class="ring-value" cx="20" cy="20" r="16" fill="none" stroke-width="5" '
            'pathLength="100" stroke-dasharray="{} 100" stroke-linecap="round" '
            'transform="rotate(-90 20 20)"/>',
            percent,
        )
        if percent
        else ""  # a zero-length dash would still draw its round cap
    )
    return format_html(
        '<svg class="ring{}" viewBox="0 0 40 40" width="{}" height="{}" role="img" '
        'aria-label="{}: {}% ({} of {})" focusable="false">'
        '<circle class="ring-track" cx="20" cy="20" r="16" fill="none" stroke-width="5"/>{}'
        '<text class="ring-text" x="20" y="20" text-anchor="middle" '
        'dominant-baseline="central">{}%</text></svg>',
        done, size, size, label, percent, completed, total, arc, percent,
    )  # fmt: skip
