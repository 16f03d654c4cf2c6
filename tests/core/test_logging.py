from __future__ import annotations

import json
import logging

import pytest

from apps.core.logging import JsonFormatter, RequestIdFilter, request_id_var


def test_json_formatter_writes_one_object_with_request_id_and_extras():
    token = request_id_var.set("abc123def456")
    try:
        record = logging.LogRecord(
            "apps.test", logging.INFO, __file__, 1, "hello %s", ("world",), None
        )
        record.path = "/x"
        RequestIdFilter().filter(record)
        line = JsonFormatter().format(record)
    finally:
        request_id_var.reset(token)
    payload = json.loads(line)
    assert payload["message"] == "hello world"
    assert payload["level"] == "INFO"
    assert payload["request_id"] == "abc123def456"
    assert payload["path"] == "/x"
    assert "\n" not in line


@pytest.mark.django_db
def test_request_id_is_echoed_and_logged(client, caplog):
    with caplog.at_level(logging.INFO, logger="apps.request"):
        response = client.get("/healthz", HTTP_X_REQUEST_ID="trace-0123456789")
    assert response["X-Request-ID"] == "trace-0123456789"
    records = [r for r in caplog.records if r.name == "apps.request"]
    assert records and records[-1].request_id == "trace-0123456789"
    assert records[-1].status == 200


@pytest.mark.django_db
def test_malformed_request_id_is_replaced(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="bad id\nwith newline")
    assert response["X-Request-ID"] != "bad id\nwith newline"
    assert len(response["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_logs_inside_a_request_carry_its_id(client, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get("/does-not-exist", HTTP_X_REQUEST_ID="notfound-req-1")
    assert response.status_code == 404
    warnings = [r for r in caplog.records if r.name == "django.request"]
    assert warnings
    RequestIdFilter().filter(warnings[-1])
    assert warnings[-1].request_id == "notfound-req-1"
