"""Pydantic bodies and answers of the alerts API, and their conversion to domain values."""

from dataclasses import replace
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from healthycity.alerts.compose import AlertDraft, Text
from healthycity.alerts.levels import parse_hazard, parse_level
from healthycity.alerts.models import (
    Category,
    Certainty,
    MsgType,
    ResponseType,
    Severity,
    Status,
    Urgency,
)
from healthycity.alerts.store import StoredAlert

AREA_PATTERN = r"^(region|departement|epci|commune)/[0-9A-Za-z]+$"
AreaRef = Annotated[str, StringConstraints(pattern=AREA_PATTERN, max_length=40)]
IssuedStatus = Literal["Actual", "Exercise", "Test"]
_AREAS = Field(
    min_length=1,
    max_length=50,
    description="Territories as level/code; each becomes one CAP area (outline + the INSEE "
    "geocodes of its communes).",
    examples=[["commune/58194"]],
)
_HAZARD = Field(
    default="other",
    description="air_quality (or air), pollen, heat, drinking_water (or water), epidemic, other.",
)
_LEVEL = Field(
    default=None,
    description="Level on the hazard's scale (e.g. 'mauvais', 'orange', '4'); with it, the "
    "advice for that level is added to the instruction.",
)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _text(fr: str, en: str | None) -> Text:
    return Text(fr, en)


class AlertCreate(_Body):
    """A manual alert. French text is required; without English, the English block says so."""

    event: str = Field(min_length=1, max_length=200, examples=["Contamination de l'eau"])
    event_en: str | None = Field(default=None, min_length=1, max_length=200)
    status: IssuedStatus = Field(description="Actual, or Exercise/Test for drills.")
    urgency: Urgency
    severity: Severity
    certainty: Certainty
    headline: str = Field(min_length=1, max_length=160)
    headline_en: str | None = Field(default=None, min_length=1, max_length=160)
    description: str = Field(min_length=1, max_length=8000)
    description_en: str | None = Field(default=None, min_length=1, max_length=8000)
    instruction: str | None = Field(default=None, min_length=1, max_length=8000)
    instruction_en: str | None = Field(default=None, min_length=1, max_length=8000)
    areas: list[AreaRef] = _AREAS
    hazard: str = _HAZARD
    level: str | None = _LEVEL
    category: list[Category] = Field(default=[], description="Default: by hazard (Health…).")
    response_type: list[ResponseType] = []
    effective: AwareDatetime | None = None
    expires: AwareDatetime | None = None
    web: str | None = Field(default=None, max_length=500, pattern=r"^https?://\S+$")

    def to_draft(self) -> AlertDraft:
        """The domain draft (hazard and level are checked here: 422 when wrong)."""
        hazard = parse_hazard(self.hazard)
        return AlertDraft(
            event=_text(self.event, self.event_en),
            headline=_text(self.headline, self.headline_en),
            description=_text(self.description, self.description_en),
            areas=tuple(self.areas),
            urgency=self.urgency,
            severity=self.severity,
            certainty=self.certainty,
            status=Status(self.status),
            hazard=hazard,
            level=None if self.level is None else parse_level(hazard, self.level),
            instruction=None
            if self.instruction is None
            else _text(self.instruction, self.instruction_en),
            categories=tuple(self.category),
            response_types=tuple(self.response_type),
            effective=self.effective,
            expires=self.expires,
            web=self.web,
        )


class AlertUpdate(_Body):
    """An Update: fields given replace the alert's, others are kept.

    Changing a French text without its English drops the old translation (the English
    block then says there is none) rather than leaving it stale.
    """

    event: str | None = Field(default=None, min_length=1, max_length=200)
    event_en: str | None = Field(default=None, min_length=1, max_length=200)
    urgency: Urgency | None = None
    severity: Severity | None = None
    certainty: Certainty | None = None
    headline: str | None = Field(default=None, min_length=1, max_length=160)
    headline_en: str | None = Field(default=None, min_length=1, max_length=160)
    description: str | None = Field(default=None, min_length=1, max_length=8000)
    description_en: str | None = Field(default=None, min_length=1, max_length=8000)
    instruction: str | None = Field(default=None, min_length=1, max_length=8000)
    instruction_en: str | None = Field(default=None, min_length=1, max_length=8000)
    areas: list[AreaRef] | None = Field(default=None, min_length=1, max_length=50)
    level: str | None = None
    expires: AwareDatetime | None = None

    def _merged(self, name: str, old: Text | None) -> Text | None:
        fr, en = getattr(self, name), getattr(self, f"{name}_en")
        if fr is None and en is None:
            return old
        if fr is None:
            return None if old is None else Text(old.fr, en)
        if old is not None and fr == old.fr and en is None:
            return old  # the French resent unchanged (as forms do): keep its translation
        return Text(fr, en)

    def apply_to(self, draft: AlertDraft) -> AlertDraft:
        """``draft`` with the fields of this body."""
        texts = {
            name: self._merged(name, getattr(draft, name))
            for name in ("event", "headline", "description", "instruction")
        }
        return replace(
            draft,
            event=texts["event"] or draft.event,
            headline=texts["headline"] or draft.headline,
            description=texts["description"] or draft.description,
            instruction=texts["instruction"],
            urgency=self.urgency or draft.urgency,
            severity=self.severity or draft.severity,
            certainty=self.certainty or draft.certainty,
            areas=draft.areas if self.areas is None else tuple(self.areas),
            level=draft.level if self.level is None else parse_level(draft.hazard, self.level),
            expires=self.expires or draft.expires,
            effective=None,
        )


class AlertCancel(_Body):
    """Why the alert ends (optional): replaces the standard all-clear description."""

    note: str | None = Field(default=None, min_length=1, max_length=2000)
    note_en: str | None = Field(default=None, min_length=1, max_length=2000)

    def to_note(self) -> Text | None:
        """The note as a text, or None for the standard wording."""
        return None if self.note is None else Text(self.note, self.note_en)


class LocalText(BaseModel):
    """A text in French and English (None where there is none)."""

    fr: str | None
    en: str | None


class AlertLinks(BaseModel):
    """Where to read the message and its chain."""

    self: str
    cap: str
    original: str | None


class AlertPublic(BaseModel):
    """One stored CAP message."""

    id: int
    identifier: str
    sender: str
    sent: datetime
    status: Status
    msg_type: MsgType
    references: str | None = Field(description="CAP references: sender,identifier,sent triples.")
    original_id: int | None = Field(description="First message of the chain (Update, Cancel).")
    superseded_by: int | None
    is_active: bool = Field(description="In force now: not superseded, cancelled nor expired.")
    event: str
    hazard: str
    level: str | None
    categories: list[str]
    urgency: str
    severity: str
    certainty: str
    headline: LocalText
    description: LocalText
    instruction: LocalText
    areas: list[str] = Field(description="Territories named (area descriptions if imported).")
    communes: list[str] = Field(description="INSEE codes of the communes covered.")
    effective: datetime
    expires: datetime | None
    source: str = Field(description="manual, rule or imported.")
    rule_id: str | None
    links: AlertLinks


class AlertList(BaseModel):
    """A page of alert messages and how many match in all."""

    count: int
    alerts: list[AlertPublic]


def public_alert(alert: StoredAlert, communes: list[str], *, base_url: str) -> AlertPublic:
    """The API view of a stored message."""
    url = f"{base_url}/api/v1/alerts"
    return AlertPublic(
        id=alert.id,
        identifier=alert.identifier,
        sender=alert.sender,
        sent=alert.sent,
        status=alert.status,
        msg_type=alert.msg_type,
        references=alert.references,
        original_id=alert.original_id,
        superseded_by=alert.superseded_by,
        is_active=alert.is_active_at(datetime.now(UTC)),
        event=alert.event,
        hazard=alert.hazard.value,
        level=alert.level,
        categories=list(alert.categories),
        urgency=alert.urgency,
        severity=alert.severity,
        certainty=alert.certainty,
        headline=LocalText(fr=alert.headline_fr, en=alert.headline_en),
        description=LocalText(fr=alert.description_fr, en=alert.description_en),
        instruction=LocalText(fr=alert.instruction_fr, en=alert.instruction_en),
        areas=list(alert.areas),
        communes=communes,
        effective=alert.effective,
        expires=alert.expires,
        source=alert.source,
        rule_id=alert.rule_id,
        links=AlertLinks(
            self=f"{url}/{alert.id}",
            cap=f"{url}/{alert.id}/cap",
            original=None if alert.original_id is None else f"{url}/{alert.original_id}",
        ),
    )
