"""Travel times from a commune matrix CSV: reading, checks naming the line, catchments."""

from pathlib import Path

import pytest

from healthycity.care_access.travel_matrix import (
    CommuneTravelTimeProvider,
    MatrixProvider,
    read_travel_matrix,
)
from healthycity.errors import RecordError, ValidationError


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "matrix.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_matrix_reads_comma_or_semicolon_files_with_french_decimals(tmp_path: Path) -> None:
    path = _write(tmp_path, "origin;destination;minutes\n58001;58002;12,5\n\n58002;58001;13\n")
    assert read_travel_matrix(path) == {("58001", "58002"): 12.5, ("58002", "58001"): 13.0}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("from,to,minutes\n58001,58002,3\n", r"line 1 \(header\): columns="),
        ("origin,destination,minutes\n58001,58002,-3\n", "line 2: minutes='-3'"),
        ("origin,destination,minutes\n58001,58002,abc\n", "line 2: minutes='abc'"),
        ("origin,destination,minutes\n58001,58002,2000\n", "from 0 to 1440"),
        ("origin,destination,minutes\n5800,58002,3\n", "line 2: origin='5800'"),
        ("origin,destination,minutes\n58001,58002,3\n58001,58002,4\n", "line 3: origin, dest"),
        ("origin,destination,minutes\n58001,58002\n", "line 2: columns="),
        ("origin,destination,minutes\n", "at least one"),
    ],
)
def test_matrix_errors_name_the_line_and_field(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(RecordError, match=message):
        read_travel_matrix(_write(tmp_path, text))


def test_unreadable_matrix_is_a_record_error(tmp_path: Path) -> None:
    with pytest.raises(RecordError, match="readable UTF-8 CSV"):
        read_travel_matrix(tmp_path / "missing.csv")


def test_matrix_catchment_keeps_pairs_within_the_cutoff_and_adds_self_trips() -> None:
    provider = MatrixProvider(
        {
            ("58001", "58002"): 12.0,
            ("58002", "58001"): 30.0,
            ("58002", "58002"): 4.0,
            ("45001", "58001"): 1.0,
        },
    )
    catchment = provider.build_commune_catchment(
        ["58001", "58002"], ["58002", "58001"], cutoff_min=20.0
    )
    pairs = list(zip(catchment.origin.tolist(), catchment.site.tolist(),
                     catchment.travel_time_min.tolist(), strict=True))  # fmt: skip
    # 58001 → itself (absent: 0 min) and → 58002 (12); 58002 → itself (4); 30 min is out
    assert pairs == [(0, 0, 12.0), (0, 1, 0.0), (1, 0, 4.0)]
    assert isinstance(provider, CommuneTravelTimeProvider)
    assert provider.covered_codes() == {"58001", "58002", "45001"}
    with pytest.raises(ValidationError, match="cutoff_min=-1"):
        provider.build_commune_catchment(["58001"], ["58001"], cutoff_min=-1)
