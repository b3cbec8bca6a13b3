"""What every screen shares: the engine, cached library calls keyed on database and data version."""

from __future__ import annotations

import streamlit as st

from erreview import service, store
from erreview.config import get_settings
from erreview.metrics.likelihood import WresResult


def database_url() -> str:
    return get_settings().database_url


@st.cache_resource
def _engine(url: str) -> store.Engine:
    return store.engine_for(url)


def engine() -> store.Engine:
    return _engine(database_url())


def data_key() -> tuple[str, int]:
    """(database, data version): the cache key of every derived figure, so an import refreshes them."""
    return database_url(), service.current_data_version(engine())


@st.cache_data(show_spinner="Computing the relative likelihood…")
def wres_results(key: tuple[str, int], pool: int = 1) -> list[WresResult]:
    return service.wres_results(_engine(key[0]), pool=pool)


def fmt_ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def fmt_rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2%}"
