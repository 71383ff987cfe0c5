"""Storage: engines, shared metadata and migrations; the only dialect-aware code."""
