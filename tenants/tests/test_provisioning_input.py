"""A provisioning request with text PostgreSQL cannot store, or longer than its column, is a field error (issue 13, item 11)."""

import json

import pytest
from django.core.exceptions import ValidationError

from accounts.models import User
from tenants.models import ProvisioningRun
from tenants.provisioning import provisioning_request

VALID = {
    "slug": "long-co",
    "name": "Long Co",
    "plan_code": "starter",
    "owner_name": "Olga Owner",
    "owner_email": "olga@long.test",
}


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"name": "n" * 201}, {"name": ["At most 200 characters."]}),
        ({"owner_name": "o" * 201}, {"owner_name": ["At most 200 characters."]}),
        ({"owner_squad": "s" * 101}, {"owner_squad": ["At most 100 characters."]}),
        ({"name": "Long\x00Co"}, {"name": ["Give it as text, without NUL characters."]}),
        ({"owner_squad": "\x00"}, {"owner_squad": ["Give it as text, without NUL characters."]}),
        (
            {"contacts": [{"name": "Ana\x00", "email": "ana@long.test"}]},
            {"contacts": ["Contact 1: text without NUL characters, a name of at most 200."]},
        ),
        (
            {"contacts": ["Ana, ana@long.test, ops\x00"]},
            {"contacts": ["Contact 1: text without NUL characters, a name of at most 200."]},
        ),
        (
            {"contacts": [{"name": "a" * 201, "email": "ana@long.test"}]},
            {"contacts": ["Contact 1: text without NUL characters, a name of at most 200."]},
        ),
    ],
)
def test_unstorable_or_overlong_text_is_a_field_error_and_nothing_is_recorded(db, changes, errors):
    with pytest.raises(ValidationError) as raised:
        provisioning_request(**{**VALID, **changes}, start=False)
    assert raised.value.message_dict == errors
    assert not ProvisioningRun.objects.filter(slug="long-co").exists()


def test_the_api_names_a_nul_in_a_contact_and_records_nothing(client_for, public_tenant):
    body = {
        "slug": "long-co",
        "name": "Long Co",
        "plan": "starter",
        "owner_name": "Olga",
        "owner_email": "olga@long.test",
        "contacts": [{"name": "Ana", "email": "ana@long.test"}, {"name": "B\u0000", "email": "b@long.test"}],
    }
    response = client_for(public_tenant, "admin@alquimista.test").post(
        "/api/internal/tenants", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "contacts.1.name": ["Text may not contain NUL characters or unpaired surrogates."]
    }
    assert not ProvisioningRun.objects.filter(slug="long-co").exists()


def test_a_valid_request_at_the_limits_is_recorded(db):
    run = provisioning_request(
        **{**VALID, "name": "n" * 200, "owner_name": "o" * 200},
        owner_squad="s" * 100,
        contacts=[{"name": "a" * 200, "email": "ana@long.test"}],
        requested_by=User.objects.get(email="admin@alquimista.test"),
        start=False,
    )
    assert (len(run.name), len(run.owner_name), len(run.owner_squad)) == (200, 200, 100)
    assert run.contacts == [{"name": "a" * 200, "email": "ana@long.test", "role": ""}]
