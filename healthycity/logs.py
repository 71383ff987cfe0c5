"""Logging configuration, in one place (level from ``HC_LOG_LEVEL``)."""

import logging.config
import sys
from typing import TextIO


class CurrentStderrHandler(logging.StreamHandler):  # type: ignore[type-arg]  # TextIO stream
    """Write to whatever ``sys.stderr`` is when a record is emitted.

    A plain ``StreamHandler`` keeps the stream it was built with; when a CLI command runs
    in-process (tests, embedding), that stream may be closed by the time a later record
    arrives, and logging prints "--- Logging error ---" instead of the message.
    """

    @property
    def stream(self) -> TextIO:
        """The current ``sys.stderr``."""
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        return None


def configure_logging(level: str = "INFO") -> None:
    """Send ``event key=value`` lines to stderr at ``level``."""
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
            "handlers": {"stderr": {"()": CurrentStderrHandler, "formatter": "plain"}},
            "root": {"level": level.upper(), "handlers": ["stderr"]},
            # Alembic narrates every migration at INFO; only its warnings concern users.
            "loggers": {"alembic": {"level": "WARNING"}},
        }
    )
