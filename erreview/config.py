"""One Settings object for the whole of erreview (environment variables ``ERREVIEW_*``).

Each field's ``description`` is its help text; ``erreview settings`` and the README list them all, and a
test fails if one is left undocumented.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from erreview.errors import ErreviewError


def _default_key_file() -> Path:
    return Path.home() / ".config" / "erreview" / "pseudonym.key"


#: Contract §5: the small-number threshold cannot be set below this.
MIN_SUPPRESSION_THRESHOLD = 5


class Settings(BaseSettings):
    """Runtime settings, read from ``ERREVIEW_*`` environment variables."""

    model_config = SettingsConfigDict(env_prefix="ERREVIEW_", extra="ignore")

    mode: Literal["standard", "production"] = Field(
        default="standard",
        description="production: refuse to run without an explicit pseudonym key and session secret, and no demo.",
    )
    max_upload_mb: int = Field(default=1024, ge=1, description="Import files larger than this are refused unread.")
    database_url: str = Field(
        default="sqlite:///erreview.db",
        description="SQLAlchemy database URL (SQLite file by default; PostgreSQL via postgresql+psycopg://).",
    )
    pseudonym_key: SecretStr | None = Field(
        default=None, description="Secret key for pseudonymising person_id; overrides key_file."
    )
    key_file: Path = Field(
        default_factory=_default_key_file,
        description="File holding the pseudonym key, created with 0600 permissions on first use.",
    )
    suppression_threshold: int = Field(
        default=7,
        description=f"Board exports and the screens of roles without case-level access show counts from 1 to this "
        f"value as '*' (at least {MIN_SUPPRESSION_THRESHOLD}).",
    )
    community_threshold: int = Field(
        default=10,
        ge=5,
        description="Community and staff-network packs show counts from 1 to this value as '*' (stricter than boards).",
    )
    min_group_size: int = Field(
        default=10, ge=1, description="Breakdown cells with fewer cases than this read 'too few to compare'."
    )

    gated_steps: str = Field(
        default="formal_investigation,suspension",
        description="Escalation steps that need a submitted panel review deciding 'proceed' (comma-separated).",
    )
    quorum_members: int = Field(default=2, ge=1, description="A panel review needs at least this many members.")
    quorum_independent: int = Field(
        default=1, ge=0, description="… of whom at least this many are independent of the referring manager."
    )
    quorum_director: bool = Field(
        default=False, description="The gate also needs a director-level member among those who attested."
    )
    suspension_review_days: int = Field(
        default=28, ge=1, le=365, description="A suspension is reviewed at least this often (days; 2019 letter)."
    )
    template_dir: Path | None = Field(
        default=None,
        description="Folder of the trust's own checklist templates (TOML), added to the shipped ones.",
    )
    measure_dir: Path | None = Field(
        default=None,
        description="Folder of the trust's own measures (TOML questions), reported beside the contract's measures.",
    )
    comparable_cases: int = Field(default=30, ge=5, description="How many comparable past cases the panel sees.")
    intervention_date: date | None = Field(
        default=None, description="Date panel pre-checks started; the review pack compares before and after it."
    )

    @field_validator("suppression_threshold")
    @classmethod
    def _threshold_floor(cls, value: int) -> int:
        if value < MIN_SUPPRESSION_THRESHOLD:
            raise ValueError(
                f"the suppression threshold cannot be below {MIN_SUPPRESSION_THRESHOLD} (you gave {value}): "
                "counts from 1 to the threshold are hidden so that no one can be identified"
            )
        return value


#: Settings an admin may change in the app (stored in the database, overriding the environment).
ADJUSTABLE = (
    "intervention_date",
    "suppression_threshold",
    "community_threshold",
    "min_group_size",
    "gated_steps",
    "quorum_members",
    "quorum_independent",
    "quorum_director",
    "suspension_review_days",
    "comparable_cases",
)


class SettingRefused(ErreviewError, ValueError):
    """An adjustable setting that cannot take the value asked for; the message says why."""


class UnsafeSettings(ErreviewError, RuntimeError):
    """Production mode without the secrets it needs."""


def check_production(settings: Settings) -> None:
    """In production mode the pseudonym key must be given explicitly (no key file is created on the fly)."""
    if settings.mode != "production":
        return
    has_key = settings.pseudonym_key is not None or Path(settings.key_file).expanduser().exists()
    if not has_key:
        raise UnsafeSettings(
            "production mode needs the pseudonym key: set ERREVIEW_PSEUDONYM_KEY or provide the "
            f"key file {settings.key_file} (it is never created automatically in production)"
        )
    if settings.database_url.startswith("sqlite") and ":memory:" in settings.database_url:
        raise UnsafeSettings("production mode cannot use an in-memory database")


def get_settings(**overrides: object) -> Settings:
    """Fresh settings from the environment, with explicit overrides (e.g. ``--db``) applied."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**clean)  # type: ignore[arg-type]
