class CommandFailed(Exception):
    """A handler's failure with a message for the person who ran the command."""
