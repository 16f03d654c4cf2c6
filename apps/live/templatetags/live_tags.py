"""``{% live_sessions_panel user %}``: the dashboard's live sessions, hosted and played."""

from __future__ import annotations

from typing import Any

from django import template

from apps.live import selectors

register = template.Library()

RECENT = 10


@register.inclusion_tag("live/_dashboard.html")
def live_sessions_panel(user: Any) -> dict[str, Any]:
    """Two queries whatever the number of sessions."""
    return {
        "hosted": list(selectors.sessions_hosted(user=user)[:RECENT]),
        "played": list(selectors.sessions_played(user=user)[:RECENT]),
    }
