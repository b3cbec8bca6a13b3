"""Settings are checked where they enter: gated steps are known steps, turning the gate off is confirmed,
audited and announced on Cases; a quorum needs at least two people."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy import text

from erreview import service
from erreview.config import SettingRefused, Settings
from erreview.review.panel import Rules
from erreview.review.roles import Role

from .test_app import app_env, demo_db  # noqa: F401  (fixtures)


@pytest.mark.parametrize("value", ["formal_investigaton", "suspension,formal", "dismissal"])
def test_unknown_gated_steps_are_refused_listing_the_valid_ones(value):
    with pytest.raises(ValidationError, match="the steps that can be gated are: formal_investigation, suspension"):
        Settings(gated_steps=value)


def test_gated_steps_are_normalised():
    assert Settings(gated_steps=" Suspension , formal_investigation ").gated_steps == "formal_investigation,suspension"
    assert Rules.from_settings(Settings(gated_steps=",")).gated_steps == frozenset()


def test_a_typo_is_refused_by_the_app_setting_and_nothing_stored(engine, settings):
    with pytest.raises(SettingRefused, match="unknown step\\(s\\) 'formal_investigaton'"):
        service.change_setting(engine, settings, "gated_steps", "formal_investigaton", user="admin")
    assert service.effective_settings(engine, settings).gated_steps == "formal_investigation,suspension"


def test_turning_the_gate_off_needs_confirmation_is_audited_and_announced(engine, settings):
    assert service.gate_warning(service.effective_settings(engine, settings)) is None
    for value in (",", "formal_investigation"):
        with pytest.raises(SettingRefused, match=r"gate off for (formal_investigation, )?suspension;"):
            service.change_setting(engine, settings, "gated_steps", value, user="admin")
    assert service.effective_settings(engine, settings).gated_steps == "formal_investigation,suspension"
    service.change_setting(engine, settings, "gated_steps", ",", user="admin", confirm_gate_off=True)
    now = service.effective_settings(engine, settings)
    assert now.gated_steps == ""
    warning = service.gate_warning(now)
    assert warning is not None and "OFF for formal investigation and suspension" in warning
    with engine.connect() as con:
        actions = [r[0] for r in con.execute(text("SELECT action FROM audit_log ORDER BY id"))]
    assert actions[-2:] == ["setting.change", "setting.gate_off"]


def test_quorum_is_at_least_two(engine, settings):
    with pytest.raises(ValidationError):
        Settings(quorum_members=1)
    with pytest.raises(SettingRefused, match="quorum members"):
        service.change_setting(engine, settings, "quorum_members", "1", user="admin")


def test_the_cases_screen_shows_the_banner_to_everyone(app_env):  # noqa: F811  (fixture)
    from erreview import store

    from .test_app import signed_in

    engine = store.engine_for(app_env.database_url)
    service.change_setting(engine, app_env, "gated_steps", "formal_investigation", user="admin", confirm_gate_off=True)
    try:
        for role in (Role.CASE_LEAD, Role.PANEL_MEMBER, Role.ADMIN):
            at = signed_in(role).switch_page("panels/cases.py").run()
            assert any("gate is OFF for suspension" in w.value for w in at.warning), role
    finally:
        service.change_setting(engine, app_env, "gated_steps", None, user="admin")
