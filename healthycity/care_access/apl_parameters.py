"""DREES APL parameters (activity caps, distance decay, age weights) read from the shipped sheet.

The sheet is the "Paramètres" sheet of the DREES workbook *Indicateur d'accessibilité
potentielle localisée (APL) aux médecins généralistes*, millésimes 2022 and 2023, converted to
JSON and shipped in ``data/`` (Licence Ouverte; see ``data/README.md``). The method itself is
described in Barlet et al., DREES *Études et Résultats* n°795 (2012).
"""

import json
import re
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources

from healthycity.care_access.models import ActivityCaps, AplParameters, DistanceDecay
from healthycity.errors import NotFoundError, RecordError

PARAMETERS_FILE = "apl_parametres_drees_2022_2023.json"
N_AGE_BANDS = 19  # INSEE five-year bands 0-4 … 85-89, then 90 and over
_NUMBER = re.compile(r"\d+(?: \d{3})*")  # French thousands separator: "3 600"
_NEW_GP = re.compile(r"offre de (\d+(?: \d{3})*) consultations")


def _numbers(text: str) -> list[float]:
    return [float(n.replace(" ", "")) for n in _NUMBER.findall(text)]


def _error(*, field: str, value: object, expected: str) -> RecordError:
    return RecordError(
        source=PARAMETERS_FILE, location="sheet Paramètres", field=field, value=value,
        expected=expected,
    )  # fmt: skip


def _rows(document: Mapping[str, object], key: str, count: int) -> list[Mapping[str, object]]:
    rows = document.get(key)
    if (
        not isinstance(rows, list)
        or len(rows) != count
        or not all(isinstance(r, dict) for r in rows)
    ):
        raise _error(field=key, value=rows, expected=f"a list of {count} objects")
    return rows


def _parse_activity_caps(document: Mapping[str, object]) -> ActivityCaps:
    """Read the four activity bands and check that they chain without overlap."""
    rows = _rows(document, "activite", 4)
    labels = [str(r.get("consultations_annuelles_sniiram", "")) for r in rows]
    counted = [r.get("consultations_comptabilisees") for r in rows]
    bounds = [_numbers(label) for label in labels]
    shape_ok = [len(b) for b in bounds] == [1, 2, 2, 1] and counted[0] == 0
    if not shape_ok:
        expected = "'Moins de A', 'Entre B et C', 'Entre D et E', 'Plus de E'"
        raise _error(field="activite", value=labels, expected=expected)
    (below,), (low, floor), (mid, ceiling), (above,) = bounds
    # "Moins de 250" then "Entre 251 et 3 600": counts are whole numbers, so 250 itself,
    # which the sheet leaves between two bands, counts 0 like every activity below 251.
    uncounted_max = low - 1
    if not (below == uncounted_max and mid == floor + 1 and above == ceiling):
        raise _error(field="activite", value=labels, expected="contiguous bands of consultations")
    if counted[1] != floor or counted[3] != ceiling or not isinstance(counted[2], str):
        expected = f"0, {floor:g}, the actual activity, {ceiling:g}"
        raise _error(field="consultations_comptabilisees", value=counted, expected=expected)
    return ActivityCaps(uncounted_max=uncounted_max, floor=floor, ceiling=ceiling)


def _as_floats(values: list[object], *, field: str, expected: str) -> list[float]:
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        raise _error(field=field, value=values, expected=expected)
    return [float(v) for v in values]  # type: ignore[arg-type]  # all numbers, checked above


def _parse_decay(document: Mapping[str, object]) -> DistanceDecay:
    """Read the travel-time bands: 'Moins de 10', 'Entre 10 et 15', …, 'Plus de 20' (weight 0)."""
    raw = document.get("decroissance_distance")
    if not isinstance(raw, list) or len(raw) < 2:
        raise _error(field="decroissance_distance", value=raw, expected="a list of bands")
    rows = _rows(document, "decroissance_distance", len(raw))
    labels = [str(r.get("temps_trajet", "")) for r in rows]
    weights = _as_floats([r.get("poids") for r in rows], field="poids", expected="numbers")
    bounds = [_numbers(label) for label in labels]
    is_chained = (
        weights[-1] == 0
        and len(bounds[-1]) == 1
        and all(bounds[:-1])
        and bounds[-2][-1] == bounds[-1][0]
    )
    if not is_chained:
        raise _error(
            field="decroissance_distance",
            value=list(zip(labels, weights, strict=True)),
            expected="bands 'Moins de A', 'Entre A et B', …, then 'Plus de Z' weighing 0",
        )
    return DistanceDecay(tuple(b[-1] for b in bounds[:-1]), tuple(weights[:-1]))


def _parse_age_weights(document: Mapping[str, object], year: int) -> tuple[float, ...]:
    key = f"poids_{year}"
    rows = _rows(document, "poids_age", N_AGE_BANDS)
    expected = f"{N_AGE_BANDS} positive age weights"
    weights = _as_floats([r.get(key) for r in rows], field=key, expected=expected)
    if min(weights) <= 0:
        raise _error(field=key, value=weights, expected=expected)
    return tuple(weights)


def available_years(document: Mapping[str, object]) -> list[int]:
    """Millésimes that have age weights in a parameter document."""
    rows = document.get("poids_age")
    first = rows[0] if isinstance(rows, list) and rows and isinstance(rows[0], dict) else {}
    return sorted(int(k[6:]) for k in first if re.fullmatch(r"poids_\d{4}", k))


def parse_apl_parameters(document: Mapping[str, object], year: int) -> AplParameters:
    """Build the parameters of millésime ``year`` from the JSON sheet, checking its shape.

    Raises
    ------
    NotFoundError
        The sheet has no age weights for ``year``.
    RecordError
        A band, weight or the new-GP exception does not read as expected.
    """
    years = available_years(document)
    if year not in years:
        msg = f"APL parameters year={year}; expected one of {', '.join(map(str, years))}."
        raise NotFoundError(msg)
    exceptions = str(document.get("activite_exceptions", ""))
    new_gp = _NEW_GP.search(exceptions)
    if new_gp is None:
        expected = "'une offre de N consultations'"
        raise _error(field="activite_exceptions", value=exceptions, expected=expected)
    return AplParameters(
        year=year,
        activity_caps=_parse_activity_caps(document),
        decay=_parse_decay(document),
        age_weights=_parse_age_weights(document, year),
        new_gp_activity=_numbers(new_gp.group(1))[0],
        source=str(document.get("source", PARAMETERS_FILE)),
    )


@lru_cache(maxsize=4)
def load_apl_parameters(year: int) -> AplParameters:
    """Parameters of the DREES APL millésime ``year`` (2022 or 2023), from the shipped sheet.

    >>> p = load_apl_parameters(2023)
    >>> p.activity_caps
    ActivityCaps(uncounted_max=250.0, floor=3600.0, ceiling=6000.0)
    >>> p.decay.upper_bounds_min, len(p.age_weights), p.new_gp_activity
    ((10.0, 15.0, 20.0), 19, 5400.0)
    """
    text = (
        resources.files("healthycity.care_access")
        .joinpath("data", PARAMETERS_FILE)
        .read_text(encoding="utf-8")
    )
    return parse_apl_parameters(json.loads(text), year)
