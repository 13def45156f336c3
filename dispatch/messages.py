"""What a lead receives on each channel."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4


def render(channel: str, lead) -> str:
    first = (lead.name or "").split(" ")[0] or "there"
    if channel == "whatsapp":
        return f"Olá {first}! Aqui é a Alquimista. Podemos conversar sobre como nossos agentes podem ajudar sua equipe?"
    if channel == "calendar":
        return f"Hello {first}, here is an invitation for a 30-minute call with our team. Reply if another time suits you better."
    return f"Hello {first},\n\nThanks for your interest in Alquimista. Could we help your team with AI agents?\n\nThe Alquimista team"


def ics_invite(*, lead, start: datetime, organizer: str) -> str:
    end = start + timedelta(minutes=30)
    stamp = "%Y%m%dT%H%M%SZ"
    return "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//Alquimista Ops//Dispatch//EN",
            "METHOD:REQUEST",
            "BEGIN:VEVENT",
            f"UID:{uuid4()}@alquimista",
            f"DTSTAMP:{datetime.now(UTC).strftime(stamp)}",
            f"DTSTART:{start.strftime(stamp)}",
            f"DTEND:{end.strftime(stamp)}",
            "SUMMARY:Alquimista introduction call",
            f"ORGANIZER:mailto:{organizer}",
            f"ATTENDEE;RSVP=TRUE:mailto:{lead.email}",
            "END:VEVENT",
            "END:VCALENDAR",
            "",
        ]
    )
