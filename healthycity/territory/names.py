"""Accent- and case-insensitive name keys, so "chateau chinon" finds Château-Chinon."""

import re
import unicodedata

# Anything but a letter or a digit separates words, so a search made only of punctuation
# ("%", "_", "?") folds to an empty key and is refused instead of matching nothing.
_SEPARATORS = re.compile(r"[\W_]+")


def normalise_name(name: str) -> str:
    """Fold a place name to lower-case ASCII words separated by single spaces.

    >>> normalise_name("Château-Chinon (Ville)")
    'chateau chinon ville'
    >>> normalise_name("  L'Haÿ-les-Roses ")
    'l hay les roses'
    >>> normalise_name("Œuilly")
    'oeuilly'
    >>> normalise_name("100 % _Bourg_")
    '100 bourg'
    """
    decomposed = unicodedata.normalize("NFKD", name.replace("œ", "oe").replace("Œ", "Oe"))
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    ascii_only = ascii_only.replace("æ", "ae").replace("Æ", "Ae")
    return _SEPARATORS.sub(" ", ascii_only.lower()).strip()
