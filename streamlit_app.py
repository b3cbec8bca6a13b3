"""erreview: the Streamlit front end. Screens live in ``panels/``; the logic is in ``erreview``."""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="erreview", page_icon=":material/balance:", layout="wide")

pages = [
    st.Page("panels/overview.py", title="Overview", icon=":material/monitoring:", default=True),
]
st.navigation(pages).run()
