"""Errors that end a command with one line and exit status 2."""


class UsageError(Exception):
    """Bad input: a spec, a patch, a file. The message is one line."""
