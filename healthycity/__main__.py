"""Allow ``python -m healthycity``."""

from healthycity.cli.main import app

app(prog_name="healthycity")
