"""My work: the first screen for everyone, listing what waits for the signed-in person, oldest first."""

from __future__ import annotations

import streamlit as st

from erreview.review.roles import Role
from panels.common import my_work_items, require

actor = require(*Role)
st.title("My work", anchor=False)
items = my_work_items(actor)
if not items:
    st.success("Nothing is waiting for you.", icon=":material/check_circle:")
    st.stop()
st.caption(f"{len(items):,} item(s) waiting for you, oldest first.")
for n, item in enumerate(items[:100]):
    with st.container(border=True):
        when = f"Since {item.since:%-d %b %Y}. " if item.since else ""
        st.text(f"{when}{item.text}")  # plain text: case ids and titles come from imports and people
        if item.screen:
            # Each button names what it opens (a screen reader lists buttons out of their surroundings).
            label = item.button or (f"Open {item.case_id}" if item.case_id else f"Open {item.screen}")
            # A button rather than a page link: Streamlit draws page links in a grey below WCAG AA contrast.
            if st.button(label, key=f"open_{n}", icon=":material/arrow_forward:"):
                st.switch_page(
                    f"panels/{item.screen}.py", query_params={"case": item.case_id} if item.case_id else None
                )
if len(items) > 100:
    st.caption(f"The first 100 of {len(items):,} are shown.")
