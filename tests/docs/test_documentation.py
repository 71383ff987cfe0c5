"""The README documents every setting and the two commands; the guides match the code."""

import re
from pathlib import Path

from healthycity.config import Settings
from healthycity.dashboard.i18n import MESSAGES
from healthycity.environment._http_common import MAX_BODY_BYTES
from healthycity.environment.mqtt_ingest import MAX_PAYLOAD_BYTES
from healthycity.environment.quality import QcFlag
from healthycity.environment.quantities import Quantity

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


def test_ingestion_guide_names_real_reasons_flags_and_quantities() -> None:
    """The integrators' guide must not drift from the code it describes."""
    guide = (ROOT / "docs" / "environment-ingestion.md").read_text(encoding="utf-8")
    sources = "\n".join(
        path.read_text(encoding="utf-8")
        for path in (ROOT / "healthycity" / "environment").glob("*.py")
    )
    reasons = re.findall(r"^\| `([a-z_]+)` \| (?:all|HTTP|NGSI-LD|MQTT)", guide, re.MULTILINE)

    assert len(reasons) >= 20
    assert [r for r in reasons if f'"{r}"' not in sources] == []  # each one is emitted
    # the operators' quarantine page explains each one, in French and English
    assert [r for r in reasons if f"air_reason_{r}" not in MESSAGES] == []
    assert [f.name for f in QcFlag if f"`{f.name}` | {f.value} |" not in guide] == []
    assert [q.value for q in Quantity if f"`{q.value}`" not in guide] == []
    assert f"{MAX_PAYLOAD_BYTES:,} bytes" in guide
    assert f"{MAX_BODY_BYTES // 2**20} MiB" in guide
