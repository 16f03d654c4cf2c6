"""The OpenAPI schema: committed, generated without warnings, valid, and served."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiYamlRenderer
from drf_spectacular.validation import validate_schema

COMMITTED = Path(__file__).resolve().parents[2] / "schema" / "openapi.yaml"


def _generate() -> tuple[dict, list[str]]:
    """The schema as `manage.py spectacular` builds it, and the generator's complaints."""
    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    complaints = [f"warning: {m}" for m in GENERATOR_STATS._warn_cache] + [
        f"error: {m}" for m in GENERATOR_STATS._error_cache
    ]
    GENERATOR_STATS.reset()
    return schema, complaints


def test_the_schema_generates_without_warnings_and_is_valid():
    schema, complaints = _generate()
    assert complaints == [], "schema generation complained:\n" + "\n".join(complaints)
    validate_schema(schema)


def test_the_committed_schema_is_up_to_date():
    schema, _ = _generate()
    generated = OpenApiYamlRenderer().render(schema, renderer_context={}).decode()
    committed = COMMITTED.read_text(encoding="utf-8") if COMMITTED.exists() else ""
    assert generated == committed, (
        "schema/openapi.yaml is not what the code generates: run `make schema` and commit "
        "the result (review the diff: it is the API's public contract)."
    )


def test_every_operation_is_described():
    schema, _ = _generate()
    seen = set()
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            where = f"{method.upper()} {path}"
            assert operation.get("operationId"), where
            assert operation["operationId"] not in seen, f"duplicate operationId at {where}"
            seen.add(operation["operationId"])
            assert operation.get("summary"), f"{where} has no summary"
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    body = response["content"]["application/json"]["schema"]
                    assert body == {"$ref": "#/components/schemas/ErrorResponse"}, (where, status)
            if method == "get":
                assert "ETag" in operation["responses"]["200"]["headers"], where
    assert schema["components"]["securitySchemes"]["tokenAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "ba_…",
        "description": schema["components"]["securitySchemes"]["tokenAuth"]["description"],
    }


def test_nothing_depends_on_the_environment():
    schema, _ = _generate()
    assert "servers" not in schema
    text = OpenApiYamlRenderer().render(schema, renderer_context={}).decode()
    assert "127.0.0.1" not in text and "localhost" not in text


@pytest.mark.django_db
def test_the_schema_is_served_as_yaml_and_json(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    assert yaml.safe_load(response.content)["info"]["title"] == "Backend Academy API"
    as_json = client.get("/api/schema/", {"format": "json"})
    assert as_json["Content-Type"].startswith("application/vnd.oai.openapi+json")
    assert as_json.json()["openapi"].startswith("3.")
    negotiated = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert negotiated["Content-Type"].startswith("application/json")


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_the_explorers_use_only_local_files_and_no_inline_script(client, path):
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert "/api/schema/?format=json" in html
    assert "https://" not in html and "http://" not in html
    for line in html.splitlines():
        if "<script" in line:
            assert 'src="/static/' in line, f"inline script: {line}"
    policy = response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    if path == "/api/docs/":
        assert "csrftoken" in response.cookies  # "Try it out" sends it as X-CSRFToken
        assert "style-src 'self';" in policy  # Swagger UI needs nothing more than the site
