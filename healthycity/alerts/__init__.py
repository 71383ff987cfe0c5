"""Health alerts: CAP 1.2 messages, their import and feed, and advice by audience."""
