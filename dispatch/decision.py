"""The channel decision: a pure function of the lead, the clock and the tenant's channels.

Rules, in order, each with a reason code:
 1. DO_NOT_CONTACT   lead asked not to be contacted                          → none
 2. COOLDOWN         contacted less than `cooldown` ago                       → none
 3. INVALID_TIMEZONE the lead's time zone is unknown                           → none
 4. QUIET_HOURS      outside [quiet_end, quiet_start) in the lead's local time → deferred
 5. MEETING_INVITE   wants a meeting and has an e-mail                         → calendar
 6. WHATSAPP         opted in, valid E.164 phone, an active WhatsApp channel   → whatsapp
 7. EMAIL            opted in, valid e-mail, an active e-mail channel          → email
 8. NO_CHANNEL       none of the above                                         → none
 After 5–7, RATE_LIMITED (deferred) when the channel already sent its hourly allowance.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

E164 = re.compile(r"^\+[1-9]\d{7,14}$")
CHANNELS = ("whatsapp", "email", "calendar", "none")
REASON_CODES = (
    "DO_NOT_CONTACT",
    "COOLDOWN",
    "INVALID_TIMEZONE",
    "QUIET_HOURS",
    "MEETING_INVITE",
    "WHATSAPP",
    "EMAIL",
    "NO_CHANNEL",
    "RATE_LIMITED",
)


@dataclass(frozen=True)
class LeadFacts:
    status: str
    last_contacted_at: datetime | None
    time_zone: str
    wants_meeting: bool
    email: str
    phone: str
    whatsapp_opt_in: bool
    email_opt_in: bool


@dataclass(frozen=True)
class DispatchContext:
    now: datetime
    cooldown: timedelta
    quiet_start_hour: int
    quiet_end_hour: int
    active_channels: frozenset
    rate_per_hour: int
    sent_this_hour: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    channel: str  # whatsapp | email | calendar | none
    outcome: str  # send | skip | defer
    reason_code: str
    reason: str


def valid_phone(phone: str) -> bool:
    return bool(E164.match(phone or ""))


def valid_email(email: str) -> bool:
    if not email:
        return False
    try:
        validate_email(email)
    except ValidationError:
        return False
    return True


def in_quiet_hours(local: datetime, start: int, end: int) -> bool:
    hour = local.hour
    return hour >= start or hour < end if start > end else start <= hour < end


def decide(lead: LeadFacts, context: DispatchContext) -> Decision:
    if lead.status == "do_not_contact":
        return Decision("none", "skip", "DO_NOT_CONTACT", "The lead asked not to be contacted.")
    if lead.last_contacted_at is not None and context.now - lead.last_contacted_at < context.cooldown:
        return Decision("none", "skip", "COOLDOWN", f"Contacted less than {context.cooldown.days} days ago.")
    try:
        local = context.now.astimezone(ZoneInfo(lead.time_zone))
    except (ZoneInfoNotFoundError, ValueError):
        return Decision("none", "skip", "INVALID_TIMEZONE", f"Unknown time zone “{lead.time_zone}”.")
    if in_quiet_hours(local, context.quiet_start_hour, context.quiet_end_hour):
        return Decision(
            "none", "defer", "QUIET_HOURS", f"It is {local:%H:%M} for the lead ({lead.time_zone}); quiet hours."
        )
    if lead.wants_meeting and valid_email(lead.email):
        chosen = Decision("calendar", "send", "MEETING_INVITE", "Wants a meeting: a calendar invite by e-mail.")
    elif lead.whatsapp_opt_in and valid_phone(lead.phone) and "whatsapp" in context.active_channels:
        chosen = Decision("whatsapp", "send", "WHATSAPP", "Opted in to WhatsApp with a valid phone.")
    elif lead.email_opt_in and valid_email(lead.email) and "email" in context.active_channels:
        chosen = Decision("email", "send", "EMAIL", "Opted in to e-mail with a valid address.")
    else:
        return Decision("none", "skip", "NO_CHANNEL", "No channel the lead opted in to is available.")
    if context.sent_this_hour.get(chosen.channel, 0) >= context.rate_per_hour:
        return Decision(
            chosen.channel, "defer", "RATE_LIMITED", f"{chosen.channel} already sent {context.rate_per_hour} this hour."
        )
    return chosen
