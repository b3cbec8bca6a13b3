"""Sign in: a local account (argon2-hashed password) or the trust's identity provider (OIDC)."""

from __future__ import annotations

import streamlit as st

from erreview.auth import authenticate
from panels.common import ACTOR_KEY, engine, oidc_configured

st.title("erreview")
st.markdown("Find and stop racial bias in employee-relations cases. Please sign in.")

if getattr(st.user, "is_logged_in", False):
    st.error(
        "Your organisation account is signed in but has no access to erreview yet. Ask an administrator "
        "to add your email address with a role."
    )

left, right = st.columns([2, 1])
with left, st.form("signin"):
    username = st.text_input("Username")
    password = st.text_input("Password", type="password")
    if st.form_submit_button("Sign in", type="primary"):
        actor = authenticate(engine(), username, password)
        if actor is None:
            st.error("That username and password do not match an active account.")
        else:
            st.session_state[ACTOR_KEY] = actor
            st.rerun()
if oidc_configured():
    with right:
        st.markdown("Or use your organisation account:")
        if st.button("Sign in with your organisation", icon=":material/badge:"):
            st.login()
