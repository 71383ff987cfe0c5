"""Command-line interface: one Typer app, a sub-app per domain."""
