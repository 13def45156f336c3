"""The tenant's integrations list answers exactly what the OpenAPI contract documents."""

import pytest

from core.tests.contract import assert_conforms

pytestmark = pytest.mark.django_db

INTEGRATIONS = "/api/tenant/integrations"


def test_the_integrations_list_and_its_errors(client_for, acme):
    client = client_for(acme, "admin@acme.test")
    listed = client.get(INTEGRATIONS, {"page_size": 2})
    assert listed.status_code == 200 and listed.json()["count"] >= 1
    assert_conforms(listed, "get", INTEGRATIONS)

    unchanged = client.get(INTEGRATIONS, {"page_size": 2}, HTTP_IF_NONE_MATCH=listed["ETag"])
    assert unchanged.status_code == 304
    assert_conforms(unchanged, "get", INTEGRATIONS)

    for bad in ({"kind": "fax"}, {"page": 0}):
        refused = client.get(INTEGRATIONS, bad)
        assert refused.status_code == 400
        assert_conforms(refused, "get", INTEGRATIONS)
    assert_conforms(client_for(acme).get(INTEGRATIONS), "get", INTEGRATIONS)
