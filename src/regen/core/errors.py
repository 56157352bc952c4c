"""User-facing errors: the CLI prints them as one line, never as a traceback."""


class RegenError(Exception):
    """A mistake the user can fix (bad input, bad config, bad checkpoint).

    The message is one line that says what is wrong and how to fix it.
    """


class ConfigError(RegenError):
    """A configuration file or override that does not validate."""


class CheckpointError(RegenError):
    """A checkpoint that is missing, corrupt, unsafe or made for another model."""


class SpaceMismatchError(RegenError):
    """Two stages that were composed although their spaces differ."""
