"""The shared reader of imported CSV files: line numbers and the faults it names."""

from pathlib import Path

import pytest

from healthycity.csv_files import read_csv_records
from healthycity.errors import RecordError


def test_read_csv_records_gives_each_record_the_line_it_ends_on(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes('\ufeffcode,nom\n58194,Nevers\n58086,"Cosne-\nCours"\n'.encode())

    records = list(read_csv_records(path, ("code", "nom")))

    assert records == [(2, {"code": "58194", "nom": "Nevers"}),
                       (4, {"code": "58086", "nom": "Cosne-\nCours"})]  # fmt: skip


def test_read_csv_records_names_the_missing_column(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("code,name\n58194,Nevers\n", encoding="utf-8")

    with pytest.raises(RecordError) as caught:
        list(read_csv_records(path, ("code", "nom")))

    assert (caught.value.location, caught.value.field) == ("line 1 (header)", "columns")
    assert caught.value.value == ["code", "name"]
    assert caught.value.expected == "the columns code, nom"


def test_read_csv_records_names_the_line_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(b"code,nom\n58194,Nevers\n" + b"58086,Cosne\n" * 2000 + b"58001,Ch\xe2teau\n")

    with pytest.raises(RecordError) as caught:
        list(read_csv_records(path))

    assert caught.value.field == "content"
    assert caught.value.expected == "UTF-8 CSV"
    assert caught.value.location.startswith("line ")


def test_read_csv_records_names_a_file_it_cannot_open(tmp_path: Path) -> None:
    with pytest.raises(RecordError, match=r"absent\.csv, file: path=.*readable CSV file"):
        list(read_csv_records(tmp_path / "absent.csv"))
