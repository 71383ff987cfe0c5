"""Glue between the environment and alerts domains: stored indices feed the alert rules."""
