"""Small fakes of third parties we do not run (an SMS gateway)."""
