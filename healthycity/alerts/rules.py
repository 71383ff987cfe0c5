"""Declarative alert rules on index levels, with persistence and hysteresis (pure).

A rule watches one index (``atmo``, ``pollen``, ``heat``) in each territory it sees:

- an **episode starts** (CAP ``Alert``) when the level has been at or above ``min_level``
  for ``for_periods`` consecutive periods (persistence: one hourly peak is not an episode);
- while it lasts, its level is the lowest of the last ``for_periods`` periods (the level
  that persisted); when that changes, an ``Update`` is issued;
- it **ends** (CAP ``Cancel``, the all-clear) only after ``clear_for_periods`` consecutive
  periods strictly below ``clear_below`` (hysteresis: a level wavering around the
  threshold neither ends an episode nor starts a new one).

Missing periods break a run: a gap in the data neither starts nor ends an episode. The
input is a generic series of ``IndexObservation`` (territory ref, time, index, level):
the environment domain, or later the surveillance domain's epidemic signals, reach the
alerts through it without being imported here. Adding an index is adding a scale to
``levels.LEVEL_TYPES`` and a line to ``INDEX_HAZARDS``.

The rules themselves are configuration chosen by the territory's health authority; the
levels they name carry the meaning documented in ``levels.py``.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from healthycity.alerts.cap import PARIS
from healthycity.alerts.levels import Hazard, HazardLevel, parse_hazard, parse_level, scale_of
from healthycity.alerts.models import MsgType
from healthycity.errors import ValidationError

Period = Literal["hour", "day"]
StateKey = tuple[str, str]  # (rule id, territory ref)

# Which hazard, and so which scale, each index speaks of.
INDEX_HAZARDS: dict[str, Hazard] = {
    "atmo": Hazard.AIR_QUALITY,  # ATMO index classes (arrêté du 10 juillet 2020)
    "pollen": Hazard.POLLEN,  # Atmo France pollen index, 6 levels (since 2025)
    "heat": Hazard.HEAT,  # Météo-France heat-wave vigilance colours
}
_RULE_ID = re.compile(r"[A-Za-z0-9_.:>=+-]{1,100}")
_TERRITORY = re.compile(r"(region|departement|epci|commune)/[0-9A-Za-z]{1,16}")
_RULE_KEYS = frozenset(
    {
        "id",
        "hazard",
        "index",
        "min_level",
        "clear_below",
        "for_hours",
        "for_days",
        "clear_for_hours",
        "clear_for_days",
        "territories",
    }
)


def check_territory_ref(ref: str) -> str:
    """Return ``ref`` if it reads ``level/code`` (e.g. ``commune/58194``), else raise."""
    if not _TERRITORY.fullmatch(ref):
        msg = f"territory {ref!r}; expected level/code such as 'commune/58194'."
        raise ValidationError(msg)
    return ref


@dataclass(frozen=True)
class IndexObservation:
    """The level of an index in a territory for the hour or day starting at ``time``."""

    territory: str
    time: datetime
    index: str
    level: str


@dataclass(frozen=True)
class Rule:
    """When to start, update and end an episode of one index; see the module docstring."""

    id: str
    index: str
    min_level: HazardLevel
    for_periods: int = 1
    clear_below: HazardLevel | None = None  # None: min_level (time hysteresis only)
    clear_for_periods: int = 1
    period: Period = "hour"
    territories: frozenset[str] = frozenset()  # observation territories watched; empty: all

    def __post_init__(self) -> None:
        if not _RULE_ID.fullmatch(self.id):
            msg = f"rule id {self.id!r}; expected 1-100 letters, digits or _.:>=+-."
            raise ValidationError(msg)
        if self.index not in INDEX_HAZARDS:
            msg = f"rule {self.id!r} index {self.index!r}; expected one of {list(INDEX_HAZARDS)}."
            raise ValidationError(msg)
        for name in ("for_periods", "clear_for_periods"):
            if getattr(self, name) < 1:
                msg = f"rule {self.id!r} {name}={getattr(self, name)}; expected at least 1."
                raise ValidationError(msg)
        if self.rank(self.clear_level) > self.rank(self.min_level):
            msg = (
                f"rule {self.id!r} clear_below={self.clear_level}; expected a level at or "
                f"below min_level={self.min_level} (the all-clear needs a lower level)."
            )
            raise ValidationError(msg)
        for ref in self.territories:
            check_territory_ref(ref)

    @property
    def hazard(self) -> Hazard:
        """The hazard of the rule's index."""
        return INDEX_HAZARDS[self.index]

    @property
    def clear_level(self) -> HazardLevel:
        """The level below which periods count towards the all-clear."""
        return self.min_level if self.clear_below is None else self.clear_below

    def rank(self, level: HazardLevel) -> int:
        """Position of ``level`` on the rule's scale, 0 for the least severe."""
        scale = scale_of(self.hazard)
        if level not in scale:
            msg = f"rule {self.id!r} level {level!r}; expected a level of {self.hazard}."
            raise ValidationError(msg)
        return scale.index(level)


def _count(spec: Mapping[str, object], key: str) -> int | None:
    value = spec.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        msg = f"rule {key}={value!r}; expected a whole number of periods."
        raise ValidationError(msg)
    return value


def _period_counts(spec: Mapping[str, object]) -> tuple[Period, int, int]:
    hours, days = _count(spec, "for_hours"), _count(spec, "for_days")
    clear_hours, clear_days = _count(spec, "clear_for_hours"), _count(spec, "clear_for_days")
    if (hours is None) == (days is None) or (hours is None and clear_hours is not None):
        msg = (
            f"rule with for_hours={hours}, for_days={days}, clear_for_hours={clear_hours}, "
            f"clear_for_days={clear_days}; expected for_hours or for_days, and the all-clear "
            "in the same unit."
        )
        raise ValidationError(msg)
    if hours is not None:
        if clear_days is not None:
            msg = f"rule with for_hours and clear_for_days={clear_days}; expected clear_for_hours."
            raise ValidationError(msg)
        return "hour", hours, clear_hours or 1
    assert days is not None  # exactly one of them is set  # noqa: S101
    return "day", days, clear_days or 1


def parse_rule(spec: Mapping[str, object]) -> Rule:
    """Read a rule from its declarative form.

    Examples
    --------
    >>> rule = parse_rule({"hazard": "air", "index": "atmo", "min_level": "mauvais",
    ...                    "for_hours": 3, "clear_below": "dégradé", "clear_for_hours": 2})
    >>> rule.id, rule.min_level, rule.clear_below, rule.for_periods, rule.period
    ('atmo>=mauvais-3h', <AtmoLevel.MAUVAIS: 'mauvais'>, <AtmoLevel.DEGRADE: 'degrade'>, 3, 'hour')
    """
    unknown = sorted(set(spec) - _RULE_KEYS)
    if unknown:
        msg = f"rule has keys {unknown}; expected only {sorted(_RULE_KEYS)}."
        raise ValidationError(msg)
    index = str(spec.get("index", ""))
    if index not in INDEX_HAZARDS:
        msg = f"rule index={spec.get('index')!r}; expected one of {list(INDEX_HAZARDS)}."
        raise ValidationError(msg)
    hazard = INDEX_HAZARDS[index]
    if "hazard" in spec and parse_hazard(str(spec["hazard"])) is not hazard:
        msg = f"rule hazard={spec['hazard']!r} with index {index!r}; expected {hazard.value!r}."
        raise ValidationError(msg)
    min_level = parse_level(hazard, str(spec.get("min_level", "")))
    clear = spec.get("clear_below")
    clear_below = None if clear is None else parse_level(hazard, str(clear))
    period, for_periods, clear_for = _period_counts(spec)
    territories = spec.get("territories", [])
    if not isinstance(territories, list | tuple) or not all(
        isinstance(t, str) for t in territories
    ):
        msg = f"rule territories={territories!r}; expected a list of refs such as 'departement/58'."
        raise ValidationError(msg)
    unit = "h" if period == "hour" else "d"
    rule_id = str(spec.get("id") or f"{index}>={min_level.name.lower()}-{for_periods}{unit}")
    return Rule(
        id=rule_id,
        index=index,
        min_level=min_level,
        for_periods=for_periods,
        clear_below=clear_below,
        clear_for_periods=clear_for,
        period=period,
        territories=frozenset(territories),
    )


@dataclass(frozen=True)
class EpisodeState:
    """What a rule remembers of one territory between evaluations."""

    last_period: int  # number of the last period seen (hours since the epoch, or local days)
    recent: tuple[int, ...] = ()  # ranks of the last consecutive periods, at most for_periods
    low_run: int = 0  # consecutive periods below the all-clear level
    episode: str | None = None  # the running episode's id, None when none runs
    level_rank: int | None = None  # the running episode's level
    last_rank: int | None = None  # the worst rank seen so far in last_period


@dataclass(frozen=True)
class RuleEvent:
    """An episode started (Alert), changed level (Update) or ended (Cancel)."""

    msg_type: MsgType
    rule: Rule
    territory: str
    level: HazardLevel  # the episode's level; for a Cancel, the level it last had
    observed_level: HazardLevel  # the level of the period that triggered the event
    time: datetime  # start of that period
    # The same on an episode's Alert, Updates and Cancel; territories whose episodes start
    # in the same period share it, so that their alert is one CAP message (runner.py).
    episode: str


def period_number(time: datetime, period: Period) -> int:
    """Number of the hour (UTC) or day (in Paris) containing ``time``; consecutive ones differ by 1.

    >>> from datetime import UTC
    >>> period_number(datetime(2026, 7, 1, 22, 30, tzinfo=UTC), "day")  # 00:30 in Paris
    739799
    """
    if time.tzinfo is None or time.utcoffset() is None:
        msg = f"observation time {time.isoformat()} has no timezone; expected an aware datetime."
        raise ValidationError(msg)
    if period == "hour":
        return int(time.timestamp() // 3600)
    return time.astimezone(PARIS).date().toordinal()


def _worst_by_period(
    rules: Iterable[Rule], observations: Iterable[IndexObservation]
) -> dict[StateKey, dict[int, tuple[int, datetime]]]:
    """For each (rule, territory), each period's worst rank and the earliest time seen in it."""
    by_index: dict[str, list[Rule]] = {}
    for rule in rules:
        by_index.setdefault(rule.index, []).append(rule)
    series: dict[StateKey, dict[int, tuple[int, datetime]]] = {}
    for observation in observations:
        for rule in by_index.get(observation.index, ()):
            if rule.territories and observation.territory not in rule.territories:
                continue
            try:
                rank = rule.rank(parse_level(rule.hazard, observation.level))
                number = period_number(observation.time, rule.period)
            except ValidationError as exc:
                msg = f"observation of {observation.index} in {observation.territory}: {exc}"
                raise ValidationError(msg) from exc
            periods = series.setdefault((rule.id, observation.territory), {})
            known = periods.get(number)
            if known is None or rank > known[0]:
                time = observation.time if known is None else min(known[1], observation.time)
                periods[number] = (rank, time)
    return series


# An event of one step: its kind, the episode and the episode's level (rank on the scale).
_Change = tuple[MsgType, str, int]


def _step(
    rule: Rule, state: EpisodeState | None, number: int, rank: int, time: datetime
) -> tuple[EpisodeState, _Change | None]:
    """Advance one (rule, territory) by one period; return its new state and any event."""
    previous = state if state is not None and number == state.last_period + 1 else None
    recent = ((previous.recent if previous else ()) + (rank,))[-rule.for_periods :]
    is_low = rank < rule.rank(rule.clear_level)
    low_run = (previous.low_run if previous else 0) + 1 if is_low else 0
    held = min(recent) if len(recent) == rule.for_periods else -1
    is_held = held >= rule.rank(rule.min_level)
    new = EpisodeState(number, recent, low_run, last_rank=rank)
    if state is None or state.episode is None or state.level_rank is None:
        if not is_held:
            return new, None
        episode = f"{rule.id}|{time.isoformat()}"  # shared by the territories starting then
        return replace(new, episode=episode, level_rank=held), (MsgType.ALERT, episode, held)
    if low_run >= rule.clear_for_periods:
        return replace(new, recent=(), low_run=0), (MsgType.CANCEL, state.episode, state.level_rank)
    running = replace(new, episode=state.episode, level_rank=state.level_rank)
    if is_held and held != state.level_rank:
        return replace(running, level_rank=held), (MsgType.UPDATE, state.episode, held)
    return running, None


def _revise(
    rule: Rule, state: EpisodeState, rank: int, time: datetime
) -> tuple[EpisodeState, _Change | None]:
    """Step the last period seen again with the worse ``rank`` it has since reached.

    An hour is evaluated as soon as its first readings are in (an alert cannot wait for the
    hour to end), and later readings of that hour may raise its level: the period's level is
    the worst seen. The state before the period is rebuilt from the state after it (its
    ranks without the last, its low run without the period's); the episode it had running
    stays, so a worse level of the period that opened an episode is an Update of it.
    """
    before = EpisodeState(
        state.last_period - 1,
        state.recent[:-1],
        max(state.low_run - 1, 0),
        state.episode,
        state.level_rank,
    )
    return _step(rule, before, state.last_period, rank, time)


def evaluate_rules(
    rules: Iterable[Rule],
    observations: Iterable[IndexObservation],
    state: Mapping[StateKey, EpisodeState],
) -> tuple[list[RuleEvent], dict[StateKey, EpisodeState]]:
    """Run ``rules`` over new ``observations``, from and to the state of earlier runs.

    Parameters
    ----------
    rules
        The rules; each sees the observations of its index (and territories, if it names any).
    observations
        Levels per territory and period, in any order. Several in one period count as the
        worst of them; periods before the last one already evaluated are ignored, and the
        last one is evaluated again only if it is now worse than seen (readings of an hour
        arriving over several runs), so feeding the same observations twice raises
        nothing twice.
    state
        What the previous call returned (empty the first time).

    Returns
    -------
    events, state
        The events, by time, then rule and territory; and the state to pass next time.

    Raises
    ------
    ValidationError
        If an observation has a naive time or a level that is not on its index's scale.
    """
    rule_list = list(rules)
    by_id = {rule.id: rule for rule in rule_list}
    if len(by_id) != len(rule_list):
        ids = [rule.id for rule in rule_list]
        msg = f"rules have ids {ids}; expected each id once."
        raise ValidationError(msg)
    new_state = dict(state)
    events: list[RuleEvent] = []
    for key, periods in _worst_by_period(rule_list, observations).items():
        rule = by_id[key[0]]
        scale = scale_of(rule.hazard)
        current = new_state.get(key)
        for number in sorted(periods):
            rank, time = periods[number]
            if current is not None and number < current.last_period:
                continue
            if current is not None and number == current.last_period:
                if current.last_rank is not None and rank <= current.last_rank:
                    continue
                current, change = _revise(rule, current, rank, time)
            else:
                current, change = _step(rule, current, number, rank, time)
            if change is None:
                continue
            msg_type, episode, level_rank = change
            events.append(
                RuleEvent(
                    msg_type=msg_type,
                    rule=rule,
                    territory=key[1],
                    level=scale[level_rank],
                    observed_level=scale[rank],
                    time=time,
                    episode=episode,
                )
            )
        if current is not None:
            new_state[key] = current
    events.sort(key=lambda e: (e.time, e.rule.id, e.territory))
    return events, new_state


def parse_rules(data: object) -> list[Rule]:
    """Read a list of rules (the JSON of a rules file), naming the position of a bad one."""
    if not isinstance(data, list):
        msg = f"rules file holds a {type(data).__name__}; expected a list of rules."
        raise ValidationError(msg)
    rules = []
    for position, spec in enumerate(data, start=1):
        if not isinstance(spec, dict):
            msg = f"rule {position} is {spec!r}; expected an object of rule fields."
            raise ValidationError(msg)
        try:
            rules.append(parse_rule(spec))
        except ValidationError as exc:
            msg = f"rule {position}: {exc}"
            raise ValidationError(msg) from exc
    return rules
