"""Check a real response against the OpenAPI contract (the schema /api/schema serves).

`assert_conforms(response, "get", "/api/tenant/leads/{lead_id}")` fails when the status is not
documented for the operation or the body does not validate against the documented schema.
"""

import functools

from drf_spectacular.generators import SchemaGenerator
from jsonschema import Draft202012Validator


@functools.cache
def contract() -> dict:
    return SchemaGenerator(urlconf="alquimista.urls_api").get_schema(request=None, public=True)


def operation(method: str, path: str) -> dict:
    paths = contract()["paths"]
    assert path in paths, f"{path} is not in the contract"
    assert method.lower() in paths[path], f"{method.upper()} {path} is not in the contract"
    return paths[path][method.lower()]


def assert_conforms(response, method: str, path: str) -> None:
    documented = operation(method, path)["responses"]
    status = str(response.status_code)
    assert status in documented, f"{method.upper()} {path} answered {status}, documented: {sorted(documented)}"
    content = documented[status].get("content")
    if not content:
        assert not response.content, f"{status} documents no body but one came"
        return
    schema = content["application/json"]["schema"]
    validator = Draft202012Validator({**schema, "components": contract()["components"]})
    errors = sorted(validator.iter_errors(response.json()), key=lambda error: list(error.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])
