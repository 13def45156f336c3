"""The login lockout: per user name (alone and with the IP), a higher per-IP ceiling that people
known from that IP pass, a way in by the reset link, and an audit event for every refusal."""

import re

import pytest
from axes.models import AccessAttempt, AccessLog
from django.core import mail
from django.test import Client

from audit.models import OperationalEvent
from conftest import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

OFFICE = "198.51.100.10"  # one NAT address shared by many people
ELSEWHERE = "203.0.113.20"


def login(email: str, password: str, ip: str = OFFICE, client: Client | None = None):
    client = client or Client(HTTP_HOST="acme.localhost", REMOTE_ADDR=ip)
    return client.post("/login/", {"username": email, "password": password})


def lock_events() -> list[tuple[str, dict]]:
    return list(OperationalEvent.objects.filter(action="auth.locked_out").values_list("actor_email", "after"))


def test_a_failure_is_counted_under_the_user_name_as_stored(acme):
    login(" User@Acme.test", "wrong-password")

    attempt = AccessAttempt.objects.get()
    assert (attempt.username, attempt.ip_address, attempt.failures_since_start) == ("user@acme.test", OFFICE, 1)


def test_a_user_name_locks_after_the_limit_from_any_ip_even_with_the_right_password(acme, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login("user@acme.test", "wrong-password").status_code == 200
    last = login("user@acme.test", "wrong-password")

    elsewhere = login("user@acme.test", DEMO_PASSWORD, ip=ELSEWHERE)

    assert last.status_code == 429  # the failure that reaches the limit is answered by the lock already
    assert elsewhere.status_code == 429 and b'data-lock="user"' in elsewhere.content
    assert b"/password-reset/" in elsewhere.content
    assert lock_events() == [("user@acme.test", {"lock": "user"})] * 2
    assert list(AccessAttempt.objects.values_list("username", "failures_since_start")) == [
        ("user@acme.test", settings.AXES_FAILURE_LIMIT)  # the refused right password was not counted
    ]
    assert not OperationalEvent.objects.filter(action="auth.login").exists()


def test_failures_on_other_names_do_not_lock_a_bystander_behind_the_same_ip(acme, settings):
    for number in range(settings.AXES_FAILURE_LIMIT + 2):
        login(f"nobody{number}@acme.test", "wrong-password")

    typo = login("user@acme.test", "wrong-password")
    right = login("user@acme.test", DEMO_PASSWORD)

    assert typo.status_code == 200 and typo.context["form"].errors
    assert right.status_code == 302
    assert lock_events() == []


@pytest.fixture
def office_over_its_ceiling(acme, settings):
    """user@acme.test has logged in from the office before; then the office reaches its ceiling."""
    settings.LOGIN_IP_FAILURE_LIMIT = 3
    assert login("user@acme.test", DEMO_PASSWORD).status_code == 302
    for number in range(3):
        login(f"sprayed{number}@acme.test", "wrong-password")


def test_the_ip_ceiling_lets_known_people_in_and_tells_others_it_is_the_network(office_over_its_ceiling):
    stranger = login("admin@acme.test", DEMO_PASSWORD)
    known = login("user@acme.test", DEMO_PASSWORD)
    from_home = login("admin@acme.test", DEMO_PASSWORD, ip=ELSEWHERE)

    assert stranger.status_code == 429 and b'data-lock="network"' in stranger.content
    assert b"Your account is not locked" in stranger.content and b"/password-reset/" in stranger.content
    assert known.status_code == 302
    assert from_home.status_code == 302
    assert lock_events() == [("admin@acme.test", {"lock": "network"})]


def test_the_ip_ceiling_refuses_guesses_without_checking_them(office_over_its_ceiling):
    guess = login("admin@acme.test", "a-guess")

    assert guess.status_code == 429 and b'data-lock="network"' in guess.content
    assert not AccessAttempt.objects.filter(username="admin@acme.test").exists()


def test_the_reset_link_logs_in_from_a_locked_network_and_makes_it_known(office_over_its_ceiling):
    client = Client(HTTP_HOST="acme.localhost", REMOTE_ADDR=OFFICE)
    client.post("/password-reset/", {"email": "admin@acme.test"})
    link = re.search(r"http://acme\.localhost(/reset/\S+)", mail.outbox[0].body).group(1)
    form_url = client.get(link)["Location"]

    done = client.post(form_url, {"new_password1": "a-Fine-passw0rd", "new_password2": "a-Fine-passw0rd"})

    assert done.status_code == 302
    assert client.get("/app/dashboard").status_code == 200
    assert AccessLog.objects.filter(username="admin@acme.test", ip_address=OFFICE).count() == 1
    assert login("admin@acme.test", "a-Fine-passw0rd").status_code == 302
