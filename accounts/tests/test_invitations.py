"""Inviting an address that already has an account: an invitation its owner must accept.

The cast: acme's admin invites; user@globex.test (another tenant's user), support@alquimista.test
(staff) and a brand-new address are invited; globex's host must not open acme's invitations.
"""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.models import Invitation, Membership, User
from audit.models import OperationalEvent

pytestmark = pytest.mark.django_db

OUTSIDER = "user@globex.test"


@pytest.fixture
def admin(client_for, acme):
    return client_for(acme, "admin@acme.test")


def invite(admin, email: str, role: str = "TENANT_USER", captured=None):
    return admin.post("/app/dashboard/users", {"email": email, "name": "Typed Name", "role": role})


def invited_link(message) -> str:
    return re.search(r"http://acme\.localhost:8000(/invitations/\S+)", message.body).group(1)


def audit(action: str) -> list[str]:
    return list(OperationalEvent.objects.filter(action=action).values_list("actor_email", flat=True))


def test_an_existing_account_gets_an_invitation_not_a_membership(admin, acme, django_capture_on_commit_callbacks):
    outsider = User.objects.get(email=OUTSIDER)
    outsider.last_login = timezone.now() - timedelta(days=3)
    outsider.save(update_fields=["last_login"])

    with django_capture_on_commit_callbacks(execute=True):
        response = invite(admin, "User@Globex.test")

    assert response.status_code == 302
    assert not Membership.objects.filter(user=outsider, tenant=acme).exists()
    invitation = Invitation.objects.get(tenant=acme)
    assert (invitation.email, invitation.user, invitation.status, invitation.role) == (
        OUTSIDER,
        outsider,
        "pending",
        "TENANT_USER",
    )
    [message] = mail.outbox
    assert message.to == [OUTSIDER]
    assert message.subject == "You were invited to Acme Corporation"
    assert "was created" not in message.body
    assert "/invitations/" in message.body and "/reset/" not in message.body
    assert audit("invitation.created") == ["admin@acme.test"]

    page = admin.get("/app/dashboard/users")
    assert page.status_code == 200
    assert [i.email for i in page.context["invitations"]] == [OUTSIDER]
    assert outsider.name.encode() not in page.content
    assert f"{outsider.last_login:%Y-%m-%d %H:%M}".encode() not in page.content
    assert OUTSIDER not in [m.user.email for m in page.context["members"]]


def test_accepting_joins_the_tenant_and_then_the_tenant_sees_the_person(
    admin, acme, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(admin, OUTSIDER, role="TENANT_ADMIN")
    link = invited_link(mail.outbox[0])
    invitee = Client(HTTP_HOST="acme.localhost")

    page = invitee.get(link)
    accepted = invitee.post(f"{link}/accept")
    again = invitee.post(f"{link}/accept")

    assert page.status_code == 200 and b"You were invited to Acme Corporation" in page.content
    assert accepted.status_code == 302 and accepted["Location"] == "/login/"
    assert Membership.objects.get(user__email=OUTSIDER, tenant=acme).role == "TENANT_ADMIN"
    assert Invitation.objects.get(tenant=acme).status == "accepted"
    assert again.status_code == 409  # one-time
    assert audit("invitation.accepted") == [OUTSIDER]
    users_page = admin.get("/app/dashboard/users")
    assert users_page.context["invitations"] == []
    assert OUTSIDER in [m.user.email for m in users_page.context["members"]]


def test_declining_changes_nothing_and_the_link_is_spent(admin, acme, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invite(admin, OUTSIDER)
    link = invited_link(mail.outbox[0])
    invitee = Client(HTTP_HOST="acme.localhost")

    declined = invitee.post(f"{link}/decline")

    assert declined.status_code == 200 and b"You declined the invitation" in declined.content
    assert not Membership.objects.filter(user__email=OUTSIDER, tenant=acme).exists()
    assert invitee.get(link).status_code == 410
    assert invitee.post(f"{link}/accept").status_code == 409
    assert not Membership.objects.filter(user__email=OUTSIDER, tenant=acme).exists()
    assert audit("invitation.declined") == [OUTSIDER]


def test_a_staff_account_is_invited_like_any_other_and_can_never_accept(
    admin, acme, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(admin, "support@alquimista.test", role="TENANT_ADMIN")
    assert response.status_code == 302  # the same answer as for any existing account
    assert "joins once they accept" in str(list(admin.get("/app/dashboard/users").context["messages"])[0])
    link = invited_link(mail.outbox[0])

    refused = Client(HTTP_HOST="acme.localhost").post(f"{link}/accept")

    assert refused.status_code == 409 and b"Staff accounts cannot join a tenant" in refused.content
    assert not Membership.objects.filter(user__email="support@alquimista.test").exists()
    assert Invitation.objects.get(tenant=acme).status == "pending"


def test_a_new_address_keeps_todays_flow(admin, acme, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invite(admin, "newcomer@acme.test")

    assert Membership.objects.get(user__email="newcomer@acme.test", tenant=acme).role == "TENANT_USER"
    assert not Invitation.objects.exists()
    assert "http://acme.localhost:8000/reset/" in mail.outbox[0].body


def test_a_second_invitation_while_one_is_pending_is_a_form_error(admin, acme):
    invite(admin, OUTSIDER)
    second = invite(admin, OUTSIDER)

    assert second.status_code == 400 and b"already pending" in second.content
    assert Invitation.objects.filter(tenant=acme).count() == 1


def test_an_expired_invitation_cannot_be_accepted_and_makes_room_for_a_new_one(
    admin, acme, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(admin, OUTSIDER)
    link = invited_link(mail.outbox[0])
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert Client(HTTP_HOST="acme.localhost").post(f"{link}/accept").status_code == 409
    assert not Membership.objects.filter(user__email=OUTSIDER, tenant=acme).exists()
    assert invite(admin, OUTSIDER).status_code == 302
    assert sorted(Invitation.objects.values_list("status", flat=True)) == ["expired", "pending"]


def test_withdrawing_spends_the_link(admin, acme, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invite(admin, OUTSIDER)
    link = invited_link(mail.outbox[0])
    invitation = Invitation.objects.get()

    assert admin.post(f"/app/dashboard/invitations/{invitation.pk}/cancel").status_code == 302

    assert Client(HTTP_HOST="acme.localhost").post(f"{link}/accept").status_code == 409
    assert Invitation.objects.get().status == "cancelled"
    assert audit("invitation.cancelled") == ["admin@acme.test"]


def test_links_work_only_on_their_tenants_host_and_forged_tokens_are_404(
    admin, client_for, acme, globex, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(admin, OUTSIDER)
    link = invited_link(mail.outbox[0])
    invitation = Invitation.objects.get()

    on_globex = Client(HTTP_HOST="globex.localhost")
    assert on_globex.get(link).status_code == 404
    assert on_globex.post(f"{link}/accept").status_code == 404
    forged = Client(HTTP_HOST="acme.localhost")
    assert forged.get(f"/invitations/{invitation.pk}").status_code == 404
    assert forged.post(f"/invitations/{invitation.pk}:forged/accept").status_code == 404
    # Another tenant's admin cannot withdraw it.
    assert (
        client_for(globex, "admin@globex.test").post(f"/app/dashboard/invitations/{invitation.pk}/cancel").status_code
        == 404
    )
    assert Invitation.objects.get().status == "pending"
    assert not Membership.objects.filter(user__email=OUTSIDER, tenant=acme).exists()
