"""One Settings object for the whole of erreview (environment variables ``ERREVIEW_*``).

Each field's ``description`` is its help text; ``erreview settings`` and the README list them all, and a
test fails if one is left undocumented.
"""

from __future__ import annotations

import math
import re
import tomllib
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from erreview.errors import ErreviewError
from erreview.review.screening import DEFAULT_STAFF_NUMBER
from erreview.staffid import DEFAULT_STAFF_ID_EXAMPLE, DEFAULT_STAFF_ID_PATTERN, staff_id_rule_problem


def _default_key_file() -> Path:
    return Path.home() / ".config" / "erreview" / "pseudonym.key"


#: Contract §5: the small-number threshold cannot be set below this.
MIN_SUPPRESSION_THRESHOLD = 5
#: The earliest date the panel pre-checks can be said to have begun (an earlier one is a typing slip).
EARLIEST_INTERVENTION = date(2000, 1, 1)


class Settings(BaseSettings):
    """Runtime settings, read from ``ERREVIEW_*`` environment variables."""

    model_config = SettingsConfigDict(env_prefix="ERREVIEW_", extra="ignore")

    mode: Literal["standard", "production"] = Field(
        default="standard",
        description="production: refuse to start without the pseudonym key, a strong cookie secret and with any "
        "demo account (see the README's production section).",
    )
    cookie_secret: SecretStr | None = Field(
        default=None,
        description="Secret that signs erreview's session cookie; default: [auth] cookie_secret in "
        ".streamlit/secrets.toml. Production: at least 32 random bytes (e.g. secrets.token_urlsafe(32)).",
    )
    idle_timeout_minutes: int = Field(
        default=30, ge=1, description="A signed-in session ends after this many minutes without a click."
    )
    session_hours: int = Field(
        default=12, ge=1, description="A signed-in session ends this many hours after sign-in, however active."
    )
    oidc_allowed_domains: str = Field(
        default="",
        description="Email domains whose verified organisation accounts may be bound on first sign-in "
        "(comma-separated, e.g. trust.nhs.uk). Empty: no new bindings.",
    )
    oidc_allowed_tenants: str = Field(
        default="",
        description="Entra tenant ids (tid claim) allowed to sign in (comma-separated). Empty: any tenant of the "
        "provider configured in secrets.toml.",
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
        description="Escalation steps that need the panel's bias check first: a submitted review agreeing to the step "
        "(comma-separated).",
    )
    quorum_members: int = Field(default=2, ge=2, description="A panel review needs at least this many members.")
    quorum_independent: int = Field(
        default=1, ge=0, description="… of whom at least this many are independent of the referring manager."
    )
    quorum_director: bool = Field(
        default=False, description="The gate also needs a director-level member among those who confirmed their place."
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
    warm_up_after_changes: bool = Field(
        default=True,
        description="After any change to the data, the app works out in the background what the screens of "
        "analysts and board viewers may show (seconds of CPU), so that they do not wait for it.",
    )
    staff_number_pattern: str = Field(
        default=DEFAULT_STAFF_NUMBER,
        description="Regular expression for the organisation's staff numbers, refused in free text "
        "(default: ESR-style, a letter and seven digits such as E1002319, E 1002319 or E-1002319).",
    )

    staff_id_pattern: str = Field(
        default=DEFAULT_STAFF_ID_PATTERN,
        description="Regular expression the whole staff identifier of a concern raised in the app must match (after "
        "surrounding spaces are trimmed): the form the organisation's extracts write it in, so that one person is "
        r"always one pseudonym (default: ESR-style, a capital letter and seven digits, [A-Z]\d{7}).",
    )
    staff_id_example: str = Field(
        default=DEFAULT_STAFF_ID_EXAMPLE,
        description="An example staff identifier, shown beside the field when one typed does not match "
        "staff_id_pattern (it must match it).",
    )

    @model_validator(mode="after")
    def _a_valid_staff_id_rule(self) -> Settings:
        problem = staff_id_rule_problem(self.staff_id_pattern, self.staff_id_example)
        if problem:
            raise ValueError(problem)
        return self

    @field_validator("gated_steps")
    @classmethod
    def _known_steps(cls, value: str) -> str:
        from erreview.review.lifecycle import Step

        names = [s.strip().lower() for s in value.split(",") if s.strip()]
        valid = [s.value for s in Step]
        unknown = [n for n in names if n not in valid]
        if unknown:
            raise ValueError(
                f"unknown step(s) {', '.join(repr(n) for n in unknown)}; the steps that can be gated are: "
                + ", ".join(valid)
            )
        return ",".join(s for s in valid if s in names)  # one spelling: known steps in a fixed order

    @field_validator("staff_number_pattern")
    @classmethod
    def _a_valid_pattern(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"the staff number pattern is not a valid regular expression ({exc})") from None
        if value and re.search(value, ""):
            raise ValueError("the staff number pattern matches empty text, so it would refuse every note")
        return value

    @field_validator("intervention_date")
    @classmethod
    def _not_before_2000(cls, value: date | None) -> date | None:
        if value is not None and value < EARLIEST_INTERVENTION:
            raise ValueError(
                f"on or after {EARLIEST_INTERVENTION.day} {EARLIEST_INTERVENTION:%B %Y} "
                f"(you entered {value.day} {value:%B %Y})"
            )
        return value

    @field_validator("suppression_threshold")
    @classmethod
    def _threshold_floor(cls, value: int) -> int:
        if value < MIN_SUPPRESSION_THRESHOLD:
            raise ValueError(
                f"at least {MIN_SUPPRESSION_THRESHOLD} (you entered {value}): counts from 1 to this number are "
                "hidden so that no one can be identified"
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


#: Secrets printed in documentation (ours, Streamlit's, common tutorials): anyone can sign a cookie with them.
PUBLISHED_SECRETS = frozenset(
    {
        "a long random secret",
        "a-test-cookie-secret-that-is-long-enough",
        "xxx",
        "secret",
        "changeme",
        "change me",
        "your-secret",
        "your secret",
        "your-secret-here",
        "your_secret_here",
        "some_random_string",
        "random_string",
        "cookie_secret",
        "your-cookie-secret",
        "super-secret",
        "supersecret",
        "streamlit",
        "erreview",
        "erreview-demo",
    }
)
MIN_SECRET_BYTES = 32
_HEX = re.compile(r"[0-9a-fA-F]+")
_BASE64 = re.compile(r"[A-Za-z0-9+/_=-]+")
_WORDS = re.compile(r"[a-z]{2,}")


def _normal(secret: str) -> str:
    return re.sub(r"[^a-z0-9]", "", secret.lower())


def secret_weakness(secret: str) -> str | None:
    """Why ``secret`` cannot sign cookies in production, or ``None`` if it looks like 32+ random bytes.

    Accepted forms are the ones a random generator prints: at least 64 hex characters, or at least 43
    base64 / base64url characters (``secrets.token_urlsafe(32)``, ``openssl rand -base64 32``).
    """
    value = secret.strip()
    if _normal(value) in {_normal(p) for p in PUBLISHED_SECRETS} or any(
        _normal(p) in _normal(value) for p in PUBLISHED_SECRETS if len(_normal(p)) >= 10
    ):
        return "it is an example published in documentation"
    if not _BASE64.fullmatch(value):
        return "it contains spaces or punctuation, so it is not a generated random value"
    if _HEX.fullmatch(value):
        bits = 4 * len(value)
    elif re.search(r"[a-z]", value) and re.search(r"[A-Z]", value):
        bits = 6 * len(value)  # mixed case: base64 as printed by a generator
    else:
        classes = sum(
            size
            for pattern, size in ((r"[a-z]", 26), (r"[A-Z]", 26), (r"[0-9]", 10), (r"[+/_=-]", 2))
            if re.search(pattern, value)
        )
        bits = int(len(value) * math.log2(classes))
    if bits < 8 * MIN_SECRET_BYTES:
        return f"it holds about {bits // 8} bytes of randomness, fewer than {MIN_SECRET_BYTES}"
    if len(set(value)) < 10:
        return "it repeats a few characters"
    words = _WORDS.findall(value)
    if len(words) >= 3 and sum(map(len, words)) >= 0.7 * len(value) and value.lower() == value:
        return "it is made of words, not random bytes"
    return None


def streamlit_cookie_secret(cwd: Path | None = None) -> str | None:
    """The ``[auth] cookie_secret`` Streamlit signs its sign-in cookie with (project file over the user's)."""
    found = None
    for path in (Path.home() / ".streamlit" / "secrets.toml", (cwd or Path.cwd()) / ".streamlit" / "secrets.toml"):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError):
            continue
        auth = data.get("auth")
        if isinstance(auth, dict) and auth.get("cookie_secret") is not None:
            found = str(auth["cookie_secret"])
    return found


def session_secret(settings: Settings, auth_cookie_secret: str | None = None) -> str | None:
    """The secret that signs erreview's own session cookie: the setting, else Streamlit's ``[auth]`` one."""
    if settings.cookie_secret is not None:
        return settings.cookie_secret.get_secret_value()
    return auth_cookie_secret


def check_production(
    settings: Settings, *, auth_cookie_secret: str | None = None, needs_cookie_secret: bool = True
) -> None:
    """Refuse production mode without the pseudonym key or with a guessable cookie secret.

    ``auth_cookie_secret`` is the ``[auth] cookie_secret`` of ``.streamlit/secrets.toml`` (what Streamlit signs
    its organisation sign-in cookie with); when not given it is read from the files Streamlit reads. The
    command line signs nobody in, so it passes ``needs_cookie_secret=False`` (a weak secret is still refused).
    """
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
    if auth_cookie_secret is None:
        auth_cookie_secret = streamlit_cookie_secret()
    secrets_to_check = {"[auth] cookie_secret in .streamlit/secrets.toml": auth_cookie_secret}
    if settings.cookie_secret is not None:
        secrets_to_check["ERREVIEW_COOKIE_SECRET"] = settings.cookie_secret.get_secret_value()
    if needs_cookie_secret and session_secret(settings, auth_cookie_secret) is None:
        raise UnsafeSettings(
            "production mode needs a cookie secret to sign sessions: set ERREVIEW_COOKIE_SECRET (or [auth] "
            "cookie_secret in .streamlit/secrets.toml) to at least 32 random bytes, e.g. the output of "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    for where, secret in secrets_to_check.items():
        if secret is None:
            continue
        weakness = secret_weakness(secret)
        if weakness is not None:
            raise UnsafeSettings(
                f"the cookie secret ({where}) is not safe: {weakness}. Anyone who knows it can sign in as "
                "anyone. Replace it with at least 32 random bytes, e.g. the output of "
                "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )


def get_settings(**overrides: object) -> Settings:
    """Fresh settings from the environment, with explicit overrides (e.g. ``--db``) applied."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**clean)  # type: ignore[arg-type]
