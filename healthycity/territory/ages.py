"""Population by five-year age band: INSEE département estimates and commune derivations."""

from collections import defaultdict
from pathlib import Path

from healthycity.csv_files import read_csv_records
from healthycity.errors import RecordError, ValidationError
from healthycity.territory.models import AGE_BANDS, AgeStructure

INSEE_ESTIMATES_SOURCE = "INSEE, estimations de population par département, sexe et âge"
DERIVED_SOURCE = "estimated: département age structure × commune legal population"
_SEXES = ("ensemble", "hommes", "femmes")


def read_departement_estimates(
    path: Path, departement_codes: set[str]
) -> tuple[list[AgeStructure], list[str]]:
    """Read INSEE département estimates (long format) and check that they add up.

    Rows of aggregates (``FRANCE_METRO``…) and of unknown départements are skipped. Where a
    band of ``ensemble`` is not ``hommes + femmes`` while the latter adds up to the published
    total, the band is corrected and a warning says so (INSEE's Corrèze 2021 ``65-69`` = 1).

    Returns
    -------
    tuple
        One structure per (département, year), and the warnings.
    """
    source = str(path)
    table = _read_table(path, departement_codes)
    structures, warnings = [], []
    for (code, year), by_sex in sorted(table.items()):
        bands, fixed = _consistent_bands(by_sex, source=source, where=f"département {code}, {year}")
        warnings.extend(fixed)
        structures.append(
            AgeStructure(
                "departement",
                code,
                year,
                bands,
                is_estimated=False,
                source=f"{INSEE_ESTIMATES_SOURCE} ({year})",
            )
        )
    return structures, warnings


_COLUMNS = ("annee", "code_departement", "sexe", "tranche_age", "population")
# (code, year) -> sex -> band -> population; "total" is the published total
_Table = dict[tuple[str, int], dict[str, dict[str, int]]]


def _read_table(path: Path, departement_codes: set[str]) -> _Table:
    table: _Table = defaultdict(lambda: defaultdict(dict))
    source = str(path)
    for line, record in read_csv_records(path, _COLUMNS):
        code = (record.get("code_departement") or "").strip()
        if code in departement_codes:
            year, sex, band, value = _parse_record(record, f"line {line}", source)
            table[(code, year)][sex][band] = value
    return table


def _parse_record(record: dict[str, str], location: str, source: str) -> tuple[int, str, str, int]:
    sex, band = record.get("sexe", ""), record.get("tranche_age", "")
    if sex not in _SEXES:
        raise RecordError(
            source=source,
            location=location,
            field="sexe",
            value=sex,
            expected=f"one of {', '.join(_SEXES)}",
        )
    if band not in (*AGE_BANDS, "total"):
        raise RecordError(
            source=source,
            location=location,
            field="tranche_age",
            value=band,
            expected="a five-year band 00-04 … 95+ or total",
        )
    try:
        year, value = int(record["annee"]), int(record["population"])
    except (KeyError, TypeError, ValueError) as exc:
        raise RecordError(
            source=source,
            location=location,
            field="annee/population",
            value=(record.get("annee"), record.get("population")),
            expected="whole numbers",
        ) from exc
    if value < 0:
        raise RecordError(
            source=source,
            location=location,
            field="population",
            value=value,
            expected="a non-negative number of inhabitants",
        )
    return year, sex, band, value


def _consistent_bands(
    by_sex: dict[str, dict[str, int]], *, source: str, where: str
) -> tuple[dict[str, float], list[str]]:
    everyone, men, women = (by_sex.get(s, {}) for s in _SEXES)
    missing = [b for b in (*AGE_BANDS, "total") if b not in everyone]
    if missing:
        raise RecordError(
            source=source,
            location=where,
            field="tranche_age",
            value=missing,
            expected="every band and the total for sexe=ensemble",
        )
    bands = {b: float(everyone[b]) for b in AGE_BANDS}
    warnings = []
    for band in AGE_BANDS:
        both = men.get(band, 0) + women.get(band, 0)
        if men and women and both != everyone[band]:
            warnings.append(
                f"{source}, {where}: ensemble {band}={everyone[band]} is not hommes + femmes "
                f"= {both}; using {both}."
            )
            bands[band] = float(both)
    if sum(bands.values()) != everyone["total"]:
        raise RecordError(
            source=source,
            location=where,
            field="population",
            value=sum(bands.values()),
            expected=f"bands that add up to the published total {everyone['total']}",
        )
    return bands, warnings


def derive_commune_bands(population: int, departement_bands: dict[str, float]) -> dict[str, float]:
    """Spread a commune's population over its département's age structure.

    This is an estimate (INSEE publishes commune age bands only in files too large to ship);
    callers must flag it as such.

    The bands are non-negative and add up to ``population``; an empty (all-zero) structure
    cannot be spread over, so it is refused unless the commune has no inhabitants either.

    >>> derive_commune_bands(100, {"00-04": 30.0, "05-09": 10.0})
    {'00-04': 75.0, '05-09': 25.0}

    Raises
    ------
    ValidationError
        If the population or a band is negative, or the structure is empty while the
        population is not.
    """
    negative = {b: v for b, v in departement_bands.items() if v < 0}
    if population < 0 or negative:
        msg = (
            f"Cannot spread population={population} over age bands whose negative values "
            f"are {negative}; expected non-negative numbers of inhabitants."
        )
        raise ValidationError(msg)
    total = sum(departement_bands.values())
    if total <= 0:
        if population == 0:
            return dict.fromkeys(departement_bands, 0.0)
        msg = (
            f"Cannot spread population={population} over an age structure of total {total}; "
            "expected a département structure with inhabitants."
        )
        raise ValidationError(msg)
    return {band: population * value / total for band, value in departement_bands.items()}
