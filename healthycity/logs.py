"""Logging configuration, in one place (level from ``HC_LOG_LEVEL``)."""

import logging.config


def configure_logging(level: str = "INFO") -> None:
    """Send ``event key=value`` lines to stderr at ``level``."""
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
            "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
            "root": {"level": level.upper(), "handlers": ["stderr"]},
        }
    )
