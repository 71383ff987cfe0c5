"""HTTP API: the application factory, shared dependencies and the one error shape."""
