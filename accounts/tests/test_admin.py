"""Role changes in the Django admin go through the audited services."""

import pytest
from django.contrib.auth.models import Group

from accounts.models import Membership, User
from audit.models import OperationalEvent

pytestmark = pytest.mark.django_db


def form_data(page) -> dict:
    """What the browser would post back for an admin change page, unchanged."""
    data = {}
    form = page.context["adminform"].form
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form[name].value()
        if value is not None:
            data[name] = value
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
    return data


@pytest.fixture
def admin_client(client_for, public_tenant):
    return client_for(public_tenant, "admin@alquimista.test")


def test_internal_role_change_in_the_user_admin_is_audited(admin_client):
    user = User.objects.get(email="user@acme.test")
    url = f"/admin/accounts/user/{user.pk}/change/"
    data = {**form_data(admin_client.get(url)), "internal_role": "INTERNAL_SUPPORT"}

    response = admin_client.post(url, data)

    assert response.status_code == 302
    user = User.objects.get(pk=user.pk)
    assert user.internal_role == "INTERNAL_SUPPORT" and user.is_staff
    event = OperationalEvent.objects.get(action="user.internal_role_changed", target_id=str(user.pk))
    assert (event.actor.email, event.before, event.after) == (
        "admin@alquimista.test",
        {"role": None},
        {"role": "INTERNAL_SUPPORT"},
    )


def test_superuser_and_groups_are_not_editable_in_the_user_admin(admin_client):
    user = User.objects.get(email="user@acme.test")
    url = f"/admin/accounts/user/{user.pk}/change/"
    group = Group.objects.get(name="INTERNAL_ADMIN")
    data = {**form_data(admin_client.get(url)), "is_superuser": "on", "is_staff": "on", "groups": [group.pk]}

    assert admin_client.post(url, data).status_code == 302
    user.refresh_from_db()
    assert not user.is_superuser and not user.is_staff and user.internal_role is None


def test_membership_admin_add_change_delete_write_audit_rows(admin_client, acme):
    user = User.objects.create_user(email="newbie@acme.test", name="Newbie")

    added = admin_client.post(
        "/admin/accounts/membership/add/", {"user": user.pk, "tenant": acme.pk, "role": "TENANT_USER"}
    )
    assert added.status_code == 302
    membership = Membership.objects.get(user=user, tenant=acme)
    changed = admin_client.post(f"/admin/accounts/membership/{membership.pk}/change/", {"role": "TENANT_ADMIN"})
    assert changed.status_code == 302
    deleted = admin_client.post(f"/admin/accounts/membership/{membership.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302

    rows = OperationalEvent.objects.filter(target_id=str(user.pk), tenant=acme).order_by("pk")
    assert [(row.action, row.before, row.after, row.actor.email) for row in rows] == [
        ("membership.role_changed", {"role": None}, {"role": "TENANT_USER"}, "admin@alquimista.test"),
        ("membership.role_changed", {"role": "TENANT_USER"}, {"role": "TENANT_ADMIN"}, "admin@alquimista.test"),
        ("membership.removed", {"role": "TENANT_ADMIN"}, None, "admin@alquimista.test"),
    ]
    assert not Membership.objects.filter(user=user).exists()


def test_membership_admin_keeps_the_last_tenant_admin(admin_client, acme):
    membership = Membership.objects.get(user__email="admin@acme.test", tenant=acme)
    before = OperationalEvent.objects.filter(action__startswith="membership.").count()

    demoted = admin_client.post(f"/admin/accounts/membership/{membership.pk}/change/", {"role": "TENANT_USER"})
    deleted = admin_client.post(f"/admin/accounts/membership/{membership.pk}/delete/", {"post": "yes"})

    assert demoted.status_code == 200 and "at least one tenant admin" in demoted.content.decode()
    assert deleted.status_code == 403
    assert Membership.objects.get(pk=membership.pk).role == "TENANT_ADMIN"
    assert OperationalEvent.objects.filter(action__startswith="membership.").count() == before
