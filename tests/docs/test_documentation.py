"""The README documents every setting, and the two commands a newcomer runs."""

import re
from pathlib import Path

from healthycity.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_readme_documents_every_setting() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`(HC_[A-Z_]+)`", readme))
    expected = {f"HC_{name.upper()}" for name in Settings.model_fields}
    assert expected - documented == set()


def test_readme_shows_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run" in readme
    assert "make test" in readme


def test_ci_runs_make_test() -> None:
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_glossary_defines_the_french_terms() -> None:
    glossary = (ROOT / "GLOSSARY.md").read_text(encoding="utf-8")
    for term in ("commune", "EPCI", "ARS", "CPTS", "MSP", "APL", "FINESS", "RPPS", "Ehpad"):
        assert f"**{term}" in glossary, term
