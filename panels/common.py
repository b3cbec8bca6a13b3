"""What every screen shares: who is signed in, role guards, the engine, cached library calls keyed on the
database and its data version, and NHS styling. No domain logic here."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from erreview import service, store
from erreview.auth import actor_for_identity
from erreview.config import Settings, get_settings
from erreview.metrics.likelihood import WresResult
from erreview.review.roles import ROLE_LABELS, Actor, Role

ACTOR_KEY = "actor"
ALL_ROLES = frozenset(Role)


def database_url() -> str:
    return get_settings().database_url


@st.cache_resource
def _engine(url: str) -> store.Engine:
    return store.engine_for(url)


def engine() -> store.Engine:
    return _engine(database_url())


def settings() -> Settings:
    """Environment settings with the admin's overrides."""
    return service.effective_settings(engine(), get_settings())


def data_key() -> tuple[str, int]:
    """(database, data version): the cache key of every derived figure, so any change refreshes them."""
    return database_url(), service.current_data_version(engine())


@st.cache_data(show_spinner=False, max_entries=256)
def _my_work(key: tuple[str, int], username: str, role: str, panels: frozenset[str]) -> list[Any]:
    from erreview.review.panel import Rules
    from erreview.review.worklist import my_work

    actor = Actor(username, Role(role), panels)
    return my_work(_engine(key[0]), Rules.from_settings(settings()), actor=actor)


def my_work_items(actor: Actor) -> list[Any]:
    """What waits for ``actor`` (cached until the data changes)."""
    return _my_work(data_key(), actor.username, actor.role.value, actor.panels)


def oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, KeyError):
        return False
    except Exception:  # streamlit raises its own error type when no secrets file exists
        return False


def current_actor() -> Actor | None:
    """The signed-in person: a local sign-in kept in the session, or an OIDC identity known to erreview."""
    actor = st.session_state.get(ACTOR_KEY)
    if isinstance(actor, Actor):
        return actor
    user = getattr(st, "user", None)
    if user is not None and getattr(user, "is_logged_in", False):
        claims = user.to_dict()
        found = actor_for_identity(engine(), claims)
        if found is not None:
            st.session_state[ACTOR_KEY] = found
        return found
    return None


def require(*roles: Role) -> Actor:
    """Stop the page unless someone with one of ``roles`` is signed in."""
    actor = current_actor()
    if actor is None:
        st.warning("Please sign in.")
        st.stop()
    assert actor is not None
    if actor.role not in roles:
        st.error(f"{ROLE_LABELS[actor.role]}s do not have access to this screen.")
        st.stop()
    return actor


def choose_case(label: str, case_ids: list[str]) -> str:
    """A case picker that remembers the case last opened on any screen."""
    remembered = st.session_state.get("case_id")
    index = case_ids.index(remembered) if remembered in case_ids else 0
    chosen = st.selectbox(label, case_ids, index=index)
    st.session_state["case_id"] = chosen
    return str(chosen)


def note_case_view(actor: Actor, case_id: str) -> None:
    """Record in the audit log that ``actor`` opened ``case_id`` (once per opening, not on every rerun)."""
    if st.session_state.get("viewed_case") != case_id:
        service.record_case_view(engine(), user=actor.username, case_id=case_id)
        st.session_state["viewed_case"] = case_id


def flash(message: str) -> None:
    """A success message that survives the rerun that follows a save."""
    st.session_state["flash"] = message


def show_flash() -> None:
    message = st.session_state.pop("flash", None)
    if message:
        st.success(message, icon=":material/check_circle:")


def plain_validation(exc: ValidationError) -> str:
    """A form's field errors as plain words (field: reason), without pydantic's links and type names."""
    return "; ".join(
        f"{' '.join(str(p) for p in e['loc']).replace('_', ' ')}: {e['msg']}" if e["loc"] else str(e["msg"])
        for e in exc.errors()
    )


def show_error(message: str) -> None:
    """A refusal or validation message in plain English (never a stack trace)."""
    st.error(message, icon=":material/block:")


@st.cache_data(show_spinner="Computing the relative likelihood…")
def wres_results(key: tuple[str, int], pool: int = 1) -> list[WresResult]:
    return service.wres_results(_engine(key[0]), pool=pool)


# cache_resource, not cache_data: the result holds the decision-point definitions (functions), which do not
# pickle. It is keyed on the data version and never mutated, as Streamlit's guidance asks.
@st.cache_resource(show_spinner="Analysing the decision points…", max_entries=32)
def decision_analysis(key: tuple[str, int], opened_from: Any, opened_to: Any, min_group_size: int) -> Any:
    engine_ = _engine(key[0])
    cases = service.disciplinary_cases(engine_, opened_from=opened_from, opened_to=opened_to)
    complaints = service.complaint_cases(engine_, opened_from=opened_from, opened_to=opened_to)
    return service.decision_analysis(cases, min_group_size=min_group_size, complaints=complaints)


@st.cache_resource(show_spinner="Comparing before and after the pre-checks…", max_entries=8)
def intervention_changes(key: tuple[str, int], since: Any) -> Any:
    return service.intervention_changes(service.disciplinary_cases(_engine(key[0])), since)


@st.cache_data(show_spinner=False)
def default_window(key: tuple[str, int]) -> Any:
    return service.default_decision_window(_engine(key[0]))


@st.cache_data(show_spinner=False)
def national_latest(key: tuple[str, int]) -> Any:
    return service.national_figures(_engine(key[0])).latest()


@st.cache_data(show_spinner="Reading the workforce snapshots…")
def completeness(key: tuple[str, int]) -> pd.DataFrame:
    return service.ethnicity_completeness(_engine(key[0]))


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)  # None or NaN


def fmt_ratio(value: float | None) -> str:
    """A ratio to 2 decimal places; '—' where there is none."""
    return "—" if _missing(value) else f"{value:.2f}"


def fmt_rate(value: float | None) -> str:
    """A rate as a percentage to 1 decimal place; '—' where there is none."""
    return "—" if _missing(value) else f"{value:.1%}"


def band_text(band: Any) -> str:
    return {"below": "below the range", "non_adverse": "inside the range", "above": "above the range"}.get(
        getattr(band, "value", band) or "", "n/a"
    )
