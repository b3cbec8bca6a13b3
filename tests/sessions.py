"""Sign a test into the app the way a real sign-in does: a user row and a server-side session token."""

from __future__ import annotations

from typing import Any

import pandas as pd

from erreview import store
from erreview.auth import add_user, start_session
from erreview.review.roles import Actor
from erreview.store import workflow as ws
from panels.common import SESSION_KEY

__all__ = ["SESSION_KEY", "session_token", "shown"]


def session_token(database_url: str, actor: Actor) -> str:
    """A session for ``actor`` in the database at ``database_url`` (the user is created if missing)."""
    engine = store.engine_for(database_url)
    with store.session_scope(engine) as session:
        exists = ws.get_user(session, actor.username) is not None
    if not exists:
        add_user(
            engine,
            username=actor.username,
            role=actor.role,
            panels=",".join(sorted(actor.panels)),
            divisions=",".join(sorted(actor.divisions)),
        )
    return start_session(engine, actor)


def shown(table: Any) -> pd.DataFrame:
    """An ``st.dataframe`` element as people read it: each cell's text. A table whose numbers sort as numbers
    (panels.common.sortable) holds the numbers and shows them through a Styler: its display values. A plain
    table (text and dates) draws its placeholder in a cell without a value."""
    from streamlit import dataframe_util

    display = table.proto.arrow_data.styler.display_values
    value = table.value
    if display:
        texts = dataframe_util.convert_arrow_bytes_to_pandas_df(display)
        # The grid draws a Styler's text only in a cell that holds a value: in one without, its placeholder
        # (seen in a real browser: a hidden count holding no value drew '—', not the Styler's '*').
        if table.proto.placeholder:
            texts = texts.where(value.notna().to_numpy(), table.proto.placeholder)
        return texts
    if table.proto.placeholder:  # what the grid draws in a cell without a value
        return value.astype(object).where(value.notna(), table.proto.placeholder)
    return value
