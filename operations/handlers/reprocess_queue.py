"""Re-drives a tenant's failed outbound work. Apps that own an outbox register a reprocessor."""

from datetime import datetime

REPROCESSORS = {}


def register_reprocessor(name: str, function) -> None:
    """`function(channel: str | None, since: datetime | None) -> dict` re-enqueues failed items; safe to run twice."""
    REPROCESSORS[name] = function


def reprocess_queue(command, progress) -> dict:
    channel = command.parameters.get("channel") or None
    since = command.parameters.get("since")
    since = datetime.fromisoformat(since) if since else None
    results = {}
    for index, (name, function) in enumerate(sorted(REPROCESSORS.items())):
        progress(int(100 * index / max(len(REPROCESSORS), 1)), f"Reprocessing {name}")
        results[name] = function(channel=channel, since=since)
    return {
        "channel": channel,
        "since": since.isoformat() if since else None,
        "queues": results,
        "requeued": sum(r.get("requeued", 0) for r in results.values()),
    }
