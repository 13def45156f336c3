"""What each command type does, inside the tenant's schema. A handler takes the command and a
`progress(percent, message)` callback and returns its output (JSON); it raises CommandFailed
with a message a person can act on."""

from operations.commands_models import CommandType
from operations.handlers.base import CommandFailed
from operations.handlers.health_check import health_check
from operations.handlers.reprocess_queue import reprocess_queue
from operations.handlers.reset_token import reset_token
from operations.handlers.restart_agent import restart_agent

HANDLERS = {
    CommandType.HEALTH_CHECK: health_check,
    CommandType.RESET_TOKEN: reset_token,
    CommandType.RESTART_AGENT: restart_agent,
    CommandType.REPROCESS_QUEUE: reprocess_queue,
}

__all__ = ["HANDLERS", "CommandFailed"]
