"""Settings of one healthycity deployment, read once from the environment (``HC_*``)."""

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_DEMO_DATA_DIR = PACKAGE_DIR.parent / "data"


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
    log_level: str = "INFO"
    host: str = "127.0.0.1"
    port: int = 8000
    focus_territory: str = Field(
        default="departement/58",
        pattern=r"^(region|departement|epci|commune)/[0-9A-Za-z]+$",
        description="The territory the home map emphasises, as level/code.",
    )

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
