"""The decision table, rule by rule, with its boundaries."""

from datetime import UTC, datetime, timedelta

import pytest

from dispatch.decision import DispatchContext, LeadFacts, decide

NOON = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)  # 09:00 in São Paulo


def lead(**overrides) -> LeadFacts:
    base = dict(
        status="new",
        last_contacted_at=None,
        time_zone="America/Sao_Paulo",
        wants_meeting=False,
        email="ana@example.com",
        phone="+5511987654321",
        whatsapp_opt_in=True,
        email_opt_in=True,
    )
    return LeadFacts(**{**base, **overrides})


def context(now=NOON, **overrides) -> DispatchContext:
    base = dict(
        now=now,
        cooldown=timedelta(days=7),
        quiet_start_hour=21,
        quiet_end_hour=8,
        active_channels=frozenset({"whatsapp", "email"}),
        rate_per_hour=10,
        sent_this_hour={},
    )
    return DispatchContext(**{**base, **overrides})


def outcome(facts, ctx=None):
    decision = decide(facts, ctx or context())
    return decision.channel, decision.outcome, decision.reason_code


def test_do_not_contact_wins_over_everything():
    assert outcome(lead(status="do_not_contact", wants_meeting=True)) == ("none", "skip", "DO_NOT_CONTACT")


@pytest.mark.parametrize(
    "ago, expected", [(timedelta(days=7) - timedelta(seconds=1), "COOLDOWN"), (timedelta(days=7), "WHATSAPP")]
)
def test_cooldown_edge(ago, expected):
    assert outcome(lead(last_contacted_at=NOON - ago))[2] == expected


@pytest.mark.parametrize(
    "tz, expected",
    [
        ("America/Sao_Paulo", "WHATSAPP"),  # 09:00
        ("Asia/Tokyo", "QUIET_HOURS"),  # 21:00, the first quiet minute
        ("America/Los_Angeles", "QUIET_HOURS"),  # 04:00
        ("Europe/Lisbon", "WHATSAPP"),  # 12:00
        ("Mars/Olympus_Mons", "INVALID_TIMEZONE"),
    ],
)
def test_quiet_hours_in_the_leads_time_zone(tz, expected):
    assert outcome(lead(time_zone=tz))[2] == expected


def test_quiet_hours_end_exactly_at_eight():
    at_759 = datetime(2026, 11, 22, 10, 59, tzinfo=UTC)  # 07:59 in São Paulo
    at_800 = datetime(2026, 11, 22, 11, 0, tzinfo=UTC)
    assert outcome(lead(), context(now=at_759))[2] == "QUIET_HOURS"
    assert outcome(lead(), context(now=at_800))[2] == "WHATSAPP"


def test_daylight_saving_change_in_new_york():
    # 12:30 UTC is 07:30 EST the day before the change (quiet) and 08:30 EDT on the day of it (allowed).
    before = datetime(2026, 3, 7, 12, 30, tzinfo=UTC)
    after = datetime(2026, 3, 8, 12, 30, tzinfo=UTC)
    assert outcome(lead(time_zone="America/New_York"), context(now=before))[2] == "QUIET_HOURS"
    assert outcome(lead(time_zone="America/New_York"), context(now=after))[2] == "WHATSAPP"


def test_meeting_with_email_is_a_calendar_invite_and_without_email_falls_through():
    assert outcome(lead(wants_meeting=True)) == ("calendar", "send", "MEETING_INVITE")
    assert outcome(lead(wants_meeting=True, email="")) == ("whatsapp", "send", "WHATSAPP")


@pytest.mark.parametrize(
    "overrides, active, expected",
    [
        ({}, {"whatsapp", "email"}, "WHATSAPP"),
        ({"phone": "11987654321"}, {"whatsapp", "email"}, "EMAIL"),  # not E.164
        ({"whatsapp_opt_in": False}, {"whatsapp", "email"}, "EMAIL"),
        ({}, {"email"}, "EMAIL"),  # no active WhatsApp integration
        ({"email": "not-an-email", "whatsapp_opt_in": False}, {"whatsapp", "email"}, "NO_CHANNEL"),
        ({"email_opt_in": False}, {"email"}, "NO_CHANNEL"),
        ({}, set(), "NO_CHANNEL"),
    ],
)
def test_channel_rules(overrides, active, expected):
    assert outcome(lead(**overrides), context(active_channels=frozenset(active)))[2] == expected


@pytest.mark.parametrize(
    "sent, expected", [(9, ("whatsapp", "send", "WHATSAPP")), (10, ("whatsapp", "defer", "RATE_LIMITED"))]
)
def test_rate_limit_edge(sent, expected):
    assert outcome(lead(), context(sent_this_hour={"whatsapp": sent})) == expected
