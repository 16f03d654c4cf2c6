"""Error pages: the site's own templates, and Django's debug pages under the CSP."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def _policy(response) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    parts = [p.strip().split() for p in response["Content-Security-Policy"].split(";")]
    return {p[0]: p[1:] for p in parts if p}


def _sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_csrf_failure_is_the_sites_page_with_no_inline_style(client, settings):
    csrf_client = Client(enforce_csrf_checks=True)
    response = csrf_client.post("/accounts/logout/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "Form expired" in body and 'class="error-page"' in body
    assert "<style" not in body and "style=" not in body


def test_csrf_failure_on_the_api_answers_json(settings):
    response = Client(enforce_csrf_checks=True).post("/api/v1/", HTTP_ACCEPT="application/json")
    assert response.status_code in {403, 405}
    assert response["Content-Type"].startswith("application/json")


def test_debug_404_allows_exactly_its_inline_style_by_hash(client, settings):
    settings.DEBUG = True
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    styles = re.findall(r"<style[^>]*>(.*?)</style>", body, re.DOTALL)
    assert styles  # Django's technical 404 page
    policy = _policy(response)
    assert "'unsafe-inline'" not in policy["style-src"]
    assert policy["style-src"] == ["'self'", *sorted({_sha(s) for s in styles})]


def test_pages_outside_debug_get_the_plain_policy(client, settings):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert _policy(response)["style-src"] == ["'self'"]
    assert "<style" not in response.content.decode()


def test_browsable_api_has_no_inline_style(client):
    response = client.get("/api/v1/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<style" not in body
    assert "css/drf-code.css" in body
