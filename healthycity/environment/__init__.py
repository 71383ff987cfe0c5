"""Environmental health: sensor readings, their quality control, and the official indices."""
