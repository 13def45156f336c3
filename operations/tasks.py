from celery import shared_task

from operations.commands import command_run, commands_purge, commands_reap, commands_requeue


@shared_task(name="operations.run_command", acks_late=True)
def run_command(command_id: str) -> str | None:
    # Idempotent: command_run starts only a PENDING command, so a redelivery does nothing.
    command = command_run(command_id)
    return command.status if command else None


@shared_task(name="operations.reap_commands")
def reap_commands() -> dict:
    # RUNNING too long → ERROR "worker lost"; PENDING whose message never reached a worker → sent again.
    return {"reaped": commands_reap(), "requeued": commands_requeue()}


@shared_task(name="operations.purge_commands")
def purge_commands() -> int:
    return commands_purge()
