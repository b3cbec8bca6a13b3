"""Sign-in that holds in production: cookie secrets, demo accounts, OIDC binding, sessions, throttling."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from erreview import store
from erreview.auth import (
    DEMO_PASSWORD,
    SignInRefused,
    UserError,
    actor_for_identity,
    add_user,
    check_production_accounts,
    resume_session,
    set_active,
    sign_in,
    sign_out_everywhere,
    start_session,
)
from erreview.cli import app
from erreview.config import Settings, UnsafeSettings, check_production, secret_weakness
from erreview.review.roles import Role

from .test_app import APP

PASSWORD = "a-correct-horse-battery"
T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
ISSUER = "https://login.example/tenant-1/v2.0"
GOOD_SECRET = "hQ3v9Zk_2mB7xL0pR4tW8yC1nE6sA5dF-gJ2kH9uVbM"


def _actions(engine, username: str) -> list[str]:
    with engine.connect() as con:
        rows = con.execute(text("SELECT action FROM audit_log WHERE entity_id = :u ORDER BY id"), {"u": username})
        return [r[0] for r in rows]


# --- cookie secrets -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "secret",
    [
        "a long random secret",  # the README's example: a forged organisation cookie signed with it gave admin
        "xxx",  # Streamlit's documentation
        "a-test-cookie-secret-that-is-long-enough",
        "this-is-my-very-long-and-very-secret-cookie-secret-for-production",
        "a" * 80,
        "0123456789abcdef" * 2,  # 16 bytes of hex
        secrets.token_urlsafe(16),
    ],
)
def test_guessable_cookie_secrets_are_refused(secret):
    assert secret_weakness(secret) is not None
    prod = Settings(mode="production", pseudonym_key="a-real-secret-key-123456")
    with pytest.raises(UnsafeSettings, match="cookie secret"):
        check_production(prod, auth_cookie_secret=secret)


def test_generated_cookie_secrets_are_accepted():
    for _ in range(300):
        assert secret_weakness(secrets.token_urlsafe(32)) is None
        assert secret_weakness(secrets.token_hex(32)) is None
    prod = Settings(mode="production", pseudonym_key="a-real-secret-key-123456")
    check_production(prod, auth_cookie_secret=secrets.token_urlsafe(32))
    check_production(Settings(mode="production", pseudonym_key="a-real-secret-key-123456", cookie_secret=GOOD_SECRET))


def test_production_needs_a_cookie_secret_at_all():
    prod = Settings(mode="production", pseudonym_key="a-real-secret-key-123456")
    with pytest.raises(UnsafeSettings, match="needs a cookie secret"):
        check_production(prod, auth_cookie_secret=None)


def test_the_forged_cookie_set_up_refuses_to_start(monkeypatch, tmp_path):
    """Production with the README's example secret in secrets.toml: the app and the CLI refuse to start."""
    monkeypatch.setenv("ERREVIEW_MODE", "production")
    monkeypatch.setenv("ERREVIEW_PSEUDONYM_KEY", "a-real-secret-key-123456")
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = {"cookie_secret": "a long random secret", "client_id": "x", "client_secret": "y"}
    at.run()
    assert any("cannot start" in e.value and "published in documentation" in e.value for e in at.error)
    assert not at.text_input  # no sign-in form at all

    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text('[auth]\ncookie_secret = "a long random secret"\n')
    monkeypatch.chdir(tmp_path)
    from typer.testing import CliRunner

    result = CliRunner().invoke(app, ["users", "list"])
    assert result.exit_code != 0 and "cookie secret" in result.stderr


# --- demo accounts in production ----------------------------------------------------------------------


@pytest.fixture
def demo_engine(settings):
    from erreview.demo import DEMO_ACCOUNTS

    engine = store.make_engine(settings.database_url)
    for account in DEMO_ACCOUNTS:
        add_user(
            engine,
            username=account.username,
            role=account.role,
            password=DEMO_PASSWORD,
            by="demo",
            allow_demo_password=True,
            divisions=account.divisions,
        )
    yield engine
    engine.dispose()


def test_demo_sign_in_is_refused_in_production(demo_engine):
    assert sign_in(demo_engine, "admin", DEMO_PASSWORD).role is Role.ADMIN
    with pytest.raises(SignInRefused, match="do not match"):
        sign_in(demo_engine, "admin", DEMO_PASSWORD, production=True)


def test_production_refuses_to_start_with_demo_accounts(demo_engine, settings, monkeypatch):
    prod = settings.model_copy(update={"mode": "production"})
    from erreview.demo import DEMO_ACCOUNTS

    demo_names = sorted(a.username for a in DEMO_ACCOUNTS)
    with pytest.raises(UnsafeSettings, match=", ".join(demo_names)):
        check_production_accounts(demo_engine, prod)
    # The app says so too.
    monkeypatch.setenv("ERREVIEW_MODE", "production")
    monkeypatch.setenv("ERREVIEW_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("ERREVIEW_COOKIE_SECRET", GOOD_SECRET)
    monkeypatch.setenv("ERREVIEW_PSEUDONYM_KEY", "a-real-secret-key-123456")
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert any("demo accounts" in e.value for e in at.error)
    # Deactivating them (and any other account with the demo password) is the way out.
    for name in demo_names:
        set_active(demo_engine, name, False, by="test")
    check_production_accounts(demo_engine, prod)


def test_the_demo_password_cannot_be_given_to_anyone(engine):
    with pytest.raises(UserError, match="demo's public password"):
        add_user(engine, username="real.admin", role=Role.ADMIN, password=DEMO_PASSWORD)


# --- throttling ---------------------------------------------------------------------------------------


def test_the_sixth_wrong_password_is_locked_and_every_failure_audited(engine):
    add_user(engine, username="lee", role=Role.CASE_LEAD, password=PASSWORD)
    at = T0
    for attempt in range(1, 6):
        with pytest.raises(SignInRefused, match="do not match"):
            sign_in(engine, "lee", "wrong-password", now=at)
        at += timedelta(seconds=2 ** max(0, attempt - 1))  # wait out the growing delay
    # Locked now: even the right password is refused, without being checked, for 15 minutes.
    with pytest.raises(SignInRefused, match="locked until"):
        sign_in(engine, "lee", PASSWORD, now=at)
    with pytest.raises(SignInRefused, match="locked until"):
        sign_in(engine, "lee", PASSWORD, now=T0 + timedelta(minutes=15))
    assert sign_in(engine, "lee", PASSWORD, now=at + timedelta(minutes=16)).username == "lee"
    actions = _actions(engine, "lee")
    assert actions.count("signin.failed") == 5 + 2  # five wrong passwords, two refusals while locked
    assert actions[-1] == "signin.ok"


def test_a_growing_delay_between_wrong_passwords(engine):
    add_user(engine, username="lee", role=Role.CASE_LEAD, password=PASSWORD)
    for _ in range(2):
        with pytest.raises(SignInRefused, match="do not match"):
            sign_in(engine, "lee", "wrong-password", now=T0)
    with pytest.raises(SignInRefused, match="wait 1 second"):
        sign_in(engine, "lee", PASSWORD, now=T0)
    with pytest.raises(SignInRefused, match="do not match"):
        sign_in(engine, "lee", "wrong-password", now=T0 + timedelta(seconds=1))
    with pytest.raises(SignInRefused, match="wait 2 second"):
        sign_in(engine, "lee", PASSWORD, now=T0 + timedelta(seconds=1))
    # Unknown usernames are throttled the same way (no hint that the name does not exist).
    at = T0
    for _ in range(5):
        with pytest.raises(SignInRefused, match="do not match"):
            sign_in(engine, "nobody", "x", now=at)
        at += timedelta(seconds=10)
    with pytest.raises(SignInRefused, match="locked until"):
        sign_in(engine, "nobody", "x", now=at)


# --- sessions -----------------------------------------------------------------------------------------


@pytest.fixture
def lead(engine):
    return add_user(engine, username="lee", role=Role.CASE_LEAD, password=PASSWORD, display_name="Lee")


def test_a_session_rereads_the_user_every_time(engine, settings, lead):
    token = start_session(engine, lead, now=T0)
    assert resume_session(engine, token, settings, now=T0).actor == lead
    add_user(engine, username="lee", role=Role.BOARD_VIEWER, display_name="Lee")  # demoted
    assert resume_session(engine, token, settings, now=T0).actor.role is Role.BOARD_VIEWER
    set_active(engine, "lee", False, by="admin")
    state = resume_session(engine, token, settings, now=T0)
    assert state.actor is None and "deactivated" in state.reason
    set_active(engine, "lee", True, by="admin")
    assert resume_session(engine, token, settings, now=T0).actor is None  # deactivation ended it for good
    assert "user.deactivate" in _actions(engine, "lee")
    set_active(engine, "lee", False, by="admin")
    with pytest.raises(SignInRefused, match="do not match"):
        sign_in(engine, "lee", PASSWORD)


def test_idle_timeout_and_absolute_lifetime(engine, settings, lead):
    assert settings.idle_timeout_minutes == 30
    token = start_session(engine, lead, now=T0)
    at = T0
    for _ in range(settings.session_hours * 60 // 25 + 2):  # busy all day, a click every 25 minutes
        at += timedelta(minutes=25)
        state = resume_session(engine, token, settings, now=at)
        if state.actor is None:
            break
    assert state.actor is None and f"after {settings.session_hours} hours" in state.reason
    assert at - T0 > timedelta(hours=settings.session_hours)
    idle = start_session(engine, lead, now=T0)
    assert resume_session(engine, idle, settings, now=T0 + timedelta(minutes=29)).actor == lead
    state = resume_session(engine, idle, settings, now=T0 + timedelta(minutes=29 + 31))
    assert state.actor is None and "without activity" in state.reason


def test_sign_out_everywhere_ends_every_session(engine, settings, lead):
    tokens = [start_session(engine, lead, now=T0) for _ in range(3)]
    assert sign_out_everywhere(engine, "lee", by="lee", now=T0) == 3
    assert all(resume_session(engine, t, settings, now=T0).actor is None for t in tokens)


def test_cli_deactivates_a_user(cli, settings, engine, lead):
    token = start_session(engine, lead)
    result = cli.invoke(app, ["--db", settings.database_url, "users", "deactivate", "lee"])
    assert result.exit_code == 0, result.stderr
    assert resume_session(engine, token, settings).actor is None
    listed = cli.invoke(app, ["--db", settings.database_url, "users", "list"])
    assert "(deactivated)" in listed.stdout
    missing = cli.invoke(app, ["--db", settings.database_url, "users", "deactivate", "nobody"])
    assert missing.exit_code != 0 and "no user" in missing.stderr


# --- organisation sign-in (OIDC) ----------------------------------------------------------------------


def _claims(**extra):
    return {"iss": ISSUER, "sub": "entra-1", "email": "ina@trust.example", "email_verified": True} | extra


ALLOW = {"allowed_domains": "trust.example"}


@pytest.fixture
def org_user(engine):
    return add_user(engine, username="ina@trust.example", role=Role.INCLUSION_ANALYST)


def test_a_verified_allowed_identity_binds_once_by_issuer_and_subject(engine, org_user):
    assert actor_for_identity(engine, _claims(), **ALLOW).username == "ina@trust.example"
    # Bound: the same (issuer, subject) signs in even if the email changes ...
    assert actor_for_identity(engine, _claims(email="renamed@trust.example"), **ALLOW).username == "ina@trust.example"
    # ... but the same subject from another issuer is a different identity, and cannot take the account.
    with pytest.raises(SignInRefused, match="already linked"):
        actor_for_identity(engine, _claims(iss="https://evil.example"), **ALLOW)
    assert "user.bind_oidc" in _actions(engine, "ina@trust.example")


@pytest.mark.parametrize(
    ("claims", "settings_", "reason"),
    [
        (_claims(email_verified=False), ALLOW, "not verified"),
        (_claims(email_verified=None), ALLOW, "not verified"),
        (_claims(email_verified="false"), ALLOW, "not verified"),
        (_claims(), {"allowed_domains": "other.example"}, "allow-list"),
        (_claims(), {}, "allow-list"),
        (_claims(tid="tenant-2"), {**ALLOW, "allowed_tenants": "tenant-1"}, "tenant"),
        (_claims(), {**ALLOW, "allowed_tenants": "tenant-1"}, "tenant"),
        (_claims(iss=""), ALLOW, "no issuer"),
    ],
)
def test_unverified_or_off_tenant_identities_are_refused(engine, org_user, claims, settings_, reason):
    with pytest.raises(SignInRefused, match=reason):
        actor_for_identity(engine, claims, **settings_)
    assert "user.bind_oidc" not in _actions(engine, "ina@trust.example")


def test_an_identity_is_never_bound_to_a_password_account(engine):
    add_user(engine, username="ina@trust.example", role=Role.ADMIN, password=PASSWORD)
    with pytest.raises(SignInRefused, match="signs in with a password"):
        actor_for_identity(engine, _claims(), **ALLOW)
    add_user(engine, username="admin", role=Role.ADMIN, password=PASSWORD)
    with pytest.raises(SignInRefused, match="no access"):
        actor_for_identity(engine, _claims(email="admin@trust.example", preferred_username="admin"), **ALLOW)


def test_a_deactivated_or_signed_out_organisation_account_is_refused(engine, org_user):
    actor_for_identity(engine, _claims(), **ALLOW)
    sign_out_everywhere(engine, "ina@trust.example", by="admin", now=T0)
    with pytest.raises(SignInRefused, match="signed out everywhere"):
        actor_for_identity(engine, _claims(iat=int((T0 - timedelta(minutes=1)).timestamp())), **ALLOW)
    assert actor_for_identity(engine, _claims(iat=int((T0 + timedelta(minutes=1)).timestamp())), **ALLOW)
    set_active(engine, "ina@trust.example", False, by="admin")
    with pytest.raises(SignInRefused, match="deactivated"):
        actor_for_identity(engine, _claims(), **ALLOW)


# --- what a username and a display name may be (issue #15: refused where they are typed) --------------

FORMULA_LIKE = ['=HYPERLINK("http://x","click")', "+1", "@x", "-2", "=1+1", "\tname", "\rname", " =x"]


@pytest.mark.parametrize(
    "username", [*FORMULA_LIKE[:5], " =x", "a b", "a;b", "lee!", "é", "x" * 101, ".lee", "_lee", "a@@b"]
)
def test_a_new_username_outside_the_character_set_is_refused_in_plain_words(engine, username):
    from erreview.auth import USERNAME_RULE, user_problems

    assert user_problems(username) == {"username": f"Username: {USERNAME_RULE}."}
    with pytest.raises(UserError, match="Username: use letters, digits") as refused:
        add_user(engine, username=username, role=Role.CASE_LEAD)
    assert "=" not in refused.value.message.split(":", 1)[0]
    with engine.connect() as con:
        assert con.execute(text("SELECT count(*) FROM app_user")).scalar() == 0  # nothing saved


@pytest.mark.parametrize(
    "username", ["lee", "Lee.Smith", "a_b-c.9", "9lee", "jane.smith@trust.nhs.uk", " pat ", "x" * 100]
)
def test_ordinary_usernames_and_email_addresses_are_accepted(engine, username):
    from erreview.auth import user_problems

    assert user_problems(username) == {}
    assert add_user(engine, username=username, role=Role.CASE_LEAD).username == username.strip().lower()


@pytest.mark.parametrize("name", FORMULA_LIKE)
def test_a_display_name_a_spreadsheet_would_read_as_a_formula_is_refused(engine, name):
    from erreview.auth import user_problems

    problem = user_problems("lee", name)["display_name"]
    assert problem.startswith("Display name: "), problem
    with pytest.raises(UserError, match="Display name: "):
        add_user(engine, username="lee", role=Role.CASE_LEAD, display_name=name)
    # Renaming an existing user is refused the same way, and leaves the name as it was.
    add_user(engine, username="lee", role=Role.CASE_LEAD, display_name="Lee Smith")
    with pytest.raises(UserError, match="Display name: "):
        add_user(engine, username="lee", role=Role.BOARD_VIEWER, display_name=name)
    with engine.connect() as con:
        row = con.execute(text("SELECT display_name, role FROM app_user WHERE username = 'lee'")).one()
    assert tuple(row) == ("Lee Smith", Role.CASE_LEAD.value)


def test_display_names_people_have_are_accepted(engine):
    from erreview.auth import user_problems

    for name in ("Lee Smith", "Siân O'Neill-Jones", "Dr A. Patel", "", "李 伟", "Smith, Jo (HR)", "Jo-Ann 2nd"):
        assert user_problems("lee", name) == {}, name


def test_every_problem_with_a_user_is_named_at_once_by_field():
    from erreview.auth import user_problems

    assert user_problems("+1", "@x", "short") == {
        "username": user_problems("+1")["username"],
        "display_name": user_problems("lee", "@x")["display_name"],
        "password": "Password: at least 10 characters.",
    }
    # An existing account keeps its username even if made before the rule (it can still be changed).
    assert "username" not in user_problems("old name", "Old Name", new=False)


def test_the_command_line_refuses_a_formula_like_username_and_display_name(cli, settings):
    for args in (["=cmd"], ["lee", "--name", '=HYPERLINK("x")'], ["lee", "--name", "@x"]):
        result = cli.invoke(
            app, ["--db", settings.database_url, "users", "add", *args, "--role", "case_lead", "--no-password"]
        )
        assert result.exit_code == 1, result.output
        assert result.stderr.startswith("error: "), result.stderr
        assert "Username: use letters" in result.stderr or "Display name: it cannot start with" in result.stderr
        assert "Traceback" not in result.stderr
