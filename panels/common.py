"""What every screen shares: who is signed in, role guards, the engine, cached library calls keyed on the
database and its data version, and NHS styling. No domain logic here."""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import re
import secrets
import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st
from pydantic import ValidationError

from erreview import service, store
from erreview.auth import (
    COOKIE_NAME,
    SignInRefused,
    actor_for_identity,
    end_session,
    resume_session,
    sign_cookie,
    sign_in,
    start_session,
    unsign_cookie,
)
from erreview.config import Settings, get_settings, session_secret
from erreview.errors import plain_reason
from erreview.metrics.likelihood import WresResult
from erreview.periods import Period, period_words
from erreview.review.roles import ROLE_LABELS, Actor, Role
from erreview.vocab import SUPPRESSED

#: Session-state keys: this tab's session token, why a session ended, a refused organisation sign-in.
SESSION_KEY = "session_token"
ENDED_KEY = "session_ended"
OIDC_REFUSAL = "oidc_refusal"
OIDC_ENDED = "oidc_session_ended"
COOKIE_WRITE = "_cookie_write"
DEAD_COOKIE = "_dead_cookie"
ALL_ROLES = frozenset(Role)


@lru_cache(maxsize=8)
def _settings_for(environment: tuple[tuple[str, str], ...]) -> Settings:
    del environment  # the cache key: get_settings reads the same variables
    return get_settings()


def _environment() -> tuple[tuple[str, str], ...]:
    """What the settings are read from: ``ERREVIEW_*`` (case-insensitive) and ``HOME`` (the key file's default)."""
    return tuple(sorted((k, v) for k, v in os.environ.items() if k.upper().startswith("ERREVIEW_") or k == "HOME"))


def base_settings() -> Settings:
    """The environment's settings, read once for each distinct environment: reading them takes
    pydantic-settings about 10 ms, and a screen asks for them dozens of times a run. A changed variable is
    a new key, so nothing stale is used."""
    return _settings_for(_environment())


def database_url() -> str:
    return base_settings().database_url


@st.cache_resource
def _engine(url: str) -> store.Engine:
    return store.engine_for(url)


def engine() -> store.Engine:
    return _engine(database_url())


@lru_cache(maxsize=32)
def _settings_with(environment: tuple[tuple[str, str], ...], overrides: tuple[tuple[str, str], ...]) -> Settings:
    return service.settings_with(_settings_for(environment), dict(overrides))


def settings() -> Settings:
    """Environment settings with the admin's overrides (read from the database on every call; the settings
    object is made once for each environment and set of overrides)."""
    overrides = tuple(sorted(service.stored_overrides(engine()).items()))
    return _settings_with(_environment(), overrides)


def data_key() -> tuple[str, int]:
    """(database, data version): the cache key of every derived figure, so any change refreshes them."""
    return database_url(), service.current_data_version(engine())


@st.cache_data(show_spinner=False, max_entries=256)
def _my_work(key: tuple[str, int], username: str, role: str, panels: frozenset[str]) -> list[Any]:
    from erreview.review.panel import Rules
    from erreview.review.worklist import my_work

    actor = Actor(username, Role(role), panels)
    return my_work(_engine(key[0]), Rules.from_settings(settings()), actor=actor)


# cache_resource: read-only results, kept per data version and per person (the library checks access on a miss;
# the screens open the case through case_detail, which checks it on every run).
@st.cache_resource(show_spinner=False, max_entries=64)
def _case_context(
    key: tuple[str, int], case_id: str, username: str, role: str, panels: frozenset[str], k: int, point: str
) -> tuple[Any, Any]:
    from erreview.errors import ErreviewError
    from erreview.review.context import comparables_for, disparity_context

    actor = Actor(username, Role(role), panels)
    engine_ = _engine(key[0])
    try:
        comparison: Any = comparables_for(engine_, case_id, actor=actor, k=k)
    except ErreviewError as exc:
        comparison = exc.message
    return comparison, disparity_context(engine_, case_id, actor=actor, point=point)


def case_context(actor: Actor, case_id: str, k: int, point: str = "formal_investigation") -> tuple[Any, Any]:
    """The comparable closed cases (or, as text, why the library cannot give them) and the disparity
    picture at decision point ``point`` beside a panel check, computed once for each data version: a rerun or
    a save's rerun of the panel screen does not recompute them."""
    return _case_context(data_key(), case_id, actor.username, actor.role.value, actor.panels, k, point)


@st.cache_data(show_spinner=False, max_entries=64)
def _case_list(key: tuple[str, int], username: str, role: str, panels: frozenset[str]) -> pd.DataFrame:
    from erreview.review.workflow import list_cases

    return list_cases(_engine(key[0]), actor=Actor(username, Role(role), panels))


def case_list(actor: Actor) -> pd.DataFrame:
    """The cases ``actor`` may see (:func:`erreview.review.workflow.list_cases`, which checks access on a miss),
    kept per data version and person: every change to a case, its lead or its panel bumps the data version."""
    return _case_list(data_key(), actor.username, actor.role.value, actor.panels)


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


def auth_cookie_secret() -> str | None:
    """Streamlit's ``[auth] cookie_secret`` (it signs the organisation sign-in cookie)."""
    if not oidc_configured():
        return None
    value = st.secrets["auth"].get("cookie_secret")
    return None if value is None else str(value)


@st.cache_resource
def _process_secret() -> str:
    # Outside production, with no secret configured: sessions still survive a reload, until a restart.
    return secrets.token_urlsafe(32)


def cookie_secret() -> str:
    return session_secret(base_settings(), auth_cookie_secret()) or _process_secret()


def _set_cookie(value: str, max_age: int) -> None:
    """Ask the browser to store (or, with max_age 0, drop) the session cookie. Streamlit has no server-side
    way to set a cookie, so this is a tiny script; the value is [A-Za-z0-9_.-] only."""
    st.session_state[COOKIE_WRITE] = (value, max_age)


def write_pending_cookie() -> None:
    """Have the browser keep (or drop) the session cookie. Written on every run while signed in, so a run
    cut short by the next click cannot leave the browser without it."""
    pending = st.session_state.pop(COOKIE_WRITE, None)
    token = st.session_state.get(SESSION_KEY)
    if pending is None and isinstance(token, str):
        pending = (sign_cookie(token, cookie_secret()), base_settings().session_hours * 3600)
    if pending is None:
        return
    value, max_age = pending
    st.html(
        "<script>document.cookie = "
        f"'{COOKIE_NAME}={value}; Path=/; Max-Age={int(max_age)}; SameSite=Strict'"
        " + (window.location.protocol === 'https:' ? '; Secure' : '');</script>",
        unsafe_allow_javascript=True,
    )


def begin_session(actor: Actor, kind: str = "local") -> None:
    """Record a new server-side session and have the browser keep its signed token."""
    token = start_session(engine(), actor, kind=kind)
    st.session_state[SESSION_KEY] = token
    st.session_state.pop(ENDED_KEY, None)


def end_current_session() -> None:
    token = st.session_state.pop(SESSION_KEY, None)
    if token:
        end_session(engine(), token)
    _forget_cookie()


def _forget_cookie() -> None:
    # st.context.cookies keeps the value sent when this tab connected; remember it is dead.
    st.session_state[DEAD_COOKIE] = st.context.cookies.get(COOKIE_NAME)
    _set_cookie("", 0)


def _token() -> str | None:
    token = st.session_state.get(SESSION_KEY)
    if isinstance(token, str):
        return token
    raw = st.context.cookies.get(COOKIE_NAME)
    if raw and raw != st.session_state.get(DEAD_COOKIE):
        token = unsign_cookie(raw, cookie_secret())
        if token:
            st.session_state[SESSION_KEY] = token
        return token
    return None


def current_actor() -> Actor | None:
    """The signed-in person as the database says they are now (active, role, panels), or ``None``.

    The browser holds only a signed session token (cookie, or this tab's state); every run re-reads the
    session and the user, so deactivation, a role change or "sign out everywhere" applies on the next click.
    """
    token = _token()
    if token:
        state = resume_session(engine(), token, base_settings())
        if state.actor is not None:
            return state.actor
        st.session_state.pop(SESSION_KEY, None)
        st.session_state[ENDED_KEY] = state.reason
        _forget_cookie()
        if getattr(st.user, "is_logged_in", False):
            st.session_state[OIDC_ENDED] = True
        return None
    user = getattr(st, "user", None)
    refused = st.session_state.get(OIDC_ENDED) or st.session_state.get(OIDC_REFUSAL)
    if user is not None and getattr(user, "is_logged_in", False) and not refused:
        base = base_settings()
        try:
            actor = actor_for_identity(
                engine(),
                user.to_dict(),
                allowed_domains=base.oidc_allowed_domains,
                allowed_tenants=base.oidc_allowed_tenants,
            )
        except SignInRefused as exc:
            st.session_state[OIDC_REFUSAL] = str(exc)
            return None
        begin_session(actor, kind="organisation")
        return actor
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


#: What a case link (``?case=…``) naming a case the person cannot open says: the same whether or not the case
#: exists, so a link tells nobody that a case they may not see is on record.
CASE_REFUSED = (
    "That case is not one you can open: it is not among the cases your role lets you see. If you need it, ask "
    "its HR case lead or an administrator."
)


#: Where (title, whether the role has a screen of that name) of another role's screen whose address was opened
#: waits for the next run (My work's).
SCREEN_REFUSED_KEY = "refused_screen"


def screen_refused_words(title: str, actor: Actor, *, has_own: bool = False) -> str:
    """What opening the address of a screen the person's role does not have says (on their own My work).

    ``has_own``: the role has a screen of the same name (a division lead's Overview beside the trust's), which
    the words point to, so the menu does not seem to contradict them."""
    if has_own:
        return (
            f"That {title} screen is not one you can open: it is for other roles. Your role "
            f"({ROLE_LABELS[actor.role]}) has its own {title} in the menu; this is your first screen, My work."
        )
    return (
        f"The {title} screen is not one you can open: your role ({ROLE_LABELS[actor.role]}) does not have it. "
        "Your own screens are in the menu; this is your first, My work."
    )


def show_screen_refusal(actor: Actor) -> None:
    """Say, once, that the screen whose address was just opened is not one the person can open."""
    refused = st.session_state.pop(SCREEN_REFUSED_KEY, None)
    if refused:
        title, has_own = refused
        st.warning(screen_refused_words(str(title), actor, has_own=bool(has_own)), icon=":material/lock:")


def refuse_case_link(visible: Collection[str] | None) -> bool:
    """Say plainly why a case link (``?case=…``) opens nothing, when the case is not among ``visible`` (``None``:
    the person opens no case at all), and drop it from the address; whether the case exists is not told.
    Returns whether a link was refused."""
    linked = st.query_params.get("case")
    if not linked or (visible is not None and linked in visible):
        return False
    st.warning(CASE_REFUSED, icon=":material/lock:")
    del st.query_params["case"]
    if st.session_state.get("case_id") == linked:
        st.session_state.pop("case_id", None)
    return True


def choose_case(label: str, case_ids: list[str]) -> str | None:
    """A case picker that opens the case named in the URL (``?case=ID``), else the one last opened, and
    keeps the URL pointing at the chosen case so it can be bookmarked or shared. With neither, no case is
    open (``None``) until the person chooses one: opening a case is recorded as a view of it."""
    wanted = st.query_params.get("case") or st.session_state.get("case_id")
    index = case_ids.index(wanted) if wanted in case_ids else None
    chosen = st.selectbox(label, case_ids, index=index, placeholder="Choose a case")
    if chosen is None:
        return None
    st.session_state["case_id"] = chosen
    st.query_params["case"] = str(chosen)
    return str(chosen)


def note_case_view(actor: Actor, case_id: str) -> None:
    """Record in the audit log that ``actor`` opened ``case_id`` (once per opening, not on every rerun)."""
    if st.session_state.get("viewed_case") != case_id:
        service.record_case_view(engine(), user=actor.username, case_id=case_id)
        st.session_state["viewed_case"] = case_id


_MARKUP = re.compile(r"([\\`*_{}\[\]()#+\-!|<>~$&=\"'])")
# The renderer turns anything that looks like an address ("http://…", "www.…", "a@b.org") into a link, and
# ":name" into a colour or icon code, even in escaped text; an invisible zero-width space keeps it plain.
_LINKING = re.compile(r"(?i)\b(https?|ftp|mailto|www)(?=[:.])|(?=@)|(?<=:)(?=\w)")


def plain(value: object) -> str:
    """Text from people or imports, made safe for st.markdown, headers, captions and alerts: every Markdown,
    HTML and Streamlit-directive character is escaped and addresses are not linked, so it shows as typed
    (no links, images, colours or emphasis)."""
    escaped = _MARKUP.sub(r"\\\1", str(value))
    return _LINKING.sub(lambda m: (m.group(1) or "") + "\u200b", escaped)


#: What a download's click says when it hands out no file: above all when the session has ended (signed out here
#: or in another tab, "Sign out everywhere", deactivated, timed out); nothing is audited then.
DOWNLOAD_REFUSED = "No file: you have been signed out. Sign in again to download (if you have not, try again)."

#: Style only (Streamlit puts it in the page's event area, taking no room). A click on a download the screen is
#: redrawing (greyed out: the previous run's button, whose file the redraw is letting go of) does nothing until the
#: button is drawn anew. Where a click hands out no file, Streamlit says "Failed to generate file for download"
#: under the button: its own words are hidden (from screen readers too) and the plain reason shown instead.
_DOWNLOAD_STYLE = f"""<style>
[data-stale="true"] [data-testid="stDownloadButton"] button {{ pointer-events: none; }}
[data-testid="stDownloadButtonError"] {{ visibility: hidden; }}
[data-testid="stDownloadButtonError"]::after {{ visibility: visible; content: "{DOWNLOAD_REFUSED}"; }}
</style>"""


class DownloadRefused(Exception):
    """A download's click after the session has ended: no file is handed out and nothing is audited."""


def signed_in_download(
    where: Any,
    label: str,
    data: bytes | Callable[[], bytes],
    file_name: str,
    mime: str,
    *,
    actor: Actor | None,
    what: str,
    record: Callable[[], None] | None = None,
    **kwargs: Any,
) -> Any:
    """A download button whose file is handed out only on a click inside a still-valid signed-in session, and
    audited once for each file handed out. The bytes are made at the click (Streamlit's deferred data), so no
    file address exists before then: the click checks the session, makes the file (``data``, or ``data()``
    when it is a function, e.g. the review pack), then writes the audit entry (``record``, the caller's own,
    else a download naming ``actor``, or with ``None`` the person whose session it is at the click), and only
    then hands the file out; where the session has ended, or making the file or its audit entry fails, no
    file is handed out (:class:`DownloadRefused`) and nothing is audited.

    The click does not rerun the screen (``on_click="ignore"``). A rerun starts by letting go of the previous
    run's deferred files and ends by discarding every one no longer drawn, so a click that reran the screen
    raced its own rerun for the file it had asked for: "Deferred file … not found", and no file (the outside
    tester's F1). Without the rerun the file the button names stays registered until the screen is next
    redrawn, and a download costs no redraw of the screen."""
    token = st.session_state.get(SESSION_KEY)
    engine_, base = engine(), base_settings()

    def deliver() -> bytes:
        now = resume_session(engine_, token, base).actor if isinstance(token, str) else None
        if now is None:  # signed out (here or elsewhere), deactivated, timed out: no file, nothing audited
            raise DownloadRefused(DOWNLOAD_REFUSED)
        made = data() if callable(data) else data
        if record is not None:
            record()  # the caller's own audit entry (e.g. the review pack's export record)
        else:
            who = actor.username if actor is not None else now.username
            service.record_download(engine_, user=who, what=what, file_name=file_name)
        return made

    kwargs.setdefault("on_click", "ignore")
    st.html(_DOWNLOAD_STYLE)
    return where.download_button(label, deliver, file_name, mime, **kwargs)


def flash(message: str) -> None:
    """A success message that survives the rerun that follows a save."""
    st.session_state["flash"] = message


def show_flash() -> None:
    message = st.session_state.pop("flash", None)
    if message:
        st.success(message, icon=":material/check_circle:")
        focus_message()


#: Moves the keyboard focus to the message drawn just before this script: the alert in the element before its
#: own. Streamlit draws st.error and st.warning with role="alert" and st.success and st.info with role="status",
#: so a screen reader announces them as they appear; the focus also takes a keyboard user to the message (and
#: the page to it) instead of leaving them on a button far above it or on one the rerun has removed.
_FOCUS_SCRIPT = """<script>
(() => {
  const mine = document.currentScript && document.currentScript.closest('[data-testid="stElementContainer"]');
  const find = () => {
    let node = mine ? mine.previousElementSibling : null;
    for (let steps = 0; node && steps < 3; steps += 1, node = node.previousElementSibling) {
      const alert = node.querySelector('[data-testid="stAlertContainer"]');
      if (alert) return alert;
    }
    return null;
  };
  const focus = (tries) => {
    const alert = find();
    if (alert) {
      alert.setAttribute('tabindex', '-1');
      alert.focus({preventScroll: true});
      alert.scrollIntoView({block: 'center'});
    } else if (tries > 0) {
      setTimeout(() => focus(tries - 1), 100);
    }
  };
  focus(20);
})();
</script>"""


def focus_message() -> None:
    """Take the keyboard focus to the message just drawn (after a save, or a refusal of one)."""
    st.html(_FOCUS_SCRIPT, unsafe_allow_javascript=True)


#: pydantic's own wording, never shown on a screen (tests check every form's messages against these).
PYDANTIC_PHRASES = ("String should have", "Input should be", "validation error", "errors.pydantic.dev", "Value error")


def form_problems(exc: ValidationError, labels: Mapping[str, str], *, whole: str | None = None) -> dict[str, str]:
    """Every field problem in ``exc`` as ``{field name: "Label: what to do."}``, using the form's own labels.

    A problem with no field (a check across fields) goes under ``whole`` when given, else under ``""``.
    The first problem per field is kept; the text never carries pydantic's wording."""
    problems: dict[str, str] = {}
    for error in exc.errors():
        loc = error.get("loc") or ()
        name = str(loc[0]) if loc else (whole or "")
        label = labels.get(name) or name.replace("_", " ").capitalize()
        reason = plain_reason(error)
        text = f"{label}: {reason}." if label else f"{reason[:1].upper()}{reason[1:]}."
        problems.setdefault(name, text)
    return problems


def plain_validation(exc: ValidationError, labels: Mapping[str, str] | None = None) -> str:
    """A form's field errors as plain sentences (label: what to do), without pydantic's wording."""
    return " ".join(form_problems(exc, labels or {}).values())


def show_problems(what: str, problems: Sequence[str]) -> None:
    """Every problem at once, as a list under one heading (``what`` says what was not done)."""
    show_error(f"{what}:\n\n" + "\n".join(f"- {p}" for p in problems))


def show_error(message: str, *, focus: bool = True) -> None:
    """A refusal or validation message in plain English (never a stack trace), announced (role="alert") and,
    unless ``focus`` is false (a standing notice, not the answer to something the person just did), taking the
    keyboard focus."""
    st.error(message, icon=":material/block:")
    if focus:
        focus_message()


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


# cache_resource for the same reason as decision_analysis: one result per half-year, read afresh only on a change.
@st.cache_resource(show_spinner=False, max_entries=8)
def complaint_trend(key: tuple[str, int]) -> Any:
    return service.complaint_trend(_engine(key[0]))


@st.cache_resource(show_spinner="Comparing before and after the pre-checks…", max_entries=8)
def intervention_changes(key: tuple[str, int], since: Any) -> Any:
    return service.intervention_changes(service.disciplinary_cases(_engine(key[0])), since)


# cache_resource: the pack's inputs hold decision-point definitions (functions), as decision_analysis.
@st.cache_resource(show_spinner="Checking which numbers can be shown…", max_entries=16)
def _pack_view(key: tuple[str, int], period: str, published: int, setup: tuple[Any, ...]) -> Any:
    from erreview.periods import parse_period
    from erreview.screen_audit import pack_view

    return pack_view(_engine(key[0]), settings(), parse_period(period))


def pack_view(key: tuple[str, int], period: str) -> Any:
    """What the review pack for ``period`` prints and hides (:mod:`erreview.screen_audit`): the disclosure rule
    of every screen shown to roles without case-level access. Follows the data and every exported pack."""
    current = settings()  # the threshold and the trust's measures shape the pack too
    setup = (current.suppression_threshold, str(current.measure_dir), current.intervention_date)
    return _pack_view(key, period, service.published_version(_engine(key[0])), setup)


@st.cache_data(show_spinner=False, max_entries=64)
def _chart_spec(make: str, frame: pd.DataFrame, options: tuple[tuple[str, Any], ...]) -> dict[str, Any]:
    import altair as alt

    from erreview import charts

    chart = getattr(charts, make)(frame, **dict(options))
    # Not validated against the Vega-Lite schema here (about 0.1 s of CPU a chart on a first visit): each
    # chart's specification is validated by the chart tests (tests/test_spc_chart.py, tests/test_charts_valid.py).
    with _altair_theme_lock, alt.theme.enable("none"):  # as st.altair_chart: no default chart size
        return chart.to_dict(validate=False)  # type: ignore[no-any-return]


_altair_theme_lock = threading.Lock()


def show_chart(where: Any, make: str, frame: pd.DataFrame, **options: Any) -> None:
    """``erreview.charts.<make>(frame, **options)`` drawn like ``st.altair_chart`` (full width), its
    Vega-Lite specification kept per content of ``frame`` and options: Altair validates a chart against the
    schema as it writes it out (tens of ms a chart), so a rerun with the same figures does not do it again."""
    where.vega_lite_chart(_chart_spec(make, frame, tuple(sorted(options.items()))), width="stretch")


@st.cache_data(show_spinner=False)
def _default_window(key: tuple[str, int], today: Any) -> Any:
    return service.default_decision_window(_engine(key[0]), today)


def default_window(key: tuple[str, int]) -> Any:
    """The review pack's window for the latest half-year that has ended (today decides; per day and data)."""
    return _default_window(key, date.today())


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


def sign_in_screen() -> None:
    """The sign-in form (shown for any address while signed out; the address opens after sign-in)."""
    st.title("erreview", anchor=False)
    st.markdown("Find and stop racial bias in employee-relations cases. Please sign in.")
    ended = st.session_state.get(ENDED_KEY)
    if ended:
        st.info(ended, icon=":material/logout:")
    organisation_signed_in = getattr(st.user, "is_logged_in", False)
    if organisation_signed_in:
        st.error(
            st.session_state.get(OIDC_REFUSAL)
            or "Your organisation account is signed in but has no access to erreview now."
        )
        if st.button("Sign out of your organisation account", icon=":material/logout:"):
            st.session_state.pop(OIDC_REFUSAL, None)
            st.session_state.pop(OIDC_ENDED, None)
            st.logout()
    left, right = st.columns([2, 1])
    with left, st.form("signin"):
        username = st.text_input("Username")
        password = st.text_input("Password", type="password")
        if st.form_submit_button("Sign in", type="primary"):
            try:
                actor = sign_in(engine(), username, password, production=base_settings().mode == "production")
            except SignInRefused as exc:
                st.error(str(exc))
            else:
                begin_session(actor)
                st.rerun()
    if oidc_configured() and not organisation_signed_in:
        with right:
            st.markdown("Or use your organisation account:")
            if st.button("Sign in with your organisation", icon=":material/badge:"):
                st.session_state.pop(OIDC_ENDED, None)
                st.login()


@dataclass(frozen=True)
class Col:
    """One column of a table on screen: where its values come from, its heading, how its values read
    (``text``, ``count``, ``number`` as a whole number without separators (a reference number), ``days`` as
    whole days, ``rate`` as a percentage to 1 dp, ``points`` as percentage points, ``ratio`` to 2 dp, ``p`` to
    3 dp, ``yesno``, ``date`` as day month year, ``datetime`` with the time to the minute, or ``words`` from a
    mapping) and the help shown on its heading."""

    source: str
    label: str
    kind: str = "text"
    help: str = ""
    words: Mapping[Any, str] | None = None


#: Columns that hold a period's code (``2025/26-H1``), shown in words (``2025/26 H1``).
PERIOD_SOURCES = frozenset({"period", "half", "Period", "Half-year"})


def fmt_cell(value: object, col: Col) -> str:
    """A value as the column's kind says; '—' where there is none, and text already made (a '*' from
    disclosure control, a value formatted before masking) kept as it is."""
    if isinstance(value, str):
        if not value:
            return "—"
        if col.source in PERIOD_SOURCES:
            value = period_words(value)  # 2025/26 H1, as every screen words a period (the code stays in exports)
        return col.words.get(value, value) if col.words else value
    if _missing(value) or value is pd.NA:
        return "—"
    if col.words is not None:
        return col.words.get(value, str(value))
    number = float(value)  # type: ignore[arg-type]
    if col.kind == "count":
        return f"{round(number):,}"
    if col.kind == "number":
        return f"{round(number)}"
    if col.kind == "days":
        return f"{number:.0f}"
    if col.kind == "rate":
        return fmt_rate(number)
    if col.kind == "points":
        return f"{number * 100:+.1f} points"
    if col.kind == "ratio":
        return fmt_ratio(number)
    if col.kind == "p":
        return "<0.001" if number < 0.001 else f"{number:.3f}"
    if col.kind == "yesno":
        return "Yes" if value else "No"
    return str(value)


#: Kinds of number whose columns sort as numbers.
NUMBER_KINDS = ("count", "number", "days", "rate", "points", "ratio", "p")
#: Kinds of date whose columns sort as dates, and how each shows (day month year).
DATE_FORMATS = {"date": "%-d %b %Y", "datetime": "%-d %b %Y, %H:%M"}
#: What a table shows where there is no value (``st.dataframe``'s placeholder for an empty number cell).
NONE_TEXT = "—"
#: What a hidden or empty text cell holds (a screen reader reads a cell's value, not the text drawn).
HIDDEN_WORDS = "hidden: too few to show"
NONE_WORDS = "no value"


def number_key(value: object, kind: str) -> float | None:
    """A cell's sort key, from its source value: the number the cell shows, in the units shown (4.8 for 4.8%,
    +6.4 for "+6.4 points", 0.0 for "<0.001"), rounded as shown, so it holds no more than the screen shows;
    ``None`` where there is no value. :func:`key_text` gives the cell's text back from it."""
    if _missing(value) or value is pd.NA:
        return None
    number = float(value)  # type: ignore[arg-type]
    if kind in ("count", "number"):
        return float(round(number))
    if kind == "days":
        return float(round(number))  # what "{:.0f}" shows
    if kind in ("rate", "points"):
        return round(number * 100, 1)  # what "{:.1%}" shows: Python multiplies by 100, then rounds
    if kind == "ratio":
        return round(number, 2)
    if kind == "p":
        return 0.0 if number < 0.001 else round(number, 3)
    raise ValueError(kind)


def key_text(key: float, kind: str) -> str:
    """The text of a cell whose :func:`number_key` is ``key``: the same as :func:`fmt_cell` of its value."""
    if kind == "count":
        return f"{int(key):,}"
    if kind == "number":
        return f"{int(key)}"
    if kind == "days":
        return f"{key:.0f}"
    if kind == "rate":
        return f"{key:.1f}%"
    if kind == "points":
        return f"{key:+.1f} points"
    if kind == "ratio":
        return f"{key:.2f}"
    if kind == "p":
        return "<0.001" if key < 0.001 else f"{key:.3f}"
    raise ValueError(kind)


def date_key(value: object) -> pd.Timestamp | None:
    """A date cell's sort key: the date or time (a ``date``, ``datetime``, ``Timestamp`` or ISO text), ``None``
    where there is none."""
    if _missing(value) or value is pd.NA or value is pd.NaT or value == "":
        return None
    return pd.Timestamp(value)  # type: ignore[arg-type]


def _numbers(values: pd.Series) -> bool:
    """Whether a column holds numbers (or nothing) as its source values, not text already made."""
    return all(_missing(v) or v is pd.NA or (isinstance(v, int | float) and not isinstance(v, bool)) for v in values)


@dataclass(frozen=True)
class StyledTable:
    """A table as :func:`table_styler` makes it: the pandas Styler ``st.dataframe`` draws, the columns present
    (in their order), whether a number or date cell is hidden (it holds no value and shows '*': the grid's
    placeholder must then be '*', :func:`show_table`) and each column's text as shown (:func:`table_cells`)."""

    styler: Any
    columns: list[Col]
    hidden: bool
    formats: Mapping[str, Callable[[Any], str]]

    @property
    def frame(self) -> pd.DataFrame:
        """What the table holds, cell by cell (a hidden count holds no value)."""
        return self.styler.data  # type: ignore[no-any-return]


def table_styler(frame: pd.DataFrame, columns: Sequence[Col], hidden: Collection[tuple[Any, str]] = ()) -> StyledTable:
    """The frame with only ``columns``, in their order, headed for people (``hidden``: the cells, as (row index,
    source column), shown as '*'), as a pandas Styler for ``st.dataframe``, with the columns present and whether
    a number or date cell is hidden (:class:`StyledTable`).

    A column of numbers (``count``, ``rate``, ``points``, ``ratio``, ``p``) holds each cell's sort key, built
    from the source value (:func:`number_key`), and shows it as text through the Styler (1 dp percentages,
    2 dp ratios): sorting then orders by the number (4.5% before 39.3%). A hidden cell and a cell without a
    value hold no number at all (every one the same empty key: the sort tells nothing about a hidden count,
    and a screen reader, which reads the value, meets no machine value) and show '*' and '—'. Other columns
    hold their text; a hidden or empty text cell holds words (:data:`HIDDEN_WORDS`, :data:`NONE_WORDS`) and
    shows '*' or '—'."""
    present = [c for c in columns if c.source in frame.columns]
    hide = set(hidden)
    rows = list(frame.index)
    data: dict[str, list[Any]] = {}
    formats: dict[str, Callable[[Any], str]] = {}
    hidden_numbers: dict[str, tuple[int, ...]] = {}
    dates: list[str] = []
    for c in present:
        values = frame[c.source]
        masked = {i for i, r in enumerate(rows) if (r, c.source) in hide}
        if c.kind in DATE_FORMATS:
            data[c.label] = [None if i in masked else date_key(v) for i, v in enumerate(values)]
            formats[c.label] = lambda d, shape=DATE_FORMATS[c.kind]: f"{d:{shape}}"
            hidden_numbers[c.label] = tuple(sorted(masked))
            dates.append(c.label)
            continue
        if c.kind in NUMBER_KINDS and c.words is None and _numbers(values):
            data[c.label] = [None if i in masked else number_key(v, c.kind) for i, v in enumerate(values)]
            formats[c.label] = lambda d, kind=c.kind: key_text(d, kind)
            hidden_numbers[c.label] = tuple(sorted(masked))
            continue
        texts = [fmt_cell(v, c) for v in values]
        hidden_numbers.pop(c.label, None)  # a heading twice: the later column decides
        data[c.label] = [
            HIDDEN_WORDS if i in masked else NONE_WORDS if t == NONE_TEXT else t for i, t in enumerate(texts)
        ]
        formats[c.label] = _text_shown
    if any(hidden_numbers.values()):
        # The grid draws one placeholder in every cell without a value, whatever the Styler says: with hidden
        # numbers it is '*' (show_table). So a number or date column with an empty cell that is not hidden holds
        # text instead ('—' there, '*' where hidden): else that cell would read '*', at least 1, and may be 0.
        for label in list(hidden_numbers):
            masked_rows = set(hidden_numbers[label])
            cells = data[label]
            if not any(v is None and i not in masked_rows for i, v in enumerate(cells)):
                continue
            show = formats[label]
            data[label] = [
                HIDDEN_WORDS if i in masked_rows else NONE_WORDS if v is None else show(v) for i, v in enumerate(cells)
            ]
            formats[label] = _text_shown
            del hidden_numbers[label]
            if label in dates:
                dates.remove(label)
    shown = pd.DataFrame(data, columns=list(data))  # a heading twice: its last column, as a mapping keeps it
    for label in hidden_numbers:
        if label in dates:
            shown[label] = pd.to_datetime(shown[label])
        else:
            shown[label] = pd.to_numeric(shown[label], errors="raise").astype("float64")
    styled = shown.style.format(formats, na_rep=NONE_TEXT)  # type: ignore[arg-type]
    # Hidden number cells show '*': one format per set of rows hidden alike (a row's derived cells go together).
    alike: dict[tuple[int, ...], list[str]] = {}
    for label, masked_rows in hidden_numbers.items():
        if masked_rows and label in shown.columns:
            alike.setdefault(masked_rows, []).append(label)
    for masked_rows, labels in alike.items():
        styled = styled.format(lambda _: SUPPRESSED, subset=(list(masked_rows), labels), na_rep=SUPPRESSED)
    return StyledTable(styled, present, hidden=bool(alike), formats=formats)


def _text_shown(value: object) -> str:
    """A text cell's text: '*' for a hidden cell, '—' for an empty one (they hold words a screen reader reads)."""
    return SUPPRESSED if value == HIDDEN_WORDS else NONE_TEXT if value == NONE_WORDS else str(value)


def number_columns(styled: Any, helps: Mapping[str, str | None]) -> dict[str, Any]:
    """Column configuration for a :func:`table_styler` table: each heading's help, numbers as number columns,
    dates as date columns drawn day month year (the grid draws a date column's own value in its column format,
    not the Styler's text; its accessible table reads the date as 2026-03-30, without a time of midnight), with
    the time to the minute where any cell has one."""
    frame = _drawn_frame(styled)
    config: dict[str, Any] = {}
    for label in frame.columns:
        values = frame[label]
        if pd.api.types.is_float_dtype(values):
            config[label] = st.column_config.NumberColumn(label, help=helps.get(label))
        elif pd.api.types.is_datetime64_any_dtype(values):
            if bool((values.dropna() != values.dropna().dt.normalize()).any()):
                config[label] = st.column_config.DatetimeColumn(
                    label, help=helps.get(label), format="D MMM YYYY, HH:mm", step=60
                )
            else:
                config[label] = st.column_config.DateColumn(label, help=helps.get(label), format="D MMM YYYY")
        else:
            config[label] = st.column_config.TextColumn(label, help=helps.get(label))
    return config


def plain_frame(frame: pd.DataFrame, columns: Sequence[Col]) -> pd.DataFrame | None:
    """A table of text and dates only, with nothing hidden, as plain values: each text cell its text (an empty
    one no value at all: the table's placeholder draws '—'), each date cell its date; ``None`` when a column
    needs a Styler (numbers shown as text). Streamlit turns a Styler's text into Arrow cell by cell (about 0.3 s
    for the 2,000 cases of the demo's case list on every rerun), a plain table in one go."""
    data: dict[str, list[Any]] = {}
    for c in columns:
        if c.kind in NUMBER_KINDS and c.words is None:
            return None
        values = frame[c.source]
        if c.kind in DATE_FORMATS:
            data[c.label] = [date_key(v) for v in values]
        else:
            data[c.label] = [None if t == NONE_TEXT else t for t in (fmt_cell(v, c) for v in values)]
    shown = pd.DataFrame(data, columns=list(data))
    for c in columns:
        if c.kind in DATE_FORMATS:
            shown[c.label] = pd.to_datetime(shown[c.label])
    return shown


def show_table(
    frame: pd.DataFrame,
    columns: Sequence[Col],
    hidden: Collection[tuple[Any, str]] = (),
    *,
    download: str | None,
    **options: Any,
) -> Any:
    """A table for people: human headings with help, each number formatted as its column's kind says, and
    number and date columns that sort by value (:func:`table_styler`; a table of text and dates with nothing
    hidden goes without a Styler: :func:`plain_frame`), and under it a button to download the table as shown
    (:func:`table_download`; ``download`` names the table, unique on its screen, e.g. "breakdown"; ``None``
    only where the screen offers its own download of the same rows). ``options`` go to ``st.dataframe`` (a row
    selection, a key); returns what it returns."""
    present = [c for c in columns if c.source in frame.columns]
    plain = None if hidden else plain_frame(frame, present)
    shown: StyledTable | pd.DataFrame | None = plain
    if plain is None:
        shown = table_styler(frame, columns, hidden)
        present = shown.columns
    event = st.dataframe(
        shown.styler if isinstance(shown, StyledTable) else shown,
        hide_index=True,
        column_config=number_columns(shown, {c.label: c.help or None for c in present}),
        # The grid draws a Styler's text only in a cell that holds a value, and a hidden count holds none (no
        # machine value to read or sort by): in a table with hidden cells its placeholder must be '*', or a
        # hidden count reads as '—', none (an outside reviewer saw it so on the restricted screens).
        placeholder=SUPPRESSED if hidden_cells(shown) else NONE_TEXT,
        **options,
    )
    if download is not None:
        table_download(shown, present, download)
    return event


#: Session-state key: the title of the screen this run draws (set by streamlit_app.py), for download names.
SCREEN_KEY = "screen_title"


def _file_words(text: str) -> str:
    """``text`` as a file name's part: lower-case letters, digits and hyphens only."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "table"


def table_cells(shown: Any, columns: Sequence[Col]) -> tuple[list[str], list[list[str]]]:
    """A table's headings and cells as the screen draws them, read from what is drawn (a :func:`table_styler`
    table's frame and its formats, or a :func:`plain_frame`), never from the source frame: a hidden count
    holds no value there, so it can only come out as '*'.

    What a download holds, cell by cell (the review pack's CSV conventions): the text shown, except that a cell
    without a value is empty (the screen's '—'), a count has no thousands separator (1234, not 1,234) and a
    difference in percentage points is the signed number (+6.4, under a heading that says "(points)"), so a
    spreadsheet reads every number as one. Percentages stay as shown (4.8%), ratios and p to the places shown,
    dates as shown (3 Mar 2026). A cell without a value in a table with hidden cells is '*', as the grid draws
    it (:func:`show_table`'s placeholder)."""
    frame = _drawn_frame(shown)
    formats: Mapping[str, Callable[[Any], str]] = shown.formats if isinstance(shown, StyledTable) else {}
    empty = SUPPRESSED if hidden_cells(shown) else ""
    by_label = {c.label: c for c in columns}  # a heading twice: its last column, as the table keeps it
    headings: list[str] = []
    texts: list[list[str]] = []
    for position, label in enumerate(frame.columns):
        col = by_label.get(label, Col(label, label))
        number = col.kind in NUMBER_KINDS and col.words is None
        if label in formats:
            show = formats[label]
        elif col.kind in DATE_FORMATS:
            show = lambda d, shape=DATE_FORMATS[col.kind]: f"{d:{shape}}"  # noqa: E731
        else:
            show = str
        column: list[str] = []
        for value in frame.iloc[:, position]:
            if value is None or value is pd.NaT or value is pd.NA or (isinstance(value, float) and value != value):
                column.append(empty)
                continue
            text = show(value)
            if text == NONE_TEXT:
                text = ""
            elif number and col.kind == "count":
                text = text.replace(",", "")
            elif number and col.kind == "points":
                text = text.removesuffix(" points")
            column.append(text)
        points = number and col.kind == "points" and "point" not in label.lower()
        headings.append(f"{label} (points)" if points else str(label))
        texts.append(column)
    return headings, [list(row) for row in zip(*texts, strict=True)] if texts else []


def table_download(shown: Any, columns: Sequence[Col], name: str) -> Any:
    """A button under a table that downloads it as shown (:func:`table_cells`) as a CSV safe to open in a
    spreadsheet (:func:`erreview.export.safe_csv.table_csv`): labelled "Download the <name> table (CSV)" (a
    screen reader lists buttons by label), its file named after the screen, the table and today's date. The file
    is made only at the click, handed out only inside a still-valid session, and audited with the screen and the
    table (:func:`signed_in_download`)."""
    from erreview.export.safe_csv import table_csv

    screen = str(st.session_state.get(SCREEN_KEY) or "erreview")
    stem = f"{_file_words(screen)}-{_file_words(name)}"
    return signed_in_download(
        st,
        f"Download the {name} table (CSV)",
        lambda: table_csv(*table_cells(shown, columns)),
        f"{stem}-{date.today().isoformat()}.csv",
        "text/csv",
        actor=None,
        what=f"table: {screen}: {name}",
        key=f"download-{_file_words(name)}",
        icon=":material/download:",
        type="tertiary",
    )


def hidden_cells(shown: Any) -> bool:
    """A :func:`table_styler` table with a hidden number or date cell (one holding no value shown as '*')."""
    return isinstance(shown, StyledTable) and shown.hidden


def _drawn_frame(shown: Any) -> pd.DataFrame:
    """What a table holds, cell by cell: a :class:`StyledTable`'s or a Styler's frame, or a plain frame."""
    if isinstance(shown, StyledTable):
        return shown.frame
    return getattr(shown, "data", shown)  # type: ignore[no-any-return]


YES_NO = {True: "Yes", False: "No"}
FLAG_WORDS = {"disparity": "Disparity", "watch": "Watch", "none": "No flag"}
BAND_WORDS = {"below": "Below 0.80", "non_adverse": "Within 0.80–1.25", "above": "Above 1.25"}
SIDE_WORDS = {"below": "Below parity", "above": "Above parity", "parity": "At parity", "none": "No ratio"}
HARM_WORDS = {"below": "Below parity (it happens less)", "above": "Above parity (it happens more)"}
FLAG_HELP = (
    "Disparity: outside 0.80–1.25 and significant after allowing for the steps tested together (q below 0.05). "
    "Watch: outside the range but could be chance."
)
#: The columns every BME : White comparison shares, after its key columns.
COMPARISON_COLUMNS = (
    Col("flag", "Flag", help=FLAG_HELP, words=FLAG_WORDS),
    Col("ratio", "Ratio (BME ÷ White)", "ratio", "BME rate divided by White rate; 1.00 is parity."),
    Col("ci_low", "95% CI low", "ratio", "Lower end of the 95% confidence interval of the ratio (Katz)."),
    Col("ci_high", "95% CI high", "ratio", "Upper end of the 95% confidence interval of the ratio (Katz)."),
    Col("bme_rate", "BME rate", "rate", "Share of BME staff who reached the step for whom it happened."),
    Col("white_rate", "White rate", "rate", "Share of White staff who reached the step for whom it happened."),
    Col("difference", "Difference", "points", "BME rate minus White rate, in percentage points."),
    Col("bme_n", "BME cases", "count", "BME staff whose case reached this step."),
    Col("bme_events", "BME: it happened", "count", "BME staff for whom the step happened."),
    Col("white_n", "White cases", "count", "White staff whose case reached this step."),
    Col("white_events", "White: it happened", "count", "White staff for whom the step happened."),
    Col("band", "Against 0.80–1.25", help="Where the ratio sits against the non-adverse range.", words=BAND_WORDS),
    Col("q_value", "q (BH)", "p", "Benjamini–Hochberg q-value: Fisher's p allowing for the steps tested together."),
    Col("q", "q (BH)", "p", "Benjamini–Hochberg q-value: Fisher's p allowing for every cell tested together."),
    Col("fisher_p", "Fisher p", "p", "Fisher's exact test, BME against White."),
    Col("significant", "Significant (q < 0.05)", help="Whether q is below 0.05.", words=YES_NO),
    Col("side", "Side of parity", help="Which side of 1.00 the ratio is.", words=SIDE_WORDS),
    Col("harm_direction", "Harms BME staff if", help="Which side of parity is the harmful one here.", words=HARM_WORDS),
    Col("adverse", "On the harmful side", help="Whether the ratio is on the side that harms BME staff.", words=YES_NO),
)

#: Which column of the review pack's table hides each column of the screen's (derived values go with the ratio).
PUBLISHED_AS = {
    "BME cases": "BME n",
    "BME: it happened": "BME events",
    "White cases": "White n",
    "White: it happened": "White events",
    "Ratio (BME ÷ White)": "Ratio",
    "Difference": "Difference (points)",
    "Against 0.80–1.25": "Band",
    "Significant (q < 0.05)": "Ratio",
    "Side of parity": "Ratio",
    "Harms BME staff if": "Ratio",
    "On the harmful side": "Ratio",
}


def published_hidden(published: pd.DataFrame, columns: Sequence[Col]) -> set[tuple[int, str]]:
    """The cells, as (row, source column), hidden in ``published`` (a review-pack decision-point table, one row
    per row of the screen's table, in order) under each of ``columns``."""
    hidden: set[tuple[int, str]] = set()
    for column in columns:
        name = PUBLISHED_AS.get(column.label, column.label)
        if name in published.columns:
            hidden |= {(int(r), column.source) for r in np.flatnonzero(published[name].eq(SUPPRESSED).to_numpy())}
    return hidden


_warming: set[tuple[Any, ...]] = set()
_warming_lock = threading.Lock()


def _periods_restricted_screens_open_on(key: tuple[str, int]) -> list[str]:
    from erreview.periods import period_of

    periods: list[str] = []
    current = service.latest_available(wres_results(key), today=date.today())
    if current is not None:
        periods.append(current.period.label)  # Overview
    window = default_window(key)
    if window is not None:
        periods.append(period_of(window[1], "half").label)  # Decision points, Divisions, Measures
    return list(dict.fromkeys(periods))


_imports_warmed = threading.Event()
_imports_thread: threading.Thread | None = None
#: The heavy libraries, imported in one thread: two threads importing them at once can deadlock on Python's
#: import locks (fairlearn, altair and formulaic each import narwhals: a panel check once failed with
#: "_DeadlockError: deadlock detected by _ModuleLock('narwhals.stable.v1')" while statsmodels was imported
#: in the background). So screens and the pack warm-up wait for this thread (:func:`wait_for_imports`).
HEAVY_IMPORTS = (
    "statsmodels.api",
    "statsmodels.duration.survfunc",
    "sklearn.linear_model",
    "fairlearn.metrics",
    "altair",
    "erreview.charts",
    "erreview.metrics.decisions",
    "erreview.screen_audit",
)


def warm_imports() -> threading.Thread | None:
    """Once per server process, import in the background the heavy libraries the screens use (statsmodels:
    seconds of CPU, for Decision points' adjusted model and time in process; scikit-learn, fairlearn, altair
    and the pack's audit), while sign-in's own work runs. Returns the thread, for tests and the benchmark."""
    global _imports_thread
    if _imports_warmed.is_set():
        return None
    _imports_warmed.set()

    def work() -> None:
        import importlib

        for name in HEAVY_IMPORTS:
            # A warm-up only: the screen imports it itself and shows any problem in plain words.
            with contextlib.suppress(Exception):
                importlib.import_module(name)

    _imports_thread = threading.Thread(target=work, name="erreview-warm-imports", daemon=True)
    _imports_thread.start()
    return _imports_thread


def wait_for_imports() -> None:
    """Wait for :func:`warm_imports` to finish, if it is running (see :data:`HEAVY_IMPORTS` for why)."""
    thread = _imports_thread
    if thread is not None and thread is not threading.current_thread():
        thread.join()


def warm_pack_views(actor: Actor) -> threading.Thread | None:
    """Start working out in the background what the review packs behind the restricted screens (Overview,
    Decision points, Divisions, Measures of analysts and board viewers) may show: the exact disclosure audit
    takes seconds of CPU, and their first visit would otherwise wait for it.

    Once per data and export version, from any signed-in run: a restricted role's own sign-in, and (setting
    ``warm_up_after_changes``) a case lead's or administrator's run after they changed the data, so an analyst
    opening Decision points after a change finds it done. One worker at a time, on the newest version only:
    a burst of changes costs one audit, not one each. The screens then find it cached (and wait on the same
    computation if it is still running). Returns the worker when this call started it, for tests."""
    from erreview.screen_privacy import restricted

    if not restricted(actor.role) and not settings().warm_up_after_changes:
        return None
    key = data_key()
    marker = (key, service.published_version(_engine(key[0])))
    global _warm_worker, _warm_next
    with _warming_lock:
        if marker in _warming:
            return None
        _warming.add(marker)
        _warm_next = (key, marker)
        if _warm_worker is not None and _warm_worker.is_alive():
            return None  # the running worker takes the newest version next
        _warm_worker = threading.Thread(target=_warm_work, name="erreview-warm-pack-views", daemon=True)
        _warm_worker.start()
        return _warm_worker


class _QuietInWarmUps(logging.Filter):
    """Streamlit warns "missing ScriptRunContext" on every cached call made outside a page run: in the warm-up
    threads that is by design (no page to draw a spinner on), and after every change it would flood the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not threading.current_thread().name.startswith("erreview-warm-")


logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(_QuietInWarmUps())

_warm_worker: threading.Thread | None = None
_warm_next: tuple[tuple[str, int], tuple[Any, ...]] | None = None


@atexit.register
def _finish_warm_up() -> None:
    """At exit, let a running warm-up finish its audit (no newer one): a daemon thread stopped inside the
    solver's C++ code aborts the process ("terminate called without an active exception")."""
    global _warm_next
    with _warming_lock:
        _warm_next = None
        worker = _warm_worker
    if worker is not None:
        worker.join(timeout=30)


def _warm_work() -> None:
    global _warm_next
    wait_for_imports()  # one thread imports the heavy libraries (HEAVY_IMPORTS)
    while True:
        with _warming_lock:
            if _warm_next is None:
                return
            key, marker = _warm_next
            _warm_next = None
        # No script context here: the caches work without one, and their spinners have no page to draw on.
        try:
            for period in _periods_restricted_screens_open_on(key):
                pack_view(key, period)
        except Exception:
            # A warm-up only: the screen computes it again itself and shows any problem in plain words.
            with _warming_lock:
                _warming.discard(marker)


def period_select(label: str, periods: Sequence[Period], length: str, help: str) -> Period:
    """A choice of ``periods`` (newest first) that opens on the latest that has ended and holds data
    (:func:`erreview.service.default_half`), a period still running marked incomplete."""
    today = date.today()
    prefer = service.default_half(engine(), today, "year" if length == "year" else "half")
    chosen = st.selectbox(
        label,
        [p.label for p in periods],
        index=service.default_index(periods, today, prefer=prefer),
        format_func=lambda text: service.period_choice(next(p for p in periods if p.label == text), today),
        help=help,
    )
    return next(p for p in periods if p.label == chosen)
