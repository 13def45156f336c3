"""The local SMTP peer dispatch tests send to (aiosmtpd on loopback)."""

import pytest

from tests.smtp_peer import Inbox, smtp_peer


@pytest.fixture
def smtp(settings):
    with smtp_peer(settings, Inbox()) as inbox:
        yield inbox
