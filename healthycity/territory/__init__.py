"""Territory: régions, départements, EPCI and communes with populations and geometries."""
