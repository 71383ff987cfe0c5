"""Settings of one healthycity deployment, read once from the environment (``HC_*``)."""

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_DEMO_DATA_DIR = PACKAGE_DIR.parent / "data"
DEVELOPMENT_SECRET_KEY = "development-only-secret-key-change-me"  # noqa: S105  (placeholder)
MIN_SECRET_KEY_CHARS = 32


class Settings(BaseSettings):
    """Deployment settings; precedence is environment > ``.env`` > default.

    The defaults run on a laptop: one SQLite file under ``data_dir`` and MQTT on localhost.
    """

    model_config = SettingsConfigDict(env_prefix="HC_", env_file=".env", extra="ignore")

    environment: Literal["development", "production"] = "development"
    data_dir: Path = Field(default=Path("var"), description="Where the embedded database lives.")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default sqlite:///<data_dir>/healthycity.db. "
        "Production: postgresql+psycopg://user@host/db.",
    )
    demo_data_dir: Path = Field(
        default=DEFAULT_DEMO_DATA_DIR, description="Folder of the shipped open data (data/)."
    )
    mqtt_url: str = "mqtt://127.0.0.1:1883"
    mqtt_client_id: str = Field(
        default="healthycity-ingest",
        min_length=1,
        max_length=64,
        description="MQTT client id of the ingest service: its persistent session's name "
        "(one distinct id per process when several share the load).",
    )
    log_level: str = "INFO"
    host: str = "127.0.0.1"
    port: int = 8000
    focus_territory: str = Field(
        default="departement/58",
        pattern=r"^(region|departement|epci|commune)/[0-9A-Za-z]+$",
        description="The territory the home map emphasises, as level/code.",
    )
    # Environmental indices (healthycity.environment.indices): tables a territory brings.
    heat_thresholds_file: Path | None = Field(
        default=None,
        description="CSV of heat-wave thresholds per département (format of the shipped "
        "heat_thresholds_departements.csv); default: the shipped table.",
    )
    pollen_thresholds_file: Path | None = Field(
        default=None,
        description="JSON of pollen concentration classes per taxon on the Atmo France "
        "six-level scale, with their source; default: the shipped table, which has none.",
    )
    # Health alerts (healthycity.alerts): who the published CAP messages come from.
    alerts_sender: str = Field(
        default="alertes@healthycity.localhost",
        pattern=r"^[^\s,<&]+$",
        description="CAP sender of the platform's alerts (e.g. alertes@sante.nievre.fr).",
    )
    alerts_sender_name: str = Field(
        default="healthycity",
        description="CAP senderName: the authority shown as the alerts' author.",
    )
    # Alert delivery (healthycity.alerts.delivery).
    secret_key: str = Field(
        default=DEVELOPMENT_SECRET_KEY,
        description="Signs unsubscribe, confirmation and webhook tokens (HMAC-SHA256); "
        "at least 32 random characters outside development.",
    )
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Base URL of the platform as subscribers reach it (links in messages).",
    )
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_sender: str = "alertes@healthycity.localhost"
    smtp_connections: int = Field(default=4, ge=1, le=64)
    sms_gateway_url: str | None = None
    sms_gateway_token: str | None = None
    sms_sender: str = "HealthyCity"
    webhook_allow_loopback: bool = Field(
        default=False,
        description="Tests only: let webhooks reach 127.0.0.1 (refused in production).",
    )
    delivery_lease_s: float = Field(default=60.0, gt=0)

    @model_validator(mode="after")
    def _enforce_non_default_secrets(self) -> "Settings":
        if self.environment == "development":
            return self
        if self.secret_key == DEVELOPMENT_SECRET_KEY or len(self.secret_key) < MIN_SECRET_KEY_CHARS:
            msg = (
                f"HC_SECRET_KEY is the development placeholder or shorter than "
                f"{MIN_SECRET_KEY_CHARS} characters in environment {self.environment!r}; "
                "expected a random secret (e.g. python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))')."
            )
            raise ValueError(msg)
        if self.webhook_allow_loopback:
            msg = "HC_WEBHOOK_ALLOW_LOOPBACK=true outside development; expected false."
            raise ValueError(msg)
        return self

    @model_validator(mode="after")
    def _default_database_url(self) -> "Settings":
        if self.database_url is None:
            self.database_url = f"sqlite:///{self.data_dir / 'healthycity.db'}"
        return self

    @property
    def database(self) -> str:
        """The database URL, always set after validation."""
        assert self.database_url is not None  # set by _default_database_url  # noqa: S101
        return self.database_url
