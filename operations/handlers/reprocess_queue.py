"""Re-drives a tenant's failed outbound work. Apps that own an outbox register a reprocessor."""

from datetime import datetime

REPROCESSORS = {}


def register_reprocessor(name: str, function) -> None:
    """`function(channel: str | None, since: datetime | None, include_uncertain: bool) -> dict` re-enqueues
    failed items (and, only when a person asks, items that were maybe sent); safe to run twice."""
    REPROCESSORS[name] = function


def reprocess_queue(command, progress) -> dict:
    channel = command.parameters.get("channel") or None
    since = command.parameters.get("since")
    since = datetime.fromisoformat(since) if since else None
    # Maybe-sent messages (the peer did not confirm) go again only when the person asked for them.
    include_uncertain = command.parameters.get("include_uncertain") is True
    results = {}
    for index, (name, function) in enumerate(sorted(REPROCESSORS.items())):
        progress(int(100 * index / max(len(REPROCESSORS), 1)), f"Reprocessing {name}")
        results[name] = function(channel=channel, since=since, include_uncertain=include_uncertain)
    return {
        "channel": channel,
        "since": since.isoformat() if since else None,
        "include_uncertain": include_uncertain,
        "queues": results,
        "requeued": sum(r.get("requeued", 0) for r in results.values()),
    }
