"""healthycity: the open digital health platform of a French territory."""

__version__ = "0.1.0"
