"""OIDC sign-in end to end: Streamlit's st.login against oidc-provider-mock, identity mapped to a role."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from erreview import store
from erreview.auth import add_user
from erreview.cli import streamlit_command
from erreview.config import Settings
from erreview.review.roles import Role
from erreview.store import audit

from .pg import database_url
from .test_browser import CHROMIUM, CHROMIUM_ARGS, _free_port

pytestmark = pytest.mark.browser
KNOWN = {
    "sub": "entra-0001",
    "email": "ina.analyst@trust.example",
    "email_verified": True,
    "tid": "tenant-1",
    "name": "Ina Analyst",
}
STRANGER = {**KNOWN, "sub": "entra-0999", "email": "someone.else@trust.example", "name": "Someone Else"}
#: Accounts exist for these two, but the provider has not verified the email / it is another tenant.
UNVERIFIED = {**KNOWN, "sub": "entra-0002", "email": "una.verified@trust.example", "email_verified": False}
OFF_TENANT = {**KNOWN, "sub": "entra-0003", "email": "otto.tenant@trust.example", "tid": "tenant-9"}


def _wait(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.3)
    pytest.fail(f"{url} did not come up: {log.read_text()[-2000:]}")


@pytest.fixture(scope="module")
def oidc_app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("oidc")
    settings = Settings(
        database_url=database_url(tmp, "oidc.db"),
        pseudonym_key="oidc-test-key-0123456789",
        key_file=tmp / "pseudonym.key",  # the audit anchors live beside it: never in the home folder
    )
    audit.bind(settings.database_url, settings)
    engine = store.make_engine(settings.database_url)
    for claims in (KNOWN, UNVERIFIED, OFF_TENANT):
        add_user(engine, username=claims["email"], role=Role.INCLUSION_ANALYST, display_name=claims["name"])
    provider_port, app_port = _free_port(), _free_port()
    procs, logs = [], []
    provider_log = (tmp / "provider.log").open("w")
    logs.append(provider_log)
    procs.append(
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "oidc_provider_mock",
                "--port",
                str(provider_port),
                "--user-claims",
                json.dumps(KNOWN),
                "--user-claims",
                json.dumps(STRANGER),
                "--user-claims",
                json.dumps(UNVERIFIED),
                "--user-claims",
                json.dumps(OFF_TENANT),
            ],
            stdout=provider_log,
            stderr=subprocess.STDOUT,
        )
    )
    _wait(f"http://127.0.0.1:{provider_port}/.well-known/openid-configuration", procs[0], tmp / "provider.log")
    (tmp / ".streamlit").mkdir()
    (tmp / ".streamlit" / "secrets.toml").write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{app_port}/oauth2callback"\n'
        'cookie_secret = "a-test-cookie-secret-that-is-long-enough"\n'
        'client_id = "erreview-test"\nclient_secret = "erreview-test-secret"\n'
        f'server_metadata_url = "http://127.0.0.1:{provider_port}/.well-known/openid-configuration"\n'
    )
    app_log = (tmp / "app.log").open("w")
    logs.append(app_log)
    env = os.environ | {
        "ERREVIEW_DATABASE_URL": settings.database_url,
        "ERREVIEW_PSEUDONYM_KEY": "oidc-test-key-0123456789",
        "ERREVIEW_KEY_FILE": str(settings.key_file),
        "ERREVIEW_OIDC_ALLOWED_DOMAINS": "trust.example",
        "ERREVIEW_OIDC_ALLOWED_TENANTS": "tenant-1",
    }
    procs.append(
        subprocess.Popen(
            [
                *streamlit_command(app_port),
            ],
            cwd=tmp,
            env=env,
            stdout=app_log,
            stderr=subprocess.STDOUT,
        )
    )
    _wait(f"http://127.0.0.1:{app_port}/_stcore/health", procs[1], tmp / "app.log")
    yield f"http://127.0.0.1:{app_port}"
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=20)
    for log in logs:
        log.close()


def _sign_in_as(url: str, subject: str):
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page()
        page.set_default_timeout(45_000)
        page.goto(url)
        page.get_by_role("button", name="Sign in with your organisation").click()
        page.get_by_role("button", name=subject).click()  # the mock provider's consent form
        page.wait_for_url(f"{url}/**")
        yield page
        browser.close()


def test_a_known_organisation_account_signs_in_with_its_role(oidc_app):
    for page in _sign_in_as(oidc_app, KNOWN["sub"]):
        expect(page.get_by_role("heading", name="My work")).to_be_visible()
        expect(page.get_by_text("Inclusion analyst")).to_be_visible()
        expect(page.get_by_role("link", name="Decision points")).to_be_visible()
        expect(page.get_by_role("link", name="Cases")).to_have_count(0)


def test_an_unknown_organisation_account_is_refused(oidc_app):
    for page in _sign_in_as(oidc_app, STRANGER["sub"]):
        expect(page.get_by_text("has no access to erreview yet")).to_be_visible()
        expect(page.get_by_role("heading", name="My work")).to_have_count(0)


@pytest.mark.parametrize(
    ("claims", "reason"),
    [(UNVERIFIED, "has not verified your email address"), (OFF_TENANT, "tenant that is not allowed")],
    ids=["unverified", "off-tenant"],
)
def test_unverified_and_off_tenant_accounts_are_refused(oidc_app, claims, reason):
    for page in _sign_in_as(oidc_app, claims["sub"]):
        expect(page.get_by_text(reason)).to_be_visible()
        expect(page.get_by_role("heading", name="My work")).to_have_count(0)
        expect(page.get_by_role("link", name="Decision points")).to_have_count(0)
