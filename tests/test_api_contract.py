"""The OpenAPI contract itself: complete, valid, typed, and the same on both hosts."""

import pytest
from django.core.management import call_command
from django.urls import URLPattern, URLResolver

from alquimista import urls_api
from core.tests.contract import contract

pytestmark = pytest.mark.django_db
METHODS = {"get", "post", "put", "patch", "delete"}


def _operations():
    for path, item in contract()["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def _untyped(schema: dict) -> bool:
    return schema.get("type") == "object" and not ({"properties", "additionalProperties", "$ref"} & set(schema))


def test_the_contract_is_valid_openapi_3_1_and_generated_without_a_warning(tmp_path):
    call_command(
        "spectacular", "--urlconf", "alquimista.urls_api", "--validate", "--fail-on-warn", "--file", tmp_path / "s"
    )
    assert contract()["openapi"] == "3.1.0"


def test_every_api_route_is_in_the_contract():
    documented = {path.lstrip("/") for path in contract()["paths"]}
    routes = {
        str(pattern.pattern).replace("<int:", "{").replace("<uuid:", "{").replace(">", "}")
        for pattern in urls_api.urlpatterns
        if isinstance(pattern, URLPattern | URLResolver)
    }
    assert routes == documented


def test_operation_ids_are_unique_and_every_operation_is_tagged_by_host():
    ids = [operation["operationId"] for _, _, operation in _operations()]
    assert len(ids) == len(set(ids))
    for path, _, operation in _operations():
        host = "Tenant API" if path.startswith("/api/tenant/") else "Internal API"
        assert operation["tags"] and operation["tags"][0].startswith(host), (path, operation["tags"])


def test_every_success_and_error_body_is_typed():
    for path, method, operation in _operations():
        successes = [code for code in operation["responses"] if code.startswith("2")]
        assert successes, (method, path)
        for code, response in operation["responses"].items():
            for media in response.get("content", {}).values():
                assert not _untyped(media["schema"]), (method, path, code)
        for media in operation.get("requestBody", {}).get("content", {}).values():
            assert not _untyped(media["schema"]), (method, path, "request")
        for code in ("400", "401", "403", "404", "429", "503"):
            assert operation["responses"][code]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/Error"
            }, (method, path, code)


def test_lists_share_one_page_shape_with_page_and_page_size():
    lists = [
        (path, operation) for path, method, operation in _operations() if operation["operationId"].endswith("_list")
    ]
    assert len(lists) >= 15
    for path, operation in lists:
        parameters = {parameter["name"] for parameter in operation.get("parameters", [])}
        assert {"page", "page_size"} <= parameters, path
        page = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        assert set(contract()["components"]["schemas"][page]["properties"]) == {"count", "next", "previous", "results"}


def test_each_host_names_its_server_and_its_credentials():
    schemes = contract()["components"]["securitySchemes"]
    assert {"apiKey", "staffToken", "ssoBearer", "cookieAuth"} <= set(schemes)
    for path, _, operation in _operations():
        names = {name for requirement in operation["security"] for name in requirement}
        if path.startswith("/api/tenant/"):
            assert operation["servers"][0]["url"].startswith("http://{tenant}.")
            assert {"apiKey", "ssoBearer", "cookieAuth"} <= names and "staffToken" not in names, path
        else:
            assert "{tenant}" not in operation["servers"][0]["url"]
            assert "apiKey" not in names and {"staffToken", "ssoBearer", "cookieAuth"} <= names, path


def test_both_hosts_serve_the_same_whole_contract(client_for, acme, public_tenant):
    on_tenant = client_for(acme).get("/api/schema", HTTP_ACCEPT="application/json")
    on_public = client_for(public_tenant).get("/api/schema", HTTP_ACCEPT="application/json")

    assert on_tenant.status_code == on_public.status_code == 200
    assert on_tenant.json() == on_public.json()
    assert any(path.startswith("/api/internal/") for path in on_tenant.json()["paths"])
    assert any(path.startswith("/api/tenant/") for path in on_public.json()["paths"])
