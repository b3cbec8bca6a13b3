"""One Settings object for the whole of erreview (environment variables ``ERREVIEW_*``).

Each field's ``description`` is its help text; ``erreview settings`` and the README list them all, and a
test fails if one is left undocumented.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_key_file() -> Path:
    return Path.home() / ".config" / "erreview" / "pseudonym.key"


class Settings(BaseSettings):
    """Runtime settings, read from ``ERREVIEW_*`` environment variables."""

    model_config = SettingsConfigDict(env_prefix="ERREVIEW_", extra="ignore")

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
        default=7, ge=0, description="Board exports show counts from 1 to this value as '*'."
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
    template_dir: Path | None = Field(
        default=None,
        description="Folder of the trust's own checklist templates (TOML), added to the shipped ones.",
    )
    comparable_cases: int = Field(default=30, ge=5, description="How many comparable past cases the panel sees.")
    intervention_date: date | None = Field(
        default=None, description="Date panel pre-checks started; the review pack compares before and after it."
    )


#: Settings an admin may change in the app (stored in the database, overriding the environment).
ADJUSTABLE = (
    "intervention_date",
    "suppression_threshold",
    "min_group_size",
    "gated_steps",
    "quorum_members",
    "quorum_independent",
    "comparable_cases",
)


def get_settings(**overrides: object) -> Settings:
    """Fresh settings from the environment, with explicit overrides (e.g. ``--db``) applied."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**clean)  # type: ignore[arg-type]
