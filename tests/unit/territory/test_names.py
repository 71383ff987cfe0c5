"""Search keys of place names: accents, case and punctuation folded away."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthycity.territory.names import normalise_name


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Château-Chinon (Ville)", "chateau chinon ville"),
        ("CHÂTEAU-CHINON", "chateau chinon"),
        ("chateau chinon", "chateau chinon"),
        ("Saint-Éloi", "saint eloi"),
        ("L’Haÿ-les-Roses", "l hay les roses"),
        ("Œuilly", "oeuilly"),
        ("Cæsarée", "caesaree"),
        ("  Bourg--l'Île  ", "bourg l ile"),
        ("Paris 1er Arrondissement", "paris 1er arrondissement"),
        ("%", ""),
        ("_ - ' ( ) ?", ""),
    ],
)
def test_normalise_name_folds_accents_case_and_punctuation(name: str, key: str) -> None:
    assert normalise_name(name) == key


@given(st.text())
def test_normalise_name_is_idempotent_and_tidy(name: str) -> None:
    key = normalise_name(name)
    assert normalise_name(key) == key
    assert key == key.strip()
    assert "  " not in key
    assert key == key.lower()
    assert all(c.isalnum() or c == " " for c in key)


@given(st.text(alphabet="aeiouyàâäéèêëïîôöùûüÿçAEIOUÀÂÉÈÊËÎÏÔÙÛÇ- '"))
def test_normalise_name_of_french_letters_is_ascii(name: str) -> None:
    assert normalise_name(name).isascii()
