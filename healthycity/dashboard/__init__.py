"""The web pages: the territory map, the territory pages and their translations."""
