"""The text of a notification: in the subscriber's language, with advice for their profile.

Pure: the dispatcher reads an alert once per batch into an :class:`AlertContent`, and
:func:`compose_alert` writes what each recipient gets from it. Texts depend only on the
alert, the language and the audiences, so they are cached per combination; the
recipient's own unsubscribe link is added by the channel.
"""

from dataclasses import dataclass
from datetime import datetime

from healthycity.alerts.advice import Audience, advice_for, compose_instruction
from healthycity.alerts.delivery.models import PARIS, Language
from healthycity.alerts.levels import LEVEL_TYPES, Hazard, HazardLevel, PollenRisk
from healthycity.alerts.models import MsgType, Severity, Urgency

SMS_MAX_CHARS = 306  # two concatenated GSM-7 SMS (2 × 153 characters, 3GPP TS 23.040)

_PREFIX: dict[MsgType, dict[Language, str]] = {
    MsgType.ALERT: {"fr": "Alerte", "en": "Alert"},
    MsgType.UPDATE: {"fr": "Mise à jour", "en": "Update"},
    MsgType.CANCEL: {"fr": "Fin d'alerte", "en": "Alert ended"},
}
_TEXTS: dict[str, dict[Language, str]] = {
    "advice": {"fr": "Conseils pour vous", "en": "Advice for you"},
    "until": {"fr": "Jusqu'au", "en": "Until"},
    "unsubscribe": {"fr": "Se désabonner", "en": "Unsubscribe"},
    "stop": {"fr": "Désabonnement", "en": "Unsubscribe"},
    "confirm_subject": {
        "fr": "Confirmez votre abonnement aux alertes sanitaires",
        "en": "Confirm your subscription to health alerts",
    },
    "confirm_body": {
        "fr": (
            "Bonjour,\n\nVous (ou quelqu'un avec votre adresse) avez demandé à recevoir les "
            "alertes sanitaires de votre territoire. Pour confirmer, ouvrez ce lien dans les "
            "48 heures :\n\n{url}\n\nSans confirmation, vous ne recevrez rien et votre "
            "adresse sera effacée.\n\nPour consulter ou supprimer votre abonnement : {manage}"
        ),
        "en": (
            "Hello,\n\nYou (or someone using your address) asked to receive the health "
            "alerts of your area. To confirm, open this link within 48 hours:\n\n{url}\n\n"
            "Without confirmation you will receive nothing and your address will be erased."
            "\n\nTo see or delete your subscription: {manage}"
        ),
    },
    "confirm_sms": {
        "fr": "Alertes sanitaires : confirmez votre abonnement sous 48 h : {url}",
        "en": "Health alerts: confirm your subscription within 48 h: {url}",
    },
}


@dataclass(frozen=True, eq=False)  # compared by identity: one object per alert and batch
class AlertContent:
    """What delivery needs of one stored CAP message (a row of ``alerts``)."""

    alert_id: int
    identifier: str
    msg_type: MsgType
    hazard: Hazard
    level: str | None
    severity: Severity
    urgency: Urgency
    headline: dict[Language, str]
    description: dict[Language, str]
    instruction: dict[Language, str]
    expires: datetime | None
    cap_xml: str | None  # read only when a recipient wants CAP

    @property
    def hazard_level(self) -> HazardLevel | None:
        """The level on the hazard's scale, when known and valid."""
        return parse_level(self.hazard, self.level)


@dataclass(frozen=True)
class ComposedMessage:
    """A notification's subject, full text and SMS-length text (without the link)."""

    subject: str
    text: str
    short_text: str


def parse_level(hazard: Hazard, level: str | None) -> HazardLevel | None:
    """A stored level on ``hazard``'s scale; None when absent or not on the scale.

    >>> parse_level(Hazard.POLLEN, "4")
    <PollenRisk.ELEVE: 4>
    >>> parse_level(Hazard.HEAT, "orange")
    <HeatVigilance.ORANGE: 'orange'>
    >>> parse_level(Hazard.OTHER, "x") is None
    True
    """
    scale = LEVEL_TYPES.get(hazard)
    if scale is None or level is None:
        return None
    try:
        if scale is PollenRisk:
            return PollenRisk(int(level)) if level.isdigit() else PollenRisk[level.upper()]
        return scale(level)  # type: ignore[arg-type]  # the other scales are StrEnums
    except (KeyError, ValueError):
        return None


def _advice(content: AlertContent, audiences: frozenset[Audience], language: Language) -> str:
    level = content.hazard_level
    if level is None:
        return content.instruction.get(language, "")
    items = advice_for(content.hazard, level, audiences)
    return compose_instruction(items, language) if items else content.instruction.get(language, "")


def _text(language: Language, field: dict[Language, str]) -> str:
    other: Language = "en" if language == "fr" else "fr"
    return field.get(language) or field.get(other) or ""


def compose_alert(
    content: AlertContent, language: Language, audiences: frozenset[Audience]
) -> ComposedMessage:
    """The message for one language and profile (the dispatcher caches it per batch)."""
    prefix = _PREFIX[content.msg_type][language]
    headline = _text(language, content.headline) or content.identifier
    subject = f"[{prefix}] {headline}"
    parts = [headline, _text(language, content.description)]
    if content.msg_type is not MsgType.CANCEL:
        advice = _advice(content, audiences, language)
        if advice:
            parts.append(
                f"{_TEXTS['advice'][language]} :\n{advice}"
                if language == "fr"
                else f"{_TEXTS['advice'][language]}:\n{advice}"
            )
    if content.expires is not None and content.msg_type is not MsgType.CANCEL:
        local = content.expires.astimezone(PARIS).strftime("%d/%m/%Y %H:%M")
        parts.append(f"{_TEXTS['until'][language]} {local}.")
    text = "\n\n".join(p for p in parts if p)
    short = f"{prefix} : {headline}" if language == "fr" else f"{prefix}: {headline}"
    return ComposedMessage(subject=subject, text=text, short_text=short)


def compose_confirmation(language: Language, confirm_url: str, manage_url: str) -> ComposedMessage:
    """The double opt-in request: the link that confirms, and the one that manages."""
    return ComposedMessage(
        subject=_TEXTS["confirm_subject"][language],
        text=_TEXTS["confirm_body"][language].format(url=confirm_url, manage=manage_url),
        short_text=_TEXTS["confirm_sms"][language].format(url=confirm_url),
    )


def unsubscribe_footer(language: Language, url: str) -> str:
    """The line every e-mail and webhook text ends with."""
    return (
        f"{_TEXTS['unsubscribe'][language]} : {url}"
        if language == "fr"
        else f"{_TEXTS['unsubscribe'][language]}: {url}"
    )


def sms_text(message: ComposedMessage, language: Language, unsubscribe_url: str) -> str:
    """An SMS: the short text, cut to fit, then the unsubscribe link (always kept whole)."""
    tail = (
        f" {_TEXTS['stop'][language]} : {unsubscribe_url}"
        if language == "fr"
        else f" {_TEXTS['stop'][language]}: {unsubscribe_url}"
    )
    room = max(SMS_MAX_CHARS - len(tail), 0)
    body = (
        message.short_text
        if len(message.short_text) <= room
        else message.short_text[: max(room - 1, 0)] + "…"
    )
    return body + tail
